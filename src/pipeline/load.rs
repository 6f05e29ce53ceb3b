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
use crate::read::osm::{self, ExtractStats};
use crate::read::planner_layers::{self, LayerFields, LayerKind};
use crate::read::survey::{self, SurveyReport};
use std::path::{Path, PathBuf};
use std::time::Instant;

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
    /// Field names of planners' layers, as given on the command line; `None` reads the default field of the
    /// layer kind or its Chinese alias (see [`crate::read::planner_layers`]), and is not an error when absent.
    pub fields: LayerFields,
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

/// The centre (longitude/latitude) of what the dataset holds so far, for checking the next layer's
/// Gauss-Krüger zone (`None` when it holds nothing).
fn data_centre_lon_lat(dataset: &Dataset, crs: WorkingCrs) -> Option<geo_types::Coord<f64>> {
    use geo::BoundingRect;
    let boxes = dataset
        .estates
        .iter()
        .filter_map(|e| e.polygon.bounding_rect())
        .chain(dataset.ways.iter().filter_map(|w| w.line.bounding_rect()))
        .chain(dataset.buildings.iter().filter_map(|b| b.footprint.bounding_rect()));
    let (mut n, mut sx, mut sy) = (0.0, 0.0, 0.0);
    for r in boxes {
        n += 1.0;
        sx += r.center().x;
        sy += r.center().y;
    }
    if n == 0.0 {
        return None;
    }
    crate::crs::Transformer::with_to_wgs84(crs, |t| t.coord(geo_types::Coord { x: sx / n, y: sy / n })).ok()?.ok()
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
    for (kind, path) in layer_files {
        let reference = crs.and_then(|crs| data_centre_lon_lat(&dataset, crs));
        let (data, rejected) = planner_layers::read_planner_layer_near(kind, path, &spec.fields, &mut crs, spec.input_coords, &profile, reference)?;
        if kind == LayerKind::Ways && data.is_empty() {
            // Walking distances need at least one line: an empty network is a wrong file, not a result.
            let problem = match rejected.first() {
                None => "the network layer has no features, so no walking distance can be measured".to_string(),
                Some(first) => format!("none of the network layer's {} features is a usable line (the first, `{}`: {})", rejected.len(), first.source_id, first.reason),
            };
            return Err(Error::input(path, problem, "give the walkable lines (LineString / MultiLineString) with --network, or drop --network to use only --osm"));
        }
        if matches!(kind, LayerKind::Estates | LayerKind::Facilities) && data.is_empty() && !rejected.is_empty() {
            // Every feature refused: a wrong field, scheme or datum, not a result to report as coverage.
            let first = &rejected[0];
            return Err(Error::input(
                path,
                format!("all {} features of the {} layer were rejected (the first, `{}`: {})", rejected.len(), kind.name(), first.source_id, first.reason),
                "check the layer's options: the id/category fields (FILE|category=FIELD), the scheme (FILE|scheme=amap|baidu) and the datum (FILE|coords=gcj02)",
            ));
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
