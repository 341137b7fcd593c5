//! The playground page: Leptos components over the training worker. Never touches burn; every
//! piece of model work is a protocol request to the worker (`worker_link`).

mod app;
mod charts;
mod chips;
mod data_panel;
mod export_panel;
mod files;
mod format;
mod model_panel;
mod palette;
mod results_panel;
mod review;
mod samples;
mod saved;
mod settings;
pub mod state;
mod train_panel;
mod try_panel;
pub mod worker_link;

pub use app::App;

/// Mounts the page into `<body>`; a panic shows in the page, not only in the console.
pub fn mount() {
    std::panic::set_hook(Box::new(|info| {
        console_error_panic_hook::hook(info);
        show_fatal(&format!(
            "The page hit a bug and stopped: {info}. Reload the page; your data is kept in this browser."
        ));
    }));
    leptos::mount::mount_to_body(App);
}

fn show_fatal(message: &str) {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else { return };
    if let (Ok(p), Some(body)) = (document.create_element("p"), document.body()) {
        p.set_class_name("error fatal");
        p.set_attribute("role", "alert").ok();
        p.set_text_content(Some(message));
        body.prepend_with_node_1(&p).ok();
    }
}
