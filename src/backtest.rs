//! Backtest: the simulation of a call log against what really happened.
//!
//! A log with observed dispatch and arrival times is replayed with each
//! incident's on-scene time set to the observed `clear − arrive`; then the
//! simulated response (arrive − call), call-to-dispatch (dispatch − call)
//! and travel (arrive − dispatch) of one strategy are set beside the
//! observed ones, overall, per station (jurisdiction) and per hour of the
//! call. Both sides cover the same calls: those after the warm-up and
//! before the horizon.

use serde::{Deserialize, Serialize};

use crate::calllog::LogRecord;
use crate::metrics::IncidentRecord;
use crate::scenario::Scenario;

/// Columns of `backtest.csv`, in order.
pub const BACKTEST_COLUMNS: [&str; 10] = [
    "scope",
    "measure",
    "observed_n",
    "observed_mean_min",
    "observed_p50_min",
    "observed_p90_min",
    "simulated_mean_min",
    "simulated_p50_min",
    "simulated_p90_min",
    "difference_mean_min",
];

/// The measures compared, as `backtest.csv` names them.
pub const MEASURES: [&str; 3] = ["response", "call_to_dispatch", "travel"];

/// A simulated mean further than this share from the observed one is flagged.
pub const FLAG_SHARE: f64 = 0.2;

/// One row of `backtest.csv`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BacktestRow {
    /// `overall`, `station:<id>` or `hour:<0-23>`.
    pub scope: String,
    /// `response`, `call_to_dispatch` or `travel`.
    pub measure: String,
    /// Calls with this measure observed.
    pub observed_n: u64,
    /// Observed mean, minutes.
    pub observed_mean_min: Option<f64>,
    /// Observed median, minutes.
    pub observed_p50_min: Option<f64>,
    /// Observed 90th percentile, minutes.
    pub observed_p90_min: Option<f64>,
    /// Simulated mean over all replications, minutes.
    pub simulated_mean_min: Option<f64>,
    /// Simulated median, minutes.
    pub simulated_p50_min: Option<f64>,
    /// Simulated 90th percentile, minutes.
    pub simulated_p90_min: Option<f64>,
    /// Simulated − observed mean, minutes.
    pub difference_mean_min: Option<f64>,
}

impl BacktestRow {
    /// Whether the simulated mean is off the observed one by more than
    /// [`FLAG_SHARE`].
    pub fn flagged(&self) -> bool {
        match (self.observed_mean_min, self.simulated_mean_min) {
            (Some(o), Some(s)) => (s - o).abs() > FLAG_SHARE * o.abs(),
            _ => false,
        }
    }
}

/// Observed and simulated response ECDFs of one scope, as `[minutes, share]`
/// points.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BacktestCurve {
    /// `overall` or `station:<id>`.
    pub scope: String,
    /// Display label (the station's name).
    pub label: String,
    /// Observed response ECDF.
    pub observed: Vec<[f64; 2]>,
    /// Simulated response ECDF.
    pub simulated: Vec<[f64; 2]>,
}

/// The backtest of one run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Backtest {
    /// The strategy compared with the log.
    pub strategy: String,
    /// The log file.
    pub file: String,
    /// Rows of `backtest.csv`: overall, then stations in scenario order,
    /// then hours; each scope's measures in [`MEASURES`] order.
    pub rows: Vec<BacktestRow>,
    /// Response ECDFs, overall and for the five busiest stations.
    pub curves: Vec<BacktestCurve>,
}

/// Observed and simulated values of one scope.
#[derive(Default)]
struct Samples {
    observed: [Vec<f64>; 3],
    simulated: [Vec<f64>; 3],
}

/// Compares `records` (every replication's per-incident records of
/// `strategy`, from a replay of `log`) with the observed times of `log`
/// between `from_min` and `to_min`.
pub fn backtest(
    s: &Scenario,
    strategy: &str,
    file: &str,
    log: &[LogRecord],
    records: &[Vec<IncidentRecord>],
    from_min: f64,
    to_min: f64,
) -> Backtest {
    let n_st = s.stations.len();
    // Scopes: 0 overall, 1..=n stations, then 24 hours.
    let mut scopes: Vec<Samples> = (0..1 + n_st + 24).map(|_| Samples::default()).collect();
    let scope_ids = |r: &LogRecord| [0, 1 + r.station as usize, 1 + n_st + r.hour as usize];
    let within = |t: f64| t >= from_min && t < to_min;
    let keep = |v: Option<f64>| v.filter(|v| v.is_finite() && *v >= 0.0);
    for r in log.iter().filter(|r| within(r.call_min)) {
        let values = [
            keep(r.observed_response_min()),
            keep(r.observed_call_to_dispatch_min()),
            keep(r.observed_travel_min()),
        ];
        for sc in scope_ids(r) {
            for (m, v) in values.iter().enumerate() {
                if let Some(v) = v {
                    scopes[sc].observed[m].push(*v);
                }
            }
        }
    }
    for rep in records {
        for rec in rep.iter().filter(|r| within(r.call_min)) {
            // The engine knows a replayed incident by its place in call order.
            let Some(r) = (rec.id as usize)
                .checked_sub(1)
                .and_then(|i| log.get(i))
                .filter(|r| r.num == rec.id)
            else {
                continue;
            };
            let values = [
                keep(Some(rec.arrive_min - rec.call_min)),
                keep(Some(rec.dispatch_min - rec.call_min)),
                keep(Some(rec.arrive_min - rec.dispatch_min)),
            ];
            for sc in scope_ids(r) {
                for (m, v) in values.iter().enumerate() {
                    if let Some(v) = v {
                        scopes[sc].simulated[m].push(*v);
                    }
                }
            }
        }
    }
    let scope_name = |i: usize| {
        if i == 0 {
            "overall".to_string()
        } else if i <= n_st {
            format!("station:{}", s.stations[i - 1].id)
        } else {
            format!("hour:{}", i - 1 - n_st)
        }
    };
    let mut rows = Vec::new();
    for (i, sc) in scopes.iter_mut().enumerate() {
        for (m, measure) in MEASURES.iter().enumerate() {
            let (o, sim) = (&mut sc.observed[m], &mut sc.simulated[m]);
            if o.is_empty() && sim.is_empty() {
                continue;
            }
            o.sort_by(f64::total_cmp);
            sim.sort_by(f64::total_cmp);
            let (om, sm) = (mean(o), mean(sim));
            rows.push(BacktestRow {
                scope: scope_name(i),
                measure: measure.to_string(),
                observed_n: o.len() as u64,
                observed_mean_min: om,
                observed_p50_min: quantile(o, 0.5),
                observed_p90_min: quantile(o, 0.9),
                simulated_mean_min: sm,
                simulated_p50_min: quantile(sim, 0.5),
                simulated_p90_min: quantile(sim, 0.9),
                difference_mean_min: sm.zip(om).map(|(a, b)| a - b),
            });
        }
    }
    // Response curves: overall and the five stations with most observed calls.
    let mut busiest: Vec<usize> = (0..n_st)
        .filter(|st| !scopes[1 + st].observed[0].is_empty())
        .collect();
    busiest.sort_by(|a, b| {
        scopes[1 + b].observed[0]
            .len()
            .cmp(&scopes[1 + a].observed[0].len())
            .then(a.cmp(b))
    });
    busiest.truncate(5);
    let mut curves = Vec::new();
    for i in std::iter::once(0).chain(busiest.iter().map(|st| 1 + st)) {
        let sc = &scopes[i];
        if sc.observed[0].is_empty() {
            continue;
        }
        curves.push(BacktestCurve {
            scope: scope_name(i),
            label: if i == 0 {
                "all calls".into()
            } else {
                s.stations[i - 1].name.clone()
            },
            observed: ecdf(&sc.observed[0]),
            simulated: ecdf(&sc.simulated[0]),
        });
    }
    Backtest {
        strategy: strategy.to_string(),
        file: file.to_string(),
        rows,
        curves,
    }
}

fn mean(v: &[f64]) -> Option<f64> {
    (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
}

/// Quantile `p` of sorted `v` by linear interpolation between order
/// statistics (Hyndman & Fan type 7, the default of R and NumPy).
pub fn quantile(v: &[f64], p: f64) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    let h = (v.len() - 1) as f64 * p;
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(v.len() - 1);
    Some(v[lo] + (h - lo as f64) * (v[hi] - v[lo]))
}

/// The ECDF of sorted `v` at up to 201 points (every 0.5 % of the calls).
fn ecdf(v: &[f64]) -> Vec<[f64; 2]> {
    if v.is_empty() {
        return Vec::new();
    }
    let n = v.len();
    let steps = n.min(200);
    std::iter::once([v[0], 0.0])
        .chain((1..=steps).map(|k| {
            let i = k * n / steps - 1;
            [v[i], (i + 1) as f64 / n as f64]
        }))
        .collect()
}

/// Writes `backtest.csv`.
pub fn write_csv<W: std::io::Write>(w: W, b: &Backtest) -> csv::Result<()> {
    let mut wtr = csv::Writer::from_writer(w);
    for row in &b.rows {
        wtr.serialize(row)?;
    }
    wtr.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_interpolate_like_r_type_7() {
        let v = [1.0, 2.0, 3.0, 4.0, 10.0];
        assert_eq!(quantile(&v, 0.5), Some(3.0));
        // h = 4 × 0.9 = 3.6: 4 + 0.6 × 6.
        assert!((quantile(&v, 0.9).unwrap() - 7.6).abs() < 1e-12);
        assert_eq!(quantile(&[], 0.5), None);
        assert_eq!(quantile(&[5.0], 0.9), Some(5.0));
    }

    #[test]
    fn the_ecdf_reaches_one_at_the_largest_value() {
        let v: Vec<f64> = (1..=1000).map(f64::from).collect();
        let e = ecdf(&v);
        assert_eq!(e.len(), 201);
        assert_eq!(*e.last().unwrap(), [1000.0, 1.0]);
        assert_eq!(e[100], [500.0, 0.5]);
        assert_eq!(ecdf(&[2.0, 3.0]), vec![[2.0, 0.0], [2.0, 0.5], [3.0, 1.0]]);
    }

    #[test]
    fn flags_beyond_twenty_percent() {
        let row = |o: f64, s: f64| BacktestRow {
            scope: "overall".into(),
            measure: "response".into(),
            observed_n: 1,
            observed_mean_min: Some(o),
            observed_p50_min: None,
            observed_p90_min: None,
            simulated_mean_min: Some(s),
            simulated_p50_min: None,
            simulated_p90_min: None,
            difference_mean_min: Some(s - o),
        };
        assert!(!row(10.0, 12.0).flagged());
        assert!(row(10.0, 12.5).flagged());
        assert!(row(10.0, 7.5).flagged());
    }
}
