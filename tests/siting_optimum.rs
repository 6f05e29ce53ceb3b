//! Siting on instances whose answers are known: a street worked out by hand, seeded random covering
//! instances against the exhaustive optimum, and the reported gains against a fresh coverage run.

use geo::{Distance, Euclidean};
use geo_types::{LineString, Point, Polygon};
use lifecircle::coverage::{CoverageOptions, run_coverage};
use lifecircle::model::{Building, Dataset, Estate, Facility, FacilityGeometry, Gate, Parcel, Way};
use lifecircle::profile::Profile;
use lifecircle::rng::SplitMix64;
use lifecircle::siting::obstacles::road_half_width_m;
use lifecircle::siting::exact::exhaustive_optimum;
use lifecircle::siting::mclp::{CoverInstance, greedy_swap_multistart, lazy_greedy, swap_improve};
use lifecircle::siting::{SitingOptions, run_siting, site_bundles};
use lifecircle::testing::synthetic_city::{GridCityParams, grid_city};
use lifecircle::testing::{estate, square};
use std::collections::{BTreeMap, BTreeSet};

fn kindergarten_only() -> Profile {
    let mut p = Profile::default_profile();
    p.categories.retain(|c| c.key == "kindergarten");
    p
}

/// A 40 m square estate centred on x just north of the street (y from 5 to 45).
fn estate_north_of_street(id: &str, x_centre: f64, population: f64) -> Estate {
    Estate { population, households: population / 2.5, ..estate(id, square(x_centre - 20.0, 5.0, 40.0)) }
}

/// A 3 km street along y = 0; estates 40 m square just north of it with a gate on the street side (5 m
/// off the street); 60 m square parcels south of it (centre 40 m off the street).
fn street_district() -> Dataset {
    let mut d = Dataset::default();
    d.ways.push(Way { id: "street".into(), line: LineString::from(vec![(0.0, 0.0), (3000.0, 0.0)]), tags: [("highway".to_string(), "residential".to_string())].into() });
    for (id, x, pop) in [("e100", 100.0, 1000.0), ("e500", 500.0, 3000.0), ("e800", 800.0, 2000.0), ("e2000", 2000.0, 500.0)] {
        d.estates.push(estate_north_of_street(id, x, pop));
        d.gates.push(Gate { id: format!("g{id}"), point: Point::new(x, 5.0), kind: "gate".into(), access: None });
    }
    for x in [300.0, 650.0, 2000.0] {
        d.parcels.push(Parcel { id: format!("p{x}"), polygon: square(x - 30.0, -70.0, 60.0), origin: "landuse=brownfield".into() });
    }
    // Too small for a kindergarten (20 m × 20 m < 2,000 m² and < 30 m wide).
    d.parcels.push(Parcel { id: "p1000".into(), polygon: square(990.0, -30.0, 20.0), origin: "layer".into() });
    // An existing kindergarten 20 m south of the street at x = 2000 covers e2000 (5 + 0 + 20 = 25 m).
    d.facilities.push(Facility {
        id: "k1".into(),
        name: None,
        category: "kindergarten".into(),
        geometry: FacilityGeometry::Point(Point::new(2000.0, -20.0)),
        capacity: None,
        matched_by: "test".into(),
    });
    d
}

#[test]
fn street_instance_matches_the_hand_worked_optimum() {
    // Worked out: walking distance estate → parcel = 5 (gate) + |dx| + 40 (parcel centre) ≤ 300, so a
    // parcel reaches estates within 255 m along the street.
    //   p300 reaches e100 (200) and e500 (200): 4,000 residents;
    //   p650 reaches e500 (150) and e800 (150): 5,000;
    //   p2000 reaches e2000 only, which k1 already covers: 0.
    // Greedy (= optimum for k = 3): p650 (+5,000), then p300 (+1,000 for e100); nothing else gains.
    let data = street_district();
    let profile = kindergarten_only();
    let coverage = run_coverage(&data, &profile, &CoverageOptions::default()).unwrap();
    let opts = SitingOptions { k: 3, derive_open_land: false, ..SitingOptions::default() };
    let run = run_siting(&data, &profile, &coverage, &opts).unwrap();
    assert_eq!(run.categories, vec!["kindergarten"]);
    let got: Vec<(&str, usize, f64)> = run.sites.iter().map(|s| (s.candidate_id.as_str(), s.rank, s.new_population_covered)).collect();
    assert_eq!(got, vec![("parcel:p650", 1, 5000.0), ("parcel:p300", 2, 1000.0)]);
    assert_eq!(run.sites[0].estate_ids_newly_covered, vec!["e500", "e800"]);
    assert_eq!(run.sites[1].estate_ids_newly_covered, vec!["e100"]);
    assert_eq!(run.sites[1].candidate_origin, "osm:landuse=brownfield");
    // Uncovered before: 6,000 residents; shares 5/6 and 1.
    assert!((run.sites[0].cumulative_population_share.unwrap() - 5.0 / 6.0).abs() < 1e-12);
    assert_eq!(run.sites[1].cumulative_population_share, Some(1.0));
    // The small parcel does not fit, and says why.
    let small = run.candidates.iter().find(|c| c.candidate.id == "parcel:p1000").unwrap();
    assert!(small.fits(&profile).is_empty());
    let en = lifecircle::report::Wording::new(lifecircle::lang::Lang::En, &profile);
    assert_eq!(lifecircle::siting::layers::misfit_reasons(small, &en), vec![("kindergarten".to_string(), "area 400 m² < 2000 m² and widest disc 20.0 m < 30.0 m".to_string())]);
    let zh = lifecircle::report::Wording::new(lifecircle::lang::Lang::Zh, &profile);
    assert_eq!(lifecircle::siting::layers::why_not_text(small, &zh), "幼儿园：面积 400 m² < 所需 2000 m²，最大内切圆直径 20.0 m < 所需 30.0 m");
    // Coverage after: all 6,500 residents covered.
    let k = run.coverage_after.categories.get("kindergarten").unwrap();
    assert_eq!(k.population_ok, 6500.0);
    assert_eq!(k.facilities, 3);
    assert_eq!(run.objective, vec![("kindergarten".to_string(), 6000.0, 6000.0)]);

    // The gain equals a fresh coverage run with the sites added as facilities at their locations.
    let mut with_sites = data.clone();
    for s in &run.sites {
        with_sites.facilities.push(Facility {
            id: s.site_id.clone(),
            name: None,
            category: s.category.clone(),
            geometry: FacilityGeometry::Point(Point(s.location)),
            capacity: None,
            matched_by: "site".into(),
        });
    }
    let fresh = run_coverage(&with_sites, &profile, &CoverageOptions::default()).unwrap();
    assert_eq!(fresh.summary.categories.get("kindergarten").unwrap().population_ok, 6500.0);
    assert_eq!(fresh.summary, run.coverage_after);

    // Per bundle: bundle A = {e100, e500}, bundle B = {e800}. A's best single site is p300 (4,000),
    // B's is p650 (2,000).
    let bundle_of: BTreeMap<String, String> =
        [("e100", "A"), ("e500", "A"), ("e800", "B"), ("e2000", "B")].iter().map(|(e, b)| (e.to_string(), b.to_string())).collect();
    let gaps: BTreeMap<String, Vec<String>> = [("A", vec!["kindergarten".to_string()]), ("B", vec!["kindergarten".to_string()])].into_iter().map(|(b, g)| (b.to_string(), g)).collect();
    let bundles = site_bundles(&data, &profile, &coverage, &bundle_of, &gaps, &SitingOptions { k: 1, derive_open_land: false, ..SitingOptions::default() }).unwrap();
    let summary: Vec<(&str, &str, f64)> = bundles.iter().flat_map(|b| b.sites.iter().map(move |s| (b.bundle_id.as_str(), s.candidate_id.as_str(), s.new_population_covered))).collect();
    assert_eq!(summary, vec![("A", "parcel:p300", 4000.0), ("B", "parcel:p650", 2000.0)]);
    assert_eq!(bundles[0].sites[0].site_id, "A/kindergarten-1");
}

#[test]
fn unknown_category_is_a_usage_error() {
    let data = street_district();
    let profile = kindergarten_only();
    let coverage = run_coverage(&data, &profile, &CoverageOptions::default()).unwrap();
    let opts = SitingOptions { categories: Some(vec!["casino".into()]), ..SitingOptions::default() };
    let err = run_siting(&data, &profile, &coverage, &opts).err().unwrap();
    assert_eq!(err.exit_code(), 2);
    assert!(err.to_string().contains("casino"));
}

#[test]
fn greedy_and_swap_against_exhaustive_optimum_on_random_instances() {
    let mut rng = SplitMix64::new(50180);
    let bound = 1.0 - (-1.0f64).exp();
    let (mut trials, mut greedy_optimal, mut swap_optimal, mut multi_optimal) = (0, 0, 0, 0);
    for _ in 0..300 {
        let n_demand = 6 + rng.below(15);
        let n_sites = 4 + rng.below(9);
        let k = 1 + rng.below(4);
        let weight: Vec<f64> = (0..n_demand).map(|_| (rng.range(1.0, 100.0)).round()).collect();
        let covers: Vec<Vec<u32>> = (0..n_sites)
            .map(|_| {
                let p = rng.range(0.05, 0.5);
                (0..n_demand as u32).filter(|_| rng.next_f64() < p).collect()
            })
            .collect();
        let inst = CoverInstance { weight, covers };
        let (_, opt) = exhaustive_optimum(&inst, k, 1_000_000).unwrap();
        let greedy = lazy_greedy(&inst, k, |_| true);
        let swapped = swap_improve(&inst, &greedy, |_| true, 20);
        // Reported gains add up to the true covered weight.
        assert!((greedy.total() - inst.covered_weight(&greedy.sites)).abs() < 1e-9);
        assert!((swapped.total() - inst.covered_weight(&swapped.sites)).abs() < 1e-9);
        assert!(greedy.total() >= bound * opt - 1e-9, "greedy {} < (1-1/e) × {opt}", greedy.total());
        assert!(swapped.total() >= greedy.total() - 1e-9 && swapped.total() <= opt + 1e-9);
        assert!(swapped.sites.len() <= k);
        // The multi-start never does worse than one greedy + swap, never beats the optimum.
        let (_, multi) = greedy_swap_multistart(&inst, k, |_| true, 20, 4);
        assert!((multi.total() - inst.covered_weight(&multi.sites)).abs() < 1e-9);
        assert!(multi.total() >= swapped.total() - 1e-9 && multi.total() <= opt + 1e-9 && multi.sites.len() <= k);
        multi_optimal += usize::from((multi.total() - opt).abs() < 1e-9);
        trials += 1;
        greedy_optimal += usize::from((greedy.total() - opt).abs() < 1e-9);
        swap_optimal += usize::from((swapped.total() - opt).abs() < 1e-9);
    }
    eprintln!("{trials} instances: greedy optimal in {greedy_optimal}, greedy + swap optimal in {swap_optimal}, multi-start in {multi_optimal}");
    assert!(swap_optimal >= greedy_optimal);
    assert!(multi_optimal >= swap_optimal);
}

/// A grid city with buildings inside the estates and parcels in a sparse lattice, kindergartens only.
fn grid_district() -> Dataset {
    let p = GridCityParams { columns: 25, rows: 25, estates: 120, facilities: 6, seed: 7, ..GridCityParams::default() };
    let mut d = grid_city(&p, &["kindergarten"]);
    let blocks: Vec<Polygon<f64>> = d.estates.iter().map(|e| e.polygon.0[0].clone()).collect();
    for (i, b) in blocks.iter().enumerate() {
        let c = b.exterior().0[0];
        d.buildings.push(Building { id: format!("b{i}"), footprint: square(c.x + 12.0, c.y + 12.0, 15.0), levels: Some(6.0), use_: "residential".into(), residential: true, lift: None });
    }
    for i in 0..6 {
        for j in 0..6 {
            let (x, y) = (500_000.0 + 100.0 + i as f64 * 230.0, 3_500_000.0 + 100.0 + j as f64 * 230.0);
            d.parcels.push(Parcel { id: format!("q{i}_{j}"), polygon: square(x, y, 50.0), origin: "layer".into() });
        }
    }
    d
}

#[test]
fn gains_match_a_fresh_coverage_run_and_sites_avoid_buildings_and_roads() {
    let data = grid_district();
    let profile = kindergarten_only();
    let coverage = run_coverage(&data, &profile, &CoverageOptions::default()).unwrap();
    let opts = SitingOptions { k: 5, search_m: 60.0, ..SitingOptions::default() };
    let run = run_siting(&data, &profile, &coverage, &opts).unwrap();
    eprintln!("{} candidates ({} derived), {} sites, newly covered {:?}", run.candidates.len(), run.candidates.iter().filter(|c| c.candidate.origin == "derived:open_land").count(), run.sites.len(), run.objective);
    assert!(!run.sites.is_empty());
    assert!(run.candidates.iter().any(|c| c.candidate.origin == "derived:open_land"));
    let (greedy, fin) = (run.objective[0].1, run.objective[0].2);
    assert!(fin >= greedy);

    // Fresh coverage with the sites as facilities: the newly covered estates are exactly those reported.
    let mut with_sites = data.clone();
    for s in &run.sites {
        with_sites.facilities.push(Facility {
            id: format!("zz_{}", s.site_id),
            name: None,
            category: s.category.clone(),
            geometry: FacilityGeometry::Point(Point(s.location)),
            capacity: None,
            matched_by: "site".into(),
        });
    }
    let fresh = run_coverage(&with_sites, &profile, &CoverageOptions::default()).unwrap();
    let newly_fresh: BTreeSet<u32> = (0..data.estates.len()).filter(|&e| fresh.baseline.ok[e][0] && !coverage.baseline.ok[e][0]).map(|e| e as u32).collect();
    let reported: BTreeSet<u32> = run.sites.iter().flat_map(|s| s.estates_newly_covered.iter().copied()).collect();
    assert_eq!(newly_fresh, reported);
    let gain: f64 = run.sites.iter().map(|s| s.new_population_covered).sum();
    let fresh_gain: f64 = newly_fresh.iter().map(|&e| data.estates[e as usize].population).sum();
    assert!((gain - fresh_gain).abs() < 1e-6, "{gain} vs {fresh_gain}");
    assert_eq!(fresh.summary.categories.get("kindergarten").unwrap().population_ok, run.coverage_after.categories.get("kindergarten").unwrap().population_ok);

    // Derived candidates keep off buildings (3 m) and roads (half widths), up to GEOS's polygonal
    // approximation of round buffers (4 segments per quarter circle: within 8 % of the radius).
    for c in run.candidates.iter().filter(|c| c.candidate.origin == "derived:open_land") {
        let pts: Vec<Point<f64>> = c.candidate.polygon.0.iter().flat_map(|p| p.exterior().0.iter().map(|&q| Point(q))).collect();
        for b in &data.buildings {
            for p in &pts {
                assert!(Euclidean.distance(p, &b.footprint) >= 3.0 * 0.92, "{} touches {}", c.candidate.id, b.id);
            }
        }
        for w in &data.ways {
            let half = road_half_width_m(w.tags.get("highway").map_or("", String::as_str));
            for p in &pts {
                assert!(Euclidean.distance(p, &w.line) >= half * 0.92, "{} on road {}", c.candidate.id, w.id);
            }
        }
    }
    // Every site stands inside its candidate, at least half the kindergarten's width from its edge.
    for s in &run.sites {
        let c = &run.candidates[s.candidate as usize].candidate;
        assert!(c.max_inscribed_diameter_m() >= 30.0 && c.area_m2 >= 2000.0);
        let edge_m = c.polygon.0.iter().map(|p| Euclidean.distance(&Point(s.location), p.exterior())).fold(f64::INFINITY, f64::min);
        assert!(edge_m >= 15.0 - 0.2, "{edge_m}");
    }
    // Deterministic: a second run gives the same sites.
    let again = run_siting(&data, &profile, &coverage, &opts).unwrap();
    assert_eq!(again.sites, run.sites);
}

#[test]
fn max_snap_override_keeps_sites_far_from_the_network_out() {
    let data = street_district();
    let profile = kindergarten_only();
    let opts = SitingOptions { k: 2, derive_open_land: false, ..SitingOptions::default() };
    let default_run = run_coverage(&data, &profile, &CoverageOptions::default()).unwrap();
    let run = run_siting(&data, &profile, &default_run, &opts).unwrap();
    assert!(!run.sites.is_empty(), "with the profile's max_snap_m the 60 m parcels host sites");
    // The 60 m parcels' centres stand 40 m south of the street (y = -40), the small p1000's 20 m: with
    // --max-snap 35 only p1000 reaches the network, and it is too small for a kindergarten.
    let strict = run_coverage(&data, &profile, &CoverageOptions { max_snap_m: Some(35.0), ..CoverageOptions::default() }).unwrap();
    let run = run_siting(&data, &profile, &strict, &opts).unwrap();
    for c in &run.candidates {
        let centre = c.candidate.circle.unwrap().centre;
        assert_eq!(c.access.is_some(), centre.y.abs() <= 35.0, "{} at {centre:?}", c.candidate.id);
        if let Some(a) = c.access {
            assert!(a.snap.offset_m <= 35.0);
        }
    }
    assert!(run.candidates.iter().any(|c| c.candidate.id == "parcel:p1000" && c.access.is_some()));
    assert!(run.sites.is_empty(), "no site is farther than max-snap from the network: {:?}", run.sites);
}
