//! Money: yuan as written by people and spreadsheets (`"120.00"`, `"35"`, `"0.5"`) ⇄ integer
//! fen. Parsed digit by digit so no amount ever passes through a float.

/// Why a yuan amount was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("not a yuan amount: digits with at most two decimals, no sign or separators")]
    Format,
    #[error("the amount does not fit the model's fen range")]
    TooLarge,
}

/// The largest amount the canonical model carries (`int32` fen).
pub const MAX_FEN: i64 = i32::MAX as i64;

/// Parses a non-negative yuan amount with at most two decimals into fen.
pub fn yuan_to_fen(text: &str) -> Result<i64, MoneyError> {
    let (whole, fraction) = match text.split_once('.') {
        Some((whole, fraction)) => (whole, Some(fraction)),
        None => (text, None),
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(whole) || fraction.is_some_and(|f| !digits(f) || f.len() > 2) {
        return Err(MoneyError::Format);
    }
    let mut fen: i64 = 0;
    for b in whole.bytes() {
        fen = fen
            .checked_mul(10)
            .and_then(|f| f.checked_add(i64::from(b - b'0')))
            .filter(|f| *f <= MAX_FEN)
            .ok_or(MoneyError::TooLarge)?;
    }
    let fraction = fraction.unwrap_or("");
    let mut cents = 0;
    for (i, b) in fraction.bytes().enumerate() {
        cents += i64::from(b - b'0') * if i == 0 { 10 } else { 1 };
    }
    fen.checked_mul(100)
        .and_then(|f| f.checked_add(cents))
        .filter(|f| *f <= MAX_FEN)
        .ok_or(MoneyError::TooLarge)
}

/// Writes fen as yuan with exactly two decimals: `12000` → `"120.00"`.
pub fn fen_to_yuan(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let abs = fen.unsigned_abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_examples_convert_exactly() {
        for (yuan, fen) in [
            ("120.00", 12000),
            ("35", 3500),
            ("0.5", 50),
            ("0.05", 5),
            ("0.1", 10),
            ("19.99", 1999),
            ("0", 0),
            ("21474836.47", MAX_FEN),
        ] {
            assert_eq!(yuan_to_fen(yuan), Ok(fen), "{yuan}");
        }
    }

    #[test]
    fn malformed_amounts_are_refused() {
        for text in [
            "", ".5", "5.", "1.234", "-1", "+1", "1,200.00", "１２", "1e3", " 1", "¥12", "1.2.3",
        ] {
            assert_eq!(yuan_to_fen(text), Err(MoneyError::Format), "{text:?}");
        }
        assert_eq!(yuan_to_fen("21474836.48"), Err(MoneyError::TooLarge));
        assert_eq!(
            yuan_to_fen("99999999999999999999999"),
            Err(MoneyError::TooLarge)
        );
    }

    #[test]
    fn fen_are_written_with_two_decimals_and_read_back() {
        for fen in [0, 5, 50, 99, 100, 12000, 1999, MAX_FEN] {
            assert_eq!(yuan_to_fen(&fen_to_yuan(fen)), Ok(fen));
        }
        assert_eq!(fen_to_yuan(12000), "120.00");
        assert_eq!(fen_to_yuan(5), "0.05");
    }
}
