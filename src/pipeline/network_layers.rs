//! `plan`'s network writer: once coverage is known, a thread of its own converts the walking network's
//! layers (`network`, `network_islands`: a city's millions of edges) to WGS84 and writes them first into the
//! staged GeoPackage (GDAL's GeoPackage writer is serial) and as GeoJSON with their QGIS styles, while
//! bundles and sites are worked out; the layers are dropped once written and the open GeoPackage is handed
//! back for the other layers.

use crate::coverage::{self, CoverageRun};
use crate::crs::WorkingCrs;
use crate::error::Result;
use crate::model::Dataset;
use crate::pipeline::outputs::write_geojson_with_style;
use crate::write::geopackage;
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
pub(crate) fn write_network_layers(run: &CoverageRun, data: &Dataset, crs: WorkingCrs, paths: &PlanPaths, wording: &crate::report::Wording) -> Result<NetworkWritten> {
    let started = std::time::Instant::now();
    let (network, islands) = coverage::layers::network_layers_on_this_thread(run, data, crs)?;
    let mut gpkg = geopackage::GeoPackageWriter::create(&paths.gpkg)?.with_out_crs(paths.out_crs);
    let mut files = Vec::new();
    let mut styles = Vec::new();
    let mut counts = Vec::new();
    let slope_map = run.network.graph.terrain().is_some().then(|| network.clone());
    for layer in [network, islands] {
        gpkg.write(&layer)?;
        let style = crate::report::layer_style(&layer, wording);
        files.extend(write_geojson_with_style(&paths.geojson_dir, &layer, &style)?);
        styles.push(style);
        counts.push((layer.name.clone(), layer.features.len()));
    }
    tracing::debug!(seconds = started.elapsed().as_secs_f64(), "network layers written");
    Ok(NetworkWritten { gpkg, files, styles, counts, slope_map })
}
