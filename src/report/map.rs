//! The printable coverage map: `coverage_map.svg` and `coverage_map.png`, drawn in Rust from the output layers.
//!
//! One page (A4 landscape at 150 dpi by default: 1754 × 1240 px) with a title, the map, a legend, a scale bar,
//! a north arrow and the OpenStreetMap attribution, every word in the language of the [`Wording`] (Chinese
//! by default; the page asks for Noto Sans CJK SC, so the PNG draws Chinese glyphs). A text longer than the
//! room it has (a long `--title`, a long category name in the legend) is squeezed to fit
//! (`textLength`), never cut; a legend longer than its frame is split into columns and scaled down, never
//! cut either. Layers are drawn bottom-first by their role (service
//! areas, service lines, network, idle land, estates filled by coverage score, facility areas, bundle outlines, facility
//! dots, site stars),
//! with the symbols of [`crate::report::symbology`], the same as the HTML report's map and the QGIS styles.
//!
//! Steps:
//! 1. project every lon/lat with a [`LocalProjection`] about the centre of the layers' extent (north up,
//!    metres square at the centre; see that module for the error, 0.06 % over ±5 km);
//! 2. fit the extent plus 4 % into the map frame (at least 200 m across, so a lone point gets a sensible
//!    scale); pixels per metre = min(frame width / extent width, frame height / extent height);
//! 3. write the SVG: features grouped per layer and symbol, clipped to the frame, labels with a white halo,
//!    one per parcel for co-located sites, placed without overlap (sites before bundles, better rank
//!    first; a label that finds no free spot around its point is dropped, one that stands off gets a
//!    leader line: `labels_svg`);
//!    the scale bar is the largest 1, 2 or 5 × 10ⁿ metres not longer than a quarter of the frame;
//! 4. rasterise the same SVG to PNG with resvg ([`crate::report::raster`]).
//!
//! Cost: linear in the number of vertices; the SVG takes about 12 bytes per vertex.
//!
//! ```
//! use geo_types::{Geometry, point};
//! use lifecircle::write::layer::{GeometryKind, Layer};
//! use lifecircle::report::map::{MapOptions, render_map_svg};
//! use lifecircle::report::wording::Wording;
//! let mut sites = Layer::new("sites", GeometryKind::Point, &[]);
//! sites.push(Some(Geometry::Point(point!(x: 118.8, y: 32.05))), vec![]);
//! let wording = Wording::default_profile(lifecircle::lang::Lang::Zh);
//! let svg = render_map_svg(&[&sites], &MapOptions::a4_landscape("Xuanwu 玄武区", &wording), &wording);
//! assert!(svg.starts_with("<svg") && svg.contains("Xuanwu 玄武区") && svg.contains("地图数据 © OpenStreetMap 贡献者"));
//! ```

use crate::error::{Error, Result};
use crate::write::layer::{GeometryKind, Layer};
use crate::write::atomic::write_bytes_atomically;
use crate::report::escape::xml_text;
use crate::report::layer_role::LayerRole;
use crate::report::local_projection::LocalProjection;
use crate::report::map_data::{extent, in_drawing_order};
use crate::report::palette::Rgba;
use crate::report::raster::{MAP_FONT_FAMILIES, svg_to_png};
use crate::report::symbology::{LayerSymbology, Marker, Symbol, layer_symbology};
use crate::report::wording::Wording;
use geo::BoundingRect;
use geo_types::{Coord, Geometry, LineString, Polygon};
use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// The page.
#[derive(Debug, Clone, PartialEq)]
pub struct MapOptions {
    pub width_px: u32,
    pub height_px: u32,
    pub title: String,
    /// A line under the title.
    pub subtitle: String,
}

impl MapOptions {
    /// A4 landscape at 150 dpi (297 × 210 mm → 1754 × 1240 px), the subtitle naming the profile's tiers and
    /// their walking distances in the language of `wording`.
    pub fn a4_landscape(title: &str, wording: &Wording) -> MapOptions {
        let tiers: Vec<String> = crate::report::palette::TIERS
            .iter()
            .filter_map(|t| Some(wording.tr_with("map.tier_distance", &[("tier", &wording.tier_name(t)), ("distance", &wording.tier_distance(t)?)])))
            .collect();
        MapOptions {
            width_px: 1754,
            height_px: 1240,
            title: title.to_string(),
            subtitle: wording.tr_with("map.subtitle", &[("tiers", &tiers.join(wording.tr("units.list_separator")))]),
        }
    }
}

/// The files [`write_coverage_map`] wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CoverageMapFiles {
    pub svg: PathBuf,
    pub png: PathBuf,
}

const PAD: f64 = 24.0;
const HEADER_H: f64 = 88.0;
const FOOTER_H: f64 = 48.0;
const LEGEND_W: f64 = 360.0;
const GAP: f64 = 16.0;
const LEGEND_ROW_H: f64 = 24.0;
const MIN_SPAN_M: f64 = 200.0;

/// A rectangle on the page.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Frame {
    x: f64,
    y: f64,
    w: f64,
    h: f64,
}

/// Metres → page pixels.
struct View {
    projection: LocalProjection,
    frame: Frame,
    centre: (f64, f64),
    px_per_m: f64,
}

impl View {
    fn fit(bbox: [f64; 4], frame: Frame) -> View {
        let projection = LocalProjection::centred_on((bbox[0] + bbox[2]) / 2.0, (bbox[1] + bbox[3]) / 2.0);
        let (x0, y0) = projection.project(bbox[0], bbox[1]);
        let (x1, y1) = projection.project(bbox[2], bbox[3]);
        let span_x = ((x1 - x0) * 1.04).max(MIN_SPAN_M);
        let span_y = ((y1 - y0) * 1.04).max(MIN_SPAN_M);
        let px_per_m = (frame.w / span_x).min(frame.h / span_y);
        View { projection, frame, centre: ((x0 + x1) / 2.0, (y0 + y1) / 2.0), px_per_m }
    }

    fn page(&self, c: Coord<f64>) -> (f64, f64) {
        let (x, y) = self.projection.project(c.x, c.y);
        (self.frame.x + self.frame.w / 2.0 + (x - self.centre.0) * self.px_per_m, self.frame.y + self.frame.h / 2.0 - (y - self.centre.1) * self.px_per_m)
    }
}

fn font_family() -> String {
    let mut families: Vec<String> = MAP_FONT_FAMILIES.iter().map(|f| format!("'{f}'")).collect();
    families.push("sans-serif".to_string());
    families.join(", ")
}

/// The width a text takes at `font_size_px`, estimated: a CJK character (and other wide ones) one em, any
/// other 0.6 em (wider than the average Latin letter of a sans-serif face, so the estimate errs long).
fn text_width_px(text: &str, font_size_px: f64) -> f64 {
    let wide = |c: char| matches!(c as u32, 0x1100..=0x115F | 0x2E80..=0xA4CF | 0xAC00..=0xD7A3 | 0xF900..=0xFAFF | 0xFE30..=0xFE4F | 0xFF00..=0xFF60 | 0xFFE0..=0xFFE6);
    text.chars().map(|c| if wide(c) { 1.0 } else { 0.6 }).sum::<f64>() * font_size_px
}

/// Attributes that squeeze a text into `max_width_px` when it would be longer (nothing otherwise).
fn fit_width(text: &str, font_size_px: f64, max_width_px: f64) -> String {
    if text_width_px(text, font_size_px) > max_width_px {
        format!(r#" textLength="{max_width_px:.0}" lengthAdjust="spacingAndGlyphs""#)
    } else {
        String::new()
    }
}

fn paint(colour: Option<Rgba>, attribute: &str) -> String {
    match colour {
        None => format!(r#" {attribute}="none""#),
        Some(c) if c.a == 255 => format!(r#" {attribute}="{}""#, c.hex()),
        Some(c) => format!(r#" {attribute}="{}" {attribute}-opacity="{:.3}""#, c.hex(), c.opacity()),
    }
}

fn hatch_id(colour: Rgba) -> String {
    format!("hatch-{}", &colour.hex()[1..])
}

fn ring_path(ring: &LineString<f64>, view: &View, d: &mut String) {
    for (i, c) in ring.coords().enumerate() {
        let (x, y) = view.page(*c);
        let _ = write!(d, "{}{x:.1} {y:.1}", if i == 0 { "M" } else { "L" });
    }
}

fn polygon_path(polygon: &Polygon<f64>, view: &View, d: &mut String) {
    for ring in std::iter::once(polygon.exterior()).chain(polygon.interiors()) {
        ring_path(ring, view, d);
        d.push('Z');
    }
}

/// The parts of a geometry: (area path, line path, points).
fn geometry_paths(geometry: &Geometry<f64>, view: &View, area: &mut String, line: &mut String, points: &mut Vec<(f64, f64)>) {
    match geometry {
        Geometry::Point(p) => points.push(view.page(p.0)),
        Geometry::MultiPoint(mp) => points.extend(mp.iter().map(|p| view.page(p.0))),
        Geometry::Line(l) => ring_path(&LineString::new(vec![l.start, l.end]), view, line),
        Geometry::LineString(l) => ring_path(l, view, line),
        Geometry::MultiLineString(ml) => ml.iter().for_each(|l| ring_path(l, view, line)),
        Geometry::Polygon(p) => polygon_path(p, view, area),
        Geometry::MultiPolygon(mp) => mp.iter().for_each(|p| polygon_path(p, view, area)),
        Geometry::Rect(r) => polygon_path(&r.to_polygon(), view, area),
        Geometry::Triangle(t) => polygon_path(&t.to_polygon(), view, area),
        Geometry::GeometryCollection(gc) => gc.iter().for_each(|g| geometry_paths(g, view, area, line, points)),
    }
}

fn star_path(x: f64, y: f64, r: f64) -> String {
    let mut d = String::new();
    for i in 0..10 {
        let radius = if i % 2 == 0 { r } else { r * 0.45 };
        let a = -std::f64::consts::FRAC_PI_2 + f64::from(i) * std::f64::consts::PI / 5.0;
        let _ = write!(d, "{}{:.1} {:.1}", if i == 0 { "M" } else { "L" }, x + radius * a.cos(), y + radius * a.sin());
    }
    d.push('Z');
    d
}

fn marker_svg(symbol: &Symbol, x: f64, y: f64, out: &mut String) {
    let style = format!("{}{} stroke-width=\"{}\"", paint(symbol.fill, "fill"), paint(symbol.stroke, "stroke"), symbol.stroke_width_px);
    match symbol.marker {
        Marker::Circle => {
            let _ = writeln!(out, r#"<circle cx="{x:.1}" cy="{y:.1}" r="{}"{style}/>"#, symbol.marker_radius_px);
        }
        Marker::Star => {
            let _ = writeln!(out, r#"<path d="{}"{style}/>"#, star_path(x, y, symbol.marker_radius_px));
        }
    }
}

fn layer_svg(layer: &Layer, symbology: &LayerSymbology, view: &View, out: &mut String) {
    let _ = writeln!(out, r#"<g id="layer-{}" stroke-linejoin="round" stroke-linecap="round">"#, xml_text(&layer.name));
    for (s, symbol) in symbology.symbols.iter().enumerate() {
        let (mut area, mut line, mut points) = (String::new(), String::new(), Vec::new());
        for (f, feature) in layer.features.iter().enumerate() {
            if symbology.feature_symbol[f] == s
                && let Some(g) = &feature.geometry
            {
                geometry_paths(g, view, &mut area, &mut line, &mut points);
            }
        }
        if !area.is_empty() {
            let _ = writeln!(out, r#"<path fill-rule="evenodd" d="{area}"{}{} stroke-width="{}"/>"#, paint(symbol.fill, "fill"), paint(symbol.stroke, "stroke"), symbol.stroke_width_px);
            if let Some(h) = symbol.hatch {
                let _ = writeln!(out, r#"<path fill-rule="evenodd" d="{area}" fill="url(#{})" stroke="none"/>"#, hatch_id(h));
            }
        }
        if !line.is_empty() {
            let _ = writeln!(out, r#"<path d="{line}" fill="none"{} stroke-width="{}"/>"#, paint(symbol.stroke.or(symbol.fill), "stroke"), symbol.stroke_width_px);
        }
        for (x, y) in points {
            marker_svg(symbol, x, y, out);
        }
    }
    out.push_str("</g>\n");
}

/// A label's box on the page: (left, top, right, bottom) in px.
pub type LabelBox = (f64, f64, f64, f64);


/// The width of a label in px: CJK and other wide characters one em, the rest 0.6 em (bold sans).
pub fn label_width_px(text: &str, size: f64) -> f64 {
    text.chars().map(|c| if (c as u32) >= 0x2E80 { size } else { 0.6 * size }).sum()
}

/// Where a point label may go, tried in order: (dx, dy of the text's baseline start from the point,
/// text-anchor end?, leader line?). The first four touch the marker; the last four stand off with a line.
const POINT_LABEL_OFFSETS: [(f64, f64, bool, bool); 8] = [
    (11.0, -8.0, false, false),
    (11.0, 20.0, false, false),
    (-11.0, -8.0, true, false),
    (-11.0, 20.0, true, false),
    (28.0, -30.0, false, true),
    (28.0, 44.0, false, true),
    (-28.0, -30.0, true, true),
    (-28.0, 44.0, true, true),
];

/// Where a label may go: its baseline start (x, y in px), whether the text ends there (anchor end), and the
/// point a leader line runs to when it stands off.
type LabelSpot = (f64, f64, bool, Option<(f64, f64)>);

/// The labels of a layer, placed without overlap (cartographic label placement, after Imhof 1975: the
/// ranked feature first, each label at the first free position around its point, with a leader line
/// when it stands off): labels go in order of the layer's `rank` field (then feature order); a label
/// that overlaps one already placed, or leaves the map frame, at every position is dropped. `placed` carries the boxes of
/// earlier layers.
fn labels_svg(layer: &Layer, symbology: &LayerSymbology, view: &View, placed: &mut Vec<LabelBox>, out: &mut String) {
    let rank_of = |f: &crate::write::layer::Feature| match layer.field_index("rank").map(|i| &f.values[i]) {
        Some(crate::write::layer::Value::Int(r)) => *r,
        _ => 0,
    };
    let mut order: Vec<usize> = (0..layer.features.len()).collect();
    order.sort_by_key(|&i| (rank_of(&layer.features[i]), i));
    let overlaps = |b: &LabelBox, placed: &[LabelBox]| placed.iter().any(|p| b.0 < p.2 && p.0 < b.2 && b.1 < p.3 && p.1 < b.3);
    for i in order {
        let (Some(text), Some(geometry)) = (&symbology.labels[i], &layer.features[i].geometry) else { continue };
        let Some(rect) = geometry.bounding_rect() else { continue };
        let (size, candidates): (f64, Vec<LabelSpot>) = match geometry {
            Geometry::Point(p) => {
                let (x, y) = view.page(p.0);
                (15.0, POINT_LABEL_OFFSETS.iter().map(|&(dx, dy, end, leader)| (x + dx, y + dy, end, leader.then_some((x, y)))).collect())
            }
            _ => {
                let (x, y) = view.page(rect.center());
                let w = label_width_px(text, 18.0);
                (18.0, vec![(x - w / 2.0, y + 6.0, false, None)])
            }
        };
        let width = label_width_px(text, size);
        let f = &view.frame;
        let inside = |b: &LabelBox| b.0 >= f.x && b.1 >= f.y && b.2 <= f.x + f.w && b.3 <= f.y + f.h;
        let spot = candidates.into_iter().find_map(|(x, y, end, leader)| {
            let left = if end { x - width } else { x };
            let b = (left - 2.0, y - size, left + width + 2.0, y + 0.3 * size);
            (!overlaps(&b, placed) && inside(&b)).then_some((left, y, b, leader))
        });
        let Some((left, y, b, leader)) = spot else { continue };
        placed.push(b);
        if let Some((px, py)) = leader {
            let (lx, ly) = (if left + width / 2.0 < px { left + width } else { left }, y - size / 3.0);
            let _ = writeln!(out, r##"<line class="leader" x1="{px:.1}" y1="{py:.1}" x2="{lx:.1}" y2="{ly:.1}" stroke="#444444" stroke-width="1"/>"##);
        }
        let _ = writeln!(
            out,
            r##"<text x="{left:.1}" y="{y:.1}" text-anchor="start" font-size="{size}" font-weight="bold" fill="#222222" stroke="#ffffff" stroke-width="4" stroke-opacity="0.9" paint-order="stroke" stroke-linejoin="round">{}</text>"##,
            xml_text(text)
        );
    }
}

/// The scale bar's length: the largest 1, 2 or 5 × 10ⁿ metres not over `max_m`.
pub fn scale_bar_length_m(max_m: f64) -> f64 {
    if !(max_m.is_finite() && max_m > 0.0) {
        return 0.0;
    }
    let power = 10f64.powf(max_m.log10().floor());
    [5.0, 2.0, 1.0].iter().map(|m| m * power).find(|len| *len <= max_m * (1.0 + 1e-12)).unwrap_or(power)
}

fn scale_bar_svg(view: &View, wording: &Wording, out: &mut String) {
    let f = view.frame;
    let metres = scale_bar_length_m(f.w * 0.25 / view.px_per_m);
    let px = metres * view.px_per_m;
    let (x, y) = (f.x + 16.0, f.y + f.h - 20.0);
    let _ = writeln!(out, r##"<g id="scale-bar"><rect x="{:.1}" y="{:.1}" width="{:.1}" height="48" rx="4" fill="#ffffff" fill-opacity="0.85" stroke="#999999"/>"##, x - 8.0, y - 38.0, px + 32.0);
    // Alternating black and white halves, ticks at both ends.
    let _ = writeln!(out, r##"<rect x="{x:.1}" y="{:.1}" width="{:.1}" height="8" fill="#222222"/><rect x="{:.1}" y="{:.1}" width="{:.1}" height="8" fill="#ffffff" stroke="#222222"/>"##, y - 8.0, px / 2.0, x + px / 2.0, y - 8.0, px / 2.0);
    let _ = writeln!(
        out,
        r##"<text x="{x:.1}" y="{:.1}" font-size="15" fill="#222222">0</text><text x="{:.1}" y="{:.1}" font-size="15" fill="#222222" text-anchor="end">{}</text></g>"##,
        y - 14.0,
        x + px + 8.0,
        y - 14.0,
        xml_text(&wording.distance(metres))
    );
}

fn north_arrow_svg(frame: Frame, wording: &Wording, out: &mut String) {
    let (x, y) = (frame.x + frame.w - 40.0, frame.y + 22.0);
    let _ = writeln!(
        out,
        r##"<g id="north-arrow"><circle cx="{x:.1}" cy="{:.1}" r="26" fill="#ffffff" fill-opacity="0.85" stroke="#999999"/><path d="M{x:.1} {:.1}L{:.1} {:.1}L{x:.1} {:.1}Z" fill="#222222"/><path d="M{x:.1} {:.1}L{:.1} {:.1}L{x:.1} {:.1}Z" fill="#ffffff" stroke="#222222"/><text x="{x:.1}" y="{:.1}" font-size="14" font-weight="bold" text-anchor="middle" fill="#222222">{}</text></g>"##,
        y + 26.0,
        y + 6.0,
        x - 9.0,
        y + 40.0,
        y + 33.0,
        y + 6.0,
        x + 9.0,
        y + 40.0,
        y + 33.0,
        y + 50.0,
        xml_text(wording.tr("map.north"))
    );
}

fn legend_swatch(symbol: &Symbol, kind: GeometryKind, x: f64, y: f64, out: &mut String) {
    let stroke = format!("{} stroke-width=\"{}\"", paint(symbol.stroke, "stroke"), symbol.stroke_width_px.min(3.0));
    match kind {
        GeometryKind::Point => marker_svg(&Symbol { marker_radius_px: symbol.marker_radius_px.min(9.0), ..*symbol }, x + 13.0, y, out),
        GeometryKind::Line => {
            let _ = writeln!(out, r#"<line x1="{:.1}" y1="{y:.1}" x2="{:.1}" y2="{y:.1}"{}/>"#, x + 2.0, x + 24.0, paint(symbol.stroke.or(symbol.fill), "stroke") + &format!(" stroke-width=\"{}\"", symbol.stroke_width_px.max(1.0)));
        }
        _ => {
            let _ = writeln!(out, r#"<rect x="{:.1}" y="{:.1}" width="24" height="16"{}{stroke}/>"#, x + 1.0, y - 8.0, paint(symbol.fill, "fill"));
            if let Some(h) = symbol.hatch {
                let _ = writeln!(out, r#"<rect x="{:.1}" y="{:.1}" width="24" height="16" fill="url(#{})"/>"#, x + 1.0, y - 8.0, hatch_id(h));
            }
        }
    }
}

/// One line of the legend: a layer's title, one of its entries, or the gap after a layer.
enum LegendRow<'a> {
    Title(&'a str),
    Entry(&'a Symbol, GeometryKind, &'a str),
    Gap,
}

impl LegendRow<'_> {
    fn height(&self) -> f64 {
        match self {
            LegendRow::Gap => 8.0,
            _ => LEGEND_ROW_H,
        }
    }
}

/// The most columns the legend is split into before its rows are only shrunk.
const LEGEND_MAX_COLUMNS: usize = 3;
/// The smallest scale accepted before one more column is tried.
const LEGEND_MIN_SCALE: f64 = 0.75;

/// Split `rows` into `columns` columns of about equal height (a column never starts with a gap); returns
/// the columns and the tallest one's height.
fn legend_columns<'r, 'a>(rows: &'r [LegendRow<'a>], columns: usize) -> (Vec<&'r [LegendRow<'a>]>, f64) {
    let total: f64 = rows.iter().map(LegendRow::height).sum();
    let target = total / columns as f64;
    let mut out = Vec::with_capacity(columns);
    let (mut start, mut height, mut tallest) = (0, 0.0_f64, 0.0_f64);
    for (i, row) in rows.iter().enumerate() {
        if out.len() + 1 < columns && i > start && height + row.height() > target + 0.5 {
            out.push(&rows[start..i]);
            tallest = tallest.max(height);
            (start, height) = (i, 0.0);
            if matches!(row, LegendRow::Gap) {
                start = i + 1;
                continue;
            }
        }
        height += row.height();
    }
    out.push(&rows[start.min(rows.len())..]);
    (out, tallest.max(height))
}

/// The legend: every entry of every drawn layer, never cut. When the rows do not fit the frame's height they
/// are split into up to [`LEGEND_MAX_COLUMNS`] columns (the fewest whose scale is at least
/// [`LEGEND_MIN_SCALE`]) and scaled down (text and swatches alike) until the tallest column fits.
fn legend_svg(drawn: &[(&Layer, LayerSymbology)], frame: Frame, wording: &Wording, out: &mut String) {
    let _ = writeln!(out, r##"<g id="legend"><rect x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}" fill="#ffffff" stroke="#bbbbbb"/>"##, frame.x, frame.y, frame.w, frame.h);
    let _ = writeln!(out, r##"<text x="{:.1}" y="{:.1}" font-size="20" font-weight="bold" fill="#222222">{}</text>"##, frame.x + 16.0, frame.y + 32.0, xml_text(wording.tr("map.legend")));
    let mut rows = Vec::new();
    for (layer, symbology) in drawn.iter().rev() {
        if symbology.legend.is_empty() {
            continue;
        }
        if !rows.is_empty() {
            rows.push(LegendRow::Gap);
        }
        rows.push(LegendRow::Title(&symbology.title));
        for entry in &symbology.legend {
            rows.push(LegendRow::Entry(&symbology.symbols[entry.symbol], layer.geometry, &entry.label));
        }
    }
    // Rows are placed by their baseline: the first one at 64 px below the frame's top, the last one's
    // baseline at most 12 px above its bottom.
    let scale_for = |tallest: f64| if tallest <= LEGEND_ROW_H { 1.0 } else { ((frame.h - 76.0).max(1.0) / (tallest - LEGEND_ROW_H)).min(1.0) };
    let mut layout = legend_columns(&rows, 1);
    let mut columns = 1;
    for n in 1..=LEGEND_MAX_COLUMNS {
        (layout, columns) = (legend_columns(&rows, n), n);
        if scale_for(layout.1) >= LEGEND_MIN_SCALE {
            break;
        }
    }
    let scale = scale_for(layout.1);
    let column_w = frame.w / columns as f64;
    for (c, column) in layout.0.iter().enumerate() {
        let (x0, y0) = (frame.x + c as f64 * column_w, frame.y + 64.0);
        // Inside the group, sizes are those of a full-size legend column of width column_w / scale.
        let inner_w = column_w / scale;
        let _ = writeln!(out, r#"<g class="legend-column" transform="translate({x0:.1} {y0:.1}) scale({scale:.4})">"#);
        let mut y = 0.0;
        for row in column.iter() {
            match row {
                LegendRow::Title(title) => {
                    let _ = writeln!(out, r##"<text x="16.0" y="{y:.1}" font-size="16" font-weight="bold" fill="#222222"{}>{}</text>"##, fit_width(title, 16.0, inner_w - 32.0), xml_text(title));
                }
                LegendRow::Entry(symbol, kind, label) => {
                    legend_swatch(symbol, *kind, 20.0, y - 5.0, out);
                    let _ = writeln!(out, r##"<text x="56.0" y="{y:.1}" font-size="14" fill="#333333"{}>{}</text>"##, fit_width(label, 14.0, inner_w - 72.0), xml_text(label));
                }
                LegendRow::Gap => {}
            }
            y += row.height();
        }
        out.push_str("</g>\n");
    }
    out.push_str("</g>\n");
}

/// The map frame and the legend frame of the page.
fn page_layout(options: &MapOptions) -> (Frame, Frame) {
    let (w, h) = (f64::from(options.width_px), f64::from(options.height_px));
    let map_frame = Frame { x: PAD, y: HEADER_H, w: (w - 2.0 * PAD - LEGEND_W - GAP).max(50.0), h: (h - HEADER_H - FOOTER_H).max(50.0) };
    let legend_frame = Frame { x: map_frame.x + map_frame.w + GAP, y: HEADER_H, w: LEGEND_W, h: map_frame.h };
    (map_frame, legend_frame)
}

/// Where a lon/lat lands on the page (pixels from the top left) when `layers` are drawn with `options`;
/// `None` when the layers have no geometry. For annotating the map or checking the rendering.
pub fn page_position(layers: &[&Layer], options: &MapOptions, lon: f64, lat: f64) -> Option<(f64, f64)> {
    let view = View::fit(extent(layers)?, page_layout(options).0);
    Some(view.page(Coord { x: lon, y: lat }))
}

/// The map as an SVG document, its words in the language of `wording`.
pub fn render_map_svg(layers: &[&Layer], options: &MapOptions, wording: &Wording) -> String {
    let (w, h) = (f64::from(options.width_px), f64::from(options.height_px));
    let (map_frame, legend_frame) = page_layout(options);
    let drawn: Vec<(&Layer, LayerSymbology)> = in_drawing_order(layers).into_iter().filter(|l| l.geometry != GeometryKind::None).map(|l| (l, layer_symbology(l, wording))).collect();

    let mut svg = String::with_capacity(64 * 1024);
    let _ = writeln!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{}" height="{}" viewBox="0 0 {} {}" font-family="{}">"#,
        options.width_px,
        options.height_px,
        options.width_px,
        options.height_px,
        xml_text(&font_family())
    );
    let _ = writeln!(svg, "<title>{}</title>", xml_text(&options.title));
    svg.push_str("<defs>\n");
    let _ = writeln!(svg, r#"<clipPath id="map-clip"><rect x="{}" y="{}" width="{}" height="{}"/></clipPath>"#, map_frame.x, map_frame.y, map_frame.w, map_frame.h);
    let hatches: BTreeSet<(u8, u8, u8, u8)> = drawn.iter().flat_map(|(_, s)| s.symbols.iter().filter_map(|sym| sym.hatch)).map(|c| (c.r, c.g, c.b, c.a)).collect();
    for (r, g, b, a) in hatches {
        let c = Rgba { r, g, b, a };
        let _ = writeln!(
            svg,
            r#"<pattern id="{}" patternUnits="userSpaceOnUse" width="8" height="8" patternTransform="rotate(45)"><line x1="0" y1="0" x2="0" y2="8"{} stroke-width="2"/></pattern>"#,
            hatch_id(c),
            paint(Some(c), "stroke")
        );
    }
    svg.push_str("</defs>\n");
    let _ = writeln!(svg, r##"<rect width="100%" height="100%" fill="#ffffff"/>"##);
    let line_width = w - 2.0 * PAD;
    let _ = writeln!(svg, r##"<text x="{PAD}" y="44" font-size="30" font-weight="bold" fill="#222222"{}>{}</text>"##, fit_width(&options.title, 30.0, line_width), xml_text(&options.title));
    let _ = writeln!(svg, r##"<text x="{PAD}" y="72" font-size="16" fill="#555555"{}>{}</text>"##, fit_width(&options.subtitle, 16.0, line_width), xml_text(&options.subtitle));
    let _ = writeln!(svg, r##"<rect id="map-frame" x="{}" y="{}" width="{}" height="{}" fill="#f7f7f2"/>"##, map_frame.x, map_frame.y, map_frame.w, map_frame.h);

    match extent(layers) {
        Some(bbox) => {
            let view = View::fit(bbox, map_frame);
            svg.push_str("<g clip-path=\"url(#map-clip)\">\n");
            for (layer, symbology) in &drawn {
                layer_svg(layer, symbology, &view, &mut svg);
            }
            // Sites first: their labels win over the bundles'.
            let mut placed = Vec::new();
            for role in [LayerRole::Sites, LayerRole::Bundles] {
                for (layer, symbology) in &drawn {
                    if symbology.role == role {
                        labels_svg(layer, symbology, &view, &mut placed, &mut svg);
                    }
                }
            }
            svg.push_str("</g>\n");
            scale_bar_svg(&view, wording, &mut svg);
        }
        None => {
            let _ = writeln!(
                svg,
                r##"<text x="{:.1}" y="{:.1}" font-size="20" text-anchor="middle" fill="#666666">{}</text>"##,
                map_frame.x + map_frame.w / 2.0,
                map_frame.y + map_frame.h / 2.0,
                xml_text(wording.tr("map.no_features"))
            );
        }
    }
    north_arrow_svg(map_frame, wording, &mut svg);
    let _ = writeln!(svg, r##"<rect x="{}" y="{}" width="{}" height="{}" fill="none" stroke="#888888"/>"##, map_frame.x, map_frame.y, map_frame.w, map_frame.h);
    legend_svg(&drawn, legend_frame, wording, &mut svg);
    let footer = wording.tr_with("map.footer", &[("attribution", &wording.tr("map.attribution_osm"))]);
    let _ = writeln!(svg, r##"<text x="{PAD}" y="{:.1}" font-size="14" fill="#444444"{}>{}</text>"##, h - 18.0, fit_width(&footer, 14.0, line_width), xml_text(&footer));
    svg.push_str("</svg>\n");
    svg
}

/// Write `DIR/coverage_map.svg` and `DIR/coverage_map.png` (each through a temporary file and a rename).
pub fn write_coverage_map(dir: &Path, layers: &[&Layer], options: &MapOptions, wording: &Wording) -> Result<CoverageMapFiles> {
    if options.width_px < 400 || options.height_px < 300 {
        return Err(Error::Usage(format!("the map needs at least 400 × 300 pixels, not {} × {}", options.width_px, options.height_px)));
    }
    let svg = render_map_svg(layers, options, wording);
    let png = svg_to_png(&svg, options.width_px, options.height_px)?;
    let files = CoverageMapFiles { svg: dir.join("coverage_map.svg"), png: dir.join("coverage_map.png") };
    write_bytes_atomically(&files.svg, svg.as_bytes())?;
    write_bytes_atomically(&files.png, &png)?;
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lang::Lang;
    use crate::write::layer::{FieldType, Value};
    use geo_types::{point, polygon};

    fn zh() -> Wording {
        Wording::default_profile(Lang::Zh)
    }

    /// The boxes of the `<text>` labels of an SVG, measured as [`labels_svg`] does.
    fn text_boxes(svg: &str) -> Vec<(String, LabelBox)> {
        let mut out = Vec::new();
        for line in svg.lines().filter(|l| l.starts_with("<text x=") && l.contains("font-weight=\"bold\"") && l.contains("stroke=\"#ffffff\"")) {
            let num = |key: &str| -> f64 {
                let i = line.find(key).unwrap() + key.len();
                line[i..].split('"').next().unwrap().parse().unwrap()
            };
            let (x, y, size) = (num("x=\""), num("y=\""), num("font-size=\""));
            let text = line.split('>').nth(1).unwrap().split('<').next().unwrap().to_string();
            let w = label_width_px(&text, size);
            out.push((text, (x, y - size, x + w, y + 0.3 * size)));
        }
        out
    }

    #[test]
    fn co_located_sites_share_one_label_and_labels_never_overlap() {
        let mut sites = Layer::new(
            "sites",
            GeometryKind::Point,
            &[("category", FieldType::Text), ("rank", FieldType::Int), ("candidate_id", FieldType::Text)],
        );
        // Two categories on parcel p1; eight more sites half a metre apart: 9 labels at one spot, 8 places
        // around it.
        sites.push(Some(Geometry::Point(point!(x: 118.8, y: 32.05))), vec!["nursery".into(), Value::Int(1), "p1".into()]);
        sites.push(Some(Geometry::Point(point!(x: 118.8, y: 32.05))), vec!["elderly_care".into(), Value::Int(2), "p1".into()]);
        for i in 0..8 {
            let x = 118.8 + 0.000005 * f64::from(i + 1);
            sites.push(Some(Geometry::Point(point!(x: x, y: 32.05))), vec!["kindergarten".into(), Value::Int(i64::from(i) + 1), format!("q{i}").into()]);
        }
        let svg = render_map_svg(&[&sites], &MapOptions::a4_landscape("t", &zh()), &zh());
        let boxes = text_boxes(&svg);
        let texts: Vec<&str> = boxes.iter().map(|(t, _)| t.as_str()).collect();
        // One label for the parcel, naming both categories.
        assert_eq!(texts.iter().filter(|t| t.contains("托儿所")).count(), 1);
        assert!(texts.contains(&"托儿所 #1 · 养老服务站 #2"), "{texts:?}");
        assert!(!texts.contains(&"养老服务站 #2"));
        // No two labels overlap; some stand off with a leader line, the rest were dropped.
        for (i, (a, ba)) in boxes.iter().enumerate() {
            for (b, bb) in &boxes[i + 1..] {
                assert!(!(ba.0 < bb.2 && bb.0 < ba.2 && ba.1 < bb.3 && bb.1 < ba.3), "{a} overlaps {b}");
            }
        }
        assert!(svg.contains("class=\"leader\""));
        assert!(boxes.len() >= 4 && boxes.len() < 9, "{texts:?}");
    }

    #[test]
    fn scale_bar_lengths() {
        assert_eq!(scale_bar_length_m(1234.0), 1000.0);
        assert_eq!(scale_bar_length_m(999.0), 500.0);
        assert_eq!(scale_bar_length_m(300.0), 200.0);
        assert_eq!(scale_bar_length_m(5000.0), 5000.0);
        assert_eq!(scale_bar_length_m(0.7), 0.5);
        assert_eq!(scale_bar_length_m(0.0), 0.0);
        let en = Wording::default_profile(Lang::En);
        assert_eq!((en.distance(500.0), en.distance(2500.0), en.distance(1000.0)), ("500 m".to_string(), "2.5 km".to_string(), "1 km".to_string()));
    }

    #[test]
    fn fit_keeps_metres_square_and_the_extent_inside_the_frame() {
        // 0.01° × 0.01° at 32° N: 1,112 m north-south, 943 m east-west. Frame 1000 × 500 px: height limits,
        // 500 / (1,111.95 × 1.04) = 0.4324 px/m.
        let frame = Frame { x: 0.0, y: 0.0, w: 1000.0, h: 500.0 };
        let view = View::fit([118.0, 32.0, 118.01, 32.01], frame);
        assert!((view.px_per_m - 500.0 / (1111.95 * 1.04)).abs() < 1e-4, "{}", view.px_per_m);
        let (x0, y0) = view.page(Coord { x: 118.0, y: 32.0 });
        let (x1, y1) = view.page(Coord { x: 118.01, y: 32.01 });
        assert!(x0 > 0.0 && x1 < 1000.0 && y1 > 0.0 && y0 < 500.0);
        assert!(y0 > y1, "north is up");
        assert!(((y0 - y1) - 500.0 / 1.04).abs() < 0.01);
        // A single point gets the 200 m minimum span, not an infinite scale.
        let point_view = View::fit([118.0, 32.0, 118.0, 32.0], frame);
        assert!((point_view.px_per_m - 500.0 / 200.0).abs() < 1e-9);
    }

    #[test]
    fn svg_parses_and_has_every_part() {
        let mut estates = Layer::new("estates", GeometryKind::Polygon, &[("score", FieldType::Real)]);
        estates.push(Some(Geometry::Polygon(polygon![(x: 118.0, y: 32.0), (x: 118.004, y: 32.0), (x: 118.004, y: 32.003), (x: 118.0, y: 32.0)])), vec![Value::Real(0.1)]);
        let mut idle = Layer::new("idle_land", GeometryKind::Polygon, &[]);
        idle.push(Some(Geometry::Polygon(polygon![(x: 118.005, y: 32.0), (x: 118.006, y: 32.0), (x: 118.006, y: 32.001), (x: 118.005, y: 32.0)])), vec![]);
        let mut sites = Layer::new("sites", GeometryKind::Point, &[("category", FieldType::Text), ("rank", FieldType::Int)]);
        sites.push(Some(Geometry::Point(point!(x: 118.002, y: 32.001))), vec!["park & garden".into(), Value::Int(1)]);
        let svg = render_map_svg(&[&sites, &estates, &idle], &MapOptions::a4_landscape("<玄武>", &zh()), &zh());
        let doc = roxmltree::Document::parse(&svg).unwrap();
        let ids: Vec<&str> = doc.descendants().filter_map(|n| n.attribute("id")).collect();
        for id in ["map-clip", "hatch-8c510a", "map-frame", "layer-idle_land", "layer-estates", "layer-sites", "scale-bar", "north-arrow", "legend"] {
            assert!(ids.contains(&id), "{id} missing from {ids:?}");
        }
        // Drawing order: idle land under estates under sites, whatever the input order.
        let pos = |id: &str| ids.iter().position(|x| *x == id).unwrap();
        assert!(pos("layer-idle_land") < pos("layer-estates") && pos("layer-estates") < pos("layer-sites"));
        let texts: Vec<String> = doc.descendants().filter(|n| n.has_tag_name("text") || n.has_tag_name("tspan")).filter_map(|n| n.text().map(str::to_string)).collect();
        assert!(texts.contains(&"<玄武>".to_string()));
        assert!(texts.contains(&"park & garden #1".to_string()), "a category the profile does not know keeps its value");
        assert!(texts.iter().any(|t| t.contains("地图数据 © OpenStreetMap 贡献者, ODbL 1.0")));
        assert!(texts.contains(&"得分 0.0 – <0.2".to_string()));
        for t in ["图例", "北", "小区（生活圈覆盖得分）", "闲置用地", "建议选址"] {
            assert!(texts.contains(&t.to_string()), "{t} missing from {texts:?}");
        }
        assert!(texts.iter().any(|t| t.starts_with("居住小区社区生活圈覆盖情况（GB 50180-2018，步行距离：5分钟生活圈 300 米、10分钟生活圈 500 米、15分钟生活圈 1 公里")));
        assert!(svg.contains("fill=\"#d7191c\""), "estate filled red for score 0.1");
    }

    #[test]
    fn a_long_legend_is_split_into_columns_never_cut() {
        // 60 facility categories on a page whose legend frame holds about 40 rows at full size.
        let mut facilities = Layer::new("facilities", GeometryKind::Point, &[("category", FieldType::Text)]);
        for i in 0..60 {
            facilities.push(Some(Geometry::Point(point!(x: 118.0 + f64::from(i) * 1e-4, y: 32.0))), vec![format!("category number {i:02}").into()]);
        }
        let mut estates = Layer::new("estates", GeometryKind::Polygon, &[("score", FieldType::Real)]);
        estates.push(Some(Geometry::Polygon(polygon![(x: 118.0, y: 32.0), (x: 118.004, y: 32.0), (x: 118.004, y: 32.003), (x: 118.0, y: 32.0)])), vec![Value::Real(0.1)]);
        let svg = render_map_svg(&[&facilities, &estates], &MapOptions::a4_landscape("t", &zh()), &zh());
        let doc = roxmltree::Document::parse(&svg).unwrap();
        let legend = doc.descendants().find(|n| n.attribute("id") == Some("legend")).unwrap();
        let texts: Vec<&str> = legend.descendants().filter(|n| n.has_tag_name("text")).filter_map(|n| n.text()).collect();
        for i in 0..60 {
            let label = format!("category number {i:02}");
            assert!(texts.contains(&label.as_str()), "{label} missing from the legend");
        }
        assert!(texts.contains(&"得分 0.0 – <0.2"));
        assert!(!texts.iter().any(|t| t.contains('…')), "nothing is cut");
        let columns: Vec<roxmltree::Node> = legend.descendants().filter(|n| n.attribute("class") == Some("legend-column")).collect();
        assert_eq!(columns.len(), 2, "66 rows wrap into two columns");
        // Every column's last baseline stays inside the legend frame (1240 px page: frame 88..1192).
        for column in columns {
            let transform = column.attribute("transform").unwrap();
            let numbers: Vec<f64> = transform.split(|c: char| !(c.is_ascii_digit() || c == '.')).filter(|t| !t.is_empty()).map(|t| t.parse().unwrap()).collect();
            let (y0, scale) = (numbers[1], numbers[2]);
            let last_y: f64 = column.descendants().filter(|n| n.has_tag_name("text")).map(|n| n.attribute("y").unwrap().parse::<f64>().unwrap()).fold(0.0, f64::max);
            assert!(y0 + last_y * scale <= 1192.0 - 12.0 + 1e-6, "column ends at {}", y0 + last_y * scale);
        }
    }

    #[test]
    fn no_features_still_makes_a_page() {
        let en = Wording::default_profile(Lang::En);
        let svg = render_map_svg(&[], &MapOptions::a4_landscape("empty", &en), &en);
        assert!(roxmltree::Document::parse(&svg).is_ok());
        assert!(svg.contains("No features to draw") && svg.contains(crate::report::html::ODBL_ATTRIBUTION));
        assert!(!svg.contains("scale-bar"));
    }

    #[test]
    fn too_small_a_page_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let options = MapOptions { width_px: 100, ..MapOptions::a4_landscape("x", &zh()) };
        assert!(matches!(write_coverage_map(dir.path(), &[], &options, &zh()), Err(Error::Usage(_))));
    }

    #[test]
    fn a_text_too_long_for_its_room_is_squeezed_not_cut() {
        // 20 CJK characters at 30 px: 600 px; 20 Latin letters: 360 px.
        assert_eq!(text_width_px("社区生活圈评估与老旧小区改造片区规划规划", 30.0), 600.0);
        assert!((text_width_px("abcdefghijklmnopqrst", 30.0) - 360.0).abs() < 1e-9);
        assert_eq!(fit_width("短标题", 30.0, 1000.0), "");
        assert_eq!(fit_width(&"长".repeat(40), 30.0, 1000.0), r#" textLength="1000" lengthAdjust="spacingAndGlyphs""#);
        let title = "玄武区".repeat(30);
        let svg = render_map_svg(&[], &MapOptions::a4_landscape(&title, &zh()), &zh());
        let doc = roxmltree::Document::parse(&svg).unwrap();
        let node = doc.descendants().find(|n| n.has_tag_name("text") && n.text() == Some(title.as_str())).unwrap();
        assert_eq!(node.attribute("textLength"), Some("1706"), "1754 px page less 2 × 24 px margins");
    }
}
