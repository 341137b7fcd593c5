//! Sub-word tokenisation with the model's own `tokenizer.json`, and the word ↔ sub-word
//! alignment that token classification needs.

use tokenizers::{Tokenizer, TruncationParams};

/// Why a tokenizer could not be loaded or used.
#[derive(Debug, thiserror::Error)]
pub enum TokenizeError {
    #[error("tokenizer.json could not be read: {0}")]
    Load(String),
    #[error("max length {0} is too small: at least 3 tokens are needed ([CLS] x [SEP])")]
    MaxLength(usize),
    #[error("tokenizing {what} failed: {message}")]
    Encode { what: String, message: String },
}

/// One encoded sequence, special tokens included.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Encoded {
    pub ids: Vec<u32>,
    pub type_ids: Vec<u32>,
    /// Per token: `Some(word)` on the first sub-word of that input word, `None` elsewhere
    /// (later sub-words, special tokens). Only filled for pre-split words.
    pub word_starts: Vec<Option<usize>>,
    /// Whether the input was longer than the maximum length and was cut.
    pub truncated: bool,
}

/// A `tokenizers` tokenizer with the padding and truncation baked into `tokenizer.json`
/// replaced by Tunelab's own: no padding (batches pad dynamically), truncation to `max_len`.
#[derive(Clone)]
pub struct TextTokenizer {
    inner: Tokenizer,
    max_len: usize,
}

impl std::fmt::Debug for TextTokenizer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TextTokenizer").field("max_len", &self.max_len).finish_non_exhaustive()
    }
}

impl TextTokenizer {
    pub fn from_bytes(bytes: &[u8], max_len: usize) -> Result<Self, TokenizeError> {
        if max_len < 3 {
            return Err(TokenizeError::MaxLength(max_len));
        }
        // The tokenizers crate panics on some malformed JSON (its decoder deserializer unwraps),
        // so the syntax is checked first.
        serde_json::from_slice::<serde::de::IgnoredAny>(bytes)
            .map_err(|e| TokenizeError::Load(format!("it is not valid JSON ({e})")))?;
        let mut inner = Tokenizer::from_bytes(bytes).map_err(|e| TokenizeError::Load(e.to_string()))?;
        inner.with_padding(None);
        inner
            .with_truncation(Some(TruncationParams { max_length: max_len, ..Default::default() }))
            .map_err(|e| TokenizeError::Load(e.to_string()))?;
        Ok(Self { inner, max_len })
    }

    pub fn max_len(&self) -> usize {
        self.max_len
    }

    /// Id of the padding token (`[PAD]` for BERT vocabularies), 0 when the vocabulary has none.
    pub fn pad_id(&self) -> u32 {
        self.inner.token_to_id("[PAD]").unwrap_or(0)
    }

    /// The padding token's text, for tools that name it rather than its id.
    pub fn pad_token(&self) -> String {
        self.inner.id_to_token(self.pad_id()).unwrap_or_else(|| "[PAD]".to_string())
    }

    pub fn vocab_size(&self) -> usize {
        self.inner.get_vocab_size(true)
    }

    /// The untouched `tokenizer.json`, for export.
    pub fn to_json(&self) -> Result<String, TokenizeError> {
        let mut original = self.inner.clone();
        original.with_padding(None);
        original.with_truncation(None).map_err(|e| TokenizeError::Load(e.to_string()))?;
        original.to_string(true).map_err(|e| TokenizeError::Load(e.to_string()))
    }

    pub fn encode_text(&self, text: &str) -> Result<Encoded, TokenizeError> {
        let encoding = self
            .inner
            .encode(text, true)
            .map_err(|e| TokenizeError::Encode { what: short(text), message: e.to_string() })?;
        Ok(Encoded {
            ids: encoding.get_ids().to_vec(),
            type_ids: encoding.get_type_ids().to_vec(),
            word_starts: vec![None; encoding.len()],
            truncated: !encoding.get_overflowing().is_empty(),
        })
    }

    /// Encodes pre-split words and marks the first sub-word of each (the one that carries the
    /// word's tag, as HF's token-classification recipe does).
    pub fn encode_words(&self, words: &[impl AsRef<str>]) -> Result<Encoded, TokenizeError> {
        let words: Vec<&str> = words.iter().map(AsRef::as_ref).collect();
        let encoding = self
            .inner
            .encode(words.as_slice(), true)
            .map_err(|e| TokenizeError::Encode { what: short(&words.join(" ")), message: e.to_string() })?;
        let mut previous = None;
        let word_starts = encoding
            .get_word_ids()
            .iter()
            .map(|&word| {
                let start = word.filter(|_| word != previous).map(|w| w as usize);
                previous = word;
                start
            })
            .collect();
        Ok(Encoded {
            ids: encoding.get_ids().to_vec(),
            type_ids: encoding.get_type_ids().to_vec(),
            word_starts,
            truncated: !encoding.get_overflowing().is_empty(),
        })
    }

    /// The token strings of an encoding, for showing sub-words to a learner.
    pub fn tokens(&self, encoded: &Encoded) -> Vec<String> {
        encoded.ids.iter().map(|&id| self.inner.id_to_token(id).unwrap_or_else(|| format!("#{id}"))).collect()
    }
}

fn short(text: &str) -> String {
    let mut s: String = text.chars().take(40).collect();
    if s.len() < text.len() {
        s.push('…');
    }
    format!("\"{s}\"")
}
