//! Polygon repair: GEOS `MakeValid` (through GDAL's `OGR_G_MakeValidEx`) with one method for every
//! source, [`METHOD`] = `STRUCTURE` (GEOS ≥ 3.10's `GeometryFixer`, as JTS's).
//!
//! Why `STRUCTURE` and not GEOS's default `LINEWORK`: `STRUCTURE` first makes each ring valid on its
//! own (a ring that crosses itself keeps every area it encloses, however it winds), then unions the
//! shells and subtracts the holes, so the result is the area the drawing covers. `LINEWORK` nodes all
//! rings into one set of lines and keeps alternate faces (even–odd): an area covered twice (the centre
//! of a ring that winds around it twice, the overlap of two parts of a multipolygon) becomes a hole,
//! and land the feature covers is lost. It is also GEOS's recommended method for polygons. Both split a
//! bow-tie into its two triangles. Collapsed parts vanish (`KEEP_COLLAPSED=NO`, the default) instead of
//! becoming lines or points; the polygons of the result are kept in GEOS's order.
//!
//! OpenStreetMap areas ([`super::validity::checked_area`]) and planners' layers
//! (`crate::read::planner_layers`) are repaired here, so one drawing gives the same polygons from
//! either source. Failures of GDAL go to its error handler ([`crate::gdal_errors`]), not to stderr.
//!
//! ```
//! use geo::Area;
//! use geo_types::{polygon, MultiPolygon};
//! use lifecircle::geometry::make_valid::make_valid;
//! // Two 10 m squares overlapping by 5 × 5 m, given as one multipolygon (invalid: its parts overlap).
//! let parts = MultiPolygon(vec![
//!     polygon![(x: 0., y: 0.), (x: 10., y: 0.), (x: 10., y: 10.), (x: 0., y: 10.)],
//!     polygon![(x: 5., y: 5.), (x: 15., y: 5.), (x: 15., y: 15.), (x: 5., y: 15.)],
//! ]);
//! let repaired = make_valid(&parts).unwrap();
//! assert_eq!(repaired.0.len(), 1);
//! assert_eq!(repaired.unsigned_area(), 175.0); // LINEWORK would give 150: the overlap as a hole
//! ```

use super::ogr::{GeosError, OgrGeometry};
use gdal::cpl::CslStringList;
use geo_types::MultiPolygon;

/// The `METHOD` option of GDAL's `OGR_G_MakeValidEx` used for every repair.
pub const METHOD: &str = "STRUCTURE";

impl OgrGeometry {
    /// Whether GEOS finds the geometry valid (OGC Simple Features rules, as `GEOSisValid`).
    pub fn is_valid(&self) -> bool {
        self.ogr().is_valid()
    }

    /// The geometry repaired by GEOS `MakeValid` with [`METHOD`] (see the module doc).
    pub fn make_valid(&self) -> Result<OgrGeometry, GeosError> {
        crate::gdal_errors::install_error_handler();
        let mut options = CslStringList::new();
        options.set_name_value("METHOD", METHOD)?;
        Ok(OgrGeometry::from_ogr(self.ogr().make_valid(&options)?))
    }
}

/// The polygons GEOS `MakeValid` makes of an invalid (multi)polygon (lines and points of collapsed
/// parts dropped); empty when nothing is left.
pub fn make_valid(area: &MultiPolygon<f64>) -> Result<MultiPolygon<f64>, GeosError> {
    Ok(MultiPolygon(OgrGeometry::from_geo(area)?.make_valid()?.polygons()?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{Area, Validation};
    use geo_types::{Coord, LineString, Polygon, polygon};

    #[test]
    fn bow_tie_becomes_its_two_triangles() {
        // Edges (0,0)-(10,10) and (10,0)-(0,10) cross at (5,5): two triangles of ½ · 10 · 5 = 25 m².
        let bow_tie = MultiPolygon(vec![polygon![(x: 0., y: 0.), (x: 10., y: 10.), (x: 10., y: 0.), (x: 0., y: 10.)]]);
        let repaired = make_valid(&bow_tie).unwrap();
        assert_eq!(repaired.0.len(), 2);
        assert!(repaired.0.iter().all(|p| (p.unsigned_area() - 25.0).abs() < 1e-9));
        assert!(repaired.is_valid());
    }

    #[test]
    fn a_pentagram_keeps_its_centre() {
        // A pentagram drawn as one ring through every second vertex of a regular pentagon winds twice
        // around its centre pentagon. STRUCTURE keeps the whole star, centre included: the 10-gon of the
        // 5 tips (radius R) and the 5 crossings between them (radius R · sin 18° / sin 54°).
        let r_out = 100.0_f64;
        let at = |k: f64, r: f64| {
            let a = std::f64::consts::FRAC_PI_2 + k * std::f64::consts::TAU / 10.0;
            Coord { x: r * a.cos(), y: r * a.sin() }
        };
        let star = LineString((0..=5).map(|i| at((4 * i % 10) as f64, r_out)).collect());
        let r_in = r_out * (std::f64::consts::PI / 10.0).sin() / (3.0 * std::f64::consts::PI / 10.0).sin();
        let outline = Polygon::new(LineString((0..=10).map(|k| at(k as f64, if k % 2 == 0 { r_out } else { r_in })).collect()), vec![]);
        let repaired = make_valid(&MultiPolygon(vec![Polygon::new(star, vec![])])).unwrap();
        assert!(repaired.is_valid());
        assert!((repaired.unsigned_area() - outline.unsigned_area()).abs() < 1e-6, "{} vs {}", repaired.unsigned_area(), outline.unsigned_area());
    }

    #[test]
    fn a_ring_with_no_area_leaves_nothing() {
        // Out and back along one line: every part collapses.
        let flat = MultiPolygon(vec![polygon![(x: 0., y: 0.), (x: 10., y: 0.), (x: 20., y: 0.), (x: 10., y: 0.)]]);
        assert_eq!(make_valid(&flat).unwrap(), MultiPolygon(vec![]));
    }

    #[test]
    fn geos_validity_check() {
        let square = polygon![(x: 0., y: 0.), (x: 1., y: 0.), (x: 1., y: 1.), (x: 0., y: 1.)];
        assert!(OgrGeometry::from_geo(&square).unwrap().is_valid());
        let bow_tie = polygon![(x: 0., y: 0.), (x: 1., y: 1.), (x: 1., y: 0.), (x: 0., y: 1.)];
        assert!(!OgrGeometry::from_geo(&bow_tie).unwrap().is_valid());
    }
}
