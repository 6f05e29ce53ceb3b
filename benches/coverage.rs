//! Coverage benchmark on a generated grid city (see `lifecircle::testing::synthetic_city`): a perturbed
//! street grid of about 1,000,000 junctions, 20,000 estates (half gated, with private internal roads) and
//! 50,000 facilities over the profile's 15 categories. Measures each stage of `run_coverage`.
//!
//! Run: `cargo bench --bench coverage` (full size), or with arguments after `--`:
//! `cargo bench --bench coverage -- --columns 300 --rows 300 --estates 2000 --facilities 5000 --service-areas polygons`
//! (`none`, `lines` or `polygons`; default none);
//! `--engine facility` uses the per-category multi-source search instead of the per-estate searches.
//! `--dem-cell METRES` writes a hilly DEM of that cell size over the city (GeoTIFF, EPSG:32650, slopes up
//! to about 12 %) and runs coverage twice in the same process, without and with `--dem`, printing the
//! ratio (issue 17: a DEM must not change the order of magnitude); `--dem-path FILE` keeps that DEM in FILE
//! and reuses it when it exists (a city-wide 1 m raster takes minutes to write).
//! `LIFECIRCLE_LOG=lifecircle=debug` prints the library's log (the steps of each stage).
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
    if let Ok(filter) = std::env::var("LIFECIRCLE_LOG") {
        tracing_subscriber::fmt().with_env_filter(tracing_subscriber::EnvFilter::new(filter)).with_writer(std::io::stderr).init();
    }
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

    let dem_cell: f64 = arg(&args, "--dem-cell", 0.0);
    let _dem_dir = tempfile::tempdir().expect("a temporary folder");
    let mut baseline_s = None;
    let mut opts = CoverageOptions { service_areas, engine, ..CoverageOptions::default() };
    if dem_cell > 0.0 {
        let start = Instant::now();
        let plain = run_coverage(&data, &profile, &opts).expect("coverage without a DEM");
        let s = start.elapsed().as_secs_f64();
        println!("without DEM: run_coverage {s:.2} s ({} edges)", plain.network.graph.edges.len());
        for (stage, s) in &plain.timings_s {
            println!("  {stage:<28} {s:>7.2} s");
        }
        drop(plain);
        baseline_s = Some(s);
        // The city's extent, and a DEM over it with a 200 m margin: rolling hills (±40 m, wavelengths of
        // 2-3 km) and a steeper 60 m hill every 6 km.
        let (mut x0, mut y0, mut x1, mut y1) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
        for w in &data.ways {
            for c in &w.line.0 {
                (x0, y0, x1, y1) = (x0.min(c.x), y0.min(c.y), x1.max(c.x), y1.max(c.y));
            }
        }
        let side = (x1 - x0).max(y1 - y0) + 400.0;
        let cells = (side / dem_cell).ceil() as usize;
        let kept: String = arg(&args, "--dem-path", String::new());
        let path = if kept.is_empty() { _dem_dir.path().join("hills.tif") } else { std::path::PathBuf::from(kept) };
        let start = Instant::now();
        if path.exists() {
            println!("DEM reused: {}", path.display());
        } else {
            lifecircle::testing::dem::write_dem(&path, 32650, x0 - 200.0, y0 - 200.0, dem_cell, cells, |x, y| {
                let (u, v) = (x - x0, y - y0);
                let rolling = 40.0 * (u / 2000.0).sin() * (v / 3000.0).cos();
                let (hx, hy) = ((u / 6000.0).fract() - 0.5, (v / 6000.0).fract() - 0.5);
                let hill = (60.0 * (1.0 - 6000.0 * hx.hypot(hy) / 800.0)).max(0.0);
                Some(100.0 + rolling + hill)
            });
            println!("DEM written: {cells} x {cells} cells of {dem_cell} m ({:.0} MB) in {:.1} s", (cells * cells * 4) as f64 / 1e6, start.elapsed().as_secs_f64());
        }
        opts.dem = Some(path);
        opts.working_crs = Some(lifecircle::crs::WorkingCrs { epsg: 32650 });
    }
    let start = Instant::now();
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
    if let (Some(base), Some(dem)) = (baseline_s, &run.summary.dem) {
        println!(
            "with DEM: {total:.2} s vs {base:.2} s without: ratio {:.2} ({} pieces sampled, {} edges without data)",
            total / base,
            dem.coverage.pieces,
            dem.coverage.edges_without_data
        );
    }
    let covered = run.summary.categories.0.iter().map(|(k, c)| format!("{k} {:.0}%", 100.0 * c.population_share.unwrap_or(0.0))).collect::<Vec<_>>();
    println!("population covered: {}", covered.join(", "));
    println!("rejects: {}", run.rejects.len());
}
