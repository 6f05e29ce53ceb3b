//! The GeoPackage (OGC 12-128r18) writer: a list of output [`Layer`]s into one file through GDAL/OGR.
//!
//! One table per layer, EPSG:4326 (traditional lon/lat order),
//! typed fields — Bool as Integer with the Boolean subtype, Int as Integer64, Real, Text, TextList as
//! JSON text with the JSON subtype — inside one transaction per layer, to a temporary `.gpkg` renamed
//! into place by [`crate::write::atomic`]. Layers whose features mix single and multi geometries are
//! declared multi and the singles promoted, as the GeoPackage specification requires one type per table.
//!
//! `gdal::Dataset` is `Send` but not `Sync`: each function opens its own.
//!
//! ```
//! use lifecircle::write::layer::{FieldType, GeometryKind, Layer, Value};
//! use geo_types::{point, Geometry};
//! let dir = tempfile::tempdir().unwrap();
//! let path = dir.path().join("out.gpkg");
//! let mut gates = Layer::new("gates", GeometryKind::Point, &[("gate_id", FieldType::Text), ("open", FieldType::Bool)]);
//! gates.push(Some(Geometry::Point(point! { x: 118.78, y: 32.04 })), vec![Value::from("g1"), Value::Bool(true)]);
//! lifecircle::write::geopackage::write_geopackage(&path, &[gates]).unwrap();
//! let spec = format!("{}|layername=gates", path.display());
//! let raw = lifecircle::read::gdal_vector::read_vector(std::path::Path::new(&spec)).unwrap();
//! assert_eq!(raw.features[0].properties["open"], serde_json::json!(true));
//! ```

use crate::crs::Transformer;
use crate::crs::gauss_kruger::OutCrs;
use crate::error::{Error, Result};
use crate::gdal_errors::{clear_last_failure, describe, install_error_handler};
use crate::geometry::wkb;
use crate::write::atomic;
use crate::write::layer::{FieldType, GeometryKind, Layer, Value};
use gdal::errors::GdalError;
use gdal::spatial_ref::{AxisMappingStrategy, SpatialRef};
use gdal::vector::{LayerAccess, LayerOptions, OGRFieldType, OGRwkbGeometryType};
use gdal::{Dataset, DriverManager};
use geo_types::{Geometry, MultiLineString, MultiPoint, MultiPolygon};
use std::ffi::CString;
use std::path::{Path, PathBuf};

/// The OGR type to declare for a layer, and which single geometries must be promoted to multi.
fn declared_geometry_type(layer: &Layer) -> Result<OGRwkbGeometryType::Type> {
    use OGRwkbGeometryType::*;
    let geometries = || layer.features.iter().filter_map(|f| f.geometry.as_ref());
    let wrong = |i: usize, g: &Geometry<f64>| {
        Error::Internal(format!("layer {} declares {:?} geometries but feature {i} is a {}", layer.name, layer.geometry, wkb::simple_feature_type(g)))
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

/// Create the table of `schema` (its name and fields; `features` rows will follow) declared as `declared`.
fn create_table(dataset: &mut Dataset, schema: &Layer, features: usize, declared: OGRwkbGeometryType::Type, srs: &SpatialRef, output: &Path) -> Result<()> {
    let internal = |what: &str, e: String| Error::Internal(format!("writing layer {} to {}: {what}: {e}", schema.name, output.display()));
    let has_fid_field = schema.fields.iter().any(|f| f.name.eq_ignore_ascii_case("fid"));
    let mut options: Vec<&str> = if has_fid_field { vec!["FID=lc_fid"] } else { vec!["FID=fid"] };
    if features > GPKG_SPATIAL_INDEX_MAX_FEATURES {
        options.push("SPATIAL_INDEX=NO");
        tracing::info!(
            layer = %schema.name,
            features,
            "no spatial index in the GeoPackage for this large layer; QGIS: Layer Properties > Source > Create spatial index"
        );
    }
    let created = dataset
        .create_layer(LayerOptions {
            name: &schema.name,
            srs: if declared == OGRwkbGeometryType::wkbNone { None } else { Some(srs) },
            ty: declared,
            options: Some(&options),
        })
        .map_err(|e| Error::output(output, format!("cannot create layer {}: {}", schema.name, describe(&e))))?;
    for field in &schema.fields {
        create_field(&created, &field.name, field.ty).map_err(|e| internal("field", e))?;
    }
    Ok(())
}

/// Insert the features of `layer` into its table (declared `declared`), in one transaction; the first
/// is row `first` of the table (errors name rows by their number in the table).
fn insert_features(dataset: &mut Dataset, layer: &Layer, declared: OGRwkbGeometryType::Type, first: usize, output: &Path) -> Result<()> {
    let internal = |what: &str, e: String| Error::Internal(format!("writing layer {} to {}: {what}: {e}", layer.name, output.display()));
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
            let n = first + n;
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

/// Whether features whose own type is `part` can go into a table declared `table` (the same type, or a
/// single type into its multi, promoted).
fn fits_table(part: OGRwkbGeometryType::Type, table: OGRwkbGeometryType::Type) -> bool {
    use OGRwkbGeometryType::*;
    part == table || matches!((part, table), (x, y) if (x, y) == (wkbPoint, wkbMultiPoint) || (x, y) == (wkbLineString, wkbMultiLineString) || (x, y) == (wkbPolygon, wkbMultiPolygon))
}

/// A copy of `layer` with its geometries converted from WGS 84 to EPSG:`code` (`--out-crs`).
fn projected(layer: &Layer, code: u32) -> Result<Layer> {
    let mut copy = layer.clone();
    let to = format!("EPSG:{code}");
    for (n, f) in copy.features.iter_mut().enumerate() {
        if let Some(g) = f.geometry.as_mut() {
            Transformer::with_cached("EPSG:4326", &to, |t| t.geometry(g))?.map_err(|e| Error::Internal(format!("layer {} feature {n}: cannot convert to {to}: {e}", layer.name)))?;
        }
    }
    Ok(copy)
}

/// Write layers (geometries in WGS 84 lon/lat) into one GeoPackage, one table each, atomically.
pub fn write_geopackage(path: &Path, layers: &[Layer]) -> Result<()> {
    write_geopackage_in(path, layers, None)
}

/// [`write_geopackage`] with the tables in `out_crs` (`--out-crs`; `None`: WGS 84).
pub fn write_geopackage_in(path: &Path, layers: &[Layer], out_crs: Option<OutCrs>) -> Result<()> {
    let mut writer = GeoPackageWriter::create(path)?.with_out_crs(out_crs);
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
    /// `--out-crs`: the CRS the tables are written in, resolved (for `cgcs2000`) from the first layer
    /// with geometry; WGS 84 when `None`.
    out_crs: Option<OutCrs>,
    out_epsg: Option<u32>,
    /// The layers given are already in this CRS and are written as they are ([`GeoPackageWriter::with_native_epsg`]).
    native_epsg: Option<u32>,
}

impl GeoPackageWriter {
    pub fn create(path: &Path) -> Result<GeoPackageWriter> {
        install_error_handler();
        let staged = atomic::StagedPath::begin(path, ".gpkg")?;
        clear_last_failure();
        let driver = DriverManager::get_driver_by_name("GPKG").map_err(|e| Error::Internal(format!("GDAL has no GeoPackage driver: {}", describe(&e))))?;
        let dataset = driver.create_vector_only(staged.temp()).map_err(|e| Error::output(path, describe(&e)))?;
        Ok(GeoPackageWriter { path: path.to_path_buf(), staged, dataset, names: Default::default(), out_crs: None, out_epsg: None, native_epsg: None })
    }

    /// Write the tables in `out_crs` instead of WGS 84 (`--out-crs`); `cgcs2000` is resolved to the
    /// 3° Gauss-Krüger zone of the centre of the first layer written that has geometry.
    pub fn with_out_crs(mut self, out_crs: Option<OutCrs>) -> GeoPackageWriter {
        self.out_crs = out_crs;
        self
    }

    /// Take the layers' geometries as already in EPSG:`code` (tables read back from other GeoPackages,
    /// e.g. by `batch --merge`) and write them unchanged, declared in that CRS; replaces `--out-crs`.
    pub fn with_native_epsg(mut self, code: u32) -> GeoPackageWriter {
        self.native_epsg = Some(code);
        self.out_crs = None;
        self
    }

    /// The EPSG code the tables are written in so far (4326 until a projected one is resolved).
    pub fn epsg(&self) -> u32 {
        self.out_epsg.or(self.native_epsg).unwrap_or(4326)
    }

    /// Write one layer (geometries in WGS 84 lon/lat) as a table of its own.
    pub fn write(&mut self, layer: &Layer) -> Result<()> {
        self.write_parts(layer.features.len(), std::iter::once(Ok(layer)))
    }

    /// Write a layer whole or a part at a time ([`OutputLayer`](crate::write::layer::OutputLayer)).
    pub fn write_output(&mut self, layer: &crate::write::layer::OutputLayer<'_>) -> Result<()> {
        match layer {
            crate::write::layer::OutputLayer::Whole(l) => self.write(l),
            crate::write::layer::OutputLayer::Parted(p) => self.write_parts(p.features, p.parts()),
        }
    }

    /// Whether the next table written decides the CRS of the file (`--out-crs cgcs2000`, not resolved
    /// yet: the zone of its centre). Then [`GeoPackageWriter::write_parts`] joins its parts before writing.
    pub fn crs_follows_next_table(&self) -> bool {
        self.native_epsg.is_none() && self.out_epsg.is_none() && matches!(self.out_crs, Some(out) if !matches!(out, OutCrs::Epsg(_)))
    }

    /// Write one layer handed over in parts (layers with the same name, geometry kind and fields, made one
    /// after the other, `features` rows in all; at least one part, which may be empty) as one table, so a
    /// layer of millions of rows is never held whole. Each part is inserted in a transaction of its own.
    /// The first part decides the table's geometry type (single or multi; a later part needing another is
    /// an internal error). When [`GeoPackageWriter::crs_follows_next_table`], the parts are joined first
    /// and the whole layer decides the file's CRS.
    pub fn write_parts<L: std::borrow::Borrow<Layer>>(&mut self, features: usize, parts: impl IntoIterator<Item = Result<L>>) -> Result<()> {
        if self.crs_follows_next_table() {
            // The CRS is the zone of the whole layer's centre: the parts are joined first (rare: only
            // when no earlier table had geometry).
            let mut whole: Option<Layer> = None;
            for part in parts {
                let part = part?;
                match whole.as_mut() {
                    None => whole = Some(part.borrow().clone()),
                    Some(w) => w.features.extend(part.borrow().features.iter().cloned()),
                }
            }
            return self.write_parts_as_given(features, whole.map(Ok));
        }
        self.write_parts_as_given(features, parts)
    }

    /// [`GeoPackageWriter::write_parts`] without joining the parts.
    fn write_parts_as_given<L: std::borrow::Borrow<Layer>>(&mut self, features: usize, parts: impl IntoIterator<Item = Result<L>>) -> Result<()> {
        let mut table: Option<OGRwkbGeometryType::Type> = None;
        let mut first = 0;
        for part in parts {
            let part = part?;
            let part = part.borrow();
            let declared = declared_geometry_type(part)?;
            let declared = match table {
                None => {
                    if !self.names.insert(part.name.to_lowercase()) {
                        return Err(Error::Internal(format!("two layers are named `{}` for {}", part.name, self.path.display())));
                    }
                    self.resolve_out_crs(part);
                    let epsg = self.epsg();
                    let mut srs = SpatialRef::from_epsg(epsg).map_err(|e| Error::Internal(format!("EPSG:{epsg}: {}", describe(&e))))?;
                    srs.set_axis_mapping_strategy(AxisMappingStrategy::TraditionalGisOrder);
                    create_table(&mut self.dataset, part, features, declared, &srs, &self.path)?;
                    table = Some(declared);
                    declared
                }
                Some(t) if part.features.is_empty() || fits_table(declared, t) => t,
                Some(t) => {
                    return Err(Error::Internal(format!("layer {}: a part needs {declared:?} geometries in a table declared {t:?}", part.name)));
                }
            };
            match self.out_epsg.filter(|_| self.native_epsg.is_none()) {
                Some(code) => insert_features(&mut self.dataset, &projected(part, code)?, declared, first, &self.path)?,
                None => insert_features(&mut self.dataset, part, declared, first, &self.path)?,
            }
            first += part.features.len();
        }
        match table {
            Some(_) => Ok(()),
            None => Err(Error::Internal(format!("a layer in parts for {} came with no part", self.path.display()))),
        }
    }

    /// Settle `--out-crs` from the first layer with geometry (`cgcs2000`: the zone of its centre).
    fn resolve_out_crs(&mut self, layer: &Layer) {
        let Some(out) = self.out_crs else { return };
        if self.out_epsg.is_some() {
            return;
        }
        let centre = layer.features.iter().filter_map(|f| f.geometry.as_ref()).filter_map(geo::BoundingRect::bounding_rect).reduce(|a, b| {
            geo_types::Rect::new(
                geo_types::Coord { x: a.min().x.min(b.min().x), y: a.min().y.min(b.min().y) },
                geo_types::Coord { x: a.max().x.max(b.max().x), y: a.max().y.max(b.max().y) },
            )
        });
        match (out, centre) {
            (OutCrs::Epsg(code), _) => self.out_epsg = Some(code),
            (_, Some(r)) => {
                let code = out.epsg_for(r.center());
                tracing::info!("--out-crs: the GeoPackage is written in EPSG:{code}, the CGCS2000 3° Gauss-Krüger zone of the data's centre {:.4}, {:.4}", r.center().x, r.center().y);
                self.out_epsg = Some(code);
            }
            (_, None) => {}
        }
    }

    /// Close the file and rename it into place.
    pub fn finish(self) -> Result<()> {
        let GeoPackageWriter { path, staged, dataset, .. } = self;
        dataset.close().map_err(|e| Error::output(&path, describe(&e)))?;
        staged.commit()
    }
}

/// Store how the run was made in the GeoPackage's metadata: GDAL's dataset metadata (`SetMetadataItem`),
/// which the GPKG driver writes as a `gpkg_metadata` row (scope `dataset`, GDAL's metadata XML) referenced
/// from `gpkg_metadata_reference` (scope `geopackage`), the GeoPackage 1.3 Metadata extension. Items:
/// `LIFECIRCLE_VERSION`, `GIT_COMMIT`, `COMMAND_LINE`, `WORKING_DIRECTORY`, `PROFILE`, `PROFILE_SHA256`,
/// `INPUT_1` … (`--flag path (size bytes): sha256`), `CRS`, `CREATED_UTC`, and `PROVENANCE` (the whole
/// record as JSON, as in `summary.json`). QGIS shows them under Layer Properties → Information.
pub fn store_provenance(gpkg: &Path, provenance: &crate::provenance::Provenance) -> Result<()> {
    use gdal::{DatasetOptions, GdalOpenFlags, Metadata};
    install_error_handler();
    clear_last_failure();
    let cannot = |e: GdalError| Error::output(gpkg, format!("cannot store the provenance metadata: {}", describe(&e)));
    let options = DatasetOptions { open_flags: GdalOpenFlags::GDAL_OF_VECTOR | GdalOpenFlags::GDAL_OF_UPDATE, allowed_drivers: Some(&["GPKG"]), ..Default::default() };
    let mut dataset = Dataset::open_ex(gpkg, options).map_err(cannot)?;
    let json = serde_json::to_string(provenance).map_err(|e| Error::Internal(format!("provenance as JSON: {e}")))?;
    let mut items: Vec<(String, String)> = vec![
        ("LIFECIRCLE_VERSION".into(), provenance.lifecircle_version.clone()),
        ("GIT_COMMIT".into(), provenance.git_commit.clone()),
        ("COMMAND_LINE".into(), provenance.command_line.join(" ")),
        ("WORKING_DIRECTORY".into(), provenance.working_directory.clone()),
        ("PROFILE".into(), format!("{} ({})", provenance.profile.name, provenance.profile.source)),
        ("PROFILE_SHA256".into(), provenance.profile.sha256.clone()),
    ];
    for (k, input) in provenance.inputs.iter().enumerate() {
        items.push((format!("INPUT_{}", k + 1), format!("--{} {} ({} bytes): {}", input.role.replace('_', "-"), input.path, input.size_bytes, input.sha256)));
    }
    items.push(("CRS".into(), provenance.crs.clone()));
    items.push(("CREATED_UTC".into(), provenance.created_utc.clone()));
    items.push(("PROVENANCE".into(), json));
    for (key, value) in &items {
        dataset.set_metadata_item(key, value, "").map_err(cannot)?;
    }
    dataset.close().map_err(cannot)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::gdal_vector::{list_layers, read_vector};
    use crate::read::raw_layer::SourceCrs;
    use geo_types::{line_string, polygon};
    use serde_json::Value as Json;

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

    /// `n` line features with every field type, numbered from `from`.
    fn numbered_lines(from: usize, n: usize) -> Layer {
        let mut l = Layer::new("network", GeometryKind::Line, &[("edge", FieldType::Int), ("length_m", FieldType::Real), ("way_id", FieldType::Text), ("ok", FieldType::Bool)]);
        for i in from..from + n {
            let x = 118.0 + i as f64 * 1e-4;
            l.push(Some(Geometry::LineString(line_string![(x: x, y: 32.0), (x: x + 1e-4, y: 32.001)])), vec![Value::from(i), Value::Real(i as f64 * 1.5), Value::from(format!("w{i}")), Value::Bool(i % 2 == 0)]);
        }
        l
    }

    #[test]
    fn a_layer_written_in_parts_equals_the_layer_written_whole() {
        let dir = tempfile::tempdir().unwrap();
        let (whole, parted) = (dir.path().join("whole.gpkg"), dir.path().join("parted.gpkg"));
        write_geopackage(&whole, &[numbered_lines(0, 10)]).unwrap();
        let mut writer = GeoPackageWriter::create(&parted).unwrap();
        // Parts of 4, 0 and 6 features: an empty part changes nothing.
        writer.write_parts(10, [numbered_lines(0, 4), numbered_lines(4, 0), numbered_lines(4, 6)].map(Ok)).unwrap();
        writer.finish().unwrap();
        let read = |p: &Path| read_vector(Path::new(&format!("{}|layername=network", p.display()))).unwrap().features;
        let (a, b) = (read(&whole), read(&parted));
        assert_eq!(a.len(), 10);
        assert_eq!(a, b);
        assert_eq!(b[7].properties["way_id"], "w7");
        assert_eq!(b[7].properties["edge"], 7);
    }

    #[test]
    fn parts_must_agree_on_the_geometry_type_and_come_at_all() {
        let dir = tempfile::tempdir().unwrap();
        let mut multi = numbered_lines(1, 1);
        multi.features[0].geometry = Some(Geometry::MultiLineString(MultiLineString(vec![line_string![(x: 118.0, y: 32.0), (x: 118.1, y: 32.1)]])));
        let mut writer = GeoPackageWriter::create(&dir.path().join("a.gpkg")).unwrap();
        // A first part of single lines declares a LineString table: a multi line later cannot go in.
        let err = writer.write_parts(2, [numbered_lines(0, 1), multi.clone()].map(Ok)).unwrap_err();
        assert!(matches!(err, Error::Internal(ref m) if m.contains("part")), "{err}");
        // The other way round, the single line is promoted into the multi table.
        let mut multi_first = multi;
        multi_first.name = "network2".into();
        let mut single = numbered_lines(0, 1);
        single.name = "network2".into();
        writer.write_parts(2, [multi_first, single].map(Ok)).unwrap();
        let none: [Result<Layer>; 0] = [];
        assert!(matches!(writer.write_parts(0, none), Err(Error::Internal(_))));
    }

    #[test]
    fn a_parted_layer_that_decides_the_crs_is_judged_whole() {
        // `--out-crs cgcs2000`: the zone is the one of the first table's centre. The first part lies in
        // the 117° E zone (EPSG:4548) but the whole layer's centre, 119° E, in the 120° E zone (EPSG:4549).
        let line = |x0: f64, x1: f64| Geometry::LineString(line_string![(x: x0, y: 32.0), (x: x1, y: 32.1)]);
        let part = |g: Geometry<f64>| {
            let mut l = Layer::new("network", GeometryKind::Line, &[("k", FieldType::Int)]);
            l.push(Some(g), vec![Value::Int(1)]);
            l
        };
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("zone.gpkg");
        let mut writer = GeoPackageWriter::create(&path).unwrap().with_out_crs(Some(OutCrs::Cgcs2000 { zone_prefix: false }));
        assert!(writer.crs_follows_next_table());
        writer.write_parts(2, [part(line(117.0, 118.0)), part(line(120.0, 121.0))].map(Ok)).unwrap();
        assert_eq!(writer.epsg(), 4549);
        assert!(!writer.crs_follows_next_table());
        writer.finish().unwrap();
        let dataset = Dataset::open(&path).unwrap();
        let layer = dataset.layer_by_name("network").unwrap();
        assert_eq!(layer.feature_count(), 2);
        assert_eq!(layer.spatial_ref().unwrap().auth_code().unwrap(), 4549);
    }
}
