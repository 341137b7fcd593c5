//! Labelled datasets: parsers for every supported file format, diagnostics, and splits.
//!
//! Every parser takes raw bytes and returns the examples it could read together with a
//! diagnostic for everything it could not; no parser panics or returns early on bad input.
//!
//! Codemap: `atom` shared word and tag strings; `lines` bytes → numbered UTF-8 lines; `format` which parser a file needs; `load`
//! one entry point per task; `dataset` a task's files → train/dev/test with diagnostics;
//! `table` CSV/TSV; `jsonl` classification and word/tag JSONL; `conll` CoNLL; `spans` span
//! JSONL and word splitting; `cluener` CLUENER's JSON (character spans, end inclusive);
//! `tag_scheme` IOB1/IOB2/BIOES/BILOU/IO to IOB2; `script` how much of the text is CJK; `split` seeded stratified splits; `labels`
//! label counts and dev-only labels.

mod atom;
mod cluener;
mod conll;
mod dataset;
mod diagnostics;
mod examples;
mod format;
mod jsonl;
mod labels;
mod lines;
mod load;
mod script;
mod spans;
mod split;
mod table;
mod tag_scheme;

pub use atom::{Atom, Interner};
pub use cluener::parse_cluener;
pub use conll::parse_conll;
pub use dataset::{
    load_dataset, read_examples, DataSource, Dataset, DatasetDiagnostics, DatasetError, DatasetOptions, Refused,
};
pub use diagnostics::{Diagnostic, Parsed, Severity};
pub use examples::Examples;
pub use format::{detect_format, Format};
pub use jsonl::{parse_cls_jsonl, parse_ner_jsonl};
pub use labels::{entity_counts, label_counts, unseen_entity_types, unseen_labels};
pub use load::{parse_classification, parse_ner};
pub use script::{cjk_share, is_cjk, MOSTLY_CJK};
pub use spans::{parse_span_jsonl, split_words, Word};
pub use split::{limit, ner_stratum, split_stratified, Fractions, SplitError, Splits};
pub use table::{parse_table, TableOptions, LABEL_COLUMNS, TEXT_COLUMNS};
pub use tag_scheme::TagScheme;

/// One sentence (or document) with its class label, as read from a file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ClsExample {
    pub text: String,
    pub label: String,
    /// 1-based line in the source file where the example starts.
    pub line: usize,
}

/// One sentence as words with one IOB2 tag per word.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct NerExample {
    pub tokens: Vec<Atom>,
    /// IOB2 tags (`O`, `B-TYPE`, `I-TYPE`), one per token, whatever scheme the file used.
    pub tags: Vec<Atom>,
    /// 1-based line in the source file where the example starts.
    pub line: usize,
}

/// An NER file's sentences (tags already IOB2) and the scheme the file was written in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NerFile {
    pub examples: Vec<NerExample>,
    pub scheme: TagScheme,
}
