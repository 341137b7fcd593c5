//! The training settings as flags, one per row of the core's table (`SETTINGS`): the flag is the
//! row's key, its help the row's help, its default `TrainConfig::default()`'s value and its
//! check the row's bounds. A setting added to the table is a flag here with nothing to write.

use clap::builder::StyledStr;
use clap::error::ErrorKind;
use clap::{Arg, ArgAction, ArgMatches, Args, FromArgMatches};

use crate::core::train::{Bounds, Field, Setting, TrainConfig, SETTINGS};
use crate::i18n::Language;

/// Flag names of earlier versions, still accepted.
const ALIASES: [(Field, &str); 3] =
    [(Field::LearningRate, "lr"), (Field::BatchSize, "batch"), (Field::WarmupRatio, "warmup")];

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
        Bounds::OptionalWhole { .. } => valued(arg, "N").help(help(format!("[{}; default: off]", setting.bounds))),
        _ => valued(arg, "VALUE").help(help(format!("[{}; default: {}]", setting.bounds, setting.text(defaults)))),
    }
}

/// A value parser that refuses what the setting's bounds refuse, with the core's reason.
fn checked(setting: &'static Setting) -> impl Fn(&str) -> Result<String, String> + Clone + Send + Sync + 'static {
    move |text: &str| {
        setting
            .apply(&mut TrainConfig::default(), text)
            .map(|()| text.to_string())
            .map_err(|e| e.reason(Language::English))
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
            if let Some(text) = given {
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
