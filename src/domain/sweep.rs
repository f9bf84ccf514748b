//! What the sweeper must do for one request, and when it must look again: a
//! pure plan from the request's state, its rule and the clock. Reminders go out
//! inside office hours (except for `event` requests, which run on the clock);
//! at the due instant plus the grace the request is overdue and escalated; an
//! answer or refusal closes when the complaint window ends; the Department is
//! reminded when its own review deadline passes.

use std::collections::HashSet;

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, TimeZone, Utc};

use super::calendar::Calendar;
use super::directory::OfficeHours;
use super::kind::RequestKind;
use super::request::Status;

fn local() -> chrono::FixedOffset {
    chrono::FixedOffset::east_opt(7 * 3600).expect("UTC+7")
}

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
    let tz = local();
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

/// 24:00 local of the `n`-th working day after the local date of `from`.
pub fn end_of_nth_working_day(from: DateTime<Utc>, n: u32, calendar: &Calendar) -> DateTime<Utc> {
    let tz = local();
    let mut date = from.with_timezone(&tz).date_naive();
    let mut counted = 0;
    let mut guard = 0;
    while counted < n.max(1) && guard < 400 {
        date = date.succ_opt().unwrap_or(date);
        if calendar.is_working_day(date) {
            counted += 1;
        }
        guard += 1;
    }
    let midnight = date.succ_opt().unwrap_or(date).and_time(NaiveTime::MIN);
    tz.from_local_datetime(&midnight).single().map(|d| d.with_timezone(&Utc)).unwrap_or(from)
}

pub fn plan(v: &SweepView, rule: &SweepRule, calendar: &Calendar, done: &HashSet<String>, now: DateTime<Utc>) -> Plan {
    let mut steps = Vec::new();
    let mut next: Option<DateTime<Utc>> = None;
    let mut later = |t: DateTime<Utc>| next = Some(next.map_or(t, |n: DateTime<Utc>| n.min(t)));

    match (v.status, v.due_at) {
        (Status::AwaitingResponse, Some(due)) => {
            let mut offsets = rule.reminder_hours_before.clone();
            offsets.sort_unstable_by(|a, b| b.cmp(a));
            offsets.dedup();
            let mut due_reminders = Vec::new();
            for h in offsets {
                let nominal = due - Duration::hours(h as i64);
                if nominal <= v.received_at {
                    continue; // The request was filed after this reminder's moment.
                }
                let send_at = if v.kind == RequestKind::Event {
                    nominal
                } else {
                    next_office_moment(nominal, &rule.office_hours, calendar)
                };
                if send_at >= due {
                    continue; // No office hour left before the due instant.
                }
                let step = Step::Reminder { hours_before: h, due_at: due };
                if done.contains(&step.key()) {
                    continue;
                }
                if send_at <= now {
                    due_reminders.push(h);
                } else {
                    later(send_at);
                }
            }
            // After an outage only the latest reminder is worth sending.
            if let Some((last, earlier)) = due_reminders.split_last() {
                for h in earlier {
                    steps.push(Step::SkippedReminder { hours_before: *h, due_at: due });
                }
                steps.push(Step::Reminder { hours_before: *last, due_at: due });
            }
            let overdue_at = due + Duration::hours(rule.escalation_grace_hours as i64);
            let overdue = Step::Overdue { due_at: due };
            if !done.contains(&overdue.key()) {
                if now >= overdue_at {
                    steps.push(overdue);
                } else {
                    later(overdue_at);
                }
            }
        }
        (Status::Answered | Status::Refused, _) => {
            if let Some(f) = v.finished_at
                && !v.escalation_open
                && !done.contains(&Step::Close.key())
            {
                let close_at = f + Duration::days(rule.complaint_window_days as i64);
                if now >= close_at {
                    steps.push(Step::Close);
                } else {
                    later(close_at);
                }
            }
        }
        _ => {}
    }
    if let Some((id, due)) = &v.escalation_due {
        let step = Step::ReviewOverdue { escalation_id: id.clone() };
        if v.escalation_open && !done.contains(&step.key()) {
            if now >= *due {
                steps.push(step);
            } else {
                later(*due);
            }
        }
    }
    Plan { steps, next_check: next }
}

/// For tests and messages: the local calendar date of an instant.
pub fn local_date(t: DateTime<Utc>) -> NaiveDate {
    let d = t.with_timezone(&local());
    NaiveDate::from_ymd_opt(d.year(), d.month(), d.day()).unwrap_or_default()
}
