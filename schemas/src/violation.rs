//! What the validator reports: a JSON Pointer, a stable rule id and a bilingual message.

use std::{fmt, str::FromStr};

use serde::Serialize;

/// The language a message is shown in. Chinese is the default everywhere.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Zh,
    En,
}

impl FromStr for Lang {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.to_ascii_lowercase().as_str() {
            "zh" | "zh-cn" | "zh-hans" => Ok(Lang::Zh),
            "en" | "en-us" | "en-gb" => Ok(Lang::En),
            _ => Err(format!("unknown language `{text}` (expected zh or en)")),
        }
    }
}

/// A message in both languages the gateway speaks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub zh: String,
    pub en: String,
}

impl Message {
    pub fn new(zh: impl Into<String>, en: impl Into<String>) -> Self {
        Self {
            zh: zh.into(),
            en: en.into(),
        }
    }

    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::Zh => &self.zh,
            Lang::En => &self.en,
        }
    }
}

/// One broken rule in one document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// JSON Pointer (RFC 6901) into the document as sent; `""` is the whole document.
    pub path: String,
    /// Stable kebab-case rule id, e.g. `id-card-check-digit` (see [`crate::rule`]).
    pub rule: &'static str,
    pub message: Message,
}

impl Violation {
    pub fn new(
        path: impl Into<String>,
        rule: &'static str,
        zh: impl Into<String>,
        en: impl Into<String>,
    ) -> Self {
        Self {
            path: path.into(),
            rule,
            message: Message::new(zh, en),
        }
    }

    /// The violation as the wire shows it: `{path, rule, message}` in one language.
    pub fn localized(&self, lang: Lang) -> LocalizedViolation<'_> {
        LocalizedViolation {
            path: &self.path,
            rule: self.rule,
            message: self.message.get(lang),
        }
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} [{}]: {}", self.path, self.rule, self.message.en)
    }
}

/// A violation with its message in one language, ready to serialise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct LocalizedViolation<'a> {
    pub path: &'a str,
    pub rule: &'a str,
    pub message: &'a str,
}

/// Appends one reference token to a JSON Pointer, escaping `~` and `/` (RFC 6901).
pub fn push_pointer(pointer: &mut String, token: &str) {
    pointer.push('/');
    for c in token.chars() {
        match c {
            '~' => pointer.push_str("~0"),
            '/' => pointer.push_str("~1"),
            c => pointer.push(c),
        }
    }
}

/// `pointer` with one more reference token.
pub fn child_pointer(pointer: &str, token: &str) -> String {
    let mut child = String::with_capacity(pointer.len() + token.len() + 1);
    child.push_str(pointer);
    push_pointer(&mut child, token);
    child
}
