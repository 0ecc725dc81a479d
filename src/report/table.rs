//! Plain-text tables for the console (kept within 100 columns for short
//! names).
//!
//! Columns line up by display width, not by characters: a Chinese
//! character takes two terminal columns, so every table goes through
//! [`Table`], which measures cells with `unicode-width` and widens a column
//! to its widest cell.

use std::fmt::Write as _;

use unicode_width::UnicodeWidthStr;

use crate::experiment::Outcome;
use crate::incidents::calls_per_day_by_station;
use crate::metrics::GroupSummary;
use crate::scenario::Scenario;

/// How a column's cells are aligned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Align {
    Left,
    Right,
}
use Align::{Left as L, Right as R};

/// `s` padded with spaces to `width` terminal columns.
fn pad(s: &str, width: usize, align: Align) -> String {
    let fill = " ".repeat(width.saturating_sub(s.width()));
    match align {
        Align::Left => format!("{s}{fill}"),
        Align::Right => format!("{fill}{s}"),
    }
}

/// One line of a [`Table`].
enum Line {
    /// Cells, one per column (a short row leaves the last columns empty).
    Cells(Vec<String>),
    /// Text printed as it is, outside the columns (a group heading).
    Text(String),
}

/// A console table: columns of a minimum width, each as wide as its widest
/// cell in display columns, separated by a gap.
pub(crate) struct Table {
    /// Alignment, minimum width and the gap before each column.
    cols: Vec<(Align, usize, &'static str)>,
    lines: Vec<Line>,
}

impl Table {
    /// Columns of `(alignment, minimum width)`, one space apart.
    pub(crate) fn new(cols: &[(Align, usize)]) -> Self {
        Self {
            cols: cols
                .iter()
                .enumerate()
                .map(|(i, &(a, w))| (a, w, if i == 0 { "" } else { " " }))
                .collect(),
            lines: Vec::new(),
        }
    }

    /// Sets the gap before column `i`.
    fn gap(mut self, i: usize, gap: &'static str) -> Self {
        self.cols[i].2 = gap;
        self
    }

    pub(crate) fn row<S: Into<String>>(&mut self, cells: impl IntoIterator<Item = S>) {
        self.lines
            .push(Line::Cells(cells.into_iter().map(Into::into).collect()));
    }

    pub(crate) fn text(&mut self, text: impl Into<String>) {
        self.lines.push(Line::Text(text.into()));
    }

    /// Writes the table, each line after `indent`, without trailing blanks.
    pub(crate) fn write(&self, out: &mut String, indent: &str) {
        let mut widths: Vec<usize> = self.cols.iter().map(|c| c.1).collect();
        for line in &self.lines {
            if let Line::Cells(cells) = line {
                for (w, c) in widths.iter_mut().zip(cells) {
                    *w = (*w).max(c.width());
                }
            }
        }
        for line in &self.lines {
            let text = match line {
                Line::Text(t) => t.clone(),
                Line::Cells(cells) => {
                    let mut t = String::new();
                    for ((cell, &(align, _, gap)), &w) in cells.iter().zip(&self.cols).zip(&widths)
                    {
                        t.push_str(gap);
                        t.push_str(&pad(cell, w, align));
                    }
                    t
                }
            };
            let _ = writeln!(out, "{indent}{}", text.trim_end());
        }
    }
}

fn num(v: Option<f64>, width: usize, decimals: usize) -> String {
    match v {
        Some(x) => format!("{x:>width$.decimals$}"),
        None => format!("{:>width$}", "-"),
    }
}

fn ci(mean: Option<f64>, half: Option<f64>) -> String {
    match (mean, half) {
        (Some(m), Some(h)) => format!("{m:>6.2} ±{h:>5.2}"),
        (Some(m), None) => format!("{m:>6.2}       "),
        _ => format!("{:>13}", "-"),
    }
}

/// The cells of one row of the response table.
fn row(name: &str, g: &GroupSummary) -> Vec<String> {
    vec![
        name.to_string(),
        g.incidents.to_string(),
        ci(g.response_mean_min, g.response_mean_ci95_min),
        num(g.response_p50_min, 6, 1),
        num(g.response_p90_min, 6, 1),
        num(g.response_p95_min, 6, 1),
        num(g.within_target_pct, 6, 1),
        num(g.wait_mean_min, 6, 2),
        num(g.assembly_mean_min, 6, 1),
        num(g.unit_utilization_pct, 5, 1),
        g.open_incidents.to_string(),
    ]
}

/// The two header lines of the response table. The within-target
/// column's heading is `<=15m`, or `<=tgt` when each area has its own target.
fn header(t: &mut Table, first: &str, s: &Scenario) {
    let target = if s.has_area_targets() {
        "<=tgt".to_string()
    } else {
        format!("<={:.0}m", s.target_min)
    };
    t.row([
        first,
        "calls",
        "response mean",
        "p50",
        "p90",
        "p95",
        &target,
        "wait",
        "assem",
        "util",
        "open",
    ]);
    t.row([
        "",
        "",
        "(min ±95%CI)",
        "(min)",
        "(min)",
        "(min)",
        "(%)",
        "(min)",
        "(min)",
        "(%)",
        "",
    ]);
}

/// The comparison table printed by `policesim run`: one row per strategy, then
/// response by incident kind.
pub fn render_table(s: &Scenario, outcome: &Outcome) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}: {} replication(s) x {} days (warm-up {} days), seed {}",
        s.name, outcome.replications, outcome.days, s.warmup_days, outcome.seed
    );
    let _ = writeln!(out);
    // One table for both parts, so the kinds line up under the strategies.
    let mut t = Table::new(&[
        (L, 10),
        (R, 8),
        (R, 13),
        (R, 6),
        (R, 6),
        (R, 6),
        (R, 6),
        (R, 6),
        (R, 6),
        (R, 5),
        (R, 5),
    ]);
    header(&mut t, "strategy", s);
    for st in &outcome.strategies {
        t.row(row(&st.summary.strategy, &st.summary.overall));
    }
    t.text("");
    header(&mut t, "by kind", s);
    for st in &outcome.strategies {
        t.text(st.summary.strategy.clone());
        for k in &st.summary.per_kind {
            t.row(row(&format!("  {}", k.name), k));
        }
    }
    t.write(&mut out, "");
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "response = call to first unit on scene; wait = ready to first unit assigned;"
    );
    let _ = writeln!(
        out,
        "assem = call to all units on scene (multi-unit kinds); util = busy share of on-duty time."
    );
    if s.has_area_targets() {
        let _ = writeln!(
            out,
            "<=tgt = within {}.",
            super::describe_targets(s.target_min, &super::area_targets(s))
        );
    }
    out
}

/// The road network's size and pieces, for `policesim check`.
fn describe_network(r: &crate::roads::RoadTravel) -> String {
    let net = r.network();
    let st = net.stats();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "  network {}: {} way(s), {} nodes, {} directed edges ({} one-way), {:.1} km of road",
        net.file(),
        st.ways,
        st.nodes,
        st.edges,
        st.oneway_edges,
        st.km
    );
    let _ = writeln!(
        out,
        "    {} connected piece(s); the main piece (largest, connected both ways) holds {} node(s), {:.1} %: every point joins it",
        st.pieces,
        st.main_nodes,
        100.0 * st.main_nodes as f64 / st.nodes.max(1) as f64
    );
    if st.maxspeed_used > 0 {
        let _ = writeln!(
            out,
            "    {} way(s) drive at their maxspeed instead of their class speed",
            st.maxspeed_used
        );
    }
    if !st.skipped.is_empty() {
        let skipped: Vec<String> = st
            .skipped
            .iter()
            .map(|(class, n)| format!("{class} {n}"))
            .collect();
        let _ = writeln!(
            out,
            "    not driven on (no speed for the class): {}",
            skipped.join(", ")
        );
    }
    let _ = writeln!(
        out,
        "    shortest-path tables from {} base point(s){}: {:.1} MB",
        r.bases().len(),
        if net.directed() { " and back" } else { "" },
        r.table_bytes() as f64 / 1e6
    );
    let off: Vec<String> = r
        .bases()
        .iter()
        .filter(|&&b| net.join(b).off_main)
        .map(|b| format!("({:.2}, {:.2})", b.x_km, b.y_km))
        .collect();
    if !off.is_empty() {
        let _ = writeln!(
            out,
            "    WARNING: base point(s) whose nearest road is not on the main piece: {}",
            off.join(", ")
        );
    }
    out
}

/// What `policesim check` prints: the scenario's content and expected load.
pub fn describe(s: &Scenario) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "scenario {:?} ({})", s.name, s.file);
    if !s.description.is_empty() {
        let _ = writeln!(out, "  {}", s.description);
    }
    if let Some(sources) = &s.sources {
        let _ = writeln!(out, "  sources: {sources}");
    }
    let _ = writeln!(
        out,
        "  {} days (warm-up {}), {} replication(s), seed {}, target {}",
        s.days,
        s.warmup_days,
        s.replications,
        s.seed,
        super::describe_targets(s.target_min, &super::area_targets(s))
    );
    match &s.travel {
        crate::map::TravelModel::Euclidean {
            speed_kmh,
            detour,
            turnout_min,
        } => {
            let _ = writeln!(
                out,
                "  travel: {speed_kmh} km/h, detour {detour}, turnout {turnout_min} min; call processing {} min, hand-off {} min",
                s.call_processing_min, s.handoff_min
            );
        }
        crate::map::TravelModel::Network(r) => {
            let _ = writeln!(
                out,
                "  travel: road network, access legs at {} km/h, turnout {} min; call processing {} min, hand-off {} min",
                r.access_speed_kmh(),
                r.turnout_min(),
                s.call_processing_min,
                s.handoff_min
            );
            out.push_str(&describe_network(r));
        }
    }
    let _ = writeln!(
        out,
        "  {} station(s), {} demand point(s), {:.1} calls/day, {} kind(s)",
        s.stations.len(),
        s.demand.len(),
        s.incidents.per_day,
        s.incidents.kinds.len()
    );
    if s.incidents.weekly.is_some() {
        let days: Vec<String> = crate::scenario::Weekday::ALL
            .iter()
            .map(|d| format!("{} {:.2}", d.short(), s.incidents.day_factor(*d)))
            .collect();
        let _ = writeln!(
            out,
            "  weekly profile (calls relative to the mean day): {}; day 0 is a {}",
            days.join(", "),
            s.start_weekday
        );
    } else if s.start_weekday != crate::scenario::Weekday::Monday {
        let _ = writeln!(out, "  day 0 is a {}", s.start_weekday);
    }
    if let Some(b) = &s.boundary {
        let area_share: f64 = s
            .demand
            .iter()
            .filter(|d| d.area)
            .fold(0.0, |sum, d| sum + d.weight)
            / s.demand.iter().map(|d| d.weight).sum::<f64>();
        let _ = writeln!(
            out,
            "  outline: {} ({}), {:.0} km², datum {}; {:.1} % of calls spread over it",
            b.feature,
            b.file,
            b.area_km2,
            s.datum.as_str(),
            100.0 * area_share
        );
    }
    let _ = writeln!(out);
    // Names only where some station has one besides its id.
    let names = s.stations.iter().any(|st| st.name != st.id);
    let mut t = Table::new(&[
        (L, 14),
        (L, if names { 14 } else { 0 }),
        (R, 9),
        (R, 9),
        (R, 5),
        (R, 5),
        (R, 8),
        (R, 9),
    ])
    .gap(1, if names { " " } else { "" });
    t.row([
        "station",
        if names { "name" } else { "" },
        "x (km)",
        "y (km)",
        "off",
        "aux",
        "demand",
        "calls/day",
    ]);
    let calls = calls_per_day_by_station(s);
    for (i, st) in s.stations.iter().enumerate() {
        let n_demand = s.demand.iter().filter(|d| d.station == i).count();
        t.row([
            st.id.clone(),
            if names {
                st.name.clone()
            } else {
                String::new()
            },
            format!("{:.2}", st.pos.x_km),
            format!("{:.2}", st.pos.y_km),
            st.officers.to_string(),
            st.auxiliaries.to_string(),
            n_demand.to_string(),
            format!("{:.2}", calls[i]),
        ]);
    }
    t.write(&mut out, "");
    if !s.zones.is_empty() {
        let _ = writeln!(out);
        let mut t = Table::new(&[(L, 14), (L, 14), (L, 10), (L, 0)]);
        t.row(["zone", "name", "hub", "stations"]);
        for z in &s.zones {
            let members: Vec<&str> = z
                .stations
                .iter()
                .map(|&i| s.stations[i].id.as_str())
                .collect();
            t.row([
                z.id.clone(),
                z.name.clone(),
                s.stations[z.hub].id.clone(),
                members.join(", "),
            ]);
        }
        t.write(&mut out, "");
    }
    let _ = writeln!(out);
    let mut t = Table::new(&[(L, 14), (R, 6), (R, 8), (R, 6), (R, 5), (R, 7), (R, 6)]);
    t.row(["kind", "share", "priority", "units", "", "scene", "case"]);
    for k in &s.incidents.kinds {
        t.row([
            k.name.clone(),
            format!("{:.3}", k.share),
            k.priority.to_string(),
            k.units.to_string(),
            String::new(),
            format!("{:.1}", k.on_scene.mean()),
            format!("{:.1}", k.case_handling.mean()),
        ]);
    }
    t.write(&mut out, "");
    let _ = writeln!(out, "  (scene, case = mean minutes)");
    for cfg in &s.strategies {
        let _ = writeln!(out);
        let _ = writeln!(out, "strategy {} (baseline: {})", cfg.name(), s.baseline);
        let _ = writeln!(out, "  {}", cfg.summary_line(s));
        let Ok(plan) = cfg.plan(s) else { continue };
        let mut kinds: Vec<(String, usize)> = Vec::new();
        for u in &plan.fleet {
            let k = u.kind.label().to_string();
            match kinds.iter_mut().find(|(n, _)| *n == k) {
                Some(e) => e.1 += 1,
                None => kinds.push((k, 1)),
            }
        }
        let list: Vec<String> = kinds.iter().map(|(k, n)| format!("{n} {k}")).collect();
        let _ = writeln!(out, "  units: {}", list.join(", "));
        if let crate::scenario::StrategyConfig::Efficiency(e) = cfg {
            let posts: Vec<String> = e
                .units_per_post()
                .into_iter()
                .map(|(p, n)| match n {
                    0 => format!("{} none", s.stations[p].id),
                    n => format!("{} {n} unit(s)", s.stations[p].id),
                })
                .collect();
            let _ = writeln!(out, "  posts: {}", posts.join(", "));
        }
        let mut t = Table::new(&[(L, 40), (R, 7), (R, 6), (R, 12)]);
        t.row([
            "who (rotating through posts)",
            "people",
            "posts",
            "duty h/week",
        ]);
        for p in &plan.roster.pools {
            if p.posts == 0 {
                continue;
            }
            t.row([
                p.name.clone(),
                p.people.to_string(),
                p.posts.to_string(),
                format!(
                    "{:.1}",
                    168.0 * f64::from(p.posts) / f64::from(p.people.max(1))
                ),
            ]);
        }
        t.write(&mut out, "  ");
    }
    out
}

/// The paired comparison against the baseline and the officer-load table.
pub fn render_comparison(s: &Scenario, outcome: &Outcome) -> String {
    let mut out = String::new();
    let summaries: Vec<_> = outcome
        .strategies
        .iter()
        .map(|o| o.summary.clone())
        .collect();
    let mut t = Table::new(&[
        (L, 18),
        (R, 8),
        (R, 8),
        (R, 8),
        (R, 8),
        (R, 8),
        (R, 8),
        (R, 7),
    ]);
    t.row([
        "officer load",
        "on duty",
        "duty",
        "busy",
        "non-110",
        "aux duty",
        "load",
        "cross-",
    ]);
    t.row([
        "(per person)",
        "off+aux",
        "(h/wk)",
        "(h/wk)",
        "(h/wk)",
        "(h/wk)",
        "CV",
        "dist %",
    ]);
    for st in &summaries {
        t.row([
            st.strategy.clone(),
            format!("{}+{}", st.on_duty_officers, st.on_duty_auxiliaries),
            num(st.officer_duty_hours_per_week, 8, 1),
            num(st.officer_busy_hours_per_week, 8, 1),
            num(st.officer_non110_hours_per_week, 8, 1),
            num(st.aux_duty_hours_per_week, 8, 1),
            num(st.officer_load_cv, 8, 2),
            num(st.overall.cross_district_pct, 7, 1),
        ]);
    }
    t.write(&mut out, "");
    if let Some(none) =
        super::words::nothing_to_compare(summaries.iter().map(|s| s.strategy.as_str()))
    {
        let _ = writeln!(out);
        let _ = writeln!(out, "{none}");
        return out;
    }
    let comparison = crate::compare::compare(&summaries, &outcome.baseline);
    let own = (outcome.baseline != s.baseline).then_some(s.baseline.as_str());
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "vs {} (paired by replication: difference [95% CI])",
        super::words::baseline_phrase(&outcome.baseline, own)
    );
    let mut t = Table::new(&[(L, 8), (L, 28), (R, 9), (R, 17), (L, 0)]).gap(4, "  ");
    t.row(["strategy", "metric", "diff", "95% CI", "verdict"]);
    for c in &comparison {
        let ci = match (c.ci95_low, c.ci95_high) {
            (Some(l), Some(h)) => format!("[{l:+.2}, {h:+.2}]"),
            _ => "-".into(),
        };
        t.row([
            c.strategy.clone(),
            format!("{} ({})", c.label, c.unit.replace("h/week", "h/wk")),
            format!("{:+.2}", c.difference),
            ci,
            c.verdict.clone(),
        ]);
    }
    t.write(&mut out, "");
    out
}

/// What `policesim analytic` prints for one strategy.
pub fn render_analysis(a: &crate::analytic::Analysis) -> String {
    use crate::analytic::Model;
    let mut out = String::new();
    let _ = writeln!(out, "strategy {}", a.strategy);
    if !a.misfits.is_empty() {
        let _ = writeln!(out, "  does not fit the exact models:");
        for m in &a.misfits {
            let _ = writeln!(out, "  - {m}");
        }
    }
    for m in &a.approximations {
        let _ = writeln!(out, "  approximation: {m}");
    }
    // The Erlang C queues as one table, in model order.
    let mut erlang = Table::new(&[(L, 8), (L, 24), (L, 5), (L, 0), (L, 0)])
        .gap(1, "  ")
        .gap(4, "  ");
    for m in &a.models {
        if let Model::ErlangC {
            name,
            units,
            lambda_per_min,
            service_mean_min,
            result,
        } = m
        {
            let load = lambda_per_min * service_mean_min;
            let tail = match result {
                Some(q) => format!(
                    "utilisation {:>5.1}%  P(wait) {:>6.4}  mean wait {:>8.3} min",
                    100.0 * q.utilization,
                    q.p_wait,
                    q.wait_mean_min
                ),
                None => "unstable: the queue grows without bound".into(),
            };
            erlang.row([
                "Erlang C".to_string(),
                name.clone(),
                format!("c={units}"),
                format!("load {load:>6.3} erl"),
                tail,
            ]);
        }
    }
    erlang.write(&mut out, "  ");
    for m in &a.models {
        let Model::Hypercube {
            units,
            lambda_per_min,
            service_mean_min,
            result,
        } = m
        else {
            continue;
        };
        match result {
            Ok(h) => {
                let _ = writeln!(
                    out,
                    "  hypercube (Larson), {} units, {:.3} calls/h, {:.1}-min jobs: P(all busy) {:.4}, mean wait {:.3} min, cross-district {:.2}%",
                    units.len(),
                    lambda_per_min * 60.0,
                    service_mean_min,
                    h.p_wait,
                    h.wait_mean_min,
                    100.0 * h.cross_district_share
                );
                let mut t = Table::new(&[(L, 20), (R, 9)]);
                t.row(["unit", "workload"]);
                for (u, w) in units.iter().zip(&h.workload) {
                    t.row([u.clone(), format!("{:.2}%", 100.0 * w)]);
                }
                t.write(&mut out, "  ");
            }
            Err(e) => {
                let _ = writeln!(out, "  hypercube: {e}");
            }
        }
    }
    out
}

/// The console's backtest lines: the overall rows of backtest.csv, a
/// flag where the simulated mean is off by more than 20 %.
pub fn render_backtest(b: &crate::backtest::Backtest) -> String {
    let f = |v: Option<f64>| v.map_or("-".to_string(), |v| format!("{v:.1}"));
    let mut out = format!(
        "Backtest of {} against {} (minutes; all rows in backtest.csv)\n",
        b.strategy, b.file
    );
    let mut table = Table::new(&[
        (L, 16),
        (R, 6),
        (R, 8),
        (R, 7),
        (R, 7),
        (R, 8),
        (R, 7),
        (R, 7),
        (R, 6),
        (L, 0),
    ]);
    table.row([
        "measure", "obs n", "obs mean", "obs p50", "obs p90", "sim mean", "sim p50", "sim p90",
        "diff", "",
    ]);
    for r in b.rows.iter().filter(|r| r.scope == "overall") {
        table.row([
            r.measure.to_string(),
            r.observed_n.to_string(),
            f(r.observed_mean_min),
            f(r.observed_p50_min),
            f(r.observed_p90_min),
            f(r.simulated_mean_min),
            f(r.simulated_p50_min),
            f(r.simulated_p90_min),
            r.difference_mean_min
                .map_or("-".to_string(), |v| format!("{v:+.1}")),
            if r.flagged() {
                "off by more than 20%"
            } else {
                ""
            }
            .to_string(),
        ]);
    }
    table.write(&mut out, "");
    out
}

/// The summary `policesim fit` prints: the arrival fit with Kim & Whitt's
/// test, then one table per kind with every candidate distribution's
/// parameters, AIC and KS distance, the chosen one marked `*`.
pub fn render_fit(f: &crate::fit::Fit) -> String {
    let mut out = String::new();
    let a = &f.arrivals;
    let t = &a.uniform_test;
    let _ = writeln!(
        out,
        "arrivals: {} calls over {} days from a {}: {:.2} calls a day",
        a.n, a.days, f.start_weekday, a.per_day
    );
    let _ = writeln!(
        out,
        "  Kim & Whitt conditional-uniform KS test of the fitted rate: D = {:.4} over {} calls, p = {:.3}: {}",
        t.d,
        t.n,
        t.p_value,
        if t.rejected() {
            "REJECTED at the 5 % level"
        } else {
            "not rejected at the 5 % level"
        }
    );
    // A label column, then one narrow number column per day or hour.
    let columns = |n: usize| {
        std::iter::once((L, 8))
            .chain(std::iter::repeat_n((R, 5), n))
            .collect::<Vec<_>>()
    };
    let mut days = Table::new(&columns(7));
    days.row(
        std::iter::once("weekly".to_string()).chain(
            crate::scenario::Weekday::ALL
                .iter()
                .map(|d| d.short().to_string()),
        ),
    );
    days.row(
        std::iter::once("factor".to_string()).chain(a.weekly.iter().map(|w| format!("{w:.3}"))),
    );
    days.write(&mut out, "  ");
    let mut hours = Table::new(&columns(12));
    for half in 0..2 {
        let range = half * 12..half * 12 + 12;
        hours.row(
            std::iter::once(if half == 0 { "hour" } else { "" }.to_string())
                .chain(range.clone().map(|h| h.to_string())),
        );
        hours.row(
            std::iter::once("% of day".to_string())
                .chain(range.map(|h| format!("{:.2}", a.hourly[h]))),
        );
    }
    hours.write(&mut out, "  ");
    for k in &f.kinds {
        let _ = writeln!(out, "kind {}: {} calls, share {:.4}", k.name, k.n, k.share);
        let Some(d) = &k.on_scene else {
            let _ = writeln!(out, "  on scene: too few observed times to fit");
            continue;
        };
        let zeros = if d.zeros > 0 {
            format!(" ({} of 0 min left out)", d.zeros)
        } else {
            String::new()
        };
        let _ = writeln!(
            out,
            "  on scene: {} times, mean {:.2} min{zeros}",
            d.values.len(),
            d.sample_mean()
        );
        let mut table = Table::new(&[(L, 1), (L, 11), (L, 0), (R, 10), (R, 7)]);
        table.row(["", "family", "parameters (minutes)", "AIC", "KS D"]);
        for (i, c) in d.candidates.iter().enumerate() {
            table.row([
                if i == d.chosen { "*" } else { "" }.to_string(),
                c.fitted.family().name().to_string(),
                c.fitted.describe(),
                format!("{:.1}", c.aic),
                format!("{:.4}", c.ks),
            ]);
        }
        table.write(&mut out, "  ");
        if let Some(c) = &k.caveat {
            let _ = writeln!(out, "  note: {c}");
        }
    }
    let mapped = if f.stations_mapped {
        "station from the log"
    } else {
        "nearest station"
    };
    let _ = writeln!(
        out,
        "demand: {} points from {} km cells ({mapped})",
        f.demand.len(),
        f.cell_km
    );
    match &f.call_to_dispatch {
        Some(d) => {
            let _ = writeln!(
                out,
                "call to dispatch: {} observed, median {:.2} min, mean {:.2}, p90 {:.2}",
                d.n, d.median, d.mean, d.p90
            );
        }
        None => {
            let _ = writeln!(
                out,
                "call to dispatch: not observed (the base's delays kept)"
            );
        }
    }
    match &f.travel {
        Some(t) => {
            let _ = writeln!(
                out,
                "travel (estimate): {} dispatch-to-arrive times, Theil-Sen {:.2} min + {:.3} min/km \
                 (speed {:.1} km/h at detour {}), median absolute residual {:.2} min",
                t.n, t.intercept_min, t.min_per_km, t.speed_kmh, t.detour, t.median_abs_residual
            );
        }
        None => {
            let _ = writeln!(
                out,
                "travel: not estimated (no observed dispatch and arrival, or a road network: the base's kept)"
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_line_up_by_display_width_not_characters() {
        assert_eq!(pad("何坊", 6, Align::Left), "何坊  ");
        assert_eq!(pad("ab", 4, Align::Right), "  ab");
        assert_eq!(pad("桑落墅镇", 3, Align::Left), "桑落墅镇");
        let mut t = Table::new(&[(L, 4), (R, 3)]).gap(1, "  ");
        t.row(["id", "n"]);
        t.row(["桑落墅", "12"]);
        t.text("heading not in a column");
        t.row(["a", "7"]);
        let mut out = String::new();
        t.write(&mut out, "> ");
        assert_eq!(
            out,
            "> id        n\n> 桑落墅   12\n> heading not in a column\n> a         7\n"
        );
    }
}
