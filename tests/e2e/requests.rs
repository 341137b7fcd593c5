//! Every request the browser makes, recorded by a proxy of the test's own.
//!
//! Chromium is started with this proxy for everything, loopback included, so the page's, the
//! worker's and the browser's own requests all pass here. Requests to 127.0.0.1 are forwarded;
//! anything else is recorded and answered `502` without a byte leaving the machine (tests
//! send no traffic beyond loopback). The check at the end fails on any request that is not to
//! the page's origin or to a source a flow chose as the user would (a Hub model, a data URL).
//!
//! Chromium itself calls a few of its own services whatever the page (measured with `about:blank`
//! and with a one-line HTML page: Debian's build checks for component updates and asks Google's
//! account server whatever the flags, then may fetch the update from Google's download
//! redirector, and each navigation by chromedriver preconnects to the default search engine). Those hosts are listed in [`BROWSER_OWN`], counted apart, and refused
//! like the rest. The page's sources name no host but the Hub (`tests/tidy.rs`), so this list
//! cannot hide a request of the page's.

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::thread;

/// Hosts Chromium calls on its own, page or no page, which no flag turns off here.
const BROWSER_OWN: &[&str] =
    &["accounts.google.com", "update.googleapis.com", "redirector.gvt1.com", "start.duckduckgo.com"];

/// One request as the proxy saw it.
#[derive(Debug, Clone)]
pub struct Seen {
    /// `scheme://host:port`.
    pub origin: String,
    /// Path and query; empty for a tunnel (`CONNECT`), whose path the proxy cannot see.
    pub path: String,
}

#[derive(Default)]
struct Log {
    seen: Vec<Seen>,
    /// Origins a flow chose, as a user would, besides the page's.
    chosen: BTreeSet<String>,
    /// No network at all: every connection is dropped unanswered, as a dead network's are.
    offline: bool,
}

/// The recording proxy; it runs until the test process ends.
#[derive(Clone)]
pub struct RequestLog {
    pub proxy: String,
    log: Arc<Mutex<Log>>,
}

impl RequestLog {
    pub fn start() -> Result<Self, String> {
        let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| format!("the recording proxy: {e}"))?;
        let port = listener.local_addr().map_err(|e| e.to_string())?.port();
        let log = Arc::new(Mutex::new(Log::default()));
        let shared = Arc::clone(&log);
        thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let log = Arc::clone(&shared);
                thread::spawn(move || relay(client, &log));
            }
        });
        Ok(Self { proxy: format!("127.0.0.1:{port}"), log })
    }

    /// Chromium's flags for this proxy: every request through it, loopback too.
    pub fn chromium_args(&self) -> Vec<String> {
        vec![format!("--proxy-server=http://{}", self.proxy), "--proxy-bypass-list=<-loopback>".into()]
    }

    /// Marks `origin` as chosen by the user (typed in, or given in a link).
    pub fn choose(&self, origin: &str) {
        lock(&self.log).chosen.insert(origin.to_string());
    }

    /// Cuts the network (loopback included) or gives it back: a request is still recorded,
    /// then its connection is closed without an answer, so `fetch` fails as with no network.
    pub fn set_offline(&self, offline: bool) {
        lock(&self.log).offline = offline;
    }

    /// Fails on any request outside the page's origin and the chosen ones, and when a chosen
    /// origin was never asked (the check would then prove nothing about it).
    pub fn check(&self, page_url: &str) -> Result<String, String> {
        let page = origin_of(page_url).ok_or_else(|| format!("no origin in {page_url}"))?;
        let log = lock(&self.log);
        let browsers = |s: &&Seen| BROWSER_OWN.iter().any(|host| host_of(&s.origin) == Some(*host));
        let unasked: Vec<String> = log
            .seen
            .iter()
            .filter(|s| s.origin != page && !log.chosen.contains(&s.origin) && !browsers(s))
            .map(|s| format!("{}{}", s.origin, s.path))
            .collect();
        if !unasked.is_empty() {
            return Err(format!("requests nobody asked for: {}", unasked.join(", ")));
        }
        if let Some(missing) = log.chosen.iter().find(|c| !log.seen.iter().any(|s| &s.origin == *c)) {
            return Err(format!("no request reached {missing}, which a flow chose: the proxy missed it"));
        }
        let own = log.seen.iter().filter(|s| s.origin == page).count();
        let browser = log.seen.iter().filter(browsers).count();
        Ok(format!(
            "{} requests: {own} to the page's origin, {} to origins the flows chose ({}), {browser} of Chromium's \
             own ({}), refused",
            log.seen.len(),
            log.seen.len() - own - browser,
            log.chosen.iter().cloned().collect::<Vec<_>>().join(", "),
            BROWSER_OWN.join(", ")
        ))
    }
}

fn lock(log: &Mutex<Log>) -> std::sync::MutexGuard<'_, Log> {
    log.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// `http://host:port` of a URL, the port written out.
pub fn origin_of(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let authority = rest.split(['/', '?', '#']).next()?;
    let default = if scheme == "https" { 443 } else { 80 };
    Some(if authority.contains(':') {
        format!("{scheme}://{authority}")
    } else {
        format!("{scheme}://{authority}:{default}")
    })
}

/// The host of an origin (`scheme://host:port`).
fn host_of(origin: &str) -> Option<&str> {
    origin.split_once("://").and_then(|(_, rest)| rest.rsplit_once(':')).map(|(host, _)| host)
}

/// One client connection: its request is recorded, then forwarded to loopback or refused.
fn relay(client: TcpStream, log: &Mutex<Log>) {
    let Ok(reading) = client.try_clone() else { return };
    let mut reader = BufReader::new(reading);
    let mut head = Vec::new();
    loop {
        let mut line = String::new();
        match reader.read_line(&mut line) {
            Ok(0) | Err(_) => return,
            Ok(_) if line == "\r\n" || line == "\n" => break,
            Ok(_) => head.push(line.trim_end().to_string()),
        }
    }
    let Some(request_line) = head.first() else { return };
    let mut parts = request_line.split_whitespace();
    let (Some(method), Some(target), Some(version)) = (parts.next(), parts.next(), parts.next()) else { return };
    let (origin, path) = if method == "CONNECT" {
        (format!("https://{target}"), String::new())
    } else {
        let Some(origin) = origin_of(target) else { return refuse(client) };
        let path = target.split_once("://").and_then(|(_, rest)| rest.find('/').map(|i| rest[i..].to_string()));
        (origin, path.unwrap_or_else(|| "/".into()))
    };
    let offline = {
        let mut log = lock(log);
        log.seen.push(Seen { origin: origin.clone(), path: path.clone() });
        log.offline
    };
    if offline {
        let _ = client.shutdown(Shutdown::Both);
        return;
    }
    let Some(port) = origin.strip_prefix("http://127.0.0.1:").and_then(|p| p.parse::<u16>().ok()) else {
        return refuse(client);
    };
    let Ok(mut upstream) = TcpStream::connect(("127.0.0.1", port)) else { return refuse(client) };
    let mut forwarded = format!("{method} {path} {version}\r\n");
    for header in &head[1..] {
        let name = header.split(':').next().unwrap_or_default().trim().to_ascii_lowercase();
        if name != "connection" && name != "proxy-connection" {
            forwarded.push_str(header);
            forwarded.push_str("\r\n");
        }
    }
    // One request per connection, so that each one passes through here to be recorded.
    forwarded.push_str("Connection: close\r\n\r\n");
    if upstream.write_all(forwarded.as_bytes()).is_err() {
        return;
    }
    if let Ok(mut sending) = upstream.try_clone() {
        thread::spawn(move || {
            let _ = std::io::copy(&mut reader, &mut sending);
        });
    }
    let mut replying = client;
    let mut buffer = [0u8; 64 << 10];
    while let Ok(n) = upstream.read(&mut buffer) {
        if n == 0 || replying.write_all(&buffer[..n]).is_err() {
            break;
        }
    }
    let _ = replying.shutdown(Shutdown::Both);
    let _ = upstream.shutdown(Shutdown::Both);
}

fn refuse(mut client: TcpStream) {
    let body = "refused by the e2e's recording proxy: tests reach loopback only";
    let _ = write!(
        client,
        "HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = client.shutdown(Shutdown::Both);
}
