//! Our side of the comparison with PySAL spopt's exact MCLP (`scripts/bench_vs_spopt_mclp.py`): builds a
//! real maximal-covering instance from an OpenStreetMap extract (the demand estates a category leaves
//! uncovered, weighted by residents, and for every candidate parcel that fits the category the estates it
//! would newly cover within the category's walking threshold: exactly the instance `lifecircle sites`
//! solves), writes it as JSON, solves it as `lifecircle sites` does (lazy greedy, swap pass, multi-start) for each `k`, and prints a JSON summary.
//!
//! ```text
//! cargo run --release --example mclp_compare -- tests/data/porto-2020.osm.pbf --category kindergarten \
//!     --k 3,5,10 --out target/mclp-instance.json
//! ```
//! The instance file: `{"category", "weights": [residents per demand estate], "covers": [[demand
//! positions] per candidate], "candidate_ids": [...]}`; only candidates that fit and reach the network.

use lifecircle::coverage::CoverageOptions;
use lifecircle::pipeline::{InputSpec, load, run_coverage};
use lifecircle::siting::mclp::{CoverInstance, greedy_swap_multistart};
use lifecircle::siting::{MULTISTARTS, SWAP_ROUNDS, SitingOptions, plan, resolve_categories};
use serde_json::json;
use std::process::ExitCode;
use std::time::Instant;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let value = |name: &str| args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned();
    let Some(osm) = args.first().filter(|a| !a.starts_with("--")).cloned() else {
        eprintln!("usage: mclp_compare FILE.osm.pbf [--category KEY] [--k 3,5,10] [--out instance.json]");
        return ExitCode::from(2);
    };
    let category = value("--category").unwrap_or_else(|| "kindergarten".into());
    let ks: Vec<usize> = value("--k").unwrap_or_else(|| "3,5,10".into()).split(',').filter_map(|k| k.trim().parse().ok()).collect();
    let out = value("--out").unwrap_or_else(|| "target/mclp-instance.json".into());
    match run(&osm, &category, &ks, &out) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}

fn run(osm: &str, category: &str, ks: &[usize], out: &str) -> Result<(), String> {
    lifecircle::pipeline::install_quiet_library_handlers();
    let mut loaded = load(&InputSpec { osm: Some(osm.into()), ..InputSpec::default() }).map_err(|e| e.to_string())?;
    let coverage = run_coverage(&mut loaded, &CoverageOptions::default()).map_err(|e| e.to_string())?;
    let asked = [category.to_string()];
    let categories = resolve_categories(&loaded.profile, &coverage, &loaded.dataset, Some(&asked)).map_err(|e| e.to_string())?;
    let p = plan(&loaded.dataset, &loaded.profile, &coverage, &categories, &SitingOptions::default()).map_err(|e| e.to_string())?;
    let reach = p.reach.first().ok_or("no reach computed")?;
    // Keep the candidates that can host the category and reach somebody.
    let kept: Vec<usize> = (0..reach.instance.covers.len()).filter(|&s| !reach.instance.covers[s].is_empty()).collect();
    let inst = CoverInstance { weight: reach.instance.weight.clone(), covers: kept.iter().map(|&s| reach.instance.covers[s].clone()).collect() };
    let instance = json!({
        "source": osm,
        "category": category,
        "weights": inst.weight,
        "covers": inst.covers,
        "candidate_ids": kept.iter().map(|&s| p.candidates[s].candidate.id.clone()).collect::<Vec<_>>(),
    });
    std::fs::write(out, instance.to_string()).map_err(|e| format!("{out}: {e}"))?;
    let mut results = Vec::new();
    for &k in ks {
        let t = Instant::now();
        let (greedy, chosen) = greedy_swap_multistart(&inst, k, |_| true, SWAP_ROUNDS, MULTISTARTS);
        let seconds = t.elapsed().as_secs_f64();
        results.push(json!({"k": k, "greedy": greedy.total(), "covered": chosen.total(), "seconds": seconds, "sites": chosen.sites}));
    }
    let pairs: usize = inst.covers.iter().map(Vec::len).sum();
    println!(
        "{}",
        json!({
            "instance": out,
            "demand": inst.weight.len(),
            "residents_uncovered": inst.weight.iter().sum::<f64>(),
            "candidates": inst.covers.len(),
            "pairs": pairs,
            "results": results,
        })
    );
    Ok(())
}
