//! `lifecircle coverage`: the walking distance from every estate to each facility category along the
//! pedestrian network, judged against the life-circle distances of GB 50180-2018 (5-, 10-, 15-minute: 300,
//! 500, 1,000 m, as the profile sets them) and weighted by residents ([`crate::coverage`]); written as the
//! coverage layers, `coverage.csv`, `delta.json` for a scenario, and `coverage.json`, written last: its
//! presence says the run completed. `plan` and `sites` share [`run_coverage`].

use crate::coverage::{self, CoverageOptions, CoverageRun};
use crate::error::{Error, Result};
use crate::pipeline::load::{InputSpec, Loaded, load};
use crate::pipeline::outputs::{OutputSpec, commit_run, output_layer_counts, prepare_output, write_json_file, write_json_with_provenance, write_run_outputs, write_text_file};
use crate::write::atomic;
use crate::write::layer::{OutputLayer, PartedLayer};
use serde::Serialize;
use std::collections::BTreeMap;
use std::time::Instant;

/// What `coverage` wrote, besides `coverage.json` (the [`coverage::summary::CoverageSummary`]).
#[derive(Debug, Clone, Serialize)]
pub struct CoverageFiles {
    pub layers: BTreeMap<String, usize>,
    pub files: Vec<String>,
}

/// The must-have categories each estate fails (estate id → category keys), for bundle gaps.
pub fn failing_must_have(loaded: &Loaded, run: &CoverageRun) -> BTreeMap<String, Vec<String>> {
    let keys: Vec<(usize, &str)> = loaded.profile.categories.iter().enumerate().filter(|(_, c)| c.must_have).map(|(i, c)| (i, c.key.as_str())).collect();
    loaded
        .dataset
        .estates
        .iter()
        .zip(&run.baseline.ok)
        .map(|(e, ok)| (e.id.clone(), keys.iter().filter(|(i, _)| !ok[*i]).map(|(_, k)| k.to_string()).collect()))
        .collect()
}

/// Run the coverage analysis on loaded inputs, with the run's rejects added to the dataset's.
pub fn run_coverage(loaded: &mut Loaded, opts: &CoverageOptions) -> Result<CoverageRun> {
    if loaded.dataset.estates.is_empty() {
        return Err(Error::Usage("no estates: the inputs hold no estate to measure coverage for (see rejects with `lifecircle extract`)".into()));
    }
    // Without any way, coverage::run_coverage refuses unless --distance straight asks for estimates.
    let started = Instant::now();
    let opts = &CoverageOptions { working_crs: opts.working_crs.or(Some(loaded.crs)), ..opts.clone() };
    let run = coverage::run_coverage(&loaded.dataset, &loaded.profile, opts)?;
    if let Some(dem) = &opts.dem {
        loaded.provenance.record_input("dem", dem)?;
    }
    if run.straight_line_detour.is_none() {
        let compared = if opts.walker_compare { " + elderly, wheelchair" } else { "" };
        loaded.provenance.walker = Some(format!("{}{compared}", opts.walker.as_str()));
    }
    for (stage, seconds) in &run.timings_s {
        tracing::debug!(stage, seconds, "coverage stage");
    }
    tracing::info!(estates = loaded.dataset.estates.len(), categories = loaded.profile.categories.len(), seconds = started.elapsed().as_secs_f64(), "coverage computed");
    loaded.dataset.rejects.extend(run.rejects.iter().cloned());
    Ok(run)
}

/// `lifecircle coverage`: walking distances, life-circle verdicts, Ga2SFCA, service areas, scenario.
pub fn coverage(input: &InputSpec, out: &OutputSpec, opts: &CoverageOptions) -> Result<CoverageFiles> {
    prepare_output(out)?;
    let mut loaded = load(input)?;
    let run = run_coverage(&mut loaded, opts)?;
    crate::report::data_quality::data_quality(&loaded.dataset, &loaded.profile, &loaded.layer_reads, &run, loaded.ways_clipped()).warn();
    let layers = coverage_output_layers(&run, &loaded)?;
    let csv = coverage::summary::summary_csv(&run.summary)?;
    let stage = atomic::StagingFolder::create(&out.dir)?;
    let mut files = write_run_outputs(stage.path(), out, &loaded, &layers, &[])?;
    files.push(write_text_file(stage.path(), "coverage.csv", &csv)?);
    if let Some(delta) = run.delta() {
        files.push(write_json_file(stage.path(), "delta.json", delta)?);
    }
    // coverage.json last: its presence says the run completed.
    files.push(write_json_with_provenance(stage.path(), "coverage.json", &run.summary, &loaded.provenance)?);
    let files = commit_run(stage, &files)?;
    Ok(CoverageFiles { layers: output_layer_counts(&layers), files: files.iter().map(|p| p.display().to_string()).collect() })
}

/// The coverage layers in writing order, the `network` layer made a part at a time as it is written (a
/// city's millions of edges never held whole).
fn coverage_output_layers<'a>(run: &'a CoverageRun, loaded: &'a Loaded) -> Result<Vec<OutputLayer<'a>>> {
    use coverage::layers::{analysis_layers, islands_layer, network_layer_part, shown_network};
    let (data, crs) = (&loaded.dataset, loaded.crs);
    let a = analysis_layers(run, data, &loaded.profile, crs)?;
    let network = shown_network(run);
    let part = move |edges: std::ops::Range<usize>| network_layer_part(network, data, crs, crate::write::wgs84::to_wgs84_all, edges);
    let parted = PartedLayer::new(part(0..0)?, network.graph.edges.len(), Box::new(part));
    // In CoverageLayers::into_vec's order: the analysis layers, then the network's two.
    let mut layers: Vec<OutputLayer<'a>> = a.into_vec().into_iter().map(OutputLayer::Whole).collect();
    layers.push(OutputLayer::Parted(parted));
    layers.push(OutputLayer::Whole(islands_layer(&run.network, crs, crate::write::wgs84::to_wgs84_all)?));
    Ok(layers)
}
