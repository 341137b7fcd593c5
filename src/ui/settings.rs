//! The training settings form over the core's table (`SETTINGS`): defaults, bounds, labels and
//! help all come from there, so the form and the CLI's flags cannot drift apart. Pure logic,
//! compiled and tested natively too.

use crate::core::train::{Bounds, Setting, TrainConfig, SETTINGS};
use crate::i18n::Language;

/// The form's controls: a number box, or a checkbox for an on/off setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Control {
    Number,
    Checkbox,
}

pub fn control(setting: &Setting) -> Control {
    match setting.bounds {
        Bounds::Switch => Control::Checkbox,
        _ => Control::Number,
    }
}

/// A number box's `step`: whole numbers step by 1, real numbers take any value.
pub fn step(setting: &Setting) -> &'static str {
    match setting.bounds {
        Bounds::Real { .. } => "any",
        _ => "1",
    }
}

/// Every setting's text in `config`, in the table's order (the form's fields).
pub fn texts(config: &TrainConfig) -> Vec<String> {
    SETTINGS.iter().map(|s| s.text(config)).collect()
}

/// The problem to show next to one field, if any.
pub fn check(language: Language, setting: &Setting, value: &str) -> Option<String> {
    setting.apply(&mut TrainConfig::default(), value).err().map(|e| e.reason(language))
}

/// The whole form as a config for `n_train` examples, or every problem found in `language`.
pub fn read_all(language: Language, values: &[String], n_train: usize) -> Result<TrainConfig, Vec<String>> {
    let mut config = TrainConfig::default();
    let mut problems: Vec<String> = SETTINGS
        .iter()
        .zip(values)
        .filter_map(|(setting, value)| setting.apply(&mut config, value).err().map(|e| e.words(language)))
        .collect();
    if problems.is_empty() {
        if let Err(e) = config.plan(n_train) {
            problems.push(e.words(language));
        }
    }
    if problems.is_empty() {
        Ok(config)
    } else {
        Err(problems)
    }
}
