//! The staffing optimiser against exact queueing theory.
//!
//! Incidents happen at the station door, nobody travels, calls are taken
//! and handed over instantly and time on scene is exponential, so every
//! station with its own units is an M/M/c queue. The target is "reached
//! within 0.001 minutes", that is "did not wait", whose share is 1 − Erlang C.
//! The optimiser must return Erlang C's minimal c at every station (loads
//! chosen so that no threshold lies within 2 points of a neighbouring c) and,
//! for a pooled force, the minimal c of one M/M/c, Tijms' 14 servers for 10
//! erlangs at P(wait) <= 0.2.

use policesim::Scenario;
use policesim::analytic::{erlang_c, min_servers};
use policesim::optimise::{self, Each, Enumeration, Lever, OptimiseOptions, Phase, Status, Target};
use statrs::distribution::{ContinuousCDF, StudentsT};

/// One station per load, 100 km apart, each with its calls at its door.
fn stations_at_their_doors(loads: &[f64], strategy: &str) -> String {
    let per_day: f64 = loads.iter().map(|a| a / 30.0 * 1440.0).sum();
    let mut t = format!(
        r#"[scenario]
name = "erlang"
days = 42
warmup_days = 2
replications = 4
seed = 11
target_min = 0.001

[travel]
speed_kmh = 40.0
detour = 1.0
turnout_min = 0.0

[dispatch]
call_processing_min = 0.0
handoff_min = 0.0

[incidents]
per_day = {per_day}

[[incidents.kinds]]
name = "general"
share = 1.0
units = 1
on_scene = {{ dist = "exponential", mean = 30.0 }}
case_handling = {{ dist = "fixed", value = 0.0 }}

{strategy}
"#
    );
    for (i, a) in loads.iter().enumerate() {
        let x = 100.0 * i as f64;
        // Calls per day of this station: a erlangs of 30-minute jobs.
        let weight = a / 30.0 * 1440.0;
        t.push_str(&format!(
            "[[stations]]\nid = \"s{i}\"\nx_km = {x}\ny_km = 0.0\nofficers = 40\nauxiliaries = 80\n\n\
             [[demand]]\nx_km = {x}\ny_km = 0.0\nweight = {weight}\nspread_km = 0.0\n\n"
        ));
    }
    t
}

fn target(text: &str) -> Target {
    text.parse().expect("a valid target")
}

#[test]
fn tijms_table_entries() {
    // Tijms (2003), the square-root staffing table: 10 erlangs.
    assert_eq!(min_servers(10.0, 0.2), 14);
    assert_eq!(min_servers(10.0, 0.1), 16);
    assert!(erlang_c(13, 10.0) > 0.2 && erlang_c(14, 10.0) <= 0.2);
    assert!(erlang_c(15, 10.0) > 0.1 && erlang_c(16, 10.0) <= 0.1);
}

#[test]
fn optimiser_returns_erlang_c_minimal_units_at_every_station() {
    let loads = [1.0, 2.5, 4.0];
    // Theory first: the minimal c at P(wait) <= 0.2, and no threshold within
    // 2 points of c or c - 1, so the simulation can tell them apart.
    let expected: Vec<u32> = loads.iter().map(|&a| min_servers(a, 0.2)).collect();
    assert_eq!(expected, vec![3, 5, 7]);
    for (&a, &c) in loads.iter().zip(&expected) {
        assert!(1.0 - erlang_c(c, a) >= 0.82, "a = {a}");
        assert!(1.0 - erlang_c(c - 1, a) <= 0.78, "a = {a}");
    }
    let text = stations_at_their_doors(&loads, "[strategies.per_station]\nunits = 1\n");
    let s = Scenario::from_toml(&text, "erlang.toml").expect("valid scenario");
    let mut opts = OptimiseOptions::new(&s, "per_station", vec![target("within_target_pct >= 80")]);
    opts.each = Each::Station;
    let r = optimise::optimise(&s, &opts, &|_| {}).expect("runs");
    assert_eq!(r.lever, Lever::StationUnits);
    assert_eq!(r.names, ["s0", "s1", "s2"]);
    let best = r.best().expect("an answer");
    assert_eq!(best.allocation, expected);
    assert_eq!(best.status, Status::Feasible);
    // 15 units of 1 officer + 2 auxiliaries on 24-hour shifts.
    assert_eq!(best.people_per_day, Some(45.0));
    // Each station's share within target is 1 − Erlang C inside its interval.
    for (k, (&a, &c)) in loads.iter().zip(&expected).enumerate() {
        let v = best.constraints[k];
        let theory = 100.0 * (1.0 - erlang_c(c, a));
        let (lo, hi) = (v.low.unwrap(), v.high.unwrap());
        // The 95 % interval, widened to 99.9 % by the ratio of t quantiles
        // at these replications, must hold theory (one fixed seed).
        let mid = v.mean.unwrap();
        let t = StudentsT::new(0.0, 1.0, f64::from(best.replications - 1)).unwrap();
        let wide = (hi - lo) / 2.0 * t.inverse_cdf(0.9995) / t.inverse_cdf(0.975);
        assert!(
            (mid - theory).abs() <= wide,
            "station s{k}: simulated {mid:.2} [{lo:.2}, {hi:.2}], theory {theory:.2}"
        );
    }
    // Minimality: each single removal was simulated and breaks a target.
    assert_eq!(r.removals.len(), 3);
    for &j in &r.removals {
        let e = &r.evaluations[j];
        assert_eq!(e.status, Status::Infeasible, "{:?}", e.allocation);
        assert_eq!(e.allocation.iter().sum::<u32>(), 14);
    }
    // Every allocation the greedy search visited is in the record.
    assert!(r.evaluations.iter().any(|e| e.allocation == [1, 1, 1]));
    assert_eq!(r.evaluations[r.current].phase, Phase::Current);
    assert_eq!(r.evaluations[r.current].allocation, [1, 1, 1]);
}

#[test]
fn pooled_force_gets_tijms_fourteen_for_ten_erlangs() {
    let text = stations_at_their_doors(
        &[10.0],
        "[strategies.efficiency]\nunits = 20\nposts = [\"s0\"]\ncall_processing_min = 0.0\nhandoff_min = 0.0\n",
    );
    let s = Scenario::from_toml(&text, "erlang.toml").expect("valid scenario");
    let opts = OptimiseOptions::new(&s, "efficiency", vec![target("within_target_pct >= 80")]);
    let r = optimise::optimise(&s, &opts, &|_| {}).expect("runs");
    assert_eq!(r.lever, Lever::TotalUnits);
    let best = r.best().expect("an answer");
    assert_eq!(best.allocation, [14]);
    // One variable: every cheaper force (1..13 units) was simulated.
    assert_eq!(r.enumeration, Enumeration::Exhaustive { allocations: 13 });
    let thirteen = r
        .evaluations
        .iter()
        .find(|e| e.allocation == [13])
        .expect("13 units simulated");
    assert_ne!(thirteen.status, Status::Feasible);
    // The scenario's own 20 units were simulated first and meet the target.
    assert_eq!(r.evaluations[r.current].allocation, [20]);
    assert_eq!(r.evaluations[r.current].status, Status::Feasible);
}

#[test]
fn optimise_command_writes_every_evaluation_and_a_scenario_that_runs() {
    use crate::common::{policesim, write_file};
    let dir = tempfile::tempdir().unwrap();
    // 1.5 erlangs at one door: 4 units for P(wait) <= 0.2 (C(4) = 0.075,
    // C(3) = 0.237).
    let text = stations_at_their_doors(
        &[1.5],
        "[strategies.efficiency]\nunits = 2\ncall_processing_min = 0.0\nhandoff_min = 0.0\n",
    )
    .replace("days = 42", "days = 30");
    assert_eq!(min_servers(1.5, 0.2), 4);
    let file = write_file(dir.path(), "door.toml", &text);
    let out = dir.path().join("opt");
    let (status, stdout, stderr) = policesim([
        "optimise".as_ref(),
        file.as_os_str(),
        "--strategy".as_ref(),
        "efficiency".as_ref(),
        "--target".as_ref(),
        "within_target_pct >= 80".as_ref(),
        "--max-duty-hours".as_ref(),
        "48".as_ref(),
        "--out".as_ref(),
        out.as_os_str(),
    ]);
    assert!(status.success(), "{stdout}\n{stderr}");
    assert!(stdout.contains("current:   2 unit(s) (area 2)"), "{stdout}");
    assert!(
        stdout.contains("optimised: 4 unit(s) (area 4), 12 people on duty per day: feasible"),
        "{stdout}"
    );
    assert!(
        stdout.contains("all 3 allocation(s) with fewer people were simulated"),
        "{stdout}"
    );
    // 4 units of 1 officer + 2 auxiliaries around the clock: 4 officer posts
    // (672 h a week) need 14 officers at 48 h, 8 auxiliary posts need 28.
    let words = |role: &str| -> Vec<String> {
        let line = stdout
            .lines()
            .find(|l| l.starts_with("the area (pooled)") && l.contains(role))
            .unwrap_or_else(|| panic!("no {role} pool line in\n{stdout}"));
        line.split_whitespace().skip(3).map(String::from).collect()
    };
    assert_eq!(words("officers"), ["officers", "4", "40", "16.8", "14"]);
    assert_eq!(
        words("auxiliaries"),
        ["auxiliaries", "8", "80", "16.8", "28"]
    );
    // optimise.csv: one row per allocation, the answer marked.
    let csv = std::fs::read_to_string(out.join("optimise.csv")).unwrap();
    let mut rows = csv.lines();
    assert_eq!(
        rows.next().unwrap(),
        "evaluation,phase,chosen,status,replications,people_per_day,total,allocation,area,\
         within_target_pct_mean,within_target_pct_low,within_target_pct_high,within_target_pct_verdict,\
         response_mean_min,within_target_pct,officer_duty_hours_per_week"
    );
    let rows: Vec<Vec<&str>> = rows.map(|l| l.split(',').collect()).collect();
    // The scenario's 2 units, then 1, 3 and 4 on the way up.
    let allocations: Vec<&str> = rows.iter().map(|r| r[8]).collect();
    assert_eq!(allocations, ["2", "1", "3", "4"]);
    let chosen: Vec<&Vec<&str>> = rows.iter().filter(|r| r[2] == "yes").collect();
    assert_eq!(chosen.len(), 1);
    assert_eq!(
        (chosen[0][3], chosen[0][5], chosen[0][8]),
        ("feasible", "12", "4")
    );
    // optimised.toml loads with the answer written in and runs as it is.
    let opt = out.join("optimised.toml");
    let s = Scenario::load(&opt).expect("optimised.toml is a valid scenario");
    let units = match &s.strategies[0] {
        policesim::strategy::StrategyConfig::Efficiency(c) => c.units,
        _ => unreachable!(),
    };
    assert_eq!(units, 4);
    let (status, stdout, stderr) = policesim([
        "run".as_ref(),
        opt.as_os_str(),
        "--days".as_ref(),
        "5".as_ref(),
        "--out".as_ref(),
        dir.path().join("run").as_os_str(),
        "--no-charts".as_ref(),
    ]);
    assert!(status.success(), "{stdout}\n{stderr}");
}

#[test]
fn optimise_refuses_bad_targets_and_places() {
    use crate::common::{policesim, write_file};
    let dir = tempfile::tempdir().unwrap();
    let text = stations_at_their_doors(&[1.5], "[strategies.per_station]\nunits = 2\n");
    let file = write_file(dir.path(), "door.toml", &text);
    let run = |extra: &[&str]| {
        let mut args = vec!["optimise", file.to_str().unwrap(), "--out"];
        let out = dir.path().join("o");
        args.push(out.to_str().unwrap());
        args.extend_from_slice(extra);
        let (status, _, stderr) = policesim(args.iter().map(|a| a.to_string()).collect::<Vec<_>>());
        assert!(!status.success());
        assert!(!out.exists(), "no output folder after an error");
        stderr
    };
    let e = run(&[
        "--strategy",
        "per_station",
        "--target",
        "within_target_pct > 80",
    ]);
    assert!(
        e.contains("error: --target \"within_target_pct > 80\": the comparison must be >= or <="),
        "{e}"
    );
    let e = run(&["--strategy", "per_station", "--target", "reach <= 8"]);
    assert!(
        e.contains("unknown metric \"reach\"; the metrics are response_mean_min"),
        "{e}"
    );
    let e = run(&["--strategy", "zones", "--target", "wait_mean_min <= 8"]);
    assert!(
        e.contains("unknown strategy \"zones\": the scenario defines per_station"),
        "{e}"
    );
    let e = run(&[
        "--strategy",
        "per_station",
        "--target",
        "wait_mean_min <= 8",
        "--each",
        "zone",
    ]);
    assert!(
        e.contains("--each zone: the scenario has no [[zones]]"),
        "{e}"
    );
    let e = run(&[
        "--strategy",
        "per_station",
        "--target",
        "officer_duty_hours_per_week <= 50",
        "--each",
        "station",
    ]);
    assert!(e.contains("cannot be used with --each"), "{e}");
    let e = run(&[
        "--strategy",
        "per_station",
        "--target",
        "wait_mean_min <= 8",
        "--replications",
        "1",
    ]);
    assert!(e.contains("--replications must be at least 2"), "{e}");
}
