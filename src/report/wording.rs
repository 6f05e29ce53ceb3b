//! The words of the planner's package in the run's language (`--lang`, Chinese by default): every heading,
//! legend label, layer title and field alias the report, the printable map and the QGIS styles show.
//!
//! A [`Wording`] joins the two sources of those words:
//! - the language's catalogue ([`crate::lang::Catalogue`], `data/lang/{zh,en}.toml`) for the fixed texts;
//! - the run's rule profile for the facility categories' names ([`Category::display_name`]: 幼儿园, 菜市场 …
//!   in Chinese, the profile's English names in English), since a planner may edit or add categories.
//!
//! Nothing a person reads shows a category key (`vegetable_market`): a key the profile does not know is
//! shown as it is, since it is then the only name there is.
//!
//! Layer titles are `layers.<layer name>` in the catalogue; field aliases are `fields_of.<layer>.<field>`,
//! else `fields.<field>`, else, for the fields made per category (`dist_K`, `ok_K`, `n_K`, `nearest_K`,
//! `access_K`, `delta_K`), the pattern `field_patterns.<prefix>` filled with the category's name
//! (`到幼儿园距离(米)`). The field names themselves stay ASCII.
//!
//! ```
//! use lifecircle::lang::Lang;
//! use lifecircle::report::wording::Wording;
//! let zh = Wording::default_profile(Lang::Zh);
//! assert_eq!(zh.category_name("vegetable_market"), "菜市场");
//! assert_eq!(zh.field_alias("estates", "dist_kindergarten").as_deref(), Some("到幼儿园距离(米)"));
//! assert_eq!(zh.field_alias("estates", "name").as_deref(), Some("小区名称"));
//! assert_eq!(zh.tier_legend("10min"), "10分钟生活圈（500 米）");
//! let en = Wording::default_profile(Lang::En);
//! assert_eq!(en.field_alias("estates", "ok_park").as_deref(), Some("Park covered"));
//! assert_eq!(en.layer_title("bundles"), "Renovation bundles");
//! ```

use crate::lang::{Catalogue, Lang};
use crate::profile::{Category, Profile};
use crate::report::field_values::format_number;
use std::fmt::Display;

/// The prefixes of the fields made per facility category, as `<prefix>_<category key>`.
/// A field is matched against the longest prefix (`dist_after_K` before `dist_K`, `walk_m_K` is not
/// `walk` + `m_K`).
pub const CATEGORY_FIELD_PREFIXES: [&str; 12] = ["dist_after", "ok_after", "dist", "ok", "n", "nearest", "access", "delta", "walk_m", "climb_m", "delta_elderly", "delta_wheelchair"];

/// The catalogue of a language and the category names of a profile.
#[derive(Debug, Clone)]
pub struct Wording {
    lang: Lang,
    catalogue: &'static Catalogue,
    profile: Profile,
}

impl Wording {
    /// The words of `lang` with the categories of `profile`.
    pub fn new(lang: Lang, profile: &Profile) -> Wording {
        Wording { lang, catalogue: Catalogue::of(lang), profile: profile.clone() }
    }

    /// The words of `lang` with the embedded default profile's categories.
    pub fn default_profile(lang: Lang) -> Wording {
        Wording::new(lang, &Profile::default_profile())
    }

    pub fn lang(&self) -> Lang {
        self.lang
    }

    /// The language's catalogue.
    pub fn catalogue(&self) -> &'static Catalogue {
        self.catalogue
    }

    /// The profile the category names come from.
    pub fn profile(&self) -> &Profile {
        &self.profile
    }

    /// The catalogue string of `key` (the key itself when missing; the catalogue's tests make sure no key
    /// the code asks for is missing).
    pub fn tr<'a>(&'a self, key: &'a str) -> &'a str {
        self.catalogue.tr(key)
    }

    /// The catalogue string of `key` with its `{name}` placeholders filled.
    pub fn tr_with(&self, key: &str, values: &[(&str, &dyn Display)]) -> String {
        self.catalogue.tr_with(key, values)
    }

    fn category(&self, key: &str) -> Option<&Category> {
        self.profile.category(key)
    }

    /// A category's name for a reader (幼儿园 / Kindergarten); an unknown key as it is.
    pub fn category_name(&self, key: &str) -> String {
        self.category(key).map_or_else(|| key.to_string(), |c| c.display_name(self.lang).to_string())
    }

    /// The category's official name in GB 50180-2018, for the tables that list categories; Chinese only
    /// (the standard names them in Chinese), so `None` in English and for unknown keys.
    pub fn category_full_name(&self, key: &str) -> Option<String> {
        match self.lang {
            Lang::Zh => self.category(key).map(|c| c.name_zh_full().to_string()),
            Lang::En => None,
        }
    }

    /// Category keys in the profile's order (the order its tables list them), unknown keys last as given.
    pub fn in_profile_order(&self, keys: &[String]) -> Vec<String> {
        let mut sorted = keys.to_vec();
        sorted.sort_by_key(|k| self.profile.categories.iter().position(|c| &c.key == k).unwrap_or(usize::MAX));
        sorted
    }

    /// Category names joined as a list (幼儿园、社区公园 / Kindergarten, Park).
    pub fn category_list(&self, keys: &[String]) -> String {
        keys.iter().map(|k| self.category_name(k)).collect::<Vec<_>>().join(self.tr("units.list_separator"))
    }

    /// A life-circle tier's name (`5min` → 5分钟生活圈); an unknown tier as it is.
    pub fn tier_name(&self, tier: &str) -> String {
        self.catalogue.get(&format!("tier.{tier}")).map_or_else(|| tier.to_string(), str::to_string)
    }

    /// A distance: `300 米`, `1.5 公里` (from 1,000 m on).
    pub fn distance(&self, metres: f64) -> String {
        if metres >= 1000.0 {
            self.tr_with("units.kilometres", &[("value", &format_number(metres / 1000.0))])
        } else {
            self.tr_with("units.metres", &[("value", &format_number(metres))])
        }
    }

    /// The walking distance of a tier, from the profile's categories of that tier: `300 米`, or a range
    /// (`300–500 米`) when they differ; `None` when no category has that tier.
    pub fn tier_distance(&self, tier: &str) -> Option<String> {
        let thresholds: Vec<f64> = self.profile.categories.iter().filter(|c| c.tier.as_str() == tier).map(|c| c.threshold_m).collect();
        let low = thresholds.iter().copied().reduce(f64::min)?;
        let high = thresholds.iter().copied().fold(low, f64::max);
        Some(if low == high {
            self.distance(low)
        } else {
            self.tr_with("units.metres", &[("value", &format!("{}–{}", format_number(low), format_number(high)))])
        })
    }

    /// A tier as a legend shows it: `5分钟生活圈（300 米）`; an empty tier is "no tier".
    pub fn tier_legend(&self, tier: &str) -> String {
        if tier.is_empty() {
            return self.tr("legend.no_tier").to_string();
        }
        match self.tier_distance(tier) {
            Some(distance) => self.tr_with("legend.tier", &[("tier", &self.tier_name(tier)), ("distance", &distance)]),
            None => self.tier_name(tier),
        }
    }

    /// 是 / 否, yes / no.
    pub fn yes_no(&self, value: bool) -> &str {
        self.tr(if value { "report.yes" } else { "report.no" })
    }

    /// A layer's title (小区（生活圈覆盖得分）); a layer the catalogue does not know by its name.
    pub fn layer_title(&self, layer: &str) -> String {
        self.catalogue.get(&format!("layers.{layer}")).map_or_else(|| layer.to_string(), str::to_string)
    }

    /// The default title of the report and the map: `<place> 社区生活圈评估与老旧小区改造片区规划`.
    pub fn default_title(&self, place: &str) -> String {
        self.tr_with("title.default", &[("place", &place)])
    }

    /// A row name of the report's summary tables (`report.figures.<key>`), or the key itself.
    pub fn figure_name(&self, key: &str) -> String {
        self.catalogue.get(&format!("report.figures.{key}")).map_or_else(|| key.to_string(), str::to_string)
    }

    /// The name a reader sees for a value of an enumerated field (`values.<field>.<value>` in the catalogue:
    /// `eligible` = `needs_survey` → 待摸底调查), or the value itself.
    pub fn value_name(&self, field: &str, value: &str) -> String {
        self.catalogue.get(&format!("values.{field}.{value}")).map_or_else(|| value.to_string(), str::to_string)
    }

    /// The names of every value of `field` the catalogue knows, by value (for the report's pop-ups).
    pub fn value_names(&self, field: &str) -> Vec<(String, String)> {
        let prefix = format!("values.{field}.");
        self.catalogue.keys().filter_map(|k| Some((k.strip_prefix(&prefix)?.to_string(), self.tr(k).to_string()))).collect()
    }

    /// The fields whose values the catalogue names (`values.<field>.*`: `eligible`, `entry` …), sorted.
    pub fn named_value_fields(&self) -> Vec<String> {
        let mut fields: Vec<String> = self.catalogue.keys().filter_map(|k| Some(k.strip_prefix("values.")?.split_once('.')?.0.to_string())).collect();
        fields.dedup();
        fields
    }

    /// The alias of `field` in `layer`: what QGIS's attribute table and the report's pop-ups show instead
    /// of the field name; `None` for a field the catalogue and the profile do not know.
    pub fn field_alias(&self, layer: &str, field: &str) -> Option<String> {
        if let Some(alias) = self.catalogue.get(&format!("fields_of.{layer}.{field}")).or_else(|| self.catalogue.get(&format!("fields.{field}"))) {
            return Some(alias.to_string());
        }
        // The longest prefix first: `walk_m_K` is not `walk` + `m_K`.
        let (prefix, category) = CATEGORY_FIELD_PREFIXES
            .iter()
            .filter_map(|p| Some((*p, self.category(field.strip_prefix(p)?.strip_prefix('_')?)?)))
            .max_by_key(|(p, _)| p.len())?;
        Some(self.tr_with(&format!("field_patterns.{prefix}"), &[("category", &category.display_name(self.lang))]))
    }

    /// The alias of `field`, or the field name when there is none.
    pub fn field_label(&self, layer: &str, field: &str) -> String {
        self.field_alias(layer, field).unwrap_or_else(|| field.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_category_field_of_every_profile_category_has_an_alias_naming_the_category() {
        for lang in Lang::ALL {
            let w = Wording::default_profile(lang);
            for c in &w.profile().categories {
                for prefix in CATEGORY_FIELD_PREFIXES {
                    let alias = w.field_alias("estates", &format!("{prefix}_{}", c.key)).unwrap_or_else(|| panic!("{lang}: {prefix}_{}", c.key));
                    assert!(alias.contains(c.display_name(lang)), "{lang}: `{alias}` does not name {}", c.key);
                    assert!(lang == Lang::En || !alias.contains(&c.key), "`{alias}` shows the key");
                }
            }
        }
    }

    #[test]
    fn layer_specific_aliases_win_and_unknown_fields_have_none() {
        let zh = Wording::default_profile(Lang::Zh);
        assert_eq!(zh.field_alias("facilities", "name").as_deref(), Some("设施名称"));
        assert_eq!(zh.field_alias("sites", "name").as_deref(), Some("名称"));
        assert_eq!(zh.field_alias("estates", "dist_library"), None, "not a category of the profile");
        assert_eq!(zh.field_alias("estates", "area_m2").as_deref(), Some("面积(平方米)"), "a plain field, not a category field");
        assert_eq!(zh.field_alias("estates", "fid"), None);
        assert_eq!(zh.field_label("estates", "fid"), "fid");
    }

    #[test]
    fn tiers_categories_distances_and_titles() {
        let zh = Wording::default_profile(Lang::Zh);
        assert_eq!(zh.tier_legend("5min"), "5分钟生活圈（300 米）");
        assert_eq!(zh.tier_legend("15min"), "15分钟生活圈（1 公里）");
        assert_eq!(zh.tier_legend("20min"), "20min");
        assert_eq!(zh.tier_legend(""), "未标层级");
        assert_eq!(zh.category_name("library"), "library", "an unknown key is the only name there is");
        assert_eq!(zh.category_full_name("elderly_care").as_deref(), Some("老年人日间照料中心（托老所）"));
        assert_eq!(zh.category_list(&["kindergarten".into(), "park".into()]), "幼儿园、社区公园");
        assert_eq!(zh.in_profile_order(&["park".into(), "zoo".into(), "kindergarten".into()]), ["kindergarten", "park", "zoo"]);
        assert_eq!(zh.default_title("玄武区"), "玄武区 社区生活圈评估与老旧小区改造片区规划");
        assert_eq!(zh.distance(2500.0), "2.5 公里");
        let en = Wording::default_profile(Lang::En);
        assert_eq!(en.tier_legend("5min"), "5-minute life circle (300 m)");
        assert_eq!(en.category_full_name("elderly_care"), None);
        assert_eq!(en.category_list(&["kindergarten".into(), "park".into()]), "Kindergarten, Park");
        assert_eq!(en.default_title("Xuanwu District"), "Xuanwu District: life-circle assessment and renovation bundles");
        assert_eq!(en.yes_no(false), "no");
        assert_eq!((zh.value_name("eligible", "needs_survey"), zh.value_name("eligible", "maybe")), ("待摸底调查".to_string(), "maybe".to_string()));
        assert_eq!(en.value_names("eligible").len(), 3);
        assert_eq!(zh.named_value_fields(), ["bundle_group", "class", "eligible", "entry", "group", "layer", "mapped_as", "population_source", "reason_code", "source"]);
        // A tier whose categories have different thresholds shows the range.
        let mut profile = Profile::default_profile();
        profile.categories.iter_mut().find(|c| c.key == "bus_stop").unwrap().threshold_m = 500.0;
        assert_eq!(Wording::new(Lang::Zh, &profile).tier_distance("5min").as_deref(), Some("300–500 米"));
    }

    /// The planning vocabulary of `[terms]` is what every Chinese string uses: each term is used beyond
    /// `[terms]`, and none of the words a translator might reach for instead (which would name one thing
    /// two ways) appears anywhere.
    #[test]
    fn the_chinese_strings_use_the_terms_and_not_their_synonyms() {
        let zh = Catalogue::of(Lang::Zh);
        let texts: Vec<&str> = zh.keys().filter(|k| !k.starts_with("terms.")).map(|k| zh.tr(k)).collect();
        let synonyms: [(&str, &[&str]); 8] = [
            ("terms.bundle", &["组团", "改造区块", "改造单元"]),
            ("terms.gap", &["缺口", "短板", "缺失项"]),
            ("terms.site", &["推荐选址", "推荐点位", "候选点位"]),
            ("terms.idle_land", &["空闲地", "空地", "闲置地块"]),
            ("terms.coverage_rate", &["覆盖比例", "服务覆盖度"]),
            ("terms.walking_distance", &["步行里程", "行走距离"]),
            ("terms.estate", &["住宅区", "楼盘"]),
            ("terms.residents", &["住户数", "居住人口"]),
        ];
        for (term, others) in synonyms {
            let word = zh.tr(term);
            assert!(texts.iter().any(|t| t.contains(word)), "the term {word} ({term}) is used nowhere");
            for other in others {
                let using: Vec<&&str> = texts.iter().filter(|t| t.contains(other)).collect();
                assert!(using.is_empty(), "{other} names what {term} calls {word}: {using:?}");
            }
        }
        for minutes in [5, 10, 15] {
            let circle = zh.tr_with("terms.minute_circle", &[("minutes", &minutes)]);
            assert_eq!(zh.tr(&format!("tier.{minutes}min")), circle);
        }
    }

    #[test]
    fn layer_titles_are_unique_per_language() {
        for lang in Lang::ALL {
            let catalogue = Catalogue::of(lang);
            let titles: Vec<&str> = catalogue.keys().filter(|k| k.starts_with("layers.")).map(|k| catalogue.tr(k)).collect();
            let mut unique = titles.clone();
            unique.sort_unstable();
            unique.dedup();
            assert_eq!(unique.len(), titles.len(), "{lang}: two layers share a title (GeoPackage identifiers must be unique)");
        }
    }
}
