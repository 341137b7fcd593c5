//! A terminal progress bar fed by training events.

use indicatif::{ProgressBar, ProgressStyle};

use crate::core::evaluate::EvalReport;
use crate::core::train::TrainEvent;

pub struct Progress {
    bar: ProgressBar,
}

impl Progress {
    /// A line above the bar; on a stderr that is not a terminal (a log, CI) the bar is hidden,
    /// so the line goes to stderr directly.
    fn line(&self, text: String) {
        if self.bar.is_hidden() {
            eprintln!("{text}");
        } else {
            self.bar.println(text);
        }
    }

    pub fn new() -> Self {
        let bar = ProgressBar::new(0);
        bar.set_style(
            ProgressStyle::with_template("{prefix} [{bar:30}] {pos}/{len} steps  {msg}  eta {eta}")
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
        );
        Self { bar }
    }

    pub fn on_event(&self, event: &TrainEvent) {
        match event {
            TrainEvent::Started { plan, truncated_examples, trainable_parameters, .. } => {
                self.bar.set_length(plan.total_steps as u64);
                let config = &plan.config;
                if let Some(spec) = config.lora_spec() {
                    self.line(format!(
                        "training {trainable_parameters} parameters: LoRA adapters (r = {}, alpha = {}) and the head; the encoder stays as loaded",
                        spec.rank, spec.alpha
                    ));
                } else if config.freeze_embeddings || config.frozen_layers > 0 || config.freeze_encoder {
                    self.line(format!("training {trainable_parameters} parameters; the frozen rest stay as loaded"));
                }
                if *truncated_examples > 0 {
                    self.line(format!(
                        "{truncated_examples} training examples were longer than {} tokens and were cut",
                        plan.config.max_len
                    ));
                }
            }
            TrainEvent::Step(p) => {
                self.bar.set_prefix(format!("epoch {}", p.epoch));
                self.bar.set_position(p.step as u64);
                self.bar.set_message(format!(
                    "loss {:.4}  lr {:.2e}  {:.0} tok/s",
                    p.loss, p.learning_rate, p.tokens_per_s
                ));
            }
            TrainEvent::Epoch(summary) => {
                let dev = match &summary.dev {
                    Some(EvalReport::Cls(r)) => {
                        format!("dev accuracy {:.4}  macro F1 {:.4}", r.accuracy, r.macro_avg.f1)
                    }
                    Some(EvalReport::Ner { default, strict }) => {
                        format!("dev entity F1 {:.4} (strict {:.4})", default.micro_avg.f1, strict.micro_avg.f1)
                    }
                    None => String::new(),
                };
                self.line(format!("epoch {}: train loss {:.4}  {dev}", summary.epoch, summary.train_loss));
            }
            TrainEvent::EarlyStopped { epoch, best_epoch, patience } => {
                self.line(format!("early stop after epoch {epoch}: no better dev score for {patience} epochs; keeping epoch {best_epoch}"));
            }
            TrainEvent::Cancelled { step } => self.line(format!("stopped at step {step}")),
            TrainEvent::Finished { .. } => self.bar.finish_and_clear(),
        }
    }
}
