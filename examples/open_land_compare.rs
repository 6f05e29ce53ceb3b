//! Times derived open land on a real extract, tiled ([`open_land_candidates`]) against the single
//! overlay it replaced ([`open_land_candidates_single_overlay`]), and checks they agree: same parcel
//! count, total area within 1e-6 relative. Targets are those `plan` uses (estates some must-have
//! category leaves uncovered).
//!
//! ```text
//! cargo run --release --example open_land_compare -- tests/data/porto-2020.osm.pbf [--search 300]
//! RAYON_NUM_THREADS=1 cargo run --release --example open_land_compare -- FILE   # one thread
//! ```

use lifecircle::coverage::CoverageOptions;
use lifecircle::pipeline::{InputSpec, load, run_coverage};
use lifecircle::siting::candidates::{Candidate, open_land_candidates, open_land_candidates_single_overlay};
use lifecircle::siting::{open_land_targets, resolve_categories};
use std::process::ExitCode;
use std::time::Instant;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(osm) = args.first() else {
        eprintln!("usage: open_land_compare FILE.osm.pbf [--search M]");
        return ExitCode::from(2);
    };
    let search_m = args.iter().position(|a| a == "--search").and_then(|i| args.get(i + 1)).and_then(|v| v.parse().ok()).unwrap_or(300.0);
    match run(osm, search_m) {
        Ok(agree) if agree => ExitCode::SUCCESS,
        Ok(_) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}

/// CPU seconds this process has used (user + system), from `/proc/self/stat` (Linux; 0 elsewhere): on a
/// shared machine the wall clock also counts other jobs.
fn cpu_s() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    (ticks(11) + ticks(12)) / 100.0
}

fn run(osm: &str, search_m: f64) -> lifecircle::error::Result<bool> {
    lifecircle::pipeline::install_quiet_library_handlers();
    let mut loaded = load(&InputSpec { osm: Some(osm.into()), ..InputSpec::default() })?;
    let coverage = run_coverage(&mut loaded, &CoverageOptions::default())?;
    let categories = resolve_categories(&loaded.profile, &coverage, &loaded.dataset, None)?;
    let (targets, min_area) = open_land_targets(&loaded.dataset, &loaded.profile, &coverage, &categories);
    println!(
        "{osm}: {} target estates of {}, {} buildings, {} ways; search {search_m} m, pieces below {min_area} m² dropped; {} threads",
        targets.len(),
        loaded.dataset.estates.len(),
        loaded.dataset.buildings.len(),
        loaded.dataset.ways.len(),
        rayon::current_num_threads()
    );
    let (t, c) = (Instant::now(), cpu_s());
    let tiled = open_land_candidates(&loaded.dataset, &targets, search_m, min_area)?;
    let (t_tiled, c_tiled) = (t.elapsed().as_secs_f64(), cpu_s() - c);
    let t = Instant::now();
    let pieces = lifecircle::siting::open_land_tiles::free_land_tiled(&loaded.dataset, &targets, search_m, min_area)?;
    let t_overlay = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let _: Vec<Candidate> = tiled.iter().map(|c| Candidate::new(c.id.clone(), c.origin.clone(), c.polygon.clone())).collect();
    println!("  of which: tiled overlay alone {t_overlay:.3} s ({} pieces before the area filter), inscribed circles (one thread) {:.3} s", pieces.len(), t.elapsed().as_secs_f64());
    let (t, c) = (Instant::now(), cpu_s());
    let single = open_land_candidates_single_overlay(&loaded.dataset, &targets, search_m, min_area)?;
    let (t_single, c_single) = (t.elapsed().as_secs_f64(), cpu_s() - c);
    let area = |c: &[Candidate]| c.iter().map(|x| x.area_m2).sum::<f64>();
    let (a_tiled, a_single) = (area(&tiled), area(&single));
    let relative = (a_tiled - a_single).abs() / a_single.max(1.0);
    println!("tiled:          {:>6} parcels, {a_tiled:>14.1} m², {t_tiled:.3} s wall, {c_tiled:.2} s CPU (overlay + inscribed circles)", tiled.len());
    println!("single overlay: {:>6} parcels, {a_single:>14.1} m², {t_single:.3} s wall, {c_single:.2} s CPU", single.len());
    println!("area difference {relative:.2e} relative");
    Ok(tiled.len() == single.len() && relative <= 1e-6)
}
