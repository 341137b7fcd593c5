//! Why a metric could not be computed.

use std::fmt;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::entities::InvalidTag;

/// Which of the two compared inputs a problem was found in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Side {
    Gold,
    Pred,
}

impl fmt::Display for Side {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Side::Gold => "gold",
            Side::Pred => "pred",
        })
    }
}

/// Inputs that sklearn or seqeval would reject with an exception.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum MetricsError {
    /// Gold and predictions must pair up one to one (sklearn and seqeval both check this).
    #[error("gold has {gold} items but pred has {pred}")]
    LengthMismatch { gold: usize, pred: usize },
    /// Each predicted sentence must have one tag per gold tag (seqeval's
    /// `check_consistent_length`).
    #[error("sentence {sentence}: gold has {gold} tags but pred has {pred}")]
    SentenceLengthMismatch { sentence: usize, gold: usize, pred: usize },
    /// A tag the chosen entity mode cannot read.
    #[error("{side}: {source}")]
    InvalidTag {
        side: Side,
        #[source]
        source: InvalidTag,
    },
    /// An explicit label list must not repeat a label, or its confusion matrix would be ambiguous.
    #[error("label {0:?} is listed more than once")]
    DuplicateLabel(String),
}
