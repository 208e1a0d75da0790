//! `report.html`: one self-contained page (no scripts, no external files) that a person
//! who is not an engineer can read: the outcome, then MUST failures first, each with what
//! to fix and the evidence. Every text in Chinese with its English beneath.

use std::fmt::Write;

use super::{Counts, Results, junit::escape};
use crate::{
    catalog::{Bilingual, Level},
    outcome::{RequirementResult, Verdict},
};

const STYLE: &str = "
body{font-family:system-ui,-apple-system,'PingFang SC','Noto Sans CJK SC','Microsoft YaHei',sans-serif;
  max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1f2328;line-height:1.5}
h1{font-size:1.6rem;margin-bottom:.2rem}h2{font-size:1.25rem;margin-top:2rem}
.en{color:#59636e;font-size:.92em}
.outcome{padding:1rem 1.2rem;border-radius:.5rem;margin:1rem 0;font-size:1.15rem}
.outcome.ok{background:#dafbe1;border:1px solid #4ac26b}.outcome.bad{background:#ffebe9;border:1px solid #ff8182}
table{border-collapse:collapse;width:100%;margin:.5rem 0}th,td{text-align:left;padding:.35rem .6rem;border-bottom:1px solid #d1d9e0;vertical-align:top}
.v{font-weight:600;padding:.05rem .45rem;border-radius:.3rem;font-size:.85em;white-space:nowrap}
.PASS{background:#dafbe1;color:#116329}.FAIL{background:#ffebe9;color:#a40e26}.SKIP{background:#fff8c5;color:#7d4e00}
.req{border:1px solid #d1d9e0;border-radius:.5rem;padding:.8rem 1rem;margin:.8rem 0}
.req.FAIL.MUST{border-left:6px solid #cf222e}.req.SKIP.MUST{border-left:6px solid #bf8700}
.fix{background:#f6f8fa;border-radius:.4rem;padding:.5rem .8rem;margin:.5rem 0}
code,pre{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.85em}
pre{background:#f6f8fa;padding:.6rem;border-radius:.4rem;overflow-x:auto;white-space:pre-wrap}
.meta td:first-child{color:#59636e;width:12rem}
";

pub fn render(results: &Results) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
         <title>家养接入一致性报告 · Jiayang conformance report</title><style>{STYLE}</style></head><body>\n\
         <h1>家养接入一致性报告</h1><div class=\"en\">Jiayang conformance report — {mode} mode</div>\n",
        mode = results.mode,
    );
    outcome(&mut out, results);
    manifest(&mut out, results);
    let sections = [
        (
            Level::Must,
            "必须（MUST）：未通过的在前",
            "MUST requirements, failures first",
        ),
        (Level::Should, "建议（SHOULD）", "SHOULD requirements"),
    ];
    for (level, zh, en) in sections {
        let of_level: Vec<&RequirementResult> = results
            .requirements
            .iter()
            .filter(|r| r.level == level)
            .collect();
        if of_level.is_empty() {
            continue;
        }
        let _ = writeln!(out, "<h2>{zh}<div class=\"en\">{en}</div></h2>");
        for r in of_level {
            requirement(&mut out, r);
        }
    }
    out.push_str("</body></html>\n");
    out
}

fn outcome(out: &mut String, results: &Results) {
    let (class, zh, en) = if results.passed {
        (
            "ok",
            "全部“必须”要求均已通过，可以申请认证。",
            "Every MUST requirement passed: this report can be used for certification.",
        )
    } else {
        (
            "bad",
            "有“必须”要求未通过或未检查，尚不能认证。请按下文逐项修改后重新运行。",
            "Some MUST requirements failed or were not checked: not yet certifiable. Fix each one below and run again.",
        )
    };
    let counts = |c: Counts| {
        format!(
            "<span class=\"v PASS\">通过 PASS {}</span> <span class=\"v FAIL\">未通过 FAIL {}</span> <span class=\"v SKIP\">未检查 SKIP {}</span>",
            c.pass, c.fail, c.skip
        )
    };
    let _ = writeln!(
        out,
        "<div class=\"outcome {class}\">{zh}<div class=\"en\">{en}</div></div>\n\
         <table><tr><th>必须 MUST</th><td>{}</td></tr><tr><th>建议 SHOULD</th><td>{}</td></tr></table>",
        counts(results.summary.must),
        counts(results.summary.should),
    );
}

fn manifest(out: &mut String, results: &Results) {
    let _ = writeln!(
        out,
        "<h2>本次运行<div class=\"en\">This run</div></h2><table class=\"meta\">\
         <tr><td>对象 Target</td><td><code>{}</code></td></tr>\
         <tr><td>接入方 Participant</td><td>{}</td></tr>\
         <tr><td>开始 Started</td><td>{}</td></tr><tr><td>结束 Finished</td><td>{}</td></tr>\
         <tr><td>套件 Suite</td><td>{} {}</td></tr>",
        escape(&results.target),
        escape(results.participant.as_deref().unwrap_or("—")),
        escape(&results.started_at),
        escape(&results.finished_at),
        escape(&results.suite),
        escape(&results.version),
    );
    for input in &results.inputs {
        let _ = writeln!(
            out,
            "<tr><td>输入 Input</td><td><code>{}</code><br><code class=\"en\">sha256 {}</code></td></tr>",
            escape(&input.path),
            escape(&input.sha256)
        );
    }
    out.push_str("</table>\n");
}

fn verdict_label(v: Verdict) -> &'static str {
    match v {
        Verdict::Pass => "通过 PASS",
        Verdict::Fail => "未通过 FAIL",
        Verdict::Skip => "未检查 SKIP",
    }
}

fn bilingual(text: &Bilingual) -> String {
    format!(
        "{}<div class=\"en\">{}</div>",
        escape(&text.zh),
        escape(&text.en)
    )
}

fn requirement(out: &mut String, r: &RequirementResult) {
    let _ = writeln!(
        out,
        "<section class=\"req {verdict} {level}\" id=\"{id}\"><div><span class=\"v {verdict}\">{label}</span> \
         <code>{id}</code> <span class=\"en\">{level}</span></div><div><strong>{title}</strong></div>\
         <div class=\"en\">依据 Clause: {clause}</div>",
        verdict = r.verdict.as_str(),
        label = verdict_label(r.verdict),
        level = r.level.as_str(),
        id = escape(&r.id),
        title = bilingual(&r.title),
        clause = escape(&r.clause),
    );
    for test in r.tests.iter().filter(|t| t.detail.is_some()) {
        if let Some(detail) = &test.detail {
            let _ = writeln!(
                out,
                "<p><span class=\"v {}\">{}</span> <code>{}</code><br>{}</p>",
                test.verdict.as_str(),
                test.verdict.as_str(),
                escape(&test.name),
                bilingual(detail)
            );
        }
    }
    if r.verdict != Verdict::Pass {
        let _ = writeln!(
            out,
            "<div class=\"fix\"><strong>如何修改</strong> <span class=\"en\">What to fix</span><br>{}</div>",
            bilingual(&r.fix)
        );
    }
    let evidence = r.evidence_text();
    if !evidence.is_empty() {
        let _ = writeln!(
            out,
            "<details{}><summary>证据（{} 项，个人信息已遮盖） <span class=\"en\">Evidence ({} items, personal data masked)</span></summary><pre>{}</pre></details>",
            if r.verdict == Verdict::Fail {
                " open"
            } else {
                ""
            },
            evidence.len(),
            evidence.len(),
            escape(&evidence.join("\n\n"))
        );
    }
    out.push_str("</section>\n");
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::{
        Mode,
        outcome::{TestCase, TestResult, fail},
        report::Run,
    };

    /// One page with nothing from outside, the failure first and open, and what a target
    /// answered shown as text, never as markup.
    #[test]
    fn the_page_stands_alone_puts_failures_first_and_escapes_what_it_quotes() {
        let mut run = Run::start(Mode::Data, "elder-portal senior".into(), None, false);
        let cases = [
            (
                TestCase {
                    name: "data.encoding",
                    requirements: &["JY-DATA-ENC-01"],
                },
                Ok(()),
            ),
            (
                TestCase {
                    name: "data.records",
                    requirements: &["JY-DATA-REC-01"],
                },
                Err(fail(
                    "第 1 条记录无效",
                    "<script>alert(1)</script> record 1 is invalid",
                )),
            ),
        ];
        for (case, outcome) in cases {
            let evidence = vec![json!({"path": "/XM", "message": "<b>bold</b>"})];
            run.record(case, TestResult::new(case.name, outcome, evidence));
        }
        let page = super::render(&run.finish());
        assert!(!page.contains("<script>") && !page.contains("<b>bold"));
        assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        for outside in ["src=", "href=\"http", "@import", "url("] {
            assert!(!page.contains(outside), "{outside}");
        }
        let failed = page.find("JY-DATA-REC-01").unwrap();
        let passed = page.find("JY-DATA-ENC-01").unwrap();
        assert!(failed < passed, "the MUST failure comes first");
        assert!(page.contains("<details open>"));
        assert!(page.contains("尚不能认证") && page.contains("not yet certifiable"));
    }
}
