//! The README's invariants, checked on the source text (rust-analyzer's tidy tests): what core
//! and protocol may import, which modules create devices, that the codemap names every file,
//! and that no files import each other in a circle.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::support::{root, rust_files};

/// The file's code, comments left out (a doc may name what the code must not use).
fn code(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.lines()
        .map(|line| match line.find("//") {
            Some(i) if !line[..i].contains('"') => &line[..i],
            _ => line,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn relative(path: &Path) -> String {
    path.strip_prefix(root()).unwrap_or(path).display().to_string()
}

#[test]
fn core_knows_nothing_of_the_browser_the_terminal_or_files() {
    let mut found = Vec::new();
    for file in rust_files(&root().join("src/core")) {
        let code = code(&file);
        for forbidden in [
            "web_sys",
            "wasm_bindgen",
            "leptos",
            "clap",
            "std::fs",
            "indicatif",
            "crate::browser",
            "crate::ui",
            "crate::cli",
            "crate::protocol",
        ] {
            if code.contains(forbidden) {
                found.push(format!("{} uses {forbidden}", relative(&file)));
            }
        }
    }
    assert!(found.is_empty(), "core must stay pure: {found:#?}");
}

/// The first segment of every `crate::` path in `code`.
fn crate_modules(code: &str) -> BTreeSet<String> {
    code.match_indices("crate::")
        .map(|(i, _)| {
            code[i + "crate::".len()..].split(|c: char| !c.is_alphanumeric() && c != '_').next().unwrap_or("")
        })
        .map(str::to_string)
        .collect()
}

#[test]
fn protocol_and_share_import_only_core_and_the_catalogue() {
    for (layer, files, own) in [
        ("protocol", vec![root().join("src/protocol.rs")], "protocol"),
        ("share", rust_files(&root().join("src/share")), "share"),
    ] {
        for file in files {
            let code = code(&file);
            let inner = |m: &String| ["core", "i18n", "tr", own].contains(&m.as_str());
            let outside: Vec<String> = crate_modules(&code).into_iter().filter(|m| !inner(m)).collect();
            assert!(outside.is_empty(), "{layer} ({}) reaches outside core: {outside:?}", relative(&file));
            for forbidden in ["web_sys", "wasm_bindgen", "leptos", "burn::"] {
                assert!(!code.contains(forbidden), "{layer} ({}) uses {forbidden}", relative(&file));
            }
        }
    }
}

#[test]
fn the_catalogue_imports_nothing_of_the_crate() {
    for file in rust_files(&root().join("src/i18n")) {
        let code = code(&file);
        let inner: Vec<String> = crate_modules(&code).into_iter().filter(|m| m != "i18n").collect();
        assert!(inner.is_empty(), "{} reaches into the crate: {inner:?}", relative(&file));
    }
}

#[test]
fn only_the_named_modules_create_devices() {
    let allowed = ["src/browser/gpu.rs", "src/cli/device.rs"];
    let mut found = Vec::new();
    for file in rust_files(&root().join("src")) {
        let code = code(&file);
        let name = relative(&file);
        let creates = ["Device::flex()", "wgpu_options()", "Device::default()"].iter().any(|c| code.contains(c));
        if creates && !allowed.contains(&name.as_str()) {
            found.push(name);
        }
    }
    assert!(found.is_empty(), "devices are created only in {allowed:?}, also in: {found:?}");
}

/// The hosts the page's own sources may name: the Hub (a model the user chooses by its id) and
/// loopback. The e2e's recording proxy tells Chromium's own calls home from the page's by
/// their host, which is sound only while the page names no other (`tests/e2e/requests.rs`).
#[test]
fn the_page_names_no_host_but_the_hub() {
    let allowed = ["huggingface.co", "127.0.0.1", "localhost"];
    let web = root().join("web");
    let mut sources = rust_files(&root().join("src"));
    sources.extend(["index.html", "style.css"].iter().map(|f| web.join(f)));
    sources.push(root().join("src/ui/kept_store.js"));
    let mut found = Vec::new();
    for file in &sources {
        let text = std::fs::read_to_string(file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        for (at, _) in text.match_indices("://") {
            let host: String =
                text[at + 3..].chars().take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-')).collect();
            if !host.is_empty() && !allowed.contains(&host.as_str()) {
                found.push(format!("{}: {host}", relative(file)));
            }
        }
    }
    assert!(found.is_empty(), "hosts named outside {allowed:?}: {found:?}");
}

#[test]
fn the_readme_codemap_names_every_source_file() {
    let readme = std::fs::read_to_string(root().join("README.md")).expect("README.md");
    let codemap = &readme[readme.find("## Architecture").expect("an Architecture section")..];
    let mut missing = Vec::new();
    let sources = ["src", "xtask/src", "kernels/src"].map(|dir| rust_files(&root().join(dir)));
    for file in sources.into_iter().flatten() {
        let name = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let named = match name.as_str() {
            // A folder's module file is named by its folder.
            "mod.rs" => {
                let folder = file.parent().and_then(Path::file_name).map(|n| n.to_string_lossy().into_owned());
                folder.is_some_and(|f| codemap.contains(&format!("{f}/")))
            }
            _ => codemap.contains(&name),
        };
        if !named {
            missing.push(relative(&file));
        }
    }
    assert!(missing.is_empty(), "files the README's codemap does not name: {missing:#?}");
}

/// The module file a `crate::…` or `super::…` path lands in: the deepest one that exists.
fn resolve(crate_root: &Path, from: &Path, path: &str) -> Option<PathBuf> {
    let mut segments = path.split("::");
    let mut dir = match segments.next()? {
        "crate" => crate_root.to_path_buf(),
        "super" => {
            let parent = from.parent()?;
            if from.file_name().is_some_and(|n| n == "mod.rs") {
                parent.parent()?.to_path_buf()
            } else {
                parent.to_path_buf()
            }
        }
        _ => return None,
    };
    let mut found = None;
    for segment in segments {
        let file = dir.join(format!("{segment}.rs"));
        let folder = dir.join(segment);
        if file.is_file() {
            found = Some(file);
        } else if folder.join("mod.rs").is_file() {
            found = Some(folder.join("mod.rs"));
        } else {
            break;
        }
        dir = folder;
    }
    found
}

/// The paths a file uses, `use a::{b, c}` spelled out as `a::b` and `a::c` (one level).
fn paths(code: &str) -> Vec<String> {
    let mut out = Vec::new();
    for start in ["crate::", "super::"] {
        for (i, _) in code.match_indices(start) {
            let rest = &code[i..];
            let end = rest.find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':')).unwrap_or(rest.len());
            let path = rest[..end].trim_end_matches(':');
            if rest[end..].starts_with('{') && rest[..end].ends_with("::") {
                let group = &rest[end + 1..rest[end..].find('}').map_or(rest.len(), |j| end + j)];
                for item in group.split(',') {
                    let item = item.trim().split(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':')).next();
                    if let Some(item) = item.filter(|i| !i.is_empty()) {
                        out.push(format!("{path}::{item}"));
                    }
                }
            } else {
                out.push(path.to_string());
            }
        }
    }
    out
}

/// File → the files it imports; crate roots and `mod.rs` files are facades (they declare and
/// re-export), so edges through them are not circles of meaning.
fn import_graph(crate_root: &Path, files: &[PathBuf]) -> BTreeMap<PathBuf, BTreeSet<PathBuf>> {
    let facade = |p: &Path| p.file_name().is_some_and(|n| n == "mod.rs" || n == "lib.rs" || n == "main.rs");
    let mut graph = BTreeMap::new();
    for file in files.iter().filter(|f| !facade(f)) {
        let targets = paths(&code(file))
            .iter()
            .filter_map(|p| resolve(crate_root, file, p))
            .filter(|t| t != file && !facade(t))
            .collect();
        graph.insert(file.clone(), targets);
    }
    graph
}

/// One circle of imports, if there is any.
fn find_circle(graph: &BTreeMap<PathBuf, BTreeSet<PathBuf>>) -> Option<Vec<PathBuf>> {
    fn visit(
        node: &PathBuf,
        graph: &BTreeMap<PathBuf, BTreeSet<PathBuf>>,
        stack: &mut Vec<PathBuf>,
        done: &mut BTreeSet<PathBuf>,
    ) -> Option<Vec<PathBuf>> {
        if let Some(i) = stack.iter().position(|n| n == node) {
            return Some(stack[i..].iter().cloned().chain([node.clone()]).collect());
        }
        if !done.insert(node.clone()) {
            return None;
        }
        stack.push(node.clone());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(circle) = visit(next, graph, stack, done) {
                return Some(circle);
            }
        }
        stack.pop();
        None
    }
    let mut done = BTreeSet::new();
    graph.keys().find_map(|node| visit(node, graph, &mut Vec::new(), &mut done))
}

#[test]
fn no_files_import_each_other_in_a_circle() {
    for crate_root in [root().join("src"), root().join("xtask/src")] {
        let files: Vec<PathBuf> =
            rust_files(&crate_root).into_iter().filter(|f| !f.starts_with(crate_root.join("bin"))).collect();
        let graph = import_graph(&crate_root, &files);
        assert!(
            graph.values().map(BTreeSet::len).sum::<usize>() > 20,
            "the import graph of {} looks empty",
            crate_root.display()
        );
        if let Some(circle) = find_circle(&graph) {
            let names: Vec<String> = circle.iter().map(|p| relative(p)).collect();
            panic!("an import circle: {}", names.join(" → "));
        }
    }
}

#[test]
fn the_circle_finder_finds_a_circle() {
    let (a, b, c) = (PathBuf::from("a.rs"), PathBuf::from("b.rs"), PathBuf::from("c.rs"));
    let mut graph =
        BTreeMap::from([(a.clone(), BTreeSet::from([b.clone()])), (b.clone(), BTreeSet::from([c.clone()]))]);
    assert_eq!(find_circle(&graph), None);
    graph.insert(c.clone(), BTreeSet::from([a.clone()]));
    assert_eq!(find_circle(&graph), Some(vec![a.clone(), b, c, a]));
}
