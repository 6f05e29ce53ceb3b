//! Planners' own layers (`--estates`, `--facilities`, `--gates`, `--buildings`, `--idle-land`,
//! `--barriers`, `--boundaries`, `--network`): any vector file becomes model objects ([`Estate`],
//! [`Facility`], [`Gate`], [`Building`], [`Parcel`], [`Barrier`], [`Boundary`], [`Way`]) in the
//! working CRS, and every feature that cannot become one becomes a [`Reject`] with its reason, its
//! `layer` being the output layer's name ([`LayerKind::name`]: `idle_land` for parcels, `network` for ways).
//!
//! The steps, for one layer, a file each:
//! 1. Read the file ([`read_raw_layer`]: GeoJSON by our streaming reader, anything else through GDAL).
//! 2. Check the fields the planner named exist (a typo is an error that lists the fields there are)
//!    (`fields`, which also parses the values).
//! 3. If the layer's CRS is geographic, check its coordinates are longitude/latitude
//!    ([`crate::crs::detect`]: swapped or projected layers are refused; stray features rejected), and
//!    convert GCJ-02 / BD-09 to WGS 84 when `--input-coords` says so ([`crate::crs::china`])
//!    (`coordinates`).
//! 4. Choose the working CRS if none is yet: the UTM zone of this layer's centre (`coordinates`).
//! 5. Per feature, in parallel (one PROJ transformer per worker; `geometry_checks`): project, check the geometry type for
//!    the layer kind, and for polygons: no area → reject; invalid (self-intersection, crossing rings,
//!    overlapping parts; OGC Simple Features validity as `geo::Validation` checks it) → repaired with
//!    GEOS `MakeValid` ([`crate::geometry::make_valid`]: the "structure" method keeps every covered area,
//!    as for OpenStreetMap areas), rejected if no polygon remains; each repair is logged with the
//!    feature's id and name. A hole that shares no area with its outer ring is rejected, not repaired (MakeValid
//!    would make it a second polygon of land the planner never drew).
//! 6. In file order (`attributes`): id (the id field, else the feature's own id, else its position),
//!    duplicate ids (the first wins, the others are rejected), then the attributes of the kind.
//!
//! Fields (defaults in brackets; when a default field is absent the Chinese alias is tried, then the
//! fallback applies): id [`estate_id`, `facility_id`, `gate_id`, `building_id`, `parcel_id`,
//! `barrier_id`, `boundary_id`, `way_id`], name [`name` / `名称`], category [`category` / `类别`:
//! a profile key, name or alias (`Profile::find_category`); several separated by `;` give one facility per category],
//! population [`population` / `人口`], households [`households` / `户数`], and fixed names: estates
//! `built_year`; facilities `capacity`; gates `kind` \[gate\], `access`; buildings `levels` (or
//! `building:levels`), `use` (or `building`) \[yes\], `residential` [by the profile's building values],
//! `elevator` (or `building:elevator`: yes/no, a mapped lift) \[unknown\];
//! barriers `class` \[layer\]; boundaries `level` (`community`/`社区` or `street`/`街道`) \[community\].
//! Ways keep every non-null property as a tag.
//!
//! Population of an estate: from the population field (source `layer`), households from their field or
//! population ÷ household size; households alone give population = households × household size. An
//! estate with neither has population 0 and source `unknown` (the estimate fills it later).
//!
//! ```no_run
//! use lifecircle::read::planner_layers::{read_planner_layer, LayerData, LayerFields, LayerKind};
//! use lifecircle::crs::china::InputCoords;
//! let profile = lifecircle::profile::Profile::default_profile();
//! let mut crs = None;
//! let (data, rejects) = read_planner_layer(LayerKind::Estates, "estates.gpkg".as_ref(), &LayerFields::default(), &mut crs, InputCoords::Gcj02, &profile)?;
//! let mut dataset = lifecircle::model::Dataset::default();
//! data.append_to(&mut dataset);
//! dataset.rejects.extend(rejects);
//! # Ok::<(), lifecircle::Error>(())
//! ```

mod attributes;
mod coordinates;
mod fields;
mod geometry_checks;

pub use fields::{bool_value, number_value, parse_yes_no};
pub use geometry_checks::{MIN_POLYGON_AREA_M2, MIN_POLYGON_WIDTH_M};

use crate::crs::WorkingCrs;
use crate::crs::china::InputCoords;
use crate::error::{Error, Result};
use crate::model::{Barrier, Boundary, Building, Dataset, Estate, Facility, Gate, Parcel, ProtectedArea, Reject, Way};
use crate::profile::Profile;
use crate::read::raw_layer::RawLayer;
use crate::read::{gdal_vector, geojson, layer_options};
use std::path::Path;

/// Which model type a layer is read as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LayerKind {
    Estates,
    Facilities,
    Gates,
    Buildings,
    Parcels,
    Barriers,
    Boundaries,
    Ways,
    /// Land that is never built on (a planner's 不可建设用地: ecological red line, planned green space ...).
    ProtectedLand,
}

impl LayerKind {
    pub const ALL: [LayerKind; 9] = [
        LayerKind::Estates,
        LayerKind::Facilities,
        LayerKind::Gates,
        LayerKind::Buildings,
        LayerKind::Parcels,
        LayerKind::Barriers,
        LayerKind::Boundaries,
        LayerKind::Ways,
        LayerKind::ProtectedLand,
    ];

    /// The layer's name in messages and in [`Reject::layer`]: the name of the output layer its features
    /// are written to (`idle_land` for parcels, `network` for ways), which is also the name of the flag
    /// that reads it (`--idle-land`, `--network`).
    pub fn name(self) -> &'static str {
        match self {
            LayerKind::Estates => "estates",
            LayerKind::Facilities => "facilities",
            LayerKind::Gates => "gates",
            LayerKind::Buildings => "buildings",
            LayerKind::Parcels => "idle_land",
            LayerKind::Barriers => "barriers",
            LayerKind::Boundaries => "boundaries",
            LayerKind::Ways => "network",
            LayerKind::ProtectedLand => "protected_land",
        }
    }

    /// The id field read when the planner names none.
    pub fn default_id_field(self) -> &'static str {
        match self {
            LayerKind::Estates => "estate_id",
            LayerKind::Facilities => "facility_id",
            LayerKind::Gates => "gate_id",
            LayerKind::Buildings => "building_id",
            LayerKind::Parcels => "parcel_id",
            LayerKind::Barriers => "barrier_id",
            LayerKind::Boundaries => "boundary_id",
            LayerKind::Ways => "way_id",
            LayerKind::ProtectedLand => "protected_id",
        }
    }

    fn geometry_wanted(self) -> &'static str {
        match self {
            LayerKind::Estates | LayerKind::Buildings | LayerKind::Parcels | LayerKind::Boundaries | LayerKind::ProtectedLand => "Polygon or MultiPolygon",
            LayerKind::Facilities => "Point or (Multi)Polygon",
            LayerKind::Gates => "Point",
            LayerKind::Barriers => "(Multi)LineString or (Multi)Polygon",
            LayerKind::Ways => "LineString or MultiLineString",
        }
    }
}

/// Which attribute fields hold what (`None`: the default, see the module doc).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LayerFields {
    pub id_field: Option<String>,
    pub name_field: Option<String>,
    pub category_field: Option<String>,
    pub population_field: Option<String>,
    pub households_field: Option<String>,
}

/// What a layer became.
#[derive(Debug, Clone, PartialEq)]
pub enum LayerData {
    Estates(Vec<Estate>),
    Facilities(Vec<Facility>),
    Gates(Vec<Gate>),
    Buildings(Vec<Building>),
    Parcels(Vec<Parcel>),
    Barriers(Vec<Barrier>),
    Boundaries(Vec<Boundary>),
    Ways(Vec<Way>),
    ProtectedLand(Vec<ProtectedArea>),
}

impl LayerData {
    fn empty(kind: LayerKind) -> LayerData {
        match kind {
            LayerKind::Estates => LayerData::Estates(Vec::new()),
            LayerKind::Facilities => LayerData::Facilities(Vec::new()),
            LayerKind::Gates => LayerData::Gates(Vec::new()),
            LayerKind::Buildings => LayerData::Buildings(Vec::new()),
            LayerKind::Parcels => LayerData::Parcels(Vec::new()),
            LayerKind::Barriers => LayerData::Barriers(Vec::new()),
            LayerKind::Boundaries => LayerData::Boundaries(Vec::new()),
            LayerKind::Ways => LayerData::Ways(Vec::new()),
            LayerKind::ProtectedLand => LayerData::ProtectedLand(Vec::new()),
        }
    }

    /// The number of model objects.
    pub fn len(&self) -> usize {
        match self {
            LayerData::Estates(v) => v.len(),
            LayerData::Facilities(v) => v.len(),
            LayerData::Gates(v) => v.len(),
            LayerData::Buildings(v) => v.len(),
            LayerData::Parcels(v) => v.len(),
            LayerData::Barriers(v) => v.len(),
            LayerData::Boundaries(v) => v.len(),
            LayerData::Ways(v) => v.len(),
            LayerData::ProtectedLand(v) => v.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Move the objects into a dataset, after what it already holds.
    pub fn append_to(self, dataset: &mut Dataset) {
        match self {
            LayerData::Estates(v) => dataset.estates.extend(v),
            LayerData::Facilities(v) => dataset.facilities.extend(v),
            LayerData::Gates(v) => dataset.gates.extend(v),
            LayerData::Buildings(v) => dataset.buildings.extend(v),
            LayerData::Parcels(v) => dataset.parcels.extend(v),
            LayerData::Barriers(v) => dataset.barriers.extend(v),
            LayerData::Boundaries(v) => dataset.boundaries.extend(v),
            LayerData::Ways(v) => dataset.ways.extend(v),
            LayerData::ProtectedLand(v) => dataset.protected_land.extend(v),
        }
    }
}

/// Read any vector layer: `.geojson` / `.json` with the GeoJSON reader, everything else (and any
/// `FILE|layername=NAME`) through GDAL.
pub fn read_raw_layer(spec: &Path) -> Result<RawLayer> {
    let text = spec.to_string_lossy();
    let is_geojson = !text.contains('|') && spec.extension().is_some_and(|e| e.eq_ignore_ascii_case("geojson") || e.eq_ignore_ascii_case("json"));
    if is_geojson { geojson::read_geojson(spec) } else { gdal_vector::read_vector(spec) }
}

/// Read a planner's layer file into model objects in the working CRS (choosing it if `crs` is `None`),
/// with the rejects. Errors are about the layer as a whole (unreadable file, missing field, swapped
/// coordinates ...); problems of single features are rejects. `path` may carry per-layer options
/// (`FILE|id=id|coords=gcj02|scheme=amap`, [`crate::read::layer_options`]) over `fields` and `input_coords`.
pub fn read_planner_layer(
    kind: LayerKind,
    path: &Path,
    fields: &LayerFields,
    crs: &mut Option<WorkingCrs>,
    input_coords: InputCoords,
    profile: &Profile,
) -> Result<(LayerData, Vec<Reject>)> {
    read_planner_layer_near(kind, path, fields, crs, input_coords, profile, None)
}

/// [`read_planner_layer`] knowing where the rest of the data lies (`reference`, longitude/latitude of
/// the layers read before): a projected layer without CRS gets a hint naming its Gauss-Krüger zone, and
/// one whose declared zone puts it far from the rest (a zone 3° or 6° off) is refused naming the zone
/// that fits.
pub fn read_planner_layer_near(
    kind: LayerKind,
    path: &Path,
    fields: &LayerFields,
    crs: &mut Option<WorkingCrs>,
    input_coords: InputCoords,
    profile: &Profile,
    reference: Option<geo_types::Coord<f64>>,
) -> Result<(LayerData, Vec<Reject>)> {
    let (raw, options) = read_raw_layer_near(path, reference)?;
    planner_layer_with_options(kind, raw, &options, fields, crs, input_coords, profile)
}

/// The raw layer of `path` (which may carry per-layer options, [`crate::read::layer_options`]) and those
/// options, with the CRS checks of [`read_planner_layer_near`]: a declared `crs=` applied, a projected layer
/// without CRS hinted its Gauss-Krüger zone, a zone that cannot hold the coordinates refused.
pub fn read_raw_layer_near(path: &Path, reference: Option<geo_types::Coord<f64>>) -> Result<(RawLayer, layer_options::LayerOptions)> {
    let (file, options) = layer_options::split_layer_options(path)?;
    let declared_crs = options.crs.as_deref().map(|c| declared_source_crs(path, c)).transpose()?;
    let has_options = options != layer_options::LayerOptions::default();
    let raw = if has_options || reference.is_some() {
        let is_geojson = !file.to_string_lossy().contains('|') && file.extension().is_some_and(|e| e.eq_ignore_ascii_case("geojson") || e.eq_ignore_ascii_case("json"));
        if is_geojson && options.where_clause.is_none() {
            let mut raw = geojson::read_geojson(&file)?;
            if let Some(c) = declared_crs.clone() {
                raw.crs = c;
                raw.crs_assumed = false;
            }
            raw
        } else {
            let read = gdal_vector::ReadOptions { where_clause: options.where_clause.clone(), declared_crs: declared_crs.clone(), reference_lon_lat: reference };
            gdal_vector::read_vector_with(&file, &read)?
        }
    } else {
        read_raw_layer(&file)?
    };
    if let crate::read::raw_layer::SourceCrs::Epsg(epsg) = raw.crs
        && let Some(extent) = raw.bounding_rect()
        && let Some(problem) = crate::crs::gauss_kruger::declared_crs_misfit(epsg, extent, reference)
    {
        let said = if declared_crs.is_some() { "the layer option crs= declares" } else { "the file declares" };
        return Err(Error::input(&raw.path, format!("{said} EPSG:{epsg}, which cannot hold the layer's coordinates: {problem}"), "declare the CRS the data was drawn in: FILE|crs=EPSG:nnnn (the zone that fits, above)"));
    }
    Ok((raw, options))
}

/// [`planner_layer_from_raw`] with a layer's own options over the run's `fields` and `input_coords`
/// (`id=`, `category=`, `coords=`, `scheme=` ...).
pub fn planner_layer_with_options(
    kind: LayerKind,
    raw: RawLayer,
    options: &layer_options::LayerOptions,
    fields: &LayerFields,
    crs: &mut Option<WorkingCrs>,
    input_coords: InputCoords,
    profile: &Profile,
) -> Result<(LayerData, Vec<Reject>)> {
    let fields = options.fields_over(fields);
    planner_layer_from_raw_with(kind, raw, &fields, crs, options.coords.unwrap_or(input_coords), profile, options.scheme)
}

/// The CRS of a `crs=` layer option (`EPSG:4548` or `4548`), checked with PROJ.
fn declared_source_crs(spec: &Path, text: &str) -> Result<crate::read::raw_layer::SourceCrs> {
    use crate::read::raw_layer::SourceCrs;
    let digits = text.trim().trim_start_matches("EPSG:").trim_start_matches("epsg:");
    let bad = || Error::Usage(format!("{}: crs={text}: expected EPSG:nnnn that PROJ knows, e.g. crs=EPSG:4548 (CGCS2000 3° Gauss-Krüger CM 117°E) or crs=EPSG:4490 (CGCS2000 longitude/latitude)", spec.display()));
    let code: u32 = digits.parse().map_err(|_| bad())?;
    crate::crs::Transformer::new(&format!("EPSG:{code}"), "EPSG:4326").map_err(|_| bad())?;
    Ok(if code == 4326 { SourceCrs::Wgs84 } else { SourceCrs::Epsg(code) })
}

/// Turn a [`RawLayer`] into model objects (see the module doc for the steps).
pub fn planner_layer_from_raw(
    kind: LayerKind,
    raw: RawLayer,
    fields: &LayerFields,
    crs: &mut Option<WorkingCrs>,
    input_coords: InputCoords,
    profile: &Profile,
) -> Result<(LayerData, Vec<Reject>)> {
    planner_layer_from_raw_with(kind, raw, fields, crs, input_coords, profile, None)
}

/// [`planner_layer_from_raw`] reading categories (facilities) and estate types (estates) in a map
/// provider's scheme (`scheme=amap|baidu`, the profile's `[[scheme.*]]` tables).
pub fn planner_layer_from_raw_with(
    kind: LayerKind,
    raw: RawLayer,
    fields: &LayerFields,
    crs: &mut Option<WorkingCrs>,
    input_coords: InputCoords,
    profile: &Profile,
    scheme: Option<crate::profile::CategoryScheme>,
) -> Result<(LayerData, Vec<Reject>)> {
    // 1b. A Shapefile cuts field names to 10 characters: give the engine's own names back.
    let raw = restore_shapefile_field_names(raw);
    // 2. Fields.
    let fields = fields::resolve_fields(kind, &raw, fields, profile, scheme)?;
    // 3. Coordinates: lon/lat sanity and Chinese web-map datums.
    let (geometries, early_rejects) = coordinates::checked_coordinates(&raw, input_coords)?;
    // 4. Working CRS.
    coordinates::choose_working_crs(&raw, &geometries, crs)?;
    // 5. Project and shape, in parallel.
    let shaped = geometry_checks::projected_shapes(kind, &raw, geometries, *crs)?;
    // 6. Ids, duplicates, attributes, in file order.
    Ok(attributes::build(kind, &raw, fields, early_rejects, shaped, profile))
}

/// The field names the engine writes (and reads) that are longer than a dBase field name (10 bytes).
pub const LONG_FIELD_NAMES: [&str; 10] = [
    "facility_id",
    "building_id",
    "boundary_id",
    "population_source",
    "floor_area_m2",
    "consent_share",
    "consulted_share",
    "previously_funded",
    "to_be_demolished",
    "estate_type",
];

/// A Shapefile (dBase) holds field names of at most 10 bytes, and GDAL cuts longer ones (`facility_id`
/// becomes `facility_i`). In a layer read from a `.shp`, a field named as the first 10 characters of one
/// of [`LONG_FIELD_NAMES`] is read under its full name when the layer has no field of that name.
/// (`population_source` cut to `population` collides with `population`; GDAL then names it `populati_1`,
/// which is left alone: the source is recomputed anyway.)
fn restore_shapefile_field_names(mut raw: RawLayer) -> RawLayer {
    let is_shapefile = raw.path.extension().is_some_and(|e| e.eq_ignore_ascii_case("shp") || e.eq_ignore_ascii_case("dbf"));
    if !is_shapefile {
        return raw;
    }
    let renames: Vec<(String, &str)> = LONG_FIELD_NAMES
        .iter()
        .map(|full| (full.chars().take(10).collect::<String>(), *full))
        .filter(|(short, full)| raw.has_property(short) && !raw.has_property(full) && short != "population")
        .collect();
    if renames.is_empty() {
        return raw;
    }
    for feature in &mut raw.features {
        for (short, full) in &renames {
            if let Some(v) = feature.properties.remove(short) {
                feature.properties.insert((*full).to_string(), v);
            }
        }
    }
    raw
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crs::china;
    use crate::model::{BoundaryLevel, FacilityGeometry, PopulationSource};
    use crate::read::geojson;
    use crate::read::raw_layer::{RawFeature, SourceCrs};
    use geo::{Area, Euclidean, Length, Validation};
    use geo_types::{Coord, Point};
    use serde_json::json;

    fn feature(index: usize, geometry: serde_json::Value, properties: serde_json::Value) -> RawFeature {
        let (geometry, geometry_problem) = match geojson::geometry_from_json(&geometry) {
            _ if geometry.is_null() => (None, None),
            Ok(g) => (Some(g), None),
            Err(e) => (None, Some(e)),
        };
        RawFeature { index, id: None, geometry, geometry_problem, properties: properties.as_object().cloned().unwrap_or_default() }
    }

    fn layer(features: Vec<RawFeature>) -> RawLayer {
        RawLayer { path: "layer.geojson".into(), layer_name: None, crs: SourceCrs::Wgs84, crs_assumed: false, features }
    }

    /// A square of about `side_m` metres at (lon, lat) near Nanjing, as GeoJSON.
    fn square(lon: f64, lat: f64, side_deg: f64) -> serde_json::Value {
        json!({"type":"Polygon","coordinates":[[[lon,lat],[lon+side_deg,lat],[lon+side_deg,lat+side_deg],[lon,lat+side_deg],[lon,lat]]]})
    }

    fn run(kind: LayerKind, features: Vec<RawFeature>) -> (LayerData, Vec<Reject>) {
        let mut crs = None;
        let out = planner_layer_from_raw(kind, layer(features), &LayerFields::default(), &mut crs, InputCoords::Wgs84, &Profile::default_profile()).unwrap();
        assert_eq!(crs, Some(WorkingCrs { epsg: 32650 }));
        out
    }

    #[test]
    fn facility_rows_of_one_id_join_when_only_the_category_differs() {
        let point = |lon: f64| json!({"type":"Point","coordinates":[lon,32.04]});
        let (data, rejects) = run(
            LayerKind::Facilities,
            vec![
                // One school of two categories as `extract` writes it: two rows, one id, one point.
                feature(0, point(118.78), json!({"facility_id":"s1","category":"primary_school","name":"一中"})),
                feature(1, point(118.78), json!({"facility_id":"s1","category":"middle_school","name":"一中"})),
                // The same category again: a duplicate.
                feature(2, point(118.78), json!({"facility_id":"s1","category":"middle_school","name":"一中"})),
                // Another place with the id of s1: a duplicate, whatever its category.
                feature(3, point(118.79), json!({"facility_id":"s1","category":"kindergarten","name":"一中"})),
                // A list field in one row.
                feature(4, point(118.80), json!({"facility_id":"s2","category":"kindergarten;elderly_care"})),
            ],
        );
        let LayerData::Facilities(facilities) = data else { panic!("facilities expected") };
        let pairs: Vec<(&str, &str)> = facilities.iter().map(|f| (f.id.as_str(), f.category.as_str())).collect();
        assert_eq!(pairs, [("s1", "primary_school"), ("s1", "middle_school"), ("s2", "kindergarten"), ("s2", "elderly_care")]);
        let reasons: Vec<&str> = rejects.iter().map(|r| r.reason.as_str()).collect();
        assert_eq!(reasons.len(), 2, "{reasons:?}");
        assert!(reasons[0].starts_with("duplicate_id: id `s1`: feature #0 has it too and was kept; this is feature #2") && reasons[0].contains("middle_school"), "{reasons:?}");
        assert!(reasons[1].contains("this is feature #3") && reasons[1].contains("different geometry"), "{reasons:?}");
    }

    #[test]
    fn estates_with_population_households_and_rejects() {
        let (data, rejects) = run(
            LayerKind::Estates,
            vec![
                feature(0, square(118.78, 32.04, 0.001), json!({"estate_id":"e1","name":"东方小区","population":"1,310"})),
                feature(1, square(118.79, 32.04, 0.001), json!({"estate_id":"e2","households":100})),
                feature(2, square(118.80, 32.04, 0.001), json!({"estate_id":"e1"})),
                feature(3, square(118.81, 32.04, 0.001), json!({"estate_id":"e4","population":-5})),
                feature(4, json!({"type":"Point","coordinates":[118.78,32.04]}), json!({"estate_id":"e5"})),
                feature(5, json!(null), json!({"estate_id":"e6"})),
                // A ring that goes out and back along one edge: exactly zero area in any projection.
                feature(6, json!({"type":"Polygon","coordinates":[[[118.78,32.04],[118.781,32.04],[118.78,32.04],[118.78,32.04]]]}), json!({"estate_id":"e7"})),
                feature(7, square(118.82, 32.04, 0.001), json!({"estate_id":12.0})),
            ],
        );
        let LayerData::Estates(estates) = data else { panic!("estates expected") };
        assert_eq!(estates.iter().map(|e| e.id.as_str()).collect::<Vec<_>>(), vec!["e1", "e2", "12"]);
        // 1,310 people with the 2020 census household size 2.62: 1310 / 2.62 = 500 households.
        assert_eq!(estates[0].population, 1310.0);
        assert!((estates[0].households - 500.0).abs() < 1e-9);
        assert_eq!(estates[0].population_source, PopulationSource::Layer);
        assert_eq!(estates[0].name.as_deref(), Some("东方小区"));
        // 100 households × 2.62 = 262 people.
        assert!((estates[1].population - 262.0).abs() < 1e-9);
        assert_eq!(estates[2].population_source, PopulationSource::Unknown);
        // A 0.001° square at 32°N is about 94.5 m × 111 m ≈ 10,500 m² in UTM 50N.
        let area = estates[0].polygon.unsigned_area();
        assert!((10_000.0..11_000.0).contains(&area), "{area}");
        let reasons: Vec<(String, String)> = rejects.iter().map(|r| (r.source_id.clone(), r.reason.clone())).collect();
        assert_eq!(reasons.len(), 5, "{reasons:?}");
        assert!(reasons[0].0 == "e1" && reasons[0].1.starts_with("duplicate_id: id `e1`"), "{reasons:?}");
        assert!(reasons[1].0 == "e4" && reasons[1].1.starts_with("value_out_of_range: ") && reasons[1].1.contains("negative"));
        assert!(reasons[2].0 == "e5" && reasons[2].1.starts_with("wrong_geometry_type: Point where"));
        assert!(reasons[3].0 == "e6" && reasons[3].1.contains("no geometry") && rejects[3].geometry.is_none());
        assert!(reasons[4].0 == "e7" && reasons[4].1.contains("no area"), "{reasons:?}");
        assert!(rejects.iter().all(|r| r.source == "layer.geojson" && r.layer == "estates"));
    }

    #[test]
    fn bow_tie_is_repaired_and_unclosed_ring_rejected() {
        // A bow-tie (self-intersecting) ring: MakeValid turns it into two triangles of equal area.
        let bow = json!({"type":"Polygon","coordinates":[[[118.78,32.04],[118.781,32.041],[118.781,32.04],[118.78,32.041],[118.78,32.04]]]});
        let open = json!({"type":"Polygon","coordinates":[[[118.78,32.04],[118.781,32.04],[118.781,32.041],[118.78,32.041]]]});
        let (data, rejects) = run(LayerKind::Parcels, vec![feature(0, bow, json!({})), feature(1, open, json!({}))]);
        let LayerData::Parcels(parcels) = data else { panic!() };
        assert_eq!(parcels.len(), 1, "{rejects:?}");
        assert_eq!(parcels[0].polygon.0.len(), 2);
        assert!(parcels[0].polygon.is_valid());
        // Each triangle is a quarter of the 0.001° square (≈ 10,500 m² / 4).
        let area = parcels[0].polygon.unsigned_area();
        assert!((5_000.0..5_500.0).contains(&area), "{area}");
        assert_eq!(parcels[0].id, "#0");
        assert_eq!(rejects.len(), 1);
        assert!(rejects[0].reason.contains("not closed"), "{}", rejects[0].reason);
        // The reject names the output layer the parcel would be in (`idle_land`), as `--idle-land` does.
        assert_eq!(rejects[0].layer, "idle_land");
    }

    #[test]
    fn a_hole_outside_its_shell_is_rejected_and_a_hole_inside_kept() {
        // Outer ring: a 0.001° square; the first hole lies 0.01° east of it, the second is a proper hole.
        let outside = json!({"type":"Polygon","coordinates":[
            [[118.789,32.04],[118.79,32.04],[118.79,32.041],[118.789,32.041],[118.789,32.04]],
            [[118.8,32.04],[118.8,32.0405],[118.8005,32.0405],[118.8005,32.04],[118.8,32.04]]]});
        let inside = json!({"type":"Polygon","coordinates":[
            [[118.78,32.04],[118.781,32.04],[118.781,32.041],[118.78,32.041],[118.78,32.04]],
            [[118.7803,32.0403],[118.7803,32.0406],[118.7806,32.0406],[118.7806,32.0403],[118.7803,32.0403]]]});
        // A multipolygon whose second part has its hole outside.
        let multi = json!({"type":"MultiPolygon","coordinates":[
            [[[118.77,32.04],[118.771,32.04],[118.771,32.041],[118.77,32.041],[118.77,32.04]]],
            [[[118.76,32.04],[118.761,32.04],[118.761,32.041],[118.76,32.041],[118.76,32.04]],
             [[118.75,32.04],[118.75,32.0405],[118.7505,32.0405],[118.7505,32.04],[118.75,32.04]]]]});
        let (data, rejects) = run(
            LayerKind::Estates,
            vec![feature(0, outside, json!({"estate_id":"out"})), feature(1, inside, json!({"estate_id":"in"})), feature(2, multi, json!({"estate_id":"multi"}))],
        );
        let LayerData::Estates(estates) = data else { panic!() };
        assert_eq!(estates.iter().map(|e| e.id.as_str()).collect::<Vec<_>>(), vec!["in"]);
        assert_eq!((estates[0].polygon.0.len(), estates[0].polygon.0[0].interiors().len()), (1, 1));
        let reasons: Vec<(&str, &str)> = rejects.iter().map(|r| (r.source_id.as_str(), r.reason.as_str())).collect();
        assert_eq!(reasons.len(), 2, "{reasons:?}");
        assert_eq!(reasons[0].0, "out");
        assert!(reasons[0].1.starts_with("hole_outside_shell: inner ring 1 lies outside"), "{}", reasons[0].1);
        assert_eq!(reasons[1].0, "multi");
        assert!(reasons[1].1.starts_with("hole_outside_shell: inner ring 1 of part 2 lies outside"), "{}", reasons[1].1);
        assert!(rejects[0].geometry.is_some(), "the reject keeps the drawing to show on the map");
    }

    #[test]
    fn facilities_categories_by_key_chinese_name_or_alias() {
        let p = json!({"type":"Point","coordinates":[118.78,32.04]});
        let (data, rejects) = run(
            LayerKind::Facilities,
            vec![
                feature(0, p.clone(), json!({"facility_id":"f1","category":"kindergarten","capacity":180})),
                feature(1, p.clone(), json!({"facility_id":"f2","category":"幼儿园; nursery"})),
                feature(2, p.clone(), json!({"facility_id":"f3","category":"gym"})),
                feature(3, square(118.78, 32.04, 0.001), json!({"facility_id":"f4","category":"口袋公园"})),
                feature(4, p, json!({"facility_id":"f5","category":null})),
            ],
        );
        let LayerData::Facilities(fs) = data else { panic!() };
        let got: Vec<(&str, &str)> = fs.iter().map(|f| (f.id.as_str(), f.category.as_str())).collect();
        assert_eq!(got, vec![("f1", "kindergarten"), ("f2", "kindergarten"), ("f2", "nursery"), ("f4", "park")]);
        assert_eq!(fs[0].capacity, Some(180.0));
        assert!(matches!(fs[3].geometry, FacilityGeometry::Area(_)));
        assert_eq!(rejects.len(), 2);
        assert!(rejects[0].reason.contains("unknown category `gym`") && rejects[0].reason.contains("幼儿园、托儿所、养老服务站"), "{}", rejects[0].reason);
        assert!(rejects[1].reason.contains("no category"));
    }

    #[test]
    fn missing_named_field_and_missing_category_field_are_errors() {
        let f = || vec![feature(0, json!({"type":"Point","coordinates":[118.78,32.04]}), json!({"kind":"school"}))];
        let profile = Profile::default_profile();
        let fields = LayerFields { id_field: Some("编号".into()), ..Default::default() };
        let err = planner_layer_from_raw(LayerKind::Gates, layer(f()), &fields, &mut None, InputCoords::Wgs84, &profile).unwrap_err().to_string();
        assert!(err.contains("layer.geojson") && err.contains("no field `编号`") && err.contains("kind"), "{err}");
        let err = planner_layer_from_raw(LayerKind::Facilities, layer(f()), &LayerFields::default(), &mut None, InputCoords::Wgs84, &profile).unwrap_err().to_string();
        assert!(err.contains("no `category` field"), "{err}");
    }

    #[test]
    fn ways_keep_tags_and_split_multilines() {
        let ml = json!({"type":"MultiLineString","coordinates":[[[118.78,32.04],[118.781,32.04]],[[118.79,32.04],[118.791,32.041]]]});
        let point = json!({"type":"Point","coordinates":[118.78,32.04]});
        let (data, rejects) = run(LayerKind::Ways, vec![feature(0, ml, json!({"way_id":"w9","highway":"footway","lanes":2,"note":null})), feature(1, point, json!({"way_id":"p1"}))]);
        // A point is no way: rejected under the output layer's name, `network`, as `--network` calls it.
        assert_eq!(rejects.iter().map(|r| (r.layer.as_str(), r.source_id.as_str())).collect::<Vec<_>>(), vec![("network", "p1")]);
        assert!(rejects[0].reason.contains("where the network layer needs LineString"), "{}", rejects[0].reason);
        let LayerData::Ways(ways) = data else { panic!() };
        assert_eq!(ways.iter().map(|w| w.id.as_str()).collect::<Vec<_>>(), vec!["w9/1", "w9/2"]);
        assert_eq!(ways[0].tags.get("highway").map(String::as_str), Some("footway"));
        assert_eq!(ways[0].tags.get("lanes").map(String::as_str), Some("2"));
        assert!(!ways[0].tags.contains_key("note"));
        // 0.001° of longitude at 32.04°N ≈ 94.4 m.
        let len = Euclidean.length(&ways[0].line);
        assert!((93.0..96.0).contains(&len), "{len}");
    }

    #[test]
    fn gcj02_layer_is_moved_back_by_the_offset() {
        // The same point given in WGS 84 and in GCJ-02 must land on the same projected position (< 0.5 m).
        let wgs = geo_types::coord! { x: 118.78, y: 32.04 };
        let gcj = china::from_wgs84(wgs, InputCoords::Gcj02).unwrap();
        let profile = Profile::default_profile();
        let gate = |c: Coord<f64>| layer(vec![feature(0, json!({"type":"Point","coordinates":[c.x, c.y]}), json!({"gate_id":"g"}))]);
        let mut crs = Some(WorkingCrs { epsg: 32650 });
        let (a, _) = planner_layer_from_raw(LayerKind::Gates, gate(wgs), &LayerFields::default(), &mut crs, InputCoords::Wgs84, &profile).unwrap();
        let (b, _) = planner_layer_from_raw(LayerKind::Gates, gate(gcj), &LayerFields::default(), &mut crs, InputCoords::Gcj02, &profile).unwrap();
        let (c, _) = planner_layer_from_raw(LayerKind::Gates, gate(gcj), &LayerFields::default(), &mut crs, InputCoords::Wgs84, &profile).unwrap();
        let (LayerData::Gates(a), LayerData::Gates(b), LayerData::Gates(c)) = (a, b, c) else { panic!() };
        let d = |p: Point<f64>, q: Point<f64>| (p.x() - q.x()).hypot(p.y() - q.y());
        assert!(d(a[0].point, b[0].point) < 0.5, "{}", d(a[0].point, b[0].point));
        assert!(d(a[0].point, c[0].point) > 300.0, "unconverted GCJ-02 is hundreds of metres off");
    }

    #[test]
    fn swapped_layer_is_refused_and_projected_layer_refuses_gcj() {
        let profile = Profile::default_profile();
        let swapped = layer(vec![feature(0, json!({"type":"Point","coordinates":[32.04,118.78]}), json!({}))]);
        let err = planner_layer_from_raw(LayerKind::Gates, swapped, &LayerFields::default(), &mut None, InputCoords::Wgs84, &profile).unwrap_err().to_string();
        assert!(err.contains("swapped"), "{err}");
        let mut projected = layer(vec![feature(0, json!({"type":"Point","coordinates":[668069.39,3546254.68]}), json!({}))]);
        projected.crs = SourceCrs::Epsg(32650);
        let err = planner_layer_from_raw(LayerKind::Gates, projected.clone(), &LayerFields::default(), &mut None, InputCoords::Gcj02, &profile).unwrap_err().to_string();
        assert!(err.contains("--input-coords gcj02") && err.contains("EPSG:32650"), "{err}");
        // Projected input in another CRS: the working CRS is chosen from its centre in lon/lat (Nanjing, UTM 50N).
        let mut crs = None;
        let (data, _) = planner_layer_from_raw(LayerKind::Gates, projected, &LayerFields::default(), &mut crs, InputCoords::Wgs84, &profile).unwrap();
        assert_eq!(crs, Some(WorkingCrs { epsg: 32650 }));
        let LayerData::Gates(g) = data else { panic!() };
        assert!((g[0].point.x() - 668_069.39).abs() < 0.01 && (g[0].point.y() - 3_546_254.68).abs() < 0.01);
    }

    #[test]
    fn per_layer_options_with_the_baidu_scheme_and_bd09() {
        // Baidu AOIs and POIs in BD-09, read with options on the path: their own id, name, population and
        // tag fields, the Baidu scheme and the datum; the global fields (`编号`) do not apply to them.
        let dir = tempfile::tempdir().unwrap();
        let bd = |lon: f64, lat: f64| china::from_wgs84(geo_types::coord! { x: lon, y: lat }, InputCoords::Bd09).unwrap();
        let sq = |lon: f64, lat: f64| {
            let c: Vec<[f64; 2]> = [(0.0, 0.0), (0.001, 0.0), (0.001, 0.001), (0.0, 0.001), (0.0, 0.0)].iter().map(|(dx, dy)| bd(lon + dx, lat + dy)).map(|c| [c.x, c.y]).collect();
            json!({"type":"Polygon","coordinates":[c]})
        };
        let fc = |features: Vec<serde_json::Value>| json!({"type":"FeatureCollection","features":features}).to_string();
        let aoi = dir.path().join("aoi.geojson");
        std::fs::write(&aoi, fc(vec![
            json!({"type":"Feature","geometry":sq(118.78,32.04),"properties":{"uid":"a1","title":"锁金村","常住人口":1200,"tag":"房地产;住宅区"}}),
            json!({"type":"Feature","geometry":sq(118.79,32.04),"properties":{"uid":"a2","title":"科技大厦","常住人口":0,"tag":"房地产;写字楼"}}),
        ])).unwrap();
        let p = bd(118.7805, 32.0405);
        let poi = dir.path().join("poi.geojson");
        std::fs::write(&poi, fc(vec![
            json!({"type":"Feature","geometry":{"type":"Point","coordinates":[p.x,p.y]},"properties":{"uid":"p1","tag":"教育培训;幼儿园"}}),
            json!({"type":"Feature","geometry":{"type":"Point","coordinates":[p.x,p.y]},"properties":{"uid":"p2","tag":"美食;中餐厅","type":"餐饮"}}),
        ])).unwrap();
        let profile = Profile::default_profile();
        let global = LayerFields { id_field: Some("编号".into()), ..LayerFields::default() };
        let mut crs = None;
        let spec = format!("{}|id=uid|name=title|population=常住人口|coords=bd09|scheme=baidu", aoi.display());
        let (data, rejects) = read_planner_layer(LayerKind::Estates, Path::new(&spec), &global, &mut crs, InputCoords::Wgs84, &profile).unwrap();
        let LayerData::Estates(e) = data else { panic!() };
        assert_eq!((e.len(), e[0].id.as_str(), e[0].name.as_deref(), e[0].population), (1, "a1", Some("锁金村"), 1200.0));
        assert!(rejects[0].source_id == "a2" && rejects[0].reason.contains("写字楼"), "{rejects:?}");
        // Converted from BD-09: the estate's south-west corner lies where WGS 84 (118.78, 32.04) projects (< 0.5 m).
        let t = crate::crs::Transformer::from_wgs84(WorkingCrs { epsg: 32650 }).unwrap();
        let sw = t.coord(geo_types::coord! { x: 118.78, y: 32.04 }).unwrap();
        let nearest = e[0].polygon.0[0].exterior().0.iter().map(|c| (c.x - sw.x).hypot(c.y - sw.y)).fold(f64::MAX, f64::min);
        assert!(nearest < 0.5, "{nearest}");
        let spec = format!("{}|id=uid|coords=bd09|scheme=baidu", poi.display());
        let (data, rejects) = read_planner_layer(LayerKind::Facilities, Path::new(&spec), &global, &mut crs, InputCoords::Wgs84, &profile).unwrap();
        let LayerData::Facilities(f) = data else { panic!() };
        assert_eq!((f.len(), f[0].id.as_str(), f[0].category.as_str()), (1, "p1", "kindergarten"));
        assert!(rejects[0].reason.contains("unknown Baidu tag 美食;中餐厅 (餐饮)"), "{rejects:?}");
    }

    #[test]
    fn boundaries_levels_and_buildings() {
        let (data, rejects) = run(
            LayerKind::Boundaries,
            vec![
                feature(0, square(118.78, 32.04, 0.01), json!({"boundary_id":"b1","level":"街道","name":"玄武门街道"})),
                feature(1, square(118.78, 32.04, 0.005), json!({"boundary_id":"b2"})),
                feature(2, square(118.78, 32.04, 0.005), json!({"boundary_id":"b3","level":"district"})),
            ],
        );
        let LayerData::Boundaries(b) = data else { panic!() };
        assert_eq!(b.iter().map(|x| x.level).collect::<Vec<_>>(), vec![BoundaryLevel::Street, BoundaryLevel::Community]);
        assert!(rejects[0].reason.contains("district"));
        let (data, rejects) = run(
            LayerKind::Buildings,
            vec![
                feature(0, square(118.78, 32.04, 0.0002), json!({"levels":"6"})),
                feature(1, square(118.781, 32.04, 0.0002), json!({"levels":0,"building_id":"x"})),
                feature(2, square(118.782, 32.04, 0.0002), json!({"building":"school"})),
            ],
        );
        let LayerData::Buildings(b) = data else { panic!() };
        assert_eq!((b[0].levels, b[0].residential, b[1].residential), (Some(6.0), true, false));
        assert!(rejects[0].reason.contains("levels is 0"));
    }
}
