//! `policesim diff`: two output folders of `policesim run` compared metric
//! by metric and strategy by strategy, from their `summary.json` alone.
//!
//! The difference is B − A of the values in `summary.csv`. Where both
//! folders hold two or more replications of a strategy, it gets a 95 %
//! interval from the per-replication values that `summary.json` stores:
//!
//! - **paired** when both runs used the same seed and the same replication
//!   numbers: replication `r` of A and of B then drew their incidents from
//!   the same random streams (common random numbers), so the
//!   per-replication differences B_r − A_r cancel most of the noise; the
//!   interval is Student's t on those differences, n − 1 degrees of freedom;
//! - **Welch** (unpaired) otherwise: two independent samples of replication
//!   values with unequal variances, Welch–Satterthwaite degrees of freedom.
//!
//! The interval is centred on the difference of the summary values. For
//! means of replication means (mean response, mean wait) that is the mean of
//! the per-replication differences; for figures pooled over all incidents
//! (share within target, 90th percentile) it is the pooled figure, with the
//! spread of the per-replication figures as its standard error.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde::Serialize;
use statrs::distribution::{ContinuousCDF, StudentsT};

use super::SummaryFile;
use super::table::{Align, Table};
use crate::compare::{Better, METRICS, Metric, verdict};
use crate::metrics::StrategySummary;
use crate::output::{MARKER, describe_io};

/// A folder that cannot be compared, with the reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}: {message}", path.display())]
pub struct DiffError {
    /// The folder or file concerned.
    pub path: PathBuf,
    /// What is wrong, in words.
    pub message: String,
}

/// How an interval was computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// Student's t on per-replication differences (same seed, same
    /// replications: common random numbers).
    Paired,
    /// Welch's unequal-variance t interval on two independent samples.
    Welch,
    /// No interval: fewer than two replications on a side, or the metric
    /// is missing on a side.
    None,
}

impl Method {
    /// `paired`, `welch` or `-`.
    pub fn word(self) -> &'static str {
        match self {
            Method::Paired => "paired",
            Method::Welch => "welch",
            Method::None => "-",
        }
    }
}

/// One metric of one strategy in both folders (a row of `diff.csv`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DiffRow {
    /// The strategy.
    pub strategy: String,
    /// Metric name (a `summary.csv` column).
    pub metric: String,
    /// Plain label.
    #[serde(skip)]
    pub label: String,
    /// Unit of the metric.
    pub unit: String,
    /// Its value in A's `summary.csv`.
    pub a: Option<f64>,
    /// Its value in B's `summary.csv`.
    pub b: Option<f64>,
    /// B − A.
    pub difference: Option<f64>,
    /// Lower end of the 95 % interval of the difference.
    pub ci95_low: Option<f64>,
    /// Upper end.
    pub ci95_high: Option<f64>,
    /// Degrees of freedom of the t quantile used.
    pub df: Option<f64>,
    /// How the interval was computed.
    pub method: Method,
    /// B against A: better / worse / higher / lower / no significant
    /// difference / not tested.
    pub verdict: String,
    /// Which direction is good.
    #[serde(skip)]
    pub better: Better,
}

impl DiffRow {
    /// Whether the interval excludes zero.
    pub fn significant(&self) -> bool {
        matches!(
            self.verdict.as_str(),
            "better" | "worse" | "higher" | "lower"
        )
    }
}

/// One folder's run, in short.
#[derive(Debug, Clone, PartialEq)]
pub struct Side {
    /// The folder as named.
    pub dir: String,
    /// Scenario name.
    pub scenario: String,
    /// Scenario file.
    pub file: String,
    /// Seed.
    pub seed: u64,
    /// Replications.
    pub replications: u32,
    /// Simulated days per replication.
    pub days: f64,
}

/// The comparison of two folders.
#[derive(Debug, Clone, PartialEq)]
pub struct Diff {
    /// Folder A.
    pub a: Side,
    /// Folder B.
    pub b: Side,
    /// Strategies in both, A's order, metric by metric.
    pub rows: Vec<DiffRow>,
    /// Strategies only A ran.
    pub only_a: Vec<String>,
    /// Strategies only B ran.
    pub only_b: Vec<String>,
}

/// Reads the `summary.json` of the output folder `dir`, refusing folders
/// policesim did not write and folders of other commands.
pub fn read_output(dir: &Path) -> Result<SummaryFile, DiffError> {
    let err = |path: &Path, message: String| DiffError {
        path: path.to_path_buf(),
        message,
    };
    match std::fs::metadata(dir) {
        Err(e) => return Err(err(dir, describe_io(&e))),
        Ok(m) if !m.is_dir() => {
            return Err(err(
                dir,
                "is a file, not a policesim output folder".to_string(),
            ));
        }
        Ok(_) => {}
    }
    let json = dir.join("summary.json");
    let marked = dir.join(MARKER).is_file();
    if !json.is_file() {
        return Err(err(
            dir,
            if marked {
                "has no summary.json: not the output folder of `policesim run` \
                 (optimise and sensitivity folders cannot be compared)"
                    .to_string()
            } else {
                format!("not a policesim output folder (no {MARKER} marker and no summary.json)")
            },
        ));
    }
    let text = std::fs::read_to_string(&json).map_err(|e| err(&json, describe_io(&e)))?;
    serde_json::from_str(&text).map_err(|e| err(&json, format!("not a policesim summary: {e}")))
}

/// A summary's value of a compared metric: the figure in `summary.csv`.
fn summary_value(s: &StrategySummary, column: &str) -> Option<f64> {
    let o = &s.overall;
    match column {
        "response_mean_min" => o.response_mean_min,
        "response_p90_min" => o.response_p90_min,
        "within_target_pct" => o.within_target_pct,
        "wait_mean_min" => o.wait_mean_min,
        "assembly_mean_min" => o.assembly_mean_min,
        "unit_utilization_pct" => o.unit_utilization_pct,
        "officer_duty_hours_per_week" => s.officer_duty_hours_per_week,
        "officer_busy_hours_per_week" => s.officer_busy_hours_per_week,
        _ => None,
    }
}

fn t975(df: f64) -> f64 {
    StudentsT::new(0.0, 1.0, df)
        .expect("positive degrees of freedom")
        .inverse_cdf(0.975)
}

fn mean_var(xs: &[f64]) -> (f64, f64) {
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (mean, var)
}

/// Welch's standard error and Welch–Satterthwaite degrees of freedom of the
/// difference of the means of `a` and `b` (each of at least 2 values).
/// The degrees of freedom are `None` when both samples are constant.
pub fn welch(a: &[f64], b: &[f64]) -> (f64, Option<f64>) {
    let (na, nb) = (a.len() as f64, b.len() as f64);
    let (_, va) = mean_var(a);
    let (_, vb) = mean_var(b);
    let (qa, qb) = (va / na, vb / nb);
    let se2 = qa + qb;
    let df = (se2 > 0.0).then(|| se2 * se2 / (qa * qa / (na - 1.0) + qb * qb / (nb - 1.0)));
    (se2.sqrt(), df)
}

/// The interval of B − A for one metric: `(half-width, df, method)`.
fn interval(
    metric: &Metric,
    a: &StrategySummary,
    b: &StrategySummary,
    paired: bool,
) -> Option<(f64, Option<f64>, Method)> {
    let get = metric.get;
    if paired {
        let d: Vec<f64> = a
            .per_replication
            .iter()
            .zip(&b.per_replication)
            .filter_map(|(x, y)| Some(get(y)? - get(x)?))
            .collect();
        if d.len() < 2 {
            return None;
        }
        let (_, var) = mean_var(&d);
        let df = (d.len() - 1) as f64;
        let se = (var / d.len() as f64).sqrt();
        return Some((t975(df) * se, Some(df), Method::Paired));
    }
    let xa: Vec<f64> = a.per_replication.iter().filter_map(get).collect();
    let xb: Vec<f64> = b.per_replication.iter().filter_map(get).collect();
    if xa.len() < 2 || xb.len() < 2 {
        return None;
    }
    let (se, df) = welch(&xa, &xb);
    Some((df.map_or(0.0, |df| t975(df) * se), df, Method::Welch))
}

/// Whether the replications of `a` and `b` pair up: the same seed and the
/// same replication numbers.
fn pairs(fa: &SummaryFile, a: &StrategySummary, fb: &SummaryFile, b: &StrategySummary) -> bool {
    fa.run.seed == fb.run.seed
        && a.per_replication.len() == b.per_replication.len()
        && a.per_replication
            .iter()
            .zip(&b.per_replication)
            .all(|(x, y)| x.replication == y.replication)
}

fn side(dir: &Path, f: &SummaryFile) -> Side {
    Side {
        dir: dir.display().to_string(),
        scenario: f.run.scenario.clone(),
        file: f.run.file.clone(),
        seed: f.run.seed,
        replications: f.run.replications,
        days: f.run.days,
    }
}

/// Compares folder B against folder A (their summaries already read).
pub fn diff(dir_a: &Path, a: &SummaryFile, dir_b: &Path, b: &SummaryFile) -> Diff {
    let mut rows = Vec::new();
    for sa in &a.strategies {
        let Some(sb) = b.strategies.iter().find(|s| s.strategy == sa.strategy) else {
            continue;
        };
        let paired = pairs(a, sa, b, sb);
        for m in &METRICS {
            let (va, vb) = (summary_value(sa, m.column), summary_value(sb, m.column));
            let difference = va.zip(vb).map(|(x, y)| y - x);
            let iv = difference.and_then(|_| interval(m, sa, sb, paired));
            let (low, high, df, method) = match (difference, iv) {
                (Some(d), Some((hw, df, method))) => (Some(d - hw), Some(d + hw), df, method),
                _ => (None, None, None, Method::None),
            };
            if va.is_none() && vb.is_none() {
                continue;
            }
            rows.push(DiffRow {
                strategy: sa.strategy.clone(),
                metric: m.column.to_string(),
                label: m.label.to_string(),
                unit: m.unit.to_string(),
                a: va,
                b: vb,
                difference,
                ci95_low: low,
                ci95_high: high,
                df,
                method,
                verdict: match difference {
                    Some(d) => verdict(m.better, low, high, d),
                    None => "missing on one side".to_string(),
                },
                better: m.better,
            });
        }
    }
    let names = |f: &SummaryFile, other: &SummaryFile| -> Vec<String> {
        f.strategies
            .iter()
            .filter(|s| !other.strategies.iter().any(|o| o.strategy == s.strategy))
            .map(|s| s.strategy.clone())
            .collect()
    };
    Diff {
        a: side(dir_a, a),
        b: side(dir_b, b),
        rows,
        only_a: names(a, b),
        only_b: names(b, a),
    }
}

/// The columns of `diff.csv`.
pub const DIFF_COLUMNS: [&str; 11] = [
    "strategy",
    "metric",
    "unit",
    "a",
    "b",
    "difference",
    "ci95_low",
    "ci95_high",
    "df",
    "method",
    "verdict",
];

/// `diff.csv`: one row per strategy and metric.
pub fn diff_csv(d: &Diff) -> Result<Vec<u8>, csv::Error> {
    let mut wtr = csv::Writer::from_writer(Vec::new());
    for r in &d.rows {
        wtr.serialize(r)?;
    }
    wtr.into_inner().map_err(|e| e.into_error().into())
}

fn opt(v: Option<f64>, decimals: usize) -> String {
    v.map_or("-".to_string(), |v| format!("{v:.decimals$}"))
}

/// The console text of `policesim diff`.
pub fn render_diff(d: &Diff) -> String {
    let mut out = String::new();
    for (tag, s) in [("A", &d.a), ("B", &d.b)] {
        let _ = writeln!(
            out,
            "{tag}: {} — scenario {} ({}), {} replication(s) of {} days, seed {}",
            s.dir, s.scenario, s.file, s.replications, s.days, s.seed
        );
    }
    let paired = d.rows.iter().any(|r| r.method == Method::Paired);
    let welch = d.rows.iter().any(|r| r.method == Method::Welch);
    let how = match (paired, welch) {
        (true, false) => "paired by replication (same seed: common random numbers)",
        (false, true) => "Welch's unpaired t (different seeds or replications)",
        (true, true) => "paired where the replications match, else Welch's unpaired t",
        (false, false) => "no interval (a side has a single replication)",
    };
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "B − A, 95% interval {how}; * = the interval excludes 0, verdict is B against A"
    );
    let mut t = Table::new(&[
        (Align::Left, 8),
        (Align::Left, 24),
        (Align::Right, 8),
        (Align::Right, 8),
        (Align::Right, 8),
        (Align::Right, 17),
        (Align::Left, 0),
    ]);
    t.row(["strategy", "metric", "A", "B", "B − A", "95% CI", "verdict"]);
    for r in &d.rows {
        let ci = match (r.ci95_low, r.ci95_high) {
            (Some(l), Some(h)) => format!("[{l:+.2}, {h:+.2}]"),
            _ => "-".into(),
        };
        t.row([
            r.strategy.clone(),
            format!("{} ({})", r.label, r.unit.replace("h/week", "h/wk")),
            opt(r.a, 2),
            opt(r.b, 2),
            r.difference.map_or("-".to_string(), |v| format!("{v:+.2}")),
            ci,
            format!("{}{}", if r.significant() { "* " } else { "  " }, r.verdict),
        ]);
    }
    t.write(&mut out, "");
    if d.rows.is_empty() {
        let _ = writeln!(out, "(no strategy ran in both folders)");
    }
    if !d.only_a.is_empty() {
        let _ = writeln!(out, "only in A: {}", d.only_a.join(", "));
    }
    if !d.only_b.is_empty() {
        let _ = writeln!(out, "only in B: {}", d.only_b.join(", "));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn welch_matches_a_hand_computed_case() {
        // a: mean 2, variance 1 (n 3); b: mean 5, variance 10 (n 5).
        // se² = 1/3 + 10/5 = 7/3; df = (7/3)² / ((1/3)²/2 + 2²/4)
        //     = 5.4444 / (0.055556 + 1) = 5.157894...
        let a = [1.0, 2.0, 3.0];
        let b = [1.0, 3.0, 5.0, 7.0, 9.0];
        let (se, df) = welch(&a, &b);
        assert!((se - (7.0f64 / 3.0).sqrt()).abs() < 1e-12, "{se}");
        let want = (49.0 / 9.0) / (1.0 / 18.0 + 1.0);
        assert!((df.unwrap() - want).abs() < 1e-12, "{df:?} vs {want}");
        assert!((want - 5.157_894_736_842_105).abs() < 1e-12);
        // Two constant samples have no spread and no degrees of freedom.
        assert_eq!(welch(&[2.0, 2.0], &[3.0, 3.0]), (0.0, None));
    }

    #[test]
    fn t_quantiles_are_students() {
        assert!((t975(1.0) - 12.706_204_736).abs() < 1e-6);
        assert!((t975(5.0) - 2.570_581_836).abs() < 1e-6);
    }
}
