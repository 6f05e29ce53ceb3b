//! Readers and writers: OpenStreetMap PBF, GeoJSON (RFC 7946), GDAL vector formats (GeoPackage, Shapefile,
//! FlatGeobuf ...), survey tables (CSV, UTF-8 or GBK), and the atomic file writing they all share.

pub mod atomic;
pub mod csv_table;
pub mod gdal_vector;
pub mod geojson;
pub mod layer;
pub mod model_layers;
pub mod osm;
pub mod planner_layers;
pub mod raw_layer;
pub mod rejects;
pub mod survey;
pub mod wkb;
