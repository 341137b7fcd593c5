//! The offer to go on with a run that a reload (or a closed tab) interrupted, from the
//! checkpoint its worker left in the browser's storage; it stands only for the same data.

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::kept_store::{self, Interrupted};
use super::state::{now, t, use_state, Run};
use super::worker_link::use_worker;
use crate::tr;

#[component]
pub fn InterruptedRun() -> impl IntoView {
    let state = use_state();
    let link = use_worker();
    let found = RwSignal::new(None::<Interrupted>);
    let bytes = StoredValue::new_local(None::<js_sys::Uint8Array>);
    spawn_local(async move {
        if let Some((run, stored)) = kept_store::load_checkpoint().await {
            bytes.set_value(Some(stored));
            found.set(Some(run));
        }
    });
    // Only for the data it ran on, and only before another run starts here.
    let offer = move || {
        let run = found.get()?;
        let same_data =
            state.dataset.with(|d| d.done().is_some_and(|d| d.task == run.task && d.n_train == run.n_train));
        (same_data && state.model.with(|m| m.done().is_some()) && state.run.get() == Run::Idle).then_some(run)
    };
    let go_on = move |run: Interrupted| {
        let Some(stored) = bytes.try_update_value(Option::take).flatten() else { return };
        found.set(None);
        state.clear_run();
        state.run_started_at.set(now());
        state.run.set(Run::Running);
        link.resume_interrupted(&run, stored);
    };

    move || {
        offer().map(|run| {
            let lang = state.lang();
            let said = tr!(lang, "train.interrupted", step = run.step, total = run.total_steps, epoch = run.epoch);
            view! {
                <div class="offer" id="interrupted-run" role="status">
                    <p>{said}</p>
                    <button id="resume-interrupted" on:click=move |_| go_on(run.clone())>
                        {t("train.resume-interrupted")}
                    </button>
                </div>
            }
        })
    }
}
