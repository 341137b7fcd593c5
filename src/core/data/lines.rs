//! Bytes to numbered lines of UTF-8 text.
//!
//! Every parser starts here so that a BOM, CRLF line ends and stray non-UTF-8 bytes are
//! handled once, and every later diagnostic can name the line the user sees in an editor.

use std::borrow::Cow;

use super::Diagnostic;

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// One line of the input, without its line end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Line<'a> {
    /// 1-based.
    pub number: usize,
    pub text: &'a str,
}

/// The input as UTF-8 text with the same line numbering as the bytes it came from.
///
/// A line holding bytes that are not UTF-8 is reported and replaced by an empty line, so that
/// readers that work on the whole text (the CSV reader) keep counting lines correctly.
#[derive(Debug)]
pub struct Decoded<'a> {
    text: Cow<'a, str>,
    /// Ascending numbers of the lines that were blanked out.
    bad_lines: Vec<usize>,
    /// The bytes are not text at all: nothing is read from them.
    not_text: bool,
    pub diagnostics: Vec<Diagnostic>,
}

/// How much of the start is looked at for bytes that text never holds.
const SNIFF: usize = 8192;

impl<'a> Decoded<'a> {
    /// Strips a UTF-8 BOM and reports (then blanks) every line that is not valid UTF-8. Bytes
    /// that are not text (a NUL or other control bytes near the start) are refused once; a file
    /// that is Windows-1252 throughout (Latin-1's superset, what older Windows tools save) is
    /// read as such, with one warning.
    pub fn new(bytes: &'a [u8]) -> Self {
        let (body, bom_len) = match bytes.strip_prefix(BOM) {
            Some(rest) => (rest, BOM.len()),
            None => (bytes, 0),
        };
        let head = &body[..body.len().min(SNIFF)];
        if head.iter().any(|&b| b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0c)) {
            return Self { text: Cow::Borrowed(""), bad_lines: Vec::new(), not_text: true, diagnostics: Vec::new() };
        }
        if let Ok(text) = std::str::from_utf8(body) {
            return Self { text: Cow::Borrowed(text), bad_lines: Vec::new(), not_text: false, diagnostics: Vec::new() };
        }
        if let Some(decoded) = windows_1252(body) {
            return decoded;
        }
        let mut text = String::with_capacity(body.len());
        let mut bad_lines = Vec::new();
        let mut diagnostics = Vec::new();
        for (index, raw) in body.split(|&b| b == b'\n').enumerate() {
            if index > 0 {
                text.push('\n');
            }
            match std::str::from_utf8(raw) {
                Ok(line) => text.push_str(line),
                Err(e) => {
                    let number = index + 1;
                    let column = e.valid_up_to() + 1 + if index == 0 { bom_len } else { 0 };
                    bad_lines.push(number);
                    diagnostics.push(Diagnostic::error(
                        number,
                        format!("byte {column} of this line is not UTF-8; line skipped (save the file as UTF-8)"),
                    ));
                }
            }
        }
        Self { text: Cow::Owned(text), bad_lines, not_text: false, diagnostics }
    }

    /// The whole text; blanked lines are empty.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// True when the input holds nothing but whitespace.
    pub fn is_blank(&self) -> bool {
        self.text.trim().is_empty() && self.bad_lines.is_empty() && !self.not_text
    }

    /// The diagnostic for an input with nothing to read in it (blank, or not text), or `None`.
    pub fn empty_file(&self) -> Option<Diagnostic> {
        if self.not_text {
            let message = "this is not a text file (it holds control bytes such as NUL that text never does): \
                           choose a CSV, TSV, JSONL, JSON or CoNLL file saved as UTF-8 text";
            return Some(Diagnostic::error(0, message));
        }
        self.is_blank().then(|| Diagnostic::error(1, "file is empty"))
    }

    /// Lines in order, `\r\n` and `\n` both accepted, the blanked ones left out.
    pub fn lines(&self) -> Lines<'_> {
        Lines { rest: Some(self.text.as_ref()).filter(|t| !t.is_empty()), number: 0, skip: &self.bad_lines }
    }
}

/// What Windows-1252 puts at 0x80–0x9F (0 where it defines nothing); 0xA0–0xFF are U+00A0–U+00FF.
const CP1252_HIGH: [u16; 32] = [
    0x20AC, 0, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0, 0x017D, 0, 0,
    0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0, 0x017E, 0x0178,
];

/// `body` read as Windows-1252, when that reading is plausible: every byte is one the encoding
/// defines, and no line is UTF-8 with letters beyond ASCII (a UTF-8 file with a few broken
/// lines stays UTF-8). One warning names the encoding and the first line that needed it.
fn windows_1252(body: &[u8]) -> Option<Decoded<'static>> {
    let undefined = |b: u8| (0x80..0xA0).contains(&b) && CP1252_HIGH[usize::from(b - 0x80)] == 0;
    if body.iter().any(|&b| undefined(b)) {
        return None;
    }
    let lines = || body.split(|&b| b == b'\n');
    if lines().any(|line| !line.is_ascii() && std::str::from_utf8(line).is_ok()) {
        return None;
    }
    let text: String = body
        .iter()
        .map(|&b| match b {
            0x80..=0x9F => char::from_u32(u32::from(CP1252_HIGH[usize::from(b - 0x80)])).unwrap_or('\u{FFFD}'),
            _ => char::from(b),
        })
        .collect();
    let first = lines().position(|line| !line.is_ascii()).map_or(1, |i| i + 1);
    let message = "the file is not UTF-8; it reads as Windows-1252 (Western European, Latin-1), so it was read \
                   that way: check the accented letters, and save the file as UTF-8 to be sure";
    Some(Decoded {
        text: Cow::Owned(text),
        bad_lines: Vec::new(),
        not_text: false,
        diagnostics: vec![Diagnostic::warning(first, message)],
    })
}

/// Iterator over numbered lines; a plain byte loop, because it runs over files of many
/// megabytes in debug builds too, where `str::find` and `split` cost several times more.
#[derive(Debug, Clone)]
pub struct Lines<'a> {
    /// Text not yet returned; `None` once the last line is out.
    rest: Option<&'a str>,
    number: usize,
    /// Ascending line numbers to leave out.
    skip: &'a [usize],
}

impl<'a> Iterator for Lines<'a> {
    type Item = Line<'a>;

    fn next(&mut self) -> Option<Line<'a>> {
        loop {
            let rest = self.rest?;
            let bytes = rest.as_bytes();
            let mut end = 0;
            while end < bytes.len() && bytes[end] != b'\n' {
                end += 1;
            }
            self.rest = if end + 1 < bytes.len() { Some(&rest[end + 1..]) } else { None };
            self.number += 1;
            if let [first, others @ ..] = self.skip {
                if *first == self.number {
                    self.skip = others;
                    continue;
                }
            }
            let text_end = if end > 0 && bytes[end - 1] == b'\r' { end - 1 } else { end };
            return Some(Line { number: self.number, text: &rest[..text_end] });
        }
    }
}

/// Splits text into numbered lines; a final line end does not start another line.
pub fn numbered_lines(text: &str) -> Lines<'_> {
    Lines { rest: Some(text).filter(|t| !t.is_empty()), number: 0, skip: &[] }
}
