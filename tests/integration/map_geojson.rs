//! Every `run` writes `map.geojson`: valid RFC 7946 in WGS-84 lon/lat (GCJ-02
//! scenarios converted), with each station's and zone's results as
//! properties; `incidents.csv` carries positions in km and in degrees.

use std::path::{Path, PathBuf};

use geo::{Area, MultiPolygon, Polygon};
use geojson::{FeatureCollection, GeoJson, GeometryValue};
use policesim::map::gcj02_to_wgs84;
use serde_json::Value;

use crate::common::policesim;

fn run(scenario: &str, out: &Path, extra: &[&str]) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(scenario);
    let mut args: Vec<&std::ffi::OsStr> = vec![
        "run".as_ref(),
        path.as_os_str(),
        "--out".as_ref(),
        out.as_os_str(),
        "--quiet".as_ref(),
        "--no-charts".as_ref(),
    ];
    args.extend(extra.iter().map(std::ffi::OsStr::new));
    let (status, _, stderr) = policesim(args);
    assert!(status.success(), "{stderr}");
}

fn read_map(out: &Path) -> FeatureCollection {
    let text = std::fs::read_to_string(out.join("map.geojson")).unwrap();
    match text.parse::<GeoJson>().expect("map.geojson is GeoJSON") {
        GeoJson::FeatureCollection(fc) => fc,
        other => panic!("not a FeatureCollection: {other:?}"),
    }
}

fn layer<'a>(fc: &'a FeatureCollection, name: &str) -> Vec<&'a geojson::Feature> {
    fc.features
        .iter()
        .filter(|f| f.property("layer").and_then(Value::as_str) == Some(name))
        .collect()
}

fn num(f: &geojson::Feature, key: &str) -> f64 {
    f.property(key)
        .and_then(Value::as_f64)
        .unwrap_or_else(|| panic!("{key} missing in {:?}", f.properties))
}

/// Twice the signed area of a closed ring (positive: counter-clockwise).
fn signed(ring: &[Vec<f64>]) -> f64 {
    ring.windows(2)
        .map(|w| w[0][0] * w[1][1] - w[1][0] * w[0][1])
        .sum()
}

fn polygons(f: &geojson::Feature) -> Vec<Vec<Vec<Vec<f64>>>> {
    let g = f.geometry.as_ref().expect("geometry");
    let polys: Vec<Vec<Vec<Vec<f64>>>> = match &g.value {
        GeometryValue::Polygon { coordinates } => vec![
            coordinates
                .iter()
                .map(|r| r.iter().map(|p| p.as_slice().to_vec()).collect())
                .collect(),
        ],
        GeometryValue::MultiPolygon { coordinates } => coordinates
            .iter()
            .map(|p| {
                p.iter()
                    .map(|r| r.iter().map(|q| q.as_slice().to_vec()).collect())
                    .collect()
            })
            .collect(),
        other => panic!("not a polygon: {}", other.type_name()),
    };
    // RFC 7946: closed rings of at least four positions, exteriors
    // counter-clockwise and holes clockwise.
    for p in &polys {
        for (k, r) in p.iter().enumerate() {
            assert!(r.len() >= 4 && r.first() == r.last(), "ring not closed");
            assert_eq!(
                signed(r) > 0.0,
                k == 0,
                "ring {k} breaks the right-hand rule"
            );
        }
    }
    polys
}

fn area(f: &geojson::Feature) -> f64 {
    let g = f.geometry.clone().unwrap();
    let mp: MultiPolygon<f64> = match g.value {
        v @ GeometryValue::Polygon { .. } => MultiPolygon(vec![Polygon::try_from(&v).unwrap()]),
        v => MultiPolygon::try_from(&v).unwrap(),
    };
    mp.unsigned_area()
}

#[test]
fn huimin_map_is_valid_wgs84_geojson_with_results() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    run(
        "scenarios/huimin.toml",
        &out,
        &["--days", "40", "--replications", "2", "--per-incident"],
    );
    let fc = read_map(&out);
    let summary: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();

    // Every position is a WGS-84 lon/lat inside Huimin's surroundings.
    for f in &fc.features {
        let g = f.geometry.as_ref().unwrap();
        let check = |p: &[f64]| {
            assert!(
                (117.2..117.9).contains(&p[0]) && (37.0..37.7).contains(&p[1]),
                "{p:?}"
            );
        };
        match &g.value {
            GeometryValue::Point { coordinates } => check(coordinates.as_slice()),
            _ => {
                for r in polygons(f).iter().flatten() {
                    r.iter().for_each(|p| check(p));
                }
            }
        }
    }
    let outline = layer(&fc, "outline");
    assert_eq!(outline.len(), 1);
    assert_eq!(
        outline[0].property("name").and_then(Value::as_str),
        Some("371621 / Huimin / 惠民县")
    );
    let stations = layer(&fc, "station");
    let cells = layer(&fc, "jurisdiction");
    let zones = layer(&fc, "zone");
    assert_eq!((stations.len(), cells.len(), zones.len()), (15, 15, 3));
    assert!(!layer(&fc, "post").is_empty());

    // The cells and the zones each tile the outline.
    let whole = area(outline[0]);
    let cells_sum: f64 = cells.iter().map(|f| area(f)).sum();
    let zones_sum: f64 = zones.iter().map(|f| area(f)).sum();
    assert!(
        (cells_sum / whole - 1.0).abs() < 1e-6,
        "{cells_sum} vs {whole}"
    );
    assert!(
        (zones_sum / whole - 1.0).abs() < 1e-6,
        "{zones_sum} vs {whole}"
    );

    // Stations sit at their GCJ-02 seats converted to WGS-84 (about 0.5 km
    // west and a little south).
    let hefang = stations
        .iter()
        .find(|f| f.property("id").and_then(Value::as_str) == Some("hefang"))
        .unwrap();
    let GeometryValue::Point { coordinates } = &hefang.geometry.as_ref().unwrap().value else {
        panic!("a station is a point");
    };
    let (lat, lon) = gcj02_to_wgs84(37.528152, 117.553029);
    assert!((coordinates[0] - lon).abs() < 2e-7 && (coordinates[1] - lat).abs() < 2e-7);
    assert!(
        (117.553029 - coordinates[0] - 0.0058).abs() < 0.0008,
        "{coordinates:?}"
    );
    assert_eq!(
        hefang.property("zone").and_then(Value::as_str),
        Some("north")
    );

    // Station results are summary.json's per-station figures.
    let days = (40.0 - 14.0) * 2.0;
    for strategy in summary["strategies"].as_array().unwrap() {
        let name = strategy["strategy"].as_str().unwrap();
        let g = strategy["per_station"]
            .as_array()
            .unwrap()
            .iter()
            .find(|g| g["name"] == "hefang")
            .unwrap();
        let calls =
            (g["incidents"].as_f64().unwrap() + g["open_incidents"].as_f64().unwrap()) / days;
        assert!((num(hefang, &format!("{name}_calls_per_day")) - calls).abs() < 1e-4);
        for (key, json) in [
            ("response_mean_min", "response_mean_min"),
            ("response_p90_min", "response_p90_min"),
            ("within_target_pct", "within_target_pct"),
            ("utilization_pct", "unit_utilization_pct"),
            ("cross_district_pct", "cross_district_pct"),
        ] {
            let prop = format!("{name}_{key}");
            match g[json].as_f64() {
                Some(want) => assert!((num(hefang, &prop) - want).abs() < 1e-4, "{prop}"),
                // No units based there (zone groups sit at the hubs).
                None => assert_eq!(hefang.property(&prop), Some(&Value::Null), "{prop}"),
            }
        }
        // Zone figures pool the member stations.
        let per_zone = strategy["per_zone"].as_array().unwrap();
        assert_eq!(per_zone.len(), 3);
        let north = per_zone.iter().find(|z| z["name"] == "north").unwrap();
        let members = ["sunwu", "wudingfu", "hefang", "shimiao", "zaohuli"];
        let member_sum: f64 = strategy["per_station"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|g| members.contains(&g["name"].as_str().unwrap()))
            .map(|g| g["incidents"].as_f64().unwrap())
            .sum();
        assert_eq!(north["incidents"].as_f64().unwrap(), member_sum);
        let zone = zones
            .iter()
            .find(|f| f.property("id").and_then(Value::as_str) == Some("north"))
            .unwrap();
        assert_eq!(
            zone.property("stations").and_then(Value::as_str),
            Some(members.join(", ").as_str())
        );
        assert!(
            (num(zone, &format!("{name}_response_p90_min"))
                - north["response_p90_min"].as_f64().unwrap())
            .abs()
                < 1e-4
        );
    }

    // Demand: points with their weights; the county background as the
    // pieces of the county each station answers.
    let demand = layer(&fc, "demand");
    let background: Vec<_> = demand
        .iter()
        .filter(|f| f.property("area").and_then(Value::as_bool) == Some(true))
        .collect();
    assert_eq!(background.len(), 15);
    let w: f64 = background.iter().map(|f| num(f, "weight")).sum();
    assert!((w - 100.0).abs() < 1e-9, "{w}");
    let seat = demand
        .iter()
        .find(|f| f.property("name").and_then(Value::as_str) == Some("hefang seat"))
        .unwrap();
    assert_eq!(num(seat, "weight"), 54.0);
    assert!((num(seat, "share_pct") - 100.0 * 54.0 / 670.0).abs() < 1e-3);

    // incidents.csv: the km position and the same in WGS-84 degrees.
    let text = std::fs::read_to_string(out.join("incidents.csv")).unwrap();
    let mut lines = text.lines();
    assert!(
        lines
            .next()
            .unwrap()
            .ends_with(",assembled_min,x_km,y_km,lat,lon")
    );
    let p = policesim::map::Projection {
        centre_lat: 37.489877,
        centre_lon: 117.509921,
    };
    for line in lines.take(200) {
        let f: Vec<f64> = line
            .rsplit(',')
            .take(4)
            .map(|v| v.parse().unwrap())
            .collect();
        let (lon, lat, y, x) = (f[0], f[1], f[2], f[3]);
        let (glat, glon) = p.unproject(policesim::map::Point::new(x, y));
        let (wlat, wlon) = gcj02_to_wgs84(glat, glon);
        assert!(
            (lat - wlat).abs() < 1e-7 && (lon - wlon).abs() < 1e-7,
            "{line}"
        );
    }
}

#[test]
fn without_a_projection_the_map_is_in_km() {
    let tmp = tempfile::tempdir().unwrap();
    let out: PathBuf = tmp.path().join("out");
    run(
        "tests/data/three_stations.toml",
        &out,
        &["--replications", "1", "--per-incident"],
    );
    let fc = read_map(&out);
    assert!(layer(&fc, "outline").is_empty());
    let stations = layer(&fc, "station");
    let east = stations
        .iter()
        .find(|f| f.property("id").and_then(Value::as_str) == Some("east"))
        .unwrap();
    let GeometryValue::Point { coordinates } = &east.geometry.as_ref().unwrap().value else {
        panic!("a station is a point");
    };
    assert_eq!(coordinates.as_slice(), &[12.0, 0.0]);
    // The jurisdictions split the frame between the three stations.
    assert_eq!(layer(&fc, "jurisdiction").len(), 3);
    let text = std::fs::read_to_string(out.join("incidents.csv")).unwrap();
    let row = text.lines().nth(1).unwrap();
    assert!(
        row.ends_with(",,"),
        "no lat/lon without a projection: {row}"
    );
}
