//! Plain-text tables for the console (kept within 100 columns).

use std::fmt::Write as _;

use crate::experiment::Outcome;
use crate::incidents::calls_per_day_by_station;
use crate::metrics::GroupSummary;
use crate::scenario::Scenario;

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

fn row(out: &mut String, name: &str, name_w: usize, g: &GroupSummary) {
    let _ = writeln!(
        out,
        "{name:<name_w$} {:>8} {} {} {} {} {} {} {} {} {:>5}",
        g.incidents,
        ci(g.response_mean_min, g.response_mean_ci95_min),
        num(g.response_p50_min, 6, 1),
        num(g.response_p90_min, 6, 1),
        num(g.response_p95_min, 6, 1),
        num(g.within_target_pct, 6, 1),
        num(g.wait_mean_min, 6, 2),
        num(g.assembly_mean_min, 6, 1),
        num(g.unit_utilization_pct, 5, 1),
        g.open_incidents,
    );
}

/// The within-target column's heading: `<=15m`, or `<=tgt` when each area
/// has its own target.
fn header(out: &mut String, first: &str, name_w: usize, s: &Scenario) {
    let target = if s.has_area_targets() {
        "<=tgt".to_string()
    } else {
        format!("<={:.0}m", s.target_min)
    };
    let _ = writeln!(
        out,
        "{first:<name_w$} {:>8} {:>13} {:>6} {:>6} {:>6} {:>6} {:>6} {:>6} {:>5} {:>5}",
        "calls", "response mean", "p50", "p90", "p95", target, "wait", "assem", "util", "open"
    );
    let _ = writeln!(
        out,
        "{:<name_w$} {:>8} {:>13} {:>6} {:>6} {:>6} {:>6} {:>6} {:>6} {:>5} {:>5}",
        "", "", "(min ±95%CI)", "(min)", "(min)", "(min)", "(%)", "(min)", "(min)", "(%)", ""
    );
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
    let name_w = outcome
        .strategies
        .iter()
        .map(|st| st.summary.strategy.len())
        .chain(s.incidents.kinds.iter().map(|k| k.name.len() + 2))
        .max()
        .unwrap_or(8)
        .max(10);
    header(&mut out, "strategy", name_w, s);
    for st in &outcome.strategies {
        row(&mut out, &st.summary.strategy, name_w, &st.summary.overall);
    }
    let _ = writeln!(out);
    header(&mut out, "by kind", name_w, s);
    for st in &outcome.strategies {
        let _ = writeln!(out, "{}", st.summary.strategy);
        for k in &st.summary.per_kind {
            row(&mut out, &format!("  {}", k.name), name_w, k);
        }
    }
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
    let _ = writeln!(
        out,
        "{:<14} {:>9} {:>9} {:>5} {:>5} {:>8} {:>9}",
        "station", "x (km)", "y (km)", "off", "aux", "demand", "calls/day"
    );
    let calls = calls_per_day_by_station(s);
    for (i, st) in s.stations.iter().enumerate() {
        let n_demand = s.demand.iter().filter(|d| d.station == i).count();
        let _ = writeln!(
            out,
            "{:<14} {:>9.2} {:>9.2} {:>5} {:>5} {:>8} {:>9.2}",
            st.id, st.pos.x_km, st.pos.y_km, st.officers, st.auxiliaries, n_demand, calls[i]
        );
    }
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "{:<14} {:>6} {:>8} {:>6} {:>5} {:>7} {:>6}",
        "kind", "share", "priority", "units", "", "scene", "case"
    );
    for k in &s.incidents.kinds {
        let _ = writeln!(
            out,
            "{:<14} {:>6.3} {:>8} {:>6} {:>5} {:>7.1} {:>6.1}",
            k.name,
            k.share,
            k.priority,
            k.units,
            "",
            k.on_scene.mean(),
            k.case_handling.mean()
        );
    }
    let _ = writeln!(out, "  (scene, case = mean minutes)");
    for cfg in &s.strategies {
        let _ = writeln!(out);
        let _ = writeln!(out, "strategy {} (baseline: {})", cfg.name(), s.baseline);
        let _ = writeln!(out, "  {}", cfg.summary_line(s));
        let Ok(plan) = cfg.plan(s) else { continue };
        let mut kinds: Vec<(String, usize)> = Vec::new();
        for u in &plan.fleet {
            let k = format!("{:?}", u.kind).to_lowercase();
            match kinds.iter_mut().find(|(n, _)| *n == k) {
                Some(e) => e.1 += 1,
                None => kinds.push((k, 1)),
            }
        }
        let list: Vec<String> = kinds.iter().map(|(k, n)| format!("{n} {k}")).collect();
        let _ = writeln!(out, "  units: {}", list.join(", "));
        let _ = writeln!(
            out,
            "  {:<40} {:>7} {:>6} {:>12}",
            "who (rotating through posts)", "people", "posts", "duty h/week"
        );
        for p in &plan.roster.pools {
            if p.posts == 0 {
                continue;
            }
            let _ = writeln!(
                out,
                "  {:<40} {:>7} {:>6} {:>12.1}",
                p.name,
                p.people,
                p.posts,
                168.0 * f64::from(p.posts) / f64::from(p.people.max(1))
            );
        }
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
    let _ = writeln!(
        out,
        "{:<18} {:>8} {:>8} {:>8} {:>8} {:>8} {:>8} {:>7}",
        "officer load", "on duty", "duty", "busy", "non-110", "aux duty", "load", "cross-"
    );
    let _ = writeln!(
        out,
        "{:<18} {:>8} {:>8} {:>8} {:>8} {:>8} {:>8} {:>7}",
        "(per person)", "off+aux", "(h/wk)", "(h/wk)", "(h/wk)", "(h/wk)", "CV", "dist %"
    );
    for st in &summaries {
        let non110 = st.officer_non110_hours_per_week;
        let _ = writeln!(
            out,
            "{:<18} {:>8} {} {} {} {} {} {}",
            st.strategy,
            format!("{}+{}", st.on_duty_officers, st.on_duty_auxiliaries),
            num(st.officer_duty_hours_per_week, 8, 1),
            num(st.officer_busy_hours_per_week, 8, 1),
            num(non110, 8, 1),
            num(st.aux_duty_hours_per_week, 8, 1),
            num(st.officer_load_cv, 8, 2),
            num(st.overall.cross_district_pct, 7, 1),
        );
    }
    let comparison = crate::compare::compare(&summaries, &s.baseline);
    if comparison.is_empty() {
        return out;
    }
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "vs {} (paired by replication: difference [95% CI])",
        s.baseline
    );
    let name_w = summaries
        .iter()
        .map(|s| s.strategy.len())
        .max()
        .unwrap_or(8)
        .max(8);
    let _ = writeln!(
        out,
        "{:<name_w$} {:<28} {:>9} {:>17}  verdict",
        "strategy", "metric", "diff", "95% CI"
    );
    for c in &comparison {
        let ci = match (c.ci95_low, c.ci95_high) {
            (Some(l), Some(h)) => format!("[{l:+.2}, {h:+.2}]"),
            _ => "-".into(),
        };
        let _ = writeln!(
            out,
            "{:<name_w$} {:<28} {:>+9.2} {:>17}  {}",
            c.strategy,
            format!("{} ({})", c.label, c.unit.replace("h/week", "h/wk")),
            c.difference,
            ci,
            c.verdict
        );
    }
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
    for m in &a.models {
        match m {
            Model::ErlangC {
                name,
                units,
                lambda_per_min,
                service_mean_min,
                result,
            } => {
                let load = lambda_per_min * service_mean_min;
                match result {
                    Some(q) => {
                        let _ = writeln!(
                            out,
                            "  Erlang C  {name:<24} c={units:<3} load {load:>6.3} erl  utilisation {:>5.1}%  P(wait) {:>6.4}  mean wait {:>8.3} min",
                            100.0 * q.utilization,
                            q.p_wait,
                            q.wait_mean_min
                        );
                    }
                    None => {
                        let _ = writeln!(
                            out,
                            "  Erlang C  {name:<24} c={units:<3} load {load:>6.3} erl  unstable: the queue grows without bound"
                        );
                    }
                }
            }
            Model::Hypercube {
                units,
                lambda_per_min,
                service_mean_min,
                result,
            } => match result {
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
                    let _ = writeln!(out, "  {:<20} {:>9}", "unit", "workload");
                    for (u, w) in units.iter().zip(&h.workload) {
                        let _ = writeln!(out, "  {u:<20} {:>8.2}%", 100.0 * w);
                    }
                }
                Err(e) => {
                    let _ = writeln!(out, "  hypercube: {e}");
                }
            },
        }
    }
    out
}
