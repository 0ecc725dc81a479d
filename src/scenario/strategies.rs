//! The `[strategies.*]` sections as data: which organisation models a
//! scenario asks for and their settings.
//!
//! Only the settings live here, at the bottom with the rest of the scenario;
//! reading them from the file (`from_raw`), the staffing plan each one fields
//! and its dispatch rules live with the model in [`crate::strategy`], which
//! re-exports these types.

use serde::Serialize;

use super::Crew;
use crate::geo::Point;

/// The organisation models a scenario can ask for.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "model", rename_all = "snake_case")]
pub enum StrategyConfig {
    /// Each station answers its own jurisdiction (the baseline).
    PerStation(PerStationConfig),
    /// Cooperation zones with response groups at a central station.
    ZoneCooperation(ZoneCooperationConfig),
    /// Stations merged with the traffic squad.
    TrafficMerged(TrafficMergedConfig),
    /// Efficiency policing: pooled units, integrated dispatch.
    Efficiency(EfficiencyConfig),
    /// Stations summon specialist units ("the station blows the whistle").
    StationWhistle(StationWhistleConfig),
}

/// `[strategies.per_station]`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PerStationConfig {
    /// Response units on duty at each station at all times, unless the
    /// station sets its own (see [`PerStationConfig::units_at`]).
    pub units: u32,
    /// Crew of each unit.
    pub crew: Crew,
    /// Call-in units per station formed from off-duty people.
    pub callin_units: u32,
    /// Minutes until called-in people can turn out.
    pub callin_delay_min: f64,
    /// When people are called in.
    pub callin_when: CallInWhen,
    /// Shift length override, hours.
    pub shift_hours: Option<u32>,
}

/// When off-duty people are called in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CallInWhen {
    /// Only for the part of a force the duty units can never supply.
    MultiUnit,
    /// Also whenever a call would otherwise wait.
    WhenBusy,
}

impl CallInWhen {
    /// When call-in units come, in words (`check`).
    pub fn describe(self) -> &'static str {
        match self {
            CallInWhen::MultiUnit => "only for force the duty units can never supply",
            CallInWhen::WhenBusy => "also whenever a call would otherwise wait",
        }
    }
}

/// Whether a zone may borrow another zone's groups.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CrossZone {
    /// Calls are handled without leaving the zone.
    Never,
    /// When every group of the zone is busy, the nearest free group elsewhere goes.
    WhenAllBusy,
}

impl CrossZone {
    /// Borrowing across zones, in words (`check`).
    pub fn describe(self) -> &'static str {
        match self {
            CrossZone::Never => "never",
            CrossZone::WhenAllBusy => "when all of a zone's groups are busy",
        }
    }
}

/// Standby on the move: in `hours`, free groups of each zone wait at its posts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MobileStandby {
    /// Hours of the day, 0..23.
    pub hours: Vec<u32>,
    /// `(zone index, post)` pairs.
    pub posts: Vec<(usize, Point)>,
}

/// `[strategies.zone_cooperation]`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ZoneCooperationConfig {
    /// Groups standing by in each zone, unless the zone sets its own (see
    /// [`ZoneCooperationConfig::groups_in`]).
    pub groups_per_zone: u32,
    /// Crew of a group.
    pub crew: Crew,
    /// Desk officers at every station (on duty, not responding).
    pub desk_officers_per_station: u32,
    /// Borrowing across zones.
    pub cross_zone: CrossZone,
    /// Kind indices dispatched by saturation.
    pub saturation_kinds: Vec<usize>,
    /// Most groups a saturation dispatch sends (`None`: all of the zone's
    /// own groups).
    pub saturation_max_groups: Option<u32>,
    /// Standby on the move.
    pub mobile_standby: Vec<MobileStandby>,
    /// Units at each station outside every zone.
    pub outside_units_per_station: u32,
    /// Crew of those units.
    pub outside_crew: Crew,
    /// Call-in units at each station outside every zone.
    pub outside_callin_units: u32,
    /// Their call-in delay, minutes.
    pub outside_callin_delay_min: f64,
    /// Shift length override, hours.
    pub shift_hours: Option<u32>,
}

/// The model the merge is built on, with that model's settings.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MergedBase {
    /// Per-station response.
    PerStation(PerStationConfig),
    /// Cooperation zones.
    ZoneCooperation(ZoneCooperationConfig),
}

/// `[strategies.traffic_merged]`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrafficMergedConfig {
    /// The model it is built on.
    pub base: MergedBase,
    /// Units added at every station, staffed by former squad people.
    pub extra_units_per_station: u32,
    /// Multiplies the traffic-incident rate.
    pub accident_rate_factor: f64,
}

/// `[strategies.efficiency]`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EfficiencyConfig {
    /// Pooled units for the whole area.
    pub units: u32,
    /// Crew of each unit.
    pub crew: Crew,
    /// Standby posts (station indices).
    pub posts: Vec<usize>,
    /// Call taking, minutes.
    pub call_processing_min: f64,
    /// Hand-off, minutes.
    pub handoff_min: f64,
    /// Multiplier on case handling.
    pub case_handling_factor: f64,
    /// Primary and secondary at once for multi-unit kinds (else tiered).
    pub secondary: bool,
    /// Desk officers at every station.
    pub desk_officers_per_station: u32,
    /// Shift length override, hours.
    pub shift_hours: Option<u32>,
}

/// `[strategies.station_whistle]`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StationWhistleConfig {
    /// Duty units at each station, unless the station sets its own (see
    /// [`StationWhistleConfig::units_at`]).
    pub units: u32,
    /// Crew of a station unit.
    pub crew: Crew,
    /// Waiting longer than this summons a specialist, minutes.
    pub whistle_after_min: f64,
    /// Indices of the specialist units that answer the whistle.
    pub answering: Vec<usize>,
    /// Shift length override, hours.
    pub shift_hours: Option<u32>,
}
