//! `report.html`: the planner's report as one self-contained, offline HTML page.
//!
//! The page holds an interactive map (a `<canvas>` drawn by a small hand-written script, `assets/report.js`:
//! drag to pan, wheel or buttons to zoom, layer toggles with legends, click a feature for its fields), the
//! coverage table per category and tier ([`coverage_table`](crate::report::coverage_table)), the renovation
//! bundles with their gaps and recommended sites ([`bundle_table`](crate::report::bundle_table)), the
//! eligibility summary, the run's other facts, the data sources and the OpenStreetMap attribution.
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
//! Pass the layers to show; leave the walking network of a whole city out (it can weigh tens of MB).
//!
//! ```
//! use lifecircle::write::layer::{FieldType, GeometryKind, Layer};
//! let estates = Layer::new("estates", GeometryKind::Polygon, &[("score", FieldType::Real)]);
//! let summary = lifecircle::report::summary::ReportSummary::default();
//! let html = lifecircle::report::html::render_report(&[&estates], &summary, "玄武区 Xuanwu");
//! assert!(html.contains("<meta charset=\"utf-8\">") && html.contains("玄武区 Xuanwu"));
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
use crate::report::summary::{LEFT_OUT_HEADING, ReportSummary};
use std::fmt::Write as _;
use std::path::Path;

/// The attribution OpenStreetMap's licence requires wherever its data is shown.
pub const ODBL_ATTRIBUTION: &str = "Map data © OpenStreetMap contributors, ODbL 1.0";

const SCRIPT: &str = include_str!("assets/report.js");
const STYLE: &str = include_str!("assets/report.css");

/// Write the report to `path` (through a temporary file and a rename).
pub fn write_report(path: &Path, layers: &[&Layer], summary: &ReportSummary, title: &str) -> Result<()> {
    write_bytes_atomically(path, render_report(layers, summary, title).as_bytes())
}

/// The report page.
pub fn render_report(layers: &[&Layer], summary: &ReportSummary, title: &str) -> String {
    let data = script_json(&map_data_text(layers, title));
    let mut page = String::with_capacity(data.len() + SCRIPT.len() + 32 * 1024);
    let t = html_text(title);
    let _ = write!(
        page,
        "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{t}</title>\n<style>\n{STYLE}</style>\n</head>\n<body>\n<header>\n<h1>{t}</h1>\n\
         <p>Life-circle coverage, renovation bundles and recommended sites (GB 50180-2018 5-, 10- and 15-minute life circles) · lifecircle report</p>\n</header>\n"
    );
    page.push_str(
        "<section id=\"map-section\">\n<h2>Map</h2>\n<div class=\"map-area\">\n<div class=\"map-frame\">\n<canvas id=\"map\" aria-label=\"map of the layers\"></canvas>\n\
         <div class=\"zoom\"><button id=\"zoom-in\" title=\"zoom in\">+</button><button id=\"zoom-out\" title=\"zoom out\">−</button><button id=\"zoom-fit\" title=\"show everything\">⤢</button></div>\n\
         </div>\n<div class=\"side\">\n<div class=\"panel\"><h3>Layers</h3><ul id=\"layers\"></ul></div>\n<div class=\"panel\" id=\"info\"></div>\n</div>\n</div>\n\
         <noscript><p class=\"note\">The map needs JavaScript; the tables below do not.</p></noscript>\n</section>\n",
    );
    coverage_section(&summary.coverage, &mut page);
    bundles_section(layers, &mut page);
    let eligibility = summary.eligibility_rows();
    if !eligibility.is_empty() {
        page.push_str("<section id=\"eligibility\">\n<h2>Eligibility</h2>\n");
        label_table(&eligibility, &mut page);
        page.push_str("</section>\n");
    }
    page.push_str("<section id=\"run\">\n<h2>Run</h2>\n");
    label_table(&summary.rows(), &mut page);
    page.push_str("</section>\n");
    let left_out = summary.left_out_rows();
    if !left_out.is_empty() {
        let _ = writeln!(page, "<section>\n<h2>{}</h2>", html_text(LEFT_OUT_HEADING));
        label_table(&left_out, &mut page);
        page.push_str("</section>\n");
    }
    sources_section(&summary.sources, &mut page);
    let _ = writeln!(
        page,
        "<footer><p id=\"attribution\">{}</p><p>Distances are walked along the mapped pedestrian network. The map uses a local equirectangular projection about its centre.</p></footer>",
        html_text(ODBL_ATTRIBUTION)
    );
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

fn coverage_section(rows: &[CoverageRow], page: &mut String) {
    page.push_str("<section id=\"coverage\">\n<h2>Coverage by category and life-circle tier</h2>\n");
    if rows.is_empty() {
        page.push_str("<p class=\"note\">No coverage figures in this run.</p>\n</section>\n");
        return;
    }
    page.push_str(
        "<table class=\"data\">\n<tr><th>Tier</th><th>Category</th><th>名称</th><th>Walk ≤ m</th><th>Residents covered</th><th>Residents</th><th>Share of residents</th><th>Estates covered</th></tr>\n",
    );
    for row in rows {
        let _ = writeln!(
            page,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td><td class=\"num\">{} of {}</td></tr>",
            html_text(row.tier.as_deref().unwrap_or("—")),
            html_text(&row.category),
            html_text(row.name_zh.as_deref().unwrap_or("")),
            row.threshold_m.map_or("—".to_string(), format_number),
            format_count(row.population_covered),
            format_count(row.population),
            percent_bar(row.share_population()),
            row.estates_covered,
            row.estates
        );
    }
    page.push_str("</table>\n</section>\n");
}

fn site_text(site: &SiteRow) -> String {
    let mut text = site.category.clone();
    if let Some(rank) = site.rank {
        let _ = write!(text, " #{}", format_number(rank));
    }
    if let Some(covered) = site.new_population_covered {
        let _ = write!(text, " (+{} residents)", format_count(covered));
    }
    html_text(&text)
}

fn bundles_section(layers: &[&Layer], page: &mut String) {
    let (rows, outside) = bundle_rows(layers);
    if rows.is_empty() && outside.is_empty() {
        return;
    }
    page.push_str("<section id=\"bundles\">\n<h2>Renovation bundles and recommended sites</h2>\n");
    if !rows.is_empty() {
        page.push_str("<table class=\"data\">\n<tr><th>Bundle</th><th>Residents</th><th>Gaps (categories not covered)</th><th>Recommended sites</th></tr>\n");
        for row in &rows {
            let gaps = if row.gaps.is_empty() { "none".to_string() } else { html_text(&row.gaps.join(", ")) };
            let sites = if row.sites.is_empty() { "—".to_string() } else { row.sites.iter().map(site_text).collect::<Vec<_>>().join("<br>") };
            let _ = writeln!(
                page,
                "<tr><td>{}</td><td class=\"num\">{}</td><td>{gaps}</td><td>{sites}</td></tr>",
                html_text(&row.bundle_id),
                row.population.map_or("—".to_string(), format_count)
            );
        }
        page.push_str("</table>\n");
    }
    if !outside.is_empty() {
        let lead = if layers.iter().any(|l| l.name == "bundle_sites") {
            "Recommended sites for all estates (the table above lists each bundle's own)"
        } else {
            "Recommended sites outside any bundle"
        };
        let _ = writeln!(page, "<p>{lead}: {}</p>", outside.iter().map(site_text).collect::<Vec<_>>().join("; "));
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

fn sources_section(sources: &[String], page: &mut String) {
    page.push_str("<section id=\"sources\">\n<h2>Data sources</h2>\n<ul>\n");
    for item in sources {
        let _ = writeln!(page, "<li>{}</li>", html_text(item));
    }
    let _ = writeln!(page, "<li>{}</li>\n</ul>\n</section>", html_text(ODBL_ATTRIBUTION));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::write::layer::{FieldType, GeometryKind, Value};
    use geo_types::{Geometry, point, polygon};
    use serde_json::{Value as Json, json};

    fn extract_data(html: &str) -> Json {
        let start_tag = "<script type=\"application/json\" id=\"data\">";
        let start = html.find(start_tag).unwrap() + start_tag.len();
        let end = start + html[start..].find("</script>").unwrap();
        serde_json::from_str(&html[start..end]).unwrap()
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
        let html = render_report(&[&estates], &summary, nasty);
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
            eligibility: [("eligible".to_string(), 31), ("ineligible".to_string(), 6)].into(),
            sources: vec!["OpenStreetMap extract nanjing.osm.pbf".into(), "survey.csv".into()],
            left_out_of_maps: vec!["service_lines (15 features, 600000 vertices)".into()],
            ..ReportSummary::default()
        };
        let html = render_report(&[], &summary, "t");
        assert!(html.contains("<section id=\"run\">\n<h2>Run</h2>\n<table class=\"data\">\n<tr><th>estates</th><td>1,234</td></tr>\n"), "{html}");
        assert!(html.contains("<tr><th>residents</th><td>56789.4</td></tr>"));
        assert!(html.contains("<tr><th>bundles</th><td>3</td></tr>"));
        assert!(html.contains("<tr><th>working CRS</th><td>EPSG:32650</td></tr>\n</table>\n</section>\n"));
        assert!(html.contains("<section id=\"eligibility\">\n<h2>Eligibility</h2>\n<table class=\"data\">\n<tr><th>eligible</th><td>31</td></tr>\n<tr><th>ineligible</th><td>6</td></tr>\n</table>\n</section>\n"));
        assert!(html.contains("<h2>left out of the maps (open lifecircle.gpkg in QGIS)</h2>\n<table class=\"data\">\n<tr><th>value</th><td>service_lines (15 features, 600000 vertices)</td></tr>"));
        assert!(html.contains("<li>OpenStreetMap extract nanjing.osm.pbf</li>\n<li>survey.csv</li>\n"));
        assert!(html.contains("No coverage figures in this run."));
        assert!(html.contains(ODBL_ATTRIBUTION));
        assert!(!html.contains("id=\"bundles\""), "no bundles section without bundles");
        // Without eligibility figures or left-out layers, no section for them.
        let html = render_report(&[], &ReportSummary::default(), "t");
        assert!(!html.contains("id=\"eligibility\"") && !html.contains("left out of the maps"));
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
        let html = render_report(&[&estates, &bundles, &sites], &summary, "t");
        // 1500 of 2000 residents = 75.0 %; 1 of 2 estates.
        assert!(html.contains("<td class=\"num\">1,500</td><td class=\"num\">2,000</td>"), "{html}");
        assert!(html.contains("75.0 %"));
        assert!(html.contains("<td class=\"num\">1 of 2</td>"));
        assert!(html.contains("<td>幼儿园</td>"));
        assert!(html.contains("<tr><td>B1</td><td class=\"num\">7,000</td><td>park</td><td>park #1 (+2,300 residents)</td></tr>"));
    }

    #[test]
    fn written_file_equals_rendered_page() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("report.html");
        write_report(&path, &[], &ReportSummary::default(), "空").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), render_report(&[], &ReportSummary::default(), "空"));
    }
}
