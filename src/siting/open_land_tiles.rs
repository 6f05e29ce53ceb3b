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
//! growing distributes over union, so a tile only needs the estates whose grown outline reaches it. A
//! tile all of whose corners lie within `search_m × cos 11.25° × 0.97` of one estate vertex lies inside
//! that vertex's grown disc as GEOS draws it (4 segments per quarter circle keep the chords at least
//! `cos 11.25°` of the radius from the centre), so the tile itself is the search area there and no buffer
//! is computed.
//!
//! **Stitching.** Tiles overlap their neighbours by [`TILE_OVERLAP_M`] on each side. A piece of free land
//! whose bounding box stays [`TILE_OVERLAP_M`] inside its tile's own square is seen by no other tile and
//! is whole (it does not reach the tile's clip edge), so it is final. Every other piece is a *border*
//! piece: it may be part of a parcel cut by the tile edge, or a duplicate of a piece a neighbour also saw.
//! Two pieces of the same parcel from neighbouring tiles overlap by a strip at least 2 × the overlap
//! wide where the parcel crosses the edge, and pieces of different parcels never overlap, so border pieces
//! that intersect are grouped (union–find) and each group is dissolved by GEOS, pairwise, level by level.
//! The fit test then sees each parcel whole, never a tile-cut part of it.
//!
//! Deterministic: tiles are numbered row by row, results are collected in tile order and groups are
//! formed and dissolved in the order of their first piece, whatever the thread count.

use super::candidates::{Obstacle, gdal_polygons, obstacles_near, subtract_obstacles};
use crate::error::{Error, Result};
use crate::index::SpatialIndex;
use crate::model::Dataset;
use gdal::vector::{Geometry as GdalGeometry, ToGdal};
use geo::{BoundingRect, Euclidean, Distance};
use geo_types::{Coord, Geometry, MultiPolygon, Point, Polygon, Rect};
use rayon::prelude::*;

/// Side of a tile, metres.
pub const TILE_M: f64 = 250.0;
/// How far each tile reaches into its neighbours, metres.
pub const TILE_OVERLAP_M: f64 = 1.0;

/// A GEOS buffer with 4 segments per quarter circle keeps its chords this share of the radius away from
/// the centre (cos 11.25°), less a safety margin.
const INSCRIBED_SHARE: f64 = 0.980_785 * 0.97;

fn geos_failed(what: &str) -> Error {
    Error::Internal(format!("GEOS {what} while deriving open land failed"))
}

fn gdal_error(what: &str) -> impl Fn(gdal::errors::GdalError) -> Error + '_ {
    move |e| Error::Internal(format!("GEOS {what} while deriving open land failed: {e}"))
}

fn grown(r: Rect<f64>, by: f64) -> Rect<f64> {
    Rect::new(Coord { x: r.min().x - by, y: r.min().y - by }, Coord { x: r.max().x + by, y: r.max().y + by })
}

fn rect_polygon(r: Rect<f64>) -> Polygon<f64> {
    r.to_polygon()
}

/// The free-land polygons around `target_estates` (see the module doc), unfiltered except that whole
/// pieces below `drop_below_m2` may be left out. Order: by tile, then as GEOS returns them, then the
/// stitched parcels; callers sort.
pub fn free_land_tiled(data: &Dataset, target_estates: &[u32], search_m: f64, drop_below_m2: f64) -> Result<Vec<Polygon<f64>>> {
    let (targets, reach_rects): (Vec<&MultiPolygon<f64>>, Vec<Polygon<f64>>) = target_estates
        .iter()
        .map(|&e| &data.estates[e as usize].polygon)
        .filter_map(|p| p.bounding_rect().map(|r| (p, rect_polygon(grown(r, search_m)))))
        .unzip();
    if reach_rects.is_empty() {
        return Ok(Vec::new());
    }
    let Some(extent) = MultiPolygon(reach_rects.clone()).bounding_rect() else { return Ok(Vec::new()) };
    let estate_index = SpatialIndex::new(&reach_rects);
    let obstacles = obstacles_near(data, extent);
    let obstacle_rects: Vec<Polygon<f64>> = obstacles
        .iter()
        .map(|o| o.shape.bounding_rect().map_or_else(|| Polygon::new(Vec::<Coord<f64>>::new().into(), Vec::new()), |r| rect_polygon(grown(r, o.clearance_m))))
        .collect();
    let obstacle_index = SpatialIndex::new(&obstacle_rects);

    let columns = ((extent.width() / TILE_M).ceil() as usize).max(1);
    let rows = ((extent.height() / TILE_M).ceil() as usize).max(1);
    let tile = |t: usize| {
        let (i, j) = ((t % columns) as f64, (t / columns) as f64);
        let min = Coord { x: extent.min().x + i * TILE_M, y: extent.min().y + j * TILE_M };
        Rect::new(min, Coord { x: min.x + TILE_M, y: min.y + TILE_M })
    };
    let per_tile: Vec<Result<Vec<(bool, Polygon<f64>)>>> = (0..columns * rows)
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
            Ok(gdal_polygons(&free)?
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
fn tile_search_area(clip: Rect<f64>, near: &[&MultiPolygon<f64>], search_m: f64) -> Result<Option<GdalGeometry>> {
    let corners = [clip.min(), Coord { x: clip.max().x, y: clip.min().y }, clip.max(), Coord { x: clip.min().x, y: clip.max().y }];
    let safe = search_m * INSCRIBED_SHARE;
    let holds = |v: &Coord<f64>| corners.iter().all(|c| Euclidean.distance(Point(*v), Point(*c)) <= safe);
    let covered = near.iter().any(|mp| mp.0.iter().any(|p| p.exterior().0.iter().any(holds)));
    let clip_gdal = rect_polygon(clip).to_gdal().map_err(gdal_error("conversion"))?;
    if covered {
        return Ok(Some(clip_gdal));
    }
    let estates = MultiPolygon(near.iter().flat_map(|mp| mp.0.iter().cloned()).collect());
    let grown = Geometry::MultiPolygon(estates).to_gdal().map_err(gdal_error("conversion"))?.buffer(search_m, 4).map_err(gdal_error("buffer"))?;
    let area = grown.intersection(&clip_gdal).ok_or_else(|| geos_failed("intersection"))?;
    Ok((!area.is_empty()).then_some(area))
}

/// Dissolve border pieces that intersect into whole parcels (union–find over the R-tree of the pieces,
/// then a pairwise GEOS union per group, groups in parallel).
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
            let mut level: Vec<GdalGeometry> =
                members.iter().map(|&i| border[i].to_gdal().map_err(gdal_error("conversion"))).collect::<Result<_>>()?;
            while level.len() > 1 {
                let mut next = Vec::with_capacity(level.len() / 2 + 1);
                let mut pieces = level.into_iter();
                while let Some(a) = pieces.next() {
                    match pieces.next() {
                        Some(b) => next.push(a.union(&b).ok_or_else(|| geos_failed("union of tile pieces"))?),
                        None => next.push(a),
                    }
                }
                level = next;
            }
            match level.pop() {
                Some(g) => gdal_polygons(&g),
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
