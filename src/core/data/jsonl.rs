//! JSON Lines: one JSON object per line, for classification (`{"text", "label"}`) and for NER
//! as words and tags (`{"tokens": […], "tags": […]}`).
//!
//! Each line is parsed on its own, so one bad line costs one example and one diagnostic.

use serde_json::{Map, Value};

use super::lines::{Decoded, Line};
use super::table::{LABEL_COLUMNS, TEXT_COLUMNS};
use super::tag_scheme::{self, RawSentence, TagLines};
use super::{Atom, ClsExample, Diagnostic, Interner, NerFile, Parsed, TagScheme};

/// One JSON object per non-blank line, or a diagnostic for the line. A file that is one JSON
/// array gets a single diagnostic instead of one per line.
pub(crate) fn objects<'a>(
    decoded: &'a Decoded<'_>,
) -> impl Iterator<Item = (Line<'a>, Result<Map<String, Value>, Diagnostic>)> + 'a {
    let mut lines = decoded.lines().filter(|line| !line.text.trim().is_empty()).peekable();
    let array = lines.peek().is_some_and(|line| line.text.trim_start().starts_with('['));
    lines.take(if array { 1 } else { usize::MAX }).map(move |line| {
        if array {
            let message = "the file is a JSON array; expected JSON Lines (one object per line); file skipped";
            return (line, Err(Diagnostic::error(line.number, message)));
        }
        let object = match serde_json::from_str::<Value>(line.text) {
            Ok(Value::Object(map)) => Ok(map),
            Ok(other) => Err(Diagnostic::error(
                line.number,
                format!("expected a JSON object, found {}; line skipped", kind(&other)),
            )),
            Err(e) => Err(Diagnostic::error(line.number, json_error(&e))),
        };
        (line, object)
    })
}

/// serde_json's message without its "at line 1 column N" (every line is line 1 to it).
fn json_error(e: &serde_json::Error) -> String {
    let message = e.to_string();
    let message = message.rsplit_once(" at line ").map_or(message.as_str(), |(m, _)| m);
    format!("invalid JSON at column {}: {message}; line skipped", e.column())
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// The first of `names` present in the object, with the key that matched.
fn field<'a>(object: &'a Map<String, Value>, names: &[&'static str]) -> Option<(&'static str, &'a Value)> {
    names.iter().find_map(|&name| object.get(name).map(|v| (name, v)))
}

/// Reads classification JSONL: `{"text": "…", "label": "…" | number}` per line (the table's
/// column names are accepted as keys too). A numeric or boolean label keeps its JSON spelling.
pub fn parse_cls_jsonl(bytes: &[u8]) -> Parsed<Vec<ClsExample>> {
    let decoded = Decoded::new(bytes);
    let mut diagnostics = decoded.diagnostics.clone();
    if let Some(empty) = decoded.empty_file() {
        diagnostics.push(empty);
        return Parsed { value: Vec::new(), diagnostics };
    }
    let mut examples = Vec::new();
    for (line, object) in objects(&decoded) {
        match object.and_then(|o| cls_example(&o, line.number)) {
            Ok(example) => examples.push(example),
            Err(d) => diagnostics.push(d),
        }
    }
    Parsed { value: examples, diagnostics }
}

fn cls_example(object: &Map<String, Value>, line: usize) -> Result<ClsExample, Diagnostic> {
    let text = match field(object, TEXT_COLUMNS) {
        Some((_, Value::String(s))) if !s.trim().is_empty() => s.trim().to_string(),
        Some((key, Value::String(_))) => {
            return Err(Diagnostic::error(line, format!("\"{key}\" is empty; line skipped")))
        }
        Some((key, other)) => {
            return Err(Diagnostic::error(
                line,
                format!("\"{key}\" must be a string, found {}; line skipped", kind(other)),
            ))
        }
        None => return Err(Diagnostic::error(line, "no \"text\" field; line skipped")),
    };
    let label = match field(object, LABEL_COLUMNS) {
        Some((_, Value::String(s))) if !s.trim().is_empty() => s.trim().to_string(),
        Some((_, Value::Number(n))) => n.to_string(),
        Some((_, Value::Bool(b))) => b.to_string(),
        Some((key, Value::String(_))) => {
            return Err(Diagnostic::error(line, format!("\"{key}\" is empty; line skipped")))
        }
        Some((key, other)) => {
            return Err(Diagnostic::error(
                line,
                format!("\"{key}\" must be a string or a number, found {}; line skipped", kind(other)),
            ))
        }
        None => return Err(Diagnostic::error(line, "no \"label\" field; line skipped")),
    };
    Ok(ClsExample { text, label, line })
}

/// Reads NER JSONL with words and tags: `{"tokens": […], "tags": […]}` per line (`ner_tags`
/// is accepted for `tags` when it holds strings). Tags are normalised to IOB2 as in CoNLL.
pub fn parse_ner_jsonl(bytes: &[u8]) -> Parsed<NerFile> {
    let decoded = Decoded::new(bytes);
    let mut diagnostics = decoded.diagnostics.clone();
    if let Some(empty) = decoded.empty_file() {
        diagnostics.push(empty);
        return Parsed { value: NerFile { examples: Vec::new(), scheme: TagScheme::Iob2 }, diagnostics };
    }
    let mut sentences = Vec::new();
    let mut atoms = Interner::default();
    for (line, object) in objects(&decoded) {
        match object.and_then(|o| raw_sentence(&o, line.number, &mut atoms)) {
            Ok(sentence) => sentences.push(sentence),
            Err(d) => diagnostics.push(d),
        }
    }
    let (scheme, scheme_diagnostics) = tag_scheme::normalise(&mut sentences);
    diagnostics.extend(scheme_diagnostics);
    let examples = sentences.into_iter().map(RawSentence::into_example).collect();
    Parsed { value: NerFile { examples, scheme }, diagnostics }
}

fn strings(value: &Value, key: &str, line: usize, atoms: &mut Interner) -> Result<Vec<Atom>, Diagnostic> {
    let Value::Array(items) = value else {
        return Err(Diagnostic::error(
            line,
            format!("\"{key}\" must be an array of strings, found {}; line skipped", kind(value)),
        ));
    };
    items
        .iter()
        .enumerate()
        .map(|(i, item)| match item {
            Value::String(s) => Ok(atoms.intern(s.trim())),
            Value::Number(_) if key == "ner_tags" => Err(Diagnostic::error(
                line,
                "\"ner_tags\" holds numbers; give the tag names as strings (e.g. \"B-PER\"); line skipped",
            )),
            other => Err(Diagnostic::error(
                line,
                format!("\"{key}\"[{i}] must be a string, found {}; line skipped", kind(other)),
            )),
        })
        .collect()
}

fn raw_sentence(object: &Map<String, Value>, line: usize, atoms: &mut Interner) -> Result<RawSentence, Diagnostic> {
    let Some(tokens) = object.get("tokens").or_else(|| object.get("words")) else {
        return Err(Diagnostic::error(line, "no \"tokens\" field; line skipped"));
    };
    let Some((key, tags)) = field(object, &["tags", "ner_tags"]) else {
        return Err(Diagnostic::error(line, "no \"tags\" field; line skipped"));
    };
    let tokens = strings(tokens, "tokens", line, atoms)?;
    let tags = strings(tags, key, line, atoms)?;
    if tokens.len() != tags.len() {
        return Err(Diagnostic::error(line, format!("{} tokens but {} tags; line skipped", tokens.len(), tags.len())));
    }
    if tokens.is_empty() {
        return Err(Diagnostic::error(line, "no tokens; line skipped"));
    }
    if let Some(i) = tokens.iter().position(|t| t.is_empty()) {
        return Err(Diagnostic::error(line, format!("token {i} is empty; line skipped")));
    }
    Ok(RawSentence { tokens, tags, line, tag_lines: TagLines::Same })
}
