//! Integration tests for `policesim`, one binary: each module is named by the
//! behaviour it pins; shared helpers live in `common`.

mod common;

mod all_strategies;
mod area_targets;
mod backtest_is_exact;
mod bad_input;
mod call_logs;
mod charts_and_report;
mod chinese_text;
mod conservation;
mod county_outline;
mod determinism;
mod diff_of_two_runs;
mod dispatch_rules;
mod excel_csv;
mod fit_recovers;
mod generate_round_trip;
mod hypercube_matches;
mod layers;
mod limits_and_warnings;
mod map_geojson;
mod no_allocation_per_event;
mod optimiser_finds_erlang_c_staffing;
mod output_folder;
mod queueing_theory;
mod replay_is_exact;
mod road_network_is_exact;
mod robustness;
mod scenarios_run;
mod sensitivity_finds_what_matters;
mod set_overrides;
mod staffing_per_station_and_zone;
mod strategies_agree;
mod strategy_subsets;
mod sweep;
mod warnings_and_words;
mod weekly_profile;
mod weibull_distribution;
