//! Shared helpers: running the `policesim` binary and a small valid scenario
//! for tests to break one key at a time.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus};

/// The binary under test, built by cargo for this test target.
pub const BIN: &str = env!("CARGO_BIN_EXE_policesim");

/// Runs `policesim ARGS` in a fresh, empty working directory and returns
/// `(exit status, stdout, stderr)`.
///
/// The working directory is thrown away afterwards, so pass absolute paths;
/// a run that forgot `--out` cannot litter the repository with `out/`.
pub fn policesim<I, S>(args: I) -> (ExitStatus, String, String)
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let cwd = tempfile::tempdir().expect("create a working directory");
    let out = Command::new(BIN)
        .args(args)
        .current_dir(cwd.path())
        .output()
        .expect("start policesim");
    (
        out.status,
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Every file below `dir` (hidden ones too) as (path relative to `dir`,
/// bytes), sorted by path.
pub fn files_below(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("read an output folder") {
            let p = e.expect("read an output folder").path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let bytes = std::fs::read(&p).expect("read an output file");
                out.push((p.strip_prefix(dir).unwrap().to_path_buf(), bytes));
            }
        }
    }
    out.sort();
    out
}

/// Writes `text` to `dir/name` and returns the path.
pub fn write_file(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write test input");
    path
}

/// `text` with `from` replaced by `to`; `from` must occur exactly once, so a
/// stale pattern fails loudly instead of leaving the scenario valid.
pub fn replace_once(text: &str, from: &str, to: &str) -> String {
    assert_eq!(
        text.matches(from).count(),
        1,
        "{from:?} should occur exactly once in the scenario"
    );
    text.replacen(from, to, 1)
}

/// A small valid scenario: two stations 20 km apart, one demand point each,
/// two kinds (one needing two units), 3 units per station.
///
/// Tests assert exact line numbers, so the layout is part of the contract:
/// line 4 `warmup_days`, 9 `[travel]`, 14 `[[stations]]` (north), 16 its
/// `x_km`, 22 south's `id`, 25 its `officers`, 36 `demand[1].x_km`, 40
/// `demand[1].station`, 42 `[incidents]`, 43 `per_day`, 45 the first
/// `[[incidents.kinds]]`, 50/51 general's `on_scene`/`case_handling`, 58
/// urgent's `on_scene`, 61 `strategies.per_station.units`.
pub const SCENARIO: &str = r#"[scenario]
name = "tiny"
days = 3.0
warmup_days = 1.0
replications = 2
seed = 7
target_min = 15.0

[travel]
speed_kmh = 40.0
detour = 1.3
turnout_min = 1.0

[[stations]]
id = "north"
x_km = 0.0
y_km = 10.0
officers = 12
auxiliaries = 24

[[stations]]
id = "south"
x_km = 0.0
y_km = -10.0
officers = 13
auxiliaries = 25

[[demand]]
x_km = 1.0
y_km = 9.0
weight = 1.0
spread_km = 2.0
station = "north"

[[demand]]
x_km = 1.0
y_km = -9.0
weight = 1.0
spread_km = 2.0
station = "south"

[incidents]
per_day = 20.0

[[incidents.kinds]]
name = "general"
share = 0.75
priority = 2
units = 1
on_scene = { dist = "exponential", mean = 30.0 }
case_handling = { dist = "fixed", value = 10.0 }

[[incidents.kinds]]
name = "urgent"
share = 0.25
priority = 1
units = 2
on_scene = { dist = "lognormal", mean = 45.0, sd = 20.0 }

[strategies.per_station]
units = 3
"#;

/// A replay file that is valid for [`SCENARIO`].
pub const REPLAY: &str = "\
id,call_min,x_km,y_km,kind
1,10.0,1.0,9.0,general
2,20.0,1.0,-9.0,urgent
3,30.0,0.5,9.5,general
";
