//! Geometry of the county plane: points in km, the lat/lon projection and
//! the Chinese map datum. The bottom layer: it imports no other module
//! (re-exported by [`crate::map`], where the travel model sits on top of it
//! and [`crate::roads`]).

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

/// The geodetic datum of a scenario's latitudes and longitudes.
///
/// Chinese web maps (Amap/高德, Tencent) and the township seats shipped with
/// this project publish GCJ-02, the obfuscated datum Chinese law requires for
/// public maps; GPS receivers, OpenStreetMap and QGIS basemaps use WGS-84.
/// The two differ by a few hundred metres (about 0.5 km in Binzhou).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Datum {
    /// GCJ-02 (火星坐标系), the default: what Chinese map services publish.
    #[default]
    Gcj02,
    /// WGS-84, as GPS and OpenStreetMap use.
    Wgs84,
}

impl Datum {
    /// The key's value as written in a scenario: `"gcj02"` or `"wgs84"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Datum::Gcj02 => "gcj02",
            Datum::Wgs84 => "wgs84",
        }
    }

    /// `(lat, lon)` in this datum converted to WGS-84.
    pub fn to_wgs84(self, lat: f64, lon: f64) -> (f64, f64) {
        match self {
            Datum::Gcj02 => gcj02_to_wgs84(lat, lon),
            Datum::Wgs84 => (lat, lon),
        }
    }
}

/// Semi-major axis of the Krasovsky 1940 ellipsoid the GCJ-02 offsets are built on, m.
const GCJ_A: f64 = 6_378_245.0;
/// Its first eccentricity squared.
const GCJ_EE: f64 = 0.006_693_421_622_965_943;

/// Whether the published transform applies: outside this box GCJ-02 equals WGS-84.
fn gcj_applies(lat: f64, lon: f64) -> bool {
    (72.004..=137.8347).contains(&lon) && (0.8293..=55.8271).contains(&lat)
}

/// The published GCJ-02 offset `(dlat, dlon)` in degrees at WGS-84 `(lat, lon)`.
fn gcj_offset(lat: f64, lon: f64) -> (f64, f64) {
    use std::f64::consts::PI;
    let (x, y) = (lon - 105.0, lat - 35.0);
    let common = (20.0 * (6.0 * x * PI).sin() + 20.0 * (2.0 * x * PI).sin()) * 2.0 / 3.0;
    let dlat = -100.0
        + 2.0 * x
        + 3.0 * y
        + 0.2 * y * y
        + 0.1 * x * y
        + 0.2 * x.abs().sqrt()
        + common
        + (20.0 * (y * PI).sin() + 40.0 * (y / 3.0 * PI).sin()) * 2.0 / 3.0
        + (160.0 * (y / 12.0 * PI).sin() + 320.0 * (y * PI / 30.0).sin()) * 2.0 / 3.0;
    let dlon = 300.0
        + x
        + 2.0 * y
        + 0.1 * x * x
        + 0.1 * x * y
        + 0.1 * x.abs().sqrt()
        + common
        + (20.0 * (x * PI).sin() + 40.0 * (x / 3.0 * PI).sin()) * 2.0 / 3.0
        + (150.0 * (x / 12.0 * PI).sin() + 300.0 * (x / 30.0 * PI).sin()) * 2.0 / 3.0;
    let rad = lat.to_radians();
    let magic = 1.0 - GCJ_EE * rad.sin() * rad.sin();
    let sqrt_magic = magic.sqrt();
    (
        dlat * 180.0 / ((GCJ_A * (1.0 - GCJ_EE)) / (magic * sqrt_magic) * PI),
        dlon * 180.0 / (GCJ_A / sqrt_magic * rad.cos() * PI),
    )
}

/// WGS-84 `(lat, lon)` to GCJ-02, by the standard published transform
/// (identity outside China's bounding box, as the transform defines).
pub fn wgs84_to_gcj02(lat: f64, lon: f64) -> (f64, f64) {
    if !gcj_applies(lat, lon) {
        return (lat, lon);
    }
    let (dlat, dlon) = gcj_offset(lat, lon);
    (lat + dlat, lon + dlon)
}

/// GCJ-02 `(lat, lon)` to WGS-84: the inverse of [`wgs84_to_gcj02`] by
/// fixed-point iteration, to 1e-10 degrees (about 0.01 mm).
///
/// The offset changes by under 1e-4 of a degree per degree, so each step
/// gains about four digits; a handful of steps reach the limit.
pub fn gcj02_to_wgs84(lat: f64, lon: f64) -> (f64, f64) {
    if !gcj_applies(lat, lon) {
        return (lat, lon);
    }
    let (mut wlat, mut wlon) = (lat, lon);
    for _ in 0..20 {
        let (glat, glon) = wgs84_to_gcj02(wlat, wlon);
        let (elat, elon) = (glat - lat, glon - lon);
        wlat -= elat;
        wlon -= elon;
        if elat.abs() < 1e-10 && elon.abs() < 1e-10 {
            break;
        }
    }
    (wlat, wlon)
}
#[cfg(test)]
mod tests {
    use super::*;

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

    /// Great-circle distance in metres (haversine), for the datum checks.
    fn metres(a: (f64, f64), b: (f64, f64)) -> f64 {
        let (la, lb) = (a.0.to_radians(), b.0.to_radians());
        let h = ((lb - la) / 2.0).sin().powi(2)
            + la.cos() * lb.cos() * ((b.1 - a.1).to_radians() / 2.0).sin().powi(2);
        2.0 * 6_371_008.8 * h.sqrt().asin()
    }

    #[test]
    fn gcj02_matches_published_reference_points() {
        // (WGS-84, GCJ-02) pairs from the test suite of googollee/eviltransform
        // (Shanghai, Shenzhen, Beijing), which publishes them to 1e-14 degrees.
        let cases = [
            (
                (31.1774276, 121.5272106),
                (31.17530398364597, 121.531541859215),
            ),
            (
                (22.543847, 113.912316),
                (22.540796131694766, 113.9171764808363),
            ),
            (
                (39.911954, 116.377817),
                (39.91334545536069, 116.38404722455657),
            ),
        ];
        for (wgs, gcj) in cases {
            let to = wgs84_to_gcj02(wgs.0, wgs.1);
            assert!(
                metres(to, gcj) < 0.01,
                "{wgs:?} -> {to:?}, published {gcj:?}"
            );
            let back = gcj02_to_wgs84(gcj.0, gcj.1);
            assert!(
                metres(back, wgs) < 0.01,
                "{gcj:?} -> {back:?}, published {wgs:?}"
            );
        }
        // hujiulong/gcoord's test: GCJ-02 (45, 123) is WGS-84 (44.99804071, 122.99395597).
        let w = gcj02_to_wgs84(45.0, 123.0);
        assert!(metres(w, (44.998_040_71, 122.993_955_97)) < 1.0, "{w:?}");
        // Outside China the two datums coincide.
        assert_eq!(gcj02_to_wgs84(48.85, 2.35), (48.85, 2.35));
    }

    #[test]
    fn gcj02_offset_in_binzhou_is_about_half_a_kilometre() {
        // data/README.md: a GCJ-02 point in Binzhou sits 0.52-0.56 km from
        // its WGS-84 position, about 0.006 degrees further east.
        let gcj = (37.489877, 117.509921);
        let wgs = Datum::Gcj02.to_wgs84(gcj.0, gcj.1);
        let d = metres(gcj, wgs);
        assert!((500.0..580.0).contains(&d), "{d} m");
        assert!((gcj.1 - wgs.1 - 0.006).abs() < 0.001, "{wgs:?}");
        assert_eq!(Datum::Wgs84.to_wgs84(gcj.0, gcj.1), gcj);
    }
}
