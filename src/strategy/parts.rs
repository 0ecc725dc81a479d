//! Building blocks shared by the organisation models: the priority wait
//! queue, station response with call-in, the traffic squad, and the
//! staffing helpers that build fleets and rosters together.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use super::nearest_free;
use crate::engine::{Crew, IncidentId, Sim, UnitId, UnitKind, UnitSpec};
use crate::map::Point;
use crate::roster::{Role, RosterBuilder};
pub use crate::scenario::strategies::CallInWhen;
use crate::scenario::{Area, Scenario};

#[derive(Debug, Clone, Copy)]
struct Waiting {
    priority: u32,
    ready_min: f64,
    seq: u64,
    slot: IncidentId,
    id: u64,
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
///
/// An entry goes stale when its incident gets its whole force some other way
/// (a specialist unit, another zone); stale entries are dropped when they
/// reach the head, so the queue never hands out a call that needs nobody.
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
            slot: incident,
            id: live.incident.id,
        });
        self.seq += 1;
        sim.set_queued(incident, true);
    }

    /// Drops stale entries at the head.
    fn clean(&mut self, sim: &mut Sim<'_>) {
        while let Some(w) = self.heap.peek().copied() {
            let live = sim.incident(w.slot);
            let same = live.incident.id == w.id;
            if same && live.missing() > 0 {
                return;
            }
            self.heap.pop();
            if same {
                sim.set_queued(w.slot, false);
            }
        }
    }

    /// The call to serve next, without removing it.
    pub fn head(&mut self, sim: &mut Sim<'_>) -> Option<IncidentId> {
        self.clean(sim);
        self.heap.peek().map(|w| w.slot)
    }

    /// `(priority, ready time)` of the head, to compare queues.
    pub fn head_key(&mut self, sim: &mut Sim<'_>) -> Option<(u32, f64)> {
        self.clean(sim);
        self.heap.peek().map(|w| (w.priority, w.ready_min))
    }

    /// Assigns `unit` to the head call, dropping the call from the queue once
    /// it has every unit it needs. Returns whether the unit was used.
    pub fn serve_head(&mut self, sim: &mut Sim<'_>, unit: UnitId) -> bool {
        let Some(head) = self.head(sim) else {
            return false;
        };
        sim.assign(unit, head);
        self.clean(sim);
        true
    }

    /// Number of entries (stale ones included).
    pub fn len(&self) -> usize {
        self.heap.len()
    }

    /// Whether no entry is held.
    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }
}

/// Station response: each station's duty units answer its own jurisdiction,
/// lowest-numbered free unit first; call-in units help as allowed; a call
/// that finds no one waits in the station's queue.
#[derive(Debug, Clone)]
pub struct Stations {
    duty: Vec<Vec<UnitId>>,
    callin: Vec<Vec<UnitId>>,
    queues: Vec<WaitQueue>,
    /// For each unit: `(station, is call-in)` if this component owns it.
    owner: Vec<Option<(u32, bool)>>,
    when: CallInWhen,
}

impl Stations {
    /// Takes every `Station` and `CallIn` unit of `fleet`.
    pub fn new(s: &Scenario, fleet: &[UnitSpec], when: CallInWhen) -> Self {
        let n = s.stations.len();
        let mut me = Self {
            duty: vec![Vec::new(); n],
            callin: vec![Vec::new(); n],
            queues: vec![WaitQueue::default(); n],
            owner: vec![None; fleet.len()],
            when,
        };
        for (i, u) in fleet.iter().enumerate() {
            let id = UnitId(i as u32);
            match u.kind {
                UnitKind::Station => me.duty[u.station].push(id),
                UnitKind::CallIn => me.callin[u.station].push(id),
                _ => continue,
            }
            me.owner[i] = Some((u.station as u32, u.kind == UnitKind::CallIn));
        }
        me
    }

    /// Whether `station` has duty units here.
    pub fn has_units(&self, station: usize) -> bool {
        !self.duty[station].is_empty()
    }

    /// Whether this component owns `unit`.
    pub fn owns(&self, unit: UnitId) -> bool {
        self.owner[unit.0 as usize].is_some()
    }

    /// Call-in units `incident` may still use.
    fn callin_allowance(&self, sim: &Sim<'_>, incident: IncidentId, station: usize) -> u32 {
        let live = sim.incident(incident);
        let used = live
            .visits
            .iter()
            .filter(|v| matches!(self.owner[v.unit.0 as usize], Some((_, true))))
            .count() as u32;
        let allowed = match self.when {
            CallInWhen::WhenBusy => u32::MAX,
            CallInWhen::MultiUnit => live.need.saturating_sub(self.duty[station].len() as u32),
        };
        allowed.saturating_sub(used)
    }

    /// Serves `incident` from its own station.
    pub fn on_incident(&mut self, sim: &mut Sim<'_>, incident: IncidentId) {
        let station = sim.incident(incident).incident.station as usize;
        for &u in &self.duty[station] {
            if sim.incident(incident).missing() == 0 {
                return;
            }
            if sim.is_free(u) {
                sim.assign(u, incident);
            }
        }
        // The allowance scans the incident's visits: only where there are
        // call-in units to use it.
        if !self.callin[station].is_empty() {
            let mut allowance = self.callin_allowance(sim, incident, station);
            for &u in &self.callin[station] {
                if sim.incident(incident).missing() == 0 || allowance == 0 {
                    break;
                }
                if sim.is_free(u) {
                    sim.assign(u, incident);
                    allowance -= 1;
                }
            }
        }
        if sim.incident(incident).missing() > 0 {
            self.queues[station].push(sim, incident);
        }
    }

    /// Gives freed `unit` its station's next call; `false` if not ours.
    pub fn on_unit_free(&mut self, sim: &mut Sim<'_>, unit: UnitId) -> bool {
        let Some((station, callin)) = self.owner[unit.0 as usize] else {
            return false;
        };
        let station = station as usize;
        if callin {
            if let Some(head) = self.queues[station].head(sim) {
                if self.callin_allowance(sim, head, station) > 0 {
                    self.queues[station].serve_head(sim, unit);
                }
            }
        } else {
            self.queues[station].serve_head(sim, unit);
        }
        true
    }
}

/// The traffic squad: answers road accidents county-wide from its bases
/// (nearest free unit, one county-wide queue) — or, once stations are
/// merged with it, only those inside its urban area.
#[derive(Debug, Clone)]
pub struct Squads {
    units: Vec<UnitId>,
    is_squad: Vec<bool>,
    queue: WaitQueue,
    urban: Vec<Area>,
    merged: bool,
}

impl Squads {
    /// Takes every `Squad` unit of `fleet`.
    pub fn new(s: &Scenario, fleet: &[UnitSpec], merged: bool) -> Self {
        let units: Vec<UnitId> = (0..fleet.len())
            .filter(|&i| fleet[i].kind == UnitKind::Squad)
            .map(|i| UnitId(i as u32))
            .collect();
        Self {
            is_squad: fleet.iter().map(|u| u.kind == UnitKind::Squad).collect(),
            units,
            queue: WaitQueue::default(),
            urban: s.squads.iter().filter_map(|q| q.urban).collect(),
            merged,
        }
    }

    /// Whether the squad answers `incident`.
    pub fn takes(&self, sim: &Sim<'_>, incident: IncidentId) -> bool {
        let live = sim.incident(incident);
        if self.units.is_empty() || !live.is_traffic(sim.scenario()) {
            return false;
        }
        !self.merged || self.urban.iter().any(|a| a.contains(live.incident.pos))
    }

    /// Whether `unit` is a squad unit.
    pub fn owns(&self, unit: UnitId) -> bool {
        self.is_squad[unit.0 as usize]
    }

    /// Nearest free squad units, else the squad's queue.
    pub fn on_incident(&mut self, sim: &mut Sim<'_>, incident: IncidentId) {
        while sim.incident(incident).missing() > 0 {
            match nearest_free(sim, &self.units, incident) {
                Some(u) => sim.assign(u, incident),
                None => {
                    self.queue.push(sim, incident);
                    return;
                }
            }
        }
    }

    /// Gives a freed squad unit the next accident.
    pub fn on_unit_free(&mut self, sim: &mut Sim<'_>, unit: UnitId) {
        self.queue.serve_head(sim, unit);
    }
}

/// Adds a unit to `fleet`, staffed from `(officer pool, auxiliary pool)`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn add_unit(
    fleet: &mut Vec<UnitSpec>,
    b: &mut RosterBuilder,
    name: String,
    station: usize,
    base: Point,
    crew: Crew,
    kind: UnitKind,
    activation_min: f64,
    pools: (u32, u32),
) {
    if kind == UnitKind::CallIn {
        b.call_in_unit(pools.0, pools.1, crew);
    } else {
        b.unit(pools.0, pools.1, crew);
    }
    fleet.push(UnitSpec {
        name,
        station,
        base,
        crew,
        kind,
        activation_min,
    });
}

/// Adds `count` units based at `station`, named `<station id>-<label><n>`
/// for n = 1..=count, staffed from `(officer pool, auxiliary pool)`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn add_station_units(
    fleet: &mut Vec<UnitSpec>,
    b: &mut RosterBuilder,
    s: &Scenario,
    station: usize,
    (label, count): (&str, u32),
    crew: Crew,
    kind: UnitKind,
    activation_min: f64,
    pools: (u32, u32),
) {
    let st = &s.stations[station];
    for n in 1..=count {
        let name = format!("{}-{label}{n}", st.id);
        add_unit(
            fleet,
            b,
            name,
            station,
            st.pos,
            crew,
            kind,
            activation_min,
            pools,
        );
    }
}

/// A station's own officer and auxiliary pools.
pub(crate) fn station_pools(b: &mut RosterBuilder, s: &Scenario, station: usize) -> (u32, u32) {
    let st = &s.stations[station];
    let who = format!("station {:?}", st.id);
    (
        b.pool(
            &who,
            Role::StationOfficer,
            st.officers,
            format!("stations[{station}].officers"),
        ),
        b.pool(
            &who,
            Role::Auxiliary,
            st.auxiliaries,
            format!("stations[{station}].auxiliaries"),
        ),
    )
}

/// Every squad's pools, in scenario order.
pub(crate) fn squad_pools(b: &mut RosterBuilder, s: &Scenario) -> Vec<(u32, u32)> {
    s.squads
        .iter()
        .enumerate()
        .map(|(i, q)| {
            let who = format!("traffic squad {:?}", q.id);
            (
                b.external_pool(
                    &who,
                    Role::SquadOfficer,
                    q.officers,
                    format!("traffic_squads[{i}].officers"),
                ),
                b.external_pool(
                    &who,
                    Role::Auxiliary,
                    q.auxiliaries,
                    format!("traffic_squads[{i}].auxiliaries"),
                ),
            )
        })
        .collect()
}

/// Adds every squad's units (based at the squad, home district = the station
/// nearest to it).
pub(crate) fn add_squad_units(
    fleet: &mut Vec<UnitSpec>,
    b: &mut RosterBuilder,
    s: &Scenario,
    pools: &[(u32, u32)],
) {
    for (q, squad) in s.squads.iter().enumerate() {
        let home = crate::scenario::nearest(s.stations.iter().map(|st| st.pos), squad.pos);
        for n in 1..=squad.units {
            add_unit(
                fleet,
                b,
                format!("{}-{n}", squad.id),
                home,
                squad.pos,
                squad.crew,
                UnitKind::Squad,
                0.0,
                pools[q],
            );
        }
    }
}

/// Adds the squads' units and closes the plan: the common end of every
/// model's staffing.
pub(crate) fn finish_plan(
    mut fleet: Vec<UnitSpec>,
    mut b: RosterBuilder,
    s: &Scenario,
    squad_pools: &[(u32, u32)],
) -> Result<super::Plan, Vec<crate::roster::Shortage>> {
    add_squad_units(&mut fleet, &mut b, s, squad_pools);
    Ok(super::Plan {
        fleet,
        roster: b.build()?,
    })
}

/// Index of the squad nearest to `p` (for staffing merged units).
pub(crate) fn nearest_squad(s: &Scenario, p: Point) -> usize {
    crate::scenario::nearest(s.squads.iter().map(|q| q.pos), p)
}

/// Free units grouped by where they wait, so "nearest free unit" costs one
/// travel-time evaluation per *post* rather than per unit: a pooled force of
/// hundreds of units at a few dozen posts stays cheap to dispatch.
///
/// Gives exactly the unit [`super::nearest_free`] would: the smallest
/// response time, ties to the lowest unit number. The owner must report
/// every change of a unit's state with [`PostIndex::set_free`].
#[derive(Debug, Clone)]
pub struct PostIndex {
    /// Base and activation delay of each post.
    posts: Vec<(Point, f64)>,
    /// Each post's table in the travel model (see [`crate::map::TravelModel::slot_of`]).
    slots: Vec<u32>,
    /// Units at each post, ascending.
    units_at: Vec<Vec<UnitId>>,
    /// Free flags per post, one bit per unit in `units_at` order.
    free_bits: Vec<Vec<u64>>,
    free_count: Vec<u32>,
    /// `(post, slot)` of each unit of the fleet, if indexed.
    slot_of: Vec<Option<(u32, u32)>>,
    /// A uniform grid over the posts, for many posts.
    grid: Option<Grid>,
}

/// Posts bucketed in square cells, so a search for the nearest free post
/// looks at rings of cells around the incident and stops once no unseen
/// cell can be closer: cost grows with the posts near the incident, not
/// with all posts.
#[derive(Debug, Clone)]
struct Grid {
    x0: f64,
    y0: f64,
    cell_km: f64,
    nx: i64,
    ny: i64,
    /// Posts of each cell.
    posts: Vec<Vec<u32>>,
    /// Free units in each cell.
    free: Vec<u32>,
    /// Cell of each post.
    cell_of: Vec<u32>,
    /// Smallest activation delay of any post, minutes.
    min_activation: f64,
}

/// Posts above which the grid pays for itself.
const GRID_FROM_POSTS: usize = 48;

impl PostIndex {
    /// Indexes `units` (all free) of `fleet`, moving under `travel`.
    pub fn new(fleet: &[UnitSpec], units: &[UnitId], travel: &crate::map::TravelModel) -> Self {
        let mut me = Self {
            posts: Vec::new(),
            slots: Vec::new(),
            units_at: Vec::new(),
            free_bits: Vec::new(),
            free_count: Vec::new(),
            slot_of: vec![None; fleet.len()],
            grid: None,
        };
        let mut sorted = units.to_vec();
        sorted.sort();
        for u in sorted {
            let spec = &fleet[u.0 as usize];
            let key = (spec.base, spec.activation_min);
            let p = match me.posts.iter().position(|k| *k == key) {
                Some(p) => p,
                None => {
                    me.posts.push(key);
                    me.slots.push(travel.slot_of(spec.base));
                    me.units_at.push(Vec::new());
                    me.free_bits.push(Vec::new());
                    me.free_count.push(0);
                    me.posts.len() - 1
                }
            };
            let slot = me.units_at[p].len();
            me.units_at[p].push(u);
            if slot % 64 == 0 {
                me.free_bits[p].push(0);
            }
            me.free_bits[p][slot / 64] |= 1 << (slot % 64);
            me.free_count[p] += 1;
            me.slot_of[u.0 as usize] = Some((p as u32, slot as u32));
        }
        if me.posts.len() >= GRID_FROM_POSTS {
            me.grid = Some(Grid::new(&me.posts, &me.free_count));
        }
        me
    }

    /// Records that `unit` became free (`true`) or busy (`false`).
    #[inline]
    pub fn set_free(&mut self, unit: UnitId, free: bool) {
        let Some((p, slot)) = self.slot_of[unit.0 as usize] else {
            return;
        };
        let (p, slot) = (p as usize, slot as usize);
        let word = &mut self.free_bits[p][slot / 64];
        let bit = 1u64 << (slot % 64);
        let was = *word & bit != 0;
        if free && !was {
            *word |= bit;
            self.free_count[p] += 1;
            if let Some(g) = &mut self.grid {
                g.free[g.cell_of[p] as usize] += 1;
            }
        } else if !free && was {
            *word &= !bit;
            self.free_count[p] -= 1;
            if let Some(g) = &mut self.grid {
                g.free[g.cell_of[p] as usize] -= 1;
            }
        }
    }

    fn first_free(&self, p: usize) -> Option<UnitId> {
        for (w, word) in self.free_bits[p].iter().enumerate() {
            if *word != 0 {
                return Some(self.units_at[p][w * 64 + word.trailing_zeros() as usize]);
            }
        }
        None
    }

    /// Keeps `best` as the smaller of itself and post `p` by (time, unit).
    #[inline]
    fn consider(&self, p: usize, t: f64, best: &mut Option<(f64, UnitId)>) {
        let better = match *best {
            None => true,
            Some((bt, bu)) => t < bt || (t == bt && self.first_free(p).is_some_and(|u| u < bu)),
        };
        if better {
            *best = self.first_free(p).map(|u| (t, u));
        }
    }

    /// The free unit that reaches `incident` first (ties: lowest number).
    pub fn nearest_free(&self, sim: &Sim<'_>, incident: IncidentId) -> Option<UnitId> {
        let i = &sim.incident(incident).incident;
        self.nearest_free_to(i.pos, i.node, &sim.scenario().travel)
    }

    /// The free unit that reaches `to` (joining the road network at `node`,
    /// see [`crate::map::TravelModel::node_of`]) first under `travel` (ties:
    /// lowest number).
    pub fn nearest_free_to(
        &self,
        to: Point,
        node: u32,
        travel: &crate::map::TravelModel,
    ) -> Option<UnitId> {
        let mut best: Option<(f64, UnitId)> = None;
        let time = |p: usize| {
            let (base, activation) = self.posts[p];
            activation + travel.response_at(base, self.slots[p], to, node)
        };
        let Some(g) = &self.grid else {
            for p in 0..self.posts.len() {
                if self.free_count[p] > 0 {
                    self.consider(p, time(p), &mut best);
                }
            }
            return best.map(|(_, u)| u);
        };
        // Rings of cells around the incident's cell (which may lie outside
        // the grid). Every cell of ring r is at least (r - 1) cells away, so
        // once that lower bound on time exceeds the best found, stop; ties
        // are still examined, so the lowest unit number wins as without the
        // grid.
        let cx = ((to.x_km - g.x0) / g.cell_km).floor() as i64;
        let cy = ((to.y_km - g.y0) / g.cell_km).floor() as i64;
        let far = (cx.max(g.nx - 1 - cx).max(cy).max(g.ny - 1 - cy)).max(0);
        for r in 0..=far {
            if let Some((bt, _)) = best {
                let gap = (r - 1).max(0) as f64 * g.cell_km;
                let lower = g.min_activation + travel.min_response_min(gap);
                if lower > bt {
                    break;
                }
            }
            for y in (cy - r).max(0)..=(cy + r).min(g.ny - 1) {
                let on_edge_row = y == cy - r || y == cy + r;
                let step = if on_edge_row { 1 } else { (2 * r).max(1) };
                let mut x = cx - r;
                while x <= cx + r {
                    if (0..g.nx).contains(&x) {
                        let c = (y * g.nx + x) as usize;
                        if g.free[c] > 0 {
                            for &p in &g.posts[c] {
                                let p = p as usize;
                                if self.free_count[p] > 0 {
                                    self.consider(p, time(p), &mut best);
                                }
                            }
                        }
                    }
                    x += step;
                }
            }
        }
        best.map(|(_, u)| u)
    }
}

impl Grid {
    fn new(posts: &[(Point, f64)], free_count: &[u32]) -> Self {
        let (mut x0, mut x1, mut y0, mut y1) = (
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::INFINITY,
            f64::NEG_INFINITY,
        );
        for (p, _) in posts {
            x0 = x0.min(p.x_km);
            x1 = x1.max(p.x_km);
            y0 = y0.min(p.y_km);
            y1 = y1.max(p.y_km);
        }
        // About two posts per cell on average, and never more cells along
        // an axis than half the posts: on a line of posts (zero area) the
        // cells follow the line instead of shrinking to nothing.
        let (w, h) = (x1 - x0, y1 - y0);
        let n = posts.len() as f64;
        let cell_km = (2.0 * w * h / n)
            .sqrt()
            .max(w.max(h) / (n / 2.0).max(1.0))
            .max(0.01);
        let nx = ((x1 - x0) / cell_km).floor() as i64 + 1;
        let ny = ((y1 - y0) / cell_km).floor() as i64 + 1;
        let mut cells = vec![Vec::new(); (nx * ny) as usize];
        let mut free = vec![0; (nx * ny) as usize];
        let mut cell_of = Vec::with_capacity(posts.len());
        for (i, (p, _)) in posts.iter().enumerate() {
            let cx = (((p.x_km - x0) / cell_km).floor() as i64).min(nx - 1);
            let cy = (((p.y_km - y0) / cell_km).floor() as i64).min(ny - 1);
            let c = (cy * nx + cx) as usize;
            cells[c].push(i as u32);
            free[c] += free_count[i];
            cell_of.push(c as u32);
        }
        Self {
            x0,
            y0,
            cell_km,
            nx,
            ny,
            posts: cells,
            free,
            cell_of,
            min_activation: posts.iter().map(|p| p.1).fold(f64::INFINITY, f64::min),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Crew;
    use crate::map::TravelModel;
    use rand::{RngExt, SeedableRng};

    #[test]
    fn posts_on_a_straight_road_get_cells_along_the_road() {
        // 60 stations 2 km apart on one road: the bounding box has no area.
        // Cells sized from the area would be 10 m wide, 11,800 of them, and
        // every search would walk the empty ones.
        let travel = TravelModel::Euclidean {
            speed_kmh: 40.0,
            detour: 1.3,
            turnout_min: 1.0,
        };
        let fleet: Vec<UnitSpec> = (0..60)
            .map(|i| UnitSpec {
                name: String::new(),
                station: i,
                base: Point::new(2.0 * i as f64, 5.0),
                crew: Crew {
                    officers: 1,
                    auxiliaries: 0,
                },
                kind: UnitKind::Pooled,
                activation_min: 0.0,
            })
            .collect();
        let units: Vec<UnitId> = (0..60).map(UnitId).collect();
        let mut index = PostIndex::new(&fleet, &units, &travel);
        let g = index.grid.as_ref().expect("60 posts get a grid");
        // 118 km in cells of 118 / 30 km: 30 or 31 cells along the road
        // (rounding decides whether the last post opens a cell), one across.
        assert_eq!(g.ny, 1);
        assert!((30..=31).contains(&g.nx), "{} cells", g.nx);
        assert!((g.cell_km - 118.0 / 30.0).abs() < 1e-12);
        assert!(g.posts.iter().all(|c| c.len() <= 3));
        // Still exactly the nearest free unit, with most units busy.
        for u in 0..60 {
            index.set_free(UnitId(u), u % 7 == 3);
        }
        for x in [-50.0, 0.0, 33.3, 61.0, 118.0, 500.0] {
            let to = Point::new(x, 9.0);
            let expected = (0..60u32)
                .filter(|u| u % 7 == 3)
                .min_by(|&a, &b| {
                    let ta = travel.response_min(fleet[a as usize].base, to);
                    let tb = travel.response_min(fleet[b as usize].base, to);
                    ta.total_cmp(&tb).then(a.cmp(&b))
                })
                .map(UnitId);
            assert_eq!(
                index.nearest_free_to(to, crate::map::NO_HANDLE, &travel),
                expected
            );
        }
    }

    #[test]
    fn the_post_grid_finds_exactly_the_unit_a_full_scan_finds() {
        let travel = TravelModel::Euclidean {
            speed_kmh: 40.0,
            detour: 1.3,
            turnout_min: 1.0,
        };
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
        for posts in [10usize, 60, 300] {
            // Posts on a coarse lattice so that exact ties happen, some
            // posts with several units, a few with a call-in delay.
            let mut fleet = Vec::new();
            for i in 0..posts {
                let base = Point::new(
                    f64::from(rng.random_range(0..40u32)) * 0.5,
                    f64::from(rng.random_range(0..40u32)) * 0.5,
                );
                let activation = if i % 7 == 0 { 20.0 } else { 0.0 };
                for _ in 0..rng.random_range(1..4u32) {
                    fleet.push(UnitSpec {
                        name: String::new(),
                        station: 0,
                        base,
                        crew: Crew {
                            officers: 1,
                            auxiliaries: 0,
                        },
                        kind: UnitKind::Pooled,
                        activation_min: activation,
                    });
                }
            }
            let units: Vec<UnitId> = (0..fleet.len() as u32).map(UnitId).collect();
            let mut index = PostIndex::new(&fleet, &units, &travel);
            assert_eq!(index.grid.is_some(), posts >= GRID_FROM_POSTS);
            let mut free = vec![true; fleet.len()];
            for _ in 0..2000 {
                let u = rng.random_range(0..fleet.len());
                free[u] = !free[u];
                index.set_free(UnitId(u as u32), free[u]);
                let to = Point::new(rng.random_range(-5.0..25.0), rng.random_range(-5.0..25.0));
                let expected = (0..fleet.len())
                    .filter(|&u| free[u])
                    .map(|u| {
                        (
                            fleet[u].activation_min + travel.response_min(fleet[u].base, to),
                            u,
                        )
                    })
                    .min_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)))
                    .map(|(_, u)| UnitId(u as u32));
                assert_eq!(
                    index.nearest_free_to(to, crate::map::NO_HANDLE, &travel),
                    expected,
                    "{posts} posts, to {to:?}"
                );
            }
        }
    }
}
