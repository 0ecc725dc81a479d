//! Engine throughput: events per second for one replication-year of a
//! scenario's strategies, single-threaded.
//!
//! Criterion reports "elem/s": each element is one simulated event, counted
//! exactly as the `policesim run` timing line counts them.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use policesim::Scenario;
use policesim::experiment::{self, RunOptions};

fn one_year(c: &mut Criterion, file: &str) {
    let path = format!("{}/scenarios/{file}", env!("CARGO_MANIFEST_DIR"));
    let s = Scenario::load(&path).expect("scenario loads");
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .expect("pool");
    let mut opts = RunOptions::from_scenario(&s);
    opts.replications = 1;
    opts.days = 365.0 + s.warmup_days;
    let run = || pool.install(|| experiment::run(&s, &opts, &|| {}).expect("runs"));
    let events = run().events;
    let mut group = c.benchmark_group("engine");
    group.throughput(Throughput::Elements(events));
    group.sample_size(20);
    group.bench_function(format!("{}_one_year_all_strategies", s.name), |b| {
        b.iter(|| std::hint::black_box(run().events))
    });
    group.finish();
}

fn engine(c: &mut Criterion) {
    one_year(c, "mmc.toml");
    if std::path::Path::new(&format!(
        "{}/scenarios/huimin.toml",
        env!("CARGO_MANIFEST_DIR")
    ))
    .exists()
    {
        one_year(c, "huimin.toml");
    }
}

criterion_group!(benches, engine);
criterion_main!(benches);
