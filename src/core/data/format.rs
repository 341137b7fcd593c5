//! Which parser a file needs: by its extension, else by a look at its first line.

use serde::{Deserialize, Serialize};

use super::lines::numbered_lines;
use super::table::{LABEL_COLUMNS, TEXT_COLUMNS};

/// A file layout. Which task the file is for is the caller's choice, not the format's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// Comma- or semicolon-separated table with a header.
    Csv,
    /// Tab-separated table with a header, read without quote processing.
    Tsv,
    /// One JSON object per line.
    Jsonl,
    /// One token per line with its tag last, blank lines between sentences.
    Conll,
}

/// How much of a file is looked at when its extension does not say what it is.
const SNIFF_BYTES: usize = 64 * 1024;

/// The format of a file, from its name (`.csv`, `.tsv`, `.jsonl`/`.json`,
/// `.conll`/`.iob`/`.bio`) or, for `.txt`, other names and pasted text, from its content.
pub fn detect_format(file_name: &str, bytes: &[u8]) -> Format {
    let extension = file_name.rsplit_once('.').map(|(_, ext)| ext.to_ascii_lowercase());
    match extension.as_deref() {
        Some("csv") => Format::Csv,
        Some("tsv") => Format::Tsv,
        Some("jsonl" | "json" | "ndjson") => Format::Jsonl,
        Some("conll" | "conllu" | "iob" | "iob2" | "bio" | "bioes") => Format::Conll,
        Some("txt") => sniff(bytes).unwrap_or(Format::Conll),
        _ => sniff(bytes).unwrap_or(Format::Csv),
    }
}

/// A guess from the first non-blank line, `None` when nothing stands out.
fn sniff(bytes: &[u8]) -> Option<Format> {
    let head = &bytes[..bytes.len().min(SNIFF_BYTES)];
    let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    let text = match std::str::from_utf8(head) {
        Ok(text) => text,
        Err(e) => std::str::from_utf8(&head[..e.valid_up_to()]).unwrap_or_default(),
    };
    let first = numbered_lines(text).map(|l| l.text.trim()).find(|l| !l.is_empty())?;
    if first.starts_with('{') || first.starts_with('[') {
        return Some(Format::Jsonl);
    }
    let known = |field: &str| {
        let field = field.trim().trim_matches('"');
        TEXT_COLUMNS.iter().chain(LABEL_COLUMNS).any(|name| field.eq_ignore_ascii_case(name))
    };
    let table = if first.contains('\t') { Format::Tsv } else { Format::Csv };
    if first.split(['\t', ',', ';']).any(known) {
        return Some(table);
    }
    let mut fields = first.split_whitespace();
    let token = fields.next().unwrap_or_default();
    let tag = fields.last().unwrap_or_default();
    let looks_like_tag = tag == "O" || tag.as_bytes().get(1).is_some_and(|&b| b == b'-' || b == b'_');
    if token == "-DOCSTART-" || looks_like_tag {
        return Some(Format::Conll);
    }
    (first.contains([',', ';', '\t'])).then_some(table)
}
