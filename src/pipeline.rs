//! The stages glued together for the subcommands: read the inputs into one [`Dataset`] in the working CRS
//! (OpenStreetMap and/or planners' layers, then the survey table and the population estimate), run the
//! analyses, and write every layer, the rejects and the JSON summaries into the output folder.

use crate::crs::WorkingCrs;
pub use crate::crs::china::InputCoords;
use crate::error::{Error, Result};
use crate::io::layer::Layer;
use crate::io::osm::{self, ExtractStats};
use crate::io::planner_layers::{self, LayerFields, LayerKind};
use crate::io::survey::{self, SurveyReport};
use crate::io::{atomic, gdal_vector, geojson, model_layers, rejects};
use crate::model::Dataset;
use crate::population;
use crate::profile::Profile;
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Field names of planners' layers, as given on the command line; `None` reads the default field of the
/// layer kind or its Chinese alias (see [`crate::io::planner_layers`]), and is not an error when absent.
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
    gdal_vector::install_error_handler();
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
        let extract = osm::read_osm(path, &profile, crs)?;
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
            gdal_vector::write_geopackage(&path, layers)?;
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
    pub layers: std::collections::BTreeMap<String, usize>,
    pub rejects: usize,
    pub estimated_population: f64,
    pub osm: Option<ExtractStats>,
    pub survey_rows_applied: Option<usize>,
    pub survey_rows_not_applied: Option<usize>,
    pub files: Vec<String>,
}

/// `lifecircle extract`: read the inputs and write the normalised layers, `extract.json` and the rejects.
pub fn extract(input: &InputSpec, out: &OutputSpec) -> Result<ExtractSummary> {
    prepare_output(out)?;
    let loaded = load(input)?;
    // Everything is written into a staging folder first and moved into `out` only when all is written:
    // a run that fails half-way (a full disk) leaves no partial set of layers behind.
    let stage = atomic::StagingFolder::create(&out.dir)?;
    let staged_out = OutputSpec { dir: stage.path().to_path_buf(), format: out.format };
    // `dataset_layers` ends with the rejects layer: the GeoPackage holds it as a table; as GeoJSON the
    // rejects writer writes it (with `rejects.csv` for unlocated rejects), so it is not written twice.
    let layers = model_layers::dataset_layers(&loaded.dataset, loaded.crs)?;
    let mut files = match out.format {
        OutputFormat::GeoPackage => write_layers(&staged_out, &layers)?,
        OutputFormat::GeoJson => {
            let model: Vec<Layer> = layers.iter().filter(|l| l.name != "rejects").cloned().collect();
            let mut files = write_layers(&staged_out, &model)?;
            files.extend(rejects::write_rejects(stage.path(), &loaded.dataset.rejects, Some(loaded.crs))?);
            files
        }
    };
    if let Some(report) = &loaded.survey {
        let path = stage.path().join("survey_unmatched.csv");
        survey::write_survey_report_csv(&path, report)?;
        files.push(path);
    }
    let final_path = |p: &PathBuf| out.dir.join(p.file_name().unwrap_or_default());
    let summary = ExtractSummary {
        crs: loaded.crs.name(),
        layers: layers.iter().filter(|l| l.name != "rejects").map(|l| (l.name.clone(), l.features.len())).collect(),
        rejects: loaded.dataset.rejects.len(),
        estimated_population: loaded.dataset.estates.iter().map(|e| e.population).sum(),
        osm: loaded.osm_stats.clone(),
        survey_rows_applied: loaded.survey.as_ref().map(|r| r.matched),
        survey_rows_not_applied: loaded.survey.as_ref().map(|r| r.issues.len()),
        files: files.iter().map(|p| final_path(p).display().to_string()).collect(),
    };
    let summary_path = stage.path().join("extract.json");
    write_json(&summary_path, &summary)?;
    // extract.json last: its presence says the run completed.
    files.push(summary_path);
    stage.commit(&files)?;
    tracing::info!(out = %out.dir.display(), layers = layers.len(), rejects = summary.rejects, "extract written");
    Ok(summary)
}
