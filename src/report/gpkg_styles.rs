//! Storing QGIS styles inside a GeoPackage, in the `layer_styles` table QGIS itself uses, so that QGIS shows
//! every layer of `lifecircle.gpkg` styled when it is opened (QGIS reads the row whose `useAsDefault` is
//! true for the layer's table and geometry column: `QgsVectorLayer::loadDefaultStyle`), together with the
//! layers' titles and field aliases in the GeoPackage's own metadata tables, in the run's language.
//!
//! The table is created exactly as QGIS 3.22 / GDAL create it when a user saves a style to a GeoPackage
//! (checked against `QgsVectorLayer::saveStyleToDatabase` output): an `id` primary key, `f_table_catalog`,
//! `f_table_schema`, `f_table_name`, `f_geometry_column`, `styleName`, `styleQML`, `styleSLD`,
//! `useAsDefault` (BOOLEAN), `description`, `owner`, `ui`, `update_time` (ISO 8601 UTC, default now), and
//! registered in `gpkg_contents` as an `attributes` table (OGC GeoPackage 1.3 §2.4) so GDAL lists it. QGIS
//! looks rows up with `f_table_schema = ''`, so catalog and schema are written as empty strings, never NULL.
//!
//! Field aliases go to two places: the QML's `<aliases>` (what QGIS 3.22 shows), and the GeoPackage Schema
//! extension (OGC GeoPackage 1.3 Annex F.9, `gpkg_schema`): one `gpkg_data_columns` row per field with
//! `title` = the alias, for any other reader of the file. GDAL 3.6 does not write titles; it creates the
//! table itself for JSON fields (rows with `mime_type = 'application/json'`), so a row is added or its
//! `title` set, never replaced, and `name` is left alone (GDAL's table declares it unique across the
//! whole file, which aliases such as 人口 are not). A layer's title goes to its `gpkg_contents` row
//! (`identifier`, unique per file, and `description`) and to its style row's `description`.
//!
//! Steps, all SQL through GDAL's GeoPackage driver (`GDALDatasetExecuteSQL`, which hands non-SELECT statements
//! to SQLite) in one transaction, after GDAL has written and closed the layers (on the staged file, before
//! the rename):
//! 1. `CREATE TABLE IF NOT EXISTS layer_styles (...)` and its `gpkg_contents` row if missing;
//! 2. per styled layer: delete an earlier row of the same layer and style name (re-runs do not pile up rows),
//!    insert the new QML with `useAsDefault = 1`;
//! 3. `gpkg_data_columns` and `gpkg_data_column_constraints` created if missing, with their `gpkg_extensions`
//!    rows; per field with an alias, its row added or its `title` set;
//! 4. per layer, `gpkg_contents.identifier` and `description` set to its title (unless another table
//!    already has that identifier).
//!
//! A layer passed in but absent from the GeoPackage is skipped (the function returns the layers it styled).

use crate::error::{Error, Result};
use crate::write::layer::Layer;
use crate::report::styles::{LayerStyle, layer_style};
use crate::report::wording::Wording;
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

/// The Schema extension's tables (GeoPackage 1.3 Annex F.9) and `gpkg_extensions` (§2.5.2), as the
/// specification defines them, created when missing.
const CREATE_SCHEMA_EXTENSION: [&str; 3] = [
    "CREATE TABLE IF NOT EXISTS gpkg_extensions (table_name TEXT, column_name TEXT, extension_name TEXT NOT NULL,\
 definition TEXT NOT NULL, scope TEXT NOT NULL, CONSTRAINT ge_tce UNIQUE (table_name, column_name, extension_name))",
    "CREATE TABLE IF NOT EXISTS gpkg_data_columns (table_name TEXT NOT NULL, column_name TEXT NOT NULL, name TEXT,\
 title TEXT, description TEXT, mime_type TEXT, constraint_name TEXT, CONSTRAINT pk_gdc PRIMARY KEY (table_name, column_name),\
 CONSTRAINT gdc_tn UNIQUE (table_name, name))",
    "CREATE TABLE IF NOT EXISTS gpkg_data_column_constraints (constraint_name TEXT NOT NULL, constraint_type TEXT NOT NULL,\
 value TEXT, min NUMERIC, min_is_inclusive BOOLEAN, max NUMERIC, max_is_inclusive BOOLEAN, description TEXT,\
 CONSTRAINT gdcc_ntv UNIQUE (constraint_name, constraint_type, value))",
];

/// The extension's definition, as GDAL registers it.
const SCHEMA_EXTENSION_DEFINITION: &str = "http://www.geopackage.org/spec121/#extension_schema";

/// An SQL string literal.
fn sql_text(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// The default styles lifecircle stored in the GeoPackage at `gpkg` for the tables `layers` (QML, title,
/// field aliases), to copy them to another GeoPackage with the same tables ([`store_layer_styles`]): the
/// merged GeoPackage of `batch --merge` opens styled like an area's. A table without a stored style is
/// left out; a file without `layer_styles` gives none.
pub fn read_layer_styles(gpkg: &Path, layers: &[&str]) -> Result<Vec<LayerStyle>> {
    let dataset = Dataset::open_ex(gpkg, DatasetOptions { open_flags: GdalOpenFlags::GDAL_OF_VECTOR, allowed_drivers: Some(&["GPKG"]), ..Default::default() })
        .map_err(|e| Error::input(gpkg, format!("cannot be opened as a GeoPackage: {e}"), "give the folders `lifecircle batch` wrote, unchanged"))?;
    if dataset.layer_by_name("layer_styles").is_err() {
        return Ok(Vec::new());
    }
    let rows = |sql: &str, columns: usize| -> Result<Vec<Vec<String>>> {
        let result = dataset.execute_sql(sql, None, Dialect::DEFAULT).map_err(|e| Error::input(gpkg, format!("cannot read its styles ({e})"), "give the folders `lifecircle batch` wrote, unchanged"))?;
        Ok(match result {
            None => Vec::new(),
            Some(mut set) => set.features().map(|f| (0..columns).map(|i| f.field_as_string(i).ok().flatten().unwrap_or_default()).collect()).collect(),
        })
    };
    let has_data_columns = dataset.layer_by_name("gpkg_data_columns").is_ok();
    let mut styles = Vec::new();
    for layer in layers {
        let name = sql_text(layer);
        let found = rows(&format!("SELECT styleQML, description FROM layer_styles WHERE f_table_name = {name} AND styleName = {} AND useAsDefault ORDER BY id DESC LIMIT 1", sql_text(STYLE_NAME)), 2)?;
        let Some(row) = found.first() else { continue };
        let aliases = if has_data_columns {
            rows(&format!("SELECT column_name, title FROM gpkg_data_columns WHERE table_name = {name} AND title IS NOT NULL AND title <> '' ORDER BY rowid"), 2)?.into_iter().map(|r| (r[0].clone(), r[1].clone())).collect()
        } else {
            Vec::new()
        };
        styles.push(LayerStyle { layer: layer.to_string(), title: row[1].clone(), qml: Some(row[0].clone()).filter(|q| !q.is_empty()), aliases });
    }
    Ok(styles)
}

/// Store the style of each of `layers` in the GeoPackage at `gpkg` (already written, e.g. by
/// `write::geopackage`), as that layer's default style, with its title and field aliases in the language of
/// `wording`. Returns the names of the layers styled, in order.
pub fn store_styles_in_geopackage(gpkg: &Path, layers: &[&Layer], wording: &Wording) -> Result<Vec<String>> {
    let styles: Vec<LayerStyle> = layers.iter().map(|l| layer_style(l, wording)).collect();
    store_layer_styles(gpkg, &styles)
}

/// Store styles made earlier ([`layer_style`]), as in [`store_styles_in_geopackage`]: for layers already
/// written and dropped, whose styles were made while they were at hand.
pub fn store_layer_styles<'a>(gpkg: &Path, styles: impl IntoIterator<Item = &'a LayerStyle>) -> Result<Vec<String>> {
    let cannot = |problem: String| Error::output(gpkg, problem);
    let options = DatasetOptions { open_flags: GdalOpenFlags::GDAL_OF_VECTOR | GdalOpenFlags::GDAL_OF_UPDATE, allowed_drivers: Some(&["GPKG"]), ..Default::default() };
    let mut dataset = Dataset::open_ex(gpkg, options).map_err(|e| cannot(format!("cannot open it as a GeoPackage for update: {e}")))?;

    // Geometry column of each layer present, read before the transaction borrows the dataset.
    let mut targets: Vec<(&LayerStyle, String)> = Vec::new();
    for style in styles {
        let Ok(gpkg_layer) = dataset.layer_by_name(&style.layer) else { continue };
        let geometry_column = gpkg_layer.defn().geom_fields().next().map(|g| g.name()).unwrap_or_default();
        targets.push((style, geometry_column));
    }

    let transaction = dataset.start_transaction().map_err(|e| cannot(format!("cannot start a transaction: {e}")))?;
    let run = |ds: &Dataset, sql: &str| -> Result<()> {
        ds.execute_sql(sql, None, Dialect::DEFAULT).map(|_| ()).map_err(|e| cannot(format!("SQL failed ({e}): {}", sql.chars().take(120).collect::<String>())))
    };
    run(&transaction, CREATE_LAYER_STYLES)?;
    run(&transaction, REGISTER_LAYER_STYLES)?;
    for sql in CREATE_SCHEMA_EXTENSION {
        run(&transaction, sql)?;
    }
    for table in ["gpkg_data_columns", "gpkg_data_column_constraints"] {
        run(
            &transaction,
            &format!(
                "INSERT INTO gpkg_extensions (table_name, column_name, extension_name, definition, scope) SELECT {t}, NULL, 'gpkg_schema', {d}, 'read-write' \
                 WHERE NOT EXISTS (SELECT 1 FROM gpkg_extensions WHERE table_name = {t} AND column_name IS NULL AND extension_name = 'gpkg_schema')",
                t = sql_text(table),
                d = sql_text(SCHEMA_EXTENSION_DEFINITION)
            ),
        )?;
    }
    for (style, geometry_column) in &targets {
        let name = sql_text(&style.layer);
        let title = sql_text(&style.title);
        if let Some(qml) = &style.qml {
            run(&transaction, &format!("DELETE FROM layer_styles WHERE f_table_name = {name} AND styleName = {}", sql_text(STYLE_NAME)))?;
            run(&transaction, &format!("UPDATE layer_styles SET useAsDefault = 0 WHERE f_table_name = {name}"))?;
            run(
                &transaction,
                &format!(
                    "INSERT INTO layer_styles (f_table_catalog, f_table_schema, f_table_name, f_geometry_column, styleName, styleQML, styleSLD, useAsDefault, description, owner, ui) \
                     VALUES ('', '', {name}, {}, {}, {}, '', 1, {title}, '', '')",
                    sql_text(geometry_column),
                    sql_text(STYLE_NAME),
                    sql_text(qml)
                ),
            )?;
        }
        for (field, alias) in &style.aliases {
            run(
                &transaction,
                &format!(
                    "INSERT INTO gpkg_data_columns (table_name, column_name, title) VALUES ({name}, {}, {}) \
                     ON CONFLICT (table_name, column_name) DO UPDATE SET title = excluded.title",
                    sql_text(field),
                    sql_text(alias)
                ),
            )?;
        }
        run(
            &transaction,
            &format!(
                "UPDATE gpkg_contents SET identifier = {title}, description = {title} WHERE table_name = {name} \
                 AND NOT EXISTS (SELECT 1 FROM gpkg_contents WHERE identifier = {title} AND table_name <> {name})"
            ),
        )?;
    }
    transaction.commit().map_err(|e| cannot(format!("cannot commit the styles: {e}")))?;
    Ok(targets.into_iter().map(|(style, _)| style.layer.clone()).collect())
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
        let err = store_styles_in_geopackage(&path, &[], &Wording::default_profile(crate::lang::Lang::Zh)).unwrap_err();
        assert!(err.to_string().contains("x.gpkg"), "{err}");
        assert_eq!(err.exit_code(), 2);
    }
}
