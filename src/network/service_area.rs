//! Service areas: the exact part of the walking network within a distance of a category's facilities,
//! as lines, and as polygons made by buffering those lines and dissolving them (no convex or concave
//! hulls: a hull claims blocks nobody can walk into).
//!
//! Lines, per edge `u–v` of length `L`, with `d(u)`, `d(v)` the nearest-facility network distances from
//! the multi-source search and `T` the limit: the reached part is the union of `[0, T − d(u)]`,
//! `[L − (T − d(v)), L]` and, for a facility entering this very edge at `a` after `b` metres off the
//! network, `[a − (T − b), a + (T − b)]`, clipped to `[0, L]`. Every point of the result is within `T`
//! and every point beyond is not, so a partial edge ends exactly at distance `T`.
//!
//! Polygons: the lines buffered by `service_area_buffer_m` (round caps and joins) with geo's `Buffer`,
//! which strokes and unions them in one pass (i_overlay). geo's overlay can return invalid rings on
//! large inputs, so the result is validated (`geo::Validation`) and, when invalid, rebuilt by GEOS
//! (`GEOSBuffer` through GDAL), whose buffer of a multi-line is dissolved by construction.
//!
//! ```
//! use geo_types::Coord;
//! use lifecircle::network::compounds::{PieceAccess, WayPiece};
//! use lifecircle::network::graph::WalkGraph;
//! use lifecircle::network::dijkstra::EdgeEntries;
//! use lifecircle::network::service_area::reached_lines;
//! let c = |x: f64, y: f64| Coord { x, y };
//! let g = WalkGraph::build(&[WayPiece { way: 0, coords: vec![c(0.0, 0.0), c(1000.0, 0.0)], access: PieceAccess::Public }], |_| true);
//! // A facility at node 0: 300 m of the 1000 m street are within 300 m.
//! let lines = reached_lines(&g, |n| (n == 0).then_some(0.0), &EdgeEntries::default(), 300.0);
//! assert_eq!(lines.0[0].0, vec![c(0.0, 0.0), c(300.0, 0.0)]);
//! ```

use super::dijkstra::EdgeEntries;
use super::graph::WalkGraph;
use crate::error::{Error, Result};
use gdal::vector::ToGdal;
use geo::{Buffer, Validation};
use geo_types::{Geometry, MultiLineString, MultiPolygon};

/// The reached intervals `[from, to]` (metres from `u`) of one edge, merged and ascending.
pub fn reached_intervals(graph: &WalkGraph, edge: u32, d_u: Option<f64>, d_v: Option<f64>, entries: &EdgeEntries, limit_m: f64) -> Vec<(f64, f64)> {
    let e = &graph.edges[edge as usize];
    let len = e.length_m;
    let mut parts: Vec<(f64, f64)> = Vec::new();
    if let Some(d) = d_u.filter(|&d| d <= limit_m) {
        parts.push((0.0, (limit_m - d).min(len)));
    }
    if let Some(d) = d_v.filter(|&d| d <= limit_m) {
        parts.push(((len - (limit_m - d)).max(0.0), len));
    }
    for s in entries.on_edge(edge) {
        if s.base_m <= limit_m {
            let r = limit_m - s.base_m;
            parts.push(((s.along_m - r).max(0.0), (s.along_m + r).min(len)));
        }
    }
    parts.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)));
    let mut merged: Vec<(f64, f64)> = Vec::with_capacity(parts.len());
    for p in parts {
        match merged.last_mut() {
            Some(last) if p.0 <= last.1 => last.1 = last.1.max(p.1),
            _ => merged.push(p),
        }
    }
    merged
}

/// The network within `limit_m` of the sources, as lines (edges in id order, each cut to its reached parts).
/// `nearest(node)` gives the network distance from the nearest source.
pub fn reached_lines(graph: &WalkGraph, nearest: impl Fn(u32) -> Option<f64>, entries: &EdgeEntries, limit_m: f64) -> MultiLineString<f64> {
    let mut lines = Vec::new();
    for (i, e) in graph.edges.iter().enumerate() {
        let i = i as u32;
        for (from, to) in reached_intervals(graph, i, nearest(e.u), nearest(e.v), entries, limit_m) {
            if to > from {
                if from == 0.0 && to == e.length_m {
                    lines.push(geo_types::LineString(graph.edge_line(i).to_vec()));
                } else {
                    lines.push(graph.edge_part(i, from, to));
                }
            }
        }
    }
    MultiLineString(lines)
}

/// The reached lines buffered by `buffer_m` and dissolved into one multipolygon.
pub fn service_area_polygon(lines: &MultiLineString<f64>, buffer_m: f64) -> Result<MultiPolygon<f64>> {
    if lines.0.is_empty() {
        return Ok(MultiPolygon(Vec::new()));
    }
    let buffered = lines.buffer(buffer_m);
    if buffered.is_valid() {
        return Ok(buffered);
    }
    tracing::debug!("geo buffer gave an invalid service area; rebuilding it with GEOS");
    geos_buffer(lines, buffer_m)
}

/// Buffer and dissolve through GEOS (GDAL's `OGR_G_Buffer`).
pub fn geos_buffer(lines: &MultiLineString<f64>, buffer_m: f64) -> Result<MultiPolygon<f64>> {
    let internal = |e: gdal::errors::GdalError| Error::Internal(format!("GEOS buffer of a service area failed: {e}"));
    let g = lines.to_gdal().map_err(internal)?;
    let b = g.buffer(buffer_m, 8).map_err(internal)?;
    match b.to_geo().map_err(internal)? {
        Geometry::Polygon(p) => Ok(MultiPolygon(vec![p])),
        Geometry::MultiPolygon(mp) => Ok(mp),
        other => Err(Error::Internal(format!("GEOS buffer of a service area gave a {other:?} instead of polygons"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::network::compounds::{PieceAccess, WayPiece};
    use crate::network::dijkstra::SourceEntry;
    use geo::Area;
    use geo_types::Coord;

    fn c(x: f64, y: f64) -> Coord<f64> {
        Coord { x, y }
    }

    fn street(len: f64) -> WalkGraph {
        WalkGraph::build(&[WayPiece { way: 0, coords: vec![c(0.0, 0.0), c(len, 0.0)], access: PieceAccess::Public }], |_| true)
    }

    #[test]
    fn intervals_from_both_ends_and_mid_edge() {
        let g = street(1000.0);
        // Nearest distances 100 at u and 250 at v, limit 300: [0, 200] and [950, 1000].
        assert_eq!(reached_intervals(&g, 0, Some(100.0), Some(250.0), &EdgeEntries::default(), 300.0), vec![(0.0, 200.0), (950.0, 1000.0)]);
        // A facility 20 m off the street entering at 500 m: [220, 780].
        let entries = EdgeEntries::new(&[SourceEntry { source: 0, edge: 0, along_m: 500.0, base_m: 20.0 }]);
        assert_eq!(reached_intervals(&g, 0, None, None, &entries, 300.0), vec![(220.0, 780.0)]);
        // Overlaps merge; an unreached end gives nothing.
        assert_eq!(reached_intervals(&g, 0, Some(0.0), Some(0.0), &EdgeEntries::default(), 600.0), vec![(0.0, 1000.0)]);
        assert_eq!(reached_intervals(&g, 0, Some(301.0), None, &EdgeEntries::default(), 300.0), vec![]);
    }

    #[test]
    fn polygon_is_the_buffered_line() {
        let lines = MultiLineString(vec![geo_types::LineString(vec![c(0.0, 0.0), c(100.0, 0.0)])]);
        let p = service_area_polygon(&lines, 25.0).unwrap();
        // A 100 x 50 rectangle plus a 25 m disc (rounded ends), up to the polygonal approximation of the circle.
        let want = 100.0 * 50.0 + std::f64::consts::PI * 625.0;
        assert!((p.unsigned_area() - want).abs() / want < 0.01, "{}", p.unsigned_area());
        let g = geos_buffer(&lines, 25.0).unwrap();
        assert!((g.unsigned_area() - want).abs() / want < 0.01, "{}", g.unsigned_area());
        // Two crossing lines dissolve into one polygon.
        let cross = MultiLineString(vec![
            geo_types::LineString(vec![c(0.0, 0.0), c(100.0, 0.0)]),
            geo_types::LineString(vec![c(50.0, -50.0), c(50.0, 50.0)]),
        ]);
        assert_eq!(service_area_polygon(&cross, 10.0).unwrap().0.len(), 1);
        assert!(service_area_polygon(&MultiLineString(vec![]), 10.0).unwrap().0.is_empty());
    }
}
