//! Compares lifecircle's largest-inscribed-circle search ([`lifecircle::siting::fit`]) with the `polylabel`
//! crate (a dev-dependency, only for this example) on real candidate land: the idle-land parcels of an OSM
//! extract and the open land derived around every estate (as `plan` measures its candidates), at the same
//! precision (0.1 m, [`INSCRIBED_PRECISION_M`]). For each polygon part both find a centre; the radius is
//! that centre's distance to the boundary ([`signed_boundary_distance`], the same measure for both).
//! Timed single-threaded, each method over all parts, best of five rounds.
//!
//! ```text
//! cargo run --release --example inscribed_circle_compare -- tests/data/porto-2020.osm.pbf [--search 300]
//! ```

use geo::Area;
use geo_types::{MultiPolygon, Polygon};
use lifecircle::estates::derive_estates;
use lifecircle::profile::Profile;
use lifecircle::read::osm::read_osm;
use lifecircle::siting::candidates::{INSCRIBED_PRECISION_M, explicit_candidates, open_land_candidates};
use lifecircle::siting::fit::{polygon_inscribed_circle, signed_boundary_distance};
use std::process::ExitCode;
use std::time::Instant;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(osm) = args.first() else {
        eprintln!("usage: inscribed_circle_compare FILE.osm.pbf [--search M]");
        return ExitCode::from(2);
    };
    let search_m = args.iter().position(|a| a == "--search").and_then(|i| args.get(i + 1)).and_then(|v| v.parse().ok()).unwrap_or(300.0);
    match run(osm, search_m) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}

/// The radius each method finds for one polygon part (0 when it finds no point inside).
fn lifecircle_radius(part: &Polygon<f64>) -> f64 {
    polygon_inscribed_circle(part, INSCRIBED_PRECISION_M).map_or(0.0, |c| c.radius_m)
}

fn polylabel_radius(part: &Polygon<f64>) -> f64 {
    polylabel::polylabel(part, &INSCRIBED_PRECISION_M).map_or(0.0, |p| signed_boundary_distance(part, p.0).max(0.0))
}

/// Best of five rounds of `radius` over all parts: (seconds, radii).
fn timed(parts: &[&Polygon<f64>], radius: fn(&Polygon<f64>) -> f64) -> (f64, Vec<f64>) {
    let mut best = f64::INFINITY;
    let mut radii = Vec::new();
    for _ in 0..5 {
        let t = Instant::now();
        radii = parts.iter().map(|p| radius(p)).collect();
        best = best.min(t.elapsed().as_secs_f64());
    }
    (best, radii)
}

fn run(osm: &str, search_m: f64) -> lifecircle::error::Result<()> {
    let profile = Profile::default_profile();
    let mut extract = read_osm(osm.as_ref(), &profile, None)?;
    derive_estates(&mut extract, &profile);
    let data = &extract.dataset;
    let smallest_need_m2 = profile.categories.iter().map(|c| c.land_min_area_m2).fold(f64::INFINITY, f64::min);
    let all_estates: Vec<u32> = (0..data.estates.len() as u32).collect();
    let mut candidates = explicit_candidates(&data.parcels);
    candidates.extend(open_land_candidates(data, &all_estates, search_m, smallest_need_m2)?);
    let polygons: Vec<&MultiPolygon<f64>> = candidates.iter().map(|c| &c.polygon).collect();
    let parts: Vec<&Polygon<f64>> = polygons.iter().flat_map(|mp| mp.0.iter()).filter(|p| p.unsigned_area() > 0.0).collect();
    let vertices: usize = parts.iter().map(|p| p.exterior().0.len() + p.interiors().iter().map(|r| r.0.len()).sum::<usize>()).sum();
    println!(
        "{osm}: {} candidates ({} idle-land parcels, the rest open land within {search_m} m of {} estates), {} polygon parts, {vertices} vertices; precision {INSCRIBED_PRECISION_M} m, one thread",
        candidates.len(),
        data.parcels.len(),
        data.estates.len(),
        parts.len()
    );
    let (t_ours, ours) = timed(&parts, lifecircle_radius);
    let (t_theirs, theirs) = timed(&parts, polylabel_radius);
    let differences: Vec<f64> = ours.iter().zip(&theirs).map(|(a, b)| a - b).collect();
    let larger = differences.iter().filter(|d| **d > 1e-9).count();
    let smaller = differences.iter().filter(|d| **d < -1e-9).count();
    let max_abs = differences.iter().fold(0.0f64, |m, d| m.max(d.abs()));
    let worst = differences.iter().enumerate().max_by(|a, b| a.1.abs().total_cmp(&b.1.abs())).map(|(i, _)| i);
    println!("lifecircle fit: {t_ours:.4} s, Σ radius {:.1} m", ours.iter().sum::<f64>());
    println!("polylabel 3.3:  {t_theirs:.4} s, Σ radius {:.1} m", theirs.iter().sum::<f64>());
    println!("speed: lifecircle {:.2}x polylabel's", t_theirs / t_ours.max(1e-12));
    println!("radius: lifecircle larger on {larger}, smaller on {smaller}, equal on {} parts; largest difference {max_abs:.3} m", parts.len() - larger - smaller);
    if let Some(i) = worst {
        println!("  (part {i}: lifecircle {:.3} m, polylabel {:.3} m)", ours[i], theirs[i]);
    }
    Ok(())
}
