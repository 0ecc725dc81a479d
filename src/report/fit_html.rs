//! `FITTED.fit.html`, the report of `policesim fit`: observed and fitted
//! rates by hour of the week, and each kind's on-scene histogram with the
//! fitted densities. One self-contained page (inline SVG, no scripts).

use std::fmt::Write as _;

use plotters::prelude::*;

use super::charts::{ChartError, FONT_FAMILY, colour, font, register_font};
use super::html::esc;
use crate::fit::{DurationFit, Fit};
use crate::scenario::Weekday;

/// Chart size in pixels.
const SIZE: (u32, u32) = (1100, 520);

fn fail<E: std::fmt::Display>(chart: &'static str) -> impl Fn(E) -> ChartError {
    move |e| ChartError {
        chart,
        message: e.to_string(),
    }
}

/// Observed calls per hour (mean over the weeks observed) and the fitted
/// rate, across the 168 hours of a week, Monday 00:00 first.
pub fn rate_svg(f: &Fit) -> Result<String, ChartError> {
    const NAME: &str = "fit rate";
    register_font();
    let a = &f.arrivals;
    let observed: Vec<(f64, f64)> = (0..168)
        .map(|i| {
            let d = Weekday::from_index(i / 24);
            (i as f64 + 0.5, a.observed_per_hour(d, i % 24))
        })
        .collect();
    let fitted: Vec<(f64, f64)> = (0..168)
        .flat_map(|i| {
            let r = a.rate_per_hour(Weekday::from_index(i / 24), i % 24);
            [(i as f64, r), (i as f64 + 1.0, r)]
        })
        .collect();
    let ymax = observed
        .iter()
        .chain(&fitted)
        .map(|p| p.1)
        .fold(0.0, f64::max)
        .max(1e-9)
        * 1.1;
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, SIZE).into_drawing_area();
        root.fill(&WHITE).map_err(fail(NAME))?;
        let mut chart = ChartBuilder::on(&root)
            .margin(20)
            .x_label_area_size(50)
            .y_label_area_size(70)
            .build_cartesian_2d(0.0..168.0, 0.0..ymax)
            .map_err(fail(NAME))?;
        chart
            .configure_mesh()
            .x_labels(8)
            .x_label_formatter(&|v| {
                let i = (*v as usize).min(167);
                if i % 24 == 0 {
                    Weekday::from_index(i / 24).short().to_string()
                } else {
                    format!("{:02}h", i % 24)
                }
            })
            .x_desc("hour of the week (Monday 00:00 first)")
            .y_desc("calls per hour")
            .label_style(font(16))
            .axis_desc_style(font(18))
            .light_line_style(RGBColor(235, 235, 235))
            .draw()
            .map_err(fail(NAME))?;
        let grey = RGBColor(120, 120, 120);
        chart
            .draw_series(
                observed
                    .iter()
                    .map(|&(x, y)| Circle::new((x, y), 3, grey.filled())),
            )
            .map_err(fail(NAME))?
            .label("observed (mean over the weeks of the log)")
            .legend(move |(x, y)| Circle::new((x + 12, y), 4, grey.filled()));
        let c = colour(0);
        chart
            .draw_series(LineSeries::new(fitted, c.stroke_width(3)))
            .map_err(fail(NAME))?
            .label("fitted: per_day × hourly × weekly")
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 24, y)], c.stroke_width(3)));
        super::charts::draw_legend(&mut chart, SeriesLabelPosition::UpperLeft, 16)
            .map_err(fail(NAME))?;
        root.present().map_err(fail(NAME))?;
    }
    Ok(out)
}

/// A density histogram of one kind's on-scene times up to their 99th
/// percentile, with every candidate's fitted density (the chosen one thick).
pub fn duration_svg(kind: &str, d: &DurationFit) -> Result<String, ChartError> {
    const NAME: &str = "fit durations";
    register_font();
    let xs = &d.values;
    let xmax = crate::fit::quantile(xs, 0.99).max(xs[0] * 1.01);
    let bins = ((xs.len() as f64).sqrt().ceil() as usize).clamp(10, 60);
    let width = xmax / bins as f64;
    let mut counts = vec![0usize; bins];
    for &x in xs {
        if x < xmax {
            counts[((x / width) as usize).min(bins - 1)] += 1;
        }
    }
    let n = xs.len() as f64;
    let density: Vec<f64> = counts.iter().map(|&c| c as f64 / (n * width)).collect();
    let curves: Vec<Vec<(f64, f64)>> = d
        .candidates
        .iter()
        .map(|c| {
            (1..=200)
                .map(|i| {
                    let x = xmax * i as f64 / 200.0;
                    (x, c.fitted.pdf(x))
                })
                .collect()
        })
        .collect();
    let ymax = density
        .iter()
        .copied()
        .chain(
            curves
                .iter()
                .flatten()
                .map(|p| p.1)
                .filter(|y| y.is_finite()),
        )
        .fold(0.0, f64::max)
        .max(1e-12);
    // A density that shoots up near 0 (shape < 1) must not flatten the rest.
    let ymax = ymax.min(density.iter().copied().fold(0.0, f64::max) * 2.0) * 1.1;
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, SIZE).into_drawing_area();
        root.fill(&WHITE).map_err(fail(NAME))?;
        let mut chart = ChartBuilder::on(&root)
            .margin(20)
            .caption(format!("{kind}: {} on-scene times", xs.len()), font(20))
            .x_label_area_size(50)
            .y_label_area_size(80)
            .build_cartesian_2d(0.0..xmax, 0.0..ymax)
            .map_err(fail(NAME))?;
        chart
            .configure_mesh()
            .x_desc("minutes on scene (up to the 99th percentile)")
            .y_desc("density (per minute)")
            .label_style(font(16))
            .axis_desc_style(font(18))
            .light_line_style(RGBColor(235, 235, 235))
            .draw()
            .map_err(fail(NAME))?;
        let bar = RGBColor(200, 200, 200);
        chart
            .draw_series(density.iter().enumerate().map(|(i, &y)| {
                let x0 = i as f64 * width;
                Rectangle::new([(x0, 0.0), (x0 + width, y.min(ymax))], bar.filled())
            }))
            .map_err(fail(NAME))?
            .label("observed")
            .legend(move |(x, y)| Rectangle::new([(x, y - 6), (x + 24, y + 6)], bar.filled()));
        for (i, (c, pts)) in d.candidates.iter().zip(curves).enumerate() {
            let colour = colour(i + 1);
            let w = if i == d.chosen { 4 } else { 2 };
            let pts: Vec<(f64, f64)> = pts
                .into_iter()
                .map(|(x, y)| (x, if y.is_finite() { y.min(ymax) } else { ymax }))
                .collect();
            let label = format!(
                "{}{} (AIC {:.1}, KS D {:.3})",
                c.fitted.family().name(),
                if i == d.chosen { ", chosen" } else { "" },
                c.aic,
                c.ks
            );
            chart
                .draw_series(LineSeries::new(pts, colour.stroke_width(w)))
                .map_err(fail(NAME))?
                .label(label)
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 24, y)], colour.stroke_width(w))
                });
        }
        super::charts::draw_legend(&mut chart, SeriesLabelPosition::UpperRight, 16)
            .map_err(fail(NAME))?;
        root.present().map_err(fail(NAME))?;
    }
    Ok(out)
}

const CSS: &str = "body { margin: 2em auto; max-width: 1150px; color: #222; } \
table { border-collapse: collapse; margin: 0.5em 0 1.5em; } \
td, th { padding: 0.2em 0.8em; border-bottom: 1px solid #ddd; text-align: right; } \
td:first-child, th:first-child, td.l { text-align: left; } \
.chosen { font-weight: bold; } .bad { color: #b00; font-weight: bold; } \
svg { max-width: 100%; height: auto; }";

/// The whole fit report. `fitted` names the fitted scenario file and
/// `log` the log it came from.
pub fn fit_report(f: &Fit, fitted: &str, log: &str) -> Result<String, ChartError> {
    let a = &f.arrivals;
    let t = &a.uniform_test;
    let mut h = String::new();
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>policesim fit: {}</title>\n<style>body {{ font-family: {FONT_FAMILY}; }} {CSS}</style>\n</head>\n<body>\n",
        esc(fitted)
    );
    let _ = writeln!(h, "<h1>Fit of <code>{}</code></h1>", esc(fitted));
    let _ = writeln!(
        h,
        "<p>From <code>{}</code>: {} calls over {} days, minute 0 a {}. Every number below is an estimate from the log; the fitted scenario's comments say how each was made.</p>",
        esc(log),
        f.n,
        a.days,
        f.start_weekday
    );
    let _ = writeln!(h, "<h2>Arrivals</h2>");
    let _ = writeln!(
        h,
        "<p><b>{:.2}</b> calls a day (mean over a week). Kim &amp; Whitt's conditional-uniform KS test of the fitted rate, week by week: D = {:.4} over {} calls, p = {:.3}: <span class=\"{}\">{}</span>.</p>",
        a.per_day,
        t.d,
        t.n,
        t.p_value,
        if t.rejected() { "bad" } else { "ok" },
        if t.rejected() {
            "rejected at the 5 % level: the hour × weekday profile does not describe the log"
        } else {
            "not rejected at the 5 % level"
        }
    );
    let _ = writeln!(h, "{}", rate_svg(f)?);
    let _ = write!(h, "<table><tr><th>weekday</th>");
    for d in Weekday::ALL {
        let _ = write!(h, "<th>{}</th>", d.short());
    }
    let _ = write!(h, "</tr><tr><td>days observed</td>");
    for m in a.weekdays_observed {
        let _ = write!(h, "<td>{m}</td>");
    }
    let _ = write!(h, "</tr><tr><td>fitted factor</td>");
    for w in a.weekly {
        let _ = write!(h, "<td>{w:.3}</td>");
    }
    let _ = writeln!(h, "</tr></table>");
    let _ = writeln!(h, "<h2>Kinds and on-scene times</h2>");
    let _ = writeln!(
        h,
        "<p>Each kind's on-scene times are fitted by maximum likelihood to four families; the smallest AIC is chosen (bold). KS D is the largest gap between the observed and the fitted distribution function.</p>"
    );
    for k in &f.kinds {
        let _ = writeln!(
            h,
            "<h3>{}</h3>\n<p>{} calls, share {:.4}.</p>",
            esc(&k.name),
            k.n,
            k.share
        );
        let Some(d) = &k.on_scene else {
            let _ = writeln!(
                h,
                "<p>Too few observed on-scene times to fit: the base's distribution is kept.</p>"
            );
            continue;
        };
        let _ = writeln!(
            h,
            "<table><tr><th>family</th><th>parameters (minutes)</th><th>AIC</th><th>KS D</th></tr>"
        );
        for (i, c) in d.candidates.iter().enumerate() {
            let _ = writeln!(
                h,
                "<tr{}><td>{}{}</td><td class=\"l\">{}</td><td>{:.1}</td><td>{:.4}</td></tr>",
                if i == d.chosen {
                    " class=\"chosen\""
                } else {
                    ""
                },
                c.fitted.family().name(),
                if i == d.chosen { " (chosen)" } else { "" },
                esc(&c.fitted.describe()),
                c.aic,
                c.ks
            );
        }
        let _ = writeln!(h, "</table>");
        if let Some(c) = &k.caveat {
            let _ = writeln!(h, "<p class=\"note\">Note: {}.</p>", esc(c));
        }
        let _ = writeln!(h, "{}", duration_svg(&k.name, d)?);
    }
    let _ = writeln!(h, "<h2>Demand, delays and travel</h2><ul>");
    let _ = writeln!(
        h,
        "<li>{} demand points from {} km cells.</li>",
        f.demand.len(),
        f.cell_km
    );
    if let Some(d) = &f.call_to_dispatch {
        let _ = writeln!(
            h,
            "<li>Call to dispatch: {} observed, median {:.2} min, mean {:.2}, 90th percentile {:.2}.</li>",
            d.n, d.median, d.mean, d.p90
        );
    }
    if let Some(tr) = &f.travel {
        let _ = writeln!(
            h,
            "<li>Travel (an estimate): Theil–Sen line of {} dispatch-to-arrive times, {:.2} min + {:.3} min per straight-line km (speed {:.1} km/h at detour {}), median absolute residual {:.2} min.</li>",
            tr.n, tr.intercept_min, tr.min_per_km, tr.speed_kmh, tr.detour, tr.median_abs_residual
        );
    }
    let _ = writeln!(h, "</ul>\n</body>\n</html>");
    Ok(h)
}
