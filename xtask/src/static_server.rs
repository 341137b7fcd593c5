//! A small static file server on 127.0.0.1 for the browser tests and benchmarks: the default
//! model, ../shared's fixtures and data, and built wasm bundles, with CORS allowed (a prefix
//! `/nocors/` serves the same files without it, to test a refusal). GET and HEAD, and a
//! `POST /report` whose body is handed to the caller (the benchmark pages report through it).

use std::io::Read;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Component, Path, PathBuf};
use std::sync::mpsc::{channel, Receiver, Sender};
use std::thread;

/// URL prefixes and the folders they serve.
pub type Mounts = Vec<(&'static str, PathBuf)>;

/// Starts serving on a free port in a background thread; returns `http://127.0.0.1:<port>`.
pub fn start(mounts: Mounts) -> Result<String, String> {
    start_on("127.0.0.1:0", mounts).map(|(url, _)| url)
}

/// Serves on `address`; the receiver gets the body of every `POST /report`.
pub fn start_on(address: &str, mounts: Mounts) -> Result<(String, Receiver<String>), String> {
    let listener = TcpListener::bind(address).map_err(|e| format!("cannot listen on {address}: {e}"))?;
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

fn serve(stream: TcpStream, mounts: &Mounts, reports: &Sender<String>) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    let mut line = String::new();
    let mut content_length = 0usize;
    while reader.read_line(&mut line)? > 2 {
        if let Some((name, value)) = line.split_once(':') {
            if name.eq_ignore_ascii_case("content-length") {
                content_length = value.trim().parse().unwrap_or(0);
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
        return write!(out, "HTTP/1.1 204 No Content\r\n{cors_header}Connection: close\r\n\r\n");
    }
    if method == "OPTIONS" {
        return write!(
            out,
            "HTTP/1.1 204 No Content\r\n{cors_header}Access-Control-Allow-Methods: GET, HEAD\r\nConnection: close\r\n\r\n"
        );
    }
    let Some(file) = resolve(target, mounts) else {
        let body = format!("not found: {target}\n");
        return write!(
            out,
            "HTTP/1.1 404 Not Found\r\n{cors_header}Content-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
    };
    let bytes = std::fs::read(&file)?;
    write!(
        out,
        "HTTP/1.1 200 OK\r\n{cors_header}Content-Type: {}\r\nContent-Length: {}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n",
        content_type(&file),
        bytes.len()
    )?;
    if method != "HEAD" {
        out.write_all(&bytes)?;
    }
    out.flush()
}
