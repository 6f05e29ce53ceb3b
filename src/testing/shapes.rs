//! Axis-aligned rectangles and squares as closed, counter-clockwise rings (south-west corner first), the
//! outlines hand-worked tests and benchmarks are drawn with.
//!
//! ```
//! use geo::Area;
//! use lifecircle::testing::{rect, square};
//! assert_eq!(rect(0.0, 0.0, 40.0, 10.0).unsigned_area(), 400.0);
//! assert_eq!(square(5.0, 5.0, 10.0), rect(5.0, 5.0, 15.0, 15.0));
//! assert_eq!(square(0.0, 0.0, 1.0).0[0].exterior().0.len(), 5); // closed ring
//! ```

use geo_types::{Coord, LineString, MultiPolygon, Polygon};

/// The rectangle from `(x0, y0)` to `(x1, y1)`: ring (x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0).
pub fn rect_polygon(x0: f64, y0: f64, x1: f64, y1: f64) -> Polygon<f64> {
    let c = |x: f64, y: f64| Coord { x, y };
    Polygon::new(LineString(vec![c(x0, y0), c(x1, y0), c(x1, y1), c(x0, y1), c(x0, y0)]), vec![])
}

/// [`rect_polygon`] as a one-part multipolygon (the model's estate, parcel and area-facility geometry).
pub fn rect(x0: f64, y0: f64, x1: f64, y1: f64) -> MultiPolygon<f64> {
    MultiPolygon(vec![rect_polygon(x0, y0, x1, y1)])
}

/// The square of side `side` whose south-west corner is `(x0, y0)`, as [`rect`].
pub fn square(x0: f64, y0: f64, side: f64) -> MultiPolygon<f64> {
    rect(x0, y0, x0 + side, y0 + side)
}
