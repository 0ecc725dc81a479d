//! County map: points on a plane in km, the lat/lon projection and travel times.
//!
//! Points, the projection and the datum live in [`crate::geo`] (below
//! [`crate::roads`], which needs them) and are re-exported here; the travel
//! model, which may use a road network, is defined here.

use std::sync::Arc;

pub use crate::geo::{Datum, Point, Projection, gcj02_to_wgs84, wgs84_to_gcj02};
use crate::roads::RoadTravel;

/// How long it takes a unit to drive between two points.
///
/// An enum rather than a trait object so the engine's hot loop stays
/// statically dispatched. The engine calls the `*_at` forms with the
/// network handles it resolved once: a unit's base table
/// ([`TravelModel::slot_of`], when the base is set) and an incident's node
/// ([`TravelModel::node_of`], when the incident is generated); the plain
/// forms resolve them on every call and serve everything else.
#[derive(Debug, Clone)]
pub enum TravelModel {
    /// Straight-line distance times a detour factor at a constant speed.
    Euclidean {
        /// Average driving speed, km/h.
        speed_kmh: f64,
        /// Road distance divided by straight-line distance (>= 1 in practice).
        detour: f64,
        /// Minutes from dispatch until the unit is rolling (only when leaving a base).
        turnout_min: f64,
    },
    /// Shortest paths over a road network (see [`crate::roads`]).
    Network(Arc<RoadTravel>),
}

impl PartialEq for TravelModel {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (
                TravelModel::Euclidean {
                    speed_kmh: a,
                    detour: b,
                    turnout_min: c,
                },
                TravelModel::Euclidean {
                    speed_kmh: x,
                    detour: y,
                    turnout_min: z,
                },
            ) => (a, b, c) == (x, y, z),
            (TravelModel::Network(a), TravelModel::Network(b)) => Arc::ptr_eq(a, b),
            _ => false,
        }
    }
}

/// What [`TravelModel::slot_of`] and [`TravelModel::node_of`] give without a network.
pub const NO_HANDLE: u32 = u32::MAX;

impl TravelModel {
    /// Driving minutes from `from` to `to`, with no turnout.
    #[inline]
    pub fn drive_min(&self, from: Point, to: Point) -> f64 {
        match self {
            TravelModel::Euclidean {
                speed_kmh, detour, ..
            } => detour * from.distance_km(to) / speed_kmh * 60.0,
            TravelModel::Network(r) => r.drive_points(from, to),
        }
    }

    /// Minutes from dispatch at a base until arrival at `to`: turnout plus driving.
    #[inline]
    pub fn response_min(&self, base: Point, to: Point) -> f64 {
        match self {
            TravelModel::Euclidean { turnout_min, .. } => turnout_min + self.drive_min(base, to),
            TravelModel::Network(r) => {
                r.turnout_min() + r.drive(base, r.slot_of(base), to, r.node_of(to))
            }
        }
    }

    /// The table handle of base `p` ([`NO_HANDLE`] without a network).
    #[inline]
    pub fn slot_of(&self, p: Point) -> u32 {
        match self {
            TravelModel::Euclidean { .. } => NO_HANDLE,
            TravelModel::Network(r) => r.slot_of(p),
        }
    }

    /// The network node where `p` joins ([`NO_HANDLE`] without a network).
    #[inline]
    pub fn node_of(&self, p: Point) -> u32 {
        match self {
            TravelModel::Euclidean { .. } => NO_HANDLE,
            TravelModel::Network(r) => r.node_of(p),
        }
    }

    /// [`TravelModel::response_min`] from `base` (table `slot`) to `to`
    /// (joining at `node`).
    #[inline]
    pub fn response_at(&self, base: Point, slot: u32, to: Point, node: u32) -> f64 {
        match self {
            TravelModel::Euclidean { turnout_min, .. } => turnout_min + self.drive_min(base, to),
            TravelModel::Network(r) => r.turnout_min() + r.drive(base, slot, to, node),
        }
    }

    /// [`TravelModel::drive_min`] from `from` (joining at `node`) back to
    /// `base` (table `slot`).
    #[inline]
    pub fn drive_back_at(&self, from: Point, node: u32, base: Point, slot: u32) -> f64 {
        match self {
            TravelModel::Euclidean { .. } => self.drive_min(from, base),
            TravelModel::Network(r) => r.drive_back(from, node, base, slot),
        }
    }

    /// A lower bound on the response minutes to a point `km` away in a
    /// straight line (exact for straight-line travel).
    #[inline]
    pub fn min_response_min(&self, km: f64) -> f64 {
        match self {
            TravelModel::Euclidean { .. } => {
                self.response_min(Point::new(0.0, 0.0), Point::new(km, 0.0))
            }
            // Shaved by a relative 1e-9 so rounding never lifts the bound
            // above a true time.
            TravelModel::Network(r) => r.turnout_min() + r.min_drive_min(km) * (1.0 - 1e-9),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn travel_time_follows_the_formula() {
        let t = TravelModel::Euclidean {
            speed_kmh: 60.0,
            detour: 1.5,
            turnout_min: 2.0,
        };
        let a = Point::new(0.0, 0.0);
        let b = Point::new(3.0, 4.0); // 5 km
        assert!((t.drive_min(a, b) - 7.5).abs() < 1e-12);
        assert!((t.response_min(a, b) - 9.5).abs() < 1e-12);
    }
}
