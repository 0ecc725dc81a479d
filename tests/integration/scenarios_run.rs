//! Every shipped scenario passes `check` and runs end to end, writing a
//! summary table and JSON with one entry per strategy.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use crate::common::policesim;

/// The columns `summary.csv` must start with, in order.
const SUMMARY_HEADER: &str = "strategy,replications,incidents,response_mean_min,\
response_mean_ci95_min,response_p50_min,response_p90_min,response_p95_min,\
within_target_pct,wait_mean_min,assembly_mean_min,unit_utilization_pct,open_incidents";

/// Simulated days after the warm-up: enough for every strategy to answer
/// calls, short enough to keep the test quick.
const DAYS_AFTER_WARMUP: f64 = 3.0;

/// `scenarios/*.toml`, sorted.
fn scenario_files() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("list scenarios").path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    files
}

/// A TOML number that may be written as an integer (`days = 10`).
fn number(v: &toml::Value) -> Option<f64> {
    v.as_float().or_else(|| v.as_integer().map(|i| i as f64))
}

fn check_and_run(file: &Path) {
    let name = file.display();
    let text = std::fs::read_to_string(file).expect("read scenario");
    let table: toml::Table = text
        .parse()
        .unwrap_or_else(|e| panic!("{name}: not TOML: {e}"));
    let warmup = table
        .get("scenario")
        .and_then(|s| s.get("warmup_days"))
        .map_or(0.0, |v| number(v).expect("warmup_days is a number"));
    let strategies: Vec<&String> = table
        .get("strategies")
        .and_then(toml::Value::as_table)
        .map(|t| t.keys().collect())
        .unwrap_or_default();
    assert!(!strategies.is_empty(), "{name}: no [strategies.*]");

    let (status, stdout, stderr) = policesim([Path::new("check"), file]);
    assert!(status.success(), "{name}: check failed:\n{stderr}");
    assert!(!stdout.is_empty(), "{name}: check printed nothing");

    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("out");
    let days = (warmup + DAYS_AFTER_WARMUP).to_string();
    let (status, _, stderr) = policesim([
        OsStr::new("run"),
        file.as_os_str(),
        OsStr::new("--days"),
        OsStr::new(&days),
        OsStr::new("--replications"),
        OsStr::new("2"),
        OsStr::new("--out"),
        out.as_os_str(),
        OsStr::new("--quiet"),
    ]);
    assert!(status.success(), "{name}: run failed:\n{stderr}");
    assert!(!stderr.contains("panicked"), "{name}:\n{stderr}");

    let csv = std::fs::read_to_string(out.join("summary.csv"))
        .unwrap_or_else(|e| panic!("{name}: summary.csv: {e}"));
    let mut lines = csv.lines();
    let header = lines.next().unwrap_or_default();
    assert!(
        header.starts_with(SUMMARY_HEADER),
        "{name}: summary.csv header is\n{header}"
    );
    let csv_names: Vec<&str> = lines
        .map(|l| l.split(',').next().unwrap_or_default())
        .collect();
    assert_eq!(
        csv_names.len(),
        strategies.len(),
        "{name}: one summary.csv row per strategy ({strategies:?}), found {csv_names:?}"
    );
    for s in &strategies {
        assert!(csv_names.contains(&s.as_str()), "{name}: no row for {s}");
    }

    let json = std::fs::read_to_string(out.join("summary.json"))
        .unwrap_or_else(|e| panic!("{name}: summary.json: {e}"));
    let json: serde_json::Value =
        serde_json::from_str(&json).unwrap_or_else(|e| panic!("{name}: summary.json: {e}"));
    let json_names: Vec<&str> = json["strategies"]
        .as_array()
        .unwrap_or_else(|| panic!("{name}: summary.json has no strategies array"))
        .iter()
        .map(|s| s["strategy"].as_str().expect("strategy name"))
        .collect();
    assert_eq!(json_names, csv_names, "{name}: JSON and CSV disagree");
    assert_eq!(json["run"]["replications"], 2, "{name}");
    assert_eq!(
        json["run"]["days"].as_f64(),
        Some(warmup + DAYS_AFTER_WARMUP),
        "{name}"
    );
}

#[test]
fn every_shipped_scenario_checks_and_runs() {
    let files = scenario_files();
    assert!(!files.is_empty(), "no scenarios/*.toml");
    for file in &files {
        check_and_run(file);
    }
}

/// `huimin_all_officers.toml` is `huimin.toml` with every station's officers
/// doubled (the whole complement instead of the 110 rota), and nothing else:
/// a change to one file without the other fails here.
#[test]
fn the_all_officers_variant_differs_from_huimin_only_in_officers() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let read = |name: &str| -> toml::Table {
        std::fs::read_to_string(dir.join(name))
            .unwrap()
            .parse()
            .unwrap()
    };
    let (mut base, mut variant) = (read("huimin.toml"), read("huimin_all_officers.toml"));
    let officers = |t: &mut toml::Table| -> Vec<i64> {
        let scenario = t["scenario"].as_table_mut().unwrap();
        scenario.remove("name");
        scenario.remove("description");
        t["stations"]
            .as_array_mut()
            .unwrap()
            .iter_mut()
            .map(|s| {
                s.as_table_mut()
                    .unwrap()
                    .remove("officers")
                    .unwrap()
                    .as_integer()
                    .unwrap()
            })
            .collect()
    };
    let (a, b) = (officers(&mut base), officers(&mut variant));
    assert_eq!(a.len(), 15);
    for (x, y) in a.iter().zip(&b) {
        assert_eq!(*y, 2 * x, "officers {x} in huimin.toml, {y} in the variant");
    }
    assert_eq!(base, variant, "the files differ in more than officers");
}
