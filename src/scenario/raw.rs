//! The scenario file exactly as written: a serde mirror of the TOML.
//!
//! Every struct denies unknown keys so a typo is an error, not a silently
//! ignored setting. Defaults live here; meaning and cross-checks live in
//! the validation step (`scenario::Scenario::from_toml`).

use serde::{Deserialize, Serialize};

/// The whole scenario file.
#[derive(Debug, Clone, Deserialize, Serialize)]
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
    /// `[roster]`: shift pattern of everybody on duty.
    #[serde(default)]
    pub roster: RawRoster,
    /// `[[zones]]`: cooperation zones (警务协作区).
    #[serde(default)]
    pub zones: Vec<RawZone>,
    /// `[[traffic_squads]]`: traffic police units (交警中队).
    #[serde(default)]
    pub traffic_squads: Vec<RawSquad>,
    /// `[[specialist_units]]`: patrol, traffic, criminal-investigation units a station can summon.
    #[serde(default)]
    pub specialist_units: Vec<RawSpecialist>,
    /// `[strategies.*]`: the organisation models to compare.
    #[serde(default)]
    pub strategies: RawStrategies,
    /// `[replay]`: how to read a call log given with `--incidents`.
    pub replay: Option<RawReplay>,
}

/// `[replay]`: the layout of a call log (110 / CAD export).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawReplay {
    /// A public calls-for-service layout: `"cincinnati"`, `"san_francisco"`
    /// or `"new_orleans"`.
    pub preset: Option<String>,
    /// Role → column header (overrides the preset's).
    #[serde(default)]
    pub columns: std::collections::BTreeMap<String, String>,
    /// strftime-style format of every timestamp (default: ISO 8601 and others).
    pub time_format: Option<String>,
    /// Timestamp of minute 0 (default: local midnight before the first call).
    pub start: Option<String>,
    /// `"utf-8"` (default) or `"gb18030"` (also reads GBK).
    pub encoding: Option<String>,
    /// Value of the kind column → scenario kind name.
    #[serde(default)]
    pub kinds: std::collections::BTreeMap<String, String>,
    /// Scenario kind of values `kinds` does not list.
    pub default_kind: Option<String>,
    /// Datum of the log's latitudes and longitudes (default `"gcj02"`).
    pub datum: Option<crate::map::Datum>,
    /// Strategy whose run the backtest compares with the log (default: the baseline).
    pub observed_strategy: Option<String>,
}

/// `[scenario]`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawMeta {
    /// Short name; also names the default output directory.
    pub name: String,
    /// One paragraph for the report.
    #[serde(default)]
    pub description: String,
    /// Where the scenario's inputs come from, for the report's note on
    /// sources and assumptions.
    pub sources: Option<String>,
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
    /// Day of the week of minute 0 (`"monday"` .. `"sunday"`).
    #[serde(default = "default_weekday")]
    pub start_weekday: String,
}

fn default_weekday() -> String {
    "monday".into()
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
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawMap {
    /// Latitude of the projection centre, degrees (default: mean of all lat/lon points).
    pub centre_lat: Option<f64>,
    /// Longitude of the projection centre, degrees.
    pub centre_lon: Option<f64>,
    /// Datum of every lat/lon in the scenario and its boundary file.
    #[serde(default)]
    pub datum: crate::map::Datum,
    /// County outline: a GeoJSON file, relative to the scenario file.
    pub boundary: Option<String>,
    /// Which feature of the boundary file: matched against every string
    /// property, or against `adcode`.
    pub boundary_feature: Option<String>,
}

/// `[travel]`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawTravel {
    /// Average speed, km/h (straight-line model; default 40).
    pub speed_kmh: Option<f64>,
    /// Road / straight-line distance (straight-line model; default 1.3).
    pub detour: Option<f64>,
    /// Dispatch to wheels rolling, minutes.
    #[serde(default)]
    pub turnout_min: f64,
    /// Road network file (GeoJSON or `.osm.pbf`), relative to the scenario file.
    pub network: Option<String>,
    /// Datum of the network's coordinates (default: the scenario's `[map] datum`).
    pub network_datum: Option<crate::map::Datum>,
    /// Speed of the straight legs between a point and its road node, km/h (default 20).
    pub access_speed_kmh: Option<f64>,
    /// `[travel.speeds]`: km/h of each road class (0: not driven on).
    #[serde(default)]
    pub speeds: std::collections::BTreeMap<String, f64>,
}

/// Default `[travel] speed_kmh`.
pub const DEFAULT_SPEED_KMH: f64 = 40.0;
/// Default `[travel] detour`.
pub const DEFAULT_DETOUR: f64 = 1.3;

/// `[dispatch]`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
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
#[derive(Debug, Clone, Deserialize, Serialize)]
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
    /// Duty units at this station under the per-station models (overrides
    /// the strategy's `units` for this station).
    pub units: Option<u32>,
}

/// `[[demand]]`.
#[derive(Debug, Clone, Deserialize, Serialize)]
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
    /// `"boundary"`: spread the calls uniformly over the county outline
    /// instead of around a position.
    pub area: Option<String>,
    /// Response target for calls from this point, minutes (default:
    /// `[scenario] target_min`).
    pub target_min: Option<f64>,
}

/// `[incidents]`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawIncidents {
    /// Mean calls per day.
    pub per_day: f64,
    /// 24 relative weights, hour 0 first.
    pub hourly: Option<Vec<f64>>,
    /// 7 relative weights, Monday first.
    pub weekly: Option<Vec<f64>>,
    /// Incident kinds.
    #[serde(default)]
    pub kinds: Vec<RawKind>,
}

/// `[[incidents.kinds]]`.
#[derive(Debug, Clone, Deserialize, Serialize)]
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
    /// Road accident: answered by the traffic squad unless stations are merged with it.
    #[serde(default)]
    pub traffic: bool,
    /// Tiered backup: with probability `prob` the first unit on scene calls `units` more.
    pub escalation: Option<RawEscalation>,
}

/// `escalation = { prob, units }`.
#[derive(Debug, Clone, Copy, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawEscalation {
    /// Probability that the first unit on scene calls for backup.
    pub prob: f64,
    /// Extra units it calls.
    pub units: u32,
}

/// `[roster]`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawRoster {
    /// Length of a duty shift, hours: 24, 12 or 8.
    #[serde(default = "default_shift_hours")]
    pub shift_hours: u32,
    /// Hour the night starts (for the night-duty share).
    #[serde(default = "default_night_start")]
    pub night_start_hour: u32,
    /// Hour the night ends.
    #[serde(default = "default_night_end")]
    pub night_end_hour: u32,
}

fn default_shift_hours() -> u32 {
    24
}
fn default_night_start() -> u32 {
    22
}
fn default_night_end() -> u32 {
    6
}

impl Default for RawRoster {
    fn default() -> Self {
        Self {
            shift_hours: default_shift_hours(),
            night_start_hour: default_night_start(),
            night_end_hour: default_night_end(),
        }
    }
}

/// `[[zones]]`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawZone {
    /// Unique id.
    pub id: String,
    /// Display name.
    pub name: Option<String>,
    /// Member station ids (4-5 adjacent stations in the report).
    pub stations: Vec<String>,
    /// The central station (中心所) where the zone's groups stand by.
    pub hub: String,
    /// Response groups of this zone (overrides `groups_per_zone`).
    pub groups: Option<u32>,
}

/// A circle on the map: `{ x_km, y_km, radius_km }` or `{ lat, lon, radius_km }`.
#[derive(Debug, Clone, Copy, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawArea {
    /// km east of origin.
    pub x_km: Option<f64>,
    /// km north of origin.
    pub y_km: Option<f64>,
    /// Latitude, degrees.
    pub lat: Option<f64>,
    /// Longitude, degrees.
    pub lon: Option<f64>,
    /// Radius, km.
    pub radius_km: f64,
}

/// `[[traffic_squads]]`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawSquad {
    /// Unique id.
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
    /// Units on duty at all times.
    pub units: u32,
    /// Crew of each unit (default 1 officer + 1 auxiliary).
    pub crew: Option<RawCrew>,
    /// Officers in the squad (default: 4 per officer post, a 4-shift rotation).
    pub officers: Option<u32>,
    /// Auxiliaries in the squad (default: 4 per auxiliary post).
    pub auxiliaries: Option<u32>,
    /// The urban area the squad keeps after stations are merged with it.
    pub urban: Option<RawArea>,
}

/// `[[specialist_units]]`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawSpecialist {
    /// Unique id.
    pub id: String,
    /// km east of origin.
    pub x_km: Option<f64>,
    /// km north of origin.
    pub y_km: Option<f64>,
    /// Latitude, degrees.
    pub lat: Option<f64>,
    /// Longitude, degrees.
    pub lon: Option<f64>,
    /// What it is: "patrol", "traffic", "criminal", ...
    pub role: String,
    /// Crew (default 1 officer + 1 auxiliary).
    pub crew: Option<RawCrew>,
    /// Officers rotating through it (default 4 per officer post).
    pub officers: Option<u32>,
    /// Auxiliaries rotating through it (default 4 per auxiliary post).
    pub auxiliaries: Option<u32>,
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
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawDist {
    /// fixed | exponential | lognormal | gamma | weibull | uniform | triangular | empirical.
    pub dist: String,
    /// `fixed`.
    pub value: Option<f64>,
    /// `exponential`, `lognormal`, `gamma`, `weibull`.
    pub mean: Option<f64>,
    /// `lognormal`, `gamma`, `weibull`.
    pub sd: Option<f64>,
    /// `weibull` (instead of `mean` and `sd`).
    pub shape: Option<f64>,
    /// `weibull` (instead of `mean` and `sd`), minutes.
    pub scale: Option<f64>,
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
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawStrategies {
    /// `[strategies.per_station]`.
    pub per_station: Option<RawPerStation>,
    /// `[strategies.zone_cooperation]`.
    pub zone_cooperation: Option<RawZoneCooperation>,
    /// `[strategies.traffic_merged]`.
    pub traffic_merged: Option<RawTrafficMerged>,
    /// `[strategies.efficiency]`.
    pub efficiency: Option<RawEfficiency>,
    /// `[strategies.station_whistle]`.
    pub station_whistle: Option<RawStationWhistle>,
}

/// A response crew.
#[derive(Debug, Clone, Copy, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawCrew {
    /// Officers per unit.
    pub officers: u32,
    /// Auxiliaries per unit.
    #[serde(default)]
    pub auxiliaries: u32,
}

/// `[strategies.per_station]`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawPerStation {
    /// Units on duty at each station at all times.
    pub units: u32,
    /// Crew of each unit (default 1 officer + 2 auxiliaries).
    pub crew: Option<RawCrew>,
    /// Call-in units formed from off-duty people, per station (default 0).
    #[serde(default)]
    pub callin_units: u32,
    /// Minutes for off-duty people to be reached and turn out.
    #[serde(default = "default_callin_delay")]
    pub callin_delay_min: f64,
    /// "multi_unit" (only for force the duty team cannot supply) or "when_busy".
    #[serde(default = "default_callin_when")]
    pub callin_when: String,
    /// Shift length override, hours.
    pub shift_hours: Option<u32>,
}

fn default_callin_delay() -> f64 {
    30.0
}
fn default_callin_when() -> String {
    "multi_unit".into()
}

/// A standby post: `{ zone, x_km, y_km }` or `{ zone, lat, lon }`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawPost {
    /// Zone id whose groups stand by here.
    pub zone: String,
    /// km east of origin.
    pub x_km: Option<f64>,
    /// km north of origin.
    pub y_km: Option<f64>,
    /// Latitude, degrees.
    pub lat: Option<f64>,
    /// Longitude, degrees.
    pub lon: Option<f64>,
}

/// `[[strategies.zone_cooperation.mobile_standby]]`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawMobileStandby {
    /// Hours of the day (0..23) when free groups wait at the posts.
    pub hours: Vec<u32>,
    /// Posts (hot spots).
    pub posts: Vec<RawPost>,
}

/// `[strategies.zone_cooperation]`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawZoneCooperation {
    /// Response groups standing by in each zone.
    #[serde(default = "default_groups")]
    pub groups_per_zone: u32,
    /// Crew of a group (default 1 officer + 4 auxiliaries).
    pub crew: Option<RawCrew>,
    /// Officers on desk duty at every station, not responding.
    #[serde(default = "default_desk")]
    pub desk_officers_per_station: u32,
    /// "never" or "when_all_busy".
    #[serde(default = "default_cross_zone")]
    pub cross_zone: String,
    /// Kinds dispatched by saturation (every free group at once).
    #[serde(default)]
    pub saturation_kinds: Vec<String>,
    /// Most groups a saturation dispatch sends (default: groups_per_zone).
    pub saturation_max_groups: Option<u32>,
    /// Standby on the move at peak hours.
    #[serde(default)]
    pub mobile_standby: Vec<RawMobileStandby>,
    /// Units at each station outside every zone (they answer their own jurisdiction).
    #[serde(default = "default_outside_units")]
    pub outside_units_per_station: u32,
    /// Crew of the units outside every zone (default 1 officer + 2 auxiliaries).
    pub outside_crew: Option<RawCrew>,
    /// Call-in units at each station outside every zone (for multi-unit incidents).
    #[serde(default)]
    pub outside_callin_units: u32,
    /// Minutes until their called-in people can turn out.
    #[serde(default = "default_callin_delay")]
    pub outside_callin_delay_min: f64,
    /// Shift length override, hours.
    pub shift_hours: Option<u32>,
}

fn default_groups() -> u32 {
    3
}
fn default_desk() -> u32 {
    1
}
fn default_cross_zone() -> String {
    "never".into()
}
fn default_outside_units() -> u32 {
    1
}

/// `[strategies.traffic_merged]`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawTrafficMerged {
    /// "per_station" or "zone_cooperation": the model it is built on.
    #[serde(default = "default_merged_base")]
    pub base: String,
    /// Units the merge adds at every station, staffed by former squad people.
    #[serde(default)]
    pub extra_units_per_station: u32,
    /// Multiplies the traffic-incident rate (an input for prevention effects).
    #[serde(default = "one")]
    pub accident_rate_factor: f64,
}

fn default_merged_base() -> String {
    "per_station".into()
}
fn one() -> f64 {
    1.0
}

/// `[strategies.efficiency]`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawEfficiency {
    /// Pooled response units for the whole area.
    pub units: u32,
    /// Crew of each unit (default 1 officer + 2 auxiliaries).
    pub crew: Option<RawCrew>,
    /// Standby posts (station ids; default all stations).
    pub posts: Option<Vec<String>>,
    /// Overrides `[dispatch] call_processing_min`.
    pub call_processing_min: Option<f64>,
    /// Overrides `[dispatch] handoff_min`.
    pub handoff_min: Option<f64>,
    /// Multiplies case-handling times (up-front legal review).
    #[serde(default = "one")]
    pub case_handling_factor: f64,
    /// Multi-unit kinds get a primary and the nearest secondary at once.
    #[serde(default = "yes")]
    pub secondary: bool,
    /// Officers on desk duty at every station, not responding.
    #[serde(default)]
    pub desk_officers_per_station: u32,
    /// Shift length override, hours.
    pub shift_hours: Option<u32>,
}

fn yes() -> bool {
    true
}

/// `[strategies.station_whistle]`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawStationWhistle {
    /// Units on duty at each station.
    #[serde(default = "default_units")]
    pub units: u32,
    /// Crew of each station unit (default 1 officer + 2 auxiliaries).
    pub crew: Option<RawCrew>,
    /// A call waiting longer than this summons a specialist unit, minutes.
    #[serde(default = "default_whistle")]
    pub whistle_after_min: f64,
    /// Roles that answer the whistle (default: every role).
    pub roles: Option<Vec<String>>,
    /// Shift length override, hours.
    pub shift_hours: Option<u32>,
}

fn default_whistle() -> f64 {
    20.0
}
