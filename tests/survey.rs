//! Survey tables joined to estates read from a real planner-style file: a Shapefile with GBK
//! attributes (tests/data/layers/estates_gbk.*, made with `ogr2ogr -lco ENCODING=GBK`), and two survey
//! tables — GBK CSV with Chinese headers and CRLF line ends as Excel on Chinese Windows saves it
//! (survey_gbk.csv), and tab-separated UTF-8 with a BOM and English headers (survey_utf8_bom.tsv).
//!
//! survey_gbk.csv, rows as a spreadsheet numbers them:
//! 1 header: 小区编号,小区名称,建成年份,户数,人口（人）,同意比例,已获资助,拟拆除,类型
//! 2 e1,东方小区,1985,500,1310,80%,否,否,普通住宅   → estate e1
//! 3 ,锁金村二号院,1990年,420,,0.7,是,否,            → by name: estate e2
//! 4 ,西园新村,1995,300,,,,,                         → no such estate
//! 5 e9,,2001,,,,,,                                  → no such id
//! 6 ,玄武门街道宿舍（北区）,1979,,abc,,,,            → estate e3, its bad population left out

use lifecircle::crs::china::InputCoords;
use lifecircle::read::planner_layers::{read_planner_layer, LayerData, LayerFields, LayerKind};
use lifecircle::read::survey::{apply_survey, read_survey, write_survey_report_csv};
use lifecircle::model::{Estate, PopulationSource};
use lifecircle::profile::Profile;
use std::path::{Path, PathBuf};

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/layers").join(name)
}

fn estates() -> Vec<Estate> {
    let profile = Profile::default_profile();
    let (layer, rejects) = read_planner_layer(LayerKind::Estates, &data("estates_gbk.shp"), &LayerFields::default(), &mut None, InputCoords::Wgs84, &profile).unwrap();
    assert!(rejects.is_empty(), "{rejects:?}");
    let LayerData::Estates(estates) = layer else { panic!("estates expected") };
    estates
}

#[test]
fn gbk_survey_with_chinese_headers_fills_estates_and_reports_the_rest() {
    let mut estates = estates();
    assert_eq!(estates.iter().map(|e| e.name.as_deref().unwrap()).collect::<Vec<_>>(), vec!["东方小区", "锁金村二号院", "玄武门街道宿舍（北区）"]);
    let table = read_survey(&data("survey_gbk.csv")).unwrap();
    assert_eq!(table.encoding, "GBK");
    let report = apply_survey(&table, &mut estates, 2.62);
    assert_eq!(report.matched, 3);
    let e1 = &estates[0];
    assert_eq!((e1.population, e1.households, e1.population_source), (1310.0, 500.0, PopulationSource::Survey));
    assert_eq!(e1.built_year, Some(1985));
    assert_eq!(e1.survey.consent_share, Some(0.8));
    assert_eq!((e1.survey.previously_funded, e1.survey.to_be_demolished), (Some(false), Some(false)));
    assert_eq!(e1.survey.estate_type.as_deref(), Some("普通住宅"));
    // e2: the layer had a null population; the survey gives 420 households → 420 × 2.62 = 1100.4 people.
    let e2 = &estates[1];
    assert!((e2.population - 1100.4).abs() < 1e-9 && e2.population_source == PopulationSource::Survey);
    assert_eq!((e2.built_year, e2.survey.previously_funded, e2.survey.consent_share), (Some(1990), Some(true), Some(0.7)));
    // e3 keeps its layer population (its surveyed `abc` was left out) and takes the rest of its row.
    assert_eq!((estates[2].population, estates[2].population_source), (860.0, PopulationSource::Layer));
    assert_eq!(estates[2].built_year, Some(1979));
    let issues: Vec<(usize, &str)> = report.issues.iter().map(|i| (i.row, i.reason.as_str())).collect();
    assert_eq!(issues.len(), 3, "{issues:?}");
    assert!(issues[0].0 == 4 && issues[0].1.contains("no estate is named `西园新村`"), "{issues:?}");
    assert!(issues[1].0 == 5 && issues[1].1.contains("no estate has id `e9`"), "{issues:?}");
    assert_eq!(issues[2], (6, "row 6, column `人口（人）`: `abc` is not a number; this value was left out, the rest of the row was applied"));

    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("survey_unmatched.csv");
    write_survey_report_csv(&out, &report).unwrap();
    let text = std::fs::read_to_string(&out).unwrap();
    assert_eq!(text.lines().count(), 4);
    assert!(text.contains("4,,西园新村,row 4: no estate is named `西园新村`"), "{text}");
}

#[test]
fn utf8_tsv_survey_with_an_ambiguous_name() {
    let mut estates = estates();
    // A second estate named 东方小区 (another compound of the same name across the street).
    let mut twin = estates[0].clone();
    twin.id = "e1b".into();
    estates.push(twin);
    let table = read_survey(&data("survey_utf8_bom.tsv")).unwrap();
    assert_eq!(table.encoding, "UTF-8");
    assert_eq!(table.rows.len(), 3);
    let report = apply_survey(&table, &mut estates, 2.62);
    // Row 2 matches e1 by id despite the shared name; row 3 matches e3 by id; row 4 has only the
    // ambiguous name.
    assert_eq!(report.matched, 2);
    assert_eq!(estates[0].survey.consent_share, Some(0.8));
    assert_eq!(estates[2].survey.consent_share, Some(0.66));
    assert_eq!(estates[2].survey.to_be_demolished, Some(true));
    // e3: 310 households surveyed, no population → 310 × 2.62 = 812.2 people.
    assert!((estates[2].population - 812.2).abs() < 1e-9);
    assert_eq!(estates[3].population_source, PopulationSource::Layer, "the twin is untouched");
    assert_eq!(report.issues.len(), 1);
    assert_eq!(report.issues[0].row, 4);
    assert!(report.issues[0].reason.contains("2 estates are named `东方小区` (ids e1, e1b)"), "{:?}", report.issues);
}

#[test]
fn unreadable_survey_is_an_input_error_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("调查表.csv");
    std::fs::write(&path, [0xFFu8, 0xFE, 0x00, 0xD8, 0x41]).unwrap(); // UTF-16LE BOM, then an unpaired surrogate
    let err = read_survey(&path).unwrap_err();
    assert_eq!(err.exit_code(), 2);
    assert!(err.to_string().contains("调查表.csv"), "{err}");
    let err = read_survey(&dir.path().join("missing.csv")).unwrap_err().to_string();
    assert!(err.contains("missing.csv") && err.contains("--survey"), "{err}");
}

// ---- Excel and OpenDocument workbooks ----

use lifecircle::calendar::current_year;
use lifecircle::read::survey::{parse_survey, DroppedCell, SurveyTable};
use rust_xlsxwriter::{ExcelDateTime, Format, FormatAlign, Workbook};

/// A built year after this one: 2030 when the test was written in 2026.
fn future_year() -> i32 {
    current_year() + 4
}

/// The 摸底调查表 as a planner keeps it, sheet `摸底调查` (rows as Excel numbers them):
/// 1 玄武区老旧小区摸底调查表 (merged A1:I1)
/// 2 小区编号 | 小区名称 | 建成年份 | 户数 | 人口（人） | 改造意愿 (merged F2:G2) | 同意比例 | 拟拆除   (A-E, H, I merged over rows 2-3)
/// 3                                              | 征询比例 | 赞成比例 |
/// 4 e1 | 东方小区 | 1985 | 500 | 1310 | 90% | 80% | 75% | 否          → e1
/// 5    | 锁金村二号院 | 1990-06-01 (a date) | 420 | | | | 0.7 | 是      → e2 by name
/// 6    | 玄武门街道宿舍（北区）| 2030 | 300 | 约300 | | | |           → e3, year and population left out
/// 7    | 西园新村 | 1995 | 300                                        → no such estate
/// Numbers are stored as floats (Excel's only number type), shares as 0.9 with a % format.
/// A second sheet `二季度` holds one header row and 东方小区 with 999 residents.
fn write_survey_xlsx(path: &Path) {
    let mut book = Workbook::new();
    let merged = Format::new().set_align(FormatAlign::Center).set_align(FormatAlign::VerticalCenter);
    let percent = Format::new().set_num_format("0%");
    let date = Format::new().set_num_format("yyyy-mm-dd");
    let sheet = book.add_worksheet();
    sheet.set_name("摸底调查").unwrap();
    sheet.merge_range(0, 0, 0, 8, "玄武区老旧小区摸底调查表", &merged).unwrap();
    for (col, header) in [(0, "小区编号"), (1, "小区名称"), (2, "建成年份"), (3, "户数"), (4, "人口（人）"), (7, "同意比例"), (8, "拟拆除")] {
        sheet.merge_range(1, col, 2, col, header, &merged).unwrap();
    }
    sheet.merge_range(1, 5, 1, 6, "改造意愿", &merged).unwrap();
    sheet.write_string(2, 5, "征询比例").unwrap();
    sheet.write_string(2, 6, "赞成比例").unwrap();
    // Row 4
    sheet.write_string(3, 0, "e1").unwrap();
    sheet.write_string(3, 1, "东方小区").unwrap();
    for (col, v) in [(2, 1985.0), (3, 500.0), (4, 1310.0)] {
        sheet.write_number(3, col, v).unwrap();
    }
    for (col, v) in [(5, 0.9), (6, 0.8), (7, 0.75)] {
        sheet.write_number_with_format(3, col, v, &percent).unwrap();
    }
    sheet.write_string(3, 8, "否").unwrap();
    // Row 5
    sheet.write_string(4, 1, "锁金村二号院").unwrap();
    sheet.write_datetime_with_format(4, 2, ExcelDateTime::from_ymd(1990, 6, 1).unwrap(), &date).unwrap();
    sheet.write_number(4, 3, 420.0).unwrap();
    sheet.write_number(4, 7, 0.7).unwrap();
    sheet.write_string(4, 8, "是").unwrap();
    // Row 6
    sheet.write_string(5, 1, "玄武门街道宿舍（北区）").unwrap();
    sheet.write_number(5, 2, f64::from(future_year())).unwrap();
    sheet.write_number(5, 3, 300.0).unwrap();
    sheet.write_string(5, 4, "约300").unwrap();
    // Row 7
    sheet.write_string(6, 1, "西园新村").unwrap();
    sheet.write_number(6, 2, 1995.0).unwrap();
    sheet.write_number(6, 3, 300.0).unwrap();
    let second = book.add_worksheet();
    second.set_name("二季度").unwrap();
    second.write_string(0, 0, "小区名称").unwrap();
    second.write_string(0, 1, "人口").unwrap();
    second.write_string(1, 0, "东方小区").unwrap();
    second.write_number(1, 1, 999.0).unwrap();
    book.save(path).unwrap();
}

/// The same table as Excel exports it to CSV (UTF-8): merged cells keep their text in the first cell.
fn survey_csv() -> String {
    format!(
        "玄武区老旧小区摸底调查表,,,,,,,,\n\
         小区编号,小区名称,建成年份,户数,人口（人）,改造意愿,,同意比例,拟拆除\n\
         ,,,,,征询比例,赞成比例,,\n\
         e1,东方小区,1985,500,1310,90%,80%,75%,否\n\
         ,锁金村二号院,1990,420,,,,0.7,是\n\
         ,玄武门街道宿舍（北区）,{},300,约300,,,,\n\
         ,西园新村,1995,300,,,,,\n",
        future_year()
    )
}

fn rows_and_issues(t: &SurveyTable) -> (Vec<lifecircle::read::survey::SurveyRow>, Vec<lifecircle::read::survey::SurveyIssue>) {
    (t.rows.clone(), t.issues.clone())
}

#[test]
fn an_xlsx_survey_with_a_title_and_a_two_row_header_reads_as_its_csv_export() {
    let dir = tempfile::tempdir().unwrap();
    let xlsx = dir.path().join("摸底调查表.xlsx");
    write_survey_xlsx(&xlsx);
    let from_xlsx = read_survey(&xlsx).unwrap();
    let from_csv = parse_survey(Path::new("摸底调查表.csv"), survey_csv().as_bytes()).unwrap();
    assert_eq!((from_xlsx.encoding, from_xlsx.sheet.as_deref()), ("xlsx", Some("摸底调查")));
    assert_eq!(rows_and_issues(&from_xlsx), rows_and_issues(&from_csv));

    // The values, worked from the sheet: spreadsheet rows 4-7, floats read as their values, 90% as 0.9.
    let rows: Vec<(usize, Option<&str>)> = from_xlsx.rows.iter().map(|r| (r.row, r.name.as_deref())).collect();
    assert_eq!(rows, vec![(4, Some("东方小区")), (5, Some("锁金村二号院")), (6, Some("玄武门街道宿舍（北区）")), (7, Some("西园新村"))]);
    let a = &from_xlsx.rows[0].attributes;
    assert_eq!((a.built_year, a.households, a.population), (Some(1985), Some(500.0), Some(1310.0)));
    assert_eq!((a.consulted_share, a.agree_share, a.consent_share, a.to_be_demolished), (Some(0.9), Some(0.8), Some(0.75), Some(false)));
    assert_eq!(from_xlsx.rows[0].estate_id.as_deref(), Some("e1"));
    let b = &from_xlsx.rows[1].attributes;
    assert_eq!((b.built_year, b.households, b.consent_share, b.to_be_demolished), (Some(1990), Some(420.0), Some(0.7), Some(true)));
    let c = &from_xlsx.rows[2];
    assert_eq!((c.attributes.built_year, c.attributes.households, c.attributes.population), (None, Some(300.0), None));
    let this_year = current_year();
    assert_eq!(
        c.dropped,
        vec![
            DroppedCell { column: "建成年份".into(), problem: format!("`{}` is after the current year ({this_year}): a built year cannot lie in the future", future_year()) },
            DroppedCell { column: "人口（人）".into(), problem: "`约300` is not a number".into() },
        ]
    );

    // Joined, both give the same estates and the same report.
    let (mut by_xlsx, mut by_csv) = (estates(), estates());
    let report = apply_survey(&from_xlsx, &mut by_xlsx, 2.62);
    assert_eq!(report, apply_survey(&from_csv, &mut by_csv, 2.62));
    for (x, c) in by_xlsx.iter().zip(&by_csv) {
        assert_eq!((x.population, x.households, x.population_source, x.built_year, &x.survey), (c.population, c.households, c.population_source, c.built_year, &c.survey));
    }
    assert_eq!(report.matched, 3);
    assert_eq!((by_xlsx[0].population, by_xlsx[0].households, by_xlsx[0].built_year), (1310.0, 500.0, Some(1985)));
    assert_eq!((by_xlsx[1].built_year, by_xlsx[1].survey.previously_funded), (Some(1990), None));
    // e3: the future year and `约300` are left out; its 300 households applied → 300 × 2.62 = 786 people.
    let e3 = &by_xlsx[2];
    assert!((e3.population - 786.0).abs() < 1e-9 && e3.population_source == PopulationSource::Survey, "{}", e3.population);
    assert_ne!(e3.built_year, Some(future_year()));
    let issues: Vec<(usize, &str)> = report.issues.iter().map(|i| (i.row, i.reason.as_str())).collect();
    let future = format!(
        "row 6, column `建成年份`: `{}` is after the current year ({this_year}): a built year cannot lie in the future; this value was left out, the rest of the row was applied",
        future_year()
    );
    assert_eq!(
        issues,
        vec![
            (6, future.as_str()),
            (6, "row 6, column `人口（人）`: `约300` is not a number; this value was left out, the rest of the row was applied"),
            (7, "row 7: no estate is named `西园新村`; the closest names are 东方小区、玄武门街道宿舍（北区）、锁金村二号院"),
        ]
    );
    assert_eq!((report.rows_not_applied(), report.cells_left_out()), (1, 2));
}

#[test]
fn a_sheet_is_chosen_by_name_and_an_unknown_sheet_lists_the_sheets() {
    let dir = tempfile::tempdir().unwrap();
    let xlsx = dir.path().join("摸底调查表.xlsx");
    write_survey_xlsx(&xlsx);
    let spec = format!("{}|sheet=二季度", xlsx.display());
    let t = read_survey(Path::new(&spec)).unwrap();
    assert_eq!(t.sheet.as_deref(), Some("二季度"));
    assert_eq!(t.rows.len(), 1);
    assert_eq!((t.rows[0].row, t.rows[0].name.as_deref(), t.rows[0].attributes.population), (2, Some("东方小区"), Some(999.0)));
    let err = read_survey(Path::new(&format!("{}|sheet=三季度", xlsx.display()))).unwrap_err();
    assert_eq!(err.exit_code(), 2);
    let m = err.to_string();
    assert!(m.contains("摸底调查表.xlsx") && m.contains("no sheet `三季度`; its sheets are: `摸底调查`, `二季度`"), "{m}");
    // |sheet= on a CSV file is an error too.
    let csv = dir.path().join("s.csv");
    std::fs::write(&csv, survey_csv()).unwrap();
    let m = read_survey(Path::new(&format!("{}|sheet=x", csv.display()))).unwrap_err().to_string();
    assert!(m.contains("s.csv") && m.contains("text (CSV) table"), "{m}");
}

#[test]
fn bad_workbooks_are_input_errors_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    // Cut short: the first 100 bytes of a real workbook.
    let xlsx = dir.path().join("摸底调查表.xlsx");
    write_survey_xlsx(&xlsx);
    let cut = dir.path().join("截断.xlsx");
    std::fs::write(&cut, &std::fs::read(&xlsx).unwrap()[..100]).unwrap();
    let err = read_survey(&cut).unwrap_err();
    assert_eq!(err.exit_code(), 2);
    assert!(err.to_string().contains("截断.xlsx") && err.to_string().contains("cannot open the survey workbook"), "{err}");
    // A workbook whose only sheet is empty.
    let empty = dir.path().join("空表.xlsx");
    let mut book = Workbook::new();
    book.add_worksheet().set_name("Sheet1").unwrap();
    book.save(&empty).unwrap();
    let m = read_survey(&empty).unwrap_err().to_string();
    assert!(m.contains("空表.xlsx") && m.contains("sheet `Sheet1` is empty"), "{m}");
    // A workbook saved under a .csv name is read as the workbook it is.
    let named_csv = dir.path().join("导出.csv");
    std::fs::copy(&xlsx, &named_csv).unwrap();
    assert_eq!(read_survey(&named_csv).unwrap().rows.len(), 4);
}

/// A minimal OpenDocument spreadsheet (ODF 1.2: `mimetype` stored first, `content.xml`, the manifest) with
/// a title row, a header, a float, a percentage, a date and a bad cell.
fn write_survey_ods(path: &Path) {
    use std::io::Write;
    let cell = |t: &str| format!("<table:table-cell office:value-type=\"string\"><text:p>{t}</text:p></table:table-cell>");
    let float = |v: &str| format!("<table:table-cell office:value-type=\"float\" office:value=\"{v}\"><text:p>{v}</text:p></table:table-cell>");
    let row = |cells: Vec<String>| format!("<table:table-row>{}</table:table-row>", cells.concat());
    let content = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\
         <office:document-content xmlns:office=\"urn:oasis:names:tc:opendocument:xmlns:office:1.0\" \
         xmlns:table=\"urn:oasis:names:tc:opendocument:xmlns:table:1.0\" xmlns:text=\"urn:oasis:names:tc:opendocument:xmlns:text:1.0\" office:version=\"1.2\">\
         <office:body><office:spreadsheet><table:table table:name=\"调查\">{}{}{}{}</table:table></office:spreadsheet></office:body></office:document-content>",
        row(vec![cell("玄武区老旧小区摸底调查表")]),
        row(vec![cell("小区名称"), cell("建成年份"), cell("人口"), cell("同意比例")]),
        row(vec![
            cell("东方小区"),
            "<table:table-cell office:value-type=\"date\" office:date-value=\"1985-06-01\"><text:p>1985-06-01</text:p></table:table-cell>".into(),
            float("1310"),
            "<table:table-cell office:value-type=\"percentage\" office:value=\"0.75\"><text:p>75%</text:p></table:table-cell>".into(),
        ]),
        row(vec![cell("锁金村二号院"), float("1990"), cell("约300"), float("0.7")]),
    );
    let manifest = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\
        <manifest:manifest xmlns:manifest=\"urn:oasis:names:tc:opendocument:xmlns:manifest:1.0\" manifest:version=\"1.2\">\
        <manifest:file-entry manifest:full-path=\"/\" manifest:media-type=\"application/vnd.oasis.opendocument.spreadsheet\"/>\
        <manifest:file-entry manifest:full-path=\"content.xml\" manifest:media-type=\"text/xml\"/></manifest:manifest>";
    let mut zip = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
    let stored = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (name, text) in [("mimetype", "application/vnd.oasis.opendocument.spreadsheet"), ("content.xml", content.as_str()), ("META-INF/manifest.xml", manifest)] {
        zip.start_file(name, stored).unwrap();
        zip.write_all(text.as_bytes()).unwrap();
    }
    zip.finish().unwrap();
}

#[test]
fn an_ods_survey_reads_its_floats_percentages_and_dates() {
    let dir = tempfile::tempdir().unwrap();
    let ods = dir.path().join("摸底调查表.ods");
    write_survey_ods(&ods);
    let t = read_survey(&ods).unwrap();
    assert_eq!((t.encoding, t.sheet.as_deref()), ("ods", Some("调查")));
    let rows: Vec<_> =
        t.rows.iter().map(|r| (r.row, r.name.as_deref(), r.attributes.built_year, r.attributes.population, r.attributes.consent_share)).collect();
    assert_eq!(rows, vec![(3, Some("东方小区"), Some(1985), Some(1310.0), Some(0.75)), (4, Some("锁金村二号院"), Some(1990), None, Some(0.7))]);
    assert_eq!(t.rows[1].dropped, vec![DroppedCell { column: "人口".into(), problem: "`约300` is not a number".into() }]);
}

// ---- through the binary ----

/// `lifecircle plan` on the embedded Nanjing extract with an .xlsx survey: 华侨路二十六号小区 (the one named
/// estate, OSM way 857726131) by name with 1,200 residents; estate w435080925 by id with `约300` residents
/// (left out) and 400 households (applied: 400 × 2.62 = 1,048 residents); a name that matches nothing.
#[test]
fn plan_with_an_xlsx_survey_writes_the_surveyed_population_and_the_report() {
    use gdal::vector::LayerAccess;
    let dir = tempfile::tempdir().unwrap();
    let xlsx = dir.path().join("摸底调查表.xlsx");
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.merge_range(0, 0, 0, 3, "玄武区老旧小区摸底调查表", &Format::new()).unwrap();
    for (col, h) in ["小区编号", "小区名称", "人口", "户数"].iter().enumerate() {
        sheet.write_string(1, col as u16, *h).unwrap();
    }
    sheet.write_string(2, 1, "华侨路二十六号小区").unwrap();
    sheet.write_number(2, 2, 1200.0).unwrap();
    sheet.write_string(3, 0, "w435080925").unwrap();
    sheet.write_string(3, 2, "约300").unwrap();
    sheet.write_number(3, 3, 400.0).unwrap();
    sheet.write_string(4, 1, "不存在小区").unwrap();
    book.save(&xlsx).unwrap();

    let out = dir.path().join("out");
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_lifecircle"))
        .args(["plan", "--quiet", "--osm", "data/nanjing-xuanwu-2021.osm.pbf", "--survey", xlsx.to_str().unwrap(), "--out", out.to_str().unwrap()])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert!(o.status.success(), "plan failed: {}", String::from_utf8_lossy(&o.stderr));

    let report = std::fs::read_to_string(out.join("survey_unmatched.csv")).unwrap();
    assert_eq!(
        report,
        "\u{feff}row,estate_id,name,reason\n\
         4,w435080925,,\"row 4, column `人口`: `约300` is not a number; this value was left out, the rest of the row was applied\"\n\
         5,,不存在小区,row 5: no estate is named `不存在小区`; the closest names are 华侨路二十六号小区\n"
    );
    let gpkg = gdal::Dataset::open(out.join("lifecircle.gpkg")).unwrap();
    let mut estates = gpkg.layer_by_name("estates").unwrap();
    let (id, population, source) = {
        let d = estates.defn();
        (d.field_index("estate_id").unwrap(), d.field_index("population").unwrap(), d.field_index("population_source").unwrap())
    };
    let mut surveyed: Vec<(String, f64, String)> = estates
        .features()
        .filter_map(|f| {
            let source = f.field_as_string(source).unwrap().unwrap_or_default();
            (source == "survey").then(|| (f.field_as_string(id).unwrap().unwrap(), f.field_as_double(population).unwrap().unwrap(), source))
        })
        .collect();
    surveyed.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(surveyed.len(), 2, "{surveyed:?}");
    assert_eq!(surveyed[0].0, "w435080925");
    assert!((surveyed[0].1 - 1048.0).abs() < 1e-6, "{surveyed:?}");
    assert_eq!((surveyed[1].0.as_str(), surveyed[1].1), ("w857726131", 1200.0));
}
