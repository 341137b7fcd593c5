//! The playground page: built by Trunk from web/index.html (page and worker wasm), served with
//! the default model on 127.0.0.1. `serve` is the README's second command; the e2e tests run
//! against a dev build of the same page.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::browser::chromedriver;
use crate::phases::Phases;
use crate::setup::tool_path;
use crate::{cargo, lan, models, root, run_checked, setup, static_server};

pub const ADDRESS: &str = "127.0.0.1:8080";

/// `trunk build` into `dist`: release builds run wasm-opt (DESIGN.md: npm's binaryen 132).
pub fn build(release: bool, dist: &Path) -> Result<(), String> {
    let mut trunk = Command::new("trunk");
    trunk.current_dir(root()).env("PATH", tool_path()).args(["build", "--dist"]).arg(dist);
    if release {
        trunk.arg("--release");
    }
    let what =
        if release { "build the page with Trunk (release, wasm-opt)" } else { "build the page with Trunk (dev)" };
    run_checked(&mut trunk, what)?;
    let template = root().join("web").join(crate::offline::SERVICE_WORKER);
    let template = std::fs::read_to_string(&template).map_err(|e| format!("{}: {e}", template.display()))?;
    let offline = crate::offline::write_service_worker(&template, dist)?;
    eprintln!("xtask: the service worker keeps {} files of build {}", offline.files.len(), offline.version);
    let done = crate::precompress::precompress(dist)?;
    eprintln!(
        "xtask: precompressed {} files of the page: {:.1} MB → {:.1} MB gzip",
        done.files,
        done.raw_bytes as f64 / 1e6,
        done.gzip_bytes as f64 / 1e6
    );
    Ok(())
}

/// The site: the built page at `/`, the default model under `/models/`.
pub fn mounts(dist: &Path) -> static_server::Mounts {
    vec![("/models", root().join("web").join("models")), ("/", dist.to_path_buf())]
}

/// `cargo xtask serve`: everything a fresh machine needs, then the page on ADDRESS until killed;
/// with `lan`, on every interface, with the address students open and its QR code.
pub fn serve(lan: bool) -> Result<(), String> {
    setup::run()?;
    models::run()?;
    let dist = root().join("dist");
    build(true, &dist)?;
    let address = if lan { lan::ALL_INTERFACES } else { ADDRESS };
    let (url, _reports) = static_server::start_on(address, mounts(&dist))?;
    println!("Tunelab is served at {url}/ (Ctrl-C stops)");
    if lan {
        announce_lan()?;
    }
    loop {
        std::thread::park();
    }
}

/// What a teacher gives the class: the page at this machine's network address, as text and QR.
fn announce_lan() -> Result<(), String> {
    let port = lan::ALL_INTERFACES.rsplit(':').next().unwrap_or("8080");
    let addresses = lan::addresses();
    let Some(first) = addresses.first() else {
        println!(
            "This machine has no private network address (10.x, 172.16-31.x, 192.168.x): students cannot reach it."
        );
        return Ok(());
    };
    let url = format!("http://{first}:{port}/");
    println!("On this network, students open {url} (open it yourself there too: share links carry the address they were made at)");
    for other in &addresses[1..] {
        println!("  also reachable as http://{other}:{port}/");
    }
    print!("{}", lan::qr_code(&url)?);
    Ok(())
}

fn e2e_dir() -> PathBuf {
    root().join("target").join("e2e")
}

/// Builds the page (dev, or release as `serve` does), serves it on a free port and runs
/// tests/e2e against it.
pub fn run_e2e(phases: &mut Phases, release: bool) -> Result<(), String> {
    let out = e2e_dir();
    let (dist, what) = match release {
        true => (out.join("dist-release"), "page build (Trunk, release)"),
        false => (out.join("dist"), "page build (Trunk, dev)"),
    };
    let page = phases.run(what, || build(release, &dist));
    phases.run_after(&page, "e2e tests", || {
        let server = static_server::start(mounts(&dist))?;
        eprintln!("xtask: serving the page at {server}/");
        run_checked(
            cargo()
                .args(["test", "--test", "e2e"])
                .env("TUNELAB_E2E_URL", format!("{server}/"))
                .env("TUNELAB_E2E_OUT", &out)
                .env("TUNELAB_E2E_DIST", &dist)
                .env("TUNELAB_E2E_BUILD", if release { "release" } else { "dev" })
                .env("CHROMEDRIVER", chromedriver()),
            "end-to-end tests (the page in headless Chromium)",
        )
    })
}
