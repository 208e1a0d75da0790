//! District and street names ⇄ Beijing's statistical division codes. A name matches the
//! reference table with or without its suffix (`朝阳区`, `朝阳`; `团结湖街道`, `团结湖`); a
//! name that matches nothing, or more than one place, is an error — never a guess.

use jiayang_schemas::reference::{Division, DivisionLevel, divisions};

/// Suffixes a street or township name may be written without.
const STREET_SUFFIXES: [&str; 4] = ["街道", "地区", "镇", "乡"];
const DISTRICT_SUFFIXES: [&str; 1] = ["区"];

/// Why a name does not resolve.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    #[error("no place of that name")]
    Unknown,
    #[error("the name fits several places")]
    Ambiguous(Vec<&'static str>),
}

/// The one candidate whose full name is `name`, or whose name without a suffix is `name`
/// (when `name` itself carries no suffix).
fn resolve<'a>(
    candidates: impl Iterator<Item = &'a Division>,
    name: &str,
    suffixes: &[&str],
) -> Result<&'a Division, NameError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(NameError::Unknown);
    }
    let candidates: Vec<&Division> = candidates.collect();
    if let Some(exact) = candidates.iter().find(|d| d.name == name) {
        return Ok(exact);
    }
    // Only the name without its own suffix matches: `团结湖镇` does not name 团结湖街道,
    // while `花乡` (whose stem ends in a suffix character) names 花乡街道.
    let stem_matches: Vec<&Division> = candidates
        .into_iter()
        .filter(|d| {
            suffixes
                .iter()
                .any(|s| d.name.strip_suffix(s) == Some(name))
        })
        .collect();
    match stem_matches.as_slice() {
        [] => Err(NameError::Unknown),
        [only] => Ok(only),
        many => Err(NameError::Ambiguous(many.iter().map(|d| d.code).collect())),
    }
}

/// The district code for a district name (`朝阳区` or `朝阳`).
pub fn district_code(name: &str) -> Result<&'static str, NameError> {
    resolve(divisions().districts(), name, &DISTRICT_SUFFIXES).map(|d| d.code)
}

/// The street or township code for a name within one district.
pub fn street_code(district: &str, name: &str) -> Result<&'static str, NameError> {
    resolve(divisions().streets_of(district), name, &STREET_SUFFIXES).map(|d| d.code)
}

/// Whether `code` is a district row of the table.
pub fn is_district(code: &str) -> bool {
    divisions()
        .get(code)
        .is_some_and(|d| d.level == DivisionLevel::District)
}

/// The names of the district and (when the code is at street level or below) the street
/// a known code lies in, and whether the code was more precise than a street.
pub fn names_of(code: &str) -> Option<(&'static str, Option<&'static str>, bool)> {
    let table = divisions();
    let district = table.district_of(code)?;
    if code == district.code {
        return Some((district.name, None, false));
    }
    let street_code = format!("{}000", &code[..9]);
    let street = table.get(&street_code)?;
    Some((district.name, Some(street.name), street_code != code))
}

/// The district's full name, for a district code.
pub fn district_name(code: &str) -> Option<&'static str> {
    divisions()
        .get(code)
        .filter(|d| d.level == DivisionLevel::District)
        .map(|d| d.name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn districts_match_with_or_without_their_suffix() {
        assert_eq!(district_code("朝阳区"), Ok("110105000000"));
        assert_eq!(district_code("朝阳"), Ok("110105000000"));
        assert_eq!(district_code(" 东城区 "), Ok("110101000000"));
        assert_eq!(district_code("朝阳县"), Err(NameError::Unknown));
        assert_eq!(district_code("北京"), Err(NameError::Unknown));
        assert_eq!(district_code(""), Err(NameError::Unknown));
    }

    #[test]
    fn every_district_and_street_resolves_by_full_name_and_by_stem() {
        for district in divisions().districts() {
            assert_eq!(district_code(district.name), Ok(district.code));
            let stem = district.name.strip_suffix('区').unwrap();
            assert_eq!(district_code(stem), Ok(district.code));
            for street in divisions().streets_of(district.code) {
                assert_eq!(street_code(district.code, street.name), Ok(street.code));
                if let Some(stem) = STREET_SUFFIXES
                    .iter()
                    .find_map(|s| street.name.strip_suffix(s))
                {
                    assert_eq!(street_code(district.code, stem), Ok(street.code));
                }
                assert_eq!(
                    names_of(street.code),
                    Some((district.name, Some(street.name), false))
                );
            }
        }
    }

    #[test]
    fn streets_resolve_only_within_their_district() {
        assert_eq!(street_code("110105000000", "团结湖"), Ok("110105013000"));
        assert_eq!(
            street_code("110105000000", "团结湖街道"),
            Ok("110105013000")
        );
        // A wrong suffix names a different kind of place.
        assert_eq!(
            street_code("110105000000", "团结湖镇"),
            Err(NameError::Unknown)
        );
        assert_eq!(
            street_code("110101000000", "团结湖"),
            Err(NameError::Unknown)
        );
    }

    #[test]
    fn a_stem_shared_by_two_places_is_ambiguous() {
        let table = [
            Division {
                code: "110199001000",
                name: "八里庄街道",
                level: DivisionLevel::Street,
                parent: Some("110199000000"),
            },
            Division {
                code: "110199101000",
                name: "八里庄地区",
                level: DivisionLevel::Street,
                parent: Some("110199000000"),
            },
        ];
        assert_eq!(
            resolve(table.iter(), "八里庄", &STREET_SUFFIXES).map(|d| d.code),
            Err(NameError::Ambiguous(vec!["110199001000", "110199101000"]))
        );
        assert_eq!(
            resolve(table.iter(), "八里庄地区", &STREET_SUFFIXES).map(|d| d.code),
            Ok("110199101000")
        );
    }

    #[test]
    fn codes_name_their_district_and_street() {
        assert_eq!(names_of("110105000000"), Some(("朝阳区", None, false)));
        assert_eq!(
            names_of("110105013001"),
            Some(("朝阳区", Some("团结湖街道"), true))
        );
        assert_eq!(names_of("110199000000"), None);
    }
}
