//! Station spreadsheets as stations write them (station-csv.md): generated ledger and
//! visit-log rows, the canonical record each row must become, and the file the rows are
//! written to: columns in any order, header cells with spaces and full-width
//! parentheses, extra columns, quoting, blank and all-empty rows, CRLF or LF, and the
//! encodings stations use.

use std::fmt;

use jiayang_adapters::{Format, Location};
use jiayang_schemas::{
    id_card_check_digit,
    reference::{Division, DivisionLevel, ServiceItem, catalog, divisions},
};
use proptest::{
    collection::vec,
    option,
    prelude::*,
    sample::{select, subsequence},
};
use serde_json::{Map, Value, json};
use time::{Date, PrimitiveDateTime, Time, UtcOffset, macros::date};

use super::common;

/// How the file's text became bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    Utf8Bom,
    Gbk,
    Gb18030,
}

impl Encoding {
    /// GBK has no code for the rarer CJK extensions that names of people and places use.
    fn has_rare_characters(self) -> bool {
        self != Encoding::Gbk
    }

    fn encode(self, text: &str) -> Vec<u8> {
        match self {
            Encoding::Utf8 => text.as_bytes().to_vec(),
            Encoding::Utf8Bom => [b"\xEF\xBB\xBF".as_slice(), text.as_bytes()].concat(),
            Encoding::Gbk | Encoding::Gb18030 => {
                let encoding = if self == Encoding::Gbk {
                    encoding_rs::GBK
                } else {
                    encoding_rs::GB18030
                };
                let (bytes, _, unmappable) = encoding.encode(text);
                // The generators keep to what the encoding has: a character written as an
                // HTML reference instead would test the generator, not the adapter.
                assert!(!unmappable, "{self:?} cannot write {text:?}");
                // A legacy file that happened to be valid UTF-8 would rightly be read as
                // UTF-8; the Chinese headers make that impossible.
                assert!(std::str::from_utf8(&bytes).is_err());
                bytes.into_owned()
            }
        }
    }
}

fn encoding() -> impl Strategy<Value = Encoding> {
    select(vec![
        Encoding::Utf8,
        Encoding::Utf8Bom,
        Encoding::Gbk,
        Encoding::Gb18030,
    ])
}

/// A station file and what importing it must give.
#[derive(Clone)]
pub struct Sheet {
    pub encoding: Encoding,
    /// The text before encoding, for failure messages.
    pub text: String,
    pub bytes: Vec<u8>,
    /// Per data row: its spreadsheet row number and the record it must become.
    pub rows: Vec<(usize, Value)>,
    /// What must be reported as not carried: extra columns (at the header) and remarks.
    pub not_carried: Vec<Location>,
}

impl fmt::Debug for Sheet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{:?} file:\n{}", self.encoding, self.text)?;
        for (row, record) in &self.rows {
            writeln!(f, "row {row} → {record}")?;
        }
        write!(f, "not carried: {:?}", self.not_carried)
    }
}

/// A row between data rows, or after the last, that must be skipped: an empty line or a
/// row of empty cells. Each counts in the spreadsheet's row numbers.
#[derive(Debug, Clone, Copy)]
enum Gap {
    EmptyLine,
    EmptyCells,
}

/// How a file is laid out, whatever its rows say.
#[derive(Debug, Clone)]
struct Frame {
    encoding: Encoding,
    crlf: bool,
    quote_all: bool,
    final_line_break: bool,
    /// Per column slot: a sort key (the column order), spaces before and after the header,
    /// full-width parentheses.
    headers: Vec<(u32, bool, bool, bool)>,
    /// Rows skipped before each data row, and after the last.
    gaps: Vec<Vec<Gap>>,
    trailing: Vec<Gap>,
}

const MAX_ROWS: usize = 6;
const SLOTS: usize = 16;

fn frame(encoding: Encoding) -> impl Strategy<Value = Frame> {
    let gap = prop_oneof![Just(Gap::EmptyLine), Just(Gap::EmptyCells)];
    (
        (any::<bool>(), any::<bool>(), any::<bool>()),
        vec(
            (any::<u32>(), any::<bool>(), any::<bool>(), any::<bool>()),
            SLOTS,
        ),
        vec(vec(gap.clone(), 0..=2), MAX_ROWS),
        vec(gap, 0..=3),
    )
        .prop_map(
            move |((crlf, quote_all, final_line_break), headers, gaps, trailing)| Frame {
                encoding,
                crlf,
                quote_all,
                final_line_break,
                headers,
                gaps,
                trailing,
            },
        )
}

/// One column of a file: its spec key (or extra header) and its cells, one per data row.
#[derive(Debug, Clone)]
struct Column {
    key: String,
    cells: Vec<String>,
}

fn quoted(cell: &str, quote_all: bool) -> String {
    let needs = cell.contains([',', '"', '\n', '\r']);
    if quote_all || needs {
        format!("\"{}\"", cell.replace('"', "\"\""))
    } else {
        cell.to_owned()
    }
}

/// The header as the file writes it: padded, with full-width parentheses.
fn header((_, before, after, full_width): (u32, bool, bool, bool), key: &str) -> String {
    let key = if full_width {
        key.replace('(', "（").replace(')', "）")
    } else {
        key.to_owned()
    };
    format!(
        "{}{key}{}",
        if before { " " } else { "" },
        if after { " " } else { "" }
    )
}

/// Writes the columns (in the frame's order) and records where each data row lands.
fn write(frame: &Frame, columns: Vec<Column>, expected: Vec<Value>, extra: &[String]) -> Sheet {
    let mut slots: Vec<(usize, Column)> = columns.into_iter().enumerate().collect();
    slots.sort_by_key(|(slot, _)| frame.headers[*slot].0);
    let end = if frame.crlf { "\r\n" } else { "\n" };
    let line = |cells: Vec<String>| -> String {
        cells
            .iter()
            .map(|c| quoted(c, frame.quote_all))
            .collect::<Vec<_>>()
            .join(",")
    };
    let empty_row = |gap: &Gap| match gap {
        Gap::EmptyLine => String::new(),
        Gap::EmptyCells => line(vec![String::new(); slots.len()]),
    };
    let written: Vec<String> = slots
        .iter()
        .map(|(slot, column)| header(frame.headers[*slot], &column.key))
        .collect();
    let mut lines = vec![line(written.clone())];
    let mut rows = Vec::new();
    let mut not_carried: Vec<Location> = slots
        .iter()
        .zip(&written)
        .filter(|((_, column), _)| extra.contains(&column.key))
        .map(|(_, written)| Location::Cell {
            row: 1,
            column: Some(written.trim().to_owned()),
        })
        .collect();
    let remark = slots
        .iter()
        .zip(&written)
        .find(|((_, column), _)| column.key == "备注");
    for (i, record) in expected.into_iter().enumerate() {
        lines.extend(frame.gaps[i].iter().map(&empty_row));
        let row = lines.len() + 1;
        lines.push(line(
            slots.iter().map(|(_, c)| c.cells[i].clone()).collect(),
        ));
        rows.push((row, record));
        if let Some(((_, column), written)) = remark
            && !column.cells[i].is_empty()
        {
            not_carried.push(Location::Cell {
                row,
                column: Some(written.trim().to_owned()),
            });
        }
    }
    lines.extend(frame.trailing.iter().map(&empty_row));
    let mut text = lines.join(end);
    if frame.final_line_break {
        text.push_str(end);
    }
    Sheet {
        encoding: frame.encoding,
        bytes: frame.encoding.encode(&text),
        text,
        rows,
        not_carried,
    }
}

/// Chinese text of `count` characters; where the encoding has them, now and then with
/// characters of the rarer extensions (生僻字), as some names of people and places have.
fn hanzi(encoding: Encoding, count: std::ops::RangeInclusive<usize>) -> BoxedStrategy<String> {
    let repeat = format!("{{{},{}}}", count.start(), count.end());
    let common = proptest::string::string_regex(&format!("[\u{4e00}-\u{9fa5}]{repeat}"))
        .unwrap()
        .boxed();
    if !encoding.has_rare_characters() {
        return common;
    }
    let rare = format!("[\u{4e00}-\u{9fa5}\u{3400}-\u{4db5}\u{20000}-\u{2a6d6}]{repeat}");
    prop_oneof![3 => common, 1 => proptest::string::string_regex(&rare).unwrap()].boxed()
}

/// A person's name: Han characters, or two parts joined by a middle dot (minority names).
fn person(encoding: Encoding) -> impl Strategy<Value = String> {
    (hanzi(encoding, 2..=4), option::of(hanzi(encoding, 2..=4))).prop_map(|(first, second)| {
        match second {
            Some(second) => format!("{first}·{second}"),
            None => first,
        }
    })
}

/// Free text with the characters that need quoting inside: commas, quotes, line breaks.
fn free_text(encoding: Encoding) -> impl Strategy<Value = String> {
    let part = prop_oneof![hanzi(encoding, 1..=6), "[0-9A-Za-z]{1,4}".boxed()];
    (
        part.clone(),
        vec(
            (
                select(vec!["", ",", "，", "\"", " ", "\n", "-", "#", "号"]),
                part,
            ),
            0..=3,
        ),
    )
        .prop_map(|(first, rest)| {
            rest.into_iter()
                .fold(first, |text, (separator, part)| text + separator + &part)
        })
}

fn phone() -> impl Strategy<Value = String> {
    prop_oneof!["1[3-9][0-9]{9}", "010-[0-9]{8}"]
}

/// A real day between two dates.
fn day(from: Date, to: Date) -> impl Strategy<Value = Date> {
    (from.to_julian_day()..=to.to_julian_day()).prop_map(|d| Date::from_julian_day(d).unwrap())
}

/// A day in one of the forms the spec accepts: `2026-11-03`, `2026/11/3`, `2026/11/03`,
/// `2026.11.3`, `2026年11月3日` or an Excel serial.
fn written_date(day: Date, form: u8) -> String {
    let (y, m, d) = (day.year(), u8::from(day.month()), day.day());
    let serial = (day - date!(1899 - 12 - 30)).whole_days();
    match form % 6 {
        0 => format!("{y:04}-{m:02}-{d:02}"),
        1 => format!("{y}/{m}/{d}"),
        2 => format!("{y:04}/{m:02}/{d:02}"),
        3 => format!("{y}.{m}.{d}"),
        // The adapter reads five-digit serials only (from 1927-05-18): a shorter number is
        // as likely a year as a day (see `cells::date`).
        5 if serial >= 10_000 => serial.to_string(),
        _ => format!("{y}年{m}月{d}日"),
    }
}

fn iso(day: Date) -> String {
    format!(
        "{:04}-{:02}-{:02}",
        day.year(),
        u8::from(day.month()),
        day.day()
    )
}

/// A resident ID number: a Beijing district's region code, the birth date, a sequence
/// whose parity is the gender (odd male) when there is one, and the GB 11643 check digit.
fn id_number(region: &str, birth: Date, sequence: u16, male: Option<bool>) -> String {
    let sequence = match male {
        Some(male) if (sequence % 2 == 1) != male => sequence ^ 1,
        _ => sequence,
    };
    let first17 = format!(
        "{region}{:04}{:02}{:02}{sequence:03}",
        birth.year(),
        u8::from(birth.month()),
        birth.day()
    );
    let check = id_card_check_digit(first17.as_bytes()).unwrap() as char;
    format!("{first17}{check}")
}

fn regions() -> Vec<&'static str> {
    divisions().districts().map(|d| &d.code[..6]).collect()
}

fn streets_of_station() -> Vec<&'static Division> {
    let ctx = common::context(Format::StationCsv);
    let district = ctx.district.unwrap();
    let streets: Vec<&'static Division> = divisions()
        .iter()
        .filter(|d| d.level == DivisionLevel::Street && d.parent == Some(district))
        .collect();
    assert!(!streets.is_empty());
    streets
}

/// The columns a file has, beside the required ones.
fn present(optional: &[&'static str], chosen: &[bool]) -> Vec<&'static str> {
    optional
        .iter()
        .zip(chosen)
        .filter(|(_, on)| **on)
        .map(|(key, _)| *key)
        .collect()
}

fn object(pairs: Vec<(&str, Option<Value>)>) -> Value {
    let mut out = Map::new();
    for (key, value) in pairs {
        if let Some(value) = value {
            out.insert(key.to_owned(), value);
        }
    }
    Value::Object(out)
}

/// Extra columns the spec does not define; their values are anything.
fn extras(names: Vec<&'static str>, encoding: Encoding) -> impl Strategy<Value = Vec<Column>> {
    let count = names.len();
    (
        subsequence(names, 0..=count),
        vec(vec(free_text(encoding), MAX_ROWS), count),
    )
        .prop_map(|(names, values)| {
            names
                .into_iter()
                .zip(values)
                .map(|(name, cells)| Column {
                    key: name.to_owned(),
                    cells,
                })
                .collect()
        })
}

// ---- 老年人台账 (ledger) ----

const LEVELS: [&str; 5] = ["能力完好", "轻度失能", "中度失能", "重度失能", "完全失能"];
const SITUATIONS: [(&str, &str); 8] = [
    ("独居", "LIVING_ALONE"),
    ("空巢", "EMPTY_NEST"),
    ("留守", "LEFT_BEHIND"),
    ("失能", "DISABLED"),
    ("重度残疾", "SEVERE_DISABILITY"),
    ("计划生育特殊家庭", "SPECIAL_FAMILY"),
    ("高龄", "ADVANCED_AGE"),
    ("经济困难", "LOW_INCOME"),
];
const SITUATION_SEPARATORS: [&str; 4] = ["、", ",", "，", ";"];
const LEDGER_OPTIONAL: [&str; 8] = [
    "序号",
    "出生日期",
    "联系电话",
    "详细地址",
    "能力等级",
    "特殊困难类型",
    "紧急联系人",
    "备注",
];

#[derive(Debug, Clone)]
struct Senior {
    name: String,
    /// `Some(true)` 男, `Some(false)` 女, `None` an empty cell.
    male: Option<bool>,
    birth: Date,
    /// The 出生日期 cell's form; `None` leaves it empty (the ID number says it).
    birth_form: Option<u8>,
    id: String,
    phone: Option<String>,
    street: &'static Division,
    street_stem: bool,
    detail: Option<String>,
    level: Option<usize>,
    situations: Vec<usize>,
    separators: Vec<&'static str>,
    guardian: Option<(String, Option<String>)>,
    remark: Option<String>,
}

fn senior_row(encoding: Encoding) -> impl Strategy<Value = Senior> {
    let person_ = (
        person(encoding),
        option::of(any::<bool>()),
        day(date!(1920 - 01 - 01), date!(1965 - 12 - 31)),
        option::of(any::<u8>()),
        (select(regions()), 0u16..1000),
    );
    let contact = (
        option::of(phone()),
        (select(streets_of_station()), any::<bool>()),
        option::of(free_text(encoding)),
        option::of((person(encoding), option::of(phone()))),
    );
    let other = (
        option::of(0usize..5),
        subsequence(
            (0..SITUATIONS.len()).collect::<Vec<_>>(),
            0..=SITUATIONS.len(),
        )
        .prop_shuffle(),
        vec(select(SITUATION_SEPARATORS.to_vec()), SITUATIONS.len()),
        option::of(free_text(encoding)),
    );
    (person_, contact, other).prop_map(
        |(
            (name, male, birth, birth_form, (region, sequence)),
            (phone, (street, street_stem), detail, guardian),
            (level, situations, separators, remark),
        )| Senior {
            id: id_number(region, birth, sequence, male),
            name,
            male,
            birth,
            birth_form,
            phone,
            street,
            street_stem,
            detail,
            level,
            situations,
            separators,
            guardian,
            remark,
        },
    )
}

impl Senior {
    fn cell(&self, key: &str, index: usize) -> String {
        let text = |value: &Option<String>| value.clone().unwrap_or_default();
        match key {
            "序号" => (index + 1).to_string(),
            "姓名" => self.name.clone(),
            "性别" => match self.male {
                Some(true) => "男".into(),
                Some(false) => "女".into(),
                None => String::new(),
            },
            "身份证号" => self.id.clone(),
            "出生日期" => self
                .birth_form
                .map(|form| written_date(self.birth, form))
                .unwrap_or_default(),
            "联系电话" => text(&self.phone),
            "所属街道" => {
                let name = self.street.name;
                let stem = ["街道", "地区", "镇", "乡"]
                    .iter()
                    .find_map(|suffix| name.strip_suffix(suffix));
                match stem {
                    Some(stem) if self.street_stem => stem.to_owned(),
                    _ => name.to_owned(),
                }
            }
            "详细地址" => text(&self.detail),
            "能力等级" => self.level.map(|l| LEVELS[l].to_owned()).unwrap_or_default(),
            "特殊困难类型" => {
                let mut out = String::new();
                for (i, situation) in self.situations.iter().enumerate() {
                    if i > 0 {
                        out.push_str(self.separators[i]);
                    }
                    out.push_str(SITUATIONS[*situation].0);
                }
                out
            }
            "紧急联系人" => self
                .guardian
                .as_ref()
                .map(|(name, _)| name.clone())
                .unwrap_or_default(),
            "联系人电话" => self
                .guardian
                .as_ref()
                .and_then(|(_, phone)| phone.clone())
                .unwrap_or_default(),
            "备注" => text(&self.remark),
            _ => unreachable!("{key}"),
        }
    }

    /// The SeniorProfile the row is, as far as the file's columns say.
    fn expected(&self, has: &dyn Fn(&str) -> bool) -> Value {
        let ctx = common::context(Format::StationCsv);
        let mut situations: Vec<&str> = if has("特殊困难类型") {
            self.situations.iter().map(|s| SITUATIONS[*s].1).collect()
        } else {
            Vec::new()
        };
        // A set: the order it is written in says nothing.
        situations.sort_unstable();
        object(vec![
            ("name", Some(json!(self.name))),
            (
                "gender",
                Some(json!(match self.male {
                    Some(true) => "MALE",
                    Some(false) => "FEMALE",
                    None => "UNKNOWN",
                })),
            ),
            // Written or not, it is the day the ID number holds.
            ("birthDate", Some(json!(iso(self.birth)))),
            (
                "identityDocument",
                Some(json!({"type": "RESIDENT_ID_CARD", "number": self.id})),
            ),
            (
                "phone",
                self.phone
                    .clone()
                    .filter(|_| has("联系电话"))
                    .map(Value::from),
            ),
            (
                "address",
                Some(object(vec![
                    ("divisionCode", Some(json!(self.street.code))),
                    (
                        "detail",
                        self.detail
                            .clone()
                            .filter(|_| has("详细地址"))
                            .map(Value::from),
                    ),
                ])),
            ),
            (
                "capabilityAssessment",
                self.level.filter(|_| has("能力等级")).map(|level| {
                    json!({
                        "level": level,
                        "assessedOn": iso(ctx.file_date.unwrap()),
                        "assessor": ctx.participant.unwrap(),
                    })
                }),
            ),
            (
                "livingSituation",
                (!situations.is_empty()).then(|| json!(situations)),
            ),
            (
                "guardians",
                self.guardian
                    .as_ref()
                    .filter(|_| has("紧急联系人"))
                    .map(|(name, phone)| {
                        json!([object(vec![
                            ("name", Some(json!(name))),
                            ("relation", Some(json!("OTHER"))),
                            (
                                "phone",
                                phone.clone().filter(|_| has("联系人电话")).map(Value::from),
                            ),
                        ])])
                    }),
            ),
            // Not a column: a ledger lists the seniors a station serves now.
            ("status", Some(json!("ACTIVE"))),
        ])
    }
}

/// A 老年人台账 file of 1 to 6 seniors.
pub fn ledger() -> impl Strategy<Value = Sheet> {
    encoding()
        .prop_flat_map(|encoding| {
            (
                frame(encoding),
                vec(senior_row(encoding), 1..=MAX_ROWS),
                vec(any::<bool>(), LEDGER_OPTIONAL.len()),
                any::<bool>(),
                extras(vec!["民族", "所属社区", "录入人"], encoding),
            )
        })
        .prop_map(|(frame, seniors, chosen, guardian_phone, extra)| {
            let mut keys = vec!["姓名", "性别", "身份证号", "所属街道"];
            keys.extend(present(&LEDGER_OPTIONAL, &chosen));
            // A guardian's phone without the guardian's name is no guardian.
            if keys.contains(&"紧急联系人") && guardian_phone {
                keys.push("联系人电话");
            }
            let has = |key: &str| keys.contains(&key);
            let expected = seniors.iter().map(|s| s.expected(&has)).collect();
            let mut columns: Vec<Column> = keys
                .iter()
                .map(|key| Column {
                    key: (*key).to_owned(),
                    cells: seniors
                        .iter()
                        .enumerate()
                        .map(|(i, s)| s.cell(key, i))
                        .collect(),
                })
                .collect();
            let extra_names: Vec<String> = extra.iter().map(|c| c.key.clone()).collect();
            columns.extend(extra.into_iter().map(|mut c| {
                c.cells.truncate(seniors.len());
                c
            }));
            write(&frame, columns, expected, &extra_names)
        })
}

// ---- 服务台账 (visit log) ----

const VISIT_OPTIONAL: [&str; 6] = [
    "老人姓名",
    "服务人员",
    "上门服务证号",
    "服务时长(分钟)",
    "金额(元)",
    "备注",
];

/// Fen, and the form the yuan are written in (see [`yuan`]).
type Yuan = (i64, u8);

#[derive(Debug, Clone)]
struct Visit {
    day: Date,
    day_form: u8,
    /// Minutes and seconds into the day of the start and the end (end later), and the
    /// form each is written in.
    start: (u32, u32, u8),
    end: (u32, u32, u8),
    senior_name: Option<String>,
    id: String,
    item: &'static ServiceItem,
    short_name: bool,
    worker: Option<String>,
    certificate: Option<String>,
    duration_off_by: Option<i64>,
    /// The amount and the subsidy, which is part of it.
    amount: Option<(Yuan, Option<Yuan>)>,
    remark: Option<String>,
}

/// `9:05`, `09:05` or `9:05:00`; the first two say no seconds.
fn clock_form(minutes: u32, seconds: u32, form: u8) -> (String, u32) {
    let (h, m) = (minutes / 60, minutes % 60);
    match form % 3 {
        0 => (format!("{h}:{m:02}"), 0),
        1 => (format!("{h:02}:{m:02}"), 0),
        _ => (format!("{h}:{m:02}:{seconds:02}"), seconds),
    }
}

/// Fen as people write yuan: `35`, `35.0`, `35.5`, `35.50`, `0.05`.
fn yuan(fen: i64, form: u8) -> String {
    let (whole, cents) = (fen / 100, fen % 100);
    let forms: Vec<String> = if cents == 0 {
        vec![
            whole.to_string(),
            format!("{whole}.0"),
            format!("{whole}.00"),
        ]
    } else if cents % 10 == 0 {
        vec![
            format!("{whole}.{}", cents / 10),
            format!("{whole}.{cents}"),
        ]
    } else {
        vec![format!("{whole}.{cents:02}")]
    };
    forms[usize::from(form) % forms.len()].clone()
}

fn fen() -> impl Strategy<Value = i64> {
    prop_oneof![0i64..=20_000, 0i64..=i64::from(i32::MAX) / 2]
}

/// The name a visit log may use for an item: its catalog name, or the part before `-`
/// when no other item shares it.
fn item_name(item: &ServiceItem, short: bool) -> String {
    let Some((prefix, _)) = item.name_zh.split_once('-') else {
        return item.name_zh.to_owned();
    };
    let sharing = catalog()
        .iter()
        .filter(|other| {
            other
                .name_zh
                .split_once('-')
                .is_some_and(|(p, _)| p == prefix)
        })
        .count();
    if short && sharing == 1 {
        prefix.to_owned()
    } else {
        item.name_zh.to_owned()
    }
}

fn visit_row(encoding: Encoding) -> impl Strategy<Value = Visit> {
    let when = (
        day(date!(2025 - 01 - 01), date!(2026 - 11 - 03)),
        any::<u8>(),
        (0u32..1440, 0u32..1440, 0u32..60, 0u32..60),
        (any::<u8>(), any::<u8>()),
    );
    let who = (
        option::of(person(encoding)),
        (
            select(regions()),
            day(date!(1920 - 01 - 01), date!(1965 - 12 - 31)),
            0u16..1000,
        ),
        (select(catalog().iter().collect::<Vec<_>>()), any::<bool>()),
        option::of(person(encoding)),
        option::of("BJSM-[0-9]{4}-[0-9]{6}"),
        "BJSM-[0-9]{4}-[0-9]{6}",
    );
    let what = (
        option::of(-4i64..=4),
        option::of(((fen(), any::<u8>()), option::of((fen(), any::<u8>())))),
        option::of(free_text(encoding)),
    );
    (when, who, what).prop_map(|(when, who, what)| {
        let (day, day_form, (a, b, start_s, end_s), (start_form, end_form)) = when;
        let (
            senior_name,
            (region, birth, sequence),
            (item, short_name),
            worker,
            cert,
            on_site_cert,
        ) = who;
        let (duration_off_by, amount, remark) = what;
        // Two different minutes of the day, the earlier one first.
        let (start, end) = match a.cmp(&b) {
            std::cmp::Ordering::Less => (a, b),
            std::cmp::Ordering::Greater => (b, a),
            std::cmp::Ordering::Equal if a == 1439 => (1438, 1439),
            std::cmp::Ordering::Equal => (a, a + 1),
        };
        // Total and subsidy: the subsidy is the smaller of two amounts, the total their sum.
        let amount = amount.map(|((x, x_form), subsidy)| match subsidy {
            Some((y, y_form)) => ((x + y, x_form), Some((x.min(y), y_form))),
            None => ((x, x_form), None),
        });
        Visit {
            day,
            day_form,
            start: (start, start_s, start_form),
            end: (end, end_s, end_form),
            senior_name,
            id: id_number(region, birth, sequence, None),
            item,
            short_name,
            worker,
            // On-site work that has been done needs the worker's 上门服务证.
            certificate: if item.on_site {
                Some(on_site_cert)
            } else {
                cert
            },
            duration_off_by,
            amount,
            remark,
        }
    })
}

impl Visit {
    fn times(&self) -> ((String, Time), (String, Time)) {
        let at = |(minutes, seconds, form): (u32, u32, u8)| {
            let (text, seconds) = clock_form(minutes, seconds, form);
            let time =
                Time::from_hms((minutes / 60) as u8, (minutes % 60) as u8, seconds as u8).unwrap();
            (text, time)
        };
        (at(self.start), at(self.end))
    }

    fn cell(&self, key: &str) -> String {
        let text = |value: &Option<String>| value.clone().unwrap_or_default();
        let ((start, start_at), (end, end_at)) = self.times();
        match key {
            "服务日期" => written_date(self.day, self.day_form),
            "开始时间" => start,
            "结束时间" => end,
            "老人姓名" => text(&self.senior_name),
            "身份证号" => self.id.clone(),
            "服务项目" => item_name(self.item, self.short_name),
            "服务人员" => text(&self.worker),
            "上门服务证号" => text(&self.certificate),
            // Within four minutes of the times, seconds included: inside the spec's five
            // however the minutes are counted.
            "服务时长(分钟)" => self
                .duration_off_by
                .map(|off| {
                    ((end_at - start_at).whole_minutes() + off)
                        .max(0)
                        .to_string()
                })
                .unwrap_or_default(),
            "金额(元)" => self
                .amount
                .map(|((fen, form), _)| yuan(fen, form))
                .unwrap_or_default(),
            "补贴(元)" => self
                .amount
                .and_then(|(_, subsidy)| subsidy)
                .map(|(fen, form)| yuan(fen, form))
                .unwrap_or_default(),
            "备注" => text(&self.remark),
            _ => unreachable!("{key}"),
        }
    }

    /// The ServiceRecord the row is, as far as the file's columns say.
    fn expected(&self, has: &dyn Fn(&str) -> bool) -> Value {
        let ctx = common::context(Format::StationCsv);
        let ((_, start), (_, end)) = self.times();
        // Beijing wall-clock time on the service day, as a UTC instant.
        let utc = |time: Time| {
            let at = PrimitiveDateTime::new(self.day, time)
                .assume_offset(UtcOffset::from_hms(8, 0, 0).unwrap())
                .to_offset(UtcOffset::UTC);
            format!(
                "{}T{:02}:{:02}:{:02}Z",
                iso(at.date()),
                at.hour(),
                at.minute(),
                at.second()
            )
        };
        let charge = self
            .amount
            .filter(|_| has("金额(元)"))
            .map(|((total, _), subsidy)| {
                let subsidy = subsidy
                    .filter(|_| has("补贴(元)"))
                    .map_or(0, |(fen, _)| fen);
                json!({"totalFen": total, "subsidyFen": subsidy, "selfPayFen": total - subsidy})
            });
        let worker = object(vec![
            (
                "name",
                self.worker
                    .clone()
                    .filter(|_| has("服务人员"))
                    .map(Value::from),
            ),
            (
                "certificateNo",
                self.certificate
                    .clone()
                    .filter(|_| has("上门服务证号"))
                    .map(Value::from),
            ),
        ]);
        object(vec![
            ("senior", Some(json!({"identityNumber": self.id}))),
            (
                "provider",
                Some(json!({"uscc": ctx.provider_uscc.unwrap()})),
            ),
            ("serviceItem", Some(json!(self.item.code))),
            ("worker", (worker != json!({})).then_some(worker)),
            ("status", Some(json!("COMPLETED"))),
            ("checkIn", Some(json!({"at": utc(start)}))),
            ("checkOut", Some(json!({"at": utc(end)}))),
            ("charge", charge),
        ])
    }
}

/// A 服务台账 file of 1 to 6 visits.
pub fn visit_log() -> impl Strategy<Value = Sheet> {
    encoding()
        .prop_flat_map(|encoding| {
            (
                frame(encoding),
                vec(visit_row(encoding), 1..=MAX_ROWS),
                vec(any::<bool>(), VISIT_OPTIONAL.len()),
                any::<bool>(),
                extras(vec!["序号", "所属社区", "录入人"], encoding),
            )
        })
        .prop_map(|(frame, visits, chosen, subsidy, extra)| {
            let mut keys = vec!["服务日期", "开始时间", "结束时间", "身份证号", "服务项目"];
            keys.extend(present(&VISIT_OPTIONAL, &chosen));
            // A file with on-site work has the certificate column; a subsidy is part of an amount.
            if visits.iter().any(|v| v.item.on_site) && !keys.contains(&"上门服务证号") {
                keys.push("上门服务证号");
            }
            if keys.contains(&"金额(元)") && subsidy {
                keys.push("补贴(元)");
            }
            let has = |key: &str| keys.contains(&key);
            let expected = visits.iter().map(|v| v.expected(&has)).collect();
            let mut columns: Vec<Column> = keys
                .iter()
                .map(|key| Column {
                    key: (*key).to_owned(),
                    cells: visits.iter().map(|v| v.cell(key)).collect(),
                })
                .collect();
            let extra_names: Vec<String> = extra.iter().map(|c| c.key.clone()).collect();
            columns.extend(extra.into_iter().map(|mut c| {
                c.cells.truncate(visits.len());
                c
            }));
            write(&frame, columns, expected, &extra_names)
        })
}
