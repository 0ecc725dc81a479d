//! What the county map chart needs, saved in `summary.json` so charts can be
//! redrawn without the scenario.

use serde::{Deserialize, Serialize};

use crate::incidents::{Generator, StreamModel};
use crate::scenario::{MIN_PER_DAY, Scenario};
use crate::strategy::StrategyConfig;

/// A station on the map.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MapStation {
    /// Id.
    pub id: String,
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

/// A traffic squad, specialist unit or other extra base.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MapBase {
    /// Id.
    pub id: String,
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
    /// Zone ids, in scenario order.
    pub zones: Vec<String>,
    /// Incident density.
    pub density: Density,
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
                role: "traffic squad".into(),
                x_km: q.pos.x_km,
                y_km: q.pos.y_km,
                urban_radius_km: q.urban.map(|a| a.radius_km),
                urban_centre: q.urban.map(|a| [a.centre.x_km, a.centre.y_km]),
            })
            .collect();
        bases.extend(s.specialists.iter().map(|u| MapBase {
            id: u.id.clone(),
            role: u.role.clone(),
            x_km: u.pos.x_km,
            y_km: u.pos.y_km,
            urban_radius_km: None,
            urban_centre: None,
        }));
        Self {
            stations,
            demand,
            posts,
            bases,
            zones: s.zones.iter().map(|z| z.id.clone()).collect(),
            density: density(s),
        }
    }
}

fn density(s: &Scenario) -> Density {
    // Sample enough days of the stream for DENSITY_SAMPLE incidents.
    let days = (DENSITY_SAMPLE as f64 / s.incidents.per_day).max(1.0);
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
