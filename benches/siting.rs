//! Siting benchmark: a synthetic grid city (the seeded generator of `testing::synthetic_city`) with
//! 50,000 estates, 10,000 candidate parcels and k = 20 kindergarten sites. Target on 2 cores, release:
//! `run_siting` ≤ 5 s (the coverage run it starts from is timed separately). Run:
//! `cargo bench --bench siting` (add `-- quick` for a 5,000-estate / 1,000-candidate city, which also
//! times derived open land, tiled and as the single overlay it replaced). Figures are
//! recorded in BENCHMARKS.md, never asserted.

use geo_types::{MultiPolygon, polygon};
use lifecircle::rng::SplitMix64;
use lifecircle::testing::synthetic_city::{GridCityParams, grid_city};
use lifecircle::coverage::{CoverageOptions, ServiceAreaOutput, run_coverage};
use lifecircle::model::Parcel;
use lifecircle::profile::Profile;
use lifecircle::siting::candidates::{Candidate, open_land_candidates, open_land_candidates_single_overlay};
use lifecircle::siting::{SitingOptions, choose_sites, plan, resolve_categories, run_siting};
use std::time::Instant;

fn main() {
    let quick = std::env::args().any(|a| a == "quick");
    let (side, estates, parcels) = if quick { (75, 5_000, 1_000) } else { (240, 50_000, 10_000) };
    let params = GridCityParams { columns: side, rows: side, estates, facilities: estates / 250, seed: 2018, ..GridCityParams::default() };
    let t = Instant::now();
    let mut data = grid_city(&params, &["kindergarten"]);
    let mut rng = SplitMix64::new(5);
    let extent = (side - 1) as f64 * params.spacing_m;
    for i in 0..parcels {
        let (x, y) = (500_000.0 + rng.range(0.0, extent - 60.0), 3_500_000.0 + rng.range(0.0, extent - 60.0));
        let s = rng.range(40.0, 70.0);
        data.parcels.push(Parcel { id: format!("q{i}"), polygon: MultiPolygon(vec![polygon![(x: x, y: y), (x: x + s, y: y), (x: x + s, y: y + s), (x: x, y: y + s)]]), origin: "layer".into() });
    }
    println!("city: {} estates, {} candidates, {} ways, generated in {:.2} s", data.estates.len(), data.parcels.len(), data.ways.len(), t.elapsed().as_secs_f64());
    let mut profile = Profile::default_profile();
    profile.categories.retain(|c| c.key == "kindergarten");
    let t = Instant::now();
    let coverage = run_coverage(&data, &profile, &CoverageOptions { service_areas: ServiceAreaOutput::None, ..CoverageOptions::default() }).unwrap_or_else(|e| panic!("coverage: {e}"));
    println!("run_coverage: {:.2} s", t.elapsed().as_secs_f64());
    let opts = SitingOptions { k: 20, derive_open_land: false, ..SitingOptions::default() };

    let t = Instant::now();
    let categories = resolve_categories(&profile, &coverage, &data, None).unwrap_or_default();
    let p = plan(&data, &profile, &coverage, &categories, &opts).unwrap_or_else(|e| panic!("plan: {e}"));
    let t_plan = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let mut parcels = lifecircle::siting::ParcelUse::new(&p);
    let mut chosen = 0;
    for reach in &p.reach {
        let (s, greedy, fin) = choose_sites(&data, &p, reach, opts.k, None, &mut parcels, "");
        chosen += s.len();
        let pairs: usize = reach.instance.covers.iter().map(Vec::len).sum();
        println!("  {}: {} uncovered estates, {} candidate-estate pairs, greedy {greedy:.0} → swap {fin:.0} residents", reach.key, reach.demand.len(), pairs);
    }
    let t_choose = t.elapsed().as_secs_f64();
    println!("stages: candidates + fits + reach {t_plan:.2} s, greedy + swap {t_choose:.2} s ({chosen} sites)");

    let t = Instant::now();
    let run = run_siting(&data, &profile, &coverage, &opts).unwrap_or_else(|e| panic!("siting: {e}"));
    let total = t.elapsed().as_secs_f64();
    let covered: f64 = run.sites.iter().map(|s| s.new_population_covered).sum();
    println!("run_siting end to end: {total:.2} s, {} sites, {covered:.0} residents newly covered", run.sites.len());

    // Derived open land (GEOS overlay around every uncovered estate): the quick city only.
    if quick {
        let t = Instant::now();
        let derived = run_siting(&data, &profile, &coverage, &SitingOptions { derive_open_land: true, ..opts }).unwrap_or_else(|e| panic!("siting: {e}"));
        let n = derived.candidates.iter().filter(|c| c.candidate.origin == "derived:open_land").count();
        println!("run_siting with derived open land: {:.2} s, {n} derived candidates", t.elapsed().as_secs_f64());
        let targets: Vec<u32> = (0..data.estates.len() as u32).filter(|&e| !coverage.baseline.ok[e as usize][0]).collect();
        let t = Instant::now();
        let pieces = open_land_candidates(&data, &targets, opts.search_m, 2000.0).unwrap_or_default();
        let t_all = t.elapsed().as_secs_f64();
        let n_pieces = pieces.len();
        let t = Instant::now();
        let _: Vec<Candidate> = pieces.into_iter().map(|c| Candidate::new(c.id, c.origin, c.polygon)).collect();
        println!("  of which: overlay + inscribed circles {t_all:.2} s, inscribed circles alone (one thread) {:.2} s", t.elapsed().as_secs_f64());
        let t = Instant::now();
        let single = open_land_candidates_single_overlay(&data, &targets, opts.search_m, 2000.0).unwrap_or_default();
        println!("  the single city-wide overlay it replaced: {:.2} s ({} pieces, tiled {})", t.elapsed().as_secs_f64(), single.len(), n_pieces);
    }
}
