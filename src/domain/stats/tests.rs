use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use proptest::prelude::*;
use serde_json::json;

use super::figures::{Count, Tally, percentile, wilson};
use super::period::{Grouping, Period, PeriodError};
use super::*;

fn local(y: i32, m: u32, d: u32, h: u32) -> DateTime<Utc> {
    crate::domain::calendar::vietnam().with_ymd_and_hms(y, m, d, h, 0, 0).unwrap().with_timezone(&Utc)
}

fn facts(
    kind: &str,
    at: DateTime<Utc>,
    data: serde_json::Value,
    earlier: &[(&str, DateTime<Utc>)],
    due: Option<DateTime<Utc>>,
) -> Vec<Fact> {
    let cal = Calendar::embedded();
    let nothing = json!({});
    let earlier: Vec<Happened<'_>> =
        earlier.iter().map(|(k, at)| Happened { kind: k, at: *at, data: &nothing }).collect();
    facts_of(&Happened { kind, at, data: &data }, &earlier, Standing { due_at: due, calendar: &cal })
}

#[test]
fn a_filing_is_received_by_the_agency() {
    let f = facts("file", local(2026, 3, 2, 9), json!({}), &[], None);
    assert_eq!(f, vec![Fact::of(FactKind::Received, "")]);
}

#[test]
fn a_transfer_is_out_of_the_old_agency_and_into_the_new() {
    let f = facts("transfer", local(2026, 3, 3, 9), json!({"from_agency_id": "A", "to_agency_id": "B"}), &[], None);
    assert_eq!(f[0].kind, FactKind::TransferredIn);
    assert_eq!(f[0].whose, Whose::Current);
    assert_eq!((f[1].kind, &f[1].whose), (FactKind::TransferredOut, &Whose::Agency("A".into())));
}

#[test]
fn first_answer_by_the_due_instant_is_on_time_with_its_working_days() {
    // Filed Friday 06/03/2026 10:00, answered Monday 09/03/2026 10:00: one working day, 72 hours.
    let filed = local(2026, 3, 6, 10);
    let f = facts(
        "reply",
        local(2026, 3, 9, 10),
        json!({"outcome": "granted"}),
        &[("file", filed)],
        Some(local(2026, 3, 20, 17)),
    );
    assert_eq!(f.len(), 1);
    assert_eq!((f[0].kind, f[0].detail.as_str(), f[0].timeliness), (FactKind::Answered, "granted", Timeliness::OnTime));
    assert_eq!((f[0].working_days, f[0].hours), (Some(1), Some(72)));
}

#[test]
fn first_answer_after_the_due_instant_is_late() {
    let f = facts(
        "reply",
        local(2026, 3, 21, 10),
        json!({"outcome": "partial"}),
        &[("file", local(2026, 3, 6, 10))],
        Some(local(2026, 3, 20, 17)),
    );
    assert_eq!(f[0].timeliness, Timeliness::Late);
}

#[test]
fn an_answer_after_the_overdue_mark_keeps_the_verdict_the_mark_gave() {
    let earlier = [("file", local(2026, 3, 6, 10)), ("overdue", local(2026, 3, 24, 0))];
    let f = facts("reply", local(2026, 3, 25, 10), json!({"outcome": "granted"}), &earlier, None);
    assert_eq!(f[0].timeliness, Timeliness::None);
    assert!(f[0].working_days.is_some(), "still the first response: its time is counted");
}

#[test]
fn the_overdue_mark_judges_only_a_request_not_yet_judged() {
    let first = facts("overdue", local(2026, 3, 24, 0), json!({}), &[("file", local(2026, 3, 6, 10))], None);
    assert_eq!(first[0].timeliness, Timeliness::Late);
    let again = facts(
        "overdue",
        local(2026, 5, 1, 0),
        json!({}),
        &[("file", local(2026, 3, 6, 10)), ("refuse", local(2026, 3, 10, 9))],
        None,
    );
    assert_eq!(again[0].timeliness, Timeliness::None);
}

#[test]
fn a_response_after_the_department_reopened_the_request_is_counted_without_time_or_verdict() {
    let earlier = [
        ("file", local(2026, 3, 6, 10)),
        ("refuse", local(2026, 3, 9, 9)),
        ("escalation_order_response", local(2026, 3, 12, 9)),
    ];
    let f = facts("reply", local(2026, 3, 16, 9), json!({"outcome": "granted"}), &earlier, Some(local(2026, 3, 20, 9)));
    assert_eq!((f[0].timeliness, f[0].working_days, f[0].hours), (Timeliness::None, None, None));
}

#[test]
fn a_refusal_while_the_clock_is_paused_is_on_time_and_counts_from_the_clarification() {
    let earlier = [
        ("file", local(2026, 3, 2, 9)),
        ("request_clarification", local(2026, 3, 3, 9)),
        ("clarify", local(2026, 3, 5, 9)),
    ];
    let f = facts("refuse", local(2026, 3, 6, 9), json!({"ground": "state_secret"}), &earlier, None);
    assert_eq!(
        (f[0].kind, f[0].detail.as_str(), f[0].timeliness),
        (FactKind::Refused, "state_secret", Timeliness::OnTime)
    );
    assert_eq!(f[0].working_days, Some(1));
}

#[test]
fn working_days_skip_tet_2026_on_the_calendar_in_force() {
    // Filed Friday 13/02/2026; the Tết holiday runs to Sunday 22/02; answered Tuesday 24/02: 2 working days.
    let cal = Calendar::embedded();
    let from = NaiveDate::from_ymd_opt(2026, 2, 13).unwrap();
    let to = NaiveDate::from_ymd_opt(2026, 2, 24).unwrap();
    let f =
        facts("reply", local(2026, 2, 24, 9), json!({"outcome": "granted"}), &[("file", local(2026, 2, 13, 9))], None);
    assert_eq!(f[0].working_days, Some(cal.working_days_between(from, to)));
    assert_eq!(f[0].working_days, Some(2));
}

#[test]
fn escalations_complaints_and_orders_are_facts_other_events_are_not() {
    let kinds = |k: &str, data| {
        facts(k, local(2026, 3, 2, 9), data, &[], None).into_iter().map(|f| (f.kind, f.detail)).collect::<Vec<_>>()
    };
    assert_eq!(
        kinds("escalation_opened", json!({"reason": "overdue"})),
        vec![(FactKind::EscalationOpened, "overdue".to_string())]
    );
    assert_eq!(kinds("escalation_resolve", json!({})), vec![(FactKind::EscalationResolved, String::new())]);
    assert_eq!(kinds("escalation_dismiss", json!({})), vec![(FactKind::EscalationDismissed, String::new())]);
    assert_eq!(kinds("escalation_order_response", json!({})), vec![(FactKind::ResponseOrdered, String::new())]);
    assert_eq!(kinds("complain", json!({})), vec![(FactKind::Complaint, String::new())]);
    assert_eq!(kinds("withdraw", json!({})), vec![(FactKind::Withdrawn, String::new())]);
    assert_eq!(
        kinds("outcome_changed", json!({"from": "granted", "to": "partial"})),
        vec![(FactKind::OutcomeChanged, "granted>partial".to_string())]
    );
    for other in ["acknowledge", "comment", "reminder_sent", "close", "extend", "attach", "mail_message"] {
        assert!(kinds(other, json!({})).is_empty(), "{other}");
    }
}

#[test]
fn wilson_interval_of_8_in_10() {
    let i = wilson(8, 10).unwrap();
    assert!((i.low - 0.4902).abs() < 1e-4 && (i.high - 0.9433).abs() < 1e-4, "{i:?}");
    assert_eq!(wilson(0, 0), None);
}

#[test]
fn nearest_rank_percentiles() {
    let dist = [(1, 1), (2, 1), (3, 1), (10, 1)].into_iter().collect();
    assert_eq!(percentile(&dist, 0.5), Some(2));
    assert_eq!(percentile(&dist, 0.9), Some(10));
    assert_eq!(percentile(&Default::default(), 0.5), None);
}

#[test]
fn a_tally_of_counts_gives_the_figures() {
    let count = |kind, detail: &str, timeliness, wd, n| Count {
        agency_id: "A".into(),
        month: 202603,
        kind,
        detail: detail.into(),
        timeliness,
        working_days: wd,
        hours: if wd >= 0 { wd * 24 } else { -1 },
        n,
    };
    let mut t = Tally::default();
    for c in [
        count(FactKind::Received, "", Timeliness::None, -1, 4),
        count(FactKind::TransferredIn, "", Timeliness::None, -1, 1),
        count(FactKind::Answered, "granted", Timeliness::OnTime, 2, 2),
        count(FactKind::Refused, "state_secret", Timeliness::Late, 9, 1),
        count(FactKind::EscalationOpened, "overdue", Timeliness::None, -1, 1),
        count(FactKind::Answered, "partial", Timeliness::None, -1, 1),
        count(FactKind::OutcomeChanged, "partial>not_held", Timeliness::None, -1, 1),
    ] {
        t.add(&c);
    }
    let f = t.figures();
    assert_eq!((f.received, f.answered, f.refused, f.on_time, f.late, f.escalated), (5, 3, 1, 2, 1, 1));
    assert_eq!(
        (f.answered_by_outcome.partial, f.answered_by_outcome.not_held),
        (0, 1),
        "the changed answer counts under its new outcome"
    );
    assert_eq!(f.refused_by_ground.get("state_secret"), Some(&1));
    assert_eq!((f.working_days_median, f.working_days_p90, f.median_hours_to_answer), (Some(2), Some(9), Some(48)));
    assert!(f.comparable);
    assert!((f.on_time_ratio.unwrap() - 2.0 / 3.0).abs() < 1e-9);
}

#[test]
fn periods_default_to_the_quarter_and_split_into_months_and_loose_days() {
    let d = |y, m, dd| NaiveDate::from_ymd_opt(y, m, dd).unwrap();
    let q = Period::parse(None, None, d(2026, 5, 17)).unwrap();
    assert_eq!((q.from, q.to), (d(2026, 4, 1), d(2026, 6, 30)));
    assert_eq!(q.whole_months(), Some((202604, 202606)));
    assert!(q.loose_days().is_empty());
    let p = Period::parse(Some("15/01/2026"), Some("2026-03-10"), d(2026, 5, 17)).unwrap();
    assert_eq!(p.whole_months(), Some((202602, 202602)));
    assert_eq!(p.loose_days(), vec![(20260115, 20260131), (20260301, 20260310)]);
    assert_eq!(p.months(), vec![202601, 202602, 202603]);
    let inside = Period::parse(Some("2026-03-02"), Some("2026-03-09"), d(2026, 5, 17)).unwrap();
    assert_eq!((inside.whole_months(), inside.loose_days()), (None, vec![(20260302, 20260309)]));
    assert_eq!(Period::parse(Some("2026-03-09"), Some("2026-03-02"), d(2026, 5, 17)), Err(PeriodError::Reversed));
    assert_eq!(Period::parse(Some("2000-01-01"), Some("2026-03-02"), d(2026, 5, 17)), Err(PeriodError::TooLong));
    assert_eq!(Period::parse(Some("31/02/2026"), None, d(2026, 5, 17)), Err(PeriodError::Invalid("from")));
    assert_eq!(Grouping::Quarter.bucket(202605), 20262);
    let year = Period::last_twelve_months(d(2026, 12, 4));
    assert_eq!((year.from, year.to), (d(2026, 1, 1), d(2026, 12, 4)));
}

proptest! {
    #[test]
    fn the_wilson_interval_holds_the_share(k in 0u64..500, extra in 0u64..500) {
        let n = k + extra;
        prop_assume!(n > 0);
        let i = wilson(k, n).unwrap();
        let p = k as f64 / n as f64;
        prop_assert!(0.0 <= i.low && i.low <= p + 1e-12 && p <= i.high + 1e-12 && i.high <= 1.0);
    }

    #[test]
    fn months_and_loose_days_cover_the_period_exactly(start in 0i64..3000, len in 0i64..800) {
        let from = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap() + chrono::TimeDelta::days(start);
        let to = from + chrono::TimeDelta::days(len);
        let p = Period { from, to };
        let mut covered = 0i64;
        if let Some((a, b)) = p.whole_months() {
            let (a, b) = (period::month_start(a), period::end_of_month(period::month_start(b)));
            covered += (b - a).num_days() + 1;
        }
        for (a, b) in p.loose_days() {
            let parse = |n: i32| NaiveDate::from_ymd_opt(n / 10000, (n / 100 % 100) as u32, (n % 100) as u32).unwrap();
            covered += (parse(b) - parse(a)).num_days() + 1;
        }
        prop_assert_eq!(covered, len + 1);
    }
}
