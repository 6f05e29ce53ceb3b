//! Fuzz the GeoJSON reader: `parse_geojson` on arbitrary bytes, then, when it parses, the planner-layer
//! conversion (fields, lon/lat checks, CRS choice, polygon checks and repair) for the layer kind and input
//! datum the input's length picks (not a prefix byte, so the seed files stay valid GeoJSON). Any panic, hang or runaway allocation is a bug: bad input must give an `Error`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use lifecircle::crs::china::InputCoords;
use lifecircle::read::geojson::parse_geojson;
use lifecircle::read::planner_layers::{LayerFields, LayerKind, planner_layer_from_raw};
use lifecircle::profile::Profile;
use std::path::Path;
use std::sync::OnceLock;

static PROFILE: OnceLock<Profile> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    let kind = LayerKind::ALL[data.len() % LayerKind::ALL.len()];
    let input_coords = match (data.len() / LayerKind::ALL.len()) % 3 {
        0 => InputCoords::Wgs84,
        1 => InputCoords::Gcj02,
        _ => InputCoords::Bd09,
    };
    let profile = PROFILE.get_or_init(Profile::default_profile);
    if let Ok(raw) = parse_geojson(Path::new("fuzz.geojson"), data) {
        let mut crs = None;
        let _ = planner_layer_from_raw(kind, raw, &LayerFields::default(), &mut crs, input_coords, profile);
    }
});
