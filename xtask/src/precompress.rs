//! Gzip siblings for a built page's text and wasm files (`page.wasm` → `page.wasm.gz`), so
//! that `serve` and any static host that serves precompressed files (nginx's `gzip_static`,
//! Caddy's `precompressed`) send a fifth of the bytes without compressing on every request.

use std::io::Write;
use std::path::Path;

use flate2::write::GzEncoder;
use flate2::Compression;

/// Files worth compressing: the rest (images, already compressed) are served as they are.
const COMPRESSIBLE: [&str; 7] = ["wasm", "js", "json", "html", "css", "svg", "map"];
/// Below this size a file goes as it is.
const MIN_BYTES: u64 = 1024;

/// What precompressing a folder did.
#[derive(Debug, Default, PartialEq)]
pub struct Compressed {
    pub files: usize,
    pub raw_bytes: u64,
    pub gzip_bytes: u64,
}

/// Writes `<file>.gz` beside every compressible file under `dir` (replacing older ones).
pub fn precompress(dir: &Path) -> Result<Compressed, String> {
    let mut done = Compressed::default();
    let entries = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    for entry in entries {
        let path = entry.map_err(|e| e.to_string())?.path();
        if path.is_dir() {
            let inner = precompress(&path)?;
            done.files += inner.files;
            done.raw_bytes += inner.raw_bytes;
            done.gzip_bytes += inner.gzip_bytes;
            continue;
        }
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
        let size = path.metadata().map_err(|e| e.to_string())?.len();
        if !COMPRESSIBLE.contains(&ext) || size < MIN_BYTES {
            continue;
        }
        let bytes = std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let gzip = gzip(&bytes).map_err(|e| format!("{}: {e}", path.display()))?;
        let target = gz_path(&path);
        std::fs::write(&target, &gzip).map_err(|e| format!("{}: {e}", target.display()))?;
        done.files += 1;
        done.raw_bytes += size;
        done.gzip_bytes += gzip.len() as u64;
    }
    Ok(done)
}

pub fn gzip(bytes: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::best());
    encoder.write_all(bytes)?;
    encoder.finish()
}

/// `page.wasm` → `page.wasm.gz`.
pub fn gz_path(path: &Path) -> std::path::PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".gz");
    name.into()
}
