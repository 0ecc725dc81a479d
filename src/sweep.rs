//! Sweeps: every strategy at every point of a grid of scenario changes, on
//! common random numbers, split over machines by shards and merged back.
//!
//! A sweep varies one or more scenario keys (`--vary KEY=V1,V2,...`, the
//! keys and values of `--set`). Its points are the Cartesian product of the
//! value lists, numbered from 0 in row-major order over the `--vary` order
//! (the last key changes fastest). Every point runs every strategy with the
//! same seed and replications, so replication `r` of every point and every
//! strategy starts from the same random streams: differences between
//! points and between strategies are paired.
//!
//! Shard `K/N` (K from 1 to N) runs the points whose number modulo N is
//! K − 1 and keeps them as a [`SweepPart`]. [`merge`] checks that parts come
//! from one [`SweepPlan`] (same hash), that no shard is missing or given
//! twice, and puts the rows back in point order. An unsharded sweep is the
//! single shard 1/1 merged, so both give the same [`SweepFile`].
//!
//! ```
//! use policesim::sweep::{Shard, Vary};
//! let v = Vary::parse("incidents.per_day=10,20.5,30").unwrap();
//! assert_eq!(v.key, "incidents.per_day");
//! assert_eq!(v.texts(), ["10", "20.5", "30"]);
//! // Commas inside lists, tables and strings do not split values.
//! let v = Vary::parse(r#"scenario.description="a,b",c,d"#).unwrap();
//! assert_eq!(v.values.len(), 3);
//! let err = Vary::parse("incidents.per_dya=10,20").unwrap_err();
//! assert!(err.to_string().contains("incidents.per_day"));
//! let s: Shard = "2/3".parse().unwrap();
//! assert!(s.runs(1) && s.runs(4) && !s.runs(2));
//! assert!("0/3".parse::<Shard>().is_err());
//! ```

use std::fmt;
use std::hash::Hasher;
use std::str::FromStr;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::compare::METRICS;
pub use crate::experiment::Settings;
use crate::experiment::{self, ExperimentError, RunOptions};
use crate::metrics::{StrategySummary, ci95_half_width};
use crate::scenario::overrides::{Override, OverrideError, format_value, parse_value};
use crate::scenario::{Scenario, ScenarioError};

/// The file a shard writes into its output folder.
pub const PART_FILE: &str = "sweep-part.json";

/// The `format` field of a part file.
pub const PART_FORMAT: &str = "policesim sweep part 1";

/// Most points a sweep may have.
pub const MAX_POINTS: usize = 100_000;

/// The headline metrics that sweep charts draw and whose 95 % intervals
/// each row keeps (columns of `summary.csv`).
pub const HEADLINE_METRICS: [&str; 3] = [
    "response_mean_min",
    "within_target_pct",
    "officer_duty_hours_per_week",
];

/// A `--vary KEY=V1,V2,...`: one scenario key and the values it takes.
#[derive(Debug, Clone, PartialEq)]
pub struct Vary {
    /// The argument as given.
    pub arg: String,
    /// The key (`stations[*].units`).
    pub key: String,
    /// The values, in the order given.
    pub values: Vec<toml::Value>,
}

impl Vary {
    /// Parses `KEY=V1,V2,...`: the key as `--set` takes it, the values TOML
    /// literals split at commas outside brackets, braces and quotes.
    pub fn parse(arg: &str) -> Result<Self, SweepError> {
        let err = |message: String| SweepError::Vary {
            arg: arg.to_string(),
            message,
        };
        let (key, list) = split_assignment(arg)
            .ok_or_else(|| err("expected KEY=V1,V2,..., e.g. incidents.per_day=20,30,40".into()))?;
        let key = key.trim();
        let items = split_list(list).map_err(err)?;
        let mut values = Vec::with_capacity(items.len());
        for item in items {
            let v = parse_value(item).map_err(|m| err(format!("value {:?}: {m}", item.trim())))?;
            values.push(v);
        }
        let texts: Vec<String> = values.iter().map(format_value).collect();
        for (i, t) in texts.iter().enumerate() {
            if texts[..i].contains(t) {
                return Err(err(format!("the value {t} is given twice")));
            }
        }
        // The key and every value must make an override as `--set` would.
        for v in &values {
            Override::new(key, v.clone()).map_err(|e| match e {
                OverrideError::UnknownKey {
                    key, suggestions, ..
                } => SweepError::UnknownKey {
                    arg: arg.to_string(),
                    key,
                    suggestions,
                },
                OverrideError::Syntax { message, .. } => err(message),
            })?;
        }
        Ok(Self {
            arg: arg.to_string(),
            key: key.to_string(),
            values,
        })
    }

    /// The values as TOML literals (`30`, `0.5`, `north`): the cells of
    /// the key's `sweep.csv` column.
    pub fn texts(&self) -> Vec<String> {
        self.values.iter().map(format_value).collect()
    }
}

impl FromStr for Vary {
    type Err = SweepError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

/// Splits at the first `=` outside brackets.
fn split_assignment(arg: &str) -> Option<(&str, &str)> {
    let mut depth = 0usize;
    for (i, ch) in arg.char_indices() {
        match ch {
            '[' => depth += 1,
            ']' => depth = depth.saturating_sub(1),
            '=' if depth == 0 => return Some((&arg[..i], &arg[i + 1..])),
            _ => {}
        }
    }
    None
}

/// Splits a value list at commas outside `[]`, `{}` and quoted strings.
fn split_list(list: &str) -> Result<Vec<&str>, String> {
    let mut items = Vec::new();
    let mut depth = 0i32;
    let mut quote: Option<char> = None;
    let mut escaped = false;
    let mut start = 0;
    for (i, ch) in list.char_indices() {
        if let Some(q) = quote {
            if escaped {
                escaped = false;
            } else if ch == '\\' && q == '"' {
                escaped = true;
            } else if ch == q {
                quote = None;
            }
            continue;
        }
        match ch {
            '"' | '\'' => quote = Some(ch),
            '[' | '{' => depth += 1,
            ']' | '}' => depth -= 1,
            ',' if depth == 0 => {
                items.push(&list[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    if quote.is_some() {
        return Err("a quoted string is not closed".into());
    }
    if depth != 0 {
        return Err("brackets or braces do not match".into());
    }
    items.push(&list[start..]);
    if items.iter().any(|i| i.trim().is_empty()) {
        return Err(
            "an empty value in the list (write the values separated by single commas)".into(),
        );
    }
    Ok(items)
}

/// Which share of the points a run takes: `K/N` runs the points whose
/// number modulo `N` is `K − 1` (K counts from 1, as SLURM's
/// `--array=1-N` numbers its tasks).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    /// This shard, 1 to `n`.
    pub k: u32,
    /// Number of shards.
    pub n: u32,
}

impl Shard {
    /// Every point: the one shard of an unsharded sweep.
    pub const ALL: Shard = Shard { k: 1, n: 1 };

    /// Whether point `point` (0-based) belongs to this shard.
    pub fn runs(self, point: usize) -> bool {
        point % self.n as usize == (self.k - 1) as usize
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.k, self.n)
    }
}

impl FromStr for Shard {
    type Err = SweepError;
    fn from_str(arg: &str) -> Result<Self, Self::Err> {
        let err = |message: String| SweepError::Shard {
            arg: arg.to_string(),
            message,
        };
        let (k, n) = arg
            .split_once('/')
            .ok_or_else(|| err("expected K/N, e.g. 2/8 for the second of 8 shards".into()))?;
        let num = |t: &str, what: &str| {
            t.trim()
                .parse::<u32>()
                .map_err(|_| err(format!("{what} {:?} is not a whole number", t.trim())))
        };
        let (k, n) = (num(k, "K")?, num(n, "N")?);
        if n == 0 {
            return Err(err("N, the number of shards, must be at least 1".into()));
        }
        if n as usize > MAX_POINTS {
            return Err(err(format!(
                "N must be at most {MAX_POINTS}, the most points a sweep may have"
            )));
        }
        if k == 0 || k > n {
            return Err(err(format!(
                "K must be 1 to {n} (shards count from 1, like SLURM's --array=1-{n})"
            )));
        }
        Ok(Shard { k, n })
    }
}

/// Why a sweep cannot run or parts cannot be merged.
#[derive(Debug, thiserror::Error)]
pub enum SweepError {
    /// A malformed `--vary`.
    #[error("--vary {arg}: {message}")]
    Vary {
        /// The argument as given.
        arg: String,
        /// What is wrong.
        message: String,
    },
    /// A `--vary` key that is no scenario key.
    #[error("--vary {arg}: unknown key {key}; nearest valid keys: {}", .suggestions.join(", "))]
    UnknownKey {
        /// The argument as given.
        arg: String,
        /// The key as given.
        key: String,
        /// The nearest valid keys, nearest first.
        suggestions: Vec<String>,
    },
    /// Two `--vary` with the same key.
    #[error("--vary {0} is given twice; give each key once with all its values")]
    RepeatedKey(String),
    /// No `--vary` at all.
    #[error("give at least one --vary KEY=V1,V2,...")]
    NoVary,
    /// More points than [`MAX_POINTS`].
    #[error("the sweep has {0} points, more than the {MAX_POINTS} allowed; vary fewer values")]
    TooManyPoints(String),
    /// A malformed `--shard`.
    #[error("--shard {arg}: {message}")]
    Shard {
        /// The argument as given.
        arg: String,
        /// What is wrong.
        message: String,
    },
    /// The scenario, with a point's values, does not validate; diagnostics
    /// name the `--vary` argument and the point.
    #[error(transparent)]
    Scenario(#[from] ScenarioError),
    /// A point's run settings do not fit its scenario.
    #[error("point {point} ({values}): {source}")]
    Experiment {
        /// The point.
        point: usize,
        /// Its values, `key=value` joined by commas.
        values: String,
        /// Why.
        source: ExperimentError,
    },
    /// A part folder that cannot be read.
    #[error("{dir}: {message}")]
    Part {
        /// The folder.
        dir: String,
        /// What is wrong.
        message: String,
    },
    /// Parts of different plans.
    #[error(transparent)]
    DifferentPlans(Box<PlanMismatch>),
    /// Parts cut into different numbers of shards.
    #[error(
        "{dir_a} is shard {shard_a} but {dir_b} is shard {shard_b}: parts of one merge must be cut into the same number of shards"
    )]
    ShardCounts {
        /// The first part's folder.
        dir_a: String,
        /// Its shard.
        shard_a: Shard,
        /// The other part's folder.
        dir_b: String,
        /// Its shard.
        shard_b: Shard,
    },
    /// The same shard twice.
    #[error("shard {shard} is given twice: {dir_a} and {dir_b}")]
    DuplicateShard {
        /// The shard.
        shard: Shard,
        /// One folder.
        dir_a: String,
        /// The other.
        dir_b: String,
    },
    /// Shards not given.
    #[error(
        "missing shard(s) {missing} of {n}: run `sweep --shard K/{n}` for each and merge all {n} parts"
    )]
    MissingShards {
        /// The missing shards, `K/N` joined by commas.
        missing: String,
        /// Number of shards.
        n: u32,
    },
    /// `merge` without parts.
    #[error("give the part folders to merge")]
    NoParts,
}

/// Two parts of different plans, for [`SweepError::DifferentPlans`].
#[derive(Debug, thiserror::Error)]
#[error(
    "{dir_a} and {dir_b} come from different sweeps: plan {hash_a} ({plan_a}) against plan {hash_b} ({plan_b})"
)]
pub struct PlanMismatch {
    /// The first part's folder.
    pub dir_a: String,
    /// Its plan hash.
    pub hash_a: String,
    /// Its plan in words.
    pub plan_a: String,
    /// The other part's folder.
    pub dir_b: String,
    /// Its plan hash.
    pub hash_b: String,
    /// Its plan in words.
    pub plan_b: String,
}

/// What a sweep runs; parts of one plan have the same `hash`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SweepPlan {
    /// Scenario name.
    pub scenario: String,
    /// Scenario file, as named on the command line.
    pub file: String,
    /// policesim version.
    pub version: String,
    /// `--set` arguments, in order.
    pub set: Vec<String>,
    /// Varied keys, in `--vary` order.
    pub keys: Vec<String>,
    /// Each key's values as TOML literals.
    pub values: Vec<Vec<String>>,
    /// Run settings from the command line.
    pub settings: Settings,
    /// Number of points.
    pub points: usize,
    /// FNV-1a 64 hash (hex) of the scenario text, the `--set` arguments,
    /// the varied keys and values, the run settings and the version.
    pub hash: String,
}

impl SweepPlan {
    /// The plan in words, for error messages.
    pub fn describe(&self) -> String {
        let mut parts = vec![format!("scenario {}", self.file)];
        for s in &self.set {
            parts.push(format!("--set {s}"));
        }
        for (k, v) in self.keys.iter().zip(&self.values) {
            parts.push(format!("--vary {k}={}", v.join(",")));
        }
        if let Some(r) = self.settings.replications {
            parts.push(format!("--replications {r}"));
        }
        if let Some(d) = self.settings.days {
            parts.push(format!("--days {d}"));
        }
        if let Some(s) = self.settings.seed {
            parts.push(format!("--seed {s}"));
        }
        parts.push(format!("policesim {}", self.version));
        parts.join(", ")
    }
}

/// One point of a sweep as run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SweepPoint {
    /// Point number (0-based, row-major over the `--vary` order).
    pub point: usize,
    /// The value of each varied key (TOML literals).
    pub values: Vec<String>,
    /// Replications per strategy.
    pub replications: u32,
    /// Simulated days per replication.
    pub days: f64,
    /// Seed of every random stream.
    pub seed: u64,
    /// The strategy the others are compared against.
    pub baseline: String,
}

/// The mean of a headline metric over replications with its 95 % interval.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Interval {
    /// Metric (a `summary.csv` column).
    pub metric: String,
    /// Mean of the replications' values (absent without incidents).
    pub mean: Option<f64>,
    /// Lower end of the 95 % interval (absent with one replication).
    pub low: Option<f64>,
    /// Upper end.
    pub high: Option<f64>,
}

/// One strategy at one point.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SweepRow {
    /// Point number.
    pub point: usize,
    /// The value of each varied key (TOML literals).
    pub values: Vec<String>,
    /// The [`HEADLINE_METRICS`] over replications, with 95 % intervals.
    pub intervals: Vec<Interval>,
    /// The strategy's summary, without the per-person, per-hour and
    /// distribution detail (`people`, `roles`, `time_of_day`,
    /// `response_cdf`, `assembly_cdf` are empty); `per_replication` holds
    /// every replication's headline figures.
    pub summary: StrategySummary,
}

/// What one shard ran: the content of `sweep-part.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SweepPart {
    /// [`PART_FORMAT`].
    pub format: String,
    /// The plan.
    pub plan: SweepPlan,
    /// Which shard.
    pub shard: Shard,
    /// The points run, in order.
    pub points: Vec<SweepPoint>,
    /// One row per point and strategy, in point order.
    pub rows: Vec<SweepRow>,
}

/// A whole sweep: the content of `sweep.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SweepFile {
    /// The plan.
    pub plan: SweepPlan,
    /// Every point, in order.
    pub points: Vec<SweepPoint>,
    /// One row per point and strategy, in point order and, within a point,
    /// in scenario order of the strategies.
    pub rows: Vec<SweepRow>,
}

/// A sweep ready to run: the scenario text, overrides and grid.
#[derive(Debug, Clone)]
pub struct Sweep {
    src: String,
    set: Vec<Override>,
    vary: Vec<Vary>,
    settings: Settings,
    plan: SweepPlan,
    force: bool,
}

impl Sweep {
    /// A sweep of scenario text `src` (from `file`) with the `set`
    /// overrides, varying `vary`. Checks the grid, not the points (see
    /// [`Sweep::check`]).
    pub fn new(
        src: &str,
        file: &str,
        set: Vec<Override>,
        vary: Vec<Vary>,
        settings: Settings,
    ) -> Result<Self, SweepError> {
        if vary.is_empty() {
            return Err(SweepError::NoVary);
        }
        for (i, v) in vary.iter().enumerate() {
            if vary[..i].iter().any(|w| w.key == v.key) {
                return Err(SweepError::RepeatedKey(v.key.clone()));
            }
        }
        let mut points: usize = 1;
        for v in &vary {
            points = points
                .checked_mul(v.values.len())
                .filter(|&p| p <= MAX_POINTS)
                .ok_or_else(|| {
                    SweepError::TooManyPoints(
                        vary.iter()
                            .map(|v| v.values.len().to_string())
                            .collect::<Vec<_>>()
                            .join(" × "),
                    )
                })?;
        }
        let base = Scenario::from_toml_with(src, file, &set)?;
        let set_args: Vec<String> = set.iter().map(|o| o.arg().to_string()).collect();
        let keys: Vec<String> = vary.iter().map(|v| v.key.clone()).collect();
        let values: Vec<Vec<String>> = vary.iter().map(Vary::texts).collect();
        let version = env!("CARGO_PKG_VERSION").to_string();
        let hashed = serde_json::to_string(&(
            &version,
            src,
            &set_args,
            &keys,
            &values,
            settings.replications,
            settings.days,
            settings.seed,
        ))
        .expect("plain data serialises");
        let mut h = fnv::FnvHasher::default();
        h.write(hashed.as_bytes());
        let plan = SweepPlan {
            scenario: base.name.clone(),
            file: file.to_string(),
            version,
            set: set_args,
            keys,
            values,
            settings,
            points,
            hash: format!("{:016x}", h.finish()),
        };
        Ok(Self {
            src: src.to_string(),
            set,
            vary,
            settings,
            plan,
            force: false,
        })
    }

    /// Runs points even when their work estimate is over the event or
    /// memory budget (`--force`). It changes no result, so it is not part
    /// of the plan.
    pub fn set_force(&mut self, force: bool) {
        self.force = force;
    }

    /// The plan.
    pub fn plan(&self) -> &SweepPlan {
        &self.plan
    }

    /// The index of each key's value at `point` (row-major: the last key
    /// changes fastest).
    pub fn value_indices(&self, point: usize) -> Vec<usize> {
        let mut rest = point;
        let mut idx = vec![0; self.vary.len()];
        for (i, v) in self.vary.iter().enumerate().rev() {
            idx[i] = rest % v.values.len();
            rest /= v.values.len();
        }
        idx
    }

    /// The values at `point`, as TOML literals.
    pub fn values_at(&self, point: usize) -> Vec<String> {
        self.value_indices(point)
            .iter()
            .zip(&self.plan.values)
            .map(|(&i, v)| v[i].clone())
            .collect()
    }

    fn describe_point(&self, point: usize) -> String {
        self.plan
            .keys
            .iter()
            .zip(self.values_at(point))
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The scenario at `point`: the file with the `--set` overrides, then
    /// the point's values. A problem a value causes names its `--vary`
    /// argument and the value.
    pub fn scenario_at(&self, point: usize) -> Result<Scenario, SweepError> {
        let idx = self.value_indices(point);
        let mut overrides = self.set.clone();
        let mut vary_args = Vec::with_capacity(self.vary.len());
        for (v, &i) in self.vary.iter().zip(&idx) {
            let ov = Override::new(&v.key, v.values[i].clone()).expect("checked by Vary::parse");
            vary_args.push((
                format!("--set {}", ov.arg()),
                format!("--vary {} (value {})", v.arg, format_value(&v.values[i])),
            ));
            overrides.push(ov);
        }
        Scenario::from_toml_with(&self.src, &self.plan.file, &overrides).map_err(|e| match e {
            ScenarioError::Invalid(mut diags) => {
                for d in &mut diags {
                    // The last override of a key is the one in effect, so
                    // the --vary entries (after --set) are matched first.
                    if let Some((_, shown)) = vary_args.iter().rev().find(|(f, _)| *f == d.file) {
                        d.file.clone_from(shown);
                    }
                    for (from, to) in &vary_args {
                        d.message = d.message.replace(from, to);
                    }
                }
                SweepError::Scenario(ScenarioError::Invalid(diags))
            }
            other => SweepError::Scenario(other),
        })
    }

    /// Validates the scenario at every point of `shard`, before anything
    /// runs; returns the distinct warnings, in point order.
    pub fn check(&self, shard: Shard) -> Result<Vec<String>, SweepError> {
        let mut warnings: Vec<String> = Vec::new();
        for p in (0..self.plan.points).filter(|&p| shard.runs(p)) {
            let s = self.scenario_at(p)?;
            self.options(p, &s)?;
            for w in &s.warnings {
                let w = w.to_string();
                if !warnings.contains(&w) {
                    warnings.push(w);
                }
            }
        }
        Ok(warnings)
    }

    /// The run options at `point`.
    fn options(&self, point: usize, s: &Scenario) -> Result<RunOptions, SweepError> {
        let mut opts = RunOptions::from_scenario(s);
        self.settings.apply(&mut opts);
        opts.force = self.force;
        experiment::check(s, &opts).map_err(|source| SweepError::Experiment {
            point,
            values: self.describe_point(point),
            source,
        })?;
        Ok(opts)
    }

    /// Runs the points of `shard` on rayon's current pool (points in
    /// parallel, and the replications within each), calling `on_point_done`
    /// after each point. The result does not depend on the number of
    /// threads.
    pub fn run(
        &self,
        shard: Shard,
        on_point_done: &(dyn Fn() + Sync),
    ) -> Result<SweepPart, SweepError> {
        let mine: Vec<usize> = (0..self.plan.points).filter(|&p| shard.runs(p)).collect();
        let done: Vec<(SweepPoint, Vec<SweepRow>)> = mine
            .par_iter()
            .map(|&p| {
                let r = self.run_point(p);
                on_point_done();
                r
            })
            .collect::<Result<_, _>>()?;
        let mut points = Vec::with_capacity(done.len());
        let mut rows = Vec::new();
        for (pt, r) in done {
            points.push(pt);
            rows.extend(r);
        }
        Ok(SweepPart {
            format: PART_FORMAT.to_string(),
            plan: self.plan.clone(),
            shard,
            points,
            rows,
        })
    }

    fn run_point(&self, point: usize) -> Result<(SweepPoint, Vec<SweepRow>), SweepError> {
        let s = self.scenario_at(point)?;
        let opts = self.options(point, &s)?;
        let outcome =
            experiment::run(&s, &opts, &|| {}).map_err(|source| SweepError::Experiment {
                point,
                values: self.describe_point(point),
                source,
            })?;
        let values = self.values_at(point);
        let rows = outcome
            .strategies
            .into_iter()
            .map(|st| SweepRow {
                point,
                values: values.clone(),
                intervals: intervals(&st.summary),
                summary: trim(st.summary),
            })
            .collect();
        Ok((
            SweepPoint {
                point,
                values,
                replications: outcome.replications,
                days: outcome.days,
                seed: outcome.seed,
                baseline: outcome.baseline,
            },
            rows,
        ))
    }
}

/// The summary without the bulky detail a sweep does not use.
fn trim(mut s: StrategySummary) -> StrategySummary {
    s.people = Vec::new();
    s.roles = Vec::new();
    s.time_of_day = Vec::new();
    s.response_cdf = Vec::new();
    s.assembly_cdf = Vec::new();
    s
}

/// The [`HEADLINE_METRICS`] of a summary: mean of the replications' values
/// with its 95 % Student-t interval.
pub fn intervals(s: &StrategySummary) -> Vec<Interval> {
    HEADLINE_METRICS
        .iter()
        .map(|&metric| {
            let m = METRICS
                .iter()
                .find(|m| m.column == metric)
                .expect("headline metrics are compared metrics");
            let xs: Vec<f64> = s.per_replication.iter().filter_map(m.get).collect();
            let mean = (!xs.is_empty()).then(|| xs.iter().sum::<f64>() / xs.len() as f64);
            let hw = ci95_half_width(&xs);
            Interval {
                metric: metric.to_string(),
                mean,
                low: mean.zip(hw).map(|(m, h)| m - h),
                high: mean.zip(hw).map(|(m, h)| m + h),
            }
        })
        .collect()
}

/// Reads the part file of `dir`.
pub fn read_part(dir: &std::path::Path) -> Result<SweepPart, SweepError> {
    let shown = dir.display().to_string();
    if dir.exists() && !dir.is_dir() {
        return Err(SweepError::Part {
            dir: shown,
            message: "not a folder: give the folders written by `policesim sweep --shard K/N`"
                .into(),
        });
    }
    let path = dir.join(PART_FILE);
    let text = std::fs::read_to_string(&path).map_err(|e| SweepError::Part {
        dir: shown.clone(),
        message: if e.kind() == std::io::ErrorKind::NotFound {
            format!("no {PART_FILE}: not the output of `policesim sweep --shard K/N`")
        } else {
            format!(
                "cannot read {PART_FILE}: {}",
                crate::output::describe_io(&e)
            )
        },
    })?;
    let part: SweepPart = serde_json::from_str(&text).map_err(|e| SweepError::Part {
        dir: shown.clone(),
        message: format!("{PART_FILE} is not a sweep part: {e}"),
    })?;
    if part.format != PART_FORMAT {
        return Err(SweepError::Part {
            dir: shown,
            message: format!(
                "{PART_FILE} has format {:?}; this policesim reads {PART_FORMAT:?}",
                part.format
            ),
        });
    }
    Ok(part)
}

/// Combines the parts `(folder, part)` of one sweep into the whole sweep.
///
/// Refused: parts of different plans (naming both folders, hashes and
/// plans), different shard counts, a shard given twice (naming both
/// folders), and missing shards (naming them).
pub fn merge(parts: Vec<(String, SweepPart)>) -> Result<SweepFile, SweepError> {
    let Some((dir0, first)) = parts.first() else {
        return Err(SweepError::NoParts);
    };
    // A part file edited by hand must not reach the arithmetic below.
    for (dir, p) in &parts {
        if p.shard.n == 0
            || p.shard.n as usize > MAX_POINTS
            || p.shard.k == 0
            || p.shard.k > p.shard.n
        {
            return Err(SweepError::Part {
                dir: dir.clone(),
                message: format!(
                    "{PART_FILE} names shard {}, which is not K/N with K from 1 to N",
                    p.shard
                ),
            });
        }
    }
    for (dir, p) in &parts[1..] {
        if p.plan.hash != first.plan.hash {
            return Err(SweepError::DifferentPlans(Box::new(PlanMismatch {
                dir_a: dir0.clone(),
                hash_a: first.plan.hash.clone(),
                plan_a: first.plan.describe(),
                dir_b: dir.clone(),
                hash_b: p.plan.hash.clone(),
                plan_b: p.plan.describe(),
            })));
        }
        if p.shard.n != first.shard.n {
            return Err(SweepError::ShardCounts {
                dir_a: dir0.clone(),
                shard_a: first.shard,
                dir_b: dir.clone(),
                shard_b: p.shard,
            });
        }
    }
    let n = first.shard.n;
    let mut seen: Vec<Option<&str>> = vec![None; n as usize];
    for (dir, p) in &parts {
        let slot = &mut seen[(p.shard.k - 1) as usize];
        if let Some(other) = slot {
            return Err(SweepError::DuplicateShard {
                shard: p.shard,
                dir_a: (*other).to_string(),
                dir_b: dir.clone(),
            });
        }
        *slot = Some(dir);
    }
    let missing: Vec<String> = (1..=n)
        .filter(|&k| seen[(k - 1) as usize].is_none())
        .map(|k| format!("{k}/{n}"))
        .collect();
    if !missing.is_empty() {
        return Err(SweepError::MissingShards {
            missing: missing.join(", "),
            n,
        });
    }
    // Shard 1's plan: the same whichever order the parts are given in.
    let plan = parts
        .iter()
        .find(|(_, p)| p.shard.k == 1)
        .map_or_else(|| first.plan.clone(), |(_, p)| p.plan.clone());
    let mut points: Vec<SweepPoint> = Vec::with_capacity(plan.points);
    let mut rows: Vec<SweepRow> = Vec::new();
    for (dir, p) in parts {
        let expected = (0..plan.points).filter(|&i| p.shard.runs(i)).count();
        let numbers_ok = p.points.iter().all(|pt| p.shard.runs(pt.point))
            && p.rows.iter().all(|r| p.shard.runs(r.point));
        if p.points.len() != expected || !numbers_ok {
            return Err(SweepError::Part {
                dir,
                message: format!(
                    "shard {} should hold {expected} of the {} points, numbered {} modulo {}; the part file was changed or cut short",
                    p.shard,
                    plan.points,
                    p.shard.k - 1,
                    p.shard.n
                ),
            });
        }
        points.extend(p.points);
        rows.extend(p.rows);
    }
    points.sort_by_key(|p| p.point);
    // Stable: within a point the strategies keep their order.
    rows.sort_by_key(|r| r.point);
    Ok(SweepFile { plan, points, rows })
}
