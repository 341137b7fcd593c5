//! CoNLL-style NER files: one token per line, the token first and its tag last, a blank line
//! between sentences.
//!
//! Columns are split on tabs when the line has one (WNUT-17: `token<TAB>tag`, which lets a
//! token hold a space), otherwise on whitespace (CoNLL-2003: `EU NNP B-NP B-ORG`).
//! `-DOCSTART-` lines are document separators, not sentences.

use super::lines::Decoded;
use super::tag_scheme::{self, RawSentence, TagLines};
use super::{Diagnostic, Interner, NerFile, Parsed, TagScheme};

/// Reads a CoNLL file (any of the schemes in [`TagScheme`]); tags come back as IOB2.
pub fn parse_conll(bytes: &[u8]) -> Parsed<NerFile> {
    let decoded = Decoded::new(bytes);
    let mut diagnostics = decoded.diagnostics.clone();
    if let Some(empty) = decoded.empty_file() {
        diagnostics.push(empty);
        return Parsed { value: NerFile { examples: Vec::new(), scheme: TagScheme::Iob2 }, diagnostics };
    }

    let mut sentences = Vec::new();
    let mut current = empty_sentence();
    let mut atoms = Interner::default();

    for line in decoded.lines() {
        let (first, last, several) = columns(line.text);
        if first.is_empty() || (!several && first.trim().is_empty()) || first == "-DOCSTART-" {
            finish(&mut current, &mut sentences);
            continue;
        }
        if !several {
            diagnostics.push(Diagnostic::error(
                line.number,
                format!("only one column (\"{first}\"); expected a token and a tag; line skipped"),
            ));
            continue;
        }
        current.push_line(atoms.intern(first), atoms.intern(last), line.number);
    }
    finish(&mut current, &mut sentences);

    let (scheme, scheme_diagnostics) = tag_scheme::normalise(&mut sentences);
    diagnostics.extend(scheme_diagnostics);
    let examples = sentences.into_iter().map(RawSentence::into_example).collect();
    Parsed { value: NerFile { examples, scheme }, diagnostics }
}

fn empty_sentence() -> RawSentence {
    RawSentence::new(0, TagLines::Consecutive)
}

fn finish(current: &mut RawSentence, sentences: &mut Vec<RawSentence>) {
    if !current.tokens.is_empty() {
        sentences.push(std::mem::replace(current, empty_sentence()));
    }
}

/// The first column, the last column, and whether there is more than one column.
///
/// Columns are split on tabs when the line has one, else on spaces. Only the first and the
/// last column are scanned, byte by byte, because this runs once per token of large files.
fn columns(text: &str) -> (&str, &str, bool) {
    let bytes = text.as_bytes();
    let mut tabbed = false;
    for &b in bytes {
        if b == b'\t' {
            tabbed = true;
            break;
        }
    }
    let separates = if tabbed { |b: u8| b == b'\t' } else { |b: u8| matches!(b, b' ' | b'\t' | b'\x0b' | b'\x0c') };

    let mut start = 0;
    while start < bytes.len() && matches!(bytes[start], b' ' | b'\t' | b'\x0b' | b'\x0c') {
        start += 1;
    }
    let mut end = bytes.len();
    while end > start && matches!(bytes[end - 1], b' ' | b'\t' | b'\x0b' | b'\x0c') {
        end -= 1;
    }
    let mut first_end = start;
    while first_end < end && !separates(bytes[first_end]) {
        first_end += 1;
    }
    let mut last_start = end;
    while last_start > first_end && !separates(bytes[last_start - 1]) {
        last_start -= 1;
    }
    let mut first_trimmed = first_end;
    while first_trimmed > start && matches!(bytes[first_trimmed - 1], b' ' | b'\x0b' | b'\x0c') {
        first_trimmed -= 1;
    }
    let first = &text[start..first_trimmed];
    if last_start <= first_end {
        return (first, first, false);
    }
    while last_start < end && matches!(bytes[last_start], b' ' | b'\x0b' | b'\x0c') {
        last_start += 1;
    }
    (first, &text[last_start..end], true)
}
