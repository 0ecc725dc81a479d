//! `--csv-bom`: CSV files that Excel and WPS on Chinese Windows open as
//! UTF-8. Every `.csv` a command writes starts with exactly one byte-order
//! mark and is otherwise the same bytes as without the flag; no other file
//! changes; the files still read back (replay, merge).

use std::path::{Path, PathBuf};

use crate::common::{files_below, policesim};

const BOM: &[u8] = b"\xEF\xBB\xBF";

fn chinese() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/chinese.toml")
}

/// Runs `policesim ARGS` twice, without and with `--csv-bom`, into
/// `root/plain` and `root/bom`, and checks the two folders: the same files;
/// each `.csv` (at least `min_csv` of them) is the plain one after one BOM;
/// every other file is identical.
fn compare(root: &Path, args: &[&str], min_csv: usize) {
    let mut csvs = 0;
    let (plain, bom) = (root.join("plain"), root.join("bom"));
    for (out, flag) in [(&plain, None), (&bom, Some("--csv-bom"))] {
        let mut a: Vec<&std::ffi::OsStr> = args.iter().map(|s| s.as_ref()).collect();
        a.extend(["--out".as_ref(), out.as_os_str()]);
        a.extend(flag.map(std::ffi::OsStr::new));
        let (ok, _, err) = policesim(a);
        assert!(ok.success(), "{args:?} {flag:?}: {err}");
    }
    let (plain_files, bom_files) = (files_below(&plain), files_below(&bom));
    let names: Vec<&PathBuf> = plain_files.iter().map(|(n, _)| n).collect();
    let bom_names: Vec<&PathBuf> = bom_files.iter().map(|(n, _)| n).collect();
    assert_eq!(names, bom_names, "{args:?}: the same files");
    for ((name, p), (_, b)) in plain_files.iter().zip(&bom_files) {
        if name.extension().is_some_and(|e| e == "csv") {
            csvs += 1;
            assert!(!p.starts_with(BOM), "{name:?}: no mark without the flag");
            assert_eq!(&b[..3], BOM, "{name:?}: the mark");
            assert_eq!(&b[3..], &p[..], "{name:?}: the rest unchanged");
        } else if name
            .extension()
            .is_some_and(|e| e == "json" || e == "geojson")
        {
            // JSON may name the output folder; compare with it masked.
            let mask = |v: &[u8], dir: &Path| {
                String::from_utf8_lossy(v).replace(&dir.display().to_string(), "OUT")
            };
            assert_eq!(mask(p, &plain), mask(b, &bom), "{name:?}");
        } else {
            assert_eq!(p, b, "{name:?}: not a CSV, unchanged");
        }
    }
    assert!(csvs >= min_csv, "{args:?}: {csvs} CSV files");
}

#[test]
fn run_writes_every_csv_with_one_mark_and_nothing_else_changes() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = chinese();
    let s = scenario.to_str().unwrap();
    compare(
        dir.path(),
        &["run", s, "--days", "4", "--per-incident", "--quiet"],
        3,
    );
    // Chinese ids survive, after the mark, as UTF-8.
    let incidents = std::fs::read(dir.path().join("bom/incidents.csv")).unwrap();
    let text = std::str::from_utf8(&incidents[3..]).unwrap();
    assert!(text.contains("何坊"), "{text}");
}

#[test]
fn sweep_diff_and_sensitivity_write_marked_csv_too() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = chinese();
    let s = scenario.to_str().unwrap();
    let sweep = dir.path().join("sweep");
    std::fs::create_dir(&sweep).unwrap();
    compare(
        &sweep,
        &[
            "sweep",
            s,
            "--vary",
            "incidents.per_day=20,30",
            "--days",
            "3",
            "--replications",
            "1",
            "--quiet",
        ],
        1,
    );
    let sens = dir.path().join("sens");
    std::fs::create_dir(&sens).unwrap();
    compare(
        &sens,
        &[
            "sensitivity",
            s,
            "--keys",
            "incidents.per_day",
            "--days",
            "3",
            "--replications",
            "1",
            "--quiet",
        ],
        2,
    );
    // diff of two runs.
    for (name, per_day) in [("a", "20"), ("b", "30")] {
        let out = dir.path().join(name);
        let set = format!("incidents.per_day={per_day}");
        let (ok, _, err) = policesim([
            "run",
            s,
            "--days",
            "3",
            "--replications",
            "2",
            "--quiet",
            "--no-charts",
            "--set",
            &set,
            "--out",
            out.to_str().unwrap(),
        ]);
        assert!(ok.success(), "{err}");
    }
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    let diff = dir.path().join("diff");
    std::fs::create_dir(&diff).unwrap();
    compare(
        &diff,
        &["diff", a.to_str().unwrap(), b.to_str().unwrap()],
        1,
    );
}

#[test]
fn a_replay_file_with_a_mark_reads_as_without() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = chinese();
    let s = scenario.to_str().unwrap();
    let plain = dir.path().join("calls.csv");
    let (ok, _, err) = policesim([
        "generate",
        s,
        "--days",
        "4",
        "--out",
        plain.to_str().unwrap(),
    ]);
    assert!(ok.success(), "{err}");
    let marked = dir.path().join("marked.csv");
    let mut bytes = BOM.to_vec();
    bytes.extend(std::fs::read(&plain).unwrap());
    std::fs::write(&marked, bytes).unwrap();
    let mut summaries = Vec::new();
    for (file, out) in [(&plain, "p"), (&marked, "m")] {
        let out = dir.path().join(out);
        let (ok, _, err) = policesim([
            "run",
            s,
            "--days",
            "4",
            "--replications",
            "1",
            "--quiet",
            "--no-charts",
            "--incidents",
            file.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ]);
        assert!(ok.success(), "{err}");
        summaries.push(std::fs::read_to_string(out.join("summary.csv")).unwrap());
    }
    assert_eq!(summaries[0], summaries[1]);
}
