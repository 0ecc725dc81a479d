//! What `check` and `run` say is meant for a planner: warnings and errors
//! name the stations, posts and keys concerned and what to change; outputs
//! use words, never the program's internal names; and the report's note on
//! sources comes from the scenario (`[scenario] sources`), not a sentence
//! that is only true of the shipped Binzhou files.

use std::path::{Path, PathBuf};

use crate::common::{SCENARIO, policesim, replace_once, write_file};

/// Runs `policesim check` on `text` saved as `dir/tiny.toml`; returns
/// `(ok, stdout, stderr)`.
fn check(dir: &Path, text: &str) -> (bool, String, String) {
    let path = write_file(dir, "tiny.toml", text);
    let (status, stdout, stderr) = policesim(["check".as_ref(), path.as_os_str()]);
    (status.success(), stdout, stderr)
}

fn shipped() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    files
}

/// Names of the program's types and values that once leaked into `check`
/// (`(MultiUnit)`, `cross-zone Never`, `units: 9 zonegroup`,
/// `secondary true`) and their relatives.
const INTERNAL: [&str; 18] = [
    "MultiUnit",
    "WhenBusy",
    "Never",
    "WhenAllBusy",
    "zonegroup",
    "ZoneGroup",
    "callin ",
    "CallIn",
    "PerStation",
    "ZoneCooperation",
    "TrafficMerged",
    "StationWhistle",
    "Pooled",
    "Some(",
    "None",
    "secondary true",
    "secondary false",
    "UnitKind",
];

#[test]
fn check_of_every_shipped_scenario_uses_words_not_internal_names() {
    let files = shipped();
    assert!(files.len() >= 5, "{files:?}");
    for file in files {
        let (status, stdout, stderr) = policesim(["check".as_ref(), file.as_os_str()]);
        assert!(status.success(), "{}: {stderr}", file.display());
        for name in INTERNAL {
            assert!(
                !stdout.contains(name),
                "{}: check prints {name:?}:\n{stdout}",
                file.display()
            );
        }
    }
    let huimin = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/huimin.toml");
    let (_, stdout, _) = policesim(["check".as_ref(), huimin.as_os_str()]);
    assert!(stdout.contains(
        "2 call-in unit(s) per station after 30 min, only for force the duty units can never supply"
    ));
    assert!(stdout.contains("help across zones never;"));
    assert!(stdout.contains("units: 9 zone group"));
    assert!(stdout.contains("units: 15 station duty, 30 call-in"));
    assert!(stdout.contains("a primary and a secondary unit go together to multi-unit incidents"));
}

#[test]
fn the_report_takes_its_note_on_sources_from_the_scenario() {
    let tmp = tempfile::tempdir().unwrap();
    let binzhou = "does not give";
    // No sources: a neutral note that points at the key.
    let plain = write_file(tmp.path(), "plain.toml", SCENARIO);
    let out = tmp.path().join("plain");
    let (status, _, stderr) = policesim([
        "run".as_ref(),
        plain.as_os_str(),
        "--quiet".as_ref(),
        "--out".as_ref(),
        out.as_os_str(),
    ]);
    assert!(status.success(), "{stderr}");
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(
        !html.contains(binzhou),
        "a user's own county has no source report"
    );
    assert!(html.contains(
        "<p class=\"note\">The scenario file does not say where its inputs come from ([scenario] sources). These results show what follows from the scenario's inputs; they are not measurements.</p>"
    ));
    let json = std::fs::read_to_string(out.join("summary.json")).unwrap();
    assert!(!json.contains("\"sources\""));

    // The scenario's own text, in the report, summary.json and check.
    let own = replace_once(
        SCENARIO,
        "seed = 7\n",
        "seed = 7\nsources = \"Staffing from the county's 2024 duty plan; call volumes & places assumed.\"\n",
    );
    let with = write_file(tmp.path(), "with.toml", &own);
    let out = tmp.path().join("with");
    let (status, _, stderr) = policesim([
        "run".as_ref(),
        with.as_os_str(),
        "--quiet".as_ref(),
        "--out".as_ref(),
        out.as_os_str(),
    ]);
    assert!(status.success(), "{stderr}");
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains(
        "<p class=\"note\">Staffing from the county's 2024 duty plan; call volumes &amp; places assumed. These results show what follows"
    ));
    assert!(!html.contains(binzhou));
    let summary: policesim::report::SummaryFile =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(
        summary.run.sources.as_deref(),
        Some("Staffing from the county's 2024 duty plan; call volumes & places assumed.")
    );
    let (ok, stdout, _) = check(tmp.path(), &own);
    assert!(ok);
    assert!(stdout.contains(
        "  sources: Staffing from the county's 2024 duty plan; call volumes & places assumed.\n"
    ));

    // Every shipped Binzhou scenario says where its inputs come from.
    for file in shipped() {
        let text = std::fs::read_to_string(&file).unwrap();
        let s = policesim::Scenario::from_toml(&text, &file.display().to_string()).unwrap();
        let sources = s.sources.unwrap_or_default();
        assert!(!sources.is_empty(), "{}: no sources", file.display());
        if file.ends_with("mmc.toml") {
            assert!(sources.contains("assumption"), "{sources}");
        } else {
            assert!(sources.contains("Binzhou Daily report"), "{sources}");
            assert!(sources.contains(binzhou), "{sources}");
        }
    }
}

#[test]
fn efficiency_with_fewer_units_than_posts_names_the_posts_without_a_unit() {
    let tmp = tempfile::tempdir().unwrap();
    let text = format!(
        "{}{}",
        SCENARIO.replace(
            "[[demand]]\nx_km = 1.0\ny_km = -9.0",
            "[[stations]]\nid = \"east\"\nx_km = 10.0\ny_km = 0.0\nofficers = 12\nauxiliaries = 24\n\n[[demand]]\nx_km = 1.0\ny_km = -9.0"
        ),
        "\n[strategies.efficiency]\nunits = 1\nposts = [\"north\", \"south\", \"east\"]\n"
    );
    let (ok, stdout, stderr) = check(tmp.path(), &text);
    assert!(ok, "{stderr}");
    assert!(
        stderr.contains(
            "strategies.efficiency.units: 1 pooled unit(s) for 3 post(s): posts \"south\", \"east\" get no unit, so their calls are always answered from another post; add units or list fewer posts (`policesim check` shows the units at each post)"
        ),
        "{stderr}"
    );
    assert!(
        stdout.contains("posts: north 1 unit(s), south none, east none"),
        "{stdout}"
    );
    // Enough units: no warning, and check shows the round-robin.
    let enough = text.replace("units = 1\nposts", "units = 4\nposts");
    let (ok, stdout, stderr) = check(tmp.path(), &enough);
    assert!(ok, "{stderr}");
    assert!(!stderr.contains("get no unit"), "{stderr}");
    assert!(
        stdout.contains("posts: north 2 unit(s), south 1 unit(s), east 1 unit(s)"),
        "{stdout}"
    );
}

#[test]
fn a_misspelt_efficiency_post_lists_the_known_stations() {
    let tmp = tempfile::tempdir().unwrap();
    let text =
        format!("{SCENARIO}\n[strategies.efficiency]\nunits = 2\nposts = [\"north\", \"suoth\"]\n");
    let (ok, _, stderr) = check(tmp.path(), &text);
    assert!(!ok);
    assert!(
        stderr.contains(
            "strategies.efficiency.posts[1]: unknown station \"suoth\" (known: north, south)"
        ),
        "{stderr}"
    );
}

const ONE_ZONE: &str = "\n[[zones]]\nid = \"z\"\nstations = [\"north\"]\nhub = \"north\"\n\n[strategies.zone_cooperation]\ngroups_per_zone = 2\n";

#[test]
fn a_station_in_no_zone_is_named_and_an_error_when_it_would_have_no_unit() {
    let tmp = tempfile::tempdir().unwrap();
    let text = format!("{SCENARIO}{ONE_ZONE}");
    let (ok, _, stderr) = check(tmp.path(), &text);
    assert!(ok, "{stderr}");
    assert!(
        stderr.contains(
            "tiny.toml:21: stations[1]: station(s) \"south\" are in no [[zones]] entry: under zone_cooperation they keep per-station response with 1 unit(s) each (outside_units_per_station); add them to a zone to share its groups"
        ),
        "{stderr}"
    );
    // The urgent kind's 2 units assemble in the zone (2 groups) but not at
    // "south": the warning says where, not that zone_cooperation never
    // assembles them (was: "can send at most 1: its force will never
    // assemble").
    assert!(
        stderr.contains(
            "tiny.toml:57: incidents.kinds[1].units: kind \"urgent\" needs up to 2 unit(s) at one incident, but zone_cooperation can send at most 1 at the station(s) in no zone (\"south\"): its force never assembles there (add them to a zone, or raise outside_units_per_station or outside_callin_units)"
        ),
        "{stderr}"
    );
    assert!(!stderr.contains("will never assemble"), "{stderr}");
    // A call-in unit there lets it assemble: no warning about the force.
    let callin = format!("{text}outside_callin_units = 1\n");
    let (ok, _, stderr) = check(tmp.path(), &callin);
    assert!(ok, "{stderr}");
    assert!(!stderr.contains("assemble"), "{stderr}");
    let none = format!("{text}outside_units_per_station = 0\n");
    let (ok, _, stderr) = check(tmp.path(), &none);
    assert!(!ok);
    assert!(
        stderr.contains(
            "strategies.zone_cooperation.outside_units_per_station: station(s) \"south\" are in no [[zones]] entry and would have no unit at all (outside_units_per_station = 0): add them to a zone or set outside_units_per_station to at least 1"
        ),
        "{stderr}"
    );
    // Not the misleading message about a force that never assembles.
    assert!(!stderr.contains("never assemble"), "{stderr}");
}

#[test]
fn counts_beyond_the_documented_limits_say_too_large_with_the_maximum() {
    let tmp = tempfile::tempdir().unwrap();
    for (from, to, want) in [
        (
            "officers = 12",
            "officers = 99999999999",
            "tiny.toml:18: stations[0].officers: too large (max 1000000), found 99999999999",
        ),
        (
            "officers = 12",
            "officers = 2147483648",
            "tiny.toml:18: stations[0].officers: too large (max 1000000), found 2147483648",
        ),
        (
            "officers = 12",
            "officers = 1000001",
            "tiny.toml:18: stations[0].officers: too large (max 1000000), found 1000001",
        ),
        (
            "auxiliaries = 24",
            "auxiliaries = 4294967296",
            "tiny.toml:19: stations[0].auxiliaries: too large (max 1000000), found 4294967296",
        ),
        (
            "officers = 13",
            "officers = 13\nunits = 10001",
            "tiny.toml:26: stations[1].units: too large (max 10000), found 10001",
        ),
    ] {
        let (ok, _, stderr) = check(tmp.path(), &replace_once(SCENARIO, from, to));
        assert!(!ok, "{to}");
        assert!(stderr.contains(want), "{to}: {stderr}");
        assert!(!stderr.contains("expected a whole number"), "{stderr}");
    }
    // Negative numbers still say what is expected.
    let (ok, _, stderr) = check(
        tmp.path(),
        &replace_once(SCENARIO, "officers = 12", "officers = -1"),
    );
    assert!(!ok);
    assert!(
        stderr.contains("stations[0].officers: expected a whole number >= 0, found integer `-1`"),
        "{stderr}"
    );
    // A big station within the limits is fine.
    let (ok, _, stderr) = check(
        tmp.path(),
        &replace_once(SCENARIO, "officers = 12", "officers = 900000"),
    );
    assert!(ok, "{stderr}");
}

#[test]
fn a_blank_station_name_and_an_empty_roles_list_are_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let (ok, _, stderr) = check(
        tmp.path(),
        &replace_once(
            SCENARIO,
            "id = \"south\"\n",
            "id = \"south\"\nname = \"   \"\n",
        ),
    );
    assert!(!ok);
    assert!(
        stderr.contains(
            "tiny.toml:23: stations[1].name: must not be blank (leave name out to use the id \"south\"), found \"   \""
        ),
        "{stderr}"
    );
    let whistle = format!(
        "{SCENARIO}\n[[specialist_units]]\nid = \"patrol-1\"\nrole = \"patrol\"\nx_km = 0.0\ny_km = 0.0\n\n[strategies.station_whistle]\nunits = 3\nroles = []\n"
    );
    let (ok, _, stderr) = check(tmp.path(), &whistle);
    assert!(!ok);
    assert!(
        stderr.contains(
            "strategies.station_whistle.roles: is empty, so no specialist unit could ever be summoned: list roles (the file has: patrol) or leave roles out for all"
        ),
        "{stderr}"
    );
}

#[test]
fn a_stray_strategies_header_is_a_warning_naming_its_line() {
    let tmp = tempfile::tempdir().unwrap();
    // Line 42 is `[incidents]`: the stray header goes just before it.
    let stray = replace_once(SCENARIO, "[incidents]\n", "[strategies]\n[incidents]\n");
    let (ok, _, stderr) = check(tmp.path(), &stray);
    assert!(ok, "{stderr}");
    assert!(
        stderr.contains(
            "tiny.toml:42: strategies: a [strategies] line with nothing under it before [incidents]: remove it (strategies are sections such as [strategies.per_station])"
        ),
        "{stderr}"
    );
    let (ok, _, stderr) = check(tmp.path(), SCENARIO);
    assert!(ok);
    assert!(!stderr.contains("[strategies]"), "{stderr}");
    // Keys written under [strategies] as inline tables are not stray.
    let inline = replace_once(
        SCENARIO,
        "[strategies.per_station]\nunits = 3\n",
        "[strategies]\nper_station = { units = 3 }\n",
    );
    let (ok, _, stderr) = check(tmp.path(), &inline);
    assert!(ok, "{stderr}");
    assert!(!stderr.contains("[strategies]"), "{stderr}");
}

#[test]
fn unknown_kinds_zones_and_roles_list_the_known_ones() {
    let tmp = tempfile::tempdir().unwrap();
    let zones = format!(
        "{SCENARIO}\n[[zones]]\nid = \"z\"\nstations = [\"north\", \"south\"]\nhub = \"north\"\n\n[strategies.zone_cooperation]\ngroups_per_zone = 2\nsaturation_kinds = [\"urgnet\"]\n\n[[strategies.zone_cooperation.mobile_standby]]\nhours = [18]\nposts = [{{ zone = \"zz\", x_km = 0.0, y_km = 0.0 }}]\n"
    );
    let (ok, _, stderr) = check(tmp.path(), &zones);
    assert!(!ok);
    assert!(
        stderr.contains(
            "strategies.zone_cooperation.saturation_kinds[0]: unknown incident kind \"urgnet\" (known: general, urgent)"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains("unknown zone \"zz\" (known: z)"),
        "{stderr}"
    );
    let whistle = format!(
        "{SCENARIO}\n[[specialist_units]]\nid = \"patrol-1\"\nrole = \"patrol\"\nx_km = 0.0\ny_km = 0.0\n\n[strategies.station_whistle]\nunits = 3\nroles = [\"partol\"]\n"
    );
    let (ok, _, stderr) = check(tmp.path(), &whistle);
    assert!(!ok);
    assert!(
        stderr.contains(
            "strategies.station_whistle.roles[0]: no [[specialist_units]] entry has role \"partol\" (the file has: patrol)"
        ),
        "{stderr}"
    );
}
