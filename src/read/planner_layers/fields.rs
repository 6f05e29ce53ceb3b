//! Step 2 of reading a planner's layer: which attribute field holds what, and the values read from them.
//!
//! A field the planner names (`--id-field 编号`) must exist: a typo is an error that lists the fields
//! there are. Otherwise the default name is tried, then its aliases (`name`, `名称`, `小区名称` ...),
//! and a role whose field is absent falls back as the module doc of [`super`] says. The category belongs
//! to facilities and the population figures to estates only: a field named for them must not be
//! demanded of the other layers given in the same run. A facilities layer without any category field is
//! an error (no feature could be given a category).
//!
//! Values: ids as text (`12`, not `12.0`), numbers from numbers or text (`1,200`, ` 35.5 `), yes/no
//! from booleans, 1/0 and words in English or Chinese (是/否).
//!
//! ```
//! use lifecircle::read::planner_layers::{number_value, parse_yes_no};
//! assert_eq!(number_value(Some(&serde_json::json!("1,310"))), Ok(Some(1310.0)));
//! assert_eq!(parse_yes_no("是"), Ok(Some(true)));
//! assert!(parse_yes_no("maybe").is_err());
//! ```

use super::{LayerFields, LayerKind};
use crate::error::{Error, Result};
use crate::profile::{CategoryScheme, Profile};
use crate::read::raw_layer::RawLayer;
use serde_json::Value as Json;

/// The fields a layer's features are read from (`None`: the layer has no such field).
pub(super) struct ResolvedFields {
    pub id: Option<String>,
    pub name: Option<String>,
    pub category: Option<String>,
    pub population: Option<String>,
    pub households: Option<String>,
    /// The map provider's scheme the category field is read in (`scheme=amap|baidu`), with the field of
    /// the provider's type text (`type`) quoted in rejects.
    pub scheme: Option<(CategoryScheme, Option<String>)>,
}

/// Resolve the planner's field names, or the defaults, against the layer (see the module doc).
pub(super) fn resolve_fields(kind: LayerKind, raw: &RawLayer, fields: &LayerFields, profile: &Profile, scheme: Option<CategoryScheme>) -> Result<ResolvedFields> {
    let id = resolve_field(raw, fields.id_field.as_ref(), kind.default_id_field(), &[], "--id-field")?;
    let name = resolve_field(raw, fields.name_field.as_ref(), "name", &["名称", "小区名称", "NAME", "Name"], "--name-field")?;
    let category = match (kind, scheme) {
        (LayerKind::Facilities | LayerKind::Estates, Some(scheme)) => {
            let field = resolve_field(raw, fields.category_field.as_ref(), scheme.default_field(), &[], "category=")?;
            if field.is_none() && !raw.features.is_empty() {
                return Err(Error::input(
                    &raw.path,
                    format!("scheme={} reads the {} from the field `{}`, which the layer lacks", scheme.as_str(), scheme.provider(), scheme.default_field()),
                    format!("name the field holding it: FILE|category=FIELD|scheme={}; the layer's fields are: {}", scheme.as_str(), raw.property_names().join(", ")),
                ));
            }
            field
        }
        (LayerKind::Facilities, None) => resolve_field(raw, fields.category_field.as_ref(), "category", &["类别", "类型", "CATEGORY"], "--category-field")?,
        _ => None,
    };
    let scheme = scheme.filter(|_| matches!(kind, LayerKind::Facilities | LayerKind::Estates)).map(|s| (s, ["type", "类型"].iter().find(|f| raw.has_property(f)).map(|f| f.to_string())));
    let (population, households) = match kind {
        LayerKind::Estates => (
            resolve_field(raw, fields.population_field.as_ref(), "population", &["人口", "POPULATION"], "--population-field")?,
            resolve_field(raw, fields.households_field.as_ref(), "households", &["户数", "HOUSEHOLDS"], "--households-field")?,
        ),
        _ => (None, None),
    };
    if kind == LayerKind::Facilities && category.is_none() && !raw.features.is_empty() {
        let keys: Vec<&str> = profile.categories.iter().map(|c| c.key.as_str()).collect();
        return Err(Error::input(
            &raw.path,
            "the facilities layer has no `category` field, so no feature can be given a category",
            format!("add a field `category` holding one of {} (or name your field with --category-field)", keys.join(", ")),
        ));
    }
    Ok(ResolvedFields { id, name, category, population, households, scheme })
}

/// A field role resolved against the layer: the field to read, or `None` if the layer lacks it.
fn resolve_field(raw: &RawLayer, named: Option<&String>, default: &str, aliases: &[&str], flag: &str) -> Result<Option<String>> {
    if let Some(name) = named {
        if raw.has_property(name) {
            return Ok(Some(name.clone()));
        }
        let names = raw.property_names();
        return Err(Error::input(
            &raw.path,
            format!("has no field `{name}` (given with {flag})"),
            if names.is_empty() { "the layer has no attribute fields at all".to_string() } else { format!("its fields are: {}", names.join(", ")) },
        ));
    }
    Ok(std::iter::once(default).chain(aliases.iter().copied()).find(|f| raw.has_property(f)).map(str::to_string))
}

/// The text of an id value; integral numbers without a decimal part (`12`, not `12.0`).
pub(super) fn id_text(value: &Json) -> Option<String> {
    match value {
        Json::Null => None,
        Json::String(s) => Some(s.trim().to_string()).filter(|s| !s.is_empty()),
        Json::Number(n) => Some(match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => i.to_string(),
            (None, Some(x)) if x.fract() == 0.0 && x.abs() < 1e15 => format!("{}", x as i64),
            _ => n.to_string(),
        }),
        other => Some(other.to_string()),
    }
}

/// A number from a property: numbers, or text like `1,200` / ` 35.5 `. `Ok(None)` when null or blank.
pub fn number_value(value: Option<&Json>) -> std::result::Result<Option<f64>, String> {
    match value {
        None | Some(Json::Null) => Ok(None),
        Some(Json::Number(n)) => n.as_f64().map(Some).ok_or_else(|| format!("`{n}` is not a usable number")),
        Some(Json::String(s)) => {
            let t: String = s.trim().chars().filter(|c| *c != ',' && *c != '，').collect();
            if t.is_empty() {
                return Ok(None);
            }
            match t.parse::<f64>() {
                Ok(x) if x.is_finite() => Ok(Some(x)),
                _ => Err(format!("`{s}` is not a number")),
            }
        }
        Some(other) => Err(format!("`{other}` is not a number")),
    }
}

/// A yes/no property: booleans, 1/0, yes/no, true/false, y/n, 是/否.
pub fn bool_value(value: Option<&Json>) -> std::result::Result<Option<bool>, String> {
    match value {
        None | Some(Json::Null) => Ok(None),
        Some(Json::Bool(b)) => Ok(Some(*b)),
        Some(Json::Number(n)) if n.as_f64() == Some(1.0) => Ok(Some(true)),
        Some(Json::Number(n)) if n.as_f64() == Some(0.0) => Ok(Some(false)),
        Some(Json::String(s)) => parse_yes_no(s),
        Some(other) => Err(format!("`{other}` is not yes or no")),
    }
}

/// Parse yes/no text in English or Chinese; blank is `None`.
pub fn parse_yes_no(s: &str) -> std::result::Result<Option<bool>, String> {
    match s.trim().to_lowercase().as_str() {
        "" => Ok(None),
        "1" | "yes" | "y" | "true" | "t" | "是" | "有" => Ok(Some(true)),
        "0" | "no" | "n" | "false" | "f" | "否" | "无" | "没有" => Ok(Some(false)),
        _ => Err(format!("`{}` is not yes or no (use yes/no, 是/否, 1/0 or true/false)", s.trim())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn value_parsers() {
        assert_eq!(number_value(Some(&json!(" 1,200.5 "))), Ok(Some(1200.5)));
        assert_eq!(number_value(Some(&json!(""))), Ok(None));
        assert!(number_value(Some(&json!("abc"))).unwrap_err().contains("`abc`"));
        assert_eq!(bool_value(Some(&json!("是"))), Ok(Some(true)));
        assert_eq!(bool_value(Some(&json!(0))), Ok(Some(false)));
        assert!(bool_value(Some(&json!("maybe"))).is_err());
        assert_eq!(id_text(&json!(12.0)).as_deref(), Some("12"));
        assert_eq!(id_text(&json!(12.5)).as_deref(), Some("12.5"));
    }
}
