//! Which writing system a dataset is in, as far as the default model cares: its vocabulary is
//! English, so text that is mostly Chinese, Japanese or Korean loses many characters to
//! `[UNK]`, and a model trained for that language fits better.

use super::Examples;

/// Above this share of CJK characters among the letters, the data counts as CJK.
pub const MOSTLY_CJK: f64 = 0.5;

/// Han ideographs, kana, Hangul and the CJK punctuation and full-width forms.
pub fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3000..=0x30FF // CJK punctuation, hiragana, katakana
        | 0x3400..=0x4DBF // extension A
        | 0x4E00..=0x9FFF // unified ideographs
        | 0xAC00..=0xD7AF // Hangul syllables
        | 0xF900..=0xFAFF // compatibility ideographs
        | 0xFF00..=0xFFEF // full-width forms
        | 0x20000..=0x2FA1F // extensions B to F, compatibility supplement
    )
}

/// The share of CJK characters among the letters of the examples' text (0 without letters).
pub fn cjk_share(examples: &Examples) -> f64 {
    let (mut cjk, mut letters) = (0usize, 0usize);
    let mut count = |text: &str| {
        for c in text.chars().filter(|c| c.is_alphanumeric() || is_cjk(*c)) {
            letters += 1;
            cjk += usize::from(is_cjk(c));
        }
    };
    match examples {
        Examples::Cls(rows) => rows.iter().for_each(|r| count(&r.text)),
        Examples::Ner(rows) => rows.iter().flat_map(|r| &r.tokens).for_each(|t| count(t)),
    }
    if letters == 0 {
        0.0
    } else {
        cjk as f64 / letters as f64
    }
}
