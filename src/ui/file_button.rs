//! A file picker in the page's language. The browser draws a file input's button and its "no
//! file chosen" in the browser's own language, so the input is visually hidden (still focusable
//! and reachable by tests) and a label styled as a button opens it.

use leptos::prelude::*;
use web_sys::{File, HtmlInputElement};

use super::files;
use super::state::t;

/// A file input with its button and the chosen files' names. `id` is the input's; `accept` its
/// file types; `label` the catalogue key of what the files are for (its accessible name).
pub fn file_button(
    id: &'static str,
    accept: &'static str,
    multiple: bool,
    label: &'static str,
    on_pick: impl Fn(Vec<File>) + 'static,
) -> impl IntoView {
    let names = RwSignal::new(Vec::<String>::new());
    let button = if multiple { "page.choose-files" } else { "page.choose-file" };
    let chosen = move || match names.get() {
        none if none.is_empty() => view! { <span class="file-names">{t("page.no-file-chosen")}</span> }.into_any(),
        names => view! { <span class="file-names" translate="no">{names.join(", ")}</span> }.into_any(),
    };
    view! {
        <span class="file-button">
            <input type="file" id=id class="visually-hidden" accept=accept multiple=multiple aria-label=t(label)
                on:change=move |ev| {
                    let input: HtmlInputElement = event_target(&ev);
                    let picked = files::list(input.files());
                    names.set(picked.iter().map(File::name).collect());
                    on_pick(picked);
                } />
            <label for=id class="button">{t(button)}</label>
            " "{chosen}
        </span>
    }
}
