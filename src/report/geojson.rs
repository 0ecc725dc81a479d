//! `map.geojson`: the county map with every strategy's results, for QGIS.
//!
//! One FeatureCollection (RFC 7946). Every feature has a `layer` property
//! saying what it is: `outline`, `jurisdiction`, `zone`, `station`, `post`,
//! `base` or `demand`. Coordinates are WGS-84 longitude, latitude when the
//! scenario has a projection (GCJ-02 scenarios are converted), otherwise the
//! scenario's km (x east, y north). Results are flat properties named
//! `<strategy>_<figure>`, so a GIS can style by them directly.

use geojson::{Feature, FeatureCollection, Geometry, GeometryValue, JsonObject, JsonValue};

use super::SummaryFile;
use super::map_data::Shapes;
use crate::map::Point;
use crate::metrics::GroupSummary;

/// The `map.geojson` of a run, from its `summary.json` content.
pub fn map_geojson(file: &SummaryFile) -> FeatureCollection {
    let m = &file.map;
    let to_coord = |x: f64, y: f64| -> Vec<f64> {
        match m.projection {
            Some(p) => {
                let (lat, lon) = p.unproject(Point::new(x, y));
                let (lat, lon) = m.datum.to_wgs84(lat, lon);
                // 1e-7 degrees is about 1 cm.
                vec![round(lon, 1e7), round(lat, 1e7)]
            }
            None => vec![round(x, 1e4), round(y, 1e4)],
        }
    };
    let polygons = |shapes: &Shapes| -> Option<Geometry> {
        let polys: Vec<Vec<Vec<Vec<f64>>>> = shapes
            .iter()
            .map(|rings| {
                rings
                    .iter()
                    .enumerate()
                    .map(|(k, r)| {
                        let ring: Vec<Vec<f64>> = r.iter().map(|p| to_coord(p[0], p[1])).collect();
                        // RFC 7946 right-hand rule: exteriors counter-
                        // clockwise, holes clockwise.
                        oriented(ring, k == 0)
                    })
                    .filter(|r| r.len() >= 4)
                    .collect::<Vec<_>>()
            })
            .filter(|p: &Vec<_>| !p.is_empty())
            .collect();
        match polys.len() {
            0 => None,
            1 => Some(Geometry::new(GeometryValue::new_polygon(
                polys.into_iter().next().expect("one"),
            ))),
            _ => Some(Geometry::new(GeometryValue::new_multi_polygon(polys))),
        }
    };
    let point = |x: f64, y: f64| Some(Geometry::new(GeometryValue::new_point(to_coord(x, y))));
    let days = (file.run.days - file.run.warmup_days) * f64::from(file.run.replications.max(1));
    let mut features = Vec::new();
    let mut push = |geometry: Option<Geometry>, props: JsonObject| {
        if geometry.is_some() {
            features.push(Feature {
                geometry,
                properties: Some(props),
                ..Feature::default()
            });
        }
    };

    if let Some(outline) = &m.outline {
        let mut p = layer("outline");
        p.insert(
            "name".into(),
            m.outline_name.clone().unwrap_or_default().into(),
        );
        push(polygons(outline), p);
    }
    let zone_of = |id: &str| {
        m.stations
            .iter()
            .find(|s| s.id == id)
            .and_then(|s| s.zone.clone())
    };
    for (i, st) in m.stations.iter().enumerate() {
        let station_props = |layer_name: &str| {
            let mut p = layer(layer_name);
            p.insert("id".into(), st.id.clone().into());
            p.insert("name".into(), st.name.clone().into());
            p.insert("zone".into(), zone_of(&st.id).into());
            p.insert("hub".into(), st.hub.into());
            for s in &file.strategies {
                if let Some(g) = s.per_station.iter().find(|g| g.name == st.id) {
                    results(&mut p, &s.strategy, g, days);
                }
            }
            p
        };
        if let Some(cell) = m.jurisdictions.get(i) {
            push(polygons(cell), station_props("jurisdiction"));
        }
        push(point(st.x_km, st.y_km), station_props("station"));
    }
    for (zi, z) in m.zones.iter().enumerate() {
        let mut p = layer("zone");
        p.insert("id".into(), z.id.clone().into());
        p.insert("name".into(), z.name.clone().into());
        let z = z.id.as_str();
        let members: Vec<&str> = m
            .stations
            .iter()
            .filter(|s| s.zone.as_deref() == Some(z))
            .map(|s| s.id.as_str())
            .collect();
        let hub = m
            .stations
            .iter()
            .find(|s| s.hub && s.zone.as_deref() == Some(z));
        p.insert("stations".into(), members.join(", ").into());
        p.insert("hub".into(), hub.map(|h| h.id.clone()).into());
        for s in &file.strategies {
            if let Some(g) = s.per_zone.iter().find(|g| g.name == z) {
                results(&mut p, &s.strategy, g, days);
            }
        }
        if let Some(shape) = m.zone_areas.get(zi) {
            push(polygons(shape), p);
        }
    }
    for post in &m.posts {
        let mut p = layer("post");
        p.insert("zone".into(), post.zone.clone().into());
        push(point(post.x_km, post.y_km), p);
    }
    for b in &m.bases {
        let mut p = layer("base");
        p.insert("id".into(), b.id.clone().into());
        // The display name, or the id for a base without one (as stations).
        let name = if b.name.is_empty() { &b.id } else { &b.name };
        p.insert("name".into(), name.clone().into());
        p.insert("role".into(), b.role.clone().into());
        p.insert("urban_radius_km".into(), b.urban_radius_km.into());
        push(point(b.x_km, b.y_km), p);
    }
    for d in &m.demand {
        let mut p = layer("demand");
        p.insert("name".into(), d.name.clone().into());
        p.insert("weight".into(), d.weight.into());
        p.insert("share_pct".into(), round(100.0 * d.share, 1e4).into());
        p.insert("station".into(), d.station.clone().into());
        p.insert("spread_km".into(), d.spread_km.into());
        p.insert("area".into(), d.area.into());
        // Area demand is drawn as the part of the county it covers.
        let geometry = if d.area {
            let s = m.stations.iter().position(|s| s.id == d.station);
            s.and_then(|s| m.jurisdictions.get(s)).and_then(polygons)
        } else {
            point(d.x_km, d.y_km)
        };
        push(geometry, p);
    }
    let mut fc = FeatureCollection::new(features);
    let mut members = JsonObject::new();
    members.insert("name".into(), format!("{} map", file.run.scenario).into());
    members.insert(
        "policesim_coordinates".into(),
        if m.projection.is_some() {
            "WGS-84 longitude, latitude (degrees)"
        } else {
            "km east, km north of the scenario's origin (no projection)"
        }
        .into(),
    );
    fc.foreign_members = Some(members);
    fc
}

fn layer(name: &str) -> JsonObject {
    let mut p = JsonObject::new();
    p.insert("layer".into(), name.into());
    p
}

fn round(v: f64, scale: f64) -> f64 {
    (v * scale).round() / scale
}

/// A strategy's figures for a station or zone, as `<strategy>_<figure>`.
fn results(p: &mut JsonObject, strategy: &str, g: &GroupSummary, days: f64) {
    let calls = (g.incidents + g.open_incidents) as f64 / days.max(f64::MIN_POSITIVE);
    let figures: [(&str, Option<f64>); 7] = [
        ("calls_per_day", Some(round(calls, 1e4))),
        ("response_mean_min", g.response_mean_min),
        ("response_p90_min", g.response_p90_min),
        ("within_target_pct", g.within_target_pct),
        ("wait_mean_min", g.wait_mean_min),
        ("utilization_pct", g.unit_utilization_pct),
        ("cross_district_pct", g.cross_district_pct),
    ];
    for (name, v) in figures {
        let v = v.map(|v| round(v, 1e4));
        p.insert(
            format!("{strategy}_{name}"),
            v.map_or(JsonValue::Null, JsonValue::from),
        );
    }
}

/// `ring` turned to run counter-clockwise (`ccw`) or clockwise, by the sign
/// of its area (shoelace formula).
fn oriented(mut ring: Vec<Vec<f64>>, ccw: bool) -> Vec<Vec<f64>> {
    let twice_area: f64 = ring
        .windows(2)
        .map(|w| w[0][0] * w[1][1] - w[1][0] * w[0][1])
        .sum();
    if (twice_area > 0.0) != ccw {
        ring.reverse();
    }
    ring
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rings_follow_the_right_hand_rule() {
        let cw = vec![
            vec![0.0, 0.0],
            vec![0.0, 1.0],
            vec![1.0, 1.0],
            vec![1.0, 0.0],
            vec![0.0, 0.0],
        ];
        let ccw = oriented(cw.clone(), true);
        assert_eq!(ccw[1], vec![1.0, 0.0]);
        assert_eq!(oriented(ccw.clone(), true), ccw);
        assert_eq!(oriented(ccw, false), cw);
    }
}
