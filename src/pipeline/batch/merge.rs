//! `lifecircle batch --merge DIR... --out DIR`: the folders of the N shards of one batch
//! ([`super::shard`]) combined into what one unsharded batch gives, plus the layers of every area in one
//! place:
//! - `batch_summary.csv`: every shard's rows, by area id, with the columns of an unsharded batch's (the
//!   `folder` column names the area's folder where the merge found it);
//! - `batch.gpkg`: one table per kind of layer ([`MERGED_LAYERS`]: `estates`, `bundles`), each feature
//!   with the `area_id` of its area in a first field, areas in id order and features in their order; in
//!   the areas' CRS when they share one (WGS 84 by default, or `--out-crs`), else in WGS 84; with the
//!   QGIS styles, titles and field aliases the areas' GeoPackages store, so it opens styled;
//! - `estates.parquet`, `bundles.parquet`: GeoParquet 1.0 copies of those tables (WGS 84 lon/lat,
//!   [`crate::write::geoparquet`]) for DuckDB, Apache Sedona or GeoPandas;
//! - `merge.json`: the shards merged, the areas, the features per layer.
//!
//! Before anything is written, the shards are checked ([`super::shard::check_complete`]): every shard
//! 1 … N once, all of one batch (same N, inputs, options, lifecircle version), every area once, each
//! shard's table holding exactly its areas; else exit 2 naming the folder at fault. An area that failed
//! in its shard stays `failed` in the table and has no features; the merge then exits 2 like the batch.

use super::shard::{self, ShardRecord};
use super::{AreaOutcome, AreaStatus, batch_table, folder_name};
use crate::error::{Error, Result};
use crate::read::gdal_vector::read_output_layer;
use crate::write::layer::{Field, FieldType, GeometryKind, Layer, Value};
use crate::write::{csv_table, geopackage, geoparquet};
use rayon::prelude::*;
use serde::Serialize;
use std::path::{Path, PathBuf};

/// The layers of the areas' GeoPackages combined by the merge.
pub const MERGED_LAYERS: [&str; 2] = ["estates", "bundles"];

/// The merged GeoPackage's file name.
pub const MERGED_GEOPACKAGE: &str = "batch.gpkg";

/// The field the merge puts first in every merged layer.
pub const AREA_ID_FIELD: &str = "area_id";

/// `merge.json`.
#[derive(Debug, Clone, Serialize)]
pub struct MergeSummary {
    pub shards: usize,
    pub shard_folders: Vec<String>,
    pub batch_sha256: String,
    pub areas: usize,
    pub failed: Vec<String>,
    /// The CRS of the merged GeoPackage's tables.
    pub crs: String,
    /// Features per merged layer.
    pub layers: std::collections::BTreeMap<String, usize>,
    pub files: Vec<String>,
}

/// The rows of a shard's `batch_summary.csv`, with each area's folder where the merge finds it (`dir`).
fn read_shard_table(dir: &Path) -> Result<Vec<AreaOutcome>> {
    let path = dir.join("batch_summary.csv");
    let bad = |problem: String| Error::input(&path, problem, "give the folders `lifecircle batch --shard K/N` wrote, unchanged");
    let text = std::fs::read_to_string(&path).map_err(|e| bad(format!("cannot be read: {e}")))?;
    let mut reader = csv::Reader::from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let headers = reader.headers().map_err(|e| bad(e.to_string()))?.clone();
    let column = |name: &str| headers.iter().position(|h| h == name).ok_or_else(|| bad(format!("has no column `{name}`")));
    let [id, status, estates, population, bundles, mean_score, error] = ["area_id", "status", "estates", "population", "bundles", "mean_score", "error"].map(column);
    let (id, status, estates, population, bundles, mean_score, error) = (id?, status?, estates?, population?, bundles?, mean_score?, error?);
    let mut rows = Vec::new();
    for (n, record) in reader.records().enumerate() {
        let record = record.map_err(|e| bad(e.to_string()))?;
        let cell = |i: usize| record.get(i).filter(|s| !s.is_empty());
        let number = |i: usize| cell(i).map(|s| s.parse::<f64>().map_err(|_| bad(format!("row {}: `{s}` is not a number", n + 1)))).transpose();
        let count = |i: usize| cell(i).map(|s| s.parse::<usize>().map_err(|_| bad(format!("row {}: `{s}` is not a count", n + 1)))).transpose();
        let area_id = cell(id).ok_or_else(|| bad(format!("row {} has no area_id", n + 1)))?.to_string();
        let status = match cell(status) {
            Some("done") => AreaStatus::Done,
            Some("skipped") => AreaStatus::Skipped,
            Some("failed") => AreaStatus::Failed,
            other => return Err(bad(format!("row {}: status `{}` is not done, skipped or failed", n + 1, other.unwrap_or("")))),
        };
        rows.push(AreaOutcome {
            folder: dir.join(folder_name(&area_id)),
            area_id,
            status,
            estates: count(estates)?,
            population: number(population)?,
            bundles: count(bundles)?,
            mean_score: number(mean_score)?,
            error: cell(error).map(str::to_string),
        });
    }
    Ok(rows)
}

/// Each shard's folder with its record.
pub type ShardFolders = Vec<(PathBuf, ShardRecord)>;

/// Read every shard's record and table and check them; the table's rows, by area id.
pub fn read_shards(dirs: &[PathBuf]) -> Result<(ShardFolders, Vec<AreaOutcome>)> {
    let records: ShardFolders = dirs.iter().map(|d| Ok((d.clone(), ShardRecord::read(d)?))).collect::<Result<_>>()?;
    shard::check_complete(&records)?;
    let mut outcomes = Vec::new();
    for (dir, record) in &records {
        let rows = read_shard_table(dir)?;
        let listed: Vec<&str> = record.areas.iter().map(|a| a.area_id.as_str()).collect();
        let mut found: Vec<&str> = rows.iter().map(|r| r.area_id.as_str()).collect();
        found.sort_unstable();
        if found != listed {
            return Err(Error::input(
                dir.join("batch_summary.csv"),
                format!("lists areas {} but shard {}/{} holds {}", found.join(", "), record.shard, record.shards, listed.join(", ")),
                format!("run the shard again (`lifecircle batch ... --shard {}/{} --out {}`) and merge its folder as written", record.shard, record.shards, dir.display()),
            ));
        }
        outcomes.extend(rows);
    }
    outcomes.sort_by(|a, b| a.area_id.cmp(&b.area_id));
    Ok((records, outcomes))
}

/// One layer of every area, in area order, combined: `area_id` first, then the union of the areas'
/// fields in the order they first occur. A field with two types is an input error naming the file.
fn combine(name: &str, parts: Vec<(String, PathBuf, Layer)>) -> Result<Layer> {
    let mut fields: Vec<Field> = vec![Field { name: AREA_ID_FIELD.into(), ty: FieldType::Text }];
    let mut geometry = GeometryKind::Polygon;
    for (i, (_, path, layer)) in parts.iter().enumerate() {
        if i == 0 {
            geometry = layer.geometry;
        }
        for f in &layer.fields {
            if f.name == AREA_ID_FIELD {
                return Err(Error::input(path, format!("layer {name} has a field `{AREA_ID_FIELD}`, the field the merge adds"), "merge the folders `lifecircle batch` wrote, unchanged"));
            }
            match fields.iter().find(|g| g.name == f.name) {
                Some(g) if g.ty != f.ty => {
                    return Err(Error::input(path, format!("layer {name}, field {}: {:?} here, {:?} in an earlier area", f.name, f.ty, g.ty), "merge shards made by one lifecircle version with the same options"));
                }
                Some(_) => {}
                None => fields.push(f.clone()),
            }
        }
    }
    let mut merged = Layer { name: name.to_string(), geometry, fields, features: Vec::new() };
    for (area_id, _, layer) in parts {
        let positions: Vec<Option<usize>> = merged.fields.iter().map(|f| layer.field_index(&f.name)).collect();
        for feature in layer.features {
            let mut values = Vec::with_capacity(positions.len());
            values.push(Value::Text(area_id.clone()));
            values.extend(positions[1..].iter().map(|p| p.map_or(Value::Null, |i| feature.values[i].clone())));
            merged.push(feature.geometry, values);
        }
    }
    Ok(merged)
}

/// `layer`'s geometries from EPSG:`epsg` to WGS 84 lon/lat.
fn to_wgs84(mut layer: Layer, epsg: u32) -> Result<Layer> {
    if epsg == 4326 {
        return Ok(layer);
    }
    let from = format!("EPSG:{epsg}");
    let name = layer.name.clone();
    layer.features.par_iter_mut().enumerate().try_for_each(|(n, f)| match f.geometry.as_mut() {
        None => Ok(()),
        Some(g) => crate::crs::Transformer::with_cached(&from, "EPSG:4326", |t| t.geometry(g))?
            .map_err(|e| Error::Internal(format!("layer {name} feature {n}: cannot convert from {from} to WGS 84: {e}"))),
    })?;
    Ok(layer)
}

/// Merge the shard folders `dirs` into `out_dir`; the areas' outcomes, by id.
pub fn merge(dirs: &[PathBuf], out_dir: &Path) -> Result<(Vec<AreaOutcome>, MergeSummary)> {
    let (records, outcomes) = read_shards(dirs)?;
    let same = |a: &Path, b: &Path| match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    };
    if let Some(dir) = dirs.iter().find(|d| same(d, out_dir)) {
        return Err(Error::Usage(format!("--out {} is one of the shard folders ({}): give the merge a folder of its own", out_dir.display(), dir.display())));
    }
    std::fs::create_dir_all(out_dir).map_err(|e| Error::output(out_dir, e))?;
    let planned: Vec<&AreaOutcome> = outcomes.iter().filter(|o| o.status != AreaStatus::Failed).collect();
    // Per area, per merged layer: the table and its EPSG code (read in parallel, kept in area order).
    let tables: Vec<Vec<(Layer, u32)>> = planned
        .par_iter()
        .map(|o| {
            let gpkg = o.folder.join("lifecircle.gpkg");
            if !gpkg.is_file() {
                return Err(Error::input(&o.folder, format!("area {} is {} but its folder has no lifecircle.gpkg", o.area_id, o.status.as_str()), "run its shard again into the same folder (finished areas are kept), then merge"));
            }
            MERGED_LAYERS.iter().map(|name| read_output_layer(&gpkg, name)).collect()
        })
        .collect::<Result<_>>()?;
    let codes: std::collections::BTreeSet<u32> = tables.iter().flatten().map(|(_, code)| *code).collect();
    let shared_epsg = if codes.len() == 1 { codes.first().copied() } else { None };
    if shared_epsg.is_none() && !codes.is_empty() {
        tracing::warn!(crs = ?codes, "the areas' GeoPackages are in different CRSs; the merged GeoPackage is written in WGS 84 (EPSG:4326)");
    }
    let gpkg_epsg = shared_epsg.unwrap_or(4326);
    let mut per_layer: Vec<Vec<(String, PathBuf, Layer)>> = MERGED_LAYERS.iter().map(|_| Vec::new()).collect();
    for (o, layers) in planned.iter().zip(tables) {
        for (k, (layer, code)) in layers.into_iter().enumerate() {
            let layer = if code == gpkg_epsg { layer } else { to_wgs84(layer, code)? };
            per_layer[k].push((o.area_id.clone(), o.folder.join("lifecircle.gpkg"), layer));
        }
    }
    let merged: Vec<Layer> = MERGED_LAYERS.iter().zip(per_layer).map(|(name, parts)| combine(name, parts)).collect::<Result<_>>()?;

    csv_table::write_layer_csv(&out_dir.join("batch_summary.csv"), &batch_table(&outcomes))?;
    let mut files = vec!["batch_summary.csv".to_string(), MERGED_GEOPACKAGE.to_string()];
    // The GeoPackage, with the first area's stored QGIS styles (the same for every area of one batch),
    // styled under its temporary name and then renamed into place.
    let staged = crate::write::atomic::StagedPath::begin(&out_dir.join(MERGED_GEOPACKAGE), ".gpkg")?;
    let mut writer = geopackage::GeoPackageWriter::create(staged.temp())?.with_native_epsg(gpkg_epsg);
    for layer in &merged {
        writer.write(layer)?;
    }
    writer.finish()?;
    if let Some(first) = planned.first() {
        let styles = crate::report::read_layer_styles(&first.folder.join("lifecircle.gpkg"), &MERGED_LAYERS)?;
        crate::report::store_layer_styles(staged.temp(), &styles)?;
    }
    staged.commit()?;
    for layer in merged.iter() {
        let file = format!("{}.parquet", layer.name);
        let lon_lat = if gpkg_epsg == 4326 { None } else { Some(to_wgs84(layer.clone(), gpkg_epsg)?) };
        geoparquet::write_geoparquet(&out_dir.join(&file), lon_lat.as_ref().unwrap_or(layer))?;
        files.push(file);
    }
    let first = &records[0].1;
    let summary = MergeSummary {
        shards: first.shards,
        shard_folders: {
            let mut by_shard: Vec<&(PathBuf, ShardRecord)> = records.iter().collect();
            by_shard.sort_by_key(|(_, r)| r.shard);
            by_shard.iter().map(|(d, _)| d.display().to_string()).collect()
        },
        batch_sha256: first.batch_sha256.clone(),
        areas: outcomes.len(),
        failed: outcomes.iter().filter(|o| o.status == AreaStatus::Failed).map(|o| o.area_id.clone()).collect(),
        crs: format!("EPSG:{gpkg_epsg}"),
        layers: merged.iter().map(|l| (l.name.clone(), l.features.len())).collect(),
        files: {
            files.push("merge.json".into());
            files
        },
    };
    crate::pipeline::write_json(&out_dir.join("merge.json"), &summary)?;
    tracing::info!(shards = summary.shards, areas = summary.areas, failed = summary.failed.len(), "shards merged");
    Ok((outcomes, summary))
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo_types::{Geometry, point};

    fn table(fields: &[(&str, FieldType)], rows: Vec<Vec<Value>>) -> Layer {
        let mut l = Layer::new("estates", GeometryKind::Point, fields);
        for (i, r) in rows.into_iter().enumerate() {
            l.push(Some(Geometry::Point(point! { x: i as f64, y: 0.0 })), r);
        }
        l
    }

    #[test]
    fn combined_layers_put_the_area_first_and_take_the_union_of_fields() {
        let a = table(&[("estate_id", FieldType::Text), ("score", FieldType::Real)], vec![vec!["e1".into(), 0.5.into()], vec!["e2".into(), Value::Null]]);
        let b = table(&[("estate_id", FieldType::Text), ("bundle_id", FieldType::Text)], vec![vec!["e3".into(), "B1".into()]]);
        let merged = combine("estates", vec![("a".into(), "a.gpkg".into(), a), ("b".into(), "b.gpkg".into(), b)]).unwrap();
        let names: Vec<&str> = merged.fields.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, vec!["area_id", "estate_id", "score", "bundle_id"]);
        let rows: Vec<Vec<Value>> = merged.features.iter().map(|f| f.values.clone()).collect();
        assert_eq!(
            rows,
            vec![
                vec!["a".into(), "e1".into(), 0.5.into(), Value::Null],
                vec!["a".into(), "e2".into(), Value::Null, Value::Null],
                vec!["b".into(), "e3".into(), Value::Null, "B1".into()],
            ]
        );
        assert_eq!(merged.features[2].geometry, Some(Geometry::Point(point! { x: 0.0, y: 0.0 })));
        // No area: the layer has only the area field.
        assert_eq!(combine("bundles", Vec::new()).unwrap().fields.len(), 1);
        // A field with two types names the file.
        let c = table(&[("score", FieldType::Text)], vec![]);
        let d = table(&[("score", FieldType::Real)], vec![]);
        let e = combine("estates", vec![("c".into(), "c.gpkg".into(), c), ("d".into(), "d.gpkg".into(), d)]).unwrap_err().to_string();
        assert!(e.starts_with("d.gpkg: layer estates, field score"), "{e}");
    }

    #[test]
    fn a_shard_table_reads_back_to_the_rows_it_was_written_from() {
        let dir = tempfile::tempdir().unwrap();
        let rows = vec![
            AreaOutcome { area_id: "东区".into(), folder: "x".into(), status: AreaStatus::Done, estates: Some(3), population: Some(4500.25), bundles: Some(1), mean_score: Some(0.123456789), error: None },
            AreaOutcome { area_id: "west".into(), folder: "x".into(), status: AreaStatus::Failed, estates: None, population: None, bundles: None, mean_score: None, error: Some("bad, \"quoted\" input".into()) },
        ];
        csv_table::write_layer_csv(&dir.path().join("batch_summary.csv"), &batch_table(&rows)).unwrap();
        let back = read_shard_table(dir.path()).unwrap();
        assert_eq!(back[0].folder, dir.path().join("东区"));
        assert_eq!(back[1].error, rows[1].error);
        // Written again, the table is the same bytes: the numbers keep their rounding.
        let again = tempfile::tempdir().unwrap();
        let with_folders = |mut r: Vec<AreaOutcome>| {
            r.iter_mut().for_each(|o| o.folder = "x".into());
            r
        };
        csv_table::write_layer_csv(&again.path().join("batch_summary.csv"), &batch_table(&with_folders(back))).unwrap();
        assert_eq!(std::fs::read(dir.path().join("batch_summary.csv")).unwrap(), std::fs::read(again.path().join("batch_summary.csv")).unwrap());
        std::fs::write(dir.path().join("batch_summary.csv"), "area_id,status\na,lost\n").unwrap();
        let e = read_shard_table(dir.path()).unwrap_err().to_string();
        assert!(e.contains("batch_summary.csv: has no column `estates`"), "{e}");
    }
}
