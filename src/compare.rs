//! Paired comparison against the baseline: common random numbers make
//! replication `r` of every strategy face the same incidents, so the
//! difference per replication cancels most of the noise.

use serde::{Deserialize, Serialize};

use crate::metrics::{ReplicationSummary, StrategySummary, ci95_half_width};

/// Which direction is good for a metric.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Better {
    /// Smaller is better (times, workload).
    Lower,
    /// Larger is better (share within target).
    Higher,
    /// Neither: report the direction only (utilisation).
    Neither,
}

/// One metric of one strategy against the baseline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    /// The strategy.
    pub strategy: String,
    /// The baseline.
    pub baseline: String,
    /// Metric name (a `summary.csv` column).
    pub metric: String,
    /// Plain label.
    pub label: String,
    /// Unit of the metric.
    pub unit: String,
    /// Which direction is good.
    pub better: Better,
    /// Replications paired.
    pub replications: u32,
    /// Strategy mean over replications.
    pub strategy_mean: f64,
    /// Baseline mean over the same replications.
    pub baseline_mean: f64,
    /// Mean of the paired differences (strategy − baseline).
    pub difference: f64,
    /// Lower end of its 95 % confidence interval (empty with 1 replication).
    pub ci95_low: Option<f64>,
    /// Upper end.
    pub ci95_high: Option<f64>,
    /// better / worse / higher / lower / no significant difference.
    pub verdict: String,
}

type Getter = fn(&ReplicationSummary) -> Option<f64>;

/// A compared metric.
#[derive(Debug, Clone, Copy)]
pub struct Metric {
    /// Column name in `summary.csv`.
    pub column: &'static str,
    /// Plain label for tables and charts.
    pub label: &'static str,
    /// Unit.
    pub unit: &'static str,
    /// Which direction is good.
    pub better: Better,
    /// Its value in one replication.
    pub get: Getter,
}

/// The compared metrics, in display order.
pub const METRICS: [Metric; 8] = [
    Metric {
        column: "response_mean_min",
        label: "mean response",
        unit: "min",
        better: Better::Lower,
        get: |r| r.response_mean_min,
    },
    Metric {
        column: "response_p90_min",
        label: "90th pct response",
        unit: "min",
        better: Better::Lower,
        get: |r| r.response_p90_min,
    },
    Metric {
        column: "within_target_pct",
        label: "within target",
        unit: "%",
        better: Better::Higher,
        get: |r| r.within_target_pct,
    },
    Metric {
        column: "wait_mean_min",
        label: "mean wait",
        unit: "min",
        better: Better::Lower,
        get: |r| r.wait_mean_min,
    },
    Metric {
        column: "assembly_mean_min",
        label: "assembly (multi-unit)",
        unit: "min",
        better: Better::Lower,
        get: |r| r.assembly_mean_min,
    },
    Metric {
        column: "unit_utilization_pct",
        label: "unit utilisation",
        unit: "%",
        better: Better::Neither,
        get: |r| r.unit_utilization_pct,
    },
    Metric {
        column: "officer_duty_hours_per_week",
        label: "officer duty",
        unit: "h/week",
        better: Better::Lower,
        get: |r| r.officer_duty_hours_per_week,
    },
    Metric {
        column: "officer_busy_hours_per_week",
        label: "officer incident load",
        unit: "h/week",
        better: Better::Lower,
        get: |r| r.officer_busy_hours_per_week,
    },
];

/// The verdict on a difference `diff` (strategy − baseline, or B − A) with
/// its 95 % interval `[low, high]`: better, worse, higher, lower (for
/// [`Better::Neither`]), no significant difference, or not tested when
/// there is no interval.
pub fn verdict(better: Better, low: Option<f64>, high: Option<f64>, diff: f64) -> String {
    let (low, high) = match (low, high) {
        (Some(l), Some(h)) => (l, h),
        _ => return "not tested (1 replication)".into(),
    };
    // Differences within rounding of zero are no difference at all.
    let tiny = 1e-9 * (1.0 + low.abs().max(high.abs()));
    let (up, down) = if diff.abs() <= tiny && (high - low).abs() <= tiny {
        (false, false)
    } else {
        (low > 0.0, high < 0.0)
    };
    let word = match (better, up, down) {
        (_, false, false) => "no significant difference",
        (Better::Lower, true, _) | (Better::Higher, _, true) => "worse",
        (Better::Lower, _, true) | (Better::Higher, true, _) => "better",
        (Better::Neither, true, _) => "higher",
        (Better::Neither, _, true) => "lower",
    };
    word.into()
}

/// Every strategy except the baseline against it, metric by metric.
/// Empty when the baseline was not run.
pub fn compare(summaries: &[StrategySummary], baseline: &str) -> Vec<Comparison> {
    let Some(base) = summaries.iter().find(|s| s.strategy == baseline) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for s in summaries.iter().filter(|s| s.strategy != baseline) {
        for Metric {
            column,
            label,
            unit,
            better,
            get,
        } in METRICS
        {
            let pairs: Vec<(f64, f64)> = s
                .per_replication
                .iter()
                .zip(&base.per_replication)
                .filter_map(|(a, b)| Some((get(a)?, get(b)?)))
                .collect();
            if pairs.is_empty() {
                continue;
            }
            let n = pairs.len() as f64;
            let diffs: Vec<f64> = pairs.iter().map(|(a, b)| a - b).collect();
            let difference = diffs.iter().sum::<f64>() / n;
            let hw = ci95_half_width(&diffs);
            let (low, high) = (hw.map(|h| difference - h), hw.map(|h| difference + h));
            out.push(Comparison {
                strategy: s.strategy.clone(),
                baseline: baseline.to_string(),
                metric: column.to_string(),
                label: label.to_string(),
                unit: unit.to_string(),
                better,
                replications: pairs.len() as u32,
                strategy_mean: pairs.iter().map(|p| p.0).sum::<f64>() / n,
                baseline_mean: pairs.iter().map(|p| p.1).sum::<f64>() / n,
                difference,
                ci95_low: low,
                ci95_high: high,
                verdict: verdict(better, low, high, difference),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdicts_follow_the_interval_and_the_direction() {
        assert_eq!(verdict(Better::Lower, Some(1.0), Some(2.0), 1.5), "worse");
        assert_eq!(
            verdict(Better::Lower, Some(-2.0), Some(-1.0), -1.5),
            "better"
        );
        assert_eq!(verdict(Better::Higher, Some(1.0), Some(2.0), 1.5), "better");
        assert_eq!(
            verdict(Better::Lower, Some(-1.0), Some(2.0), 0.5),
            "no significant difference"
        );
        assert_eq!(
            verdict(Better::Neither, Some(3.0), Some(4.0), 3.5),
            "higher"
        );
        // A difference identical in every replication is certain.
        assert_eq!(
            verdict(Better::Lower, Some(-6.0), Some(-6.0), -6.0),
            "better"
        );
        assert_eq!(
            verdict(Better::Lower, Some(0.0), Some(0.0), 0.0),
            "no significant difference"
        );
        assert_eq!(
            verdict(Better::Lower, None, None, 1.0),
            "not tested (1 replication)"
        );
    }
}
