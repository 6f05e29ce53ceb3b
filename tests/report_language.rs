//! What a person reads, in the run's language (`--lang`, Chinese by default), through the real binary on
//! the embedded Nanjing extract: the report (its text, its map's words), the printable map's SVG, the
//! QGIS styles beside the GeoJSON copies and in the GeoPackage, and the GeoPackage's field aliases
//! (`gpkg_data_columns`).
//!
//! - Chinese (the default): Chinese headings and category names everywhere, and no category key
//!   (`vegetable_market`, `kindergarten` …) in any visible text;
//! - English: no Chinese character but in names that come from the data (estate and facility names);
//! - every field of every layer any subcommand writes has an alias in both languages, and the GeoPackage
//!   holds them.

use gdal::Dataset;
use gdal::vector::LayerAccess;
use gdal::vector::sql::Dialect;
use lifecircle::lang::Lang;
use lifecircle::report::Wording;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

const NANJING: &str = "data/nanjing-xuanwu-2021.osm.pbf";

fn lifecircle(args: &[&str]) {
    let o = Command::new(env!("CARGO_BIN_EXE_lifecircle")).args(args).current_dir(env!("CARGO_MANIFEST_DIR")).output().expect("the binary runs");
    assert!(o.status.success(), "{args:?} failed: {}", String::from_utf8_lossy(&o.stderr));
}

fn plan(out: &Path, lang: &str) {
    lifecircle(&["plan", "--quiet", "--lang", lang, "--osm", NANJING, "--out", out.to_str().unwrap()]);
}

fn is_han(c: char) -> bool {
    matches!(c, '\u{3400}'..='\u{4DBF}' | '\u{4E00}'..='\u{9FFF}' | '\u{F900}'..='\u{FAFF}')
}

/// The profile's category keys.
fn category_keys() -> Vec<String> {
    Wording::default_profile(Lang::Zh).profile().categories.iter().map(|c| c.key.clone()).collect()
}

/// The keys that occur in `text` as whole words (not inside `parking` or `kindergarten_x`).
fn keys_in(text: &str) -> Vec<String> {
    let word_char = |c: char| c.is_ascii_alphanumeric() || c == '_';
    category_keys()
        .into_iter()
        .filter(|key| {
            text.match_indices(key.as_str()).any(|(at, _)| {
                let before = text[..at].chars().next_back();
                let after = text[at + key.len()..].chars().next();
                !before.is_some_and(word_char) && !after.is_some_and(word_char)
            })
        })
        .collect()
}

fn unescape(text: &str) -> String {
    text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&#39;", "'").replace("&#47;", "/").replace("&apos;", "'").replace("&amp;", "&")
}

/// The embedded data block of a report.
fn data_block(html: &str) -> serde_json::Value {
    let open = "<script type=\"application/json\" id=\"data\">";
    let start = html.find(open).expect("data block") + open.len();
    let end = start + html[start..].find("</script>").unwrap();
    serde_json::from_str(&html[start..end]).unwrap()
}

/// What a reader of the report sees: the page's text nodes and tooltips (scripts and styles left out),
/// and every word of the data block that the script draws or writes (layer titles, legend labels, feature
/// labels, field aliases, its own words, the names it shows for values), but not the data's values.
fn visible_report_text(html: &str) -> Vec<String> {
    let mut page = html.to_string();
    for (open, close) in [("<script", "</script>"), ("<style", "</style>")] {
        while let Some(start) = page.find(open) {
            let end = start + page[start..].find(close).unwrap() + close.len();
            page.replace_range(start..end, " ");
        }
    }
    let mut texts = Vec::new();
    let mut rest = page.as_str();
    while let Some(open) = rest.find('<') {
        texts.push(unescape(&rest[..open]));
        let close = open + rest[open..].find('>').unwrap();
        let tag = &rest[open..close];
        for attribute in ["title=\"", "aria-label=\""] {
            if let Some(at) = tag.find(attribute) {
                let value = &tag[at + attribute.len()..];
                texts.push(unescape(&value[..value.find('"').unwrap()]));
            }
        }
        rest = &rest[close + 1..];
    }
    texts.push(unescape(rest));
    let data = data_block(html);
    for layer in data["layers"].as_array().unwrap() {
        texts.push(layer["title"].as_str().unwrap().to_string());
        texts.extend(layer["aliases"].as_array().unwrap().iter().map(|a| a.as_str().unwrap().to_string()));
        texts.extend(layer["legend"].as_array().unwrap().iter().map(|e| e["label"].as_str().unwrap().to_string()));
        texts.extend(layer["features"].as_array().unwrap().iter().filter_map(|f| f["label"].as_str().map(str::to_string)));
    }
    texts.extend(data["ui"].as_object().unwrap().values().map(|v| v.as_str().unwrap().to_string()));
    for names in data["value_names"].as_object().unwrap().values() {
        texts.extend(names.as_object().unwrap().values().map(|v| v.as_str().unwrap().to_string()));
    }
    texts.into_iter().map(|t| t.trim().to_string()).filter(|t| !t.is_empty()).collect()
}

/// The text of every `<text>` and `<tspan>` of an SVG.
fn svg_texts(svg: &str) -> Vec<String> {
    let doc = roxmltree::Document::parse(svg).unwrap();
    doc.descendants().filter(|n| n.has_tag_name("text") || n.has_tag_name("tspan") || n.has_tag_name("title")).filter_map(|n| n.text().map(str::to_string)).collect()
}

/// What QGIS shows of a style: legend labels (ranges, categories) and field aliases.
fn qml_texts(qml: &str) -> Vec<String> {
    let doc = roxmltree::Document::parse(qml).unwrap();
    let mut texts = Vec::new();
    for node in doc.descendants() {
        match node.tag_name().name() {
            "range" | "category" | "rule" => texts.push(node.attribute("label").unwrap().to_string()),
            "alias" => texts.push(node.attribute("name").unwrap().to_string()),
            _ => {}
        }
    }
    texts
}

fn qml_files(dir: &Path) -> BTreeMap<String, String> {
    std::fs::read_dir(dir.join("geojson"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "qml"))
        .map(|p| (p.file_stem().unwrap().to_string_lossy().into_owned(), std::fs::read_to_string(&p).unwrap()))
        .collect()
}

/// One row per SQL result row, each column as text ("" for NULL).
fn sql_rows(gpkg: &Path, sql: &str) -> Vec<Vec<String>> {
    let dataset = Dataset::open(gpkg).unwrap();
    let mut result = dataset.execute_sql(sql, None, Dialect::DEFAULT).unwrap().unwrap();
    let columns = result.defn().fields().count();
    result.features().map(|f| (0..columns).map(|i| f.field_as_string(i).unwrap().unwrap_or_default()).collect()).collect()
}

/// Every attribute column of every table a run wrote into its GeoPackage (`fid` and the geometry aside;
/// QGIS's `layer_styles` is not a lifecircle layer), by table.
fn gpkg_fields(gpkg: &Path) -> BTreeMap<String, Vec<String>> {
    let dataset = Dataset::open(gpkg).unwrap();
    dataset.layers().filter(|l| l.name() != "layer_styles").map(|l| (l.name(), l.defn().fields().map(|f| f.name()).collect())).collect()
}

/// The stored styles of a GeoPackage: table → (description, QML).
fn stored_styles(gpkg: &Path) -> BTreeMap<String, (String, String)> {
    sql_rows(gpkg, "SELECT f_table_name, description, styleQML FROM layer_styles WHERE useAsDefault = 1").into_iter().map(|r| (r[0].clone(), (r[1].clone(), r[2].clone()))).collect()
}

fn text_of_names(dir: &Path) -> BTreeSet<String> {
    // The names the data brings (estates, facilities), which either language shows as they are.
    let mut names = BTreeSet::new();
    for layer in ["estates", "facilities", "facility_footprints"] {
        let json: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(dir.join(format!("geojson/{layer}.geojson"))).unwrap()).unwrap();
        for f in json["features"].as_array().unwrap() {
            if let Some(name) = f["properties"]["name"].as_str() {
                names.insert(name.to_string());
            }
        }
    }
    names
}

#[test]
fn chinese_by_default_everywhere_a_person_reads_and_no_category_key() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("zh");
    plan(&out, "zh");

    // The report: Chinese title, headings and category names; no key in what it shows.
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("<html lang=\"zh-CN\">"));
    let visible = visible_report_text(&html);
    for expected in ["玄武区 社区生活圈评估与老旧小区改造片区规划", "地图", "图层", "按设施类别与生活圈层级的覆盖情况", "改造片区与建议选址", "数据来源", "幼儿园", "菜市场", "5分钟生活圈", "地图数据 © OpenStreetMap 贡献者, ODbL 1.0"] {
        assert!(visible.iter().any(|t| t.contains(expected)), "the report does not show {expected}");
    }
    let shown_keys: Vec<(String, Vec<String>)> = visible.iter().map(|t| (t.clone(), keys_in(t))).filter(|(_, k)| !k.is_empty()).collect();
    assert!(shown_keys.is_empty(), "category keys in the report's visible text: {shown_keys:?}");
    let data = data_block(&html);
    assert_eq!(data["lang"], "zh");
    let estates = data["layers"].as_array().unwrap().iter().find(|l| l["name"] == "estates").unwrap();
    let alias = |field: &str| estates["aliases"][estates["fields"].as_array().unwrap().iter().position(|f| f == field).unwrap()].clone();
    assert_eq!((alias("name"), alias("dist_kindergarten"), alias("ok_vegetable_market")), ("小区名称".into(), "到幼儿园距离(米)".into(), "菜市场是否覆盖".into()));
    // The script writes no word of its own: every one comes from the data block.
    let script_start = html.rfind("<script>").unwrap();
    let script = &html[script_start..];
    assert!(keys_in(script).is_empty() && !script.chars().any(is_han), "the script holds words of its own");

    // The printable map.
    let svg = svg_texts(&std::fs::read_to_string(out.join("coverage_map.svg")).unwrap());
    for expected in ["玄武区 社区生活圈评估与老旧小区改造片区规划", "图例", "北", "现状设施", "建议选址", "500 米"] {
        assert!(svg.iter().any(|t| t == expected), "the map does not show {expected}: {svg:?}");
    }
    assert!(svg.iter().any(|t| t.starts_with("幼儿园")), "site labels name their category");
    let svg_keys: Vec<&String> = svg.iter().filter(|t| !keys_in(t).is_empty()).collect();
    assert!(svg_keys.is_empty(), "category keys on the map: {svg_keys:?}");

    // The QGIS styles beside the GeoJSON copies and in the GeoPackage: the same documents.
    let qmls = qml_files(&out);
    assert!(qmls.len() >= 15, "{:?}", qmls.keys());
    let gpkg = out.join("lifecircle.gpkg");
    let stored = stored_styles(&gpkg);
    for (layer, qml) in &qmls {
        assert_eq!(stored.get(layer).map(|s| &s.1), Some(qml), "{layer}: the stored style differs from the .qml");
        let texts = qml_texts(qml);
        let keys: Vec<&String> = texts.iter().filter(|t| !keys_in(t).is_empty()).collect();
        assert!(keys.is_empty(), "{layer}.qml shows category keys: {keys:?}");
        let not_chinese: Vec<&String> = texts.iter().filter(|t| !t.chars().any(is_han)).collect();
        assert!(not_chinese.is_empty(), "{layer}.qml shows words that are not Chinese: {not_chinese:?}");
    }
    let facilities = qml_texts(&qmls["facilities"]);
    assert!(facilities.contains(&"菜市场".to_string()) && facilities.contains(&"设施类别".to_string()), "{facilities:?}");
    assert!(qml_texts(&qmls["service_areas"]).contains(&"10分钟生活圈（500 米）".to_string()));
    assert!(qml_texts(&qmls["estates"]).contains(&"到菜市场距离(米)".to_string()));
    // Layer titles: the style rows' descriptions and the tables' identifiers.
    assert_eq!(stored["estates"].0, "小区（生活圈覆盖得分）");
    let contents: BTreeMap<String, String> = sql_rows(&gpkg, "SELECT table_name, identifier FROM gpkg_contents").into_iter().map(|r| (r[0].clone(), r[1].clone())).collect();
    assert_eq!((contents["bundles"].as_str(), contents["bundle_sites"].as_str()), ("改造片区", "各片区建议选址"));
}

#[test]
fn english_shows_no_chinese_but_the_data_s_own_names() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("en");
    plan(&out, "en");
    let names = text_of_names(&out);
    let chinese_beyond_names = |text: &str| {
        let mut rest = text.to_string();
        for name in &names {
            rest = rest.replace(name.as_str(), "");
        }
        rest.chars().any(is_han)
    };

    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("<html lang=\"en\">"));
    let visible = visible_report_text(&html);
    assert!(visible.iter().any(|t| t == "Xuanwu District: life-circle assessment and renovation bundles"), "the title names the place in English (name:en)");
    assert!(visible.iter().any(|t| t == "Coverage by category and life-circle tier"));
    assert!(visible.iter().any(|t| t == "Food market"), "category names from the profile's English names");
    let chinese: Vec<&String> = visible.iter().filter(|t| chinese_beyond_names(t)).collect();
    assert!(chinese.is_empty(), "Chinese in the English report: {chinese:?}");

    let svg = svg_texts(&std::fs::read_to_string(out.join("coverage_map.svg")).unwrap());
    assert!(svg.iter().any(|t| t == "Legend") && svg.iter().any(|t| t == "500 m"));
    let chinese: Vec<&String> = svg.iter().filter(|t| chinese_beyond_names(t)).collect();
    assert!(chinese.is_empty(), "Chinese on the English map: {chinese:?}");

    for (layer, qml) in qml_files(&out) {
        let chinese: Vec<String> = qml_texts(&qml).into_iter().filter(|t| t.chars().any(is_han)).collect();
        assert!(chinese.is_empty(), "{layer}.qml: {chinese:?}");
    }
    let gpkg = out.join("lifecircle.gpkg");
    let titles = sql_rows(&gpkg, "SELECT table_name, column_name, title FROM gpkg_data_columns WHERE title IS NOT NULL");
    assert!(titles.iter().any(|r| r[0] == "estates" && r[1] == "dist_vegetable_market" && r[2] == "Distance to Food market (m)"), "{titles:?}");
    assert!(!titles.iter().any(|r| r[2].chars().any(is_han)));
}

/// Every field of every layer that extract, coverage (with a scenario), bundle, sites and plan write has an
/// alias in both languages, unique within its layer (QGIS's attribute table would show two columns alike);
/// and the plan's GeoPackage holds them: a `gpkg_data_columns` title and a QML `<alias>` per field, the
/// Schema extension registered.
#[test]
fn every_field_of_every_output_layer_has_an_alias_in_both_languages() {
    let dir = tempfile::tempdir().unwrap();
    let mut fields: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut gpkgs: Vec<PathBuf> = Vec::new();
    for (command, extra) in [("extract", None), ("coverage", Some("--open-compounds")), ("bundle", None), ("sites", None)] {
        let out = dir.path().join(command);
        let mut args = vec![command, "--quiet", "--osm", NANJING, "--format", "gpkg", "--out", out.to_str().unwrap()];
        args.extend(extra);
        lifecircle(&args);
        gpkgs.push(out.join("lifecircle.gpkg"));
    }
    let plan_out = dir.path().join("plan");
    plan(&plan_out, "zh");
    gpkgs.push(plan_out.join("lifecircle.gpkg"));
    for gpkg in &gpkgs {
        for (table, columns) in gpkg_fields(gpkg) {
            fields.entry(table).or_default().extend(columns);
        }
    }
    assert!(fields.len() >= 20, "{:?}", fields.keys());
    assert!(fields["estates"].iter().any(|f| f.starts_with("delta_")), "the scenario's fields are covered");
    for lang in Lang::ALL {
        let wording = Wording::default_profile(lang);
        for (table, columns) in &fields {
            let mut seen = BTreeMap::new();
            for column in columns {
                let alias = wording.field_alias(table, column).unwrap_or_else(|| panic!("{lang}: {table}.{column} has no alias"));
                assert_eq!(alias.chars().any(is_han), lang == Lang::Zh, "{lang}: {table}.{column} = {alias}");
                if let Some(other) = seen.insert(alias.clone(), column) {
                    panic!("{lang}: {table}.{other} and {table}.{column} share the alias {alias}");
                }
            }
            assert_ne!(wording.layer_title(table), *table, "{lang}: layer {table} has no title");
        }
    }

    // Every subcommand's GeoPackage holds its layers' aliases and styles (zh, the default).
    for gpkg in &gpkgs {
        let titles: BTreeMap<(String, String), String> =
            sql_rows(gpkg, "SELECT table_name, column_name, title FROM gpkg_data_columns").into_iter().map(|r| ((r[0].clone(), r[1].clone()), r[2].clone())).collect();
        let styles = stored_styles(gpkg);
        for (table, columns) in gpkg_fields(gpkg) {
            let qml = &styles.get(&table).unwrap_or_else(|| panic!("{}: no style for {table}", gpkg.display())).1;
            let doc = roxmltree::Document::parse(qml).unwrap();
            let aliases: BTreeMap<&str, &str> = doc.descendants().filter(|n| n.has_tag_name("alias")).map(|n| (n.attribute("field").unwrap(), n.attribute("name").unwrap())).collect();
            for column in columns {
                let title = titles.get(&(table.clone(), column.clone())).unwrap_or_else(|| panic!("{}: no gpkg_data_columns row for {table}.{column}", gpkg.display()));
                assert!(title.chars().any(is_han), "{table}.{column}: {title}");
                assert_eq!(aliases.get(column.as_str()), Some(&title.as_str()), "{table}.{column}: the QML alias and the data column's title differ");
            }
        }
        let extension = sql_rows(gpkg, "SELECT table_name FROM gpkg_extensions WHERE extension_name = 'gpkg_schema' ORDER BY table_name");
        assert_eq!(extension, vec![vec!["gpkg_data_column_constraints".to_string()], vec!["gpkg_data_columns".to_string()]], "{}", gpkg.display());
    }
    // GDAL's own rows (JSON fields) keep their MIME type beside the title.
    let json_rows = sql_rows(&plan_out.join("lifecircle.gpkg"), "SELECT mime_type, title FROM gpkg_data_columns WHERE table_name = 'estates' AND column_name = 'nearest_park'");
    assert_eq!(json_rows, vec![vec!["application/json".to_string(), "最近的社区公园编号".to_string()]]);
}

#[test]
fn geojson_outputs_get_a_style_with_aliases_beside_each_file() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("extract");
    lifecircle(&["extract", "--quiet", "--lang", "en", "--osm", NANJING, "--out", out.to_str().unwrap()]);
    let summary: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(out.join("extract.json")).unwrap()).unwrap();
    let listed: BTreeSet<String> = summary["files"].as_array().unwrap().iter().map(|f| f.as_str().unwrap().to_string()).collect();
    for entry in std::fs::read_dir(&out).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "geojson") {
            let qml = path.with_extension("qml");
            assert!(listed.contains(&qml.display().to_string()), "{} has no listed style beside it", path.display());
            let text = std::fs::read_to_string(&qml).unwrap();
            assert!(text.contains("<aliases>"), "{}", qml.display());
            assert!(!text.chars().any(is_han), "{} is English", qml.display());
        }
    }
    assert_eq!(summary["osm"]["place"]["name"], "玄武区");
    assert_eq!(summary["osm"]["place"]["name_en"], "Xuanwu District");
}
