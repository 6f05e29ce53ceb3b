//! Survey tables (摸底调查表): the planner's per-estate answers — built year, households, population,
//! consent share, already funded, to be demolished, estate type — read from an Excel / OpenDocument
//! workbook or from CSV and joined to the estates, where surveyed figures replace estimates.
//!
//! **Workbooks** (`.xlsx`, `.xlsm`, `.xls`, `.xlsb`, `.ods`, read with `calamine`; a workbook under
//! another name, say `.csv`, is known by its first bytes): the first sheet, or the one named by
//! `FILE|sheet=NAME` (the `|key=value` suffix of `FILE|layername=NAME`); an unknown name is an error
//! listing the sheets. A cell reads as the text its CSV export would hold, so both go through one parser:
//! numbers by value (Excel stores `1988` and `420` as floats: `1988.0` reads `1988`), a percentage cell by
//! its value (`75%` is stored as `0.75`, a share), a date as `YYYY-MM-DD` (a year column takes its year),
//! an error cell as Excel shows it (`#DIV/0!`, a bad value). A workbook that cannot be opened, is
//! encrypted with a password, or whose sheet is empty is an input error naming the file.
//!
//! **CSV encoding.** Chinese offices save CSV from Excel as GBK (the "CSV (逗号分隔)" default on Chinese
//! Windows) or as UTF-8 with a BOM ("CSV UTF-8"). The bytes decide: a UTF-8 or UTF-16 BOM, else valid
//! UTF-8, else GBK (decoded with `encoding_rs`, whose GBK decoder accepts all of GB 18030); bytes that
//! are neither are an error. Comma, tab or semicolon separated (sniffed from the first line holding one).
//!
//! **Header.** Blank rows are skipped. The header is the first row, among the first 20, that names the id
//! or the name column; rows above it (a title such as 玄武区老旧小区摸底调查表 merged across the sheet, a
//! date, a unit) are skipped. When the row right under it names a column where the header row names none
//! or holds a group title, and holds no estate id or name, it is a second header row (a merged 改造意愿
//! over 征询比例 | 赞成比例, with 小区名称 merged down over both rows): the two combine column by column,
//! the recognised name winning, and the data starts under it.
//!
//! **Columns** (English or Chinese headers; case, spaces and a unit in brackets such as `人口（人）` are
//! ignored): `estate_id` 小区编号, `name` 小区名称, `built_year` 建成年份, `households` 户数, `population`
//! 人口, `consent_share` 同意比例 (0-1, or a percentage `75%`), `consulted_share` 征询比例 and `agree_share`
//! 赞成比例 (the Zhifu rule: share of owners consulted, share of those who agree), `previously_funded` 已获资助,
//! `to_be_demolished` 拟拆除 (yes/no, 是/否, 1/0, true/false), `estate_type` 类型. At least an id or a
//! name column is needed; other columns are ignored (and listed in the log). A built year is a whole year
//! from 1800 to the current year by the system clock (`1988`, `1988年`, `1988.0`, `1988-06-01`).
//!
//! **Bad cells.** A value that does not parse (`约300` as a population, a built year after this year, a
//! share of 1.5) is left out of its row, which is otherwise applied; the cell is listed in the
//! [`SurveyReport`] with its row, column and reason ("row 7, column `人口`: `约300` is not a number; this
//! value was left out, the rest of the row was applied").
//!
//! **Joining.** A row matches the estate with its id; when it has no id or no estate has that id, the
//! one estate with its name. A row with neither id nor name, that matches nothing, whose name matches
//! several estates, or that repeats an estate an earlier row matched, is not applied and is reported in
//! the [`SurveyReport`] — never dropped silently. [`SurveyReport::matched`] counts the rows applied.
//! Row numbers are the spreadsheet's (the first row is 1, title rows counted).
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
    /// The values read; a bad cell leaves its attribute `None` and is listed in `dropped`.
    pub attributes: SurveyAttributes,
    /// The row's bad cells, left out; the rest of the row is applied.
    pub dropped: Vec<DroppedCell>,
}

/// A bad cell of a row, left out of its row's attributes.
#[derive(Debug, Clone, PartialEq)]
pub struct DroppedCell {
    /// The column's header as the table writes it (`人口（人）`).
    pub column: String,
    /// What is wrong with the value, quoting it: ``"`约300` is not a number"``.
    pub problem: String,
}

/// A row that was not applied, or a cell that was left out, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct SurveyIssue {
    pub row: usize,
    pub estate_id: Option<String>,
    pub name: Option<String>,
    /// The column of a cell left out; `None` for a row not applied.
    pub column: Option<String>,
    pub reason: String,
}

/// A survey table as read: the usable rows (with their bad cells) and the rows that identify no estate.
#[derive(Debug, Clone, PartialEq)]
pub struct SurveyTable {
    pub path: PathBuf,
    /// A CSV file's encoding, `UTF-8`, `UTF-16LE`, `UTF-16BE` or `GBK`; a workbook's format, `xlsx`,
    /// `xls`, `xlsb` or `ods`.
    pub encoding: &'static str,
    /// The sheet read, for a workbook.
    pub sheet: Option<String>,
    pub rows: Vec<SurveyRow>,
    pub issues: Vec<SurveyIssue>,
}

/// The outcome of joining a survey to the estates.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SurveyReport {
    /// Rows applied to an estate.
    pub matched: usize,
    /// By row number: rows not applied (no id or name, no match, ambiguous names, repeated estates) and
    /// cells left out for bad values.
    pub issues: Vec<SurveyIssue>,
}

impl SurveyReport {
    /// Rows not applied to any estate.
    pub fn rows_not_applied(&self) -> usize {
        self.issues.iter().filter(|i| i.column.is_none()).count()
    }

    /// Bad cells left out of rows (applied or not).
    pub fn cells_left_out(&self) -> usize {
        self.issues.iter().filter(|i| i.column.is_some()).count()
    }
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

/// The separator used on the first line holding one (a title row above the header may hold none): tab,
/// semicolon or comma (the most frequent; comma by default).
fn sniff_delimiter(text: &str) -> u8 {
    let header = text.lines().find(|l| l.contains(['\t', ';', ','])).unwrap_or("");
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

/// How many rows (not counting blank ones) are searched for the header.
const HEADER_SEARCH_ROWS: usize = 20;

/// File extensions read as workbooks through calamine.
const WORKBOOK_EXTENSIONS: &[&str] = &["xlsx", "xlsm", "xls", "xlsb", "ods"];

/// Split `FILE|sheet=NAME` (the `|key=value` suffix the layer options use, cf. `|layername=`); a plain
/// path chooses no sheet.
pub fn parse_sheet_spec(spec: &Path) -> (PathBuf, Option<String>) {
    let text = spec.to_string_lossy();
    if let Some((file, rest)) = text.rsplit_once('|')
        && let Some((key, name)) = rest.split_once('=')
        && key.trim().eq_ignore_ascii_case("sheet")
    {
        return (PathBuf::from(file), Some(name.trim().to_string()));
    }
    (spec.to_path_buf(), None)
}

/// A workbook by its extension, or by its first bytes (a ZIP container — xlsx, xlsb, ods — or an OLE
/// compound file — xls, or an encrypted xlsx) whatever its name says.
fn is_workbook(path: &Path, bytes: &[u8]) -> bool {
    let by_name = path.extension().and_then(|e| e.to_str()).is_some_and(|e| WORKBOOK_EXTENSIONS.iter().any(|w| e.eq_ignore_ascii_case(w)));
    by_name || bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(OLE_MAGIC)
}

/// Read a survey table: CSV (or TSV), or a sheet of an Excel / OpenDocument workbook (`FILE|sheet=NAME`
/// chooses the sheet; the first by default).
pub fn read_survey(spec: &Path) -> Result<SurveyTable> {
    let (path, sheet) = parse_sheet_spec(spec);
    let bytes = std::fs::read(&path).map_err(|e| Error::input(&path, format!("cannot read the survey table: {e}"), "check the path given with --survey"))?;
    if is_workbook(&path, &bytes) {
        return parse_survey_workbook(&path, bytes, sheet.as_deref());
    }
    if let Some(sheet) = sheet {
        return Err(Error::input(
            &path,
            format!("`|sheet={sheet}` chooses a sheet of a workbook, but this is a text (CSV) table"),
            "drop `|sheet=...`, or give the Excel workbook (.xlsx, .xls, .xlsb, .ods) instead",
        ));
    }
    parse_survey(&path, &bytes)
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
    let mut reader = csv::ReaderBuilder::new().delimiter(delimiter).flexible(true).has_headers(false).from_reader(text.as_bytes());
    let mut grid = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line());
            Error::input(path, format!("row {line} cannot be read as CSV: {e}"), "check the quotes on that row, or export the table again")
        })?;
        let row = record.position().map_or(0, |p| p.line() as usize);
        let cells: Vec<String> = record.iter().map(str::to_string).collect();
        if cells.iter().any(|c| !c.trim().is_empty()) {
            grid.push(GridRow { row, cells });
        }
    }
    parse_grid(path, encoding, None, &grid)
}

/// The first bytes of an OLE compound file: an .xls, or an .xlsx encrypted with a password.
const OLE_MAGIC: &[u8] = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1";

/// An OLE compound file holding an `EncryptedPackage` stream (MS-OFFCRYPTO §2.3.4.4): a password-protected
/// Office Open XML workbook. Stream names are UTF-16LE in the directory.
fn is_encrypted_ooxml(bytes: &[u8]) -> bool {
    let name: Vec<u8> = "EncryptedPackage".encode_utf16().flat_map(u16::to_le_bytes).collect();
    bytes.starts_with(OLE_MAGIC) && bytes.windows(name.len()).any(|w| w == name.as_slice())
}

fn encrypted(path: &Path) -> Error {
    Error::input(
        path,
        "the workbook is protected with a password (encrypted), so it cannot be read",
        "open it in Excel or WPS, remove the password (文件 → 信息 → 保护工作簿 → 用密码进行加密, clear it) and save, or save the survey sheet as CSV UTF-8",
    )
}

fn is_password_error(e: &calamine::Error) -> bool {
    matches!(
        e,
        calamine::Error::Xlsx(calamine::XlsxError::Password)
            | calamine::Error::Xls(calamine::XlsError::Password)
            | calamine::Error::Xlsb(calamine::XlsbError::Password)
            | calamine::Error::Ods(calamine::OdsError::Password)
    )
}

type Workbook = calamine::Sheets<std::io::Cursor<Vec<u8>>>;

/// Open the workbook by its extension; a workbook under another extension (an .xls saved as .xlsx, a
/// workbook named .csv) is recognised by its content.
fn open_workbook(path: &Path, bytes: Vec<u8>) -> Result<Workbook> {
    use calamine::{Ods, Sheets, Xls, Xlsb, Xlsx, open_workbook_from_rs};
    use std::io::Cursor;
    if is_encrypted_ooxml(&bytes) {
        return Err(encrypted(path));
    }
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
    let by_extension: std::result::Result<Workbook, calamine::Error> = match ext.as_str() {
        "xlsx" | "xlsm" => open_workbook_from_rs::<Xlsx<_>, _>(Cursor::new(bytes.clone())).map(Sheets::Xlsx).map_err(calamine::Error::Xlsx),
        "xls" => open_workbook_from_rs::<Xls<_>, _>(Cursor::new(bytes.clone())).map(Sheets::Xls).map_err(calamine::Error::Xls),
        "xlsb" => open_workbook_from_rs::<Xlsb<_>, _>(Cursor::new(bytes.clone())).map(Sheets::Xlsb).map_err(calamine::Error::Xlsb),
        "ods" => open_workbook_from_rs::<Ods<_>, _>(Cursor::new(bytes.clone())).map(Sheets::Ods).map_err(calamine::Error::Ods),
        _ => Err(calamine::Error::Msg("the file is no text table but starts like a workbook (a ZIP or OLE container), and no workbook reader could open it")),
    };
    match by_extension {
        Ok(book) => Ok(book),
        Err(e) if is_password_error(&e) => Err(encrypted(path)),
        Err(e) => match calamine::open_workbook_auto_from_rs(Cursor::new(bytes)) {
            Ok(book) => {
                tracing::info!("{}: read as {} (its extension says otherwise)", path.display(), workbook_format(&book));
                Ok(book)
            }
            Err(_) => Err(Error::input(
                path,
                format!("cannot open the survey workbook: {e}"),
                "open it in Excel or WPS and save it again as .xlsx (Excel 工作簿), or save the survey sheet as CSV UTF-8",
            )),
        },
    }
}

fn workbook_format(book: &Workbook) -> &'static str {
    match book {
        calamine::Sheets::Xlsx(_) => "xlsx",
        calamine::Sheets::Xls(_) => "xls",
        calamine::Sheets::Xlsb(_) => "xlsb",
        calamine::Sheets::Ods(_) => "ods",
    }
}

/// Parse a sheet of a workbook's bytes read from `path` (named in messages): `sheet` by name, or the first.
pub fn parse_survey_workbook(path: &Path, bytes: Vec<u8>, sheet: Option<&str>) -> Result<SurveyTable> {
    use calamine::Reader;
    let mut book = open_workbook(path, bytes)?;
    let names = book.sheet_names();
    let listed = || names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ");
    let name = match sheet {
        Some(wanted) => names
            .iter()
            .find(|n| n.as_str() == wanted)
            .or_else(|| names.iter().find(|n| n.trim().to_lowercase() == wanted.trim().to_lowercase()))
            .ok_or_else(|| {
                Error::input(
                    path,
                    format!("the workbook has no sheet `{wanted}`; its sheets are: {}", listed()),
                    format!("write {}|sheet=NAME with one of those names", path.display()),
                )
            })?,
        None => names.first().ok_or_else(|| Error::input(path, "the workbook has no sheets", "save the survey table as a workbook with one sheet, or as CSV UTF-8"))?,
    }
    .clone();
    if sheet.is_none() && names.len() > 1 {
        tracing::info!("{}: reading the first of {} sheets, `{name}`; choose another with {}|sheet=NAME", path.display(), names.len(), path.display());
    }
    let range = book.worksheet_range(&name).map_err(|e| {
        if is_password_error(&e) {
            encrypted(path)
        } else {
            Error::input(path, format!("cannot read sheet `{name}`: {e}"), "open the workbook in Excel or WPS and save it again, or save the survey sheet as CSV UTF-8")
        }
    })?;
    let first_row = range.start().map_or(0, |(r, _)| r as usize);
    let grid: Vec<GridRow> = range
        .rows()
        .enumerate()
        .map(|(i, cells)| GridRow { row: first_row + i + 1, cells: cells.iter().map(cell_text).collect() })
        .filter(|r| r.cells.iter().any(|c| !c.trim().is_empty()))
        .collect();
    if grid.is_empty() {
        return Err(Error::input(
            path,
            format!("sheet `{name}` is empty"),
            format!("fill in the survey (a header row and one row per estate), or choose the sheet that holds it with {}|sheet=NAME (sheets: {})", path.display(), listed()),
        ));
    }
    parse_grid(path, workbook_format(&book), Some(name), &grid)
}

/// A cell as the text a CSV export would hold: numbers by value (`1988.0` → `1988`, a 75 % cell → `0.75`),
/// dates as `YYYY-MM-DD` (a year column takes the year), booleans as true/false, errors as Excel shows them.
fn cell_text(cell: &calamine::Data) -> String {
    use calamine::Data;
    match cell {
        Data::Empty => String::new(),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Float(x) => x.to_string(),
        Data::Int(i) => i.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(d) if d.is_datetime() => {
            let (y, m, day, ..) = d.to_ymd_hms_milli();
            format!("{y:04}-{m:02}-{day:02}")
        }
        Data::DateTime(d) => d.as_f64().to_string(),
        Data::Error(e) => e.to_string(),
    }
}

/// One non-blank row of a sheet or CSV file: its spreadsheet row number and its cells as text.
#[derive(Debug, Clone, PartialEq)]
struct GridRow {
    row: usize,
    cells: Vec<String>,
}

impl GridRow {
    fn cell(&self, i: usize) -> &str {
        self.cells.get(i).map_or("", |c| c.trim())
    }
}

/// A header cell's column, if lifecircle reads it.
fn column_of(header: &str) -> Option<Column> {
    let key = normalise_header(header);
    HEADERS.iter().find(|(_, names)| names.contains(&key.as_str())).map(|(c, _)| *c)
}

fn identifies(c: Option<Column>) -> bool {
    matches!(c, Some(Column::EstateId | Column::Name))
}

/// The header labels and the index of the first data row (see the module doc): the first row of the first
/// [`HEADER_SEARCH_ROWS`] naming the id or name column, combined per column with the row right under it
/// when that row is a second header row.
fn find_header(grid: &[GridRow]) -> Option<(Vec<String>, usize)> {
    let at = grid.iter().take(HEADER_SEARCH_ROWS).position(|r| r.cells.iter().any(|c| identifies(column_of(c))))?;
    let head = &grid[at];
    let width = |r: &GridRow| r.cells.len();
    let Some(under) = grid.get(at + 1).filter(|u| u.row == head.row + 1) else {
        return Some(((0..width(head)).map(|i| head.cell(i).to_string()).collect(), at + 1));
    };
    let n = width(head).max(width(under));
    // A second header row names a column where the header row has none or a group title, and holds no
    // estate id or name under the header's id and name columns (a data row would).
    let names_a_subcolumn = (0..n).any(|i| column_of(under.cell(i)).is_some() && column_of(head.cell(i)).is_none());
    let holds_an_estate = (0..n).any(|i| identifies(column_of(head.cell(i))) && !under.cell(i).is_empty() && column_of(under.cell(i)).is_none());
    if !names_a_subcolumn || holds_an_estate {
        return Some(((0..width(head)).map(|i| head.cell(i).to_string()).collect(), at + 1));
    }
    let labels = (0..n)
        .map(|i| {
            let (h, u) = (head.cell(i), under.cell(i));
            if column_of(h).is_some() || (column_of(u).is_none() && !h.is_empty()) { h } else { u }.to_string()
        })
        .collect();
    Some((labels, at + 2))
}

/// Parse the grid of a CSV file or a sheet: find the header, map the columns, read every data row.
fn parse_grid(path: &Path, encoding: &'static str, sheet: Option<String>, grid: &[GridRow]) -> Result<SurveyTable> {
    let Some((headers, data_start)) = find_header(grid) else {
        let first = grid.first().map(|r| r.cells.iter().map(|c| c.trim()).filter(|c| !c.is_empty()).collect::<Vec<_>>().join(", ")).unwrap_or_default();
        return Err(Error::input(
            path,
            format!("no column identifies the estate in the first {HEADER_SEARCH_ROWS} rows (the first row is: {first})"),
            "add an `estate_id` (小区编号) or `name` (小区名称) column so rows can be joined to estates",
        ));
    };
    let mut columns: Vec<Option<Column>> = Vec::with_capacity(headers.len());
    let mut seen: HashMap<Column, String> = HashMap::new();
    let mut ignored = Vec::new();
    for header in &headers {
        let column = column_of(header);
        if let Some(c) = column
            && let Some(previous) = seen.insert(c, header.clone())
        {
            return Err(Error::input(
                path,
                format!("two columns mean {}: `{previous}` and `{header}`", c.label()),
                "keep one of them (or rename the other to something lifecircle does not read)",
            ));
        }
        if column.is_none() && !header.is_empty() {
            ignored.push(header.clone());
        }
        columns.push(column);
    }
    if !ignored.is_empty() {
        tracing::info!("{}: columns not read: {}", path.display(), ignored.join(", "));
    }
    let mut table = SurveyTable { path: path.to_path_buf(), encoding, sheet, rows: Vec::new(), issues: Vec::new() };
    for record in &grid[data_start..] {
        let row = record.row;
        let cell = |c: Column| -> Option<(&str, &str)> {
            let i = columns.iter().position(|x| *x == Some(c))?;
            let v = record.cell(i);
            if v.is_empty() { None } else { Some((v, headers[i].as_str())) }
        };
        let estate_id = cell(Column::EstateId).map(|(v, _)| v.to_string());
        let name = cell(Column::Name).map(|(v, _)| v.to_string());
        if estate_id.is_none() && name.is_none() {
            table.issues.push(SurveyIssue { row, estate_id, name, column: None, reason: format!("row {row}: no estate id and no name, so it cannot be joined to an estate") });
            continue;
        }
        let mut dropped = Vec::new();
        let attributes = parse_attributes(&cell, &mut dropped);
        table.rows.push(SurveyRow { row, estate_id, name, attributes, dropped });
    }
    Ok(table)
}

type Cell<'a> = Option<(&'a str, &'a str)>;

/// The value of column `c` parsed, `None` when the column is absent or the cell blank; a bad value is
/// `None` too, and goes to `dropped` with its column header and the problem.
fn parsed<'a, T>(cell: &impl Fn(Column) -> Cell<'a>, c: Column, dropped: &mut Vec<DroppedCell>, parse: impl Fn(&str) -> std::result::Result<T, String>) -> Option<T> {
    let (v, header) = cell(c)?;
    match parse(v) {
        Ok(x) => Some(x),
        Err(problem) => {
            dropped.push(DroppedCell { column: header.to_string(), problem });
            None
        }
    }
}

/// Parse a row's values; each bad value is left out and listed in `dropped`.
fn parse_attributes<'a>(cell: &impl Fn(Column) -> Cell<'a>, dropped: &mut Vec<DroppedCell>) -> SurveyAttributes {
    SurveyAttributes {
        built_year: parsed(cell, Column::BuiltYear, dropped, parse_year),
        households: parsed(cell, Column::Households, dropped, |v| parse_count(v, &['户'])),
        population: parsed(cell, Column::Population, dropped, |v| parse_count(v, &['人'])),
        consent_share: parsed(cell, Column::ConsentShare, dropped, parse_share),
        consulted_share: parsed(cell, Column::ConsultedShare, dropped, parse_share),
        agree_share: parsed(cell, Column::AgreeShare, dropped, parse_share),
        previously_funded: parsed(cell, Column::PreviouslyFunded, dropped, parse_yes_no).flatten(),
        to_be_demolished: parsed(cell, Column::ToBeDemolished, dropped, parse_yes_no).flatten(),
        estate_type: cell(Column::EstateType).map(|(v, _)| v.to_string()),
    }
}

fn parse_number(v: &str, units: &[char]) -> std::result::Result<f64, String> {
    let t: String = v.trim().trim_end_matches(units).chars().filter(|c| !matches!(c, ',' | '，' | ' ')).collect();
    match t.parse::<f64>() {
        Ok(x) if x.is_finite() => Ok(x),
        _ => Err(format!("`{v}` is not a number")),
    }
}


/// The year of a date written `1988-06-01`, `1988/6/1` or `1988年6月` (as a date cell of a workbook or
/// its CSV export reads).
fn year_of_date(v: &str) -> Option<&str> {
    let y = v.get(..4).filter(|y| y.bytes().all(|b| b.is_ascii_digit()))?;
    let mut rest = v[4..].chars();
    (matches!(rest.next(), Some('-' | '/' | '年')) && rest.next().is_some_and(|c| c.is_ascii_digit())).then_some(y)
}

/// A year such as `1988`, `1988年`, `1988.0` or a date (`1988-06-01`), between 1800 and the current year.
fn parse_year(v: &str) -> std::result::Result<i32, String> {
    let this_year = crate::calendar::current_year();
    let y = parse_number(year_of_date(v.trim()).unwrap_or(v), &['年']).map_err(|_| format!("`{v}` is not a year"))?;
    if y.fract() != 0.0 || y < 1800.0 {
        return Err(format!("`{v}` is not a year between 1800 and {this_year}"));
    }
    if y > f64::from(this_year) {
        return Err(format!("`{v}` is after the current year ({this_year}): a built year cannot lie in the future"));
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
        let issue = |reason: String| SurveyIssue { row: row.row, estate_id: row.estate_id.clone(), name: row.name.clone(), column: None, reason };
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
    for (i, row) in &applications {
        apply_row(&mut estates[*i], &row.attributes, household_size);
        report.matched += 1;
    }
    let applied: std::collections::HashSet<usize> = applications.iter().map(|(_, row)| row.row).collect();
    for row in &table.rows {
        let outcome = if applied.contains(&row.row) { "the rest of the row was applied" } else { "the row was not applied either (see its other line)" };
        for cell in &row.dropped {
            report.issues.push(SurveyIssue {
                row: row.row,
                estate_id: row.estate_id.clone(),
                name: row.name.clone(),
                column: Some(cell.column.clone()),
                reason: format!("row {}, column `{}`: {}; this value was left out, {outcome}", row.row, cell.column, cell.problem),
            });
        }
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
            let rows: Vec<usize> = parse(text).unwrap().rows.iter().filter(|r| !r.dropped.is_empty()).map(|r| r.row).collect();
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
        assert_eq!(sniff_delimiter("摸底调查表\n小区名称\t人口\n"), b'\t');
    }

    #[test]
    fn a_bad_value_drops_its_cell_and_keeps_the_rest_of_the_row() {
        let t = parse("estate_id,population,consent_share\ne1,abc,0.5\ne2,100,1.5\ne3,200,80%\n,,\n,,50%\n").unwrap();
        let kept: Vec<(usize, Option<f64>, Option<f64>)> = t.rows.iter().map(|r| (r.row, r.attributes.population, r.attributes.consent_share)).collect();
        assert_eq!(kept, vec![(2, None, Some(0.5)), (3, Some(100.0), None), (4, Some(200.0), Some(0.8))]);
        assert_eq!(t.rows[0].dropped, vec![DroppedCell { column: "population".into(), problem: "`abc` is not a number".into() }]);
        assert_eq!(t.rows[1].dropped[0].column, "consent_share");
        assert!(t.rows[1].dropped[0].problem.contains("`1.5` is more than 1"), "{:?}", t.rows[1].dropped);
        assert!(t.rows[2].dropped.is_empty());
        // Row 5 is blank and skipped; row 6 names no estate.
        assert_eq!(t.issues.len(), 1);
        assert!(t.issues[0].row == 6 && t.issues[0].reason.contains("no estate id and no name"), "{:?}", t.issues);
        // Applied: e1 gets its consent share, e2 its population; the report lists both dropped cells.
        let mut estates = vec![named_estate("e1", "甲"), named_estate("e2", "乙")];
        let report = apply_survey(&t, &mut estates, 2.5);
        assert_eq!(report.matched, 2);
        assert_eq!((estates[0].population_source, estates[0].survey.consent_share), (PopulationSource::Estimate, Some(0.5)));
        assert_eq!((estates[1].population, estates[1].households), (100.0, 40.0));
        let reasons: Vec<(usize, &str)> = report.issues.iter().map(|i| (i.row, i.reason.as_str())).collect();
        assert_eq!(reasons[0], (2, "row 2, column `population`: `abc` is not a number; this value was left out, the rest of the row was applied"));
        assert!(reasons[1].0 == 3 && reasons[1].1.starts_with("row 3, column `consent_share`: `1.5` is more than 1"), "{reasons:?}");
        // e3 matches no estate: its row is reported, not applied, and nothing is said to be applied.
        assert!(reasons[2].0 == 4 && reasons[2].1.contains("no estate has id `e3`"), "{reasons:?}");
        assert_eq!(reasons[3].0, 6);
        assert_eq!(reasons.len(), 4);
        assert_eq!((report.rows_not_applied(), report.cells_left_out()), (2, 2));
    }

    #[test]
    fn a_dropped_cell_of_a_row_not_applied_says_so() {
        let t = parse("小区名称,人口\n西园,约300\n").unwrap();
        let report = apply_survey(&t, &mut [named_estate("e1", "东园")], 2.5);
        let reasons: Vec<&str> = report.issues.iter().map(|i| i.reason.as_str()).collect();
        assert_eq!(reasons, vec!["row 2: no estate is named `西园`; the closest names are 东园", "row 2, column `人口`: `约300` is not a number; this value was left out, the row was not applied either (see its other line)"]);
        assert_eq!(report.matched, 0);
    }

    #[test]
    fn the_header_is_found_under_a_title_and_combined_with_a_second_header_row() {
        // As a CSV export of a 摸底调查表: a title merged across the sheet, a blank row, then 小区名称 merged
        // over two header rows and 改造意愿 merged over 征询比例 and 赞成比例.
        let text = "玄武区老旧小区摸底调查表,,,,\n,,,,\n小区编号,小区名称,改造意愿,,人口（人）\n,,征询比例,赞成比例,\nw1,东方小区,90%,0.8,1200\n";
        let t = parse(text).unwrap();
        assert_eq!(t.rows.len(), 1);
        let r = &t.rows[0];
        assert_eq!((r.row, r.estate_id.as_deref(), r.name.as_deref()), (5, Some("w1"), Some("东方小区")));
        assert_eq!((r.attributes.consulted_share, r.attributes.agree_share, r.attributes.population), (Some(0.9), Some(0.8), Some(1200.0)));
        // One header row: the row under it is data, even when a cell of it reads like a header.
        let t = parse("表一\n小区名称,类型,备注\n东方小区,普通住宅,人口\n").unwrap();
        assert_eq!((t.rows.len(), t.rows[0].row, t.rows[0].attributes.estate_type.as_deref()), (1, 3, Some("普通住宅")));
        // A header below row 20 is not looked for.
        let late = format!("{}小区名称\n东方小区\n", "说明\n".repeat(20));
        assert!(parse(&late).unwrap_err().to_string().contains("no column identifies the estate in the first 20 rows (the first row is: 说明)"));
        let early = format!("{}小区名称\n东方小区\n", "说明\n".repeat(19));
        assert_eq!(parse(&early).unwrap().rows[0].row, 21);
    }

    #[test]
    fn years_dates_and_the_current_year() {
        use crate::calendar::{current_year, year_of_unix_day};
        // Hand-worked: day 0 is 1970-01-01, day 365 is 1971-01-01; 2026-01-01 is 56 × 365 + 14 leap days
        // (1972 to 2024) = day 20_454.
        assert_eq!([0, 364, 365, 20_453, 20_454, -1].map(year_of_unix_day), [1970, 1970, 1971, 2025, 2026, 1969]);
        assert!(current_year() >= 2026);
        assert_eq!(parse_year("1988-06-01"), Ok(1988));
        assert_eq!(parse_year("1988/6/1 00:00"), Ok(1988));
        assert_eq!(parse_year("1988年6月"), Ok(1988));
        assert_eq!(parse_year("1988.0"), Ok(1988));
        let next = current_year() + 1;
        let err = parse_year(&next.to_string()).unwrap_err();
        assert!(err.contains("after the current year"), "{err}");
        assert!(parse_year("1799").unwrap_err().contains("between 1800 and"));
    }

    #[test]
    fn workbook_cells_read_as_their_csv_text() {
        use calamine::{Data, ExcelDateTime, ExcelDateTimeType};
        assert_eq!(cell_text(&Data::Float(1988.0)), "1988");
        assert_eq!(cell_text(&Data::Float(0.75)), "0.75");
        assert_eq!(cell_text(&Data::Int(420)), "420");
        assert_eq!(cell_text(&Data::Bool(true)), "true");
        assert_eq!(cell_text(&Data::Empty), "");
        assert_eq!(cell_text(&Data::Error(calamine::CellErrorType::Div0)), "#DIV/0!");
        // Excel day 32_295 is 1988-06-01 (1900 date system).
        assert_eq!(cell_text(&Data::DateTime(ExcelDateTime::new(32_295.0, ExcelDateTimeType::DateTime, false))), "1988-06-01");
    }

    #[test]
    fn sheet_specs() {
        assert_eq!(parse_sheet_spec(Path::new("a/调查.xlsx|sheet=二季度")), (PathBuf::from("a/调查.xlsx"), Some("二季度".into())));
        assert_eq!(parse_sheet_spec(Path::new("a/调查.xlsx")), (PathBuf::from("a/调查.xlsx"), None));
        assert_eq!(parse_sheet_spec(Path::new("a|b.csv")), (PathBuf::from("a|b.csv"), None));
        assert!(is_workbook(Path::new("x.XLSX"), b""));
        assert!(is_workbook(Path::new("x.csv"), b"PK\x03\x04rest"));
        assert!(!is_workbook(Path::new("x.csv"), b"name\n"));
    }

    #[test]
    fn bad_workbooks_are_input_errors() {
        let e = parse_survey_workbook(Path::new("调查.xlsx"), b"not a zip".to_vec(), None).unwrap_err();
        assert!(matches!(e, Error::Input { .. }) && e.to_string().contains("调查.xlsx") && e.to_string().contains("cannot open the survey workbook"), "{e}");
        // An encrypted xlsx is an OLE compound file with an EncryptedPackage stream.
        let mut bytes = OLE_MAGIC.to_vec();
        bytes.resize(512, 0);
        bytes.extend("EncryptedPackage".encode_utf16().flat_map(u16::to_le_bytes));
        let e = parse_survey_workbook(Path::new("调查.xlsx"), bytes, None).unwrap_err().to_string();
        assert!(e.contains("调查.xlsx") && e.contains("password"), "{e}");
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
            issues: vec![SurveyIssue { row: 3, estate_id: None, name: Some("西园".into()), column: None, reason: "row 3: no estate is named `西园`".into() }],
        };
        write_survey_report_csv(&path, &report).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text, "\u{feff}row,estate_id,name,reason\n3,,西园,row 3: no estate is named `西园`\n");
        assert_eq!(survey_report_layer(&report).features.len(), 1);
    }
}
