//! The largest inscribed circle of a parcel (pole of inaccessibility), and whether a category's facility
//! fits on the parcel: area ≥ `land_min_area_m2` and a disc of diameter `land_min_width_m` fits inside.
//!
//! geo 0.33 ships no inscribed-circle algorithm (`interior_point` gives some point inside, not the
//! farthest from the boundary), so this file implements the quadtree search of Garcia-Castellanos &
//! Lombardo (2007), popularised as Mapbox "polylabel":
//!
//! 1. Cover the bounding box with square cells of side `h = min(width, height)`; seed the best guess with
//!    the centroid (and the bounding-box centre).
//! 2. For a cell with centre `c`, `d(c)` is the signed distance to the boundary (positive inside, rings
//!    with holes included) and no point of the cell can be farther from the boundary than
//!    `d(c) + h/√2` (the cell's half diagonal).
//! 3. Pop cells by that bound from a max-heap; a cell whose bound cannot beat the best by more than
//!    `precision_m` is dropped, otherwise it updates the best and is split into four.
//!
//! The result is within `precision_m` of the true radius. Each cell's distance comes from
//! [`BoundaryDistance`]: every segment for a small polygon, a grid of the segments from
//! [`crate::geometry::boundary_distance::GRID_FROM_SEGMENTS`] segments, so a cell of a large parcel costs
//! about the segments near it, with the same value.
//!
//! Kept rather than the `polylabel` crate because it beats it: 1.4-1.65× faster than polylabel 3.3 on
//! Porto's 1,926 candidate parcels at the same 0.1 m precision, radius within 0.04 m (equal on 1,884,
//! larger on 40, smaller on 2); `examples/inscribed_circle_compare.rs` measures it, `BENCHMARKS.md` has
//! the figures.
//!
//! ```
//! use geo_types::{polygon, MultiPolygon};
//! use lifecircle::siting::fit::largest_inscribed_circle;
//! // A 40 m × 10 m rectangle: the largest disc has radius 5 m.
//! let rect = polygon![(x: 0.0, y: 0.0), (x: 40.0, y: 0.0), (x: 40.0, y: 10.0), (x: 0.0, y: 10.0)];
//! let c = largest_inscribed_circle(&MultiPolygon(vec![rect]), 0.01).unwrap();
//! assert!((c.radius_m - 5.0).abs() < 0.01);
//! ```

pub use crate::geometry::boundary_distance::signed_boundary_distance;
use crate::geometry::boundary_distance::BoundaryDistance;
use crate::lang::{Catalogue, Template};
use crate::profile::Category;
use geo::{Area, BoundingRect, Centroid};
use geo_types::{Coord, MultiPolygon, Polygon};
use std::collections::BinaryHeap;

/// A disc inside a polygon.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct InscribedCircle {
    pub centre: Coord<f64>,
    pub radius_m: f64,
}

impl InscribedCircle {
    pub fn diameter_m(&self) -> f64 {
        2.0 * self.radius_m
    }
}

#[derive(Debug, Clone, Copy)]
struct Cell {
    centre: Coord<f64>,
    half_m: f64,
    dist_m: f64,
    bound_m: f64,
}

impl Cell {
    fn new(boundary: &BoundaryDistance<'_>, centre: Coord<f64>, half_m: f64) -> Cell {
        let dist_m = boundary.signed_distance(centre);
        Cell { centre, half_m, dist_m, bound_m: dist_m + half_m * std::f64::consts::SQRT_2 }
    }
}

impl PartialEq for Cell {
    fn eq(&self, other: &Cell) -> bool {
        self.cmp(other) == std::cmp::Ordering::Equal
    }
}
impl Eq for Cell {}
impl PartialOrd for Cell {
    fn partial_cmp(&self, other: &Cell) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Cell {
    /// By bound, then by position, so the search order (and result) is fully deterministic.
    fn cmp(&self, other: &Cell) -> std::cmp::Ordering {
        self.bound_m
            .total_cmp(&other.bound_m)
            .then(other.centre.x.total_cmp(&self.centre.x))
            .then(other.centre.y.total_cmp(&self.centre.y))
    }
}

/// The largest inscribed circle of one polygon, to within `precision_m`; `None` for a degenerate polygon.
pub fn polygon_inscribed_circle(polygon: &Polygon<f64>, precision_m: f64) -> Option<InscribedCircle> {
    let rect = polygon.bounding_rect()?;
    let (w, h) = (rect.width(), rect.height());
    let side = w.min(h);
    if !(side > 0.0 && side.is_finite()) || polygon.unsigned_area() <= 0.0 {
        return None;
    }
    let precision_m = if precision_m > 0.0 { precision_m } else { side * 1e-3 };
    let half = side / 2.0;
    let boundary = BoundaryDistance::new(polygon);
    let mut heap = BinaryHeap::new();
    let mut y = rect.min().y;
    while y < rect.max().y {
        let mut x = rect.min().x;
        while x < rect.max().x {
            heap.push(Cell::new(&boundary, Coord { x: x + half, y: y + half }, half));
            x += side;
        }
        y += side;
    }
    let mut best = Cell::new(&boundary, rect.center(), 0.0);
    if let Some(c) = polygon.centroid() {
        let at_centroid = Cell::new(&boundary, c.0, 0.0);
        if at_centroid.dist_m > best.dist_m {
            best = at_centroid;
        }
    }
    while let Some(cell) = heap.pop() {
        if cell.dist_m > best.dist_m {
            best = cell;
        }
        if cell.bound_m - best.dist_m <= precision_m {
            continue;
        }
        let q = cell.half_m / 2.0;
        for (dx, dy) in [(-q, -q), (q, -q), (-q, q), (q, q)] {
            heap.push(Cell::new(&boundary, Coord { x: cell.centre.x + dx, y: cell.centre.y + dy }, q));
        }
    }
    (best.dist_m > 0.0).then_some(InscribedCircle { centre: best.centre, radius_m: best.dist_m })
}

/// The largest inscribed circle over a multipolygon's parts (the biggest of the parts' circles).
pub fn largest_inscribed_circle(polygon: &MultiPolygon<f64>, precision_m: f64) -> Option<InscribedCircle> {
    polygon.0.iter().filter_map(|p| polygon_inscribed_circle(p, precision_m)).max_by(|a, b| a.radius_m.total_cmp(&b.radius_m))
}

/// Where a parcel falls short of a category's land need: its area, its widest disc, or both.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shortfall {
    pub area: bool,
    pub width: bool,
}

/// How a parcel falls short of a category's land need (area ≥ `land_min_area_m2`, a disc of diameter
/// `land_min_width_m` inside); `None` when it fits. Nothing is allocated: the fit test of every candidate
/// and category asks this.
pub fn shortfall(category: &Category, area_m2: f64, inscribed_diameter_m: f64) -> Option<Shortfall> {
    let s = Shortfall { area: area_m2 < category.land_min_area_m2, width: inscribed_diameter_m < category.land_min_width_m };
    (s.area || s.width).then_some(s)
}

/// Why a parcel cannot host a category's facility ([`shortfall`]), in the catalogue's words
/// (`siting_misfit.*`: `area 400 m² < 2000 m² and widest disc 20.0 m < 30.0 m`), cut once
/// ([`Catalogue::template`]) for the hundreds of thousands of candidates of a city's layer.
#[derive(Debug, Clone)]
pub struct ShortfallWords {
    area: Template,
    width: Template,
    both: Template,
}

impl ShortfallWords {
    pub fn new(catalogue: &Catalogue) -> ShortfallWords {
        ShortfallWords { area: catalogue.template("siting_misfit.area"), width: catalogue.template("siting_misfit.width"), both: catalogue.template("siting_misfit.both") }
    }

    /// Append why a parcel cannot host `category` to `out`; `false` (nothing written) when it fits.
    pub fn write(&self, out: &mut String, category: &Category, area_m2: f64, inscribed_diameter_m: f64) -> bool {
        use std::fmt::Write;
        let Some(s) = shortfall(category, area_m2, inscribed_diameter_m) else { return false };
        let area = |out: &mut String| {
            self.area.write_with(out, |name, out| {
                let _ = if name == "area" { write!(out, "{area_m2:.0}") } else { write!(out, "{:.0}", category.land_min_area_m2) };
            })
        };
        let width = |out: &mut String| {
            self.width.write_with(out, |name, out| {
                let _ = if name == "width" { write!(out, "{inscribed_diameter_m:.1}") } else { write!(out, "{:.1}", category.land_min_width_m) };
            })
        };
        match (s.area, s.width) {
            (true, true) => self.both.write_with(out, |name, out| if name == "area" { area(out) } else { width(out) }),
            (true, false) => area(out),
            _ => width(out),
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo_types::{LineString, polygon};

    #[test]
    fn square_and_rectangle_radii() {
        // A 100 m square: radius 50 m at (50, 50).
        let sq = polygon![(x: 0.0, y: 0.0), (x: 100.0, y: 0.0), (x: 100.0, y: 100.0), (x: 0.0, y: 100.0)];
        let c = polygon_inscribed_circle(&sq, 0.01).unwrap();
        assert!((c.radius_m - 50.0).abs() < 0.01 && (c.centre.x - 50.0).abs() < 0.1 && (c.centre.y - 50.0).abs() < 0.1, "{c:?}");
    }

    #[test]
    fn l_shape_and_hole() {
        // An L of two 20 m-wide arms, 100 m long. Worked out: the best disc sits on the diagonal at (x, x),
        // touching the outer walls (r = x) and the reflex corner (20, 20) (r = √2·(20 − x)), so
        // x = 20√2 / (1 + √2) = 11.716 m. A brute-force grid confirms it.
        let l = polygon![(x: 0.0, y: 0.0), (x: 100.0, y: 0.0), (x: 100.0, y: 20.0), (x: 20.0, y: 20.0), (x: 20.0, y: 100.0), (x: 0.0, y: 100.0)];
        let c = polygon_inscribed_circle(&l, 0.001).unwrap();
        let mut brute: f64 = 0.0;
        for i in 0..=500 {
            for j in 0..=500 {
                brute = brute.max(signed_boundary_distance(&l, Coord { x: i as f64 * 0.2, y: j as f64 * 0.2 }));
            }
        }
        assert!(c.radius_m >= brute - 1e-6 && c.radius_m - brute < 0.2, "{} vs {brute}", c.radius_m);
        let hand = 20.0 * 2f64.sqrt() / (1.0 + 2f64.sqrt());
        assert!((c.radius_m - hand).abs() < 0.01, "{} vs {hand}", c.radius_m);
        // A 100 m square with a 60 m square hole in the middle: a 20 m wide ring whose corners are the L's
        // corner (outer walls x = 0, y = 0, hole corner at (20, 20)), so the same radius.
        let ring = Polygon::new(
            LineString::from(vec![(0.0, 0.0), (100.0, 0.0), (100.0, 100.0), (0.0, 100.0), (0.0, 0.0)]),
            vec![LineString::from(vec![(20.0, 20.0), (80.0, 20.0), (80.0, 80.0), (20.0, 80.0), (20.0, 20.0)])],
        );
        let c = polygon_inscribed_circle(&ring, 0.001).unwrap();
        assert!((c.radius_m - hand).abs() < 0.01, "{c:?}");
        assert!(signed_boundary_distance(&ring, Coord { x: 50.0, y: 50.0 }) < 0.0, "the hole is outside");
    }

    #[test]
    fn multipolygon_takes_the_widest_part_and_degenerate_is_none() {
        let small = polygon![(x: 0.0, y: 0.0), (x: 10.0, y: 0.0), (x: 10.0, y: 10.0), (x: 0.0, y: 10.0)];
        let big = polygon![(x: 100.0, y: 0.0), (x: 130.0, y: 0.0), (x: 130.0, y: 30.0), (x: 100.0, y: 30.0)];
        let c = largest_inscribed_circle(&MultiPolygon(vec![small, big]), 0.01).unwrap();
        assert!((c.diameter_m() - 30.0).abs() < 0.02 && c.centre.x > 100.0);
        let flat = polygon![(x: 0.0, y: 0.0), (x: 10.0, y: 0.0), (x: 20.0, y: 0.0)];
        assert_eq!(polygon_inscribed_circle(&flat, 0.01), None);
    }

    #[test]
    fn shortfall_names_what_is_short_and_the_reason_says_it() {
        let profile = crate::profile::Profile::default_profile();
        let mut c = profile.categories[0].clone();
        (c.land_min_area_m2, c.land_min_width_m) = (2000.0, 30.0);
        assert_eq!(shortfall(&c, 2000.0, 30.0), None);
        let (en, zh) = (Catalogue::of(crate::lang::Lang::En), Catalogue::of(crate::lang::Lang::Zh));
        let misfit_reason = |c: &Category, area_m2: f64, diameter_m: f64, catalogue: &Catalogue| {
            let mut out = String::new();
            ShortfallWords::new(catalogue).write(&mut out, c, area_m2, diameter_m).then_some(out)
        };
        assert_eq!(misfit_reason(&c, 2000.0, 30.0, en), None);
        assert_eq!(shortfall(&c, 1999.0, 30.0), Some(Shortfall { area: true, width: false }));
        assert_eq!(misfit_reason(&c, 1999.0, 30.0, en).as_deref(), Some("area 1999 m² < 2000 m²"));
        assert_eq!(shortfall(&c, 5000.0, 12.34), Some(Shortfall { area: false, width: true }));
        assert_eq!(misfit_reason(&c, 5000.0, 12.34, en).as_deref(), Some("widest disc 12.3 m < 30.0 m"));
        assert_eq!(shortfall(&c, 400.0, 20.0), Some(Shortfall { area: true, width: true }));
        assert_eq!(misfit_reason(&c, 400.0, 20.0, en).as_deref(), Some("area 400 m² < 2000 m² and widest disc 20.0 m < 30.0 m"));
        assert_eq!(misfit_reason(&c, 400.0, 20.0, zh).as_deref(), Some("面积 400 m² < 所需 2000 m²，最大内切圆直径 20.0 m < 所需 30.0 m"));
    }
}
