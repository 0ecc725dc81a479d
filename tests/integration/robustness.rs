//! Property-based robustness: the shipped scenarios and a replay file,
//! mutated the way a planner's editing goes wrong — deleted, duplicated or
//! swapped lines, wrong types, extreme numbers (0, −1, 1e308, NaN, inf),
//! unicode, empty arrays, references to ids that do not exist — are refused
//! with an error, or validate, run and write their folder. Never a panic,
//! never a hang past [`CASE_BOUND`], never a half-written folder.
//!
//! Each case runs the library as `check` and a short `run` would: validate,
//! describe, analyse, one replication of at most a day (fewer calls than
//! [`MAX_CALLS`] per strategy), then the output folder. The default case
//! count is small enough for CI; set `POLICESIM_ROBUSTNESS_CASES` for a long
//! run and `POLICESIM_ROBUSTNESS_SEED` (a number) for another sequence of
//! cases.

use std::path::Path;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestRng, TestRunner};

use policesim::Scenario;
use policesim::experiment::{self, RunOptions};
use policesim::incidents::{Generator, StreamModel, parse_replay, write_replay};
use policesim::report;

/// Longest a case may take, validation to output folder, on a loaded machine.
const CASE_BOUND: Duration = Duration::from_secs(60);
/// Most calls per strategy in a case's run.
const MAX_CALLS: f64 = 20_000.0;
/// Cases of each kind (scenario, replay) without the environment variable.
const DEFAULT_CASES: u32 = 40;

/// The shipped scenarios, and the test county that has every strategy, by
/// their real paths (their outlines are read relative to them).
const FILES: [(&str, &str); 6] = [
    (
        "scenarios/huimin.toml",
        include_str!("../../scenarios/huimin.toml"),
    ),
    (
        "scenarios/zhanhua.toml",
        include_str!("../../scenarios/zhanhua.toml"),
    ),
    (
        "scenarios/zouping.toml",
        include_str!("../../scenarios/zouping.toml"),
    ),
    (
        "scenarios/beihai.toml",
        include_str!("../../scenarios/beihai.toml"),
    ),
    (
        "scenarios/mmc.toml",
        include_str!("../../scenarios/mmc.toml"),
    ),
    (
        "tests/data/all_strategies.toml",
        include_str!("../data/all_strategies.toml"),
    ),
];

/// Values a mutated `key = value` line takes, by the type of the value it
/// replaces (so that most mutations pass the parser and reach the checks
/// of meaning); one edit in four takes a value of any type.
const NUMBERS: [&str; 20] = [
    "0",
    "-1",
    "1",
    "3",
    "0.5",
    "1e308",
    "-1e308",
    "nan",
    "inf",
    "-inf",
    "1e-300",
    "5e-324",
    "2147483648",
    "4294967295",
    "4294967296",
    "18446744073709551615",
    "100000000",
    "1000000",
    "10000",
    "1e12",
];
const STRINGS: [&str; 10] = [
    "\"\"",
    "\"   \"",
    "\"missing\"",
    "\"惠民县\"",
    "\"a\\u0000b\"",
    "\"per_station\"",
    "\"zone_cooperation\"",
    "\"boundary\"",
    "\"weibull\"",
    "\"when_all_busy\"",
];
const ARRAYS: [&str; 8] = [
    "[]",
    "[1e308, 1e308]",
    "[\"missing\"]",
    "[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1e308]",
    "[1e308, 1e308, 1e308, 1e308, 1e308, 1e308, 1e308]",
    "[\"a\", \"a\"]",
    "[nan]",
    "[-1, 24, 99]",
];
const TABLES: [&str; 9] = [
    "{}",
    "{ dist = \"gamma\", mean = 1e-200, sd = 1 }",
    "{ dist = \"lognormal\", mean = 1e-300, sd = 1e300 }",
    "{ dist = \"empirical\", values = [] }",
    "{ dist = \"weibull\", shape = 1e-9, scale = 1e7 }",
    "{ officers = 0 }",
    "{ officers = 100, auxiliaries = 100 }",
    "{ prob = 1, units = 10000 }",
    "{ x_km = 1e300, y_km = 0, radius_km = 1 }",
];
const BOOLS: [&str; 2] = ["true", "false"];

/// The replacement for `old` picked by `v`.
fn value_for(old: &str, v: usize) -> &'static str {
    let all: [&[&str]; 5] = [&NUMBERS, &STRINGS, &ARRAYS, &TABLES, &BOOLS];
    let old = old.trim();
    let same: &[&str] = if v % 4 == 0 {
        all[(v / 4) % all.len()]
    } else if old.starts_with('"') {
        &STRINGS
    } else if old.starts_with('[') {
        &ARRAYS
    } else if old.starts_with('{') {
        &TABLES
    } else if old == "true" || old == "false" {
        &BOOLS
    } else {
        &NUMBERS
    };
    same[(v / 4) % same.len()]
}

/// Section headers inserted at random places.
const HEADERS: [&str; 6] = [
    "[strategies]",
    "[[stations]]",
    "[[demand]]",
    "[[zones]]",
    "[incidents]",
    "[strategies.efficiency]",
];

/// Values a mutated replay field takes.
const FIELDS: [&str; 14] = [
    "",
    "0",
    "-1",
    "1e308",
    "nan",
    "inf",
    "1e-300",
    "abc",
    "惠民",
    "18446744073709551616",
    "7",
    "\"1,2\"",
    "general",
    "missing",
];

/// One edit of a text, by line.
#[derive(Debug, Clone)]
enum Edit {
    Delete(u64),
    Duplicate(u64),
    Swap(u64, u64),
    /// Replace the value of a `key = value` line (or a replay field).
    Value(u64, u64, usize),
    /// Put a character into the middle of a line.
    Unicode(u64, char),
    /// Insert a section header (or, in a replay file, a copy of the header).
    Header(u64, usize),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        1 => any::<u64>().prop_map(Edit::Delete),
        1 => any::<u64>().prop_map(Edit::Duplicate),
        1 => (any::<u64>(), any::<u64>()).prop_map(|(a, b)| Edit::Swap(a, b)),
        8 => (any::<u64>(), any::<u64>(), 0..1000usize)
            .prop_map(|(l, f, v)| Edit::Value(l, f, v)),
        1 => (any::<u64>(), prop::sample::select(vec!['"', '=', '[', '\u{feff}', '北', '\0', '\n', '#']))
            .prop_map(|(l, c)| Edit::Unicode(l, c)),
        1 => (any::<u64>(), 0..HEADERS.len()).prop_map(|(l, h)| Edit::Header(l, h)),
    ]
}

/// Position `x` in `0..n`.
fn at(x: u64, n: usize) -> usize {
    (x % n as u64) as usize
}

/// The first line at or after position `x` (wrapping round) that `keep`
/// accepts, if any.
fn line_where(lines: &[String], x: u64, keep: impl Fn(&str) -> bool) -> Option<usize> {
    let n = lines.len();
    let start = at(x, n);
    (0..n).map(|k| (start + k) % n).find(|&k| keep(&lines[k]))
}

/// A line holding TOML, not a comment or blank.
fn is_code(l: &str) -> bool {
    let t = l.trim_start();
    !t.is_empty() && !t.starts_with('#')
}

/// Applies `edits` to the lines of a TOML file. Lines are picked among
/// those holding TOML (comments and blank lines would make dull cases).
fn mutate_toml(text: &str, edits: &[Edit]) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    for e in edits {
        let code = |x: u64, lines: &[String]| line_where(lines, x, is_code);
        match e {
            Edit::Delete(i) => {
                if let Some(k) = code(*i, &lines) {
                    lines.remove(k);
                }
            }
            Edit::Duplicate(i) => {
                if let Some(k) = code(*i, &lines) {
                    let l = lines[k].clone();
                    lines.insert(k, l);
                }
            }
            Edit::Swap(a, b) => {
                if let (Some(a), Some(b)) = (code(*a, &lines), code(*b, &lines)) {
                    lines.swap(a, b);
                }
            }
            Edit::Value(i, _, v) => {
                let found = line_where(&lines, *i, |l| is_code(l) && l.contains('='));
                if let Some(k) = found {
                    let (key, old) = lines[k].split_once('=').unwrap_or(("", ""));
                    lines[k] = format!("{key}= {}", value_for(old, *v));
                }
            }
            Edit::Unicode(i, c) => {
                if let Some(k) = code(*i, &lines) {
                    let l = &mut lines[k];
                    let at = l
                        .char_indices()
                        .map(|(b, _)| b)
                        .nth(l.chars().count() / 2)
                        .unwrap_or(l.len());
                    l.insert(at, *c);
                }
            }
            Edit::Header(i, h) => {
                let k = if lines.is_empty() {
                    0
                } else {
                    at(*i, lines.len())
                };
                lines.insert(k, HEADERS[*h].to_string());
            }
        }
    }
    lines.join("\n")
}

/// Applies `edits` to the lines of a replay CSV.
fn mutate_csv(text: &str, edits: &[Edit]) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    for e in edits {
        if lines.is_empty() {
            break;
        }
        let n = lines.len();
        match e {
            Edit::Delete(i) => {
                lines.remove(at(*i, n));
            }
            Edit::Duplicate(i) => {
                let l = lines[at(*i, n)].clone();
                lines.insert(at(*i, n), l);
            }
            Edit::Swap(a, b) => lines.swap(at(*a, n), at(*b, n)),
            Edit::Value(i, f, v) => {
                let l = &mut lines[at(*i, n)];
                let mut fields: Vec<String> = l.split(',').map(str::to_string).collect();
                let k = at(*f, fields.len());
                fields[k] = FIELDS[v % FIELDS.len()].to_string();
                *l = fields.join(",");
            }
            Edit::Unicode(i, c) => {
                let l = &mut lines[at(*i, n)];
                let at = l
                    .char_indices()
                    .map(|(b, _)| b)
                    .nth(l.chars().count() / 2)
                    .unwrap_or(l.len());
                l.insert(at, *c);
            }
            // An extra or a missing field.
            Edit::Header(i, h) => {
                let l = &mut lines[at(*i, n)];
                if h % 2 == 0 {
                    l.push_str(",1");
                } else if let Some(cut) = l.rfind(',') {
                    l.truncate(cut);
                }
            }
        }
    }
    lines.join("\n") + "\n"
}

/// What a case did, for the long-run notes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verdict {
    Refused,
    RunRefused,
    Ran,
}

/// Validates `text` (as `file`), then does what `check`, `analytic` and a
/// short `run` do. Panics are the test's business: they propagate.
fn exercise(text: &str, file: &str, replay: Option<&str>, out: &Path, charts: bool) -> Verdict {
    let mut s = match Scenario::from_toml(text, file) {
        Ok(s) => s,
        Err(e) => {
            note("refused", &e.to_string());
            return Verdict::Refused;
        }
    };
    let _ = report::describe(&s);
    for cfg in &s.strategies {
        let _ = policesim::analytic::analyse(&s, cfg);
    }
    let mut opts = RunOptions::from_scenario(&s);
    if let Some(csv) = replay {
        match parse_replay(csv.as_bytes(), "calls.csv", &s) {
            Ok(rows) => opts.replay = Some(rows),
            Err(e) => {
                note("replay refused", &e.to_string());
                return Verdict::Refused;
            }
        }
    }
    // One replication of at most a day, without warm-up, at most
    // MAX_CALLS calls per strategy.
    s.warmup_days = 0.0;
    opts.replications = 1;
    opts.days = (MAX_CALLS / s.incidents.per_day).min(1.0);
    opts.per_incident = true;
    let outcome = match experiment::run(&s, &opts, &|| {}) {
        Ok(o) => o,
        Err(e) => {
            note("run refused", &e.to_string());
            return Verdict::RunRefused;
        }
    };
    let _ = report::render_table(&s, &outcome);
    let _ = report::render_comparison(&s, &outcome);
    let written = report::write_outputs(
        out,
        &s,
        &outcome,
        replay.map(|_| "calls.csv"),
        report::ChartOptions {
            no_charts: !charts,
            png: false,
        },
    );
    check_folder(out, written.is_ok());
    note("ran", &format!("{} events", outcome.events));
    Verdict::Ran
}

/// With `POLICESIM_ROBUSTNESS_TRACE` set, prints each case's input before
/// it runs, so that a case that kills the whole process (an allocation
/// abort, the kernel's out-of-memory killer) can be found: it is the last
/// one printed.
fn trace(what: &str) {
    if std::env::var_os("POLICESIM_ROBUSTNESS_TRACE").is_some() {
        eprintln!("trace: {what}");
    }
}

/// With `POLICESIM_ROBUSTNESS_VERBOSE` set, prints what a case did (the
/// first line of its message) for the long-run notes.
fn note(what: &str, message: &str) {
    if std::env::var_os("POLICESIM_ROBUSTNESS_VERBOSE").is_some() {
        eprintln!("case {what}: {}", message.lines().next().unwrap_or(""));
    }
}

/// A written folder is whole; a failed write leaves none, and no
/// temporary sibling either way.
fn check_folder(out: &Path, ok: bool) {
    if ok {
        for f in ["summary.csv", "summary.json", "comparison.csv"] {
            assert!(out.join(f).is_file(), "{f} missing from a written folder");
        }
        std::fs::remove_dir_all(out).expect("remove the output folder");
    } else {
        assert!(!out.exists(), "a failed write left {}", out.display());
    }
    let parent = out.parent().expect("a parent");
    let left: Vec<_> = std::fs::read_dir(parent)
        .expect("list the parent")
        .map(|e| e.expect("an entry").file_name())
        .collect();
    assert!(left.is_empty(), "left beside the output folder: {left:?}");
}

/// Runs `case` on a worker thread: a panic or a hang past [`CASE_BOUND`]
/// fails the case with `what` (the mutated input).
fn bounded(
    what: String,
    case: impl FnOnce() -> Verdict + Send + 'static,
) -> Result<Verdict, TestCaseError> {
    let (tx, rx) = mpsc::channel();
    let started = Instant::now();
    std::thread::spawn(move || {
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(case));
        let _ = tx.send(r);
    });
    match rx.recv_timeout(CASE_BOUND) {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(p)) => {
            let msg = p
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            Err(TestCaseError::fail(format!(
                "panic: {msg}\n--- input ---\n{what}"
            )))
        }
        Err(_) => Err(TestCaseError::fail(format!(
            "no answer after {:?}\n--- input ---\n{what}",
            started.elapsed()
        ))),
    }
}

fn cases() -> u32 {
    std::env::var("POLICESIM_ROBUSTNESS_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(DEFAULT_CASES)
}

fn runner(salt: u8) -> TestRunner {
    let config = Config {
        cases: cases(),
        // A failing case is reported with its input; shrinking a hang
        // would take a minute a step.
        max_shrink_iters: 32,
        failure_persistence: None,
        ..Config::default()
    };
    let seed: u64 = std::env::var("POLICESIM_ROBUSTNESS_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let mut bytes = [salt; 32];
    bytes[..8].copy_from_slice(&seed.to_le_bytes());
    TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &bytes))
}

/// Tallies verdicts and prints them (seen with `--nocapture`).
struct Tally {
    counts: std::sync::Mutex<[u32; 3]>,
    started: Instant,
}

impl Tally {
    fn new() -> Self {
        Self {
            counts: std::sync::Mutex::new([0; 3]),
            started: Instant::now(),
        }
    }
    fn add(&self, v: Verdict) {
        self.counts.lock().expect("no panic holding it")[v as usize] += 1;
    }
    fn print(&self, what: &str) {
        let c = self.counts.lock().expect("no panic holding it");
        eprintln!(
            "robustness {what}: {} cases in {:.1} s: {} refused at validation, {} refused by run, {} ran and wrote their folder",
            c.iter().sum::<u32>(),
            self.started.elapsed().as_secs_f64(),
            c[0],
            c[1],
            c[2]
        );
    }
}

#[test]
fn mutated_scenarios_are_refused_or_run_never_panic_or_hang() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let tally = Tally::new();
    let counter = std::sync::atomic::AtomicU32::new(0);
    let result = runner(1).run(
        &(0..FILES.len(), prop::collection::vec(edit(), 1..=2)),
        |(f, edits)| {
            let (name, text) = FILES[f];
            let mutated = mutate_toml(text, &edits);
            let file = root.join(name).display().to_string();
            let tmp = tempfile::tempdir().expect("temp dir");
            let out = tmp.path().join("out");
            // Charts (the slowest part) for every eighth case.
            let n = counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
            let charts = n % 8 == 0;
            let what = format!("{name} with {edits:?}");
            trace(&what);
            let input = mutated.clone();
            let v = bounded(what, move || exercise(&input, &file, None, &out, charts))?;
            drop(tmp);
            tally.add(v);
            Ok(())
        },
    );
    tally.print("scenarios");
    if let Err(e) = result {
        panic!("{e}");
    }
}

#[test]
fn mutated_replay_files_are_refused_or_run_never_panic_or_hang() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let file = root
        .join("tests/data/all_strategies.toml")
        .display()
        .to_string();
    let text = FILES[5].1;
    let s = Scenario::from_toml(text, &file).expect("the test county is valid");
    let model = StreamModel::new(&s);
    let mut csv = Vec::new();
    write_replay(&mut csv, &s, Generator::new(&s, &model, s.seed, 0, 1440.0)).expect("in memory");
    let csv = String::from_utf8(csv).expect("utf-8");
    let tally = Tally::new();
    let result = runner(2).run(&prop::collection::vec(edit(), 1..=2), |edits| {
        let mutated = mutate_csv(&csv, &edits);
        let tmp = tempfile::tempdir().expect("temp dir");
        let out = tmp.path().join("out");
        trace(&format!("replay with {edits:?}"));
        let what = format!("replay with {edits:?}:\n{mutated}");
        let (text, file) = (text.to_string(), file.clone());
        let v = bounded(what, move || {
            exercise(&text, &file, Some(&mutated), &out, false)
        })?;
        drop(tmp);
        tally.add(v);
        Ok(())
    });
    tally.print("replay files");
    if let Err(e) = result {
        panic!("{e}");
    }
}

#[test]
fn the_mutations_do_what_they_say() {
    let text = "a = 1\nb = \"x\"\n# c = 2\n";
    assert_eq!(mutate_toml(text, &[Edit::Delete(3)]), "b = \"x\"\n# c = 2");
    assert_eq!(
        mutate_toml(text, &[Edit::Duplicate(1)]),
        "a = 1\nb = \"x\"\nb = \"x\"\n# c = 2"
    );
    // From the comment on line 2 the search wraps round to `a`; a number
    // gets a number (the 6th), a string a string, and every fourth edit a
    // value of any type.
    assert_eq!(
        mutate_toml(text, &[Edit::Value(2, 0, 21)]),
        "a = 1e308\nb = \"x\"\n# c = 2"
    );
    assert_eq!(
        mutate_toml(text, &[Edit::Value(1, 0, 1)]),
        "a = 1\nb = \"\"\n# c = 2"
    );
    assert_eq!(
        mutate_toml(text, &[Edit::Value(0, 0, 4)]),
        "a = \"   \"\nb = \"x\"\n# c = 2"
    );
    assert_eq!(
        mutate_toml(text, &[Edit::Header(1, 0)]),
        "a = 1\n[strategies]\nb = \"x\"\n# c = 2"
    );
    let csv = "id,call_min\n1,2\n";
    assert_eq!(
        mutate_csv(csv, &[Edit::Value(1, 1, 5)]),
        "id,call_min\n1,inf\n"
    );
    assert_eq!(mutate_csv(csv, &[Edit::Header(0, 1)]), "id\n1,2\n");
}
