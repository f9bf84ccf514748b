//! The state machine behind `compute`: one pass over the clock events.

use std::collections::BTreeSet;

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};

use super::{ClockEvent, Deadline, EventName, IgnoredReason, NoDueReason, Remaining, SkippedDay, Step};
use crate::domain::calendar::{Calendar, DayKind, closing_local_day, end_of_local_day, local_date};
use crate::domain::directory::OfficeHours;
use crate::domain::kind::RequestKind;
use crate::domain::policy::{Cited, ClarificationEffect, KindRule, PolicyPack, Unit};

/// The running period: its due instant and how it was counted (for the remaining time of a pause).
#[derive(Debug, Clone)]
struct Clock {
    due: DateTime<Utc>,
    /// `Hours` also stands for an ordered instant.
    unit: Unit,
    /// For calendar days, the last day before any rollover.
    nominal_last: NaiveDate,
    /// The rule the period was counted under (for the rest of it after a pause).
    citation: Cited,
}

pub(super) struct Outcome {
    pub deadline: Deadline,
    /// The latest new receipt (first receipt, transfer, restart).
    pub start: Option<DateTime<Utc>>,
}

struct Engine<'a> {
    policy: &'a PolicyPack,
    calendar: &'a Calendar,
    office_hours: &'a OfficeHours,
    rule: &'a KindRule,
    steps: Vec<Step>,
    reported_years: BTreeSet<i32>,
    start: Option<DateTime<Utc>>,
    /// What started the running count in days (for the words of the explanation).
    start_trigger: EventName,
    clock: Option<Clock>,
    paused_at: Option<DateTime<Utc>>,
    complex: bool,
    extensions: u32,
    stopped: Option<DateTime<Utc>>,
    /// The running period is the Department's order.
    ordered: bool,
}

pub(super) fn run(
    policy: &PolicyPack,
    calendar: &Calendar,
    kind: RequestKind,
    agency: Option<&str>,
    office_hours: &OfficeHours,
    events: &[ClockEvent],
) -> Outcome {
    let mut events: Vec<&ClockEvent> = events.iter().collect();
    events.sort_by_key(|e| e.at()); // stable: equal instants keep their order
    let mut e = Engine {
        policy,
        calendar,
        office_hours,
        rule: policy.rule(kind, agency),
        steps: Vec::new(),
        reported_years: BTreeSet::new(),
        start: None,
        start_trigger: EventName::Received,
        clock: None,
        paused_at: None,
        complex: false,
        extensions: 0,
        stopped: None,
        ordered: false,
    };
    for ev in events {
        e.apply(ev);
    }
    let due_at = if e.paused_at.is_some() { None } else { e.clock.as_ref().map(|c| c.due) };
    e.steps.push(match (due_at, e.paused_at, e.stopped) {
        (Some(at), _, _) => Step::Due { at },
        (None, Some(since), Some(stopped_at)) => {
            Step::NoDueInstant { reason: NoDueReason::StoppedWhileAwaiting { since, stopped_at } }
        }
        (None, Some(since), None) => Step::NoDueInstant { reason: NoDueReason::AwaitingClarification { since } },
        (None, None, _) => Step::NoDueInstant { reason: NoDueReason::NotReceived },
    });
    let deadline = Deadline { due_at, policy_version: policy.version.clone(), steps: e.steps, ordered: e.ordered };
    Outcome { deadline, start: e.start }
}

impl Engine<'_> {
    fn ignore(&mut self, ev: &ClockEvent, reason: IgnoredReason) {
        self.steps.push(Step::Ignored { at: ev.at(), event: ev.name(), reason });
    }

    fn apply(&mut self, ev: &ClockEvent) {
        let at = ev.at();
        if self.stopped.is_some() {
            return self.ignore(ev, IgnoredReason::AfterStop);
        }
        let Some(clock) = self.clock.clone() else {
            if let ClockEvent::Received { at } = ev {
                self.steps.push(Step::Received {
                    at: *at,
                    policy_version: self.policy.version.clone(),
                    policy_title_vi: self.policy.title.clone(),
                    policy_title_en: self.policy.title_en.clone(),
                });
                self.new_receipt(*at, false, EventName::Received);
            } else {
                self.ignore(ev, IgnoredReason::BeforeReceipt);
            }
            return;
        };
        match ev {
            ClockEvent::Received { .. } => self.ignore(ev, IgnoredReason::AlreadyReceived),
            ClockEvent::ClarificationRequested { .. } => {
                if self.paused_at.is_some() {
                    return self.ignore(ev, IgnoredReason::AlreadyAwaitingClarification);
                }
                self.steps.push(Step::ClarificationRequested {
                    at,
                    effect: self.rule.clarification,
                    citation: self.rule.clarification_cited(),
                    late: at >= clock.due,
                });
                self.paused_at = Some(at);
            }
            ClockEvent::Clarified { .. } => {
                let Some(paused_at) = self.paused_at.take() else {
                    return self.ignore(ev, IgnoredReason::NotAwaitingClarification);
                };
                match self.rule.clarification {
                    ClarificationEffect::Restart => {
                        let citation = self.rule.clarification_cited();
                        self.steps.push(Step::Restarted { at, complex: self.complex, citation });
                        self.new_receipt(at, self.complex, EventName::Clarified);
                    }
                    ClarificationEffect::Pause => self.resume(clock, paused_at, at),
                }
            }
            ClockEvent::MarkedComplex { .. } => self.mark_complex(at),
            ClockEvent::Extended { .. } => self.extend(clock, at),
            ClockEvent::Transferred { .. } => {
                let citation = self.policy.counting.transfer();
                self.steps.push(Step::Transferred { at, citation });
                self.paused_at = None;
                self.new_receipt(at, false, EventName::Transferred);
            }
            ClockEvent::ResponseOrdered { due_at, .. } => {
                self.steps.push(Step::ResponseOrdered { at, due_at: *due_at });
                self.paused_at = None;
                self.ordered = true;
                self.clock = Some(Clock {
                    due: *due_at,
                    unit: Unit::Hours,
                    nominal_last: closing_local_day(*due_at),
                    // Never shown: an ordered instant resumes after a pause as time left, not as a
                    // count in days under a rule.
                    citation: Cited::new(crate::domain::policy::Basis::Service, ""),
                });
            }
            ClockEvent::Stopped { .. } => {
                let due_at = if self.paused_at.is_some() { None } else { Some(clock.due) };
                self.steps.push(Step::Stopped { at, due_at });
                self.stopped = Some(at);
            }
        }
    }

    /// A new valid receipt at `at`: the clock starts again with the simple limit, or the complex one. A
    /// period in days counts from when a receipt outside office hours counts as received (pack setting).
    fn new_receipt(&mut self, at: DateTime<Utc>, complex: bool, trigger: EventName) {
        self.complex = complex;
        self.extensions = 0;
        self.ordered = false;
        let (limit, unit, citation) = match (&self.rule.complex, complex) {
            (Some(c), true) => (c.limit, c.unit, c.cited()),
            _ => (self.rule.limit, self.rule.unit, self.rule.cited()),
        };
        let from = if unit == Unit::Hours { at } else { self.counted_receipt(at) };
        self.start = Some(from);
        self.clock = Some(self.count_from_event(from, limit, unit, &citation, trigger));
    }

    /// When a receipt at `at` counts as received, saying so when it arrived outside office hours.
    fn counted_receipt(&mut self, at: DateTime<Utc>) -> DateTime<Utc> {
        let counting = &self.policy.counting;
        let setting = counting.outside_office_hours;
        match super::outside_office_hours(self.calendar, self.office_hours, setting, at) {
            None => at,
            Some(counted_from) => {
                let citation = counting.outside_office_hours_cited();
                self.steps.push(Step::OutsideOfficeHours { at, setting, counted_from, citation });
                counted_from
            }
        }
    }

    fn mark_complex(&mut self, at: DateTime<Utc>) {
        let Some(rule) = self.rule.complex.clone() else {
            return self.steps.push(Step::NoComplexRule { at });
        };
        if self.complex {
            return self.steps.push(Step::Ignored {
                at,
                event: EventName::MarkedComplex,
                reason: IgnoredReason::AlreadyComplex,
            });
        }
        let received_at = self.start.expect("a running clock has a start");
        let notice_until = super::period_end(self.calendar, received_at, rule.notice_limit, rule.notice_unit);
        if at > notice_until {
            return self.steps.push(Step::ComplexNoticeLate { at, notice_until, citation: rule.cited() });
        }
        self.steps.push(Step::MarkedComplex { at, received_at, notice_until, citation: rule.cited() });
        self.complex = true;
        self.extensions = 0;
        let trigger = self.start_trigger;
        self.clock = Some(self.count_from_event(received_at, rule.limit, rule.unit, &rule.cited(), trigger));
    }

    fn extend(&mut self, clock: Clock, at: DateTime<Utc>) {
        let Some(rule) = self.rule.extension.clone() else {
            return self.steps.push(Step::NoExtensionRule { at });
        };
        // The Department's order sets the date; the agency cannot move it.
        if self.ordered {
            return self.steps.push(Step::ExtensionAfterOrder { at, due: clock.due });
        }
        // An extension is notified within the running period; after the due instant it is none. While
        // paused the clock is stopped, so an extension then is never late.
        if self.paused_at.is_none() && at > clock.due {
            return self.steps.push(Step::ExtensionTooLate { at, due: clock.due, citation: rule.cited() });
        }
        if self.extensions >= rule.max_count {
            let citation = rule.max_count_cited();
            return self.steps.push(Step::ExtensionRefused { at, max_count: rule.max_count, citation });
        }
        self.extensions += 1;
        let citation = rule.cited();
        self.steps.push(Step::Extended {
            at,
            number: self.extensions,
            max_count: rule.max_count,
            limit: rule.limit,
            unit: rule.unit,
            previous_due: clock.due,
            citation: citation.clone(),
            max_count_citation: rule.max_count_cited(),
        });
        self.clock = Some(match rule.unit {
            Unit::Hours => {
                let until = clock.due + Duration::hours(i64::from(rule.limit));
                self.push_hours(clock.due, rule.limit, until, &citation);
                Clock { due: until, unit: Unit::Hours, nominal_last: closing_local_day(until), citation }
            }
            unit => self.count_days(closing_local_day(clock.due), rule.limit, unit, &citation),
        });
    }

    /// Resumes after a pause with what was left of the period.
    fn resume(&mut self, clock: Clock, paused_at: DateTime<Utc>, at: DateTime<Utc>) {
        let citation = self.rule.clarification_cited();
        let in_time = paused_at < clock.due;
        if !in_time {
            self.steps.push(Step::Resumed { at, remaining: Remaining::Nothing { until: clock.due }, citation });
            return;
        }
        let pause_day = local_date(paused_at);
        // Days after the day of the pause up to the last day, at least one.
        let rule_citation = clock.citation.clone();
        self.clock = Some(match clock.unit {
            Unit::WorkingDays => {
                let n = self.calendar.working_days_between(pause_day, closing_local_day(clock.due)).max(1);
                self.steps.push(Step::Resumed { at, remaining: Remaining::WorkingDays(n), citation });
                self.count_days(local_date(at), n, Unit::WorkingDays, &rule_citation)
            }
            Unit::CalendarDays => {
                let n = u32::try_from((clock.nominal_last - pause_day).num_days()).unwrap_or(0).max(1);
                self.steps.push(Step::Resumed { at, remaining: Remaining::CalendarDays(n), citation });
                self.count_days(local_date(at), n, Unit::CalendarDays, &rule_citation)
            }
            Unit::Hours => {
                let seconds = (clock.due - paused_at).num_seconds();
                let until = at + Duration::seconds(seconds);
                self.steps.push(Step::Resumed { at, remaining: Remaining::Time { seconds, until }, citation });
                Clock {
                    due: until,
                    unit: Unit::Hours,
                    nominal_last: closing_local_day(until),
                    citation: clock.citation,
                }
            }
        });
    }

    /// A period counted from an event: hours from the moment, days from the next day.
    fn count_from_event(
        &mut self,
        from: DateTime<Utc>,
        limit: u32,
        unit: Unit,
        citation: &Cited,
        trigger: EventName,
    ) -> Clock {
        self.start_trigger = trigger;
        match unit {
            Unit::Hours => {
                let until = from + Duration::hours(i64::from(limit));
                self.push_hours(from, limit, until, citation);
                Clock { due: until, unit, nominal_last: closing_local_day(until), citation: citation.clone() }
            }
            _ => {
                let day = local_date(from);
                self.steps.push(Step::CountingStartsNextDay {
                    event_at: from,
                    trigger,
                    first_day: day.succ_opt().unwrap_or(day),
                    citation: self.policy.counting.days_start(),
                    end_citation: self.policy.counting.day_end(),
                });
                self.count_days(day, limit, unit, citation)
            }
        }
    }

    fn push_hours(&mut self, from: DateTime<Utc>, hours: u32, until: DateTime<Utc>, citation: &Cited) {
        self.steps.push(Step::Hours {
            from,
            hours,
            until,
            citation: citation.clone(),
            counting_citation: self.policy.counting.hours(),
        });
    }

    /// `n` days (working or calendar) counted from the day after `after`, ending at 24:00 local.
    fn count_days(&mut self, after: NaiveDate, n: u32, unit: Unit, citation: &Cited) -> Clock {
        let skipped_days =
            |list: Vec<(NaiveDate, DayKind)>| list.into_iter().map(|(date, kind)| SkippedDay { date, kind }).collect();
        match unit {
            Unit::WorkingDays | Unit::Hours => {
                let c = self.calendar.count_working_days(after, n);
                let last = c.last;
                let swapped_in = c
                    .counted
                    .iter()
                    .filter_map(|d| match self.calendar.day_kind(*d) {
                        DayKind::SwappedWorkingDay(name) => Some((*d, name)),
                        _ => None,
                    })
                    .collect();
                self.steps.push(Step::WorkingDays {
                    count: n,
                    citation: citation.clone(),
                    counted: c.counted,
                    skipped: skipped_days(c.skipped),
                    swapped_in,
                });
                self.note_years(after.succ_opt().unwrap_or(after), last);
                Clock {
                    due: end_of_local_day(last),
                    unit: Unit::WorkingDays,
                    nominal_last: last,
                    citation: citation.clone(),
                }
            }
            Unit::CalendarDays => {
                let last = after + Duration::days(i64::from(n));
                let first_day = after.succ_opt().unwrap_or(after);
                self.steps.push(Step::CalendarDays { count: n, citation: citation.clone(), first_day, last_day: last });
                let (to, skipped) = self.calendar.roll_forward(last);
                if to != last {
                    self.steps.push(Step::RolledOver {
                        from: last,
                        to,
                        skipped: skipped_days(skipped),
                        citation: self.policy.counting.rollover(),
                    });
                }
                // The calendar decides only whether the last day is a working day.
                self.note_years(last, to);
                Clock {
                    due: end_of_local_day(to),
                    unit: Unit::CalendarDays,
                    nominal_last: last,
                    citation: citation.clone(),
                }
            }
        }
    }

    /// Says once per year that a year's calendar used between the two days is unconfirmed.
    fn note_years(&mut self, from: NaiveDate, to: NaiveDate) {
        for year in from.year()..=to.year() {
            if !self.calendar.is_confirmed(year) && self.reported_years.insert(year) {
                let source = self.calendar.year(year).source;
                self.steps.push(Step::UnconfirmedCalendar { year, source });
            }
        }
    }
}
