//! The planner's workbook `plan` writes: read back with calamine, it holds one sheet per level with the
//! catalogue's headers and exactly the rows of the GeoPackage layer it mirrors, in Chinese by default and
//! in English with `Lang::En`.

use calamine::{Data, DataType, Reader, Xlsx, open_workbook};
use gdal::vector::LayerAccess;
use gdal::Dataset;
use lifecircle::lang::Lang;
use lifecircle::pipeline::{InputSpec, OutputFormat, OutputSpec, PlanOptions, plan};
use std::path::Path;

const NANJING: &str = "data/nanjing-xuanwu-2021.osm.pbf";

fn run_plan(out: &Path, lang: Lang) {
    let input = InputSpec { osm: Some(Path::new(env!("CARGO_MANIFEST_DIR")).join(NANJING)), ..InputSpec::default() };
    let output = OutputSpec { dir: out.to_path_buf(), format: OutputFormat::GeoPackage, lang, out_crs: None };
    plan(&input, &output, &PlanOptions::default(), false).unwrap();
}

fn header(sheet: &calamine::Range<Data>) -> Vec<String> {
    sheet.rows().next().map(|r| r.iter().map(|c| c.to_string()).collect()).unwrap_or_default()
}

#[test]
fn the_workbook_mirrors_the_plan_layers_in_chinese_and_in_english() {
    let dir = tempfile::tempdir().unwrap();
    let zh = dir.path().join("zh");
    run_plan(&zh, Lang::Zh);
    let gpkg = Dataset::open(zh.join("lifecircle.gpkg")).unwrap();
    let count = |layer: &str| gpkg.layer_by_name(layer).unwrap().feature_count() as usize;
    assert!(!zh.join("bundles.xlsx").exists());
    let mut book: Xlsx<_> = open_workbook(zh.join("改造片区清单.xlsx")).unwrap();
    assert_eq!(book.sheet_names(), ["说明", "片区", "小区", "建议选址", "数据质量", "数据质量概要"], "the first sheet says how the plan was made");
    let summary: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(zh.join("summary.json")).unwrap()).unwrap();
    assert!(summary["files"].as_array().unwrap().iter().any(|f| f.as_str().unwrap().ends_with("改造片区清单.xlsx")));

    let bundles = book.worksheet_range("片区").unwrap();
    assert!(count("bundles") > 0, "Nanjing's plan has bundles");
    assert_eq!(bundles.height(), count("bundles") + 1, "a header row and one row per bundle");
    let h = header(&bundles);
    for want in ["片区编号", "包含小区", "人口", "户数", "建筑面积(平方米)", "楼栋数", "最早建成年代", "最晚建成年代", "缺项", "建议设施与选址"] {
        assert!(h.iter().any(|x| x == want), "片区 lacks {want}: {h:?}");
    }
    let column = |name: &str| h.iter().position(|x| x == name).unwrap();
    // Each bundle's floor area and buildings are its estates' sums (the estates layer of the GeoPackage).
    let mut floor_area: std::collections::HashMap<String, (f64, i64)> = std::collections::HashMap::new();
    let mut estates_layer = gpkg.layer_by_name("estates").unwrap();
    let index = |layer: &gdal::vector::Layer, name: &str| layer.defn().field_index(name).unwrap();
    let (bundle_i, area_i, buildings_i) = (index(&estates_layer, "bundle_id"), index(&estates_layer, "floor_area_m2"), index(&estates_layer, "n_buildings"));
    for f in estates_layer.features() {
        if let Some(bundle) = f.field_as_string(bundle_i).unwrap() {
            let e = floor_area.entry(bundle).or_default();
            e.0 += f.field_as_double(area_i).unwrap().unwrap_or(0.0);
            e.1 += f.field_as_integer64(buildings_i).unwrap().unwrap_or(0);
        }
    }
    let mut sites_per_bundle: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    let mut bundle_sites = gpkg.layer_by_name("bundle_sites").unwrap();
    let bundle_i = index(&bundle_sites, "bundle_id");
    for f in bundle_sites.features() {
        *sites_per_bundle.entry(f.field_as_string(bundle_i).unwrap().unwrap()).or_default() += 1;
    }
    let names_zh: Vec<String> = lifecircle::profile::Profile::default_profile().categories.iter().map(|c| c.name_zh.clone()).collect();
    for row in bundles.rows().skip(1) {
        let id = row[column("片区编号")].to_string();
        let (area, buildings) = floor_area[&id];
        let sheet_area = row[column("建筑面积(平方米)")].get_float().unwrap();
        assert!((sheet_area - area).abs() <= 0.05 * row[column("小区数")].get_float().unwrap(), "{id}: {sheet_area} vs {area}");
        assert_eq!(row[column("楼栋数")].get_float().unwrap() as i64, buildings, "{id}");
        // Gaps by the categories' Chinese names, never their keys.
        let gaps = row[column("缺项")].to_string();
        assert!(gaps.split('、').filter(|g| !g.is_empty()).all(|g| names_zh.iter().any(|n| n == g)), "{id}: {gaps}");
        // One entry per site the bundle's own siting chose, each worded as the report words it.
        let sites = row[column("建议设施与选址")].to_string();
        let entries: Vec<&str> = sites.split('、').filter(|s| !s.is_empty()).collect();
        assert_eq!(entries.len(), sites_per_bundle.get(&id).copied().unwrap_or(0), "{id}: {sites}");
        assert!(entries.iter().all(|e| e.contains(" #") && e.contains("新增覆盖")), "{id}: {sites}");
    }
    assert!(sites_per_bundle.values().sum::<usize>() > 0, "Nanjing's bundles have sites of their own");
    // Populations are numbers, bundles within the default 5,000-12,000 residents.
    let pop = h.iter().position(|x| x == "人口").unwrap();
    for row in bundles.rows().skip(1) {
        let p = row[pop].get_float().expect("population is a number");
        assert!((5000.0..=12000.0).contains(&p), "bundle population {p}");
    }

    let estates = book.worksheet_range("小区").unwrap();
    assert_eq!(estates.height(), count("estates") + 1);
    assert_eq!(count("estates"), 110); // 65 estates from 11 residential areas (8 split into blocks) + 45 clusters
    let h = header(&estates);
    for want in ["小区编号", "名称", "片区编号", "改造资格", "资格说明", "人口", "人口来源", "幼儿园步行距离(米)", "幼儿园是否达标", "生活圈得分"] {
        assert!(h.iter().any(|x| x == want), "小区 lacks {want}: {h:?}");
    }
    // Verdict cells hold the catalogue's words; across categories some estates are covered and some not.
    let verdict_columns: Vec<usize> = h.iter().enumerate().filter(|(_, x)| x.ends_with("是否达标")).map(|(i, _)| i).collect();
    assert!(verdict_columns.len() >= 5, "{h:?}");
    let verdicts: Vec<String> = estates.rows().skip(1).flat_map(|r| verdict_columns.iter().map(|&c| r[c].to_string()).collect::<Vec<_>>()).collect();
    assert!(verdicts.iter().all(|v| v.is_empty() || v == "已覆盖" || v == "未覆盖"));
    assert!(verdicts.iter().any(|v| v == "已覆盖") && verdicts.iter().any(|v| v == "未覆盖"));

    // Codes the catalogue names are shown by their names, as in the report: how the entries were taken,
    // the eligibility, where the estate came from.
    for (column, allowed) in [
        ("出入口取法", &["小区出入口", "道路与边界交汇处", "边界上离路网最近处", "小区中心点", "无（未接入路网）"][..]),
        ("改造资格", &["符合改造条件", "待摸底调查", "不符合改造条件"][..]),
        ("数据来源", &["OSM 居住用地", "住宅建筑聚类", "规划图层"][..]),
    ] {
        let i = h.iter().position(|x| x == column).unwrap_or_else(|| panic!("小区 lacks {column}: {h:?}"));
        let values: std::collections::BTreeSet<String> = estates.rows().skip(1).map(|r| r[i].to_string()).collect();
        assert!(!values.is_empty() && values.iter().all(|v| allowed.contains(&v.as_str())), "{column}: {values:?}");
    }

    // The eligibility reasons in Chinese (the field keeps the engine's English): every part of every
    // cell, but the OSM tags quoted for an estate on other land.
    let reason_i = h.iter().position(|x| x == "资格说明").unwrap();
    let reasons: Vec<String> = estates.rows().skip(1).map(|r| r[reason_i].to_string()).collect();
    assert!(reasons.iter().any(|r| r.contains("建成年代未知")), "{reasons:?}");
    for r in &reasons {
        assert!(r.split('；').all(|part| part.starts_with("非老旧小区") || !part.chars().any(|c| c.is_ascii_alphabetic())), "{r}");
    }
    // Why an estate is in no bundle, likewise (Nanjing: isolated estates and too small groups).
    let left_out_i = h.iter().position(|x| x == "未入片区原因").unwrap();
    let left_out: Vec<String> = estates.rows().skip(1).map(|r| r[left_out_i].to_string()).filter(|r| !r.is_empty()).collect();
    assert!(left_out.iter().any(|r| r == "孤立：没有相邻的候选小区"), "{left_out:?}");
    for r in &left_out {
        assert!(r.contains("非老旧小区") || !r.chars().any(|c| c.is_ascii_alphabetic()), "{r}");
    }

    let sites = book.worksheet_range("建议选址").unwrap();
    // Where a site's land comes from, worded (the field keeps `derived:open_land`, `osm:<rule>`).
    let origin_i = header(&sites).iter().position(|x| x == "候选用地来源").unwrap();
    let origins: Vec<String> = sites.rows().skip(1).map(|r| r[origin_i].to_string()).collect();
    assert!(!origins.is_empty() && origins.iter().all(|o| o.starts_with("推算的闲置用地") || o.starts_with("OSM 闲置用地（") || o == "规划图层中的闲置用地"), "{origins:?}");
    assert_eq!(sites.height(), count("sites") + 1);
    // Every header of every sheet is Chinese: no field name left as it is (a field without a workbook
    // header takes its QGIS alias).
    for name in ["片区", "小区", "建议选址", "数据质量"] {
        let untranslated: Vec<String> = header(&book.worksheet_range(name).unwrap()).into_iter().filter(|x| !x.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))).collect();
        assert!(untranslated.is_empty(), "{name}: headers not in Chinese: {untranslated:?}");
    }
    let quality = book.worksheet_range("数据质量").unwrap();
    assert_eq!(quality.height(), count("rejects") + 1);
    assert_eq!(count("rejects"), summary["rejects"].as_u64().unwrap() as usize);
    // The kind of each reject in Chinese (the catalogue's name of its reason_code), the particulars beside it.
    let h = header(&quality);
    let (kind_i, detail_i) = (h.iter().position(|x| x == "剔除原因类别").unwrap(), h.iter().position(|x| x == "剔除原因详情").unwrap());
    let layer_i = h.iter().position(|x| x == "所在图层").unwrap();
    for row in quality.rows().skip(1) {
        let (kind, layer) = (row[kind_i].to_string(), row[layer_i].to_string());
        assert!(!kind.is_empty() && !kind.chars().any(|c| c.is_ascii_alphabetic()), "a reject's kind not in Chinese: {kind} ({})", row[detail_i]);
        assert!(!layer.is_empty() && !layer.chars().any(|c| c.is_ascii_alphabetic()), "a reject's layer not in Chinese: {layer}");
        // The particulars of OpenStreetMap's rejects in Chinese too: ids, numbers and tags in a Chinese
        // sentence, no English one (`member way w1 is not in the file ...`), no code in front.
        let detail = row[detail_i].to_string();
        assert!(detail.chars().any(|c| ('\u{4E00}'..='\u{9FFF}').contains(&c)), "a reject's particulars not in Chinese: {detail}");
        let english_words = detail.split(|c: char| !c.is_ascii_alphabetic()).filter(|w| w.len() >= 3 && !["highway", "area", "foot", "yes", "pedestrian", "trunk", "link", "access", "designated", "permissive", "type", "multipolygon", "boundary", "cluster", "min", "buildings"].contains(w)).count();
        assert!(english_words == 0 && !detail.contains(": "), "English in a reject's particulars: {detail}");
    }
    // The findings sheet: a header, then the report's data-quality sentences, the rejects' among them.
    let findings = book.worksheet_range("数据质量概要").unwrap();
    assert_eq!(header(&findings), ["发现的问题"]);
    let texts: Vec<String> = findings.rows().skip(1).map(|r| r[0].to_string()).collect();
    let rejects = summary["data_quality"]["rejects_total"].as_u64().unwrap();
    assert_eq!(rejects as usize, count("rejects"));
    let rejects_sentence = texts.iter().find(|t| t.starts_with(&format!("共 {rejects} 个输入要素被拒收"))).unwrap_or_else(|| panic!("{texts:?}"));
    // Its kinds and layers are named in Chinese: no code such as `point_not_area` or `protected_land`.
    assert!(!rejects_sentence.contains('_'), "{rejects_sentence}");

    // Every CSV the plan writes starts with the UTF-8 byte-order mark, so Excel reads its Chinese.
    let mut csvs: Vec<String> = std::fs::read_dir(&zh).unwrap().map(|e| e.unwrap().path()).filter(|p| p.extension().is_some_and(|e| e == "csv")).map(|p| p.display().to_string()).collect();
    csvs.sort();
    assert!(csvs.len() >= 3, "{csvs:?}");
    for csv in &csvs {
        assert!(std::fs::read(csv).unwrap().starts_with(&[0xEF, 0xBB, 0xBF]), "{csv} has no byte-order mark");
    }

    // English: the file, the sheets and the headers.
    let en = dir.path().join("en");
    run_plan(&en, Lang::En);
    assert!(!en.join("改造片区清单.xlsx").exists());
    let mut book: Xlsx<_> = open_workbook(en.join("bundles.xlsx")).unwrap();
    assert_eq!(book.sheet_names(), ["About", "Bundles", "Estates", "Recommended sites", "Data quality", "Data quality summary"]);
    let bundles_en = book.worksheet_range("Bundles").unwrap();
    assert_eq!(bundles_en.height(), bundles.height());
    assert!(header(&bundles_en).iter().any(|x| x == "gaps"));
    let h = header(&book.worksheet_range("Estates").unwrap());
    assert!(h.iter().any(|x| x == "life-circle score") && h.iter().any(|x| x.ends_with("walking distance (m)")), "{h:?}");
    assert!(h.iter().all(|x| !x.chars().any(|c| ('\u{4E00}'..='\u{9FFF}').contains(&c))), "English headers hold Chinese: {h:?}");
}
