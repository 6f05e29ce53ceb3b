//! Geometries built from positions as a reader finds them, with the OGC Simple Features rules a reader can
//! check before any geometry library touches the data (a `geo_types::Polygon` closes its rings silently,
//! hiding an unclosed ring): every ring closed (first position equals the last), at least 4 positions;
//! a line at least 2; every coordinate finite. Used by the GeoJSON reader and the WKB decoder; the error
//! is a sentence for the rejects file.
//!
//! ```
//! use geo_types::coord;
//! use lifecircle::geometry::from_positions::polygon_from_rings;
//! let square = vec![vec![coord! { x: 0., y: 0. }, coord! { x: 1., y: 0. }, coord! { x: 1., y: 1. }, coord! { x: 0., y: 0. }]];
//! assert!(polygon_from_rings(square).is_ok());
//! let open = vec![vec![coord! { x: 0., y: 0. }, coord! { x: 1., y: 0. }, coord! { x: 1., y: 1. }, coord! { x: 0., y: 1. }]];
//! assert!(polygon_from_rings(open).unwrap_err().contains("not closed"));
//! ```

use geo_types::{Coord, LineString, Polygon};

/// Check a ring as read: at least 4 positions, closed, finite.
pub fn check_ring(ring: &[Coord<f64>]) -> Result<(), String> {
    check_finite(ring)?;
    if ring.len() < 4 {
        return Err(format!("a polygon ring has {} positions; a ring needs at least 4 (3 corners and the first repeated)", ring.len()));
    }
    if ring.first() != ring.last() {
        return Err("a polygon ring is not closed (its last position differs from its first)".to_string());
    }
    Ok(())
}

/// Check that all coordinates are finite numbers.
pub fn check_finite(coords: &[Coord<f64>]) -> Result<(), String> {
    match coords.iter().find(|c| !(c.x.is_finite() && c.y.is_finite())) {
        Some(c) => Err(format!("coordinate ({}, {}) is not a finite number", c.x, c.y)),
        None => Ok(()),
    }
}

/// A polygon from rings as read (exterior first), after [`check_ring`] on each.
pub fn polygon_from_rings(mut rings: Vec<Vec<Coord<f64>>>) -> Result<Polygon<f64>, String> {
    if rings.is_empty() {
        return Err("a polygon has no rings".to_string());
    }
    for r in &rings {
        check_ring(r)?;
    }
    let exterior = LineString(rings.remove(0));
    Ok(Polygon::new(exterior, rings.into_iter().map(LineString).collect()))
}

/// A line string as read: at least 2 positions, finite.
pub fn line_from_coords(coords: Vec<Coord<f64>>) -> Result<LineString<f64>, String> {
    check_finite(&coords)?;
    if coords.len() < 2 {
        return Err(format!("a line has {} position(s); it needs at least 2", coords.len()));
    }
    Ok(LineString(coords))
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo_types::coord;

    #[test]
    fn ring_checks() {
        let tri = vec![coord! { x: 0., y: 0. }, coord! { x: 1., y: 0. }, coord! { x: 0., y: 1. }, coord! { x: 0., y: 0. }];
        assert!(check_ring(&tri).is_ok());
        assert!(check_ring(&tri[..3]).unwrap_err().contains("3 positions"));
        let mut nan = tri.clone();
        nan[1].x = f64::NAN;
        assert!(check_ring(&nan).unwrap_err().contains("finite"));
        assert!(polygon_from_rings(vec![]).is_err());
        assert!(line_from_coords(vec![coord! { x: 0., y: 0. }]).unwrap_err().contains("at least 2"));
    }
}
