//! Derived open land, tiled: the overlay of [`super::candidates`] (search area around the target estates
//! minus buffered obstacles) cut into square tiles that run in parallel, then stitched.
//!
//! One dissolved GEOS buffer of every building or road of a district is slow (the overlay's depth
//! labelling walks the whole outline once per hole, and a city block is a hole), so the area is cut into
//! [`TILE_M`] tiles and each tile subtracts only the obstacles that reach it (found through the R-tree of
//! [`crate::index`]), buffered and dissolved per clearance, one GEOS difference each. This is the usual
//! spatial partitioning of a map overlay (as in PostGIS `ST_Subdivide` workflows or Shapely's
//! `clip_by_rect` tiling).
//!
//! **Search area per tile.** The search area is the union of the target estates grown by `search_m`;
//! growing distributes over union, so a tile only needs the estates whose grown outline reaches it. GEOS
//! draws a grown outline with 4 segments per quarter circle ([`crate::geometry::buffer::QUADRANT_SEGMENTS`]),
//! whose chords stay at least `cos 11.25°` of the radius from the centre, so every point within `search_m × cos 11.25° × 0.97` of an estate's
//! outline is inside its grown polygon. A quadtree over the tile uses that to settle most cells without
//! GEOS ([`SEARCH_AREA_DEPTH`]); only where the search area's edge crosses the tile are the estates that
//! shape it grown by GEOS (see `tile_search_area`).
//!
//! **Stitching.** Tiles overlap their neighbours by [`TILE_OVERLAP_M`] on each side. A piece of free land
//! whose bounding box stays [`TILE_OVERLAP_M`] inside its tile's own square is seen by no other tile and
//! is whole (it does not reach the tile's clip edge), so it is final. Every other piece is a *border*
//! piece: it may be part of a parcel cut by the tile edge, or a duplicate of a piece a neighbour also saw.
//! Two pieces of the same parcel from neighbouring tiles overlap by a strip at least 2 × the overlap
//! wide where the parcel crosses the edge, and pieces of different parcels never overlap, so border pieces
//! that intersect are grouped (union–find) and each group is dissolved by GEOS, pairwise, level by level
//! ([`crate::geometry::overlay::cascaded_union`]).
//! The fit test then sees each parcel whole, never a tile-cut part of it.
//!
//! Deterministic: tiles are numbered row by row, results are collected in tile order and groups are
//! formed and dissolved in the order of their first piece, whatever the thread count.

use super::obstacles::{Obstacle, geos_failed, obstacles_near, subtract_obstacles};
use crate::error::Result;
use crate::geometry::ogr::OgrGeometry;
use crate::geometry::overlay::cascaded_union;
use crate::geometry::rect::{self, grown};
use crate::geometry::rings::rings;
use crate::index::SpatialIndex;
use crate::model::Dataset;
use geo::BoundingRect;
use geo_types::{Coord, Geometry, MultiPolygon, Polygon, Rect};
use rayon::prelude::*;

/// A tile's pieces of free land, each marked whether it is a border piece (see the module doc).
type TilePieces = Vec<(bool, Polygon<f64>)>;

/// Side of a tile, metres.
pub const TILE_M: f64 = 250.0;
/// How far each tile reaches into its neighbours, metres.
pub const TILE_OVERLAP_M: f64 = 1.0;

/// A GEOS buffer with 4 segments per quarter circle ([`crate::geometry::buffer::QUADRANT_SEGMENTS`])
/// keeps its chords this share of the radius away from the centre (cos 11.25°), less a safety margin.
const INSCRIBED_SHARE: f64 = 0.980_785 * 0.97;

/// The free-land polygons around `target_estates` (see the module doc), unfiltered except that whole
/// pieces below `drop_below_m2` may be left out. Order: by tile, then as GEOS returns them, then the
/// stitched parcels; callers sort.
pub fn free_land_tiled(data: &Dataset, target_estates: &[u32], search_m: f64, drop_below_m2: f64) -> Result<Vec<Polygon<f64>>> {
    let (targets, reach_rects): (Vec<&MultiPolygon<f64>>, Vec<Polygon<f64>>) = target_estates
        .iter()
        .map(|&e| &data.estates[e as usize].polygon)
        .filter_map(|p| p.bounding_rect().map(|r| (p, grown(r, search_m).to_polygon())))
        .unzip();
    if reach_rects.is_empty() {
        return Ok(Vec::new());
    }
    let Some(extent) = MultiPolygon(reach_rects.clone()).bounding_rect() else { return Ok(Vec::new()) };
    let estate_index = SpatialIndex::new(&reach_rects);
    let obstacles = obstacles_near(data, extent);
    let obstacle_rects: Vec<Polygon<f64>> = obstacles
        .iter()
        .map(|o| o.shape.bounding_rect().map_or_else(|| Polygon::new(Vec::<Coord<f64>>::new().into(), Vec::new()), |r| grown(r, o.clearance_m).to_polygon()))
        .collect();
    let obstacle_index = SpatialIndex::new(&obstacle_rects);

    let columns = ((extent.width() / TILE_M).ceil() as usize).max(1);
    let rows = ((extent.height() / TILE_M).ceil() as usize).max(1);
    let tile = |t: usize| {
        let (i, j) = ((t % columns) as f64, (t / columns) as f64);
        let min = Coord { x: extent.min().x + i * TILE_M, y: extent.min().y + j * TILE_M };
        Rect::new(min, Coord { x: min.x + TILE_M, y: min.y + TILE_M })
    };
    let per_tile: Vec<Result<TilePieces>> = (0..columns * rows)
        .into_par_iter()
        .map(|t| {
            let core = tile(t);
            let clip = grown(core, TILE_OVERLAP_M);
            let near: Vec<&MultiPolygon<f64>> = estate_index.envelope_intersecting(&clip).into_iter().map(|k| targets[k]).collect();
            if near.is_empty() {
                return Ok(Vec::new());
            }
            let Some(area) = tile_search_area(clip, &near, search_m)? else { return Ok(Vec::new()) };
            let hits: Vec<&Obstacle<'_>> = obstacle_index.envelope_intersecting(&clip).into_iter().map(|k| &obstacles[k]).collect();
            let free = subtract_obstacles(area, hits, Some(clip))?;
            let inner = grown(core, -TILE_OVERLAP_M);
            Ok(free
                .polygons()
                .map_err(geos_failed("conversion"))?
                .into_iter()
                .filter_map(|p| {
                    let r = p.bounding_rect()?;
                    let whole = r.min().x > inner.min().x && r.min().y > inner.min().y && r.max().x < inner.max().x && r.max().y < inner.max().y;
                    use geo::Area;
                    (!whole || p.unsigned_area() >= drop_below_m2).then_some((!whole, p))
                })
                .collect())
        })
        .collect();
    let mut whole = Vec::new();
    let mut border = Vec::new();
    for pieces in per_tile {
        for (is_border, p) in pieces? {
            if is_border { border.push(p) } else { whole.push(p) }
        }
    }
    whole.extend(stitch(&border)?);
    Ok(whole)
}

/// The search area within `clip`: the clip itself when one estate vertex's grown disc holds it, else the
/// GEOS buffer of the estates that reach it, clipped. `None` when nothing of it is left.
/// Depth of the quadtree that decides which parts of a tile are inside the search area without a
/// buffer: a 252 m tile is split down to cells of about 16 m.
pub const SEARCH_AREA_DEPTH: u32 = 4;

/// The tile's part of the search area (the union of the near estates grown by `search_m`), or `None`
/// when the tile is outside it.
///
/// A quadtree over the tile settles most of it without GEOS. A cell is *in* when one boundary segment
/// of one estate lies within `search_m × INSCRIBED_SHARE` of all four of its corners: the distance to a
/// segment is a convex function, so its largest value over the square is at a corner, and every point
/// that close to an estate's outline lies inside GEOS's grown estate (see the module doc). A cell is
/// *out* when every estate's bounding box is farther than `search_m` from it. Other cells are split;
/// at [`SEARCH_AREA_DEPTH`] they are *boundary* cells. When every leaf is in, the search area is the
/// tile. Otherwise it is the tile cut by the grown outline of the estates that matter: those that
/// covered an in cell (the search prefers estates already chosen, so few are) and every estate within
/// `search_m` of a boundary cell (all that can shape the boundary there). Estates left out reach no
/// boundary cell and no point outside the in cells that others do not, so the result is the tile cut by
/// all near estates grown, computed over far fewer of them.
fn tile_search_area(clip: Rect<f64>, near: &[&MultiPolygon<f64>], search_m: f64) -> Result<Option<OgrGeometry>> {
    let safe2 = (search_m * INSCRIBED_SHARE).powi(2);
    let boxes: Vec<Option<Rect<f64>>> = near.iter().map(|mp| mp.bounding_rect()).collect();
    let mut needed = vec![false; near.len()];
    let mut all_in = true;
    let mut stack: Vec<(Rect<f64>, u32, Vec<usize>)> = vec![(clip, 0, (0..near.len()).collect())];
    while let Some((cell, depth, candidates)) = stack.pop() {
        let reach: Vec<usize> = candidates.into_iter().filter(|&k| boxes[k].is_some_and(|b| rect::gap(b, cell) <= search_m)).collect();
        if reach.is_empty() {
            all_in = false;
            continue;
        }
        let corners = [cell.min(), Coord { x: cell.max().x, y: cell.min().y }, cell.max(), Coord { x: cell.min().x, y: cell.max().y }];
        let chosen_first = reach.iter().filter(|&&k| needed[k]).chain(reach.iter().filter(|&&k| !needed[k]));
        if let Some(&k) = chosen_first.into_iter().find(|&&k| outline_covers(near[k], &corners, safe2)) {
            needed[k] = true;
            continue;
        }
        all_in = false;
        if depth == SEARCH_AREA_DEPTH {
            reach.iter().for_each(|&k| needed[k] = true);
            continue;
        }
        let mid = cell.center();
        for (lo, hi) in [(cell.min(), mid), (Coord { x: mid.x, y: cell.min().y }, Coord { x: cell.max().x, y: mid.y }), (mid, cell.max()), (Coord { x: cell.min().x, y: mid.y }, Coord { x: mid.x, y: cell.max().y })] {
            stack.push((Rect::new(lo, hi), depth + 1, reach.clone()));
        }
    }
    let clip_area = OgrGeometry::from_geo(&clip.to_polygon()).map_err(geos_failed("conversion"))?;
    if all_in {
        return Ok(Some(clip_area));
    }
    if !needed.contains(&true) {
        return Ok(None);
    }
    let estates = MultiPolygon(near.iter().zip(&needed).filter(|(_, n)| **n).flat_map(|(mp, _)| mp.0.iter().cloned()).collect());
    let grown_estates = OgrGeometry::from_geo(&estates).map_err(geos_failed("conversion"))?.buffer(search_m).map_err(geos_failed("buffer"))?;
    let area = grown_estates.intersection(&clip_area).map_err(geos_failed("intersection"))?;
    Ok((!area.is_empty()).then_some(area))
}

/// Whether one segment of the outline (any ring) lies within `sqrt(limit2)` of every corner.
fn outline_covers(mp: &MultiPolygon<f64>, corners: &[Coord<f64>; 4], limit2: f64) -> bool {
    rings(mp).any(|ring| {
        ring.0.windows(2).any(|w| corners.iter().all(|c| segment_distance2(*c, w[0], w[1]) <= limit2))
    })
}

/// Squared distance from `p` to the segment `a`–`b`.
fn segment_distance2(p: Coord<f64>, a: Coord<f64>, b: Coord<f64>) -> f64 {
    let (dx, dy) = (b.x - a.x, b.y - a.y);
    let len2 = dx * dx + dy * dy;
    let t = if len2 > 0.0 { (((p.x - a.x) * dx + (p.y - a.y) * dy) / len2).clamp(0.0, 1.0) } else { 0.0 };
    let (ex, ey) = (a.x + t * dx - p.x, a.y + t * dy - p.y);
    ex * ex + ey * ey
}

fn stitch(border: &[Polygon<f64>]) -> Result<Vec<Polygon<f64>>> {
    if border.is_empty() {
        return Ok(Vec::new());
    }
    let index = SpatialIndex::new(border);
    let partners: Vec<Vec<usize>> = border.par_iter().map(|p| index.intersecting(&Geometry::Polygon(p.clone()))).collect();
    let mut parent: Vec<usize> = (0..border.len()).collect();
    fn root(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    for (i, js) in partners.iter().enumerate() {
        for &j in js {
            let (a, b) = (root(&mut parent, i), root(&mut parent, j));
            if a != b {
                parent[a.max(b)] = a.min(b);
            }
        }
    }
    let mut groups: std::collections::BTreeMap<usize, Vec<usize>> = Default::default();
    for i in 0..border.len() {
        let r = root(&mut parent, i);
        groups.entry(r).or_default().push(i);
    }
    let groups: Vec<Vec<usize>> = groups.into_values().collect();
    let dissolved: Vec<Result<Vec<Polygon<f64>>>> = groups
        .par_iter()
        .map(|members| {
            if let [only] = members.as_slice() {
                return Ok(vec![border[*only].clone()]);
            }
            let pieces: Vec<OgrGeometry> = members.iter().map(|&i| OgrGeometry::from_geo(&border[i]).map_err(geos_failed("conversion"))).collect::<Result<_>>()?;
            match cascaded_union(pieces).map_err(geos_failed("union of tile pieces"))? {
                Some(g) => g.polygons().map_err(geos_failed("conversion")),
                None => Ok(Vec::new()),
            }
        })
        .collect();
    let mut out = Vec::new();
    for d in dissolved {
        out.extend(d?);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::SplitMix64;
    use geo::Area;
    use geo_types::polygon;

    /// The tile's search area by brute force: every near estate grown by GEOS, cut to the tile.
    fn brute_force(clip: Rect<f64>, near: &[&MultiPolygon<f64>], search_m: f64) -> f64 {
        let all = MultiPolygon(near.iter().flat_map(|mp| mp.0.iter().cloned()).collect());
        let grown = OgrGeometry::from_geo(&all).unwrap().buffer(search_m).unwrap();
        let area = grown.intersection(&OgrGeometry::from_geo(&clip.to_polygon()).unwrap()).unwrap();
        area.polygons().unwrap().iter().map(|p| p.unsigned_area()).sum()
    }

    #[test]
    fn quadtree_search_area_equals_growing_every_estate() {
        // Random estates (squares and L shapes, 20-120 m) scattered around and inside a 252 m tile, at
        // densities from a lone estate to a crowded cluster: the quadtree's area must equal the brute
        // force one, whichever estates it chose to grow.
        let mut rng = SplitMix64::new(11);
        let clip = Rect::new(Coord { x: -1.0, y: -1.0 }, Coord { x: 251.0, y: 251.0 });
        let (mut whole, mut empty, mut partial) = (0, 0, 0);
        for round in 0..60 {
            let n = 1 + round % 12;
            let spread = [400.0, 900.0, 1500.0][round % 3];
            let estates: Vec<MultiPolygon<f64>> = (0..n)
                .map(|_| {
                    let (x, y) = (rng.range(125.0 - spread / 2.0, 125.0 + spread / 2.0), rng.range(125.0 - spread / 2.0, 125.0 + spread / 2.0));
                    let (w, h) = (rng.range(20.0, 120.0), rng.range(20.0, 120.0));
                    if rng.below(2) == 0 {
                        MultiPolygon(vec![polygon![(x: x, y: y), (x: x + w, y: y), (x: x + w, y: y + h), (x: x, y: y + h)]])
                    } else {
                        MultiPolygon(vec![polygon![(x: x, y: y), (x: x + w, y: y), (x: x + w, y: y + h / 3.0), (x: x + w / 3.0, y: y + h / 3.0), (x: x + w / 3.0, y: y + h), (x: x, y: y + h)]])
                    }
                })
                .collect();
            let near: Vec<&MultiPolygon<f64>> = estates.iter().collect();
            let search_m = [150.0, 300.0][round % 2];
            let want = brute_force(clip, &near, search_m);
            let got = tile_search_area(clip, &near, search_m).unwrap().map_or(0.0, |g| g.polygons().unwrap().iter().map(|p| p.unsigned_area()).sum());
            assert!((got - want).abs() <= 1e-6 * (1.0 + want), "round {round}: {got} vs {want}");
            if want == 0.0 {
                empty += 1;
            } else if (want - 252.0 * 252.0).abs() < 1e-6 {
                whole += 1;
            } else {
                partial += 1;
            }
        }
        // The rounds exercise the three outcomes.
        assert!(whole >= 5 && empty >= 3 && partial >= 10, "whole {whole}, empty {empty}, partial {partial}");
    }
}
