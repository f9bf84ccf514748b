//! Deadline explanations in words, in the reader's language (texts in
//! locales/deadline.*.toml). Dates are dd/mm/yyyy with the weekday, times
//! HH:mm in Vietnam's time; a due instant at local midnight is written as
//! 24:00 of the day that ends, as the law counts it.
//!
//! Each rule is cited after its basis, worded so that nobody takes a choice of this service for a legal
//! duty: "theo …" (law), "áp dụng tương tự …" (a law by analogy), "quy tắc của hệ thống, không phải quy
//! định pháp luật: …" (a rule of the service), and in English "under …", "by analogy with …", "a rule of
//! this service, not a legal requirement: …".

mod words;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::Serialize;

use crate::domain::calendar::local_date;
use crate::domain::deadline::{Deadline, EventName, IgnoredReason, NoDueReason, Remaining, SkippedDay, Step};
use crate::domain::policy::{Basis, Cited, ClarificationEffect, OutsideOfficeHours, Unit};
use crate::i18n::Tr;
use words::{day, day_list, due, duration, instant, skipped_list, trigger_day, unit};

/// A due instant as a limit that includes its last day: "đến hết ngày thứ Hai 04/05/2026" for 24:00,
/// "chậm nhất thứ Hai 16/03/2026 17:00" otherwise ("by the end of …", "by …").
pub fn due_by(tr: &Tr, at: DateTime<Utc>) -> String {
    let local = local_date(at);
    if crate::domain::calendar::start_of_local_day(local) == at {
        tr.f("deadline.due_by.end_of_day", &[("date", &day(tr, local - Duration::days(1)))])
    } else {
        tr.f("deadline.due_by.instant", &[("at", &instant(tr, at))])
    }
}

/// A rule's citation after the words of its basis: "theo Bộ luật Dân sự 2015, Điều 147(3)".
pub fn cite(tr: &Tr, rule: &Cited) -> String {
    tr.f(&format!("deadline.basis.{}", rule.basis.as_str()), &[("citation", &rule.citation)])
}

pub fn step_text(step: &Step, tr: &Tr) -> String {
    // A step whose text takes more than a few lines has its own function below; an extension stays here
    // because its fields are too many to pass to a function one by one.
    match step {
        Step::Received { at, policy_title_vi, policy_title_en, .. } => {
            received(tr, *at, policy_title_vi, policy_title_en)
        }
        Step::OutsideOfficeHours { at, setting, counted_from, citation } => {
            outside_office_hours(tr, *at, *setting, *counted_from, citation)
        }
        Step::Hours { from, hours, until, citation, counting_citation } => {
            hours_text(tr, *from, *hours, *until, citation, counting_citation)
        }
        Step::CountingStartsNextDay { event_at, trigger, first_day, citation, end_citation } => {
            counting_starts(tr, *event_at, *trigger, *first_day, citation, end_citation)
        }
        Step::WorkingDays { count, citation, counted, skipped, swapped_in } => {
            working_days(tr, *count, citation, counted, skipped, swapped_in)
        }
        Step::CalendarDays { count, citation, first_day, last_day } => {
            calendar_days(tr, *count, citation, *first_day, *last_day)
        }
        Step::RolledOver { from, to, skipped, citation } => rolled_over(tr, *from, *to, skipped, citation),
        Step::UnconfirmedCalendar { year, source } => {
            tr.f("deadline.unconfirmed_calendar", &[("year", &year.to_string()), ("source", source)])
        }
        Step::ClarificationRequested { at, effect, citation, late } => {
            clarification_requested(tr, *at, *effect, citation, *late)
        }
        Step::Resumed { at, remaining, citation } => resumed(tr, *at, remaining, citation),
        Step::Restarted { at, complex, citation } => {
            at_cited(tr, if *complex { "deadline.restarted_complex" } else { "deadline.restarted" }, *at, citation)
        }
        Step::MarkedComplex { at, received_at, notice_until, citation } => {
            marked_complex(tr, *at, *received_at, *notice_until, citation)
        }
        Step::ComplexNoticeLate { at, notice_until, citation } => complex_notice_late(tr, *at, *notice_until, citation),
        Step::NoComplexRule { at } => at_only(tr, "deadline.no_complex_rule", *at),
        Step::Extended { at, number, max_count, limit, unit: u, previous_due, citation, max_count_citation } => tr.f(
            "deadline.extended",
            &[
                ("at", &instant(tr, *at)),
                ("number", &number.to_string()),
                ("max", &max_count.to_string()),
                ("max_citation", &cite(tr, max_count_citation)),
                ("limit", &limit.to_string()),
                ("unit", unit(tr, *u)),
                ("previous", &due(tr, *previous_due)),
                ("citation", &cite(tr, citation)),
            ],
        ),
        Step::ExtensionTooLate { at, due: d, citation } => tr.f(
            "deadline.extension_too_late",
            &[("at", &instant(tr, *at)), ("due", &due(tr, *d)), ("citation", &cite(tr, citation))],
        ),
        Step::ExtensionAfterOrder { at, due: d } => {
            tr.f("deadline.extension_after_order", &[("at", &instant(tr, *at)), ("due", &due(tr, *d))])
        }
        Step::ExtensionRefused { at, max_count, citation } => tr.f(
            "deadline.extension_refused",
            &[("at", &instant(tr, *at)), ("max", &max_count.to_string()), ("citation", &cite(tr, citation))],
        ),
        Step::NoExtensionRule { at } => at_only(tr, "deadline.no_extension_rule", *at),
        Step::Transferred { at, citation } => at_cited(tr, "deadline.transferred", *at, citation),
        Step::ResponseOrdered { at, due_at } => {
            tr.f("deadline.response_ordered", &[("at", &instant(tr, *at)), ("due_by", &due_by(tr, *due_at))])
        }
        Step::Stopped { at, due_at: Some(d) } => {
            tr.f("deadline.stopped", &[("at", &instant(tr, *at)), ("due", &due(tr, *d))])
        }
        Step::Stopped { at, due_at: None } => at_only(tr, "deadline.stopped_paused", *at),
        Step::Ignored { at, event, reason } => ignored(tr, *at, *event, *reason),
        Step::Due { at } => tr.f("deadline.due", &[("due", &due(tr, *at))]),
        Step::NoDueInstant { reason } => no_due_instant(tr, reason),
    }
}

/// A text whose only argument is the instant of the step.
fn at_only(tr: &Tr, key: &str, at: DateTime<Utc>) -> String {
    tr.f(key, &[("at", &instant(tr, at))])
}

/// A text with the instant of the step and the rule it applies.
fn at_cited(tr: &Tr, key: &str, at: DateTime<Utc>, citation: &Cited) -> String {
    tr.f(key, &[("at", &instant(tr, at)), ("citation", &cite(tr, citation))])
}

/// The policy's title in the reader's language.
fn received(tr: &Tr, at: DateTime<Utc>, title_vi: &str, title_en: &str) -> String {
    let title = if tr.lang() == "en" { title_en } else { title_vi };
    tr.f("deadline.received", &[("at", &instant(tr, at)), ("title", title)])
}

fn outside_office_hours(
    tr: &Tr,
    at: DateTime<Utc>,
    setting: OutsideOfficeHours,
    counted_from: DateTime<Utc>,
    citation: &Cited,
) -> String {
    match setting {
        OutsideOfficeHours::AsReceived => at_cited(tr, "deadline.outside_hours_as_received", at, citation),
        OutsideOfficeHours::NextWorkingDay => tr.f(
            "deadline.outside_hours_next_day",
            &[("at", &instant(tr, at)), ("from", &instant(tr, counted_from)), ("citation", &cite(tr, citation))],
        ),
    }
}

fn hours_text(
    tr: &Tr,
    from: DateTime<Utc>,
    hours: u32,
    until: DateTime<Utc>,
    citation: &Cited,
    counting_citation: &Cited,
) -> String {
    tr.f(
        "deadline.hours",
        &[
            ("hours", &hours.to_string()),
            ("from", &instant(tr, from)),
            ("until", &due(tr, until)),
            ("citation", &cite(tr, citation)),
            ("counting_citation", &cite(tr, counting_citation)),
        ],
    )
}

fn counting_starts(
    tr: &Tr,
    event_at: DateTime<Utc>,
    trigger: EventName,
    first_day: NaiveDate,
    citation: &Cited,
    end_citation: &Cited,
) -> String {
    tr.f(
        "deadline.counting_starts",
        &[
            ("trigger", trigger_day(tr, trigger)),
            ("event_day", &day(tr, local_date(event_at))),
            ("first_day", &day(tr, first_day)),
            ("citation", &cite(tr, citation)),
            ("end_citation", &cite(tr, end_citation)),
        ],
    )
}

fn working_days(
    tr: &Tr,
    count: u32,
    citation: &Cited,
    counted: &[NaiveDate],
    skipped: &[SkippedDay],
    swapped_in: &[(NaiveDate, String)],
) -> String {
    let skipped_text = skipped_list(tr, skipped);
    let key = if skipped_text.is_empty() { "deadline.working_days" } else { "deadline.working_days_skipping" };
    tr.f(
        key,
        &[
            ("count", &count.to_string()),
            ("citation", &cite(tr, citation)),
            ("days", &day_list(tr, counted, swapped_in)),
            ("skipped", &skipped_text),
        ],
    )
}

fn calendar_days(tr: &Tr, count: u32, citation: &Cited, first_day: NaiveDate, last_day: NaiveDate) -> String {
    tr.f(
        "deadline.calendar_days",
        &[
            ("count", &count.to_string()),
            ("citation", &cite(tr, citation)),
            ("first_day", &day(tr, first_day)),
            ("last_day", &day(tr, last_day)),
        ],
    )
}

fn rolled_over(tr: &Tr, from: NaiveDate, to: NaiveDate, skipped: &[SkippedDay], citation: &Cited) -> String {
    tr.f(
        "deadline.rolled_over",
        &[
            ("from", &day(tr, from)),
            ("to", &day(tr, to)),
            ("skipped", &skipped_list(tr, skipped)),
            ("citation", &cite(tr, citation)),
        ],
    )
}

fn clarification_requested(
    tr: &Tr,
    at: DateTime<Utc>,
    effect: ClarificationEffect,
    citation: &Cited,
    late: bool,
) -> String {
    let key = match effect {
        ClarificationEffect::Pause => "deadline.clarification_pause",
        ClarificationEffect::Restart => "deadline.clarification_restart",
    };
    let mut s = at_cited(tr, key, at, citation);
    if late {
        s.push(' ');
        s.push_str(tr.t("deadline.clarification_late"));
    }
    s
}

fn resumed(tr: &Tr, at: DateTime<Utc>, remaining: &Remaining, citation: &Cited) -> String {
    let at = instant(tr, at);
    let citation = &cite(tr, citation);
    match remaining {
        Remaining::Time { seconds, until } => tr.f(
            "deadline.resumed_time",
            &[("at", &at), ("remaining", &duration(tr, *seconds)), ("until", &due(tr, *until)), ("citation", citation)],
        ),
        Remaining::Nothing { until } => {
            tr.f("deadline.resumed_nothing", &[("at", &at), ("until", &due(tr, *until)), ("citation", citation)])
        }
        Remaining::WorkingDays(n) | Remaining::CalendarDays(n) => {
            let u = if matches!(remaining, Remaining::WorkingDays(_)) { Unit::WorkingDays } else { Unit::CalendarDays };
            tr.f(
                "deadline.resumed_days",
                &[("at", &at), ("count", &n.to_string()), ("unit", unit(tr, u)), ("citation", citation)],
            )
        }
    }
}

fn marked_complex(
    tr: &Tr,
    at: DateTime<Utc>,
    received_at: DateTime<Utc>,
    notice_until: DateTime<Utc>,
    citation: &Cited,
) -> String {
    tr.f(
        "deadline.marked_complex",
        &[
            ("at", &instant(tr, at)),
            ("until", &due(tr, notice_until)),
            ("received", &instant(tr, received_at)),
            ("citation", &cite(tr, citation)),
        ],
    )
}

fn complex_notice_late(tr: &Tr, at: DateTime<Utc>, notice_until: DateTime<Utc>, citation: &Cited) -> String {
    tr.f(
        "deadline.complex_late",
        &[("at", &instant(tr, at)), ("until", &due(tr, notice_until)), ("citation", &cite(tr, citation))],
    )
}

fn ignored(tr: &Tr, at: DateTime<Utc>, event: EventName, reason: IgnoredReason) -> String {
    let reason_key = match reason {
        IgnoredReason::BeforeReceipt => "deadline.ignored_reason.before_receipt",
        IgnoredReason::AlreadyReceived => "deadline.ignored_reason.already_received",
        IgnoredReason::AfterStop => "deadline.ignored_reason.after_stop",
        IgnoredReason::NotAwaitingClarification => "deadline.ignored_reason.not_awaiting_clarification",
        IgnoredReason::AlreadyAwaitingClarification => "deadline.ignored_reason.already_awaiting_clarification",
        IgnoredReason::AlreadyComplex => "deadline.ignored_reason.already_complex",
    };
    let event_key = format!("deadline.event.{}", event.as_str());
    tr.f(
        "deadline.ignored",
        &[
            ("event", tr.get(&event_key).unwrap_or(event.as_str())),
            ("at", &instant(tr, at)),
            ("reason", tr.t(reason_key)),
        ],
    )
}

fn no_due_instant(tr: &Tr, reason: &NoDueReason) -> String {
    match reason {
        NoDueReason::AwaitingClarification { since } => tr.f("deadline.awaiting", &[("since", &instant(tr, *since))]),
        NoDueReason::StoppedWhileAwaiting { since, stopped_at } => tr.f(
            "deadline.stopped_while_awaiting",
            &[("since", &instant(tr, *since)), ("at", &instant(tr, *stopped_at))],
        ),
        NoDueReason::NotReceived => tr.t("deadline.not_received").to_string(),
    }
}

pub fn steps_text(deadline: &Deadline, tr: &Tr) -> Vec<String> {
    deadline.steps.iter().map(|s| step_text(s, tr)).collect()
}

/// One rule a step applies, for the API: its basis and citation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct RuleView {
    pub basis: Basis,
    pub citation: String,
}

/// One step of the explanation with the rules it applies (the API's `step_details`, parallel to its
/// `steps`): `basis` is the basis of the step's principal rule, None for a step that applies none.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct StepDetail {
    pub text: String,
    pub basis: Option<Basis>,
    pub rules: Vec<RuleView>,
}

pub fn step_details(deadline: &Deadline, tr: &Tr) -> Vec<StepDetail> {
    deadline
        .steps
        .iter()
        .map(|s| {
            let rules: Vec<RuleView> =
                s.rules().into_iter().map(|r| RuleView { basis: r.basis, citation: r.citation.clone() }).collect();
            StepDetail { text: step_text(s, tr), basis: rules.first().map(|r| r.basis), rules }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::account::Locale;
    use crate::domain::calendar::Calendar;
    use crate::domain::deadline::{ClockEvent, compute};
    use crate::domain::kind::RequestKind;
    use crate::domain::policy::PolicySet;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn explain(kind: RequestKind, events: &[ClockEvent], locale: Locale) -> Vec<String> {
        let policy = PolicySet::embedded().in_force(events[0].at());
        steps_text(&compute(policy, &Calendar::embedded(), kind, None, events), &Tr::new(locale))
    }

    #[test]
    fn the_design_example_reads_as_intended() {
        let lines = explain(
            RequestKind::Information,
            &[ClockEvent::Received { at: at("2026-04-24T14:05:00+07:00") }],
            Locale::En,
        );
        assert_eq!(lines.len(), 4, "{lines:#?}");
        assert!(lines[0].contains("Fri 24/04/2026 14:05"), "{}", lines[0]);
        assert!(lines[1].contains("Sat 25/04/2026") && lines[1].contains("Điều 147"), "{}", lines[1]);
        assert!(lines[2].contains("Tue 28/04/2026, Wed 29/04/2026 and Mon 04/05/2026"), "{}", lines[2]);
        assert!(lines[2].contains("Mon 27/04/2026 (Nghỉ bù Giỗ Tổ Hùng Vương)"), "{}", lines[2]);
        assert!(lines[2].contains("Thu 30/04/2026 (Ngày Chiến thắng)"), "{}", lines[2]);
        assert!(lines[2].contains("weekend"), "{}", lines[2]);
        assert!(lines[2].contains("Điều 30(3)"), "{}", lines[2]);
        assert_eq!(lines[3], "Due Mon 04/05/2026 24:00 (Vietnam time).");
        let vi = explain(
            RequestKind::Information,
            &[ClockEvent::Received { at: at("2026-04-24T14:05:00+07:00") }],
            Locale::Vi,
        );
        assert!(vi[3].contains("thứ Hai 04/05/2026 24:00"), "{}", vi[3]);
    }

    #[test]
    fn every_step_has_a_text_in_both_languages() {
        let r = at("2026-02-10T10:00:00+07:00");
        let h = |n: i64| r + Duration::hours(n);
        let cases: Vec<(RequestKind, Vec<ClockEvent>)> = vec![
            (
                RequestKind::Event,
                vec![
                    ClockEvent::Received { at: r },
                    ClockEvent::ClarificationRequested { at: h(2) },
                    ClockEvent::Clarified { at: h(5) },
                    ClockEvent::MarkedComplex { at: h(6) },
                    ClockEvent::Extended { at: h(7) },
                ],
            ),
            (
                RequestKind::Information,
                vec![
                    ClockEvent::Clarified { at: r },
                    ClockEvent::Received { at: r },
                    ClockEvent::Received { at: h(1) },
                    ClockEvent::ClarificationRequested { at: h(2) },
                    ClockEvent::ClarificationRequested { at: h(3) },
                    ClockEvent::Clarified { at: h(4) },
                    ClockEvent::MarkedComplex { at: h(5) },
                    ClockEvent::MarkedComplex { at: h(6) },
                    ClockEvent::Extended { at: h(7) },
                    ClockEvent::Extended { at: h(8) },
                    ClockEvent::Transferred { at: h(9) },
                    ClockEvent::MarkedComplex { at: h(24 * 20) },
                    ClockEvent::Extended { at: h(24 * 30) },
                    ClockEvent::ResponseOrdered { at: h(24 * 31), due_at: h(24 * 33) },
                    ClockEvent::ClarificationRequested { at: h(24 * 40) },
                    ClockEvent::Stopped { at: h(24 * 41) },
                    ClockEvent::Clarified { at: h(24 * 42) },
                ],
            ),
            (
                RequestKind::PressReply,
                vec![
                    ClockEvent::Received { at: r },
                    ClockEvent::ClarificationRequested { at: h(30) },
                    ClockEvent::Clarified { at: h(100) },
                    ClockEvent::Stopped { at: h(200) },
                ],
            ),
            (RequestKind::Complaint, vec![ClockEvent::Received { at: at("2028-01-10T10:00:00+07:00") }]),
            // Outside office hours, an extension after the due instant, one after the Department's order.
            (
                RequestKind::Information,
                vec![
                    ClockEvent::Received { at: at("2026-03-06T23:00:00+07:00") },
                    ClockEvent::Extended { at: at("2026-03-20T10:00:00+07:00") },
                    ClockEvent::ResponseOrdered {
                        at: at("2026-03-21T10:00:00+07:00"),
                        due_at: at("2026-03-25T00:00:00+07:00"),
                    },
                    ClockEvent::Extended { at: at("2026-03-22T10:00:00+07:00") },
                ],
            ),
        ];
        for locale in [Locale::Vi, Locale::En] {
            for (kind, events) in &cases {
                for line in explain(*kind, events, locale) {
                    assert!(!line.contains("deadline.") && !line.contains('{'), "{line}");
                    assert!(!line.contains("  "), "{line}");
                }
            }
        }
    }
}
