//! What the page knows, as signals, and how each worker event changes it. Components read these;
//! only [`State::apply`] and the components' own inputs write them.

use leptos::prelude::*;

use super::chosen::Chosen;
use crate::core::evaluate::EvalReport;
use crate::core::train::{EpochSummary, MemoryEstimate, StepProgress, TrainPlan};
use crate::i18n::Language;
use crate::protocol::{
    AdapterFiles, DatasetSummary, DeviceInfo, DownloadProgress, Event, ModelFiles, ModelSummary, OnnxFolder,
    Prediction, ProjectFile, RequestKind, Split,
};
use crate::share::{RunLink, SharedModel};

/// The training worker's life.
#[derive(Debug, Clone, PartialEq)]
pub enum WorkerStatus {
    Starting,
    Ready,
    /// It crashed; the message says what was lost and whether a new one was started.
    Crashed(String),
}

/// Something the worker is doing for one panel, or what came of it.
#[derive(Debug, Clone, PartialEq)]
pub enum Status<T> {
    Empty,
    Working,
    Done(T),
    Failed(String),
}

impl<T> Status<T> {
    pub fn done(&self) -> Option<&T> {
        match self {
            Status::Done(value) => Some(value),
            _ => None,
        }
    }

    pub fn is_working(&self) -> bool {
        matches!(self, Status::Working)
    }
}

/// Where a training run stands.
#[derive(Debug, Clone, PartialEq)]
pub enum Run {
    Idle,
    Running,
    Paused,
    Finished {
        steps: usize,
        seconds: f64,
        tokens_per_s: f64,
    },
    Stopped {
        step: usize,
    },
    EarlyStopped {
        epoch: usize,
        best_epoch: usize,
    },
    /// The loss blew up; the weights of the last good step are kept.
    Diverged {
        step: usize,
        loss: String,
        learning_rate: f64,
    },
    Failed(String),
}

impl Run {
    pub fn active(&self) -> bool {
        matches!(self, Run::Running | Run::Paused)
    }

    /// The run is over and its model is kept: finished, stopped by the user or early, or
    /// diverged (with the last good weights).
    pub fn ended(&self) -> bool {
        matches!(self, Run::Finished { .. } | Run::Stopped { .. } | Run::EarlyStopped { .. } | Run::Diverged { .. })
    }
}

/// The page's signals. `Copy`: every component takes it by value from the context.
#[derive(Clone, Copy)]
pub struct State {
    /// The language every text on the page is in (the switch in the header).
    pub language: RwSignal<Language>,
    pub worker: RwSignal<WorkerStatus>,
    pub device: RwSignal<Option<DeviceInfo>>,
    /// A warning from the device choice (WebGPU asked for but unavailable).
    pub device_note: RwSignal<Option<String>>,
    pub downloads: RwSignal<Vec<DownloadProgress>>,
    pub model: RwSignal<Status<ModelSummary>>,
    pub dataset: RwSignal<Status<DatasetSummary>>,
    pub run: RwSignal<Run>,
    pub plan: RwSignal<Option<TrainPlan>>,
    pub truncated: RwSignal<usize>,
    /// (parameters a step updates, all parameters) of the run on the page.
    pub trainable: RwSignal<Option<(usize, usize)>>,
    /// The device memory the run needs at its batch, as the worker planned it.
    pub memory: RwSignal<Option<MemoryEstimate>>,
    pub steps: RwSignal<Vec<StepProgress>>,
    pub epochs: RwSignal<Vec<EpochSummary>>,
    pub prediction: RwSignal<Status<(String, Prediction)>>,
    /// The held-out test split, scored once after a run ends.
    pub test_report: RwSignal<Status<EvalReport>>,
    pub export: RwSignal<Status<(ModelFiles, Option<AdapterFiles>)>>,
    /// The run as a Python project, on its way to a download.
    pub project: RwSignal<Status<Vec<ProjectFile>>>,
    /// The model as ONNX for Transformers.js, on its way to a download.
    pub onnx: RwSignal<Status<OnnxFolder>>,
    /// The latest checkpoint the worker sent: (steps done, epoch it goes on with). The page
    /// link keeps its bytes for a worker that crashes.
    pub checkpoint: RwSignal<Option<(usize, usize)>>,
    /// A new worker is going on from this checkpoint: the curves keep what came before it.
    pub resuming: RwSignal<Option<(usize, usize)>>,
    /// The trained model's files on their way into the browser's storage (`kept_models.rs`).
    pub to_keep: RwSignal<Status<ModelFiles>>,
    /// Errors that belong to no panel.
    pub notices: RwSignal<Vec<String>>,
    /// Wall-clock milliseconds, ticking every second, so times shown move between events.
    pub clock: RwSignal<f64>,
    /// When the last progress event arrived, and when the run was started (ms).
    pub step_seen_at: RwSignal<f64>,
    pub run_started_at: RwSignal<f64>,
    /// The model a share link names: the default, or the Hub id last loaded.
    pub shared_model: RwSignal<SharedModel>,
    /// What the link the page was opened with set up, in words.
    pub opened_link: RwSignal<Option<String>>,
    /// The lesson the page is in: the link or file that carried it (its `lesson` is set).
    pub lesson: RwSignal<Option<RunLink>>,
    /// The student has made a result card of this run.
    pub handed_in: RwSignal<bool>,
    /// Data that arrived after the panels started (a link's data fetched from a URL): the data
    /// panel takes it as if chosen.
    pub incoming: RwSignal<Option<Chosen>>,
    /// Apply the small-data suggestion once the next dataset is read (a built-in sample).
    pub advise_on_load: RwSignal<bool>,
}

impl State {
    pub fn new() -> Self {
        Self {
            language: RwSignal::new(Language::English),
            worker: RwSignal::new(WorkerStatus::Starting),
            device: RwSignal::new(None),
            device_note: RwSignal::new(None),
            downloads: RwSignal::new(Vec::new()),
            model: RwSignal::new(Status::Empty),
            dataset: RwSignal::new(Status::Empty),
            run: RwSignal::new(Run::Idle),
            plan: RwSignal::new(None),
            truncated: RwSignal::new(0),
            trainable: RwSignal::new(None),
            memory: RwSignal::new(None),
            steps: RwSignal::new(Vec::new()),
            epochs: RwSignal::new(Vec::new()),
            prediction: RwSignal::new(Status::Empty),
            test_report: RwSignal::new(Status::Empty),
            to_keep: RwSignal::new(Status::Empty),
            checkpoint: RwSignal::new(None),
            resuming: RwSignal::new(None),
            export: RwSignal::new(Status::Empty),
            project: RwSignal::new(Status::Empty),
            onnx: RwSignal::new(Status::Empty),
            notices: RwSignal::new(Vec::new()),
            clock: RwSignal::new(now()),
            step_seen_at: RwSignal::new(0.0),
            run_started_at: RwSignal::new(0.0),
            shared_model: RwSignal::new(SharedModel::Default),
            opened_link: RwSignal::new(None),
            lesson: RwSignal::new(None),
            handed_in: RwSignal::new(false),
            incoming: RwSignal::new(None),
            advise_on_load: RwSignal::new(false),
        }
    }

    /// The page's language, tracked: a text worded with it follows the switch.
    pub fn lang(&self) -> Language {
        self.language.get()
    }

    /// Seconds between `since` (ms) and the clock's last tick.
    pub fn seconds_since(&self, since: f64) -> f64 {
        ((self.clock.get() - since) / 1000.0).max(0.0)
    }

    /// Forgets a previous run's curves and results (a new run, new data or a new model).
    pub fn clear_run(&self) {
        self.run.set(Run::Idle);
        self.plan.set(None);
        self.steps.set(Vec::new());
        self.epochs.set(Vec::new());
        self.prediction.set(Status::Empty);
        self.export.set(Status::Empty);
        self.handed_in.set(false);
    }

    /// The trained model is ready for predictions and export.
    pub fn trained(&self) -> bool {
        self.run.get().ended() || self.model.with(|m| m.done().is_some_and(|m| m.task.is_some()))
    }

    pub fn apply(&self, event: Event) {
        match event {
            Event::Ready { .. } => {
                if self.worker.get_untracked() == WorkerStatus::Starting {
                    self.worker.set(WorkerStatus::Ready);
                }
            }
            Event::Device(info) => self.device.set(Some(info)),
            Event::Download(progress) => {
                self.downloads.update(|all| match all.iter_mut().find(|p| p.file == progress.file) {
                    Some(slot) => *slot = progress,
                    None => all.push(progress),
                })
            }
            Event::ModelLoaded(summary) => self.model.set(Status::Done(summary)),
            Event::DatasetLoaded(summary) => self.dataset.set(Status::Done(summary)),
            Event::TrainingStarted { plan, truncated_examples, parameters, trainable_parameters, memory } => {
                self.test_report.set(Status::Empty);
                self.trainable.set(Some((trainable_parameters, parameters)));
                self.memory.set(memory);
                match self.resuming.get_untracked() {
                    Some((step, epoch)) => {
                        self.steps.update(|s| s.retain(|p| p.step <= step));
                        self.epochs.update(|e| e.retain(|s| s.epoch < epoch));
                        self.resuming.set(None);
                    }
                    None => {
                        self.steps.set(Vec::new());
                        self.epochs.set(Vec::new());
                        self.checkpoint.set(None);
                    }
                }
                self.plan.set(Some(plan));
                self.truncated.set(truncated_examples);
                self.run.set(Run::Running);
            }
            Event::Progress(step) => {
                self.step_seen_at.set(now());
                self.steps.update(|s| s.push(step));
            }
            Event::Epoch(summary) => self.epochs.update(|e| e.push(summary)),
            Event::Paused { .. } => self.run.set(Run::Paused),
            Event::Resumed { .. } => self.run.set(Run::Running),
            Event::EarlyStopped { epoch, best_epoch, .. } => self.run.set(Run::EarlyStopped { epoch, best_epoch }),
            Event::Stopped { step } => self.run.set(Run::Stopped { step }),
            Event::Diverged { step, loss, learning_rate } => self.run.set(Run::Diverged { step, loss, learning_rate }),
            Event::TrainingFinished { steps, train_seconds, train_tokens_per_s } => {
                if !matches!(self.run.get_untracked(), Run::EarlyStopped { .. }) {
                    self.run.set(Run::Finished { steps, seconds: train_seconds, tokens_per_s: train_tokens_per_s });
                }
            }
            Event::Prediction { text, prediction } => self.prediction.set(Status::Done((text, prediction))),
            Event::Evaluation { split: Split::Test, report } => self.test_report.set(Status::Done(report)),
            // The page asks for the test split only; the dev set is scored every epoch.
            Event::Evaluation { split: Split::Dev, .. } => {}
            Event::Exported { files, adapter } => self.export.set(Status::Done((files, adapter))),
            Event::Graduated { files } => self.project.set(Status::Done(files)),
            Event::ExportedOnnx { folder } => self.onnx.set(Status::Done(folder)),
            Event::ToKeep { files } => self.to_keep.set(Status::Done(files)),
            Event::Checkpoint { step, epoch, .. } => self.checkpoint.set(Some((step, epoch))),
            Event::Error { request, message } => self.fail(request, message),
            // The worker link answers it: a new worker, going on from the checkpoint.
            Event::DeviceLost { .. } => {}
            // The worker link answers it: a new worker, at a smaller batch.
            Event::OutOfMemory { .. } => {}
            // Asked for by the load checks; the page shows no figure of its own.
            Event::Memory { .. } => {}
        }
    }

    /// Puts an error next to the panel whose request failed.
    fn fail(&self, request: RequestKind, message: String) {
        match request {
            RequestKind::Init => self.device_note.set(Some(message)),
            RequestKind::FetchModel | RequestKind::LoadModel => self.model.set(Status::Failed(message)),
            RequestKind::LoadDataset => self.dataset.set(Status::Failed(message)),
            RequestKind::Train => self.run.set(Run::Failed(message)),
            RequestKind::Predict => self.prediction.set(Status::Failed(message)),
            RequestKind::Export => self.export.set(Status::Failed(message)),
            RequestKind::Keep => self.to_keep.set(Status::Failed(message)),
            RequestKind::Graduate => self.project.set(Status::Failed(message)),
            RequestKind::ExportOnnx => self.onnx.set(Status::Failed(message)),
            RequestKind::Evaluate => self.test_report.set(Status::Failed(message)),
            RequestKind::Pause
            | RequestKind::Resume
            | RequestKind::Stop
            | RequestKind::Drill
            | RequestKind::Memory
            | RequestKind::Worker
            | RequestKind::Unknown => self.notices.update(|n| n.push(message)),
        }
    }
}

/// The page's state, from the context `App` provides.
pub fn use_state() -> State {
    expect_context::<State>()
}

/// A catalogue text without placeholders that follows the page's language, for a view's
/// text or an attribute: `{t("train.title")}`.
pub fn t(key: &'static str) -> impl Fn() -> String + Copy + Send + Sync + 'static {
    let language = use_state().language;
    move || crate::i18n::text(language.get(), key, &[])
}

/// Milliseconds since the epoch, from the browser's clock.
pub fn now() -> f64 {
    js_sys::Date::now()
}

impl Default for State {
    fn default() -> Self {
        Self::new()
    }
}
