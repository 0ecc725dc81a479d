//! Same seed, same results, whatever the thread count; another seed differs.

use policesim::Scenario;
use policesim::experiment::{self, RunOptions};
use policesim::incidents::{Generator, StreamModel};

use super::conservation::BUSY;

fn summaries(threads: usize, seed: u64) -> String {
    let s = Scenario::from_toml(BUSY, "busy.toml").unwrap();
    let mut opts = RunOptions::from_scenario(&s);
    opts.seed = seed;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    let out = pool.install(|| experiment::run(&s, &opts, &|| {}).unwrap());
    let all: Vec<_> = out.strategies.iter().map(|s| &s.summary).collect();
    serde_json::to_string(&all).unwrap()
}

#[test]
fn thread_count_does_not_change_results() {
    let one = summaries(1, 5);
    assert_eq!(one, summaries(2, 5));
    assert_eq!(one, summaries(3, 5));
    assert_ne!(one, summaries(1, 6));
}

#[test]
fn the_stream_depends_only_on_seed_and_replication() {
    let s = Scenario::from_toml(BUSY, "busy.toml").unwrap();
    let model = StreamModel::new(&s);
    let take =
        |seed, rep| -> Vec<_> { Generator::new(&s, &model, seed, rep, 5.0 * 1440.0).collect() };
    let a = take(3, 0);
    assert_eq!(a, take(3, 0));
    assert_ne!(a, take(3, 1));
    assert_ne!(a, take(4, 0));
    // The stream has the rate the scenario asks for: 60 a day over 5 days.
    assert!((250..350).contains(&a.len()), "{}", a.len());
    // Call times increase; ids count up from 1.
    assert!(a.windows(2).all(|w| w[0].call_min <= w[1].call_min));
    assert_eq!(a[0].id, 1);
}

#[test]
fn changing_a_duration_distribution_moves_no_call() {
    // Separate streams per source: on-scene times do not shift arrivals,
    // places or kinds.
    let s1 = Scenario::from_toml(BUSY, "busy.toml").unwrap();
    let s2 = Scenario::from_toml(
        &BUSY.replace("mean = 35.0, sd = 20.0", "mean = 50.0, sd = 5.0"),
        "busy.toml",
    )
    .unwrap();
    let (m1, m2) = (StreamModel::new(&s1), StreamModel::new(&s2));
    let a: Vec<_> = Generator::new(&s1, &m1, 9, 0, 1440.0).collect();
    let b: Vec<_> = Generator::new(&s2, &m2, 9, 0, 1440.0).collect();
    assert_eq!(a.len(), b.len());
    for (x, y) in a.iter().zip(&b) {
        assert_eq!((x.call_min, x.pos, x.kind), (y.call_min, y.pos, y.kind));
    }
    assert!(
        a.iter()
            .zip(&b)
            .any(|(x, y)| x.on_scene_min != y.on_scene_min)
    );
}
