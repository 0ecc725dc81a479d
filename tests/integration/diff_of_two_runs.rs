//! `policesim diff DIR_A DIR_B`: the difference of every metric is B − A of
//! the summary values exactly, its interval holds it, the interval is paired
//! on the same seed and Welch's otherwise (degrees of freedom checked by
//! hand), strategies in one folder only are named, and folders that are not
//! `run` output folders are refused with a clear error.

use std::path::{Path, PathBuf};

use policesim::report::SummaryFile;

use crate::common::{SCENARIO, policesim, write_file};

/// The tiny scenario with a second strategy, 4 replications.
fn scenario(dir: &Path) -> PathBuf {
    let text = SCENARIO.replace("replications = 2", "replications = 4")
        + "\n[strategies.efficiency]\nunits = 5\n";
    write_file(dir, "tiny.toml", &text)
}

fn run(file: &Path, out: &Path, extra: &[&str]) {
    let mut args: Vec<String> = vec![
        "run".into(),
        file.display().to_string(),
        "--out".into(),
        out.display().to_string(),
        "--no-charts".into(),
        "--quiet".into(),
    ];
    args.extend(extra.iter().map(|s| s.to_string()));
    let (status, _, err) = policesim(&args);
    assert!(status.success(), "{err}");
}

fn summary(out: &Path) -> SummaryFile {
    serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap()
}

/// Rows of `diff.csv` as header → value maps.
fn diff_rows(out: &Path) -> Vec<std::collections::HashMap<String, String>> {
    let mut rdr = csv::Reader::from_path(out.join("diff.csv")).unwrap();
    let headers = rdr.headers().unwrap().clone();
    rdr.records()
        .map(|r| {
            let r = r.unwrap();
            headers
                .iter()
                .zip(r.iter())
                .map(|(h, v)| (h.to_string(), v.to_string()))
                .collect()
        })
        .collect()
}

fn num(v: &str) -> f64 {
    v.parse()
        .unwrap_or_else(|_| panic!("{v:?} is not a number"))
}

/// Diffs A and B into `out` and returns diff.csv's rows and stdout.
fn diff(
    a: &Path,
    b: &Path,
    out: &Path,
) -> (Vec<std::collections::HashMap<String, String>>, String) {
    let (status, stdout, err) = policesim([Path::new("diff"), a, b, Path::new("--out"), out]);
    assert!(status.success(), "{err}");
    (diff_rows(out), stdout)
}

fn values(s: &SummaryFile, strategy: &str, metric: &str) -> Vec<f64> {
    let st = s
        .strategies
        .iter()
        .find(|x| x.strategy == strategy)
        .unwrap();
    st.per_replication
        .iter()
        .map(|r| {
            let v = serde_json::to_value(r).unwrap();
            v[metric].as_f64().unwrap()
        })
        .collect()
}

#[test]
fn differences_are_b_minus_a_with_paired_and_welch_intervals() {
    let dir = tempfile::tempdir().unwrap();
    let file = scenario(dir.path());
    let (a, b, c) = (
        dir.path().join("a"),
        dir.path().join("b"),
        dir.path().join("c"),
    );
    run(&file, &a, &[]);
    run(&file, &b, &["--set", "incidents.per_day=30"]);
    run(
        &file,
        &c,
        &["--set", "incidents.per_day=30", "--seed", "99"],
    );
    let csv_of = |d: &Path| -> Vec<std::collections::HashMap<String, String>> {
        let mut rdr = csv::Reader::from_path(d.join("summary.csv")).unwrap();
        let headers = rdr.headers().unwrap().clone();
        rdr.records()
            .map(|r| {
                headers
                    .iter()
                    .zip(r.unwrap().iter())
                    .map(|(h, v)| (h.to_string(), v.to_string()))
                    .collect()
            })
            .collect()
    };
    let (sa, sb) = (csv_of(&a), csv_of(&b));
    let value = |rows: &[std::collections::HashMap<String, String>], st: &str, m: &str| {
        num(&rows.iter().find(|r| r["strategy"] == st).unwrap()[m])
    };

    // Same seed: paired.
    let (rows, stdout) = diff(&a, &b, &dir.path().join("d_ab"));
    assert_eq!(rows.len(), 2 * 8, "{stdout}");
    for r in &rows {
        let (st, m) = (&r["strategy"], &r["metric"]);
        let (va, vb) = (value(&sa, st, m), value(&sb, st, m));
        assert_eq!(num(&r["a"]), va, "{st} {m}");
        assert_eq!(num(&r["b"]), vb, "{st} {m}");
        let d = num(&r["difference"]);
        assert_eq!(d, vb - va, "{st} {m}: the difference is B − A exactly");
        let (lo, hi) = (num(&r["ci95_low"]), num(&r["ci95_high"]));
        assert!(lo <= d && d <= hi, "{st} {m}: [{lo}, {hi}] misses {d}");
        assert_eq!(r["method"], "paired");
        assert_eq!(num(&r["df"]), 3.0, "4 replications paired: 3 df");
    }
    // 50 % more calls lengthen the wait at 3 units per station.
    let wait = rows
        .iter()
        .find(|r| r["strategy"] == "per_station" && r["metric"] == "wait_mean_min")
        .unwrap();
    assert!(num(&wait["difference"]) > 0.0);
    assert!(stdout.contains("paired by replication"), "{stdout}");
    assert!(stdout.contains("B − A"), "{stdout}");

    // Different seeds: Welch, with the Welch–Satterthwaite df by hand.
    let (rows, stdout) = diff(&a, &c, &dir.path().join("d_ac"));
    let (fa, fc) = (summary(&a), summary(&c));
    let r = rows
        .iter()
        .find(|r| r["strategy"] == "per_station" && r["metric"] == "response_mean_min")
        .unwrap();
    assert_eq!(r["method"], "welch", "{stdout}");
    let (xa, xc) = (
        values(&fa, "per_station", "response_mean_min"),
        values(&fc, "per_station", "response_mean_min"),
    );
    let var = |x: &[f64]| {
        let m = x.iter().sum::<f64>() / x.len() as f64;
        x.iter().map(|v| (v - m).powi(2)).sum::<f64>() / (x.len() as f64 - 1.0)
    };
    let (qa, qc) = (var(&xa) / 4.0, var(&xc) / 4.0);
    let df = (qa + qc).powi(2) / (qa * qa / 3.0 + qc * qc / 3.0);
    assert!(
        (num(&r["df"]) - df).abs() < 1e-9 * df,
        "{} vs {df}",
        r["df"]
    );
    assert!(
        df > 3.0 && df <= 6.0,
        "Welch df lies between n−1 and 2n−2: {df}"
    );
    let d = num(&r["difference"]);
    assert!(num(&r["ci95_low"]) <= d && d <= num(&r["ci95_high"]));
}

#[test]
fn strategies_in_one_folder_only_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let file = scenario(dir.path());
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    run(&file, &a, &[]);
    run(&file, &b, &["--strategies", "per_station"]);
    let (rows, stdout) = diff(&a, &b, &dir.path().join("d"));
    assert!(rows.iter().all(|r| r["strategy"] == "per_station"));
    assert!(stdout.contains("only in A: efficiency"), "{stdout}");
    // The same folder against itself: every difference is exactly zero.
    let (rows, _) = diff(&a, &a, &dir.path().join("same"));
    for r in &rows {
        assert_eq!(num(&r["difference"]), 0.0);
        assert_eq!(r["verdict"], "no significant difference");
    }
}

#[test]
fn folders_that_are_not_run_outputs_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let file = scenario(dir.path());
    let good = dir.path().join("good");
    run(&file, &good, &["--strategies", "per_station"]);
    let plain = dir.path().join("plain");
    std::fs::create_dir(&plain).unwrap();
    write_file(&plain, "notes.txt", "hello");
    let marked = dir.path().join("marked");
    std::fs::create_dir(&marked).unwrap();
    write_file(&marked, ".policesim", "");
    let broken = dir.path().join("broken");
    std::fs::create_dir(&broken).unwrap();
    write_file(&broken, ".policesim", "");
    write_file(&broken, "summary.json", "{\"run\": 1}");
    let missing = dir.path().join("missing");
    for (other, expected) in [
        (
            &plain,
            "not a policesim output folder (no .policesim marker and no summary.json)",
        ),
        (
            &marked,
            "has no summary.json: not the output folder of `policesim run`",
        ),
        (&broken, "summary.json: not a policesim summary"),
        (&missing, "does not exist"),
        (&file, "is a file, not a policesim output folder"),
    ] {
        let (status, stdout, stderr) = policesim([Path::new("diff"), &good, other]);
        assert_eq!(status.code(), Some(1), "{stdout}{stderr}");
        assert!(
            stderr.contains(expected) && stderr.contains(&*other.display().to_string()),
            "stderr should name {} and say {expected:?}: {stderr}",
            other.display()
        );
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}
