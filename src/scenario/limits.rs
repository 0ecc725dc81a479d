//! Upper (and a few lower) limits on what a scenario may ask for.
//!
//! Each limit is far beyond any county (the largest Chinese county has a few
//! hundred police stations and a few thousand officers) and far below what
//! would exhaust memory or never finish. Counts are checked here, before
//! anything is allocated for them, and sums of counts are taken in `u64`, so
//! no count wraps. The README's "Limits and budgets" table lists them.

/// Most `[[stations]]` entries.
pub const MAX_STATIONS: usize = 10_000;
/// Most `[[demand]]` entries.
pub const MAX_DEMAND_POINTS: usize = 1_000_000;
/// Most `[[incidents.kinds]]` entries.
pub const MAX_KINDS: usize = 1_000;
/// Most officers or auxiliaries one entry (station, squad, specialist unit)
/// may have, and most people in the whole scenario (every station, squad and
/// specialist unit, officers and auxiliaries together).
pub const MAX_PEOPLE: u64 = 1_000_000;
/// Most units (or groups, call-in units, desk officers) one key may ask for.
pub const MAX_UNITS: u32 = 10_000;
/// Most units one strategy may field in all (with its desks).
pub const MAX_FLEET: u64 = 100_000;
/// Most officers, or auxiliaries, in one crew.
pub const MAX_CREW: u32 = 100;
/// Largest demand `weight`: only the weights' ratios count, and the demand
/// sampler needs every weight times the number of points to stay finite.
pub const MAX_WEIGHT: f64 = 1e300;
/// Most calls a day (`[incidents] per_day`).
pub const MAX_CALLS_PER_DAY: f64 = 1_000_000.0;
/// Fewest calls a day (`[incidents] per_day`): one call in about 27 years.
/// Below it, a run or the map's call-density sample would step through
/// centuries of empty hours.
pub const MIN_CALLS_PER_DAY: f64 = 1e-4;
/// Longest run, days (`[scenario] days`, `--days`): 100 years.
pub const MAX_DAYS: f64 = 36_525.0;
/// Most replications (`[scenario] replications`, `--replications`).
pub const MAX_REPLICATIONS: u32 = 100_000;
/// Most worker threads (`--threads`).
pub const MAX_THREADS: usize = 256;
/// Furthest any position may lie from the map centre, km: no county is
/// wider, and a far position (a typo in a coordinate) would make the
/// nearest-post search cover an empty continent.
pub const MAX_DISTANCE_KM: f64 = 1_000.0;

/// Simulated events a run may take without `run --force`: about a minute
/// or two on one core at the measured 10-30 million events/s.
pub const EVENT_BUDGET: u64 = 2_000_000_000;
/// Memory the per-incident records of a run (`--per-incident`) may take
/// without `run --force`, bytes (4 GiB).
pub const MEMORY_BUDGET_BYTES: u64 = 4 << 30;

use super::diag::Collector;
use super::raw::{RawCrew, RawScenario};
use super::{Specialist, Squad, Station};
use crate::dist::MAX_MINUTES;
use crate::map::Point;

/// Largest `|x_km|` or `|y_km|` of any position, km: more than the Earth's
/// circumference, so only a typo or an overflowed number reaches it.
pub const MAX_COORD_KM: f64 = 100_000.0;
/// Slowest travel speed, km/h (`[travel] speed_kmh`, `access_speed_kmh` and
/// a road class's speed other than 0): below it a unit would be on its way
/// for weeks (walking is 5 km/h), and at 5e-324 km/h never arrive. There
/// is no upper limit: a huge speed only makes travel take no time (tests
/// use 1,000,000 km/h for exactly that).
pub const MIN_SPEED_KMH: f64 = 1.0;
/// Largest `[travel] detour` (road distance over straight-line distance).
pub const MAX_DETOUR: f64 = 10.0;
/// Largest `strategies.efficiency.case_handling_factor`: a hundred times
/// the follow-up work. A factor of 1e308 made every case-handling time
/// infinite, so a unit never came free.
pub const MAX_CASE_HANDLING_FACTOR: f64 = 100.0;

/// `v` for a message: exponent form when it is huge or tiny, so that 1e308
/// is not printed with 309 digits.
fn shown(v: f64) -> String {
    if v != 0.0 && !(1e-6..1e15).contains(&v.abs()) {
        format!("{v:e}")
    } else {
        format!("{v}")
    }
}

/// Records "too large" or "too small" at `key` when a finite `v` lies
/// outside `min..=max` (`why`, if not empty, is added after a colon);
/// returns whether it fits. Non-finite values are left to the checks that
/// refuse them with their own words.
fn within(c: &mut Collector, key: &str, v: f64, min: f64, max: f64, why: &str) -> bool {
    let why = if why.is_empty() {
        String::new()
    } else {
        format!(": {why}")
    };
    if !v.is_finite() {
        true
    } else if v > max {
        c.error(
            key,
            format!("too large (max {}), found {}{why}", shown(max), shown(v)),
        );
        false
    } else if v < min {
        c.error(
            key,
            format!("too small (min {}), found {}{why}", shown(min), shown(v)),
        );
        false
    } else {
        true
    }
}

/// Records "too large" at `key` when `value > max`; returns whether it fits.
fn at_most<T: PartialOrd + std::fmt::Display>(
    c: &mut Collector,
    key: &str,
    value: T,
    max: T,
) -> bool {
    let ok = value <= max;
    if !ok {
        c.error(key, format!("too large (max {max}), found {value}"));
    }
    ok
}

fn crew_ok(c: &mut Collector, key: &str, crew: Option<RawCrew>) -> bool {
    let Some(crew) = crew else { return true };
    at_most(c, &format!("{key}.officers"), crew.officers, MAX_CREW)
        & at_most(c, &format!("{key}.auxiliaries"), crew.auxiliaries, MAX_CREW)
}

/// Checks every count and size of the file against the limits above,
/// before anything is built from them. Returns whether all fit.
pub(crate) fn check_raw(raw: &RawScenario, c: &mut Collector) -> bool {
    let mut ok = true;
    let m = &raw.scenario;
    if m.days.is_finite() {
        ok &= at_most(c, "scenario.days", m.days, MAX_DAYS);
    }
    ok &= at_most(c, "scenario.replications", m.replications, MAX_REPLICATIONS);
    if m.target_min.is_finite() {
        ok &= at_most(c, "scenario.target_min", m.target_min, MAX_MINUTES);
    }
    ok &= at_most(c, "stations", raw.stations.len(), MAX_STATIONS);
    ok &= at_most(c, "demand", raw.demand.len(), MAX_DEMAND_POINTS);
    ok &= at_most(c, "incidents.kinds", raw.incidents.kinds.len(), MAX_KINDS);
    ok &= at_most(c, "zones", raw.zones.len(), MAX_STATIONS);
    ok &= at_most(c, "traffic_squads", raw.traffic_squads.len(), MAX_STATIONS);
    ok &= at_most(
        c,
        "specialist_units",
        raw.specialist_units.len(),
        MAX_STATIONS,
    );
    if !ok {
        // Too many entries: checking each of them would only repeat it.
        return false;
    }
    let per_day = raw.incidents.per_day;
    if per_day.is_finite() && per_day > 0.0 {
        ok &= at_most(c, "incidents.per_day", per_day, MAX_CALLS_PER_DAY);
        if per_day < MIN_CALLS_PER_DAY {
            c.error(
                "incidents.per_day",
                format!(
                    "too small (min {MIN_CALLS_PER_DAY}, one call in about 27 years), found {per_day:e}"
                ),
            );
            ok = false;
        }
    }
    // People, counted in u64 so that no sum wraps.
    let mut people: u64 = 0;
    for (i, s) in raw.stations.iter().enumerate() {
        let key = format!("stations[{i}]");
        ok &= at_most(
            c,
            &format!("{key}.officers"),
            u64::from(s.officers),
            MAX_PEOPLE,
        );
        ok &= at_most(
            c,
            &format!("{key}.auxiliaries"),
            u64::from(s.auxiliaries),
            MAX_PEOPLE,
        );
        if let Some(u) = s.units {
            ok &= at_most(c, &format!("{key}.units"), u, MAX_UNITS);
        }
        people += u64::from(s.officers) + u64::from(s.auxiliaries);
    }
    for (i, d) in raw.demand.iter().enumerate() {
        if d.weight.is_finite() && d.weight > MAX_WEIGHT {
            c.error(
                format!("demand[{i}].weight"),
                format!(
                    "too large (max {MAX_WEIGHT:e}), found {:e}: only the weights' ratios count, so scale them down",
                    d.weight
                ),
            );
            ok = false;
        }
        if let Some(t) = d.target_min.filter(|t| t.is_finite()) {
            ok &= at_most(c, &format!("demand[{i}].target_min"), t, MAX_MINUTES);
        }
        ok &= within(
            c,
            &format!("demand[{i}].spread_km"),
            d.spread_km,
            f64::NEG_INFINITY,
            MAX_DISTANCE_KM,
            "",
        );
    }
    for (i, k) in raw.incidents.kinds.iter().enumerate() {
        let key = format!("incidents.kinds[{i}]");
        ok &= at_most(c, &format!("{key}.units"), k.units, MAX_UNITS);
        if let Some(e) = k.escalation {
            ok &= at_most(c, &format!("{key}.escalation.units"), e.units, MAX_UNITS);
        }
    }
    for (i, z) in raw.zones.iter().enumerate() {
        if let Some(g) = z.groups {
            ok &= at_most(c, &format!("zones[{i}].groups"), g, MAX_UNITS);
        }
    }
    // A squad or specialist unit without officers/auxiliaries gets four
    // people per post (see `people` in validation).
    let default_people = |units: u32, crew: Option<RawCrew>, officers: bool| -> u64 {
        let per = crew.map_or(1, |c| if officers { c.officers } else { c.auxiliaries });
        4 * u64::from(units) * u64::from(per)
    };
    for (i, q) in raw.traffic_squads.iter().enumerate() {
        let key = format!("traffic_squads[{i}]");
        ok &= at_most(c, &format!("{key}.units"), q.units, MAX_UNITS);
        ok &= crew_ok(c, &format!("{key}.crew"), q.crew);
        let off = q
            .officers
            .map_or_else(|| default_people(q.units, q.crew, true), u64::from);
        let aux = q
            .auxiliaries
            .map_or_else(|| default_people(q.units, q.crew, false), u64::from);
        ok &= at_most(c, &format!("{key}.officers"), off, MAX_PEOPLE);
        ok &= at_most(c, &format!("{key}.auxiliaries"), aux, MAX_PEOPLE);
        people += off + aux;
    }
    for (i, u) in raw.specialist_units.iter().enumerate() {
        let key = format!("specialist_units[{i}]");
        ok &= crew_ok(c, &format!("{key}.crew"), u.crew);
        let off = u
            .officers
            .map_or_else(|| default_people(1, u.crew, true), u64::from);
        let aux = u
            .auxiliaries
            .map_or_else(|| default_people(1, u.crew, false), u64::from);
        ok &= at_most(c, &format!("{key}.officers"), off, MAX_PEOPLE);
        ok &= at_most(c, &format!("{key}.auxiliaries"), aux, MAX_PEOPLE);
        people += off + aux;
    }
    if ok && people > MAX_PEOPLE {
        c.error(
            "stations",
            format!(
                "too many people in all (max {MAX_PEOPLE} officers and auxiliaries over every station, traffic squad and specialist unit), found {people}"
            ),
        );
        ok = false;
    }
    ok &= times_and_speeds(raw, c);
    let st = &raw.strategies;
    let mut units = |c: &mut Collector, key: &str, v: u32| ok &= at_most(c, key, v, MAX_UNITS);
    if let Some(p) = &st.per_station {
        units(c, "strategies.per_station.units", p.units);
        units(c, "strategies.per_station.callin_units", p.callin_units);
    }
    if let Some(z) = &st.zone_cooperation {
        let k = "strategies.zone_cooperation";
        units(c, &format!("{k}.groups_per_zone"), z.groups_per_zone);
        units(
            c,
            &format!("{k}.desk_officers_per_station"),
            z.desk_officers_per_station,
        );
        units(
            c,
            &format!("{k}.outside_units_per_station"),
            z.outside_units_per_station,
        );
        units(
            c,
            &format!("{k}.outside_callin_units"),
            z.outside_callin_units,
        );
        if let Some(g) = z.saturation_max_groups {
            units(c, &format!("{k}.saturation_max_groups"), g);
        }
    }
    if let Some(t) = &st.traffic_merged {
        units(
            c,
            "strategies.traffic_merged.extra_units_per_station",
            t.extra_units_per_station,
        );
    }
    if let Some(e) = &st.efficiency {
        units(c, "strategies.efficiency.units", e.units);
        units(
            c,
            "strategies.efficiency.desk_officers_per_station",
            e.desk_officers_per_station,
        );
    }
    if let Some(w) = &st.station_whistle {
        units(c, "strategies.station_whistle.units", w.units);
    }
    let crews = [
        (
            "strategies.per_station.crew",
            st.per_station.as_ref().and_then(|p| p.crew),
        ),
        (
            "strategies.zone_cooperation.crew",
            st.zone_cooperation.as_ref().and_then(|z| z.crew),
        ),
        (
            "strategies.zone_cooperation.outside_crew",
            st.zone_cooperation.as_ref().and_then(|z| z.outside_crew),
        ),
        (
            "strategies.efficiency.crew",
            st.efficiency.as_ref().and_then(|e| e.crew),
        ),
        (
            "strategies.station_whistle.crew",
            st.station_whistle.as_ref().and_then(|w| w.crew),
        ),
    ];
    for (key, crew) in crews {
        ok &= crew_ok(c, key, crew);
    }
    ok
}

/// Speeds, the detour, every fixed time in minutes and the efficiency
/// model's case-handling factor: each within a range where travel and
/// service times stay finite (a speed of 5e-324 km/h or a detour of 1e308
/// made every unit travel forever, and the run answer no call).
fn times_and_speeds(raw: &RawScenario, c: &mut Collector) -> bool {
    let t = &raw.travel;
    let d = &raw.dispatch;
    let st = &raw.strategies;
    let mut ok = true;
    let mut speed = |c: &mut Collector, key: &str, v: f64| {
        // 0 and negative speeds are refused (or mean "not driven on") elsewhere.
        if v > 0.0 {
            ok &= within(c, key, v, MIN_SPEED_KMH, f64::INFINITY, "");
        }
    };
    if let Some(v) = t.speed_kmh {
        speed(c, "travel.speed_kmh", v);
    }
    if let Some(v) = t.access_speed_kmh {
        speed(c, "travel.access_speed_kmh", v);
    }
    for (class, &v) in &t.speeds {
        speed(c, &format!("travel.speeds.{class}"), v);
    }
    if let Some(v) = t.detour {
        ok &= within(c, "travel.detour", v, f64::NEG_INFINITY, MAX_DETOUR, "");
    }
    let mut minutes: Vec<(&str, f64)> = vec![
        ("travel.turnout_min", t.turnout_min),
        ("dispatch.call_processing_min", d.call_processing_min),
        ("dispatch.handoff_min", d.handoff_min),
    ];
    if let Some(p) = &st.per_station {
        minutes.push((
            "strategies.per_station.callin_delay_min",
            p.callin_delay_min,
        ));
    }
    if let Some(z) = &st.zone_cooperation {
        minutes.push((
            "strategies.zone_cooperation.outside_callin_delay_min",
            z.outside_callin_delay_min,
        ));
    }
    if let Some(e) = &st.efficiency {
        if let Some(v) = e.call_processing_min {
            minutes.push(("strategies.efficiency.call_processing_min", v));
        }
        if let Some(v) = e.handoff_min {
            minutes.push(("strategies.efficiency.handoff_min", v));
        }
        ok &= within(
            c,
            "strategies.efficiency.case_handling_factor",
            e.case_handling_factor,
            f64::NEG_INFINITY,
            MAX_CASE_HANDLING_FACTOR,
            "it multiplies every case-handling time",
        );
    }
    if let Some(w) = &st.station_whistle {
        minutes.push((
            "strategies.station_whistle.whistle_after_min",
            w.whistle_after_min,
        ));
    }
    for (key, v) in minutes {
        ok &= within(c, key, v, f64::NEG_INFINITY, MAX_MINUTES, "");
    }
    ok
}

/// The map centre: the component-wise median of the stations' positions
/// (one mistyped station among three or more cannot move it). Stations
/// outside ±[`MAX_COORD_KM`] are left out, as they are refused on their own:
/// a station at x = 1e154 must not make every other position "far from the
/// centre". The origin without such stations.
pub fn map_centre(stations: &[Point]) -> Point {
    let placed: Vec<Point> = stations
        .iter()
        .copied()
        .filter(|p| p.x_km.abs() <= MAX_COORD_KM && p.y_km.abs() <= MAX_COORD_KM)
        .collect();
    let median = |mut v: Vec<f64>| -> f64 {
        if v.is_empty() {
            return 0.0;
        }
        v.sort_by(f64::total_cmp);
        let n = v.len();
        if n % 2 == 1 {
            v[n / 2]
        } else {
            0.5 * (v[n / 2 - 1] + v[n / 2])
        }
    };
    Point::new(
        median(placed.iter().map(|p| p.x_km).collect()),
        median(placed.iter().map(|p| p.y_km).collect()),
    )
}

/// Why `pos` is no place in a county near `centre`, if it is not.
pub fn far_from(centre: Point, pos: Point) -> Option<String> {
    if pos.x_km.abs() > MAX_COORD_KM || pos.y_km.abs() > MAX_COORD_KM {
        // Huge numbers in exponent form: 1e154 has 155 digits.
        let km = |v: f64| {
            if v.abs() >= 1e6 {
                format!("{v:e}")
            } else {
                format!("{v}")
            }
        };
        return Some(format!(
            "lies at x {} km, y {} km: coordinates must be within ±{MAX_COORD_KM} km",
            km(pos.x_km),
            km(pos.y_km)
        ));
    }
    let d = centre.distance_km(pos);
    (d > MAX_DISTANCE_KM).then(|| {
        format!(
            "lies {d:.0} km from the map centre (the stations' median position, x {:.1} km, y {:.1} km); every position must be within {MAX_DISTANCE_KM} km of it: check the coordinates",
            centre.x_km, centre.y_km
        )
    })
}

/// Refuses stations, demand points, squads and specialist units that lie
/// too far from the map centre, naming each.
pub(crate) fn check_positions(
    c: &mut Collector,
    stations: &[Station],
    demand: &[(String, String, Point)],
    squads: &[Squad],
    specialists: &[Specialist],
) {
    let centre = map_centre(&stations.iter().map(|s| s.pos).collect::<Vec<_>>());
    let check = |c: &mut Collector, key: String, what: String, pos: Point| {
        if let Some(why) = far_from(centre, pos) {
            c.error(key, format!("{what} {why}"));
        }
    };
    for (i, s) in stations.iter().enumerate() {
        check(
            c,
            format!("stations[{i}]"),
            format!("station {:?}", s.id),
            s.pos,
        );
    }
    for (key, what, pos) in demand {
        check(c, key.clone(), what.clone(), *pos);
    }
    for (i, q) in squads.iter().enumerate() {
        check(
            c,
            format!("traffic_squads[{i}]"),
            format!("traffic squad {:?}", q.id),
            q.pos,
        );
        if let Some(a) = q.urban {
            check(
                c,
                format!("traffic_squads[{i}].urban"),
                format!("the urban area of traffic squad {:?}", q.id),
                a.centre,
            );
        }
    }
    for (i, u) in specialists.iter().enumerate() {
        check(
            c,
            format!("specialist_units[{i}]"),
            format!("specialist unit {:?}", u.id),
            u.pos,
        );
    }
}

/// The limit of the count at `key` (a key path such as
/// `stations[0].officers`), when it has one: the message for a number too
/// large even for the program's integers then gives the same maximum as a
/// number that fits but is over the limit.
pub fn max_for_key(key: &str) -> Option<u64> {
    let mut parts = key.rsplit('.').map(|p| p.split('[').next().unwrap_or(p));
    let last = parts.next().unwrap_or("");
    let parent = parts.next().unwrap_or("");
    let in_crew = parent == "crew" || parent.ends_with("_crew");
    match last {
        "officers" | "auxiliaries" if in_crew => Some(MAX_CREW.into()),
        "officers" | "auxiliaries" => Some(MAX_PEOPLE),
        "units"
        | "callin_units"
        | "extra_units_per_station"
        | "groups_per_zone"
        | "groups"
        | "outside_units_per_station"
        | "outside_callin_units"
        | "desk_officers_per_station"
        | "saturation_max_groups" => Some(MAX_UNITS.into()),
        "replications" => Some(MAX_REPLICATIONS.into()),
        _ => None,
    }
}

/// Rewrites serde's "invalid value: integer `V`, expected u32" for a
/// positive `V` as "too large (max N), found V", with the key's limit (or
/// the type's largest value for keys without one); `None` for other
/// messages.
pub(crate) fn overflow_message(key: &str, serde_message: &str) -> Option<String> {
    let rest = serde_message
        .trim()
        .strip_prefix("invalid value: integer `")?;
    let (found, expected) = rest.split_once("`, expected ")?;
    if found.starts_with('-') {
        return None;
    }
    let type_max: u64 = match expected.trim() {
        "u8" => u8::MAX.into(),
        "u16" => u16::MAX.into(),
        "u32" => u32::MAX.into(),
        "u64" | "usize" => u64::MAX,
        _ => return None,
    };
    let max = max_for_key(key).map_or(type_max, |m| m.min(type_max));
    Some(format!("too large (max {max}), found {found}"))
}

#[cfg(test)]
mod overflow_tests {
    use super::*;

    #[test]
    fn serde_overflow_says_too_large_with_the_key_limit() {
        assert_eq!(
            overflow_message(
                "stations[0].officers",
                "invalid value: integer `99999999999`, expected u32"
            )
            .as_deref(),
            Some("too large (max 1000000), found 99999999999")
        );
        assert_eq!(
            overflow_message(
                "scenario.start_day",
                "invalid value: integer `99999999999`, expected u32"
            )
            .as_deref(),
            Some("too large (max 4294967295), found 99999999999")
        );
        assert_eq!(
            overflow_message(
                "stations[0].officers",
                "invalid value: integer `-1`, expected u32"
            ),
            None
        );
        assert_eq!(max_for_key("traffic_squads[2].units"), Some(10_000));
        assert_eq!(
            max_for_key("strategies.efficiency.crew.auxiliaries"),
            Some(100)
        );
        assert_eq!(max_for_key("stations[3].auxiliaries"), Some(1_000_000));
        assert_eq!(max_for_key("scenario.seed"), None);
    }
}
