//! The planner's package: what a planning team opens after a run.
//!
//! - [`styles`]: QGIS `.qml` styles per output layer, written beside GeoJSON files; [`gpkg_styles`] stores
//!   them in a GeoPackage's `layer_styles` table so QGIS opens every layer styled;
//! - [`html`]: `report.html`, one self-contained offline page: an interactive map, the coverage table per
//!   category and tier, the bundles with their gaps and recommended sites, eligibility, sources, attribution;
//!   [`summary`] is what it shows beside the layers, [`coverage_table`] makes the coverage rows with the
//!   run's rule profile;
//! - [`map`]: the printable `coverage_map.svg` / `coverage_map.png` (rasterised by [`raster`]).
//!
//! Everything a person reads in them is in the run's language (`--lang`, Chinese by default), from one
//! [`Wording`]: the language's catalogue (`data/lang/*.toml`) and the profile's category names.
//!
//! All of them take the output [`Layer`](crate::write::layer::Layer)s (WGS84) and share one [`palette`], the
//! layer roles of [`layer_role`] (read from the layer names `estates`, `facilities`, `facility_footprints`,
//! `service_areas`, `service_lines`, `bundles`, `sites`, `network`, `idle_land`) and the per-feature [`symbology`], so a layer
//! looks the same in QGIS, in the browser and on paper.
//!
//! ```no_run
//! # fn run(layers: &[&lifecircle::write::layer::Layer], summary: &lifecircle::report::summary::ReportSummary) -> lifecircle::Result<()> {
//! use lifecircle::report;
//! let out = std::path::Path::new("out");
//! let wording = report::Wording::default_profile(lifecircle::lang::Lang::Zh);
//! let title = wording.default_title("玄武区");
//! report::write_qml_files(out, layers, &wording)?;                   // out/NAME.qml beside out/NAME.geojson
//! report::store_styles_in_geopackage(&out.join("lifecircle.gpkg"), layers, &wording)?;
//! report::write_report(&out.join("report.html"), layers, summary, &title, &wording)?;
//! report::write_coverage_map(out, layers, &report::MapOptions::a4_landscape(&title, &wording), &wording)?;
//! # Ok(()) }
//! ```

pub mod bundle_table;
pub mod coverage_table;
pub mod data_quality;
pub mod escape;
pub mod field_values;
pub mod gpkg_styles;
pub mod html;
pub mod layer_role;
pub mod local_projection;
pub mod map;
pub mod map_data;
pub mod palette;
pub mod raster;
pub mod styles;
pub mod summary;
pub mod symbology;
pub mod worded_fields;
pub mod wording;

pub use gpkg_styles::{read_layer_styles, store_layer_styles, store_styles_in_geopackage};
pub use html::write_report;
pub use map::{CoverageMapFiles, MapOptions, write_coverage_map};
pub use styles::{LayerStyle, layer_style, write_qml_beside, write_qml_files};
pub use wording::Wording;
