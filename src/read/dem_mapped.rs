//! The cells of an uncompressed GeoTIFF elevation raster read in place, through a memory map of the file,
//! instead of through GDAL's block reads ([`crate::read::dem`] falls back to those for every other
//! raster).
//!
//! Why: a walking network samples a DEM every ≤ 10 m along its streets. On a 1 m raster the streets touch
//! every GDAL block (256 cells, streets ~60 m apart), so reading blocks means reading, copying and
//! widening the whole raster (1.35 GB for an 18 km city) to use one cell in a few thousand. A map reads
//! only the pages of the file that hold sampled cells, straight from the operating system's page cache,
//! with no copy; the values, and so the results, are the same bytes GDAL would return.
//!
//! Algorithm: GDAL opens the file and says where each block lies (the GTiff driver's `TIFF` metadata
//! domain: `BLOCK_OFFSET_x_y`, `BLOCK_SIZE_x_y`, the TIFF 6.0 StripOffsets/TileOffsets and
//! StripByteCounts/TileByteCounts). The map is used when GDAL reads nothing more than those bytes: driver
//! GTiff, no compression, little-endian (`II`), band 1 alone or band-interleaved, a plain numeric cell type
//! (8-64 bits, no `NBITS` packing, no signed byte), every block present (no sparse file) and wholly inside
//! the file. Cell `(i, j)` then lies in block `(i / bw, j / bh)` at `((j mod bh) · bw + i mod bw) · size`
//! bytes from the block's offset (TIFF stores tiles whole, the last strip may be short).
//!
//! The map is read-only and private to the process; another program truncating the file during the run
//! would end it (SIGBUS), as for any mapped file.

use gdal::Dataset;
use gdal::Metadata;
use gdal::raster::{GdalDataType, RasterBand};
use memmap2::Mmap;
use std::fs::File;
use std::path::Path;

/// How a cell's bytes are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CellType {
    U8,
    U16,
    I16,
    U32,
    I32,
    F32,
    F64,
}

impl CellType {
    fn of(band: &RasterBand) -> Option<CellType> {
        let signed_byte = band.metadata_item("PIXELTYPE", "IMAGE_STRUCTURE").is_some_and(|v| v == "SIGNEDBYTE");
        Some(match band.band_type() {
            GdalDataType::UInt8 if !signed_byte => CellType::U8,
            GdalDataType::UInt16 => CellType::U16,
            GdalDataType::Int16 => CellType::I16,
            GdalDataType::UInt32 => CellType::U32,
            GdalDataType::Int32 => CellType::I32,
            GdalDataType::Float32 => CellType::F32,
            GdalDataType::Float64 => CellType::F64,
            _ => return None,
        })
    }

    fn size(self) -> usize {
        match self {
            CellType::U8 => 1,
            CellType::U16 | CellType::I16 => 2,
            CellType::U32 | CellType::I32 | CellType::F32 => 4,
            CellType::F64 => 8,
        }
    }

    /// The value of the little-endian cell at `bytes[at..]`.
    #[inline]
    fn read(self, bytes: &[u8], at: usize) -> f64 {
        let take = |n: usize| -> &[u8] { &bytes[at..at + n] };
        match self {
            CellType::U8 => bytes[at] as f64,
            CellType::U16 => u16::from_le_bytes(take(2).try_into().unwrap_or_default()) as f64,
            CellType::I16 => i16::from_le_bytes(take(2).try_into().unwrap_or_default()) as f64,
            CellType::U32 => u32::from_le_bytes(take(4).try_into().unwrap_or_default()) as f64,
            CellType::I32 => i32::from_le_bytes(take(4).try_into().unwrap_or_default()) as f64,
            CellType::F32 => f32::from_le_bytes(take(4).try_into().unwrap_or_default()) as f64,
            CellType::F64 => f64::from_le_bytes(take(8).try_into().unwrap_or_default()),
        }
    }
}

/// Band 1 of an uncompressed GeoTIFF, mapped.
pub(crate) struct MappedBand {
    map: Mmap,
    cell: CellType,
    block_width: usize,
    block_height: usize,
    blocks_across: usize,
    /// Byte offset of each block in the file, row-major.
    offsets: Vec<usize>,
}

impl std::fmt::Debug for MappedBand {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "MappedBand({:?}, blocks {} × {}, {} blocks)", self.cell, self.block_width, self.block_height, self.offsets.len())
    }
}

impl MappedBand {
    /// Map band 1 of `dataset` (opened from `path`) when its cells can be read in place; `None` when GDAL
    /// must read them (compressed, big-endian, sparse, packed bits, another format ...).
    pub(crate) fn open(path: &Path, dataset: &Dataset) -> Option<MappedBand> {
        if dataset.driver().short_name() != "GTiff" {
            return None;
        }
        if dataset.metadata_item("COMPRESSION", "IMAGE_STRUCTURE").is_some_and(|c| !c.eq_ignore_ascii_case("NONE")) {
            return None;
        }
        if dataset.raster_count() > 1 && dataset.metadata_item("INTERLEAVE", "IMAGE_STRUCTURE").is_none_or(|i| i != "BAND") {
            return None;
        }
        let band = dataset.rasterband(1).ok()?;
        if band.metadata_item("NBITS", "IMAGE_STRUCTURE").is_some() {
            return None;
        }
        let cell = CellType::of(&band)?;
        let (width, height) = dataset.raster_size();
        let (block_width, block_height) = band.block_size();
        if block_width == 0 || block_height == 0 {
            return None;
        }
        let file = File::open(path).ok()?;
        // SAFETY: the map is read-only and private; the file is not written by this process. See the
        // module's note on other programs truncating it.
        let map = unsafe { Mmap::map(&file) }.ok()?;
        if !(map.starts_with(b"II*\0") || map.starts_with(b"II+\0")) || cfg!(target_endian = "big") {
            return None;
        }
        let (across, down) = (width.div_ceil(block_width), height.div_ceil(block_height));
        let mut offsets = Vec::with_capacity(across * down);
        for by in 0..down {
            // A strip or tile holds `block_width` cells per row; tiles are whole, the last strip may be short.
            let rows = if block_width == width { block_height.min(height - by * block_height) } else { block_height };
            let needed = rows * block_width * cell.size();
            for bx in 0..across {
                let offset: usize = band.metadata_item(&format!("BLOCK_OFFSET_{bx}_{by}"), "TIFF")?.parse().ok()?;
                let size: usize = band.metadata_item(&format!("BLOCK_SIZE_{bx}_{by}"), "TIFF")?.parse().ok()?;
                if offset == 0 || size < needed || offset.checked_add(needed)? > map.len() {
                    return None;
                }
                offsets.push(offset);
            }
        }
        Some(MappedBand { map, cell, block_width, block_height, blocks_across: across, offsets })
    }

    /// Where cell `(i, j)` (column, row) lies in the file (bytes from its start).
    #[inline]
    pub(crate) fn position(&self, i: usize, j: usize) -> usize {
        let block = (j / self.block_height) * self.blocks_across + i / self.block_width;
        let within = (j % self.block_height) * self.block_width + i % self.block_width;
        self.offsets[block] + within * self.cell.size()
    }

    /// Ask the processor to bring cell `(i, j)` into its cache (a hint; nothing on other architectures).
    #[inline]
    pub(crate) fn prefetch(&self, i: usize, j: usize) {
        #[cfg(target_arch = "x86_64")]
        if let Some(byte) = self.map.get(self.position(i, j)) {
            // SAFETY: SSE is part of every x86-64 processor; a prefetch reads nothing and never faults.
            unsafe { std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(std::ptr::from_ref(byte).cast()) };
        }
        #[cfg(not(target_arch = "x86_64"))]
        let _ = (i, j);
    }

    /// The stored value of cell `(i, j)` (column, row), as GDAL would return it.
    #[inline]
    pub(crate) fn cell(&self, i: usize, j: usize) -> f64 {
        self.cell.read(&self.map, self.position(i, j))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gdal::DriverManager;
    use gdal::raster::{Buffer, RasterCreationOptions};

    /// A `cols × rows` raster of type `T` whose cell (i, j) holds `i + 1000 j` (as `T`), written with the
    /// given creation options, then every cell read through the map and through GDAL.
    fn same_as_gdal<T: gdal::raster::GdalType + Copy + num_from::FromF64>(options: &[&str], cols: usize, rows: usize) -> Option<usize> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cells.tif");
        let driver = DriverManager::get_driver_by_name("GTiff").unwrap();
        let options = RasterCreationOptions::from_iter(options.iter().copied());
        let mut ds = driver.create_with_band_type_with_options::<T, _>(&path, cols, rows, 1, &options).unwrap();
        ds.set_geo_transform(&[0.0, 1.0, 0.0, 0.0, 0.0, -1.0]).unwrap();
        let data: Vec<T> = (0..rows).flat_map(|j| (0..cols).map(move |i| T::from_f64((i + 1000 * j) as f64))).collect();
        ds.rasterband(1).unwrap().write((0, 0), (cols, rows), &mut Buffer::new((cols, rows), data)).unwrap();
        drop(ds);
        let ds = Dataset::open(&path).unwrap();
        let mapped = MappedBand::open(&path, &ds)?;
        let gdal: Vec<f64> = ds.rasterband(1).unwrap().read_as::<f64>((0, 0), (cols, rows), (cols, rows), None).unwrap().data().to_vec();
        let mut checked = 0;
        for j in 0..rows {
            for i in 0..cols {
                assert_eq!(mapped.cell(i, j), gdal[j * cols + i], "cell ({i}, {j}) with {options:?}");
                checked += 1;
            }
        }
        Some(checked)
    }

    mod num_from {
        pub trait FromF64 {
            fn from_f64(v: f64) -> Self;
        }
        impl FromF64 for f32 {
            fn from_f64(v: f64) -> Self {
                v as f32 + 0.25
            }
        }
        impl FromF64 for f64 {
            fn from_f64(v: f64) -> Self {
                v + 0.125
            }
        }
        impl FromF64 for i16 {
            fn from_f64(v: f64) -> Self {
                (v as i64 % 30_000) as i16 - 15_000
            }
        }
        impl FromF64 for u16 {
            fn from_f64(v: f64) -> Self {
                (v as i64 % 60_000) as u16
            }
        }
        impl FromF64 for i32 {
            fn from_f64(v: f64) -> Self {
                v as i32 - 7
            }
        }
        impl FromF64 for u8 {
            fn from_f64(v: f64) -> Self {
                (v as i64 % 251) as u8
            }
        }
    }

    #[test]
    fn mapped_cells_equal_gdal_for_strips_tiles_and_cell_types() {
        // Strips of one row (GDAL's default here), strips of 7 rows (a short last strip), tiles of 16 with
        // partial tiles at the right and bottom edges.
        for options in [&[][..], &["BLOCKYSIZE=7"][..], &["TILED=YES", "BLOCKXSIZE=16", "BLOCKYSIZE=16"][..]] {
            assert_eq!(same_as_gdal::<f32>(options, 37, 29), Some(37 * 29), "{options:?}");
        }
        assert_eq!(same_as_gdal::<f64>(&["TILED=YES", "BLOCKXSIZE=32", "BLOCKYSIZE=16"], 50, 40), Some(2000));
        assert_eq!(same_as_gdal::<i16>(&["BLOCKYSIZE=5"], 33, 21), Some(33 * 21));
        assert_eq!(same_as_gdal::<u16>(&[], 33, 21), Some(33 * 21));
        assert_eq!(same_as_gdal::<i32>(&["TILED=YES", "BLOCKXSIZE=16", "BLOCKYSIZE=16"], 20, 20), Some(400));
        assert_eq!(same_as_gdal::<u8>(&[], 300, 3), Some(900));
    }

    #[test]
    fn band_one_of_a_band_interleaved_raster_is_mapped_and_a_pixel_interleaved_one_left_to_gdal() {
        for (interleave, mapped_expected) in [("BAND", true), ("PIXEL", false)] {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("two.tif");
            let driver = DriverManager::get_driver_by_name("GTiff").unwrap();
            let options = RasterCreationOptions::from_iter([format!("INTERLEAVE={interleave}").as_str(), "TILED=YES", "BLOCKXSIZE=16", "BLOCKYSIZE=16"]);
            let mut ds = driver.create_with_band_type_with_options::<f32, _>(&path, 20, 18, 2, &options).unwrap();
            ds.set_geo_transform(&[0.0, 1.0, 0.0, 0.0, 0.0, -1.0]).unwrap();
            for b in [1usize, 2] {
                let data: Vec<f32> = (0..18 * 20).map(|k| (k * b) as f32 + 0.5).collect();
                ds.rasterband(b).unwrap().write((0, 0), (20, 18), &mut Buffer::new((20, 18), data)).unwrap();
            }
            drop(ds);
            let ds = Dataset::open(&path).unwrap();
            let mapped = MappedBand::open(&path, &ds);
            assert_eq!(mapped.is_some(), mapped_expected, "INTERLEAVE={interleave}");
            if let Some(m) = mapped {
                for j in 0..18 {
                    for i in 0..20 {
                        assert_eq!(m.cell(i, j), (j * 20 + i) as f64 + 0.5, "band 1, cell ({i}, {j})");
                    }
                }
            }
        }
    }

    #[test]
    fn compressed_big_endian_and_sparse_rasters_are_left_to_gdal() {
        assert_eq!(same_as_gdal::<f32>(&["COMPRESS=DEFLATE"], 20, 20), None);
        assert_eq!(same_as_gdal::<f32>(&["COMPRESS=LZW", "TILED=YES"], 20, 20), None);
        assert_eq!(same_as_gdal::<f32>(&["ENDIANNESS=BIG"], 20, 20), None);
        assert_eq!(same_as_gdal::<u16>(&["NBITS=12"], 4, 4), None);
        // A sparse file: blocks never written have no offset (GDAL reads them as zero or no-data).
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sparse.tif");
        let driver = DriverManager::get_driver_by_name("GTiff").unwrap();
        let options = RasterCreationOptions::from_iter(["SPARSE_OK=TRUE", "TILED=YES", "BLOCKXSIZE=16", "BLOCKYSIZE=16"]);
        let mut ds = driver.create_with_band_type_with_options::<f32, _>(&path, 40, 40, 1, &options).unwrap();
        ds.set_geo_transform(&[0.0, 1.0, 0.0, 0.0, 0.0, -1.0]).unwrap();
        ds.rasterband(1).unwrap().write((0, 0), (16, 16), &mut Buffer::new((16, 16), vec![5.0f32; 256])).unwrap();
        drop(ds);
        let ds = Dataset::open(&path).unwrap();
        assert!(MappedBand::open(&path, &ds).is_none());
    }
}
