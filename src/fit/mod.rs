//! `policesim fit`: estimates a scenario's call stream, demand and delays
//! from a call log.
//!
//! The input is a list of [`Call`]s (whatever file they came from: the
//! command converts the replay reader's rows). [`fit`] estimates
//! - the arrival rate: `per_day`, `hourly` and `weekly` ([`arrivals`]);
//! - each kind's share and on-scene time, by maximum likelihood over four
//!   families chosen by AIC ([`durations`]);
//! - `[[demand]]` points from a grid of cells;
//! - call processing and travel, when the log has observed times.
//!
//! [`write::fitted_toml`] writes the result into the base scenario's text,
//! every fitted number with a comment saying what it came from, and
//! the fit report is drawn by the command.

pub mod arrivals;
pub mod cad;
pub mod durations;
pub mod write;

use std::collections::BTreeMap;

use rand::SeedableRng;
use rand::seq::IndexedRandom;
use rand_chacha::ChaCha8Rng;

use crate::map::{Point, TravelModel};
use crate::scenario::{MIN_PER_DAY, Scenario, Weekday};

pub use arrivals::{ArrivalFit, UniformTest};
pub use durations::DurationFit;

/// One call of a log, in the scenario's terms.
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    /// Call received, minutes from minute 0 (midnight starting the log's
    /// first weekday).
    pub call_min: f64,
    /// Where, km in the scenario's plane.
    pub pos: Point,
    /// Index of the base scenario's kind.
    pub kind: usize,
    /// Index of the station whose jurisdiction it is, when the log says.
    pub station: Option<usize>,
    /// First unit dispatched, minutes from minute 0, when observed.
    pub dispatch_min: Option<f64>,
    /// First unit on scene, minutes, when observed.
    pub arrive_min: Option<f64>,
    /// Incident closed, minutes, when observed.
    pub clear_min: Option<f64>,
    /// Time on scene, minutes, when the log gives it directly.
    pub on_scene_min: Option<f64>,
}

impl Call {
    /// Minutes on scene: the log's own figure, else clear − arrive.
    pub fn on_scene(&self) -> Option<f64> {
        self.on_scene_min
            .or(match (self.arrive_min, self.clear_min) {
                (Some(a), Some(c)) if c >= a => Some(c - a),
                _ => None,
            })
    }
}

/// Calls with every observed time, from the engine's per-incident records
/// (as a log made by `policesim generate --log` holds them), sorted by
/// call time. The station is the incident's jurisdiction; the on-scene
/// time is clear − arrive.
pub fn calls_from_records(records: &[crate::metrics::IncidentRecord]) -> Vec<Call> {
    let mut calls: Vec<Call> = records
        .iter()
        .map(|r| Call {
            call_min: r.call_min,
            pos: r.pos,
            kind: r.kind as usize,
            station: Some(r.station as usize),
            dispatch_min: Some(r.dispatch_min),
            arrive_min: Some(r.arrive_min),
            clear_min: Some(r.clear_min),
            on_scene_min: None,
        })
        .collect();
    calls.sort_by(|a, b| a.call_min.total_cmp(&b.call_min));
    calls
}

/// Settings of a fit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FitOptions {
    /// Side of the square demand cells, km.
    pub cell_km: f64,
    /// Write each kind's observed on-scene times as an empirical distribution.
    pub empirical: bool,
}

impl Default for FitOptions {
    fn default() -> Self {
        Self {
            cell_km: 2.0,
            empirical: false,
        }
    }
}

/// Why a log cannot be fitted.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FitError {
    /// No calls at all.
    #[error("the log has no calls to fit")]
    Empty,
    /// `--cell-km` not a positive number.
    #[error("--cell-km must be a positive number, found {0}")]
    CellKm(f64),
    /// A call names a kind the base scenario lacks (a bug of the caller).
    #[error("a call has kind number {0}, but the scenario has only {1} kinds")]
    Kind(usize, usize),
}

/// One kind's share and on-scene time.
#[derive(Debug, Clone, PartialEq)]
pub struct KindFit {
    /// The kind's name.
    pub name: String,
    /// Calls of this kind.
    pub n: usize,
    /// Share of all calls.
    pub share: f64,
    /// The on-scene fit, when the log has at least two distinct durations.
    pub on_scene: Option<DurationFit>,
    /// Where the on-scene times came from: the log's `on_scene_min`, or
    /// clear − arrive.
    pub on_scene_source: &'static str,
    /// Why the fitted on-scene time may overstate each unit's, when it does:
    /// for a kind that needs several units, clear − arrive runs from the
    /// first unit's arrival to the last unit's departure.
    pub caveat: Option<String>,
}

/// One `[[demand]]` point: the calls of one grid cell.
#[derive(Debug, Clone, PartialEq)]
pub struct CellFit {
    /// Mean position of the cell's calls.
    pub pos: Point,
    /// Calls in the cell (the point's weight).
    pub n: usize,
    /// Radius of the disc with the same mean squared distance from `pos`
    /// as the calls (√2 × their RMS distance), km, capped at the cell side.
    pub spread_km: f64,
    /// The cell's most common station in the log, with its calls there.
    pub station: Option<(usize, usize)>,
    /// Column and row of the cell in the grid.
    pub cell: (i64, i64),
}

/// A delay observed in the log.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DelayFit {
    /// Intervals observed.
    pub n: usize,
    /// Median, minutes.
    pub median: f64,
    /// Mean, minutes.
    pub mean: f64,
    /// 90th percentile, minutes.
    pub p90: f64,
}

/// Travel estimated from dispatch→arrive against straight-line distance.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TravelFit {
    /// Calls used.
    pub n: usize,
    /// Theil–Sen intercept: minutes at zero distance (turnout).
    pub intercept_min: f64,
    /// Theil–Sen slope, minutes per straight-line km.
    pub min_per_km: f64,
    /// The base's detour factor, kept.
    pub detour: f64,
    /// The speed that gives the slope with that detour, km/h.
    pub speed_kmh: f64,
    /// Median absolute residual, minutes.
    pub median_abs_residual: f64,
}

/// Everything [`fit`] estimates.
#[derive(Debug, Clone, PartialEq)]
pub struct Fit {
    /// Calls fitted.
    pub n: usize,
    /// Weekday of minute 0.
    pub start_weekday: Weekday,
    /// The arrival rate.
    pub arrivals: ArrivalFit,
    /// Per kind of the base scenario, in its order.
    pub kinds: Vec<KindFit>,
    /// Demand points, by grid cell.
    pub demand: Vec<CellFit>,
    /// Side of the grid cells, km.
    pub cell_km: f64,
    /// Whether the calls named their station.
    pub stations_mapped: bool,
    /// Call → first dispatch, when observed.
    pub call_to_dispatch: Option<DelayFit>,
    /// Dispatch → arrival against distance, when observed (straight-line
    /// travel model only).
    pub travel: Option<TravelFit>,
}

/// Fits `calls` for the base scenario `base` (its kinds and stations give
/// the indices). Minute 0 of the log is midnight of a `start` weekday;
/// `days` is the whole days observed (default: up to the end of the last
/// call's day).
pub fn fit(
    base: &Scenario,
    calls: &[Call],
    start: Weekday,
    days: Option<usize>,
    opts: &FitOptions,
) -> Result<Fit, FitError> {
    if calls.is_empty() {
        return Err(FitError::Empty);
    }
    if !(opts.cell_km.is_finite() && opts.cell_km > 0.0) {
        return Err(FitError::CellKm(opts.cell_km));
    }
    let k = base.incidents.kinds.len();
    if let Some(c) = calls.iter().find(|c| c.kind >= k) {
        return Err(FitError::Kind(c.kind, k));
    }
    let last = calls.iter().map(|c| c.call_min).fold(0.0, f64::max);
    let days = days.unwrap_or(((last / MIN_PER_DAY).floor() as usize) + 1);
    let times: Vec<f64> = calls.iter().map(|c| c.call_min).collect();
    let arrivals = arrivals::fit_arrivals(&times, start, days);
    let n = calls.len();
    let kinds = base
        .incidents
        .kinds
        .iter()
        .enumerate()
        .map(|(i, kind)| {
            let mine: Vec<&Call> = calls.iter().filter(|c| c.kind == i).collect();
            let on_scene: Vec<f64> = mine.iter().filter_map(|c| c.on_scene()).collect();
            let given = mine.iter().filter(|c| c.on_scene_min.is_some()).count();
            let derived = on_scene.len() - given;
            let force = kind.units + kind.escalation.as_ref().map_or(0, |e| e.units);
            let caveat = (derived > 0 && force > 1).then(|| {
                let up_to = if kind.escalation.is_some() { "up to " } else { "" };
                format!(
                    "{} needs {up_to}{force} units: the log's clear − arrive runs from the first unit's \
                     arrival to the last unit's departure, so it includes the wait for the rest of the \
                     force and overstates each unit's on-scene time; map `on_scene_min` if the log has \
                     the primary unit's own time",
                    kind.name
                )
            });
            KindFit {
                name: kind.name.clone(),
                n: mine.len(),
                share: mine.len() as f64 / n as f64,
                on_scene: durations::fit(&on_scene),
                on_scene_source: match (given > 0, derived > 0) {
                    (true, false) => "the log's on-scene minutes",
                    (false, _) => "clear − arrive",
                    (true, true) => "the log's on-scene minutes, else clear − arrive",
                },
                caveat,
            }
        })
        .collect();
    let stations_mapped = calls.iter().any(|c| c.station.is_some());
    Ok(Fit {
        n,
        start_weekday: start,
        arrivals,
        kinds,
        demand: demand_cells(calls, opts.cell_km),
        cell_km: opts.cell_km,
        stations_mapped,
        call_to_dispatch: delay(
            calls
                .iter()
                .filter_map(|c| Some(c.dispatch_min? - c.call_min))
                .filter(|d| *d >= 0.0)
                .collect(),
        ),
        travel: travel(base, calls),
    })
}

/// Groups calls into square cells of side `cell_km` (cells with no call
/// give no point), in grid order (rows south to north, then west to east).
fn demand_cells(calls: &[Call], cell_km: f64) -> Vec<CellFit> {
    #[derive(Default)]
    struct Acc {
        n: usize,
        sx: f64,
        sy: f64,
        stations: BTreeMap<usize, usize>,
    }
    let mut cells: BTreeMap<(i64, i64), Acc> = BTreeMap::new();
    let key = |p: Point| {
        (
            (p.y_km / cell_km).floor() as i64,
            (p.x_km / cell_km).floor() as i64,
        )
    };
    for c in calls {
        let a = cells.entry(key(c.pos)).or_default();
        a.n += 1;
        a.sx += c.pos.x_km;
        a.sy += c.pos.y_km;
        if let Some(s) = c.station {
            *a.stations.entry(s).or_default() += 1;
        }
    }
    let mut ss: BTreeMap<(i64, i64), f64> = BTreeMap::new();
    for c in calls {
        let a = &cells[&key(c.pos)];
        let (mx, my) = (a.sx / a.n as f64, a.sy / a.n as f64);
        *ss.entry(key(c.pos)).or_default() += (c.pos.x_km - mx).powi(2) + (c.pos.y_km - my).powi(2);
    }
    cells
        .into_iter()
        .map(|((row, col), a)| {
            let rms = (ss[&(row, col)] / a.n as f64).sqrt();
            // Most calls; ties to the first station.
            let station = a
                .stations
                .iter()
                .max_by(|x, y| x.1.cmp(y.1).then(y.0.cmp(x.0)))
                .map(|(&s, &n)| (s, n));
            CellFit {
                pos: Point::new(a.sx / a.n as f64, a.sy / a.n as f64),
                n: a.n,
                spread_km: (std::f64::consts::SQRT_2 * rms).min(cell_km),
                station,
                cell: (col, row),
            }
        })
        .collect()
}

/// Median, mean and 90th percentile of `xs` (`None` when empty).
fn delay(mut xs: Vec<f64>) -> Option<DelayFit> {
    if xs.is_empty() {
        return None;
    }
    xs.sort_by(f64::total_cmp);
    Some(DelayFit {
        n: xs.len(),
        median: quantile(&xs, 0.5),
        mean: xs.iter().sum::<f64>() / xs.len() as f64,
        p90: quantile(&xs, 0.9),
    })
}

/// The `q` quantile of sorted `xs` (linear between order statistics).
pub fn quantile(sorted: &[f64], q: f64) -> f64 {
    let h = (sorted.len() - 1) as f64 * q;
    let (i, f) = (h.floor() as usize, h - h.floor());
    if i + 1 < sorted.len() {
        sorted[i] + f * (sorted[i + 1] - sorted[i])
    } else {
        sorted[i]
    }
}

/// Dispatch → arrive against the straight-line distance from the call's
/// station (the log's, else the base's jurisdiction of the nearest demand
/// point), by Theil–Sen. Only for the straight-line travel model.
fn travel(base: &Scenario, calls: &[Call]) -> Option<TravelFit> {
    let TravelModel::Euclidean { detour, .. } = base.travel else {
        return None;
    };
    let pts: Vec<(f64, f64)> = calls
        .iter()
        .filter_map(|c| {
            let t = c.arrive_min? - c.dispatch_min?;
            let st = c
                .station
                .unwrap_or_else(|| base.demand[base.nearest_demand(c.pos)].station);
            (t >= 0.0).then(|| (base.stations[st].pos.distance_km(c.pos), t))
        })
        .collect();
    let (intercept, slope) = theil_sen(&pts)?;
    if slope.is_nan() || slope <= 0.0 {
        return None;
    }
    let mut res: Vec<f64> = pts
        .iter()
        .map(|(x, y)| (y - intercept - slope * x).abs())
        .collect();
    res.sort_by(f64::total_cmp);
    Some(TravelFit {
        n: pts.len(),
        intercept_min: intercept,
        min_per_km: slope,
        detour,
        speed_kmh: 60.0 * detour / slope,
        median_abs_residual: quantile(&res, 0.5),
    })
}

/// The most pairs [`theil_sen`] looks at: above it, a fixed-seed sample.
pub const THEIL_SEN_PAIRS: usize = 2_000_000;

/// Theil–Sen line `y = a + b x`: `b` the median slope over pairs with
/// distinct `x` (all pairs up to [`THEIL_SEN_PAIRS`], else that many drawn
/// with a fixed seed, so the result is reproducible), `a` the median of
/// `y − b x`. Robust to up to 29 % wild points, such as a unit that came
/// from elsewhere or waited for another.
pub fn theil_sen(pts: &[(f64, f64)]) -> Option<(f64, f64)> {
    let n = pts.len();
    if n < 2 {
        return None;
    }
    let pairs = n * (n - 1) / 2;
    let mut slopes = Vec::with_capacity(pairs.min(THEIL_SEN_PAIRS));
    let mut push = |i: usize, j: usize| {
        let ((x1, y1), (x2, y2)) = (pts[i], pts[j]);
        if x1 != x2 {
            slopes.push((y2 - y1) / (x2 - x1));
        }
    };
    if pairs <= THEIL_SEN_PAIRS {
        for i in 0..n {
            for j in i + 1..n {
                push(i, j);
            }
        }
    } else {
        let mut rng = ChaCha8Rng::seed_from_u64(0x07e1_15e4);
        let idx: Vec<usize> = (0..n).collect();
        for _ in 0..THEIL_SEN_PAIRS {
            let pick = idx.sample(&mut rng, 2).copied().collect::<Vec<_>>();
            push(pick[0], pick[1]);
        }
    }
    if slopes.is_empty() {
        return None;
    }
    slopes.sort_by(f64::total_cmp);
    let b = quantile(&slopes, 0.5);
    let mut r: Vec<f64> = pts.iter().map(|(x, y)| y - b * x).collect();
    r.sort_by(f64::total_cmp);
    Some((quantile(&r, 0.5), b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn theil_sen_ignores_a_few_wild_points() {
        // y = 2 + 1.5 x exactly, plus 20 % of points 60 minutes late.
        let mut pts: Vec<(f64, f64)> = (0..100)
            .map(|i| {
                let x = i as f64 * 0.3;
                (x, 2.0 + 1.5 * x)
            })
            .collect();
        for (i, p) in pts.iter_mut().enumerate() {
            if i % 5 == 0 {
                p.1 += 60.0;
            }
        }
        let (a, b) = theil_sen(&pts).unwrap();
        assert!((b - 1.5).abs() < 1e-9, "{b}");
        assert!((a - 2.0).abs() < 1e-9, "{a}");
    }

    #[test]
    fn cells_average_their_calls() {
        let call = |x: f64, y: f64, st: Option<usize>| Call {
            call_min: 0.0,
            pos: Point::new(x, y),
            kind: 0,
            station: st,
            dispatch_min: None,
            arrive_min: None,
            clear_min: None,
            on_scene_min: None,
        };
        let calls = [
            call(0.5, 0.5, Some(1)),
            call(1.5, 1.5, Some(1)),
            call(1.0, 0.0, Some(0)),
            call(5.0, 0.2, None),
        ];
        let cells = demand_cells(&calls, 2.0);
        assert_eq!(cells.len(), 2);
        assert_eq!(cells[0].n, 3);
        assert!((cells[0].pos.x_km - 1.0).abs() < 1e-12);
        assert!((cells[0].pos.y_km - 2.0 / 3.0).abs() < 1e-12);
        assert_eq!(cells[0].station, Some((1, 2)));
        assert_eq!(cells[0].cell, (0, 0));
        assert_eq!(cells[1].cell, (2, 0));
        assert_eq!(cells[1].station, None);
        assert_eq!(cells[1].spread_km, 0.0);
        // Squared distances from (1, 2/3): 0.25+1/36, 0.25+25/36, 4/9.
        let ms: f64 = (0.25 + 1.0 / 36.0 + 0.25 + 25.0 / 36.0 + 4.0 / 9.0) / 3.0;
        assert!((cells[0].spread_km - (2.0 * ms).sqrt()).abs() < 1e-12);
    }
}
