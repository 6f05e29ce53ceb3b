//! `report.html`: the planner's report as one self-contained, offline HTML page.
//!
//! The page holds an interactive map (a `<canvas>` drawn by a small hand-written script, `assets/report.js`:
//! drag to pan, wheel or buttons to zoom, layer toggles with legends, click a feature for its fields), the
//! coverage table per category and tier ([`coverage_table`](crate::report::coverage_table)), the renovation
//! bundles with their gaps and recommended sites ([`bundle_table`](crate::report::bundle_table)), the
//! eligibility summary, the run's other facts, the data sources and the OpenStreetMap attribution.
//!
//! Every word of the page is in the language of the [`Wording`] (Chinese by default): headings, table
//! headers, legend, layer titles, pop-ups (field aliases) and the script's own few words, which the page
//! carries in its data block. Categories show their names from the profile (幼儿园), never their keys.
//!
//! Offline by construction: styles and script are inlined, the map data sits in a
//! `<script type="application/json" id="data">` block ([`map_data`](crate::report::map_data)), nothing is
//! loaded from anywhere, and no URL appears in the file, not even one copied from the data (every text from
//! the data is escaped with [`escape`](crate::report::escape), which also escapes `/`). The page declares
//! UTF-8, and its font list starts with CJK fonts, so Chinese names render.
//!
//! # The summary
//! `summary` ([`ReportSummary`]) holds what the page shows beside the layers: the coverage table's rows (see
//! [`coverage_table`](crate::report::coverage_table), which makes them with the run's rule profile), the
//! estates per eligibility verdict, the run's figures ("Run" table, labels from [`ReportSummary::rows`]),
//! the layers left out of the maps and the data sources.
//!
//! Row and section names are the keys' names in the catalogue (`report.figures.<key>`), eligibility
//! verdicts their value names (`values.eligible.<key>`); a key the catalogue lacks is shown as it is.
//!
//! Pass the layers to show; leave the walking network of a whole city out (it can weigh tens of MB).
//!
//! ```
//! use lifecircle::write::layer::{FieldType, GeometryKind, Layer};
//! use lifecircle::report::wording::Wording;
//! let estates = Layer::new("estates", GeometryKind::Polygon, &[("score", FieldType::Real)]);
//! let wording = Wording::default_profile(lifecircle::lang::Lang::Zh);
//! let summary = lifecircle::report::summary::ReportSummary::default();
//! let html = lifecircle::report::html::render_report(&[&estates], &summary, "玄武区 Xuanwu", &wording);
//! assert!(html.contains("<meta charset=\"utf-8\">") && html.contains("玄武区 Xuanwu"));
//! assert!(html.contains("<html lang=\"zh-CN\">") && html.contains("<h2>地图</h2>"));
//! assert!(!html.contains("http://") && !html.contains("https://"));
//! ```

use crate::error::Result;
use crate::write::layer::Layer;
use crate::write::atomic::write_bytes_atomically;
use crate::report::bundle_table::{SiteRow, bundle_rows};
use crate::report::coverage_table::CoverageRow;
use crate::report::escape::{html_text, script_json};
use crate::report::field_values::{format_count, format_number};
use crate::report::map_data::map_data_text;
use crate::report::summary::{ReportSummary, WalkerLossRow};
use crate::report::wording::Wording;
use std::fmt::Write as _;
use std::path::Path;

/// The attribution OpenStreetMap's licence requires wherever its data is shown, in English (`summary.json`
/// and logs); what a person reads is `map.attribution_osm` in the run's language.
pub const ODBL_ATTRIBUTION: &str = "Map data © OpenStreetMap contributors, ODbL 1.0";

const SCRIPT: &str = include_str!("assets/report.js");
const STYLE: &str = include_str!("assets/report.css");

/// Write the report to `path` (through a temporary file and a rename).
pub fn write_report(path: &Path, layers: &[&Layer], summary: &ReportSummary, title: &str, wording: &Wording) -> Result<()> {
    write_bytes_atomically(path, render_report(layers, summary, title, wording).as_bytes())
}

/// The report page.
pub fn render_report(layers: &[&Layer], summary: &ReportSummary, title: &str, wording: &Wording) -> String {
    let data = script_json(&map_data_text(layers, title, wording));
    let mut page = String::with_capacity(data.len() + SCRIPT.len() + 32 * 1024);
    let t = html_text(title);
    let w = |key: &str| html_text(wording.tr(key));
    let _ = write!(
        page,
        "<!DOCTYPE html>\n<html lang=\"{}\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{t}</title>\n<style>\n{STYLE}</style>\n</head>\n<body>\n<header>\n<h1>{t}</h1>\n<p>{}</p>\n</header>\n",
        wording.lang().html_code(),
        w("report.subtitle")
    );
    let _ = write!(
        page,
        "<section id=\"map-section\">\n<h2>{}</h2>\n<div class=\"map-area\">\n<div class=\"map-frame\">\n<canvas id=\"map\" aria-label=\"{}\"></canvas>\n\
         <div class=\"zoom\"><button id=\"zoom-in\" title=\"{}\">+</button><button id=\"zoom-out\" title=\"{}\">−</button><button id=\"zoom-fit\" title=\"{}\">⤢</button></div>\n\
         </div>\n<div class=\"side\">\n<div class=\"panel\"><h3>{}</h3><ul id=\"layers\"></ul></div>\n<div class=\"panel\" id=\"info\"></div>\n</div>\n</div>\n\
         <noscript><p class=\"note\">{}</p></noscript>\n</section>\n",
        w("report.map_heading"),
        w("report.map_label"),
        w("report.zoom_in"),
        w("report.zoom_out"),
        w("report.zoom_fit"),
        w("report.layers"),
        w("report.no_script")
    );
    data_quality_section(&summary.data_quality, wording, &mut page);
    coverage_section(&summary.coverage, wording, &mut page);
    walker_section(&summary.walker_losses, wording, &mut page);
    bundles_section(layers, summary.no_bundles.as_deref(), wording, &mut page);
    let eligibility: Vec<(String, String)> = summary.eligibility_rows().into_iter().map(|(verdict, n)| (wording.value_name("eligible", verdict), n)).collect();
    if !eligibility.is_empty() {
        let _ = writeln!(page, "<section id=\"eligibility\">\n<h2>{}</h2>", w("report.eligibility_heading"));
        label_table(&eligibility, &mut page);
        page.push_str("</section>\n");
    }
    let _ = writeln!(page, "<section id=\"run\">\n<h2>{}</h2>", w("report.run_heading"));
    let figures: Vec<(String, String)> = summary.rows().into_iter().map(|(key, value)| (wording.figure_name(key), value)).collect();
    label_table(&figures, &mut page);
    page.push_str("</section>\n");
    if !summary.left_out_of_maps.is_empty() {
        let _ = writeln!(page, "<section>\n<h2>{}</h2>", html_text(&wording.figure_name("left_out_of_maps")));
        label_table(&[(wording.tr("report.value"), summary.left_out_of_maps.join(wording.tr("units.list_separator")))], &mut page);
        page.push_str("</section>\n");
    }
    sources_section(&summary.sources, wording, &mut page);
    let _ = write!(page, "<footer><p id=\"attribution\">{}</p><p>{}</p>", w("map.attribution_osm"), w("report.footer_note"));
    if !summary.provenance.is_empty() {
        // How the plan was made (version, command line, profile and input checksums, CRS, date).
        let _ = write!(page, "<details id=\"provenance\"><summary>{}</summary><table class=\"data\">", w("provenance.title"));
        for (key, value) in &summary.provenance {
            let _ = write!(page, "<tr><th>{}</th><td>{}</td></tr>", w(key), html_text(value));
        }
        let _ = write!(page, "</table><p>{}</p></details>", w("provenance.rerun"));
    }
    let _ = writeln!(page, "</footer>");
    let _ = write!(page, "<script type=\"application/json\" id=\"data\">{data}</script>\n<script>\n{SCRIPT}</script>\n</body>\n</html>\n");
    page
}

fn percent_bar(share: Option<f64>) -> String {
    match share {
        None => "—".to_string(),
        Some(s) => {
            let class = if s < 0.4 {
                " low"
            } else if s < 0.8 {
                " mid"
            } else {
                ""
            };
            format!("<span class=\"bar{class}\" style=\"width:{:.0}px\"></span>{:.1} %", (s.clamp(0.0, 1.0) * 80.0).max(1.0), s * 100.0)
        }
    }
}

fn coverage_section(rows: &[CoverageRow], wording: &Wording, page: &mut String) {
    let w = |key: &str| html_text(wording.tr(key));
    let _ = writeln!(page, "<section id=\"coverage\">\n<h2>{}</h2>", w("report.coverage_heading"));
    if rows.is_empty() {
        let _ = writeln!(page, "<p class=\"note\">{}</p>\n</section>", w("report.coverage_none"));
        return;
    }
    // The standard's long name, as a second column, where the language has it (Chinese).
    let full_names: Vec<Option<String>> = rows.iter().map(|r| wording.category_full_name(&r.category)).collect();
    let with_full_names = full_names.iter().any(Option::is_some);
    page.push_str("<table class=\"data\">\n<tr>");
    for key in ["report.col_tier", "report.col_category", "report.col_full_name", "report.col_threshold", "report.col_population_covered", "report.col_population", "report.col_share", "report.col_estates_covered"] {
        if key != "report.col_full_name" || with_full_names {
            let _ = write!(page, "<th>{}</th>", w(key));
        }
    }
    page.push_str("</tr>\n");
    for (row, full_name) in rows.iter().zip(&full_names) {
        let full_name_cell = if with_full_names { format!("<td>{}</td>", html_text(full_name.as_deref().unwrap_or(""))) } else { String::new() };
        let _ = writeln!(
            page,
            "<tr><td>{}</td><td>{}</td>{full_name_cell}<td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td><td class=\"num\">{}</td></tr>",
            html_text(&row.tier.as_deref().map_or("—".to_string(), |t| wording.tier_name(t))),
            html_text(&wording.category_name(&row.category)),
            row.threshold_m.map_or("—".to_string(), format_number),
            format_count(row.population_covered),
            format_count(row.population),
            percent_bar(row.share_population()),
            html_text(&wording.tr_with("report.count_of", &[("covered", &row.estates_covered), ("total", &row.estates)]))
        );
    }
    page.push_str("</table>\n</section>\n");
}

/// With `--walker-compare`: per category, residents and estates covered for an adult but not for an older
/// walker or a wheelchair user.
fn walker_section(rows: &[WalkerLossRow], wording: &Wording, page: &mut String) {
    if rows.is_empty() {
        return;
    }
    let w = |key: &str| html_text(wording.tr(key));
    let _ = writeln!(page, "<section id=\"walkers\">\n<h2>{}</h2>\n<p class=\"note\">{}</p>", w("report.walker_heading"), w("report.walker_note"));
    page.push_str("<table class=\"data\">\n<tr>");
    for key in ["report.col_category", "report.col_elderly_residents_losing", "report.col_elderly_estates_losing", "report.col_wheelchair_residents_losing", "report.col_wheelchair_estates_losing"] {
        let _ = write!(page, "<th>{}</th>", w(key));
    }
    page.push_str("</tr>\n");
    for row in rows {
        let _ = writeln!(
            page,
            "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            html_text(&wording.category_name(&row.category)),
            format_count(row.elderly.1),
            row.elderly.0,
            format_count(row.wheelchair.1),
            row.wheelchair.0
        );
    }
    page.push_str("</table>\n</section>\n");
}

fn site_text(site: &SiteRow, wording: &Wording) -> String {
    html_text(&site.describe(wording))
}

/// 数据质量: what the data lacks, in plain sentences, before the tables (so a 0 % is read for what it is).
fn data_quality_section(findings: &[String], wording: &Wording, page: &mut String) {
    let _ = writeln!(page, "<section id=\"data-quality\">\n<h2>{}</h2>", html_text(wording.tr("report.data_quality_heading")));
    if findings.is_empty() {
        let _ = writeln!(page, "<p class=\"note\">{}</p>", html_text(wording.tr("data_quality.none")));
    } else {
        page.push_str("<ul>\n");
        for finding in findings {
            let _ = writeln!(page, "<li>{}</li>", html_text(finding));
        }
        page.push_str("</ul>\n");
    }
    page.push_str("</section>\n");
}

fn bundles_section(layers: &[&Layer], no_bundles: Option<&str>, wording: &Wording, page: &mut String) {
    let (rows, outside) = bundle_rows(layers);
    let w = |key: &str| html_text(wording.tr(key));
    if rows.is_empty() && outside.is_empty() {
        if let Some(why) = no_bundles {
            let _ = writeln!(page, "<section id=\"bundles\">\n<h2>{}</h2>\n<p class=\"note\">{}</p>\n</section>", w("report.bundles_heading"), html_text(why));
        }
        return;
    }
    let _ = writeln!(page, "<section id=\"bundles\">\n<h2>{}</h2>", w("report.bundles_heading"));
    if rows.is_empty()
        && let Some(why) = no_bundles
    {
        let _ = writeln!(page, "<p class=\"note\">{}</p>", html_text(why));
    }
    if !rows.is_empty() {
        // The lift column where the bundles carry lift candidates (plan, bundle).
        let with_lifts = rows.iter().any(|r| r.lifts.is_some());
        let lift_header = if with_lifts { format!("<th>{}</th>", w("report.col_lifts")) } else { String::new() };
        let _ = writeln!(
            page,
            "<table class=\"data\">\n<tr><th>{}</th><th>{}</th>{lift_header}<th>{}</th><th>{}</th></tr>",
            w("report.col_bundle"),
            w("report.col_residents"),
            w("report.col_gaps"),
            w("report.col_sites")
        );
        for row in &rows {
            let gaps = if row.gaps.is_empty() { w("report.no_gaps") } else { html_text(&wording.category_list(&wording.in_profile_order(&row.gaps))) };
            let sites = if row.sites.is_empty() { "—".to_string() } else { row.sites.iter().map(|s| site_text(s, wording)).collect::<Vec<_>>().join("<br>") };
            let lifts = match (with_lifts, row.lifts) {
                (false, _) => String::new(),
                (true, None) => "<td class=\"num\">—</td>".to_string(),
                (true, Some((n, households))) => format!(
                    "<td class=\"num\">{}</td>",
                    html_text(&wording.tr_with("report.lifts_cell", &[("buildings", &format_count(n)), ("households", &format_count(households.round()))]))
                ),
            };
            let _ = writeln!(
                page,
                "<tr><td>{}</td><td class=\"num\">{}</td>{lifts}<td>{gaps}</td><td>{sites}</td></tr>",
                html_text(&row.bundle_id),
                row.population.map_or("—".to_string(), format_count)
            );
        }
        page.push_str("</table>\n");
    }
    if !outside.is_empty() {
        let lead = if layers.iter().any(|l| l.name == "bundle_sites") { w("report.sites_besides_bundle_sites") } else { w("report.sites_outside_bundles") };
        let separator = html_text(wording.tr("units.list_separator"));
        let sites = outside.iter().map(|s| site_text(s, wording)).collect::<Vec<_>>().join(&separator);
        let _ = writeln!(page, "<p>{}</p>", wording.tr_with("report.sites_line", &[("lead", &lead), ("sites", &sites)]));
    }
    page.push_str("</section>\n");
}

/// A table of (label, value) rows.
fn label_table<K: AsRef<str>>(rows: &[(K, String)], page: &mut String) {
    page.push_str("<table class=\"data\">\n");
    for (label, value) in rows {
        let _ = writeln!(page, "<tr><th>{}</th><td>{}</td></tr>", html_text(label.as_ref()), html_text(value));
    }
    page.push_str("</table>\n");
}

fn sources_section(sources: &[String], wording: &Wording, page: &mut String) {
    let _ = writeln!(page, "<section id=\"sources\">\n<h2>{}</h2>\n<ul>", html_text(wording.tr("report.sources_heading")));
    let attribution = wording.tr("map.attribution_osm");
    for item in sources.iter().filter(|i| *i != attribution && *i != ODBL_ATTRIBUTION) {
        let _ = writeln!(page, "<li>{}</li>", html_text(item));
    }
    let _ = writeln!(page, "<li>{}</li>\n</ul>\n</section>", html_text(attribution));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lang::Lang;
    use crate::write::layer::{FieldType, GeometryKind, Value};
    use geo_types::{Geometry, point, polygon};
    use serde_json::{Value as Json, json};

    fn zh() -> Wording {
        Wording::default_profile(Lang::Zh)
    }

    fn extract_data(html: &str) -> Json {
        let start_tag = "<script type=\"application/json\" id=\"data\">";
        let start = html.find(start_tag).unwrap() + start_tag.len();
        let end = start + html[start..].find("</script>").unwrap();
        serde_json::from_str(&html[start..end]).unwrap()
    }

    #[test]
    fn the_walker_table_names_categories_and_losses_in_the_run_language() {
        let rows = vec![WalkerLossRow { category: "kindergarten".into(), elderly: (2, 3400.0), wheelchair: (5, 12500.0) }];
        let summary = ReportSummary { walker_losses: rows, walker: None, working_crs: "EPSG:32649".into(), ..ReportSummary::default() };
        let html = render_report(&[], &summary, "t", &zh());
        let section = &html[html.find("<section id=\"walkers\">").unwrap()..];
        let section = &section[..section.find("</section>").unwrap()];
        assert!(section.contains("<h2>老年人与轮椅使用者失去的覆盖（与成年人步行相比）</h2>"), "{section}");
        assert!(section.contains("<tr><td>幼儿园</td><td class=\"num\">3,400</td><td class=\"num\">2</td><td class=\"num\">12,500</td><td class=\"num\">5</td></tr>"), "{section}");
        // Without a comparison, no section; a non-adult walker is named in the run table.
        let plain = render_report(&[], &ReportSummary { walker: Some("轮椅使用者".into()), ..ReportSummary::default() }, "t", &zh());
        assert!(!plain.contains("id=\"walkers\""));
        assert!(plain.contains("<tr><th>步行者</th><td>轮椅使用者</td></tr>"));
    }

    #[test]
    fn the_bundle_table_counts_lift_candidates_where_the_layer_has_them() {
        let fields = [("bundle_id", FieldType::Text), ("population", FieldType::Real), ("lift_candidates", FieldType::Int), ("lift_households", FieldType::Real)];
        let mut bundles = Layer::new("bundles", GeometryKind::Polygon, &fields);
        bundles.push(None, vec![Value::Text("B0001".into()), Value::Real(6000.0), Value::Int(12), Value::Real(1234.4)]);
        let html = render_report(&[&bundles], &ReportSummary::default(), "t", &zh());
        assert!(html.contains("<th>加装电梯候选楼栋</th>"), "{html}");
        assert!(html.contains("<tr><td>B0001</td><td class=\"num\">6,000</td><td class=\"num\">12 栋（约 1,234 户）</td>"), "{html}");
        let mut plain = Layer::new("bundles", GeometryKind::Polygon, &fields[..2]);
        plain.push(None, vec![Value::Text("B0001".into()), Value::Real(6000.0)]);
        assert!(!render_report(&[&plain], &ReportSummary::default(), "t", &zh()).contains("加装电梯"));
    }

    #[test]
    fn hostile_text_stays_inert_and_url_free() {
        let mut estates = Layer::new("estates", GeometryKind::Polygon, &[("name", FieldType::Text), ("score", FieldType::Real)]);
        let nasty = "</script><script>alert(1)</script> https://evil.example/x";
        estates.push(Some(Geometry::Polygon(polygon![(x: 118.0, y: 32.0), (x: 118.01, y: 32.0), (x: 118.0, y: 32.01), (x: 118.0, y: 32.0)])), vec![nasty.into(), Value::Real(0.5)]);
        let summary = ReportSummary {
            sources: vec!["OSM extract from http://download.example/nanjing.osm.pbf".into()],
            working_crs: nasty.into(),
            left_out_of_maps: vec![nasty.into()],
            ..ReportSummary::default()
        };
        let html = render_report(&[&estates], &summary, nasty, &zh());
        assert!(!html.contains("http://") && !html.contains("https://"));
        assert_eq!(html.matches("<script").count(), 2, "only the data block and the map script");
        let data = extract_data(&html);
        assert_eq!(data["layers"][0]["features"][0]["values"][0], json!(nasty));
        assert_eq!(data["title"], json!(nasty));
    }

    #[test]
    fn sections_from_the_summary() {
        let summary = ReportSummary {
            estates: 1234,
            residents: 56789.4,
            bundles: 3,
            working_crs: "EPSG:32650".into(),
            eligibility: [("yes".to_string(), 31), ("no".to_string(), 6)].into(),
            sources: vec!["OpenStreetMap extract nanjing.osm.pbf".into(), "survey.csv".into()],
            left_out_of_maps: vec!["service_lines (15 features, 600000 vertices)".into()],
            ..ReportSummary::default()
        };
        let html = render_report(&[], &summary, "t", &zh());
        // Every figure by its name in the catalogue, every verdict by its value name.
        assert!(html.contains("<section id=\"run\">\n<h2>运行信息</h2>\n<table class=\"data\">\n<tr><th>小区数</th><td>1,234</td></tr>\n"), "{html}");
        assert!(html.contains("<tr><th>居民数</th><td>56789.4</td></tr>"));
        assert!(html.contains("<tr><th>改造片区数</th><td>3</td></tr>"));
        assert!(html.contains("<tr><th>工作坐标系</th><td>EPSG:32650</td></tr>\n</table>\n</section>\n"));
        assert!(html.contains("<section id=\"eligibility\">\n<h2>改造资格</h2>\n<table class=\"data\">\n<tr><th>不符合改造条件</th><td>6</td></tr>\n<tr><th>符合改造条件</th><td>31</td></tr>\n</table>\n</section>\n"), "{html}");
        assert!(html.contains("<h2>未在地图中显示的图层（请在 QGIS 中打开 lifecircle.gpkg）</h2>\n<table class=\"data\">\n<tr><th>值</th><td>service_lines (15 features, 600000 vertices)</td></tr>"));
        assert!(html.contains("<li>OpenStreetMap extract nanjing.osm.pbf</li>\n<li>survey.csv</li>\n"));
        assert!(html.contains("本次运行没有覆盖率数据。"));
        assert!(html.contains("地图数据 © OpenStreetMap 贡献者, ODbL 1.0"));
        assert!(!html.contains("id=\"bundles\""), "no bundles section without bundles");
        let en = render_report(&[], &summary, "t", &Wording::default_profile(Lang::En));
        assert!(en.contains("<tr><th>Estates</th><td>1,234</td></tr>") && en.contains("<tr><th>Eligible</th><td>31</td></tr>"), "{en}");
        assert!(en.contains("No coverage figures in this run.") && en.contains(ODBL_ATTRIBUTION) && en.contains("<html lang=\"en\">"));
        // Without eligibility figures or left-out layers, no section for them.
        let html = render_report(&[], &ReportSummary::default(), "t", &zh());
        assert!(!html.contains("id=\"eligibility\"") && !html.contains("未在地图中显示"));
    }

    #[test]
    fn coverage_and_bundle_tables_rendered() {
        let mut estates = Layer::new("estates", GeometryKind::Polygon, &[("population", FieldType::Real), ("ok_kindergarten", FieldType::Bool)]);
        estates.push(None, vec![Value::Real(1500.0), Value::Bool(true)]);
        estates.push(None, vec![Value::Real(500.0), Value::Bool(false)]);
        let mut bundles = Layer::new("bundles", GeometryKind::Polygon, &[("bundle_id", FieldType::Text), ("population", FieldType::Real), ("gaps", FieldType::TextList)]);
        bundles.push(Some(Geometry::Polygon(polygon![(x: 0., y: 0.), (x: 1., y: 0.), (x: 1., y: 1.), (x: 0., y: 0.)])), vec!["B1".into(), Value::Real(7000.0), vec!["park".to_string()].into()]);
        let mut sites = Layer::new("sites", GeometryKind::Point, &[("category", FieldType::Text), ("rank", FieldType::Int), ("new_population_covered", FieldType::Real)]);
        sites.push(Some(Geometry::Point(point!(x: 0.9, y: 0.1))), vec!["park".into(), Value::Int(1), Value::Real(2300.0)]);
        let summary = ReportSummary { coverage: crate::report::coverage_table::rows_from_layers(&[&estates], &crate::profile::Profile::default_profile()), ..ReportSummary::default() };
        let html = render_report(&[&estates, &bundles, &sites], &summary, "t", &zh());
        // 1500 of 2000 residents = 75.0 %; 1 of 2 estates.
        assert!(html.contains("<td class=\"num\">1,500</td><td class=\"num\">2,000</td>"), "{html}");
        assert!(html.contains("75.0 %"));
        assert!(html.contains("<td class=\"num\">1 &#47; 2</td>"), "1 / 2, its slash escaped");
        assert!(html.contains("<tr><td>5分钟生活圈</td><td>幼儿园</td><td>幼儿园</td><td class=\"num\">300</td>"), "tier, name, GB 50180 name, distance");
        assert!(html.contains("<tr><td>B1</td><td class=\"num\">7,000</td><td>社区公园</td><td>社区公园 #1（新增覆盖 2,300 人）</td></tr>"));
        let en = render_report(&[&estates, &bundles, &sites], &summary, "t", &Wording::default_profile(Lang::En));
        assert!(en.contains("<tr><td>5-minute life circle</td><td>Kindergarten</td><td class=\"num\">300</td>"), "no GB 50180 column in English");
        assert!(en.contains("<td class=\"num\">1 of 2</td>"));
        assert!(en.contains("<tr><td>B1</td><td class=\"num\">7,000</td><td>Park</td><td>Park #1 (+2,300 residents)</td></tr>"));
    }

    #[test]
    fn written_file_equals_rendered_page() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("report.html");
        write_report(&path, &[], &ReportSummary::default(), "空", &zh()).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), render_report(&[], &ReportSummary::default(), "空", &zh()));
    }
}
