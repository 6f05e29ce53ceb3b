//! The geometry type each table of a GeoPackage declares, as GDAL reads it, by family: `point`, `line`,
//! `polygon` (single and multi alike: the writer promotes a layer to multi when some feature is),
//! `none` for a table without geometry, and otherwise GDAL's own name (`Unknown (any)` for a GEOMETRY
//! column, the type QGIS asks the user to split into sub-layers). Shared by the CLI tests that check
//! every output layer holds one geometry type.
#![allow(dead_code)]

use gdal::vector::{LayerAccess, OGRwkbGeometryType, geometry_type_to_name};
use std::collections::BTreeMap;
use std::path::Path;

/// Family of an OGR geometry type.
pub fn family(ty: OGRwkbGeometryType::Type) -> String {
    use OGRwkbGeometryType::*;
    match ty {
        x if x == wkbPoint || x == wkbMultiPoint => "point".into(),
        x if x == wkbLineString || x == wkbMultiLineString => "line".into(),
        x if x == wkbPolygon || x == wkbMultiPolygon => "polygon".into(),
        x if x == wkbNone => "none".into(),
        other => geometry_type_to_name(other),
    }
}

/// Every table of the GeoPackage at `path` (QGIS's `layer_styles` included) → its declared family.
pub fn declared_families(path: &Path) -> BTreeMap<String, String> {
    let dataset = gdal::Dataset::open(path).unwrap_or_else(|e| panic!("GDAL cannot open {}: {e}", path.display()));
    dataset.layers().map(|l| (l.name(), family(l.defn().geometry_type()))).collect()
}

/// `(layer, family)` pairs as the map [`declared_families`] returns.
pub fn families(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs.iter().map(|(l, f)| (l.to_string(), f.to_string())).collect()
}
