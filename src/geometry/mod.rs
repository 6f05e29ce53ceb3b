//! The ground floor of geometry: the plumbing every room shares, so that no other room talks to the C
//! libraries directly. Everything GEOS does for lifecircle (reached through GDAL's OGR geometry API)
//! goes through [`ogr::OgrGeometry`]; the other rooms ask for a buffer, an overlay or a repair here.
//!
//! Files, one job each:
//! - [`ogr`]: a geometry held by OGR, the conversions `geo_types` ↔ OGR, the polygons of a GEOS result,
//!   GEOS failures as [`ogr::GeosError`] and their mapping into [`crate::Error`], and the one `Send`
//!   wrapper (its SAFETY argument);
//! - [`buffer`]: GEOS buffer, round caps and joins, one arc resolution ([`buffer::QUADRANT_SEGMENTS`]);
//! - [`overlay`]: union, difference, intersection, and the cascaded union of many pieces;
//! - [`make_valid`]: GEOS `MakeValid`, one method (`STRUCTURE`) for OpenStreetMap and planners' layers;
//! - [`validity`]: the fast simple-ring check and `geo`'s OGC validation, repairing what fails;
//! - [`rings`]: the rings of polygons and the finite-coordinates check;
//! - [`from_positions`]: polygons and lines built from positions as a reader finds them, with the Simple
//!   Features checks (closed rings of 4 positions or more, finite coordinates) that name what is wrong;
//! - [`rect`]: bounding rectangles grown, contained, apart;
//! - [`boundary_distance`]: the signed distance from a point to a polygon's boundary, brute force and
//!   through a grid of the segments, for the searches that ask it many times of one polygon;
//! - [`wkb`]: Well-Known Binary, the exchange format with GDAL's readers and writers, and the Simple
//!   Features type names.

pub mod boundary_distance;
pub mod buffer;
pub mod from_positions;
pub mod make_valid;
pub mod ogr;
pub mod overlay;
pub mod rect;
pub mod rings;
pub mod validity;
pub mod wkb;
