//! Writes a synthetic road network as GeoJSON: a grid with noise over
//! Huimin county, **not real roads**, for trying `[travel] network` and for
//! measuring its cost.
//!
//! ```sh
//! cargo run --release --example synthetic_roads -- huimin_roads.geojson
//! # about 100 k road segments over a 37 km square, for the setup figures:
//! cargo run --release --example synthetic_roads -- county.geojson --county
//! ```

use policesim::map::Projection;
use policesim::roads::synthetic_grid;

/// Huimin's county centre point (data file), the projection of huimin.toml.
const HUIMIN: Projection = Projection {
    centre_lat: 37.489877,
    centre_lon: 117.509921,
};

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(out) = args.first() else {
        eprintln!("usage: synthetic_roads OUT.geojson [--county]");
        std::process::exit(2);
    };
    let text = if args.iter().any(|a| a == "--county") {
        // 224 × 224 nodes 165 m apart: about 100 k segments.
        synthetic_grid(HUIMIN, (-18.5, -18.5), (224, 224), 0.165, 7)
    } else {
        // The whole county outline (and every station), 500 m apart.
        synthetic_grid(HUIMIN, (-21.0, -43.0), (103, 109), 0.5, 11)
    };
    std::fs::write(out, text)?;
    eprintln!("wrote {out} (synthetic: not real roads)");
    Ok(())
}
