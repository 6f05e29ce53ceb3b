//! `lifecircle extract`: the inputs read into the model ([`load`]) and written back as the normalised
//! layers the engine works on (estates, facilities, ways, gates, buildings, idle land, barriers,
//! boundaries), with the rejects and `extract.json`, written last: its presence says the run completed.

use crate::error::Result;
use crate::pipeline::load::{InputSpec, load};
use crate::pipeline::outputs::{OutputSpec, commit_run, final_paths, output_layer_counts, prepare_output, write_json_with_provenance, write_run_outputs};
use crate::read::osm::ExtractStats;
use crate::write::layer::OutputLayer;
use crate::write::{atomic, model_layers};
use serde::Serialize;
use std::collections::BTreeMap;

/// What `extract` wrote.
#[derive(Debug, Clone, Serialize)]
pub struct ExtractSummary {
    pub crs: String,
    /// Features per written layer.
    pub layers: BTreeMap<String, usize>,
    pub rejects: usize,
    pub estimated_population: f64,
    pub osm: Option<ExtractStats>,
    pub survey_rows_applied: Option<usize>,
    pub survey_rows_not_applied: Option<usize>,
    /// Bad cells left out of survey rows (the rest of each row applied), listed in `survey_unmatched.csv`.
    pub survey_cells_left_out: Option<usize>,
    pub files: Vec<String>,
}

/// `lifecircle extract`: read the inputs and write the normalised layers, `extract.json` and the rejects.
pub fn extract(input: &InputSpec, out: &OutputSpec) -> Result<ExtractSummary> {
    prepare_output(out)?;
    let loaded = load(input)?;
    // Everything is written into a staging folder first and moved into `out` only when all is written:
    // a run that fails half-way (a full disk) leaves no partial set of layers behind.
    let stage = atomic::StagingFolder::create(&out.dir)?;
    let layers: Vec<OutputLayer<'_>> = model_layers::dataset_layers(&loaded.dataset, loaded.crs)?.into_iter().filter(|l| l.name != "rejects").map(OutputLayer::Whole).collect();
    let mut files = write_run_outputs(stage.path(), out, &loaded, &layers, &[])?;
    let summary = ExtractSummary {
        crs: loaded.crs.name(),
        layers: output_layer_counts(&layers),
        rejects: loaded.dataset.rejects.len(),
        estimated_population: loaded.dataset.estates.iter().map(|e| e.population).sum(),
        osm: loaded.osm_stats.clone(),
        survey_rows_applied: loaded.survey.as_ref().map(|r| r.matched),
        survey_rows_not_applied: loaded.survey.as_ref().map(|r| r.rows_not_applied()),
        survey_cells_left_out: loaded.survey.as_ref().map(|r| r.cells_left_out()),
        files: final_paths(stage.path(), &out.dir, &files),
    };
    // extract.json last: its presence says the run completed.
    files.push(write_json_with_provenance(stage.path(), "extract.json", &summary, &loaded.provenance)?);
    commit_run(stage, &files)?;
    tracing::info!(out = %out.dir.display(), layers = layers.len(), rejects = summary.rejects, "extract written");
    Ok(summary)
}
