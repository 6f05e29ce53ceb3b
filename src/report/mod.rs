//! The planner's package: what a planning team opens after a run.
//!
//! - [`styles`]: QGIS `.qml` styles per output layer, written beside GeoJSON files, and [`gpkg_styles`]
//!   stores them in a GeoPackage's `layer_styles` table;
//! - [`html`]: `report.html`, one self-contained offline page with an interactive map and the tables;
//! - [`map`]: the printable `coverage_map.svg` / `coverage_map.png`.
//!
//! All three take the output [`Layer`](crate::io::layer::Layer)s (WGS84) and share one [`palette`] and the
//! layer roles of [`layer_role`], so a layer looks the same in QGIS, in the browser and on paper.

mod atomic_write;
pub mod escape;
pub mod gpkg_styles;
pub mod layer_role;
pub mod palette;
pub mod styles;
pub mod field_values;
pub mod local_projection;
pub mod symbology;
pub mod bundle_table;
pub mod coverage_table;
pub mod html;
pub mod map_data;
pub mod map;
pub mod raster;
