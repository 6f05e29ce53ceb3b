//! Spatial indexes over the model's layers: an R-tree of bounding rectangles with exact geometry checks.
//!
//! The tree is rstar's R*-tree (Beckmann, Kriegel, Schneider & Seeger 1990, *The R\*-tree: an efficient and
//! robust access method for points and rectangles*), bulk-loaded with the OMT/STR packing, holding one
//! `GeomWithData<Rectangle<[f64; 2]>, usize>` per feature: the feature's bounding rectangle and its position
//! in the slice it was built from. (A `usize` costs nothing over a `u32` there: the rectangle's four `f64`
//! already align the entry to 8 bytes.)
//!
//! Every query has two steps:
//! 1. the tree returns the features whose *rectangle* passes the test (intersects the query rectangle, or
//!    lies within the distance of the query once grown by it);
//! 2. the feature's exact geometry is checked (`geo`'s Euclidean distance / intersection), so results
//!    never contain a feature whose rectangle is near but whose shape is not.
//!
//! Results are sorted (by position, or by distance then position), so they do not depend on the tree's
//! shape or on thread count. Coordinates are those of the working CRS (metres).
//!
//! Anything that implements [`Spatial`] can be indexed: the model's [`Estate`], [`Building`],
//! [`Facility`], [`Parcel`], [`Gate`], [`Way`], [`Barrier`], [`Boundary`] and plain `geo-types` geometries.
//!
//! Costs: building is O(n log n); a query visits O(log n + k) tree nodes for k rectangle hits, plus the
//! exact checks, each linear in the feature's vertex count.
//!
//! ```
//! use geo_types::{point, polygon, MultiPolygon, Point};
//! use lifecircle::index::SpatialIndex;
//!
//! let squares: Vec<MultiPolygon<f64>> = (0..3)
//!     .map(|i| {
//!         let x = 100.0 * i as f64;
//!         MultiPolygon(vec![polygon![(x: x, y: 0.0), (x: x + 10.0, y: 0.0), (x: x + 10.0, y: 10.0), (x: x, y: 10.0)]])
//!     })
//!     .collect();
//! let index = SpatialIndex::new(&squares);
//! // The point (55, 5) is 45 m from square 0 and square 1 (both edges), 145 m from square 2.
//! let near = index.within_distance_of_point(point!(x: 55.0, y: 5.0), 50.0);
//! assert_eq!(near, vec![(0, 45.0), (1, 45.0)]);
//! assert_eq!(index.nearest(point!(x: 205.0, y: 5.0)), Some((2, 0.0)));
//! assert_eq!(index.containing_point(point!(x: 105.0, y: 5.0)), vec![1]);
//! ```

use crate::geometry::rect::grown;
use crate::model::{Barrier, Boundary, Building, Estate, Facility, FacilityGeometry, Gate, Parcel, Way};
use geo::{BoundingRect, Distance, Euclidean, Intersects};
use geo_types::{Geometry, Line, LineString, MultiPolygon, Point, Polygon, Rect};
use rayon::prelude::*;
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{AABB, RTree};

/// A borrowed view of a feature's geometry, on which the exact checks run.
#[derive(Debug, Clone, Copy)]
pub enum Shape<'a> {
    Point(&'a Point<f64>),
    Segment(Line<f64>),
    Line(&'a LineString<f64>),
    Polygon(&'a Polygon<f64>),
    Area(&'a MultiPolygon<f64>),
    Geometry(&'a Geometry<f64>),
}

impl Shape<'_> {
    /// The bounding rectangle; `None` for an empty geometry.
    pub fn bounding_rect(&self) -> Option<Rect<f64>> {
        match self {
            Shape::Point(p) => Some(p.bounding_rect()),
            Shape::Segment(l) => Some(l.bounding_rect()),
            Shape::Line(l) => l.bounding_rect(),
            Shape::Polygon(p) => p.bounding_rect(),
            Shape::Area(m) => m.bounding_rect(),
            Shape::Geometry(g) => g.bounding_rect(),
        }
    }

    /// Euclidean distance to a point (0 inside an area).
    pub fn distance_to_point(&self, p: &Point<f64>) -> f64 {
        match self {
            Shape::Point(q) => Euclidean.distance(*q, p),
            Shape::Segment(l) => Euclidean.distance(l, p),
            Shape::Line(l) => Euclidean.distance(*l, p),
            Shape::Polygon(poly) => Euclidean.distance(*poly, p),
            Shape::Area(m) => Euclidean.distance(*m, p),
            Shape::Geometry(g) => Euclidean.distance(*g, p),
        }
    }

    /// Euclidean distance to any geometry (0 when they intersect).
    pub fn distance_to_geometry(&self, g: &Geometry<f64>) -> f64 {
        match self {
            Shape::Point(q) => Euclidean.distance(*q, g),
            Shape::Segment(l) => Euclidean.distance(l, g),
            Shape::Line(l) => Euclidean.distance(*l, g),
            Shape::Polygon(poly) => Euclidean.distance(*poly, g),
            Shape::Area(m) => Euclidean.distance(*m, g),
            Shape::Geometry(own) => Euclidean.distance(*own, g),
        }
    }

    /// Whether the shape and `g` share at least one point (boundaries included).
    pub fn intersects_geometry(&self, g: &Geometry<f64>) -> bool {
        match self {
            Shape::Point(q) => q.intersects(g),
            Shape::Segment(l) => l.intersects(g),
            Shape::Line(l) => l.intersects(g),
            Shape::Polygon(poly) => poly.intersects(g),
            Shape::Area(m) => m.intersects(g),
            Shape::Geometry(own) => own.intersects(g),
        }
    }

    /// Whether the point lies in the shape or on its boundary.
    pub fn covers_point(&self, p: &Point<f64>) -> bool {
        match self {
            Shape::Point(q) => *q == p,
            Shape::Segment(l) => l.intersects(p),
            Shape::Line(l) => l.intersects(p),
            Shape::Polygon(poly) => poly.intersects(p),
            Shape::Area(m) => m.intersects(p),
            Shape::Geometry(g) => g.intersects(p),
        }
    }
}

/// Anything with a geometry in the working CRS.
pub trait Spatial {
    fn shape(&self) -> Shape<'_>;
}

impl<T: Spatial + ?Sized> Spatial for &T {
    fn shape(&self) -> Shape<'_> {
        (**self).shape()
    }
}

impl Spatial for Point<f64> {
    fn shape(&self) -> Shape<'_> {
        Shape::Point(self)
    }
}
impl Spatial for Line<f64> {
    fn shape(&self) -> Shape<'_> {
        Shape::Segment(*self)
    }
}
impl Spatial for LineString<f64> {
    fn shape(&self) -> Shape<'_> {
        Shape::Line(self)
    }
}
impl Spatial for Polygon<f64> {
    fn shape(&self) -> Shape<'_> {
        Shape::Polygon(self)
    }
}
impl Spatial for MultiPolygon<f64> {
    fn shape(&self) -> Shape<'_> {
        Shape::Area(self)
    }
}
impl Spatial for Geometry<f64> {
    fn shape(&self) -> Shape<'_> {
        Shape::Geometry(self)
    }
}
impl Spatial for Estate {
    fn shape(&self) -> Shape<'_> {
        Shape::Area(&self.polygon)
    }
}
impl Spatial for Building {
    fn shape(&self) -> Shape<'_> {
        Shape::Area(&self.footprint)
    }
}
impl Spatial for Facility {
    fn shape(&self) -> Shape<'_> {
        match &self.geometry {
            FacilityGeometry::Point(p) => Shape::Point(p),
            FacilityGeometry::Area(m) => Shape::Area(m),
        }
    }
}
impl Spatial for Parcel {
    fn shape(&self) -> Shape<'_> {
        Shape::Area(&self.polygon)
    }
}
impl Spatial for Gate {
    fn shape(&self) -> Shape<'_> {
        Shape::Point(&self.point)
    }
}
impl Spatial for Way {
    fn shape(&self) -> Shape<'_> {
        Shape::Line(&self.line)
    }
}
impl Spatial for Barrier {
    fn shape(&self) -> Shape<'_> {
        Shape::Geometry(&self.geometry)
    }
}
impl Spatial for Boundary {
    fn shape(&self) -> Shape<'_> {
        Shape::Area(&self.polygon)
    }
}

type Entry = GeomWithData<Rectangle<[f64; 2]>, usize>;

fn aabb(rect: &Rect<f64>) -> AABB<[f64; 2]> {
    AABB::from_corners([rect.min().x, rect.min().y], [rect.max().x, rect.max().y])
}

/// An R-tree over a slice of features; query results are positions in that slice.
pub struct SpatialIndex<'a, T> {
    items: &'a [T],
    tree: RTree<Entry>,
}

impl<T> std::fmt::Debug for SpatialIndex<'_, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SpatialIndex({} of {} items indexed)", self.tree.size(), self.items.len())
    }
}

impl<'a, T: Spatial + Sync> SpatialIndex<'a, T> {
    /// Bulk-load the index. Features with an empty geometry (no bounding rectangle) are left out and are
    /// never returned.
    pub fn new(items: &'a [T]) -> Self {
        let entries: Vec<Entry> = items
            .par_iter()
            .enumerate()
            .filter_map(|(i, item)| {
                let rect = item.shape().bounding_rect()?;
                let finite = rect.min().x.is_finite() && rect.min().y.is_finite() && rect.max().x.is_finite() && rect.max().y.is_finite();
                finite.then(|| GeomWithData::new(Rectangle::from_aabb(aabb(&rect)), i))
            })
            .collect();
        SpatialIndex { items, tree: RTree::bulk_load(entries) }
    }

    /// The slice the index was built over.
    pub fn items(&self) -> &'a [T] {
        self.items
    }

    /// How many features are indexed (those with a non-empty geometry).
    pub fn len(&self) -> usize {
        self.tree.size()
    }

    pub fn is_empty(&self) -> bool {
        self.tree.size() == 0
    }

    /// Positions of the features whose bounding rectangle intersects `rect` (no exact check), sorted.
    pub fn envelope_intersecting(&self, rect: &Rect<f64>) -> Vec<usize> {
        let mut hits: Vec<usize> = self.tree.locate_in_envelope_intersecting(&aabb(rect)).map(|e| e.data).collect();
        hits.sort_unstable();
        hits
    }

    /// Positions of the features whose geometry intersects `g` (boundaries included), sorted.
    pub fn intersecting(&self, g: &Geometry<f64>) -> Vec<usize> {
        let Some(rect) = g.bounding_rect() else { return Vec::new() };
        let mut hits: Vec<usize> = self
            .tree
            .locate_in_envelope_intersecting(&aabb(&rect))
            .map(|e| e.data)
            .filter(|&i| self.items[i].shape().intersects_geometry(g))
            .collect();
        hits.sort_unstable();
        hits
    }

    /// Positions of the features that contain the point or have it on their boundary, sorted.
    pub fn containing_point(&self, p: Point<f64>) -> Vec<usize> {
        let mut hits: Vec<usize> = self
            .tree
            .locate_all_at_point(&[p.x(), p.y()])
            .map(|e| e.data)
            .filter(|&i| self.items[i].shape().covers_point(&p))
            .collect();
        hits.sort_unstable();
        hits
    }

    /// Features within `max_m` of the point (exact distance, 0 inside an area), as (position, distance)
    /// sorted by distance then position.
    pub fn within_distance_of_point(&self, p: Point<f64>, max_m: f64) -> Vec<(usize, f64)> {
        if max_m.is_nan() || max_m < 0.0 {
            return Vec::new();
        }
        let mut hits: Vec<(usize, f64)> = self
            .tree
            .locate_within_distance([p.x(), p.y()], max_m * max_m)
            .filter_map(|e| {
                let d = self.items[e.data].shape().distance_to_point(&p);
                (d <= max_m).then_some((e.data, d))
            })
            .collect();
        sort_by_distance(&mut hits);
        hits
    }

    /// Features within `max_m` of a geometry (exact distance, 0 when they intersect), as (position,
    /// distance) sorted by distance then position.
    pub fn within_distance(&self, g: &Geometry<f64>, max_m: f64) -> Vec<(usize, f64)> {
        let Some(rect) = g.bounding_rect() else { return Vec::new() };
        if max_m.is_nan() || max_m < 0.0 {
            return Vec::new();
        }
        let mut hits: Vec<(usize, f64)> = self
            .tree
            .locate_in_envelope_intersecting(&aabb(&grown(rect, max_m)))
            .filter_map(|e| {
                let d = self.items[e.data].shape().distance_to_geometry(g);
                (d <= max_m).then_some((e.data, d))
            })
            .collect();
        sort_by_distance(&mut hits);
        hits
    }

    /// The feature nearest to the point by exact distance, ties to the smallest position; `None` when the
    /// index is empty.
    ///
    /// Walks the tree's rectangles in order of their distance to the point (a lower bound of the exact
    /// distance) and stops once that bound exceeds the best exact distance found.
    pub fn nearest(&self, p: Point<f64>) -> Option<(usize, f64)> {
        let mut best: Option<(usize, f64)> = None;
        for (entry, envelope_d2) in self.tree.nearest_neighbor_iter_with_distance_2(&[p.x(), p.y()]) {
            if let Some((_, best_d)) = best
                && envelope_d2.sqrt() > best_d
            {
                break;
            }
            let d = self.items[entry.data].shape().distance_to_point(&p);
            best = match best {
                Some((bi, bd)) if bd < d || (bd == d && bi < entry.data) => Some((bi, bd)),
                _ => Some((entry.data, d)),
            };
        }
        best
    }
}

fn sort_by_distance(hits: &mut [(usize, f64)]) {
    hits.sort_unstable_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::square;
    use geo_types::{Coord, line_string, point, polygon};

    /// A deterministic scatter of points (a linear congruential generator), for brute-force comparisons.
    fn scatter(n: usize, seed: u64) -> Vec<Point<f64>> {
        let mut state = seed;
        let mut next = || {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            ((state >> 33) as f64) / ((1u64 << 31) as f64) * 1000.0
        };
        (0..n).map(|_| point!(x: next(), y: next())).collect()
    }

    #[test]
    fn empty_index_answers_nothing() {
        let none: Vec<Point<f64>> = Vec::new();
        let index = SpatialIndex::new(&none);
        assert!(index.is_empty());
        assert_eq!(index.nearest(point!(x: 0.0, y: 0.0)), None);
        assert!(index.within_distance_of_point(point!(x: 0.0, y: 0.0), 1e9).is_empty());
    }

    #[test]
    fn empty_geometry_is_not_indexed() {
        let items = vec![MultiPolygon::<f64>(vec![]), square(0.0, 0.0, 1.0)];
        let index = SpatialIndex::new(&items);
        assert_eq!(index.len(), 1);
        assert_eq!(index.nearest(point!(x: 5.0, y: 0.5)), Some((1, 4.0)));
    }

    #[test]
    fn exact_check_removes_rectangle_only_hits() {
        // An L-shaped polygon whose bounding box is [0,10]²: the point (8, 8) is inside the box but
        // 3 m from the L (its inner corner is at (5, 5); nearest edge points (8, 5) and (5, 8)).
        let l_shape = vec![MultiPolygon(vec![polygon![
            (x: 0.0, y: 0.0), (x: 10.0, y: 0.0), (x: 10.0, y: 5.0), (x: 5.0, y: 5.0), (x: 5.0, y: 10.0), (x: 0.0, y: 10.0)
        ]])];
        let index = SpatialIndex::new(&l_shape);
        let p = point!(x: 8.0, y: 8.0);
        assert!(index.containing_point(p).is_empty());
        assert_eq!(index.envelope_intersecting(&Rect::new(Coord { x: 7.0, y: 7.0 }, Coord { x: 9.0, y: 9.0 })), vec![0]);
        assert!(index.within_distance_of_point(p, 2.9).is_empty());
        assert_eq!(index.within_distance_of_point(p, 3.0), vec![(0, 3.0)]);
        let probe = Geometry::LineString(line_string![(x: 8.0, y: 8.0), (x: 9.0, y: 9.0)]);
        assert!(index.intersecting(&probe).is_empty());
        assert_eq!(index.within_distance(&probe, 3.0), vec![(0, 3.0)]);
    }

    #[test]
    fn nearest_ties_go_to_the_smallest_position() {
        // Two unit squares, [3,4]×[0,1] and [-3,-2]×[0,1], each exactly 2.5 m from (0.5, 0.5).
        let items = vec![square(3.0, 0.0, 1.0), square(-3.0, 0.0, 1.0)];
        let index = SpatialIndex::new(&items);
        assert_eq!(index.nearest(point!(x: 0.5, y: 0.5)), Some((0, 2.5)));
        let reversed = vec![items[1].clone(), items[0].clone()];
        assert_eq!(SpatialIndex::new(&reversed).nearest(point!(x: 0.5, y: 0.5)), Some((0, 2.5)));
    }

    #[test]
    fn queries_agree_with_brute_force() {
        let points = scatter(2_000, 7);
        let areas: Vec<MultiPolygon<f64>> = scatter(300, 11).iter().map(|p| square(p.x(), p.y(), 12.0)).collect();
        let point_index = SpatialIndex::new(&points);
        let area_index = SpatialIndex::new(&areas);
        for q in scatter(200, 99) {
            let brute: Vec<(usize, f64)> = {
                let mut v: Vec<(usize, f64)> = points
                    .iter()
                    .enumerate()
                    .map(|(i, p)| (i, Euclidean.distance(p, &q)))
                    .filter(|(_, d)| *d <= 40.0)
                    .collect();
                sort_by_distance(&mut v);
                v
            };
            assert_eq!(point_index.within_distance_of_point(q, 40.0), brute);
            let nearest_brute = points
                .iter()
                .enumerate()
                .map(|(i, p)| (i, Euclidean.distance(p, &q)))
                .min_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
            assert_eq!(point_index.nearest(q), nearest_brute);
            let nearest_area_brute = areas
                .iter()
                .enumerate()
                .map(|(i, a)| (i, Euclidean.distance(a, &q)))
                .min_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
            assert_eq!(area_index.nearest(q), nearest_area_brute);
            let containing: Vec<usize> = areas.iter().enumerate().filter(|(_, a)| a.intersects(&q)).map(|(i, _)| i).collect();
            assert_eq!(area_index.containing_point(q), containing);
        }
    }

    #[test]
    fn negative_or_nan_distance_finds_nothing() {
        let points = vec![point!(x: 0.0, y: 0.0)];
        let index = SpatialIndex::new(&points);
        assert!(index.within_distance_of_point(point!(x: 0.0, y: 0.0), -1.0).is_empty());
        assert!(index.within_distance_of_point(point!(x: 0.0, y: 0.0), f64::NAN).is_empty());
        assert_eq!(index.within_distance_of_point(point!(x: 0.0, y: 0.0), 0.0), vec![(0, 0.0)]);
    }
}
