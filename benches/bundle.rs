//! Bundle benchmark: synthetic districts of 10,000 and 100,000 estates (the seeded generator of
//! `tests/bundle_layout`), timed stage by stage and end to end. Targets on 2 cores, release:
//! 10,000 estates ≤ 1 s, 100,000 ≤ 15 s. Run: `cargo bench --bench bundle` (add `-- quick` for the
//! 10,000 cases only, `-- only=TEXT` for the cases whose name holds TEXT). Figures are recorded in BENCHMARKS.md, never asserted.

#[path = "../tests/bundle_layout/mod.rs"]
mod bundle_layout;

use bundle_layout::{Kind, Spec, district};
use lifecircle::bundle::adjacency::{AdjacencyGraph, estate_pairs};
use lifecircle::bundle::eligibility::{Eligibility, screen_estate};
use lifecircle::bundle::nesting::nest_estates;
use lifecircle::bundle::partition::{PartitionProblem, partition_estates};
use lifecircle::bundle::{BundleOptions, partition_estate, run_bundles};
use lifecircle::model::Dataset;
use rayon::prelude::*;
use std::time::Instant;

fn seconds(t: Instant) -> f64 {
    t.elapsed().as_secs_f64()
}

fn bench(name: &str, data: &Dataset) {
    if let Some(only) = std::env::args().find_map(|a| a.strip_prefix("only=").map(str::to_string))
        && !name.contains(&only)
    {
        return;
    }
    let opts = BundleOptions::default();
    let n = data.estates.len();

    let t = Instant::now();
    let screenings: Vec<_> = data.estates.par_iter().map(|e| screen_estate(e, &opts).map(|s| s.eligibility)).collect::<Result<_, _>>().unwrap_or_default();
    let t_eligibility = seconds(t);
    let t = Instant::now();
    let pairs = estate_pairs(&data.estates, &data.barriers, opts.gap_m, opts.barrier_roads);
    let graph = AdjacencyGraph::from_pairs(n, &pairs);
    let t_adjacency = seconds(t);
    let t = Instant::now();
    let nesting = nest_estates(&data.estates, &data.boundaries);
    let t_nesting = seconds(t);
    let t = Instant::now();
    let shapes: Vec<_> = data.estates.par_iter().map(partition_estate).collect();
    let candidate: Vec<bool> = screenings.iter().map(|s| *s != Eligibility::Ineligible).collect();
    let partition = partition_estates(&PartitionProblem {
        estates: &shapes,
        graph: &graph,
        candidate: &candidate,
        group_of: &nesting.group_of,
        min_pop: opts.min_pop,
        max_pop: opts.max_pop,
        seed: opts.seed,
    });
    let t_partition = seconds(t);

    let t = Instant::now();
    let run = match run_bundles(data, &opts, None) {
        Ok(run) => run,
        Err(e) => {
            eprintln!("{name}: {e}");
            return;
        }
    };
    let t_total = seconds(t);
    let candidates = run.candidate_population(data);
    let mean_compactness = run.bundles.iter().map(|b| b.compactness).sum::<f64>() / run.bundles.len().max(1) as f64;
    println!(
        "{name:<44} {n:>7} estates {:>7} edges {:>3} groups | eligibility {:.3} s, adjacency {:.3} s, nesting {:.3} s, partition {:.3} s | run_bundles {:.3} s | {} bundles, {:.1} % of candidate residents bundled, mean compactness {:.3}",
        graph.n_edges(),
        nesting.group_keys.len(),
        t_eligibility,
        t_adjacency,
        t_nesting,
        t_partition,
        t_total,
        partition.bundles.len(),
        100.0 * run.bundled_population() / candidates.max(1.0),
        mean_compactness,
    );
}

fn main() {
    let quick = std::env::args().any(|a| a == "quick");
    println!("rayon threads: {}", rayon::current_num_threads());
    // 8 % of cells are holes: 105² and 330² cells hold just over 10,000 and 100,000 estates.
    let with_streets = |side: usize, kind: Kind| Spec { street_block: Some(12), barrier_every: Some(12), ..Spec::new(side, side, kind, 2026) };
    bench("10k squares, streets + barriers", &district(&with_streets(105, Kind::Squares)));
    bench("10k mesh, streets + barriers", &district(&with_streets(105, Kind::Mesh)));
    bench("10k squares, no boundaries (one component)", &district(&Spec::new(105, 105, Kind::Squares, 2026)));
    if quick {
        return;
    }
    bench("100k squares, streets + barriers", &district(&with_streets(330, Kind::Squares)));
    bench("100k mesh, streets + barriers", &district(&with_streets(330, Kind::Mesh)));
    bench("100k squares, no boundaries (one component)", &district(&Spec::new(330, 330, Kind::Squares, 2026)));
}
