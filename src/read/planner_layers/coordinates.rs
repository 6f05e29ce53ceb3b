//! Steps 3 and 4 of reading a planner's layer: the coordinates as the layer gives them.
//!
//! 3. If the layer's CRS is geographic, its coordinates must be longitude/latitude
//!    ([`crate::crs::detect`]): a layer whose coordinates are swapped or projected is refused, stray
//!    features out of range are rejected. GCJ-02 / BD-09 coordinates (Chinese web maps) are converted to
//!    WGS 84 when `--input-coords` says so ([`crate::crs::china`]); that flag on a projected layer is an
//!    error, and a warning says when it changed nothing (no feature in mainland China's offset area).
//! 4. Without a working CRS yet, the UTM zone of this layer's centre (the centre of its bounding box,
//!    in longitude/latitude) is chosen ([`WorkingCrs::utm_for`]).
//!
//! ```
//! use lifecircle::crs::WorkingCrs;
//! // Nanjing, 118.78°E 32.04°N: UTM zone 50 north.
//! assert_eq!(WorkingCrs::utm_for(118.78, 32.04), WorkingCrs { epsg: 32650 });
//! ```

use super::geometry_checks::{GeometryReject, reject_geometry};
use crate::crs::china::{self, InputCoords};
use crate::crs::{Transformer, WorkingCrs, detect};
use crate::error::{Error, Result};
use crate::model::RejectCode;
use crate::read::raw_layer::{RawLayer, SourceCrs};
use geo::BoundingRect;
use geo_types::{Coord, Geometry};

/// The layer's geometries after step 3, each `None` when the feature has none or was rejected on the
/// way (its reject beside it).
pub(super) type CheckedGeometries = (Vec<Option<Geometry<f64>>>, Vec<Option<GeometryReject>>);

/// Step 3: check the layer's longitude/latitude and convert Chinese web-map datums (module doc).
pub(super) fn checked_coordinates(raw: &RawLayer, input_coords: InputCoords) -> Result<CheckedGeometries> {
    let path = &raw.path;
    let source = path.display().to_string();
    let geographic = raw.crs.is_geographic();
    if input_coords != InputCoords::Wgs84 && !geographic {
        return Err(Error::input(
            path,
            format!("--input-coords {input_coords} applies to longitude/latitude, but the layer is in {}", raw.crs.label()),
            "drop --input-coords for projected layers (GCJ-02 and BD-09 exist only as longitude/latitude)",
        ));
    }
    let mut geometries: Vec<Option<Geometry<f64>>> = raw.features.iter().map(|f| f.geometry.clone()).collect();
    let mut early_rejects: Vec<Option<GeometryReject>> = raw.features.iter().map(|_| None).collect();
    if geographic {
        let claim = if raw.crs_assumed {
            "no CRS (so WGS 84 longitude/latitude is assumed)".to_string()
        } else if raw.crs == SourceCrs::Wgs84 && path.extension().is_some_and(|e| e.eq_ignore_ascii_case("geojson") || e.eq_ignore_ascii_case("json")) {
            "WGS 84 longitude/latitude (the GeoJSON standard)".to_string()
        } else {
            format!("{} longitude/latitude", raw.crs.label())
        };
        let boxes: Vec<_> = geometries.iter().map(|g| g.as_ref().and_then(|g| g.bounding_rect())).collect();
        for i in detect::check_claimed_lon_lat(path, &claim, &boxes)? {
            let r = boxes[i].map(|b| format!(" (x {:.6}..{:.6}, y {:.6}..{:.6})", b.min().x, b.max().x, b.min().y, b.max().y)).unwrap_or_default();
            early_rejects[i] = Some(reject_geometry(RejectCode::CoordinatesOutOfRange, RejectCode::CoordinatesOutOfRange.particulars("swapped", &[("extent", &r)]), None));
            geometries[i] = None;
        }
    }
    if input_coords != InputCoords::Wgs84 {
        let mut inside = 0usize;
        for (i, g) in geometries.iter_mut().enumerate() {
            let Some(geometry) = g else { continue };
            if geometry.bounding_rect().is_some_and(|r| china::in_offset_region(r.center().x, r.center().y)) {
                inside += 1;
            }
            if let Err(e) = china::geometry_to_wgs84(geometry, input_coords) {
                early_rejects[i] = Some(reject_geometry(RejectCode::CoordinatesNotConvertible, RejectCode::CoordinatesNotConvertible.particulars("from", &[("coords", &input_coords), ("error", &e)]), None));
                *g = None;
            }
        }
        if inside == 0 && geometries.iter().any(Option::is_some) {
            tracing::warn!("{source}: --input-coords {input_coords} changed nothing: no feature lies in mainland China's offset area (72-138°E, 1-56°N)");
        }
    }
    Ok((geometries, early_rejects))
}

/// Step 4: choose the working CRS from the layer's centre when there is none yet.
pub(super) fn choose_working_crs(raw: &RawLayer, geometries: &[Option<Geometry<f64>>], crs: &mut Option<WorkingCrs>) -> Result<()> {
    let source = raw.path.display().to_string();
    if crs.is_none()
        && let Some(c) = centre_lon_lat(raw, geometries, raw.crs.is_geographic())?
    {
        let chosen = WorkingCrs::utm_for(c.x, c.y);
        tracing::info!("working CRS {} (UTM zone of {source}'s centre {:.4}, {:.4})", chosen.name(), c.x, c.y);
        *crs = Some(chosen);
    }
    Ok(())
}

/// The centre of the layer's usable geometry in WGS 84 lon/lat.
fn centre_lon_lat(raw: &RawLayer, geometries: &[Option<Geometry<f64>>], geographic: bool) -> Result<Option<Coord<f64>>> {
    let mut rect: Option<geo_types::Rect<f64>> = None;
    for r in geometries.iter().flatten().filter_map(|g| g.bounding_rect()) {
        rect = Some(match rect {
            None => r,
            Some(a) => geo_types::Rect::new(
                Coord { x: a.min().x.min(r.min().x), y: a.min().y.min(r.min().y) },
                Coord { x: a.max().x.max(r.max().x), y: a.max().y.max(r.max().y) },
            ),
        });
    }
    let Some(rect) = rect else { return Ok(None) };
    let centre = rect.center();
    if geographic {
        return Ok(Some(centre));
    }
    let to_wgs84 = Transformer::new(&raw.crs.proj_definition(), "EPSG:4326")
        .map_err(|e| Error::input(&raw.path, format!("PROJ cannot use the layer's CRS {}: {e}", raw.crs.label()), "declare a CRS PROJ knows, e.g. an EPSG code"))?;
    to_wgs84.coord(centre).map(Some).map_err(|e| Error::input(&raw.path, format!("the layer's centre cannot be converted to longitude/latitude: {e}"), "check the layer's CRS"))
}
