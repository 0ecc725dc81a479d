//! Per-station response (the baseline before the 2017 reform).
//!
//! Each station's on-duty units answer only calls in its own jurisdiction. A
//! call that finds them all busy waits for one of them; it is never lent to a
//! neighbour. Free units wait at the station; among free units the
//! lowest-numbered goes.

use serde::Serialize;

use super::{Strategy, WaitQueue, crew, offered_erlangs};
use crate::engine::{Crew, IncidentId, Sim, UnitId, UnitSpec};
use crate::scenario::diag::Collector;
use crate::scenario::raw::RawPerStation;
use crate::scenario::{Scenario, Station};

/// `[strategies.per_station]`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PerStationConfig {
    /// Response units on duty at each station at all times.
    pub units: u32,
    /// Crew of each unit.
    pub crew: Crew,
}

/// Default crew of a station unit: 1 officer + 2 auxiliaries (assumption).
pub const DEFAULT_CREW: Crew = Crew {
    officers: 1,
    auxiliaries: 2,
};

impl PerStationConfig {
    pub(crate) fn from_raw(
        raw: &RawPerStation,
        stations: &[Station],
        c: &mut Collector,
    ) -> Option<Self> {
        let key = "strategies.per_station";
        if raw.units == 0 {
            c.error(
                format!("{key}.units"),
                "a strategy needs at least 1 unit per station, found 0",
            );
            return None;
        }
        let crew = crew(raw.crew, DEFAULT_CREW, &format!("{key}.crew"), c);
        for (i, s) in stations.iter().enumerate() {
            let need_off = raw.units * crew.officers;
            let need_aux = raw.units * crew.auxiliaries;
            if s.officers < need_off {
                c.error(
                    format!("stations[{i}].officers"),
                    format!(
                        "station {:?} is short of {} officer(s): per_station keeps {} unit(s) of {} officer(s) on duty, {} at once, but it has {}",
                        s.id,
                        need_off - s.officers,
                        raw.units,
                        crew.officers,
                        need_off,
                        s.officers
                    ),
                );
            }
            if s.auxiliaries < need_aux {
                c.error(
                    format!("stations[{i}].auxiliaries"),
                    format!(
                        "station {:?} is short of {} auxiliar(ies): per_station keeps {} unit(s) of {} auxiliar(ies) on duty, {} at once, but it has {}",
                        s.id,
                        need_aux - s.auxiliaries,
                        raw.units,
                        crew.auxiliaries,
                        need_aux,
                        s.auxiliaries
                    ),
                );
            }
        }
        Some(Self {
            units: raw.units,
            crew,
        })
    }

    /// `units` units at every station, named `<station>-<n>`.
    pub fn fleet(&self, s: &Scenario) -> Vec<UnitSpec> {
        s.stations
            .iter()
            .enumerate()
            .flat_map(|(i, st)| {
                (1..=self.units).map(move |n| UnitSpec {
                    name: format!("{}-{n}", st.id),
                    station: i,
                    base: st.pos,
                    crew: self.crew,
                })
            })
            .collect()
    }

    pub(crate) fn capacity_warnings(&self, s: &Scenario) -> Vec<(String, String)> {
        let mut out = Vec::new();
        for (i, st) in s.stations.iter().enumerate() {
            let demand: Vec<usize> = (0..s.demand.len())
                .filter(|&d| s.demand[d].station == i)
                .collect();
            let load = offered_erlangs(s, st.pos, &demand);
            if load >= f64::from(self.units) {
                out.push((
                    "strategies.per_station.units".to_string(),
                    format!(
                        "station {:?} can never keep up: offered load {load:.2} erlangs (busy unit-hours per hour) vs {} unit(s); its queue will grow without bound",
                        st.id, self.units
                    ),
                ));
            }
        }
        out
    }
}

/// State of the per-station strategy during a run.
#[derive(Debug, Clone)]
pub struct PerStation {
    /// Units of each station, lowest number first.
    units_of: Vec<Vec<UnitId>>,
    /// Station of each unit.
    station_of: Vec<u32>,
    /// One queue per station.
    queues: Vec<WaitQueue>,
}

impl PerStation {
    /// Fresh state for `fleet`.
    pub fn new(s: &Scenario, fleet: &[UnitSpec]) -> Self {
        let mut units_of = vec![Vec::new(); s.stations.len()];
        for (i, u) in fleet.iter().enumerate() {
            units_of[u.station].push(UnitId(i as u32));
        }
        Self {
            units_of,
            station_of: fleet.iter().map(|u| u.station as u32).collect(),
            queues: vec![WaitQueue::default(); s.stations.len()],
        }
    }
}

impl Strategy for PerStation {
    fn on_incident(&mut self, sim: &mut Sim<'_>, incident: IncidentId) {
        let station = sim.incident(incident).incident.station as usize;
        for &u in &self.units_of[station] {
            if sim.incident(incident).missing() == 0 {
                return;
            }
            if sim.is_free(u) {
                sim.assign(u, incident);
            }
        }
        if sim.incident(incident).missing() > 0 {
            self.queues[station].push(sim, incident);
        }
    }

    fn on_unit_free(&mut self, sim: &mut Sim<'_>, unit: UnitId) {
        let station = self.station_of[unit.0 as usize] as usize;
        self.queues[station].serve_head(sim, unit);
    }
}
