//! Backtest: a log made by the simulation's own rules is reproduced; the
//! binary writes `backtest.csv` with the issue's columns, the chart and the
//! report section, and prints the overall rows.
//!
//! The log is made by running `per_station` on a generated stream (call
//! times rounded to whole seconds), then writing what the simulation did as
//! a 110 export: text ids, timestamps with milliseconds, township station
//! names. Replaying it with on-scene = clear − arrive must give back every
//! observed time, so every row's difference is zero up to the milliseconds
//! the timestamps were rounded to.

use std::fmt::Write as _;

use policesim::Scenario;
use policesim::backtest::{BACKTEST_COLUMNS, backtest};
use policesim::calllog::parse_log;
use policesim::experiment::{self, RunOptions};
use policesim::incidents::{Generator, ReplayIncident, StreamModel};

use crate::common::{policesim, write_file};

/// Two stations 12 km apart (named after two Huimin townships), one unit
/// each, single-unit kinds without escalation or case handling, call
/// processing and turnout: every observed time follows from the call, the
/// position and the on-scene time.
const SCENARIO: &str = r#"[scenario]
name = "exact"
days = 7.0
warmup_days = 0.0
replications = 1
seed = 11
[travel]
speed_kmh = 40.0
detour = 1.3
turnout_min = 1.5
[dispatch]
call_processing_min = 2.0
[[stations]]
id = "hefang"
name = "何坊街道"
x_km = 0.0
y_km = 0.0
officers = 4
auxiliaries = 8
[[stations]]
id = "shimiao"
name = "石庙镇"
x_km = 12.0
y_km = 0.0
officers = 4
auxiliaries = 8
[[demand]]
x_km = 1.0
y_km = 2.0
weight = 2.0
spread_km = 3.0
[[demand]]
x_km = 11.0
y_km = -1.0
weight = 1.0
spread_km = 3.0
[incidents]
per_day = 24.0
[[incidents.kinds]]
name = "general"
share = 0.7
on_scene = { dist = "exponential", mean = 40.0 }
[[incidents.kinds]]
name = "traffic"
share = 0.3
on_scene = { dist = "exponential", mean = 25.0 }
[strategies.per_station]
units = 1
[replay]
columns = { id = "接警编号", time = "报警时间", kind = "警情类别", x_km = "x", y_km = "y", station = "管辖单位", dispatch = "派警时间", arrive = "到达时间", clear = "结束时间" }
kinds = { "交通事故" = "traffic", "治安" = "general" }
"#;

/// Minute `m` after 2023-05-01 00:00, to the millisecond.
fn stamp(m: f64) -> String {
    let start = chrono::NaiveDate::from_ymd_opt(2023, 5, 1)
        .unwrap()
        .and_hms_opt(0, 0, 0)
        .unwrap();
    let t = start + chrono::Duration::milliseconds((m * 60_000.0).round() as i64);
    t.format("%Y-%m-%d %H:%M:%S%.3f").to_string()
}

/// The log the simulation makes of a week, in 110-export form.
fn make_log(s: &Scenario) -> String {
    let model = StreamModel::new(s);
    let rows: Vec<ReplayIncident> = Generator::new(s, &model, 5, 0, 7.0 * 1440.0)
        .map(|inc| ReplayIncident {
            id: inc.id,
            // Whole seconds, computed as the reader computes minutes.
            call_min: ((inc.call_min * 60.0).round() * 1000.0) / 60_000.0,
            pos: inc.pos,
            kind: inc.kind,
            station: inc.station,
            demand: inc.demand,
            on_scene_min: Some(inc.on_scene_min),
            case_min: Some(0.0),
        })
        .collect();
    let mut opts = RunOptions::from_scenario(s);
    opts.replay = Some(rows.clone());
    opts.per_incident = true;
    let mut out = experiment::run(s, &opts, &|| {}).unwrap();
    let mut recs = out.strategies.remove(0).records.remove(0);
    recs.sort_by_key(|r| r.id);
    assert!(recs.len() > 120, "{} incidents", recs.len());
    let mut log =
        String::from("接警编号,报警时间,警情类别,x,y,管辖单位,派警时间,到达时间,结束时间\r\n");
    for r in &recs {
        let kind = if r.kind == 1 {
            "交通事故"
        } else {
            "治安"
        };
        let _ = write!(
            log,
            "HM{:06},{},{kind},{},{},{},{},{},{}\r\n",
            r.id,
            stamp(r.call_min),
            r.pos.x_km,
            r.pos.y_km,
            s.stations[r.station as usize].name,
            stamp(r.dispatch_min),
            stamp(r.arrive_min),
            stamp(r.clear_min),
        );
    }
    log
}

#[test]
fn a_log_made_by_the_same_rules_is_reproduced() {
    let s = Scenario::from_toml(SCENARIO, "exact.toml").unwrap();
    let text = make_log(&s);
    let log = parse_log(text.as_bytes(), "log.csv", &s, s.replay.as_ref().unwrap()).unwrap();
    assert!(log.rejected.is_empty(), "{:?}", log.rejected);
    let mut opts = RunOptions::from_scenario(&s);
    opts.replay = Some(log.incidents());
    opts.per_incident = true;
    let out = experiment::run(&s, &opts, &|| {}).unwrap();
    let b = backtest(
        &s,
        "per_station",
        "log.csv",
        &log.records,
        &out.strategies[0].records,
        0.0,
        7.0 * 1440.0,
    );
    // overall + 2 stations + the hours with calls, 3 measures each.
    assert!(b.rows.len() >= 3 * 3 + 3 * 20, "{}", b.rows.len());
    let overall = &b.rows[0];
    assert_eq!(
        (overall.scope.as_str(), overall.measure.as_str()),
        ("overall", "response")
    );
    assert_eq!(overall.observed_n as usize, log.records.len());
    // Timestamps carry milliseconds: observed and simulated agree to well
    // under a tenth of a second on every scope and measure.
    let tol = 1e-3;
    for r in &b.rows {
        let pairs = [
            (r.observed_mean_min, r.simulated_mean_min),
            (r.observed_p50_min, r.simulated_p50_min),
            (r.observed_p90_min, r.simulated_p90_min),
        ];
        for (o, sim) in pairs {
            let (o, sim) = (o.unwrap(), sim.unwrap());
            assert!((o - sim).abs() < tol, "{r:?}");
        }
        assert!(r.difference_mean_min.unwrap().abs() < tol, "{r:?}");
        assert!(!r.flagged(), "{r:?}");
    }
    // Call to dispatch is at least the 2-minute call processing, and travel
    // at least the turnout.
    let row = |scope: &str, m: &str| {
        b.rows
            .iter()
            .find(|r| r.scope == scope && r.measure == m)
            .unwrap()
    };
    assert!(row("overall", "call_to_dispatch").observed_p50_min.unwrap() >= 2.0);
    assert!(row("overall", "travel").observed_p50_min.unwrap() >= 1.5);
    let st: u64 = ["station:hefang", "station:shimiao"]
        .iter()
        .map(|sc| row(sc, "response").observed_n)
        .sum();
    assert_eq!(st, overall.observed_n);
    assert_eq!(b.curves[0].scope, "overall");
    assert_eq!(b.curves.len(), 3);
}

#[test]
fn the_binary_writes_backtest_csv_chart_and_report() {
    let s = Scenario::from_toml(SCENARIO, "exact.toml").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let scenario = write_file(dir.path(), "exact.toml", SCENARIO);
    let log = write_file(dir.path(), "log.csv", &make_log(&s));
    let out = dir.path().join("out");
    let (status, stdout, err) = policesim([
        "run".as_ref(),
        scenario.as_os_str(),
        "--incidents".as_ref(),
        log.as_os_str(),
        "--out".as_ref(),
        out.as_os_str(),
        "-q".as_ref(),
    ]);
    assert!(status.success(), "{err}");
    let csv = std::fs::read_to_string(out.join("backtest.csv")).unwrap();
    assert_eq!(csv.lines().next().unwrap(), BACKTEST_COLUMNS.join(","));
    assert!(
        csv.lines().nth(1).unwrap().starts_with("overall,response,"),
        "{csv}"
    );
    assert!(csv.contains("\nstation:shimiao,travel,"), "{csv}");
    assert!(
        csv.contains("\nhour:23,call_to_dispatch,") || csv.contains("\nhour:0,"),
        "{csv}"
    );
    // The console prints the overall rows.
    assert!(
        stdout.contains("Backtest of per_station against"),
        "{stdout}"
    );
    for m in ["response", "call_to_dispatch", "travel"] {
        assert!(
            stdout.lines().any(|l| l.trim_start().starts_with(m)),
            "{m}: {stdout}"
        );
    }
    let svg = std::fs::read_to_string(out.join("charts/backtest.svg")).unwrap();
    assert!(svg.contains("observed"), "no legend");
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("id=\"backtest\""));
    assert!(html.contains("station:shimiao") || html.contains("石庙镇"));
    // incidents.csv only when asked for.
    assert!(!out.join("incidents.csv").exists());
}
