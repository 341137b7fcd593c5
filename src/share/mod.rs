//! What a run is when it leaves the tab: links that reproduce a run (and, next, lessons and
//! result cards). Plain data over core, encoded and checked here, so the page, the CLI and the
//! tests share one reading of a link.

pub mod link;

pub use link::{decode_fragment, encode_fragment, LinkData, LinkError, RunLink, SharedFile, SharedModel, LINK_CAP};
