//! A layer's fields as a CSV table (RFC 4180, UTF-8 with a byte-order mark so that Excel shows Chinese
//! names): one header row with the field names, one row per feature; geometry is left out. Lists are
//! written as JSON arrays, booleans as `true` / `false`, nulls as empty cells.

use crate::error::{Error, Result};
use crate::write::atomic;
use crate::write::layer::{Layer, Value};
use std::path::Path;

/// The text of one cell.
fn cell(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::Bool(b) => b.to_string(),
        Value::Int(i) => i.to_string(),
        Value::Real(x) => {
            if x.is_finite() { format!("{}", crate::write::layer::without_negative_zero((x * 1e6).round() / 1e6)) } else { String::new() }
        }
        Value::Text(s) => s.clone(),
        Value::TextList(list) => serde_json::to_string(list).unwrap_or_default(),
    }
}

/// Render a layer as CSV text (with the byte-order mark).
pub fn layer_csv(layer: &Layer) -> Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::from("\u{feff}".as_bytes()));
    let fail = |e: csv::Error| Error::Internal(format!("CSV for layer {}: {e}", layer.name));
    w.write_record(layer.fields.iter().map(|f| f.name.as_str())).map_err(fail)?;
    for feature in &layer.features {
        w.write_record(feature.values.iter().map(cell)).map_err(fail)?;
    }
    w.into_inner().map_err(|e| Error::Internal(format!("CSV for layer {}: {e}", layer.name)))
}

/// Write a layer as CSV, atomically.
pub fn write_layer_csv(path: &Path, layer: &Layer) -> Result<()> {
    atomic::write_bytes_atomically(path, &layer_csv(layer)?)
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_negative_zero_is_written_as_zero() {
        assert_eq!(super::cell(&super::Value::Real(-0.0)), "0");
        assert_eq!(super::cell(&super::Value::Real(-1e-9)), "0");
        assert_eq!(super::cell(&super::Value::Real(-0.25)), "-0.25");
    }

    use super::*;
    use crate::write::layer::{FieldType, GeometryKind};

    #[test]
    fn quotes_lists_nulls_and_chinese() {
        let mut l = Layer::new("t", GeometryKind::None, &[("id", FieldType::Text), ("ids", FieldType::TextList), ("n", FieldType::Real), ("ok", FieldType::Bool)]);
        l.push(None, vec!["华侨路, 26号".into(), Value::TextList(vec!["a".into(), "b".into()]), Value::Null, true.into()]);
        l.push(None, vec!["e2".into(), Value::TextList(vec![]), 1.25.into(), false.into()]);
        let text = String::from_utf8(layer_csv(&l).unwrap()).unwrap();
        assert_eq!(text, "\u{feff}id,ids,n,ok\n\"华侨路, 26号\",\"[\"\"a\"\",\"\"b\"\"]\",,true\ne2,[],1.25,false\n");
    }
}
