//! What the county map chart needs, saved in `summary.json` so charts can be
//! redrawn without the scenario.

use serde::{Deserialize, Serialize};

use geo::{BooleanOps, MapCoords, MultiPolygon, Polygon};

use crate::boundary::{frame, voronoi_cells};
use crate::incidents::{Generator, StreamModel};
use crate::map::{Datum, Projection};
use crate::scenario::StrategyConfig;
use crate::scenario::{MIN_PER_DAY, Scenario};

/// Polygons in km: each a list of closed rings `[x_km, y_km]`, the exterior
/// first, then its holes.
pub type Shapes = Vec<Vec<Vec<[f64; 2]>>>;

fn round4(v: f64) -> f64 {
    (v * 1e4).round() / 1e4
}

/// `shape`'s polygons as plain rings.
pub fn shapes(shape: &MultiPolygon<f64>) -> Shapes {
    shape
        .iter()
        .map(|p| {
            std::iter::once(p.exterior())
                .chain(p.interiors())
                // 0.1 m is far below the outline's accuracy and keeps
                // summary.json small.
                .map(|r| r.coords().map(|c| [round4(c.x), round4(c.y)]).collect())
                .collect()
        })
        .collect()
}

/// A station on the map.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MapStation {
    /// Id.
    pub id: String,
    /// Display name (the id when the scenario gives none); labels the map
    /// and the report's tables. Absent in summaries of older versions.
    #[serde(default)]
    pub name: String,
    /// km east.
    pub x_km: f64,
    /// km north.
    pub y_km: f64,
    /// Zone id, if any.
    pub zone: Option<String>,
    /// Whether it is its zone's hub.
    pub hub: bool,
}

/// A demand point on the map.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MapDemand {
    /// Display name.
    #[serde(default)]
    pub name: String,
    /// Relative call volume, as in the scenario.
    #[serde(default)]
    pub weight: f64,
    /// Id of the station whose jurisdiction it is.
    #[serde(default)]
    pub station: String,
    /// Part of an area demand spread over the station's cell (`x_km`,
    /// `y_km` is then the cell's centroid).
    #[serde(default)]
    pub area: bool,
    /// km east.
    pub x_km: f64,
    /// km north.
    pub y_km: f64,
    /// Share of all calls.
    pub share: f64,
    /// Scatter radius, km.
    pub spread_km: f64,
}

/// A standby post of standby on the move.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MapPost {
    /// Zone id.
    pub zone: String,
    /// km east.
    pub x_km: f64,
    /// km north.
    pub y_km: f64,
}

/// A cooperation zone on the map.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MapZone {
    /// Id.
    pub id: String,
    /// Display name (the id when the scenario gives none).
    pub name: String,
}

/// A traffic squad, specialist unit or other extra base.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MapBase {
    /// Id.
    pub id: String,
    /// Display name (squads; the id for specialist units, which have none).
    #[serde(default)]
    pub name: String,
    /// What it is ("traffic squad", "patrol", ...).
    pub role: String,
    /// km east.
    pub x_km: f64,
    /// km north.
    pub y_km: f64,
    /// Radius of the area it keeps (traffic squads after a merge), km.
    pub urban_radius_km: Option<f64>,
    /// Centre of that area.
    pub urban_centre: Option<[f64; 2]>,
}

/// Incident counts on a grid, from a sample of the stream.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Density {
    /// West edge, km.
    pub x0_km: f64,
    /// South edge, km.
    pub y0_km: f64,
    /// Cell side, km.
    pub cell_km: f64,
    /// Cells west to east.
    pub nx: usize,
    /// Cells south to north.
    pub ny: usize,
    /// Counts, row by row from the south.
    pub counts: Vec<u32>,
}

impl Density {
    /// The cells that hold incidents: south-west and north-east corners
    /// (km) and the count.
    pub fn filled(&self) -> impl Iterator<Item = ([(f64, f64); 2], u32)> + '_ {
        self.counts
            .iter()
            .enumerate()
            .filter(|(_, c)| **c > 0)
            .map(|(i, &c)| {
                let (cx, cy) = ((i % self.nx) as f64, (i / self.nx) as f64);
                let corner = |dx: f64, dy: f64| {
                    (
                        self.x0_km + (cx + dx) * self.cell_km,
                        self.y0_km + (cy + dy) * self.cell_km,
                    )
                };
                ([corner(0.0, 0.0), corner(1.0, 1.0)], c)
            })
    }
}

/// Everything the map chart draws.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MapData {
    /// Stations.
    pub stations: Vec<MapStation>,
    /// Demand points.
    pub demand: Vec<MapDemand>,
    /// Standby posts.
    pub posts: Vec<MapPost>,
    /// Squads and specialist units.
    pub bases: Vec<MapBase>,
    /// Zones, in scenario order.
    pub zones: Vec<MapZone>,
    /// Incident density.
    pub density: Density,
    /// The county outline, km (`[map] boundary`).
    #[serde(default)]
    pub outline: Option<Shapes>,
    /// The outline's feature name.
    #[serde(default)]
    pub outline_name: Option<String>,
    /// Each station's jurisdiction: its Voronoi cell (the points nearer to it
    /// than to any other station), clipped to the outline, or without one to
    /// a frame around the stations and the incidents, in station order.
    #[serde(default)]
    pub jurisdictions: Vec<Shapes>,
    /// Each zone's area: the union of its stations' cells, in zone order.
    #[serde(default)]
    pub zone_areas: Vec<Shapes>,
    /// The projection of lat/lon positions, when the scenario has one.
    #[serde(default)]
    pub projection: Option<Projection>,
    /// Datum of the scenario's lat/lon.
    #[serde(default)]
    pub datum: Datum,
}

impl MapData {
    /// The display name of station `id` (the id itself if it is unknown).
    pub fn station_name<'a>(&'a self, id: &'a str) -> &'a str {
        self.stations
            .iter()
            .find(|s| s.id == id && !s.name.is_empty())
            .map_or(id, |s| s.name.as_str())
    }
}

/// Incidents sampled for the density layer.
const DENSITY_SAMPLE: usize = 20_000;
/// Grid cells along the longer side.
const DENSITY_CELLS: f64 = 60.0;

impl MapData {
    /// The map of `s`, with a density layer from its own incident stream.
    pub fn new(s: &Scenario) -> Self {
        let total: f64 = s.demand.iter().map(|d| d.weight).sum();
        let stations = s
            .stations
            .iter()
            .enumerate()
            .map(|(i, st)| {
                let zone = s.zone_of(i);
                MapStation {
                    id: st.id.clone(),
                    name: st.name.clone(),
                    x_km: st.pos.x_km,
                    y_km: st.pos.y_km,
                    zone: zone.map(|z| s.zones[z].id.clone()),
                    hub: zone.is_some_and(|z| s.zones[z].hub == i),
                }
            })
            .collect();
        let demand = s
            .demand
            .iter()
            .map(|d| MapDemand {
                name: d.name.clone(),
                weight: d.weight,
                station: s.stations[d.station].id.clone(),
                area: d.area,
                x_km: d.pos.x_km,
                y_km: d.pos.y_km,
                share: d.weight / total,
                spread_km: d.spread_km,
            })
            .collect();
        let mut posts = Vec::new();
        for cfg in &s.strategies {
            if let StrategyConfig::ZoneCooperation(z) = cfg {
                for m in &z.mobile_standby {
                    for &(zi, p) in &m.posts {
                        posts.push(MapPost {
                            zone: s.zones[zi].id.clone(),
                            x_km: p.x_km,
                            y_km: p.y_km,
                        });
                    }
                }
            }
        }
        let mut bases: Vec<MapBase> = s
            .squads
            .iter()
            .map(|q| MapBase {
                id: q.id.clone(),
                name: q.name.clone(),
                role: "traffic squad".into(),
                x_km: q.pos.x_km,
                y_km: q.pos.y_km,
                urban_radius_km: q.urban.map(|a| a.radius_km),
                urban_centre: q.urban.map(|a| [a.centre.x_km, a.centre.y_km]),
            })
            .collect();
        bases.extend(s.specialists.iter().map(|u| MapBase {
            id: u.id.clone(),
            name: u.id.clone(),
            role: u.role.clone(),
            x_km: u.pos.x_km,
            y_km: u.pos.y_km,
            urban_radius_km: None,
            urban_centre: None,
        }));
        let density = density(s);
        // The region cells are clipped to: the outline, or without one a
        // frame around the stations and the incident sample.
        let region = match &s.boundary {
            Some(b) => b.shape.clone(),
            None => MultiPolygon(vec![
                geo::Rect::new(
                    geo::Coord {
                        x: density.x0_km,
                        y: density.y0_km,
                    },
                    geo::Coord {
                        x: density.x0_km + density.cell_km * density.nx as f64,
                        y: density.y0_km + density.cell_km * density.ny as f64,
                    },
                )
                .to_polygon(),
            ]),
        };
        let sites: Vec<_> = s.stations.iter().map(|st| st.pos).collect();
        // Snapped to 1e-7 km, so that neighbouring cells share their
        // corners exactly and a zone's union has no slivers between them.
        let convex: Vec<MultiPolygon<f64>> = voronoi_cells(&sites, frame(&region, &sites))
            .into_iter()
            .map(|c: Polygon<f64>| {
                MultiPolygon(vec![c.map_coords(|c| geo::Coord {
                    x: (c.x * 1e7).round() / 1e7,
                    y: (c.y * 1e7).round() / 1e7,
                })])
            })
            .collect();
        let cells: Vec<MultiPolygon<f64>> = match &s.boundary {
            Some(b) => b.cells.iter().map(|c| c.shape.clone()).collect(),
            None => convex.iter().map(|c| c.intersection(&region)).collect(),
        };
        let zone_areas = s
            .zones
            .iter()
            .map(|z| {
                let union = geo::unary_union(z.stations.iter().map(|&i| &convex[i]));
                shapes(&union.intersection(&region))
            })
            .collect();
        Self {
            stations,
            demand,
            posts,
            bases,
            zones: s
                .zones
                .iter()
                .map(|z| MapZone {
                    id: z.id.clone(),
                    name: z.name.clone(),
                })
                .collect(),
            density,
            outline: s.boundary.as_ref().map(|b| shapes(&b.shape)),
            outline_name: s.boundary.as_ref().map(|b| b.feature.clone()),
            jurisdictions: cells.iter().map(shapes).collect(),
            zone_areas,
            projection: s.projection,
            datum: s.datum,
        }
    }
}

fn density(s: &Scenario) -> Density {
    // Sample enough days of the stream for DENSITY_SAMPLE incidents.
    // At most a year: a quiet county's sample stays small, and the
    // generator never steps through centuries of empty hours.
    let days = (DENSITY_SAMPLE as f64 / s.incidents.per_day).clamp(1.0, 365.0);
    let model = StreamModel::new(s);
    let sample: Vec<_> = Generator::new(s, &model, s.seed, 0, days * MIN_PER_DAY)
        .map(|i| i.pos)
        .collect();
    let xs = sample
        .iter()
        .map(|p| p.x_km)
        .chain(s.stations.iter().map(|st| st.pos.x_km));
    let ys = sample
        .iter()
        .map(|p| p.y_km)
        .chain(s.stations.iter().map(|st| st.pos.y_km));
    let (x0, x1) = xs.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), x| {
        (a.min(x), b.max(x))
    });
    let (y0, y1) = ys.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), y| {
        (a.min(y), b.max(y))
    });
    let cell = ((x1 - x0).max(y1 - y0) / DENSITY_CELLS).max(0.05);
    let nx = ((x1 - x0) / cell).floor() as usize + 1;
    let ny = ((y1 - y0) / cell).floor() as usize + 1;
    let mut counts = vec![0u32; nx * ny];
    for p in &sample {
        let i = (((p.x_km - x0) / cell).floor() as usize).min(nx - 1);
        let j = (((p.y_km - y0) / cell).floor() as usize).min(ny - 1);
        counts[j * nx + i] += 1;
    }
    Density {
        x0_km: x0,
        y0_km: y0,
        cell_km: cell,
        nx,
        ny,
        counts,
    }
}
