//! The first stage of every command: read the inputs named on the command line into one [`Dataset`] in the
//! working CRS — the OpenStreetMap extract (estates derived from its buildings, see [`crate::estates`]), then
//! the planners' layers on top, then the survey table (摸底调查表) joined to the estates, then the
//! floor-area population estimate for estates that carry no figure.
//!
//! The working CRS is `--crs` when given, else the one the OpenStreetMap reader chose (the UTM zone of the
//! extract's centre), else the one the first planners' layer chose. A `--crs` that stretches distances by
//! more than 0.2 % over the data is refused, naming the zones that suit it ([`crate::crs::zone_check`]).
//!
//! A layer file with no feature at all is refused ("no features in FILE", exit 2). A layer whose features
//! were all rejected is a warning, and an input error when the command cannot work without it: the estates,
//! the network, or the facilities when there is no `--osm` to take them from.
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
use crate::report::data_quality::LayerRead;
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
    /// Land never built on (不可建设用地), added to the profile's protected classes found in OSM.
    pub protected_land: Option<PathBuf>,
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
            (LayerKind::ProtectedLand, &self.protected_land),
        ];
        let mut sources = Vec::new();
        let extract = self.layers.as_deref().map(extract_place);
        for (kind, path) in explicit {
            match path {
                Some(p) => sources.push(LayerSource { kind, path: p.clone(), skip_area_points: false, explicit: true }),
                None => {
                    if let Some(place) = &extract {
                        sources.extend(extract_layers_of_kind(place, kind)?);
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
        LayerKind::ProtectedLand => &["protected_land"],
    }
}

/// Extensions of the layer files an `extract` folder may hold, in the order they are looked for.
const LAYER_FILE_EXTENSIONS: [&str; 5] = ["geojson", "gpkg", "shp", "fgb", "json"];

/// The GeoPackage `extract --format gpkg` writes in its folder, holding every layer as a table.
const EXTRACT_GEOPACKAGE: &str = "lifecircle.gpkg";

/// Where the layers of a `--layers` place are: the place itself (a folder of layer files, or a
/// GeoPackage), or the `lifecircle.gpkg` that `extract --format gpkg` writes in a folder holding no layer
/// files. Settled once for all layer kinds.
fn extract_place(place: &Path) -> PathBuf {
    let holds_layer_files =
        || LayerKind::ALL.iter().flat_map(|&k| extract_layer_names(k)).any(|name| LAYER_FILE_EXTENSIONS.iter().any(|ext| place.join(format!("{name}.{ext}")).is_file()));
    let geopackage = place.join(EXTRACT_GEOPACKAGE);
    if place.is_dir() && geopackage.is_file() && !holds_layer_files() { geopackage } else { place.to_path_buf() }
}

/// The layers of `kind` in an `extract` output ([`extract_place`]: a folder of `NAME.geojson` / `.gpkg` /
/// `.shp` / `.fgb` files, or one GeoPackage holding tables of those names); absent layers are skipped.
fn extract_layers_of_kind(place: &Path, kind: LayerKind) -> Result<Vec<LayerSource>> {
    let names = extract_layer_names(kind);
    let mut found: Vec<(&str, PathBuf)> = Vec::new();
    if place.is_dir() {
        for name in names {
            let file = LAYER_FILE_EXTENSIONS.iter().map(|ext| place.join(format!("{name}.{ext}"))).find(|p| p.is_file());
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
    /// Each planner's layer file as read: features kept and rejected (for the data-quality summary).
    pub layer_reads: Vec<LayerRead>,
    /// How this run was made (version, command line, profile, input checksums, CRS, date).
    pub provenance: Provenance,
    /// With `--layers` (and no `--osm`): what `lifecircle extract` recorded of the OpenStreetMap extract
    /// the layers came from, in the `extract.json` beside them.
    pub layers_origin: Option<LayersOrigin>,
}

/// What a `--layers` folder's `extract.json` says of the OpenStreetMap extract it was made from (its
/// `osm` member): the place it names and the ways cut at its edge, for the plan's default title and its
/// data-quality findings, as if the extract had been read again.
#[derive(Debug, Clone, Default, PartialEq, serde::Deserialize)]
pub struct LayersOrigin {
    pub place: Option<crate::read::osm::PlaceName>,
    pub ways_clipped: Option<usize>,
}

impl LayersOrigin {
    /// The `osm` member of `extract.json` in the `--layers` folder (or beside the `--layers` file); `None`
    /// when there is none or it cannot be read (the layers may come from elsewhere).
    pub fn of_layers(layers: &Path) -> Option<LayersOrigin> {
        let folder = if layers.is_dir() { layers } else { layers.parent()? };
        let text = std::fs::read_to_string(folder.join("extract.json")).ok()?;
        let mut summary: serde_json::Value = serde_json::from_str(&text).ok()?;
        serde_json::from_value(summary.get_mut("osm")?.take()).ok()
    }
}

impl Loaded {
    /// The place the data names: the OpenStreetMap extract's, or the one its `--layers` came from.
    pub fn place(&self) -> Option<&crate::read::osm::PlaceName> {
        self.osm_stats.as_ref().and_then(|s| s.place.as_ref()).or_else(|| self.layers_origin.as_ref().and_then(|o| o.place.as_ref()))
    }

    /// Ways cut at the edge of the OpenStreetMap extract (read now, or behind `--layers`).
    pub fn ways_clipped(&self) -> Option<usize> {
        self.osm_stats.as_ref().map(|s| s.ways_clipped).or_else(|| self.layers_origin.as_ref().and_then(|o| o.ways_clipped))
    }
}

/// The extent of the dataset's estates, ways and facilities in WGS 84 lon/lat (the corners of its extent in
/// the working CRS, converted back); `None` when there is no geometry.
fn dataset_extent_lon_lat(dataset: &Dataset, crs: WorkingCrs) -> Result<Option<geo_types::Rect<f64>>> {
    use geo::BoundingRect;
    let mut boxes: Vec<geo_types::Rect<f64>> = Vec::new();
    boxes.extend(dataset.estates.iter().filter_map(|e| e.polygon.bounding_rect()));
    boxes.extend(dataset.ways.iter().filter_map(|w| w.line.bounding_rect()));
    boxes.extend(dataset.facilities.iter().filter_map(|f| match &f.geometry {
        crate::model::FacilityGeometry::Point(p) => Some(p.bounding_rect()),
        crate::model::FacilityGeometry::Area(a) => a.bounding_rect(),
    }));
    let Some(first) = boxes.first().copied() else { return Ok(None) };
    let (mut min, mut max) = (first.min(), first.max());
    for b in &boxes {
        min = geo_types::Coord { x: min.x.min(b.min().x), y: min.y.min(b.min().y) };
        max = geo_types::Coord { x: max.x.max(b.max().x), y: max.y.max(b.max().y) };
    }
    let corners = [min, max, geo_types::Coord { x: min.x, y: max.y }, geo_types::Coord { x: max.x, y: min.y }];
    let lon_lat = crate::crs::Transformer::with_to_wgs84(crs, |t| corners.iter().map(|c| t.coord(*c)).collect::<Result<Vec<_>>>())??;
    let (mut lo, mut hi) = (lon_lat[0], lon_lat[0]);
    for c in &lon_lat {
        lo = geo_types::Coord { x: lo.x.min(c.x), y: lo.y.min(c.y) };
        hi = geo_types::Coord { x: hi.x.max(c.x), y: hi.y.max(c.y) };
    }
    Ok(Some(geo_types::Rect::new(lo, hi)))
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
    let layer_files = spec.layer_sources()?;
    if spec.osm.is_none() && layer_files.is_empty() {
        return Err(Error::Usage(
            "no map data given: pass --osm FILE.osm.pbf, or planners' layers such as --estates E --facilities F --network N, or --layers DIR (what `lifecircle extract` wrote)".into(),
        ));
    }
    let mut dataset = Dataset::default();
    let mut osm_stats = None;
    let mut layer_reads = Vec::new();
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
        let reference = crs.and_then(|crs| data_centre_lon_lat(&dataset, crs));
        let (mut raw, options) = planner_layers::read_raw_layer_near(path, reference)?;
        if *skip_area_points {
            raw.features.retain(|f| f.text("mapped_as").as_deref() != Some("area"));
        }
        let (data, rejected) = planner_layers::planner_layer_with_options(kind, raw, &options, &spec.fields, &mut crs, spec.input_coords, &profile)?;
        if *explicit && data.is_empty() && rejected.is_empty() {
            // An empty FeatureCollection (or table) is a wrong or unfinished file, whatever the layer.
            return Err(Error::input(path, format!("no features in {}", path.display()), format!("give a {} layer with at least one feature, or leave its option out", kind.name())));
        }
        if data.is_empty() && !rejected.is_empty() && kind == LayerKind::Estates {
            // Every estate rejected: there is nothing to analyse.
            let first = rejected.first().map(|r| format!(" (the first, `{}`: {})", r.source_id, r.reason)).unwrap_or_default();
            return Err(Error::input(
                path,
                format!("all {} features of the estates layer were rejected{first}, so there is no estate to analyse", rejected.len()),
                "fix the estates' geometry and fields, or the layer's options: the id/category fields (FILE|id=FIELD), the scheme (FILE|scheme=amap|baidu) and the datum (FILE|coords=gcj02); then run again",
            ));
        }
        if data.is_empty() && !rejected.is_empty() && kind == LayerKind::Facilities && spec.osm.is_none() {
            let first = rejected.first().map(|r| format!(" (the first, `{}`: {})", r.source_id, r.reason)).unwrap_or_default();
            return Err(Error::input(
                path,
                format!("all {} features of the facilities layer were rejected{first}, and there is no --osm to take facilities from", rejected.len()),
                "give each facility a point or polygon and a category the profile knows (see --profile), or check the layer's options: the category field (FILE|category=FIELD), the scheme (FILE|scheme=amap|baidu), the datum (FILE|coords=gcj02); or add --osm",
            ));
        }
        if data.is_empty() && !rejected.is_empty() && kind != LayerKind::Ways {
            tracing::warn!(file = %path.display(), layer = kind.name(), rejects = rejected.len(), "every feature of this layer was rejected (see the rejects layer and the data-quality sheet); the run goes on without it");
        }
        if kind == LayerKind::Ways && data.is_empty() && (*explicit || !rejected.is_empty()) {
            // Walking distances need at least one line: an empty network is a wrong file, not a result.
            let problem = match rejected.first() {
                None => "the network layer has no features, so no walking distance can be measured".to_string(),
                Some(first) => format!("none of the network layer's {} features is a usable line (the first, `{}`: {})", rejected.len(), first.source_id, first.reason),
            };
            return Err(Error::input(path, problem, "give the walkable lines (LineString / MultiLineString) with --network, or drop --network to use only --osm"));
        }
        tracing::info!(file = %path.display(), layer = kind.name(), features = data.len(), rejects = rejected.len(), "read layer");
        layer_reads.push(LayerRead { file: path.display().to_string(), layer: kind.name().to_string(), kept: data.len(), rejected: rejected.len() });
        data.append_to(&mut dataset);
        dataset.rejects.extend(rejected);
    }
    let crs = match crs {
        Some(crs) => crs,
        // Only features without a usable coordinate: every one was rejected, so no extent to project.
        None => {
            return Err(Error::Usage(
                "no input feature has a usable coordinate, so no working CRS can be chosen: check the files (the rejects are listed in the log) or give --crs".into(),
            ));
        }
    };
    if spec.crs.is_some()
        && let Some(extent) = dataset_extent_lon_lat(&dataset, crs)?
    {
        crate::crs::zone_check::check_crs_suits_extent(crs, extent)?;
    }
    let survey = match &spec.survey {
        Some(path) => {
            let table = survey::read_survey(path)?;
            let report = survey::apply_survey(&table, &mut dataset.estates, profile.population.household_size);
            tracing::info!(file = %path.display(), matched = report.matched, not_applied = report.rows_not_applied(), cells_left_out = report.cells_left_out(), "joined survey");
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
    let layers_origin = if osm_stats.is_none() { spec.layers.as_deref().and_then(LayersOrigin::of_layers) } else { None };
    Ok(Loaded { dataset, crs, profile, osm_stats, survey, layer_reads, provenance, layers_origin })
}
