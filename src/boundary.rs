//! The county outline: a polygon read from a GeoJSON file, the stations'
//! jurisdiction cells inside it, and uniform sampling over them.
//!
//! Geography, like [`crate::map`]: it knows points, polygons and projections,
//! nothing of stations' people or strategies.

use std::path::Path;

use geo::{
    Area, BooleanOps, BoundingRect, Centroid, Coord, Distance, Euclidean, Intersects, LineString,
    MultiPolygon, Polygon, Rect, TriangulateEarcut,
};
use geojson::{Feature, GeoJson, GeometryValue};

use crate::map::{Point, Projection};

/// A county outline, projected to the scenario's km plane.
#[derive(Debug, Clone)]
pub struct Boundary {
    /// The GeoJSON file as the scenario names it.
    pub file: String,
    /// The matched feature, as the file names it (e.g. `惠民县 / Huimin / 371621`).
    pub feature: String,
    /// The outline in km (x east, y north of the projection centre).
    pub shape: MultiPolygon<f64>,
    /// Its area, km².
    pub area_km2: f64,
    /// Each station's jurisdiction inside the outline: the part of the
    /// outline nearer to that station than to any other (its Voronoi cell
    /// clipped to the outline), in station order. Empty until
    /// [`Boundary::with_cells`].
    pub cells: Vec<Region>,
}

/// A piece of the plane that incidents can be spread uniformly over.
#[derive(Debug, Clone)]
pub struct Region {
    /// Its shape, km.
    pub shape: MultiPolygon<f64>,
    /// Its area, km².
    pub area_km2: f64,
    /// The shape cut into triangles (ear clipping); they cover it exactly.
    pub triangles: Vec<[Point; 3]>,
}

/// Why an outline could not be read.
#[derive(Debug, thiserror::Error)]
pub enum BoundaryError {
    /// The file could not be read.
    #[error("cannot read {file}: {source}")]
    Read {
        /// The file.
        file: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is not JSON.
    #[error("{file}:{line}:{column}: not valid JSON: {message}")]
    Json {
        /// The file.
        file: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What is wrong.
        message: String,
    },
    /// The file is JSON but not GeoJSON.
    #[error("{file}: not valid GeoJSON: {message}")]
    GeoJson {
        /// The file.
        file: String,
        /// What is wrong.
        message: String,
    },
    /// No feature, or several, match the name asked for.
    #[error("{file}: {message} (candidates: {candidates})")]
    Feature {
        /// The file.
        file: String,
        /// What is wrong.
        message: String,
        /// Every feature, by its names.
        candidates: String,
    },
    /// The feature's geometry is not an area.
    #[error("{file}: feature {feature} is a {kind}, not a Polygon or MultiPolygon")]
    NotPolygon {
        /// The file.
        file: String,
        /// The feature.
        feature: String,
        /// Its geometry type.
        kind: String,
    },
    /// Coordinates outside the range of degrees.
    #[error(
        "{file}: feature {feature} has coordinates ({x}, {y}) that are not longitude/latitude degrees: GeoJSON (RFC 7946) is in degrees, longitude first; reproject the file to EPSG:4326 (in QGIS: Export > Save Features As)"
    )]
    NotDegrees {
        /// The file.
        file: String,
        /// The feature.
        feature: String,
        /// First coordinate found.
        x: f64,
        /// Second coordinate found.
        y: f64,
    },
    /// The polygon encloses nothing.
    #[error("{file}: feature {feature} encloses no area")]
    Empty {
        /// The file.
        file: String,
        /// The feature.
        feature: String,
    },
}

/// Reads the outline `feature` (or the only feature) of the GeoJSON file at
/// `path`, labelled `file` in messages. Returns the outline in degrees
/// (x = longitude, y = latitude, as in the file) and the feature's label.
///
/// `feature` matches a feature whose properties hold it as a string value
/// (any property), or whose `adcode` is that number.
pub fn read_outline(
    path: &Path,
    file: &str,
    feature: Option<&str>,
) -> Result<(MultiPolygon<f64>, String), BoundaryError> {
    let text = std::fs::read_to_string(path).map_err(|source| BoundaryError::Read {
        file: file.to_string(),
        source,
    })?;
    parse_outline(&text, file, feature)
}

/// [`read_outline`] on text already read.
pub fn parse_outline(
    text: &str,
    file: &str,
    feature: Option<&str>,
) -> Result<(MultiPolygon<f64>, String), BoundaryError> {
    let geojson: GeoJson =
        serde_json::from_str(text.trim_start_matches('\u{feff}')).map_err(|e| {
            let (line, column) = (e.line(), e.column());
            // serde_json ends its message with the place, which we give first.
            let text = e.to_string();
            let message = text
                .rsplit_once(" at line ")
                .map_or(text.as_str(), |(m, _)| m)
                .to_string();
            match e.classify() {
                serde_json::error::Category::Data => BoundaryError::GeoJson {
                    file: file.to_string(),
                    message: format!("{message} (line {line}, column {column})"),
                },
                _ => BoundaryError::Json {
                    file: file.to_string(),
                    line,
                    column,
                    message,
                },
            }
        })?;
    let features: Vec<Feature> = match geojson {
        GeoJson::FeatureCollection(fc) => fc.features,
        GeoJson::Feature(f) => vec![f],
        GeoJson::Geometry(g) => vec![Feature {
            geometry: Some(g),
            ..Feature::default()
        }],
    };
    let labels: Vec<String> = features.iter().enumerate().map(label).collect();
    let candidates = || labels.join("; ");
    let chosen: Vec<usize> = match feature {
        Some(want) => (0..features.len())
            .filter(|&i| matches(&features[i], want))
            .collect(),
        None => (0..features.len()).collect(),
    };
    let index = match (chosen.as_slice(), feature) {
        ([i], _) => *i,
        ([], Some(want)) => {
            return Err(BoundaryError::Feature {
                file: file.to_string(),
                message: format!("no feature has a property equal to {want:?}"),
                candidates: candidates(),
            });
        }
        ([], None) => {
            return Err(BoundaryError::Feature {
                file: file.to_string(),
                message: "the file has no feature".into(),
                candidates: "none".into(),
            });
        }
        (_, Some(want)) => {
            return Err(BoundaryError::Feature {
                file: file.to_string(),
                message: format!(
                    "{} features match {want:?}; give a value only one of them has",
                    chosen.len()
                ),
                candidates: chosen
                    .iter()
                    .map(|&i| labels[i].as_str())
                    .collect::<Vec<_>>()
                    .join("; "),
            });
        }
        (_, None) => {
            return Err(BoundaryError::Feature {
                file: file.to_string(),
                message: format!(
                    "the file has {} features: name one with [map] boundary_feature",
                    features.len()
                ),
                candidates: candidates(),
            });
        }
    };
    let f = &features[index];
    let name = labels[index].clone();
    let not_polygon = |kind: &str| BoundaryError::NotPolygon {
        file: file.to_string(),
        feature: name.clone(),
        kind: kind.to_string(),
    };
    let shape: MultiPolygon<f64> = match f.geometry.as_ref().map(|g| &g.value) {
        Some(v @ GeometryValue::Polygon { .. }) => MultiPolygon(vec![
            Polygon::try_from(v).map_err(|e| not_polygon(&e.to_string()))?,
        ]),
        Some(v @ GeometryValue::MultiPolygon { .. }) => {
            MultiPolygon::try_from(v).map_err(|e| not_polygon(&e.to_string()))?
        }
        Some(v) => return Err(not_polygon(v.type_name())),
        None => return Err(not_polygon("feature without geometry")),
    };
    if let Some(c) = shape
        .iter()
        .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
        .flat_map(|r| r.coords())
        .find(|c| !(c.x.is_finite() && c.y.is_finite() && c.x.abs() <= 180.0 && c.y.abs() <= 90.0))
    {
        return Err(BoundaryError::NotDegrees {
            file: file.to_string(),
            feature: name,
            x: c.x,
            y: c.y,
        });
    }
    if shape.unsigned_area() <= 0.0 {
        return Err(BoundaryError::Empty {
            file: file.to_string(),
            feature: name,
        });
    }
    Ok((shape, name))
}

/// A feature's names for messages: its string properties and `adcode`, or
/// its position in the file.
fn label((i, f): (usize, &Feature)) -> String {
    let names: Vec<String> = f
        .properties
        .iter()
        .flatten()
        .filter_map(|(k, v)| match v {
            serde_json::Value::String(s) => Some(s.clone()),
            serde_json::Value::Number(n) if k == "adcode" => Some(n.to_string()),
            _ => None,
        })
        .collect();
    if names.is_empty() {
        format!("feature #{}", i + 1)
    } else {
        names.join(" / ")
    }
}

fn matches(f: &Feature, want: &str) -> bool {
    f.properties.iter().flatten().any(|(k, v)| match v {
        serde_json::Value::String(s) => s == want,
        serde_json::Value::Number(n) => k == "adcode" && n.to_string() == want,
        _ => false,
    })
}

impl Boundary {
    /// The outline `lonlat` (x = longitude, y = latitude) projected with
    /// `projection`.
    pub fn new(
        file: &str,
        feature: &str,
        lonlat: &MultiPolygon<f64>,
        projection: Projection,
    ) -> Self {
        let shape = project(lonlat, projection);
        Self {
            file: file.to_string(),
            feature: feature.to_string(),
            area_km2: shape.unsigned_area(),
            shape,
            cells: Vec::new(),
        }
    }

    /// The outline with each station's jurisdiction cell computed.
    pub fn with_cells(mut self, stations: &[Point]) -> Self {
        let frame = frame(&self.shape, stations);
        self.cells = voronoi_cells(stations, frame)
            .into_iter()
            .map(|cell| Region::new(self.shape.intersection(&cell)))
            .collect();
        self
    }

    /// Whether `p` lies inside the outline or on its edge.
    pub fn contains(&self, p: Point) -> bool {
        self.shape.intersects(&geo::Point::new(p.x_km, p.y_km))
    }

    /// How far outside the outline `p` lies, km (0 inside or on the edge).
    pub fn distance_outside_km(&self, p: Point) -> f64 {
        if self.contains(p) {
            0.0
        } else {
            Euclidean.distance(&self.shape, &geo::Point::new(p.x_km, p.y_km))
        }
    }
}

impl Region {
    /// A region of `shape`, triangulated.
    pub fn new(shape: MultiPolygon<f64>) -> Self {
        let triangles: Vec<[Point; 3]> = shape
            .iter()
            .flat_map(|p| p.earcut_triangles())
            .map(|t| {
                let [a, b, c] = t.to_array();
                [a, b, c].map(|c| Point::new(c.x, c.y))
            })
            .filter(|t| triangle_area(t) > 0.0)
            .collect();
        Self {
            area_km2: shape.unsigned_area(),
            shape,
            triangles,
        }
    }

    /// The region's centre of mass (its first triangle's corner if it has no area).
    pub fn centroid(&self) -> Option<Point> {
        self.shape
            .centroid()
            .map(|c| Point::new(c.x(), c.y()))
            .or_else(|| self.triangles.first().map(|t| t[0]))
    }

    /// Areas of the triangles, km², in order: the weights that make a
    /// triangle-then-point draw uniform over the region.
    pub fn triangle_areas(&self) -> Vec<f64> {
        self.triangles.iter().map(triangle_area).collect()
    }

    /// The point of triangle `t` at uniforms `(u, v)` in [0, 1): uniform
    /// over the triangle when `u` and `v` are (a square folded along its
    /// diagonal onto the triangle).
    #[inline]
    pub fn point_in(&self, t: usize, u: f64, v: f64) -> Point {
        let [a, b, c] = self.triangles[t];
        let (u, v) = if u + v > 1.0 {
            (1.0 - u, 1.0 - v)
        } else {
            (u, v)
        };
        Point::new(
            a.x_km + u * (b.x_km - a.x_km) + v * (c.x_km - a.x_km),
            a.y_km + u * (b.y_km - a.y_km) + v * (c.y_km - a.y_km),
        )
    }
}

fn triangle_area(t: &[Point; 3]) -> f64 {
    let [a, b, c] = t;
    0.5 * ((b.x_km - a.x_km) * (c.y_km - a.y_km) - (c.x_km - a.x_km) * (b.y_km - a.y_km)).abs()
}

/// `lonlat` (degrees, longitude first) projected to km.
pub fn project(lonlat: &MultiPolygon<f64>, projection: Projection) -> MultiPolygon<f64> {
    use geo::MapCoords;
    lonlat.map_coords(|c| {
        let p = projection.project(c.y, c.x);
        Coord {
            x: p.x_km,
            y: p.y_km,
        }
    })
}

/// A rectangle holding `shape` and every site, with a margin, so that
/// clipping a Voronoi cell to it never cuts the part inside `shape`.
pub fn frame(shape: &MultiPolygon<f64>, sites: &[Point]) -> Rect<f64> {
    let mut lo = Coord {
        x: f64::INFINITY,
        y: f64::INFINITY,
    };
    let mut hi = Coord {
        x: f64::NEG_INFINITY,
        y: f64::NEG_INFINITY,
    };
    let rect = shape.bounding_rect();
    let corners = rect
        .iter()
        .flat_map(|r| [r.min(), r.max()])
        .chain(sites.iter().map(|p| Coord {
            x: p.x_km,
            y: p.y_km,
        }));
    for c in corners {
        lo.x = lo.x.min(c.x);
        lo.y = lo.y.min(c.y);
        hi.x = hi.x.max(c.x);
        hi.y = hi.y.max(c.y);
    }
    if !lo.x.is_finite() {
        return Rect::new(Coord { x: -1.0, y: -1.0 }, Coord { x: 1.0, y: 1.0 });
    }
    let pad = 0.05 * (hi.x - lo.x).max(hi.y - lo.y) + 1.0;
    Rect::new(
        Coord {
            x: lo.x - pad,
            y: lo.y - pad,
        },
        Coord {
            x: hi.x + pad,
            y: hi.y + pad,
        },
    )
}

/// Each site's Voronoi cell (the points nearer to it than to any other
/// site) within `frame`, in site order.
///
/// Each cell is the frame cut by the half-planes "nearer to this site than
/// to that one", one per other site: exact, and fast enough for the tens
/// to hundreds of stations of a county (n² half-plane cuts of a convex
/// polygon). Points equally near to two sites go to both cells' edges; of
/// two sites at the same place the first gets the cell and the second none,
/// as nearest-station ties go to the first.
pub fn voronoi_cells(sites: &[Point], frame: Rect<f64>) -> Vec<Polygon<f64>> {
    sites
        .iter()
        .enumerate()
        .map(|(i, &s)| {
            let mut cell: Vec<Point> = frame
                .to_polygon()
                .exterior()
                .coords()
                .take(4)
                .map(|c| Point::new(c.x, c.y))
                .collect();
            for (j, &o) in sites.iter().enumerate() {
                if j == i {
                    continue;
                }
                if o == s {
                    if j < i {
                        cell.clear();
                    }
                    continue;
                }
                // Keep p with |p - s|² <= |p - o|², i.e. n·p <= c.
                let n = (o.x_km - s.x_km, o.y_km - s.y_km);
                let c =
                    0.5 * (o.x_km * o.x_km + o.y_km * o.y_km - s.x_km * s.x_km - s.y_km * s.y_km);
                cell = clip_half_plane(&cell, n, c);
                if cell.is_empty() {
                    break;
                }
            }
            let ring: Vec<Coord<f64>> = cell
                .iter()
                .map(|p| Coord {
                    x: p.x_km,
                    y: p.y_km,
                })
                .collect();
            Polygon::new(LineString::new(ring), Vec::new())
        })
        .collect()
}

/// The part of convex polygon `poly` (open ring) where `n·p <= c`
/// (Sutherland–Hodgman against one line).
fn clip_half_plane(poly: &[Point], n: (f64, f64), c: f64) -> Vec<Point> {
    let side = |p: &Point| n.0 * p.x_km + n.1 * p.y_km - c;
    let mut out = Vec::with_capacity(poly.len() + 1);
    for (k, p) in poly.iter().enumerate() {
        let q = &poly[(k + 1) % poly.len()];
        let (sp, sq) = (side(p), side(q));
        if sp <= 0.0 {
            out.push(*p);
        }
        if (sp < 0.0 && sq > 0.0) || (sp > 0.0 && sq < 0.0) {
            let t = sp / (sp - sq);
            out.push(Point::new(
                p.x_km + t * (q.x_km - p.x_km),
                p.y_km + t * (q.y_km - p.y_km),
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn square(x0: f64, y0: f64, side: f64) -> MultiPolygon<f64> {
        MultiPolygon(vec![Polygon::new(
            LineString::from(vec![
                (x0, y0),
                (x0 + side, y0),
                (x0 + side, y0 + side),
                (x0, y0 + side),
                (x0, y0),
            ]),
            Vec::new(),
        )])
    }

    #[test]
    fn voronoi_cells_of_two_sites_split_at_the_bisector() {
        let sites = [Point::new(2.0, 5.0), Point::new(8.0, 5.0)];
        let frame = Rect::new(Coord { x: 0.0, y: 0.0 }, Coord { x: 10.0, y: 10.0 });
        let cells = voronoi_cells(&sites, frame);
        assert!((cells[0].unsigned_area() - 50.0).abs() < 1e-9);
        assert!((cells[1].unsigned_area() - 50.0).abs() < 1e-9);
        let xs: Vec<f64> = cells[0].exterior().coords().map(|c| c.x).collect();
        assert!(xs.iter().all(|&x| x <= 5.0 + 1e-12), "{xs:?}");
        // A site on top of another gets no cell; the first keeps it.
        let cells = voronoi_cells(&[sites[0], sites[0], sites[1]], frame);
        assert!((cells[0].unsigned_area() - 50.0).abs() < 1e-9);
        assert_eq!(cells[1].unsigned_area(), 0.0);
    }

    #[test]
    fn cells_clipped_to_an_l_shaped_county_add_up_to_it() {
        // An L: a 10 x 10 square less its north-east 5 x 5 quarter (75 km²).
        let l = square(0.0, 0.0, 10.0).difference(&square(5.0, 5.0, 5.0));
        let b = Boundary {
            file: "l.geojson".into(),
            feature: "L".into(),
            area_km2: l.unsigned_area(),
            shape: l,
            cells: Vec::new(),
        }
        .with_cells(&[
            Point::new(2.5, 7.5),
            Point::new(7.5, 2.5),
            Point::new(2.5, 2.5),
        ]);
        assert!((b.area_km2 - 75.0).abs() < 1e-9);
        let areas: Vec<f64> = b.cells.iter().map(|c| c.area_km2).collect();
        for a in &areas {
            assert!((a - 25.0).abs() < 1e-6, "{areas:?}");
        }
        for c in &b.cells {
            let t: f64 = c.triangle_areas().iter().sum();
            assert!((t - c.area_km2).abs() < 1e-9, "triangles cover the cell");
        }
        assert!(b.contains(Point::new(1.0, 9.0)));
        assert!(!b.contains(Point::new(9.0, 9.0)));
        // Nearest point of the L to (9, 12) is the notch's corner (5, 10).
        assert!((b.distance_outside_km(Point::new(9.0, 12.0)) - 20f64.sqrt()).abs() < 1e-9);
        assert!((b.distance_outside_km(Point::new(13.0, 1.0)) - 3.0).abs() < 1e-9);
        assert_eq!(b.distance_outside_km(Point::new(5.0, 5.0)), 0.0);
    }

    #[test]
    fn features_are_found_by_any_name_or_adcode() {
        let text = r#"{"type":"FeatureCollection","features":[
 {"type":"Feature","properties":{"name":"惠民县","adcode":371621},
  "geometry":{"type":"Polygon","coordinates":[[[117.0,37.0],[117.1,37.0],[117.1,37.1],[117.0,37.0]]]}},
 {"type":"Feature","properties":{"name":"阳信县","adcode":371622},
  "geometry":{"type":"LineString","coordinates":[[117.0,37.0],[117.1,37.0]]}}]}"#;
        let (shape, name) = parse_outline(text, "c.geojson", Some("惠民县")).unwrap();
        assert_eq!(name, "371621 / 惠民县");
        assert_eq!(shape.0.len(), 1);
        assert!(parse_outline(text, "c.geojson", Some("371621")).is_ok());
        let e = parse_outline(text, "c.geojson", Some("滨城区"))
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            "c.geojson: no feature has a property equal to \"滨城区\" (candidates: 371621 / 惠民县; 371622 / 阳信县)"
        );
        let e = parse_outline(text, "c.geojson", Some("371622"))
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            "c.geojson: feature 371622 / 阳信县 is a LineString, not a Polygon or MultiPolygon"
        );
        let e = parse_outline(text, "c.geojson", None)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("has 2 features: name one with [map] boundary_feature"),
            "{e}"
        );
        let e = parse_outline("{\"type\": \n oops", "c.geojson", None)
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("c.geojson:2:2: not valid JSON"), "{e}");
        let metres = text.replace("117.0,37.0", "500000.0,4100000.0");
        let e = parse_outline(&metres, "c.geojson", Some("惠民县"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("not longitude/latitude degrees"), "{e}");
    }
}
