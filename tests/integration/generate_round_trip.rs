//! `policesim generate` writes a stream that `--incidents` replays exactly.

use std::path::Path;
use std::process::Command;

fn policesim(dir: &Path, args: &[&str]) -> std::process::Output {
    let out = Command::new(env!("CARGO_BIN_EXE_policesim"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("binary runs");
    assert!(
        out.status.success(),
        "policesim {args:?} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

#[test]
fn generated_stream_replays_to_the_same_results() {
    let tmp = tempfile::tempdir().unwrap();
    let scenario = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/three_stations.toml");
    let scenario = scenario.to_str().unwrap();
    let csv = tmp.path().join("stream.csv");
    policesim(
        tmp.path(),
        &[
            "generate",
            scenario,
            "--days",
            "30",
            "--out",
            csv.to_str().unwrap(),
        ],
    );
    let text = std::fs::read_to_string(&csv).unwrap();
    assert!(text.starts_with("id,call_min,x_km,y_km,kind,on_scene_min,case_min,station\n"));
    assert!(text.lines().count() > 1000, "30 days at 60 a day");

    let common = [
        "--days",
        "30",
        "--replications",
        "1",
        "--quiet",
        "--per-incident",
    ];
    let mut a = vec!["run", scenario, "--out", "generated"];
    a.extend(common);
    policesim(tmp.path(), &a);
    let mut b = vec![
        "run",
        scenario,
        "--out",
        "replayed",
        "--incidents",
        "stream.csv",
    ];
    b.extend(common);
    policesim(tmp.path(), &b);

    for file in ["summary.csv", "incidents.csv"] {
        let x = std::fs::read(tmp.path().join("generated").join(file)).unwrap();
        let y = std::fs::read(tmp.path().join("replayed").join(file)).unwrap();
        assert!(
            x == y,
            "{file} differs between the generated and the replayed run"
        );
    }
    let incidents = std::fs::read_to_string(tmp.path().join("replayed/incidents.csv")).unwrap();
    assert!(incidents.starts_with(
        "replication,strategy,id,kind,station,call_min,dispatch_min,arrive_min,clear_min,units"
    ));
}
