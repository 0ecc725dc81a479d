//! Traffic-merged stations (交所合一, Zhanhua from December 2021).
//!
//! Every station takes over the traffic squad's work in its own
//! jurisdiction: road accidents there go to the station's responders (under
//! `base = "per_station"` its units, under `base = "zone_cooperation"` the
//! zone's groups, with any merged units at the station first), except inside
//! the squad's `urban` area, which the squad keeps. `extra_units_per_station`
//! moves squad people into every station as extra units.
//! `accident_rate_factor` scales the accident rate — an *input* for
//! prevention (the report's -7.5 % is an example value), applied by dropping
//! each traffic incident whose own uniform draw exceeds it, so every other
//! incident stays identical across strategies.

use super::Plan;

use crate::roster::Shortage;
use crate::scenario::Scenario;
use crate::scenario::diag::Collector;
use crate::scenario::raw::{RawStrategies, RawTrafficMerged};
use crate::scenario::strategies::{
    MergedBase, PerStationConfig, TrafficMergedConfig, ZoneCooperationConfig,
};

impl TrafficMergedConfig {
    pub(crate) fn from_raw(
        raw: &RawTrafficMerged,
        all: &RawStrategies,
        s: &Scenario,
        c: &mut Collector,
    ) -> Option<Self> {
        let key = "strategies.traffic_merged";
        if !s.incidents.kinds.iter().any(|k| k.traffic) {
            c.warn(
                key,
                "no incident kind is marked `traffic = true`: the merge changes nothing",
            );
        }
        if !(raw.accident_rate_factor.is_finite()
            && (0.0..=1.0).contains(&raw.accident_rate_factor))
        {
            c.error(
                format!("{key}.accident_rate_factor"),
                format!("must be within 0..1, found {}", raw.accident_rate_factor),
            );
        }
        if raw.extra_units_per_station > 0 && s.squads.is_empty() {
            c.error(
                format!("{key}.extra_units_per_station"),
                "extra units are staffed by the traffic squad's people, but the scenario has no [[traffic_squads]]",
            );
        }
        let base = match raw.base.as_str() {
            "per_station" => match &all.per_station {
                Some(p) => MergedBase::PerStation(PerStationConfig::from_raw(
                    p,
                    "strategies.per_station",
                    c,
                )?),
                None => {
                    c.error(format!("{key}.base"), "base \"per_station\" needs a [strategies.per_station] section for its settings");
                    return None;
                }
            },
            "zone_cooperation" => match &all.zone_cooperation {
                Some(z) => MergedBase::ZoneCooperation(ZoneCooperationConfig::from_raw(
                    z,
                    s,
                    "strategies.zone_cooperation",
                    c,
                )?),
                None => {
                    c.error(format!("{key}.base"), "base \"zone_cooperation\" needs a [strategies.zone_cooperation] section for its settings");
                    return None;
                }
            },
            other => {
                c.error(
                    format!("{key}.base"),
                    format!("must be \"per_station\" or \"zone_cooperation\", found {other:?}"),
                );
                return None;
            }
        };
        Some(Self {
            base,
            extra_units_per_station: raw.extra_units_per_station,
            accident_rate_factor: raw.accident_rate_factor,
        })
    }

    pub(crate) fn plan(&self, s: &Scenario) -> Result<Plan, Vec<Shortage>> {
        let extra = Some(self.extra_units_per_station);
        match &self.base {
            MergedBase::PerStation(c) => c.plan(s, extra),
            MergedBase::ZoneCooperation(c) => c.plan(s, extra),
        }
    }

    /// Most units at one incident: the base model's, or the squad's inside
    /// its urban area for traffic kinds.
    pub(crate) fn max_units(&self, s: &Scenario, plan: &Plan, kind: usize) -> u32 {
        let base = match &self.base {
            MergedBase::PerStation(c) => c.max_units(s, plan),
            MergedBase::ZoneCooperation(c) => c.max_units(s, plan),
        };
        let squad_units: u32 = s.squads.iter().map(|q| q.units).sum();
        if s.incidents.kinds[kind].traffic && s.squads.iter().any(|q| q.urban.is_some()) {
            base.min(squad_units)
        } else {
            base
        }
    }
}
