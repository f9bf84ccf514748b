//! Deadline explanations in words, in the reader's language (texts in
//! locales/deadline.*.toml). Dates are dd/mm/yyyy with the weekday, times
//! HH:mm in Vietnam's time; a due instant at local midnight is written as
//! 24:00 of the day that ends, as the law counts it.

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc, Weekday};

use crate::domain::calendar::{DayKind, local_date};
use crate::domain::deadline::{Deadline, IgnoredReason, NoDueReason, Remaining, SkippedDay, Step};
use crate::domain::policy::{ClarificationEffect, Unit};
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

pub fn step_text(step: &Step, tr: &Tr) -> String {
    match step {
        Step::Received { at, policy_version } => {
            tr.f("deadline.received", &[("at", &instant(tr, *at)), ("version", policy_version)])
        }
        Step::Hours { from, hours, until, citation, counting_citation } => tr.f(
            "deadline.hours",
            &[
                ("hours", &hours.to_string()),
                ("from", &instant(tr, *from)),
                ("until", &due(tr, *until)),
                ("citation", citation),
                ("counting_citation", counting_citation),
            ],
        ),
        Step::CountingStartsNextDay { event_at, first_day, citation, end_citation } => tr.f(
            "deadline.counting_starts",
            &[
                ("event_day", &day(tr, local_date(*event_at))),
                ("first_day", &day(tr, *first_day)),
                ("citation", citation),
                ("end_citation", end_citation),
            ],
        ),
        Step::WorkingDays { count, citation, counted, skipped, swapped_in } => {
            let skipped_text = skipped_list(tr, skipped);
            let key = if skipped_text.is_empty() { "deadline.working_days" } else { "deadline.working_days_skipping" };
            tr.f(
                key,
                &[
                    ("count", &count.to_string()),
                    ("citation", citation),
                    ("days", &day_list(tr, counted, swapped_in)),
                    ("skipped", &skipped_text),
                ],
            )
        }
        Step::CalendarDays { count, citation, first_day, last_day } => tr.f(
            "deadline.calendar_days",
            &[
                ("count", &count.to_string()),
                ("citation", citation),
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
                ("citation", citation),
            ],
        ),
        Step::UnconfirmedCalendar { year } => tr.f("deadline.unconfirmed_calendar", &[("year", &year.to_string())]),
        Step::ClarificationRequested { at, effect, citation, late } => {
            let key = match effect {
                ClarificationEffect::Pause => "deadline.clarification_pause",
                ClarificationEffect::Restart => "deadline.clarification_restart",
            };
            let mut s = tr.f(key, &[("at", &instant(tr, *at)), ("citation", citation)]);
            if *late {
                s.push(' ');
                s.push_str(tr.t("deadline.clarification_late"));
            }
            s
        }
        Step::Resumed { at, remaining, citation } => {
            let at = instant(tr, *at);
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
            &[("at", &instant(tr, *at)), ("citation", citation)],
        ),
        Step::MarkedComplex { at, received_at, notice_until, citation } => tr.f(
            "deadline.marked_complex",
            &[
                ("at", &instant(tr, *at)),
                ("until", &due(tr, *notice_until)),
                ("received", &instant(tr, *received_at)),
                ("citation", citation),
            ],
        ),
        Step::ComplexNoticeLate { at, notice_until, citation } => tr.f(
            "deadline.complex_late",
            &[("at", &instant(tr, *at)), ("until", &due(tr, *notice_until)), ("citation", citation)],
        ),
        Step::NoComplexRule { at } => tr.f("deadline.no_complex_rule", &[("at", &instant(tr, *at))]),
        Step::Extended { at, number, max_count, limit, unit: u, previous_due, after_due, citation } => tr.f(
            if *after_due { "deadline.extended_late" } else { "deadline.extended" },
            &[
                ("at", &instant(tr, *at)),
                ("number", &number.to_string()),
                ("max", &max_count.to_string()),
                ("limit", &limit.to_string()),
                ("unit", unit(tr, *u)),
                ("previous", &due(tr, *previous_due)),
                ("citation", citation),
            ],
        ),
        Step::ExtensionRefused { at, max_count, citation } => tr.f(
            "deadline.extension_refused",
            &[("at", &instant(tr, *at)), ("max", &max_count.to_string()), ("citation", citation)],
        ),
        Step::NoExtensionRule { at } => tr.f("deadline.no_extension_rule", &[("at", &instant(tr, *at))]),
        Step::Transferred { at, citation } => {
            tr.f("deadline.transferred", &[("at", &instant(tr, *at)), ("citation", citation)])
        }
        Step::ResponseOrdered { at, due_at } => {
            tr.f("deadline.response_ordered", &[("at", &instant(tr, *at)), ("due", &due(tr, *due_at))])
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
