//! Per-area response targets: `[[demand]] target_min` sets the target of the
//! calls of that point, "within target" counts each call against its own
//! target, and every output says so.

use policesim::Scenario;
use policesim::experiment::{self, RunOptions};
use policesim::incidents::parse_replay;

use crate::common::{SCENARIO, policesim, replace_once, write_file};

/// North's calls get a 3-minute target; south's keep the scenario's 15.
fn scenario() -> String {
    replace_once(
        SCENARIO,
        "spread_km = 2.0\nstation = \"north\"",
        "spread_km = 2.0\nstation = \"north\"\ntarget_min = 3.0",
    )
}

/// Six calls after the warm-up (day 1), at the demand points themselves,
/// far apart in time so that nobody waits: four north, two south.
const STREAM: &str = "\
id,call_min,x_km,y_km,kind,on_scene_min,case_min
1,1500,1.0,9.0,general,20,0
2,1700,1.0,9.0,general,20,0
3,1900,1.0,-9.0,general,20,0
4,2100,1.0,9.0,general,20,0
5,2300,1.0,-9.0,general,20,0
6,2500,1.0,9.0,general,20,0
";

#[test]
fn each_call_is_counted_against_its_own_areas_target() {
    let s = Scenario::from_toml(&scenario(), "tiny.toml").unwrap();
    assert!(s.has_area_targets());
    assert_eq!(s.demand_target_min(0), 3.0);
    assert_eq!(s.demand_target_min(1), 15.0);
    let mut opts = RunOptions::from_scenario(&s);
    opts.replications = 1;
    opts.replay = Some(parse_replay(STREAM.as_bytes(), "s.csv", &s).unwrap());
    let out = experiment::run(&s, &opts, &|| {}).unwrap();
    let sum = &out.strategies[0].summary;
    // Every response: turnout 1 min + √2 km × 1.3 at 40 km/h = 3.758 min;
    // over north's 3 minutes, within south's 15.
    let expected = 1.0 + 2f64.sqrt() * 1.3 / 40.0 * 60.0;
    assert!((sum.overall.response_mean_min.unwrap() - expected).abs() < 1e-9);
    assert_eq!(sum.overall.incidents, 6);
    assert!((sum.overall.within_target_pct.unwrap() - 100.0 * 2.0 / 6.0).abs() < 1e-9);
    assert_eq!(sum.per_station[0].within_target_pct, Some(0.0));
    assert_eq!(sum.per_station[1].within_target_pct, Some(100.0));
    assert_eq!(
        sum.per_kind[0].within_target_pct,
        sum.overall.within_target_pct
    );
    assert_eq!(
        sum.per_replication[0].within_target_pct,
        sum.overall.within_target_pct
    );

    // The same calls against the scenario's single 15 minutes: all within.
    let flat = Scenario::from_toml(SCENARIO, "tiny.toml").unwrap();
    assert!(!flat.has_area_targets());
    opts.replay = Some(parse_replay(STREAM.as_bytes(), "s.csv", &flat).unwrap());
    let out = experiment::run(&flat, &opts, &|| {}).unwrap();
    assert_eq!(
        out.strategies[0].summary.overall.within_target_pct,
        Some(100.0)
    );
}

#[test]
fn the_console_and_the_report_say_which_target_applies() {
    let dir = tempfile::tempdir().unwrap();
    let file = write_file(dir.path(), "tiny.toml", &scenario());
    let out = dir.path().join("out");
    let (status, stdout, stderr) = policesim([
        "run".as_ref(),
        file.as_os_str(),
        "--out".as_ref(),
        out.as_os_str(),
        "--quiet".as_ref(),
    ]);
    assert!(status.success(), "{stderr}");
    let phrase = "each call's own area target: 3 min for 50 % of calls (demand[0]); 15 min for 50 % of calls (demand[1])";
    assert!(stdout.contains("<=tgt"), "{stdout}");
    assert!(
        stdout.contains(&format!("<=tgt = within {phrase}.")),
        "{stdout}"
    );
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(
        html.contains("response target each call&#39;s own area target: 3 min")
            || html.contains("response target each call's own area target: 3 min"),
        "report.html does not name the area targets"
    );
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    let areas = &json["run"]["area_targets"];
    assert_eq!(areas[0]["target_min"], 3.0);
    assert_eq!(areas[0]["demand_points"][0], "demand[0]");
    assert_eq!(areas[1]["target_min"], 15.0);
    let cdf = std::fs::read_to_string(out.join("charts/response_cdf.svg")).unwrap();
    assert!(
        cdf.contains("target 3 min (50% of calls)"),
        "no per-area target line"
    );
    assert!(cdf.contains("target 15 min (50% of calls)"));
    let (status, check, _) = policesim(["check".as_ref(), file.as_os_str()]);
    assert!(status.success());
    assert!(check.contains(phrase), "{check}");
}

#[test]
fn a_bad_area_target_names_its_key() {
    let text = replace_once(&scenario(), "target_min = 3.0", "target_min = -1.0");
    let err = Scenario::from_toml(&text, "tiny.toml").unwrap_err();
    assert_eq!(
        err.to_string(),
        "tiny.toml:34: demand[0].target_min: must be a finite number > 0, found -1"
    );
}
