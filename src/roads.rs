//! Road-network travel: a road graph read from GeoJSON or an OpenStreetMap
//! extract (`.osm.pbf`), and shortest-path times from every base.
//!
//! A trip is `turnout + access(base → its node) + shortest path + access(node
//! → incident)`; the way back is `access + shortest path back + access`
//! without turnout. Access legs are straight lines at `access_speed_kmh`.
//! Every point joins the network at its nearest node of the *main piece*:
//! the largest strongly connected part of the graph, where every node can
//! reach every other. Points never join small disconnected pieces (islands,
//! fragments cut off at the edge of an extract, one-way dead ends), so no
//! trip is ever unreachable; [`RoadNetwork::join`] tells which points would
//! have joined another piece, for `policesim check` to warn about.
//!
//! Shortest-path times from every base to every node of the main piece (and
//! back, when one-way streets make the two differ) are computed once per
//! scenario; the engine then looks a trip up in a table, with the incident's
//! node found once per incident ([`RoadTravel::node_of`]) and each base's
//! table found once when the base is set ([`RoadTravel::slot_of`]).
//!
//! This module sits in the bottom layer, on [`crate::geo`]: it knows
//! points, projections and roads, nothing of the engine or the strategies.
//! [`crate::map`]'s travel model sits on top of it.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, HashMap};
use std::hash::Hash;
use std::path::Path;

use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::unionfind::UnionFind;
use rayon::prelude::*;
use rstar::RTree;
use rstar::primitives::GeomWithData;

use crate::geo::{Datum, Point, Projection, wgs84_to_gcj02};

/// Default speeds of the OpenStreetMap `highway` classes, km/h.
///
/// Assumptions, not measurements: the free-flow car speeds of the OSRM
/// routing engine's car profile (motorway 90 ... service 15), plus `track`
/// and `road` (unclassified in OSM terms) which that profile leaves out.
/// A class missing here and from `[travel.speeds]` (footway, cycleway,
/// path, steps, construction, ...) is not driven on.
pub const DEFAULT_SPEEDS_KMH: [(&str, f64); 16] = [
    ("motorway", 90.0),
    ("motorway_link", 45.0),
    ("trunk", 85.0),
    ("trunk_link", 40.0),
    ("primary", 65.0),
    ("primary_link", 30.0),
    ("secondary", 55.0),
    ("secondary_link", 25.0),
    ("tertiary", 40.0),
    ("tertiary_link", 20.0),
    ("unclassified", 25.0),
    ("residential", 25.0),
    ("living_street", 10.0),
    ("service", 15.0),
    ("track", 15.0),
    ("road", 25.0),
];

/// Default speed of the access legs between a point and its node, km/h
/// (assumption: village lanes, yards and field tracks).
pub const DEFAULT_ACCESS_SPEED_KMH: f64 = 20.0;

/// Distance from a point to its node above which `check` warns, km.
pub const FAR_ACCESS_KM: f64 = 1.0;

/// The speed of each road class, km/h; a class with speed 0 or absent is
/// not driven on.
#[derive(Debug, Clone, PartialEq)]
pub struct Speeds {
    kmh: BTreeMap<String, f64>,
}

impl Default for Speeds {
    fn default() -> Self {
        Self {
            kmh: DEFAULT_SPEEDS_KMH
                .iter()
                .map(|&(c, v)| (c.to_string(), v))
                .collect(),
        }
    }
}

impl Speeds {
    /// The defaults with `overrides` (class → km/h) on top.
    pub fn with(overrides: &BTreeMap<String, f64>) -> Self {
        let mut s = Self::default();
        for (class, &v) in overrides {
            s.kmh.insert(class.clone(), v);
        }
        s
    }

    /// Speed of `class`, if it is driven on.
    pub fn of(&self, class: &str) -> Option<f64> {
        self.kmh.get(class).copied().filter(|&v| v > 0.0)
    }
}

/// Direction of travel allowed on a way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Oneway {
    /// Both directions.
    No,
    /// Only in the order of the way's points.
    Forward,
    /// Only against it (OSM `oneway=-1`).
    Backward,
}

/// Reads an OSM `oneway` value: `yes`/`true`/`1`, `-1`/`reverse`,
/// `no`/`false`/`0`; anything else (`reversible`, `alternating`) is
/// two-way. `None` when absent.
pub fn parse_oneway(v: &str) -> Oneway {
    match v.trim().to_ascii_lowercase().as_str() {
        "yes" | "true" | "1" => Oneway::Forward,
        "-1" | "reverse" => Oneway::Backward,
        _ => Oneway::No,
    }
}

/// An OSM `maxspeed` as read.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum MaxSpeed {
    /// A speed, km/h.
    Kmh(f64),
    /// No number: the class speed applies.
    ClassSpeed,
    /// Text that is not a speed (the class speed applies, with a warning).
    Unreadable,
}

/// The lowest `maxspeed` taken as a speed, km/h, as for every speed of a
/// scenario: below it (`0`, `0.0001`, tagging errors in OSM) the class
/// speed applies, with a warning.
pub const MIN_MAXSPEED_KMH: f64 = 1.0;

/// Reads an OSM `maxspeed` value: `60`, `60 km/h`, `40 mph`, `10 knots`;
/// `none`, `signals`, `variable`, `walk` and zone codes such as `CN:urban`
/// leave the class speed; with several values (`60;80`) the first counts.
/// Speeds below [`MIN_MAXSPEED_KMH`] are [`MaxSpeed::Unreadable`].
pub fn parse_maxspeed(v: &str) -> MaxSpeed {
    let v = v.trim().to_ascii_lowercase();
    let first = v.split([';', '|']).next().unwrap_or("").trim();
    if matches!(first, "none" | "signals" | "variable" | "walk" | "") || first.contains(':') {
        return MaxSpeed::ClassSpeed;
    }
    let split = first
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(first.len());
    let (num, unit) = first.split_at(split);
    let Ok(value) = num.parse::<f64>() else {
        return MaxSpeed::Unreadable;
    };
    let factor = match unit.trim() {
        "" | "km/h" | "kmh" | "kph" | "kmph" => 1.0,
        "mph" => 1.609_344,
        "knots" | "kn" => 1.852,
        _ => return MaxSpeed::Unreadable,
    };
    let kmh = value * factor;
    if kmh.is_finite() && kmh >= MIN_MAXSPEED_KMH {
        MaxSpeed::Kmh(kmh)
    } else {
        MaxSpeed::Unreadable
    }
}

/// How a network's longitudes and latitudes become km on the scenario's
/// plane: converted from the network's datum to the scenario's, then
/// projected.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Frame {
    /// The scenario's projection.
    pub projection: Projection,
    /// Datum of the network file's coordinates.
    pub network_datum: Datum,
    /// Datum of the scenario's latitudes and longitudes.
    pub scenario_datum: Datum,
}

impl From<Projection> for Frame {
    /// A network in the scenario's own datum.
    fn from(projection: Projection) -> Self {
        Self {
            projection,
            network_datum: Datum::Wgs84,
            scenario_datum: Datum::Wgs84,
        }
    }
}

impl Frame {
    /// The km point of network coordinates `(lat, lon)`.
    pub fn to_km(&self, lat: f64, lon: f64) -> Point {
        let (lat, lon) = if self.network_datum == self.scenario_datum {
            (lat, lon)
        } else {
            let (lat, lon) = self.network_datum.to_wgs84(lat, lon);
            match self.scenario_datum {
                Datum::Wgs84 => (lat, lon),
                Datum::Gcj02 => wgs84_to_gcj02(lat, lon),
            }
        };
        self.projection.project(lat, lon)
    }
}

/// Everything that can go wrong reading a road network.
#[derive(Debug, thiserror::Error)]
pub enum NetworkError {
    /// The file could not be read.
    #[error("{file}: cannot read: {source}")]
    Io {
        /// The file.
        file: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is not a GeoJSON FeatureCollection or a valid OSM PBF.
    #[error("{file}: {message}")]
    Format {
        /// The file.
        file: String,
        /// What is wrong.
        message: String,
    },
    /// One feature or way is unusable.
    #[error("{file}: {location}: {message}")]
    Feature {
        /// The file.
        file: String,
        /// e.g. `features[3].geometry` or `way 123456`.
        location: String,
        /// What is wrong.
        message: String,
    },
    /// Nothing in the file can be driven on.
    #[error(
        "{file}: no drivable road: {message} (roads need a `highway` class with a speed; see [travel.speeds])"
    )]
    Empty {
        /// The file.
        file: String,
        /// What was found instead.
        message: String,
    },
}

/// What a network file held and what became of it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NetworkStats {
    /// Ways (features, or OSM ways) driven on.
    pub ways: usize,
    /// Road nodes (distinct vertices of the ways driven on).
    pub nodes: usize,
    /// Directed edges (a two-way segment counts twice).
    pub edges: usize,
    /// Of them, one-way segments.
    pub oneway_edges: usize,
    /// Road length, km (each segment once).
    pub km: f64,
    /// Connected pieces (ignoring direction).
    pub pieces: usize,
    /// Nodes of the main piece (largest strongly connected part).
    pub main_nodes: usize,
    /// Ways not driven on, by class (no speed for it), or `(no highway)`.
    pub skipped: BTreeMap<String, usize>,
    /// Ways whose `maxspeed` could not be read (their class speed is used).
    pub bad_maxspeed: usize,
    /// The first such value and where it was.
    pub bad_maxspeed_example: Option<String>,
    /// Ways whose `maxspeed` set their speed.
    pub maxspeed_used: usize,
}

/// One way as read: its tags and its points `(key, lat, lon)`.
struct WayIn<'a, K> {
    location: &'a dyn Fn() -> String,
    class: Option<&'a str>,
    maxspeed: Option<MaxSpeedIn<'a>>,
    oneway: Option<Oneway>,
    roundabout: bool,
    points: &'a [(K, f64, f64)],
}

/// A `maxspeed` as written: text (OSM) or a number (GeoJSON).
enum MaxSpeedIn<'a> {
    Text(&'a str),
    Number(f64),
}

/// Collects nodes and edges from ways, joining ways at shared keys
/// (coordinates for GeoJSON, node ids for OSM).
struct Builder<'a, K> {
    file: &'a str,
    frame: Frame,
    speeds: &'a Speeds,
    index: HashMap<K, u32>,
    pos: Vec<Point>,
    /// `(from, to, minutes)`.
    edges: Vec<(u32, u32, f64)>,
    stats: NetworkStats,
}

impl<'a, K: Hash + Eq + Copy> Builder<'a, K> {
    fn new(file: &'a str, frame: Frame, speeds: &'a Speeds) -> Self {
        Self {
            file,
            frame,
            speeds,
            index: HashMap::new(),
            pos: Vec::new(),
            edges: Vec::new(),
            stats: NetworkStats::default(),
        }
    }

    fn node(&mut self, key: K, lat: f64, lon: f64) -> u32 {
        let next = self.pos.len() as u32;
        let frame = self.frame;
        let pos = &mut self.pos;
        *self.index.entry(key).or_insert_with(|| {
            pos.push(frame.to_km(lat, lon));
            next
        })
    }

    fn add(&mut self, way: WayIn<'_, K>) -> Result<(), NetworkError> {
        let Some(class) = way.class else {
            *self
                .stats
                .skipped
                .entry("(no highway)".to_string())
                .or_default() += 1;
            return Ok(());
        };
        let Some(class_kmh) = self.speeds.of(class) else {
            *self.stats.skipped.entry(class.to_string()).or_default() += 1;
            return Ok(());
        };
        let maxspeed = match way.maxspeed {
            None => None,
            Some(MaxSpeedIn::Number(v)) if v.is_finite() && v >= MIN_MAXSPEED_KMH => Some(v),
            Some(MaxSpeedIn::Number(v)) => {
                self.bad_maxspeed(&v.to_string(), way.location);
                None
            }
            Some(MaxSpeedIn::Text(t)) => match parse_maxspeed(t) {
                MaxSpeed::Kmh(v) => Some(v),
                MaxSpeed::ClassSpeed => None,
                MaxSpeed::Unreadable => {
                    self.bad_maxspeed(t, way.location);
                    None
                }
            },
        };
        if maxspeed.is_some() {
            self.stats.maxspeed_used += 1;
        }
        let kmh = maxspeed.unwrap_or(class_kmh);
        let oneway = way
            .oneway
            .unwrap_or(if way.roundabout || class == "motorway" {
                Oneway::Forward
            } else {
                Oneway::No
            });
        for &(_, lat, lon) in way.points {
            if !(lat.is_finite() && lon.is_finite() && lat.abs() <= 90.0 && lon.abs() <= 180.0) {
                return Err(NetworkError::Feature {
                    file: self.file.to_string(),
                    location: (way.location)(),
                    message: format!(
                        "coordinates must be longitude, latitude in degrees, found [{lon}, {lat}]"
                    ),
                });
            }
        }
        self.stats.ways += 1;
        let mut prev: Option<u32> = None;
        for &(key, lat, lon) in way.points {
            let n = self.node(key, lat, lon);
            if let Some(p) = prev.filter(|&p| p != n) {
                let km = self.pos[p as usize].distance_km(self.pos[n as usize]);
                let min = km / kmh * 60.0;
                self.stats.km += km;
                if oneway != Oneway::Backward {
                    self.edges.push((p, n, min));
                }
                if oneway != Oneway::Forward {
                    self.edges.push((n, p, min));
                }
                if oneway != Oneway::No {
                    self.stats.oneway_edges += 1;
                }
            }
            prev = Some(n);
        }
        Ok(())
    }

    fn bad_maxspeed(&mut self, value: &str, location: &dyn Fn() -> String) {
        self.stats.bad_maxspeed += 1;
        if self.stats.bad_maxspeed_example.is_none() {
            self.stats.bad_maxspeed_example = Some(format!("{:?} at {}", value, location()));
        }
    }

    fn finish(self) -> Result<RoadNetwork, NetworkError> {
        if self.edges.is_empty() {
            let skipped: Vec<String> = self
                .stats
                .skipped
                .iter()
                .map(|(c, n)| format!("{n} way(s) of class {c}"))
                .collect();
            return Err(NetworkError::Empty {
                file: self.file.to_string(),
                message: if skipped.is_empty() {
                    "no LineString or MultiLineString with two distinct points".to_string()
                } else {
                    skipped.join(", ")
                },
            });
        }
        Ok(RoadNetwork::from_parts(
            self.file.to_string(),
            self.pos,
            &self.edges,
            self.stats,
        ))
    }
}

type Indexed = GeomWithData<[f64; 2], u32>;

/// A road graph in the scenario's km plane.
#[derive(Debug, Clone)]
pub struct RoadNetwork {
    file: String,
    /// Position of every node.
    pos: Vec<Point>,
    /// Weakly connected piece of every node, and each piece's size.
    piece: Vec<u32>,
    piece_size: Vec<u32>,
    /// Index in the main piece of every node (`u32::MAX` outside it).
    main_of: Vec<u32>,
    /// The node of every main index.
    main_nodes: Vec<u32>,
    /// The main piece alone, nodes numbered by main index, as compressed
    /// rows: the edges out of main node `i` are
    /// `fwd[fwd_start[i]..fwd_start[i + 1]]`; minutes.
    fwd_start: Vec<u32>,
    fwd: Vec<Arc>,
    /// The same edges reversed (the edges into node `i`).
    rev_start: Vec<u32>,
    rev: Vec<Arc>,
    /// Whether some edge has no twin the other way.
    directed: bool,
    /// Fastest edge, km/h (for lower bounds on travel time).
    max_kmh: f64,
    all_tree: RTree<Indexed>,
    main_tree: RTree<Indexed>,
    stats: NetworkStats,
}

/// Where a point joins the network.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Join {
    /// Main index of the node it joins.
    pub node: u32,
    /// Straight-line distance to that node, km.
    pub access_km: f64,
    /// Distance to the nearest node of any piece, km.
    pub nearest_km: f64,
    /// Whether that nearest node lies outside the main piece.
    pub off_main: bool,
    /// Nodes of the piece the nearest node is in (ignoring direction).
    pub nearest_piece_nodes: u32,
}

impl RoadNetwork {
    /// Reads `path`: `.pbf` as an OSM extract, anything else as GeoJSON;
    /// `file` labels errors. Coordinates are placed with `frame` (a bare
    /// [`Projection`] for a network in the scenario's datum).
    pub fn load(
        path: &Path,
        file: &str,
        frame: impl Into<Frame>,
        speeds: &Speeds,
    ) -> Result<Self, NetworkError> {
        let frame = frame.into();
        let is_pbf = path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("pbf"));
        if is_pbf {
            return Self::from_pbf(path, file, frame, speeds);
        }
        let text = std::fs::read_to_string(path).map_err(|source| NetworkError::Io {
            file: file.to_string(),
            source,
        })?;
        Self::from_geojson(&text, file, frame, speeds)
    }

    /// Reads a GeoJSON FeatureCollection of LineString and MultiLineString
    /// roads with properties `highway`, `maxspeed` (number or OSM text) and
    /// `oneway`. Other geometries are skipped.
    pub fn from_geojson(
        text: &str,
        file: &str,
        frame: impl Into<Frame>,
        speeds: &Speeds,
    ) -> Result<Self, NetworkError> {
        let frame = frame.into();
        use serde_json::Value as JsonValue;
        // Read straight into the few fields a road needs: no JSON tree of
        // the whole file (a county network is tens of MB of text).
        let fc: FeatureCollectionIn =
            serde_json::from_str(text).map_err(|e| NetworkError::Format {
                file: file.to_string(),
                message: format!("not a GeoJSON FeatureCollection: {e}"),
            })?;
        if fc.kind != "FeatureCollection" {
            return Err(NetworkError::Format {
                file: file.to_string(),
                message: format!(
                    "not a GeoJSON FeatureCollection: its \"type\" is {:?}",
                    fc.kind
                ),
            });
        }
        let mut b: Builder<'_, (u64, u64)> = Builder::new(file, frame, speeds);
        let mut points: Vec<((u64, u64), f64, f64)> = Vec::new();
        for (i, f) in fc.features.iter().enumerate() {
            let props = f.properties.as_ref();
            let bad = |key: &str, what: &str, v: &JsonValue| NetworkError::Feature {
                file: file.to_string(),
                location: format!("features[{i}].properties.{key}"),
                message: format!("{what}, found {v}"),
            };
            let class = match props.and_then(|p| p.highway.as_ref()) {
                None | Some(JsonValue::Null) => None,
                Some(JsonValue::String(s)) => Some(s.as_str()),
                Some(v) => {
                    return Err(bad(
                        "highway",
                        "must be a road class such as \"primary\"",
                        v,
                    ));
                }
            };
            let maxspeed = match props.and_then(|p| p.maxspeed.as_ref()) {
                None | Some(JsonValue::Null) => None,
                Some(JsonValue::String(s)) => Some(MaxSpeedIn::Text(s.as_str())),
                Some(JsonValue::Number(n)) => {
                    Some(MaxSpeedIn::Number(n.as_f64().unwrap_or(f64::NAN)))
                }
                Some(v) => return Err(bad("maxspeed", "must be km/h as a number or OSM text", v)),
            };
            let oneway = match props.and_then(|p| p.oneway.as_ref()) {
                None | Some(JsonValue::Null) => None,
                Some(JsonValue::String(s)) => Some(parse_oneway(s)),
                Some(JsonValue::Bool(true)) => Some(Oneway::Forward),
                Some(JsonValue::Bool(false)) => Some(Oneway::No),
                Some(JsonValue::Number(n)) => Some(parse_oneway(&n.to_string())),
                Some(v) => {
                    return Err(bad(
                        "oneway",
                        "must be \"yes\", \"-1\", \"no\" or true/false",
                        v,
                    ));
                }
            };
            let roundabout = matches!(
                props
                    .and_then(|p| p.junction.as_ref())
                    .and_then(JsonValue::as_str),
                Some("roundabout" | "circular")
            );
            let lines: Vec<&Vec<Vec<f64>>> = match f.geometry.as_ref() {
                Some(GeometryIn {
                    kind,
                    coordinates: Some(CoordinatesIn::Line(line)),
                }) if kind == "LineString" => vec![line],
                Some(GeometryIn {
                    kind,
                    coordinates: Some(CoordinatesIn::Lines(lines)),
                }) if kind == "MultiLineString" => lines.iter().collect(),
                _ => {
                    if class.is_some() {
                        *b.stats
                            .skipped
                            .entry("(not a line)".to_string())
                            .or_default() += 1;
                    }
                    continue;
                }
            };
            let location = || match f.id.as_ref() {
                Some(JsonValue::String(s)) => format!("features[{i}] (id {s:?})"),
                Some(JsonValue::Number(n)) => format!("features[{i}] (id {n})"),
                _ => format!("features[{i}]"),
            };
            for line in lines {
                points.clear();
                for p in line {
                    let (lon, lat) = match p.as_slice() {
                        [lon, lat, ..] => (*lon, *lat),
                        _ => {
                            return Err(NetworkError::Feature {
                                file: file.to_string(),
                                location: format!("{}.geometry", location()),
                                message: "every position needs a longitude and a latitude".into(),
                            });
                        }
                    };
                    points.push(((lon.to_bits(), lat.to_bits()), lat, lon));
                }
                b.add(WayIn {
                    location: &location,
                    class,
                    maxspeed: match &maxspeed {
                        Some(MaxSpeedIn::Text(t)) => Some(MaxSpeedIn::Text(t)),
                        Some(MaxSpeedIn::Number(v)) => Some(MaxSpeedIn::Number(*v)),
                        None => None,
                    },
                    oneway,
                    roundabout,
                    points: &points,
                })?;
            }
        }
        b.finish()
    }

    /// Reads an OpenStreetMap PBF extract: every way with a `highway` tag,
    /// and the coordinates of its nodes.
    pub fn from_pbf(
        path: &Path,
        file: &str,
        frame: impl Into<Frame>,
        speeds: &Speeds,
    ) -> Result<Self, NetworkError> {
        let frame = frame.into();
        use osmpbf::{Element, ElementReader};
        struct Way {
            id: i64,
            class: String,
            maxspeed: Option<String>,
            oneway: Option<Oneway>,
            roundabout: bool,
            refs: Vec<i64>,
        }
        let format = |e: osmpbf::Error| match e.kind() {
            osmpbf::ErrorKind::Io(_) => NetworkError::Format {
                file: file.to_string(),
                message: format!("cannot read: {e}"),
            },
            _ => NetworkError::Format {
                file: file.to_string(),
                message: format!("not a valid OSM PBF file: {e}"),
            },
        };
        let open = || {
            ElementReader::from_path(path).map_err(|source| NetworkError::Io {
                file: file.to_string(),
                source: std::io::Error::other(source.to_string()),
            })
        };
        // First pass: the ways with a highway tag.
        let mut ways: Vec<Way> = Vec::new();
        let mut no_highway = 0usize;
        open()?
            .for_each(|e| {
                if let Element::Way(w) = e {
                    let mut way = Way {
                        id: w.id(),
                        class: String::new(),
                        maxspeed: None,
                        oneway: None,
                        roundabout: false,
                        refs: Vec::new(),
                    };
                    for (k, v) in w.tags() {
                        match k {
                            "highway" => way.class = v.to_string(),
                            "maxspeed" => way.maxspeed = Some(v.to_string()),
                            "oneway" => way.oneway = Some(parse_oneway(v)),
                            "junction" => way.roundabout = matches!(v, "roundabout" | "circular"),
                            _ => {}
                        }
                    }
                    if way.class.is_empty() {
                        no_highway += 1;
                    } else {
                        way.refs = w.refs().collect();
                        ways.push(way);
                    }
                }
            })
            .map_err(format)?;
        // Second pass: coordinates of the nodes those ways use.
        let mut coords: HashMap<i64, (f64, f64)> = ways
            .iter()
            .flat_map(|w| w.refs.iter().map(|&r| (r, (f64::NAN, f64::NAN))))
            .collect();
        open()?
            .for_each(|e| {
                let (id, lat, lon) = match e {
                    Element::Node(n) => (n.id(), n.lat(), n.lon()),
                    Element::DenseNode(n) => (n.id(), n.lat(), n.lon()),
                    _ => return,
                };
                if let Some(c) = coords.get_mut(&id) {
                    *c = (lat, lon);
                }
            })
            .map_err(format)?;
        let mut b: Builder<'_, i64> = Builder::new(file, frame, speeds);
        if no_highway > 0 {
            b.stats
                .skipped
                .insert("(no highway)".to_string(), no_highway);
        }
        for w in &ways {
            let location = || format!("way {}", w.id);
            // An extract clipped at its boundary may keep ways whose outer
            // nodes are missing: drive the parts whose nodes are present.
            let mut parts: Vec<Vec<(i64, f64, f64)>> = vec![Vec::new()];
            for r in &w.refs {
                let (lat, lon) = coords[r];
                if lat.is_nan() {
                    parts.push(Vec::new());
                } else {
                    parts.last_mut().expect("one part").push((*r, lat, lon));
                }
            }
            for part in parts.iter().filter(|p| p.len() >= 2) {
                b.add(WayIn {
                    location: &location,
                    class: Some(&w.class),
                    maxspeed: w.maxspeed.as_deref().map(MaxSpeedIn::Text),
                    oneway: w.oneway,
                    roundabout: w.roundabout,
                    points: part,
                })?;
            }
        }
        b.finish()
    }

    fn from_parts(
        file: String,
        pos: Vec<Point>,
        edges: &[(u32, u32, f64)],
        mut stats: NetworkStats,
    ) -> Self {
        let n = pos.len();
        let mut full: DiGraph<(), f64, u32> = DiGraph::with_capacity(n, edges.len());
        for _ in 0..n {
            full.add_node(());
        }
        let mut pieces = UnionFind::<u32>::new(n);
        for &(a, b, w) in edges {
            full.add_edge(NodeIndex::new(a as usize), NodeIndex::new(b as usize), w);
            pieces.union(a, b);
        }
        // Weak pieces, numbered in order of first node.
        let labels = pieces.into_labeling();
        let mut piece_of_label: HashMap<u32, u32> = HashMap::new();
        let mut piece = Vec::with_capacity(n);
        let mut piece_size: Vec<u32> = Vec::new();
        for &l in &labels {
            let next = piece_of_label.len() as u32;
            let p = *piece_of_label.entry(l).or_insert(next);
            if p as usize == piece_size.len() {
                piece_size.push(0);
            }
            piece_size[p as usize] += 1;
            piece.push(p);
        }
        // The main piece: the largest strongly connected component (ties:
        // the one holding the lowest node).
        let sccs = petgraph::algo::tarjan_scc(&full);
        let main = sccs
            .iter()
            .max_by(|a, b| {
                a.len().cmp(&b.len()).then_with(|| {
                    let lo = |c: &Vec<NodeIndex<u32>>| c.iter().map(|i| i.index()).min();
                    lo(b).cmp(&lo(a))
                })
            })
            .expect("a network with edges has nodes");
        let mut main_nodes: Vec<u32> = main.iter().map(|i| i.index() as u32).collect();
        main_nodes.sort_unstable();
        let mut main_of = vec![u32::MAX; n];
        for (m, &node) in main_nodes.iter().enumerate() {
            main_of[node as usize] = m as u32;
        }
        drop(full);
        let mut max_kmh: f64 = 0.0;
        let mut pairs: HashMap<(u32, u32), u32> = HashMap::new();
        let mut main_edges: Vec<(u32, u32, f64)> = Vec::with_capacity(edges.len());
        for &(a, b, w) in edges {
            let (ma, mb) = (main_of[a as usize], main_of[b as usize]);
            if ma != u32::MAX && mb != u32::MAX {
                main_edges.push((ma, mb, w));
                let km = pos[a as usize].distance_km(pos[b as usize]);
                if w > 0.0 {
                    max_kmh = max_kmh.max(km / w * 60.0);
                }
                *pairs.entry((ma, mb)).or_default() += 1;
            }
        }
        let (fwd_start, fwd) = compress(
            main_nodes.len(),
            main_edges.iter().map(|&(a, b, w)| (a, b, w)),
        );
        let (rev_start, rev) = compress(
            main_nodes.len(),
            main_edges.iter().map(|&(a, b, w)| (b, a, w)),
        );
        drop(main_edges);
        let directed = pairs
            .iter()
            .any(|(&(a, b), &k)| pairs.get(&(b, a)).copied().unwrap_or(0) != k);
        let tree = |nodes: &mut dyn Iterator<Item = (u32, Point)>| {
            RTree::bulk_load(
                nodes
                    .map(|(i, p)| GeomWithData::new([p.x_km, p.y_km], i))
                    .collect(),
            )
        };
        let all_tree = tree(&mut pos.iter().enumerate().map(|(i, p)| (i as u32, *p)));
        let main_tree = tree(
            &mut main_nodes
                .iter()
                .enumerate()
                .map(|(m, &node)| (m as u32, pos[node as usize])),
        );
        stats.nodes = n;
        stats.edges = edges.len();
        stats.pieces = piece_size.len();
        stats.main_nodes = main_nodes.len();
        Self {
            file,
            pos,
            piece,
            piece_size,
            main_of,
            main_nodes,
            fwd_start,
            fwd,
            rev_start,
            rev,
            directed,
            max_kmh,
            all_tree,
            main_tree,
            stats,
        }
    }

    /// The file it was read from, as named in the scenario.
    pub fn file(&self) -> &str {
        &self.file
    }

    /// What the file held.
    pub fn stats(&self) -> &NetworkStats {
        &self.stats
    }

    /// Whether travel times differ by direction (one-way streets).
    pub fn directed(&self) -> bool {
        self.directed
    }

    /// Position of main node `node`.
    pub fn main_pos(&self, node: u32) -> Point {
        self.pos[self.main_nodes[node as usize] as usize]
    }

    /// The main node nearest to `p` (ties: as the R-tree finds them, the
    /// same on every run).
    #[inline]
    pub fn nearest_main(&self, p: Point) -> u32 {
        self.main_tree
            .nearest_neighbor([p.x_km, p.y_km])
            .expect("the main piece has a node")
            .data
    }

    /// Where `p` joins the network, and whether its nearest node lies on
    /// another piece.
    pub fn join(&self, p: Point) -> Join {
        let node = self.nearest_main(p);
        let nearest = self
            .all_tree
            .nearest_neighbor([p.x_km, p.y_km])
            .expect("the network has a node")
            .data;
        Join {
            node,
            access_km: p.distance_km(self.main_pos(node)),
            nearest_km: p.distance_km(self.pos[nearest as usize]),
            off_main: self.main_of[nearest as usize] == u32::MAX,
            nearest_piece_nodes: self.piece_size[self.piece[nearest as usize] as usize],
        }
    }

    /// Shortest-path minutes from main node `from` to every main node
    /// (`backward`: from every node to `from`), into `dist`.
    fn one_to_all(&self, from: u32, backward: bool, dist: &mut [f64]) {
        dist.fill(f64::INFINITY);
        let (start, arcs) = if backward {
            (&self.rev_start, &self.rev)
        } else {
            (&self.fwd_start, &self.fwd)
        };
        // Non-negative floats order like their bit patterns.
        let mut heap = BinaryHeap::with_capacity(1024);
        dist[from as usize] = 0.0;
        heap.push(Reverse((0f64.to_bits(), from)));
        while let Some(Reverse((bits, n))) = heap.pop() {
            let d = f64::from_bits(bits);
            if d > dist[n as usize] {
                continue;
            }
            let (lo, hi) = (start[n as usize] as usize, start[n as usize + 1] as usize);
            for arc in &arcs[lo..hi] {
                let nd = d + arc.min;
                let m = arc.to as usize;
                if nd < dist[m] {
                    dist[m] = nd;
                    heap.push(Reverse((nd.to_bits(), arc.to)));
                }
            }
        }
    }

    /// Shortest-path minutes from main node `from` to main node `to`: an
    /// A* search guided by the straight line at the fastest road's speed (a
    /// lower bound on every edge, so the answer is the shortest path's),
    /// stopping at `to`, on per-thread scratch space (nothing is allocated
    /// once a thread has searched a network of this size).
    pub fn path_min(&self, from: u32, to: u32) -> f64 {
        if from == to {
            return 0.0;
        }
        let goal = self.main_pos(to);
        // Minutes per km at the fastest speed; a hair under, so rounding in
        // the bound never overestimates.
        let per_km = if self.max_kmh > 0.0 {
            60.0 / self.max_kmh * (1.0 - 1e-12)
        } else {
            0.0
        };
        let bound = |v: u32| self.main_pos(v).distance_km(goal) * per_km;
        SCRATCH.with_borrow_mut(|sc| {
            let n = self.main_nodes.len();
            if sc.dist.len() < n {
                sc.dist.resize(n, f64::INFINITY);
            }
            let Scratch {
                dist,
                touched,
                heap,
            } = sc;
            dist[from as usize] = 0.0;
            touched.push(from);
            heap.push(Reverse((bound(from).to_bits(), from)));
            let mut found = f64::INFINITY;
            while let Some(Reverse((key, v))) = heap.pop() {
                let d = dist[v as usize];
                if key > (d + bound(v)).to_bits() {
                    continue; // a stale entry: v was reached faster since
                }
                if v == to {
                    found = d;
                    break;
                }
                let (lo, hi) = (
                    self.fwd_start[v as usize] as usize,
                    self.fwd_start[v as usize + 1] as usize,
                );
                for arc in &self.fwd[lo..hi] {
                    let nd = d + arc.min;
                    let m = arc.to as usize;
                    if nd < dist[m] {
                        if dist[m] == f64::INFINITY {
                            touched.push(arc.to);
                        }
                        dist[m] = nd;
                        heap.push(Reverse(((nd + bound(arc.to)).to_bits(), arc.to)));
                    }
                }
            }
            for &t in touched.iter() {
                dist[t as usize] = f64::INFINITY;
            }
            touched.clear();
            heap.clear();
            found
        })
    }
}

/// An edge of the compressed rows: the node it leads to and its minutes.
#[derive(Debug, Clone, Copy)]
struct Arc {
    to: u32,
    min: f64,
}

/// Compressed rows of `edges` `(from, to, minutes)` over `n` nodes, each
/// row in the order the edges came.
fn compress(
    n: usize,
    edges: impl Iterator<Item = (u32, u32, f64)> + Clone,
) -> (Vec<u32>, Vec<Arc>) {
    let mut start = vec![0u32; n + 1];
    for (a, _, _) in edges.clone() {
        start[a as usize + 1] += 1;
    }
    for i in 0..n {
        start[i + 1] += start[i];
    }
    let mut next = start.clone();
    let mut arcs = vec![Arc { to: 0, min: 0.0 }; start[n] as usize];
    for (a, b, w) in edges {
        let k = &mut next[a as usize];
        arcs[*k as usize] = Arc { to: b, min: w };
        *k += 1;
    }
    (start, arcs)
}

/// Per-thread scratch space of [`RoadNetwork::path_min`]: distances (all
/// infinite between searches), the nodes a search touched, its heap.
#[derive(Default)]
struct Scratch {
    dist: Vec<f64>,
    touched: Vec<u32>,
    heap: BinaryHeap<Reverse<(u64, u32)>>,
}

thread_local! {
    static SCRATCH: std::cell::RefCell<Scratch> = std::cell::RefCell::new(Scratch::default());
}

/// A GeoJSON FeatureCollection as read for roads: only what a road needs.
#[derive(serde::Deserialize)]
struct FeatureCollectionIn {
    #[serde(rename = "type")]
    kind: String,
    features: Vec<FeatureIn>,
}

/// A feature as read for roads.
#[derive(serde::Deserialize)]
struct FeatureIn {
    #[serde(default)]
    id: Option<serde_json::Value>,
    #[serde(default)]
    geometry: Option<GeometryIn>,
    #[serde(default)]
    properties: Option<PropertiesIn>,
}

/// The road tags of a feature; other properties are skipped unread.
#[derive(serde::Deserialize)]
struct PropertiesIn {
    #[serde(default)]
    highway: Option<serde_json::Value>,
    #[serde(default)]
    maxspeed: Option<serde_json::Value>,
    #[serde(default)]
    oneway: Option<serde_json::Value>,
    #[serde(default)]
    junction: Option<serde_json::Value>,
}

/// A geometry as read for roads: its type and, for lines, its positions.
#[derive(serde::Deserialize)]
struct GeometryIn {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    coordinates: Option<CoordinatesIn>,
}

/// Coordinates by nesting depth; any other shape (points) is skipped.
#[derive(serde::Deserialize)]
#[serde(untagged)]
enum CoordinatesIn {
    /// A LineString's positions.
    Line(Vec<Vec<f64>>),
    /// A MultiLineString's (or a Polygon's) lines.
    Lines(Vec<Vec<Vec<f64>>>),
    /// Anything else.
    #[allow(dead_code)]
    Other(serde::de::IgnoredAny),
}

/// Bit pattern of a point, for exact lookups.
fn key(p: Point) -> (u64, u64) {
    (p.x_km.to_bits(), p.y_km.to_bits())
}

/// Road-network travel with shortest-path tables from every base.
#[derive(Debug, Clone)]
pub struct RoadTravel {
    net: RoadNetwork,
    turnout_min: f64,
    access_speed_kmh: f64,
    bases: Vec<Point>,
    slot_of: HashMap<(u64, u64), u32>,
    base_access_min: Vec<f64>,
    /// `out[slot * n + node]`: minutes from the base's node to `node`.
    out: Vec<f64>,
    /// Minutes from `node` back to the base's node; empty when the network
    /// has no one-way streets (then it equals `out`).
    back: Vec<f64>,
}

impl RoadTravel {
    /// Precomputes shortest paths from (and back to) every point of `bases`.
    pub fn new(net: RoadNetwork, bases: &[Point], turnout_min: f64, access_speed_kmh: f64) -> Self {
        let mut unique: Vec<Point> = Vec::new();
        let mut slot_of = HashMap::new();
        for &b in bases {
            slot_of.entry(key(b)).or_insert_with(|| {
                unique.push(b);
                unique.len() as u32 - 1
            });
        }
        let n = net.main_nodes.len();
        let base_node: Vec<u32> = unique.iter().map(|&b| net.nearest_main(b)).collect();
        let base_access_min = unique
            .iter()
            .zip(&base_node)
            .map(|(&b, &node)| b.distance_km(net.main_pos(node)) / access_speed_kmh * 60.0)
            .collect();
        let table = |backward: bool| {
            let mut t = vec![0.0; unique.len() * n];
            t.par_chunks_mut(n.max(1))
                .zip(&base_node)
                .for_each(|(row, &node)| net.one_to_all(node, backward, row));
            t
        };
        let out = table(false);
        let back = if net.directed {
            table(true)
        } else {
            Vec::new()
        };
        Self {
            net,
            turnout_min,
            access_speed_kmh,
            bases: unique,
            slot_of,
            base_access_min,
            out,
            back,
        }
    }

    /// The network.
    pub fn network(&self) -> &RoadNetwork {
        &self.net
    }

    /// Minutes from dispatch at a base until wheels roll.
    pub fn turnout_min(&self) -> f64 {
        self.turnout_min
    }

    /// Speed of the access legs, km/h.
    pub fn access_speed_kmh(&self) -> f64 {
        self.access_speed_kmh
    }

    /// Points with precomputed tables.
    pub fn bases(&self) -> &[Point] {
        &self.bases
    }

    /// Bytes held by the shortest-path tables.
    pub fn table_bytes(&self) -> usize {
        (self.out.len() + self.back.len()) * std::mem::size_of::<f64>()
    }

    /// The table of base `p`, if it is one (`u32::MAX` otherwise).
    #[inline]
    pub fn slot_of(&self, p: Point) -> u32 {
        self.slot_of.get(&key(p)).copied().unwrap_or(u32::MAX)
    }

    /// The main node where `p` joins the network.
    #[inline]
    pub fn node_of(&self, p: Point) -> u32 {
        self.net.nearest_main(p)
    }

    #[inline]
    fn access_min(&self, p: Point, node: u32) -> f64 {
        p.distance_km(self.net.main_pos(node)) / self.access_speed_kmh * 60.0
    }

    /// Driving minutes from `from` (joining at `from_node`) to `to` (at
    /// `to_node`), where either may be a base with a table (`*_slot`).
    #[inline]
    pub fn drive(&self, from: Point, from_slot: u32, to: Point, to_node: u32) -> f64 {
        if from_slot != u32::MAX {
            let n = self.net.main_nodes.len();
            let s = from_slot as usize;
            return self.base_access_min[s]
                + self.out[s * n + to_node as usize]
                + self.access_min(to, to_node);
        }
        let from_node = self.node_of(from);
        self.access_min(from, from_node)
            + self.net.path_min(from_node, to_node)
            + self.access_min(to, to_node)
    }

    /// Driving minutes from `from` (joining at `from_node`) back to base
    /// `to` (table `to_slot`, or `u32::MAX` for a point without one).
    #[inline]
    pub fn drive_back(&self, from: Point, from_node: u32, to: Point, to_slot: u32) -> f64 {
        if to_slot != u32::MAX {
            let n = self.net.main_nodes.len();
            let s = to_slot as usize;
            let table = if self.back.is_empty() {
                &self.out
            } else {
                &self.back
            };
            return self.access_min(from, from_node)
                + table[s * n + from_node as usize]
                + self.base_access_min[s];
        }
        let to_node = self.node_of(to);
        self.access_min(from, from_node)
            + self.net.path_min(from_node, to_node)
            + self.access_min(to, to_node)
    }

    /// Driving minutes between any two points, using a base's table when
    /// either is a base and a one-off search otherwise.
    pub fn drive_points(&self, from: Point, to: Point) -> f64 {
        let from_slot = self.slot_of(from);
        if from_slot != u32::MAX {
            return self.drive(from, from_slot, to, self.node_of(to));
        }
        self.drive_back(from, self.node_of(from), to, self.slot_of(to))
    }

    /// A lower bound on the driving minutes between points `km` apart: no
    /// leg is faster than the fastest road or the access speed, and no road
    /// is shorter than the straight line between its ends.
    pub fn min_drive_min(&self, km: f64) -> f64 {
        km / self.net.max_kmh.max(self.access_speed_kmh) * 60.0
    }
}

/// A synthetic road network as GeoJSON, for benchmarks, tests and demos:
/// **not real roads**.
///
/// A grid of `nx` × `ny` nodes `spacing_km` apart with its south-west
/// corner at `(x0_km, y0_km)`, each node moved at random by up to a third
/// of the spacing, about one segment in twelve left out, every 8th line a
/// `primary` and every 4th a `secondary` road, the rest `unclassified`,
/// and about one in twenty of those one-way. Same `seed`, same network.
pub fn synthetic_grid(
    projection: Projection,
    (x0_km, y0_km): (f64, f64),
    (nx, ny): (usize, usize),
    spacing_km: f64,
    seed: u64,
) -> String {
    use rand::{RngExt, SeedableRng};
    use std::fmt::Write;
    let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(seed);
    let mut jitter = || (rng.random::<f64>() - 0.5) * 2.0 / 3.0 * spacing_km;
    let mut pos = Vec::with_capacity(nx * ny);
    for j in 0..ny {
        for i in 0..nx {
            let p = Point::new(
                x0_km + i as f64 * spacing_km + jitter(),
                y0_km + j as f64 * spacing_km + jitter(),
            );
            let (lat, lon) = projection.unproject(p);
            pos.push((lon, lat));
        }
    }
    let mut out = String::from("{\"type\": \"FeatureCollection\", \"features\": [\n");
    let mut first = true;
    let mut feature = |a: usize, b: usize, line: usize, r: f64, out: &mut String| {
        if r < 1.0 / 12.0 {
            return;
        }
        let class = if line % 8 == 0 {
            "primary"
        } else if line % 4 == 0 {
            "secondary"
        } else {
            "unclassified"
        };
        let oneway = if class == "unclassified" && r > 0.95 {
            ", \"oneway\": \"yes\""
        } else {
            ""
        };
        let _ = write!(
            out,
            "{}{{\"type\": \"Feature\", \"properties\": {{\"highway\": \"{class}\"{oneway}}}, \"geometry\": {{\"type\": \"LineString\", \"coordinates\": [[{:.7}, {:.7}], [{:.7}, {:.7}]]}}}}",
            if first { "" } else { ",\n" },
            pos[a].0,
            pos[a].1,
            pos[b].0,
            pos[b].1
        );
        first = false;
    };
    let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(seed ^ 0x5eed);
    for j in 0..ny {
        for i in 0..nx {
            let n = j * nx + i;
            if i + 1 < nx {
                let r = rng.random::<f64>();
                feature(n, n + 1, j, r, &mut out);
            }
            if j + 1 < ny {
                let r = rng.random::<f64>();
                feature(n, n + nx, i, r, &mut out);
            }
        }
    }
    out.push_str("\n]}\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maxspeed_forms() {
        assert_eq!(parse_maxspeed("60"), MaxSpeed::Kmh(60.0));
        assert_eq!(parse_maxspeed(" 80 km/h"), MaxSpeed::Kmh(80.0));
        assert_eq!(parse_maxspeed("50kmh"), MaxSpeed::Kmh(50.0));
        let MaxSpeed::Kmh(mph) = parse_maxspeed("30 mph") else {
            panic!("30 mph")
        };
        assert!((mph - 48.28032).abs() < 1e-9);
        assert_eq!(parse_maxspeed("none"), MaxSpeed::ClassSpeed);
        assert_eq!(parse_maxspeed("CN:urban"), MaxSpeed::ClassSpeed);
        assert_eq!(parse_maxspeed("60;80"), MaxSpeed::Kmh(60.0));
        assert_eq!(parse_maxspeed("fast"), MaxSpeed::Unreadable);
        assert_eq!(parse_maxspeed("0"), MaxSpeed::Unreadable);
        assert_eq!(parse_maxspeed("0.0001"), MaxSpeed::Unreadable);
        assert_eq!(parse_maxspeed("0.5 mph"), MaxSpeed::Unreadable);
        assert_eq!(parse_maxspeed("1"), MaxSpeed::Kmh(1.0));
        assert_eq!(parse_maxspeed("60 furlongs"), MaxSpeed::Unreadable);
    }

    #[test]
    fn oneway_forms() {
        assert_eq!(parse_oneway("yes"), Oneway::Forward);
        assert_eq!(parse_oneway("-1"), Oneway::Backward);
        assert_eq!(parse_oneway("no"), Oneway::No);
        assert_eq!(parse_oneway("reversible"), Oneway::No);
    }

    #[test]
    fn defaults_are_overridden_and_zero_excludes() {
        let mut o = BTreeMap::new();
        o.insert("track".to_string(), 0.0);
        o.insert("primary".to_string(), 70.0);
        let s = Speeds::with(&o);
        assert_eq!(s.of("primary"), Some(70.0));
        assert_eq!(s.of("track"), None);
        assert_eq!(s.of("footway"), None);
        assert_eq!(s.of("residential"), Some(25.0));
    }
}
