//! The hyperparameters a user may change, each with its bounds and a line on what it does.
//! Defaults and bounds are the core's (`TrainConfig`); the page checks them before training.

use crate::core::train::TrainConfig;

/// One editable training setting.
pub struct Setting {
    pub id: &'static str,
    pub label: &'static str,
    pub help: &'static str,
    pub min: &'static str,
    pub max: &'static str,
    pub step: &'static str,
    /// The core's name for it, as `TrainConfig::plan` reports it.
    pub field: &'static str,
    pub read: fn(&TrainConfig) -> String,
    pub write: fn(&mut TrainConfig, &str) -> Result<(), String>,
}

fn whole(s: &str) -> Result<usize, String> {
    s.trim().parse().map_err(|_| format!("`{s}` is not a whole number"))
}

fn real(s: &str) -> Result<f64, String> {
    s.trim().parse::<f64>().ok().filter(|x| x.is_finite()).ok_or_else(|| format!("`{s}` is not a number"))
}

pub static SETTINGS: [Setting; 9] = [
    Setting {
        id: "epochs",
        label: "Epochs",
        help: "How many times training goes through all the training examples.",
        min: "1",
        max: "1000",
        step: "1",
        field: "epochs",
        read: |c| c.epochs.to_string(),
        write: |c, s| Ok(c.epochs = whole(s)?),
    },
    Setting {
        id: "learning-rate",
        label: "Learning rate",
        help: "How big each update of the weights is; too big and the loss jumps, too small and it barely moves.",
        min: "0.0000001",
        max: "1",
        step: "any",
        field: "learning rate",
        read: |c| c.learning_rate.to_string(),
        write: |c, s| Ok(c.learning_rate = real(s)?),
    },
    Setting {
        id: "batch-size",
        label: "Batch size",
        help: "Examples per step: larger batches give smoother steps but need more memory.",
        min: "1",
        max: "1024",
        step: "1",
        field: "batch size",
        read: |c| c.batch_size.to_string(),
        write: |c, s| Ok(c.batch_size = whole(s)?),
    },
    Setting {
        id: "max-length",
        label: "Max length",
        help: "Longest input in word pieces; longer texts are cut (the page says how many).",
        min: "8",
        max: "512",
        step: "1",
        field: "max length",
        read: |c| c.max_len.to_string(),
        write: |c, s| Ok(c.max_len = whole(s)?),
    },
    Setting {
        id: "warmup",
        label: "Warmup ratio",
        help: "Share of the steps over which the learning rate climbs from 0 before it decays to 0.",
        min: "0",
        max: "1",
        step: "0.01",
        field: "warmup ratio",
        read: |c| c.warmup_ratio.to_string(),
        write: |c, s| Ok(c.warmup_ratio = real(s)?),
    },
    Setting {
        id: "weight-decay",
        label: "Weight decay",
        help: "Pulls weights gently towards 0, which guards against memorising the training set.",
        min: "0",
        max: "0.99",
        step: "0.01",
        field: "weight decay",
        read: |c| c.weight_decay.to_string(),
        write: |c, s| Ok(c.weight_decay = real(s)?),
    },
    Setting {
        id: "dropout",
        label: "Dropout",
        help: "Share of activations switched off at random while training, another guard against memorising.",
        min: "0",
        max: "0.9",
        step: "0.05",
        field: "dropout",
        read: |c| c.dropout.to_string(),
        write: |c, s| Ok(c.dropout = real(s)?),
    },
    Setting {
        id: "max-grad-norm",
        label: "Gradient clipping",
        help: "Caps the size of each update's gradient (0 turns it off); keeps one odd batch from wrecking training.",
        min: "0",
        max: "100",
        step: "0.1",
        field: "max grad norm",
        read: |c| c.max_grad_norm.to_string(),
        write: |c, s| Ok(c.max_grad_norm = real(s)?),
    },
    Setting {
        id: "seed",
        label: "Seed",
        help: "Fixes the shuffling, dropout and new weights: the same seed and data give the same run.",
        min: "0",
        max: "4294967295",
        step: "1",
        field: "seed",
        read: |c| c.seed.to_string(),
        write: |c, s| Ok(c.seed = whole(s)? as u64),
    },
];

/// `config` with `value` written into `setting`, checked against the core's bounds: the message
/// to show next to the field, if any.
pub fn check(setting: &Setting, value: &str) -> Option<String> {
    let mut config = TrainConfig::default();
    if let Err(e) = (setting.write)(&mut config, value) {
        return Some(e);
    }
    match config.plan(1) {
        Err(e) if e.field == setting.field => Some(format!("must be {}", e.expected)),
        _ => None,
    }
}

/// The whole form as a config, or every field's problem.
pub fn read_all(values: &[String], n_train: usize) -> Result<TrainConfig, Vec<String>> {
    let mut config = TrainConfig::default();
    let mut problems = Vec::new();
    for (setting, value) in SETTINGS.iter().zip(values) {
        match check(setting, value) {
            Some(problem) => problems.push(format!("{}: {problem}", setting.label)),
            None => {
                let _ = (setting.write)(&mut config, value);
            }
        }
    }
    if problems.is_empty() {
        if let Err(e) = config.plan(n_train) {
            problems.push(e.to_string());
        }
    }
    if problems.is_empty() {
        Ok(config)
    } else {
        Err(problems)
    }
}
