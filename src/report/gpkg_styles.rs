//! Storing QGIS styles inside a GeoPackage, in the `layer_styles` table QGIS itself uses, so that QGIS shows
//! every layer of `lifecircle.gpkg` styled when it is opened (QGIS reads the row whose `useAsDefault` is
//! true for the layer's table and geometry column: `QgsVectorLayer::loadDefaultStyle`).
//!
//! The table is created exactly as QGIS 3.22 / GDAL create it when a user saves a style to a GeoPackage
//! (checked against `QgsVectorLayer::saveStyleToDatabase` output): an `id` primary key, `f_table_catalog`,
//! `f_table_schema`, `f_table_name`, `f_geometry_column`, `styleName`, `styleQML`, `styleSLD`,
//! `useAsDefault` (BOOLEAN), `description`, `owner`, `ui`, `update_time` (ISO 8601 UTC, default now), and
//! registered in `gpkg_contents` as an `attributes` table (OGC GeoPackage 1.3 §2.4) so GDAL lists it. QGIS
//! looks rows up with `f_table_schema = ''`, so catalog and schema are written as empty strings, never NULL.
//!
//! Steps, all SQL through GDAL's GeoPackage driver (`GDALDatasetExecuteSQL`, which hands non-SELECT statements
//! to SQLite) in one transaction:
//! 1. `CREATE TABLE IF NOT EXISTS layer_styles (...)` and its `gpkg_contents` row if missing;
//! 2. per styled layer: delete an earlier row of the same layer and style name (re-runs do not pile up rows),
//!    insert the new QML with `useAsDefault = 1`.
//!
//! A layer passed in but absent from the GeoPackage is skipped (the function returns the layers it styled).

use crate::error::{Error, Result};
use crate::write::layer::Layer;
use crate::report::styles::qml_for_layer;
use gdal::vector::LayerAccess;
use gdal::vector::sql::Dialect;
use gdal::{Dataset, DatasetOptions, GdalOpenFlags};
use std::path::Path;

/// The `styleName` lifecircle writes.
pub const STYLE_NAME: &str = "lifecircle";

const CREATE_LAYER_STYLES: &str = "CREATE TABLE IF NOT EXISTS layer_styles (\
 id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, f_table_catalog TEXT(256), f_table_schema TEXT(256),\
 f_table_name TEXT(256), f_geometry_column TEXT(256), styleName TEXT(30), styleQML TEXT, styleSLD TEXT,\
 useAsDefault BOOLEAN, description TEXT, owner TEXT(30), ui TEXT(30),\
 update_time DATETIME DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')))";

const REGISTER_LAYER_STYLES: &str = "INSERT INTO gpkg_contents (table_name, data_type, identifier, description, last_change) \
 SELECT 'layer_styles', 'attributes', 'layer_styles', 'QGIS layer styles', strftime('%Y-%m-%dT%H:%M:%fZ','now') \
 WHERE NOT EXISTS (SELECT 1 FROM gpkg_contents WHERE table_name = 'layer_styles')";

/// An SQL string literal.
fn sql_text(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// Store the QML style of each of `layers` in the GeoPackage at `gpkg` (already written, e.g. by
/// `read::gdal_vector`), as that layer's default style. Returns the names of the layers styled, in order.
pub fn store_styles_in_geopackage(gpkg: &Path, layers: &[&Layer]) -> Result<Vec<String>> {
    let styles: Vec<(String, String)> = layers.iter().filter_map(|l| Some((l.name.clone(), qml_for_layer(l)?))).collect();
    store_qml_in_geopackage(gpkg, &styles)
}

/// Store QML styles, given as (layer name, QML) pairs, as in [`store_styles_in_geopackage`]: for layers
/// already written and dropped, whose QML was made while they were at hand.
pub fn store_qml_in_geopackage(gpkg: &Path, styles: &[(String, String)]) -> Result<Vec<String>> {
    let cannot = |problem: String| Error::output(gpkg, problem);
    let options = DatasetOptions { open_flags: GdalOpenFlags::GDAL_OF_VECTOR | GdalOpenFlags::GDAL_OF_UPDATE, allowed_drivers: Some(&["GPKG"]), ..Default::default() };
    let mut dataset = Dataset::open_ex(gpkg, options).map_err(|e| cannot(format!("cannot open it as a GeoPackage for update: {e}")))?;

    // Geometry column of each layer present, read before the transaction borrows the dataset.
    let mut targets: Vec<(String, String, String)> = Vec::new();
    for (name, qml) in styles {
        let Ok(gpkg_layer) = dataset.layer_by_name(name) else { continue };
        let geometry_column = gpkg_layer.defn().geom_fields().next().map(|g| g.name()).unwrap_or_default();
        targets.push((name.clone(), geometry_column, qml.clone()));
    }

    let transaction = dataset.start_transaction().map_err(|e| cannot(format!("cannot start a transaction: {e}")))?;
    let run = |ds: &Dataset, sql: &str| -> Result<()> {
        ds.execute_sql(sql, None, Dialect::DEFAULT).map(|_| ()).map_err(|e| cannot(format!("SQL failed ({e}): {}", sql.chars().take(120).collect::<String>())))
    };
    run(&transaction, CREATE_LAYER_STYLES)?;
    run(&transaction, REGISTER_LAYER_STYLES)?;
    for (name, geometry_column, qml) in &targets {
        run(&transaction, &format!("DELETE FROM layer_styles WHERE f_table_name = {} AND styleName = {}", sql_text(name), sql_text(STYLE_NAME)))?;
        run(&transaction, &format!("UPDATE layer_styles SET useAsDefault = 0 WHERE f_table_name = {}", sql_text(name)))?;
        let description = format!("lifecircle default style for {name}");
        run(
            &transaction,
            &format!(
                "INSERT INTO layer_styles (f_table_catalog, f_table_schema, f_table_name, f_geometry_column, styleName, styleQML, styleSLD, useAsDefault, description, owner, ui) \
                 VALUES ('', '', {}, {}, {}, {}, '', 1, {}, '', '')",
                sql_text(name),
                sql_text(geometry_column),
                sql_text(STYLE_NAME),
                sql_text(qml),
                sql_text(&description)
            ),
        )?;
    }
    transaction.commit().map_err(|e| cannot(format!("cannot commit the styles: {e}")))?;
    Ok(targets.into_iter().map(|(name, _, _)| name).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sql_literals_double_single_quotes() {
        assert_eq!(sql_text("it's"), "'it''s'");
        assert_eq!(sql_text("concat(\"category\", ' #')"), "'concat(\"category\", '' #'')'");
    }

    #[test]
    fn a_file_that_is_not_a_geopackage_is_an_output_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.gpkg");
        std::fs::write(&path, b"not sqlite").unwrap();
        let err = store_styles_in_geopackage(&path, &[]).unwrap_err();
        assert!(err.to_string().contains("x.gpkg"), "{err}");
        assert_eq!(err.exit_code(), 2);
    }
}
