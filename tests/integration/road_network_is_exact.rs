//! Road-network travel against hand-computed times: a river crossed by one
//! bridge, one-way streets, `maxspeed` over the class speed, access legs,
//! islands, and the OSM PBF reader.

use std::path::Path;

use policesim::Scenario;
use policesim::experiment::{self, RunOptions};
use policesim::map::{Point, Projection, TravelModel, gcj02_to_wgs84};
use policesim::roads::{RoadNetwork, Speeds};

use super::common::{policesim, write_file};

/// The projection of every scenario here.
const CENTRE: Projection = Projection {
    centre_lat: 37.4,
    centre_lon: 117.6,
};

/// `[lon, lat]` of the point `(x_km, y_km)` in the scenario's datum
/// (GCJ-02), or converted to WGS-84.
fn lonlat(x: f64, y: f64, wgs84: bool) -> String {
    let (mut lat, mut lon) = CENTRE.unproject(Point::new(x, y));
    if wgs84 {
        (lat, lon) = gcj02_to_wgs84(lat, lon);
    }
    format!("[{lon:.15}, {lat:.15}]")
}

/// A GeoJSON LineString feature through km points.
fn road(points: &[(f64, f64)], props: &str) -> String {
    road_in(points, props, false)
}

/// [`road`], its coordinates in WGS-84 if `wgs84`.
fn road_in(points: &[(f64, f64)], props: &str, wgs84: bool) -> String {
    let coords: Vec<String> = points.iter().map(|&(x, y)| lonlat(x, y, wgs84)).collect();
    format!(
        r#"{{"type": "Feature", "properties": {{{props}}}, "geometry": {{"type": "LineString", "coordinates": [{}]}}}}"#,
        coords.join(", ")
    )
}

/// Two bank roads along y = -1 (south) and y = +1 (north) km, a river
/// between them, and a bridge at x = 5 km; `extra` features are added.
fn river_network(extra: &[String]) -> String {
    river_network_in(extra, false)
}

/// [`river_network`], in WGS-84 if `wgs84`.
fn river_network_in(extra: &[String], wgs84: bool) -> String {
    let mut features = vec![
        road_in(
            &[
                (-5.0, -1.0),
                (0.0, -1.0),
                (2.0, -1.0),
                (5.0, -1.0),
                (10.0, -1.0),
            ],
            r#""highway": "secondary""#,
            wgs84,
        ),
        road_in(
            &[(-5.0, 1.0), (0.0, 1.0), (2.0, 1.0), (5.0, 1.0), (10.0, 1.0)],
            r#""highway": "secondary", "name": "north bank""#,
            wgs84,
        ),
        // Class speed 65 km/h by default; its maxspeed of 30 must win.
        road_in(
            &[(5.0, -1.0), (5.0, 1.0)],
            r#""highway": "primary", "maxspeed": "30", "bridge": "yes""#,
            wgs84,
        ),
        // A footpath across the river: not driven on.
        road_in(&[(0.0, -1.0), (0.0, 1.0)], r#""highway": "footway""#, wgs84),
    ];
    features.extend_from_slice(extra);
    format!(
        r#"{{"type": "FeatureCollection", "features": [{}]}}"#,
        features.join(",\n")
    )
}

/// A scenario with a station 0.2 km south of the south bank road and a
/// demand point 0.2 km south of the north bank road: 2 km apart across
/// the river.
fn scenario(dir: &Path, network: &str, travel_extra: &str) -> Scenario {
    write_file(dir, "roads.geojson", network);
    let (slat, slon) = CENTRE.unproject(Point::new(0.0, -1.2));
    let (dlat, dlon) = CENTRE.unproject(Point::new(0.0, 0.8));
    let text = format!(
        r#"
[scenario]
name = "river"
days = 3
replications = 1
[map]
centre_lat = {}
centre_lon = {}
[travel]
network = "roads.geojson"
turnout_min = 2.0
{travel_extra}
[travel.speeds]
secondary = 60.0
[[stations]]
id = "south"
lat = {slat}
lon = {slon}
officers = 4
auxiliaries = 8
[[demand]]
lat = {dlat}
lon = {dlon}
weight = 1.0
station = "south"
[incidents]
per_day = 6.0
[[incidents.kinds]]
name = "general"
share = 1.0
on_scene = {{ dist = "fixed", value = 10.0 }}
[strategies.per_station]
units = 1
"#,
        CENTRE.centre_lat, CENTRE.centre_lon
    );
    let path = write_file(dir, "river.toml", &text);
    Scenario::load(&path).unwrap()
}

fn endpoints(s: &Scenario) -> (Point, Point) {
    (s.stations[0].pos, s.demand[0].pos)
}

#[test]
fn a_demand_point_across_the_river_is_reached_by_the_bridge() {
    let dir = tempfile::tempdir().unwrap();
    let s = scenario(dir.path(), &river_network(&[]), "");
    let (station, demand) = endpoints(&s);
    assert!((station.distance_km(demand) - 2.0).abs() < 1e-9);
    // turnout 2 + access 0.2 km at 20 km/h (0.6) + 5 km of south bank at
    // 60 km/h (5) + the 2 km bridge at its maxspeed 30 km/h (4) + 5 km of
    // north bank (5) + access 0.6 = 17.2 min.
    let out = s.travel.response_min(station, demand);
    assert!((out - 17.2).abs() < 1e-9, "response {out}");
    // Back the same way without turnout.
    let back = s.travel.drive_min(demand, station);
    assert!((back - 15.2).abs() < 1e-9, "back {back}");

    // The engine gives every incident exactly that response.
    let mut opts = RunOptions::from_scenario(&s);
    opts.per_incident = true;
    let outcome = experiment::run(&s, &opts, &|| {}).unwrap();
    let records = &outcome.strategies[0].records[0];
    assert!(records.len() > 5);
    for r in records {
        let v = &r.visits[0];
        assert!((v.arrive_min - v.dispatch_min - 17.2).abs() < 1e-9, "{r:?}");
    }
}

#[test]
fn a_wgs84_network_is_moved_to_the_scenario_datum() {
    // The same roads in WGS-84 (as OpenStreetMap has them), about 0.5 km
    // from the GCJ-02 points of the scenario: with network_datum they land
    // back under them, to the precision of the inverse transform.
    let dir = tempfile::tempdir().unwrap();
    let wgs = river_network_in(&[], true);
    let s = scenario(dir.path(), &wgs, r#"network_datum = "wgs84""#);
    let (station, demand) = endpoints(&s);
    let out = s.travel.response_min(station, demand);
    assert!((out - 17.2).abs() < 1e-6, "response {out}");
    // Taken as GCJ-02 (the scenario's datum) the roads are off by the offset.
    let s = scenario(dir.path(), &wgs, "");
    let off = s.travel.response_min(station, demand);
    assert!((off - 17.2).abs() > 0.5, "response {off}");
}

#[test]
fn access_legs_follow_access_speed() {
    let dir = tempfile::tempdir().unwrap();
    let s = scenario(dir.path(), &river_network(&[]), "access_speed_kmh = 10.0");
    let (station, demand) = endpoints(&s);
    // Each 0.2 km access leg now takes 1.2 min.
    let out = s.travel.response_min(station, demand);
    assert!(
        (out - (2.0 + 1.2 + 14.0 + 1.2)).abs() < 1e-9,
        "response {out}"
    );
}

#[test]
fn one_way_streets_are_respected() {
    // A one-way bridge at x = 2 km, drawn south to north: the way out takes
    // it (2 + 2 + 2 km at 60 km/h), the way back must use the x = 5 bridge.
    for (points, oneway) in [
        ([(2.0, -1.0), (2.0, 1.0)], r#""yes""#),
        ([(2.0, 1.0), (2.0, -1.0)], r#""-1""#),
        ([(2.0, -1.0), (2.0, 1.0)], "true"),
    ] {
        let bridge = road(
            &points,
            &format!(r#""highway": "secondary", "oneway": {oneway}"#),
        );
        let dir = tempfile::tempdir().unwrap();
        let s = scenario(dir.path(), &river_network(&[bridge]), "");
        let (station, demand) = endpoints(&s);
        let out = s.travel.response_min(station, demand);
        assert!(
            (out - (2.0 + 0.6 + 6.0 + 0.6)).abs() < 1e-9,
            "{oneway}: out {out}"
        );
        let back = s.travel.drive_min(demand, station);
        assert!((back - 15.2).abs() < 1e-9, "{oneway}: back {back}");
    }
}

#[test]
fn an_island_is_never_joined_and_is_reported() {
    // A short road on an island in the river, nearest to the demand point:
    // the point joins the main piece instead, and a warning says so.
    let island = road(&[(-0.05, 0.7), (1.0, 0.7)], r#""highway": "track""#);
    let dir = tempfile::tempdir().unwrap();
    let s = scenario(dir.path(), &river_network(&[island]), "");
    let (station, demand) = endpoints(&s);
    let out = s.travel.response_min(station, demand);
    assert!(
        out.is_finite() && (out - 17.2).abs() < 1e-9,
        "response {out}"
    );
    let warning = s
        .warnings
        .iter()
        .find(|w| w.key == "demand[0]")
        .expect("a warning for the demand point");
    assert!(
        warning
            .message
            .contains("not connected both ways to the main piece"),
        "{warning}"
    );
    let (status, stdout, stderr) =
        policesim(["check".as_ref(), dir.path().join("river.toml").as_os_str()]);
    assert!(status.success(), "{stderr}");
    assert!(
        stdout.contains("2 connected piece(s)") && stdout.contains("not driven on"),
        "{stdout}"
    );
    assert!(stderr.contains("demand[0]"), "{stderr}");
}

#[test]
fn straight_line_scenarios_keep_the_straight_line_model() {
    let text = include_str!("../data/three_stations.toml");
    let s = Scenario::from_toml(text, "three.toml").unwrap();
    assert!(matches!(s.travel, TravelModel::Euclidean { .. }));
}

#[test]
fn bad_networks_are_refused_with_file_and_key() {
    let dir = tempfile::tempdir().unwrap();
    let good = river_network(&[]);
    write_file(dir.path(), "roads.geojson", &good);
    let base = std::fs::read_to_string({
        scenario(dir.path(), &good, "");
        dir.path().join("river.toml")
    })
    .unwrap();
    let cases = [
        ("not json", "roads.geojson: not a GeoJSON FeatureCollection"),
        (
            r#"{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"highway": "footway"}, "geometry": {"type": "LineString", "coordinates": [[117.6, 37.4], [117.61, 37.4]]}}]}"#,
            "no drivable road: 1 way(s) of class footway",
        ),
        (
            r#"{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"highway": "primary"}, "geometry": {"type": "LineString", "coordinates": [[37.4, 117.6], [37.4, 117.61]]}}]}"#,
            "features[0]: coordinates must be longitude, latitude in degrees",
        ),
        (
            r#"{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"highway": 3}, "geometry": null}]}"#,
            "features[0].properties.highway: must be a road class",
        ),
    ];
    for (network, expected) in cases {
        write_file(dir.path(), "roads.geojson", network);
        let err = Scenario::load(dir.path().join("river.toml")).unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("river.toml:10: travel.network: ") && text.contains(expected),
            "{text}"
        );
    }
    write_file(dir.path(), "roads.geojson", &good);
    let missing = base.replace("roads.geojson", "nowhere.geojson");
    let path = write_file(dir.path(), "missing.toml", &missing);
    let text = Scenario::load(&path).unwrap_err().to_string();
    assert!(text.contains("nowhere.geojson: cannot read"), "{text}");
    let bad_speed = base.replace("secondary = 60.0", "secondary = -60.0");
    let path = write_file(dir.path(), "bad_speed.toml", &bad_speed);
    let text = Scenario::load(&path).unwrap_err().to_string();
    assert!(
        text.contains("travel.speeds.secondary: must be a speed"),
        "{text}"
    );
}

#[test]
fn an_osm_extract_reads_to_the_expected_graph() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/river.osm.pbf");
    let net = RoadNetwork::load(&path, "river.osm.pbf", CENTRE, &Speeds::default()).unwrap();
    let st = net.stats();
    // See tests/data/make_river_pbf.py: 5 drivable ways over 7 nodes and
    // 7 segments, one of them one-way (the x = 2 bridge), 19 km in all; a
    // footway and a building without a highway tag are left out.
    assert_eq!(st.ways, 5, "{st:?}");
    assert_eq!(st.nodes, 7, "{st:?}");
    assert_eq!(st.oneway_edges, 1, "{st:?}");
    assert_eq!(st.edges, 2 * 7 - 1, "{st:?}");
    assert_eq!(st.skipped.get("footway"), Some(&1), "{st:?}");
    assert_eq!(st.skipped.get("(no highway)"), Some(&1), "{st:?}");
    assert_eq!(st.maxspeed_used, 1, "{st:?}");
    assert_eq!((st.pieces, st.main_nodes), (1, 7), "{st:?}");
    // Coordinates are stored to 1e-7 degrees (about 1 cm).
    assert!((st.km - 19.0).abs() < 1e-3, "{st:?}");
    assert!(net.directed());
    // From (0, -1) to (0, 1): over the one-way bridge (2 + 2 + 2 km at the
    // default secondary speed of 55 km/h); back over the x = 5 bridge
    // (5 km at 55, 2 km at maxspeed 30, 5 km at 55).
    let a = net.nearest_main(Point::new(0.0, -1.0));
    let b = net.nearest_main(Point::new(0.0, 1.0));
    let there = net.path_min(a, b);
    let back = net.path_min(b, a);
    assert!((there - 6.0 / 55.0 * 60.0).abs() < 1e-4, "{there}");
    assert!((back - (10.0 / 55.0 * 60.0 + 4.0)).abs() < 1e-4, "{back}");
}

#[test]
fn every_kind_of_base_gets_a_table_that_agrees_with_a_search() {
    // tests/data/all_strategies.toml (stations and zone hubs, a traffic
    // squad, specialist units, standby posts, efficiency posts) on a
    // synthetic road grid over its area.
    let dir = tempfile::tempdir().unwrap();
    let grid = policesim::roads::synthetic_grid(CENTRE, (-3.0, -9.0), (72, 52), 0.5, 5);
    write_file(dir.path(), "grid.geojson", &grid);
    let text = include_str!("../data/all_strategies.toml").replacen(
        "[travel]\nspeed_kmh = 45.0\ndetour = 1.3\n",
        &format!(
            "[map]\ncentre_lat = {}\ncentre_lon = {}\n[travel]\nnetwork = \"grid.geojson\"\n",
            CENTRE.centre_lat, CENTRE.centre_lon
        ),
        1,
    );
    assert!(text.contains("grid.geojson"));
    let path = write_file(dir.path(), "all.toml", &text);
    let s = Scenario::load(&path).unwrap();
    let TravelModel::Network(r) = &s.travel else {
        panic!("a network scenario");
    };
    let bases = [
        ("station a (hub of west, efficiency post)", 0.0, 0.0),
        ("station b (efficiency post)", 12.0, 2.0),
        ("station c", 4.0, 14.0),
        ("station d (hub of east, efficiency post)", 25.0, -6.0),
        ("station e", 30.0, 10.0),
        ("traffic squad", 2.0, -2.0),
        ("specialist patrol-1", 6.0, 6.0),
        ("specialist crim-1", 20.0, 2.0),
        ("standby post west", 3.0, 3.0),
        ("standby post east", 27.0, 2.0),
    ];
    let access = |p: Point, node: u32| {
        p.distance_km(r.network().main_pos(node)) / r.access_speed_kmh() * 60.0
    };
    let targets: Vec<Point> = s.demand.iter().map(|d| d.pos).collect();
    for (what, x, y) in bases {
        let b = Point::new(x, y);
        let slot = r.slot_of(b);
        assert_ne!(slot, u32::MAX, "{what} has no table");
        let bn = r.node_of(b);
        for &t in &targets {
            let tn = r.node_of(t);
            // Out by the table, and back by the table, against one search each.
            let out = access(b, bn) + r.network().path_min(bn, tn) + access(t, tn);
            let table = r.drive(b, slot, t, tn);
            assert!(
                (table - out).abs() < 1e-9,
                "{what} to {t:?}: {table} vs {out}"
            );
            let back = access(t, tn) + r.network().path_min(tn, bn) + access(b, bn);
            let table = r.drive_back(t, tn, b, slot);
            assert!(
                (table - back).abs() < 1e-9,
                "{t:?} to {what}: {table} vs {back}"
            );
        }
    }
    // A demand point off every base has none.
    assert_eq!(r.slot_of(Point::new(0.5, 0.5)), u32::MAX);
    // Every strategy runs on the roads.
    let mut opts = RunOptions::from_scenario(&s);
    opts.replications = 1;
    opts.days = 6.0; // 3 of them warm-up
    let outcome = experiment::run(&s, &opts, &|| {}).unwrap();
    assert_eq!(outcome.strategies.len(), 5);
}

#[test]
fn a_multilinestring_road_is_read_as_its_lines() {
    // The north bank as one MultiLineString of two parts meeting at x = 2:
    // the trip across the bridge is the same 17.2 min as with a LineString
    // (without the north bank the point would join at the bridge's end and
    // the trip would differ).
    let line = |points: &[(f64, f64)]| {
        let coords: Vec<String> = points.iter().map(|&(x, y)| lonlat(x, y, false)).collect();
        format!("[{}]", coords.join(", "))
    };
    let north = format!(
        r#"{{"type": "Feature", "properties": {{"highway": "secondary"}}, "geometry": {{"type": "MultiLineString", "coordinates": [{}, {}]}}}}"#,
        line(&[(-5.0, 1.0), (0.0, 1.0), (2.0, 1.0)]),
        line(&[(2.0, 1.0), (5.0, 1.0), (10.0, 1.0)])
    );
    let network = format!(
        r#"{{"type": "FeatureCollection", "features": [{}, {}, {north}]}}"#,
        road(
            &[(-5.0, -1.0), (0.0, -1.0), (5.0, -1.0), (10.0, -1.0)],
            r#""highway": "secondary""#
        ),
        road(
            &[(5.0, -1.0), (5.0, 1.0)],
            r#""highway": "primary", "maxspeed": "30""#
        ),
    );
    let dir = tempfile::tempdir().unwrap();
    let s = scenario(dir.path(), &network, "");
    let (station, demand) = endpoints(&s);
    let out = s.travel.response_min(station, demand);
    assert!((out - 17.2).abs() < 1e-9, "response {out}");
    let back = s.travel.drive_min(demand, station);
    assert!((back - 15.2).abs() < 1e-9, "back {back}");
    let TravelModel::Network(r) = &s.travel else {
        panic!("a network scenario");
    };
    // Each part of the MultiLineString counts as a way.
    assert_eq!(r.network().stats().ways, 4);
    // 15 km of each bank and the 2 km bridge.
    assert!((r.network().stats().km - 32.0).abs() < 1e-3);
}

#[test]
fn a_maxspeed_below_one_kmh_is_a_tagging_error_and_the_class_speed_drives() {
    // The bridge tagged maxspeed 0.0001 (a tagging error: 2 km would take
    // 2.4 years) is driven at the primary class speed, 65 km/h by default,
    // and the load warns, naming the value.
    let dir = tempfile::tempdir().unwrap();
    let network = river_network(&[]).replace(r#""maxspeed": "30""#, r#""maxspeed": "0.0001""#);
    let s = scenario(dir.path(), &network, "");
    let (station, demand) = endpoints(&s);
    let out = s.travel.response_min(station, demand);
    let expected = 2.0 + 0.6 + 5.0 + 2.0 / 65.0 * 60.0 + 5.0 + 0.6;
    assert!((out - expected).abs() < 1e-9, "response {out}");
    let warning = s
        .warnings
        .iter()
        .find(|w| w.key == "travel.network")
        .expect("a warning for the maxspeed");
    assert!(
        warning
            .message
            .contains("1 way(s) have a maxspeed that is not a speed of at least 1 km/h")
            && warning.message.contains("\"0.0001\""),
        "{warning}"
    );
}
