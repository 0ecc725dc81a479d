//! Malformed scenarios and replay files are refused with one line that names
//! the file, the line and the key (or column), exit code 1, no panic and no
//! output files.

use std::path::Path;

use crate::common::{REPLAY, SCENARIO, policesim, replace_once, write_file};

/// Asserts a failed run: exit code 1 (not a signal), `error: FILE<expected>`
/// on stderr, no panic, and nothing written under `out`.
fn assert_refused(
    (status, stdout, stderr): (std::process::ExitStatus, String, String),
    file: &Path,
    expected: &str,
    out: &Path,
) -> String {
    let want = format!("error: {}{expected}", file.display());
    assert_eq!(
        status.code(),
        Some(1),
        "exit status {status}\nstdout:\n{stdout}\nstderr:\n{stderr}"
    );
    assert!(
        stderr.contains(&want),
        "stderr should contain\n  {want}\nbut is\n{stderr}"
    );
    assert!(!stderr.contains("panicked"), "panic:\n{stderr}");
    let written: Vec<_> = match std::fs::read_dir(out) {
        Ok(entries) => entries.map(|e| e.expect("list output").path()).collect(),
        Err(_) => Vec::new(),
    };
    assert!(written.is_empty(), "a refused run wrote {written:?}");
    stderr
}

/// Runs `check` and `run --out` on `text`; both must refuse it with
/// `expected` (what follows the file path, e.g. `:16: stations[0].x_km: `).
/// Returns `run`'s stderr for further checks.
fn refuses_scenario(text: &str, expected: &str) -> String {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = write_file(dir.path(), "tiny.toml", text);
    let out = dir.path().join("out");
    assert_refused(
        policesim([Path::new("check"), &file]),
        &file,
        expected,
        &out,
    );
    assert_refused(
        policesim([Path::new("run"), &file, Path::new("--out"), &out]),
        &file,
        expected,
        &out,
    )
}

/// Runs the valid scenario with `csv` as its replay file; it must be refused
/// with `expected` (what follows the CSV path, e.g. `:3: column `call_min``).
fn refuses_replay(csv: &str, expected: &str) -> String {
    let dir = tempfile::tempdir().expect("temp dir");
    let scenario = write_file(dir.path(), "tiny.toml", SCENARIO);
    let replay = write_file(dir.path(), "inc.csv", csv);
    let out = dir.path().join("out");
    let args = [
        Path::new("run"),
        &scenario,
        Path::new("--incidents"),
        &replay,
        Path::new("--out"),
        &out,
    ];
    assert_refused(policesim(args), &replay, expected, &out)
}

/// `hourly = [..]` with `n` weights of 1 and, if given, `bad` at hour 5.
fn hourly(n: usize, bad: Option<&str>) -> String {
    let mut w = vec!["1.0"; n];
    if let Some(b) = bad {
        w[5] = b;
    }
    format!("hourly = [{}]", w.join(", "))
}

#[test]
fn the_unbroken_inputs_are_valid_and_laid_out_as_documented() {
    let line = |n: usize| SCENARIO.lines().nth(n - 1).expect("line exists");
    for (n, text) in [
        (4, "warmup_days = 1.0"),
        (9, "[travel]"),
        (14, "[[stations]]"),
        (16, "x_km = 0.0"),
        (22, "id = \"south\""),
        (25, "officers = 13"),
        (36, "x_km = 1.0"),
        (40, "station = \"south\""),
        (42, "[incidents]"),
        (43, "per_day = 20.0"),
        (45, "[[incidents.kinds]]"),
        (50, "on_scene = { dist = \"exponential\", mean = 30.0 }"),
        (51, "case_handling = { dist = \"fixed\", value = 10.0 }"),
        (
            58,
            "on_scene = { dist = \"lognormal\", mean = 45.0, sd = 20.0 }",
        ),
        (60, "[strategies.per_station]"),
        (61, "units = 3"),
    ] {
        assert_eq!(line(n), text, "line {n}");
    }

    let dir = tempfile::tempdir().expect("temp dir");
    let scenario = write_file(dir.path(), "tiny.toml", SCENARIO);
    let replay = write_file(dir.path(), "inc.csv", REPLAY);
    let out = dir.path().join("out");
    let (status, _, stderr) = policesim([
        Path::new("run"),
        &scenario,
        Path::new("--incidents"),
        &replay,
        Path::new("--out"),
        &out,
        Path::new("--quiet"),
        // Every replayed call falls in the scenario's 1-day warm-up.
        Path::new("--warmup-days"),
        Path::new("0"),
    ]);
    assert!(status.success(), "{stderr}");
    assert!(!stderr.contains("warning:"), "{stderr}");
    assert!(out.join("summary.csv").is_file());
}

// ---- Scenario files: types and keys (serde) ----

#[test]
fn a_string_where_a_number_belongs_names_key_and_line() {
    let text = replace_once(
        SCENARIO,
        "x_km = 0.0\ny_km = 10.0",
        "x_km = \"zero\"\ny_km = 10.0",
    );
    refuses_scenario(
        &text,
        ":16: stations[0].x_km: expected a number, found string \"zero\"",
    );
}

#[test]
fn a_misspelt_key_is_an_error_not_ignored() {
    let text = replace_once(
        SCENARIO,
        "x_km = 1.0\ny_km = -9.0",
        "x_kmm = 1.0\ny_km = -9.0",
    );
    refuses_scenario(
        &text,
        ":36: demand[1].x_kmm: unknown field `x_kmm`, expected one of",
    );
}

#[test]
fn an_unknown_section_is_an_error() {
    let text = replace_once(SCENARIO, "[travel]", "[travell]");
    refuses_scenario(&text, ":9: travell: unknown field `travell`");
}

#[test]
fn an_unknown_strategy_section_is_an_error() {
    let text = replace_once(
        SCENARIO,
        "[strategies.per_station]",
        "[strategies.per_statoin]",
    );
    refuses_scenario(
        &text,
        ":60: strategies.per_statoin: unknown field `per_statoin`, expected one of `per_station`, `zone_cooperation`, `traffic_merged`, `efficiency`, `station_whistle`",
    );
}

#[test]
fn a_missing_required_key_names_its_table_and_the_key() {
    let text = replace_once(SCENARIO, "per_day = 20.0\n", "");
    refuses_scenario(&text, ":42: incidents: missing field `per_day`");
}

#[test]
fn invalid_toml_syntax_names_the_line() {
    let text = replace_once(SCENARIO, "speed_kmh = 40.0", "speed_kmh = 40.0 km/h");
    refuses_scenario(&text, ":10: invalid TOML: ");
}

#[test]
fn an_empty_file_asks_for_the_scenario_section() {
    refuses_scenario("", ":1: missing field `scenario`");
}

// ---- Scenario files: meaning (validation) ----

#[test]
fn demand_for_an_unknown_station_lists_the_known_ones() {
    let text = replace_once(SCENARIO, "station = \"south\"", "station = \"east\"");
    refuses_scenario(
        &text,
        ":40: demand[1].station: unknown station \"east\" (known: north, south)",
    );
}

#[test]
fn a_negative_call_rate_is_refused() {
    let text = replace_once(SCENARIO, "per_day = 20.0", "per_day = -5.0");
    refuses_scenario(
        &text,
        ":43: incidents.per_day: must be a finite number > 0, found -5",
    );
}

#[test]
fn a_zero_call_rate_is_refused() {
    let text = replace_once(SCENARIO, "per_day = 20.0", "per_day = 0.0");
    refuses_scenario(
        &text,
        ":43: incidents.per_day: must be a finite number > 0, found 0",
    );
}

#[test]
fn kind_shares_must_sum_to_one() {
    let text = replace_once(SCENARIO, "share = 0.25", "share = 0.35");
    refuses_scenario(
        &text,
        ":45: incidents.kinds: shares must sum to 1, found 1.1",
    );
}

#[test]
fn hourly_weights_need_all_24_hours() {
    let text = replace_once(
        SCENARIO,
        "per_day = 20.0\n",
        &format!("per_day = 20.0\n{}\n", hourly(23, None)),
    );
    refuses_scenario(
        &text,
        ":44: incidents.hourly: must hold 24 numbers (hours 0..23), found 23",
    );
}

#[test]
fn hourly_weights_must_not_be_negative() {
    let text = replace_once(
        SCENARIO,
        "per_day = 20.0\n",
        &format!("per_day = 20.0\n{}\n", hourly(24, Some("-1.0"))),
    );
    refuses_scenario(
        &text,
        ":44: incidents.hourly: weights must be finite and >= 0, found -1",
    );
}

#[test]
fn a_strategy_with_no_units_is_refused() {
    let text = replace_once(SCENARIO, "units = 3", "units = 0");
    refuses_scenario(
        &text,
        ":61: strategies.per_station.units: a strategy needs at least 1 unit per station, found 0",
    );
}

#[test]
fn a_negative_mean_duration_is_refused() {
    let text = replace_once(SCENARIO, "mean = 30.0", "mean = -30.0");
    refuses_scenario(
        &text,
        ":50: incidents.kinds[0].on_scene: `mean` must be a finite number >= 0, found -30",
    );
}

#[test]
fn a_negative_lognormal_sd_is_refused() {
    let text = replace_once(SCENARIO, "sd = 20.0", "sd = -20.0");
    refuses_scenario(
        &text,
        ":58: incidents.kinds[1].on_scene: `sd` must be a finite number >= 0, found -20",
    );
}

#[test]
fn uniform_bounds_out_of_order_are_refused_without_mentioning_a_mode() {
    let text = replace_once(
        SCENARIO,
        "{ dist = \"fixed\", value = 10.0 }",
        "{ dist = \"uniform\", min = 20.0, max = 5.0 }",
    );
    let stderr = refuses_scenario(
        &text,
        ":51: incidents.kinds[0].case_handling: need min <= max, found min = 20, max = 5",
    );
    assert!(!stderr.contains("mode"), "uniform has no mode:\n{stderr}");
}

#[test]
fn an_unknown_distribution_lists_the_known_ones() {
    let text = replace_once(SCENARIO, "dist = \"exponential\"", "dist = \"normal\"");
    refuses_scenario(
        &text,
        ":50: incidents.kinds[0].on_scene.dist: unknown distribution \"normal\" (use fixed, exponential,",
    );
}

#[test]
fn a_parameter_of_another_distribution_is_refused() {
    let text = replace_once(SCENARIO, "mean = 30.0 }", "mean = 30.0, sd = 5.0 }");
    refuses_scenario(
        &text,
        ":50: incidents.kinds[0].on_scene.sd: `sd` is not a parameter of \"exponential\" (it takes: mean)",
    );
}

#[test]
fn warmup_as_long_as_the_run_is_refused() {
    let text = replace_once(SCENARIO, "warmup_days = 1.0", "warmup_days = 3.0");
    refuses_scenario(
        &text,
        ":4: scenario.warmup_days: must be shorter than scenario.days (3), found 3",
    );
}

#[test]
fn a_station_placed_twice_is_refused() {
    let text = replace_once(
        SCENARIO,
        "y_km = 10.0",
        "y_km = 10.0\nlat = 30.0\nlon = 118.0",
    );
    refuses_scenario(
        &text,
        ":14: stations[0]: give the position as x_km and y_km, or as lat and lon: exactly one complete pair",
    );
}

#[test]
fn a_duplicate_station_id_is_refused() {
    let text = replace_once(SCENARIO, "id = \"south\"", "id = \"north\"");
    refuses_scenario(&text, ":22: stations[1].id: duplicate station id \"north\"");
}

#[test]
fn a_station_short_of_officers_says_which_and_by_how_many() {
    let text = replace_once(SCENARIO, "officers = 13", "officers = 2");
    refuses_scenario(
        &text,
        ":25: stations[1].officers: station \"south\" is short of 1 officer(s): \
         3 post(s) must be filled at all times, but it has 2 (strategy per_station)",
    );
}

#[test]
fn a_load_that_can_never_be_served_runs_with_a_warning_naming_the_station() {
    // North gets nearly all of 5000 calls a day; south almost none.
    let text = replace_once(SCENARIO, "per_day = 20.0", "per_day = 5000.0");
    let text = replace_once(
        &text,
        "weight = 1.0\nspread_km = 2.0\nstation = \"south\"",
        "weight = 0.001\nspread_km = 2.0\nstation = \"south\"",
    );
    let dir = tempfile::tempdir().expect("temp dir");
    let file = write_file(dir.path(), "tiny.toml", &text);
    let out = dir.path().join("out");
    let (status, _, stderr) = policesim([
        Path::new("run"),
        &file,
        Path::new("--out"),
        &out,
        Path::new("--quiet"),
    ]);
    assert!(status.success(), "{stderr}");
    assert!(out.join("summary.csv").is_file());

    let want = format!(
        "warning: {}:61: strategies.per_station.units: station \"north\" can never keep up: offered load ",
        file.display()
    );
    let at = stderr
        .find(&want)
        .unwrap_or_else(|| panic!("stderr should contain\n  {want}\nbut is\n{stderr}"));
    let rest = &stderr[at + want.len()..];
    let load: f64 = rest
        .split_whitespace()
        .next()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("a load number after {want:?}: {rest}"));
    assert!(load > 3.0, "offered load {load} should exceed 3 units");
    assert!(
        rest.lines()
            .next()
            .is_some_and(|l| l.contains("erlangs (busy unit-hours per hour) vs 3 unit(s)")),
        "{rest}"
    );
    assert!(
        !stderr.contains("\"south\""),
        "south can keep up:\n{stderr}"
    );
    assert!(!stderr.contains("error:"), "{stderr}");
}

// ---- Replay files ----

#[test]
fn a_replay_missing_a_column_is_refused() {
    refuses_replay(
        "id,call_min,x_km,kind\n1,10.0,1.0,general\n",
        ":1: missing column `y_km`",
    );
}

#[test]
fn a_replay_with_an_unknown_column_is_refused() {
    refuses_replay(
        "id,call_min,x_km,y_km,kind,weather\n1,10.0,1.0,9.0,general,rain\n",
        ":1: unknown column `weather`",
    );
}

#[test]
fn a_replay_with_a_repeated_column_is_refused_at_the_header() {
    refuses_replay(
        "id,call_min,x_km,y_km,kind,kind\n1,10.0,1.0,9.0,general,general\n",
        ":1: duplicate column `kind`",
    );
}

#[test]
fn a_non_numeric_call_time_names_its_line_and_value() {
    let csv = replace_once(REPLAY, "2,20.0,", "2,abc,");
    refuses_replay(
        &csv,
        ":3: column `call_min`: expected a number, found \"abc\"",
    );
}

#[test]
fn a_replay_kind_the_scenario_lacks_is_refused() {
    let csv = replace_once(REPLAY, "0.5,9.5,general", "0.5,9.5,burglary");
    refuses_replay(
        &csv,
        ":4: column `kind`: unknown kind \"burglary\" (the scenario has: general, urgent)",
    );
}

#[test]
fn a_duplicate_replay_id_is_refused() {
    let csv = replace_once(REPLAY, "3,30.0,", "2,30.0,");
    refuses_replay(&csv, ":4: column `id`: duplicate id 2");
}

#[test]
fn a_negative_call_time_is_refused() {
    let csv = replace_once(REPLAY, "2,20.0,", "2,-20.0,");
    refuses_replay(
        &csv,
        ":3: column `call_min`: must be a finite number >= 0, found -20",
    );
}

#[test]
fn blank_lines_do_not_shift_replay_line_numbers() {
    // Line 3 and 4 are blank; the bad row is line 6.
    let csv = replace_once(REPLAY, "\n2,20.0,", "\n\n\n2,20.0,");
    let csv = replace_once(&csv, "3,30.0,", "3,-30.0,");
    refuses_replay(
        &csv,
        ":6: column `call_min`: must be a finite number >= 0, found -30",
    );
}

#[test]
fn a_short_replay_row_names_its_line() {
    let csv = replace_once(REPLAY, "2,20.0,1.0,-9.0,urgent", "2,20.0,1.0");
    refuses_replay(&csv, ":3: expected 5 field(s) like the header, found 3");
}
