//! A lesson: the frame a teacher puts around a shared run. It says which settings the student
//! sees, which are locked (at the link's value, with a reason) and which are hidden; a title and
//! instructions; an optional goal on the dev metric; and the steps the guide walks through.

use serde::{Deserialize, Serialize};

use crate::core::model::Task;
use crate::core::train::Field;
use crate::i18n::{text, Language};
use crate::tr;

/// Longest title and instructions a lesson may carry (characters).
pub const TITLE_CAP: usize = 200;
pub const INSTRUCTIONS_CAP: usize = 10_000;

/// How a setting shows in the student's form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Access {
    #[default]
    Shown,
    /// Kept at the link's value; the student sees it greyed, with the teacher's reason.
    Locked,
    /// Kept at the link's value and not shown at all.
    Hidden,
}

/// A teacher's rule for one setting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SettingRule {
    pub field: Field,
    pub access: Access,
    /// Why it is locked, in the teacher's words.
    #[serde(default)]
    pub reason: String,
}

/// A target on the dev set's headline metric: accuracy, or entity F1 (seqeval's default mode).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Goal {
    pub at_least: f64,
}

/// A stage of the page that the guide can walk through, in the page's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GuideStep {
    Data,
    Settings,
    Train,
    Results,
    TryIt,
    HandIn,
}

impl GuideStep {
    pub const ALL: [GuideStep; 6] = [
        GuideStep::Data,
        GuideStep::Settings,
        GuideStep::Train,
        GuideStep::Results,
        GuideStep::TryIt,
        GuideStep::HandIn,
    ];
}

/// What the student has done so far, as the guide reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Progress {
    pub data_loaded: bool,
    pub run_started: bool,
    pub run_ended: bool,
    pub tried: bool,
    pub handed_in: bool,
}

/// A lesson as it travels in a link or a lesson file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Lesson {
    pub title: String,
    /// Plain text; a blank line starts a new paragraph.
    #[serde(default)]
    pub instructions: String,
    #[serde(default)]
    pub rules: Vec<SettingRule>,
    #[serde(default)]
    pub goal: Option<Goal>,
    #[serde(default)]
    pub guide: Vec<GuideStep>,
}

/// Why a lesson cannot be used as it is.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{}", self.words(Language::English))]
pub enum LessonError {
    NoTitle,
    LongTitle,
    LongInstructions,
    Goal(f64),
    TwiceRuled(&'static str),
}

impl LessonError {
    pub fn words(&self, language: Language) -> String {
        match self {
            Self::NoTitle => text(language, "errors.lesson.no-title", &[]),
            Self::LongTitle => tr!(language, "errors.lesson.long-title", cap = TITLE_CAP),
            Self::LongInstructions => tr!(language, "errors.lesson.long-instructions", cap = INSTRUCTIONS_CAP),
            Self::Goal(goal) => tr!(language, "errors.lesson.goal", goal = goal),
            Self::TwiceRuled(key) => tr!(language, "errors.lesson.twice-ruled", key = key),
        }
    }
}

impl Lesson {
    pub fn check(&self) -> Result<(), LessonError> {
        if self.title.trim().is_empty() {
            return Err(LessonError::NoTitle);
        }
        if self.title.chars().count() > TITLE_CAP {
            return Err(LessonError::LongTitle);
        }
        if self.instructions.chars().count() > INSTRUCTIONS_CAP {
            return Err(LessonError::LongInstructions);
        }
        if let Some(goal) = self.goal {
            if !(goal.at_least > 0.0 && goal.at_least <= 1.0) {
                return Err(LessonError::Goal(goal.at_least));
            }
        }
        for (i, rule) in self.rules.iter().enumerate() {
            if self.rules[..i].iter().any(|r| r.field == rule.field) {
                return Err(LessonError::TwiceRuled(rule.field.setting().key));
            }
        }
        Ok(())
    }

    pub fn access(&self, field: Field) -> Access {
        self.rules.iter().find(|r| r.field == field).map_or(Access::Shown, |r| r.access)
    }

    /// The teacher's reason for a locked setting.
    pub fn reason(&self, field: Field) -> Option<&str> {
        self.rules
            .iter()
            .find(|r| r.field == field && r.access == Access::Locked)
            .map(|r| r.reason.trim())
            .filter(|r| !r.is_empty())
    }

    /// The instructions' paragraphs, split at blank lines.
    pub fn paragraphs(&self) -> Vec<String> {
        let mut out = Vec::new();
        let mut current: Vec<&str> = Vec::new();
        for line in self.instructions.lines().map(str::trim) {
            if line.is_empty() {
                if !current.is_empty() {
                    out.push(current.join(" "));
                    current.clear();
                }
            } else {
                current.push(line);
            }
        }
        if !current.is_empty() {
            out.push(current.join(" "));
        }
        out
    }

    /// The guide's steps in the page's order, once each (all of them when the teacher chose none).
    pub fn steps(&self) -> Vec<GuideStep> {
        let mut steps = if self.guide.is_empty() { GuideStep::ALL.to_vec() } else { self.guide.clone() };
        steps.sort();
        steps.dedup();
        steps
    }

    /// Where the student is: the index into [`Lesson::steps`] of the first step not yet done.
    pub fn current_step(&self, progress: Progress) -> usize {
        let steps = self.steps();
        steps.iter().position(|step| !step.done(progress)).unwrap_or(steps.len().saturating_sub(1))
    }

    /// Whether `best`, the best dev figure of the run so far, meets the goal.
    pub fn goal_met(&self, best: Option<f64>) -> Option<bool> {
        self.goal.map(|goal| best.is_some_and(|b| b >= goal.at_least))
    }
}

impl GuideStep {
    fn done(self, p: Progress) -> bool {
        match self {
            GuideStep::Data => p.data_loaded,
            GuideStep::Settings => p.run_started,
            GuideStep::Train => p.run_ended,
            GuideStep::Results => p.tried || p.handed_in,
            GuideStep::TryIt => p.tried,
            GuideStep::HandIn => p.handed_in,
        }
    }
}

/// The name of a task's headline metric, for a goal.
pub fn metric_name(language: Language, task: Task) -> String {
    let key = match task {
        Task::Cls => "guide.metric-cls",
        Task::Ner => "guide.metric-ner",
    };
    text(language, key, &[])
}
