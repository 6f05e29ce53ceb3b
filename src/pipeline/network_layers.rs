//! `plan`'s network writer: once coverage is known, a thread of its own converts the walking network's
//! layers (`network`, `network_islands`: a city's millions of edges) to WGS84 and writes them first into the
//! staged GeoPackage (GDAL's GeoPackage writer is serial) and as GeoJSON with their QGIS styles, while
//! bundles and sites are worked out. The `network` layer is made and written a part at a time and never
//! held whole; the open GeoPackage is handed back for the other layers.

use crate::coverage::{self, CoverageRun};
use crate::crs::WorkingCrs;
use crate::error::Result;
use crate::model::Dataset;
use crate::pipeline::outputs::{geojson_and_style, geojson_path, write_geojson_with_style};
use crate::coverage::layers::NETWORK_PART_EDGES;
use crate::write::geojson::GeoJsonStream;
use crate::write::geopackage;
use crate::write::layer::Layer;
use crate::write::wgs84::to_wgs84_here;
use std::path::{Path, PathBuf};

/// Where `plan` writes in its staging folder.
pub(crate) struct PlanPaths {
    pub dir: PathBuf,
    pub gpkg: PathBuf,
    pub geojson_dir: PathBuf,
    /// `--out-crs` of the GeoPackage.
    pub out_crs: Option<crate::crs::gauss_kruger::OutCrs>,
}

impl PlanPaths {
    pub fn in_stage(dir: &Path) -> PlanPaths {
        PlanPaths { dir: dir.to_path_buf(), gpkg: dir.join("lifecircle.gpkg"), geojson_dir: dir.join("geojson"), out_crs: None }
    }
}

/// The network layers written ahead of the others: the open GeoPackage, their GeoJSON (and QML) files,
/// their QGIS styles and feature counts.
pub(crate) struct NetworkWritten {
    pub gpkg: geopackage::GeoPackageWriter,
    pub files: Vec<PathBuf>,
    pub styles: Vec<crate::report::LayerStyle>,
    pub counts: Vec<(String, usize)>,
    /// On a DEM, the network layer (with `slope_factor`) for the report's and the printed map's slope map.
    pub slope_map: Option<crate::write::layer::Layer>,
}

/// Runs on a thread of its own and never uses rayon's pool: a `batch` runs plans on the pool's workers,
/// which wait for this thread, so it must never wait for them.
///
/// The `network` layer is made, written and dropped [`NETWORK_PART_EDGES`] edges at a time (a city's
/// 2 million edges held whole were 0.7 GB at the plan's peak); it is made whole only when it decides the
/// GeoPackage's CRS (`--out-crs cgcs2000`: the zone of its centre).
pub(crate) fn write_network_layers(run: &CoverageRun, data: &Dataset, crs: WorkingCrs, paths: &PlanPaths, wording: &crate::report::Wording) -> Result<NetworkWritten> {
    let started = std::time::Instant::now();
    let mut gpkg = geopackage::GeoPackageWriter::create(&paths.gpkg)?.with_out_crs(paths.out_crs);
    let network = coverage::layers::shown_network(run);
    let edges = network.graph.edges.len();
    let part_edges = if gpkg.crs_follows_next_table() { edges.max(1) } else { NETWORK_PART_EDGES };
    let on_terrain = network.graph.terrain().is_some();
    let part = |start: usize| coverage::layers::network_layer_part(network, data, crs, to_wgs84_here, start..(start + part_edges).min(edges));
    // The first part gives the layer's name, fields and style.
    let first = part(0)?;
    let style = crate::report::layer_style(&first, wording);
    let mut geojson = GeoJsonStream::create(&geojson_path(&paths.geojson_dir, &first.name), &first.name)?;
    // On a DEM the report's slope map draws the whole network layer: it is kept.
    let mut slope_map = on_terrain.then(|| Layer { name: first.name.clone(), geometry: first.geometry, fields: first.fields.clone(), features: Vec::with_capacity(edges) });
    let name = first.name.clone();
    let mut written = |layer: Layer| -> Result<Layer> {
        geojson.write(&layer)?;
        if let Some(map) = slope_map.as_mut() {
            map.features.extend(layer.features.iter().cloned());
        }
        Ok(layer)
    };
    let parts = std::iter::once(Ok(first)).chain((part_edges..edges).step_by(part_edges).map(part)).map(|p| p.and_then(&mut written));
    gpkg.write_parts(edges, parts)?;
    let mut files = geojson_and_style(&paths.geojson_dir, &name, &style, |_| geojson.finish())?;
    let mut styles = vec![style];
    let mut counts = vec![(name, edges)];
    let islands = coverage::layers::islands_layer_on_this_thread(run, crs)?;
    gpkg.write(&islands)?;
    let style = crate::report::layer_style(&islands, wording);
    files.extend(write_geojson_with_style(&paths.geojson_dir, &islands, &style)?);
    styles.push(style);
    counts.push((islands.name.clone(), islands.features.len()));
    tracing::debug!(seconds = started.elapsed().as_secs_f64(), "network layers written");
    Ok(NetworkWritten { gpkg, files, styles, counts, slope_map })
}
