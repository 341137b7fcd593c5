//! The playground page: Leptos components over the training worker. Never touches burn; every
//! piece of model work is a protocol request to the worker (`worker_link`). The pure logic
//! (`settings`, `format`) compiles natively too, so native tests cover it; the rest is wasm32.

#[cfg(target_arch = "wasm32")]
mod app;
#[cfg(target_arch = "wasm32")]
mod charts;
#[cfg(target_arch = "wasm32")]
mod chips;
pub mod chosen;
#[cfg(target_arch = "wasm32")]
mod compare_cards;
#[cfg(target_arch = "wasm32")]
mod data_panel;
#[cfg(target_arch = "wasm32")]
mod export_panel;
#[cfg(target_arch = "wasm32")]
mod file_button;
#[cfg(target_arch = "wasm32")]
mod files;
pub mod format;
#[cfg(target_arch = "wasm32")]
mod interrupted_run;
#[cfg(target_arch = "wasm32")]
mod kept_models;
#[cfg(target_arch = "wasm32")]
pub mod kept_store;
pub mod lan;
#[cfg(target_arch = "wasm32")]
mod lesson_view;
#[cfg(target_arch = "wasm32")]
mod model_panel;
#[cfg(target_arch = "wasm32")]
mod my_runs;
#[cfg(target_arch = "wasm32")]
mod offline;
#[cfg(target_arch = "wasm32")]
mod palette;
#[cfg(target_arch = "wasm32")]
mod results_panel;
#[cfg(target_arch = "wasm32")]
mod review;
#[cfg(target_arch = "wasm32")]
mod samples;
#[cfg(target_arch = "wasm32")]
mod saved;
pub mod settings;
#[cfg(target_arch = "wasm32")]
mod share_link;
#[cfg(target_arch = "wasm32")]
pub mod state;
#[cfg(target_arch = "wasm32")]
mod teach_panel;
#[cfg(target_arch = "wasm32")]
mod train_panel;
#[cfg(target_arch = "wasm32")]
mod try_panel;
#[cfg(target_arch = "wasm32")]
pub mod worker_link;

#[cfg(target_arch = "wasm32")]
pub use app::App;

/// Mounts the page into `<body>`; a panic shows in the page, not only in the console.
#[cfg(target_arch = "wasm32")]
pub fn mount() {
    std::panic::set_hook(Box::new(|info| {
        console_error_panic_hook::hook(info);
        let language = saved::load_language().unwrap_or_default();
        show_fatal(&crate::tr!(language, "page.fatal", info = info));
    }));
    leptos::mount::mount_to_body(App);
    offline::keep_page_for_next_visit();
}

#[cfg(target_arch = "wasm32")]
fn show_fatal(message: &str) {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else { return };
    if let (Ok(p), Some(body)) = (document.create_element("p"), document.body()) {
        p.set_class_name("error fatal");
        p.set_attribute("role", "alert").ok();
        p.set_text_content(Some(message));
        body.prepend_with_node_1(&p).ok();
    }
}
