//! The worker's session (what each protocol request does), driven natively on the CPU.

use burn::prelude::*;
use pollster::block_on;
use tunelab::browser::session::{Session, SessionError};
use tunelab::core::data::Examples;
use tunelab::core::evaluate::Predictions;
use tunelab::core::model::Task;
use tunelab::core::task_model::{LoadOptions, TaskModel};
use tunelab::core::train::{Control, Flow, RunToEnd, TrainConfig};
use tunelab::protocol::{DataFile, DatasetRequest, Event, Prediction, Split, PREVIEW_LIMIT, REVIEW_LIMIT};

use crate::support::{model_files, shared};

fn session() -> Session {
    let mut session = Session::new(Device::flex(), None);
    session.load_model(model_files()).expect("default model loads");
    session
}

fn wnut(limit: usize) -> DatasetRequest {
    let bytes = std::fs::read(shared("data/wnut17/train.conll")).expect("wnut17");
    DatasetRequest {
        task: Task::Ner,
        train: DataFile { name: "train.conll".into(), bytes },
        dev: None,
        text_column: None,
        label_column: None,
        limit: Some(limit),
        seed: 42,
    }
}

fn small_run() -> TrainConfig {
    TrainConfig { epochs: 1, batch_size: 8, learning_rate: 5e-4, warmup_ratio: 0.0, ..TrainConfig::default() }
}

#[test]
fn a_base_model_reports_the_encoders_parameters_and_waits_for_a_task() {
    let mut session = Session::new(Device::flex(), None);
    let summary = session.load_model(model_files()).expect("load");
    assert_eq!(summary.task, None);
    assert!(summary.labels.is_empty());
    assert_eq!((summary.hidden_size, summary.layers, summary.vocab_size), (384, 6, 30522));
    // The count from the config alone equals the loaded model's, less its 2-label head.
    let options = LoadOptions {
        task: Task::Cls,
        labels: Some(vec!["a".into(), "b".into()]),
        max_len: 128,
        dropout: None,
        seed: 0,
    };
    let model = TaskModel::load(&model_files(), &options, &Device::flex()).expect("task model");
    assert_eq!(summary.parameters, model.num_params() - (384 * 2 + 2));
    assert!(matches!(block_on(session.predict("hello")), Err(SessionError::NotTrained)));
}

#[test]
fn a_refused_config_and_a_device_too_small_are_named() {
    let mut files = model_files();
    files.config_json = br#"{"model_type": "gpt2", "vocab_size": 50257}"#.to_vec();
    let err = Session::new(Device::flex(), None).load_model(files).expect_err("gpt2 refused").to_string();
    assert!(err.contains("gpt2"), "{err}");
    let err = Session::new(Device::flex(), Some(16 << 20)).load_model(model_files()).expect_err("too big").to_string();
    assert!(err.contains("46.9 MB") && err.contains("16.8 MB"), "{err}");
    let mut files = model_files();
    files.model_safetensors.truncate(100);
    let err = Session::new(Device::flex(), None).load_model(files).expect_err("cut weights").to_string();
    assert!(err.contains("model.safetensors"), "{err}");
}

#[test]
fn a_dataset_is_split_and_its_problems_named_by_file() {
    let mut session = session();
    let summary = session.load_dataset(wnut(40)).expect("dataset");
    assert!(summary.split);
    assert_eq!(summary.n_train + summary.n_dev + summary.n_test, 40);
    assert!(summary.n_dev > 0 && summary.n_test > 0);
    assert_eq!(summary.labels[0], "O");
    assert!(summary.labels.iter().skip(1).all(|l| l.starts_with("B-") || l.starts_with("I-")));
    let Examples::Ner(preview) = &summary.preview else { panic!("an NER preview") };
    assert_eq!(preview.len(), summary.n_train.min(PREVIEW_LIMIT));
    assert!(preview.iter().all(|e| e.tokens.len() == e.tags.len() && e.line > 0));
    assert_eq!(summary.dev_sample.as_ref().map(Examples::len), Some(summary.n_dev.min(REVIEW_LIMIT)));

    let empty = DatasetRequest { train: DataFile { name: "empty.conll".into(), bytes: Vec::new() }, ..wnut(10) };
    let err = session.load_dataset(empty).expect_err("empty file").to_string();
    assert!(err.starts_with("empty.conll:"), "{err}");
    let csv =
        DatasetRequest { train: DataFile { name: "x.csv".into(), bytes: b"text,label\na,1\n".to_vec() }, ..wnut(10) };
    let err = session.load_dataset(csv).expect_err("csv for ner").to_string();
    assert!(err.contains("x.csv"), "{err}");
}

#[test]
fn training_reports_each_step_then_predicts_evaluates_and_exports() {
    let mut session = session();
    let data = session.load_dataset(wnut(20)).expect("dataset");
    let mut events = Vec::new();
    block_on(session.train(small_run(), &mut RunToEnd, &mut |e| events.push(e))).expect("train");
    let steps: Vec<f32> =
        events.iter().filter_map(|e| if let Event::Progress(p) = e { Some(p.loss) } else { None }).collect();
    let expected_steps = data.n_train.div_ceil(8);
    assert_eq!(steps.len(), expected_steps, "{} training sentences at batch 8: {events:?}", data.n_train);
    assert!(steps.iter().all(|l| l.is_finite()));
    assert!(
        matches!(events.first(), Some(Event::TrainingStarted { parameters, trainable_parameters, .. })
            if *parameters > 22_000_000 && trainable_parameters == parameters),
        "a run with nothing frozen trains every parameter: {:?}",
        events.first()
    );
    assert!(matches!(events.last(), Some(Event::TrainingFinished { steps, .. }) if *steps == expected_steps));
    assert!(events.iter().any(|e| matches!(e, Event::Epoch(s) if s.dev.is_some())));
    // Each epoch carries a prediction per reviewed dev sentence, a tag per word.
    let Some(Examples::Ner(dev)) = &data.dev_sample else { panic!("a dev sample") };
    for event in &events {
        if let Event::Epoch(epoch) = event {
            let Some(Predictions::Ner(predicted)) = &epoch.dev_predictions else { panic!("NER dev predictions") };
            assert_eq!(predicted.len(), dev.len());
            assert!(predicted.iter().zip(dev).all(|(p, g)| p.len() == g.tokens.len()));
        }
    }

    let text = "Tomorrow I fly from New York to 東京 with Anna 🙂";
    let Prediction::Ner { words, entities } = block_on(session.predict(text)).expect("predict") else {
        panic!("an NER model predicts tags")
    };
    let chars: Vec<char> = text.chars().collect();
    assert_eq!(words.iter().map(|w| w.text.as_str()).collect::<Vec<_>>().join(""), text.replace(' ', ""));
    for w in &words {
        assert_eq!(chars[w.start..w.end].iter().collect::<String>(), w.text, "offsets are code points");
        assert!((0.0..=1.0).contains(&w.probability));
    }
    for e in &entities {
        assert_eq!(chars[e.start..e.end].iter().collect::<String>(), e.text);
    }
    let report = block_on(session.evaluate(Split::Test)).expect("test split scored");
    assert!((0.0..=1.0).contains(&report.headline()));

    let exported = block_on(session.export()).expect("export");
    let mut reloaded = Session::new(Device::flex(), None);
    let summary = reloaded.load_model(exported).expect("the export loads back");
    assert_eq!(summary.task, Some(Task::Ner));
    let Prediction::Ner { words: again, .. } = block_on(reloaded.predict(text)).expect("predict") else { panic!() };
    assert_eq!(again.iter().map(|w| &w.tag).collect::<Vec<_>>(), words.iter().map(|w| &w.tag).collect::<Vec<_>>());
}

/// Stops after the first step, as a page's Stop message does.
struct StopAfterOne;

impl Control for StopAfterOne {
    async fn between_steps(&mut self) -> Flow {
        Flow::Stop
    }
}

#[test]
fn a_stopped_run_keeps_its_model_and_says_where_it_stopped() {
    let mut session = session();
    let cls = b"sentence\tlabel\ngreat film\t1\nawful plot\t0\nloved it\t1\nboring\t0\nfine acting\t1\nbad\t0\n";
    let request = DatasetRequest {
        task: Task::Cls,
        train: DataFile { name: "reviews.tsv".into(), bytes: cls.to_vec() },
        dev: Some(DataFile { name: "dev.tsv".into(), bytes: cls.to_vec() }),
        ..wnut(0)
    };
    let request = DatasetRequest { limit: None, ..request };
    let summary = session.load_dataset(request).expect("dataset");
    assert_eq!((summary.n_train, summary.n_dev, summary.split), (6, 6, false));
    let mut events = Vec::new();
    let config = TrainConfig { batch_size: 2, ..small_run() };
    block_on(session.train(config, &mut StopAfterOne, &mut |e| events.push(e))).expect("train");
    assert!(matches!(events.last(), Some(Event::Stopped { step: 1 })), "{events:?}");
    let Prediction::Cls { labels, probabilities, label } = block_on(session.predict("what a film")).expect("predict")
    else {
        panic!("a classifier predicts classes")
    };
    assert_eq!(labels, vec!["0".to_string(), "1".to_string()]);
    assert!((probabilities.iter().sum::<f32>() - 1.0).abs() < 1e-5);
    assert!(labels.contains(&label));
}

#[test]
fn a_batch_whose_buffers_the_gpu_cannot_bind_is_cut_and_the_plan_says_so() {
    // 64 MiB per binding: the word embeddings (47 MB) fit, but at length 512 batch 16's
    // attention scores (16 × 12 heads × 512² × 4 bytes = 201 MB) do not; batch 4's (50 MB) do.
    let mut session = Session::new(Device::flex(), Some(64 << 20));
    session.load_model(model_files()).expect("the model fits the binding");
    let cls = b"sentence\tlabel\ngreat film\t1\nawful plot\t0\nloved it\t1\nboring\t0\n";
    let request = DatasetRequest {
        task: Task::Cls,
        train: DataFile { name: "reviews.tsv".into(), bytes: cls.to_vec() },
        dev: Some(DataFile { name: "dev.tsv".into(), bytes: cls.to_vec() }),
        limit: None,
        ..wnut(0)
    };
    session.load_dataset(request).expect("dataset");
    let mut events = Vec::new();
    let config = TrainConfig { batch_size: 16, grad_accumulation: 2, max_len: 512, ..small_run() };
    block_on(session.train(config, &mut StopAfterOne, &mut |e| events.push(e))).expect("train");
    let plan = events
        .iter()
        .find_map(|e| if let Event::TrainingStarted { plan, .. } = e { Some(plan.clone()) } else { None })
        .expect("the run started");
    assert_eq!((plan.config.batch_size, plan.config.grad_accumulation), (4, 8), "the effective batch stays 32");
}

#[test]
fn a_batch_that_does_not_fit_the_address_space_is_cut_and_the_estimate_sent() {
    let mut session = session();
    session.load_dataset(wnut(64)).expect("dataset");
    // 900 MB to address (as a wasm32 worker has 4 GiB): batch 16 × 128 needs about 945 MB on
    // the CPU (`memory_plan`, with Tunelab's own passes), batch 8 about 700, under 90 % of the room.
    session.set_address_space(Some(900_000_000));
    let mut events = Vec::new();
    let config = TrainConfig { batch_size: 16, ..small_run() };
    block_on(session.train(config.clone(), &mut StopAfterOne, &mut |e| events.push(e))).expect("train");
    let Some(Event::TrainingStarted { plan, memory: Some(memory), .. }) = events.first() else {
        panic!("the run starts with its estimate: {:?}", events.first())
    };
    assert_eq!((plan.config.batch_size, plan.config.grad_accumulation), (8, 2));
    assert!(memory.total() <= 810_000_000, "{memory:?}");
    session.set_address_space(Some(300_000_000));
    let err = block_on(session.train(config, &mut StopAfterOne, &mut |_| {})).expect_err("no room").to_string();
    assert!(err.contains("even batch 1 at length 128") && err.contains("lower the maximum length"), "{err}");
}

/// Checkpoints after step 2 and stops there, as a worker that crashes.
struct CrashAfterTwo(Option<Vec<u8>>);

impl Control for CrashAfterTwo {
    async fn between_steps(&mut self) -> Flow {
        if self.0.is_some() {
            Flow::Stop
        } else {
            Flow::Continue
        }
    }

    fn wants_checkpoint(&mut self, step: usize, _epoch_end: bool) -> bool {
        step == 2
    }

    fn checkpoint(&mut self, checkpoint: tunelab::core::train::Checkpoint) {
        self.0 = Some(checkpoint.to_bytes().expect("a checkpoint's bytes"));
    }
}

#[test]
fn a_new_session_goes_on_from_a_checkpoints_bytes_without_a_model_loaded() {
    let config = TrainConfig { epochs: 1, batch_size: 8, warmup_ratio: 0.0, ..TrainConfig::default() };
    let mut crashed = session();
    crashed.load_dataset(wnut(32)).expect("dataset");
    let mut control = CrashAfterTwo(None);
    block_on(crashed.train(config.clone(), &mut control, &mut |_| {})).expect("train");
    let bytes = control.0.expect("a checkpoint");

    let mut fresh = Session::new(Device::flex(), None);
    fresh.load_dataset(wnut(32)).expect("the same dataset");
    let mut events = Vec::new();
    block_on(fresh.resume(config.clone(), &bytes, &mut RunToEnd, &mut |e| events.push(e))).expect("resume");
    let steps: Vec<usize> =
        events.iter().filter_map(|e| if let Event::Progress(p) = e { Some(p.step) } else { None }).collect();
    // 32 examples, a quarter held out for dev and test: 26 to train on, 4 steps of 8.
    assert_eq!(steps, [3, 4], "only the steps after the checkpoint are done again");
    assert!(matches!(events.last(), Some(Event::TrainingFinished { steps: 4, .. })), "{:?}", events.last());
    assert!(block_on(fresh.predict("Obama visited London")).is_ok(), "the resumed model answers");
    let err = block_on(fresh.resume(TrainConfig::default(), &bytes[..100], &mut RunToEnd, &mut |_| {}))
        .expect_err("a cut checkpoint");
    assert!(err.to_string().contains("damaged"), "{err}");
    fresh.load_dataset(wnut(40)).expect("other data");
    let err = block_on(fresh.resume(config, &bytes, &mut RunToEnd, &mut |_| {})).expect_err("other data");
    assert!(err.to_string().contains("taken on 26 training examples, and this dataset has 30"), "{err}");
}
