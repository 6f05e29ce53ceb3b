//! Fuzz the survey table reader (摸底调查表): `parse_survey` on arbitrary bytes (encoding sniffing, delimiter
//! sniffing, header matching, value parsing), then `apply_survey` of what it read to two fixed estates.
#![no_main]

use libfuzzer_sys::fuzz_target;
use lifecircle::crs::china::InputCoords;
use lifecircle::read::geojson::parse_geojson;
use lifecircle::read::planner_layers::{LayerData, LayerFields, LayerKind, planner_layer_from_raw};
use lifecircle::read::survey::{apply_survey, parse_survey};
use lifecircle::model::Estate;
use lifecircle::profile::Profile;
use std::path::Path;
use std::sync::OnceLock;

const ESTATES: &[u8] = include_bytes!("../../tests/bad_input/files/estates_ok.geojson");

fn estates() -> &'static Vec<Estate> {
    static ESTATES_READ: OnceLock<Vec<Estate>> = OnceLock::new();
    ESTATES_READ.get_or_init(|| {
        let raw = parse_geojson(Path::new("estates_ok.geojson"), ESTATES).expect("estates_ok.geojson parses");
        let profile = Profile::default_profile();
        let (data, _) = planner_layer_from_raw(LayerKind::Estates, raw, &LayerFields::default(), &mut None, InputCoords::Wgs84, &profile)
            .expect("estates_ok.geojson converts");
        match data {
            LayerData::Estates(estates) => estates,
            _ => unreachable!("an estates layer gives estates"),
        }
    })
}

fuzz_target!(|data: &[u8]| {
    if let Ok(table) = parse_survey(Path::new("fuzz.csv"), data) {
        let mut estates = estates().clone();
        let _ = apply_survey(&table, &mut estates, 2.8);
    }
});
