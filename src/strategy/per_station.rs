//! Per-station response (the baseline before the 2017 reform).
//!
//! Each station's on-duty units answer only calls in its own jurisdiction
//! (the report: 3-4 officers per station rotating on 110 duty). A call that
//! finds them all busy waits for one of them; it is never lent to a
//! neighbour. Off-duty people can be called in, after a delay, for force the
//! duty team cannot supply (`callin_when = "multi_unit"`) or also whenever a
//! call would wait (`"when_busy"`). Road accidents go to the traffic squad
//! when the scenario has one.

use super::parts::{
    CallInWhen, Squads, Stations, add_station_units, finish_plan, nearest_squad, squad_pools,
    station_pools,
};
use super::{Plan, Strategy, crew, shift_override};
use crate::engine::{Crew, IncidentId, Sim, UnitId, UnitKind, UnitSpec};
use crate::roster::RosterBuilder;
use crate::roster::Shortage;
use crate::scenario::Scenario;
use crate::scenario::diag::Collector;
use crate::scenario::raw::RawPerStation;
use crate::scenario::strategies::PerStationConfig;

/// Default crew of a station unit: 1 officer + 2 auxiliaries (assumption).
pub const DEFAULT_CREW: Crew = Crew {
    officers: 1,
    auxiliaries: 2,
};

impl PerStationConfig {
    pub(crate) fn from_raw(raw: &RawPerStation, key: &str, c: &mut Collector) -> Option<Self> {
        if raw.units == 0 {
            c.error(
                format!("{key}.units"),
                "a strategy needs at least 1 unit per station, found 0",
            );
            return None;
        }
        if !(raw.callin_delay_min.is_finite() && raw.callin_delay_min >= 0.0) {
            c.error(
                format!("{key}.callin_delay_min"),
                format!(
                    "must be a finite number >= 0, found {}",
                    raw.callin_delay_min
                ),
            );
        }
        let callin_when = match raw.callin_when.as_str() {
            "multi_unit" => CallInWhen::MultiUnit,
            "when_busy" => CallInWhen::WhenBusy,
            other => {
                c.error(
                    format!("{key}.callin_when"),
                    format!("must be \"multi_unit\" or \"when_busy\", found {other:?}"),
                );
                CallInWhen::MultiUnit
            }
        };
        Some(Self {
            units: raw.units,
            crew: crew(raw.crew, DEFAULT_CREW, &format!("{key}.crew"), c),
            callin_units: raw.callin_units,
            callin_delay_min: raw.callin_delay_min,
            callin_when,
            shift_hours: shift_override(raw.shift_hours, key, c),
        })
    }

    /// `units` duty units and `callin_units` call-in units at every station,
    /// plus `extra` units per station staffed by the traffic squad (merged
    /// stations), plus the squads' own units.
    pub(crate) fn plan(&self, s: &Scenario, extra: Option<u32>) -> Result<Plan, Vec<Shortage>> {
        let mut b = RosterBuilder::new(s.roster, self.shift_hours);
        let mut fleet = Vec::new();
        let pools: Vec<(u32, u32)> = (0..s.stations.len())
            .map(|i| station_pools(&mut b, s, i))
            .collect();
        let squads = squad_pools(&mut b, s);
        for (i, st) in s.stations.iter().enumerate() {
            add_station_units(
                &mut fleet,
                &mut b,
                s,
                i,
                ("", self.units_at(s, i)),
                self.crew,
                UnitKind::Station,
                0.0,
                pools[i],
            );
            // Without merged units there may be no squad to staff them.
            if let Some(extra) = extra.filter(|&e| e > 0) {
                // Traffic units merged in: staffed by the nearest squad.
                let q = nearest_squad(s, st.pos);
                add_station_units(
                    &mut fleet,
                    &mut b,
                    s,
                    i,
                    ("t", extra),
                    self.crew,
                    UnitKind::Station,
                    0.0,
                    squads[q],
                );
            }
        }
        for (i, &pool) in pools.iter().enumerate() {
            add_station_units(
                &mut fleet,
                &mut b,
                s,
                i,
                ("callin", self.callin_units),
                self.crew,
                UnitKind::CallIn,
                self.callin_delay_min,
                pool,
            );
        }
        finish_plan(fleet, b, s, &squads)
    }

    /// Duty units at station `station`: its own `units`, or the strategy's.
    pub fn units_at(&self, s: &Scenario, station: usize) -> u32 {
        s.stations[station].units.unwrap_or(self.units)
    }

    /// Most units the least-equipped station can put on an incident (duty,
    /// merged and call-in units).
    pub(crate) fn max_units(&self, s: &Scenario, plan: &Plan) -> u32 {
        let mut at = vec![0u32; s.stations.len()];
        for u in plan.fleet.iter().filter(|u| u.kind != UnitKind::Squad) {
            at[u.station] += 1;
        }
        at.into_iter().min().unwrap_or(0)
    }
}

/// State of the per-station strategy during a run.
#[derive(Debug, Clone)]
pub struct PerStation {
    stations: Stations,
    squads: Squads,
}

impl PerStation {
    /// Fresh state for `fleet`; `merged` keeps road accidents outside the
    /// squad's urban area with the stations.
    pub fn new(s: &Scenario, cfg: &PerStationConfig, fleet: &[UnitSpec], merged: bool) -> Self {
        Self {
            stations: Stations::new(s, fleet, cfg.callin_when),
            squads: Squads::new(s, fleet, merged),
        }
    }
}

impl Strategy for PerStation {
    fn on_incident(&mut self, sim: &mut Sim<'_>, incident: IncidentId) {
        if self.squads.takes(sim, incident) {
            self.squads.on_incident(sim, incident);
        } else {
            self.stations.on_incident(sim, incident);
        }
    }

    fn on_unit_free(&mut self, sim: &mut Sim<'_>, unit: UnitId) {
        if self.squads.owns(unit) {
            self.squads.on_unit_free(sim, unit);
        } else {
            self.stations.on_unit_free(sim, unit);
        }
    }
}
