//! Matching the names planners type (a survey's 小区名称) to the names map providers give estates (Amap's
//! AOI `name`): the same estate is written `建业大厦(湖滨北路)` by Amap and `建业大厦` in the survey, `东方花园`
//! and `东方`, `玄武３号` and `玄武3号`, `玄武6號宿舍` and `玄武6号宿舍`.
//!
//! A name is looked up in three steps, and ambiguity is reported, never guessed:
//! 1. *exact* (surrounding space aside): one estate of that name matches; several are ambiguous;
//! 2. *normalised* ([`normalise`]): full-width letters, digits and brackets made half-width, white space
//!    (also U+3000) removed, brackets and what they hold removed (`(湖滨北路)`, `（北门）`, `【二期】`),
//!    traditional characters made simplified (a table of about 120 characters common in place and
//!    estate names, not a full conversion: [`TRADITIONAL_TO_SIMPLIFIED`]), lower case, and the common
//!    suffixes 小区, 花园, 宿舍, 片区 dropped from the end (repeatedly, never down to nothing);
//! 3. *no match*: the three estate names closest to the row's by edit distance (Levenshtein, in
//!    characters) between the normalised forms, to show the planner.
//!
//! ```
//! use lifecircle::read::name_match::{normalise, NameIndex, NameMatch};
//! assert_eq!(normalise("建业大厦(湖滨北路)"), normalise("建业大厦"));
//! assert_eq!(normalise(" 玄武６號 宿舍 "), "玄武6号");
//! let index = NameIndex::new(["建业大厦(湖滨北路)", "东方花园", "东方小区"].into_iter().enumerate());
//! assert_eq!(index.find("建业大厦"), NameMatch::One(0));
//! assert_eq!(index.find("东方"), NameMatch::Several(vec![1, 2]));
//! let NameMatch::NoMatch { closest } = index.find("东方红") else { unreachable!() };
//! assert_eq!(closest, ["东方小区", "东方花园", "建业大厦(湖滨北路)"]); // distance 1, 1 (ties by name), 4
//! ```

use std::collections::HashMap;

/// Traditional → simplified characters common in Chinese place and estate names (a small table, not a
/// full conversion; characters outside it are left as they are).
pub const TRADITIONAL_TO_SIMPLIFIED: &[(char, char)] = &[
    ('號', '号'), ('園', '园'), ('區', '区'), ('華', '华'), ('東', '东'), ('門', '门'), ('廈', '厦'), ('樓', '楼'),
    ('寧', '宁'), ('莊', '庄'), ('興', '兴'), ('陽', '阳'), ('灣', '湾'), ('龍', '龙'), ('學', '学'), ('館', '馆'),
    ('場', '场'), ('橋', '桥'), ('鄉', '乡'), ('鎮', '镇'), ('廠', '厂'), ('電', '电'), ('機', '机'), ('車', '车'),
    ('長', '长'), ('開', '开'), ('發', '发'), ('業', '业'), ('國', '国'), ('會', '会'), ('棟', '栋'), ('單', '单'),
    ('層', '层'), ('錦', '锦'), ('鳳', '凤'), ('濱', '滨'), ('鐵', '铁'), ('紡', '纺'), ('線', '线'), ('綫', '线'),
    ('廣', '广'), ('築', '筑'), ('蘇', '苏'), ('寶', '宝'), ('麗', '丽'), ('嶺', '岭'), ('實', '实'), ('豐', '丰'),
    ('雲', '云'), ('後', '后'), ('裡', '里'), ('裏', '里'), ('進', '进'), ('風', '风'), ('農', '农'), ('貿', '贸'),
    ('鋼', '钢'), ('礦', '矿'), ('醫', '医'), ('衛', '卫'), ('體', '体'), ('廳', '厅'), ('環', '环'), ('廟', '庙'),
    ('舊', '旧'), ('新', '新'), ('廬', '庐'), ('滬', '沪'), ('漢', '汉'), ('齊', '齐'), ('嶽', '岳'), ('獅', '狮'),
    ('馬', '马'), ('鳥', '鸟'), ('魚', '鱼'), ('驛', '驿'), ('閣', '阁'), ('關', '关'), ('陳', '陈'), ('劉', '刘'),
    ('張', '张'), ('楊', '杨'), ('趙', '赵'), ('黃', '黄'), ('吳', '吴'), ('鄭', '郑'), ('孫', '孙'), ('錢', '钱'),
    ('萬', '万'), ('億', '亿'), ('聖', '圣'), ('嘉', '嘉'), ('藝', '艺'), ('術', '术'), ('職', '职'), ('幹', '干'),
    ('員', '员'), ('軍', '军'), ('隊', '队'), ('師', '师'), ('範', '范'), ('際', '际'), ('貴', '贵'), ('賓', '宾'),
    ('僑', '侨'), ('紅', '红'), ('綠', '绿'), ('藍', '蓝'), ('銀', '银'), ('錫', '锡'), ('鑫', '鑫'), ('歐', '欧'),
    ('亞', '亚'), ('園', '园'), ('灣', '湾'), ('臺', '台'), ('檯', '台'), ('縣', '县'), ('莖', '茎'), ('葉', '叶'),
    ('蘭', '兰'), ('樂', '乐'), ('歡', '欢'), ('福', '福'), ('壽', '寿'), ('喬', '乔'), ('島', '岛'), ('灘', '滩'),
];

/// Suffixes dropped from the end of a normalised name.
pub const COMMON_SUFFIXES: [&str; 4] = ["小区", "花园", "宿舍", "片区"];

fn simplified(c: char) -> char {
    TRADITIONAL_TO_SIMPLIFIED.iter().find(|(t, _)| *t == c).map_or(c, |(_, s)| *s)
}

/// The form names are compared in (module doc, step 2).
pub fn normalise(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut depth = 0usize;
    for c in name.chars() {
        let c = match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            _ => c,
        };
        match c {
            '(' | '[' | '【' | '〔' | '〖' | '<' | '《' => depth += 1,
            ')' | ']' | '】' | '〕' | '〗' | '>' | '》' => depth = depth.saturating_sub(1),
            _ if depth > 0 || c.is_whitespace() => {}
            _ => out.extend(simplified(c).to_lowercase()),
        }
    }
    while let Some(s) = COMMON_SUFFIXES.iter().find(|s| out.ends_with(*s) && out.len() > s.len()) {
        out.truncate(out.len() - s.len());
    }
    out
}

/// Levenshtein distance in characters.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            current[j + 1] = (previous[j] + usize::from(ca != *cb)).min(previous[j + 1] + 1).min(current[j] + 1);
        }
        previous = current;
    }
    previous[b.len()]
}

/// What a name lookup found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NameMatch {
    /// One estate, by its position.
    One(usize),
    /// Several estates share the name (exactly or once normalised): ambiguous, never guessed.
    Several(Vec<usize>),
    /// None; the (up to) three closest estate names.
    NoMatch { closest: Vec<String> },
}

/// Estate names indexed for [`NameIndex::find`].
#[derive(Debug, Clone, Default)]
pub struct NameIndex {
    exact: HashMap<String, Vec<usize>>,
    normalised: HashMap<String, Vec<usize>>,
    /// (normalised, original) of every name, in the order given.
    all: Vec<(String, String)>,
}

impl NameIndex {
    /// Index `(position, name)` pairs.
    pub fn new<'a>(names: impl Iterator<Item = (usize, &'a str)>) -> NameIndex {
        let mut index = NameIndex::default();
        for (i, name) in names {
            let form = normalise(name);
            index.exact.entry(name.trim().to_string()).or_default().push(i);
            index.normalised.entry(form.clone()).or_default().push(i);
            index.all.push((form, name.trim().to_string()));
        }
        index
    }

    /// Look a name up (module doc).
    pub fn find(&self, name: &str) -> NameMatch {
        let found = |v: &Vec<usize>| if v.len() == 1 { NameMatch::One(v[0]) } else { NameMatch::Several(v.clone()) };
        if let Some(v) = self.exact.get(name.trim()) {
            return found(v);
        }
        let form = normalise(name);
        if !form.is_empty()
            && let Some(v) = self.normalised.get(&form)
        {
            return found(v);
        }
        let mut scored: Vec<(usize, &str)> = self.all.iter().map(|(f, original)| (edit_distance(&form, f), original.as_str())).collect();
        scored.sort();
        scored.dedup_by(|a, b| a.1 == b.1);
        NameMatch::NoMatch { closest: scored.into_iter().take(3).map(|(_, n)| n.to_string()).collect() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_normalisation() {
        // Full / half width, spaces (also the ideographic space), brackets and their content.
        assert_eq!(normalise("玄武３号"), "玄武3号");
        assert_eq!(normalise("ＡＢＣ大厦"), "abc大厦");
        assert_eq!(normalise(" 东方\u{3000}新村 "), "东方新村");
        assert_eq!(normalise("建业大厦(湖滨北路)"), "建业大厦");
        assert_eq!(normalise("建业大厦（湖滨北路）"), "建业大厦");
        assert_eq!(normalise("金陵【二期】苑"), "金陵苑");
        // Common suffixes, repeatedly, never down to nothing.
        assert_eq!(normalise("东方花园小区"), "东方");
        assert_eq!(normalise("南航宿舍"), "南航");
        assert_eq!(normalise("老城片区"), "老城");
        assert_eq!(normalise("小区"), "小区");
        // Traditional characters.
        assert_eq!(normalise("東門華園"), "东门华园");
        assert_eq!(normalise("玄武6號宿舍"), normalise("玄武6号宿舍"));
    }

    #[test]
    fn exact_beats_normalised_and_ambiguity_is_reported() {
        let names = ["建业大厦", "建业大厦(湖滨北路)", "建业大厦(中山路)", "东方花园", "東方小區", "南京路1号"];
        let index = NameIndex::new(names.iter().copied().enumerate());
        assert_eq!(index.find("建业大厦"), NameMatch::One(0));
        assert_eq!(index.find("建业大厦（湖滨北路）"), NameMatch::Several(vec![0, 1, 2]));
        assert_eq!(index.find("东方"), NameMatch::Several(vec![3, 4]));
        assert_eq!(index.find(" 南京路１号 "), NameMatch::One(5));
        let NameMatch::NoMatch { closest } = index.find("南京路2号") else { panic!() };
        assert_eq!(closest.len(), 3);
        assert_eq!(closest[0], "南京路1号");
    }

    #[test]
    fn edit_distances() {
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("玄武3号", "玄武8号"), 1);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }
}
