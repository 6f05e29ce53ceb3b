//! `--dem`: walking distances on terrain are effort lengths (Tobler's pace, going and coming back
//! averaged), checked against an independent oracle on DEMs this test writes with GDAL:
//!
//! - a street grid over a tilted plane (every straight street has one slope): every `dist_K` equals a
//!   textbook Dijkstra on the grid split at every snapped point, each piece weighted
//!   `length × (f(s) + f(−s)) / 2` from the plane's analytic slope, to 0.01 m — partial edges included;
//!   both engines agree; service-area lines end where the effort reaches the threshold;
//! - the plane reversed (falling where it rose) gives the same distances (round-trip symmetry);
//! - the same plane in a DEM in EPSG:4326 (reprojected on the fly) gives the same distances;
//! - a cone hill: the shortest route in metres crosses it, the least-effort route goes round it;
//! - a low hill the route crosses: metres walked and metres climbed going there;
//! - a hole of no-data: its edges count flat and are counted in the summary's `dem` block;
//! - without `--dem` the run is what it was (no `walk_m_K`, no `dem` block).

mod oracle;
use gdal::DriverManager;
use geo_types::{Coord, LineString, Point};
use lifecircle::coverage::{CoverageOptions, CoverageRun, DistanceEngine, run_coverage};
use lifecircle::crs::WorkingCrs;
use lifecircle::model::{Dataset, Estate, Facility, FacilityGeometry, Gate, Way};
use lifecircle::network::graph::WalkGraph;
use lifecircle::profile::Profile;
use lifecircle::rng::SplitMix64;
use lifecircle::testing::dem::write_dem;
use lifecircle::testing::{estate, square};
use std::path::{Path, PathBuf};

/// The grid's south-west corner, in UTM 49N (EPSG:32649), near Chongqing.
const X0: f64 = 600_000.0;
const Y0: f64 = 3_270_000.0;
const UTM: WorkingCrs = WorkingCrs { epsg: 32649 };

fn c(x: f64, y: f64) -> Coord<f64> {
    Coord { x: X0 + x, y: Y0 + y }
}

/// Tobler's pace relative to flat ground, written out again for the oracle.
fn pace(s: f64) -> f64 {
    (3.5 * ((s + 0.05).abs() - 0.05)).exp()
}

fn round_trip(s: f64) -> f64 {
    (pace(s) + pace(-s)) / 2.0
}

/// A UTM DEM over local coordinates: `z` takes local metres.
fn write_utm_dem(path: &Path, x0: f64, y0: f64, cell: f64, cells: usize, z: impl Fn(f64, f64) -> Option<f64>) {
    write_dem(path, UTM.epsg, X0 + x0, Y0 + y0, cell, cells, |x, y| z(x - X0, y - Y0));
}

fn footway(id: String, pts: &[(f64, f64)]) -> Way {
    Way { id, line: LineString(pts.iter().map(|&(x, y)| c(x, y)).collect()), tags: [("highway".to_string(), "footway".to_string())].into() }
}

/// A 1 km street grid (streets every 100 m, a vertex at every crossing), estates in the blocks (half with
/// a gate on their south wall), point facilities of two categories scattered in the blocks.
fn grid_district(seed: u64) -> Dataset {
    let mut rng = SplitMix64::new(seed);
    let mut data = Dataset::default();
    for k in 0..=10 {
        let t = k as f64 * 100.0;
        data.ways.push(footway(format!("h{k}"), &(0..=10).map(|i| (i as f64 * 100.0, t)).collect::<Vec<_>>()));
        data.ways.push(footway(format!("v{k}"), &(0..=10).map(|j| (t, j as f64 * 100.0)).collect::<Vec<_>>()));
    }
    for e in 0..30 {
        let (bx, by) = (rng.below(10) as f64 * 100.0, rng.below(10) as f64 * 100.0);
        let (x, y) = (bx + rng.range(15.0, 40.0), by + rng.range(15.0, 40.0));
        let side = 40.0;
        let id = format!("e{e:02}");
        if e % 2 == 0 {
            data.gates.push(Gate { id: format!("g{e}"), point: Point(c(x + rng.range(5.0, 35.0), y)), kind: "gate".into(), access: None });
        }
        let mut es: Estate = estate(&id, square(X0 + x, Y0 + y, side));
        es.population = 100.0 + e as f64;
        data.estates.push(es);
    }
    for f in 0..24 {
        let category = if f % 2 == 0 { "kindergarten" } else { "primary_school" };
        let (x, y) = (rng.range(0.0, 1000.0), rng.range(0.0, 1000.0));
        data.facilities.push(Facility {
            id: format!("f{f:02}"),
            name: None,
            category: category.into(),
            geometry: FacilityGeometry::Point(Point(c(x, y))),
            capacity: None,
            matched_by: "test".into(),
        });
    }
    data
}

fn profile() -> Profile {
    let mut p = Profile::default_profile();
    p.categories.retain(|c| c.key == "kindergarten" || c.key == "primary_school");
    p
}

fn run(data: &Dataset, profile: &Profile, dem: Option<&Path>, engine: DistanceEngine) -> CoverageRun {
    let opts = CoverageOptions { dem: dem.map(Path::to_path_buf), working_crs: Some(UTM), engine, ..CoverageOptions::default() };
    run_coverage(data, profile, &opts).unwrap()
}

/// The oracle: the walking graph split at the given (edge, along) points, each piece weighted by
/// `weight(edge)` per metre; a textbook Dijkstra.
struct Oracle {
    adjacency: Vec<Vec<(usize, f64)>>,
    positions: Vec<Vec<(f64, usize)>>,
    per_metre: Vec<f64>,
}

impl Oracle {
    fn new(graph: &WalkGraph, points: &[(u32, f64)], per_metre: Vec<f64>) -> (Oracle, Vec<usize>) {
        let mut positions: Vec<Vec<(f64, usize)>> = graph.edges.iter().map(|e| vec![(0.0, e.u as usize), (e.length_m, e.v as usize)]).collect();
        let mut next = graph.node_count();
        let mut ids = Vec::new();
        for &(edge, along) in points {
            positions[edge as usize].push((along, next));
            ids.push(next);
            next += 1;
        }
        let mut adjacency = vec![Vec::new(); next];
        for (e, p) in positions.iter_mut().enumerate() {
            p.sort_by(|a, b| a.0.total_cmp(&b.0));
            for w in p.windows(2) {
                let cost = (w[1].0 - w[0].0) * per_metre[e];
                adjacency[w[0].1].push((w[1].1, cost));
                adjacency[w[1].1].push((w[0].1, cost));
            }
        }
        (Oracle { adjacency, positions, per_metre }, ids)
    }

    fn dijkstra(&self, starts: &[(usize, f64)]) -> Vec<f64> {
        oracle::dijkstra(&self.adjacency, starts)
    }

    /// Effort distance at a point of an edge.
    fn at(&self, dist: &[f64], edge: u32, along: f64) -> f64 {
        let p = &self.positions[edge as usize];
        let k = p.partition_point(|q| q.0 <= along).clamp(1, p.len() - 1);
        let (a, b) = (p[k - 1], p[k]);
        let w = self.per_metre[edge as usize];
        (dist[a.1] + (along - a.0) * w).min(dist[b.1] + (b.0 - along) * w)
    }
}

/// Per category and estate, the oracle's nearest effort distance.
fn oracle_distances(data: &Dataset, profile: &Profile, run: &CoverageRun, z: impl Fn(Coord<f64>) -> f64) -> Vec<Vec<f64>> {
    let graph = &run.network.graph;
    let base = &run.baseline;
    // Straight streets over a plane: one slope per edge, from the plane itself.
    let per_metre: Vec<f64> = graph
        .edges
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let (a, b) = (graph.node_xy[e.u as usize], graph.node_xy[e.v as usize]);
            assert_eq!(graph.edge_line(i as u32).len(), 2, "the grid's edges are straight");
            round_trip((z(b) - z(a)) / e.length_m)
        })
        .collect();
    let mut points = Vec::new();
    for a in &base.estate_access {
        points.extend(a.points.iter().map(|p| (p.snap.edge, p.snap.along_m)));
    }
    let estate_points = points.len();
    for a in base.facility_access.iter().flatten() {
        points.extend(a.points.iter().map(|p| (p.snap.edge, p.snap.along_m)));
    }
    let (oracle, ids) = Oracle::new(graph, &points, per_metre);
    let mut k = estate_points;
    let facility_nodes: Vec<Vec<(usize, f64)>> = base
        .facility_access
        .iter()
        .map(|a| {
            a.as_ref().map_or(Vec::new(), |a| {
                a.points
                    .iter()
                    .map(|p| {
                        k += 1;
                        (ids[k - 1], p.base_m())
                    })
                    .collect()
            })
        })
        .collect();
    let mut out = vec![Vec::new(); profile.categories.len()];
    let mut k = 0;
    for a in &base.estate_access {
        let starts: Vec<(usize, f64)> = a
            .points
            .iter()
            .map(|p| {
                k += 1;
                (ids[k - 1], p.base_m())
            })
            .collect();
        let dist = oracle.dijkstra(&starts);
        for (ci, cat) in profile.categories.iter().enumerate() {
            let best = data
                .facilities
                .iter()
                .enumerate()
                .filter(|(_, f)| f.category == cat.key)
                .flat_map(|(f, _)| facility_nodes[f].iter().map(|&(n, b)| dist[n] + b))
                .fold(f64::INFINITY, f64::min);
            out[ci].push(best);
        }
    }
    // Service areas: every interior end of a reached interval lies at the threshold in effort metres.
    for (ci, cat) in profile.categories.iter().enumerate() {
        let result = &base.categories[ci];
        let mut starts = Vec::new();
        for &f in &result.facilities {
            starts.extend(facility_nodes[f as usize].iter().copied());
        }
        let dist = oracle.dijkstra(&starts);
        let lines = &result.service_area.as_ref().expect("service areas on a small network").lines;
        let mut interior_ends = 0;
        for line in &lines.0 {
            for end in [line.0[0], line.0[line.0.len() - 1]] {
                let snap = run.network.index.snap(end).unwrap();
                let e = &graph.edges[snap.edge as usize];
                if snap.along_m > 1e-6 && snap.along_m < e.length_m - 1e-6 && snap.offset_m < 1e-6 {
                    let d = oracle.at(&dist, snap.edge, snap.along_m);
                    assert!(d <= cat.threshold_m + 1e-3, "{}: a reached line ends at effort {d}", cat.key);
                    if (d - cat.threshold_m).abs() < 0.01 {
                        interior_ends += 1;
                    }
                }
            }
        }
        assert!(interior_ends > 0, "{}: {interior_ends} partial edges end at the threshold", cat.key);
    }
    out
}

fn check_equal(run: &CoverageRun, want: &[Vec<f64>], tolerance: f64) -> usize {
    let mut compared = 0;
    for (ci, cat) in run.baseline.categories.iter().enumerate() {
        for (ei, d) in cat.estates.iter().enumerate() {
            let w = want[ci][ei];
            match d.dist_m() {
                Some(got) => {
                    assert!((got - w).abs() < tolerance, "estate {ei} {}: engine {got}, oracle {w}", cat.key);
                    compared += 1;
                }
                None => assert!(w > run.search_radius_m - tolerance, "estate {ei} {}: none in reach, oracle {w}", cat.key),
            }
        }
    }
    compared
}

fn tilted(x: f64, y: f64) -> f64 {
    200.0 + 0.06 * x + 0.03 * y
}

fn plane_dem(dir: &Path, name: &str, z: fn(f64, f64) -> f64) -> PathBuf {
    let path = dir.join(name);
    write_utm_dem(&path, -200.0, -200.0, 5.0, 280, |x, y| Some(z(x, y)));
    path
}

#[test]
fn tilted_plane_distances_equal_an_effort_dijkstra() {
    let dir = tempfile::tempdir().unwrap();
    let dem = plane_dem(dir.path(), "plane.tif", tilted);
    let profile = profile();
    let local = |p: Coord<f64>| tilted(p.x - X0, p.y - Y0);
    for seed in [1, 2, 3] {
        let data = grid_district(seed);
        let r = run(&data, &profile, Some(&dem), DistanceEngine::EstateSearch);
        let want = oracle_distances(&data, &profile, &r, local);
        let compared = check_equal(&r, &want, 0.01);
        assert!(compared > 40, "seed {seed}: {compared} distances compared");
        // Partial edges at snapped points: estates and facilities mostly enter streets between crossings.
        let mid_edge = r.baseline.estate_access.iter().flat_map(|a| &a.points).filter(|p| p.snap.along_m > 1.0 && p.snap.along_m < 99.0).count();
        assert!(mid_edge > 10);
        // The facility engine (searches from the facilities) gives the same: effort is the same both ways.
        let other = run(&data, &profile, Some(&dem), DistanceEngine::FacilitySearch);
        check_equal(&other, &want, 0.01);
        // The hill matters: some distance is longer than on flat ground by more than 5 %.
        let flat = run(&data, &profile, None, DistanceEngine::EstateSearch);
        let longer = flat.baseline.categories[0].estates.iter().zip(&r.baseline.categories[0].estates).filter(|(f, h)| match (f.dist_m(), h.dist_m()) {
            (Some(f), Some(h)) => h > f * 1.02,
            _ => false,
        });
        assert!(longer.count() > 3);
        // Every edge lies on the DEM.
        let dem_block = r.summary.dem.as_ref().unwrap();
        assert_eq!((dem_block.coverage.edges, dem_block.coverage.edges_without_data), (r.network.graph.edges.len(), 0));
        assert!(flat.summary.dem.is_none() && flat.network.graph.terrain().is_none());
    }
}

#[test]
fn a_reversed_plane_gives_the_same_distances() {
    let dir = tempfile::tempdir().unwrap();
    let up = plane_dem(dir.path(), "up.tif", tilted);
    let down = plane_dem(dir.path(), "down.tif", |x, y| 400.0 - 0.06 * x - 0.03 * y);
    let profile = profile();
    let data = grid_district(7);
    let (a, b) = (run(&data, &profile, Some(&up), DistanceEngine::EstateSearch), run(&data, &profile, Some(&down), DistanceEngine::EstateSearch));
    let mut compared = 0;
    for (ca, cb) in a.baseline.categories.iter().zip(&b.baseline.categories) {
        for (da, db) in ca.estates.iter().zip(&cb.estates) {
            assert_eq!(da.dist_m().is_some(), db.dist_m().is_some());
            if let (Some(x), Some(y)) = (da.dist_m(), db.dist_m()) {
                // (Float32 elevations round differently on the two planes: a few micrometres.)
                assert!((x - y).abs() < 1e-3, "{x} vs {y}");
                compared += 1;
                // The same least-effort route: the same metres walked.
                let (ra, rb) = (da.nearest[0].route.unwrap(), db.nearest[0].route.unwrap());
                assert!((ra.walk_m - rb.walk_m).abs() < 1e-6);
            }
        }
    }
    assert!(compared > 20);
}

#[test]
fn a_dem_in_another_crs_is_reprojected() {
    let dir = tempfile::tempdir().unwrap();
    let utm = plane_dem(dir.path(), "utm.tif", tilted);
    // The same plane on a lon/lat grid of about 1 m cells: each cell centre's elevation is the plane at
    // its UTM position.
    let to_utm = proj::Proj::new_known_crs("EPSG:4326", "EPSG:32649", None).unwrap();
    let to_geo = proj::Proj::new_known_crs("EPSG:32649", "EPSG:4326", None).unwrap();
    let (lon0, lat0) = to_geo.convert((X0 - 150.0, Y0 - 150.0)).unwrap();
    let (lon1, lat1) = to_geo.convert((X0 + 1150.0, Y0 + 1150.0)).unwrap();
    let cells = 1400;
    let cell = ((lon1 - lon0).max(lat1 - lat0)) / cells as f64;
    let geo = dir.path().join("geo.tif");
    write_dem(&geo, 4326, lon0, lat0, cell, cells, |lon, lat| {
        let (x, y) = to_utm.convert((lon, lat)).unwrap();
        Some(tilted(x - X0, y - Y0))
    });
    let profile = profile();
    let data = grid_district(3);
    let (a, b) = (run(&data, &profile, Some(&utm), DistanceEngine::EstateSearch), run(&data, &profile, Some(&geo), DistanceEngine::EstateSearch));
    assert_eq!(b.summary.dem.as_ref().unwrap().crs, "EPSG:4326");
    let mut compared = 0;
    for (ca, cb) in a.baseline.categories.iter().zip(&b.baseline.categories) {
        for (da, db) in ca.estates.iter().zip(&cb.estates) {
            if let (Some(x), Some(y)) = (da.dist_m(), db.dist_m()) {
                assert!((x - y).abs() < 0.05, "{x} vs {y}");
                compared += 1;
            }
        }
    }
    assert!(compared > 20);
}

/// A west-east street over a hill at the origin and, when `detour`, a flat way round it 100 m south; an
/// estate at the west end, a primary school at the east end.
fn hill_district(detour: bool) -> Dataset {
    let mut data = Dataset::default();
    data.ways.push(footway("street".into(), &[(-125.0, 0.0), (0.0, 0.0), (125.0, 0.0)]));
    if detour {
        data.ways.push(footway("round".into(), &[(-125.0, 0.0), (-125.0, -100.0), (125.0, -100.0), (125.0, 0.0)]));
    }
    data.estates.push(estate("west", square(X0 - 175.0, Y0 - 20.0, 40.0)));
    data.gates.push(Gate { id: "gate".into(), point: Point(c(-135.0, 0.0)), kind: "gate".into(), access: None });
    data.facilities.push(Facility {
        id: "school".into(),
        name: None,
        category: "primary_school".into(),
        geometry: FacilityGeometry::Point(Point(c(130.0, 0.0))),
        capacity: None,
        matched_by: "test".into(),
    });
    data
}

fn cone(height: f64) -> impl Fn(f64, f64) -> Option<f64> {
    move |x: f64, y: f64| Some(100.0 + (height * (1.0 - x.hypot(y) / 75.0)).max(0.0))
}

#[test]
fn the_least_effort_route_goes_round_a_steep_hill() {
    let dir = tempfile::tempdir().unwrap();
    let dem = dir.path().join("cone.tif");
    // 1 m cells centred on whole metres: a cell centre sits on the summit.
    write_utm_dem(&dem, -300.5, -300.5, 1.0, 601, cone(37.5)); // 50 % slopes
    let profile = profile();
    let data = hill_district(true);
    let flat = run(&data, &profile, None, DistanceEngine::EstateSearch);
    let hill = run(&data, &profile, Some(&dem), DistanceEngine::EstateSearch);
    let school = profile.categories.iter().position(|c| c.key == "primary_school").unwrap();
    let gate_offset = 10.0 + 5.0; // the gate 10 m off the street's west end, the school 5 m past its east end
    let f = flat.baseline.categories[school].estates[0].dist_m().unwrap();
    assert!((f - (250.0 + gate_offset)).abs() < 1e-9, "{f}");
    // Round the hill: 100 + 250 + 100 m on flat ground.
    let h = &hill.baseline.categories[school].estates[0];
    let route = h.nearest[0].route.unwrap();
    assert!((h.dist_m().unwrap() - (450.0 + gate_offset)).abs() < 1e-6, "{:?}", h);
    assert!((route.walk_m - (450.0 + gate_offset)).abs() < 1e-6 && route.climb_m.abs() < 1e-9, "{route:?}");
    assert!(hill.baseline.ok[0][school], "450 flat metres are within 500 m");
    // Over the hill would cost far more: the street's effort.
    let street = hill.network.graph.edges.iter().find(|e| e.way == 0).unwrap();
    assert_eq!(street.length_m, 250.0);
    assert!(street.cost_m > 100.0 + 150.0 * 4.0, "{}", street.cost_m);
}

#[test]
fn crossing_a_low_hill_walks_less_than_it_costs_and_climbs_it() {
    let dir = tempfile::tempdir().unwrap();
    let dem = dir.path().join("low.tif");
    write_utm_dem(&dem, -300.5, -300.5, 1.0, 601, cone(6.0)); // 8 % slopes
    let profile = profile();
    let data = hill_district(false);
    let r = run(&data, &profile, Some(&dem), DistanceEngine::EstateSearch);
    let school = profile.categories.iter().position(|c| c.key == "primary_school").unwrap();
    let d = &r.baseline.categories[school].estates[0];
    let route = d.nearest[0].route.unwrap();
    assert!((route.walk_m - 265.0).abs() < 1e-6, "{route:?}");
    // Up 6 m to the summit and down again: 6 m climbed going there.
    assert!((route.climb_m - 6.0).abs() < 0.05, "{route:?}");
    // 150 m at 8 % (up and down both average to the same factor), 100 m flat, 15 m of offsets flat; the
    // 10 m pieces straddling the hill's foot (kinks at ±75 m) average the slope over the piece, which
    // costs a little less (the pace is convex): under 0.4 m each.
    let want = 150.0 * round_trip(0.08) + 100.0 + 15.0;
    let got = d.dist_m().unwrap();
    assert!(got < want && want - got < 0.8, "{got} vs {want}");
    assert!(got > route.walk_m + 18.0);
}

#[test]
fn no_data_counts_flat_and_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let dem = dir.path().join("hole.tif");
    // The tilted plane with a no-data hole over the grid's south-west quarter-block corner (0..260 m square).
    write_utm_dem(&dem, -200.0, -200.0, 5.0, 280, |x, y| (!(x < 260.0 && y < 260.0 && x > -50.0 && y > -50.0)).then(|| tilted(x, y)));
    let profile = profile();
    let data = grid_district(1);
    let r = run(&data, &profile, Some(&dem), DistanceEngine::EstateSearch);
    let block = r.summary.dem.as_ref().unwrap().coverage;
    let g = &r.network.graph;
    // Edges wholly inside the hole (both ends at ≤ 200 m, neither on the hole's border cells) are flat.
    let inside: Vec<usize> = (0..g.edges.len())
        .filter(|&i| {
            let e = &g.edges[i];
            [e.u, e.v].iter().all(|&n| {
                let p = g.node_xy[n as usize];
                (p.x - X0) <= 200.0 && (p.y - Y0) <= 200.0
            })
        })
        .collect();
    assert_eq!(inside.len(), 12);
    for &i in &inside {
        assert_eq!(g.edges[i].cost_m, g.edges[i].length_m, "edge {i} is flat");
    }
    assert_eq!(block.edges_without_data, 12);
    // Edges leaving the hole are partly without data; all others are sampled.
    assert_eq!(block.edges_partly_without_data, 6);
    assert!(block.pieces_without_data >= 12 * 10);
    let json = serde_json::to_value(&r.summary).unwrap();
    assert_eq!(json["dem"]["edges_without_data"], 12);
    // The report's data-quality section says so, in both languages.
    let quality = lifecircle::report::data_quality::data_quality(&data, &profile, &[], &r, None);
    assert_eq!((quality.dem_edges_without_data, quality.dem_edges_partly_without_data), (Some(12), Some(6)));
    let zh = quality.sentences(&lifecircle::report::wording::Wording::new(lifecircle::lang::Lang::Zh, &profile));
    assert!(zh.iter().any(|s| s.starts_with("12 条步行网络路段完全、6 条部分位于高程数据范围之外")), "{zh:?}");
    let without_dem = run(&data, &profile, None, DistanceEngine::EstateSearch);
    let quality = lifecircle::report::data_quality::data_quality(&data, &profile, &[], &without_dem, None);
    assert_eq!(quality.dem_edges_without_data, None);
}

/// `lifecircle coverage --dem FILE` on the Nanjing extract, in a fresh output folder.
fn cli_coverage(dem: &Path, out: &Path) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_lifecircle"))
        .args(["coverage", "--quiet", "--osm", concat!(env!("CARGO_MANIFEST_DIR"), "/data/nanjing-xuanwu-2021.osm.pbf"), "--out"])
        .arg(out)
        .arg("--dem")
        .arg(dem)
        .env_remove("RUST_BACKTRACE")
        .output()
        .unwrap()
}

#[test]
fn an_unusable_dem_is_refused_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let text = dir.path().join("notes.tif");
    std::fs::write(&text, "not a raster").unwrap();
    let no_crs = dir.path().join("no_crs.tif");
    {
        let driver = DriverManager::get_driver_by_name("GTiff").unwrap();
        let mut ds = driver.create_with_band_type::<f32, _>(&no_crs, 4, 4, 1).unwrap();
        ds.set_geo_transform(&[0.0, 1.0, 0.0, 4.0, 0.0, -1.0]).unwrap();
    }
    for (dem, says) in [(dir.path().join("missing.tif"), "does not exist"), (text, "cannot open it as a raster"), (no_crs, "no CRS")] {
        let out = dir.path().join("out");
        let o = cli_coverage(&dem, &out);
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains(&dem.display().to_string()) && stderr.contains(says) && stderr.contains("gdal_edit.py"), "{stderr}");
        assert!(!stderr.contains("panicked"));
        assert!(!out.exists() || std::fs::read_dir(&out).unwrap().next().is_none(), "nothing written");
    }
}

#[test]
fn the_cli_writes_effort_walk_and_climb_fields_with_a_dem_only() {
    let dir = tempfile::tempdir().unwrap();
    // A hill under Nanjing's Xuanwu district (UTM 50N), rising 10 % eastwards from 668,000 E.
    let dem = dir.path().join("xuanwu.tif");
    write_dem(&dem, 32650, 664_000.0, 3_544_000.0, 10.0, 800, |x, _| Some(20.0 + 0.1 * (x - 668_000.0).max(0.0)));
    let out = dir.path().join("hill");
    let o = cli_coverage(&dem, &out);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let estates: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(out.join("estates.geojson")).unwrap()).unwrap();
    let props = &estates["features"][0]["properties"];
    for field in ["dist_kindergarten", "walk_m_kindergarten", "climb_m_kindergarten"] {
        assert!(props.get(field).is_some(), "{field} in {props}");
    }
    let mut slower = 0;
    for f in estates["features"].as_array().unwrap() {
        let p = f["properties"].as_object().unwrap();
        for (field, value) in p.iter().filter(|(k, _)| k.starts_with("dist_")) {
            let walked = &p[&field.replace("dist_", "walk_m_")];
            if let (Some(d), Some(w)) = (value.as_f64(), walked.as_f64()) {
                assert!(d >= w - 1e-9, "{field}: effort {d} < walked {w}");
                slower += (d > w + 1.0) as usize;
            }
        }
    }
    assert!(slower > 0);
    let summary: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(out.join("coverage.json")).unwrap()).unwrap();
    assert_eq!(summary["dem"]["crs"], "EPSG:32650");
    assert_eq!(summary["dem"]["edges_without_data"], 0);
    // The DEM is an input of the run: its path, size and checksum are in the provenance (`rerun` checks them).
    let inputs = summary["provenance"]["inputs"].as_array().unwrap();
    let recorded = inputs.iter().find(|i| i["role"] == "dem").unwrap_or_else(|| panic!("no dem in {inputs:?}"));
    assert_eq!(recorded["path"], dem.display().to_string());
    assert_eq!(recorded["size_bytes"].as_u64().unwrap(), std::fs::metadata(&dem).unwrap().len());
    assert_eq!(recorded["sha256"].as_str().unwrap(), lifecircle::provenance::file_sha256(&dem).unwrap().1);
    let network: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(out.join("network.geojson")).unwrap()).unwrap();
    assert!(network["features"][0]["properties"]["slope_factor"].as_f64().unwrap() >= 1.0);
    // Without --dem: no such fields, no dem block.
    let flat = dir.path().join("flat");
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_lifecircle"))
        .args(["coverage", "--quiet", "--osm", concat!(env!("CARGO_MANIFEST_DIR"), "/data/nanjing-xuanwu-2021.osm.pbf"), "--out"])
        .arg(&flat)
        .output()
        .unwrap();
    assert!(o.status.success());
    let estates = std::fs::read_to_string(flat.join("estates.geojson")).unwrap();
    assert!(!estates.contains("walk_m_") && !estates.contains("climb_m_"));
    assert!(!std::fs::read_to_string(flat.join("coverage.json")).unwrap().contains("\"dem\""));
    assert!(!std::fs::read_to_string(flat.join("network.geojson")).unwrap().contains("slope_factor"));
}

/// `plan --dem`: the report's map and the printed map show the slope map (the network graded by its
/// slope factor, the QGIS style's classes and words); without a DEM neither has it.
#[test]
fn a_plan_on_a_dem_draws_the_slope_map_in_the_report_and_the_printed_map() {
    let dir = tempfile::tempdir().unwrap();
    // Xuanwu flat west of 668,000 E, then rising 10 % eastwards (round-trip factor of the 8-12 % class).
    let dem = dir.path().join("xuanwu.tif");
    write_dem(&dem, 32650, 664_000.0, 3_544_000.0, 10.0, 800, |x, _| Some(20.0 + 0.1 * (x - 668_000.0).max(0.0)));
    let plan = |out: &Path, extra: &[&std::ffi::OsStr]| {
        let o = std::process::Command::new(env!("CARGO_BIN_EXE_lifecircle"))
            .args(["plan", "--quiet", "--osm", concat!(env!("CARGO_MANIFEST_DIR"), "/data/nanjing-xuanwu-2021.osm.pbf"), "--out"])
            .arg(out)
            .args(extra)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    };
    let hill = dir.path().join("hill");
    plan(&hill, &["--dem".as_ref(), dem.as_os_str()]);
    let report = std::fs::read_to_string(hill.join("report.html")).unwrap();
    let svg = std::fs::read_to_string(hill.join("coverage_map.svg")).unwrap();
    for class in ["坡度折算 相当于 0 – 5 %", "坡度折算 相当于 8 – 12 %"] {
        assert!(report.contains(class), "report legend lacks {class}");
        assert!(svg.contains(class), "printed map legend lacks {class}");
    }
    let flat = dir.path().join("flat");
    plan(&flat, &[]);
    assert!(!std::fs::read_to_string(flat.join("report.html")).unwrap().contains("坡度折算"));
    assert!(!std::fs::read_to_string(flat.join("coverage_map.svg")).unwrap().contains("坡度折算"));
}
