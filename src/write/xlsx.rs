//! The planner's workbook (`改造片区清单.xlsx`, `bundles.xlsx` in English): one sheet per level of the plan,
//! each mirroring an output layer row for row — 片区 (the `bundles` layer), 小区 (`estates`), 建议选址
//! (`sites`), 数据质量 (`rejects`), then 数据质量概要 / data-quality summary: one finding of
//! [`crate::report::data_quality`] per row, in plain words (or a row saying nothing was found). Headers and
//! sheet names come from the catalogue (`[xlsx]`); per-category columns are named by the profile's display
//! names, and category keys in cells (`gaps`, `category`) are shown by those names too (菜市场, never
//! `vegetable_market`), as are the codes the catalogue names (`values.<field>.<code>`: entry, eligible,
//! source …) and the estates' reasons (`eligibility_reason`, `left_out_reason`, worded by
//! [`crate::bundle::eligibility`]); a field without an `[xlsx.field]` header takes its QGIS alias
//! (`fields_of`, `fields`). The 片区 sheet adds, after the layer's fields (户数, 建筑面积, 楼栋数, 建成年代 range,
//! 缺项 …), a column of each bundle's recommended facilities and sites (`bundle_sites`, else the plan's sites
//! inside the bundle), as the report's bundle table words them. Header rows are frozen, columns sized to their text,
//! numbers formatted, the score column filled with the map's classes (`palette::score_colour`) and each
//! category's verdict cell green (covered) or red (not covered), the map's two ends of the ramp.
//!
//! Written with `rust_xlsxwriter` into memory, then to a temporary name renamed into place.

use crate::error::{Error, Result};
use crate::lang::{Catalogue, Lang};
use crate::profile::Profile;
use crate::report::palette::{self, Rgba};
use crate::write::atomic;
use crate::write::layer::{Layer, Value};
use rust_xlsxwriter::{Color, DocProperties, ExcelDateTime, Format, FormatAlign, FormatBorder, Workbook, Worksheet};
use std::path::Path;

/// The workbook's file name in `lang`.
pub fn workbook_file_name(lang: Lang) -> &'static str {
    match lang {
        Lang::Zh => "改造片区清单.xlsx",
        Lang::En => "bundles.xlsx",
    }
}

/// The sheets in order: catalogue key of the sheet name, and the layer it mirrors.
pub const SHEETS: [(&str, &str); 4] =
    [("xlsx.sheet.bundles", "bundles"), ("xlsx.sheet.estates", "estates"), ("xlsx.sheet.sites", "sites"), ("xlsx.sheet.quality", "rejects")];

/// Whether the workbook reads the layer `name` (a sheet's, or `bundle_sites` for the bundles' recommended
/// sites): `plan` drops the others before the workbook is made.
pub fn reads_layer(name: &str) -> bool {
    name == "bundle_sites" || SHEETS.iter().any(|(_, layer)| *layer == name)
}

/// Prefixes of the per-category fields of the estates layer and the catalogue key of their header.
const PER_CATEGORY: [(&str, &str); 10] = [
    ("dist_", "xlsx.per_category.dist"),
    ("walk_m_", "xlsx.per_category.walk_m"),
    ("climb_m_", "xlsx.per_category.climb_m"),
    ("delta_elderly_", "xlsx.per_category.delta_elderly"),
    ("delta_wheelchair_", "xlsx.per_category.delta_wheelchair"),
    ("ok_", "xlsx.per_category.ok"),
    ("n_", "xlsx.per_category.n"),
    ("nearest_", "xlsx.per_category.nearest"),
    ("access_", "xlsx.per_category.access"),
    ("delta_", "xlsx.per_category.delta"),
];

fn colour(c: Rgba) -> Color {
    Color::RGB(((c.r as u32) << 16) | ((c.g as u32) << 8) | c.b as u32)
}

/// What a column holds, which decides its header, format and fill.
#[derive(Debug, Clone, PartialEq)]
enum Column {
    Plain,
    /// Category keys, shown by the profile's display names.
    Categories,
    Score,
    Verdict,
    Distance,
}

/// The header of field `name` of layer `layer`, and what kind of column it is: the catalogue's
/// `xlsx.field.<name>`, else the field's QGIS alias (`fields_of.<layer>.<name>`, `fields.<name>`), else
/// the name itself.
pub fn header(catalogue: &Catalogue, profile: &Profile, layer: &str, name: &str) -> String {
    header_and_kind(catalogue, profile, layer, name).0
}

fn header_and_kind(catalogue: &Catalogue, profile: &Profile, layer: &str, name: &str) -> (String, Column) {
    let lang = catalogue.lang();
    for (prefix, key) in PER_CATEGORY {
        if let Some(category) = name.strip_prefix(prefix).and_then(|k| profile.categories.iter().find(|c| c.key == k)) {
            let kind = match prefix {
                "ok_" => Column::Verdict,
                "dist_" | "access_" | "walk_m_" | "climb_m_" => Column::Distance,
                _ => Column::Plain,
            };
            return (catalogue.tr_with(key, &[("name", &category.display_name(lang))]), kind);
        }
    }
    let text = [format!("xlsx.field.{name}"), format!("fields_of.{layer}.{name}"), format!("fields.{name}")]
        .iter()
        .find_map(|key| catalogue.get(key))
        .map_or_else(|| name.to_string(), str::to_string);
    let kind = match name {
        "score" => Column::Score,
        "gaps" | "category" | "categories" => Column::Categories,
        n if n.ends_with("_m") => Column::Distance,
        _ => Column::Plain,
    };
    (text, kind)
}

/// The display width of a text in Excel's character units (CJK characters count two).
fn text_width(text: &str) -> f64 {
    text.chars().map(|c| if (c as u32) >= 0x2E80 { 2.0 } else { 1.0 }).sum()
}

fn lang_of(catalogue: &Catalogue) -> Lang {
    catalogue.lang()
}

fn list_separator(lang: Lang) -> &'static str {
    match lang {
        Lang::Zh => "、",
        Lang::En => ", ",
    }
}

/// A category key by the profile's display name in `lang`; a key the profile lacks as it is.
fn category_name(profile: &Profile, lang: Lang, key: &str) -> String {
    profile.categories.iter().find(|c| c.key == key).map_or_else(|| key.to_string(), |c| c.display_name(lang).to_string())
}

fn cell_text(catalogue: &Catalogue, value: &Value) -> String {
    let sep = list_separator(catalogue.lang());
    match value {
        Value::Null => String::new(),
        Value::Bool(true) => catalogue.tr("xlsx.yes").to_string(),
        Value::Bool(false) => catalogue.tr("xlsx.no").to_string(),
        Value::Int(i) => i.to_string(),
        Value::Real(x) => format!("{x}"),
        Value::Text(s) => s.clone(),
        Value::TextList(list) => list.join(sep),
    }
}

fn xlsx_error(path: &Path, e: rust_xlsxwriter::XlsxError) -> Error {
    Error::Internal(format!("writing the workbook {}: {e}", path.display()))
}

/// Write one layer as a sheet.
fn write_sheet(sheet: &mut Worksheet, path: &Path, catalogue: &Catalogue, profile: &Profile, layer: &Layer) -> Result<()> {
    let fail = |e| xlsx_error(path, e);
    let header_format = Format::new().set_bold().set_text_wrap().set_align(FormatAlign::Center).set_align(FormatAlign::VerticalCenter).set_background_color(Color::RGB(0xE8E8E8)).set_border_bottom(FormatBorder::Thin);
    let integer = Format::new().set_num_format("#,##0");
    let real = Format::new().set_num_format("#,##0.0");
    let metres = Format::new().set_num_format("#,##0");
    let score_base = Format::new().set_num_format("0.00");
    let covered = Format::new().set_background_color(colour(palette::SCORE_CLASSES[4].colour)).set_font_color(Color::White);
    let not_covered = Format::new().set_background_color(colour(palette::SCORE_CLASSES[0].colour)).set_font_color(Color::White);
    let columns: Vec<(String, Column)> = layer.fields.iter().map(|f| header_and_kind(catalogue, profile, &layer.name, &f.name)).collect();
    // A text cell as a person reads it: the estates' reasons and the sites' land origins worded ([`crate::report::worded_fields`]),
    // codes the catalogue names (`values.<field>.<code>`: eligible, entry, source ...) by their names, as
    // the report's tables and QGIS's pop-ups show them; `None` for a text shown as it is.
    let worded = |field: &str, text: &str| -> Option<String> {
        match crate::report::worded_fields::wording_of(field) {
            Some(word) => Some(word(text, catalogue)),
            None => catalogue.get(&format!("values.{field}.{text}")).map(str::to_string),
        }
    };
    let mut widths: Vec<f64> = columns.iter().map(|(h, _)| text_width(h).clamp(6.0, 24.0)).collect();
    for (c, (text, _)) in columns.iter().enumerate() {
        sheet.write_with_format(0, c as u16, text.as_str(), &header_format).map_err(fail)?;
    }
    for (r, feature) in layer.features.iter().enumerate() {
        let row = (r + 1) as u32;
        for (c, (value, (_, kind))) in feature.values.iter().zip(&columns).enumerate() {
            let col = c as u16;
            match (value, kind) {
                (Value::Null, _) => {}
                (Value::Real(x), Column::Score) => {
                    let fill = palette::score_colour(*x).unwrap_or(palette::NO_SCORE);
                    sheet.write_number_with_format(row, col, *x, &score_base.clone().set_background_color(colour(fill))).map_err(fail)?;
                }
                (Value::Bool(ok), Column::Verdict) => {
                    let (key, format) = if *ok { ("terms.covered", &covered) } else { ("terms.not_covered", &not_covered) };
                    sheet.write_with_format(row, col, catalogue.tr(key), format).map_err(fail)?;
                    widths[c] = widths[c].max(text_width(catalogue.tr(key)));
                }
                (Value::Real(x), Column::Distance) => {
                    sheet.write_number_with_format(row, col, *x, &metres).map_err(fail)?;
                }
                (Value::Real(x), _) => {
                    sheet.write_number_with_format(row, col, *x, &real).map_err(fail)?;
                    widths[c] = widths[c].max(10.0);
                }
                (Value::Int(i), _) => {
                    sheet.write_number_with_format(row, col, *i as f64, &integer).map_err(fail)?;
                }
                (Value::Text(key), Column::Categories) => {
                    let text = category_name(profile, lang_of(catalogue), key);
                    widths[c] = widths[c].max(text_width(&text).min(48.0));
                    sheet.write(row, col, text).map_err(fail)?;
                }
                (Value::TextList(keys), Column::Categories) => {
                    let names: Vec<String> = keys.iter().map(|k| category_name(profile, lang_of(catalogue), k)).collect();
                    let text = names.join(list_separator(lang_of(catalogue)));
                    widths[c] = widths[c].max(text_width(&text).min(48.0));
                    sheet.write(row, col, text).map_err(fail)?;
                }
                (Value::Text(text), Column::Plain) if let Some(text) = worded(&layer.fields[c].name, text) => {
                    widths[c] = widths[c].max(text_width(&text).min(48.0));
                    sheet.write(row, col, text).map_err(fail)?;
                }
                (other, _) => {
                    let text = cell_text(catalogue, other);
                    widths[c] = widths[c].max(text_width(&text).min(48.0));
                    sheet.write(row, col, text).map_err(fail)?;
                }
            }
        }
    }
    for (c, w) in widths.iter().enumerate() {
        sheet.set_column_width(c as u16, w + 2.0).map_err(fail)?;
    }
    sheet.set_freeze_panes(1, 0).map_err(fail)?;
    if !columns.is_empty() {
        sheet.autofilter(0, 0, layer.features.len() as u32, (columns.len() - 1) as u16).map_err(fail)?;
    }
    Ok(())
}

/// The bundles layer with a last field, `recommended_sites`: each bundle's sites as the report words them
/// (`幼儿园 #1（新增覆盖 5,200 人）`), from [`bundle_rows`](crate::report::bundle_table::bundle_rows).
fn with_recommended_sites(bundles: &Layer, layers: &[&Layer], lang: Lang, profile: &Profile) -> Layer {
    let wording = crate::report::Wording::new(lang, profile);
    let (rows, _) = crate::report::bundle_table::bundle_rows(layers);
    let mut sites_of: std::collections::HashMap<&str, Vec<String>> = std::collections::HashMap::new();
    for row in &rows {
        sites_of.insert(row.bundle_id.as_str(), row.sites.iter().map(|s| s.describe(&wording)).collect());
    }
    let mut out = bundles.clone();
    out.fields.push(crate::write::layer::Field { name: "recommended_sites".into(), ty: crate::write::layer::FieldType::TextList });
    let id_index = bundles.field_index("bundle_id");
    for feature in &mut out.features {
        let id = id_index.and_then(|i| match &feature.values[i] {
            Value::Text(id) => Some(id.as_str()),
            _ => None,
        });
        let sites = id.and_then(|id| sites_of.get(id)).cloned().unwrap_or_default();
        feature.values.push(Value::TextList(sites));
    }
    out
}

/// The data-quality summary sheet: a header and one finding per row.
fn write_findings(sheet: &mut Worksheet, path: &Path, catalogue: &Catalogue, findings: &[String]) -> Result<()> {
    let fail = |e| xlsx_error(path, e);
    let header_format = Format::new().set_bold().set_background_color(Color::RGB(0xE8E8E8)).set_border_bottom(FormatBorder::Thin);
    let wrap = Format::new().set_text_wrap().set_align(FormatAlign::Top);
    sheet.write_with_format(0, 0, catalogue.tr("xlsx.findings_header"), &header_format).map_err(fail)?;
    let none = [catalogue.tr("data_quality.none").to_string()];
    let rows = if findings.is_empty() { &none[..] } else { findings };
    for (r, text) in rows.iter().enumerate() {
        sheet.write_with_format((r + 1) as u32, 0, text.as_str(), &wrap).map_err(fail)?;
    }
    sheet.set_column_width(0, 100).map_err(fail)?;
    sheet.set_freeze_panes(1, 0).map_err(fail)?;
    Ok(())
}

/// The workbook's bytes: one sheet per entry of [`SHEETS`], each from the layer of that name in `layers`
/// (a layer missing gives an empty sheet with no columns), then the data-quality findings sheet.
pub fn plan_workbook(path: &Path, lang: Lang, profile: &Profile, layers: &[&Layer], findings: &[String]) -> Result<Vec<u8>> {
    plan_workbook_with_about(path, lang, profile, layers, findings, None)
}

/// [`plan_workbook`], with a last sheet 说明 / About saying how the plan was made (the run's provenance:
/// version, command line, profile and input checksums, CRS, date) when `about` is given.
pub fn plan_workbook_with_about(path: &Path, lang: Lang, profile: &Profile, layers: &[&Layer], findings: &[String], about: Option<&crate::provenance::Provenance>) -> Result<Vec<u8>> {
    let catalogue = Catalogue::of(lang);
    let mut workbook = Workbook::new();
    // A fixed creation date: the same plan gives the same bytes (the file's own time says when it was written).
    let created = ExcelDateTime::from_ymd(2000, 1, 1).map_err(|e| xlsx_error(path, e))?;
    workbook.set_properties(&DocProperties::new().set_creation_datetime(&created));
    // 说明 / About first (the plan's provenance, as the issue of reproducibility asks), but the workbook opens
    // on the 片区 sheet, the one a planner reads.
    if let Some(provenance) = about {
        let fail = |e| xlsx_error(path, e);
        let sheet = workbook.add_worksheet();
        sheet.set_name(catalogue.tr("xlsx.sheet.about")).map_err(fail)?;
        sheet.write_with_format(0, 0, catalogue.tr("provenance.title"), &Format::new().set_bold()).map_err(fail)?;
        let rows = provenance.rows();
        for (r, (key, value)) in rows.iter().enumerate() {
            let row = (r + 1) as u32;
            sheet.write(row, 0, catalogue.tr(key)).map_err(fail)?;
            sheet.write(row, 1, value.as_str()).map_err(fail)?;
        }
        sheet.write((rows.len() + 2) as u32, 0, catalogue.tr("provenance.rerun")).map_err(fail)?;
        sheet.set_column_width(0, 28.0).map_err(fail)?;
        sheet.set_column_width(1, 100.0).map_err(fail)?;
    }
    for (sheet_key, layer_name) in SHEETS {
        // "Low memory" sheets: rows go to a temporary file as they are written (shared strings stay), so a
        // city's estates sheet (20,000 rows of a hundred columns) is not held as cells.
        let sheet = workbook.add_worksheet_with_low_memory().map_err(|e| xlsx_error(path, e))?;
        if sheet_key == SHEETS[0].0 {
            sheet.set_active(true);
        }
        sheet.set_name(catalogue.tr(sheet_key)).map_err(|e| xlsx_error(path, e))?;
        if let Some(layer) = layers.iter().find(|l| l.name == layer_name) {
            if layer_name == "bundles" {
                write_sheet(sheet, path, catalogue, profile, &with_recommended_sites(layer, layers, lang, profile))?;
            } else {
                write_sheet(sheet, path, catalogue, profile, layer)?;
            }
        }
    }
    let sheet = workbook.add_worksheet();
    sheet.set_name(catalogue.tr("xlsx.sheet.quality_summary")).map_err(|e| xlsx_error(path, e))?;
    write_findings(sheet, path, catalogue, findings)?;
    workbook.save_to_buffer().map_err(|e| xlsx_error(path, e))
}

/// Write the workbook at `dir/<workbook_file_name(lang)>`, atomically; returns its path.
pub fn write_plan_workbook(dir: &Path, lang: Lang, profile: &Profile, layers: &[&Layer], findings: &[String]) -> Result<std::path::PathBuf> {
    write_plan_workbook_with_about(dir, lang, profile, layers, findings, None)
}

/// [`write_plan_workbook`] with the About sheet ([`plan_workbook_with_about`]).
pub fn write_plan_workbook_with_about(dir: &Path, lang: Lang, profile: &Profile, layers: &[&Layer], findings: &[String], about: Option<&crate::provenance::Provenance>) -> Result<std::path::PathBuf> {
    let path = dir.join(workbook_file_name(lang));
    let bytes = plan_workbook_with_about(&path, lang, profile, layers, findings, about)?;
    atomic::write_bytes_atomically(&path, &bytes)?;
    Ok(path)
}
