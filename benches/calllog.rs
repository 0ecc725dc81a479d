//! Criterion bench of reading a call log as it comes: one million rows of a
//! Chinese 110 export (text ids, four timestamps, lat/lon in WGS-84 converted
//! to the scenario's GCJ-02, a station name, a mapped kind) read by
//! `[replay]`, streamed from a file. The issue's bar is under 3 s in release.
//!
//! Run with `cargo bench --bench calllog`; the figure is per million rows.

use std::io::Write;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use policesim::Scenario;
use policesim::calllog::read_log;

/// Rows in the bench log.
const ROWS: usize = 1_000_000;

/// Three Huimin township seats (GCJ-02, `shared/data/binzhou_townships.csv`).
const SEATS: [(&str, f64, f64); 3] = [
    ("何坊街道", 37.528152, 117.553029),
    ("石庙镇", 37.446364, 117.391316),
    ("淄角镇", 37.334568, 117.468511),
];

fn scenario() -> Scenario {
    let mut text = String::from(
        "[scenario]\nname = \"bench\"\ndays = 400.0\n[map]\ncentre_lat = 37.45\ncentre_lon = 117.5\n",
    );
    for (i, (name, lat, lon)) in SEATS.iter().enumerate() {
        text += &format!(
            "[[stations]]\nid = \"s{i}\"\nname = \"{name}\"\nlat = {lat}\nlon = {lon}\nofficers = 10\nauxiliaries = 8\n[[demand]]\nlat = {lat}\nlon = {lon}\nweight = 1.0\n"
        );
    }
    text += r#"[incidents]
per_day = 10.0
[[incidents.kinds]]
name = "general"
share = 0.8
on_scene = { dist = "fixed", value = 30.0 }
[[incidents.kinds]]
name = "traffic"
share = 0.2
on_scene = { dist = "fixed", value = 40.0 }
[strategies.per_station]
units = 1
[replay]
columns = { id = "接警编号", time = "报警时间", kind = "警情类别", lat = "纬度", lon = "经度", station = "管辖单位", dispatch = "派警时间", arrive = "到达时间", clear = "结束时间" }
kinds = { "交通事故" = "traffic", "治安纠纷" = "general" }
default_kind = "general"
datum = "wgs84"
"#;
    Scenario::from_toml(&text, "bench.toml").expect("valid bench scenario")
}

/// Writes the log: about 2.7 calls an hour for a year and more.
fn write_log(path: &std::path::Path) {
    let f = std::fs::File::create(path).expect("create bench log");
    let mut w = std::io::BufWriter::new(f);
    writeln!(
        w,
        "接警编号,报警时间,警情类别,纬度,经度,管辖单位,派警时间,到达时间,结束时间,备注"
    )
    .unwrap();
    let kinds = ["治安纠纷", "交通事故", "求助", "盗窃"];
    let start = chrono::NaiveDate::from_ymd_opt(2023, 1, 1)
        .unwrap()
        .and_hms_opt(0, 0, 0)
        .unwrap();
    let fmt = "%Y-%m-%d %H:%M:%S";
    for i in 0..ROWS {
        let t = start + chrono::Duration::seconds((i * 1319 / 60) as i64 * 60 + (i % 60) as i64);
        let (name, lat, lon) = SEATS[i % 3];
        let d = t + chrono::Duration::seconds(90 + (i % 7) as i64 * 11);
        let a = d + chrono::Duration::seconds(600 + (i % 13) as i64 * 37);
        let c = a + chrono::Duration::seconds(1800 + (i % 17) as i64 * 53);
        writeln!(
            w,
            "J{:014},{},{},{:.6},{:.6},{},{},{},{},\"备注, 第{}条\"",
            i,
            t.format(fmt),
            kinds[i % 4],
            lat - 0.0015 + (i % 100) as f64 * 1e-5,
            lon - 0.0055 + (i % 97) as f64 * 1e-5,
            name,
            d.format(fmt),
            a.format(fmt),
            c.format(fmt),
            i
        )
        .unwrap();
    }
    w.flush().unwrap();
}

fn read(c: &mut Criterion) {
    let s = scenario();
    let spec = s.replay.clone().expect("[replay]");
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("110.csv");
    write_log(&path);
    let bytes = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    let started = std::time::Instant::now();
    let log = read_log(&path, &s, &spec).expect("the bench log reads");
    eprintln!(
        "call log: {} rows ({:.0} MB) read in {:.2} s, {} rejected",
        log.records.len(),
        bytes as f64 / 1e6,
        started.elapsed().as_secs_f64(),
        log.rejected.len()
    );
    assert_eq!(log.records.len(), ROWS);
    let mut g = c.benchmark_group("call_log");
    g.sample_size(10);
    g.throughput(Throughput::Elements(ROWS as u64));
    g.bench_function("read_1m_rows", |b| {
        b.iter(|| read_log(&path, &s, &spec).expect("reads").records.len())
    });
    g.finish();
}

criterion_group!(benches, read);
criterion_main!(benches);
