//! Axis-aligned rectangles (bounding boxes) as the searches use them: grown by a distance (every point
//! within the distance of the rectangle is inside the grown one, so a box query finds all that could be
//! that close), contained in another, and the gap between two.
//!
//! ```
//! use geo_types::{coord, Rect};
//! use lifecircle::geometry::rect::{gap, grown, lies_within};
//! let r = Rect::new(coord! { x: 0., y: 0. }, coord! { x: 10., y: 5. });
//! assert_eq!(grown(r, 2.0), Rect::new(coord! { x: -2., y: -2. }, coord! { x: 12., y: 7. }));
//! assert!(lies_within(r, grown(r, 2.0)));
//! let far = Rect::new(coord! { x: 13., y: 9. }, coord! { x: 20., y: 20. });
//! assert_eq!(gap(r, far), 5.0); // 3 east, 4 north
//! ```

use geo_types::{Coord, Rect};

/// `rect` grown by `by_m` on every side (shrunk when negative).
pub fn grown(rect: Rect<f64>, by_m: f64) -> Rect<f64> {
    Rect::new(Coord { x: rect.min().x - by_m, y: rect.min().y - by_m }, Coord { x: rect.max().x + by_m, y: rect.max().y + by_m })
}

/// Whether `inner` lies within `outer` (edges may touch).
pub fn lies_within(inner: Rect<f64>, outer: Rect<f64>) -> bool {
    inner.min().x >= outer.min().x && inner.min().y >= outer.min().y && inner.max().x <= outer.max().x && inner.max().y <= outer.max().y
}

/// The shortest distance between two rectangles (0 when they meet).
pub fn gap(a: Rect<f64>, b: Rect<f64>) -> f64 {
    let dx = (a.min().x - b.max().x).max(b.min().x - a.max().x).max(0.0);
    let dy = (a.min().y - b.max().y).max(b.min().y - a.max().y).max(0.0);
    dx.hypot(dy)
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo_types::coord;

    fn rect(x0: f64, y0: f64, x1: f64, y1: f64) -> Rect<f64> {
        Rect::new(coord! { x: x0, y: y0 }, coord! { x: x1, y: y1 })
    }

    #[test]
    fn grow_by_zero_and_shrink() {
        let r = rect(0., 0., 10., 10.);
        assert_eq!(grown(r, 0.0), r);
        assert_eq!(grown(r, -1.0), rect(1., 1., 9., 9.));
    }

    #[test]
    fn within_and_gaps() {
        let r = rect(0., 0., 10., 10.);
        assert!(lies_within(r, r));
        assert!(!lies_within(rect(-1., 0., 5., 5.), r));
        assert_eq!(gap(r, rect(5., 5., 20., 20.)), 0.0); // overlapping
        assert_eq!(gap(r, rect(10., 0., 20., 10.)), 0.0); // touching
        assert_eq!(gap(r, rect(12., 0., 20., 10.)), 2.0); // beside
        assert_eq!(gap(rect(12., 0., 20., 10.), r), 2.0); // either order
    }
}
