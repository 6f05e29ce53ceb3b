//! The language of everything a person reads — the report, the printable map, the QGIS legends and field
//! aliases, table headers — and the one catalogue per language its strings come from.
//!
//! The users are Chinese planners, so Chinese (`zh`) is the default; `--lang en` gives English. Code,
//! field names, `summary.json` keys and logs stay English whatever the language.
//!
//! The catalogues are `data/lang/zh.toml` and `data/lang/en.toml`, embedded at build time: TOML tables of
//! strings whose dotted paths are the keys (`[report] title = ...` is `report.title`). A string may hold
//! `{name}` placeholders that [`Catalogue::tr_with`] fills. The tests fail when a key lacks a translation,
//! when the two languages' placeholders differ, or when code asks for a key no catalogue holds, so a
//! missing string is found before a planner sees it. Category names are not here: they come from the
//! profile ([`crate::profile::Category::display_name`]), which a planner may edit.
//!
//! ```
//! use lifecircle::lang::{Catalogue, Lang};
//! let zh = Catalogue::of(Lang::Zh);
//! assert_eq!(zh.tr("terms.bundle"), "片区");
//! assert_eq!(zh.tr_with("terms.minute_circle", &[("minutes", &15)]), "15分钟生活圈");
//! assert_eq!(Catalogue::of(Lang::En).tr_with("terms.minute_circle", &[("minutes", &15)]), "15-minute life circle");
//! ```

use std::collections::BTreeMap;
use std::fmt::Display;
use std::sync::OnceLock;

/// The language of what a person reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, clap::ValueEnum, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    /// 简体中文 (the default).
    #[default]
    Zh,
    /// English.
    En,
}

impl Lang {
    /// Every language, the default first.
    pub const ALL: [Lang; 2] = [Lang::Zh, Lang::En];

    /// The code: `zh` or `en` (also the HTML `lang` attribute: `zh-CN`, `en` through [`Lang::html_code`]).
    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh",
            Lang::En => "en",
        }
    }

    /// The BCP 47 tag for HTML's `lang` attribute.
    pub fn html_code(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    fn source(self) -> &'static str {
        match self {
            Lang::Zh => include_str!("../data/lang/zh.toml"),
            Lang::En => include_str!("../data/lang/en.toml"),
        }
    }
}

impl std::fmt::Display for Lang {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

/// One language's strings by key.
#[derive(Debug)]
pub struct Catalogue {
    lang: Lang,
    texts: BTreeMap<String, String>,
}

impl Catalogue {
    /// The catalogue of a language, parsed once.
    pub fn of(lang: Lang) -> &'static Catalogue {
        static CATALOGUES: [OnceLock<Catalogue>; 2] = [OnceLock::new(), OnceLock::new()];
        let slot = match lang {
            Lang::Zh => &CATALOGUES[0],
            Lang::En => &CATALOGUES[1],
        };
        slot.get_or_init(|| Catalogue::parse(lang, lang.source()).unwrap_or_else(|e| panic!("the embedded {lang} catalogue: {e}")))
    }

    fn parse(lang: Lang, source: &str) -> Result<Catalogue, String> {
        let table: toml::Table = toml::from_str(source).map_err(|e| e.to_string())?;
        let mut texts = BTreeMap::new();
        flatten("", &table, &mut texts)?;
        Ok(Catalogue { lang, texts })
    }

    /// The language of this catalogue.
    pub fn lang(&self) -> Lang {
        self.lang
    }

    /// The string of `key`. A key the catalogue lacks (the tests make sure none is asked for) comes back
    /// as the key itself rather than failing a run.
    pub fn tr<'a>(&'a self, key: &'a str) -> &'a str {
        self.texts.get(key).map_or(key, String::as_str)
    }

    /// The string of `key`, `None` when the catalogue lacks it (for keys made at run time, such as a
    /// field's alias `fields.<name>`, where a missing key means "no such entry", not a mistake).
    pub fn get(&self, key: &str) -> Option<&str> {
        self.texts.get(key).map(String::as_str)
    }

    /// The string of `key` with each `{name}` replaced by its value.
    pub fn tr_with(&self, key: &str, values: &[(&str, &dyn Display)]) -> String {
        use std::fmt::Write;
        let mut text = String::new();
        self.template(key).write_with(&mut text, |name, out| {
            let _ = match values.iter().find(|(n, _)| *n == name) {
                Some((_, value)) => write!(out, "{value}"),
                None => write!(out, "{{{name}}}"),
            };
        });
        text
    }

    /// Every key, sorted.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.texts.keys().map(String::as_str)
    }

    /// The string of `key` cut once at its placeholders, for texts filled hundreds of thousands of times
    /// (a city's candidates): [`Template::write_with`] gives what [`Catalogue::tr_with`] does without a
    /// lookup, a copy and a pass per placeholder.
    pub fn template(&self, key: &str) -> Template {
        Template::parse(self.tr(key))
    }
}

/// A catalogue string cut at its `{name}` placeholders ([`Catalogue::template`]).
///
/// ```
/// use lifecircle::lang::{Catalogue, Lang};
/// let t = Catalogue::of(Lang::En).template("siting_misfit.area");
/// let mut out = String::new();
/// t.write_with(&mut out, |name, out| out.push_str(if name == "area" { "400" } else { "2000" }));
/// assert_eq!(out, "area 400 m² < 2000 m²");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    /// Literal text and placeholder names, alternately: literal, name, literal, …, literal.
    pieces: Vec<String>,
}

impl Template {
    /// `text` cut at its `{name}` placeholders (a `{` without a closing `}` is text).
    pub fn parse(text: &str) -> Template {
        let mut pieces = Vec::new();
        let mut rest = text;
        while let Some((before, after)) = rest.split_once('{').and_then(|(b, a)| Some((b, a.split_once('}')?))) {
            pieces.push(before.to_string());
            pieces.push(after.0.to_string());
            rest = after.1;
        }
        pieces.push(rest.to_string());
        Template { pieces }
    }

    /// The length of the text outside the placeholders.
    pub fn literal_len(&self) -> usize {
        self.pieces.iter().step_by(2).map(String::len).sum()
    }

    /// The values of the placeholders when `text` is this template filled in; `None` when it is not. A
    /// value runs to the first place the literal text after it appears (to the end for the last), so
    /// two placeholders side by side cannot be told apart and never match.
    ///
    /// ```
    /// use lifecircle::lang::{Catalogue, Lang};
    /// let t = Catalogue::of(Lang::En).template("siting_misfit.area");
    /// assert_eq!(t.match_text("area 400 m² < 2000 m²"), Some(vec![("area", "400".to_string()), ("need", "2000".to_string())]));
    /// assert_eq!(t.match_text("width 400 m"), None);
    /// ```
    pub fn match_text(&self, text: &str) -> Option<Vec<(&str, String)>> {
        let mut at = text.strip_prefix(self.pieces[0].as_str())?;
        let holes = self.pieces.len() / 2;
        let mut values = Vec::with_capacity(holes);
        for k in 0..holes {
            let (name, literal) = (&self.pieces[2 * k + 1], &self.pieces[2 * k + 2]);
            let end = if k + 1 == holes {
                at.strip_suffix(literal.as_str())?.len()
            } else if literal.is_empty() {
                return None;
            } else {
                at.find(literal.as_str())?
            };
            values.push((name.as_str(), at[..end].to_string()));
            at = &at[end + literal.len()..];
        }
        at.is_empty().then_some(values)
    }

    /// Append the text to `out`, each placeholder written by `fill(name, out)`.
    pub fn write_with(&self, out: &mut String, mut fill: impl FnMut(&str, &mut String)) {
        for (i, piece) in self.pieces.iter().enumerate() {
            if i % 2 == 0 {
                out.push_str(piece);
            } else {
                fill(piece, out);
            }
        }
    }
}

fn flatten(prefix: &str, table: &toml::Table, out: &mut BTreeMap<String, String>) -> Result<(), String> {
    for (k, v) in table {
        let key = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
        match v {
            toml::Value::String(s) => {
                out.insert(key, s.clone());
            }
            toml::Value::Table(t) => flatten(&key, t, out)?,
            other => return Err(format!("`{key}` is a {}, not a string", other.type_str())),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn placeholders(text: &str) -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        let mut rest = text;
        while let Some(open) = rest.find('{') {
            let Some(close) = rest[open..].find('}') else { break };
            out.insert(rest[open + 1..open + close].to_string());
            rest = &rest[open + close + 1..];
        }
        out
    }

    #[test]
    fn every_key_has_every_language_with_the_same_placeholders() {
        let zh = Catalogue::of(Lang::Zh);
        let en = Catalogue::of(Lang::En);
        let zh_keys: BTreeSet<&str> = zh.keys().collect();
        let en_keys: BTreeSet<&str> = en.keys().collect();
        let only_zh: Vec<_> = zh_keys.difference(&en_keys).collect();
        let only_en: Vec<_> = en_keys.difference(&zh_keys).collect();
        assert!(only_zh.is_empty() && only_en.is_empty(), "missing translations: only in zh.toml {only_zh:?}, only in en.toml {only_en:?}");
        for key in &zh_keys {
            assert_eq!(placeholders(zh.tr(key)), placeholders(en.tr(key)), "placeholders of `{key}` differ between zh and en");
            assert!(!zh.tr(key).trim().is_empty() && !en.tr(key).trim().is_empty(), "`{key}` is empty");
        }
    }

    #[test]
    fn english_strings_hold_no_chinese_and_chinese_strings_are_chinese() {
        let is_han = |c: char| ('\u{4E00}'..='\u{9FFF}').contains(&c);
        for key in Catalogue::of(Lang::En).keys() {
            let text = Catalogue::of(Lang::En).tr(key);
            assert!(!text.chars().any(is_han), "en `{key}` = `{text}` holds Chinese");
        }
        let zh = Catalogue::of(Lang::Zh);
        let chinese = zh.keys().filter(|k| zh.tr(k).chars().any(is_han)).count();
        assert!(chinese * 10 >= zh.keys().count() * 9, "only {chinese} of {} zh strings hold Chinese", zh.keys().count());
    }

    /// Every key the code asks for (`tr("...")` / `tr_with("...", ...)` in `src/`) is in the catalogues.
    #[test]
    fn every_key_the_code_asks_for_exists() {
        let zh = Catalogue::of(Lang::Zh);
        let known: BTreeSet<&str> = zh.keys().collect();
        let mut missing = Vec::new();
        let mut stack = vec![std::path::PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/src"))];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                    continue;
                }
                // This module's own examples and tests ask for made-up keys on purpose.
                if path.extension().is_none_or(|e| e != "rs") || path.ends_with("src/lang.rs") {
                    continue;
                }
                let text = std::fs::read_to_string(&path).unwrap();
                for call in ["tr(\"", "tr_with(\""] {
                    for (at, _) in text.match_indices(call) {
                        let preceded_by_word = text[..at].chars().next_back().is_some_and(|c| c.is_alphanumeric() || c == '_');
                        if preceded_by_word {
                            continue;
                        }
                        let start = at + call.len();
                        let Some(len) = text[start..].find('"') else { continue };
                        let key = &text[start..start + len];
                        if key.contains('{') || key.contains(' ') {
                            continue; // a doc example's format string, not a key
                        }
                        if !known.contains(key) {
                            missing.push(format!("{}: {key}", path.display()));
                        }
                    }
                }
            }
        }
        assert!(missing.is_empty(), "keys asked for but in no catalogue: {missing:#?}");
    }

    #[test]
    fn placeholders_are_filled_and_unknown_keys_come_back_as_themselves() {
        let zh = Catalogue::of(Lang::Zh);
        assert_eq!(zh.tr("no.such.key"), "no.such.key");
        assert_eq!(zh.tr_with("terms.minute_circle", &[("minutes", &5)]), "5分钟生活圈");
        assert!(Catalogue::parse(Lang::Zh, "a = 1").unwrap_err().contains("`a` is a integer"));
    }

    /// A template fills every string of both catalogues as `tr_with` does.
    #[test]
    fn templates_fill_as_tr_with_does() {
        for lang in [Lang::Zh, Lang::En] {
            let c = Catalogue::of(lang);
            for key in c.keys() {
                let names = placeholders(c.tr(key));
                let values: Vec<(&str, String)> = names.iter().map(|n| (n.as_str(), format!("<{n}>"))).collect();
                let dyn_values: Vec<(&str, &dyn Display)> = values.iter().map(|(n, v)| (*n, v as &dyn Display)).collect();
                let mut out = String::new();
                c.template(key).write_with(&mut out, |name, out| out.push_str(&format!("<{name}>")));
                assert_eq!(out, c.tr_with(key, &dyn_values), "{lang} {key}");
            }
        }
    }
}
