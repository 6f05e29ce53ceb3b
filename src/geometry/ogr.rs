//! The door to GEOS: a geometry held by OGR, GDAL's geometry API, which hands buffers, overlays and
//! repairs to GEOS (GEOS 3.11 behind GDAL 3.6 here; there is no direct GEOS binding in lifecircle).
//!
//! - **Conversion.** `geo_types` → OGR with the `gdal` crate's `ToGdal` and OGR → `geo_types` with its
//!   `to_geo`; both copy the doubles, so a round trip gives back the same coordinates. An empty OGR
//!   result has no polygons ([`OgrGeometry::polygons`]) rather than failing to convert.
//! - **Polygons of a result.** GEOS may answer with a polygon, a multipolygon or a collection (a
//!   repair or an overlay can leave lines and points of collapsed parts beside the areas):
//!   [`polygons_of`] keeps the polygons, in GEOS's order, collections walked depth first.
//! - **Errors.** A failed GEOS call is a [`GeosError`] holding GDAL's reason when it gave one (the set
//!   operations only answer "no result"); [`GeosError::internal`] turns it into the
//!   [`Error::Internal`] users see: `GEOS <what> failed: <reason>`.
//! - **Threads.** An [`OgrGeometry`] may move to another thread (`Send`, see the SAFETY note) but not be
//!   shared (`!Sync`); the service-area cascade hands pieces between rayon's workers.
//!
//! ```
//! use geo_types::polygon;
//! use lifecircle::geometry::ogr::OgrGeometry;
//! let square = polygon![(x: 0., y: 0.), (x: 2., y: 0.), (x: 2., y: 2.), (x: 0., y: 2.)];
//! let held = OgrGeometry::from_geo(&square).unwrap();
//! assert_eq!(held.polygons().unwrap(), vec![square]);
//! ```

use crate::error::Error;
use gdal::vector::{Geometry as Ogr, ToGdal};
use geo_types::{Geometry, Polygon};
use std::fmt;

/// A geometry owned by OGR, the operand and result of every GEOS call.
pub struct OgrGeometry(Ogr);

// SAFETY: every `OgrGeometry` owns its OGR geometry (made by `ToGdal` or returned by a GEOS call; one
// borrowed from a feature is never wrapped): a plain heap object with no tie to the thread that made it,
// since OGR makes a GEOS context per call. Moving it hands it to exactly one thread at a time; it is not
// `Sync`, so it is never shared.
unsafe impl Send for OgrGeometry {}

impl OgrGeometry {
    /// A copy of a `geo_types` geometry held by OGR.
    pub fn from_geo(g: &impl ToGdal) -> Result<OgrGeometry, GeosError> {
        g.to_gdal().map(OgrGeometry).map_err(GeosError::from)
    }

    pub(crate) fn from_ogr(g: Ogr) -> OgrGeometry {
        OgrGeometry(g)
    }

    pub(crate) fn ogr(&self) -> &Ogr {
        &self.0
    }

    /// Whether the geometry is empty (no point at all).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// A `geo_types` copy of the geometry.
    pub fn to_geo(&self) -> Result<Geometry<f64>, GeosError> {
        self.0.to_geo().map_err(GeosError::from)
    }

    /// The polygons of the geometry ([`polygons_of`]); none when it is empty.
    pub fn polygons(&self) -> Result<Vec<Polygon<f64>>, GeosError> {
        if self.is_empty() {
            return Ok(Vec::new());
        }
        Ok(polygons_of(self.to_geo()?))
    }
}

/// The polygons of a geometry, in order, collections walked depth first; lines and points are dropped.
pub fn polygons_of(g: Geometry<f64>) -> Vec<Polygon<f64>> {
    let mut out = Vec::new();
    collect_polygons(g, &mut out);
    out
}

fn collect_polygons(g: Geometry<f64>, out: &mut Vec<Polygon<f64>>) {
    match g {
        Geometry::Polygon(p) => out.push(p),
        Geometry::MultiPolygon(mp) => out.extend(mp.0),
        Geometry::GeometryCollection(gc) => gc.0.into_iter().for_each(|g| collect_polygons(g, out)),
        _ => {}
    }
}

/// A GEOS (or OGR conversion) call that failed, with GDAL's reason when it gave one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeosError {
    reason: Option<String>,
}

impl GeosError {
    /// A set operation (`OGR_G_Union`, `OGR_G_Difference`, `OGR_G_Intersection`) that returned nothing.
    pub(crate) fn no_result() -> GeosError {
        GeosError { reason: None }
    }

    /// The internal error users see: `GEOS <what> failed`, then `: <reason>` when GDAL gave one
    /// (`what`: `buffer of a service area`, `difference while deriving open land` ...).
    pub fn internal(self, what: &str) -> Error {
        match self.reason {
            Some(reason) => Error::Internal(format!("GEOS {what} failed: {reason}")),
            None => Error::Internal(format!("GEOS {what} failed")),
        }
    }
}

impl From<gdal::errors::GdalError> for GeosError {
    fn from(e: gdal::errors::GdalError) -> GeosError {
        GeosError { reason: Some(e.to_string()) }
    }
}

impl fmt::Display for GeosError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.reason.as_deref().unwrap_or("GEOS gave no result"))
    }
}

impl std::error::Error for GeosError {}

#[cfg(test)]
mod tests {
    use super::*;
    use geo_types::{GeometryCollection, LineString, MultiPolygon, Point, polygon};

    #[test]
    fn polygons_of_every_shape_in_order() {
        let a = polygon![(x: 0., y: 0.), (x: 1., y: 0.), (x: 1., y: 1.)];
        let b = polygon![(x: 5., y: 0.), (x: 6., y: 0.), (x: 6., y: 1.)];
        assert_eq!(polygons_of(Geometry::Point(Point::new(0., 0.))), vec![]);
        assert_eq!(polygons_of(Geometry::Polygon(a.clone())), vec![a.clone()]);
        let nested = Geometry::GeometryCollection(GeometryCollection(vec![
            Geometry::LineString(LineString::from(vec![(0., 0.), (1., 1.)])),
            Geometry::MultiPolygon(MultiPolygon(vec![b.clone()])),
            Geometry::GeometryCollection(GeometryCollection(vec![Geometry::Polygon(a.clone())])),
        ]));
        assert_eq!(polygons_of(nested), vec![b, a]);
    }

    #[test]
    fn empty_result_has_no_polygons_and_errors_read_as_users_see_them() {
        let empty = OgrGeometry::from_ogr(Ogr::empty(gdal::vector::OGRwkbGeometryType::wkbPolygon).unwrap());
        assert!(empty.is_empty());
        assert_eq!(empty.polygons().unwrap(), vec![]);
        assert_eq!(GeosError::no_result().internal("union of tile pieces").to_string(), "internal error: GEOS union of tile pieces failed");
        let e = GeosError { reason: Some("IllegalArgumentException".into()) };
        assert_eq!(e.to_string(), "IllegalArgumentException");
        assert_eq!(e.internal("buffer").to_string(), "internal error: GEOS buffer failed: IllegalArgumentException");
    }
}
