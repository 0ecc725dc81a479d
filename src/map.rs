//! County map: points on a plane in km, the lat/lon projection and travel times.

use serde::{Deserialize, Serialize};

/// Mean Earth radius in km (IUGG), used by the local projection.
const EARTH_RADIUS_KM: f64 = 6371.0088;

/// A point on the county plane, in km east (`x_km`) and north (`y_km`) of the
/// scenario's origin.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct Point {
    /// Kilometres east of the origin.
    pub x_km: f64,
    /// Kilometres north of the origin.
    pub y_km: f64,
}

impl Point {
    /// A point at `(x_km, y_km)`.
    pub const fn new(x_km: f64, y_km: f64) -> Self {
        Self { x_km, y_km }
    }

    /// Straight-line distance to `other`, km.
    ///
    /// A plain square root rather than `f64::hypot`: hypot guards against
    /// overflow at magnitudes no county reaches and costs several times more
    /// in the engine's hottest path.
    #[inline]
    pub fn distance_km(self, other: Point) -> f64 {
        let (dx, dy) = (self.x_km - other.x_km, self.y_km - other.y_km);
        (dx * dx + dy * dy).sqrt()
    }
}

/// Local equirectangular projection of degrees to km around a centre.
///
/// At county scale (tens of km) its distance error is well under 1 %, far
/// below the uncertainty of a straight-line travel model.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Projection {
    /// Latitude of the centre, degrees.
    pub centre_lat: f64,
    /// Longitude of the centre, degrees.
    pub centre_lon: f64,
}

impl Projection {
    /// Projects `(lat, lon)` in degrees to a point in km from the centre.
    pub fn project(&self, lat: f64, lon: f64) -> Point {
        let cos_lat = self.centre_lat.to_radians().cos();
        Point {
            x_km: (lon - self.centre_lon).to_radians() * EARTH_RADIUS_KM * cos_lat,
            y_km: (lat - self.centre_lat).to_radians() * EARTH_RADIUS_KM,
        }
    }

    /// Inverse of [`Projection::project`]: `(lat, lon)` in degrees.
    pub fn unproject(&self, p: Point) -> (f64, f64) {
        let cos_lat = self.centre_lat.to_radians().cos();
        let lat = self.centre_lat + (p.y_km / EARTH_RADIUS_KM).to_degrees();
        let lon = self.centre_lon + (p.x_km / (EARTH_RADIUS_KM * cos_lat)).to_degrees();
        (lat, lon)
    }
}

/// How long it takes a unit to drive between two points.
///
/// An enum rather than a trait object so the engine's hot loop stays
/// statically dispatched; road-network or travel-time-matrix models become
/// further variants.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "model", rename_all = "snake_case")]
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
}

impl TravelModel {
    /// Driving minutes from `from` to `to`, with no turnout.
    #[inline]
    pub fn drive_min(&self, from: Point, to: Point) -> f64 {
        match *self {
            TravelModel::Euclidean {
                speed_kmh, detour, ..
            } => detour * from.distance_km(to) / speed_kmh * 60.0,
        }
    }

    /// Minutes from dispatch at a base until arrival at `to`: turnout plus driving.
    #[inline]
    pub fn response_min(&self, base: Point, to: Point) -> f64 {
        match *self {
            TravelModel::Euclidean { turnout_min, .. } => turnout_min + self.drive_min(base, to),
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

    #[test]
    fn projection_round_trips_and_scales() {
        let p = Projection {
            centre_lat: 37.4,
            centre_lon: 117.6,
        };
        let q = p.project(37.5, 117.6);
        assert!((q.y_km - 11.12).abs() < 0.01, "{q:?}");
        assert!(q.x_km.abs() < 1e-9);
        let r = p.project(37.4, 117.7);
        // One hundredth of a degree of longitude at 37.4 N is about 8.84 km.
        assert!((r.x_km - 8.835).abs() < 0.01, "{r:?}");
        let (lat, lon) = p.unproject(p.project(37.31, 117.83));
        assert!((lat - 37.31).abs() < 1e-9 && (lon - 117.83).abs() < 1e-9);
    }
}
