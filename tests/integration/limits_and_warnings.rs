//! Each distinct crash, hang and memory blow-up found by mutating the shipped
//! inputs (issue 12, item 7) has its own test here: the input is refused
//! with a message naming the key (or file, line and column), or it runs. A
//! test run is bounded in time, so a hang fails it instead of stalling.

use std::path::Path;
use std::time::{Duration, Instant};

use policesim::Scenario;
use policesim::experiment::{self, ExperimentError, RunOptions};
use policesim::incidents::parse_replay;
use policesim::scenario::limits;

use crate::common::{REPLAY, SCENARIO, policesim, replace_once, write_file};

/// The error text of loading `text`, which must be refused.
fn refused(text: &str) -> String {
    match Scenario::from_toml(text, "t.toml") {
        Ok(_) => panic!("the scenario should be refused"),
        Err(e) => e.to_string(),
    }
}

/// Asserts that `text` is refused within a second with a message holding
/// every part of `expected`.
fn refused_with(text: &str, expected: &[&str]) {
    let started = Instant::now();
    let err = refused(text);
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "refusing took {:?}",
        started.elapsed()
    );
    for e in expected {
        assert!(err.contains(e), "error should contain {e:?}, is:\n{err}");
    }
}

/// One short replication of every strategy of `text`.
fn runs(text: &str) -> experiment::Outcome {
    let s = Scenario::from_toml(text, "t.toml").expect("valid scenario");
    let mut opts = RunOptions::from_scenario(&s);
    opts.replications = 1;
    opts.days = s.warmup_days + 2.0;
    experiment::run(&s, &opts, &|| {}).expect("runs")
}

/// The test county with every strategy, without its traffic squad (so no
/// squad can staff merged units).
fn all_without_squads(base: &str) -> String {
    let text = include_str!("../data/all_strategies.toml");
    let start = text.find("[[traffic_squads]]").expect("a squad section");
    let end = text
        .find("[[specialist_units]]")
        .expect("specialists follow");
    let text = format!("{}{}", &text[..start], &text[end..]);
    let text = replace_once(
        &text,
        "extra_units_per_station = 1",
        "extra_units_per_station = 0",
    );
    let text = replace_once(
        &text,
        "cross_zone = \"when_all_busy\"",
        "cross_zone = \"when_all_busy\"\noutside_callin_units = 2",
    );
    replace_once(
        &text,
        "base = \"per_station\"",
        &format!("base = \"{base}\""),
    )
}

#[test]
fn traffic_merged_on_per_station_without_a_squad_runs() {
    // Was: index out of bounds at src/strategy/per_station.rs:122.
    let out = runs(&all_without_squads("per_station"));
    assert_eq!(out.strategies.len(), 5);
    let merged = &out.strategies[2];
    assert_eq!(merged.summary.strategy, "traffic_merged");
    // 5 stations × (1 duty + 2 call-in) units, none merged, no squad.
    assert_eq!(merged.fleet.len(), 15);
}

#[test]
fn traffic_merged_on_zone_cooperation_without_a_squad_runs() {
    // Was: index out of bounds at src/strategy/zone.rs:290.
    let out = runs(&all_without_squads("zone_cooperation"));
    let merged = &out.strategies[2];
    assert_eq!(merged.summary.strategy, "traffic_merged");
    // Two zones × 3 groups; every station is in a zone.
    assert_eq!(merged.fleet.len(), 6);
}

#[test]
fn demand_weights_summing_to_infinity_are_refused() {
    // Was: a panic building the demand sampler (src/incidents.rs:120).
    let text = SCENARIO.replace("weight = 1.0", "weight = 1e308");
    refused_with(
        &text,
        &[
            "t.toml:31: demand[0].weight: too large (max 1e300), found 1e308: only the weights' ratios count",
        ],
    );
    // One huge weight among small ones sums finitely, but the sampler
    // multiplies each weight by the number of points (found by the
    // robustness suite).
    let text = replace_once(
        SCENARIO,
        "weight = 1.0\nspread_km = 2.0\nstation = \"north\"",
        "weight = 1e308\nspread_km = 2.0\nstation = \"north\"",
    );
    refused_with(
        &text,
        &["t.toml:31: demand[0].weight: too large (max 1e300)"],
    );
    // The largest weight allowed, twice, samples.
    let text = SCENARIO.replace("weight = 1.0", "weight = 1e300");
    let s = Scenario::from_toml(&text, "t.toml").expect("valid");
    policesim::incidents::StreamModel::new(&s);
}

#[test]
fn a_vanishing_call_rate_is_refused_not_a_hang() {
    // Was: the map's density sample stepped through 1e300 days of hours.
    for per_day in ["5e-324", "1e-300", "0.00001"] {
        let text = replace_once(SCENARIO, "per_day = 20.0", &format!("per_day = {per_day}"));
        refused_with(
            &text,
            &["t.toml:43: incidents.per_day: too small (min 0.0001"],
        );
    }
    // The smallest accepted rate runs and draws its map quickly.
    let text = replace_once(SCENARIO, "per_day = 20.0", "per_day = 0.0001");
    let s = Scenario::from_toml(&text, "t.toml").expect("valid");
    let started = Instant::now();
    let map = policesim::report::map_data::MapData::new(&s);
    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(map.density.counts.iter().sum::<u32>() <= 1);
}

#[test]
fn a_huge_call_rate_is_refused() {
    // Was: 5 GB taken before dying (per_day = 2147483648).
    let text = replace_once(SCENARIO, "per_day = 20.0", "per_day = 2147483648");
    refused_with(
        &text,
        &["t.toml:43: incidents.per_day: too large (max 1000000), found 2147483648"],
    );
}

#[test]
fn coordinates_of_1e154_are_refused() {
    // Was: a hang.
    let text = replace_once(
        SCENARIO,
        "x_km = 0.0\ny_km = 10.0",
        "x_km = 1e154\ny_km = 10.0",
    );
    refused_with(
        &text,
        &[
            "t.toml:14: stations[0]: station \"north\" lies at x 1e154 km",
            "within ±100000 km",
        ],
    );
    // Only the station at fault is named: the map centre is taken from the
    // stations within range, so the other station and the demand points
    // are not "5e153 km from the map centre" (a 155-digit number each).
    assert_eq!(
        refused(&text),
        "t.toml:14: stations[0]: station \"north\" lies at x 1e154 km, y 10 km: coordinates must be within ±100000 km"
    );
    // With every station out of range there is no centre to measure from:
    // each station is named, the demand points are not.
    let text = text.replace("x_km = 0.0\ny_km = -10.0", "x_km = 0.0\ny_km = -1e200");
    let err = refused(&text);
    assert_eq!(err.lines().count(), 2, "{err}");
    assert!(
        err.lines()
            .nth(1)
            .unwrap()
            .starts_with("t.toml:21: stations[1]: station \"south\" lies at x 0 km, y -1e200 km"),
        "{err}"
    );
}

#[test]
fn a_station_far_from_the_others_is_refused_naming_it() {
    // Was: efficiency dispatch 30 times slower (a degenerate post grid).
    let station = "[[stations]]\nid = \"typo\"\nx_km = 1e12\ny_km = 0.0\nofficers = 12\nauxiliaries = 24\n\n[[demand]]\nx_km = 1.0\ny_km = 9.0";
    let text = replace_once(SCENARIO, "[[demand]]\nx_km = 1.0\ny_km = 9.0", station);
    refused_with(
        &text,
        &[
            "t.toml:28: stations[2]: station \"typo\" lies at x 1e12 km, y 0 km: coordinates must be within ±100000 km",
        ],
    );
    let text = text.replace("x_km = 1e12", "x_km = 5000.0");
    refused_with(
        &text,
        &[
            "t.toml:28: stations[2]: station \"typo\" lies 5000 km from the map centre (the stations' median position, x 0.0 km, y 0.0 km)",
            "within 1000 km",
        ],
    );
    // 900 km away is a long way, but allowed.
    let text = text.replace("x_km = 5000.0", "x_km = 900.0");
    Scenario::from_toml(&text, "t.toml").expect("900 km is allowed");
}

#[test]
fn a_demand_point_far_from_the_stations_is_refused() {
    let text = replace_once(
        SCENARIO,
        "x_km = 1.0\ny_km = -9.0",
        "x_km = 1.0\ny_km = -2000.0",
    );
    refused_with(
        &text,
        &["t.toml:35: demand[1]: demand point 1 lies 2000 km from the map centre"],
    );
}

#[test]
fn two_huge_stations_do_not_wrap_the_zone_people_count() {
    // Was: u32 wrap to about 10 people, and `check` passed at 134 h/week.
    let text = SCENARIO
        .replace("officers = 12", "officers = 2147483648")
        .replace("officers = 13", "officers = 2147483648");
    refused_with(
        &text,
        &[
            "t.toml:18: stations[0].officers: too large (max 1000000), found 2147483648",
            "t.toml:25: stations[1].officers: too large (max 1000000), found 2147483648",
        ],
    );
    // Each within the limit, together over it.
    let text = SCENARIO
        .replace("officers = 12", "officers = 600000")
        .replace("auxiliaries = 25", "auxiliaries = 600000");
    refused_with(
        &text,
        &["too many people in all (max 1000000", "found 1200037"],
    );
}

#[test]
fn huge_unit_counts_are_refused_before_the_fleet_is_built() {
    // Was: the fleet built one unit at a time until 5.5 GB, before the
    // staffing check.
    let text = replace_once(SCENARIO, "units = 3\n", "units = 100000000\n");
    refused_with(
        &text,
        &["t.toml:61: strategies.per_station.units: too large (max 10000), found 100000000"],
    );
    // Within the per-key limit, but 11 stations × 10000 units is too large a fleet.
    let mut stations = String::new();
    for i in 0..9 {
        stations.push_str(&format!(
            "[[stations]]\nid = \"s{i}\"\nx_km = {i}.0\ny_km = 0.0\nofficers = 4\n\n"
        ));
    }
    let text = replace_once(
        SCENARIO,
        "[[demand]]\nx_km = 1.0\ny_km = 9.0",
        &format!("{stations}[[demand]]\nx_km = 1.0\ny_km = 9.0"),
    );
    let text = replace_once(&text, "units = 3\n", "units = 10000\n");
    refused_with(
        &text,
        &["strategies.per_station: fields 110000 units and desks in all: too many (max 100000)"],
    );
}

#[test]
fn huge_people_and_crew_counts_are_refused() {
    // Was: `memory allocation of N bytes failed`.
    let text = replace_once(SCENARIO, "auxiliaries = 24", "auxiliaries = 4000000000");
    refused_with(
        &text,
        &["t.toml:19: stations[0].auxiliaries: too large (max 1000000), found 4000000000"],
    );
    let text = replace_once(
        SCENARIO,
        "units = 3\n",
        "units = 3\ncrew = { officers = 100000000, auxiliaries = 1 }\n",
    );
    refused_with(
        &text,
        &["strategies.per_station.crew.officers: too large (max 100), found 100000000"],
    );
}

#[test]
fn too_many_days_or_replications_in_the_file_are_refused() {
    let text = replace_once(SCENARIO, "days = 3.0", "days = 1e9");
    refused_with(
        &text,
        &["t.toml:3: scenario.days: too large (max 36525), found 1000000000"],
    );
    let text = replace_once(SCENARIO, "replications = 2", "replications = 4294967295");
    refused_with(
        &text,
        &["t.toml:5: scenario.replications: too large (max 100000), found 4294967295"],
    );
}

#[test]
fn too_many_replications_fail_fast() {
    // Was: an abort on a 68 GB job list.
    let dir = tempfile::tempdir().expect("temp dir");
    let file = write_file(dir.path(), "tiny.toml", SCENARIO);
    let out = dir.path().join("out");
    let started = Instant::now();
    let (status, _, stderr) = policesim([
        Path::new("run"),
        &file,
        Path::new("--replications"),
        Path::new("4294967295"),
        Path::new("--out"),
        &out,
    ]);
    assert!(started.elapsed() < Duration::from_secs(10));
    assert_eq!(status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("error: replications too large (max 100000), found 4294967295"),
        "{stderr}"
    );
    assert!(!out.exists());
}

#[test]
fn a_huge_thread_count_is_refused_saying_the_most() {
    // Was: a hang starting threads.
    let dir = tempfile::tempdir().expect("temp dir");
    let file = write_file(dir.path(), "tiny.toml", SCENARIO);
    let out = dir.path().join("out");
    let started = Instant::now();
    let (status, _, stderr) = policesim([
        Path::new("run"),
        &file,
        Path::new("--threads"),
        Path::new("18446744073709551615"),
        Path::new("--out"),
        &out,
    ]);
    assert!(started.elapsed() < Duration::from_secs(10));
    assert_eq!(status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("error: --threads too large (max 256), found 18446744073709551615"),
        "{stderr}"
    );
    assert!(!out.exists());
}

#[test]
fn the_work_estimate_counts_calls_units_and_records() {
    let s = Scenario::from_toml(SCENARIO, "t.toml").expect("valid");
    let mut opts = RunOptions::from_scenario(&s);
    // 20 calls a day × 3 days × 2 replications × 1 strategy = 120 calls,
    // each taking 0.75 × 1 + 0.25 × 2 = 1.25 units: 2 + 3 × 1.25 = 5.75
    // events a call.
    let w = experiment::estimate(&s, &opts, 1);
    assert!((w.calls - 120.0).abs() < 1e-9, "{w:?}");
    assert!((w.events - 690.0).abs() < 1e-9, "{w:?}");
    assert_eq!(w.record_bytes, 0.0);
    opts.per_incident = true;
    let w = experiment::estimate(&s, &opts, 1);
    let record = std::mem::size_of::<policesim::metrics::IncidentRecord>() as f64;
    assert!((w.record_bytes - 120.0 * record).abs() < 1e-6, "{w:?}");
}

#[test]
fn a_run_over_the_event_budget_is_refused_unless_forced() {
    let text = replace_once(SCENARIO, "per_day = 20.0", "per_day = 1000000");
    let s = Scenario::from_toml(&text, "t.toml").expect("valid");
    let mut opts = RunOptions::from_scenario(&s);
    opts.days = 1000.0;
    let started = Instant::now();
    let err = experiment::run(&s, &opts, &|| {}).expect_err("over budget");
    assert!(started.elapsed() < Duration::from_secs(1));
    assert!(matches!(err, ExperimentError::OverBudget { .. }));
    let text = err.to_string();
    assert!(
        text.contains(
            "about 1.15e10 simulated events (2.00e9 calls), over the budget of 2e9 events"
        ),
        "{text}"
    );
    assert!(text.contains("--days") && text.contains("--replications") && text.contains("--force"));
}

#[test]
fn per_incident_records_over_the_memory_budget_are_refused() {
    let text = replace_once(SCENARIO, "per_day = 20.0", "per_day = 100000");
    let s = Scenario::from_toml(&text, "t.toml").expect("valid");
    let mut opts = RunOptions::from_scenario(&s);
    opts.days = 300.0;
    opts.per_incident = true;
    let err = experiment::run(&s, &opts, &|| {}).expect_err("over budget");
    let text = err.to_string();
    assert!(text.contains("GB of per-incident records"), "{text}");
    assert!(text.contains("without --per-incident"), "{text}");
    // The same run without records is under both budgets: the estimate says so.
    opts.per_incident = false;
    let w = experiment::estimate(&s, &opts, 1);
    assert!(w.events < limits::EVENT_BUDGET as f64 && w.record_bytes == 0.0);
}

#[test]
fn force_is_accepted_by_run() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = write_file(dir.path(), "tiny.toml", SCENARIO);
    let out = dir.path().join("out");
    let (status, _, stderr) = policesim([
        Path::new("run"),
        &file,
        Path::new("--force"),
        Path::new("--no-charts"),
        Path::new("-q"),
        Path::new("--out"),
        &out,
    ]);
    assert!(status.success(), "{stderr}");
    assert!(out.join("summary.csv").exists());
}

#[test]
fn a_header_only_replay_file_is_an_error_and_writes_nothing() {
    // Was: full outputs from 0 incidents, exit 0.
    let dir = tempfile::tempdir().expect("temp dir");
    let file = write_file(dir.path(), "tiny.toml", SCENARIO);
    let csv = write_file(dir.path(), "calls.csv", "id,call_min,x_km,y_km,kind\n");
    let out = dir.path().join("out");
    let (status, _, stderr) = policesim([
        Path::new("run"),
        &file,
        Path::new("--incidents"),
        &csv,
        Path::new("--out"),
        &out,
    ]);
    assert_eq!(status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "error: {}:1: no incidents: the file has a header but no rows",
            csv.display()
        )),
        "{stderr}"
    );
    assert!(!out.exists());
    // The library refuses an empty replay too.
    let s = Scenario::from_toml(SCENARIO, "t.toml").expect("valid");
    let mut opts = RunOptions::from_scenario(&s);
    opts.replay = Some(Vec::new());
    assert_eq!(
        experiment::run(&s, &opts, &|| {}).unwrap_err(),
        ExperimentError::EmptyReplay
    );
}

/// The error of parsing `csv` against the test scenario.
fn replay_error(csv: &str) -> String {
    let s = Scenario::from_toml(SCENARIO, "t.toml").expect("valid");
    parse_replay(csv.as_bytes(), "calls.csv", &s)
        .expect_err("refused")
        .to_string()
}

#[test]
fn replay_values_beyond_any_run_are_refused_naming_line_and_column() {
    let csv = format!("{REPLAY}4,1e300,1.0,9.0,general\n");
    let err = replay_error(&csv);
    assert!(
        err.starts_with("calls.csv:5: column `call_min`: beyond the longest run (36525 days"),
        "{err}"
    );
    let csv = "id,call_min,x_km,y_km,kind,on_scene_min\n1,10.0,1.0,9.0,general,1e8\n";
    let err = replay_error(csv);
    assert!(
        err.starts_with("calls.csv:2: column `on_scene_min`: must be at most 10000000 minutes"),
        "{err}"
    );
    let csv = "id,call_min,x_km,y_km,kind,case_min\n1,10.0,1.0,9.0,general,1e300\n";
    let err = replay_error(csv);
    assert!(
        err.starts_with("calls.csv:2: column `case_min`: must be at most"),
        "{err}"
    );
}

#[test]
fn replay_positions_outside_the_map_are_refused() {
    let csv = format!("{REPLAY}4,40.0,5000.0,9.0,general\n");
    let err = replay_error(&csv);
    assert!(
        err.starts_with(
            "calls.csv:5: columns `x_km`, `y_km`: the incident lies 5000 km from the map centre"
        ),
        "{err}"
    );
}

#[test]
fn a_huge_response_target_is_refused_and_a_large_one_charts() {
    // Was: an overflow panic in the chart backend drawing the target line
    // (found by the robustness suite: target_min = 2147483648).
    let text = replace_once(SCENARIO, "target_min = 15.0", "target_min = 2147483648");
    refused_with(
        &text,
        &["t.toml:7: scenario.target_min: too large (max 10000000), found 2147483648"],
    );
    // The largest target allowed lies far off the chart's axis: the charts
    // are drawn, the target named in the legend.
    let text = replace_once(SCENARIO, "target_min = 15.0", "target_min = 10000000");
    let dir = tempfile::tempdir().expect("temp dir");
    let file = write_file(dir.path(), "tiny.toml", &text);
    let out = dir.path().join("out");
    let (status, _, stderr) = policesim([
        Path::new("run"),
        &file,
        Path::new("-q"),
        Path::new("--out"),
        &out,
    ]);
    assert!(status.success(), "{stderr}");
    let cdf = std::fs::read_to_string(out.join("charts/response_cdf.svg")).expect("the chart");
    assert!(
        cdf.contains("target 10000000 min"),
        "no target in the legend"
    );
}

/// Runs `policesim run` on `text` written to `tiny.toml` and asserts that it
/// is refused before any work: exit code 1, nothing on stdout, exactly the
/// one error `tiny.toml:{expected}` on stderr, and no output folder.
fn run_refuses(text: &str, expected: &str) {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = write_file(dir.path(), "tiny.toml", text);
    let out = dir.path().join("out");
    let started = Instant::now();
    let (status, stdout, stderr) = policesim([Path::new("run"), &file, Path::new("--out"), &out]);
    assert!(started.elapsed() < Duration::from_secs(10));
    assert_eq!(status.code(), Some(1), "{stderr}");
    assert_eq!(stdout, "");
    assert_eq!(stderr, format!("error: {}:{expected}\n", file.display()));
    assert!(!out.exists(), "an output folder was written");
}

#[test]
fn a_lognormal_sd_of_1e200_is_refused_naming_the_key() {
    // Was: a panic past validation (src/dist.rs:157, BadVariance).
    let text = replace_once(
        SCENARIO,
        "on_scene = { dist = \"lognormal\", mean = 45.0, sd = 20.0 }",
        "on_scene = { dist = \"lognormal\", mean = 45.0, sd = 1e200 }",
    );
    run_refuses(
        &text,
        "58: incidents.kinds[1].on_scene: `sd` must be at most 10000000 minutes (about 19 years), found 1e200",
    );
}

#[test]
fn a_gamma_of_mean_1e_200_and_sd_1_is_refused_naming_the_key() {
    // Was: a panic past validation (src/dist.rs:167, ShapeTooSmall): the
    // shape (mean/sd)² = 1e-400 is 0 in floating point.
    let text = replace_once(
        SCENARIO,
        "case_handling = { dist = \"fixed\", value = 10.0 }",
        "case_handling = { dist = \"gamma\", mean = 1e-200, sd = 1 }",
    );
    run_refuses(
        &text,
        "51: incidents.kinds[0].case_handling: `sd` gives the gamma a shape of 0e0, which cannot be sampled; use `fixed` for a near-constant duration",
    );
    // A small but sampleable shape runs.
    let text = replace_once(
        SCENARIO,
        "case_handling = { dist = \"fixed\", value = 10.0 }",
        "case_handling = { dist = \"gamma\", mean = 1e-3, sd = 1 }",
    );
    assert_eq!(runs(&text).strategies.len(), 1);
}

#[test]
fn hourly_weights_summing_to_infinity_are_refused_not_zero_calls() {
    // Was: every hour's rate 1e308 / inf = 0, so the run drew 0 calls and
    // exited 0 with full outputs.
    let hourly = vec!["1e308"; 24].join(", ");
    let text = replace_once(
        SCENARIO,
        "per_day = 20.0\n",
        &format!("per_day = 20.0\nhourly = [{hourly}]\n"),
    );
    run_refuses(
        &text,
        "44: incidents.hourly: the weights' sum must be finite (scale them down)",
    );
    // Large weights with a finite sum keep their ratios: as many calls as
    // a flat profile.
    let big = vec!["1e300"; 24].join(", ");
    let text = replace_once(
        SCENARIO,
        "per_day = 20.0\n",
        &format!("per_day = 20.0\nhourly = [{big}]\n"),
    );
    let calls = |text: &str| runs(text).strategies[0].summary.overall.incidents;
    assert_eq!(calls(&text), calls(SCENARIO));
    assert!(calls(SCENARIO) > 0);
}

#[test]
fn speeds_detours_times_and_factors_beyond_any_run_are_refused() {
    // Found by the robustness suite (POLICESIM_ROBUSTNESS_SEED=12):
    // case_handling_factor = 1e308 made every case-handling time infinite,
    // "event scheduled at inf" (a debug assertion; a release build never
    // freed the unit). Speeds of 5e-324 km/h and detours of 1e308 likewise
    // made every unit travel forever: 0 calls answered, exit 0.
    let efficiency = format!("{SCENARIO}\n[strategies.efficiency]\nunits = 4\n");
    let text = format!("{efficiency}case_handling_factor = 1e308\n");
    refused_with(
        &text,
        &[
            "t.toml:65: strategies.efficiency.case_handling_factor: too large (max 100), found 1e308: it multiplies every case-handling time",
        ],
    );
    for (from, to, expected) in [
        (
            "speed_kmh = 40.0",
            "speed_kmh = 5e-324",
            "t.toml:10: travel.speed_kmh: too small (min 1), found 5e-324",
        ),
        (
            "detour = 1.3",
            "detour = 1e308",
            "t.toml:11: travel.detour: too large (max 10), found 1e308",
        ),
        (
            "turnout_min = 1.0",
            "turnout_min = 1e308",
            "t.toml:12: travel.turnout_min: too large (max 10000000), found 1e308",
        ),
        (
            // Was printed with all 309 digits.
            "weight = 1.0\nspread_km = 2.0\nstation = \"north\"",
            "weight = 1.0\nspread_km = 1e308\nstation = \"north\"",
            "t.toml:32: demand[0].spread_km: too large (max 1000), found 1e308",
        ),
    ] {
        let text = replace_once(SCENARIO, from, to);
        assert_eq!(refused(&text), expected);
    }
    // The limits themselves run: a hundredfold case handling answers calls;
    // a slow walk with long detours (200 h from station to station) runs
    // to its end, with no call answered in its two days.
    let out = runs(&format!("{efficiency}case_handling_factor = 100\n"));
    assert!(
        out.strategies
            .iter()
            .all(|s| s.summary.overall.incidents > 0)
    );
    let text = replace_once(&efficiency, "speed_kmh = 40.0", "speed_kmh = 1.0");
    let text = replace_once(&text, "detour = 1.3", "detour = 10.0");
    assert_eq!(runs(&text).strategies.len(), 2);
    // No upper speed limit: 1e308 km/h only makes travel take no time.
    let text = replace_once(SCENARIO, "speed_kmh = 40.0", "speed_kmh = 1e308");
    assert!(runs(&text).strategies[0].summary.overall.incidents > 0);
}

#[test]
fn one_hour_or_day_weighing_1e308_gets_all_the_calls_not_infinitely_many() {
    // Found by the robustness suite (POLICESIM_ROBUSTNESS_SEED=13): hourly
    // = [0, …, 0, 1e308] sums finitely, but per_day × 1e308 overflowed, so
    // hour 23 had an infinite call rate and the run died allocating 5.9 GB
    // ("memory allocation of 5905580032 bytes failed").
    let mut zeros = vec!["0"; 24];
    zeros[23] = "1e308";
    let text = replace_once(
        SCENARIO,
        "per_day = 20.0\n",
        &format!("per_day = 20.0\nhourly = [{}]\n", zeros.join(", ")),
    );
    let s = Scenario::from_toml(&text, "t.toml").expect("valid");
    assert_eq!(s.incidents.rate_per_min(23), 20.0 / 60.0);
    assert_eq!(s.incidents.rate_per_min(0), 0.0);
    let started = Instant::now();
    let out = runs(&text);
    assert!(started.elapsed() < Duration::from_secs(10));
    // 2 measured days of 20 calls each, all in hour 23: about 40 calls.
    let calls = out.strategies[0].summary.overall.incidents;
    assert!((15..=80).contains(&calls), "{calls} calls");
    // The same for a day of the week: Monday gets 7 times the mean day.
    let text = replace_once(
        SCENARIO,
        "per_day = 20.0\n",
        "per_day = 20.0\nweekly = [1e308, 0, 0, 0, 0, 0, 0]\n",
    );
    let s = Scenario::from_toml(&text, "t.toml").expect("valid");
    let day = |d| s.incidents.day_factor(d);
    assert_eq!(day(policesim::scenario::Weekday::Monday), 7.0);
    assert_eq!(day(policesim::scenario::Weekday::Sunday), 0.0);
}
