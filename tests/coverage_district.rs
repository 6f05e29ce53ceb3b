//! A hand-built district of three walled compounds with gates, worked out by hand, and the
//! open-the-walls scenarios on it.
//!
//! ```text
//!  y=300  (0,300) ──────────────── S3 ──────────────────────── (600,300)
//!           │  ┌──── A ────┐ ┌──── B ─gB─┐ ┌──── C ─────┐      │
//!           │  │ 10..190   │ │ 200..390 │ │ 400..590    │      │
//!          S2  │           │ │    |b    │ │   (500,150)-c-gC─ S4 (600,150)
//!           │  │    |a     │ │    |     │ │    |        │      │
//!           │  └───gA──────┘ └──────────┘ └───gC2(shut)─┘      │
//!  y=0    (0,0) ─────x=100──── S1 ────────────────x=500─────── (600,0)
//!                K1(100,-5)   K2(250,-5)        H1(450,-5)
//! ```
//! Walls are 10 m from the streets. Each compound has a private internal way that runs from the street
//! through its gate (a, b, c); C's also leaves through a shut gate gC2 (access=no) to S1 at x = 500.
//! A trunk road (600,150)–(500,0) without sidewalk is not walkable. Facilities: kindergartens K1, K2,
//! health station H1, elderly care E1 at (300, 305), and a clinic 700 m from any way.

use geo_types::{Coord, LineString, Point};
use lifecircle::coverage::scenario::Scenario;
use lifecircle::coverage::{CoverageOptions, CoverageRun, run_coverage};
use lifecircle::model::{Dataset, Estate, Facility, FacilityGeometry, Gate, Way};
use lifecircle::network::access::AccessKind;
use lifecircle::profile::Profile;
use lifecircle::testing::{estate, rect};

fn way(id: &str, pts: &[(f64, f64)], tags: &[(&str, &str)]) -> Way {
    Way { id: id.into(), line: LineString::from(pts.to_vec()), tags: tags.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect() }
}

/// A compound from x0 to x1 between the walls at y = 10 and y = 290, built 1990.
fn compound(id: &str, x0: f64, x1: f64, population: f64) -> Estate {
    Estate { name: Some(format!("{id}小区")), population, households: population / 2.62, built_year: Some(1990), ..estate(id, rect(x0, 10.0, x1, 290.0)) }
}

fn point_facility(id: &str, category: &str, x: f64, y: f64, capacity: Option<f64>) -> Facility {
    Facility { id: id.into(), name: None, category: category.into(), geometry: FacilityGeometry::Point(Point::new(x, y)), capacity, matched_by: "test".into() }
}

fn gate(id: &str, x: f64, y: f64, access: Option<&str>) -> Gate {
    Gate { id: id.into(), point: Point::new(x, y), kind: "gate".into(), access: access.map(str::to_string) }
}

fn district() -> Dataset {
    let street = [("highway", "residential")];
    let private = [("highway", "service"), ("access", "private")];
    Dataset {
        estates: vec![compound("A", 10.0, 190.0, 1000.0), compound("B", 200.0, 390.0, 800.0), compound("C", 400.0, 590.0, 1200.0)],
        ways: vec![
            way("s1", &[(0.0, 0.0), (100.0, 0.0), (500.0, 0.0), (600.0, 0.0)], &street),
            way("s2", &[(0.0, 0.0), (0.0, 300.0)], &street),
            way("s3", &[(0.0, 300.0), (300.0, 300.0), (600.0, 300.0)], &street),
            way("s4", &[(600.0, 0.0), (600.0, 150.0), (600.0, 300.0)], &street),
            way("a", &[(100.0, 0.0), (100.0, 10.0), (100.0, 150.0)], &private),
            way("b", &[(300.0, 300.0), (300.0, 290.0), (300.0, 20.0)], &private),
            way("c", &[(600.0, 150.0), (590.0, 150.0), (500.0, 150.0), (500.0, 10.0), (500.0, 0.0)], &private),
            way("t1", &[(600.0, 150.0), (500.0, 0.0)], &[("highway", "trunk")]),
        ],
        gates: vec![gate("gA", 100.0, 10.0, None), gate("gB", 300.0, 290.0, None), gate("gC", 590.0, 150.0, None), gate("gC2", 500.0, 10.0, Some("no"))],
        facilities: vec![
            point_facility("K1", "kindergarten", 100.0, -5.0, Some(100.0)),
            point_facility("K2", "kindergarten", 250.0, -5.0, Some(50.0)),
            point_facility("H1", "health_station", 450.0, -5.0, None),
            point_facility("E1", "elderly_care", 300.0, 305.0, None),
            point_facility("far", "health_station", 300.0, 1000.0, None),
        ],
        ..Dataset::default()
    }
}

fn run(scenario: Option<Scenario>) -> CoverageRun {
    let opts = CoverageOptions { scenario, ..CoverageOptions::default() };
    run_coverage(&district(), &Profile::default_profile(), &opts).unwrap()
}

fn category(run: &CoverageRun, key: &str) -> usize {
    run.baseline.categories.iter().position(|c| c.key == key).unwrap()
}

fn close(a: Option<f64>, b: f64) -> bool {
    a.is_some_and(|a| (a - b).abs() < 1e-9)
}

#[test]
fn baseline_distances_by_hand() {
    let r = run(None);
    let k = category(&r, "kindergarten");
    let kc = &r.baseline.categories[k];
    let ids = |e: usize| -> Vec<&str> { kc.estates[e].nearest.iter().map(|n| r_facility(&r, k, n.source)).collect() };
    fn r_facility(r: &CoverageRun, k: usize, s: u32) -> &'static str {
        ["K1", "K2"][r.baseline.categories[k].facility(s) as usize]
    }
    // A: gate gA (100,10) snaps 10 m down to S1 at x=100; K1 snaps 5 m up to S1 at x=100: 10 + 0 + 5 = 15.
    //    K2 at x=250 on S1: 10 + 150 + 5 = 165. Both within 300 m.
    assert!(close(kc.estates[0].dist_m(), 15.0));
    assert!((kc.estates[0].nearest[1].dist_m - 165.0).abs() < 1e-9);
    assert_eq!(ids(0), vec!["K1", "K2"]);
    assert_eq!(kc.estates[0].within.len(), 2);
    // B: gB (300,290) snaps 10 m up to S3 at x=300; to K1: west 300 on S3, S2 down 300, S1 east 100 = 700,
    //    so 10 + 700 + 5 = 715; to K2: 300 + 300 + 250 = 850 → 865.
    assert!(close(kc.estates[1].dist_m(), 715.0));
    assert!((kc.estates[1].nearest[1].dist_m - 865.0).abs() < 1e-9);
    assert_eq!(kc.estates[1].within.len(), 0);
    // C: gC (590,150) snaps 10 m east to S4 at y=150; down 150 to (600,0), west on S1: K2 at 350 → 515,
    //    K1 at 500 → 665. The trunk t1 would be a shortcut but is not walkable.
    assert!(close(kc.estates[2].dist_m(), 515.0));
    assert_eq!(ids(2), vec!["K2", "K1"]);
    // Health station H1 at x=450 on S1: C: 10 + 150 + 150 + 5 = 315 > 300, not ok. A: 10 + 350 + 5 = 365.
    let h = category(&r, "health_station");
    assert!(close(r.baseline.categories[h].estates[2].dist_m(), 315.0));
    assert!(close(r.baseline.categories[h].estates[0].dist_m(), 365.0));
    assert!(!r.baseline.ok[2][h]);
    // Elderly care E1 (300,305) on S3: B 10 + 0 + 5 = 15; C: up 150, west 300 → 465; A: 10 + 100 + 300 + 300 + 5 = 715.
    let e = category(&r, "elderly_care");
    let ec = &r.baseline.categories[e];
    assert!(close(ec.estates[1].dist_m(), 15.0) && close(ec.estates[2].dist_m(), 465.0) && close(ec.estates[0].dist_m(), 715.0));
    // A category without facilities: no distance.
    assert_eq!(r.baseline.categories[category(&r, "park")].estates[0].dist_m(), None);
    // C's access points: only its open gate gC (gC2 is shut).
    let c_access: Vec<AccessKind> = r.baseline.estate_access[2].points.iter().map(|p| p.kind).collect();
    assert_eq!(c_access, vec![AccessKind::Gate(2)]);
}

#[test]
fn baseline_verdicts_summary_capacity_and_rejects() {
    let r = run(None);
    let k = category(&r, "kindergarten");
    assert_eq!(r.baseline.ok.iter().map(|row| row[k]).collect::<Vec<_>>(), vec![true, false, false]);
    let s = r.summary.categories.get("kindergarten").unwrap();
    assert_eq!((s.estates_ok, s.population_ok, s.facilities), (1, 1000.0, 2));
    assert!((s.population_share.unwrap() - 1000.0 / 3000.0).abs() < 1e-12);
    assert_eq!(s.failing_estates.as_deref(), Some(&["B".to_string(), "C".to_string()][..]));
    // Scores over the 5 must-have categories: A has kindergarten only (1/5), B elderly care only (1/5), C none.
    assert_eq!(r.baseline.scores, vec![Some(0.2), Some(0.2), Some(0.0)]);
    // Ga2SFCA, kindergarten: only A lies within 300 m of K1 (15 m) and K2 (165 m), so each facility's
    // ratio is capacity / (G(d)·1000) and A's access = G(15)·100/(G(15)·1000) + G(165)·50/(G(165)·1000) = 0.15.
    let access = r.baseline.categories[k].access.as_ref().unwrap();
    assert!((access[0] - 0.15).abs() < 1e-12, "{access:?}");
    assert_eq!((access[1], access[2]), (0.0, 0.0));
    assert!(r.baseline.categories[category(&r, "health_station")].access.is_none());
    // Rejects: the trunk (not walkable), and the clinic 700 m from any way.
    let rejected: Vec<(&str, &str)> = r.rejects.iter().map(|x| (x.layer.as_str(), x.source_id.as_str())).collect();
    assert_eq!(rejected, vec![("network", "t1"), ("facilities", "far")]);
    assert!(r.rejects[0].reason.contains("trunk"));
    assert!(r.rejects[1].reason.contains("max_snap_m = 200"));
    // Compound ways are not public: the public graph is the four streets (4 corner nodes, 4 edges).
    assert_eq!((r.network.graph.node_count(), r.network.graph.edges.len()), (4, 4));
    assert_eq!(r.network.islands.islands.len(), 1);
}

#[test]
fn kindergarten_service_area_by_hand() {
    let r = run(None);
    let sa = r.baseline.categories[category(&r, "kindergarten")].service_area.as_ref().unwrap();
    // K2 (x=250, 5 m off S1) reaches 295 m along S1 both ways: x up to 545. K1 (x=100) reaches the corner
    // (0,0) after 105 m and 195 m up S2. Nothing reaches S3 or S4. Lines: S1 from (0,0) to (545,0), S2 to (0,195).
    let mut ends: Vec<(Coord<f64>, Coord<f64>)> = sa.lines.0.iter().map(|l| (l.0[0], *l.0.last().unwrap())).collect();
    ends.sort_by(|a, b| a.1.x.total_cmp(&b.1.x));
    assert_eq!(ends.len(), 2);
    assert_eq!(ends[0].0, Coord { x: 0.0, y: 0.0 });
    assert!((ends[0].1.y - 195.0).abs() < 1e-9 && ends[0].1.x == 0.0);
    assert!((ends[1].1.x - 545.0).abs() < 1e-9 && ends[1].1.y == 0.0);
    assert!(!sa.polygon.as_ref().unwrap().0.is_empty());
}

#[test]
fn open_compounds_makes_c_a_through_route() {
    let r = run(Some(Scenario { open_compounds: true, ..Scenario::default() }));
    let s = r.scenario.as_ref().unwrap();
    let h = category(&r, "health_station");
    // Opened, gC (590,150) lies on C's internal way: west 90, south 140 to gC2, 10 to S1 at x=500, west 50 to H1's
    // snap point, 5 m off: 90 + 140 + 10 + 50 + 5 = 295 ≤ 300.
    assert!(close(s.analysis.categories[h].estates[2].dist_m(), 295.0));
    assert!(s.analysis.ok[2][h]);
    assert_eq!(s.delta_population[2][h], 1200.0);
    assert_eq!(s.delta_population[0][h], 0.0);
    let d = s.delta.categories.get("health_station").unwrap();
    assert_eq!((d.estates_ok_before, d.estates_ok_after, d.estates_newly_ok, d.population_newly_ok), (0, 1, 1, 1200.0));
    assert_eq!(s.delta.estates_improved, vec!["C".to_string()]);
    // The three compound ways (cut at shared vertices) are now public edges.
    assert!(s.delta.compound_edges_opened >= 3);
    // Nothing got worse: A still reaches K1 in 15 m (now along its own opened way: 10 + 5).
    let k = category(&r, "kindergarten");
    assert!(close(s.analysis.categories[k].estates[0].dist_m(), 15.0));
    assert!(serde_json::to_string(&s.delta).unwrap().contains("\"estates_newly_ok\":1"));
}

#[test]
fn opening_the_shut_gate() {
    let r = run(Some(Scenario { open_gates: vec!["gC2".into()], ..Scenario::default() }));
    let s = r.scenario.as_ref().unwrap();
    let h = category(&r, "health_station");
    // gC2 (500,10) snaps 10 m down to S1 at x=500; H1 is 50 m west and 5 m off: 10 + 50 + 5 = 65.
    assert!(close(s.analysis.categories[h].estates[2].dist_m(), 65.0));
    assert_eq!(s.delta_population[2][h], 1200.0);
    // An unknown gate is the planner's typo.
    let err = run_coverage(
        &district(),
        &Profile::default_profile(),
        &CoverageOptions { scenario: Some(Scenario { open_gates: vec!["gX".into()], ..Scenario::default() }), ..CoverageOptions::default() },
    )
    .err()
    .unwrap();
    assert!(err.to_string().contains("gX") && err.exit_code() == 2);
}

#[test]
fn a_passage_between_a_and_b() {
    let r = run(Some(Scenario { connect: vec![("A".into(), "B".into())], ..Scenario::default() }));
    let s = r.scenario.as_ref().unwrap();
    let k = category(&r, "kindergarten");
    // The walls are 10 m apart; the passage is at A (190,10) – B (200,10). B borrows gA: 10 (gap) + 90 (to
    // gA at (100,10)) = 100 m, then gA's 10 m snap, 0 along S1, K1's 5 m: 115 ≤ 300 (was 715).
    assert!(close(s.analysis.categories[k].estates[1].dist_m(), 115.0));
    assert_eq!(s.delta_population[1][k], 800.0);
    assert_eq!(s.delta.passages.len(), 1);
    assert_eq!(s.delta.passages[0].gap_m, 10.0);
    // A borrows gB: 10 + |(200,10)-(300,290)| = 10 + 297.32 ... to E1: + 10 + 5 = 322.32 > 300: still not ok.
    let e = category(&r, "elderly_care");
    let want = 10.0 + (100.0f64).hypot(280.0) + 10.0 + 5.0;
    assert!(close(s.analysis.categories[e].estates[0].dist_m(), want));
    assert!(!s.analysis.ok[0][e]);
}

#[test]
fn access_rules_change_the_answer() {
    let data = district();
    let profile = Profile::default_profile();
    // Boundary: no public way crosses or meets any compound wall, so each estate falls back to the network
    // point nearest to its boundary: 10 m to a street.
    let opts = CoverageOptions { access_rule: "boundary".parse().unwrap(), ..CoverageOptions::default() };
    let r = run_coverage(&data, &profile, &opts).unwrap();
    for a in &r.baseline.estate_access {
        assert_eq!(a.points.len(), 1);
        assert_eq!(a.points[0].kind, AccessKind::NearestBoundary);
        assert!((a.points[0].snap.offset_m - 10.0).abs() < 1e-9);
    }
    // Centroid: A's centroid (100,150) is 100 m from S2 and from... S2 at x=0: 100 m; S1 150 m: snaps to S2.
    let opts = CoverageOptions { access_rule: "centroid".parse().unwrap(), ..CoverageOptions::default() };
    let r = run_coverage(&data, &profile, &opts).unwrap();
    let k = r.baseline.categories.iter().position(|c| c.key == "kindergarten").unwrap();
    // (0,150) → down 150 → east 100 on S1, K1 5 m: 100 + 150 + 100 + 5 = 355.
    assert!(close(r.baseline.categories[k].estates[0].dist_m(), 355.0));
}

#[test]
fn same_result_on_one_thread() {
    let many = run(Some(Scenario { open_compounds: true, ..Scenario::default() }));
    let pool = rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap();
    let one = pool.install(|| run(Some(Scenario { open_compounds: true, ..Scenario::default() })));
    assert_eq!(many.baseline, one.baseline);
    assert_eq!(many.summary, one.summary);
    assert_eq!(many.scenario.unwrap().delta, one.scenario.unwrap().delta);
}
