//! The charts, drawn with plotters from `summary.json` data alone, so
//! `policesim chart DIR` redraws exactly what `policesim run` drew.
//!
//! Text is measured and PNG output rasterised with an embedded font (no
//! system fonts needed): DejaVu Sans, with Noto Sans CJK SC for the Chinese
//! it lacks (all of GB 2312), so Chinese ids and names read in PNG charts.
//! SVG output names [`FONT_FAMILY`], a list that puts CJK-capable families
//! before the generic `sans-serif`, and the viewer draws with its own fonts.

use std::sync::Once;

use plotters::coord::Shift;
use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint};
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::SummaryFile;
use super::map_data::{MapData, Shapes};
use crate::compare::Comparison;
use crate::map::{Point, Projection};
use crate::metrics::StrategySummary;

/// The embedded font, "policesim Sans": DejaVu Sans (Bitstream Vera
/// licence) with the glyphs of Noto Sans CJK SC (SIL Open Font Licence 1.1)
/// for the characters DejaVu lacks, subset to GB 2312's 7,445 characters,
/// CJK punctuation and the fullwidth forms. plotters draws each text with one
/// font, so the fallback lives inside the font; `assets/make_cjk_subset.sh`
/// rebuilds it and `assets/` holds both licences.
pub static FONT: &[u8] = include_bytes!("../../assets/PolicesimSans.ttf");

/// The font family every chart text names. SVG writes it as the
/// `font-family` of each text, so a viewer draws Latin in DejaVu Sans and
/// Chinese in the first CJK font it has (Linux, the web, Windows, macOS, in
/// that order) before falling back to its generic sans-serif. PNG output
/// rasterises [`FONT`], registered under this name.
pub const FONT_FAMILY: &str = "DejaVu Sans, Noto Sans CJK SC, Noto Sans SC, Source Han Sans SC, \
                               Microsoft YaHei, PingFang SC, WenQuanYi Micro Hei, sans-serif";
static REGISTER: Once = Once::new();

pub(crate) fn register_font() {
    REGISTER.call_once(|| {
        // Also as plain "sans-serif", the family plotters falls back to
        // for any text not given a style.
        for name in [FONT_FAMILY, "sans-serif"] {
            plotters::style::register_font(name, FontStyle::Normal, FONT)
                .unwrap_or_else(|_| panic!("the embedded font is valid"));
        }
    });
}

/// SVG size in pixels.
pub const SVG_SIZE: (u32, u32) = (1200, 750);
/// PNG size in pixels.
pub const PNG_SIZE: (u32, u32) = (1600, 1000);

/// One colour per strategy, the same in every chart (Okabe-Ito, readable
/// for colour-blind readers).
pub const PALETTE: [RGBColor; 8] = [
    RGBColor(0, 114, 178),
    RGBColor(213, 94, 0),
    RGBColor(0, 158, 115),
    RGBColor(204, 121, 167),
    RGBColor(230, 159, 0),
    RGBColor(86, 180, 233),
    RGBColor(120, 120, 120),
    RGBColor(0, 0, 0),
];

/// The colour of series number `i` of a chart whose series are not
/// strategies (the fit report's); strategies use [`strategy_colour`].
pub fn colour(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

/// The organisation models in the order of their fixed colours in
/// [`PALETTE`].
const MODEL_COLOURS: [&str; 5] = [
    "per_station",
    "zone_cooperation",
    "efficiency",
    "traffic_merged",
    "station_whistle",
];

/// The colour of the strategy called `name`: fixed per organisation model,
/// so a strategy has the same colour in every chart and report, whichever
/// strategies ran with it. A name no model has is grey.
///
/// ```
/// use policesim::report::charts::{PALETTE, strategy_colour};
/// assert_eq!(strategy_colour("efficiency"), PALETTE[2]);
/// assert_eq!(strategy_colour("per_station"), PALETTE[0]);
/// ```
pub fn strategy_colour(name: &str) -> RGBColor {
    MODEL_COLOURS
        .iter()
        .position(|m| *m == name)
        .map_or(PALETTE[6], |i| PALETTE[i])
}

/// A chart failed to draw.
#[derive(Debug, thiserror::Error)]
#[error("chart {chart}: {message}")]
pub struct ChartError {
    /// Which chart.
    pub chart: &'static str,
    /// What went wrong.
    pub message: String,
}

/// The charts, in report order: `(file stem, title, how to read it)`.
pub const CHARTS: [(&str, &str, &str); 7] = [
    (
        "response_cdf",
        "Response-time distribution",
        "Each line shows, for every response time on the horizontal axis, the share of incidents reached at least that fast; higher and further left is better. The dashed line is the target (one per target when areas have their own, each call then counted against its own area's), and the legend gives each strategy's share within it.",
    ),
    (
        "response_by_kind",
        "Response time by incident kind",
        "Boxes span the middle half of response times (25th to 75th percentile) with the median as a line; whiskers reach the 5th and 95th percentiles. Compare strategies side by side within each kind.",
    ),
    (
        "comparison",
        "Paired comparison with the baseline",
        "Each dot is a strategy's mean difference from the baseline over replications that saw the same incidents, with its 95% confidence interval. An interval that does not cross the zero line is a real difference; for times and workload, left of zero is better.",
    ),
    (
        "officer_load",
        "Officer load",
        "Each dot is one person: hours on duty per week (left) and hours spent on incidents per week (right), grouped by strategy and role; bars mark the means. A wide spread means an uneven load; the legend gives the coefficient of variation of station officers' incident hours.",
    ),
    (
        "time_of_day",
        "Time of day",
        "Mean response time (left) and mean number of calls waiting for a first unit (right) by hour of the call, over the grey bars of the call profile. Peaks show when the organisation runs short of free units.",
    ),
    (
        "map",
        "County map",
        "Stations (triangles; hubs as large squares) labelled with their names, with their zones shaded, demand points sized by call volume over a grey density of sampled incidents, standby posts (diamonds) and traffic-squad or specialist bases (crosses) with any urban area kept by the squad. Axes are at equal scale, in km, or in degrees of longitude and latitude (in the scenario's datum) when the scenario places points by lat/lon.",
    ),
    (
        "assembly",
        "Assembling the force for multi-unit incidents",
        "For incidents needing several units, the share whose full force was on scene within the time on the horizontal axis. Lines stop short of 100% when some forces were stood down before they assembled (share in the legend).",
    ),
];

/// The backtest chart, drawn when the run replayed a call log with observed
/// times: `(file stem, title, how to read it)`.
pub const BACKTEST_CHART: (&str, &str, &str) = (
    "backtest",
    "Backtest against the call log",
    "Share of calls reached within each response time: what the log observed (black) and what the simulation gave for the same calls (colour), for all calls and for the five stations with most calls. Lines that lie on each other mean the model reproduces the log.",
);

type Area<'a, DB> = DrawingArea<DB, Shift>;

fn fail<E: std::fmt::Display>(chart: &'static str) -> impl Fn(E) -> ChartError {
    move |e| ChartError {
        chart,
        message: e.to_string(),
    }
}

/// Draws a chart's series legend in the house style (white, a grey border)
/// at `position`, in `size` px text.
pub(crate) fn draw_legend<'a, DB: DrawingBackend + 'a, CT: CoordTranslate>(
    chart: &mut ChartContext<'a, DB, CT>,
    position: SeriesLabelPosition,
    size: u32,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    chart
        .configure_series_labels()
        .position(position)
        .label_font(font(size))
        .background_style(WHITE.mix(0.9))
        .border_style(RGBColor(180, 180, 180))
        .draw()
}

pub(crate) fn font(size: u32) -> TextStyle<'static> {
    (FONT_FAMILY, size).into_font().color(&BLACK)
}

/// Draws chart `stem` of `data` as SVG text.
pub fn svg(stem: &'static str, data: &SummaryFile) -> Result<String, ChartError> {
    register_font();
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, SVG_SIZE).into_drawing_area();
        draw(stem, &root, data)?;
        root.present().map_err(fail(stem))?;
    }
    Ok(out)
}

/// Draws chart `stem` of `data` as a PNG file.
pub fn png(
    stem: &'static str,
    data: &SummaryFile,
    path: &std::path::Path,
) -> Result<(), ChartError> {
    register_font();
    let root = BitMapBackend::new(path, PNG_SIZE).into_drawing_area();
    draw(stem, &root, data)?;
    root.present().map_err(fail(stem))?;
    Ok(())
}

fn draw<DB: DrawingBackend>(
    stem: &'static str,
    root: &Area<DB>,
    data: &SummaryFile,
) -> Result<(), ChartError>
where
    DB::ErrorType: 'static,
{
    root.fill(&WHITE).map_err(fail(stem))?;
    let title = CHARTS
        .iter()
        .chain([&BACKTEST_CHART])
        .find(|c| c.0 == stem)
        .map_or(stem, |c| c.1);
    let caption = format!("{}: {}", data.run.scenario, title.to_lowercase());
    let (top, body) = root.split_vertically(56);
    top.draw(&Text::new(caption, (24, 16), font(26)))
        .map_err(fail(stem))?;
    match stem {
        "response_cdf" => response_cdf(&body, data),
        "response_by_kind" => by_kind(&body, data),
        "comparison" => comparison(&body, data),
        "officer_load" => officer_load(&body, data),
        "time_of_day" => time_of_day(&body, data),
        "map" => map(&body, data),
        "assembly" => assembly(&body, data),
        "backtest" => backtest(&body, data),
        _ => Err(ChartError {
            chart: stem,
            message: "unknown chart".into(),
        }),
    }
}

/// A tick label without needless decimals.
fn tick(v: f64) -> String {
    if (v - v.round()).abs() < 1e-9 {
        format!("{v:.0}")
    } else if (v * 10.0 - (v * 10.0).round()).abs() < 1e-9 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

/// Tick labels for categories drawn at x = 0, 1, 2, ...: the name at each
/// whole number, nothing between.
fn category_label(names: Vec<String>) -> impl Fn(&f64) -> String {
    move |x: &f64| {
        let i = x.round();
        if (x - i).abs() < 1e-6 && i >= 0.0 && (i as usize) < names.len() {
            names[i as usize].clone()
        } else {
            String::new()
        }
    }
}

fn nice_max(v: f64) -> f64 {
    if v <= 0.0 || !v.is_finite() {
        return 1.0;
    }
    let mag = 10f64.powf(v.log10().floor());
    for step in [1.0, 2.0, 2.5, 5.0, 10.0] {
        if step * mag >= v {
            return step * mag;
        }
    }
    10.0 * mag
}

/// The x range that holds 97 % of every strategy's incidents (the long
/// tail would squash the interesting part).
fn cdf_range(cdfs: &[&[[f64; 2]]]) -> f64 {
    let x = cdfs
        .iter()
        .filter_map(|c| c.iter().find(|p| p[1] >= 0.97).or(c.last()))
        .map(|p| p[0])
        .fold(0.0, f64::max);
    nice_max(x * 1.05)
}

fn step_points(cdf: &[[f64; 2]], xmax: f64) -> Vec<(f64, f64)> {
    let mut pts = vec![(0.0, 0.0)];
    let mut prev = 0.0;
    for p in cdf {
        let x = p[0].min(xmax);
        pts.push((x, prev));
        pts.push((x, p[1]));
        prev = p[1];
        if p[0] >= xmax {
            break;
        }
    }
    pts.push((xmax, prev));
    pts
}

fn cdf_chart<DB: DrawingBackend>(
    area: &Area<DB>,
    stem: &'static str,
    curves: Vec<(String, &[[f64; 2]])>,
    x_desc: &str,
    targets: &[(f64, String)],
) -> Result<(), ChartError>
where
    DB::ErrorType: 'static,
{
    let xmax = cdf_range(&curves.iter().map(|c| c.1).collect::<Vec<_>>());
    let mut chart = ChartBuilder::on(area)
        .margin(20)
        .x_label_area_size(60)
        .y_label_area_size(80)
        .build_cartesian_2d(0.0..xmax, 0.0..100.0)
        .map_err(fail(stem))?;
    chart
        .configure_mesh()
        .x_desc(x_desc)
        .y_desc("share of incidents (%)")
        .x_label_formatter(&|v| tick(*v))
        .y_label_formatter(&|v| tick(*v))
        .label_style(font(18))
        .axis_desc_style(font(20))
        .light_line_style(RGBColor(235, 235, 235))
        .draw()
        .map_err(fail(stem))?;
    for (t, label) in targets {
        // A target beyond the axis is drawn off it (its legend entry stays),
        // but not so far off that the backend's pixel coordinates overflow.
        let t = t.min(100.0 * xmax);
        chart
            .draw_series(DashedLineSeries::new(
                vec![(t, 0.0), (t, 100.0)],
                8,
                6,
                RGBColor(90, 90, 90).stroke_width(2),
            ))
            .map_err(fail(stem))?
            .label(label.clone())
            .legend(|(x, y)| {
                PathElement::new(
                    vec![(x, y), (x + 24, y)],
                    RGBColor(90, 90, 90).stroke_width(2),
                )
            });
    }
    for (label, cdf) in &curves {
        let c = strategy_colour(label.split(' ').next().unwrap_or(label));
        let pts: Vec<(f64, f64)> = step_points(cdf, xmax)
            .into_iter()
            .map(|(x, y)| (x, 100.0 * y))
            .collect();
        chart
            .draw_series(LineSeries::new(pts, c.stroke_width(3)))
            .map_err(fail(stem))?
            .label(label.clone())
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 24, y)], c.stroke_width(3)));
    }
    draw_legend(&mut chart, SeriesLabelPosition::LowerRight, 18).map_err(fail(stem))?;
    Ok(())
}

fn response_cdf<DB: DrawingBackend>(area: &Area<DB>, data: &SummaryFile) -> Result<(), ChartError>
where
    DB::ErrorType: 'static,
{
    let t = data.run.target_min;
    let areas = &data.run.area_targets;
    // With area targets, one line per target and each call counted
    // against its own.
    let (within_what, targets) = if areas.is_empty() {
        (
            format!("{t:.0} min"),
            vec![(t, format!("target {t:.0} min"))],
        )
    } else {
        (
            "own target".to_string(),
            areas
                .iter()
                .map(|a| {
                    (
                        a.target_min,
                        format!(
                            "target {:.0} min ({:.0}% of calls)",
                            a.target_min, a.calls_pct
                        ),
                    )
                })
                .collect(),
        )
    };
    let curves = data
        .strategies
        .iter()
        .map(|s| {
            let within = s.overall.within_target_pct.unwrap_or(f64::NAN);
            (
                format!("{} ({within:.1}% within {within_what})", s.strategy),
                s.response_cdf.as_slice(),
            )
        })
        .collect();
    cdf_chart(
        area,
        "response_cdf",
        curves,
        "call to first unit on scene (min)",
        &targets,
    )
}

/// Observed and simulated response ECDFs of a backtest: overall and the
/// five busiest stations, one panel each.
fn backtest<DB: DrawingBackend>(area: &Area<DB>, data: &SummaryFile) -> Result<(), ChartError>
where
    DB::ErrorType: 'static,
{
    let stem = "backtest";
    let Some(b) = data.backtest.as_ref().filter(|b| !b.curves.is_empty()) else {
        return no_data(area, stem, "the log has no observed arrival times");
    };
    let all: Vec<&[[f64; 2]]> = b
        .curves
        .iter()
        .flat_map(|c| [c.observed.as_slice(), c.simulated.as_slice()])
        .collect();
    let xmax = cdf_range(&all);
    let observed = RGBColor(0, 0, 0);
    let simulated = strategy_colour(&b.strategy);
    let cols = if b.curves.len() > 2 {
        3
    } else {
        b.curves.len()
    };
    let rows = b.curves.len().div_ceil(cols);
    let panels = area.split_evenly((rows, cols));
    for (i, (curve, panel)) in b.curves.iter().zip(panels.iter()).enumerate() {
        let mut chart = ChartBuilder::on(panel)
            .margin(12)
            .caption(&curve.label, font(20))
            .x_label_area_size(44)
            .y_label_area_size(56)
            .build_cartesian_2d(0.0..xmax, 0.0..100.0)
            .map_err(fail(stem))?;
        chart
            .configure_mesh()
            .x_desc("response (min)")
            .y_desc("share of calls (%)")
            .x_label_formatter(&|v| tick(*v))
            .y_label_formatter(&|v| tick(*v))
            .label_style(font(14))
            .axis_desc_style(font(15))
            .light_line_style(RGBColor(235, 235, 235))
            .draw()
            .map_err(fail(stem))?;
        for (cdf, c, label) in [
            (&curve.observed, observed, "observed".to_string()),
            (
                &curve.simulated,
                simulated,
                format!("simulated ({})", b.strategy),
            ),
        ] {
            if cdf.is_empty() {
                continue;
            }
            let pts: Vec<(f64, f64)> = step_points(cdf, xmax)
                .into_iter()
                .map(|(x, y)| (x, 100.0 * y))
                .collect();
            let series = chart
                .draw_series(LineSeries::new(pts, c.stroke_width(2)))
                .map_err(fail(stem))?;
            if i == 0 {
                series.label(label).legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 20, y)], c.stroke_width(2))
                });
            }
        }
        if i == 0 {
            draw_legend(&mut chart, SeriesLabelPosition::LowerRight, 14).map_err(fail(stem))?;
        }
    }
    Ok(())
}

fn assembly<DB: DrawingBackend>(area: &Area<DB>, data: &SummaryFile) -> Result<(), ChartError>
where
    DB::ErrorType: 'static,
{
    let stem = "assembly";
    let curves: Vec<(String, &[[f64; 2]])> = data
        .strategies
        .iter()
        .filter(|s| !s.assembly_cdf.is_empty())
        .map(|s| {
            let assembled = assembled_pct(s);
            // Scale the curve so it ends at the assembled share.
            (
                format!("{} ({assembled:.1}% assembled)", s.strategy),
                s.assembly_cdf.as_slice(),
            )
        })
        .collect();
    if curves.is_empty() {
        return no_data(area, stem, "no incident needed more than one unit");
    }
    // The CDFs are over assembled incidents: rescale to all multi-unit ones.
    let scaled: Vec<(String, Vec<[f64; 2]>)> = data
        .strategies
        .iter()
        .filter(|s| !s.assembly_cdf.is_empty())
        .zip(&curves)
        .map(|(s, (label, cdf))| {
            let f = assembled_pct(s) / 100.0;
            (
                label.clone(),
                cdf.iter().map(|p| [p[0], p[1] * f]).collect(),
            )
        })
        .collect();
    let refs = scaled
        .iter()
        .map(|(l, c)| (l.clone(), c.as_slice()))
        .collect();
    cdf_chart(
        area,
        stem,
        refs,
        "call to the whole force on scene (min)",
        &[],
    )
}

fn assembled_pct(s: &StrategySummary) -> f64 {
    let (mut multi, mut ok) = (0.0, 0.0);
    for k in &s.per_kind {
        if let Some(p) = k.assembled_pct {
            // Weight by incidents of the kind.
            multi += k.incidents as f64;
            ok += k.incidents as f64 * p / 100.0;
        }
    }
    if multi > 0.0 {
        100.0 * ok / multi
    } else {
        s.overall.assembled_pct.unwrap_or(100.0)
    }
}

fn no_data<DB: DrawingBackend>(
    area: &Area<DB>,
    stem: &'static str,
    why: &str,
) -> Result<(), ChartError>
where
    DB::ErrorType: 'static,
{
    let (w, h) = area.dim_in_pixel();
    area.draw(&Text::new(
        format!("No data: {why}."),
        (w as i32 / 2, h as i32 / 2),
        font(24).pos(Pos::new(HPos::Center, VPos::Center)),
    ))
    .map_err(fail(stem))?;
    Ok(())
}

fn by_kind<DB: DrawingBackend>(area: &Area<DB>, data: &SummaryFile) -> Result<(), ChartError>
where
    DB::ErrorType: 'static,
{
    let stem = "response_by_kind";
    let kinds = &data.run.kinds;
    let n = data.strategies.len().max(1) as f64;
    let ymax = nice_max(
        data.strategies
            .iter()
            .flat_map(|s| s.per_kind.iter().filter_map(|k| k.response_p95_min))
            .fold(0.0, f64::max)
            * 1.05,
    );
    let formatter = category_label(kinds.clone());
    let mut chart = ChartBuilder::on(area)
        .margin(20)
        .x_label_area_size(60)
        .y_label_area_size(80)
        .build_cartesian_2d(-0.5..(kinds.len() as f64 - 0.5), 0.0..ymax)
        .map_err(fail(stem))?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(kinds.len() * 2 + 1)
        .x_label_formatter(&formatter)
        .x_desc("incident kind")
        .y_desc("call to first unit on scene (min)")
        .y_label_formatter(&|v| tick(*v))
        .label_style(font(18))
        .axis_desc_style(font(20))
        .light_line_style(RGBColor(235, 235, 235))
        .draw()
        .map_err(fail(stem))?;
    let width = 0.8 / n;
    for (si, s) in data.strategies.iter().enumerate() {
        let c = strategy_colour(&s.strategy);
        let mut shapes: Vec<DynElement<'static, DB, (f64, f64)>> = Vec::new();
        for (k, g) in s.per_kind.iter().enumerate() {
            let (Some(p5), Some(p25), Some(p50), Some(p75), Some(p95)) = (
                g.response_p05_min,
                g.response_p25_min,
                g.response_p50_min,
                g.response_p75_min,
                g.response_p95_min,
            ) else {
                continue;
            };
            let x0 = k as f64 - 0.4 + si as f64 * width + width * 0.1;
            let x1 = x0 + width * 0.8;
            let xm = (x0 + x1) / 2.0;
            shapes.push(Rectangle::new([(x0, p25), (x1, p75)], c.mix(0.35).filled()).into_dyn());
            shapes.push(Rectangle::new([(x0, p25), (x1, p75)], c.stroke_width(2)).into_dyn());
            shapes.push(
                PathElement::new(vec![(x0, p50), (x1, p50)], BLACK.stroke_width(3)).into_dyn(),
            );
            shapes.push(PathElement::new(vec![(xm, p75), (xm, p95)], c.stroke_width(2)).into_dyn());
            shapes.push(PathElement::new(vec![(xm, p25), (xm, p5)], c.stroke_width(2)).into_dyn());
            let cap = width * 0.2;
            shapes.push(
                PathElement::new(vec![(xm - cap, p95), (xm + cap, p95)], c.stroke_width(2))
                    .into_dyn(),
            );
            shapes.push(
                PathElement::new(vec![(xm - cap, p5), (xm + cap, p5)], c.stroke_width(2))
                    .into_dyn(),
            );
        }
        chart
            .draw_series(shapes)
            .map_err(fail(stem))?
            .label(s.strategy.clone())
            .legend(move |(x, y)| {
                Rectangle::new([(x, y - 7), (x + 20, y + 7)], c.mix(0.6).filled())
            });
    }
    draw_legend(&mut chart, SeriesLabelPosition::UpperRight, 18).map_err(fail(stem))?;
    Ok(())
}

fn comparison<DB: DrawingBackend>(area: &Area<DB>, data: &SummaryFile) -> Result<(), ChartError>
where
    DB::ErrorType: 'static,
{
    let stem = "comparison";
    if let Some(none) =
        super::words::nothing_to_compare(data.strategies.iter().map(|s| s.strategy.as_str()))
    {
        return no_data(area, stem, &none);
    }
    if data.comparison.is_empty() {
        return no_data(
            area,
            stem,
            &format!("the baseline {} was not run", data.run.baseline),
        );
    }
    let mut metrics: Vec<&str> = Vec::new();
    for c in &data.comparison {
        if !metrics.contains(&c.metric.as_str()) {
            metrics.push(&c.metric);
        }
    }
    let (head, body) = area.split_vertically(30);
    head.draw(&Text::new(
        format!(
            "strategy minus {} (mean of paired differences, 95% CI)",
            super::words::baseline_phrase(
                &data.run.baseline,
                data.run.scenario_baseline.as_deref()
            )
        ),
        (24, 4),
        font(18),
    ))
    .map_err(fail(stem))?;
    let cols = 2;
    let rows = metrics.len().div_ceil(cols);
    let panels = body.split_evenly((rows, cols));
    let strategies: Vec<&StrategySummary> = data
        .strategies
        .iter()
        .filter(|s| s.strategy != data.run.baseline)
        .collect();
    for (panel, metric) in panels.iter().zip(&metrics) {
        let rows: Vec<&Comparison> = strategies
            .iter()
            .filter_map(|s| {
                data.comparison
                    .iter()
                    .find(|c| c.metric == *metric && c.strategy == s.strategy)
            })
            .collect();
        let Some(first) = rows.first() else { continue };
        let extent = rows
            .iter()
            .flat_map(|c| {
                [
                    c.difference,
                    c.ci95_low.unwrap_or(c.difference),
                    c.ci95_high.unwrap_or(c.difference),
                ]
            })
            .fold(0.0f64, |m, v| m.max(v.abs()));
        let lim = if extent > 0.0 { extent * 1.25 } else { 1.0 };
        let label = category_label(rows.iter().map(|c| c.strategy.clone()).collect());
        let mut chart = ChartBuilder::on(panel)
            .margin(12)
            .caption(format!("{} ({})", first.label, first.unit), font(18))
            .x_label_area_size(30)
            .y_label_area_size(150)
            .build_cartesian_2d(-lim..lim, -0.6..(rows.len() as f64 - 0.4))
            .map_err(fail(stem))?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .y_labels(rows.len() * 2 + 1)
            .y_label_formatter(&label)
            .x_labels(5)
            .x_label_formatter(&|v| tick(*v))
            .label_style(font(15))
            .light_line_style(RGBColor(238, 238, 238))
            .draw()
            .map_err(fail(stem))?;
        chart
            .draw_series(std::iter::once(PathElement::new(
                vec![(0.0, -0.6), (0.0, rows.len() as f64 - 0.4)],
                BLACK.stroke_width(2),
            )))
            .map_err(fail(stem))?;
        for (i, c) in rows.iter().enumerate() {
            let col = strategy_colour(&c.strategy);
            let y = i as f64;
            let (lo, hi) = (
                c.ci95_low.unwrap_or(c.difference),
                c.ci95_high.unwrap_or(c.difference),
            );
            chart
                .draw_series([
                    PathElement::new(vec![(lo, y), (hi, y)], col.stroke_width(3)).into_dyn(),
                    PathElement::new(vec![(lo, y - 0.15), (lo, y + 0.15)], col.stroke_width(3))
                        .into_dyn(),
                    PathElement::new(vec![(hi, y - 0.15), (hi, y + 0.15)], col.stroke_width(3))
                        .into_dyn(),
                    Circle::new((c.difference, y), 7, col.filled()).into_dyn(),
                ])
                .map_err(fail(stem))?;
        }
    }
    Ok(())
}

/// One strip of the officer-load chart: strategy index, role label, and
/// each person's (duty, incident) hours per week.
type LoadGroup = (usize, String, Vec<(f64, f64)>);

fn officer_load<DB: DrawingBackend>(area: &Area<DB>, data: &SummaryFile) -> Result<(), ChartError>
where
    DB::ErrorType: 'static,
{
    let stem = "officer_load";
    let mut groups: Vec<LoadGroup> = Vec::new();
    for (si, s) in data.strategies.iter().enumerate() {
        let mut roles: Vec<String> = Vec::new();
        for p in &s.people {
            let label = role_label(p.role);
            if !roles.contains(&label) {
                roles.push(label);
            }
        }
        for r in roles {
            let vals = s
                .people
                .iter()
                .filter(|p| role_label(p.role) == r)
                .map(|p| {
                    (
                        p.duty_hours_per_week,
                        p.busy_hours_per_week + p.callout_hours_per_week,
                    )
                })
                .collect();
            groups.push((si, r, vals));
        }
    }
    if groups.is_empty() {
        return no_data(area, stem, "no roster");
    }
    let (left, right) = area.split_horizontally(area.dim_in_pixel().0 / 2);
    for (panel, which, desc) in [
        (&left, 0, "on duty (h/week)"),
        (&right, 1, "on incidents, on duty or called in (h/week)"),
    ] {
        let ymax = nice_max(
            groups
                .iter()
                .flat_map(|g| g.2.iter().map(|v| if which == 0 { v.0 } else { v.1 }))
                .fold(0.0, f64::max)
                * 1.1,
        );
        let fmt = category_label(groups.iter().map(|g| g.1.clone()).collect());
        let mut chart = ChartBuilder::on(panel)
            .margin(16)
            .x_label_area_size(70)
            .y_label_area_size(70)
            .build_cartesian_2d(-0.5..(groups.len() as f64 - 0.5), 0.0..ymax)
            .map_err(fail(stem))?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(groups.len() * 2 + 1)
            .x_label_formatter(&fmt)
            .x_label_style(
                font(13)
                    .transform(FontTransform::Rotate90)
                    .pos(Pos::new(HPos::Left, VPos::Center)),
            )
            .y_desc(desc)
            .y_label_formatter(&|v| tick(*v))
            .label_style(font(15))
            .axis_desc_style(font(17))
            .light_line_style(RGBColor(235, 235, 235))
            .draw()
            .map_err(fail(stem))?;
        // Strategy names over their groups, separators between strategies.
        for (si, s) in data.strategies.iter().enumerate() {
            let idx: Vec<usize> = (0..groups.len()).filter(|&g| groups[g].0 == si).collect();
            let (Some(&first), Some(&last)) = (idx.first(), idx.last()) else {
                continue;
            };
            let mid = (first + last) as f64 / 2.0;
            let name = if which == 1 {
                let cv = s.officer_load_cv.map_or("-".into(), |v| format!("{v:.2}"));
                format!("{} (CV {cv})", s.strategy)
            } else {
                s.strategy.clone()
            };
            chart
                .draw_series(std::iter::once(Text::new(
                    name,
                    (mid, ymax * 0.985),
                    font(15)
                        .color(&strategy_colour(&s.strategy))
                        .pos(Pos::new(HPos::Center, VPos::Top)),
                )))
                .map_err(fail(stem))?;
            if si > 0 {
                chart
                    .draw_series(std::iter::once(PathElement::new(
                        vec![(first as f64 - 0.5, 0.0), (first as f64 - 0.5, ymax)],
                        RGBColor(160, 160, 160).stroke_width(1),
                    )))
                    .map_err(fail(stem))?;
            }
        }
        for (gi, (si, _, vals)) in groups.iter().enumerate() {
            let c = strategy_colour(&data.strategies[*si].strategy);
            let n = vals.len().max(1);
            let pts = vals.iter().enumerate().map(|(k, v)| {
                // Deterministic jitter: spread people across the group's slot.
                let dx = ((k as f64 + 0.5) / n as f64 - 0.5) * 0.6;
                let y = if which == 0 { v.0 } else { v.1 };
                Circle::new((gi as f64 + dx, y), 3, c.mix(0.7).filled())
            });
            chart.draw_series(pts).map_err(fail(stem))?;
            let mean = vals
                .iter()
                .map(|v| if which == 0 { v.0 } else { v.1 })
                .sum::<f64>()
                / n as f64;
            chart
                .draw_series(std::iter::once(PathElement::new(
                    vec![(gi as f64 - 0.38, mean), (gi as f64 + 0.38, mean)],
                    BLACK.stroke_width(3),
                )))
                .map_err(fail(stem))?;
        }
    }
    Ok(())
}

fn role_label(role: crate::roster::Role) -> String {
    role.label().to_string()
}

fn time_of_day<DB: DrawingBackend>(area: &Area<DB>, data: &SummaryFile) -> Result<(), ChartError>
where
    DB::ErrorType: 'static,
{
    let stem = "time_of_day";
    let (left, right) = area.split_horizontally(area.dim_in_pixel().0 / 2);
    let total: f64 = data.run.hourly_weights.iter().sum::<f64>().max(1e-12);
    for (panel, which) in [(&left, 0), (&right, 1)] {
        let value = |h: &crate::metrics::HourSummary| -> Option<f64> {
            if which == 0 {
                h.response_mean_min
            } else {
                Some(h.waiting_calls_mean)
            }
        };
        let ymax = nice_max(
            data.strategies
                .iter()
                .flat_map(|s| s.time_of_day.iter().filter_map(value))
                .fold(0.0, f64::max)
                * 1.1,
        )
        .max(if which == 1 { 0.1 } else { 1.0 });
        let mut chart = ChartBuilder::on(panel)
            .margin(16)
            .x_label_area_size(55)
            .y_label_area_size(75)
            .build_cartesian_2d(0.0..24.0, 0.0..ymax)
            .map_err(fail(stem))?;
        chart
            .configure_mesh()
            .x_labels(13)
            .x_label_formatter(&|x| format!("{:.0}", x))
            .x_desc("hour of the call")
            .y_desc(if which == 0 {
                "mean response (min)"
            } else {
                "mean calls waiting for a unit"
            })
            .label_style(font(15))
            .axis_desc_style(font(17))
            .light_line_style(RGBColor(235, 235, 235))
            .draw()
            .map_err(fail(stem))?;
        // The call profile, scaled to half the panel height.
        let wmax = data
            .run
            .hourly_weights
            .iter()
            .copied()
            .fold(0.0, f64::max)
            .max(1e-12);
        chart
            .draw_series(data.run.hourly_weights.iter().enumerate().map(|(h, w)| {
                let top = 0.5 * ymax * w / wmax;
                Rectangle::new(
                    [(h as f64 + 0.05, 0.0), (h as f64 + 0.95, top)],
                    RGBColor(225, 225, 225).filled(),
                )
            }))
            .map_err(fail(stem))?
            .label(format!(
                "call profile ({:.0}% of calls at the peak hour)",
                100.0 * wmax / total
            ))
            .legend(|(x, y)| {
                Rectangle::new(
                    [(x, y - 6), (x + 20, y + 6)],
                    RGBColor(210, 210, 210).filled(),
                )
            });
        for s in &data.strategies {
            let c = strategy_colour(&s.strategy);
            let pts: Vec<(f64, f64)> = s
                .time_of_day
                .iter()
                .filter_map(|h| value(h).map(|v| (h.hour as f64 + 0.5, v)))
                .collect();
            chart
                .draw_series(LineSeries::new(pts.clone(), c.stroke_width(3)))
                .map_err(fail(stem))?
                .label(s.strategy.clone())
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 24, y)], c.stroke_width(3))
                });
            chart
                .draw_series(pts.into_iter().map(|p| Circle::new(p, 3, c.filled())))
                .map_err(fail(stem))?;
        }
        draw_legend(&mut chart, SeriesLabelPosition::UpperLeft, 14).map_err(fail(stem))?;
    }
    Ok(())
}

/// Convex hull (monotone chain), counter-clockwise.
fn hull(mut pts: Vec<(f64, f64)>) -> Vec<(f64, f64)> {
    pts.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)));
    pts.dedup();
    if pts.len() < 3 {
        return pts;
    }
    let cross = |o: (f64, f64), a: (f64, f64), b: (f64, f64)| {
        (a.0 - o.0) * (b.1 - o.1) - (a.1 - o.1) * (b.0 - o.0)
    };
    let mut lower: Vec<(f64, f64)> = Vec::new();
    for &p in &pts {
        while lower.len() >= 2 && cross(lower[lower.len() - 2], lower[lower.len() - 1], p) <= 0.0 {
            lower.pop();
        }
        lower.push(p);
    }
    let mut upper: Vec<(f64, f64)> = Vec::new();
    for &p in pts.iter().rev() {
        while upper.len() >= 2 && cross(upper[upper.len() - 2], upper[upper.len() - 1], p) <= 0.0 {
            upper.pop();
        }
        upper.push(p);
    }
    lower.pop();
    upper.pop();
    lower.extend(upper);
    lower
}

/// A map axis direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Axis {
    East,
    North,
}

/// The ticks of one map axis: positions in km with their labels, in round
/// km, or in round degrees when the scenario was placed by latitude and
/// longitude (the chart stays in km, so its scale stays equal).
struct MapTicks {
    major: Vec<(f64, String)>,
    minor: Vec<f64>,
}

/// A map axis in km whose grid lines are [`MapTicks`]' (plotters' own
/// `WithKeyPoints` cannot take a label formatter on an f64 axis).
struct MapAxis {
    inner: RangedCoordf64,
    major: Vec<f64>,
    minor: Vec<f64>,
}

impl Ranged for MapAxis {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        self.inner.map(value, limit)
    }

    fn key_points<Hint: KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        if hint.weight().allow_light_points() {
            self.minor.clone()
        } else {
            self.major.clone()
        }
    }

    fn range(&self) -> std::ops::Range<f64> {
        self.inner.range()
    }
}

impl MapTicks {
    /// The axis `r` (km) with these ticks.
    fn range(&self, r: std::ops::Range<f64>) -> MapAxis {
        MapAxis {
            inner: r.into(),
            major: self.major.iter().map(|t| t.0).collect(),
            minor: self.minor.clone(),
        }
    }

    /// The label of the tick at `v` km.
    fn label(&self, v: f64) -> String {
        self.major
            .iter()
            .find(|t| (t.0 - v).abs() < 1e-6)
            .map(|t| t.1.clone())
            .unwrap_or_default()
    }
}

/// A step of 1, 2 or 5 times a power of ten giving at most about `n` steps
/// over `span`.
fn tick_step(span: f64, n: f64) -> f64 {
    let raw = (span / n).max(1e-9);
    let mag = 10f64.powf(raw.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * mag)
        .find(|&s| s >= raw)
        .unwrap_or(10.0 * mag)
}

/// The multiples of `step` within `lo..=hi`.
fn multiples(lo: f64, hi: f64, step: f64) -> impl Iterator<Item = f64> {
    let (first, last) = ((lo / step).ceil() as i64, (hi / step).floor() as i64);
    (first..=last).map(move |k| k as f64 * step)
}

fn map_ticks(lo: f64, hi: f64, projection: Option<Projection>, axis: Axis) -> MapTicks {
    let Some(p) = projection else {
        let step = tick_step(hi - lo, 10.0);
        return MapTicks {
            major: multiples(lo, hi, step).map(|v| (v, tick(v))).collect(),
            minor: multiples(lo, hi, step / 5.0).collect(),
        };
    };
    let to_deg = |v: f64| match axis {
        Axis::East => p.unproject(Point { x_km: v, y_km: 0.0 }).1,
        Axis::North => p.unproject(Point { x_km: 0.0, y_km: v }).0,
    };
    let to_km = |d: f64| match axis {
        Axis::East => p.project(p.centre_lat, d).x_km,
        Axis::North => p.project(d, p.centre_lon).y_km,
    };
    let (d0, d1) = (to_deg(lo), to_deg(hi));
    let step = tick_step(d1 - d0, 8.0);
    let decimals = (-step.log10().floor()).max(0.0) as usize;
    let (pos, neg) = match axis {
        Axis::East => ('E', 'W'),
        Axis::North => ('N', 'S'),
    };
    MapTicks {
        major: multiples(d0, d1, step)
            .map(|d| {
                let hemi = if d < 0.0 { neg } else { pos };
                (to_km(d), format!("{:.decimals$}°{hemi}", d.abs()))
            })
            .collect(),
        minor: multiples(d0, d1, step / 5.0).map(to_km).collect(),
    }
}

/// Zone colours (distinct from the strategy palette's meaning).
const ZONE_COLOURS: [RGBColor; 6] = [
    RGBColor(31, 119, 180),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
];

/// The county outline, each station's jurisdiction and each zone's area
/// (the union of its stations' jurisdictions) on the map.
fn draw_outline<DB: DrawingBackend>(
    chart: &mut ChartContext<'_, DB, Cartesian2d<MapAxis, MapAxis>>,
    m: &MapData,
    legend: &mut Vec<String>,
) -> Result<(), ChartError>
where
    DB::ErrorType: 'static,
{
    let stem = "map";
    let ring = |r: &Vec<[f64; 2]>| r.iter().map(|p| (p[0], p[1])).collect::<Vec<_>>();
    // Exteriors filled, holes drawn as lines: plotters' polygons have no holes.
    let fills = |shapes: &Shapes, c: RGBAColor| -> Vec<Polygon<(f64, f64)>> {
        shapes
            .iter()
            .filter_map(|p| p.first())
            .map(|r| Polygon::new(ring(r), c.filled()))
            .collect()
    };
    let lines = |shapes: &Shapes, style: ShapeStyle| -> Vec<PathElement<(f64, f64)>> {
        shapes
            .iter()
            .flatten()
            .map(|r| PathElement::new(ring(r), style))
            .collect()
    };
    let outline = m.outline.as_ref().expect("called with an outline");
    let land = RGBColor(250, 247, 235);
    chart
        .draw_series(fills(outline, land.to_rgba()))
        .map_err(fail(stem))?;
    for (zi, (z, shape)) in m.zones.iter().zip(&m.zone_areas).enumerate() {
        let c = ZONE_COLOURS[zi % ZONE_COLOURS.len()];
        chart
            .draw_series(fills(shape, c.mix(0.16)))
            .map_err(fail(stem))?
            .label(entry(
                legend,
                format!("zone {} (its stations' jurisdictions)", z.name),
            ))
            .legend(move |(x, y)| {
                Rectangle::new([(x, y - 6), (x + 20, y + 6)], c.mix(0.4).filled())
            });
    }
    let cell_style = RGBColor(120, 120, 120).stroke_width(1);
    let cells: Vec<_> = m
        .jurisdictions
        .iter()
        .flat_map(|j| lines(j, cell_style))
        .collect();
    chart
        .draw_series(cells)
        .map_err(fail(stem))?
        .label(entry(legend, "station jurisdiction (nearest station)"))
        .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], cell_style));
    for (zi, shape) in m.zone_areas.iter().enumerate() {
        let c = ZONE_COLOURS[zi % ZONE_COLOURS.len()];
        chart
            .draw_series(lines(shape, c.stroke_width(3)))
            .map_err(fail(stem))?;
    }
    let edge = RGBColor(40, 40, 40).stroke_width(2);
    chart
        .draw_series(lines(outline, edge))
        .map_err(fail(stem))?
        .label(entry(
            legend,
            format!(
                "county outline{}",
                m.outline_name
                    .as_ref()
                    .map_or(String::new(), |n| format!(" ({n})"))
            ),
        ))
        .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], edge));
    Ok(())
}

fn map<DB: DrawingBackend>(area: &Area<DB>, data: &SummaryFile) -> Result<(), ChartError>
where
    DB::ErrorType: 'static,
{
    let stem = "map";
    let m = &data.map;
    let d = &m.density;
    let mut xs: Vec<f64> = m.stations.iter().map(|s| s.x_km).collect();
    let mut ys: Vec<f64> = m.stations.iter().map(|s| s.y_km).collect();
    xs.extend([d.x0_km, d.x0_km + d.cell_km * d.nx as f64]);
    ys.extend([d.y0_km, d.y0_km + d.cell_km * d.ny as f64]);
    for b in &m.bases {
        xs.push(b.x_km);
        ys.push(b.y_km);
    }
    for p in m.outline.iter().flatten().flatten().flatten() {
        xs.push(p[0]);
        ys.push(p[1]);
    }
    let (x0, x1) = xs
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &x| {
            (a.min(x), b.max(x))
        });
    let (y0, y1) = ys
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &y| {
            (a.min(y), b.max(y))
        });
    let pad = 0.06 * (x1 - x0).max(y1 - y0).max(1.0);
    let (mut x0, mut x1, mut y0, mut y1) = (x0 - pad, x1 + pad, y0 - pad, y1 + pad);
    // Equal scale: widen the shorter side to the plot area's aspect ratio.
    let (w, h) = area.dim_in_pixel();
    let (pw, ph) = (w as f64 - 120.0, h as f64 - 100.0);
    let (kx, ky) = ((x1 - x0) / pw, (y1 - y0) / ph);
    if kx > ky {
        let extra = (kx * ph - (y1 - y0)) / 2.0;
        y0 -= extra;
        y1 += extra;
    } else {
        let extra = (ky * pw - (x1 - x0)) / 2.0;
        x0 -= extra;
        x1 += extra;
    }
    let xt = map_ticks(x0, x1, m.projection, Axis::East);
    let yt = map_ticks(y0, y1, m.projection, Axis::North);
    // The legend's entries, kept to size its box when choosing a corner.
    let mut legend: Vec<String> = Vec::new();
    let mut chart = ChartBuilder::on(area)
        .margin(16)
        .x_label_area_size(50)
        .y_label_area_size(80)
        .build_cartesian_2d(xt.range(x0..x1), yt.range(y0..y1))
        .map_err(fail(stem))?;
    let (x_desc, y_desc) = match m.projection {
        Some(_) => ("longitude", "latitude"),
        None => ("km east", "km north"),
    };
    chart
        .configure_mesh()
        .x_desc(x_desc)
        .y_desc(y_desc)
        .x_label_formatter(&|v| xt.label(*v))
        .y_label_formatter(&|v| yt.label(*v))
        .label_style(font(15))
        .axis_desc_style(font(17))
        .light_line_style(RGBColor(242, 242, 242))
        .draw()
        .map_err(fail(stem))?;
    // The outline, jurisdictions and zones under the density layer.
    if m.outline.is_some() {
        draw_outline(&mut chart, m, &mut legend)?;
    }
    // Density layer.
    let max = d.counts.iter().copied().max().unwrap_or(0).max(1) as f64;
    let cells = d.filled().map(|(corners, c)| {
        let a = 0.08 + 0.6 * (c as f64 / max).sqrt();
        Rectangle::new(corners, RGBColor(80, 80, 80).mix(a).filled())
    });
    chart
        .draw_series(cells)
        .map_err(fail(stem))?
        .label(entry(
            &mut legend,
            "incident density (sample of the stream)",
        ))
        .legend(|(x, y)| {
            Rectangle::new(
                [(x, y - 6), (x + 20, y + 6)],
                RGBColor(80, 80, 80).mix(0.5).filled(),
            )
        });
    // Zones as shaded hulls of their stations (with an outline, as the
    // union of their stations' jurisdictions, drawn above).
    for (zi, z) in m.zones.iter().enumerate().filter(|_| m.outline.is_none()) {
        let c = ZONE_COLOURS[zi % ZONE_COLOURS.len()];
        let pts: Vec<(f64, f64)> = m
            .stations
            .iter()
            .filter(|s| s.zone.as_deref() == Some(z.id.as_str()))
            .map(|s| (s.x_km, s.y_km))
            .collect();
        let h = hull(pts.clone());
        let shape: DynElement<'static, DB, (f64, f64)> = if h.len() >= 3 {
            Polygon::new(h.clone(), c.mix(0.18).filled()).into_dyn()
        } else {
            Circle::new(h[0], 30, c.mix(0.18).filled()).into_dyn()
        };
        let mut outline = h.clone();
        if let Some(f) = h.first() {
            outline.push(*f);
        }
        chart
            .draw_series([
                shape,
                PathElement::new(outline, c.stroke_width(2)).into_dyn(),
            ])
            .map_err(fail(stem))?
            .label(entry(&mut legend, format!("zone {}", z.name)))
            .legend(move |(x, y)| {
                Rectangle::new([(x, y - 6), (x + 20, y + 6)], c.mix(0.4).filled())
            });
    }
    // Demand points sized by share.
    let smax = m
        .demand
        .iter()
        .map(|p| p.share)
        .fold(0.0, f64::max)
        .max(1e-12);
    chart
        .draw_series(m.demand.iter().filter(|p| !p.area).map(|p| {
            Circle::new(
                (p.x_km, p.y_km),
                (4.0 + 14.0 * (p.share / smax).sqrt()) as i32,
                RGBColor(0, 114, 178).mix(0.35).filled(),
            )
        }))
        .map_err(fail(stem))?
        .label(entry(&mut legend, "demand point (size = call volume)"))
        .legend(|(x, y)| Circle::new((x + 10, y), 7, RGBColor(0, 114, 178).mix(0.35).filled()));
    // Squad urban areas.
    for b in &m.bases {
        if let (Some(r), Some(c)) = (b.urban_radius_km, b.urban_centre) {
            let ring: Vec<(f64, f64)> = (0..=72)
                .map(|k| {
                    let a = k as f64 / 72.0 * std::f64::consts::TAU;
                    (c[0] + r * a.cos(), c[1] + r * a.sin())
                })
                .collect();
            chart
                .draw_series(std::iter::once(PathElement::new(
                    ring,
                    RGBColor(213, 94, 0).stroke_width(2),
                )))
                .map_err(fail(stem))?
                .label(entry(
                    &mut legend,
                    format!(
                        "urban area kept by {}",
                        if b.name.is_empty() { &b.id } else { &b.name }
                    ),
                ))
                .legend(|(x, y)| {
                    PathElement::new(
                        vec![(x, y), (x + 20, y)],
                        RGBColor(213, 94, 0).stroke_width(2),
                    )
                });
        }
    }
    // Stations and hubs.
    chart
        .draw_series(
            m.stations
                .iter()
                .filter(|s| !s.hub)
                .map(|s| TriangleMarker::new((s.x_km, s.y_km), 8, BLACK.filled())),
        )
        .map_err(fail(stem))?
        .label(entry(&mut legend, "station"))
        .legend(|(x, y)| TriangleMarker::new((x + 10, y), 7, BLACK.filled()));
    if m.stations.iter().any(|s| s.hub) {
        chart
            .draw_series(m.stations.iter().filter(|s| s.hub).map(|s| {
                let (px, py) = (s.x_km, s.y_km);
                EmptyElement::at((px, py)) + Rectangle::new([(-9, -9), (9, 9)], BLACK.filled())
            }))
            .map_err(fail(stem))?
            .label(entry(&mut legend, "hub (central station)"))
            .legend(|(x, y)| Rectangle::new([(x + 3, y - 7), (x + 17, y + 7)], BLACK.filled()));
    }
    // Labels go where they overlap no marker and no other label.
    let mut placed: Vec<(i32, i32, i32, i32)> = m
        .stations
        .iter()
        .map(|s| (s.x_km, s.y_km))
        .chain(m.bases.iter().map(|b| (b.x_km, b.y_km)))
        .chain(m.posts.iter().map(|p| (p.x_km, p.y_km)))
        .map(|p| {
            let (x, y) = chart.backend_coord(&p);
            (x - 9, y - 9, x + 9, y + 9)
        })
        .collect();
    let labels: Vec<((f64, f64), String, u32)> = m
        .stations
        .iter()
        .map(|s| ((s.x_km, s.y_km), m.station_name(&s.id).to_string(), 14))
        .chain(m.bases.iter().map(|b| {
            let name = if b.name.is_empty() { &b.id } else { &b.name };
            ((b.x_km, b.y_km), format!("{name} ({})", b.role), 13)
        }))
        .collect();
    let (mut halos, mut texts) = (Vec::new(), Vec::new());
    for (p, text, size) in labels {
        let (x, y) = chart.backend_coord(&p);
        // Measured with the font, so labels in Chinese (a full em a
        // character) get as much room as they take.
        let (w, h) = area
            .estimate_text_size(&text, &font(size))
            .map_err(fail(stem))?;
        let (w, h) = (w as i32, h as i32 + 2);
        // (dx, dy, horizontal, vertical): NE, SE, NW, SW of the marker.
        let options = [
            (10, -8, HPos::Left, VPos::Bottom),
            (10, 8, HPos::Left, VPos::Top),
            (-10, -8, HPos::Right, VPos::Bottom),
            (-10, 8, HPos::Right, VPos::Top),
        ];
        let boxed = |(dx, dy, hp, vp): (i32, i32, HPos, VPos)| {
            let x0 = if matches!(hp, HPos::Left) {
                x + dx
            } else {
                x + dx - w
            };
            let y0 = if matches!(vp, VPos::Bottom) {
                y + dy - h
            } else {
                y + dy
            };
            (x0, y0, x0 + w, y0 + h)
        };
        let overlap = |b: (i32, i32, i32, i32)| -> i32 {
            placed
                .iter()
                .map(|o| {
                    ((b.2.min(o.2) - b.0.max(o.0)).max(0)) * ((b.3.min(o.3) - b.1.max(o.1)).max(0))
                })
                .sum()
        };
        let best = options
            .iter()
            .copied()
            .min_by_key(|o| overlap(boxed(*o)))
            .expect("four options");
        let b = boxed(best);
        placed.push(b);
        // A light box under the text, so that outline, jurisdiction and
        // zone lines and the density layer never run through a name.
        halos.push(
            EmptyElement::at(p)
                + Rectangle::new(
                    [(b.0 - x - 2, b.1 - y - 1), (b.2 - x + 2, b.3 - y + 1)],
                    WHITE.mix(0.8).filled(),
                ),
        );
        texts.push(
            EmptyElement::at(p)
                + Text::new(
                    text,
                    (best.0, best.1),
                    font(size).pos(Pos::new(best.2, best.3)),
                ),
        );
    }
    chart.draw_series(halos).map_err(fail(stem))?;
    chart.draw_series(texts).map_err(fail(stem))?;
    if !m.posts.is_empty() {
        chart
            .draw_series(m.posts.iter().map(|p| {
                EmptyElement::at((p.x_km, p.y_km))
                    + Polygon::new(
                        vec![(0, -9), (9, 0), (0, 9), (-9, 0)],
                        RGBColor(230, 159, 0).filled(),
                    )
            }))
            .map_err(fail(stem))?
            .label(entry(&mut legend, "standby post (peak hours)"))
            .legend(|(x, y)| {
                EmptyElement::at((x + 10, y))
                    + Polygon::new(
                        vec![(0, -7), (7, 0), (0, 7), (-7, 0)],
                        RGBColor(230, 159, 0).filled(),
                    )
            });
    }
    if !m.bases.is_empty() {
        chart
            .draw_series(
                m.bases
                    .iter()
                    .map(|b| Cross::new((b.x_km, b.y_km), 9, RGBColor(213, 94, 0).stroke_width(3))),
            )
            .map_err(fail(stem))?
            .label(entry(&mut legend, "traffic squad / specialist base"))
            .legend(|(x, y)| Cross::new((x + 10, y), 7, RGBColor(213, 94, 0).stroke_width(3)));
    }
    // The legend goes in the corner where it hides least of the county:
    // markers and their labels weigh most, then the county's land and the
    // incident density under it.
    let mut legend_w = 0;
    let mut row_h = 0;
    for text in &legend {
        let (w, h) = area
            .estimate_text_size(text, &font(14))
            .map_err(fail(stem))?;
        legend_w = legend_w.max(w as i32);
        row_h = row_h.max(h as i32);
    }
    let size = (legend_w + 50, (row_h + 6) * legend.len() as i32 + 12);
    let (px, py) = chart.plotting_area().get_pixel_range();
    let land: Vec<Vec<(i32, i32)>> = m
        .outline
        .iter()
        .flatten()
        .flatten()
        .map(|r| {
            r.iter()
                .map(|p| chart.backend_coord(&(p[0], p[1])))
                .collect()
        })
        .collect();
    let cells: Vec<(i32, i32, i32, i32)> = d
        .filled()
        .map(|([sw, ne], _)| {
            let (a, b) = (chart.backend_coord(&sw), chart.backend_coord(&ne));
            (a.0.min(b.0), a.1.min(b.1), a.0.max(b.0), a.1.max(b.1))
        })
        .collect();
    let corner = legend_corner((px, py), size, &placed, &land, &cells);
    draw_legend(&mut chart, corner, 14).map_err(fail(stem))?;
    Ok(())
}

/// Adds `text` to the map's legend entries and returns it for `.label`.
fn entry(legend: &mut Vec<String>, text: impl Into<String>) -> String {
    let text = text.into();
    legend.push(text.clone());
    text
}

/// The corner of the plotting area (pixel ranges `px`, `py`) where a legend
/// box of `size` pixels covers least: markers and labels (`placed`) count
/// 20 times their overlap, the county's land (`land`, rings in pixels) and
/// incident-density `cells` once each. Ties keep the first of upper right,
/// upper left, lower right, lower left.
fn legend_corner(
    (px, py): (std::ops::Range<i32>, std::ops::Range<i32>),
    (w, h): (i32, i32),
    placed: &[(i32, i32, i32, i32)],
    land: &[Vec<(i32, i32)>],
    cells: &[(i32, i32, i32, i32)],
) -> SeriesLabelPosition {
    let inset = 8;
    let overlap = |a: (i32, i32, i32, i32), b: &(i32, i32, i32, i32)| -> i64 {
        i64::from((a.2.min(b.2) - a.0.max(b.0)).max(0))
            * i64::from((a.3.min(b.3) - a.1.max(b.1)).max(0))
    };
    // Even-odd rule over every ring, so holes stay holes.
    let on_land = |x: f64, y: f64| -> bool {
        let mut inside = false;
        for ring in land {
            for (i, &(ax, ay)) in ring.iter().enumerate() {
                let (bx, by) = ring[(i + 1) % ring.len()];
                let (ax, ay, bx, by) = (ax as f64, ay as f64, bx as f64, by as f64);
                if (ay > y) != (by > y) && x < ax + (y - ay) * (bx - ax) / (by - ay) {
                    inside = !inside;
                }
            }
        }
        inside
    };
    let score = |b: (i32, i32, i32, i32)| -> i64 {
        let marks: i64 = placed.iter().map(|p| overlap(b, p)).sum();
        let density: i64 = cells.iter().map(|c| overlap(b, c)).sum();
        // Land sampled on a 4-pixel grid, each sample standing for 16 px².
        let mut ground = 0;
        for y in (b.1..b.3).step_by(4) {
            for x in (b.0..b.2).step_by(4) {
                if on_land(x as f64 + 2.0, y as f64 + 2.0) {
                    ground += 16;
                }
            }
        }
        20 * marks + density + ground
    };
    let (left, right) = (px.start + inset, px.end - inset - w);
    let (top, bottom) = (py.start + inset, py.end - inset - h);
    [
        (SeriesLabelPosition::UpperRight, right, top),
        (SeriesLabelPosition::UpperLeft, left, top),
        (SeriesLabelPosition::LowerRight, right, bottom),
        (SeriesLabelPosition::LowerLeft, left, bottom),
    ]
    .into_iter()
    .map(|(pos, x, y)| (score((x, y, x + w, y + h)), pos))
    .min_by_key(|(s, _)| *s)
    .map(|(_, pos)| pos)
    .expect("four corners")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_map_legend_takes_the_corner_that_hides_least() {
        let area = (0..1000, 0..600);
        let size = (300, 150);
        // Nothing drawn: the first corner, upper right.
        assert!(matches!(
            legend_corner(area.clone(), size, &[], &[], &[]),
            SeriesLabelPosition::UpperRight
        ));
        // Land over the right half: a left corner, the upper one first.
        let right_half = vec![vec![(500, 0), (1000, 0), (1000, 600), (500, 600)]];
        assert!(matches!(
            legend_corner(area.clone(), size, &[], &right_half, &[]),
            SeriesLabelPosition::UpperLeft
        ));
        // A station marker in the upper left too: lower left.
        let marker = [(20, 20, 40, 40)];
        assert!(matches!(
            legend_corner(area.clone(), size, &marker, &right_half, &[]),
            SeriesLabelPosition::LowerLeft
        ));
        // A hole in the land (even-odd) leaves the lower right free.
        let hole = vec![
            vec![(0, 0), (1000, 0), (1000, 600), (0, 600)],
            vec![(600, 400), (1000, 400), (1000, 600), (600, 600)],
        ];
        assert!(matches!(
            legend_corner(area.clone(), size, &[], &hole, &[]),
            SeriesLabelPosition::LowerRight
        ));
        // Density cells count as well: cells in every corner but the lower
        // left.
        let cells = [(700, 0, 1000, 200), (0, 0, 320, 200), (700, 400, 1000, 600)];
        assert!(matches!(
            legend_corner(area, size, &[], &[], &cells),
            SeriesLabelPosition::LowerLeft
        ));
    }

    #[test]
    fn hull_of_a_square_with_an_inner_point() {
        let h = hull(vec![
            (0.0, 0.0),
            (1.0, 0.0),
            (1.0, 1.0),
            (0.0, 1.0),
            (0.5, 0.5),
        ]);
        assert_eq!(h.len(), 4);
        assert!(!h.contains(&(0.5, 0.5)));
    }

    #[test]
    fn step_points_pass_through_the_cdf() {
        let pts = step_points(&[[5.0, 0.25], [10.0, 0.75], [20.0, 1.0]], 30.0);
        assert!(pts.contains(&(5.0, 0.25)) && pts.contains(&(10.0, 0.75)));
        assert_eq!(pts.last(), Some(&(30.0, 1.0)));
        assert_eq!(nice_max(73.0), 100.0);
        assert_eq!(nice_max(0.12), 0.2);
    }
}
