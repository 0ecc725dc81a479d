//! Criterion benches of the engine. Every throughput is in simulated events
//! ("elem/s"), counted exactly as the `policesim run` timing line counts them.
//!
//! - `engine/*`: one replication-year of a scenario, every strategy, 1 thread;
//! - `strategy_year/*`: one replication-year of each Huimin strategy alone;
//! - `threads/*`: a 8-replication Huimin run on 1, 2 (, 4) threads;
//! - `dispatch/*`: nearest-free-unit selection as a pooled force grows from
//!   10 to 1,000 units (posts shared by many units, and the worst case of one
//!   post per unit), at a constant load per unit;
//! - `floor/*`: a bare binary-heap hold loop, the floor the engine is
//!   measured against in the same run: each event pops the earliest entry
//!   and pushes one an exponential time later, keyed like the engine's queue
//!   (time bits, then insertion number, in one `u128`). With 4 entries it
//!   holds what `mmc.toml`'s queue holds (3 units' next events and the next
//!   call); 64 entries show how little the heap's size matters.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use policesim::Scenario;
use policesim::experiment::{self, RunOptions};
use rand::SeedableRng;
use rand_distr::{Distribution, Exp1};
use rand_xoshiro::Xoshiro256PlusPlus;

fn scenario(file: &str) -> Scenario {
    let path = format!("{}/scenarios/{file}", env!("CARGO_MANIFEST_DIR"));
    Scenario::load(&path).expect("scenario loads")
}

fn pool(threads: usize) -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("pool")
}

/// One replication of one year after the warm-up.
fn year(s: &Scenario, strategies: &[&str]) -> RunOptions {
    let mut opts = RunOptions::from_scenario(s);
    opts.replications = 1;
    opts.days = 365.0 + s.warmup_days;
    opts.strategies = strategies.iter().map(|n| n.to_string()).collect();
    opts
}

fn events(s: &Scenario, opts: &RunOptions, threads: &rayon::ThreadPool) -> u64 {
    threads.install(|| experiment::run(s, opts, &|| {}).expect("runs").events)
}

fn engine(c: &mut Criterion) {
    let one = pool(1);
    let mut group = c.benchmark_group("engine");
    group.sample_size(20);
    for file in ["mmc.toml", "huimin.toml"] {
        let s = scenario(file);
        let opts = year(&s, &[]);
        group.throughput(Throughput::Elements(events(&s, &opts, &one)));
        group.bench_function(format!("{}_one_year_all_strategies", s.name), |b| {
            b.iter(|| events(&s, &opts, &one))
        });
    }
    group.finish();

    let s = scenario("huimin.toml");
    let mut group = c.benchmark_group("strategy_year");
    group.sample_size(20);
    for cfg in &s.strategies {
        let opts = year(&s, &[cfg.name()]);
        group.throughput(Throughput::Elements(events(&s, &opts, &one)));
        group.bench_function(format!("huimin_{}", cfg.name()), |b| {
            b.iter(|| events(&s, &opts, &one))
        });
    }
    group.finish();
}

fn threads(c: &mut Criterion) {
    let s = scenario("huimin.toml");
    let mut opts = RunOptions::from_scenario(&s);
    opts.replications = 8;
    opts.days = 120.0;
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut group = c.benchmark_group("threads");
    group.sample_size(10);
    let work = events(&s, &opts, &pool(1));
    group.throughput(Throughput::Elements(work));
    let mut n = 1;
    while n <= cores.max(2) {
        let p = pool(n);
        group.bench_with_input(BenchmarkId::new("huimin_8_replications", n), &n, |b, _| {
            b.iter(|| events(&s, &opts, &p))
        });
        n *= 2;
    }
    group.finish();
}

/// A square county of `posts` stations on a grid, `units` pooled units
/// spread over them, 12 calls a day per unit (about half busy).
fn pooled(units: u32, posts: u32) -> Scenario {
    let side = (f64::from(posts)).sqrt().ceil() as u32;
    let mut text = format!(
        "[scenario]\nname = \"pooled\"\ndays = 30\nreplications = 1\n[travel]\nspeed_kmh = 40.0\n\
         [incidents]\nper_day = {}\n[[incidents.kinds]]\nname = \"general\"\nshare = 1.0\n\
         on_scene = {{ dist = \"exponential\", mean = 45.0 }}\n\
         [strategies.efficiency]\nunits = {units}\n",
        12 * units
    );
    for i in 0..posts {
        let (x, y) = (f64::from(i % side) * 3.0, f64::from(i / side) * 3.0);
        let per_post = units.div_ceil(posts) + 1;
        text.push_str(&format!(
            "[[stations]]\nid = \"s{i}\"\nx_km = {x}\ny_km = {y}\nofficers = {}\nauxiliaries = {}\n\
             [[demand]]\nx_km = {x}\ny_km = {y}\nweight = 1.0\nspread_km = 2.0\n",
            4 * per_post,
            8 * per_post
        ));
    }
    Scenario::from_toml(&text, "pooled.toml").expect("valid pooled scenario")
}

fn dispatch(c: &mut Criterion) {
    let one = pool(1);
    let mut group = c.benchmark_group("dispatch");
    group.sample_size(10);
    for units in [10u32, 100, 1000] {
        for (label, posts) in [("40_posts", 40.min(units)), ("one_post_per_unit", units)] {
            let s = pooled(units, posts);
            let mut opts = RunOptions::from_scenario(&s);
            opts.days = 30.0 * 100.0 / f64::from(units.max(100));
            let n = events(&s, &opts, &one);
            group.throughput(Throughput::Elements(n));
            group.bench_with_input(BenchmarkId::new(label, units), &units, |b, _| {
                b.iter(|| events(&s, &opts, &one))
            });
        }
    }
    group.finish();
}

/// `events` events of a hold loop over `pending` entries: pop the earliest,
/// push one `Exp(1)` hours later. Returns the last time, so nothing is
/// optimised away.
fn hold_loop(pending: usize, events: u64) -> f64 {
    let key = |t: f64, seq: u64| (u128::from(t.to_bits()) << 64) | u128::from(seq);
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(7);
    let mut heap = BinaryHeap::with_capacity(pending + 1);
    let mut seq = 0;
    for _ in 0..pending {
        let t: f64 = Exp1.sample(&mut rng);
        heap.push(Reverse(key(t * 60.0, seq)));
        seq += 1;
    }
    let mut now = 0.0;
    for _ in 0..events {
        let Reverse(k) = heap.pop().expect("never empty");
        now = f64::from_bits((k >> 64) as u64);
        let dt: f64 = Exp1.sample(&mut rng);
        heap.push(Reverse(key(now + dt * 60.0, seq)));
        seq += 1;
    }
    now
}

fn floor(c: &mut Criterion) {
    let mut group = c.benchmark_group("floor");
    group.sample_size(20);
    // About the events of one mmc replication-year.
    let events = 150_000;
    group.throughput(Throughput::Elements(events));
    for pending in [4usize, 64] {
        group.bench_with_input(BenchmarkId::new("hold_loop", pending), &pending, |b, &p| {
            b.iter(|| black_box(hold_loop(p, events)))
        });
    }
    group.finish();
}

criterion_group!(benches, engine, floor, threads, dispatch);
criterion_main!(benches);
