//! Ground elevation (`--dem FILE`): any raster GDAL opens (GeoTIFF, ESRI ASCII grid, ...), elevation in
//! metres in its first band, in any CRS. Points in the working CRS are reprojected into the raster's CRS
//! through PROJ ([`crate::crs::Transformer`], one transformer per thread) and sampled by bilinear
//! interpolation between the four nearest cell centres.
//!
//! Algorithm ([`Dem::elevations`]):
//! 1. Each point goes to raster pixel coordinates through the inverse of the raster's affine geotransform
//!    (rotated rasters included). A point outside the raster's extent has no elevation.
//! 2. Cell values sit at cell centres: with `fx = px − 0.5`, the point lies between columns `⌊fx⌋` and
//!    `⌊fx⌋ + 1` (clamped at the raster's border, where the nearest centre's value holds) and likewise
//!    rows; the elevation is the bilinear blend of the four. A no-data or NaN value among the four
//!    leaves the point without elevation.
//! 3. Points are grouped by 256 × 256-cell tile and each tile is read once (with the one-cell border the
//!    blend needs): memory stays one tile, whatever the raster's size; the result does not depend on
//!    the order of reading.
//!
//! [`network_terrain`] samples every edge of a walking graph this way ([`crate::network::terrain`]).
//!
//! ```no_run
//! use lifecircle::crs::WorkingCrs;
//! use lifecircle::read::dem::Dem;
//! let dem = Dem::open("hills.tif".as_ref())?;
//! let z = dem.elevations(WorkingCrs { epsg: 32648 }, &[(430_000.0, 3_270_000.0).into()])?;
//! # Ok::<(), lifecircle::Error>(())
//! ```

use crate::crs::{Transformer, WorkingCrs};
use crate::error::{Error, Result};
use crate::gdal_errors::{clear_last_failure, describe, install_error_handler};
use crate::model::Way;
use crate::network::graph::WalkGraph;
use crate::network::terrain::{SteepFactor, Terrain, ramp_between_ends, sample_positions};
use gdal::{Dataset, DatasetOptions, GdalOpenFlags};
use geo_types::Coord;
use rayon::prelude::*;
use std::path::{Path, PathBuf};

/// Cells per tile side.
const TILE: usize = 256;

/// An opened elevation raster.
pub struct Dem {
    path: PathBuf,
    dataset: Dataset,
    /// The raster's CRS as PROJ reads it (`EPSG:n`, else WKT).
    crs: String,
    epsg: Option<u32>,
    grid: Grid,
    no_data: Option<f64>,
}

/// The raster's cell grid (plain data, shared by the threads that reproject points).
#[derive(Debug, Clone, Copy)]
struct Grid {
    /// Pixel = inverse · (x, y): `[c0, cx, cy, r0, rx, ry]`.
    inverse: [f64; 6],
    width: usize,
    height: usize,
}

impl std::fmt::Debug for Dem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Dem({}, {} × {} cells, {})", self.path.display(), self.grid.width, self.grid.height, self.crs)
    }
}

fn hint() -> &'static str {
    "give a raster of ground elevation in metres that GDAL opens (GeoTIFF, ESRI ASCII grid with its .prj ...), with a CRS (gdal_edit.py -a_srs EPSG:nnnn FILE assigns one)"
}

impl Dem {
    /// Open a DEM and check that it can be used: one band at least, a geotransform, a CRS.
    pub fn open(path: &Path) -> Result<Dem> {
        install_error_handler();
        clear_last_failure();
        if !path.exists() {
            return Err(Error::input(path, "the DEM file does not exist", hint()));
        }
        let options = DatasetOptions { open_flags: GdalOpenFlags::GDAL_OF_RASTER | GdalOpenFlags::GDAL_OF_READONLY, ..Default::default() };
        let dataset = Dataset::open_ex(path, options).map_err(|e| Error::input(path, format!("GDAL cannot open it as a raster: {}", describe(&e)), hint()))?;
        if dataset.raster_count() == 0 {
            return Err(Error::input(path, "the file holds no raster band", hint()));
        }
        let (width, height) = dataset.raster_size();
        if width == 0 || height == 0 {
            return Err(Error::input(path, "the raster is empty (0 cells)", hint()));
        }
        let gt = dataset.geo_transform().map_err(|_| Error::input(path, "the raster has no georeferencing (geotransform)", hint()))?;
        let det = gt[1] * gt[5] - gt[2] * gt[4];
        if !(det.is_finite() && det != 0.0) {
            return Err(Error::input(path, "the raster's geotransform cannot be inverted (zero cell size)", hint()));
        }
        // (x, y) = (gt0 + px gt1 + py gt2, gt3 + px gt4 + py gt5)  ⇒  px, py by the inverse 2 × 2 matrix.
        let (a, b, c, d) = (gt[5] / det, -gt[2] / det, -gt[4] / det, gt[1] / det);
        let inverse = [-(a * gt[0] + b * gt[3]), a, b, -(c * gt[0] + d * gt[3]), c, d];
        let srs = dataset.spatial_ref().map_err(|_| Error::input(path, "the raster has no CRS", hint()))?;
        let epsg = match (srs.auth_name(), srs.auth_code()) {
            (Some(name), Ok(code)) if name.eq_ignore_ascii_case("EPSG") && code > 0 => Some(code as u32),
            _ => None,
        };
        let crs = match epsg {
            Some(code) => format!("EPSG:{code}"),
            None => srs.to_wkt().map_err(|e| Error::input(path, format!("the raster's CRS cannot be read: {}", describe(&e)), hint()))?,
        };
        let band = dataset.rasterband(1).map_err(|e| Error::input(path, format!("cannot read band 1: {}", describe(&e)), hint()))?;
        let no_data = band.no_data_value();
        Ok(Dem { path: path.to_path_buf(), dataset, crs, epsg, grid: Grid { inverse, width, height }, no_data })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The raster's CRS, as given to PROJ.
    pub fn crs(&self) -> &str {
        &self.crs
    }

    /// The ground elevation (metres) at each point of the working CRS; `None` outside the raster or over
    /// no-data.
    pub fn elevations(&self, working: WorkingCrs, points: &[Coord<f64>]) -> Result<Vec<Option<f64>>> {
        // 1. Into the raster's CRS (per rayon worker one cached transformer), then pixel coordinates.
        let same_crs = self.epsg == Some(working.epsg);
        let from = working.name();
        let (grid, to) = (self.grid, self.crs.as_str());
        let pixels: Vec<Option<(f64, f64)>> = points
            .par_chunks(4096)
            .map(|chunk| -> Result<Vec<Option<(f64, f64)>>> {
                let projected: Vec<Option<Coord<f64>>> = if same_crs {
                    chunk.iter().map(|&c| Some(c)).collect()
                } else {
                    Transformer::with_cached(&from, to, |t| chunk.iter().map(|&c| t.coord(c).ok()).collect())?
                };
                Ok(projected.into_iter().map(|c| c.and_then(|c| grid.pixel(c))).collect())
            })
            .collect::<Result<Vec<_>>>()?
            .into_iter()
            .flatten()
            .collect();
        // 2-3. Group by tile, read each tile once, blend.
        let mut order: Vec<(u32, u32, u32)> = Vec::with_capacity(points.len());
        for (i, p) in pixels.iter().enumerate() {
            if let Some((fx, fy)) = p {
                let (i0, _, _) = blend_cells(*fx, grid.width);
                let (j0, _, _) = blend_cells(*fy, grid.height);
                order.push(((j0 / TILE) as u32, (i0 / TILE) as u32, i as u32));
            }
        }
        order.par_sort_unstable();
        let band = self.dataset.rasterband(1).map_err(|e| self.read_error(&e))?;
        let mut out = vec![None; points.len()];
        let mut at = 0;
        while at < order.len() {
            let (ty, tx) = (order[at].0 as usize, order[at].1 as usize);
            let end = at + order[at..].partition_point(|o| (o.0 as usize, o.1 as usize) == (ty, tx));
            let (x0, y0) = (tx * TILE, ty * TILE);
            let (w, h) = ((TILE + 1).min(grid.width - x0), (TILE + 1).min(grid.height - y0));
            let buffer = band.read_as::<f64>((x0 as isize, y0 as isize), (w, h), (w, h), None).map_err(|e| self.read_error(&e))?;
            let cells = buffer.data();
            let value = |i: usize, j: usize| -> Option<f64> {
                let v = cells[(j - y0) * w + (i - x0)];
                (v.is_finite() && self.no_data.is_none_or(|nd| v != nd)).then_some(v)
            };
            for o in &order[at..end] {
                let (fx, fy) = pixels[o.2 as usize].expect("grouped points have pixels");
                let (i0, i1, tx) = blend_cells(fx, grid.width);
                let (j0, j1, ty) = blend_cells(fy, grid.height);
                out[o.2 as usize] = match (value(i0, j0), value(i1, j0), value(i0, j1), value(i1, j1)) {
                    (Some(a), Some(b), Some(c), Some(d)) => Some((a * (1.0 - tx) + b * tx) * (1.0 - ty) + (c * (1.0 - tx) + d * tx) * ty),
                    _ => None,
                };
            }
            at = end;
        }
        Ok(out)
    }

    fn read_error(&self, e: &gdal::errors::GdalError) -> Error {
        Error::input(&self.path, format!("cannot read the raster: {}", describe(e)), hint())
    }
}

impl Grid {
    /// Fractional cell-centre coordinates `(px − 0.5, py − 0.5)` of a point in the raster's CRS, `None`
    /// outside the raster.
    fn pixel(&self, c: Coord<f64>) -> Option<(f64, f64)> {
        let m = &self.inverse;
        let px = m[0] + m[1] * c.x + m[2] * c.y;
        let py = m[3] + m[4] * c.x + m[5] * c.y;
        let inside = px >= 0.0 && py >= 0.0 && px <= self.width as f64 && py <= self.height as f64;
        inside.then_some((px - 0.5, py - 0.5))
    }
}

/// Cells `i0`, `i1 = i0 + 1` around fractional cell-centre position `f` in `0..n`, and the weight of `i1`;
/// at the border both are the border cell.
fn blend_cells(f: f64, n: usize) -> (usize, usize, f64) {
    let last = n - 1;
    if f <= 0.0 {
        return (0, 0, 0.0);
    }
    if f >= last as f64 {
        return (last, last, 0.0);
    }
    let i0 = f.floor() as usize;
    (i0, i0 + 1, f - i0 as f64)
}

/// Whether a way does not follow the ground: a bridge or a tunnel.
pub fn off_the_ground(way: &Way) -> bool {
    ["bridge", "tunnel"].iter().any(|k| way.tags.get(*k).is_some_and(|v| v != "no"))
}

/// The terrain of every edge of `graph` on the DEM: samples every 10 m at most, elevations, profiles
/// ([`crate::network::terrain`]); edges of bridges and tunnels ramp straight between their ends.
pub fn network_terrain(dem: &Dem, crs: WorkingCrs, graph: &WalkGraph, ways: &[Way], steep: Option<SteepFactor>) -> Result<Terrain> {
    let mut starts = Vec::with_capacity(graph.edges.len() + 1);
    let mut points = Vec::new();
    let mut along = Vec::new();
    let mut buffer = Vec::new();
    for i in 0..graph.edges.len() {
        starts.push(points.len());
        sample_positions(graph.edge_line(i as u32), &mut buffer);
        for &(c, a) in &buffer {
            points.push(c);
            along.push(a);
        }
    }
    starts.push(points.len());
    let z = dem.elevations(crs, &points)?;
    let terrain = Terrain::from_edge_samples(graph.edges.len(), steep, |e, buf| {
        buf.extend((starts[e]..starts[e + 1]).map(|k| (along[k], z[k])));
        if ways.get(graph.edges[e].way as usize).is_some_and(off_the_ground) {
            ramp_between_ends(buf);
        }
    });
    let c = terrain.coverage;
    tracing::info!(dem = %dem.path.display(), edges = c.edges, edges_without_data = c.edges_without_data, "network sampled on the DEM");
    if c.edges > 0 && c.edges_without_data == c.edges {
        tracing::warn!(dem = %dem.path.display(), crs = %dem.crs, "the DEM covers none of the walking network: every edge counts flat; check that the raster covers the area and its CRS is right");
    } else if c.edges_without_data + c.edges_partly_without_data > 0 {
        tracing::warn!(edges_without_data = c.edges_without_data, edges_partly_without_data = c.edges_partly_without_data, "parts of the walking network lie outside the DEM or over no-data: counted flat (see the summary's `dem` block)");
    }
    Ok(terrain)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blend_cells_at_the_border_and_inside() {
        assert_eq!(blend_cells(-0.5, 4), (0, 0, 0.0));
        assert_eq!(blend_cells(3.2, 4), (3, 3, 0.0));
        assert_eq!(blend_cells(1.25, 4), (1, 2, 0.25));
        assert_eq!(blend_cells(0.0, 1), (0, 0, 0.0));
    }
}
