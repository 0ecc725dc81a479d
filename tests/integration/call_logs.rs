//! Call logs as they come (`[replay]`): Chinese 110 exports in UTF-8 with a
//! BOM or GB18030, Excel CRLF, quoted commas, text ids; the three public US
//! layouts; every problem of a file at once; no silent nonsense.
//!
//! Positions are real Huimin township seats (GCJ-02, from
//! `shared/data/binzhou_townships.csv`): 何坊街道 Hefang 37.528152,117.553029;
//! 石庙镇 Shimiao 37.446364,117.391316; 淄角镇 Zijiao 37.334568,117.468511.

use policesim::Scenario;
use policesim::calllog::{LogError, Reason, parse_log, parse_point};
use policesim::scenario::replay::Role;

use crate::common::{policesim, write_file};

/// Three Huimin stations at their township seats, one demand point at
/// each, two kinds; `replay` is the `[replay]` table's body.
fn huimin(replay: &str) -> Scenario {
    let text = format!(
        r#"[scenario]
name = "huimin-log"
days = 3.0
warmup_days = 0.0
replications = 1
[travel]
speed_kmh = 40.0
detour = 1.3
[[stations]]
id = "hefang"
name = "何坊街道"
lat = 37.528152
lon = 117.553029
officers = 10
auxiliaries = 8
[[stations]]
id = "shimiao"
name = "石庙镇"
lat = 37.446364
lon = 117.391316
officers = 10
auxiliaries = 8
[[stations]]
id = "zijiao"
name = "淄角镇"
lat = 37.334568
lon = 117.468511
officers = 10
auxiliaries = 8
[[demand]]
lat = 37.528152
lon = 117.553029
weight = 1.0
[[demand]]
lat = 37.446364
lon = 117.391316
weight = 1.0
[[demand]]
lat = 37.334568
lon = 117.468511
weight = 1.0
[incidents]
per_day = 10.0
[[incidents.kinds]]
name = "general"
share = 0.8
on_scene = {{ dist = "fixed", value = 30.0 }}
[[incidents.kinds]]
name = "traffic"
share = 0.2
on_scene = {{ dist = "fixed", value = 40.0 }}
[strategies.per_station]
units = 1
[replay]
{replay}
"#
    );
    Scenario::from_toml(&text, "huimin-log.toml").unwrap_or_else(|e| panic!("{e}"))
}

/// The `[replay]` table of a 110 export with Chinese headers.
const CHINESE: &str = r#"columns = { id = "接警编号", time = "报警时间", kind = "警情类别", lat = "纬度", lon = "经度", station = "管辖单位", dispatch = "派警时间", arrive = "到达时间", clear = "结束时间" }
kinds = { "交通事故" = "traffic", "治安, 纠纷" = "general", "求助" = "general" }"#;

/// Five calls on Monday 2023-05-01, CRLF, a kind with a comma in quotes,
/// text ids, an empty observed time.
const LOG_110: &str = "接警编号,报警时间,警情类别,纬度,经度,管辖单位,派警时间,到达时间,结束时间,备注\r\n\
J2023050100123,2023-05-01 08:15:00,交通事故,37.528152,117.553029,何坊街道,2023-05-01 08:17:00,2023-05-01 08:29:30,2023-05-01 09:10:00,\"追尾, 无人伤\"\r\n\
J2023050100124,2023/05/01 09:00,\"治安, 纠纷\",37.446364,117.391316,shimiao,2023-05-01 09:01,2023-05-01 09:20,2023-05-01 10:00,\r\n\
J2023050100125,2023-05-01T13:30:00+08:00,求助,37.334568,117.468511,淄角镇,2023-05-01T13:32:00+08:00,,2023-05-01T14:00:00+08:00,\r\n\
J2023050100126,2023-05-01 23:59:59,求助,,,淄角镇,,,,只有管辖单位\r\n";

fn parse(bytes: &[u8], s: &Scenario) -> Result<policesim::calllog::CallLog, LogError> {
    parse_log(bytes, "log.csv", s, s.replay.as_ref().expect("[replay]"))
}

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol
}

#[test]
fn a_chinese_110_export_with_bom_crlf_and_quoted_commas() {
    let s = huimin(CHINESE);
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend_from_slice(LOG_110.as_bytes());
    let log = parse(&bytes, &s).unwrap_or_else(|e| panic!("{e}"));
    assert!(log.rejected.is_empty(), "{:?}", log.rejected);
    let ids: Vec<_> = log.records.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "J2023050100123",
            "J2023050100124",
            "J2023050100125",
            "J2023050100126"
        ]
    );
    // Minute 0 is local midnight before the first call: 2023-05-01, a Monday.
    assert_eq!(
        log.start.unwrap().to_string(),
        "2023-05-01 00:00:00",
        "{:?}",
        log.start
    );
    assert_eq!(log.start_weekday.name(), "monday");
    let r = &log.records;
    assert_eq!(r[0].call_min, 8.0 * 60.0 + 15.0);
    assert_eq!(r[0].dispatch_min, Some(8.0 * 60.0 + 17.0));
    assert_eq!(r[0].arrive_min, Some(8.0 * 60.0 + 29.5));
    assert_eq!(r[0].clear_min, Some(9.0 * 60.0 + 10.0));
    assert_eq!(r[0].observed_response_min(), Some(14.5));
    assert_eq!(r[0].observed_travel_min(), Some(12.5));
    assert_eq!(r[0].replay_on_scene_min(), Some(40.5));
    assert_eq!(r[1].call_min, 9.0 * 60.0);
    assert_eq!(r[2].call_min, 13.0 * 60.0 + 30.0);
    assert_eq!(r[2].arrive_min, None);
    assert_eq!(r[2].replay_on_scene_min(), None);
    assert!(close(r[3].call_min, 24.0 * 60.0 - 1.0 / 60.0, 1e-9));
    assert_eq!((r[3].hour, r[3].weekday.name()), (23, "monday"));
    // Kinds by the mapping, with the quoted comma kept.
    let kinds: Vec<u16> = r.iter().map(|r| r.kind).collect();
    assert_eq!(kinds, [1, 0, 0, 0]);
    // Stations by name or id; positions are the township seats (the log and
    // the scenario are both GCJ-02, so no shift).
    let stations: Vec<u32> = r.iter().map(|r| r.station).collect();
    assert_eq!(stations, [0, 1, 2, 2]);
    for (rec, st) in r.iter().take(3).zip([0, 1, 2]) {
        assert!(rec.pos.distance_km(s.stations[st].pos) < 1e-9, "{rec:?}");
    }
    // No position but a station: placed at the station's demand.
    assert!(!r[3].has_position);
    assert!(r[3].pos.distance_km(s.stations[2].pos) < 1e-9);
    // Engine numbers follow call order.
    assert_eq!(r.iter().map(|r| r.num).collect::<Vec<_>>(), [1, 2, 3, 4]);
    let inc = log.incidents();
    assert_eq!(inc[0].on_scene_min, Some(40.5));
    assert_eq!(inc[1].on_scene_min, Some(40.0));
}

#[test]
fn gb18030_bytes_read_the_same_and_utf8_is_explained() {
    let (gb, _, unmappable) = encoding_rs::GB18030.encode(LOG_110);
    assert!(!unmappable);
    assert_ne!(&gb[..], LOG_110.as_bytes());
    let s = huimin(&format!("{CHINESE}\nencoding = \"gb18030\""));
    let from_gb = parse(&gb, &s).unwrap_or_else(|e| panic!("{e}"));
    let s8 = huimin(CHINESE);
    let from_utf8 = parse(LOG_110.as_bytes(), &s8).unwrap();
    assert_eq!(from_gb.records, from_utf8.records);
    assert_eq!(from_gb.records.len(), 4);
    // The same bytes read as UTF-8: an error that says what to set.
    let err = parse(&gb, &s8).unwrap_err().to_string();
    assert!(err.starts_with("log.csv:1: "), "{err}");
    assert!(err.contains("encoding = \"gb18030\""), "{err}");
}

#[test]
fn unmapped_kinds_are_one_error_listing_every_value_with_its_count() {
    let s = huimin(
        r#"columns = { id = "接警编号", time = "报警时间", kind = "警情类别", lat = "纬度", lon = "经度" }
kinds = { "交通事故" = "traffic" }"#,
    );
    let log = "接警编号,报警时间,警情类别,纬度,经度\n\
a1,2023-05-01 08:00,盗窃,37.5,117.5\n\
a2,2023-05-01 08:10,交通事故,37.5,117.5\n\
a3,2023-05-01 08:20,盗窃,37.5,117.5\n\
a4,2023-05-01 08:30,噪音扰民,37.5,117.5\n\
a5,2023-05-01 08:40,盗窃,37.5,117.5\n";
    let err = parse(log.as_bytes(), &s).unwrap_err().to_string();
    assert!(
        err.contains("column `警情类别`: 2 value(s) map to no kind"),
        "{err}"
    );
    assert!(err.contains("\"盗窃\": 3 row(s)"), "{err}");
    assert!(err.contains("\"噪音扰民\": 1 row(s)"), "{err}");
    // With a default kind every row is used.
    let s = huimin(
        r#"columns = { id = "接警编号", time = "报警时间", kind = "警情类别", lat = "纬度", lon = "经度" }
kinds = { "交通事故" = "traffic" }
default_kind = "general""#,
    );
    let ok = parse(log.as_bytes(), &s).unwrap();
    let kinds: Vec<u16> = ok.records.iter().map(|r| r.kind).collect();
    assert_eq!(kinds, [0, 1, 0, 0, 0]);
}

#[test]
fn duplicate_ids_name_both_lines() {
    let s = huimin(CHINESE);
    let log = format!(
        "{}J2023050100123,2023-05-02 08:00,求助,37.5,117.5,,,,,\r\n",
        LOG_110
    );
    let err = parse(log.as_bytes(), &s).unwrap_err().to_string();
    assert!(
        err.contains("1 duplicate id(s):\n  \"J2023050100123\" on lines 2 and 6"),
        "{err}"
    );
}

#[test]
fn unusable_rows_are_skipped_with_line_and_reason() {
    let s = huimin(CHINESE);
    let log = "接警编号,报警时间,警情类别,纬度,经度,管辖单位,派警时间,到达时间,结束时间\n\
ok1,2023-05-01 08:00,求助,37.5,117.5,,,,\n\
\n\
,2023-05-01 08:00,求助,37.5,117.5,,,,\n\
t1,,求助,37.5,117.5,,,,\n\
t2,昨天,求助,37.5,117.5,,,,\n\
p1,2023-05-01 09:00,求助,,,,,,\n\
n1,2023-05-01 10:00,求助,37.5,117.5,,2023-05-01 10:05,2023-05-01 10:01,\n\
d1,2023-05-01 10:00,求助,37.5,117.5,,2023-05-01 10:05,13:00,\n\
ok2,\"2023-05-01 11:00\",求助,37.5,117.5,,,,\n";
    let log = parse(log.as_bytes(), &s).unwrap();
    assert_eq!(log.records.len(), 2);
    let got: Vec<(u64, Reason)> = log.rejected.iter().map(|r| (r.line, r.reason)).collect();
    assert_eq!(
        got,
        [
            (4, Reason::NoId),
            (5, Reason::NoTime),
            (6, Reason::Unreadable(Role::Time)),
            (7, Reason::NoPosition),
            (8, Reason::NegativeInterval),
            (9, Reason::Unreadable(Role::Arrive)),
        ]
    );
    assert_eq!(log.rejected[4].detail, "arrive before dispatch");
    assert_eq!(log.rejected[2].fields[1], "昨天");
    assert!(log.rejected_summary().starts_with("6 row(s) skipped: "));
    let mut out = Vec::new();
    log.write_rejected(&mut out).unwrap();
    let text = String::from_utf8(out).unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some(
            "line,reason,detail,接警编号,报警时间,警情类别,纬度,经度,管辖单位,派警时间,到达时间,结束时间"
        )
    );
    assert_eq!(
        lines.next(),
        Some("4,no id,,,2023-05-01 08:00,求助,37.5,117.5,,,,")
    );
}

#[test]
fn a_missing_column_is_named_with_what_the_header_has() {
    let s = huimin(CHINESE);
    let err = parse("接警编号,报警时间\nx,2023-05-01 08:00\n".as_bytes(), &s)
        .unwrap_err()
        .to_string();
    // Every missing column at once.
    assert!(err.starts_with("log.csv:1: the header has no column `纬度` (for lat), `经度` (for lon), `警情类别` (for kind)"), "{err}");
    assert!(err.contains("`结束时间` (for clear)"), "{err}");
    assert!(err.contains("(it has: 接警编号,报警时间)"), "{err}");
}

#[test]
fn a_given_time_format_and_start() {
    let s = huimin(
        r#"columns = { id = "id", time = "t", kind = "k", station = "st" }
time_format = "%d.%m.%Y %H时%M分"
start = "2023-04-30 00:00""#,
    );
    let log =
        "id,t,k,st\n1,01.05.2023 08时15分,general,hefang\n2,29.04.2023 23时00分,general,hefang\n";
    let log = parse(log.as_bytes(), &s).unwrap();
    assert_eq!(log.records.len(), 1);
    assert_eq!(log.records[0].call_min, 1440.0 + 8.0 * 60.0 + 15.0);
    assert_eq!(log.start_weekday.name(), "sunday");
    assert_eq!(log.rejected[0].reason, Reason::BeforeStart);
    assert_eq!(log.rejected[0].line, 3);
}

#[test]
fn a_wgs84_log_lands_on_the_gcj02_map_within_a_metre() {
    // googollee/eviltransform's published pair (Beijing): WGS-84
    // (39.911954, 116.377817) is GCJ-02 (39.91334545536069, 116.38404722455657).
    let text = r#"[scenario]
name = "beijing"
days = 1.0
[[stations]]
id = "a"
lat = 39.91334545536069
lon = 116.38404722455657
officers = 4
auxiliaries = 8
[[demand]]
lat = 39.91334545536069
lon = 116.38404722455657
weight = 1.0
[incidents]
per_day = 10.0
[[incidents.kinds]]
name = "general"
share = 1.0
on_scene = { dist = "fixed", value = 30.0 }
[strategies.per_station]
units = 1
[replay]
columns = { id = "id", call_min = "m", kind = "k", lat = "lat", lon = "lon" }
datum = "wgs84"
"#;
    let s = Scenario::from_toml(text, "b.toml").unwrap();
    let log = "id,m,k,lat,lon\nw,0,general,39.911954,116.377817\n";
    let log = parse(log.as_bytes(), &s).unwrap();
    let d = log.records[0].pos.distance_km(s.stations[0].pos);
    assert!(d < 0.001, "{d} km");
    // Read as GCJ-02, the same numbers land about 0.5 km away.
    let s2 = Scenario::from_toml(&text.replace("datum = \"wgs84\"", ""), "b.toml").unwrap();
    let log = "id,m,k,lat,lon\nw,0,general,39.911954,116.377817\n";
    let d2 = parse(log.as_bytes(), &s2).unwrap().records[0]
        .pos
        .distance_km(s2.stations[0].pos);
    assert!((0.4..0.7).contains(&d2), "{d2} km");
}

/// A scenario around a US city with a preset.
fn us_city(lat: f64, lon: f64, preset: &str) -> Scenario {
    let text = format!(
        r#"[scenario]
name = "us"
days = 1.0
[[stations]]
id = "a"
lat = {lat}
lon = {lon}
officers = 4
auxiliaries = 8
[[demand]]
lat = {lat}
lon = {lon}
weight = 1.0
[incidents]
per_day = 10.0
[[incidents.kinds]]
name = "general"
share = 1.0
on_scene = {{ dist = "fixed", value = 30.0 }}
[strategies.per_station]
units = 1
[replay]
preset = "{preset}"
default_kind = "general"
datum = "wgs84"
[map]
datum = "wgs84"
"#
    );
    Scenario::from_toml(&text, "us.toml").unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn cincinnati_preset() {
    // Socrata's API and JSON give floating timestamps with milliseconds;
    // its CSV download writes `MM/DD/YYYY hh:mm:ss AM`.
    let s = us_city(39.1031, -84.5120, "cincinnati");
    let log = "ADDRESS_X,LATITUDE_X,LONGITUDE_X,AGENCY,CREATE_TIME_INCIDENT,DISPOSITION_TEXT,EVENT_NUMBER,INCIDENT_TYPE_ID,INCIDENT_TYPE_DESC,PRIORITY,PRIORITY_COLOR,ARRIVAL_TIME_PRIMARY_UNIT,CLOSED_TIME_INCIDENT,DISPATCH_TIME_PRIMARY_UNIT,BEAT,DISTRICT,CPD_NEIGHBORHOOD,SNA_NEIGHBORHOOD\n\
\"8XX VINE ST\",39.1031,-84.5120,CPD,2023-05-01T08:15:00.000,ADV,CPD230501000123,DIST,DISTURBANCE,2,YELLOW,2023-05-01T08:27:00.000,2023-05-01T09:00:00.000,2023-05-01T08:20:00.000,B1,1,DOWNTOWN,DOWNTOWN\n\
\"8XX VINE ST\",39.1031,-84.5120,CPD,05/01/2023 08:30:00 PM,ADV,CPD230501000200,DIST,DISTURBANCE,2,YELLOW,05/01/2023 08:41:00 PM,05/01/2023 09:30:00 PM,05/01/2023 08:33:00 PM,B1,1,DOWNTOWN,DOWNTOWN\n";
    let log = parse(log.as_bytes(), &s).unwrap_or_else(|e| panic!("{e}"));
    assert!(log.rejected.is_empty(), "{:?}", log.rejected);
    let r = &log.records;
    assert_eq!(r[0].id, "CPD230501000123");
    assert_eq!(r[0].observed_response_min(), Some(12.0));
    assert_eq!(r[0].observed_call_to_dispatch_min(), Some(5.0));
    assert_eq!(r[1].call_min, 20.0 * 60.0 + 30.0);
    assert_eq!(r[1].observed_travel_min(), Some(8.0));
    assert!(r[0].pos.distance_km(s.stations[0].pos) < 1e-9);
}

#[test]
fn san_francisco_preset() {
    // `intersection_point` is a WKT point in CSV downloads and a GeoJSON
    // point in the JSON API: both are read.
    let s = us_city(37.7793, -122.4193, "san_francisco");
    let log = "id,cad_number,dup_cad_number,pd_incident_report,received_datetime,entry_datetime,dispatch_datetime,enroute_datetime,onscene_datetime,close_datetime,call_type_original,call_type_original_desc,call_type_final,call_type_final_desc,priority_final,agency,disposition,intersection_name,intersection_id,intersection_point\n\
1,231210001,,,2023-05-01T08:15:00.000,2023-05-01T08:16:00.000,2023-05-01T08:18:30.000,2023-05-01T08:19:00.000,2023-05-01T08:30:00.000,2023-05-01T09:00:00.000,418,FIGHT,418,FIGHT NO WEAPON,B,Police,ADV,POLK ST \\ GROVE ST,1,POINT (-122.4193 37.7793)\n\
2,231210002,,,2023-05-01T09:00:00.000,,2023-05-01T09:03:00.000,,2023-05-01T09:10:00.000,2023-05-01T09:40:00.000,418,FIGHT,418,FIGHT NO WEAPON,B,Police,ADV,X,1,\"{\"\"type\"\": \"\"Point\"\", \"\"coordinates\"\": [-122.4193, 37.7793]}\"\n";
    let log = parse(log.as_bytes(), &s).unwrap_or_else(|e| panic!("{e}"));
    assert!(log.rejected.is_empty(), "{:?}", log.rejected);
    let r = &log.records;
    assert_eq!(r[0].id, "231210001");
    assert_eq!(r[0].observed_response_min(), Some(15.0));
    assert_eq!(r[0].observed_call_to_dispatch_min(), Some(3.5));
    assert_eq!(r[1].observed_response_min(), Some(10.0));
    for rec in r {
        assert!(rec.pos.distance_km(s.stations[0].pos) < 1e-9, "{rec:?}");
    }
}

#[test]
fn new_orleans_preset() {
    // data.nola.gov: `Location` is `POINT (lon lat)` (WKT); times as the
    // CSV download writes them.
    let s = us_city(29.9511, -90.0715, "new_orleans");
    let log = "NOPD_Item,Type,TypeText,Priority,InitialType,InitialTypeText,InitialPriority,MapX,MapY,TimeCreate,TimeDispatch,TimeArrive,TimeClosed,Disposition,DispositionText,SelfInitiated,Beat,BLOCK_ADDRESS,Zip,PoliceDistrict,Location\n\
A0000123,103,DISTURBANCE,2A,103,DISTURBANCE,2A,3681543,531567,05/01/2023 12:05:00 AM,05/01/2023 12:09:00 AM,05/01/2023 12:20:00 AM,05/01/2023 01:00:00 AM,RTF,REPORT TO FOLLOW,N,1L03,001XX Canal St,70112,1,POINT (-90.0715 29.9511)\n\
A0000124,103,DISTURBANCE,2A,103,DISTURBANCE,2A,3681543,531567,2023-05-01 13:00:00.000,2023-05-01 13:02:00.000,2023-05-01 13:12:00.000,2023-05-01 13:30:00.000,GOA,GONE ON ARRIVAL,N,1L03,001XX Canal St,70112,1,POINT (-90.0715 29.9511)\n";
    let log = parse(log.as_bytes(), &s).unwrap_or_else(|e| panic!("{e}"));
    assert!(log.rejected.is_empty(), "{:?}", log.rejected);
    let r = &log.records;
    assert_eq!(r[0].call_min, 5.0);
    assert_eq!(r[0].observed_response_min(), Some(15.0));
    assert_eq!(r[1].call_min, 13.0 * 60.0);
    assert_eq!(r[1].observed_travel_min(), Some(10.0));
}

#[test]
fn points_in_one_column() {
    assert_eq!(parse_point("POINT (-90.07 29.95)"), Some((29.95, -90.07)));
    assert_eq!(parse_point("point(117.5 37.4)"), Some((37.4, 117.5)));
    assert_eq!(
        parse_point(r#"{"type":"Point","coordinates":[-122.41,37.77]}"#),
        Some((37.77, -122.41))
    );
    assert_eq!(parse_point("(29.95, -90.07)"), Some((29.95, -90.07)));
    assert_eq!(parse_point("POINT (1 2 3)"), None);
    assert_eq!(parse_point("POINT (200 10)"), None);
    assert_eq!(parse_point("somewhere"), None);
}

#[test]
fn bad_replay_tables_are_scenario_errors() {
    let text = |replay: &str| {
        let s = format!(
            "[scenario]\nname = \"x\"\ndays = 1.0\n[[stations]]\nid = \"a\"\nx_km = 0.0\ny_km = 0.0\nofficers = 4\n[[demand]]\nx_km = 0.0\ny_km = 0.0\nweight = 1.0\n[incidents]\nper_day = 1.0\n[[incidents.kinds]]\nname = \"g\"\nshare = 1.0\non_scene = {{ dist = \"fixed\", value = 1.0 }}\n[strategies.per_station]\nunits = 1\n[replay]\n{replay}\n"
        );
        Scenario::from_toml(&s, "x.toml").unwrap_err().to_string()
    };
    let e = text("preset = \"boston\"");
    assert!(
        e.contains("replay.preset: unknown preset \"boston\""),
        "{e}"
    );
    let e = text("columns = { id = \"a\", when = \"b\" }");
    assert!(e.contains("unknown role \"when\""), "{e}");
    let e = text("columns = { id = \"a\", time = \"t\", kind = \"k\", lat = \"y\", lon = \"x\" }");
    assert!(e.contains("need a scenario with lat/lon"), "{e}");
    let e = text(
        "columns = { id = \"a\", time = \"t\", kind = \"k\", x_km = \"x\", y_km = \"y\" }\nkinds = { \"盗窃\" = \"theft\" }",
    );
    assert!(
        e.contains("\"theft\" is not a kind of this scenario (it has: g)"),
        "{e}"
    );
    let e = text(
        "columns = { id = \"a\", time = \"t\", kind = \"k\", x_km = \"x\", y_km = \"y\" }\nencoding = \"latin1\"",
    );
    assert!(e.contains("unknown encoding"), "{e}");
}

/// The km-format scenario of `common`, for the binary's checks.
fn tiny(dir: &std::path::Path, extra: &str) -> std::path::PathBuf {
    write_file(
        dir,
        "s.toml",
        &format!("{}{extra}", crate::common::SCENARIO),
    )
}

#[test]
fn degrees_in_km_columns_are_warned_about_by_id() {
    let dir = tempfile::tempdir().unwrap();
    let s = tiny(dir.path(), "");
    let log = write_file(
        dir.path(),
        "log.csv",
        "id,call_min,x_km,y_km,kind\n1,1500,117.55,37.52,general\n2,1510,0.0,1.0,general\n3,1520,117.39,37.44,general\n",
    );
    let out = dir.path().join("out");
    let (status, _, err) = policesim([
        "run".as_ref(),
        s.as_os_str(),
        "--incidents".as_ref(),
        log.as_os_str(),
        "--out".as_ref(),
        out.as_os_str(),
        "--no-charts".as_ref(),
        "-q".as_ref(),
    ]);
    assert!(status.success(), "{err}");
    assert!(
        err.contains("2 of 3 call(s) lie more than 50 km from every station"),
        "{err}"
    );
    assert!(err.contains("id 1 ("), "{err}");
    assert!(err.contains("id 3 ("), "{err}");
}

#[test]
fn a_log_inside_the_warm_up_is_an_error_and_warmup_days_fixes_it() {
    let dir = tempfile::tempdir().unwrap();
    let s = tiny(dir.path(), "");
    // The tiny scenario's warm-up is 1 day: both calls fall inside it.
    let log = write_file(
        dir.path(),
        "log.csv",
        "id,call_min,x_km,y_km,kind\n1,10,0.0,1.0,general\n2,20,0.0,1.0,general\n",
    );
    let out = dir.path().join("out");
    let args = |extra: &[&str]| {
        let mut v: Vec<std::ffi::OsString> = vec![
            "run".into(),
            s.clone().into(),
            "--incidents".into(),
            log.clone().into(),
            "--out".into(),
            out.clone().into(),
            "--no-charts".into(),
            "-q".into(),
        ];
        v.extend(extra.iter().map(Into::into));
        v
    };
    let (status, _, err) = policesim(args(&[]));
    assert!(!status.success());
    assert!(
        err.contains("all 2 call(s) fall inside the 1-day warm-up"),
        "{err}"
    );
    let (status, stdout, err) = policesim(args(&["--warmup-days", "0"]));
    assert!(status.success(), "{err}");
    assert!(stdout.contains("wrote"), "{stdout}");
    // Some inside: a warning with the count.
    let log2 = write_file(
        dir.path(),
        "log.csv",
        "id,call_min,x_km,y_km,kind\n1,10,0.0,1.0,general\n2,2000,0.0,1.0,general\n",
    );
    assert_eq!(log2, log);
    let (status, _, err) = policesim(args(&[]));
    assert!(status.success(), "{err}");
    assert!(
        err.contains("1 of 2 call(s) fall inside the 1-day warm-up"),
        "{err}"
    );
}

#[test]
fn rejected_rows_go_to_rejected_csv_and_strict_refuses_them() {
    let dir = tempfile::tempdir().unwrap();
    let s = tiny(
        dir.path(),
        "\n[replay]\ncolumns = { id = \"编号\", time = \"时间\", kind = \"类别\", x_km = \"x\", y_km = \"y\" }\n",
    );
    let log = write_file(
        dir.path(),
        "log.csv",
        "编号,时间,类别,x,y\nA1,2023-05-01 08:00,general,0,1\nA2,,general,0,1\nA3,2023-05-02 09:00,general,0,1\nA4,later,general,0,1\n",
    );
    let out = dir.path().join("out");
    let run = |strict: bool| {
        let mut v: Vec<std::ffi::OsString> = vec![
            "run".into(),
            s.clone().into(),
            "--incidents".into(),
            log.clone().into(),
            "--out".into(),
            out.clone().into(),
            "--no-charts".into(),
            "-q".into(),
            "--warmup-days".into(),
            "0".into(),
        ];
        if strict {
            v.push("--strict".into());
        }
        policesim(v)
    };
    let (status, _, err) = run(false);
    assert!(status.success(), "{err}");
    assert!(
        err.contains("2 row(s) skipped: 1 no call time, 1 unreadable time"),
        "{err}"
    );
    let rejected = std::fs::read_to_string(out.join("rejected.csv")).unwrap();
    assert_eq!(
        rejected,
        "line,reason,detail,编号,时间,类别,x,y\n3,no call time,,A2,,general,0,1\n5,unreadable time,\"\"\"later\"\"\",A4,later,general,0,1\n"
    );
    let (status, _, err) = run(true);
    assert!(!status.success());
    assert!(
        err.contains("(--strict; first: line 3 (no call time), line 5 (unreadable time)"),
        "{err}"
    );
}
