//! `policesim sensitivity`: an input with no effect changes nothing, bit for
//! bit (common random numbers); the base differences are those of `run`;
//! whole numbers and kind shares stay valid; bad flags are clear errors.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::common::{SCENARIO, policesim, write_file};

/// The tiny scenario with a second strategy.
fn scenario(dir: &Path) -> PathBuf {
    let text = SCENARIO.to_string() + "\n[strategies.efficiency]\nunits = 5\n";
    write_file(dir, "tiny.toml", &text)
}

type Row = HashMap<String, String>;

fn rows(path: &Path) -> Vec<Row> {
    let mut rdr = csv::Reader::from_path(path).unwrap();
    let headers = rdr.headers().unwrap().clone();
    rdr.records()
        .map(|r| {
            headers
                .iter()
                .zip(r.unwrap().iter())
                .map(|(h, v)| (h.to_string(), v.to_string()))
                .collect()
        })
        .collect()
}

fn num(v: &str) -> f64 {
    v.parse()
        .unwrap_or_else(|_| panic!("{v:?} is not a number"))
}

#[test]
fn an_input_without_effect_shows_exactly_zero_and_the_base_is_run() {
    let dir = tempfile::tempdir().unwrap();
    let file = scenario(dir.path());
    let out = dir.path().join("sens");
    // callin_delay_min changes nothing without call-in units (the default 0).
    let keys = "strategies.per_station.callin_delay_min,incidents.per_day,strategies.per_station.units,incidents.kinds[urgent].share";
    let (status, stdout, stderr) = policesim([
        Path::new("sensitivity"),
        &file,
        Path::new("--keys"),
        Path::new(keys),
        Path::new("--out"),
        &out,
        Path::new("-q"),
    ]);
    assert!(status.success(), "{stderr}");
    let all = rows(&out.join("sensitivity.csv"));
    let of = |key: &str| -> Vec<&Row> { all.iter().filter(|r| r["key"] == key).collect() };

    // No effect: low and high equal the base, field for field.
    let none = of("strategies.per_station.callin_delay_min");
    assert_eq!(none.len(), 8, "one row per compared metric of efficiency");
    for r in &none {
        assert_eq!(num(&r["low_value"]), 24.0);
        assert_eq!(num(&r["base_value"]), 30.0);
        assert_eq!(num(&r["high_value"]), 36.0);
        for side in ["low", "high"] {
            for col in ["", "_ci95_low", "_ci95_high"] {
                assert_eq!(
                    r[&format!("diff_{side}{col}")],
                    r[&format!("diff_base{col}")],
                    "{}: diff_{side}{col} must equal the base exactly",
                    r["metric"]
                );
            }
            assert_eq!(r[&format!("verdict_{side}")], r["verdict_base"]);
        }
        assert_eq!(r["flips"], "false");
    }

    // More calls move something; the values are ±20 %.
    let calls = of("incidents.per_day");
    assert_eq!(num(&calls[0]["low_value"]), 16.0);
    assert_eq!(num(&calls[0]["high_value"]), 24.0);
    assert!(
        calls
            .iter()
            .any(|r| r["diff_high"] != r["diff_base"] && r["diff_low"] != r["diff_base"])
    );

    // Whole numbers move by whole steps; a kind's share keeps the sum at 1.
    let units = of("strategies.per_station.units");
    assert_eq!(
        (num(&units[0]["low_value"]), num(&units[0]["high_value"])),
        (2.0, 4.0)
    );
    let share = of("incidents.kinds[urgent].share");
    assert_eq!(share[0]["note"], "", "both sides of a share run");
    assert!((num(&share[0]["low_value"]) - 0.2).abs() < 1e-12);

    // The base differences are exactly those of `run` on the same settings.
    let run_out = dir.path().join("run");
    let (status, _, stderr) = policesim([
        Path::new("run"),
        &file,
        Path::new("--out"),
        &run_out,
        Path::new("--no-charts"),
        Path::new("-q"),
    ]);
    assert!(status.success(), "{stderr}");
    let comparison = rows(&run_out.join("comparison.csv"));
    for c in &comparison {
        let r = none.iter().find(|r| r["metric"] == c["metric"]).unwrap();
        assert_eq!(r["diff_base"], c["difference"], "{}", c["metric"]);
        assert_eq!(r["strategy"], "efficiency");
        assert_eq!(r["baseline"], "per_station");
    }

    // Charts: the zero-effect input is left out of every tornado.
    for stem in [
        "tornado_response_mean",
        "tornado_within_target",
        "tornado_officer_duty",
    ] {
        let svg = std::fs::read_to_string(out.join(format!("charts/{stem}.svg"))).unwrap();
        assert!(!svg.contains("callin_delay_min"), "{stem}");
        assert!(svg.contains("exactly zero effect"), "{stem}");
    }
    let svg = std::fs::read_to_string(out.join("charts/tornado_response_mean.svg")).unwrap();
    assert!(svg.contains("incidents.per_day"));
    // The console names the inputs and writes the files.
    assert!(stdout.contains("4 input(s) varied by ±20 %"), "{stdout}");
    assert!(stdout.contains("wrote "), "{stdout}");
    let verdicts = rows(&out.join("verdicts.csv"));
    let flipped: usize = all.iter().filter(|r| r["flips"] == "true").count();
    assert_eq!(verdicts.len(), flipped);
}

#[test]
fn bad_flags_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let file = scenario(dir.path());
    for (args, expected) in [
        (
            vec!["--keys", "incidents.per_dai"],
            "--keys: incidents.per_dai is not a numeric input of the scenario; nearest: incidents.per_day",
        ),
        (
            vec!["--rel", "1.5"],
            "--rel must be a number greater than 0 and less than 1, found 1.5",
        ),
        (
            vec!["--strategies", "efficiency"],
            "run at least two strategies (found efficiency)",
        ),
        (
            vec!["--keys", "scenario.days"],
            "no input can be varied: scenario.days (a run setting, not a model input)",
        ),
    ] {
        let out = dir.path().join("o");
        let mut argv: Vec<String> = vec![
            "sensitivity".into(),
            file.display().to_string(),
            "--out".into(),
            out.display().to_string(),
            "-q".into(),
        ];
        argv.extend(args.iter().map(|s| s.to_string()));
        let (status, stdout, stderr) = policesim(&argv);
        assert_eq!(status.code(), Some(1), "{args:?}: {stdout}{stderr}");
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
        assert!(!out.exists(), "nothing is written on an error");
    }
}
