//! What a visit costs on the wire: the bytes the page's server sent from navigation to "model
//! loaded", on a first visit in a fresh profile and again on a second visit. Counted by the
//! server (`GET /__served`, xtask's static server) rather than through DevTools: the model's
//! files are fetched by the worker, whose requests the page's own timeline does not list.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;

use crate::driver::{Chromedriver, Page};
use crate::load_model;
use crate::requests::RequestLog;

/// Resolves, in the page, to the state of its service worker once one is active.
const SERVICE_WORKER_ACTIVE: &str = "return navigator.serviceWorker.ready.then(r => new Promise(done => {
  const worker = r.active;
  if (worker.state === 'activated') { done(worker.state); return; }
  worker.addEventListener('statechange', () => worker.state === 'activated' && done(worker.state));
  setTimeout(() => done(worker.state), 60000);
}));";

/// (bytes, responses) the server has sent so far.
fn served(url: &str) -> Result<(u64, u64), String> {
    let address = url.trim_start_matches("http://").trim_end_matches('/');
    if !address.starts_with("127.0.0.1:") {
        return Err(format!("the page is not served on loopback: {url}"));
    }
    let mut stream = TcpStream::connect(address).map_err(|e| format!("{address}: {e}"))?;
    write!(stream, "GET /__served HTTP/1.1\r\nHost: {address}\r\n\r\n").map_err(|e| e.to_string())?;
    let mut response = String::new();
    stream.read_to_string(&mut response).map_err(|e| e.to_string())?;
    let body = response.split("\r\n\r\n").nth(1).ok_or("no body from /__served")?;
    let json: serde_json::Value = serde_json::from_str(body).map_err(|e| format!("/__served: {e}: {body}"))?;
    match (json["bytes"].as_u64(), json["responses"].as_u64()) {
        (Some(bytes), Some(responses)) => Ok((bytes, responses)),
        _ => Err(format!("/__served: {body}")),
    }
}

/// With the recording proxy given as `network`, a third visit with no network at all follows.
pub async fn first_and_second_visit(
    driver: &Chromedriver,
    url: &str,
    out: &Path,
    network: Option<&RequestLog>,
) -> Result<(), String> {
    Page::in_fresh_profile(driver, out, async |page| {
        let start = served(url)?;
        page.goto(url).await?;
        load_model(page).await?;
        // The service worker keeps the page's files while the model loads; the second visit
        // counts on it, so its install is waited for rather than raced.
        let state = page.script(SERVICE_WORKER_ACTIVE, vec![]).await?;
        if state != "activated" {
            return Err(format!("the page's service worker is {state}, not activated, after the first visit"));
        }
        let installed = served(url)?;
        page.goto("about:blank").await?;
        page.goto(url).await?;
        load_model(page).await?;
        let second = served(url)?;
        let (first_bytes, second_bytes) = (installed.0 - start.0, second.0 - installed.0);
        let build = std::env::var("TUNELAB_E2E_BUILD").unwrap_or_else(|_| "dev".into());
        println!(
            "e2e: transfer (the e2e's {build} build, gzip where precompressed): first visit {:.1} MB in {} responses, \
             second visit {:.1} MB in {} responses",
            first_bytes as f64 / 1e6,
            installed.1 - start.1,
            second_bytes as f64 / 1e6,
            second.1 - installed.1
        );
        let json = serde_json::json!({
            "build": build,
            "first_visit_bytes": first_bytes,
            "first_visit_responses": installed.1 - start.1,
            "second_visit_bytes": second_bytes,
            "second_visit_responses": second.1 - installed.1,
        });
        std::fs::write(out.join("transfer.json"), json.to_string()).map_err(|e| e.to_string())?;
        if second_bytes >= first_bytes {
            return Err("the second visit transferred as much as the first: the model cache did not work".into());
        }
        // The HTML, and the browser's check for a newer sw.js: everything else is kept.
        let asked = second.1 - installed.1;
        if asked > 2 {
            return Err(format!(
                "the second visit asked the server {asked} times: only the HTML and sw.js should reach it"
            ));
        }
        if let Some(requests) = network {
            opens_with_no_network(page, url, requests).await?;
        }
        Ok(())
    })
    .await
}

/// With the network cut (the recording proxy drops every connection, loopback included), the
/// page opens from the service worker's copy and the model loads from Cache Storage.
async fn opens_with_no_network(page: &Page, url: &str, network: &RequestLog) -> Result<(), String> {
    page.goto("about:blank").await?;
    network.set_offline(true);
    let opened = async {
        page.goto(url).await?;
        load_model(page).await
    }
    .await;
    network.set_offline(false);
    opened.map_err(|e| format!("with no network: {e}"))?;
    println!("e2e: with no network, the page opened from its service worker and the model loaded from Cache Storage");
    Ok(())
}
