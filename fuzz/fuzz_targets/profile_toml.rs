//! Fuzz the rule profile reader: `Profile::from_toml` on arbitrary text; a profile that passes its checks
//! is then used to read a small OSM extract (`tests/data/extract-cases.osm.pbf`), so a profile the checks
//! let through cannot make the classifier, the clustering or the population estimate panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use lifecircle::read::osm::read_osm_bytes;
use lifecircle::profile::Profile;
use std::path::Path;

const EXTRACT: &[u8] = include_bytes!("../../tests/data/extract-cases.osm.pbf");

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(profile) = Profile::from_toml(text, "fuzz.toml") {
        let _ = profile.max_threshold_m();
        let _ = read_osm_bytes(Path::new("extract-cases.osm.pbf"), EXTRACT, &profile, None);
    }
});
