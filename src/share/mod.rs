//! What a run is when it leaves the tab: links that reproduce a run, lessons around them, the
//! guide's words about a run, and the result cards students hand in. Plain data over core,
//! encoded and checked here, so the page and the tests share one reading of each.

pub mod card;
pub mod guide;
pub mod lesson;
pub mod link;

pub use card::{CardError, EpochScore, ResultCard};
pub use lesson::{Access, Goal, GuideStep, Lesson, LessonError, Progress, SettingRule};
pub use link::{
    decode_file, decode_fragment, encode_file, encode_fragment, LinkData, LinkError, RunLink, SharedFile, SharedModel,
    FILE_SUFFIX, LINK_CAP,
};
