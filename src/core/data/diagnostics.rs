use serde::{Deserialize, Serialize};

/// How serious a problem in an input file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The input was read, but differently from how it was written (e.g. a tag scheme converted).
    Warning,
    /// Part of the input could not be used; the message says what was left out.
    Error,
}

/// One problem found in an input file, located by its 1-based line (0 = the file as a whole).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Diagnostic {
    pub line: usize,
    pub severity: Severity,
    pub message: String,
}

impl Diagnostic {
    pub fn error(line: usize, message: impl Into<String>) -> Self {
        Self { line, severity: Severity::Error, message: escape_controls(message.into()) }
    }

    pub fn warning(line: usize, message: impl Into<String>) -> Self {
        Self { line, severity: Severity::Warning, message: escape_controls(message.into()) }
    }
}

/// A message that quotes a file may carry its control characters; written raw to a terminal,
/// an escape sequence would act. They are shown escaped (`\u{1b}`), on the CLI and the page.
fn escape_controls(message: String) -> String {
    if !message.chars().any(char::is_control) {
        return message;
    }
    message.chars().map(|c| if c.is_control() { c.escape_default().to_string() } else { c.to_string() }).collect()
}

impl std::fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind = match self.severity {
            Severity::Warning => "warning",
            Severity::Error => "error",
        };
        match self.line {
            0 => write!(f, "{kind}: {}", self.message),
            line => write!(f, "line {line}: {kind}: {}", self.message),
        }
    }
}

/// A parser's answer: what it could read, and every problem it met on the way.
#[derive(Debug, Clone, PartialEq)]
pub struct Parsed<T> {
    pub value: T,
    pub diagnostics: Vec<Diagnostic>,
}

impl<T> Parsed<T> {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(|d| d.severity == Severity::Error)
    }
}
