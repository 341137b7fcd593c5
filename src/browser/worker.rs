//! The training worker's body: takes protocol requests from the page, runs them on a
//! [`Session`] one at a time, and posts events back. Pause, resume and stop bypass the queue so
//! that they reach a running training loop between two steps.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::rc::Rc;

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{DedicatedWorkerGlobalScope, MessageEvent};

use super::control::TrainingControl;
use super::fetch::fetch_model;
use super::gpu::{choose, cpu, destroy_device, on_lost, ChosenDevice, LostDevice};
use super::message::{from_js, to_js, transferables};
use super::session::Session;
use crate::core::heap;
use crate::core::train::is_allocation_failure;
use crate::protocol::{DevicePreference, Drill, Event, Request, RequestKind};

/// Installs the message handler and says `ready`. Called from the worker binary's `main`.
pub fn run() {
    install_panic_hook();
    on_lost(|LostDevice { reason, message }| post(&Event::DeviceLost { reason, message }));
    let worker = Rc::new(Worker::default());
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |message: MessageEvent| {
        worker.receive(message.data());
    });
    scope().set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    // The handler lives as long as the worker.
    on_message.forget();
    post(&Event::Ready { version: env!("CARGO_PKG_VERSION").into() });
}

fn scope() -> DedicatedWorkerGlobalScope {
    js_sys::global().unchecked_into()
}

/// Posts an event to the page, transferring its byte buffers.
pub fn post(event: &Event) {
    let value = match to_js(event) {
        Ok(value) => value,
        Err(message) => match to_js(&Event::error(RequestKind::Worker, message)) {
            Ok(value) => value,
            Err(_) => return,
        },
    };
    let sent = if event.carries_bytes() {
        scope().post_message_with_transfer(&value, &transferables(&value))
    } else {
        scope().post_message(&value)
    };
    if let Err(e) = sent {
        web_sys::console::error_2(&"tunelab worker: postMessage failed".into(), &e);
    }
}

/// A panic kills the wasm instance; the page hears why before the worker goes silent.
fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        console_error_panic_hook::hook(info);
        // What happens next (a new worker, or a reload) is the page's to say.
        let text = info.to_string();
        post(&match is_allocation_failure(&text) {
            true => Event::OutOfMemory { message: text },
            false => Event::error(RequestKind::Worker, format!("the training worker crashed ({text})")),
        });
    }));
}

/// The crash drill: a panic, which the hook reports and which ends this wasm instance, as a
/// real one does.
#[allow(clippy::panic)]
fn crash() {
    panic!("a crash drill: the page asked this worker to crash")
}

/// The out-of-memory drill: the panic cubecl's uncaptured-error handler raises when wgpu
/// reports a failed allocation, with its text (a real one cannot be caused on purpose without
/// exhausting the machine).
#[allow(clippy::panic)]
fn run_out_of_memory() {
    panic!("an out-of-memory drill: wgpu error: Out of Memory")
}

#[derive(Default)]
struct Worker {
    queue: RefCell<VecDeque<Request>>,
    busy: Cell<bool>,
    control: TrainingControl,
    session: RefCell<Option<Session>>,
}

impl Worker {
    fn receive(self: &Rc<Self>, data: JsValue) {
        let request: Request = match from_js(data) {
            Ok(request) => request,
            Err(e) => {
                return post(&Event::error(RequestKind::Unknown, format!("the worker could not read a request: {e}")))
            }
        };
        match request {
            Request::Pause => self.control.pause(),
            Request::Resume => self.control.resume(),
            Request::Stop => {
                self.control.resume();
                self.control.stop();
            }
            Request::Drill { drill: Drill::LoseDevice } => {
                if let Err(message) = destroy_device() {
                    post(&Event::error(RequestKind::Drill, message));
                }
            }
            Request::Drill { drill: Drill::Crash } => crash(),
            Request::Drill { drill: Drill::OutOfMemory } => run_out_of_memory(),
            request => {
                self.queue.borrow_mut().push_back(request);
                if !self.busy.replace(true) {
                    let worker = Rc::clone(self);
                    wasm_bindgen_futures::spawn_local(async move { worker.drain().await });
                }
            }
        }
    }

    async fn drain(self: Rc<Self>) {
        loop {
            let next = self.queue.borrow_mut().pop_front();
            let Some(request) = next else { break };
            let kind = request.kind();
            if let Err(message) = self.handle(request).await {
                post(&Event::error(kind, message));
            }
        }
        self.busy.set(false);
    }

    /// The session, created on the default device the first time one is needed.
    async fn session(&self) -> std::cell::RefMut<'_, Session> {
        if self.session.borrow().is_none() {
            let chosen = self.device(DevicePreference::Auto).await;
            *self.session.borrow_mut() = Some(chosen.session());
        }
        std::cell::RefMut::map(self.session.borrow_mut(), |s| s.as_mut().expect("created above"))
    }

    async fn device(&self, preference: DevicePreference) -> ChosenDevice {
        let chosen = match choose(preference).await {
            Ok(chosen) => chosen,
            Err(reason) => {
                post(&Event::error(
                    RequestKind::Init,
                    format!("WebGPU is not available: {reason}; training uses the CPU"),
                ));
                cpu(Some(reason))
            }
        };
        post(&Event::Device(chosen.info.clone()));
        chosen
    }

    async fn handle(&self, request: Request) -> Result<(), String> {
        match request {
            Request::Init { device } => {
                let chosen = self.device(device).await;
                let mut session = self.session.borrow_mut();
                match session.as_mut() {
                    Some(session) => {
                        session.set_device(chosen.device, chosen.max_binding);
                        session.set_address_space(chosen.address_space);
                    }
                    None => *session = Some(chosen.session()),
                }
            }
            Request::FetchModel { source } => {
                let files =
                    fetch_model(&source, &mut |p| post(&Event::Download(p))).await.map_err(|e| e.to_string())?;
                let summary = self.session().await.load_model(files).map_err(|e| e.to_string())?;
                post(&Event::ModelLoaded(summary));
            }
            Request::LoadModel { files } => {
                let summary = self.session().await.load_model(files).map_err(|e| e.to_string())?;
                post(&Event::ModelLoaded(summary));
            }
            Request::LoadDataset(dataset) => {
                let summary = self.session().await.load_dataset(dataset).map_err(|e| e.to_string())?;
                post(&Event::DatasetLoaded(summary));
            }
            Request::Train { config } => {
                let mut run = self.control.for_run(Rc::new(|e| post(&e))).with_checkpoints();
                let mut session = self.session().await;
                session.train(config, &mut run, &mut |e| post(&e)).await.map_err(|e| e.to_string())?;
            }
            Request::TrainFrom { config, checkpoint } => {
                let mut run = self.control.for_run(Rc::new(|e| post(&e))).with_checkpoints();
                let mut session = self.session().await;
                session.resume(config, &checkpoint, &mut run, &mut |e| post(&e)).await.map_err(|e| e.to_string())?;
            }
            Request::Predict { text } => {
                let prediction = self.session().await.predict(&text).await.map_err(|e| e.to_string())?;
                post(&Event::Prediction { text, prediction });
            }
            Request::Evaluate { split } => {
                let report = self.session().await.evaluate(split).await.map_err(|e| e.to_string())?;
                post(&Event::Evaluation { split, report });
            }
            Request::Export { base_model } => {
                let session = self.session().await;
                let files = session.export().await.map_err(|e| e.to_string())?;
                let adapter = session.export_adapter(Some(&base_model)).await.map_err(|e| e.to_string())?;
                post(&Event::Exported { files, adapter });
            }
            Request::ExportOnnx => {
                let folder = self.session().await.export_onnx().await.map_err(|e| e.to_string())?;
                post(&Event::ExportedOnnx { folder });
            }
            Request::Graduate { base_model, language } => {
                let files = self.session().await.graduate(&base_model, language).await.map_err(|e| e.to_string())?;
                post(&Event::Graduated { files });
            }
            Request::Keep => {
                let files = self.session().await.export().await.map_err(|e| e.to_string())?;
                post(&Event::ToKeep { files });
            }
            Request::Memory => post(&Event::Memory {
                heap_bytes: heap::live_bytes() as u64,
                linear_bytes: (core::arch::wasm32::memory_size(0) * WASM_PAGE) as u64,
            }),
            Request::Pause | Request::Resume | Request::Stop | Request::Drill { .. } => {}
        }
        Ok(())
    }
}

/// The size of a wasm memory page, the unit `memory.size` counts in.
const WASM_PAGE: usize = 64 << 10;
