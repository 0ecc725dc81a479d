//! Scenario files: the planner's interface.
//!
//! A scenario is read in two steps: [`raw`] mirrors the TOML with serde (so
//! unknown keys and wrong types are caught with their key path and line), then
//! a validation step ([`crate::load`], which defines [`Scenario::load`] and
//! [`Scenario::from_toml`]) checks meaning (references, shares, rates,
//! staffing) and builds the domain types below, which is all the engine ever
//! sees.
//!
//! This module is the bottom layer's data: it imports no engine, strategy,
//! roster or metrics code. Validation needs the strategies' staffing plans,
//! so it sits above them.

pub(crate) mod diag;
pub mod limits;
pub mod overrides;
pub mod raw;
pub mod replay;
pub mod strategies;

use serde::{Deserialize, Serialize};

pub use diag::{Diagnostic, ScenarioError};

use crate::boundary::Boundary;
use crate::dist::Dist;
use crate::map::{Datum, Point, Projection, TravelModel};

pub use strategies::StrategyConfig;

/// Minutes in a day.
pub const MIN_PER_DAY: f64 = 1440.0;

/// People in one response unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Crew {
    /// Sworn officers (one leads the unit).
    pub officers: u32,
    /// Auxiliaries.
    pub auxiliaries: u32,
}

/// A validated scenario.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// File the scenario came from (or a label for in-memory text).
    pub file: String,
    /// Short name; names the default output directory.
    pub name: String,
    /// Free text for the report.
    pub description: String,
    /// Where the inputs come from (`[scenario] sources`), trimmed; `None`
    /// when the file does not say.
    pub sources: Option<String>,
    /// Simulated days per replication.
    pub days: f64,
    /// Days discarded from statistics.
    pub warmup_days: f64,
    /// Replications to run.
    pub replications: u32,
    /// Seed of every random stream.
    pub seed: u64,
    /// Response-time target, minutes.
    pub target_min: f64,
    /// Day of the week of minute 0 (the weekly profile counts from it).
    pub start_weekday: Weekday,
    /// Name of the strategy the others are compared against.
    pub baseline: String,
    /// The lat/lon projection, when any point was given in degrees.
    pub projection: Option<Projection>,
    /// Datum of the scenario's latitudes and longitudes (`[map] datum`).
    pub datum: Datum,
    /// The county outline (`[map] boundary`), with each station's
    /// jurisdiction cell inside it.
    pub boundary: Option<Boundary>,
    /// Travel-time model.
    pub travel: TravelModel,
    /// Call taking before a call can be dispatched, minutes.
    pub call_processing_min: f64,
    /// Hand-off from the call centre to the responding station, minutes.
    pub handoff_min: f64,
    /// Police stations, in file order.
    pub stations: Vec<Station>,
    /// Demand points, in file order.
    pub demand: Vec<DemandPoint>,
    /// The incident stream.
    pub incidents: IncidentModel,
    /// Shift pattern.
    pub roster: RosterSpec,
    /// Cooperation zones, in file order.
    pub zones: Vec<Zone>,
    /// Traffic squads, in file order.
    pub squads: Vec<Squad>,
    /// Specialist units, in file order.
    pub specialists: Vec<Specialist>,
    /// Strategies to run, in the fixed order per_station, zone_cooperation,
    /// traffic_merged, efficiency, station_whistle (whichever are present).
    pub strategies: Vec<StrategyConfig>,
    /// `[replay]`: how to read a call log, when the scenario says.
    pub replay: Option<replay::ReplaySpec>,
    /// Problems worth a warning that do not stop a run.
    pub warnings: Vec<Diagnostic>,
}

/// A police station (派出所).
#[derive(Debug, Clone, Serialize)]
pub struct Station {
    /// Unique id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Location.
    pub pos: Point,
    /// Sworn officers (民警).
    pub officers: u32,
    /// Auxiliary police (辅警).
    pub auxiliaries: u32,
    /// Duty units under the per-station models, when the file sets them for
    /// this station (otherwise the strategy's `units`).
    pub units: Option<u32>,
}

/// A weighted place where incidents happen.
#[derive(Debug, Clone, Serialize)]
pub struct DemandPoint {
    /// Display name (may be empty).
    pub name: String,
    /// Centre of the incident disc.
    pub pos: Point,
    /// Relative call volume.
    pub weight: f64,
    /// Radius of the disc incidents scatter uniformly in, km.
    pub spread_km: f64,
    /// Index of the station whose jurisdiction this point is in.
    pub station: usize,
    /// Part of an `area = "boundary"` demand: incidents spread uniformly
    /// over the station's jurisdiction cell inside the county outline
    /// (`boundary.cells[station]`), not around `pos`, which is the cell's
    /// centroid.
    pub area: bool,
    /// Response target of calls from this point, minutes, when the file
    /// sets one (otherwise [`Scenario::target_min`]).
    pub target_min: Option<f64>,
}

/// One kind of incident.
#[derive(Debug, Clone)]
pub struct Kind {
    /// Unique name.
    pub name: String,
    /// Share of all calls (shares sum to 1).
    pub share: f64,
    /// Smaller is more urgent; waiting calls are served by priority, then age.
    pub priority: u32,
    /// Response units the incident needs.
    pub units: u32,
    /// Time each unit spends on scene, minutes.
    pub on_scene: Dist,
    /// Follow-up work by the first unit at its base, minutes.
    pub case_handling: Dist,
    /// A road accident (answered by the traffic squad unless merged).
    pub traffic: bool,
    /// Tiered backup called by the first unit on scene.
    pub escalation: Option<Escalation>,
}

/// With probability `prob` the first unit on scene calls `units` more.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Escalation {
    /// Probability, 0..1.
    pub prob: f64,
    /// Extra units called.
    pub units: u32,
}

/// Shift pattern of everybody on duty.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct RosterSpec {
    /// Shift length, hours (24, 12 or 8).
    pub shift_hours: u32,
    /// Night starts at this hour.
    pub night_start_hour: u32,
    /// Night ends at this hour.
    pub night_end_hour: u32,
}

/// A cooperation zone (警务协作区).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Zone {
    /// Unique id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Member station indices.
    pub stations: Vec<usize>,
    /// Index of the central station (中心所).
    pub hub: usize,
    /// Response groups, when the file sets them for this zone (otherwise
    /// the strategy's `groups_per_zone`).
    pub groups: Option<u32>,
}

/// A circular area.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Area {
    /// Centre.
    pub centre: Point,
    /// Radius, km.
    pub radius_km: f64,
}

impl Area {
    /// Whether `p` lies inside (or on the edge).
    pub fn contains(&self, p: Point) -> bool {
        self.centre.distance_km(p) <= self.radius_km
    }
}

/// A traffic squad (交警中队).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Squad {
    /// Unique id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Base.
    pub pos: Point,
    /// Units on duty at all times.
    pub units: u32,
    /// Crew of each unit.
    pub crew: Crew,
    /// Officers in the squad.
    pub officers: u32,
    /// Auxiliaries in the squad.
    pub auxiliaries: u32,
    /// Urban area it keeps after a merge.
    pub urban: Option<Area>,
}

/// A specialist unit a station can summon (patrol, traffic, criminal investigation).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Specialist {
    /// Unique id.
    pub id: String,
    /// Base.
    pub pos: Point,
    /// Role, e.g. "patrol".
    pub role: String,
    /// Crew.
    pub crew: Crew,
    /// Officers rotating through it.
    pub officers: u32,
    /// Auxiliaries rotating through it.
    pub auxiliaries: u32,
}

/// A day of the week.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Weekday {
    /// Monday (weekday 0: `weekly` profiles list Monday first).
    Monday,
    /// Tuesday.
    Tuesday,
    /// Wednesday.
    Wednesday,
    /// Thursday.
    Thursday,
    /// Friday.
    Friday,
    /// Saturday.
    Saturday,
    /// Sunday.
    Sunday,
}

impl Weekday {
    /// Every day, Monday first.
    pub const ALL: [Weekday; 7] = [
        Weekday::Monday,
        Weekday::Tuesday,
        Weekday::Wednesday,
        Weekday::Thursday,
        Weekday::Friday,
        Weekday::Saturday,
        Weekday::Sunday,
    ];

    /// 0 for Monday .. 6 for Sunday.
    pub fn index(self) -> usize {
        self as usize
    }

    /// The day `i` days after a Monday (`i` taken modulo 7).
    pub fn from_index(i: usize) -> Self {
        Self::ALL[i % 7]
    }

    /// The day `days` days after this one.
    pub fn plus(self, days: usize) -> Self {
        Self::from_index(self.index() + days % 7)
    }

    /// Lowercase English name, as scenario files write it (`"monday"`).
    pub fn name(self) -> &'static str {
        [
            "monday",
            "tuesday",
            "wednesday",
            "thursday",
            "friday",
            "saturday",
            "sunday",
        ][self.index()]
    }

    /// Three-letter label for tables and charts (`"Mon"`).
    pub fn short(self) -> &'static str {
        ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"][self.index()]
    }

    /// Reads an English day name, full or three letters, in any case
    /// (`"Monday"`, `"mon"`).
    pub fn parse(text: &str) -> Option<Self> {
        let t = text.trim().to_ascii_lowercase();
        Self::ALL
            .into_iter()
            .find(|d| t == d.name() || t == d.name()[..3])
    }
}

impl std::fmt::Display for Weekday {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// The synthetic incident stream: a non-homogeneous Poisson process.
#[derive(Debug, Clone)]
pub struct IncidentModel {
    /// Mean calls per day (over a week, when there is a weekly profile).
    pub per_day: f64,
    /// Relative weights for hours 0..24 (not normalised).
    pub hourly: [f64; 24],
    /// Relative weights for Monday..Sunday (not normalised); `None` is flat.
    pub weekly: Option<[f64; 7]>,
    /// Incident kinds.
    pub kinds: Vec<Kind>,
}

impl IncidentModel {
    /// Arrival rate in `hour` (0..24) averaged over the week, calls per minute.
    pub fn rate_per_min(&self, hour: usize) -> f64 {
        let total: f64 = self.hourly.iter().sum();
        let rate = self.per_day * self.hourly[hour] / total / 60.0;
        if rate.is_finite() {
            rate
        } else {
            // `per_day × weight` overflows for a weight near f64::MAX (one
            // hour at 1e308, the others 0): the share first. Only then, so
            // that every other scenario keeps its stream bit for bit.
            self.per_day * (self.hourly[hour] / total) / 60.0
        }
    }

    /// How much busier `day` is than the average day: `weekly[day] × 7 ÷
    /// sum(weekly)`, exactly 1 without a weekly profile (or with a flat one).
    pub fn day_factor(&self, day: Weekday) -> f64 {
        match &self.weekly {
            None => 1.0,
            Some(w) => {
                let sum = w.iter().sum::<f64>();
                let factor = w[day.index()] * 7.0 / sum;
                if factor.is_finite() {
                    factor
                } else {
                    // A weight near f64::MAX: the share first (see
                    // `rate_per_min`).
                    w[day.index()] / sum * 7.0
                }
            }
        }
    }

    /// Arrival rate in `hour` (0..24) of `day`, calls per minute: proportional
    /// to `hourly[hour] × weekly[day]`, so that `per_day` stays the mean
    /// calls per day over a week.
    ///
    /// ```
    /// # use policesim::scenario::{IncidentModel, Weekday};
    /// let mut m = IncidentModel { per_day: 48.0, hourly: [1.0; 24], weekly: None, kinds: vec![] };
    /// assert_eq!(m.rate_per_min_on(Weekday::Sunday, 3), 48.0 / 24.0 / 60.0);
    /// m.weekly = Some([1.0, 1.0, 1.0, 1.0, 1.0, 3.0, 0.0]);
    /// // Saturday has 3 × 7 / 8 = 2.625 times the mean day, Sunday nothing.
    /// assert!((m.rate_per_min_on(Weekday::Saturday, 3) - 2.625 * 48.0 / 24.0 / 60.0).abs() < 1e-15);
    /// assert_eq!(m.rate_per_min_on(Weekday::Sunday, 3), 0.0);
    /// ```
    pub fn rate_per_min_on(&self, day: Weekday, hour: usize) -> f64 {
        // Multiplying by exactly 1.0 leaves the hourly rate bit for bit as it
        // was: scenarios without a weekly profile keep their streams.
        self.rate_per_min(hour) * self.day_factor(day)
    }

    /// Index of the kind called `name`.
    pub fn kind_index(&self, name: &str) -> Option<usize> {
        self.kinds.iter().position(|k| k.name == name)
    }
}

impl Scenario {
    /// Index of the station with `id`.
    pub fn station_index(&self, id: &str) -> Option<usize> {
        self.stations.iter().position(|s| s.id == id)
    }

    /// Simulated horizon, minutes.
    pub fn horizon_min(&self) -> f64 {
        self.days * MIN_PER_DAY
    }

    /// Start of the statistics window, minutes.
    pub fn warmup_min(&self) -> f64 {
        self.warmup_days * MIN_PER_DAY
    }

    /// Response target of calls from demand point `demand`, minutes: its
    /// own `target_min`, or the scenario's.
    pub fn demand_target_min(&self, demand: usize) -> f64 {
        self.demand[demand].target_min.unwrap_or(self.target_min)
    }

    /// Whether some demand point has its own response target, so that
    /// "within target" means each call's own target.
    pub fn has_area_targets(&self) -> bool {
        self.demand
            .iter()
            .any(|d| d.target_min.is_some_and(|t| t != self.target_min))
    }

    /// Index of the zone holding station `station`, if any.
    pub fn zone_of(&self, station: usize) -> Option<usize> {
        self.zones
            .iter()
            .position(|z| z.stations.contains(&station))
    }

    /// Index of the demand point nearest to `p` (ties: the first).
    pub fn nearest_demand(&self, p: Point) -> usize {
        nearest(self.demand.iter().map(|d| d.pos), p)
    }

    /// Index of the demand point nearest to `p` among those of `station`'s
    /// jurisdiction (any point when it has none; ties: the first).
    pub fn nearest_demand_of(&self, p: Point, station: usize) -> usize {
        let mut best: Option<(usize, f64)> = None;
        for (i, d) in self.demand.iter().enumerate() {
            let dist = d.pos.distance_km(p);
            if d.station == station && best.is_none_or(|(_, b)| dist < b) {
                best = Some((i, dist));
            }
        }
        best.map_or_else(|| self.nearest_demand(p), |(i, _)| i)
    }

    /// Each station's share of all calls (by demand weight).
    pub fn station_call_shares(&self) -> Vec<f64> {
        let total: f64 = self.demand.iter().map(|d| d.weight).sum();
        let mut shares = vec![0.0; self.stations.len()];
        for d in &self.demand {
            shares[d.station] += d.weight / total;
        }
        shares
    }
}

/// Index of the point nearest to `p` among `points` (ties: the first).
pub(crate) fn nearest(points: impl Iterator<Item = Point>, p: Point) -> usize {
    let mut best = (0, f64::INFINITY);
    for (i, q) in points.enumerate() {
        let d = q.distance_km(p);
        if d < best.1 {
            best = (i, d);
        }
    }
    best.0
}
