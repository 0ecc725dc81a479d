//! The dispatch rules of the organisation models: saturation against tiered
//! dispatch, the traffic merge, prevention, and rosters.

use policesim::Scenario;
use policesim::experiment::{self, RunOptions};
use policesim::incidents::parse_replay;
use policesim::metrics::IncidentRecord;

fn records(s: &Scenario, stream: &str, name: &str) -> Vec<IncidentRecord> {
    let mut opts = RunOptions::from_scenario(s);
    opts.replications = 1;
    opts.per_incident = true;
    opts.replay = Some(parse_replay(stream.as_bytes(), "stream.csv", s).unwrap());
    opts.strategies = vec![name.to_string()];
    let out = experiment::run(s, &opts, &|| {}).unwrap();
    let mut r: Vec<IncidentRecord> = out.strategies.into_iter().next().unwrap().records.remove(0);
    r.sort_by_key(|r| r.id);
    r
}

/// One zone of three stations, three groups at hub `h`; `major` needs 2.
const ZONE: &str = r#"
[scenario]
name = "sat"
days = 10
replications = 1
[travel]
speed_kmh = 60.0
detour = 1.0
turnout_min = 1.0
[[stations]]
id = "h"
x_km = 0.0
y_km = 0.0
officers = 10
auxiliaries = 30
[[stations]]
id = "p"
x_km = 12.0
y_km = 0.0
officers = 6
auxiliaries = 20
[[stations]]
id = "q"
x_km = 0.0
y_km = 15.0
officers = 6
auxiliaries = 20
[[demand]]
x_km = 0.0
y_km = 0.0
weight = 1.0
[[demand]]
x_km = 12.0
y_km = 0.0
weight = 1.0
[[demand]]
x_km = 0.0
y_km = 15.0
weight = 1.0
[incidents]
per_day = 5.0
[[incidents.kinds]]
name = "general"
share = 0.5
priority = 2
on_scene = { dist = "fixed", value = 30.0 }
[[incidents.kinds]]
name = "major"
share = 0.5
priority = 1
units = 2
on_scene = { dist = "fixed", value = 60.0 }
[[zones]]
id = "z"
stations = ["h", "p", "q"]
hub = "h"
[strategies.zone_cooperation]
groups_per_zone = 3
saturation_kinds = ["major"]
"#;

/// Majors a day apart (every group free), one right after a general call.
const MAJORS: &str = "\
id,call_min,x_km,y_km,kind
1,100,12,0,major
2,1540,0,15,major
3,2980,0,0,major
4,4400,12,0,general
5,4405,0,15,major
";

#[test]
fn saturation_sends_every_free_group_at_once_and_never_assembles_later() {
    let sat = Scenario::from_toml(ZONE, "sat.toml").unwrap();
    let tiered = Scenario::from_toml(
        &ZONE.replace("saturation_kinds = [\"major\"]", ""),
        "tiered.toml",
    )
    .unwrap();
    let a = records(&sat, MAJORS, "zone_cooperation");
    let b = records(&tiered, MAJORS, "zone_cooperation");
    for (x, y) in a.iter().zip(&b).filter(|(x, _)| x.kind == 1) {
        // Saturation: all free groups at the same instant.
        let free = if x.id == 5 { 2 } else { 3 };
        assert_eq!(x.visits.len(), free, "{x:?}");
        assert!(x.visits.iter().all(|v| v.dispatch_min == x.dispatch_min));
        // Tiered: one group, the second sent when the first is on scene.
        assert_eq!(y.visits.len(), 2, "{y:?}");
        assert_eq!(y.visits[1].dispatch_min, y.visits[0].arrive_min, "{y:?}");
        assert!(
            x.assembled_min <= y.assembled_min,
            "incident {}: saturation {} vs tiered {}",
            x.id,
            x.assembled_min,
            y.assembled_min
        );
    }
    // Away from the hub the second tier costs a full extra trip: 12 km at
    // 60 km/h + 1 turnout = 13 minutes.
    assert_eq!(a[0].assembled_min - a[0].call_min, 13.0);
    assert_eq!(b[0].assembled_min - b[0].call_min, 26.0);
}

/// Two stations, a traffic squad 60 km away with an urban area around `a`.
const TRAFFIC: &str = r#"
[scenario]
name = "traffic"
days = 30
replications = 1
seed = 4
[travel]
speed_kmh = 50.0
detour = 1.2
turnout_min = 1.0
[[stations]]
id = "a"
x_km = 0.0
y_km = 0.0
officers = 16
auxiliaries = 32
[[stations]]
id = "b"
x_km = 20.0
y_km = 0.0
officers = 16
auxiliaries = 32
[[demand]]
x_km = 0.0
y_km = 0.0
weight = 1.0
spread_km = 3.0
[[demand]]
x_km = 20.0
y_km = 0.0
weight = 1.0
spread_km = 3.0
[incidents]
per_day = 12.0
[[incidents.kinds]]
name = "general"
share = 0.7
on_scene = { dist = "exponential", mean = 30.0 }
[[incidents.kinds]]
name = "accident"
share = 0.3
traffic = true
on_scene = { dist = "exponential", mean = 40.0 }
[[traffic_squads]]
id = "squad"
x_km = 60.0
y_km = 0.0
units = 3
urban = { x_km = 60.0, y_km = 0.0, radius_km = 5.0 }
[strategies.per_station]
units = 4
[strategies.traffic_merged]
base = "per_station"
"#;

#[test]
fn merging_cuts_traffic_response_and_leaves_other_calls_alone() {
    let s = Scenario::from_toml(TRAFFIC, "traffic.toml").unwrap();
    let mut opts = RunOptions::from_scenario(&s);
    opts.per_incident = true;
    let out = experiment::run(&s, &opts, &|| {}).unwrap();
    let kind = |k: usize, i: usize| out.strategies[i].summary.per_kind[k].clone();
    let (before, after) = (kind(1, 0), kind(1, 1));
    assert!(before.incidents > 50);
    assert_eq!(
        before.incidents + before.open_incidents,
        after.incidents + after.open_incidents
    );
    // From 60 km away versus from the local station.
    assert!(before.response_mean_min.unwrap() > 60.0, "{before:?}");
    assert!(after.response_mean_min.unwrap() < 20.0, "{after:?}");
    // With no extra people and ample units, every other call is answered
    // exactly as before.
    let general = |i: usize| -> Vec<(u64, f64)> {
        out.strategies[i].records[0]
            .iter()
            .filter(|r| r.kind == 0)
            .map(|r| (r.id, r.arrive_min))
            .collect()
    };
    assert_eq!(general(0), general(1));
}

#[test]
fn the_accident_rate_factor_removes_only_accidents() {
    let s = Scenario::from_toml(
        &TRAFFIC.replace(
            "base = \"per_station\"",
            "base = \"per_station\"\naccident_rate_factor = 0.5",
        ),
        "traffic.toml",
    )
    .unwrap();
    let out = experiment::run(&s, &RunOptions::from_scenario(&s), &|| {}).unwrap();
    let n = |i: usize, k: usize| out.strategies[i].summary.per_kind[k].incidents;
    assert_eq!(n(0, 0), n(1, 0), "general calls are untouched");
    let (all, kept) = (n(0, 1) as f64, n(1, 1) as f64);
    // Binomial(all, 0.5): within four standard deviations.
    assert!(
        (kept - all / 2.0).abs() < 4.0 * (all / 4.0).sqrt(),
        "{kept} of {all}"
    );
}

#[test]
fn four_officers_on_one_post_work_every_fourth_day_42_hours_a_week() {
    let text = ZONE
        .replace("days = 10", "days = 28")
        .replace("[strategies.zone_cooperation]\ngroups_per_zone = 3\nsaturation_kinds = [\"major\"]", "[strategies.per_station]\nunits = 1\ncrew = { officers = 1, auxiliaries = 0 }\ncallin_units = 1")
        .replace("officers = 10", "officers = 4");
    let s = Scenario::from_toml(&text, "roster.toml").unwrap();
    let out = experiment::run(&s, &RunOptions::from_scenario(&s), &|| {}).unwrap();
    let sum = &out.strategies[0].summary;
    let station_h: Vec<_> = sum
        .people
        .iter()
        .filter(|p| p.pool == "station \"h\" officers")
        .collect();
    assert_eq!(station_h.len(), 4);
    for p in station_h {
        assert!((p.duty_hours_per_week - 42.0).abs() < 1e-9, "{p:?}");
        // 28 days / 4 = 7 shifts in 28 days = 7.61 a month of 30.44 days.
        assert!(
            (p.shifts_per_month - 7.0 * 30.44 / 28.0).abs() < 1e-9,
            "{p:?}"
        );
        assert!((p.night_share_pct - 100.0 / 3.0).abs() < 1e-9, "{p:?}");
    }
}

#[test]
fn a_short_zone_names_itself_and_the_numbers() {
    // 3 groups + 3 desks = 6 officer posts; the zone's stations have 5.
    let text = ZONE
        .replace("officers = 10", "officers = 1")
        .replace(
            "officers = 6\nauxiliaries = 20\n[[stations]]\nid = \"q\"",
            "officers = 2\nauxiliaries = 20\n[[stations]]\nid = \"q\"",
        )
        .replace(
            "id = \"q\"\nx_km = 0.0\ny_km = 15.0\nofficers = 6",
            "id = \"q\"\nx_km = 0.0\ny_km = 15.0\nofficers = 2",
        );
    let err = Scenario::from_toml(&text, "short.toml")
        .unwrap_err()
        .to_string();
    assert!(
        err.contains(
            "short.toml:55: zones[0].stations: zone \"z\" is short of 1 officer(s): 6 post(s) must be filled at all times, but it has 5 (strategy zone_cooperation)"
        ),
        "{err}"
    );
}

#[test]
fn a_force_stood_down_never_counts_as_assembled() {
    // Station "h" has one duty unit and one call-in unit; a major incident
    // needs 3. The duty unit arrives, works 60 minutes and leaves; the
    // call-in unit (120 minutes to turn out) arrives after that: the
    // third unit was never sent, so the force never assembled.
    let text = ZONE
        .replace(
            "[strategies.zone_cooperation]\ngroups_per_zone = 3\nsaturation_kinds = [\"major\"]",
            "[strategies.per_station]\nunits = 1\ncallin_units = 1\ncallin_delay_min = 120.0",
        )
        .replace("units = 2\non_scene", "units = 3\non_scene");
    let s = Scenario::from_toml(&text, "stood.toml").unwrap();
    assert!(
        s.warnings
            .iter()
            .any(|w| w.message.contains("its force will never assemble")),
        "{:?}",
        s.warnings
    );
    let r = records(
        &s,
        "id,call_min,x_km,y_km,kind\n1,0,0,0,major\n",
        "per_station",
    );
    assert_eq!(r[0].visits.len(), 2, "{:?}", r[0]);
    assert!(r[0].assembled_min.is_nan(), "{:?}", r[0]);
    let out = experiment::run(&s, &RunOptions::from_scenario(&s), &|| {}).unwrap();
    let major = &out.strategies[0].summary.per_kind[1];
    assert!(major.incidents > 0);
    assert_eq!(major.assembled_pct, Some(0.0), "{major:?}");
}
