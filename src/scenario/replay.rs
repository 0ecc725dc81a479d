//! `[replay]`: how to read a call log (a 110 or CAD export) as it comes.
//!
//! This is scenario data only: which column plays which role, how times are
//! written, the text encoding, the kind mapping and the datum. The reader
//! itself is [`crate::calllog`].

use std::collections::HashMap;

use chrono::format::{Item, Parsed, StrftimeItems};
use chrono::{NaiveDate, NaiveDateTime};

use super::diag::Collector;
use super::raw::RawReplay;
use crate::map::Datum;

/// A column role of a call log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    /// Incident number: any non-empty text.
    Id,
    /// Call received, a timestamp.
    Time,
    /// Call received, minutes from the start.
    CallMin,
    /// km east of the scenario origin.
    XKm,
    /// km north of the scenario origin.
    YKm,
    /// Latitude, degrees.
    Lat,
    /// Longitude, degrees.
    Lon,
    /// A point in one column: WKT `POINT (lon lat)`, GeoJSON, or `(lat, lon)`.
    Point,
    /// Incident type.
    Kind,
    /// Jurisdiction: a station id or name.
    Station,
    /// First unit dispatched, a timestamp.
    Dispatch,
    /// First unit on scene, a timestamp.
    Arrive,
    /// Incident closed, a timestamp.
    Clear,
    /// On-scene minutes.
    OnSceneMin,
    /// Case-handling minutes.
    CaseMin,
}

impl Role {
    /// Every role, in the order the docs list them.
    pub const ALL: [Role; 15] = [
        Role::Id,
        Role::Time,
        Role::CallMin,
        Role::XKm,
        Role::YKm,
        Role::Lat,
        Role::Lon,
        Role::Point,
        Role::Kind,
        Role::Station,
        Role::Dispatch,
        Role::Arrive,
        Role::Clear,
        Role::OnSceneMin,
        Role::CaseMin,
    ];

    /// The role's key in `[replay] columns`.
    pub fn key(self) -> &'static str {
        match self {
            Role::Id => "id",
            Role::Time => "time",
            Role::CallMin => "call_min",
            Role::XKm => "x_km",
            Role::YKm => "y_km",
            Role::Lat => "lat",
            Role::Lon => "lon",
            Role::Point => "point",
            Role::Kind => "kind",
            Role::Station => "station",
            Role::Dispatch => "dispatch",
            Role::Arrive => "arrive",
            Role::Clear => "clear",
            Role::OnSceneMin => "on_scene_min",
            Role::CaseMin => "case_min",
        }
    }

    /// The role whose key is `key`.
    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.key() == key)
    }
}

/// A public calls-for-service layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Preset {
    /// Cincinnati Police Calls for Service (data.cincinnati-oh.gov).
    Cincinnati,
    /// San Francisco Law Enforcement Dispatched Calls for Service (data.sfgov.org).
    SanFrancisco,
    /// New Orleans Calls for Service (data.nola.gov).
    NewOrleans,
}

impl Preset {
    /// Every preset.
    pub const ALL: [Preset; 3] = [Preset::Cincinnati, Preset::SanFrancisco, Preset::NewOrleans];

    /// The key's value: `"cincinnati"`, `"san_francisco"`, `"new_orleans"`.
    pub fn name(self) -> &'static str {
        match self {
            Preset::Cincinnati => "cincinnati",
            Preset::SanFrancisco => "san_francisco",
            Preset::NewOrleans => "new_orleans",
        }
    }

    /// Its column roles.
    pub fn columns(self) -> &'static [(Role, &'static str)] {
        match self {
            Preset::Cincinnati => &[
                (Role::Id, "EVENT_NUMBER"),
                (Role::Time, "CREATE_TIME_INCIDENT"),
                (Role::Dispatch, "DISPATCH_TIME_PRIMARY_UNIT"),
                (Role::Arrive, "ARRIVAL_TIME_PRIMARY_UNIT"),
                (Role::Clear, "CLOSED_TIME_INCIDENT"),
                (Role::Kind, "INCIDENT_TYPE_DESC"),
                (Role::Lat, "LATITUDE_X"),
                (Role::Lon, "LONGITUDE_X"),
            ],
            Preset::SanFrancisco => &[
                (Role::Id, "cad_number"),
                (Role::Time, "received_datetime"),
                (Role::Dispatch, "dispatch_datetime"),
                (Role::Arrive, "onscene_datetime"),
                (Role::Clear, "close_datetime"),
                (Role::Kind, "call_type_final_desc"),
                (Role::Point, "intersection_point"),
            ],
            Preset::NewOrleans => &[
                (Role::Id, "NOPD_Item"),
                (Role::Time, "TimeCreate"),
                (Role::Dispatch, "TimeDispatch"),
                (Role::Arrive, "TimeArrive"),
                (Role::Clear, "TimeClosed"),
                (Role::Kind, "TypeText"),
                (Role::Point, "Location"),
            ],
        }
    }

    /// The preset named `name`.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.name() == name)
    }
}

/// Text encoding of a call log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LogEncoding {
    /// UTF-8, with or without a byte-order mark.
    #[default]
    Utf8,
    /// GB 18030, which includes GBK and GB 2312.
    Gb18030,
}

/// A validated `[replay]` table.
#[derive(Debug, Clone)]
pub struct ReplaySpec {
    /// The preset the columns started from.
    pub preset: Option<Preset>,
    /// Header of each mapped role.
    pub columns: Vec<(Role, String)>,
    /// How timestamps are read.
    pub times: TimeParser,
    /// Timestamp of minute 0, when given.
    pub start: Option<NaiveDateTime>,
    /// Text encoding.
    pub encoding: LogEncoding,
    /// Log value → scenario kind index.
    pub kinds: HashMap<String, u16>,
    /// Kind of values `kinds` does not list.
    pub default_kind: Option<u16>,
    /// Datum of the log's latitudes and longitudes.
    pub datum: Datum,
    /// Strategy the backtest compares with the log.
    pub observed_strategy: Option<String>,
}

impl ReplaySpec {
    /// Header of `role`, when mapped.
    pub fn column(&self, role: Role) -> Option<&str> {
        self.columns
            .iter()
            .find(|(r, _)| *r == role)
            .map(|(_, h)| h.as_str())
    }
}

/// A timestamp as read: local date and time, and its UTC offset in seconds
/// when the text gives one.
pub type Stamp = (NaiveDateTime, Option<i32>);

/// Reads timestamps: a given strftime format, or by default ISO 8601 (`T`
/// or space, optional seconds and fractions, optional `Z` or `±hh:mm`
/// offset), `2023/05/01 08:15[:00]` and the US export form
/// `05/01/2023 08:15:00 AM`.
#[derive(Debug, Clone)]
pub struct TimeParser {
    /// The format as written, when given.
    pub format: Option<String>,
    items: Option<Vec<Item<'static>>>,
}

impl TimeParser {
    /// The default reader.
    pub fn default_formats() -> Self {
        Self {
            format: None,
            items: None,
        }
    }

    /// A reader of `format` (chrono's strftime syntax), or why it is invalid.
    pub fn with_format(format: &str) -> Result<Self, String> {
        let items: Vec<Item<'static>> = StrftimeItems::new(format)
            .parse_to_owned()
            .map_err(|_| format!("invalid time format {format:?}"))?;
        Ok(Self {
            format: Some(format.to_string()),
            items: Some(items),
        })
    }

    /// Reads `text` (already trimmed, non-empty).
    pub fn parse(&self, text: &str) -> Option<Stamp> {
        match &self.items {
            Some(items) => {
                let mut p = Parsed::new();
                chrono::format::parse(&mut p, text, items.iter()).ok()?;
                let offset = p.offset;
                let t = match p.to_naive_datetime_with_offset(offset.unwrap_or(0)) {
                    Ok(t) => t,
                    // A date-only format: midnight.
                    Err(_) => p.to_naive_date().ok()?.and_hms_opt(0, 0, 0)?,
                };
                // `to_naive_datetime_with_offset` gives local time already.
                Some((t, offset))
            }
            None => parse_default(text),
        }
    }
}

/// The default formats (see [`TimeParser`]).
fn parse_default(text: &str) -> Option<Stamp> {
    let b = text.as_bytes();
    if b.len() >= 10 && b[2] == b'/' && b[5] == b'/' {
        return parse_us(text);
    }
    if b.len() < 10 || !(b[4] == b'-' || b[4] == b'/') || b[7] != b[4] {
        return None;
    }
    let (date_part, rest) = text.split_at(10);
    let date = if b[4] == b'-' {
        NaiveDate::parse_from_str(date_part, "%Y-%m-%d").ok()?
    } else {
        NaiveDate::parse_from_str(date_part, "%Y/%m/%d").ok()?
    };
    if rest.is_empty() {
        return Some((date.and_hms_opt(0, 0, 0)?, None));
    }
    let rest = rest.strip_prefix(['T', ' '])?.trim_start();
    // Offset: a trailing `Z` or `±hh[:mm]`.
    let (clock, offset) = split_offset(rest)?;
    let time = parse_clock(clock)?;
    Some((date.and_time(time), offset))
}

/// `hh:mm[:ss[.fff]]`.
fn parse_clock(clock: &str) -> Option<chrono::NaiveTime> {
    let colons = clock.bytes().filter(|&c| c == b':').count();
    let fmt = match colons {
        1 => "%H:%M",
        2 => "%H:%M:%S%.f",
        _ => return None,
    };
    chrono::NaiveTime::parse_from_str(clock, fmt).ok()
}

/// Splits `08:15:00+08:00` into the clock and the offset in seconds.
fn split_offset(rest: &str) -> Option<(&str, Option<i32>)> {
    if let Some(clock) = rest.strip_suffix(['Z', 'z']) {
        return Some((clock.trim_end(), Some(0)));
    }
    let Some(i) = rest.rfind(['+', '-']) else {
        return Some((rest, None));
    };
    let (clock, off) = rest.split_at(i);
    let sign = if off.starts_with('-') { -1 } else { 1 };
    let digits: String = off[1..].chars().filter(|c| *c != ':').collect();
    if !(digits.len() == 2 || digits.len() == 4) || !digits.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let h: i32 = digits[..2].parse().ok()?;
    let m: i32 = if digits.len() == 4 {
        digits[2..].parse().ok()?
    } else {
        0
    };
    if h > 23 || m > 59 {
        return None;
    }
    Some((clock.trim_end(), Some(sign * (h * 3600 + m * 60))))
}

/// `05/01/2023 08:15[:00] AM` (month first, 12-hour clock): the form of
/// CSV downloads from US open-data portals. Without AM/PM a date like
/// `05/01/2023` is ambiguous and is not read.
fn parse_us(text: &str) -> Option<Stamp> {
    let upper = text.trim_end();
    let (body, pm) = if let Some(b) = upper
        .strip_suffix("AM")
        .or_else(|| upper.strip_suffix("am"))
    {
        (b.trim_end(), false)
    } else if let Some(b) = upper
        .strip_suffix("PM")
        .or_else(|| upper.strip_suffix("pm"))
    {
        (b.trim_end(), true)
    } else {
        return None;
    };
    let (date_part, clock) = body.split_at_checked(10)?;
    let date = NaiveDate::parse_from_str(date_part, "%m/%d/%Y").ok()?;
    let time = parse_clock(clock.trim())?;
    use chrono::Timelike;
    let h = time.hour();
    if !(1..=12).contains(&h) {
        return None;
    }
    let h24 = match (h, pm) {
        (12, false) => 0,
        (12, true) => 12,
        (h, false) => h,
        (h, true) => h + 12,
    };
    Some((date.and_time(time.with_hour(h24)?), None))
}

/// Validates `[replay]` against the scenario's kinds, stations and strategies.
pub(crate) fn build(
    raw: &RawReplay,
    kind_names: &[String],
    strategy_names: &[&str],
    has_projection: bool,
    c: &mut Collector,
) -> Option<ReplaySpec> {
    let errors_before = c.errors.len();
    let preset = match raw.preset.as_deref() {
        None => None,
        Some(p) => match Preset::parse(p) {
            Some(p) => Some(p),
            None => {
                let names: Vec<_> = Preset::ALL.iter().map(|p| p.name()).collect();
                c.error(
                    "replay.preset",
                    format!("unknown preset {p:?} (known: {})", names.join(", ")),
                );
                None
            }
        },
    };
    let mut columns: Vec<(Role, String)> = preset
        .map(|p| {
            p.columns()
                .iter()
                .map(|(r, h)| (*r, (*h).to_string()))
                .collect()
        })
        .unwrap_or_default();
    for (key, header) in &raw.columns {
        let Some(role) = Role::from_key(key) else {
            let keys: Vec<_> = Role::ALL.iter().map(|r| r.key()).collect();
            c.error(
                format!("replay.columns.{key}"),
                format!("unknown role {key:?} (roles: {})", keys.join(", ")),
            );
            continue;
        };
        if header.trim().is_empty() {
            c.error(format!("replay.columns.{key}"), "must name a column header");
            continue;
        }
        // A position or time given explicitly replaces the preset's other form.
        let replaced: &[Role] = match role {
            Role::Time | Role::CallMin => &[Role::Time, Role::CallMin],
            Role::Lat | Role::Lon | Role::XKm | Role::YKm | Role::Point => {
                &[Role::Lat, Role::Lon, Role::XKm, Role::YKm, Role::Point]
            }
            _ => &[],
        };
        if preset.is_some() {
            columns.retain(|(r, _)| !replaced.contains(r) || raw.columns.contains_key(r.key()));
        }
        columns.retain(|(r, _)| *r != role);
        columns.push((role, header.trim().to_string()));
    }
    columns.sort_by_key(|(r, _)| *r);
    let has = |r: Role| columns.iter().any(|(x, _)| *x == r);
    if !has(Role::Id) {
        c.error("replay.columns", "needs an `id` column (or a preset)");
    }
    if has(Role::Time) == has(Role::CallMin) {
        c.error(
            "replay.columns",
            "needs exactly one of `time` (a timestamp) and `call_min` (minutes from the start)",
        );
    }
    if !has(Role::Kind) {
        c.error("replay.columns", "needs a `kind` column");
    }
    for (a, b) in [(Role::XKm, Role::YKm), (Role::Lat, Role::Lon)] {
        if has(a) != has(b) {
            c.error(
                "replay.columns",
                format!("`{}` and `{}` go together", a.key(), b.key()),
            );
        }
    }
    let forms = [has(Role::XKm), has(Role::Lat), has(Role::Point)]
        .iter()
        .filter(|b| **b)
        .count();
    if forms > 1 {
        c.error(
            "replay.columns",
            "give one position: `x_km`/`y_km`, `lat`/`lon` or `point`",
        );
    }
    if forms == 0 && !has(Role::Station) {
        c.error(
            "replay.columns",
            "needs a position (`x_km`/`y_km`, `lat`/`lon` or `point`) or a `station` column",
        );
    }
    if (has(Role::Lat) || has(Role::Point)) && !has_projection {
        c.error(
            "replay.columns",
            "latitude/longitude columns need a scenario with lat/lon positions (or [map] centre_lat/centre_lon)",
        );
    }
    if has(Role::CallMin) {
        for r in [Role::Dispatch, Role::Arrive, Role::Clear] {
            if has(r) {
                c.error(
                    format!("replay.columns.{}", r.key()),
                    "observed times are timestamps: map `time`, not `call_min`",
                );
            }
        }
    }
    let times = match raw.time_format.as_deref() {
        None => TimeParser::default_formats(),
        Some(f) => TimeParser::with_format(f).unwrap_or_else(|e| {
            c.error("replay.time_format", e);
            TimeParser::default_formats()
        }),
    };
    let start = raw.start.as_deref().and_then(|text| {
        let parsed = times
            .parse(text.trim())
            .or_else(|| parse_default(text.trim()));
        if parsed.is_none() {
            c.error(
                "replay.start",
                format!("cannot read {text:?} as a timestamp (e.g. \"2023-05-01 00:00\")"),
            );
        }
        parsed.map(|(t, _)| t)
    });
    let encoding = match raw.encoding.as_deref().map(|e| e.to_ascii_lowercase()) {
        None => LogEncoding::Utf8,
        Some(e) if e == "utf-8" || e == "utf8" => LogEncoding::Utf8,
        Some(e) if e == "gb18030" || e == "gbk" || e == "gb2312" => LogEncoding::Gb18030,
        Some(e) => {
            c.error(
                "replay.encoding",
                format!(
                    "unknown encoding {e:?} (known: \"utf-8\", \"gb18030\", which also reads GBK)"
                ),
            );
            LogEncoding::Utf8
        }
    };
    let kind_of = |c: &mut Collector, key: &str, name: &str| -> Option<u16> {
        let k = kind_names.iter().position(|k| k == name);
        if k.is_none() {
            c.error(
                key,
                format!(
                    "{name:?} is not a kind of this scenario (it has: {})",
                    kind_names.join(", ")
                ),
            );
        }
        k.map(|k| k as u16)
    };
    let mut kinds = HashMap::new();
    for (from, to) in &raw.kinds {
        if let Some(k) = kind_of(c, &format!("replay.kinds.{from}"), to) {
            kinds.insert(from.trim().to_string(), k);
        }
    }
    let default_kind = raw
        .default_kind
        .as_deref()
        .and_then(|d| kind_of(c, "replay.default_kind", d));
    if let Some(o) = &raw.observed_strategy
        && !strategy_names.contains(&o.as_str())
    {
        c.error(
            "replay.observed_strategy",
            format!(
                "{o:?} is not a strategy of this scenario (it has: {})",
                strategy_names.join(", ")
            ),
        );
    }
    if c.errors.len() > errors_before {
        return None;
    }
    Some(ReplaySpec {
        preset,
        columns,
        times,
        start,
        encoding,
        kinds,
        default_kind,
        datum: raw.datum.unwrap_or_default(),
        observed_strategy: raw.observed_strategy.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f").unwrap()
    }

    #[test]
    fn default_formats() {
        let p = TimeParser::default_formats();
        let cases = [
            ("2023-05-01T08:15:00", t("2023-05-01 08:15:00"), None),
            ("2023-05-01 08:15", t("2023-05-01 08:15:00"), None),
            (
                "2023-05-01T08:15:30.250",
                t("2023-05-01 08:15:30.250"),
                None,
            ),
            ("2023-05-01T08:15:00Z", t("2023-05-01 08:15:00"), Some(0)),
            (
                "2023-05-01T08:15:00+08:00",
                t("2023-05-01 08:15:00"),
                Some(8 * 3600),
            ),
            (
                "2023-05-01 08:15:00-0500",
                t("2023-05-01 08:15:00"),
                Some(-5 * 3600),
            ),
            ("2023/05/01 08:15", t("2023-05-01 08:15:00"), None),
            ("2023/05/01 8:15:09", t("2023-05-01 08:15:09"), None),
            ("05/01/2023 08:15:00 PM", t("2023-05-01 20:15:00"), None),
            ("05/01/2023 12:05:00 AM", t("2023-05-01 00:05:00"), None),
            ("05/01/2023 12:05:00 PM", t("2023-05-01 12:05:00"), None),
            ("2023-05-01", t("2023-05-01 00:00:00"), None),
        ];
        for (text, want, off) in cases {
            assert_eq!(p.parse(text), Some((want, off)), "{text}");
        }
        for bad in [
            "",
            "yesterday",
            "2023-13-01 08:15",
            "05/01/2023 08:15",
            "2023-05-01 25:00",
            "2023-05-01T08:15:00+8",
        ] {
            assert_eq!(p.parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_given_format() {
        let p = TimeParser::with_format("%d.%m.%Y %H时%M分").unwrap();
        assert_eq!(
            p.parse("01.05.2023 08时15分"),
            Some((t("2023-05-01 08:15:00"), None))
        );
        assert_eq!(p.parse("2023-05-01 08:15"), None);
        assert!(TimeParser::with_format("%Q").is_err());
    }
}
