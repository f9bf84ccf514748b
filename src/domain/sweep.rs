//! What the sweeper must do for one request, and when it must look again: a
//! pure plan from the request's state, its rule and the clock. Reminders go out
//! inside office hours (except for `event` requests, which run on the clock);
//! at the due instant plus the grace the request is overdue and escalated; an
//! answer or refusal closes when the complaint window ends; the Department is
//! reminded when its own review deadline passes.

use std::collections::HashSet;

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};

use super::calendar::{Calendar, vietnam};
use super::deadline::period_end;
use super::directory::OfficeHours;
use super::kind::RequestKind;
use super::policy::Unit;
use super::request::Status;

/// The request as the sweeper sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SweepView {
    pub kind: RequestKind,
    pub status: Status,
    pub received_at: DateTime<Utc>,
    pub due_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    pub escalation_open: bool,
    /// The open escalation's review deadline, with its id.
    pub escalation_due: Option<(String, DateTime<Utc>)>,
}

/// The rule facts the sweeper applies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SweepRule {
    pub reminder_hours_before: Vec<u32>,
    pub escalation_grace_hours: u32,
    pub complaint_window_days: u32,
    pub office_hours: OfficeHours,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Remind the spokespeople: `hours_before` the due instant.
    Reminder { hours_before: u32, due_at: DateTime<Utc> },
    /// A reminder whose moment passed while a later one is due: recorded, not sent.
    SkippedReminder { hours_before: u32, due_at: DateTime<Utc> },
    /// Past due plus grace without an answer: overdue, to the Department.
    Overdue { due_at: DateTime<Utc> },
    /// The Department's review deadline passed.
    ReviewOverdue { escalation_id: String },
    /// The complaint window after an answer or refusal ended.
    Close,
}

impl Step {
    /// The key that makes the step happen once per request.
    pub fn key(&self) -> String {
        match self {
            Step::Reminder { hours_before, due_at } | Step::SkippedReminder { hours_before, due_at } => {
                format!("reminder:{hours_before}:{}", due_at.timestamp())
            }
            Step::Overdue { due_at } => format!("overdue:{}", due_at.timestamp()),
            Step::ReviewOverdue { escalation_id } => format!("review_overdue:{escalation_id}"),
            Step::Close => "close".into(),
        }
    }
}

/// The steps due now (not yet done) and the next instant to look again.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Plan {
    pub steps: Vec<Step>,
    pub next_check: Option<DateTime<Utc>>,
}

/// The first moment at or after `t` inside office hours on a working day
/// (Vietnam time), looking at most 60 days ahead.
pub fn next_office_moment(t: DateTime<Utc>, hours: &OfficeHours, calendar: &Calendar) -> DateTime<Utc> {
    let tz = vietnam();
    let lt = t.with_timezone(&tz);
    let mut date: NaiveDate = lt.date_naive();
    for day in 0..60 {
        if calendar.is_working_day(date) {
            for (open, close) in hours {
                let start = if day == 0 { lt.time().max(*open) } else { *open };
                if start < *close {
                    let naive = date.and_time(start);
                    if let Some(at) = tz.from_local_datetime(&naive).single() {
                        return at.with_timezone(&Utc);
                    }
                }
            }
        }
        date = date.succ_opt().unwrap_or(date);
    }
    t
}

pub fn plan(v: &SweepView, rule: &SweepRule, calendar: &Calendar, done: &HashSet<String>, now: DateTime<Utc>) -> Plan {
    let mut p = Planner { v, rule, calendar, done, now, steps: Vec::new(), next: None };
    match (v.status, v.due_at) {
        (Status::AwaitingResponse, Some(due)) => {
            p.reminders(due);
            p.overdue(due);
        }
        (Status::Answered | Status::Refused, _) => p.close(),
        _ => {}
    }
    p.review_overdue();
    Plan { steps: p.steps, next_check: p.next }
}

/// A plan in the making: the steps due now, in the order they are taken, and the earliest later moment
/// at which one falls due.
struct Planner<'a> {
    v: &'a SweepView,
    rule: &'a SweepRule,
    calendar: &'a Calendar,
    done: &'a HashSet<String>,
    now: DateTime<Utc>,
    steps: Vec<Step>,
    next: Option<DateTime<Utc>>,
}

impl Planner<'_> {
    fn later(&mut self, t: DateTime<Utc>) {
        self.next = Some(self.next.map_or(t, |n| n.min(t)));
    }

    /// Takes `step` if its moment `at` has come, else looks again then.
    fn at(&mut self, step: Step, at: DateTime<Utc>) {
        if self.now >= at {
            self.steps.push(step);
        } else {
            self.later(at);
        }
    }

    fn reminders(&mut self, due: DateTime<Utc>) {
        let due_reminders = self.reminders_due_now(due);
        // After an outage only the latest reminder is worth sending, and
        // none once the due instant has passed.
        if let Some((last, earlier)) = due_reminders.split_last() {
            for h in earlier {
                self.steps.push(Step::SkippedReminder { hours_before: *h, due_at: due });
            }
            if self.now < due {
                self.steps.push(Step::Reminder { hours_before: *last, due_at: due });
            } else {
                self.steps.push(Step::SkippedReminder { hours_before: *last, due_at: due });
            }
        }
    }

    /// The reminders not yet sent whose moment has come, the earliest first (most hours before the due
    /// instant); the moment of the next one is remembered.
    fn reminders_due_now(&mut self, due: DateTime<Utc>) -> Vec<u32> {
        let mut offsets = self.rule.reminder_hours_before.clone();
        offsets.sort_unstable_by(|a, b| b.cmp(a));
        offsets.dedup();
        let mut due_reminders = Vec::new();
        for h in offsets {
            let nominal = due - Duration::hours(h as i64);
            if nominal <= self.v.received_at {
                continue; // The request was filed after this reminder's moment.
            }
            let send_at = if self.v.kind == RequestKind::Event {
                nominal
            } else {
                next_office_moment(nominal, &self.rule.office_hours, self.calendar)
            };
            if send_at >= due {
                continue; // No office hour left before the due instant.
            }
            let step = Step::Reminder { hours_before: h, due_at: due };
            if self.done.contains(&step.key()) {
                continue;
            }
            if send_at <= self.now {
                due_reminders.push(h);
            } else {
                self.later(send_at);
            }
        }
        due_reminders
    }

    /// Overdue once the escalation grace after the due instant has passed.
    fn overdue(&mut self, due: DateTime<Utc>) {
        let overdue_at = due + Duration::hours(self.rule.escalation_grace_hours as i64);
        let overdue = Step::Overdue { due_at: due };
        if !self.done.contains(&overdue.key()) {
            self.at(overdue, overdue_at);
        }
    }

    /// An answered or refused request closes when the complaint window ends without an escalation.
    fn close(&mut self) {
        if let Some(f) = self.v.finished_at
            && !self.v.escalation_open
            && !self.done.contains(&Step::Close.key())
        {
            let close_at = period_end(self.calendar, f, self.rule.complaint_window_days, Unit::CalendarDays);
            self.at(Step::Close, close_at);
        }
    }

    fn review_overdue(&mut self) {
        if let Some((id, due)) = &self.v.escalation_due {
            let step = Step::ReviewOverdue { escalation_id: id.clone() };
            if self.v.escalation_open && !self.done.contains(&step.key()) {
                self.at(step, *due);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::directory::default_office_hours;
    use proptest::prelude::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn view(kind: RequestKind, due: &str) -> SweepView {
        SweepView {
            kind,
            status: Status::AwaitingResponse,
            received_at: utc("2026-03-09T02:00:00Z"),
            due_at: Some(utc(due)),
            finished_at: None,
            escalation_open: false,
            escalation_due: None,
        }
    }

    fn rule(reminders: Vec<u32>, grace: u32) -> SweepRule {
        SweepRule {
            reminder_hours_before: reminders,
            escalation_grace_hours: grace,
            complaint_window_days: 30,
            office_hours: default_office_hours(),
        }
    }

    fn keys(p: &Plan) -> Vec<String> {
        p.steps.iter().map(Step::key).collect()
    }

    #[test]
    fn a_reminder_due_at_night_waits_for_the_office_to_open() {
        // Due Thu 12/3/2026 24:00 local; 24 h before is Thu 00:00 local.
        let v = view(RequestKind::Information, "2026-03-12T17:00:00Z");
        let cal = Calendar::embedded();
        let p = plan(&v, &rule(vec![24], 24), &cal, &HashSet::new(), utc("2026-03-11T20:00:00Z"));
        assert!(p.steps.is_empty());
        assert_eq!(p.next_check, Some(utc("2026-03-12T00:30:00Z")), "Thursday 07:30 local");
        let p = plan(&v, &rule(vec![24], 24), &cal, &HashSet::new(), utc("2026-03-12T00:30:00Z"));
        assert_eq!(keys(&p), vec![format!("reminder:24:{}", utc("2026-03-12T17:00:00Z").timestamp())]);
    }

    #[test]
    fn event_reminders_ignore_office_hours_decree_09_2017_art_6() {
        let v = view(RequestKind::Event, "2026-03-10T02:00:00Z");
        let p = plan(&v, &rule(vec![6, 1], 0), &Calendar::embedded(), &HashSet::new(), utc("2026-03-09T20:00:00Z"));
        assert!(matches!(p.steps.as_slice(), [Step::Reminder { hours_before: 6, .. }]), "{p:?}");
    }

    #[test]
    fn overdue_at_due_plus_grace_once() {
        let v = view(RequestKind::Information, "2026-03-12T17:00:00Z");
        let cal = Calendar::embedded();
        let r = rule(vec![], 24);
        let before = plan(&v, &r, &cal, &HashSet::new(), utc("2026-03-13T16:59:59Z"));
        assert!(before.steps.is_empty());
        assert_eq!(before.next_check, Some(utc("2026-03-13T17:00:00Z")));
        let at = plan(&v, &r, &cal, &HashSet::new(), utc("2026-03-13T17:00:00Z"));
        assert!(matches!(at.steps.as_slice(), [Step::Overdue { .. }]));
        let done: HashSet<String> = keys(&at).into_iter().collect();
        let after = plan(&v, &r, &cal, &done, utc("2026-03-14T00:00:00Z"));
        assert!(after.steps.is_empty() && after.next_check.is_none());
    }

    #[test]
    fn after_an_outage_no_reminder_past_the_due_instant() {
        let v = view(RequestKind::Information, "2026-03-12T17:00:00Z");
        let p = plan(&v, &rule(vec![72, 24], 24), &Calendar::embedded(), &HashSet::new(), utc("2026-03-20T00:00:00Z"));
        assert!(p.steps.iter().all(|s| !matches!(s, Step::Reminder { .. })), "{p:?}");
        assert!(p.steps.iter().any(|s| matches!(s, Step::Overdue { .. })));
    }

    #[test]
    fn answered_requests_close_after_the_complaint_window() {
        let mut v = view(RequestKind::Information, "2026-03-12T17:00:00Z");
        v.status = Status::Answered;
        v.finished_at = Some(utc("2026-03-10T03:00:00Z"));
        let cal = Calendar::embedded();
        let p = plan(&v, &rule(vec![24], 24), &cal, &HashSet::new(), utc("2026-03-11T00:00:00Z"));
        // 30 days from the next day, to 24:00 local (Civil Code Arts. 147-148).
        assert_eq!(p.next_check, Some(utc("2026-04-09T17:00:00Z")));
        let p = plan(&v, &rule(vec![24], 24), &cal, &HashSet::new(), utc("2026-04-09T17:00:00Z"));
        assert_eq!(p.steps, vec![Step::Close]);
        v.escalation_open = true;
        let p = plan(&v, &rule(vec![24], 24), &cal, &HashSet::new(), utc("2026-05-01T00:00:00Z"));
        assert!(p.steps.is_empty(), "a complaint under review keeps it open");
    }

    proptest! {
        /// Whatever the moment, the plan never asks to look again in the past,
        /// and never repeats a step already done.
        #[test]
        fn the_next_check_is_in_the_future(offset_hours in 0i64..2000, due_hours in 1i64..1500, kind in 0usize..4) {
            let kind = RequestKind::ALL[kind];
            let received = utc("2026-03-09T02:00:00Z");
            let mut v = view(kind, "2026-03-12T17:00:00Z");
            v.due_at = Some(received + Duration::hours(due_hours));
            let now = received + Duration::hours(offset_hours);
            let cal = Calendar::embedded();
            let r = rule(vec![72, 24, 6, 1], 24);
            let p = plan(&v, &r, &cal, &HashSet::new(), now);
            if let Some(n) = p.next_check {
                prop_assert!(n > now);
            }
            let done: HashSet<String> = keys(&p).into_iter().collect();
            let again = plan(&v, &r, &cal, &done, now);
            prop_assert!(again.steps.is_empty(), "{:?}", again.steps);
        }
    }
}
