//! Vector files through GDAL/OGR (GDAL 3.6): reading any format GDAL opens — GeoPackage, Shapefile,
//! FlatGeobuf, GeoJSON, KML, File Geodatabase ... — into a [`RawLayer`]. The GeoPackage writer is
//! [`crate::write::geopackage`]; GDAL's messages are routed by [`crate::gdal_errors`].
//!
//! **Reading** ([`read_vector`]): `FILE` reads the first layer, `FILE|layername=NAME` (the QGIS
//! spelling) a named one. Geometries come out as ISO WKB and are decoded by [`crate::geometry::wkb`], which
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
use crate::crs::detect;
use crate::error::{Error, Result};
use crate::gdal_errors::{clear_last_failure, describe, install_error_handler};
use crate::geometry::wkb;
use crate::read::raw_layer::{RawFeature, RawLayer, SourceCrs};
use crate::write::layer::{FieldType, GeometryKind, Layer, Value};
use gdal::spatial_ref::SpatialRef;
use gdal::vector::{FieldValue, LayerAccess};
use gdal::{Dataset, DatasetOptions, GdalOpenFlags};
use serde_json::Value as Json;
use std::path::{Path, PathBuf};

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
    read_vector_with(spec, &ReadOptions::default())
}

/// What a layer's options (`FILE|where=...|crs=...`, [`crate::read::layer_options`]) ask of the reader.
#[derive(Debug, Clone, Default)]
pub struct ReadOptions {
    /// An OGR attribute filter: only the features it selects are read (the others are counted and logged).
    pub where_clause: Option<String>,
    /// The CRS the planner declared for the layer, replacing the file's own.
    pub declared_crs: Option<SourceCrs>,
    /// Where the rest of the data lies (longitude/latitude), to name the Gauss-Krüger zone of a layer
    /// without a CRS.
    pub reference_lon_lat: Option<geo_types::Coord<f64>>,
}

/// [`read_vector`] with a layer's options.
pub fn read_vector_with(spec: &Path, options: &ReadOptions) -> Result<RawLayer> {
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
    if let Some(filter) = &options.where_clause {
        let all = layer.feature_count();
        layer.set_attribute_filter(filter).map_err(|e| {
            Error::input(
                &path,
                format!("the filter where={filter} is not a valid OGR attribute filter: {}", describe(&e)),
                "write an OGR SQL condition on the layer's fields, e.g. where=typecode LIKE '1203%' (text in single quotes)",
            )
        })?;
        let kept = layer.feature_count();
        tracing::info!("{}: where={filter} keeps {kept} of {all} features; the other {} are not read", path.display(), all.saturating_sub(kept));
    }
    let field_names: Vec<String> = layer.defn().fields().map(|f| f.name()).collect();
    let subtypes = field_subtypes(&layer, field_names.len());
    let file_crs = layer.spatial_ref().map(|s| source_crs(&s));
    if let (Some(own), Some(declared)) = (&file_crs, &options.declared_crs)
        && own != declared
    {
        tracing::warn!("{}: the file says {}, the layer option crs= says {}; the option wins", path.display(), own.label(), declared.label());
    }
    let declared_crs = options.declared_crs.clone().or(file_crs);
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
            None => {}
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
                        crate::crs::gauss_kruger::missing_crs_hint(extent, options.reference_lon_lat),
                    ));
                }
                tracing::warn!("{}: the layer declares no coordinate reference system; its coordinates look like longitude/latitude, so WGS 84 is assumed", path.display());
            }
        }
    }
    Ok(raw)
}

/// A layer lifecircle wrote (a GeoPackage table such as an area's `estates`) read back into the output
/// table [`Layer`] with its field types (Boolean and JSON subtypes included) and its geometry type, with
/// the EPSG code of its CRS: for `batch --merge`, which copies areas' layers into one file. The
/// geometries stay in that CRS (not WGS 84, unlike a layer built for writing).
pub fn read_output_layer(path: &Path, name: &str) -> Result<(Layer, u32)> {
    use gdal::vector::OGRFieldType;
    use gdal_sys::OGRFieldSubType::{OFSTBoolean, OFSTJSON};
    use gdal_sys::OGRwkbGeometryType as Ogr;
    let dataset = open_for_reading(path)?;
    let layer = dataset.layer_by_name(name).map_err(|_| {
        let names: Vec<String> = dataset.layers().map(|l| l.name()).collect();
        Error::input(path, format!("has no layer named `{name}` (its layers are: {})", names.join(", ")), "give the folders `lifecircle batch` wrote, unchanged")
    })?;
    let fields: Vec<(String, OGRFieldType::Type)> = layer.defn().fields().map(|f| (f.name(), f.field_type())).collect();
    let subtypes = field_subtypes(&layer, fields.len());
    let types: Vec<FieldType> = fields
        .iter()
        .zip(&subtypes)
        .map(|((_, ty), sub)| match (*ty, *sub) {
            (OGRFieldType::OFTInteger, s) if s == OFSTBoolean => FieldType::Bool,
            (OGRFieldType::OFTInteger | OGRFieldType::OFTInteger64, _) => FieldType::Int,
            (OGRFieldType::OFTReal, _) => FieldType::Real,
            (OGRFieldType::OFTString, s) if s == OFSTJSON => FieldType::TextList,
            _ => FieldType::Text,
        })
        .collect();
    // SAFETY: the layer handle is valid for the borrow of `layer`; the call only reads its definition.
    let declared = unsafe { gdal_sys::OGR_GT_Flatten(gdal_sys::OGR_L_GetGeomType(layer.c_layer())) };
    let geometry = match declared {
        Ogr::wkbNone => GeometryKind::None,
        Ogr::wkbPoint | Ogr::wkbMultiPoint => GeometryKind::Point,
        Ogr::wkbLineString | Ogr::wkbMultiLineString => GeometryKind::Line,
        Ogr::wkbPolygon | Ogr::wkbMultiPolygon => GeometryKind::Polygon,
        _ => GeometryKind::Any,
    };
    let epsg = match layer.spatial_ref().map(|s| source_crs(&s)) {
        None | Some(SourceCrs::Wgs84) => 4326,
        Some(SourceCrs::Epsg(code)) => code,
        Some(other) => return Err(Error::input(path, format!("layer `{name}` is in {}, not a CRS with an EPSG code", other.label()), "give the folders `lifecircle batch` wrote, unchanged")),
    };
    let field_specs: Vec<(&str, FieldType)> = fields.iter().zip(&types).map(|((n, _), t)| (n.as_str(), *t)).collect();
    let mut out = Layer::new(name, geometry, &field_specs);
    let mut layer = layer;
    for (n, feature) in layer.features().enumerate() {
        let values = types
            .iter()
            .enumerate()
            .map(|(i, ty)| match (feature.field(i), ty) {
                (Ok(None), _) => Value::Null,
                (Ok(Some(FieldValue::IntegerValue(v))), FieldType::Bool) => Value::Bool(v != 0),
                (Ok(Some(FieldValue::IntegerValue(v))), _) => Value::Int(i64::from(v)),
                (Ok(Some(FieldValue::Integer64Value(v))), _) => Value::Int(v),
                (Ok(Some(FieldValue::RealValue(x))), _) => Value::Real(x),
                (Ok(Some(FieldValue::StringValue(s))), FieldType::TextList) => serde_json::from_str::<Vec<String>>(&s).map_or(Value::Text(s), Value::TextList),
                (Ok(Some(FieldValue::StringValue(s))), _) => Value::Text(s),
                _ => feature.field_as_string(i).ok().flatten().map_or(Value::Null, Value::Text),
            })
            .collect();
        // SAFETY: the handle is only compared with null (a feature without geometry gives a wrapper of null).
        let geometry = match feature.geometry().filter(|g| unsafe { !g.c_geometry().is_null() }) {
            None => None,
            Some(g) => {
                let bytes = g.iso_wkb().map_err(|e| Error::Input { file: path.display().to_string(), feature: Some(format!("{name} #{n}")), problem: format!("GDAL cannot export the geometry: {}", describe(&e)), hint: None })?;
                wkb::decode_allow_empty(&bytes).map_err(|problem| Error::Input { file: path.display().to_string(), feature: Some(format!("{name} #{n}")), problem, hint: None })?
            }
        };
        out.push(geometry, values);
    }
    Ok((out, epsg))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::write::geopackage::write_geopackage;
    use crate::write::layer::{GeometryKind, Layer};
    use geo_types::{point, Geometry};

    #[test]
    fn layer_specs() {
        assert_eq!(parse_layer_spec(Path::new("a/b.gpkg")), LayerSpec { path: "a/b.gpkg".into(), layer_name: None });
        assert_eq!(parse_layer_spec(Path::new("a/b.gpkg|layername=小区")), LayerSpec { path: "a/b.gpkg".into(), layer_name: Some("小区".into()) });
        assert_eq!(parse_layer_spec(Path::new("b.gpkg|LayerName= estates ")).layer_name.as_deref(), Some("estates"));
    }

    #[test]
    fn an_output_layer_reads_back_with_its_types_values_and_geometry() {
        use crate::write::layer::FieldType;
        use geo_types::polygon;
        let mut l = Layer::new("estates", GeometryKind::Polygon, &[("estate_id", FieldType::Text), ("population", FieldType::Real), ("n", FieldType::Int), ("ok", FieldType::Bool), ("ids", FieldType::TextList)]);
        l.push(Some(Geometry::Polygon(polygon![(x: 118.0, y: 32.0), (x: 118.001, y: 32.0), (x: 118.001, y: 32.001), (x: 118.0, y: 32.0)])), vec!["东方".into(), 1200.5.into(), Value::Int(3), false.into(), Value::TextList(vec!["a".into()])]);
        l.push(None, vec![Value::Null, Value::Null, Value::Null, Value::Null, Value::Null]);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.gpkg");
        write_geopackage(&path, std::slice::from_ref(&l)).unwrap();
        let (back, epsg) = read_output_layer(&path, "estates").unwrap();
        assert_eq!(epsg, 4326);
        assert_eq!((back.geometry, &back.fields), (GeometryKind::Polygon, &l.fields));
        assert_eq!(back.features[0].values, l.features[0].values);
        assert_eq!(back.features[1].values, l.features[1].values);
        assert_eq!(back.features[0].geometry, l.features[0].geometry);
        assert!(back.features[1].geometry.is_none());
        let e = read_output_layer(&path, "bundles").unwrap_err().to_string();
        assert!(e.contains("x.gpkg") && e.contains("no layer named `bundles`") && e.contains("estates"), "{e}");
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
