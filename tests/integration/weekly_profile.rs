//! `[incidents] weekly` and `[scenario] start_weekday`: calls per weekday
//! follow the profile, counted from the start weekday, and bad profiles are
//! refused with the key and line.

use std::path::Path;

use policesim::Scenario;
use policesim::incidents::{Generator, StreamModel};
use policesim::scenario::Weekday;

use crate::common::{SCENARIO, policesim, replace_once, write_file};

/// [`SCENARIO`] with a weekly profile and a start weekday.
fn weekly(weights: &str, start: &str) -> String {
    let s = replace_once(
        SCENARIO,
        "per_day = 20.0\n",
        &format!("per_day = 20.0\nweekly = {weights}\n"),
    );
    replace_once(
        &s,
        "seed = 7\n",
        &format!("seed = 7\nstart_weekday = {start:?}\n"),
    )
}

#[test]
fn calls_per_weekday_follow_the_profile_from_the_start_weekday() {
    // A busy weekend, a quiet Sunday; the run starts on a Friday.
    let w = [1.0, 1.0, 1.0, 1.0, 1.5, 2.0, 0.5];
    let s = Scenario::from_toml(
        &weekly("[1, 1, 1, 1, 1.5, 2, 0.5]", "friday"),
        "weekly.toml",
    )
    .unwrap();
    let model = StreamModel::new(&s);
    let weeks = 500;
    let mut per_weekday = [0.0_f64; 7];
    let mut hour_of_day = [0.0_f64; 24];
    for rep in 0..2 {
        for inc in Generator::new(&s, &model, 11, rep, weeks as f64 * 7.0 * 1440.0) {
            let day = (inc.call_min / 1440.0) as usize;
            // Day 0 is a Friday.
            per_weekday[Weekday::Friday.plus(day).index()] += 1.0;
            hour_of_day[((inc.call_min % 1440.0) / 60.0) as usize] += 1.0;
        }
    }
    let days_each = 2.0 * weeks as f64;
    let sum: f64 = w.iter().sum();
    for d in Weekday::ALL {
        // Expected count: 20 a day × 7 w[d] / sum(w) on each of 1000 such
        // days; Poisson, so 4 standard deviations (sqrt of the mean) is the
        // tolerance: 0.6 % to 1.1 % of the counts here.
        let expected = days_each * 20.0 * 7.0 * w[d.index()] / sum;
        let got = per_weekday[d.index()];
        assert!(
            (got - expected).abs() < 4.0 * expected.sqrt(),
            "{d}: {got} calls, expected {expected:.0}"
        );
    }
    // Without an hourly profile every hour of the day is alike.
    let total: f64 = hour_of_day.iter().sum();
    for (h, n) in hour_of_day.iter().enumerate() {
        let expected = total / 24.0;
        assert!(
            (n - expected).abs() < 4.0 * expected.sqrt(),
            "hour {h}: {n}"
        );
    }
    // per_day stays the mean over the week.
    let mean = total / (2.0 * weeks as f64 * 7.0);
    assert!((mean - 20.0).abs() < 4.0 * (20.0 / (2.0 * weeks as f64 * 7.0)).sqrt());
}

#[test]
fn the_start_weekday_shifts_the_profile() {
    // Calls only on Sundays: starting on a Saturday, day 0 has none and
    // day 1 has them all; starting on a Sunday, day 0 has them.
    let count_days = |start: &str| {
        let s = Scenario::from_toml(&weekly("[0, 0, 0, 0, 0, 0, 1]", start), "w.toml").unwrap();
        let model = StreamModel::new(&s);
        let mut days = [0u32; 14];
        for inc in Generator::new(&s, &model, 5, 0, 14.0 * 1440.0) {
            days[(inc.call_min / 1440.0) as usize] += 1;
        }
        days
    };
    let sat = count_days("saturday");
    assert!(sat[1] > 0 && sat[8] > 0, "{sat:?}");
    assert_eq!(sat.iter().sum::<u32>(), sat[1] + sat[8], "{sat:?}");
    let sun = count_days("Sunday");
    assert!(sun[0] > 0 && sun[7] > 0, "{sun:?}");
    assert_eq!(sun.iter().sum::<u32>(), sun[0] + sun[7], "{sun:?}");
    // 20 a day over the week is 140 on the one open day.
    assert!((100..190).contains(&sun[0]), "{sun:?}");
}

#[test]
fn bad_weekly_profiles_and_weekdays_are_refused_with_the_key() {
    let dir = tempfile::tempdir().unwrap();
    for (text, expected) in [
        (
            weekly("[1, 1, 1, 1, 1, 1]", "monday"),
            ":45: incidents.weekly: must hold 7 numbers (Monday first), found 6",
        ),
        (
            weekly("[1, 1, 1, 1, 1, 1, -1]", "monday"),
            ":45: incidents.weekly: weights must be finite and >= 0, found -1",
        ),
        (
            weekly("[1, 1, nan, 1, 1, 1, 1]", "monday"),
            ":45: incidents.weekly: weights must be finite and >= 0, found NaN",
        ),
        (
            weekly("[0, 0, 0, 0, 0, 0, 0]", "monday"),
            ":45: incidents.weekly: at least one of the 7 weights must be > 0",
        ),
        (
            weekly("[1e308, 1e308, 1, 1, 1, 1, 1]", "monday"),
            ":45: incidents.weekly: the weights' sum must be finite",
        ),
        (
            weekly("[1, 1, 1, 1, 1, 1, 1]", "someday"),
            ":7: scenario.start_weekday: must be a day of the week (monday, tuesday, ... sunday), found \"someday\"",
        ),
    ] {
        let file = write_file(dir.path(), "w.toml", &text);
        let (status, _, stderr) = policesim([Path::new("check"), &file]);
        assert_eq!(status.code(), Some(1), "{stderr}");
        let want = format!("error: {}{expected}", file.display());
        assert!(stderr.contains(&want), "want {want}\ngot {stderr}");
    }
}

#[test]
fn check_prints_the_weekly_profile() {
    let dir = tempfile::tempdir().unwrap();
    let file = write_file(
        dir.path(),
        "w.toml",
        &weekly("[1, 1, 1, 1, 1, 2, 1]", "tue"),
    );
    let (status, stdout, stderr) = policesim([Path::new("check"), &file]);
    assert!(status.success(), "{stderr}");
    assert!(
        stdout.contains(
            "weekly profile (calls relative to the mean day): Mon 0.88, Tue 0.88, Wed 0.88, Thu 0.88, Fri 0.88, Sat 1.75, Sun 0.88; day 0 is a tuesday"
        ),
        "{stdout}"
    );
}
