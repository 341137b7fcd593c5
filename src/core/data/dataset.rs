//! A task's dataset from its files: each parsed by the task's parsers, the training part limited,
//! and split 80/10/10 (stratified, seeded) when no dev file is given, with every file's
//! diagnostics. The CLI and the worker are thin adapters over this one entry point.

use super::{parse_classification, parse_ner, Diagnostic, Examples, Fractions, Severity, TableOptions};
use crate::core::model::Task;

/// A labelled file: its bytes, and the name its diagnostics are reported under.
#[derive(Debug, Clone, Copy)]
pub struct DataSource<'a> {
    pub name: &'a str,
    pub bytes: &'a [u8],
}

/// How the files are read and split.
#[derive(Debug, Clone, Default)]
pub struct DatasetOptions {
    pub table: TableOptions,
    /// Use only the first N training examples.
    pub limit: Option<usize>,
    /// The split's seed (the run's seed).
    pub seed: u64,
}

/// The parts training and evaluation use.
#[derive(Debug, Clone)]
pub struct Dataset {
    pub task: Task,
    pub train: Examples,
    /// `None` when a split left it empty.
    pub dev: Option<Examples>,
    /// The test file, else the split's test part; `None` when there is neither.
    pub test: Option<Examples>,
    /// Whether dev (and test) were split off the training file.
    pub split: bool,
}

/// Every problem found, by part. Dev's include the labels it has that training lacks.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DatasetDiagnostics {
    pub train: Vec<Diagnostic>,
    pub dev: Vec<Diagnostic>,
    pub test: Vec<Diagnostic>,
}

/// A file that cannot be trained on, and why.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{file}: {}", self.reason_text())]
pub struct DatasetError {
    pub file: String,
    /// All of the file's problems, the reason among them.
    pub diagnostics: Vec<Diagnostic>,
    pub reason: Refused,
}

/// Why a file is refused.
#[derive(Debug, Clone, PartialEq)]
pub enum Refused {
    /// Nothing usable was read.
    NoExamples,
    /// Every training example has this one label: a classifier needs two to tell apart.
    OneLabel(String),
}

impl DatasetError {
    fn reason_text(&self) -> String {
        match &self.reason {
            Refused::NoExamples => {
                let first = first_error(&self.diagnostics).map(|d| format!(" ({d})")).unwrap_or_default();
                format!("no usable examples{first}")
            }
            Refused::OneLabel(label) => format!(
                "every training example has the label `{label}`: a classifier needs examples of at least two labels to \
                 learn to tell them apart"
            ),
        }
    }
}

fn first_error(diagnostics: &[Diagnostic]) -> Option<&Diagnostic> {
    diagnostics.iter().find(|d| d.severity == Severity::Error)
}

/// One file read for `task`; refused only when nothing usable was read.
pub fn read_examples(
    task: Task,
    source: DataSource<'_>,
    table: &TableOptions,
) -> Result<(Examples, Vec<Diagnostic>), DatasetError> {
    let (examples, diagnostics) = match task {
        Task::Cls => {
            let parsed = parse_classification(source.bytes, source.name, table);
            (Examples::Cls(parsed.value), parsed.diagnostics)
        }
        Task::Ner => {
            let parsed = parse_ner(source.bytes, source.name);
            (Examples::Ner(parsed.value.examples), parsed.diagnostics)
        }
    };
    if examples.is_empty() {
        let file = if source.name.is_empty() { "pasted text".to_string() } else { source.name.to_string() };
        return Err(DatasetError { file, diagnostics, reason: Refused::NoExamples });
    }
    Ok((examples, diagnostics))
}

/// The dataset of `task` from a training file, and a dev and a test file where given.
pub fn load_dataset(
    task: Task,
    train: DataSource<'_>,
    dev: Option<DataSource<'_>>,
    test: Option<DataSource<'_>>,
    options: &DatasetOptions,
) -> Result<(Dataset, DatasetDiagnostics), DatasetError> {
    let name = train.name;
    let (train, train_diagnostics) = read_examples(task, train, &options.table)?;
    let train = train.limit(options.limit);
    if let Examples::Cls(examples) = &train {
        let first = examples.first().map(|e| e.label.clone()).unwrap_or_default();
        if !examples.is_empty() && examples.iter().all(|e| e.label == first) {
            let file = if name.is_empty() { "pasted text".to_string() } else { name.to_string() };
            return Err(DatasetError { file, diagnostics: train_diagnostics, reason: Refused::OneLabel(first) });
        }
    }
    let (test, test_diagnostics) = match test {
        Some(file) => {
            let (test, diagnostics) = read_examples(task, file, &options.table)?;
            (Some(test), diagnostics)
        }
        None => (None, Vec::new()),
    };
    let mut diagnostics = DatasetDiagnostics { train: train_diagnostics, dev: Vec::new(), test: test_diagnostics };
    let non_empty = |e: Examples| Some(e).filter(|e| !e.is_empty());
    let dataset = match dev {
        Some(file) => {
            let (dev, dev_diagnostics) = read_examples(task, file, &options.table)?;
            diagnostics.dev = dev_diagnostics;
            diagnostics.dev.extend(dev.unseen_in(&train));
            Dataset { task, train, dev: Some(dev), test, split: false }
        }
        None => {
            let (train, dev, split_test) = train.split(Fractions::DEFAULT, options.seed);
            Dataset { task, train, dev: non_empty(dev), test: test.or_else(|| non_empty(split_test)), split: true }
        }
    };
    Ok((dataset, diagnostics))
}
