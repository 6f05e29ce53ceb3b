//! Planners' own layers (`--estates`, `--facilities`, `--gates`, `--buildings`, `--idle-land`,
//! `--barriers`, `--boundaries`, `--network`): any vector file becomes model objects ([`Estate`],
//! [`Facility`], [`Gate`], [`Building`], [`Parcel`], [`Barrier`], [`Boundary`], [`Way`]) in the
//! working CRS, and every feature that cannot become one becomes a [`Reject`] with its reason, its
//! `layer` being the output layer's name ([`LayerKind::name`]: `idle_land` for parcels, `network` for ways).
//!
//! The steps, for one layer:
//! 1. Read the file ([`read_raw_layer`]: GeoJSON by our streaming reader, anything else through GDAL).
//! 2. Check the fields the planner named exist (a typo is an error that lists the fields there are).
//! 3. If the layer's CRS is geographic, check its coordinates are longitude/latitude
//!    ([`crate::crs::detect`]: swapped or projected layers are refused; stray features rejected), and
//!    convert GCJ-02 / BD-09 to WGS 84 when `--input-coords` says so ([`crate::crs::china`]).
//! 4. Choose the working CRS if none is yet: the UTM zone of this layer's centre.
//! 5. Per feature, in parallel (one PROJ transformer per worker): project, check the geometry type for
//!    the layer kind, and for polygons: no area → reject; invalid (self-intersection, crossing rings,
//!    overlapping parts; OGC Simple Features validity as `geo::Validation` checks it) → repaired with
//!    GEOS `MakeValid` through GDAL (the "structure" method keeps every covered area), rejected if no
//!    polygon remains. A hole that shares no area with its outer ring is rejected, not repaired (MakeValid
//!    would make it a second polygon of land the planner never drew).
//! 6. In file order: id (the id field, else the feature's own id, else its position), duplicate ids
//!    (the first wins, the others are rejected), then the attributes of the kind.
//!
//! Fields (defaults in brackets; when a default field is absent the Chinese alias is tried, then the
//! fallback applies): id [`estate_id`, `facility_id`, `gate_id`, `building_id`, `parcel_id`,
//! `barrier_id`, `boundary_id`, `way_id`], name [`name` / `名称`], category [`category` / `类别`:
//! a profile key, name or alias (`Profile::find_category`); several separated by `;` give one facility per category],
//! population [`population` / `人口`], households [`households` / `户数`], and fixed names: estates
//! `built_year`; facilities `capacity`; gates `kind` [gate], `access`; buildings `levels` (or
//! `building:levels`), `use` (or `building`) [yes], `residential` [by the profile's building values];
//! barriers `class` [layer]; boundaries `level` (`community`/`社区` or `street`/`街道`) [community].
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

use crate::crs::china::{self, InputCoords};
use crate::crs::{detect, Transformer, WorkingCrs};
use crate::error::{Error, Result};
use crate::read::raw_layer::{RawFeature, RawLayer};
use crate::gdal_errors;
use crate::geometry::wkb;
use crate::read::{gdal_vector, geojson};
use crate::model::{
    Barrier, Boundary, BoundaryLevel, Building, Dataset, Estate, EstateSource, Facility, FacilityGeometry, Gate, Parcel, PopulationSource, Reject, SurveyAttributes, Way,
};
use crate::profile::Profile;
use geo::{Area, BoundingRect, Euclidean, Length, Validation};
use geo_types::{Coord, Geometry, LineString, MultiPolygon, Point, Polygon};
use rayon::prelude::*;
use serde_json::Value as Json;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

/// Polygons smaller than this (a 10 cm square) have no area worth the name: rejected as zero-area.
pub const MIN_POLYGON_AREA_M2: f64 = 0.01;

/// Polygons narrower than this on average (area ÷ half the perimeter) collapse to a line: rejected as
/// zero-area. A 1 cm mean width is far below any wall, path or parcel a planner draws.
pub const MIN_POLYGON_WIDTH_M: f64 = 0.01;

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
}

impl LayerKind {
    pub const ALL: [LayerKind; 8] =
        [LayerKind::Estates, LayerKind::Facilities, LayerKind::Gates, LayerKind::Buildings, LayerKind::Parcels, LayerKind::Barriers, LayerKind::Boundaries, LayerKind::Ways];

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
        }
    }

    fn geometry_wanted(self) -> &'static str {
        match self {
            LayerKind::Estates | LayerKind::Buildings | LayerKind::Parcels | LayerKind::Boundaries => "Polygon or MultiPolygon",
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
/// coordinates ...); problems of single features are rejects.
pub fn read_planner_layer(
    kind: LayerKind,
    path: &Path,
    fields: &LayerFields,
    crs: &mut Option<WorkingCrs>,
    input_coords: InputCoords,
    profile: &Profile,
) -> Result<(LayerData, Vec<Reject>)> {
    let raw = read_raw_layer(path)?;
    planner_layer_from_raw(kind, raw, fields, crs, input_coords, profile)
}

/// A field role resolved against the layer: the field to read, or `None` if the layer lacks it.
fn resolve_field(raw: &RawLayer, named: Option<&String>, default: &str, aliases: &[&str], flag: &str) -> Result<Option<String>> {
    if let Some(name) = named {
        if raw.has_property(name) {
            return Ok(Some(name.clone()));
        }
        let names = raw.property_names();
        return Err(Error::input(
            &raw.path,
            format!("has no field `{name}` (given with {flag})"),
            if names.is_empty() { "the layer has no attribute fields at all".to_string() } else { format!("its fields are: {}", names.join(", ")) },
        ));
    }
    Ok(std::iter::once(default).chain(aliases.iter().copied()).find(|f| raw.has_property(f)).map(str::to_string))
}

/// The text of an id value; integral numbers without a decimal part (`12`, not `12.0`).
fn id_text(value: &Json) -> Option<String> {
    match value {
        Json::Null => None,
        Json::String(s) => Some(s.trim().to_string()).filter(|s| !s.is_empty()),
        Json::Number(n) => Some(match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => i.to_string(),
            (None, Some(x)) if x.fract() == 0.0 && x.abs() < 1e15 => format!("{}", x as i64),
            _ => n.to_string(),
        }),
        other => Some(other.to_string()),
    }
}

/// A number from a property: numbers, or text like `1,200` / ` 35.5 `. `Ok(None)` when null or blank.
pub fn number_value(value: Option<&Json>) -> std::result::Result<Option<f64>, String> {
    match value {
        None | Some(Json::Null) => Ok(None),
        Some(Json::Number(n)) => n.as_f64().map(Some).ok_or_else(|| format!("`{n}` is not a usable number")),
        Some(Json::String(s)) => {
            let t: String = s.trim().chars().filter(|c| *c != ',' && *c != '，').collect();
            if t.is_empty() {
                return Ok(None);
            }
            match t.parse::<f64>() {
                Ok(x) if x.is_finite() => Ok(Some(x)),
                _ => Err(format!("`{s}` is not a number")),
            }
        }
        Some(other) => Err(format!("`{other}` is not a number")),
    }
}

/// A yes/no property: booleans, 1/0, yes/no, true/false, y/n, 是/否.
pub fn bool_value(value: Option<&Json>) -> std::result::Result<Option<bool>, String> {
    match value {
        None | Some(Json::Null) => Ok(None),
        Some(Json::Bool(b)) => Ok(Some(*b)),
        Some(Json::Number(n)) if n.as_f64() == Some(1.0) => Ok(Some(true)),
        Some(Json::Number(n)) if n.as_f64() == Some(0.0) => Ok(Some(false)),
        Some(Json::String(s)) => parse_yes_no(s),
        Some(other) => Err(format!("`{other}` is not yes or no")),
    }
}

/// Parse yes/no text in English or Chinese; blank is `None`.
pub fn parse_yes_no(s: &str) -> std::result::Result<Option<bool>, String> {
    match s.trim().to_lowercase().as_str() {
        "" => Ok(None),
        "1" | "yes" | "y" | "true" | "t" | "是" | "有" => Ok(Some(true)),
        "0" | "no" | "n" | "false" | "f" | "否" | "无" | "没有" => Ok(Some(false)),
        _ => Err(format!("`{}` is not yes or no (use yes/no, 是/否, 1/0 or true/false)", s.trim())),
    }
}

/// A geometry after projection and the kind's checks.
enum Shaped {
    Polygons(MultiPolygon<f64>),
    Point(Point<f64>),
    Lines(Vec<LineString<f64>>),
    Barrier(Geometry<f64>),
}

/// Why a feature's geometry failed, with the geometry to show in the rejects when there is one.
struct GeometryReject {
    reason: String,
    geometry: Option<Geometry<f64>>,
}

fn reject_geometry(reason: impl Into<String>, geometry: Option<Geometry<f64>>) -> GeometryReject {
    GeometryReject { reason: reason.into(), geometry }
}

/// Polygons of a geometry: `None` when it holds anything else.
fn polygons_of(g: &Geometry<f64>) -> Option<Vec<Polygon<f64>>> {
    match g {
        Geometry::Polygon(p) => Some(vec![p.clone()]),
        Geometry::MultiPolygon(mp) => Some(mp.0.clone()),
        Geometry::Rect(r) => Some(vec![r.to_polygon()]),
        Geometry::Triangle(t) => Some(vec![t.to_polygon()]),
        _ => None,
    }
}

/// The polygons GEOS `MakeValid` makes of an invalid (multi)polygon; lines and points it may produce
/// from collapsed parts are dropped.
fn make_valid(mp: &MultiPolygon<f64>) -> std::result::Result<MultiPolygon<f64>, String> {
    gdal_errors::install_error_handler();
    let mut bytes = Vec::new();
    wkb::encode(&Geometry::MultiPolygon(mp.clone()), &mut bytes);
    let ogr = gdal::vector::Geometry::from_wkb(&bytes).map_err(|e| e.to_string())?;
    let mut options = gdal::cpl::CslStringList::new();
    options.set_name_value("METHOD", "STRUCTURE").map_err(|e| e.to_string())?;
    let repaired = ogr.make_valid(&options).or_else(|_| ogr.make_valid(&gdal::cpl::CslStringList::new())).map_err(|e| e.to_string())?;
    let out = wkb::decode_allow_empty(&repaired.iso_wkb().map_err(|e| e.to_string())?)?;
    let mut polygons = Vec::new();
    let mut stack: Vec<Geometry<f64>> = out.into_iter().collect();
    while let Some(g) = stack.pop() {
        match g {
            Geometry::GeometryCollection(gc) => stack.extend(gc.0),
            other => polygons.extend(polygons_of(&other).unwrap_or_default()),
        }
    }
    Ok(MultiPolygon(polygons))
}

/// Whether projected polygons have an area worth the name: at least [`MIN_POLYGON_AREA_M2`], and a mean
/// width (area ÷ half the perimeter) of at least [`MIN_POLYGON_WIDTH_M`]. The second test catches rings
/// whose positions lie on one line in lon/lat: projected, the Earth's curvature gives them a few cm² of
/// area (a 200 m "flat" ring in Nanjing has 0.04 m² in UTM), which is no area.
fn has_area(mp: &MultiPolygon<f64>) -> bool {
    let area_m2 = mp.unsigned_area();
    let perimeter_m: f64 = mp.0.iter().map(|p| Euclidean.length(p.exterior()) + p.interiors().iter().map(|r| Euclidean.length(r)).sum::<f64>()).sum();
    area_m2 >= MIN_POLYGON_AREA_M2 && area_m2 >= MIN_POLYGON_WIDTH_M * perimeter_m / 2.0
}

/// The first hole (inner ring) that shares no area with its polygon's outer ring, described. MakeValid
/// would turn such a hole into a second polygon, adding land the planner never drew as part of the
/// feature; it is a drawing error (a ring put in the wrong feature or the wrong place), so the feature is
/// rejected instead. A hole that crosses its outer ring still overlaps it and is left to MakeValid.
fn hole_outside_shell(parts: &[Polygon<f64>]) -> Option<String> {
    use geo::Relate;
    for (k, polygon) in parts.iter().enumerate() {
        let shell = Polygon::new(polygon.exterior().clone(), vec![]);
        for (j, hole) in polygon.interiors().iter().enumerate() {
            let hole = Polygon::new(hole.clone(), vec![]);
            let shared_area = hole.relate(&shell).matches("2********").unwrap_or(true);
            if !shared_area && hole.unsigned_area() > 0.0 {
                let part = if parts.len() > 1 { format!(" of part {}", k + 1) } else { String::new() };
                return Some(format!(
                    "hole outside its shell: inner ring {}{part} lies outside the polygon's outer ring; a hole must lie inside the area it cuts out (move the ring or delete it)",
                    j + 1
                ));
            }
        }
    }
    None
}

/// Check the polygons of a polygonal geometry: area, validity, repair. Returns them and whether they
/// were repaired.
fn checked_polygons(g: &Geometry<f64>, parts: Vec<Polygon<f64>>) -> std::result::Result<(MultiPolygon<f64>, bool), GeometryReject> {
    if let Some(problem) = hole_outside_shell(&parts) {
        return Err(reject_geometry(problem, Some(g.clone())));
    }
    let mp = MultiPolygon(parts);
    let no_area = |area_m2: f64| reject_geometry(format!("the polygon has no area ({area_m2:.3} m²): it collapses to a line or a point"), Some(g.clone()));
    match mp.check_validation() {
        Ok(()) => {
            let area_m2 = mp.unsigned_area();
            if has_area(&mp) { Ok((mp, false)) } else { Err(no_area(area_m2)) }
        }
        // The signed area of a self-intersecting ring is meaningless (a bow-tie's halves cancel): repair first.
        Err(problem) => match make_valid(&mp) {
            Ok(fixed) if fixed.0.is_empty() || !has_area(&fixed) => Err(no_area(fixed.unsigned_area())),
            Ok(fixed) if fixed.is_valid() => Ok((fixed, true)),
            Ok(_) => Err(reject_geometry(format!("invalid polygon ({problem}) that GEOS MakeValid could not repair"), Some(g.clone()))),
            Err(e) => Err(reject_geometry(format!("invalid polygon ({problem}); repairing it failed: {e}"), Some(g.clone()))),
        },
    }
}

/// Turn a projected geometry into what the layer kind needs.
fn shape(kind: LayerKind, g: Geometry<f64>) -> std::result::Result<(Shaped, bool), GeometryReject> {
    let wrong = |g: &Geometry<f64>| {
        reject_geometry(format!("wrong geometry type: {} where the {} layer needs {}", type_name(g), kind.name(), kind.geometry_wanted()), Some(g.clone()))
    };
    let polygons = |g: &Geometry<f64>| match polygons_of(g) {
        Some(parts) => checked_polygons(g, parts),
        None => Err(wrong(g)),
    };
    match kind {
        LayerKind::Estates | LayerKind::Buildings | LayerKind::Parcels | LayerKind::Boundaries => {
            polygons(&g).map(|(mp, repaired)| (Shaped::Polygons(mp), repaired))
        }
        LayerKind::Facilities => match &g {
            Geometry::Point(p) => Ok((Shaped::Point(*p), false)),
            Geometry::MultiPoint(mp) if mp.0.len() == 1 => Ok((Shaped::Point(mp.0[0]), false)),
            _ => polygons(&g).map(|(mp, repaired)| (Shaped::Polygons(mp), repaired)),
        },
        LayerKind::Gates => match &g {
            Geometry::Point(p) => Ok((Shaped::Point(*p), false)),
            Geometry::MultiPoint(mp) if mp.0.len() == 1 => Ok((Shaped::Point(mp.0[0]), false)),
            _ => Err(wrong(&g)),
        },
        LayerKind::Ways => {
            let lines = match &g {
                Geometry::LineString(l) => vec![l.clone()],
                Geometry::Line(l) => vec![(*l).into()],
                Geometry::MultiLineString(m) => m.0.clone(),
                _ => return Err(wrong(&g)),
            };
            if lines.iter().any(|l| Euclidean.length(l) <= 0.0) {
                return Err(reject_geometry("a line has zero length (all its positions are the same)", Some(g)));
            }
            Ok((Shaped::Lines(lines), false))
        }
        LayerKind::Barriers => match &g {
            Geometry::LineString(_) | Geometry::MultiLineString(_) | Geometry::Line(_) => {
                let length = match &g {
                    Geometry::LineString(l) => Euclidean.length(l),
                    Geometry::MultiLineString(m) => Euclidean.length(m),
                    Geometry::Line(l) => Euclidean.length(l),
                    _ => 0.0,
                };
                if length > 0.0 { Ok((Shaped::Barrier(g), false)) } else { Err(reject_geometry("the line has zero length", Some(g))) }
            }
            _ => polygons(&g).map(|(mp, repaired)| (Shaped::Barrier(Geometry::MultiPolygon(mp)), repaired)),
        },
    }
}

fn type_name(g: &Geometry<f64>) -> &'static str {
    match g {
        Geometry::Point(_) => "Point",
        Geometry::Line(_) | Geometry::LineString(_) => "LineString",
        Geometry::Polygon(_) | Geometry::Rect(_) | Geometry::Triangle(_) => "Polygon",
        Geometry::MultiPoint(_) => "MultiPoint",
        Geometry::MultiLineString(_) => "MultiLineString",
        Geometry::MultiPolygon(_) => "MultiPolygon",
        Geometry::GeometryCollection(_) => "GeometryCollection",
    }
}

/// The centre of the layer's usable geometry in WGS 84 lon/lat.
fn centre_lon_lat(raw: &RawLayer, geometries: &[Option<Geometry<f64>>], geographic: bool) -> Result<Option<Coord<f64>>> {
    let mut rect: Option<geo_types::Rect<f64>> = None;
    for r in geometries.iter().flatten().filter_map(|g| g.bounding_rect()) {
        rect = Some(match rect {
            None => r,
            Some(a) => geo_types::Rect::new(
                Coord { x: a.min().x.min(r.min().x), y: a.min().y.min(r.min().y) },
                Coord { x: a.max().x.max(r.max().x), y: a.max().y.max(r.max().y) },
            ),
        });
    }
    let Some(rect) = rect else { return Ok(None) };
    let centre = rect.center();
    if geographic {
        return Ok(Some(centre));
    }
    let to_wgs84 = Transformer::new(&raw.crs.proj_definition(), "EPSG:4326")
        .map_err(|e| Error::input(&raw.path, format!("PROJ cannot use the layer's CRS {}: {e}", raw.crs.label()), "declare a CRS PROJ knows, e.g. an EPSG code"))?;
    to_wgs84.coord(centre).map(Some).map_err(|e| Error::input(&raw.path, format!("the layer's centre cannot be converted to longitude/latitude: {e}"), "check the layer's CRS"))
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
    let path = raw.path.clone();
    let source = path.display().to_string();
    let layer_name = kind.name();

    // 2. Fields.
    let id_field = resolve_field(&raw, fields.id_field.as_ref(), kind.default_id_field(), &[], "--id-field")?;
    let name_field = resolve_field(&raw, fields.name_field.as_ref(), "name", &["名称", "小区名称", "NAME", "Name"], "--name-field")?;
    // The category belongs to facilities and the population figures to estates only: a field named for
    // them (`--category-field kind`) must not be demanded of the other layers given in the same run.
    let category_field = match kind {
        LayerKind::Facilities => resolve_field(&raw, fields.category_field.as_ref(), "category", &["类别", "类型", "CATEGORY"], "--category-field")?,
        _ => None,
    };
    let (population_field, households_field) = match kind {
        LayerKind::Estates => (
            resolve_field(&raw, fields.population_field.as_ref(), "population", &["人口", "POPULATION"], "--population-field")?,
            resolve_field(&raw, fields.households_field.as_ref(), "households", &["户数", "HOUSEHOLDS"], "--households-field")?,
        ),
        _ => (None, None),
    };
    if kind == LayerKind::Facilities && category_field.is_none() && !raw.features.is_empty() {
        let keys: Vec<&str> = profile.categories.iter().map(|c| c.key.as_str()).collect();
        return Err(Error::input(
            &path,
            "the facilities layer has no `category` field, so no feature can be given a category",
            format!("add a field `category` holding one of {} (or name your field with --category-field)", keys.join(", ")),
        ));
    }

    // 3. Coordinates: lon/lat sanity and Chinese web-map datums.
    let geographic = raw.crs.is_geographic();
    if input_coords != InputCoords::Wgs84 && !geographic {
        return Err(Error::input(
            &path,
            format!("--input-coords {input_coords} applies to longitude/latitude, but the layer is in {}", raw.crs.label()),
            "drop --input-coords for projected layers (GCJ-02 and BD-09 exist only as longitude/latitude)",
        ));
    }
    let mut geometries: Vec<Option<Geometry<f64>>> = raw.features.iter().map(|f| f.geometry.clone()).collect();
    let mut early_rejects: Vec<Option<GeometryReject>> = raw.features.iter().map(|_| None).collect();
    if geographic {
        let claim = if raw.crs_assumed {
            "no CRS (so WGS 84 longitude/latitude is assumed)".to_string()
        } else if raw.crs == crate::read::raw_layer::SourceCrs::Wgs84 && path.extension().is_some_and(|e| e.eq_ignore_ascii_case("geojson") || e.eq_ignore_ascii_case("json")) {
            "WGS 84 longitude/latitude (the GeoJSON standard)".to_string()
        } else {
            format!("{} longitude/latitude", raw.crs.label())
        };
        let boxes: Vec<_> = geometries.iter().map(|g| g.as_ref().and_then(|g| g.bounding_rect())).collect();
        for i in detect::check_claimed_lon_lat(&path, &claim, &boxes)? {
            let r = boxes[i].map(|b| format!(" (x {:.6}..{:.6}, y {:.6}..{:.6})", b.min().x, b.max().x, b.min().y, b.max().y)).unwrap_or_default();
            early_rejects[i] = Some(reject_geometry(format!("coordinates out of the longitude/latitude range{r}: latitude and longitude swapped?"), None));
            geometries[i] = None;
        }
    }
    if input_coords != InputCoords::Wgs84 {
        let mut inside = 0usize;
        for (i, g) in geometries.iter_mut().enumerate() {
            let Some(geometry) = g else { continue };
            if geometry.bounding_rect().is_some_and(|r| china::in_offset_region(r.center().x, r.center().y)) {
                inside += 1;
            }
            if let Err(e) = china::geometry_to_wgs84(geometry, input_coords) {
                early_rejects[i] = Some(reject_geometry(format!("cannot convert from {input_coords}: {e}"), None));
                *g = None;
            }
        }
        if inside == 0 && geometries.iter().any(Option::is_some) {
            tracing::warn!("{source}: --input-coords {input_coords} changed nothing: no feature lies in mainland China's offset area (72-138°E, 1-56°N)");
        }
    }

    // 4. Working CRS.
    if crs.is_none()
        && let Some(c) = centre_lon_lat(&raw, &geometries, geographic)?
    {
        let chosen = WorkingCrs::utm_for(c.x, c.y);
        tracing::info!("working CRS {} (UTM zone of {source}'s centre {:.4}, {:.4})", chosen.name(), c.x, c.y);
        *crs = Some(chosen);
    }

    // 5. Project and shape, in parallel.
    let source_definition = raw.crs.proj_definition();
    let shaped: Vec<Option<std::result::Result<(Shaped, bool), GeometryReject>>> = match *crs {
        None => geometries.iter().map(|_| None).collect(),
        Some(working) => {
            Transformer::new(&source_definition, &working.name()).map_err(|e| {
                Error::input(&path, format!("PROJ cannot transform the layer's CRS {} to {}: {e}", raw.crs.label(), working.name()), "declare a CRS PROJ knows, e.g. an EPSG code")
            })?;
            geometries
                .into_par_iter()
                .map(|g| {
                    let mut g = g?;
                    match Transformer::with_cached(&source_definition, &working.name(), |t| t.geometry(&mut g)) {
                        Err(_) => return Some(Err(reject_geometry("PROJ transformer could not be created on a worker thread", None))),
                        Ok(Err(e)) => return Some(Err(reject_geometry(format!("coordinates cannot be projected to {}: {e}", working.name()), None))),
                        Ok(Ok(())) => {}
                    }
                    Some(shape(kind, g))
                })
                .collect()
        }
    };

    // 6. Ids, duplicates, attributes, in file order.
    let mut builder = Builder {
        kind,
        source: &source,
        layer_name,
        profile,
        name_field,
        category_field,
        population_field,
        households_field,
        data: LayerData::empty(kind),
        rejects: Vec::new(),
        seen_ids: HashMap::new(),
        repaired: 0,
    };
    for ((feature, early), shaped) in raw.features.iter().zip(early_rejects).zip(shaped) {
        let id = id_field
            .as_ref()
            .and_then(|f| feature.properties.get(f))
            .and_then(id_text)
            .or_else(|| feature.id.clone())
            .unwrap_or_else(|| format!("#{}", feature.index));
        let outcome = match (early, shaped) {
            (Some(r), _) => Err(r),
            (None, Some(result)) => result,
            (None, None) => Err(reject_geometry(feature.geometry_problem.clone().unwrap_or_else(|| "the feature has no geometry".to_string()), None)),
        };
        match outcome {
            Err(r) => builder.reject(&id, r.reason, r.geometry),
            Ok((shape, repaired)) => builder.add(feature, id, shape, repaired),
        }
    }
    if builder.repaired > 0 {
        tracing::warn!("{source}: {} invalid polygon(s) of the {layer_name} layer were repaired with GEOS MakeValid", builder.repaired);
    }
    Ok((builder.data, builder.rejects))
}

struct Builder<'a> {
    kind: LayerKind,
    source: &'a str,
    layer_name: &'static str,
    profile: &'a Profile,
    name_field: Option<String>,
    category_field: Option<String>,
    population_field: Option<String>,
    households_field: Option<String>,
    data: LayerData,
    rejects: Vec<Reject>,
    /// id → position of the feature that holds it.
    seen_ids: HashMap<String, usize>,
    repaired: usize,
}

impl Builder<'_> {
    fn reject(&mut self, id: &str, reason: String, geometry: Option<Geometry<f64>>) {
        self.rejects.push(Reject { source: self.source.to_string(), layer: self.layer_name.to_string(), source_id: id.to_string(), reason, geometry });
    }

    fn field<'f>(&self, feature: &'f RawFeature, field: &Option<String>) -> Option<&'f Json> {
        field.as_ref().and_then(|f| feature.properties.get(f))
    }

    fn text(&self, feature: &RawFeature, field: &Option<String>) -> Option<String> {
        field.as_ref().and_then(|f| feature.text(f))
    }

    fn add(&mut self, feature: &RawFeature, id: String, shape: Shaped, repaired: bool) {
        let geometry_of = |s: &Shaped| -> Geometry<f64> {
            match s {
                Shaped::Polygons(mp) => Geometry::MultiPolygon(mp.clone()),
                Shaped::Point(p) => Geometry::Point(*p),
                Shaped::Lines(ls) => Geometry::MultiLineString(geo_types::MultiLineString(ls.clone())),
                Shaped::Barrier(g) => g.clone(),
            }
        };
        if let Some(first) = self.seen_ids.get(&id) {
            let reason = format!("duplicate id `{id}`: feature #{first} has it too and was kept");
            self.reject(&id, reason, Some(geometry_of(&shape)));
            return;
        }
        match self.attributes(feature, &id, shape) {
            Ok(()) => {
                self.seen_ids.insert(id, feature.index);
                self.repaired += usize::from(repaired);
            }
            Err((reason, shape)) => {
                let g = geometry_of(&shape);
                self.reject(&id, reason, Some(g));
            }
        }
    }

    /// Build the model object(s); on a bad attribute give back the reason and the shape.
    fn attributes(&mut self, f: &RawFeature, id: &str, shape: Shaped) -> std::result::Result<(), (String, Shaped)> {
        let name = self.text(f, &self.name_field);
        match (self.kind, shape) {
            (LayerKind::Estates, Shaped::Polygons(polygon)) => {
                let population = number_value(self.field(f, &self.population_field)).map_err(|e| (format!("population: {e}"), Shaped::Polygons(polygon.clone())))?;
                let households = number_value(self.field(f, &self.households_field)).map_err(|e| (format!("households: {e}"), Shaped::Polygons(polygon.clone())))?;
                for (what, v) in [("population", population), ("households", households)] {
                    if v.is_some_and(|x| x < 0.0) {
                        return Err((format!("{what} is negative ({})", v.unwrap_or_default()), Shaped::Polygons(polygon)));
                    }
                }
                let built_year = number_value(f.properties.get("built_year")).map_err(|e| (format!("built_year: {e}"), Shaped::Polygons(polygon.clone())))?;
                let built_year = match built_year {
                    Some(y) if y.fract() == 0.0 && (1800.0..=2100.0).contains(&y) => Some(y as i32),
                    Some(y) => return Err((format!("built_year {y} is not a year between 1800 and 2100"), Shaped::Polygons(polygon))),
                    None => None,
                };
                let size = self.profile.population.household_size;
                let (population, households, population_source) = match (population, households) {
                    (Some(p), Some(h)) => (p, h, PopulationSource::Layer),
                    (Some(p), None) => (p, p / size, PopulationSource::Layer),
                    (None, Some(h)) => (h * size, h, PopulationSource::Layer),
                    (None, None) => (0.0, 0.0, PopulationSource::Unknown),
                };
                if let LayerData::Estates(v) = &mut self.data {
                    v.push(Estate {
                        id: id.to_string(),
                        name,
                        polygon,
                        source: EstateSource::Layer,
                        population,
                        households,
                        population_source,
                        floor_area_m2: 0.0,
                        n_buildings: 0,
                        built_year,
                        survey: SurveyAttributes::default(),
                    });
                }
            }
            (LayerKind::Facilities, shape) => {
                let geometry = match &shape {
                    Shaped::Point(p) => FacilityGeometry::Point(*p),
                    Shaped::Polygons(mp) => FacilityGeometry::Area(mp.clone()),
                    _ => return Err(("wrong geometry type for a facility".to_string(), shape)),
                };
                let Some(value) = self.text(f, &self.category_field) else {
                    return Err(("no category".to_string(), shape));
                };
                let mut categories = Vec::new();
                for part in value.split([';', '；', ',', '，', '、', '|']).map(str::trim).filter(|p| !p.is_empty()) {
                    match self.profile.find_category(part).map(|i| &self.profile.categories[i]) {
                        Some(c) => {
                            if !categories.contains(&c.key) {
                                categories.push(c.key.clone());
                            }
                        }
                        None => {
                            return Err((
                                format!("unknown category `{part}`; accepted are the profile's keys, names and aliases, e.g. {}", self.profile.category_names_zh()),
                                shape,
                            ));
                        }
                    }
                }
                if categories.is_empty() {
                    return Err(("no category".to_string(), shape));
                }
                let capacity = match number_value(f.properties.get("capacity")) {
                    Ok(c) => c,
                    Err(e) => return Err((format!("capacity: {e}"), shape)),
                };
                if capacity.is_some_and(|c| c < 0.0) {
                    return Err(("capacity is negative".to_string(), shape));
                }
                if let LayerData::Facilities(v) = &mut self.data {
                    for category in categories {
                        v.push(Facility { id: id.to_string(), name: name.clone(), category, geometry: geometry.clone(), capacity, matched_by: "layer".to_string() });
                    }
                }
            }
            (LayerKind::Gates, Shaped::Point(point)) => {
                let kind = f.text("kind").unwrap_or_else(|| "gate".to_string());
                let access = f.text("access");
                if let LayerData::Gates(v) = &mut self.data {
                    v.push(Gate { id: id.to_string(), point, kind, access });
                }
            }
            (LayerKind::Buildings, Shaped::Polygons(footprint)) => {
                let levels_value = f.properties.get("levels").or_else(|| f.properties.get("building:levels"));
                let levels = match number_value(levels_value) {
                    Ok(Some(l)) if l > 0.0 => Some(l),
                    Ok(Some(l)) => return Err((format!("levels is {l}; a building has at least one level"), Shaped::Polygons(footprint))),
                    Ok(None) => None,
                    Err(e) => return Err((format!("levels: {e}"), Shaped::Polygons(footprint))),
                };
                let use_ = f.text("use").or_else(|| f.text("building")).unwrap_or_else(|| "yes".to_string());
                let rules = &self.profile.population;
                let residential = match bool_value(f.properties.get("residential")) {
                    Ok(Some(r)) => r,
                    Ok(None) => rules.residential_building_values.contains(&use_) || rules.untyped_building_values.contains(&use_),
                    Err(e) => return Err((format!("residential: {e}"), Shaped::Polygons(footprint))),
                };
                if let LayerData::Buildings(v) = &mut self.data {
                    v.push(Building { id: id.to_string(), footprint, levels, use_, residential });
                }
            }
            (LayerKind::Parcels, Shaped::Polygons(polygon)) => {
                if let LayerData::Parcels(v) = &mut self.data {
                    v.push(Parcel { id: id.to_string(), polygon, origin: "layer".to_string() });
                }
            }
            (LayerKind::Barriers, Shaped::Barrier(geometry)) => {
                let class = f.text("class").unwrap_or_else(|| "layer".to_string());
                if let LayerData::Barriers(v) = &mut self.data {
                    v.push(Barrier { id: id.to_string(), geometry, class });
                }
            }
            (LayerKind::Boundaries, Shaped::Polygons(polygon)) => {
                let level = match f.text("level").map(|l| l.to_lowercase()).as_deref() {
                    None | Some("community") | Some("社区") | Some("居委会") => BoundaryLevel::Community,
                    Some("street") | Some("街道") | Some("subdistrict") => BoundaryLevel::Street,
                    Some(other) => return Err((format!("level `{other}` is neither community (社区) nor street (街道)"), Shaped::Polygons(polygon))),
                };
                if let LayerData::Boundaries(v) = &mut self.data {
                    v.push(Boundary { id: id.to_string(), name, level, polygon });
                }
            }
            (LayerKind::Ways, Shaped::Lines(lines)) => {
                let mut tags = BTreeMap::new();
                for (k, v) in &f.properties {
                    let text = match v {
                        Json::Null => continue,
                        Json::String(s) if s.trim().is_empty() => continue,
                        Json::String(s) => s.clone(),
                        other => id_text(other).unwrap_or_default(),
                    };
                    tags.insert(k.clone(), text);
                }
                let n = lines.len();
                if let LayerData::Ways(v) = &mut self.data {
                    for (k, line) in lines.into_iter().enumerate() {
                        let way_id = if n == 1 { id.to_string() } else { format!("{id}/{}", k + 1) };
                        v.push(Way { id: way_id, line, tags: tags.clone() });
                    }
                }
            }
            (_, shape) => return Err(("wrong geometry type".to_string(), shape)),
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::raw_layer::SourceCrs;
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
        assert!(reasons[0].0 == "e1" && reasons[0].1.contains("duplicate id `e1`"), "{reasons:?}");
        assert!(reasons[1].0 == "e4" && reasons[1].1.contains("negative"));
        assert!(reasons[2].0 == "e5" && reasons[2].1.contains("wrong geometry type: Point"));
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
        assert!(reasons[0].1.starts_with("hole outside its shell: inner ring 1 lies outside"), "{}", reasons[0].1);
        assert_eq!(reasons[1].0, "multi");
        assert!(reasons[1].1.starts_with("hole outside its shell: inner ring 1 of part 2 lies outside"), "{}", reasons[1].1);
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

    #[test]
    fn value_parsers() {
        assert_eq!(number_value(Some(&json!(" 1,200.5 "))), Ok(Some(1200.5)));
        assert_eq!(number_value(Some(&json!(""))), Ok(None));
        assert!(number_value(Some(&json!("abc"))).unwrap_err().contains("`abc`"));
        assert_eq!(bool_value(Some(&json!("是"))), Ok(Some(true)));
        assert_eq!(bool_value(Some(&json!(0))), Ok(Some(false)));
        assert!(bool_value(Some(&json!("maybe"))).is_err());
        assert_eq!(id_text(&json!(12.0)).as_deref(), Some("12"));
        assert_eq!(id_text(&json!(12.5)).as_deref(), Some("12.5"));
    }
}
