//! Reading the catalogue files: `key = text` per line, `#` comments, blank lines between.
//! `{name}` in a text is a placeholder, `{{` and `}}` are braces, `\n` is a line break and `\s`
//! a space (a text is trimmed, so a space at its end is written so).

use std::collections::HashMap;
use std::fmt::Display;

/// One line that is not a comment, a blank or a `key = text`, or a key given twice.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CatalogueError {
    #[error("line {line}: not `key = text`")]
    Malformed { line: usize },
    #[error("line {line}: the key `{key}` is not lowercase words joined by dots")]
    BadKey { line: usize, key: String },
    #[error("line {line}: `{key}` is given twice")]
    Duplicate { line: usize, key: String },
}

/// A file's entries in order, and its problems (the page skips bad lines; a test fails on them).
pub fn parse(text: &str) -> (Vec<(&str, String)>, Vec<CatalogueError>) {
    let mut entries: Vec<(&str, String)> = Vec::new();
    let mut problems = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        let trimmed = raw.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let Some((key, value)) = trimmed.split_once(" = ").or_else(|| trimmed.strip_suffix(" =").map(|k| (k, "")))
        else {
            problems.push(CatalogueError::Malformed { line });
            continue;
        };
        let key = key.trim();
        if !is_key(key) {
            problems.push(CatalogueError::BadKey { line, key: key.to_string() });
        } else if entries.iter().any(|(k, _)| *k == key) {
            problems.push(CatalogueError::Duplicate { line, key: key.to_string() });
        } else {
            entries.push((key, unescape(value.trim())));
        }
    }
    (entries, problems)
}

/// `area.thing` or deeper: lowercase ASCII letters, digits, `_` and `-`, joined by dots.
pub fn is_key(key: &str) -> bool {
    let mut parts = key.split('.');
    let words = parts.clone().count();
    words >= 2
        && parts.all(|p| {
            !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
        })
}

fn unescape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        match (c, c == '\\') {
            (_, true) => match chars.next() {
                Some('n') => out.push('\n'),
                Some('s') => out.push(' '),
                Some(other) => out.push(other),
                None => out.push('\\'),
            },
            (c, false) => out.push(c),
        }
    }
    out
}

/// The placeholder names of a text, in order of appearance, without repeats.
pub fn placeholders(text: &str) -> Vec<&str> {
    let mut names: Vec<&str> = Vec::new();
    for piece in pieces(text) {
        if let Piece::Placeholder(name) = piece {
            if !names.contains(&name) {
                names.push(name);
            }
        }
    }
    names
}

enum Piece<'a> {
    Text(&'a str),
    Placeholder(&'a str),
}

/// A text cut into literal runs and `{name}` placeholders; `{{`/`}}` give one brace.
fn pieces(text: &str) -> Vec<Piece<'_>> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find(['{', '}']) {
        out.push(Piece::Text(&rest[..at]));
        let brace = &rest[at..at + 1];
        let after = &rest[at + 1..];
        if after.starts_with(brace) {
            out.push(Piece::Text(brace));
            rest = &after[1..];
        } else if let (Some(end), "{") = (after.find('}'), brace) {
            out.push(Piece::Placeholder(&after[..end]));
            rest = &after[end + 1..];
        } else {
            out.push(Piece::Text(brace));
            rest = after;
        }
    }
    out.push(Piece::Text(rest));
    out
}

/// `template` with each `{name}` replaced by its argument; an argument that is missing leaves
/// the placeholder as written, so a slip shows instead of vanishing.
pub fn fill(template: &str, args: &[(&str, &dyn Display)]) -> String {
    let mut out = String::with_capacity(template.len());
    for piece in pieces(template) {
        match piece {
            Piece::Text(text) => out.push_str(text),
            Piece::Placeholder(name) => match args.iter().find(|(n, _)| *n == name) {
                Some((_, value)) => out.push_str(&value.to_string()),
                None => {
                    out.push('{');
                    out.push_str(name);
                    out.push('}');
                }
            },
        }
    }
    out
}

/// A language's entries by key.
pub type Table = HashMap<&'static str, String>;

/// The entries of every file, skipping bad lines.
pub fn table(files: &[&'static str]) -> Table {
    files.iter().flat_map(|text| parse(text).0).collect()
}
