//! Charts and the HTML report: every file, well-formed, with the right data,
//! self-contained, and redrawn identically from `summary.json`.

use std::path::Path;
use std::process::Command;

use policesim::Scenario;
use policesim::experiment::{self, RunOptions};
use policesim::incidents::parse_replay;
use policesim::report::charts::CHARTS;
use policesim::report::{ChartOptions, write_outputs};

fn policesim(dir: &Path, args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_policesim"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("binary runs");
    assert!(
        out.status.success(),
        "policesim {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn png_size(bytes: &[u8]) -> (u32, u32) {
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
    assert_eq!(&bytes[12..16], b"IHDR");
    let be = |b: &[u8]| u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
    (be(&bytes[16..20]), be(&bytes[20..24]))
}

#[test]
fn huimin_run_writes_every_chart_and_a_self_contained_report_that_chart_redraws() {
    let tmp = tempfile::tempdir().unwrap();
    let scenario = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/huimin.toml");
    let scenario = scenario.to_str().unwrap();
    policesim(
        tmp.path(),
        &[
            "run",
            scenario,
            "--days",
            "40",
            "--replications",
            "3",
            "--out",
            "out",
            "--png",
            "--quiet",
        ],
    );
    let out = tmp.path().join("out");
    let strategies = ["per_station", "zone_cooperation", "efficiency"];
    let mut svgs = Vec::new();
    for (stem, _, _) in CHARTS {
        let svg = std::fs::read_to_string(out.join(format!("charts/{stem}.svg"))).unwrap();
        let doc = roxmltree::Document::parse(&svg).unwrap_or_else(|e| panic!("{stem}.svg: {e}"));
        assert_eq!(doc.root_element().tag_name().name(), "svg");
        assert!(svg.contains("huimin: "), "{stem}: title names the scenario");
        if !matches!(stem, "map" | "comparison") {
            for s in strategies {
                assert!(svg.contains(s), "{stem}.svg lacks {s}");
            }
        }
        let png = std::fs::read(out.join(format!("charts/{stem}.png"))).unwrap();
        assert_eq!(png_size(&png), (1600, 1000), "{stem}.png");
        svgs.push((stem, svg));
    }
    // The comparison chart names the strategies compared with the baseline.
    let comparison = &svgs.iter().find(|s| s.0 == "comparison").unwrap().1;
    assert!(comparison.contains("zone_cooperation") && comparison.contains("efficiency"));
    // Every station is on the map, labelled with its name.
    let map = &svgs.iter().find(|s| s.0 == "map").unwrap().1;
    for name in [
        "Sunwu (孙武街道)",
        "Hefang (何坊街道)",
        "Danianchen (大年陈镇)",
        "Zaohuli (皂户李镇)",
    ] {
        assert!(map.contains(&format!("\n{name}\n")), "map lacks {name}");
    }
    // Huimin is placed by lat/lon: the map's axes are in degrees.
    assert!(map.contains("\n117.6°E\n") && map.contains("\n37.3°N\n"));

    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    for (stem, svg) in &svgs {
        let body = &svg[svg.find("<svg").unwrap()..];
        assert!(html.contains(body), "report lacks chart {stem}");
    }
    assert!(html.contains("<table>") && html.contains("Against the baseline"));
    for s in strategies {
        assert!(html.contains(s));
    }
    // Nothing to fetch: no scripts, no links, no external images or fonts.
    for bad in ["<script", "<link", "src=", "url(", "href=\"http", "@import"] {
        assert!(!html.contains(bad), "report.html contains {bad}");
    }

    // Redraw from summary.json alone: identical SVG and report.
    let before: Vec<Vec<u8>> = CHARTS
        .iter()
        .map(|c| std::fs::read(out.join(format!("charts/{}.svg", c.0))).unwrap())
        .collect();
    let html_before = std::fs::read(out.join("report.html")).unwrap();
    for c in CHARTS {
        std::fs::remove_file(out.join(format!("charts/{}.svg", c.0))).unwrap();
    }
    std::fs::remove_file(out.join("report.html")).unwrap();
    policesim(tmp.path(), &["chart", "out"]);
    for (c, b) in CHARTS.iter().zip(&before) {
        let now = std::fs::read(out.join(format!("charts/{}.svg", c.0))).unwrap();
        assert!(now == *b, "{}.svg differs after `policesim chart`", c.0);
    }
    assert!(std::fs::read(out.join("report.html")).unwrap() == html_before);
}

const ONE_UNIT: &str = r#"
[scenario]
name = "known"
days = 1
replications = 1
target_min = 12.0
[travel]
speed_kmh = 60.0
detour = 1.0
turnout_min = 0.0
[[stations]]
id = "a"
x_km = 3.0
y_km = -2.0
officers = 4
auxiliaries = 8
[[demand]]
x_km = 3.0
y_km = -2.0
weight = 1.0
[incidents]
per_day = 4.0
[[incidents.kinds]]
name = "general"
share = 1.0
on_scene = { dist = "fixed", value = 10.0 }
[strategies.per_station]
units = 1
"#;

#[test]
fn chart_data_passes_through_the_known_points() {
    let s = Scenario::from_toml(ONE_UNIT, "known.toml").unwrap();
    // At 60 km/h a kilometre is a minute: responses of 5, 10, 15 and 20 min.
    let stream = "id,call_min,x_km,y_km,kind\n\
                  1,0,8,-2,general\n2,100,13,-2,general\n3,200,18,-2,general\n4,300,23,-2,general\n";
    let mut opts = RunOptions::from_scenario(&s);
    opts.replay = Some(parse_replay(stream.as_bytes(), "s.csv", &s).unwrap());
    let outcome = experiment::run(&s, &opts, &|| {}).unwrap();
    let cdf = &outcome.strategies[0].summary.response_cdf;
    let expect = [[5.0, 0.25], [10.0, 0.5], [15.0, 0.75], [20.0, 1.0]];
    assert_eq!(cdf.len(), 4, "{cdf:?}");
    for (got, want) in cdf.iter().zip(expect) {
        assert!(
            (got[0] - want[0]).abs() < 0.01 && (got[1] - want[1]).abs() < 1e-12,
            "{cdf:?}"
        );
    }
    // Written out, the chart says 50.0% within the 12-minute target, and the
    // map data puts the station where the scenario does.
    let dir = tempfile::tempdir().unwrap();
    write_outputs(dir.path(), &s, &outcome, None, ChartOptions::default()).unwrap();
    let svg = std::fs::read_to_string(dir.path().join("charts/response_cdf.svg")).unwrap();
    assert!(svg.contains("per_station (50.0% within 12 min)"), "{svg}");
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("summary.json")).unwrap())
            .unwrap();
    let st = &json["map"]["stations"][0];
    assert_eq!(
        (st["x_km"].as_f64(), st["y_km"].as_f64()),
        (Some(3.0), Some(-2.0))
    );
}

/// The report's "By zone" table gives each zone's own pooled figures, the
/// ones summary.json holds under `per_zone`: incidents, mean and 90th
/// percentile response and the share within target (the last two cannot be
/// had from the stations' figures).
#[test]
fn the_by_zone_table_shows_each_zones_pooled_figures() {
    use crate::common::policesim;
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let (ok, _, err) = policesim([
        "run".as_ref(),
        root.join("tests/data/all_strategies.toml").as_os_str(),
        "--days".as_ref(),
        "20".as_ref(),
        "--replications".as_ref(),
        "2".as_ref(),
        "--quiet".as_ref(),
        "--out".as_ref(),
        out.as_os_str(),
    ]);
    assert!(ok.success(), "{err}");
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    let start = html.find("id=\"zones\"").expect("a By zone section");
    let table = &html[start..start + html[start..].find("</table>").unwrap()];
    let f = |v: &serde_json::Value| v.as_f64().map_or("-".to_string(), |x| format!("{x:.1}"));
    let mut cells = 0;
    for s in json["strategies"].as_array().unwrap() {
        let zones = s["per_zone"].as_array().unwrap();
        assert_eq!(zones.len(), 2, "two zones in the file");
        for g in zones {
            let cell = format!(
                "{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>",
                s["strategy"].as_str().unwrap(),
                g["incidents"],
                f(&g["response_mean_min"]),
                f(&g["response_p90_min"]),
                f(&g["within_target_pct"])
            );
            assert!(table.contains(&cell), "{cell} not in\n{table}");
            cells += 1;
        }
    }
    assert!(cells >= 8, "every strategy's zones: {cells}");
}
