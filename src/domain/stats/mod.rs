//! The Department's statistics, as facts taken from the timeline when each event is written, and the
//! figures they add up to. Pure: the facts of an event depend only on the event, the request's earlier
//! events, the due instant in force and the calendar in force at that moment, so a later change (a
//! calendar edit, a transfer, a reopened request) adds facts and never rewrites the earlier ones.

use chrono::{DateTime, Datelike, Utc};
use serde::Serialize;

use crate::domain::calendar::{Calendar, local_date};

pub mod figures;
pub mod period;
#[cfg(test)]
mod tests;

/// What a fact records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FactKind {
    /// Filed with the agency.
    Received,
    /// Taken over from another agency by a transfer.
    TransferredIn,
    /// Passed to another agency by a transfer.
    TransferredOut,
    /// Answered; the detail is the outcome.
    Answered,
    /// Refused; the detail is the ground.
    Refused,
    Withdrawn,
    /// Marked overdue by the sweeper (the due instant and its grace passed unanswered).
    Overdue,
    /// Escalated to the Department; the detail is the reason.
    EscalationOpened,
    EscalationResolved,
    EscalationDismissed,
    /// The Department ordered a response by a new instant.
    ResponseOrdered,
    /// The reporter complained.
    Complaint,
    /// An answer's outcome changed afterwards (within a day, from the link of a reply by mail); the
    /// detail is `from>to`: the answer counts under its new outcome.
    OutcomeChanged,
}

impl FactKind {
    pub const ALL: [FactKind; 13] = [
        FactKind::Received,
        FactKind::TransferredIn,
        FactKind::TransferredOut,
        FactKind::Answered,
        FactKind::Refused,
        FactKind::Withdrawn,
        FactKind::Overdue,
        FactKind::EscalationOpened,
        FactKind::EscalationResolved,
        FactKind::EscalationDismissed,
        FactKind::ResponseOrdered,
        FactKind::Complaint,
        FactKind::OutcomeChanged,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            FactKind::Received => "received",
            FactKind::TransferredIn => "transferred_in",
            FactKind::TransferredOut => "transferred_out",
            FactKind::Answered => "answered",
            FactKind::Refused => "refused",
            FactKind::Withdrawn => "withdrawn",
            FactKind::Overdue => "overdue",
            FactKind::EscalationOpened => "escalation_opened",
            FactKind::EscalationResolved => "escalation_resolved",
            FactKind::EscalationDismissed => "escalation_dismissed",
            FactKind::ResponseOrdered => "response_ordered",
            FactKind::Complaint => "complaint",
            FactKind::OutcomeChanged => "outcome_changed",
        }
    }

    pub fn parse(s: &str) -> Option<FactKind> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// The verdict on a request's first deadline, given once: by its first response (on time when made by
/// the due instant in force then, or while no deadline ran) or by its overdue mark, whichever came first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Timeliness {
    /// No verdict in this fact.
    None,
    OnTime,
    Late,
}

impl Timeliness {
    pub const ALL: [Timeliness; 3] = [Timeliness::None, Timeliness::OnTime, Timeliness::Late];

    pub fn as_str(self) -> &'static str {
        match self {
            Timeliness::None => "",
            Timeliness::OnTime => "on_time",
            Timeliness::Late => "late",
        }
    }

    pub fn parse(s: &str) -> Option<Timeliness> {
        Self::ALL.into_iter().find(|t| t.as_str() == s)
    }
}

/// Whose fact it is: the request's agency once the event is written, or one named by the event (the
/// agency a transfer took the request from).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Whose {
    Current,
    Agency(String),
}

/// One fact an event gives, before it is placed (agency, province, day).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fact {
    pub whose: Whose,
    pub kind: FactKind,
    pub detail: String,
    pub timeliness: Timeliness,
    /// Working days from the latest receipt to the first response, on the calendar in force.
    pub working_days: Option<u32>,
    /// Hours from the latest receipt to the first response (see [`hours_bucket`]).
    pub hours: Option<u32>,
}

impl Fact {
    fn of(kind: FactKind, detail: &str) -> Fact {
        Fact {
            whose: Whose::Current,
            kind,
            detail: detail.to_string(),
            timeliness: Timeliness::None,
            working_days: None,
            hours: None,
        }
    }
}

/// An event of the request's timeline as the facts need it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Happened<'a> {
    pub kind: &'a str,
    pub at: DateTime<Utc>,
    pub data: &'a serde_json::Value,
}

/// The request as it stood when the event was written.
#[derive(Debug, Clone, Copy)]
pub struct Standing<'a> {
    /// The due instant in force before the event (None while the clock is paused).
    pub due_at: Option<DateTime<Utc>>,
    pub calendar: &'a Calendar,
}

/// The facts one event gives, given the request's events before it (oldest first).
pub fn facts_of(event: &Happened<'_>, earlier: &[Happened<'_>], standing: Standing<'_>) -> Vec<Fact> {
    let text = |key: &str| event.data[key].as_str().unwrap_or("").to_string();
    match event.kind {
        "file" => vec![Fact::of(FactKind::Received, "")],
        "transfer" => {
            let from = text("from_agency_id");
            let mut out = vec![Fact::of(FactKind::TransferredIn, "")];
            if !from.is_empty() {
                out.push(Fact { whose: Whose::Agency(from), ..Fact::of(FactKind::TransferredOut, "") });
            }
            out
        }
        "reply" => vec![response(FactKind::Answered, &text("outcome"), event, earlier, standing)],
        "refuse" => vec![response(FactKind::Refused, &text("ground"), event, earlier, standing)],
        "withdraw" => vec![Fact::of(FactKind::Withdrawn, "")],
        "overdue" => {
            let timeliness = if verdict_given(earlier) { Timeliness::None } else { Timeliness::Late };
            vec![Fact { timeliness, ..Fact::of(FactKind::Overdue, "") }]
        }
        "escalation_opened" => vec![Fact::of(FactKind::EscalationOpened, &text("reason"))],
        "escalation_resolve" => vec![Fact::of(FactKind::EscalationResolved, "")],
        "escalation_dismiss" => vec![Fact::of(FactKind::EscalationDismissed, "")],
        "escalation_order_response" => vec![Fact::of(FactKind::ResponseOrdered, "")],
        "complain" => vec![Fact::of(FactKind::Complaint, "")],
        "outcome_changed" => vec![Fact::of(FactKind::OutcomeChanged, &format!("{}>{}", text("from"), text("to")))],
        _ => vec![],
    }
}

fn is_response(kind: &str) -> bool {
    matches!(kind, "reply" | "refuse")
}

/// A verdict on the first deadline was given by an earlier response or overdue mark.
fn verdict_given(earlier: &[Happened<'_>]) -> bool {
    earlier.iter().any(|e| is_response(e.kind) || e.kind == "overdue")
}

/// An answer or a refusal: the first one carries the time taken and, unless an overdue mark came
/// first, the verdict. A later one (after the Department reopened the request) is counted, no more.
fn response(kind: FactKind, detail: &str, event: &Happened<'_>, earlier: &[Happened<'_>], s: Standing<'_>) -> Fact {
    let mut fact = Fact::of(kind, detail);
    if earlier.iter().any(|e| is_response(e.kind)) {
        return fact;
    }
    if !verdict_given(earlier) {
        let on_time = s.due_at.is_none_or(|due| event.at <= due);
        fact.timeliness = if on_time { Timeliness::OnTime } else { Timeliness::Late };
    }
    if let Some(receipt) = latest_receipt(earlier) {
        let from = local_date(receipt);
        fact.working_days = Some(s.calendar.working_days_between(from, local_date(event.at)));
        let hours = (event.at - receipt).num_hours().max(0);
        fact.hours = Some(hours_bucket(u32::try_from(hours).unwrap_or(u32::MAX)));
    }
    fact
}

/// The receipt the agency's time runs from: the filing, or a later transfer to it or clarification.
fn latest_receipt(earlier: &[Happened<'_>]) -> Option<DateTime<Utc>> {
    earlier.iter().rev().find(|e| matches!(e.kind, "file" | "transfer" | "clarify")).map(|e| e.at)
}

/// Hours kept to the hour under two days and to the day beyond (in hours), so that a month's
/// distribution has a few dozen values to count rather than one per response.
pub fn hours_bucket(hours: u32) -> u32 {
    if hours < 48 { hours } else { hours / 24 * 24 }
}

/// A local date as the number yyyymmdd (how facts and periods name days).
pub fn day_number(at: DateTime<Utc>) -> i32 {
    let d = local_date(at);
    d.year() * 10_000 + d.month() as i32 * 100 + d.day() as i32
}
