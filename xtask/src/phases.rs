//! The wall time of every phase of `cargo xtask test`, printed as one table at the end and
//! written to target/test-phases.json, so that CI's budget is watched rather than guessed.

use std::path::Path;
use std::time::Instant;

use serde_json::json;

use crate::{cache, root};

/// CI stops a run at 90 minutes; past these totals the run names its slowest phases.
const WARM_WARNING_MINUTES: f64 = 30.0;
const COLD_WARNING_MINUTES: f64 = 60.0;
/// How many of the slowest phases a budget warning names.
const SLOWEST_NAMED: usize = 3;

struct Phase {
    name: String,
    seconds: f64,
    outcome: Outcome,
}

#[derive(Clone, Copy, PartialEq)]
enum Outcome {
    Passed,
    Failed,
    /// Not run because a phase it needs failed.
    Skipped,
}

/// The phases run so far, and whether the build cache was warm when the run began.
pub struct Phases {
    started: Instant,
    warm: bool,
    phases: Vec<Phase>,
}

impl Phases {
    pub fn start() -> Self {
        Self { started: Instant::now(), warm: cache::is_warm(), phases: Vec::new() }
    }

    /// Runs and times one phase.
    pub fn run(&mut self, name: &str, phase: impl FnOnce() -> Result<(), String>) -> Result<(), String> {
        eprintln!("xtask: phase: {name}");
        let began = Instant::now();
        let result = phase();
        let outcome = if result.is_ok() { Outcome::Passed } else { Outcome::Failed };
        self.phases.push(Phase { name: name.to_string(), seconds: began.elapsed().as_secs_f64(), outcome });
        result
    }

    /// Runs `phase` only when `needed` passed; otherwise records it as skipped.
    pub fn run_after(
        &mut self,
        needed: &Result<(), String>,
        name: &str,
        phase: impl FnOnce() -> Result<(), String>,
    ) -> Result<(), String> {
        match needed {
            Ok(()) => self.run(name, phase),
            Err(_) => {
                self.phases.push(Phase { name: name.to_string(), seconds: 0.0, outcome: Outcome::Skipped });
                Err(format!("{name}: not run (a phase it needs failed)"))
            }
        }
    }

    /// Prints the table, the budget warning where one is due, and writes the JSON.
    pub fn finish(&self) {
        let total = self.started.elapsed().as_secs_f64();
        let cache = if self.warm { "warm" } else { "cold" };
        println!("\ncargo xtask test: wall time per phase (build cache {cache}: {})", cache::target_dir().display());
        for phase in &self.phases {
            let mark = match phase.outcome {
                Outcome::Passed => "",
                Outcome::Failed => "  FAILED",
                Outcome::Skipped => "  not run",
            };
            println!("  {:<34} {:>9}{mark}", phase.name, clock(phase.seconds));
        }
        println!("  {:<34} {:>9}", "total", clock(total));
        if let Some(warning) = self.budget_warning(total) {
            println!("{warning}");
        }
        self.write_json(total, &root().join("target").join("test-phases.json"));
    }

    fn budget_warning(&self, total: f64) -> Option<String> {
        let limit = if self.warm { WARM_WARNING_MINUTES } else { COLD_WARNING_MINUTES };
        if total / 60.0 <= limit {
            return None;
        }
        let mut slowest: Vec<&Phase> = self.phases.iter().collect();
        slowest.sort_by(|a, b| b.seconds.total_cmp(&a.seconds));
        let named: Vec<String> =
            slowest.iter().take(SLOWEST_NAMED).map(|p| format!("{} ({})", p.name, clock(p.seconds))).collect();
        let cache = if self.warm { "warm" } else { "cold" };
        Some(format!(
            "xtask: warning: this {cache} run took {} (budget {limit:.0} min; CI stops at 90); slowest: {}",
            clock(total),
            named.join(", ")
        ))
    }

    fn write_json(&self, total: f64, path: &Path) {
        let report = json!({
            "cache": if self.warm { "warm" } else { "cold" },
            "target_dir": cache::target_dir(),
            "total_s": total,
            "phases": self.phases.iter().map(|p| json!({
                "name": p.name,
                "seconds": p.seconds,
                "outcome": match p.outcome { Outcome::Passed => "passed", Outcome::Failed => "failed", Outcome::Skipped => "not run" },
            })).collect::<Vec<_>>(),
        });
        let written = path
            .parent()
            .map_or(Ok(()), std::fs::create_dir_all)
            .and_then(|()| std::fs::write(path, serde_json::to_string_pretty(&report).unwrap_or_default()));
        if let Err(e) = written {
            eprintln!("xtask: could not write {}: {e}", path.display());
        }
    }
}

/// "12:34" (minutes:seconds), or "1:02:03" past an hour.
fn clock(seconds: f64) -> String {
    let s = seconds.round() as u64;
    if s >= 3600 {
        format!("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
    } else {
        format!("{}:{:02}", s / 60, s % 60)
    }
}
