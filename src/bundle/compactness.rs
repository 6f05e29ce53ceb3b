//! Bundle compactness: the area of a bundle divided by the area of its minimum enclosing circle (the
//! "Roeck" measure of districting, Roeck 1961; 1 for a disc, about 0.64 for a square, near 0 for a long
//! strip). The circle is found with Welzl's randomized incremental algorithm (Welzl 1991, "Smallest
//! enclosing disks (balls and ellipsoids)", LNCS 555), in the iterative form of de Berg et al.,
//! *Computational Geometry* §4.7:
//!
//! 1. shuffle the points (a fixed-seed [`SplitMix64`], so the result never depends on the caller's order
//!    beyond floating-point rounding);
//! 2. keep the circle of the points seen so far; when point *i* falls outside, the new circle has *i* on
//!    its boundary: rebuild it from the points before *i*, with *i* fixed;
//! 3. inside that, when point *j* falls outside, both *i* and *j* are on the boundary; when a third point
//!    *k* falls outside, the circle is the circumcircle of *i*, *j*, *k*.
//!
//! Expected time O(n) for n points after the shuffle; O(n) memory for the copy. Points on the boundary
//! count as inside within a relative tolerance of 1e-12 (plus 1e-9 m).
//!
//! ```
//! use geo_types::coord;
//! use lifecircle::bundle::compactness::{minimum_enclosing_circle, compactness};
//! // A 100 m square: the circle passes through the corners, radius 50·√2 m.
//! let square = [coord! {x: 0.0, y: 0.0}, coord! {x: 100.0, y: 0.0}, coord! {x: 100.0, y: 100.0}, coord! {x: 0.0, y: 100.0}];
//! let circle = minimum_enclosing_circle(&square).unwrap();
//! assert!((circle.radius_m - 50.0 * 2f64.sqrt()).abs() < 1e-9);
//! // Area 10,000 m² over π·5,000 m²: 2/π.
//! assert!((compactness(10_000.0, &square) - 2.0 / std::f64::consts::PI).abs() < 1e-12);
//! ```

use crate::rng::SplitMix64;
use geo_types::Coord;

/// A circle in the working CRS.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Circle {
    pub center: Coord<f64>,
    pub radius_m: f64,
}

impl Circle {
    fn through_one(a: Coord<f64>) -> Circle {
        Circle { center: a, radius_m: 0.0 }
    }

    fn through_two(a: Coord<f64>, b: Coord<f64>) -> Circle {
        let center = Coord { x: (a.x + b.x) / 2.0, y: (a.y + b.y) / 2.0 };
        Circle { center, radius_m: distance(a, b) / 2.0 }
    }

    /// The circumcircle of three points; for (nearly) collinear points the circle on the farthest pair.
    fn through_three(a: Coord<f64>, b: Coord<f64>, c: Coord<f64>) -> Circle {
        // Work relative to `a` for precision with UTM-sized coordinates.
        let (bx, by) = (b.x - a.x, b.y - a.y);
        let (cx, cy) = (c.x - a.x, c.y - a.y);
        let d = 2.0 * (bx * cy - by * cx);
        let scale = (bx * bx + by * by).max(cx * cx + cy * cy);
        if d.abs() <= 1e-12 * scale.max(f64::MIN_POSITIVE) {
            let pairs = [(a, b), (a, c), (b, c)];
            let (p, q) = pairs.into_iter().max_by(|x, y| distance(x.0, x.1).total_cmp(&distance(y.0, y.1))).unwrap_or((a, b));
            return Circle::through_two(p, q);
        }
        let b2 = bx * bx + by * by;
        let c2 = cx * cx + cy * cy;
        let ux = (cy * b2 - by * c2) / d;
        let uy = (bx * c2 - cx * b2) / d;
        let center = Coord { x: a.x + ux, y: a.y + uy };
        let radius_m = distance(center, a).max(distance(center, b)).max(distance(center, c));
        Circle { center, radius_m }
    }

    /// Whether `p` lies inside or on the circle (within the tolerance of the module doc).
    pub fn holds(&self, p: Coord<f64>) -> bool {
        let limit = self.radius_m * (1.0 + 1e-12) + 1e-9;
        distance_squared(self.center, p) <= limit * limit
    }

    /// Whether `p` lies on the boundary, i.e. removing it might shrink the circle.
    pub fn touches(&self, p: Coord<f64>) -> bool {
        let limit = (self.radius_m * (1.0 - 1e-9) - 1e-9).max(0.0);
        distance_squared(self.center, p) >= limit * limit
    }

    pub fn area_m2(&self) -> f64 {
        std::f64::consts::PI * self.radius_m * self.radius_m
    }
}

fn distance_squared(a: Coord<f64>, b: Coord<f64>) -> f64 {
    let (dx, dy) = (a.x - b.x, a.y - b.y);
    dx * dx + dy * dy
}

/// Euclidean distance; plain `sqrt` (glibc's overflow-safe `hypot` is several times slower and metre
/// coordinates cannot overflow).
fn distance(a: Coord<f64>, b: Coord<f64>) -> f64 {
    distance_squared(a, b).sqrt()
}

/// The smallest circle holding every point; `None` for no points.
pub fn minimum_enclosing_circle(points: &[Coord<f64>]) -> Option<Circle> {
    let mut scratch = points.to_vec();
    minimum_enclosing_circle_in_place(&mut scratch)
}

/// As [`minimum_enclosing_circle`], shuffling the caller's buffer in place (no allocation): the partition
/// calls this thousands of times with a reused buffer.
pub fn minimum_enclosing_circle_in_place(points: &mut [Coord<f64>]) -> Option<Circle> {
    if points.is_empty() {
        return None;
    }
    // A fixed seed: the circle is unique, the shuffle only protects the expected running time.
    SplitMix64::new(points.len() as u64 ^ 0x5EED_C1C1E).shuffle(points);
    let mut circle = Circle::through_one(points[0]);
    for i in 1..points.len() {
        if circle.holds(points[i]) {
            continue;
        }
        circle = Circle::through_one(points[i]);
        for j in 0..i {
            if circle.holds(points[j]) {
                continue;
            }
            circle = Circle::through_two(points[i], points[j]);
            for k in 0..j {
                if !circle.holds(points[k]) {
                    circle = Circle::through_three(points[i], points[j], points[k]);
                }
            }
        }
    }
    Some(circle)
}

/// Area over the area of the minimum enclosing circle of `points` (the vertices of the bundle's estates),
/// in [0, 1] for a shape whose outline passes through those points. 0 when the circle has no area.
pub fn compactness(area_m2: f64, points: &[Coord<f64>]) -> f64 {
    match minimum_enclosing_circle(points) {
        Some(circle) => compactness_in_circle(area_m2, &circle),
        None => 0.0,
    }
}

/// Area over the circle's area; 0 when the circle has no area.
pub fn compactness_in_circle(area_m2: f64, circle: &Circle) -> f64 {
    let circle_area_m2 = circle.area_m2();
    if circle_area_m2 > 0.0 && area_m2.is_finite() { (area_m2 / circle_area_m2).max(0.0) } else { 0.0 }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo_types::coord;

    /// The brute-force oracle: the minimum enclosing circle passes through 2 or 3 of the points, so try
    /// every pair and triple and keep the smallest circle that holds all points. O(n^4).
    fn brute_force(points: &[Coord<f64>]) -> f64 {
        let mut best = f64::INFINITY;
        let n = points.len();
        let mut consider = |c: Circle| {
            if c.radius_m < best && points.iter().all(|&p| distance(c.center, p) <= c.radius_m * (1.0 + 1e-9) + 1e-7) {
                best = c.radius_m;
            }
        };
        for i in 0..n {
            consider(Circle::through_one(points[i]));
            for j in i + 1..n {
                consider(Circle::through_two(points[i], points[j]));
                for k in j + 1..n {
                    consider(Circle::through_three(points[i], points[j], points[k]));
                }
            }
        }
        best
    }

    #[test]
    fn empty_single_and_duplicate_points() {
        assert_eq!(minimum_enclosing_circle(&[]), None);
        let p = coord! {x: 3.0, y: 4.0};
        assert_eq!(minimum_enclosing_circle(&[p]).unwrap(), Circle { center: p, radius_m: 0.0 });
        let c = minimum_enclosing_circle(&[p, p, p]).unwrap();
        assert_eq!(c.radius_m, 0.0);
        assert_eq!(compactness(10.0, &[p]), 0.0);
    }

    #[test]
    fn two_points_make_a_diameter_and_collinear_points_the_outer_pair() {
        let c = minimum_enclosing_circle(&[coord! {x: 0.0, y: 0.0}, coord! {x: 10.0, y: 0.0}]).unwrap();
        assert_eq!(c.center, coord! {x: 5.0, y: 0.0});
        assert_eq!(c.radius_m, 5.0);
        let line: Vec<_> = (0..=20).map(|i| coord! {x: i as f64 * 3.0, y: i as f64 * 4.0}).collect();
        // Ends (0,0) and (60,80): diameter 100 m.
        let c = minimum_enclosing_circle(&line).unwrap();
        assert!((c.radius_m - 50.0).abs() < 1e-9 && (c.center.x - 30.0).abs() < 1e-9 && (c.center.y - 40.0).abs() < 1e-9);
    }

    #[test]
    fn obtuse_triangle_uses_its_longest_side_and_acute_its_circumcircle() {
        // Obtuse: (0,0) (10,0) (5,1): the circle on the long side holds (5,1), radius 5.
        let c = minimum_enclosing_circle(&[coord! {x: 0.0, y: 0.0}, coord! {x: 10.0, y: 0.0}, coord! {x: 5.0, y: 1.0}]).unwrap();
        assert!((c.radius_m - 5.0).abs() < 1e-12);
        // Equilateral with side 6: circumradius 6/√3.
        let h = 3.0 * 3f64.sqrt();
        let c = minimum_enclosing_circle(&[coord! {x: 0.0, y: 0.0}, coord! {x: 6.0, y: 0.0}, coord! {x: 3.0, y: h}]).unwrap();
        assert!((c.radius_m - 6.0 / 3f64.sqrt()).abs() < 1e-12);
    }

    #[test]
    fn agrees_with_brute_force_on_random_point_sets_at_utm_scale() {
        let mut rng = SplitMix64::new(99);
        for trial in 0..200 {
            let n = 1 + trial % 25;
            let points: Vec<_> = (0..n).map(|_| coord! {x: 500_000.0 + rng.next_f64() * 800.0, y: 3_500_000.0 + rng.next_f64() * 300.0}).collect();
            let welzl = minimum_enclosing_circle(&points).unwrap();
            assert!(points.iter().all(|&p| welzl.holds(p)), "trial {trial}: a point is outside");
            let oracle = brute_force(&points);
            assert!((welzl.radius_m - oracle).abs() < 1e-6, "trial {trial}: welzl {} oracle {oracle}", welzl.radius_m);
        }
    }

    #[test]
    fn compactness_of_a_disc_like_polygon_is_near_one_and_of_a_strip_near_zero() {
        // A regular 64-gon of circumradius 100: area = 0.5·64·100²·sin(2π/64).
        let ring: Vec<_> = (0..64).map(|i| {
            let a = i as f64 * std::f64::consts::TAU / 64.0;
            coord! {x: 100.0 * a.cos(), y: 100.0 * a.sin()}
        }).collect();
        let area = 0.5 * 64.0 * 100.0 * 100.0 * (std::f64::consts::TAU / 64.0).sin();
        assert!((compactness(area, &ring) - area / (std::f64::consts::PI * 10_000.0)).abs() < 1e-12);
        assert!(compactness(area, &ring) > 0.99);
        // A 1000 m × 10 m strip: 10,000 / (π·500.05²) ≈ 0.0127.
        let strip = [coord! {x: 0.0, y: 0.0}, coord! {x: 1000.0, y: 0.0}, coord! {x: 1000.0, y: 10.0}, coord! {x: 0.0, y: 10.0}];
        let expected = 10_000.0 / (std::f64::consts::PI * (500.0f64.powi(2) + 5.0f64.powi(2)));
        assert!((compactness(10_000.0, &strip) - expected).abs() < 1e-12);
    }
}
