//! A reject's reason in a person's language: the particulars after the code (`missing_nodes: 3 of its 10
//! nodes are not in the file …`) worded from the catalogue's `[reject_particulars.<code>]` cases.
//!
//! A reason made with [`RejectCode::reason_for`] writes one case's English template with its values (ids,
//! numbers, tags); [`reason_text_in`] finds the case whose English template the particulars match, takes
//! the values back and fills the same case in the wanted language. Particulars no case matches (free
//! text: a planner layer's value, a GDAL message) stay as they are, code included.
//!
//! ```
//! use lifecircle::lang::{Catalogue, Lang};
//! use lifecircle::model::RejectCode;
//! use lifecircle::write::reject_reasons::reason_text_in;
//! let reason = RejectCode::MultipolygonMissingWay.reason_for("cut", &[("way", &156068416)]);
//! assert_eq!(reason, "multipolygon_missing_way: member way w156068416 is not in the file (the extract cut the relation)");
//! assert_eq!(reason_text_in(&reason, Catalogue::of(Lang::Zh)), "成员路 w156068416 不在文件中（数据范围截断了该关系）");
//! assert_eq!(reason_text_in(&reason, Catalogue::of(Lang::En)), reason);
//! assert_eq!(reason_text_in("duplicate_id: id `g1` again", Catalogue::of(Lang::Zh)), "duplicate_id: id `g1` again");
//! ```

use crate::lang::{Catalogue, Lang, Template};
use crate::model::RejectCode;
use std::collections::BTreeMap;
use std::sync::OnceLock;

/// A rejects `reason` in the catalogue's language: the matched case's words (the code is its own field,
/// `reason_code`), or the text as it is. English gives the text as it is.
pub fn reason_text_in(text: &str, catalogue: &Catalogue) -> String {
    if catalogue.lang() == Lang::En {
        return text.to_string();
    }
    let Some(code) = RejectCode::of_reason(text) else { return text.to_string() };
    let particulars = text[code.key().len() + 1..].trim_start();
    for (key, english) in cases(code) {
        if let Some(values) = english.match_text(particulars) {
            let values: Vec<(&str, &dyn std::fmt::Display)> = values.iter().map(|(k, v)| (*k, v as &dyn std::fmt::Display)).collect();
            return catalogue.tr_with(key, &values);
        }
    }
    text.to_string()
}

/// A code's cases (catalogue key, English template), cut once per process, the most specific first:
/// `… feature #3 (why)` is case `kept_why`, not `kept` with n = `3 (why)`.
fn cases(code: RejectCode) -> &'static [(String, Template)] {
    static CASES: OnceLock<BTreeMap<String, Vec<(String, Template)>>> = OnceLock::new();
    let by_code = CASES.get_or_init(|| {
        let english = Catalogue::of(Lang::En);
        let mut by_code: BTreeMap<String, Vec<(String, Template)>> = BTreeMap::new();
        for key in english.keys() {
            if let Some((code, _case)) = key.strip_prefix("reject_particulars.").and_then(|rest| rest.split_once('.')) {
                by_code.entry(code.to_string()).or_default().push((key.to_string(), english.template(key)));
            }
        }
        for cases in by_code.values_mut() {
            cases.sort_by_key(|(_, t)| std::cmp::Reverse(t.literal_len()));
        }
        by_code
    });
    by_code.get(code.key()).map_or(&[], Vec::as_slice)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_give_back_their_values() {
        let match_template = |template: &str, text: &str| Template::parse(template).match_text(text).map(|v| v.into_iter().map(|(k, v)| (k.to_string(), v)).collect::<Vec<_>>());
        let t = "{missing} of its {total} nodes are not in the file (first n{first}); the extract cut this way";
        let text = "3 of its 10 nodes are not in the file (first n42); the extract cut this way";
        assert_eq!(match_template(t, text), Some(vec![("missing".to_string(), "3".to_string()), ("total".to_string(), "10".to_string()), ("first".to_string(), "42".to_string())]));
        assert_eq!(match_template(t, "3 of its 10 nodes are gone"), None);
        assert_eq!(match_template("foot={value}", "foot=no"), Some(vec![("value".to_string(), "no".to_string())]));
        assert_eq!(match_template("fewer than 2 distinct points", "fewer than 2 distinct points"), Some(vec![]));
        assert_eq!(match_template("fewer than 2 distinct points", "fewer than 2 distinct points, twice"), None);
        // A value holding a separator of the template: the first place the next literal appears ends it.
        let ways = "member ways {ways} join into a chain from node n{from} to node n{to} that no other member closes into a ring";
        let text = "member ways w7, w8 join into a chain from node n1 to node n4 that no other member closes into a ring";
        assert_eq!(match_template(ways, text).unwrap()[0], ("ways".to_string(), "w7, w8".to_string()));
    }

    #[test]
    fn the_most_specific_case_wins_and_composed_messages_are_worded() {
        let zh = Catalogue::of(Lang::Zh);
        let plain = RejectCode::DuplicateId.reason_for("kept", &[("id", &"A"), ("first", &1), ("n", &3)]);
        let why = RejectCode::DuplicateId.reason_for("kept_why", &[("id", &"A"), ("first", &1), ("n", &3), ("why", &"other geometry")]);
        assert_eq!(reason_text_in(&plain, zh), "编号 `A` 重复：第 1 个要素也用此编号，已保留；此为第 3 个要素");
        assert_eq!(reason_text_in(&why, zh), "编号 `A` 重复：第 1 个要素也用此编号，已保留；此为第 3 个要素（other geometry）");
        // A field's value problem, as the planner-layer reader composes it (`<field>: <problem>`).
        assert_eq!(reason_text_in("invalid_value: population: `many` is not a number", zh), "population 的值 `many` 不是数字");
        assert_eq!(reason_text_in("invalid_value: elevator: `maybe` is not yes or no", zh), "elevator 的值 `maybe` 不是“是”或“否”");
        // An Amap POI of a type the profile does not use, its `type` text carried along.
        let amap = RejectCode::UnknownCategory.reason_for("amap_unknown", &[("code", &"990000 (地名地址信息)")]);
        assert_eq!(amap, "unknown_category: unknown Amap typecode 990000 (地名地址信息): no row of the profile's [[scheme.amap]] table matches it");
        assert_eq!(reason_text_in(&amap, zh), "未知的高德分类编码 990000 (地名地址信息)：规则的 [[scheme.amap]] 表中没有对应的行");
    }

    /// Every case of every code: its English filled with sample values reads back to the same values, and
    /// its Chinese holds them all; the cases of one code never match each other's text.
    #[test]
    fn every_case_words_its_values_in_chinese() {
        let (en, zh) = (Catalogue::of(Lang::En), Catalogue::of(Lang::Zh));
        let keys: Vec<&str> = en.keys().filter(|k| k.starts_with("reject_particulars.")).collect();
        assert!(keys.len() >= 20, "{keys:?}");
        for key in &keys {
            let code = key.split('.').nth(1).unwrap();
            let code = RejectCode::from_key(code).unwrap_or_else(|| panic!("{key}: no such reject code"));
            let case = key.rsplit('.').next().unwrap();
            let template = en.tr(key);
            let names: Vec<&str> = template.split('{').skip(1).map(|p| p.split('}').next().unwrap()).collect();
            let samples: Vec<(&str, String)> = names.iter().enumerate().map(|(i, n)| (*n, format!("v{i}x"))).collect();
            let values: Vec<(&str, &dyn std::fmt::Display)> = samples.iter().map(|(k, v)| (*k, v as &dyn std::fmt::Display)).collect();
            let reason = code.reason_for(case, &values);
            let worded = reason_text_in(&reason, zh);
            assert_eq!(worded, zh.tr_with(key, &values), "{key}: {reason}");
            for (_, v) in &samples {
                assert!(worded.contains(v.as_str()), "{key}: {worded} lacks {v}");
            }
        }
    }
}
