//! Incident streams: synthetic (non-homogeneous Poisson) and replayed from CSV.
//!
//! A stream depends only on the scenario, the seed and the replication number,
//! never on the strategy: every strategy sees exactly the same incidents
//! (common random numbers). Each source of randomness has its own named
//! stream (see [`rng`]), so changing, say, an on-scene distribution does not
//! move any call time or location.

use std::io::{Read, Write};
use std::path::Path;

use rand::{Rng, RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::Distribution;
use rand_distr::weighted::WeightedAliasIndex;
use rand_xoshiro::Xoshiro256PlusPlus;
use serde::{Deserialize, Serialize};

use crate::map::Point;
use crate::scenario::limits::{MAX_DAYS, far_from, map_centre};
use crate::scenario::{MIN_PER_DAY, Scenario};

/// The latest call time a replay file may give, minutes: the end of the
/// longest run.
const MAX_CALL_MIN: f64 = MAX_DAYS * MIN_PER_DAY;

/// The named random streams of one replication.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u64)]
pub enum Stream {
    /// Inter-arrival times.
    Arrivals = 1,
    /// Demand point and scatter within its disc.
    Location = 2,
    /// Incident kind.
    Kind = 3,
    /// On-scene durations.
    OnScene = 4,
    /// Case-handling durations.
    CaseHandling = 5,
    /// Whether the first unit on scene calls for backup.
    Escalation = 6,
    /// Whether a traffic incident is prevented (accident-rate factor).
    Prevention = 7,
}

/// The random generator of every stream.
///
/// Xoshiro256++ is specified independently of platform and crate version
/// (unlike `StdRng`), has no known statistical failures in BigCrush or
/// PractRand, and costs a handful of instructions per number, where ChaCha8
/// spent about a tenth of the whole engine's time generating its blocks
/// (callgrind, `mmc.toml`). See [`rng`] for how streams are kept apart.
pub type StreamRng = Xoshiro256PlusPlus;

/// The portable generator for `(seed, replication, stream)`.
///
/// Its 256-bit state is the first output of ChaCha8 keyed by `seed` on
/// stream number `replication << 16 | stream`: every `(replication, stream)`
/// pair starts from an independent, uniformly random point of Xoshiro's
/// 2^256 − 1 period, so two streams overlap with negligible probability
/// (below 2^-100 for any realistic experiment), and the cheap generator does
/// the per-incident work.
pub fn rng(seed: u64, replication: u32, stream: Stream) -> StreamRng {
    let mut key = ChaCha8Rng::seed_from_u64(seed);
    key.set_stream((u64::from(replication) << 16) | stream as u64);
    let mut state = [0u8; 32];
    key.fill_bytes(&mut state);
    StreamRng::from_seed(state)
}

/// One incident as the engine receives it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Incident {
    /// Identifier, unique within a stream.
    pub id: u64,
    /// Time of the call, minutes from the start.
    pub call_min: f64,
    /// Location.
    pub pos: Point,
    /// Index into the scenario's kinds.
    pub kind: u16,
    /// Index of the station whose jurisdiction it is in.
    pub station: u32,
    /// Index of its demand point (for replayed incidents, the nearest one):
    /// decides its response target.
    pub demand: u32,
    /// Road node where it joins the network, looked up once here rather
    /// than per candidate unit ([`crate::map::NO_HANDLE`] without a network).
    pub node: u32,
    /// Time each unit spends on scene, minutes.
    pub on_scene_min: f64,
    /// Case handling by the first unit after returning, minutes.
    pub case_min: f64,
    /// Uniform draw deciding escalation (escalates when below the kind's probability).
    pub escalate_u: f64,
    /// Uniform draw deciding prevention (kept when below the accident-rate factor).
    pub keep_u: f64,
}

/// Precomputed sampling tables of a scenario, shared by every replication.
#[derive(Debug, Clone)]
pub struct StreamModel {
    demand: WeightedAliasIndex<f64>,
    /// Per station, for area demand: which triangle of its jurisdiction
    /// cell an incident falls in, by area (empty without area demand).
    cells: Vec<Option<WeightedAliasIndex<f64>>>,
    /// Cumulative kind shares: a handful of kinds is faster to search
    /// linearly than to sample with an alias table.
    kind_cdf: Vec<f64>,
    /// Calls per minute in each hour of the first week of the run: entry
    /// `i` is hour `i % 24` of the `i / 24`-th day after the start weekday.
    /// Rotating the table to the start weekday once here keeps the lookup
    /// per arrival a single constant-modulus index, as with a daily table.
    rate_per_min: [f64; HOURS_PER_WEEK],
}

/// Hours in a week: the period of the arrival rate.
pub const HOURS_PER_WEEK: usize = 168;

impl StreamModel {
    /// Builds the tables (the scenario is already validated).
    pub fn new(s: &Scenario) -> Self {
        let demand = WeightedAliasIndex::new(s.demand.iter().map(|d| d.weight).collect())
            .expect("validated demand weights");
        let cells = match &s.boundary {
            Some(b) if s.demand.iter().any(|d| d.area) => b
                .cells
                .iter()
                .map(|c| WeightedAliasIndex::new(c.triangle_areas()).ok())
                .collect(),
            _ => Vec::new(),
        };
        let total: f64 = s.incidents.kinds.iter().map(|k| k.share).sum();
        let mut acc = 0.0;
        let mut kind_cdf: Vec<f64> = s
            .incidents
            .kinds
            .iter()
            .map(|k| {
                acc += k.share / total;
                acc
            })
            .collect();
        // Whatever rounding leaves above the last sum goes to the last kind
        // with a share: never to a kind with none.
        if let Some(last) = s.incidents.kinds.iter().rposition(|k| k.share > 0.0) {
            kind_cdf[last] = f64::INFINITY;
        }
        let mut rate_per_min = [0.0; HOURS_PER_WEEK];
        for (i, r) in rate_per_min.iter_mut().enumerate() {
            *r = s
                .incidents
                .rate_per_min_on(s.start_weekday.plus(i / 24), i % 24);
        }
        Self {
            demand,
            cells,
            kind_cdf,
            rate_per_min,
        }
    }

    /// Calls per minute in hour `hour` of the run (hour 0 starts at minute 0
    /// on the scenario's start weekday).
    pub fn rate_per_min(&self, hour: u64) -> f64 {
        self.rate_per_min[(hour % HOURS_PER_WEEK as u64) as usize]
    }
}

/// The per-incident draws that do not shape the stream itself: durations,
/// escalation and prevention, each from its own stream.
#[derive(Debug, Clone)]
pub struct IncidentDraws {
    on_scene: StreamRng,
    case: StreamRng,
    escalation: StreamRng,
    prevention: StreamRng,
    /// Whether any kind escalates: otherwise the draw is skipped.
    escalates: bool,
    /// Whether any strategy prevents incidents: otherwise the draw is skipped.
    prevents: bool,
}

/// What [`IncidentDraws::draw`] returns.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Draw {
    /// On-scene minutes.
    pub on_scene_min: f64,
    /// Case-handling minutes.
    pub case_min: f64,
    /// Escalation uniform.
    pub escalate_u: f64,
    /// Prevention uniform.
    pub keep_u: f64,
}

impl IncidentDraws {
    /// The streams of `replication` for scenario `s`.
    pub fn new(s: &Scenario, seed: u64, replication: u32) -> Self {
        Self {
            on_scene: rng(seed, replication, Stream::OnScene),
            case: rng(seed, replication, Stream::CaseHandling),
            escalation: rng(seed, replication, Stream::Escalation),
            prevention: rng(seed, replication, Stream::Prevention),
            escalates: s.incidents.kinds.iter().any(|k| k.escalation.is_some()),
            prevents: s.strategies.iter().any(|c| {
                matches!(c, crate::scenario::StrategyConfig::TrafficMerged(m) if m.accident_rate_factor < 1.0)
            }),
        }
    }

    /// Draws for an incident of `kind` (always the same number of uniforms
    /// for escalation and prevention, so those streams stay aligned).
    #[inline]
    pub fn draw(&mut self, s: &Scenario, kind: usize) -> Draw {
        self.draw_given(s, kind, None, None)
    }

    /// Like [`IncidentDraws::draw`], but durations already known (from a
    /// replay file) are used as they are and not drawn.
    #[inline]
    pub fn draw_given(
        &mut self,
        s: &Scenario,
        kind: usize,
        on_scene_min: Option<f64>,
        case_min: Option<f64>,
    ) -> Draw {
        let k = &s.incidents.kinds[kind];
        Draw {
            on_scene_min: on_scene_min.unwrap_or_else(|| k.on_scene.sample(&mut self.on_scene)),
            case_min: case_min.unwrap_or_else(|| k.case_handling.sample(&mut self.case)),
            // Skipped draws are decided by the scenario alone, so every
            // strategy still sees the same incidents.
            escalate_u: if self.escalates {
                self.escalation.random()
            } else {
                1.0
            },
            keep_u: if self.prevents {
                self.prevention.random()
            } else {
                0.0
            },
        }
    }
}

/// A synthetic incident stream for one replication.
#[derive(Debug, Clone)]
pub struct Generator<'a> {
    scenario: &'a Scenario,
    model: &'a StreamModel,
    horizon_min: f64,
    t: f64,
    next_id: u64,
    arrivals: StreamRng,
    location: StreamRng,
    kind: StreamRng,
    durations: IncidentDraws,
}

impl<'a> Generator<'a> {
    /// The stream of `replication`, up to `horizon_min`.
    pub fn new(
        scenario: &'a Scenario,
        model: &'a StreamModel,
        seed: u64,
        replication: u32,
        horizon_min: f64,
    ) -> Self {
        Self {
            scenario,
            model,
            horizon_min,
            t: 0.0,
            next_id: 1,
            arrivals: rng(seed, replication, Stream::Arrivals),
            location: rng(seed, replication, Stream::Location),
            kind: rng(seed, replication, Stream::Kind),
            durations: IncidentDraws::new(scenario, seed, replication),
        }
    }

    /// Next arrival time after `self.t` by inverting the piecewise-constant
    /// cumulative intensity: exactly one Exp(1) draw per arrival.
    fn next_call(&mut self) -> Option<f64> {
        let mut e: f64 = rand_distr::Exp1.sample(&mut self.arrivals);
        let mut t = self.t;
        loop {
            if t >= self.horizon_min {
                return None;
            }
            // Times are >= 0, so truncation is floor (and far cheaper than
            // `f64::floor` on baseline x86-64, which has no rounding instruction).
            let hours = (t / 60.0) as u64;
            let end = (hours + 1) as f64 * 60.0;
            let rate = self.model.rate_per_min(hours);
            let room = rate * (end - t);
            if e <= room && rate > 0.0 {
                t += e / rate;
                // Guard against rounding past the hour boundary.
                return Some(t.min(end));
            }
            e -= room;
            t = end;
        }
    }
}

impl Iterator for Generator<'_> {
    type Item = Incident;

    fn next(&mut self) -> Option<Incident> {
        let call = self.next_call()?;
        if call >= self.horizon_min {
            return None;
        }
        self.t = call;
        let s = self.scenario;
        // A draw whose outcome is certain (one demand point, no scatter, one
        // kind) is skipped: each source has its own stream, so skipping
        // moves nothing else, and the scenario alone decides it.
        let demand = if s.demand.len() == 1 {
            0
        } else {
            self.model.demand.sample(&mut self.location)
        };
        let d = &s.demand[demand];
        let pos = if d.area {
            // Uniform over the station's cell: a triangle by area, then a
            // point in it (three or four uniforms, no rejection).
            let cell = &s
                .boundary
                .as_ref()
                .expect("area demand has a boundary")
                .cells[d.station];
            let t = self.model.cells[d.station]
                .as_ref()
                .expect("area demand cells have triangles")
                .sample(&mut self.location);
            let (u, v) = (self.location.random(), self.location.random());
            cell.point_in(t, u, v)
        } else if d.spread_km > 0.0 {
            // Uniform in a disc by rejection from the enclosing square: no
            // trigonometry, and about 2.5 uniforms per incident.
            let (mut u, mut v): (f64, f64);
            loop {
                u = 2.0 * self.location.random::<f64>() - 1.0;
                v = 2.0 * self.location.random::<f64>() - 1.0;
                if u * u + v * v <= 1.0 {
                    break;
                }
            }
            Point::new(d.pos.x_km + d.spread_km * u, d.pos.y_km + d.spread_km * v)
        } else {
            d.pos
        };
        let kind = if self.model.kind_cdf.len() == 1 {
            0
        } else {
            let u: f64 = self.kind.random();
            self.model
                .kind_cdf
                .iter()
                .position(|&c| u < c)
                .unwrap_or(self.model.kind_cdf.len() - 1)
        };
        let draw = self.durations.draw(s, kind);
        let id = self.next_id;
        self.next_id += 1;
        Some(Incident {
            id,
            call_min: call,
            pos,
            kind: kind as u16,
            station: d.station as u32,
            demand: demand as u32,
            node: s.travel.node_of(pos),
            on_scene_min: draw.on_scene_min,
            case_min: draw.case_min,
            escalate_u: draw.escalate_u,
            keep_u: draw.keep_u,
        })
    }
}

/// An incident read from a replay file; missing durations are drawn per replication.
#[derive(Debug, Clone, PartialEq)]
pub struct ReplayIncident {
    /// Identifier from the file.
    pub id: u64,
    /// Call time, minutes.
    pub call_min: f64,
    /// Location.
    pub pos: Point,
    /// Kind index.
    pub kind: u16,
    /// Jurisdiction: the file's `station`, or the station of the nearest demand point.
    pub station: u32,
    /// The nearest demand point.
    pub demand: u32,
    /// On-scene minutes, if the file gives them.
    pub on_scene_min: Option<f64>,
    /// Case-handling minutes, if the file gives them.
    pub case_min: Option<f64>,
}

/// A row of the replay CSV, as written.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Row {
    id: u64,
    call_min: f64,
    x_km: f64,
    y_km: f64,
    kind: String,
    #[serde(default)]
    on_scene_min: Option<f64>,
    #[serde(default)]
    case_min: Option<f64>,
    #[serde(default)]
    station: Option<String>,
}

/// A bad replay file.
#[derive(Debug, thiserror::Error)]
pub enum ReplayError {
    /// The file could not be read or written.
    #[error("{file}: {source}")]
    Io {
        /// The file.
        file: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A row or the header is malformed.
    #[error("{file}:{line}: {message}")]
    Row {
        /// The file.
        file: String,
        /// 1-based line.
        line: u64,
        /// What is wrong.
        message: String,
    },
}

/// The columns a replay file must have, in the order `generate` writes them.
pub const REQUIRED_COLUMNS: [&str; 5] = ["id", "call_min", "x_km", "y_km", "kind"];
/// Columns a replay file may add. `station` is the id of the station whose
/// jurisdiction the incident is in; without it, the station of the nearest
/// demand point.
pub const OPTIONAL_COLUMNS: [&str; 3] = ["on_scene_min", "case_min", "station"];

/// Reads a replay CSV (`id,call_min,x_km,y_km,kind[,on_scene_min,case_min,station]`),
/// sorted by call time then id.
pub fn read_replay(path: &Path, s: &Scenario) -> Result<Vec<ReplayIncident>, ReplayError> {
    let file = path.display().to_string();
    let f = std::fs::File::open(path).map_err(|source| ReplayError::Io {
        file: file.clone(),
        source,
    })?;
    parse_replay(f, &file, s)
}

/// Parses replay CSV from any reader; `file` labels errors.
///
/// Error lines are lines of the file, not record numbers: blank lines and
/// quoted fields spanning lines do not shift them.
pub fn parse_replay<R: Read>(
    mut reader: R,
    file: &str,
    s: &Scenario,
) -> Result<Vec<ReplayIncident>, ReplayError> {
    let row_err = |line: u64, message: String| ReplayError::Row {
        file: file.to_string(),
        line,
        message,
    };
    // The whole file is read first so that a record's byte offset can be
    // turned into its line: csv's own line counter places a record after a
    // blank line on the blank line.
    let mut data = Vec::new();
    reader
        .read_to_end(&mut data)
        .map_err(|source| ReplayError::Io {
            file: file.to_string(),
            source,
        })?;
    let mut lines = LineIndex::new(&data);
    // Fields are trimmed as they are read: csv's own trimming rebuilds every
    // record and costs more than the rest of the parse.
    let mut rdr = csv::ReaderBuilder::new().from_reader(data.as_slice());
    let mut headers = rdr
        .headers()
        .map_err(|e| row_err(1, format!("cannot read the header: {e}")))?
        .clone();
    headers.trim();
    let header_line = headers.position().map_or(1, |p| lines.line_at(p.byte()));
    for col in REQUIRED_COLUMNS {
        if !headers.iter().any(|h| h == col) {
            return Err(row_err(
                header_line,
                format!(
                    "missing column `{col}` (header must have {}, optionally {})",
                    REQUIRED_COLUMNS.join(","),
                    OPTIONAL_COLUMNS.join(",")
                ),
            ));
        }
    }
    for (i, h) in headers.iter().enumerate() {
        if !REQUIRED_COLUMNS.contains(&h) && !OPTIONAL_COLUMNS.contains(&h) {
            return Err(row_err(
                header_line,
                format!(
                    "unknown column `{h}` (allowed: {},{})",
                    REQUIRED_COLUMNS.join(","),
                    OPTIONAL_COLUMNS.join(",")
                ),
            ));
        }
        if headers.iter().take(i).any(|o| o == h) {
            return Err(row_err(header_line, format!("duplicate column `{h}`")));
        }
    }
    let col = |name: &str| headers.iter().position(|h| h == name);
    let cols: Vec<usize> = REQUIRED_COLUMNS
        .iter()
        .map(|c| col(c).expect("checked above"))
        .collect();
    let (on_scene_col, case_col, station_col) =
        (col("on_scene_min"), col("case_min"), col("station"));
    let centre = map_centre(&s.stations.iter().map(|st| st.pos).collect::<Vec<_>>());
    let mut out = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let mut record = csv::StringRecord::new();
    loop {
        match rdr.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                let line = e.position().map_or(0, |p| lines.line_at(p.byte()));
                let message = match e.kind() {
                    csv::ErrorKind::UnequalLengths {
                        expected_len, len, ..
                    } => format!("expected {expected_len} field(s) like the header, found {len}"),
                    _ => e.to_string(),
                };
                return Err(row_err(line, message));
            }
        }
        let line = record.position().map_or(0, |p| lines.line_at(p.byte()));
        // Fields by the column positions found once in the header: no serde
        // map per row, no allocation per row.
        let field = |c: usize| record.get(c).unwrap_or("").trim();
        let bad = |c: usize, what: &str| {
            row_err(
                line,
                format!("column `{}`: {what}, found {:?}", &headers[c], field(c)),
            )
        };
        let num = |c: usize| -> Result<f64, ReplayError> {
            field(c)
                .parse::<f64>()
                .map_err(|_| bad(c, "expected a number"))
        };
        let opt = |c: Option<usize>| -> Result<Option<f64>, ReplayError> {
            match c {
                Some(c) if !field(c).is_empty() => num(c).map(Some),
                _ => Ok(None),
            }
        };
        let row = Row {
            id: field(cols[0])
                .parse::<u64>()
                .map_err(|_| bad(cols[0], "expected a whole number >= 0"))?,
            call_min: num(cols[1])?,
            x_km: num(cols[2])?,
            y_km: num(cols[3])?,
            kind: String::new(),
            on_scene_min: opt(on_scene_col)?,
            case_min: opt(case_col)?,
            station: None,
        };
        let station_id = station_col.map(field).filter(|v| !v.is_empty());
        let kind_name = field(cols[4]);
        let check = |name: &str, v: f64| -> Result<(), ReplayError> {
            if v.is_finite() && v >= 0.0 {
                Ok(())
            } else {
                Err(row_err(
                    line,
                    format!("column `{name}`: must be a finite number >= 0, found {v}"),
                ))
            }
        };
        check("call_min", row.call_min)?;
        if row.call_min > MAX_CALL_MIN {
            return Err(row_err(
                line,
                format!(
                    "column `call_min`: beyond the longest run ({MAX_DAYS} days, {MAX_CALL_MIN} minutes), found {}",
                    row.call_min
                ),
            ));
        }
        if !(row.x_km.is_finite() && row.y_km.is_finite()) {
            return Err(row_err(line, "x_km and y_km must be finite numbers".into()));
        }
        if let Some(why) = far_from(centre, Point::new(row.x_km, row.y_km)) {
            return Err(row_err(
                line,
                format!("columns `x_km`, `y_km`: the incident {why}"),
            ));
        }
        for (name, v) in [
            ("on_scene_min", row.on_scene_min),
            ("case_min", row.case_min),
        ] {
            let Some(v) = v else { continue };
            check(name, v)?;
            if v > crate::dist::MAX_MINUTES {
                return Err(row_err(
                    line,
                    format!(
                        "column `{name}`: must be at most {} minutes (about 19 years), found {v}",
                        crate::dist::MAX_MINUTES
                    ),
                ));
            }
        }
        let Some(kind) = s.incidents.kind_index(kind_name) else {
            let names: Vec<_> = s.incidents.kinds.iter().map(|k| k.name.as_str()).collect();
            return Err(row_err(
                line,
                format!(
                    "column `kind`: unknown kind {:?} (the scenario has: {})",
                    kind_name,
                    names.join(", ")
                ),
            ));
        };
        if !seen.insert(row.id) {
            return Err(row_err(
                line,
                format!("column `id`: duplicate id {}", row.id),
            ));
        }
        let pos = Point::new(row.x_km, row.y_km);
        // Its target is that of its demand point: the nearest one, or with
        // a `station` column the nearest of that station's jurisdiction.
        let (station, demand) = match station_id {
            None => {
                let d = s.nearest_demand(pos);
                (s.demand[d].station, d)
            }
            Some(id) => {
                let st = s.station_index(id).ok_or_else(|| {
                    let ids: Vec<_> = s.stations.iter().map(|st| st.id.as_str()).collect();
                    row_err(
                        line,
                        format!(
                            "column `station`: unknown station {id:?} (the scenario has: {})",
                            ids.join(", ")
                        ),
                    )
                })?;
                (st, s.nearest_demand_of(pos, st))
            }
        };
        out.push(ReplayIncident {
            id: row.id,
            call_min: row.call_min,
            pos,
            kind: kind as u16,
            station: station as u32,
            demand: demand as u32,
            on_scene_min: row.on_scene_min,
            case_min: row.case_min,
        });
    }
    if out.is_empty() {
        return Err(row_err(
            header_line,
            "no incidents: the file has a header but no rows, so there is nothing to simulate"
                .into(),
        ));
    }
    out.sort_by(|a, b| a.call_min.total_cmp(&b.call_min).then(a.id.cmp(&b.id)));
    Ok(out)
}

/// Turns byte offsets of records, asked for in increasing order, into
/// 1-based line numbers.
struct LineIndex<'a> {
    data: &'a [u8],
    /// Bytes scanned so far.
    pos: usize,
    /// Line of `pos`.
    line: u64,
}

impl<'a> LineIndex<'a> {
    fn new(data: &'a [u8]) -> Self {
        Self {
            data,
            pos: 0,
            line: 1,
        }
    }

    /// Line of the first character of the record csv placed at `byte`:
    /// csv reports a record's offset before the blank lines it skipped.
    fn line_at(&mut self, byte: u64) -> u64 {
        let mut start = (byte as usize).min(self.data.len());
        while matches!(self.data.get(start), Some(b'\n' | b'\r')) {
            start += 1;
        }
        if start < self.pos {
            // Out of order (not expected): count from the beginning.
            self.pos = 0;
            self.line = 1;
        }
        self.line += self.data[self.pos..start]
            .iter()
            .filter(|b| **b == b'\n')
            .count() as u64;
        self.pos = start;
        self.line
    }
}

/// A replayed stream for one replication: file durations where given, drawn otherwise.
#[derive(Debug, Clone)]
pub struct Replay<'a> {
    scenario: &'a Scenario,
    rows: &'a [ReplayIncident],
    next: usize,
    horizon_min: f64,
    durations: IncidentDraws,
}

impl<'a> Replay<'a> {
    /// Replays `rows` (sorted by call time) up to `horizon_min`.
    pub fn new(
        scenario: &'a Scenario,
        rows: &'a [ReplayIncident],
        seed: u64,
        replication: u32,
        horizon_min: f64,
    ) -> Self {
        Self {
            scenario,
            rows,
            next: 0,
            horizon_min,
            durations: IncidentDraws::new(scenario, seed, replication),
        }
    }
}

impl Iterator for Replay<'_> {
    type Item = Incident;

    fn next(&mut self) -> Option<Incident> {
        let r = self.rows.get(self.next)?;
        if r.call_min >= self.horizon_min {
            return None;
        }
        self.next += 1;
        let draw =
            self.durations
                .draw_given(self.scenario, r.kind as usize, r.on_scene_min, r.case_min);
        Some(Incident {
            id: r.id,
            call_min: r.call_min,
            pos: r.pos,
            kind: r.kind,
            station: r.station,
            demand: r.demand,
            node: self.scenario.travel.node_of(r.pos),
            on_scene_min: draw.on_scene_min,
            case_min: draw.case_min,
            escalate_u: draw.escalate_u,
            keep_u: draw.keep_u,
        })
    }
}

/// Writes incidents as a replay CSV with every column, so that replaying the
/// file reproduces the run exactly.
pub fn write_replay<W: Write>(
    w: W,
    s: &Scenario,
    incidents: impl IntoIterator<Item = Incident>,
) -> csv::Result<()> {
    let mut wtr = csv::Writer::from_writer(w);
    for inc in incidents {
        wtr.serialize(Row {
            id: inc.id,
            call_min: inc.call_min,
            x_km: inc.pos.x_km,
            y_km: inc.pos.y_km,
            kind: s.incidents.kinds[inc.kind as usize].name.clone(),
            on_scene_min: Some(inc.on_scene_min),
            case_min: Some(inc.case_min),
            station: Some(s.stations[inc.station as usize].id.clone()),
        })?;
    }
    wtr.flush()?;
    Ok(())
}

/// Expected calls per day in each station's jurisdiction.
pub fn calls_per_day_by_station(s: &Scenario) -> Vec<f64> {
    s.station_call_shares()
        .into_iter()
        .map(|share| share * s.incidents.per_day)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One station, one demand point, one kind; `extra` goes into `[incidents]`
    /// and `meta` into `[scenario]`.
    fn scenario(meta: &str, extra: &str) -> Scenario {
        let text = format!(
            r#"
[scenario]
name = "w"
days = 7
{meta}
[[stations]]
id = "a"
x_km = 0.0
y_km = 0.0
officers = 4
auxiliaries = 8
[[demand]]
x_km = 0.0
y_km = 0.0
weight = 1.0
[incidents]
per_day = 70.0
{extra}
[[incidents.kinds]]
name = "g"
share = 1.0
on_scene = {{ dist = "fixed", value = 1.0 }}
[strategies.per_station]
units = 1
"#
        );
        Scenario::from_toml(&text, "w.toml").unwrap()
    }

    #[test]
    fn the_week_table_starts_on_the_start_weekday() {
        // hourly[h] = h + 1 (sum 300), weekly[d] = d + 1 (sum 28).
        let hourly: Vec<String> = (1..=24).map(|h| format!("{h}.0")).collect();
        let s = scenario(
            "start_weekday = \"Wednesday\"",
            &format!(
                "hourly = [{}]\nweekly = [1, 2, 3, 4, 5, 6, 7]",
                hourly.join(", ")
            ),
        );
        let m = StreamModel::new(&s);
        // Hand-computed: 70 calls a day × hourly share × weekday factor ÷ 60.
        let rate = |h: f64, d: f64| 70.0 * (h / 300.0) * (d * 7.0 / 28.0) / 60.0;
        let close = |a: f64, b: f64| (a - b).abs() <= 1e-15 * b.max(1e-300);
        // Hour 0 of the run is Wednesday (weekday 3) 00:00.
        assert!(close(m.rate_per_min(0), rate(1.0, 3.0)));
        // Hour 24 is Thursday 00:00; hours 72..95 are Saturday (weekday 6).
        assert!(close(m.rate_per_min(24), rate(1.0, 4.0)));
        assert!(close(m.rate_per_min(95), rate(24.0, 6.0)));
        // Hour 167 is Tuesday 23:00, and hour 168 wraps to Wednesday 00:00.
        assert!(close(m.rate_per_min(167), rate(24.0, 2.0)));
        assert_eq!(m.rate_per_min(168), m.rate_per_min(0));
        assert_eq!(m.rate_per_min(168 * 52 + 5), m.rate_per_min(5));
        // A week holds 7 × per_day calls on average.
        let week: f64 = (0..168).map(|h| m.rate_per_min(h) * 60.0).sum();
        assert!((week - 7.0 * 70.0).abs() < 1e-9, "{week}");
    }

    #[test]
    fn a_flat_weekly_profile_changes_no_arrival() {
        let plain = scenario("", "");
        let flat = scenario(
            "start_weekday = \"fri\"",
            "weekly = [2.5, 2.5, 2.5, 2.5, 2.5, 2.5, 2.5]",
        );
        let (a, b) = (StreamModel::new(&plain), StreamModel::new(&flat));
        for h in 0..168 {
            assert_eq!(a.rate_per_min(h), b.rate_per_min(h), "hour {h}");
        }
        let horizon = 30.0 * 1440.0;
        let x: Vec<_> = Generator::new(&plain, &a, 3, 0, horizon).collect();
        let y: Vec<_> = Generator::new(&flat, &b, 3, 0, horizon).collect();
        assert_eq!(x, y);
    }

    #[test]
    fn calls_fall_only_in_the_one_open_hour_of_the_week() {
        // Only hour 5 of Saturdays has calls; the run starts on a Thursday,
        // so every call falls in hour 2 × 24 + 5 = 53 of each week.
        let mut hourly = vec!["0"; 24];
        hourly[5] = "1";
        let s = scenario(
            "start_weekday = \"thursday\"",
            &format!(
                "hourly = [{}]\nweekly = [0, 0, 0, 0, 0, 3, 0]",
                hourly.join(", ")
            ),
        );
        let m = StreamModel::new(&s);
        let weeks = 200.0;
        let calls: Vec<_> = Generator::new(&s, &m, 1, 0, weeks * 7.0 * 1440.0).collect();
        assert!(
            calls
                .iter()
                .all(|c| ((c.call_min / 60.0) as u64) % 168 == 53),
            "a call outside Saturday 05:00-06:00"
        );
        // 7 × 70 calls a week, all in that hour: mean 98 000, sd 313.
        let n = calls.len() as f64;
        let expected = weeks * 7.0 * 70.0;
        assert!((n - expected).abs() < 4.0 * expected.sqrt(), "{n}");
    }
}
