//! Spreadsheet bytes → text. A file that is valid UTF-8 (with or without a byte-order
//! mark) is UTF-8; anything else is read as GB18030, the superset of the GBK that Excel on
//! Chinese Windows writes. Bytes that are not GB18030 either become U+FFFD, and where
//! they were is kept so that the rows holding them can be refused.

use encoding_rs::{DecoderResult, GB18030};

/// Which encoding the file turned out to be in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    Gb18030,
}

/// The decoded text and the byte offsets (into the text) of undecodable input.
#[derive(Debug)]
pub struct Decoded {
    pub text: String,
    pub encoding: Encoding,
    pub malformed: Vec<usize>,
}

pub fn decode(bytes: &[u8]) -> Decoded {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Decoded {
            text: text.to_owned(),
            encoding: Encoding::Utf8,
            malformed: Vec::new(),
        };
    }
    let mut decoder = GB18030.new_decoder_without_bom_handling();
    let mut text = String::with_capacity(bytes.len() * 3 / 2 + 16);
    let mut malformed = Vec::new();
    let mut rest = bytes;
    loop {
        let (result, read) = decoder.decode_to_string_without_replacement(rest, &mut text, true);
        rest = &rest[read..];
        match result {
            DecoderResult::InputEmpty => break,
            DecoderResult::OutputFull => text.reserve(rest.len() * 3 + 16),
            DecoderResult::Malformed(_, _) => {
                malformed.push(text.len());
                text.push('\u{FFFD}');
            }
        }
    }
    Decoded {
        text,
        encoding: Encoding::Gb18030,
        malformed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_with_and_without_bom_is_utf8() {
        for bytes in [
            &b"\xEF\xBB\xBF\xE5\xA7\x93\xE5\x90\x8D"[..],
            b"\xE5\xA7\x93\xE5\x90\x8D",
        ] {
            let decoded = decode(bytes);
            assert_eq!(decoded.text, "姓名");
            assert_eq!(decoded.encoding, Encoding::Utf8);
        }
    }

    #[test]
    fn gbk_is_read_as_gb18030_and_broken_bytes_are_marked() {
        let (gbk, _, _) = encoding_rs::GBK.encode("姓名,性别");
        let decoded = decode(&gbk);
        assert_eq!(decoded.text, "姓名,性别");
        assert_eq!(decoded.encoding, Encoding::Gb18030);
        assert!(decoded.malformed.is_empty());
        let mut broken = gbk.into_owned();
        broken.extend_from_slice(b"\n\xFF\xFF,x");
        let decoded = decode(&broken);
        assert!(
            decoded.text.ends_with("\u{FFFD}\u{FFFD},x"),
            "{}",
            decoded.text
        );
        assert_eq!(decoded.malformed.len(), 2);
    }
}
