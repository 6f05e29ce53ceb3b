//! `lifecircle bundle`: eligibility, adjacency and the partition of adjacent estates into contiguous
//! renovation bundles (成片改造) of a target population ([`crate::bundle`]), written as the estates with their
//! bundle fields, the bundles, the adjacency graph, `bundles.csv` and `bundle.json` (written last: its
//! presence says the run completed). `plan` shares `bundle_outputs`.

use crate::bundle::{self, BundleOptions, BundleRun};
use crate::error::{Error, Result};
use crate::pipeline::load::{InputSpec, Loaded, load};
use crate::pipeline::outputs::{OutputSpec, commit_run, final_paths, layer_counts, prepare_output, write_json_with_provenance, write_run_outputs};
use crate::write::layer::Layer;
use crate::write::{atomic, model_layers};
use serde::Serialize;
use std::collections::BTreeMap;
use std::time::Instant;

/// What `bundle` wrote.
#[derive(Debug, Clone, Serialize)]
pub struct BundleSummary {
    pub crs: String,
    pub estates: usize,
    pub bundles: usize,
    /// Residents of eligible (and provisionally bundled needs-survey) estates.
    pub candidate_population: f64,
    pub bundled_population: f64,
    pub bundled_share: f64,
    /// Estates per eligibility verdict (`eligible`, `needs_survey`, `ineligible`).
    pub eligibility: BTreeMap<String, usize>,
    /// Estates left out of bundles per reason.
    pub left_out: BTreeMap<String, usize>,
    /// Why there is no bundle, when there is none ([`crate::bundle::no_bundles`]); `null` otherwise.
    pub no_bundles: Option<crate::bundle::no_bundles::NoBundles>,
    pub min_pop: f64,
    pub max_pop: f64,
    pub layers: BTreeMap<String, usize>,
    pub files: Vec<String>,
}

/// `lifecircle bundle`: eligibility, adjacency and the partition into renovation bundles. `opts` must have
/// passed [`BundleOptions::check`] (the command line checks them when it reads the flags).
pub fn bundle(input: &InputSpec, out: &OutputSpec, opts: &BundleOptions) -> Result<BundleSummary> {
    prepare_output(out)?;
    let loaded = load(input)?;
    if loaded.dataset.estates.is_empty() {
        return Err(Error::Usage("no estates to bundle: the inputs hold no estate (see rejects with `lifecircle extract`)".into()));
    }
    let started = Instant::now();
    let run = bundle::run_bundles(&loaded.dataset, opts, None)?;
    tracing::info!(bundles = run.bundles.len(), seconds = started.elapsed().as_secs_f64(), "bundled");
    let BundleOutputs { layers, table, mut summary } = bundle_outputs(&loaded, &run)?;
    let layers = [layers.estates, layers.bundles, layers.adjacency];
    let stage = atomic::StagingFolder::create(&out.dir)?;
    let mut files = write_run_outputs(stage.path(), out, &loaded, &layers, &[("bundles.csv", &table)])?;
    summary.layers = layer_counts(&layers);
    summary.files = final_paths(stage.path(), &out.dir, &files);
    files.push(write_json_with_provenance(stage.path(), "bundle.json", &summary, &loaded.provenance)?);
    commit_run(stage, &files)?;
    Ok(summary)
}

/// The map layers of a bundle run.
pub(crate) struct BundleLayers {
    /// The estates with their bundle fields.
    pub estates: Layer,
    pub bundles: Layer,
    pub adjacency: Layer,
}

/// A bundle run ready to write.
pub(crate) struct BundleOutputs {
    pub layers: BundleLayers,
    /// The bundles table for `bundles.csv`.
    pub table: Layer,
    /// The summary, its `layers` and `files` filled in once written.
    pub summary: BundleSummary,
}

/// The bundle run as map layers, the bundles table and the summary.
pub(crate) fn bundle_outputs(loaded: &Loaded, run: &BundleRun) -> Result<BundleOutputs> {
    let bl = bundle::layers::bundle_layers(run, loaded.crs)?;
    let mut estates = model_layers::estates_layer(&loaded.dataset.estates, loaded.crs)?;
    estates.join_fields(&bl.estate_bundles, "estate_id");
    let mut eligibility = BTreeMap::new();
    let mut left_out = BTreeMap::new();
    for r in &run.estates {
        *eligibility.entry(r.eligible.as_str().to_string()).or_insert(0) += 1;
        if let Some(reason) = &r.left_out_reason {
            let key = reason.split(':').next().unwrap_or(reason).trim().to_string();
            *left_out.entry(key).or_insert(0) += 1;
        }
    }
    let candidate = run.candidate_population(&loaded.dataset);
    let bundled = run.bundled_population();
    let summary = BundleSummary {
        crs: loaded.crs.name(),
        estates: loaded.dataset.estates.len(),
        bundles: run.bundles.len(),
        candidate_population: candidate,
        bundled_population: bundled,
        bundled_share: if candidate > 0.0 { bundled / candidate } else { 0.0 },
        eligibility,
        left_out,
        no_bundles: crate::bundle::no_bundles::why_no_bundles(run, &loaded.dataset),
        min_pop: run.options.min_pop,
        max_pop: run.options.max_pop,
        layers: BTreeMap::new(),
        files: Vec::new(),
    };
    Ok(BundleOutputs { layers: BundleLayers { estates, bundles: bl.bundles, adjacency: bl.adjacency }, table: bl.bundles_table, summary })
}
