//! Coordinate reference systems: every analysis runs in metres in one *working* CRS, by default the UTM
//! zone of the data's centre (EPSG:326zz north / 327zz south), or one the planner names with `--crs EPSG:nnnn`
//! (e.g. CGCS2000 3-degree Gauss-Krüger EPSG:4547). Inputs are projected into it on reading and outputs
//! converted back to WGS84 lon/lat (RFC 7946) on writing.
//!
//! Transformations go through PROJ (`proj` crate). `proj::Proj` is neither `Send` nor `Sync`, and building
//! one costs about 10 ms (PROJ searches its `proj.db` for the best operation): [`Transformer::with_cached`]
//! keeps one per thread and per CRS pair for the life of the thread, so parallel code builds each
//! transformer once per worker instead of once per rayon job.
//!
//! ```
//! use lifecircle::crs::WorkingCrs;
//! assert_eq!(WorkingCrs::utm_for(118.78, 32.04).epsg, 32650); // Nanjing: UTM 50N
//! assert_eq!(WorkingCrs::utm_for(-8.61, 41.15).epsg, 32629);  // Porto: UTM 29N
//! ```

pub mod china;
pub mod detect;
pub mod gauss_kruger;
pub mod zone_check;

use crate::error::{Error, Result};
use geo::MapCoordsInPlace;
use geo_types::{Coord, Geometry};
use std::cell::RefCell;
use std::rc::Rc;

/// A cached transformer with the (from, to) definitions it was built for.
type CachedTransformer = (String, String, Rc<Transformer>);

thread_local! {
    /// This thread's transformers, by (from, to) definition: a handful at most in one run. Never dropped:
    /// a thread of a short-lived rayon pool may still be exiting while the process exits, and PROJ's
    /// objects destroyed then, after PROJ's own static data, crash the process (seen in tests that build
    /// pools of 1 and 3 threads). The global pool's threads live as long as the process anyway.
    static THREAD_TRANSFORMERS: std::mem::ManuallyDrop<RefCell<Vec<CachedTransformer>>> =
        const { std::mem::ManuallyDrop::new(RefCell::new(Vec::new())) };
}

/// The projected CRS all geometry is computed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WorkingCrs {
    pub epsg: u32,
}

impl WorkingCrs {
    /// The WGS 84 UTM zone holding lon/lat.
    pub fn utm_for(lon: f64, lat: f64) -> WorkingCrs {
        let zone = (((lon + 180.0) / 6.0).floor() as i64).clamp(0, 59) as u32 + 1;
        WorkingCrs { epsg: if lat >= 0.0 { 32600 + zone } else { 32700 + zone } }
    }

    /// Parse `EPSG:nnnn` (or a bare number) and check that PROJ knows it as a projected CRS in metres.
    pub fn parse(text: &str) -> Result<WorkingCrs> {
        let digits = text.trim().trim_start_matches("EPSG:").trim_start_matches("epsg:");
        let epsg: u32 = digits.parse().map_err(|_| Error::Usage(format!("--crs {text}: expected EPSG:nnnn, e.g. EPSG:4547 (CGCS2000 / 3-degree Gauss-Kruger CM 114E) or EPSG:32650 (UTM 50N)")))?;
        let crs = WorkingCrs { epsg };
        Transformer::from_wgs84(crs).map_err(|_| Error::Usage(format!("--crs {text}: PROJ does not know EPSG:{epsg}; pick a projected CRS in metres")))?;
        if epsg == 4326 || epsg == 4490 || epsg == 4214 {
            return Err(Error::Usage(format!("--crs {text} is geographic (degrees); pick a projected CRS in metres such as EPSG:4547 or a UTM zone")));
        }
        Ok(crs)
    }

    pub fn name(&self) -> String {
        format!("EPSG:{}", self.epsg)
    }
}

/// A coordinate transformation between two CRSs, x/y in the traditional GIS order (lon, lat / easting, northing).
pub struct Transformer {
    proj: proj::Proj,
    from: String,
    to: String,
}

impl std::fmt::Debug for Transformer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Transformer({} -> {})", self.from, self.to)
    }
}

/// Whether PROJ can make a CRS of `definition`, asked on a context created and destroyed here so that
/// nothing leaks when it cannot.
fn proj_knows(definition: &str) -> bool {
    let Ok(text) = std::ffi::CString::new(definition) else { return false };
    // SAFETY: the context and the object are created, checked for null, and destroyed here; `text`
    // outlives the call that reads it.
    unsafe {
        let ctx = proj_sys::proj_context_create();
        if ctx.is_null() {
            return false;
        }
        let object = proj_sys::proj_create(ctx, text.as_ptr());
        let known = !object.is_null();
        if known {
            proj_sys::proj_destroy(object);
        }
        proj_sys::proj_context_destroy(ctx);
        known
    }
}

impl Transformer {
    /// Between two CRS definitions PROJ understands (`EPSG:4326`, WKT, PROJ strings).
    pub fn new(from: &str, to: &str) -> Result<Transformer> {
        // `proj` 0.27.2 leaks the PROJ context of a failed `new_known_crs` (its error path returns before
        // a `Proj` owns the context), one per refused layer; an unknown CRS is refused here first.
        for definition in [from, to] {
            if !proj_knows(definition) {
                return Err(Error::Usage(format!("cannot transform from {from} to {to}: PROJ does not know the CRS `{definition}`")));
            }
        }
        let proj = proj::Proj::new_known_crs(from, to, None)
            .map_err(|e| Error::Usage(format!("cannot transform from {from} to {to}: {e}")))?;
        Ok(Transformer { proj, from: from.to_string(), to: to.to_string() })
    }

    /// WGS 84 lon/lat to the working CRS.
    pub fn from_wgs84(crs: WorkingCrs) -> Result<Transformer> {
        Transformer::new("EPSG:4326", &crs.name())
    }

    /// The working CRS to WGS 84 lon/lat.
    pub fn to_wgs84(crs: WorkingCrs) -> Result<Transformer> {
        Transformer::new(&crs.name(), "EPSG:4326")
    }

    /// Run `f` with this thread's transformer from `from` to `to`, building it on the thread's first use.
    /// The cache lives as long as the thread (rayon's workers live for the process), so a parallel loop
    /// pays PROJ's set-up once per worker.
    ///
    /// ```
    /// use lifecircle::crs::Transformer;
    /// let x = Transformer::with_cached("EPSG:4326", "EPSG:32650", |t| t.coord((118.78, 32.04).into())).unwrap().unwrap();
    /// assert!((x.x - 668_069.39).abs() < 0.01 && (x.y - 3_546_254.68).abs() < 0.01); // cs2cs EPSG:4326 EPSG:32650
    /// ```
    pub fn with_cached<R>(from: &str, to: &str, f: impl FnOnce(&Transformer) -> R) -> Result<R> {
        let cached = THREAD_TRANSFORMERS.with(|cell| cell.borrow().iter().find(|(a, b, _)| a == from && b == to).map(|(_, _, t)| Rc::clone(t)));
        let transformer = match cached {
            Some(t) => t,
            None => {
                let t = Rc::new(Transformer::new(from, to)?);
                THREAD_TRANSFORMERS.with(|cell| cell.borrow_mut().push((from.to_string(), to.to_string(), Rc::clone(&t))));
                t
            }
        };
        Ok(f(&transformer))
    }

    /// [`Transformer::with_cached`] from the working CRS to WGS 84 lon/lat.
    pub fn with_to_wgs84<R>(crs: WorkingCrs, f: impl FnOnce(&Transformer) -> R) -> Result<R> {
        Transformer::with_cached(&crs.name(), "EPSG:4326", f)
    }

    /// [`Transformer::with_cached`] from WGS 84 lon/lat to the working CRS.
    pub fn with_from_wgs84<R>(crs: WorkingCrs, f: impl FnOnce(&Transformer) -> R) -> Result<R> {
        Transformer::with_cached("EPSG:4326", &crs.name(), f)
    }

    /// Transform one coordinate.
    pub fn coord(&self, c: Coord<f64>) -> Result<Coord<f64>> {
        let (x, y) = self.proj.convert((c.x, c.y)).map_err(|e| Error::Internal(format!("{} -> {}: ({}, {}): {e}", self.from, self.to, c.x, c.y)))?;
        if !(x.is_finite() && y.is_finite()) {
            return Err(Error::Internal(format!("{} -> {}: ({}, {}) has no finite image", self.from, self.to, c.x, c.y)));
        }
        Ok(Coord { x, y })
    }

    /// Transform a geometry in place; fails on the first coordinate PROJ cannot map.
    pub fn geometry(&self, g: &mut Geometry<f64>) -> Result<()> {
        let failure = std::cell::RefCell::new(None);
        let failure_ref = &failure;
        g.map_coords_in_place(|c| match self.coord(c) {
            Ok(t) => t,
            Err(e) => {
                failure_ref.borrow_mut().get_or_insert(e);
                c
            }
        });
        failure.into_inner().map_or(Ok(()), Err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utm_zone_edges() {
        assert_eq!(WorkingCrs::utm_for(-180.0, 10.0).epsg, 32601);
        assert_eq!(WorkingCrs::utm_for(179.99, -10.0).epsg, 32760);
        assert_eq!(WorkingCrs::utm_for(180.0, 10.0).epsg, 32660);
        assert_eq!(WorkingCrs::utm_for(114.0, 22.3).epsg, 32650);
    }

    #[test]
    fn projects_like_cs2cs() {
        // `echo 32.04 118.78 | cs2cs EPSG:4326 EPSG:32650` (cs2cs takes EPSG:4326 as lat lon) gives 668069.39 3546254.68.
        let t = Transformer::from_wgs84(WorkingCrs { epsg: 32650 }).unwrap();
        let c = t.coord(Coord { x: 118.78, y: 32.04 }).unwrap();
        assert!((c.x - 668_069.39).abs() < 0.05 && (c.y - 3_546_254.68).abs() < 0.05, "{c:?}");
        let back = Transformer::to_wgs84(WorkingCrs { epsg: 32650 }).unwrap().coord(c).unwrap();
        assert!((back.x - 118.78).abs() < 1e-9 && (back.y - 32.04).abs() < 1e-9);
    }

    #[test]
    fn parse_refuses_unknown_and_geographic() {
        assert_eq!(WorkingCrs::parse("EPSG:4547").unwrap().epsg, 4547);
        assert!(WorkingCrs::parse("EPSG:999999").is_err());
        assert!(WorkingCrs::parse("EPSG:4326").is_err());
        assert!(WorkingCrs::parse("utm").is_err());
    }
}
