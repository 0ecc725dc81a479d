//! `policesim generate --log`: a CAD-shaped call log (text ids,
//! timestamps, lat/lon, the log's kind names, observed dispatch, arrival and
//! clearance) made by running the baseline strategy on a generated stream.
//!
//! The columns are those the scenario's `[replay]` table reads, so the log
//! reads back with `run --incidents` and `fit`; without `[replay]` they are
//! the role names themselves (`id,time,lat,lon,kind,station,dispatch,arrive,clear`).

use chrono::{Datelike, NaiveDate, NaiveDateTime, TimeDelta};

use crate::experiment::{self, ExperimentError, RunOptions};
use crate::map::{Datum, gcj02_to_wgs84, wgs84_to_gcj02};
use crate::metrics::IncidentRecord;
use crate::scenario::replay::{LogEncoding, Role};
use crate::scenario::{MIN_PER_DAY, Scenario, Weekday};

/// Timestamps when `[replay]` gives no `time_format`.
pub const DEFAULT_TIME_FORMAT: &str = "%Y-%m-%d %H:%M:%S";

/// How a log is laid out.
#[derive(Debug, Clone, PartialEq)]
pub struct LogLayout {
    /// Columns in order: the role and its header.
    pub columns: Vec<(Role, String)>,
    /// The log's value for each scenario kind.
    pub kind_names: Vec<String>,
    /// Timestamp of minute 0.
    pub start: NaiveDateTime,
    /// strftime format of the timestamps.
    pub time_format: String,
    /// Datum of the log's lat/lon.
    pub datum: Datum,
    /// Text encoding of the file.
    pub encoding: LogEncoding,
}

/// Why a log cannot be made.
#[derive(Debug, thiserror::Error)]
pub enum CadLogError {
    /// `[replay] start` falls on another weekday than `[scenario] start_weekday`.
    #[error(
        "[replay] start ({start}) is a {found}, but [scenario] start_weekday is {expected}: make them agree"
    )]
    Weekday {
        /// The start timestamp.
        start: NaiveDateTime,
        /// Its weekday.
        found: Weekday,
        /// The scenario's.
        expected: Weekday,
    },
    /// The run failed.
    #[error(transparent)]
    Run(#[from] ExperimentError),
    /// Writing failed.
    #[error("cannot write the log: {0}")]
    Csv(#[from] csv::Error),
    /// The text cannot be encoded as GB 18030 (not expected: it covers Unicode).
    #[error("cannot encode the log as GB 18030")]
    Encoding,
}

/// The weekday of a chrono date.
fn weekday_of(t: NaiveDateTime) -> Weekday {
    Weekday::from_index(t.weekday().num_days_from_monday() as usize)
}

impl LogLayout {
    /// The layout `s`'s `[replay]` table reads, or the role names without one.
    pub fn for_scenario(s: &Scenario) -> Result<Self, CadLogError> {
        let positions: &[Role] = if s.projection.is_some() {
            &[Role::Lat, Role::Lon]
        } else {
            &[Role::XKm, Role::YKm]
        };
        let wanted: Vec<Role> = [Role::Id, Role::Time]
            .into_iter()
            .chain(positions.iter().copied())
            .chain([
                Role::Kind,
                Role::Station,
                Role::Dispatch,
                Role::Arrive,
                Role::Clear,
            ])
            .collect();
        // Monday 1 January 2024, moved to the scenario's first weekday.
        let monday = NaiveDate::from_ymd_opt(2024, 1, 1)
            .expect("a valid date")
            .and_hms_opt(0, 0, 0)
            .expect("a valid time");
        let default_start = monday + TimeDelta::days(s.start_weekday.index() as i64);
        let Some(spec) = &s.replay else {
            return Ok(Self {
                columns: wanted.iter().map(|r| (*r, r.key().to_string())).collect(),
                kind_names: s.incidents.kinds.iter().map(|k| k.name.clone()).collect(),
                start: default_start,
                time_format: DEFAULT_TIME_FORMAT.into(),
                datum: s.datum,
                encoding: LogEncoding::Utf8,
            });
        };
        // Every role the table maps, in the order of `Role::ALL`; a
        // position the scenario cannot give (lat/lon without a projection)
        // is left out.
        let columns: Vec<(Role, String)> = Role::ALL
            .into_iter()
            .filter(|r| s.projection.is_some() || !matches!(r, Role::Lat | Role::Lon | Role::Point))
            .filter_map(|r| spec.column(r).map(|h| (r, h.to_string())))
            .collect();
        let kind_names = (0..s.incidents.kinds.len())
            .map(|k| {
                spec.kinds
                    .iter()
                    .filter(|(_, v)| usize::from(**v) == k)
                    .map(|(name, _)| name.clone())
                    .min()
                    .unwrap_or_else(|| s.incidents.kinds[k].name.clone())
            })
            .collect();
        let start = spec.start.unwrap_or(default_start);
        if weekday_of(start) != s.start_weekday {
            return Err(CadLogError::Weekday {
                start,
                found: weekday_of(start),
                expected: s.start_weekday,
            });
        }
        Ok(Self {
            columns,
            kind_names,
            start,
            time_format: spec
                .times
                .format
                .clone()
                .unwrap_or_else(|| DEFAULT_TIME_FORMAT.into()),
            datum: spec.datum,
            encoding: spec.encoding,
        })
    }

    /// The timestamp `minutes` after minute 0, to the second.
    fn stamp(&self, minutes: f64) -> String {
        let secs = (minutes * 60.0).round() as i64;
        (self.start + TimeDelta::seconds(secs))
            .format(&self.time_format)
            .to_string()
    }
}

/// The engine's records of the baseline strategy on replication
/// `replication` of the generated stream, for calls in the first `days`
/// days, sorted by call time. The run has no warm-up and lasts a day longer,
/// so that calls late in the window are closed too.
pub fn baseline_records(
    s: &Scenario,
    seed: u64,
    replication: u32,
    days: f64,
) -> Result<Vec<IncidentRecord>, ExperimentError> {
    let mut s = s.clone();
    s.warmup_days = 0.0;
    let mut opts = RunOptions::from_scenario(&s);
    opts.seed = seed;
    opts.replications = replication + 1;
    opts.days = days + 1.0;
    opts.per_incident = true;
    opts.strategies = vec![s.baseline.clone()];
    let mut out = experiment::run(&s, &opts, &|| {})?;
    let mut records = std::mem::take(&mut out.strategies[0].records[replication as usize]);
    records.retain(|r| r.call_min < days * MIN_PER_DAY);
    records.sort_by(|a, b| a.call_min.total_cmp(&b.call_min).then(a.id.cmp(&b.id)));
    Ok(records)
}

/// The log's bytes: a header row, then one row per record, in `layout`.
pub fn log_bytes(
    s: &Scenario,
    records: &[IncidentRecord],
    layout: &LogLayout,
) -> Result<Vec<u8>, CadLogError> {
    let mut wtr = csv::Writer::from_writer(Vec::new());
    wtr.write_record(layout.columns.iter().map(|(_, h)| h.as_str()))?;
    let mut day_seq: (i64, u32) = (-1, 0);
    let mut row: Vec<String> = Vec::with_capacity(layout.columns.len());
    for r in records {
        let day = (r.call_min / MIN_PER_DAY).floor() as i64;
        if day != day_seq.0 {
            day_seq = (day, 0);
        }
        day_seq.1 += 1;
        let (lat, lon) = match s.projection {
            Some(p) => {
                let (lat, lon) = p.unproject(r.pos);
                match (s.datum, layout.datum) {
                    (Datum::Gcj02, Datum::Wgs84) => gcj02_to_wgs84(lat, lon),
                    (Datum::Wgs84, Datum::Gcj02) => wgs84_to_gcj02(lat, lon),
                    _ => (lat, lon),
                }
            }
            None => (f64::NAN, f64::NAN),
        };
        row.clear();
        for (role, _) in &layout.columns {
            row.push(match role {
                Role::Id => {
                    let date = layout.start + TimeDelta::days(day);
                    format!("J{}{:05}", date.format("%Y%m%d"), day_seq.1)
                }
                Role::Time => layout.stamp(r.call_min),
                Role::CallMin => format!("{:.3}", r.call_min),
                Role::XKm => format!("{:.4}", r.pos.x_km),
                Role::YKm => format!("{:.4}", r.pos.y_km),
                Role::Lat => format!("{lat:.6}"),
                Role::Lon => format!("{lon:.6}"),
                Role::Point => format!("POINT ({lon:.6} {lat:.6})"),
                Role::Kind => layout.kind_names[r.kind as usize].clone(),
                Role::Station => s.stations[r.station as usize].id.clone(),
                Role::Dispatch => layout.stamp(r.dispatch_min),
                Role::Arrive => layout.stamp(r.arrive_min),
                Role::Clear => layout.stamp(r.clear_min),
                Role::OnSceneMin => format!("{:.2}", r.clear_min - r.arrive_min),
                Role::CaseMin => String::new(),
            });
        }
        wtr.write_record(&row)?;
    }
    let bytes = wtr
        .into_inner()
        .map_err(|e| csv::Error::from(e.into_error()))?;
    Ok(match layout.encoding {
        LogEncoding::Utf8 => bytes,
        LogEncoding::Gb18030 => {
            let text = String::from_utf8(bytes).map_err(|_| CadLogError::Encoding)?;
            let (out, _, unmappable) = encoding_rs::GB18030.encode(&text);
            if unmappable {
                return Err(CadLogError::Encoding);
            }
            out.into_owned()
        }
    })
}
