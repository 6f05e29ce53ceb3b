//! Survey tables (摸底调查表): the planner's per-estate answers — built year, households, population,
//! consent share, already funded, to be demolished, estate type — read from CSV and joined to the
//! estates, where surveyed figures replace estimates.
//!
//! **Encoding.** Chinese offices save CSV from Excel as GBK (the "CSV (逗号分隔)" default on Chinese
//! Windows) or as UTF-8 with a BOM ("CSV UTF-8"). The bytes decide: a UTF-8 or UTF-16 BOM, else valid
//! UTF-8, else GBK (decoded with `encoding_rs`, whose GBK decoder accepts all of GB 18030); bytes that
//! are neither are an error. Comma, tab or semicolon separated (sniffed from the header line).
//!
//! **Columns** (English or Chinese headers; case, spaces and a unit in brackets such as `人口（人）` are
//! ignored): `estate_id` 小区编号, `name` 小区名称, `built_year` 建成年份, `households` 户数, `population`
//! 人口, `consent_share` 同意比例 (0-1, or a percentage `75%`), `consulted_share` 征询比例 and `agree_share`
//! 赞成比例 (the Zhifu rule: share of owners consulted, share of those who agree), `previously_funded` 已获资助,
//! `to_be_demolished` 拟拆除 (yes/no, 是/否, 1/0, true/false), `estate_type` 类型. At least an id or a
//! name column is needed; other columns are ignored (and listed in the log).
//!
//! **Joining.** A row matches the estate with its id; when it has no id or no estate has that id, the
//! one estate with its name. A row that matches nothing, whose name matches several estates, that
//! repeats an estate an earlier row matched, or that holds a bad value (the reason names row and
//! column) is not applied and is reported in the [`SurveyReport`] — never dropped silently.
//! Row numbers are the spreadsheet's (the header is row 1).
//!
//! **Applying** ([`apply_survey`]): the answers are stored in [`Estate::survey`]; a surveyed built year
//! replaces the estate's; a surveyed population replaces the estimate (source `survey`), with households
//! from the survey or population ÷ household size; surveyed households alone give population =
//! households × household size, also source `survey`.
//!
//! ```
//! use lifecircle::read::survey::parse_survey;
//! let csv = "小区名称,户数,同意比例,拟拆除\n东方小区,420,75%,否\n";
//! let table = parse_survey("survey.csv".as_ref(), csv.as_bytes()).unwrap();
//! let row = &table.rows[0];
//! assert_eq!((row.row, row.name.as_deref()), (2, Some("东方小区")));
//! assert_eq!(row.attributes.households, Some(420.0));
//! assert_eq!(row.attributes.consent_share, Some(0.75));
//! assert_eq!(row.attributes.to_be_demolished, Some(false));
//! ```

use crate::error::{Error, Result};
use crate::write::atomic;
use crate::write::layer::{FieldType, GeometryKind, Layer, Value};
use crate::read::planner_layers::parse_yes_no;
use crate::model::{Estate, PopulationSource, SurveyAttributes};
use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};

/// A column's meaning.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Column {
    EstateId,
    Name,
    BuiltYear,
    Households,
    Population,
    ConsentShare,
    ConsultedShare,
    AgreeShare,
    PreviouslyFunded,
    ToBeDemolished,
    EstateType,
}

/// Accepted headers, compared after [`normalise_header`].
const HEADERS: &[(Column, &[&str])] = &[
    (Column::EstateId, &["estate_id", "estateid", "id", "小区编号", "编号", "小区id", "小区代码"]),
    (Column::Name, &["name", "estate_name", "estatename", "小区名称", "名称", "小区名", "小区"]),
    (Column::BuiltYear, &["built_year", "builtyear", "year_built", "建成年份", "建成年代", "建设年份", "建成时间", "竣工年份"]),
    (Column::Households, &["households", "户数", "住户数", "总户数"]),
    (Column::Population, &["population", "人口", "人口数", "居住人口", "人数", "常住人口"]),
    (Column::ConsentShare, &["consent_share", "consentshare", "consent", "同意比例", "同意率", "改造意愿比例"]),
    (Column::ConsultedShare, &["consulted_share", "consultedshare", "consulted", "征询比例", "参与征询比例"]),
    (Column::AgreeShare, &["agree_share", "agreeshare", "agree", "赞成比例", "同意户数比例"]),
    (Column::PreviouslyFunded, &["previously_funded", "previouslyfunded", "funded", "已获资助", "已获补助", "已获中央补助"]),
    (Column::ToBeDemolished, &["to_be_demolished", "tobedemolished", "demolish", "拟拆除", "拟拆迁", "列入拆迁"]),
    (Column::EstateType, &["estate_type", "estatetype", "type", "类型", "小区类型"]),
];

impl Column {
    fn label(self) -> &'static str {
        HEADERS.iter().find(|(c, _)| *c == self).map_or("", |(_, names)| names[0])
    }
}

/// Lower-case, no spaces, no trailing unit in brackets: `人口（人）` → `人口`, ` Built Year ` → `built_year`.
fn normalise_header(h: &str) -> String {
    let mut s = h.trim().trim_start_matches('\u{feff}').to_lowercase();
    for open in ['(', '（', '['] {
        if let Some(i) = s.find(open)
            && i > 0
        {
            s.truncate(i);
        }
    }
    s.trim().replace([' ', '-'], "_")
}

/// One usable survey row.
#[derive(Debug, Clone, PartialEq)]
pub struct SurveyRow {
    /// Spreadsheet row number (header = 1).
    pub row: usize,
    pub estate_id: Option<String>,
    pub name: Option<String>,
    pub attributes: SurveyAttributes,
}

/// A row that was not applied, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct SurveyIssue {
    pub row: usize,
    pub estate_id: Option<String>,
    pub name: Option<String>,
    pub reason: String,
}

/// A survey table as read: the usable rows and the rows refused for bad values.
#[derive(Debug, Clone, PartialEq)]
pub struct SurveyTable {
    pub path: PathBuf,
    /// `UTF-8`, `UTF-16LE`, `UTF-16BE` or `GBK`.
    pub encoding: &'static str,
    pub rows: Vec<SurveyRow>,
    pub issues: Vec<SurveyIssue>,
}

/// The outcome of joining a survey to the estates.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SurveyReport {
    /// Rows applied to an estate.
    pub matched: usize,
    /// Rows not applied, by row number: bad values, no match, ambiguous names, repeated estates.
    pub issues: Vec<SurveyIssue>,
}

/// Decode the file's bytes to text and say which encoding it was.
fn decode(path: &Path, bytes: &[u8]) -> Result<(String, &'static str)> {
    if let Some((encoding, bom_len)) = encoding_rs::Encoding::for_bom(bytes) {
        let (text, had_errors) = encoding.decode_without_bom_handling(&bytes[bom_len..]);
        if had_errors {
            return Err(Error::input(path, format!("the file starts with a {} byte-order mark but is not valid {}", encoding.name(), encoding.name()), "save the table again as CSV UTF-8"));
        }
        return Ok((text.into_owned(), if encoding == encoding_rs::UTF_8 { "UTF-8" } else if encoding == encoding_rs::UTF_16LE { "UTF-16LE" } else { "UTF-16BE" }));
    }
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Ok((text.to_string(), "UTF-8"));
    }
    let (text, had_errors) = encoding_rs::GBK.decode_without_bom_handling(bytes);
    if had_errors {
        return Err(Error::input(path, "the file is neither UTF-8 nor GBK text", "save the table from Excel as \"CSV UTF-8 (逗号分隔)\" and try again"));
    }
    Ok((text.into_owned(), "GBK"))
}

/// The separator used on the header line: tab, semicolon or comma (the most frequent; comma by default).
fn sniff_delimiter(text: &str) -> u8 {
    let header = text.lines().next().unwrap_or("");
    let count = |c: char| header.matches(c).count();
    let (tab, semi, comma) = (count('\t'), count(';'), count(','));
    if tab > comma && tab >= semi {
        b'\t'
    } else if semi > comma {
        b';'
    } else {
        b','
    }
}

/// The row (1-based, as the spreadsheet numbers it) of a quoted value still open at the end of the text,
/// following RFC 4180 §2: a quote opens a value only at the start of a field, `""` inside it is one quote,
/// and a single quote closes it. The csv crate reads such a file to the end without complaint, taking the
/// rest of the file as the value, which hides a truncated export.
fn unterminated_quote_row(text: &str, delimiter: u8) -> Option<usize> {
    let delimiter = char::from(delimiter);
    let (mut row, mut opened_row) = (1usize, 0usize);
    let (mut in_quotes, mut field_start) = (false, true);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if in_quotes {
            if c == '"' {
                if chars.peek() == Some(&'"') {
                    chars.next();
                } else {
                    in_quotes = false;
                }
            } else if c == '\n' {
                row += 1;
            }
            continue;
        }
        match c {
            '"' if field_start => {
                in_quotes = true;
                opened_row = row;
            }
            '\n' => {
                row += 1;
                field_start = true;
                continue;
            }
            c if c == delimiter => {
                field_start = true;
                continue;
            }
            _ => {}
        }
        field_start = false;
    }
    in_quotes.then_some(opened_row)
}

/// Read a survey CSV file.
pub fn read_survey(path: &Path) -> Result<SurveyTable> {
    let bytes = std::fs::read(path).map_err(|e| Error::input(path, format!("cannot read the survey table: {e}"), "check the path given with --survey"))?;
    parse_survey(path, &bytes)
}

/// Parse survey CSV bytes read from `path` (named in messages).
pub fn parse_survey(path: &Path, bytes: &[u8]) -> Result<SurveyTable> {
    let (text, encoding) = decode(path, bytes)?;
    // Excel writes CRLF; the csv crate then numbers the first data row 1 instead of 2. Plain LF keeps
    // the row numbers the planner sees in the spreadsheet.
    let text = if text.contains('\r') { text.replace("\r\n", "\n") } else { text };
    if text.trim().is_empty() {
        return Err(Error::input(path, "the survey table is empty", "export the table again with a header row and one row per estate"));
    }
    let delimiter = sniff_delimiter(&text);
    if let Some(row) = unterminated_quote_row(&text, delimiter) {
        return Err(Error::input(
            path,
            format!("row {row} opens a quoted value that never closes: the file ends inside it (cut short?)"),
            "export or copy the table again; if the row is whole, close the quote (a quote inside a quoted value is written twice: \"\")",
        ));
    }
    let mut reader = csv::ReaderBuilder::new().delimiter(delimiter).flexible(true).has_headers(true).from_reader(text.as_bytes());
    let headers = reader.headers().map_err(|e| Error::input(path, format!("cannot read the header row: {e}"), "the first row must name the columns"))?.clone();
    let mut columns: Vec<Option<Column>> = Vec::with_capacity(headers.len());
    let mut seen: HashMap<Column, String> = HashMap::new();
    let mut ignored = Vec::new();
    for header in headers.iter() {
        let key = normalise_header(header);
        let column = HEADERS.iter().find(|(_, names)| names.contains(&key.as_str())).map(|(c, _)| *c);
        if let Some(c) = column
            && let Some(previous) = seen.insert(c, header.to_string())
        {
            return Err(Error::input(
                path,
                format!("two columns mean {}: `{previous}` and `{header}`", c.label()),
                "keep one of them (or rename the other to something lifecircle does not read)",
            ));
        }
        if column.is_none() && !header.trim().is_empty() {
            ignored.push(header.to_string());
        }
        columns.push(column);
    }
    if !seen.contains_key(&Column::EstateId) && !seen.contains_key(&Column::Name) {
        return Err(Error::input(
            path,
            format!("no column identifies the estate (the header row is: {})", headers.iter().collect::<Vec<_>>().join(", ")),
            "add an `estate_id` (小区编号) or `name` (小区名称) column so rows can be joined to estates",
        ));
    }
    if !ignored.is_empty() {
        tracing::info!("{}: columns not read: {}", path.display(), ignored.join(", "));
    }
    let mut table = SurveyTable { path: path.to_path_buf(), encoding, rows: Vec::new(), issues: Vec::new() };
    for record in reader.records() {
        let record = record.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line());
            Error::input(path, format!("row {line} cannot be read as CSV: {e}"), "check the quotes on that row, or export the table again")
        })?;
        let row = record.position().map_or(0, |p| p.line() as usize);
        if record.iter().all(|v| v.trim().is_empty()) {
            continue;
        }
        let cell = |c: Column| -> Option<(&str, &str)> {
            let i = columns.iter().position(|x| *x == Some(c))?;
            let v = record.get(i)?.trim();
            if v.is_empty() { None } else { Some((v, &headers[i])) }
        };
        let estate_id = cell(Column::EstateId).map(|(v, _)| v.to_string());
        let name = cell(Column::Name).map(|(v, _)| v.to_string());
        let issue = |reason: String| SurveyIssue { row, estate_id: estate_id.clone(), name: name.clone(), reason };
        if estate_id.is_none() && name.is_none() {
            table.issues.push(issue(format!("row {row}: no estate id and no name, so it cannot be joined to an estate")));
            continue;
        }
        match parse_attributes(&cell) {
            Ok(attributes) => table.rows.push(SurveyRow { row, estate_id: estate_id.clone(), name: name.clone(), attributes }),
            Err((header, problem)) => table.issues.push(issue(format!("row {row}, column `{header}`: {problem}"))),
        }
    }
    Ok(table)
}

type Cell<'a> = Option<(&'a str, &'a str)>;

/// The value of column `c` parsed, `None` when the column is absent or the cell blank; a bad value
/// gives back the column header and the problem.
fn parsed<'a, T>(cell: &impl Fn(Column) -> Cell<'a>, c: Column, parse: impl Fn(&str) -> std::result::Result<T, String>) -> std::result::Result<Option<T>, (String, String)> {
    match cell(c) {
        Some((v, header)) => parse(v).map(Some).map_err(|p| (header.to_string(), p)),
        None => Ok(None),
    }
}

/// Parse a row's values.
fn parse_attributes<'a>(cell: &impl Fn(Column) -> Cell<'a>) -> std::result::Result<SurveyAttributes, (String, String)> {
    Ok(SurveyAttributes {
        built_year: parsed(cell, Column::BuiltYear, parse_year)?,
        households: parsed(cell, Column::Households, |v| parse_count(v, &['户']))?,
        population: parsed(cell, Column::Population, |v| parse_count(v, &['人']))?,
        consent_share: parsed(cell, Column::ConsentShare, parse_share)?,
        consulted_share: parsed(cell, Column::ConsultedShare, parse_share)?,
        agree_share: parsed(cell, Column::AgreeShare, parse_share)?,
        previously_funded: parsed(cell, Column::PreviouslyFunded, parse_yes_no)?.flatten(),
        to_be_demolished: parsed(cell, Column::ToBeDemolished, parse_yes_no)?.flatten(),
        estate_type: cell(Column::EstateType).map(|(v, _)| v.to_string()),
    })
}

fn parse_number(v: &str, units: &[char]) -> std::result::Result<f64, String> {
    let t: String = v.trim().trim_end_matches(units).chars().filter(|c| !matches!(c, ',' | '，' | ' ')).collect();
    match t.parse::<f64>() {
        Ok(x) if x.is_finite() => Ok(x),
        _ => Err(format!("`{v}` is not a number")),
    }
}

/// A year such as `1988`, `1988年` or `1988.0`, between 1800 and 2100.
fn parse_year(v: &str) -> std::result::Result<i32, String> {
    let y = parse_number(v, &['年']).map_err(|_| format!("`{v}` is not a year"))?;
    if y.fract() != 0.0 || !(1800.0..=2100.0).contains(&y) {
        return Err(format!("`{v}` is not a year between 1800 and 2100"));
    }
    Ok(y as i32)
}

/// A count of people or households: a number of 0 or more, thousands separators and a unit allowed.
fn parse_count(v: &str, units: &[char]) -> std::result::Result<f64, String> {
    let x = parse_number(v, units)?;
    if x < 0.0 {
        return Err(format!("`{v}` is negative"));
    }
    Ok(x)
}

/// A share: `0.75`, `75%` or `75％`. A bare number above 1 is ambiguous and refused.
fn parse_share(v: &str) -> std::result::Result<f64, String> {
    let t = v.trim();
    let share = if let Some(p) = t.strip_suffix(['%', '％']) {
        parse_number(p, &[]).map_err(|_| format!("`{v}` is not a percentage"))? / 100.0
    } else {
        let x = parse_number(t, &[])?;
        if x > 1.0 {
            return Err(format!("`{v}` is more than 1: write a share as 0.75 or a percentage as 75%"));
        }
        x
    };
    if !(0.0..=1.0).contains(&share) {
        return Err(format!("`{v}` is not a share between 0 and 1 (0% to 100%)"));
    }
    Ok(share)
}

/// Join the survey rows to the estates and apply them (see the module doc); returns what happened.
pub fn apply_survey(table: &SurveyTable, estates: &mut [Estate], household_size: f64) -> SurveyReport {
    let mut by_id: HashMap<&str, usize> = HashMap::with_capacity(estates.len());
    for (i, e) in estates.iter().enumerate() {
        by_id.entry(e.id.as_str()).or_insert(i);
    }
    let by_name = crate::read::name_match::NameIndex::new(estates.iter().enumerate().filter_map(|(i, e)| e.name.as_deref().map(|n| (i, n))));
    let mut report = SurveyReport { matched: 0, issues: table.issues.clone() };
    let mut matched_by_row: HashMap<usize, usize> = HashMap::new(); // estate → row
    let mut applications: Vec<(usize, &SurveyRow)> = Vec::new();
    for row in &table.rows {
        let issue = |reason: String| SurveyIssue { row: row.row, estate_id: row.estate_id.clone(), name: row.name.clone(), reason };
        let by_id_match = row.estate_id.as_deref().and_then(|id| by_id.get(id).copied());
        let target = match (by_id_match, row.name.as_deref()) {
            (Some(i), _) => Ok(i),
            // Names compared after normalising (crate::read::name_match): width, spaces, brackets, suffixes, traditional forms.
            (None, Some(name)) => match by_name.find(name) {
                crate::read::name_match::NameMatch::One(i) => Ok(i),
                crate::read::name_match::NameMatch::Several(several) => {
                    let ids: Vec<&str> = several.iter().map(|&i| estates[i].id.as_str()).collect();
                    Err(issue(format!(
                        "row {}: {} estates are named `{name}` (ids {}); add an estate_id (小区编号) column to say which",
                        row.row,
                        several.len(),
                        ids.join(", ")
                    )))
                }
                crate::read::name_match::NameMatch::NoMatch { closest } => {
                    let near = if closest.is_empty() { String::new() } else { format!("; the closest names are {}", closest.join("、")) };
                    Err(issue(match &row.estate_id {
                        Some(id) => format!("row {}: no estate has id `{id}` or name `{name}`{near}", row.row),
                        None => format!("row {}: no estate is named `{name}`{near}", row.row),
                    }))
                }
            },
            (None, None) => Err(issue(format!("row {}: no estate has id `{}`", row.row, row.estate_id.as_deref().unwrap_or("")))),
        };
        match target {
            Err(i) => report.issues.push(i),
            Ok(estate) => match matched_by_row.get(&estate) {
                Some(first) => report.issues.push(issue(format!(
                    "row {}: estate `{}` was already matched by row {first}; this row is not applied",
                    row.row, estates[estate].id
                ))),
                None => {
                    matched_by_row.insert(estate, row.row);
                    applications.push((estate, row));
                }
            },
        }
    }
    for (i, row) in applications {
        apply_row(&mut estates[i], &row.attributes, household_size);
        report.matched += 1;
    }
    report.issues.sort_by_key(|i| i.row);
    report
}

fn apply_row(e: &mut Estate, a: &SurveyAttributes, household_size: f64) {
    if let Some(year) = a.built_year {
        e.built_year = Some(year);
    }
    match (a.population, a.households) {
        (Some(p), h) => {
            e.population = p;
            e.households = h.unwrap_or(p / household_size);
            e.population_source = PopulationSource::Survey;
        }
        (None, Some(h)) => {
            e.households = h;
            e.population = h * household_size;
            e.population_source = PopulationSource::Survey;
        }
        (None, None) => {}
    }
    e.survey = a.clone();
}

/// The report as a table (no geometry): row, estate_id, name, reason.
pub fn survey_report_layer(report: &SurveyReport) -> Layer {
    let mut layer = Layer::new(
        "survey_unmatched",
        GeometryKind::None,
        &[("row", FieldType::Int), ("estate_id", FieldType::Text), ("name", FieldType::Text), ("reason", FieldType::Text)],
    );
    for i in &report.issues {
        layer.push(None, vec![Value::Int(i.row as i64), Value::from(i.estate_id.clone()), Value::from(i.name.clone()), Value::from(i.reason.as_str())]);
    }
    layer
}

/// Write the report as `survey_unmatched.csv`-style CSV: UTF-8 with a BOM so Excel shows the Chinese.
pub fn write_survey_report_csv(path: &Path, report: &SurveyReport) -> Result<()> {
    atomic::write_atomically(path, |w| {
        w.write_all(b"\xEF\xBB\xBF")?;
        let mut csv = csv::Writer::from_writer(w);
        csv.write_record(["row", "estate_id", "name", "reason"])?;
        for i in &report.issues {
            csv.write_record([i.row.to_string().as_str(), i.estate_id.as_deref().unwrap_or(""), i.name.as_deref().unwrap_or(""), i.reason.as_str()])?;
        }
        csv.flush()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::EstateSource;
    use crate::testing::estate;
    use geo_types::MultiPolygon;

    /// A named OSM estate with its floor-area estimate: 1,000 residents in 381.7 households, three buildings.
    fn named_estate(id: &str, name: &str) -> Estate {
        Estate {
            name: Some(name.into()),
            source: EstateSource::OsmLanduse,
            households: 381.7,
            population_source: PopulationSource::Estimate,
            floor_area_m2: 33_000.0,
            n_buildings: 3,
            ..estate(id, MultiPolygon(vec![]))
        }
    }

    fn parse(text: &str) -> Result<SurveyTable> {
        parse_survey(Path::new("survey.csv"), text.as_bytes())
    }

    #[test]
    fn headers_are_normalised() {
        assert_eq!(normalise_header(" 人口（人） "), "人口");
        assert_eq!(normalise_header("Built Year"), "built_year");
        assert_eq!(normalise_header("\u{feff}estate_id"), "estate_id");
        assert_eq!(normalise_header("(x)"), "(x)");
    }

    #[test]
    fn values_parse() {
        assert_eq!(parse_share("75%"), Ok(0.75));
        assert_eq!(parse_share("66.7％"), Ok(0.667));
        assert_eq!(parse_share("0.5"), Ok(0.5));
        assert!(parse_share("75").unwrap_err().contains("75%"));
        assert!(parse_share("120%").is_err());
        assert_eq!(parse_year("1988年"), Ok(1988));
        assert!(parse_year("88").is_err());
        assert_eq!(parse_count("1,200人", &['人']), Ok(1200.0));
        assert!(parse_count("-3", &[]).is_err());
    }

    #[test]
    fn row_numbers_are_the_spreadsheet_rows_with_crlf_too() {
        for text in ["name,population\na,x\nb,y\n", "name,population\r\na,x\r\nb,y\r\n"] {
            let rows: Vec<usize> = parse(text).unwrap().issues.iter().map(|i| i.row).collect();
            assert_eq!(rows, vec![2, 3], "{text:?}");
        }
    }

    #[test]
    fn a_quote_left_open_at_the_end_is_an_error_naming_its_row() {
        // Row 3 opens `"东方小` and the file ends: worked by hand, the only odd quote is on row 3.
        assert_eq!(unterminated_quote_row("id,name\nE0,\"a \"\"b\"\"\"\nE1,\"东方小", b','), Some(3));
        // A quoted value spanning two lines, a doubled quote and a quote inside an unquoted field are whole.
        assert_eq!(unterminated_quote_row("id,name\nE1,\"two\nlines\"\nE2,5\"x\n", b','), None);
        let err = parse("estate_id,name\nE1,\"东方小").unwrap_err();
        assert!(err.to_string().contains("survey.csv") && err.to_string().contains("row 2"), "{err}");
    }

    #[test]
    fn delimiter_sniffing() {
        assert_eq!(sniff_delimiter("a\tb\tc\n"), b'\t');
        assert_eq!(sniff_delimiter("a;b;c\n"), b';');
        assert_eq!(sniff_delimiter("a,b\n"), b',');
    }

    #[test]
    fn bad_values_reject_the_row_naming_row_and_column() {
        let t = parse("estate_id,population,consent_share\ne1,abc,0.5\ne2,100,1.5\ne3,200,80%\n,,\n,,50%\n").unwrap();
        assert_eq!(t.rows.len(), 1);
        assert_eq!(t.rows[0].estate_id.as_deref(), Some("e3"));
        let reasons: Vec<&str> = t.issues.iter().map(|i| i.reason.as_str()).collect();
        assert_eq!(reasons.len(), 3, "{reasons:?}");
        assert!(reasons[0].contains("row 2, column `population`") && reasons[0].contains("`abc`"), "{reasons:?}");
        assert!(reasons[1].contains("row 3, column `consent_share`"));
        assert!(reasons[2].contains("row 6") && reasons[2].contains("no estate id and no name"));
    }

    #[test]
    fn header_errors_are_input_errors() {
        for (text, expect) in [
            ("", "empty"),
            ("population,households\n1,2\n", "no column identifies the estate"),
            ("name,小区名称\na,b\n", "two columns mean name: `name` and `小区名称`"),
        ] {
            let err = parse(text).unwrap_err();
            let m = err.to_string();
            assert!(matches!(err, Error::Input { .. }) && m.starts_with("survey.csv: "), "{m}");
            assert!(m.contains(expect), "{m}");
        }
        let err = parse_survey(Path::new("s.csv"), b"name\n\xff\xff\xff\n").unwrap_err().to_string();
        assert!(err.contains("neither UTF-8 nor GBK"), "{err}");
    }

    #[test]
    fn joins_by_id_then_name_and_reports_the_rest() {
        let mut estates = vec![named_estate("w1", "东方小区"), named_estate("w2", "南苑"), named_estate("w3", "南苑"), named_estate("w4", "北村")];
        let t = parse(
            "小区编号,小区名称,人口,户数,建成年份,已获资助\n\
             w1,,1310,,1985,否\n\
             X9,北村,,100,,\n\
             ,南苑,500,,,\n\
             ,西园,10,,,\n\
             w1,东方小区,99,,,\n",
        )
        .unwrap();
        let report = apply_survey(&t, &mut estates, 2.62);
        assert_eq!(report.matched, 2);
        // Row 2: 1310 people, 1310 / 2.62 = 500 households.
        assert_eq!((estates[0].population, estates[0].population_source), (1310.0, PopulationSource::Survey));
        assert!((estates[0].households - 500.0).abs() < 1e-9);
        assert_eq!(estates[0].built_year, Some(1985));
        assert_eq!(estates[0].survey.previously_funded, Some(false));
        // Row 3: the id X9 matches nothing, the name 北村 does: 100 households × 2.62 = 262 people.
        assert!((estates[3].population - 262.0).abs() < 1e-9 && estates[3].population_source == PopulationSource::Survey);
        // 南苑 is ambiguous: both untouched.
        assert_eq!(estates[1].population_source, PopulationSource::Estimate);
        let rows: Vec<usize> = report.issues.iter().map(|i| i.row).collect();
        assert_eq!(rows, vec![4, 5, 6]);
        assert!(report.issues[0].reason.contains("2 estates are named `南苑` (ids w2, w3)"), "{:?}", report.issues);
        assert!(report.issues[1].reason.contains("no estate is named `西园`"));
        assert!(report.issues[2].reason.contains("already matched by row 2"));
        assert_eq!(estates[0].population, 1310.0, "the repeated row is not applied");
    }

    #[test]
    fn report_csv_has_a_bom_and_all_issues() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("survey_unmatched.csv");
        let report = SurveyReport {
            matched: 0,
            issues: vec![SurveyIssue { row: 3, estate_id: None, name: Some("西园".into()), reason: "row 3: no estate is named `西园`".into() }],
        };
        write_survey_report_csv(&path, &report).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text, "\u{feff}row,estate_id,name,reason\n3,,西园,row 3: no estate is named `西园`\n");
        assert_eq!(survey_report_layer(&report).features.len(), 1);
    }
}
