//! Entities drawn displaCy-style: the words of an entity in a coloured chip that names its
//! type in text (colour is never the only cue), colours from the colour-blind-safe palette.

use leptos::prelude::*;

use super::palette;
use crate::core::metrics::{extract_entities, EntityMode};
use crate::i18n::Language;
use crate::tr;

/// How a chip is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TagStyle {
    /// A gold (annotated) entity.
    Gold,
    /// A prediction that matches a gold entity.
    Right,
    /// A prediction with no identical gold entity.
    Wrong,
    /// A gold entity the model did not predict exactly.
    Missed,
}

/// The entity types among IOB2 labels, in label order (`B-PER`, `I-PER` → `PER`).
pub fn entity_types(labels: &[String]) -> Vec<String> {
    let mut types: Vec<String> = Vec::new();
    for label in labels {
        if let Some((_, kind)) = label.split_once('-') {
            if !types.iter().any(|t| t == kind) {
                types.push(kind.to_string());
            }
        }
    }
    types
}

/// Token spans `(start, end, type)` of the entities in one sentence's tags (seqeval's reading).
pub fn spans(tags: &[impl AsRef<str>]) -> Vec<(usize, usize, String)> {
    let tags: Vec<&str> = tags.iter().map(AsRef::as_ref).collect();
    extract_entities(&[tags], EntityMode::Default)
        .map(|entities| entities.into_iter().map(|e| (e.start, e.end, e.kind)).collect())
        .unwrap_or_default()
}

/// One sentence with its entities as chips; `style_of` decides each entity's style.
pub fn sentence(
    language: Language,
    tokens: &[impl AsRef<str>],
    entities: &[(usize, usize, String)],
    types: &[String],
    style_of: impl Fn(&(usize, usize, String)) -> TagStyle,
) -> AnyView {
    let mut parts = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        match entities.iter().find(|e| e.0 == i && e.1 > i) {
            Some(entity) => {
                let end = entity.1.min(tokens.len());
                let text = tokens[i..end].iter().map(AsRef::as_ref).collect::<Vec<&str>>().join(" ");
                parts.push(chip(language, text, &entity.2, types, style_of(entity), None));
                i = end;
            }
            None => {
                parts.push(view! { <span class="word">{tokens[i].as_ref().to_string()}</span> }.into_any());
                i += 1;
            }
        }
        parts.push(view! { " " }.into_any());
    }
    view! { <span class="sentence" translate="no">{parts}</span> }.into_any()
}

/// A tagged sentence where every entity is gold (the data preview).
pub fn tag_chips(
    language: Language,
    tokens: &[impl AsRef<str>],
    tags: &[impl AsRef<str>],
    types: &[String],
    style: TagStyle,
) -> AnyView {
    sentence(language, tokens, &spans(tags), types, |_| style)
}

/// One chip: the words, then the type label; `title` is the hover text.
pub fn chip(
    language: Language,
    text: String,
    kind: &str,
    types: &[String],
    style: TagStyle,
    title: Option<String>,
) -> AnyView {
    let color = palette::entity_color(kind, types);
    let (class, label) = match style {
        TagStyle::Gold => ("chip", kind.to_string()),
        TagStyle::Right => ("chip right", kind.to_string()),
        TagStyle::Wrong => ("chip wrong", format!("{kind} ✗")),
        TagStyle::Missed => ("chip missed", tr!(language, "data.chip-missed", kind = kind)),
    };
    let title = title.unwrap_or_else(|| match style {
        TagStyle::Gold => kind.to_string(),
        TagStyle::Right => tr!(language, "data.chip-right", kind = kind),
        TagStyle::Wrong => tr!(language, "data.chip-wrong", kind = kind),
        TagStyle::Missed => tr!(language, "data.chip-missed-title", kind = kind),
    });
    view! {
        <mark class=class style=format!("--chip: {color}") title=title>
            {text}<span class="chip-label">{label}</span>
        </mark>
    }
    .into_any()
}
