//! The last step: writing. The output table every writer formats ([`layer`]), the model and the analyses
//! as such tables ([`model_layers`]) converted to WGS 84 by one conversion ([`wgs84`]), the rejects ([`rejects`]), CSV tables ([`csv_table`]),
//! the GeoPackage ([`geopackage`]), GeoJSON ([`geojson`]) and GeoParquet ([`geoparquet`]) writers, and the atomic staging that every
//! output goes through ([`atomic`]: a temporary name renamed into place).

pub mod atomic;
pub mod csv_table;
pub mod geojson;
pub mod geoparquet;
pub mod geopackage;
pub mod layer;
pub mod model_layers;
pub mod reject_reasons;
pub mod rejects;
pub mod wgs84;
pub mod xlsx;
