//! The one conversion of output geometry from the working CRS back to WGS 84 longitude/latitude
//! (RFC 7946 §4; the GeoPackage layers are written in EPSG:4326 too), used by every output layer.
//!
//! PROJ transformers are not thread-safe, so each rayon worker keeps its own
//! ([`Transformer::with_to_wgs84`]) and a layer's geometries are converted in parallel, in order.
//! [`to_wgs84_here`] converts on the calling thread instead, for a writer thread outside rayon's pool
//! that must not wait for its workers. A geometry PROJ cannot map is an internal error naming the layer
//! and the feature (model geometry always lies in the working CRS's domain); only the rejects, which are
//! diagnostics, are written without geometry instead ([`to_wgs84_or_none`]).
//!
//! ```
//! use lifecircle::crs::WorkingCrs;
//! use geo_types::{point, Geometry};
//! let utm50n = WorkingCrs::parse("EPSG:32650").unwrap();
//! let out = lifecircle::write::wgs84::to_wgs84_all(utm50n, "gates", vec![Some(Geometry::Point(point! { x: 668_069.39, y: 3_546_254.68 })), None]).unwrap();
//! let Some(Geometry::Point(p)) = out[0] else { panic!() };
//! assert!((p.x() - 118.78).abs() < 1e-7 && (p.y() - 32.04).abs() < 1e-7);
//! assert!(out[1].is_none());
//! ```

use crate::crs::{Transformer, WorkingCrs};
use crate::error::{Error, Result};
use geo_types::Geometry;
use rayon::prelude::*;

/// Convert a layer's geometries to WGS 84 in parallel, keeping their order; `None` stays `None`.
pub fn to_wgs84_all(crs: WorkingCrs, layer: &str, geometries: Vec<Option<Geometry<f64>>>) -> Result<Vec<Option<Geometry<f64>>>> {
    geometries
        .into_par_iter()
        .enumerate()
        .map(|(i, g)| {
            Transformer::with_to_wgs84(crs, |t| converted(t, layer, i, g))
                .map_err(|e| Error::Internal(format!("cannot build the {} → WGS 84 transformer: {e}", crs.name())))?
        })
        .collect()
}

/// [`to_wgs84_all`] on the calling thread, with a transformer of its own (dropped on return).
pub fn to_wgs84_here(crs: WorkingCrs, layer: &str, geometries: Vec<Option<Geometry<f64>>>) -> Result<Vec<Option<Geometry<f64>>>> {
    let t = Transformer::to_wgs84(crs)?;
    geometries.into_iter().enumerate().map(|(i, g)| converted(&t, layer, i, g)).collect()
}

/// [`to_wgs84_all`] where a geometry that cannot be converted (or every geometry, when no working CRS was
/// ever chosen) becomes `None` instead of an error: for the rejects, which are diagnostics.
pub fn to_wgs84_or_none(crs: Option<WorkingCrs>, geometries: Vec<Option<Geometry<f64>>>) -> Vec<Option<Geometry<f64>>> {
    match crs {
        None => geometries.into_iter().map(|_| None).collect(),
        Some(crs) => geometries
            .into_par_iter()
            .map(|g| {
                let mut g = g?;
                Transformer::with_to_wgs84(crs, |t| t.geometry(&mut g)).ok()?.ok()?;
                Some(g)
            })
            .collect(),
    }
}

/// How a layer's geometries reach WGS 84: [`to_wgs84_all`] or [`to_wgs84_here`].
pub type Conversion = fn(WorkingCrs, &str, Vec<Option<Geometry<f64>>>) -> Result<Vec<Option<Geometry<f64>>>>;

fn converted(t: &Transformer, layer: &str, feature: usize, g: Option<Geometry<f64>>) -> Result<Option<Geometry<f64>>> {
    match g {
        None => Ok(None),
        Some(mut g) => match t.geometry(&mut g) {
            Ok(()) => Ok(Some(g)),
            Err(e) => Err(Error::Internal(format!("layer {layer}, feature {feature}: cannot convert to WGS 84: {e}"))),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo_types::{point, LineString};

    const UTM50N: &str = "EPSG:32650";

    #[test]
    fn parallel_and_calling_thread_agree_and_keep_order() {
        let crs = WorkingCrs::parse(UTM50N).unwrap();
        let geometries: Vec<Option<Geometry<f64>>> = (0..200)
            .map(|i| (i % 7 != 3).then(|| Geometry::LineString(LineString::from(vec![(668_000.0 + i as f64, 3_546_000.0), (668_100.0, 3_546_100.0 + i as f64)]))))
            .collect();
        let all = to_wgs84_all(crs, "t", geometries.clone()).unwrap();
        let here = to_wgs84_here(crs, "t", geometries.clone()).unwrap();
        assert_eq!(all, here);
        assert_eq!(all.iter().filter(|g| g.is_none()).count(), geometries.iter().filter(|g| g.is_none()).count());
        // Order kept: the first vertex's longitude grows with the index (1 m east ≈ 1.06e-5° here).
        let lons: Vec<f64> = all.iter().flatten().map(|g| match g {
            Geometry::LineString(l) => l.0[0].x,
            _ => unreachable!(),
        }).collect();
        assert!(lons.windows(2).all(|w| w[1] > w[0]));
    }

    #[test]
    fn a_point_outside_the_crs_domain_names_the_layer_and_feature() {
        let crs = WorkingCrs::parse(UTM50N).unwrap();
        let bad = vec![Some(Geometry::Point(point! { x: 668_000.0, y: 3_546_000.0 })), Some(Geometry::Point(point! { x: f64::INFINITY, y: 0.0 }))];
        let e = to_wgs84_all(crs, "gates", bad.clone()).unwrap_err().to_string();
        assert!(e.contains("layer gates, feature 1"), "{e}");
        let lenient = to_wgs84_or_none(Some(crs), bad);
        assert!(lenient[0].is_some() && lenient[1].is_none());
        assert_eq!(to_wgs84_or_none(None, vec![Some(Geometry::Point(point! { x: 1.0, y: 2.0 }))]), vec![None]);
    }
}
