//! Cooperation zones (警务协作区, Huimin from 2017).
//!
//! The county is split into zones of 4-5 adjacent stations. Every day one
//! officer stays on desk duty at each station, and `groups_per_zone` response
//! groups (1 officer + 4-5 auxiliaries) stand by at the zone's central
//! station, answering every 110 call in the zone:
//!
//! - a call goes to the free group of its zone that reaches it first; if none
//!   is free it waits in the zone's queue (or, with `cross_zone =
//!   "when_all_busy"`, takes the nearest free group of another zone);
//! - general incidents get **tiered** dispatch: one group first, the rest of
//!   the force called by that group once on scene;
//! - kinds in `saturation_kinds` get **saturation** dispatch: every free group
//!   of the zone at once, then neighbouring zones', up to
//!   `saturation_max_groups`;
//! - during `mobile_standby` hours free groups wait at hot-spot posts instead
//!   of the hub, and are dispatched from there.
//!
//! Stations outside every zone keep per-station response.

use super::parts::{
    CallInWhen, Squads, Stations, WaitQueue, add_station_units, add_unit, finish_plan,
    nearest_squad, squad_pools, station_pools,
};
use super::per_station::DEFAULT_CREW;
use super::{Plan, Strategy, crew, nearest_free, shift_override};
use crate::engine::{Crew, IncidentId, Sim, UnitId, UnitKind, UnitSpec};
use crate::map::Point;
use crate::roster::Shortage;
use crate::roster::{Role, RosterBuilder};
use crate::scenario::Scenario;
use crate::scenario::diag::Collector;
use crate::scenario::raw::RawZoneCooperation;
use crate::scenario::strategies::{CrossZone, MobileStandby, ZoneCooperationConfig};

/// Default group crew: 1 officer + 4 auxiliaries (the report: "1 officer
/// leading 4-5 auxiliaries").
pub const GROUP_CREW: Crew = Crew {
    officers: 1,
    auxiliaries: 4,
};

impl ZoneCooperationConfig {
    pub(crate) fn from_raw(
        raw: &RawZoneCooperation,
        s: &Scenario,
        key: &str,
        c: &mut Collector,
    ) -> Option<Self> {
        if s.zones.is_empty() {
            c.error(key, "zone_cooperation needs at least one [[zones]] entry");
            return None;
        }
        if raw.groups_per_zone == 0 {
            c.error(
                format!("{key}.groups_per_zone"),
                "a zone needs at least 1 response group, found 0",
            );
            return None;
        }
        let cross_zone = match raw.cross_zone.as_str() {
            "never" => CrossZone::Never,
            "when_all_busy" => CrossZone::WhenAllBusy,
            other => {
                c.error(
                    format!("{key}.cross_zone"),
                    format!("must be \"never\" or \"when_all_busy\", found {other:?}"),
                );
                CrossZone::Never
            }
        };
        let mut saturation_kinds = Vec::new();
        for (i, name) in raw.saturation_kinds.iter().enumerate() {
            match s.incidents.kind_index(name) {
                Some(k) => saturation_kinds.push(k),
                None => c.error(
                    format!("{key}.saturation_kinds[{i}]"),
                    format!(
                        "unknown incident kind {name:?} (known: {})",
                        s.incidents
                            .kinds
                            .iter()
                            .map(|k| k.name.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                ),
            }
        }
        let saturation_max_groups = raw.saturation_max_groups;
        if saturation_max_groups == Some(0) {
            c.error(
                format!("{key}.saturation_max_groups"),
                "must be at least 1, found 0",
            );
        }
        let mut mobile_standby = Vec::new();
        for (i, m) in raw.mobile_standby.iter().enumerate() {
            let mk = format!("{key}.mobile_standby[{i}]");
            if let Some(h) = m.hours.iter().find(|h| **h > 23) {
                c.error(
                    format!("{mk}.hours"),
                    format!("hours must be 0..23, found {h}"),
                );
            }
            if m.posts.is_empty() {
                c.error(format!("{mk}.posts"), "needs at least one post");
            }
            let mut posts = Vec::new();
            for (j, p) in m.posts.iter().enumerate() {
                let pk = format!("{mk}.posts[{j}]");
                let Some(z) = s.zones.iter().position(|z| z.id == p.zone) else {
                    c.error(
                        format!("{pk}.zone"),
                        format!(
                            "unknown zone {:?} (known: {})",
                            p.zone,
                            s.zones
                                .iter()
                                .map(|z| z.id.as_str())
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    );
                    continue;
                };
                let pos = match (p.x_km, p.y_km, p.lat, p.lon, s.projection) {
                    (Some(x), Some(y), None, None, _) if x.is_finite() && y.is_finite() => {
                        Point::new(x, y)
                    }
                    (None, None, Some(lat), Some(lon), Some(proj))
                        if (-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon) =>
                    {
                        proj.project(lat, lon)
                    }
                    _ => {
                        c.error(
                            &pk,
                            "give the post as finite x_km and y_km, or as lat (-90..90) and lon (-180..180)",
                        );
                        continue;
                    }
                };
                posts.push((z, pos));
            }
            mobile_standby.push(MobileStandby {
                hours: m.hours.clone(),
                posts,
            });
        }
        Some(Self {
            groups_per_zone: raw.groups_per_zone,
            crew: crew(raw.crew, GROUP_CREW, &format!("{key}.crew"), c),
            desk_officers_per_station: raw.desk_officers_per_station,
            cross_zone,
            saturation_kinds,
            saturation_max_groups,
            mobile_standby,
            outside_units_per_station: raw.outside_units_per_station,
            outside_crew: crew(
                raw.outside_crew,
                DEFAULT_CREW,
                &format!("{key}.outside_crew"),
                c,
            ),
            outside_callin_units: raw.outside_callin_units,
            outside_callin_delay_min: raw.outside_callin_delay_min,
            shift_hours: shift_override(raw.shift_hours, key, c),
        })
    }

    /// Zone groups at hubs (people from the zone's stations, who also staff
    /// the desks), per-station units outside zones, merged traffic units
    /// (`extra` per station, staffed by the squad), and squads.
    pub(crate) fn plan(&self, s: &Scenario, extra: Option<u32>) -> Result<Plan, Vec<Shortage>> {
        let mut b = RosterBuilder::new(s.roster, self.shift_hours);
        let mut fleet = Vec::new();
        let zone_pools: Vec<(u32, u32)> = s
            .zones
            .iter()
            .enumerate()
            .map(|(zi, z)| {
                let off: u32 = z.stations.iter().map(|&i| s.stations[i].officers).sum();
                let aux: u32 = z.stations.iter().map(|&i| s.stations[i].auxiliaries).sum();
                let who = format!("zone {:?}", z.id);
                let key = format!("zones[{zi}].stations");
                (
                    b.pool(&who, Role::ZoneOfficer, off, &key),
                    b.pool(&who, Role::Auxiliary, aux, &key),
                )
            })
            .collect();
        let outside: Vec<usize> = (0..s.stations.len())
            .filter(|&i| s.zone_of(i).is_none())
            .collect();
        let outside_pools: Vec<(u32, u32)> = outside
            .iter()
            .map(|&i| station_pools(&mut b, s, i))
            .collect();
        let squads = squad_pools(&mut b, s);
        for (zi, z) in s.zones.iter().enumerate() {
            let hub = &s.stations[z.hub];
            for n in 1..=self.groups_in(s, zi) {
                let name = format!("{}-g{n}", z.id);
                add_unit(
                    &mut fleet,
                    &mut b,
                    name,
                    z.hub,
                    hub.pos,
                    self.crew,
                    UnitKind::ZoneGroup,
                    0.0,
                    zone_pools[zi],
                );
            }
            for _ in 0..self.desk_officers_per_station * z.stations.len() as u32 {
                b.desk(zone_pools[zi].0);
            }
        }
        for (k, &i) in outside.iter().enumerate() {
            add_station_units(
                &mut fleet,
                &mut b,
                s,
                i,
                ("", self.outside_units_per_station),
                self.outside_crew,
                UnitKind::Station,
                0.0,
                outside_pools[k],
            );
            add_station_units(
                &mut fleet,
                &mut b,
                s,
                i,
                ("callin", self.outside_callin_units),
                self.outside_crew,
                UnitKind::CallIn,
                self.outside_callin_delay_min,
                outside_pools[k],
            );
        }
        for (i, st) in s.stations.iter().enumerate() {
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
                    DEFAULT_CREW,
                    UnitKind::Station,
                    0.0,
                    squads[q],
                );
            }
        }
        finish_plan(fleet, b, s, &squads)
    }

    /// Groups of zone `zone`: its own `groups`, or `groups_per_zone`.
    pub fn groups_in(&self, s: &Scenario, zone: usize) -> u32 {
        s.zones[zone].groups.unwrap_or(self.groups_per_zone)
    }

    /// Most groups a saturation dispatch in zone `zone` sends.
    pub fn saturation_groups_in(&self, s: &Scenario, zone: usize) -> u32 {
        self.saturation_max_groups
            .unwrap_or_else(|| self.groups_in(s, zone))
    }

    /// Most units one incident inside a zone can get, in the zone where that
    /// is fewest.
    pub(crate) fn max_units_in_zones(&self, s: &Scenario) -> u32 {
        let groups = (0..s.zones.len()).map(|z| self.groups_in(s, z));
        match self.cross_zone {
            CrossZone::Never => groups.min().unwrap_or(0),
            CrossZone::WhenAllBusy => groups.sum(),
        }
    }

    /// Most units one incident can get where it can get fewest.
    pub(crate) fn max_units(&self, s: &Scenario, _plan: &Plan) -> u32 {
        let in_zone = self.max_units_in_zones(s);
        let has_outside = (0..s.stations.len()).any(|i| s.zone_of(i).is_none());
        if has_outside {
            in_zone.min(self.outside_units_per_station + self.outside_callin_units)
        } else {
            in_zone
        }
    }
}

/// State of the zone strategy during a run.
#[derive(Debug, Clone)]
pub struct ZoneCooperation {
    groups: Vec<Vec<UnitId>>,
    zone_of_unit: Vec<Option<u32>>,
    zone_of_station: Vec<Option<usize>>,
    queues: Vec<WaitQueue>,
    hubs: Vec<Point>,
    saturation: Vec<bool>,
    /// Most groups a saturation dispatch sends, per zone.
    max_groups: Vec<u32>,
    cross: bool,
    /// Posts of each zone for each hour of the day (empty: the hub).
    standby: Vec<Vec<Vec<Point>>>,
    stations: Stations,
    squads: Squads,
    merged: bool,
    scratch: Vec<(f64, UnitId)>,
}

impl ZoneCooperation {
    /// Fresh state for `fleet`; `merged` keeps road accidents outside the
    /// squad's urban area with the zone's own people.
    pub fn new(
        s: &Scenario,
        cfg: &ZoneCooperationConfig,
        fleet: &[UnitSpec],
        merged: bool,
    ) -> Self {
        let zone_of_station: Vec<Option<usize>> =
            (0..s.stations.len()).map(|i| s.zone_of(i)).collect();
        let mut groups = vec![Vec::new(); s.zones.len()];
        let mut zone_of_unit = vec![None; fleet.len()];
        for (i, u) in fleet.iter().enumerate() {
            if u.kind == UnitKind::ZoneGroup {
                let z = zone_of_station[u.station].expect("groups sit at hubs");
                groups[z].push(UnitId(i as u32));
                zone_of_unit[i] = Some(z as u32);
            }
        }
        let mut saturation = vec![false; s.incidents.kinds.len()];
        for &k in &cfg.saturation_kinds {
            saturation[k] = true;
        }
        let mut standby = vec![vec![Vec::new(); s.zones.len()]; 24];
        for m in &cfg.mobile_standby {
            for &h in &m.hours {
                for &(z, p) in &m.posts {
                    standby[h as usize][z].push(p);
                }
            }
        }
        Self {
            groups,
            zone_of_unit,
            zone_of_station,
            queues: vec![WaitQueue::default(); s.zones.len()],
            hubs: s.zones.iter().map(|z| s.stations[z.hub].pos).collect(),
            saturation,
            max_groups: (0..s.zones.len())
                .map(|z| cfg.saturation_groups_in(s, z))
                .collect(),
            cross: cfg.cross_zone == CrossZone::WhenAllBusy,
            standby,
            stations: Stations::new(s, fleet, CallInWhen::MultiUnit),
            squads: Squads::new(s, fleet, merged),
            merged,
            scratch: Vec::new(),
        }
    }

    fn has_standby(&self) -> bool {
        self.standby.iter().any(|h| h.iter().any(|z| !z.is_empty()))
    }

    /// Puts each zone's groups at its posts for `hour` (round-robin), or the hub.
    fn apply_standby(&mut self, sim: &mut Sim<'_>, hour: usize) {
        for (z, units) in self.groups.iter().enumerate() {
            let posts = &self.standby[hour][z];
            for (i, &u) in units.iter().enumerate() {
                let base = if posts.is_empty() {
                    self.hubs[z]
                } else {
                    posts[i % posts.len()]
                };
                sim.set_base(u, base);
            }
        }
    }

    /// Every free group of the zone at once, then the other zones' by
    /// distance, up to the saturation limit.
    fn saturate(&mut self, sim: &mut Sim<'_>, incident: IncidentId, zone: usize) {
        self.scratch.clear();
        for &u in &self.groups[zone] {
            if sim.is_free(u) {
                self.scratch.push((sim.response_min(u, incident), u));
            }
        }
        self.scratch
            .sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        let own = self.scratch.len();
        for (z, units) in self.groups.iter().enumerate() {
            if z != zone {
                for &u in units {
                    if sim.is_free(u) {
                        self.scratch.push((sim.response_min(u, incident), u));
                    }
                }
            }
        }
        self.scratch[own..].sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        for &(_, u) in self.scratch.iter().take(self.max_groups[zone] as usize) {
            if sim.incident(incident).missing() > 0 {
                sim.assign(u, incident);
            } else {
                sim.assign_extra(u, incident);
            }
        }
        if sim.incident(incident).missing() > 0 {
            self.queues[zone].push(sim, incident);
        }
    }
}

impl Strategy for ZoneCooperation {
    fn start(&mut self, sim: &mut Sim<'_>) {
        if self.has_standby() {
            self.apply_standby(sim, 0);
            sim.set_timer(60.0, 1);
        }
    }

    fn on_timer(&mut self, sim: &mut Sim<'_>, token: u32) {
        let hour = token as usize % 24;
        self.apply_standby(sim, hour);
        sim.set_timer(sim.now() + 60.0, token + 1);
    }

    fn on_incident(&mut self, sim: &mut Sim<'_>, incident: IncidentId) {
        if self.squads.takes(sim, incident) {
            return self.squads.on_incident(sim, incident);
        }
        let live = sim.incident(incident);
        let station = live.incident.station as usize;
        let traffic = live.is_traffic(sim.scenario());
        let Some(zone) = self.zone_of_station[station] else {
            return self.stations.on_incident(sim, incident);
        };
        if self.merged && traffic && self.stations.has_units(station) {
            return self.stations.on_incident(sim, incident);
        }
        if live.assigned == 0 {
            if self.saturation[live.incident.kind as usize] {
                return self.saturate(sim, incident, zone);
            }
            if live.need > 1 {
                // Tiered: one group first; it calls the rest once on scene.
                let rest = live.need - 1;
                sim.defer_to_arrival(incident, rest);
            }
        }
        while sim.incident(incident).missing() > 0 {
            let mut unit = nearest_free(sim, &self.groups[zone], incident);
            if unit.is_none() && self.cross {
                let mut best: Option<(f64, UnitId)> = None;
                for (z, units) in self.groups.iter().enumerate() {
                    if z == zone {
                        continue;
                    }
                    if let Some(u) = nearest_free(sim, units, incident) {
                        let t = sim.response_min(u, incident);
                        if best.is_none_or(|(b, _)| t < b) {
                            best = Some((t, u));
                        }
                    }
                }
                unit = best.map(|(_, u)| u);
            }
            match unit {
                Some(u) => sim.assign(u, incident),
                None => {
                    self.queues[zone].push(sim, incident);
                    return;
                }
            }
        }
    }

    fn on_unit_free(&mut self, sim: &mut Sim<'_>, unit: UnitId) {
        if self.squads.owns(unit) {
            return self.squads.on_unit_free(sim, unit);
        }
        let Some(zone) = self.zone_of_unit[unit.0 as usize] else {
            self.stations.on_unit_free(sim, unit);
            return;
        };
        let zone = zone as usize;
        if self.queues[zone].serve_head(sim, unit) || !self.cross {
            return;
        }
        // Borrowed across zones: the most urgent, then oldest, waiting call.
        let mut best: Option<((u32, f64), usize)> = None;
        for z in 0..self.queues.len() {
            if let Some(key) = self.queues[z].head_key(sim) {
                let better = match best {
                    None => true,
                    Some((b, _)) => key.0 < b.0 || (key.0 == b.0 && key.1 < b.1),
                };
                if better {
                    best = Some((key, z));
                }
            }
        }
        if let Some((_, z)) = best {
            self.queues[z].serve_head(sim, unit);
        }
    }
}
