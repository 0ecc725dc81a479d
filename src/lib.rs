// Layers, bottom (first line) to top (last line). A module uses only
// modules on its own line or on earlier lines, and modules on one line
// never import each other in a circle; tests/integration/layers.rs reads
// this list and checks both.
// Scenario data is at the bottom; the engine defines the `Strategy` and
// `Observer` traits that the strategies and the statistics implement;
// loading a scenario checks each strategy's staffing plan, so it sits above
// the strategies; report, at the top, reads the outcomes of the layers
// below (experiment, optimise, fit, sweep, sensitivity, analytic, backtest),
// metrics and the scenario data, and runs no strategy itself.
//
// layers:
//   geo, dist, output
//   roads
//   map, boundary
//   scenario
//   incidents, calllog, roster
//   engine
//   strategy, metrics
//   load, analytic, compare, backtest
//   experiment
//   optimise, fit, sweep, sensitivity
//   report
// end of layers

//! # policesim
//!
//! A discrete-event simulator for comparing ways of organising county
//! policing — per-station response, cooperation zones, traffic-merged
//! stations, efficiency policing — on how fast officers reach incidents and
//! how hard they work.
//!
//! A run is: load a [`Scenario`] (TOML), run every strategy for every
//! replication on the same incidents ([`experiment::run`]), and read the
//! [`metrics::StrategySummary`] of each.
//!
//! ```
//! use policesim::{Scenario, experiment};
//!
//! let text = r#"
//! [scenario]
//! name = "one-station"
//! days = 30
//! warmup_days = 2
//! replications = 2
//! seed = 7
//! [[stations]]
//! id = "a"
//! x_km = 0.0
//! y_km = 0.0
//! officers = 4
//! auxiliaries = 8
//! [[demand]]
//! x_km = 3.0
//! y_km = 4.0
//! weight = 1.0
//! [incidents]
//! per_day = 20.0
//! [[incidents.kinds]]
//! name = "general"
//! share = 1.0
//! on_scene = { dist = "exponential", mean = 30.0 }
//! [strategies.per_station]
//! units = 2
//! "#;
//! let scenario = Scenario::from_toml(text, "example.toml")?;
//! let opts = experiment::RunOptions::from_scenario(&scenario);
//! let outcome = experiment::run(&scenario, &opts, &|| {})?;
//! let summary = &outcome.strategies[0].summary;
//! // 5 km at 40 km/h with a detour factor of 1.3 is 9.75 minutes' drive.
//! assert!(summary.overall.response_mean_min.unwrap() >= 9.75);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![warn(missing_docs)]

pub mod analytic;
pub mod backtest;
pub mod boundary;
pub mod calllog;
pub mod compare;
pub mod dist;
pub mod engine;
pub mod experiment;
pub mod fit;
pub mod geo;
pub mod incidents;
pub mod load;
pub mod map;
pub mod metrics;
pub mod optimise;
pub mod output;
pub mod report;
pub mod roads;
pub mod roster;
pub mod scenario;
pub mod sensitivity;
pub mod strategy;
pub mod sweep;

pub use scenario::Scenario;
