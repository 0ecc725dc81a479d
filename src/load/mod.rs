//! Loading a scenario: from the file's text to a validated [`Scenario`].
//!
//! [`crate::scenario`] holds the scenario's data and its raw serde mirror;
//! this module reads and checks them ([`Scenario::load`],
//! [`Scenario::from_toml`] and their `--set` forms). It sits above
//! [`crate::strategy`] because validation reads each strategy's settings
//! and checks the staffing plan it fields, and attaches the road network's
//! tables once every base of every plan is known.

mod network;
mod validate;

use std::path::Path;

use crate::scenario::{Scenario, ScenarioError, overrides};

impl Scenario {
    /// Reads and validates a scenario file.
    pub fn load(path: impl AsRef<Path>) -> Result<Self, ScenarioError> {
        let path = path.as_ref();
        let file = path.display().to_string();
        let src = std::fs::read_to_string(path).map_err(|source| ScenarioError::Io {
            file: file.clone(),
            source,
        })?;
        Self::from_toml(&src, &file)
    }

    /// Validates scenario text; `file` labels diagnostics.
    ///
    /// ```
    /// let text = r#"
    /// [scenario]
    /// name = "tiny"
    /// days = 2
    /// [[stations]]
    /// id = "a"
    /// x_km = 0.0
    /// y_km = 0.0
    /// officers = 4
    /// auxiliaries = 8
    /// [[demand]]
    /// x_km = 1.0
    /// y_km = 0.0
    /// weight = 1.0
    /// [incidents]
    /// per_day = 10.0
    /// [[incidents.kinds]]
    /// name = "general"
    /// share = 1.0
    /// on_scene = { dist = "exponential", mean = 30.0 }
    /// [strategies.per_station]
    /// units = 1
    /// "#;
    /// let s = policesim::Scenario::from_toml(text, "tiny.toml").unwrap();
    /// assert_eq!(s.stations[0].id, "a");
    ///
    /// let bad = text.replace("x_km = 1.0", "x_km = \"abc\"");
    /// let err = policesim::Scenario::from_toml(&bad, "tiny.toml").unwrap_err();
    /// assert!(err.to_string().starts_with("tiny.toml:12: demand[0].x_km: expected a number"));
    /// ```
    pub fn from_toml(src: &str, file: &str) -> Result<Self, ScenarioError> {
        validate::parse_and_validate(src, file)
    }

    /// Reads and validates a scenario file with `--set` overrides applied
    /// (see [`crate::scenario::overrides`]).
    pub fn load_with(
        path: impl AsRef<Path>,
        overrides: &[overrides::Override],
    ) -> Result<Self, ScenarioError> {
        let path = path.as_ref();
        let file = path.display().to_string();
        let src = std::fs::read_to_string(path).map_err(|source| ScenarioError::Io {
            file: file.clone(),
            source,
        })?;
        Self::from_toml_with(&src, &file, overrides)
    }

    /// Validates scenario text with `--set` overrides applied, exactly as
    /// if they had been written in it; a problem with an overridden key
    /// names the override (`--set stations[*].units=0: stations[1].units:
    /// ...`). Without overrides this is [`Scenario::from_toml`].
    pub fn from_toml_with(
        src: &str,
        file: &str,
        overrides: &[overrides::Override],
    ) -> Result<Self, ScenarioError> {
        validate::parse_and_validate_with(src, file, overrides)
    }
}
