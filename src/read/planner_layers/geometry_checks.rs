//! Step 5 of reading a planner's layer: each feature projected into the working CRS (in parallel, one
//! PROJ transformer per worker) and its geometry checked against what the layer kind needs
//! ([`super::LayerKind`]): points, lines (of some length) or polygons.
//!
//! Polygons: a hole (inner ring) that shares no area with its outer ring is rejected, not repaired
//! (MakeValid would make it a second polygon of land the planner never drew); invalid polygons
//! (self-intersection, crossing rings, overlapping parts; OGC Simple Features validity as
//! `geo::Validation` checks it) are repaired by GEOS `MakeValid` ([`crate::geometry::make_valid`], the
//! same method as for OpenStreetMap areas); what has no area worth the name ([`MIN_POLYGON_AREA_M2`],
//! [`MIN_POLYGON_WIDTH_M`]), before or after the repair, is rejected.
//!
//! ```
//! use lifecircle::read::planner_layers::{MIN_POLYGON_AREA_M2, MIN_POLYGON_WIDTH_M};
//! // A 10 cm square is the smallest area; a 1 cm mean width the narrowest.
//! assert_eq!((MIN_POLYGON_AREA_M2, MIN_POLYGON_WIDTH_M), (0.01, 0.01));
//! ```

use super::LayerKind;
use crate::crs::{Transformer, WorkingCrs};
use crate::error::{Error, Result};
use crate::geometry::make_valid::make_valid;
use crate::model::RejectCode;
use crate::read::raw_layer::RawLayer;
use geo::{Area, Euclidean, Length, Validation};
use geo_types::{Geometry, LineString, MultiPolygon, Point, Polygon};
use rayon::prelude::*;

/// Polygons smaller than this (a 10 cm square) have no area worth the name: rejected as zero-area.
pub const MIN_POLYGON_AREA_M2: f64 = 0.01;

/// Polygons narrower than this on average (area ÷ half the perimeter) collapse to a line: rejected as
/// zero-area. A 1 cm mean width is far below any wall, path or parcel a planner draws.
pub const MIN_POLYGON_WIDTH_M: f64 = 0.01;

/// What step 5 made of one feature: its shape and, when it was repaired, why it was invalid; or why it
/// is rejected.
pub(super) type Shaping = std::result::Result<(Shaped, Option<String>), GeometryReject>;

/// Step 5: project every geometry from the layer's CRS into `crs` and shape it for the layer kind, in
/// parallel. `None` for a feature without geometry, and for all when there is no working CRS yet (the
/// layer has no usable geometry at all).
pub(super) fn projected_shapes(kind: LayerKind, raw: &RawLayer, geometries: Vec<Option<Geometry<f64>>>, crs: Option<WorkingCrs>) -> Result<Vec<Option<Shaping>>> {
    let source_definition = raw.crs.proj_definition();
    let Some(working) = crs else { return Ok(geometries.iter().map(|_| None).collect()) };
    Transformer::new(&source_definition, &working.name()).map_err(|e| {
        Error::input(&raw.path, format!("PROJ cannot transform the layer's CRS {} to {}: {e}", raw.crs.label(), working.name()), "declare a CRS PROJ knows, e.g. an EPSG code")
    })?;
    Ok(geometries
        .into_par_iter()
        .map(|g| {
            let mut g = g?;
            match Transformer::with_cached(&source_definition, &working.name(), |t| t.geometry(&mut g)) {
                Err(_) => return Some(Err(reject_geometry(RejectCode::Unprojectable, "PROJ transformer could not be created on a worker thread", None))),
                Ok(Err(e)) => return Some(Err(reject_geometry(RejectCode::Unprojectable, RejectCode::Unprojectable.particulars("crs", &[("crs", &working.name()), ("error", &e)]), None))),
                Ok(Ok(())) => {}
            }
            Some(shape(kind, g))
        })
        .collect())
}

/// A geometry after projection and the kind's checks.
pub(super) enum Shaped {
    Polygons(MultiPolygon<f64>),
    Point(Point<f64>),
    Lines(Vec<LineString<f64>>),
    Barrier(Geometry<f64>),
}

/// Why a feature's geometry failed, with the geometry to show in the rejects when there is one.
pub(super) struct GeometryReject {
    pub reason: String,
    pub geometry: Option<Geometry<f64>>,
}

pub(super) fn reject_geometry(code: RejectCode, particulars: impl std::fmt::Display, geometry: Option<Geometry<f64>>) -> GeometryReject {
    GeometryReject { reason: code.reason(particulars), geometry }
}

/// Polygons of a geometry: `None` when it holds anything else.
fn polygons_of(g: &Geometry<f64>) -> Option<Vec<Polygon<f64>>> {
    match g {
        Geometry::Polygon(p) => Some(vec![p.clone()]),
        Geometry::MultiPolygon(mp) => Some(mp.0.clone()),
        Geometry::Rect(r) => Some(vec![r.to_polygon()]),
        Geometry::Triangle(t) => Some(vec![t.to_polygon()]),
        _ => None,
    }
}

/// Whether projected polygons have an area worth the name: at least [`MIN_POLYGON_AREA_M2`], and a mean
/// width (area ÷ half the perimeter) of at least [`MIN_POLYGON_WIDTH_M`]. The second test catches rings
/// whose positions lie on one line in lon/lat: projected, the Earth's curvature gives them a few cm² of
/// area (a 200 m "flat" ring in Nanjing has 0.04 m² in UTM), which is no area.
fn has_area(mp: &MultiPolygon<f64>) -> bool {
    let area_m2 = mp.unsigned_area();
    let perimeter_m: f64 = mp.0.iter().map(|p| Euclidean.length(p.exterior()) + p.interiors().iter().map(|r| Euclidean.length(r)).sum::<f64>()).sum();
    area_m2 >= MIN_POLYGON_AREA_M2 && area_m2 >= MIN_POLYGON_WIDTH_M * perimeter_m / 2.0
}

/// The first hole (inner ring) that shares no area with its polygon's outer ring, described. MakeValid
/// would turn such a hole into a second polygon, adding land the planner never drew as part of the
/// feature; it is a drawing error (a ring put in the wrong feature or the wrong place), so the feature is
/// rejected instead. A hole that crosses its outer ring still overlaps it and is left to MakeValid.
fn hole_outside_shell(parts: &[Polygon<f64>]) -> Option<String> {
    use geo::Relate;
    for (k, polygon) in parts.iter().enumerate() {
        let shell = Polygon::new(polygon.exterior().clone(), vec![]);
        for (j, hole) in polygon.interiors().iter().enumerate() {
            let hole = Polygon::new(hole.clone(), vec![]);
            let shared_area = hole.relate(&shell).matches("2********").unwrap_or(true);
            if !shared_area && hole.unsigned_area() > 0.0 {
                let part = if parts.len() > 1 { format!(" of part {}", k + 1) } else { String::new() };
                return Some(format!(
                    "inner ring {}{part} lies outside the polygon's outer ring; a hole must lie inside the area it cuts out (move the ring or delete it)",
                    j + 1
                ));
            }
        }
    }
    None
}

/// Check the polygons of a polygonal geometry: area, validity, repair. Returns them and, when they were
/// repaired, why they were invalid.
fn checked_polygons(g: &Geometry<f64>, parts: Vec<Polygon<f64>>) -> std::result::Result<(MultiPolygon<f64>, Option<String>), GeometryReject> {
    if let Some(problem) = hole_outside_shell(&parts) {
        return Err(reject_geometry(RejectCode::HoleOutsideShell, problem, Some(g.clone())));
    }
    let mp = MultiPolygon(parts);
    let no_area = |area_m2: f64| reject_geometry(RejectCode::DegenerateArea, RejectCode::DegenerateArea.particulars("no_area", &[("area", &format!("{area_m2:.3}"))]), Some(g.clone()));
    match mp.check_validation() {
        Ok(()) => {
            let area_m2 = mp.unsigned_area();
            if has_area(&mp) { Ok((mp, None)) } else { Err(no_area(area_m2)) }
        }
        // The signed area of a self-intersecting ring is meaningless (a bow-tie's halves cancel): repair first.
        Err(problem) => match make_valid(&mp) {
            Ok(fixed) if fixed.0.is_empty() || !has_area(&fixed) => Err(no_area(fixed.unsigned_area())),
            Ok(fixed) if fixed.is_valid() => Ok((fixed, Some(problem.to_string()))),
            Ok(_) => Err(reject_geometry(RejectCode::InvalidPolygon, format_args!("invalid polygon ({problem}) that GEOS MakeValid could not repair"), Some(g.clone()))),
            Err(e) => Err(reject_geometry(RejectCode::InvalidPolygon, format_args!("invalid polygon ({problem}); repairing it failed: {e}"), Some(g.clone()))),
        },
    }
}

/// Turn a projected geometry into what the layer kind needs.
fn shape(kind: LayerKind, g: Geometry<f64>) -> Shaping {
    let wrong = |g: &Geometry<f64>| {
        reject_geometry(RejectCode::WrongGeometryType, format_args!("{} where the {} layer needs {}", crate::geometry::wkb::simple_feature_type(g), kind.name(), kind.geometry_wanted()), Some(g.clone()))
    };
    let polygons = |g: &Geometry<f64>| match polygons_of(g) {
        Some(parts) => checked_polygons(g, parts),
        None => Err(wrong(g)),
    };
    match kind {
        LayerKind::Estates | LayerKind::Buildings | LayerKind::Parcels | LayerKind::Boundaries | LayerKind::ProtectedLand => {
            polygons(&g).map(|(mp, repaired)| (Shaped::Polygons(mp), repaired))
        }
        LayerKind::Facilities => match &g {
            Geometry::Point(p) => Ok((Shaped::Point(*p), None)),
            Geometry::MultiPoint(mp) if mp.0.len() == 1 => Ok((Shaped::Point(mp.0[0]), None)),
            _ => polygons(&g).map(|(mp, repaired)| (Shaped::Polygons(mp), repaired)),
        },
        LayerKind::Gates => match &g {
            Geometry::Point(p) => Ok((Shaped::Point(*p), None)),
            Geometry::MultiPoint(mp) if mp.0.len() == 1 => Ok((Shaped::Point(mp.0[0]), None)),
            _ => Err(wrong(&g)),
        },
        LayerKind::Ways => {
            let lines = match &g {
                Geometry::LineString(l) => vec![l.clone()],
                Geometry::Line(l) => vec![(*l).into()],
                Geometry::MultiLineString(m) => m.0.clone(),
                _ => return Err(wrong(&g)),
            };
            if lines.iter().any(|l| Euclidean.length(l) <= 0.0) {
                return Err(reject_geometry(RejectCode::DegenerateLine, RejectCode::DegenerateLine.particulars("zero_length", &[]), Some(g)));
            }
            Ok((Shaped::Lines(lines), None))
        }
        LayerKind::Barriers => match &g {
            Geometry::LineString(_) | Geometry::MultiLineString(_) | Geometry::Line(_) => {
                let length = match &g {
                    Geometry::LineString(l) => Euclidean.length(l),
                    Geometry::MultiLineString(m) => Euclidean.length(m),
                    Geometry::Line(l) => Euclidean.length(l),
                    _ => 0.0,
                };
                if length > 0.0 { Ok((Shaped::Barrier(g), None)) } else { Err(reject_geometry(RejectCode::DegenerateLine, "the line has zero length", Some(g))) }
            }
            _ => polygons(&g).map(|(mp, repaired)| (Shaped::Barrier(Geometry::MultiPolygon(mp)), repaired)),
        },
    }
}

