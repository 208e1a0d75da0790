//! Beijing's statistical division codes (统计用区划代码): the city, 16 districts and their
//! streets and townships.

use std::{collections::HashMap, sync::LazyLock};

/// The level of a division in the hierarchy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DivisionLevel {
    Province,
    District,
    Street,
}

/// One row of the table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Division {
    pub code: &'static str,
    pub name: &'static str,
    pub level: DivisionLevel,
    pub parent: Option<&'static str>,
}

/// The whole table, indexed by code.
#[derive(Debug)]
pub struct Divisions {
    by_code: HashMap<&'static str, Division>,
    ordered: Vec<&'static str>,
}

static DIVISIONS: LazyLock<Divisions> =
    LazyLock::new(|| Divisions::parse(super::BEIJING_DIVISIONS_CSV));

/// The embedded table, parsed once.
pub fn divisions() -> &'static Divisions {
    &DIVISIONS
}

impl Divisions {
    fn parse(csv: &'static str) -> Self {
        let mut by_code = HashMap::new();
        let mut ordered = Vec::new();
        for line in csv.lines().skip(1).filter(|l| !l.trim().is_empty()) {
            let cells = super::cells(line);
            let level = match cells[2] {
                "province" => DivisionLevel::Province,
                "district" => DivisionLevel::District,
                "street" => DivisionLevel::Street,
                other => panic!("embedded division table has unknown level {other}"),
            };
            let parent = Some(cells[3]).filter(|p| !p.is_empty());
            by_code.insert(
                cells[0],
                Division {
                    code: cells[0],
                    name: cells[1],
                    level,
                    parent,
                },
            );
            ordered.push(cells[0]);
        }
        Self { by_code, ordered }
    }

    /// The row for exactly this code.
    pub fn get(&self, code: &str) -> Option<&Division> {
        self.by_code.get(code)
    }

    /// Whether a 12-digit code names a place in Beijing: a row of the table, or a
    /// community-level code (last three digits not `000`) whose street is in the table.
    pub fn is_known(&self, code: &str) -> bool {
        if !is_division_code(code) {
            return false;
        }
        if self.by_code.contains_key(code) {
            return true;
        }
        let street = format!("{}000", &code[..9]);
        self.by_code
            .get(street.as_str())
            .is_some_and(|d| d.level == DivisionLevel::Street)
    }

    /// The district (`1101xx000000`) a known code lies in, if it lies in one.
    pub fn district_of(&self, code: &str) -> Option<&Division> {
        if !self.is_known(code) {
            return None;
        }
        let district = format!("{}000000", &code[..6]);
        self.by_code
            .get(district.as_str())
            .filter(|d| d.level == DivisionLevel::District)
    }

    /// Every row in table order (city, districts, streets).
    pub fn iter(&self) -> impl Iterator<Item = &Division> {
        self.ordered.iter().map(|code| &self.by_code[code])
    }

    /// The districts, in table order.
    pub fn districts(&self) -> impl Iterator<Item = &Division> {
        self.iter().filter(|d| d.level == DivisionLevel::District)
    }

    /// The streets and townships of one district, in table order.
    pub fn streets_of<'a>(&'a self, district: &'a str) -> impl Iterator<Item = &'a Division> + 'a {
        self.iter()
            .filter(move |d| d.level == DivisionLevel::Street && d.parent == Some(district))
    }
}

/// Twelve ASCII digits.
pub fn is_division_code(code: &str) -> bool {
    code.len() == 12 && code.bytes().all(|b| b.is_ascii_digit())
}

/// A division code without its trailing all-zero levels, by the 2-2-2-3-3 digit layout
/// of statistical division codes (province, city, district, street, community):
/// `110105000000` → `110105`, `110105013000` → `110105013`. Codes that contain a place
/// are exactly the prefixes of its significant digits.
pub fn significant_prefix(code: &str) -> &str {
    let mut end = code.len();
    for cut in [9, 6, 4, 2] {
        if code.len() == 12 && code.as_bytes()[cut..].iter().all(|b| *b == b'0') {
            end = cut;
        } else {
            break;
        }
    }
    &code[..end]
}

/// Whether one code contains the other (or they are equal): `110105000000` contains
/// `110105013000` and `110105013001`.
pub fn on_one_line(a: &str, b: &str) -> bool {
    if !is_division_code(a) || !is_division_code(b) {
        return false;
    }
    let (sa, sb) = (significant_prefix(a), significant_prefix(b));
    sa.starts_with(sb) || sb.starts_with(sa)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_holds_the_city_sixteen_districts_and_their_streets() {
        let table = divisions();
        assert_eq!(table.districts().count(), 16);
        assert_eq!(table.get("110105000000").unwrap().name, "朝阳区");
        assert!(
            table
                .streets_of("110105000000")
                .any(|s| s.name == "团结湖街道")
        );
        assert_eq!(
            table
                .iter()
                .filter(|d| d.level == DivisionLevel::Street)
                .count(),
            349
        );
    }

    #[test]
    fn community_codes_are_known_when_their_street_is() {
        let table = divisions();
        assert!(table.is_known("110105013001"));
        assert!(!table.is_known("110105999001"));
        assert!(!table.is_known("110199000000"));
        assert!(!table.is_known("11010501300"));
        assert_eq!(
            table.district_of("110105013001").unwrap().code,
            "110105000000"
        );
    }

    #[test]
    fn containment_follows_the_code_layout() {
        assert!(on_one_line("110105000000", "110105013000"));
        assert!(on_one_line("110105013000", "110105000000"));
        assert!(on_one_line("110000000000", "110105013000"));
        assert!(!on_one_line("110105000000", "110101000000"));
        assert!(!on_one_line("110105013000", "110105014000"));
    }

    #[test]
    fn significant_prefixes_drop_only_trailing_zero_levels() {
        assert_eq!(significant_prefix("110000000000"), "11");
        assert_eq!(significant_prefix("110105000000"), "110105");
        assert_eq!(significant_prefix("110105013000"), "110105013");
        assert_eq!(significant_prefix("110105013001"), "110105013001");
        // A zero street level under a non-zero community stays whole.
        assert_eq!(significant_prefix("110105000001"), "110105000001");
    }
}
