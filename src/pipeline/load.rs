//! The first stage of every command: read the inputs named on the command line into one [`Dataset`] in the
//! working CRS — the OpenStreetMap extract (estates derived from its buildings, see [`crate::estates`]), then
//! the planners' layers on top, then the survey table (摸底调查表) joined to the estates, then the
//! floor-area population estimate for estates that carry no figure.
//!
//! The working CRS is `--crs` when given, else the one the OpenStreetMap reader chose (the UTM zone of the
//! extract's centre), else the one the first planners' layer chose.
//!
//! ```no_run
//! use lifecircle::pipeline::{InputSpec, load};
//! let loaded = load(&InputSpec { osm: Some("data/nanjing-xuanwu-2021.osm.pbf".into()), ..InputSpec::default() })?;
//! assert!(!loaded.dataset.estates.is_empty());
//! # Ok::<(), lifecircle::Error>(())
//! ```

use crate::crs::WorkingCrs;
use crate::crs::china::InputCoords;
use crate::error::{Error, Result};
use crate::estates::population;
use crate::model::Dataset;
use crate::profile::Profile;
use crate::provenance::Provenance;
use crate::read::osm::{self, ExtractStats};
use crate::read::planner_layers::{self, LayerFields, LayerKind};
use crate::read::survey::{self, SurveyReport};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Every input of a run.
#[derive(Debug, Clone, Default)]
pub struct InputSpec {
    pub osm: Option<PathBuf>,
    /// The layers `extract` wrote: its output folder, or its GeoPackage. Each layer found there is read as if
    /// given with its own flag (`facility_footprints` with `facilities`, `barrier_areas` with `barriers`);
    /// a flag given explicitly replaces the layer(s) of its kind.
    pub layers: Option<PathBuf>,
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
    /// Field names of planners' layers, as given on the command line; `None` reads the default field of the
    /// layer kind or its Chinese alias (see [`crate::read::planner_layers`]), and is not an error when absent.
    pub fields: LayerFields,
}

/// One planners' layer to read.
#[derive(Debug, Clone, PartialEq)]
pub struct LayerSource {
    pub kind: LayerKind,
    pub path: PathBuf,
    /// Leave out the rows with `mapped_as` = `area`: in `extract`'s `facilities` layer they are the points
    /// drawn for the areas that `facility_footprints` holds.
    pub skip_area_points: bool,
    /// Named by its own flag (not found in `--layers`): an empty network named so is an error.
    pub explicit: bool,
}

impl InputSpec {
    /// The planners' layer files given, with the model type each is read as: the explicit flags, then the
    /// layers found in `--layers` for the kinds no flag names.
    pub fn layer_sources(&self) -> Result<Vec<LayerSource>> {
        let explicit = [
            (LayerKind::Estates, &self.estates),
            (LayerKind::Facilities, &self.facilities),
            (LayerKind::Ways, &self.network),
            (LayerKind::Gates, &self.gates),
            (LayerKind::Buildings, &self.buildings),
            (LayerKind::Parcels, &self.idle_land),
            (LayerKind::Barriers, &self.barriers),
            (LayerKind::Boundaries, &self.boundaries),
        ];
        let mut sources = Vec::new();
        for (kind, path) in explicit {
            match path {
                Some(p) => sources.push(LayerSource { kind, path: p.clone(), skip_area_points: false, explicit: true }),
                None => {
                    if let Some(dir) = &self.layers {
                        sources.extend(extract_layers_of_kind(dir, kind)?);
                    }
                }
            }
        }
        Ok(sources)
    }
}

/// The output layers of `extract` that hold one model type.
fn extract_layer_names(kind: LayerKind) -> &'static [&'static str] {
    match kind {
        LayerKind::Estates => &["estates"],
        LayerKind::Facilities => &["facilities", "facility_footprints"],
        LayerKind::Ways => &["network"],
        LayerKind::Gates => &["gates"],
        LayerKind::Buildings => &["buildings"],
        LayerKind::Parcels => &["idle_land"],
        LayerKind::Barriers => &["barriers", "barrier_areas"],
        LayerKind::Boundaries => &["boundaries"],
    }
}

/// The layers of `kind` in an `extract` output (a folder of `NAME.geojson` / `.gpkg` / `.shp` / `.fgb`
/// files, or one GeoPackage holding tables of those names); absent layers are skipped.
fn extract_layers_of_kind(place: &Path, kind: LayerKind) -> Result<Vec<LayerSource>> {
    let names = extract_layer_names(kind);
    let mut found: Vec<(&str, PathBuf)> = Vec::new();
    if place.is_dir() {
        for name in names {
            let file = ["geojson", "gpkg", "shp", "fgb", "json"].iter().map(|ext| place.join(format!("{name}.{ext}"))).find(|p| p.is_file());
            if let Some(file) = file {
                found.push((name, file));
            }
        }
    } else if place.is_file() {
        let dataset = gdal::Dataset::open(place).map_err(|e| Error::input(place, format!("cannot be opened as a GeoPackage or vector file: {e}"), "give --layers the folder or the .gpkg that `lifecircle extract` wrote"))?;
        let present: Vec<String> = dataset.layers().map(|l| gdal::vector::LayerAccess::name(&l)).collect();
        for name in names {
            if present.iter().any(|p| p == name) {
                found.push((name, PathBuf::from(format!("{}|layername={name}", place.display()))));
            }
        }
    } else {
        return Err(Error::input(place, "does not exist", "give --layers the folder or the .gpkg that `lifecircle extract` wrote"));
    }
    let has_footprints = found.iter().any(|(n, _)| *n == "facility_footprints");
    Ok(found.into_iter().map(|(name, path)| LayerSource { kind, path, skip_area_points: name == "facilities" && has_footprints, explicit: false }).collect())
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
    /// How this run was made (version, command line, profile, input checksums, CRS, date).
    pub provenance: Provenance,
}

/// Read every input named in `spec` into one dataset in the working CRS.
pub fn load(spec: &InputSpec) -> Result<Loaded> {
    let started = Instant::now();
    let profile = match &spec.profile {
        Some(path) => Profile::load(path)?,
        None => Profile::default_profile(),
    };
    let mut crs = spec.crs.as_deref().map(WorkingCrs::parse).transpose()?;
    let layer_files = spec.layer_sources()?;
    if spec.osm.is_none() && layer_files.is_empty() {
        return Err(Error::Usage(
            "no map data given: pass --osm FILE.osm.pbf, or planners' layers such as --estates E --facilities F --network N, or --layers DIR (what `lifecircle extract` wrote)".into(),
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
    for LayerSource { kind, path, skip_area_points, explicit } in &layer_files {
        let (kind, path) = (*kind, path.as_path());
        let mut raw = planner_layers::read_raw_layer(path)?;
        if *skip_area_points {
            raw.features.retain(|f| f.text("mapped_as").as_deref() != Some("area"));
        }
        let (data, rejected) = planner_layers::planner_layer_from_raw(kind, raw, &spec.fields, &mut crs, spec.input_coords, &profile)?;
        if kind == LayerKind::Ways && data.is_empty() && (*explicit || !rejected.is_empty()) {
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
    if layer_files.iter().any(|l| matches!(l.kind, LayerKind::Buildings | LayerKind::Estates)) {
        population::estimate_population(&mut dataset.estates, &dataset.buildings, &profile.population);
    }
    let provenance = Provenance::of_run(spec, &profile.name, &crs.name())?;
    Ok(Loaded { dataset, crs, profile, osm_stats, survey, provenance })
}
