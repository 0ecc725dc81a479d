//! Staffing set where it is decided: `[[stations]] units` overrides the
//! per-station models' `units` for that station, `[[zones]] groups`
//! overrides `groups_per_zone`, and rosters, shortages and the exact
//! queueing models follow.

use policesim::Scenario;
use policesim::engine::UnitKind;
use policesim::experiment::{self, RunOptions};

use crate::common::replace_once;

const ALL: &str = include_str!("../data/all_strategies.toml");

fn load(text: &str) -> Scenario {
    Scenario::from_toml(text, "all.toml").unwrap_or_else(|e| panic!("{e}"))
}

/// `text` with `line` added to station `id`'s table (after its `id`).
fn station_key(text: &str, id: &str, line: &str) -> String {
    replace_once(
        text,
        &format!("id = \"{id}\"\nx_km"),
        &format!("id = \"{id}\"\n{line}\nx_km"),
    )
}

/// Names of the units of strategy `name` based at station `station`, of `kind`.
fn units_at(s: &Scenario, name: &str, station: &str, kind: UnitKind) -> Vec<String> {
    let cfg = s.strategies.iter().find(|c| c.name() == name).unwrap();
    let i = s.station_index(station).unwrap();
    cfg.fleet(s)
        .into_iter()
        .filter(|u| u.station == i && u.kind == kind)
        .map(|u| u.name)
        .collect()
}

fn summaries(s: &Scenario) -> Vec<String> {
    let mut opts = RunOptions::from_scenario(s);
    opts.days = 12.0;
    let out = experiment::run(s, &opts, &|| {}).unwrap();
    out.strategies
        .iter()
        .map(|st| serde_json::to_string(&st.summary).unwrap())
        .collect()
}

#[test]
fn staffing_keys_equal_to_the_strategy_defaults_change_nothing() {
    let base = load(ALL);
    // Every station sets the per-station models' 1 unit, every zone the 3
    // groups of groups_per_zone: results identical to the byte.
    let mut text = ALL.to_string();
    for id in ["a", "b", "c", "d", "e"] {
        text = station_key(&text, id, "units = 1");
    }
    text = replace_once(&text, "hub = \"a\"", "hub = \"a\"\ngroups = 3");
    text = replace_once(&text, "hub = \"d\"", "hub = \"d\"\ngroups = 3");
    let same = load(&text);
    assert!(same.warnings.len() == base.warnings.len());
    assert_eq!(summaries(&base), summaries(&same));
}

#[test]
fn station_units_apply_in_every_model_that_fields_station_units() {
    let s = load(&station_key(ALL, "b", "units = 3"));
    assert_eq!(s.stations[1].units, Some(3));
    let duty = |name| units_at(&s, name, "b", UnitKind::Station);
    assert_eq!(duty("per_station"), ["b-1", "b-2", "b-3"]);
    // The merge keeps its extra unit staffed by the squad.
    assert_eq!(duty("traffic_merged"), ["b-1", "b-2", "b-3", "b-t1"]);
    assert_eq!(duty("station_whistle"), ["b-1", "b-2", "b-3"]);
    // Other stations keep the strategy's 1 unit.
    assert_eq!(units_at(&s, "per_station", "a", UnitKind::Station), ["a-1"]);
    // Call-in units are not duty units: still the strategy's 2.
    assert_eq!(
        units_at(&s, "per_station", "b", UnitKind::CallIn),
        ["b-callin1", "b-callin2"]
    );
    // Station b is in zone west: the zone model fields no station units
    // there, and efficiency pools its units.
    assert!(duty("zone_cooperation").is_empty());
    assert!(units_at(&s, "efficiency", "b", UnitKind::Station).is_empty());

    // The roster fills 3 officer posts and 6 auxiliary posts at b (crew 1 +
    // 2) from its 6 officers and 14 auxiliaries: 168 × 3 / 6 = 84 h a week.
    let cfg = &s.strategies[0];
    let roster = cfg.roster(&s).unwrap();
    let pool = roster
        .pools
        .iter()
        .find(|p| p.name.contains("station \"b\"") && p.role.is_officer())
        .unwrap();
    assert_eq!((pool.people, pool.posts), (6, 3));
    // Auxiliaries: 6 posts, 14 people, 72 h. Nobody else is above 60 h.
    let heavy = roster.heavy_pools(60.0);
    assert_eq!(
        heavy,
        [
            ("station \"b\" officers".to_string(), 84.0),
            ("station \"b\" auxiliaries".to_string(), 72.0)
        ]
    );
}

#[test]
fn station_units_change_that_station_only() {
    let base = load(ALL);
    let more = load(&station_key(ALL, "e", "units = 3"));
    let mut opts = RunOptions::from_scenario(&base);
    opts.strategies = vec!["per_station".into()];
    let a = experiment::run(&base, &opts, &|| {}).unwrap();
    let b = experiment::run(&more, &opts, &|| {}).unwrap();
    let (a, b) = (&a.strategies[0].summary, &b.strategies[0].summary);
    // Same incidents everywhere; other stations' responses are untouched
    // (per-station response never lends units).
    for i in 0..4 {
        assert_eq!(a.per_station[i], b.per_station[i], "station {i}");
    }
    let (ea, eb) = (&a.per_station[4], &b.per_station[4]);
    assert_eq!(
        ea.incidents + ea.open_incidents,
        eb.incidents + eb.open_incidents
    );
    assert!(
        eb.wait_mean_min.unwrap() < ea.wait_mean_min.unwrap(),
        "three units wait less than one: {eb:?} vs {ea:?}"
    );
    assert_eq!(b.units.len(), a.units.len() + 2);
}

#[test]
fn zone_groups_override_groups_per_zone_for_that_zone() {
    let text = replace_once(ALL, "hub = \"d\"", "hub = \"d\"\ngroups = 5");
    let s = load(&text);
    let groups = |hub| units_at(&s, "zone_cooperation", hub, UnitKind::ZoneGroup);
    assert_eq!(
        groups("d"),
        ["east-g1", "east-g2", "east-g3", "east-g4", "east-g5"]
    );
    assert_eq!(groups("a"), ["west-g1", "west-g2", "west-g3"]);
    // The merge on a per_station base fields no groups.
    assert!(units_at(&s, "traffic_merged", "d", UnitKind::ZoneGroup).is_empty());
    // Zone east (d, e: 12 officers) staffs 5 group officers and 2 desk
    // officers: 168 × 7 / 12 = 98 h a week.
    let roster = s.strategies[1].roster(&s).unwrap();
    let east = roster
        .pools
        .iter()
        .find(|p| p.name.contains("zone \"east\"") && p.role.is_officer())
        .unwrap();
    assert_eq!((east.people, east.posts), (12, 7));
    // The check line says where the zone's own number applies.
    assert!(
        s.strategies[1]
            .summary_line(&s)
            .contains("3 (5 at \"east\")"),
        "{}",
        s.strategies[1].summary_line(&s)
    );
}

#[test]
fn saturation_without_a_limit_sends_the_zones_own_groups() {
    // One zone of 5 groups (the file says groups_per_zone = 3); a major
    // incident needing 2 gets every free group at once: 2 needed + 3 extra.
    let text = replace_once(ALL, "saturation_max_groups = 4\n", "");
    let text = replace_once(&text, "hub = \"a\"", "hub = \"a\"\ngroups = 5");
    let s = load(&text);
    let stream = "id,call_min,x_km,y_km,kind,on_scene_min,case_min\n1,5000,0.5,0.5,major,60,0\n";
    let mut opts = RunOptions::from_scenario(&s);
    opts.replications = 1;
    opts.per_incident = true;
    opts.strategies = vec!["zone_cooperation".into()];
    opts.replay = Some(policesim::incidents::parse_replay(stream.as_bytes(), "s.csv", &s).unwrap());
    let out = experiment::run(&s, &opts, &|| {}).unwrap();
    let rec = &out.strategies[0].records[0][0];
    let fleet = &out.strategies[0].fleet;
    let mut names: Vec<&str> = rec
        .visits
        .iter()
        .map(|v| fleet[v.unit.0 as usize].name.as_str())
        .collect();
    names.sort();
    assert_eq!(
        names,
        ["west-g1", "west-g2", "west-g3", "west-g4", "west-g5"]
    );
}

#[test]
fn too_many_station_units_are_a_shortage_naming_the_station() {
    // Station b has 6 officers; 7 units of 1 officer need 7.
    let err = Scenario::from_toml(&station_key(ALL, "b", "units = 7"), "all.toml").unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains(
            "stations[1].officers: station \"b\" is short of 1 officer(s): 7 post(s) must be filled at all times, but it has 6 (strategy per_station)"
        ),
        "{text}"
    );
}

#[test]
fn zero_units_or_groups_are_refused_and_unused_keys_warned() {
    let err = Scenario::from_toml(&station_key(ALL, "c", "units = 0"), "all.toml").unwrap_err();
    assert!(
        err.to_string().contains(
            "all.toml:36: stations[2].units: a station needs at least 1 duty unit, found 0"
        ),
        "{err}"
    );
    let err = Scenario::from_toml(
        &replace_once(ALL, "hub = \"d\"", "hub = \"d\"\ngroups = 0"),
        "all.toml",
    )
    .unwrap_err();
    assert!(
        err.to_string()
            .contains("zones[1].groups: a zone needs at least 1 response group, found 0"),
        "{err}"
    );
    // Only efficiency: station units and zone groups have no effect.
    let start = ALL.find("[strategies.per_station]").unwrap();
    let eff = ALL.find("[strategies.efficiency]").unwrap();
    let whistle = ALL.find("[strategies.station_whistle]").unwrap();
    let only_efficiency = format!("{}{}", &ALL[..start], &ALL[eff..whistle]);
    let text = station_key(&only_efficiency, "a", "units = 2");
    let text = replace_once(&text, "hub = \"d\"", "hub = \"d\"\ngroups = 4");
    let s = load(&text);
    let warnings: Vec<String> = s.warnings.iter().map(ToString::to_string).collect();
    assert!(
        warnings.iter().any(|w| w.starts_with("all.toml:24: stations[0].units: station \"a\" sets units, but no strategy here fields station units")),
        "{warnings:?}"
    );
    assert!(
        warnings.iter().any(|w| w.contains(
            "zones[1].groups: zone \"east\" sets groups, but no strategy here fields zone groups"
        )),
        "{warnings:?}"
    );
}

#[test]
fn the_exact_models_use_each_station_and_zone_own_numbers() {
    let text = r#"
[scenario]
name = "two"
days = 10
[[stations]]
id = "a"
x_km = 0.0
y_km = 0.0
officers = 20
auxiliaries = 40
units = 4
[[stations]]
id = "b"
x_km = 30.0
y_km = 0.0
officers = 20
auxiliaries = 40
[[demand]]
x_km = 0.0
y_km = 0.0
weight = 1.0
[[demand]]
x_km = 30.0
y_km = 0.0
weight = 1.0
[incidents]
per_day = 48.0
[[incidents.kinds]]
name = "general"
share = 1.0
on_scene = { dist = "exponential", mean = 60.0 }
[[zones]]
id = "z"
stations = ["a"]
hub = "a"
groups = 5
[strategies.per_station]
units = 2
[strategies.zone_cooperation]
groups_per_zone = 1
"#;
    let s = load(text);
    let units = |k: usize| -> Vec<u32> {
        policesim::analytic::analyse(&s, &s.strategies[k])
            .models
            .iter()
            .map(|m| match m {
                policesim::analytic::Model::ErlangC { units, .. } => *units,
                other => panic!("{other:?}"),
            })
            .collect()
    };
    // Station a: its own 4 units; b: the strategy's 2.
    assert_eq!(units(0), [4, 2]);
    // Zone z: its own 5 groups; b outside every zone: outside units (1).
    assert_eq!(units(1), [5, 1]);
}
