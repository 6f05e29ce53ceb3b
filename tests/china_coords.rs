//! Chinese web-map coordinates: GCJ-02 / BD-09 against published control points, the refined inverse's
//! round trip, planners' layers given in GCJ-02 / BD-09, and swapped or projected coordinates refused.
//!
//! Control points and where they are published:
//! - `coordtransform` (wandergis/coordtransform, `test/app.js`, also asserted by the Rust port
//!   athxx/coordtransform-rs and by hutool's `CoordinateUtilTest`): input (116.404, 39.915) lon/lat;
//!   wgs84togcj02 → (116.41024449916938, 39.91640428150164); gcj02tobd09 → (116.41036949371029,
//!   39.92133699351021); bd09togcj02 → (116.39762729119315, 39.90865673957631); gcj02towgs84 (one-step
//!   approximate inverse) → (116.39775550083061, 39.91359571849836).
//! - `coordtransform-rs` wgs84_to_bd09(116.404, 39.915) → (116.41662724378733, 39.922699552216216) (as
//!   transcribed in the `geocoordinates` 0.14 test vectors).
//! - `eviltransform` (googollee/eviltransform, Python test suite `TESTS`), WGS 84 → GCJ-02 in
//!   Shanghai, Shenzhen and Beijing (lat, lon order in the source).
//! - Glatzel/pyxis (`geotool_algorithm` doc examples and Python tests): WGS 84 (121.0917077, 30.6107779),
//!   GCJ-02 (121.09626935575027, 30.608604331756705), BD-09 (121.10271732371203, 30.61484572185035).
//!
//! eviltransform's two BD-09 pairs (`TESTS_bd`) are not used: they disagree with every other
//! reference by 10-40 m, i.e. they follow a different BD-09 variant.

use geo_types::{coord, Coord};
use lifecircle::crs::china::{from_wgs84, to_wgs84, InputCoords};
use lifecircle::crs::WorkingCrs;
use lifecircle::read::planner_layers::{read_planner_layer, LayerData, LayerFields, LayerKind};
use lifecircle::profile::Profile;
use lifecircle::Error;

/// Ground distance in metres between two lon/lat points (equirectangular; exact to < 1 mm below 1 km).
fn metres(a: Coord<f64>, b: Coord<f64>) -> f64 {
    let r = 6_371_008.8;
    let dx = (a.x - b.x).to_radians() * ((a.y + b.y) / 2.0).to_radians().cos() * r;
    let dy = (a.y - b.y).to_radians() * r;
    dx.hypot(dy)
}

const INPUT: Coord<f64> = coord! { x: 116.404, y: 39.915 };

#[test]
fn wgs84_to_gcj02_and_bd09_match_the_published_values_exactly() {
    let gcj = from_wgs84(INPUT, InputCoords::Gcj02).unwrap();
    assert!((gcj.x - 116.41024449916938).abs() < 1e-12 && (gcj.y - 39.91640428150164).abs() < 1e-12, "{gcj:?}");
    let bd = from_wgs84(INPUT, InputCoords::Bd09).unwrap();
    assert!((bd.x - 116.41662724378733).abs() < 1e-12 && (bd.y - 39.922699552216216).abs() < 1e-12, "{bd:?}");
    // eviltransform TESTS, given as (wgs lat, wgs lon, gcj lat, gcj lon).
    for (wlat, wlon, glat, glon) in [
        (31.1774276, 121.5272106, 31.17530398364597, 121.531541859215),
        (22.543847, 113.912316, 22.540796131694766, 113.9171764808363),
        (39.911954, 116.377817, 39.91334545536069, 116.38404722455657),
    ] {
        let g = from_wgs84(coord! { x: wlon, y: wlat }, InputCoords::Gcj02).unwrap();
        assert!((g.x - glon).abs() < 1e-12 && (g.y - glat).abs() < 1e-12, "{g:?} vs ({glon}, {glat})");
    }
    // pyxis: agrees to within a centimetre (its values carry 8 mm of its own rounding).
    let w = coord! { x: 121.0917077, y: 30.6107779 };
    assert!(metres(from_wgs84(w, InputCoords::Gcj02).unwrap(), coord! { x: 121.09626935575027, y: 30.608604331756705 }) < 0.01);
    assert!(metres(from_wgs84(w, InputCoords::Bd09).unwrap(), coord! { x: 121.10271732371203, y: 30.61484572185035 }) < 0.01);
}

#[test]
fn refined_inverses_land_within_half_a_metre_of_the_published_points() {
    // The inverse of the published forward pair returns the input.
    assert!(metres(to_wgs84(coord! { x: 116.41024449916938, y: 39.91640428150164 }, InputCoords::Gcj02).unwrap(), INPUT) < 0.5);
    assert!(metres(to_wgs84(coord! { x: 116.41662724378733, y: 39.922699552216216 }, InputCoords::Bd09).unwrap(), INPUT) < 0.5);
    let w = coord! { x: 121.0917077, y: 30.6107779 };
    assert!(metres(to_wgs84(coord! { x: 121.09626935575027, y: 30.608604331756705 }, InputCoords::Gcj02).unwrap(), w) < 0.5);
    assert!(metres(to_wgs84(coord! { x: 121.10271732371203, y: 30.61484572185035 }, InputCoords::Bd09).unwrap(), w) < 0.5);
    // coordtransform's one-step gcj02towgs84 is approximate; ours refines it: its forward image is the
    // GCJ-02 input again, and it stays within 2 m of the one-step value.
    let refined = to_wgs84(INPUT, InputCoords::Gcj02).unwrap();
    assert!(metres(from_wgs84(refined, InputCoords::Gcj02).unwrap(), INPUT) < 0.01);
    assert!(metres(refined, coord! { x: 116.39775550083061, y: 39.91359571849836 }) < 2.0);
    // coordtransform gcj02tobd09(116.404, 39.915): go through the WGS 84 point whose GCJ-02 is the input.
    let bd = from_wgs84(refined, InputCoords::Bd09).unwrap();
    assert!(metres(bd, coord! { x: 116.41036949371029, y: 39.92133699351021 }) < 0.01, "{bd:?}");
    // coordtransform bd09togcj02(116.404, 39.915), its closed-form (decimetre) inverse.
    let gcj = from_wgs84(to_wgs84(INPUT, InputCoords::Bd09).unwrap(), InputCoords::Gcj02).unwrap();
    assert!(metres(gcj, coord! { x: 116.39762729119315, y: 39.90865673957631 }) < 1.0, "{gcj:?}");
}

#[test]
fn round_trip_error_is_below_half_a_metre_all_over_china() {
    // A 61 × 41 grid over mainland China (73.5-135°E, 18-53.5°N): forward, then refined inverse.
    let mut worst_m: f64 = 0.0;
    for i in 0..=60 {
        for j in 0..=40 {
            let w = coord! { x: 73.5 + i as f64 * (135.0 - 73.5) / 60.0, y: 18.0 + j as f64 * (53.5 - 18.0) / 40.0 };
            for datum in [InputCoords::Gcj02, InputCoords::Bd09] {
                let back = to_wgs84(from_wgs84(w, datum).unwrap(), datum).unwrap();
                worst_m = worst_m.max(metres(back, w));
            }
        }
    }
    assert!(worst_m < 0.5, "worst round trip {worst_m} m");
}

fn write(dir: &tempfile::TempDir, name: &str, text: &str) -> std::path::PathBuf {
    let p = dir.path().join(name);
    std::fs::write(&p, text).unwrap();
    p
}

fn gates_at(points: &[Coord<f64>]) -> String {
    let features: Vec<String> = points
        .iter()
        .enumerate()
        .map(|(i, c)| format!(r#"{{"type":"Feature","properties":{{"gate_id":"g{i}"}},"geometry":{{"type":"Point","coordinates":[{},{}]}}}}"#, c.x, c.y))
        .collect();
    format!(r#"{{"type":"FeatureCollection","features":[{}]}}"#, features.join(","))
}

#[test]
fn a_gcj02_or_bd09_layer_lands_where_the_wgs84_one_does() {
    let dir = tempfile::tempdir().unwrap();
    let profile = Profile::default_profile();
    // Two gates in Nanjing's Xuanwu district, in WGS 84, and the same gates as AMap and Baidu show them.
    let wgs = [coord! { x: 118.7969, y: 32.0594 }, coord! { x: 118.8031, y: 32.0712 }];
    let gcj: Vec<_> = wgs.iter().map(|c| from_wgs84(*c, InputCoords::Gcj02).unwrap()).collect();
    let bd: Vec<_> = wgs.iter().map(|c| from_wgs84(*c, InputCoords::Bd09).unwrap()).collect();
    let read = |name: &str, points: &[Coord<f64>], datum: InputCoords, crs: &mut Option<WorkingCrs>| {
        let path = write(&dir, name, &gates_at(points));
        let (data, rejects) = read_planner_layer(LayerKind::Gates, &path, &LayerFields::default(), crs, datum, &profile).unwrap();
        assert!(rejects.is_empty());
        let LayerData::Gates(g) = data else { panic!("gates expected") };
        g
    };
    let mut crs = None;
    let a = read("wgs.geojson", &wgs, InputCoords::Wgs84, &mut crs);
    assert_eq!(crs, Some(WorkingCrs { epsg: 32650 }));
    let b = read("gcj.geojson", &gcj, InputCoords::Gcj02, &mut crs);
    let c = read("bd.geojson", &bd, InputCoords::Bd09, &mut crs);
    let unconverted = read("gcj_as_wgs.geojson", &gcj, InputCoords::Wgs84, &mut crs);
    for i in 0..2 {
        let d = |p: geo_types::Point<f64>, q: geo_types::Point<f64>| (p.x() - q.x()).hypot(p.y() - q.y());
        assert!(d(a[i].point, b[i].point) < 0.5, "GCJ-02 gate {i} is {} m off", d(a[i].point, b[i].point));
        assert!(d(a[i].point, c[i].point) < 0.5, "BD-09 gate {i} is {} m off", d(a[i].point, c[i].point));
        // Read without the flag, GCJ-02 is the well-known few hundred metres off.
        assert!(d(a[i].point, unconverted[i].point) > 300.0);
    }
}

#[test]
fn swapped_lat_lon_is_an_input_error_explaining_the_swap_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let profile = Profile::default_profile();
    // Nanjing written latitude first, as a spreadsheet export does.
    let path = write(&dir, "gates_swapped.geojson", &gates_at(&[coord! { x: 32.0594, y: 118.7969 }, coord! { x: 32.0712, y: 118.8031 }]));
    let err = read_planner_layer(LayerKind::Gates, &path, &LayerFields::default(), &mut None, InputCoords::Wgs84, &profile).unwrap_err();
    assert!(matches!(err, Error::Input { .. }));
    assert_eq!(err.exit_code(), 2);
    let m = err.to_string();
    assert!(m.contains("gates_swapped.geojson") && m.contains("swapped") && m.contains("Swap X and Y"), "{m}");
    // Urumqi (87.6°E, 43.8°N) swapped stays inside ±90/±180 but lands in the Arctic Ocean.
    let path = write(&dir, "urumqi.geojson", &gates_at(&[coord! { x: 43.8, y: 87.6 }]));
    let m = read_planner_layer(LayerKind::Gates, &path, &LayerFields::default(), &mut None, InputCoords::Wgs84, &profile).unwrap_err().to_string();
    assert!(m.contains("swapped"), "{m}");
    // Gauss-Krüger metres in a GeoJSON without a crs member.
    let path = write(&dir, "metres.geojson", &gates_at(&[coord! { x: 39_500_123.0, y: 3_546_254.0 }]));
    let m = read_planner_layer(LayerKind::Gates, &path, &LayerFields::default(), &mut None, InputCoords::Wgs84, &profile).unwrap_err().to_string();
    assert!(m.contains("metres.geojson") && m.contains("not longitude/latitude"), "{m}");
    let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(names.len(), 3, "only the three inputs: {names:?}");
}

#[test]
fn one_stray_swapped_gate_is_rejected_not_the_layer() {
    let dir = tempfile::tempdir().unwrap();
    let profile = Profile::default_profile();
    let path = write(
        &dir,
        "gates.geojson",
        &gates_at(&[coord! { x: 118.7969, y: 32.0594 }, coord! { x: 118.8031, y: 32.0712 }, coord! { x: 32.0650, y: 118.80 }]),
    );
    let (data, rejects) = read_planner_layer(LayerKind::Gates, &path, &LayerFields::default(), &mut None, InputCoords::Wgs84, &profile).unwrap();
    assert_eq!(data.len(), 2);
    assert_eq!(rejects.len(), 1);
    assert_eq!(rejects[0].source_id, "g2");
    assert!(rejects[0].reason.contains("out of the longitude/latitude range"), "{}", rejects[0].reason);
}
