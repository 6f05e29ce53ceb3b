//! Brute-force oracles on seeded random districts: the multi-source, multi-label search must give, for
//! every estate and category, the same nearest distance, the same 3 nearest facility ids and the same
//! count within the threshold as a plain textbook Dijkstra run from that estate alone (to 1e-6 m); every
//! snap must be the brute-force nearest network point; service-area lines must end exactly at the
//! threshold.
//!
//! The oracle builds its own graph: every edge of the walking graph is cut at every snapped position
//! (estate access points, facility entrances) so that those become ordinary nodes, and runs an unbounded
//! Dijkstra with a binary heap per estate.

mod oracle;
use geo::{Distance, Euclidean, Length};
use geo_types::{Coord, LineString, MultiPolygon, Point};
use lifecircle::coverage::{CoverageOptions, CoverageRun, DistanceEngine, run_coverage};
use lifecircle::model::{Dataset, Estate, Facility, FacilityGeometry, Gate, Way};
use lifecircle::network::access::{AccessKind, AccessPoint};
use lifecircle::network::dijkstra::{EdgeEntries, SearchLimits, SourceEntry, k_nearest_sources, seeds_from_entries};
use lifecircle::network::graph::WalkGraph;
use lifecircle::network::service_area::reached_intervals;
use lifecircle::profile::Profile;
use lifecircle::rng::SplitMix64;
use lifecircle::testing::{estate, square};

fn c(x: f64, y: f64) -> Coord<f64> {
    Coord { x, y }
}

/// A random district: a main cluster of junctions in a 1 km square and a small island 2 km east.
fn random_district(seed: u64) -> Dataset {
    let mut rng = SplitMix64::new(seed);
    let n_main = 60 + rng.below(120);
    let mut nodes: Vec<Coord<f64>> = (0..n_main).map(|_| c(rng.range(0.0, 1000.0), rng.range(0.0, 1000.0))).collect();
    let island_start = nodes.len();
    nodes.extend((0..8).map(|_| c(rng.range(3000.0, 3150.0), rng.range(0.0, 150.0))));
    let mut data = Dataset::default();
    let add_way = |data: &mut Dataset, a: Coord<f64>, b: Coord<f64>, rng: &mut SplitMix64| {
        let mut line = vec![a];
        if rng.next_f64() < 0.3 {
            line.push(c((a.x + b.x) / 2.0 + rng.range(-15.0, 15.0), (a.y + b.y) / 2.0 + rng.range(-15.0, 15.0)));
        }
        line.push(b);
        let id = format!("w{}", data.ways.len());
        data.ways.push(Way { id, line: LineString(line), tags: [("highway".to_string(), "footway".to_string())].into() });
    };
    for i in 0..nodes.len() {
        let cluster = if i < island_start { 0..island_start } else { island_start..nodes.len() };
        let mut near: Vec<(f64, usize)> = cluster.filter(|&j| j != i).map(|j| ((nodes[i].x - nodes[j].x).hypot(nodes[i].y - nodes[j].y), j)).collect();
        near.sort_by(|a, b| a.0.total_cmp(&b.0));
        let links = 1 + rng.below(3);
        for &(_, j) in near.iter().take(links) {
            add_way(&mut data, nodes[i], nodes[j], &mut rng);
        }
    }
    // Estates: small squares; some with gates on their south wall, one far from everything.
    for e in 0..25 {
        let (x, y) = (rng.range(0.0, 980.0), rng.range(0.0, 980.0));
        let size = rng.range(10.0, 40.0);
        let id = format!("e{e:02}");
        if rng.next_f64() < 0.5 {
            for g in 0..1 + rng.below(2) {
                data.gates.push(Gate { id: format!("g{e}_{g}"), point: Point::new(x + size * rng.range(0.1, 0.9), y), kind: "gate".into(), access: None });
            }
        }
        data.estates.push(Estate { population: rng.range(100.0, 3000.0).round(), households: 100.0, ..estate(&id, square(x, y, size)) });
    }
    data.estates.push(Estate { id: "far".into(), polygon: square(10_000.0, 10_000.0, 20.0), ..data.estates[0].clone() });
    // Facilities: points and 30 m squares (parks are reached at their boundary), two categories.
    for f in 0..45 {
        let category = if rng.next_f64() < 0.5 { "kindergarten" } else { "park" };
        let (x, y) = (rng.range(-50.0, 1050.0), rng.range(-50.0, 1050.0));
        let geometry = if rng.next_f64() < 0.25 { FacilityGeometry::Area(square(x, y, 30.0)) } else { FacilityGeometry::Point(Point::new(x, y)) };
        data.facilities.push(Facility { id: format!("f{f:02}"), name: None, category: category.into(), geometry, capacity: Some(50.0), matched_by: "test".into() });
    }
    data
}

fn profile() -> Profile {
    let mut p = Profile::default_profile();
    p.categories.retain(|c| c.key == "kindergarten" || c.key == "park");
    p
}

/// The oracle's graph: the walking graph with extra nodes at snapped positions.
struct SplitGraph {
    adjacency: Vec<Vec<(usize, f64)>>,
    /// Per walking-graph edge: (along, node) sorted by along.
    positions: Vec<Vec<(f64, usize)>>,
}

impl SplitGraph {
    fn new(graph: &WalkGraph, points: &[(u32, f64)]) -> (SplitGraph, Vec<usize>) {
        let mut positions: Vec<Vec<(f64, usize)>> = graph.edges.iter().map(|e| vec![(0.0, e.u as usize), (e.length_m, e.v as usize)]).collect();
        let mut next = graph.node_count();
        let mut ids = Vec::new();
        for &(edge, along) in points {
            positions[edge as usize].push((along, next));
            ids.push(next);
            next += 1;
        }
        let mut adjacency = vec![Vec::new(); next];
        for p in &mut positions {
            p.sort_by(|a, b| a.0.total_cmp(&b.0));
            for w in p.windows(2) {
                let len = w[1].0 - w[0].0;
                adjacency[w[0].1].push((w[1].1, len));
                adjacency[w[1].1].push((w[0].1, len));
            }
        }
        (SplitGraph { adjacency, positions }, ids)
    }

    /// Textbook Dijkstra ([`oracle::dijkstra`]) from several (node, start distance) pairs, no bound.
    fn dijkstra(&self, starts: &[(usize, f64)]) -> Vec<f64> {
        oracle::dijkstra(&self.adjacency, starts)
    }

    /// Distance at a point of a walking-graph edge, given node distances.
    fn at(&self, dist: &[f64], edge: u32, along: f64) -> f64 {
        let p = &self.positions[edge as usize];
        let k = p.partition_point(|q| q.0 <= along).clamp(1, p.len() - 1);
        let (a, b) = (p[k - 1], p[k]);
        (dist[a.1] + (along - a.0)).min(dist[b.1] + (b.0 - along))
    }
}

fn brute_force_snap_m(graph: &WalkGraph, p: Coord<f64>) -> f64 {
    (0..graph.edges.len() as u32)
        .flat_map(|e| graph.edge_line(e).windows(2).map(|w| Euclidean.distance(&Point(p), &geo_types::Line::new(w[0], w[1]))).collect::<Vec<_>>())
        .fold(f64::INFINITY, f64::min)
}

fn brute_force_boundary_gap_m(graph: &WalkGraph, polygon: &MultiPolygon<f64>) -> f64 {
    let ring = polygon.0[0].exterior();
    (0..graph.edges.len() as u32).map(|e| Euclidean.distance(&LineString(graph.edge_line(e).to_vec()), ring)).fold(f64::INFINITY, f64::min)
}

fn check_snap(graph: &WalkGraph, ap: &AccessPoint, polygon: Option<&MultiPolygon<f64>>, meet_m: f64) {
    let on = graph.point_along(ap.snap.edge, ap.snap.along_m);
    assert!((on.x - ap.snap.on_network.x).abs() < 1e-6 && (on.y - ap.snap.on_network.y).abs() < 1e-6, "{ap:?} vs {on:?}");
    assert!(((ap.point.x - on.x).hypot(ap.point.y - on.y) - ap.snap.offset_m).abs() < 1e-6);
    match ap.kind {
        AccessKind::Gate(_) | AccessKind::Point | AccessKind::Centroid => {
            assert!((brute_force_snap_m(graph, ap.point) - ap.snap.offset_m).abs() < 1e-9, "{ap:?}");
        }
        AccessKind::Crossing => assert!(ap.snap.offset_m <= meet_m),
        AccessKind::NearestBoundary => {
            let gap = brute_force_boundary_gap_m(graph, polygon.unwrap());
            assert!((gap - ap.snap.offset_m).abs() < 1e-9, "{gap} vs {ap:?}");
        }
        AccessKind::Borrowed(_) => unreachable!("no scenario here"),
    }
}

/// What a run exercised: (estate-category pairs checked, with 3 nearest, with ≥ 2 within the threshold,
/// with no facility in reach, crossing access points, nearest-boundary points, multi-entrance facilities,
/// same-edge estate-facility pairs).
#[derive(Debug, Default, Clone, Copy)]
struct Exercised {
    pairs: usize,
    three_nearest: usize,
    two_within: usize,
    none_in_reach: usize,
    crossings: usize,
    nearest_boundary: usize,
    multi_entrance: usize,
}

fn check_against_oracle(data: &Dataset, profile: &Profile, run: &CoverageRun, seen: &mut Exercised) {
    let graph = &run.network.graph;
    let base = &run.baseline;
    let meet = profile.walk.boundary_meet_m;
    // Snaps.
    for (e, a) in base.estate_access.iter().enumerate() {
        for ap in &a.points {
            check_snap(graph, ap, Some(&data.estates[e].polygon), meet);
        }
    }
    for (f, a) in base.facility_access.iter().enumerate() {
        let a = a.as_ref().unwrap();
        let polygon = match &data.facilities[f].geometry {
            FacilityGeometry::Area(p) => Some(p),
            FacilityGeometry::Point(p) => {
                let d = brute_force_snap_m(graph, p.0);
                assert_eq!(a.points.is_empty(), d > profile.walk.max_snap_m, "facility {f}: snap {d}");
                None
            }
        };
        for ap in &a.points {
            check_snap(graph, ap, polygon, meet);
        }
    }
    // The oracle graph with every snapped position as a node.
    let mut points = Vec::new();
    for a in &base.estate_access {
        points.extend(a.points.iter().map(|p| (p.snap.edge, p.snap.along_m)));
    }
    let estate_points = points.len();
    for a in base.facility_access.iter().flatten() {
        points.extend(a.points.iter().map(|p| (p.snap.edge, p.snap.along_m)));
    }
    let (split, ids) = SplitGraph::new(graph, &points);
    let facility_nodes: Vec<Vec<(usize, f64)>> = {
        let mut k = estate_points;
        base.facility_access
            .iter()
            .map(|a| {
                a.as_ref()
                    .map(|a| {
                        a.points
                            .iter()
                            .map(|p| {
                                k += 1;
                                (ids[k - 1], p.base_m())
                            })
                            .collect()
                    })
                    .unwrap_or_default()
            })
            .collect()
    };
    for a in base.estate_access.iter().chain(base.facility_access.iter().flatten()) {
        seen.crossings += a.points.iter().filter(|p| p.kind == AccessKind::Crossing).count();
        seen.nearest_boundary += a.points.iter().filter(|p| p.kind == AccessKind::NearestBoundary).count();
    }
    seen.multi_entrance += base.facility_access.iter().flatten().filter(|a| a.points.len() > 1).count();
    let mut k = 0;
    for (e, a) in base.estate_access.iter().enumerate() {
        let mut starts: Vec<(usize, f64)> = Vec::new();
        for p in &a.points {
            starts.push((ids[k], p.base_m()));
            k += 1;
        }
        let dist = split.dijkstra(&starts);
        for (ci, cat) in profile.categories.iter().enumerate() {
            let mut oracle: Vec<(f64, &str)> = data
                .facilities
                .iter()
                .enumerate()
                .filter(|(f, fac)| fac.category == cat.key && !facility_nodes[*f].is_empty())
                .map(|(f, fac)| (facility_nodes[f].iter().map(|&(n, b)| dist[n] + b).fold(f64::INFINITY, f64::min), fac.id.as_str()))
                .filter(|(d, _)| d.is_finite())
                .collect();
            oracle.sort_by(|x, y| x.0.total_cmp(&y.0).then(x.1.cmp(y.1)));
            let got = &base.categories[ci].estates[e];
            let want_nearest: Vec<&(f64, &str)> = oracle.iter().filter(|(d, _)| *d <= run.search_radius_m).take(3).collect();
            assert_eq!(got.nearest.len(), want_nearest.len(), "estate {e} category {}", cat.key);
            for (g, w) in got.nearest.iter().zip(&want_nearest) {
                assert!((g.dist_m - w.0).abs() < 1e-6, "estate {e} {}: {} vs {}", cat.key, g.dist_m, w.0);
                assert_eq!(data.facilities[base.categories[ci].facility(g.source) as usize].id, w.1);
            }
            assert_eq!(got.within.len(), oracle.iter().filter(|(d, _)| *d <= cat.threshold_m).count(), "estate {e} {}", cat.key);
            seen.pairs += 1;
            seen.three_nearest += (got.nearest.len() == 3) as usize;
            seen.two_within += (got.within.len() >= 2) as usize;
            seen.none_in_reach += got.nearest.is_empty() as usize;
        }
    }
    // Service areas: interval ends inside an edge lie exactly at the threshold; inside ≤, gaps >.
    for (ci, cat) in profile.categories.iter().enumerate() {
        let result = &base.categories[ci];
        let mut entries = Vec::new();
        let mut starts = Vec::new();
        for (rank, &f) in result.facilities.iter().enumerate() {
            for (p, &(node, b)) in base.facility_access[f as usize].as_ref().unwrap().points.iter().zip(&facility_nodes[f as usize]) {
                entries.push(SourceEntry { source: rank as u32, edge: p.snap.edge, along_m: p.snap.along_m, base_m: p.base_m() });
                starts.push((node, b));
            }
        }
        let dist = split.dijkstra(&starts);
        let labels = k_nearest_sources(graph, &seeds_from_entries(graph, &entries), &SearchLimits { k: 1, radius_m: cat.threshold_m, all_within_m: 0.0 });
        let same_edge = EdgeEntries::new(&entries);
        let t = cat.threshold_m;
        let mut total = 0.0;
        for (ei, edge) in graph.edges.iter().enumerate() {
            let ei = ei as u32;
            let near = |n: u32| labels.nearest(n).map(|l| l.dist_m);
            let intervals = reached_intervals(graph, ei, near(edge.u), near(edge.v), &same_edge, t);
            let mut cursor = 0.0;
            for &(a, b) in &intervals {
                total += b - a;
                for end in [a, b] {
                    if end > 1e-9 && end < edge.length_m - 1e-9 {
                        assert!((split.at(&dist, ei, end) - t).abs() < 1e-6, "edge {ei} end {end}: {}", split.at(&dist, ei, end));
                    }
                }
                assert!(split.at(&dist, ei, (a + b) / 2.0) <= t + 1e-6);
                if a > cursor + 1e-6 {
                    assert!(split.at(&dist, ei, (cursor + a) / 2.0) > t, "gap on edge {ei}");
                }
                cursor = b;
            }
            if cursor < edge.length_m - 1e-6 {
                assert!(split.at(&dist, ei, (cursor + edge.length_m) / 2.0) > t, "tail gap on edge {ei}");
            }
        }
        let lines = &result.service_area.as_ref().unwrap().lines;
        assert!((lines.0.iter().map(|l| Euclidean.length(l)).sum::<f64>() - total).abs() < 1e-6);
    }
}

#[test]
fn multi_source_search_equals_per_estate_dijkstra() {
    let profile = profile();
    let mut seen = Exercised::default();
    for seed in 1..=8u64 {
        let data = random_district(seed);
        for rule in ["gates", "boundary", "centroid"] {
            let mut runs = Vec::new();
            for engine in [DistanceEngine::EstateSearch, DistanceEngine::FacilitySearch] {
                let opts = CoverageOptions { access_rule: rule.parse().unwrap(), engine, ..CoverageOptions::default() };
                let run = run_coverage(&data, &profile, &opts).unwrap();
                check_against_oracle(&data, &profile, &run, &mut seen);
                // The far estate is unreachable and rejected; it is still counted (not covered).
                assert!(run.rejects.iter().any(|r| r.layer == "estates" && r.source_id == "far"));
                assert!(run.baseline.ok.last().unwrap().iter().all(|ok| !ok));
                runs.push(run);
            }
            // The two engines agree on every verdict and nearest list (distances to 1e-9 m).
            for (a, b) in runs[0].baseline.categories.iter().zip(&runs[1].baseline.categories) {
                for (x, y) in a.estates.iter().zip(&b.estates) {
                    assert_eq!(x.nearest.iter().map(|n| n.source).collect::<Vec<_>>(), y.nearest.iter().map(|n| n.source).collect::<Vec<_>>());
                    assert_eq!(x.within.len(), y.within.len());
                    assert!(x.nearest.iter().zip(&y.nearest).all(|(p, q)| (p.dist_m - q.dist_m).abs() < 1e-9));
                }
            }
            assert_eq!(runs[0].baseline.ok, runs[1].baseline.ok);
        }
    }
    eprintln!("{seen:?}");
    assert_eq!(seen.pairs, 8 * 3 * 2 * 26 * 2);
    // The random districts exercise every branch the contract has.
    assert!(seen.three_nearest > 0 && seen.two_within > 0 && seen.none_in_reach > 0, "{seen:?}");
    assert!(seen.crossings > 0 && seen.nearest_boundary > 0 && seen.multi_entrance > 0, "{seen:?}");
}

#[test]
fn search_radius_shorter_than_the_largest_threshold_is_refused() {
    let opts = CoverageOptions { search_radius_m: Some(400.0), ..CoverageOptions::default() };
    let err = run_coverage(&random_district(1), &profile(), &opts).err().unwrap();
    assert!(err.to_string().contains("500"), "{err}");
}

#[test]
fn max_snap_option_rejects_far_facilities() {
    // With a 1 m snap limit nearly every point facility is unreachable; each one is rejected with the reason.
    let data = random_district(3);
    let opts = CoverageOptions { max_snap_m: Some(1.0), ..CoverageOptions::default() };
    let run = run_coverage(&data, &profile(), &opts).unwrap();
    let graph = &run.network.graph;
    for (f, fac) in data.facilities.iter().enumerate() {
        if let FacilityGeometry::Point(p) = &fac.geometry {
            let far = brute_force_snap_m(graph, p.0) > 1.0;
            let rejected = run.rejects.iter().any(|r| r.layer == "facilities" && r.source_id == fac.id && r.reason.contains("max_snap_m = 1"));
            assert_eq!(far, rejected, "facility {f}");
        }
    }
}
