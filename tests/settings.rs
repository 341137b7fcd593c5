//! One source of truth for the training settings: the core's table, the page's form and the
//! CLI's flags agree on every setting, default and bound.

use clap::{CommandFactory, Parser};
use tunelab::cli::{Cli, Command};
use tunelab::core::train::{Bounds, Field, TrainConfig, Value, SETTINGS};
use tunelab::i18n::Language;
use tunelab::ui::settings::{check, read_all, texts};

const BASE: [&str; 7] = ["tunelab", "train", "--model", "m", "--task", "ner", "--train"];

fn parse(extra: &[&str]) -> Result<TrainConfig, clap::Error> {
    let args = BASE.iter().copied().chain(["t.conll"]).chain(extra.iter().copied());
    match Cli::try_parse_from(args)?.command {
        Command::Train(train) => Ok(train.settings.0),
        other => panic!("parsed as another command: {other:?}"),
    }
}

/// A value inside the bounds that differs from the default, as typed text.
fn other_value(bounds: Bounds, default: Value) -> String {
    match (bounds, default) {
        (Bounds::Whole { min, max }, Value::Whole(d)) => (if d < max { d + 1 } else { min }).to_string(),
        (Bounds::OptionalWhole { min, .. }, _) => (min + 1).to_string(),
        (Bounds::Real { min, max, .. }, Value::Real(d)) => {
            let upper = if max.is_finite() { max } else { min + 10.0 };
            let candidate = (d + upper) / 2.0;
            if candidate == d {
                ((min + d) / 2.0).to_string()
            } else {
                candidate.to_string()
            }
        }
        (Bounds::Switch, Value::Switch(d)) => (!d).to_string(),
        other => panic!("a default that does not fit its bounds: {other:?}"),
    }
}

#[test]
fn the_table_is_in_the_enums_order_with_unique_keys_and_valid_defaults() {
    assert_eq!(SETTINGS.len(), Field::Epsilon as usize + 1, "one row per field");
    for (i, setting) in SETTINGS.iter().enumerate() {
        assert_eq!(setting.field as usize, i, "{}", setting.key);
        assert_eq!(setting.field.setting().key, setting.key);
        assert_eq!(SETTINGS.iter().filter(|s| s.key == setting.key).count(), 1, "{}", setting.key);
        for language in Language::ALL {
            let (label, help) = (setting.label(language), setting.help(language));
            assert!(!label.is_empty() && label != setting.key, "{}: {label}", setting.key);
            assert!(help.ends_with(['.', '。']), "{}: {help}", setting.key);
        }
    }
    TrainConfig::default().validate().expect("the recipe's defaults are inside their bounds");
}

#[test]
fn the_cli_has_a_flag_per_setting_with_the_recipes_defaults() {
    let command = Cli::command();
    let train = command.find_subcommand("train").expect("train subcommand");
    for setting in &SETTINGS {
        let arg = train.get_arguments().find(|a| a.get_long() == Some(setting.key));
        assert!(arg.is_some(), "no --{} flag", setting.key);
    }
    assert_eq!(parse(&[]).expect("defaults"), TrainConfig::default());
    let old = parse(&["--lr", "0.001", "--batch", "8", "--warmup", "0.2"]).expect("old flag names");
    assert_eq!((old.learning_rate, old.batch_size, old.warmup_ratio), (0.001, 8, 0.2));
}

#[test]
fn every_setting_is_read_the_same_by_the_cli_and_the_form() {
    let defaults = TrainConfig::default();
    for setting in &SETTINGS {
        let text = other_value(setting.bounds, setting.get(&defaults));
        let flag = format!("--{}", setting.key);
        let from_cli = match setting.bounds {
            Bounds::Switch => parse(&[&flag]),
            _ => parse(&[&flag, &text]),
        }
        .unwrap_or_else(|e| panic!("{flag} {text}: {e}"));
        let mut values = texts(&defaults);
        values[setting.field as usize] = text.clone();
        let from_form = read_all(Language::English, &values, 100).unwrap_or_else(|e| panic!("{flag} {text}: {e:?}"));
        assert_eq!(from_cli, from_form, "{flag} {text}");
        assert_ne!(setting.get(&from_cli), setting.get(&defaults), "{flag} {text} changed nothing");
        assert_eq!(setting.text(&from_cli), setting.text(&from_form));
    }
}

#[test]
fn out_of_bounds_values_are_refused_alike_with_the_bounds_named() {
    for (field, text) in [
        (Field::Epochs, "0"),
        (Field::LearningRate, "0"),
        (Field::BatchSize, "2000"),
        (Field::MaxLen, "4"),
        (Field::WeightDecay, "1"),
        (Field::Dropout, "1"),
        (Field::Seed, "4294967296"),
        (Field::EarlyStoppingPatience, "0"),
        (Field::MaxGradNorm, "-1"),
        (Field::Epsilon, "abc"),
    ] {
        let setting = field.setting();
        let form =
            check(Language::English, setting, text).unwrap_or_else(|| panic!("the form took {} = {text}", setting.key));
        let cli = parse(&[&format!("--{}", setting.key), text]).expect_err(setting.key).to_string();
        assert!(cli.contains(&form), "{}: CLI says {cli:?}, form says {form:?}", setting.key);
        let mut values = texts(&TrainConfig::default());
        values[field as usize] = text.to_string();
        let problems = read_all(Language::English, &values, 100).expect_err(setting.key);
        assert_eq!(problems, [format!("{}: {form}", setting.label(Language::English))]);
    }
    for (field, text) in [(Field::WeightDecay, "0.99"), (Field::Seed, "4294967295"), (Field::EarlyStoppingPatience, "")]
    {
        assert_eq!(check(Language::English, field.setting(), text), None, "{field:?} = {text:?}");
    }
}

#[test]
fn the_form_reports_an_empty_dataset_once_the_fields_are_fine() {
    let problems = read_all(Language::English, &texts(&TrainConfig::default()), 0).expect_err("no examples");
    assert_eq!(problems, ["there are no training examples to train on"]);
}

#[test]
fn the_form_words_its_problems_in_the_pages_language() {
    let mut values = texts(&TrainConfig::default());
    values[Field::Epochs as usize] = "0".into();
    values[Field::LearningRate as usize] = "abc".into();
    let problems = read_all(Language::SimplifiedChinese, &values, 100).expect_err("two problems");
    assert_eq!(problems, ["训练轮数：必须是 1 到 1000 之间的整数，而不是 0", "学习率：“abc”不是数字"]);
    let english = read_all(Language::English, &values, 100).expect_err("two problems");
    assert_eq!(
        english,
        ["Epochs: must be a whole number from 1 to 1000, not 0", "Learning rate: `abc` is not a number"]
    );
}

#[test]
fn a_small_share_of_parameters_is_not_shown_as_zero() {
    use tunelab::ui::format::percent;
    assert_eq!(percent(770, 22_713_986), "0.0034");
    assert_eq!(percent(3, 400), "0.75");
    assert_eq!(percent(11_000_000, 22_713_986), "48");
    assert_eq!(percent(1, 1), "100");
    assert_eq!(percent(0, 5), "0");
    assert_eq!(percent(1, 0), "100");
}
