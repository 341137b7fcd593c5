//! Share links: what goes in comes out, and a cut, damaged or hand-edited link is refused with
//! a message that says which.

use tunelab::core::model::Task;
use tunelab::core::train::{Field, TrainConfig};
use tunelab::share::{
    decode_fragment, encode_fragment, LinkData, LinkError, RunLink, SharedFile, SharedModel, LINK_CAP,
};

use crate::support::{conll_slice, shared};

/// The first `n` WNUT-17 sentences.
pub fn conll_sentences(n: usize) -> String {
    conll_slice(&shared("data/wnut17/train.conll"), 0, n)
}

pub fn link(train: String) -> RunLink {
    RunLink {
        task: Task::Ner,
        settings: TrainConfig { learning_rate: 2e-4, epochs: 10, seed: 7, ..TrainConfig::default() },
        model: SharedModel::Default,
        language: "zh-Hans".into(),
        data: LinkData::Inline { train: SharedFile { name: "wnut.conll".into(), text: train }, dev: None },
        text_column: None,
        label_column: None,
        lesson: None,
    }
}

#[test]
fn a_link_carries_the_settings_model_language_and_data_exactly() {
    let original = link(conll_sentences(20));
    let fragment = encode_fragment(&original);
    assert!(fragment.starts_with("v1."), "{fragment}");
    assert!(fragment.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c)), "URL-safe: {fragment}");
    assert_eq!(decode_fragment(&fragment).expect("decodes"), original);
    assert_eq!(decode_fragment(&format!("#{fragment}")).expect("with #"), original);
}

#[test]
fn data_is_deflated_and_links_past_the_cap_are_told_apart() {
    for n in [50, 100, 150] {
        let text = conll_sentences(n);
        let fragment = encode_fragment(&link(text.clone()));
        let deflated = (fragment.len() - 3) * 3 / 4;
        println!(
            "{n} WNUT-17 sentences: {} bytes of CoNLL → {deflated} deflated → {} characters",
            text.len(),
            fragment.len()
        );
        assert!(deflated < text.len() / 2, "deflate should at least halve CoNLL text");
    }
    assert!(encode_fragment(&link(conll_sentences(20))).len() < LINK_CAP);
    let big = encode_fragment(&link(conll_sentences(3000)));
    assert!(big.len() > LINK_CAP, "the whole training set does not fit: {}", big.len());
}

#[test]
fn damaged_links_say_what_is_wrong() {
    let fragment = encode_fragment(&link(conll_sentences(20)));
    assert_eq!(decode_fragment("hello"), Err(LinkError::NotALink));
    assert_eq!(decode_fragment(""), Err(LinkError::NotALink));
    assert_eq!(decode_fragment(&format!("{}<script>", &fragment)), Err(LinkError::Characters));
    let cut = &fragment[..fragment.len() * 2 / 3];
    assert!(matches!(decode_fragment(cut), Err(LinkError::Truncated | LinkError::Characters)), "{cut}");
    let mut flipped = fragment.clone().into_bytes();
    let middle = flipped.len() / 2;
    flipped[middle] = if flipped[middle] == b'A' { b'B' } else { b'A' };
    let flipped = String::from_utf8(flipped).expect("ascii");
    assert!(decode_fragment(&flipped).is_err(), "a changed character must not pass unnoticed");
}

#[test]
fn hand_edited_links_are_checked_like_typed_settings() {
    let mut edited = link(String::from("Paris\tB-LOC\n"));
    edited.settings.learning_rate = 5.0;
    let err = decode_fragment(&encode_fragment(&edited)).expect_err("out of range");
    assert!(matches!(&err, LinkError::Settings(e) if e.field() == Field::LearningRate), "{err}");
    assert!(err.to_string().contains("Learning rate"), "{err}");

    let mut hub = link(String::from("Paris\tB-LOC\n"));
    hub.model = SharedModel::Hub { id: "../../etc/passwd".into() };
    assert!(matches!(decode_fragment(&encode_fragment(&hub)), Err(LinkError::ModelId(_))));
    hub.model = SharedModel::Hub { id: "bert-base-chinese".into() };
    assert!(decode_fragment(&encode_fragment(&hub)).is_ok());

    let not_json = format!("v1.{}", base64_of_deflated(b"{\"task\": 3}"));
    assert!(matches!(decode_fragment(&not_json), Err(LinkError::Contents(_))));
}

#[test]
fn a_small_link_that_inflates_past_the_limit_is_refused() {
    let bomb = vec![b' '; 8 << 20];
    let fragment = format!("v1.{}", base64_of_deflated(&bomb));
    assert!(fragment.len() < 20_000, "{}", fragment.len());
    assert_eq!(decode_fragment(&fragment), Err(LinkError::TooLarge));
}

fn base64_of_deflated(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(miniz_oxide::deflate::compress_to_vec(bytes, 9))
}

#[test]
fn data_by_url_is_named_after_the_file_and_must_be_a_web_address() {
    let mut by_url = link(String::new());
    by_url.data = LinkData::Url { train: "https://example.org/data/train.conll?raw=1".into(), dev: None };
    assert_eq!(decode_fragment(&encode_fragment(&by_url)).expect("decodes"), by_url);
    assert_eq!(tunelab::share::link::file_name("https://example.org/data/train.conll?raw=1"), "train.conll");
    assert_eq!(tunelab::share::link::file_name("https://example.org/"), "example.org");
    assert_eq!(tunelab::share::link::file_name("http://127.0.0.1:8080/a/b.tsv#x"), "b.tsv");
    for bad in ["javascript:alert(1)", "file:///etc/passwd", "https://", "data:text/csv,a"] {
        by_url.data = LinkData::Url { train: bad.into(), dev: None };
        assert_eq!(decode_fragment(&encode_fragment(&by_url)), Err(LinkError::DataUrl(bad.into())), "{bad}");
    }
    by_url.data =
        LinkData::Url { train: "https://example.org/t.csv".into(), dev: Some("ftp://example.org/d.csv".into()) };
    assert_eq!(by_url.check(), Err(LinkError::DataUrl("ftp://example.org/d.csv".into())));
}

#[test]
fn a_page_served_from_this_network_is_told_from_one_served_here_or_online() {
    use tunelab::ui::lan::on_local_network;
    for host in ["192.168.1.23", "10.0.0.7", "172.20.3.4", "teachers-laptop.local"] {
        assert!(on_local_network(host), "{host}");
    }
    for host in ["127.0.0.1", "localhost", "tunelab.example.org", "8.8.8.8", "172.32.0.1", "[::1]"] {
        assert!(!on_local_network(host), "{host}");
    }
}
