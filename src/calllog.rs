//! Call logs as they come: 110 and CAD exports read by the scenario's
//! `[replay]` table (see [`crate::scenario::replay`]).
//!
//! The file is streamed: it is decoded (UTF-8 with or without a BOM, or
//! GB 18030 / GBK), split into CSV records (CRLF, quoted fields with commas)
//! and each record is turned into a [`LogRecord`] at once; the raw text is
//! never held. Rows that cannot be used are kept aside as [`Rejected`] with
//! their line and reason, so that every problem of a file is reported at
//! once; problems of the whole file (a missing column, kinds the scenario
//! does not know, duplicate ids) are one error each, listing every case.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::fmt;
use std::io::{Read, Write};
use std::path::Path;
use std::rc::Rc;

use chrono::{Datelike, NaiveDateTime, Timelike};

use crate::incidents::ReplayIncident;
use crate::map::{Datum, Point, gcj02_to_wgs84, wgs84_to_gcj02};
use crate::scenario::limits::{MAX_DAYS, far_from, map_centre};
use crate::scenario::replay::{LogEncoding, ReplaySpec, Role};
use crate::scenario::{MIN_PER_DAY, Scenario, Weekday};

/// The latest call a log may give, minutes after its start: the end of the
/// longest run.
const MAX_CALL_MIN: f64 = MAX_DAYS * MIN_PER_DAY;

/// Replayed calls further than this from every station draw a warning.
pub const FAR_KM: f64 = 50.0;

/// One usable row of a call log.
#[derive(Debug, Clone, PartialEq)]
pub struct LogRecord {
    /// Line of the file the row starts on (1-based; the header is line 1).
    pub line: u64,
    /// The log's own incident number, as written.
    pub id: String,
    /// The number the simulation knows the incident by: its place in call
    /// order, from 1 (ties: file order).
    pub num: u64,
    /// Call received, minutes from [`CallLog::start`].
    pub call_min: f64,
    /// Call received, local date and time, when the log gives timestamps.
    pub call_time: Option<NaiveDateTime>,
    /// Day of the week of the call.
    pub weekday: Weekday,
    /// Hour of the day of the call, 0-23.
    pub hour: u8,
    /// Position on the scenario's plane (lat/lon converted to the
    /// scenario's datum and projected).
    pub pos: Point,
    /// Whether the log gave a position (otherwise `pos` is the centre of
    /// the station's demand).
    pub has_position: bool,
    /// Scenario kind index.
    pub kind: u16,
    /// Jurisdiction: the log's station, or that of the nearest demand point.
    pub station: u32,
    /// Whether the log named the station.
    pub station_given: bool,
    /// Nearest demand point (of the station, when the log names it).
    pub demand: u32,
    /// Observed first dispatch, minutes from the start.
    pub dispatch_min: Option<f64>,
    /// Observed first arrival on scene, minutes from the start.
    pub arrive_min: Option<f64>,
    /// Observed close of the incident, minutes from the start.
    pub clear_min: Option<f64>,
    /// On-scene minutes from an `on_scene_min` column.
    pub on_scene_min: Option<f64>,
    /// Case-handling minutes from a `case_min` column.
    pub case_min: Option<f64>,
}

impl LogRecord {
    /// Observed response (arrive − call), minutes.
    pub fn observed_response_min(&self) -> Option<f64> {
        self.arrive_min.map(|a| a - self.call_min)
    }

    /// Observed call-to-dispatch (dispatch − call), minutes.
    pub fn observed_call_to_dispatch_min(&self) -> Option<f64> {
        self.dispatch_min.map(|d| d - self.call_min)
    }

    /// Observed travel (arrive − dispatch), minutes.
    pub fn observed_travel_min(&self) -> Option<f64> {
        Some(self.arrive_min? - self.dispatch_min?)
    }

    /// On-scene minutes the replay uses: the `on_scene_min` column, else the
    /// observed clear − arrive.
    pub fn replay_on_scene_min(&self) -> Option<f64> {
        self.on_scene_min
            .or_else(|| Some(self.clear_min? - self.arrive_min?))
    }
}

/// Why a row was skipped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Reason {
    /// The id column is empty.
    NoId,
    /// The call time is empty.
    NoTime,
    /// A timestamp or number could not be read.
    Unreadable(Role),
    /// Neither a position nor a station.
    NoPosition,
    /// An observed time before the one it follows, or a negative duration.
    NegativeInterval,
    /// The call came before `[replay] start`.
    BeforeStart,
    /// A position, time or duration beyond any run's bounds (see
    /// [`crate::scenario::limits`]).
    OutOfRange,
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reason::NoId => f.write_str("no id"),
            Reason::NoTime => f.write_str("no call time"),
            Reason::Unreadable(r) => write!(f, "unreadable {}", r.key()),
            Reason::NoPosition => f.write_str("no position and no station"),
            Reason::NegativeInterval => f.write_str("negative interval"),
            Reason::BeforeStart => f.write_str("call before the start"),
            Reason::OutOfRange => f.write_str("out of range"),
        }
    }
}

/// A skipped row: its line, why, and its fields as written.
#[derive(Debug, Clone, PartialEq)]
pub struct Rejected {
    /// Line of the file.
    pub line: u64,
    /// Why it was skipped.
    pub reason: Reason,
    /// More about it (which times, which value).
    pub detail: String,
    /// The row's fields.
    pub fields: Vec<String>,
}

/// A call log read by `[replay]`.
#[derive(Debug, Clone)]
pub struct CallLog {
    /// The file, for messages.
    pub file: String,
    /// The header row.
    pub headers: Vec<String>,
    /// Usable rows in call order (ties: file order).
    pub records: Vec<LogRecord>,
    /// Timestamp of minute 0, when the log has timestamps.
    pub start: Option<NaiveDateTime>,
    /// Day of the week of minute 0: the weekday of `start`, or the
    /// scenario's `start_weekday` for a log in minutes.
    pub start_weekday: Weekday,
    /// Skipped rows, in file order.
    pub rejected: Vec<Rejected>,
    /// Whether the log maps observed dispatch, arrive or clear times.
    pub observed: bool,
}

impl CallLog {
    /// The incidents to replay: on-scene time from `on_scene_min`, else the
    /// observed clear − arrive, else drawn.
    pub fn incidents(&self) -> Vec<ReplayIncident> {
        self.records
            .iter()
            .map(|r| ReplayIncident {
                id: r.num,
                call_min: r.call_min,
                pos: r.pos,
                kind: r.kind,
                station: r.station,
                demand: r.demand,
                on_scene_min: r.replay_on_scene_min(),
                case_min: r.case_min,
            })
            .collect()
    }

    /// Rejected rows per reason, most common first.
    pub fn rejected_counts(&self) -> Vec<(Reason, usize)> {
        let mut counts: BTreeMap<Reason, usize> = BTreeMap::new();
        for r in &self.rejected {
            *counts.entry(r.reason).or_default() += 1;
        }
        let mut v: Vec<_> = counts.into_iter().collect();
        v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        v
    }

    /// One line summing up the rejections: `12 row(s) skipped: 7 no call
    /// time, 5 negative interval`.
    pub fn rejected_summary(&self) -> String {
        let parts: Vec<String> = self
            .rejected_counts()
            .iter()
            .map(|(r, n)| format!("{n} {r}"))
            .collect();
        format!(
            "{} row(s) skipped: {}",
            self.rejected.len(),
            parts.join(", ")
        )
    }

    /// Writes `rejected.csv`: `line,reason,detail` and the row's fields
    /// under the log's own headers.
    pub fn write_rejected<W: Write>(&self, w: W) -> csv::Result<()> {
        let mut wtr = csv::WriterBuilder::new().flexible(true).from_writer(w);
        let mut header = vec!["line".to_string(), "reason".into(), "detail".into()];
        header.extend(self.headers.iter().cloned());
        wtr.write_record(&header)?;
        for r in &self.rejected {
            let mut row = vec![r.line.to_string(), r.reason.to_string(), r.detail.clone()];
            row.extend(r.fields.iter().cloned());
            wtr.write_record(&row)?;
        }
        wtr.flush()?;
        Ok(())
    }
}

/// A call log that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum LogError {
    /// The file could not be read.
    #[error("{file}: {source}")]
    Io {
        /// The file.
        file: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A problem at one line (the header, or a malformed record).
    #[error("{file}:{line}: {message}")]
    Line {
        /// The file.
        file: String,
        /// 1-based line.
        line: u64,
        /// What is wrong.
        message: String,
    },
    /// A problem of the whole file, listing every case.
    #[error("{file}: {message}")]
    File {
        /// The file.
        file: String,
        /// What is wrong.
        message: String,
    },
}

/// Reads a call log by the scenario's `[replay]` table.
pub fn read_log(path: &Path, s: &Scenario, spec: &ReplaySpec) -> Result<CallLog, LogError> {
    let file = path.display().to_string();
    let f = std::fs::File::open(path).map_err(|source| LogError::Io {
        file: file.clone(),
        source,
    })?;
    parse_log(
        std::io::BufReader::with_capacity(1 << 16, f),
        &file,
        s,
        spec,
    )
}

/// Shared record of line breaks seen by [`BreakCounter`], oldest first:
/// `(byte offset, is '\n')`.
type Breaks = Rc<RefCell<VecDeque<(u64, bool)>>>;

/// Passes bytes through, noting where line breaks are, so that a record's
/// byte offset can be turned into its line without keeping the text.
struct BreakCounter<R> {
    inner: R,
    pos: u64,
    breaks: Breaks,
}

impl<R: Read> Read for BreakCounter<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        let mut q = self.breaks.borrow_mut();
        for i in memchr::memchr2_iter(b'\n', b'\r', &buf[..n]) {
            q.push_back((self.pos + i as u64, buf[i] == b'\n'));
        }
        self.pos += n as u64;
        Ok(n)
    }
}

/// Turns record offsets, asked for in increasing order, into lines.
struct Lines {
    breaks: Breaks,
    /// Line of the byte after the last break consumed.
    line: u64,
}

impl Lines {
    /// Line of the first character of the record csv placed at `byte` (csv
    /// reports an offset before the blank lines it skipped).
    fn line_at(&mut self, byte: u64) -> u64 {
        let mut q = self.breaks.borrow_mut();
        while let Some(&(at, lf)) = q.front() {
            if at >= byte {
                break;
            }
            self.line += u64::from(lf);
            q.pop_front();
        }
        let mut cursor = byte;
        while let Some(&(at, lf)) = q.front() {
            if at != cursor {
                break;
            }
            self.line += u64::from(lf);
            cursor += 1;
            q.pop_front();
        }
        self.line
    }
}

/// A row as read, before the start is known: times in milliseconds of
/// local time.
struct Pending {
    line: u64,
    id: String,
    call_ms: i64,
    call_min: Option<f64>,
    pos: Point,
    has_position: bool,
    kind: u16,
    station: Option<u32>,
    dispatch_ms: Option<i64>,
    arrive_ms: Option<i64>,
    clear_ms: Option<i64>,
    on_scene_min: Option<f64>,
    case_min: Option<f64>,
}

/// Parses a call log from any reader; `file` labels messages.
pub fn parse_log<R: Read>(
    reader: R,
    file: &str,
    s: &Scenario,
    spec: &ReplaySpec,
) -> Result<CallLog, LogError> {
    let line_err = |line: u64, message: String| LogError::Line {
        file: file.to_string(),
        line,
        message,
    };
    let file_err = |message: String| LogError::File {
        file: file.to_string(),
        message,
    };
    let decoded = match spec.encoding {
        LogEncoding::Utf8 => encoding_rs_io::DecodeReaderBytesBuilder::new()
            .utf8_passthru(true)
            .strip_bom(true)
            .build(reader),
        LogEncoding::Gb18030 => encoding_rs_io::DecodeReaderBytesBuilder::new()
            .encoding(Some(encoding_rs::GB18030))
            .strip_bom(true)
            .build(reader),
    };
    let breaks: Breaks = Rc::default();
    let counter = BreakCounter {
        inner: decoded,
        pos: 0,
        breaks: breaks.clone(),
    };
    let mut lines = Lines { breaks, line: 1 };
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(true)
        .buffer_capacity(1 << 16)
        .from_reader(counter);
    let not_utf8 = |line: u64| {
        line_err(
            line,
            "the file is not UTF-8 text: for a GBK/GB18030 export (Excel on a Chinese system) set [replay] encoding = \"gb18030\"".into(),
        )
    };
    let csv_err = |e: csv::Error, lines: &mut Lines| {
        let line = e.position().map_or(1, |p| lines.line_at(p.byte()));
        match e.kind() {
            csv::ErrorKind::Utf8 { .. } => not_utf8(line),
            csv::ErrorKind::Io(err) => line_err(line, format!("cannot read: {err}")),
            _ => line_err(line, e.to_string()),
        }
    };
    let mut headers = rdr.headers().map_err(|e| csv_err(e, &mut lines))?.clone();
    headers.trim();
    let header_line = headers.position().map_or(1, |p| lines.line_at(p.byte()));
    let headers: Vec<String> = headers.iter().map(str::to_string).collect();
    // Every missing column at once.
    let mut idx: HashMap<Role, usize> = HashMap::new();
    let mut missing = Vec::new();
    for (role, header) in &spec.columns {
        match headers.iter().position(|h| h == header) {
            Some(i) => {
                idx.insert(*role, i);
            }
            None => missing.push(format!("`{header}` (for {})", role.key())),
        }
    }
    if !missing.is_empty() {
        return Err(line_err(
            header_line,
            format!(
                "the header has no column {} (it has: {})",
                missing.join(", "),
                headers.join(",")
            ),
        ));
    }
    let col = |r: Role| idx.get(&r).copied();
    let (id_c, kind_c) = (
        col(Role::Id).expect("validated"),
        col(Role::Kind).expect("validated"),
    );
    let time_c = col(Role::Time);
    let call_min_c = col(Role::CallMin);
    let station_c = col(Role::Station);
    let observed_c = [col(Role::Dispatch), col(Role::Arrive), col(Role::Clear)];
    // Looked up once, not per row.
    let nums_c = [
        (Role::OnSceneMin, col(Role::OnSceneMin)),
        (Role::CaseMin, col(Role::CaseMin)),
    ];
    let km_c = col(Role::XKm).zip(col(Role::YKm));
    let latlon_c = col(Role::Lat).zip(col(Role::Lon));
    let point_c = col(Role::Point);
    let convert = |lat: f64, lon: f64| -> (f64, f64) {
        match (spec.datum, s.datum) {
            (a, b) if a == b => (lat, lon),
            (Datum::Wgs84, Datum::Gcj02) => wgs84_to_gcj02(lat, lon),
            _ => gcj02_to_wgs84(lat, lon),
        }
    };
    // Where a call with a station but no position is placed: the weighted
    // centre of its station's demand (the station itself when it has none).
    let station_centre: Vec<Point> = (0..s.stations.len())
        .map(|st| {
            let (mut w, mut x, mut y) = (0.0, 0.0, 0.0);
            for d in s.demand.iter().filter(|d| d.station == st) {
                w += d.weight;
                x += d.weight * d.pos.x_km;
                y += d.weight * d.pos.y_km;
            }
            if w > 0.0 {
                Point::new(x / w, y / w)
            } else {
                s.stations[st].pos
            }
        })
        .collect();
    let centre = map_centre(&s.stations.iter().map(|st| st.pos).collect::<Vec<_>>());
    let mut kind_cache: HashMap<String, Option<u16>> = HashMap::new();
    let mut unmapped: BTreeMap<String, u64> = BTreeMap::new();
    let mut station_cache: HashMap<String, Option<u32>> = HashMap::new();
    let mut unknown_stations: BTreeMap<String, u64> = BTreeMap::new();
    let mut zone_offset: Option<i32> = None;
    let mut pending: Vec<Pending> = Vec::new();
    let mut rejected: Vec<Rejected> = Vec::new();
    let mut record = csv::StringRecord::new();
    loop {
        match rdr.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => return Err(csv_err(e, &mut lines)),
        }
        let line = record.position().map_or(0, |p| lines.line_at(p.byte()));
        if record.len() == 1 && record[0].trim().is_empty() {
            continue;
        }
        let field = |c: usize| record.get(c).unwrap_or("").trim();
        let mut reject = |reason: Reason, detail: String| {
            rejected.push(Rejected {
                line,
                reason,
                detail,
                fields: record.iter().map(str::to_string).collect(),
            });
        };
        let id = field(id_c);
        if id.is_empty() {
            reject(Reason::NoId, String::new());
            continue;
        }
        // Times: local milliseconds, offsets brought to the log's zone (the
        // offset of its first timestamp that has one).
        let mut stamp = |c: usize| -> Result<Option<i64>, ()> {
            let text = field(c);
            if text.is_empty() {
                return Ok(None);
            }
            let (t, off) = spec.times.parse(text).ok_or(())?;
            let mut ms = t.and_utc().timestamp_millis();
            if let Some(off) = off {
                let zone = *zone_offset.get_or_insert(off);
                ms += i64::from(zone - off) * 1000;
            }
            Ok(Some(ms))
        };
        let (call_ms, call_min) = match (time_c, call_min_c) {
            (Some(c), _) => match stamp(c) {
                Ok(Some(ms)) => (ms, None),
                Ok(None) => {
                    reject(Reason::NoTime, String::new());
                    continue;
                }
                Err(()) => {
                    let d = format!("{:?}", field(c));
                    reject(Reason::Unreadable(Role::Time), d);
                    continue;
                }
            },
            (None, Some(c)) => match field(c) {
                "" => {
                    reject(Reason::NoTime, String::new());
                    continue;
                }
                t => match t.parse::<f64>() {
                    Ok(v) if (0.0..=MAX_CALL_MIN).contains(&v) => (0, Some(v)),
                    Ok(v) if v.is_finite() && v >= 0.0 => {
                        reject(
                            Reason::OutOfRange,
                            format!("call_min {v} is beyond the longest run ({MAX_DAYS} days)"),
                        );
                        continue;
                    }
                    _ => {
                        reject(Reason::Unreadable(Role::CallMin), format!("{t:?}"));
                        continue;
                    }
                },
            },
            (None, None) => unreachable!("validated: time or call_min"),
        };
        let mut observed = [None; 3];
        let mut bad = None;
        for (k, c) in observed_c.iter().enumerate() {
            if let Some(c) = *c {
                match stamp(c) {
                    Ok(v) => observed[k] = v,
                    Err(()) => {
                        bad = Some(([Role::Dispatch, Role::Arrive, Role::Clear][k], c));
                        break;
                    }
                }
            }
        }
        if let Some((role, c)) = bad {
            let d = format!("{:?}", field(c));
            reject(Reason::Unreadable(role), d);
            continue;
        }
        let mut nums = [None; 2];
        let mut bad = None;
        for (k, (role, c)) in nums_c.into_iter().enumerate() {
            if let Some(c) = c {
                let t = field(c);
                if !t.is_empty() {
                    match t.parse::<f64>() {
                        Ok(v) if (0.0..=crate::dist::MAX_MINUTES).contains(&v) => nums[k] = Some(v),
                        Ok(v) if v.is_finite() && v >= 0.0 => {
                            bad = Some((
                                Reason::OutOfRange,
                                format!(
                                    "{} {v} is over {} minutes",
                                    role.key(),
                                    crate::dist::MAX_MINUTES
                                ),
                            ))
                        }
                        Ok(v) if v.is_finite() => {
                            bad = Some((Reason::NegativeInterval, format!("{} {v}", role.key())))
                        }
                        _ => bad = Some((Reason::Unreadable(role), format!("{t:?}"))),
                    }
                }
            }
        }
        if let Some((reason, d)) = bad {
            reject(reason, d);
            continue;
        }
        // Observed times in order: call ≤ dispatch ≤ arrive ≤ clear.
        if call_min.is_none() {
            let names = ["call", "dispatch", "arrive", "clear"];
            let seq = [Some(call_ms), observed[0], observed[1], observed[2]];
            let mut last: Option<(usize, i64)> = None;
            let mut wrong = None;
            for (k, t) in seq.iter().enumerate() {
                if let Some(t) = *t {
                    if let Some((j, prev)) = last
                        && t < prev
                    {
                        wrong = Some(format!("{} before {}", names[k], names[j]));
                        break;
                    }
                    last = Some((k, t));
                }
            }
            if let Some(w) = wrong {
                reject(Reason::NegativeInterval, w);
                continue;
            }
        }
        // Position.
        let num = |c: usize| -> Result<Option<f64>, ()> {
            let t = field(c);
            if t.is_empty() {
                return Ok(None);
            }
            t.parse::<f64>()
                .ok()
                .filter(|v| v.is_finite())
                .map(Some)
                .ok_or(())
        };
        let mut pos: Result<Option<Point>, Role> = Ok(None);
        if let Some((xc, yc)) = km_c {
            pos = match (num(xc), num(yc)) {
                (Ok(Some(x)), Ok(Some(y))) => Ok(Some(Point::new(x, y))),
                (Ok(None), Ok(None)) => Ok(None),
                (Err(()), _) | (Ok(None), _) => Err(Role::XKm),
                _ => Err(Role::YKm),
            };
        } else if let Some((lc, oc)) = latlon_c {
            pos = match (num(lc), num(oc)) {
                (Ok(Some(lat)), Ok(Some(lon))) => Ok(Some((lat, lon))),
                (Ok(None), Ok(None)) => Ok(None),
                (Err(()), _) | (Ok(None), _) => Err(Role::Lat),
                _ => Err(Role::Lon),
            }
            .map(|p| p.map(|(lat, lon)| project(s, convert(lat, lon))));
        } else if let Some(pc) = point_c {
            let t = field(pc);
            pos = if t.is_empty() {
                Ok(None)
            } else {
                parse_point(t)
                    .map(|(lat, lon)| Some(project(s, convert(lat, lon))))
                    .ok_or(Role::Point)
            };
        }
        let pos = match pos {
            Ok(Some(p)) if far_from(centre, p).is_some() => {
                let why = far_from(centre, p).unwrap_or_default();
                reject(Reason::OutOfRange, format!("the incident {why}"));
                continue;
            }
            Ok(p) => p,
            Err(role) => {
                let d = format!("{:?}", field(col(role).expect("mapped")));
                reject(Reason::Unreadable(role), d);
                continue;
            }
        };
        // Station.
        let station = match station_c.map(field).filter(|v| !v.is_empty()) {
            None => None,
            Some(v) => {
                let found = match station_cache.get(v) {
                    Some(&found) => found,
                    None => {
                        let found = s
                            .stations
                            .iter()
                            .position(|st| st.id == v)
                            .or_else(|| s.stations.iter().position(|st| st.name == v))
                            .map(|i| i as u32);
                        station_cache.insert(v.to_string(), found);
                        found
                    }
                };
                if found.is_none() {
                    *unknown_stations.entry(v.to_string()).or_default() += 1;
                }
                found
            }
        };
        if pos.is_none() && station.is_none() {
            let d = if station_c.is_some_and(|c| !field(c).is_empty()) {
                format!("unknown station {:?}", field(station_c.expect("mapped")))
            } else {
                String::new()
            };
            reject(Reason::NoPosition, d);
            continue;
        }
        // Kind.
        let value = field(kind_c);
        let kind = match kind_cache.get(value) {
            Some(&kind) => kind,
            None => {
                let kind = spec
                    .kinds
                    .get(value)
                    .copied()
                    .or_else(|| s.incidents.kind_index(value).map(|k| k as u16))
                    .or(spec.default_kind);
                kind_cache.insert(value.to_string(), kind);
                kind
            }
        };
        let Some(kind) = kind else {
            *unmapped.entry(value.to_string()).or_default() += 1;
            continue;
        };
        let has_position = pos.is_some();
        pending.push(Pending {
            line,
            id: id.to_string(),
            call_ms,
            call_min,
            pos: pos.unwrap_or_else(|| station_centre[station.expect("checked") as usize]),
            has_position,
            kind,
            station,
            dispatch_ms: observed[0],
            arrive_ms: observed[1],
            clear_ms: observed[2],
            on_scene_min: nums[0],
            case_min: nums[1],
        });
    }
    // Problems of the whole file, each with every case.
    let mut problems = Vec::new();
    if !unmapped.is_empty() {
        let mut v: Vec<_> = unmapped.into_iter().collect();
        v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        let list: Vec<String> = v
            .iter()
            .map(|(k, n)| {
                let shown = if k.is_empty() { "(empty)" } else { k };
                format!("  {shown:?}: {n} row(s)")
            })
            .collect();
        let names: Vec<_> = s.incidents.kinds.iter().map(|k| k.name.as_str()).collect();
        problems.push(format!(
            "column `{}`: {} value(s) map to no kind of the scenario ({}); add them to [replay] kinds (e.g. \"{}\" = \"{}\") or set [replay] default_kind:\n{}",
            headers[kind_c],
            v.len(),
            names.join(", "),
            v[0].0,
            names[0],
            list.join("\n")
        ));
    }
    if !unknown_stations.is_empty() {
        let list: Vec<String> = unknown_stations
            .iter()
            .map(|(k, n)| format!("  {k:?}: {n} row(s)"))
            .collect();
        let ids: Vec<_> = s.stations.iter().map(|st| st.id.as_str()).collect();
        problems.push(format!(
            "column `{}`: {} value(s) name no station of the scenario (ids: {}; names are accepted too):\n{}",
            headers[station_c.expect("mapped")],
            unknown_stations.len(),
            ids.join(", "),
            list.join("\n")
        ));
    }
    // Duplicate ids, both lines of each.
    let mut order: Vec<usize> = (0..pending.len()).collect();
    order.sort_by(|&a, &b| {
        pending[a]
            .id
            .cmp(&pending[b].id)
            .then(pending[a].line.cmp(&pending[b].line))
    });
    let mut dups = Vec::new();
    for w in order.windows(2) {
        let (a, b) = (&pending[w[0]], &pending[w[1]]);
        if a.id == b.id {
            dups.push(format!("  {:?} on lines {} and {}", a.id, a.line, b.line));
        }
    }
    if !dups.is_empty() {
        let n = dups.len();
        dups.truncate(20);
        problems.push(format!(
            "column `{}`: {n} duplicate id(s){}:\n{}",
            headers[id_c],
            if n > 20 { " (first 20)" } else { "" },
            dups.join("\n")
        ));
    }
    if !problems.is_empty() {
        return Err(file_err(problems.join("\n")));
    }
    // Minute 0.
    let timestamps = time_c.is_some();
    let start_ms = if timestamps {
        let first = pending.iter().map(|p| p.call_ms).min();
        match (spec.start, first) {
            (Some(t), _) => Some(t.and_utc().timestamp_millis()),
            (None, Some(first)) => Some(first.div_euclid(86_400_000) * 86_400_000),
            (None, None) => None,
        }
    } else {
        None
    };
    let start = start_ms
        .and_then(chrono::DateTime::from_timestamp_millis)
        .map(|t| t.naive_utc());
    if let Some(start_ms) = start_ms {
        pending.retain(|p| {
            let late = (p.call_ms - start_ms) as f64 / 60_000.0 > MAX_CALL_MIN;
            if p.call_ms < start_ms || late {
                rejected.push(Rejected {
                    line: p.line,
                    reason: if late {
                        Reason::OutOfRange
                    } else {
                        Reason::BeforeStart
                    },
                    detail: if late {
                        format!("more than {MAX_DAYS} days after the start")
                    } else {
                        String::new()
                    },
                    fields: vec![p.id.clone()],
                });
                false
            } else {
                true
            }
        });
    }
    rejected.sort_by_key(|r| r.line);
    let start_weekday = match start {
        Some(t) => Weekday::from_index(t.weekday().num_days_from_monday() as usize),
        None => s.start_weekday,
    };
    let to_min = |ms: i64| (ms - start_ms.unwrap_or(0)) as f64 / 60_000.0;
    let mut records: Vec<LogRecord> = pending
        .into_iter()
        .map(|p| {
            let call_min = p.call_min.unwrap_or_else(|| to_min(p.call_ms));
            let call_time = timestamps
                .then(|| chrono::DateTime::from_timestamp_millis(p.call_ms).map(|t| t.naive_utc()))
                .flatten();
            let (weekday, hour) = match call_time {
                Some(t) => (
                    Weekday::from_index(t.weekday().num_days_from_monday() as usize),
                    t.hour() as u8,
                ),
                None => (
                    start_weekday.plus((call_min / MIN_PER_DAY) as usize),
                    ((call_min % MIN_PER_DAY) / 60.0) as u8,
                ),
            };
            let (station, demand) = match p.station {
                Some(st) => (st, s.nearest_demand_of(p.pos, st as usize) as u32),
                None => {
                    let d = s.nearest_demand(p.pos);
                    (s.demand[d].station as u32, d as u32)
                }
            };
            LogRecord {
                line: p.line,
                id: p.id,
                num: 0,
                call_min,
                call_time,
                weekday,
                hour,
                pos: p.pos,
                has_position: p.has_position,
                kind: p.kind,
                station,
                station_given: p.station.is_some(),
                demand,
                dispatch_min: p.dispatch_ms.map(to_min),
                arrive_min: p.arrive_ms.map(to_min),
                clear_min: p.clear_ms.map(to_min),
                on_scene_min: p.on_scene_min,
                case_min: p.case_min,
            }
        })
        .collect();
    records.sort_by(|a, b| a.call_min.total_cmp(&b.call_min).then(a.line.cmp(&b.line)));
    for (i, r) in records.iter_mut().enumerate() {
        r.num = i as u64 + 1;
    }
    Ok(CallLog {
        file: file.to_string(),
        headers,
        records,
        start,
        start_weekday,
        rejected,
        observed: observed_c.iter().any(Option::is_some),
    })
}

/// Projects `(lat, lon)` (already in the scenario's datum).
fn project(s: &Scenario, (lat, lon): (f64, f64)) -> Point {
    s.projection
        .expect("validated: lat/lon columns need a projection")
        .project(lat, lon)
}

/// Reads a point written in one column: WKT `POINT (lon lat)`, GeoJSON
/// `{"type": "Point", "coordinates": [lon, lat]}`, or `(lat, lon)`.
/// Returns `(lat, lon)`.
pub fn parse_point(text: &str) -> Option<(f64, f64)> {
    let t = text.trim();
    let valid = |lat: f64, lon: f64| {
        (lat.is_finite() && lon.is_finite() && lat.abs() <= 90.0 && lon.abs() <= 180.0)
            .then_some((lat, lon))
    };
    if t.len() >= 5 && t[..5].eq_ignore_ascii_case("point") {
        let inner = t[5..].trim().strip_prefix('(')?.strip_suffix(')')?;
        let mut it = inner.split_whitespace();
        let lon: f64 = it.next()?.parse().ok()?;
        let lat: f64 = it.next()?.parse().ok()?;
        return if it.next().is_none() {
            valid(lat, lon)
        } else {
            None
        };
    }
    if t.starts_with('{') {
        let v: serde_json::Value = serde_json::from_str(t).ok()?;
        let c = v.get("coordinates")?.as_array()?;
        return valid(c.get(1)?.as_f64()?, c.first()?.as_f64()?);
    }
    let inner = t.strip_prefix('(')?.strip_suffix(')')?;
    let (a, b) = inner.split_once(',')?;
    valid(a.trim().parse().ok()?, b.trim().parse().ok()?)
}

/// Calls further than [`FAR_KM`] from every station: `(label, km)` of each,
/// where `label` names the row.
pub fn far_calls<'a>(
    s: &Scenario,
    calls: impl Iterator<Item = (String, Point)> + 'a,
) -> Vec<(String, f64)> {
    calls
        .filter_map(|(label, p)| {
            let km = s
                .stations
                .iter()
                .map(|st| st.pos.distance_km(p))
                .fold(f64::INFINITY, f64::min);
            (km > FAR_KM).then_some((label, km))
        })
        .collect()
}

/// The warning for [`far_calls`], naming up to ten rows.
pub fn far_warning(file: &str, far: &[(String, f64)], total: usize) -> Option<String> {
    if far.is_empty() {
        return None;
    }
    let shown: Vec<String> = far
        .iter()
        .take(10)
        .map(|(l, km)| format!("{l} ({km:.0} km)"))
        .collect();
    Some(format!(
        "{file}: {} of {total} call(s) lie more than {FAR_KM:.0} km from every station, far outside the map: {}{} (degrees in km columns? a lat/lon log needs [replay] columns lat/lon)",
        far.len(),
        shown.join(", "),
        if far.len() > 10 { ", …" } else { "" }
    ))
}

/// Calls inside the warm-up: a warning with their count, or an error when
/// all of them are (nothing would be measured).
pub fn warmup_check(
    file: &str,
    call_mins: impl Iterator<Item = f64>,
    warmup_days: f64,
) -> Result<Option<String>, String> {
    let warmup_min = warmup_days * MIN_PER_DAY;
    let (mut inside, mut total) = (0usize, 0usize);
    for t in call_mins {
        total += 1;
        if t < warmup_min {
            inside += 1;
        }
    }
    if total > 0 && inside == total {
        return Err(format!(
            "{file}: all {total} call(s) fall inside the {warmup_days}-day warm-up, so nothing would be measured: use `run --warmup-days 0` (or a shorter [scenario] warmup_days)"
        ));
    }
    Ok((inside > 0).then(|| {
        format!(
            "{file}: {inside} of {total} call(s) fall inside the {warmup_days}-day warm-up and are not measured (`run --warmup-days` changes it)"
        )
    }))
}
