//! Per-layer options written after the file name, joined by `|`, the way QGIS and OGR write
//! `FILE|layername=NAME`: `aoi.gpkg|layername=aoi|id=id|category=typecode|coords=gcj02|scheme=amap`.
//! Each option overrides, for this layer only, the global flag of the same meaning (`--id-field`,
//! `--input-coords` ...), which stays the default for the other layers.
//!
//! | option | meaning | global flag |
//! |---|---|---|
//! | `layername=NAME` | the layer inside a multi-layer file | |
//! | `crs=EPSG:nnnn` | the layer's CRS, replacing (or supplying) the file's own | |
//! | `id=FIELD` | the id field | `--id-field` |
//! | `name=FIELD` | the name field | `--name-field` |
//! | `category=FIELD` | the category field (with a scheme: the field holding the scheme's code or tag) | `--category-field` |
//! | `population=FIELD` | the population field | `--population-field` |
//! | `households=FIELD` | the households field | `--households-field` |
//! | `coords=wgs84\|gcj02\|bd09` | the datum of longitude/latitude | `--input-coords` |
//! | `where=SQL` | an OGR attribute filter (`typecode LIKE '1203%'`) | |
//! | `scheme=amap\|baidu` | categories and estate types from Amap typecodes or Baidu tags | |
//!
//! An unknown option is a usage error (exit 2) listing the accepted ones. A `|` inside a `where`
//! filter (OGR SQL's `||`) is kept: a part with no `=` continues the option before it.
//!
//! ```
//! use lifecircle::read::layer_options::split_layer_options;
//! let (file, o) = split_layer_options("poi.gpkg|layername=poi|category=typecode|where=typecode LIKE '14%'|scheme=amap".as_ref()).unwrap();
//! assert_eq!(file.to_str(), Some("poi.gpkg|layername=poi"));
//! assert_eq!(o.fields.category_field.as_deref(), Some("typecode"));
//! assert_eq!(o.where_clause.as_deref(), Some("typecode LIKE '14%'"));
//! assert!(split_layer_options("poi.gpkg|colour=red".as_ref()).unwrap_err().to_string().contains("accepted: layername, crs"));
//! ```

use crate::crs::china::InputCoords;
use crate::error::{Error, Result};
use crate::profile::CategoryScheme;
use crate::read::planner_layers::LayerFields;
use std::path::{Path, PathBuf};

/// The option names accepted after `|`, in the order the usage message lists them.
pub const ACCEPTED_OPTIONS: [&str; 10] = ["layername", "crs", "id", "name", "category", "population", "households", "coords", "where", "scheme"];

/// What the options of one layer say (`None`: not given, the global flag applies).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LayerOptions {
    /// The CRS declared for the layer (`EPSG:4548`), replacing the file's own.
    pub crs: Option<String>,
    /// Field names; each `Some` overrides the global flag's.
    pub fields: LayerFields,
    pub coords: Option<InputCoords>,
    pub where_clause: Option<String>,
    pub scheme: Option<CategoryScheme>,
}

impl LayerOptions {
    /// The layer's fields: these options over the global ones.
    pub fn fields_over(&self, global: &LayerFields) -> LayerFields {
        let pick = |own: &Option<String>, g: &Option<String>| own.clone().or_else(|| g.clone());
        LayerFields {
            id_field: pick(&self.fields.id_field, &global.id_field),
            name_field: pick(&self.fields.name_field, &global.name_field),
            category_field: pick(&self.fields.category_field, &global.category_field),
            population_field: pick(&self.fields.population_field, &global.population_field),
            households_field: pick(&self.fields.households_field, &global.households_field),
        }
    }
}

fn usage(spec: &str, problem: String) -> Error {
    Error::Usage(format!(
        "{spec}: {problem}; accepted: {} (e.g. aoi.gpkg|layername=aoi|id=id|category=typecode|coords=gcj02|scheme=amap)",
        ACCEPTED_OPTIONS.join(", ")
    ))
}

/// Split `FILE|opt=value|...` into the path GDAL opens (the file, with `|layername=NAME` kept) and the
/// other options.
pub fn split_layer_options(spec: &Path) -> Result<(PathBuf, LayerOptions)> {
    let text = spec.to_string_lossy();
    let mut parts = text.split('|');
    let file = parts.next().unwrap_or_default().to_string();
    // Group the parts into (key, value), a part without `=` continuing the one before it.
    let mut pairs: Vec<(String, String)> = Vec::new();
    for part in parts {
        match part.split_once('=') {
            Some((k, v)) if ACCEPTED_OPTIONS.contains(&k.trim().to_ascii_lowercase().as_str()) || pairs.is_empty() || k.trim().chars().all(|c| c.is_ascii_alphanumeric() || c == '_') => {
                pairs.push((k.trim().to_ascii_lowercase(), v.to_string()))
            }
            _ => match pairs.last_mut() {
                Some((_, v)) => {
                    v.push('|');
                    v.push_str(part);
                }
                None => return Err(usage(&text, format!("`{part}` is not an option (write NAME=VALUE)"))),
            },
        }
    }
    let mut options = LayerOptions::default();
    let mut path = file.clone();
    for (key, value) in pairs {
        let value = value.trim().to_string();
        if value.is_empty() {
            return Err(usage(&text, format!("option `{key}` has no value")));
        }
        match key.as_str() {
            "layername" => path = format!("{file}|layername={value}"),
            "crs" => options.crs = Some(value),
            "id" => options.fields.id_field = Some(value),
            "name" => options.fields.name_field = Some(value),
            "category" => options.fields.category_field = Some(value),
            "population" => options.fields.population_field = Some(value),
            "households" => options.fields.households_field = Some(value),
            "coords" => options.coords = Some(value.parse().map_err(|e: String| usage(&text, format!("coords={value}: {e}")))?),
            "where" => options.where_clause = Some(value),
            "scheme" => options.scheme = Some(value.parse().map_err(|e: String| usage(&text, format!("scheme={value}: {e}")))?),
            other => return Err(usage(&text, format!("unknown option `{other}`"))),
        }
    }
    Ok((PathBuf::from(path), options))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_option_and_the_defaults() {
        let (file, o) = split_layer_options(Path::new("d/aoi.shp|crs=EPSG:4548|id=id|name=name|category=typecode|population=人口|coords=gcj02|scheme=baidu")).unwrap();
        assert_eq!(file, PathBuf::from("d/aoi.shp"));
        assert_eq!(o.crs.as_deref(), Some("EPSG:4548"));
        assert_eq!((o.fields.id_field.as_deref(), o.fields.name_field.as_deref(), o.fields.population_field.as_deref()), (Some("id"), Some("name"), Some("人口")));
        assert_eq!((o.coords, o.scheme), (Some(InputCoords::Gcj02), Some(CategoryScheme::Baidu)));
        let global = LayerFields { id_field: Some("编号".into()), households_field: Some("户数".into()), ..Default::default() };
        let merged = o.fields_over(&global);
        assert_eq!((merged.id_field.as_deref(), merged.households_field.as_deref()), (Some("id"), Some("户数")));
        assert_eq!(split_layer_options(Path::new("plain.geojson")).unwrap(), (PathBuf::from("plain.geojson"), LayerOptions::default()));
    }

    #[test]
    fn where_keeps_equals_signs_and_pipes() {
        let (_, o) = split_layer_options(Path::new("p.gpkg|where=typecode = '141204' OR name || 'x' = 'yx'|scheme=amap")).unwrap();
        assert_eq!(o.where_clause.as_deref(), Some("typecode = '141204' OR name || 'x' = 'yx'"));
        assert_eq!(o.scheme, Some(CategoryScheme::Amap));
    }

    #[test]
    fn unknown_or_empty_options_are_usage_errors_listing_the_accepted_ones() {
        for bad in ["p.gpkg|srs=EPSG:4548", "p.gpkg|coords=wgs72", "p.gpkg|scheme=tencent", "p.gpkg|id="] {
            let e = split_layer_options(Path::new(bad)).unwrap_err();
            assert!(matches!(e, Error::Usage(_)), "{bad}");
            let m = e.to_string();
            assert!(m.starts_with(bad) && m.contains("accepted: layername, crs, id, name, category, population, households, coords, where, scheme"), "{m}");
        }
    }
}
