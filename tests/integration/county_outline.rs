//! `[map] boundary`: the county outline is read, checked against the
//! stations and demand points, and `area = "boundary"` demand spreads calls
//! uniformly over it, each to its nearest station.

use std::path::{Path, PathBuf};

use geo::{Area, BooleanOps, Coord, MultiPolygon, Rect};
use policesim::Scenario;
use policesim::incidents::{Generator, StreamModel};
use policesim::map::Point;
use policesim::scenario::MIN_PER_DAY;
use statrs::distribution::{ChiSquared, ContinuousCDF};

use crate::common::{policesim, replace_once, write_file};

fn outline_toml() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/outline.toml")
}

/// The test scenario with only its county-wide demand, labelled with the
/// fixture's path so that the outline's relative path resolves.
fn area_only() -> Scenario {
    let path = outline_toml();
    let text = std::fs::read_to_string(&path).unwrap();
    let start = text.find("[[demand]]\nname = \"county seat\"").unwrap();
    let end = text.find("[[demand]]\nname = \"background\"").unwrap();
    let text = format!("{}{}", &text[..start], &text[end..]);
    Scenario::from_toml(&text, path.to_str().unwrap()).unwrap()
}

fn nearest_station(s: &Scenario, p: Point) -> usize {
    let d: Vec<f64> = s.stations.iter().map(|st| st.pos.distance_km(p)).collect();
    (0..d.len()).min_by(|&a, &b| d[a].total_cmp(&d[b])).unwrap()
}

#[test]
fn area_demand_falls_inside_the_outline_uniformly_and_goes_to_the_nearest_station() {
    let s = area_only();
    let b = s.boundary.as_ref().expect("the scenario has an outline");
    // The real Huimin polygon: 1,361 km² by the data README.
    assert!((b.area_km2 - 1361.0).abs() < 5.0, "{}", b.area_km2);
    let model = StreamModel::new(&s);
    let days = 600.0; // 120,000 incidents
    let incidents: Vec<_> = Generator::new(&s, &model, 9, 0, days * MIN_PER_DAY).collect();
    assert!(incidents.len() > 110_000, "{}", incidents.len());
    let mut per_station = vec![0u64; s.stations.len()];
    for inc in &incidents {
        let d = b.distance_outside_km(inc.pos);
        assert!(
            d < 1e-9,
            "incident {} at {:?} is {d} km outside",
            inc.id,
            inc.pos
        );
        assert_eq!(
            inc.station as usize,
            nearest_station(&s, inc.pos),
            "incident {} at {:?}",
            inc.id,
            inc.pos
        );
        per_station[inc.station as usize] += 1;
    }
    let n = incidents.len() as f64;
    // Each station gets calls in proportion to its cell's land, within 4.5
    // binomial standard deviations.
    for (i, cell) in b.cells.iter().enumerate() {
        let p = cell.area_km2 / b.area_km2;
        let sd = (n * p * (1.0 - p)).sqrt();
        let dev = (per_station[i] as f64 - n * p).abs();
        assert!(
            dev < 4.5 * sd,
            "station {i}: {} calls, expected {}",
            per_station[i],
            n * p
        );
    }
    // Counts in a 6 x 6 grid of sub-areas follow the land in each: a
    // chi-square test at the 99.9 % level, and every sub-area within 4.5
    // standard deviations of its expected count.
    let rect = geo::BoundingRect::bounding_rect(&b.shape).unwrap();
    let (w, h) = (rect.width() / 6.0, rect.height() / 6.0);
    let mut counts = [[0u64; 6]; 6];
    for inc in &incidents {
        let i = (((inc.pos.x_km - rect.min().x) / w) as usize).min(5);
        let j = (((inc.pos.y_km - rect.min().y) / h) as usize).min(5);
        counts[i][j] += 1;
    }
    let (mut chi2, mut cells) = (0.0, 0);
    for (i, col) in counts.iter().enumerate() {
        for (j, &count) in col.iter().enumerate() {
            let x0 = rect.min().x + i as f64 * w;
            let y0 = rect.min().y + j as f64 * h;
            let sub = MultiPolygon::from(
                Rect::new(
                    Coord { x: x0, y: y0 },
                    Coord {
                        x: x0 + w,
                        y: y0 + h,
                    },
                )
                .to_polygon(),
            );
            let land = b.shape.intersection(&sub).unsigned_area();
            let p = land / b.area_km2;
            let expected = n * p;
            if expected < 5.0 {
                assert!(count as f64 <= expected + 5.0 * (expected + 1.0).sqrt());
                continue;
            }
            let sd = (n * p * (1.0 - p)).sqrt();
            let dev = count as f64 - expected;
            assert!(
                dev.abs() < 4.5 * sd,
                "sub-area ({i},{j}): {count} vs {expected:.1}"
            );
            chi2 += dev * dev / expected;
            cells += 1;
        }
    }
    assert!(cells >= 20, "most of the grid is land: {cells}");
    let limit = ChiSquared::new((cells - 1) as f64)
        .unwrap()
        .inverse_cdf(0.999);
    assert!(
        chi2 < limit,
        "chi-square {chi2:.1} over {cells} sub-areas, limit {limit:.1}"
    );
}

#[test]
fn an_outline_alone_moves_no_incident() {
    let path = outline_toml();
    let text = std::fs::read_to_string(&path).unwrap();
    let start = text.find("[[demand]]\nname = \"background\"").unwrap();
    let end = text.find("[incidents]").unwrap();
    let points_only = format!("{}{}", &text[..start], &text[end..]);
    let with = Scenario::from_toml(&points_only, path.to_str().unwrap()).unwrap();
    assert!(with.boundary.is_some());
    let without_text = replace_once(
        &replace_once(
            &points_only,
            "boundary = \"../../scenarios/data/binzhou_counties.geojson\"\n",
            "",
        ),
        "boundary_feature = \"惠民县\"\n",
        "",
    );
    let without = Scenario::from_toml(&without_text, path.to_str().unwrap()).unwrap();
    let stream = |s: &Scenario| -> Vec<_> {
        let model = StreamModel::new(s);
        Generator::new(s, &model, 3, 1, 30.0 * MIN_PER_DAY).collect()
    };
    let (a, b) = (stream(&with), stream(&without));
    assert!(a.len() > 1000);
    assert_eq!(a, b);
}

#[test]
fn a_generated_area_stream_replays_to_the_same_results() {
    let tmp = tempfile::tempdir().unwrap();
    let scenario = outline_toml();
    let csv = tmp.path().join("stream.csv");
    let (status, _, stderr) = policesim([
        "generate".as_ref(),
        scenario.as_os_str(),
        "--days".as_ref(),
        "20".as_ref(),
        "--out".as_ref(),
        csv.as_os_str(),
    ]);
    assert!(status.success(), "{stderr}");
    let text = std::fs::read_to_string(&csv).unwrap();
    assert!(text.starts_with("id,call_min,x_km,y_km,kind,on_scene_min,case_min,station\n"));
    let run = |name: &str, replay: bool| {
        let out = tmp.path().join(name);
        let mut args: Vec<&std::ffi::OsStr> = vec![
            "run".as_ref(),
            scenario.as_os_str(),
            "--out".as_ref(),
            out.as_os_str(),
            "--replications".as_ref(),
            "1".as_ref(),
            "--quiet".as_ref(),
            "--per-incident".as_ref(),
            "--no-charts".as_ref(),
        ];
        if replay {
            args.extend(["--incidents".as_ref(), csv.as_os_str()]);
        }
        let (status, _, stderr) = policesim(args);
        assert!(status.success(), "{stderr}");
        out
    };
    let (a, b) = (run("generated", false), run("replayed", true));
    for file in ["summary.csv", "incidents.csv"] {
        let x = std::fs::read(a.join(file)).unwrap();
        let y = std::fs::read(b.join(file)).unwrap();
        assert!(
            x == y,
            "{file} differs between the generated and the replayed run"
        );
    }
}

/// A 0.2° square around (37.5 N, 117.5 E) and a scenario using it.
fn square_scenario(dir: &Path) -> String {
    write_file(
        dir,
        "square.geojson",
        r#"{"type":"FeatureCollection","features":[
{"type":"Feature","properties":{"name":"Square County","adcode":999001},
 "geometry":{"type":"Polygon","coordinates":[[[117.4,37.4],[117.6,37.4],[117.6,37.6],[117.4,37.6],[117.4,37.4]]]}},
{"type":"Feature","properties":{"name":"A Road"},
 "geometry":{"type":"LineString","coordinates":[[117.4,37.4],[117.6,37.6]]}}]}"#,
    );
    r#"[scenario]
name = "square"
days = 2

[map]
centre_lat = 37.5
centre_lon = 117.5
boundary = "square.geojson"
boundary_feature = "Square County"

[[stations]]
id = "in"
lat = 37.5
lon = 117.5
officers = 4
auxiliaries = 8

[[stations]]
id = "far"
lat = 37.5
lon = 117.65
officers = 4
auxiliaries = 8

[[demand]]
name = "market"
lat = 37.5
lon = 117.45
weight = 1.0

[[demand]]
area = "boundary"
weight = 1.0

[incidents]
per_day = 10.0

[[incidents.kinds]]
name = "general"
share = 1.0
on_scene = { dist = "exponential", mean = 30.0 }

[strategies.per_station]
units = 1
"#
    .to_string()
}

fn check(dir: &Path, text: &str) -> (bool, String, PathBuf) {
    let file = write_file(dir, "square.toml", text);
    let (status, _, stderr) = policesim(["check".as_ref(), file.as_os_str()]);
    assert!(!stderr.contains("panicked"), "{stderr}");
    (status.success(), stderr, file)
}

#[test]
fn points_outside_the_outline_are_named_with_their_distance() {
    let dir = tempfile::tempdir().unwrap();
    let text = square_scenario(dir.path());
    let (ok, stderr, file) = check(dir.path(), &text);
    assert!(ok, "{stderr}");
    // 0.05° of longitude at the centre's latitude: 0.05 π/180 × 6371.0088 ×
    // cos 37.5° = 4.4108 km.
    let want = format!(
        "warning: {}:18: stations[1]: station \"far\" lies 4.41 km outside the county outline 999001 / Square County (square.geojson)",
        file.display()
    );
    assert!(stderr.contains(&want), "want\n{want}\ngot\n{stderr}");
    assert!(!stderr.contains("stations[0]"), "{stderr}");
    let text = replace_once(&text, "lon = 117.45", "lon = 117.35");
    let (_, stderr, _) = check(dir.path(), &text);
    assert!(
        stderr.contains("demand[0]: demand point \"market\" lies 4.41 km outside"),
        "{stderr}"
    );
}

#[test]
fn bad_outlines_are_refused_naming_file_line_and_key() {
    let dir = tempfile::tempdir().unwrap();
    let text = square_scenario(dir.path());
    let g = dir.path().join("square.geojson");
    let cases = [
        (
            replace_once(&text, "\"square.geojson\"", "\"nothere.geojson\""),
            format!(
                ":8: map.boundary: cannot read {}: ",
                dir.path().join("nothere.geojson").display()
            ),
        ),
        (
            replace_once(&text, "\"Square County\"", "\"Round County\""),
            format!(
                ":9: map.boundary_feature: {}: no feature has a property equal to \"Round County\" (candidates: 999001 / Square County; A Road)",
                g.display()
            ),
        ),
        (
            replace_once(&text, "\"Square County\"", "\"A Road\""),
            format!(
                ":8: map.boundary: {}: feature A Road is a LineString, not a Polygon or MultiPolygon",
                g.display()
            ),
        ),
        (
            replace_once(&text, "boundary = \"square.geojson\"\n", ""),
            ":8: map.boundary_feature: names a feature of [map] boundary, which is not given"
                .to_string(),
        ),
        (
            replace_once(
                &replace_once(&text, "boundary = \"square.geojson\"\n", ""),
                "boundary_feature = \"Square County\"\n",
                "",
            ),
            ":30: demand[1].area: needs [map] boundary: the county outline to spread the calls over"
                .to_string(),
        ),
        (
            replace_once(&text, "area = \"boundary\"", "area = \"county\""),
            ":32: demand[1].area: must be \"boundary\"".to_string(),
        ),
        (
            replace_once(&text, "area = \"boundary\"", "area = \"boundary\"\nx_km = 1.0"),
            ":31: demand[1]: an area demand has no position".to_string(),
        ),
        (
            replace_once(&text, "area = \"boundary\"", "area = \"boundary\"\nstation = \"in\""),
            ":33: demand[1].station: an area demand's calls go to the nearest station".to_string(),
        ),
    ];
    for (bad, expected) in cases {
        let (ok, stderr, file) = check(dir.path(), &bad);
        let want = format!("error: {}{expected}", file.display());
        assert!(!ok && stderr.contains(&want), "want\n{want}\ngot\n{stderr}");
    }
    // An outline that cannot be used is one error: the area demand that
    // needs it adds none of its own.
    for bad in [
        replace_once(&text, "\"Square County\"", "\"Round County\""),
        replace_once(&text, "\"square.geojson\"", "\"nothere.geojson\""),
        replace_once(&text, "centre_lat = 37.5\ncentre_lon = 117.5\n", "")
            .replace("lat = 37.5\nlon = 117.65", "x_km = 13.0\ny_km = 0.0")
            .replace("lat = 37.5\nlon = 117.45", "x_km = -4.0\ny_km = 0.0")
            .replace("lat = 37.5\nlon = 117.5", "x_km = 0.0\ny_km = 0.0"),
    ] {
        let (ok, stderr, _) = check(dir.path(), &bad);
        let errors: Vec<&str> = stderr.lines().filter(|l| l.starts_with("error:")).collect();
        assert!(!ok && errors.len() == 1, "{errors:#?}");
        assert!(errors[0].contains(": map.boundary"), "{errors:#?}");
    }
    // A file that is not JSON names its own line and column.
    write_file(
        dir.path(),
        "square.geojson",
        "{\"type\": \"FeatureCollection\",\n \"features\": [}",
    );
    let (ok, stderr, _) = check(dir.path(), &text);
    assert!(!ok, "{stderr}");
    assert!(
        stderr.contains(&format!(
            "map.boundary: {}:2:15: not valid JSON",
            g.display()
        )),
        "{stderr}"
    );
}
