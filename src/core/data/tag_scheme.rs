//! Tag schemes (IOB1, IOB2, BIOES, BILOU, IO): detection per file and conversion to IOB2.
//!
//! The scheme is decided once for the whole file, because a single sentence often cannot tell
//! IOB1 from IOB2. Conversion is the same for every scheme: map the scheme's prefixes onto
//! B/I, then turn every `I-X` that starts an entity into `B-X`.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use super::{Atom, Diagnostic, Interner, NerExample};

/// The tagging scheme a file was written in. Every parser returns IOB2 whatever this says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum TagScheme {
    /// `B-` only between two adjacent entities of one type (CoNLL-2003's original files).
    Iob1,
    /// `B-` starts every entity (also what a file with no entities at all is taken to be).
    Iob2,
    /// `B-`, `I-`, `E-` (end), `S-` (single).
    Bioes,
    /// `B-`, `I-`, `L-` (last), `U-` (unit).
    Bilou,
    /// Bare types without prefixes; adjacent entities of one type cannot be told apart.
    Io,
}

impl fmt::Display for TagScheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TagScheme::Iob1 => "IOB1",
            TagScheme::Iob2 => "IOB2",
            TagScheme::Bioes => "BIOES",
            TagScheme::Bilou => "BILOU",
            TagScheme::Io => "IO",
        })
    }
}

/// A sentence as written, before its tags are normalised.
#[derive(Debug, Clone)]
pub(crate) struct RawSentence {
    pub tokens: Vec<Atom>,
    pub tags: Vec<Atom>,
    pub line: usize,
    pub tag_lines: TagLines,
}

/// Where each tag of a sentence was written, for diagnostics; kept compact because a
/// sentence's tags are nearly always on one line or on consecutive lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum TagLines {
    /// All on the sentence's line (JSONL).
    Same,
    /// Tag `i` on the sentence's line + `i` (CoNLL).
    Consecutive,
    /// Line by line, where lines were skipped inside the sentence.
    Listed(Vec<usize>),
}

impl RawSentence {
    pub fn new(line: usize, tag_lines: TagLines) -> Self {
        Self { tokens: Vec::new(), tags: Vec::new(), line, tag_lines }
    }

    /// Appends a token read from `line`, one line per token.
    pub fn push_line(&mut self, token: Atom, tag: Atom, line: usize) {
        if self.tokens.is_empty() {
            self.line = line;
            self.tag_lines = TagLines::Consecutive;
        } else if self.tag_lines == TagLines::Consecutive && line != self.line + self.tokens.len() {
            self.tag_lines = TagLines::Listed((self.line..self.line + self.tokens.len()).collect());
        }
        if let TagLines::Listed(lines) = &mut self.tag_lines {
            lines.push(line);
        }
        self.tokens.push(token);
        self.tags.push(tag);
    }

    /// The example, its vectors cut to their length (a sentence pushed token by token holds up
    /// to twice the room it needs, which adds up over a big file).
    pub fn into_example(self) -> NerExample {
        let (mut tokens, mut tags) = (self.tokens, self.tags);
        tokens.shrink_to_fit();
        tags.shrink_to_fit();
        NerExample { tokens, tags, line: self.line }
    }
}

fn tag_line(line: usize, tag_lines: &TagLines, index: usize) -> usize {
    match tag_lines {
        TagLines::Same => line,
        TagLines::Consecutive => line + index,
        TagLines::Listed(lines) => lines.get(index).copied().unwrap_or(line),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tag<'a> {
    Outside,
    /// Upper-case prefix letter and entity type.
    Prefixed(u8, &'a str),
    Bare(&'a str),
    Unknown,
}

/// Reads a tag. Works on bytes: it runs twice per token of files of many megabytes.
fn parse_tag(tag: &str) -> Tag<'_> {
    let bytes = tag.as_bytes();
    let separator = |b: u8| b == b'-' || b == b'_';
    match bytes {
        [] => Tag::Unknown,
        [b'O' | b'o'] => Tag::Outside,
        [first, ..] if separator(*first) => Tag::Unknown,
        [prefix, sep, rest @ ..] if separator(*sep) => match prefix.to_ascii_uppercase() {
            p @ (b'B' | b'I' | b'E' | b'S' | b'L' | b'U') if !rest.is_empty() => Tag::Prefixed(p, &tag[2..]),
            _ => Tag::Unknown,
        },
        [lead, ..] if *lead >= 0x80 => {
            let width = tag.chars().next().map_or(1, char::len_utf8);
            match bytes.get(width) {
                Some(&b) if separator(b) => Tag::Unknown,
                _ => Tag::Bare(tag),
            }
        }
        _ => Tag::Bare(tag),
    }
}

/// Maps a scheme's prefix onto B or I.
fn to_bi(prefix: u8) -> u8 {
    match prefix {
        b'B' | b'S' | b'U' => b'B',
        _ => b'I',
    }
}

/// Detects the file's scheme, rewrites every tag to IOB2 in place and reports what changed.
pub(crate) fn normalise(sentences: &mut [RawSentence]) -> (TagScheme, Vec<Diagnostic>) {
    let (survey, mut diagnostics) = Survey::of(sentences);
    let scheme = survey.scheme();
    diagnostics.extend(survey.diagnostics(scheme));
    if scheme == TagScheme::Iob2 && !survey.respelled && !survey.i_opens && diagnostics.is_empty() {
        return (scheme, diagnostics);
    }
    diagnostics.extend(rewrite_to_iob2(sentences, scheme));
    (scheme, diagnostics)
}

/// What a first pass over the tags found: which prefixes occur, how entities open, and tags
/// without a prefix (by type: the first line and how many).
#[derive(Default)]
struct Survey {
    bare: BTreeMap<String, (usize, usize)>,
    bioes: bool,
    bilou: bool,
    prefixed: bool,
    /// Some entity opens with B- (after O or another type).
    b_opens: bool,
    /// Some entity opens with I- (IOB1's way, or a stray I- in IOB2).
    i_opens: bool,
    /// Some tag is spelled other than its IOB2 form (`o`, `b-PER` …).
    respelled: bool,
}

impl Survey {
    /// The survey, and an error for every tag that is neither O nor prefixed nor bare.
    fn of(sentences: &[RawSentence]) -> (Self, Vec<Diagnostic>) {
        let mut survey = Survey::default();
        let mut diagnostics = Vec::new();
        for sentence in sentences {
            let mut prev: Option<&str> = None;
            for (index, tag) in sentence.tags.iter().enumerate() {
                let line = || tag_line(sentence.line, &sentence.tag_lines, index);
                prev = match parse_tag(tag) {
                    Tag::Outside => {
                        survey.respelled |= tag != "O";
                        None
                    }
                    Tag::Unknown => {
                        diagnostics.push(Diagnostic::error(
                            line(),
                            format!("tag \"{tag}\" is neither O nor a known prefix (B-, I-, E-, S-, L-, U-) with a type; read as O"),
                        ));
                        None
                    }
                    Tag::Bare(kind) => {
                        survey.bare.entry(kind.to_string()).or_insert_with(|| (line(), 0)).1 += 1;
                        Some(kind)
                    }
                    Tag::Prefixed(p, kind) => {
                        survey.prefixed = true;
                        survey.respelled |= tag.as_bytes().get(..2) != Some(&[p, b'-']);
                        survey.bioes |= matches!(p, b'E' | b'S');
                        survey.bilou |= matches!(p, b'L' | b'U');
                        let continues = prev == Some(kind);
                        match p {
                            b'B' if !continues => survey.b_opens = true,
                            b'I' if !continues => survey.i_opens = true,
                            _ => {}
                        }
                        Some(kind)
                    }
                };
            }
        }
        (survey, diagnostics)
    }

    fn scheme(&self) -> TagScheme {
        if self.bilou {
            TagScheme::Bilou
        } else if self.bioes {
            TagScheme::Bioes
        } else if self.prefixed {
            if self.i_opens && !self.b_opens {
                TagScheme::Iob1
            } else {
                TagScheme::Iob2
            }
        } else if !self.bare.is_empty() {
            TagScheme::Io
        } else {
            TagScheme::Iob2
        }
    }

    /// A warning for a conversion, and one per bare type read as I- (outside the IO scheme).
    fn diagnostics(&self, scheme: TagScheme) -> Vec<Diagnostic> {
        let mut diagnostics = Vec::new();
        match scheme {
            TagScheme::Iob2 => {}
            TagScheme::Io => diagnostics.push(Diagnostic::warning(
                0,
                "tags have no B-/I- prefixes (IO scheme); converted to IOB2, so adjacent entities of one type merge",
            )),
            TagScheme::Bioes => {
                diagnostics.push(Diagnostic::warning(0, "tags are BIOES; converted to IOB2 (S→B, E→I)"))
            }
            TagScheme::Bilou => {
                diagnostics.push(Diagnostic::warning(0, "tags are BILOU; converted to IOB2 (U→B, L→I)"))
            }
            TagScheme::Iob1 => diagnostics.push(Diagnostic::warning(0, "tags are IOB1; converted to IOB2")),
        }
        if scheme != TagScheme::Io {
            for (kind, (line, count)) in &self.bare {
                diagnostics.push(Diagnostic::warning(
                    *line,
                    format!("tag \"{kind}\" has no B-/I- prefix; read as I-{kind} ({count} such tags, the first here)"),
                ));
            }
        }
        diagnostics
    }
}

/// Rewrites every tag to IOB2 in place; in a file meant as IOB2, an entity opened by I- is
/// read as B- and reported once (the first line, and how many).
fn rewrite_to_iob2(sentences: &mut [RawSentence], scheme: TagScheme) -> Option<Diagnostic> {
    let mut stray: Option<(usize, String)> = None;
    let mut stray_count = 0usize;
    let mut atoms = Interner::default();
    let outside = atoms.intern("O");
    for sentence in sentences.iter_mut() {
        let mut prev: Option<String> = None;
        let RawSentence { tags, line, tag_lines, .. } = sentence;
        for (index, tag) in tags.iter_mut().enumerate() {
            let (written_bi, kind, written_as_iob2) = match parse_tag(tag) {
                Tag::Outside | Tag::Unknown => {
                    if *tag != "O" {
                        *tag = outside.clone();
                    }
                    prev = None;
                    continue;
                }
                Tag::Bare(kind) => (b'I', kind, false),
                Tag::Prefixed(p, kind) => (to_bi(p), kind, tag.as_bytes().get(..2) == Some(&[to_bi(p), b'-'])),
            };
            let opens = prev.as_deref() != Some(kind);
            let bi = if written_bi == b'I' && opens {
                if written_as_iob2 && scheme != TagScheme::Iob1 {
                    stray_count += 1;
                    stray.get_or_insert_with(|| (tag_line(*line, tag_lines, index), kind.to_string()));
                }
                b'B'
            } else {
                written_bi
            };
            let rewritten = (!written_as_iob2 || bi != written_bi).then(|| format!("{}-{kind}", bi as char));
            if opens {
                prev = Some(kind.to_string());
            }
            if let Some(rewritten) = rewritten {
                *tag = atoms.intern(&rewritten);
            }
        }
    }
    stray.map(|(line, kind)| {
        Diagnostic::warning(
            line,
            format!("I-{kind} starts an entity here without B-{kind}; read as B-{kind} ({stray_count} such tags in the file)"),
        )
    })
}
