//! One class rule for the coverage score in the three places a planner sees it: the QGIS style (a
//! rule-based renderer whose filters are evaluated here as QGIS evaluates them), the HTML report's map data
//! (the symbol the report's script paints) and the printable map (the fill of the estate in the SVG). A
//! score exactly on a break goes to the upper class: `lower <= score < upper`.

use geo_types::{Geometry, polygon};
use lifecircle::lang::Lang;
use lifecircle::report::map::{MapOptions, render_map_svg};
use lifecircle::report::map_data::map_data;
use lifecircle::report::palette::{self, SCORE_CLASSES};
use lifecircle::report::styles::qml_for_layer;
use lifecircle::report::wording::Wording;
use lifecircle::write::layer::{FieldType, GeometryKind, Layer, Value};

/// Scores on and between the breaks, and the class each must fall in (0 = red … 4 = green).
const CASES: [(f64, usize); 10] = [(0.0, 0), (0.1, 0), (0.2, 1), (0.3, 1), (0.4, 2), (0.6, 3), (0.8, 4), (0.9, 4), (1.0, 4), (0.19999, 0)];

fn estate(score: f64) -> Layer {
    let mut layer = Layer::new("estates", GeometryKind::Polygon, &[("score", FieldType::Real)]);
    let g = Geometry::Polygon(polygon![(x: 118.80, y: 32.05), (x: 118.801, y: 32.05), (x: 118.801, y: 32.051), (x: 118.80, y: 32.051), (x: 118.80, y: 32.05)]);
    layer.push(Some(g), vec![Value::Real(score)]);
    layer
}

/// Evaluate a filter of the form `"score" OP number [AND "score" OP number]` (the only forms the style
/// writes, besides `IS NULL`) the way QGIS's expression engine does.
fn qgis_filter_holds(filter: &str, score: f64) -> bool {
    if filter == r#""score" IS NULL"# {
        return false;
    }
    filter.split(" AND ").all(|term| {
        let parts: Vec<&str> = term.split_whitespace().collect();
        assert_eq!(parts.len(), 3, "unexpected filter term {term:?}");
        assert_eq!(parts[0], r#""score""#);
        let bound: f64 = parts[2].parse().unwrap();
        match parts[1] {
            "<" => score < bound,
            "<=" => score <= bound,
            ">" => score > bound,
            ">=" => score >= bound,
            "=" => score == bound,
            op => panic!("operator {op}"),
        }
    })
}

#[test]
fn qgis_report_and_printable_map_put_every_score_in_the_same_class() {
    let wording = Wording::default_profile(Lang::Zh);
    for (score, class) in CASES {
        assert_eq!(palette::score_class(score), Some(class), "score_class({score})");
        let expected = SCORE_CLASSES[class].colour;
        let layer = estate(score);

        // QGIS: exactly one rule matches, and its symbol has the class's colour.
        let qml = qml_for_layer(&layer, &wording).unwrap();
        let doc = roxmltree::Document::parse(&qml).unwrap();
        let matching: Vec<roxmltree::Node> = doc.descendants().filter(|n| n.has_tag_name("rule") && qgis_filter_holds(n.attribute("filter").unwrap(), score)).collect();
        assert_eq!(matching.len(), 1, "score {score}: rules matching {:?}", matching.iter().map(|n| n.attribute("filter")).collect::<Vec<_>>());
        let symbol_name = matching[0].attribute("symbol").unwrap();
        let symbol = doc.descendants().find(|n| n.has_tag_name("symbol") && n.attribute("name") == Some(symbol_name)).unwrap();
        let colour = symbol.descendants().find(|n| n.has_tag_name("Option") && n.attribute("name") == Some("color")).unwrap().attribute("value").unwrap();
        assert_eq!(colour, expected.qgis(), "QGIS colour of score {score}");
        assert!(matching[0].attribute("label").unwrap().contains(SCORE_CLASSES[class].label));

        // The report: the symbol the script paints the feature with.
        let data = map_data(&[&layer], "t", &wording);
        let l = &data["layers"][0];
        let s = l["features"][0]["symbol"].as_u64().unwrap() as usize;
        assert_eq!(l["symbols"][s]["fill"].as_str().unwrap(), expected.hex_with_alpha(), "report colour of score {score}");

        // The printable map: the estates group fills its one polygon with the class's colour.
        let svg = render_map_svg(&[&layer], &MapOptions::a4_landscape("t", &wording), &wording);
        let doc = roxmltree::Document::parse(&svg).unwrap();
        let group = doc.descendants().find(|n| n.attribute("id") == Some("layer-estates")).unwrap();
        let fills: Vec<&str> = group.descendants().filter_map(|n| n.attribute("fill")).filter(|f| f.starts_with('#')).collect();
        assert_eq!(fills, vec![expected.hex().as_str()], "map colour of score {score}");
    }
}
