//! The link in the mail that confirms an answer given by mail: for 24 hours,
//! once, the spokesperson may change the outcome recorded ("granted") to
//! "partial" or "not held". The change is a timeline event, and the reporter
//! is told the outcome as it now stands.

use serde_json::json;

use super::super::Env;
use super::super::error::{AppError, AppResult};
use super::super::requests::{mail as request_mail, place_of, utc};
use super::super::secrets::token_hash;
use super::super::timeline;
use crate::db::models::{InboundMessageRow, RequestRow};
use crate::db::{self, DbConn, inbound, requests};
use crate::domain::request::{Action, NewEvent, Outcome, Status};

/// What the page shows before the change.
#[derive(Debug, Clone)]
pub struct ChangeView {
    pub reference: String,
    pub subject: String,
    pub outcome: Outcome,
    pub until: chrono::DateTime<chrono::Utc>,
}

/// The message and its answered request behind a live link, if it is one.
fn live(
    conn: &mut DbConn,
    env: Env<'_>,
    token: &str,
    lock: bool,
) -> AppResult<Option<(InboundMessageRow, RequestRow)>> {
    if token.is_empty() || token.len() > 100 {
        return Ok(None);
    }
    let Some(m) = inbound::message_by_change_token(conn, &token_hash(token))? else { return Ok(None) };
    if m.change_until.is_none_or(|u| u <= env.now.naive_utc()) {
        return Ok(None);
    }
    let Some(rid) = &m.request_id else { return Ok(None) };
    let r = if lock { requests::get_for_update(conn, rid)? } else { requests::get(conn, rid)? };
    Ok(r.filter(|r| r.status == Status::Answered && r.outcome.is_some()).map(|r| (m, r)))
}

pub fn view(conn: &mut DbConn, env: Env<'_>, token: &str) -> AppResult<Option<ChangeView>> {
    Ok(live(conn, env, token, false)?.map(|(m, r)| ChangeView {
        reference: r.reference,
        subject: r.subject,
        outcome: r.outcome.unwrap_or(Outcome::Granted),
        until: m.change_until.map(utc).unwrap_or(env.now),
    }))
}

/// Changes the outcome; None when the link is unknown, used or expired.
pub fn change(conn: &mut DbConn, env: Env<'_>, token: &str, outcome: &str) -> AppResult<Option<Outcome>> {
    let outcome = Outcome::parse(outcome).ok_or_else(|| AppError::field("outcome", "invalid_choice"))?;
    db::write(conn, |conn| {
        let Some((m, mut r)) = live(conn, env, token, true)? else { return Ok(None) };
        inbound::close_change(conn, &m.id)?;
        let was = r.outcome.unwrap_or(Outcome::Granted);
        if was == outcome {
            return Ok(Some(outcome));
        }
        let expected = r.version;
        r.outcome = Some(outcome);
        r.updated_at = env.now.naive_utc();
        let event = NewEvent {
            kind: "outcome_changed".into(),
            body: None,
            data: json!({"from": was.as_str(), "to": outcome.as_str(), "inbound_id": m.id}),
            internal: false,
        };
        let actor = answerer(conn, &r.id)?;
        timeline::append(conn, env, &mut r, actor.as_deref(), "spokesperson", &event)?;
        if !requests::update_state(conn, &r, expected)? {
            return Err(AppError::Conflict("the request was changed meanwhile; try again".into()));
        }
        // The reporter learns the outcome as it now stands, with the answer.
        let body = requests::events_of(conn, &r.id)?
            .into_iter()
            .rev()
            .find(|e| e.kind == "reply")
            .and_then(|e| e.body)
            .unwrap_or_default();
        let (agency, j) = place_of(conn, &r)?;
        let events = requests::events_of(conn, &r.id)?;
        let dl = super::super::requests::deadline_of(env.rules, &r, &agency, &j, &events);
        let transferred = request_mail::Transferred { from_agency_id: &r.agency_id, route: None };
        request_mail::acted(conn, env, &r, &agency, &Action::Reply { body, outcome }, &dl, transferred)?;
        Ok(Some(outcome))
    })
}

/// Who gave the answer (the actor of its `reply` event).
fn answerer(conn: &mut DbConn, request_id: &str) -> AppResult<Option<String>> {
    Ok(requests::events_of(conn, request_id)?.into_iter().rev().find(|e| e.kind == "reply").and_then(|e| e.actor_id))
}
