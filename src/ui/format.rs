//! Numbers, durations and dates as people read them in each language. English and Simplified
//! Chinese both group digits by thousands with a comma and write decimals with a point (CLDR),
//! so `count`, `bytes` and `score` are the same in both; durations and dates differ.

use crate::i18n::Language;
use crate::tr;

/// `87.1 MB`, `512 KB`, `300 B`.
pub fn bytes(n: usize) -> String {
    let n = n as f64;
    match n {
        n if n >= 1e9 => format!("{:.2} GB", n / 1e9),
        n if n >= 1e6 => format!("{:.1} MB", n / 1e6),
        n if n >= 1e3 => format!("{:.0} KB", n / 1e3),
        n => format!("{n} B"),
    }
}

/// `22,713,216`.
pub fn count(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `part` as a percentage of `all`, to two significant digits below 10 % so that a small
/// share is not shown as 0: `0.0034`, `0.75`, `50`.
pub fn percent(part: usize, all: usize) -> String {
    let share = 100.0 * part as f64 / all.max(1) as f64;
    match share {
        s if s == 0.0 || s >= 10.0 => format!("{s:.0}"),
        s => {
            let decimals = (1 - s.log10().floor() as i32).max(0) as usize;
            format!("{s:.decimals$}")
        }
    }
}

/// `45 s`, `3 min 05 s`, `1 h 02 min`; `45 秒`, `3 分 05 秒`, `1 小时 02 分`.
pub fn duration(language: Language, seconds: f64) -> String {
    let s = seconds.max(0.0).round() as u64;
    let two = |n: u64| format!("{n:02}");
    match s {
        s if s < 60 => tr!(language, "format.seconds", s = s),
        s if s < 3600 => tr!(language, "format.minutes", m = s / 60, s = two(s % 60)),
        s => tr!(language, "format.hours", h = s / 3600, m = two((s % 3600) / 60)),
    }
}

/// A calendar date and a time of day, local to the reader.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateTime {
    pub year: u32,
    /// 1 to 12.
    pub month: u32,
    pub day: u32,
    pub hour: u32,
    pub minute: u32,
}

/// `3 Dec 2026, 14:32`; `2026年12月3日 14:32`.
pub fn date(language: Language, at: DateTime) -> String {
    let month = crate::i18n::text(language, month_key(at.month), &[]);
    let (hour, minute) = (format!("{:02}", at.hour), format!("{:02}", at.minute));
    tr!(language, "format.date", year = at.year, month = month, day = at.day, hour = hour, minute = minute)
}

fn month_key(month: u32) -> &'static str {
    match month {
        1 => "format.month-1",
        2 => "format.month-2",
        3 => "format.month-3",
        4 => "format.month-4",
        5 => "format.month-5",
        6 => "format.month-6",
        7 => "format.month-7",
        8 => "format.month-8",
        9 => "format.month-9",
        10 => "format.month-10",
        11 => "format.month-11",
        _ => "format.month-12",
    }
}

/// A score in [0, 1] as in the reports: `0.8571`.
pub fn score(x: f64) -> String {
    format!("{x:.4}")
}
