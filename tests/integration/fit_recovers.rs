//! `policesim fit` recovers the parameters of a stream generated with known
//! ones, and the fitted scenario runs as written.

use policesim::Scenario;
use policesim::experiment::{self, RunOptions};
use policesim::fit::durations::Family;
use policesim::fit::write::{Paths, fitted_toml};
use policesim::fit::{self, Call, FitOptions, calls_from_records};
use policesim::incidents::{Generator, StreamModel};
use policesim::scenario::{MIN_PER_DAY, Weekday};

/// Two stations 12 km apart, a peaked hourly and a weekly profile, one
/// kind on scene for a log-normal time and one for an exponential time.
pub const BASE: &str = r#"
[scenario]
name = "known"
days = 20
warmup_days = 0
replications = 1
seed = 42
start_weekday = "wednesday"

[travel]
speed_kmh = 36.0
detour = 1.25
turnout_min = 2.0

[dispatch]
call_processing_min = 1.5
handoff_min = 0.5

[[stations]]
id = "west"
x_km = 0.0
y_km = 0.0
officers = 20
auxiliaries = 20

[[stations]]
id = "east"
x_km = 12.0
y_km = 0.0
officers = 20
auxiliaries = 20

[[demand]]
x_km = 1.0
y_km = 3.0
weight = 3.0
spread_km = 4.0
station = "west"

[[demand]]
x_km = 13.0
y_km = -2.0
weight = 1.0
spread_km = 4.0
station = "east"

[incidents]
per_day = 50.0
hourly = [1, 1, 1, 1, 1, 2, 3, 4, 5, 6, 6, 6, 6, 6, 6, 6, 7, 8, 9, 9, 8, 6, 4, 2]
weekly = [1.0, 1.0, 1.0, 1.1, 1.3, 1.6, 1.2]

[[incidents.kinds]]
name = "general"
share = 0.7
on_scene = { dist = "lognormal", mean = 35.0, sd = 25.0 }

[[incidents.kinds]]
name = "traffic"
share = 0.3
on_scene = { dist = "exponential", mean = 20.0 }

[strategies.per_station]
units = 6
"#;

/// The generated stream of `days` days as log calls (no observed times).
fn generated(s: &Scenario, days: f64) -> Vec<Call> {
    let model = StreamModel::new(s);
    Generator::new(s, &model, 7, 0, days * MIN_PER_DAY)
        .map(|inc| Call {
            call_min: inc.call_min,
            pos: inc.pos,
            kind: inc.kind as usize,
            station: Some(inc.station as usize),
            dispatch_min: None,
            arrive_min: None,
            clear_min: None,
            on_scene_min: Some(inc.on_scene_min),
        })
        .collect()
}

#[test]
fn fit_recovers_rate_profiles_shares_and_durations() {
    let s = Scenario::from_toml(BASE, "known.toml").unwrap();
    let days = 364.0;
    let calls = generated(&s, days);
    let f = fit::fit(
        &s,
        &calls,
        Weekday::Wednesday,
        Some(364),
        &FitOptions::default(),
    )
    .unwrap();
    let a = &f.arrivals;
    assert_eq!(a.days, 364);
    // per_day: 18 200 calls expected, Poisson sd 0.74 %.
    assert!((a.per_day - 50.0).abs() < 0.03 * 50.0, "{}", a.per_day);
    // Hourly percent: hour h has 364 × 50 × w_h / 134 calls; allow 4 sd.
    let hourly = [
        1., 1., 1., 1., 1., 2., 3., 4., 5., 6., 6., 6., 6., 6., 6., 6., 7., 8., 9., 9., 8., 6., 4.,
        2.,
    ];
    let total: f64 = hourly.iter().sum();
    for (h, w) in hourly.iter().enumerate() {
        let p = w / total;
        let sd = 100.0 * (p * (1.0 - p) / a.n as f64).sqrt();
        assert!(
            (a.hourly[h] - 100.0 * p).abs() < 4.0 * sd,
            "hour {h}: {} vs {}",
            a.hourly[h],
            100.0 * p
        );
    }
    // Weekly factors, mean 1: each weekday has 52 days, ~2 600 calls, 2 % sd.
    let weekly = [1.0, 1.0, 1.0, 1.1, 1.3, 1.6, 1.2];
    let wsum: f64 = weekly.iter().sum();
    for (d, w) in weekly.iter().enumerate() {
        let truth = 7.0 * w / wsum;
        assert!(
            (a.weekly[d] - truth).abs() < 4.0 * 0.02 * truth,
            "weekday {d}: {} vs {truth}",
            a.weekly[d]
        );
    }
    // The fitted rate passes Kim & Whitt's test.
    assert!(
        !a.uniform_test.rejected(),
        "fitted rate rejected: {:?}",
        a.uniform_test
    );
    // A flat rate on this peaked stream is rejected beyond doubt.
    let times: Vec<f64> = calls.iter().map(|c| c.call_min).collect();
    let flat = fit::arrivals::conditional_uniform_test(
        &times,
        Weekday::Wednesday,
        364,
        &[100.0 / 24.0; 24],
        &[1.0; 7],
    );
    assert!(flat.p_value < 1e-6, "{flat:?}");
    assert!(flat.d > 0.05, "{flat:?}");
    // Shares: 0.7 of 18 200 calls, sd 0.34 %.
    assert!(
        (f.kinds[0].share - 0.7).abs() < 0.015,
        "{}",
        f.kinds[0].share
    );
    // Durations: the family and the mean (5 %).
    let general = f.kinds[0].on_scene.as_ref().unwrap();
    assert_eq!(general.best().fitted.family(), Family::Lognormal);
    let (m, sd) = general.best().fitted.mean_sd();
    assert!((m - 35.0).abs() < 0.05 * 35.0, "{m}");
    assert!((sd - 25.0).abs() < 0.1 * 25.0, "{sd}");
    let traffic = f.kinds[1].on_scene.as_ref().unwrap();
    let family = traffic.best().fitted.family();
    assert_ne!(family, Family::Lognormal);
    // Exponential data: the exponential, or a gamma / Weibull of shape ≈ 1
    // (one more parameter buys them little AIC).
    let exp = traffic
        .candidates
        .iter()
        .find(|c| c.fitted.family() == Family::Exponential)
        .unwrap();
    assert!(
        exp.aic <= traffic.best().aic + 2.0,
        "{:?}",
        traffic.candidates
    );
    let (m, _) = traffic.best().fitted.mean_sd();
    assert!((m - 20.0).abs() < 0.05 * 20.0, "{m}");
    // Demand: the calls' mean position is the weighted mean of the points
    // (3 × (1, 3) + (13, −2)) / 4 = (4, 1.75), sd of the mean ≈ 0.04 km.
    let n: usize = f.demand.iter().map(|c| c.n).sum();
    assert_eq!(n, calls.len());
    let mx = f
        .demand
        .iter()
        .map(|c| c.pos.x_km * c.n as f64)
        .sum::<f64>()
        / n as f64;
    let my = f
        .demand
        .iter()
        .map(|c| c.pos.y_km * c.n as f64)
        .sum::<f64>()
        / n as f64;
    assert!(
        (mx - 4.0).abs() < 0.3 && (my - 1.75).abs() < 0.3,
        "{mx} {my}"
    );
    // Every cell near the west point is the west station's.
    for c in &f.demand {
        let (st, _) = c.station.unwrap();
        let near_west = c.pos.distance_km(s.demand[0].pos) < 3.0;
        if near_west {
            assert_eq!(st, 0, "{c:?}");
        }
    }
}

#[test]
fn observed_delays_give_call_processing_turnout_and_speed() {
    let s = Scenario::from_toml(BASE, "known.toml").unwrap();
    let mut opts = RunOptions::from_scenario(&s);
    opts.days = 60.0;
    opts.per_incident = true;
    let out = experiment::run(&s, &opts, &|| {}).unwrap();
    let calls = calls_from_records(&out.strategies[0].records[0]);
    let f = fit::fit(&s, &calls, Weekday::Wednesday, None, &FitOptions::default()).unwrap();
    // Six units per station for ~2 calls an hour: almost nobody waits, so
    // call → dispatch is the ready delay 1.5 + 0.5 for most calls.
    let d = f.call_to_dispatch.unwrap();
    assert!((d.median - 2.0).abs() < 1e-9, "{d:?}");
    // Travel from the station: 2 + 1.25 × km / 36 × 60 = 2 + 2.0833 km.
    let t = f.travel.unwrap();
    assert!((t.min_per_km - 1.25 / 36.0 * 60.0).abs() < 0.02, "{t:?}");
    assert!((t.intercept_min - 2.0).abs() < 0.1, "{t:?}");
    assert!((t.speed_kmh - 36.0).abs() < 0.5, "{t:?}");
    let dir = tempfile::tempdir().unwrap();
    let out_path = dir.path().join("fitted.toml");
    let text = fitted_toml(
        BASE,
        &s,
        &f,
        &FitOptions::default(),
        &Paths {
            base: std::path::Path::new("known.toml"),
            out: &out_path,
            log: "log.csv",
        },
    )
    .unwrap();
    let fitted = Scenario::from_toml(&text, &out_path.display().to_string()).unwrap();
    assert!((fitted.call_processing_min - 1.5).abs() < 1e-9, "{text}");
    let policesim::map::TravelModel::Euclidean {
        speed_kmh,
        turnout_min,
        detour,
    } = fitted.travel
    else {
        panic!("straight-line travel")
    };
    assert_eq!(detour, 1.25);
    assert!((speed_kmh - 36.0).abs() < 0.5 && (turnout_min - 2.0).abs() < 0.1);
    assert!(
        text.contains("# estimate: robust (Theil–Sen) line of"),
        "{text}"
    );
}

#[test]
fn the_fitted_scenario_runs_as_written_with_its_comments() {
    let s = Scenario::from_toml(BASE, "known.toml").unwrap();
    let calls = generated(&s, 60.0);
    for empirical in [false, true] {
        let opts = FitOptions {
            cell_km: 2.0,
            empirical,
        };
        let f = fit::fit(&s, &calls, Weekday::Wednesday, None, &opts).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let out_path = dir.path().join("fitted.toml");
        let text = fitted_toml(
            BASE,
            &s,
            &f,
            &opts,
            &Paths {
                base: std::path::Path::new("known.toml"),
                out: &out_path,
                log: "log.csv",
            },
        )
        .unwrap();
        let fitted = Scenario::from_toml(&text, &out_path.display().to_string())
            .unwrap_or_else(|e| panic!("{e}\n{text}"));
        assert_eq!(fitted.name, "known-fitted");
        assert_eq!(fitted.start_weekday, Weekday::Wednesday);
        assert_eq!(fitted.demand.len(), f.demand.len());
        assert!((fitted.incidents.per_day - f.arrivals.per_day).abs() < 1e-3);
        // Every fitted number says where it came from.
        for needle in [
            "# fitted: ",
            "calls over 60 days; maximum likelihood",
            "Kim & Whitt conditional-uniform KS test",
            "demand points, one per 2 km grid cell",
            "of the cell's",
        ] {
            assert!(text.contains(needle), "{needle:?} missing:\n{text}");
        }
        if empirical {
            assert!(text.contains("dist = \"empirical\""), "{text}");
        } else {
            assert!(
                text.contains("dist = \"lognormal\"") && text.contains("chosen by AIC"),
                "{text}"
            );
        }
        // Calls, stations, demand: all usable for a run.
        let mut run = RunOptions::from_scenario(&fitted);
        run.days = 10.0;
        let out = experiment::run(&fitted, &run, &|| {}).unwrap();
        let calls_run = out.strategies[0].summary.overall.incidents;
        // 10 days at the fitted ~50 a day (weekly-weighted).
        assert!((300..=700).contains(&calls_run), "{calls_run}");
    }
}

#[test]
fn the_fit_command_writes_a_scenario_that_runs_and_its_report() {
    use crate::common::{policesim, write_file};
    let dir = tempfile::tempdir().unwrap();
    let base = write_file(dir.path(), "known.toml", BASE);
    let log = dir.path().join("log.csv");
    let (ok, _, err) = policesim([
        "generate".as_ref(),
        base.as_os_str(),
        "--days".as_ref(),
        "30".as_ref(),
        "--out".as_ref(),
        log.as_os_str(),
    ]);
    assert!(ok.success(), "{err}");
    let fitted = dir.path().join("sub").join("fitted.toml");
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    let (ok, out, err) = policesim([
        "fit".as_ref(),
        log.as_os_str(),
        "--scenario".as_ref(),
        base.as_os_str(),
        "--out".as_ref(),
        fitted.as_os_str(),
        "--cell-km".as_ref(),
        "3".as_ref(),
    ]);
    assert!(ok.success(), "{err}");
    // The per-kind table marks the choice; the test of the rate is printed.
    assert!(
        out.contains("Kim & Whitt conditional-uniform KS test"),
        "{out}"
    );
    assert!(out.contains("* lognormal"), "{out}");
    assert!(out.contains("kind traffic:"), "{out}");
    let text = std::fs::read_to_string(&fitted).unwrap();
    assert!(text.contains("one per 3 km grid cell"), "{text}");
    assert!(text.contains("(the log's on-scene minutes)"), "{text}");
    let html = std::fs::read_to_string(dir.path().join("sub").join("fitted.fit.html")).unwrap();
    // The rate chart and one histogram per kind.
    assert_eq!(html.matches("<svg").count(), 3, "{html}");
    assert!(!dir.path().join("sub").join("fitted.toml.partial").exists());
    let run_dir = dir.path().join("run");
    let (ok, _, err) = policesim([
        "run".as_ref(),
        fitted.as_os_str(),
        "--days".as_ref(),
        "5".as_ref(),
        "--replications".as_ref(),
        "1".as_ref(),
        "--no-charts".as_ref(),
        "--quiet".as_ref(),
        "--out".as_ref(),
        run_dir.as_os_str(),
    ]);
    assert!(ok.success(), "{err}");
    // A bad cell size is an error naming the flag, and writes nothing.
    let other = dir.path().join("other.toml");
    let (ok, _, err) = policesim([
        "fit".as_ref(),
        log.as_os_str(),
        "--scenario".as_ref(),
        base.as_os_str(),
        "--out".as_ref(),
        other.as_os_str(),
        "--cell-km".as_ref(),
        "0".as_ref(),
    ]);
    assert!(!ok.success());
    assert!(
        err.contains("--cell-km must be a positive number, found 0"),
        "{err}"
    );
    assert!(!other.exists());
}

#[test]
fn a_generated_cad_log_reads_back_and_fits_delays_and_travel() {
    use crate::common::{policesim, write_file};
    let dir = tempfile::tempdir().unwrap();
    let with_replay = format!(
        "{BASE}\n[replay]\ncolumns = {{ id = \"编号\", time = \"报警时间\", x_km = \"东\", y_km = \"北\", kind = \"类别\", station = \"派出所\", dispatch = \"派警时间\", arrive = \"到达时间\", clear = \"结束时间\" }}\nkinds = {{ \"一般\" = \"general\", \"交通事故\" = \"traffic\" }}\nstart = \"2024-01-03 00:00\"\nencoding = \"gb18030\"\n"
    );
    let base = write_file(dir.path(), "known.toml", &with_replay);
    let log = dir.path().join("log.csv");
    let (ok, _, err) = policesim([
        "generate".as_ref(),
        base.as_os_str(),
        "--days".as_ref(),
        "40".as_ref(),
        "--log".as_ref(),
        log.as_os_str(),
    ]);
    assert!(ok.success(), "{err}");
    // GB 18030 bytes with the [replay] headers, text ids and timestamps.
    let bytes = std::fs::read(&log).unwrap();
    let (text, _, bad) = encoding_rs::GB18030.decode(&bytes);
    assert!(!bad);
    let mut lines = text.lines();
    assert_eq!(
        lines.next().unwrap(),
        "编号,报警时间,东,北,类别,派出所,派警时间,到达时间,结束时间"
    );
    let first: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert!(first[0].starts_with("J20240103"), "{first:?}");
    assert!(first[1].starts_with("2024-01-03 "), "{first:?}");
    assert!(["一般", "交通事故"].contains(&first[4]), "{first:?}");
    let fitted = dir.path().join("fitted.toml");
    let (ok, out, err) = policesim([
        "fit".as_ref(),
        log.as_os_str(),
        "--scenario".as_ref(),
        base.as_os_str(),
        "--out".as_ref(),
        fitted.as_os_str(),
    ]);
    assert!(ok.success(), "{err}");
    assert!(out.contains("arrivals: "), "{out}");
    let s = Scenario::load(&fitted).unwrap();
    // Six units a station: call → dispatch is the 1.5 + 0.5 min ready delay
    // for most calls; travel is 2 + 1.25 km / 36 km/h.
    assert!(
        (s.call_processing_min - 1.5).abs() < 0.02,
        "{}",
        s.call_processing_min
    );
    let policesim::map::TravelModel::Euclidean {
        speed_kmh,
        turnout_min,
        ..
    } = s.travel
    else {
        panic!("straight-line travel")
    };
    assert!((speed_kmh - 36.0).abs() < 0.5, "{speed_kmh}");
    assert!((turnout_min - 2.0).abs() < 0.1, "{turnout_min}");
    assert_eq!(s.start_weekday, Weekday::Wednesday);
    // The traffic kind's on-scene times are clear − arrive of one unit.
    let text = std::fs::read_to_string(&fitted).unwrap();
    assert!(text.contains("times (clear − arrive)"), "{text}");
}

/// On the shipped 110 log: a kind that needs several units is fitted from
/// clear − arrive with a caution that it overstates each unit's time (it
/// includes the wait for the rest of the force), and `--set` changes the
/// base before the fit, so the fitted file carries the change.
#[test]
fn multi_unit_kinds_carry_a_caution_and_set_reaches_the_fitted_file() {
    use crate::common::policesim;
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    let fitted = dir.path().join("fitted.toml");
    let (ok, out, err) = policesim([
        "fit".as_ref(),
        root.join("scenarios/data/huimin_110_log.csv").as_os_str(),
        "--scenario".as_ref(),
        root.join("scenarios/huimin_log.toml").as_os_str(),
        "--out".as_ref(),
        fitted.as_os_str(),
        "--set".as_ref(),
        "scenario.target_min=20".as_ref(),
    ]);
    assert!(ok.success(), "{err}");
    // The console: one note, under the major kind (3 units), none for the
    // one-unit kinds.
    assert_eq!(out.matches("  note: ").count(), 1, "{out}");
    let major = out.find("kind major:").expect("major kind printed");
    let traffic = out.find("kind traffic:").expect("traffic kind printed");
    let note = out
        .find("  note: major needs 3 units: the log's clear − arrive runs from the first unit's arrival")
        .expect("the caution is printed");
    assert!(major < note && note < traffic, "{out}");
    // The fitted file: the caution right above major's on_scene.
    let text = std::fs::read_to_string(&fitted).unwrap();
    let caution = text
        .find("# caution: major needs 3 units")
        .expect("caution in the fitted file");
    let rest = &text[caution..];
    let next_key = rest
        .lines()
        .find(|l| !l.starts_with('#'))
        .expect("a key after the caution");
    assert!(next_key.starts_with("on_scene = "), "{next_key}");
    assert_eq!(text.matches("# caution:").count(), 2, "two lines, one kind");
    // `--set` reached the fitted file, and the file runs as it is.
    let s = Scenario::load(&fitted).unwrap();
    assert_eq!(s.target_min, 20.0);
    let html = std::fs::read_to_string(dir.path().join("fitted.fit.html")).unwrap();
    assert!(
        html.contains("Note: major needs 3 units"),
        "no note in the report"
    );
}
