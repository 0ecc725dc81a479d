//! One-at-a-time sensitivity of the strategy comparison to every input.
//!
//! Each numeric input of a scenario ([`numeric_inputs`]) is set to
//! `value × (1 − rel)` and `value × (1 + rel)`, one at a time, and every
//! selected strategy is run at both values. Whole numbers are rounded and
//! move by at least 1 (so 1 becomes 0 and 2); a side whose value does not
//! validate is left out with the reason. An incident kind's share moves
//! with the other kinds' shares scaled so that they still sum to 1. Every run uses the same seed and
//! replications as the base run, so replication `r` of every run faces the
//! same random streams (common random numbers): an input that changes
//! nothing gives results identical, bit for bit, to the base run's.
//!
//! Within each run, each strategy is compared with the baseline by
//! [`crate::compare::compare`] (paired by replication), so the result is the
//! difference from the baseline, with its 95 % interval and verdict, at the
//! low, base and high value of each input.

use crate::compare::{Comparison, compare};
use crate::experiment::{self, ExperimentError, RunOptions};
use crate::scenario::overrides::{Override, apply_to_text, numeric_inputs};
use crate::scenario::{Scenario, ScenarioError};

/// What to vary and how to run.
#[derive(Debug, Clone)]
pub struct SensitivityOptions {
    /// Relative change, e.g. 0.2 for ±20 %.
    pub rel: f64,
    /// The inputs to vary (keys as [`numeric_inputs`] names them); every
    /// model input when empty.
    pub keys: Vec<String>,
    /// Replications, days, seed and strategies of every run.
    pub run: RunOptions,
}

/// Why sensitivity cannot start.
#[derive(Debug, thiserror::Error)]
pub enum SensitivityError {
    /// The scenario (with its `--set` overrides) does not load.
    #[error(transparent)]
    Scenario(#[from] ScenarioError),
    /// A run's options do not fit.
    #[error(transparent)]
    Experiment(#[from] ExperimentError),
    /// `rel` is not in (0, 1).
    #[error("--rel must be a number greater than 0 and less than 1, found {0}")]
    Rel(f64),
    /// A `--keys` entry is not a numeric input of the scenario.
    #[error("--keys: {key} is not a numeric input of the scenario; nearest: {nearest}")]
    UnknownKey {
        /// The key asked for.
        key: String,
        /// The nearest keys that are.
        nearest: String,
    },
    /// Fewer than two strategies: nothing to compare.
    #[error(
        "sensitivity compares strategies with the baseline: run at least two strategies (found {0})"
    )]
    OneStrategy(String),
    /// No input can be varied.
    #[error("no input can be varied: {0}")]
    NothingToVary(String),
}

/// One side (low or high) of an input's variation.
#[derive(Debug, Clone, PartialEq)]
pub struct Side {
    /// The input's value in this run.
    pub value: f64,
    /// Every strategy against the baseline in this run.
    pub comparisons: Vec<Comparison>,
}

/// One input and its two runs.
#[derive(Debug, Clone, PartialEq)]
pub struct InputResult {
    /// The key (`incidents.per_day`, `stations[hefang].officers`).
    pub key: String,
    /// Its value in the base run.
    pub base_value: f64,
    /// The run at the lower value, or why there is none.
    pub low: Result<Side, String>,
    /// The run at the higher value, or why there is none.
    pub high: Result<Side, String>,
}

/// An input left out, with the reason.
#[derive(Debug, Clone, PartialEq)]
pub struct Skipped {
    /// The key.
    pub key: String,
    /// Its value.
    pub value: f64,
    /// Why it is not varied.
    pub reason: String,
}

/// Everything a sensitivity analysis found.
#[derive(Debug, Clone, PartialEq)]
pub struct Sensitivity {
    /// Relative change.
    pub rel: f64,
    /// The strategy the others are compared with.
    pub baseline: String,
    /// The other strategies, in scenario order.
    pub strategies: Vec<String>,
    /// The base run's comparisons.
    pub base: Vec<Comparison>,
    /// Inputs varied, in file order.
    pub inputs: Vec<InputResult>,
    /// Inputs not varied, with the reason.
    pub skipped: Vec<Skipped>,
    /// Replications of every run.
    pub replications: u32,
    /// Simulated days per replication.
    pub days: f64,
    /// Seed of every run.
    pub seed: u64,
}

/// What will be varied: the planned values of one input.
#[derive(Debug, Clone)]
pub struct Planned {
    /// The key.
    pub key: String,
    /// Its value.
    pub base: f64,
    /// The lower value and the scenario with it, or why there is none.
    pub low: Result<(f64, Box<Scenario>), String>,
    /// The higher value and the scenario with it, or why there is none.
    pub high: Result<(f64, Box<Scenario>), String>,
}

/// Whether `key` is a position on the map (a relative change of it
/// depends on where the origin is, so it is not varied by default).
fn is_position(key: &str) -> bool {
    let last = key.rsplit('.').next().unwrap_or(key);
    matches!(
        last,
        "x_km" | "y_km" | "lat" | "lon" | "centre_lat" | "centre_lon"
    )
}

/// Whether `key` is an incident kind's share (`incidents.kinds[x].share`).
fn is_share(key: &str) -> bool {
    key.starts_with("incidents.kinds[") && key.ends_with("].share")
}

/// `v` to 12 significant digits, so that 0.81 × 0.8 is written 0.648, not
/// 0.6480000000000001.
fn tidy(v: f64) -> f64 {
    format!("{v:.11e}").parse().unwrap_or(v)
}

/// The low and high values of `v`.
fn sides(v: f64, integer: bool, rel: f64) -> (f64, f64) {
    let (lo, hi) = (v * (1.0 - rel), v * (1.0 + rel));
    if integer {
        (lo.round().min(v - 1.0), hi.round().max(v + 1.0))
    } else {
        (tidy(lo), tidy(hi))
    }
}

fn literal(v: f64, integer: bool) -> toml::Value {
    if integer {
        toml::Value::Integer(v as i64)
    } else {
        toml::Value::Float(v)
    }
}

/// The first problem of a scenario error, without the file name.
fn first_problem(e: &ScenarioError) -> String {
    match e.diagnostics().first() {
        Some(d) if d.key.is_empty() => d.message.clone(),
        Some(d) => format!("{}: {}", d.key, d.message),
        None => e.to_string(),
    }
}

/// Lists the inputs to vary and builds the scenario of each side.
/// `set` holds the `--set` overrides every run shares.
pub fn plan(
    src: &str,
    file: &str,
    set: &[Override],
    opts: &SensitivityOptions,
) -> Result<(Vec<Planned>, Vec<Skipped>), SensitivityError> {
    if !(opts.rel > 0.0 && opts.rel < 1.0) {
        return Err(SensitivityError::Rel(opts.rel));
    }
    let text = apply_to_text(src, file, set)?;
    let inputs = numeric_inputs(&text, file)?;
    for k in &opts.keys {
        if !inputs.iter().any(|i| &i.key == k) {
            let mut near: Vec<(f64, &str)> = inputs
                .iter()
                .map(|i| (strsim::jaro_winkler(k, &i.key), i.key.as_str()))
                .collect();
            near.sort_by(|a, b| b.0.total_cmp(&a.0));
            return Err(SensitivityError::UnknownKey {
                key: k.clone(),
                nearest: near
                    .iter()
                    .take(4)
                    .map(|n| n.1)
                    .collect::<Vec<_>>()
                    .join(", "),
            });
        }
    }
    let mut planned = Vec::new();
    let mut skipped = Vec::new();
    for input in &inputs {
        let chosen = if opts.keys.is_empty() {
            true
        } else {
            opts.keys.contains(&input.key)
        };
        if !chosen {
            continue;
        }
        let skip = |reason: String| Skipped {
            key: input.key.clone(),
            value: input.value,
            reason,
        };
        if input.control {
            skipped.push(skip("a run setting, not a model input".into()));
            continue;
        }
        if opts.keys.is_empty() && is_position(&input.key) {
            skipped.push(skip(
                "a position: a relative change depends on where the map's origin is (name it in --keys to vary it anyway)".into(),
            ));
            continue;
        }
        if input.value == 0.0 {
            skipped.push(skip("zero: a relative change leaves it at 0".into()));
            continue;
        }
        // A kind's share moves with the others scaled to keep the sum at 1.
        let others: Vec<(&str, f64)> = if is_share(&input.key) {
            inputs
                .iter()
                .filter(|i| is_share(&i.key) && i.key != input.key)
                .map(|i| (i.key.as_str(), i.value))
                .collect()
        } else {
            Vec::new()
        };
        if is_share(&input.key) && others.is_empty() {
            skipped.push(skip("the only incident kind: its share must be 1".into()));
            continue;
        }
        let (lo, hi) = sides(input.value, input.integer, opts.rel);
        let build = |v: f64| -> Result<(f64, Box<Scenario>), String> {
            let o =
                Override::new(&input.key, literal(v, input.integer)).map_err(|e| e.to_string())?;
            let mut all = set.to_vec();
            all.push(o);
            for (k, share) in &others {
                let scaled = share * (1.0 - v) / (1.0 - input.value);
                all.push(Override::new(k, toml::Value::Float(scaled)).map_err(|e| e.to_string())?);
            }
            Scenario::from_toml_with(src, file, &all)
                .map(|s| (v, Box::new(s)))
                .map_err(|e| format!("{v} does not validate: {}", first_problem(&e)))
        };
        let (low, high) = (build(lo), build(hi));
        if let (Err(a), Err(b)) = (&low, &high) {
            skipped.push(skip(format!("low {a}; high {b}")));
            continue;
        }
        planned.push(Planned {
            key: input.key.clone(),
            base: input.value,
            low,
            high,
        });
    }
    Ok((planned, skipped))
}

/// Runs the base scenario and both sides of every planned input on rayon's
/// current pool; `on_job_done` is called after each strategy × replication
/// job (for a progress bar). `base` is the scenario with the shared `--set`
/// overrides.
pub fn run(
    base: &Scenario,
    planned: Vec<Planned>,
    skipped: Vec<Skipped>,
    opts: &SensitivityOptions,
    on_job_done: &(dyn Fn() + Sync),
) -> Result<Sensitivity, SensitivityError> {
    // Every run's settings and budget are checked before any work.
    let selected = experiment::check(base, &opts.run)?;
    for p in &planned {
        for (_, s) in [&p.low, &p.high].into_iter().flatten() {
            experiment::check(s, &opts.run)?;
        }
    }
    if selected.len() < 2 {
        return Err(SensitivityError::OneStrategy(
            selected
                .iter()
                .map(|&i| base.strategies[i].name())
                .collect::<Vec<_>>()
                .join(", "),
        ));
    }
    if planned.is_empty() {
        return Err(SensitivityError::NothingToVary(
            skipped
                .iter()
                .take(3)
                .map(|s| format!("{} ({})", s.key, s.reason))
                .collect::<Vec<_>>()
                .join("; "),
        ));
    }
    let compare_run = |s: &Scenario| -> Result<(String, Vec<Comparison>), ExperimentError> {
        let outcome = experiment::run(s, &opts.run, on_job_done)?;
        let summaries: Vec<_> = outcome.strategies.into_iter().map(|o| o.summary).collect();
        Ok((
            outcome.baseline.clone(),
            compare(&summaries, &outcome.baseline),
        ))
    };
    let (baseline, base_cmp) = compare_run(base)?;
    let mut inputs = Vec::with_capacity(planned.len());
    for p in planned {
        let side = |r: Result<(f64, Box<Scenario>), String>| -> Result<Result<Side, String>, ExperimentError> {
            Ok(match r {
                Ok((value, s)) => Ok(Side {
                    value,
                    comparisons: compare_run(&s)?.1,
                }),
                Err(why) => Err(why),
            })
        };
        let low = side(p.low)?;
        let high = side(p.high)?;
        inputs.push(InputResult {
            key: p.key,
            base_value: p.base,
            low,
            high,
        });
    }
    let strategies = selected
        .iter()
        .map(|&i| base.strategies[i].name().to_string())
        .filter(|n| *n != baseline)
        .collect();
    Ok(Sensitivity {
        rel: opts.rel,
        baseline,
        strategies,
        base: base_cmp,
        inputs,
        skipped,
        replications: opts.run.replications,
        days: opts.run.days,
        seed: opts.run.seed,
    })
}

/// Runs in all: the base run and one per planned side.
pub fn runs(planned: &[Planned]) -> usize {
    1 + planned
        .iter()
        .map(|p| usize::from(p.low.is_ok()) + usize::from(p.high.is_ok()))
        .sum::<usize>()
}

/// Runs a finished analysis made: the base run and one per side run.
pub fn runs_of(s: &Sensitivity) -> usize {
    1 + s
        .inputs
        .iter()
        .map(|i| usize::from(i.low.is_ok()) + usize::from(i.high.is_ok()))
        .sum::<usize>()
}

/// Whether a verdict says there is a difference in some direction.
fn settled(v: &str) -> bool {
    matches!(
        v,
        "better" | "worse" | "higher" | "lower" | "no significant difference"
    )
}

/// A verdict that changes at the low or high value of an input.
#[derive(Debug, Clone, PartialEq)]
pub struct Flip {
    /// The input.
    pub key: String,
    /// The strategy compared with the baseline.
    pub strategy: String,
    /// The metric (a `summary.csv` column).
    pub metric: String,
    /// Plain label of the metric.
    pub label: String,
    /// Verdict at the base value.
    pub base: String,
    /// Verdict at the low value (`None`: not run).
    pub low: Option<String>,
    /// Verdict at the high value.
    pub high: Option<String>,
    /// The low and high values.
    pub values: (Option<f64>, Option<f64>),
}

impl Sensitivity {
    /// The comparison of `strategy` on `metric` in `cmps`.
    pub fn find<'a>(
        cmps: &'a [Comparison],
        strategy: &str,
        metric: &str,
    ) -> Option<&'a Comparison> {
        cmps.iter()
            .find(|c| c.strategy == strategy && c.metric == metric)
    }

    /// Every verdict that differs at the low or high value from the base
    /// run's: those of the [`HEADLINE`] metrics first, then the others,
    /// each input by input.
    pub fn flips(&self) -> Vec<Flip> {
        let mut out = Vec::new();
        for input in &self.inputs {
            for b in &self.base {
                if !settled(&b.verdict) {
                    continue;
                }
                let at = |side: &Result<Side, String>| {
                    side.as_ref()
                        .ok()
                        .and_then(|s| Self::find(&s.comparisons, &b.strategy, &b.metric))
                        .map(|c| c.verdict.clone())
                };
                let (low, high) = (at(&input.low), at(&input.high));
                let differs = |v: &Option<String>| v.as_ref().is_some_and(|v| *v != b.verdict);
                if differs(&low) || differs(&high) {
                    out.push(Flip {
                        key: input.key.clone(),
                        strategy: b.strategy.clone(),
                        metric: b.metric.clone(),
                        label: b.label.clone(),
                        base: b.verdict.clone(),
                        low,
                        high,
                        values: (
                            input.low.as_ref().ok().map(|s| s.value),
                            input.high.as_ref().ok().map(|s| s.value),
                        ),
                    });
                }
            }
        }
        // The headline metrics first, each in input order.
        out.sort_by_key(|f| {
            HEADLINE
                .iter()
                .position(|m| *m == f.metric)
                .unwrap_or(HEADLINE.len())
        });
        out
    }
}

/// The headline metrics, listed first among verdict changes.
pub const HEADLINE: [&str; 3] = [
    "response_mean_min",
    "within_target_pct",
    "officer_duty_hours_per_week",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_numbers_move_by_at_least_one() {
        assert_eq!(sides(1.0, true, 0.2), (0.0, 2.0));
        assert_eq!(sides(3.0, true, 0.2), (2.0, 4.0));
        assert_eq!(sides(10.0, true, 0.2), (8.0, 12.0));
        assert_eq!(sides(12.0, true, 0.2), (10.0, 14.0));
        assert_eq!(sides(45.0, false, 0.2), (36.0, 54.0));
        assert_eq!(sides(0.81, false, 0.2), (0.648, 0.972));
    }

    #[test]
    fn positions_are_recognised_by_their_last_part() {
        assert!(is_position("stations[hefang].lat"));
        assert!(is_position("map.centre_lon"));
        assert!(is_position("demand[3].x_km"));
        assert!(!is_position("demand[3].spread_km"));
        assert!(!is_position("travel.speed_kmh"));
    }
}
