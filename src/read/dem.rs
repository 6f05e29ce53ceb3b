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
//! 3. An uncompressed GeoTIFF is read in place through a memory map (`read::dem_mapped`): each
//!    point reads its four cells where they lie in the file, points taken by band of 256 rows so that a
//!    band's pages stay in the caches (`blend_in_place`); a 1 m raster under a city costs the pages its
//!    streets touch, not a copy of the whole raster. Any other raster: points are grouped by 256 × 256-cell tile
//!    and GDAL reads each tile once (with the one-cell border the blend needs): memory stays one tile,
//!    whatever the raster's size. Both give the same values; the result does not depend on the order of
//!    reading.
//! 4. A band's scale and offset (GDAL's metadata, e.g. an Int16 raster of decimetres with scale 0.1) turn
//!    stored values into metres; the no-data value is compared with the stored value.
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
use crate::read::dem_mapped::MappedBand;
use gdal::{Dataset, DatasetOptions, GdalOpenFlags};
use geo_types::Coord;
use rayon::prelude::*;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Cells per tile side.
const TILE: usize = 256;

/// Above this many cells (a 10 km square at 1 m), a DEM read through GDAL earns a hint in the log.
const LARGE_RASTER_CELLS: usize = 100_000_000;

/// An opened elevation raster.
pub struct Dem {
    path: PathBuf,
    dataset: Dataset,
    /// The raster's CRS as PROJ reads it (`EPSG:n`, else WKT).
    crs: String,
    epsg: Option<u32>,
    grid: Grid,
    no_data: Option<f64>,
    /// Metres = stored value × scale + offset.
    scale: f64,
    offset: f64,
    /// Band 1 read in place, when the file allows it.
    mapped: Option<MappedBand>,
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
        let (scale, offset) = (band.scale().unwrap_or(1.0), band.offset().unwrap_or(0.0));
        if !(scale.is_finite() && offset.is_finite() && scale != 0.0) {
            return Err(Error::input(path, format!("band 1 has an unusable scale ({scale}) or offset ({offset})"), hint()));
        }
        let mapped = MappedBand::open(path, &dataset);
        tracing::debug!(dem = %path.display(), mapped = ?mapped, "DEM opened");
        if mapped.is_none() && width * height > LARGE_RASTER_CELLS {
            tracing::info!(dem = %path.display(), cells = width * height, "a large DEM that is not an uncompressed GeoTIFF is read through GDAL block by block, nearly whole under a city's streets; `gdal_translate -co COMPRESS=NONE -co TILED=YES -co BIGTIFF=IF_SAFER` makes a copy read in place, much faster");
        }
        Ok(Dem { path: path.to_path_buf(), dataset, crs, epsg, grid: Grid { inverse, width, height }, no_data, scale, offset, mapped })
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
        let (no_data, scale, offset) = (self.no_data, self.scale, self.offset);
        let metres = move |v: f64| -> Option<f64> { (v.is_finite() && no_data.is_none_or(|nd| v != nd)).then_some(v * scale + offset) };
        let mut pixels: Vec<Option<(f64, f64)>> = vec![None; points.len()];
        pixels.par_chunks_mut(4096).zip(points.par_chunks(4096)).try_for_each(|(out, chunk)| -> Result<()> {
            if same_crs {
                out.iter_mut().zip(chunk).for_each(|(o, &c)| *o = grid.pixel(c));
            } else {
                Transformer::with_cached(&from, to, |t| out.iter_mut().zip(chunk).for_each(|(o, &c)| *o = t.coord(c).ok().and_then(|c| grid.pixel(c))))?;
            }
            Ok(())
        })?;
        if let Some(mapped) = &self.mapped {
            return Ok(blend_in_place(mapped, grid, &pixels, metres));
        }
        // 3. Group by tile, GDAL reads each tile once, blend.
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
            for o in &order[at..end] {
                if let Some((fx, fy)) = pixels[o.2 as usize] {
                    out[o.2 as usize] = blend(fx, fy, grid, |i, j| metres(cells[(j - y0) * w + (i - x0)]));
                }
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

/// Rows of cells in one band of [`blend_in_place`].
const BAND_ROWS: usize = 256;

/// The blended elevation of every point of a mapped raster. Points go by band of [`BAND_ROWS`] rows (a
/// stable counting sort, in point order within a band): a band's cells and the page tables that map
/// them stay in the processor's caches while its points are blended, where points in edge order would
/// leap across the whole file (a 1 m raster under a city is ten gigabytes; its page tables alone are
/// larger than any cache). Within a band the cells of the point a few places ahead are prefetched: the
/// reads are memory-latency bound. Bands run in parallel, each writing its own points' elevations; the
/// result does not depend on the order.
fn blend_in_place(mapped: &MappedBand, grid: Grid, pixels: &[Option<(f64, f64)>], metres: impl Fn(f64) -> Option<f64> + Sync) -> Vec<Option<f64>> {
    const AHEAD: usize = 12;
    const NONE: u64 = u64::MAX; // a NaN that blending never yields (it yields finite values)
    let band_of = |fy: f64| blend_cells(fy, grid.height).0 / BAND_ROWS;
    let bands = grid.height.div_ceil(BAND_ROWS);
    let mut starts = vec![0usize; bands + 1];
    for &(_, fy) in pixels.iter().flatten() {
        starts[band_of(fy) + 1] += 1;
    }
    for b in 0..bands {
        starts[b + 1] += starts[b];
    }
    let mut next = starts.clone();
    let mut sorted = vec![0u32; starts[bands]];
    for (k, p) in pixels.iter().enumerate() {
        if let Some((_, fy)) = *p {
            let b = band_of(fy);
            sorted[next[b]] = k as u32;
            next[b] += 1;
        }
    }
    let out: Vec<AtomicU64> = (0..pixels.len()).map(|_| AtomicU64::new(NONE)).collect();
    (0..bands).into_par_iter().for_each(|b| {
        let band = &sorted[starts[b]..starts[b + 1]];
        for (n, &k) in band.iter().enumerate() {
            if let Some(&ahead) = band.get(n + AHEAD)
                && let Some((fx, fy)) = pixels[ahead as usize]
            {
                let (i, j) = (blend_cells(fx, grid.width).0, blend_cells(fy, grid.height).0);
                mapped.prefetch(i, j);
                mapped.prefetch(i, (j + 1).min(grid.height - 1));
            }
            if let Some(z) = pixels[k as usize].and_then(|(fx, fy)| blend(fx, fy, grid, |i, j| metres(mapped.cell(i, j)))) {
                out[k as usize].store(z.to_bits(), Ordering::Relaxed);
            }
        }
    });
    out.into_iter().map(|z| Some(z.into_inner()).filter(|&bits| bits != NONE).map(f64::from_bits)).collect()
}

/// The bilinear blend at fractional cell-centre position `(fx, fy)` of the four cells around it (`None` if
/// any of them has no value).
#[inline]
fn blend(fx: f64, fy: f64, grid: Grid, value: impl Fn(usize, usize) -> Option<f64>) -> Option<f64> {
    let (i0, i1, tx) = blend_cells(fx, grid.width);
    let (j0, j1, ty) = blend_cells(fy, grid.height);
    match (value(i0, j0), value(i1, j0), value(i0, j1), value(i1, j1)) {
        (Some(a), Some(b), Some(c), Some(d)) => Some((a * (1.0 - tx) + b * tx) * (1.0 - ty) + (c * (1.0 - tx) + d * tx) * ty),
        _ => None,
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
    let clock = std::time::Instant::now();
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
    let positions_s = clock.elapsed().as_secs_f64();
    let z = dem.elevations(crs, &points)?;
    let elevations_s = clock.elapsed().as_secs_f64() - positions_s;
    let terrain = Terrain::from_edge_samples(graph.edges.len(), steep, |e, buf| {
        buf.extend((starts[e]..starts[e + 1]).map(|k| (along[k], z[k])));
        if ways.get(graph.edges[e].way as usize).is_some_and(off_the_ground) {
            ramp_between_ends(buf);
        }
    });
    let c = terrain.coverage;
    let profiles_s = clock.elapsed().as_secs_f64() - positions_s - elevations_s;
    tracing::debug!(positions_s, elevations_s, profiles_s, samples = points.len(), mapped = dem.mapped.is_some(), "DEM sampling steps");
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

    /// Elevations at 2,000 scattered points (inside, on the border, outside, over a no-data hole).
    fn scattered_elevations(options: &[&str]) -> (bool, Vec<Option<f64>>) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("hill.tif");
        crate::testing::dem::write_dem_with(&path, 32650, 1000.0, 2000.0, 2.5, 300, options, |x, y| {
            let (u, v) = (x - 1375.0, y - 2375.0);
            (u.hypot(v) > 20.0).then(|| 50.0 + 0.1 * u - 0.03 * v + 5.0 * (u / 40.0).sin())
        });
        let dem = Dem::open(&path).unwrap();
        let mut rng = crate::rng::SplitMix64::new(17);
        let points: Vec<Coord<f64>> = (0..2000).map(|_| (990.0 + 770.0 * rng.next_f64(), 1990.0 + 770.0 * rng.next_f64()).into()).collect();
        (dem.mapped.is_some(), dem.elevations(WorkingCrs { epsg: 32650 }, &points).unwrap())
    }

    #[test]
    fn a_mapped_raster_and_gdal_block_reads_give_the_same_elevations() {
        let (mapped, strips) = scattered_elevations(&[]);
        assert!(mapped, "an uncompressed GeoTIFF is read in place");
        let (mapped_tiles, tiles) = scattered_elevations(&["TILED=YES", "BLOCKXSIZE=64", "BLOCKYSIZE=64"]);
        assert!(mapped_tiles);
        let (mapped_deflate, deflate) = scattered_elevations(&["COMPRESS=DEFLATE", "TILED=YES"]);
        assert!(!mapped_deflate, "a compressed GeoTIFF goes through GDAL");
        assert_eq!(strips, deflate);
        assert_eq!(tiles, deflate);
        let known = deflate.iter().filter(|z| z.is_some()).count();
        assert!(known > 1000 && known < 2000, "{known} of 2000 points have an elevation (some outside, some over the hole)");
    }

    #[test]
    fn stored_values_become_metres_by_the_bands_scale_and_offset() {
        // Int16 decimetres above 1,000 m: stored 1234 is 1,123.4 m; no-data is compared with the stored value.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("dm.tif");
        let driver = gdal::DriverManager::get_driver_by_name("GTiff").unwrap();
        let mut ds = driver.create_with_band_type::<i16, _>(&path, 2, 1, 1).unwrap();
        ds.set_geo_transform(&[0.0, 10.0, 0.0, 10.0, 0.0, -10.0]).unwrap();
        ds.set_spatial_ref(&gdal::spatial_ref::SpatialRef::from_epsg(32650).unwrap()).unwrap();
        let mut band = ds.rasterband(1).unwrap();
        band.set_scale(0.1).unwrap();
        band.set_offset(1000.0).unwrap();
        band.set_no_data_value(Some(-1.0)).unwrap();
        band.write((0, 0), (2, 1), &mut gdal::raster::Buffer::new((2, 1), vec![1234i16, -1])).unwrap();
        drop(ds);
        let dem = Dem::open(&path).unwrap();
        assert!(dem.mapped.is_some());
        let z = dem.elevations(WorkingCrs { epsg: 32650 }, &[(5.0, 5.0).into(), (15.0, 5.0).into()]).unwrap();
        assert!((z[0].unwrap() - 1123.4).abs() < 1e-9, "{z:?}");
        assert_eq!(z[1], None);
    }
}
