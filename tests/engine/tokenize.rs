//! Word ↔ sub-word alignment and truncation, on the default model's tokenizer.

use tunelab::core::tokenize::TextTokenizer;
use tunelab::core::train::batch::token_targets;
use tunelab::core::train::loss::IGNORE;

use crate::support::model_files;

fn words(s: &str) -> Vec<String> {
    s.split(' ').map(str::to_string).collect()
}

#[test]
fn first_sub_word_of_each_word_carries_the_tag() {
    let tokenizer = TextTokenizer::from_bytes(&model_files().tokenizer_json, 64).expect("tokenizer");
    let sentence = words("Tunelab fine-tunes BERT");
    let encoded = tokenizer.encode_words(&sentence).expect("encode");
    let tokens = tokenizer.tokens(&encoded);
    assert_eq!(tokens.first().map(String::as_str), Some("[CLS]"));
    assert_eq!(tokens.last().map(String::as_str), Some("[SEP]"));
    assert!(tokens.len() > sentence.len() + 2, "the words split into sub-words: {tokens:?}");
    let starts: Vec<usize> = encoded.word_starts.iter().flatten().copied().collect();
    assert_eq!(starts, vec![0, 1, 2], "one start per word, in order: {tokens:?}");
    assert_eq!(encoded.word_starts[0], None, "[CLS] carries no word");
    let targets = token_targets(&encoded, &[3, 0, 5]);
    assert_eq!(targets.iter().filter(|&&t| t != IGNORE).copied().collect::<Vec<_>>(), vec![3, 0, 5]);
    assert_eq!(targets.len(), encoded.ids.len());
    assert!(!encoded.truncated);
}

#[test]
fn long_inputs_are_cut_to_max_length_and_counted() {
    let tokenizer = TextTokenizer::from_bytes(&model_files().tokenizer_json, 8).expect("tokenizer");
    let sentence = words("one two three four five six seven eight nine ten");
    let encoded = tokenizer.encode_words(&sentence).expect("encode");
    assert_eq!(encoded.ids.len(), 8);
    assert!(encoded.truncated);
    assert_eq!(tokenizer.tokens(&encoded).last().map(String::as_str), Some("[SEP]"));
    assert_eq!(encoded.word_starts.iter().flatten().count(), 6, "the words that fit keep their tags");
    let text = tokenizer.encode_text("a short text").expect("encode");
    assert!(!text.truncated && text.ids.len() == 5);
}

#[test]
fn baked_in_padding_of_tokenizer_json_is_off() {
    // The default model's tokenizer.json pads to 128; Tunelab pads per batch instead.
    let tokenizer = TextTokenizer::from_bytes(&model_files().tokenizer_json, 128).expect("tokenizer");
    assert_eq!(tokenizer.encode_text("hello").expect("encode").ids.len(), 3);
}

/// A tokenizer.json cut or damaged inside its `decoder` makes the tokenizers crate panic (its
/// decoder deserializer unwraps); found by the fuzzer. It must be an error.
#[test]
fn a_damaged_tokenizer_json_is_an_error_not_a_panic() {
    let json = model_files().tokenizer_json;
    let decoder = json.windows(10).position(|w| w == b"\"decoder\":").expect("a decoder section");
    for cut in (decoder + 11..decoder + 120).step_by(3) {
        let result = std::panic::catch_unwind(|| TextTokenizer::from_bytes(&json[..cut], 128).map(|_| ()));
        let error = result.unwrap_or_else(|_| panic!("loading tokenizer.json cut at byte {cut} panicked"));
        let message = error.expect_err("a cut file").to_string();
        assert!(message.contains("not valid JSON"), "{message}");
    }
}
