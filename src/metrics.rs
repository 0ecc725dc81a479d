//! Statistics: one record per incident, streaming accumulators per
//! replication, and the summaries every exporter reads.
//!
//! Accumulators never keep per-incident values (percentiles come from an HDR
//! histogram at 0.001-minute resolution and 3 significant digits), so memory
//! does not grow with the simulated horizon unless per-incident records are
//! asked for.

use hdrhistogram::Histogram;
use serde::Serialize;
use statrs::distribution::{ContinuousCDF, StudentsT};

use crate::engine::{Live, RunOutput, RunSpec, UnitSpec, Visit};
use crate::scenario::Scenario;

/// Histogram resolution: values are stored in thousandths of a minute.
const HIST_SCALE: f64 = 1000.0;

/// One closed incident, for `incidents.csv`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IncidentRecord {
    /// Identifier from the stream.
    pub id: u64,
    /// Kind index.
    pub kind: u16,
    /// Station (jurisdiction) index.
    pub station: u32,
    /// Call time, minutes.
    pub call_min: f64,
    /// Ready for dispatch, minutes.
    pub ready_min: f64,
    /// First unit assigned, minutes.
    pub dispatch_min: f64,
    /// First unit on scene, minutes.
    pub arrive_min: f64,
    /// All needed units on scene, minutes.
    pub assembled_min: f64,
    /// Last unit leaves the scene, minutes.
    pub clear_min: f64,
    /// Each unit's part.
    pub visits: Vec<Visit>,
}

/// Streaming statistics of a group of incidents (all, one kind, one station).
#[derive(Debug, Clone)]
pub struct Acc {
    /// Incidents closed.
    pub count: u64,
    /// Sum of response times, minutes.
    pub response_sum: f64,
    /// Incidents reached within the target.
    pub within_target: u64,
    /// Sum of waits for dispatch, minutes.
    pub wait_sum: f64,
    /// Multi-unit incidents closed.
    pub assembly_count: u64,
    /// Sum of their assembly times, minutes.
    pub assembly_sum: f64,
    /// Incidents still open at the end.
    pub open: u64,
    /// Response times in thousandths of a minute.
    pub hist: Histogram<u64>,
}

impl Default for Acc {
    fn default() -> Self {
        Self {
            count: 0,
            response_sum: 0.0,
            within_target: 0,
            wait_sum: 0.0,
            assembly_count: 0,
            assembly_sum: 0.0,
            open: 0,
            hist: Histogram::new(3).expect("3 significant digits is valid"),
        }
    }
}

impl Acc {
    fn add(&mut self, response: f64, wait: f64, assembly: Option<f64>, within: bool) {
        self.count += 1;
        self.response_sum += response;
        self.wait_sum += wait;
        self.within_target += u64::from(within);
        if let Some(a) = assembly {
            self.assembly_count += 1;
            self.assembly_sum += a;
        }
        self.hist
            .record((response * HIST_SCALE).round() as u64)
            .expect("auto-resizing histogram");
    }

    fn merge(&mut self, other: &Acc) {
        self.count += other.count;
        self.response_sum += other.response_sum;
        self.within_target += other.within_target;
        self.wait_sum += other.wait_sum;
        self.assembly_count += other.assembly_count;
        self.assembly_sum += other.assembly_sum;
        self.open += other.open;
        self.hist.add(&other.hist).expect("auto-resizing histogram");
    }

    /// Mean response time, minutes.
    pub fn response_mean(&self) -> Option<f64> {
        ratio(self.response_sum, self.count)
    }

    /// Mean wait for dispatch, minutes.
    pub fn wait_mean(&self) -> Option<f64> {
        ratio(self.wait_sum, self.count)
    }

    /// Mean assembly time of multi-unit incidents, minutes.
    pub fn assembly_mean(&self) -> Option<f64> {
        ratio(self.assembly_sum, self.assembly_count)
    }

    /// Share reached within the target, percent.
    pub fn within_target_pct(&self) -> Option<f64> {
        ratio(self.within_target as f64 * 100.0, self.count)
    }

    /// Response-time quantile `q` (0..1), minutes.
    pub fn response_quantile(&self, q: f64) -> Option<f64> {
        (self.count > 0).then(|| self.hist.value_at_quantile(q) as f64 / HIST_SCALE)
    }
}

fn ratio(sum: f64, n: u64) -> Option<f64> {
    (n > 0).then(|| sum / n as f64)
}

/// Everything measured in one replication of one strategy.
#[derive(Debug, Clone)]
pub struct Recorder {
    warmup_min: f64,
    target_min: f64,
    /// Incidents that called inside the statistics window.
    pub generated: u64,
    /// All incidents.
    pub overall: Acc,
    /// By kind, in scenario order.
    pub kinds: Vec<Acc>,
    /// By station (jurisdiction), in scenario order.
    pub stations: Vec<Acc>,
    /// Per-incident records, when asked for.
    pub records: Option<Vec<IncidentRecord>>,
}

impl Recorder {
    /// An empty recorder for `scenario`.
    pub fn new(scenario: &Scenario, _fleet: &[UnitSpec], spec: RunSpec) -> Self {
        Self {
            warmup_min: spec.warmup_min,
            target_min: scenario.target_min,
            generated: 0,
            overall: Acc::default(),
            kinds: vec![Acc::default(); scenario.incidents.kinds.len()],
            stations: vec![Acc::default(); scenario.stations.len()],
            records: spec.per_incident.then(Vec::new),
        }
    }

    /// Records a closed incident.
    pub fn finish(&mut self, live: &Live) {
        let inc = &live.incident;
        if inc.call_min < self.warmup_min {
            return;
        }
        let response = live.arrive_min - inc.call_min;
        let wait = live.dispatch_min - live.ready_min;
        let assembly = (live.need > 1).then_some(live.assembled_min - inc.call_min);
        let within = response <= self.target_min;
        for acc in [
            &mut self.overall,
            &mut self.kinds[inc.kind as usize],
            &mut self.stations[inc.station as usize],
        ] {
            acc.add(response, wait, assembly, within);
        }
        if let Some(records) = &mut self.records {
            records.push(IncidentRecord {
                id: inc.id,
                kind: inc.kind,
                station: inc.station,
                call_min: inc.call_min,
                ready_min: live.ready_min,
                dispatch_min: live.dispatch_min,
                arrive_min: live.arrive_min,
                assembled_min: live.assembled_min,
                clear_min: live.clear_min,
                visits: live.visits.clone(),
            });
        }
    }

    /// Counts an incident still open at the end.
    pub fn open(&mut self, live: &Live) {
        let inc = &live.incident;
        if inc.call_min < self.warmup_min {
            return;
        }
        self.overall.open += 1;
        self.kinds[inc.kind as usize].open += 1;
        self.stations[inc.station as usize].open += 1;
    }
}

/// Statistics of a group of incidents over all replications.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupSummary {
    /// Group name: strategy, kind name or station id.
    pub name: String,
    /// Incidents closed after warm-up, all replications.
    pub incidents: u64,
    /// Mean call-to-first-arrival time, minutes (mean of replication means).
    pub response_mean_min: Option<f64>,
    /// 95 % confidence half-width of that mean across replications, minutes.
    pub response_mean_ci95_min: Option<f64>,
    /// Median response time over all incidents, minutes.
    pub response_p50_min: Option<f64>,
    /// 90th percentile, minutes.
    pub response_p90_min: Option<f64>,
    /// 95th percentile, minutes.
    pub response_p95_min: Option<f64>,
    /// Share reached within the target, percent.
    pub within_target_pct: Option<f64>,
    /// Mean wait from ready to first assignment, minutes.
    pub wait_mean_min: Option<f64>,
    /// 95 % confidence half-width of the mean wait, minutes.
    pub wait_mean_ci95_min: Option<f64>,
    /// Mean call-to-all-units-on-scene time of multi-unit incidents, minutes.
    pub assembly_mean_min: Option<f64>,
    /// Busy share of on-duty time of the group's units, percent.
    pub unit_utilization_pct: Option<f64>,
    /// Incidents still open at the end of a replication, all replications.
    pub open_incidents: u64,
}

/// The headline figures of one replication (for paired comparisons).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReplicationSummary {
    /// Replication number (0-based).
    pub replication: u32,
    /// Incidents closed after warm-up.
    pub incidents: u64,
    /// Incidents that called after warm-up.
    pub generated: u64,
    /// Mean response time, minutes.
    pub response_mean_min: Option<f64>,
    /// 90th percentile response, minutes.
    pub response_p90_min: Option<f64>,
    /// Share within target, percent.
    pub within_target_pct: Option<f64>,
    /// Mean wait for dispatch, minutes.
    pub wait_mean_min: Option<f64>,
    /// Mean assembly time of multi-unit incidents, minutes.
    pub assembly_mean_min: Option<f64>,
    /// Unit utilisation, percent.
    pub unit_utilization_pct: Option<f64>,
    /// Incidents open at the end.
    pub open_incidents: u64,
    /// Events simulated.
    pub events: u64,
}

/// One unit's load over all replications.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UnitSummary {
    /// Unit name.
    pub name: String,
    /// Station id it belongs to.
    pub station: String,
    /// Busy share of the statistics window, percent.
    pub utilization_pct: f64,
}

/// Everything one strategy produced, over all replications.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StrategySummary {
    /// Strategy name.
    pub strategy: String,
    /// Replications run.
    pub replications: u32,
    /// All incidents.
    #[serde(flatten)]
    pub overall: GroupSummary,
    /// By incident kind.
    pub per_kind: Vec<GroupSummary>,
    /// By station jurisdiction.
    pub per_station: Vec<GroupSummary>,
    /// Each unit's utilisation.
    pub units: Vec<UnitSummary>,
    /// Each replication's headline figures.
    pub per_replication: Vec<ReplicationSummary>,
}

/// Two-sided 95 % Student-t half-width of the mean of `xs`.
pub fn ci95_half_width(xs: &[f64]) -> Option<f64> {
    let n = xs.len();
    if n < 2 {
        return None;
    }
    let mean = xs.iter().sum::<f64>() / n as f64;
    let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
    let t = StudentsT::new(0.0, 1.0, (n - 1) as f64)
        .expect("valid degrees of freedom")
        .inverse_cdf(0.975);
    Some(t * (var / n as f64).sqrt())
}

fn mean(xs: &[f64]) -> Option<f64> {
    (!xs.is_empty()).then(|| xs.iter().sum::<f64>() / xs.len() as f64)
}

/// Summarises a group across replications: `accs[r]` is replication `r`'s
/// accumulator, `busy_min`/`units` the group's unit busy minutes and count.
fn group(name: &str, accs: &[&Acc], busy_min: f64, units: usize, window_min: f64) -> GroupSummary {
    let mut pooled = Acc::default();
    for a in accs {
        pooled.merge(a);
    }
    let resp: Vec<f64> = accs.iter().filter_map(|a| a.response_mean()).collect();
    let wait: Vec<f64> = accs.iter().filter_map(|a| a.wait_mean()).collect();
    let asm: Vec<f64> = accs.iter().filter_map(|a| a.assembly_mean()).collect();
    let capacity = units as f64 * window_min * accs.len() as f64;
    GroupSummary {
        name: name.to_string(),
        incidents: pooled.count,
        response_mean_min: mean(&resp),
        response_mean_ci95_min: ci95_half_width(&resp),
        response_p50_min: pooled.response_quantile(0.5),
        response_p90_min: pooled.response_quantile(0.9),
        response_p95_min: pooled.response_quantile(0.95),
        within_target_pct: pooled.within_target_pct(),
        wait_mean_min: mean(&wait),
        wait_mean_ci95_min: ci95_half_width(&wait),
        assembly_mean_min: mean(&asm),
        unit_utilization_pct: (capacity > 0.0).then(|| 100.0 * busy_min / capacity),
        open_incidents: pooled.open,
    }
}

/// Summarises the replications of one strategy.
pub fn summarise(
    strategy: &str,
    scenario: &Scenario,
    fleet: &[UnitSpec],
    runs: &[RunOutput],
    window_min: f64,
) -> StrategySummary {
    let n_units = fleet.len();
    let total_busy: f64 = runs.iter().flat_map(|r| r.unit_busy_min.iter()).sum();
    let overall: Vec<&Acc> = runs.iter().map(|r| &r.recorder.overall).collect();
    let per_kind = scenario
        .incidents
        .kinds
        .iter()
        .enumerate()
        .map(|(k, kind)| {
            let accs: Vec<&Acc> = runs.iter().map(|r| &r.recorder.kinds[k]).collect();
            group(&kind.name, &accs, 0.0, 0, window_min)
        })
        .collect();
    let per_station = scenario
        .stations
        .iter()
        .enumerate()
        .map(|(s, st)| {
            let accs: Vec<&Acc> = runs.iter().map(|r| &r.recorder.stations[s]).collect();
            let units: Vec<usize> = (0..n_units).filter(|&u| fleet[u].station == s).collect();
            let busy: f64 = runs
                .iter()
                .map(|r| units.iter().map(|&u| r.unit_busy_min[u]).sum::<f64>())
                .sum();
            group(&st.id, &accs, busy, units.len(), window_min)
        })
        .collect();
    let units = fleet
        .iter()
        .enumerate()
        .map(|(u, spec)| UnitSummary {
            name: spec.name.clone(),
            station: scenario.stations[spec.station].id.clone(),
            utilization_pct: 100.0 * runs.iter().map(|r| r.unit_busy_min[u]).sum::<f64>()
                / (window_min * runs.len() as f64),
        })
        .collect();
    let per_replication = runs
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let a = &r.recorder.overall;
            let busy: f64 = r.unit_busy_min.iter().sum();
            ReplicationSummary {
                replication: i as u32,
                incidents: a.count,
                generated: r.recorder.generated,
                response_mean_min: a.response_mean(),
                response_p90_min: a.response_quantile(0.9),
                within_target_pct: a.within_target_pct(),
                wait_mean_min: a.wait_mean(),
                assembly_mean_min: a.assembly_mean(),
                unit_utilization_pct: (n_units > 0)
                    .then(|| 100.0 * busy / (n_units as f64 * window_min)),
                open_incidents: a.open,
                events: r.events,
            }
        })
        .collect();
    StrategySummary {
        strategy: strategy.to_string(),
        replications: runs.len() as u32,
        overall: group(strategy, &overall, total_busy, n_units, window_min),
        per_kind,
        per_station,
        units,
        per_replication,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ci_half_width_matches_a_t_table() {
        // n = 5, sd = 1: t(0.975, 4) = 2.776, so the half-width is 2.776 / sqrt(5).
        let xs = [-1.0, -0.5, 0.0, 0.5, 1.0];
        let sd = (2.5_f64 / 4.0).sqrt();
        let hw = ci95_half_width(&xs).unwrap();
        assert!((hw - 2.776_445 * sd / 5f64.sqrt()).abs() < 1e-5, "{hw}");
        assert_eq!(ci95_half_width(&[1.0]), None);
    }

    #[test]
    fn quantiles_are_within_histogram_precision() {
        let mut a = Acc::default();
        for i in 1..=1000 {
            a.add(i as f64 / 10.0, 0.0, None, true);
        }
        let p90 = a.response_quantile(0.9).unwrap();
        assert!((p90 - 90.0).abs() / 90.0 < 1e-3, "{p90}");
        assert_eq!(a.response_mean(), Some(50.05));
    }
}
