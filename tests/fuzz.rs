//! Fuzzing every reader of outside bytes: the dataset parsers (each format, through the format
//! detector and the tag-scheme converter), the model zip reader, the config and tokenizer
//! loaders, and the share-link, lesson-file and result-card decoders. Not coverage-guided (AFL
//! needs its own compiler toolchain here, cargo-fuzz a nightly one): a seeded mutational
//! fuzzer whose mutations know the formats' structure (lines, fields, tags, JSON tokens),
//! starting from a corpus of the tests' and samples' files.
//!
//! `cargo test` runs a short pass (TUNELAB_FUZZ_SECONDS, default 10); `cargo xtask fuzz
//! [SECONDS]` a longer one. An input that panics is saved under target/fuzz/crashes/ and
//! fails the run.

use std::collections::BTreeMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use tunelab::core::data::{
    detect_format, parse_classification, parse_cls_jsonl, parse_cluener, parse_conll, parse_ner, parse_ner_jsonl,
    parse_span_jsonl, parse_table, TableOptions,
};
use tunelab::core::model::BertConfig;
use tunelab::core::model_zip::{model_zip, read_model_zip};
use tunelab::core::task_model::ModelFiles;
use tunelab::core::tokenize::TextTokenizer;
use tunelab::core::train::TrainConfig;
use tunelab::share::{
    decode_file, decode_fragment, encode_file, encode_fragment, Access, Goal, GuideStep, Lesson, LinkData, ResultCard,
    RunLink, SettingRule, SharedFile, SharedModel,
};

/// Inputs never grow past this (a parser's cost is linear; bigger inputs only slow the run).
const MAX_INPUT: usize = 64 << 10;
/// Pieces the formats are made of, inserted whole.
const TOKENS: &[&str] = &[
    "\t",
    ",",
    ";",
    "\"",
    "\"\"",
    "\n",
    "\r\n",
    "\n\n",
    " ",
    "{",
    "}",
    "[",
    "]",
    ":",
    "B-",
    "I-",
    "E-",
    "S-",
    "L-",
    "U-",
    "O",
    "B-PER",
    "I-LOC",
    "-DOCSTART- -X- O O",
    "null",
    "true",
    "-1",
    "1e999",
    "18446744073709551616",
    "\u{feff}",
    "\u{0}",
    "\u{2028}",
    "é",
    "北京",
    "👍🏽",
    "\"text\"",
    "\"label\"",
    "\"tokens\"",
    "\"tags\"",
    "\"entities\"",
    "[[0, 1]]",
    "[[5, 2]]",
    "{\"text\": \"a\", \"label\": {\"x\": {\"a\": [[0, 0]]}}}",
    "v1.",
    "card.v1.",
    "#",
    "%",
    "\\u0000",
    "\\ud800",
];

/// xorshift64*: seeded, so a run can be repeated.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn line_spans(bytes: &[u8]) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        if b == b'\n' {
            spans.push((start, i + 1));
            start = i + 1;
        }
    }
    if start < bytes.len() {
        spans.push((start, bytes.len()));
    }
    spans
}

/// One to four mutations of `input`, some byte-level, some by line or token.
fn mutate(rng: &mut Rng, input: &[u8], corpus: &[Vec<u8>]) -> Vec<u8> {
    let mut out = input.to_vec();
    for _ in 0..1 + rng.below(4) {
        let at = rng.below(out.len() + 1);
        match rng.below(10) {
            0 if !out.is_empty() => {
                let i = rng.below(out.len());
                out[i] ^= 1 << rng.below(8);
            }
            1 if !out.is_empty() => {
                let i = rng.below(out.len());
                out[i] = [0x00, 0xff, 0xfe, 0x80, b'\n', b'\t', b'"', b','][rng.below(8)];
            }
            2 if !out.is_empty() => {
                let end = (at + 1 + rng.below(32)).min(out.len());
                out.drain(at.min(end)..end);
            }
            3 => {
                let token = TOKENS[rng.below(TOKENS.len())].as_bytes();
                out.splice(at..at, token.iter().copied());
            }
            4 | 5 => {
                let lines = line_spans(&out);
                if lines.len() >= 2 {
                    let (a, b) = (lines[rng.below(lines.len())], lines[rng.below(lines.len())]);
                    let copied = out[a.0..a.1].to_vec();
                    match rng.below(3) {
                        0 => drop(out.splice(b.0..b.0, copied)),
                        1 => drop(out.drain(a.0..a.1)),
                        _ => {
                            let other = out[b.0..b.1].to_vec();
                            if a.1 <= b.0 {
                                out.splice(b.0..b.1, copied);
                                out.splice(a.0..a.1, other);
                            }
                        }
                    }
                }
            }
            6 => out.truncate(at),
            7 => {
                let other = &corpus[rng.below(corpus.len())];
                let from = rng.below(other.len() + 1);
                let end = (from + rng.below(512)).min(other.len());
                out.splice(at..at, other[from..end].iter().copied());
            }
            8 => {
                // A number in the text grows, shrinks or turns negative (offsets, counts).
                if let Some(i) = (at..out.len()).find(|&i| out[i].is_ascii_digit()) {
                    let replacement = ["0", "-1", "4294967296", "99999", "1.5"][rng.below(5)];
                    out.splice(i..i + 1, replacement.bytes());
                }
            }
            _ => out.extend_from_within(..at.min(out.len()).min(MAX_INPUT / 2)),
        }
        out.truncate(MAX_INPUT);
    }
    out
}

type Target = fn(&[u8]);

/// Every reader, by name. Results are dropped: only a panic counts.
fn targets() -> Vec<(&'static str, Target)> {
    vec![
        ("detect_format", |b| {
            for name in ["a.csv", "a.tsv", "a.jsonl", "a.json", "a.conll", "a.txt", "noext"] {
                detect_format(name, b);
            }
        }),
        ("parse_classification", |b| {
            for name in ["a.csv", "a.tsv", "a.jsonl", "a.txt"] {
                drop(parse_classification(b, name, &TableOptions::default()));
            }
        }),
        ("parse_table", |b| {
            let options =
                TableOptions { text_column: Some("text".into()), label_column: Some("label".into()), delimiter: None };
            drop(parse_table(b, &options));
        }),
        ("parse_ner", |b| {
            for name in ["a.conll", "a.jsonl", "a.json", "a.bioes"] {
                drop(parse_ner(b, name));
            }
        }),
        ("parse_conll", |b| drop(parse_conll(b))),
        ("parse_cls_jsonl", |b| drop(parse_cls_jsonl(b))),
        ("parse_ner_jsonl", |b| drop(parse_ner_jsonl(b))),
        ("parse_span_jsonl", |b| drop(parse_span_jsonl(b))),
        ("parse_cluener", |b| drop(parse_cluener(b))),
        ("read_model_zip", |b| drop(read_model_zip(b, "model.zip"))),
        ("config_json", |b| drop(BertConfig::from_json_bytes(b))),
        ("decode_fragment", |b| drop(decode_fragment(&String::from_utf8_lossy(b)))),
        ("decode_file", |b| drop(decode_file(b))),
        ("result_card", |b| drop(ResultCard::read(&String::from_utf8_lossy(b)))),
    ]
}

/// The seed corpus: the samples, slices of the shared datasets, a link, a lesson file, a card,
/// a model zip and the default model's config.
fn corpus() -> Vec<Vec<u8>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let read = |p: PathBuf, max: usize| std::fs::read(&p).map(|b| b[..b.len().min(max)].to_vec()).ok();
    let mut corpus: Vec<Vec<u8>> = [
        root.join("web/samples/reviews.csv"),
        root.join("web/samples/entities.conll"),
        root.join("web/samples/entities-zh.json"),
        root.join("../shared/data/wnut17/train.conll"),
        root.join("../shared/data/wnut17/test.conll"),
        root.join("../shared/data/sst2/train.tsv"),
        root.join("web/models/all-MiniLM-L6-v2/config.json"),
    ]
    .into_iter()
    .filter_map(|p| read(p, 8 << 10))
    .collect();
    corpus.extend(
        [
            "{\"text\": \"fine\", \"label\": \"pos\"}\n{\"text\": \"bad\", \"label\": \"neg\"}\n",
            "{\"tokens\": [\"Maria\", \"flew\"], \"tags\": [\"B-PER\", \"O\"]}\n",
            "{\"text\": \"Maria flew\", \"entities\": [{\"start\": 0, \"end\": 5, \"label\": \"PER\"}]}\n",
            "Maria\tS-PER\nflew\tO\nNew\tB-LOC\nYork\tE-LOC\n\nTom\tU-PER\n",
            "John NNP B-NP I-PER\nlives VBZ B-VP O\n",
        ]
        .map(|s| s.as_bytes().to_vec()),
    );
    let lesson = Lesson {
        title: "t".into(),
        instructions: "a\n\nb".into(),
        rules: vec![SettingRule {
            field: tunelab::core::train::Field::Epochs,
            access: Access::Locked,
            reason: "r".into(),
        }],
        goal: Some(Goal { at_least: 0.5 }),
        guide: vec![GuideStep::Train],
    };
    let link = RunLink {
        task: tunelab::core::model::Task::Ner,
        settings: TrainConfig::default(),
        model: SharedModel::Hub { id: "owner/name".into() },
        language: "en".into(),
        data: LinkData::Inline { train: SharedFile { name: "a.conll".into(), text: "a\tO\n".into() }, dev: None },
        text_column: None,
        label_column: None,
        lesson: Some(lesson),
    };
    corpus.push(encode_fragment(&link).into_bytes());
    corpus.push(encode_file(&link).into_bytes());
    let card = ResultCard::new(tunelab::core::model::Task::Cls, TrainConfig::default(), &[], &[], "CPU".into());
    corpus.push(card.to_json().into_bytes());
    corpus.push(card.to_fragment().into_bytes());
    let files =
        ModelFiles { config_json: b"{}".to_vec(), tokenizer_json: b"{}".to_vec(), model_safetensors: vec![0; 64] };
    if let Ok(zip) = model_zip(&files, None, "m") {
        corpus.push(zip);
    }
    corpus
}

fn main() {
    let seconds: u64 = std::env::var("TUNELAB_FUZZ_SECONDS").ok().and_then(|s| s.parse().ok()).unwrap_or(10);
    let seed: u64 = std::env::var("TUNELAB_FUZZ_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(0x7e57_ab1e);
    let crashes = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/fuzz/crashes");
    let corpus = corpus();
    let targets = targets();
    let tokenizer =
        std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("web/models/all-MiniLM-L6-v2/tokenizer.json"));
    std::panic::set_hook(Box::new(|_| {}));
    let mut rng = Rng(seed | 1);
    let mut runs: BTreeMap<&str, u64> = BTreeMap::new();
    let mut panics: Vec<String> = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let mut round = 0u64;
    while Instant::now() < deadline && panics.len() < 10 {
        round += 1;
        let seed_input = &corpus[rng.below(corpus.len())];
        let input = mutate(&mut rng, seed_input, &corpus);
        for (name, target) in &targets {
            *runs.entry(name).or_default() += 1;
            if catch_unwind(AssertUnwindSafe(|| target(&input))).is_err() {
                let path = crashes.join(format!("{name}-{round}"));
                let _ = std::fs::create_dir_all(&crashes);
                let _ = std::fs::write(&path, &input);
                panics.push(format!("{name} panicked; the input is in {}", path.display()));
            }
        }
        // The tokenizer loader is slow (a 700 KB JSON); it gets one mutated copy in 500 rounds.
        if let (Ok(json), 0) = (&tokenizer, round % 500) {
            let input = mutate(&mut rng, json, &corpus);
            *runs.entry("tokenizer_json").or_default() += 1;
            if catch_unwind(AssertUnwindSafe(|| drop(TextTokenizer::from_bytes(&input, 128)))).is_err() {
                let path = crashes.join(format!("tokenizer_json-{round}"));
                let _ = std::fs::create_dir_all(&crashes);
                let _ = std::fs::write(&path, &input);
                panics.push(format!("tokenizer_json panicked; the input is in {}", path.display()));
            }
        }
    }
    let _ = std::panic::take_hook();
    let total: u64 = runs.values().sum();
    println!(
        "fuzz: {total} executions in {seconds} s over {} targets from {} seed inputs (seed {seed}), {} panics",
        runs.len(),
        corpus.len(),
        panics.len()
    );
    for (name, n) in &runs {
        println!("  {name}: {n}");
    }
    if !panics.is_empty() {
        for p in &panics {
            eprintln!("fuzz: {p}");
        }
        std::process::exit(1);
    }
}
