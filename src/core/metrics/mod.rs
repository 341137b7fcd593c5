//! Evaluation metrics that reproduce scikit-learn and seqeval 1.2 to the last bit that matters.
//!
//! Numbers shown in tunelab are meant to be comparable with a Python notebook's, so every
//! function here mirrors one library call and the golden file `shared/golden/metrics.json`
//! pins the results:
//!
//! - `classification`: sklearn's `accuracy_score`, `confusion_matrix` and
//!   `precision_recall_fscore_support(zero_division=0)` over sequence-level labels.
//! - `entities`: seqeval's two ways of reading entities out of tag sequences.
//! - `entity_report`: seqeval's `classification_report(output_dict=True, zero_division=0)`.
//! - `scores`: the rows and averages both reports share.
//! - `error`: what can be wrong with the inputs.
//!
//! Invariants: nothing here panics on any input; inputs of unequal shape or tags a mode cannot
//! read come back as a `MetricsError`. Nothing here knows about models, files or the browser.

mod classification;
mod entities;
mod entity_report;
mod error;
mod scores;

pub use classification::{classification_report, classification_report_with_labels, ClassificationReport};
pub use entities::{extract_entities, Entity, EntityMode, InvalidTag};
pub use entity_report::{entity_report, EntityReport};
pub use error::{MetricsError, Side};
pub use scores::{LabelScores, Scores};
