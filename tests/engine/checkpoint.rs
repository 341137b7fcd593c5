//! A run stopped at a checkpoint and resumed in a fresh model ends exactly as one that never
//! stopped (CPU device, same seed): the worker's crash or a lost GPU costs only the steps since.

use burn::prelude::*;
use pollster::block_on;
use tunelab::core::data::{parse_ner, Examples};
use tunelab::core::model::Task;
use tunelab::core::task_model::{LoadOptions, ModelFiles, TaskModel};
use tunelab::core::train::{
    label_list, resume, train, Checkpoint, Control, EpochPlace, Flow, RunToEnd, TrainConfig, TrainEvent, TrainOutcome,
};

use crate::support::{model_files, read_f32, shared};

fn wnut(skip: usize, n: usize) -> Examples {
    let bytes = std::fs::read(shared("data/wnut17/train.conll")).expect("wnut17");
    Examples::Ner(parse_ner(&bytes, "train.conll").value.examples.into_iter().skip(skip).take(n).collect())
}

fn load(files: &ModelFiles, labels: Vec<String>) -> TaskModel {
    let options = LoadOptions { task: Task::Ner, labels: Some(labels), max_len: 32, dropout: Some(0.1), seed: 42 };
    TaskModel::load(files, &options, &Device::flex().autodiff()).expect("load")
}

/// Takes a checkpoint when asked to (after `at_step`, or at an epoch's end), then stops the run
/// as a crash would.
struct CrashAfter {
    at_step: Option<usize>,
    at_epoch_end: bool,
    taken: Option<Checkpoint>,
}

impl Control for CrashAfter {
    async fn between_steps(&mut self) -> Flow {
        if self.taken.is_some() {
            Flow::Stop
        } else {
            Flow::Continue
        }
    }

    fn wants_checkpoint(&mut self, step: usize, epoch_end: bool) -> bool {
        self.taken.is_none() && (Some(step) == self.at_step || (epoch_end && self.at_epoch_end))
    }

    fn checkpoint(&mut self, checkpoint: Checkpoint) {
        self.taken = Some(checkpoint);
    }
}

/// What must come out the same: every epoch's loss and dev scores, and the final weights.
fn fingerprint(outcome: &TrainOutcome, model: &TaskModel) -> (Vec<String>, Vec<f32>, Vec<f32>) {
    let epochs = outcome.epochs.iter().map(|e| format!("{} {} {:?}", e.epoch, e.train_loss, e.dev)).collect();
    let head = read_f32(model.model.classifier.weight.val());
    let query = &model.model.bert.layers[2].attention.query;
    let mut weights = read_f32(query.linear.weight.val());
    if let Some(lora) = &query.lora {
        weights.extend(read_f32(lora.down.val()));
        weights.extend(read_f32(lora.up.val()));
    }
    (epochs, head, weights)
}

fn plan_and_data(
    early_stopping: Option<usize>,
    lora_rank: Option<usize>,
) -> (tunelab::core::train::TrainPlan, Examples, Examples) {
    let (train_set, dev) = (wnut(0, 40), wnut(40, 16));
    let config = TrainConfig {
        epochs: 3,
        batch_size: 8,
        grad_accumulation: 1,
        max_len: 32,
        learning_rate: 5e-4,
        early_stopping_patience: early_stopping,
        lora_rank,
        ..TrainConfig::default()
    };
    (config.plan(train_set.len()).expect("plan"), train_set, dev)
}

fn resumed_equals_uninterrupted(
    at_step: Option<usize>,
    at_epoch_end: bool,
    early_stopping: Option<usize>,
    lora_rank: Option<usize>,
) {
    let (plan, train_set, dev) = plan_and_data(early_stopping, lora_rank);
    let labels = label_list(&train_set);

    let mut whole = load(&model_files(), labels.clone());
    let uninterrupted =
        block_on(train(&mut whole, &train_set, Some(&dev), &plan, &mut RunToEnd, &mut |_| {})).expect("train");

    let mut crashing = load(&model_files(), labels.clone());
    let mut control = CrashAfter { at_step, at_epoch_end, taken: None };
    let stopped =
        block_on(train(&mut crashing, &train_set, Some(&dev), &plan, &mut control, &mut |_| {})).expect("train");
    assert!(stopped.cancelled, "the run went on after its checkpoint");
    let checkpoint = control.taken.expect("a checkpoint was taken");
    drop(crashing);

    // A fresh model from the checkpoint's files, as a new worker would load it.
    let mut fresh = load(&checkpoint.files, labels);
    let mut events = Vec::new();
    let resumed = block_on(resume(
        &mut fresh,
        &train_set,
        Some(&dev),
        &plan,
        &mut RunToEnd,
        &mut |e| events.push(e),
        Some(&checkpoint),
    ))
    .expect("resume");
    let steps_after = events.iter().filter(|e| matches!(e, TrainEvent::Step(_))).count();
    assert_eq!(steps_after + checkpoint.step, uninterrupted.steps, "the resumed run did only the steps left");
    assert_eq!(resumed.steps, uninterrupted.steps);
    assert!(fingerprint(&resumed, &fresh) == fingerprint(&uninterrupted, &whole), "the resumed run ended otherwise");
}

#[test]
fn a_run_resumed_from_the_middle_of_an_epoch_ends_as_one_that_never_stopped() {
    // 40 examples in batches of 8: 5 steps an epoch; step 7 is inside the second epoch.
    resumed_equals_uninterrupted(Some(7), false, None, None);
}

#[test]
fn a_lora_run_resumed_from_an_epochs_end_with_early_stopping_ends_as_one_that_never_stopped() {
    // The checkpoint holds the weights as loaded and the adapters apart; so does its best epoch.
    resumed_equals_uninterrupted(None, true, Some(1), Some(4));
}

#[test]
fn a_run_resumed_from_an_epochs_end_with_early_stopping_ends_as_one_that_never_stopped() {
    resumed_equals_uninterrupted(None, true, Some(1), None);
}

#[test]
fn a_checkpoint_survives_serialisation_and_says_where_it_stands() {
    let (plan, train_set, _) = plan_and_data(None, None);
    let mut model = load(&model_files(), label_list(&train_set));
    let mut control = CrashAfter { at_step: Some(2), at_epoch_end: false, taken: None };
    block_on(train(&mut model, &train_set, None, &plan, &mut control, &mut |_| {})).expect("train");
    let checkpoint = control.taken.expect("a checkpoint");
    assert_eq!((checkpoint.step, checkpoint.epoch, checkpoint.moments.steps), (2, 1, 2));
    let EpochPlace::Within { groups_done, ref order, .. } = checkpoint.place else { panic!("not within an epoch") };
    assert_eq!((groups_done, order.len()), (2, 40));
    let moments: usize = checkpoint.moments.params.iter().flatten().map(|m| m.first.len() / 4).sum();
    assert_eq!(moments, model.num_params(), "one first moment per trained parameter");
    let bytes = checkpoint.to_bytes().expect("serialises");
    let back = Checkpoint::from_bytes(&bytes).expect("reads back");
    assert!(back == checkpoint);
    let weights_and_moments = checkpoint.files.model_safetensors.len() + moments * 8;
    assert!(bytes.len() < weights_and_moments + (1 << 20), "{} bytes for {weights_and_moments}", bytes.len());
    assert!(Checkpoint::from_bytes(&bytes[..bytes.len() / 2]).is_err(), "a cut checkpoint is refused");
}

/// Asks for a checkpoint every `every` steps and at every epoch's end; keeps the steps taken.
struct Every {
    every: usize,
    taken: Vec<(usize, usize)>,
}

impl Control for Every {
    async fn between_steps(&mut self) -> Flow {
        Flow::Continue
    }

    fn wants_checkpoint(&mut self, step: usize, epoch_end: bool) -> bool {
        epoch_end || step % self.every == 0
    }

    fn checkpoint(&mut self, checkpoint: Checkpoint) {
        self.taken.push((checkpoint.step, checkpoint.epoch));
    }
}

#[test]
fn an_epoch_that_ends_on_a_checkpoint_step_takes_one_checkpoint_not_two() {
    // 5 steps an epoch, a checkpoint every 5 steps: the epochs' ends are checkpoint steps too.
    let (plan, train_set, _) = plan_and_data(None, None);
    let mut model = load(&model_files(), label_list(&train_set));
    let mut control = Every { every: 5, taken: Vec::new() };
    block_on(train(&mut model, &train_set, None, &plan, &mut control, &mut |_| {})).expect("train");
    // (steps done, epoch to go on with); the last epoch has no end checkpoint, so its last step
    // takes the step checkpoint.
    assert_eq!(control.taken, [(5, 2), (10, 3), (15, 3)]);
}
