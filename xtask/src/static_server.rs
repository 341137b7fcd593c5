//! A small static file server on 127.0.0.1 for the browser tests and benchmarks: the default
//! model, ../shared's fixtures and data, and built wasm bundles, with CORS allowed (a prefix
//! `/nocors/` serves the same files without it, to test a refusal). GET and HEAD, and a
//! `POST /report` whose body is handed to the caller (the benchmark pages report through it).
//! A file with an up-to-date `.gz` sibling (`precompress.rs`) goes gzipped to a client that
//! accepts gzip, with `Content-Encoding: gzip`. Files carry an `ETag` and `Cache-Control:
//! no-cache`, so a browser revalidates its copy and an unchanged file costs a 304. `GET
//! /__served` answers how many bytes and
//! responses this process's servers have sent so far (the e2e counts a visit's transfer).

use std::io::Read;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{channel, Receiver, Sender};
use std::thread;

/// Bytes (headers and bodies) and responses sent by every server of this process.
static SENT_BYTES: AtomicU64 = AtomicU64::new(0);
static SENT_RESPONSES: AtomicU64 = AtomicU64::new(0);

/// Writes a response head and body, counting both.
fn send(out: &mut TcpStream, head: &str, body: &[u8]) -> std::io::Result<()> {
    out.write_all(head.as_bytes())?;
    out.write_all(body)?;
    SENT_BYTES.fetch_add((head.len() + body.len()) as u64, Ordering::Relaxed);
    SENT_RESPONSES.fetch_add(1, Ordering::Relaxed);
    out.flush()
}

/// URL prefixes and the folders they serve.
pub type Mounts = Vec<(&'static str, PathBuf)>;

/// Starts serving on a free port in a background thread; returns `http://127.0.0.1:<port>`.
pub fn start(mounts: Mounts) -> Result<String, String> {
    start_on("127.0.0.1:0", mounts).map(|(url, _)| url)
}

/// Serves on `address`; the receiver gets the body of every `POST /report`.
pub fn start_on(address: &str, mounts: Mounts) -> Result<(String, Receiver<String>), String> {
    let listener = TcpListener::bind(address).map_err(|e| format!("cannot listen on {address}: {e}"))?;
    serve_on(listener, mounts)
}

/// Serves on a bound listener; the URL returned is the loopback one, whatever it is bound to.
pub fn serve_on(listener: TcpListener, mounts: Mounts) -> Result<(String, Receiver<String>), String> {
    let port = listener.local_addr().map_err(|e| e.to_string())?.port();
    let (reports, received) = channel();
    thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let (mounts, reports) = (mounts.clone(), reports.clone());
            thread::spawn(move || {
                let _ = serve(stream, &mounts, &reports);
            });
        }
    });
    Ok((format!("http://127.0.0.1:{port}"), received))
}

fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "wasm" => "application/wasm",
        "json" => "application/json",
        "css" => "text/css",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ts" => "text/plain; charset=utf-8",
        "tsv" | "csv" | "conll" | "txt" | "jsonl" | "md" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// The file a URL path names, refusing anything that climbs out of its mount.
fn resolve(url_path: &str, mounts: &Mounts) -> Option<PathBuf> {
    let path = url_path.split(['?', '#']).next().unwrap_or("");
    for (prefix, dir) in mounts {
        let Some(rest) = path.strip_prefix(prefix) else { continue };
        let rest = rest.trim_start_matches('/');
        let relative = Path::new(rest);
        if relative.components().any(|c| !matches!(c, Component::Normal(_))) {
            return None;
        }
        let mut file = dir.join(relative);
        if file.is_dir() {
            file = file.join("index.html");
        }
        return file.is_file().then_some(file);
    }
    None
}

/// `file`'s `.gz` sibling, when there is one at least as new as the file.
fn fresh_gzip(file: &Path) -> Option<PathBuf> {
    let gz = crate::precompress::gz_path(file);
    let modified = |p: &Path| p.metadata().and_then(|m| m.modified()).ok();
    (modified(&gz)? >= modified(file)?).then_some(gz)
}

fn serve(stream: TcpStream, mounts: &Mounts, reports: &Sender<String>) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    let mut line = String::new();
    let mut content_length = 0usize;
    let mut accepts_gzip = false;
    let mut if_none_match = None;
    while reader.read_line(&mut line)? > 2 {
        if let Some((name, value)) = line.split_once(':') {
            if name.eq_ignore_ascii_case("if-none-match") {
                if_none_match = Some(value.trim().to_string());
            } else if name.eq_ignore_ascii_case("content-length") {
                content_length = value.trim().parse().unwrap_or(0);
            } else if name.eq_ignore_ascii_case("accept-encoding") {
                accepts_gzip = value.split(',').any(|e| e.split(';').next().is_some_and(|e| e.trim() == "gzip"));
            }
        }
        line.clear();
    }
    let mut parts = request_line.split_whitespace();
    let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or("/"));
    let (cors, target) = match target.strip_prefix("/nocors") {
        Some(rest) => (false, rest),
        None => (true, target),
    };
    let mut out = stream;
    // CORP as well: a page with `Cross-Origin-Embedder-Policy: require-corp` (the test
    // runner's) loads no-cors resources, such as a worker's importScripts, only with it.
    let cors_header =
        if cors { "Access-Control-Allow-Origin: *\r\nCross-Origin-Resource-Policy: cross-origin\r\n" } else { "" };
    if method == "POST" && target == "/report" {
        let mut body = vec![0; content_length];
        reader.read_exact(&mut body)?;
        let _ = reports.send(String::from_utf8_lossy(&body).into_owned());
        return send(&mut out, &format!("HTTP/1.1 204 No Content\r\n{cors_header}Connection: close\r\n\r\n"), &[]);
    }
    if method == "OPTIONS" {
        let head = format!(
            "HTTP/1.1 204 No Content\r\n{cors_header}Access-Control-Allow-Methods: GET, HEAD\r\nConnection: close\r\n\r\n"
        );
        return send(&mut out, &head, &[]);
    }
    if target == "/__served" {
        let body = format!(
            "{{\"bytes\": {}, \"responses\": {}}}",
            SENT_BYTES.load(Ordering::Relaxed),
            SENT_RESPONSES.load(Ordering::Relaxed)
        );
        let head = format!(
            "HTTP/1.1 200 OK\r\n{cors_header}Content-Type: application/json\r\nContent-Length: {}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n",
            body.len()
        );
        out.write_all(head.as_bytes())?;
        out.write_all(body.as_bytes())?;
        return out.flush();
    }
    let Some(file) = resolve(target, mounts) else {
        let body = format!("not found: {target}\n");
        let head = format!(
            "HTTP/1.1 404 Not Found\r\n{cors_header}Content-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        );
        return send(&mut out, &head, body.as_bytes());
    };
    let gzipped = accepts_gzip.then(|| fresh_gzip(&file)).flatten();
    let sent = gzipped.as_ref().unwrap_or(&file);
    let tag = etag(sent)?;
    if if_none_match.is_some_and(|tags| tags.split(',').any(|t| t.trim() == tag)) {
        let head = format!(
            "HTTP/1.1 304 Not Modified\r\n{cors_header}ETag: {tag}\r\nVary: Accept-Encoding\r\nCache-Control: no-cache\r\nConnection: close\r\n\r\n"
        );
        return send(&mut out, &head, &[]);
    }
    let bytes = std::fs::read(sent)?;
    let encoding = if gzipped.is_some() { "Content-Encoding: gzip\r\n" } else { "" };
    let head = format!(
        "HTTP/1.1 200 OK\r\n{cors_header}Content-Type: {}\r\n{encoding}Vary: Accept-Encoding\r\nContent-Length: {}\r\nETag: {tag}\r\nCache-Control: no-cache\r\nConnection: close\r\n\r\n",
        content_type(&file),
        bytes.len()
    );
    send(&mut out, &head, if method == "HEAD" { &[] } else { &bytes })
}

/// A file's validator, from its size and modification time: a rebuilt file gets a new one, so
/// a browser may keep a copy (`Cache-Control: no-cache`) and a second visit costs a 304 per
/// file unchanged instead of its bytes (Trunk's names here carry no content hash).
fn etag(file: &Path) -> std::io::Result<String> {
    let meta = file.metadata()?;
    let modified = meta.modified()?.duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    Ok(format!("\"{:x}-{:x}\"", meta.len(), modified))
}

#[cfg(test)]
mod tests {
    use std::io::{Read, Write};
    use std::net::TcpStream;

    use super::*;

    fn get(url: &str, path: &str, accept: Option<&str>) -> (String, Vec<u8>) {
        get_with(url, path, &accept.map_or(String::new(), |a| format!("Accept-Encoding: {a}\r\n")))
    }

    /// A GET with extra header lines (each ending in CRLF).
    fn get_with(url: &str, path: &str, headers: &str) -> (String, Vec<u8>) {
        let address = url.trim_start_matches("http://");
        let mut stream = TcpStream::connect(address).expect("connects to 127.0.0.1");
        write!(stream, "GET {path} HTTP/1.1\r\nHost: {address}\r\n{headers}\r\n").expect("request");
        let mut response = Vec::new();
        stream.read_to_end(&mut response).expect("response");
        let split = response.windows(4).position(|w| w == b"\r\n\r\n").expect("headers end") + 4;
        (String::from_utf8_lossy(&response[..split]).into_owned(), response[split..].to_vec())
    }

    #[test]
    fn a_file_unchanged_since_the_last_visit_costs_a_304() {
        let dir = std::env::temp_dir().join(format!("tunelab-etag-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        std::fs::write(dir.join("page.js"), "let x = 1;\n".repeat(200)).expect("write");
        let url = start(vec![("/", dir.clone())]).expect("serves");
        let (head, body) = get(&url, "/page.js", None);
        assert!(head.starts_with("HTTP/1.1 200") && !body.is_empty(), "{head}");
        let tag = head.lines().find_map(|l| l.strip_prefix("ETag: ")).expect("an ETag").to_string();
        let (head, body) = get_with(&url, "/page.js", &format!("If-None-Match: {tag}\r\n"));
        assert!(head.starts_with("HTTP/1.1 304"), "{head}");
        assert!(body.is_empty());
        std::thread::sleep(std::time::Duration::from_millis(20));
        std::fs::write(dir.join("page.js"), "let x = 2;\n".repeat(200)).expect("rewrite");
        let (head, _) = get_with(&url, "/page.js", &format!("If-None-Match: {tag}\r\n"));
        assert!(head.starts_with("HTTP/1.1 200"), "a rebuilt file is sent again: {head}");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_lan_server_listens_on_every_interface_and_answers_on_loopback() {
        let dir = std::env::temp_dir().join(format!("tunelab-lan-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        std::fs::write(dir.join("index.html"), "<p>class</p>").expect("write");
        let any_port = crate::lan::ALL_INTERFACES.replace(":8080", ":0");
        let listener = TcpListener::bind(&any_port).expect("binds to every interface");
        let bound = listener.local_addr().expect("an address");
        assert!(bound.ip().is_unspecified(), "bound to {bound}, not to every interface");
        let (url, _) = serve_on(listener, vec![("/", dir.clone())]).expect("serves");
        assert!(url.starts_with("http://127.0.0.1:"), "{url}");
        let (head, body) = get(&url, "/", None);
        assert!(head.starts_with("HTTP/1.1 200"), "{head}");
        assert_eq!(body, b"<p>class</p>");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn precompressed_files_go_gzipped_to_clients_that_accept_gzip() {
        let dir = std::env::temp_dir().join(format!("tunelab-precompress-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("sub")).expect("temp dir");
        let wasm: Vec<u8> = (0..50_000u32).flat_map(|i| (i % 251).to_le_bytes()).collect();
        std::fs::write(dir.join("page.wasm"), &wasm).expect("write");
        std::fs::write(dir.join("sub").join("app.js"), "let x = 1;\n".repeat(500)).expect("write");
        std::fs::write(dir.join("tiny.json"), "{}").expect("write");
        let done = crate::precompress::precompress(&dir).expect("precompresses");
        assert_eq!(done.files, 2, "the wasm and the js; the tiny json stays as it is");
        assert!(done.gzip_bytes * 4 < done.raw_bytes, "{done:?}");
        assert!(!dir.join("tiny.json.gz").exists());

        let url = start(vec![("/", dir.clone())]).expect("serves");
        let (headers, body) = get(&url, "/page.wasm", Some("br, gzip;q=0.9, deflate"));
        assert!(
            headers.contains("Content-Encoding: gzip") && headers.contains("Content-Type: application/wasm"),
            "{headers}"
        );
        assert_eq!(&body[..3], &[0x1f, 0x8b, 8], "a gzip header");
        let unpacked = miniz_oxide::inflate::decompress_to_vec(&body[10..body.len() - 8]).expect("inflates");
        assert_eq!(unpacked, wasm);
        let trailer = &body[body.len() - 8..];
        assert_eq!(trailer[..4], crate::precompress::crc32(&wasm).to_le_bytes());
        assert_eq!(trailer[4..], (wasm.len() as u32).to_le_bytes());
        // The standard check value of CRC-32.
        assert_eq!(crate::precompress::crc32(b"123456789"), 0xcbf4_3926);
        let (headers, body) = get(&url, "/page.wasm", None);
        assert!(!headers.contains("Content-Encoding"), "{headers}");
        assert_eq!(body, wasm, "without Accept-Encoding the file goes as it is");
        let (headers, _) = get(&url, "/sub/app.js", Some("gzip"));
        assert!(headers.contains("Content-Encoding: gzip"), "{headers}");

        // A file rebuilt after its .gz was written goes as it is, not stale.
        std::thread::sleep(std::time::Duration::from_millis(20));
        let newer: Vec<u8> = wasm.iter().rev().copied().collect();
        std::fs::write(dir.join("page.wasm"), &newer).expect("rewrite");
        let (headers, body) = get(&url, "/page.wasm", Some("gzip"));
        assert!(!headers.contains("Content-Encoding"), "{headers}");
        assert_eq!(body, newer);
        let (_, served) = get(&url, "/__served", None);
        let served: serde_json::Value = serde_json::from_slice(&served).expect("JSON");
        assert!(served["responses"].as_u64() >= Some(4), "{served}");
        assert!(served["bytes"].as_u64() > Some(wasm.len() as u64), "{served}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
