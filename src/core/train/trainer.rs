//! The fine-tuning loop: async, cancellable between steps, reporting through plain events.
//! It reads tensors only with async reads, so the browser runs it unchanged.

use std::collections::{HashMap, HashSet};

use burn::module::Module;
use burn::optim::{GradientsAccumulator, GradientsParams};
use web_time::Instant;

use super::batch::{collate, group_by_length, token_targets, Sample, Target};
use super::events::{Control, EpochSummary, Flow, StepProgress, TrainEvent};
use super::loss::cross_entropy;
use super::optimizer::{bias_and_norm_params, AdamW};
use super::{ConfigError, TrainConfig};
use crate::core::data::Examples;
use crate::core::evaluate::{EvalError, EvalReport};
use crate::core::rng::Rng;
use crate::core::task_model::TaskModel;
use crate::core::tokenize::{TextTokenizer, TokenizeError};

/// Why training could not start or go on.
#[derive(Debug, thiserror::Error)]
pub enum TrainError {
    #[error("invalid setting: {0}")]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Tokenize(#[from] TokenizeError),
    #[error("evaluation failed: {0}")]
    Eval(#[from] EvalError),
    #[error("the model was built for {model:?} but the training data is {data:?}")]
    TaskMismatch { model: crate::core::model::Task, data: crate::core::model::Task },
    #[error("label `{label}` (line {line}) is not one of the model's labels")]
    UnknownLabel { label: String, line: usize },
    #[error("reading the loss from the device failed: {0}")]
    Device(String),
    #[error("the loss became {value} at step {step}: training diverged (try a lower learning rate)")]
    Diverged { value: f32, step: usize },
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

/// Fine-tunes `model` on `train`, evaluating on `dev` after every epoch.
pub async fn train<C: Control>(
    model: &mut TaskModel,
    train: &Examples,
    dev: Option<&Examples>,
    config: &TrainConfig,
    control: &mut C,
    on_event: &mut dyn FnMut(TrainEvent),
) -> Result<TrainOutcome, TrainError> {
    if !config.freeze_embeddings {
        return train_loop(model, train, dev, config, control, on_event).await;
    }
    // Frozen embeddings get no gradient at all (no backward through the 30k-row table, no
    // optimizer update); they are trainable again afterwards, whatever the outcome.
    let embeddings = |model: &mut TaskModel, trainable: bool| {
        model.model.bert.embeddings = model.model.bert.embeddings.clone().set_require_grad(trainable);
    };
    embeddings(model, false);
    let outcome = train_loop(model, train, dev, config, control, on_event).await;
    embeddings(model, true);
    outcome
}

async fn train_loop<C: Control>(
    model: &mut TaskModel,
    train: &Examples,
    dev: Option<&Examples>,
    config: &TrainConfig,
    control: &mut C,
    on_event: &mut dyn FnMut(TrainEvent),
) -> Result<TrainOutcome, TrainError> {
    if train.task() != model.task {
        return Err(TrainError::TaskMismatch { model: model.task, data: train.task() });
    }
    let plan = config.plan(train.len())?;
    let (samples, truncated_examples) = encode_examples(&model.tokenizer, train, &model.labels)?;
    on_event(TrainEvent::Started { plan: plan.clone(), truncated_examples });

    let device = model.device.clone();
    device.seed(config.seed);
    crate::core::model::dropout::seed(config.seed);
    let mut rng = Rng::new(config.seed);
    let no_decay =
        if config.exempt_bias_and_norm_from_decay { bias_and_norm_params(&model.model) } else { HashSet::new() };
    let mut optimizer = AdamW::new(config.into(), no_decay);
    let pad_id = model.tokenizer.pad_id();
    let lengths: Vec<usize> = samples.iter().map(Sample::len).collect();

    let started = Instant::now();
    let mut eval_seconds = 0.0;
    let mut tokens_seen = 0usize;
    let mut step = 0usize;
    let mut epochs = Vec::new();
    let mut best: Option<(f64, usize, crate::core::model::Classifier)> = None;
    let train_seconds = |eval_seconds: f64| started.elapsed().as_secs_f64() - eval_seconds;

    for epoch in 1..=config.epochs {
        let mut order: Vec<usize> = (0..samples.len()).collect();
        if config.shuffle {
            rng.shuffle(&mut order);
        }
        if config.group_by_length {
            order = group_by_length(&order, &lengths, config.batch_size);
        }
        let batches: Vec<&[usize]> = order.chunks(config.batch_size).collect();
        let epoch_started = Instant::now();
        let epoch_tokens_before = tokens_seen;
        let mut epoch_loss = 0.0f64;
        let mut epoch_batches = 0usize;
        for group in batches.chunks(config.grad_accumulation) {
            let mut accumulator = GradientsAccumulator::new();
            let mut step_loss = 0.0f32;
            for indices in group {
                let batch_samples: Vec<&Sample> = indices.iter().map(|&i| &samples[i]).collect();
                let batch = collate(&batch_samples, pad_id, &device);
                tokens_seen += batch.real_tokens;
                let loss = cross_entropy(model.model.logits(batch.input), batch.labels);
                // HF divides each micro-batch loss by the accumulation count before summing grads.
                let scaled = if group.len() > 1 { loss.clone().div_scalar(group.len() as f64) } else { loss.clone() };
                let grads = GradientsParams::from_grads(scaled.backward(), &model.model);
                accumulator.accumulate(&model.model, grads);
                let value = loss.into_scalar_async::<f32>().await.map_err(|e| TrainError::Device(format!("{e:?}")))?;
                if !value.is_finite() {
                    return Err(TrainError::Diverged { value, step: step + 1 });
                }
                step_loss += value / group.len() as f32;
            }
            let learning_rate = plan.learning_rate(step);
            model.model = optimizer
                .step(model.model.clone(), accumulator.grads(), learning_rate)
                .map_err(|e| TrainError::Device(e.to_string()))?;
            step += 1;
            epoch_loss += step_loss as f64;
            epoch_batches += 1;
            let elapsed_s = train_seconds(eval_seconds);
            let per_step = elapsed_s / step as f64;
            on_event(TrainEvent::Step(StepProgress {
                epoch,
                step,
                total_steps: plan.total_steps,
                loss: step_loss,
                learning_rate,
                tokens_per_s: tokens_seen as f64 / elapsed_s.max(1e-9),
                tokens: tokens_seen,
                elapsed_s,
                eta_s: per_step * plan.total_steps.saturating_sub(step) as f64,
                device_memory_bytes: device.memory_pool_usage().map(|u| u.bytes_reserved),
            }));
            if control.between_steps().await == Flow::Stop {
                on_event(TrainEvent::Cancelled { step });
                let secs = train_seconds(eval_seconds);
                return Ok(TrainOutcome {
                    steps: step,
                    cancelled: true,
                    train_seconds: secs,
                    train_tokens_per_s: tokens_seen as f64 / secs.max(1e-9),
                    epochs,
                    truncated_examples,
                });
            }
        }
        let epoch_seconds = epoch_started.elapsed().as_secs_f64();
        let eval_started = Instant::now();
        let (report, dev_predictions): (Option<EvalReport>, _) = match dev {
            Some(dev) => {
                let (report, predictions) = model.evaluate_with_predictions(dev, config.batch_size * 2).await?;
                (Some(report), Some(predictions))
            }
            None => (None, None),
        };
        eval_seconds += eval_started.elapsed().as_secs_f64();
        let summary = EpochSummary {
            epoch,
            train_loss: (epoch_loss / epoch_batches.max(1) as f64) as f32,
            train_seconds: epoch_seconds,
            train_tokens: tokens_seen - epoch_tokens_before,
            train_sequences: samples.len(),
            dev: report.clone(),
            dev_predictions,
            elapsed_s: started.elapsed().as_secs_f64(),
        };
        on_event(TrainEvent::Epoch(summary.clone()));
        epochs.push(summary);
        if let (Some(patience), Some(report)) = (config.early_stopping_patience, report) {
            let score = report.headline();
            if best.as_ref().is_none_or(|(s, _, _)| score > *s) {
                best = Some((score, epoch, model.model.clone()));
            } else if let Some((_, best_epoch, _)) = &best {
                if epoch - best_epoch >= patience {
                    on_event(TrainEvent::EarlyStopped { epoch, best_epoch: *best_epoch, patience });
                    break;
                }
            }
        }
    }
    // With early stopping, the model kept is the one of the best epoch (HF's load_best_model_at_end).
    if let Some((_, _, best_model)) = best {
        model.model = best_model;
    }
    let secs = train_seconds(eval_seconds);
    let train_tokens_per_s = tokens_seen as f64 / secs.max(1e-9);
    on_event(TrainEvent::Finished { steps: step, train_seconds: secs, train_tokens_per_s });
    Ok(TrainOutcome {
        steps: step,
        cancelled: false,
        train_seconds: secs,
        train_tokens_per_s,
        epochs,
        truncated_examples,
    })
}
