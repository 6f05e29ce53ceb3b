//! Writing the rejects: every input feature that did not become part of the model, with its reason, so
//! nothing is dropped silently (DEVELOPERS.md, non-negotiables).
//!
//! `rejects.geojson` holds them all — those with a usable geometry on the map, the others with a
//! `null` geometry (RFC 7946 §3.2 allows unlocated features). When some have no geometry, a
//! spreadsheet-friendly `rejects.csv` (UTF-8 with a BOM so Excel shows Chinese text) lists all of them
//! too, since a map cannot show those. Both go through the atomic writer.
//!
//! ```
//! use lifecircle::model::{Reject, RejectCode};
//! let dir = tempfile::tempdir().unwrap();
//! let rejects = vec![Reject { source: "gates.geojson".into(), layer: "gates".into(), source_id: "7".into(), reason: RejectCode::NoGeometry.reason("the feature has no geometry"), geometry: None }];
//! let written = lifecircle::write::rejects::write_rejects(dir.path(), &rejects, None).unwrap();
//! assert_eq!(written.len(), 2); // rejects.geojson and rejects.csv
//! ```

use crate::crs::WorkingCrs;
use crate::error::Result;
use crate::write::atomic;
use crate::write::geojson::write_geojson;
use crate::write::model_layers::rejects_layer;
use crate::model::Reject;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Write `rejects.geojson` (always) and `rejects.csv` (when some reject has no geometry) into `dir`;
/// returns the files written. Geometries are in `crs` (the working CRS), `None` if none was chosen.
pub fn write_rejects(dir: &Path, rejects: &[Reject], crs: Option<WorkingCrs>) -> Result<Vec<PathBuf>> {
    let mut written = Vec::new();
    let geojson_path = dir.join("rejects.geojson");
    let layer = rejects_layer(rejects, crs);
    write_geojson(&geojson_path, &layer)?;
    written.push(geojson_path);
    if layer.features.iter().any(|f| f.geometry.is_none()) {
        let csv_path = dir.join("rejects.csv");
        write_rejects_csv(&csv_path, rejects, &layer.features.iter().map(|f| f.geometry.is_some()).collect::<Vec<_>>())?;
        written.push(csv_path);
    }
    Ok(written)
}

/// All rejects as CSV: source, layer, source_id, reason_code, reason, on_map (whether `rejects.geojson` shows it).
fn write_rejects_csv(path: &Path, rejects: &[Reject], on_map: &[bool]) -> Result<()> {
    atomic::write_atomically(path, |w| {
        w.write_all(b"\xEF\xBB\xBF")?;
        let mut csv = csv::Writer::from_writer(w);
        csv.write_record(["source", "layer", "source_id", "reason_code", "reason", "on_map"])?;
        for (r, shown) in rejects.iter().zip(on_map) {
            let code = r.code().map_or("", |c| c.key());
            csv.write_record([r.source.as_str(), r.layer.as_str(), r.source_id.as_str(), code, r.reason.as_str(), if *shown { "yes" } else { "no" }])?;
        }
        csv.flush()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo_types::{point, Geometry};

    fn reject(id: &str, geometry: Option<Geometry<f64>>) -> Reject {
        Reject { source: "estates.gpkg".into(), layer: "estates".into(), source_id: id.into(), reason: "duplicate_id: id `东1`, \"kept\" the first".into(), geometry }
    }

    #[test]
    fn all_rejects_in_geojson_and_csv_when_some_lack_geometry() {
        let dir = tempfile::tempdir().unwrap();
        let crs = Some(WorkingCrs { epsg: 32650 });
        let rejects = vec![reject("a", Some(Geometry::Point(point! { x: 668_069.39, y: 3_546_254.68 }))), reject("b", None)];
        let written = write_rejects(dir.path(), &rejects, crs).unwrap();
        assert_eq!(written, vec![dir.path().join("rejects.geojson"), dir.path().join("rejects.csv")]);
        let json: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&written[0]).unwrap()).unwrap();
        let features = json["features"].as_array().unwrap();
        assert_eq!(features.len(), 2);
        // (668069.39, 3546254.68) is (118.78, 32.04) to the centimetre.
        let lon_lat: Vec<f64> = features[0]["geometry"]["coordinates"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
        assert!((lon_lat[0] - 118.78).abs() < 1e-7 && (lon_lat[1] - 32.04).abs() < 1e-7, "{lon_lat:?}");
        assert!(features[1]["geometry"].is_null());
        assert_eq!(features[1]["properties"]["source_id"], "b");
        let csv = std::fs::read_to_string(&written[1]).unwrap();
        assert_eq!(
            csv,
            "\u{feff}source,layer,source_id,reason_code,reason,on_map\n\
             estates.gpkg,estates,a,duplicate_id,\"duplicate_id: id `东1`, \"\"kept\"\" the first\",yes\n\
             estates.gpkg,estates,b,duplicate_id,\"duplicate_id: id `东1`, \"\"kept\"\" the first\",no\n"
        );
    }

    #[test]
    fn no_csv_when_every_reject_is_on_the_map_and_empty_is_fine() {
        let dir = tempfile::tempdir().unwrap();
        let rejects = vec![reject("a", Some(Geometry::Point(point! { x: 668_069.39, y: 3_546_254.68 })))];
        assert_eq!(write_rejects(dir.path(), &rejects, Some(WorkingCrs { epsg: 32650 })).unwrap().len(), 1);
        let empty = write_rejects(dir.path(), &[], None).unwrap();
        assert_eq!(empty.len(), 1);
        assert!(std::fs::read_to_string(&empty[0]).unwrap().contains("\"features\":[\n]}"));
    }
}
