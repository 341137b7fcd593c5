//! Headless Chromium through chromedriver (DESIGN.md's flags), and the few things the flows do
//! with a page: wait for an element, read it, type, upload, screenshot.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

use crate::requests::RequestLog;

/// Sessions opened so far: each gets a fresh Chromium profile.
static PROFILES: AtomicUsize = AtomicUsize::new(0);

/// A chromedriver process, killed when dropped (so no Chromium is left running).
pub struct Chromedriver {
    child: Child,
    pub url: String,
    /// Flags every session's Chromium gets on top of DESIGN.md's (the recording proxy's).
    extra_args: Vec<String>,
}

impl Chromedriver {
    pub fn start(binary: &str) -> Result<Self, String> {
        let port = TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map_err(|e| e.to_string())?.port();
        let child = Command::new(binary)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot start {binary}: {e}"))?;
        let driver = Self { child, url: format!("http://127.0.0.1:{port}"), extra_args: Vec::new() };
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            if started.elapsed() > Duration::from_secs(20) {
                return Err(format!("{binary} did not listen on port {port} within 20 s"));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        Ok(driver)
    }

    /// Every session from now on sends its requests through `requests`' proxy.
    pub fn recording(mut self, requests: &RequestLog) -> Self {
        self.extra_args = requests.chromium_args();
        self
    }
}

impl Drop for Chromedriver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A browser session on the page, saving screenshots and downloads under `out`.
pub struct Page {
    pub client: Client,
    pub out: PathBuf,
    profile: PathBuf,
}

impl Page {
    /// A desktop window of `width`×`height`.
    pub async fn open(driver: &Chromedriver, out: &Path, width: u32, height: u32) -> Result<Self, String> {
        Self::open_with(driver, out, json!({ "args": [format!("--window-size={width},{height}")] })).await
    }

    /// `flow` in a fresh desktop profile (1280×800), so that nothing of earlier flows is
    /// restored; the browser is closed after it, whether it passed or not.
    pub async fn in_fresh_profile<T>(
        driver: &Chromedriver,
        out: &Path,
        flow: impl AsyncFnOnce(&Page) -> Result<T, String>,
    ) -> Result<T, String> {
        let page = Self::open(driver, out, 1280, 800).await?;
        let result = flow(&page).await;
        page.close().await;
        result
    }

    /// A phone: the viewport is exactly `width`×`height` CSS pixels (below a desktop window's
    /// minimum width).
    pub async fn open_phone(driver: &Chromedriver, out: &Path, width: u32, height: u32) -> Result<Self, String> {
        let metrics = json!({ "width": width, "height": height, "pixelRatio": 2.0, "touch": true, "mobile": true });
        Self::open_with(driver, out, json!({ "args": [], "mobileEmulation": { "deviceMetrics": metrics } })).await
    }

    async fn open_with(driver: &Chromedriver, out: &Path, extra: serde_json::Value) -> Result<Self, String> {
        let downloads = out.join("downloads");
        std::fs::create_dir_all(&downloads).map_err(|e| e.to_string())?;
        let profile = out.join(format!("profile-{}-{}", std::process::id(), PROFILES.fetch_add(1, Ordering::Relaxed)));
        let _ = std::fs::remove_dir_all(&profile);
        let capabilities = json!({
            "goog:chromeOptions": {
                "args": [
                    "--headless=new", "--no-sandbox", "--enable-unsafe-webgpu", "--disable-gpu-sandbox",
                    "--disable-quic", "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync", "--disable-extensions",
                    "--disable-domain-reliability", "--no-pings",
                    // Chromium's own calls home, which tests must not make (`requests.rs`).
                    "--disable-features=OptimizationHints,OptimizationGuideModelDownloading,\
                     AutofillServerCommunication,NetworkTimeServiceQuerying,MediaRouter,Translate",
                    format!("--user-data-dir={}", profile.display()),
                ],
                "prefs": {
                    "download.default_directory": downloads.display().to_string(),
                    "download.prompt_for_download": false,
                },
            }
        });
        let mut capabilities = capabilities.as_object().cloned().unwrap_or_default();
        if let Some(options) = capabilities.get_mut("goog:chromeOptions").and_then(|o| o.as_object_mut()) {
            if let Some(args) = options.get_mut("args").and_then(|a| a.as_array_mut()) {
                args.extend(driver.extra_args.iter().map(|a| json!(a)));
            }
            for (key, value) in extra.as_object().cloned().unwrap_or_default() {
                match (key.as_str(), options.get_mut("args").and_then(|a| a.as_array_mut())) {
                    ("args", Some(args)) => args.extend(value.as_array().cloned().unwrap_or_default()),
                    _ => {
                        options.insert(key, value);
                    }
                }
            }
        }
        let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(capabilities)
            .connect(&driver.url)
            .await
            .map_err(|e| format!("no browser session from chromedriver: {e}"))?;
        Ok(Self { client, out: out.to_path_buf(), profile })
    }

    pub async fn close(self) {
        let _ = self.client.close().await;
        let _ = std::fs::remove_dir_all(&self.profile);
    }

    pub async fn goto(&self, url: &str) -> Result<(), String> {
        self.client.goto(url).await.map_err(|e| format!("cannot open {url}: {e}"))
    }

    pub async fn screenshot(&self, name: &str) -> Result<(), String> {
        let png = self.client.screenshot().await.map_err(|e| format!("screenshot {name}: {e}"))?;
        let path = self.out.join(format!("{name}.png"));
        std::fs::write(&path, png).map_err(|e| format!("{}: {e}", path.display()))
    }

    /// A screenshot with `css` scrolled to the top of the window.
    pub async fn screenshot_at(&self, name: &str, css: &str) -> Result<(), String> {
        let script = "const e = document.querySelector(arguments[0]); if (e) e.scrollIntoView(); return !!e;";
        self.client.execute(script, vec![json!(css)]).await.map_err(|e| format!("scroll to {css}: {e}"))?;
        self.screenshot(name).await
    }

    /// The page's visible error messages, for a failure report.
    pub async fn errors(&self) -> String {
        let script = "return [...document.querySelectorAll('.error')].map(e => e.textContent).join(' | ')";
        match self.client.execute(script, vec![]).await {
            Ok(value) => value.as_str().unwrap_or("").to_string(),
            Err(e) => format!("(could not read the page: {e})"),
        }
    }

    /// Waits until `css` matches an element for which `ready` holds; on timeout, saves a
    /// screenshot and reports the page's error messages.
    pub async fn wait_until<F, Fut>(
        &self,
        what: &str,
        css: &str,
        timeout: Duration,
        ready: F,
    ) -> Result<Element, String>
    where
        F: Fn(Element) -> Fut,
        Fut: std::future::Future<Output = bool>,
    {
        let started = Instant::now();
        loop {
            if let Ok(element) = self.client.find(Locator::Css(css)).await {
                if ready(element.clone()).await {
                    return Ok(element);
                }
            }
            if started.elapsed() > timeout {
                let shot = format!("failed-{}", what.replace(|c: char| !c.is_ascii_alphanumeric(), "-"));
                let _ = self.screenshot(&shot).await;
                return Err(format!(
                    "waited {} s for {what} (`{css}`); the page's errors: [{}]; screenshot {shot}.png",
                    timeout.as_secs(),
                    self.errors().await
                ));
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    }

    pub async fn wait_for(&self, what: &str, css: &str, timeout: Duration) -> Result<Element, String> {
        self.wait_until(what, css, timeout, |_| async { true }).await
    }

    /// Waits for `css` to hold `needle` in its text.
    pub async fn wait_for_text(
        &self,
        what: &str,
        css: &str,
        needle: &str,
        timeout: Duration,
    ) -> Result<Element, String> {
        self.wait_until(what, css, timeout, |e| async move { e.text().await.is_ok_and(|t| t.contains(needle)) }).await
    }

    pub async fn click(&self, css: &str) -> Result<(), String> {
        let button = self
            .wait_until(css, css, Duration::from_secs(60), |e| async move { e.is_enabled().await.unwrap_or(false) })
            .await?;
        button.click().await.map_err(|e| format!("click {css}: {e}"))
    }

    pub async fn text(&self, css: &str) -> Result<String, String> {
        let element = self.client.find(Locator::Css(css)).await.map_err(|e| format!("{css}: {e}"))?;
        element.text().await.map_err(|e| format!("{css}: {e}"))
    }

    /// An input's current value.
    pub async fn value(&self, css: &str) -> Result<String, String> {
        let element = self.wait_for(css, css, Duration::from_secs(30)).await?;
        element.prop("value").await.map_err(|e| format!("{css}: {e}"))?.ok_or_else(|| format!("{css} has no value"))
    }

    pub async fn count(&self, css: &str) -> usize {
        self.client.find_all(Locator::Css(css)).await.map(|v| v.len()).unwrap_or(0)
    }

    /// Replaces an input's value by typing, as a user would.
    pub async fn type_into(&self, css: &str, text: &str) -> Result<(), String> {
        let input = self.wait_for(css, css, Duration::from_secs(30)).await?;
        input.clear().await.map_err(|e| format!("clear {css}: {e}"))?;
        input.send_keys(text).await.map_err(|e| format!("type into {css}: {e}"))
    }

    /// Chooses a file in an `<input type=file>`.
    pub async fn upload(&self, css: &str, file: &Path) -> Result<(), String> {
        let input = self.wait_for(css, css, Duration::from_secs(30)).await?;
        input
            .send_keys(&file.display().to_string())
            .await
            .map_err(|e| format!("upload {} into {css}: {e}", file.display()))
    }

    /// Whether the document is wider than the window (a layout that scrolls sideways).
    pub async fn scrolls_sideways(&self) -> Result<bool, String> {
        let script = "return document.documentElement.scrollWidth > window.innerWidth + 1";
        let wide = self.client.execute(script, vec![]).await.map_err(|e| e.to_string())?;
        Ok(wide.as_bool() == Some(true))
    }

    /// Runs `script` in the page and returns its value.
    pub async fn script(&self, script: &str, args: Vec<serde_json::Value>) -> Result<serde_json::Value, String> {
        self.client.execute(script, args).await.map_err(|e| format!("script: {e}"))
    }

    /// Runs a DevTools protocol command on the page's browser (chromedriver's `goog/cdp/execute`).
    pub async fn devtools(&self, cmd: &'static str, params: serde_json::Value) -> Result<serde_json::Value, String> {
        self.client.issue_cmd(DevTools { cmd, params }).await.map_err(|e| format!("DevTools {cmd}: {e}"))
    }

    pub async fn select(&self, css: &str, value: &str) -> Result<(), String> {
        let select = self.wait_for(css, css, Duration::from_secs(30)).await?;
        select.select_by_value(value).await.map_err(|e| format!("select {value} in {css}: {e}"))
    }
}

/// A DevTools protocol command, as chromedriver takes it.
#[derive(Debug)]
struct DevTools {
    cmd: &'static str,
    params: serde_json::Value,
}

impl fantoccini::wd::WebDriverCompatibleCommand for DevTools {
    fn endpoint(&self, base: &url::Url, session: Option<&str>) -> Result<url::Url, url::ParseError> {
        base.join(&format!("session/{}/goog/cdp/execute", session.unwrap_or_default()))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        (http::Method::POST, Some(json!({ "cmd": self.cmd, "params": self.params }).to_string()))
    }
}

/// Waits for a finished download (no `.crdownload` beside it, size steady).
pub async fn downloaded(dir: &Path, name: &str, timeout: Duration) -> Result<Vec<u8>, String> {
    let path = dir.join(name);
    let partial = dir.join(format!("{name}.crdownload"));
    let started = Instant::now();
    let mut last = None;
    loop {
        if path.is_file() && !partial.exists() {
            let size = std::fs::metadata(&path).map(|m| m.len()).ok();
            if size.is_some() && size == last {
                return std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()));
            }
            last = size;
        }
        if started.elapsed() > timeout {
            return Err(format!("no download {} after {} s", path.display(), timeout.as_secs()));
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}
