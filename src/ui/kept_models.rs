//! The models trained in this browser: each run that ends keeps its model in IndexedDB (up to
//! [`MAX_KEPT`]); the list loads one back for Try it, Evaluate or Keep it, or deletes it, and
//! says how much of the browser's storage the site uses.

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::format::bytes;
use super::kept_store::{self, KeptModel, MAX_KEPT};
use super::my_runs::{best_words, now_stamp, once_per_ended_run, run_name};
use super::state::{t, use_state, State, Status};
use super::worker_link::use_worker;
use crate::protocol::Request;
use crate::tr;

/// What the list shows and the note under it.
#[derive(Clone, Copy)]
struct Kept {
    models: RwSignal<Vec<KeptModel>>,
    usage: RwSignal<Option<(f64, f64)>>,
    note: RwSignal<Option<String>>,
}

impl Kept {
    /// Reads the list and the storage figures again.
    fn refresh(self, state: State) {
        spawn_local(async move {
            match kept_store::list(state.language.get_untracked()).await {
                Ok(models) => self.models.set(models),
                Err(message) => self.note.set(Some(message)),
            }
            self.usage.set(kept_store::estimate().await);
        });
    }
}

/// The run on the page, described for the list (its files are measured when they arrive).
fn describe(state: State) -> Option<KeptModel> {
    let task = state.dataset.with_untracked(|d| d.done().map(|d| d.task))?;
    let best = state
        .epochs
        .with_untracked(|epochs| epochs.iter().filter_map(|e| e.dev.as_ref().map(|d| d.headline())).reduce(f64::max));
    let name = now_stamp();
    let id = format!("{name} {}", state.run_started_at.get_untracked());
    Some(KeptModel { id, name, task, best, bytes: 0 })
}

#[component]
pub fn KeptModels() -> impl IntoView {
    let state = use_state();
    let link = use_worker();
    let kept = Kept { models: RwSignal::new(Vec::new()), usage: RwSignal::new(None), note: RwSignal::new(None) };
    kept.refresh(state);
    let pending = StoredValue::new(None::<KeptModel>);

    // Each run that ends asks the worker for its files once.
    once_per_ended_run(state, move || {
        let language = state.language.get_untracked();
        if kept.models.with_untracked(Vec::len) >= MAX_KEPT {
            kept.note.set(Some(tr!(language, "model.saved-limit", max = MAX_KEPT)));
            return;
        }
        if let Some(meta) = describe(state) {
            pending.set_value(Some(meta));
            kept.note.set(None);
            state.to_keep.set(Status::Working);
            link.send(Request::Keep);
        }
    });
    // The files arrive as an event; they are written in one transaction.
    Effect::new(move |_| {
        let Status::Done(files) = state.to_keep.get() else { return };
        state.to_keep.set(Status::Empty);
        let Some(mut meta) = pending.try_update_value(Option::take).flatten() else { return };
        meta.bytes = files.config_json.len() + files.tokenizer_json.len() + files.model_safetensors.len();
        spawn_local(async move {
            if let Err(message) = kept_store::put(state.language.get_untracked(), &meta, &files).await {
                kept.note.set(Some(message));
            }
            kept.refresh(state);
        });
    });

    let load = move |id: String| {
        let language = state.language.get_untracked();
        state.model.set(Status::Working);
        spawn_local(async move {
            match kept_store::get(language, &id).await {
                Ok(files) => {
                    state.downloads.set(Vec::new());
                    state.clear_run();
                    link.send(Request::LoadModel { files });
                }
                Err(message) => state.model.set(Status::Failed(message)),
            }
        });
    };
    let delete = move |id: String| {
        spawn_local(async move {
            match kept_store::delete(state.language.get_untracked(), &id).await {
                Ok(()) => kept.note.set(None),
                Err(message) => kept.note.set(Some(message)),
            }
            kept.refresh(state);
        });
    };

    view! {
        <div class="kept-models" id="kept-models">
            <h3>{t("model.saved-title")}</h3>
            {move || kept.models.with(Vec::is_empty).then(|| view! {
                <p class="note">{move || tr!(state.lang(), "model.saved-none", max = MAX_KEPT)}</p>
            })}
            <ul class="runs">
                {move || kept.models.get().into_iter().map(|model| {
                    let language = state.lang();
                    let line = tr!(language, "model.saved-line", name = run_name(language, &model.name),
                        task = model.task.name(language), best = best_words(language, model.best), size = bytes(model.bytes));
                    let (to_load, to_delete) = (model.id.clone(), model.id.clone());
                    view! {
                        <li class="kept-model">
                            {line}" "
                            <button class="small load-kept" on:click=move |_| load(to_load.clone())
                                disabled=move || state.model.get().is_working() || state.run.get().active()>
                                {t("model.saved-load")}
                            </button>" "
                            <button class="small" on:click=move |_| delete(to_delete.clone())>{t("model.saved-delete")}</button>
                        </li>
                    }
                }).collect_view()}
            </ul>
            {move || state.to_keep.get().is_working().then(|| view! {
                <p class="note" role="status">{t("model.saved-saving")}</p>
            })}
            {move || match state.to_keep.get() {
                Status::Failed(message) => Some(view! { <p class="warning">{tr!(state.lang(), "model.saved-not-kept", why = message)}</p> }),
                _ => None,
            }}
            {move || kept.note.get().map(|n| view! { <p class="warning" role="alert">{n}</p> })}
            {move || kept.usage.get().filter(|_| !kept.models.with(Vec::is_empty)).map(|(used, quota)| view! {
                <p class="note" id="kept-usage">{tr!(state.lang(), "model.saved-usage",
                    count = kept.models.with(Vec::len), used = bytes(used as usize), quota = bytes(quota as usize))}</p>
            })}
        </div>
    }
}
