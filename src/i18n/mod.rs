//! The words of the page, in every language it speaks: one catalogue per language, a file per
//! area (`en/train.txt`, `zh-Hans/train.txt`), read once. Code names a text by its key through
//! [`tr!`](crate::tr) and never holds a visible literal. Pure Rust, no browser: the CLI words
//! settings and errors from the English catalogue, and native tests check that the languages
//! hold the same keys with the same placeholders, and that every key is used.

pub mod catalogue;
mod language;

use std::fmt::Display;
use std::sync::OnceLock;

pub use catalogue::{CatalogueError, Table};
pub use language::Language;

/// Lists each area's file for both languages, so that a file cannot exist in one only.
macro_rules! areas {
    ($($area:literal),* $(,)?) => {
        /// Every catalogue file: (language, area, text).
        pub const FILES: &[(Language, &str, &str)] = &[
            $(
                (Language::English, $area, include_str!(concat!("en/", $area, ".txt"))),
                (Language::SimplifiedChinese, $area, include_str!(concat!("zh-Hans/", $area, ".txt"))),
            )*
        ];
    };
}

areas![
    "page", "core", "model", "data", "train", "settings", "results", "try", "export", "teach", "guide", "errors",
    "format", "graduate"
];

/// A language's whole catalogue, read on first use.
pub fn table(language: Language) -> &'static Table {
    static ENGLISH: OnceLock<Table> = OnceLock::new();
    static CHINESE: OnceLock<Table> = OnceLock::new();
    let cell = match language {
        Language::English => &ENGLISH,
        Language::SimplifiedChinese => &CHINESE,
    };
    cell.get_or_init(|| {
        let files: Vec<&'static str> = FILES.iter().filter(|(l, _, _)| *l == language).map(|(_, _, t)| *t).collect();
        catalogue::table(&files)
    })
}

/// The text of `key` in `language` with its placeholders filled; English when the language
/// lacks it, the key itself when no catalogue has it (tests keep both from happening).
pub fn text(language: Language, key: &str, args: &[(&str, &dyn Display)]) -> String {
    let template = table(language).get(key).or_else(|| table(Language::English).get(key));
    template.map_or_else(|| key.to_string(), |t| catalogue::fill(t, args))
}

/// A catalogue text: `tr!(language, "train.progress", epoch = n, total = m)`. The names after
/// the key are the text's placeholders; a native test reads every call and checks them.
#[macro_export]
macro_rules! tr {
    ($language:expr, $key:literal $(, $name:ident = $value:expr)* $(,)?) => {
        $crate::i18n::text($language, $key, &[$((stringify!($name), &$value as &dyn ::std::fmt::Display)),*])
    };
}
