//! The discrete-event engine: clock, event queue, units and the life of an incident.
//!
//! The engine knows how units move and how long things take; *who* answers a
//! call is decided by a [`Strategy`]. Life of an incident:
//!
//! call → ready (after call processing and hand-off) → strategy assigns free
//! units (or queues the call) → each unit drives from its base → once every
//! needed unit is on scene, all of them work `on_scene` minutes together →
//! each drives back (busy) → the first-assigned unit does case handling at
//! base (busy) → free.

mod queue;

pub use queue::EventQueue;

use serde::Serialize;

use crate::incidents::Incident;
use crate::map::{Point, TravelModel};
use crate::metrics::Recorder;
use crate::scenario::Scenario;
use crate::strategy::Strategy;

/// Index of a unit within a strategy's fleet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct UnitId(pub u32);

/// Slot of a live incident inside the engine (reused once the incident closes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct IncidentId(pub u32);

/// People in one response unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Crew {
    /// Sworn officers (one leads the unit).
    pub officers: u32,
    /// Auxiliaries.
    pub auxiliaries: u32,
}

/// A response unit as a strategy fields it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UnitSpec {
    /// Name for outputs, e.g. `hefang-1`.
    pub name: String,
    /// Index of the station the unit belongs to (for per-station statistics).
    pub station: usize,
    /// Where the unit waits when free.
    pub base: Point,
    /// Its crew.
    pub crew: Crew,
}

/// A unit's state during a run.
#[derive(Debug, Clone)]
pub struct Unit {
    /// Where the unit waits when free (strategies may move it).
    pub base: Point,
    /// Whether it can be assigned.
    pub free: bool,
    /// When it last became busy, minutes.
    busy_since: f64,
    /// Case handling it owes after returning, minutes.
    case_pending: f64,
}

/// One unit's part in an incident, minutes.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Visit {
    /// The unit.
    pub unit: UnitId,
    /// When it was assigned.
    pub dispatch_min: f64,
    /// When it arrived on scene.
    pub arrive_min: f64,
    /// When it left the scene (NaN while still there).
    pub leave_min: f64,
}

/// An incident in progress.
#[derive(Debug, Clone)]
pub struct Live {
    /// The incident as generated.
    pub incident: Incident,
    /// Priority of its kind (smaller is more urgent).
    pub priority: u32,
    /// When it can be dispatched, minutes.
    pub ready_min: f64,
    /// Units it needs in total.
    pub need: u32,
    /// Units assigned so far.
    pub assigned: u32,
    /// Units that have arrived.
    pub arrived: u32,
    /// Units that have left the scene.
    pub cleared: u32,
    /// First assignment, minutes (NaN until then).
    pub dispatch_min: f64,
    /// First arrival, minutes (NaN until then).
    pub arrive_min: f64,
    /// Arrival of the last needed unit, minutes (NaN until then).
    pub assembled_min: f64,
    /// Last unit leaving the scene, minutes (NaN until then).
    pub clear_min: f64,
    /// Whether a strategy's wait queue holds it (see [`crate::strategy::WaitQueue`]).
    pub queued: bool,
    /// Each assigned unit's times.
    pub visits: Vec<Visit>,
}

impl Live {
    /// Units still to be assigned.
    #[inline]
    pub fn missing(&self) -> u32 {
        self.need - self.assigned
    }
}

#[derive(Debug, Clone, Copy)]
enum Event {
    /// The next incident of the stream calls.
    Call,
    /// An incident can be dispatched.
    Ready(IncidentId),
    /// A unit reaches an incident.
    Arrive(IncidentId),
    /// A unit leaves the scene.
    Leave(UnitId, IncidentId),
    /// A unit is back at base.
    Back(UnitId),
    /// A unit finishes case handling.
    Free(UnitId),
    /// A strategy's timer.
    Timer(u32),
}

/// What a strategy sees and acts on: the clock, the units, the live
/// incidents, and the one way to act, [`Sim::assign`].
pub struct Sim<'s> {
    now: f64,
    scenario: &'s Scenario,
    travel: TravelModel,
    ready_delay_min: f64,
    warmup_min: f64,
    horizon_min: f64,
    units: Vec<Unit>,
    live: Vec<Live>,
    free_slots: Vec<u32>,
    events: EventQueue<Event>,
    pending: Option<Incident>,
    event_count: u64,
    /// Busy minutes of each unit inside the statistics window.
    unit_busy_min: Vec<f64>,
    recorder: Recorder,
}

/// Settings of one engine run.
#[derive(Debug, Clone, Copy)]
pub struct RunSpec {
    /// Simulated horizon, minutes.
    pub horizon_min: f64,
    /// Start of the statistics window, minutes.
    pub warmup_min: f64,
    /// Call processing plus hand-off, minutes.
    pub ready_delay_min: f64,
    /// Keep one record per incident.
    pub per_incident: bool,
}

/// What one replication of one strategy produced.
#[derive(Debug, Clone)]
pub struct RunOutput {
    /// Events processed.
    pub events: u64,
    /// Busy minutes of each unit inside the statistics window.
    pub unit_busy_min: Vec<f64>,
    /// Statistics.
    pub recorder: Recorder,
}

impl<'s> Sim<'s> {
    /// A fresh simulation of `fleet` over `scenario`.
    pub fn new(scenario: &'s Scenario, fleet: &[UnitSpec], spec: RunSpec) -> Self {
        let units = fleet
            .iter()
            .map(|u| Unit {
                base: u.base,
                free: true,
                busy_since: 0.0,
                case_pending: 0.0,
            })
            .collect();
        Self {
            now: 0.0,
            scenario,
            travel: scenario.travel.clone(),
            ready_delay_min: spec.ready_delay_min,
            warmup_min: spec.warmup_min,
            horizon_min: spec.horizon_min,
            units,
            live: Vec::with_capacity(64),
            free_slots: Vec::with_capacity(64),
            events: EventQueue::with_capacity(256),
            pending: None,
            event_count: 0,
            unit_busy_min: vec![0.0; fleet.len()],
            recorder: Recorder::new(scenario, fleet, spec),
        }
    }

    /// Current time, minutes.
    #[inline]
    pub fn now(&self) -> f64 {
        self.now
    }

    /// The scenario being simulated.
    #[inline]
    pub fn scenario(&self) -> &'s Scenario {
        self.scenario
    }

    /// A live incident.
    #[inline]
    pub fn incident(&self, id: IncidentId) -> &Live {
        &self.live[id.0 as usize]
    }

    /// A unit.
    #[inline]
    pub fn unit(&self, id: UnitId) -> &Unit {
        &self.units[id.0 as usize]
    }

    /// Whether `unit` is free.
    #[inline]
    pub fn is_free(&self, unit: UnitId) -> bool {
        self.units[unit.0 as usize].free
    }

    /// Number of units in the fleet.
    pub fn unit_count(&self) -> usize {
        self.units.len()
    }

    /// Minutes from dispatching `unit` now until it reaches `incident`.
    #[inline]
    pub fn response_min(&self, unit: UnitId, incident: IncidentId) -> f64 {
        self.travel.response_min(
            self.units[unit.0 as usize].base,
            self.live[incident.0 as usize].incident.pos,
        )
    }

    /// Marks whether a wait queue holds `incident` (used by [`crate::strategy::WaitQueue`]).
    #[inline]
    pub(crate) fn set_queued(&mut self, incident: IncidentId, queued: bool) {
        self.live[incident.0 as usize].queued = queued;
    }

    /// Sends free `unit` to `incident` now.
    ///
    /// # Panics
    /// If the unit is busy or the incident needs no more units: both are
    /// strategy bugs that would corrupt every statistic.
    pub fn assign(&mut self, unit: UnitId, incident: IncidentId) {
        let now = self.now;
        let u = &mut self.units[unit.0 as usize];
        assert!(u.free, "strategy assigned busy unit {unit:?}");
        let live = &mut self.live[incident.0 as usize];
        assert!(
            live.assigned < live.need,
            "incident {} needs no more units",
            live.incident.id
        );
        u.free = false;
        u.busy_since = now;
        if live.assigned == 0 {
            live.dispatch_min = now;
            u.case_pending = live.incident.case_min;
        } else {
            u.case_pending = 0.0;
        }
        live.assigned += 1;
        let arrive = now + self.travel.response_min(u.base, live.incident.pos);
        live.visits.push(Visit {
            unit,
            dispatch_min: now,
            arrive_min: arrive,
            leave_min: f64::NAN,
        });
        self.events.push(arrive, Event::Arrive(incident));
    }

    /// Calls the strategy's [`Strategy::on_timer`] with `token` at `at_min`.
    pub fn set_timer(&mut self, at_min: f64, token: u32) {
        self.events.push(at_min.max(self.now), Event::Timer(token));
    }

    fn admit(&mut self, incident: Incident) -> IncidentId {
        let kind = &self.scenario.incidents.kinds[incident.kind as usize];
        let live = Live {
            incident,
            priority: kind.priority,
            ready_min: incident.call_min + self.ready_delay_min,
            need: kind.units,
            assigned: 0,
            arrived: 0,
            cleared: 0,
            dispatch_min: f64::NAN,
            arrive_min: f64::NAN,
            assembled_min: f64::NAN,
            clear_min: f64::NAN,
            queued: false,
            visits: Vec::new(),
        };
        if incident.call_min >= self.warmup_min {
            self.recorder.generated += 1;
        }
        match self.free_slots.pop() {
            Some(slot) => {
                // Reuse the slot's visit buffer: no allocation in steady state.
                let old = &mut self.live[slot as usize];
                let mut visits = std::mem::take(&mut old.visits);
                visits.clear();
                *old = Live { visits, ..live };
                IncidentId(slot)
            }
            None => {
                self.live.push(live);
                IncidentId(self.live.len() as u32 - 1)
            }
        }
    }

    fn release<S: Strategy>(&mut self, unit: UnitId, strategy: &mut S) {
        let u = &mut self.units[unit.0 as usize];
        u.free = true;
        let from = u.busy_since.max(self.warmup_min);
        let to = self.now.min(self.horizon_min);
        if to > from {
            self.unit_busy_min[unit.0 as usize] += to - from;
        }
        strategy.on_unit_free(self, unit);
    }

    /// Runs `strategy` on `source` to the horizon.
    pub fn run<S: Strategy>(
        mut self,
        strategy: &mut S,
        mut source: impl Iterator<Item = Incident>,
    ) -> RunOutput {
        strategy.start(&mut self);
        if let Some(first) = source.next() {
            self.events.push(first.call_min, Event::Call);
            self.pending = Some(first);
        }
        while let Some((t, event)) = self.events.pop() {
            if t > self.horizon_min {
                break;
            }
            self.now = t;
            self.event_count += 1;
            match event {
                Event::Call => {
                    let incident = self.pending.take().expect("a call event has its incident");
                    if let Some(next) = source.next() {
                        self.events.push(next.call_min, Event::Call);
                        self.pending = Some(next);
                    }
                    let id = self.admit(incident);
                    if self.ready_delay_min > 0.0 {
                        self.events.push(t + self.ready_delay_min, Event::Ready(id));
                    } else {
                        strategy.on_incident(&mut self, id);
                    }
                }
                Event::Ready(id) => strategy.on_incident(&mut self, id),
                Event::Arrive(id) => {
                    let live = &mut self.live[id.0 as usize];
                    live.arrived += 1;
                    if live.arrived == 1 {
                        live.arrive_min = t;
                    }
                    // Work starts when the whole force is on scene: units
                    // that came first wait for the rest, so a unit can never
                    // leave and be sent back to the same incident.
                    if live.arrived == live.need {
                        live.assembled_min = t;
                        let leave = t + live.incident.on_scene_min;
                        for v in &live.visits {
                            self.events.push(leave, Event::Leave(v.unit, id));
                        }
                    }
                }
                Event::Leave(unit, id) => {
                    let live = &mut self.live[id.0 as usize];
                    live.cleared += 1;
                    live.clear_min = t;
                    if let Some(v) = live.visits.iter_mut().find(|v| v.unit == unit) {
                        v.leave_min = t;
                    }
                    let back = self
                        .travel
                        .drive_min(live.incident.pos, self.units[unit.0 as usize].base);
                    self.events.push(t + back, Event::Back(unit));
                    if live.cleared == live.need {
                        self.recorder.finish(live);
                        self.free_slots.push(id.0);
                    }
                }
                Event::Back(unit) => {
                    let case = self.units[unit.0 as usize].case_pending;
                    if case > 0.0 {
                        self.events.push(t + case, Event::Free(unit));
                    } else {
                        self.release(unit, strategy);
                    }
                }
                Event::Free(unit) => self.release(unit, strategy),
                Event::Timer(token) => strategy.on_timer(&mut self, token),
            }
        }
        self.now = self.horizon_min;
        for (i, u) in self.units.iter().enumerate() {
            if !u.free {
                let from = u.busy_since.max(self.warmup_min);
                if self.horizon_min > from {
                    self.unit_busy_min[i] += self.horizon_min - from;
                }
            }
        }
        let mut open = std::mem::take(&mut self.free_slots);
        open.sort_unstable();
        for (slot, live) in self.live.iter().enumerate() {
            if open.binary_search(&(slot as u32)).is_err() {
                self.recorder.open(live);
            }
        }
        RunOutput {
            events: self.event_count,
            unit_busy_min: self.unit_busy_min,
            recorder: self.recorder,
        }
    }
}
