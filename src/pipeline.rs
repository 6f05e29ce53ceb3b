//! The stages glued together for the subcommands: read the inputs into one [`Dataset`] in the working CRS
//! (OpenStreetMap and/or planners' layers, then the survey table and the population estimate), run the
//! analyses, and write every layer, the rejects and the JSON summaries into the output folder.
//!
//! `plan` overlaps its writing with its work: once coverage is known, a thread of its own converts and
//! writes the walking network's layers (a city's millions of edges; GDAL's GeoPackage writer is serial)
//! into the staged GeoPackage and GeoJSON while bundles and sites are worked out, then drops them; the
//! other layers, the HTML report and the printable map are then written side by side. Everything lands in
//! a staging folder that is moved into place at the end.

use crate::crs::WorkingCrs;
pub use crate::crs::china::InputCoords;
use crate::error::{Error, Result};
use crate::write::layer::Layer;
use crate::read::osm::{self, ExtractStats};
use crate::read::planner_layers::{self, LayerFields, LayerKind};
use crate::read::survey::{self, SurveyReport};
use crate::bundle::{self, BundleOptions};
use crate::coverage::{self, CoverageOptions, CoverageRun};
use crate::siting::{self, SitingOptions};
use crate::gdal_errors;
use crate::write::{atomic, csv_table, geojson, geopackage, model_layers, rejects};
use rayon::prelude::*;
use std::collections::BTreeMap;
use crate::model::Dataset;
use crate::estates::population;
use crate::profile::Profile;
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Field names of planners' layers, as given on the command line; `None` reads the default field of the
/// layer kind or its Chinese alias (see [`crate::read::planner_layers`]), and is not an error when absent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LayerFieldNames {
    pub id_field: Option<String>,
    pub name_field: Option<String>,
    pub category_field: Option<String>,
    pub population_field: Option<String>,
    pub households_field: Option<String>,
}

/// Every input of a run.
#[derive(Debug, Clone, Default)]
pub struct InputSpec {
    pub osm: Option<PathBuf>,
    pub estates: Option<PathBuf>,
    pub facilities: Option<PathBuf>,
    pub network: Option<PathBuf>,
    pub gates: Option<PathBuf>,
    pub buildings: Option<PathBuf>,
    pub idle_land: Option<PathBuf>,
    pub barriers: Option<PathBuf>,
    pub boundaries: Option<PathBuf>,
    pub survey: Option<PathBuf>,
    pub profile: Option<PathBuf>,
    pub crs: Option<String>,
    pub input_coords: InputCoords,
    pub fields: LayerFieldNames,
}

impl InputSpec {
    /// The planners' layer files given, with the model type each is read as.
    fn layer_files(&self) -> Vec<(LayerKind, &Path)> {
        [
            (LayerKind::Estates, &self.estates),
            (LayerKind::Facilities, &self.facilities),
            (LayerKind::Ways, &self.network),
            (LayerKind::Gates, &self.gates),
            (LayerKind::Buildings, &self.buildings),
            (LayerKind::Parcels, &self.idle_land),
            (LayerKind::Barriers, &self.barriers),
            (LayerKind::Boundaries, &self.boundaries),
        ]
        .into_iter()
        .filter_map(|(kind, path)| path.as_deref().map(|p| (kind, p)))
        .collect()
    }
}

/// Output file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OutputFormat {
    /// One RFC 7946 GeoJSON file per layer.
    #[default]
    GeoJson,
    /// One GeoPackage, `lifecircle.gpkg`, holding every layer.
    GeoPackage,
}

/// Where and how results are written.
#[derive(Debug, Clone)]
pub struct OutputSpec {
    pub dir: PathBuf,
    pub format: OutputFormat,
    /// The language of what a person reads: report, map, QGIS styles (legends, layer titles, field aliases).
    pub lang: crate::lang::Lang,
}

/// The inputs read into the model.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub dataset: Dataset,
    pub crs: WorkingCrs,
    pub profile: Profile,
    /// What the OpenStreetMap reader read, when `--osm` was given.
    pub osm_stats: Option<ExtractStats>,
    /// How the survey table joined, when `--survey` was given.
    pub survey: Option<SurveyReport>,
}

/// Route GDAL's and PROJ's own error printing into our messages (they print `ERROR 1: ...` and
/// `proj_create: crs not found` otherwise; our errors already say what failed, naming the file).
pub fn install_quiet_library_handlers() {
    gdal_errors::install_error_handler();
    // PROJ copies the default context's log level into every context it creates (`proj_context_create`
    // copies `pj_get_default_ctx()`), and the `proj` crate creates one per transformer: silencing the
    // default context (a null pointer means it, PROJ API `proj_log_level`) silences them all.
    // SAFETY: a null context is documented as the default context; the call only sets its log level.
    unsafe {
        proj_sys::proj_log_level(std::ptr::null_mut(), proj_sys::PJ_LOG_LEVEL_PJ_LOG_NONE);
    }
}

/// Read every input named in `spec` into one dataset in the working CRS.
pub fn load(spec: &InputSpec) -> Result<Loaded> {
    let started = Instant::now();
    let profile = match &spec.profile {
        Some(path) => Profile::load(path)?,
        None => Profile::default_profile(),
    };
    let mut crs = spec.crs.as_deref().map(WorkingCrs::parse).transpose()?;
    let layer_files = spec.layer_files();
    if spec.osm.is_none() && layer_files.is_empty() {
        return Err(Error::Usage(
            "no map data given: pass --osm FILE.osm.pbf, or planners' layers such as --estates E --facilities F --network N".into(),
        ));
    }
    let mut dataset = Dataset::default();
    let mut osm_stats = None;
    if let Some(path) = &spec.osm {
        let mut extract = osm::read_osm(path, &profile, crs)?;
        crate::estates::derive_estates(&mut extract, &profile);
        tracing::info!(file = %path.display(), crs = %extract.crs.name(), seconds = started.elapsed().as_secs_f64(), "read OpenStreetMap");
        crs = Some(extract.crs);
        dataset = extract.dataset;
        osm_stats = Some(extract.stats);
    }
    let fields = LayerFields {
        id_field: spec.fields.id_field.clone(),
        name_field: spec.fields.name_field.clone(),
        category_field: spec.fields.category_field.clone(),
        population_field: spec.fields.population_field.clone(),
        households_field: spec.fields.households_field.clone(),
    };
    for (kind, path) in layer_files {
        let (data, rejected) = planner_layers::read_planner_layer(kind, path, &fields, &mut crs, spec.input_coords, &profile)?;
        if kind == LayerKind::Ways && data.is_empty() {
            // Walking distances need at least one line: an empty network is a wrong file, not a result.
            let problem = match rejected.first() {
                None => "the network layer has no features, so no walking distance can be measured".to_string(),
                Some(first) => format!("none of the network layer's {} features is a usable line (the first, `{}`: {})", rejected.len(), first.source_id, first.reason),
            };
            return Err(Error::input(path, problem, "give the walkable lines (LineString / MultiLineString) with --network, or drop --network to use only --osm"));
        }
        tracing::info!(file = %path.display(), layer = kind.name(), features = data.len(), rejects = rejected.len(), "read layer");
        data.append_to(&mut dataset);
        dataset.rejects.extend(rejected);
    }
    let crs = crs.ok_or_else(|| Error::Internal("no working CRS was chosen".into()))?;
    let survey = match &spec.survey {
        Some(path) => {
            let table = survey::read_survey(path)?;
            let report = survey::apply_survey(&table, &mut dataset.estates, profile.population.household_size);
            tracing::info!(file = %path.display(), matched = report.matched, not_applied = report.issues.len(), "joined survey");
            Some(report)
        }
        None => None,
    };
    // Planners' estates (and OSM estates when more buildings were given) get the floor-area estimate;
    // survey and layer figures are kept (estimate_population does not overwrite them).
    if spec.buildings.is_some() || spec.estates.is_some() {
        population::estimate_population(&mut dataset.estates, &dataset.buildings, &profile.population);
    }
    Ok(Loaded { dataset, crs, profile, osm_stats, survey })
}

/// Create the output folder and check that it can be written, before any work is done.
pub fn prepare_output(out: &OutputSpec) -> Result<()> {
    if out.dir.exists() && !out.dir.is_dir() {
        return Err(Error::output(&out.dir, "it is a file, not a folder; pass --out with a folder name"));
    }
    std::fs::create_dir_all(&out.dir).map_err(|e| Error::output(&out.dir, e))?;
    let probe = out.dir.join(format!(".lifecircle-write-test-{}", std::process::id()));
    std::fs::write(&probe, b"").map_err(|e| Error::output(&out.dir, e))?;
    let _ = std::fs::remove_file(&probe);
    Ok(())
}

/// Write layers in the chosen format; returns the paths written.
pub fn write_layers(out: &OutputSpec, layers: &[Layer]) -> Result<Vec<PathBuf>> {
    match out.format {
        OutputFormat::GeoJson => layers
            .iter()
            .map(|layer| {
                let path = out.dir.join(format!("{}.geojson", layer.name));
                geojson::write_geojson(&path, layer)?;
                Ok(path)
            })
            .collect(),
        OutputFormat::GeoPackage => {
            let path = out.dir.join("lifecircle.gpkg");
            geopackage::write_geopackage(&path, layers)?;
            Ok(vec![path])
        }
    }
}

/// Write a value as pretty JSON, atomically.
pub fn write_json<T: Serialize>(path: &Path, value: &T) -> Result<()> {
    let mut bytes = serde_json::to_vec_pretty(value).map_err(|e| Error::Internal(format!("serialising {}: {e}", path.display())))?;
    bytes.push(b'\n');
    atomic::write_bytes_atomically(path, &bytes)
}

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
    pub files: Vec<String>,
}

/// Write a run's map layers (in the chosen format), its rejects, the survey report and CSV tables into the
/// staging folder `stage`; returns the staged paths. `map_layers` must not hold the rejects: they are
/// added here (a GeoPackage table, or `rejects.geojson` with `rejects.csv` for unlocated rejects). Every
/// layer gets its QGIS style in `lang` (legend, field aliases): stored in the GeoPackage, or a `.qml`
/// beside each GeoJSON file.
pub fn write_run_outputs(stage: &Path, format: OutputFormat, lang: crate::lang::Lang, loaded: &Loaded, map_layers: &[Layer], tables: &[(&str, &Layer)]) -> Result<Vec<PathBuf>> {
    let staged_out = OutputSpec { dir: stage.to_path_buf(), format, lang };
    let wording = crate::report::Wording::new(lang, &loaded.profile);
    let mut files = match format {
        OutputFormat::GeoPackage => {
            let mut all = map_layers.to_vec();
            all.push(model_layers::rejects_layer(&loaded.dataset.rejects, Some(loaded.crs)));
            let files = write_layers(&staged_out, &all)?;
            let styles: Vec<crate::report::LayerStyle> = all.iter().map(|l| crate::report::layer_style(l, &wording)).collect();
            crate::report::store_layer_styles(&stage.join("lifecircle.gpkg"), &styles)?;
            files
        }
        OutputFormat::GeoJson => {
            let mut files = write_layers(&staged_out, map_layers)?;
            let rejects_files = rejects::write_rejects(stage, &loaded.dataset.rejects, Some(loaded.crs))?;
            // The rejects' style (aliases) from the layer's fields: the layer itself is written above.
            let rejects_schema = model_layers::rejects_layer(&[], Some(loaded.crs));
            for layer in map_layers.iter().chain(rejects_files.iter().any(|f| f.ends_with("rejects.geojson")).then_some(&rejects_schema)) {
                files.extend(crate::report::write_qml_beside(&stage.join(format!("{}.geojson", layer.name)), layer, &wording)?);
            }
            files.extend(rejects_files);
            files
        }
    };
    if let Some(report) = &loaded.survey {
        let path = stage.join("survey_unmatched.csv");
        survey::write_survey_report_csv(&path, report)?;
        files.push(path);
    }
    for (name, table) in tables {
        let path = stage.join(name);
        csv_table::write_layer_csv(&path, table)?;
        files.push(path);
    }
    Ok(files)
}

/// The most vertices a layer may have to be drawn in `report.html` and the printable map. A browser draws
/// a few hundred thousand smoothly; a city's service-area lines have tens of millions.
pub const REPORT_MAP_MAX_VERTICES: usize = 500_000;

/// The layers the report's maps draw (estates, facilities and their footprints, service areas and lines,
/// bundles, sites, idle land) and,
/// for those left out because they exceed [`REPORT_MAP_MAX_VERTICES`], a line saying so.
fn report_map_layers<'a>(layers: &'a [Layer], wording: &crate::report::Wording) -> (Vec<&'a Layer>, Vec<String>) {
    use geo::CoordsIter;
    let mut shown = Vec::new();
    let mut left_out = Vec::new();
    for l in layers.iter().filter(|l| matches!(l.name.as_str(), "estates" | "facilities" | "facility_footprints" | "service_areas" | "service_lines" | "bundles" | "sites" | "bundle_sites" | "idle_land")) {
        let vertices: usize = l.features.iter().filter_map(|f| f.geometry.as_ref()).map(|g| g.coords_count()).sum();
        if vertices > REPORT_MAP_MAX_VERTICES {
            left_out.push(wording.tr_with("report.figures.left_out_layer", &[("layer", &wording.layer_title(&l.name)), ("features", &l.features.len()), ("vertices", &vertices)]));
        } else {
            shown.push(l);
        }
    }
    (shown, left_out)
}

/// Outputs a run writes only in some cases: `rejects.csv` when some reject has no geometry,
/// `survey_unmatched.csv` when a survey is given.
const OCCASIONAL_OUTPUTS: [&str; 2] = ["rejects.csv", "survey_unmatched.csv"];

/// Move a run's staged files into the output folder and remove the occasional outputs an earlier run
/// left there that this run did not write (they would describe the earlier run).
fn commit_run(stage: atomic::StagingFolder, files: &[PathBuf]) -> Result<Vec<PathBuf>> {
    stage.commit_superseding(files, &OCCASIONAL_OUTPUTS)
}

/// Features per layer, rejects left out.
fn layer_counts(layers: &[Layer]) -> BTreeMap<String, usize> {
    layers.iter().filter(|l| l.name != "rejects").map(|l| (l.name.clone(), l.features.len())).collect()
}

/// The paths files will have once the stage is committed into `out`.
fn final_paths(stage: &Path, out: &Path, files: &[PathBuf]) -> Vec<String> {
    files.iter().map(|p| out.join(p.strip_prefix(stage).unwrap_or(p)).display().to_string()).collect()
}

/// `lifecircle extract`: read the inputs and write the normalised layers, `extract.json` and the rejects.
pub fn extract(input: &InputSpec, out: &OutputSpec) -> Result<ExtractSummary> {
    prepare_output(out)?;
    let loaded = load(input)?;
    // Everything is written into a staging folder first and moved into `out` only when all is written:
    // a run that fails half-way (a full disk) leaves no partial set of layers behind.
    let stage = atomic::StagingFolder::create(&out.dir)?;
    let layers: Vec<Layer> = model_layers::dataset_layers(&loaded.dataset, loaded.crs)?.into_iter().filter(|l| l.name != "rejects").collect();
    let mut files = write_run_outputs(stage.path(), out.format, out.lang, &loaded, &layers, &[])?;
    let summary = ExtractSummary {
        crs: loaded.crs.name(),
        layers: layer_counts(&layers),
        rejects: loaded.dataset.rejects.len(),
        estimated_population: loaded.dataset.estates.iter().map(|e| e.population).sum(),
        osm: loaded.osm_stats.clone(),
        survey_rows_applied: loaded.survey.as_ref().map(|r| r.matched),
        survey_rows_not_applied: loaded.survey.as_ref().map(|r| r.issues.len()),
        files: final_paths(stage.path(), &out.dir, &files),
    };
    let summary_path = stage.path().join("extract.json");
    write_json(&summary_path, &summary)?;
    // extract.json last: its presence says the run completed.
    files.push(summary_path);
    commit_run(stage, &files)?;
    tracing::info!(out = %out.dir.display(), layers = layers.len(), rejects = summary.rejects, "extract written");
    Ok(summary)
}

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
    pub min_pop: f64,
    pub max_pop: f64,
    pub layers: BTreeMap<String, usize>,
    pub files: Vec<String>,
}

/// `lifecircle bundle`: eligibility, adjacency and the partition into renovation bundles.
pub fn bundle(input: &InputSpec, out: &OutputSpec, opts: &BundleOptions) -> Result<BundleSummary> {
    opts.check()?;
    prepare_output(out)?;
    let loaded = load(input)?;
    if loaded.dataset.estates.is_empty() {
        return Err(Error::Usage("no estates to bundle: the inputs hold no estate (see rejects with `lifecircle extract`)".into()));
    }
    let started = Instant::now();
    let run = bundle::run_bundles(&loaded.dataset, opts, None)?;
    tracing::info!(bundles = run.bundles.len(), seconds = started.elapsed().as_secs_f64(), "bundled");
    let (layers, bundles_table, mut s) = bundle_outputs(&loaded, &run)?;
    let stage = atomic::StagingFolder::create(&out.dir)?;
    let mut files = write_run_outputs(stage.path(), out.format, out.lang, &loaded, &layers, &[("bundles.csv", &bundles_table)])?;
    s.layers = layer_counts(&layers);
    s.files = final_paths(stage.path(), &out.dir, &files);
    let summary_path = stage.path().join("bundle.json");
    write_json(&summary_path, &s)?;
    files.push(summary_path);
    commit_run(stage, &files)?;
    Ok(s)
}

/// The bundle run as map layers (estates with bundle fields, bundles, adjacency), the bundles table for
/// `bundles.csv`, and the summary (its `layers` and `files` filled in once written).
fn bundle_outputs(loaded: &Loaded, run: &bundle::BundleRun) -> Result<(Vec<Layer>, Layer, BundleSummary)> {
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
        min_pop: run.options.min_pop,
        max_pop: run.options.max_pop,
        layers: BTreeMap::new(),
        files: Vec::new(),
    };
    Ok((vec![estates, bl.bundles, bl.adjacency], bl.bundles_table, summary))
}

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
    if loaded.dataset.ways.is_empty() {
        return Err(Error::Usage("no walking network: give --osm, or --network with a line layer of walkable ways".into()));
    }
    let started = Instant::now();
    let run = coverage::run_coverage(&loaded.dataset, &loaded.profile, opts)?;
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
    let layers = coverage::layers::coverage_layers(&run, &loaded.dataset, &loaded.profile, loaded.crs)?.into_vec();
    let csv = coverage::summary::summary_csv(&run.summary)?;
    let stage = atomic::StagingFolder::create(&out.dir)?;
    let mut files = write_run_outputs(stage.path(), out.format, out.lang, &loaded, &layers, &[])?;
    let csv_path = stage.path().join("coverage.csv");
    atomic::write_bytes_atomically(&csv_path, csv.as_bytes())?;
    files.push(csv_path);
    if let Some(delta) = run.delta() {
        let path = stage.path().join("delta.json");
        write_json(&path, delta)?;
        files.push(path);
    }
    // coverage.json last: its presence says the run completed.
    let path = stage.path().join("coverage.json");
    write_json(&path, &run.summary)?;
    files.push(path);
    let files = commit_run(stage, &files)?;
    Ok(CoverageFiles { layers: layer_counts(&layers), files: files.iter().map(|p| p.display().to_string()).collect() })
}

/// What `plan` ran with, beside the inputs.
#[derive(Debug, Clone, Default)]
pub struct PlanOptions {
    pub coverage: CoverageOptions,
    pub bundle: BundleOptions,
    pub siting: SitingOptions,
    /// The report's and map's title; default: the input file's name.
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
}

/// Times the stages of a run: a spinner on a terminal (unless quiet), a log line with the time of each.
pub struct Stages {
    started: Instant,
    current: Option<(String, Instant, Option<indicatif::ProgressBar>)>,
    pub seconds: BTreeMap<String, f64>,
    show_progress: bool,
}

impl Stages {
    pub fn new(show_progress: bool) -> Stages {
        Stages { started: Instant::now(), current: None, seconds: BTreeMap::new(), show_progress }
    }

    /// End the current stage (if any) and start `name`.
    pub fn start(&mut self, name: &str) {
        self.finish();
        let bar = self.show_progress.then(|| {
            let bar = indicatif::ProgressBar::new_spinner();
            bar.set_message(name.to_string());
            bar.enable_steady_tick(std::time::Duration::from_millis(120));
            bar
        });
        self.current = Some((name.to_string(), Instant::now(), bar));
    }

    /// End the current stage.
    pub fn finish(&mut self) {
        if let Some((name, t, bar)) = self.current.take() {
            if let Some(bar) = bar {
                bar.finish_and_clear();
            }
            let seconds = t.elapsed().as_secs_f64();
            tracing::info!(stage = %name, seconds, "stage done");
            self.seconds.insert(format!("{:02}_{name}", self.seconds.len() + 1), seconds);
        }
    }

    pub fn total_s(&self) -> f64 {
        self.started.elapsed().as_secs_f64()
    }
}

/// The coverage rows the report's table reads (one per category).
fn report_coverage_rows(summary: &coverage::summary::CoverageSummary, profile: &Profile) -> serde_json::Value {
    let rows: Vec<serde_json::Value> = profile
        .categories
        .iter()
        .filter_map(|c| {
            let s = summary.categories.get(&c.key)?;
            let v = serde_json::to_value(s).ok()?;
            Some(serde_json::json!({
                "category": c.key,
                "name_zh": c.name_zh,
                "tier": c.tier.as_str(),
                "threshold_m": c.threshold_m,
                "population_covered": v.get("population_ok").cloned().unwrap_or_default(),
                "population": summary.population,
                "estates_covered": v.get("estates_ok").cloned().unwrap_or_default(),
                "estates": summary.estates,
            }))
        })
        .collect();
    serde_json::Value::Array(rows)
}

/// The place a plan is about, for its default title: the place the OpenStreetMap extract names (in `lang`
/// when tagged so), else the input file's name without its extensions (`nanjing-xuanwu-2021`).
fn place_name(input: &InputSpec, loaded: &Loaded, lang: crate::lang::Lang) -> String {
    if let Some(place) = loaded.osm_stats.as_ref().and_then(|s| s.place.as_ref()) {
        return place.in_lang(lang).to_string();
    }
    let source = input.osm.as_ref().or(input.estates.as_ref());
    let name = source.and_then(|p| p.file_name()).map_or_else(|| "lifecircle".to_string(), |n| n.to_string_lossy().into_owned());
    let stem = [".osm.pbf", ".pbf", ".geojson", ".gpkg", ".shp", ".fgb", ".json"].iter().find_map(|ext| name.strip_suffix(ext)).unwrap_or(&name);
    stem.split('|').next().unwrap_or(stem).to_string()
}

/// `lifecircle plan`: extract → coverage → bundles, then the planner's package: one styled GeoPackage,
/// GeoJSON copies with QGIS styles, `report.html`, `coverage_map.png` / `.svg`, CSV tables, `summary.json`.
pub fn plan(input: &InputSpec, out: &OutputSpec, opts: &PlanOptions, show_progress: bool) -> Result<PlanSummary> {
    opts.bundle.check()?;
    prepare_output(out)?;
    let mut stages = Stages::new(show_progress);
    stages.start("read inputs");
    let loaded = load(input)?;
    plan_loaded(loaded, input, out, opts, stages)
}

/// The plan on inputs already read (`batch` reads once and plans each area).
pub fn plan_loaded(mut loaded: Loaded, input: &InputSpec, out: &OutputSpec, opts: &PlanOptions, mut stages: Stages) -> Result<PlanSummary> {
    prepare_output(out)?;
    stages.start("coverage");
    let run = run_coverage(&mut loaded, &opts.coverage)?;
    let loaded = &loaded;
    // Everything goes into a staging folder, moved into `out` once all is written (summary.json last).
    let stage = atomic::StagingFolder::create(&out.dir)?;
    let paths = PlanPaths::in_stage(stage.path());
    std::fs::create_dir_all(&paths.geojson_dir).map_err(|e| Error::output(&paths.geojson_dir, e))?;
    let wording = crate::report::Wording::new(out.lang, &loaded.profile);
    std::thread::scope(|scope| {
        // The walking network's layers (a city's millions of edges) go into the GeoPackage and GeoJSON on
        // a thread of their own while bundles and sites are worked out, and are dropped once written.
        let network_job = scope.spawn(|| write_network_layers(&run, &loaded.dataset, loaded.crs, &paths, &wording));
        let network_written = || network_job.join().unwrap_or_else(|_| Err(Error::Internal("the thread writing the network layers panicked".into())));
        plan_analyses(loaded, &run, input, out, opts, stages, stage, &paths, network_written)
    })
}

/// Where `plan` writes in its staging folder.
struct PlanPaths {
    dir: PathBuf,
    gpkg: PathBuf,
    geojson_dir: PathBuf,
}

impl PlanPaths {
    fn in_stage(dir: &Path) -> PlanPaths {
        PlanPaths { dir: dir.to_path_buf(), gpkg: dir.join("lifecircle.gpkg"), geojson_dir: dir.join("geojson") }
    }
}

/// Write a layer's GeoJSON copy and its `.qml` style (made once by the caller, who also stores it in the
/// GeoPackage) beside it; returns the files written.
fn write_geojson_with_style(geojson_dir: &Path, layer: &Layer, style: &crate::report::LayerStyle) -> Result<Vec<PathBuf>> {
    let path = geojson_dir.join(format!("{}.geojson", layer.name));
    geojson::write_geojson(&path, layer)?;
    let style = style.qml.as_deref().map(|q| crate::report::styles::write_qml_text_beside(&path, q)).transpose()?;
    Ok(std::iter::once(path).chain(style).collect())
}

/// The network layers written ahead of the others: the open GeoPackage, their GeoJSON (and QML) files,
/// their QGIS styles and feature counts.
struct NetworkWritten {
    gpkg: geopackage::GeoPackageWriter,
    files: Vec<PathBuf>,
    styles: Vec<crate::report::LayerStyle>,
    counts: Vec<(String, usize)>,
}

/// Runs on a thread of its own and never uses rayon's pool: a `batch` runs plans on the pool's workers,
/// which wait for this thread, so it must never wait for them.
fn write_network_layers(run: &CoverageRun, data: &crate::model::Dataset, crs: crate::crs::WorkingCrs, paths: &PlanPaths, wording: &crate::report::Wording) -> Result<NetworkWritten> {
    let started = std::time::Instant::now();
    let (network, islands) = coverage::layers::network_layers_on_this_thread(run, data, crs)?;
    let mut gpkg = geopackage::GeoPackageWriter::create(&paths.gpkg)?;
    let mut files = Vec::new();
    let mut styles = Vec::new();
    let mut counts = Vec::new();
    for layer in [network, islands] {
        gpkg.write(&layer)?;
        let style = crate::report::layer_style(&layer, wording);
        files.extend(write_geojson_with_style(&paths.geojson_dir, &layer, &style)?);
        styles.push(style);
        counts.push((layer.name.clone(), layer.features.len()));
    }
    tracing::debug!(seconds = started.elapsed().as_secs_f64(), "network layers written");
    Ok(NetworkWritten { gpkg, files, styles, counts })
}

/// Bundles, sites and every output but the network layers, which `network_written` hands over.
#[allow(clippy::too_many_arguments)]
fn plan_analyses(
    loaded: &Loaded,
    run: &CoverageRun,
    input: &InputSpec,
    out: &OutputSpec,
    opts: &PlanOptions,
    mut stages: Stages,
    stage: atomic::StagingFolder,
    paths: &PlanPaths,
    network_written: impl FnOnce() -> Result<NetworkWritten>,
) -> Result<PlanSummary> {
    let sd = &paths.dir;
    stages.start("bundles");
    let failing = failing_must_have(loaded, run);
    let bundle_run = bundle::run_bundles(&loaded.dataset, &opts.bundle, Some(&failing))?;
    stages.start("sites");
    let categories = siting::resolve_categories(&loaded.profile, run, &loaded.dataset, opts.siting.categories.as_deref())?;
    let siting_plan = siting::plan(&loaded.dataset, &loaded.profile, run, &categories, &opts.siting)?;
    // Each bundle's gaps sited for its own residents, on the same candidates and reach.
    let bundle_of: BTreeMap<String, String> = bundle_run.estates.iter().filter_map(|r| Some((r.estate_id.clone(), r.bundle_id.clone()?))).collect();
    let gaps: BTreeMap<String, Vec<String>> =
        bundle_run.bundles.iter().filter_map(|b| b.gaps.clone().filter(|g| !g.is_empty()).map(|g| (b.id.clone(), g))).collect();
    let started = std::time::Instant::now();
    let bundle_sites = siting::site_bundles_on_plan(&loaded.dataset, &siting_plan, &bundle_of, &gaps, opts.siting.k);
    let n_bundle_sites: usize = bundle_sites.iter().map(|b| b.sites.len()).sum();
    tracing::debug!(bundles = gaps.len(), sites = n_bundle_sites, seconds = started.elapsed().as_secs_f64(), "bundles sited");
    let started = std::time::Instant::now();
    let siting_run = siting::run_siting_on_plan(&loaded.dataset, &loaded.profile, run, siting_plan, &opts.siting);
    tracing::debug!(sites = siting_run.sites.len(), seconds = started.elapsed().as_secs_f64(), "plan sited");
    stages.start("layers");
    let cov = coverage::layers::analysis_layers(run, &loaded.dataset, &loaded.profile, loaded.crs)?;
    let (bundle_layers, bundles_table, mut bundle_summary) = bundle_outputs(loaded, &bundle_run)?;
    let mut bundle_layers = bundle_layers.into_iter();
    let (Some(bundle_estates), Some(bundles), Some(adjacency)) = (bundle_layers.next(), bundle_layers.next(), bundle_layers.next()) else {
        return Err(Error::Internal("bundle layers missing".into()));
    };
    let mut estates = cov.estates;
    estates.join_fields(&bundle_estates, "estate_id");
    let layers = vec![
        estates,
        cov.facilities,
        cov.facility_footprints,
        cov.service_areas,
        cov.service_lines,
        bundles,
        siting::layers::sites_layer(&siting_run.sites, loaded.crs)?,
        siting::layers::bundle_sites_layer(&bundle_sites, loaded.crs)?,
        siting::layers::candidates_layer(&siting_run.candidates, loaded.crs)?,
        adjacency,
        model_layers::idle_land_layer(&loaded.dataset.parcels, loaded.crs)?,
        model_layers::gates_layer(&loaded.dataset.gates, loaded.crs)?,
        model_layers::barriers_layer(&loaded.dataset.barriers, loaded.crs)?,
        model_layers::barrier_areas_layer(&loaded.dataset.barriers, loaded.crs)?,
        cov.access_points,
        model_layers::rejects_layer(&loaded.dataset.rejects, Some(loaded.crs)),
    ];
    stages.start("network layers written");
    let NetworkWritten { gpkg: mut gpkg_writer, files: network_files, styles: network_styles, counts: network_counts } = network_written()?;
    stages.start("GeoPackage, GeoJSON, report and map");
    let mut files = Vec::new();
    // What the report and the map show, worked out before the three writers start.
    let wording = crate::report::Wording::new(out.lang, &loaded.profile);
    let title = opts.title.clone().unwrap_or_else(|| wording.default_title(&place_name(input, loaded, out.lang)));
    // The report shows what a planner reads; the walking network of a whole city is left to the GeoPackage,
    // and so is any layer too big for a browser to draw (a city's service areas).
    let (shown, left_out) = report_map_layers(&layers, &wording);
    bundle_summary.layers = layer_counts(&layers);
    bundle_summary.layers.extend(network_counts);
    let sources: Vec<String> = [
        input.osm.as_ref().map(|p| wording.tr_with("report.source_osm", &[("file", &p.display())])),
        Some(wording.tr_with("report.source_profile", &[("name", &loaded.profile.name)])),
    ]
    .into_iter()
    .flatten()
    .collect();
    let report_summary = serde_json::json!({
        "coverage": report_coverage_rows(&run.summary, &loaded.profile),
        "eligibility": bundle_summary.eligibility,
        "sources": sources,
        "estates": loaded.dataset.estates.len(),
        "residents": loaded.dataset.estates.iter().map(|e| e.population).sum::<f64>().round(),
        "bundles": bundle_run.bundles.len(),
        "bundled_residents": bundle_run.bundled_population().round(),
        "recommended_sites": siting_run.sites.len(),
        "bundle_sites": n_bundle_sites,
        "working_crs": loaded.crs.name(),
    });
    let mut report_summary = report_summary;
    if !left_out.is_empty() {
        report_summary["left_out_of_maps"] = serde_json::Value::from(left_out);
    }
    let report_path = sd.join("report.html");
    // The printed map shows the plan's sites; each bundle's own are in the report's table and the GeoPackage.
    let mapped: Vec<&Layer> = shown.iter().copied().filter(|l| l.name != "bundle_sites").collect();
    // The GeoPackage (GDAL, one thread), the GeoJSON copies, the HTML report and the printable map are
    // independent files: written side by side, they take the time of the slowest instead of the sum.
    let writers_started = std::time::Instant::now();
    // Each layer's QGIS style, made once for its `.qml` file and the GeoPackage.
    let styles: Vec<crate::report::LayerStyle> = layers.par_iter().map(|l| crate::report::layer_style(l, &wording)).collect();
    let (gpkg_written, (geojson_written, (report_written, map))) = rayon::join(
        || -> Result<()> {
            let started = std::time::Instant::now();
            for layer in &layers {
                gpkg_writer.write(layer)?;
            }
            gpkg_writer.finish()?;
            crate::report::store_layer_styles(&paths.gpkg, network_styles.iter().chain(&styles))?;
            tracing::debug!(seconds = started.elapsed().as_secs_f64(), "GeoPackage written");
            Ok(())
        },
        || {
            rayon::join(
                || -> Result<Vec<Vec<PathBuf>>> {
                    layers.par_iter().zip(&styles).map(|(layer, style)| write_geojson_with_style(&paths.geojson_dir, layer, style)).collect()
                },
                || {
                    rayon::join(
                        || {
                            let started = std::time::Instant::now();
                            let written = crate::report::write_report(&report_path, &shown, &report_summary, &title, &wording);
                            tracing::debug!(seconds = started.elapsed().as_secs_f64(), "report written");
                            written
                        },
                        || {
                            let started = std::time::Instant::now();
                            let written = crate::report::write_coverage_map(sd, &mapped, &crate::report::map::MapOptions::a4_landscape(&title, &wording), &wording);
                            tracing::debug!(seconds = started.elapsed().as_secs_f64(), "printable map written");
                            written
                        },
                    )
                },
            )
        },
    );
    tracing::debug!(seconds = writers_started.elapsed().as_secs_f64(), "GeoPackage, GeoJSON, report and map written");
    gpkg_written?;
    files.push(paths.gpkg.clone());
    files.extend(network_files);
    files.extend(geojson_written?.into_iter().flatten());
    if let Some(report) = &loaded.survey {
        let path = sd.join("survey_unmatched.csv");
        survey::write_survey_report_csv(&path, report)?;
        files.push(path);
    }
    let coverage_csv = sd.join("coverage.csv");
    atomic::write_bytes_atomically(&coverage_csv, coverage::summary::summary_csv(&run.summary)?.as_bytes())?;
    files.push(coverage_csv);
    let sites_csv = sd.join("sites.csv");
    atomic::write_bytes_atomically(&sites_csv, siting::layers::sites_csv(&siting_run.sites)?.as_bytes())?;
    files.push(sites_csv);
    let bundles_csv = sd.join("bundles.csv");
    csv_table::write_layer_csv(&bundles_csv, &bundles_table)?;
    files.push(bundles_csv);
    for (name, value) in [
        ("coverage.json", serde_json::to_value(&run.summary)),
        ("coverage_after.json", serde_json::to_value(&siting_run.coverage_after)),
        ("delta.json", serde_json::to_value(run.delta())),
    ] {
        let value = value.map_err(|e| Error::Internal(format!("serialising {name}: {e}")))?;
        if !value.is_null() {
            let path = sd.join(name);
            write_json(&path, &value)?;
            files.push(path);
        }
    }

    report_written?;
    let map = map?;
    files.push(report_path);
    files.push(map.svg);
    files.push(map.png);
    stages.finish();

    let summary = PlanSummary {
        title,
        crs: loaded.crs.name(),
        estates: loaded.dataset.estates.len(),
        population: loaded.dataset.estates.iter().map(|e| e.population).sum(),
        rejects: loaded.dataset.rejects.len(),
        coverage: run.summary.clone(),
        bundles: bundle_summary,
        coverage_after_sites: siting_run.coverage_after.clone(),
        sites: siting_run.sites.len(),
        bundle_sites: n_bundle_sites,
        stage_seconds: stages.seconds.clone(),
        files: final_paths(sd, &out.dir, &files),
        attribution: crate::report::html::ODBL_ATTRIBUTION.to_string(),
    };
    let summary_path = sd.join("summary.json");
    write_json(&summary_path, &summary)?;
    files.push(summary_path);
    commit_run(stage, &files)?;
    tracing::info!(seconds = stages.total_s(), "plan written");
    Ok(summary)
}

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
    let siting = siting::run_siting(&loaded.dataset, &loaded.profile, &run, opts)?;
    tracing::info!(candidates = siting.candidates.len(), sites = siting.sites.len(), seconds = started.elapsed().as_secs_f64(), "sites chosen");
    let layers = vec![siting::layers::candidates_layer(&siting.candidates, loaded.crs)?, siting::layers::sites_layer(&siting.sites, loaded.crs)?];
    let stage = atomic::StagingFolder::create(&out.dir)?;
    let mut files = write_run_outputs(stage.path(), out.format, out.lang, &loaded, &layers, &[])?;
    let csv_path = stage.path().join("sites.csv");
    atomic::write_bytes_atomically(&csv_path, siting::layers::sites_csv(&siting.sites)?.as_bytes())?;
    files.push(csv_path);
    let before = stage.path().join("coverage.json");
    write_json(&before, &run.summary)?;
    files.push(before);
    let after = stage.path().join("coverage_after.json");
    write_json(&after, &siting.coverage_after)?;
    files.push(after);
    let summary = SitesSummary {
        categories: siting.categories.clone(),
        candidates: siting.candidates.len(),
        sites: siting.sites.len(),
        objective: siting.objective.clone(),
        files: final_paths(stage.path(), &out.dir, &files),
    };
    let path = stage.path().join("sites.json");
    write_json(&path, &summary)?;
    files.push(path);
    commit_run(stage, &files)?;
    Ok(summary)
}
