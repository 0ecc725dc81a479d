//! Statistics: one record per incident, streaming accumulators per
//! replication, and the summaries every exporter reads.
//!
//! Accumulators never keep per-incident values (percentiles come from an HDR
//! histogram at 0.001-minute resolution and 3 significant digits), so memory
//! does not grow with the simulated horizon unless per-incident records are
//! asked for.

use hdrhistogram::Histogram;
use serde::{Deserialize, Serialize};
use statrs::distribution::{ContinuousCDF, StudentsT};

use crate::engine::{Live, Observer, RunOutput, RunSpec, UnitSpec, Visit};
use crate::incidents::Incident;
use crate::map::Point;
use crate::roster::{Role, Roster};
use crate::scenario::{MIN_PER_DAY, Scenario};

/// Histogram resolution: values are stored in thousandths of a minute.
const HIST_SCALE: f64 = 1000.0;

/// Minutes (>= 0) to histogram units, rounded to nearest. `+ 0.5` and a
/// truncating cast instead of `f64::round`, which is a library call on
/// baseline x86-64.
#[inline]
fn to_hist(minutes: f64) -> u64 {
    (minutes * HIST_SCALE + 0.5) as u64
}

/// One closed incident, for `incidents.csv`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IncidentRecord {
    /// Identifier from the stream.
    pub id: u64,
    /// Kind index.
    pub kind: u16,
    /// Station (jurisdiction) index.
    pub station: u32,
    /// Location.
    pub pos: Point,
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
    /// Each unit's part (most incidents have one or two units: kept inline,
    /// so keeping records costs no allocation per incident).
    pub visits: Visits,
}

/// The units' parts of one incident, inline up to two.
pub type Visits = smallvec::SmallVec<[Visit; 2]>;

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
    pub multi_count: u64,
    /// Of which the whole force assembled.
    pub assembly_count: u64,
    /// Sum of their assembly times, minutes.
    pub assembly_sum: f64,
    /// Incidents still open at the end.
    pub open: u64,
    /// Incidents whose first unit came from another station's district.
    pub cross_district: u64,
    /// Response times in thousandths of a minute.
    pub hist: Histogram<u64>,
    /// Assembly times of assembled multi-unit incidents, thousandths of a minute.
    pub assembly_hist: Histogram<u64>,
}

/// A response-time histogram sized for values up to a day, so that it
/// never reallocates in a normal run (it still grows past a day if needed).
fn response_hist() -> Histogram<u64> {
    let mut h =
        Histogram::new_with_bounds(1, to_hist(MIN_PER_DAY), 3).expect("valid histogram bounds");
    h.auto(true);
    h
}

/// A histogram that starts small (about 16 kB) and grows to the largest
/// value recorded.
fn growing_hist() -> Histogram<u64> {
    Histogram::new(3).expect("3 significant digits is valid")
}

impl Default for Acc {
    /// Histograms that start small and grow as needed: right for the many
    /// groups of a large county (one per station).
    fn default() -> Self {
        Self {
            hist: growing_hist(),
            assembly_hist: growing_hist(),
            ..Self::empty()
        }
    }
}

impl Acc {
    /// A response histogram sized for a day at once, for the few groups that
    /// record many incidents (kinds, and the overall sum of them): regrowing
    /// it would copy it many times.
    fn presized() -> Self {
        Self {
            hist: response_hist(),
            assembly_hist: growing_hist(),
            ..Self::empty()
        }
    }

    /// Adds an incident to the counts and sums only (not the histograms).
    #[inline]
    fn add_scalars(
        &mut self,
        response: f64,
        wait: f64,
        assembly: Option<f64>,
        within: bool,
        cross: bool,
    ) {
        self.count += 1;
        self.cross_district += u64::from(cross);
        self.response_sum += response;
        self.wait_sum += wait;
        self.within_target += u64::from(within);
        if let Some(a) = assembly {
            self.multi_count += 1;
            if !a.is_nan() {
                self.assembly_count += 1;
                self.assembly_sum += a;
            }
        }
    }

    /// Adds an incident to the counts, sums and histograms.
    #[inline]
    fn add(&mut self, response: f64, wait: f64, assembly: Option<f64>, within: bool, cross: bool) {
        self.add_scalars(response, wait, assembly, within, cross);
        if let Some(a) = assembly.filter(|a| !a.is_nan()) {
            self.assembly_hist
                .record(to_hist(a))
                .expect("auto-resizing histogram");
        }
        self.hist
            .record(to_hist(response))
            .expect("auto-resizing histogram");
    }

    /// Zero counts and placeholder histograms, for accumulators that never
    /// record into their histograms themselves.
    fn empty() -> Self {
        Self {
            count: 0,
            response_sum: 0.0,
            within_target: 0,
            wait_sum: 0.0,
            multi_count: 0,
            assembly_count: 0,
            assembly_sum: 0.0,
            open: 0,
            cross_district: 0,
            hist: tiny(),
            assembly_hist: tiny(),
        }
    }

    /// Adds `other`'s histograms, which it keeps.
    fn add_hists(&mut self, other: &Acc) {
        for (into, from) in [
            (&mut self.hist, &other.hist),
            (&mut self.assembly_hist, &other.assembly_hist),
        ] {
            if !from.is_empty() {
                into.add(from).expect("auto-resizing histogram");
            }
        }
    }

    /// Adds `other`'s histograms, taking them over when this one has none.
    fn absorb_hists(&mut self, other: Acc) {
        absorb_hist(&mut self.hist, other.hist);
        absorb_hist(&mut self.assembly_hist, other.assembly_hist);
    }

    /// Adds `other`'s counts and sums (histograms are pooled separately,
    /// see [`Hists`]).
    fn merge(&mut self, other: &Acc) {
        self.count += other.count;
        self.response_sum += other.response_sum;
        self.within_target += other.within_target;
        self.wait_sum += other.wait_sum;
        self.multi_count += other.multi_count;
        self.assembly_count += other.assembly_count;
        self.assembly_sum += other.assembly_sum;
        self.open += other.open;
        self.cross_district += other.cross_district;
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

    /// Share of multi-unit incidents whose whole force assembled, percent.
    pub fn assembled_pct(&self) -> Option<f64> {
        ratio(self.assembly_count as f64 * 100.0, self.multi_count)
    }

    /// Share reached within the target, percent.
    pub fn within_target_pct(&self) -> Option<f64> {
        ratio(self.within_target as f64 * 100.0, self.count)
    }

    /// Share answered first by a unit from another district, percent.
    pub fn cross_district_pct(&self) -> Option<f64> {
        ratio(self.cross_district as f64 * 100.0, self.count)
    }

    /// Response-time quantile `q` (0..1), minutes.
    pub fn response_quantile(&self, q: f64) -> Option<f64> {
        quantile(&self.hist, q)
    }
}

/// Quantile `q` (0..1) of a histogram, minutes (`None` when empty).
fn quantile(h: &Histogram<u64>, q: f64) -> Option<f64> {
    (!h.is_empty()).then(|| h.lowest_equivalent(h.value_at_quantile(q)) as f64 / HIST_SCALE)
}

/// Adds `from`'s counts to `into`; moves it instead when `into` is empty
/// (the first replication to finish), which costs nothing.
fn absorb_hist(into: &mut Histogram<u64>, from: Histogram<u64>) {
    if from.is_empty() {
        return;
    }
    if into.is_empty() {
        *into = from;
    } else {
        into.add(&from).expect("auto-resizing histogram");
    }
}

fn ratio(sum: f64, n: u64) -> Option<f64> {
    (n > 0).then(|| sum / n as f64)
}

/// Everything measured in one replication of one strategy.
#[derive(Debug, Clone)]
pub struct Recorder {
    warmup_min: f64,
    /// Response target of each demand point's calls, minutes.
    targets: Vec<f64>,
    /// Incidents that called inside the statistics window.
    pub generated: u64,
    /// All incidents (counts and sums only: its histograms are the sum of
    /// the kinds', built by [`Recorder::take_hists`]).
    pub overall: Acc,
    /// By kind, in scenario order.
    pub kinds: Vec<Acc>,
    /// By station (jurisdiction), in scenario order.
    pub stations: Vec<Acc>,
    /// Per-incident records, when asked for.
    pub records: Option<Vec<IncidentRecord>>,
    /// By hour of the day.
    pub hours: [HourAcc; 24],
    /// 90th percentile of response, kept when the histograms are pooled.
    pub overall_p90_min: Option<f64>,
}

/// Response and assembly histograms of every group, pooled over
/// replications as they finish. Histogram counts add exactly in any order,
/// so pooling on the fly keeps results identical for any thread count while
/// memory stays that of one set of histograms per strategy.
#[derive(Debug, Clone)]
pub struct Hists {
    /// All incidents.
    pub overall: Acc,
    /// By kind.
    pub kinds: Vec<Acc>,
    /// By station.
    pub stations: Vec<Acc>,
}

impl Hists {
    /// Empty histograms for `scenario`.
    pub fn new(scenario: &Scenario) -> Self {
        Self {
            overall: Acc::empty(),
            kinds: vec![Acc::empty(); scenario.incidents.kinds.len()],
            stations: vec![Acc::empty(); scenario.stations.len()],
        }
    }

    /// Adds `other`'s counts.
    pub fn absorb(&mut self, other: Hists) {
        self.overall.absorb_hists(other.overall);
        for (a, b) in self.kinds.iter_mut().zip(other.kinds) {
            a.absorb_hists(b);
        }
        for (a, b) in self.stations.iter_mut().zip(other.stations) {
            a.absorb_hists(b);
        }
    }
}

/// A placeholder histogram: one significant digit keeps it a few hundred
/// bytes, against tens of kilobytes for a real one.
fn tiny() -> Histogram<u64> {
    Histogram::new(1).expect("1 significant digit is valid")
}

fn take_hist(acc: &mut Acc) -> Acc {
    Acc {
        hist: std::mem::replace(&mut acc.hist, tiny()),
        assembly_hist: std::mem::replace(&mut acc.assembly_hist, tiny()),
        ..Acc::empty()
    }
}

/// Statistics of one hour of the day.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct HourAcc {
    /// Incidents that called in this hour.
    pub count: u64,
    /// Their response times summed, minutes.
    pub response_sum: f64,
    /// Waiting calls integrated over time in this hour, call-minutes.
    pub waiting_area: f64,
}

/// One replication of one strategy: what the engine returned and what the
/// [`Recorder`] observing it measured.
#[derive(Debug, Clone)]
pub struct Replication {
    /// The engine's output (events, busy minutes).
    pub output: RunOutput,
    /// The statistics.
    pub recorder: Recorder,
}

impl Observer for Recorder {
    fn call(&mut self, incident: &Incident) {
        if incident.call_min >= self.warmup_min {
            self.generated += 1;
        }
    }

    fn waiting(&mut self, from_min: f64, to_min: f64, calls: f64) {
        self.waiting_area(from_min, to_min, calls);
    }

    fn closed(&mut self, live: &Live, cross_station: bool) {
        self.finish(live, cross_station);
    }

    fn open(&mut self, live: &Live) {
        Recorder::open(self, live);
    }
}

impl Recorder {
    /// An empty recorder for `scenario`.
    pub fn new(scenario: &Scenario, spec: RunSpec) -> Self {
        Self {
            warmup_min: spec.warmup_min,
            targets: (0..scenario.demand.len())
                .map(|d| scenario.demand_target_min(d))
                .collect(),
            generated: 0,
            overall: Acc::empty(),
            // Station histograms grow as needed: a county may have a
            // thousand stations.
            kinds: vec![Acc::presized(); scenario.incidents.kinds.len()],
            stations: vec![Acc::default(); scenario.stations.len()],
            records: spec.per_incident.then(Vec::new),
            hours: [HourAcc::default(); 24],
            overall_p90_min: None,
        }
    }

    /// Adds `calls` waiting calls over `[from, to)` to the by-hour bins.
    pub fn waiting_area(&mut self, from: f64, to: f64, calls: f64) {
        let mut a = from;
        while a < to {
            let hour_start = ((a / 60.0) as u64) as f64 * 60.0;
            let b = (hour_start + 60.0).min(to);
            let h = ((hour_start / 60.0) as u64 % 24) as usize;
            self.hours[h].waiting_area += calls * (b - a);
            a = b;
        }
    }

    /// Records a closed incident.
    pub fn finish(&mut self, live: &Live, cross_district: bool) {
        let inc = &live.incident;
        if inc.call_min < self.warmup_min {
            return;
        }
        let response = live.arrive_min - inc.call_min;
        let wait = live.dispatch_min - live.ready_min;
        // NaN assembly: a multi-unit incident whose force was stood down.
        let assembly = live.multi_unit.then_some(live.assembled_min - inc.call_min);
        // Each call against its own area's target.
        let within = response <= self.targets[inc.demand as usize];
        // The overall histograms are summed from the kinds' at the end:
        // one histogram record fewer per incident.
        self.overall
            .add_scalars(response, wait, assembly, within, cross_district);
        self.kinds[inc.kind as usize].add(response, wait, assembly, within, cross_district);
        self.stations[inc.station as usize].add(response, wait, assembly, within, cross_district);
        // Call times are >= 0: truncation is floor.
        let h = ((inc.call_min / 60.0) as u64 % 24) as usize;
        self.hours[h].count += 1;
        self.hours[h].response_sum += response;
        if let Some(records) = &mut self.records {
            records.push(IncidentRecord {
                id: inc.id,
                kind: inc.kind,
                station: inc.station,
                pos: inc.pos,
                call_min: inc.call_min,
                ready_min: live.ready_min,
                dispatch_min: live.dispatch_min,
                arrive_min: live.arrive_min,
                assembled_min: live.assembled_min,
                clear_min: live.clear_min,
                visits: Visits::from_slice(&live.visits),
            });
        }
    }

    /// Moves the histograms out (to pool them) and notes what the
    /// replication itself still needs from them: its 90th percentile.
    pub fn take_hists(&mut self) -> Hists {
        let kinds: Vec<Acc> = self.kinds.iter_mut().map(take_hist).collect();
        let mut overall = Acc::presized();
        for k in &kinds {
            overall.add_hists(k);
        }
        self.overall_p90_min = quantile(&overall.hist, 0.9);
        Hists {
            overall,
            kinds,
            stations: self.stations.iter_mut().map(take_hist).collect(),
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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
    /// 5th percentile, minutes.
    pub response_p05_min: Option<f64>,
    /// 25th percentile, minutes.
    pub response_p25_min: Option<f64>,
    /// 75th percentile, minutes.
    pub response_p75_min: Option<f64>,
    /// 95th percentile, minutes.
    pub response_p95_min: Option<f64>,
    /// Share reached within the target, percent.
    pub within_target_pct: Option<f64>,
    /// Mean wait from ready to first assignment, minutes.
    pub wait_mean_min: Option<f64>,
    /// 95 % confidence half-width of the mean wait, minutes.
    pub wait_mean_ci95_min: Option<f64>,
    /// Mean call-to-all-units-on-scene time of multi-unit incidents whose
    /// force assembled, minutes.
    pub assembly_mean_min: Option<f64>,
    /// Share of multi-unit incidents whose whole force assembled, percent.
    pub assembled_pct: Option<f64>,
    /// Busy share of on-duty time of the group's units, percent.
    pub unit_utilization_pct: Option<f64>,
    /// Incidents still open at the end of a replication, all replications.
    pub open_incidents: u64,
    /// Share answered first by a unit from another station's district, percent.
    pub cross_district_pct: Option<f64>,
}

/// The headline figures of one replication (for paired comparisons).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
    /// Mean on-duty hours per officer per week.
    pub officer_duty_hours_per_week: Option<f64>,
    /// Mean incident hours (on duty and called in) per officer per week.
    pub officer_busy_hours_per_week: Option<f64>,
    /// Share answered first by a unit from another district, percent.
    pub cross_district_pct: Option<f64>,
}

/// One unit's load over all replications.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnitSummary {
    /// Unit name.
    pub name: String,
    /// Station id it belongs to.
    pub station: String,
    /// What it is.
    pub kind: crate::engine::UnitKind,
    /// Busy share of the statistics window, percent.
    pub utilization_pct: f64,
    /// The same, replication by replication.
    pub utilization_pct_by_replication: Vec<f64>,
}

/// Mean response and waiting calls in one hour of the day.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HourSummary {
    /// Hour of the day, 0..23.
    pub hour: u32,
    /// Incidents that called in this hour, all replications.
    pub incidents: u64,
    /// Their mean response, minutes.
    pub response_mean_min: Option<f64>,
    /// Mean number of calls waiting for a first unit during this hour.
    pub waiting_calls_mean: f64,
}

/// One person's work, averaged over replications.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PersonSummary {
    /// The pool (who they are).
    pub pool: String,
    /// Their role.
    pub role: Role,
    /// On-duty hours per week.
    pub duty_hours_per_week: f64,
    /// Duty shifts per month (30.44 days).
    pub shifts_per_month: f64,
    /// Share of duty hours at night, percent.
    pub night_share_pct: f64,
    /// Hours on incidents while on duty, per week.
    pub busy_hours_per_week: f64,
    /// Hours on incidents when called in off duty, per week.
    pub callout_hours_per_week: f64,
    /// On-duty hours not spent on 110 incidents, per week.
    pub non110_hours_per_week: f64,
}

/// Work of everybody in one role.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RoleSummary {
    /// Role.
    pub role: Role,
    /// Plain label.
    pub label: String,
    /// People in the role.
    pub people: u32,
    /// Posts in the role filled at all times.
    pub posts: u32,
    /// Mean on-duty hours per week.
    pub duty_hours_per_week: f64,
    /// Mean duty shifts per month.
    pub shifts_per_month: f64,
    /// Mean share of duty at night, percent.
    pub night_share_pct: f64,
    /// Mean incident hours on duty per week.
    pub busy_hours_per_week: f64,
    /// Mean called-in incident hours per week.
    pub callout_hours_per_week: f64,
    /// Mean on-duty hours not spent on 110 incidents per week.
    pub non110_hours_per_week: f64,
    /// Fairness: highest incident load / mean incident load.
    pub load_max_over_mean: Option<f64>,
    /// Fairness: coefficient of variation of incident load across people.
    pub load_cv: Option<f64>,
    /// Coefficient of variation of duty hours across people.
    pub duty_cv: Option<f64>,
}

/// Everything one strategy produced, over all replications.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
    /// By zone: the jurisdictions of its member stations together, with the
    /// units based at them (`[[zones]]` order; empty without zones).
    #[serde(default)]
    pub per_zone: Vec<GroupSummary>,
    /// Mean on-duty hours per station officer per week.
    pub officer_duty_hours_per_week: Option<f64>,
    /// Mean incident hours (on duty and called in) per station officer per week.
    pub officer_busy_hours_per_week: Option<f64>,
    /// Mean on-duty hours per station auxiliary per week.
    pub aux_duty_hours_per_week: Option<f64>,
    /// Coefficient of variation of incident hours across station officers.
    pub officer_load_cv: Option<f64>,
    /// Mean on-duty hours not spent on 110 incidents per station officer per week.
    pub officer_non110_hours_per_week: Option<f64>,
    /// Officers on duty at any moment (every post, station staff or not).
    pub on_duty_officers: u32,
    /// Auxiliaries on duty at any moment.
    pub on_duty_auxiliaries: u32,
    /// Each unit's utilisation.
    pub units: Vec<UnitSummary>,
    /// Work by role.
    pub roles: Vec<RoleSummary>,
    /// Work of each person.
    pub people: Vec<PersonSummary>,
    /// Response and waiting calls by hour of the day.
    pub time_of_day: Vec<HourSummary>,
    /// Empirical CDF of response times: `[minutes, share of incidents <= it]`.
    pub response_cdf: Vec<[f64; 2]>,
    /// Empirical CDF of assembly times of assembled multi-unit incidents.
    pub assembly_cdf: Vec<[f64; 2]>,
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
/// accumulator, `busy_min`/`units` the group's on-duty unit busy minutes and count.
fn group(
    name: &str,
    accs: &[&Acc],
    hists: &Acc,
    busy_min: f64,
    units: usize,
    window_min: f64,
) -> GroupSummary {
    let mut pooled = Acc::empty();
    for a in accs {
        pooled.merge(a);
    }
    // Percentiles from the histograms pooled as replications finished.
    let q = |p| quantile(&hists.hist, p);
    let resp: Vec<f64> = accs.iter().filter_map(|a| a.response_mean()).collect();
    let wait: Vec<f64> = accs.iter().filter_map(|a| a.wait_mean()).collect();
    let asm: Vec<f64> = accs.iter().filter_map(|a| a.assembly_mean()).collect();
    let capacity = units as f64 * window_min * accs.len() as f64;
    GroupSummary {
        name: name.to_string(),
        incidents: pooled.count,
        response_mean_min: mean(&resp),
        response_mean_ci95_min: ci95_half_width(&resp),
        response_p50_min: q(0.5),
        response_p90_min: q(0.9),
        response_p95_min: q(0.95),
        response_p05_min: q(0.05),
        response_p25_min: q(0.25),
        response_p75_min: q(0.75),
        within_target_pct: pooled.within_target_pct(),
        wait_mean_min: mean(&wait),
        wait_mean_ci95_min: ci95_half_width(&wait),
        assembly_mean_min: mean(&asm),
        assembled_pct: pooled.assembled_pct(),
        unit_utilization_pct: (capacity > 0.0).then(|| 100.0 * busy_min / capacity),
        open_incidents: pooled.open,
        cross_district_pct: pooled.cross_district_pct(),
    }
}

/// Empirical CDF points of a histogram, thinned to steps of at least 0.2 %
/// of the incidents (exact at every point kept; the last point is 1).
pub fn cdf(h: &Histogram<u64>) -> Vec<[f64; 2]> {
    let total = h.len();
    if total == 0 {
        return Vec::new();
    }
    let mut out = Vec::new();
    let mut seen = 0u64;
    let mut last = 0.0;
    let mut values = h.iter_recorded().peekable();
    while let Some(v) = values.next() {
        seen += v.count_since_last_iteration();
        let share = seen as f64 / total as f64;
        if share - last >= 0.002 || values.peek().is_none() {
            // The bucket's lowest value: exact for values the histogram
            // represents exactly, within 0.1 % otherwise.
            out.push([
                h.lowest_equivalent(v.value_iterated_to()) as f64 / HIST_SCALE,
                share,
            ]);
            last = share;
        }
    }
    out
}

/// Coefficient of variation (sd / mean, population sd) of `xs`.
fn cv(xs: &[f64]) -> Option<f64> {
    let m = mean(xs)?;
    if m <= 0.0 {
        return None;
    }
    let var = xs.iter().map(|x| (x - m).powi(2)).sum::<f64>() / xs.len() as f64;
    Some(var.sqrt() / m)
}

/// Per-person work over all replications.
fn people(roster: &Roster, runs: &[Replication], from: f64, to: f64) -> Vec<PersonSummary> {
    let weeks = (to - from) / (7.0 * MIN_PER_DAY);
    let months = (to - from) / (30.44 * MIN_PER_DAY);
    let duty = roster.duty(from, to);
    let reps = runs.len().max(1) as f64;
    let pool_of = roster.pool_of_person();
    (0..roster.people())
        .map(|p| {
            let pool = &roster.pools[pool_of[p] as usize];
            let busy = runs
                .iter()
                .map(|r| r.output.person_busy_min[p])
                .sum::<f64>()
                / reps;
            let callout = runs
                .iter()
                .map(|r| r.output.person_callout_min[p])
                .sum::<f64>()
                / reps;
            let d = duty.duty_min[p];
            PersonSummary {
                pool: pool.name.clone(),
                role: pool.role,
                duty_hours_per_week: d / 60.0 / weeks,
                shifts_per_month: f64::from(duty.shifts[p]) / months,
                night_share_pct: if d > 0.0 {
                    100.0 * duty.night_min[p] / d
                } else {
                    0.0
                },
                busy_hours_per_week: busy / 60.0 / weeks,
                callout_hours_per_week: callout / 60.0 / weeks,
                non110_hours_per_week: (d - busy).max(0.0) / 60.0 / weeks,
            }
        })
        .collect()
}

fn roles(roster: &Roster, people: &[PersonSummary]) -> Vec<RoleSummary> {
    let mut roles: Vec<Role> = roster.pools.iter().map(|p| p.role).collect();
    roles.sort();
    roles.dedup();
    roles
        .into_iter()
        .map(|role| {
            let ps: Vec<&PersonSummary> = people.iter().filter(|p| p.role == role).collect();
            let avg = |f: fn(&PersonSummary) -> f64| -> f64 {
                mean(&ps.iter().map(|p| f(p)).collect::<Vec<_>>()).unwrap_or(0.0)
            };
            let load: Vec<f64> = ps
                .iter()
                .map(|p| p.busy_hours_per_week + p.callout_hours_per_week)
                .collect();
            let duty: Vec<f64> = ps.iter().map(|p| p.duty_hours_per_week).collect();
            let load_mean = mean(&load).unwrap_or(0.0);
            RoleSummary {
                role,
                label: role.label().to_string(),
                people: ps.len() as u32,
                posts: roster
                    .pools
                    .iter()
                    .filter(|p| p.role == role)
                    .map(|p| p.posts)
                    .sum(),
                duty_hours_per_week: avg(|p| p.duty_hours_per_week),
                shifts_per_month: avg(|p| p.shifts_per_month),
                night_share_pct: avg(|p| p.night_share_pct),
                busy_hours_per_week: avg(|p| p.busy_hours_per_week),
                callout_hours_per_week: avg(|p| p.callout_hours_per_week),
                non110_hours_per_week: avg(|p| p.non110_hours_per_week),
                load_max_over_mean: (load_mean > 0.0)
                    .then(|| load.iter().copied().fold(0.0, f64::max) / load_mean),
                load_cv: cv(&load),
                duty_cv: cv(&duty),
            }
        })
        .collect()
}

/// Everything needed to summarise one strategy's replications.
#[derive(Debug, Clone, Copy)]
pub struct SummaryInput<'a> {
    /// Strategy name.
    pub strategy: &'a str,
    /// The scenario.
    pub scenario: &'a Scenario,
    /// The strategy's units.
    pub fleet: &'a [UnitSpec],
    /// Its roster.
    pub roster: &'a Roster,
    /// Start of the statistics window, minutes.
    pub from_min: f64,
    /// End of the statistics window (the horizon), minutes.
    pub to_min: f64,
}

/// Summarises the replications of one strategy.
pub fn summarise(input: SummaryInput<'_>, runs: &[Replication], hists: &Hists) -> StrategySummary {
    let SummaryInput {
        strategy,
        scenario,
        fleet,
        roster,
        from_min,
        to_min,
    } = input;
    let window_min = to_min - from_min;
    let weeks = window_min / (7.0 * MIN_PER_DAY);
    let on_duty: Vec<usize> = (0..fleet.len()).filter(|&u| fleet[u].on_duty()).collect();
    let busy_of = |r: &Replication, units: &[usize]| {
        units
            .iter()
            .map(|&u| r.output.unit_busy_min[u])
            .sum::<f64>()
    };
    let total_busy: f64 = runs.iter().map(|r| busy_of(r, &on_duty)).sum();
    let overall: Vec<&Acc> = runs.iter().map(|r| &r.recorder.overall).collect();
    let per_kind = scenario
        .incidents
        .kinds
        .iter()
        .enumerate()
        .map(|(k, kind)| {
            let accs: Vec<&Acc> = runs.iter().map(|r| &r.recorder.kinds[k]).collect();
            group(&kind.name, &accs, &hists.kinds[k], 0.0, 0, window_min)
        })
        .collect();
    let per_station = scenario
        .stations
        .iter()
        .enumerate()
        .map(|(s, st)| {
            let accs: Vec<&Acc> = runs.iter().map(|r| &r.recorder.stations[s]).collect();
            let units: Vec<usize> = on_duty
                .iter()
                .copied()
                .filter(|&u| fleet[u].station == s)
                .collect();
            let busy: f64 = runs.iter().map(|r| busy_of(r, &units)).sum();
            group(
                &st.id,
                &accs,
                &hists.stations[s],
                busy,
                units.len(),
                window_min,
            )
        })
        .collect();
    // A zone's figures pool its member stations' jurisdictions: the same
    // grouping under every strategy, and its units are those based at the
    // member stations (under zone_cooperation, its groups at the hub).
    let per_zone = scenario
        .zones
        .iter()
        .map(|z| {
            let accs: Vec<Acc> = runs
                .iter()
                .map(|r| {
                    let mut a = Acc::empty();
                    for &s in &z.stations {
                        a.merge(&r.recorder.stations[s]);
                    }
                    a
                })
                .collect();
            let mut pooled = Acc::empty();
            for &s in &z.stations {
                pooled.add_hists(&hists.stations[s]);
            }
            let units: Vec<usize> = on_duty
                .iter()
                .copied()
                .filter(|&u| z.stations.contains(&fleet[u].station))
                .collect();
            let busy: f64 = runs.iter().map(|r| busy_of(r, &units)).sum();
            group(
                &z.id,
                &accs.iter().collect::<Vec<_>>(),
                &pooled,
                busy,
                units.len(),
                window_min,
            )
        })
        .collect();
    let units = fleet
        .iter()
        .enumerate()
        .map(|(u, spec)| UnitSummary {
            name: spec.name.clone(),
            station: scenario.stations[spec.station].id.clone(),
            kind: spec.kind,
            utilization_pct: 100.0 * runs.iter().map(|r| r.output.unit_busy_min[u]).sum::<f64>()
                / (window_min * runs.len() as f64),
            utilization_pct_by_replication: runs
                .iter()
                .map(|r| 100.0 * r.output.unit_busy_min[u] / window_min)
                .collect(),
        })
        .collect();
    let people = people(roster, runs, from_min, to_min);
    let pool_of = roster.pool_of_person();
    // Headline load figures are over station people (`[[stations]]`), who
    // exist under every strategy; squads and specialists are in `roles`.
    let station_staff = |p: usize| roster.pools[pool_of[p] as usize].station_staff;
    let officers: Vec<usize> = (0..people.len())
        .filter(|&p| station_staff(p) && roster.pools[pool_of[p] as usize].role.is_officer())
        .collect();
    let auxes: Vec<usize> = (0..people.len())
        .filter(|&p| station_staff(p) && !roster.pools[pool_of[p] as usize].role.is_officer())
        .collect();
    let officer_duty = mean(
        &officers
            .iter()
            .map(|&p| people[p].duty_hours_per_week)
            .collect::<Vec<_>>(),
    );
    let officer_load: Vec<f64> = officers
        .iter()
        .map(|&p| people[p].busy_hours_per_week + people[p].callout_hours_per_week)
        .collect();
    let posts = |officer: bool| -> u32 {
        roster
            .pools
            .iter()
            .filter(|p| p.role.is_officer() == officer)
            .map(|p| p.posts)
            .sum()
    };
    let mut time_of_day = Vec::with_capacity(24);
    let days = window_min / MIN_PER_DAY;
    for h in 0..24 {
        let count: u64 = runs.iter().map(|r| r.recorder.hours[h].count).sum();
        let sum: f64 = runs.iter().map(|r| r.recorder.hours[h].response_sum).sum();
        let area: f64 = runs.iter().map(|r| r.recorder.hours[h].waiting_area).sum();
        time_of_day.push(HourSummary {
            hour: h as u32,
            incidents: count,
            response_mean_min: ratio(sum, count),
            waiting_calls_mean: area / (60.0 * days * runs.len() as f64),
        });
    }
    let per_replication = runs
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let a = &r.recorder.overall;
            let load: Vec<f64> = officers
                .iter()
                .map(|&p| {
                    (r.output.person_busy_min[p] + r.output.person_callout_min[p]) / 60.0 / weeks
                })
                .collect();
            ReplicationSummary {
                replication: i as u32,
                incidents: a.count,
                generated: r.recorder.generated,
                response_mean_min: a.response_mean(),
                response_p90_min: r.recorder.overall_p90_min,
                within_target_pct: a.within_target_pct(),
                wait_mean_min: a.wait_mean(),
                assembly_mean_min: a.assembly_mean(),
                unit_utilization_pct: (!on_duty.is_empty())
                    .then(|| 100.0 * busy_of(r, &on_duty) / (on_duty.len() as f64 * window_min)),
                open_incidents: a.open,
                events: r.output.events,
                officer_duty_hours_per_week: officer_duty,
                officer_busy_hours_per_week: mean(&load),
                cross_district_pct: a.cross_district_pct(),
            }
        })
        .collect();
    StrategySummary {
        response_cdf: cdf(&hists.overall.hist),
        assembly_cdf: cdf(&hists.overall.assembly_hist),
        strategy: strategy.to_string(),
        replications: runs.len() as u32,
        overall: group(
            strategy,
            &overall,
            &hists.overall,
            total_busy,
            on_duty.len(),
            window_min,
        ),
        per_kind,
        per_station,
        per_zone,
        officer_duty_hours_per_week: officer_duty,
        officer_busy_hours_per_week: mean(&officer_load),
        aux_duty_hours_per_week: mean(
            &auxes
                .iter()
                .map(|&p| people[p].duty_hours_per_week)
                .collect::<Vec<_>>(),
        ),
        officer_load_cv: cv(&officer_load),
        officer_non110_hours_per_week: mean(
            &officers
                .iter()
                .map(|&p| people[p].non110_hours_per_week)
                .collect::<Vec<_>>(),
        ),
        on_duty_officers: posts(true),
        on_duty_auxiliaries: posts(false),
        units,
        roles: roles(roster, &people),
        people,
        time_of_day,
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
            a.add(i as f64 / 10.0, 0.0, None, true, false);
        }
        let p90 = a.response_quantile(0.9).unwrap();
        assert!((p90 - 90.0).abs() / 90.0 < 1e-3, "{p90}");
        assert_eq!(a.response_mean(), Some(50.05));
    }
}
