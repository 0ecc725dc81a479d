//! Organisation models: who may answer which call, from where, in what order.
//!
//! Each model is a [`Strategy`]: a few hooks the engine calls when an incident
//! needs units or a unit becomes free. The engine owns time, travel and the
//! units' states; a strategy owns its queues and rules. The set of models a
//! scenario can name is the tagged enum [`StrategyConfig`].

mod per_station;

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use serde::Serialize;

pub use per_station::{PerStation, PerStationConfig};

use crate::engine::{Crew, IncidentId, RunOutput, Sim, UnitId, UnitSpec};
use crate::incidents::Incident;
use crate::map::Point;
use crate::scenario::raw::{RawCrew, RawStrategies};
use crate::scenario::{MIN_PER_DAY, Scenario, Station};

/// The rules of one organisation model.
///
/// Required: what to do when an incident needs units, and when a unit frees.
/// Optional hooks have empty defaults.
pub trait Strategy {
    /// Called once before the first event.
    fn start(&mut self, _sim: &mut Sim<'_>) {}

    /// `incident` is ready and needs [`crate::engine::Live::missing`] more
    /// units: assign what the rules allow now and queue the rest.
    fn on_incident(&mut self, sim: &mut Sim<'_>, incident: IncidentId);

    /// `unit` has become free at its base: give it waiting work, if any.
    fn on_unit_free(&mut self, sim: &mut Sim<'_>, unit: UnitId);

    /// A timer set with [`Sim::set_timer`] fired.
    fn on_timer(&mut self, _sim: &mut Sim<'_>, _token: u32) {}
}

/// The organisation models a scenario can ask for.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "model", rename_all = "snake_case")]
pub enum StrategyConfig {
    /// Each station answers its own jurisdiction (the baseline).
    PerStation(PerStationConfig),
}

impl StrategyConfig {
    /// The strategy's name as used in outputs and `--strategies`.
    pub fn name(&self) -> &str {
        match self {
            StrategyConfig::PerStation(_) => "per_station",
        }
    }

    /// The units this strategy fields.
    pub fn fleet(&self, s: &Scenario) -> Vec<UnitSpec> {
        match self {
            StrategyConfig::PerStation(c) => c.fleet(s),
        }
    }

    /// Runs one replication: builds the strategy's state and drives the
    /// engine, statically dispatched per model.
    pub fn run(
        &self,
        sim: Sim<'_>,
        fleet: &[UnitSpec],
        source: impl Iterator<Item = Incident>,
    ) -> RunOutput {
        match self {
            StrategyConfig::PerStation(_) => {
                let mut st = PerStation::new(sim.scenario(), fleet);
                sim.run(&mut st, source)
            }
        }
    }

    /// `(key, message)` warnings for loads the strategy can never serve.
    pub(crate) fn capacity_warnings(&self, s: &Scenario) -> Vec<(String, String)> {
        match self {
            StrategyConfig::PerStation(c) => c.capacity_warnings(s),
        }
    }
}

/// Reads every `[strategies.*]` section, reporting errors to `c`.
pub(crate) fn from_raw(
    raw: &RawStrategies,
    stations: &[Station],
    c: &mut crate::scenario::diag::Collector,
    out: &mut Vec<StrategyConfig>,
) {
    if let Some(p) = &raw.per_station {
        if let Some(cfg) = PerStationConfig::from_raw(p, stations, c) {
            out.push(StrategyConfig::PerStation(cfg));
        }
    }
}

/// Whether the file has at least one strategy section.
pub(crate) fn any_section(raw: &RawStrategies) -> bool {
    raw.per_station.is_some()
}

/// A crew from the file, or `default`; every unit needs an officer to lead it.
pub(crate) fn crew(
    raw: Option<RawCrew>,
    default: Crew,
    key: &str,
    c: &mut crate::scenario::diag::Collector,
) -> Crew {
    let crew = raw.map_or(default, |r| Crew {
        officers: r.officers,
        auxiliaries: r.auxiliaries,
    });
    if crew.officers == 0 {
        c.error(
            format!("{key}.officers"),
            "a response unit needs at least 1 officer to lead it (auxiliaries cannot respond alone)",
        );
    }
    crew
}

/// Expected busy minutes one call brings, for units based at `base`
/// answering demand points `demand` (indices): travel out and back, on scene
/// for every unit, case handling once.
pub fn work_per_call_min(s: &Scenario, base: Point, demand: &[usize]) -> f64 {
    let total_w: f64 = demand.iter().map(|&d| s.demand[d].weight).sum();
    if total_w <= 0.0 {
        return 0.0;
    }
    let travel: f64 = demand
        .iter()
        .map(|&d| {
            let p = &s.demand[d];
            let there = s.travel.response_min(base, p.pos);
            let back = s.travel.drive_min(p.pos, base);
            p.weight * (there + back)
        })
        .sum::<f64>()
        / total_w;
    s.incidents
        .kinds
        .iter()
        .map(|k| {
            k.share * (f64::from(k.units) * (travel + k.on_scene.mean()) + k.case_handling.mean())
        })
        .sum()
}

/// Offered load (Erlangs) of the calls at `demand` on units at `base`.
pub fn offered_erlangs(s: &Scenario, base: Point, demand: &[usize]) -> f64 {
    let total_w: f64 = s.demand.iter().map(|d| d.weight).sum();
    let w: f64 = demand.iter().map(|&d| s.demand[d].weight).sum();
    let calls_per_min = s.incidents.per_day / MIN_PER_DAY * w / total_w;
    calls_per_min * work_per_call_min(s, base, demand)
}

#[derive(Debug, Clone, Copy)]
struct Waiting {
    priority: u32,
    ready_min: f64,
    seq: u64,
    incident: IncidentId,
}

impl PartialEq for Waiting {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Waiting {}
impl PartialOrd for Waiting {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Waiting {
    fn cmp(&self, other: &Self) -> Ordering {
        // Reversed for the max-heap: most urgent, then oldest, then first queued.
        other
            .priority
            .cmp(&self.priority)
            .then_with(|| other.ready_min.total_cmp(&self.ready_min))
            .then_with(|| other.seq.cmp(&self.seq))
    }
}

/// Calls waiting for units: highest priority first, then oldest.
#[derive(Debug, Clone, Default)]
pub struct WaitQueue {
    heap: BinaryHeap<Waiting>,
    seq: u64,
}

impl WaitQueue {
    /// Queues `incident` (no-op if some queue already holds it).
    pub fn push(&mut self, sim: &mut Sim<'_>, incident: IncidentId) {
        let live = sim.incident(incident);
        if live.queued {
            return;
        }
        self.heap.push(Waiting {
            priority: live.priority,
            ready_min: live.ready_min,
            seq: self.seq,
            incident,
        });
        self.seq += 1;
        sim.set_queued(incident, true);
    }

    /// The call to serve next, without removing it.
    pub fn peek(&self) -> Option<IncidentId> {
        self.heap.peek().map(|w| w.incident)
    }

    /// Removes the head.
    pub fn pop(&mut self, sim: &mut Sim<'_>) -> Option<IncidentId> {
        let w = self.heap.pop()?;
        sim.set_queued(w.incident, false);
        Some(w.incident)
    }

    /// Assigns `unit` to the head call and drops the call from the queue once
    /// it has every unit it needs. Returns whether the unit was used.
    pub fn serve_head(&mut self, sim: &mut Sim<'_>, unit: UnitId) -> bool {
        let Some(head) = self.peek() else {
            return false;
        };
        sim.assign(unit, head);
        if sim.incident(head).missing() == 0 {
            self.pop(sim);
        }
        true
    }

    /// Number of waiting calls.
    pub fn len(&self) -> usize {
        self.heap.len()
    }

    /// Whether no call waits.
    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }
}
