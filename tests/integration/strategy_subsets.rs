//! `run --strategies`: names are trimmed, empty, repeated and unknown names
//! are errors, the selected strategies run in scenario order, the baseline
//! is the scenario's when it runs and otherwise the first that runs — and
//! every output says which — warnings come only from the strategies that
//! run, and each strategy keeps its colour whichever strategies ran with it.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use policesim::report::SummaryFile;

use crate::common::policesim;

/// Huimin: per_station (the baseline), zone_cooperation and efficiency;
/// zone_cooperation and efficiency warn about people on duty over 60 h.
fn huimin() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/huimin.toml")
}

/// Runs Huimin briefly (15 days, 14 of warm-up; 2 replications) with
/// `--strategies LIST` into `dir/out` (without the flag when `list` is
/// `None`); returns `(exit ok, stdout, stderr, out dir)`.
fn run(dir: &Path, list: Option<&str>) -> (bool, String, String, PathBuf) {
    let out = dir.join("out");
    let mut args: Vec<std::ffi::OsString> = vec![
        "run".into(),
        huimin().into(),
        "--days".into(),
        "15".into(),
        "--replications".into(),
        "2".into(),
        "--quiet".into(),
        "--out".into(),
        out.clone().into(),
    ];
    if let Some(list) = list {
        args.push("--strategies".into());
        args.push(list.into());
    }
    let (status, stdout, stderr) = policesim(args);
    (status.success(), stdout, stderr, out)
}

fn summary(out: &Path) -> SummaryFile {
    let text = std::fs::read_to_string(out.join("summary.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn names(s: &SummaryFile) -> Vec<&str> {
    s.strategies.iter().map(|s| s.strategy.as_str()).collect()
}

/// Every `<text>` of an SVG chart.
fn svg_texts(svg: &str) -> Vec<String> {
    let doc = roxmltree::Document::parse(svg).expect("well-formed SVG");
    doc.descendants()
        .filter(|n| n.has_tag_name("text"))
        .map(|n| n.text().unwrap_or("").trim().to_string())
        .collect()
}

/// The fill colours (lowercase `#rrggbb`) of the filled shapes of the
/// response-by-kind chart, which are the strategies' boxes and legend
/// swatches (the background is white).
fn box_fills(out: &Path) -> BTreeSet<String> {
    let svg = std::fs::read_to_string(out.join("charts/response_by_kind.svg")).unwrap();
    let doc = roxmltree::Document::parse(&svg).expect("well-formed SVG");
    doc.descendants()
        .filter(|n| n.has_tag_name("rect"))
        .filter_map(|n| n.attribute("fill"))
        .map(str::to_ascii_lowercase)
        .filter(|f| f.starts_with('#') && f != "#ffffff")
        .collect()
}

/// The swatch colour of `strategy` in report.html's headline table.
fn swatch(out: &Path, strategy: &str) -> String {
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    let cell = format!("</span>{strategy}</td>");
    let end = html
        .find(&cell)
        .unwrap_or_else(|| panic!("no swatch for {strategy}"));
    let start = html[..end].rfind("background:").unwrap() + "background:".len();
    html[start..start + 7].to_ascii_lowercase()
}

#[test]
fn a_subset_without_the_baseline_says_which_baseline_it_used_everywhere() {
    let tmp = tempfile::tempdir().unwrap();
    let (ok, stdout, stderr, out) = run(tmp.path(), Some("efficiency, zone_cooperation"));
    assert!(ok, "the space after the comma is trimmed: {stderr}");
    let s = summary(&out);
    // Scenario order, not the order named.
    assert_eq!(names(&s), ["zone_cooperation", "efficiency"]);
    // per_station did not run: the first strategy that ran stands in.
    assert_eq!(s.run.baseline, "zone_cooperation");
    assert_eq!(s.run.scenario_baseline.as_deref(), Some("per_station"));
    assert!(!s.comparison.is_empty());
    assert!(
        s.comparison
            .iter()
            .all(|c| c.baseline == "zone_cooperation" && c.strategy == "efficiency")
    );
    let csv = std::fs::read_to_string(out.join("comparison.csv")).unwrap();
    let mut rows = csv::Reader::from_reader(csv.as_bytes());
    let column = rows
        .headers()
        .unwrap()
        .iter()
        .position(|h| h == "baseline")
        .unwrap();
    for row in rows.records() {
        assert_eq!(&row.unwrap()[column], "zone_cooperation");
    }
    let said = "zone_cooperation (the scenario's baseline, per_station, was not run)";
    assert!(stdout.contains(&format!("vs {said} (paired")), "{stdout}");
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(
        html.contains(&format!("baseline <b>{said}</b>")),
        "report header"
    );
    assert!(html.contains(&format!("<h3>Against the baseline, {said}</h3>")));
    assert!(!html.contains("baseline <b>per_station</b>"));
    let svg = std::fs::read_to_string(out.join("charts/comparison.svg")).unwrap();
    assert!(
        svg_texts(&svg)
            .iter()
            .any(|t| t.starts_with(&format!("strategy minus {said}"))),
        "comparison chart heading"
    );
}

#[test]
fn one_strategy_alone_says_there_is_nothing_to_compare() {
    let tmp = tempfile::tempdir().unwrap();
    let (ok, stdout, stderr, out) = run(tmp.path(), Some("efficiency"));
    assert!(ok, "{stderr}");
    let s = summary(&out);
    assert_eq!(names(&s), ["efficiency"]);
    assert_eq!(s.run.baseline, "efficiency");
    assert_eq!(s.run.scenario_baseline.as_deref(), Some("per_station"));
    assert!(s.comparison.is_empty());
    let none = "only efficiency was run; nothing to compare";
    assert!(stdout.contains(none), "{stdout}");
    let svg = std::fs::read_to_string(out.join("charts/comparison.svg")).unwrap();
    let texts = svg_texts(&svg);
    assert!(
        texts.iter().any(|t| t == &format!("No data: {none}.")),
        "{texts:?}"
    );
    assert!(!svg.contains("only the baseline was run"));
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("Only efficiency was run; nothing to compare."));
    assert!(html.contains(
        "baseline <b>efficiency (the scenario's baseline, per_station, was not run)</b>"
    ));
}

#[test]
fn the_full_run_keeps_the_scenario_baseline_and_says_nothing_extra() {
    let tmp = tempfile::tempdir().unwrap();
    let (ok, stdout, stderr, out) = run(tmp.path(), None);
    assert!(ok, "{stderr}");
    let s = summary(&out);
    assert_eq!(names(&s), ["per_station", "zone_cooperation", "efficiency"]);
    assert_eq!(s.run.baseline, "per_station");
    assert_eq!(s.run.scenario_baseline, None);
    let json = std::fs::read_to_string(out.join("summary.json")).unwrap();
    assert!(!json.contains("scenario_baseline"));
    assert!(stdout.contains("vs per_station (paired"), "{stdout}");
    assert!(!stdout.contains("was not run"));
    assert!(!stdout.contains("nothing to compare"));
}

#[test]
fn colours_follow_the_strategy_not_its_position() {
    let tmp = tempfile::tempdir().unwrap();
    let (ok, _, stderr, full) = run(&tmp.path().join("full"), None);
    assert!(ok, "{stderr}");
    let (ok, _, stderr, alone) = run(&tmp.path().join("alone"), Some("efficiency"));
    assert!(ok, "{stderr}");
    // Okabe-Ito: per_station blue, zone_cooperation vermillion, efficiency
    // bluish green.
    let (blue, vermillion, green) = ("#0072b2", "#d55e00", "#009e73");
    let full_fills = box_fills(&full);
    for c in [blue, vermillion, green] {
        assert!(full_fills.contains(c), "{c} in {full_fills:?}");
    }
    let alone_fills = box_fills(&alone);
    assert!(alone_fills.contains(green), "{alone_fills:?}");
    assert!(
        !alone_fills.contains(blue),
        "efficiency alone is not drawn in per_station's blue: {alone_fills:?}"
    );
    assert_eq!(swatch(&full, "efficiency"), green);
    assert_eq!(swatch(&alone, "efficiency"), green);
    assert_eq!(swatch(&full, "per_station"), blue);
    assert_eq!(swatch(&full, "zone_cooperation"), vermillion);
}

#[test]
fn warnings_come_only_from_the_strategies_that_run() {
    let tmp = tempfile::tempdir().unwrap();
    let (ok, _, stderr, _) = run(tmp.path(), Some("efficiency"));
    assert!(ok, "{stderr}");
    assert!(
        stderr.contains("strategies.efficiency: people on duty more than 60 h"),
        "{stderr}"
    );
    assert!(!stderr.contains("zone_cooperation"), "{stderr}");
    let (ok, _, stderr, _) = run(&tmp.path().join("b"), Some("per_station"));
    assert!(ok, "{stderr}");
    assert!(!stderr.contains("warning"), "{stderr}");
    // `check` describes every strategy, so it shows every warning.
    let (status, _, stderr) = policesim(["check".as_ref(), huimin().as_os_str()]);
    assert!(status.success());
    assert!(stderr.contains("strategies.zone_cooperation: people on duty"));
    assert!(stderr.contains("strategies.efficiency: people on duty"));
}

#[test]
fn empty_repeated_and_unknown_names_are_errors_before_any_work() {
    let tmp = tempfile::tempdir().unwrap();
    let cases = [
        (
            "per_station,per_station",
            "error: --strategies: \"per_station\" is named twice; name each strategy once",
        ),
        (
            "per_station, per_station ",
            "error: --strategies: \"per_station\" is named twice",
        ),
        (
            "per_station,",
            "error: --strategies: empty strategy name in \"per_station,\" (known: per_station, zone_cooperation, efficiency)",
        ),
        (" ", "error: --strategies: empty strategy name"),
        (
            "per_station,effciency",
            "error: --strategies: unknown strategy \"effciency\" (known: per_station, zone_cooperation, efficiency)",
        ),
    ];
    for (i, (list, want)) in cases.iter().enumerate() {
        let (ok, stdout, stderr, out) = run(&tmp.path().join(i.to_string()), Some(list));
        assert!(!ok, "--strategies {list:?} should fail");
        assert!(stderr.contains(want), "--strategies {list:?}: {stderr}");
        assert_eq!(stderr.lines().filter(|l| l.starts_with("error")).count(), 1);
        assert!(stdout.is_empty(), "{stdout}");
        assert!(!out.exists(), "nothing written for {list:?}");
        // Refused before the scenario's warnings are printed.
        assert!(!stderr.contains("warning"), "{stderr}");
    }
}
