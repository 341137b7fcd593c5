//! The page's end of the training worker: starts it, sends protocol requests, feeds its events
//! into [`State`], and restarts it after a crash with the model and data it had.

use leptos::prelude::*;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{ErrorEvent, MessageEvent, Worker};

use super::kept_store::{self, Interrupted};
use super::state::{Run, State, Status, WorkerStatus};
use crate::browser::message::{from_js, to_js, transferables};
use crate::core::train::{halve_batch, TrainConfig, TrainPlan};
use crate::i18n::{text, Language};
use crate::protocol::{DevicePreference, Event, Request, RequestKind};
use crate::tr;

/// Trunk's loader for the `worker` binary (`data-loader-shim`, file hashes off).
const WORKER_SCRIPT: &str = "./worker_loader.js";
/// Restarts tried before the page gives up and asks for a reload.
const MAX_RESTARTS: u32 = 3;

/// `Copy` handle; the worker itself lives in a local arena slot.
#[derive(Clone, Copy)]
pub struct WorkerLink {
    inner: StoredValue<Inner, LocalStorage>,
    state: State,
}

#[derive(Default)]
struct Inner {
    script: String,
    worker: Option<Worker>,
    /// Counts restarts, so that late events of a dead worker are ignored.
    generation: u32,
    /// A worker takes messages only once its wasm has started; until then they wait here.
    ready: bool,
    /// Crashes since a worker last started; a worker that cannot start is not retried forever.
    crashes: u32,
    pending: Vec<Request>,
    /// What a restarted worker is sent again: device, model, dataset.
    replay: Replay,
    handlers: Option<(Closure<dyn FnMut(MessageEvent)>, Closure<dyn FnMut(ErrorEvent)>)>,
}

#[derive(Default, Clone)]
struct Replay {
    init: Option<Request>,
    model: Option<Request>,
    dataset: Option<Request>,
    /// The run in progress, and its latest checkpoint (steps done, epoch, bytes): a new worker
    /// goes on from there. The bytes stay a JS array, out of the page's wasm heap.
    run: Option<TrainConfig>,
    checkpoint: Option<(usize, usize, js_sys::Uint8Array)>,
}

impl WorkerLink {
    pub fn start(state: State) -> Self {
        Self::start_with(state, WORKER_SCRIPT)
    }

    /// A link to the worker at `script` (tests give stand-ins that crash on purpose).
    pub fn start_with(state: State, script: &str) -> Self {
        let inner = Inner { script: script.to_string(), ..Inner::default() };
        let link = Self { inner: StoredValue::new_local(inner), state };
        link.spawn();
        link
    }

    /// Sends a request, remembering the ones a restarted worker needs again.
    pub fn send(&self, request: Request) {
        self.inner.update_value(|inner| match &request {
            Request::Init { .. } => inner.replay.init = Some(request.clone()),
            Request::FetchModel { .. } | Request::LoadModel { .. } => inner.replay.model = Some(request.clone()),
            Request::LoadDataset(_) => inner.replay.dataset = Some(request.clone()),
            Request::Train { config } => {
                inner.replay.run = Some(config.clone());
                inner.replay.checkpoint = None;
                // Not Leptos's spawner: the link also runs where no Leptos app is mounted (tests).
                wasm_bindgen_futures::spawn_local(kept_store::clear_checkpoint());
            }
            _ => {}
        });
        self.post(request);
    }

    /// Goes on with the run a reload interrupted, from its stored checkpoint; a crash on the
    /// way goes on from the same checkpoint, or from a later one.
    pub fn resume_interrupted(&self, run: &Interrupted, bytes: js_sys::Uint8Array) {
        let checkpoint = bytes.to_vec();
        self.inner.update_value(|inner| {
            inner.replay.run = Some(run.config.clone());
            inner.replay.checkpoint = Some((run.step, run.epoch, bytes));
        });
        self.state.resuming.set(Some((run.step, run.epoch)));
        self.post(Request::TrainFrom { config: run.config.clone(), checkpoint });
    }

    /// Keeps the checkpoint in memory for a new worker, and in storage for a reload.
    fn keep_checkpoint(&self, step: usize, epoch: usize, bytes: js_sys::Uint8Array) {
        let state = self.state;
        let config = self.inner.try_update_value(|inner| {
            inner.replay.checkpoint = Some((step, epoch, bytes.clone()));
            inner.replay.run.clone()
        });
        state.checkpoint.set(Some((step, epoch)));
        let dataset = state.dataset.with_untracked(|d| d.done().map(|d| (d.task, d.n_train)));
        let total_steps = state.plan.with_untracked(|p| p.as_ref().map_or(0, |p| p.total_steps));
        let (Some(Some(config)), Some((task, n_train))) = (config, dataset) else { return };
        let run = Interrupted { step, epoch, total_steps, config, task, n_train };
        wasm_bindgen_futures::spawn_local(async move {
            if let Err(message) = kept_store::save_checkpoint(state.language.get_untracked(), &run, &bytes).await {
                state.notices.update(|n| n.push(message));
            }
        });
    }

    fn post(&self, request: Request) {
        let state = self.state;
        self.inner.update_value(|inner| match (&inner.worker, inner.ready) {
            (Some(worker), true) => {
                if let Err(message) = post_to(state.language.get_untracked(), worker, &request) {
                    state.notices.update(|n| n.push(message));
                }
            }
            _ => inner.pending.push(request),
        });
    }

    fn spawn(&self) {
        let (generation, script) = self.inner.with_value(|inner| (inner.generation + 1, inner.script.clone()));
        let worker = match Worker::new(&script) {
            Ok(worker) => worker,
            Err(e) => {
                let language = self.state.language.get_untracked();
                let message = tr!(language, "page.worker-no-start", script = script, why = describe(&e));
                self.state.notices.update(|n| n.push(message));
                return;
            }
        };
        let link = *self;
        let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |m: MessageEvent| {
            link.receive(generation, m.data());
        });
        let on_error = Closure::<dyn FnMut(ErrorEvent)>::new(move |e: ErrorEvent| {
            e.prevent_default();
            let language = link.state.language.get_untracked();
            link.crashed(generation, tr!(language, "page.worker-stopped", why = e.message()));
        });
        worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        self.inner.update_value(|inner| {
            if let Some(old) = inner.worker.replace(worker) {
                old.terminate();
            }
            inner.generation = generation;
            inner.ready = false;
            inner.handlers = Some((on_message, on_error));
        });
    }

    fn current(&self, generation: u32) -> bool {
        self.inner.with_value(|inner| inner.generation) == generation
    }

    fn receive(&self, generation: u32, data: JsValue) {
        if !self.current(generation) {
            return;
        }
        if let Some((step, epoch, bytes)) = checkpoint(&data) {
            self.keep_checkpoint(step, epoch, bytes);
            return;
        }
        match from_js::<Event>(data) {
            Ok(Event::Error { request: RequestKind::Worker, message }) => self.crashed(generation, message),
            // Nothing more runs on that worker's GPU. A new worker asks the browser again, and
            // takes the CPU when the GPU is gone, even where WebGPU was asked for by name.
            Ok(Event::DeviceLost { reason, message }) => {
                let language = self.state.language.get_untracked();
                let auto = Request::Init { device: DevicePreference::Auto };
                self.inner.update_value(|inner| inner.replay.init = Some(auto));
                self.crashed(generation, tr!(language, "page.gpu-lost", reason = reason, why = message))
            }
            Ok(Event::OutOfMemory { message }) => self.out_of_memory(generation, message),
            Ok(event @ Event::TrainingStarted { .. }) => {
                if let Event::TrainingStarted { plan, .. } = &event {
                    self.note_batch_cut(plan);
                }
                self.state.apply(event);
            }
            Ok(
                event @ (Event::TrainingFinished { .. }
                | Event::Stopped { .. }
                | Event::EarlyStopped { .. }
                | Event::Diverged { .. }
                | Event::Error { request: RequestKind::Train, .. }),
            ) => {
                self.inner.update_value(|inner| {
                    inner.replay.run = None;
                    inner.replay.checkpoint = None;
                });
                wasm_bindgen_futures::spawn_local(kept_store::clear_checkpoint());
                self.state.apply(event);
            }
            Ok(event @ Event::Ready { .. }) => {
                let pending = self.inner.try_update_value(|inner| {
                    inner.ready = true;
                    inner.crashes = 0;
                    std::mem::take(&mut inner.pending)
                });
                self.state.apply(event);
                for request in pending.unwrap_or_default() {
                    self.post(request);
                }
            }
            Ok(event) => self.state.apply(event),
            Err(e) => {
                let language = self.state.language.get_untracked();
                self.state.notices.update(|n| n.push(tr!(language, "page.worker-unreadable", why = e)))
            }
        }
    }

    /// The device could not allocate what the worker needed, and the worker died of it. A run
    /// goes on in a new worker, from its checkpoint or else from its start, at a smaller batch
    /// with more accumulation: the effective batch, and so the recipe, stay the same. A run
    /// already at batch 1 stops and says what else needs less memory.
    fn out_of_memory(&self, generation: u32, why: String) {
        if !self.current(generation) {
            return;
        }
        let state = self.state;
        let language = state.language.get_untracked();
        let run = self.inner.with_value(|inner| inner.replay.run.clone());
        let Some(config) = run.filter(|_| state.run.get_untracked().active()) else {
            return self.crashed(generation, tr!(language, "page.gpu-out-of-memory-idle", why = why));
        };
        let Some((batch, accumulation)) = halve_batch(&config) else {
            let message = tr!(language, "page.gpu-out-of-memory-at-one", why = why, length = config.max_len);
            self.inner.update_value(|inner| {
                inner.replay.run = None;
                inner.replay.checkpoint = None;
            });
            wasm_bindgen_futures::spawn_local(kept_store::clear_checkpoint());
            self.crashed(generation, message.clone());
            return state.run.set(Run::Failed(message));
        };
        let message = tr!(
            language,
            "page.gpu-out-of-memory",
            why = why,
            from = config.batch_size,
            batch = batch,
            accumulation = accumulation
        );
        let smaller = config.with_batch(batch, accumulation);
        self.inner.update_value(|inner| inner.replay.run = Some(smaller));
        self.restart(generation, message, true);
    }

    /// The worker cut the batch to fit its device (its plan says the batch it got): the user is
    /// told, and a new worker after a crash goes on at that batch.
    fn note_batch_cut(&self, plan: &TrainPlan) {
        let asked = self.inner.with_value(|inner| inner.replay.run.as_ref().map(|c| c.batch_size));
        let Some(asked) = asked.filter(|&b| b != plan.config.batch_size) else { return };
        self.inner.update_value(|inner| inner.replay.run = Some(plan.config.clone()));
        let language = self.state.language.get_untracked();
        let message = tr!(
            language,
            "page.batch-cut-to-fit",
            from = asked,
            batch = plan.config.batch_size,
            accumulation = plan.config.grad_accumulation
        );
        self.state.notices.update(|n| n.push(message));
    }

    /// Reports the crash, starts a fresh worker and sends it the device, model and dataset
    /// again. A run in progress goes on from its checkpoint, or is lost where it has none;
    /// everything the user gave is kept.
    fn crashed(&self, generation: u32, message: String) {
        self.restart(generation, message, false)
    }

    /// [`Self::crashed`]; with `start_over`, a run without a checkpoint starts again from its
    /// first step instead of being lost.
    fn restart(&self, generation: u32, message: String, start_over: bool) {
        if !self.current(generation) {
            return;
        }
        let state = self.state;
        let language = state.language.get_untracked();
        let interrupted = text(language, "page.worker-interrupted", &[]);
        let was_training = state.run.get_untracked().active();
        let resume = self.inner.with_value(|inner| match (&inner.replay.run, &inner.replay.checkpoint) {
            (Some(config), Some((step, epoch, bytes))) if was_training => {
                Some((config.clone(), Some((*step, *epoch, bytes.to_vec()))))
            }
            (Some(config), None) if was_training && start_over => Some((config.clone(), None)),
            _ => None,
        });
        if was_training && resume.is_none() {
            state.run.set(Run::Failed(interrupted.clone()));
        }
        if state.prediction.get_untracked().is_working() {
            state.prediction.set(Status::Failed(interrupted.clone()));
        }
        if state.export.get_untracked().is_working() {
            state.export.set(Status::Failed(interrupted));
        }
        let crashes = self.inner.try_update_value(|inner| {
            inner.crashes += 1;
            inner.crashes
        });
        if crashes.unwrap_or(0) > MAX_RESTARTS {
            self.inner.update_value(|inner| {
                if let Some(old) = inner.worker.take() {
                    old.terminate();
                }
                // Late events of the dead worker are ignored from now on.
                inner.generation += 1;
            });
            state.model.set(Status::Empty);
            state.dataset.set(Status::Empty);
            state.worker.set(WorkerStatus::Crashed(tr!(
                language,
                "page.worker-gave-up",
                message = message,
                times = MAX_RESTARTS
            )));
            return;
        }
        let replay = self.inner.with_value(|inner| inner.replay.clone());
        if replay.model.is_some() {
            state.model.set(Status::Working);
        }
        if replay.dataset.is_some() {
            state.dataset.set(Status::Working);
        }
        state.worker.set(WorkerStatus::Crashed(match (&resume, was_training) {
            (Some((_, Some((step, _, _)))), _) => {
                tr!(language, "page.worker-resumed-train", message = message, step = step)
            }
            (Some((_, None)), _) => tr!(language, "page.worker-restarted-run", message = message),
            (None, true) => tr!(language, "page.worker-restarted-train", message = message),
            (None, false) => tr!(language, "page.worker-restarted", message = message),
        }));
        self.inner.update_value(|inner| inner.pending.clear());
        self.spawn();
        for request in [replay.init, replay.model, replay.dataset].into_iter().flatten() {
            self.post(request);
        }
        match resume {
            Some((config, Some((step, epoch, checkpoint)))) => {
                state.resuming.set(Some((step, epoch)));
                self.post(Request::TrainFrom { config, checkpoint });
            }
            Some((config, None)) => {
                // The steps shown so far are done again: the page keeps none of them.
                state.resuming.set(Some((0, 1)));
                self.post(Request::Train { config });
            }
            None => {}
        }
    }
}

/// The worker link, from the context `App` provides.
pub fn use_worker() -> WorkerLink {
    expect_context::<WorkerLink>()
}

fn post_to(language: Language, worker: &Worker, request: &Request) -> Result<(), String> {
    let value = to_js(request)?;
    let transfer = transferables(&value);
    let sent = if transfer.length() > 0 {
        worker.post_message_with_transfer(&value, &transfer)
    } else {
        worker.post_message(&value)
    };
    sent.map_err(|e| tr!(language, "page.worker-no-send", request = request.kind().name(), why = describe(&e)))
}

/// A JS exception's message.
pub fn describe(value: &JsValue) -> String {
    value
        .dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| value.as_string())
        .unwrap_or_else(|| format!("{value:?}"))
}

/// A checkpoint event's figures and bytes, read without copying the bytes into wasm memory.
fn checkpoint(data: &JsValue) -> Option<(usize, usize, js_sys::Uint8Array)> {
    let field = |name: &str| js_sys::Reflect::get(data, &name.into()).ok();
    if field("type")?.as_string()? != "checkpoint" {
        return None;
    }
    let (step, epoch) = (field("step")?.as_f64()? as usize, field("epoch")?.as_f64()? as usize);
    Some((step, epoch, field("bytes")?.dyn_into::<js_sys::Uint8Array>().ok()?))
}
