//! `summary.csv`, `summary.json`, `incidents.csv`, charts and report, written
//! as one output folder, whole or not at all.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::charts::{self, CHARTS, ChartError};
use super::html;
use super::map_data::MapData;
use crate::compare::{Comparison, compare};
use crate::experiment::Outcome;
use crate::metrics::StrategySummary;
use crate::output::{FolderError, OutputDir, describe_io};
use crate::scenario::Scenario;

/// Columns of `summary.csv`, in order.
pub const SUMMARY_COLUMNS: [&str; 23] = [
    "strategy",
    "replications",
    "incidents",
    "response_mean_min",
    "response_mean_ci95_min",
    "response_p50_min",
    "response_p90_min",
    "response_p95_min",
    "within_target_pct",
    "wait_mean_min",
    "assembly_mean_min",
    "unit_utilization_pct",
    "open_incidents",
    "wait_mean_ci95_min",
    "units",
    "events",
    "officer_duty_hours_per_week",
    "officer_busy_hours_per_week",
    "aux_duty_hours_per_week",
    "officer_load_cv",
    "on_duty_officers",
    "on_duty_auxiliaries",
    "cross_district_pct",
];

/// Columns of `comparison.csv`, in order.
pub const COMPARISON_COLUMNS: [&str; 13] = [
    "strategy",
    "baseline",
    "metric",
    "label",
    "unit",
    "better",
    "replications",
    "strategy_mean",
    "baseline_mean",
    "difference",
    "ci95_low",
    "ci95_high",
    "verdict",
];

/// Columns of `incidents.csv`, in order. `x_km`, `y_km` are the incident's
/// position in the scenario's frame; `lat`, `lon` the same in WGS-84
/// degrees when the scenario has a projection (empty otherwise).
pub const INCIDENT_COLUMNS: [&str; 16] = [
    "replication",
    "strategy",
    "id",
    "kind",
    "station",
    "call_min",
    "dispatch_min",
    "arrive_min",
    "clear_min",
    "units",
    "ready_min",
    "assembled_min",
    "x_km",
    "y_km",
    "lat",
    "lon",
];

/// One row of `summary.csv`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SummaryRow {
    strategy: String,
    replications: u32,
    incidents: u64,
    response_mean_min: Option<f64>,
    response_mean_ci95_min: Option<f64>,
    response_p50_min: Option<f64>,
    response_p90_min: Option<f64>,
    response_p95_min: Option<f64>,
    within_target_pct: Option<f64>,
    wait_mean_min: Option<f64>,
    assembly_mean_min: Option<f64>,
    unit_utilization_pct: Option<f64>,
    open_incidents: u64,
    wait_mean_ci95_min: Option<f64>,
    units: usize,
    events: u64,
    officer_duty_hours_per_week: Option<f64>,
    officer_busy_hours_per_week: Option<f64>,
    aux_duty_hours_per_week: Option<f64>,
    officer_load_cv: Option<f64>,
    on_duty_officers: u32,
    on_duty_auxiliaries: u32,
    cross_district_pct: Option<f64>,
}

/// The rows of `summary.csv`, one per strategy.
pub fn summary_csv_rows(summaries: &[StrategySummary]) -> Vec<SummaryRow> {
    summaries
        .iter()
        .map(|s| {
            let o = &s.overall;
            SummaryRow {
                strategy: s.strategy.clone(),
                replications: s.replications,
                incidents: o.incidents,
                response_mean_min: o.response_mean_min,
                response_mean_ci95_min: o.response_mean_ci95_min,
                response_p50_min: o.response_p50_min,
                response_p90_min: o.response_p90_min,
                response_p95_min: o.response_p95_min,
                within_target_pct: o.within_target_pct,
                wait_mean_min: o.wait_mean_min,
                assembly_mean_min: o.assembly_mean_min,
                unit_utilization_pct: o.unit_utilization_pct,
                open_incidents: o.open_incidents,
                wait_mean_ci95_min: o.wait_mean_ci95_min,
                units: s.units.len(),
                events: s.per_replication.iter().map(|r| r.events).sum(),
                officer_duty_hours_per_week: s.officer_duty_hours_per_week,
                officer_busy_hours_per_week: s.officer_busy_hours_per_week,
                aux_duty_hours_per_week: s.aux_duty_hours_per_week,
                officer_load_cv: s.officer_load_cv,
                on_duty_officers: s.on_duty_officers,
                on_duty_auxiliaries: s.on_duty_auxiliaries,
                cross_district_pct: o.cross_district_pct,
            }
        })
        .collect()
}

/// What was run, for `summary.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunInfo {
    /// Scenario name.
    pub scenario: String,
    /// Scenario description.
    pub description: String,
    /// Where the scenario's inputs come from (`[scenario] sources`);
    /// absent when the file does not say.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sources: Option<String>,
    /// Scenario file.
    pub file: String,
    /// policesim version.
    pub version: String,
    /// Simulated days per replication.
    pub days: f64,
    /// Warm-up days.
    pub warmup_days: f64,
    /// Replications.
    pub replications: u32,
    /// Seed.
    pub seed: u64,
    /// Response target, minutes.
    pub target_min: f64,
    /// Response targets of areas with their own (`[[demand]] target_min`):
    /// one entry per distinct target, the scenario's own included when some
    /// points use it; empty when every call has `target_min`.
    #[serde(default)]
    pub area_targets: Vec<AreaTarget>,
    /// The strategy the others are compared against: the scenario's
    /// baseline if it ran, otherwise the first strategy that ran.
    pub baseline: String,
    /// The scenario's own baseline, present only when it was not run (a
    /// `--strategies` subset without it), so that `baseline` stands in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scenario_baseline: Option<String>,
    /// Replay file, when incidents were replayed.
    pub incidents_file: Option<String>,
    /// Incident kinds, in scenario order.
    pub kinds: Vec<String>,
    /// Relative call weights of hours 0..23.
    pub hourly_weights: Vec<f64>,
    /// Relative call weights of Monday..Sunday; absent without a weekly profile.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weekly_weights: Option<Vec<f64>>,
    /// Day of the week of minute 0; absent when it is the default Monday
    /// and there is no weekly profile (it then changes nothing).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_weekday: Option<crate::scenario::Weekday>,
}

/// The demand points that share one response target.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AreaTarget {
    /// The target, minutes.
    pub target_min: f64,
    /// The points' names (`demand[i]` for unnamed points), in file order.
    pub demand_points: Vec<String>,
    /// Their share of all calls (by demand weight), percent.
    pub calls_pct: f64,
}

/// The scenario's distinct response targets with the demand points that use
/// each, smallest target first; empty when no point has its own target.
pub fn area_targets(s: &Scenario) -> Vec<AreaTarget> {
    if !s.has_area_targets() {
        return Vec::new();
    }
    let total: f64 = s.demand.iter().map(|d| d.weight).sum();
    let mut out: Vec<AreaTarget> = Vec::new();
    for (i, d) in s.demand.iter().enumerate() {
        let t = s.demand_target_min(i);
        let name = if d.name.is_empty() {
            format!("demand[{i}]")
        } else {
            d.name.clone()
        };
        let share = 100.0 * d.weight / total;
        match out.iter_mut().find(|a| a.target_min == t) {
            Some(a) => {
                a.demand_points.push(name);
                a.calls_pct += share;
            }
            None => out.push(AreaTarget {
                target_min: t,
                demand_points: vec![name],
                calls_pct: share,
            }),
        }
    }
    out.sort_by(|a, b| a.target_min.total_cmp(&b.target_min));
    out
}

/// How "within target" is counted, in words: `15 min`, or each call's own
/// area target with the share of calls under each.
pub fn describe_targets(target_min: f64, areas: &[AreaTarget]) -> String {
    if areas.is_empty() {
        return format!("{target_min} min");
    }
    let parts: Vec<String> = areas
        .iter()
        .map(|a| {
            let points = if a.demand_points.len() <= 3 {
                a.demand_points.join(", ")
            } else {
                format!(
                    "{}, … ({} points)",
                    a.demand_points[..2].join(", "),
                    a.demand_points.len()
                )
            };
            format!(
                "{} min for {:.0} % of calls ({points})",
                a.target_min, a.calls_pct
            )
        })
        .collect();
    format!("each call's own area target: {}", parts.join("; "))
}

/// The whole of `summary.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SummaryFile {
    /// What was run.
    pub run: RunInfo,
    /// One entry per strategy.
    pub strategies: Vec<StrategySummary>,
    /// Paired differences against the baseline.
    pub comparison: Vec<Comparison>,
    /// What the map chart draws.
    pub map: MapData,
    /// The backtest against a replayed call log, when there was one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backtest: Option<crate::backtest::Backtest>,
}

/// Failure to write outputs; the output folder is then as it was before.
///
/// Each message names the file and says the cause once.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    /// The output folder or one of its files cannot be written.
    #[error(transparent)]
    Folder(#[from] FolderError),
    /// CSV serialisation failed.
    #[error("{path}: {error}")]
    Csv {
        /// The path.
        path: String,
        /// The CSV error.
        error: csv::Error,
    },
    /// A chart could not be drawn.
    #[error(transparent)]
    Chart(#[from] ChartError),
    /// `summary.json` could not be read back.
    #[error("{path}: not a policesim summary: {error}")]
    Read {
        /// The path.
        path: String,
        /// The JSON error.
        error: serde_json::Error,
    },
    /// JSON serialisation failed.
    #[error("{path}: {error}")]
    Json {
        /// The path.
        path: String,
        /// The JSON error.
        error: serde_json::Error,
    },
}

impl OutputError {
    fn io(path: &Path, error: &std::io::Error) -> Self {
        Self::Folder(FolderError {
            path: path.to_path_buf(),
            message: describe_io(error),
        })
    }
}

/// The content of `summary.json` for a run.
pub fn summary_file(
    scenario: &Scenario,
    outcome: &Outcome,
    incidents_file: Option<&str>,
) -> SummaryFile {
    let strategies: Vec<StrategySummary> = outcome
        .strategies
        .iter()
        .map(|s| s.summary.clone())
        .collect();
    SummaryFile {
        run: RunInfo {
            scenario: scenario.name.clone(),
            description: scenario.description.clone(),
            sources: scenario.sources.clone(),
            file: scenario.file.clone(),
            version: env!("CARGO_PKG_VERSION").to_string(),
            days: outcome.days,
            warmup_days: scenario.warmup_days,
            replications: outcome.replications,
            seed: outcome.seed,
            target_min: scenario.target_min,
            area_targets: area_targets(scenario),
            baseline: outcome.baseline.clone(),
            scenario_baseline: (outcome.baseline != scenario.baseline)
                .then(|| scenario.baseline.clone()),
            incidents_file: incidents_file.map(str::to_string),
            kinds: scenario
                .incidents
                .kinds
                .iter()
                .map(|k| k.name.clone())
                .collect(),
            hourly_weights: scenario.incidents.hourly.to_vec(),
            weekly_weights: scenario.incidents.weekly.map(|w| w.to_vec()),
            start_weekday: (scenario.incidents.weekly.is_some()
                || scenario.start_weekday != crate::scenario::Weekday::Monday)
                .then_some(scenario.start_weekday),
        },
        comparison: compare(&strategies, &outcome.baseline),
        strategies,
        map: MapData::new(scenario),
        backtest: outcome.backtest.clone(),
    }
}

/// What to draw besides the data files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ChartOptions {
    /// Skip charts and report.
    pub no_charts: bool,
    /// Also write PNG copies of the charts.
    pub png: bool,
}

/// Writes `summary.csv`, `comparison.csv`, `summary.json`, `map.geojson`,
/// `incidents.csv` (when records were kept), `charts/` and `report.html` as
/// the folder `dir`, whole or not at all (see [`OutputDir`]). Returns the
/// paths written.
pub fn write_outputs(
    dir: &Path,
    scenario: &Scenario,
    outcome: &Outcome,
    incidents_file: Option<&str>,
    charts: ChartOptions,
) -> Result<Vec<PathBuf>, OutputError> {
    let out = OutputDir::create(dir)?;
    write_into(out, scenario, outcome, incidents_file, charts)
}

/// [`write_outputs`] into an output folder checked and started earlier
/// (before the simulation, so a bad folder fails fast): writes every file,
/// then swaps the folder in whole. Returns the paths written.
pub fn write_into(
    mut out: OutputDir,
    scenario: &Scenario,
    outcome: &Outcome,
    incidents_file: Option<&str>,
    charts: ChartOptions,
) -> Result<Vec<PathBuf>, OutputError> {
    let file = summary_file(scenario, outcome, incidents_file);
    let json_path = out.final_path("summary.json").display().to_string();
    let json = serde_json::to_string_pretty(&file).map_err(|error| OutputError::Json {
        path: json_path.clone(),
        error,
    })?;
    // Charts are drawn from the JSON as read back, exactly as `policesim
    // chart` will draw them later.
    let file: SummaryFile = serde_json::from_str(&json).map_err(|error| OutputError::Read {
        path: json_path.clone(),
        error,
    })?;
    let csv_err = |path: PathBuf| {
        let path = path.display().to_string();
        move |error| OutputError::Csv {
            path: path.clone(),
            error,
        }
    };
    let shown = out.final_path("summary.csv");
    out.file("summary.csv", |w| {
        let mut wtr = csv::Writer::from_writer(w);
        for row in summary_csv_rows(&file.strategies) {
            wtr.serialize(row).map_err(csv_err(shown.clone()))?;
        }
        wtr.flush().map_err(|e| OutputError::io(&shown, &e))
    })?;
    let shown = out.final_path("comparison.csv");
    out.file("comparison.csv", |w| {
        let mut wtr = csv::WriterBuilder::new().has_headers(false).from_writer(w);
        wtr.write_record(COMPARISON_COLUMNS)
            .map_err(csv_err(shown.clone()))?;
        for c in &file.comparison {
            wtr.serialize(c).map_err(csv_err(shown.clone()))?;
        }
        wtr.flush().map_err(|e| OutputError::io(&shown, &e))
    })?;
    let shown = out.final_path("summary.json");
    out.file("summary.json", |w| {
        w.write_all(json.as_bytes())
            .map_err(|e| OutputError::io(&shown, &e))
    })?;
    let shown = out.final_path("map.geojson");
    out.file("map.geojson", |w| {
        serde_json::to_writer(&mut *w, &super::geojson::map_geojson(&file)).map_err(|error| {
            OutputError::Json {
                path: shown.display().to_string(),
                error,
            }
        })
    })?;
    if outcome.per_incident {
        let shown = out.final_path("incidents.csv");
        out.file("incidents.csv", |w| {
            write_incidents(w, scenario, outcome).map_err(csv_err(shown.clone()))
        })?;
    }
    if let Some(b) = &file.backtest {
        let shown = out.final_path("backtest.csv");
        out.file("backtest.csv", |w| {
            crate::backtest::write_csv(w, b).map_err(csv_err(shown.clone()))
        })?;
    }
    if !charts.no_charts {
        draw_charts(&mut out, &file, charts.png)?;
    }
    Ok(out.commit()?)
}

/// Redraws `charts/` and `report.html` of the output folder `dir` from its
/// `summary.json`, keeping its data files: the new folder is built beside
/// it and swapped in whole, so charts of an earlier `--png` run do not
/// linger. Returns the paths written.
pub fn redraw(dir: &Path, png: bool) -> Result<Vec<PathBuf>, OutputError> {
    let mut out = OutputDir::update(dir, &["charts", "report.html"])?;
    let path = dir.join("summary.json");
    let text = fs::read_to_string(&path).map_err(|e| OutputError::io(&path, &e))?;
    let file: SummaryFile = serde_json::from_str(&text).map_err(|error| OutputError::Read {
        path: path.display().to_string(),
        error,
    })?;
    draw_charts(&mut out, &file, png)?;
    Ok(out.commit()?)
}

fn draw_charts(out: &mut OutputDir, file: &SummaryFile, png: bool) -> Result<(), OutputError> {
    let mut svgs = Vec::with_capacity(CHARTS.len());
    for (stem, _, _) in CHARTS {
        let svg = charts::svg(stem, file)?;
        let rel = format!("charts/{stem}.svg");
        let shown = out.final_path(&rel);
        out.file(&rel, |w| {
            w.write_all(svg.as_bytes())
                .map_err(|e| OutputError::io(&shown, &e))
        })?;
        if png {
            let path = out.path_for(&format!("charts/{stem}.png"))?;
            charts::png(stem, file, &path)?;
        }
        svgs.push(svg);
    }
    if file.backtest.is_some() {
        let stem = charts::BACKTEST_CHART.0;
        let svg = charts::svg(stem, file)?;
        let rel = format!("charts/{stem}.svg");
        let shown = out.final_path(&rel);
        out.file(&rel, |w| {
            w.write_all(svg.as_bytes())
                .map_err(|e| OutputError::io(&shown, &e))
        })?;
        if png {
            let path = out.path_for(&format!("charts/{stem}.png"))?;
            charts::png(stem, file, &path)?;
        }
        svgs.push(svg);
    }
    let page = html::report(file, &svgs);
    let shown = out.final_path("report.html");
    out.file("report.html", |w| {
        w.write_all(page.as_bytes())
            .map_err(|e| OutputError::io(&shown, &e))
    })?;
    Ok(())
}

fn write_incidents<W: Write>(w: W, s: &Scenario, outcome: &Outcome) -> csv::Result<()> {
    use std::fmt::Write as _;
    let mut wtr = csv::Writer::from_writer(w);
    wtr.write_record(INCIDENT_COLUMNS)?;
    // Fields are formatted into one reused buffer and written one by one:
    // the same text as `to_string` per field, without an allocation each
    // (a 150,000-incident file has 2.4 million fields).
    let mut buf = String::new();
    let mut field = |wtr: &mut csv::Writer<W>, v: &dyn std::fmt::Display| {
        buf.clear();
        write!(buf, "{v}").expect("writing to a String cannot fail");
        wtr.write_field(&buf)
    };
    let mut units = String::new();
    for st in &outcome.strategies {
        for (rep, records) in st.records.iter().enumerate() {
            for r in records {
                units.clear();
                for (i, v) in r.visits.iter().enumerate() {
                    if i > 0 {
                        units.push(';');
                    }
                    units.push_str(&st.fleet[v.unit.0 as usize].name);
                }
                field(&mut wtr, &rep)?;
                wtr.write_field(&st.summary.strategy)?;
                field(&mut wtr, &r.id)?;
                wtr.write_field(&s.incidents.kinds[r.kind as usize].name)?;
                wtr.write_field(&s.stations[r.station as usize].id)?;
                for v in [r.call_min, r.dispatch_min, r.arrive_min, r.clear_min] {
                    field(&mut wtr, &v)?;
                }
                wtr.write_field(&units)?;
                for v in [r.ready_min, r.assembled_min, r.pos.x_km, r.pos.y_km] {
                    field(&mut wtr, &v)?;
                }
                match s.projection {
                    Some(p) => {
                        let (lat, lon) = p.unproject(r.pos);
                        let (lat, lon) = s.datum.to_wgs84(lat, lon);
                        // 1e-7 degrees is about 1 cm.
                        field(&mut wtr, &format_args!("{lat:.7}"))?;
                        field(&mut wtr, &format_args!("{lon:.7}"))?;
                    }
                    None => {
                        wtr.write_field("")?;
                        wtr.write_field("")?;
                    }
                }
                wtr.write_record(None::<&[u8]>)?;
            }
        }
    }
    wtr.flush()?;
    Ok(())
}
