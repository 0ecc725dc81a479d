//! `[travel] network`: reading the road network and attaching its
//! shortest-path tables once the strategies' bases are known.

use std::path::Path;
use std::sync::Arc;

use crate::map::{Point, Projection, TravelModel};
use crate::roads::{
    DEFAULT_ACCESS_SPEED_KMH, FAR_ACCESS_KM, Frame, RoadNetwork, RoadTravel, Speeds,
};
use crate::roster::Shortage;
use crate::scenario::Scenario;
use crate::scenario::diag::Collector;
use crate::scenario::raw::RawScenario;
use crate::strategy::Plan;

/// Reads the network `[travel] network` names, if any, reporting problems to `c`.
pub(super) fn network(
    raw: &RawScenario,
    file: &str,
    projection: Option<Projection>,
    c: &mut Collector,
) -> Option<RoadNetwork> {
    let t = &raw.travel;
    let Some(name) = &t.network else {
        if t.access_speed_kmh.is_some() {
            c.warn(
                "travel.access_speed_kmh",
                "only used with [travel] network: travel is straight-line here",
            );
        }
        if t.network_datum.is_some() {
            c.warn(
                "travel.network_datum",
                "only used with [travel] network: travel is straight-line here",
            );
        }
        if !t.speeds.is_empty() {
            c.warn(
                "travel.speeds",
                "only used with [travel] network: travel is straight-line here",
            );
        }
        return None;
    };
    for key in [
        ("speed_kmh", t.speed_kmh.is_some()),
        ("detour", t.detour.is_some()),
    ]
    .iter()
    .filter(|k| k.1)
    .map(|k| k.0)
    {
        c.warn(
            format!("travel.{key}"),
            "ignored: with [travel] network, trips follow the roads at their own speeds",
        );
    }
    let mut ok = true;
    if let Some(v) = t.access_speed_kmh {
        if !(v.is_finite() && v > 0.0) {
            c.error(
                "travel.access_speed_kmh",
                format!("must be a finite number > 0, found {v}"),
            );
            ok = false;
        }
    }
    for (class, &v) in &t.speeds {
        if !(v.is_finite() && v >= 0.0) {
            c.error(
                format!("travel.speeds.{class}"),
                format!("must be a speed in km/h >= 0 (0: not driven on), found {v}"),
            );
            ok = false;
        }
    }
    let Some(projection) = projection else {
        c.error(
            "travel.network",
            "a road network is in longitude and latitude: give the scenario's positions as lat/lon, or a [map] centre_lat and centre_lon",
        );
        return None;
    };
    if !ok {
        return None;
    }
    let path = Path::new(name);
    let path = if path.is_absolute() {
        path.to_path_buf()
    } else {
        Path::new(file).parent().unwrap_or(Path::new("")).join(path)
    };
    let frame = Frame {
        projection,
        network_datum: t.network_datum.unwrap_or(raw.map.datum),
        scenario_datum: raw.map.datum,
    };
    match RoadNetwork::load(&path, name, frame, &Speeds::with(&t.speeds)) {
        Ok(net) => {
            let st = net.stats();
            if st.bad_maxspeed > 0 {
                c.warn(
                    "travel.network",
                    format!(
                        "{name}: {} way(s) have a maxspeed that is not a speed of at least 1 km/h in km/h, mph or knots (first: {}); their class speed is used",
                        st.bad_maxspeed,
                        st.bad_maxspeed_example.as_deref().unwrap_or("?")
                    ),
                );
            }
            Some(net)
        }
        Err(e) => {
            c.error("travel.network", e.to_string());
            None
        }
    }
}

/// Every point a unit can wait at under any strategy: the fleets' bases,
/// standby posts, and every station, squad and specialist base.
fn bases(s: &Scenario, plans: &[Result<Plan, Vec<Shortage>>]) -> Vec<Point> {
    let mut out: Vec<Point> = s.stations.iter().map(|st| st.pos).collect();
    out.extend(s.squads.iter().map(|q| q.pos));
    out.extend(s.specialists.iter().map(|u| u.pos));
    for (cfg, plan) in s.strategies.iter().zip(plans) {
        if let Ok(plan) = plan {
            out.extend(plan.fleet.iter().map(|u| u.base));
        }
        out.extend(cfg.standby_posts());
    }
    out
}

/// Builds the tables from every base, makes them the scenario's travel
/// model, and warns about points that join the network badly.
pub(super) fn attach(
    s: &mut Scenario,
    net: RoadNetwork,
    plans: &[Result<Plan, Vec<Shortage>>],
    access_speed_kmh: Option<f64>,
    c: &mut Collector,
) {
    let turnout_min = match s.travel {
        TravelModel::Euclidean { turnout_min, .. } => turnout_min,
        TravelModel::Network(ref r) => r.turnout_min(),
    };
    let bases = bases(s, plans);
    let travel = RoadTravel::new(
        net,
        &bases,
        turnout_min,
        access_speed_kmh.unwrap_or(DEFAULT_ACCESS_SPEED_KMH),
    );
    let net = travel.network();
    let mut points: Vec<(String, String, Point)> = Vec::new();
    for (i, st) in s.stations.iter().enumerate() {
        points.push((
            format!("stations[{i}]"),
            format!("station {:?}", st.id),
            st.pos,
        ));
    }
    for (i, d) in s.demand.iter().enumerate() {
        let what = if d.name.is_empty() {
            format!("demand point {i}")
        } else {
            format!("demand point {:?}", d.name)
        };
        points.push((format!("demand[{i}]"), what, d.pos));
    }
    for (i, q) in s.squads.iter().enumerate() {
        points.push((
            format!("traffic_squads[{i}]"),
            format!("traffic squad {:?}", q.id),
            q.pos,
        ));
    }
    for (i, u) in s.specialists.iter().enumerate() {
        points.push((
            format!("specialist_units[{i}]"),
            format!("specialist unit {:?}", u.id),
            u.pos,
        ));
    }
    for (key, what, p) in points {
        let j = net.join(p);
        if j.off_main {
            c.warn(
                key,
                format!(
                    "{what}: its nearest road node ({:.2} km away) is on a piece of the network of {} node(s) not connected both ways to the main piece; it joins the main piece {:.2} km away instead, in a straight line at {} km/h (a station on an island would answer nobody: check the network here)",
                    j.nearest_km,
                    j.nearest_piece_nodes,
                    j.access_km,
                    travel.access_speed_kmh()
                ),
            );
        } else if j.access_km > FAR_ACCESS_KM {
            c.warn(
                key,
                format!(
                    "{what} is {:.2} km from the nearest road node, covered in a straight line at {} km/h: does the network reach it?",
                    j.access_km,
                    travel.access_speed_kmh()
                ),
            );
        }
    }
    s.travel = TravelModel::Network(Arc::new(travel));
}
