//! Writes the statistics' facts of a timeline event, in the transaction that appends the event: the
//! facts of the event (domain::stats) placed at the agency and province they concern and the local day.

use chrono::NaiveDateTime;

use super::Env;
use super::error::AppResult;
use super::requests::utc;
use crate::db::models::{EventRow, RequestRow};
use crate::db::stats::NewFact;
use crate::db::{DbConn, agencies, requests, stats};
use crate::domain::stats::{Happened, Standing, Whose, day_number, facts_of};

/// Records the facts `event` gives. `due_before` is the due instant in force before the event.
pub fn record(
    conn: &mut DbConn,
    env: Env<'_>,
    row: &RequestRow,
    event: &EventRow,
    due_before: Option<NaiveDateTime>,
) -> AppResult<()> {
    if !counts(&event.kind) {
        return Ok(());
    }
    let earlier: Vec<EventRow> = if row.last_seq > 1 { requests::events_of(conn, &row.id)? } else { vec![] };
    let earlier: Vec<EventRow> = earlier.into_iter().filter(|e| e.seq < event.seq).collect();
    let place = (row.agency_id.as_str(), row.jurisdiction_id.as_str());
    let facts = facts_for(conn, env, &row.id, place, event, &earlier, due_before)?;
    Ok(stats::insert(conn, &facts)?)
}

/// The facts of one event, placed: `place` is the request's (agency, province) once the event is
/// written; `earlier` its events before this one, oldest first.
pub fn facts_for(
    conn: &mut DbConn,
    env: Env<'_>,
    request_id: &str,
    place: (&str, &str),
    event: &EventRow,
    earlier: &[EventRow],
    due_before: Option<NaiveDateTime>,
) -> AppResult<Vec<NewFact>> {
    if !counts(&event.kind) {
        return Ok(vec![]);
    }
    let data: serde_json::Value = serde_json::from_str(&event.data).unwrap_or_default();
    let parsed: Vec<serde_json::Value> =
        earlier.iter().map(|e| serde_json::from_str(&e.data).unwrap_or_default()).collect();
    let earlier: Vec<Happened<'_>> =
        earlier.iter().zip(&parsed).map(|(e, d)| Happened { kind: &e.kind, at: utc(e.at), data: d }).collect();
    let happened = Happened { kind: &event.kind, at: utc(event.at), data: &data };
    let standing = Standing { due_at: due_before.map(utc), calendar: &env.rules.calendar };
    let mut out = Vec::new();
    for fact in facts_of(&happened, &earlier, standing) {
        let (agency_id, jurisdiction_id) = match fact.whose {
            Whose::Current => (place.0.to_string(), place.1.to_string()),
            Whose::Agency(id) => match agencies::by_id(conn, &id)? {
                Some(a) => (a.id, a.jurisdiction_id),
                None => continue,
            },
        };
        out.push(NewFact {
            request_id: request_id.to_string(),
            jurisdiction_id,
            agency_id,
            at: event.at,
            day: day_number(happened.at),
            kind: fact.kind,
            detail: fact.detail,
            timeliness: fact.timeliness,
            working_days: fact.working_days.map_or(-1, |d| i32::try_from(d).unwrap_or(i32::MAX)),
            hours: fact.hours.map_or(-1, |h| i32::try_from(h).unwrap_or(i32::MAX)),
        });
    }
    Ok(out)
}

/// The event kinds that give facts (the rest need no look at the timeline).
fn counts(kind: &str) -> bool {
    matches!(
        kind,
        "file"
            | "transfer"
            | "reply"
            | "refuse"
            | "withdraw"
            | "overdue"
            | "escalation_opened"
            | "escalation_resolve"
            | "escalation_dismiss"
            | "escalation_order_response"
            | "complain"
            | "outcome_changed"
    )
}
