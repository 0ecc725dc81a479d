//! `--set KEY=VALUE`: an override acts exactly as the same edit of the file,
//! keys absent from the file can be set, and every mistake is an error
//! naming the `--set` argument.

use std::path::Path;

use policesim::Scenario;
use policesim::scenario::overrides::{Override, OverrideError, numeric_inputs};

use crate::common::{SCENARIO, policesim, replace_once, write_file};

fn set(args: &[&str]) -> Vec<Override> {
    args.iter().map(|a| Override::parse(a).unwrap()).collect()
}

#[test]
fn overrides_reach_every_kind_of_key() {
    let s = Scenario::from_toml_with(
        SCENARIO,
        "tiny.toml",
        &set(&[
            "incidents.per_day=35",
            "scenario.target_min=12",
            "travel.speed_kmh=60.5",
            "stations[*].units=2",
            "stations[south].officers=20",
            "stations[0].auxiliaries=30",
            "incidents.kinds[general].on_scene.mean=12.5",
            "incidents.kinds[urgent].escalation={ prob = 0.5, units = 1 }",
            "dispatch.handoff_min=2",
        ]),
    )
    .unwrap();
    assert_eq!(s.incidents.per_day, 35.0);
    assert_eq!(s.target_min, 12.0);
    assert_eq!(s.stations[0].units, Some(2));
    assert_eq!(s.stations[1].units, Some(2));
    assert_eq!(s.stations[1].officers, 20);
    assert_eq!(s.stations[0].officers, 12, "only south changed");
    assert_eq!(s.stations[0].auxiliaries, 30);
    assert_eq!(s.incidents.kinds[0].on_scene.mean(), 12.5);
    assert_eq!(s.incidents.kinds[1].on_scene.mean(), 45.0);
    assert_eq!(
        s.incidents.kinds[1].escalation.map(|e| (e.prob, e.units)),
        Some((0.5, 1))
    );
    assert_eq!(s.handoff_min, 2.0);
    // 10 km at 60.5 km/h with the file's detour 1.3, plus 1 min turnout.
    let edited = replace_once(SCENARIO, "speed_kmh = 40.0", "speed_kmh = 60.5");
    let by_file = Scenario::from_toml(&edited, "tiny.toml").unwrap();
    assert_eq!(format!("{:?}", by_file.travel), format!("{:?}", s.travel));
}

#[test]
fn a_later_override_wins() {
    let s = Scenario::from_toml_with(
        SCENARIO,
        "tiny.toml",
        &set(&["stations[*].units=2", "stations[north].units=4"]),
    )
    .unwrap();
    assert_eq!(s.stations[0].units, Some(4));
    assert_eq!(s.stations[1].units, Some(2));
}

/// A run with `--set` writes the same summary as a run of the edited file.
#[test]
fn a_run_with_set_equals_the_edited_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = write_file(dir.path(), "tiny.toml", SCENARIO);
    let edited = replace_once(SCENARIO, "per_day = 20.0", "per_day = 35.0");
    let edited = replace_once(&edited, "units = 3\n", "units = 2\n");
    let edited_file = write_file(dir.path(), "edited.toml", &edited);
    let a = dir.path().join("a");
    let b = dir.path().join("b");
    let (status, _, err) = policesim([
        Path::new("run"),
        &file,
        Path::new("--set"),
        Path::new("incidents.per_day=35"),
        Path::new("--set"),
        Path::new("strategies.per_station.units=2"),
        Path::new("--out"),
        &a,
        Path::new("--no-charts"),
    ]);
    assert!(status.success(), "{err}");
    let (status, _, err) = policesim([
        Path::new("run"),
        &edited_file,
        Path::new("--out"),
        &b,
        Path::new("--no-charts"),
    ]);
    assert!(status.success(), "{err}");
    let csv_a = std::fs::read_to_string(a.join("summary.csv")).unwrap();
    let csv_b = std::fs::read_to_string(b.join("summary.csv")).unwrap();
    assert_eq!(csv_a, csv_b);
}

/// `check` with the overrides: exit 1 and stderr containing `expected`.
fn check_refuses(args: &[&str], expected: &str) {
    let dir = tempfile::tempdir().unwrap();
    let file = write_file(dir.path(), "tiny.toml", SCENARIO);
    let mut argv = vec!["check".to_string(), file.display().to_string()];
    for a in args {
        argv.push("--set".into());
        argv.push(a.to_string());
    }
    let (status, stdout, stderr) = policesim(&argv);
    assert_eq!(status.code(), Some(1), "{stdout}{stderr}");
    assert!(
        stderr.contains(expected),
        "stderr should contain\n  {expected}\nbut is\n{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn an_unknown_key_lists_the_nearest_valid_keys() {
    check_refuses(
        &["incidents.per_dya=35"],
        "error: --set incidents.per_dya=35: unknown key incidents.per_dya; nearest valid keys: incidents.per_day, ",
    );
    check_refuses(
        &["stations[north].unit=2"],
        "error: --set stations[north].unit=2: unknown key stations[north].unit; nearest valid keys: stations[*].units, ",
    );
    let Err(OverrideError::UnknownKey { suggestions, .. }) = Override::parse("speed_kmh=50") else {
        panic!("an unknown key was accepted");
    };
    assert_eq!(suggestions[0], "travel.speed_kmh");
}

#[test]
fn an_invalid_value_names_the_argument() {
    check_refuses(
        &["stations[*].units=0"],
        "error: --set stations[*].units=0: stations[0].units: a station needs at least 1 duty unit, found 0",
    );
    check_refuses(
        &["stations[*].units=0"],
        "error: --set stations[*].units=0: stations[1].units: a station needs at least 1 duty unit, found 0",
    );
    check_refuses(
        &["incidents.per_day=abc"],
        "error: --set incidents.per_day=abc: incidents.per_day: expected a number, found string \"abc\"",
    );
    check_refuses(
        &["scenario.target_min=-5"],
        "error: --set scenario.target_min=-5: scenario.target_min: must be a finite number > 0, found -5",
    );
    check_refuses(
        &["incidents.kinds[general].on_scene.mean=-1"],
        ":50: incidents.kinds[0].on_scene: `mean` must be a finite number >= 0, found -1 (with --set incidents.kinds[general].on_scene.mean=-1)",
    );
    check_refuses(
        &["zones[north].hub=north"],
        "error: --set zones[north].hub=north: zones: the scenario has no zones entries to set",
    );
    check_refuses(
        &["stations[east].units=2"],
        "error: --set stations[east].units=2: stations: no entry is called \"east\" (known: north, south)",
    );
    check_refuses(
        &["incidents.per_day"],
        "error: --set incidents.per_day: expected KEY=VALUE",
    );
    check_refuses(
        &["incidents.per_day=1.2.3"],
        "error: --set incidents.per_day=1.2.3: \"1.2.3\" is not a TOML value",
    );
}

/// Problems elsewhere in the file keep their line numbers under `--set`.
#[test]
fn file_errors_keep_their_lines_under_set() {
    let dir = tempfile::tempdir().unwrap();
    let bad = replace_once(
        SCENARIO,
        "x_km = 0.0\ny_km = 10.0",
        "x_km = \"abc\"\ny_km = 10.0",
    );
    let file = write_file(dir.path(), "tiny.toml", &bad);
    let (status, _, stderr) = policesim([
        Path::new("check"),
        &file,
        Path::new("--set"),
        Path::new("incidents.per_day=30"),
    ]);
    assert_eq!(status.code(), Some(1));
    let want = format!(
        "error: {}:16: stations[0].x_km: expected a number, found string \"abc\"",
        file.display()
    );
    assert!(stderr.contains(&want), "{stderr}");
}

/// Every listed input is a key `--set` accepts, and setting each to its own
/// value changes nothing.
#[test]
fn every_numeric_input_is_settable() {
    let inputs = numeric_inputs(SCENARIO, "tiny.toml").unwrap();
    let get = |k: &str| {
        inputs
            .iter()
            .find(|i| i.key == k)
            .map(|i| (i.value, i.in_file))
    };
    assert_eq!(get("stations[north].officers"), Some((12.0, true)));
    assert_eq!(
        get("incidents.kinds[urgent].on_scene.sd"),
        Some((20.0, true))
    );
    assert_eq!(get("demand[1].spread_km"), Some((2.0, true)));
    assert_eq!(
        get("strategies.per_station.callin_delay_min"),
        Some((30.0, false)),
        "a default the file leaves out"
    );
    assert_eq!(get("dispatch.handoff_min"), Some((0.0, false)));
    assert!(inputs.iter().any(|i| i.key == "scenario.seed" && i.control));
    let base = format!("{:?}", Scenario::from_toml(SCENARIO, "tiny.toml").unwrap());
    for i in &inputs {
        let value = if i.integer {
            toml::Value::Integer(i.value as i64)
        } else {
            toml::Value::Float(i.value)
        };
        let ov = Override::new(&i.key, value).unwrap_or_else(|e| panic!("{}: {e}", i.key));
        let s = Scenario::from_toml_with(SCENARIO, "tiny.toml", &[ov])
            .unwrap_or_else(|e| panic!("{}: {e}", i.key));
        assert_eq!(format!("{s:?}"), base, "setting {} to itself", i.key);
    }
}

/// `optimise` and `fit` take `--set` too: an unknown key is refused before
/// any work, naming the argument, and nothing is written.
#[test]
fn optimise_and_fit_take_set() {
    let dir = tempfile::tempdir().unwrap();
    let file = write_file(dir.path(), "tiny.toml", SCENARIO);
    let out = dir.path().join("out");
    let file_s = file.display().to_string();
    let out_s = out.display().to_string();
    let runs: [Vec<&str>; 2] = [
        vec![
            "optimise",
            &file_s,
            "--strategy",
            "per_station",
            "--target",
            "within_target_pct >= 80",
            "--out",
            &out_s,
            "--set",
            "incidents.per_dya=35",
        ],
        vec![
            "fit",
            &file_s,
            "--scenario",
            &file_s,
            "--out",
            &out_s,
            "--set",
            "incidents.per_dya=35",
        ],
    ];
    for argv in runs {
        let (status, stdout, stderr) = policesim(&argv);
        assert_eq!(status.code(), Some(1), "{argv:?}: {stdout}{stderr}");
        assert!(
            stderr.contains("error: --set incidents.per_dya=35: unknown key incidents.per_dya; nearest valid keys: incidents.per_day"),
            "{argv:?}: {stderr}"
        );
        assert!(!out.exists(), "{argv:?} wrote {}", out.display());
    }
}
