//! `coverage --open-compounds` on planners' layers (GeoJSON, as a planner draws them in QGIS): estate E
//! (200 m square) is crossed west-east by its internal road `c` (`highway=service`, `access=private`)
//! through its two gates gW and gE; estate X lies west of it across the street `w`; a kindergarten K lies
//! just east of the street `e`. Closed, X's residents walk round E (street w south, s east, e north);
//! opened, straight through E. The scenario's distance (`dist_after_kindergarten`) must equal an independent
//! Dijkstra over the exported `network` layer (compound edges included) plus the two snap offsets.
//!
//! ```text
//!   w (x=-10)        E: 0..200 × 0..200           e (x=210)
//!    │  X   gX──┼──gW════════ c (private) ════════gE──┼── K (215,100)
//!    │          │                                     │
//!    └──────────┴───────────── s (y=-10) ─────────────┘
//! ```

use serde_json::{Value, json};
use std::collections::{BTreeMap, BinaryHeap};
use std::process::Command;

const LON0: f64 = 120.6;
const LAT0: f64 = 31.3;

/// Local metres to lon/lat (an equirectangular approximation: the test compares the engine with the
/// exported network, never with these metres).
fn ll(x: f64, y: f64) -> Value {
    json!([LON0 + x / (111_320.0 * LAT0.to_radians().cos()), LAT0 + y / 110_950.0])
}

fn feature(props: Value, geometry: Value) -> Value {
    json!({"type": "Feature", "properties": props, "geometry": geometry})
}

fn polygon(pts: &[(f64, f64)]) -> Value {
    let mut ring: Vec<Value> = pts.iter().map(|&(x, y)| ll(x, y)).collect();
    ring.push(ll(pts[0].0, pts[0].1));
    json!({"type": "Polygon", "coordinates": [ring]})
}

fn line(pts: &[(f64, f64)]) -> Value {
    json!({"type": "LineString", "coordinates": pts.iter().map(|&(x, y)| ll(x, y)).collect::<Vec<_>>()})
}

fn point(x: f64, y: f64) -> Value {
    json!({"type": "Point", "coordinates": ll(x, y)})
}

fn write(dir: &std::path::Path, name: &str, features: Vec<Value>) -> std::path::PathBuf {
    let path = dir.join(format!("{name}.geojson"));
    std::fs::write(&path, json!({"type": "FeatureCollection", "features": features}).to_string()).unwrap();
    path
}

fn read(path: &std::path::Path) -> Vec<Value> {
    let v: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    v["features"].as_array().unwrap().clone()
}

/// Dijkstra over the exported network layer: nodes `u`/`v`, edges `length_m`, every edge walkable.
fn network_dijkstra(network: &[Value], from: u64) -> BTreeMap<u64, f64> {
    let mut adjacency: BTreeMap<u64, Vec<(u64, f64)>> = BTreeMap::new();
    for f in network {
        let p = &f["properties"];
        let (u, v, len) = (p["u"].as_u64().unwrap(), p["v"].as_u64().unwrap(), p["length_m"].as_f64().unwrap());
        adjacency.entry(u).or_default().push((v, len));
        adjacency.entry(v).or_default().push((u, len));
    }
    let mut best: BTreeMap<u64, f64> = BTreeMap::new();
    // Max-heap on negated millimetres.
    let mut heap = BinaryHeap::new();
    heap.push((0i64, from));
    while let Some((neg_mm, node)) = heap.pop() {
        let d = -neg_mm as f64 / 1000.0;
        if best.contains_key(&node) {
            continue;
        }
        best.insert(node, d);
        for &(next, len) in adjacency.get(&node).map(Vec::as_slice).unwrap_or(&[]) {
            if !best.contains_key(&next) {
                heap.push((-((d + len) * 1000.0).round() as i64, next));
            }
        }
    }
    best
}

/// The exported node nearest to a lon/lat: the end of an edge's geometry.
fn node_at(network: &[Value], at: &Value) -> u64 {
    let (x, y) = (at[0].as_f64().unwrap(), at[1].as_f64().unwrap());
    let mut best = (f64::INFINITY, 0);
    for f in network {
        let coords = f["geometry"]["coordinates"].as_array().unwrap();
        for (c, key) in [(&coords[0], "u"), (&coords[coords.len() - 1], "v")] {
            let d = (c[0].as_f64().unwrap() - x).hypot(c[1].as_f64().unwrap() - y);
            if d < best.0 {
                best = (d, f["properties"][key].as_u64().unwrap());
            }
        }
    }
    assert!(best.0 < 1e-6, "no exported node at {at}");
    best.1
}

#[test]
fn open_compounds_on_planner_layers_walks_through_the_compound() {
    let dir = tempfile::tempdir().unwrap();
    let estates = write(
        dir.path(),
        "estates",
        vec![
            feature(json!({"estate_id": "E", "population": 1000}), polygon(&[(0.0, 0.0), (200.0, 0.0), (200.0, 200.0), (0.0, 200.0)])),
            feature(json!({"estate_id": "X", "population": 500}), polygon(&[(-220.0, 0.0), (-20.0, 0.0), (-20.0, 200.0), (-220.0, 200.0)])),
        ],
    );
    let street = json!({"highway": "residential"});
    let network = write(
        dir.path(),
        "network",
        vec![
            feature(json!({"way_id": "w", "highway": "residential"}), line(&[(-10.0, -10.0), (-10.0, 100.0), (-10.0, 300.0)])),
            feature(json!({"way_id": "e", "highway": "residential"}), line(&[(210.0, -10.0), (210.0, 100.0), (210.0, 300.0)])),
            feature(json!({"way_id": "s", "highway": street["highway"]}), line(&[(-10.0, -10.0), (210.0, -10.0)])),
            feature(json!({"way_id": "c", "highway": "service", "access": "private"}), line(&[(-10.0, 100.0), (0.0, 100.0), (200.0, 100.0), (210.0, 100.0)])),
        ],
    );
    let gates = write(
        dir.path(),
        "gates",
        vec![feature(json!({"gate_id": "gW"}), point(0.0, 100.0)), feature(json!({"gate_id": "gE"}), point(200.0, 100.0)), feature(json!({"gate_id": "gX"}), point(-20.0, 100.0))],
    );
    let facilities = write(dir.path(), "facilities", vec![feature(json!({"facility_id": "K", "category": "kindergarten"}), point(215.0, 100.0))]);
    let out = dir.path().join("out");
    let o = Command::new(env!("CARGO_BIN_EXE_lifecircle"))
        .args(["coverage", "--quiet", "--open-compounds", "--estates"])
        .arg(&estates)
        .arg("--network")
        .arg(&network)
        .arg("--gates")
        .arg(&gates)
        .arg("--facilities")
        .arg(&facilities)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));

    let estates = read(&out.join("estates.geojson"));
    let x = estates.iter().find(|f| f["properties"]["estate_id"] == "X").unwrap();
    let before = x["properties"]["dist_kindergarten"].as_f64().unwrap();
    let after = x["properties"]["dist_after_kindergarten"].as_f64().unwrap();
    // Closed: 10 (gate to street) + 110 + 220 + 110 (round E) + 5 (street to K) = 455 m, within 0.5 %
    // (the layers' metres are approximate).
    assert!((before - 455.0).abs() < 2.5, "before {before}");
    assert_eq!(x["properties"]["ok_kindergarten"], false);
    assert_eq!(x["properties"]["ok_after_kindergarten"], true);
    assert_eq!(x["properties"]["delta_kindergarten"].as_f64(), Some(500.0));

    // The oracle: the exported (opened) network, compound edges included, from the street node west of E
    // (where gX snaps) to the street node east of E (where K snaps), plus the two snap offsets.
    let net = read(&out.join("network.geojson"));
    assert!(net.iter().any(|f| f["properties"]["access"] == "compound"), "the opened compound road is in the exported network");
    let from = node_at(&net, &ll(-10.0, 100.0));
    let to = node_at(&net, &ll(210.0, 100.0));
    let through = network_dijkstra(&net, from)[&to];
    let access = read(&out.join("access_points.geojson"));
    let x_snap = access.iter().find(|f| f["properties"]["estate_id"] == "X").unwrap()["properties"]["snap_m"].as_f64().unwrap();
    let k_snap = read(&out.join("facilities.geojson"))[0]["properties"]["snap_m"].as_f64().unwrap();
    let oracle = x_snap + through + k_snap;
    assert!((after - oracle).abs() < 1e-3, "scenario {after} m, oracle {oracle} m");
    assert!((after - 235.0).abs() < 1.5, "10 + 220 + 5 m: {after}");
    let delta: Value = serde_json::from_str(&std::fs::read_to_string(out.join("delta.json")).unwrap()).unwrap();
    assert!(delta["compound_edges_opened"].as_u64().unwrap() >= 1);
}
