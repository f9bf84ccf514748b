//! One received message, recorded once and turned into what it means: an
//! action through the same use case as the web (`requests::act`), a message
//! on the timeline, a bounce or an auto-reply noted, or a row of the holding
//! queue with the reason. Nothing is acted on silently: every message leaves
//! a row saying what became of it.

use chrono::Duration;
use diesel::Connection;
use serde_json::json;

use super::super::Env;
use super::super::accounts::Principal;
use super::super::attachments::{attach_in_tx, received_from_bytes, store_bytes};
use super::super::error::{AppError, AppResult};
use super::super::requests::{act::act_in_tx, load_for_change, mail as request_mail};
use super::super::secrets::{new_token, token_hash};
use super::super::timeline;
use super::tokens::{lookup, token_in};
use crate::db::models::{InboundMessageRow, User};
use crate::db::{self, DbConn, inbound, requests, users};
use crate::domain::id::Id;
use crate::domain::request::{ActionInput, NewEvent, Party, Status};
use crate::mail::inbound::{Inbound, Kind, header_facts, parse};
use crate::mail::{Notice, Recipient};

pub const HELD: &str = "held";
pub const ACTED: &str = "acted";
pub const MESSAGE: &str = "message";
pub const AUTO_REPLY: &str = "auto_reply";
pub const BOUNCE: &str = "bounce";
pub const DISCARDED: &str = "discarded";
pub const ATTACHED: &str = "attached";

/// More attachments than this hold the message for staff.
pub const MAX_ATTACHMENTS: usize = 20;
/// How long a spokesperson may change the outcome of an answer given by mail.
pub const CHANGE_HOURS: i64 = 24;

/// What became of a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Receipt {
    /// Already recorded (fetched twice, or by another instance).
    Duplicate,
    Recorded {
        id: String,
        status: String,
        reason: Option<String>,
    },
}

/// What a message comes to, before it is recorded.
#[derive(Debug, Default)]
struct Disposition {
    status: &'static str,
    reason: Option<String>,
    request_id: Option<String>,
    token_hash: Option<String>,
    event_id: Option<String>,
    /// The secret of the link that changes an answer's outcome.
    change: Option<String>,
}

impl Disposition {
    fn held(reason: impl Into<String>) -> Self {
        Disposition { status: HELD, reason: Some(reason.into()), ..Default::default() }
    }
}

const DUPLICATE: &str = "inbound message already recorded";

/// Records `raw` (fetched with IMAP `uid`, if any) and acts on it, in one
/// transaction. The original is kept in the attachment store first.
pub fn receive(conn: &mut DbConn, env: Env<'_>, raw: &[u8], uid: Option<i64>) -> AppResult<Receipt> {
    let max = env.config.inbound.as_ref().map_or(25 * 1024 * 1024, |s| s.max_bytes);
    record(conn, env, raw, raw.len() > max, uid)
}

/// A message larger than the limit, of which only the header section was
/// fetched: held for staff, never parsed.
pub fn receive_oversized(conn: &mut DbConn, env: Env<'_>, head: &[u8], uid: Option<i64>) -> AppResult<Receipt> {
    record(conn, env, head, true, uid)
}

fn record(conn: &mut DbConn, env: Env<'_>, raw: &[u8], too_large: bool, uid: Option<i64>) -> AppResult<Receipt> {
    let parsed = if too_large { None } else { parse(raw, MAX_ATTACHMENTS) };
    let (key, from, subject) = match &parsed {
        Some(p) => (p.message_key.clone(), p.from.clone(), p.subject.clone()),
        None => header_facts(raw),
    };
    if inbound::message_by_key(conn, &key)?.is_some() {
        return Ok(Receipt::Duplicate);
    }
    let raw_sha256 = store_bytes(env.config, raw)?;
    let mut row = InboundMessageRow {
        id: db::new_id(),
        message_key: key,
        imap_uid: uid,
        received_at: env.now.naive_utc(),
        from_email: from.unwrap_or_default(),
        subject: subject.chars().take(500).collect(),
        raw_sha256,
        raw_size: raw.len() as i64,
        status: HELD.into(),
        reason: None,
        request_id: None,
        token_hash: None,
        body_text: parsed.as_ref().map(|p| p.text.clone()).unwrap_or_default(),
        quoted_text: parsed.as_ref().map(|p| p.quoted.clone()).unwrap_or_default(),
        event_id: None,
        change_token_hash: None,
        change_until: None,
        handled_by: None,
        handled_at: None,
    };
    let result = db::write(conn, |conn| -> AppResult<Receipt> {
        let d = match &parsed {
            Some(p) => dispose(conn, env, p)?,
            None if too_large => Disposition::held("too_large"),
            None => Disposition::held("unparseable"),
        };
        row.status = d.status.into();
        row.reason = d.reason.clone();
        row.request_id = d.request_id;
        row.token_hash = d.token_hash;
        row.event_id = d.event_id;
        if let Some(token) = &d.change {
            row.change_token_hash = Some(token_hash(token));
            row.change_until = Some((env.now + Duration::hours(CHANGE_HOURS)).naive_utc());
        }
        // Another instance may have recorded it meanwhile: then this
        // transaction, action included, is rolled back.
        if !inbound::insert_message(conn, &row)? {
            return Err(AppError::Conflict(DUPLICATE.into()));
        }
        Ok(Receipt::Recorded { id: row.id.clone(), status: row.status.clone(), reason: d.reason })
    });
    match result {
        Err(AppError::Conflict(m)) if m == DUPLICATE => Ok(Receipt::Duplicate),
        other => other,
    }
}

/// What a parsed message comes to; an action that fails is undone (its
/// savepoint) and the message held with the reason.
fn dispose(conn: &mut DbConn, env: Env<'_>, p: &Inbound) -> AppResult<Disposition> {
    match &p.kind {
        Kind::AutoReply => return Ok(Disposition { status: AUTO_REPLY, ..Default::default() }),
        Kind::Bounce { failed, diagnostic } => {
            for address in failed {
                inbound::record_bounce(conn, address, diagnostic, env.now.naive_utc())?;
            }
            let reason = (!failed.is_empty()).then(|| failed.join(", "));
            return Ok(Disposition { status: BOUNCE, reason, ..Default::default() });
        }
        Kind::Reply => {}
    }
    let (token_hash, request_id, user) = match matched(conn, env, p)? {
        Ok(m) => m,
        Err((reason, named)) => {
            let (token_hash, request_id) = named.unzip();
            return Ok(Disposition { token_hash, request_id, ..Disposition::held(reason) });
        }
    };
    let hold = |reason: String| Disposition {
        request_id: Some(request_id.clone()),
        token_hash: Some(token_hash.clone()),
        ..Disposition::held(reason)
    };
    if p.text.trim().is_empty() && p.attachments.is_empty() {
        return Ok(hold("empty".into()));
    }
    if p.attachments.len() > MAX_ATTACHMENTS {
        return Ok(hold("too_many_attachments".into()));
    }
    let principal = principal_of(conn, env, &user)?;
    let id = Id::parse(&request_id).ok_or_else(AppError::not_found)?;
    let done = conn.transaction(|conn| act_on(conn, env, &principal, &id, p));
    Ok(match done {
        Ok((status, event_id, change)) => Disposition {
            status,
            request_id: Some(request_id),
            token_hash: Some(token_hash),
            event_id,
            change,
            ..Default::default()
        },
        Err(AppError::Internal(e)) => return Err(AppError::Internal(e)),
        Err(e) => hold(format!("refused: {e}")),
    })
}

/// Why a message matched no account, and the token's hash and request if it named one.
type Unmatched = (&'static str, Option<(String, String)>);

/// The token a message was sent to, checked against its sender: the token's
/// hash, its request and the account, or the reason to hold the message
/// (with the token's hash and request when there is one).
fn matched(conn: &mut DbConn, env: Env<'_>, p: &Inbound) -> AppResult<Result<(String, String, User), Unmatched>> {
    let Some(settings) = &env.config.inbound else { return Ok(Err(("no_token", None))) };
    let mut tokens: Vec<String> =
        p.recipients.iter().filter_map(|r| token_in(r, &settings.local, &settings.domain)).collect();
    tokens.dedup();
    let token = match tokens.as_slice() {
        [] => return Ok(Err(("no_token", None))),
        [one] => one,
        _ => return Ok(Err(("several_tokens", None))),
    };
    let Some(row) = lookup(conn, token)? else { return Ok(Err(("unknown_token", None))) };
    let named = Some((row.token_hash.clone(), row.request_id.clone()));
    if row.revoked_at.is_some() {
        return Ok(Err(("revoked_token", named)));
    }
    if p.from.as_deref() != Some(row.email.as_str()) {
        return Ok(Err(("wrong_sender", named)));
    }
    let user = match &row.user_id {
        Some(id) => users::by_id(conn, id)?,
        None => None,
    };
    match user {
        Some(u) if u.disabled_at.is_none() && u.email.eq_ignore_ascii_case(&row.email) => {
            Ok(Ok((row.token_hash, row.request_id, u)))
        }
        _ => Ok(Err(("unknown_sender", named))),
    }
}

/// The account as a principal, as if signed in (without a session).
fn principal_of(conn: &mut DbConn, env: Env<'_>, user: &User) -> AppResult<Principal> {
    let agency_ids =
        users::assignments_of_user(conn, &user.id, env.now.naive_utc())?.into_iter().map(|a| a.agency_id).collect();
    Ok(Principal { role: user.role, user: user.into(), session_id: String::new(), agency_ids })
}

/// The reporter's reply to a clarification request is the clarification; a
/// spokesperson's reply to a request awaiting response is an answer
/// ("granted", changeable by link for a day); any other reply is a message on
/// the timeline. Attachments follow as the request's files.
fn act_on(
    conn: &mut DbConn,
    env: Env<'_>,
    p: &Principal,
    id: &Id,
    m: &Inbound,
) -> AppResult<(&'static str, Option<String>, Option<String>)> {
    let (mut row, party) = load_for_change(conn, p, id)?;
    if matches!(row.status, Status::Withdrawn | Status::Closed) {
        return Err(AppError::InvalidTransition(format!("the request is {}", row.status.as_str())));
    }
    let text = m.text.trim().to_string();
    let input = |action: &str| ActionInput {
        action: action.into(),
        body: Some(text.clone()),
        outcome: Some("granted".into()),
        ..Default::default()
    };
    let (status, event_id, change) = match (party, row.status) {
        (Party::Reporter, Status::AwaitingClarification) if !text.is_empty() => {
            act_in_tx(conn, env, p, id, &input("clarify"))?;
            (ACTED, None, None)
        }
        (Party::Spokesperson, Status::AwaitingResponse) if !text.is_empty() => {
            act_in_tx(conn, env, p, id, &input("reply"))?;
            let token = new_token().0;
            confirm_answer(conn, env, p, id, &token)?;
            (ACTED, None, Some(token))
        }
        _ => {
            let expected = row.version;
            let event = NewEvent { kind: "mail_message".into(), body: Some(text), data: json!({}), internal: false };
            let e = timeline::append(conn, env, &mut row, Some(&p.user.id), party.role_name(), &event)?;
            request_mail::mail_message(conn, env, &row, party, e.body.as_deref().unwrap_or_default())?;
            row.updated_at = env.now.naive_utc();
            if !requests::update_state(conn, &row, expected)? {
                return Err(AppError::Conflict("the request was changed meanwhile".into()));
            }
            (MESSAGE, Some(e.id), None)
        }
    };
    for a in &m.attachments {
        let file = received_from_bytes(env.config, &a.filename, &a.bytes)?;
        attach_in_tx(conn, env, p, id, file)?;
    }
    Ok((status, event_id, change))
}

/// Tells the spokesperson the reply became the answer, with the link that
/// changes its outcome for a day (without a Reply-To: it is no request mail).
fn confirm_answer(conn: &mut DbConn, env: Env<'_>, p: &Principal, id: &Id, token: &str) -> AppResult<()> {
    let r = requests::get(conn, id.as_str())?.ok_or_else(AppError::not_found)?;
    let to = Recipient {
        email: p.user.email.clone(),
        name: Some(p.user.full_name.clone()),
        locale: p.user.locale,
        user_id: None,
    };
    let notice = Notice::MailAnswerRecorded {
        name: p.user.full_name.clone(),
        reference: r.reference,
        subject: r.subject,
        token: token.to_string(),
    };
    crate::mail::queue(conn, env.config, env.now, &to, &notice)?;
    Ok(())
}
