//! Data parsers, splits and label checks: every format, every tag scheme, the shared real
//! datasets, and bad inputs (each asserting its diagnostic and line).

mod big;
mod cluener;
mod conll;
mod format;
mod jsonl;
mod labels;
mod odd;
mod real;
mod robust;
mod spans;
mod split;
mod table;

use tunelab::core::data::{Diagnostic, Severity};

/// Asserts that a diagnostic of `severity` at `line` mentions `needle`.
#[track_caller]
pub fn expect(diagnostics: &[Diagnostic], severity: Severity, line: usize, needle: &str) {
    assert!(
        diagnostics.iter().any(|d| d.severity == severity && d.line == line && d.message.contains(needle)),
        "no {severity:?} at line {line} containing {needle:?} in {diagnostics:#?}"
    );
}

/// Asserts that there is no diagnostic at all.
#[track_caller]
pub fn clean(diagnostics: &[Diagnostic]) {
    assert!(diagnostics.is_empty(), "unexpected diagnostics: {diagnostics:#?}");
}

/// The lines of all error diagnostics, in order.
pub fn error_lines(diagnostics: &[Diagnostic]) -> Vec<usize> {
    diagnostics.iter().filter(|d| d.severity == Severity::Error).map(|d| d.line).collect()
}
