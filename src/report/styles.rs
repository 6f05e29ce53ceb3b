//! QGIS layer styles (`.qml`, the QGIS 3.22 style document) for lifecircle's output layers, so that a
//! planner who opens the GeoJSON or GeoPackage output in QGIS sees a readable map at once.
//!
//! | layer | renderer |
//! |---|---|
//! | `estates` | rule-based on `score` (0..=1): five equal classes red → green, each `lower <= score < upper` ([`palette::SCORE_CLASSES`], [`palette::score_class_filter`]), grey without a score |
//! | `service_areas` | categorised on `tier`: `5min` / `10min` / `15min`, semi-transparent fills |
//! | `service_lines` | categorised on `tier`, lines of the same colours |
//! | `bundles` | no fill, thick purple outline, labelled with `bundle_id` |
//! | `sites` | magenta stars labelled with the category's name and `#rank` |
//! | `facilities` | categorised on `category`, one colour per profile category (points) |
//! | `facility_footprints` | the same, as translucent areas |
//! | `network` | thin grey lines; with `--dem`, graduated on `slope_factor` (the slope map, [`palette::SLOPE_CLASSES`]) |
//! | `idle_land` / `candidates` | brown diagonal hatching |
//! | any other | a plain symbol for its geometry kind |
//!
//! Every word is in the language of the [`Wording`]: legend labels (a category by its name from the profile,
//! a tier as `5分钟生活圈（300 米）`), labels (an expression that shows a category's name, not its key) and
//! the field aliases (`<aliases>`: 小区名称, 到幼儿园距离(米) …) that QGIS's attribute table, identify
//! panel and forms show instead of the ASCII field names, and the names of coded values (a `ValueMap`
//! widget per coded field, [`value_map`]: `eligible` = `yes` shown as 符合改造条件, `category` =
//! `kindergarten` as 幼儿园; each reason of a worded field, [`crate::report::worded_fields`], as its
//! sentence: `eligibility_reason` = `meets every rule` as 符合全部改造条件). [`layer_style`] also gives the layer's title and
//! aliases for the GeoPackage's own tables ([`crate::report::gpkg_styles`]).
//!
//! The document follows the structure QGIS 3.22 itself writes (`QgsMapLayer::exportNamedStyle`): a `<qgis>`
//! root with `styleCategories="Symbology|Labeling|Fields"` (Fields carries the aliases) and `labelsEnabled`, a `<renderer-v2>` (`singleSymbol`,
//! `RuleRenderer` or `categorizedSymbol`) whose symbols hold symbol layers with their properties in
//! `<Option type="Map">`, an optional simple `<labeling>`, `<fieldConfiguration>` (the value maps),
//! `<aliases>` (one `<alias field index name>` per
//! field, as `QgsVectorLayer::readSymbology` reads them) and `<layerGeometryType>` (0 point, 1 line,
//! 2 polygon), which QGIS checks before it applies a style. Attributes left out take QGIS's defaults.
//! No DOCTYPE is written (QGIS does not need it).
//!
//! ```
//! use lifecircle::write::layer::{FieldType, GeometryKind, Layer};
//! use lifecircle::report::wording::Wording;
//! let estates = Layer::new("estates", GeometryKind::Polygon, &[("score", FieldType::Real)]);
//! let wording = Wording::default_profile(lifecircle::lang::Lang::Zh);
//! let qml = lifecircle::report::styles::qml_for_layer(&estates, &wording).unwrap();
//! assert!(qml.contains(r#"type="RuleRenderer""#) && qml.contains(r#"filter="&quot;score&quot; &gt;= 0.2 AND &quot;score&quot; &lt; 0.4""#));
//! assert!(qml.contains(r#"<alias field="score" index="0" name="覆盖得分"/>"#));
//! ```

use crate::error::{Error, Result};
use crate::write::layer::{GeometryKind, Layer, Value};
use crate::write::atomic::write_bytes_atomically;
use crate::report::escape::xml_text;
use crate::report::layer_role::LayerRole;
use crate::report::palette::{self, Rgba};
use crate::report::wording::Wording;
use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// The QGIS version the documents declare.
pub const QGIS_STYLE_VERSION: &str = "3.22.0-Białowieża";

/// Fonts for labels, first found wins in QGIS (Chinese names need a CJK font).
const LABEL_FONT: &str = "Noto Sans CJK SC";

/// How a polygon is filled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FillStyle {
    Solid,
    None,
    /// `b_diagonal` hatching.
    Hatched,
}

impl FillStyle {
    fn qgis(self) -> &'static str {
        match self {
            FillStyle::Solid => "solid",
            FillStyle::None => "no",
            FillStyle::Hatched => "b_diagonal",
        }
    }
}

/// One QGIS symbol (a single symbol layer), sizes in millimetres.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Symbol {
    Fill { colour: Rgba, style: FillStyle, outline: Rgba, outline_width_mm: f64 },
    Line { colour: Rgba, width_mm: f64 },
    Marker { shape: &'static str, colour: Rgba, outline: Rgba, size_mm: f64 },
}

impl Symbol {
    /// A plain symbol of `colour` for a layer's geometry kind.
    fn for_kind(kind: GeometryKind, colour: Rgba) -> Symbol {
        match kind {
            GeometryKind::Point => Symbol::Marker { shape: "circle", colour, outline: Rgba::opaque(255, 255, 255), size_mm: 2.4 },
            GeometryKind::Line => Symbol::Line { colour, width_mm: 0.5 },
            GeometryKind::Polygon | GeometryKind::Any | GeometryKind::None => {
                Symbol::Fill { colour: colour.with_alpha(140), style: FillStyle::Solid, outline: colour, outline_width_mm: 0.3 }
            }
        }
    }

    fn xml(&self, name: &str, out: &mut String) {
        let (kind, class, options): (&str, &str, Vec<(&str, String)>) = match *self {
            Symbol::Fill { colour, style, outline, outline_width_mm } => (
                "fill",
                "SimpleFill",
                vec![
                    ("color", colour.qgis()),
                    ("style", style.qgis().to_string()),
                    ("outline_color", outline.qgis()),
                    ("outline_style", "solid".to_string()),
                    ("outline_width", format!("{outline_width_mm}")),
                    ("outline_width_unit", "MM".to_string()),
                    ("joinstyle", "round".to_string()),
                ],
            ),
            Symbol::Line { colour, width_mm } => (
                "line",
                "SimpleLine",
                vec![
                    ("line_color", colour.qgis()),
                    ("line_style", "solid".to_string()),
                    ("line_width", format!("{width_mm}")),
                    ("line_width_unit", "MM".to_string()),
                    ("capstyle", "round".to_string()),
                    ("joinstyle", "round".to_string()),
                ],
            ),
            Symbol::Marker { shape, colour, outline, size_mm } => (
                "marker",
                "SimpleMarker",
                vec![
                    ("name", shape.to_string()),
                    ("color", colour.qgis()),
                    ("outline_color", outline.qgis()),
                    ("outline_style", "solid".to_string()),
                    ("outline_width", "0.3".to_string()),
                    ("outline_width_unit", "MM".to_string()),
                    ("size", format!("{size_mm}")),
                    ("size_unit", "MM".to_string()),
                ],
            ),
        };
        let _ = writeln!(out, r#"      <symbol type="{kind}" name="{}" alpha="1" clip_to_extent="1" force_rhr="0">"#, xml_text(name));
        let _ = writeln!(out, r#"        <layer class="{class}" enabled="1" locked="0" pass="0">"#);
        out.push_str("          <Option type=\"Map\">\n");
        for (key, value) in options {
            let _ = writeln!(out, r#"            <Option type="QString" name="{key}" value="{}"/>"#, xml_text(&value));
        }
        out.push_str("          </Option>\n        </layer>\n      </symbol>\n");
    }
}

/// A label: a field, or a QGIS expression.
#[derive(Debug, Clone, PartialEq)]
struct Label {
    text: String,
    is_expression: bool,
    colour: Rgba,
    size_pt: f64,
    /// QGIS placement mode: 0 around point, 1 over point (centroid).
    placement: u8,
}

impl Label {
    fn xml(&self, out: &mut String) {
        out.push_str("  <labeling type=\"simple\">\n    <settings calloutType=\"simple\">\n");
        let _ = writeln!(
            out,
            r#"      <text-style fieldName="{}" isExpression="{}" fontFamily="{LABEL_FONT}" fontSize="{}" fontSizeUnit="Point" fontWeight="75" textColor="{}" textOpacity="1" namedStyle="Bold">"#,
            xml_text(&self.text),
            u8::from(self.is_expression),
            self.size_pt,
            self.colour.qgis()
        );
        out.push_str(r#"        <text-buffer bufferDraw="1" bufferSize="0.8" bufferSizeUnits="MM" bufferColor="255,255,255,255" bufferOpacity="0.9" bufferNoFill="1"/>"#);
        out.push_str("\n      </text-style>\n");
        let _ = writeln!(out, r#"      <placement placement="{}" dist="1" distUnits="MM" priority="5"/>"#, self.placement);
        out.push_str(r#"      <rendering drawLabels="1" obstacle="1" displayAll="0" upsidedownLabels="0" labelPerPart="0" mergeLines="0"/>"#);
        out.push_str("\n    </settings>\n  </labeling>\n");
    }
}

/// A layer's style for QGIS, with what a GeoPackage stores beside it.
#[derive(Debug, Clone, PartialEq)]
pub struct LayerStyle {
    /// The layer (table) name.
    pub layer: String,
    /// Its title in the run's language (小区（生活圈覆盖得分）).
    pub title: String,
    /// The QML document; `None` for a table without geometry.
    pub qml: Option<String>,
    /// (field name, alias) for every field that has an alias, in field order.
    pub aliases: Vec<(String, String)>,
}

/// The style of `layer`: QML, title and field aliases, in the language of `wording`.
pub fn layer_style(layer: &Layer, wording: &Wording) -> LayerStyle {
    LayerStyle { layer: layer.name.clone(), title: wording.layer_title(&layer.name), qml: qml_for_layer(layer, wording), aliases: field_aliases(layer, wording) }
}

/// (field name, alias) for every field of `layer` that has an alias.
pub fn field_aliases(layer: &Layer, wording: &Wording) -> Vec<(String, String)> {
    layer.fields.iter().filter_map(|f| Some((f.name.clone(), wording.field_alias(&layer.name, &f.name)?))).collect()
}

/// The QML style document for a layer, or `None` for a table without geometry.
pub fn qml_for_layer(layer: &Layer, wording: &Wording) -> Option<String> {
    let geometry_type = match layer.geometry {
        GeometryKind::Point => Some(0),
        GeometryKind::Line => Some(1),
        GeometryKind::Polygon => Some(2),
        GeometryKind::Any => None,
        GeometryKind::None => return None,
    };
    let has = |field: &str| layer.field_index(field).is_some();
    let role = LayerRole::from_layer_name(&layer.name);
    let mut renderer = String::new();
    let mut label = None;
    match role {
        LayerRole::Estates if has("score") => score_rule_renderer(wording, &mut renderer),
        LayerRole::Estates => {
            let symbol = Symbol::Fill { colour: palette::NO_SCORE, style: FillStyle::Solid, outline: palette::ESTATE_OUTLINE, outline_width_mm: 0.2 };
            single_renderer(&symbol, &mut renderer);
        }
        LayerRole::ServiceAreas | LayerRole::ServiceLines if has("tier") => {
            let mut tiers: Vec<String> = palette::TIERS.iter().map(|t| t.to_string()).collect();
            tiers.extend(distinct_texts(layer, "tier").into_iter().filter(|t| !palette::TIERS.contains(&t.as_str())));
            let categories: Vec<(String, String, Symbol)> = tiers
                .into_iter()
                .map(|tier| {
                    let colour = palette::tier_colour(&tier).unwrap_or(palette::GENERIC.with_alpha(90));
                    let symbol = match role {
                        LayerRole::ServiceLines => Symbol::Line { colour: colour.with_alpha(200), width_mm: 0.4 },
                        _ => Symbol::Fill { colour, style: FillStyle::Solid, outline: colour.with_alpha(200), outline_width_mm: 0.2 },
                    };
                    let label = wording.tier_legend(&tier);
                    (tier, label, symbol)
                })
                .collect();
            categorized_renderer("tier", &categories, &mut renderer);
        }
        LayerRole::Bundles => {
            let symbol = Symbol::Fill { colour: palette::BUNDLE_OUTLINE.with_alpha(0), style: FillStyle::None, outline: palette::BUNDLE_OUTLINE, outline_width_mm: 0.9 };
            single_renderer(&symbol, &mut renderer);
            if has("bundle_id") {
                label = Some(Label { text: "bundle_id".into(), is_expression: false, colour: palette::BUNDLE_OUTLINE, size_pt: 11.0, placement: 1 });
            }
        }
        LayerRole::Sites => {
            let symbol = site_symbol(layer.geometry);
            single_renderer(&symbol, &mut renderer);
            let category = category_name_expression(&distinct_texts(layer, "category"), wording);
            label = match (has("category"), has("rank")) {
                (true, true) => {
                    let site = site_label_expression(&category, wording);
                    Some(if has("bundle_id") { format!(r#"concat("bundle_id", ': ', {site})"#) } else { site })
                }
                (true, false) => Some(category),
                (false, true) => Some(r#"concat('#', "rank")"#.to_string()),
                (false, false) => None,
            }
            .map(|text| Label { text, is_expression: true, colour: palette::SITE_FILL, size_pt: 9.0, placement: 0 });
        }
        LayerRole::Facilities | LayerRole::FacilityFootprints if has("category") => {
            // In the profile's order (幼儿园, 托儿所 …), values the profile does not know last.
            let mut keys: Vec<String> = distinct_texts(layer, "category").into_iter().collect();
            keys.sort_by_key(|k| wording.profile().categories.iter().position(|c| &c.key == k).unwrap_or(usize::MAX));
            let categories: Vec<(String, String, Symbol)> = keys
                .into_iter()
                .map(|key| {
                    let symbol = Symbol::for_kind(layer.geometry, palette::category_colour(&key));
                    let name = wording.category_name(&key);
                    (key, name, symbol)
                })
                .collect();
            categorized_renderer("category", &categories, &mut renderer);
        }
        LayerRole::Network if has("slope_factor") => graduated_slope_renderer(wording, &mut renderer),
        LayerRole::Network => single_renderer(&Symbol::Line { colour: palette::NETWORK_GREY, width_mm: 0.15 }, &mut renderer),
        LayerRole::IdleLand => {
            let symbol = Symbol::Fill { colour: palette::IDLE_LAND_HATCH, style: FillStyle::Hatched, outline: palette::IDLE_LAND_HATCH, outline_width_mm: 0.3 };
            single_renderer(&symbol, &mut renderer);
        }
        LayerRole::ServiceAreas | LayerRole::ServiceLines | LayerRole::Facilities | LayerRole::FacilityFootprints | LayerRole::Other => {
            single_renderer(&Symbol::for_kind(layer.geometry, palette::GENERIC), &mut renderer);
        }
    }
    let mut qml = String::with_capacity(renderer.len() + 2048);
    let _ = writeln!(
        qml,
        r#"<qgis version="{QGIS_STYLE_VERSION}" styleCategories="Symbology|Labeling|Fields" labelsEnabled="{}">"#,
        u8::from(label.is_some())
    );
    let _ = writeln!(qml, "  <!-- lifecircle style for layer {} -->", xml_comment(&layer.name));
    qml.push_str(&renderer);
    if let Some(label) = &label {
        label.xml(&mut qml);
    }
    value_maps_xml(layer, wording, &mut qml);
    aliases_xml(layer, wording, &mut qml);
    if let Some(t) = geometry_type {
        let _ = writeln!(qml, "  <layerGeometryType>{t}</layerGeometryType>");
    }
    qml.push_str("</qgis>\n");
    Some(qml)
}

/// A site: a star for points, a red hatched area for polygons.
fn site_symbol(kind: GeometryKind) -> Symbol {
    match kind {
        GeometryKind::Polygon => Symbol::Fill { colour: palette::SITE_FILL.with_alpha(120), style: FillStyle::Solid, outline: palette::SITE_FILL, outline_width_mm: 0.6 },
        _ => Symbol::Marker { shape: "star", colour: palette::SITE_FILL, outline: Rgba::opaque(255, 255, 255), size_mm: 5.0 },
    }
}

/// A QGIS string literal.
fn qgis_literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// A QGIS expression giving the name of the category in `"category"`: a `CASE` over the layer's category
/// keys, the value itself for any other (so a label never shows a key the profile names).
fn category_name_expression(keys: &BTreeSet<String>, wording: &Wording) -> String {
    let cases: Vec<String> = keys
        .iter()
        .map(|k| (k, wording.category_name(k)))
        .filter(|(k, name)| *k != name)
        .map(|(k, name)| format!(r#"WHEN "category" = {} THEN {}"#, qgis_literal(k), qgis_literal(&name)))
        .collect();
    if cases.is_empty() { r#""category""#.to_string() } else { format!(r#"CASE {} ELSE "category" END"#, cases.join(" ")) }
}

/// A QGIS expression for a site's label, following the catalogue's `report.site` (`{category} #{rank}`).
fn site_label_expression(category: &str, wording: &Wording) -> String {
    let template = wording.tr("report.site");
    let mut parts = Vec::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}').map(|c| open + c) else { break };
        if open > 0 {
            parts.push(qgis_literal(&rest[..open]));
        }
        match &rest[open + 1..close] {
            "category" => parts.push(category.to_string()),
            "rank" => parts.push(r#""rank""#.to_string()),
            other => parts.push(qgis_literal(&format!("{{{other}}}"))),
        }
        rest = &rest[close + 1..];
    }
    if !rest.is_empty() {
        parts.push(qgis_literal(rest));
    }
    format!("concat({})", parts.join(", "))
}

/// The value names QGIS shows for a field's codes, as (value, name) pairs: the catalogue's
/// `values.<field>.*` (`eligible` = `needs_survey` → 待摸底调查, `reason_code` = `point_not_area` →
/// 应为面要素却标为点), only when every value of the field in the layer has a name (QGIS would show any
/// other value in brackets: the rejects' `source` holds file names); for `category` and `tier`, the
/// profile's category names and the life-circle names (5分钟生活圈), a value that is no key shown as it is;
/// for a worded field, each distinct text and its words (up to [`MAX_WORDED_VALUES`]). `None` for a layer without rows (a layer written
/// a part at a time is styled before its rows exist).
pub fn value_map(layer: &Layer, field: &str, wording: &Wording) -> Option<Vec<(String, String)>> {
    if let Some(word) = crate::report::worded_fields::wording_of(field) {
        return worded_value_map(layer, field, word, wording);
    }
    // Which names, first: most fields have none, and their values need not be gathered.
    let by_name: Option<fn(&Wording, &str) -> String> = match field {
        "category" => Some(Wording::category_name),
        "tier" => Some(Wording::tier_name),
        _ => None,
    };
    let catalogue_names = if by_name.is_none() { wording.value_names(field) } else { Vec::new() };
    if by_name.is_none() && catalogue_names.is_empty() {
        return None;
    }
    let values = distinct_texts(layer, field);
    if values.is_empty() {
        return None;
    }
    let names: Vec<(String, String)> = match by_name {
        Some(name_of) => {
            let names: Vec<(String, String)> = values.iter().map(|k| (k.clone(), name_of(wording, k))).collect();
            if names.iter().all(|(k, name)| k == name) {
                return None;
            }
            names
        }
        None => catalogue_names,
    };
    let named = |v: &String| names.iter().any(|(k, _)| k == v);
    values.iter().all(named).then_some(names)
}

/// The most distinct values a worded field's [`value_map`] lists: the style is stored with the layer, and
/// a field with more distinct texts than this is not a short list of reasons.
pub const MAX_WORDED_VALUES: usize = 2_000;

/// A [`crate::report::worded_fields`] field's value map: each distinct text of the layer and its words in
/// the run's language (`built 1985 after the cutoff 2000` shown as its Chinese sentence), when they are at
/// most [`MAX_WORDED_VALUES`] and one of them reads differently.
fn worded_value_map(layer: &Layer, field: &str, word: crate::report::worded_fields::WordText, wording: &Wording) -> Option<Vec<(String, String)>> {
    let values = distinct_texts(layer, field);
    if values.is_empty() || values.len() > MAX_WORDED_VALUES {
        return None;
    }
    let names: Vec<(String, String)> = values.into_iter().map(|v| {
        let name = word(&v, wording.catalogue());
        (v, name)
    }).collect();
    names.iter().any(|(v, name)| v != name).then_some(names)
}

/// `<fieldConfiguration>`: a `ValueMap` edit widget for every field with a [`value_map`], so that QGIS's
/// attribute table, identify panel and forms show 符合改造条件 where the field holds `yes`, as QGIS writes
/// the widget (its config's `map` a list of one-entry maps, name → value).
fn value_maps_xml(layer: &Layer, wording: &Wording, out: &mut String) {
    let maps: Vec<(&str, Vec<(String, String)>)> = layer.fields.iter().filter_map(|f| Some((f.name.as_str(), value_map(layer, &f.name, wording)?))).collect();
    if maps.is_empty() {
        return;
    }
    out.push_str("  <fieldConfiguration>\n");
    for (field, names) in maps {
        let _ = writeln!(out, r#"    <field name="{}" configurationFlags="None">"#, xml_text(field));
        out.push_str("      <editWidget type=\"ValueMap\">\n        <config>\n          <Option type=\"Map\">\n            <Option name=\"map\" type=\"List\">\n");
        for (value, name) in names {
            let _ = writeln!(out, r#"              <Option type="Map"><Option name="{}" value="{}" type="QString"/></Option>"#, xml_text(&name), xml_text(&value));
        }
        out.push_str("            </Option>\n          </Option>\n        </config>\n      </editWidget>\n    </field>\n");
    }
    out.push_str("  </fieldConfiguration>\n");
}

/// `<aliases>`: one `<alias>` per field that has one, as QGIS writes them.
fn aliases_xml(layer: &Layer, wording: &Wording, out: &mut String) {
    let aliases: Vec<(usize, &str, String)> = layer.fields.iter().enumerate().filter_map(|(i, f)| Some((i, f.name.as_str(), wording.field_alias(&layer.name, &f.name)?))).collect();
    if aliases.is_empty() {
        return;
    }
    out.push_str("  <aliases>\n");
    for (i, field, alias) in aliases {
        let _ = writeln!(out, r#"    <alias field="{}" index="{i}" name="{}"/>"#, xml_text(field), xml_text(&alias));
    }
    out.push_str("  </aliases>\n");
}

/// XML comments may not contain `--`.
fn xml_comment(text: &str) -> String {
    xml_text(text).replace("--", "- -")
}

/// The distinct non-empty text values of a field, sorted.
fn distinct_texts(layer: &Layer, field: &str) -> BTreeSet<String> {
    let Some(i) = layer.field_index(field) else { return BTreeSet::new() };
    layer
        .features
        .iter()
        .filter_map(|f| match f.values.get(i) {
            Some(Value::Text(t)) if !t.is_empty() => Some(t.clone()),
            Some(Value::Int(n)) => Some(n.to_string()),
            _ => None,
        })
        .collect()
}

fn single_renderer(symbol: &Symbol, out: &mut String) {
    out.push_str("  <renderer-v2 type=\"singleSymbol\" symbollevels=\"0\" forceraster=\"0\" enableorderby=\"0\">\n    <symbols>\n");
    symbol.xml("0", out);
    out.push_str("    </symbols>\n    <rotation/>\n    <sizescale/>\n  </renderer-v2>\n");
}

/// The estates' score classes as a rule-based renderer: one rule per class of [`palette::SCORE_CLASSES`]
/// with the filter of [`palette::score_class_filter`] (`lower <= score < upper`, the rule of the report and
/// the printable map), and a grey rule for estates without a score. QGIS's graduated renderer is not used:
/// its ranges are closed at both ends and the first match wins, so a score of exactly 0.2 would fall in
/// the 0.0 class.
fn score_rule_renderer(wording: &Wording, out: &mut String) {
    out.push_str("  <renderer-v2 type=\"RuleRenderer\" symbollevels=\"0\" forceraster=\"0\" enableorderby=\"0\">\n    <rules key=\"{score-root}\">\n");
    let mut symbols = Vec::new();
    for (i, class) in palette::SCORE_CLASSES.iter().enumerate() {
        let filter = palette::score_class_filter("score", i).unwrap_or_default();
        let _ = writeln!(
            out,
            r#"      <rule key="{{score-{i}}}" symbol="{i}" filter="{}" label="{}"/>"#,
            xml_text(&filter),
            xml_text(&wording.tr_with("legend.score_class", &[("range", &class.label)]))
        );
        symbols.push(Symbol::Fill { colour: class.colour, style: FillStyle::Solid, outline: palette::ESTATE_OUTLINE, outline_width_mm: 0.2 });
    }
    let none = palette::SCORE_CLASSES.len();
    let _ = writeln!(out, r#"      <rule key="{{score-none}}" symbol="{none}" filter="{}" label="{}"/>"#, xml_text("\"score\" IS NULL"), xml_text(wording.tr("legend.no_score")));
    symbols.push(Symbol::Fill { colour: palette::NO_SCORE, style: FillStyle::Solid, outline: palette::ESTATE_OUTLINE, outline_width_mm: 0.2 });
    out.push_str("    </rules>\n    <symbols>\n");
    for (i, symbol) in symbols.iter().enumerate() {
        symbol.xml(&i.to_string(), out);
    }
    out.push_str("    </symbols>\n  </renderer-v2>\n");
}

/// The slope map (`network` with `--dem`): graduated on `slope_factor` in [`palette::SLOPE_CLASSES`].
fn graduated_slope_renderer(wording: &Wording, out: &mut String) {
    out.push_str("  <renderer-v2 type=\"graduatedSymbol\" attr=\"slope_factor\" graduatedMethod=\"GraduatedColor\" symbollevels=\"0\" forceraster=\"0\" enableorderby=\"0\">\n    <ranges>\n");
    for (i, class) in palette::SLOPE_CLASSES.iter().enumerate() {
        let _ = writeln!(
            out,
            r#"      <range lower="{:.4}" upper="{:.4}" symbol="{i}" label="{}" render="true"/>"#,
            class.lower,
            class.upper,
            xml_text(&wording.tr_with("legend.slope_class", &[("range", &class.label)]))
        );
    }
    out.push_str("    </ranges>\n    <symbols>\n");
    for (i, class) in palette::SLOPE_CLASSES.iter().enumerate() {
        Symbol::Line { colour: class.colour, width_mm: if i == 0 { 0.15 } else { 0.5 } }.xml(&i.to_string(), out);
    }
    out.push_str("    </symbols>\n    <rotation/>\n    <sizescale/>\n  </renderer-v2>\n");
}

/// `categories`: (value, legend label, symbol).
fn categorized_renderer(field: &str, categories: &[(String, String, Symbol)], out: &mut String) {
    let _ = writeln!(out, r#"  <renderer-v2 type="categorizedSymbol" attr="{}" symbollevels="0" forceraster="0" enableorderby="0">"#, xml_text(field));
    out.push_str("    <categories>\n");
    for (i, (value, label, _)) in categories.iter().enumerate() {
        let _ = writeln!(out, r#"      <category value="{}" label="{}" symbol="{i}" render="true"/>"#, xml_text(value), xml_text(label));
    }
    out.push_str("    </categories>\n    <symbols>\n");
    for (i, (_, _, symbol)) in categories.iter().enumerate() {
        symbol.xml(&i.to_string(), out);
    }
    out.push_str("    </symbols>\n    <rotation/>\n    <sizescale/>\n  </renderer-v2>\n");
}

/// Write the style of `layer` beside its GeoJSON file: `DIR/NAME.geojson` gets `DIR/NAME.qml`, which QGIS
/// loads as the layer's default style. Returns the path written, or `None` for a layer without geometry.
pub fn write_qml_beside(geojson_path: &Path, layer: &Layer, wording: &Wording) -> Result<Option<PathBuf>> {
    qml_for_layer(layer, wording).map(|qml| write_qml_text_beside(geojson_path, &qml)).transpose()
}

/// Write a style already made ([`qml_for_layer`]) beside its GeoJSON file, as [`write_qml_beside`] does:
/// for a caller that also stores the same style in the GeoPackage.
pub fn write_qml_text_beside(geojson_path: &Path, qml: &str) -> Result<PathBuf> {
    let path = geojson_path.with_extension("qml");
    write_bytes_atomically(&path, qml.as_bytes())?;
    Ok(path)
}

/// Write `DIR/<layer name>.qml` for every layer with geometry, to sit beside `DIR/<layer name>.geojson`.
pub fn write_qml_files(dir: &Path, layers: &[&Layer], wording: &Wording) -> Result<Vec<PathBuf>> {
    let mut written = Vec::new();
    for layer in layers {
        if layer.name.is_empty() || layer.name.contains(['/', '\\']) {
            return Err(Error::Internal(format!("layer name `{}` cannot be a file name", layer.name)));
        }
        if let Some(path) = write_qml_beside(&dir.join(format!("{}.geojson", layer.name)), layer, wording)? {
            written.push(path);
        }
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lang::Lang;
    use crate::write::layer::FieldType;
    use geo_types::{Geometry, point};

    fn zh() -> Wording {
        Wording::default_profile(Lang::Zh)
    }

    fn parse(qml: &str) -> roxmltree::Document<'_> {
        roxmltree::Document::parse(qml).unwrap_or_else(|e| panic!("QML does not parse: {e}\n{qml}"))
    }

    fn renderer<'a>(doc: &'a roxmltree::Document<'a>) -> roxmltree::Node<'a, 'a> {
        doc.descendants().find(|n| n.has_tag_name("renderer-v2")).unwrap()
    }

    /// The value of `<Option name=key>` in the n-th symbol.
    fn symbol_option(doc: &roxmltree::Document<'_>, symbol: usize, key: &str) -> String {
        let sym = doc.descendants().filter(|n| n.has_tag_name("symbol")).nth(symbol).unwrap();
        sym.descendants().find(|n| n.has_tag_name("Option") && n.attribute("name") == Some(key)).unwrap().attribute("value").unwrap().to_string()
    }

    #[test]
    fn the_slope_map_grades_the_network_by_its_slope_factor_only_on_a_dem() {
        // Class bounds are the round-trip factors of 5 %, 8 % and 12 % constant slopes.
        let rtf = crate::network::terrain::round_trip_factor;
        for (bound, slope) in palette::SLOPE_CLASSES[1..].iter().map(|c| c.lower).zip([0.05, 0.08, 0.12]) {
            assert!((bound - rtf(slope)).abs() < 1e-4, "{bound} vs {}", rtf(slope));
        }
        let on_dem = Layer::new("network", GeometryKind::Line, &[("edge", FieldType::Int), ("effort_m", FieldType::Real), ("slope_factor", FieldType::Real)]);
        let qml = qml_for_layer(&on_dem, &zh()).unwrap();
        let doc = parse(&qml);
        let r = renderer(&doc);
        assert_eq!((r.attribute("type"), r.attribute("attr")), (Some("graduatedSymbol"), Some("slope_factor")));
        let labels: Vec<&str> = doc.descendants().filter(|n| n.has_tag_name("range")).map(|n| n.attribute("label").unwrap()).collect();
        assert_eq!(labels, vec!["坡度折算 相当于 0 – 5 %", "坡度折算 相当于 5 – 8 %", "坡度折算 相当于 8 – 12 %", "坡度折算 相当于 > 12 %"]);
        assert_eq!(symbol_option(&doc, 3, "line_color"), "128,0,38,255");
        let flat = Layer::new("network", GeometryKind::Line, &[("edge", FieldType::Int)]);
        assert_eq!(renderer(&parse(&qml_for_layer(&flat, &zh()).unwrap())).attribute("type"), Some("singleSymbol"));
    }

    #[test]
    fn estates_rule_based_on_score_red_to_green() {
        let layer = Layer::new("estates", GeometryKind::Polygon, &[("score", FieldType::Real), ("bundle_id", FieldType::Text)]);
        let qml = qml_for_layer(&layer, &zh()).unwrap();
        let doc = parse(&qml);
        let r = renderer(&doc);
        assert_eq!(r.attribute("type"), Some("RuleRenderer"));
        let filters: Vec<&str> = doc.descendants().filter(|n| n.has_tag_name("rule")).map(|n| n.attribute("filter").unwrap()).collect();
        assert_eq!(
            filters,
            vec![
                r#""score" < 0.2"#,
                r#""score" >= 0.2 AND "score" < 0.4"#,
                r#""score" >= 0.4 AND "score" < 0.6"#,
                r#""score" >= 0.6 AND "score" < 0.8"#,
                r#""score" >= 0.8"#,
                r#""score" IS NULL"#
            ]
        );
        assert_eq!(symbol_option(&doc, 0, "color"), "215,25,28,255");
        assert_eq!(symbol_option(&doc, 4, "color"), "26,150,65,255");
        assert_eq!(doc.root_element().attribute("labelsEnabled"), Some("0"));
        assert!(qml.contains("<layerGeometryType>2</layerGeometryType>"));
        let labels: Vec<&str> = doc.descendants().filter(|n| n.has_tag_name("rule")).map(|n| n.attribute("label").unwrap()).collect();
        assert_eq!(labels[0], "得分 0.0 – <0.2");
        assert_eq!(labels[5], "无得分");
        // Every field's alias, by name and index, as QGIS reads them; the style carries the Fields category.
        let aliases: Vec<(&str, &str, &str)> = doc.descendants().filter(|n| n.has_tag_name("alias")).map(|n| (n.attribute("field").unwrap(), n.attribute("index").unwrap(), n.attribute("name").unwrap())).collect();
        assert_eq!(aliases, vec![("score", "0", "覆盖得分"), ("bundle_id", "1", "片区编号")]);
        assert_eq!(doc.root_element().attribute("styleCategories"), Some("Symbology|Labeling|Fields"));
    }

    #[test]
    fn service_areas_categorised_by_tier_semi_transparent() {
        let mut layer = Layer::new("service_areas", GeometryKind::Polygon, &[("category", FieldType::Text), ("tier", FieldType::Text)]);
        layer.push(None, vec!["park".into(), "10min".into()]);
        let doc_text = qml_for_layer(&layer, &zh()).unwrap();
        let doc = parse(&doc_text);
        assert_eq!(renderer(&doc).attribute("type"), Some("categorizedSymbol"));
        let values: Vec<&str> = doc.descendants().filter(|n| n.has_tag_name("category")).map(|n| n.attribute("value").unwrap()).collect();
        assert_eq!(values, vec!["5min", "10min", "15min"]);
        let labels: Vec<&str> = doc.descendants().filter(|n| n.has_tag_name("category")).map(|n| n.attribute("label").unwrap()).collect();
        assert_eq!(labels, vec!["5分钟生活圈（300 米）", "10分钟生活圈（500 米）", "15分钟生活圈（1 公里）"]);
        for i in 0..3 {
            let alpha: u8 = symbol_option(&doc, i, "color").rsplit(',').next().unwrap().parse().unwrap();
            assert!(alpha < 255, "tier {i} is opaque");
        }
        assert!(doc_text.contains("<layerGeometryType>2</layerGeometryType>"));
        // Service lines: the same three tiers, as line symbols of the tier colours.
        let mut lines = Layer::new("service_lines", GeometryKind::Line, &[("category", FieldType::Text), ("tier", FieldType::Text)]);
        lines.push(None, vec!["park".into(), "10min".into()]);
        let qml = qml_for_layer(&lines, &zh()).unwrap();
        let doc = parse(&qml);
        assert_eq!((renderer(&doc).attribute("type"), renderer(&doc).attribute("attr")), (Some("categorizedSymbol"), Some("tier")));
        assert_eq!(doc.descendants().filter(|n| n.has_tag_name("category")).count(), 3);
        assert_eq!(symbol_option(&doc, 0, "line_color"), "8,104,172,200");
        assert!(qml.contains("<layerGeometryType>1</layerGeometryType>"));
    }

    #[test]
    fn bundles_outlined_without_fill_and_labelled() {
        let layer = Layer::new("bundles", GeometryKind::Polygon, &[("bundle_id", FieldType::Text), ("population", FieldType::Real)]);
        let qml = qml_for_layer(&layer, &zh()).unwrap();
        let doc = parse(&qml);
        assert_eq!(symbol_option(&doc, 0, "style"), "no");
        let width: f64 = symbol_option(&doc, 0, "outline_width").parse().unwrap();
        assert!(width >= 0.8);
        assert_eq!(doc.root_element().attribute("labelsEnabled"), Some("1"));
        let style = doc.descendants().find(|n| n.has_tag_name("text-style")).unwrap();
        assert_eq!(style.attribute("fieldName"), Some("bundle_id"));
        assert_eq!(style.attribute("isExpression"), Some("0"));
    }

    #[test]
    fn sites_labelled_with_category_and_rank() {
        let layer = Layer::new("sites", GeometryKind::Point, &[("category", FieldType::Text), ("rank", FieldType::Int)]);
        let qml = qml_for_layer(&layer, &zh()).unwrap();
        let doc = parse(&qml);
        assert_eq!(symbol_option(&doc, 0, "name"), "star");
        let style = doc.descendants().find(|n| n.has_tag_name("text-style")).unwrap();
        assert_eq!(style.attribute("fieldName"), Some(r#"concat("category", ' #', "rank")"#));
        assert_eq!(style.attribute("isExpression"), Some("1"));
        assert!(qml.contains("<layerGeometryType>0</layerGeometryType>"));
        // With features, the label names each category the layer holds instead of showing its key.
        let mut layer = Layer::new("bundle_sites", GeometryKind::Point, &[("bundle_id", FieldType::Text), ("category", FieldType::Text), ("rank", FieldType::Int)]);
        layer.push(None, vec!["B1".into(), "vegetable_market".into(), Value::Int(1)]);
        layer.push(None, vec!["B1".into(), "托老所".into(), Value::Int(2)]);
        let qml = qml_for_layer(&layer, &zh()).unwrap();
        let doc = parse(&qml);
        let style = doc.descendants().find(|n| n.has_tag_name("text-style")).unwrap();
        assert_eq!(
            style.attribute("fieldName"),
            Some(r#"concat("bundle_id", ': ', concat(CASE WHEN "category" = 'vegetable_market' THEN '菜市场' ELSE "category" END, ' #', "rank"))"#)
        );
    }

    #[test]
    fn site_label_expression_follows_the_catalogue_template() {
        assert_eq!(site_label_expression(r#""category""#, &zh()), r#"concat("category", ' #', "rank")"#);
        assert_eq!(qgis_literal("it's"), "'it''s'");
        let keys: BTreeSet<String> = ["o'brien".to_string()].into();
        assert_eq!(category_name_expression(&keys, &zh()), r#""category""#, "an unknown key is its own name: no CASE");
    }

    #[test]
    fn layer_style_has_the_title_and_every_alias() {
        let layer = Layer::new("sites", GeometryKind::Point, &[("site_id", FieldType::Text), ("category", FieldType::Text), ("fid_extra", FieldType::Int)]);
        let style = layer_style(&layer, &Wording::default_profile(Lang::En));
        assert_eq!(style.title, "Recommended sites");
        assert_eq!(style.aliases, vec![("site_id".to_string(), "Site id".to_string()), ("category".to_string(), "Category".to_string())]);
        assert!(style.qml.unwrap().contains(r#"<alias field="category" index="1" name="Category"/>"#));
        assert_eq!(layer_style(&Layer::new("t", GeometryKind::None, &[]), &zh()).qml, None);
    }

    #[test]
    fn coded_fields_get_a_value_map_of_their_names_when_every_value_has_one() {
        let mut estates = Layer::new("estates", GeometryKind::Polygon, &[("eligible", FieldType::Text), ("name", FieldType::Text)]);
        for (e, n) in [("yes", "东方小区"), ("needs_survey", "南苑"), ("yes", "西园")] {
            estates.push(None, vec![e.into(), n.into()]);
        }
        let qml = qml_for_layer(&estates, &zh()).unwrap();
        let doc = parse(&qml);
        let widget = doc.descendants().find(|n| n.has_tag_name("field") && n.attribute("name") == Some("eligible")).unwrap();
        assert_eq!(widget.descendants().find(|n| n.has_tag_name("editWidget")).unwrap().attribute("type"), Some("ValueMap"));
        let pairs: Vec<(&str, &str)> = widget.descendants().filter(|n| n.attribute("type") == Some("QString")).map(|n| (n.attribute("value").unwrap(), n.attribute("name").unwrap())).collect();
        assert_eq!(pairs, [("needs_survey", "待摸底调查"), ("no", "不符合改造条件"), ("yes", "符合改造条件")]);
        assert!(!doc.descendants().any(|n| n.has_tag_name("field") && n.attribute("name") == Some("name")), "a free-text field has no map");
        // The rejects: the reason's code is named; the source (a file name) is not a code.
        let mut rejects = Layer::new("rejects", GeometryKind::Any, &[("source", FieldType::Text), ("reason_code", FieldType::Text)]);
        rejects.push(None, vec!["a.geojson".into(), "point_not_area".into()]);
        let en = qml_for_layer(&rejects, &Wording::default_profile(Lang::En)).unwrap();
        let mapped: Vec<String> = parse(&en).descendants().filter(|n| n.has_tag_name("field")).map(|n| n.attribute("name").unwrap().to_string()).collect();
        assert_eq!(mapped, ["reason_code"]);
        assert!(en.contains(r#"<Option name="mapped as a point, needs an area" value="point_not_area" type="QString"/>"#), "{en}");
        // A layer without rows (styled before its parts are written) and a category the profile lacks.
        assert!(!qml_for_layer(&Layer::new("estates", GeometryKind::Polygon, &[("eligible", FieldType::Text)]), &zh()).unwrap().contains("fieldConfiguration"));
        let mut sites = Layer::new("sites", GeometryKind::Point, &[("category", FieldType::Text)]);
        sites.push(None, vec!["kindergarten".into()]);
        sites.push(None, vec!["bakery".into()]);
        assert_eq!(value_map(&sites, "category", &zh()).unwrap(), [("bakery".to_string(), "bakery".to_string()), ("kindergarten".to_string(), "幼儿园".to_string())]);
        let mut areas = Layer::new("service_areas", GeometryKind::Polygon, &[("tier", FieldType::Text)]);
        areas.push(None, vec!["5min".into()]);
        assert_eq!(value_map(&areas, "tier", &zh()).unwrap(), [("5min".to_string(), "5分钟生活圈".to_string())]);
    }

    #[test]
    fn worded_fields_get_a_value_map_of_each_text_in_words() {
        use crate::bundle::eligibility::{MEETS_EVERY_RULE, Reason};
        let ineligible = [Reason::PopulationUnknown.english(), Reason::NotOldEstate("education w12 (amenity=school)".into()).english()].join(";");
        let mut estates = Layer::new("estates", GeometryKind::Polygon, &[("eligibility_reason", FieldType::Text)]);
        for reason in [MEETS_EVERY_RULE, ineligible.as_str(), MEETS_EVERY_RULE] {
            estates.push(None, vec![reason.into()]);
        }
        let catalogue = crate::lang::Catalogue::of(Lang::Zh);
        let map = value_map(&estates, "eligibility_reason", &zh()).unwrap();
        assert_eq!(map.len(), 2, "one entry per distinct text: {map:?}");
        for (value, name) in &map {
            assert_eq!(name, &crate::bundle::eligibility::reason_text_in(value, catalogue));
            assert!(name.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)), "{name}");
        }
        assert!(map.iter().any(|(v, n)| v == MEETS_EVERY_RULE && n == catalogue.tr("eligibility.meets_every_rule")));
        let qml = qml_for_layer(&estates, &zh()).unwrap();
        let widget = parse(&qml).descendants().find(|n| n.has_tag_name("field") && n.attribute("name") == Some("eligibility_reason")).map(|n| n.descendants().find(|n| n.has_tag_name("editWidget")).unwrap().attribute("type").map(str::to_string));
        assert_eq!(widget, Some(Some("ValueMap".to_string())));
        // Texts that read the same in the language (a surveyor's note) need no map.
        let mut notes = Layer::new("estates", GeometryKind::Polygon, &[("eligibility_reason", FieldType::Text)]);
        notes.push(None, vec!["a surveyor's note".into()]);
        assert_eq!(value_map(&notes, "eligibility_reason", &zh()), None);
        // More distinct texts than a list of reasons: no map.
        let mut many = Layer::new("candidates", GeometryKind::Polygon, &[("origin", FieldType::Text)]);
        for i in 0..=MAX_WORDED_VALUES {
            many.push(None, vec![format!("osm:landuse=plot{i}").into()]);
        }
        assert_eq!(value_map(&many, "origin", &zh()), None);
        many.features.truncate(MAX_WORDED_VALUES);
        assert_eq!(value_map(&many, "origin", &zh()).map(|m| m.len()), Some(MAX_WORDED_VALUES));
    }

    #[test]
    fn facilities_one_category_per_distinct_value_in_profile_order() {
        let mut layer = Layer::new("facilities", GeometryKind::Point, &[("category", FieldType::Text)]);
        for c in ["park", "kindergarten", "park", "幼儿园", "bus_stop"] {
            layer.push(Some(Geometry::Point(point!(x: 118.8, y: 32.0))), vec![c.into()]);
        }
        layer.push(None, vec![Value::Null]);
        let qml = qml_for_layer(&layer, &zh()).unwrap();
        let doc = parse(&qml);
        let values: Vec<&str> = doc.descendants().filter(|n| n.has_tag_name("category")).map(|n| n.attribute("value").unwrap()).collect();
        assert_eq!(values, vec!["kindergarten", "park", "bus_stop", "幼儿园"], "the profile's order, unknown values last");
        let labels: Vec<&str> = doc.descendants().filter(|n| n.has_tag_name("category")).map(|n| n.attribute("label").unwrap()).collect();
        assert_eq!(labels, vec!["幼儿园", "社区公园", "公交站", "幼儿园"], "keys shown by their names; a value that is no key as it is");
        assert_eq!(symbol_option(&doc, 0, "color"), palette::category_colour("kindergarten").qgis());
        assert_eq!(symbol_option(&doc, 1, "color"), palette::category_colour("park").qgis());
        assert!(qml.contains("<layerGeometryType>0</layerGeometryType>"));
        // Footprints: the same categories, as translucent polygons outlined in the category's colour.
        let mut footprints = Layer::new("facility_footprints", GeometryKind::Polygon, &[("category", FieldType::Text)]);
        footprints.push(None, vec!["park".into()]);
        let qml = qml_for_layer(&footprints, &zh()).unwrap();
        let doc = parse(&qml);
        assert_eq!(renderer(&doc).attribute("attr"), Some("category"));
        assert_eq!(symbol_option(&doc, 0, "color"), palette::category_colour("park").with_alpha(140).qgis());
        assert_eq!(symbol_option(&doc, 0, "outline_color"), palette::category_colour("park").qgis());
        assert!(qml.contains("<layerGeometryType>2</layerGeometryType>"));
    }

    #[test]
    fn network_idle_land_other_and_tables() {
        let network = Layer::new("network", GeometryKind::Line, &[]);
        let doc_text = qml_for_layer(&network, &zh()).unwrap();
        let doc = parse(&doc_text);
        assert_eq!(symbol_option(&doc, 0, "line_color"), palette::NETWORK_GREY.qgis());
        let idle = Layer::new("idle_land", GeometryKind::Polygon, &[]);
        let doc_text = qml_for_layer(&idle, &zh()).unwrap();
        assert_eq!(symbol_option(&parse(&doc_text), 0, "style"), "b_diagonal");
        let rejects = Layer::new("rejects", GeometryKind::Any, &[("reason", FieldType::Text)]);
        let qml = qml_for_layer(&rejects, &zh()).unwrap();
        assert!(!qml.contains("layerGeometryType"), "mixed layers must not declare a geometry type");
        assert_eq!(qml_for_layer(&Layer::new("summary", GeometryKind::None, &[]), &zh()), None);
    }

    #[test]
    fn qml_written_beside_geojson() {
        let dir = tempfile::tempdir().unwrap();
        let estates = Layer::new("estates", GeometryKind::Polygon, &[("score", FieldType::Real)]);
        let table = Layer::new("coverage", GeometryKind::None, &[]);
        let written = write_qml_files(dir.path(), &[&estates, &table], &zh()).unwrap();
        assert_eq!(written, vec![dir.path().join("estates.qml")]);
        let text = std::fs::read_to_string(dir.path().join("estates.qml")).unwrap();
        assert_eq!(text, qml_for_layer(&estates, &zh()).unwrap());
        let bad = Layer::new("../x", GeometryKind::Point, &[]);
        assert!(matches!(write_qml_files(dir.path(), &[&bad], &zh()), Err(Error::Internal(_))));
    }
}
