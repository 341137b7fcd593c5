//! Okabe & Ito's colour-blind-safe palette: one colour per label or entity type, the same in
//! every chart and chip on the page.

pub const ORANGE: &str = "#E69F00";
pub const SKY_BLUE: &str = "#56B4E9";
pub const GREEN: &str = "#009E73";
pub const YELLOW: &str = "#F0E442";
pub const BLUE: &str = "#0072B2";
pub const VERMILLION: &str = "#D55E00";
pub const PURPLE: &str = "#CC79A7";
pub const GREY: &str = "#999999";

const CYCLE: [&str; 8] = [BLUE, ORANGE, GREEN, VERMILLION, SKY_BLUE, PURPLE, YELLOW, GREY];

/// The `i`-th label's colour.
pub fn color(i: usize) -> &'static str {
    CYCLE[i % CYCLE.len()]
}

/// An entity type's colour, stable across the page: the position of `label` in `types`.
pub fn entity_color(label: &str, types: &[String]) -> &'static str {
    color(types.iter().position(|t| t == label).unwrap_or(types.len()))
}
