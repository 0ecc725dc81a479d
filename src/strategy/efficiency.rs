//! Efficiency policing (效能警务, Beihai).
//!
//! Calls are received, dispatched, handled and supervised in one integrated
//! flow: no hand-off from the call centre to a station (`handoff_min`
//! overrides `[dispatch]`), legal review up front (`case_handling_factor`
//! shortens follow-up work), and a primary and a secondary unit working
//! together on incidents that need two or more (`secondary`). Fixed standby
//! points give way to a pooled force: `units` units spread round-robin over
//! fewer `posts`, dispatched as one — the nearest free unit in the whole
//! area, ignoring station boundaries; when none is free the call waits in one
//! area-wide queue, and a unit that frees takes its head.

use super::parts::{PostIndex, Squads, WaitQueue, add_unit, finish_plan, squad_pools};
use super::per_station::DEFAULT_CREW;
use super::{Plan, Strategy, crew, shift_override};
use crate::engine::{IncidentId, Sim, UnitId, UnitKind, UnitSpec};
use crate::roster::Shortage;
use crate::roster::{Role, RosterBuilder};
use crate::scenario::Scenario;
use crate::scenario::diag::Collector;
use crate::scenario::raw::RawEfficiency;
use crate::scenario::strategies::EfficiencyConfig;

/// Units at each distinct post, in post order, when `units` are dealt to
/// `posts` in turn (as [`EfficiencyConfig`] fields them).
pub fn unit_counts(posts: &[usize], units: u32) -> Vec<(usize, u32)> {
    let mut out: Vec<(usize, u32)> = Vec::new();
    for &p in posts {
        if !out.iter().any(|&(q, _)| q == p) {
            out.push((p, 0));
        }
    }
    if !posts.is_empty() {
        for n in 0..units as usize {
            let p = posts[n % posts.len()];
            if let Some(e) = out.iter_mut().find(|(q, _)| *q == p) {
                e.1 += 1;
            }
        }
    }
    out
}

impl EfficiencyConfig {
    pub(crate) fn from_raw(raw: &RawEfficiency, s: &Scenario, c: &mut Collector) -> Option<Self> {
        let key = "strategies.efficiency";
        if raw.units == 0 {
            c.error(
                format!("{key}.units"),
                "the pooled force needs at least 1 unit, found 0",
            );
            return None;
        }
        let posts: Vec<usize> = match &raw.posts {
            None => (0..s.stations.len()).collect(),
            Some(ids) => {
                if ids.is_empty() {
                    c.error(format!("{key}.posts"), "needs at least one station id");
                }
                ids.iter()
                    .enumerate()
                    .filter_map(|(i, id)| {
                        let found = s.station_index(id);
                        if found.is_none() {
                            let known: Vec<&str> =
                                s.stations.iter().map(|st| st.id.as_str()).collect();
                            c.error(
                                format!("{key}.posts[{i}]"),
                                format!("unknown station {id:?} (known: {})", known.join(", ")),
                            );
                        }
                        found
                    })
                    .collect()
            }
        };
        let empty: Vec<String> = unit_counts(&posts, raw.units)
            .into_iter()
            .filter(|&(_, n)| n == 0)
            .map(|(p, _)| format!("{:?}", s.stations[p].id))
            .collect();
        if !empty.is_empty() {
            c.warn(
                format!("{key}.units"),
                format!(
                    "{} pooled unit(s) for {} post(s): posts {} get no unit, so their calls are always answered from another post; add units or list fewer posts (`policesim check` shows the units at each post)",
                    raw.units,
                    posts.len(),
                    empty.join(", ")
                ),
            );
        }
        let mut num = |name: &str, v: Option<f64>, default: f64| -> f64 {
            let v = v.unwrap_or(default);
            if !(v.is_finite() && v >= 0.0) {
                c.error(
                    format!("{key}.{name}"),
                    format!("must be a finite number >= 0, found {v}"),
                );
            }
            v
        };
        let call_processing_min = num(
            "call_processing_min",
            raw.call_processing_min,
            s.call_processing_min,
        );
        let handoff_min = num("handoff_min", raw.handoff_min, s.handoff_min);
        let case_handling_factor = num("case_handling_factor", Some(raw.case_handling_factor), 1.0);
        Some(Self {
            units: raw.units,
            crew: crew(raw.crew, DEFAULT_CREW, &format!("{key}.crew"), c),
            posts,
            call_processing_min,
            handoff_min,
            case_handling_factor,
            secondary: raw.secondary,
            desk_officers_per_station: raw.desk_officers_per_station,
            shift_hours: shift_override(raw.shift_hours, key, c),
        })
    }

    /// Units at each distinct post, in post order.
    pub fn units_per_post(&self) -> Vec<(usize, u32)> {
        unit_counts(&self.posts, self.units)
    }

    /// One area-wide pool of officers and auxiliaries staffs the units and desks.
    pub(crate) fn plan(&self, s: &Scenario) -> Result<Plan, Vec<Shortage>> {
        let mut b = RosterBuilder::new(s.roster, self.shift_hours);
        let mut fleet = Vec::new();
        let off = s.stations.iter().map(|st| st.officers).sum();
        let aux = s.stations.iter().map(|st| st.auxiliaries).sum();
        let pools = (
            b.pool(
                "the area (pooled)",
                Role::PooledOfficer,
                off,
                "strategies.efficiency.units",
            ),
            b.pool(
                "the area (pooled)",
                Role::Auxiliary,
                aux,
                "strategies.efficiency.units",
            ),
        );
        let squads = squad_pools(&mut b, s);
        for n in 0..self.units {
            let post = self.posts[n as usize % self.posts.len()];
            let st = &s.stations[post];
            let name = format!("{}-p{}", st.id, n + 1);
            add_unit(
                &mut fleet,
                &mut b,
                name,
                post,
                st.pos,
                self.crew,
                UnitKind::Pooled,
                0.0,
                pools,
            );
        }
        for _ in 0..self.desk_officers_per_station * s.stations.len() as u32 {
            b.desk(pools.0);
        }
        finish_plan(fleet, b, s, &squads)
    }
}

/// State of the efficiency strategy during a run.
#[derive(Debug, Clone)]
pub struct Efficiency {
    posts: PostIndex,
    queue: WaitQueue,
    squads: Squads,
    secondary: bool,
}

impl Efficiency {
    /// Fresh state for `fleet`.
    pub fn new(s: &Scenario, cfg: &EfficiencyConfig, fleet: &[UnitSpec]) -> Self {
        let units: Vec<UnitId> = (0..fleet.len())
            .filter(|&i| fleet[i].kind == UnitKind::Pooled)
            .map(|i| UnitId(i as u32))
            .collect();
        Self {
            posts: PostIndex::new(fleet, &units, &s.travel),
            queue: WaitQueue::default(),
            squads: Squads::new(s, fleet, false),
            secondary: cfg.secondary,
        }
    }
}

impl Strategy for Efficiency {
    fn on_incident(&mut self, sim: &mut Sim<'_>, incident: IncidentId) {
        if self.squads.takes(sim, incident) {
            return self.squads.on_incident(sim, incident);
        }
        let live = sim.incident(incident);
        if live.assigned == 0 && live.need > 1 && !self.secondary {
            let rest = live.need - 1;
            sim.defer_to_arrival(incident, rest);
        }
        while sim.incident(incident).missing() > 0 {
            match self.posts.nearest_free(sim, incident) {
                Some(u) => {
                    sim.assign(u, incident);
                    self.posts.set_free(u, false);
                }
                None => {
                    self.queue.push(sim, incident);
                    return;
                }
            }
        }
    }

    fn on_unit_free(&mut self, sim: &mut Sim<'_>, unit: UnitId) {
        if self.squads.owns(unit) {
            self.squads.on_unit_free(sim, unit);
        } else {
            let used = self.queue.serve_head(sim, unit);
            self.posts.set_free(unit, !used);
        }
    }
}
