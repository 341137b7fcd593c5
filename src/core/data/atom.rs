//! Words and tags read from NER files, each distinct string stored once.
//!
//! A 50 MB CoNLL file holds about seven million tokens but far fewer distinct words, and a
//! handful of distinct tags. One `String` per token and per tag (24 bytes plus a heap block
//! each) took close to a gigabyte for such a file; an [`Atom`] is one pointer to a string that
//! every occurrence shares.

use std::borrow::Borrow;
use std::collections::HashSet;
use std::fmt;
use std::ops::Deref;
use std::sync::Arc;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A shared, immutable string: a thin pointer (8 bytes), compared and hashed by its text.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Atom(Arc<Box<str>>);

impl Atom {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Deref for Atom {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for Atom {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// Lets a set of atoms be searched with a `&str` (the hash is the text's, as `str` hashes).
impl Borrow<str> for Atom {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl From<&str> for Atom {
    fn from(text: &str) -> Self {
        Atom(Arc::new(text.into()))
    }
}

impl From<String> for Atom {
    fn from(text: String) -> Self {
        Atom(Arc::new(text.into_boxed_str()))
    }
}

impl PartialEq<str> for Atom {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Atom {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<String> for Atom {
    fn eq(&self, other: &String) -> bool {
        self.as_str() == other
    }
}

impl fmt::Debug for Atom {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for Atom {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self)
    }
}

impl Serialize for Atom {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self)
    }
}

impl<'de> Deserialize<'de> for Atom {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Atom::from)
    }
}

/// Hands out one [`Atom`] per distinct string; lives as long as one file's parse.
#[derive(Debug, Default)]
pub struct Interner {
    seen: HashSet<Atom>,
}

impl Interner {
    /// The atom for `text`, shared with every earlier occurrence.
    pub fn intern(&mut self, text: &str) -> Atom {
        if let Some(atom) = self.seen.get(text) {
            return atom.clone();
        }
        let atom = Atom::from(text);
        self.seen.insert(atom.clone());
        atom
    }
}
