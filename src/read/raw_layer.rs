//! The neutral layer every vector reader returns (GeoJSON through [`crate::read::geojson`], any GDAL format
//! through [`crate::read::gdal_vector`]): features as read, in the file's own CRS, with their attributes as
//! JSON values, before any domain meaning is given to them ([`crate::read::planner_layers`] does that).
//!
//! A feature whose geometry is missing or unusable is kept with `geometry: None` (and, when unusable, the
//! reason in `geometry_problem`), so that it ends in the rejects instead of vanishing. Readers build geometries with
//! the checks of [`crate::geometry::from_positions`].

use geo::BoundingRect;
use geo_types::{Coord, Geometry, Rect};
use std::path::PathBuf;

/// The CRS a layer's coordinates are in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceCrs {
    /// WGS 84 longitude/latitude (RFC 7946 GeoJSON, EPSG:4326, OGC:CRS84), x = longitude.
    Wgs84,
    /// Another CRS known by its EPSG code. Geographic codes are read x = longitude, y = latitude (the
    /// order GeoPackage, Shapefile and GeoJSON files store).
    Epsg(u32),
    /// A CRS without an EPSG code, as WKT (a Shapefile `.prj`, a GeoPackage custom SRS).
    Wkt(String),
}

impl SourceCrs {
    /// The definition PROJ is given for this CRS.
    pub fn proj_definition(&self) -> String {
        match self {
            SourceCrs::Wgs84 => "EPSG:4326".to_string(),
            SourceCrs::Epsg(code) => format!("EPSG:{code}"),
            SourceCrs::Wkt(wkt) => wkt.clone(),
        }
    }

    /// A short name for messages.
    pub fn label(&self) -> String {
        match self {
            SourceCrs::Wgs84 => "WGS 84 (EPSG:4326)".to_string(),
            SourceCrs::Epsg(code) => format!("EPSG:{code}"),
            SourceCrs::Wkt(wkt) => {
                // The first quoted string of a WKT is the CRS name.
                let name = wkt.split('"').nth(1).unwrap_or("custom CRS");
                format!("`{name}` (WKT)")
            }
        }
    }

    /// Whether coordinates are degrees of longitude/latitude rather than metres. Asks GDAL's copy of
    /// the EPSG database for codes and WKT it has not been told about.
    pub fn is_geographic(&self) -> bool {
        match self {
            SourceCrs::Wgs84 => true,
            SourceCrs::Epsg(4326 | 4490 | 4214 | 4610) => true,
            SourceCrs::Epsg(code) => gdal::spatial_ref::SpatialRef::from_epsg(*code).map(|s| s.is_geographic()).unwrap_or(false),
            SourceCrs::Wkt(wkt) => gdal::spatial_ref::SpatialRef::from_wkt(wkt).map(|s| s.is_geographic()).unwrap_or(false),
        }
    }
}

/// One feature as read.
#[derive(Debug, Clone, PartialEq)]
pub struct RawFeature {
    /// Position in the file, from 0.
    pub index: usize,
    /// The feature's own id: the GeoJSON `id` member, or the GDAL feature id (FID).
    pub id: Option<String>,
    /// `None` when the feature has no geometry or an unusable one (see `geometry_problem`).
    pub geometry: Option<Geometry<f64>>,
    /// Why `geometry` is `None` when the file had one that could not be used.
    pub geometry_problem: Option<String>,
    /// Attributes, in file order; GDAL fields are converted to JSON values (Bool-subtype integers to
    /// booleans, JSON-subtype strings to their JSON value).
    pub properties: serde_json::Map<String, serde_json::Value>,
}

impl RawFeature {
    /// The property `name` as text: strings as they are, numbers and booleans in their JSON spelling,
    /// `None` when absent, null or an empty / blank string.
    pub fn text(&self, name: &str) -> Option<String> {
        match self.properties.get(name)? {
            serde_json::Value::Null => None,
            serde_json::Value::String(s) => {
                let t = s.trim();
                if t.is_empty() { None } else { Some(t.to_string()) }
            }
            serde_json::Value::Number(n) => Some(n.to_string()),
            serde_json::Value::Bool(b) => Some(b.to_string()),
            other => Some(other.to_string()),
        }
    }
}

/// A layer as read from one file.
#[derive(Debug, Clone, PartialEq)]
pub struct RawLayer {
    /// The file (for a GDAL layer spec `file|layername=x`, the file part).
    pub path: PathBuf,
    /// The layer's name inside the file, when the format has several.
    pub layer_name: Option<String>,
    pub crs: SourceCrs,
    /// Whether `crs` was assumed (the file declared none) rather than declared.
    pub crs_assumed: bool,
    pub features: Vec<RawFeature>,
}

impl RawLayer {
    /// The names of all properties any feature carries, in first-seen order.
    pub fn property_names(&self) -> Vec<String> {
        let mut seen = std::collections::BTreeSet::new();
        let mut names = Vec::new();
        for f in &self.features {
            for k in f.properties.keys() {
                if seen.insert(k.as_str()) {
                    names.push(k.clone());
                }
            }
        }
        names
    }

    /// Whether any feature carries the property (even as null).
    pub fn has_property(&self, name: &str) -> bool {
        self.features.iter().any(|f| f.properties.contains_key(name))
    }

    /// The bounding box of all usable geometries, in the layer's CRS.
    pub fn bounding_rect(&self) -> Option<Rect<f64>> {
        let mut acc: Option<Rect<f64>> = None;
        for g in self.features.iter().filter_map(|f| f.geometry.as_ref()) {
            if let Some(r) = g.bounding_rect() {
                acc = Some(match acc {
                    None => r,
                    Some(a) => Rect::new(
                        Coord { x: a.min().x.min(r.min().x), y: a.min().y.min(r.min().y) },
                        Coord { x: a.max().x.max(r.max().x), y: a.max().y.max(r.max().y) },
                    ),
                });
            }
        }
        acc
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_of_properties() {
        let mut properties = serde_json::Map::new();
        properties.insert("a".into(), serde_json::json!("  东方小区 "));
        properties.insert("b".into(), serde_json::json!(12));
        properties.insert("c".into(), serde_json::Value::Null);
        properties.insert("d".into(), serde_json::json!(""));
        let f = RawFeature { index: 0, id: None, geometry: None, geometry_problem: None, properties };
        assert_eq!(f.text("a").as_deref(), Some("东方小区"));
        assert_eq!(f.text("b").as_deref(), Some("12"));
        assert_eq!(f.text("c"), None);
        assert_eq!(f.text("d"), None);
        assert_eq!(f.text("e"), None);
    }

    #[test]
    fn geographic_crs() {
        assert!(SourceCrs::Wgs84.is_geographic());
        assert!(SourceCrs::Epsg(4490).is_geographic());
        assert!(!SourceCrs::Epsg(4547).is_geographic());
        assert!(!SourceCrs::Epsg(32650).is_geographic());
        assert_eq!(SourceCrs::Epsg(4547).proj_definition(), "EPSG:4547");
    }
}
