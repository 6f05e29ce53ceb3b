//! The offline HTML report built from the fixture district.

mod report_fixture;

use lifecircle::lang::Lang;
use lifecircle::report::Wording;
use lifecircle::report::html::write_report;
use lifecircle::write::layer::Layer;
use lifecircle::report::html::render_report;

fn zh() -> Wording {
    Wording::default_profile(Lang::Zh)
}

fn embedded_data(html: &str) -> serde_json::Value {
    let open = "<script type=\"application/json\" id=\"data\">";
    let start = html.find(open).expect("data block") + open.len();
    let end = start + html[start..].find("</script>").expect("end of data block");
    serde_json::from_str(&html[start..end]).expect("the data block is JSON")
}

#[test]
fn report_is_offline_and_embeds_every_feature() {
    let dir = tempfile::tempdir().unwrap();
    let layers = report_fixture::all_layers();
    let refs: Vec<&Layer> = layers.iter().collect();
    let path = dir.path().join("report.html");
    write_report(&path, &refs, &report_fixture::summary(), "玄武区 老旧小区生活圈评估", &zh()).unwrap();
    let html = std::fs::read_to_string(&path).unwrap();

    assert!(!html.contains("http://") && !html.contains("https://"), "the report must hold no URL");
    for marker in [" src=", " href=", "url(", "@import"] {
        assert!(!html.contains(marker), "external resource marker {marker:?} found");
    }
    assert!(html.contains("<meta charset=\"utf-8\">"));
    assert!(html.contains("地图数据 © OpenStreetMap 贡献者, ODbL 1.0"));

    let data = embedded_data(&html);
    let by_name = |name: &str| data["layers"].as_array().unwrap().iter().find(|l| l["name"] == name).unwrap_or_else(|| panic!("layer {name}")).clone();
    for layer in &layers {
        let embedded = by_name(&layer.name);
        assert_eq!(embedded["features"].as_array().unwrap().len(), layer.features.len(), "{}", layer.name);
    }
    let estates = by_name("estates");
    let name_index = estates["fields"].as_array().unwrap().iter().position(|f| f == "name").unwrap();
    assert_eq!(estates["features"][0]["values"][name_index], "梅园新村");
    // Coordinates rounded to 6 decimals: 118.79 + 0 m → 118.79 exactly.
    assert_eq!(estates["features"][0]["geometry"]["coordinates"][0][0][0][0], serde_json::json!(118.79));
    // Drawing order: service areas first, sites last.
    let order: Vec<&str> = data["layers"].as_array().unwrap().iter().map(|l| l["name"].as_str().unwrap()).collect();
    assert_eq!(order, vec!["service_areas", "network", "idle_land", "estates", "bundles", "facilities", "sites"]);
}

#[test]
fn tables_hold_the_hand_worked_figures() {
    let layers = report_fixture::all_layers();
    let refs: Vec<&Layer> = layers.iter().collect();
    let html = render_report(&refs, &report_fixture::summary(), "t", &zh());
    // Kindergarten at (260, 80) m, walk = 1.3 × straight line ≤ 300 m, i.e. centre within 230.8 m: estates
    // (0,0) centre (90,70) 170 m, (1,0) (310,70) 51 m, (1,1) (310,250) 177 m; (0,1) is 240 m away.
    // Residents 800 + 1,000 + 1,800 = 3,600 of 12 × 800 + 200 × (0 + ... + 11) = 22,800 → 15.8 %.
    assert!(html.contains("<td class=\"num\">3,600</td><td class=\"num\">22,800</td>"), "kindergarten row");
    assert!(html.contains("15.8 %"));
    assert!(html.contains("<td class=\"num\">3 &#47; 12</td>"), "3 / 12, its slash escaped");
    // B2 = estates (2,0), (3,0), (2,1), (3,1): 1,200 + 1,400 + 2,000 + 2,200 = 6,800 residents.
    assert!(html.contains("<tr><td>B2</td><td class=\"num\">6,800</td>"));
    // Both sites lie outside the bundles.
    assert!(html.contains("不在任何片区内的建议选址：幼儿园 #1（新增覆盖 5,200 人）、社区公园 #2（新增覆盖 3,100 人）"), "{html}");
    assert!(html.contains("<tr><th>不符合改造条件</th><td>2</td></tr>"), "{html}");
    assert!(html.contains("nanjing-xuanwu-2021.osm.pbf"));
}

/// The whole sample package (report, map, GeoJSON + QML, GeoPackage with styles), written and read back.
/// It goes to a temporary folder, or to the folder named by `LIFECIRCLE_REPORT_SAMPLE_DIR`, to keep it for
/// looking at with a browser and QGIS (scripts/check_*.{sh,py}).
#[test]
fn sample_package_holds_every_layer_styled() {
    use gdal::vector::LayerAccess;
    let temporary = tempfile::tempdir().unwrap();
    let dir = std::env::var_os("LIFECIRCLE_REPORT_SAMPLE_DIR").map_or_else(|| temporary.path().to_path_buf(), std::path::PathBuf::from);
    std::fs::create_dir_all(dir.join("geojson")).unwrap();
    let layers = report_fixture::all_layers();
    let refs: Vec<&Layer> = layers.iter().collect();
    let names: Vec<String> = layers.iter().map(|l| l.name.clone()).collect();
    let title = "玄武区 老旧小区生活圈评估 Xuanwu life-circle coverage";
    let wording = zh();
    let options = lifecircle::report::map::MapOptions::a4_landscape(title, &wording);
    write_report(&dir.join("report.html"), &refs, &report_fixture::summary(), title, &wording).unwrap();
    let map = lifecircle::report::map::write_coverage_map(&dir, &refs, &options, &wording).unwrap();
    report_fixture::write_geojson_files(&dir.join("geojson"), &refs);
    let qml_files = lifecircle::report::styles::write_qml_files(&dir.join("geojson"), &refs, &wording).unwrap();
    let gpkg = dir.join("lifecircle.gpkg");
    let _ = std::fs::remove_file(&gpkg);
    report_fixture::write_geopackage(&gpkg, &refs);
    let styled = lifecircle::report::gpkg_styles::store_styles_in_geopackage(&gpkg, &refs, &wording).unwrap();

    // The report is the page the renderer makes.
    let html = std::fs::read_to_string(dir.join("report.html")).unwrap();
    assert_eq!(html, render_report(&refs, &report_fixture::summary(), title, &wording));
    // The map: an SVG document with the title, and a PNG of the page's size.
    assert_eq!((map.svg.clone(), map.png.clone()), (dir.join("coverage_map.svg"), dir.join("coverage_map.png")));
    let svg = std::fs::read_to_string(&map.svg).unwrap();
    assert_eq!(roxmltree::Document::parse(&svg).unwrap().root_element().tag_name().name(), "svg");
    assert!(svg.contains(&format!("<title>{title}</title>")));
    let png = png::Decoder::new(std::io::Cursor::new(std::fs::read(&map.png).unwrap())).read_info().unwrap();
    assert_eq!((png.info().width, png.info().height), (options.width_px, options.height_px));
    // Every layer: a GeoJSON file with all its features and its QML style beside it.
    for layer in &layers {
        let geojson: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(dir.join("geojson").join(format!("{}.geojson", layer.name))).unwrap()).unwrap();
        assert_eq!(geojson["type"], "FeatureCollection");
        assert_eq!(geojson["features"].as_array().unwrap().len(), layer.features.len(), "{}", layer.name);
        let qml = std::fs::read_to_string(dir.join("geojson").join(format!("{}.qml", layer.name))).unwrap();
        assert_eq!(Some(qml), lifecircle::report::styles::qml_for_layer(layer, &wording), "{}", layer.name);
    }
    assert_eq!(qml_files.len(), layers.len());
    // The GeoPackage: every layer with all its features, each with its default style.
    assert_eq!(styled, names);
    let dataset = gdal::Dataset::open(&gpkg).unwrap();
    for layer in &layers {
        assert_eq!(dataset.layer_by_name(&layer.name).unwrap().feature_count(), layer.features.len() as u64, "{}", layer.name);
    }
    assert_eq!(dataset.layer_by_name("layer_styles").unwrap().feature_count(), layers.len() as u64);
}
