//! One entry point per task: detect the format, run its parser, and say so when the file
//! holds nothing usable.

use super::cluener::{is_cluener, parse_cluener};
use super::conll::parse_conll;
use super::jsonl::{objects, parse_cls_jsonl, parse_ner_jsonl};
use super::lines::Decoded;
use super::spans::parse_span_jsonl;
use super::table::{parse_table, TableOptions};
use super::{detect_format, ClsExample, Diagnostic, Format, NerFile, Parsed, TagScheme};

/// Reads a classification file (CSV, TSV or JSONL; see [`detect_format`]). `file_name` only
/// picks the format and may be empty for pasted text.
pub fn parse_classification(bytes: &[u8], file_name: &str, options: &TableOptions) -> Parsed<Vec<ClsExample>> {
    let mut parsed = match detect_format(file_name, bytes) {
        Format::Csv | Format::Tsv => parse_table(bytes, options),
        Format::Jsonl => parse_cls_jsonl(bytes),
        Format::Conll => Parsed {
            value: Vec::new(),
            diagnostics: vec![Diagnostic::error(
                0,
                "this looks like a CoNLL NER file (a token and a tag per line); classification needs CSV, TSV or JSONL",
            )],
        },
    };
    if parsed.value.is_empty() && !parsed.has_errors() {
        parsed.diagnostics.push(Diagnostic::error(0, "no examples found"));
    }
    parsed
}

/// Reads an NER file: CoNLL, JSONL with `tokens`/`tags`, CLUENER's JSON, or span JSONL with
/// `text`/`entities` (told apart by the first object in the file). Tags come back as IOB2.
pub fn parse_ner(bytes: &[u8], file_name: &str) -> Parsed<NerFile> {
    let mut parsed = match detect_format(file_name, bytes) {
        Format::Conll => parse_conll(bytes),
        Format::Jsonl if has_tokens(bytes) => parse_ner_jsonl(bytes),
        Format::Jsonl if is_cluener(bytes) => parse_cluener(bytes),
        Format::Jsonl => parse_span_jsonl(bytes),
        Format::Csv | Format::Tsv => Parsed {
            value: NerFile { examples: Vec::new(), scheme: TagScheme::Iob2 },
            diagnostics: vec![Diagnostic::error(
                0,
                "this looks like a table; NER needs CoNLL (a token and a tag per line) or JSONL",
            )],
        },
    };
    if parsed.value.examples.is_empty() && !parsed.has_errors() {
        parsed.diagnostics.push(Diagnostic::error(0, "no sentences found"));
    }
    parsed
}

/// Whether the first JSON object in the file lists words (`tokens`/`words`) rather than a text.
fn has_tokens(bytes: &[u8]) -> bool {
    let decoded = Decoded::new(bytes);
    let first = objects(&decoded).find_map(|(_, object)| object.ok());
    first.is_some_and(|o| o.contains_key("tokens") || o.contains_key("words"))
}
