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
    assert_eq!(book.sheet_names(), ["片区", "小区", "建议选址", "数据质量"]);
    let summary: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(zh.join("summary.json")).unwrap()).unwrap();
    assert!(summary["files"].as_array().unwrap().iter().any(|f| f.as_str().unwrap().ends_with("改造片区清单.xlsx")));

    let bundles = book.worksheet_range("片区").unwrap();
    assert!(count("bundles") > 0, "Nanjing's plan has bundles");
    assert_eq!(bundles.height(), count("bundles") + 1, "a header row and one row per bundle");
    let h = header(&bundles);
    for want in ["片区编号", "包含小区", "人口", "户数", "最早建成年代", "最晚建成年代", "缺项"] {
        assert!(h.iter().any(|x| x == want), "片区 lacks {want}: {h:?}");
    }
    // Populations are numbers, bundles within the default 5,000-12,000 residents.
    let pop = h.iter().position(|x| x == "人口").unwrap();
    for row in bundles.rows().skip(1) {
        let p = row[pop].get_float().expect("population is a number");
        assert!((5000.0..=12000.0).contains(&p), "bundle population {p}");
    }

    let estates = book.worksheet_range("小区").unwrap();
    assert_eq!(estates.height(), count("estates") + 1);
    assert_eq!(count("estates"), 56);
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

    let sites = book.worksheet_range("建议选址").unwrap();
    assert_eq!(sites.height(), count("sites") + 1);
    let quality = book.worksheet_range("数据质量").unwrap();
    assert_eq!(quality.height(), count("rejects") + 1);
    assert_eq!(count("rejects"), summary["rejects"].as_u64().unwrap() as usize);
    assert!(header(&quality).iter().any(|x| x == "剔除原因"));

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
    assert_eq!(book.sheet_names(), ["Bundles", "Estates", "Recommended sites", "Data quality"]);
    let bundles_en = book.worksheet_range("Bundles").unwrap();
    assert_eq!(bundles_en.height(), bundles.height());
    assert!(header(&bundles_en).iter().any(|x| x == "gaps"));
    let h = header(&book.worksheet_range("Estates").unwrap());
    assert!(h.iter().any(|x| x == "life-circle score") && h.iter().any(|x| x.ends_with("walking distance (m)")), "{h:?}");
    assert!(h.iter().all(|x| !x.chars().any(|c| ('\u{4E00}'..='\u{9FFF}').contains(&c))), "English headers hold Chinese: {h:?}");
}
