//! Experiments: every strategy × replication, in parallel, on common random numbers.
//!
//! Each `(strategy, replication)` pair is an independent job whose incident
//! stream depends only on `(scenario, seed, replication)`. Jobs run on rayon's
//! pool and are collected in a fixed order, so results are bit-identical for
//! any thread count.

use rayon::prelude::*;

use crate::engine::{RunSpec, Sim, UnitSpec};
use crate::incidents::{Generator, Replay, ReplayIncident, StreamModel};
use std::sync::Mutex;

use crate::metrics::{
    Hists, IncidentRecord, Recorder, Replication, StrategySummary, SummaryInput, summarise,
};
use crate::roster::Roster;
use crate::scenario::limits::{EVENT_BUDGET, MAX_DAYS, MAX_REPLICATIONS, MEMORY_BUDGET_BYTES};
use crate::scenario::{MIN_PER_DAY, Scenario};
use crate::strategy::Plan;

/// What to run, with the scenario's values unless overridden.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Replications per strategy.
    pub replications: u32,
    /// Simulated days per replication.
    pub days: f64,
    /// Seed of every random stream.
    pub seed: u64,
    /// Keep one record per incident.
    pub per_incident: bool,
    /// Names of the strategies to run (all when empty). Names are trimmed;
    /// an empty, repeated or unknown name is an error. The selected
    /// strategies run in scenario order, whatever order they are named in.
    pub strategies: Vec<String>,
    /// Replay these incidents instead of generating a stream.
    pub replay: Option<Vec<ReplayIncident>>,
    /// Also keep per-incident records of this strategy (for a backtest),
    /// without keeping those of the others.
    pub records_of: Option<String>,
    /// Run even when the work estimate is over [`EVENT_BUDGET`] or
    /// [`MEMORY_BUDGET_BYTES`] (`run --force`).
    pub force: bool,
}

impl RunOptions {
    /// The scenario's own settings.
    pub fn from_scenario(s: &Scenario) -> Self {
        Self {
            replications: s.replications,
            days: s.days,
            seed: s.seed,
            per_incident: false,
            strategies: Vec::new(),
            replay: None,
            records_of: None,
            force: false,
        }
    }
}

/// Run settings given on the command line (`--replications`, `--days`,
/// `--seed`); `None` keeps the scenario's value.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Settings {
    /// Replications per strategy.
    pub replications: Option<u32>,
    /// Simulated days per replication.
    pub days: Option<f64>,
    /// Seed of every random stream.
    pub seed: Option<u64>,
}

impl Settings {
    /// Puts each given setting into `opts`, leaving the others as they are.
    pub fn apply(self, opts: &mut RunOptions) {
        if let Some(r) = self.replications {
            opts.replications = r;
        }
        if let Some(d) = self.days {
            opts.days = d;
        }
        if let Some(seed) = self.seed {
            opts.seed = seed;
        }
    }
}

/// Options that do not fit the scenario.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ExperimentError {
    /// `--strategies` names a strategy the scenario does not define.
    #[error("--strategies: unknown strategy {name:?} (known: {known})")]
    UnknownStrategy {
        /// The name asked for.
        name: String,
        /// The names defined.
        known: String,
    },
    /// `--strategies` holds an empty name (`""`, `"a,,b"`, a trailing comma).
    #[error("--strategies: empty strategy name in {given:?} (known: {known})")]
    EmptyStrategyName {
        /// The list as given, joined by commas.
        given: String,
        /// The names defined.
        known: String,
    },
    /// `--strategies` names a strategy twice.
    #[error("--strategies: {name:?} is named twice; name each strategy once")]
    DuplicateStrategy {
        /// The repeated name.
        name: String,
    },
    /// Days not longer than the warm-up, or not positive.
    #[error(
        "days must be a finite number greater than the warm-up ({warmup_days} days), found {days}"
    )]
    Days {
        /// Days asked for.
        days: f64,
        /// The scenario's warm-up.
        warmup_days: f64,
    },
    /// Zero replications.
    #[error("replications must be at least 1")]
    Replications,
    /// More replications or days than [`MAX_REPLICATIONS`] or [`MAX_DAYS`].
    #[error("{what} too large (max {max}), found {found}")]
    TooLarge {
        /// `replications` or `days`.
        what: &'static str,
        /// The limit.
        max: f64,
        /// The value asked for.
        found: f64,
    },
    /// A replay file without a single incident.
    #[error("the replay file holds no incidents (only a header): nothing to simulate")]
    EmptyReplay,
    /// The work estimate is over a budget and `force` is not set.
    #[error(
        "the run would take about {estimate}, over the budget of {budget}: use fewer days (--days) or replications (--replications){per_incident}, or --force to run it anyway"
    )]
    OverBudget {
        /// What the run would take, in words.
        estimate: String,
        /// The budget, in words.
        budget: String,
        /// A hint about `--per-incident`, when the records are the problem.
        per_incident: &'static str,
    },
}

/// Rough events per call: the call and its dispatch, plus an arrival, a
/// departure and a return for each unit (measured: 5 to 6 per call on the
/// test scenarios, whose incidents take 1.2 units on average).
const EVENTS_PER_CALL: f64 = 2.0;
/// Events per unit an incident takes (see [`EVENTS_PER_CALL`]).
const EVENTS_PER_UNIT: f64 = 3.0;

/// What a run would take: simulated events and bytes of per-incident
/// records, estimated from the scenario before anything runs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WorkEstimate {
    /// Calls over all strategies and replications.
    pub calls: f64,
    /// Simulated events.
    pub events: f64,
    /// Bytes of per-incident records (0 without `per_incident`).
    pub record_bytes: f64,
}

/// Estimates the work of running `strategies` strategies under `opts`.
pub fn estimate(s: &Scenario, opts: &RunOptions, strategies: usize) -> WorkEstimate {
    let per_replication = match &opts.replay {
        Some(rows) => rows.len() as f64,
        None => s.incidents.per_day * opts.days,
    };
    let calls = per_replication * f64::from(opts.replications) * strategies as f64;
    let units: f64 = s
        .incidents
        .kinds
        .iter()
        .map(|k| {
            k.share
                * (f64::from(k.units) + k.escalation.map_or(0.0, |e| e.prob * f64::from(e.units)))
        })
        .sum();
    let record = std::mem::size_of::<IncidentRecord>() as f64;
    WorkEstimate {
        calls,
        events: calls * (EVENTS_PER_CALL + EVENTS_PER_UNIT * units),
        record_bytes: if opts.per_incident {
            calls * record
        } else {
            0.0
        },
    }
}

/// Refuses work over the budgets unless `opts.force`.
fn check_budget(s: &Scenario, opts: &RunOptions, strategies: usize) -> Result<(), ExperimentError> {
    if opts.force {
        return Ok(());
    }
    let w = estimate(s, opts, strategies);
    if w.events > EVENT_BUDGET as f64 {
        return Err(ExperimentError::OverBudget {
            estimate: format!("{:.2e} simulated events ({:.2e} calls)", w.events, w.calls),
            budget: format!("{:.0e} events", EVENT_BUDGET as f64),
            per_incident: "",
        });
    }
    if w.record_bytes > MEMORY_BUDGET_BYTES as f64 {
        return Err(ExperimentError::OverBudget {
            estimate: format!(
                "{:.1} GB of per-incident records ({:.2e} calls)",
                w.record_bytes / 1e9,
                w.calls
            ),
            budget: format!("{:.1} GB", MEMORY_BUDGET_BYTES as f64 / 1e9),
            per_incident: " or run without --per-incident",
        });
    }
    Ok(())
}

/// One strategy's results.
#[derive(Debug, Clone)]
pub struct StrategyOutcome {
    /// Summary over all replications.
    pub summary: StrategySummary,
    /// The units it fielded.
    pub fleet: Vec<UnitSpec>,
    /// Who staffed them.
    pub roster: Roster,
    /// Per-incident records of each replication, when asked for.
    pub records: Vec<Vec<IncidentRecord>>,
}

/// The results of an experiment.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// One entry per strategy run, in scenario order.
    pub strategies: Vec<StrategyOutcome>,
    /// The strategy the others are compared against: the scenario's
    /// baseline if it ran, otherwise the first strategy that ran.
    pub baseline: String,
    /// Events simulated over all jobs.
    pub events: u64,
    /// Replications per strategy.
    pub replications: u32,
    /// Simulated days per replication.
    pub days: f64,
    /// Seed used.
    pub seed: u64,
    /// Whether per-incident records were kept.
    pub per_incident: bool,
    /// The backtest against the replayed call log, when it has observed times.
    pub backtest: Option<crate::backtest::Backtest>,
}

/// The checks [`run`] makes before any work (replications, days, limits,
/// strategy names, budgets); returns the indices of the selected
/// strategies. A sweep calls it for every point before any point runs.
pub fn check(s: &Scenario, opts: &RunOptions) -> Result<Vec<usize>, ExperimentError> {
    if opts.replications == 0 {
        return Err(ExperimentError::Replications);
    }
    if !(opts.days.is_finite() && opts.days > s.warmup_days) {
        return Err(ExperimentError::Days {
            days: opts.days,
            warmup_days: s.warmup_days,
        });
    }
    if opts.replications > MAX_REPLICATIONS {
        return Err(ExperimentError::TooLarge {
            what: "replications",
            max: f64::from(MAX_REPLICATIONS),
            found: f64::from(opts.replications),
        });
    }
    if opts.days > MAX_DAYS {
        return Err(ExperimentError::TooLarge {
            what: "days",
            max: MAX_DAYS,
            found: opts.days,
        });
    }
    if opts.replay.as_ref().is_some_and(Vec::is_empty) {
        return Err(ExperimentError::EmptyReplay);
    }
    let selected = select(s, &opts.strategies)?;
    check_budget(s, opts, selected.len())?;
    Ok(selected)
}

/// Runs every selected strategy for every replication on rayon's current
/// pool; `on_job_done` is called after each job (for progress bars).
pub fn run(
    s: &Scenario,
    opts: &RunOptions,
    on_job_done: &(dyn Fn() + Sync),
) -> Result<Outcome, ExperimentError> {
    let selected = check(s, opts)?;
    let plans: Vec<Plan> = selected
        .iter()
        .map(|&i| s.strategies[i].plan(s).expect("validated scenario"))
        .collect();
    let model = StreamModel::new(s);
    let horizon_min = opts.days * MIN_PER_DAY;
    let spec_of = |k: usize| {
        let cfg = &s.strategies[selected[k]];
        RunSpec {
            horizon_min,
            warmup_min: s.warmup_min(),
            ready_delay_min: cfg.ready_delay_min(s),
            case_factor: cfg.case_factor(),
            per_incident: opts.per_incident || opts.records_of.as_deref() == Some(cfg.name()),
        }
    };
    let pooled: Vec<Mutex<Hists>> = selected.iter().map(|_| Mutex::new(Hists::new(s))).collect();
    let jobs: Vec<(usize, u32)> = (0..selected.len())
        .flat_map(|k| (0..opts.replications).map(move |r| (k, r)))
        .collect();
    let outputs: Vec<Replication> = jobs
        .par_iter()
        .map(|&(k, r)| {
            let cfg = &s.strategies[selected[k]];
            let plan = &plans[k];
            let spec = spec_of(k);
            let mut recorder = Recorder::new(s, spec);
            let sim = Sim::new(s, &plan.fleet, &plan.roster, spec).observed_by(&mut recorder);
            let output = match &opts.replay {
                Some(rows) => cfg.run(sim, plan, Replay::new(s, rows, opts.seed, r, horizon_min)),
                None => cfg.run(
                    sim,
                    plan,
                    Generator::new(s, &model, opts.seed, r, horizon_min),
                ),
            };
            // Pool the histograms now: they are the bulk of a replication's
            // memory, and integer counts add the same in any order.
            let hists = recorder.take_hists();
            pooled[k]
                .lock()
                .expect("no job panics while holding the lock")
                .absorb(hists);
            on_job_done();
            Replication { output, recorder }
        })
        .collect();
    let events = outputs.iter().map(|o| o.output.events).sum();
    let reps = opts.replications as usize;
    let mut outputs = outputs.into_iter();
    let strategies = selected
        .iter()
        .zip(plans)
        .zip(pooled)
        .map(|((&i, plan), hists)| {
            let hists = hists.into_inner().expect("no job panicked");
            let mut runs: Vec<Replication> = outputs.by_ref().take(reps).collect();
            let records = runs
                .iter_mut()
                .map(|r| r.recorder.records.take().unwrap_or_default())
                .collect();
            let summary = summarise(
                SummaryInput {
                    strategy: s.strategies[i].name(),
                    scenario: s,
                    fleet: &plan.fleet,
                    roster: &plan.roster,
                    from_min: s.warmup_min(),
                    to_min: horizon_min,
                },
                &runs,
                &hists,
            );
            StrategyOutcome {
                summary,
                fleet: plan.fleet,
                roster: plan.roster,
                records,
            }
        })
        .collect();
    let baseline = effective_baseline(s, &selected);
    Ok(Outcome {
        strategies,
        baseline,
        events,
        replications: opts.replications,
        days: opts.days,
        seed: opts.seed,
        per_incident: opts.per_incident,
        backtest: None,
    })
}

/// The strategy a run of the strategies at `selected` (indices into
/// `s.strategies`) compares against: the scenario's baseline when it is
/// among them, otherwise the first of them in scenario order.
pub fn effective_baseline(s: &Scenario, selected: &[usize]) -> String {
    let names: Vec<&str> = selected.iter().map(|&i| s.strategies[i].name()).collect();
    if names.contains(&s.baseline.as_str()) {
        s.baseline.clone()
    } else {
        names.first().map_or_else(String::new, |n| (*n).to_string())
    }
}

/// Indices of the strategies named, in scenario order (all when `names` is
/// empty). Names are trimmed; empty, repeated and unknown names are errors.
pub fn select(s: &Scenario, names: &[String]) -> Result<Vec<usize>, ExperimentError> {
    if names.is_empty() {
        return Ok((0..s.strategies.len()).collect());
    }
    let known = || {
        s.strategies
            .iter()
            .map(|c| c.name())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut picked = Vec::with_capacity(names.len());
    for raw in names {
        let n = raw.trim();
        if n.is_empty() {
            return Err(ExperimentError::EmptyStrategyName {
                given: names.join(","),
                known: known(),
            });
        }
        let i = s
            .strategies
            .iter()
            .position(|c| c.name() == n)
            .ok_or_else(|| ExperimentError::UnknownStrategy {
                name: n.to_string(),
                known: known(),
            })?;
        if picked.contains(&i) {
            return Err(ExperimentError::DuplicateStrategy {
                name: n.to_string(),
            });
        }
        picked.push(i);
    }
    picked.sort_unstable();
    Ok(picked)
}

/// Runs replications `reps` of strategy `index` with `plan` (which may field
/// other units than the scenario's own plan, as the optimiser's allocations
/// do) and summarises each replication on its own, in replication order.
///
/// Replication `r` sees the same incidents as replication `r` of
/// [`run`] and of every other plan (common random numbers), so the
/// per-replication figures of two plans pair up. Replications run in
/// parallel on rayon's current pool; the result does not depend on the
/// number of threads.
pub fn replication_summaries(
    s: &Scenario,
    index: usize,
    plan: &Plan,
    days: f64,
    seed: u64,
    reps: std::ops::Range<u32>,
) -> Vec<StrategySummary> {
    let cfg = &s.strategies[index];
    let model = StreamModel::new(s);
    let horizon_min = days * MIN_PER_DAY;
    let spec = RunSpec {
        horizon_min,
        warmup_min: s.warmup_min(),
        ready_delay_min: cfg.ready_delay_min(s),
        case_factor: cfg.case_factor(),
        per_incident: false,
    };
    let reps: Vec<u32> = reps.collect();
    reps.par_iter()
        .map(|&r| {
            let mut recorder = Recorder::new(s, spec);
            let sim = Sim::new(s, &plan.fleet, &plan.roster, spec).observed_by(&mut recorder);
            let output = cfg.run(sim, plan, Generator::new(s, &model, seed, r, horizon_min));
            let hists = recorder.take_hists();
            let out = Replication { output, recorder };
            let mut summary = summarise(
                SummaryInput {
                    strategy: cfg.name(),
                    scenario: s,
                    fleet: &plan.fleet,
                    roster: &plan.roster,
                    from_min: s.warmup_min(),
                    to_min: horizon_min,
                },
                std::slice::from_ref(&out),
                &hists,
            );
            for row in &mut summary.per_replication {
                row.replication = r;
            }
            summary
        })
        .collect()
}
