//! From the raw file to a [`Scenario`]: every cross-check with its key path.

use crate::boundary::{self as outline, Boundary};
use crate::dist::{Dist, DistSpec};
use crate::map::{Point, Projection, TravelModel};
use crate::scenario::diag::{Collector, Diagnostic, ScenarioError};
use crate::scenario::limits;
use crate::scenario::overrides::{self, Override};
use crate::scenario::raw::{DEFAULT_DETOUR, DEFAULT_SPEED_KMH};
use crate::scenario::raw::{RawDemand, RawDist, RawScenario};
use crate::scenario::{
    Area, DemandPoint, Escalation, IncidentModel, Kind, RosterSpec, Scenario, Specialist, Squad,
    Station, Weekday, Zone, nearest,
};
use crate::strategy;
use rand_distr::weighted::WeightedAliasIndex;

use super::network as roads;

/// Shares must sum to 1 within this.
const SHARE_TOLERANCE: f64 = 1e-6;

pub(super) fn parse_and_validate(src: &str, file: &str) -> Result<Scenario, ScenarioError> {
    let mut c = Collector::new(file, src);
    let de = toml::de::Deserializer::parse(src)
        .map_err(|e| ScenarioError::Invalid(vec![c.syntax_error(&e)]))?;
    let raw: RawScenario = serde_path_to_error::deserialize(de)
        .map_err(|e| ScenarioError::Invalid(vec![c.serde_error(e)]))?;
    // Counts and sizes first: nothing below may allocate or loop for them.
    if !limits::check_raw(&raw, &mut c) {
        return Err(ScenarioError::Invalid(c.errors));
    }
    let scenario = build(raw, file, &mut c);
    stray_strategies_headers(src, &mut c);
    match scenario {
        Some(mut s) if c.errors.is_empty() => {
            s.warnings = std::mem::take(&mut c.warnings);
            Ok(s)
        }
        _ => Err(ScenarioError::Invalid(c.errors)),
    }
}

/// Warns about a `[strategies]` line with nothing under it before the next
/// section (or the end of the file): an editing slip, since strategies are
/// written as `[strategies.per_station]` and so on.
fn stray_strategies_headers(src: &str, c: &mut Collector) {
    let header = |line: &str| -> Option<String> {
        let t = line.split('#').next().unwrap_or("").trim();
        (t.starts_with('[') && t.ends_with(']')).then(|| t.to_string())
    };
    let lines: Vec<&str> = src.lines().collect();
    for (i, line) in lines.iter().enumerate() {
        let Some(h) = header(line) else { continue };
        if h.trim_matches(['[', ']']).trim() != "strategies" || h.starts_with("[[") {
            continue;
        }
        let next = lines[i + 1..]
            .iter()
            .map(|l| l.split('#').next().unwrap_or("").trim())
            .find(|l| !l.is_empty());
        let before = match next {
            None => "at the end of the file".to_string(),
            Some(l) if l.starts_with('[') => format!("before {l}"),
            Some(_) => continue,
        };
        c.warn_at_line(
            i + 1,
            "strategies",
            format!(
                "a [strategies] line with nothing under it {before}: remove it (strategies are sections such as [strategies.per_station])"
            ),
        );
    }
}

/// Like [`parse_and_validate`] after applying `--set` overrides: lines
/// still point into `src`, and problems with an overridden key name the
/// override.
pub(super) fn parse_and_validate_with(
    src: &str,
    file: &str,
    overrides: &[Override],
) -> Result<Scenario, ScenarioError> {
    if overrides.is_empty() {
        return parse_and_validate(src, file);
    }
    let mut c = Collector::new(file, src);
    let (text, touched) = match overrides::apply_to_source(src, overrides) {
        Ok(done) => done,
        Err(overrides::ApplyError::Syntax(e)) => {
            return Err(ScenarioError::Invalid(vec![c.syntax_error(&e)]));
        }
        Err(overrides::ApplyError::Invalid(e)) => return Err(e),
    };
    c.spans_point_elsewhere();
    let finish = |mut diags: Vec<Diagnostic>| {
        overrides::attribute(&mut diags, overrides, &touched);
        diags
    };
    let de = toml::de::Deserializer::parse(&text).map_err(|e| {
        ScenarioError::Invalid(finish(vec![Diagnostic {
            file: file.to_string(),
            line: None,
            key: String::new(),
            message: format!("invalid TOML after --set: {}", e.message().trim()),
            strategy: None,
        }]))
    })?;
    let raw: RawScenario = serde_path_to_error::deserialize(de)
        .map_err(|e| ScenarioError::Invalid(finish(vec![c.serde_error(e)])))?;
    // Counts and sizes first: nothing below may allocate or loop for them.
    if !limits::check_raw(&raw, &mut c) {
        return Err(ScenarioError::Invalid(finish(c.errors)));
    }
    let scenario = build(raw, file, &mut c);
    stray_strategies_headers(src, &mut c);
    match scenario {
        Some(mut s) if c.errors.is_empty() => {
            s.warnings = finish(std::mem::take(&mut c.warnings));
            Ok(s)
        }
        _ => Err(ScenarioError::Invalid(finish(c.errors))),
    }
}

/// Checks that `v` is finite and at least `min` (or above it when `strict`).
fn check_num(c: &mut Collector, key: &str, v: f64, min: f64, strict: bool) -> bool {
    let ok = v.is_finite() && if strict { v > min } else { v >= min };
    if !ok {
        let want = if strict { ">" } else { ">=" };
        c.error(
            key,
            format!("must be a finite number {want} {min}, found {v}"),
        );
    }
    ok
}

fn build(raw: RawScenario, file: &str, c: &mut Collector) -> Option<Scenario> {
    let m = &raw.scenario;
    if m.name.trim().is_empty()
        || m.name.contains(['/', '\\'])
        || m.name.starts_with('.')
        || m.name.chars().any(char::is_control)
    {
        c.error(
            "scenario.name",
            format!(
                "must be a non-empty name usable as a directory (no slashes, not starting with '.'), found {:?}",
                m.name
            ),
        );
    }
    check_num(c, "scenario.days", m.days, 0.0, true);
    if check_num(c, "scenario.warmup_days", m.warmup_days, 0.0, false)
        && m.days.is_finite()
        && m.warmup_days >= m.days
    {
        c.error(
            "scenario.warmup_days",
            format!(
                "must be shorter than scenario.days ({}), found {}",
                m.days, m.warmup_days
            ),
        );
    }
    if m.replications == 0 {
        c.error("scenario.replications", "must be at least 1, found 0");
    }
    check_num(c, "scenario.target_min", m.target_min, 0.0, true);
    let start_weekday = Weekday::parse(&m.start_weekday).unwrap_or_else(|| {
        c.error(
            "scenario.start_weekday",
            format!(
                "must be a day of the week (monday, tuesday, ... sunday), found {:?}",
                m.start_weekday
            ),
        );
        Weekday::Monday
    });

    let t = &raw.travel;
    let speed_kmh = t.speed_kmh.unwrap_or(DEFAULT_SPEED_KMH);
    let detour = t.detour.unwrap_or(DEFAULT_DETOUR);
    check_num(c, "travel.speed_kmh", speed_kmh, 0.0, true);
    if check_num(c, "travel.detour", detour, 0.0, true) && detour < 1.0 {
        c.warn(
            "travel.detour",
            format!("{detour} is below 1: roads shorter than straight lines are unusual"),
        );
    }
    check_num(c, "travel.turnout_min", t.turnout_min, 0.0, false);
    let d = &raw.dispatch;
    check_num(
        c,
        "dispatch.call_processing_min",
        d.call_processing_min,
        0.0,
        false,
    );
    check_num(c, "dispatch.handoff_min", d.handoff_min, 0.0, false);

    let projection = projection(&raw, c);
    let network = roads::network(&raw, file, projection, c);

    // Stations.
    if raw.stations.is_empty() {
        c.error(
            "stations",
            "the scenario needs at least one [[stations]] entry",
        );
    }
    let mut stations = Vec::with_capacity(raw.stations.len());
    for (i, s) in raw.stations.iter().enumerate() {
        let key = format!("stations[{i}]");
        if s.id.trim().is_empty() {
            c.error(format!("{key}.id"), "must not be empty");
        }
        if raw.stations[..i].iter().any(|o| o.id == s.id) {
            c.error(
                format!("{key}.id"),
                format!("duplicate station id {:?}", s.id),
            );
        }
        let pos = point(c, &key, s.x_km, s.y_km, s.lat, s.lon, projection);
        if s.units == Some(0) {
            c.error(
                format!("{key}.units"),
                "a station needs at least 1 duty unit, found 0",
            );
        }
        if let Some(name) = s.name.as_deref().filter(|n| n.trim().is_empty()) {
            c.error(
                format!("{key}.name"),
                format!(
                    "must not be blank (leave name out to use the id {:?}), found {name:?}",
                    s.id
                ),
            );
        }

        stations.push(Station {
            id: s.id.clone(),
            name: s.name.clone().unwrap_or_else(|| s.id.clone()),
            pos: pos.unwrap_or_default(),
            officers: s.officers,
            auxiliaries: s.auxiliaries,
            units: s.units,
        });
    }

    let boundary = boundary(&raw, file, projection, &stations, c);

    // Demand points.
    if raw.demand.is_empty() {
        c.error("demand", "the scenario needs at least one [[demand]] point");
    }
    let mut demand = Vec::with_capacity(raw.demand.len());
    // Key, label and position of each positioned demand point, for the
    // distance check.
    let mut demand_pos = Vec::new();
    for (i, dp) in raw.demand.iter().enumerate() {
        let key = format!("demand[{i}]");
        check_num(c, &format!("{key}.weight"), dp.weight, 0.0, false);
        check_num(c, &format!("{key}.spread_km"), dp.spread_km, 0.0, false);
        if let Some(t) = dp.target_min {
            check_num(c, &format!("{key}.target_min"), t, 0.0, true);
        }
        if let Some(area) = &dp.area {
            let outline = match (&boundary, &raw.map.boundary) {
                (Some(b), _) => Outline::Read(b),
                // Its own error names the file; no second one here.
                (None, Some(_)) => Outline::Unreadable,
                (None, None) => Outline::NotGiven,
            };
            area_demand(c, &key, dp, area, outline, &stations, &mut demand);
            continue;
        }
        let pos = point(c, &key, dp.x_km, dp.y_km, dp.lat, dp.lon, projection).unwrap_or_default();
        let label = dp.name.as_ref().map_or_else(
            || format!("demand point {i}"),
            |n| format!("demand point {n:?}"),
        );
        if let Some(b) = &boundary {
            warn_outside(c, &key, &label, pos, b);
        }
        demand_pos.push((key.clone(), label, pos));
        let station = match &dp.station {
            Some(id) => match stations.iter().position(|s| &s.id == id) {
                Some(s) => s,
                None => {
                    c.error(
                        format!("{key}.station"),
                        format!("unknown station {id:?} (known: {})", ids(&stations)),
                    );
                    0
                }
            },
            None => nearest(stations.iter().map(|s| s.pos), pos),
        };
        demand.push(DemandPoint {
            name: dp.name.clone().unwrap_or_default(),
            pos,
            weight: dp.weight,
            spread_km: dp.spread_km,
            station,
            area: false,
            target_min: dp.target_min,
        });
    }
    let total_weight: f64 = demand.iter().map(|d| d.weight).sum();
    if !demand.is_empty() && total_weight <= 0.0 {
        c.error("demand", "at least one demand point needs a weight > 0");
    } else if total_weight.is_infinite() {
        c.error(
            "demand",
            "the weights' sum must be finite, found inf (scale them down: only their ratios count)",
        );
    } else if !demand.is_empty()
        && WeightedAliasIndex::new(demand.iter().map(|d| d.weight).collect()).is_err()
    {
        // The sampler the runs build: whatever it refuses is refused here.
        c.error(
            "demand",
            "the weights cannot be sampled (each must be finite, >= 0 and at most the largest number divided by the number of points): scale them down",
        );
    }

    let incidents = incidents(&raw, c);
    let roster = roster(&raw, c);
    let zones = zones(&raw, &stations, c);
    let squads = squads(&raw, projection, c);
    let specialists = specialists(&raw, projection, c);
    limits::check_positions(c, &stations, &demand_pos, &squads, &specialists);

    if !strategy::any_section(&raw.strategies) {
        c.error(
            "strategies",
            "the scenario names no strategy: add e.g. [strategies.per_station]",
        );
    }
    if !c.errors.is_empty() {
        return None;
    }
    let mut scenario = Scenario {
        file: file.to_string(),
        name: m.name.clone(),
        description: m.description.trim().to_string(),
        sources: m
            .sources
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_string),
        days: m.days,
        warmup_days: m.warmup_days,
        replications: m.replications,
        seed: m.seed,
        target_min: m.target_min,
        start_weekday,
        baseline: String::new(),
        projection,
        datum: raw.map.datum,
        boundary,
        travel: TravelModel::Euclidean {
            speed_kmh,
            detour,
            turnout_min: t.turnout_min,
        },
        call_processing_min: d.call_processing_min,
        handoff_min: d.handoff_min,
        stations,
        demand,
        incidents: incidents?,
        roster,
        zones,
        squads,
        specialists,
        strategies: Vec::new(),
        replay: None,
        warnings: Vec::new(),
    };
    scenario.strategies = strategy::from_raw(&raw.strategies, &scenario, c);
    if !c.errors.is_empty() {
        return None;
    }
    // Every unit is built one at a time below: refuse a fleet too large first.
    for cfg in &scenario.strategies {
        let n = cfg.fleet_size(&scenario);
        if n > limits::MAX_FLEET {
            c.error(
                format!("strategies.{}", cfg.name()),
                format!(
                    "fields {n} units and desks in all: too many (max {}); lower its units or the stations' units",
                    limits::MAX_FLEET
                ),
            );
        }
        let centre =
            limits::map_centre(&scenario.stations.iter().map(|s| s.pos).collect::<Vec<_>>());
        for p in cfg.standby_posts() {
            if let Some(why) = limits::far_from(centre, p) {
                c.error(
                    format!("strategies.{}.mobile_standby", cfg.name()),
                    format!("a standby post {why}"),
                );
            }
        }
    }
    if !c.errors.is_empty() {
        return None;
    }
    unused_staffing_keys(&scenario, c);
    scenario.baseline = match &m.baseline {
        Some(b) => {
            if !scenario.strategies.iter().any(|s| s.name() == b) {
                let names: Vec<_> = scenario.strategies.iter().map(|s| s.name()).collect();
                c.error(
                    "scenario.baseline",
                    format!(
                        "{b:?} is not a strategy of this scenario (it has: {})",
                        names.join(", ")
                    ),
                );
            }
            b.clone()
        }
        None => scenario
            .strategies
            .iter()
            .find(|s| s.name() == "per_station")
            .or(scenario.strategies.first())
            .map(|s| s.name().to_string())
            .unwrap_or_default(),
    };
    if let Some(r) = &raw.replay {
        let kinds: Vec<String> = scenario
            .incidents
            .kinds
            .iter()
            .map(|k| k.name.clone())
            .collect();
        let names: Vec<&str> = scenario.strategies.iter().map(|s| s.name()).collect();
        scenario.replay =
            crate::scenario::replay::build(r, &kinds, &names, scenario.projection.is_some(), c);
    }
    // One plan per strategy serves the road tables and every check below.
    let plans: Vec<_> = scenario
        .strategies
        .iter()
        .map(|s| s.plan(&scenario))
        .collect();
    if let Some(net) = network {
        roads::attach(&mut scenario, net, &plans, raw.travel.access_speed_kmh, c);
    }
    for (s, plan) in scenario.strategies.iter().zip(plans) {
        let key = format!("strategies.{}", s.name());
        let since = c.warning_count();
        if let Some(z) = s.zone_config() {
            stations_in_no_zone(&scenario, s.name(), z.outside_units_per_station, c);
        }
        let plan = match plan {
            Ok(plan) => plan,
            Err(short) => {
                for e in short {
                    c.error(&e.key, format!("{} (strategy {})", e.message, s.name()));
                }
                continue;
            }
        };
        // Stations in no zone keep their own few units: where they are what
        // limits the force, the warning names them (issue 12).
        let outside = s.zone_config().and_then(|z| {
            let alone: Vec<String> = (0..scenario.stations.len())
                .filter(|&i| scenario.zone_of(i).is_none())
                .map(|i| format!("{:?}", scenario.stations[i].id))
                .collect();
            let units = z.outside_units_per_station + z.outside_callin_units;
            (!alone.is_empty() && units < z.max_units_in_zones(&scenario))
                .then(|| (units, alone.join(", ")))
        });
        // A force larger than the strategy can ever send never assembles:
        // the units that come do the job and the rest is stood down.
        for (k, kind) in scenario.incidents.kinds.iter().enumerate() {
            let need = kind.units + kind.escalation.map_or(0, |e| e.units);
            let most = s.max_units_for(&scenario, &plan, k);
            let to_squad = kind.traffic && !scenario.squads.is_empty();
            if let Some((units, names)) = &outside
                && need > most
                && most == *units
                && !to_squad
            {
                c.warn(
                    format!("incidents.kinds[{k}].units"),
                    format!(
                        "kind {:?} needs up to {need} unit(s) at one incident, but {} can send at most {most} at the station(s) in no zone ({names}): its force never assembles there (add them to a zone, or raise outside_units_per_station or outside_callin_units)",
                        kind.name,
                        s.name(),
                    ),
                );
            } else if need > most {
                // With staffing set per station or zone, `most` is where
                // the strategy can send fewest.
                let uneven = scenario.stations.iter().any(|st| st.units.is_some())
                    || scenario.zones.iter().any(|z| z.groups.is_some());
                c.warn(
                    format!("incidents.kinds[{k}].units"),
                    format!(
                        "kind {:?} needs up to {need} unit(s) at one incident, but {} can send at most {most}{}: its force will never assemble (add units, call-in units or specialist units)",
                        kind.name,
                        s.name(),
                        if uneven { " where it has fewest" } else { "" }
                    ),
                );
            }
        }
        let heavy: Vec<String> = plan
            .roster
            .heavy_pools(60.0)
            .into_iter()
            .map(|(who, h)| format!("{who} {h:.0} h"))
            .collect();
        if !heavy.is_empty() {
            c.warn(
                &key,
                format!(
                    "people on duty more than 60 h a week on average: {}",
                    heavy.join(", ")
                ),
            );
        }
        for (key, message) in s.capacity_warnings(&scenario, &plan) {
            c.warn(key, message);
        }
        c.tag_warnings_since(since, s.name());
    }
    if !c.errors.is_empty() {
        return None;
    }
    Some(scenario)
}

/// Names the stations in no zone under a zone strategy: they keep
/// per-station response with `outside` units each, and have no unit at all
/// (an error) when that is 0.
fn stations_in_no_zone(s: &Scenario, strategy: &str, outside: u32, c: &mut Collector) {
    let alone: Vec<usize> = (0..s.stations.len())
        .filter(|&i| s.zone_of(i).is_none())
        .collect();
    let Some(&first) = alone.first() else { return };
    // traffic_merged on a zone base shares zone_cooperation's settings,
    // whose own pass reports the error once.
    if outside == 0 && strategy != "zone_cooperation" {
        return;
    }
    let names: Vec<String> = alone
        .iter()
        .map(|&i| format!("{:?}", s.stations[i].id))
        .collect();
    let names = names.join(", ");
    if outside == 0 {
        c.error(
            "strategies.zone_cooperation.outside_units_per_station",
            format!(
                "station(s) {names} are in no [[zones]] entry and would have no unit at all (outside_units_per_station = 0): add them to a zone or set outside_units_per_station to at least 1"
            ),
        );
    } else {
        c.warn(
            format!("stations[{first}]"),
            format!(
                "station(s) {names} are in no [[zones]] entry: under {strategy} they keep per-station response with {outside} unit(s) each (outside_units_per_station); add them to a zone to share its groups"
            ),
        );
    }
}

/// Warns about `[[stations]] units` and `[[zones]] groups` that no strategy
/// of the scenario uses: a planner who sets them expects them to count.
fn unused_staffing_keys(s: &Scenario, c: &mut Collector) {
    let fields_station_units = s.strategies.iter().any(|cfg| cfg.fields_station_units());
    let fields_zone_groups = s.strategies.iter().any(|cfg| cfg.fields_zone_groups());
    if !fields_station_units {
        for (i, st) in s.stations.iter().enumerate() {
            if st.units.is_some() {
                c.warn(
                    format!("stations[{i}].units"),
                    format!(
                        "station {:?} sets units, but no strategy here fields station units (per_station, traffic_merged on per_station, station_whistle): it has no effect",
                        st.id
                    ),
                );
            }
        }
    }
    if !fields_zone_groups {
        for (i, z) in s.zones.iter().enumerate() {
            if z.groups.is_some() {
                c.warn(
                    format!("zones[{i}].groups"),
                    format!(
                        "zone {:?} sets groups, but no strategy here fields zone groups (zone_cooperation, traffic_merged on zone_cooperation): it has no effect",
                        z.id
                    ),
                );
            }
        }
    }
}

fn roster(raw: &RawScenario, c: &mut Collector) -> RosterSpec {
    let r = &raw.roster;
    if ![24, 12, 8].contains(&r.shift_hours) {
        c.error(
            "roster.shift_hours",
            format!("must be 24, 12 or 8, found {}", r.shift_hours),
        );
    }
    for (key, h) in [
        ("roster.night_start_hour", r.night_start_hour),
        ("roster.night_end_hour", r.night_end_hour),
    ] {
        if h > 23 {
            c.error(key, format!("must be an hour 0..23, found {h}"));
        }
    }
    RosterSpec {
        shift_hours: r.shift_hours,
        night_start_hour: r.night_start_hour,
        night_end_hour: r.night_end_hour,
    }
}

fn zones(raw: &RawScenario, stations: &[Station], c: &mut Collector) -> Vec<Zone> {
    let index = |id: &str| stations.iter().position(|s| s.id == id);
    let mut out: Vec<Zone> = Vec::new();
    for (i, z) in raw.zones.iter().enumerate() {
        let key = format!("zones[{i}]");
        if raw.zones[..i].iter().any(|o| o.id == z.id) {
            c.error(format!("{key}.id"), format!("duplicate zone id {:?}", z.id));
        }
        if z.stations.is_empty() {
            c.error(
                format!("{key}.stations"),
                "a zone needs at least one station",
            );
        }
        let mut members = Vec::new();
        for (j, id) in z.stations.iter().enumerate() {
            match index(id) {
                Some(s) if members.contains(&s) => c.error(
                    format!("{key}.stations[{j}]"),
                    format!("station {id:?} is listed twice"),
                ),
                Some(s) => {
                    if let Some(other) = out.iter().find(|o| o.stations.contains(&s)) {
                        c.error(
                            format!("{key}.stations[{j}]"),
                            format!(
                                "station {id:?} is already in zone {:?}: a station belongs to at most one zone",
                                other.id
                            ),
                        );
                    }
                    members.push(s);
                }
                None => c.error(
                    format!("{key}.stations[{j}]"),
                    format!("unknown station {id:?} (known: {})", ids(stations)),
                ),
            }
        }
        let hub = match index(&z.hub) {
            Some(h) if members.contains(&h) => h,
            Some(_) => {
                c.error(
                    format!("{key}.hub"),
                    format!("hub {:?} is not one of the zone's stations", z.hub),
                );
                0
            }
            None => {
                c.error(
                    format!("{key}.hub"),
                    format!("unknown station {:?} (known: {})", z.hub, ids(stations)),
                );
                0
            }
        };
        if z.groups == Some(0) {
            c.error(
                format!("{key}.groups"),
                "a zone needs at least 1 response group, found 0",
            );
        }
        out.push(Zone {
            id: z.id.clone(),
            name: z.name.clone().unwrap_or_else(|| z.id.clone()),
            stations: members,
            hub,
            groups: z.groups,
        });
    }
    out
}

/// People rotating through `posts` posts, defaulting to a 4-shift rotation.
fn people(given: Option<u32>, posts: u32) -> u32 {
    given.unwrap_or(4 * posts)
}

fn squads(raw: &RawScenario, projection: Option<Projection>, c: &mut Collector) -> Vec<Squad> {
    let mut out = Vec::new();
    for (i, q) in raw.traffic_squads.iter().enumerate() {
        let key = format!("traffic_squads[{i}]");
        if raw.traffic_squads[..i].iter().any(|o| o.id == q.id) {
            c.error(
                format!("{key}.id"),
                format!("duplicate squad id {:?}", q.id),
            );
        }
        let pos = point(c, &key, q.x_km, q.y_km, q.lat, q.lon, projection).unwrap_or_default();
        if q.units == 0 {
            c.error(
                format!("{key}.units"),
                "a squad needs at least 1 unit, found 0",
            );
        }
        let crew = strategy::crew(q.crew, SQUAD_CREW, &format!("{key}.crew"), c);
        let urban = q.urban.map(|a| {
            let k = format!("{key}.urban");
            check_num(c, &format!("{k}.radius_km"), a.radius_km, 0.0, false);
            Area {
                centre: point(c, &k, a.x_km, a.y_km, a.lat, a.lon, projection).unwrap_or_default(),
                radius_km: a.radius_km,
            }
        });
        out.push(Squad {
            id: q.id.clone(),
            name: q.name.clone().unwrap_or_else(|| q.id.clone()),
            pos,
            units: q.units,
            crew,
            officers: people(q.officers, q.units * crew.officers),
            auxiliaries: people(q.auxiliaries, q.units * crew.auxiliaries),
            urban,
        });
    }
    out
}

/// Default crew of squad and specialist units: 1 officer + 1 auxiliary (assumption).
const SQUAD_CREW: crate::scenario::Crew = crate::scenario::Crew {
    officers: 1,
    auxiliaries: 1,
};

fn specialists(
    raw: &RawScenario,
    projection: Option<Projection>,
    c: &mut Collector,
) -> Vec<Specialist> {
    let mut out = Vec::new();
    for (i, u) in raw.specialist_units.iter().enumerate() {
        let key = format!("specialist_units[{i}]");
        if raw.specialist_units[..i].iter().any(|o| o.id == u.id) {
            c.error(format!("{key}.id"), format!("duplicate unit id {:?}", u.id));
        }
        if u.role.trim().is_empty() {
            c.error(format!("{key}.role"), "must name a role, e.g. \"patrol\"");
        }
        let pos = point(c, &key, u.x_km, u.y_km, u.lat, u.lon, projection).unwrap_or_default();
        let crew = strategy::crew(u.crew, SQUAD_CREW, &format!("{key}.crew"), c);
        out.push(Specialist {
            id: u.id.clone(),
            pos,
            role: u.role.clone(),
            crew,
            officers: people(u.officers, crew.officers),
            auxiliaries: people(u.auxiliaries, crew.auxiliaries),
        });
    }
    out
}

/// The county outline of `[map] boundary`, projected, with the stations'
/// jurisdiction cells.
fn boundary(
    raw: &RawScenario,
    file: &str,
    projection: Option<Projection>,
    stations: &[Station],
    c: &mut Collector,
) -> Option<Boundary> {
    let m = &raw.map;
    let Some(name) = &m.boundary else {
        if m.boundary_feature.is_some() {
            c.error(
                "map.boundary_feature",
                "names a feature of [map] boundary, which is not given",
            );
        }
        return None;
    };
    // Relative to the scenario file, as a planner keeps them side by side.
    let path = std::path::Path::new(file)
        .parent()
        .unwrap_or(std::path::Path::new(""))
        .join(name);
    let key = if m.boundary_feature.is_some() {
        "map.boundary_feature"
    } else {
        "map.boundary"
    };
    let (lonlat, feature) = match outline::read_outline(
        &path,
        &path.display().to_string(),
        m.boundary_feature.as_deref(),
    ) {
        Ok(found) => found,
        Err(e @ outline::BoundaryError::Feature { .. }) => {
            c.error(key, e.to_string());
            return None;
        }
        Err(e) => {
            c.error("map.boundary", e.to_string());
            return None;
        }
    };
    let Some(projection) = projection else {
        c.error(
            "map.boundary",
            "the outline is in degrees, so the scenario needs a projection: set [map] centre_lat and centre_lon, or give some position as lat and lon",
        );
        return None;
    };
    let b = Boundary::new(name, &feature, &lonlat, projection)
        .with_cells(&stations.iter().map(|s| s.pos).collect::<Vec<_>>());
    for (i, s) in stations.iter().enumerate() {
        warn_outside(
            c,
            &format!("stations[{i}]"),
            &format!("station {:?}", s.id),
            s.pos,
            &b,
        );
    }
    Some(b)
}

/// Warns when `pos` lies outside the county outline, saying how far.
fn warn_outside(c: &mut Collector, key: &str, what: &str, pos: Point, b: &Boundary) {
    let d = b.distance_outside_km(pos);
    if d > 0.0 {
        c.warn(
            key,
            format!(
                "{what} lies {d:.2} km outside the county outline {} ({})",
                b.feature, b.file
            ),
        );
    }
}

/// The county outline as an area demand sees it.
enum Outline<'a> {
    /// Read and projected.
    Read(&'a Boundary),
    /// `[map] boundary` is given but could not be used (already an error).
    Unreadable,
    /// No `[map] boundary`.
    NotGiven,
}

/// An `area = "boundary"` demand: one demand entry per station whose
/// jurisdiction cell has land in the outline, weighted by the cell's area,
/// so that calls fall uniformly over the county and each goes to its
/// nearest station.
fn area_demand(
    c: &mut Collector,
    key: &str,
    dp: &RawDemand,
    area: &str,
    boundary: Outline<'_>,
    stations: &[Station],
    out: &mut Vec<DemandPoint>,
) {
    if area != "boundary" {
        c.error(
            format!("{key}.area"),
            format!("must be \"boundary\" (the county outline of [map] boundary), found {area:?}"),
        );
        return;
    }
    if dp.x_km.is_some() || dp.y_km.is_some() || dp.lat.is_some() || dp.lon.is_some() {
        c.error(
            key,
            "an area demand has no position: give x_km/y_km or lat/lon, or area, not both",
        );
    }
    if dp.spread_km != 0.0 {
        c.error(
            format!("{key}.spread_km"),
            "does not apply to an area demand: its calls already spread over the whole outline",
        );
    }
    if dp.station.is_some() {
        c.error(
            format!("{key}.station"),
            "an area demand's calls go to the nearest station (its Voronoi cell); remove station",
        );
    }
    let b = match boundary {
        Outline::Read(b) => b,
        Outline::Unreadable => return,
        Outline::NotGiven => {
            c.error(
                format!("{key}.area"),
                "needs [map] boundary: the county outline to spread the calls over",
            );
            return;
        }
    };
    let name = dp.name.clone().unwrap_or_else(|| "county".into());
    // Shares of the cells' own total, so the weight is kept exactly.
    let land: f64 = b.cells.iter().map(|c| c.area_km2).sum();
    for (s, cell) in b.cells.iter().enumerate() {
        if cell.area_km2 <= 0.0 || cell.triangles.is_empty() {
            continue;
        }
        out.push(DemandPoint {
            name: format!("{name} [{}]", stations[s].id),
            pos: cell.centroid().unwrap_or(stations[s].pos),
            weight: dp.weight * cell.area_km2 / land,
            spread_km: 0.0,
            station: s,
            area: true,
            target_min: dp.target_min,
        });
    }
}

fn ids(stations: &[Station]) -> String {
    let ids: Vec<_> = stations.iter().map(|s| s.id.as_str()).collect();
    ids.join(", ")
}

/// The projection for lat/lon points: `[map]` centre, or the mean of all points.
fn projection(raw: &RawScenario, c: &mut Collector) -> Option<Projection> {
    let posts = raw
        .strategies
        .zone_cooperation
        .iter()
        .flat_map(|z| z.mobile_standby.iter())
        .flat_map(|m| m.posts.iter())
        .map(|p| (p.lat, p.lon));
    let pairs: Vec<(f64, f64)> = raw
        .stations
        .iter()
        .map(|s| (s.lat, s.lon))
        .chain(raw.demand.iter().map(|d| (d.lat, d.lon)))
        .chain(raw.traffic_squads.iter().map(|q| (q.lat, q.lon)))
        .chain(
            raw.traffic_squads
                .iter()
                .filter_map(|q| q.urban)
                .map(|a| (a.lat, a.lon)),
        )
        .chain(raw.specialist_units.iter().map(|u| (u.lat, u.lon)))
        .chain(posts)
        .filter_map(|(a, b)| Some((a?, b?)))
        .filter(|(a, b)| a.is_finite() && b.is_finite())
        .collect();
    match (raw.map.centre_lat, raw.map.centre_lon) {
        (Some(lat), Some(lon)) => {
            let ok = check_lat_lon(c, "map.centre_lat", "map.centre_lon", lat, lon);
            ok.then_some(Projection {
                centre_lat: lat,
                centre_lon: lon,
            })
        }
        (None, None) if pairs.is_empty() => None,
        (None, None) => {
            let n = pairs.len() as f64;
            Some(Projection {
                centre_lat: pairs.iter().map(|p| p.0).sum::<f64>() / n,
                centre_lon: pairs.iter().map(|p| p.1).sum::<f64>() / n,
            })
        }
        _ => {
            c.error("map", "give both centre_lat and centre_lon, or neither");
            None
        }
    }
}

fn check_lat_lon(c: &mut Collector, lat_key: &str, lon_key: &str, lat: f64, lon: f64) -> bool {
    let mut ok = true;
    if !(lat.is_finite() && (-90.0..=90.0).contains(&lat)) {
        c.error(
            lat_key,
            format!("latitude must be within -90..90 degrees, found {lat}"),
        );
        ok = false;
    }
    if !(lon.is_finite() && (-180.0..=180.0).contains(&lon)) {
        c.error(
            lon_key,
            format!("longitude must be within -180..180 degrees, found {lon}"),
        );
        ok = false;
    }
    ok
}

/// A position given either as `x_km`/`y_km` or as `lat`/`lon`.
fn point(
    c: &mut Collector,
    key: &str,
    x: Option<f64>,
    y: Option<f64>,
    lat: Option<f64>,
    lon: Option<f64>,
    projection: Option<Projection>,
) -> Option<Point> {
    match (x, y, lat, lon) {
        (Some(x), Some(y), None, None) => {
            let ok = check_finite(c, &format!("{key}.x_km"), x)
                & check_finite(c, &format!("{key}.y_km"), y);
            ok.then_some(Point::new(x, y))
        }
        (None, None, Some(lat), Some(lon)) => {
            let ok = check_lat_lon(c, &format!("{key}.lat"), &format!("{key}.lon"), lat, lon);
            Some(projection?.project(lat, lon)).filter(|_| ok)
        }
        (None, None, None, None) => {
            c.error(key, "needs a position: x_km and y_km, or lat and lon");
            None
        }
        _ => {
            c.error(
                key,
                "give the position as x_km and y_km, or as lat and lon: exactly one complete pair",
            );
            None
        }
    }
}

fn check_finite(c: &mut Collector, key: &str, v: f64) -> bool {
    if !v.is_finite() {
        c.error(key, format!("must be a finite number, found {v}"));
    }
    v.is_finite()
}

fn incidents(raw: &RawScenario, c: &mut Collector) -> Option<IncidentModel> {
    let r = &raw.incidents;
    let mut ok = check_num(c, "incidents.per_day", r.per_day, 0.0, true);
    let hourly = match &r.hourly {
        None => [1.0; 24],
        Some(h) => profile::<24>(c, "incidents.hourly", h, "hours 0..23").unwrap_or_else(|| {
            ok = false;
            [0.0; 24]
        }),
    };
    let weekly = match &r.weekly {
        None => None,
        Some(w) => {
            let w = profile::<7>(c, "incidents.weekly", w, "Monday first");
            ok &= w.is_some();
            w
        }
    };
    if r.kinds.is_empty() {
        c.error(
            "incidents.kinds",
            "the scenario needs at least one [[incidents.kinds]] entry",
        );
        ok = false;
    }
    let mut kinds = Vec::with_capacity(r.kinds.len());
    for (i, k) in r.kinds.iter().enumerate() {
        let key = format!("incidents.kinds[{i}]");
        if k.name.trim().is_empty() {
            c.error(format!("{key}.name"), "must not be empty");
        }
        if r.kinds[..i].iter().any(|o| o.name == k.name) {
            c.error(
                format!("{key}.name"),
                format!("duplicate kind name {:?}", k.name),
            );
        }
        check_num(c, &format!("{key}.share"), k.share, 0.0, false);
        if k.units == 0 {
            c.error(format!("{key}.units"), "must be at least 1, found 0");
        }
        let on_scene = dist(c, &format!("{key}.on_scene"), Some(&k.on_scene));
        let case = dist(c, &format!("{key}.case_handling"), k.case_handling.as_ref());
        let escalation = k.escalation.map(|e| {
            let ek = format!("{key}.escalation");
            if !(e.prob.is_finite() && (0.0..=1.0).contains(&e.prob)) {
                c.error(
                    format!("{ek}.prob"),
                    format!("must be a probability in 0..1, found {}", e.prob),
                );
            }
            if e.units == 0 {
                c.error(format!("{ek}.units"), "must be at least 1, found 0");
            }
            Escalation {
                prob: e.prob,
                units: e.units,
            }
        });
        if let (Some(on_scene), Some(case_handling)) = (on_scene, case) {
            kinds.push(Kind {
                name: k.name.clone(),
                share: k.share,
                priority: k.priority,
                units: k.units,
                on_scene,
                case_handling,
                traffic: k.traffic,
                escalation,
            });
        } else {
            ok = false;
        }
    }
    let total: f64 = r.kinds.iter().map(|k| k.share).sum();
    if !r.kinds.is_empty() && (total - 1.0).abs() > SHARE_TOLERANCE {
        c.error(
            "incidents.kinds",
            format!("shares must sum to 1, found {total}"),
        );
        ok = false;
    }
    ok.then_some(IncidentModel {
        per_day: r.per_day,
        hourly,
        weekly,
        kinds,
    })
}

/// Checks a profile of `N` relative weights (finite, >= 0, a positive sum).
fn profile<const N: usize>(
    c: &mut Collector,
    key: &str,
    weights: &[f64],
    order: &str,
) -> Option<[f64; N]> {
    if weights.len() != N {
        c.error(
            key,
            format!("must hold {N} numbers ({order}), found {}", weights.len()),
        );
        return None;
    }
    if let Some(bad) = weights.iter().find(|v| !(v.is_finite() && **v >= 0.0)) {
        c.error(key, format!("weights must be finite and >= 0, found {bad}"));
        return None;
    }
    let sum: f64 = weights.iter().sum();
    if !(sum > 0.0 && sum.is_finite()) {
        let what = if sum > 0.0 {
            "the weights' sum must be finite (scale them down)".to_string()
        } else {
            format!("at least one of the {N} weights must be > 0")
        };
        c.error(key, what);
        return None;
    }
    let mut arr = [0.0; N];
    arr.copy_from_slice(weights);
    Some(arr)
}

/// Builds a distribution; `None` raw means "always 0 minutes".
fn dist(c: &mut Collector, key: &str, raw: Option<&RawDist>) -> Option<Dist> {
    let Some(r) = raw else {
        return Some(Dist::new(DistSpec::Fixed { value: 0.0 }).expect("zero is valid"));
    };
    // A Weibull is written by its mean and sd, or by its shape and scale:
    // whichever pair the entry starts, it must complete.
    let weibull_by_shape = r.shape.is_some() || r.scale.is_some();
    let allowed: &[&str] = match r.dist.as_str() {
        "fixed" => &["value"],
        "exponential" => &["mean"],
        "lognormal" | "gamma" => &["mean", "sd"],
        "weibull" if weibull_by_shape => &["shape", "scale"],
        "weibull" => &["mean", "sd"],
        "uniform" => &["min", "max"],
        "triangular" => &["min", "mode", "max"],
        "empirical" => &["values"],
        other => {
            c.error(
                format!("{key}.dist"),
                format!(
                    "unknown distribution {other:?} (use fixed, exponential, lognormal, gamma, weibull, uniform, triangular or empirical)"
                ),
            );
            return None;
        }
    };
    if r.dist == "weibull" && weibull_by_shape && (r.mean.is_some() || r.sd.is_some()) {
        c.error(
            key,
            "\"weibull\" takes `mean` and `sd`, or `shape` and `scale`: give one pair, not both",
        );
        return None;
    }
    let takes = if r.dist == "weibull" {
        "mean, sd; or shape, scale".to_string()
    } else {
        allowed.join(", ")
    };
    let given = [
        ("value", r.value.is_some()),
        ("mean", r.mean.is_some()),
        ("sd", r.sd.is_some()),
        ("shape", r.shape.is_some()),
        ("scale", r.scale.is_some()),
        ("min", r.min.is_some()),
        ("mode", r.mode.is_some()),
        ("max", r.max.is_some()),
        ("values", r.values.is_some()),
    ];
    let mut ok = true;
    for (name, present) in given {
        if present && !allowed.contains(&name) {
            c.error(
                format!("{key}.{name}"),
                format!(
                    "`{name}` is not a parameter of {:?} (it takes: {takes})",
                    r.dist,
                ),
            );
            ok = false;
        }
        if !present && allowed.contains(&name) {
            c.error(
                key,
                format!("{:?} needs `{name}` (it takes: {takes})", r.dist),
            );
            ok = false;
        }
    }
    if !ok {
        return None;
    }
    let spec = match r.dist.as_str() {
        "fixed" => DistSpec::Fixed { value: r.value? },
        "exponential" => DistSpec::Exponential { mean: r.mean? },
        "lognormal" => DistSpec::Lognormal {
            mean: r.mean?,
            sd: r.sd?,
        },
        "gamma" => DistSpec::Gamma {
            mean: r.mean?,
            sd: r.sd?,
        },
        "weibull" if weibull_by_shape => DistSpec::Weibull {
            shape: r.shape?,
            scale: r.scale?,
        },
        "weibull" => match DistSpec::weibull_from_mean_sd(r.mean?, r.sd?) {
            Ok(spec) => spec,
            Err(e) => {
                c.error(key, e.to_string());
                return None;
            }
        },
        "uniform" => DistSpec::Uniform {
            min: r.min?,
            max: r.max?,
        },
        "triangular" => DistSpec::Triangular {
            min: r.min?,
            mode: r.mode?,
            max: r.max?,
        },
        _ => DistSpec::Empirical {
            values: r.values.clone()?,
        },
    };
    match Dist::new(spec) {
        Ok(d) => Some(d),
        Err(e) => {
            c.error(key, e.to_string());
            None
        }
    }
}
