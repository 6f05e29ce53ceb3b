//! Buffer: every point within a distance of a geometry (the Minkowski sum with a disc), drawn by GEOS's
//! `BufferOp` through GDAL's `OGR_G_Buffer` with round caps and joins. The buffer of a multi-geometry is
//! one dissolved polygonal geometry; a distance of 0 dissolves polygons without growing them.
//!
//! Arcs are drawn with [`QUADRANT_SEGMENTS`] chords per quarter circle: a chord's midpoint lies
//! `r (1 − cos 11.25°)` inside the true circle (0.48 m at 25 m), and every point within `r cos 11.25°`
//! of the geometry is inside the buffer, which `siting::open_land_tiles` relies on.
//!
//! ```
//! use geo::Area;
//! use geo_types::{line_string, MultiPolygon};
//! use lifecircle::geometry::ogr::OgrGeometry;
//! let street = line_string![(x: 0., y: 0.), (x: 100., y: 0.)];
//! let band = OgrGeometry::from_geo(&street).unwrap().buffer(10.0).unwrap();
//! let area = MultiPolygon(band.polygons().unwrap()).unsigned_area();
//! // A 100 × 20 m band and two half discs of 10 m: together a 16-gon inscribed in the 10 m circle.
//! let caps = 8.0 * 10.0_f64.powi(2) * (std::f64::consts::PI / 8.0).sin();
//! assert!((area - (2000.0 + caps)).abs() < 1e-9, "{area}");
//! ```

use super::ogr::{GeosError, OgrGeometry};

/// Chords per quarter circle of a round cap or join (GEOS's default is 8; 4 is fine enough for maps
/// of a district and halves the vertices).
pub const QUADRANT_SEGMENTS: u32 = 4;

impl OgrGeometry {
    /// Every point within `distance_m` of the geometry (round caps and joins, [`QUADRANT_SEGMENTS`]).
    pub fn buffer(&self, distance_m: f64) -> Result<OgrGeometry, GeosError> {
        Ok(OgrGeometry::from_ogr(self.ogr().buffer(distance_m, QUADRANT_SEGMENTS)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{Area, Distance, Euclidean};
    use geo_types::{MultiPolygon, Point, polygon};

    #[test]
    fn square_grown_by_its_chords() {
        // A 10 m square grown by 5 m: 20 × 10 sides plus the four quarter circles as 4 chords each, i.e. a
        // 16-gon of circumradius 5: 10² + 4 × 10 × 5 + 16 / 2 × 25 × sin 22.5°.
        let square = polygon![(x: 0., y: 0.), (x: 10., y: 0.), (x: 10., y: 10.), (x: 0., y: 10.)];
        let grown = MultiPolygon(OgrGeometry::from_geo(&square).unwrap().buffer(5.0).unwrap().polygons().unwrap());
        let want = 100.0 + 200.0 + 8.0 * 25.0 * (std::f64::consts::PI / 8.0).sin();
        assert!((grown.unsigned_area() - want).abs() < 1e-9, "{} vs {want}", grown.unsigned_area());
        // Every vertex of the outline is 5 m from the square or on a chord end (exactly 5 m): none beyond.
        for c in grown.0[0].exterior().0.iter() {
            let d = Euclidean.distance(&Point(*c), &square);
            assert!((d - 5.0).abs() < 1e-9, "{d}");
        }
    }

    #[test]
    fn zero_distance_dissolves_touching_squares() {
        let two = MultiPolygon(vec![
            polygon![(x: 0., y: 0.), (x: 10., y: 0.), (x: 10., y: 10.), (x: 0., y: 10.)],
            polygon![(x: 10., y: 0.), (x: 20., y: 0.), (x: 20., y: 10.), (x: 10., y: 10.)],
        ]);
        let one = OgrGeometry::from_geo(&two).unwrap().buffer(0.0).unwrap().polygons().unwrap();
        assert_eq!(one.len(), 1);
        assert!((one[0].unsigned_area() - 200.0).abs() < 1e-9);
    }
}
