//! The outbox as administrators see it: how many mails are in each state,
//! which failed or wait for a retry and why (the SMTP error), and "send
//! again", which hands a row back to the mailer (audited).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::json;

use super::accounts::Principal;
use super::audit;
use super::error::{AppError, AppResult};
use super::requests::utc;
use super::{Env, Page, paging};
use crate::db::models::OutboxRow;
use crate::db::{self, DbConn, outbox};
use crate::domain::account::Role;
use crate::domain::id::Id;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OutboxItem {
    pub id: String,
    pub kind: String,
    pub to_email: String,
    pub subject: String,
    /// `pending` (waiting for a retry) or `failed` (given up).
    pub status: String,
    pub attempts: i32,
    pub created_at: DateTime<Utc>,
    pub next_attempt_at: DateTime<Utc>,
    /// The SMTP server's answer or the connection error of the last attempt.
    pub last_error: Option<String>,
}

impl From<OutboxRow> for OutboxItem {
    fn from(r: OutboxRow) -> Self {
        OutboxItem {
            id: r.id,
            kind: r.kind,
            to_email: r.to_email,
            subject: r.subject,
            status: r.status,
            attempts: r.attempts,
            created_at: utc(r.created_at),
            next_attempt_at: utc(r.next_attempt_at),
            last_error: r.last_error,
        }
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OutboxOverview {
    /// Rows per status (`pending`, `sent`, `failed`).
    pub counts: BTreeMap<String, i64>,
    /// Failed mails and mails waiting for a retry, newest first.
    pub troubled: Page<OutboxItem>,
}

fn admin_only(actor: &Principal) -> AppResult<()> {
    if actor.role == Role::Admin {
        Ok(())
    } else {
        Err(AppError::Forbidden("only administrators read the outbox".into()))
    }
}

pub fn overview(
    conn: &mut DbConn,
    actor: &Principal,
    page: Option<i64>,
    per_page: Option<i64>,
) -> AppResult<OutboxOverview> {
    admin_only(actor)?;
    let mut counts: BTreeMap<String, i64> =
        [outbox::PENDING, outbox::SENT, outbox::FAILED].into_iter().map(|s| (s.to_string(), 0)).collect();
    counts.extend(outbox::count_by_status(conn)?);
    let (page, per_page) = paging(page, per_page);
    let (rows, total) = outbox::troubled(conn, (page - 1) * per_page, per_page)?;
    let items = rows.into_iter().map(Into::into).collect();
    Ok(OutboxOverview { counts, troubled: Page { items, total, page, per_page } })
}

fn fields(r: &OutboxRow) -> serde_json::Value {
    json!({
        "kind": r.kind, "to_email": r.to_email, "status": r.status, "attempts": r.attempts,
        "next_attempt_at": utc(r.next_attempt_at), "last_error": r.last_error,
    })
}

/// Hands a failed or waiting mail back to the mailer, due now. A sent mail is
/// not sent twice (409), nor is a mail whose one-time link was already
/// redacted (the person needs a new link instead).
pub fn send_again(conn: &mut DbConn, env: Env<'_>, actor: &Principal, id: &Id) -> AppResult<OutboxItem> {
    admin_only(actor)?;
    db::write(conn, |conn| {
        let old = outbox::find(conn, id.as_str())?.ok_or_else(AppError::not_found)?;
        if old.status == outbox::SENT {
            return Err(AppError::Conflict("this mail was sent already".into()));
        }
        if old.lease_until.is_some_and(|l| l > env.now.naive_utc()) {
            // The mailer holds it right now: resetting it could send it twice.
            return Err(AppError::Conflict("this mail is being sent right now; try again in a few minutes".into()));
        }
        if old.status == outbox::FAILED && outbox::SECRET_LINK_KINDS.contains(&old.kind.as_str()) {
            return Err(AppError::Conflict(
                "this mail's one-time link was removed when it failed; send a new confirmation or invitation".into(),
            ));
        }
        outbox::send_again(conn, &old.id, env.now.naive_utc())?;
        let new = outbox::find(conn, &old.id)?.ok_or_else(AppError::not_found)?;
        let change = audit::Change {
            action: "outbox.send_again",
            target_kind: "outbox",
            target_id: &old.id,
            jurisdiction_id: None,
            before: Some(fields(&old)),
            after: Some(fields(&new)),
        };
        audit::record(conn, env, Some(actor.user.id.as_str()), change)?;
        Ok(new.into())
    })
}
