//! The fine-tuning loop: async, cancellable between steps, reporting through plain events.
//! It reads tensors only with async reads, so the browser runs it unchanged.

use std::collections::{HashMap, HashSet};

use std::time::Duration;

use burn::module::{Module, ModuleVisitor, Param};
use burn::optim::{GradientsAccumulator, GradientsParams};
use burn::prelude::Tensor;
use web_time::Instant;

use super::batch::{collate, group_by_length, token_targets, Sample, Target};
use super::checkpoint::{BestSoFar, Checkpoint, EpochPlace};
use super::events::{Control, EpochSummary, Flow, StepProgress, TrainEvent};
use super::loss::cross_entropy;
use super::optimizer::{bias_and_norm_params, AdamW};
use super::{ConfigError, TrainConfig, TrainPlan};
use crate::core::data::Examples;
use crate::core::evaluate::{EvalError, EvalReport};
use crate::core::model::{adapter_files, attach_adapter, dropout, Classifier, WeightMap};
use crate::core::rng::Rng;
use crate::core::task_model::TaskModel;
use crate::core::tokenize::{TextTokenizer, TokenizeError};

/// A step loss above this counts as diverged, as a NaN or infinite one does. The loss is a mean
/// cross-entropy: a uniform guess scores ln(labels), about 3, and a high learning rate's spikes
/// stay in the tens. At 10 000 the right labels get a probability below e^-10000 on average:
/// the weights have blown up (a learning rate of 1e3 gets there in two steps, and with gradient
/// clipping its loss then grows for dozens of steps before it overflows).
pub const DIVERGED_LOSS: f32 = 1e4;

/// Why training could not start or go on.
#[derive(Debug, thiserror::Error)]
pub enum TrainError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("the plan was made for {planned} training examples, but {given} were given")]
    PlanMismatch { planned: usize, given: usize },
    #[error(transparent)]
    Tokenize(#[from] TokenizeError),
    #[error("evaluation on the dev set failed: {0}")]
    Eval(#[from] EvalError),
    #[error("the model was built for {model} but the training data is for {data}")]
    TaskMismatch { model: crate::core::model::Task, data: crate::core::model::Task },
    #[error("label `{label}` (line {line}) is not one of the model's labels")]
    UnknownLabel { label: String, line: usize },
    #[error("reading the loss from the device failed: {0}")]
    Device(String),
    #[error(
        "the loss became {value:.3e} at step {step}: training diverged. Lower the learning rate (it is \
         {learning_rate}; 2e-5 to 5e-5 is usual for fine-tuning) and train again. The model keeps the \
         weights of the last step before the loss blew up"
    )]
    Diverged { value: f32, step: usize, learning_rate: f64 },
    #[error("the checkpoint could not be taken or read back: {0}")]
    Checkpoint(String),
    #[error("{asked} frozen layers were asked for, but the model has {layers}: freeze at most {layers}")]
    FrozenLayers { asked: usize, layers: usize },
}

/// How a run ended and what it measured.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainOutcome {
    pub steps: usize,
    pub cancelled: bool,
    pub train_seconds: f64,
    /// Real (non-padding) tokens seen, over `train_seconds`.
    pub train_tokens_per_s: f64,
    pub epochs: Vec<EpochSummary>,
    pub truncated_examples: usize,
}

/// Tokenises labelled examples into training samples against `labels`.
pub fn encode_examples(
    tokenizer: &TextTokenizer,
    examples: &Examples,
    labels: &[String],
) -> Result<(Vec<Sample>, usize), TrainError> {
    let index: HashMap<&str, usize> = labels.iter().enumerate().map(|(i, l)| (l.as_str(), i)).collect();
    let find = |label: &str, line: usize| {
        index.get(label).copied().ok_or_else(|| TrainError::UnknownLabel { label: label.to_string(), line })
    };
    let mut truncated = 0;
    let samples = match examples {
        Examples::Cls(examples) => examples
            .iter()
            .map(|e| {
                let encoded = tokenizer.encode_text(&e.text)?;
                truncated += usize::from(encoded.truncated);
                Ok(Sample { target: Target::Class(find(&e.label, e.line)?), encoded })
            })
            .collect::<Result<Vec<_>, TrainError>>()?,
        Examples::Ner(examples) => examples
            .iter()
            .map(|e| {
                let encoded = tokenizer.encode_words(&e.tokens)?;
                truncated += usize::from(encoded.truncated);
                let tags = e.tags.iter().map(|t| find(t, e.line)).collect::<Result<Vec<_>, _>>()?;
                Ok(Sample { target: Target::Tokens(token_targets(&encoded, &tags)), encoded })
            })
            .collect::<Result<Vec<_>, TrainError>>()?,
    };
    Ok((samples, truncated))
}

/// Fine-tunes `model` on `train`, evaluating on `dev` after every epoch. `plan` is the
/// validated settings (`TrainConfig::plan`) for these training examples.
pub async fn train<C: Control>(
    model: &mut TaskModel,
    train: &Examples,
    dev: Option<&Examples>,
    plan: &TrainPlan,
    control: &mut C,
    on_event: &mut dyn FnMut(TrainEvent),
) -> Result<TrainOutcome, TrainError> {
    resume(model, train, dev, plan, control, on_event, None).await
}

/// [`train`], going on from `from`: a checkpoint of a run of this plan on these examples,
/// whose weights `model` holds (`TaskModel::load(&from.files, …)`). On the CPU backend the
/// run ends exactly as one that never stopped.
pub async fn resume<C: Control>(
    model: &mut TaskModel,
    train: &Examples,
    dev: Option<&Examples>,
    plan: &TrainPlan,
    control: &mut C,
    on_event: &mut dyn FnMut(TrainEvent),
    from: Option<&Checkpoint>,
) -> Result<TrainOutcome, TrainError> {
    if train.task() != model.task {
        return Err(TrainError::TaskMismatch { model: model.task, data: train.task() });
    }
    if plan.n_train != train.len() {
        return Err(TrainError::PlanMismatch { planned: plan.n_train, given: train.len() });
    }
    let layers = model.model.bert.layers.len();
    if plan.config.frozen_layers > layers {
        return Err(TrainError::FrozenLayers { asked: plan.config.frozen_layers, layers });
    }
    model.model.merge_adapters();
    set_frozen(model, &plan.config, true);
    // Adapters are attached after the freeze, which would freeze them too.
    match (from.and_then(|c| c.adapter.as_ref()), plan.config.lora_spec()) {
        (Some(adapter), _) => attach_adapter(&mut model.model, adapter, &model.device)
            .map_err(|e| TrainError::Checkpoint(e.to_string()))?,
        (None, Some(spec)) => model.model.attach_lora(&spec, plan.config.seed),
        (None, None) => {}
    }
    let outcome = train_loop(model, train, dev, plan, control, on_event, from).await;
    set_frozen(model, &plan.config, false);
    outcome
}

/// Freezes (or thaws) what `config` leaves as loaded. A frozen part gets no gradient at all: no
/// backward through it, no optimizer update, no moments. Everything is trainable again after a
/// run, whatever its outcome.
fn set_frozen(model: &mut TaskModel, config: &TrainConfig, frozen: bool) {
    let bert = &mut model.model.bert;
    // LoRA trains adapters beside an encoder left as loaded, as peft does (pooler included).
    let all = config.freeze_encoder || config.lora_rank.is_some();
    if all || config.freeze_embeddings {
        bert.embeddings = bert.embeddings.clone().set_require_grad(!frozen);
    }
    let layers = if all { bert.layers.len() } else { config.frozen_layers.min(bert.layers.len()) };
    for layer in &mut bert.layers[..layers] {
        *layer = layer.clone().set_require_grad(!frozen);
    }
    if all {
        bert.pooler = bert.pooler.take().map(|pooler| pooler.set_require_grad(!frozen));
    }
}

/// The parameters a step updates: those the settings leave trainable.
fn trainable_parameters(model: &Classifier) -> usize {
    struct Count(usize);
    impl ModuleVisitor for Count {
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
            let tensor = param.val();
            if tensor.is_require_grad() {
                self.0 += tensor.shape().num_elements();
            }
        }
    }
    let mut count = Count(0);
    model.visit(&mut count);
    count.0
}

/// What the loop carries from step to step and epoch to epoch.
struct Run<'p> {
    plan: &'p TrainPlan,
    samples: Vec<Sample>,
    lengths: Vec<usize>,
    truncated_examples: usize,
    optimizer: AdamW,
    rng: Rng,
    pad_id: u32,
    started: Instant,
    eval_seconds: f64,
    tokens_seen: usize,
    step: usize,
    epochs: Vec<EpochSummary>,
    /// With early stopping: the best dev score so far, its epoch and its weights.
    best: Option<(f64, usize, Classifier)>,
    /// The weights the last step with a finite loss started from, put back if the next step's
    /// loss is not finite (those weights are what made it so). One more copy of the weights.
    last_good: Option<Classifier>,
}

/// Where an epoch starts: its order, the groups already done, and its sums so far.
struct EpochStart {
    order: Vec<usize>,
    groups_done: usize,
    loss_sum: f64,
    steps: usize,
    tokens_before: usize,
    started: Instant,
}

/// `now` less `seconds` (a resumed run's clocks go on from the checkpoint's figures).
fn seconds_ago(seconds: f64) -> Instant {
    let now = Instant::now();
    now.checked_sub(Duration::from_secs_f64(seconds.max(0.0))).unwrap_or(now)
}

async fn train_loop<C: Control>(
    model: &mut TaskModel,
    train: &Examples,
    dev: Option<&Examples>,
    plan: &TrainPlan,
    control: &mut C,
    on_event: &mut dyn FnMut(TrainEvent),
    from: Option<&Checkpoint>,
) -> Result<TrainOutcome, TrainError> {
    let mut run = Run::prepare(model, train, plan)?;
    let (first_epoch, mut place) = match from {
        Some(checkpoint) => {
            run.restore(model, checkpoint)?;
            (checkpoint.epoch, checkpoint.place.clone())
        }
        None => (1, EpochPlace::Start),
    };
    on_event(TrainEvent::Started {
        plan: plan.clone(),
        truncated_examples: run.truncated_examples,
        parameters: model.num_params(),
        trainable_parameters: trainable_parameters(&model.model),
    });
    for epoch in first_epoch..=plan.config.epochs {
        let start = match std::mem::replace(&mut place, EpochPlace::Start) {
            EpochPlace::Start => EpochStart {
                order: run.epoch_order(),
                groups_done: 0,
                loss_sum: 0.0,
                steps: 0,
                tokens_before: run.tokens_seen,
                started: Instant::now(),
            },
            EpochPlace::Within { order, groups_done, loss_sum, steps, tokens_before, seconds } => {
                EpochStart { order, groups_done, loss_sum, steps, tokens_before, started: seconds_ago(seconds) }
            }
        };
        let (epoch_started, tokens_before) = (start.started, start.tokens_before);
        let (epoch_loss, flow) = run.epoch_steps(model, epoch, start, control, on_event).await?;
        if flow == Flow::Stop {
            on_event(TrainEvent::Cancelled { step: run.step });
            return Ok(run.outcome(true));
        }
        let summary = run.evaluate(model, dev, epoch, epoch_loss, epoch_started, tokens_before).await?;
        on_event(TrainEvent::Epoch(summary.clone()));
        let stop_early = run.early_stopping(model, &summary);
        run.epochs.push(summary);
        if let Some((best_epoch, patience)) = stop_early {
            on_event(TrainEvent::EarlyStopped { epoch, best_epoch, patience });
            break;
        }
        if epoch < plan.config.epochs && control.wants_checkpoint(run.step, true) {
            control.checkpoint(run.checkpoint(model, epoch + 1, EpochPlace::Start).await?);
        }
    }
    // With early stopping, the model kept is the one of the best epoch (HF's load_best_model_at_end).
    if let Some((_, _, best_model)) = run.best.take() {
        model.model = best_model;
    }
    let outcome = run.outcome(false);
    on_event(TrainEvent::Finished {
        steps: outcome.steps,
        train_seconds: outcome.train_seconds,
        train_tokens_per_s: outcome.train_tokens_per_s,
    });
    Ok(outcome)
}

impl<'p> Run<'p> {
    /// Encodes the examples and seeds every source of randomness from the plan's seed.
    fn prepare(model: &TaskModel, train: &Examples, plan: &'p TrainPlan) -> Result<Self, TrainError> {
        let config = &plan.config;
        let (samples, truncated_examples) = encode_examples(&model.tokenizer, train, &model.labels)?;
        model.device.seed(config.seed);
        crate::core::model::dropout::seed(config.seed);
        let no_decay =
            if config.exempt_bias_and_norm_from_decay { bias_and_norm_params(&model.model) } else { HashSet::new() };
        Ok(Self {
            plan,
            lengths: samples.iter().map(Sample::len).collect(),
            samples,
            truncated_examples,
            optimizer: AdamW::new(config.into(), no_decay),
            rng: Rng::new(config.seed),
            pad_id: model.tokenizer.pad_id(),
            started: Instant::now(),
            eval_seconds: 0.0,
            tokens_seen: 0,
            step: 0,
            epochs: Vec::new(),
            best: None,
            last_good: None,
        })
    }

    fn train_seconds(&self) -> f64 {
        self.started.elapsed().as_secs_f64() - self.eval_seconds
    }

    /// This epoch's batches: shuffled, then grouped by length when asked.
    fn epoch_order(&mut self) -> Vec<usize> {
        let config = &self.plan.config;
        let mut order: Vec<usize> = (0..self.samples.len()).collect();
        if config.shuffle {
            self.rng.shuffle(&mut order);
        }
        if config.group_by_length {
            order = group_by_length(&order, &self.lengths, config.batch_size);
        }
        order
    }

    /// One epoch of optimizer steps (from where `start` says); the sum of the step losses, and
    /// whether to go on.
    async fn epoch_steps<C: Control>(
        &mut self,
        model: &mut TaskModel,
        epoch: usize,
        start: EpochStart,
        control: &mut C,
        on_event: &mut dyn FnMut(TrainEvent),
    ) -> Result<((f64, usize), Flow), TrainError> {
        let EpochStart { order, groups_done, mut loss_sum, mut steps, tokens_before, started } = start;
        let batches: Vec<&[usize]> = order.chunks(self.plan.config.batch_size).collect();
        let group_count = batches.len().div_ceil(self.plan.config.grad_accumulation);
        // The epoch's end takes its own checkpoint, after the dev scores (but the last epoch's).
        let end_takes_one = epoch < self.plan.config.epochs;
        let groups = batches.chunks(self.plan.config.grad_accumulation).enumerate().skip(groups_done);
        for (index, group) in groups {
            let (step_loss, learning_rate) = self.step(model, group).await?;
            loss_sum += step_loss as f64;
            steps += 1;
            let elapsed_s = self.train_seconds();
            let per_step = elapsed_s / self.step as f64;
            on_event(TrainEvent::Step(StepProgress {
                epoch,
                step: self.step,
                total_steps: self.plan.total_steps,
                loss: step_loss,
                learning_rate,
                tokens_per_s: self.tokens_seen as f64 / elapsed_s.max(1e-9),
                tokens: self.tokens_seen,
                elapsed_s,
                eta_s: per_step * self.plan.total_steps.saturating_sub(self.step) as f64,
                device_memory_bytes: model.device.memory_pool_usage().map(|u| u.bytes_reserved),
            }));
            let epoch_end = index + 1 == group_count;
            if !(epoch_end && end_takes_one) && control.wants_checkpoint(self.step, false) {
                let place = EpochPlace::Within {
                    order: order.clone(),
                    groups_done: index + 1,
                    loss_sum,
                    steps,
                    tokens_before,
                    seconds: started.elapsed().as_secs_f64(),
                };
                control.checkpoint(self.checkpoint(model, epoch, place).await?);
            }
            if control.between_steps().await == Flow::Stop {
                return Ok(((loss_sum, steps), Flow::Stop));
            }
        }
        Ok(((loss_sum, steps), Flow::Continue))
    }

    /// One optimizer step over a group of accumulated batches: its mean loss and learning rate.
    async fn step(&mut self, model: &mut TaskModel, group: &[&[usize]]) -> Result<(f32, f64), TrainError> {
        let device = model.device.clone();
        let mut accumulator = GradientsAccumulator::new();
        let mut step_loss = 0.0f32;
        for indices in group {
            let batch_samples: Vec<&Sample> = indices.iter().map(|&i| &self.samples[i]).collect();
            let batch = collate(&batch_samples, self.pad_id, &device);
            self.tokens_seen += batch.real_tokens;
            let loss = cross_entropy(model.model.logits(batch.input), batch.labels);
            // HF divides each micro-batch loss by the accumulation count before summing grads.
            let scaled = if group.len() > 1 { loss.clone().div_scalar(group.len() as f64) } else { loss.clone() };
            let grads = GradientsParams::from_grads(scaled.backward(), &model.model);
            accumulator.accumulate(&model.model, grads);
            let value = loss.into_scalar_async::<f32>().await.map_err(|e| TrainError::Device(e.to_string()))?;
            if !value.is_finite() || value > DIVERGED_LOSS {
                if let Some(good) = self.last_good.take() {
                    model.model = good;
                }
                let learning_rate = self.plan.config.learning_rate;
                return Err(TrainError::Diverged { value, step: self.step + 1, learning_rate });
            }
            step_loss += value / group.len() as f32;
        }
        self.last_good = Some(model.model.clone());
        let learning_rate = self.plan.learning_rate(self.step);
        model.model = self
            .optimizer
            .step(model.model.clone(), accumulator.grads(), learning_rate)
            .map_err(|e| TrainError::Device(e.to_string()))?;
        self.step += 1;
        Ok((step_loss, learning_rate))
    }

    /// The end of an epoch: dev evaluation (not counted as training time) and its summary.
    async fn evaluate(
        &mut self,
        model: &TaskModel,
        dev: Option<&Examples>,
        epoch: usize,
        (loss_sum, steps): (f64, usize),
        epoch_started: Instant,
        tokens_before: usize,
    ) -> Result<EpochSummary, TrainError> {
        let epoch_seconds = epoch_started.elapsed().as_secs_f64();
        let eval_started = Instant::now();
        let (report, dev_predictions): (Option<EvalReport>, _) = match dev {
            Some(dev) => {
                let (report, predictions) =
                    model.evaluate_with_predictions(dev, self.plan.config.batch_size * 2).await?;
                (Some(report), Some(predictions))
            }
            None => (None, None),
        };
        self.eval_seconds += eval_started.elapsed().as_secs_f64();
        Ok(EpochSummary {
            epoch,
            train_loss: (loss_sum / steps.max(1) as f64) as f32,
            train_seconds: epoch_seconds,
            train_tokens: self.tokens_seen - tokens_before,
            train_sequences: self.samples.len(),
            dev: report,
            dev_predictions,
            elapsed_s: self.started.elapsed().as_secs_f64(),
        })
    }

    /// Keeps the best epoch's weights; `Some((best epoch, patience))` when patience ran out.
    fn early_stopping(&mut self, model: &TaskModel, summary: &EpochSummary) -> Option<(usize, usize)> {
        let (patience, report) = (self.plan.config.early_stopping_patience?, summary.dev.as_ref()?);
        let score = report.headline();
        match &self.best {
            Some((best, best_epoch, _)) if score <= *best => {
                (summary.epoch - best_epoch >= patience).then_some((*best_epoch, patience))
            }
            _ => {
                self.best = Some((score, summary.epoch, model.model.clone()));
                None
            }
        }
    }

    /// The run as it stands, to go on with at `epoch`, `place`.
    async fn checkpoint(&self, model: &TaskModel, epoch: usize, place: EpochPlace) -> Result<Checkpoint, TrainError> {
        let failed = |e: &dyn std::fmt::Display| TrainError::Checkpoint(e.to_string());
        let files = model.export_base().await.map_err(|e| failed(&e))?;
        let adapter = model.export_adapter(None).await.map_err(|e| failed(&e))?;
        let moments = self.optimizer.saved_moments(&model.model).await.map_err(|e| failed(&e))?;
        let best = match &self.best {
            Some((score, epoch, weights)) => Some(BestSoFar {
                score: *score,
                epoch: *epoch,
                model_safetensors: weights.to_base_safetensors().await.map_err(|e| failed(&e))?,
                adapter: adapter_files(weights, None).await.map_err(|e| failed(&e))?,
            }),
            None => None,
        };
        Ok(Checkpoint {
            files,
            moments,
            n_train: self.samples.len(),
            step: self.step,
            epoch,
            place,
            rng: self.rng.clone(),
            dropout: dropout::state(),
            tokens_seen: self.tokens_seen,
            train_seconds: self.train_seconds(),
            epochs: self.epochs.clone(),
            best,
            adapter,
        })
    }

    /// Takes the state of `checkpoint` back; `model` already holds its weights.
    fn restore(&mut self, model: &TaskModel, checkpoint: &Checkpoint) -> Result<(), TrainError> {
        let failed = |e: &dyn std::fmt::Display| TrainError::Checkpoint(e.to_string());
        let order_fits = match &checkpoint.place {
            EpochPlace::Within { order, .. } => order.len() == self.samples.len(),
            EpochPlace::Start => true,
        };
        if checkpoint.n_train != self.samples.len() || !order_fits {
            return Err(TrainError::Checkpoint(format!(
                "it was taken on {} training examples, and this dataset has {}: load the run's data again",
                checkpoint.n_train,
                self.samples.len()
            )));
        }
        self.optimizer.restore_moments(&model.model, &checkpoint.moments).map_err(|e| failed(&e))?;
        self.step = checkpoint.step;
        self.rng = checkpoint.rng.clone();
        dropout::seed(checkpoint.dropout);
        self.tokens_seen = checkpoint.tokens_seen;
        self.started = seconds_ago(checkpoint.train_seconds);
        self.eval_seconds = 0.0;
        self.epochs = checkpoint.epochs.clone();
        self.best = match &checkpoint.best {
            Some(best) => {
                let mut weights = WeightMap::from_safetensors(&best.model_safetensors).map_err(|e| failed(&e))?;
                let (mut classifier, _) = Classifier::load(
                    &model.config,
                    &mut weights,
                    model.task,
                    model.labels.len(),
                    true,
                    self.plan.config.seed,
                    &model.device,
                )
                .map_err(|e| failed(&e))?;
                if let Some(adapter) = &best.adapter {
                    attach_adapter(&mut classifier, adapter, &model.device).map_err(|e| failed(&e))?;
                }
                Some((best.score, best.epoch, classifier))
            }
            None => None,
        };
        Ok(())
    }

    fn outcome(&self, cancelled: bool) -> TrainOutcome {
        let secs = self.train_seconds();
        TrainOutcome {
            steps: self.step,
            cancelled,
            train_seconds: secs,
            train_tokens_per_s: self.tokens_seen as f64 / secs.max(1e-9),
            epochs: self.epochs.clone(),
            truncated_examples: self.truncated_examples,
        }
    }
}
