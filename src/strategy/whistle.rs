//! "The station blows the whistle, the specialist units report" (派出所吹哨、
//! 各警种报到, Zouping).
//!
//! Per-station response, plus specialist units (patrol, traffic, criminal
//! investigation) at their own bases. A call that needs more units than its
//! station has free summons the nearest free specialist units at once; a
//! call that has waited longer than `whistle_after_min` summons one too. A
//! whistle no specialist could answer stays on the specialists' list, served
//! oldest first as they free.

use std::collections::VecDeque;

use super::parts::{
    CallInWhen, Squads, Stations, add_station_units, add_unit, finish_plan, squad_pools,
    station_pools,
};
use super::per_station::DEFAULT_CREW;
use super::{Plan, Strategy, crew, nearest_free, shift_override};
use crate::engine::{IncidentId, Sim, UnitId, UnitKind, UnitSpec};
use crate::roster::Shortage;
use crate::roster::{Role, RosterBuilder};
use crate::scenario::Scenario;
use crate::scenario::diag::Collector;
use crate::scenario::raw::RawStationWhistle;
use crate::scenario::strategies::StationWhistleConfig;

impl StationWhistleConfig {
    pub(crate) fn from_raw(
        raw: &RawStationWhistle,
        s: &Scenario,
        c: &mut Collector,
    ) -> Option<Self> {
        let key = "strategies.station_whistle";
        if raw.units == 0 {
            c.error(
                format!("{key}.units"),
                "a strategy needs at least 1 unit per station, found 0",
            );
            return None;
        }
        if s.specialists.is_empty() {
            c.error(
                key,
                "station_whistle needs at least one [[specialist_units]] entry",
            );
            return None;
        }
        if !(raw.whistle_after_min.is_finite() && raw.whistle_after_min >= 0.0) {
            c.error(
                format!("{key}.whistle_after_min"),
                format!(
                    "must be a finite number >= 0, found {}",
                    raw.whistle_after_min
                ),
            );
        }
        let answering: Vec<usize> = match &raw.roles {
            None => (0..s.specialists.len()).collect(),
            Some(roles) => {
                let mut have: Vec<&str> = Vec::new();
                for u in &s.specialists {
                    if !have.contains(&u.role.as_str()) {
                        have.push(&u.role);
                    }
                }
                if roles.is_empty() {
                    c.error(
                        format!("{key}.roles"),
                        format!(
                            "is empty, so no specialist unit could ever be summoned: list roles (the file has: {}) or leave roles out for all",
                            have.join(", ")
                        ),
                    );
                }
                for (i, r) in roles.iter().enumerate() {
                    if !s.specialists.iter().any(|u| &u.role == r) {
                        c.error(
                            format!("{key}.roles[{i}]"),
                            format!(
                                "no [[specialist_units]] entry has role {r:?} (the file has: {})",
                                have.join(", ")
                            ),
                        );
                    }
                }
                (0..s.specialists.len())
                    .filter(|&i| roles.contains(&s.specialists[i].role))
                    .collect()
            }
        };
        Some(Self {
            units: raw.units,
            crew: crew(raw.crew, DEFAULT_CREW, &format!("{key}.crew"), c),
            whistle_after_min: raw.whistle_after_min,
            answering,
            shift_hours: shift_override(raw.shift_hours, key, c),
        })
    }

    /// Station units from station pools, specialist units from their own pools, squads.
    pub(crate) fn plan(&self, s: &Scenario) -> Result<Plan, Vec<Shortage>> {
        let mut b = RosterBuilder::new(s.roster, self.shift_hours);
        let mut fleet = Vec::new();
        let pools: Vec<(u32, u32)> = (0..s.stations.len())
            .map(|i| station_pools(&mut b, s, i))
            .collect();
        let spec_pools: Vec<(u32, u32)> = s
            .specialists
            .iter()
            .enumerate()
            .map(|(i, u)| {
                let who = format!("specialist unit {:?}", u.id);
                (
                    b.external_pool(
                        &who,
                        Role::SpecialistOfficer,
                        u.officers,
                        format!("specialist_units[{i}].officers"),
                    ),
                    b.external_pool(
                        &who,
                        Role::Auxiliary,
                        u.auxiliaries,
                        format!("specialist_units[{i}].auxiliaries"),
                    ),
                )
            })
            .collect();
        let squads = squad_pools(&mut b, s);
        for (i, &pool) in pools.iter().enumerate() {
            add_station_units(
                &mut fleet,
                &mut b,
                s,
                i,
                ("", self.units_at(s, i)),
                self.crew,
                UnitKind::Station,
                0.0,
                pool,
            );
        }
        for (k, u) in s.specialists.iter().enumerate() {
            // Units whose role does not answer the whistle are not part of
            // this strategy at all.
            if !self.answering.contains(&k) {
                continue;
            }
            let home = crate::scenario::nearest(s.stations.iter().map(|st| st.pos), u.pos);
            add_unit(
                &mut fleet,
                &mut b,
                u.id.clone(),
                home,
                u.pos,
                u.crew,
                UnitKind::Specialist,
                0.0,
                spec_pools[k],
            );
        }
        finish_plan(fleet, b, s, &squads)
    }

    /// Duty units at station `station`: its own `units`, or the strategy's.
    pub fn units_at(&self, s: &Scenario, station: usize) -> u32 {
        s.stations[station].units.unwrap_or(self.units)
    }

    /// The least-equipped station's units plus every answering specialist.
    pub(crate) fn max_units(&self, s: &Scenario, _plan: &Plan) -> u32 {
        let fewest = (0..s.stations.len())
            .map(|i| self.units_at(s, i))
            .min()
            .unwrap_or(0);
        fewest + self.answering.len() as u32
    }
}

/// State of the whistle strategy during a run.
#[derive(Debug, Clone)]
pub struct StationWhistle {
    stations: Stations,
    squads: Squads,
    specialists: Vec<UnitId>,
    is_specialist: Vec<bool>,
    after_min: f64,
    /// Timer tokens: the incident (slot and id) each one watches.
    timers: Vec<(IncidentId, u64)>,
    free_tokens: Vec<u32>,
    /// Whistles no specialist could answer yet, oldest first.
    whistled: VecDeque<(IncidentId, u64)>,
}

impl StationWhistle {
    /// Fresh state for `fleet`.
    pub fn new(s: &Scenario, cfg: &StationWhistleConfig, fleet: &[UnitSpec]) -> Self {
        // The plan fields only the specialists that answer the whistle.
        let is_specialist: Vec<bool> = fleet
            .iter()
            .map(|u| u.kind == UnitKind::Specialist)
            .collect();
        let specialists = (0..fleet.len())
            .filter(|&i| is_specialist[i])
            .map(|i| UnitId(i as u32))
            .collect();
        Self {
            stations: Stations::new(s, fleet, CallInWhen::MultiUnit),
            squads: Squads::new(s, fleet, false),
            specialists,
            is_specialist,
            after_min: cfg.whistle_after_min,
            timers: Vec::new(),
            free_tokens: Vec::new(),
            whistled: VecDeque::new(),
        }
    }

    /// Sends the nearest free specialists for what `incident` still misses.
    fn summon(&mut self, sim: &mut Sim<'_>, incident: IncidentId) {
        while sim.incident(incident).missing() > 0 {
            match nearest_free(sim, &self.specialists, incident) {
                Some(u) => sim.assign(u, incident),
                None => {
                    let id = sim.incident(incident).incident.id;
                    self.whistled.push_back((incident, id));
                    return;
                }
            }
        }
    }
}

impl Strategy for StationWhistle {
    fn on_incident(&mut self, sim: &mut Sim<'_>, incident: IncidentId) {
        if self.squads.takes(sim, incident) {
            return self.squads.on_incident(sim, incident);
        }
        self.stations.on_incident(sim, incident);
        let live = sim.incident(incident);
        if live.missing() == 0 {
            return;
        }
        if live.assigned > 0 {
            // The station sent what it had: the rest of the force is summoned.
            return self.summon(sim, incident);
        }
        let at = live.ready_min + self.after_min;
        let id = live.incident.id;
        let token = match self.free_tokens.pop() {
            Some(t) => {
                self.timers[t as usize] = (incident, id);
                t
            }
            None => {
                self.timers.push((incident, id));
                self.timers.len() as u32 - 1
            }
        };
        sim.set_timer(at, token);
    }

    fn on_timer(&mut self, sim: &mut Sim<'_>, token: u32) {
        let (incident, id) = self.timers[token as usize];
        self.free_tokens.push(token);
        let live = sim.incident(incident);
        if live.incident.id == id && live.missing() > 0 && live.cleared == 0 {
            self.summon(sim, incident);
        }
    }

    fn on_unit_free(&mut self, sim: &mut Sim<'_>, unit: UnitId) {
        if self.squads.owns(unit) {
            return self.squads.on_unit_free(sim, unit);
        }
        if !self.is_specialist[unit.0 as usize] {
            self.stations.on_unit_free(sim, unit);
            return;
        }
        while let Some((incident, id)) = self.whistled.front().copied() {
            let live = sim.incident(incident);
            if live.incident.id != id || live.missing() == 0 {
                self.whistled.pop_front();
                continue;
            }
            sim.assign(unit, incident);
            if sim.incident(incident).missing() == 0 {
                self.whistled.pop_front();
            }
            return;
        }
    }
}
