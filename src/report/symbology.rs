//! How each feature of an output layer is drawn on screen and on paper (the HTML report's canvas map and the
//! printable SVG/PNG map): its symbol (fill, outline, hatching, marker), its legend entry and its label.
//! Sizes are in pixels of a 96-dpi screen. The rules are those of the QGIS styles ([`crate::report::styles`]),
//! with the colours of [`crate::report::palette`]:
//!
//! - estates: filled by the class of `score`, grey when it has none;
//! - service areas: translucent fill by `tier`; service lines: lines of the same colours;
//! - bundles: thick purple outline, no fill, labelled `bundle_id`;
//! - sites: red star, labelled `category #rank` with the category's name;
//! - facilities: a dot coloured by `category`; facility footprints: a translucent area of the same colour;
//! - network: thin grey lines; with a DEM (`slope_factor`), the slope map: coloured by the class of its
//!   round-trip slope factor ([`palette::SLOPE_CLASSES`]); idle land: brown hatching; other layers: a plain
//!   blue symbol.
//!
//! Legend labels, labels and titles are in the language of the [`Wording`]; a category shows its name from
//! the profile (幼儿园), never its key.
//!
//! Symbols are deduplicated per layer: a feature refers to its symbol by index, so the HTML report embeds each
//! colour once per layer, not once per feature.
//!
//! ```
//! use lifecircle::write::layer::{FieldType, GeometryKind, Layer, Value};
//! use lifecircle::report::symbology::layer_symbology;
//! use lifecircle::report::wording::Wording;
//! let mut estates = Layer::new("estates", GeometryKind::Polygon, &[("score", FieldType::Real)]);
//! estates.push(None, vec![Value::Real(0.9)]);
//! estates.push(None, vec![Value::Real(0.1)]);
//! let s = layer_symbology(&estates, &Wording::default_profile(lifecircle::lang::Lang::Zh));
//! assert_eq!(s.symbols[s.feature_symbol[0]].fill.unwrap().hex(), "#1a9641");  // green
//! assert_eq!(s.legend[0].label, "得分 0.0 – <0.2");
//! assert_eq!(s.symbols[s.feature_symbol[1]].fill.unwrap().hex(), "#d7191c");  // red
//! ```

use crate::write::layer::{GeometryKind, Layer};
use crate::report::field_values::{number, text};
use crate::report::layer_role::LayerRole;
use crate::report::palette::{self, Rgba};
use crate::report::wording::Wording;
use std::collections::BTreeMap;

/// The shape of a point marker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Marker {
    Circle,
    Star,
}

impl Marker {
    pub fn as_str(self) -> &'static str {
        match self {
            Marker::Circle => "circle",
            Marker::Star => "star",
        }
    }
}

/// One symbol. A polygon uses `fill`, `hatch` and `stroke`; a line uses `stroke`; a point draws `marker`
/// filled with `fill` and outlined with `stroke`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Symbol {
    pub fill: Option<Rgba>,
    /// Diagonal hatching of this colour over (or instead of) the fill.
    pub hatch: Option<Rgba>,
    pub stroke: Option<Rgba>,
    pub stroke_width_px: f64,
    pub marker: Marker,
    pub marker_radius_px: f64,
}

impl Symbol {
    fn area(fill: Option<Rgba>, stroke: Rgba, stroke_width_px: f64) -> Symbol {
        Symbol { fill, hatch: None, stroke: Some(stroke), stroke_width_px, marker: Marker::Circle, marker_radius_px: 4.0 }
    }

    fn dot(fill: Rgba, marker: Marker, marker_radius_px: f64) -> Symbol {
        Symbol { fill: Some(fill), hatch: None, stroke: Some(Rgba::opaque(255, 255, 255)), stroke_width_px: 1.0, marker, marker_radius_px }
    }

    fn line(stroke: Rgba, stroke_width_px: f64) -> Symbol {
        Symbol { fill: None, hatch: None, stroke: Some(stroke), stroke_width_px, marker: Marker::Circle, marker_radius_px: 3.0 }
    }

    /// A plain symbol for a geometry kind.
    fn for_kind(kind: GeometryKind, colour: Rgba) -> Symbol {
        match kind {
            GeometryKind::Point => Symbol::dot(colour, Marker::Circle, 4.0),
            GeometryKind::Line => Symbol::line(colour, 1.5),
            // A mixed layer may hold points too: give them a visible dot with the area's colour.
            GeometryKind::Polygon | GeometryKind::Any | GeometryKind::None => Symbol { fill: Some(colour.with_alpha(110)), ..Symbol::area(None, colour, 1.0) },
        }
    }
}

/// A legend line: a label and the symbol it shows.
#[derive(Debug, Clone, PartialEq)]
pub struct LegendEntry {
    pub label: String,
    pub symbol: usize,
}

/// The drawing of one layer.
#[derive(Debug, Clone, PartialEq)]
pub struct LayerSymbology {
    pub role: LayerRole,
    pub title: String,
    pub symbols: Vec<Symbol>,
    /// The legend, in display order; only entries some feature uses.
    pub legend: Vec<LegendEntry>,
    /// Per feature (same order as `layer.features`): its index in `symbols`.
    pub feature_symbol: Vec<usize>,
    /// Per feature: its label, if the layer is labelled.
    pub labels: Vec<Option<String>>,
}

/// Collects distinct symbols keyed by a legend key, in the order the keys sort.
struct Classes<K: Ord> {
    by_key: BTreeMap<K, (String, Symbol)>,
    per_feature: Vec<K>,
}

impl<K: Ord + Clone> Classes<K> {
    fn new() -> Self {
        Classes { by_key: BTreeMap::new(), per_feature: Vec::new() }
    }

    fn push(&mut self, key: K, label: impl FnOnce() -> String, symbol: impl FnOnce() -> Symbol) {
        if !self.by_key.contains_key(&key) {
            self.by_key.insert(key.clone(), (label(), symbol()));
        }
        self.per_feature.push(key);
    }

    fn finish(self) -> (Vec<Symbol>, Vec<LegendEntry>, Vec<usize>) {
        let index: BTreeMap<&K, usize> = self.by_key.keys().enumerate().map(|(i, k)| (k, i)).collect();
        let feature_symbol = self.per_feature.iter().map(|k| index[k]).collect();
        let mut symbols = Vec::with_capacity(self.by_key.len());
        let mut legend = Vec::with_capacity(self.by_key.len());
        for (i, (label, symbol)) in self.by_key.values().enumerate() {
            symbols.push(*symbol);
            legend.push(LegendEntry { label: label.clone(), symbol: i });
        }
        (symbols, legend, feature_symbol)
    }
}

/// The drawing of every feature of `layer`, its legend and labels in the language of `wording`.
pub fn layer_symbology(layer: &Layer, wording: &Wording) -> LayerSymbology {
    let role = LayerRole::from_layer_name(&layer.name);
    let has = |field: &str| layer.field_index(field).is_some();
    let n = layer.features.len();
    let single = |symbol: Symbol, label: &str| (vec![symbol], vec![LegendEntry { label: label.to_string(), symbol: 0 }], vec![0; n]);

    let (symbols, legend, feature_symbol) = match role {
        LayerRole::Estates if has("score") => {
            // Key: the class index, or 5 for "no score" so it sorts last.
            let mut classes = Classes::new();
            for f in &layer.features {
                let class = number(layer, f, "score").and_then(palette::score_class);
                let key = class.unwrap_or(palette::SCORE_CLASSES.len());
                classes.push(
                    key,
                    || class.map_or_else(|| wording.tr("legend.no_score").to_string(), |c| wording.tr_with("legend.score_class", &[("range", &palette::SCORE_CLASSES[c].label)])),
                    || Symbol::area(Some(class.map_or(palette::NO_SCORE, |c| palette::SCORE_CLASSES[c].colour)), palette::ESTATE_OUTLINE, 0.6),
                );
            }
            classes.finish()
        }
        LayerRole::ServiceAreas | LayerRole::ServiceLines if has("tier") => {
            // Key: (position in TIERS or 3, name) so 5min < 10min < 15min < others alphabetically.
            let mut classes = Classes::new();
            for f in &layer.features {
                let tier = text(layer, f, "tier").unwrap_or_default();
                let order = palette::TIERS.iter().position(|t| *t == tier).unwrap_or(palette::TIERS.len());
                let colour = palette::tier_colour(&tier).unwrap_or(palette::GENERIC.with_alpha(90));
                let symbol = match role {
                    LayerRole::ServiceLines => Symbol::line(colour.with_alpha(200), 0.8),
                    _ => Symbol::area(Some(colour), colour.with_alpha(200), 0.8),
                };
                classes.push((order, tier.clone()), || wording.tier_legend(&tier), || symbol);
            }
            classes.finish()
        }
        LayerRole::Facilities | LayerRole::FacilityFootprints if has("category") => {
            let mut classes = Classes::new();
            for f in &layer.features {
                let category = text(layer, f, "category").unwrap_or_default();
                let colour = palette::category_colour(&category);
                let symbol = match layer.geometry {
                    GeometryKind::Polygon => Symbol::area(Some(colour.with_alpha(150)), colour, 1.0),
                    _ => Symbol::dot(colour, Marker::Circle, 4.0),
                };
                let label = || if category.is_empty() { wording.tr("legend.no_category").to_string() } else { wording.category_name(&category) };
                // In the profile's order (幼儿园, 托儿所 …), which a reader knows, not the keys' alphabet.
                let order = wording.profile().categories.iter().position(|c| c.key == category).unwrap_or(usize::MAX);
                classes.push((order, category.clone()), label, || symbol);
            }
            classes.finish()
        }
        LayerRole::Estates => single(Symbol::area(Some(palette::NO_SCORE), palette::ESTATE_OUTLINE, 0.6), wording.tr("legend.estate")),
        LayerRole::Bundles => single(Symbol::area(None, palette::BUNDLE_OUTLINE, 3.0), wording.tr("legend.bundle_outline")),
        LayerRole::Sites => match layer.geometry {
            GeometryKind::Polygon => single(Symbol::area(Some(palette::SITE_FILL.with_alpha(120)), palette::SITE_FILL, 2.0), wording.tr("legend.site")),
            _ => single(Symbol::dot(palette::SITE_FILL, Marker::Star, 9.0), wording.tr("legend.site")),
        },
        LayerRole::Network if has("slope_factor") => {
            // The slope map: classes of the round-trip slope factor, flattest first (as the QGIS style).
            let mut classes = Classes::new();
            for f in &layer.features {
                let factor = number(layer, f, "slope_factor").unwrap_or(1.0);
                let class = palette::SLOPE_CLASSES.iter().position(|c| factor < c.upper).unwrap_or(palette::SLOPE_CLASSES.len() - 1);
                let c = &palette::SLOPE_CLASSES[class];
                classes.push(class, || wording.tr_with("legend.slope_class", &[("range", &c.label)]), || Symbol::line(c.colour, if class == 0 { 0.6 } else { 1.6 }));
            }
            classes.finish()
        }
        LayerRole::Network => single(Symbol::line(palette::NETWORK_GREY, 0.6), wording.tr("legend.walkable_way")),
        LayerRole::IdleLand => single(Symbol { hatch: Some(palette::IDLE_LAND_HATCH), ..Symbol::area(None, palette::IDLE_LAND_HATCH, 1.2) }, wording.tr("legend.idle_land")),
        LayerRole::ServiceAreas | LayerRole::ServiceLines | LayerRole::Facilities | LayerRole::FacilityFootprints | LayerRole::Other => {
            single(Symbol::for_kind(layer.geometry, palette::GENERIC), &wording.layer_title(&layer.name))
        }
    };

    let label_of = |f: &crate::write::layer::Feature| site_label(text(layer, f, "category").as_deref(), text(layer, f, "rank").as_deref(), wording);
    // Sites on one parcel (same candidate_id, and bundle_id when there is one) share one label, on the
    // first of them: "幼儿园 #1 · 托儿所 #2".
    let mut parcel_labels: std::collections::BTreeMap<(Option<String>, String), Vec<String>> = Default::default();
    if role == LayerRole::Sites {
        for f in &layer.features {
            if let (Some(c), Some(l)) = (text(layer, f, "candidate_id"), label_of(f)) {
                parcel_labels.entry((text(layer, f, "bundle_id"), c)).or_default().push(l);
            }
        }
    }
    let mut labels: Vec<Option<String>> = layer
        .features
        .iter()
        .map(|f| match role {
            LayerRole::Bundles => text(layer, f, "bundle_id"),
            LayerRole::Sites => match text(layer, f, "candidate_id") {
                Some(c) => parcel_labels.remove(&(text(layer, f, "bundle_id"), c)).map(|all| all.join(" · ")),
                None => label_of(f),
            },
            _ => None,
        })
        .collect();
    stack_labels_of_shared_points(layer, &mut labels);
    LayerSymbology { role, title: wording.layer_title(&layer.name), symbols, legend, feature_symbol, labels }
}

/// Several sites often share one parcel (its largest inscribed circle suits every category that fits):
/// their labels, drawn at the same point, would print over each other. The first feature at a point gets
/// every label there, joined by ` · ` in feature order; the others get none.
fn stack_labels_of_shared_points(layer: &Layer, labels: &mut [Option<String>]) {
    let mut first_at: BTreeMap<(u64, u64), usize> = BTreeMap::new();
    for (i, feature) in layer.features.iter().enumerate() {
        let (Some(geo_types::Geometry::Point(p)), Some(label)) = (&feature.geometry, labels[i].clone()) else { continue };
        match first_at.get(&(p.x().to_bits(), p.y().to_bits())) {
            Some(&first) => {
                labels[i] = None;
                if let Some(text) = labels[first].as_mut() {
                    text.push_str(" · ");
                    text.push_str(&label);
                }
            }
            None => {
                first_at.insert((p.x().to_bits(), p.y().to_bits()), i);
            }
        }
    }
}

/// A site's label: `幼儿园 #1`, or what there is of the category's name and the rank.
pub fn site_label(category: Option<&str>, rank: Option<&str>, wording: &Wording) -> Option<String> {
    let category = category.map(|c| wording.category_name(c));
    match (category, rank) {
        (Some(category), Some(rank)) => Some(wording.tr_with("report.site", &[("category", &category), ("rank", &rank)])),
        (category, rank) => category.or(rank.map(|r| format!("#{r}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lang::Lang;
    use crate::write::layer::{FieldType, Value};

    fn zh() -> Wording {
        Wording::default_profile(Lang::Zh)
    }

    #[test]
    fn estates_classes_sorted_with_no_score_last_and_only_used_classes_in_legend() {
        let mut layer = Layer::new("estates", GeometryKind::Polygon, &[("score", FieldType::Real)]);
        for s in [Value::Real(0.95), Value::Null, Value::Real(0.05), Value::Real(0.99)] {
            layer.push(None, vec![s]);
        }
        let s = layer_symbology(&layer, &zh());
        let labels: Vec<&str> = s.legend.iter().map(|e| e.label.as_str()).collect();
        assert_eq!(labels, vec!["得分 0.0 – <0.2", "得分 0.8 – 1.0", "无得分"]);
        let en = layer_symbology(&layer, &Wording::default_profile(Lang::En));
        assert_eq!(en.legend.iter().map(|e| e.label.as_str()).collect::<Vec<_>>(), vec!["score 0.0 – <0.2", "score 0.8 – 1.0", "no score"]);
        assert_eq!(en.title, "Estates: coverage score");
        assert_eq!(s.feature_symbol, vec![1, 2, 0, 1]);
        assert_eq!(s.symbols[2].fill, Some(palette::NO_SCORE));
        assert!(s.labels.iter().all(Option::is_none));
    }

    #[test]
    fn the_plan_sites_and_the_bundle_sites_have_their_own_titles() {
        let en = Wording::default_profile(Lang::En);
        let sites = layer_symbology(&Layer::new("sites", GeometryKind::Point, &[]), &en);
        let per_bundle = layer_symbology(&Layer::new("bundle_sites", GeometryKind::Point, &[]), &en);
        assert_eq!((sites.title.as_str(), per_bundle.title.as_str()), ("Recommended sites", "Recommended sites per bundle"));
        let per_bundle = layer_symbology(&Layer::new("bundle_sites", GeometryKind::Point, &[]), &zh());
        assert_eq!((per_bundle.title.as_str(), per_bundle.legend[0].label.as_str()), ("各片区建议选址", "建议选址"));
    }

    #[test]
    fn tiers_ordered_by_distance_not_alphabet() {
        let mut layer = Layer::new("service_areas", GeometryKind::Polygon, &[("tier", FieldType::Text)]);
        for t in ["15min", "5min", "10min", "5min"] {
            layer.push(None, vec![t.into()]);
        }
        let s = layer_symbology(&layer, &zh());
        let labels: Vec<&str> = s.legend.iter().map(|e| e.label.as_str()).collect();
        assert_eq!(labels, vec!["5分钟生活圈（300 米）", "10分钟生活圈（500 米）", "15分钟生活圈（1 公里）"]);
        assert_eq!(s.feature_symbol, vec![2, 0, 1, 0]);
        assert!(s.symbols.iter().all(|sym| sym.fill.unwrap().a < 255));
        // Service lines: the same tiers and colours, as lines (no fill).
        let mut lines = Layer::new("service_lines", GeometryKind::Line, &[("tier", FieldType::Text)]);
        for t in ["10min", "5min"] {
            lines.push(None, vec![t.into()]);
        }
        let l = layer_symbology(&lines, &zh());
        assert_eq!(l.legend.iter().map(|e| e.label.as_str()).collect::<Vec<_>>(), vec!["5分钟生活圈（300 米）", "10分钟生活圈（500 米）"]);
        assert_eq!(l.symbols[0].fill, None);
        assert_eq!(l.symbols[0].stroke, palette::tier_colour("5min").map(|c| c.with_alpha(200)));
    }

    #[test]
    fn labels_of_sites_at_one_point_are_stacked_on_the_first() {
        use geo_types::{Geometry, point};
        let mut sites = Layer::new("sites", GeometryKind::Point, &[("category", FieldType::Text), ("rank", FieldType::Int)]);
        sites.push(Some(Geometry::Point(point!(x: 118.8, y: 32.0))), vec!["kindergarten".into(), Value::Int(1)]);
        sites.push(Some(Geometry::Point(point!(x: 118.9, y: 32.0))), vec!["park".into(), Value::Int(1)]);
        sites.push(Some(Geometry::Point(point!(x: 118.8, y: 32.0))), vec!["nursery".into(), Value::Int(2)]);
        sites.push(None, vec!["fitness".into(), Value::Int(1)]);
        let s = layer_symbology(&sites, &zh());
        assert_eq!(s.labels, vec![Some("幼儿园 #1 · 托儿所 #2".to_string()), Some("社区公园 #1".to_string()), None, Some("健身场地 #1".to_string())]);
    }

    #[test]
    fn sites_and_bundles_labels() {
        let mut sites = Layer::new("sites", GeometryKind::Point, &[("category", FieldType::Text), ("rank", FieldType::Int)]);
        sites.push(None, vec!["kindergarten".into(), Value::Int(1)]);
        sites.push(None, vec![Value::Null, Value::Int(2)]);
        let s = layer_symbology(&sites, &zh());
        assert_eq!(s.labels, vec![Some("幼儿园 #1".to_string()), Some("#2".to_string())]);
        assert_eq!(layer_symbology(&sites, &Wording::default_profile(Lang::En)).labels[0].as_deref(), Some("Kindergarten #1"));
        assert_eq!(s.symbols[0].marker, Marker::Star);
        let mut bundles = Layer::new("bundles", GeometryKind::Polygon, &[("bundle_id", FieldType::Text)]);
        bundles.push(None, vec!["B1".into()]);
        let b = layer_symbology(&bundles, &zh());
        assert_eq!(b.labels, vec![Some("B1".to_string())]);
        assert_eq!(b.symbols[0].fill, None);
        assert!(b.symbols[0].stroke_width_px >= 2.0);
    }

    #[test]
    fn facilities_by_category_and_other_layers_plain() {
        let mut layer = Layer::new("facilities", GeometryKind::Point, &[("category", FieldType::Text)]);
        for c in ["park", "kindergarten", "park"] {
            layer.push(None, vec![c.into()]);
        }
        let s = layer_symbology(&layer, &zh());
        assert_eq!(s.legend.iter().map(|e| e.label.as_str()).collect::<Vec<_>>(), vec!["幼儿园", "社区公园"]);
        assert_eq!(s.feature_symbol, vec![1, 0, 1]);
        assert_eq!(s.symbols[1].fill, Some(palette::category_colour("park")));
        // Footprints: the category's colour, translucent, as an area.
        let mut footprints = Layer::new("facility_footprints", GeometryKind::Polygon, &[("category", FieldType::Text)]);
        footprints.push(None, vec!["park".into()]);
        let f = layer_symbology(&footprints, &zh());
        assert_eq!((f.title.as_str(), f.symbols[0].stroke), ("设施用地范围", Some(palette::category_colour("park"))));
        assert!(f.symbols[0].fill.is_some_and(|c| c.a < 255));
        let mut other = Layer::new("rejects", GeometryKind::Any, &[]);
        other.push(None, vec![]);
        let o = layer_symbology(&other, &zh());
        assert_eq!(o.title, "未采用的要素");
        assert_eq!(layer_symbology(&Layer::new("planner_notes", GeometryKind::Point, &[]), &zh()).title, "planner_notes", "a layer the catalogue does not know keeps its name");
        assert_eq!(o.feature_symbol, vec![0]);
    }

    #[test]
    fn on_a_dem_the_network_is_the_slope_map() {
        let mut network = Layer::new("network", GeometryKind::Line, &[("edge", FieldType::Int), ("slope_factor", FieldType::Real)]);
        // Flat, 8-12 % (round-trip factor 1.2), flat again, steeper than 12 %, 5-8 %.
        for (i, factor) in [1.0, 1.2, 1.01, 1.5, 1.05].into_iter().enumerate() {
            network.push(None, vec![Value::Int(i as i64), Value::Real(factor)]);
        }
        let s = layer_symbology(&network, &zh());
        let labels: Vec<&str> = s.legend.iter().map(|e| e.label.as_str()).collect();
        assert_eq!(labels, vec!["坡度折算 相当于 0 – 5 %", "坡度折算 相当于 5 – 8 %", "坡度折算 相当于 8 – 12 %", "坡度折算 相当于 > 12 %"]);
        let colour = |feature: usize| s.symbols[s.feature_symbol[feature]].stroke.unwrap();
        assert_eq!([colour(0), colour(1), colour(2), colour(3), colour(4)], [0, 2, 0, 3, 1].map(|c| palette::SLOPE_CLASSES[c].colour));
        // Without a DEM: the grey walkable ways.
        let mut flat = Layer::new("network", GeometryKind::Line, &[("edge", FieldType::Int)]);
        flat.push(None, vec![Value::Int(0)]);
        assert_eq!(layer_symbology(&flat, &zh()).symbols[0].stroke, Some(palette::NETWORK_GREY));
    }

    #[test]
    fn empty_layer_has_no_legend_entries_but_single_symbol_layers_keep_theirs() {
        let layer = Layer::new("estates", GeometryKind::Polygon, &[("score", FieldType::Real)]);
        let s = layer_symbology(&layer, &zh());
        assert!(s.legend.is_empty() && s.feature_symbol.is_empty());
        let network = Layer::new("network", GeometryKind::Line, &[]);
        assert_eq!(layer_symbology(&network, &zh()).legend.len(), 1);
    }
}
