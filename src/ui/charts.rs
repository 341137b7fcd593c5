//! The page's charts, drawn by plotters into SVG strings that the components place inline.

use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;

use super::palette;
use crate::core::train::StepProgress;
use crate::i18n::Language;
use crate::tr;

const WIDTH: u32 = 560;
const FONT: &str = "sans-serif";

type Drawn = Result<(), Box<dyn std::error::Error>>;

/// Draws with `draw` onto a `width`×`height` SVG; a failure becomes a note in place of the chart.
fn svg(
    language: Language,
    width: u32,
    height: u32,
    draw: impl FnOnce(DrawingArea<SVGBackend, plotters::coord::Shift>) -> Drawn,
) -> String {
    let mut out = String::new();
    let result = {
        let root = SVGBackend::with_string(&mut out, (width, height)).into_drawing_area();
        draw(root)
    };
    match result {
        Ok(()) => out,
        Err(e) => format!("<p class=\"note\">{}</p>", tr!(language, "results.chart-failed", error = e)),
    }
}

fn rgb(hex: &str) -> RGBColor {
    let byte = |i: usize| u8::from_str_radix(hex.get(i..i + 2).unwrap_or("00"), 16).unwrap_or(0);
    RGBColor(byte(1), byte(3), byte(5))
}

/// Exponential moving average, debiased like TensorBoard's smoothing.
pub fn smooth(values: &[f64], weight: f64) -> Vec<f64> {
    let mut last = 0.0;
    values
        .iter()
        .enumerate()
        .map(|(i, &v)| {
            last = last * weight + (1.0 - weight) * v;
            last / (1.0 - weight.powi(i as i32 + 1)).max(f64::EPSILON)
        })
        .collect()
}

type StepAxes<'a, 'b> = ChartContext<'a, SVGBackend<'b>, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// A chart over training steps, from step 0 to the plan's last step (or the last one seen).
fn over_steps(
    language: Language,
    title: &str,
    height: u32,
    y_max: f64,
    right: usize,
    y_label: &dyn Fn(&f64) -> String,
    draw: impl FnOnce(&mut StepAxes<'_, '_>) -> Drawn,
) -> String {
    svg(language, WIDTH, height, |root| {
        root.fill(&WHITE)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, (FONT, 16))
            .margin(8)
            .x_label_area_size(32)
            .y_label_area_size(64)
            .build_cartesian_2d(0f64..(right.max(1) as f64), 0f64..y_max)?;
        let step = tr!(language, "results.chart-step");
        chart.configure_mesh().x_desc(step).y_label_formatter(y_label).label_style((FONT, 12)).draw()?;
        draw(&mut chart)?;
        root.present()?;
        Ok(())
    })
}

fn last_step(steps: &[StepProgress], total_steps: usize) -> usize {
    total_steps.max(steps.last().map_or(1, |s| s.step))
}

/// Training loss per step: the raw values faint, the smoothed curve strong.
pub fn loss_curve(language: Language, steps: &[StepProgress], smoothing: f64, total_steps: usize) -> String {
    let points: Vec<(f64, f64)> = steps.iter().map(|s| (s.step as f64, s.loss as f64)).collect();
    let smoothed = smooth(&points.iter().map(|p| p.1).collect::<Vec<_>>(), smoothing);
    let top = points.iter().map(|p| p.1).fold(0.0f64, f64::max).max(1e-3) * 1.05;
    let title = tr!(language, "results.chart-loss");
    over_steps(language, &title, 260, top, last_step(steps, total_steps), &|v| format!("{v:.2}"), |chart| {
        chart.draw_series(LineSeries::new(points.iter().copied(), rgb(palette::BLUE).mix(0.35).stroke_width(1)))?;
        chart.draw_series(LineSeries::new(
            points.iter().map(|p| p.0).zip(smoothed),
            rgb(palette::BLUE).stroke_width(2),
        ))?;
        Ok(())
    })
}

/// The learning rate each step used (warmup, then linear decay).
pub fn learning_rate_curve(language: Language, steps: &[StepProgress], total_steps: usize) -> String {
    let points: Vec<(f64, f64)> = steps.iter().map(|s| (s.step as f64, s.learning_rate)).collect();
    let top = points.iter().map(|p| p.1).fold(0.0f64, f64::max).max(1e-12) * 1.1;
    let title = tr!(language, "results.chart-learning-rate");
    over_steps(language, &title, 200, top, last_step(steps, total_steps), &|v| format!("{v:.1e}"), |chart| {
        chart.draw_series(LineSeries::new(points, rgb(palette::ORANGE).stroke_width(2)))?;
        Ok(())
    })
}

/// Horizontal bars, one per label, named and valued in text at the bar's end.
pub fn bars(language: Language, title: &str, rows: &[(String, f64)], as_percent: bool) -> String {
    let n = rows.len().max(1);
    let height = (40 + 26 * n as u32).min(900);
    let top = rows.iter().map(|r| r.1).fold(0.0f64, f64::max).max(if as_percent { 1.0 } else { 1e-9 });
    // Room on the right for the longest "label  value" text.
    let text_room = rows.iter().map(|r| r.0.chars().count()).max().unwrap_or(4).min(40) as f64 * 7.5 + 60.0;
    let right = top * (WIDTH as f64 - 12.0) / (WIDTH as f64 - 12.0 - text_room).max(60.0);
    svg(language, WIDTH, height, |root| {
        root.fill(&WHITE)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, (FONT, 15))
            .margin(6)
            .build_cartesian_2d(0f64..right, 0f64..n as f64)?;
        for (i, (label, value)) in rows.iter().enumerate() {
            let y = (n - 1 - i) as f64;
            let colour = rgb(palette::color(i));
            chart
                .draw_series(std::iter::once(Rectangle::new([(0.0, y + 0.15), (*value, y + 0.85)], colour.filled())))?;
            let amount = if as_percent { format!("{:.1} %", value * 100.0) } else { format!("{value}") };
            let text = tr!(language, "results.chart-bar", label = label, amount = amount);
            chart.draw_series(std::iter::once(Text::new(text, (*value + top * 0.015, y + 0.7), (FONT, 13))))?;
        }
        root.present()?;
        Ok(())
    })
}

/// Confusion matrix: rows are gold labels, columns predictions, shaded by the row's share.
pub fn confusion_heatmap(language: Language, labels: &[String], matrix: &[Vec<usize>]) -> String {
    let n = labels.len().max(1);
    let cell = (400 / n as u32).clamp(28, 120);
    let label_width = labels.iter().map(|l| l.chars().count()).max().unwrap_or(4).clamp(4, 20) as u32 * 8 + 30;
    let side = cell * n as u32;
    let title = tr!(language, "results.chart-confusion");
    svg(language, side + label_width + 30, side + label_width + 50, |root| {
        root.fill(&WHITE)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, (FONT, 15))
            .margin(8)
            .x_label_area_size(label_width)
            .y_label_area_size(label_width)
            .build_cartesian_2d(0f64..n as f64, 0f64..n as f64)?;
        let name = |v: f64, flip: bool| {
            let i = if flip { n as f64 - v - 0.5 } else { v - 0.5 };
            if (v.fract() - 0.5).abs() < 1e-6 && i >= 0.0 {
                labels.get(i.round() as usize).cloned().unwrap_or_default()
            } else {
                String::new()
            }
        };
        chart
            .configure_mesh()
            .disable_mesh()
            .x_labels(2 * n + 1)
            .y_labels(2 * n + 1)
            .x_label_formatter(&|v| name(*v, false))
            .y_label_formatter(&|v| name(*v, true))
            .x_desc(tr!(language, "results.chart-predicted"))
            .y_desc(tr!(language, "results.chart-gold"))
            .label_style((FONT, 12))
            .draw()?;
        let base = rgb(palette::BLUE);
        for (g, row) in matrix.iter().enumerate() {
            let total: usize = row.iter().sum();
            for (p, &count) in row.iter().enumerate() {
                let share = if total == 0 { 0.0 } else { count as f64 / total as f64 };
                let y = (n - 1 - g) as f64;
                let x = p as f64;
                chart.draw_series(std::iter::once(Rectangle::new(
                    [(x, y), (x + 1.0, y + 1.0)],
                    base.mix(0.08 + 0.92 * share).filled(),
                )))?;
                let ink = if share > 0.5 { WHITE } else { BLACK };
                chart.draw_series(std::iter::once(Text::new(
                    count.to_string(),
                    (x + 0.4, y + 0.6),
                    (FONT, 13).into_font().color(&ink),
                )))?;
            }
        }
        root.present()?;
        Ok(())
    })
}

/// Several runs' loss curves on one chart, in the palette's colours by position (the page
/// writes the legend beside it, as text).
pub fn overlaid_curves(language: Language, title: &str, runs: &[Vec<(usize, f32)>]) -> String {
    let right = runs.iter().flat_map(|r| r.last().map(|p| p.0)).max().unwrap_or(1);
    let top = runs.iter().flat_map(|r| r.iter().map(|p| f64::from(p.1))).fold(0.0f64, f64::max).max(1e-3) * 1.05;
    over_steps(language, title, 280, top, right, &|v| format!("{v:.2}"), |chart| {
        for (i, points) in runs.iter().enumerate() {
            let colour = rgb(palette::color(i));
            let line = points.iter().map(|&(x, y)| (x as f64, f64::from(y)));
            chart.draw_series(LineSeries::new(line, colour.stroke_width(2)))?;
        }
        Ok(())
    })
}
