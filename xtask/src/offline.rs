//! The page's service worker: `web/sw.js` written into a built `dist/` with the build's file
//! list and a version drawn from their bytes. A second visit then asks the network for the HTML
//! only, and the page opens with no network at all; a rebuilt page is a new `sw.js`, which the
//! browser installs as an update.

use std::path::Path;

use crate::precompress::crc32;

/// The service worker's name in `dist/`, beside `index.html` (its scope is the page's folder).
pub const SERVICE_WORKER: &str = "sw.js";
const VERSION_MARK: &str = "__TUNELAB_VERSION__";
const FILES_MARK: &str = "__TUNELAB_FILES__";

/// What was written: how many files the service worker keeps, and the build's version.
#[derive(Debug)]
pub struct Offline {
    pub files: Vec<String>,
    pub version: String,
}

/// Writes `dist/sw.js` from `template` (the text of `web/sw.js`) for the files now in `dist`
/// (their `.gz` siblings aside: the browser stores what it decoded).
pub fn write_service_worker(template: &str, dist: &Path) -> Result<Offline, String> {
    for mark in [VERSION_MARK, FILES_MARK] {
        if !template.contains(mark) {
            return Err(format!("the service worker's template has no {mark} to fill in"));
        }
    }
    let mut files = Vec::new();
    list(dist, "", &mut files)?;
    files.sort();
    let mut digest = Vec::new();
    for file in &files {
        let bytes = std::fs::read(dist.join(file)).map_err(|e| format!("{file}: {e}"))?;
        digest.extend(file.as_bytes());
        digest.extend(crc32(&bytes).to_le_bytes());
        digest.extend((bytes.len() as u64).to_le_bytes());
    }
    let version = format!("{:08x}", crc32(&digest));
    let list = serde_json::to_string(&files).map_err(|e| e.to_string())?;
    let text = template.replace(VERSION_MARK, &version).replace(FILES_MARK, &list);
    let target = dist.join(SERVICE_WORKER);
    std::fs::write(&target, text).map_err(|e| format!("{}: {e}", target.display()))?;
    Ok(Offline { files, version })
}

/// The files under `dir`, as paths relative to the page with `/` between folders.
fn list(dir: &Path, prefix: &str, out: &mut Vec<String>) -> Result<(), String> {
    let entries = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    for entry in entries {
        let entry = entry.map_err(|e| e.to_string())?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let path = entry.path();
        if path.is_dir() {
            list(&path, &format!("{prefix}{name}/"), out)?;
        } else if !name.ends_with(".gz") && !(prefix.is_empty() && name == SERVICE_WORKER) {
            out.push(format!("{prefix}{name}"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEMPLATE: &str = "const VERSION = \"__TUNELAB_VERSION__\";\nconst FILES = __TUNELAB_FILES__;\n";

    fn dist(name: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("tunelab-offline-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("snippets/tunelab-1")).expect("a temporary folder");
        for (file, text) in [
            ("index.html", "<html>"),
            ("index.html.gz", "gz"),
            ("page_bg.wasm", "wasm"),
            ("snippets/tunelab-1/kept_store.js", "js"),
            (SERVICE_WORKER, "an older service worker"),
        ] {
            std::fs::write(dir.join(file), text).expect("a file");
        }
        dir
    }

    #[test]
    fn the_service_worker_lists_the_builds_files_and_changes_with_their_bytes() {
        let dir = dist("list");
        let first = write_service_worker(TEMPLATE, &dir).expect("written");
        assert_eq!(first.files, ["index.html", "page_bg.wasm", "snippets/tunelab-1/kept_store.js"]);
        let text = std::fs::read_to_string(dir.join(SERVICE_WORKER)).expect("sw.js");
        assert_eq!(
            text,
            format!(
                "const VERSION = \"{}\";\nconst FILES = [\"index.html\",\"page_bg.wasm\",\"snippets/tunelab-1/kept_store.js\"];\n",
                first.version
            )
        );
        assert_eq!(write_service_worker(TEMPLATE, &dir).expect("again").version, first.version, "same bytes");
        std::fs::write(dir.join("page_bg.wasm"), "wasn").expect("a rebuilt file");
        assert_ne!(write_service_worker(TEMPLATE, &dir).expect("rebuilt").version, first.version);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_template_without_its_marks_is_refused() {
        let dir = dist("marks");
        let error = write_service_worker("const FILES = [];", &dir).expect_err("no version mark");
        assert!(error.contains(VERSION_MARK), "{error}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
