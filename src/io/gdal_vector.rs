//! Vector files through GDAL/OGR (GDAL 3.6): reading any format GDAL opens — GeoPackage, Shapefile,
//! FlatGeobuf, GeoJSON, KML, File Geodatabase ... — into a [`RawLayer`], and writing a list of output
//! [`Layer`]s into one GeoPackage (OGC 12-128r18).
//!
//! **Reading** ([`read_vector`]): `FILE` reads the first layer, `FILE|layername=NAME` (the QGIS
//! spelling) a named one. Geometries come out as ISO WKB and are decoded by [`crate::io::wkb`], which
//! sees unclosed rings and NaN coordinates. Attributes become JSON values: Boolean-subtype integers
//! become `true`/`false`, JSON-subtype strings their JSON value, dates ISO 8601 text. The layer's CRS is
//! its EPSG code when GDAL can name one (directly or by `OSRAutoIdentifyEPSG`, which recognises ESRI
//! `.prj` files), else its WKT. A layer without a CRS is taken as WGS 84 longitude/latitude when its
//! coordinates look like degrees (with a warning), and refused otherwise.
//!
//! Shapefile text attributes: GDAL recodes them to UTF-8 from the `.cpg` file or the DBF language
//! driver id. When neither is present (many Chinese shapefiles) GDAL would assume ISO-8859-1 and
//! garble the names; this reader then looks at the DBF bytes itself and opens the file with
//! `ENCODING=UTF-8` when they are valid UTF-8, else `ENCODING=CP936` (GBK) when they decode as GBK — and
//! says so. A `SHAPE_ENCODING` environment variable (GDAL's own option) overrides the guess.
//!
//! **Writing** ([`write_geopackage`]): one table per layer, EPSG:4326 (traditional lon/lat order),
//! typed fields — Bool as Integer with the Boolean subtype, Int as Integer64, Real, Text, TextList as
//! JSON text with the JSON subtype — inside one transaction per layer, to a temporary `.gpkg` renamed
//! into place by [`crate::io::atomic`]. Layers whose features mix single and multi geometries are
//! declared multi and the singles promoted, as the GeoPackage specification requires one type per table.
//!
//! GDAL reports problems through a global error handler that prints `ERROR 1: ...` on stderr;
//! [`install_error_handler`] replaces it: failures become part of our own error messages, warnings go
//! to `tracing`. `gdal::Dataset` is `Send` but not `Sync`: each function opens its own.
//!
//! ```
//! use lifecircle::io::layer::{FieldType, GeometryKind, Layer, Value};
//! use geo_types::{point, Geometry};
//! let dir = tempfile::tempdir().unwrap();
//! let path = dir.path().join("out.gpkg");
//! let mut gates = Layer::new("gates", GeometryKind::Point, &[("gate_id", FieldType::Text), ("open", FieldType::Bool)]);
//! gates.push(Some(Geometry::Point(point! { x: 118.78, y: 32.04 })), vec![Value::from("g1"), Value::Bool(true)]);
//! lifecircle::io::gdal_vector::write_geopackage(&path, &[gates]).unwrap();
//! let spec = format!("{}|layername=gates", path.display());
//! let raw = lifecircle::io::gdal_vector::read_vector(std::path::Path::new(&spec)).unwrap();
//! assert_eq!(raw.features[0].properties["open"], serde_json::json!(true));
//! ```

use crate::crs::detect;
use crate::error::{Error, Result};
use crate::io::atomic;
use crate::io::layer::{FieldType, GeometryKind, Layer, Value};
use crate::io::raw_layer::{RawFeature, RawLayer, SourceCrs};
use crate::io::wkb;
use gdal::errors::{CplErrType, GdalError};
use gdal::spatial_ref::{AxisMappingStrategy, SpatialRef};
use gdal::vector::{FieldValue, LayerAccess, LayerOptions, OGRFieldType, OGRwkbGeometryType};
use gdal::{Dataset, DatasetOptions, DriverManager, GdalOpenFlags};
use geo_types::{Geometry, MultiLineString, MultiPoint, MultiPolygon};
use serde_json::Value as Json;
use std::cell::RefCell;
use std::ffi::CString;
use std::path::{Path, PathBuf};
use std::sync::Once;

thread_local! {
    /// The last GDAL failure message on this thread (GDAL calls the handler on the failing thread).
    static LAST_FAILURE: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Route GDAL's messages away from stderr: failures are kept for our error messages (and logged at
/// debug level), warnings are logged through `tracing`. Idempotent; every function here calls it.
pub fn install_error_handler() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        gdal::config::set_error_handler(|class, number, message| match class {
            CplErrType::Failure | CplErrType::Fatal => {
                LAST_FAILURE.with(|last| *last.borrow_mut() = Some(message.to_string()));
                tracing::debug!(target: "lifecircle::gdal", number, "GDAL error: {message}");
            }
            CplErrType::Warning => tracing::warn!(target: "lifecircle::gdal", "GDAL: {message}"),
            CplErrType::Debug | CplErrType::None => tracing::trace!(target: "lifecircle::gdal", "{message}"),
        });
    });
}

fn clear_last_failure() {
    LAST_FAILURE.with(|last| last.borrow_mut().take());
}

/// A GDAL error with the message GDAL gave through the handler, when the error value lacks it.
fn describe(e: &GdalError) -> String {
    let text = e.to_string();
    match LAST_FAILURE.with(|last| last.borrow_mut().take()) {
        Some(m) if !m.is_empty() && !text.contains(&m) => format!("{m} ({text})"),
        _ => text,
    }
}

/// A `FILE|layername=NAME` specification split into its parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LayerSpec {
    pub path: PathBuf,
    pub layer_name: Option<String>,
}

/// Split `FILE|layername=NAME` (the QGIS / OGR data-source spelling); a plain path has no layer name.
pub fn parse_layer_spec(spec: &Path) -> LayerSpec {
    let text = spec.to_string_lossy();
    if let Some((file, rest)) = text.rsplit_once('|')
        && let Some((key, name)) = rest.split_once('=')
        && key.trim().eq_ignore_ascii_case("layername")
    {
        return LayerSpec { path: PathBuf::from(file), layer_name: Some(name.trim().to_string()) };
    }
    LayerSpec { path: spec.to_path_buf(), layer_name: None }
}

fn is_shapefile(path: &Path) -> bool {
    path.extension().is_some_and(|e| e.eq_ignore_ascii_case("shp") || e.eq_ignore_ascii_case("dbf"))
}

/// A sibling file with another extension, in either case (`x.cpg` / `x.CPG`).
fn sibling(path: &Path, ext: &str) -> Option<PathBuf> {
    [ext.to_ascii_lowercase(), ext.to_ascii_uppercase()].into_iter().map(|e| path.with_extension(e)).find(|p| p.exists())
}

/// The `ENCODING=` open option a Shapefile without `.cpg` and without a DBF language id needs, decided
/// from its DBF bytes; `None` when GDAL's own choice is right (or the user set `SHAPE_ENCODING`).
pub fn guess_shapefile_encoding(shp: &Path) -> Option<&'static str> {
    if std::env::var_os("SHAPE_ENCODING").is_some() || sibling(shp, "cpg").is_some() {
        return None;
    }
    let dbf = sibling(shp, "dbf")?;
    let bytes = std::fs::read(&dbf).ok()?;
    if bytes.len() < 32 || bytes[29] != 0 {
        return None; // a language driver id: GDAL maps it to an encoding
    }
    let header_len = u16::from_le_bytes([bytes[8], bytes[9]]) as usize;
    let records = bytes.get(header_len..)?;
    if records.is_ascii() {
        return None;
    }
    if std::str::from_utf8(records).is_ok() {
        return Some("UTF-8");
    }
    let (_, _, had_errors) = encoding_rs::GBK.decode(records);
    if had_errors {
        return None;
    }
    tracing::warn!(
        "{}: no .cpg file says how the attributes are encoded; they decode as GBK (CP936), so they are read as GBK. Add a .cpg file containing GBK (or UTF-8) to say so, or set SHAPE_ENCODING",
        shp.display()
    );
    Some("CP936")
}

fn open_for_reading(path: &Path) -> Result<Dataset> {
    install_error_handler();
    clear_last_failure();
    let is_virtual = path.to_string_lossy().starts_with("/vsi");
    if !is_virtual && !path.exists() {
        return Err(Error::input(path, "the file does not exist", "check the path (a layer inside a file is written FILE|layername=NAME)"));
    }
    let encoding = if is_shapefile(path) { guess_shapefile_encoding(path) } else { None };
    let option = encoding.map(|e| format!("ENCODING={e}"));
    let options: Vec<&str> = option.iter().map(String::as_str).collect();
    let dataset_options = DatasetOptions {
        open_flags: GdalOpenFlags::GDAL_OF_VECTOR | GdalOpenFlags::GDAL_OF_READONLY,
        open_options: if options.is_empty() { None } else { Some(&options) },
        ..Default::default()
    };
    Dataset::open_ex(path, dataset_options).map_err(|e| {
        Error::input(
            path,
            format!("GDAL cannot open it as a vector file: {}", describe(&e)),
            "give a GeoPackage, a Shapefile (with its .shx and .dbf), FlatGeobuf or GeoJSON file; check that it is complete",
        )
    })
}

/// The names of the vector layers in a file.
pub fn list_layers(path: &Path) -> Result<Vec<String>> {
    let dataset = open_for_reading(path)?;
    Ok(dataset.layers().map(|l| l.name()).collect())
}

/// Our CRS for a GDAL spatial reference.
fn source_crs(srs: &SpatialRef) -> SourceCrs {
    let from_code = |code: i32| if code == 4326 { SourceCrs::Wgs84 } else { SourceCrs::Epsg(code as u32) };
    if srs.auth_name().is_some_and(|a| a.eq_ignore_ascii_case("EPSG"))
        && let Ok(code) = srs.auth_code()
        && code > 0
    {
        return from_code(code);
    }
    let mut identified = srs.clone();
    if identified.auto_identify_epsg().is_ok()
        && identified.auth_name().is_some_and(|a| a.eq_ignore_ascii_case("EPSG"))
        && let Ok(code) = identified.auth_code()
        && code > 0
    {
        return from_code(code);
    }
    match srs.to_wkt() {
        Ok(wkt) => SourceCrs::Wkt(wkt),
        Err(_) => SourceCrs::Wgs84,
    }
}

/// Field subtypes of a layer, by field index (Boolean, JSON ... ; the gdal crate does not expose them).
fn field_subtypes<L: LayerAccess>(layer: &L, n_fields: usize) -> Vec<gdal_sys::OGRFieldSubType::Type> {
    // SAFETY: the layer handle is valid for the borrow of `layer`; the definition and its field
    // definitions are owned by the layer and only read here; indexes are below the field count.
    unsafe {
        let defn = gdal_sys::OGR_L_GetLayerDefn(layer.c_layer());
        (0..n_fields).map(|i| gdal_sys::OGR_Fld_GetSubType(gdal_sys::OGR_FD_GetFieldDefn(defn, i as i32))).collect()
    }
}

fn json_number(x: f64) -> Json {
    serde_json::Number::from_f64(x).map_or(Json::Null, Json::Number)
}

fn field_to_json(value: FieldValue, subtype: gdal_sys::OGRFieldSubType::Type) -> Json {
    use gdal_sys::OGRFieldSubType::{OFSTBoolean, OFSTJSON};
    match value {
        FieldValue::IntegerValue(i) if subtype == OFSTBoolean => Json::Bool(i != 0),
        FieldValue::IntegerValue(i) => Json::from(i),
        FieldValue::Integer64Value(i) => Json::from(i),
        FieldValue::RealValue(x) => json_number(x),
        FieldValue::StringValue(s) if subtype == OFSTJSON => serde_json::from_str(&s).unwrap_or(Json::String(s)),
        FieldValue::StringValue(s) => Json::String(s),
        FieldValue::StringListValue(v) => Json::Array(v.into_iter().map(Json::String).collect()),
        FieldValue::IntegerListValue(v) => Json::Array(v.into_iter().map(Json::from).collect()),
        FieldValue::Integer64ListValue(v) => Json::Array(v.into_iter().map(Json::from).collect()),
        FieldValue::RealListValue(v) => Json::Array(v.into_iter().map(json_number).collect()),
        FieldValue::DateValue(d) => Json::String(d.to_string()),
        FieldValue::DateTimeValue(t) => Json::String(t.to_string()),
    }
}

/// Read one layer of any GDAL vector file (`FILE` or `FILE|layername=NAME`) into a [`RawLayer`].
pub fn read_vector(spec: &Path) -> Result<RawLayer> {
    let LayerSpec { path, layer_name } = parse_layer_spec(spec);
    let dataset = open_for_reading(&path)?;
    let names: Vec<String> = dataset.layers().map(|l| l.name()).collect();
    let mut layer = match &layer_name {
        Some(name) => dataset.layer_by_name(name).map_err(|_| {
            Error::input(&path, format!("has no layer named `{name}`"), format!("its layers are: {}", names.join(", ")))
        })?,
        None => dataset.layer(0).map_err(|_| Error::input(&path, "has no vector layer", "give a file with at least one vector layer"))?,
    };
    if layer_name.is_none() && names.len() > 1 {
        tracing::info!("{}: reading the first of {} layers, `{}`; choose another with {}|layername=NAME", path.display(), names.len(), names[0], path.display());
    }
    let field_names: Vec<String> = layer.defn().fields().map(|f| f.name()).collect();
    let subtypes = field_subtypes(&layer, field_names.len());
    let declared_crs = layer.spatial_ref().map(|s| source_crs(&s));
    let mut features = Vec::with_capacity(layer.try_feature_count().unwrap_or(0) as usize);
    for (index, feature) in layer.features().enumerate() {
        let mut raw = RawFeature {
            index,
            id: feature.fid().map(|f| f.to_string()),
            geometry: None,
            geometry_problem: None,
            properties: serde_json::Map::with_capacity(field_names.len()),
        };
        for (i, name) in field_names.iter().enumerate() {
            let value = match feature.field(i) {
                Ok(Some(v)) => field_to_json(v, subtypes[i]),
                Ok(None) => Json::Null,
                // Binary and other types the gdal crate does not convert: their text form, if any.
                Err(_) => feature.field_as_string(i).ok().flatten().map_or(Json::Null, Json::String),
            };
            raw.properties.insert(name.clone(), value);
        }
        match feature.geometry() {
            None => raw.geometry_problem = Some("the feature has no geometry".to_string()),
            Some(g) => match g.iso_wkb() {
                Ok(bytes) => match wkb::decode(&bytes) {
                    Ok(geometry) => raw.geometry = Some(geometry),
                    Err(problem) => raw.geometry_problem = Some(problem),
                },
                Err(e) => raw.geometry_problem = Some(format!("GDAL cannot export the geometry: {}", describe(&e))),
            },
        }
        features.push(raw);
    }
    let layer_label = layer.name();
    let mut raw = RawLayer { path: path.clone(), layer_name: Some(layer_label), crs: SourceCrs::Wgs84, crs_assumed: false, features };
    match declared_crs {
        Some(crs) => raw.crs = crs,
        None => {
            raw.crs_assumed = true;
            if let Some(extent) = raw.bounding_rect() {
                if !detect::looks_like_lon_lat(extent) {
                    return Err(Error::input(
                        &path,
                        format!(
                            "the layer declares no coordinate reference system, and its coordinates (x {:.1} to {:.1}, y {:.1} to {:.1}) are not longitude/latitude",
                            extent.min().x,
                            extent.max().x,
                            extent.min().y,
                            extent.max().y
                        ),
                        "add the CRS: for a Shapefile, its .prj file; or assign it with ogr2ogr -a_srs EPSG:4547 out.gpkg in.shp (use the code of the CRS the data was drawn in)",
                    ));
                }
                tracing::warn!("{}: the layer declares no coordinate reference system; its coordinates look like longitude/latitude, so WGS 84 is assumed", path.display());
            }
        }
    }
    Ok(raw)
}

// ---------------------------------------------------------------------------------------------------
// GeoPackage writer
// ---------------------------------------------------------------------------------------------------

/// The OGR type to declare for a layer, and which single geometries must be promoted to multi.
fn declared_geometry_type(layer: &Layer) -> Result<OGRwkbGeometryType::Type> {
    use OGRwkbGeometryType::*;
    let geometries = || layer.features.iter().filter_map(|f| f.geometry.as_ref());
    let wrong = |i: usize, g: &Geometry<f64>| {
        Error::Internal(format!("layer {} declares {:?} geometries but feature {i} is {}", layer.name, layer.geometry, geometry_name(g)))
    };
    let check = |ok: fn(&Geometry<f64>) -> bool| -> Result<()> {
        for (i, f) in layer.features.iter().enumerate() {
            if let Some(g) = &f.geometry
                && !ok(g)
            {
                return Err(wrong(i, g));
            }
        }
        Ok(())
    };
    Ok(match layer.geometry {
        GeometryKind::None => wkbNone,
        GeometryKind::Any => wkbUnknown,
        GeometryKind::Point => {
            check(|g| matches!(g, Geometry::Point(_) | Geometry::MultiPoint(_)))?;
            if geometries().all(|g| matches!(g, Geometry::Point(_))) { wkbPoint } else { wkbMultiPoint }
        }
        GeometryKind::Line => {
            check(|g| matches!(g, Geometry::Line(_) | Geometry::LineString(_) | Geometry::MultiLineString(_)))?;
            if geometries().all(|g| matches!(g, Geometry::Line(_) | Geometry::LineString(_))) { wkbLineString } else { wkbMultiLineString }
        }
        GeometryKind::Polygon => {
            check(|g| matches!(g, Geometry::Polygon(_) | Geometry::MultiPolygon(_) | Geometry::Rect(_) | Geometry::Triangle(_)))?;
            if layer.features.is_empty() || geometries().any(|g| matches!(g, Geometry::MultiPolygon(_))) { wkbMultiPolygon } else { wkbPolygon }
        }
    })
}

fn geometry_name(g: &Geometry<f64>) -> &'static str {
    match g {
        Geometry::Point(_) => "a Point",
        Geometry::Line(_) | Geometry::LineString(_) => "a LineString",
        Geometry::Polygon(_) | Geometry::Rect(_) | Geometry::Triangle(_) => "a Polygon",
        Geometry::MultiPoint(_) => "a MultiPoint",
        Geometry::MultiLineString(_) => "a MultiLineString",
        Geometry::MultiPolygon(_) => "a MultiPolygon",
        Geometry::GeometryCollection(_) => "a GeometryCollection",
    }
}

/// A geometry in the layer's declared type (singles promoted to multi when the layer is multi).
fn promoted(g: &Geometry<f64>, declared: OGRwkbGeometryType::Type) -> Geometry<f64> {
    use OGRwkbGeometryType::*;
    match (g, declared) {
        (Geometry::Point(p), t) if t == wkbMultiPoint => Geometry::MultiPoint(MultiPoint(vec![*p])),
        (Geometry::LineString(l), t) if t == wkbMultiLineString => Geometry::MultiLineString(MultiLineString(vec![l.clone()])),
        (Geometry::Line(l), t) if t == wkbMultiLineString => Geometry::MultiLineString(MultiLineString(vec![(*l).into()])),
        (Geometry::Polygon(p), t) if t == wkbMultiPolygon => Geometry::MultiPolygon(MultiPolygon(vec![p.clone()])),
        (Geometry::Rect(r), t) if t == wkbMultiPolygon => Geometry::MultiPolygon(MultiPolygon(vec![r.to_polygon()])),
        (Geometry::Triangle(r), t) if t == wkbMultiPolygon => Geometry::MultiPolygon(MultiPolygon(vec![r.to_polygon()])),
        _ => g.clone(),
    }
}

fn ogr_field_type(ty: FieldType) -> (OGRFieldType::Type, gdal_sys::OGRFieldSubType::Type) {
    use gdal_sys::OGRFieldSubType::{OFSTBoolean, OFSTJSON, OFSTNone};
    match ty {
        FieldType::Bool => (OGRFieldType::OFTInteger, OFSTBoolean),
        FieldType::Int => (OGRFieldType::OFTInteger64, OFSTNone),
        FieldType::Real => (OGRFieldType::OFTReal, OFSTNone),
        FieldType::Text => (OGRFieldType::OFTString, OFSTNone),
        FieldType::TextList => (OGRFieldType::OFTString, OFSTJSON),
    }
}

fn create_field<L: LayerAccess>(layer: &L, name: &str, ty: FieldType) -> std::result::Result<(), String> {
    let c_name = CString::new(name).map_err(|_| format!("field name `{name}` contains a NUL character"))?;
    let (field_type, subtype) = ogr_field_type(ty);
    // SAFETY: OGR_Fld_Create returns an owned definition, which OGR_L_CreateField copies and
    // OGR_Fld_Destroy frees; the layer handle is valid for the borrow of `layer`.
    let rv = unsafe {
        let defn = gdal_sys::OGR_Fld_Create(c_name.as_ptr(), field_type);
        if defn.is_null() {
            return Err(format!("GDAL cannot create a definition for field `{name}`"));
        }
        gdal_sys::OGR_Fld_SetSubType(defn, subtype);
        let rv = gdal_sys::OGR_L_CreateField(layer.c_layer(), defn, 1);
        gdal_sys::OGR_Fld_Destroy(defn);
        rv
    };
    if rv != gdal_sys::OGRErr::OGRERR_NONE {
        return Err(format!("GDAL cannot create field `{name}` (OGR error {rv})"));
    }
    Ok(())
}

fn set_value(feature: &mut gdal::vector::Feature, index: usize, value: &Value) -> std::result::Result<(), GdalError> {
    match value {
        Value::Null => feature.set_field_null(index),
        Value::Bool(b) => feature.set_field_integer(index, i32::from(*b)),
        Value::Int(i) => feature.set_field_integer64(index, *i),
        Value::Real(x) if x.is_finite() => feature.set_field_double(index, *x),
        Value::Real(_) => feature.set_field_null(index),
        Value::Text(s) if s.contains('\0') => feature.set_field_string(index, &s.replace('\0', "")),
        Value::Text(s) => feature.set_field_string(index, s),
        Value::TextList(list) => {
            let json = serde_json::to_string(list).unwrap_or_else(|_| "[]".to_string());
            feature.set_field_string(index, &json.replace('\0', ""))
        }
    }
}

/// Layers with more features than this are written without the GeoPackage R-tree: GDAL 3.6 fills it one
/// feature at a time after the inserts, which takes 2-3 times as long as writing the layer (24 s of 34 s
/// for a city's 2 million network edges). QGIS draws such a layer without it and builds one on request.
pub const GPKG_SPATIAL_INDEX_MAX_FEATURES: usize = 250_000;

fn write_layer(dataset: &mut Dataset, layer: &Layer, srs: &SpatialRef, output: &Path) -> Result<()> {
    let declared = declared_geometry_type(layer)?;
    let internal = |what: &str, e: String| Error::Internal(format!("writing layer {} to {}: {what}: {e}", layer.name, output.display()));
    let has_fid_field = layer.fields.iter().any(|f| f.name.eq_ignore_ascii_case("fid"));
    let mut options: Vec<&str> = if has_fid_field { vec!["FID=lc_fid"] } else { vec!["FID=fid"] };
    if layer.features.len() > GPKG_SPATIAL_INDEX_MAX_FEATURES {
        options.push("SPATIAL_INDEX=NO");
        tracing::info!(
            layer = %layer.name,
            features = layer.features.len(),
            "no spatial index in the GeoPackage for this large layer; QGIS: Layer Properties > Source > Create spatial index"
        );
    }
    {
        let created = dataset
            .create_layer(LayerOptions {
                name: &layer.name,
                srs: if declared == OGRwkbGeometryType::wkbNone { None } else { Some(srs) },
                ty: declared,
                options: Some(&options),
            })
            .map_err(|e| Error::output(output, format!("cannot create layer {}: {}", layer.name, describe(&e))))?;
        for field in &layer.fields {
            create_field(&created, &field.name, field.ty).map_err(|e| internal("field", e))?;
        }
    }
    let transaction = dataset.start_transaction().map_err(|e| Error::output(output, describe(&e)))?;
    {
        let target = transaction.layer_by_name(&layer.name).map_err(|e| internal("reopening the layer", describe(&e)))?;
        let indexes: Vec<usize> = layer
            .fields
            .iter()
            .map(|f| target.defn().field_index(&f.name).map_err(|e| internal("field index", describe(&e))))
            .collect::<Result<_>>()?;
        let mut wkb_buffer = Vec::new();
        for (n, row) in layer.features.iter().enumerate() {
            let mut feature = gdal::vector::Feature::new(target.defn()).map_err(|e| internal("feature", describe(&e)))?;
            for (value, &index) in row.values.iter().zip(&indexes) {
                set_value(&mut feature, index, value).map_err(|e| internal(&format!("feature {n} field {index}"), describe(&e)))?;
            }
            if let Some(g) = &row.geometry {
                wkb_buffer.clear();
                wkb::encode(&promoted(g, declared), &mut wkb_buffer);
                let geometry = gdal::vector::Geometry::from_wkb(&wkb_buffer).map_err(|e| internal(&format!("feature {n} geometry"), describe(&e)))?;
                feature.set_geometry(geometry).map_err(|e| internal(&format!("feature {n} geometry"), describe(&e)))?;
            }
            feature.create(&target).map_err(|e| Error::output(output, format!("layer {} feature {n}: {}", layer.name, describe(&e))))?;
        }
    }
    transaction.commit().map_err(|e| Error::output(output, format!("layer {}: {}", layer.name, describe(&e))))
}

/// Write layers (geometries in WGS 84 lon/lat) into one GeoPackage, one table each, atomically.
pub fn write_geopackage(path: &Path, layers: &[Layer]) -> Result<()> {
    let mut writer = GeoPackageWriter::create(path)?;
    for layer in layers {
        writer.write(layer)?;
    }
    writer.finish()
}

/// A GeoPackage written layer by layer, so a pipeline can write a layer as soon as it is ready (a city's
/// walking network while the siting still runs) and drop it. It is written under a temporary name and
/// renamed into place by [`GeoPackageWriter::finish`]; dropped unfinished, it leaves nothing behind.
/// Layer names must be unique (case-insensitively, as SQLite compares table names).
pub struct GeoPackageWriter {
    path: PathBuf,
    staged: atomic::StagedPath,
    dataset: Dataset,
    names: std::collections::BTreeSet<String>,
}

impl GeoPackageWriter {
    pub fn create(path: &Path) -> Result<GeoPackageWriter> {
        install_error_handler();
        let staged = atomic::StagedPath::begin(path, ".gpkg")?;
        clear_last_failure();
        let driver = DriverManager::get_driver_by_name("GPKG").map_err(|e| Error::Internal(format!("GDAL has no GeoPackage driver: {}", describe(&e))))?;
        let dataset = driver.create_vector_only(staged.temp()).map_err(|e| Error::output(path, describe(&e)))?;
        Ok(GeoPackageWriter { path: path.to_path_buf(), staged, dataset, names: Default::default() })
    }

    /// Write one layer (geometries in WGS 84 lon/lat) as a table of its own.
    pub fn write(&mut self, layer: &Layer) -> Result<()> {
        if !self.names.insert(layer.name.to_lowercase()) {
            return Err(Error::Internal(format!("two layers are named `{}` for {}", layer.name, self.path.display())));
        }
        let mut srs = SpatialRef::from_epsg(4326).map_err(|e| Error::Internal(format!("EPSG:4326: {}", describe(&e))))?;
        srs.set_axis_mapping_strategy(AxisMappingStrategy::TraditionalGisOrder);
        write_layer(&mut self.dataset, layer, &srs, &self.path)
    }

    /// Close the file and rename it into place.
    pub fn finish(self) -> Result<()> {
        let GeoPackageWriter { path, staged, dataset, .. } = self;
        dataset.close().map_err(|e| Error::output(&path, describe(&e)))?;
        staged.commit()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo_types::{line_string, point, polygon};

    #[test]
    fn layer_specs() {
        assert_eq!(parse_layer_spec(Path::new("a/b.gpkg")), LayerSpec { path: "a/b.gpkg".into(), layer_name: None });
        assert_eq!(parse_layer_spec(Path::new("a/b.gpkg|layername=小区")), LayerSpec { path: "a/b.gpkg".into(), layer_name: Some("小区".into()) });
        assert_eq!(parse_layer_spec(Path::new("b.gpkg|LayerName= estates ")).layer_name.as_deref(), Some("estates"));
    }

    fn sample_layers() -> Vec<Layer> {
        let mut estates = Layer::new(
            "estates",
            GeometryKind::Polygon,
            &[("estate_id", FieldType::Text), ("population", FieldType::Real), ("n", FieldType::Int), ("ok", FieldType::Bool), ("ids", FieldType::TextList)],
        );
        estates.push(
            Some(Geometry::Polygon(polygon![(x: 118.0, y: 32.0), (x: 118.001, y: 32.0), (x: 118.001, y: 32.001), (x: 118.0, y: 32.0)])),
            vec![Value::from("东方小区"), Value::Real(1200.5), Value::Int(3), Value::Bool(false), Value::from(vec!["a".to_string(), "乙".to_string()])],
        );
        estates.push(
            Some(Geometry::MultiPolygon(MultiPolygon(vec![polygon![(x: 118.0, y: 32.0), (x: 118.1, y: 32.0), (x: 118.1, y: 32.1), (x: 118.0, y: 32.0)]]))),
            vec![Value::Null, Value::Real(f64::NAN), Value::Null, Value::Bool(true), Value::TextList(vec![])],
        );
        let mut ways = Layer::new("network", GeometryKind::Line, &[("fid", FieldType::Text)]);
        ways.push(Some(Geometry::LineString(line_string![(x: 118.0, y: 32.0), (x: 118.1, y: 32.1)])), vec![Value::from("w1")]);
        let table = Layer::new("summary", GeometryKind::None, &[("k", FieldType::Text)]);
        vec![estates, ways, table]
    }

    #[test]
    fn geopackage_keeps_types_nulls_and_promotes_to_multi() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.gpkg");
        write_geopackage(&path, &sample_layers()).unwrap();
        assert_eq!(list_layers(&path).unwrap(), vec!["estates", "network", "summary"]);
        let raw = read_vector(Path::new(&format!("{}|layername=estates", path.display()))).unwrap();
        assert_eq!(raw.crs, SourceCrs::Wgs84);
        let p = &raw.features[0].properties;
        assert_eq!(p["estate_id"], "东方小区");
        assert_eq!(p["population"], 1200.5);
        assert_eq!(p["n"], 3);
        assert_eq!(p["ok"], false);
        assert_eq!(p["ids"], serde_json::json!(["a", "乙"]));
        let q = &raw.features[1].properties;
        assert_eq!((q["estate_id"].clone(), q["population"].clone(), q["ok"].clone(), q["ids"].clone()), (Json::Null, Json::Null, Json::Bool(true), serde_json::json!([])));
        // The single polygon was promoted: the table holds multipolygons.
        assert!(matches!(raw.features[0].geometry, Some(Geometry::MultiPolygon(_))));
        let ways = read_vector(Path::new(&format!("{}|layername=network", path.display()))).unwrap();
        assert_eq!(ways.features[0].properties["fid"], "w1");
        assert!(matches!(ways.features[0].geometry, Some(Geometry::LineString(_))));
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1, "no temporary files remain");
    }

    #[test]
    fn a_layer_with_the_wrong_geometry_is_an_internal_error_and_leaves_no_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bad.gpkg");
        let mut l = Layer::new("gates", GeometryKind::Point, &[]);
        l.push(Some(Geometry::LineString(line_string![(x: 0., y: 0.), (x: 1., y: 1.)])), vec![]);
        let err = write_geopackage(&path, &[l]).unwrap_err();
        assert!(matches!(err, Error::Internal(_)), "{err}");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
        let dup = vec![Layer::new("a", GeometryKind::None, &[]), Layer::new("A", GeometryKind::None, &[])];
        assert!(write_geopackage(&path, &dup).is_err());
    }

    #[test]
    fn missing_and_unreadable_files_are_input_errors() {
        let err = read_vector(Path::new("/no/such/file.gpkg")).unwrap_err();
        assert!(matches!(err, Error::Input { .. }) && err.to_string().contains("/no/such/file.gpkg"), "{err}");
        let dir = tempfile::tempdir().unwrap();
        let junk = dir.path().join("junk.gpkg");
        std::fs::write(&junk, b"this is not a geopackage").unwrap();
        let err = read_vector(&junk).unwrap_err().to_string();
        assert!(err.contains("junk.gpkg") && err.contains("cannot open"), "{err}");
        let path = dir.path().join("ok.gpkg");
        let mut l = Layer::new("gates", GeometryKind::Point, &[]);
        l.push(Some(Geometry::Point(point! { x: 1., y: 2. })), vec![]);
        write_geopackage(&path, &[l]).unwrap();
        let err = read_vector(Path::new(&format!("{}|layername=exits", path.display()))).unwrap_err().to_string();
        assert!(err.contains("no layer named `exits`") && err.contains("gates"), "{err}");
    }
}
