//! A CRS PROJ does not know must not leak memory: `proj` 0.27.2 leaks the PROJ context (with its
//! database handle) of every failed `Proj::new_known_crs`, ~30 kB each in a debug build, which the
//! fuzzer saw as resident memory growing with every GeoJSON layer declaring an unknown CRS.
//! `crs::Transformer::new` refuses an unknown CRS before PROJ builds the transformation. This test runs in
//! its own process (an integration test file of its own), so no other test's allocations move the
//! resident size it measures; the measure is memory, not time.

use lifecircle::crs::Transformer;

fn resident_mb() -> Option<f64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    statm.split_whitespace().nth(1)?.parse::<f64>().ok().map(|pages| pages * 4096.0 / 1e6)
}

#[test]
fn an_unknown_crs_is_an_error_and_leaks_no_proj_context() {
    let err = Transformer::new("EPSG:999999", "EPSG:4326").unwrap_err();
    assert!(err.to_string().contains("PROJ does not know the CRS `EPSG:999999`"), "{err}");
    assert!(Transformer::new("EPSG:4326", "not a crs").is_err());
    assert!(Transformer::new("EPSG:4326", "EPSG:32650").is_ok());
    // 2,000 failures through the leaking path grew resident memory by ~60 MB; now it must stay flat.
    let before = resident_mb();
    for _ in 0..2_000 {
        assert!(Transformer::new("EPSG:999999", "EPSG:4326").is_err());
    }
    if let (Some(before), Some(after)) = (before, resident_mb()) {
        assert!(after - before < 10.0, "resident memory grew from {before:.1} MB to {after:.1} MB");
    }
}
