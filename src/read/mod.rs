//! The first step: reading. OpenStreetMap PBF ([`osm`]), GeoJSON ([`geojson`]), any vector format GDAL
//! opens ([`gdal_vector`]: GeoPackage, Shapefile, FlatGeobuf ...) into a neutral [`raw_layer`], planners'
//! layers given domain meaning ([`planner_layers`]), survey tables ([`survey`], CSV in UTF-8 or GBK), and
//! ground elevation rasters ([`dem`], `--dem`).
//! Everything read becomes model objects in the working CRS, or a reject with its reason.

pub mod gdal_vector;
pub mod dem;
pub(crate) mod dem_mapped;
pub mod geojson;
pub mod layer_options;
pub mod name_match;
pub mod osm;
pub mod planner_layers;
pub mod raw_layer;
pub mod survey;
