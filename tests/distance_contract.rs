//! The distance contract of README.md (*The distance contract*), one hand-built case per kind of access
//! point, checked on what `lifecircle coverage` writes (`snap_m` of `access_points` and `facilities`,
//! `dist_K` of `estates`) through the real binary. The layers are drawn in metres in UTM 50N around
//! (118.78° E, 32.04° N), written as GeoJSON in longitude/latitude and read back with `--crs EPSG:32650`:
//!
//! ```text
//!  y
//!  60  E_gate [0,50]     E_cross [100,150]   E_meet [300,350]     E_nearest ◇ (450..500, 20..70)
//!  10  ──gate (25,10)    ┼ footway x=125     ╷ footway x=320 ends at y=9.4 (0.6 m short of the wall)
//!   0  ═══════════════════════ street y=0, from x=-200 to x=600 ═════════════════════════════
//!  -5              kindergarten point (200,5)   park [200,260]×[-80,-20] gate (230,-20)
//! -10                                            elderly care [540,580]×[-60,-10], footway x=560 down to -30
//! ```
//!
//! Expected, by the rule (offset + network + offset):
//! - gate: E_gate's gate snaps to the nearest point of the nearest edge, (25,0): snap 10; to the kindergarten
//!   10 + 175 + 5 = 190; to the park (entered at its gate, snapped to (230,0), 20 m) 10 + 205 + 20 = 235;
//!   to elderly care (entered where the footway crosses its boundary, (560,-10), offset 0) 10 + 535 + 10 = 555;
//! - crossing: E_cross is left where the footway crosses its wall, (125,10), offset 0: 0 + 10 + 75 + 5 = 90;
//! - crossing by meeting: the footway ends 0.6 m short of E_meet's wall; the access point is the pair of
//!   closest points, (320,10) on the wall and the footway's end (320,9.4): snap 0.6, 0.6 + 9.4 + 120 + 5 = 135;
//! - nearest boundary: no gate and no way within 1 m of E_nearest: its boundary's point nearest to the
//!   network is its south vertex (475,20), snapped to (475,0): snap 20, 20 + 275 + 5 = 300;
//! - centroid (`--access centroid`): E_gate's centroid (25,35) snaps to (25,0): 35 + 175 + 5 = 215;
//! - facility entrances: the kindergarten point snaps 5 m; the park's gate 20 m; elderly care's crossing 0 m.

use geo_types::Coord;
use lifecircle::crs::{Transformer, WorkingCrs};
use serde_json::{Value as Json, json};
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

/// UTM 50N easting/northing of the origin (118.78° E, 32.04° N), about.
const ORIGIN: (f64, f64) = (668_069.39, 3_546_254.68);

fn lon_lat(x: f64, y: f64) -> Json {
    let t = Transformer::to_wgs84(WorkingCrs { epsg: 32650 }).unwrap();
    let c = t.coord(Coord { x: ORIGIN.0 + x, y: ORIGIN.1 + y }).unwrap();
    json!([c.x, c.y])
}

fn ring(points: &[(f64, f64)]) -> Json {
    let mut ring: Vec<Json> = points.iter().map(|&(x, y)| lon_lat(x, y)).collect();
    ring.push(ring[0].clone());
    json!({"type": "Polygon", "coordinates": [ring]})
}

fn rect(x0: f64, y0: f64, x1: f64, y1: f64) -> Json {
    ring(&[(x0, y0), (x1, y0), (x1, y1), (x0, y1)])
}

fn line(points: &[(f64, f64)]) -> Json {
    json!({"type": "LineString", "coordinates": points.iter().map(|&(x, y)| lon_lat(x, y)).collect::<Vec<_>>()})
}

fn point(x: f64, y: f64) -> Json {
    json!({"type": "Point", "coordinates": lon_lat(x, y)})
}

fn write_layer(dir: &Path, name: &str, features: Vec<(Json, Json)>) {
    let features: Vec<Json> = features.into_iter().map(|(geometry, properties)| json!({"type": "Feature", "geometry": geometry, "properties": properties})).collect();
    std::fs::write(dir.join(format!("{name}.geojson")), json!({"type": "FeatureCollection", "features": features}).to_string()).unwrap();
}

fn layers(dir: &Path) {
    write_layer(
        dir,
        "estates",
        vec![
            (rect(0.0, 10.0, 50.0, 60.0), json!({"estate_id": "E_gate", "population": 1000})),
            (rect(100.0, 10.0, 150.0, 60.0), json!({"estate_id": "E_cross", "population": 1000})),
            (rect(300.0, 10.0, 350.0, 60.0), json!({"estate_id": "E_meet", "population": 1000})),
            (ring(&[(475.0, 20.0), (500.0, 45.0), (475.0, 70.0), (450.0, 45.0)]), json!({"estate_id": "E_nearest", "population": 1000})),
        ],
    );
    write_layer(
        dir,
        "network",
        vec![
            (line(&[(-200.0, 0.0), (125.0, 0.0), (320.0, 0.0), (560.0, 0.0), (600.0, 0.0)]), json!({"way_id": "street", "highway": "residential"})),
            (line(&[(125.0, 0.0), (125.0, 35.0)]), json!({"way_id": "cross", "highway": "footway"})),
            (line(&[(320.0, 0.0), (320.0, 9.4)]), json!({"way_id": "meet", "highway": "footway"})),
            (line(&[(560.0, 0.0), (560.0, -30.0)]), json!({"way_id": "elderly", "highway": "footway"})),
        ],
    );
    write_layer(
        dir,
        "gates",
        vec![(point(25.0, 10.0), json!({"gate_id": "g_estate", "kind": "gate"})), (point(230.0, -20.0), json!({"gate_id": "g_park", "kind": "gate"}))],
    );
    write_layer(
        dir,
        "facilities",
        vec![
            (point(200.0, 5.0), json!({"facility_id": "kg", "category": "kindergarten"})),
            (rect(200.0, -80.0, 260.0, -20.0), json!({"facility_id": "park", "category": "park"})),
            (rect(540.0, -60.0, 580.0, -10.0), json!({"facility_id": "care", "category": "elderly_care"})),
        ],
    );
}

struct Written {
    /// estate id → (kind, snap_m) of its access points.
    access: BTreeMap<String, Vec<(String, f64)>>,
    /// estate id → dist_K.
    dist: BTreeMap<String, BTreeMap<String, Option<f64>>>,
    /// facility id → snap_m.
    facility_snap: BTreeMap<String, f64>,
}

fn properties(path: &Path) -> Vec<serde_json::Map<String, Json>> {
    let json: Json = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    json["features"].as_array().unwrap().iter().map(|f| f["properties"].as_object().unwrap().clone()).collect()
}

fn coverage(dir: &Path, access: &str) -> Written {
    let out = dir.join(format!("out_{access}"));
    let layer = |name: &str| dir.join(format!("{name}.geojson"));
    let o = Command::new(env!("CARGO_BIN_EXE_lifecircle"))
        .args(["--quiet", "coverage", "--crs", "EPSG:32650", "--access", access])
        .arg("--estates")
        .arg(layer("estates"))
        .arg("--network")
        .arg(layer("network"))
        .arg("--gates")
        .arg(layer("gates"))
        .arg("--facilities")
        .arg(layer("facilities"))
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let mut written = Written { access: BTreeMap::new(), dist: BTreeMap::new(), facility_snap: BTreeMap::new() };
    for p in properties(&out.join("access_points.geojson")) {
        written.access.entry(p["estate_id"].as_str().unwrap().to_string()).or_default().push((p["kind"].as_str().unwrap().to_string(), p["snap_m"].as_f64().unwrap()));
    }
    for p in properties(&out.join("estates.geojson")) {
        let d = p.iter().filter(|(k, _)| k.starts_with("dist_")).map(|(k, v)| (k.trim_start_matches("dist_").to_string(), v.as_f64())).collect();
        written.dist.insert(p["estate_id"].as_str().unwrap().to_string(), d);
    }
    for p in properties(&out.join("facilities.geojson")) {
        written.facility_snap.insert(p["facility_id"].as_str().unwrap().to_string(), p["snap_m"].as_f64().unwrap());
    }
    written
}

/// Within 1 mm: the layers went through longitude/latitude at 12 decimals and back.
fn close(what: &str, got: Option<f64>, want: f64) {
    let got = got.unwrap_or_else(|| panic!("{what}: no value"));
    assert!((got - want).abs() < 1e-3, "{what}: {got} m written, {want} m by the rule");
}

#[test]
fn each_kind_of_access_point_follows_the_written_rule() {
    let dir = tempfile::tempdir().unwrap();
    layers(dir.path());
    let w = coverage(dir.path(), "gates");
    let only = |estate: &str| -> (String, f64) {
        let points = &w.access[estate];
        assert_eq!(points.len(), 1, "{estate}: {points:?}");
        points[0].clone()
    };
    // Gate.
    let (kind, snap) = only("E_gate");
    assert_eq!(kind, "gate");
    close("E_gate snap_m", Some(snap), 10.0);
    close("E_gate → kindergarten", w.dist["E_gate"]["kindergarten"], 190.0);
    close("E_gate → park (gate entrance)", w.dist["E_gate"]["park"], 235.0);
    close("E_gate → elderly care (crossing entrance)", w.dist["E_gate"]["elderly_care"], 555.0);
    // Crossing.
    let (kind, snap) = only("E_cross");
    assert_eq!(kind, "crossing");
    close("E_cross snap_m", Some(snap), 0.0);
    close("E_cross → kindergarten", w.dist["E_cross"]["kindergarten"], 90.0);
    // Crossing by meeting within boundary_meet_m (1 m): the pair of closest points.
    let (kind, snap) = only("E_meet");
    assert_eq!(kind, "crossing");
    close("E_meet snap_m", Some(snap), 0.6);
    close("E_meet → kindergarten", w.dist["E_meet"]["kindergarten"], 135.0);
    // Nearest boundary.
    let (kind, snap) = only("E_nearest");
    assert_eq!(kind, "nearest_boundary");
    close("E_nearest snap_m", Some(snap), 20.0);
    close("E_nearest → kindergarten", w.dist["E_nearest"]["kindergarten"], 300.0);
    // Facility entrances.
    close("kindergarten point snap_m", w.facility_snap.get("kg").copied(), 5.0);
    close("park gate snap_m", w.facility_snap.get("park").copied(), 20.0);
    close("elderly care crossing snap_m", w.facility_snap.get("care").copied(), 0.0);

    // Centroid.
    let c = coverage(dir.path(), "centroid");
    let points = &c.access["E_gate"];
    assert_eq!(points.len(), 1);
    assert_eq!(points[0].0, "centroid");
    close("E_gate centroid snap_m", Some(points[0].1), 35.0);
    close("E_gate centroid → kindergarten", c.dist["E_gate"]["kindergarten"], 215.0);
}
