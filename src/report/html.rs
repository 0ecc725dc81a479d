//! `report.html`: one self-contained page (inline SVG and CSS, no scripts,
//! no network) with the comparison, every chart and the detail tables.

use std::fmt::Write as _;

use super::SummaryFile;
use super::charts::{BACKTEST_CHART, CHARTS, FONT_FAMILY, strategy_colour};
use super::words::{baseline_phrase, nothing_to_compare};
use crate::metrics::GroupSummary;

/// Escapes text for HTML.
pub fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn num(v: Option<f64>, decimals: usize) -> String {
    v.map_or("–".into(), |x| format!("{x:.decimals$}"))
}

const CSS: &str = "
body { margin: 0 auto; max-width: 1240px; padding: 24px; color: #222; line-height: 1.45; }
h1 { font-size: 28px; margin-bottom: 4px; }
h2 { font-size: 22px; margin-top: 36px; border-bottom: 2px solid #ddd; padding-bottom: 4px; }
h3 { font-size: 18px; margin-top: 24px; }
p.meta { color: #555; margin-top: 0; }
p.note { background: #fff7e0; border-left: 4px solid #e6a000; padding: 8px 12px; }
table { border-collapse: collapse; margin: 12px 0; font-size: 13px; }
th, td { padding: 4px 10px; border-bottom: 1px solid #e4e4e4; text-align: right; white-space: nowrap; }
th { background: #f3f3f3; text-align: center; white-space: normal; vertical-align: bottom; min-width: 60px; }
div.wide { overflow-x: auto; }
td.list { white-space: normal; text-align: left; max-width: 460px; }
td.name { text-align: left; }
td[rowspan] { vertical-align: top; }
td:first-child, th:first-child { text-align: left; }
td.better { color: #00734d; font-weight: bold; }
td.worse { color: #b03a00; font-weight: bold; }
span.swatch { display: inline-block; width: 12px; height: 12px; margin-right: 6px; vertical-align: middle; }
figure { margin: 16px 0 28px 0; }
figure svg { width: 100%; height: auto; border: 1px solid #eee; }
figcaption { color: #444; font-size: 15px; margin-top: 6px; }
nav a { margin-right: 14px; }
";

/// The whole page; `svgs` are the charts' SVG texts in [`CHARTS`] order.
pub fn report(data: &SummaryFile, svgs: &[String]) -> String {
    let r = &data.run;
    let mut h = String::new();
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>policesim: {}</title>\n<style>body {{ font-family: {FONT_FAMILY}; }}{CSS}</style>\n</head>\n<body>\n",
        esc(&r.scenario)
    );
    let _ = writeln!(h, "<h1>{}</h1>", esc(&r.scenario));
    let _ = writeln!(
        h,
        "<p class=\"meta\">Scenario file <code>{}</code>; {} replication(s) of {} simulated days (the first {} discarded as warm-up), seed {}, response target {}; baseline <b>{}</b>{}; policesim {}.</p>",
        esc(&r.file),
        r.replications,
        r.days,
        r.warmup_days,
        r.seed,
        esc(&super::describe_targets(r.target_min, &r.area_targets)),
        esc(&baseline_phrase(
            &r.baseline,
            r.scenario_baseline.as_deref()
        )),
        r.incidents_file.as_ref().map_or(String::new(), |f| format!(
            "; incidents replayed from <code>{}</code>",
            esc(f)
        )),
        esc(&r.version)
    );
    if let Some(none) = nothing_to_compare(data.strategies.iter().map(|s| s.strategy.as_str())) {
        let _ = writeln!(h, "<p class=\"meta\">{}.</p>", esc(&capitalise(&none)));
    }
    if !r.description.is_empty() {
        let _ = writeln!(h, "<p>{}</p>", esc(&r.description));
    }
    let _ = writeln!(
        h,
        "<p class=\"note\">{}</p>",
        esc(&super::words::sources_note(r.sources.as_deref()))
    );
    let _ = write!(h, "<nav>");
    for (stem, title, _) in CHARTS {
        let _ = write!(h, "<a href=\"#{stem}\">{}</a>", esc(title));
    }
    if data.backtest.is_some() {
        let _ = write!(h, "<a href=\"#backtest\">Backtest</a>");
    }
    let _ = writeln!(h, "<a href=\"#stations\">Stations</a></nav>");

    // Headline table.
    let _ = writeln!(h, "<h2>Strategies side by side</h2>");
    let _ = writeln!(
        h,
        "<table>\n<tr><th>strategy</th><th>incidents</th><th>mean response (min, ±95% CI)</th><th>median</th><th>90th pct</th><th>within {} (%)</th><th>mean wait (min)</th><th>assembly (min)</th><th>unit utilisation (%)</th><th>officer duty (h/week)</th><th>officer incident load (h/week)</th><th>open at end</th></tr>",
        if r.area_targets.is_empty() {
            format!("{} min", r.target_min)
        } else {
            "each call's area target".to_string()
        }
    );
    for s in &data.strategies {
        let o = &s.overall;
        let _ = writeln!(
            h,
            "<tr><td><span class=\"swatch\" style=\"background:{}\"></span>{}</td><td>{}</td><td>{} ± {}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            hex(&s.strategy),
            esc(&s.strategy),
            o.incidents,
            num(o.response_mean_min, 2),
            num(o.response_mean_ci95_min, 2),
            num(o.response_p50_min, 1),
            num(o.response_p90_min, 1),
            num(o.within_target_pct, 1),
            num(o.wait_mean_min, 2),
            num(o.assembly_mean_min, 1),
            num(o.unit_utilization_pct, 1),
            num(s.officer_duty_hours_per_week, 1),
            num(s.officer_busy_hours_per_week, 1),
            o.open_incidents
        );
    }
    let _ = writeln!(h, "</table>");

    if !data.comparison.is_empty() {
        let _ = writeln!(
            h,
            "<h3>Against the baseline, {}</h3>",
            esc(&baseline_phrase(
                &r.baseline,
                r.scenario_baseline.as_deref()
            ))
        );
        let _ = writeln!(
            h,
            "<p>Differences are paired by replication: in each replication every strategy met exactly the same incidents, so the difference is measured on equal terms. A verdict needs the 95% confidence interval to exclude zero.</p>"
        );
        let _ = writeln!(
            h,
            "<table>\n<tr><th>strategy</th><th>metric</th><th>strategy</th><th>baseline</th><th>difference</th><th>95% CI</th><th>verdict</th></tr>"
        );
        for c in &data.comparison {
            let class = match c.verdict.as_str() {
                "better" => " class=\"better\"",
                "worse" => " class=\"worse\"",
                _ => "",
            };
            let ci = match (c.ci95_low, c.ci95_high) {
                (Some(l), Some(u)) => format!("[{l:+.2}, {u:+.2}]"),
                _ => "–".into(),
            };
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td>{} ({})</td><td>{:.2}</td><td>{:.2}</td><td>{:+.2}</td><td>{ci}</td><td{class}>{}</td></tr>",
                esc(&c.strategy),
                esc(&c.label),
                esc(&c.unit),
                c.strategy_mean,
                c.baseline_mean,
                c.difference,
                esc(&c.verdict)
            );
        }
        let _ = writeln!(h, "</table>");
    }

    for ((stem, title, how), svg) in CHARTS.iter().zip(svgs) {
        let _ = writeln!(h, "<h2 id=\"{stem}\">{}</h2>", esc(title));
        let body = svg.find("<svg").map_or(svg.as_str(), |i| &svg[i..]);
        let _ = writeln!(
            h,
            "<figure>\n{body}\n<figcaption>{}</figcaption>\n</figure>",
            esc(how)
        );
    }

    if let Some(b) = &data.backtest {
        backtest_section(&mut h, b, svgs.get(CHARTS.len()));
    }

    // Officer load by role.
    let _ = writeln!(h, "<h2 id=\"load\">Officer load by role</h2>");
    let _ = writeln!(
        h,
        "<table>\n<tr><th>strategy</th><th>who</th><th>people</th><th>posts filled at all times</th><th>on duty (h/week)</th><th>shifts per month</th><th>night share (%)</th><th>on incidents (h/week)</th><th>called in (h/week)</th><th>on duty, not on 110 (h/week)</th><th>load max/mean</th><th>load CV</th></tr>"
    );
    for s in &data.strategies {
        for role in &s.roles {
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{:.1}</td><td>{:.2}</td><td>{:.1}</td><td>{:.2}</td><td>{:.2}</td><td>{:.1}</td><td>{}</td><td>{}</td></tr>",
                esc(&s.strategy),
                esc(&role.label),
                role.people,
                role.posts,
                role.duty_hours_per_week,
                role.shifts_per_month,
                role.night_share_pct,
                role.busy_hours_per_week,
                role.callout_hours_per_week,
                role.non110_hours_per_week,
                num(role.load_max_over_mean, 2),
                num(role.load_cv, 2)
            );
        }
    }
    let _ = writeln!(h, "</table>");

    // Per-zone and per-station tables.
    if !data.map.zones.is_empty() {
        let _ = writeln!(h, "<h2 id=\"zones\">By zone</h2>");
        let _ = writeln!(
            h,
            "<p>Incidents grouped by the zone of the station whose jurisdiction they fell in (the same grouping under every strategy).</p>"
        );
        let _ = writeln!(
            h,
            "<table>\n<tr><th>zone</th><th>stations</th><th>strategy</th><th>incidents</th><th>mean response (min)</th><th>90th pct (min)</th><th>within target (%)</th></tr>"
        );
        for z in &data.map.zones {
            let members: Vec<&str> = data
                .map
                .stations
                .iter()
                .filter(|s| s.zone.as_deref() == Some(z.id.as_str()))
                .map(|s| s.id.as_str())
                .collect();
            let names: Vec<&str> = members.iter().map(|id| data.map.station_name(id)).collect();
            let label = if z.name == z.id {
                esc(&z.id)
            } else {
                format!("{} ({})", esc(&z.name), esc(&z.id))
            };
            for (i, s) in data.strategies.iter().enumerate() {
                let mut row = String::from("<tr>");
                if i == 0 {
                    let span = data.strategies.len();
                    let _ = write!(
                        row,
                        "<td rowspan=\"{span}\">{label}</td><td rowspan=\"{span}\" class=\"list\">{}</td>",
                        esc(&names.join(", "))
                    );
                }
                let _ = write!(
                    row,
                    "<td class=\"name\"><span class=\"swatch\" style=\"background:{}\"></span>{}</td>",
                    hex(&s.strategy),
                    esc(&s.strategy)
                );
                // The zone's own figures, pooled over its stations'
                // incidents (percentiles and shares cannot be had from the
                // stations' figures); older summaries lack them.
                match s.per_zone.iter().find(|g| g.name == z.id) {
                    Some(g) => {
                        let _ = write!(
                            row,
                            "<td>{}</td><td>{}</td><td>{}</td><td>{}</td>",
                            g.incidents,
                            num(g.response_mean_min, 1),
                            num(g.response_p90_min, 1),
                            num(g.within_target_pct, 1)
                        );
                    }
                    None => {
                        let groups: Vec<&GroupSummary> = s
                            .per_station
                            .iter()
                            .filter(|g| members.contains(&g.name.as_str()))
                            .collect();
                        let n: u64 = groups.iter().map(|g| g.incidents).sum();
                        let mean = (n > 0).then(|| {
                            groups
                                .iter()
                                .map(|g| g.incidents as f64 * g.response_mean_min.unwrap_or(0.0))
                                .sum::<f64>()
                                / n as f64
                        });
                        let _ = write!(
                            row,
                            "<td>{n}</td><td>{}</td><td>–</td><td>–</td>",
                            num(mean, 1)
                        );
                    }
                }
                let _ = writeln!(h, "{row}</tr>");
            }
        }
        let _ = writeln!(h, "</table>");
    }
    let _ = writeln!(h, "<h2 id=\"stations\">By station</h2>");
    for s in &data.strategies {
        let _ = writeln!(h, "<h3>{}</h3>", esc(&s.strategy));
        let _ = writeln!(
            h,
            "<table>\n<tr><th>station (jurisdiction)</th><th>id</th><th>incidents</th><th>mean response (min)</th><th>90th pct (min)</th><th>within target (%)</th><th>mean wait (min)</th><th>answered from another district (%)</th><th>its units' utilisation (%)</th><th>open</th></tr>"
        );
        for g in &s.per_station {
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(data.map.station_name(&g.name)),
                esc(&g.name),
                g.incidents,
                num(g.response_mean_min, 1),
                num(g.response_p90_min, 1),
                num(g.within_target_pct, 1),
                num(g.wait_mean_min, 1),
                num(g.cross_district_pct, 1),
                num(g.unit_utilization_pct, 1),
                g.open_incidents
            );
        }
        let _ = writeln!(h, "</table>");
    }
    let _ = writeln!(
        h,
        "<p class=\"meta\">Made by policesim from <code>summary.json</code>; <code>policesim chart DIR</code> redraws this page and its charts without simulating again.</p>\n</body>\n</html>"
    );
    h
}

/// The strategy's chart colour as `#rrggbb`.
fn hex(strategy: &str) -> String {
    let c = strategy_colour(strategy);
    format!("#{:02x}{:02x}{:02x}", c.0, c.1, c.2)
}

/// `text` with its first letter in upper case.
fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

/// The backtest: the chart, the flagged scopes and the whole table.
fn backtest_section(h: &mut String, b: &crate::backtest::Backtest, svg: Option<&String>) {
    let (stem, title, how) = BACKTEST_CHART;
    let _ = writeln!(h, "<h2 id=\"{stem}\">{}</h2>", esc(title));
    let _ = writeln!(
        h,
        "<p>Strategy <b>{}</b> replayed on <code>{}</code>, each incident's on-scene time set to the observed clear − arrive, against the times the log observed for the same calls (after the warm-up). <i>response</i> is arrive − call, <i>call_to_dispatch</i> dispatch − call, <i>travel</i> arrive − dispatch; minutes. Rows marked ⚠ have a simulated mean more than {:.0}% off the observed one.</p>",
        esc(&b.strategy),
        esc(&b.file),
        100.0 * crate::backtest::FLAG_SHARE
    );
    if let Some(svg) = svg {
        let body = svg.find("<svg").map_or(svg.as_str(), |i| &svg[i..]);
        let _ = writeln!(
            h,
            "<figure>\n{body}\n<figcaption>{}</figcaption>\n</figure>",
            esc(how)
        );
    }
    let flagged: Vec<_> = b.rows.iter().filter(|r| r.flagged()).collect();
    if flagged.is_empty() {
        let _ = writeln!(
            h,
            "<p>No scope is off by more than {:.0}%.</p>",
            100.0 * crate::backtest::FLAG_SHARE
        );
    } else {
        let names: Vec<String> = flagged
            .iter()
            .map(|r| format!("{} {}", r.scope, r.measure))
            .collect();
        let _ = writeln!(
            h,
            "<p class=\"note\">Off by more than {:.0}%: {}.</p>",
            100.0 * crate::backtest::FLAG_SHARE,
            esc(&names.join(", "))
        );
    }
    let _ = writeln!(
        h,
        "<div class=\"wide\"><table>\n<tr><th>scope</th><th>measure</th><th>observed n</th><th>observed mean</th><th>observed p50</th><th>observed p90</th><th>simulated mean</th><th>simulated p50</th><th>simulated p90</th><th>difference of means</th><th></th></tr>"
    );
    for r in &b.rows {
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td{}>{}</td><td>{}</td></tr>",
            esc(&r.scope),
            esc(&r.measure),
            r.observed_n,
            num(r.observed_mean_min, 1),
            num(r.observed_p50_min, 1),
            num(r.observed_p90_min, 1),
            num(r.simulated_mean_min, 1),
            num(r.simulated_p50_min, 1),
            num(r.simulated_p90_min, 1),
            if r.flagged() { " class=\"worse\"" } else { "" },
            num(r.difference_mean_min, 2),
            if r.flagged() { "⚠" } else { "" }
        );
    }
    let _ = writeln!(h, "</table></div>");
}
