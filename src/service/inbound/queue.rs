//! The holding queue: received mail that was not acted on (no or a forged
//! token, the wrong sender, too large, broken, refused by the request's
//! rules). Department staff read it, the original included, and attach a
//! message to a request of their province (a message on its timeline) or
//! discard it; administrators see every province's. Each decision is audited.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::json;

use super::super::accounts::Principal;
use super::super::attachments::read_stored;
use super::super::error::{AppError, AppResult};
use super::super::requests::utc;
use super::super::{Env, Page, audit, paging, timeline};
use super::receive::{ATTACHED, DISCARDED, HELD};
use crate::db::models::InboundMessageRow;
use crate::db::{self, DbConn, inbound, requests};
use crate::domain::account::Role;
use crate::domain::id::Id;
use crate::domain::request::NewEvent;

/// A received message as staff see it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct HeldMessage {
    pub id: String,
    pub received_at: DateTime<Utc>,
    pub from_email: String,
    pub subject: String,
    /// `held`, `attached` or `discarded` (and, for mail that was acted on,
    /// `acted`, `message`, `auto_reply`, `bounce`).
    pub status: String,
    /// Why it was held: `no_token`, `unknown_token`, `revoked_token`,
    /// `several_tokens`, `wrong_sender`, `unknown_sender`, `empty`,
    /// `too_many_attachments`, `too_large`, `unparseable`, or `refused: …`.
    pub reason: Option<String>,
    /// The request its reply address named, if any.
    pub request_id: Option<String>,
    pub size_bytes: i64,
    /// The reply's own text, without the quoted history.
    pub body_text: String,
    /// The quoted history and the signature.
    pub quoted_text: String,
}

impl From<InboundMessageRow> for HeldMessage {
    fn from(r: InboundMessageRow) -> Self {
        HeldMessage {
            id: r.id,
            received_at: utc(r.received_at),
            from_email: r.from_email,
            subject: r.subject,
            status: r.status,
            reason: r.reason,
            request_id: r.request_id,
            size_bytes: r.raw_size,
            body_text: r.body_text,
            quoted_text: r.quoted_text,
        }
    }
}

/// The province whose mail the actor handles (None: every province).
fn scope(actor: &Principal) -> AppResult<Option<String>> {
    match actor.role {
        Role::Admin => Ok(None),
        Role::Staff => Ok(Some(actor.user.jurisdiction_id.clone().unwrap_or_default())),
        _ => Err(AppError::Forbidden("only Department staff handle received mail".into())),
    }
}

/// A message the actor may see (404 otherwise).
fn visible(conn: &mut DbConn, actor: &Principal, id: &Id) -> AppResult<InboundMessageRow> {
    let scope = scope(actor)?;
    let row = inbound::message(conn, id.as_str())?.ok_or_else(AppError::not_found)?;
    if let (Some(j), Some(rid)) = (&scope, &row.request_id) {
        let r = requests::get(conn, rid)?.ok_or_else(AppError::not_found)?;
        if &r.jurisdiction_id != j {
            return Err(AppError::not_found());
        }
    }
    Ok(row)
}

pub fn held(
    conn: &mut DbConn,
    actor: &Principal,
    page: Option<i64>,
    per_page: Option<i64>,
) -> AppResult<Page<HeldMessage>> {
    let scope = scope(actor)?;
    let (page, per_page) = paging(page, per_page);
    let (rows, total) = inbound::held_page(conn, scope.as_deref(), (page - 1) * per_page, per_page)?;
    Ok(Page { items: rows.into_iter().map(Into::into).collect(), total, page, per_page })
}

pub fn get(conn: &mut DbConn, actor: &Principal, id: &Id) -> AppResult<HeldMessage> {
    Ok(visible(conn, actor, id)?.into())
}

/// The message as it arrived (for a message too large to fetch whole, its header).
pub fn original(conn: &mut DbConn, env: Env<'_>, actor: &Principal, id: &Id) -> AppResult<Vec<u8>> {
    let row = visible(conn, actor, id)?;
    let max = env.config.inbound.as_ref().map_or(64 * 1024 * 1024, |i| i.max_bytes + 64 * 1024);
    read_stored(env.config, &row.raw_sha256, max)
}

/// Attaches a held message to a request of the actor's province: the
/// message's text goes on the timeline, seen by both parties.
pub fn attach(conn: &mut DbConn, env: Env<'_>, actor: &Principal, id: &Id, request: &str) -> AppResult<HeldMessage> {
    db::write(conn, |conn| {
        let row = visible(conn, actor, id)?;
        let scope = scope(actor)?;
        let target = inbound::request_by_reference_or_id(conn, request.trim())?
            .filter(|(_, j)| scope.as_ref().is_none_or(|s| s == j))
            .ok_or_else(|| AppError::field("request", "unknown_request"))?;
        let mut r = requests::get_for_update(conn, &target.0)?.ok_or_else(AppError::not_found)?;
        let expected = r.version;
        let text = if row.body_text.trim().is_empty() { row.subject.clone() } else { row.body_text.clone() };
        let event = NewEvent {
            kind: "mail_message".into(),
            body: Some(text),
            data: json!({"from": row.from_email, "inbound_id": row.id}),
            internal: false,
        };
        timeline::append(conn, env, &mut r, Some(&actor.user.id), "staff", &event)?;
        r.updated_at = env.now.naive_utc();
        if !requests::update_state(conn, &r, expected)? {
            return Err(AppError::Conflict("the request was changed meanwhile; try again".into()));
        }
        settle(conn, env, actor, &row, ATTACHED, Some(&r.id), Some(&r.jurisdiction_id))
    })
}

/// Discards a held message (it stays recorded, with who discarded it).
pub fn discard(conn: &mut DbConn, env: Env<'_>, actor: &Principal, id: &Id) -> AppResult<HeldMessage> {
    db::write(conn, |conn| {
        let row = visible(conn, actor, id)?;
        let j = actor.user.jurisdiction_id.clone();
        settle(conn, env, actor, &row, DISCARDED, row.request_id.clone().as_deref(), j.as_deref())
    })
}

fn settle(
    conn: &mut DbConn,
    env: Env<'_>,
    actor: &Principal,
    row: &InboundMessageRow,
    to: &str,
    request_id: Option<&str>,
    jurisdiction_id: Option<&str>,
) -> AppResult<HeldMessage> {
    if !inbound::settle(conn, &row.id, HELD, to, request_id, &actor.user.id, env.now.naive_utc())? {
        return Err(AppError::Conflict("this message was handled already".into()));
    }
    let change = audit::Change {
        action: if to == ATTACHED { "inbound.attach" } else { "inbound.discard" },
        target_kind: "inbound_message",
        target_id: &row.id,
        jurisdiction_id,
        before: Some(json!({"status": row.status, "request_id": row.request_id})),
        after: Some(json!({"status": to, "request_id": request_id})),
    };
    audit::record(conn, env, Some(actor.user.id.as_str()), change)?;
    let fresh = inbound::message(conn, &row.id)?.ok_or_else(AppError::not_found)?;
    Ok(fresh.into())
}

/// An address whose mail bounced: further mail to it is held.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Bouncing {
    pub email: String,
    pub first_at: DateTime<Utc>,
    pub last_at: DateTime<Utc>,
    pub count: i32,
    /// The receiving server's reason (e.g. `smtp; 550 5.1.1 User unknown`).
    pub diagnostic: String,
}

/// The addresses that bounce (the most recent 100).
pub fn bouncing(conn: &mut DbConn, actor: &Principal) -> AppResult<Vec<Bouncing>> {
    scope(actor)?;
    Ok(inbound::bounces(conn, 100)?
        .into_iter()
        .map(|b| Bouncing {
            email: b.email,
            first_at: utc(b.first_at),
            last_at: utc(b.last_at),
            count: b.count,
            diagnostic: b.diagnostic,
        })
        .collect())
}

/// Mail to the address may go again (it was fixed at the other end); audited.
pub fn clear_bounce(conn: &mut DbConn, env: Env<'_>, actor: &Principal, email: &str) -> AppResult<()> {
    scope(actor)?;
    let email = email.trim().to_lowercase();
    db::write(conn, |conn| {
        if inbound::clear_bounce(conn, &email)? == 0 {
            return Err(AppError::not_found());
        }
        let change = audit::Change {
            action: "inbound.clear_bounce",
            target_kind: "mail_address",
            target_id: &email,
            jurisdiction_id: actor.user.jurisdiction_id.as_deref(),
            before: Some(json!({"bouncing": true})),
            after: Some(json!({"bouncing": false})),
        };
        audit::record(conn, env, Some(actor.user.id.as_str()), change)
    })
}
