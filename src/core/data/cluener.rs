//! CLUENER's JSON, as the Chinese NER benchmark publishes it: one object per line, or a
//! pretty-printed stream of objects (as some mirrors have it), each
//! `{"text": "…", "label": {"TYPE": {"entity text": [[start, end], …]}}}` with offsets in
//! characters and `end` inclusive. Each object becomes span entities (`end` exclusive) and goes
//! through the span format's tagging, so both formats get the same checks.

use serde_json::{json, Map, Value};

use super::lines::Decoded;
use super::spans::tag_spans;
use super::{Diagnostic, NerExample, NerFile, Parsed, TagScheme};

/// Whether the file's first JSON value looks like CLUENER's (a `label` that is an object).
pub fn is_cluener(bytes: &[u8]) -> bool {
    let text = Decoded::new(bytes).text().to_string();
    let first = serde_json::Deserializer::from_str(&text).into_iter::<Value>().next();
    matches!(first, Some(Ok(Value::Object(o))) if o.get("label").is_some_and(Value::is_object))
}

/// Reads a CLUENER file. Diagnostics carry the line each object starts on.
pub fn parse_cluener(bytes: &[u8]) -> Parsed<NerFile> {
    let decoded = Decoded::new(bytes);
    let mut diagnostics = decoded.diagnostics.clone();
    if let Some(empty) = decoded.empty_file() {
        diagnostics.push(empty);
        return Parsed { value: NerFile { examples: Vec::new(), scheme: TagScheme::Iob2 }, diagnostics };
    }
    let mut examples = Vec::new();
    let text = decoded.text();
    let mut stream = serde_json::Deserializer::from_str(text).into_iter::<Value>();
    loop {
        let start = stream.byte_offset();
        let line = line_of(text, start);
        match stream.next() {
            None => break,
            Some(Ok(Value::Object(object))) => {
                if let Some(example) = cluener_example(&object, line, &mut diagnostics) {
                    examples.push(example);
                }
            }
            Some(Ok(_)) => diagnostics.push(Diagnostic::error(line, "expected a JSON object; value skipped")),
            Some(Err(e)) => {
                let message =
                    format!("invalid JSON in the object that starts here ({e}); the rest of the file is not read");
                diagnostics.push(Diagnostic::error(line, message));
                break;
            }
        }
    }
    if examples.is_empty() && !diagnostics.iter().any(|d| d.severity == super::Severity::Error) {
        diagnostics.push(Diagnostic::error(0, "no sentences found"));
    }
    Parsed { value: NerFile { examples, scheme: TagScheme::Iob2 }, diagnostics }
}

/// The 1-based line of the first non-space character at or after `byte`.
fn line_of(text: &str, byte: usize) -> usize {
    let rest = &text[byte.min(text.len())..];
    let skipped = rest.len() - rest.trim_start().len();
    text[..(byte + skipped).min(text.len())].matches('\n').count() + 1
}

fn cluener_example(object: &Map<String, Value>, line: usize, diagnostics: &mut Vec<Diagnostic>) -> Option<NerExample> {
    let Some(Value::String(text)) = object.get("text") else {
        diagnostics.push(Diagnostic::error(line, "no \"text\" string; object skipped"));
        return None;
    };
    let entities = match object.get("label") {
        None => Vec::new(),
        Some(Value::Object(types)) => spans(text, types, line, diagnostics),
        Some(_) => {
            diagnostics
                .push(Diagnostic::error(line, "\"label\" must be {type: {entity: [[start, end], …]}}; object skipped"));
            return None;
        }
    };
    tag_spans(text, &entities, line, diagnostics)
}

/// The object's entities as `[start, end_exclusive, type]`, in the span format's terms. An entity
/// whose text differs from what the span covers is kept (the offsets are what training uses),
/// with a warning.
fn spans(text: &str, types: &Map<String, Value>, line: usize, diagnostics: &mut Vec<Diagnostic>) -> Vec<Value> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    for (kind, entities) in types {
        let Value::Object(entities) = entities else {
            diagnostics
                .push(Diagnostic::error(line, format!("type \"{kind}\" must map entity texts to spans; type skipped")));
            continue;
        };
        for (entity, places) in entities {
            let places = places.as_array().map(Vec::as_slice).unwrap_or_default();
            if places.is_empty() {
                diagnostics
                    .push(Diagnostic::error(line, format!("entity \"{entity}\" ({kind}) has no [start, end] spans")));
            }
            for place in places {
                let offset = |v: &Value| v.as_u64().and_then(|n| usize::try_from(n).ok()).filter(|&n| n < usize::MAX);
                let pair =
                    place.as_array().filter(|p| p.len() == 2).and_then(|p| Some((offset(&p[0])?, offset(&p[1])?)));
                let Some((start, end)) = pair else {
                    diagnostics.push(Diagnostic::error(
                        line,
                        format!("entity \"{entity}\" ({kind}): {place} is not [start, end]; span skipped"),
                    ));
                    continue;
                };
                if start <= end && end < chars.len() {
                    let covered: String = chars[start..=end].iter().collect();
                    if covered != *entity {
                        diagnostics.push(Diagnostic::warning(
                            line,
                            format!("entity \"{entity}\" ({kind}) at [{start}, {end}] covers \"{covered}\" in the text; the span is used"),
                        ));
                    }
                }
                // `end` inclusive → exclusive; out-of-range and reversed spans are reported there.
                out.push(json!([start, end + 1, kind]));
            }
        }
    }
    out
}
