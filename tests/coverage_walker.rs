//! Walker profiles (`--walker`, `--walker-compare`), hand-worked:
//!
//! - a flight of steps between an estate and a school, and a flat way round it: the older walker (steps
//!   cost 3 times) goes round when the detour costs less than the steps' 3 times, and takes the steps when
//!   it costs more; the wheelchair user always goes round, and without a way round reaches nothing;
//! - a ramp over a hill (10 %) and a flat way round: the adult climbs, the older walker climbs at 1.5 times
//!   the effort of pieces over 8 %, the wheelchair user goes round (over 8 % is closed to it);
//! - on a grid over a hill with steps here and there, no edge of the wheelchair's network is steps or
//!   steeper than the limit;
//! - `--walker-compare` writes what the older walker and the wheelchair user lose.

use geo_types::{Coord, LineString, Point};
use lifecircle::coverage::{CoverageOptions, CoverageRun, run_coverage};
use lifecircle::crs::WorkingCrs;
use lifecircle::model::{Dataset, Facility, FacilityGeometry, Gate, Way};
use lifecircle::network::walker::Walker;
use lifecircle::profile::Profile;
use lifecircle::rng::SplitMix64;
use lifecircle::testing::dem::write_dem;
use lifecircle::testing::{estate, square};
use std::path::Path;

const X0: f64 = 600_000.0;
const Y0: f64 = 3_270_000.0;
const UTM: WorkingCrs = WorkingCrs { epsg: 32649 };

fn c(x: f64, y: f64) -> Coord<f64> {
    Coord { x: X0 + x, y: Y0 + y }
}

fn way(id: &str, highway: &str, pts: &[(f64, f64)]) -> Way {
    Way { id: id.into(), line: LineString(pts.iter().map(|&(x, y)| c(x, y)).collect()), tags: [("highway".to_string(), highway.to_string())].into() }
}

/// West street, 50 m of steps at x = −25 … 25, east street; with `detour_south_m`, a footway round the
/// steps that far south. An estate's gate 10 m west of the west end, a primary school 5 m east of the
/// east end.
fn steps_district(detour_south_m: Option<f64>) -> Dataset {
    let mut data = Dataset::default();
    data.ways.push(way("west", "footway", &[(-125.0, 0.0), (-25.0, 0.0)]));
    data.ways.push(way("steps", "steps", &[(-25.0, 0.0), (25.0, 0.0)]));
    data.ways.push(way("east", "footway", &[(25.0, 0.0), (125.0, 0.0)]));
    if let Some(h) = detour_south_m {
        data.ways.push(way("round", "footway", &[(-25.0, 0.0), (-25.0, -h), (25.0, -h), (25.0, 0.0)]));
    }
    add_estate_and_school(&mut data);
    data
}

fn add_estate_and_school(data: &mut Dataset) {
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
}

fn profile() -> Profile {
    let mut p = Profile::default_profile();
    p.categories.retain(|c| c.key == "primary_school" || c.key == "kindergarten");
    p
}

fn run(data: &Dataset, walker: Walker, dem: Option<&Path>) -> CoverageRun {
    let opts = CoverageOptions { walker, dem: dem.map(Path::to_path_buf), working_crs: Some(UTM), ..CoverageOptions::default() };
    run_coverage(data, &profile(), &opts).unwrap()
}

fn school_m(r: &CoverageRun) -> Option<f64> {
    let ci = r.baseline.categories.iter().position(|c| c.key == "primary_school").unwrap();
    r.baseline.categories[ci].estates[0].dist_m()
}

const OFFSETS: f64 = 10.0 + 5.0;

#[test]
fn the_older_walker_goes_round_steps_only_when_it_costs_less_than_the_steps_factor() {
    // Detour 30 m south: 30 + 50 + 30 = 110 m < 3 × 50 = 150: round.
    let near = steps_district(Some(30.0));
    assert_eq!(school_m(&run(&near, Walker::Adult, None)), Some(OFFSETS + 250.0));
    assert_eq!(school_m(&run(&near, Walker::Elderly, None)), Some(OFFSETS + 200.0 + 110.0));
    // Detour 60 m south: 170 m > 150: the steps, at 3 times their length.
    let far = steps_district(Some(60.0));
    assert_eq!(school_m(&run(&far, Walker::Adult, None)), Some(OFFSETS + 250.0));
    assert_eq!(school_m(&run(&far, Walker::Elderly, None)), Some(OFFSETS + 200.0 + 150.0));
    // No way round: the steps.
    assert_eq!(school_m(&run(&steps_district(None), Walker::Elderly, None)), Some(OFFSETS + 350.0));
    // The walker is recorded (not for the default adult: the summary stays as it was).
    let r = run(&far, Walker::Elderly, None);
    assert_eq!(serde_json::to_value(&r.summary).unwrap()["walker"], "elderly");
    assert!(serde_json::to_value(&run(&far, Walker::Adult, None).summary).unwrap().get("walker").is_none());
}

#[test]
fn on_a_dem_the_steps_factor_multiplies_the_effort() {
    // Flat ground: effort = length, so the older walker's choices are those without a DEM.
    let dir = tempfile::tempdir().unwrap();
    let flat = dir.path().join("flat.tif");
    write_dem(&flat, UTM.epsg, X0 - 300.5, Y0 - 300.5, 1.0, 601, |_, _| Some(100.0));
    assert_eq!(school_m(&run(&steps_district(Some(30.0)), Walker::Elderly, Some(&flat))), Some(OFFSETS + 200.0 + 110.0));
    assert_eq!(school_m(&run(&steps_district(Some(60.0)), Walker::Elderly, Some(&flat))), Some(OFFSETS + 200.0 + 150.0));
    // A 5 % plane rising east (under the older walker's 8 %): every 10 m piece costs round_trip(0.05) per
    // metre, and the 50 m of steps 3 times that.
    let tilted = dir.path().join("tilted.tif");
    write_dem(&tilted, UTM.epsg, X0 - 300.5, Y0 - 300.5, 1.0, 601, |x, _| Some(100.0 + 0.05 * (x - X0)));
    let data = steps_district(None);
    let adult = school_m(&run(&data, Walker::Adult, Some(&tilted))).unwrap();
    let elderly = school_m(&run(&data, Walker::Elderly, Some(&tilted))).unwrap();
    let per_m = round_trip(0.05);
    assert!((adult - (OFFSETS + 250.0 * per_m)).abs() < 1e-6, "{adult}");
    assert!((elderly - (OFFSETS + (200.0 + 3.0 * 50.0) * per_m)).abs() < 1e-6, "{elderly}");
}

#[test]
fn the_wheelchair_never_takes_steps() {
    // Round even when the detour is long; without one, the school cannot be reached.
    assert_eq!(school_m(&run(&steps_district(Some(60.0)), Walker::Wheelchair, None)), Some(OFFSETS + 200.0 + 170.0));
    let r = run(&steps_district(None), Walker::Wheelchair, None);
    assert_eq!(school_m(&r), None);
    assert!(r.network.graph.edges.iter().all(|e| e.way != 1), "no steps edge in the wheelchair's network");
}

/// A west-east street over a 10 % cone hill at the origin (radius 75 m) and a flat way round it 100 m
/// south.
fn ramp_district() -> Dataset {
    let mut data = Dataset::default();
    data.ways.push(way("street", "footway", &[(-125.0, 0.0), (0.0, 0.0), (125.0, 0.0)]));
    data.ways.push(way("round", "footway", &[(-125.0, 0.0), (-125.0, -100.0), (125.0, -100.0), (125.0, 0.0)]));
    add_estate_and_school(&mut data);
    data
}

fn cone_dem(path: &Path, height: f64) {
    write_dem(path, UTM.epsg, X0 - 300.5, Y0 - 300.5, 1.0, 601, |x, y| Some(100.0 + (height * (1.0 - (x - X0).hypot(y - Y0) / 75.0)).max(0.0)));
}

fn round_trip(s: f64) -> f64 {
    let pace = |s: f64| (3.5 * ((s + 0.05).abs() - 0.05)).exp();
    (pace(s) + pace(-s)) / 2.0
}

#[test]
fn a_ramp_over_eight_percent_is_dearer_for_older_walkers_and_closed_to_wheelchairs() {
    let dir = tempfile::tempdir().unwrap();
    let dem = dir.path().join("cone.tif");
    cone_dem(&dem, 7.5); // 7.5 m over 75 m: 10 %
    let data = ramp_district();
    let adult = school_m(&run(&data, Walker::Adult, Some(&dem))).unwrap();
    let elderly = school_m(&run(&data, Walker::Elderly, Some(&dem))).unwrap();
    let wheelchair_run = run(&data, Walker::Wheelchair, Some(&dem));
    let wheelchair = school_m(&wheelchair_run).unwrap();
    let ramp = 150.0 * round_trip(0.1);
    // The adult climbs: about 150 m at 10 % (the pieces straddling the hill's foot are a little gentler).
    assert!(adult - OFFSETS - 100.0 < ramp && adult - OFFSETS - 100.0 > ramp - 1.0, "{adult}");
    // The older walker climbs too, at 1.5 times the effort of every 10 m piece over 8 %: the ramp's
    // effort × 1.5, give or take the two pieces straddling the foot (about 8 % on average, within 1 m of
    // effort either way); still cheaper than 450 m round.
    let climb = elderly - OFFSETS - 100.0;
    assert!((climb - ramp * 1.5).abs() < 1.0, "{elderly}");
    assert!(elderly < OFFSETS + 450.0);
    // The wheelchair goes round: the street is closed to it.
    assert!((wheelchair - (OFFSETS + 450.0)).abs() < 1e-9, "{wheelchair}");
    let g = &wheelchair_run.network.graph;
    assert!(g.edges.iter().all(|e| e.way != 0));
    // A gentler hill (6 %) stays open to the wheelchair: straight over it.
    let gentle = dir.path().join("gentle.tif");
    cone_dem(&gentle, 4.5);
    let w = school_m(&run(&data, Walker::Wheelchair, Some(&gentle))).unwrap();
    assert!(w < OFFSETS + 150.0 * round_trip(0.06) + 100.0 + 1e-6 && w > OFFSETS + 250.0, "{w}");
}

#[test]
fn the_wheelchair_network_has_no_steps_and_no_slope_over_the_limit() {
    let dir = tempfile::tempdir().unwrap();
    let dem = dir.path().join("hill.tif");
    // A hill of 40 m over a 600 m radius cone centred on the grid: slopes up to 6.7 %, plus a steep bump.
    write_dem(&dem, UTM.epsg, X0 - 200.0, Y0 - 200.0, 5.0, 280, |x, y| {
        let (x, y) = (x - X0, y - Y0);
        let hill = (40.0 * (1.0 - (x - 500.0).hypot(y - 500.0) / 600.0)).max(0.0);
        let bump = (12.0 * (1.0 - (x - 300.0).hypot(y - 700.0) / 100.0)).max(0.0);
        Some(hill + bump)
    });
    let mut rng = SplitMix64::new(17);
    let mut data = Dataset::default();
    for k in 0..=10 {
        let t = k as f64 * 100.0;
        for i in 0..10 {
            let (a, b) = (i as f64 * 100.0, (i + 1) as f64 * 100.0);
            for (id, pts) in [(format!("h{k}_{i}"), [(a, t), (b, t)]), (format!("v{k}_{i}"), [(t, a), (t, b)])] {
                let highway = if rng.below(8) == 0 { "steps" } else { "footway" };
                data.ways.push(way(&id, highway, &pts));
            }
        }
    }
    for e in 0..12 {
        let (x, y) = (rng.below(10) as f64 * 100.0 + 30.0, rng.below(10) as f64 * 100.0 + 30.0);
        data.estates.push(estate(&format!("e{e}"), square(X0 + x, Y0 + y, 40.0)));
        data.facilities.push(Facility {
            id: format!("k{e}"),
            name: None,
            category: "kindergarten".into(),
            geometry: FacilityGeometry::Point(Point(c(rng.range(0.0, 1000.0), rng.range(0.0, 1000.0)))),
            capacity: None,
            matched_by: "test".into(),
        });
    }
    let adult = run(&data, Walker::Adult, Some(&dem));
    let r = run(&data, Walker::Wheelchair, Some(&dem));
    let limit = profile().walkers.wheelchair.max_slope;
    let g = &r.network.graph;
    let t = g.terrain().unwrap();
    for (i, e) in g.edges.iter().enumerate() {
        assert_ne!(data.ways[e.way as usize].tags["highway"], "steps", "edge {i}");
        assert!(t.max_slope(i as u32) <= limit, "edge {i}: {}", t.max_slope(i as u32));
    }
    let steps = data.ways.iter().filter(|w| w.tags["highway"] == "steps").count();
    let steep = adult.network.graph.terrain().map(|t| (0..adult.network.graph.edges.len() as u32).filter(|&e| t.max_slope(e) > limit).count()).unwrap();
    assert!(steps > 10 && steep > 2, "{steps} steps, {steep} steep edges");
    assert_eq!(g.edges.len() + steps + steep, adult.network.graph.edges.len() + adult_steps_and_steep_overlap(&adult, &data, limit));
}

/// Edges both steps and too steep (left out once).
fn adult_steps_and_steep_overlap(adult: &CoverageRun, data: &Dataset, limit: f64) -> usize {
    let g = &adult.network.graph;
    let t = g.terrain().unwrap();
    (0..g.edges.len()).filter(|&i| data.ways[g.edges[i].way as usize].tags["highway"] == "steps" && t.max_slope(i as u32) > limit).count()
}

#[test]
fn walker_compare_counts_what_older_walkers_and_wheelchair_users_lose() {
    // The steps district with a long way round and the school 150 m farther east: the adult reaches it
    // at 415 m (within 500 m), the older walker at 515 m (the steps at 3 times), the wheelchair user at
    // 535 m (round): both lose it.
    let mut data = steps_district(Some(60.0));
    data.ways.push(way("far_east", "footway", &[(125.0, 0.0), (275.0, 0.0)]));
    data.facilities[0].geometry = FacilityGeometry::Point(Point(c(280.0, 0.0)));
    data.estates[0].population = 1200.0;
    let opts = CoverageOptions { walker_compare: true, working_crs: Some(UTM), ..CoverageOptions::default() };
    let r = run_coverage(&data, &profile(), &opts).unwrap();
    let ci = r.baseline.categories.iter().position(|c| c.key == "primary_school").unwrap();
    assert_eq!(school_m(&r), Some(OFFSETS + 400.0));
    let walkers: Vec<Walker> = r.walker_runs.iter().map(|w| w.walker).collect();
    assert_eq!(walkers, vec![Walker::Elderly, Walker::Wheelchair]);
    for w in &r.walker_runs {
        assert_eq!(w.delta_population[0][ci], -1200.0, "{:?}", w.walker);
        assert!(!w.ok[0][ci]);
    }
    let json = serde_json::to_value(&r.summary).unwrap();
    assert_eq!(json["walker_losses"]["elderly"]["primary_school"]["estates_losing"], 1);
    assert_eq!(json["walker_losses"]["wheelchair"]["primary_school"]["residents_losing"], 1200.0);
    // Comparing needs the adult as the base.
    let bad = CoverageOptions { walker: Walker::Elderly, ..opts };
    assert!(run_coverage(&data, &profile(), &bad).is_err());
}

#[test]
fn the_cli_records_the_walker_and_writes_the_comparison() {
    let dir = tempfile::tempdir().unwrap();
    let cli = |out: &Path, extra: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_lifecircle"))
            .args(["coverage", "--quiet", "--osm", concat!(env!("CARGO_MANIFEST_DIR"), "/data/nanjing-xuanwu-2021.osm.pbf"), "--out"])
            .arg(out)
            .args(extra)
            .env_remove("RUST_BACKTRACE")
            .output()
            .unwrap()
    };
    let out = dir.path().join("compare");
    let o = cli(&out, &["--walker-compare"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let estates = std::fs::read_to_string(out.join("estates.geojson")).unwrap();
    assert!(estates.contains("\"delta_elderly_kindergarten\"") && estates.contains("\"delta_wheelchair_park\""));
    let summary: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(out.join("coverage.json")).unwrap()).unwrap();
    assert!(summary["walker_losses"]["wheelchair"]["kindergarten"]["estates_losing"].is_u64());
    assert_eq!(summary["provenance"]["walker"], "adult + elderly, wheelchair");
    let out = dir.path().join("wheelchair");
    assert!(cli(&out, &["--walker", "wheelchair"]).status.success());
    let summary: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(out.join("coverage.json")).unwrap()).unwrap();
    assert_eq!(summary["walker"], "wheelchair");
    assert_eq!(summary["provenance"]["walker"], "wheelchair");
    let o = cli(&dir.path().join("bad"), &["--walker", "elderly", "--walker-compare"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("leave out --walker elderly"));
}
