//! Outputs of `policesim sweep` and `policesim merge`: `sweep.csv`,
//! `sweep.json` and a chart of each headline metric against each varied
//! key; and the part file of a shard.
//!
//! An unsharded sweep and a merge of its shards write these from the same
//! [`SweepFile`] through the same functions, so their bytes are equal.

use std::io::Write as _;
use std::path::PathBuf;

use plotters::prelude::*;

use super::charts::{ChartError, SVG_SIZE, font, register_font, strategy_colour};
use super::files::{OutputError, SUMMARY_COLUMNS, summary_csv_rows};
use crate::compare::METRICS;
use crate::output::{FolderError, OutputDir};
use crate::scenario::overrides::parse_value;
use crate::sweep::{HEADLINE_METRICS, PART_FILE, SweepFile, SweepPart};

/// The columns of `sweep.csv` before the varied keys.
pub const SWEEP_LEAD_COLUMNS: [&str; 1] = ["point"];

/// `sweep.csv`: `point`, one column per varied key (named by the key,
/// holding the value as a TOML literal), then every column of
/// `summary.csv`; one row per point and strategy.
pub fn sweep_csv(file: &SweepFile) -> Result<Vec<u8>, csv::Error> {
    let mut w = csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(Vec::new());
    let header: Vec<&str> = SWEEP_LEAD_COLUMNS
        .iter()
        .copied()
        .chain(file.plan.keys.iter().map(String::as_str))
        .chain(SUMMARY_COLUMNS)
        .collect();
    w.write_record(&header)?;
    for row in &file.rows {
        let summary = summary_csv_rows(std::slice::from_ref(&row.summary));
        w.serialize((row.point, &row.values, &summary[0]))?;
    }
    w.into_inner().map_err(|e| csv::Error::from(e.into_error()))
}

/// The file name of the chart of `metric` against key number `key`.
pub fn sweep_chart_name(file: &SweepFile, key: usize, metric: &str) -> String {
    let mut slug = String::new();
    for c in file.plan.keys[key].chars() {
        let c = if c.is_alphanumeric() || matches!(c, '.' | '-') {
            c
        } else {
            '_'
        };
        if !(c == '_' && slug.ends_with('_')) {
            slug.push(c);
        }
    }
    format!("charts/{}-{slug}-{metric}.svg", key + 1)
}

/// Writes `sweep.csv`, `sweep.json` and `charts/` into `out`, then swaps
/// the folder in whole. Returns the paths written.
pub fn write_sweep(mut out: OutputDir, file: &SweepFile) -> Result<Vec<PathBuf>, OutputError> {
    let shown = out.final_path("sweep.csv").display().to_string();
    let csv = sweep_csv(file).map_err(|error| OutputError::Csv {
        path: shown.clone(),
        error,
    })?;
    put(&mut out, "sweep.csv", &csv)?;
    let shown = out.final_path("sweep.json").display().to_string();
    let json = serde_json::to_string_pretty(file)
        .map_err(|error| OutputError::Json { path: shown, error })?;
    put(&mut out, "sweep.json", json.as_bytes())?;
    for key in 0..file.plan.keys.len() {
        for metric in HEADLINE_METRICS {
            let svg = sweep_svg(file, key, metric)?;
            put(
                &mut out,
                &sweep_chart_name(file, key, metric),
                svg.as_bytes(),
            )?;
        }
    }
    Ok(out.commit()?)
}

/// Writes a shard's `sweep-part.json` (the text `json`) into `out`, then
/// swaps the folder in whole.
pub fn write_part(mut out: OutputDir, json: &str) -> Result<Vec<PathBuf>, OutputError> {
    put(&mut out, PART_FILE, json.as_bytes())?;
    Ok(out.commit()?)
}

/// The text of a part file.
pub fn part_json(part: &SweepPart) -> Result<String, serde_json::Error> {
    serde_json::to_string_pretty(part)
}

fn put(out: &mut OutputDir, rel: &str, bytes: &[u8]) -> Result<(), OutputError> {
    let shown = out.final_path(rel);
    out.file(rel, |w| {
        w.write_all(bytes).map_err(|e| {
            OutputError::Folder(FolderError {
                path: shown.clone(),
                message: crate::output::describe_io(&e),
            })
        })
    })?;
    Ok(())
}

const CHART: &str = "sweep";

fn fail<E: std::fmt::Display>(e: E) -> ChartError {
    ChartError {
        chart: CHART,
        message: e.to_string(),
    }
}

/// A value list as numbers, when every value is one.
fn numeric(values: &[String]) -> Option<Vec<f64>> {
    values
        .iter()
        .map(|t| match parse_value(t) {
            Ok(toml::Value::Integer(i)) => Some(i as f64),
            Ok(toml::Value::Float(f)) if f.is_finite() => Some(f),
            _ => None,
        })
        .collect()
}

/// A tick label without needless decimals.
fn tick(v: f64) -> String {
    let s = format!("{v:.3}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" { "0".into() } else { s.to_string() }
}

fn pad(lo: f64, hi: f64) -> (f64, f64) {
    let span = hi - lo;
    if span > 0.0 {
        (lo - 0.06 * span, hi + 0.06 * span)
    } else {
        let d = if lo == 0.0 { 1.0 } else { 0.05 * lo.abs() };
        (lo - d, hi + d)
    }
}

/// One point of a line: x, mean and the 95 % band.
type Mark = (f64, f64, Option<(f64, f64)>);

/// The chart of headline metric `metric` against key number `key`: one
/// line per strategy with its 95 % band; with several keys varied, the
/// other keys are held at their first values (said in the title).
pub fn sweep_svg(file: &SweepFile, key: usize, metric: &str) -> Result<String, ChartError> {
    register_font();
    let plan = &file.plan;
    let m = METRICS
        .iter()
        .find(|m| m.column == metric)
        .ok_or_else(|| fail(format!("unknown metric {metric}")))?;
    let xs_num = numeric(&plan.values[key]);
    let x_of = |text: &str| -> f64 {
        let i = plan.values[key].iter().position(|v| v == text).unwrap_or(0);
        xs_num.as_ref().map_or(i as f64, |n| n[i])
    };
    // Rows with every other key at its first value.
    let held = |values: &[String]| {
        values
            .iter()
            .enumerate()
            .all(|(j, v)| j == key || *v == plan.values[j][0])
    };
    let mut strategies: Vec<&str> = Vec::new();
    for r in &file.rows {
        if !strategies.contains(&r.summary.strategy.as_str()) {
            strategies.push(&r.summary.strategy);
        }
    }
    // Per strategy: (x, mean, low, high) in key order.
    let series: Vec<(&str, Vec<Mark>)> = strategies
        .iter()
        .map(|&name| {
            let mut pts: Vec<Mark> = file
                .rows
                .iter()
                .filter(|r| r.summary.strategy == name && held(&r.values))
                .filter_map(|r| {
                    let iv = r.intervals.iter().find(|i| i.metric == metric)?;
                    let mean = iv.mean?;
                    // A t-interval can reach past what the metric can be.
                    let top = if metric.ends_with("_pct") {
                        100.0
                    } else {
                        f64::INFINITY
                    };
                    let band = iv
                        .low
                        .zip(iv.high)
                        .map(|(lo, hi)| (lo.max(0.0), hi.min(top)));
                    Some((x_of(&r.values[key]), mean, band))
                })
                .collect();
            pts.sort_by(|a, b| a.0.total_cmp(&b.0));
            (name, pts)
        })
        .collect();
    let ys = series.iter().flat_map(|(_, p)| {
        p.iter()
            .flat_map(|&(_, m, b)| [Some(m), b.map(|b| b.0), b.map(|b| b.1)])
            .flatten()
    });
    let (ylo, yhi) = ys.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), y| {
        (lo.min(y), hi.max(y))
    });
    let (ylo, yhi) = if ylo.is_finite() {
        pad(ylo, yhi)
    } else {
        (0.0, 1.0)
    };
    // Room above the lines for the legend.
    let yhi = yhi + 0.04 * (strategies.len() as f64 + 1.0) * (yhi - ylo);
    let n = plan.values[key].len();
    let (xlo, xhi) = match &xs_num {
        Some(v) => {
            let lo = v.iter().copied().fold(f64::INFINITY, f64::min);
            let hi = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            pad(lo, hi)
        }
        None => (-0.5, n as f64 - 0.5),
    };
    let mut title = format!(
        "{}: {} ({}) against {}",
        plan.scenario, m.label, m.unit, plan.keys[key]
    );
    if plan.keys.len() > 1 {
        let others: Vec<String> = plan
            .keys
            .iter()
            .enumerate()
            .filter(|(j, _)| *j != key)
            .map(|(j, k)| format!("{k}={}", plan.values[j][0]))
            .collect();
        title += &format!(" with {}", others.join(", "));
    }
    let labels = plan.values[key].clone();
    let categorical = xs_num.is_none();
    let integers = xs_num
        .as_ref()
        .is_some_and(|v| v.iter().all(|x| x.fract() == 0.0));
    let x_label = move |x: &f64| -> String {
        if categorical {
            let i = x.round();
            if (x - i).abs() < 1e-6 && i >= 0.0 && (i as usize) < labels.len() {
                labels[i as usize].clone()
            } else {
                String::new()
            }
        } else if integers && (x - x.round()).abs() > 1e-9 {
            String::new()
        } else {
            tick(*x)
        }
    };
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, SVG_SIZE).into_drawing_area();
        root.fill(&WHITE).map_err(fail)?;
        let (top, body) = root.split_vertically(56);
        top.draw(&Text::new(title, (24, 16), font(22)))
            .map_err(fail)?;
        let mut chart = ChartBuilder::on(&body)
            .margin(20)
            .x_label_area_size(60)
            .y_label_area_size(80)
            .build_cartesian_2d(xlo..xhi, ylo..yhi)
            .map_err(fail)?;
        let mut mesh = chart.configure_mesh();
        mesh.x_desc(plan.keys[key].as_str())
            .y_desc(format!("{} ({}), mean and 95% interval", m.label, m.unit))
            .x_label_formatter(&x_label)
            .y_label_formatter(&|y| tick(*y))
            .label_style(font(15))
            .axis_desc_style(font(17))
            .light_line_style(RGBColor(235, 235, 235));
        if categorical {
            mesh.x_labels(n.max(2) * 2 + 1);
        }
        mesh.draw().map_err(fail)?;
        for (name, pts) in &series {
            let c = strategy_colour(name);
            let band: Vec<(f64, f64, f64)> = pts
                .iter()
                .filter_map(|&(x, _, b)| b.map(|(lo, hi)| (x, lo, hi)))
                .collect();
            if band.len() >= 2 {
                let poly: Vec<(f64, f64)> = band
                    .iter()
                    .map(|&(x, _, hi)| (x, hi))
                    .chain(band.iter().rev().map(|&(x, lo, _)| (x, lo)))
                    .collect();
                chart
                    .draw_series(std::iter::once(Polygon::new(poly, c.mix(0.18).filled())))
                    .map_err(fail)?;
            }
            chart
                .draw_series(band.iter().map(|&(x, lo, hi)| {
                    PathElement::new(vec![(x, lo), (x, hi)], c.mix(0.6).stroke_width(2))
                }))
                .map_err(fail)?;
            let line: Vec<(f64, f64)> = pts.iter().map(|&(x, m, _)| (x, m)).collect();
            chart
                .draw_series(LineSeries::new(line.clone(), c.stroke_width(3)))
                .map_err(fail)?
                .label(name.to_string())
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 24, y)], c.stroke_width(3))
                });
            chart
                .draw_series(line.into_iter().map(|p| Circle::new(p, 4, c.filled())))
                .map_err(fail)?;
        }
        super::charts::draw_legend(&mut chart, SeriesLabelPosition::UpperRight, 14)
            .map_err(fail)?;
        root.present().map_err(fail)?;
    }
    Ok(out)
}
