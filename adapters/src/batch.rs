//! The records of one conversion and the path every record takes: converted, checked by
//! the one validator, reported in the caller's terms, and kept only when nothing is wrong.

use jiayang_schemas::{Kind, Message, validate_at};
use serde_json::Value;
use time::OffsetDateTime;

use crate::{
    report::{Issue, NotCarried, Note, Report},
    trace::Trace,
};

/// One canonical record and where it came from.
#[derive(Debug, Clone)]
pub struct Converted {
    /// The canonical JSON (proto3 JSON mapping).
    pub document: Value,
    pub trace: Trace,
}

/// Canonical records that passed conversion and validation, and the report on the rest.
#[derive(Debug, Clone)]
pub struct Batch {
    pub kind: Kind,
    pub records: Vec<Converted>,
    pub report: Report,
    /// Records were minimised for a reader before conversion: fields withheld from it
    /// are absent, so the validator's `required` does not apply.
    pub(crate) minimised: bool,
}

impl Batch {
    pub(crate) fn new(kind: Kind) -> Self {
        Self {
            kind,
            records: Vec::new(),
            report: Report::default(),
            minimised: false,
        }
    }

    /// The canonical documents, in input order.
    pub fn documents(&self) -> impl Iterator<Item = &Value> {
        self.records.iter().map(|r| &r.document)
    }

    /// Checks a converted record with the validator and keeps it if nothing is wrong.
    /// `findings` are located by native locator; the validator's by canonical pointer.
    pub(crate) fn admit(
        &mut self,
        document: Value,
        trace: Trace,
        findings: Findings,
        now: OffsetDateTime,
    ) {
        let mut issues: Vec<Issue> = findings
            .violations
            .into_iter()
            .map(|(at, rule, message)| Issue {
                location: trace.native(&at),
                rule,
                message,
            })
            .collect();
        for violation in validate_at(self.kind, &document, now) {
            if self.minimised && violation.rule == jiayang_schemas::rule::REQUIRED {
                continue;
            }
            let location = trace.locate(&violation.path);
            // A field the conversion already refused is missing from the canonical record;
            // the validator's "required" there would say the same thing twice.
            if issues.iter().any(|i| i.location == location) {
                continue;
            }
            issues.push(Issue {
                location,
                rule: violation.rule,
                message: violation.message,
            });
        }
        if issues.is_empty() {
            self.report
                .not_carried
                .extend(
                    findings
                        .not_carried
                        .into_iter()
                        .map(|(at, message)| NotCarried {
                            location: trace.native(&at),
                            message,
                        }),
                );
            self.records.push(Converted { document, trace });
        } else {
            self.report.violations.extend(issues);
        }
    }
}

/// What converting one record found, before it is located in the input.
#[derive(Debug, Default)]
pub(crate) struct Findings {
    pub(crate) violations: Vec<(String, &'static str, Message)>,
    pub(crate) not_carried: Vec<(String, Note)>,
}

impl Findings {
    pub(crate) fn violation(
        &mut self,
        at: impl Into<String>,
        rule: &'static str,
        zh: impl Into<String>,
        en: impl Into<String>,
    ) {
        self.violations
            .push((at.into(), rule, Message::new(zh, en)));
    }

    /// A value the target format has no field for.
    pub(crate) fn not_carried(&mut self, at: impl Into<String>) {
        self.not_carried.push((
            at.into(),
            Note {
                zh: "目标格式没有对应字段，此值未转换",
                en: "the target format has no field for this value; it was left out",
            },
        ));
    }

    /// A value the target format carries only in part, or not at all for a reason worth saying.
    pub(crate) fn not_carried_because(
        &mut self,
        at: impl Into<String>,
        zh: &'static str,
        en: &'static str,
    ) {
        self.not_carried.push((at.into(), Note { zh, en }));
    }

    /// Locates outbound findings (canonical pointers) through the record's trace.
    pub(crate) fn into_report(self, trace: &Trace, report: &mut Report) -> bool {
        let clean = self.violations.is_empty();
        for (at, rule, message) in self.violations {
            report.violations.push(Issue {
                location: trace.locate(&at),
                rule,
                message,
            });
        }
        if clean {
            for (at, message) in self.not_carried {
                report.not_carried.push(NotCarried {
                    location: trace.locate(&at),
                    message,
                });
            }
        }
        clean
    }
}
