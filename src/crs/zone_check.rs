//! Does a projected `--crs` suit the data? A planner may name a CGCS2000 3-degree Gauss-Krüger zone whose
//! central meridian is far from the data (EPSG:4547, 114°E, for a town at 120.6°E): PROJ projects anyway,
//! and every distance is stretched by the projection's scale error (about +0.5 % there, enough to flip a
//! 300 m verdict).
//!
//! **Rule.** The scale error of the working CRS is measured at the corners and the centre of the data's
//! extent: at each point, the projected length of a short east-west and north-south step (±0.001°) is
//! divided by its length on the WGS 84 ellipsoid (Karney's geodesic, `geo::Geodesic`). When the worst
//! `|scale − 1|` exceeds [`MAX_SCALE_ERROR`] (0.2 %, 2 m per km) the CRS is refused. For a Transverse
//! Mercator CRS that is about 4° of longitude from the central meridian at 30°N (k ≈ k₀(1 + (Δλ cos φ)²/2));
//! a UTM zone used over its whole 6° width (3° from its meridian: at most 0.1 %) and a Gauss-Krüger 3° zone
//! over its 3° width (0.03 %) always pass. The measure needs no knowledge of the projection's parameters,
//! so it holds for any projected CRS PROJ knows.
//!
//! The message names the CRSs that suit the data's centre: the CGCS2000 3-degree Gauss-Krüger zone
//! (central meridian 3° × n for n = 25…45, i.e. 75°E…135°E: EPSG:4513+(n−25) with the zone number in
//! the false easting, EPSG:4534+(n−25) without) and the WGS 84 UTM zone.
//!
//! ```
//! use lifecircle::crs::zone_check::{gauss_kruger_3_degree, scale_error};
//! use lifecircle::crs::WorkingCrs;
//! // Suzhou (120.6°E): CGCS2000 3° zone 40, central meridian 120°E.
//! assert_eq!(gauss_kruger_3_degree(120.6), Some((40, 120, 4549, 4528)));
//! let wrong = scale_error(WorkingCrs { epsg: 4547 }, 120.6, 31.3).unwrap();
//! assert!(wrong > 0.004 && wrong < 0.006, "{wrong}");
//! let right = scale_error(WorkingCrs { epsg: 4549 }, 120.6, 31.3).unwrap();
//! assert!(right < 0.0001, "{right}");
//! ```

use crate::crs::{Transformer, WorkingCrs};
use crate::error::{Error, Result};
use geo::{Distance, Geodesic, Point};
use geo_types::{Coord, Rect};

/// The largest scale error of the working CRS accepted over the data: 0.2 %.
pub const MAX_SCALE_ERROR: f64 = 0.002;

/// Step for measuring the scale, in degrees (about 100 m).
const STEP_DEG: f64 = 0.001;

/// The CGCS2000 3-degree Gauss-Krüger zone for a longitude: (zone number, central meridian in degrees,
/// EPSG code without the zone number in the easting, EPSG code with it). `None` outside 73.5°E…136.5°E.
pub fn gauss_kruger_3_degree(lon: f64) -> Option<(u32, u32, u32, u32)> {
    use crate::crs::gauss_kruger::cgcs2000_gk_epsg;
    let cm = (lon / 3.0).round() * 3.0;
    if !(75.0..=135.0).contains(&cm) {
        return None;
    }
    let cm = cm as u32;
    Some((cm / 3, cm, cgcs2000_gk_epsg(cm, false)?, cgcs2000_gk_epsg(cm, true)?))
}

/// The worst `|scale − 1|` of `crs` at (lon, lat): east-west and north-south steps.
pub fn scale_error(crs: WorkingCrs, lon: f64, lat: f64) -> Result<f64> {
    Transformer::with_from_wgs84(crs, |t| {
        let mut worst = 0.0_f64;
        for (dx, dy) in [(STEP_DEG, 0.0), (0.0, STEP_DEG)] {
            let a = Coord { x: lon - dx / 2.0, y: lat - dy / 2.0 };
            let b = Coord { x: lon + dx / 2.0, y: lat + dy / 2.0 };
            let (pa, pb) = (t.coord(a)?, t.coord(b)?);
            let projected = (pb.x - pa.x).hypot(pb.y - pa.y);
            let ellipsoid = Geodesic.distance(Point::from(a), Point::from(b));
            if ellipsoid > 0.0 {
                worst = worst.max((projected / ellipsoid - 1.0).abs());
            }
        }
        Ok(worst)
    })?
}

/// Refuse a `--crs` whose scale error over `extent_lon_lat` (the data's extent in WGS 84 lon/lat) exceeds
/// [`MAX_SCALE_ERROR`], with a message naming the zones that suit the data.
pub fn check_crs_suits_extent(crs: WorkingCrs, extent_lon_lat: Rect<f64>) -> Result<()> {
    let (min, max) = (extent_lon_lat.min(), extent_lon_lat.max());
    let centre = extent_lon_lat.center();
    let points = [min, max, Coord { x: min.x, y: max.y }, Coord { x: max.x, y: min.y }, centre];
    let mut worst = 0.0_f64;
    for p in points {
        worst = worst.max(scale_error(crs, p.x, p.y)?);
    }
    if worst <= MAX_SCALE_ERROR {
        return Ok(());
    }
    let utm = WorkingCrs::utm_for(centre.x, centre.y);
    let suggestion = match gauss_kruger_3_degree(centre.x) {
        Some((zone, cm, without, with)) => format!(
            "use the CGCS2000 3-degree Gauss-Kruger zone {zone} (central meridian {cm}°E): EPSG:{without} (or EPSG:{with} with the zone number in the easting), or {} (WGS 84 UTM zone {}{}), or drop --crs to use the UTM zone",
            utm.name(),
            utm.epsg % 100,
            if utm.epsg < 32700 { "N" } else { "S" }
        ),
        None => format!("use {} (WGS 84 UTM zone {}), or drop --crs to use it", utm.name(), utm.epsg % 100),
    };
    Err(Error::Usage(format!(
        "--crs {}: this projection stretches distances by up to {:.2} % over the data (centre {:.3}°E {:.3}°N; at most {:.1} % is accepted), so walking distances and verdicts would be wrong; {suggestion}",
        crs.name(),
        worst * 100.0,
        centre.x,
        centre.y,
        MAX_SCALE_ERROR * 100.0
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zones_of_chinese_longitudes() {
        assert_eq!(gauss_kruger_3_degree(75.0), Some((25, 75, 4534, 4513)));
        assert_eq!(gauss_kruger_3_degree(114.2), Some((38, 114, 4547, 4526)));
        assert_eq!(gauss_kruger_3_degree(118.78), Some((40, 120, 4549, 4528)));
        assert_eq!(gauss_kruger_3_degree(135.0), Some((45, 135, 4554, 4533)));
        assert_eq!(gauss_kruger_3_degree(-8.6), None);
    }

    #[test]
    fn utm_at_its_zone_edge_passes_and_a_far_zone_fails() {
        // UTM 50N (117°E) at 120°E, 0°N: the worst case inside a zone, about 0.1 %.
        let edge = scale_error(WorkingCrs { epsg: 32650 }, 120.0, 0.0).unwrap();
        assert!(edge < MAX_SCALE_ERROR && edge > 0.0009, "{edge}");
        let extent = Rect::new(Coord { x: 120.5, y: 31.2 }, Coord { x: 120.7, y: 31.4 });
        assert!(check_crs_suits_extent(WorkingCrs { epsg: 4549 }, extent).is_ok());
        assert!(check_crs_suits_extent(WorkingCrs { epsg: 32651 }, extent).is_ok());
        let Err(Error::Usage(message)) = check_crs_suits_extent(WorkingCrs { epsg: 4547 }, extent) else { panic!("EPSG:4547 accepted at 120.6°E") };
        assert!(message.contains("EPSG:4549") && message.contains("zone 40") && message.contains("EPSG:4528") && message.contains("EPSG:32651"), "{message}");
    }
}
