//! The scenario file exactly as written: a serde mirror of the TOML.
//!
//! Every struct denies unknown keys so a typo is an error, not a silently
//! ignored setting. Defaults live here; meaning and cross-checks live in
//! [`super::validate`].

use serde::Deserialize;

/// The whole scenario file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawScenario {
    /// `[scenario]`: run settings.
    pub scenario: RawMeta,
    /// `[map]`: optional projection centre for lat/lon points.
    #[serde(default)]
    pub map: RawMap,
    /// `[travel]`: the travel-time model.
    #[serde(default)]
    pub travel: RawTravel,
    /// `[dispatch]`: call-centre delays.
    #[serde(default)]
    pub dispatch: RawDispatch,
    /// `[[stations]]`.
    #[serde(default)]
    pub stations: Vec<RawStation>,
    /// `[[demand]]`: where incidents happen.
    #[serde(default)]
    pub demand: Vec<RawDemand>,
    /// `[incidents]`: the incident stream.
    pub incidents: RawIncidents,
    /// `[strategies.*]`: the organisation models to compare.
    #[serde(default)]
    pub strategies: RawStrategies,
}

/// `[scenario]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawMeta {
    /// Short name; also names the default output directory.
    pub name: String,
    /// One paragraph for the report.
    #[serde(default)]
    pub description: String,
    /// Simulated days per replication.
    pub days: f64,
    /// Days discarded from statistics at the start of each replication.
    #[serde(default)]
    pub warmup_days: f64,
    /// Independent replications.
    #[serde(default = "default_replications")]
    pub replications: u32,
    /// Seed of every random stream.
    #[serde(default = "default_seed")]
    pub seed: u64,
    /// Response-time target, minutes.
    #[serde(default = "default_target")]
    pub target_min: f64,
    /// Strategy the others are compared against.
    pub baseline: Option<String>,
}

fn default_replications() -> u32 {
    10
}
fn default_seed() -> u64 {
    1
}
fn default_target() -> f64 {
    15.0
}

/// `[map]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawMap {
    /// Latitude of the projection centre, degrees (default: mean of all lat/lon points).
    pub centre_lat: Option<f64>,
    /// Longitude of the projection centre, degrees.
    pub centre_lon: Option<f64>,
}

/// `[travel]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTravel {
    /// Average speed, km/h.
    #[serde(default = "default_speed")]
    pub speed_kmh: f64,
    /// Road / straight-line distance.
    #[serde(default = "default_detour")]
    pub detour: f64,
    /// Dispatch to wheels rolling, minutes.
    #[serde(default)]
    pub turnout_min: f64,
}

fn default_speed() -> f64 {
    40.0
}
fn default_detour() -> f64 {
    1.3
}

impl Default for RawTravel {
    fn default() -> Self {
        Self {
            speed_kmh: default_speed(),
            detour: default_detour(),
            turnout_min: 0.0,
        }
    }
}

/// `[dispatch]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDispatch {
    /// Call taking before a call can be dispatched, minutes.
    #[serde(default)]
    pub call_processing_min: f64,
    /// Hand-off from the call centre to the station, minutes.
    #[serde(default)]
    pub handoff_min: f64,
}

/// `[[stations]]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawStation {
    /// Unique id used by references.
    pub id: String,
    /// Display name.
    pub name: Option<String>,
    /// km east of origin.
    pub x_km: Option<f64>,
    /// km north of origin.
    pub y_km: Option<f64>,
    /// Latitude, degrees.
    pub lat: Option<f64>,
    /// Longitude, degrees.
    pub lon: Option<f64>,
    /// Sworn officers at the station.
    pub officers: u32,
    /// Auxiliary police at the station.
    #[serde(default)]
    pub auxiliaries: u32,
}

/// `[[demand]]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDemand {
    /// Display name.
    pub name: Option<String>,
    /// km east of origin.
    pub x_km: Option<f64>,
    /// km north of origin.
    pub y_km: Option<f64>,
    /// Latitude, degrees.
    pub lat: Option<f64>,
    /// Longitude, degrees.
    pub lon: Option<f64>,
    /// Relative call volume.
    pub weight: f64,
    /// Radius of the disc incidents scatter in, km.
    #[serde(default)]
    pub spread_km: f64,
    /// Station whose jurisdiction this is (default: nearest).
    pub station: Option<String>,
}

/// `[incidents]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawIncidents {
    /// Mean calls per day.
    pub per_day: f64,
    /// 24 relative weights, hour 0 first.
    pub hourly: Option<Vec<f64>>,
    /// Incident kinds.
    #[serde(default)]
    pub kinds: Vec<RawKind>,
}

/// `[[incidents.kinds]]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawKind {
    /// Unique name.
    pub name: String,
    /// Share of all calls.
    pub share: f64,
    /// Smaller = more urgent.
    #[serde(default = "default_priority")]
    pub priority: u32,
    /// Response units needed.
    #[serde(default = "default_units")]
    pub units: u32,
    /// Time each unit spends on scene.
    pub on_scene: RawDist,
    /// Follow-up work at base by the first unit.
    pub case_handling: Option<RawDist>,
}

fn default_priority() -> u32 {
    1
}
fn default_units() -> u32 {
    1
}

/// A distribution as written: `{ dist = "...", <parameters> }`.
///
/// Flat rather than an internally tagged enum so that a missing or misplaced
/// parameter gets a message naming it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDist {
    /// fixed | exponential | lognormal | gamma | uniform | triangular | empirical.
    pub dist: String,
    /// `fixed`.
    pub value: Option<f64>,
    /// `exponential`, `lognormal`, `gamma`.
    pub mean: Option<f64>,
    /// `lognormal`, `gamma`.
    pub sd: Option<f64>,
    /// `uniform`, `triangular`.
    pub min: Option<f64>,
    /// `triangular`.
    pub mode: Option<f64>,
    /// `uniform`, `triangular`.
    pub max: Option<f64>,
    /// `empirical`.
    pub values: Option<Vec<f64>>,
}

/// `[strategies]`: one optional section per organisation model.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawStrategies {
    /// `[strategies.per_station]`.
    pub per_station: Option<RawPerStation>,
}

/// A response crew.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCrew {
    /// Officers per unit.
    pub officers: u32,
    /// Auxiliaries per unit.
    #[serde(default)]
    pub auxiliaries: u32,
}

/// `[strategies.per_station]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPerStation {
    /// Units on duty at each station at all times.
    pub units: u32,
    /// Crew of each unit (default 1 officer + 2 auxiliaries).
    pub crew: Option<RawCrew>,
}
