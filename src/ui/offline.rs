//! The page's files kept for the next visit: a second visit asks the network for the HTML only,
//! and the page opens with no network at all (a classroom whose Wi-Fi drops). The service
//! worker itself is `web/sw.js`, which `cargo xtask` fills in with each build's files.

use wasm_bindgen::prelude::*;

/// Beside `index.html` in a build, so its scope is the page's folder.
const SERVICE_WORKER: &str = "sw.js";

#[wasm_bindgen(module = "/src/ui/offline.js")]
extern "C" {
    #[wasm_bindgen(js_name = registerServiceWorker)]
    fn register_service_worker(url: &str);
}

/// Registers the service worker in the background.
pub fn keep_page_for_next_visit() {
    register_service_worker(SERVICE_WORKER);
}
