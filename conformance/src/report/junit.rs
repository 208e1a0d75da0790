//! `junit.xml`: one test case per requirement, so that CI systems show requirement ids.

use std::fmt::Write;

use super::Results;
use crate::outcome::Verdict;

pub fn render(results: &Results) -> String {
    let count = |v: Verdict| {
        results
            .requirements
            .iter()
            .filter(|r| r.verdict == v)
            .count()
    };
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"{suite}\" tests=\"{n}\" failures=\"{f}\" skipped=\"{s}\">\n  \
         <testsuite name=\"{suite} {mode}\" tests=\"{n}\" failures=\"{f}\" skipped=\"{s}\" timestamp=\"{t}\">",
        suite = escape(&results.suite),
        mode = results.mode,
        n = results.requirements.len(),
        f = count(Verdict::Fail),
        s = count(Verdict::Skip),
        t = escape(&results.started_at),
    );
    let _ = writeln!(
        out,
        "    <properties><property name=\"target\" value=\"{}\"/></properties>",
        escape(&results.target)
    );
    for r in &results.requirements {
        let _ = write!(
            out,
            "    <testcase classname=\"{mode}.{level}\" name=\"{id} {title}\"",
            mode = results.mode,
            level = r.level.as_str(),
            id = escape(&r.id),
            title = escape(&r.title.en),
        );
        let details: Vec<String> = r
            .tests
            .iter()
            .filter(|t| t.verdict == r.verdict)
            .map(|t| {
                let detail = t
                    .detail
                    .as_ref()
                    .map(|d| format!("{} / {}", d.en, d.zh))
                    .unwrap_or_default();
                format!("{}: {detail}", t.name)
            })
            .collect();
        match r.verdict {
            Verdict::Pass => out.push_str("/>\n"),
            Verdict::Fail => {
                let evidence = r.evidence_text();
                let _ = writeln!(
                    out,
                    ">\n      <failure message=\"{}\">{}\n\n{}</failure>\n    </testcase>",
                    escape(&details.join("; ")),
                    escape(&format!("{} / {}", r.fix.en, r.fix.zh)),
                    escape(&evidence.join("\n"))
                );
            }
            Verdict::Skip => {
                let _ = writeln!(
                    out,
                    ">\n      <skipped message=\"{}\"/>\n    </testcase>",
                    escape(&details.join("; "))
                );
            }
        }
    }
    out.push_str("  </testsuite>\n</testsuites>\n");
    out
}

/// Text for an XML attribute or element; characters XML 1.0 cannot hold are dropped.
pub(super) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}
