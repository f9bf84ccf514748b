use chrono::{DateTime, Duration, NaiveDate, Utc};
use proptest::prelude::*;

use super::*;
use crate::domain::calendar::{Calendar, end_of_local_day};
use crate::domain::policy::PolicySet;

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn pack() -> &'static PolicyPack {
    PolicySet::embedded().version("2017-decree-09").unwrap()
}

/// The shipped pack with receipts outside office hours counted from the next opening.
fn next_opening_pack() -> &'static PolicyPack {
    static SET: std::sync::OnceLock<PolicySet> = std::sync::OnceLock::new();
    let set = SET.get_or_init(|| {
        let text = include_str!("../../../policy/2017-decree-09.toml").replacen(
            "outside_office_hours = \"as_received\"",
            "outside_office_hours = \"next_working_day\"",
            1,
        );
        PolicySet::from_texts(&[&text]).unwrap()
    });
    &set.packs[0]
}

fn run(kind: RequestKind, events: &[ClockEvent]) -> Deadline {
    compute(pack(), &Calendar::embedded(), kind, None, events)
}

#[test]
fn the_design_example_has_its_steps() {
    let dl = run(RequestKind::Information, &[ClockEvent::Received { at: at("2026-04-24T14:05:00+07:00") }]);
    assert_eq!(dl.due_at, Some(end_of_local_day(d(2026, 5, 4))));
    assert_eq!(dl.policy_version, "2017-decree-09");
    match &dl.steps[..] {
        [
            Step::Received { .. },
            Step::CountingStartsNextDay { first_day, .. },
            Step::WorkingDays { counted, skipped, .. },
            Step::Due { at },
        ] => {
            assert_eq!(*first_day, d(2026, 4, 25));
            assert_eq!(counted, &[d(2026, 4, 28), d(2026, 4, 29), d(2026, 5, 4)]);
            let holidays: Vec<_> =
                skipped.iter().filter(|s| matches!(s.kind, DayKind::Holiday(_))).map(|s| s.date).collect();
            assert_eq!(holidays, [d(2026, 4, 27), d(2026, 4, 30), d(2026, 5, 1)]);
            assert_eq!(Some(*at), dl.due_at);
        }
        other => panic!("{other:#?}"),
    }
    assert!(!dl.is_paused());
    assert!(dl.unconfirmed_years().is_empty());
}

#[test]
fn no_receipt_means_no_due_instant() {
    let dl = run(RequestKind::Information, &[]);
    assert_eq!(dl.due_at, None);
    assert_eq!(dl.steps, [Step::NoDueInstant { reason: NoDueReason::NotReceived }]);
    let dl = run(RequestKind::Information, &[ClockEvent::Extended { at: at("2026-04-24T14:05:00+07:00") }]);
    assert!(matches!(dl.steps[0], Step::Ignored { reason: IgnoredReason::BeforeReceipt, .. }));
}

#[test]
fn events_are_taken_in_time_order() {
    let r = at("2026-03-02T09:00:00+07:00");
    let forward = [ClockEvent::Received { at: r }, ClockEvent::ClarificationRequested { at: r + Duration::hours(1) }];
    let backward = [forward[1].clone(), forward[0].clone()];
    assert_eq!(run(RequestKind::Event, &forward), run(RequestKind::Event, &backward));
}

#[test]
fn helpers_for_reminders_escalation_and_review() {
    let due = end_of_local_day(d(2026, 5, 4));
    let r = reminder_instants(pack(), RequestKind::Event, None, due);
    assert_eq!(r, [due - Duration::hours(6), due - Duration::hours(1)]);
    assert_eq!(escalation_at(pack(), RequestKind::Event, None, due), due);
    assert_eq!(escalation_at(pack(), RequestKind::Information, None, due), due + Duration::hours(24));
    let cal = Calendar::embedded();
    // Escalated Fri 24/4/2026: 5 working days = Tue 28, Wed 29, Mon 4/5, Tue 5/5, Wed 6/5.
    assert_eq!(department_review_due(pack(), &cal, at("2026-04-24T10:00:00+07:00")), end_of_local_day(d(2026, 5, 6)));
    // Answered Wed 1/4/2026: 30 days = Fri 1/5 (holiday) -> Sat, Sun -> Mon 4/5.
    assert_eq!(complaint_window_until(pack(), &cal, at("2026-04-01T10:00:00+07:00")), end_of_local_day(d(2026, 5, 4)));
    assert_eq!(due_day(end_of_local_day(d(2026, 5, 4))), d(2026, 5, 4));
}

#[test]
fn the_complex_window_moves_with_a_transfer() {
    let r = at("2026-03-02T09:00:00+07:00"); // Monday
    let cal = Calendar::embedded();
    let first = complex_notice_until(pack(), &cal, RequestKind::Information, None, r);
    assert_eq!(first, Some(end_of_local_day(d(2026, 3, 5))));
    let t = at("2026-03-04T09:00:00+07:00");
    let events = [ClockEvent::Received { at: r }, ClockEvent::Transferred { at: t }];
    assert_eq!(
        complex_notice_until_after(pack(), &cal, RequestKind::Information, None, &default_office_hours(), &events),
        Some(end_of_local_day(d(2026, 3, 9)))
    );
    assert_eq!(complex_notice_until(pack(), &cal, RequestKind::Event, None, r), None);
}

#[test]
fn a_late_pause_gives_no_time_back() {
    let r = at("2026-03-02T09:00:00+07:00");
    let events = [
        ClockEvent::Received { at: r },
        ClockEvent::ClarificationRequested { at: r + Duration::hours(30) },
        ClockEvent::Clarified { at: r + Duration::hours(40) },
    ];
    let dl = run(RequestKind::Event, &events);
    assert_eq!(dl.due_at, Some(r + Duration::hours(24)));
    assert!(dl.steps.iter().any(|s| matches!(s, Step::ClarificationRequested { late: true, .. })));
    assert!(dl.steps.iter().any(|s| matches!(s, Step::Resumed { remaining: Remaining::Nothing { .. }, .. })));
}

#[test]
fn a_calendar_day_pause_keeps_the_nominal_last_day() {
    // Press reply received Fri 16/1/2026: 30 days -> Sun 15/2 (Tết break) -> rolled to Mon 23/2.
    let r = at("2026-01-16T10:00:00+07:00");
    let base = run(RequestKind::PressReply, &[ClockEvent::Received { at: r }]);
    assert_eq!(base.due_at, Some(end_of_local_day(d(2026, 2, 23))));
    // Paused on 26/1, resumed on 28/1: 20 days left from 26/1 to the nominal 15/2 -> 17/2 -> rolled to 23/2.
    let events = [
        ClockEvent::Received { at: r },
        ClockEvent::ClarificationRequested { at: at("2026-01-26T10:00:00+07:00") },
        ClockEvent::Clarified { at: at("2026-01-28T10:00:00+07:00") },
    ];
    let dl = run(RequestKind::PressReply, &events);
    assert!(dl.steps.iter().any(|s| matches!(s, Step::Resumed { remaining: Remaining::CalendarDays(20), .. })));
    assert_eq!(dl.due_at, Some(end_of_local_day(d(2026, 2, 23))));
}

fn kind_strategy() -> impl Strategy<Value = RequestKind> {
    prop_oneof![
        Just(RequestKind::Event),
        Just(RequestKind::Information),
        Just(RequestKind::PressReply),
        Just(RequestKind::Complaint)
    ]
}

fn day_kind_strategy() -> impl Strategy<Value = RequestKind> {
    prop_oneof![Just(RequestKind::Information), Just(RequestKind::PressReply), Just(RequestKind::Complaint)]
}

/// An instant between 2025 and the end of 2030, to the minute.
fn instant_strategy() -> impl Strategy<Value = DateTime<Utc>> {
    (0i64..(6 * 366 * 24 * 60)).prop_map(|m| at("2025-01-01T00:00:00+07:00") + Duration::minutes(m))
}

/// Events after a receipt, at increasing offsets; `ordered` allows a Department's order.
fn events_strategy(ordered: bool) -> impl Strategy<Value = Vec<ClockEvent>> {
    let n = if ordered { 8 } else { 7 };
    (instant_strategy(), prop::collection::vec((0u8..n, 1i64..(10 * 24 * 60)), 0..8)).prop_map(|(r, steps)| {
        let mut t = r;
        let mut events = vec![ClockEvent::Received { at: r }];
        for (k, gap) in steps {
            t += Duration::minutes(gap);
            events.push(match k {
                0 => ClockEvent::ClarificationRequested { at: t },
                1 => ClockEvent::Clarified { at: t },
                2 => ClockEvent::MarkedComplex { at: t },
                3 => ClockEvent::Extended { at: t },
                4 => ClockEvent::Transferred { at: t },
                5 => ClockEvent::Stopped { at: t },
                6 => ClockEvent::Received { at: t },
                _ => ClockEvent::ResponseOrdered { at: t, due_at: t + Duration::minutes(gap * 3) },
            });
        }
        events
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn a_day_based_due_date_is_the_end_of_a_working_day(kind in day_kind_strategy(), events in events_strategy(false)) {
        let cal = Calendar::embedded();
        let dl = compute(pack(), &cal, kind, None, &events);
        if let Some(due) = dl.due_at {
            let day = due_day(due);
            prop_assert_eq!(due, end_of_local_day(day));
            prop_assert!(cal.is_working_day(day), "{} {:?}", day, cal.day_kind(day));
        }
    }

    #[test]
    fn a_later_filing_is_never_due_earlier(
        kind in kind_strategy(), t in instant_strategy(), later in 0i64..(20 * 24 * 60), agency in prop::bool::ANY
    ) {
        let cal = Calendar::embedded();
        let agency = agency.then_some("TNG/SYT");
        let due = |at| compute(pack(), &cal, kind, agency, &[ClockEvent::Received { at }]).due_at.unwrap();
        prop_assert!(due(t) <= due(t + Duration::minutes(later)));
    }

    #[test]
    fn the_explanation_always_ends_at_the_due_instant(kind in kind_strategy(), events in events_strategy(true)) {
        let dl = compute(pack(), &Calendar::embedded(), kind, None, &events);
        match (dl.steps.last(), dl.due_at) {
            (Some(Step::Due { at }), Some(due)) => prop_assert_eq!(*at, due),
            (Some(Step::NoDueInstant { reason: NoDueReason::AwaitingClarification { .. } }), None) => {
                prop_assert!(dl.is_paused())
            }
            (Some(Step::NoDueInstant { reason: NoDueReason::StoppedWhileAwaiting { .. } }), None) => {
                prop_assert!(!dl.is_paused())
            }
            (last, due) => prop_assert!(false, "last step {:?} with due {:?}", last, due),
        }
        // Only the last step states the final due instant.
        let finals = dl.steps.iter().filter(|s| matches!(s, Step::Due { .. } | Step::NoDueInstant { .. })).count();
        prop_assert_eq!(finals, 1);
    }

    #[test]
    fn a_due_instant_is_never_before_the_receipt(kind in kind_strategy(), events in events_strategy(false)) {
        let dl = compute(pack(), &Calendar::embedded(), kind, None, &events);
        if let Some(due) = dl.due_at {
            prop_assert!(due > events[0].at());
        }
    }
    #[test]
    fn an_extension_after_the_due_instant_or_an_order_changes_nothing(
        kind in kind_strategy(), events in events_strategy(true), gap in 1i64..(5 * 24 * 60)
    ) {
        let cal = Calendar::embedded();
        let before = compute(pack(), &cal, kind, None, &events);
        let Some(due) = before.due_at else { return Ok(()) };
        let last = events.iter().map(ClockEvent::at).max().unwrap();
        let late = due.max(last) + Duration::minutes(gap);
        let mut more = events.clone();
        more.push(ClockEvent::Extended { at: late });
        prop_assert_eq!(compute(pack(), &cal, kind, None, &more).due_at, Some(due));
        if before.ordered {
            let mut early = events.clone();
            early.push(ClockEvent::Extended { at: last });
            prop_assert_eq!(compute(pack(), &cal, kind, None, &early).due_at, Some(due));
        }
    }

    #[test]
    fn counting_from_the_next_opening_is_never_earlier_and_keeps_later_filings_later(
        kind in kind_strategy(), t in instant_strategy(), later in 0i64..(5 * 24 * 60)
    ) {
        let cal = Calendar::embedded();
        let due = |p, at| compute(p, &cal, kind, None, &[ClockEvent::Received { at }]).due_at.unwrap();
        let t2 = t + Duration::minutes(later);
        prop_assert!(due(next_opening_pack(), t) >= due(pack(), t));
        prop_assert!(due(next_opening_pack(), t) <= due(next_opening_pack(), t2));
        if kind == RequestKind::Event {
            prop_assert_eq!(due(next_opening_pack(), t), due(pack(), t), "hours run from the moment");
        }
    }
}
