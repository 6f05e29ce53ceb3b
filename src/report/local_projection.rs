//! The local equirectangular projection the printable map and the HTML map draw in: metres east and north
//! of the map's centre,
//!
//! `x = (lon − lon₀) · cos(lat₀) · R · π/180`, `y = (lat − lat₀) · R · π/180`, with R = 6,371,008.8 m (the
//! IUGG mean Earth radius).
//!
//! It keeps north up and metres square at the centre, which is all a district map and its scale bar need.
//! The east-west scale drifts from the centre's by `tan(lat₀) · Δlat` (radians): 0.06 % at 5.5 km north or
//! south of the centre at Nanjing's 32° N, invisible on a printed district map and on its scale bar. For a
//! whole province use a real projection (`crate::crs`). The HTML report's script uses the same formula.
//!
//! ```
//! use lifecircle::report::local_projection::LocalProjection;
//! let p = LocalProjection::centred_on(118.8, 32.0);
//! let (x, y) = p.project(118.8, 32.009);
//! assert!(x.abs() < 1e-9 && (y - 1000.8).abs() < 0.1);   // 0.009° of latitude ≈ 1,000.8 m
//! ```

/// Mean Earth radius (IUGG), metres.
pub const EARTH_RADIUS_M: f64 = 6_371_008.8;

/// Lon/lat → metres about a centre.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LocalProjection {
    pub lon0: f64,
    pub lat0: f64,
    m_per_deg_lon: f64,
    m_per_deg_lat: f64,
}

impl LocalProjection {
    pub fn centred_on(lon0: f64, lat0: f64) -> LocalProjection {
        let m_per_deg_lat = EARTH_RADIUS_M * std::f64::consts::PI / 180.0;
        LocalProjection { lon0, lat0, m_per_deg_lon: m_per_deg_lat * lat0.to_radians().cos(), m_per_deg_lat }
    }

    /// Metres east, metres north of the centre.
    pub fn project(&self, lon: f64, lat: f64) -> (f64, f64) {
        ((lon - self.lon0) * self.m_per_deg_lon, (lat - self.lat0) * self.m_per_deg_lat)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_degree_of_latitude_and_longitude() {
        // 1° of latitude = R·π/180 = 111,195.08 m; 1° of longitude at 60° N is half of that.
        let p = LocalProjection::centred_on(10.0, 60.0);
        let (x, y) = p.project(11.0, 61.0);
        assert!((y - 111_195.08).abs() < 0.01, "{y}");
        assert!((x - 111_195.08 / 2.0).abs() < 0.01, "{x}");
        assert_eq!(p.project(10.0, 60.0), (0.0, 0.0));
    }

    #[test]
    fn close_to_the_geodesic_over_a_district() {
        // Over 1 km east at 32° N the local distance agrees with the WGS84 geodesic to 0.5 %: the projection
        // uses a sphere, the ellipsoid's east-west radius there is about 0.2 % larger.
        let p = LocalProjection::centred_on(118.8, 32.0);
        let dlon = 1000.0 / (EARTH_RADIUS_M * 32f64.to_radians().cos() * std::f64::consts::PI / 180.0);
        let (x, _) = p.project(118.8 + dlon, 32.0);
        assert!((x - 1000.0).abs() < 1e-6);
        let geodesic = geographiclib_distance(118.8, 32.0, 118.8 + dlon, 32.0);
        assert!((geodesic - 1000.0).abs() / 1000.0 < 0.005, "{geodesic}");
    }

    /// WGS84 geodesic distance through the `geo` crate (Karney's algorithm).
    fn geographiclib_distance(lon1: f64, lat1: f64, lon2: f64, lat2: f64) -> f64 {
        use geo::{Distance, Geodesic, Point};
        Geodesic.distance(Point::new(lon1, lat1), Point::new(lon2, lat2))
    }
}
