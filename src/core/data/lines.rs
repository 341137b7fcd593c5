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
    pub diagnostics: Vec<Diagnostic>,
}

impl<'a> Decoded<'a> {
    /// Strips a UTF-8 BOM and reports (then blanks) every line that is not valid UTF-8.
    pub fn new(bytes: &'a [u8]) -> Self {
        let (body, bom_len) = match bytes.strip_prefix(BOM) {
            Some(rest) => (rest, BOM.len()),
            None => (bytes, 0),
        };
        if let Ok(text) = std::str::from_utf8(body) {
            return Self { text: Cow::Borrowed(text), bad_lines: Vec::new(), diagnostics: Vec::new() };
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
        Self { text: Cow::Owned(text), bad_lines, diagnostics }
    }

    /// The whole text; blanked lines are empty.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// True when the input holds nothing but whitespace.
    pub fn is_blank(&self) -> bool {
        self.text.trim().is_empty() && self.bad_lines.is_empty()
    }

    /// The diagnostic for an input with nothing in it, or `None`.
    pub fn empty_file(&self) -> Option<Diagnostic> {
        self.is_blank().then(|| Diagnostic::error(1, "file is empty"))
    }

    /// Lines in order, `\r\n` and `\n` both accepted, the blanked ones left out.
    pub fn lines(&self) -> Lines<'_> {
        Lines { rest: Some(self.text.as_ref()).filter(|t| !t.is_empty()), number: 0, skip: &self.bad_lines }
    }
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
