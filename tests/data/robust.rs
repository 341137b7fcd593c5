//! Parsers never panic: random inputs built from the pieces that trip parsers up.

use tunelab::core::data::{
    detect_format, parse_classification, parse_conll, parse_ner, parse_span_jsonl, parse_table, split_words,
    TableOptions,
};
use tunelab::core::rng::Rng;

const PIECES: &[&[u8]] = &[
    b"\n",
    b"\r\n",
    b"\r",
    b"\t",
    b" ",
    b",",
    b";",
    b"\"",
    b"\"\"",
    b"{",
    b"}",
    b"[",
    b"]",
    b":",
    b"text",
    b"label",
    b"tokens",
    b"tags",
    b"entities",
    b"\"text\": \"",
    b"\"entities\": [[",
    b"0",
    b"3",
    b"-1",
    b"99999999999999999999",
    b"B-",
    b"I-PER",
    b"E-X",
    b"S-Y",
    b"L-",
    b"U-Z",
    b"X-PER",
    b"O",
    b"-DOCSTART-",
    b"\xEF\xBB\xBF",
    b"\xFF",
    b"\xC3",
    b"\xE2\x80\x8D",
    "👍🏽".as_bytes(),
    "东京".as_bytes(),
    "e\u{301}".as_bytes(),
    "\u{600}".as_bytes(),
    b"word",
];

fn random_input(rng: &mut Rng) -> Vec<u8> {
    let pieces = rng.below(40) as usize;
    (0..pieces).flat_map(|_| PIECES[rng.below(PIECES.len() as u64) as usize].to_vec()).collect()
}

#[test]
fn random_inputs_never_panic() {
    let mut rng = Rng::new(2024);
    let options = TableOptions::default();
    for _ in 0..3000 {
        let input = random_input(&mut rng);
        for name in ["x.csv", "x.tsv", "x.jsonl", "x.conll", ""] {
            let _ = detect_format(name, &input);
            let cls = parse_classification(&input, name, &options);
            assert!(cls.diagnostics.iter().all(|d| !d.message.is_empty()));
            let _ = parse_ner(&input, name);
        }
        let _ = parse_table(&input, &options);
        let _ = parse_conll(&input);
        let _ = parse_span_jsonl(&input);
        if let Ok(text) = std::str::from_utf8(&input) {
            let words = split_words(text);
            assert!(words.windows(2).all(|w| w[0].end <= w[1].start));
        }
    }
}

#[test]
fn random_span_files_never_panic() {
    let mut rng = Rng::new(7);
    let texts = ["a👍🏽b", "東京 x", "cafe\u{301}", "\u{600}1 2", "x\r\ny", "", "  "];
    for _ in 0..3000 {
        let text = texts[rng.below(texts.len() as u64) as usize];
        let mut line = format!("{{\"text\": {text:?}, \"entities\": [");
        for i in 0..rng.below(4) {
            let (start, end) = (rng.below(9), rng.below(9));
            line.push_str(&format!("{}[{start}, {end}, \"T{i}\"]", if i > 0 { "," } else { "" }));
        }
        line.push_str("]}\n");
        let parsed = parse_span_jsonl(line.as_bytes());
        for example in &parsed.value.examples {
            assert_eq!(example.tokens.len(), example.tags.len());
        }
    }
}

/// Word splitting by whole-text grapheme segmentation, the slow way (no CJK in its inputs).
fn reference_words(text: &str) -> Vec<(String, usize, usize)> {
    use unicode_segmentation::UnicodeSegmentation;
    let mut words: Vec<(String, usize, usize)> = Vec::new();
    let (mut offset, mut in_run) = (0, false);
    for grapheme in text.graphemes(true) {
        let len = grapheme.chars().count();
        let first = grapheme.chars().next().unwrap_or(' ');
        if first.is_whitespace() {
            in_run = false;
        } else if first.is_alphanumeric() {
            match words.last_mut() {
                Some(word) if in_run => {
                    word.0.push_str(grapheme);
                    word.2 += len;
                }
                _ => words.push((grapheme.to_string(), offset, offset + len)),
            }
            in_run = true;
        } else {
            words.push((grapheme.to_string(), offset, offset + len));
            in_run = false;
        }
        offset += len;
    }
    words
}

#[test]
fn word_splitting_matches_whole_text_segmentation() {
    let pieces = [
        "a",
        "Z",
        "9",
        " ",
        "\t",
        "\r",
        "\n",
        "\r\n",
        ".",
        "'",
        "e\u{301}",
        "\u{301}",
        "\u{200d}",
        "👍",
        "🏽",
        "👨\u{200d}👩",
        "🇫",
        "🇷",
        "\u{600}",
        "\u{903}",
        "é",
        "ß",
        "❤\u{fe0f}",
    ];
    let mut rng = Rng::new(11);
    for _ in 0..5000 {
        let text: String = (0..rng.below(12)).map(|_| pieces[rng.below(pieces.len() as u64) as usize]).collect();
        let got: Vec<(String, usize, usize)> =
            split_words(&text).into_iter().map(|w| (w.text.to_string(), w.start, w.end)).collect();
        assert_eq!(got, reference_words(&text), "{text:?}");
    }
}
