//! Efficiency policing against Larson's hypercube model: with exponential
//! jobs, fixed incident points and negligible travel the simulation must
//! reproduce the exact per-unit workloads and cross-district share.

use policesim::Scenario;
use policesim::analytic::{Model, analyse};
use policesim::experiment::{self, RunOptions};
use policesim::metrics::ci95_half_width;

/// Four units at four asymmetric posts; demand heavy at `a`, light at `d`,
/// plus a point in `a`'s district that `b` is nearer to. Travel is all but
/// instant (1,000,000 km/h) so busy time is the on-scene time.
const FOUR_POSTS: &str = r#"
[scenario]
name = "hypercube"
days = 400
warmup_days = 10
replications = 10
seed = 1974
[travel]
speed_kmh = 1000000.0
detour = 1.0
turnout_min = 0.0
[[stations]]
id = "a"
x_km = 0.0
y_km = 0.0
officers = 4
auxiliaries = 8
[[stations]]
id = "b"
x_km = 10.0
y_km = 0.0
officers = 4
auxiliaries = 8
[[stations]]
id = "c"
x_km = 0.0
y_km = 10.0
officers = 4
auxiliaries = 8
[[stations]]
id = "d"
x_km = 20.0
y_km = 20.0
officers = 4
auxiliaries = 8
[[demand]]
x_km = 0.0
y_km = 0.0
weight = 4.0
[[demand]]
x_km = 10.0
y_km = 0.0
weight = 2.0
[[demand]]
x_km = 0.0
y_km = 10.0
weight = 1.0
[[demand]]
x_km = 20.0
y_km = 20.0
weight = 0.5
[[demand]]
x_km = 6.0
y_km = 4.0
weight = 1.5
station = "a"
[incidents]
per_day = 100.0
[[incidents.kinds]]
name = "general"
share = 0.6
priority = 2
on_scene = { dist = "exponential", mean = 30.0 }
[[incidents.kinds]]
name = "urgent"
share = 0.4
priority = 1
on_scene = { dist = "exponential", mean = 30.0 }
[strategies.efficiency]
units = 4
posts = ["a", "b", "c", "d"]
"#;

fn check_in_ci(what: &str, xs: &[f64], theory: f64) {
    let mean = xs.iter().sum::<f64>() / xs.len() as f64;
    let hw = ci95_half_width(xs).unwrap();
    assert!(
        (mean - theory).abs() <= hw,
        "{what}: simulated {mean:.5} ± {hw:.5}, hypercube {theory:.5}"
    );
    assert!(hw < 0.02, "{what}: interval {hw} too wide to mean anything");
}

#[test]
fn efficiency_reproduces_hypercube_workloads_and_cross_district_share() {
    let s = Scenario::from_toml(FOUR_POSTS, "hypercube.toml").unwrap();
    let analysis = analyse(&s, &s.strategies[0]);
    assert!(analysis.misfits.is_empty(), "{:?}", analysis.misfits);
    let Model::Hypercube { result, units, .. } = &analysis.models[0] else {
        panic!("efficiency maps to a hypercube model");
    };
    let h = result.as_ref().unwrap();
    assert_eq!(units.len(), 4);
    // The asymmetry is real: unit a works far harder than unit d.
    assert!(h.workload[0] > h.workload[3] + 0.2, "{:?}", h.workload);

    let out = experiment::run(&s, &RunOptions::from_scenario(&s), &|| {}).unwrap();
    let sum = &out.strategies[0].summary;
    for (i, unit) in sum.units.iter().enumerate() {
        let xs: Vec<f64> = unit
            .utilization_pct_by_replication
            .iter()
            .map(|u| u / 100.0)
            .collect();
        check_in_ci(&format!("workload of {}", unit.name), &xs, h.workload[i]);
    }
    let cross: Vec<f64> = sum
        .per_replication
        .iter()
        .map(|r| r.cross_district_pct.unwrap() / 100.0)
        .collect();
    check_in_ci("cross-district share", &cross, h.cross_district_share);
    // Mean wait (all units busy) as well.
    let waits: Vec<f64> = sum
        .per_replication
        .iter()
        .map(|r| r.wait_mean_min.unwrap())
        .collect();
    let mean = waits.iter().sum::<f64>() / waits.len() as f64;
    let hw = ci95_half_width(&waits).unwrap();
    assert!(
        (mean - h.wait_mean_min).abs() <= hw,
        "mean wait: simulated {mean} ± {hw}, hypercube {}",
        h.wait_mean_min
    );
}

#[test]
fn analytic_says_why_a_scenario_does_not_fit() {
    let text = FOUR_POSTS.replace(
        "on_scene = { dist = \"exponential\", mean = 30.0 }\n[strategies",
        "on_scene = { dist = \"lognormal\", mean = 30.0, sd = 5.0 }\nunits = 2\n[strategies",
    );
    let s = Scenario::from_toml(&text, "misfit.toml").unwrap();
    let analysis = analyse(&s, &s.strategies[0]);
    assert!(analysis.models.is_empty());
    let all = analysis.misfits.join("\n");
    assert!(all.contains("\"urgent\" needs more than one unit"), "{all}");
    assert!(
        all.contains("\"urgent\": busy time (on scene + case handling) is not exponential"),
        "{all}"
    );
}
