//! The Department's side: its queue of escalations and what it does with them
//! (assign, note, order the agency to respond by a date, resolve, dismiss).
//! Each action is a timeline event of the request and mails the parties.
//!
//! An escalation belongs to the Department of the request's jurisdiction as it
//! is now: a transfer to an agency of another province takes the request's
//! escalations along (`follow_transfer`), and every check here goes by the
//! request's place, never by where an escalation was opened.

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::Env;
use super::accounts::Principal;
use super::error::{AppError, AppResult};
use super::requests::views::{AgencyRef, EscalationView};
use super::requests::{mail, place_of, utc};
use super::{Page, paging, timeline};
use crate::db::models::{EscalationRow, RequestRow};
use crate::db::{self, DbConn, agencies, jurisdictions, requests, users};
use crate::domain::account::Role;
use crate::domain::escalation::EscalationStatus;
use crate::domain::id::Id;
use crate::domain::kind::RequestKind;
use crate::domain::request::{NewEvent, Status, is_overdue};
use crate::domain::validation::FieldErrors;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct EscalationItem {
    #[serde(flatten)]
    pub escalation: EscalationView,
    pub assigned_to: Option<String>,
    pub resolution: Option<String>,
    pub request: EscalatedRequest,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct EscalatedRequest {
    pub id: String,
    pub reference: String,
    pub subject: String,
    pub kind: RequestKind,
    pub status: Status,
    pub overdue: bool,
    pub due_at: Option<DateTime<Utc>>,
    pub agency: AgencyRef,
}

fn staff_jurisdiction(p: &Principal) -> AppResult<String> {
    match (p.role, &p.user.jurisdiction_id) {
        (Role::Staff, Some(j)) => Ok(j.clone()),
        _ => Err(AppError::Forbidden("only Department staff work on escalations".into())),
    }
}

pub fn list(
    conn: &mut DbConn,
    env: Env<'_>,
    p: &Principal,
    status: Option<&str>,
    page: Option<i64>,
    per_page: Option<i64>,
) -> AppResult<Page<EscalationItem>> {
    let j = staff_jurisdiction(p)?;
    let status = match status.map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Some(EscalationStatus::parse(s).ok_or_else(|| AppError::field("status", "invalid_value"))?),
    };
    let (page, per_page) = paging(page, per_page);
    let (rows, total) = requests::escalations_of(conn, &j, status, (page - 1) * per_page, per_page)?;
    Ok(Page { items: items_of(conn, env, rows)?, total, page, per_page })
}

/// One escalation of the caller's Department, or 404.
pub fn one(conn: &mut DbConn, env: Env<'_>, p: &Principal, id: &Id) -> AppResult<EscalationItem> {
    let j = staff_jurisdiction(p)?;
    let row = requests::escalation_with_request(conn, id.as_str())?.filter(|(_, r)| r.jurisdiction_id == j);
    let row = row.ok_or_else(AppError::not_found)?;
    items_of(conn, env, vec![row])?.pop().ok_or_else(AppError::not_found)
}

fn items_of(conn: &mut DbConn, env: Env<'_>, rows: Vec<(EscalationRow, RequestRow)>) -> AppResult<Vec<EscalationItem>> {
    let ids: Vec<String> = rows.iter().map(|(_, r)| r.agency_id.clone()).collect();
    let names: std::collections::HashMap<String, (String, Option<String>)> =
        agencies::by_ids(conn, &ids)?.into_iter().map(|a| (a.id, (a.name, a.name_en))).collect();
    rows.into_iter()
        .map(|(e, r)| {
            let (name, name_en) = names.get(&r.agency_id).cloned().unwrap_or_default();
            let st = r.status;
            Ok(EscalationItem {
                escalation: EscalationView::from(&e),
                assigned_to: e.assigned_to.clone(),
                resolution: e.resolution.clone(),
                request: EscalatedRequest {
                    overdue: is_overdue(st, r.due_at.map(utc), env.now),
                    agency: AgencyRef { id: r.agency_id.clone(), name, name_en },
                    id: r.id,
                    reference: r.reference,
                    subject: r.subject,
                    kind: r.kind,
                    status: r.status,
                    due_at: r.due_at.map(utc),
                },
            })
        })
        .collect()
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[schema(example = json!({"action": "order_response", "due_at": "2026-06-15T17:00:00+07:00", "reason": "Cơ quan chưa trả lời đúng hạn; đề nghị trả lời trước ngày 15/6."}))]
pub struct EscalationAction {
    #[serde(default)]
    #[schema(required = true)]
    pub action: String,
    pub user_id: Option<String>,
    pub body: Option<String>,
    pub due_at: Option<String>,
    pub reason: Option<String>,
    pub resolution: Option<String>,
}

/// A free text of an escalation action: several lines allowed, no other control character.
fn text(field: &str, v: &Option<String>) -> AppResult<String> {
    let mut e = FieldErrors::new();
    let t = e.required_text(field, v.as_deref().unwrap_or_default(), crate::domain::request::MAX_TEXT);
    e.into_result()?;
    Ok(t)
}

/// How far ahead the Department may order an answer: a year (a leap day
/// included). A date further out is a typing slip, not an order.
const MAX_ORDER_AHEAD: TimeDelta = TimeDelta::days(366);

/// Takes an escalation action; returns the escalation as it is afterwards.
pub fn act(conn: &mut DbConn, env: Env<'_>, p: &Principal, id: &Id, a: &EscalationAction) -> AppResult<EscalationItem> {
    let j = staff_jurisdiction(p)?;
    db::write(conn, |conn| -> AppResult<()> {
        let mut esc = requests::escalation(conn, id.as_str())?.ok_or_else(AppError::not_found)?;
        // The request's Department now, wherever the escalation was opened.
        let mut row = requests::get_for_update(conn, &esc.request_id)?
            .filter(|r| r.jurisdiction_id == j)
            .ok_or_else(AppError::not_found)?;
        let expected = row.version;
        let action = a.action.trim();
        if !matches!(action, "assign" | "note" | "order_response" | "resolve" | "dismiss") {
            return Err(AppError::field("action", if action.is_empty() { "required" } else { "unknown_action" }));
        }
        if !esc.status.is_open() {
            return Err(AppError::InvalidTransition(format!("the escalation is {}", esc.status)));
        }
        let (kind, body, data, internal) = apply(conn, env, &j, &mut esc, &mut row, action, a)?;
        requests::update_escalation(conn, &esc)?;
        let event = NewEvent { kind: kind.into(), body: body.clone(), data, internal };
        timeline::append(conn, env, &mut row, Some(&p.user.id), "staff", &event)?;
        row.next_check_at = super::next_check::next_check_for(conn, env, &row)?;
        row.updated_at = env.now.naive_utc();
        if !requests::update_state(conn, &row, expected)? {
            return Err(AppError::Conflict("the request changed meanwhile; reload and try again".into()));
        }
        let (agency, _) = place_of(conn, &row)?;
        if !internal {
            mail::escalation_action(conn, env, &row, &agency, kind, body.as_deref())?;
        }
        Ok(())
    })?;
    one(conn, env, p, id)
}

/// What one action does to the escalation (and, for an order to respond, to
/// the request), and the timeline event that records it:
/// `(kind, body, data, internal)`.
fn apply(
    conn: &mut DbConn,
    env: Env<'_>,
    j: &str,
    esc: &mut EscalationRow,
    row: &mut RequestRow,
    action: &str,
    a: &EscalationAction,
) -> AppResult<(&'static str, Option<String>, serde_json::Value, bool)> {
    let now = env.now;
    Ok(match action {
        "assign" => {
            let uid = text("user_id", &a.user_id)?;
            let u = users::by_id(conn, &uid)?
                .filter(|u| u.role == Role::Staff && u.jurisdiction_id.as_deref() == Some(j))
                .ok_or_else(|| AppError::field("user_id", "not_department_staff"))?;
            esc.assigned_to = Some(u.id.clone());
            (
                "escalation_assign",
                None,
                json!({"escalation_id": esc.id, "user_id": u.id, "full_name": u.full_name}),
                true,
            )
        }
        "note" => ("escalation_note", Some(text("body", &a.body)?), json!({"escalation_id": esc.id}), true),
        "order_response" => {
            let reason = text("reason", &a.reason)?;
            let due = a
                .due_at
                .as_deref()
                .map(str::trim)
                .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
                .map(|d| d.with_timezone(&Utc))
                .ok_or_else(|| AppError::field("due_at", "invalid_instant"))?;
            if due <= now {
                return Err(AppError::field("due_at", "not_in_future"));
            }
            if due > now + MAX_ORDER_AHEAD {
                return Err(AppError::field("due_at", "too_far"));
            }
            if matches!(row.status, Status::Withdrawn | Status::Closed) {
                return Err(AppError::InvalidTransition(format!("the request is {}", row.status)));
            }
            row.status = Status::AwaitingResponse;
            row.finished_at = None;
            row.outcome = None;
            row.refusal_ground = None;
            row.due_at = Some(due.naive_utc());
            ("escalation_order_response", Some(reason), json!({"escalation_id": esc.id, "due_at": due}), false)
        }
        "resolve" => {
            let r = text("resolution", &a.resolution)?;
            esc.status = EscalationStatus::Resolved;
            esc.resolution = Some(r.clone());
            esc.closed_at = Some(now.naive_utc());
            ("escalation_resolve", Some(r), json!({"escalation_id": esc.id}), false)
        }
        _ => {
            let r = text("reason", &a.reason)?;
            esc.status = EscalationStatus::Dismissed;
            esc.resolution = Some(r.clone());
            esc.closed_at = Some(now.naive_utc());
            ("escalation_dismiss", Some(r), json!({"escalation_id": esc.id}), false)
        }
    })
}

/// A transfer took the request to another jurisdiction: its escalations go with
/// it, since only the Department of the province the agency answering now
/// belongs to can act on it. An open one starts afresh there (nobody assigned,
/// the new Department's own review period from now, its review reminder due
/// again), with a timeline event, and both Departments are told. Called inside
/// the transfer's transaction, after the request's place has changed.
pub fn follow_transfer(
    conn: &mut DbConn,
    env: Env<'_>,
    row: &mut RequestRow,
    from_jurisdiction: &str,
    from_agency: &str,
    actor: (&str, &str),
) -> AppResult<()> {
    if row.jurisdiction_id == from_jurisdiction || requests::move_escalations(conn, &row.id, &row.jurisdiction_id)? == 0
    {
        return Ok(());
    }
    let Some(mut esc) = requests::open_escalation(conn, &row.id)? else { return Ok(()) };
    let pack = env.rules.pack_of(&row.policy_version, utc(row.received_at));
    let review_due = crate::domain::deadline::department_review_due(pack, &env.rules.calendar, env.now);
    esc.assigned_to = None;
    esc.due_at = Some(review_due.naive_utc());
    requests::update_escalation(conn, &esc)?;
    let reminder = crate::domain::sweep::Step::ReviewOverdue { escalation_id: esc.id.clone() };
    requests::forget_step(conn, &row.id, &reminder.key())?;
    let code_of = |conn: &mut DbConn, id: &str| -> AppResult<String> {
        Ok(jurisdictions::by_id(conn, id)?.map(|j| j.code).unwrap_or_default())
    };
    let (from_code, to_code) = (code_of(conn, from_jurisdiction)?, code_of(conn, &row.jurisdiction_id)?);
    let event = NewEvent {
        kind: "escalation_transferred".into(),
        body: None,
        data: json!({"escalation_id": esc.id, "reason": esc.reason, "from_jurisdiction": from_code,
                     "to_jurisdiction": to_code}),
        internal: false,
    };
    timeline::append(conn, env, row, Some(actor.0), actor.1, &event)?;
    mail::escalation_followed(conn, env, row, &esc.reason, from_jurisdiction, from_agency)
}

/// A new open escalation of `row` for `reason`, due for the Department's
/// review by the policy's working days, and the timeline event that tells it
/// (written by `open`, and by the sweep's batches together with others).
pub fn opened(env: Env<'_>, row: &RequestRow, reason: &str) -> (EscalationRow, NewEvent) {
    let pack = env.rules.pack_of(&row.policy_version, utc(row.received_at));
    let review_due = crate::domain::deadline::department_review_due(pack, &env.rules.calendar, env.now);
    let esc = EscalationRow {
        id: db::new_id(),
        request_id: row.id.clone(),
        jurisdiction_id: row.jurisdiction_id.clone(),
        reason: reason.into(),
        status: EscalationStatus::Open,
        opened_at: env.now.naive_utc(),
        due_at: Some(review_due.naive_utc()),
        assigned_to: None,
        closed_at: None,
        resolution: None,
    };
    let event = NewEvent {
        kind: "escalation_opened".into(),
        body: None,
        data: json!({"escalation_id": esc.id, "reason": reason}),
        internal: false,
    };
    (esc, event)
}

/// Opens an escalation to the Department (unless one is open) with its
/// timeline event, and mails the Department.
pub fn open(
    conn: &mut DbConn,
    env: Env<'_>,
    row: &mut RequestRow,
    reason: &str,
    actor: Option<(&str, &str)>,
) -> AppResult<EscalationRow> {
    if let Some(open) = requests::open_escalation(conn, &row.id)? {
        return Ok(open);
    }
    let (esc, event) = opened(env, row, reason);
    requests::insert_escalation(conn, &esc)?;
    let (actor_id, role) = actor.unwrap_or(("", "system"));
    timeline::append(conn, env, row, Some(actor_id).filter(|a| !a.is_empty()), role, &event)?;
    mail::escalated(conn, env, row, reason)?;
    Ok(esc)
}
