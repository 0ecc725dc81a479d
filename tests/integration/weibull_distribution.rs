//! `{ dist = "weibull" }` durations: written by mean and sd or by shape and
//! scale, run like any other, and refused with the key when they cannot be
//! sampled.

use std::path::Path;

use policesim::Scenario;

use crate::common::{SCENARIO, policesim, replace_once, write_file};

const URGENT: &str = r#"on_scene = { dist = "lognormal", mean = 45.0, sd = 20.0 }"#;

fn with_urgent(on_scene: &str) -> String {
    replace_once(SCENARIO, URGENT, &format!("on_scene = {on_scene}"))
}

#[test]
fn weibull_by_mean_and_sd_or_shape_and_scale_runs() {
    let by_moments = Scenario::from_toml(
        &with_urgent(r#"{ dist = "weibull", mean = 45.0, sd = 20.0 }"#),
        "w.toml",
    )
    .unwrap();
    let k = &by_moments.incidents.kinds[1];
    assert!((k.on_scene.mean() - 45.0).abs() < 1e-9);
    // Shape 1.5, scale 40 has mean 40 Γ(5/3) = 36.11.
    let by_shape = Scenario::from_toml(
        &with_urgent(r#"{ dist = "weibull", shape = 1.5, scale = 40.0 }"#),
        "w.toml",
    )
    .unwrap();
    assert!((by_shape.incidents.kinds[1].on_scene.mean() - 36.109_811_718).abs() < 1e-6);
    let dir = tempfile::tempdir().unwrap();
    let file = write_file(
        dir.path(),
        "w.toml",
        &with_urgent(r#"{ dist = "weibull", mean = 45.0, sd = 20.0 }"#),
    );
    let out = dir.path().join("out");
    let (status, stdout, stderr) = policesim([
        Path::new("run"),
        &file,
        Path::new("--out"),
        &out,
        Path::new("--quiet"),
        Path::new("--no-charts"),
    ]);
    assert!(status.success(), "{stderr}");
    assert!(stdout.contains("per_station"), "{stdout}");
}

#[test]
fn unsampleable_weibulls_are_refused_with_the_key() {
    let dir = tempfile::tempdir().unwrap();
    for (on_scene, expected) in [
        (
            r#"{ dist = "weibull", mean = 45.0, shape = 2.0 }"#,
            r#":58: incidents.kinds[1].on_scene: "weibull" takes `mean` and `sd`, or `shape` and `scale`: give one pair, not both"#,
        ),
        (
            r#"{ dist = "weibull", shape = 2.0 }"#,
            r#":58: incidents.kinds[1].on_scene: "weibull" needs `scale` (it takes: mean, sd; or shape, scale)"#,
        ),
        (
            r#"{ dist = "weibull", mean = 1.0, sd = 1000.0 }"#,
            ":58: incidents.kinds[1].on_scene: `sd` must be between 1.283e-6 and 430 times `mean` for a Weibull",
        ),
        (
            r#"{ dist = "weibull", mean = 1e308, sd = 1.0 }"#,
            ":58: incidents.kinds[1].on_scene: `mean` must be at most 10000000 minutes (about 19 years), found 1e308",
        ),
        (
            r#"{ dist = "weibull", mean = 30.0, sd = nan }"#,
            ":58: incidents.kinds[1].on_scene: `sd` must be a finite number >= 0, found NaN",
        ),
        (
            r#"{ dist = "weibull", shape = 0.01, scale = 30.0 }"#,
            ":58: incidents.kinds[1].on_scene: `shape` must be a number from 0.1 to 1e6, found 0.01",
        ),
        (
            r#"{ dist = "lognormal", mean = 1e-300, sd = 1e6 }"#,
            ":58: incidents.kinds[1].on_scene: `sd` is too large against `mean`",
        ),
        (
            r#"{ dist = "gamma", mean = 1e-300, sd = 1e6 }"#,
            ":58: incidents.kinds[1].on_scene: `sd` gives the gamma a shape of 0e0, which cannot be sampled",
        ),
    ] {
        let file = write_file(dir.path(), "w.toml", &with_urgent(on_scene));
        let (status, _, stderr) = policesim([Path::new("check"), &file]);
        assert_eq!(status.code(), Some(1), "{on_scene}: {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
        let want = format!("error: {}{expected}", file.display());
        assert!(stderr.contains(&want), "want {want}\ngot {stderr}");
    }
}
