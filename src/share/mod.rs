//! What a run is when it leaves the tab: links that reproduce a run (and, next, lessons and
//! result cards). Plain data over core, encoded and checked here, so the page, the CLI and the
//! tests share one reading of a link.

pub mod guide;
pub mod lesson;
pub mod link;

pub use lesson::{Access, Goal, GuideStep, Lesson, LessonError, Progress, SettingRule};
pub use link::{
    decode_file, decode_fragment, encode_file, encode_fragment, LinkData, LinkError, RunLink, SharedFile, SharedModel,
    FILE_SUFFIX, LINK_CAP,
};
