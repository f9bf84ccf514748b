//! The deadline engine: a pure function of the policy pack, the calendar and
//! the request's own clock events, giving the due instant and the explanation.
//!
//! Counting (Civil Code 2015 Arts. 147–148): a period in hours starts at the
//! moment and runs through nights, weekends and holidays; a period in days
//! starts on the day after the triggering event (local date, UTC+7) and ends at
//! 24:00 local of its last day (17:00 UTC). N working days received on day D end
//! with the N-th working day counted from D+1; N calendar days end with D+N, or
//! with the next working day if D+N is not one.
//!
//! Clock events, applied in order of time (stable for equal instants):
//! - `Received` starts the clock (only the first one counts);
//! - `ClarificationRequested` stops it (no due instant while awaiting), and `Clarified` either resumes it
//!   with what was left (`pause`) or starts it again from the clarification as a new valid request
//!   (`restart`), per the kind's rule. A request marked complex stays complex after a restart;
//!   extensions granted before a restart no longer apply, and the count of extensions starts again;
//! - `MarkedComplex` switches to the complex limit counted from receipt (the latest new receipt: the
//!   first receipt, a restart or a transfer), if it is within the notice window; otherwise it is ignored;
//! - `Extended` adds the kind's extension after the current due day, up to `max_count` times. An
//!   extension given after the due instant is no extension (LAI Art. 31: notified within the period) and
//!   changes nothing; nor does one given after the Department ordered a response by a date;
//! - `Transferred` is a new receipt by the competent agency: the clock starts again with the simple
//!   limit (complex marking, extensions and a pending clarification are dropped);
//! - a new receipt (the first one, a restart, a transfer) outside office hours counts as received when the
//!   pack's `outside_office_hours` setting says, for periods in days (a period in hours runs from the moment);
//! - `ResponseOrdered` (the Department's order) sets the due instant to the ordered instant;
//! - `Stopped` (answered, refused, withdrawn) ends the computation; the due instant stays for the record.
//!
//! Remaining time on a pause: hours and minutes for a period in hours (or an ordered instant); for a
//! period in days, the days after the day of the pause up to the last day, at least one if the pause
//! came before the due instant. A clarification asked after the due instant gives no time back.

mod engine;
#[cfg(test)]
mod tests;

use chrono::{DateTime, Duration, NaiveDate, Timelike, Utc};

use super::calendar::{Calendar, DayKind, closing_local_day, end_of_local_day, local_date};
use super::directory::{OfficeHours, default_office_hours};
use super::kind::RequestKind;
use super::policy::{Cited, ClarificationEffect, OutsideOfficeHours, PolicyPack, Unit};

/// What happened to a request that matters to its clock, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClockEvent {
    Received {
        at: DateTime<Utc>,
    },
    ClarificationRequested {
        at: DateTime<Utc>,
    },
    Clarified {
        at: DateTime<Utc>,
    },
    MarkedComplex {
        at: DateTime<Utc>,
    },
    Extended {
        at: DateTime<Utc>,
    },
    Transferred {
        at: DateTime<Utc>,
    },
    /// The Department orders a response by a new instant.
    ResponseOrdered {
        at: DateTime<Utc>,
        due_at: DateTime<Utc>,
    },
    /// Answered, refused or withdrawn: the clock stops.
    Stopped {
        at: DateTime<Utc>,
    },
}

impl ClockEvent {
    /// When the event happened.
    pub fn at(&self) -> DateTime<Utc> {
        match self {
            ClockEvent::Received { at }
            | ClockEvent::ClarificationRequested { at }
            | ClockEvent::Clarified { at }
            | ClockEvent::MarkedComplex { at }
            | ClockEvent::Extended { at }
            | ClockEvent::Transferred { at }
            | ClockEvent::ResponseOrdered { at, .. }
            | ClockEvent::Stopped { at } => *at,
        }
    }

    pub fn name(&self) -> EventName {
        match self {
            ClockEvent::Received { .. } => EventName::Received,
            ClockEvent::ClarificationRequested { .. } => EventName::ClarificationRequested,
            ClockEvent::Clarified { .. } => EventName::Clarified,
            ClockEvent::MarkedComplex { .. } => EventName::MarkedComplex,
            ClockEvent::Extended { .. } => EventName::Extended,
            ClockEvent::Transferred { .. } => EventName::Transferred,
            ClockEvent::ResponseOrdered { .. } => EventName::ResponseOrdered,
            ClockEvent::Stopped { .. } => EventName::Stopped,
        }
    }
}

/// The name of a clock event (for explanation steps about events that changed nothing).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventName {
    Received,
    ClarificationRequested,
    Clarified,
    MarkedComplex,
    Extended,
    Transferred,
    ResponseOrdered,
    Stopped,
}

impl EventName {
    pub fn as_str(self) -> &'static str {
        match self {
            EventName::Received => "received",
            EventName::ClarificationRequested => "clarification_requested",
            EventName::Clarified => "clarified",
            EventName::MarkedComplex => "marked_complex",
            EventName::Extended => "extended",
            EventName::Transferred => "transferred",
            EventName::ResponseOrdered => "response_ordered",
            EventName::Stopped => "stopped",
        }
    }
}

/// Why an event changed nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IgnoredReason {
    /// Before the request was received.
    BeforeReceipt,
    /// A second receipt.
    AlreadyReceived,
    /// After the clock stopped (answered, refused, withdrawn).
    AfterStop,
    /// A clarification while no clarification was asked for.
    NotAwaitingClarification,
    /// A second clarification request while one is pending.
    AlreadyAwaitingClarification,
    /// Marked complex twice.
    AlreadyComplex,
}

/// A day passed over while counting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkippedDay {
    pub date: NaiveDate,
    /// `Weekend` or `Holiday(name)`.
    pub kind: DayKind,
}

/// What was left of the period when the clock stopped for a clarification.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Remaining {
    /// Time (a period in hours, or an ordered instant), and the new due instant after resumption.
    Time {
        seconds: i64,
        until: DateTime<Utc>,
    },
    /// Nothing: the clarification was asked after the due instant, which stays as it was.
    Nothing {
        until: DateTime<Utc>,
    },
    WorkingDays(u32),
    CalendarDays(u32),
}

/// One line of the explanation, structured so it can be written in any language. Each rule a step
/// applies comes with its basis and citation ([`Cited`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// The request was received; the rules of this policy version apply (shown by their title).
    Received { at: DateTime<Utc>, policy_version: String, policy_title_vi: String, policy_title_en: String },
    /// A new receipt arrived outside office hours; `counted_from` is the instant it counts from under the
    /// pack's setting (the instant itself when the setting keeps it as received).
    OutsideOfficeHours { at: DateTime<Utc>, setting: OutsideOfficeHours, counted_from: DateTime<Utc>, citation: Cited },
    /// A period in hours from an instant, running through nights, weekends and holidays.
    Hours { from: DateTime<Utc>, hours: u32, until: DateTime<Utc>, citation: Cited, counting_citation: Cited },
    /// A period in days starts on the day after the event that started it (`trigger`: a receipt, a
    /// clarification that restarts the clock, a transfer) and ends at 24:00 of its last day.
    CountingStartsNextDay {
        event_at: DateTime<Utc>,
        trigger: EventName,
        first_day: NaiveDate,
        citation: Cited,
        end_citation: Cited,
    },
    /// Working days counted one by one, and the non-working days passed over; `swapped_in` names the
    /// counted weekend days that the schedule made working days.
    WorkingDays {
        count: u32,
        citation: Cited,
        counted: Vec<NaiveDate>,
        skipped: Vec<SkippedDay>,
        swapped_in: Vec<(NaiveDate, String)>,
    },
    /// Calendar days, from the first to the last day (before any rollover).
    CalendarDays { count: u32, citation: Cited, first_day: NaiveDate, last_day: NaiveDate },
    /// The last day is not a working day: the period ends at 24:00 of the next working day.
    RolledOver { from: NaiveDate, to: NaiveDate, skipped: Vec<SkippedDay>, citation: Cited },
    /// The counting used a year whose calendar is not an official, confirmed schedule (`source` says
    /// what the year's data is based on).
    UnconfirmedCalendar { year: i32, source: String },
    /// The clock stops while the reporter clarifies (`late`: asked after the due instant).
    ClarificationRequested { at: DateTime<Utc>, effect: ClarificationEffect, citation: Cited, late: bool },
    /// The clock resumes with what was left.
    Resumed { at: DateTime<Utc>, remaining: Remaining, citation: Cited },
    /// The clarified request counts as a new valid request from the clarification.
    Restarted { at: DateTime<Utc>, complex: bool, citation: Cited },
    /// The agency said the request is complex, in time: the complex limit counts from receipt.
    MarkedComplex { at: DateTime<Utc>, received_at: DateTime<Utc>, notice_until: DateTime<Utc>, citation: Cited },
    /// Marked complex after the notice window: ignored.
    ComplexNoticeLate { at: DateTime<Utc>, notice_until: DateTime<Utc>, citation: Cited },
    /// The kind has no complex-request rule: ignored.
    NoComplexRule { at: DateTime<Utc> },
    /// Extension number `number` of at most `max_count`, given before the due instant `previous_due`.
    Extended {
        at: DateTime<Utc>,
        number: u32,
        max_count: u32,
        limit: u32,
        unit: Unit,
        previous_due: DateTime<Utc>,
        citation: Cited,
        max_count_citation: Cited,
    },
    /// An extension given after the due instant: no extension, ignored.
    ExtensionTooLate { at: DateTime<Utc>, due: DateTime<Utc>, citation: Cited },
    /// An extension after the Department ordered a response by `due`: ignored.
    ExtensionAfterOrder { at: DateTime<Utc>, due: DateTime<Utc> },
    /// An extension beyond `max_count`: ignored.
    ExtensionRefused { at: DateTime<Utc>, max_count: u32, citation: Cited },
    /// The kind has no extension rule: ignored.
    NoExtensionRule { at: DateTime<Utc> },
    /// Transferred to the competent agency: a new receipt.
    Transferred { at: DateTime<Utc>, citation: Cited },
    /// The Department ordered a response by `due_at`.
    ResponseOrdered { at: DateTime<Utc>, due_at: DateTime<Utc> },
    /// Answered, refused or withdrawn: the clock stopped; `due_at` is kept for the record.
    Stopped { at: DateTime<Utc>, due_at: Option<DateTime<Utc>> },
    /// An event that changed nothing.
    Ignored { at: DateTime<Utc>, event: EventName, reason: IgnoredReason },
    /// The final due instant (always the last step when there is one).
    Due { at: DateTime<Utc> },
    /// The last step when there is no due instant.
    NoDueInstant { reason: NoDueReason },
}

impl Step {
    /// The rules the step applies, each with its basis and citation, the principal one first.
    pub fn rules(&self) -> Vec<&Cited> {
        match self {
            Step::OutsideOfficeHours { citation, .. }
            | Step::WorkingDays { citation, .. }
            | Step::CalendarDays { citation, .. }
            | Step::RolledOver { citation, .. }
            | Step::ClarificationRequested { citation, .. }
            | Step::Resumed { citation, .. }
            | Step::Restarted { citation, .. }
            | Step::MarkedComplex { citation, .. }
            | Step::ComplexNoticeLate { citation, .. }
            | Step::ExtensionTooLate { citation, .. }
            | Step::ExtensionRefused { citation, .. }
            | Step::Transferred { citation, .. } => vec![citation],
            Step::Hours { citation, counting_citation, .. } => vec![citation, counting_citation],
            Step::CountingStartsNextDay { citation, end_citation, .. } => vec![citation, end_citation],
            Step::Extended { citation, max_count_citation, .. } => vec![citation, max_count_citation],
            Step::Received { .. }
            | Step::UnconfirmedCalendar { .. }
            | Step::NoComplexRule { .. }
            | Step::ExtensionAfterOrder { .. }
            | Step::NoExtensionRule { .. }
            | Step::ResponseOrdered { .. }
            | Step::Stopped { .. }
            | Step::Ignored { .. }
            | Step::Due { .. }
            | Step::NoDueInstant { .. } => vec![],
        }
    }
}

/// Why there is no due instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoDueReason {
    /// No receipt among the events.
    NotReceived,
    /// The clock is stopped while the reporter clarifies.
    AwaitingClarification { since: DateTime<Utc> },
    /// The request was closed (answered, refused, withdrawn) while a clarification was awaited.
    StoppedWhileAwaiting { since: DateTime<Utc>, stopped_at: DateTime<Utc> },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deadline {
    /// None while the clock is paused (awaiting a clarification).
    pub due_at: Option<DateTime<Utc>>,
    pub policy_version: String,
    pub steps: Vec<Step>,
    /// The running period is the Department's order (`ResponseOrdered`), which an extension may not move.
    pub ordered: bool,
}

impl Deadline {
    /// True while awaiting a clarification (the clock is stopped).
    pub fn is_paused(&self) -> bool {
        matches!(self.steps.last(), Some(Step::NoDueInstant { reason: NoDueReason::AwaitingClarification { .. } }))
    }

    /// Years whose calendar the explanation says are unconfirmed.
    pub fn unconfirmed_years(&self) -> Vec<i32> {
        self.steps
            .iter()
            .filter_map(|s| match s {
                Step::UnconfirmedCalendar { year, .. } => Some(*year),
                _ => None,
            })
            .collect()
    }
}

/// The deadline under the usual civil-service office hours (7:30–11:30, 13:00–17:00).
pub fn compute(
    policy: &PolicyPack,
    calendar: &Calendar,
    kind: RequestKind,
    agency: Option<&str>,
    events: &[ClockEvent],
) -> Deadline {
    compute_with_office_hours(policy, calendar, kind, agency, &default_office_hours(), events)
}

/// The deadline with the office hours of the agency's jurisdiction (they decide what "outside office
/// hours" means for a receipt).
pub fn compute_with_office_hours(
    policy: &PolicyPack,
    calendar: &Calendar,
    kind: RequestKind,
    agency: Option<&str>,
    office_hours: &OfficeHours,
    events: &[ClockEvent],
) -> Deadline {
    engine::run(policy, calendar, kind, agency, office_hours, events).deadline
}

/// Until when an agency may still mark a request complex (None: the kind has no complex rule).
pub fn complex_notice_until(
    policy: &PolicyPack,
    calendar: &Calendar,
    kind: RequestKind,
    agency: Option<&str>,
    received_at: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    let c = policy.rule(kind, agency).complex.as_ref()?;
    Some(period_end(calendar, received_at, c.notice_limit, c.notice_unit))
}

/// The complex-notice window after the request's events: counted from its latest new receipt
/// (the first receipt, a transfer, or a clarification that restarts the clock).
pub fn complex_notice_until_after(
    policy: &PolicyPack,
    calendar: &Calendar,
    kind: RequestKind,
    agency: Option<&str>,
    office_hours: &OfficeHours,
    events: &[ClockEvent],
) -> Option<DateTime<Utc>> {
    let start = engine::run(policy, calendar, kind, agency, office_hours, events).start?;
    complex_notice_until(policy, calendar, kind, agency, start)
}

/// The end of a period of `limit` units from an instant (no explanation): `from + limit` hours, or 24:00
/// of the last (working) day counted from the day after `from`.
pub fn period_end(calendar: &Calendar, from: DateTime<Utc>, limit: u32, unit: Unit) -> DateTime<Utc> {
    match unit {
        Unit::Hours => from + Duration::hours(i64::from(limit)),
        Unit::WorkingDays => end_of_local_day(calendar.add_working_days(local_date(from), limit)),
        Unit::CalendarDays => {
            let last = local_date(from) + Duration::days(i64::from(limit));
            end_of_local_day(calendar.working_day_on_or_after(last))
        }
    }
}

/// The instants at which the spokespeople are reminded, earliest first.
pub fn reminder_instants(
    policy: &PolicyPack,
    kind: RequestKind,
    agency: Option<&str>,
    due_at: DateTime<Utc>,
) -> Vec<DateTime<Utc>> {
    let mut v: Vec<_> = policy
        .rule(kind, agency)
        .reminder_hours_before
        .iter()
        .map(|h| due_at - Duration::hours(i64::from(*h)))
        .collect();
    v.sort();
    v.dedup();
    v
}

/// When an overdue request is escalated: the due instant plus the kind's grace.
pub fn escalation_at(
    policy: &PolicyPack,
    kind: RequestKind,
    agency: Option<&str>,
    due_at: DateTime<Utc>,
) -> DateTime<Utc> {
    due_at + Duration::hours(i64::from(policy.rule(kind, agency).escalation_grace_hours))
}

/// The Department's review deadline for an escalation opened at `escalated_at` (working days).
pub fn department_review_due(policy: &PolicyPack, calendar: &Calendar, escalated_at: DateTime<Utc>) -> DateTime<Utc> {
    period_end(calendar, escalated_at, policy.department_review_working_days, Unit::WorkingDays)
}

/// Until when the reporter may complain about an answer or refusal given at `answered_at` (calendar days,
/// rolled to the next working day).
pub fn complaint_window_until(policy: &PolicyPack, calendar: &Calendar, answered_at: DateTime<Utc>) -> DateTime<Utc> {
    period_end(calendar, answered_at, policy.complaint_window_days, Unit::CalendarDays)
}

/// The local day on which a day-based due instant falls (24:00 belongs to the day that ends).
pub fn due_day(due_at: DateTime<Utc>) -> NaiveDate {
    closing_local_day(due_at)
}

/// When a receipt at `at` outside office hours counts as received under `setting`, or None when `at` is
/// inside office hours. Outside means on a day that is not a working day, before the office opens or
/// after it closes (a break between two intervals is inside the office day). Counted as received on the
/// next working day, it counts from the opening of that day (of the same day, before the office opens).
pub fn outside_office_hours(
    calendar: &Calendar,
    office_hours: &OfficeHours,
    setting: OutsideOfficeHours,
    at: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    let (Some((open, _)), Some((_, close))) = (office_hours.first(), office_hours.last()) else {
        return None;
    };
    let local = at.with_timezone(&super::calendar::vietnam());
    let (day, time) = (local.date_naive(), local.time());
    let working = calendar.is_working_day(day);
    if working && time >= *open && time < *close {
        return None;
    }
    Some(match setting {
        OutsideOfficeHours::AsReceived => at,
        OutsideOfficeHours::NextWorkingDay => {
            let opening_day = if working && time < *open { day } else { calendar.next_working_day(day) };
            super::calendar::start_of_local_day(opening_day)
                + Duration::seconds(i64::from(open.num_seconds_from_midnight()))
        }
    })
}
