//! National identifier checks: GB 11643 resident ID numbers, GB 32100 unified social
//! credit codes, and the phone formats the model accepts.

use time::{Date, Month};

/// GB 11643: the check character for the first 17 digits of a resident ID number.
pub fn id_card_check_digit(first17: &[u8]) -> Option<u8> {
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    const CHECK: &[u8; 11] = b"10X98765432";
    if first17.len() != 17 || !first17.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let sum: u32 = first17
        .iter()
        .zip(WEIGHTS)
        .map(|(d, w)| u32::from(d - b'0') * w)
        .sum();
    Some(CHECK[(sum % 11) as usize])
}

/// Why an 18-character resident ID number is malformed, if it is.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum IdCardProblem {
    /// Not 17 digits followed by a digit or upper-case `X`.
    Format,
    /// The 18th character is not the GB 11643 check character.
    CheckDigit { expected: char },
    /// Characters 7–14 are no date that exists.
    BirthDate,
}

/// Checks an ID number's form and check character; on success returns the birth date it
/// encodes and whether its sequence digit (17th) is odd, which means male.
pub(crate) fn parse_id_card(number: &str) -> Result<(Date, bool), IdCardProblem> {
    let bytes = number.as_bytes();
    let well_formed = bytes.len() == 18
        && bytes[..17].iter().all(u8::is_ascii_digit)
        && (bytes[17].is_ascii_digit() || bytes[17] == b'X');
    if !well_formed {
        return Err(IdCardProblem::Format);
    }
    let expected = id_card_check_digit(&bytes[..17]).ok_or(IdCardProblem::Format)?;
    if bytes[17] != expected {
        return Err(IdCardProblem::CheckDigit {
            expected: char::from(expected),
        });
    }
    let digits = |range: std::ops::Range<usize>| number[range].parse::<u32>().unwrap_or(0);
    let birth = Month::try_from(digits(10..12) as u8)
        .ok()
        .and_then(|month| {
            Date::from_calendar_date(digits(6..10) as i32, month, digits(12..14) as u8).ok()
        })
        .ok_or(IdCardProblem::BirthDate)?;
    Ok((birth, (bytes[16] - b'0') % 2 == 1))
}

/// The 31 characters of GB 32100 (no I, O, S, V, Z), in value order.
const USCC_CHARSET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";

/// GB 32100: the check character for the first 17 characters of a credit code.
pub fn uscc_check_character(first17: &[u8]) -> Option<u8> {
    const WEIGHTS: [usize; 17] = [
        1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
    ];
    if first17.len() != 17 {
        return None;
    }
    let mut sum = 0;
    for (c, w) in first17.iter().zip(WEIGHTS) {
        sum += USCC_CHARSET.iter().position(|x| x == c)? * w;
    }
    Some(USCC_CHARSET[(31 - sum % 31) % 31])
}

/// Why a unified social credit code is malformed, if it is.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum UsccProblem {
    Format,
    CheckCharacter { expected: char },
}

pub(crate) fn check_uscc(code: &str) -> Result<(), UsccProblem> {
    let bytes = code.as_bytes();
    if bytes.len() != 18 || !bytes.iter().all(|b| USCC_CHARSET.contains(b)) {
        return Err(UsccProblem::Format);
    }
    let expected = uscc_check_character(&bytes[..17]).ok_or(UsccProblem::Format)?;
    if bytes[17] == expected {
        Ok(())
    } else {
        Err(UsccProblem::CheckCharacter {
            expected: char::from(expected),
        })
    }
}

/// A mainland mobile number (`1[3-9]` and 9 digits) or a Beijing landline (`010-` and 8).
pub(crate) fn is_phone(text: &str) -> bool {
    let b = text.as_bytes();
    let mobile = b.len() == 11
        && b[0] == b'1'
        && (b'3'..=b'9').contains(&b[1])
        && b.iter().all(u8::is_ascii_digit);
    let landline = b.len() == 12 && b.starts_with(b"010-") && b[4..].iter().all(u8::is_ascii_digit);
    mobile || landline
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_design_example_id_number_is_a_woman_born_1944_03_08() {
        let (birth, male) = parse_id_card("110105194403080027").unwrap();
        assert_eq!(birth.to_string(), "1944-03-08");
        assert!(!male);
    }

    #[test]
    fn id_numbers_with_x_check_characters_are_accepted_in_upper_case_only() {
        // 11010519491231002? → check character X.
        let first17 = b"11010519491231002";
        assert_eq!(id_card_check_digit(first17), Some(b'X'));
        assert!(parse_id_card("11010519491231002X").is_ok());
        assert_eq!(
            parse_id_card("11010519491231002x"),
            Err(IdCardProblem::Format)
        );
    }

    #[test]
    fn id_number_problems_are_told_apart() {
        assert_eq!(
            parse_id_card("110105194403080028"),
            Err(IdCardProblem::CheckDigit { expected: '7' })
        );
        assert_eq!(
            parse_id_card("1101051944030800"),
            Err(IdCardProblem::Format)
        );
        // 1944-02-30 does not exist; the check character is right for these 17 digits.
        let first17 = b"11010519440230002";
        let number = format!(
            "{}{}",
            std::str::from_utf8(first17).unwrap(),
            char::from(id_card_check_digit(first17).unwrap())
        );
        assert_eq!(parse_id_card(&number), Err(IdCardProblem::BirthDate));
    }

    #[test]
    fn credit_codes_check_their_last_character() {
        assert_eq!(check_uscc("91110105MA01ABCD13"), Ok(()));
        assert_eq!(
            check_uscc("91110105MA01ABCD12"),
            Err(UsccProblem::CheckCharacter { expected: '3' })
        );
        assert_eq!(check_uscc("91110105MA01ABCDI3"), Err(UsccProblem::Format));
        assert_eq!(check_uscc("91110105"), Err(UsccProblem::Format));
    }

    #[test]
    fn phones_are_mobiles_or_beijing_landlines() {
        for good in ["13800138000", "19912345678", "010-65001234"] {
            assert!(is_phone(good), "{good}");
        }
        for bad in [
            "12800138000",
            "1380013800",
            "021-65001234",
            "01065001234",
            "010-6500123",
        ] {
            assert!(!is_phone(bad), "{bad}");
        }
    }
}
