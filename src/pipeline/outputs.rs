//! Where and how a command writes: the output folder checked before any work, the layers in the chosen
//! format (RFC 7946 GeoJSON files or one GeoPackage), the rejects, the CSV tables and the JSON summaries —
//! all into a staging folder ([`atomic::StagingFolder`]) moved into place once everything is written, so a
//! run that fails half-way (a full disk) leaves no partial set of outputs behind.

use crate::error::{Error, Result};
use crate::pipeline::load::Loaded;
use crate::read::survey;
use crate::write::layer::{Layer, OutputLayer};
use crate::write::{atomic, csv_table, geojson, geopackage, model_layers, rejects};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Output file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OutputFormat {
    /// One RFC 7946 GeoJSON file per layer.
    #[default]
    GeoJson,
    /// One GeoPackage, `lifecircle.gpkg`, holding every layer.
    GeoPackage,
}

/// Where and how results are written.
#[derive(Debug, Clone)]
pub struct OutputSpec {
    pub dir: PathBuf,
    pub format: OutputFormat,
    /// The language of what a person reads: report, map, QGIS styles (legends, layer titles, field aliases).
    pub lang: crate::lang::Lang,
    /// `--out-crs`: the CRS of the GeoPackage (GeoJSON stays WGS 84, RFC 7946); `None`: WGS 84.
    pub out_crs: Option<crate::crs::gauss_kruger::OutCrs>,
}

/// Create the output folder and check that it can be written, before any work is done.
pub fn prepare_output(out: &OutputSpec) -> Result<()> {
    if out.dir.exists() && !out.dir.is_dir() {
        return Err(Error::output(&out.dir, "it is a file, not a folder; pass --out with a folder name"));
    }
    std::fs::create_dir_all(&out.dir).map_err(|e| Error::output(&out.dir, e))?;
    let probe = out.dir.join(format!(".lifecircle-write-test-{}", std::process::id()));
    std::fs::write(&probe, b"").map_err(|e| Error::output(&out.dir, e))?;
    let _ = std::fs::remove_file(&probe);
    Ok(())
}

/// Write a value as pretty JSON, atomically.
pub fn write_json<T: Serialize>(path: &Path, value: &T) -> Result<()> {
    let mut tree = serde_json::to_value(value).map_err(|e| Error::Internal(format!("serialising {}: {e}", path.display())))?;
    drop_negative_zeros(&mut tree);
    let mut bytes = serde_json::to_vec_pretty(&tree).map_err(|e| Error::Internal(format!("serialising {}: {e}", path.display())))?;
    bytes.push(b'\n');
    atomic::write_bytes_atomically(path, &bytes)
}

/// Replace every `-0.0` in a JSON tree by `0.0` (see [`crate::write::layer::without_negative_zero`]).
pub fn drop_negative_zeros(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Number(n) => {
            if let Some(x) = n.as_f64()
                && x == 0.0
                && x.is_sign_negative()
                && let Some(zero) = serde_json::Number::from_f64(0.0)
            {
                *n = zero;
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(drop_negative_zeros),
        serde_json::Value::Object(map) => map.values_mut().for_each(drop_negative_zeros),
        _ => {}
    }
}

/// Write a run's map layers (in the chosen format), its rejects, the survey report and CSV tables into the
/// staging folder `stage`; returns the staged paths. `map_layers` must not hold the rejects: they are
/// added here (a GeoPackage table, or `rejects.geojson` with `rejects.csv` for unlocated rejects). Every
/// layer gets its QGIS style in `lang` (legend, field aliases): stored in the GeoPackage, or a `.qml`
/// beside each GeoJSON file.
pub fn write_run_outputs(stage: &Path, out: &OutputSpec, loaded: &Loaded, map_layers: &[OutputLayer<'_>], tables: &[(&str, &Layer)]) -> Result<Vec<PathBuf>> {
    let (format, lang) = (out.format, out.lang);
    let wording = crate::report::Wording::new(lang, &loaded.profile);
    let mut files = match format {
        OutputFormat::GeoPackage => {
            // The layers and then the rejects, written one after the other (not copied into one list: a
            // city's network layer alone is millions of rows).
            let rejects = model_layers::rejects_layer(&loaded.dataset.rejects, Some(loaded.crs));
            let path = stage.join("lifecircle.gpkg");
            let mut writer = geopackage::GeoPackageWriter::create(&path)?.with_out_crs(out.out_crs);
            for layer in map_layers {
                writer.write_output(layer)?;
            }
            writer.write(&rejects)?;
            writer.finish()?;
            let styles: Vec<crate::report::LayerStyle> = map_layers.iter().map(OutputLayer::style_source).chain([&rejects]).map(|l| crate::report::layer_style(l, &wording)).collect();
            crate::report::store_layer_styles(&path, &styles)?;
            crate::write::geopackage::store_provenance(&path, &loaded.provenance)?;
            vec![path]
        }
        OutputFormat::GeoJson => {
            let mut files = Vec::new();
            for layer in map_layers {
                let path = geojson_path(stage, &layer.schema().name);
                write_output_geojson(&path, layer)?;
                files.push(path);
            }
            let rejects_files = rejects::write_rejects(stage, &loaded.dataset.rejects, Some(loaded.crs))?;
            // The rejects' style (aliases, and the names of their reason codes) from the rejects as a layer.
            let rejects_layer = model_layers::rejects_layer(&loaded.dataset.rejects, Some(loaded.crs));
            for layer in map_layers.iter().map(OutputLayer::style_source).chain(rejects_files.iter().any(|f| f.ends_with("rejects.geojson")).then_some(&rejects_layer)) {
                files.extend(crate::report::write_qml_beside(&stage.join(format!("{}.geojson", layer.name)), layer, &wording)?);
            }
            files.extend(rejects_files);
            files
        }
    };
    if let Some(report) = &loaded.survey {
        files.push(write_survey_report(stage, report)?);
    }
    for (name, table) in tables {
        let path = stage.join(name);
        csv_table::write_layer_csv(&path, table)?;
        files.push(path);
    }
    Ok(files)
}

/// `survey_unmatched.csv` in `dir`: the survey rows that were not applied, and why.
pub(crate) fn write_survey_report(dir: &Path, report: &survey::SurveyReport) -> Result<PathBuf> {
    let path = dir.join("survey_unmatched.csv");
    survey::write_survey_report_csv(&path, report)?;
    Ok(path)
}

/// Outputs a run writes only in some cases: `rejects.csv` when some reject has no geometry,
/// `survey_unmatched.csv` when a survey is given.
const OCCASIONAL_OUTPUTS: [&str; 2] = ["rejects.csv", "survey_unmatched.csv"];

/// Move a run's staged files into the output folder and remove the occasional outputs an earlier run
/// left there that this run did not write (they would describe the earlier run).
pub(crate) fn commit_run(stage: atomic::StagingFolder, files: &[PathBuf]) -> Result<Vec<PathBuf>> {
    stage.commit_superseding(files, &OCCASIONAL_OUTPUTS)
}

/// Rows per layer (whole or parted), rejects left out.
pub(crate) fn output_layer_counts(layers: &[OutputLayer<'_>]) -> BTreeMap<String, usize> {
    layers.iter().filter(|l| l.schema().name != "rejects").map(|l| (l.schema().name.clone(), l.len())).collect()
}

/// The paths files will have once the stage is committed into `out`.
pub(crate) fn final_paths(stage: &Path, out: &Path, files: &[PathBuf]) -> Vec<String> {
    files.iter().map(|p| out.join(p.strip_prefix(stage).unwrap_or(p)).display().to_string()).collect()
}

/// Write a layer's GeoJSON copy and its `.qml` style (made once by the caller, who also stores it in the
/// GeoPackage) beside it; returns the files written.
pub(crate) fn write_geojson_with_style(geojson_dir: &Path, layer: &Layer, style: &crate::report::LayerStyle) -> Result<Vec<PathBuf>> {
    geojson_and_style(geojson_dir, &layer.name, style, |path| geojson::write_geojson(path, layer))
}

/// [`write_geojson_with_style`] for a layer whole or made a part at a time ([`OutputLayer`]).
pub(crate) fn write_output_geojson_with_style(geojson_dir: &Path, layer: &OutputLayer<'_>, style: &crate::report::LayerStyle) -> Result<Vec<PathBuf>> {
    geojson_and_style(geojson_dir, &layer.schema().name, style, |path| write_output_geojson(path, layer))
}

/// A layer whole or made a part at a time ([`OutputLayer`]) as a GeoJSON file at `path`, atomically.
pub(crate) fn write_output_geojson(path: &Path, layer: &OutputLayer<'_>) -> Result<()> {
    match layer {
        OutputLayer::Whole(l) => geojson::write_geojson(path, l),
        OutputLayer::Parted(parted) => {
            let mut stream = geojson::GeoJsonStream::create(path, &parted.schema.name)?;
            for part in parted.parts() {
                stream.write(&part?)?;
            }
            stream.finish()
        }
    }
}

/// The path of layer `name`'s GeoJSON copy in `geojson_dir`.
pub(crate) fn geojson_path(geojson_dir: &Path, name: &str) -> PathBuf {
    geojson_dir.join(format!("{name}.geojson"))
}

/// Layer `name`'s GeoJSON copy, written by `write` at [`geojson_path`], and its `.qml` style beside it;
/// returns the files written.
pub(crate) fn geojson_and_style(geojson_dir: &Path, name: &str, style: &crate::report::LayerStyle, write: impl FnOnce(&Path) -> Result<()>) -> Result<Vec<PathBuf>> {
    let path = geojson_path(geojson_dir, name);
    write(&path)?;
    let style = style.qml.as_deref().map(|q| crate::report::styles::write_qml_text_beside(&path, q)).transpose()?;
    Ok(std::iter::once(path).chain(style).collect())
}

/// Write `text` (a CSV table made in memory) to `dir/name`, atomically, and return its path.
pub(crate) fn write_text_file(dir: &Path, name: &str, text: &str) -> Result<PathBuf> {
    let path = dir.join(name);
    atomic::write_bytes_atomically(&path, text.as_bytes())?;
    Ok(path)
}

/// Write `value` as pretty JSON to `dir/name` and return its path.
/// Write `value` (a JSON object) as `dir/name` with the run's provenance added as its `provenance` member.
pub(crate) fn write_json_with_provenance<T: Serialize>(dir: &Path, name: &str, value: &T, provenance: &crate::provenance::Provenance) -> Result<PathBuf> {
    let mut json = serde_json::to_value(value).map_err(|e| crate::error::Error::Internal(format!("{name}: {e}")))?;
    if let Some(object) = json.as_object_mut() {
        let member = serde_json::to_value(provenance).map_err(|e| crate::error::Error::Internal(format!("{name}: provenance: {e}")))?;
        object.insert("provenance".to_string(), member);
    }
    write_json_file(dir, name, &json)
}

pub(crate) fn write_json_file<T: Serialize>(dir: &Path, name: &str, value: &T) -> Result<PathBuf> {
    let path = dir.join(name);
    write_json(&path, value)?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_files_never_hold_a_negative_zero() {
        #[derive(Serialize)]
        struct Figures {
            bundled_population: f64,
            shares: Vec<f64>,
            count: i64,
        }
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("summary.json");
        write_json(&path, &Figures { bundled_population: -0.0, shares: vec![-0.0 * 5.0, -1.5], count: 0 }).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(!text.contains("-0.0") && !text.contains("-0,") && !text.contains("-0\n"), "{text}");
        assert!(text.contains("\"bundled_population\": 0.0") && text.contains("-1.5"), "{text}");
    }
}
