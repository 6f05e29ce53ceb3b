//! Our side of the comparison with PySAL spopt's max-p heuristic (`scripts/bench_vs_spopt.py`): reads
//! a GeoJSON FeatureCollection of estate polygons **in projected metres** (an exchange file the script
//! writes, not RFC 7946 lon/lat) with properties `id` and `population`, builds the adjacency graph and
//! partitions every estate (all candidates, one group), and prints a JSON summary.
//!
//! ```text
//! cargo run --release --example bundle_compare -- estates.geojson [--min-pop 5000] [--max-pop 12000|inf]
//!     [--gap 30] [--seed 1] [--edges-out edges.json] [--score labels.json]
//! ```
//! `--edges-out` writes the adjacent pairs `[[a, b], ...]` (feature positions) so both sides use the same
//! graph; `--score` reads region labels (one per feature, `null` or negative for none) and scores them
//! with the same measures instead of partitioning: residents in valid regions (contiguous, at or above
//! the floor, at or below the ceiling), mean compactness (estate area over the area of the region's
//! minimum enclosing circle), number of regions.

use geo_types::{Geometry, MultiPolygon};
use lifecircle::bundle::adjacency::{AdjacencyGraph, RoadClass, estate_pairs};
use lifecircle::bundle::compactness::compactness;
use lifecircle::bundle::partition::{PartitionProblem, partition_estates};
use lifecircle::bundle::partition_estate;
use lifecircle::model::{Estate, EstateSource, PopulationSource, SurveyAttributes};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::process::ExitCode;
use std::time::Instant;

struct Args {
    input: String,
    min_pop: f64,
    max_pop: f64,
    gap_m: f64,
    seed: u64,
    edges_out: Option<String>,
    score: Option<String>,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args { input: String::new(), min_pop: 5000.0, max_pop: 12000.0, gap_m: 30.0, seed: 1, edges_out: None, score: None };
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        let mut value = |name: &str| it.next().ok_or_else(|| format!("{name} needs a value"));
        let number = |text: String, name: &str| -> Result<f64, String> {
            if text == "inf" { Ok(f64::INFINITY) } else { text.parse().map_err(|_| format!("{name} {text}: not a number")) }
        };
        match a.as_str() {
            "--min-pop" => args.min_pop = number(value("--min-pop")?, "--min-pop")?,
            "--max-pop" => args.max_pop = number(value("--max-pop")?, "--max-pop")?,
            "--gap" => args.gap_m = number(value("--gap")?, "--gap")?,
            "--seed" => args.seed = value("--seed")?.parse().map_err(|_| "--seed needs a whole number".to_string())?,
            "--edges-out" => args.edges_out = Some(value("--edges-out")?),
            "--score" => args.score = Some(value("--score")?),
            other if !other.starts_with("--") && args.input.is_empty() => args.input = other.to_string(),
            other => return Err(format!("unknown argument {other}")),
        }
    }
    if args.input.is_empty() {
        return Err("usage: bundle_compare ESTATES.geojson [--min-pop N] [--max-pop N|inf] [--gap M] [--seed N] [--edges-out FILE] [--score LABELS.json]".into());
    }
    Ok(args)
}

fn read_estates(path: &str) -> Result<Vec<Estate>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
    let collection: geojson::FeatureCollection = text.parse().map_err(|e| format!("{path}: not a GeoJSON FeatureCollection: {e}"))?;
    let mut estates = Vec::with_capacity(collection.features.len());
    for (k, feature) in collection.features.iter().enumerate() {
        let id = feature.property("id").map_or_else(|| k.to_string(), |v| v.as_str().map_or_else(|| v.to_string(), str::to_string));
        let population = feature.property("population").and_then(Value::as_f64).ok_or_else(|| format!("{path}: feature {id} has no numeric population"))?;
        let geometry = feature.geometry.as_ref().ok_or_else(|| format!("{path}: feature {id} has no geometry"))?;
        let polygon = match Geometry::<f64>::try_from(&geometry.value).map_err(|e| format!("{path}: feature {id}: {e}"))? {
            Geometry::Polygon(p) => MultiPolygon(vec![p]),
            Geometry::MultiPolygon(mp) => mp,
            other => return Err(format!("{path}: feature {id} is a {other:?}, not a polygon")),
        };
        estates.push(Estate {
            id,
            name: None,
            polygon,
            source: EstateSource::Layer,
            population,
            households: 0.0,
            population_source: PopulationSource::Layer,
            floor_area_m2: 0.0,
            n_buildings: 0,
            built_year: None,
            survey: SurveyAttributes::default(),
            notes: Default::default(),
        });
    }
    Ok(estates)
}

/// Residents in valid regions, their count and mean compactness, for regions given as member lists.
fn score(estates: &[Estate], graph: &AdjacencyGraph, regions: &[Vec<usize>], min_pop: f64, max_pop: f64) -> Value {
    let shapes: Vec<_> = estates.iter().map(partition_estate).collect();
    let mut residents = 0.0;
    let mut compactness_sum = 0.0;
    let mut valid = 0usize;
    let mut invalid = 0usize;
    for members in regions {
        let set: BTreeSet<usize> = members.iter().copied().collect();
        let mut reached = BTreeSet::from([members[0]]);
        let mut queue = vec![members[0]];
        while let Some(v) = queue.pop() {
            for &u in graph.neighbours(v) {
                if set.contains(&(u as usize)) && reached.insert(u as usize) {
                    queue.push(u as usize);
                }
            }
        }
        let population: f64 = members.iter().map(|&i| estates[i].population).sum();
        if reached.len() != set.len() || population < min_pop || population > max_pop {
            invalid += 1;
            continue;
        }
        valid += 1;
        residents += population;
        let area: f64 = members.iter().map(|&i| shapes[i].area_m2).sum();
        let points: Vec<_> = members.iter().flat_map(|&i| shapes[i].hull.iter().copied()).collect();
        compactness_sum += compactness(area, &points);
    }
    json!({
        "residents_bundled": residents,
        "n_regions": valid,
        "n_invalid_regions": invalid,
        "mean_compactness": if valid > 0 { compactness_sum / valid as f64 } else { 0.0 },
    })
}

fn run() -> Result<(), String> {
    let args = parse_args()?;
    let estates = read_estates(&args.input)?;
    let n = estates.len();
    let t = Instant::now();
    let pairs = estate_pairs(&estates, &[], args.gap_m, RoadClass::Primary);
    let graph = AdjacencyGraph::from_pairs(n, &pairs);
    let adjacency_s = t.elapsed().as_secs_f64();
    if let Some(path) = &args.edges_out {
        let edges: Vec<[usize; 2]> = pairs.iter().filter(|p| p.adjacent()).map(|p| [p.a, p.b]).collect();
        std::fs::write(path, serde_json::to_string(&edges).map_err(|e| e.to_string())?).map_err(|e| format!("{path}: {e}"))?;
    }
    let total: f64 = estates.iter().map(|e| e.population).sum();

    if let Some(path) = &args.score {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
        let labels: Vec<Option<i64>> = serde_json::from_str(&text).map_err(|e| format!("{path}: expected a JSON array of labels: {e}"))?;
        if labels.len() != n {
            return Err(format!("{path}: {} labels for {n} estates", labels.len()));
        }
        let mut regions: BTreeMap<i64, Vec<usize>> = BTreeMap::new();
        for (i, label) in labels.iter().enumerate() {
            if let Some(l) = label.filter(|l| *l >= 0) {
                regions.entry(l).or_default().push(i);
            }
        }
        let regions: Vec<Vec<usize>> = regions.into_values().collect();
        let mut summary = score(&estates, &graph, &regions, args.min_pop, args.max_pop);
        summary["residents_total"] = json!(total);
        println!("{summary}");
        return Ok(());
    }

    let shapes: Vec<_> = estates.iter().map(partition_estate).collect();
    let t = Instant::now();
    let candidate = vec![true; n];
    let group_of = vec![0u32; n];
    let partition = partition_estates(&PartitionProblem {
        estates: &shapes,
        graph: &graph,
        candidate: &candidate,
        group_of: &group_of,
        min_pop: args.min_pop,
        max_pop: args.max_pop,
        seed: args.seed,
    });
    let partition_s = t.elapsed().as_secs_f64();
    let mut summary = score(&estates, &graph, &partition.bundles, args.min_pop, args.max_pop);
    let mut labels: Vec<Option<usize>> = vec![None; n];
    for (k, members) in partition.bundles.iter().enumerate() {
        for &i in members {
            labels[i] = Some(k);
        }
    }
    summary["residents_total"] = json!(total);
    summary["n_estates"] = json!(n);
    summary["n_edges"] = json!(graph.n_edges());
    summary["adjacency_s"] = json!(adjacency_s);
    summary["partition_s"] = json!(partition_s);
    summary["labels"] = json!(labels);
    println!("{summary}");
    Ok(())
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bundle_compare: {e}");
            ExitCode::from(2)
        }
    }
}
