//! Elevation rasters for tests and benchmarks: a one-band Float32 GeoTIFF written with GDAL, elevation
//! given as a function of the cell centre's coordinates (tilted planes, cone hills, no-data holes).
//!
//! ```
//! let dir = tempfile::tempdir().unwrap();
//! let path = dir.path().join("plane.tif");
//! lifecircle::testing::dem::write_dem(&path, 32650, 0.0, 0.0, 10.0, 4, |x, _| Some(x / 10.0));
//! let dem = lifecircle::read::dem::Dem::open(&path).unwrap();
//! let z = dem.elevations(lifecircle::crs::WorkingCrs { epsg: 32650 }, &[(15.0, 20.0).into()]).unwrap();
//! assert!((z[0].unwrap() - 1.5).abs() < 1e-6);
//! ```

use gdal::DriverManager;
use gdal::raster::{Buffer, RasterCreationOptions};
use gdal::spatial_ref::SpatialRef;
use std::path::Path;

/// The no-data value written for `None`.
pub const NO_DATA: f64 = -9999.0;

/// Write `cells` × `cells` cells of `cell` CRS units, north-up, south-west corner at (x0, y0) in EPSG
/// `epsg`; `z(x, y)` at each cell centre, `None` for no-data. GDAL's default layout (uncompressed strips).
/// Panics on failure (tests only).
pub fn write_dem(path: &Path, epsg: u32, x0: f64, y0: f64, cell: f64, cells: usize, z: impl Fn(f64, f64) -> Option<f64>) {
    write_dem_with(path, epsg, x0, y0, cell, cells, &[], z)
}

/// [`write_dem`] with GeoTIFF creation options (`COMPRESS=DEFLATE`, `TILED=YES` ...). Rows are written in
/// bands of about 16 million cells, so a city-wide 1 m raster does not need its
/// size in memory.
#[allow(clippy::too_many_arguments)]
pub fn write_dem_with(path: &Path, epsg: u32, x0: f64, y0: f64, cell: f64, cells: usize, options: &[&str], z: impl Fn(f64, f64) -> Option<f64>) {
    let driver = DriverManager::get_driver_by_name("GTiff").expect("GDAL's GTiff driver");
    let options = RasterCreationOptions::from_iter(options.iter().copied().chain(["BIGTIFF=IF_SAFER"]));
    let mut ds = driver.create_with_band_type_with_options::<f32, _>(path, cells, cells, 1, &options).expect("create the GeoTIFF");
    let top = y0 + cell * cells as f64;
    ds.set_geo_transform(&[x0, cell, 0.0, top, 0.0, -cell]).expect("geotransform");
    ds.set_spatial_ref(&SpatialRef::from_epsg(epsg).expect("EPSG code")).expect("CRS");
    let mut band = ds.rasterband(1).expect("band 1");
    band.set_no_data_value(Some(NO_DATA)).expect("no-data value");
    let rows_per_band = (16_000_000 / cells).max(1);
    for first in (0..cells).step_by(rows_per_band) {
        let rows = rows_per_band.min(cells - first);
        let mut data = vec![0f32; rows * cells];
        data.chunks_mut(cells).enumerate().for_each(|(r, line)| {
            let y = top - ((first + r) as f64 + 0.5) * cell;
            for (col, v) in line.iter_mut().enumerate() {
                *v = z(x0 + (col as f64 + 0.5) * cell, y).unwrap_or(NO_DATA) as f32;
            }
        });
        let mut buffer = Buffer::new((cells, rows), data);
        band.write((0, first as isize), (cells, rows), &mut buffer).expect("write the cells");
    }
}
