//! Coverage benchmark on a generated grid city (see `lifecircle::testing::synthetic_city`): a perturbed
//! street grid of about 1,000,000 junctions, 20,000 estates (half gated, with private internal roads) and
//! 50,000 facilities over the profile's 15 categories. Measures each stage of `run_coverage`.
//!
//! Run: `cargo bench --bench coverage` (full size), or with arguments after `--`:
//! `cargo bench --bench coverage -- --columns 300 --rows 300 --estates 2000 --facilities 5000 --service-areas polygons`
//! (`none`, `lines` or `polygons`; default none);
//! `--engine facility` uses the per-category multi-source search instead of the per-estate searches.
//! Peak memory: run the built binary under `/usr/bin/time -v` (see BENCHMARKS.md). Timings are printed,
//! never asserted.

use lifecircle::testing::synthetic_city::{GridCityParams, grid_city};
use lifecircle::coverage::{CoverageOptions, DistanceEngine, ServiceAreaOutput, run_coverage};
use lifecircle::profile::Profile;
use std::time::Instant;

fn arg<T: std::str::FromStr>(args: &[String], name: &str, default: T) -> T {
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let params = GridCityParams {
        columns: arg(&args, "--columns", 1000),
        rows: arg(&args, "--rows", 1000),
        estates: arg(&args, "--estates", 20_000),
        facilities: arg(&args, "--facilities", 50_000),
        seed: arg(&args, "--seed", 2018),
        ..GridCityParams::default()
    };
    let service_areas: ServiceAreaOutput = arg(&args, "--service-areas", "none".to_string()).parse().unwrap_or(ServiceAreaOutput::None);
    let engine = match arg(&args, "--engine", "estate".to_string()).as_str() {
        "facility" => DistanceEngine::FacilitySearch,
        _ => DistanceEngine::EstateSearch,
    };
    let profile = Profile::default_profile();
    let keys: Vec<&str> = profile.categories.iter().map(|c| c.key.as_str()).collect();
    println!("threads: {}", rayon::current_num_threads());

    let start = Instant::now();
    let data = grid_city(&params, &keys);
    println!(
        "generate: {:.2} s ({} x {} grid, {} ways, {} estates, {} gates, {} facilities)",
        start.elapsed().as_secs_f64(),
        params.columns,
        params.rows,
        data.ways.len(),
        data.estates.len(),
        data.gates.len(),
        data.facilities.len()
    );

    let start = Instant::now();
    let opts = CoverageOptions { service_areas, engine, ..CoverageOptions::default() };
    let run = match run_coverage(&data, &profile, &opts) {
        Ok(run) => run,
        Err(e) => {
            eprintln!("coverage failed: {e}");
            std::process::exit(1);
        }
    };
    let total = start.elapsed().as_secs_f64();
    println!(
        "network: {} nodes, {} edges, {} islands",
        run.network.graph.node_count(),
        run.network.graph.edges.len(),
        run.network.islands.islands.len()
    );
    for (stage, s) in &run.timings_s {
        println!("  {stage:<28} {s:>7.2} s");
    }
    let labels: usize = run.baseline.categories.iter().map(|c| c.labels_settled).sum();
    println!("labels settled: {labels} over {} categories", run.baseline.categories.len());
    println!("run_coverage total: {total:.2} s (engine: {engine:?}, service areas: {service_areas:?})");
    let covered = run.summary.categories.0.iter().map(|(k, c)| format!("{k} {:.0}%", 100.0 * c.population_share.unwrap_or(0.0))).collect::<Vec<_>>();
    println!("population covered: {}", covered.join(", "));
    println!("rejects: {}", run.rejects.len());
}
