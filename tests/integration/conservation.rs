//! Nothing is lost: every incident after warm-up is either in the statistics
//! or reported open, times are ordered, and no unit is in two places at once.

use std::collections::HashMap;

use policesim::Scenario;
use policesim::experiment::{self, RunOptions};

/// Three stations, multi-unit kinds, an evening peak and one overloaded
/// station (so some incidents are still open at the end).
pub const BUSY: &str = include_str!("../data/three_stations.toml");

#[test]
fn every_incident_is_counted_once_and_times_are_ordered() {
    let s = Scenario::from_toml(BUSY, "busy.toml").unwrap();
    assert!(
        !s.warnings.is_empty(),
        "the east station is meant to be overloaded"
    );
    let mut opts = RunOptions::from_scenario(&s);
    opts.per_incident = true;
    let out = experiment::run(&s, &opts, &|| {}).unwrap();
    let st = &out.strategies[0];
    let mut open_total = 0;
    for (rep, summary) in st.summary.per_replication.iter().enumerate() {
        assert!(summary.generated > 0);
        assert_eq!(
            summary.generated,
            summary.incidents + summary.open_incidents,
            "replication {rep}: generated = closed + open"
        );
        assert_eq!(st.records[rep].len() as u64, summary.incidents);
        open_total += summary.open_incidents;
    }
    assert!(open_total > 0, "the overloaded station leaves calls open");
    assert_eq!(st.summary.overall.open_incidents, open_total);

    for records in &st.records {
        check_records(&s, records);
    }
}

#[test]
fn kind_and_station_breakdowns_add_up() {
    let s = Scenario::from_toml(BUSY, "busy.toml").unwrap();
    let out = experiment::run(&s, &RunOptions::from_scenario(&s), &|| {}).unwrap();
    let sum = &out.strategies[0].summary;
    let by_kind: u64 = sum.per_kind.iter().map(|k| k.incidents).sum();
    let by_station: u64 = sum.per_station.iter().map(|k| k.incidents).sum();
    assert_eq!(by_kind, sum.overall.incidents);
    assert_eq!(by_station, sum.overall.incidents);
    let open_by_station: u64 = sum.per_station.iter().map(|k| k.open_incidents).sum();
    assert_eq!(open_by_station, sum.overall.open_incidents);
    // The overloaded east station is far busier than the others.
    let util = |id: &str| {
        sum.per_station
            .iter()
            .find(|g| g.name == id)
            .unwrap()
            .unit_utilization_pct
            .unwrap()
    };
    assert!(util("east") > 95.0, "east {}", util("east"));
    assert!(util("north") < util("east"));
}

/// Times ordered, forces consistent, no unit in two places at once.
pub fn check_records(s: &Scenario, records: &[policesim::metrics::IncidentRecord]) {
    let warmup = s.warmup_min();
    let mut by_unit: HashMap<u32, Vec<(f64, f64)>> = HashMap::new();
    for r in records {
        assert!(r.call_min >= warmup);
        assert!(r.call_min <= r.ready_min, "{r:?}");
        assert!(r.ready_min <= r.dispatch_min, "{r:?}");
        assert!(r.dispatch_min <= r.arrive_min, "{r:?}");
        assert!(r.arrive_min <= r.clear_min, "{r:?}");
        assert!(!r.visits.is_empty(), "{r:?}");
        if !r.assembled_min.is_nan() {
            assert!(r.arrive_min <= r.assembled_min, "{r:?}");
            assert!(r.assembled_min <= r.clear_min, "{r:?}");
        }
        for v in &r.visits {
            assert!(
                v.dispatch_min <= v.arrive_min && v.arrive_min <= v.leave_min,
                "{r:?}"
            );
            by_unit
                .entry(v.unit.0)
                .or_default()
                .push((v.dispatch_min, v.leave_min));
        }
    }
    for (unit, mut spans) in by_unit {
        spans.sort_by(|a, b| a.0.total_cmp(&b.0));
        for w in spans.windows(2) {
            assert!(
                w[1].0 >= w[0].1,
                "unit {unit} dispatched at {} while still on scene until {}",
                w[1].0,
                w[0].1
            );
        }
    }
}
