//! A hand-made stream with fixed durations gives hand-computed times.

use policesim::Scenario;
use policesim::experiment::{self, RunOptions};
use policesim::incidents::parse_replay;
use policesim::metrics::IncidentRecord;

/// One station at the origin with two units; 60 km/h, no detour, 1-minute
/// turnout, 2 minutes of call processing. `major` needs both units and
/// outranks `general`.
const SCENARIO: &str = r#"
[scenario]
name = "hand"
days = 1
replications = 1
seed = 1
target_min = 9.0
[travel]
speed_kmh = 60.0
detour = 1.0
turnout_min = 1.0
[dispatch]
call_processing_min = 2.0
[[stations]]
id = "a"
x_km = 0.0
y_km = 0.0
officers = 4
auxiliaries = 8
[[demand]]
x_km = 0.0
y_km = 0.0
weight = 1.0
[incidents]
per_day = 5.0
[[incidents.kinds]]
name = "general"
share = 0.5
priority = 2
on_scene = { dist = "exponential", mean = 30.0 }
[[incidents.kinds]]
name = "major"
share = 0.5
priority = 1
units = 2
on_scene = { dist = "exponential", mean = 30.0 }
[strategies.per_station]
units = 2
"#;

/// Rows out of order on purpose: the reader sorts by call time.
const STREAM: &str = "\
id,call_min,x_km,y_km,kind,on_scene_min,case_min
3,4,0,0,general,10,5
1,0,3,4,general,20,10
5,101,0,-3,general,5,0
2,1,0,6,general,30,0
4,5,6,8,major,15,20
";

fn records() -> Vec<IncidentRecord> {
    let s = Scenario::from_toml(SCENARIO, "hand.toml").unwrap();
    let rows = parse_replay(STREAM.as_bytes(), "stream.csv", &s).unwrap();
    let mut opts = RunOptions::from_scenario(&s);
    opts.replay = Some(rows);
    opts.per_incident = true;
    let mut out = experiment::run(&s, &opts, &|| {}).unwrap();
    let mut recs = out.strategies.remove(0).records.remove(0);
    recs.sort_by_key(|r| r.id);
    recs
}

/// (id, dispatch, arrive, assembled, clear, units in dispatch order), minutes.
type Expected = (u64, f64, f64, f64, f64, &'static [u32]);

#[test]
fn replay_gives_hand_computed_times() {
    // (id, dispatch, arrive, assembled, clear, units in dispatch order)
    // 1: ready 2, a-1 goes: 1 + 5 km = 6 min -> arrives 8, leaves 28, back 33,
    //    case handling 10 -> free at 43.
    // 2: ready 3, a-2 goes: 1 + 6 -> arrives 10, leaves 40, back 46, free 46.
    // 3: ready 6, no unit free: waits. 4 (major, priority 1): ready 7, waits,
    //    jumps ahead of 3.
    // 43: a-1 frees -> 4 (1 + 10 km -> arrives 54, works 15, leaves 69).
    //    46: a-2 frees -> 4 (arrives 57: force assembled; leaves 72). a-1 is
    //    back at 79 and does the case handling (20) -> free 99; a-2 is back
    //    at 82 -> takes 3: arrives 83, leaves 93, back 93, case 5 -> free 98.
    // 5: ready 103, both free: lowest-numbered a-1 goes, arrives 107, leaves 112.
    let expected: [Expected; 5] = [
        (1, 2.0, 8.0, 8.0, 28.0, &[0]),
        (2, 3.0, 10.0, 10.0, 40.0, &[1]),
        (3, 82.0, 83.0, 83.0, 93.0, &[1]),
        (4, 43.0, 54.0, 57.0, 72.0, &[0, 1]),
        (5, 103.0, 107.0, 107.0, 112.0, &[0]),
    ];
    let recs = records();
    assert_eq!(recs.len(), 5);
    for (r, (id, dispatch, arrive, assembled, clear, units)) in recs.iter().zip(expected) {
        assert_eq!(r.id, id);
        let close = |a: f64, b: f64| (a - b).abs() < 1e-9;
        assert!(
            close(r.dispatch_min, dispatch),
            "{id}: dispatch {}",
            r.dispatch_min
        );
        assert!(close(r.arrive_min, arrive), "{id}: arrive {}", r.arrive_min);
        if r.kind == 1 {
            assert!(
                close(r.assembled_min, assembled),
                "{id}: assembled {}",
                r.assembled_min
            );
        }
        assert!(close(r.clear_min, clear), "{id}: clear {}", r.clear_min);
        let got: Vec<u32> = r.visits.iter().map(|v| v.unit.0).collect();
        assert_eq!(got, units, "{id}: units");
    }
}

#[test]
fn replay_summary_follows_from_the_records() {
    let s = Scenario::from_toml(SCENARIO, "hand.toml").unwrap();
    let rows = parse_replay(STREAM.as_bytes(), "stream.csv", &s).unwrap();
    let mut opts = RunOptions::from_scenario(&s);
    opts.replay = Some(rows);
    let out = experiment::run(&s, &opts, &|| {}).unwrap();
    let o = &out.strategies[0].summary.overall;
    // Responses 8, 9, 79, 49, 6 -> mean 30.2; within 9 minutes: 3 of 5.
    assert_eq!(o.incidents, 5);
    assert!((o.response_mean_min.unwrap() - 30.2).abs() < 1e-9);
    assert!((o.within_target_pct.unwrap() - 60.0).abs() < 1e-9);
    // Waits (ready -> dispatch): 0, 0, 76, 36, 0 -> 22.4.
    assert!((o.wait_mean_min.unwrap() - 22.4).abs() < 1e-9);
    // Only incident 4 needs two units: assembly 57 - 5 = 52.
    assert!((o.assembly_mean_min.unwrap() - 52.0).abs() < 1e-9);
    // Busy minutes: a-1 2..43 + 43..99 + 103..115 = 109; a-2 3..46 + 46..82
    // + 82..98 = 95; over 2 units x 1440 minutes.
    let util = o.unit_utilization_pct.unwrap();
    assert!((util - 100.0 * 204.0 / 2880.0).abs() < 1e-9, "{util}");
}
