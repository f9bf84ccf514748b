//! Deadline explanations in words, in the reader's language (texts in
//! locales/deadline.*.toml). Dates are dd/mm/yyyy with the weekday, times
//! HH:mm in Vietnam's time; a due instant at local midnight is written as
//! 24:00 of the day that ends, as the law counts it.
//!
//! Each rule is cited after its basis, worded so that nobody takes a choice of this service for a legal
//! duty: "theo …" (law), "áp dụng tương tự …" (a law by analogy), "quy tắc của hệ thống, không phải quy
//! định pháp luật: …" (a rule of the service), and in English "under …", "by analogy with …", "a rule of
//! this service, not a legal requirement: …".

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc, Weekday};
use serde::Serialize;

use crate::domain::calendar::{DayKind, local_date};
use crate::domain::deadline::{Deadline, EventName, IgnoredReason, NoDueReason, Remaining, SkippedDay, Step};
use crate::domain::policy::{Basis, Cited, ClarificationEffect, OutsideOfficeHours, Unit};
use crate::i18n::Tr;

/// More counted days than this are written as a range.
const MAX_LISTED_DAYS: usize = 6;

fn weekday(tr: &Tr, date: NaiveDate) -> &'static str {
    let key = match date.weekday() {
        Weekday::Mon => "deadline.weekday.mon",
        Weekday::Tue => "deadline.weekday.tue",
        Weekday::Wed => "deadline.weekday.wed",
        Weekday::Thu => "deadline.weekday.thu",
        Weekday::Fri => "deadline.weekday.fri",
        Weekday::Sat => "deadline.weekday.sat",
        Weekday::Sun => "deadline.weekday.sun",
    };
    tr.get(key).unwrap_or("")
}

/// "Fri 24/04/2026".
fn day(tr: &Tr, date: NaiveDate) -> String {
    format!("{} {}", weekday(tr, date), date.format("%d/%m/%Y"))
}

/// "Fri 24/04/2026 14:05" (Vietnam time).
fn instant(tr: &Tr, at: DateTime<Utc>) -> String {
    format!("{} {}", weekday(tr, local_date(at)), tr.datetime(at))
}

/// Like `instant`, but local midnight is "24:00" of the day that ends.
fn due(tr: &Tr, at: DateTime<Utc>) -> String {
    let local = local_date(at);
    if crate::domain::calendar::start_of_local_day(local) == at {
        let d = local - Duration::days(1);
        format!("{} 24:00", day(tr, d))
    } else {
        instant(tr, at)
    }
}

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

fn unit(tr: &Tr, u: Unit) -> &'static str {
    let key = match u {
        Unit::Hours => "deadline.unit.hours",
        Unit::WorkingDays => "deadline.unit.working_days",
        Unit::CalendarDays => "deadline.unit.calendar_days",
    };
    tr.get(key).unwrap_or("")
}

/// "a, b and c".
fn join(tr: &Tr, items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{}{}{}", rest.join(", "), tr.t("deadline.and"), last),
    }
}

/// The days counted, a swapped-in working day with its name.
fn day_list(tr: &Tr, days: &[NaiveDate], swapped_in: &[(NaiveDate, String)]) -> String {
    let show = |d: &NaiveDate| match swapped_in.iter().find(|(s, _)| s == d) {
        Some((_, name)) => format!("{} ({name})", day(tr, *d)),
        None => day(tr, *d),
    };
    match days {
        [first, .., last] if days.len() > MAX_LISTED_DAYS => {
            let range = tr.f(
                "deadline.days_range",
                &[("first", &day(tr, *first)), ("last", &day(tr, *last)), ("count", &days.len().to_string())],
            );
            if swapped_in.is_empty() {
                range
            } else {
                let named: Vec<String> = swapped_in.iter().map(|(d, _)| show(d)).collect();
                format!("{range} {}", tr.f("deadline.including", &[("days", &join(tr, &named))]))
            }
        }
        _ => join(tr, &days.iter().map(show).collect::<Vec<_>>()),
    }
}

/// Holidays grouped by runs of consecutive days with the same name, then the weekend if any.
fn skipped_list(tr: &Tr, skipped: &[SkippedDay]) -> String {
    let mut runs: Vec<(NaiveDate, NaiveDate, &str)> = Vec::new();
    let mut weekend_days = 0;
    for s in skipped {
        match &s.kind {
            DayKind::Holiday(name) => match runs.last_mut() {
                Some((_, end, n)) if *n == name.as_str() && end.succ_opt() == Some(s.date) => *end = s.date,
                _ => runs.push((s.date, s.date, name.as_str())),
            },
            DayKind::Weekend => weekend_days += 1,
            DayKind::Working | DayKind::SwappedWorkingDay(_) => {}
        }
    }
    let mut items: Vec<String> = runs
        .into_iter()
        .map(|(a, b, name)| {
            let dates = if a == b { day(tr, a) } else { format!("{} – {}", day(tr, a), day(tr, b)) };
            format!("{dates} ({name})")
        })
        .collect();
    if weekend_days > 0 {
        items.push(tr.t(if weekend_days <= 2 { "deadline.the_weekend" } else { "deadline.weekends" }).to_string());
    }
    join(tr, &items)
}

fn duration(tr: &Tr, seconds: i64) -> String {
    let minutes = seconds / 60;
    tr.f("deadline.duration", &[("hours", &(minutes / 60).to_string()), ("minutes", &(minutes % 60).to_string())])
}

/// A rule's citation after the words of its basis: "theo Bộ luật Dân sự 2015, Điều 147(3)".
pub fn cite(tr: &Tr, rule: &Cited) -> String {
    tr.f(&format!("deadline.basis.{}", rule.basis.as_str()), &[("citation", &rule.citation)])
}

/// The trigger of a count in days, as the day it names: "ngày nhận", "ngày làm rõ", "ngày chuyển".
fn trigger_day(tr: &Tr, trigger: EventName) -> &'static str {
    let key = match trigger {
        EventName::Clarified => "deadline.trigger.clarified",
        EventName::Transferred => "deadline.trigger.transferred",
        _ => "deadline.trigger.received",
    };
    tr.get(key).unwrap_or("")
}

pub fn step_text(step: &Step, tr: &Tr) -> String {
    match step {
        Step::Received { at, policy_title_vi, policy_title_en, .. } => {
            let title = if tr.lang() == "en" { policy_title_en } else { policy_title_vi };
            tr.f("deadline.received", &[("at", &instant(tr, *at)), ("title", title)])
        }
        Step::OutsideOfficeHours { at, setting, counted_from, citation } => match setting {
            OutsideOfficeHours::AsReceived => tr.f(
                "deadline.outside_hours_as_received",
                &[("at", &instant(tr, *at)), ("citation", &cite(tr, citation))],
            ),
            OutsideOfficeHours::NextWorkingDay => tr.f(
                "deadline.outside_hours_next_day",
                &[("at", &instant(tr, *at)), ("from", &instant(tr, *counted_from)), ("citation", &cite(tr, citation))],
            ),
        },
        Step::Hours { from, hours, until, citation, counting_citation } => tr.f(
            "deadline.hours",
            &[
                ("hours", &hours.to_string()),
                ("from", &instant(tr, *from)),
                ("until", &due(tr, *until)),
                ("citation", &cite(tr, citation)),
                ("counting_citation", &cite(tr, counting_citation)),
            ],
        ),
        Step::CountingStartsNextDay { event_at, trigger, first_day, citation, end_citation } => tr.f(
            "deadline.counting_starts",
            &[
                ("trigger", trigger_day(tr, *trigger)),
                ("event_day", &day(tr, local_date(*event_at))),
                ("first_day", &day(tr, *first_day)),
                ("citation", &cite(tr, citation)),
                ("end_citation", &cite(tr, end_citation)),
            ],
        ),
        Step::WorkingDays { count, citation, counted, skipped, swapped_in } => {
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
        Step::CalendarDays { count, citation, first_day, last_day } => tr.f(
            "deadline.calendar_days",
            &[
                ("count", &count.to_string()),
                ("citation", &cite(tr, citation)),
                ("first_day", &day(tr, *first_day)),
                ("last_day", &day(tr, *last_day)),
            ],
        ),
        Step::RolledOver { from, to, skipped, citation } => tr.f(
            "deadline.rolled_over",
            &[
                ("from", &day(tr, *from)),
                ("to", &day(tr, *to)),
                ("skipped", &skipped_list(tr, skipped)),
                ("citation", &cite(tr, citation)),
            ],
        ),
        Step::UnconfirmedCalendar { year, source } => {
            tr.f("deadline.unconfirmed_calendar", &[("year", &year.to_string()), ("source", source)])
        }
        Step::ClarificationRequested { at, effect, citation, late } => {
            let key = match effect {
                ClarificationEffect::Pause => "deadline.clarification_pause",
                ClarificationEffect::Restart => "deadline.clarification_restart",
            };
            let mut s = tr.f(key, &[("at", &instant(tr, *at)), ("citation", &cite(tr, citation))]);
            if *late {
                s.push(' ');
                s.push_str(tr.t("deadline.clarification_late"));
            }
            s
        }
        Step::Resumed { at, remaining, citation } => {
            let at = instant(tr, *at);
            let citation = &cite(tr, citation);
            match remaining {
                Remaining::Time { seconds, until } => tr.f(
                    "deadline.resumed_time",
                    &[
                        ("at", &at),
                        ("remaining", &duration(tr, *seconds)),
                        ("until", &due(tr, *until)),
                        ("citation", citation),
                    ],
                ),
                Remaining::Nothing { until } => tr
                    .f("deadline.resumed_nothing", &[("at", &at), ("until", &due(tr, *until)), ("citation", citation)]),
                Remaining::WorkingDays(n) | Remaining::CalendarDays(n) => {
                    let u = if matches!(remaining, Remaining::WorkingDays(_)) {
                        Unit::WorkingDays
                    } else {
                        Unit::CalendarDays
                    };
                    tr.f(
                        "deadline.resumed_days",
                        &[("at", &at), ("count", &n.to_string()), ("unit", unit(tr, u)), ("citation", citation)],
                    )
                }
            }
        }
        Step::Restarted { at, complex, citation } => tr.f(
            if *complex { "deadline.restarted_complex" } else { "deadline.restarted" },
            &[("at", &instant(tr, *at)), ("citation", &cite(tr, citation))],
        ),
        Step::MarkedComplex { at, received_at, notice_until, citation } => tr.f(
            "deadline.marked_complex",
            &[
                ("at", &instant(tr, *at)),
                ("until", &due(tr, *notice_until)),
                ("received", &instant(tr, *received_at)),
                ("citation", &cite(tr, citation)),
            ],
        ),
        Step::ComplexNoticeLate { at, notice_until, citation } => tr.f(
            "deadline.complex_late",
            &[("at", &instant(tr, *at)), ("until", &due(tr, *notice_until)), ("citation", &cite(tr, citation))],
        ),
        Step::NoComplexRule { at } => tr.f("deadline.no_complex_rule", &[("at", &instant(tr, *at))]),
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
        Step::NoExtensionRule { at } => tr.f("deadline.no_extension_rule", &[("at", &instant(tr, *at))]),
        Step::Transferred { at, citation } => {
            tr.f("deadline.transferred", &[("at", &instant(tr, *at)), ("citation", &cite(tr, citation))])
        }
        Step::ResponseOrdered { at, due_at } => {
            tr.f("deadline.response_ordered", &[("at", &instant(tr, *at)), ("due_by", &due_by(tr, *due_at))])
        }
        Step::Stopped { at, due_at: Some(d) } => {
            tr.f("deadline.stopped", &[("at", &instant(tr, *at)), ("due", &due(tr, *d))])
        }
        Step::Stopped { at, due_at: None } => tr.f("deadline.stopped_paused", &[("at", &instant(tr, *at))]),
        Step::Ignored { at, event, reason } => {
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
                    ("at", &instant(tr, *at)),
                    ("reason", tr.t(reason_key)),
                ],
            )
        }
        Step::Due { at } => tr.f("deadline.due", &[("due", &due(tr, *at))]),
        Step::NoDueInstant { reason: NoDueReason::AwaitingClarification { since } } => {
            tr.f("deadline.awaiting", &[("since", &instant(tr, *since))])
        }
        Step::NoDueInstant { reason: NoDueReason::StoppedWhileAwaiting { since, stopped_at } } => tr.f(
            "deadline.stopped_while_awaiting",
            &[("since", &instant(tr, *since)), ("at", &instant(tr, *stopped_at))],
        ),
        Step::NoDueInstant { reason: NoDueReason::NotReceived } => tr.t("deadline.not_received").to_string(),
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
