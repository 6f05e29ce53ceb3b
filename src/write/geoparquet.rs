//! The GeoParquet writer (GeoParquet 1.0.0, <https://geoparquet.org/releases/v1.0.0/>): one output
//! [`Layer`] as one Parquet file that DuckDB (`spatial`), Apache Sedona, GeoPandas and GDAL ≥ 3.8 read
//! as a geometry table.
//!
//! - One column per field, all optional (null allowed): Bool → `BOOLEAN`, Int → `INT64`, Real →
//!   `DOUBLE`, Text → `BYTE_ARRAY` (`STRING`), TextList → `BYTE_ARRAY` (`JSON`, the list as a JSON array,
//!   as in the GeoPackage);
//! - the geometry in the last column, `geometry`, as ISO WKB (`BYTE_ARRAY`, little-endian 2D, from
//!   [`crate::geometry::wkb`]);
//! - the file metadata key `geo`: `version` 1.0.0, `primary_column` `geometry`, and for that column
//!   `encoding` WKB, `geometry_types` (the types present, e.g. `["MultiPolygon", "Polygon"]`) and `bbox`.
//!   `crs` is left out, which GeoParquet defines as OGC:CRS84 (WGS 84 longitude/latitude): the layer's
//!   geometries are in WGS 84 lon/lat, as every [`Layer`]'s are.
//!
//! Row groups of at most [`ROWS_PER_GROUP`] rows, Snappy-compressed; written to a temporary name and
//! renamed into place ([`crate::write::atomic`]). GDAL 3.6 on this project's machines has no Parquet
//! driver, hence the `parquet` crate (its file API only, without Arrow).
//!
//! ```
//! use lifecircle::write::layer::{FieldType, GeometryKind, Layer};
//! use geo_types::{point, Geometry};
//! let dir = tempfile::tempdir().unwrap();
//! let mut gates = Layer::new("gates", GeometryKind::Point, &[("gate_id", FieldType::Text)]);
//! gates.push(Some(Geometry::Point(point! { x: 118.78, y: 32.04 })), vec!["g1".into()]);
//! let path = dir.path().join("gates.parquet");
//! lifecircle::write::geoparquet::write_geoparquet(&path, &gates).unwrap();
//! assert_eq!(&std::fs::read(&path).unwrap()[..4], b"PAR1");
//! ```

use crate::error::{Error, Result};
use crate::geometry::wkb;
use crate::write::atomic;
use crate::write::layer::{FieldType, Layer, Value};
use geo::BoundingRect;
use parquet::basic::{Compression, LogicalType, Repetition, Type as PhysicalType};
use parquet::data_type::{BoolType, ByteArray, ByteArrayType, DoubleType, Int64Type};
use parquet::file::metadata::KeyValue;
use parquet::file::properties::WriterProperties;
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::types::Type as SchemaType;
use std::path::Path;
use std::sync::Arc;

/// Rows per Parquet row group.
pub const ROWS_PER_GROUP: usize = 65_536;

/// The name of the geometry column.
pub const GEOMETRY_COLUMN: &str = "geometry";


/// The `geo` file metadata of a layer: version, primary column, WKB encoding, the geometry types present
/// (sorted) and the bounding box; no `crs` (OGC:CRS84).
pub fn geo_metadata(layer: &Layer) -> serde_json::Value {
    let geometries = || layer.features.iter().filter_map(|f| f.geometry.as_ref());
    let types: std::collections::BTreeSet<&str> = geometries().map(crate::geometry::wkb::simple_feature_type).collect();
    let bbox = geometries().filter_map(|g| g.bounding_rect()).reduce(|a, b| {
        geo_types::Rect::new(
            geo_types::Coord { x: a.min().x.min(b.min().x), y: a.min().y.min(b.min().y) },
            geo_types::Coord { x: a.max().x.max(b.max().x), y: a.max().y.max(b.max().y) },
        )
    });
    let mut column = serde_json::json!({ "encoding": "WKB", "geometry_types": types.into_iter().collect::<Vec<_>>() });
    if let Some(b) = bbox {
        column["bbox"] = serde_json::json!([b.min().x, b.min().y, b.max().x, b.max().y]);
    }
    serde_json::json!({ "version": "1.0.0", "primary_column": GEOMETRY_COLUMN, "columns": { GEOMETRY_COLUMN: column } })
}

fn column_type(name: &str, ty: FieldType) -> parquet::errors::Result<SchemaType> {
    let (physical, logical) = match ty {
        FieldType::Bool => (PhysicalType::BOOLEAN, None),
        FieldType::Int => (PhysicalType::INT64, None),
        FieldType::Real => (PhysicalType::DOUBLE, None),
        FieldType::Text => (PhysicalType::BYTE_ARRAY, Some(LogicalType::String)),
        FieldType::TextList => (PhysicalType::BYTE_ARRAY, Some(LogicalType::Json)),
    };
    SchemaType::primitive_type_builder(name, physical).with_repetition(Repetition::OPTIONAL).with_logical_type(logical).build()
}

/// The Parquet schema of a layer: its fields, then the WKB geometry column.
fn schema(layer: &Layer) -> parquet::errors::Result<SchemaType> {
    let mut columns = Vec::with_capacity(layer.fields.len() + 1);
    for f in &layer.fields {
        columns.push(Arc::new(column_type(&f.name, f.ty)?));
    }
    columns.push(Arc::new(SchemaType::primitive_type_builder(GEOMETRY_COLUMN, PhysicalType::BYTE_ARRAY).with_repetition(Repetition::OPTIONAL).build()?));
    SchemaType::group_type_builder("schema").with_fields(columns).build()
}

/// Write `layer` (geometries in WGS 84 lon/lat) as a GeoParquet file, atomically.
pub fn write_geoparquet(path: &Path, layer: &Layer) -> Result<()> {
    if layer.field_index(GEOMETRY_COLUMN).is_some() {
        return Err(Error::Internal(format!("layer {} has a field named `{GEOMETRY_COLUMN}`, the name of the GeoParquet geometry column", layer.name)));
    }
    let internal = |e: parquet::errors::ParquetError| Error::Internal(format!("GeoParquet layer {} for {}: {e}", layer.name, path.display()));
    let schema = Arc::new(schema(layer).map_err(internal)?);
    let geo = serde_json::to_string(&geo_metadata(layer)).map_err(|e| Error::Internal(format!("GeoParquet metadata: {e}")))?;
    let properties = WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .set_created_by(format!("lifecircle {}", env!("CARGO_PKG_VERSION")))
        .set_key_value_metadata(Some(vec![KeyValue::new("geo".to_string(), geo)]))
        .build();
    atomic::write_atomically_with(path, |file| {
        let mut writer = SerializedFileWriter::new(file, schema, Arc::new(properties)).map_err(internal)?;
        for rows in layer.features.chunks(ROWS_PER_GROUP) {
            let mut group = writer.next_row_group().map_err(internal)?;
            let mut column = 0;
            while let Some(mut out) = group.next_column().map_err(internal)? {
                let mut defined = Vec::with_capacity(rows.len());
                if column < layer.fields.len() {
                    let values = rows.iter().map(|r| &r.values[column]);
                    match layer.fields[column].ty {
                        FieldType::Bool => {
                            let v: Vec<bool> = values.filter_map(|v| present(v, &mut defined, |v| if let Value::Bool(b) = v { Some(*b) } else { None })).collect();
                            out.typed::<BoolType>().write_batch(&v, Some(&defined), None).map_err(internal)?;
                        }
                        FieldType::Int => {
                            let v: Vec<i64> = values.filter_map(|v| present(v, &mut defined, |v| if let Value::Int(i) = v { Some(*i) } else { None })).collect();
                            out.typed::<Int64Type>().write_batch(&v, Some(&defined), None).map_err(internal)?;
                        }
                        FieldType::Real => {
                            let v: Vec<f64> = values.filter_map(|v| present(v, &mut defined, |v| if let Value::Real(x) = v { x.is_finite().then_some(*x) } else { None })).collect();
                            out.typed::<DoubleType>().write_batch(&v, Some(&defined), None).map_err(internal)?;
                        }
                        FieldType::Text | FieldType::TextList => {
                            let v: Vec<ByteArray> = values
                                .filter_map(|v| {
                                    present(v, &mut defined, |v| match v {
                                        Value::Text(s) => Some(ByteArray::from(s.as_str())),
                                        Value::TextList(list) => serde_json::to_string(list).ok().map(|s| ByteArray::from(s.into_bytes())),
                                        _ => None,
                                    })
                                })
                                .collect();
                            out.typed::<ByteArrayType>().write_batch(&v, Some(&defined), None).map_err(internal)?;
                        }
                    }
                } else {
                    let v: Vec<ByteArray> = rows
                        .iter()
                        .filter_map(|r| {
                            defined.push(i16::from(r.geometry.is_some()));
                            r.geometry.as_ref().map(|g| {
                                let mut bytes = Vec::new();
                                wkb::encode(g, &mut bytes);
                                ByteArray::from(bytes)
                            })
                        })
                        .collect();
                    out.typed::<ByteArrayType>().write_batch(&v, Some(&defined), None).map_err(internal)?;
                }
                out.close().map_err(internal)?;
                column += 1;
            }
            group.close().map_err(internal)?;
        }
        writer.close().map_err(internal)?;
        Ok(())
    })
}

/// The value of a cell when it is present (definition level 1), else `None` (level 0, a null; also a
/// value of another type than the column's, which [`Layer::push`] does not allow).
fn present<T>(value: &Value, defined: &mut Vec<i16>, get: impl Fn(&Value) -> Option<T>) -> Option<T> {
    let v = get(value);
    defined.push(i16::from(v.is_some()));
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::write::layer::GeometryKind;
    use geo_types::{Geometry, MultiPolygon, polygon};
    use parquet::file::reader::{FileReader, SerializedFileReader};
    use parquet::record::Field;

    #[test]
    fn every_type_nulls_and_the_geometry_read_back() {
        let mut l = Layer::new(
            "estates",
            GeometryKind::Polygon,
            &[("estate_id", FieldType::Text), ("population", FieldType::Real), ("n", FieldType::Int), ("ok", FieldType::Bool), ("ids", FieldType::TextList)],
        );
        let square = Geometry::Polygon(polygon![(x: 118.0, y: 32.0), (x: 118.001, y: 32.0), (x: 118.001, y: 32.001), (x: 118.0, y: 32.0)]);
        let multi = Geometry::MultiPolygon(MultiPolygon(vec![polygon![(x: 118.5, y: 32.5), (x: 118.6, y: 32.5), (x: 118.6, y: 32.6), (x: 118.5, y: 32.5)]]));
        l.push(Some(square.clone()), vec!["东方小区".into(), 1200.5.into(), Value::Int(3), false.into(), Value::TextList(vec!["a".into(), "乙".into()])]);
        l.push(Some(multi.clone()), vec![Value::Null, Value::Real(f64::NAN), Value::Null, true.into(), Value::TextList(vec![])]);
        l.push(None, vec!["e3".into(), Value::Null, Value::Int(-1), Value::Null, Value::Null]);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("estates.parquet");
        write_geoparquet(&path, &l).unwrap();
        let reader = SerializedFileReader::new(std::fs::File::open(&path).unwrap()).unwrap();
        let meta = reader.metadata().file_metadata();
        assert_eq!(meta.num_rows(), 3);
        let geo = meta.key_value_metadata().unwrap().iter().find(|kv| kv.key == "geo").unwrap().value.clone().unwrap();
        let geo: serde_json::Value = serde_json::from_str(&geo).unwrap();
        assert_eq!(geo["version"], "1.0.0");
        assert_eq!(geo["primary_column"], "geometry");
        assert_eq!(geo["columns"]["geometry"]["encoding"], "WKB");
        assert_eq!(geo["columns"]["geometry"]["geometry_types"], serde_json::json!(["MultiPolygon", "Polygon"]));
        assert_eq!(geo["columns"]["geometry"]["bbox"], serde_json::json!([118.0, 32.0, 118.6, 32.6]));
        assert!(geo["columns"]["geometry"].get("crs").is_none(), "no crs: OGC:CRS84");
        let rows: Vec<Vec<(String, Field)>> = reader.get_row_iter(None).unwrap().map(|r| r.unwrap().get_column_iter().map(|(n, f)| (n.clone(), f.clone())).collect()).collect();
        let names: Vec<&str> = rows[0].iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, vec!["estate_id", "population", "n", "ok", "ids", "geometry"]);
        assert_eq!(rows[0][0].1, Field::Str("东方小区".into()));
        assert_eq!(rows[0][1].1, Field::Double(1200.5));
        assert_eq!(rows[0][2].1, Field::Long(3));
        assert_eq!(rows[0][3].1, Field::Bool(false));
        assert_eq!(rows[0][4].1, Field::Str(r#"["a","乙"]"#.into()));
        assert_eq!((&rows[1][0].1, &rows[1][1].1, &rows[1][2].1, &rows[1][4].1), (&Field::Null, &Field::Null, &Field::Null, &Field::Str("[]".into())));
        assert_eq!((&rows[2][3].1, &rows[2][5].1), (&Field::Null, &Field::Null));
        let decoded: Vec<Geometry<f64>> = rows
            .iter()
            .filter_map(|r| match &r[5].1 {
                Field::Bytes(b) => Some(wkb::decode(b.data()).unwrap()),
                _ => None,
            })
            .collect();
        assert_eq!(decoded, vec![square, multi]);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1, "no temporary file left");
    }

    #[test]
    fn an_empty_layer_is_a_valid_file_with_no_rows() {
        let l = Layer::new("bundles", GeometryKind::Polygon, &[("bundle_id", FieldType::Text)]);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bundles.parquet");
        write_geoparquet(&path, &l).unwrap();
        let reader = SerializedFileReader::new(std::fs::File::open(&path).unwrap()).unwrap();
        assert_eq!(reader.metadata().file_metadata().num_rows(), 0);
        assert_eq!(geo_metadata(&l)["columns"]["geometry"]["geometry_types"], serde_json::json!([]));
    }
}
