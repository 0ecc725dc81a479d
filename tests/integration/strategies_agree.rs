//! Different organisation models that reduce to the same thing give the same
//! per-incident results on the same replayed stream.

use policesim::Scenario;
use policesim::experiment::{self, RunOptions};
use policesim::incidents::{Generator, StreamModel, parse_replay, write_replay};
use policesim::metrics::IncidentRecord;

/// Three stations, one zone holding all of them with hub `h`; efficiency with
/// as many units as the zone has groups, all posted at `h`.
const ONE_ZONE: &str = r#"
[scenario]
name = "onezone"
days = 40
replications = 2
seed = 8
[travel]
speed_kmh = 40.0
detour = 1.3
turnout_min = 1.0
[dispatch]
call_processing_min = 1.5
handoff_min = 0.5
[[stations]]
id = "h"
x_km = 0.0
y_km = 0.0
officers = 10
auxiliaries = 30
[[stations]]
id = "p"
x_km = 8.0
y_km = 3.0
officers = 6
auxiliaries = 20
[[stations]]
id = "q"
x_km = -5.0
y_km = 9.0
officers = 6
auxiliaries = 20
[[demand]]
x_km = 1.0
y_km = 1.0
weight = 3.0
spread_km = 2.0
[[demand]]
x_km = 8.0
y_km = 2.0
weight = 2.0
spread_km = 3.0
[[demand]]
x_km = -5.0
y_km = 8.0
weight = 1.0
spread_km = 3.0
[incidents]
per_day = 45.0
[[incidents.kinds]]
name = "general"
share = 0.8
priority = 2
on_scene = { dist = "lognormal", mean = 40.0, sd = 25.0 }
case_handling = { dist = "exponential", mean = 20.0 }
[[incidents.kinds]]
name = "urgent"
share = 0.2
priority = 1
on_scene = { dist = "gamma", mean = 30.0, sd = 10.0 }
[[zones]]
id = "all"
stations = ["h", "p", "q"]
hub = "h"
[strategies.zone_cooperation]
groups_per_zone = 3
[strategies.efficiency]
units = 3
posts = ["h"]
"#;

fn by_strategy(s: &Scenario, opts: &RunOptions) -> Vec<Vec<IncidentRecord>> {
    let out = experiment::run(s, opts, &|| {}).unwrap();
    out.strategies
        .into_iter()
        .map(|st| {
            let mut all: Vec<IncidentRecord> = st.records.into_iter().flatten().collect();
            all.sort_by_key(|r| r.id);
            all
        })
        .collect()
}

#[test]
fn one_zone_equals_efficiency_posted_at_the_hub() {
    let s = Scenario::from_toml(ONE_ZONE, "onezone.toml").unwrap();
    // A replayed stream with its durations fixed in the file.
    let model = StreamModel::new(&s);
    let mut csv = Vec::new();
    write_replay(
        &mut csv,
        &s,
        Generator::new(&s, &model, 3, 0, 40.0 * 1440.0),
    )
    .unwrap();
    let rows = parse_replay(csv.as_slice(), "stream.csv", &s).unwrap();
    let mut opts = RunOptions::from_scenario(&s);
    opts.replications = 1;
    opts.per_incident = true;
    opts.replay = Some(rows);
    let runs = by_strategy(&s, &opts);
    let (zone, eff) = (&runs[0], &runs[1]);
    assert!(zone.len() > 1500, "{}", zone.len());
    assert_eq!(zone.len(), eff.len());
    let mut waited = 0;
    for (a, b) in zone.iter().zip(eff) {
        assert_eq!(a.id, b.id);
        assert_eq!(a.dispatch_min, b.dispatch_min, "incident {}", a.id);
        assert_eq!(a.arrive_min, b.arrive_min, "incident {}", a.id);
        assert_eq!(a.clear_min, b.clear_min, "incident {}", a.id);
        let ua: Vec<u32> = a.visits.iter().map(|v| v.unit.0).collect();
        let ub: Vec<u32> = b.visits.iter().map(|v| v.unit.0).collect();
        assert_eq!(ua, ub, "incident {}", a.id);
        waited += usize::from(a.dispatch_min > a.ready_min);
    }
    // The stream is busy enough for the queue rules to matter.
    assert!(waited > 50, "only {waited} calls waited");
}
