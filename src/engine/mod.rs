//! The discrete-event engine: clock, event queue, units and the life of an incident.
//!
//! The engine knows how units move and how long things take; *who* answers a
//! call is decided by a [`Strategy`]. Life of an incident:
//!
//! call → ready (after call processing and hand-off) → strategy assigns free
//! units (or queues the call) → each unit drives from its base → works
//! `on_scene` minutes from its own arrival → drives back (busy) → the
//! first-assigned unit does case handling at base (busy) → free.
//!
//! A multi-unit incident gets its units one by one as they become available;
//! its *assembly* time is when the last needed unit arrives. Units never wait
//! on scene for one another, so units held by one incident can never block
//! another forever. When the first unit finishes on scene, any part of the
//! force not yet dispatched is stood down: the job is done, and the incident
//! counts as *not assembled*. Tiered dispatch and escalation hold part of the
//! force back until the first unit is on scene ("backup on arrival");
//! saturation dispatch sends units beyond the force needed ("extra" units).

mod queue;

pub use queue::EventQueue;

use std::collections::VecDeque;

use serde::{Deserialize, Serialize};

use crate::incidents::Incident;
use crate::map::{Point, TravelModel};
use crate::roster::Roster;
pub use crate::scenario::Crew;
use crate::scenario::Scenario;

/// The rules of one organisation model.
///
/// Required: what to do when an incident needs units, and when a unit frees.
/// Optional hooks have empty defaults.
pub trait Strategy {
    /// Called once before the first event.
    fn start(&mut self, _sim: &mut Sim<'_>) {}

    /// `incident` needs [`crate::engine::Live::missing`] more units (it has
    /// just become ready, or its first unit called for backup): assign what
    /// the rules allow now and queue the rest.
    fn on_incident(&mut self, sim: &mut Sim<'_>, incident: IncidentId);

    /// `unit` has become free at its base: give it waiting work, if any.
    fn on_unit_free(&mut self, sim: &mut Sim<'_>, unit: UnitId);

    /// A timer set with [`Sim::set_timer`] fired.
    fn on_timer(&mut self, _sim: &mut Sim<'_>, _token: u32) {}
}

/// What a run reports as it goes, for statistics.
///
/// The engine defines this and [`Strategy`] so that it depends on neither
/// the strategies nor the statistics: [`crate::metrics::Recorder`]
/// implements it. Every hook has an empty default.
pub trait Observer {
    /// `incident` has called.
    fn call(&mut self, _incident: &Incident) {}

    /// `calls` calls waited for a first unit over `[from_min, to_min)`,
    /// already clipped to the statistics window (empty when `from_min >=
    /// to_min`).
    fn waiting(&mut self, _from_min: f64, _to_min: f64, _calls: f64) {}

    /// The last unit has left `live`'s scene; `cross_station` when its first
    /// unit belongs to another station than the incident's jurisdiction.
    fn closed(&mut self, _live: &Live, _cross_station: bool) {}

    /// `live` was still open at the horizon.
    fn open(&mut self, _live: &Live) {}
}

/// Index of a unit within a strategy's fleet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct UnitId(pub u32);

/// Slot of a live incident inside the engine (reused once the incident closes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct IncidentId(pub u32);

/// What a unit is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnitKind {
    /// A station's duty unit.
    Station,
    /// A cooperation zone's response group.
    ZoneGroup,
    /// An area-wide pooled unit (efficiency policing).
    Pooled,
    /// A traffic-squad unit.
    Squad,
    /// A specialist unit (patrol, traffic, criminal investigation).
    Specialist,
    /// Off-duty people called in when needed (not on duty: no utilisation).
    CallIn,
}

impl UnitKind {
    /// Words for outputs: `"station duty"`, `"zone group"`, `"pooled"`,
    /// `"traffic squad"`, `"specialist"`, `"call-in"`.
    pub fn label(self) -> &'static str {
        match self {
            UnitKind::Station => "station duty",
            UnitKind::ZoneGroup => "zone group",
            UnitKind::Pooled => "pooled",
            UnitKind::Squad => "traffic squad",
            UnitKind::Specialist => "specialist",
            UnitKind::CallIn => "call-in",
        }
    }
}

/// A response unit as a strategy fields it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UnitSpec {
    /// Name for outputs, e.g. `hefang-1`.
    pub name: String,
    /// Index of the station the unit belongs to (its home district).
    pub station: usize,
    /// Where the unit waits when free.
    pub base: Point,
    /// Its crew.
    pub crew: Crew,
    /// What it is.
    pub kind: UnitKind,
    /// Minutes before it can start turning out (call-in delay), 0 for duty units.
    pub activation_min: f64,
}

impl UnitSpec {
    /// Whether the unit is on duty (and counts in utilisation).
    pub fn on_duty(&self) -> bool {
        self.kind != UnitKind::CallIn
    }
}

/// A unit's state during a run.
#[derive(Debug, Clone)]
pub struct Unit {
    /// Where the unit waits when free (strategies may move it).
    pub base: Point,
    /// Whether it can be assigned.
    pub free: bool,
    /// Minutes before it can start turning out.
    pub activation_min: f64,
    /// The travel model's table of `base` (see [`TravelModel::slot_of`]).
    slot: u32,
    busy_since: f64,
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
    /// When it left the scene (NaN while not yet).
    pub leave_min: f64,
    /// Whether it has reached the scene.
    #[serde(skip)]
    pub on_scene: bool,
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
    /// Units that must be on scene before work starts.
    pub need: u32,
    /// Units to be added to `need` when the first unit arrives.
    pub backup_on_arrival: u32,
    /// Units assigned so far (may exceed `need` under saturation).
    pub assigned: u32,
    /// Units that have arrived.
    pub arrived: u32,
    /// Units that have left the scene.
    pub cleared: u32,
    /// First assignment, minutes (NaN until then).
    pub dispatch_min: f64,
    /// First arrival, minutes (NaN until then).
    pub arrive_min: f64,
    /// Arrival completing the needed force, minutes (NaN until then, and
    /// for ever if the force was stood down first).
    pub assembled_min: f64,
    /// Whether the incident ever needed more than one unit.
    pub multi_unit: bool,
    /// Whether part of the force was stood down (it never assembles then).
    pub stood_down: bool,
    /// Last unit leaving the scene, minutes (NaN until then).
    pub clear_min: f64,
    /// Whether a strategy's wait queue holds it (see [`crate::strategy::WaitQueue`]).
    pub queued: bool,
    /// Whether it is ready and still has no unit (counted as a waiting call).
    waiting: bool,
    /// Each assigned unit's times.
    pub visits: Vec<Visit>,
}

impl Live {
    /// Units still to be assigned before the force is complete.
    #[inline]
    pub fn missing(&self) -> u32 {
        self.need.saturating_sub(self.assigned)
    }

    /// Whether the kind of this incident is a road accident.
    pub fn is_traffic(&self, s: &Scenario) -> bool {
        s.incidents.kinds[self.incident.kind as usize].traffic
    }
}

#[derive(Debug, Clone, Copy)]
enum Event {
    /// A unit reaches an incident.
    Arrive(UnitId, IncidentId),
    /// A unit leaves the scene.
    Leave(UnitId, IncidentId),
    /// A unit is back at base and done with any case handling.
    Free(UnitId),
    /// A strategy's timer.
    Timer(u32),
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
    /// Multiplies every case-handling time.
    pub case_factor: f64,
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
    /// On-duty busy minutes of each person (roster order).
    pub person_busy_min: Vec<f64>,
    /// Called-in (off-duty) busy minutes of each person.
    pub person_callout_min: Vec<f64>,
}

/// What a strategy sees and acts on: the clock, the units, the live
/// incidents, and the ways to act ([`Sim::assign`] and friends).
pub struct Sim<'s> {
    now: f64,
    scenario: &'s Scenario,
    roster: &'s Roster,
    travel: TravelModel,
    spec: RunSpec,
    units: Vec<Unit>,
    unit_station: Vec<u32>,
    live: Vec<Live>,
    free_slots: Vec<u32>,
    events: EventQueue<Event>,
    /// The next call of the stream and its order key. Calls come in time
    /// order, so they need no heap: the loop merges them with it.
    next_call: Option<(Incident, u128)>,
    /// Incidents waiting out call processing, in time order for the same
    /// reason (one constant delay): `(ready time, order key, incident)`.
    readies: VecDeque<(f64, u128, IncidentId)>,
    event_count: u64,
    waiting: u32,
    waiting_since: f64,
    unit_busy_min: Vec<f64>,
    person_busy_min: Vec<f64>,
    person_callout_min: Vec<f64>,
    /// Told of calls, waiting and closed incidents ([`Sim::observed_by`]).
    observer: Option<&'s mut dyn Observer>,
}

impl<'s> Sim<'s> {
    /// A fresh simulation of `fleet`, staffed by `roster`, over `scenario`.
    pub fn new(
        scenario: &'s Scenario,
        fleet: &[UnitSpec],
        roster: &'s Roster,
        spec: RunSpec,
    ) -> Self {
        let units = fleet
            .iter()
            .map(|u| Unit {
                base: u.base,
                free: true,
                activation_min: u.activation_min,
                slot: scenario.travel.slot_of(u.base),
                busy_since: 0.0,
                case_pending: 0.0,
            })
            .collect();
        let people = roster.people();
        Self {
            now: 0.0,
            scenario,
            roster,
            travel: scenario.travel.clone(),
            spec,
            units,
            unit_station: fleet.iter().map(|u| u.station as u32).collect(),
            live: Vec::with_capacity(64),
            free_slots: Vec::with_capacity(64),
            events: EventQueue::with_capacity(256),
            next_call: None,
            readies: VecDeque::with_capacity(64),
            event_count: 0,
            waiting: 0,
            waiting_since: 0.0,
            unit_busy_min: vec![0.0; fleet.len()],
            person_busy_min: vec![0.0; people],
            person_callout_min: vec![0.0; people],
            observer: None,
        }
    }

    /// The same simulation, telling `observer` of every call, every change
    /// in the number of waiting calls and every closed incident. Without
    /// one, a run keeps only its [`RunOutput`].
    pub fn observed_by(mut self, observer: &'s mut dyn Observer) -> Self {
        self.observer = Some(observer);
        self
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
        let u = &self.units[unit.0 as usize];
        let i = &self.live[incident.0 as usize].incident;
        u.activation_min + self.travel.response_at(u.base, u.slot, i.pos, i.node)
    }

    /// Marks whether a wait queue holds `incident` (used by [`crate::strategy::WaitQueue`]).
    #[inline]
    pub(crate) fn set_queued(&mut self, incident: IncidentId, queued: bool) {
        self.live[incident.0 as usize].queued = queued;
    }

    /// Moves where `unit` waits when free. A free unit is taken to be there at
    /// once (standby on the move patrols its way to the post); a busy one
    /// drives back there after its job.
    pub fn set_base(&mut self, unit: UnitId, base: Point) {
        let u = &mut self.units[unit.0 as usize];
        if u.base != base {
            u.base = base;
            u.slot = self.travel.slot_of(base);
            // Every point a strategy can base a unit at has a table
            // (scenario::network::bases): a miss would fall back to a
            // search per trip.
            debug_assert!(
                matches!(self.travel, TravelModel::Euclidean { .. })
                    || u.slot != crate::map::NO_HANDLE,
                "base {base:?} has no shortest-path table"
            );
        }
    }

    /// Holds `units` of the force back until the first unit is on scene
    /// (tiered dispatch: the first unit assesses, then calls the rest).
    ///
    /// # Panics
    /// If units were already assigned or fewer than `units + 1` are needed.
    pub fn defer_to_arrival(&mut self, incident: IncidentId, units: u32) {
        let live = &mut self.live[incident.0 as usize];
        assert!(live.assigned == 0 && live.need > units, "cannot defer");
        live.need -= units;
        live.backup_on_arrival += units;
    }

    /// Sends free `unit` to `incident` now, as part of its needed force.
    ///
    /// # Panics
    /// If the unit is busy or the incident needs no more units: both are
    /// strategy bugs that would corrupt every statistic.
    pub fn assign(&mut self, unit: UnitId, incident: IncidentId) {
        let live = &self.live[incident.0 as usize];
        assert!(
            live.assigned < live.need,
            "incident {} needs no more units",
            live.incident.id
        );
        self.dispatch(unit, incident);
    }

    /// Sends free `unit` to `incident` beyond the force it needs (saturation
    /// dispatch); it joins the work until it ends.
    pub fn assign_extra(&mut self, unit: UnitId, incident: IncidentId) {
        self.dispatch(unit, incident);
    }

    fn dispatch(&mut self, unit: UnitId, incident: IncidentId) {
        let now = self.now;
        if self.live[incident.0 as usize].waiting {
            self.account_waiting();
            self.waiting -= 1;
            self.live[incident.0 as usize].waiting = false;
        }
        let u = &mut self.units[unit.0 as usize];
        assert!(u.free, "strategy assigned busy unit {unit:?}");
        let live = &mut self.live[incident.0 as usize];
        u.free = false;
        u.busy_since = now;
        if live.assigned == 0 {
            live.dispatch_min = now;
            u.case_pending = live.incident.case_min * self.spec.case_factor;
        } else {
            u.case_pending = 0.0;
        }
        live.assigned += 1;
        let i = &live.incident;
        let arrive =
            now + u.activation_min + self.travel.response_at(u.base, u.slot, i.pos, i.node);
        live.visits.push(Visit {
            unit,
            dispatch_min: now,
            arrive_min: arrive,
            leave_min: f64::NAN,
            on_scene: false,
        });
        self.events.push(arrive, Event::Arrive(unit, incident));
    }

    /// Calls the strategy's [`Strategy::on_timer`] with `token` at `at_min`.
    pub fn set_timer(&mut self, at_min: f64, token: u32) {
        self.events.push(at_min.max(self.now), Event::Timer(token));
    }

    /// Adds the waiting-call area since the last change to the by-hour bins.
    fn account_waiting(&mut self) {
        let (from, to) = (self.waiting_since, self.now);
        self.waiting_since = to;
        if self.waiting > 0
            && let Some(o) = self.observer.as_deref_mut()
        {
            o.waiting(
                from.max(self.spec.warmup_min),
                to.min(self.spec.horizon_min),
                f64::from(self.waiting),
            );
        }
    }

    fn admit(&mut self, incident: Incident) -> IncidentId {
        let kind = &self.scenario.incidents.kinds[incident.kind as usize];
        let backup = kind
            .escalation
            .filter(|e| incident.escalate_u < e.prob)
            .map_or(0, |e| e.units);
        let live = Live {
            incident,
            priority: kind.priority,
            ready_min: incident.call_min + self.spec.ready_delay_min,
            need: kind.units,
            backup_on_arrival: backup,
            assigned: 0,
            arrived: 0,
            cleared: 0,
            dispatch_min: f64::NAN,
            arrive_min: f64::NAN,
            assembled_min: f64::NAN,
            multi_unit: kind.units + backup > 1,
            stood_down: false,
            clear_min: f64::NAN,
            queued: false,
            waiting: false,
            visits: Vec::new(),
        };
        if let Some(o) = self.observer.as_deref_mut() {
            o.call(&incident);
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

    fn ready<S: Strategy>(&mut self, id: IncidentId, strategy: &mut S) {
        strategy.on_incident(self, id);
        if self.live[id.0 as usize].assigned == 0 {
            self.account_waiting();
            self.waiting += 1;
            self.live[id.0 as usize].waiting = true;
        }
    }

    fn add_busy(&mut self, unit: usize, since: f64) {
        let from = since.max(self.spec.warmup_min);
        let to = self.now.min(self.spec.horizon_min);
        if to > from {
            self.unit_busy_min[unit] += to - from;
            self.roster.attribute(
                unit,
                from,
                to,
                &mut self.person_busy_min,
                &mut self.person_callout_min,
            );
        }
    }

    fn release<S: Strategy>(&mut self, unit: UnitId, strategy: &mut S) {
        let u = &mut self.units[unit.0 as usize];
        u.free = true;
        let since = u.busy_since;
        self.add_busy(unit.0 as usize, since);
        strategy.on_unit_free(self, unit);
    }

    fn arrive<S: Strategy>(&mut self, unit: UnitId, id: IncidentId, strategy: &mut S) {
        let t = self.now;
        let live = &mut self.live[id.0 as usize];
        live.arrived += 1;
        if let Some(v) = live
            .visits
            .iter_mut()
            .find(|v| v.unit == unit && !v.on_scene)
        {
            v.on_scene = true;
        }
        let mut call_backup = false;
        if live.arrived == 1 {
            live.arrive_min = t;
            if live.backup_on_arrival > 0 {
                live.need += live.backup_on_arrival;
                live.backup_on_arrival = 0;
                live.multi_unit = true;
                call_backup = live.missing() > 0 && !live.queued;
            }
        }
        if live.assembled_min.is_nan() && !live.stood_down && live.arrived >= live.need {
            live.assembled_min = t;
        }
        self.events
            .push(t + live.incident.on_scene_min, Event::Leave(unit, id));
        if call_backup {
            strategy.on_incident(self, id);
        }
    }

    fn leave(&mut self, unit: UnitId, id: IncidentId) {
        let t = self.now;
        let live = &mut self.live[id.0 as usize];
        live.cleared += 1;
        live.clear_min = t;
        if let Some(v) = live.visits.iter_mut().find(|v| v.unit == unit) {
            v.leave_min = t;
        }
        // The job is done: stand down whatever was not dispatched yet.
        if live.missing() > 0 {
            live.stood_down = true;
            live.need = live.assigned;
        }
        live.backup_on_arrival = 0;
        // Driving back and case handling both keep the unit busy; nothing
        // happens in between, so one event marks the end of both.
        let u = &self.units[unit.0 as usize];
        let i = &live.incident;
        let back = t + self.travel.drive_back_at(i.pos, i.node, u.base, u.slot);
        self.events.push(back + u.case_pending, Event::Free(unit));
        if live.cleared == live.assigned {
            let first = live.visits[0].unit.0 as usize;
            let cross = self.unit_station[first] != live.incident.station;
            if let Some(o) = self.observer.as_deref_mut() {
                o.closed(live, cross);
            }
            self.free_slots.push(id.0);
        }
    }

    /// Runs `strategy` on `source` to the horizon.
    pub fn run<S: Strategy>(
        mut self,
        strategy: &mut S,
        mut source: impl Iterator<Item = Incident>,
    ) -> RunOutput {
        strategy.start(&mut self);
        if let Some(first) = source.next() {
            let seq = self.events.take_seq();
            self.next_call = Some((first, queue::key(first.call_min, seq)));
        }
        loop {
            // The earliest of three time-ordered sources, by (time, seq): the
            // same order as if calls and readies were in the heap.
            let heap = self.events.peek_key();
            let call = self.next_call.as_ref().map_or(u128::MAX, |c| c.1);
            let ready = self.readies.front().map_or(u128::MAX, |r| r.1);
            let first = heap.min(call).min(ready);
            if first == u128::MAX || queue::key_time(first) > self.spec.horizon_min {
                break;
            }
            self.event_count += 1;
            if first == call {
                let (incident, _) = self.next_call.take().expect("checked");
                let t = incident.call_min;
                self.now = t;
                if let Some(next) = source.next() {
                    let seq = self.events.take_seq();
                    self.next_call = Some((next, queue::key(next.call_min, seq)));
                }
                let id = self.admit(incident);
                if self.spec.ready_delay_min > 0.0 {
                    let at = t + self.spec.ready_delay_min;
                    let seq = self.events.take_seq();
                    self.readies.push_back((at, queue::key(at, seq), id));
                } else {
                    self.ready(id, strategy);
                }
                continue;
            }
            if first == ready {
                let (t, _, id) = self.readies.pop_front().expect("checked");
                self.now = t;
                self.ready(id, strategy);
                continue;
            }
            let (t, event) = self.events.pop().expect("checked");
            self.now = t;
            match event {
                Event::Arrive(unit, id) => self.arrive(unit, id, strategy),
                Event::Leave(unit, id) => self.leave(unit, id),
                Event::Free(unit) => self.release(unit, strategy),
                Event::Timer(token) => strategy.on_timer(&mut self, token),
            }
        }
        self.now = self.spec.horizon_min;
        self.account_waiting();
        for i in 0..self.units.len() {
            if !self.units[i].free {
                let since = self.units[i].busy_since;
                self.add_busy(i, since);
            }
        }
        let mut closed = std::mem::take(&mut self.free_slots);
        closed.sort_unstable();
        for (slot, live) in self.live.iter().enumerate() {
            if closed.binary_search(&(slot as u32)).is_err()
                && let Some(o) = self.observer.as_deref_mut()
            {
                o.open(live);
            }
        }
        RunOutput {
            events: self.event_count,
            unit_busy_min: self.unit_busy_min,
            person_busy_min: self.person_busy_min,
            person_callout_min: self.person_callout_min,
        }
    }
}
