//! Criterion benches of road-network travel (elements = events where a
//! throughput is given):
//!
//! - `road_setup/*`: reading a county-sized synthetic network (about 100 k
//!   road segments, 200 k directed edges) and precomputing the
//!   shortest-path tables from 30 and 100 bases — the one-off cost a
//!   network scenario pays when it loads — and 1,000 one-off trips
//!   between points without a table;
//! - `road_engine/*`: one replication-year of every Huimin strategy on a
//!   synthetic road network against the same run with straight-line travel.
//!
//! The networks are synthetic grids with noise (`policesim::roads::synthetic_grid`),
//! not real roads.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use policesim::Scenario;
use policesim::experiment::{self, RunOptions};
use policesim::map::{Point, Projection};
use policesim::roads::{RoadNetwork, RoadTravel, Speeds, synthetic_grid};

const CENTRE: Projection = Projection {
    centre_lat: 37.489877,
    centre_lon: 117.509921,
};

/// About 100 k segments: 224 × 224 nodes 165 m apart over a 37 km square
/// (a county of 1,360 km²).
fn county() -> String {
    synthetic_grid(CENTRE, (-18.5, -18.5), (224, 224), 0.165, 7)
}

fn bases(n: usize) -> Vec<Point> {
    (0..n)
        .map(|i| {
            let (x, y) = ((i * 37) % 100, (i * 61) % 100);
            Point::new(-17.0 + 0.34 * x as f64, -17.0 + 0.34 * y as f64)
        })
        .collect()
}

/// Peak resident memory of this process (Linux `VmHWM`), for the log.
fn peak_rss() -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .map(|l| l["VmHWM:".len()..].trim().to_string())
        })
        .unwrap_or_else(|| "unknown".to_string())
}

fn setup(c: &mut Criterion) {
    let text = county();
    let started = std::time::Instant::now();
    let net = RoadNetwork::from_geojson(&text, "county.geojson", CENTRE, &Speeds::default())
        .expect("valid network");
    let st = net.stats();
    eprintln!(
        "county network: {} nodes, {} directed edges, {:.0} km, main piece {} nodes; GeoJSON {:.1} MB read in {:.2} s; peak resident memory {}",
        st.nodes,
        st.edges,
        st.km,
        st.main_nodes,
        text.len() as f64 / 1e6,
        started.elapsed().as_secs_f64(),
        peak_rss()
    );
    // One-off figures first, in the order a run pays them, so that the peak
    // memory printed is what a run with 30 or 100 bases needs (criterion's
    // repeated builds below would raise the high-water mark).
    for n in [30, 100] {
        let points = bases(n);
        let started = std::time::Instant::now();
        let t = RoadTravel::new(net.clone(), &points, 2.0, 20.0);
        eprintln!(
            "{n} bases: tables {:.1} MB, built once in {:.2} s; peak resident memory so far {}",
            t.table_bytes() as f64 / 1e6,
            started.elapsed().as_secs_f64(),
            peak_rss()
        );
    }
    let mut group = c.benchmark_group("road_setup");
    group.sample_size(10);
    group.bench_function("read_county_geojson", |b| {
        b.iter(|| {
            RoadNetwork::from_geojson(&text, "county.geojson", CENTRE, &Speeds::default())
                .expect("valid network")
        })
    });
    for n in [30, 100] {
        let points = bases(n);
        group.bench_function(format!("tables_county_{n}_bases"), |b| {
            b.iter(|| RoadTravel::new(net.clone(), &points, 2.0, 20.0))
        });
    }
    // Trips from points without a table (a unit sent on from a scene): one
    // search each, across the county.
    let t = RoadTravel::new(net.clone(), &bases(30), 2.0, 20.0);
    let nodes = st.main_nodes as u32;
    group.throughput(Throughput::Elements(1000));
    group.bench_function("point_to_point_1000_trips", |b| {
        b.iter(|| {
            (0..1000u32)
                .map(|i| t.network().path_min(i * 7919 % nodes, i * 104_729 % nodes))
                .sum::<f64>()
        })
    });
    group.finish();
}

/// Huimin with its `[travel]` section replaced by a synthetic network
/// written to `dir`.
fn huimin_on_roads(dir: &std::path::Path) -> Scenario {
    let path = format!("{}/scenarios/huimin.toml", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(path).expect("huimin.toml");
    let roads = synthetic_grid(CENTRE, (-21.0, -43.0), (103, 109), 0.5, 11);
    std::fs::write(dir.join("roads.geojson"), roads).expect("write network");
    let outline = format!(
        "boundary = \"{}/scenarios/data/",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = text
        .replacen("speed_kmh = 45.0", "network = \"roads.geojson\"\n#", 1)
        .replacen("detour = 1.3", "#", 1)
        .replacen("boundary = \"data/", &outline, 1);
    let file = dir.join("huimin_roads.toml");
    std::fs::write(&file, text).expect("write scenario");
    Scenario::load(&file).expect("huimin on roads loads")
}

fn engine(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .expect("pool");
    let plain = Scenario::load(format!(
        "{}/scenarios/huimin.toml",
        env!("CARGO_MANIFEST_DIR")
    ))
    .expect("huimin loads");
    let roads = huimin_on_roads(dir.path());
    let mut group = c.benchmark_group("road_engine");
    group.sample_size(10);
    for (label, s) in [
        ("huimin_straight_line", &plain),
        ("huimin_road_network", &roads),
    ] {
        let mut opts = RunOptions::from_scenario(s);
        opts.replications = 1;
        opts.days = 365.0 + s.warmup_days;
        let events = one.install(|| experiment::run(s, &opts, &|| {}).expect("runs").events);
        group.throughput(Throughput::Elements(events));
        group.bench_function(label, |b| {
            b.iter(|| one.install(|| experiment::run(s, &opts, &|| {}).expect("runs").events))
        });
    }
    group.finish();
}

criterion_group!(benches, setup, engine);
criterion_main!(benches);
