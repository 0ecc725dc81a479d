//! What a run guarantees about its output folder: it is written whole or not
//! at all, a rerun leaves no stale file of an earlier run, a failed or
//! interrupted run leaves the previous folder exactly as it was and no
//! hidden debris, a bad `--out` fails before any work, and each error says
//! its cause once.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::{BIN, SCENARIO, policesim, replace_once, write_file};

/// Every entry below `dir`, hidden ones included, with file contents: two
/// equal snapshots mean byte-for-byte the same tree.
fn snapshot(dir: &Path) -> Vec<(PathBuf, Option<Vec<u8>>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            let rel = p.strip_prefix(dir).unwrap().to_path_buf();
            if fs::symlink_metadata(&p).unwrap().is_dir() {
                stack.push(p);
                out.push((rel, None));
            } else {
                out.push((rel, Some(fs::read(&p).unwrap())));
            }
        }
    }
    out.sort();
    out
}

/// The names in `dir` (`ls -a` without `.` and `..`), sorted.
fn ls_a(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// Every file below `dir`, relative, sorted.
fn files_below(dir: &Path) -> Vec<String> {
    snapshot(dir)
        .into_iter()
        .filter(|(_, c)| c.is_some())
        .map(|(p, _)| p.display().to_string())
        .collect()
}

fn run_ok(args: &[&str]) -> String {
    let (status, stdout, stderr) = policesim(args);
    assert!(status.success(), "policesim {args:?} failed: {stderr}");
    stdout
}

const DATA_FILES: [&str; 5] = [
    ".policesim",
    "comparison.csv",
    "map.geojson",
    "summary.csv",
    "summary.json",
];

#[test]
fn a_rerun_leaves_no_file_of_an_earlier_run() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = write_file(dir.path(), "tiny.toml", SCENARIO);
    let out = dir.path().join("out");
    let (s, o) = (scenario.to_str().unwrap(), out.to_str().unwrap());
    run_ok(&["run", s, "--out", o, "--png", "--per-incident", "-q"]);
    let files = files_below(&out);
    assert!(files.contains(&"charts/map.png".to_string()), "{files:?}");
    assert!(files.contains(&"incidents.csv".to_string()), "{files:?}");
    // Debris of older versions inside the folder goes with it.
    fs::write(out.join(".summary.csv.partial"), "half").unwrap();

    // Without --png: SVGs only.
    run_ok(&["run", s, "--out", o, "-q"]);
    let files = files_below(&out);
    assert!(files.contains(&"charts/map.svg".to_string()), "{files:?}");
    assert!(files.contains(&"report.html".to_string()), "{files:?}");
    assert!(!files.iter().any(|f| f.ends_with(".png")), "{files:?}");
    assert!(!files.contains(&"incidents.csv".to_string()), "{files:?}");

    // --no-charts: the data files and nothing else.
    run_ok(&["run", s, "--out", o, "--no-charts", "-q"]);
    assert_eq!(ls_a(&out), DATA_FILES);
    assert_eq!(ls_a(dir.path()), ["out", "tiny.toml"]);
}

#[test]
fn a_folder_where_a_chart_should_go_does_not_half_write_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = write_file(dir.path(), "tiny.toml", SCENARIO);
    let out = dir.path().join("out");
    let (s, o) = (scenario.to_str().unwrap(), out.to_str().unwrap());
    run_ok(&["run", s, "--out", o, "-q"]);
    fs::remove_file(out.join("charts/map.svg")).unwrap();
    fs::create_dir(out.join("charts/map.svg")).unwrap();
    fs::write(out.join("charts/map.svg/stray.txt"), "x").unwrap();

    // The new folder is built beside the old one, so the old one's oddities
    // do not matter: the whole folder is replaced.
    let stdout = run_ok(&["run", s, "--out", o, "-q"]);
    assert!(stdout.contains("wrote "), "{stdout}");
    assert!(out.join("charts/map.svg").is_file());
    assert!(
        fs::read_to_string(out.join("charts/map.svg"))
            .unwrap()
            .starts_with("<svg")
    );
    assert_eq!(ls_a(dir.path()), ["out", "tiny.toml"]);
}

#[test]
fn a_run_that_fails_after_the_folder_check_leaves_the_previous_folder_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = write_file(dir.path(), "tiny.toml", SCENARIO);
    let bad_replay = write_file(dir.path(), "bad.csv", "nonsense\n1\n");
    let out = dir.path().join("out");
    let (s, o) = (scenario.to_str().unwrap(), out.to_str().unwrap());
    run_ok(&["run", s, "--out", o, "-q"]);
    let before = snapshot(dir.path());
    let (status, stdout, stderr) = policesim([
        "run",
        s,
        "--out",
        o,
        "-q",
        "--incidents",
        bad_replay.to_str().unwrap(),
    ]);
    assert!(!status.success());
    assert_eq!(stdout, "");
    assert!(stderr.starts_with("error: "), "{stderr}");
    assert_eq!(snapshot(dir.path()), before, "{stderr}");
}

/// Arguments that make a run of [`SCENARIO`] take far longer than any test
/// waits for it: 23 million calls, several seconds on one core.
const LONG_ARGS: [&str; 6] = ["--days", "36000", "--replications", "32", "--threads", "1"];

#[test]
fn an_out_that_is_a_file_fails_before_simulating_and_says_so_once() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = write_file(dir.path(), "tiny.toml", SCENARIO);
    let file = write_file(dir.path(), "outfile", "mine");
    for (out, expected) in [
        (
            file.clone(),
            format!("error: {}: is a file, not a folder\n", file.display()),
        ),
        (
            file.join("sub"),
            format!(
                "error: {}: cannot create folder: {} is a file, not a folder\n",
                file.join("sub").display(),
                file.display()
            ),
        ),
    ] {
        let started = Instant::now();
        let mut args = vec!["run", scenario.to_str().unwrap(), "--out"];
        args.push(out.to_str().unwrap());
        args.extend(LONG_ARGS);
        let (status, stdout, stderr) = policesim(&args);
        // The job takes minutes; the check must come first.
        assert!(started.elapsed() < Duration::from_secs(20));
        assert!(!status.success());
        assert_eq!(stdout, "", "nothing was simulated, so no table");
        assert_eq!(stderr, expected);
    }
    assert_eq!(fs::read_to_string(&file).unwrap(), "mine");
    assert_eq!(ls_a(dir.path()), ["outfile", "tiny.toml"]);
}

#[test]
fn a_folder_policesim_did_not_write_is_refused_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = write_file(dir.path(), "tiny.toml", SCENARIO);
    let photos = dir.path().join("photos");
    fs::create_dir(&photos).unwrap();
    fs::write(photos.join("cat.jpg"), "meow").unwrap();
    let before = snapshot(dir.path());
    let (status, stdout, stderr) = policesim([
        "run",
        scenario.to_str().unwrap(),
        "--out",
        photos.to_str().unwrap(),
    ]);
    assert!(!status.success());
    assert_eq!(stdout, "");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("is not a policesim output folder"),
        "{stderr}"
    );
    assert_eq!(snapshot(dir.path()), before);
    // An empty folder is fine.
    let empty = dir.path().join("empty");
    fs::create_dir(&empty).unwrap();
    run_ok(&[
        "run",
        scenario.to_str().unwrap(),
        "--out",
        empty.to_str().unwrap(),
        "-q",
    ]);
    assert!(empty.join("summary.json").is_file());
}

#[test]
fn chart_keeps_the_data_files_and_replaces_the_charts() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = write_file(dir.path(), "tiny.toml", SCENARIO);
    let out = dir.path().join("out");
    let (s, o) = (scenario.to_str().unwrap(), out.to_str().unwrap());
    run_ok(&["run", s, "--out", o, "--png", "--per-incident", "-q"]);
    let data = [
        "summary.json",
        "summary.csv",
        "comparison.csv",
        "incidents.csv",
        "map.geojson",
    ];
    let before: Vec<Vec<u8>> = data
        .iter()
        .map(|f| fs::read(out.join(f)).unwrap())
        .collect();
    let svg_before = fs::read(out.join("charts/map.svg")).unwrap();

    let stdout = run_ok(&["chart", o]);
    assert!(stdout.contains("charts/map.svg"), "{stdout}");
    assert!(!stdout.contains("summary.csv"), "{stdout}");
    for (f, bytes) in data.iter().zip(&before) {
        assert_eq!(&fs::read(out.join(f)).unwrap(), bytes, "{f} changed");
    }
    assert_eq!(fs::read(out.join("charts/map.svg")).unwrap(), svg_before);
    let files = files_below(&out);
    assert!(!files.iter().any(|f| f.ends_with(".png")), "{files:?}");
    assert!(files.contains(&"report.html".to_string()), "{files:?}");
    assert_eq!(ls_a(dir.path()), ["out", "tiny.toml"]);

    // A folder without summary.json, and a file, say so once.
    let (status, _, stderr) = policesim(["chart", scenario.to_str().unwrap()]);
    assert!(!status.success());
    assert_eq!(
        stderr,
        format!("error: {}: is a file, not a folder\n", scenario.display())
    );
    let empty = dir.path().join("empty");
    fs::create_dir(&empty).unwrap();
    let (status, _, stderr) = policesim(["chart", empty.to_str().unwrap()]);
    assert!(!status.success());
    assert_eq!(
        stderr,
        format!(
            "error: {}: is not a policesim output folder (it has no summary.json)\n",
            empty.display()
        )
    );
    assert_eq!(ls_a(dir.path()), ["empty", "out", "tiny.toml"]);
}

#[cfg(unix)]
/// Starts `policesim ARGS`, waits until a temporary sibling whose name
/// starts with `prefix` appears in `parent` (the run is then past its
/// checks and writing), sends `signal` with the `kill` binary, and returns
/// the exit code and stderr.
fn interrupt(args: &[&str], parent: &Path, prefix: &str, signal: &str) -> (Option<i32>, String) {
    let cwd = tempfile::tempdir().unwrap();
    let child = Command::new(BIN)
        .args(args)
        .current_dir(cwd.path())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start policesim");
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(60)
        && !ls_a(parent).iter().any(|n| n.starts_with(prefix))
    {
        std::thread::sleep(Duration::from_millis(20));
    }
    // Let it get into the work.
    std::thread::sleep(Duration::from_millis(200));
    let sent = Command::new("kill")
        .args([&format!("-{signal}"), &child.id().to_string()])
        .status()
        .expect("run kill");
    assert!(sent.success());
    let out = child.wait_with_output().expect("wait for policesim");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[cfg(unix)]
#[test]
fn sigint_and_sigterm_stop_the_run_and_keep_the_previous_folder() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = write_file(dir.path(), "tiny.toml", SCENARIO);
    let out = dir.path().join("out");
    let o = out.to_str().unwrap();
    run_ok(&["run", scenario.to_str().unwrap(), "--out", o, "-q"]);
    let before = snapshot(dir.path());
    for (signal, code) in [("INT", 130), ("TERM", 143)] {
        let mut args = vec!["run", scenario.to_str().unwrap(), "--out", o];
        args.extend(LONG_ARGS);
        let (status, stderr) = interrupt(&args, dir.path(), ".out.policesim-tmp-", signal);
        assert_eq!(status, Some(code), "SIG{signal}: {stderr}");
        assert_eq!(
            stderr,
            format!("interrupted (SIG{signal}): stopped; nothing was written\n")
        );
        assert_eq!(snapshot(dir.path()), before, "SIG{signal} left debris");
    }
}

#[cfg(unix)]
#[test]
fn generate_writes_its_file_whole_or_not_at_all() {
    let dir = tempfile::tempdir().unwrap();
    // 200 calls a day: 7 million rows for the long stream below. (The
    // scenario's 3 units a station cannot keep up; `check` warns, which does
    // not matter for a stream.)
    let text = replace_once(SCENARIO, "per_day = 20.0", "per_day = 200.0");
    let scenario = write_file(dir.path(), "busy.toml", &text);
    let s = scenario.to_str().unwrap();
    let csv = dir.path().join("stream.csv");
    let c = csv.to_str().unwrap();
    run_ok(&["generate", s, "--days", "10", "--out", c]);
    let text = fs::read_to_string(&csv).unwrap();
    assert!(text.starts_with("id,call_min,"), "{text}");
    // 200 calls a day for ten days, give or take the Poisson noise (sd 45).
    let rows = text.lines().count() - 1;
    assert!((1800..2200).contains(&rows), "{rows} rows");
    let before = snapshot(dir.path());

    // Interrupted while writing a long stream: the old file stays whole.
    let (status, stderr) = interrupt(
        &["generate", s, "--days", "36000", "--out", c],
        dir.path(),
        ".stream.csv.policesim-tmp-",
        "TERM",
    );
    assert_eq!(status, Some(143), "{stderr}");
    assert!(
        stderr.ends_with("\ninterrupted (SIGTERM): stopped; nothing was written\n"),
        "{stderr}"
    );
    assert_eq!(stderr.matches("interrupted").count(), 1, "{stderr}");
    assert_eq!(snapshot(dir.path()), before);

    // A folder, or a file below a file, is refused before any work.
    let tiny = write_file(dir.path(), "tiny.toml", SCENARIO);
    let before = snapshot(dir.path());
    let s = tiny.to_str().unwrap();
    let (status, _, stderr) = policesim(
        ["generate", s, "--days", "2", "--out"]
            .into_iter()
            .chain([dir.path().to_str().unwrap()]),
    );
    assert!(!status.success());
    assert_eq!(
        stderr,
        format!("error: {}: is a folder, not a file\n", dir.path().display())
    );
    let below = csv.join("x.csv");
    let (status, _, stderr) = policesim([
        "generate",
        s,
        "--days",
        "2",
        "--out",
        below.to_str().unwrap(),
    ]);
    assert!(!status.success());
    assert_eq!(
        stderr,
        format!(
            "error: {}: cannot create file: {} is a file, not a folder\n",
            below.display(),
            csv.display()
        )
    );
    assert_eq!(snapshot(dir.path()), before);
}

#[cfg(unix)]
#[test]
fn an_interrupt_while_files_are_written_leaves_no_partial_files() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = write_file(dir.path(), "tiny.toml", SCENARIO);
    let out = dir.path().join("out");
    let o = out.to_str().unwrap();
    run_ok(&["run", scenario.to_str().unwrap(), "--out", o, "-q"]);
    let before = snapshot(dir.path());
    // A million incidents: incidents.csv takes a while to write.
    let args = [
        "run",
        scenario.to_str().unwrap(),
        "--out",
        o,
        "--per-incident",
        "--days",
        "3000",
        "--replications",
        "16",
        "--threads",
        "1",
    ];
    let cwd = tempfile::tempdir().unwrap();
    let child = Command::new(BIN)
        .args(args)
        .current_dir(cwd.path())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start policesim");
    // summary.json is written before map.geojson, incidents.csv and charts.
    let writing = |parent: &Path| {
        ls_a(parent).iter().any(|n| {
            n.starts_with(".out.policesim-tmp-") && parent.join(n).join("summary.json").exists()
        })
    };
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(120) && !writing(dir.path()) {
        std::thread::sleep(Duration::from_millis(5));
    }
    let sent = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("run kill");
    assert!(sent.success());
    let done = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&done.stderr);
    assert_eq!(done.status.code(), Some(130), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    if stderr == "interrupted (SIGINT): stopped; nothing was written\n" {
        assert_eq!(snapshot(dir.path()), before);
    } else {
        // The signal came after the swap: the new folder is whole.
        assert_eq!(
            stderr,
            format!("interrupted (SIGINT): stopped; {o} had already been written whole\n")
        );
        assert!(out.join("report.html").is_file());
        assert!(out.join("incidents.csv").is_file());
        assert_eq!(ls_a(dir.path()), ["out", "tiny.toml"]);
    }
}

#[cfg(target_os = "linux")]
#[test]
fn an_out_whose_parent_cannot_be_written_fails_before_simulating() {
    // Nobody, not even root, may create folders in /sys.
    if !Path::new("/sys/kernel").is_dir() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let scenario = write_file(dir.path(), "tiny.toml", SCENARIO);
    let mut args = vec![
        "run",
        scenario.to_str().unwrap(),
        "--out",
        "/sys/policesim-out",
    ];
    args.extend(LONG_ARGS);
    let (status, stdout, stderr) = policesim(&args);
    assert!(!status.success());
    assert_eq!(stdout, "");
    assert_eq!(
        stderr,
        "error: /sys/policesim-out: cannot write in /sys: permission denied\n"
    );
}
