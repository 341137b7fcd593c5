//! The training settings a person may change, one row each: what it is called, what it does,
//! its bounds, and how it is read from and written into a `TrainConfig`. The page's form, the
//! CLI's flags and `TrainConfig::plan`'s checks are all built from this table, and the defaults
//! are `TrainConfig::default`'s, so a bound, a default or a setting's name is written once.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::TrainConfig;
use crate::i18n::{text, Language};
use crate::tr;

/// A setting a person may change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    Epochs,
    LearningRate,
    BatchSize,
    MaxLen,
    WarmupRatio,
    WeightDecay,
    Dropout,
    MaxGradNorm,
    Seed,
    GradAccumulation,
    EarlyStoppingPatience,
    FreezeEmbeddings,
    FrozenLayers,
    FreezeEncoder,
    GroupByLength,
    Lora,
    LoraAlpha,
    LoraDropout,
    LoraAllLinear,
    Beta1,
    Beta2,
    Epsilon,
}

/// What values a setting takes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Bounds {
    /// A whole number in `[min, max]`.
    Whole { min: u64, max: u64 },
    /// A real number between `min` and `max` (`f64::INFINITY`: no upper bound), each end
    /// included or not.
    Real { min: f64, max: f64, min_included: bool, max_included: bool },
    /// A whole number in `[min, max]`, or off (an empty field; no flag).
    OptionalWhole { min: u64, max: u64 },
    /// On or off.
    Switch,
}

/// A setting's value, typed by its bounds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Value {
    Whole(u64),
    Real(f64),
    Off,
    Switch(bool),
}

/// One row of the table.
pub struct Setting {
    pub field: Field,
    /// Form ids and CLI flags (`--max-len`).
    pub key: &'static str,
    /// The catalogue key of its short name, as a form label ([`Setting::label`]).
    label: &'static str,
    /// The catalogue key of one line on what it does, for the form and `tunelab train --help`.
    help: &'static str,
    pub bounds: Bounds,
    /// Shown under "More settings" on the page: the recipe rarely changes it.
    pub advanced: bool,
    get: fn(&TrainConfig) -> Value,
    set: fn(&mut TrainConfig, Value),
}

/// Why a setting's value was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SettingError {
    #[error("{}", self.words(Language::English))]
    Unreadable { field: Field, text: String },
    #[error("{}", self.words(Language::English))]
    OutOfBounds { field: Field, value: String },
}

impl SettingError {
    pub fn field(&self) -> Field {
        match self {
            Self::Unreadable { field, .. } | Self::OutOfBounds { field, .. } => *field,
        }
    }

    /// The message without the setting's name, for a form that shows it next to the field.
    pub fn reason(&self, language: Language) -> String {
        let bounds = self.field().setting().bounds;
        match self {
            Self::Unreadable { text, .. } => {
                tr!(language, "settings.error.unreadable", text = text, kind = bounds.kind(language))
            }
            Self::OutOfBounds { value, .. } => {
                tr!(language, "settings.error.out-of-bounds", bounds = bounds.words(language), value = value)
            }
        }
    }

    /// The setting's name and the reason.
    pub fn words(&self, language: Language) -> String {
        tr!(
            language,
            "settings.error",
            setting = self.field().setting().label(language),
            reason = self.reason(language)
        )
    }
}

impl Field {
    /// Its row: the table is in the enum's order (a test checks it).
    pub fn setting(self) -> &'static Setting {
        &SETTINGS[self as usize]
    }
}

impl Bounds {
    /// "a whole number", for a refused text.
    fn kind(&self, language: Language) -> String {
        let key = match self {
            Bounds::Whole { .. } => "settings.kind.whole",
            Bounds::Real { .. } => "settings.kind.real",
            Bounds::OptionalWhole { .. } => "settings.kind.optional-whole",
            Bounds::Switch => "settings.kind.switch",
        };
        text(language, key, &[])
    }

    /// The values admitted, in words: "a whole number from 1 to 100".
    pub fn words(&self, language: Language) -> String {
        match *self {
            Bounds::Whole { min, max } => tr!(language, "settings.bounds.whole", min = min, max = max),
            Bounds::OptionalWhole { min, max } => tr!(language, "settings.bounds.optional-whole", min = min, max = max),
            Bounds::Real { min, max, min_included: true, .. } if max.is_infinite() => {
                tr!(language, "settings.bounds.at-least", min = min)
            }
            Bounds::Real { min, max, .. } if max.is_infinite() => tr!(language, "settings.bounds.more-than", min = min),
            Bounds::Real { min, max, min_included, max_included } => {
                let interval = format!(
                    "{}{min}, {max}{}",
                    if min_included { "[" } else { "(" },
                    if max_included { "]" } else { ")" }
                );
                tr!(language, "settings.bounds.interval", interval = interval)
            }
            Bounds::Switch => text(language, "settings.bounds.switch", &[]),
        }
    }

    fn admits(&self, value: Value) -> bool {
        match (*self, value) {
            (Bounds::Whole { min, max }, Value::Whole(v)) | (Bounds::OptionalWhole { min, max }, Value::Whole(v)) => {
                (min..=max).contains(&v)
            }
            (Bounds::OptionalWhole { .. }, Value::Off) | (Bounds::Switch, Value::Switch(_)) => true,
            (Bounds::Real { min, max, min_included, max_included }, Value::Real(v)) => {
                v.is_finite() && (v > min || (min_included && v == min)) && (v < max || (max_included && v == max))
            }
            _ => false,
        }
    }

    /// Reads a value as typed by a person (a form field or a CLI flag).
    fn parse(&self, text: &str) -> Option<Value> {
        let text = text.trim();
        match self {
            Bounds::Whole { .. } => text.parse().ok().map(Value::Whole),
            Bounds::OptionalWhole { .. } if text.is_empty() => Some(Value::Off),
            Bounds::OptionalWhole { .. } => text.parse().ok().map(Value::Whole),
            Bounds::Real { .. } => text.parse::<f64>().ok().filter(|v| v.is_finite()).map(Value::Real),
            Bounds::Switch => text.parse().ok().map(Value::Switch),
        }
    }

    /// The lowest and highest value, as an HTML number input's `min` and `max`; `None` where
    /// there is no such bound (or it is excluded, which `min`/`max` cannot say).
    pub fn input_range(&self) -> (Option<String>, Option<String>) {
        match *self {
            Bounds::Whole { min, max } | Bounds::OptionalWhole { min, max } => {
                (Some(min.to_string()), Some(max.to_string()))
            }
            Bounds::Real { min, max, min_included, max_included } => {
                (min_included.then(|| min.to_string()), (max_included && max.is_finite()).then(|| max.to_string()))
            }
            Bounds::Switch => (None, None),
        }
    }
}

impl fmt::Display for Bounds {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.words(Language::English))
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Whole(v) => write!(f, "{v}"),
            Value::Real(v) => write!(f, "{v}"),
            Value::Off => Ok(()),
            Value::Switch(v) => write!(f, "{v}"),
        }
    }
}

impl Setting {
    /// Its short name, as a form label.
    pub fn label(&self, language: Language) -> String {
        text(language, self.label, &[])
    }

    /// One line on what it does.
    pub fn help(&self, language: Language) -> String {
        text(language, self.help, &[])
    }

    pub fn get(&self, config: &TrainConfig) -> Value {
        (self.get)(config)
    }

    /// The value as a person would type it: the text a form shows, a flag's default.
    pub fn text(&self, config: &TrainConfig) -> String {
        self.get(config).to_string()
    }

    /// The value in `config`, checked against the bounds.
    pub fn check(&self, config: &TrainConfig) -> Result<(), SettingError> {
        let value = self.get(config);
        if self.bounds.admits(value) {
            Ok(())
        } else {
            Err(SettingError::OutOfBounds { field: self.field, value: value.to_string() })
        }
    }

    /// Writes a typed value into `config`, refusing text that is not a value or out of bounds.
    pub fn apply(&self, config: &mut TrainConfig, text: &str) -> Result<(), SettingError> {
        let value = self
            .bounds
            .parse(text)
            .ok_or_else(|| SettingError::Unreadable { field: self.field, text: text.to_string() })?;
        if !self.bounds.admits(value) {
            return Err(SettingError::OutOfBounds { field: self.field, value: value.to_string() });
        }
        (self.set)(config, value);
        Ok(())
    }
}

fn whole(value: Value) -> u64 {
    match value {
        Value::Whole(v) => v,
        _ => 0,
    }
}

fn real(value: Value) -> f64 {
    match value {
        Value::Real(v) => v,
        _ => 0.0,
    }
}

fn switch(value: Value) -> bool {
    matches!(value, Value::Switch(true))
}

/// Every setting, in the order the page and `--help` show them.
pub static SETTINGS: [Setting; 22] = [
    Setting {
        field: Field::Epochs,
        key: "epochs",
        label: "settings.epochs.label",
        help: "settings.epochs.help",
        bounds: Bounds::Whole { min: 1, max: 1000 },
        advanced: false,
        get: |c| Value::Whole(c.epochs as u64),
        set: |c, v| c.epochs = whole(v) as usize,
    },
    Setting {
        field: Field::LearningRate,
        key: "learning-rate",
        label: "settings.learning-rate.label",
        help: "settings.learning-rate.help",
        bounds: Bounds::Real { min: 0.0, max: 1.0, min_included: false, max_included: true },
        advanced: false,
        get: |c| Value::Real(c.learning_rate),
        set: |c, v| c.learning_rate = real(v),
    },
    Setting {
        field: Field::BatchSize,
        key: "batch-size",
        label: "settings.batch-size.label",
        help: "settings.batch-size.help",
        bounds: Bounds::Whole { min: 1, max: 1024 },
        advanced: false,
        get: |c| Value::Whole(c.batch_size as u64),
        set: |c, v| c.batch_size = whole(v) as usize,
    },
    Setting {
        field: Field::MaxLen,
        key: "max-len",
        label: "settings.max-len.label",
        help: "settings.max-len.help",
        bounds: Bounds::Whole { min: 8, max: 512 },
        advanced: false,
        get: |c| Value::Whole(c.max_len as u64),
        set: |c, v| c.max_len = whole(v) as usize,
    },
    Setting {
        field: Field::WarmupRatio,
        key: "warmup-ratio",
        label: "settings.warmup-ratio.label",
        help: "settings.warmup-ratio.help",
        bounds: Bounds::Real { min: 0.0, max: 1.0, min_included: true, max_included: true },
        advanced: false,
        get: |c| Value::Real(c.warmup_ratio),
        set: |c, v| c.warmup_ratio = real(v),
    },
    Setting {
        field: Field::WeightDecay,
        key: "weight-decay",
        label: "settings.weight-decay.label",
        help: "settings.weight-decay.help",
        bounds: Bounds::Real { min: 0.0, max: 1.0, min_included: true, max_included: false },
        advanced: false,
        get: |c| Value::Real(c.weight_decay),
        set: |c, v| c.weight_decay = real(v),
    },
    Setting {
        field: Field::Dropout,
        key: "dropout",
        label: "settings.dropout.label",
        help: "settings.dropout.help",
        bounds: Bounds::Real { min: 0.0, max: 1.0, min_included: true, max_included: false },
        advanced: false,
        get: |c| Value::Real(c.dropout),
        set: |c, v| c.dropout = real(v),
    },
    Setting {
        field: Field::MaxGradNorm,
        key: "max-grad-norm",
        label: "settings.max-grad-norm.label",
        help: "settings.max-grad-norm.help",
        bounds: Bounds::Real { min: 0.0, max: f64::INFINITY, min_included: true, max_included: false },
        advanced: false,
        get: |c| Value::Real(c.max_grad_norm),
        set: |c, v| c.max_grad_norm = real(v),
    },
    Setting {
        field: Field::Seed,
        key: "seed",
        label: "settings.seed.label",
        help: "settings.seed.help",
        // A JS number holds every u32 exactly, so the page, links and the JS API agree.
        bounds: Bounds::Whole { min: 0, max: u32::MAX as u64 },
        advanced: false,
        get: |c| Value::Whole(c.seed),
        set: |c, v| c.seed = whole(v),
    },
    Setting {
        field: Field::GradAccumulation,
        key: "grad-accumulation",
        label: "settings.grad-accumulation.label",
        help: "settings.grad-accumulation.help",
        bounds: Bounds::Whole { min: 1, max: 1024 },
        advanced: true,
        get: |c| Value::Whole(c.grad_accumulation as u64),
        set: |c, v| c.grad_accumulation = whole(v) as usize,
    },
    Setting {
        field: Field::EarlyStoppingPatience,
        key: "early-stopping",
        label: "settings.early-stopping.label",
        help: "settings.early-stopping.help",
        bounds: Bounds::OptionalWhole { min: 1, max: 1000 },
        advanced: true,
        get: |c| c.early_stopping_patience.map_or(Value::Off, |p| Value::Whole(p as u64)),
        set: |c, v| c.early_stopping_patience = matches!(v, Value::Whole(_)).then(|| whole(v) as usize),
    },
    Setting {
        field: Field::FreezeEmbeddings,
        key: "freeze-embeddings",
        label: "settings.freeze-embeddings.label",
        help: "settings.freeze-embeddings.help",
        bounds: Bounds::Switch,
        advanced: true,
        get: |c| Value::Switch(c.freeze_embeddings),
        set: |c, v| c.freeze_embeddings = switch(v),
    },
    Setting {
        field: Field::FrozenLayers,
        key: "frozen-layers",
        label: "settings.frozen-layers.label",
        help: "settings.frozen-layers.help",
        // BERT-large's depth; a model with fewer layers refuses more when training starts.
        bounds: Bounds::Whole { min: 0, max: 24 },
        advanced: true,
        get: |c| Value::Whole(c.frozen_layers as u64),
        set: |c, v| c.frozen_layers = whole(v) as usize,
    },
    Setting {
        field: Field::FreezeEncoder,
        key: "freeze-encoder",
        label: "settings.freeze-encoder.label",
        help: "settings.freeze-encoder.help",
        bounds: Bounds::Switch,
        advanced: true,
        get: |c| Value::Switch(c.freeze_encoder),
        set: |c, v| c.freeze_encoder = switch(v),
    },
    Setting {
        field: Field::GroupByLength,
        key: "group-by-length",
        label: "settings.group-by-length.label",
        help: "settings.group-by-length.help",
        bounds: Bounds::Switch,
        advanced: true,
        get: |c| Value::Switch(c.group_by_length),
        set: |c, v| c.group_by_length = switch(v),
    },
    Setting {
        field: Field::Lora,
        key: "lora",
        label: "settings.lora.label",
        help: "settings.lora.help",
        bounds: Bounds::OptionalWhole { min: 1, max: 256 },
        advanced: true,
        get: |c| c.lora_rank.map_or(Value::Off, |r| Value::Whole(r as u64)),
        set: |c, v| c.lora_rank = matches!(v, Value::Whole(_)).then(|| whole(v) as usize),
    },
    Setting {
        field: Field::LoraAlpha,
        key: "lora-alpha",
        label: "settings.lora-alpha.label",
        help: "settings.lora-alpha.help",
        bounds: Bounds::Real { min: 0.0, max: 1e4, min_included: false, max_included: true },
        advanced: true,
        get: |c| Value::Real(c.lora_alpha),
        set: |c, v| c.lora_alpha = real(v),
    },
    Setting {
        field: Field::LoraDropout,
        key: "lora-dropout",
        label: "settings.lora-dropout.label",
        help: "settings.lora-dropout.help",
        bounds: Bounds::Real { min: 0.0, max: 1.0, min_included: true, max_included: false },
        advanced: true,
        get: |c| Value::Real(c.lora_dropout),
        set: |c, v| c.lora_dropout = real(v),
    },
    Setting {
        field: Field::LoraAllLinear,
        key: "lora-all-linear",
        label: "settings.lora-all-linear.label",
        help: "settings.lora-all-linear.help",
        bounds: Bounds::Switch,
        advanced: true,
        get: |c| Value::Switch(c.lora_all_linear),
        set: |c, v| c.lora_all_linear = switch(v),
    },
    Setting {
        field: Field::Beta1,
        key: "beta1",
        label: "settings.beta1.label",
        help: "settings.beta1.help",
        bounds: Bounds::Real { min: 0.0, max: 1.0, min_included: true, max_included: false },
        advanced: true,
        get: |c| Value::Real(c.beta1),
        set: |c, v| c.beta1 = real(v),
    },
    Setting {
        field: Field::Beta2,
        key: "beta2",
        label: "settings.beta2.label",
        help: "settings.beta2.help",
        bounds: Bounds::Real { min: 0.0, max: 1.0, min_included: true, max_included: false },
        advanced: true,
        get: |c| Value::Real(c.beta2),
        set: |c, v| c.beta2 = real(v),
    },
    Setting {
        field: Field::Epsilon,
        key: "epsilon",
        label: "settings.epsilon.label",
        help: "settings.epsilon.help",
        bounds: Bounds::Real { min: 0.0, max: 1.0, min_included: false, max_included: true },
        advanced: true,
        get: |c| Value::Real(c.epsilon),
        set: |c, v| c.epsilon = real(v),
    },
];
