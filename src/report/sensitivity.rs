//! Outputs of `policesim sensitivity`: `sensitivity.csv`, `verdicts.csv`,
//! `skipped.csv`, one tornado chart per headline metric and the console
//! summary.

use std::fmt::Write as _;

use plotters::prelude::*;
use serde::Serialize;

use super::charts::{ChartError, font, register_font, strategy_colour};
use super::table::{Align, Table};
use crate::compare::Comparison;
use crate::sensitivity::{Sensitivity, Side};

/// The headline metrics that get a tornado chart: `(summary.csv column,
/// chart file stem)`.
pub const TORNADO_METRICS: [(&str, &str); 3] = [
    ("response_mean_min", "tornado_response_mean"),
    ("within_target_pct", "tornado_within_target"),
    ("officer_duty_hours_per_week", "tornado_officer_duty"),
];

/// Inputs drawn in a tornado chart at most (the ones that move the
/// difference most).
pub const TORNADO_ROWS: usize = 15;

/// One row of `sensitivity.csv`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SensitivityRow {
    key: String,
    low_value: Option<f64>,
    base_value: f64,
    high_value: Option<f64>,
    strategy: String,
    baseline: String,
    metric: String,
    unit: String,
    diff_low: Option<f64>,
    diff_low_ci95_low: Option<f64>,
    diff_low_ci95_high: Option<f64>,
    verdict_low: Option<String>,
    diff_base: f64,
    diff_base_ci95_low: Option<f64>,
    diff_base_ci95_high: Option<f64>,
    verdict_base: String,
    diff_high: Option<f64>,
    diff_high_ci95_low: Option<f64>,
    diff_high_ci95_high: Option<f64>,
    verdict_high: Option<String>,
    flips: bool,
    note: String,
}

/// The columns of `sensitivity.csv`, in order.
pub const SENSITIVITY_COLUMNS: [&str; 22] = [
    "key",
    "low_value",
    "base_value",
    "high_value",
    "strategy",
    "baseline",
    "metric",
    "unit",
    "diff_low",
    "diff_low_ci95_low",
    "diff_low_ci95_high",
    "verdict_low",
    "diff_base",
    "diff_base_ci95_low",
    "diff_base_ci95_high",
    "verdict_base",
    "diff_high",
    "diff_high_ci95_low",
    "diff_high_ci95_high",
    "verdict_high",
    "flips",
    "note",
];

fn side_cmp<'a>(side: &'a Result<Side, String>, b: &Comparison) -> Option<&'a Comparison> {
    side.as_ref()
        .ok()
        .and_then(|s| Sensitivity::find(&s.comparisons, &b.strategy, &b.metric))
}

/// The rows of `sensitivity.csv`: every varied input × strategy × metric.
pub fn sensitivity_rows(s: &Sensitivity) -> Vec<SensitivityRow> {
    let mut rows = Vec::new();
    for input in &s.inputs {
        let mut note = Vec::new();
        if let Err(e) = &input.low {
            note.push(format!("no low run: {e}"));
        }
        if let Err(e) = &input.high {
            note.push(format!("no high run: {e}"));
        }
        for b in &s.base {
            let (lo, hi) = (side_cmp(&input.low, b), side_cmp(&input.high, b));
            let flips = [lo, hi].iter().flatten().any(|c| c.verdict != b.verdict);
            rows.push(SensitivityRow {
                key: input.key.clone(),
                low_value: input.low.as_ref().ok().map(|x| x.value),
                base_value: input.base_value,
                high_value: input.high.as_ref().ok().map(|x| x.value),
                strategy: b.strategy.clone(),
                baseline: b.baseline.clone(),
                metric: b.metric.clone(),
                unit: b.unit.clone(),
                diff_low: lo.map(|c| c.difference),
                diff_low_ci95_low: lo.and_then(|c| c.ci95_low),
                diff_low_ci95_high: lo.and_then(|c| c.ci95_high),
                verdict_low: lo.map(|c| c.verdict.clone()),
                diff_base: b.difference,
                diff_base_ci95_low: b.ci95_low,
                diff_base_ci95_high: b.ci95_high,
                verdict_base: b.verdict.clone(),
                diff_high: hi.map(|c| c.difference),
                diff_high_ci95_low: hi.and_then(|c| c.ci95_low),
                diff_high_ci95_high: hi.and_then(|c| c.ci95_high),
                verdict_high: hi.map(|c| c.verdict.clone()),
                flips,
                note: note.join("; "),
            });
        }
    }
    rows
}

/// `sensitivity.csv`.
pub fn sensitivity_csv(s: &Sensitivity) -> Result<Vec<u8>, csv::Error> {
    let mut wtr = csv::Writer::from_writer(Vec::new());
    for r in sensitivity_rows(s) {
        wtr.serialize(r)?;
    }
    wtr.into_inner().map_err(|e| e.into_error().into())
}

/// `verdicts.csv`: the inputs whose low or high value changes a verdict.
pub fn verdicts_csv(s: &Sensitivity) -> Result<Vec<u8>, csv::Error> {
    let mut wtr = csv::Writer::from_writer(Vec::new());
    wtr.write_record([
        "key",
        "low_value",
        "high_value",
        "strategy",
        "metric",
        "verdict_low",
        "verdict_base",
        "verdict_high",
    ])?;
    let f = |v: Option<f64>| v.map_or(String::new(), |v| v.to_string());
    for flip in s.flips() {
        wtr.write_record([
            flip.key,
            f(flip.values.0),
            f(flip.values.1),
            flip.strategy,
            flip.metric,
            flip.low.unwrap_or_default(),
            flip.base,
            flip.high.unwrap_or_default(),
        ])?;
    }
    wtr.into_inner().map_err(|e| e.into_error().into())
}

/// `skipped.csv`: the inputs not varied, with the reason.
pub fn skipped_csv(s: &Sensitivity) -> Result<Vec<u8>, csv::Error> {
    let mut wtr = csv::Writer::from_writer(Vec::new());
    wtr.write_record(["key", "value", "reason"])?;
    for k in &s.skipped {
        wtr.write_record([k.key.clone(), k.value.to_string(), k.reason.clone()])?;
    }
    for input in &s.inputs {
        for (side, r) in [("low", &input.low), ("high", &input.high)] {
            if let Err(e) = r {
                wtr.write_record([
                    input.key.clone(),
                    input.base_value.to_string(),
                    format!("no {side} run: {e}"),
                ])?;
            }
        }
    }
    wtr.into_inner().map_err(|e| e.into_error().into())
}

/// A number in at most 4 significant digits, without needless decimals.
fn short(v: f64) -> String {
    if v == v.round() && v.abs() < 1e9 {
        return format!("{v:.0}");
    }
    let digits = (3 - v.abs().log10().floor() as i32).clamp(0, 6) as usize;
    let t = format!("{v:.digits$}");
    if t.contains('.') {
        t.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        t
    }
}

/// One bar pair of a tornado: the change of a strategy's difference from
/// the baseline at the low and the high value.
struct Bar {
    strategy: String,
    low: Option<f64>,
    high: Option<f64>,
}

/// The tornado rows of `metric`: `(label, bars, largest change)`, largest
/// first, and the number of inputs that change nothing.
fn tornado_rows(s: &Sensitivity, metric: &str) -> (Vec<(String, Vec<Bar>, f64)>, usize) {
    let mut rows = Vec::new();
    let mut zero = 0;
    for input in &s.inputs {
        let mut bars = Vec::new();
        let mut extent = 0.0f64;
        let mut flips = false;
        for strategy in &s.strategies {
            let Some(b) = Sensitivity::find(&s.base, strategy, metric) else {
                continue;
            };
            let (lo, hi) = (side_cmp(&input.low, b), side_cmp(&input.high, b));
            flips |= [lo, hi].iter().flatten().any(|c| c.verdict != b.verdict);
            let (dl, dh) = (
                lo.map(|c| c.difference - b.difference),
                hi.map(|c| c.difference - b.difference),
            );
            extent = extent
                .max(dl.unwrap_or(0.0).abs())
                .max(dh.unwrap_or(0.0).abs());
            bars.push(Bar {
                strategy: strategy.clone(),
                low: dl,
                high: dh,
            });
        }
        if extent == 0.0 {
            zero += 1;
            continue;
        }
        let value =
            |r: &Result<Side, String>| r.as_ref().map_or("-".to_string(), |x| short(x.value));
        let label = format!(
            "{}{}  {} / {} / {}",
            input.key,
            if flips { " ◆" } else { "" },
            value(&input.low),
            short(input.base_value),
            value(&input.high)
        );
        rows.push((label, bars, extent));
    }
    rows.sort_by(|a, b| b.2.total_cmp(&a.2));
    (rows, zero)
}

fn chart_err(chart: &'static str) -> impl Fn(String) -> ChartError {
    move |message| ChartError { chart, message }
}

/// Lighter shade of a colour (mixed with white).
fn tint(c: RGBColor) -> RGBColor {
    let m = |x: u8| (f64::from(x) + (255.0 - f64::from(x)) * 0.55) as u8;
    RGBColor(m(c.0), m(c.1), m(c.2))
}

/// Size of a tornado chart of `metric` in pixels (it grows with the rows).
pub fn tornado_size(s: &Sensitivity, metric: &str) -> (u32, u32) {
    let (rows, _) = tornado_rows(s, metric);
    let n = rows.len().clamp(1, TORNADO_ROWS) as u32;
    let k = s.strategies.len().max(1) as u32;
    (1200, 210 + n * (14 + 18 * k))
}

fn draw_tornado<DB: DrawingBackend>(
    root: &DrawingArea<DB, plotters::coord::Shift>,
    s: &Sensitivity,
    metric: &str,
    stem: &'static str,
) -> Result<(), ChartError>
where
    DB::ErrorType: 'static,
{
    let fail = chart_err(stem);
    root.fill(&WHITE).map_err(|e| fail(e.to_string()))?;
    let Some(first) = s.base.iter().find(|c| c.metric == metric) else {
        root.draw(&Text::new(
            format!("{metric}: no comparison in the base run"),
            (24, 24),
            font(18),
        ))
        .map_err(|e| fail(e.to_string()))?;
        return Ok(());
    };
    let (mut rows, zero) = tornado_rows(s, metric);
    let title = format!(
        "What moves strategy − {} in {} ({}): each input at −{p:.0} % and +{p:.0} %",
        s.baseline,
        first.label,
        first.unit,
        p = s.rel * 100.0
    );
    let (head, body) = root.split_vertically(116);
    head.draw(&Text::new(title, (20, 8), font(20)))
        .map_err(|e| fail(e.to_string()))?;
    let base_line = s
        .strategies
        .iter()
        .filter_map(|st| Sensitivity::find(&s.base, st, metric))
        .map(|c| format!("{} {:+.2} ({})", c.strategy, c.difference, c.verdict))
        .collect::<Vec<_>>()
        .join(";  ");
    head.draw(&Text::new(
        format!("base run: {base_line}"),
        (20, 36),
        font(15),
    ))
    .map_err(|e| fail(e.to_string()))?;
    // Legend: a light and a solid box per strategy.
    let mut x = 20;
    for st in &s.strategies {
        let c = strategy_colour(st);
        for (shade, word) in [(tint(c), "low value"), (c, "high value")] {
            head.draw(&Rectangle::new([(x, 62), (x + 18, 78)], shade.filled()))
                .map_err(|e| fail(e.to_string()))?;
            let text = format!("{st} at the {word}");
            head.draw(&Text::new(text.clone(), (x + 24, 62), font(14)))
                .map_err(|e| fail(e.to_string()))?;
            x += 24 + 7 * text.chars().count() as i32 + 24;
        }
    }
    let mut hint = vec![
        "labels: key  low / base / high value;  ◆ a verdict changes at the low or high value"
            .to_string(),
    ];
    let shown_rows = rows.len().min(TORNADO_ROWS);
    if rows.len() > shown_rows {
        hint.push(format!(
            "{} smaller input(s) not shown",
            rows.len() - shown_rows
        ));
    }
    if zero > 0 {
        hint.push(format!("{zero} with exactly zero effect not shown"));
    }
    head.draw(&Text::new(
        format!("{} (all in sensitivity.csv)", hint.join(";  ")),
        (20, 88),
        font(14),
    ))
    .map_err(|e| fail(e.to_string()))?;
    rows.truncate(TORNADO_ROWS);
    if rows.is_empty() {
        body.draw(&Text::new(
            format!(
                "no input changes this difference ({zero} input(s) varied, all with exactly zero effect)"
            ),
            (24, 24),
            font(16),
        ))
        .map_err(|e| fail(e.to_string()))?;
        return Ok(());
    }
    let k = s.strategies.len().max(1);
    let extent = rows.iter().map(|r| r.2).fold(0.0f64, f64::max);
    let lim = extent * 1.1;
    let n = rows.len();
    let labels: Vec<String> = rows.iter().map(|r| r.0.clone()).collect();
    let label_width = labels.iter().map(|l| l.chars().count()).max().unwrap_or(10) as u32 * 8 + 16;
    let mut chart = ChartBuilder::on(&body)
        .margin(14)
        .x_label_area_size(54)
        .y_label_area_size(label_width.min(620))
        .build_cartesian_2d(-lim..lim, -0.5..(n as f64 - 0.5))
        .map_err(|e| fail(e.to_string()))?;
    let label_of = |y: &f64| {
        let i = y.round();
        if (y - i).abs() < 1e-6 && i >= 0.0 && (i as usize) < n {
            labels[n - 1 - i as usize].clone()
        } else {
            String::new()
        }
    };
    chart
        .configure_mesh()
        .disable_y_mesh()
        .y_labels(2 * n + 1)
        .y_label_formatter(&label_of)
        .x_labels(9)
        .x_label_formatter(&|v| short(*v))
        .x_desc(format!(
            "change of (strategy − {}) from the base run, {}",
            s.baseline, first.unit
        ))
        .label_style(font(14))
        .axis_desc_style(font(15))
        .light_line_style(RGBColor(238, 238, 238))
        .draw()
        .map_err(|e| fail(e.to_string()))?;
    chart
        .draw_series(std::iter::once(PathElement::new(
            vec![(0.0, -0.5), (0.0, n as f64 - 0.5)],
            BLACK.stroke_width(2),
        )))
        .map_err(|e| fail(e.to_string()))?;
    for (i, (_, bars, _)) in rows.iter().enumerate() {
        let y0 = (n - 1 - i) as f64 + 0.4;
        let band = 0.8 / k as f64;
        for (j, bar) in bars.iter().enumerate() {
            let c = strategy_colour(&bar.strategy);
            let top = y0 - j as f64 * band;
            let mid = top - band / 2.0;
            let bottom = top - band;
            let pad = band * 0.06;
            let mut shapes = Vec::new();
            if let Some(v) = bar.low {
                shapes.push(Rectangle::new(
                    [(0.0, top - pad), (v, mid)],
                    tint(c).filled(),
                ));
            }
            if let Some(v) = bar.high {
                shapes.push(Rectangle::new([(0.0, mid), (v, bottom + pad)], c.filled()));
            }
            chart.draw_series(shapes).map_err(|e| fail(e.to_string()))?;
        }
    }
    Ok(())
}

/// The tornado chart of `metric` (one of [`TORNADO_METRICS`]) as SVG text.
pub fn tornado_svg(
    s: &Sensitivity,
    metric: &str,
    stem: &'static str,
) -> Result<String, ChartError> {
    register_font();
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, tornado_size(s, metric)).into_drawing_area();
        draw_tornado(&root, s, metric, stem)?;
        root.present().map_err(|e| chart_err(stem)(e.to_string()))?;
    }
    Ok(out)
}

/// The tornado chart of `metric` as a PNG file.
pub fn tornado_png(
    s: &Sensitivity,
    metric: &str,
    stem: &'static str,
    path: &std::path::Path,
) -> Result<(), ChartError> {
    register_font();
    let root = BitMapBackend::new(path, tornado_size(s, metric)).into_drawing_area();
    draw_tornado(&root, s, metric, stem)?;
    root.present().map_err(|e| chart_err(stem)(e.to_string()))?;
    Ok(())
}

/// The console summary: the base comparison of the headline metrics, the
/// inputs that move each most, and every verdict that flips.
pub fn render_sensitivity(s: &Sensitivity) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "sensitivity: {} input(s) varied by ±{:.0} % ({} skipped), {} replication(s) x {} days, seed {}, common random numbers",
        s.inputs.len(),
        s.rel * 100.0,
        s.skipped.len(),
        s.replications,
        s.days,
        s.seed
    );
    for (metric, _) in TORNADO_METRICS {
        let (rows, zero) = tornado_rows(s, metric);
        let Some(first) = s.base.iter().find(|c| c.metric == metric) else {
            continue;
        };
        let _ = writeln!(out);
        let _ = writeln!(
            out,
            "{} ({}), strategy − {}: base {}; largest changes (low / high value):",
            first.label,
            first.unit,
            s.baseline,
            s.strategies
                .iter()
                .filter_map(|st| Sensitivity::find(&s.base, st, metric))
                .map(|c| format!("{} {:+.2} {}", c.strategy, c.difference, c.verdict))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let mut t = Table::new(&[
            (Align::Left, 30),
            (Align::Left, 16),
            (Align::Right, 8),
            (Align::Right, 8),
        ]);
        for (label, bars, _) in rows.iter().take(5) {
            for bar in bars {
                let f = |v: Option<f64>| v.map_or("-".to_string(), |v| format!("{v:+.2}"));
                t.row([
                    format!("  {label}"),
                    bar.strategy.clone(),
                    f(bar.low),
                    f(bar.high),
                ]);
            }
        }
        t.write(&mut out, "");
        if zero > 0 {
            let _ = writeln!(out, "  ({zero} input(s) change it by exactly 0)");
        }
    }
    let flips = s.flips();
    let _ = writeln!(out);
    if flips.is_empty() {
        let _ = writeln!(out, "no input changes a verdict at ±{:.0} %", s.rel * 100.0);
        return out;
    }
    let _ = writeln!(
        out,
        "verdicts that change (strategy against {}; low / base / high):",
        s.baseline
    );
    let mut t = Table::new(&[
        (Align::Left, 0),
        (Align::Left, 0),
        (Align::Left, 0),
        (Align::Left, 0),
    ]);
    const SHOWN: usize = 40;
    for f in flips.iter().take(SHOWN) {
        let v = |x: &Option<String>| x.clone().unwrap_or_else(|| "-".into());
        let val = |x: Option<f64>| x.map_or("-".to_string(), short);
        t.row([
            format!("  {} ({} / {})", f.key, val(f.values.0), val(f.values.1)),
            f.strategy.clone(),
            f.label.clone(),
            format!("{} / {} / {}", v(&f.low), f.base, v(&f.high)),
        ]);
    }
    t.write(&mut out, "");
    if flips.len() > SHOWN {
        let _ = writeln!(out, "  … {} more in verdicts.csv", flips.len() - SHOWN);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_numbers_keep_four_significant_digits() {
        assert_eq!(short(36.0), "36");
        assert_eq!(short(0.648), "0.648");
        assert_eq!(short(43.2), "43.2");
        assert_eq!(short(1.3), "1.3");
        assert_eq!(short(0.04000000001), "0.04");
    }
}
