//! Outputs of `policesim optimise`: the console summary and `optimise.csv`.

use std::fmt::Write as _;

use super::table::{Align, Table};
use crate::optimise::{Enumeration, Evaluation, OptimiseResult, PoolNeed, Status};

/// Columns of `optimise.csv` before the per-variable and per-constraint ones.
pub const OPTIMISE_LEAD_COLUMNS: [&str; 8] = [
    "evaluation",
    "phase",
    "chosen",
    "status",
    "replications",
    "people_per_day",
    "total",
    "allocation",
];

/// Area-wide figures after the constraint columns of `optimise.csv`.
pub const OPTIMISE_HEADLINE_COLUMNS: [&str; 3] = [
    "response_mean_min",
    "within_target_pct",
    "officer_duty_hours_per_week",
];

fn cell(v: Option<f64>) -> String {
    v.map_or(String::new(), |x| format!("{x}"))
}

/// `optimise.csv`: one row per allocation evaluated, in order. After the
/// lead columns come one column per variable (named by the station or zone
/// id, or `area`), then for every target at every place its mean and 95 %
/// interval (`METRIC[PLACE]_mean`, `_low`, `_high`) and verdict, then the
/// area-wide headline means.
pub fn optimise_csv(r: &OptimiseResult) -> Result<Vec<u8>, csv::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header: Vec<String> = OPTIMISE_LEAD_COLUMNS
        .iter()
        .map(|c| c.to_string())
        .collect();
    header.extend(r.names.iter().cloned());
    for c in &r.constraints {
        for suffix in ["mean", "low", "high", "verdict"] {
            header.push(format!("{}_{suffix}", c.label));
        }
    }
    header.extend(OPTIMISE_HEADLINE_COLUMNS.iter().map(|c| c.to_string()));
    w.write_record(&header)?;
    for (i, e) in r.evaluations.iter().enumerate() {
        let mut row = vec![
            e.number.to_string(),
            e.phase.word().to_string(),
            if r.best == Some(i) { "yes" } else { "no" }.to_string(),
            e.status.word().to_string(),
            e.replications.to_string(),
            e.people_per_day.map_or(String::new(), |c| format!("{c}")),
            e.allocation.iter().sum::<u32>().to_string(),
            allocation_text(r, e),
        ];
        row.extend(e.allocation.iter().map(|x| x.to_string()));
        if e.constraints.is_empty() {
            row.extend(std::iter::repeat_n(String::new(), 4 * r.constraints.len()));
        }
        for v in &e.constraints {
            row.push(cell(v.mean));
            row.push(cell(v.low));
            row.push(cell(v.high));
            row.push(
                match v.decision {
                    crate::optimise::Decision::Met => "met",
                    crate::optimise::Decision::Broken => "broken",
                    crate::optimise::Decision::Undecided => "undecided",
                    crate::optimise::Decision::NoData => "no incidents",
                }
                .to_string(),
            );
        }
        row.extend(e.headline.iter().map(|&h| cell(h)));
        w.write_record(&row)?;
    }
    w.flush()?;
    Ok(w.into_inner().expect("flushed"))
}

/// `sunwu 2, wudingfu 1, …`.
fn allocation_text(r: &OptimiseResult, e: &Evaluation) -> String {
    r.names
        .iter()
        .zip(&e.allocation)
        .map(|(n, x)| format!("{n} {x}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn one_line(r: &OptimiseResult, e: &Evaluation) -> String {
    let people = e.people_per_day.map_or(String::new(), |c| {
        format!(", {c:.0} people on duty per day")
    });
    let reps = if e.status == Status::Unstaffed {
        String::new()
    } else {
        format!(", {} replications", e.replications)
    };
    format!(
        "{} {} ({}){people}: {}{reps}",
        e.allocation.iter().sum::<u32>(),
        r.lever.noun(),
        allocation_text(r, e),
        e.status.word(),
    )
}

/// The console summary of an optimisation.
pub fn render_optimise(
    scenario_name: &str,
    r: &OptimiseResult,
    needs: Option<(f64, &[PoolNeed])>,
) -> String {
    let mut out = String::new();
    let where_ = match r.each {
        crate::optimise::Each::Area => "over the whole area",
        crate::optimise::Each::Station => "at every station",
        crate::optimise::Each::Zone => "in every zone",
    };
    let _ = writeln!(
        out,
        "{scenario_name}: optimise {} for {} {where_}",
        r.strategy,
        r.targets.join(" and ")
    );
    let _ = writeln!(
        out,
        "{} replication(s) per allocation (up to {} when undecided) x {} days, seed {}; a target is met when its 95 % interval is on the right side",
        r.replications, r.max_replications, r.days, r.seed
    );
    let _ = writeln!(out, "evaluated {} allocation(s)", r.evaluations.len());
    out.push('\n');
    let _ = writeln!(out, "current:   {}", one_line(r, &r.evaluations[r.current]));
    let Some(best) = r.best() else {
        let _ = writeln!(
            out,
            "optimised: none found: {}",
            if r.budget_exhausted {
                "the evaluation budget ran out"
            } else {
                "no allocation the scenario's people can staff meets every target (add people to the pools named in optimise.csv)"
            }
        );
        return out;
    };
    let _ = writeln!(out, "optimised: {}", one_line(r, best));
    let removable = r.removals.len();
    match r.enumeration {
        Enumeration::Exhaustive { allocations } => {
            let _ = writeln!(
                out,
                "minimal:   all {allocations} allocation(s) with fewer people were simulated; none meets every target"
            );
        }
        _ => {
            if removable > 0 {
                let _ = writeln!(
                    out,
                    "minimal:   removing any single {} breaks a target ({removable} removal(s) checked){}",
                    r.lever.noun().trim_end_matches("(s)"),
                    if matches!(r.enumeration, Enumeration::TooMany { .. }) {
                        "; too many cheaper allocations to simulate them all"
                    } else {
                        ""
                    }
                );
            } else {
                let _ = writeln!(
                    out,
                    "minimal:   every variable is at its least (1 {})",
                    r.lever.noun().trim_end_matches("(s)")
                );
            }
        }
    }
    let undecided = r.undecided();
    let (capped, screened): (Vec<&Evaluation>, Vec<&Evaluation>) = undecided
        .into_iter()
        .partition(|e| e.replications >= r.max_replications);
    if !capped.is_empty() {
        let _ = writeln!(
            out,
            "undecided: {} allocation(s) stayed undecided at {} replications and count as not meeting the targets:",
            capped.len(),
            r.max_replications
        );
        for e in capped.iter().take(10) {
            let _ = writeln!(out, "  #{} {}", e.number, allocation_text(r, e));
        }
        if capped.len() > 10 {
            let _ = writeln!(out, "  ... and {} more in optimise.csv", capped.len() - 10);
        }
    }
    if !screened.is_empty() {
        let _ = writeln!(
            out,
            "screened:  {} greedy option(s) without a verdict at {} replications were not taken and not run further (status undecided in optimise.csv)",
            screened.len(),
            r.replications
        );
    }
    out.push('\n');
    let mut t = Table::new(&[(Align::Left, 10), (Align::Right, 6), (Align::Right, 8)]);
    let mut head = vec![
        "target".to_string(),
        "mean".to_string(),
        "95% CI".to_string(),
    ];
    head.push(String::new());
    t.row(head);
    for (c, v) in r.constraints.iter().zip(&best.constraints) {
        let f = |x: Option<f64>| x.map_or("-".to_string(), |x| format!("{x:.2}"));
        t.row([
            c.label.clone(),
            f(v.mean),
            format!("[{}, {}]", f(v.low), f(v.high)),
        ]);
    }
    t.write(&mut out, "");
    if let Some((hours, needs)) = needs {
        out.push('\n');
        let _ = writeln!(
            out,
            "people the pools need so that nobody averages more than {hours} h a week on duty:"
        );
        let mut t = Table::new(&[
            (Align::Left, 10),
            (Align::Left, 8),
            (Align::Right, 5),
            (Align::Right, 6),
            (Align::Right, 8),
            (Align::Right, 6),
        ]);
        t.row(["pool", "role", "posts", "people", "duty h/wk", "needed"]);
        for n in needs {
            t.row([
                n.owner.clone(),
                n.role.clone(),
                n.posts.to_string(),
                n.people.to_string(),
                format!("{:.1}", n.duty_hours_per_week),
                n.people_needed.to_string(),
            ]);
        }
        t.write(&mut out, "");
    }
    out
}
