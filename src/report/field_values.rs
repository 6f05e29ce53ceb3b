//! Reading typed field values of an output [`Layer`] by field name, the way the report needs them: a number
//! whether the field is `Int` or `Real`, a text whether it is `Text` or a number, a list of ids whether it
//! is a `TextList` or a comma-separated `Text`.
//!
//! ```
//! use lifecircle::write::layer::{FieldType, GeometryKind, Layer, Value};
//! use lifecircle::report::field_values::{number, text};
//! let mut layer = Layer::new("sites", GeometryKind::Point, &[("rank", FieldType::Int)]);
//! layer.push(None, vec![Value::Int(2)]);
//! assert_eq!(number(&layer, &layer.features[0], "rank"), Some(2.0));
//! assert_eq!(text(&layer, &layer.features[0], "rank").as_deref(), Some("2"));
//! ```

use crate::write::layer::{Feature, Layer, Value};

fn value<'a>(layer: &Layer, feature: &'a Feature, field: &str) -> Option<&'a Value> {
    layer.field_index(field).and_then(|i| feature.values.get(i))
}

/// A finite number from an `Int` or `Real` field.
pub fn number(layer: &Layer, feature: &Feature, field: &str) -> Option<f64> {
    match value(layer, feature, field)? {
        Value::Int(n) => Some(*n as f64),
        Value::Real(x) if x.is_finite() => Some(*x),
        _ => None,
    }
}

/// A non-empty text (numbers and booleans are formatted).
pub fn text(layer: &Layer, feature: &Feature, field: &str) -> Option<String> {
    value(layer, feature, field).and_then(display).filter(|t| !t.is_empty())
}

/// A boolean from a `Bool` field (or an `Int` 0/1, as some GeoPackage readers give booleans back).
pub fn boolean(layer: &Layer, feature: &Feature, field: &str) -> Option<bool> {
    match value(layer, feature, field)? {
        Value::Bool(b) => Some(*b),
        Value::Int(0) => Some(false),
        Value::Int(1) => Some(true),
        _ => None,
    }
}

/// A list of texts: a `TextList`, or a `Text` split at commas (empty items dropped).
pub fn text_list(layer: &Layer, feature: &Feature, field: &str) -> Vec<String> {
    match value(layer, feature, field) {
        Some(Value::TextList(items)) => items.iter().filter(|s| !s.is_empty()).cloned().collect(),
        Some(Value::Text(t)) => t.split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_string).collect(),
        _ => Vec::new(),
    }
}

/// A value as text for a table cell; `None` for null.
pub fn display(value: &Value) -> Option<String> {
    match value {
        Value::Null => None,
        Value::Bool(b) => Some(if *b { "yes" } else { "no" }.to_string()),
        Value::Int(n) => Some(n.to_string()),
        Value::Real(x) if x.is_finite() => Some(format_number(*x)),
        Value::Real(_) => None,
        Value::Text(t) => Some(t.clone()),
        Value::TextList(items) => Some(items.join(", ")),
    }
}

/// A number with at most 3 decimals and no trailing zeros: `12`, `0.667`, `1234.5`.
pub fn format_number(x: f64) -> String {
    let text = format!("{x:.3}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if text == "-0" { "0".to_string() } else { text.to_string() }
}

/// An integer count with thousands separators: `12,345`. Rounds to the nearest whole number.
pub fn format_count(x: f64) -> String {
    let rounded = x.round();
    let digits = format!("{}", rounded.abs() as u64);
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if rounded < 0.0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::write::layer::{FieldType, GeometryKind};

    #[test]
    fn typed_reads() {
        let mut layer = Layer::new(
            "x",
            GeometryKind::None,
            &[("a", FieldType::Real), ("b", FieldType::Bool), ("c", FieldType::TextList), ("d", FieldType::Text), ("e", FieldType::Int)],
        );
        layer.push(None, vec![Value::Real(f64::NAN), Value::Bool(true), vec!["kindergarten".to_string(), String::new()].into(), " park, ,market ".into(), Value::Int(1)]);
        let f = &layer.features[0];
        assert_eq!(number(&layer, f, "a"), None);
        assert_eq!(number(&layer, f, "missing"), None);
        assert_eq!(boolean(&layer, f, "b"), Some(true));
        assert_eq!(boolean(&layer, f, "e"), Some(true));
        assert_eq!(text_list(&layer, f, "c"), vec!["kindergarten"]);
        assert_eq!(text_list(&layer, f, "d"), vec!["park", "market"]);
        assert_eq!(text(&layer, f, "b").as_deref(), Some("yes"));
    }

    #[test]
    fn number_formats() {
        assert_eq!(format_number(12.0), "12");
        assert_eq!(format_number(2.0 / 3.0), "0.667");
        assert_eq!(format_number(-0.0001), "0");
        assert_eq!(format_count(0.0), "0");
        assert_eq!(format_count(999.4), "999");
        assert_eq!(format_count(1000.0), "1,000");
        assert_eq!(format_count(1234567.0), "1,234,567");
        assert_eq!(format_count(-12345.0), "-12,345");
    }
}
