//! QGIS styles of the planner's package: `.qml` files beside GeoJSON, and the `layer_styles` table of a
//! GeoPackage written with GDAL, read back with GDAL.

mod report_fixture;

use gdal::vector::LayerAccess;
use gdal::vector::sql::Dialect;
use gdal::Dataset;
use lifecircle::write::layer::Layer;
use lifecircle::report::gpkg_styles::{STYLE_NAME, store_styles_in_geopackage};
use lifecircle::report::styles::{qml_for_layer, write_qml_files};
use lifecircle::report::Wording;

fn zh() -> Wording {
    Wording::default_profile(lifecircle::lang::Lang::Zh)
}

/// (f_table_catalog, f_table_schema, f_table_name, f_geometry_column, styleName, styleQML, useAsDefault, update_time)
type StyleRow = (Option<String>, Option<String>, String, String, String, String, i64, Option<String>);

fn style_rows(path: &std::path::Path) -> Vec<StyleRow> {
    let dataset = Dataset::open(path).unwrap();
    let mut layer = dataset.layer_by_name("layer_styles").expect("layer_styles is listed by GDAL");
    let defn_index = |name: &str| layer.defn().field_index(name).unwrap();
    let (cat, schema, table, geom, style, qml, default, time) =
        (defn_index("f_table_catalog"), defn_index("f_table_schema"), defn_index("f_table_name"), defn_index("f_geometry_column"), defn_index("styleName"), defn_index("styleQML"), defn_index("useAsDefault"), defn_index("update_time"));
    let mut rows: Vec<StyleRow> = layer
        .features()
        .map(|f| {
            (
                f.field_as_string(cat).unwrap(),
                f.field_as_string(schema).unwrap(),
                f.field_as_string(table).unwrap().unwrap(),
                f.field_as_string(geom).unwrap().unwrap(),
                f.field_as_string(style).unwrap().unwrap(),
                f.field_as_string(qml).unwrap().unwrap(),
                f.field_as_integer64(default).unwrap().unwrap(),
                f.field_as_string(time).unwrap(),
            )
        })
        .collect();
    rows.sort_by(|a, b| a.2.cmp(&b.2));
    rows
}

#[test]
fn styles_stored_in_a_geopackage_and_read_back_with_gdal() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("lifecircle.gpkg");
    let estates = report_fixture::estates();
    report_fixture::write_geopackage(&path, &[&estates]);
    let sites = report_fixture::sites(); // not in the GeoPackage: skipped

    let styled = store_styles_in_geopackage(&path, &[&estates, &sites], &zh()).unwrap();
    assert_eq!(styled, vec!["estates".to_string()]);
    let rows = style_rows(&path);
    assert_eq!(rows.len(), 1);
    let (catalog, schema, table, geometry_column, style, qml, default, time) = &rows[0];
    // QGIS selects rows with f_table_schema = '' (not NULL) and the layer's geometry column (GDAL's `geom`).
    assert_eq!((catalog.as_deref(), schema.as_deref()), (Some(""), Some("")));
    assert_eq!((table.as_str(), geometry_column.as_str(), style.as_str()), ("estates", "geom", STYLE_NAME));
    assert_eq!(qml, &qml_for_layer(&estates, &zh()).unwrap());
    assert_eq!(*default, 1);
    assert!(time.as_deref().is_some_and(|t| t.starts_with("20")), "update_time defaults to now: {time:?}");

    // The table is registered as an attributes table, and the original layer is untouched.
    let dataset = Dataset::open(&path).unwrap();
    let mut contents = dataset.execute_sql("SELECT data_type FROM gpkg_contents WHERE table_name = 'layer_styles'", None, Dialect::DEFAULT).unwrap().unwrap();
    let data_type = contents.features().next().unwrap().field_as_string(0).unwrap();
    assert_eq!(data_type.as_deref(), Some("attributes"));
    assert_eq!(dataset.layer_by_name("estates").unwrap().feature_count(), 12);
    drop(contents);
    drop(dataset);

    // Re-running replaces the row instead of adding one; a second layer adds its own.
    let bundles = report_fixture::bundles(&estates);
    let sites_path = dir.path().join("two.gpkg");
    report_fixture::write_geopackage(&sites_path, &[&estates, &bundles]);
    store_styles_in_geopackage(&sites_path, &[&estates], &zh()).unwrap();
    store_styles_in_geopackage(&sites_path, &[&estates, &bundles], &zh()).unwrap();
    let rows = style_rows(&sites_path);
    let tables: Vec<&str> = rows.iter().map(|r| r.2.as_str()).collect();
    assert_eq!(tables, vec!["bundles", "estates"]);
    assert!(rows[0].5.contains(r#"fieldName="bundle_id""#));
}

#[test]
fn qml_files_beside_geojson_for_every_layer() {
    let dir = tempfile::tempdir().unwrap();
    let layers = report_fixture::all_layers();
    let refs: Vec<&Layer> = layers.iter().collect();
    report_fixture::write_geojson_files(dir.path(), &refs);
    let written = write_qml_files(dir.path(), &refs, &zh()).unwrap();
    assert_eq!(written.len(), layers.len());
    for layer in &layers {
        let geojson = dir.path().join(format!("{}.geojson", layer.name));
        let qml = geojson.with_extension("qml");
        assert!(geojson.exists() && qml.exists(), "{}", layer.name);
        let text = std::fs::read_to_string(&qml).unwrap();
        let doc = roxmltree::Document::parse(&text).unwrap();
        assert_eq!(doc.root_element().tag_name().name(), "qgis");
    }
    // The facilities style lists exactly the fixture's three categories, in the profile's order.
    let text = std::fs::read_to_string(dir.path().join("facilities.qml")).unwrap();
    let doc = roxmltree::Document::parse(&text).unwrap();
    let values: Vec<&str> = doc.descendants().filter(|n| n.has_tag_name("category")).filter_map(|n| n.attribute("value")).collect();
    assert_eq!(values, vec!["kindergarten", "elderly_care", "park"]);
}
