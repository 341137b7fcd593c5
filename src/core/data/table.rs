//! Classification tables: CSV and TSV with a header row.
//!
//! The delimiter is sniffed from the header (tab, then whichever of comma and semicolon occurs
//! more often outside quotes). A tab-separated file is read without quote processing, as GLUE
//! writes it: an SST-2 sentence may start with `"` and must stay as it is.

use csv::{ByteRecord, ReaderBuilder};
use serde::{Deserialize, Serialize};

use super::lines::{numbered_lines, Decoded};
use super::{ClsExample, Diagnostic, Parsed};

/// Header names taken as the text column, in order of preference (compared case-insensitively).
pub const TEXT_COLUMNS: &[&str] =
    &["text", "sentence", "sentence1", "review", "content", "document", "tweet", "utterance"];

/// Header names taken as the label column, in order of preference (compared case-insensitively).
pub const LABEL_COLUMNS: &[&str] = &["label", "labels", "class", "category", "target", "sentiment", "intent"];

/// What the user chose about a table; anything left `None` is worked out from the file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableOptions {
    /// Header name of the text column.
    pub text_column: Option<String>,
    /// Header name of the label column.
    pub label_column: Option<String>,
    /// Field separator (`b'\t'`, `b','`, `b';'`, …); sniffed from the header when `None`.
    pub delimiter: Option<u8>,
}

/// Reads a CSV or TSV file with a header row into classification examples.
pub fn parse_table(bytes: &[u8], options: &TableOptions) -> Parsed<Vec<ClsExample>> {
    let decoded = Decoded::new(bytes);
    let mut diagnostics = decoded.diagnostics.clone();
    if let Some(empty) = decoded.empty_file() {
        diagnostics.push(empty);
        return Parsed { value: Vec::new(), diagnostics };
    }
    let text = decoded.text();
    let first_line = numbered_lines(text).find(|l| !l.text.trim().is_empty());
    let delimiter = options.delimiter.unwrap_or_else(|| sniff_delimiter(first_line.map_or("", |l| l.text)));

    let mut header: Option<(usize, Vec<String>)> = None;
    read_records(text, delimiter, &mut Vec::new(), |line, record| {
        header = Some((line, record.iter().map(|f| String::from_utf8_lossy(f).trim().to_string()).collect()));
        false
    });
    let Some((header_line, header)) = header else {
        diagnostics.push(Diagnostic::error(1, "no header row"));
        return Parsed { value: Vec::new(), diagnostics };
    };
    let Some((text_col, label_col)) = choose_columns(&header, header_line, text, delimiter, options, &mut diagnostics)
    else {
        return Parsed { value: Vec::new(), diagnostics };
    };

    let mut examples = Vec::new();
    let mut problems = Vec::new();
    read_records(text, delimiter, &mut diagnostics, |line, row| {
        if line == header_line {
            return true;
        }
        let unclosed = || {
            let spanned = row.as_slice().trim_ascii_end().iter().filter(|&&b| b == b'\n').count();
            let end = line + spanned;
            if spanned == 0 {
                return String::new();
            }
            format!(" (a quote opened on line {line} may never be closed: the row runs to line {end})")
        };
        if row.len() != header.len() {
            let hint = unclosed();
            problems.push(Diagnostic::error(
                line,
                format!("row has {} fields but the header has {}; row skipped{hint}", row.len(), header.len()),
            ));
            return true;
        }
        let field = |col: usize| row.get(col).map(String::from_utf8_lossy).unwrap_or_default();
        let (text, label) = (field(text_col), field(label_col));
        let (text, label) = (text.trim(), label.trim());
        if text.is_empty() {
            problems
                .push(Diagnostic::error(line, format!("empty text in column \"{}\"; row skipped", header[text_col])));
        } else if label.is_empty() {
            problems
                .push(Diagnostic::error(line, format!("empty label in column \"{}\"; row skipped", header[label_col])));
        } else if label.contains('\n') {
            problems.push(Diagnostic::error(line, format!("the label spans several lines; row skipped{}", unclosed())));
        } else {
            examples.push(ClsExample { text: text.to_string(), label: label.to_string(), line });
        }
        true
    });
    diagnostics.extend(problems);
    diagnostics.sort_by_key(|d| d.line);
    Parsed { value: examples, diagnostics }
}

/// Calls `each` with every record and the line it starts on, until it returns `false`.
/// Quotes are processed unless the delimiter is a tab. A read error ends the reading with a
/// diagnostic.
fn read_records(
    text: &str,
    delimiter: u8,
    diagnostics: &mut Vec<Diagnostic>,
    mut each: impl FnMut(usize, &ByteRecord) -> bool,
) {
    let mut reader = ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .quoting(delimiter != b'\t')
        .from_reader(text.as_bytes());
    let mut record = ByteRecord::new();
    loop {
        let start = reader.position().clone();
        match reader.read_byte_record(&mut record) {
            Ok(true) => {
                if !each(record_line(text.as_bytes(), start.byte(), start.line()), &record) {
                    return;
                }
            }
            Ok(false) => return,
            Err(e) => {
                let line = e.position().map_or(start.line(), |p| p.line());
                diagnostics
                    .push(Diagnostic::error(to_usize(line), format!("could not read the rest of the file: {e}")));
                return;
            }
        }
    }
}

/// The delimiter that occurs in the header: tab first, else comma or semicolon (outside quotes).
fn sniff_delimiter(header: &str) -> u8 {
    if header.contains('\t') {
        return b'\t';
    }
    let (mut commas, mut semicolons, mut quoted) = (0usize, 0usize, false);
    for c in header.chars() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => commas += 1,
            ';' if !quoted => semicolons += 1,
            _ => {}
        }
    }
    if semicolons > commas {
        b';'
    } else {
        b','
    }
}

/// The line a record really starts on: the reader's position is just after the previous
/// record, before any blank lines or the `\n` of a `\r\n` it has not consumed yet.
fn record_line(text: &[u8], byte: u64, line: u64) -> usize {
    let start = to_usize(byte).min(text.len());
    let skipped = text[start..].iter().take_while(|&&b| b == b'\n' || b == b'\r').filter(|&&b| b == b'\n').count();
    to_usize(line) + skipped
}

fn to_usize(n: u64) -> usize {
    usize::try_from(n).unwrap_or(usize::MAX)
}

fn find_column(header: &[String], name: &str) -> Option<usize> {
    header.iter().position(|h| h == name).or_else(|| header.iter().position(|h| h.eq_ignore_ascii_case(name)))
}

fn find_known(header: &[String], names: &[&str], except: Option<usize>) -> Option<usize> {
    names.iter().find_map(|name| find_column(header, name).filter(|&c| Some(c) != except))
}

fn list(header: &[String]) -> String {
    header.iter().map(|h| format!("\"{h}\"")).collect::<Vec<_>>().join(", ")
}

/// Picks the text and label columns: the caller's names, then known names, then (for a
/// two-column table) the column with the longer average field as the text.
fn choose_columns(
    header: &[String],
    header_line: usize,
    source: &str,
    delimiter: u8,
    options: &TableOptions,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<(usize, usize)> {
    let mut explicit = |name: &Option<String>, role: &str| -> Result<Option<usize>, ()> {
        let Some(name) = name else { return Ok(None) };
        match find_column(header, name.trim()) {
            Some(c) => Ok(Some(c)),
            None => {
                diagnostics.push(Diagnostic::error(
                    header_line,
                    format!("no {role} column named \"{name}\"; the columns are {}", list(header)),
                ));
                Err(())
            }
        }
    };
    let text = explicit(&options.text_column, "text");
    let label = explicit(&options.label_column, "label");
    let (Ok(text), Ok(label)) = (text, label) else { return None };

    let text = text.or_else(|| find_known(header, TEXT_COLUMNS, label));
    let label = label.or_else(|| find_known(header, LABEL_COLUMNS, text));
    match (text, label) {
        (Some(t), Some(l)) if t != l => return Some((t, l)),
        (Some(_), Some(_)) => {
            diagnostics.push(Diagnostic::error(header_line, "the text and label columns must differ"));
            return None;
        }
        _ => {}
    }
    if header.len() != 2 {
        diagnostics.push(Diagnostic::error(
            header_line,
            format!(
                "cannot tell which columns hold the text and the label; the columns are {} (name them \"text\" and \"label\" or choose them)",
                list(header)
            ),
        ));
        return None;
    }
    let (t, l) = match (text, label) {
        (Some(t), _) => (t, 1 - t),
        (_, Some(l)) => (1 - l, l),
        (None, None) => {
            let mut totals = [0usize; 2];
            read_records(source, delimiter, &mut Vec::new(), |line, row| {
                if line != header_line {
                    for (col, total) in totals.iter_mut().enumerate() {
                        *total += row.get(col).map_or(0, <[u8]>::len);
                    }
                }
                true
            });
            if totals[1] > totals[0] {
                (1, 0)
            } else {
                (0, 1)
            }
        }
    };
    let why = if text.is_none() && label.is_none() { " (its fields are longer on average)" } else { "" };
    diagnostics.push(Diagnostic::warning(
        header_line,
        format!("using column \"{}\" as the text{why} and \"{}\" as the label", header[t], header[l]),
    ));
    Some((t, l))
}
