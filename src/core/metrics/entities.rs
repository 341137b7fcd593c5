//! Entities read out of tag sequences, in the two ways seqeval reads them.
//!
//! The two modes disagree on ill-formed sequences, and users compare against both, so each
//! one reproduces seqeval's reading exactly rather than a cleaned-up version of it.

use std::fmt;

use serde::{Deserialize, Serialize};
use thiserror::Error;

/// How tags are read into entities.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntityMode {
    /// seqeval's default, conlleval-compatible `get_entities`: any tag is read (prefix = first
    /// character, type = what follows the first `-`), a stray `I-X` starts an entity, and the
    /// sentences are joined with an `O` between them.
    Default,
    /// seqeval's `mode="strict", scheme=IOB2`: an entity is `B-X` followed by any `I-X`s of the
    /// same type, within one sentence; a stray `I-X` is no entity; only B, I and O prefixes are
    /// allowed.
    StrictIob2,
}

impl fmt::Display for EntityMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            EntityMode::Default => "default",
            EntityMode::StrictIob2 => "strict IOB2",
        })
    }
}

/// One entity: a type over a run of tokens.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Entity {
    /// The entity type; `_` when the tag names none, as in seqeval.
    pub kind: String,
    pub sentence: usize,
    /// First token, counted from the start of `sentence`.
    pub start: usize,
    /// One past the last token. In default mode, seqeval's lenient rules can (only for
    /// type-less or `.`-prefixed tags) carry a chunk over the `O` it puts between sentences, so
    /// `end` may then pass the sentence's length; the offsets stay those of seqeval's joined
    /// sequence, counted from the start of `sentence`.
    pub end: usize,
}

/// A tag that seqeval would raise an exception on in the given mode.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("sentence {sentence}, token {position}: {tag:?} is not a valid tag in {mode} mode")]
pub struct InvalidTag {
    pub mode: EntityMode,
    pub sentence: usize,
    pub position: usize,
    pub tag: String,
}

/// Reads the entities of all `sentences`, in order of their end. Fails on the first tag the
/// mode cannot read: an empty tag in either mode (seqeval indexes its first character), and in
/// strict mode any tag whose first character is not `B`, `I` or `O`.
pub fn extract_entities<T: AsRef<[S]>, S: AsRef<str>>(
    sentences: &[T],
    mode: EntityMode,
) -> Result<Vec<Entity>, InvalidTag> {
    match mode {
        EntityMode::Default => lenient(sentences),
        EntityMode::StrictIob2 => strict_iob2(sentences),
    }
}

fn invalid(mode: EntityMode, sentence: usize, position: usize, tag: &str) -> InvalidTag {
    InvalidTag { mode, sentence, position, tag: tag.to_owned() }
}

fn lenient<T: AsRef<[S]>, S: AsRef<str>>(sentences: &[T]) -> Result<Vec<Entity>, InvalidTag> {
    let mut chunker = Chunker::default();
    let mut sentence_starts = Vec::with_capacity(sentences.len());
    let mut i = 0;
    for (s, sentence) in sentences.iter().enumerate() {
        sentence_starts.push(i);
        for (position, tag) in sentence.as_ref().iter().enumerate() {
            let tag = tag.as_ref();
            let (prefix, kind) = lenient_parts(tag).ok_or_else(|| invalid(EntityMode::Default, s, position, tag))?;
            chunker.push(i, prefix, kind);
            i += 1;
        }
        chunker.push(i, 'O', "_");
        i += 1;
    }
    chunker.push(i, 'O', "_");

    let entities = chunker
        .chunks
        .into_iter()
        .map(|(kind, start, end)| {
            let sentence = sentence_starts.partition_point(|&first| first <= start).saturating_sub(1);
            let first = sentence_starts.get(sentence).copied().unwrap_or(0);
            Entity {
                kind: kind.to_owned(),
                sentence,
                start: start.saturating_sub(first),
                end: end.saturating_sub(first),
            }
        })
        .collect();
    Ok(entities)
}

/// seqeval's `get_entities`: `tag = chunk[0]`, `type = chunk[1:].split('-', 1)[-1] or '_'`.
fn lenient_parts(tag: &str) -> Option<(char, &str)> {
    let mut chars = tag.chars();
    let prefix = chars.next()?;
    let rest = chars.as_str();
    let kind = rest.split_once('-').map_or(rest, |(_, after)| after);
    Some((prefix, if kind.is_empty() { "_" } else { kind }))
}

/// The state of seqeval's `get_entities` loop over the joined sequence.
struct Chunker<'a> {
    prev_tag: char,
    prev_kind: &'a str,
    begin: usize,
    /// Type, first position and one-past-last position in the joined sequence.
    chunks: Vec<(&'a str, usize, usize)>,
}

impl Default for Chunker<'_> {
    fn default() -> Self {
        Self { prev_tag: 'O', prev_kind: "", begin: 0, chunks: Vec::new() }
    }
}

impl<'a> Chunker<'a> {
    fn push(&mut self, i: usize, tag: char, kind: &'a str) {
        if ends_chunk(self.prev_tag, tag, self.prev_kind, kind) {
            self.chunks.push((self.prev_kind, self.begin, i));
        }
        if starts_chunk(self.prev_tag, tag, self.prev_kind, kind) {
            self.begin = i;
        }
        self.prev_tag = tag;
        self.prev_kind = kind;
    }
}

/// seqeval's `end_of_chunk`, rule for rule.
fn ends_chunk(prev_tag: char, tag: char, prev_kind: &str, kind: &str) -> bool {
    matches!(prev_tag, 'E' | 'S')
        || (matches!(prev_tag, 'B' | 'I') && matches!(tag, 'B' | 'S' | 'O'))
        || (prev_tag != 'O' && prev_tag != '.' && prev_kind != kind)
}

/// seqeval's `start_of_chunk`, rule for rule.
fn starts_chunk(prev_tag: char, tag: char, prev_kind: &str, kind: &str) -> bool {
    matches!(tag, 'B' | 'S')
        || (matches!(prev_tag, 'E' | 'S' | 'O') && matches!(tag, 'E' | 'I'))
        || (tag != 'O' && tag != '.' && prev_kind != kind)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Iob2 {
    Begin,
    Inside,
    Outside,
}

/// seqeval's `Token` for IOB2: prefix = first character, type = the rest with `-` stripped from
/// both ends, or `_`.
fn iob2_parts(tag: &str) -> Option<(Iob2, &str)> {
    let mut chars = tag.chars();
    let prefix = match chars.next()? {
        'B' => Iob2::Begin,
        'I' => Iob2::Inside,
        'O' => Iob2::Outside,
        _ => return None,
    };
    let kind = chars.as_str().trim_matches('-');
    Some((prefix, if kind.is_empty() { "_" } else { kind }))
}

fn strict_iob2<T: AsRef<[S]>, S: AsRef<str>>(sentences: &[T]) -> Result<Vec<Entity>, InvalidTag> {
    let mut entities = Vec::new();
    for (s, sentence) in sentences.iter().enumerate() {
        let tokens = sentence
            .as_ref()
            .iter()
            .enumerate()
            .map(|(position, tag)| {
                let tag = tag.as_ref();
                iob2_parts(tag).ok_or_else(|| invalid(EntityMode::StrictIob2, s, position, tag))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let mut i = 0;
        while let Some(&(prefix, kind)) = tokens.get(i) {
            if prefix != Iob2::Begin {
                i += 1;
                continue;
            }
            let mut end = i + 1;
            while matches!(tokens.get(end), Some(&(Iob2::Inside, k)) if k == kind) {
                end += 1;
            }
            entities.push(Entity { kind: kind.to_owned(), sentence: s, start: i, end });
            i = end;
        }
    }
    Ok(entities)
}
