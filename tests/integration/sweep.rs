//! `policesim sweep` and `merge`: three shards merge into files
//! byte-identical to the unsharded sweep, merge refuses parts of other
//! plans, missing and duplicate shards, `--vary` and `--shard` mistakes are
//! errors naming the argument, and a point whose value is the file's own
//! gives exactly the rows of a plain run with the same seed.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use policesim::Scenario;
use policesim::experiment::{self, RunOptions};
use policesim::report::summary_csv_rows;
use policesim::scenario::overrides::Override;
use policesim::sweep::{Settings, Shard, Sweep, SweepPart, Vary};

use crate::common::{SCENARIO, policesim, write_file};

/// [`SCENARIO`] with a second strategy, so each point has two rows.
fn scenario() -> String {
    format!("{SCENARIO}\n[strategies.efficiency]\nunits = 5\nposts = [\"north\", \"south\"]\n")
}

/// The grid of the tests: 2 × 2 = 4 points, so 3 shards hold 2, 1 and 1.
const VARY: [&str; 4] = [
    "--vary",
    "incidents.per_day=15,25.5",
    "--vary",
    "stations[*].units=2,3",
];

/// Runs `policesim sweep FILE VARY... EXTRA... --out OUT -q`, asserting success.
fn sweep(file: &Path, out: &Path, extra: &[&str]) {
    let mut args: Vec<OsString> = vec!["sweep".into(), file.into()];
    args.extend(VARY.iter().map(OsString::from));
    args.extend(extra.iter().map(OsString::from));
    args.extend(["--out".into(), out.into(), "-q".into()]);
    let (status, _, err) = policesim(args);
    assert!(status.success(), "sweep failed: {err}");
}

/// Runs `policesim merge PARTS... --out OUT`: `(success, stderr)`.
fn merge(parts: &[&Path], out: &Path) -> (bool, String) {
    let mut args: Vec<OsString> = vec!["merge".into()];
    args.extend(parts.iter().map(OsString::from));
    args.extend(["--out".into(), out.into()]);
    let (status, _, err) = policesim(args);
    assert!(!err.contains("panicked"), "{err}");
    (status.success(), err)
}

/// Every file of `dir` (relative path → bytes), the folder marker left out.
fn files(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    crate::common::files_below(dir)
        .into_iter()
        .filter(|(p, _)| !p.to_string_lossy().starts_with('.'))
        .collect()
}

fn plan_hash(part_dir: &Path) -> String {
    let text = std::fs::read_to_string(part_dir.join("sweep-part.json")).unwrap();
    let part: SweepPart = serde_json::from_str(&text).unwrap();
    part.plan.hash
}

#[test]
fn three_shards_merge_byte_identical_to_the_unsharded_sweep() {
    let dir = tempfile::tempdir().unwrap();
    let file = write_file(dir.path(), "tiny.toml", &scenario());
    let whole = dir.path().join("whole");
    sweep(&file, &whole, &["--replications", "2", "--threads", "2"]);
    let parts: Vec<PathBuf> = (1..=3)
        .map(|k| dir.path().join(format!("part{k}")))
        .collect();
    for (k, p) in parts.iter().enumerate() {
        let shard = format!("{}/3", k + 1);
        sweep(
            &file,
            p,
            &["--replications", "2", "--shard", &shard, "--threads", "1"],
        );
        assert!(p.join("sweep-part.json").is_file());
        assert!(
            !p.join("sweep.csv").exists(),
            "a shard writes only its part"
        );
    }
    let merged = dir.path().join("merged");
    // Any order of the parts.
    let (ok, err) = merge(&[&parts[2], &parts[0], &parts[1]], &merged);
    assert!(ok, "merge failed: {err}");

    let a = files(&whole);
    let b = files(&merged);
    let names: Vec<&Path> = a.iter().map(|(p, _)| p.as_path()).collect();
    assert!(names.contains(&Path::new("sweep.csv")));
    assert!(names.contains(&Path::new("sweep.json")));
    // 2 keys × 3 headline metrics.
    assert_eq!(names.iter().filter(|p| p.starts_with("charts")).count(), 6);
    assert_eq!(
        names,
        b.iter().map(|(p, _)| p.as_path()).collect::<Vec<_>>()
    );
    for ((name, x), (_, y)) in a.iter().zip(&b) {
        assert!(
            x == y,
            "{} differs between the sweep and the merge",
            name.display()
        );
    }

    // With two keys varied, each chart holds the other key at its first
    // value and says so.
    let chart = |name: &str| {
        let (_, bytes) = a.iter().find(|(p, _)| p == Path::new(name)).unwrap();
        String::from_utf8(bytes.clone()).unwrap()
    };
    let svg = chart("charts/2-stations_.units-within_target_pct.svg");
    assert!(
        svg.contains("within target (%) against stations[*].units with incidents.per_day=15"),
        "title not found"
    );
    let svg = chart("charts/1-incidents.per_day-response_mean_min.svg");
    assert!(svg.contains("against incidents.per_day with stations[*].units=2"));
    assert!(svg.contains("per_station") && svg.contains("efficiency"));

    // The table: 4 points × 2 strategies, row-major over the --vary order.
    let csv = a.iter().find(|(p, _)| p == Path::new("sweep.csv")).unwrap();
    let csv = String::from_utf8(csv.1.clone()).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert!(
        lines[0].starts_with("point,incidents.per_day,stations[*].units,strategy,replications,"),
        "{}",
        lines[0]
    );
    assert_eq!(
        lines[0].split(',').count(),
        3 + policesim::report::SUMMARY_COLUMNS.len()
    );
    let lead: Vec<String> = lines[1..]
        .iter()
        .map(|l| l.split(',').take(4).collect::<Vec<_>>().join(","))
        .collect();
    assert_eq!(
        lead,
        [
            "0,15,2,per_station",
            "0,15,2,efficiency",
            "1,15,3,per_station",
            "1,15,3,efficiency",
            "2,25.5,2,per_station",
            "2,25.5,2,efficiency",
            "3,25.5,3,per_station",
            "3,25.5,3,efficiency",
        ]
    );
}

#[test]
fn merge_refuses_other_plans_and_missing_or_duplicate_shards() {
    let dir = tempfile::tempdir().unwrap();
    let file = write_file(dir.path(), "tiny.toml", &scenario());
    let p = |name: &str| dir.path().join(name);
    sweep(&file, &p("a1"), &["--shard", "1/2"]);
    sweep(&file, &p("a2"), &["--shard", "2/2"]);
    // Another plan: one more replication.
    sweep(&file, &p("b2"), &["--shard", "2/2", "--replications", "3"]);
    let (ha, hb) = (plan_hash(&p("a1")), plan_hash(&p("b2")));
    assert_ne!(ha, hb);
    assert_eq!(ha, plan_hash(&p("a2")), "shards of one plan share its hash");

    let (ok, err) = merge(&[&p("a1"), &p("b2")], &p("m"));
    assert!(!ok);
    for needle in [
        "different sweeps",
        p("a1").to_str().unwrap(),
        p("b2").to_str().unwrap(),
        &ha,
        &hb,
        "--replications 3",
    ] {
        assert!(err.contains(needle), "{needle:?} not in: {err}");
    }

    let (ok, err) = merge(&[&p("a2")], &p("m"));
    assert!(!ok);
    assert!(err.contains("missing shard(s) 1/2 of 2"), "{err}");

    let copy = p("a1-again");
    std::fs::create_dir(&copy).unwrap();
    std::fs::copy(
        p("a1").join("sweep-part.json"),
        copy.join("sweep-part.json"),
    )
    .unwrap();
    let (ok, err) = merge(&[&p("a1"), &p("a2"), &copy], &p("m"));
    assert!(!ok);
    assert!(
        err.contains(&format!(
            "shard 1/2 is given twice: {} and {}",
            p("a1").display(),
            copy.display()
        )),
        "{err}"
    );

    let (ok, err) = merge(&[&p("a1"), &file], &p("m"));
    assert!(!ok);
    assert!(err.contains("tiny.toml: not a folder"), "{err}");
    let (ok, err) = merge(&[&p("a1"), dir.path()], &p("m"));
    assert!(!ok);
    assert!(err.contains("no sweep-part.json"), "{err}");
    assert!(!p("m").exists(), "a refused merge writes nothing");

    // A part file edited into nonsense is an error, not a crash.
    let bad = p("bad");
    std::fs::create_dir(&bad).unwrap();
    let text = std::fs::read_to_string(p("a1").join("sweep-part.json")).unwrap();
    let edited = text.replacen("\"k\": 1,", "\"k\": 0,", 1);
    assert_ne!(edited, text);
    std::fs::write(bad.join("sweep-part.json"), edited).unwrap();
    let (ok, err) = merge(&[&bad, &p("a2")], &p("m"));
    assert!(!ok);
    assert!(err.contains("names shard 0/2, which is not K/N"), "{err}");

    // Parts cut into different numbers of shards.
    sweep(&file, &p("c1"), &["--shard", "1/3"]);
    let (ok, err) = merge(&[&p("a2"), &p("c1")], &p("m"));
    assert!(!ok);
    assert!(
        err.contains(&format!(
            "{} is shard 2/2 but {} is shard 1/3",
            p("a2").display(),
            p("c1").display()
        )),
        "{err}"
    );
    assert!(!p("m").exists(), "a refused merge writes nothing");

    let (ok, err) = merge(&[&p("a1"), &p("a2")], &p("m"));
    assert!(ok, "{err}");
}

#[test]
fn vary_and_shard_mistakes_name_the_argument() {
    let dir = tempfile::tempdir().unwrap();
    let file = write_file(dir.path(), "tiny.toml", &scenario());
    let out = dir.path().join("out");
    let run = |args: &[&str]| {
        let mut all: Vec<OsString> = vec!["sweep".into(), file.clone().into()];
        all.extend(args.iter().map(OsString::from));
        all.extend(["--out".into(), out.clone().into()]);
        let (status, _, err) = policesim(all);
        assert!(!status.success(), "{args:?} should fail");
        assert!(!err.contains("panicked"), "{err}");
        assert!(!out.exists(), "a refused sweep writes nothing");
        err
    };
    let err = run(&["--vary", "incidents.per_dya=10,20"]);
    assert!(
        err.contains("--vary incidents.per_dya=10,20: unknown key incidents.per_dya; nearest valid keys: incidents.per_day"),
        "{err}"
    );
    let err = run(&["--vary", "stations[*].unit=1,2"]);
    assert!(
        err.contains("nearest valid keys: stations[*].units"),
        "{err}"
    );
    // A value the scenario cannot take names the --vary and the value.
    let err = run(&["--vary", "stations[*].units=2,0"]);
    assert!(
        err.contains("--vary stations[*].units=2,0 (value 0): stations[0].units: a station needs at least 1 duty unit, found 0"),
        "{err}"
    );
    let err = run(&["--vary", "incidents.per_day=10,,20"]);
    assert!(
        err.contains("--vary incidents.per_day=10,,20: an empty value"),
        "{err}"
    );
    let err = run(&["--vary", "incidents.per_day=10,10"]);
    assert!(err.contains("the value 10 is given twice"), "{err}");
    let err = run(&["--vary", "incidents.per_day"]);
    assert!(
        err.contains("--vary incidents.per_day: expected KEY=V1,V2"),
        "{err}"
    );
    let err = run(&[
        "--vary",
        "incidents.per_day=1",
        "--vary",
        "incidents.per_day=2",
    ]);
    assert!(
        err.contains("--vary incidents.per_day is given twice"),
        "{err}"
    );
    // Run settings are checked at every point before any runs.
    let err = run(&["--vary", "incidents.per_day=10,20", "--replications", "0"]);
    assert!(
        err.contains("point 0 (incidents.per_day=10): replications must be at least 1"),
        "{err}"
    );
    let started = std::time::Instant::now();
    let err = run(&[
        "--vary",
        "incidents.per_day=10,20",
        "--days",
        "36000",
        "--replications",
        "1000",
    ]);
    assert!(
        err.contains("point 0 (incidents.per_day=10): the run would take about"),
        "{err}"
    );
    assert!(started.elapsed().as_secs() < 30, "refused before running");
    for (shard, needle) in [
        ("0/3", "--shard 0/3: K must be 1 to 3"),
        ("4/3", "--shard 4/3: K must be 1 to 3"),
        (
            "1/0",
            "--shard 1/0: N, the number of shards, must be at least 1",
        ),
        ("two/3", "--shard two/3: K \"two\" is not a whole number"),
        ("2", "--shard 2: expected K/N"),
    ] {
        let err = run(&["--vary", "incidents.per_day=10,20", "--shard", shard]);
        assert!(err.contains(needle), "{needle:?} not in: {err}");
    }
}

#[test]
fn vary_splits_values_at_top_level_commas_only() {
    let v = Vary::parse(r#"incidents.kinds[general].on_scene={ dist = "fixed", value = 3 },{ dist = "exponential", mean = 30 }"#)
        .unwrap();
    assert_eq!(v.values.len(), 2);
    assert_eq!(v.values[0]["value"].as_integer(), Some(3));
    let v = Vary::parse(r#"scenario.description="a, b",'c,d',e"#).unwrap();
    assert_eq!(
        v.values
            .iter()
            .map(|x| x.as_str().unwrap())
            .collect::<Vec<_>>(),
        ["a, b", "c,d", "e"]
    );
    let v = Vary::parse("incidents.hourly=[1, 2],[3, 4]").unwrap();
    assert_eq!(v.values.len(), 2);
    assert!(
        Vary::parse(r#"scenario.description="a,b"#).is_err(),
        "unclosed quote"
    );
}

/// Common random numbers: a point whose value is the file's own runs the
/// very replications of a plain run with the same seed, row for row; the
/// other points share the seed and replications.
#[test]
fn a_point_at_the_files_value_equals_a_plain_run() {
    let text = scenario();
    let vary = vec![Vary::parse("incidents.per_day=20.0,27").unwrap()];
    let sw = Sweep::new(&text, "tiny.toml", Vec::new(), vary, Settings::default()).unwrap();
    let part = sw.run(Shard::ALL, &|| {}).unwrap();
    assert_eq!(part.points.len(), 2);
    assert!(
        part.points
            .iter()
            .all(|p| p.seed == 7 && p.replications == 2)
    );

    let s = Scenario::from_toml(&text, "tiny.toml").unwrap();
    let plain = experiment::run(&s, &RunOptions::from_scenario(&s), &|| {}).unwrap();
    let plain: Vec<_> = plain.strategies.iter().map(|o| o.summary.clone()).collect();
    let at_file: Vec<_> = part.rows.iter().filter(|r| r.point == 0).collect();
    assert_eq!(at_file.len(), plain.len());
    for (row, summary) in at_file.iter().zip(&plain) {
        assert_eq!(row.values, ["20.0"]);
        assert_eq!(
            summary_csv_rows(std::slice::from_ref(&row.summary)),
            summary_csv_rows(std::slice::from_ref(summary))
        );
        assert_eq!(row.summary.per_replication, summary.per_replication);
        assert_eq!(row.summary.per_station, summary.per_station);
    }
    // The other point is another scenario: its rows differ.
    let other: Vec<_> = part.rows.iter().filter(|r| r.point == 1).collect();
    assert_ne!(
        other[0].summary.overall.incidents,
        at_file[0].summary.overall.incidents
    );

    // The same through the command line: sweep.csv's point-0 rows are
    // summary.csv's rows with the point and value in front.
    let dir = tempfile::tempdir().unwrap();
    let file = write_file(dir.path(), "tiny.toml", &text);
    let (status, _, err) = policesim([
        OsString::from("run"),
        file.clone().into(),
        "--quiet".into(),
        "--no-charts".into(),
        "--out".into(),
        dir.path().join("run").into(),
    ]);
    assert!(status.success(), "{err}");
    let (status, _, err) = policesim([
        OsString::from("sweep"),
        file.into(),
        "--vary".into(),
        "incidents.per_day=20.0,27".into(),
        "-q".into(),
        "--out".into(),
        dir.path().join("sweep").into(),
    ]);
    assert!(status.success(), "{err}");
    let summary = std::fs::read_to_string(dir.path().join("run/summary.csv")).unwrap();
    let swept = std::fs::read_to_string(dir.path().join("sweep/sweep.csv")).unwrap();
    let from_sweep: Vec<String> = swept
        .lines()
        .skip(1)
        .filter_map(|l| l.strip_prefix("0,20.0,").map(str::to_string))
        .collect();
    let from_run: Vec<String> = summary.lines().skip(1).map(str::to_string).collect();
    assert_eq!(from_sweep, from_run);
}

#[test]
fn overrides_of_a_point_must_be_valid_before_anything_runs() {
    // `--set` applies at every point and the plan records it.
    let set = vec![Override::parse("stations[*].units=2").unwrap()];
    let vary = vec![Vary::parse("incidents.per_day=10,12").unwrap()];
    let sw = Sweep::new(&scenario(), "tiny.toml", set, vary, Settings::default()).unwrap();
    assert_eq!(sw.plan().set, ["stations[*].units=2"]);
    assert_eq!(sw.plan().points, 2);
    assert_eq!(sw.values_at(1), ["12"]);
    assert!(sw.check(Shard::ALL).is_ok());
}
