//! `lifecircle plan`: the whole plan in one run — read → coverage → bundles → sites — written as the
//! planner's package: one styled GeoPackage, GeoJSON copies with their QGIS styles, `report.html`, the
//! printable `coverage_map.png` / `.svg`, CSV tables and `summary.json`, written last: its presence says the
//! run completed (`batch` skips an area whose folder holds it).
//!
//! How the writing overlaps the work: once coverage is known, the walking network's layers are written on a
//! thread of their own ([`network_layers`](super::network_layers)) while bundles and sites are worked out;
//! then the GeoPackage, the GeoJSON copies, the report and the map are written side by side (rayon), taking
//! the time of the slowest instead of the sum. Everything lands in a staging folder moved into place at the
//! end.

use crate::bundle::{self, BundleOptions, BundleRun};
use crate::coverage::{self, CoverageOptions, CoverageRun};
use crate::error::{Error, Result};
use crate::pipeline::bundle::{BundleOutputs, BundleSummary, bundle_outputs};
use crate::pipeline::coverage::{failing_must_have, run_coverage};
use crate::pipeline::load::{InputSpec, Loaded, load};
use crate::pipeline::network_layers::{NetworkWritten, PlanPaths, write_network_layers};
use crate::pipeline::outputs::{
    OutputSpec, commit_run, final_paths, output_layer_counts, prepare_output, write_json_file, write_output_geojson_with_style, write_survey_report, write_text_file,
};
use crate::pipeline::plan_report::{PlanFigures, plan_title, report_map_layers, report_summary};
use crate::pipeline::stages::Stages;
use crate::report::map::CoverageMapFiles;
use crate::report::summary::ReportSummary;
use crate::siting::{self, BundleSites, SitingOptions, SitingRun};
use crate::write::layer::{Layer, OutputLayer};
use crate::write::geopackage::GeoPackageWriter;
use crate::write::{atomic, csv_table, model_layers};
use crate::report::{LayerStyle, Wording};
use rayon::prelude::*;
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// What `plan` ran with, beside the inputs.
#[derive(Debug, Clone, Default)]
pub struct PlanOptions {
    pub coverage: CoverageOptions,
    pub bundle: BundleOptions,
    pub siting: SitingOptions,
    /// The report's and map's title; default: `<place> 社区生活圈评估与老旧小区改造片区规划` for the place the
    /// data names, else the input file's name.
    pub title: Option<String>,
}

/// `summary.json`: the key figures of every stage.
#[derive(Debug, Clone, Serialize)]
pub struct PlanSummary {
    pub title: String,
    pub crs: String,
    pub estates: usize,
    pub population: f64,
    pub rejects: usize,
    pub coverage: coverage::summary::CoverageSummary,
    pub bundles: BundleSummary,
    /// Coverage once the recommended sites are built.
    pub coverage_after_sites: coverage::summary::CoverageSummary,
    pub sites: usize,
    /// Sites recommended per renovation bundle for its own gaps (the `bundle_sites` layer).
    pub bundle_sites: usize,
    pub stage_seconds: BTreeMap<String, f64>,
    pub files: Vec<String>,
    pub attribution: String,
    /// What the input data lacks ([`crate::report::data_quality`]).
    pub data_quality: crate::report::data_quality::DataQuality,
    /// How this plan was made: version, command line, profile and input checksums, CRS, date.
    pub provenance: crate::provenance::Provenance,
}

/// `lifecircle plan`: extract → coverage → bundles, then the planner's package: one styled GeoPackage,
/// GeoJSON copies with QGIS styles, `report.html`, `coverage_map.png` / `.svg`, CSV tables, `summary.json`.
/// `opts.bundle` must have passed [`BundleOptions::check`] (the command line checks it when it reads the flags).
pub fn plan(input: &InputSpec, out: &OutputSpec, opts: &PlanOptions, show_progress: bool) -> Result<PlanSummary> {
    prepare_output(out)?;
    let mut stages = Stages::new(show_progress);
    stages.start("read inputs");
    let loaded = load(input)?;
    plan_in_prepared_output(loaded, input, out, opts, stages)
}

/// The plan on inputs already read (`batch` reads once and plans each area).
pub fn plan_loaded(loaded: Loaded, input: &InputSpec, out: &OutputSpec, opts: &PlanOptions, stages: Stages) -> Result<PlanSummary> {
    prepare_output(out)?;
    plan_in_prepared_output(loaded, input, out, opts, stages)
}

/// The plan from coverage on, into an output folder [`prepare_output`] has checked.
fn plan_in_prepared_output(mut loaded: Loaded, input: &InputSpec, out: &OutputSpec, opts: &PlanOptions, mut stages: Stages) -> Result<PlanSummary> {
    stages.start("coverage");
    let coverage = run_coverage(&mut loaded, &opts.coverage)?;
    let loaded = &loaded;
    // Everything goes into a staging folder, moved into `out` once all is written (summary.json last).
    let stage = atomic::StagingFolder::create(&out.dir)?;
    let paths = PlanPaths { out_crs: out.out_crs, ..PlanPaths::in_stage(stage.path()) };
    std::fs::create_dir_all(&paths.geojson_dir).map_err(|e| Error::output(&paths.geojson_dir, e))?;
    let wording = Wording::new(out.lang, &loaded.profile);
    std::thread::scope(|scope| {
        // The walking network's layers (a city's millions of edges) go into the GeoPackage and GeoJSON on
        // a thread of their own while bundles and sites are worked out, and are dropped once written.
        let network_job = scope.spawn(|| write_network_layers(&coverage, &loaded.dataset, loaded.crs, &paths, &wording));
        let network_written = || network_job.join().unwrap_or_else(|_| Err(Error::Internal("the thread writing the network layers panicked".into())));
        let run = PlanRun { loaded, coverage: &coverage, input, out, opts, paths: &paths, wording: &wording };
        run.analyse_and_write(stages, stage, network_written)
    })
}

/// One plan, its coverage known: what it was given and where it writes.
struct PlanRun<'a> {
    loaded: &'a Loaded,
    coverage: &'a CoverageRun,
    input: &'a InputSpec,
    out: &'a OutputSpec,
    opts: &'a PlanOptions,
    paths: &'a PlanPaths,
    /// The words of the report, the map and the styles, in `out.lang`.
    wording: &'a Wording,
}

/// The plan's sites: for the whole area, and for each bundle's own gaps.
struct Sited {
    run: SitingRun,
    bundle_sites: Vec<BundleSites>,
}

impl Sited {
    fn bundle_site_count(&self) -> usize {
        self.bundle_sites.iter().map(|b| b.sites.len()).sum()
    }
}

/// What the four writers running side by side returned.
struct SideBySide {
    gpkg: Result<()>,
    geojson: Result<Vec<Vec<PathBuf>>>,
    report: Result<()>,
    map: Result<CoverageMapFiles>,
}

impl<'a> PlanRun<'a> {
    /// Bundles, sites and every output but the network layers, which `network_written` hands over.
    fn analyse_and_write(&self, mut stages: Stages, stage: atomic::StagingFolder, network_written: impl FnOnce() -> Result<NetworkWritten>) -> Result<PlanSummary> {
        let (loaded, sd) = (self.loaded, &self.paths.dir);
        stages.start("bundles");
        let data_quality = crate::report::data_quality::data_quality(&loaded.dataset, &loaded.profile, &loaded.layer_reads, self.coverage, loaded.ways_clipped());
        data_quality.warn();
        let failing = failing_must_have(loaded, self.coverage);
        let bundle_run = bundle::run_bundles(&loaded.dataset, &self.opts.bundle, Some(&failing))?;
        stages.start("sites");
        let mut sited = self.site(&bundle_run)?;
        stages.start("layers");
        let (mut layers, bundles_table, mut bundle_summary) = self.layers(&bundle_run, &mut sited)?;
        stages.start("network layers written");
        let NetworkWritten { gpkg, files: network_files, styles: network_styles, counts: network_counts, slope_map } = network_written()?;
        stages.start("GeoPackage, GeoJSON, report and map");
        // What the report and the map show, worked out before the writers start. The walking network of a
        // whole city is left to the GeoPackage, and so is any layer too big for a browser to draw.
        let title = plan_title(self.opts.title.as_deref(), self.input, loaded, self.wording);
        let (mut shown, mut left_out) = report_map_layers(&layers, self.wording);
        // On a DEM, the network graded by its slope factor (the slope map) under everything else.
        if let Some(network) = &slope_map {
            match crate::pipeline::plan_report::fits_report_map(network, self.wording) {
                Ok(()) => shown.insert(0, network),
                Err(line) => left_out.push(line),
            }
        }
        bundle_summary.layers = output_layer_counts(&layers);
        bundle_summary.layers.extend(network_counts);
        let report = report_summary(PlanFigures {
            loaded,
            input: self.input,
            coverage: self.coverage,
            bundles: &bundle_run,
            eligibility: &bundle_summary.eligibility,
            siting: &sited.run,
            bundle_sites: sited.bundle_site_count(),
            left_out_of_maps: left_out,
            data_quality: &data_quality,
            no_bundles: bundle_summary.no_bundles.as_ref(),
        }, self.wording);
        let written = self.write_side_by_side(&layers, gpkg, network_styles, &shown, &report, &title);
        written.gpkg?;
        let mut files = vec![self.paths.gpkg.clone()];
        files.extend(network_files);
        files.extend(written.geojson?.into_iter().flatten());
        // The GeoPackage and GeoJSON hold every layer now: only the workbook's stay (a city's candidates
        // are half a gigabyte, and the workbook of its estates another third).
        layers.retain(|l| crate::write::xlsx::reads_layer(&l.schema().name));
        files.extend(self.write_tables(&sited.run, &bundles_table)?);
        files.push(crate::write::xlsx::write_plan_workbook_with_about(sd, self.out.lang, &loaded.profile, &layers.iter().filter_map(OutputLayer::whole).collect::<Vec<_>>(), &report.data_quality, Some(&loaded.provenance))?);
        written.report?;
        let map = written.map?;
        files.extend([sd.join("report.html"), map.svg, map.png]);
        stages.finish();

        let summary = PlanSummary {
            title,
            crs: loaded.crs.name(),
            estates: loaded.dataset.estates.len(),
            population: loaded.dataset.estates.iter().map(|e| e.population).sum(),
            rejects: loaded.dataset.rejects.len(),
            coverage: self.coverage.summary.clone(),
            bundles: bundle_summary,
            coverage_after_sites: sited.run.coverage_after.clone(),
            sites: sited.run.sites.len(),
            bundle_sites: sited.bundle_site_count(),
            stage_seconds: stages.seconds.clone(),
            files: final_paths(sd, &self.out.dir, &files),
            attribution: crate::report::html::ODBL_ATTRIBUTION.to_string(),
            data_quality,
            provenance: loaded.provenance.clone(),
        };
        files.push(write_json_file(sd, "summary.json", &summary)?);
        commit_run(stage, &files)?;
        tracing::info!(seconds = stages.total_s(), "plan written");
        Ok(summary)
    }

    /// The plan's sites, and each bundle's gaps sited for its own residents on the same candidates and reach.
    fn site(&self, bundle_run: &BundleRun) -> Result<Sited> {
        let (loaded, opts) = (self.loaded, &self.opts.siting);
        let categories = siting::resolve_categories(&loaded.profile, self.coverage, &loaded.dataset, opts.categories.as_deref())?;
        let siting_plan = siting::plan(&loaded.dataset, &loaded.profile, self.coverage, &categories, opts)?;
        let bundle_of: BTreeMap<String, String> = bundle_run.estates.iter().filter_map(|r| Some((r.estate_id.clone(), r.bundle_id.clone()?))).collect();
        let gaps: BTreeMap<String, Vec<String>> =
            bundle_run.bundles.iter().filter_map(|b| b.gaps.clone().filter(|g| !g.is_empty()).map(|g| (b.id.clone(), g))).collect();
        let started = std::time::Instant::now();
        let bundle_sites = siting::site_bundles_on_plan(&loaded.dataset, &siting_plan, &bundle_of, &gaps, opts.k);
        let n_bundle_sites: usize = bundle_sites.iter().map(|b| b.sites.len()).sum();
        tracing::debug!(bundles = gaps.len(), sites = n_bundle_sites, seconds = started.elapsed().as_secs_f64(), "bundles sited");
        let started = std::time::Instant::now();
        let run = siting::run_siting_on_plan(&loaded.dataset, &loaded.profile, self.coverage, siting_plan, opts);
        tracing::debug!(sites = run.sites.len(), seconds = started.elapsed().as_secs_f64(), "plan sited");
        Ok(Sited { run, bundle_sites })
    }

    /// Every layer of the plan but the network's, in the GeoPackage's order; the bundles table for
    /// `bundles.csv` and the bundle summary.
    ///
    /// The candidates move into their layer (nothing after reads them: the report counts sites), whose rows
    /// are made a part at a time as the GeoPackage and GeoJSON are written ([`OutputLayer::Parted`]): a
    /// city's open land is never held as a second, bigger table of rows.
    fn layers(&self, bundle_run: &BundleRun, sited: &mut Sited) -> Result<(Vec<OutputLayer<'a>>, Layer, BundleSummary)> {
        let (loaded, crs) = (self.loaded, self.loaded.crs);
        let cov = coverage::layers::analysis_layers(self.coverage, &loaded.dataset, &loaded.profile, crs)?;
        let BundleOutputs { layers: bundle_layers, table, summary } = bundle_outputs(loaded, bundle_run)?;
        let mut estates = cov.estates;
        estates.join_fields(&bundle_layers.estates, "estate_id");
        let whole = OutputLayer::Whole;
        let layers = vec![
            whole(estates),
            whole(cov.facilities),
            whole(cov.facility_footprints),
            whole(cov.service_areas),
            whole(cov.service_lines),
            whole(bundle_layers.bundles),
            whole(siting::layers::sites_layer(&sited.run.sites, crs)?),
            whole(siting::layers::bundle_sites_layer(&sited.bundle_sites, crs)?),
            OutputLayer::Parted(siting::layers::candidates_layer_parted(std::mem::take(&mut sited.run.candidates), self.wording, crs)?),
            whole(bundle_layers.adjacency),
            whole(bundle_layers.lift_candidates),
            whole(model_layers::idle_land_layer(&loaded.dataset.parcels, crs)?),
            whole(model_layers::protected_land_layer(&loaded.dataset.protected_land, crs)?),
            whole(model_layers::gates_layer(&loaded.dataset.gates, crs)?),
            whole(model_layers::barriers_layer(&loaded.dataset.barriers, crs)?),
            whole(model_layers::barrier_areas_layer(&loaded.dataset.barriers, crs)?),
            whole(cov.access_points),
            whole(model_layers::rejects_layer(&loaded.dataset.rejects, Some(crs))),
        ];
        Ok((layers, table, summary))
    }

    /// The GeoPackage (GDAL, one thread; the network layers are already in it), the GeoJSON copies, the
    /// HTML report and the printable map are independent files: written side by side, they take the time of
    /// the slowest instead of the sum. The printed map shows the plan's sites; each bundle's own are in the
    /// report's table and the GeoPackage.
    fn write_side_by_side(&self, layers: &[OutputLayer<'a>], mut gpkg: GeoPackageWriter, network_styles: Vec<LayerStyle>, shown: &[&Layer], report: &ReportSummary, title: &str) -> SideBySide {
        let sd = &self.paths.dir;
        let mapped: Vec<&Layer> = shown.iter().copied().filter(|l| l.name != "bundle_sites").collect();
        let writers_started = std::time::Instant::now();
        // Each layer's QGIS style, made once for its `.qml` file and the GeoPackage.
        let styles: Vec<LayerStyle> = layers.par_iter().map(|l| crate::report::layer_style(l.style_source(), self.wording)).collect();
        let (gpkg_written, (geojson_written, (report_written, map))) = rayon::join(
            || -> Result<()> {
                let started = std::time::Instant::now();
                for layer in layers {
                    gpkg.write_output(layer)?;
                }
                gpkg.finish()?;
                crate::report::store_layer_styles(&self.paths.gpkg, network_styles.iter().chain(&styles))?;
                crate::write::geopackage::store_provenance(&self.paths.gpkg, &self.loaded.provenance)?;
                tracing::debug!(seconds = started.elapsed().as_secs_f64(), "GeoPackage written");
                Ok(())
            },
            || {
                rayon::join(
                    || -> Result<Vec<Vec<PathBuf>>> {
                        layers.par_iter().zip(&styles).map(|(layer, style)| write_output_geojson_with_style(&self.paths.geojson_dir, layer, style)).collect()
                    },
                    || {
                        rayon::join(
                            || {
                                let started = std::time::Instant::now();
                                let written = crate::report::write_report(&sd.join("report.html"), shown, report, title, self.wording);
                                tracing::debug!(seconds = started.elapsed().as_secs_f64(), "report written");
                                written
                            },
                            || {
                                let started = std::time::Instant::now();
                                let mut options = crate::report::map::MapOptions::a4_landscape(title, self.wording);
                                if let Some(detour) = self.coverage.straight_line_detour {
                                    // Estimated distances: the map says so under its title.
                                    let note = self.wording.tr_with("report.distance_straight", &[("detour", &detour)]);
                                    options.subtitle = format!("{} · {note}", options.subtitle);
                                }
                                let written = crate::report::write_coverage_map(sd, &mapped, &options, self.wording);
                                tracing::debug!(seconds = started.elapsed().as_secs_f64(), "printable map written");
                                written
                            },
                        )
                    },
                )
            },
        );
        tracing::debug!(seconds = writers_started.elapsed().as_secs_f64(), "GeoPackage, GeoJSON, report and map written");
        SideBySide { gpkg: gpkg_written, geojson: geojson_written, report: report_written, map }
    }

    /// The survey report, the CSV tables and the JSON results beside the summary; returns the files written.
    fn write_tables(&self, siting_run: &SitingRun, bundles_table: &Layer) -> Result<Vec<PathBuf>> {
        let (sd, run) = (&self.paths.dir, self.coverage);
        let mut files = Vec::new();
        if let Some(report) = &self.loaded.survey {
            files.push(write_survey_report(sd, report)?);
        }
        files.push(write_text_file(sd, "coverage.csv", &coverage::summary::summary_csv(&run.summary)?)?);
        files.push(write_text_file(sd, "sites.csv", &siting::layers::sites_csv(&siting_run.sites)?)?);
        let bundles_csv = sd.join("bundles.csv");
        csv_table::write_layer_csv(&bundles_csv, bundles_table)?;
        files.push(bundles_csv);
        for (name, value) in [
            ("coverage.json", serde_json::to_value(&run.summary)),
            ("coverage_after.json", serde_json::to_value(&siting_run.coverage_after)),
            ("delta.json", serde_json::to_value(run.delta())),
        ] {
            let value = value.map_err(|e| Error::Internal(format!("serialising {name}: {e}")))?;
            if !value.is_null() {
                files.push(write_json_file(sd, name, &value)?);
            }
        }
        Ok(files)
    }
}
