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
