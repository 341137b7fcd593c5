//! Span JSONL for NER: `{"text": "…", "entities": [[start, end, "LABEL"], …]}` per line, and
//! the word splitting that turns character spans into per-word IOB2 tags.
//!
//! Offsets count Unicode code points (Python's `str` indices), `end` exclusive — not bytes and
//! not UTF-16 units, so an emoji or a CJK character counts as one wherever the file came from.

use serde_json::{Map, Value};
use unicode_segmentation::UnicodeSegmentation;

use super::jsonl::objects;
use super::lines::Decoded;
use super::{Atom, Diagnostic, NerExample, NerFile, Parsed, TagScheme};

/// A word of a text, located by code-point offsets (`end` exclusive).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Word<'a> {
    pub text: &'a str,
    pub start: usize,
    pub end: usize,
}

/// CJK ideographs, kana and hangul: scripts written without spaces, one word per character.
fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x1100..=0x11FF | 0x2E80..=0x2FDF | 0x3005..=0x3007 | 0x3021..=0x3029 | 0x3038..=0x303B
        | 0x3040..=0x30FF | 0x3130..=0x318F | 0x31F0..=0x31FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF
        | 0xA960..=0xA97F | 0xAC00..=0xD7FF | 0xF900..=0xFAFF | 0xFF66..=0xFF9F | 0x20000..=0x3134F)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    Space,
    /// Letters and digits: runs of these form one word.
    Run,
    /// Anything else: a word of its own.
    Alone,
}

fn class(grapheme: &str) -> Class {
    match grapheme.chars().next() {
        Some(c) if c.is_whitespace() => Class::Space,
        Some(c) if c.is_alphanumeric() && !is_cjk(c) => Class::Run,
        _ => Class::Alone,
    }
}

/// Splits text into words: runs of letters and digits, and every other non-space character
/// on its own (each CJK character too). Works on grapheme clusters, so an emoji ZWJ sequence
/// or a letter with its combining marks is never cut.
pub fn split_words(text: &str) -> Vec<Word<'_>> {
    split(text).words
}

/// Words, and the code-point offsets that fall inside a grapheme cluster (ascending).
struct Split<'a> {
    words: Vec<Word<'a>>,
    inside_cluster: Vec<usize>,
    /// Length in code points.
    len: usize,
    /// Byte and code-point offset of the word being read.
    open: Option<(usize, usize)>,
}

impl<'a> Split<'a> {
    fn is_boundary(&self, offset: usize) -> bool {
        self.inside_cluster.binary_search(&offset).is_err()
    }

    /// Takes the next grapheme cluster, `chars` code points long, starting at `byte`.
    fn push(&mut self, text: &'a str, byte: usize, grapheme: &'a str, chars: usize) {
        let class = match grapheme.as_bytes() {
            [b] if b.is_ascii_alphanumeric() => Class::Run,
            [b] if b.is_ascii_whitespace() || *b == b'\x0b' => Class::Space,
            [_] => Class::Alone,
            _ => class(grapheme),
        };
        if class != Class::Run {
            if let Some((start_byte, start)) = self.open.take() {
                self.words.push(Word { text: &text[start_byte..byte], start, end: self.len });
            }
        }
        match class {
            Class::Space => {}
            Class::Run => {
                self.open.get_or_insert((byte, self.len));
            }
            Class::Alone => self.words.push(Word { text: grapheme, start: self.len, end: self.len + chars }),
        }
        if chars > 1 {
            self.inside_cluster.extend(self.len + 1..self.len + chars);
        }
        self.len += chars;
    }
}

/// A byte that is a grapheme cluster on its own when followed by another such byte: ASCII
/// except CR (which pairs with LF). Non-ASCII characters can extend the ASCII character
/// before them (combining marks) or, rarely, join the one after (prepended concatenation
/// marks), so those neighbours go through full segmentation with them.
fn plain(b: u8) -> bool {
    b < 0x80 && b != b'\r'
}

/// Segments text into words. ASCII runs are read byte by byte and only the stretches around
/// other characters go through `unicode-segmentation`, which is many times slower per
/// character in a debug build.
fn split(text: &str) -> Split<'_> {
    let bytes = text.as_bytes();
    let mut split = Split { words: Vec::new(), inside_cluster: Vec::new(), len: 0, open: None };
    let mut i = 0;
    while i < bytes.len() {
        if plain(bytes[i]) && (i + 1 == bytes.len() || plain(bytes[i + 1])) {
            split.push(text, i, &text[i..i + 1], 1);
            i += 1;
            continue;
        }
        let mut end = i + 1;
        loop {
            while end < bytes.len() && !plain(bytes[end]) {
                end += 1;
            }
            if end >= bytes.len() {
                break;
            }
            end += 1;
            if end == bytes.len() || plain(bytes[end]) {
                break;
            }
        }
        let end = end.min(bytes.len());
        for (offset, grapheme) in text[i..end].grapheme_indices(true) {
            split.push(text, i + offset, grapheme, grapheme.chars().count());
        }
        i = end;
    }
    if let Some((start_byte, start)) = split.open.take() {
        split.words.push(Word { text: &text[start_byte..], start, end: split.len });
    }
    split
}

/// Reads span JSONL (see the module doc for the offsets). `entities` may also be spelled
/// `label` (doccano's export), and an entity may be `{"start", "end", "label"}`.
/// The file's scheme is reported as IOB2, which is what the words are tagged with.
pub fn parse_span_jsonl(bytes: &[u8]) -> Parsed<NerFile> {
    let decoded = Decoded::new(bytes);
    let mut diagnostics = decoded.diagnostics.clone();
    if let Some(empty) = decoded.empty_file() {
        diagnostics.push(empty);
        return Parsed { value: NerFile { examples: Vec::new(), scheme: TagScheme::Iob2 }, diagnostics };
    }
    let mut examples = Vec::new();
    for (line, object) in objects(&decoded) {
        match object {
            Ok(object) => {
                if let Some(example) = span_example(&object, line.number, &mut diagnostics) {
                    examples.push(example);
                }
            }
            Err(d) => diagnostics.push(d),
        }
    }
    Parsed { value: NerFile { examples, scheme: TagScheme::Iob2 }, diagnostics }
}

#[derive(Debug, Clone)]
struct Span {
    start: usize,
    end: usize,
    label: String,
}

fn describe(value: &Value) -> String {
    let text = value.to_string();
    match text.char_indices().nth(60) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text,
    }
}

fn read_span(value: &Value) -> Result<Span, String> {
    let (start, end, label) = match value {
        Value::Array(items) if items.len() == 3 => (&items[0], &items[1], &items[2]),
        Value::Object(o) => match (o.get("start"), o.get("end"), o.get("label")) {
            (Some(s), Some(e), Some(l)) => (s, e, l),
            _ => return Err("needs \"start\", \"end\" and \"label\"".to_string()),
        },
        _ => return Err("must be [start, end, \"LABEL\"]".to_string()),
    };
    let offset = |v: &Value| v.as_u64().and_then(|n| usize::try_from(n).ok());
    let (Some(start), Some(end)) = (offset(start), offset(end)) else {
        return Err("start and end must be whole numbers ≥ 0".to_string());
    };
    match label {
        Value::String(l) if !l.trim().is_empty() => Ok(Span { start, end, label: l.trim().to_string() }),
        _ => Err("the label must be a non-empty string".to_string()),
    }
}

fn span_example(object: &Map<String, Value>, line: usize, diagnostics: &mut Vec<Diagnostic>) -> Option<NerExample> {
    let text = match object.get("text") {
        Some(Value::String(text)) => text,
        Some(_) => {
            diagnostics.push(Diagnostic::error(line, "\"text\" must be a string; line skipped"));
            return None;
        }
        None => {
            diagnostics.push(Diagnostic::error(line, "no \"text\" field; line skipped"));
            return None;
        }
    };
    let entities = match ["entities", "label"].iter().find_map(|k| object.get(*k).map(|v| (*k, v))) {
        Some((_, Value::Array(items))) => items.as_slice(),
        Some((key, _)) => {
            diagnostics.push(Diagnostic::error(
                line,
                format!("\"{key}\" must be an array of [start, end, label]; line skipped"),
            ));
            return None;
        }
        None => {
            diagnostics.push(Diagnostic::warning(line, "no \"entities\" field; read as a sentence without entities"));
            &[]
        }
    };

    tag_spans(text, entities, line, diagnostics)
}

/// A text and its `[start, end, "LABEL"]` entities (code points, `end` exclusive) as words with
/// IOB2 tags; every entity that cannot be used gets a diagnostic. Other span formats
/// (CLUENER's) end here too.
pub(super) fn tag_spans(
    text: &str,
    entities: &[Value],
    line: usize,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<NerExample> {
    let split = split(text);
    if split.words.is_empty() {
        diagnostics.push(Diagnostic::error(line, "the text has no words; line skipped"));
        return None;
    }
    let spans = valid_spans(entities, &split, line, diagnostics);
    let tags = tag_words(&split.words, &spans, line, diagnostics);
    let tokens = split.words.iter().map(|w| Atom::from(w.text)).collect();
    Some(NerExample { tokens, tags, line })
}

/// The entities that are well-formed and inside the text, sorted by position, each with the
/// JSON it came from (for messages).
fn valid_spans<'v>(
    entities: &'v [Value],
    split: &Split<'_>,
    line: usize,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<(Span, &'v Value)> {
    let len = split.len;
    let mut spans = Vec::with_capacity(entities.len());
    for value in entities {
        let problem = match read_span(value) {
            Err(problem) => problem,
            Ok(span) if span.start >= span.end => "start must be less than end".to_string(),
            Ok(span) if span.end > len => format!(
                "out of range: the text has {len} characters (offsets count Unicode code points, not bytes or UTF-16 units)"
            ),
            Ok(span) if !split.is_boundary(span.start) || !split.is_boundary(span.end) => {
                "splits a character (a boundary falls inside an emoji or a letter with its accents); \
                 offsets count Unicode code points"
                    .to_string()
            }
            Ok(span) => {
                spans.push((span, value));
                continue;
            }
        };
        diagnostics.push(Diagnostic::error(line, format!("entity {}: {problem}; entity skipped", describe(value))));
    }
    spans.sort_by_key(|(s, _)| (s.start, s.end));
    spans
}

/// IOB2 tags for the words: each entity tags every word it touches, so a boundary inside a
/// word widens the entity to the whole word (with a warning). An entity that overlaps an
/// earlier one, or shares a word with it, is left out.
fn tag_words(
    words: &[Word<'_>],
    spans: &[(Span, &Value)],
    line: usize,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<Atom> {
    let mut tags = vec![Atom::from("O"); words.len()];
    let mut taken: Vec<Option<usize>> = vec![None; words.len()];
    let mut last_end: Option<(usize, usize)> = None;
    for (index, (span, value)) in spans.iter().enumerate() {
        let what = || describe(value);
        if let Some((_, other)) = last_end.filter(|&(end, _)| span.start < end) {
            diagnostics.push(Diagnostic::error(
                line,
                format!("entity {} overlaps entity {}; entity skipped", what(), describe(spans[other].1)),
            ));
            continue;
        }
        let first = words.partition_point(|w| w.end <= span.start);
        let last = words.partition_point(|w| w.start < span.end);
        if first >= last {
            diagnostics.push(Diagnostic::error(line, format!("entity {} covers only spaces; entity skipped", what())));
            continue;
        }
        if let Some((word, other)) = (first..last).find_map(|w| taken[w].map(|other| (w, other))) {
            diagnostics.push(Diagnostic::error(
                line,
                format!(
                    "entity {} shares the word \"{}\" with entity {}; entity skipped",
                    what(),
                    words[word].text,
                    describe(spans[other].1)
                ),
            ));
            continue;
        }
        last_end = Some((span.end, index));
        let (head, tail) = (&words[first], &words[last - 1]);
        if head.start < span.start || tail.end > span.end {
            let cut = if head.start < span.start { head.text } else { tail.text };
            diagnostics.push(Diagnostic::warning(
                line,
                format!("entity {} starts or ends inside the word \"{cut}\"; the whole word is tagged", what()),
            ));
        }
        for (i, tag) in tags[first..last].iter_mut().enumerate() {
            *tag = Atom::from(format!("{}-{}", if i == 0 { 'B' } else { 'I' }, span.label));
        }
        taken[first..last].iter_mut().for_each(|t| *t = Some(index));
    }
    tags
}
