//! Code tables: a native code ⇄ a canonical value, as the platform specs list them.

use crate::{batch::Findings, rule};

/// One code table of a platform spec.
#[derive(Debug)]
pub struct CodeTable {
    /// What the codes are, for messages.
    pub name_zh: &'static str,
    pub name_en: &'static str,
    /// `(native, canonical)`; several native codes may share a canonical value, and then
    /// the first is the one written outbound.
    pub entries: &'static [(&'static str, &'static str)],
}

impl CodeTable {
    pub fn canonical(&self, native: &str) -> Option<&'static str> {
        self.entries
            .iter()
            .find(|(n, _)| *n == native)
            .map(|(_, c)| *c)
    }

    pub fn native(&self, canonical: &str) -> Option<&'static str> {
        self.entries
            .iter()
            .find(|(_, c)| *c == canonical)
            .map(|(n, _)| *n)
    }

    /// The canonical value of `native`, or a `code-unknown` violation at `at`.
    /// `at` is only computed when there is something to report.
    pub(crate) fn read(
        &self,
        f: &mut Findings,
        at: impl FnOnce() -> String,
        native: &str,
    ) -> Option<&'static str> {
        let found = self.canonical(native);
        if found.is_none() {
            let allowed = self.allowed();
            f.violation(
                at(),
                rule::CODE_UNKNOWN,
                format!("{}“{native}”不在代码表中（可用：{allowed}）", self.name_zh),
                format!(
                    "{} “{native}” is not in the code table (allowed: {allowed})",
                    self.name_en
                ),
            );
        }
        found
    }

    fn allowed(&self) -> String {
        let mut names: Vec<&str> = Vec::new();
        for (native, _) in self.entries {
            if !names.contains(native) {
                names.push(native);
            }
        }
        names.join(", ")
    }
}
