//! The message catalogue: both languages hold the same keys with the same placeholders, every
//! key is used, every `tr!` call names a key that exists with exactly its placeholders, and
//! the page's code holds no visible English outside the catalogue.

use std::collections::{BTreeMap, BTreeSet};

use tunelab::i18n::{self, catalogue, Language};

use crate::support::{root, rust_files};

/// A piece of Rust source: a string literal's contents, or a run of code between them.
#[derive(Debug, PartialEq)]
enum Token {
    Code(String),
    Literal(String),
}

/// Rust source as code runs and string literals, comments dropped (a doc may quote a key).
fn tokens(source: &str) -> Vec<Token> {
    let chars: Vec<char> = source.chars().collect();
    let mut out = Vec::new();
    let mut code = String::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            i += 2;
            while i + 1 < chars.len() && !(chars[i] == '*' && chars[i + 1] == '/') {
                i += 1;
            }
            i += 2;
        } else if c == '\'' && (next == Some('\\') || chars.get(i + 2) == Some(&'\'')) {
            // A char literal (a lifetime has no closing quote two places on).
            code.push_str("' '");
            i = match next {
                Some('\\') => chars[i + 3..].iter().position(|&c| c == '\'').map_or(chars.len(), |p| i + 4 + p),
                _ => i + 3,
            };
        } else if c == '"'
            || (c == 'r' && matches!(next, Some('"') | Some('#')) && !ident_char(chars.get(i.wrapping_sub(1)).copied()))
        {
            let (literal, end) = if c == 'r' { raw_literal(&chars, i) } else { literal(&chars, i) };
            out.push(Token::Code(std::mem::take(&mut code)));
            out.push(Token::Literal(literal));
            i = end;
        } else {
            code.push(c);
            i += 1;
        }
    }
    out.push(Token::Code(code));
    out
}

fn ident_char(c: Option<char>) -> bool {
    c.is_some_and(|c| c.is_alphanumeric() || c == '_')
}

fn literal(chars: &[char], start: usize) -> (String, usize) {
    let mut text = String::new();
    let mut i = start + 1;
    while i < chars.len() && chars[i] != '"' {
        if chars[i] == '\\' {
            i += 1;
        }
        if let Some(&c) = chars.get(i) {
            text.push(c);
        }
        i += 1;
    }
    (text, i + 1)
}

fn raw_literal(chars: &[char], start: usize) -> (String, usize) {
    let hashes = chars[start + 1..].iter().take_while(|&&c| c == '#').count();
    let open = start + 1 + hashes;
    let close: String = std::iter::once('"').chain(std::iter::repeat('#').take(hashes)).collect();
    let rest: String = chars[open + 1..].iter().collect();
    let end = rest.find(&close).unwrap_or(rest.len());
    let text: String = rest[..end].to_string();
    (text.clone(), open + 1 + text.chars().count() + close.chars().count())
}

/// One `tr!(language, "key", name = value, …)` call: its key and its argument names.
#[derive(Debug)]
struct Call {
    file: String,
    key: String,
    names: BTreeSet<String>,
}

/// Every `tr!` call in the tokens. The names are read from the code between the key and the
/// call's closing parenthesis: each `ident =` at the call's own depth.
fn tr_calls(file: &str, tokens: &[Token]) -> Vec<Call> {
    let mut calls = Vec::new();
    for (i, token) in tokens.iter().enumerate() {
        let Token::Code(code) = token else { continue };
        for (at, _) in code.match_indices("tr!(") {
            if ident_char(code[..at].chars().last()) {
                continue;
            }
            let (Some(Token::Literal(key)), Some(Token::Code(_))) = (tokens.get(i + 1), tokens.get(i + 2)) else {
                panic!("{file}: a tr! call whose key is not a literal, after `{}`", &code[at..]);
            };
            if code[at + 4..].matches(',').count() != 1 || !code[at + 4..].trim_end().ends_with(',') {
                panic!("{file}: a tr! call must be `tr!(language, \"key\", …)`: `{}`", &code[at..]);
            }
            // The arguments: code and literals up to the closing parenthesis at depth 0.
            let mut depth = 0i32;
            let mut args = String::new();
            'outer: for t in &tokens[i + 2..] {
                match t {
                    Token::Literal(_) => args.push_str("\"\""),
                    Token::Code(c) => {
                        for ch in c.chars() {
                            match ch {
                                '(' | '[' | '{' => depth += 1,
                                ')' | ']' | '}' if depth == 0 => break 'outer,
                                ')' | ']' | '}' => depth -= 1,
                                ',' if depth == 0 => args.push('\u{1}'),
                                _ => {}
                            }
                            if ch != ',' || depth != 0 {
                                args.push(ch);
                            }
                        }
                    }
                }
            }
            let names = args
                .split('\u{1}')
                .skip(1)
                .filter_map(|arg| {
                    let (name, value) = arg.split_once('=')?;
                    (!value.starts_with('=')).then(|| name.trim().to_string())
                })
                .filter(|n| !n.is_empty())
                .collect();
            calls.push(Call { file: file.to_string(), key: key.clone(), names });
        }
    }
    calls
}

struct Source {
    calls: Vec<Call>,
    /// Every string literal, with the files it is in.
    literals: BTreeMap<String, BTreeSet<String>>,
}

fn source() -> Source {
    let mut calls = Vec::new();
    let mut literals: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for path in rust_files(&root().join("src")) {
        let name = path.strip_prefix(root()).expect("under the root").display().to_string();
        if name.starts_with("src/i18n/") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{name}: {e}"));
        let tokens = tokens(&text);
        calls.extend(tr_calls(&name, &tokens));
        for token in tokens {
            if let Token::Literal(l) = token {
                literals.entry(l).or_default().insert(name.clone());
            }
        }
    }
    Source { calls, literals }
}

fn keys(language: Language) -> BTreeSet<&'static str> {
    i18n::table(language).keys().copied().collect()
}

#[test]
fn every_catalogue_file_reads_cleanly_and_is_listed() {
    for (language, area, text) in i18n::FILES {
        let (entries, problems) = catalogue::parse(text);
        assert!(problems.is_empty(), "{}/{area}.txt: {problems:?}", language.tag());
        for (key, _) in entries {
            assert!(
                key.starts_with(&format!("{area}.")),
                "{}/{area}.txt: `{key}` belongs in its own area",
                language.tag()
            );
        }
    }
    for language in Language::ALL {
        let dir = root().join("src/i18n").join(language.tag());
        for entry in std::fs::read_dir(&dir).expect("the language's folder") {
            let name = entry.expect("an entry").file_name().to_string_lossy().into_owned();
            let area = name.strip_suffix(".txt").unwrap_or(&name);
            assert!(
                i18n::FILES.iter().any(|(l, a, _)| *l == language && *a == area),
                "{}/{name} is not listed in i18n::areas!",
                language.tag()
            );
        }
    }
}

#[test]
fn both_languages_hold_the_same_keys_with_the_same_placeholders() {
    let english = keys(Language::English);
    for language in Language::ALL {
        let other = keys(language);
        let only_english: Vec<_> = english.difference(&other).collect();
        let only_other: Vec<_> = other.difference(&english).collect();
        assert!(only_english.is_empty(), "keys in English only, missing from {}: {only_english:?}", language.tag());
        assert!(only_other.is_empty(), "keys in {} only: {only_other:?}", language.tag());
        for key in &english {
            let expected: BTreeSet<&str> =
                catalogue::placeholders(&i18n::table(Language::English)[key]).into_iter().collect();
            let found: BTreeSet<&str> = catalogue::placeholders(&i18n::table(language)[key]).into_iter().collect();
            assert_eq!(found, expected, "`{key}` in {} has other placeholders than in English", language.tag());
        }
    }
}

#[test]
fn every_key_is_used_and_every_use_names_a_key() {
    let source = source();
    let english = i18n::table(Language::English);
    let unused: Vec<_> = keys(Language::English).into_iter().filter(|k| !source.literals.contains_key(*k)).collect();
    assert!(unused.is_empty(), "catalogue keys no code names: {unused:?}");
    assert!(
        source.calls.len() > 100,
        "only {} tr! calls found: the reader of the source is broken",
        source.calls.len()
    );
    for call in &source.calls {
        let Some(text) = english.get(call.key.as_str()) else {
            panic!("{}: tr! names `{}`, which no catalogue has", call.file, call.key);
        };
        let expected: BTreeSet<String> = catalogue::placeholders(text).into_iter().map(str::to_string).collect();
        assert_eq!(call.names, expected, "{}: tr!(…, \"{}\") must pass exactly its placeholders", call.file, call.key);
    }
    // A key with placeholders is only filled through tr!, which the names above are checked on.
    for (key, text) in english {
        if !catalogue::placeholders(text).is_empty() {
            for file in source.literals.get(*key).into_iter().flatten() {
                let in_calls = source.calls.iter().any(|c| c.key == *key && c.file == *file);
                assert!(in_calls, "{file}: `{key}` has placeholders but is named outside tr!");
            }
        }
    }
}

#[test]
fn the_reader_of_the_source_finds_calls_names_and_literals() {
    let text = r##"let a = tr!(lang, "x.y", n = f(a, b), m = [1, 2].len()); // "x.z"
        let b = 'c'; let c = '"'; let e = '\''; let f = '\u{1}'; fn f<'a>(s: &'a str) {} let d = r#"raw "x.w""#; tr!(l, "x.v")"##;
    let tokens = tokens(text);
    let calls = tr_calls("t.rs", &tokens);
    assert_eq!(calls.len(), 2);
    assert_eq!(calls[0].key, "x.y");
    assert_eq!(calls[0].names, ["n", "m"].into_iter().map(String::from).collect());
    assert!(calls[1].names.is_empty());
    let literals: Vec<&str> = tokens
        .iter()
        .filter_map(|t| match t {
            Token::Literal(l) => Some(l.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(literals, ["x.y", r#"raw "x.w""#, "x.v"]);
}

#[test]
fn filling_a_text_replaces_its_placeholders_and_keeps_braces() {
    let two = 2;
    assert_eq!(catalogue::fill("{n} of {total} {{x}}", &[("n", &1), ("total", &two)]), "1 of 2 {x}");
    assert_eq!(catalogue::fill("{missing} stays", &[]), "{missing} stays");
    assert_eq!(catalogue::placeholders("{a} and {b}, {a} {{c}}"), ["a", "b"]);
}

#[test]
fn browser_language_tags_pick_a_catalogue() {
    assert_eq!(Language::from_tag("en-GB"), Some(Language::English));
    assert_eq!(Language::from_tag("zh-CN"), Some(Language::SimplifiedChinese));
    assert_eq!(Language::from_tag("zh"), Some(Language::SimplifiedChinese));
    assert_eq!(Language::from_tag("zh-Hans-SG"), Some(Language::SimplifiedChinese));
    assert_eq!(Language::from_tag("zh-TW"), None);
    assert_eq!(Language::from_tag("zh-Hant"), None);
    assert_eq!(Language::from_tag("fr"), None);
    assert_eq!(Language::preferred(["fr-FR", "zh-CN", "en"]), Some(Language::SimplifiedChinese));
}

/// Literals in the page's and share's code that look like words yet are not for reading: the
/// product's and an API's names, the prefix of run names kept before names held a time, the
/// CSS classes of entity chips, and the DOM's name for a full storage.
const NOT_WORDS: [&str; 7] =
    ["Tunelab", "WebGPU", "Run of ", "chip right", "chip wrong", "chip missed", "QuotaExceededError"];

#[test]
fn the_page_holds_no_visible_english_outside_the_catalogue() {
    // A capitalised word, or two words: what a label, a button or a sentence looks like.
    let words = |l: &str| {
        let mut chars = l.chars();
        let capitalised = chars.next().is_some_and(|c| c.is_ascii_uppercase())
            && chars.next().is_some_and(|c| c.is_ascii_lowercase());
        let is_word = |w: &&str| w.len() >= 2 && w.chars().all(|c| c.is_ascii_alphabetic() || ",.:;'".contains(c));
        capitalised || l.split_whitespace().filter(is_word).count() >= 2
    };
    let mut found = Vec::new();
    for dir in ["src/ui", "src/share"] {
        for path in rust_files(&root().join(dir)) {
            let name = path.strip_prefix(root()).expect("under the root").display().to_string();
            let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{name}: {e}"));
            let tokens = tokens(&text);
            for (i, token) in tokens.iter().enumerate() {
                let Token::Literal(literal) = token else { continue };
                let before = match i.checked_sub(1).map(|j| &tokens[j]) {
                    Some(Token::Code(code)) => code.trim_end(),
                    _ => "",
                };
                let markup = before.ends_with("class=") || before.ends_with("set_class_name(");
                if words(literal) && !markup && !NOT_WORDS.contains(&literal.as_str()) {
                    found.push(format!("{name}: {literal:?}"));
                }
            }
        }
    }
    assert!(found.is_empty(), "visible English outside the catalogue: {found:#?}");
}
