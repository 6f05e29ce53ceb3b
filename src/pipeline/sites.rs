//! `lifecircle sites`: idle land that fits each facility category (candidate parcels and open land derived
//! around the estates), and the sites that would newly cover the most uncovered residents — the maximal
//! covering location problem of Church & ReVelle 1974, solved greedily with a swap pass ([`crate::siting`]).
//! Written as the candidates and sites layers, `sites.csv`, `coverage.json` (before) and
//! `coverage_after.json` (with the sites built), and `sites.json`, written last.

use crate::coverage::CoverageOptions;
use crate::error::Result;
use crate::pipeline::coverage::run_coverage;
use crate::pipeline::load::{InputSpec, load};
use crate::pipeline::outputs::{OutputSpec, commit_run, final_paths, prepare_output, write_json_file, write_json_with_provenance, write_run_outputs, write_text_file};
use crate::siting::{self, SitingOptions};
use crate::write::atomic;
use crate::write::layer::OutputLayer;
use serde::Serialize;
use std::time::Instant;

/// What `sites` wrote.
#[derive(Debug, Clone, Serialize)]
pub struct SitesSummary {
    pub categories: Vec<String>,
    pub candidates: usize,
    pub sites: usize,
    /// Per category: residents newly covered by greedy alone and after the swap pass.
    pub objective: Vec<(String, f64, f64)>,
    pub files: Vec<String>,
}

/// `lifecircle sites`: candidate parcels that fit, and the sites that newly cover the most residents.
pub fn sites(input: &InputSpec, out: &OutputSpec, coverage_opts: &CoverageOptions, opts: &SitingOptions) -> Result<SitesSummary> {
    prepare_output(out)?;
    let mut loaded = load(input)?;
    let run = run_coverage(&mut loaded, coverage_opts)?;
    let started = Instant::now();
    let mut siting = siting::run_siting(&loaded.dataset, &loaded.profile, &run, opts)?;
    tracing::info!(candidates = siting.candidates.len(), sites = siting.sites.len(), seconds = started.elapsed().as_secs_f64(), "sites chosen");
    let candidates = siting.candidates.len();
    // The candidates' verdicts are worded in the run's language as their parts are written.
    let wording = crate::report::Wording::new(out.lang, &loaded.profile);
    let layers = vec![
        OutputLayer::Parted(siting::layers::candidates_layer_parted(std::mem::take(&mut siting.candidates), &wording, loaded.crs)?),
        OutputLayer::Whole(siting::layers::sites_layer(&siting.sites, loaded.crs)?),
    ];
    let stage = atomic::StagingFolder::create(&out.dir)?;
    let mut files = write_run_outputs(stage.path(), out, &loaded, &layers, &[])?;
    files.push(write_text_file(stage.path(), "sites.csv", &siting::layers::sites_csv(&siting.sites)?)?);
    files.push(write_json_file(stage.path(), "coverage.json", &run.summary)?);
    files.push(write_json_file(stage.path(), "coverage_after.json", &siting.coverage_after)?);
    let summary = SitesSummary {
        categories: siting.categories.clone(),
        candidates,
        sites: siting.sites.len(),
        objective: siting.objective.clone(),
        files: final_paths(stage.path(), &out.dir, &files),
    };
    files.push(write_json_with_provenance(stage.path(), "sites.json", &summary, &loaded.provenance)?);
    commit_run(stage, &files)?;
    Ok(summary)
}
