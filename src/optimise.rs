//! The staffing optimiser: the fewest people on duty that meet every target.
//!
//! The decision variables are the staffing levers of one strategy: units per
//! station (per_station, traffic_merged on a per_station base,
//! station_whistle), groups per zone (zone_cooperation, traffic_merged on a
//! zone base) or the area's total units (efficiency). The people available
//! are the scenario's: an allocation that needs more posts than a pool has
//! people is recorded as "cannot be staffed" and not simulated.
//!
//! Statistics. Every allocation runs the same replications (replication `r`
//! faces the same incidents under every allocation: common random numbers).
//! A target is met when the 95 % interval of its per-replication values lies
//! on the right side of the threshold, broken when it lies on the wrong
//! side, and undecided otherwise; undecided allocations get more
//! replications (doubling) up to a cap, and stay undecided if the cap does
//! not settle them. Only allocations with every target met count as feasible.
//!
//! Search. Greedy marginal allocation from one unit per variable: while the
//! allocation is not feasible, every one-unit addition is simulated and the
//! one that improves the binding target (the one furthest from its
//! threshold, relative to the threshold) most per person added is taken.
//! Then a removal pass takes units away while the allocation stays feasible,
//! and finally checks that removing any single unit breaks a target. When
//! the allocations cheaper than the answer are few, all of them are
//! simulated, which proves the answer has the fewest people.

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;

use rayon::prelude::*;
use serde::Serialize;

use crate::experiment::replication_summaries;
use crate::metrics::{GroupSummary, StrategySummary, ci95_half_width};
use crate::roster::Roster;
use crate::scenario::Scenario;
use crate::strategy::{Plan, StrategyConfig};

/// Which way a threshold points.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Op {
    /// The metric must be at least the threshold (`>=`).
    AtLeast,
    /// The metric must be at most the threshold (`<=`).
    AtMost,
}

impl Op {
    /// `>=` or `<=`.
    pub fn symbol(self) -> &'static str {
        match self {
            Op::AtLeast => ">=",
            Op::AtMost => "<=",
        }
    }
}

/// Reads a metric of one station's, zone's or the whole area's incidents.
type GroupGet = fn(&GroupSummary) -> Option<f64>;
/// Reads an area-wide people figure.
type PeopleGet = fn(&StrategySummary) -> Option<f64>;

/// Metrics a target may name that exist for the area, each station and each
/// zone (columns of `summary.csv`).
pub const GROUP_METRICS: [(&str, GroupGet); 10] = [
    ("response_mean_min", |g| g.response_mean_min),
    ("response_p50_min", |g| g.response_p50_min),
    ("response_p90_min", |g| g.response_p90_min),
    ("response_p95_min", |g| g.response_p95_min),
    ("within_target_pct", |g| g.within_target_pct),
    ("wait_mean_min", |g| g.wait_mean_min),
    ("assembly_mean_min", |g| g.assembly_mean_min),
    ("assembled_pct", |g| g.assembled_pct),
    ("unit_utilization_pct", |g| g.unit_utilization_pct),
    ("cross_district_pct", |g| g.cross_district_pct),
];

/// Metrics a target may name for the whole area only (people's work).
pub const PEOPLE_METRICS: [(&str, PeopleGet); 5] = [
    ("officer_duty_hours_per_week", |s| {
        s.officer_duty_hours_per_week
    }),
    ("officer_busy_hours_per_week", |s| {
        s.officer_busy_hours_per_week
    }),
    ("aux_duty_hours_per_week", |s| s.aux_duty_hours_per_week),
    ("officer_load_cv", |s| s.officer_load_cv),
    ("officer_non110_hours_per_week", |s| {
        s.officer_non110_hours_per_week
    }),
];

/// The metric a target names.
#[derive(Debug, Clone, Copy)]
enum MetricRef {
    Group(GroupGet),
    People(PeopleGet),
}

/// A target such as `within_target_pct >= 80`.
#[derive(Debug, Clone)]
pub struct Target {
    /// Metric name (a `summary.csv` column).
    pub metric: String,
    /// Direction.
    pub op: Op,
    /// Threshold, in the metric's unit.
    pub value: f64,
    get: MetricRef,
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} {}", self.metric, self.op.symbol(), self.value)
    }
}

impl Target {
    /// Whether the metric exists per station and per zone.
    pub fn per_group(&self) -> bool {
        matches!(self.get, MetricRef::Group(_))
    }
}

/// Why the optimiser cannot start.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum OptimiseError {
    /// A `--target` that does not read as `METRIC OP VALUE`.
    #[error(
        "--target {text:?}: {why} (write it as 'METRIC OP VALUE', e.g. 'within_target_pct >= 80')"
    )]
    Target {
        /// The argument.
        text: String,
        /// What is wrong.
        why: String,
    },
    /// `--strategy` names no strategy of the scenario.
    #[error("unknown strategy {name:?}: the scenario defines {known}")]
    UnknownStrategy {
        /// The name asked for.
        name: String,
        /// The names defined.
        known: String,
    },
    /// Targets are required.
    #[error("give at least one --target")]
    NoTargets,
    /// `--each zone` without zones.
    #[error("--each zone: the scenario has no [[zones]]")]
    NoZones,
    /// An area-wide metric with `--each`.
    #[error(
        "--target '{0}': this is a figure of the whole area's people, not of a station or zone, so it cannot be used with --each"
    )]
    NotPerGroup(String),
    /// Replications or days out of range.
    #[error("{0}")]
    Options(String),
}

impl FromStr for Target {
    type Err = OptimiseError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let err = |why: String| OptimiseError::Target {
            text: text.to_string(),
            why,
        };
        let (pos, op, len) = [(">=", Op::AtLeast), ("<=", Op::AtMost)]
            .iter()
            .find_map(|(sym, op)| text.find(sym).map(|p| (p, *op, sym.len())))
            .ok_or_else(|| {
                err(if text.contains(['<', '>', '=']) {
                    "the comparison must be >= or <=".to_string()
                } else {
                    "no comparison (>= or <=) found".to_string()
                })
            })?;
        let metric = text[..pos].trim().to_string();
        let value_text = text[pos + len..].trim();
        let value: f64 = value_text
            .parse()
            .ok()
            .filter(|v: &f64| v.is_finite())
            .ok_or_else(|| err(format!("{value_text:?} is not a number")))?;
        let get = GROUP_METRICS
            .iter()
            .find(|(n, _)| *n == metric)
            .map(|(_, g)| MetricRef::Group(*g))
            .or_else(|| {
                PEOPLE_METRICS
                    .iter()
                    .find(|(n, _)| *n == metric)
                    .map(|(_, g)| MetricRef::People(*g))
            })
            .ok_or_else(|| {
                let known: Vec<&str> = GROUP_METRICS
                    .iter()
                    .map(|m| m.0)
                    .chain(PEOPLE_METRICS.iter().map(|m| m.0))
                    .collect();
                err(format!(
                    "unknown metric {metric:?}; the metrics are {}",
                    known.join(", ")
                ))
            })?;
        Ok(Target {
            metric,
            op,
            value,
            get,
        })
    }
}

/// Where targets apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Each {
    /// To the whole area's incidents.
    Area,
    /// To every station's jurisdiction.
    Station,
    /// To every zone.
    Zone,
}

/// What the optimiser varies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Lever {
    /// Units per station (`[[stations]] units`).
    StationUnits,
    /// Groups per zone (`[[zones]] groups`).
    ZoneGroups,
    /// The pooled force's units (`[strategies.efficiency] units`).
    TotalUnits,
}

impl Lever {
    /// The lever of a strategy.
    pub fn of(cfg: &StrategyConfig) -> Self {
        if cfg.fields_station_units() {
            Lever::StationUnits
        } else if cfg.fields_zone_groups() {
            Lever::ZoneGroups
        } else {
            Lever::TotalUnits
        }
    }

    /// What one step of the lever is, in words ("unit(s)", "group(s)").
    pub fn noun(self) -> &'static str {
        match self {
            Lever::ZoneGroups => "group(s)",
            Lever::StationUnits | Lever::TotalUnits => "unit(s)",
        }
    }
}

/// Settings of one optimisation.
#[derive(Debug, Clone)]
pub struct OptimiseOptions {
    /// The strategy whose staffing is chosen.
    pub strategy: String,
    /// Targets every chosen allocation must meet.
    pub targets: Vec<Target>,
    /// Where the targets apply.
    pub each: Each,
    /// Replications every allocation gets first (at least 2).
    pub replications: u32,
    /// Replications an undecided allocation may get at most.
    pub max_replications: u32,
    /// Simulated days per replication.
    pub days: f64,
    /// Seed of every random stream.
    pub seed: u64,
    /// Simulate every cheaper allocation when there are at most this many.
    pub enumerate_limit: usize,
    /// Stop after this many simulated allocations.
    pub max_evaluations: usize,
}

impl OptimiseOptions {
    /// The scenario's replications (up to 4 times as many for undecided
    /// allocations), days and seed, overall targets, enumeration up to 200
    /// allocations.
    pub fn new(s: &Scenario, strategy: &str, targets: Vec<Target>) -> Self {
        let replications = s.replications.max(2);
        Self {
            strategy: strategy.to_string(),
            targets,
            each: Each::Area,
            replications,
            max_replications: replications * 4,
            days: s.days,
            seed: s.seed,
            enumerate_limit: 200,
            max_evaluations: 5000,
        }
    }
}

/// One target at one place.
#[derive(Debug, Clone, Serialize)]
pub struct Constraint {
    /// Index into the targets.
    pub target: usize,
    /// Station or zone index (`None`: the whole area).
    pub group: Option<usize>,
    /// Label, e.g. `within_target_pct[hefang]`.
    pub label: String,
}

/// The verdict on one constraint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Decision {
    /// The 95 % interval lies on the right side of the threshold.
    Met,
    /// It lies on the wrong side.
    Broken,
    /// It straddles the threshold.
    Undecided,
    /// No incident gave a value (nothing to miss): counts as met.
    NoData,
}

/// One constraint's figures at one allocation.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ConstraintValue {
    /// Mean over replications.
    pub mean: Option<f64>,
    /// Lower end of the 95 % interval.
    pub low: Option<f64>,
    /// Upper end.
    pub high: Option<f64>,
    /// Verdict.
    pub decision: Decision,
}

/// The verdict on an allocation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Status {
    /// Every target met.
    Feasible,
    /// Some target broken.
    Infeasible,
    /// No target broken, some undecided at the replication cap.
    Undecided,
    /// More posts than the scenario has people (not simulated).
    Unstaffed,
}

impl Status {
    /// The word used in outputs.
    pub fn word(self) -> &'static str {
        match self {
            Status::Feasible => "feasible",
            Status::Infeasible => "infeasible",
            Status::Undecided => "undecided",
            Status::Unstaffed => "cannot be staffed",
        }
    }
}

/// Why an allocation was simulated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Phase {
    /// The scenario's own staffing, for reference.
    Current,
    /// A step of the greedy search (its start, or an addition it tried).
    Greedy,
    /// The removal pass.
    Removal,
    /// The enumeration of every cheaper allocation.
    Enumeration,
}

impl Phase {
    /// The word used in outputs.
    pub fn word(self) -> &'static str {
        match self {
            Phase::Current => "current",
            Phase::Greedy => "greedy",
            Phase::Removal => "removal",
            Phase::Enumeration => "enumeration",
        }
    }
}

/// One allocation simulated (or found impossible to staff).
#[derive(Debug, Clone, Serialize)]
pub struct Evaluation {
    /// 1-based order of evaluation.
    pub number: usize,
    /// Why it was evaluated first.
    pub phase: Phase,
    /// Units or groups per variable.
    pub allocation: Vec<u32>,
    /// People on duty per day (posts times shifts a day), when it can be staffed.
    pub people_per_day: Option<f64>,
    /// Replications run.
    pub replications: u32,
    /// Verdict.
    pub status: Status,
    /// Per constraint.
    pub constraints: Vec<ConstraintValue>,
    /// Area-wide mean response (minutes), share within target (%) and
    /// officer duty (h/week), means over replications.
    pub headline: [Option<f64>; 3],
    /// Which pools are short, when it cannot be staffed.
    pub shortage: Option<String>,
    #[serde(skip)]
    values: Vec<Vec<Option<f64>>>,
    #[serde(skip)]
    headline_values: Vec<[Option<f64>; 3]>,
}

/// What the enumeration of cheaper allocations did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Enumeration {
    /// Every allocation cheaper than the answer was simulated.
    Exhaustive {
        /// How many there were.
        allocations: usize,
    },
    /// More than the limit: not attempted.
    TooMany {
        /// The limit.
        limit: usize,
    },
    /// No answer to improve on.
    NotRun,
}

/// Pool sizes that keep average duty at most `--max-duty-hours`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PoolNeed {
    /// Whose people (a station, a zone, the area).
    pub owner: String,
    /// Officers or auxiliaries.
    pub role: String,
    /// Posts filled at all times.
    pub posts: u32,
    /// People in the scenario.
    pub people: u32,
    /// Average on-duty hours a week with the scenario's people.
    pub duty_hours_per_week: f64,
    /// People needed so that nobody averages more than the limit.
    pub people_needed: u32,
}

/// Everything the optimiser did.
#[derive(Debug, Clone, Serialize)]
pub struct OptimiseResult {
    /// The strategy optimised.
    pub strategy: String,
    /// What was varied.
    pub lever: Lever,
    /// Names of the variables (station ids, zone ids, or "area").
    pub names: Vec<String>,
    /// Where the targets applied.
    pub each: Each,
    /// The targets, as written.
    pub targets: Vec<String>,
    /// Every target at every place.
    pub constraints: Vec<Constraint>,
    /// Every allocation evaluated, in order.
    pub evaluations: Vec<Evaluation>,
    /// Index of the scenario's own allocation in `evaluations`.
    pub current: usize,
    /// Index of the answer, if one was found.
    pub best: Option<usize>,
    /// Indices of the single removals checked from the answer.
    pub removals: Vec<usize>,
    /// The enumeration of cheaper allocations.
    pub enumeration: Enumeration,
    /// Whether the evaluation budget ran out.
    pub budget_exhausted: bool,
    /// Initial replications.
    pub replications: u32,
    /// Replication cap.
    pub max_replications: u32,
    /// Days per replication.
    pub days: f64,
    /// Seed.
    pub seed: u64,
}

impl OptimiseResult {
    /// The answer's evaluation.
    pub fn best(&self) -> Option<&Evaluation> {
        self.best.map(|i| &self.evaluations[i])
    }

    /// Allocations that stayed undecided at the replication cap.
    pub fn undecided(&self) -> Vec<&Evaluation> {
        self.evaluations
            .iter()
            .filter(|e| e.status == Status::Undecided)
            .collect()
    }
}

/// The scenario with allocation `x` of `lever` applied to strategy `index`.
pub fn apply(s: &Scenario, index: usize, lever: Lever, x: &[u32]) -> Scenario {
    let mut s = s.clone();
    match lever {
        Lever::StationUnits => {
            for (st, &n) in s.stations.iter_mut().zip(x) {
                st.units = Some(n);
            }
        }
        Lever::ZoneGroups => {
            for (z, &n) in s.zones.iter_mut().zip(x) {
                z.groups = Some(n);
            }
        }
        Lever::TotalUnits => {
            if let StrategyConfig::Efficiency(c) = &mut s.strategies[index] {
                c.units = x[0];
            }
        }
    }
    s
}

/// The scenario's own allocation of `lever`.
pub fn current_allocation(s: &Scenario, index: usize, lever: Lever) -> Vec<u32> {
    match lever {
        Lever::StationUnits => s
            .stations
            .iter()
            .map(|st| {
                st.units.unwrap_or_else(|| match &s.strategies[index] {
                    StrategyConfig::PerStation(c) => c.units,
                    StrategyConfig::StationWhistle(c) => c.units,
                    StrategyConfig::TrafficMerged(c) => match &c.base {
                        crate::strategy::MergedBase::PerStation(b) => b.units,
                        crate::strategy::MergedBase::ZoneCooperation(_) => 1,
                    },
                    _ => 1,
                })
            })
            .collect(),
        Lever::ZoneGroups => {
            let default = match &s.strategies[index] {
                StrategyConfig::ZoneCooperation(c) => c.groups_per_zone,
                StrategyConfig::TrafficMerged(c) => match &c.base {
                    crate::strategy::MergedBase::ZoneCooperation(b) => b.groups_per_zone,
                    crate::strategy::MergedBase::PerStation(_) => 1,
                },
                _ => 1,
            };
            s.zones
                .iter()
                .map(|z| z.groups.unwrap_or(default))
                .collect()
        }
        Lever::TotalUnits => match &s.strategies[index] {
            StrategyConfig::Efficiency(c) => vec![c.units],
            _ => vec![1],
        },
    }
}

/// People on duty per day under `roster`: every post filled at all times,
/// times the shifts in a day.
pub fn people_per_day(roster: &Roster) -> f64 {
    let posts: u32 = roster.pools.iter().map(|p| p.posts).sum();
    f64::from(posts) * 1440.0 / roster.shift_min
}

/// Pool sizes for the plan so nobody averages more than `hours` on duty a week.
pub fn pool_needs(roster: &Roster, hours: f64) -> Vec<PoolNeed> {
    roster
        .pools
        .iter()
        .filter(|p| p.posts > 0)
        .map(|p| {
            let duty = 168.0 * f64::from(p.posts);
            PoolNeed {
                owner: p.owner.clone(),
                role: if p.role.is_officer() {
                    "officers".into()
                } else {
                    "auxiliaries".into()
                },
                posts: p.posts,
                people: p.people,
                duty_hours_per_week: if p.people > 0 {
                    duty / f64::from(p.people)
                } else {
                    f64::INFINITY
                },
                // A hair of slack so that 168 * 2 / 48 = 7 is not read as 7.000001.
                people_needed: (duty / hours - 1e-9).ceil().max(0.0) as u32,
            }
        })
        .collect()
}

/// The verdict of a threshold on per-replication values.
fn decide(op: Op, threshold: f64, values: &[Option<f64>]) -> ConstraintValue {
    let xs: Vec<f64> = values.iter().flatten().copied().collect();
    if xs.is_empty() {
        return ConstraintValue {
            mean: None,
            low: None,
            high: None,
            decision: Decision::NoData,
        };
    }
    let mean = xs.iter().sum::<f64>() / xs.len() as f64;
    let Some(hw) = ci95_half_width(&xs) else {
        return ConstraintValue {
            mean: Some(mean),
            low: None,
            high: None,
            decision: Decision::Undecided,
        };
    };
    let (low, high) = (mean - hw, mean + hw);
    let decision = match op {
        Op::AtLeast if low >= threshold => Decision::Met,
        Op::AtLeast if high < threshold => Decision::Broken,
        Op::AtMost if high <= threshold => Decision::Met,
        Op::AtMost if low > threshold => Decision::Broken,
        _ => Decision::Undecided,
    };
    ConstraintValue {
        mean: Some(mean),
        low: Some(low),
        high: Some(high),
        decision,
    }
}

/// How far the mean of the first `n` values is on the right side of the
/// threshold, relative to the threshold (positive: met on average).
fn slack(op: Op, threshold: f64, values: &[Option<f64>], n: usize) -> f64 {
    let xs: Vec<f64> = values.iter().take(n).flatten().copied().collect();
    if xs.is_empty() {
        return f64::INFINITY;
    }
    let mean = xs.iter().sum::<f64>() / xs.len() as f64;
    let scale = if threshold.abs() > 0.0 {
        threshold.abs()
    } else {
        1.0
    };
    match op {
        Op::AtLeast => (mean - threshold) / scale,
        Op::AtMost => (threshold - mean) / scale,
    }
}

/// The optimiser's state.
struct Search<'a> {
    s: &'a Scenario,
    index: usize,
    lever: Lever,
    opts: &'a OptimiseOptions,
    constraints: Vec<Constraint>,
    evaluations: Vec<Evaluation>,
    seen: HashMap<Vec<u32>, usize>,
    on_eval: &'a (dyn Fn(&Evaluation) + Sync),
}

impl Search<'_> {
    fn plan(&self, x: &[u32]) -> (Scenario, Result<Plan, String>) {
        let s = apply(self.s, self.index, self.lever, x);
        let plan = s.strategies[self.index].plan(&s).map_err(|short| {
            short
                .iter()
                .map(|sh| sh.message.clone())
                .collect::<Vec<_>>()
                .join("; ")
        });
        (s, plan)
    }

    fn cost(&self, x: &[u32]) -> Option<f64> {
        self.plan(x).1.ok().map(|p| people_per_day(&p.roster))
    }

    /// Simulates replications `from..to` of allocation `x`: per constraint
    /// and per headline, one value per replication.
    #[allow(clippy::type_complexity)]
    fn simulate(
        &self,
        x: &[u32],
        from: u32,
        to: u32,
    ) -> Result<(f64, Vec<Vec<Option<f64>>>, Vec<[Option<f64>; 3]>), String> {
        let (s, plan) = self.plan(x);
        let plan = plan?;
        let sums = replication_summaries(
            &s,
            self.index,
            &plan,
            self.opts.days,
            self.opts.seed,
            from..to,
        );
        let values = self
            .constraints
            .iter()
            .map(|c| sums.iter().map(|r| self.value(c, r)).collect())
            .collect();
        let headline = sums
            .iter()
            .map(|r| {
                [
                    r.overall.response_mean_min,
                    r.overall.within_target_pct,
                    r.officer_duty_hours_per_week,
                ]
            })
            .collect();
        Ok((people_per_day(&plan.roster), values, headline))
    }

    fn value(&self, c: &Constraint, r: &StrategySummary) -> Option<f64> {
        match self.opts.targets[c.target].get {
            MetricRef::People(get) => get(r),
            MetricRef::Group(get) => match (c.group, self.opts.each) {
                (None, _) | (_, Each::Area) => get(&r.overall),
                (Some(g), Each::Station) => get(&r.per_station[g]),
                (Some(g), Each::Zone) => get(&r.per_zone[g]),
            },
        }
    }

    /// Fills in an evaluation's verdicts from its values.
    fn judge(&self, e: &mut Evaluation) {
        e.constraints = self
            .constraints
            .iter()
            .zip(&e.values)
            .map(|(c, v)| {
                let t = &self.opts.targets[c.target];
                decide(t.op, t.value, v)
            })
            .collect();
        for k in 0..3 {
            let xs: Vec<f64> = e.headline_values.iter().filter_map(|h| h[k]).collect();
            e.headline[k] = (!xs.is_empty()).then(|| xs.iter().sum::<f64>() / xs.len() as f64);
        }
        e.replications = e.headline_values.len() as u32;
        let ds = e.constraints.iter().map(|c| c.decision);
        e.status = if ds.clone().any(|d| d == Decision::Broken) {
            Status::Infeasible
        } else if ds.clone().any(|d| d == Decision::Undecided) {
            Status::Undecided
        } else {
            Status::Feasible
        };
    }

    /// Evaluates allocations not seen before at the initial replications,
    /// in parallel; returns each one's index.
    fn evaluate_many(&mut self, xs: &[Vec<u32>], phase: Phase) -> Vec<usize> {
        let new: Vec<&Vec<u32>> = {
            let mut seen = std::collections::HashSet::new();
            xs.iter()
                .filter(|x| !self.seen.contains_key(*x) && seen.insert((*x).clone()))
                .collect()
        };
        let reps = self.opts.replications;
        let this = &*self;
        let results: Vec<_> = new
            .par_iter()
            .map(|x| (x, this.simulate(x, 0, reps)))
            .collect();
        for (x, result) in results {
            let mut e = Evaluation {
                number: self.evaluations.len() + 1,
                phase,
                allocation: x.to_vec(),
                people_per_day: None,
                replications: 0,
                status: Status::Unstaffed,
                constraints: Vec::new(),
                headline: [None; 3],
                shortage: None,
                values: Vec::new(),
                headline_values: Vec::new(),
            };
            match result {
                Ok((cost, values, headline)) => {
                    e.people_per_day = Some(cost);
                    e.values = values;
                    e.headline_values = headline;
                    self.judge(&mut e);
                }
                Err(why) => e.shortage = Some(why),
            }
            (self.on_eval)(&e);
            self.seen.insert(x.to_vec(), self.evaluations.len());
            self.evaluations.push(e);
        }
        xs.iter().map(|x| self.seen[x]).collect()
    }

    /// Evaluates `x` and gives it more replications while it is undecided.
    fn decide(&mut self, x: &[u32], phase: Phase) -> usize {
        let i = self.evaluate_many(&[x.to_vec()], phase)[0];
        while self.evaluations[i].status == Status::Undecided
            && self.evaluations[i].replications < self.opts.max_replications
        {
            let from = self.evaluations[i].replications;
            let to = (from * 2).min(self.opts.max_replications);
            let (_, values, headline) = self
                .simulate(x, from, to)
                .expect("an allocation that was staffed stays staffable");
            let mut e = self.evaluations[i].clone();
            for (all, more) in e.values.iter_mut().zip(values) {
                all.extend(more);
            }
            e.headline_values.extend(headline);
            self.judge(&mut e);
            self.evaluations[i] = e;
        }
        i
    }

    /// The not-met constraint furthest from its threshold.
    fn binding(&self, e: &Evaluation) -> Option<usize> {
        let n = e.replications as usize;
        (0..self.constraints.len())
            .filter(|&k| !matches!(e.constraints[k].decision, Decision::Met | Decision::NoData))
            .map(|k| (k, self.slack_of(e, k, n)))
            .min_by(|a, b| a.1.total_cmp(&b.1))
            .map(|(k, _)| k)
    }

    fn slack_of(&self, e: &Evaluation, k: usize, n: usize) -> f64 {
        let t = &self.opts.targets[self.constraints[k].target];
        slack(t.op, t.value, &e.values[k], n)
    }

    fn budget_left(&self) -> bool {
        self.evaluations.len() < self.opts.max_evaluations
    }
}

/// Finds the allocation of `opts.strategy`'s staffing lever with the fewest
/// people on duty per day that meets every target; `on_eval` is called after
/// each allocation is evaluated (for progress).
pub fn optimise(
    s: &Scenario,
    opts: &OptimiseOptions,
    on_eval: &(dyn Fn(&Evaluation) + Sync),
) -> Result<OptimiseResult, OptimiseError> {
    if opts.targets.is_empty() {
        return Err(OptimiseError::NoTargets);
    }
    let index = s
        .strategies
        .iter()
        .position(|c| c.name() == opts.strategy)
        .ok_or_else(|| OptimiseError::UnknownStrategy {
            name: opts.strategy.clone(),
            known: s
                .strategies
                .iter()
                .map(|c| c.name())
                .collect::<Vec<_>>()
                .join(", "),
        })?;
    if opts.replications < 2 {
        return Err(OptimiseError::Options(
            "--replications must be at least 2: feasibility is judged on a 95 % interval across replications".into(),
        ));
    }
    if opts.max_replications < opts.replications {
        return Err(OptimiseError::Options(format!(
            "--max-replications ({}) must be at least --replications ({})",
            opts.max_replications, opts.replications
        )));
    }
    if !(opts.days.is_finite() && opts.days > s.warmup_days) {
        return Err(OptimiseError::Options(format!(
            "days must be a finite number greater than the warm-up ({} days), found {}",
            s.warmup_days, opts.days
        )));
    }
    let groups: Vec<Option<(usize, String)>> = match opts.each {
        Each::Area => vec![None],
        Each::Station => s
            .stations
            .iter()
            .enumerate()
            .map(|(i, st)| Some((i, st.id.clone())))
            .collect(),
        Each::Zone => {
            if s.zones.is_empty() {
                return Err(OptimiseError::NoZones);
            }
            s.zones
                .iter()
                .enumerate()
                .map(|(i, z)| Some((i, z.id.clone())))
                .collect()
        }
    };
    let mut constraints = Vec::new();
    for (t, target) in opts.targets.iter().enumerate() {
        if opts.each != Each::Area && !target.per_group() {
            return Err(OptimiseError::NotPerGroup(target.to_string()));
        }
        for g in &groups {
            constraints.push(Constraint {
                target: t,
                group: g.as_ref().map(|(i, _)| *i),
                label: match g {
                    None => target.metric.clone(),
                    Some((_, id)) => format!("{}[{id}]", target.metric),
                },
            });
        }
    }
    let lever = Lever::of(&s.strategies[index]);
    let names: Vec<String> = match lever {
        Lever::StationUnits => s.stations.iter().map(|st| st.id.clone()).collect(),
        Lever::ZoneGroups => s.zones.iter().map(|z| z.id.clone()).collect(),
        Lever::TotalUnits => vec!["area".into()],
    };
    let mut search = Search {
        s,
        index,
        lever,
        opts,
        constraints,
        evaluations: Vec::new(),
        seen: HashMap::new(),
        on_eval,
    };
    let n = names.len();
    let current = search.decide(&current_allocation(s, index, lever), Phase::Current);
    // Greedy marginal allocation from the least staffing a strategy accepts.
    let mut x = vec![1u32; n];
    let mut blocked = vec![false; n];
    let mut best = None;
    let mut budget_exhausted = false;
    loop {
        let i = search.decide(&x, Phase::Greedy);
        let e = &search.evaluations[i];
        match e.status {
            Status::Feasible => {
                best = Some(i);
                break;
            }
            Status::Unstaffed => break,
            Status::Infeasible | Status::Undecided => {}
        }
        if !search.budget_left() {
            budget_exhausted = true;
            break;
        }
        let Some(k) = search.binding(e) else { break };
        let base_cost = e.people_per_day.unwrap_or(0.0);
        let candidates: Vec<(usize, Vec<u32>)> = (0..n)
            .filter(|&v| !blocked[v])
            .map(|v| {
                let mut y = x.clone();
                y[v] += 1;
                (v, y)
            })
            .collect();
        if candidates.is_empty() {
            break;
        }
        let xs: Vec<Vec<u32>> = candidates.iter().map(|c| c.1.clone()).collect();
        let found = search.evaluate_many(&xs, Phase::Greedy);
        let e = &search.evaluations[i];
        let shortfall = |ev: &Evaluation, m: usize| -> f64 {
            (0..search.constraints.len())
                .map(|c| search.slack_of(ev, c, m).min(0.0))
                .sum()
        };
        let mut choice: Option<(usize, f64, f64)> = None;
        for ((v, _), &j) in candidates.iter().zip(&found) {
            let c = &search.evaluations[j];
            if c.status == Status::Unstaffed {
                blocked[*v] = true;
                continue;
            }
            let m = (e.replications.min(c.replications)) as usize;
            let added = (c.people_per_day.unwrap_or(base_cost) - base_cost).max(1e-9);
            let gain = (search.slack_of(c, k, m) - search.slack_of(e, k, m)) / added;
            let overall = (shortfall(c, m) - shortfall(e, m)) / added;
            let better = match choice {
                None => true,
                Some((_, g, o)) => gain > g + 1e-12 || (gain >= g - 1e-12 && overall > o + 1e-12),
            };
            if better {
                choice = Some((*v, gain, overall));
            }
        }
        match choice {
            Some((v, _, _)) => x[v] += 1,
            None => break,
        }
    }
    let mut removals = Vec::new();
    let mut enumeration = Enumeration::NotRun;
    if let Some(b) = best {
        // Removal pass: take away single units while the targets still hold.
        let mut x = search.evaluations[b].allocation.clone();
        let mut at = b;
        'pass: loop {
            removals.clear();
            for v in 0..n {
                if x[v] <= 1 {
                    continue;
                }
                let mut y = x.clone();
                y[v] -= 1;
                let j = search.decide(&y, Phase::Removal);
                removals.push(j);
                if search.evaluations[j].status == Status::Feasible {
                    x = y;
                    at = j;
                    continue 'pass;
                }
            }
            break;
        }
        best = Some(at);
        // Enumeration of every cheaper allocation, when they are few.
        let best_cost = search.evaluations[at].people_per_day.unwrap_or(0.0);
        let lb = vec![1u32; n];
        if let Some(base) = search.cost(&lb) {
            let unit: Vec<f64> = (0..n)
                .map(|v| {
                    let mut y = lb.clone();
                    y[v] += 1;
                    search.cost(&y).map_or(f64::INFINITY, |c| c - base)
                })
                .collect();
            let mut cheaper = Vec::new();
            let fits = enumerate(
                &unit,
                best_cost - base - 1e-9,
                &mut vec![1; n],
                0,
                0.0,
                opts.enumerate_limit,
                &mut cheaper,
            );
            if fits {
                let count = cheaper.len();
                let mut found: Option<(usize, f64)> = None;
                for y in cheaper {
                    if !search.budget_left() {
                        budget_exhausted = true;
                        break;
                    }
                    let j = search.decide(&y, Phase::Enumeration);
                    let e = &search.evaluations[j];
                    if e.status == Status::Feasible {
                        let c = e.people_per_day.unwrap_or(f64::INFINITY);
                        if found.is_none_or(|(_, fc)| c < fc) {
                            found = Some((j, c));
                        }
                    }
                }
                if let Some((j, _)) = found {
                    best = Some(j);
                    removals.clear();
                }
                if !budget_exhausted {
                    enumeration = Enumeration::Exhaustive { allocations: count };
                }
            } else {
                enumeration = Enumeration::TooMany {
                    limit: opts.enumerate_limit,
                };
            }
        }
    }
    Ok(OptimiseResult {
        strategy: opts.strategy.clone(),
        lever,
        names,
        each: opts.each,
        targets: opts.targets.iter().map(|t| t.to_string()).collect(),
        constraints: search.constraints,
        evaluations: search.evaluations,
        current,
        best,
        removals,
        enumeration,
        budget_exhausted,
        replications: opts.replications,
        max_replications: opts.max_replications,
        days: opts.days,
        seed: opts.seed,
    })
}

/// Collects every allocation (each variable at least 1) whose extra cost
/// over all-ones is below `budget`, in lexicographic order; false when there
/// are more than `limit`.
fn enumerate(
    unit: &[f64],
    budget: f64,
    x: &mut Vec<u32>,
    v: usize,
    spent: f64,
    limit: usize,
    out: &mut Vec<Vec<u32>>,
) -> bool {
    if spent >= budget {
        return true;
    }
    if v == unit.len() {
        if out.len() >= limit {
            return false;
        }
        out.push(x.clone());
        return true;
    }
    let start = x[v];
    let mut extra = 0.0;
    let complete = loop {
        if !enumerate(unit, budget, x, v + 1, spent + extra, limit, out) {
            break false;
        }
        if !(unit[v].is_finite() && unit[v] > 0.0) {
            break true;
        }
        extra += unit[v];
        if spent + extra >= budget {
            break true;
        }
        x[v] += 1;
    };
    x[v] = start;
    complete
}

/// Why `optimised.toml` cannot be written.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{file}: cannot write the optimised scenario: {why}")]
pub struct RewriteError {
    /// The scenario file.
    pub file: String,
    /// What went wrong.
    pub why: String,
}

/// The scenario text `src` (read from `file`) with the answer's staffing
/// written in: `[[stations]] units`, `[[zones]] groups` or
/// `[strategies.efficiency] units`. Comments and layout are kept. Relative
/// file paths (`[map] boundary`, `[travel] network`) are made absolute, so
/// the file runs from wherever it is written.
pub fn optimised_toml(
    src: &str,
    file: &std::path::Path,
    r: &OptimiseResult,
) -> Result<String, RewriteError> {
    use toml_edit::{DocumentMut, Item, value};
    let fail = |why: String| RewriteError {
        file: file.display().to_string(),
        why,
    };
    let best = r
        .best()
        .ok_or_else(|| fail("no allocation meets the targets".into()))?;
    let mut doc: DocumentMut = src.parse().map_err(|e| fail(format!("{e}")))?;
    let set_each = |doc: &mut DocumentMut, table: &str, key: &str| -> Result<(), RewriteError> {
        let arr = doc
            .get_mut(table)
            .and_then(Item::as_array_of_tables_mut)
            .ok_or_else(|| fail(format!("no [[{table}]] tables to set {key} in")))?;
        if arr.len() != best.allocation.len() {
            return Err(fail(format!(
                "{} [[{table}]] tables, expected {}",
                arr.len(),
                best.allocation.len()
            )));
        }
        for (t, &n) in arr.iter_mut().zip(&best.allocation) {
            t[key] = value(i64::from(n));
        }
        Ok(())
    };
    match r.lever {
        Lever::StationUnits => set_each(&mut doc, "stations", "units")?,
        Lever::ZoneGroups => set_each(&mut doc, "zones", "groups")?,
        Lever::TotalUnits => {
            doc["strategies"]["efficiency"]["units"] = value(i64::from(best.allocation[0]));
        }
    }
    let dir = file.parent().unwrap_or(std::path::Path::new(""));
    for (table, key) in [("map", "boundary"), ("travel", "network")] {
        let Some(path) = doc
            .get(table)
            .and_then(|t| t.get(key))
            .and_then(Item::as_str)
            .map(std::path::PathBuf::from)
        else {
            continue;
        };
        if path.is_absolute() {
            continue;
        }
        let joined = dir.join(&path);
        let abs = joined
            .canonicalize()
            .or_else(|_| std::path::absolute(&joined))
            .map_err(|e| fail(format!("{table}.{key}: {e}")))?;
        doc[table][key] = value(abs.display().to_string());
    }
    let allocation: Vec<String> = r
        .names
        .iter()
        .zip(&best.allocation)
        .map(|(n, x)| format!("{n} {x}"))
        .collect();
    let mut out = format!(
        "# Written by `policesim optimise` from {}: the fewest people on duty for\n\
         # {} under {} ({} {}: {}), {} people on duty per day.\n\
         # Everything else is the scenario as written; relative paths are made absolute.\n",
        file.display(),
        r.targets.join(", "),
        r.strategy,
        r.lever.noun(),
        match r.lever {
            Lever::StationUnits => "per station",
            Lever::ZoneGroups => "per zone",
            Lever::TotalUnits => "in the area",
        },
        allocation.join(", "),
        best.people_per_day
            .map_or("?".to_string(), |c| format!("{c:.0}")),
    );
    out.push_str(&doc.to_string());
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_read_with_or_without_spaces() {
        let t: Target = "within_target_pct >= 80".parse().unwrap();
        assert_eq!(
            (t.metric.as_str(), t.op, t.value),
            ("within_target_pct", Op::AtLeast, 80.0)
        );
        let t: Target = "response_p90_min<=20.5".parse().unwrap();
        assert_eq!(
            (t.metric.as_str(), t.op, t.value),
            ("response_p90_min", Op::AtMost, 20.5)
        );
        assert!(
            !"officer_duty_hours_per_week <= 50"
                .parse::<Target>()
                .unwrap()
                .per_group()
        );
        let e = "within_target_pct > 80"
            .parse::<Target>()
            .unwrap_err()
            .to_string();
        assert!(e.contains("must be >= or <="), "{e}");
        let e = "within_target <= 80"
            .parse::<Target>()
            .unwrap_err()
            .to_string();
        assert!(e.contains("unknown metric \"within_target\""), "{e}");
        let e = "wait_mean_min <= soon"
            .parse::<Target>()
            .unwrap_err()
            .to_string();
        assert!(e.contains("\"soon\" is not a number"), "{e}");
    }

    #[test]
    fn decisions_follow_the_interval() {
        // Mean 10, sd 1 over 4 replications: half-width 3.182 * 0.5 = 1.591.
        let v: Vec<Option<f64>> = [9.0, 11.0, 9.0, 11.0].map(Some).to_vec();
        let hw = 3.182_446_305 * (4.0_f64 / 3.0).sqrt() / 2.0;
        let d = decide(Op::AtLeast, 8.0, &v);
        assert_eq!(d.decision, Decision::Met);
        assert!((d.low.unwrap() - (10.0 - hw)).abs() < 1e-6);
        assert_eq!(decide(Op::AtLeast, 12.0, &v).decision, Decision::Broken);
        assert_eq!(decide(Op::AtLeast, 10.5, &v).decision, Decision::Undecided);
        assert_eq!(decide(Op::AtMost, 12.0, &v).decision, Decision::Met);
        assert_eq!(decide(Op::AtMost, 8.0, &v).decision, Decision::Broken);
        assert_eq!(
            decide(Op::AtMost, 8.0, &[None, None]).decision,
            Decision::NoData
        );
    }

    #[test]
    fn pool_needs_round_up() {
        // 3 posts at 168 h a week = 504 h: 10.5 people at 48 h, so 11.
        assert_eq!((504.0_f64 / 48.0 - 1e-9).ceil() as u32, 11);
        // 2 posts: 336 h = exactly 7 people at 48 h.
        assert_eq!((336.0_f64 / 48.0 - 1e-9).ceil() as u32, 7);
    }

    #[test]
    fn enumeration_lists_every_cheaper_allocation() {
        // Two variables costing 3 and 5 people per step above (1, 1); the
        // answer costs 8 more: cheaper are +0, +3, +6 (x0 = 1..3) with x1 = 1,
        // and +5 (x0 = 1, x1 = 2).
        let mut out = Vec::new();
        assert!(enumerate(
            &[3.0, 5.0],
            8.0 - 1e-9,
            &mut vec![1, 1],
            0,
            0.0,
            100,
            &mut out
        ));
        assert_eq!(out, vec![vec![1, 1], vec![1, 2], vec![2, 1], vec![3, 1]]);
        let mut out = Vec::new();
        assert!(!enumerate(
            &[3.0, 5.0],
            8.0 - 1e-9,
            &mut vec![1, 1],
            0,
            0.0,
            3,
            &mut out
        ));
    }
}
