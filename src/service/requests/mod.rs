//! Requests: filing, acting, reading. Every write is one transaction holding
//! the state change, its timeline event(s) and the outbox rows of its mails.

pub mod act;
pub mod file;
pub mod mail;
pub mod read;
pub mod views;

use chrono::{DateTime, NaiveDateTime, Utc};

use super::accounts::Principal;
use super::error::{AppError, AppResult};
use super::rules::Rulebook;
use crate::db::models::{Agency, EventRow, Jurisdiction, RequestRow};
use crate::db::{DbConn, agencies, requests};
use crate::domain::account::Role;
use crate::domain::deadline::{ClockEvent, Deadline};
use crate::domain::id::Id;
use crate::domain::request::Party;

use super::Env;

/// An id the database holds, as an `Id`: one that does not parse is a
/// corrupt row, an internal error.
pub fn stored_id(s: &str) -> AppResult<Id> {
    Id::parse(s).ok_or_else(|| AppError::Internal(anyhow::anyhow!("stored id {s:?} is not a UUID")))
}

pub fn utc(t: NaiveDateTime) -> DateTime<Utc> {
    DateTime::from_naive_utc_and_offset(t, Utc)
}

/// How the caller stands to the request. Spokespeople speak for the agencies
/// of their assignments in force now, so a transfer moves access at once.
pub fn party_of(p: &Principal, r: &RequestRow) -> Party {
    match p.role {
        Role::Reporter if r.reporter_id == p.user.id => Party::Reporter,
        Role::Spokesperson if p.agency_ids.contains(&r.agency_id) => Party::Spokesperson,
        Role::Staff if p.user.jurisdiction_id.as_deref() == Some(r.jurisdiction_id.as_str()) => Party::Department,
        _ => Party::Outsider,
    }
}

/// A request the caller may see, or 404.
pub fn load_visible(conn: &mut DbConn, p: &Principal, id: &Id) -> AppResult<(RequestRow, Party)> {
    load(conn, p, id, false)
}

/// Like `load_visible`, locking the row for a change (see `get_for_update`).
pub fn load_for_change(conn: &mut DbConn, p: &Principal, id: &Id) -> AppResult<(RequestRow, Party)> {
    load(conn, p, id, true)
}

fn load(conn: &mut DbConn, p: &Principal, id: &Id, lock: bool) -> AppResult<(RequestRow, Party)> {
    let id = id.as_str();
    let r = if lock { requests::get_for_update(conn, id)? } else { requests::get(conn, id)? };
    let r = r.ok_or_else(AppError::not_found)?;
    match party_of(p, &r) {
        Party::Outsider => Err(AppError::not_found()),
        party => Ok((r, party)),
    }
}

/// The events of a timeline that move the clock, in order.
pub fn clock_events(events: &[EventRow]) -> Vec<ClockEvent> {
    events
        .iter()
        .filter_map(|e| {
            let at = utc(e.at);
            Some(match e.kind.as_str() {
                "file" => ClockEvent::Received { at },
                "request_clarification" => ClockEvent::ClarificationRequested { at },
                "clarify" => ClockEvent::Clarified { at },
                "mark_complex" => ClockEvent::MarkedComplex { at },
                "extend" => ClockEvent::Extended { at },
                "transfer" => ClockEvent::Transferred { at },
                "reply" | "refuse" | "withdraw" => ClockEvent::Stopped { at },
                "escalation_order_response" => {
                    let data: serde_json::Value = serde_json::from_str(&e.data).ok()?;
                    let due = data["due_at"].as_str().and_then(|s| DateTime::parse_from_rfc3339(s).ok())?;
                    ClockEvent::ResponseOrdered { at, due_at: due.with_timezone(&Utc) }
                }
                _ => return None,
            })
        })
        .collect()
}

/// The agency and jurisdiction of a request.
pub fn place_of(conn: &mut DbConn, r: &RequestRow) -> AppResult<(Agency, Jurisdiction)> {
    // The agency's jurisdiction is the request's (a transfer moves both).
    agencies::with_jurisdiction(conn, &r.agency_id)?.ok_or_else(|| anyhow::anyhow!("agency of {} missing", r.id).into())
}

/// The request's deadline from its whole timeline.
pub fn deadline_of(
    rules: &Rulebook,
    r: &RequestRow,
    agency: &Agency,
    j: &Jurisdiction,
    events: &[EventRow],
) -> Deadline {
    let pack = rules.pack_of(&r.policy_version, utc(r.received_at));
    rules.deadline(pack, r.kind, j, agency, &clock_events(events))
}
