//! Organisation models: who may answer which call, from where, in what order.
//!
//! Each model is a [`Strategy`]: a few hooks the engine calls when an incident
//! needs units or a unit becomes free. The engine owns time, travel and the
//! units' states; a strategy owns its queues and rules. The set of models a
//! scenario can name is the tagged enum [`StrategyConfig`]. The settings
//! are scenario data ([`crate::scenario::strategies`], re-exported here);
//! each model's file here reads them from the file, builds the staffing plan
//! and holds the dispatch rules. The [`Strategy`] trait is the engine's
//! ([`crate::engine::Strategy`], re-exported here).
//!
//! Shared building blocks live in [`parts`]: station response with call-in,
//! the traffic squad, and the priority wait queue.

mod efficiency;
pub mod parts;
mod per_station;
mod traffic_merged;
mod whistle;
mod zone;

pub use efficiency::Efficiency;
pub use parts::{CallInWhen, WaitQueue};
pub use per_station::PerStation;
pub use whistle::StationWhistle;
pub use zone::ZoneCooperation;

pub use crate::engine::Strategy;
pub use crate::scenario::strategies::{
    CrossZone, EfficiencyConfig, MergedBase, MobileStandby, PerStationConfig, StationWhistleConfig,
    StrategyConfig, TrafficMergedConfig, ZoneCooperationConfig,
};

use crate::engine::{Crew, IncidentId, RunOutput, Sim, UnitId, UnitSpec};
use crate::incidents::Incident;
use crate::map::Point;
use crate::roster::{Roster, Shortage};
use crate::scenario::diag::Collector;
use crate::scenario::raw::{RawCrew, RawStrategies};
use crate::scenario::{MIN_PER_DAY, Scenario};

/// The units a strategy fields and who staffs them.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// Units, indexed by [`UnitId`].
    pub fleet: Vec<UnitSpec>,
    /// Who is on duty in them (and at desks).
    pub roster: Roster,
}

impl StrategyConfig {
    /// The strategy's name as used in outputs and `--strategies`.
    pub fn name(&self) -> &str {
        match self {
            StrategyConfig::PerStation(_) => "per_station",
            StrategyConfig::ZoneCooperation(_) => "zone_cooperation",
            StrategyConfig::TrafficMerged(_) => "traffic_merged",
            StrategyConfig::Efficiency(_) => "efficiency",
            StrategyConfig::StationWhistle(_) => "station_whistle",
        }
    }

    /// Whether the strategy fields duty units at stations whose number
    /// `[[stations]] units` sets (per_station, traffic_merged on a
    /// per_station base, station_whistle).
    pub fn fields_station_units(&self) -> bool {
        match self {
            StrategyConfig::PerStation(_) | StrategyConfig::StationWhistle(_) => true,
            StrategyConfig::TrafficMerged(c) => matches!(c.base, MergedBase::PerStation(_)),
            StrategyConfig::ZoneCooperation(_) | StrategyConfig::Efficiency(_) => false,
        }
    }

    /// Whether the strategy fields zone groups whose number `[[zones]]
    /// groups` sets (zone_cooperation, traffic_merged on a zone_cooperation
    /// base).
    pub fn fields_zone_groups(&self) -> bool {
        match self {
            StrategyConfig::ZoneCooperation(_) => true,
            StrategyConfig::TrafficMerged(c) => matches!(c.base, MergedBase::ZoneCooperation(_)),
            _ => false,
        }
    }

    /// Units (and desks) the strategy would field, counted in `u64` from the
    /// scenario's numbers without building anything: the fleet-size check
    /// before [`StrategyConfig::plan`] allocates a unit at a time.
    pub fn fleet_size(&self, s: &Scenario) -> u64 {
        let stations = s.stations.len() as u64;
        let squads: u64 = s.squads.iter().map(|q| u64::from(q.units)).sum();
        let per_station = |units_at: &dyn Fn(usize) -> u32| -> u64 {
            (0..s.stations.len()).map(|i| u64::from(units_at(i))).sum()
        };
        let zone = |c: &ZoneCooperationConfig| -> u64 {
            let groups: u64 = (0..s.zones.len())
                .map(|z| u64::from(c.groups_in(s, z)))
                .sum();
            let outside = (0..s.stations.len())
                .filter(|&i| s.zone_of(i).is_none())
                .count() as u64;
            groups
                + stations * u64::from(c.desk_officers_per_station)
                + outside
                    * (u64::from(c.outside_units_per_station) + u64::from(c.outside_callin_units))
        };
        let own = match self {
            StrategyConfig::PerStation(c) => {
                per_station(&|i| c.units_at(s, i)) + stations * u64::from(c.callin_units)
            }
            StrategyConfig::ZoneCooperation(c) => zone(c),
            StrategyConfig::TrafficMerged(m) => {
                let base = match &m.base {
                    MergedBase::PerStation(c) => {
                        per_station(&|i| c.units_at(s, i)) + stations * u64::from(c.callin_units)
                    }
                    MergedBase::ZoneCooperation(c) => zone(c),
                };
                base + stations * u64::from(m.extra_units_per_station)
            }
            StrategyConfig::Efficiency(c) => {
                u64::from(c.units) + stations * u64::from(c.desk_officers_per_station)
            }
            StrategyConfig::StationWhistle(c) => {
                per_station(&|i| c.units_at(s, i)) + c.answering.len() as u64
            }
        };
        own + squads
    }

    /// The units this strategy fields and its roster, or who is short of people.
    pub fn plan(&self, s: &Scenario) -> Result<Plan, Vec<Shortage>> {
        match self {
            StrategyConfig::PerStation(c) => c.plan(s, None),
            StrategyConfig::ZoneCooperation(c) => c.plan(s, None),
            StrategyConfig::TrafficMerged(c) => c.plan(s),
            StrategyConfig::Efficiency(c) => c.plan(s),
            StrategyConfig::StationWhistle(c) => c.plan(s),
        }
    }

    /// One line saying what the strategy fields.
    pub fn summary_line(&self, s: &Scenario) -> String {
        let crew = |c: &Crew| format!("{} officer(s) + {} auxiliaries", c.officers, c.auxiliaries);
        let squads = if s.squads.is_empty() {
            String::new()
        } else {
            "; road accidents to the traffic squad".to_string()
        };
        match self {
            StrategyConfig::PerStation(c) => format!(
                "{} unit(s) per station of {}; {} call-in unit(s) per station after {} min, {}{squads}",
                per_area(
                    c.units,
                    s.stations.iter().map(|st| (st.id.as_str(), st.units))
                ),
                crew(&c.crew),
                c.callin_units,
                c.callin_delay_min,
                c.callin_when.describe()
            ),
            StrategyConfig::ZoneCooperation(c) => format!(
                "{} zone(s), {} group(s) of {} per zone at the hub; {} desk officer(s) per station; help across zones {}; {} saturation kind(s) up to {} groups; {} standby period(s){squads}",
                s.zones.len(),
                per_area(
                    c.groups_per_zone,
                    s.zones.iter().map(|z| (z.id.as_str(), z.groups))
                ),
                crew(&c.crew),
                c.desk_officers_per_station,
                c.cross_zone.describe(),
                c.saturation_kinds.len(),
                c.saturation_max_groups
                    .map_or("the zone's".to_string(), |g| g.to_string()),
                c.mobile_standby.len()
            ),
            StrategyConfig::TrafficMerged(c) => format!(
                "built on {}; {} extra unit(s) per station from the squad; accident rate x{}; the squad keeps its urban area",
                match c.base {
                    MergedBase::PerStation(_) => "per_station",
                    MergedBase::ZoneCooperation(_) => "zone_cooperation",
                },
                c.extra_units_per_station,
                c.accident_rate_factor
            ),
            StrategyConfig::Efficiency(c) => format!(
                "{} pooled unit(s) of {} at {} post(s); call processing {} + hand-off {} min; case handling x{}; {}{squads}",
                c.units,
                crew(&c.crew),
                c.posts.len(),
                c.call_processing_min,
                c.handoff_min,
                c.case_handling_factor,
                if c.secondary {
                    "a primary and a secondary unit go together to multi-unit incidents"
                } else {
                    "backup for multi-unit incidents is sent in tiers"
                }
            ),
            StrategyConfig::StationWhistle(c) => format!(
                "{} unit(s) per station of {}; {} specialist unit(s) answer after {} min or when a station is short{squads}",
                per_area(
                    c.units,
                    s.stations.iter().map(|st| (st.id.as_str(), st.units))
                ),
                crew(&c.crew),
                c.answering.len(),
                c.whistle_after_min
            ),
        }
    }

    /// The zone settings the strategy fields (zone_cooperation, or
    /// traffic_merged on a zone_cooperation base).
    pub fn zone_config(&self) -> Option<&ZoneCooperationConfig> {
        match self {
            StrategyConfig::ZoneCooperation(c) => Some(c),
            StrategyConfig::TrafficMerged(TrafficMergedConfig {
                base: MergedBase::ZoneCooperation(c),
                ..
            }) => Some(c),
            _ => None,
        }
    }

    /// Points where free units wait for some hours besides their bases
    /// (standby on the move).
    pub fn standby_posts(&self) -> Vec<Point> {
        let zone = match self {
            StrategyConfig::ZoneCooperation(c) => c,
            StrategyConfig::TrafficMerged(TrafficMergedConfig {
                base: MergedBase::ZoneCooperation(c),
                ..
            }) => c,
            _ => return Vec::new(),
        };
        zone.mobile_standby
            .iter()
            .flat_map(|m| m.posts.iter().map(|&(_, p)| p))
            .collect()
    }

    /// The roster alone.
    pub fn roster(&self, s: &Scenario) -> Result<Roster, Vec<Shortage>> {
        self.plan(s).map(|p| p.roster)
    }

    /// The fleet alone (panics if the scenario was not validated).
    pub fn fleet(&self, s: &Scenario) -> Vec<UnitSpec> {
        self.plan(s).expect("validated scenario").fleet
    }

    /// Call processing plus hand-off before a call can be dispatched, minutes.
    pub fn ready_delay_min(&self, s: &Scenario) -> f64 {
        match self {
            StrategyConfig::Efficiency(c) => c.call_processing_min + c.handoff_min,
            _ => s.call_processing_min + s.handoff_min,
        }
    }

    /// Multiplier on case-handling times.
    pub fn case_factor(&self) -> f64 {
        match self {
            StrategyConfig::Efficiency(c) => c.case_handling_factor,
            _ => 1.0,
        }
    }

    /// Whether the strategy sees `incident` at all (prevention can remove
    /// traffic incidents). Decided by the incident's own draw, so every
    /// strategy still sees the same stream.
    pub fn keeps(&self, s: &Scenario, incident: &Incident) -> bool {
        match self {
            StrategyConfig::TrafficMerged(c) => {
                !s.incidents.kinds[incident.kind as usize].traffic
                    || incident.keep_u < c.accident_rate_factor
            }
            _ => true,
        }
    }

    /// Most units the strategy, fielding `plan`, can ever have at one
    /// incident of `kind`, in the jurisdiction where that is fewest (staffing
    /// can differ by station and zone).
    pub fn max_units_for(&self, s: &Scenario, plan: &Plan, kind: usize) -> u32 {
        let k = &s.incidents.kinds[kind];
        // Traffic incidents routed to squads can get every squad unit.
        let squads = plan
            .fleet
            .iter()
            .filter(|u| u.kind == crate::engine::UnitKind::Squad)
            .count() as u32;
        let to_squad =
            k.traffic && !s.squads.is_empty() && !matches!(self, StrategyConfig::TrafficMerged(_));
        if to_squad {
            return squads;
        }
        match self {
            StrategyConfig::PerStation(c) => c.max_units(s, plan),
            StrategyConfig::ZoneCooperation(c) => c.max_units(s, plan),
            StrategyConfig::TrafficMerged(c) => c.max_units(s, plan, kind),
            StrategyConfig::Efficiency(c) => c.units,
            StrategyConfig::StationWhistle(c) => c.max_units(s, plan),
        }
    }

    /// Runs one replication: builds the strategy's state and drives the
    /// engine, statically dispatched per model.
    pub fn run(
        &self,
        sim: Sim<'_>,
        plan: &Plan,
        source: impl Iterator<Item = Incident>,
    ) -> RunOutput {
        let s = sim.scenario();
        let source = source.filter(|i| self.keeps(s, i));
        match self {
            StrategyConfig::PerStation(c) => {
                let mut st = PerStation::new(s, c, &plan.fleet, false);
                sim.run(&mut st, source)
            }
            StrategyConfig::ZoneCooperation(c) => {
                let mut st = ZoneCooperation::new(s, c, &plan.fleet, false);
                sim.run(&mut st, source)
            }
            StrategyConfig::TrafficMerged(c) => match &c.base {
                MergedBase::PerStation(b) => {
                    let mut st = PerStation::new(s, b, &plan.fleet, true);
                    sim.run(&mut st, source)
                }
                MergedBase::ZoneCooperation(b) => {
                    let mut st = ZoneCooperation::new(s, b, &plan.fleet, true);
                    sim.run(&mut st, source)
                }
            },
            StrategyConfig::Efficiency(c) => {
                let mut st = Efficiency::new(s, c, &plan.fleet);
                sim.run(&mut st, source)
            }
            StrategyConfig::StationWhistle(c) => {
                let mut st = StationWhistle::new(s, c, &plan.fleet);
                sim.run(&mut st, source)
            }
        }
    }

    /// `(key, message)` warnings for loads the strategy can never serve.
    pub(crate) fn capacity_warnings(&self, s: &Scenario, plan: &Plan) -> Vec<(String, String)> {
        let key = format!("strategies.{}", self.name());
        let mut out = Vec::new();
        // Group demand by the units that answer it: each station's own units
        // for per-station models, the whole pool otherwise.
        let on_duty: Vec<&UnitSpec> = plan.fleet.iter().filter(|u| u.on_duty()).collect();
        let per_station = matches!(
            self,
            StrategyConfig::PerStation(_) | StrategyConfig::StationWhistle(_)
        ) || matches!(self, StrategyConfig::TrafficMerged(c) if matches!(c.base, MergedBase::PerStation(_)));
        if per_station {
            for (i, st) in s.stations.iter().enumerate() {
                let units = on_duty
                    .iter()
                    .filter(|u| u.station == i && u.kind == crate::engine::UnitKind::Station)
                    .count();
                let demand: Vec<usize> = (0..s.demand.len())
                    .filter(|&d| s.demand[d].station == i)
                    .collect();
                let load = offered_erlangs(s, st.pos, &demand);
                if units > 0 && load >= units as f64 {
                    // The key that sets this station's units.
                    let units_key = if st.units.is_some() {
                        format!("stations[{i}].units")
                    } else if matches!(self, StrategyConfig::TrafficMerged(_)) {
                        key.clone()
                    } else {
                        format!("{key}.units")
                    };
                    out.push((
                        units_key,
                        format!(
                            "station {:?} can never keep up: offered load {load:.2} erlangs (busy unit-hours per hour) vs {units} unit(s); its queue will grow without bound",
                            st.id
                        ),
                    ));
                }
            }
        } else {
            let units = on_duty.len();
            let all: Vec<usize> = (0..s.demand.len()).collect();
            // Work from the centre of the posts: a rough but honest yardstick.
            let n = units.max(1) as f64;
            let centre = Point::new(
                on_duty.iter().map(|u| u.base.x_km).sum::<f64>() / n,
                on_duty.iter().map(|u| u.base.y_km).sum::<f64>() / n,
            );
            let load = offered_erlangs(s, centre, &all);
            if load >= units as f64 {
                out.push((
                    key,
                    format!(
                        "the area can never keep up: offered load about {load:.2} erlangs vs {units} unit(s) on duty"
                    ),
                ));
            }
        }
        out
    }
}

/// `default`, followed by the places that set their own number: `2 (3 at
/// "a", 1 at "b")`.
fn per_area<'a>(default: u32, own: impl Iterator<Item = (&'a str, Option<u32>)>) -> String {
    let set: Vec<String> = own
        .filter_map(|(id, n)| {
            n.filter(|&n| n != default)
                .map(|n| format!("{n} at {id:?}"))
        })
        .collect();
    if set.is_empty() {
        default.to_string()
    } else {
        format!("{default} ({})", set.join(", "))
    }
}

/// Reads every `[strategies.*]` section, reporting errors to `c`.
pub(crate) fn from_raw(
    raw: &RawStrategies,
    s: &Scenario,
    c: &mut Collector,
) -> Vec<StrategyConfig> {
    let mut out = Vec::new();
    // Warnings raised while reading a section concern that strategy alone.
    let mut since = c.warning_count();
    let mut tag = |c: &mut Collector, name: &str| {
        c.tag_warnings_since(since, name);
        since = c.warning_count();
    };
    if let Some(p) = &raw.per_station {
        if let Some(cfg) = PerStationConfig::from_raw(p, "strategies.per_station", c) {
            out.push(StrategyConfig::PerStation(cfg));
        }
        tag(c, "per_station");
    }
    if let Some(z) = &raw.zone_cooperation {
        if let Some(cfg) = ZoneCooperationConfig::from_raw(z, s, "strategies.zone_cooperation", c) {
            out.push(StrategyConfig::ZoneCooperation(cfg));
        }
        tag(c, "zone_cooperation");
    }
    if let Some(t) = &raw.traffic_merged {
        if let Some(cfg) = TrafficMergedConfig::from_raw(t, raw, s, c) {
            out.push(StrategyConfig::TrafficMerged(cfg));
        }
        tag(c, "traffic_merged");
    }
    if let Some(e) = &raw.efficiency {
        if let Some(cfg) = EfficiencyConfig::from_raw(e, s, c) {
            out.push(StrategyConfig::Efficiency(cfg));
        }
        tag(c, "efficiency");
    }
    if let Some(w) = &raw.station_whistle {
        if let Some(cfg) = StationWhistleConfig::from_raw(w, s, c) {
            out.push(StrategyConfig::StationWhistle(cfg));
        }
        tag(c, "station_whistle");
    }
    out
}

/// Whether the file has at least one strategy section.
pub(crate) fn any_section(raw: &RawStrategies) -> bool {
    raw.per_station.is_some()
        || raw.zone_cooperation.is_some()
        || raw.traffic_merged.is_some()
        || raw.efficiency.is_some()
        || raw.station_whistle.is_some()
}

/// Checks a shift-length override.
pub(crate) fn shift_override(raw: Option<u32>, key: &str, c: &mut Collector) -> Option<u32> {
    if let Some(h) = raw {
        if ![24, 12, 8].contains(&h) {
            c.error(
                format!("{key}.shift_hours"),
                format!("must be 24, 12 or 8, found {h}"),
            );
        }
    }
    raw
}

/// A crew from the file, or `default`; every unit needs an officer to lead it.
pub(crate) fn crew(raw: Option<RawCrew>, default: Crew, key: &str, c: &mut Collector) -> Crew {
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
            let units =
                f64::from(k.units) + k.escalation.map_or(0.0, |e| e.prob * f64::from(e.units));
            k.share * (units * (travel + k.on_scene.mean()) + k.case_handling.mean())
        })
        .sum()
}

/// Offered load (erlangs) of the calls at `demand` on units at `base`.
pub fn offered_erlangs(s: &Scenario, base: Point, demand: &[usize]) -> f64 {
    let total_w: f64 = s.demand.iter().map(|d| d.weight).sum();
    let w: f64 = demand.iter().map(|&d| s.demand[d].weight).sum();
    let calls_per_min = s.incidents.per_day / MIN_PER_DAY * w / total_w;
    calls_per_min * work_per_call_min(s, base, demand)
}

/// The free unit among `units` that reaches `incident` first (ties: the
/// first listed).
pub fn nearest_free(sim: &Sim<'_>, units: &[UnitId], incident: IncidentId) -> Option<UnitId> {
    let mut best: Option<(UnitId, f64)> = None;
    for &u in units {
        if sim.is_free(u) {
            let t = sim.response_min(u, incident);
            if best.is_none_or(|(_, b)| t < b) {
                best = Some((u, t));
            }
        }
    }
    best.map(|(u, _)| u)
}
