//! Browser tests: real headless Chromium, real WebGPU (SwiftShader on a machine without a GPU),
//! run by `cargo xtask test`, which serves the model, ../shared and the built worker on
//! 127.0.0.1 and passes the address in `TUNELAB_TEST_SERVER`. No network, no mocks.
#![cfg(target_arch = "wasm32")]

mod common {
    pub mod golden_parity;
}

use std::cell::RefCell;
use std::rc::Rc;

use burn::prelude::*;
use common::golden_parity::{check_forward, check_steps, Fixture};
use js_sys::{Array, Uint8Array};
use tunelab::browser::fetch::{clear_cache, fetch_model, FetchError};
use tunelab::browser::gpu::{choose, describe_js_error};
use tunelab::browser::message::{from_js, to_js, transferables};
use tunelab::browser::timer::sleep;
use tunelab::core::model::{gelu_exact, gelu_tanh, tanh, Task};
use tunelab::core::task_model::ModelFiles;
use tunelab::core::train::TrainConfig;
use tunelab::protocol::{
    Backend, DataFile, DatasetRequest, DevicePreference, Event, ModelSource, Prediction, Request, RequestKind,
};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::{console_log, wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

const MODEL: &str = "models/all-MiniLM-L6-v2";
/// The small BERT xtask writes (2 layers, hidden 32, MiniLM's vocabulary), for checks of the
/// worker that do not need MiniLM: its SwiftShader steps take seconds, not minutes.
const TINY_MODEL: &str = "fixtures/tiny-bert";
const TINY_MODEL_PARAMETERS: usize = 1_011_360;

fn server() -> &'static str {
    option_env!("TUNELAB_TEST_SERVER")
        .expect("TUNELAB_TEST_SERVER is unset: run the browser tests with `cargo xtask test`")
}

async fn fetch_bytes(path: &str) -> Vec<u8> {
    let url = format!("{}/{path}", server());
    let window = web_sys::window().expect("a window");
    let response: web_sys::Response = JsFuture::from(window.fetch_with_str(&url))
        .await
        .unwrap_or_else(|e| panic!("{url}: {}", describe_js_error(&e)))
        .dyn_into()
        .expect("a Response");
    assert!(response.ok(), "{url}: HTTP {}", response.status());
    let buffer = JsFuture::from(response.array_buffer().expect("body")).await.expect("body read");
    Uint8Array::new(&buffer).to_vec()
}

async fn model_files() -> ModelFiles {
    ModelFiles {
        config_json: fetch_bytes(&format!("{MODEL}/config.json")).await,
        tokenizer_json: fetch_bytes(&format!("{MODEL}/tokenizer.json")).await,
        model_safetensors: fetch_bytes(&format!("{MODEL}/model.safetensors")).await,
    }
}

/// Forward pass within 1e-3 and both heads' four losses within 2e-3 of transformers.
async fn golden_parity(device: &Device, label: &str) {
    let files = model_files().await;
    let forward = Fixture::new(fetch_bytes("shared/golden/forward.safetensors").await);
    let (hidden, pooled) = check_forward(&files, &forward, device, 1e-3).await;
    console_log!("{label}: forward max |Δ| last_hidden_state {hidden:.2e}, pooler_output {pooled:.2e}");
    for (name, task) in [("seqcls", Task::Cls), ("tokcls", Task::Ner)] {
        let fixture = Fixture::new(fetch_bytes(&format!("shared/golden/{name}.safetensors")).await);
        let expected = fetch_bytes(&format!("shared/golden/{name}.json")).await;
        let losses = check_steps(name, &files, &fixture, &expected, task, device, 2e-3).await;
        console_log!("{label}: {name} losses {losses:?}");
    }
}

#[wasm_bindgen_test]
async fn webgpu_device_initialises_and_describes_its_adapter() {
    let chosen = choose(DevicePreference::Webgpu).await.expect("WebGPU initialises in this Chromium");
    let info = &chosen.info;
    console_log!("WebGPU device: {info:?}");
    assert_eq!(info.backend, Backend::Webgpu);
    assert_eq!(info.fallback_reason, None);
    let adapter = info.adapter.as_ref().expect("adapter described");
    assert!(
        !(adapter.vendor.is_empty() && adapter.architecture.is_empty() && adapter.description.is_empty()),
        "the adapter says nothing about itself: {adapter:?}"
    );
    if let Some(expected) = option_env!("TUNELAB_EXPECT_ADAPTER") {
        let said = format!("{} {} {}", adapter.vendor, adapter.architecture, adapter.description).to_lowercase();
        assert!(said.contains(&expected.to_lowercase()), "expected a {expected} adapter, got {adapter:?}");
    }
    let limits = info.limits.as_ref().expect("limits");
    // WebGPU guarantees 128 MiB per storage binding; the model's largest tensor is 45 MB.
    assert!(limits.max_storage_buffer_binding_size >= 128 << 20, "{limits:?}");
    assert_eq!(chosen.max_binding, Some(limits.max_storage_buffer_binding_size.min(limits.max_buffer_size)));
    // A second request reuses the device (a second WebGPU init would fail).
    let again = choose(DevicePreference::Auto).await.expect("the same device again");
    assert_eq!(again.info, chosen.info);
}

/// SwiftShader's tanh gives NaN beyond about ±90; burn's GELU gradient goes through tanh, and
/// one large pre-activation once turned a whole training step into NaN.
#[wasm_bindgen_test]
async fn activation_gradients_stay_finite_on_webgpu() {
    let device = choose(DevicePreference::Webgpu).await.expect("WebGPU").device.autodiff();
    let x: Tensor<1> = Tensor::from_floats([-300.0f32, -1.0, 0.0, 1.0, 300.0], &device).require_grad();
    let y = gelu_exact(x.clone()).sum() + gelu_tanh(x.clone()).sum() + tanh(x.clone()).sum();
    let grads = y.backward();
    let g =
        x.grad(&grads).expect("a gradient").into_data_async().await.expect("read").try_to_vec::<f32>().expect("f32");
    assert!(g.iter().all(|v| v.is_finite()), "{g:?}");
    assert!(g[0].abs() < 1e-6 && (g[4] - 2.0).abs() < 1e-6, "{g:?}");
}

#[wasm_bindgen_test]
async fn golden_parity_on_webgpu() {
    let chosen = choose(DevicePreference::Webgpu).await.expect("WebGPU");
    golden_parity(&chosen.device, "webgpu").await;
}

#[wasm_bindgen_test]
async fn golden_parity_on_the_cpu_fallback() {
    let chosen = choose(DevicePreference::Cpu).await.expect("the CPU is always there");
    assert_eq!(chosen.info.backend, Backend::Cpu);
    assert_eq!(chosen.max_binding, None);
    golden_parity(&chosen.device, "cpu (wasm)").await;
}

#[wasm_bindgen_test]
async fn models_download_with_progress_then_come_from_the_cache() {
    clear_cache().await;
    let source = ModelSource::Folder { url: format!("{}/{MODEL}/", server()) };
    let mut first = Vec::new();
    let files = fetch_model(&source, &mut |p| first.push(p)).await.expect("download");
    assert_eq!(files.model_safetensors.len(), model_files().await.model_safetensors.len());
    let weights: Vec<_> = first.iter().filter(|p| p.file == "model.safetensors").collect();
    assert!(weights.iter().all(|p| !p.cached));
    assert!(weights.len() > 10, "progress is reported while the weights download ({} events)", weights.len());
    assert!(weights.windows(2).all(|w| w[0].loaded <= w[1].loaded));
    let last = weights.last().expect("a last event");
    assert!(last.done && Some(last.loaded) == last.total, "{last:?}");

    let mut second = Vec::new();
    let again = fetch_model(&source, &mut |p| second.push(p)).await.expect("from the cache");
    assert_eq!(again, files);
    assert_eq!(second.len(), 3, "one event per file: {second:?}");
    assert!(second.iter().all(|p| p.cached && p.done));
}

#[wasm_bindgen_test]
async fn model_fetch_failures_say_what_and_where() {
    let folder = |path: &str| ModelSource::Folder { url: format!("{}/{path}", server()) };
    let missing = fetch_model(&folder("models/no-such-model"), &mut |_| {}).await.expect_err("404");
    assert!(
        matches!(&missing, FetchError::NotFound { url, .. } if url.ends_with("models/no-such-model/config.json")),
        "{missing}"
    );
    console_log!("404: {missing}");

    let cors = fetch_model(&folder("nocors/fixtures/gpt2"), &mut |_| {}).await.expect_err("CORS");
    assert!(matches!(cors, FetchError::Network { .. }), "{cors}");
    assert!(cors.to_string().contains("CORS"), "{cors}");
    console_log!("CORS: {cors}");

    let refused = fetch_model(&folder("fixtures/gpt2"), &mut |_| {}).await.expect_err("not a BERT");
    assert!(matches!(&refused, FetchError::Refusal { .. }) && refused.to_string().contains("gpt2"), "{refused}");
    console_log!("refused: {refused}");

    let mut files_seen = Vec::new();
    let no_weights =
        fetch_model(&folder("fixtures/no-weights"), &mut |p| files_seen.push(p.file)).await.expect_err("no weights");
    assert!(
        matches!(&no_weights, FetchError::NotFound { url, .. } if url.ends_with("no-weights/model.safetensors")),
        "{no_weights}"
    );
    assert!(files_seen.contains(&"tokenizer.json".to_string()));
    console_log!("missing file: {no_weights}");

    let hub = ModelSource::Hub { id: "sentence-transformers/all-MiniLM-L6-v2".into(), revision: None };
    assert_eq!(
        hub.file_url("config.json"),
        "https://huggingface.co/sentence-transformers/all-MiniLM-L6-v2/resolve/main/config.json"
    );
}

/// The worker bundle `cargo xtask test` built, started from a blob so that the test page's
/// origin may run it.
struct WorkerProbe {
    worker: web_sys::Worker,
    events: Rc<RefCell<Vec<Event>>>,
    seen: usize,
    _on_message: Closure<dyn FnMut(web_sys::MessageEvent)>,
    _on_error: Closure<dyn FnMut(web_sys::ErrorEvent)>,
}

impl WorkerProbe {
    fn spawn() -> Self {
        let worker = web_sys::Worker::new(&real_worker()).expect("worker starts");
        let events = Rc::new(RefCell::new(Vec::new()));
        let sink = Rc::clone(&events);
        let on_message = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |m: web_sys::MessageEvent| {
            let event = from_js::<Event>(m.data())
                .unwrap_or_else(|e| Event::error(RequestKind::Unknown, format!("unreadable: {e}")));
            sink.borrow_mut().push(event);
        });
        worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        let sink = Rc::clone(&events);
        let on_error = Closure::<dyn FnMut(web_sys::ErrorEvent)>::new(move |e: web_sys::ErrorEvent| {
            sink.borrow_mut().push(Event::error(RequestKind::Worker, e.message()));
        });
        worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        Self { worker, events, seen: 0, _on_message: on_message, _on_error: on_error }
    }

    fn send(&self, request: &Request) {
        let value = to_js(request).expect("request to JS");
        self.worker.post_message_with_transfer(&value, &transferables(&value)).expect("postMessage");
    }

    /// The next event (after those already looked at) that `wanted` accepts; an error event
    /// or `timeout_s` without one fails the test.
    async fn wait_for(&mut self, what: &str, timeout_s: u32, wanted: impl Fn(&Event) -> bool) -> Event {
        for _ in 0..timeout_s * 10 {
            while self.seen < self.events.borrow().len() {
                let event = self.events.borrow()[self.seen].clone();
                self.seen += 1;
                if let Event::Error { request, message } = &event {
                    panic!("waiting for {what}: the worker reported an error on {request}: {message}");
                }
                if wanted(&event) {
                    return event;
                }
            }
            sleep(100).await;
        }
        panic!("no {what} within {timeout_s} s; events so far: {:?}", self.events.borrow());
    }

    fn steps_after(&self, index: usize) -> Vec<usize> {
        self.events.borrow()[index..]
            .iter()
            .filter_map(|e| if let Event::Progress(p) = e { Some(p.step) } else { None })
            .collect()
    }
}

impl Drop for WorkerProbe {
    fn drop(&mut self) {
        self.worker.terminate();
    }
}

#[wasm_bindgen_test]
async fn worker_round_trip_trains_pauses_resumes_stops_and_predicts() {
    let mut worker = WorkerProbe::spawn();
    worker.wait_for("ready", 120, |e| matches!(e, Event::Ready { .. })).await;
    worker.send(&Request::Init { device: DevicePreference::Auto });
    let device = worker.wait_for("device", 120, |e| matches!(e, Event::Device(_))).await;
    console_log!("worker device: {device:?}");

    let url = format!("{}/{TINY_MODEL}", server());
    worker.send(&Request::FetchModel { source: ModelSource::Folder { url } });
    let Event::ModelLoaded(model) = worker.wait_for("model", 300, |e| matches!(e, Event::ModelLoaded(_))).await else {
        unreachable!()
    };
    assert_eq!(model.parameters, TINY_MODEL_PARAMETERS);

    let conll = fetch_bytes("shared/data/wnut17/train.conll").await;
    worker.send(&Request::LoadDataset(DatasetRequest {
        task: Task::Ner,
        train: DataFile { name: "train.conll".into(), bytes: conll },
        dev: None,
        text_column: None,
        label_column: None,
        limit: Some(32),
        seed: 42,
    }));
    let Event::DatasetLoaded(data) = worker.wait_for("dataset", 60, |e| matches!(e, Event::DatasetLoaded(_))).await
    else {
        unreachable!()
    };
    assert_eq!(data.n_train + data.n_dev + data.n_test, 32);

    let config = two_epochs_at_batch_8();
    worker.send(&Request::Train { config });
    worker.wait_for("training start", 120, |e| matches!(e, Event::TrainingStarted { .. })).await;
    worker.wait_for("step 1", 600, |e| matches!(e, Event::Progress(p) if p.step == 1)).await;
    worker.send(&Request::Pause);
    let Event::Paused { step: paused_at } = worker.wait_for("pause", 600, |e| matches!(e, Event::Paused { .. })).await
    else {
        unreachable!()
    };
    assert!(paused_at <= 2, "paused after step {paused_at}: the pause was sent after step 1");
    let mark = worker.events.borrow().len();
    sleep(3000).await;
    assert!(worker.steps_after(mark).is_empty(), "steps ran while paused: {:?}", worker.steps_after(mark));
    worker.send(&Request::Resume);
    worker.wait_for("resume", 60, |e| matches!(e, Event::Resumed { .. })).await;
    let Event::Progress(resumed) =
        worker.wait_for("a step after resuming", 600, |e| matches!(e, Event::Progress(_))).await
    else {
        unreachable!()
    };
    assert_eq!(resumed.step, paused_at + 1);
    worker.send(&Request::Stop);
    let Event::Stopped { step } = worker.wait_for("stop", 600, |e| matches!(e, Event::Stopped { .. })).await else {
        unreachable!()
    };
    assert!(step <= resumed.step + 1, "stopped after step {step}, the stop was sent after step {}", resumed.step);

    let losses: Vec<f32> = worker
        .events
        .borrow()
        .iter()
        .filter_map(|e| if let Event::Progress(p) = e { Some(p.loss) } else { None })
        .collect();
    console_log!("worker losses: {losses:?}");
    assert!(losses.len() >= 3 && losses.iter().all(|l| l.is_finite()), "{losses:?}");
    let later = losses[1..].iter().sum::<f32>() / (losses.len() - 1) as f32;
    assert!(later < losses[0], "the loss did not fall on average: {losses:?}");

    worker.send(&Request::Predict { text: "I love New York".into() });
    let Event::Prediction { prediction, .. } =
        worker.wait_for("prediction", 300, |e| matches!(e, Event::Prediction { .. })).await
    else {
        unreachable!()
    };
    let Prediction::Ner { words, .. } = prediction else { panic!("an NER prediction") };
    assert_eq!(words.iter().map(|w| w.text.as_str()).collect::<Vec<_>>(), ["I", "love", "New", "York"]);
    assert!(words.iter().all(|w| data.labels.contains(&w.tag)));
}

/// The worker the page runs, as built for these tests and served by xtask, from a blob URL
/// (which any origin may run).
fn real_worker() -> String {
    let base = format!("{}/worker", server());
    script_url(&format!(
        "importScripts('{base}/worker.js'); wasm_bindgen({{ module_or_path: '{base}/worker_bg.wasm' }});"
    ))
}

/// A stand-in worker from JS source, served as a blob URL.
fn script_url(source: &str) -> String {
    let options = web_sys::BlobPropertyBag::new();
    options.set_type("text/javascript");
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&Array::of1(&JsValue::from_str(source)), &options)
        .expect("a blob");
    web_sys::Url::create_object_url_with_blob(&blob).expect("a blob URL")
}

async fn wait_until(what: &str, timeout_s: u32, done: impl Fn() -> bool) {
    for _ in 0..timeout_s * 10 {
        if done() {
            return;
        }
        sleep(100).await;
    }
    panic!("waited {timeout_s} s for {what}");
}

/// A stand-in worker: ready at once, answers `load_dataset`, and does `handlers` (JS `if`s on
/// `data.type`) with everything else.
fn stand_in(handlers: &str) -> String {
    format!(
        r#"
postMessage({{ type: "ready", version: "stand-in" }});
onmessage = ({{ data }}) => {{
  if (data.type === "load_dataset") {{
    postMessage({{ type: "dataset_loaded", task: "cls", n_train: 1, n_dev: 0, n_test: 0, split: false,
      labels: ["a"], label_counts: [], train_diagnostics: [], dev_diagnostics: [],
      preview: {{ task: "cls", examples: [] }}, dev_sample: null }});
  }}
  {handlers}
}};
"#
    )
}

/// Dies (as a panicking wasm worker does) when asked to train.
const CRASHES_ON_TRAIN: &str = r#"
  if (data.type === "train") {
    postMessage({ type: "error", request: "worker", message: "the training worker crashed (panicked at boom)" });
    throw new Error("boom");
  }
"#;

/// Sends a checkpoint and dies when asked to train; asked to go on from a checkpoint, answers
/// that training finished after a number of steps made of the checkpoint's bytes (so the test
/// sees they arrived whole).
const CRASHES_AFTER_A_CHECKPOINT: &str = r#"
  if (data.type === "train") {
    postMessage({ type: "checkpoint", step: 7, epoch: 2, bytes: new Uint8Array([1, 2, 3]) });
    postMessage({ type: "error", request: "worker", message: "the training worker crashed (panicked at boom)" });
    throw new Error("boom");
  }
  if (data.type === "train_from") {
    const bytes = data.checkpoint;
    postMessage({ type: "training_finished", steps: bytes.length * 100 + bytes[2], train_seconds: 1,
      train_tokens_per_s: 1 });
  }
"#;

/// Runs out of device memory (as the real worker's panic hook reports it, then dies) while the
/// batch is over 4: at batch 16 before any checkpoint, at batch 8 after one at step 5. Asked
/// to train at 4, it answers that training finished after a number of steps made of the
/// batch, the accumulation and the request it came in (so the test sees what arrived).
const OUT_OF_MEMORY_ABOVE_BATCH_4: &str = r#"
  if (data.type === "train" || data.type === "train_from") {
    const { batch_size, grad_accumulation } = data.config;
    if (batch_size > 4) {
      if (batch_size === 8) {
        postMessage({ type: "checkpoint", step: 5, epoch: 1, bytes: new Uint8Array([5]) });
      }
      postMessage({ type: "out_of_memory",
        message: "panicked at device_poison.rs:42:17:\nwgpu error: Out of Memory" });
      throw new Error("unreachable");
    }
    const resumed = data.type === "train_from" ? 1000 * data.checkpoint[0] : 0;
    postMessage({ type: "training_finished", steps: resumed + 10 * batch_size + grad_accumulation,
      train_seconds: 1, train_tokens_per_s: 1 });
  }
"#;

/// The page's worker link to a stand-in with `handlers`, given a dataset and then a run.
async fn a_run_on_a_stand_in(handlers: &str) -> (tunelab::ui::state::State, tunelab::ui::worker_link::WorkerLink) {
    use leptos::prelude::{Set, WithUntracked};
    use tunelab::ui::state::{Run, State};
    use tunelab::ui::worker_link::WorkerLink;

    let state = State::new();
    let link = WorkerLink::start_with(state, &script_url(&stand_in(handlers)));
    link.send(Request::Init { device: DevicePreference::Cpu });
    let data = DataFile { name: "a.csv".into(), bytes: b"text,label\nhello,a\n".to_vec() };
    link.send(Request::LoadDataset(DatasetRequest {
        task: Task::Cls,
        train: data,
        dev: None,
        text_column: None,
        label_column: None,
        limit: None,
        seed: 42,
    }));
    wait_until("the dataset", 30, || state.dataset.with_untracked(|d| d.done().is_some())).await;
    state.run.set(Run::Running);
    link.send(Request::Train { config: TrainConfig::default() });
    (state, link)
}

#[wasm_bindgen_test]
async fn the_page_reports_a_worker_crash_and_restarts_it_with_the_users_data() {
    use leptos::prelude::{GetUntracked, WithUntracked};
    use tunelab::ui::state::{Run, Status, WorkerStatus};

    let (state, _link) = a_run_on_a_stand_in(CRASHES_ON_TRAIN).await;
    wait_until("the crash report", 30, || matches!(state.worker.get_untracked(), WorkerStatus::Crashed(_))).await;
    let WorkerStatus::Crashed(message) = state.worker.get_untracked() else { unreachable!() };
    assert!(message.contains("panicked at boom") && message.contains("given your model and data again"), "{message}");
    assert!(matches!(state.run.get_untracked(), Run::Failed(m) if m.contains("interrupted")));
    // The new worker got the dataset again and answered.
    wait_until("the dataset, again", 30, || state.dataset.with_untracked(|d| matches!(d, Status::Done(_)))).await;
}

#[wasm_bindgen_test]
async fn a_crashed_run_goes_on_from_its_checkpoint_in_a_new_worker() {
    use leptos::prelude::GetUntracked;
    use tunelab::ui::state::{Run, WorkerStatus};

    let (state, _link) = a_run_on_a_stand_in(CRASHES_AFTER_A_CHECKPOINT).await;
    wait_until("the run, finished in the new worker", 30, || matches!(state.run.get_untracked(), Run::Finished { .. }))
        .await;
    assert!(matches!(state.run.get_untracked(), Run::Finished { steps: 303, .. }), "{:?}", state.run.get_untracked());
    assert_eq!(state.checkpoint.get_untracked(), Some((7, 2)));
    let WorkerStatus::Crashed(message) = state.worker.get_untracked() else { panic!("no crash report") };
    assert!(message.contains("panicked at boom") && message.contains("after step 7"), "{message}");
}

#[wasm_bindgen_test]
async fn a_run_out_of_gpu_memory_goes_on_at_a_smaller_batch_with_the_same_effective_batch() {
    use leptos::prelude::GetUntracked;
    use tunelab::ui::state::{Run, WorkerStatus};

    let (state, _link) = a_run_on_a_stand_in(OUT_OF_MEMORY_ABOVE_BATCH_4).await;
    wait_until("the run, finished at a smaller batch", 60, || {
        matches!(state.run.get_untracked(), Run::Finished { .. })
    })
    .await;
    // Batch 16 started over at 8 × 2 (no checkpoint yet); 8 × 2 went on from step 5 at 4 × 4.
    assert!(matches!(state.run.get_untracked(), Run::Finished { steps: 5044, .. }), "{:?}", state.run.get_untracked());
    let WorkerStatus::Crashed(message) = state.worker.get_untracked() else { panic!("no report") };
    console_log!("{message}");
    assert!(
        message.contains("out of memory at batch 8")
            && message.contains("batch 4 with 4× gradient accumulation")
            && message.contains("after step 5"),
        "{message}"
    );
}

#[wasm_bindgen_test]
async fn a_worker_that_cannot_start_is_retried_then_the_page_says_to_reload() {
    use leptos::prelude::GetUntracked;
    use tunelab::ui::state::{State, WorkerStatus};
    use tunelab::ui::worker_link::WorkerLink;

    let state = State::new();
    let _link = WorkerLink::start_with(state, &script_url("throw new Error('no wasm here');"));
    let gave_up = || matches!(state.worker.get_untracked(), WorkerStatus::Crashed(m) if m.contains("stopped trying"));
    wait_until("the page to give up", 60, gave_up).await;
    let WorkerStatus::Crashed(message) = state.worker.get_untracked() else { unreachable!() };
    assert!(message.contains("no wasm here") && message.contains("reload the page"), "{message}");
}

/// The page's link to the real worker on `device`, with the tiny model and the first `sentences`
/// of WNUT-17 loaded, running `config`.
async fn a_real_run(
    device: DevicePreference,
    sentences: usize,
    config: TrainConfig,
) -> (tunelab::ui::state::State, tunelab::ui::worker_link::WorkerLink) {
    use leptos::prelude::{Set, WithUntracked};
    use tunelab::ui::state::{Run, State};
    use tunelab::ui::worker_link::WorkerLink;

    let state = State::new();
    let link = WorkerLink::start_with(state, &real_worker());
    link.send(Request::Init { device });
    link.send(Request::FetchModel { source: ModelSource::Folder { url: format!("{}/{TINY_MODEL}", server()) } });
    wait_until("the model", 300, || state.model.with_untracked(|m| m.done().is_some())).await;
    let conll = fetch_bytes("shared/data/wnut17/train.conll").await;
    link.send(Request::LoadDataset(DatasetRequest {
        task: Task::Ner,
        train: DataFile { name: "train.conll".into(), bytes: conll },
        dev: None,
        text_column: None,
        label_column: None,
        limit: Some(sentences),
        seed: 42,
    }));
    wait_until("the dataset", 60, || state.dataset.with_untracked(|d| d.done().is_some())).await;
    state.run.set(Run::Running);
    link.send(Request::Train { config });
    (state, link)
}

/// Waits for the run's first epoch-end checkpoint and pauses the run inside the second epoch,
/// so that a drill sent now lands between two of its steps. Returns the step it paused after
/// and the step of the latest checkpoint.
async fn paused_in_the_second_epoch(
    state: tunelab::ui::state::State,
    link: tunelab::ui::worker_link::WorkerLink,
) -> (usize, usize) {
    use leptos::prelude::{GetUntracked, WithUntracked};
    use tunelab::ui::state::Run;

    wait_until("the first epoch's checkpoint", 600, || state.checkpoint.get_untracked().is_some_and(|(_, e)| e >= 2))
        .await;
    link.send(Request::Pause);
    wait_until("the pause", 600, || matches!(state.run.get_untracked(), Run::Paused)).await;
    let step = state.steps.with_untracked(|s| s.last().map_or(0, |p| p.step));
    let per_epoch = state.plan.with_untracked(|p| p.as_ref().map(|p| p.steps_per_epoch)).expect("a plan");
    let (checkpoint, _) = state.checkpoint.get_untracked().expect("a checkpoint");
    assert!(
        step > per_epoch && step < 2 * per_epoch && checkpoint >= per_epoch && checkpoint <= step,
        "paused after step {step} with a checkpoint at step {checkpoint}: not inside the second epoch \
         ({per_epoch} steps per epoch)"
    );
    (step, checkpoint)
}

/// The recipe the checkpoint tests run: two epochs, so that a pause can land in the second.
fn two_epochs_at_batch_8() -> TrainConfig {
    TrainConfig { epochs: 2, batch_size: 8, learning_rate: 2e-3, warmup_ratio: 0.0, ..TrainConfig::default() }
}

/// A run that went on in a new worker showed every optimizer step once and both epochs.
fn each_step_once_in_two_epochs(state: tunelab::ui::state::State, total_steps: usize) {
    use leptos::prelude::WithUntracked;
    let steps: Vec<usize> = state.steps.with_untracked(|s| s.iter().map(|p| p.step).collect());
    assert_eq!(steps, (1..=total_steps).collect::<Vec<_>>(), "each step once");
    assert_eq!(state.epochs.with_untracked(|e| e.iter().map(|e| e.epoch).collect::<Vec<_>>()), [1, 2]);
}

/// Every epoch's figures but its times, and every step's loss: what must not change when a
/// run goes on from a checkpoint.
fn run_figures(state: tunelab::ui::state::State) -> (Vec<String>, Vec<(usize, f32)>) {
    use leptos::prelude::WithUntracked;
    let epochs = state.epochs.with_untracked(|epochs| {
        epochs
            .iter()
            .map(|e| {
                let dev = serde_json::to_string(&e.dev).expect("dev report as JSON");
                format!("epoch {} loss {} tokens {} dev {dev}", e.epoch, e.train_loss, e.train_tokens)
            })
            .collect()
    });
    let steps = state.steps.with_untracked(|steps| steps.iter().map(|p| (p.step, p.loss)).collect());
    (epochs, steps)
}

#[wasm_bindgen_test]
async fn a_worker_killed_mid_epoch_goes_on_from_its_checkpoint_and_ends_as_if_never_stopped() {
    use leptos::prelude::GetUntracked;
    use tunelab::protocol::Drill;
    use tunelab::ui::state::{Run, WorkerStatus};

    let config = two_epochs_at_batch_8();
    let (whole, _whole_link) = a_real_run(DevicePreference::Cpu, 200, config.clone()).await;
    wait_until("the uninterrupted run", 600, || matches!(whole.run.get_untracked(), Run::Finished { .. })).await;

    let (killed, link) = a_real_run(DevicePreference::Cpu, 200, config).await;
    let (paused_at, checkpoint) = paused_in_the_second_epoch(killed, link).await;
    link.send(Request::Drill { drill: Drill::Crash });
    wait_until("the run, finished in a new worker", 600, || matches!(killed.run.get_untracked(), Run::Finished { .. }))
        .await;
    let WorkerStatus::Crashed(message) = killed.worker.get_untracked() else { panic!("no crash report") };
    console_log!("killed after step {paused_at}: {message}");
    assert!(message.contains("crash drill") && message.contains(&format!("after step {checkpoint}")), "{message}");
    let steps = |run: Run| if let Run::Finished { steps, .. } = run { steps } else { 0 };
    assert_eq!(steps(killed.run.get_untracked()), steps(whole.run.get_untracked()));
    let (whole_epochs, whole_steps) = run_figures(whole);
    let (killed_epochs, killed_steps) = run_figures(killed);
    assert_eq!(killed_epochs, whole_epochs, "every epoch's loss, tokens and dev scores, bit for bit");
    assert_eq!(killed_steps, whole_steps, "every step's loss, once each, bit for bit");
}

#[wasm_bindgen_test]
async fn a_lost_gpu_device_is_replaced_and_the_run_goes_on_from_its_checkpoint() {
    use leptos::prelude::GetUntracked;
    use tunelab::protocol::Drill;
    use tunelab::ui::state::{Run, WorkerStatus};

    let config = two_epochs_at_batch_8();
    let (state, link) = a_real_run(DevicePreference::Webgpu, 48, config).await;
    let (paused_at, checkpoint) = paused_in_the_second_epoch(state, link).await;
    let device = state.device.get_untracked().expect("the worker said which device");
    assert_eq!(device.backend, Backend::Webgpu, "this test needs WebGPU: {device:?}");
    link.send(Request::Drill { drill: Drill::LoseDevice });
    wait_until("the run, finished in a new worker", 900, || matches!(state.run.get_untracked(), Run::Finished { .. }))
        .await;
    let WorkerStatus::Crashed(message) = state.worker.get_untracked() else { panic!("no report of the loss") };
    console_log!("GPU lost after step {paused_at}: {message}");
    let plan = state.plan.get_untracked().expect("a plan");
    assert!(
        message.contains("GPU device was lost (destroyed") && message.contains(&format!("after step {checkpoint}")),
        "{message}"
    );
    each_step_once_in_two_epochs(state, plan.total_steps);
    let device = state.device.get_untracked().expect("the new worker's device");
    console_log!("the new worker trains on {device:?}");
}

#[wasm_bindgen_test]
async fn a_worker_out_of_memory_goes_on_from_its_checkpoint_at_half_the_batch() {
    use leptos::prelude::GetUntracked;
    use tunelab::protocol::Drill;
    use tunelab::ui::state::{Run, WorkerStatus};

    let config = two_epochs_at_batch_8();
    let (state, link) = a_real_run(DevicePreference::Cpu, 48, config).await;
    let (paused_at, checkpoint) = paused_in_the_second_epoch(state, link).await;
    let planned = state.plan.get_untracked().expect("a plan");
    link.send(Request::Drill { drill: Drill::OutOfMemory });
    wait_until("the run, finished in a new worker", 600, || matches!(state.run.get_untracked(), Run::Finished { .. }))
        .await;
    let WorkerStatus::Crashed(message) = state.worker.get_untracked() else { panic!("no report") };
    console_log!("out of memory after step {paused_at}: {message}");
    assert!(
        message.contains("out of memory at batch 8")
            && message.contains("batch 4 with 2× gradient accumulation")
            && message.contains(&format!("after step {checkpoint}")),
        "{message}"
    );
    let plan = state.plan.get_untracked().expect("the new worker's plan");
    assert_eq!((plan.config.batch_size, plan.config.grad_accumulation), (4, 2));
    assert_eq!(plan.total_steps, planned.total_steps, "the same optimizer steps: the effective batch is kept");
    each_step_once_in_two_epochs(state, plan.total_steps);
}

#[wasm_bindgen_test]
async fn a_batch_the_cpu_fallback_cannot_address_is_cut_and_the_page_says_so() {
    use leptos::prelude::{GetUntracked, WithUntracked};
    use tunelab::ui::state::Run;

    // The tiny model at batch 1,024 × length 512 would keep about 15 GB of activations, past
    // the wasm instance's 4 GiB; batch 128 (about 1.9 GB) fits, and batch 256 (3.8 GB) fits or
    // not by what the worker's heap already holds, so either is the largest divisor that fits.
    let config = TrainConfig { epochs: 1, batch_size: 1024, max_len: 512, ..TrainConfig::default() };
    let (state, _link) = a_real_run(DevicePreference::Cpu, 48, config).await;
    wait_until("the run", 600, || matches!(state.run.get_untracked(), Run::Finished { .. })).await;
    let plan = state.plan.get_untracked().expect("a plan");
    let (batch, accumulation) = (plan.config.batch_size, plan.config.grad_accumulation);
    assert!(matches!(batch, 128 | 256), "cut to the largest divisor that fits: {batch}");
    assert_eq!(batch * accumulation, 1024, "the effective batch stays 1,024");
    let memory = state.memory.get_untracked().expect("the run's estimate");
    assert!(memory.total() < 4 << 30, "{memory:?}");
    let notices = state.notices.with_untracked(|n| n.join("\n"));
    console_log!("{notices}");
    let cut = format!("batch {batch} with {accumulation}×");
    assert!(notices.contains("does not fit this device") && notices.contains(&cut), "{notices}");
}

/// The worker's heap (counted by its allocator) after each tenth of `rounds` requests from
/// `request`, sent a tenth at a time (the worker queues them and runs them in a row); fails when
/// a later tenth stands more than 10 % above the first.
async fn settles(worker: &mut WorkerProbe, what: &str, rounds: usize, request: impl Fn(usize) -> Request) {
    const SETTLED_MARGIN: f64 = 0.10;
    let tenth = rounds / 10;
    let mut heap = Vec::new();
    let mut linear = Vec::new();
    for part in 0..10 {
        for round in part * tenth..(part + 1) * tenth {
            worker.send(&request(round));
        }
        worker.send(&Request::Memory);
        let Event::Memory { heap_bytes, linear_bytes } =
            worker.wait_for("the worker's memory", 600, |e| matches!(e, Event::Memory { .. })).await
        else {
            unreachable!()
        };
        heap.push(heap_bytes as f64);
        linear.push(linear_bytes as f64);
    }
    let mb = |bytes: f64| bytes / f64::from(1 << 20);
    let settled = heap[0];
    let highest = heap.iter().copied().fold(0.0, f64::max);
    console_log!(
        "{what}: heap {:.2} MB after the first tenth, {:.2} MB at most after that, {:.2} MB at the end ({:+.2} %); \
         wasm memory {:.1} MB then {:.1} MB; every tenth (MB): {:.2?}",
        mb(settled),
        mb(highest),
        mb(heap[9]),
        (highest / settled - 1.0) * 100.0,
        mb(linear[0]),
        mb(linear[9]),
        heap.iter().map(|&b| mb(b)).collect::<Vec<_>>()
    );
    assert!(settled > 0.0, "{what}: the worker counted no heap at all (is its allocator the counting one?)");
    assert!(
        highest <= settled * (1.0 + SETTLED_MARGIN),
        "{what}: the worker's heap grew from {settled} to {highest} bytes, past {} %",
        SETTLED_MARGIN * 100.0
    );
}

#[wasm_bindgen_test]
async fn the_workers_heap_settles_under_a_thousand_try_its_and_fifty_dataset_switches() {
    let mut worker = WorkerProbe::spawn();
    worker.wait_for("ready", 120, |e| matches!(e, Event::Ready { .. })).await;
    worker.send(&Request::Init { device: DevicePreference::Cpu });
    worker.send(&Request::FetchModel { source: ModelSource::Folder { url: format!("{}/{TINY_MODEL}", server()) } });
    worker.wait_for("model", 300, |e| matches!(e, Event::ModelLoaded(_))).await;
    let sst2 = fetch_bytes("shared/data/sst2/dev.tsv").await;
    let wnut = fetch_bytes("shared/data/wnut17/train.conll").await;
    let dataset = |task: Task, name: &str, bytes: &[u8], limit: usize| {
        Request::LoadDataset(DatasetRequest {
            task,
            train: DataFile { name: name.into(), bytes: bytes.to_vec() },
            dev: None,
            text_column: None,
            label_column: None,
            limit: Some(limit),
            seed: 42,
        })
    };
    worker.send(&dataset(Task::Cls, "dev.tsv", &sst2, 64));
    worker.send(&Request::Train {
        config: TrainConfig {
            epochs: 1,
            batch_size: 8,
            learning_rate: 5e-4,
            warmup_ratio: 0.0,
            ..TrainConfig::default()
        },
    });
    worker.wait_for("the run's end", 600, |e| matches!(e, Event::TrainingFinished { .. })).await;

    let text = String::from_utf8(sst2.clone()).expect("SST-2 is UTF-8");
    let sentences: Vec<String> = text.lines().skip(1).filter_map(|l| l.split('\t').next()).map(String::from).collect();
    settles(&mut worker, "1,000 Try-its after training", 1000, |i| Request::Predict {
        text: sentences[i % sentences.len()].clone(),
    })
    .await;
    let answered = worker.events.borrow().iter().filter(|e| matches!(e, Event::Prediction { .. })).count();
    assert_eq!(answered, 1000, "every Try-it is answered");

    settles(&mut worker, "50 dataset switches", 50, |i| match i % 2 {
        0 => dataset(Task::Cls, "dev.tsv", &sst2, 2000),
        _ => dataset(Task::Ner, "train.conll", &wnut, 2000),
    })
    .await;
    let loaded = worker.events.borrow().iter().filter(|e| matches!(e, Event::DatasetLoaded(_))).count();
    assert_eq!(loaded, 51, "every dataset is loaded (the training set and 50 switches)");
}
