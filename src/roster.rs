//! Rosters: who is on duty when, and how much each person works.
//!
//! Every strategy staffs *posts* (a seat in a unit's crew, a desk) from
//! *pools* of people (a station's officers, a zone's officers, a squad). Each
//! shift, a pool's people take its posts in strict rotation: shift `k` puts
//! person `(k·posts + slot) mod people` on post `slot`, so each person works
//! `posts / people` of all shifts — with 4 officers and 1 post on 24-hour
//! shifts, every 4th day, 42 hours a week.

use serde::{Deserialize, Serialize};

use crate::scenario::{Crew, MIN_PER_DAY, RosterSpec};

/// What kind of work a pool's people do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Officers of one station answering its calls.
    StationOfficer,
    /// Officers of a cooperation zone (response groups and station desks).
    ZoneOfficer,
    /// Officers pooled across the area (efficiency policing).
    PooledOfficer,
    /// Traffic-squad officers.
    SquadOfficer,
    /// Officers of specialist units.
    SpecialistOfficer,
    /// Auxiliary police (辅警), any pool.
    Auxiliary,
}

impl Role {
    /// Plain label for tables.
    pub fn label(self) -> &'static str {
        match self {
            Role::StationOfficer => "station officers",
            Role::ZoneOfficer => "zone officers",
            Role::PooledOfficer => "pooled officers",
            Role::SquadOfficer => "squad officers",
            Role::SpecialistOfficer => "specialist officers",
            Role::Auxiliary => "auxiliaries",
        }
    }

    /// Whether the role is a sworn officer's.
    pub fn is_officer(self) -> bool {
        self != Role::Auxiliary
    }
}

/// A group of people rotating through the same posts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Pool {
    /// Who they are, e.g. `station "hefang" officers`.
    pub name: String,
    /// Their role.
    pub role: Role,
    /// Index of the first person of the pool (people are numbered pool by pool).
    pub first: u32,
    /// People in the pool.
    pub people: u32,
    /// Posts filled at all times.
    pub posts: u32,
    /// Scenario key to blame when the pool is short, e.g. `stations[2].officers`.
    pub key: String,
    /// Whose people they are, e.g. `station "hefang"`.
    pub owner: String,
    /// Whether they are station people (from `[[stations]]`), as opposed to
    /// a traffic squad's or a specialist unit's.
    pub station_staff: bool,
}

/// One seat filled by a pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PostRef {
    /// Pool index.
    pub pool: u32,
    /// Slot within the pool's posts.
    pub slot: u32,
}

/// How a unit is staffed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Staffing {
    /// On duty: these posts, filled by rotation.
    Posts(Vec<PostRef>),
    /// Called in from off-duty people of these pools when needed: officers
    /// and auxiliaries counted per pool.
    CallIn(Vec<(u32, u32)>),
}

/// The staffing of one strategy.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Roster {
    /// Shift length, minutes.
    pub shift_min: f64,
    /// Night hours `[start, end)`.
    pub night_hours: (u32, u32),
    /// Pools, in creation order.
    pub pools: Vec<Pool>,
    /// Staffing of each unit, in fleet order.
    pub units: Vec<Staffing>,
    /// Per unit, its on-duty posts as `[first person, people, posts, slot]`,
    /// so attributing busy time needs no pool lookups in the hot loop.
    #[serde(skip)]
    rota: Vec<Vec<[u32; 4]>>,
}

/// Builds a [`Roster`] alongside a fleet.
#[derive(Debug, Clone)]
pub struct RosterBuilder {
    spec: RosterSpec,
    pools: Vec<Pool>,
    units: Vec<Staffing>,
    people: u32,
}

impl RosterBuilder {
    /// An empty roster with the scenario's shift pattern (or `shift_hours`).
    pub fn new(spec: RosterSpec, shift_hours: Option<u32>) -> Self {
        let mut spec = spec;
        if let Some(h) = shift_hours {
            spec.shift_hours = h;
        }
        Self {
            spec,
            pools: Vec::new(),
            units: Vec::new(),
            people: 0,
        }
    }

    /// Adds the pool of `owner`'s officers (or auxiliaries, by `role`),
    /// `people` strong, blamed on scenario `key` if short; returns its index.
    pub fn pool(
        &mut self,
        owner: impl Into<String>,
        role: Role,
        people: u32,
        key: impl Into<String>,
    ) -> u32 {
        let owner = owner.into();
        let what = if role.is_officer() {
            "officers"
        } else {
            "auxiliaries"
        };
        self.pools.push(Pool {
            name: format!("{owner} {what}"),
            role,
            first: self.people,
            people,
            posts: 0,
            key: key.into(),
            station_staff: true,
            owner,
        });
        self.people += people;
        self.pools.len() as u32 - 1
    }

    /// Like [`RosterBuilder::pool`], for people who are not station staff
    /// (a traffic squad, a specialist unit).
    pub fn external_pool(
        &mut self,
        owner: impl Into<String>,
        role: Role,
        people: u32,
        key: impl Into<String>,
    ) -> u32 {
        let i = self.pool(owner, role, people, key);
        self.pools[i as usize].station_staff = false;
        i
    }

    /// A post of `pool` not tied to a unit (a desk).
    pub fn desk(&mut self, pool: u32) -> PostRef {
        let p = &mut self.pools[pool as usize];
        p.posts += 1;
        PostRef {
            pool,
            slot: p.posts - 1,
        }
    }

    /// The next unit of the fleet, crewed from `officers` and `auxiliaries` pools.
    pub fn unit(&mut self, officers: u32, auxiliaries: u32, crew: Crew) {
        let mut posts = Vec::with_capacity((crew.officers + crew.auxiliaries) as usize);
        for _ in 0..crew.officers {
            posts.push(self.desk(officers));
        }
        for _ in 0..crew.auxiliaries {
            posts.push(self.desk(auxiliaries));
        }
        self.units.push(Staffing::Posts(posts));
    }

    /// The next unit of the fleet, called in from off-duty people of the pools.
    pub fn call_in_unit(&mut self, officers: u32, auxiliaries: u32, crew: Crew) {
        self.units.push(Staffing::CallIn(vec![
            (officers, crew.officers),
            (auxiliaries, crew.auxiliaries),
        ]));
    }

    /// The roster, or one `(key, message)` per pool that has fewer people than posts.
    pub fn build(self) -> Result<Roster, Vec<Shortage>> {
        let short: Vec<Shortage> = self
            .pools
            .iter()
            .filter(|p| p.people < p.posts)
            .map(|p| Shortage {
                key: p.key.clone(),
                message: format!(
                    "{} is short of {} {}: {} post(s) must be filled at all times, but it has {}",
                    p.owner,
                    p.posts - p.people,
                    if p.role.is_officer() {
                        "officer(s)"
                    } else {
                        "auxiliar(ies)"
                    },
                    p.posts,
                    p.people
                ),
            })
            .collect();
        if !short.is_empty() {
            return Err(short);
        }
        let rota = self
            .units
            .iter()
            .map(|u| match u {
                Staffing::Posts(posts) => posts
                    .iter()
                    .map(|p| {
                        let pool = &self.pools[p.pool as usize];
                        [pool.first, pool.people, pool.posts, p.slot]
                    })
                    .collect(),
                Staffing::CallIn(_) => Vec::new(),
            })
            .collect();
        Ok(Roster {
            shift_min: f64::from(self.spec.shift_hours) * 60.0,
            night_hours: (self.spec.night_start_hour, self.spec.night_end_hour),
            pools: self.pools,
            units: self.units,
            rota,
        })
    }
}

/// A pool with fewer people than the posts it must fill.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shortage {
    /// Scenario key to blame.
    pub key: String,
    /// Who is short, and by how many.
    pub message: String,
}

/// Minutes of `[a, b)` that fall in the nightly hours `[start, end)`.
pub fn night_overlap_min(a: f64, b: f64, (start, end): (u32, u32)) -> f64 {
    if b <= a || start == end {
        return 0.0;
    }
    let (s, e) = (f64::from(start) * 60.0, f64::from(end) * 60.0);
    // Night intervals within day d: [d+s, d+e) if s < e, else [d, d+e) and [d+s, d+1440).
    let intervals: &[(f64, f64)] = if s < e {
        &[(s, e)][..]
    } else {
        &[(0.0, e), (s, MIN_PER_DAY)][..]
    };
    let mut total = 0.0;
    let mut day = (a / MIN_PER_DAY).floor() * MIN_PER_DAY;
    while day < b {
        for &(x, y) in intervals {
            let lo = (day + x).max(a);
            let hi = (day + y).min(b);
            if hi > lo {
                total += hi - lo;
            }
        }
        day += MIN_PER_DAY;
    }
    total
}

/// Duty of every person over a window.
#[derive(Debug, Clone, PartialEq)]
pub struct Duty {
    /// On-duty minutes per person.
    pub duty_min: Vec<f64>,
    /// Of which at night.
    pub night_min: Vec<f64>,
    /// Shifts started inside the window, per person.
    pub shifts: Vec<u32>,
}

impl Roster {
    /// Total people.
    pub fn people(&self) -> usize {
        self.pools.iter().map(|p| p.people as usize).sum()
    }

    /// Pool of each person.
    pub fn pool_of_person(&self) -> Vec<u32> {
        self.pools
            .iter()
            .enumerate()
            .flat_map(|(i, p)| std::iter::repeat_n(i as u32, p.people as usize))
            .collect()
    }

    /// The person on `post` during shift `shift`.
    #[inline]
    pub fn person(&self, post: PostRef, shift: u64) -> usize {
        let p = &self.pools[post.pool as usize];
        let n = u64::from(p.people);
        (u64::from(p.first) + (shift * u64::from(p.posts) + u64::from(post.slot)) % n) as usize
    }

    /// Pools whose people average more than `hours` on duty a week:
    /// `(pool name, hours)`.
    pub fn heavy_pools(&self, hours: f64) -> Vec<(String, f64)> {
        self.pools
            .iter()
            .filter(|p| p.people > 0)
            .map(|p| {
                (
                    p.name.clone(),
                    168.0 * f64::from(p.posts) / f64::from(p.people),
                )
            })
            .filter(|(_, h)| *h > hours)
            .collect()
    }

    /// Who was on duty in `[from, to)`, minutes.
    pub fn duty(&self, from: f64, to: f64) -> Duty {
        let n = self.people();
        let mut duty = Duty {
            duty_min: vec![0.0; n],
            night_min: vec![0.0; n],
            shifts: vec![0; n],
        };
        if to <= from {
            return duty;
        }
        let first = (from / self.shift_min).floor() as u64;
        let last = ((to / self.shift_min).ceil() as u64).max(first + 1);
        for k in first..last {
            let start = k as f64 * self.shift_min;
            let (a, b) = (start.max(from), (start + self.shift_min).min(to));
            if b <= a {
                continue;
            }
            let night = night_overlap_min(a, b, self.night_hours);
            for (pi, p) in self.pools.iter().enumerate() {
                for slot in 0..p.posts {
                    let who = self.person(
                        PostRef {
                            pool: pi as u32,
                            slot,
                        },
                        k,
                    );
                    duty.duty_min[who] += b - a;
                    duty.night_min[who] += night;
                    if start >= from {
                        duty.shifts[who] += 1;
                    }
                }
            }
        }
        duty
    }

    /// Adds a unit's busy interval `[from, to)` to the people who crewed it:
    /// on-duty crews by rotation into `busy`, call-in crews spread evenly over
    /// their pools into `callout`.
    pub fn attribute(
        &self,
        unit: usize,
        from: f64,
        to: f64,
        busy: &mut [f64],
        callout: &mut [f64],
    ) {
        if to <= from {
            return;
        }
        match &self.units[unit] {
            Staffing::Posts(_) => {
                let mut a = from;
                while a < to {
                    // Times are >= 0: truncation is floor.
                    let k = (a / self.shift_min) as u64;
                    let b = (((k + 1) as f64) * self.shift_min).min(to);
                    // Same arithmetic as `person`, from the precomputed rota.
                    for &[first, people, posts, slot] in &self.rota[unit] {
                        let i = (k * u64::from(posts) + u64::from(slot)) % u64::from(people);
                        busy[first as usize + i as usize] += b - a;
                    }
                    if b <= a {
                        break;
                    }
                    a = b;
                }
            }
            Staffing::CallIn(pools) => {
                for &(pool, count) in pools {
                    let p = &self.pools[pool as usize];
                    if p.people == 0 {
                        continue;
                    }
                    let share = (to - from) * f64::from(count) / f64::from(p.people);
                    for person in p.first..p.first + p.people {
                        callout[person as usize] += share;
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(hours: u32) -> RosterSpec {
        RosterSpec {
            shift_hours: hours,
            night_start_hour: 22,
            night_end_hour: 6,
        }
    }

    const ONE: Crew = Crew {
        officers: 1,
        auxiliaries: 0,
    };

    #[test]
    fn four_officers_one_post_is_every_fourth_day_42_hours_a_week() {
        let mut b = RosterBuilder::new(spec(24), None);
        let off = b.pool(
            "station \"a\"",
            Role::StationOfficer,
            4,
            "stations[0].officers",
        );
        let aux = b.pool(
            "station \"a\"",
            Role::Auxiliary,
            0,
            "stations[0].auxiliaries",
        );
        b.unit(off, aux, ONE);
        let r = b.build().unwrap();
        let weeks = 52.0;
        let d = r.duty(0.0, weeks * 7.0 * MIN_PER_DAY);
        for p in 0..4 {
            assert!((d.duty_min[p] / 60.0 / weeks - 42.0).abs() < 0.5, "{d:?}");
            assert_eq!(d.shifts[p], 91); // 364 days / 4
            // A 24-hour shift holds 8 night hours.
            assert!((d.night_min[p] / d.duty_min[p] - 1.0 / 3.0).abs() < 1e-9);
        }
        // The same person never works two days running.
        for k in 0..100 {
            let post = PostRef { pool: 0, slot: 0 };
            assert_ne!(r.person(post, k), r.person(post, k + 1));
        }
    }

    #[test]
    fn shortage_names_the_pool_and_the_gap() {
        let mut b = RosterBuilder::new(spec(24), None);
        let off = b.pool("zone \"west\"", Role::ZoneOfficer, 5, "zones[0].stations");
        let aux = b.pool("zone \"west\"", Role::Auxiliary, 20, "zones[0].stations");
        for _ in 0..3 {
            b.unit(
                off,
                aux,
                Crew {
                    officers: 1,
                    auxiliaries: 4,
                },
            );
        }
        for _ in 0..4 {
            b.desk(off);
        }
        let err = b.build().unwrap_err();
        assert_eq!(err.len(), 1);
        assert_eq!(err[0].key, "zones[0].stations");
        assert_eq!(
            err[0].message,
            "zone \"west\" is short of 2 officer(s): 7 post(s) must be filled at all times, but it has 5"
        );
    }

    #[test]
    fn busy_time_goes_to_the_person_on_duty() {
        let mut b = RosterBuilder::new(spec(8), None);
        let off = b.pool("o", Role::StationOfficer, 3, "k");
        let aux = b.pool("a", Role::Auxiliary, 0, "k");
        b.unit(off, aux, ONE);
        b.call_in_unit(off, aux, ONE);
        let r = b.build().unwrap();
        let (mut busy, mut callout) = (vec![0.0; 3], vec![0.0; 3]);
        // 07:00-09:00 spans shift 0 (person 0) and shift 1 (person 1).
        r.attribute(0, 420.0, 540.0, &mut busy, &mut callout);
        assert_eq!(busy, vec![60.0, 60.0, 0.0]);
        r.attribute(1, 0.0, 90.0, &mut busy, &mut callout);
        assert_eq!(callout, vec![30.0, 30.0, 30.0]);
    }

    #[test]
    fn night_overlap_handles_midnight() {
        let n = (22, 6);
        assert_eq!(night_overlap_min(0.0, MIN_PER_DAY, n), 480.0);
        assert_eq!(night_overlap_min(20.0 * 60.0, 23.0 * 60.0, n), 60.0);
        assert_eq!(night_overlap_min(0.0, 2.0 * MIN_PER_DAY, (8, 20)), 1440.0);
    }
}
