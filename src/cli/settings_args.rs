//! The training settings as flags, one per row of the core's table (`SETTINGS`): the flag is the
//! row's key, its help the row's help, its default `TrainConfig::default()`'s value and its
//! check the row's bounds. A setting added to the table is a flag here with nothing to write.

use clap::builder::StyledStr;
use clap::error::ErrorKind;
use clap::{Arg, ArgAction, ArgMatches, Args, FromArgMatches};

use crate::core::train::{Bounds, Field, Setting, SettingError, TrainConfig, SETTINGS};
use crate::i18n::Language;

/// Flag names of earlier versions, still accepted.
const ALIASES: [(Field, &str); 3] =
    [(Field::LearningRate, "lr"), (Field::BatchSize, "batch"), (Field::WarmupRatio, "warmup")];

/// Flags whose value may carry a second setting after a comma: `--lora 8,16` is peft's
/// `r = 8, lora_alpha = 16`.
const PAIRED: [(Field, Field); 1] = [(Field::Lora, Field::LoraAlpha)];

/// A flag's value split into its own setting's text and, for a [`PAIRED`] flag, the second's.
fn split_pair(setting: &Setting, text: &str) -> Vec<(&'static Setting, String)> {
    let partner = PAIRED.iter().find(|(field, _)| *field == setting.field).map(|(_, second)| second.setting());
    match (partner, text.split_once(',')) {
        (Some(second), Some((first, rest))) => {
            vec![(setting.field.setting(), first.to_string()), (second, rest.to_string())]
        }
        _ => vec![(setting.field.setting(), text.to_string())],
    }
}

/// The settings a `tunelab train` command line gives, over the recipe's defaults.
#[derive(Debug, Clone, Default)]
pub struct SettingsArgs(pub TrainConfig);

fn flag(setting: &'static Setting, defaults: &TrainConfig) -> Arg {
    let mut arg = Arg::new(setting.key).long(setting.key).help_heading("Training settings");
    for (_, alias) in ALIASES.iter().filter(|(field, _)| *field == setting.field) {
        arg = arg.visible_alias(*alias);
    }
    let help = |tail: String| StyledStr::from(format!("{} {tail}", setting.help(Language::English)));
    // Negative numbers are values to refuse with the bounds, not unknown flags.
    let valued =
        |arg: Arg, name: &'static str| arg.value_name(name).allow_negative_numbers(true).value_parser(checked(setting));
    match setting.bounds {
        Bounds::Switch => arg.action(ArgAction::SetTrue).help(help("[default: off]".into())),
        Bounds::OptionalWhole { .. } if PAIRED.iter().any(|(field, _)| *field == setting.field) => {
            valued(arg, "N[,VALUE]").help(help(format!("[{}; default: off]", setting.bounds)))
        }
        Bounds::OptionalWhole { .. } => valued(arg, "N").help(help(format!("[{}; default: off]", setting.bounds))),
        _ => valued(arg, "VALUE").help(help(format!("[{}; default: {}]", setting.bounds, setting.text(defaults)))),
    }
}

/// A value parser that refuses what the setting's bounds refuse, with the core's reason.
fn checked(setting: &'static Setting) -> impl Fn(&str) -> Result<String, String> + Clone + Send + Sync + 'static {
    move |text: &str| {
        let mut config = TrainConfig::default();
        for (i, (setting, part)) in split_pair(setting, text).into_iter().enumerate() {
            // The flag's own setting is named by clap; the paired one by its words.
            let words = |e: SettingError| if i == 0 { e.reason(Language::English) } else { e.words(Language::English) };
            setting.apply(&mut config, &part).map_err(words)?;
        }
        Ok(text.to_string())
    }
}

impl Args for SettingsArgs {
    fn augment_args(cmd: clap::Command) -> clap::Command {
        let defaults = TrainConfig::default();
        cmd.args(SETTINGS.iter().map(|setting| flag(setting, &defaults)))
    }

    fn augment_args_for_update(cmd: clap::Command) -> clap::Command {
        Self::augment_args(cmd)
    }
}

impl FromArgMatches for SettingsArgs {
    fn from_arg_matches(matches: &ArgMatches) -> Result<Self, clap::Error> {
        let mut config = TrainConfig::default();
        for setting in &SETTINGS {
            let given = match setting.bounds {
                Bounds::Switch => matches.get_flag(setting.key).then(|| "true".to_string()),
                _ => matches.get_one::<String>(setting.key).cloned(),
            };
            for (setting, text) in given.iter().flat_map(|text| split_pair(setting, text)) {
                setting
                    .apply(&mut config, &text)
                    .map_err(|e| clap::Error::raw(ErrorKind::ValueValidation, format!("{e}\n")))?;
            }
        }
        Ok(Self(config))
    }

    fn update_from_arg_matches(&mut self, matches: &ArgMatches) -> Result<(), clap::Error> {
        *self = Self::from_arg_matches(matches)?;
        Ok(())
    }
}
