//! Filing a request: checked, numbered, routed, timed, recorded and mailed in
//! one transaction.

use chrono::Datelike;
use serde::Deserialize;
use serde_json::json;
use sha2::{Digest, Sha256};

use super::super::accounts::Principal;
use super::super::error::{AppError, AppResult};
use super::super::timeline;
use super::{Env, mail};
use crate::db::models::{IdempotencyRow, Jurisdiction, RequestRow};
use crate::db::{self, DbConn, agencies, jurisdictions, requests, users};
use crate::domain::account::Role;
use crate::domain::deadline::ClockEvent;
use crate::domain::id::Id;
use crate::domain::kind::RequestKind;
use crate::domain::request::{MAX_TEXT, NewEvent, Status};
use crate::domain::routing::{self, Route};
use crate::domain::text::fold;
use crate::domain::validation::FieldErrors;
use crate::i18n::vietnam;

#[derive(Debug, Clone, Default, Deserialize, serde::Serialize, utoipa::ToSchema)]
#[schema(example = json!({"agency_id": "01938f6e-7c1a-7a43-9a43-2f1c0e5a9b10", "kind": "information", "subject": "Số ca sốt xuất huyết tại Thái Nguyên năm 2026", "body": "Đề nghị Sở Y tế cung cấp số ca sốt xuất huyết theo từng huyện từ tháng 1 đến tháng 6 năm 2026 và các biện pháp phòng chống đã triển khai."}))]
pub struct FileInput {
    #[serde(default)]
    #[schema(required = true, format = Uuid)]
    pub agency_id: String,
    #[serde(default)]
    #[schema(required = true, value_type = crate::domain::kind::RequestKind)]
    pub kind: String,
    #[serde(default)]
    #[schema(required = true)]
    pub subject: String,
    #[serde(default)]
    #[schema(required = true)]
    pub body: String,
}

pub const MAX_SUBJECT: usize = 300;

/// Checks the fields and finds the agency; also used by the preview.
pub fn check(conn: &mut DbConn, input: &FileInput) -> AppResult<(db::models::Agency, RequestKind, String, String)> {
    let mut e = FieldErrors::new();
    let kind = match RequestKind::parse(&input.kind) {
        Some(k) => Some(k),
        None => {
            e.add("kind", if input.kind.trim().is_empty() { "required" } else { "invalid_kind" });
            None
        }
    };
    let subject = e.required("subject", &input.subject, MAX_SUBJECT);
    let body = e.required_text("body", &input.body, MAX_TEXT);
    let agency = if input.agency_id.trim().is_empty() {
        e.add("agency_id", "required");
        None
    } else if let Some(id) = Id::parse(&input.agency_id) {
        let a = agencies::by_id(conn, id.as_str())?;
        if a.is_none() {
            e.add("agency_id", "unknown_agency");
        }
        a
    } else {
        e.add("agency_id", "unknown_agency");
        None
    };
    e.into_result()?;
    match (agency, kind) {
        (Some(a), Some(k)) => Ok((a, k, subject, body)),
        _ => Err(AppError::Internal(anyhow::anyhow!("checked input lost its agency or kind"))),
    }
}

/// The outcome of a filing: the new request's id, or the earlier one when an
/// Idempotency-Key is replayed.
pub struct Filed {
    pub id: Id,
    pub replayed: bool,
}

fn body_hash(input: &FileInput) -> String {
    hex::encode(Sha256::digest(serde_json::to_vec(input).unwrap_or_default()))
}

/// Files a request for a verified reporter.
pub fn file(
    conn: &mut DbConn,
    env: Env<'_>,
    reporter: &Principal,
    input: &FileInput,
    idempotency_key: Option<&str>,
) -> AppResult<Filed> {
    if reporter.role != Role::Reporter {
        return Err(AppError::Forbidden("only reporters file requests".into()));
    }
    if !reporter.user.verified {
        return Err(AppError::Forbidden(
            "confirm your email address first: open the link we mailed you (or ask for a new one)".into(),
        ));
    }
    let key = match idempotency_key.map(str::trim) {
        None => None,
        Some(k) if k.is_empty() || k.len() > 200 || crate::domain::text::refused_in_line(k).is_some() => {
            return Err(AppError::field("idempotency_key", "invalid_value"));
        }
        Some(k) => Some(k.to_string()),
    };
    let hash = body_hash(input);
    if let Some(k) = &key
        && let Some(found) = replay(conn, &reporter.user.id, k, &hash)?
    {
        return Ok(found);
    }
    match db::write(conn, |conn| file_in_tx(conn, env, reporter, input, key.as_deref(), &hash)) {
        // Two requests with one key at once: the other committed first.
        Err(AppError::Conflict(m)) if m == IDEMPOTENCY_RACE => {
            let k = key.as_deref().unwrap_or_default();
            replay(conn, &reporter.user.id, k, &hash)?.ok_or_else(|| AppError::Conflict("try again".into()))
        }
        other => other,
    }
}

const IDEMPOTENCY_RACE: &str = "idempotency race";

fn replay(conn: &mut DbConn, user_id: &str, key: &str, hash: &str) -> AppResult<Option<Filed>> {
    match requests::idempotency(conn, user_id, key)? {
        None => Ok(None),
        Some(row) if row.body_hash == hash => {
            Ok(Some(Filed { id: super::stored_id(&row.request_id)?, replayed: true }))
        }
        Some(_) => Err(AppError::Conflict("this Idempotency-Key was already used with a different body".into())),
    }
}

fn file_in_tx(
    conn: &mut DbConn,
    env: Env<'_>,
    reporter: &Principal,
    input: &FileInput,
    key: Option<&str>,
    hash: &str,
) -> AppResult<Filed> {
    let (agency, kind, subject, body) = check(conn, input)?;
    let j = jurisdictions::by_id(conn, &agency.jurisdiction_id)?.ok_or_else(AppError::not_found)?;
    let now = env.now;
    let pack = env.rules.policies.in_force(now);
    let deadline = env.rules.deadline(pack, kind, &j, &agency, &[ClockEvent::Received { at: now }]);

    let route = route_for(conn, &agency.id, now)?;
    // The request is written under its id and numbered last: the counter row
    // stays locked from its bump until commit, so the less work after it, the
    // more filings a province takes per second.
    let id = db::new_id();
    let mut row = RequestRow {
        id: id.clone(),
        reference: id.clone(),
        jurisdiction_id: j.id.clone(),
        agency_id: agency.id.clone(),
        reporter_id: reporter.user.id.clone(),
        kind,
        subject: subject.clone(),
        body: body.clone(),
        status: Status::AwaitingResponse,
        outcome: None,
        refusal_ground: None,
        policy_version: pack.version.clone(),
        received_at: now.naive_utc(),
        due_at: deadline.due_at.map(|d| d.naive_utc()),
        acknowledged_at: None,
        complex: false,
        extensions: 0,
        finished_at: None,
        last_seq: 0,
        next_check_at: None,
        version: 1,
        updated_at: now.naive_utc(),
        search_text: String::new(),
    };
    requests::insert(conn, &row)?;

    let event = filing_event(&row, &route);
    timeline::append(conn, env, &mut row, Some(&reporter.user.id), "reporter", &event)?;
    if let Some(k) = key {
        remember_key(conn, reporter, k, hash, &row.id, now)?;
    }

    give_reference(conn, &mut row, &j, now)?;
    let esc = match route {
        Route::Department => Some(crate::service::escalations::open(conn, env, &mut row, "unroutable", None)?),
        Route::Spokespeople(_) => None,
    };
    row.next_check_at = crate::service::next_check::next_check_for_new(env, &row, &agency, &j, esc.as_ref());
    requests::update_state(conn, &row, row.version)?;
    // The receipt goes to the account as stored (the principal carries only its view).
    let reporter_row = users::by_id(conn, &reporter.user.id)?.ok_or_else(AppError::not_found)?;
    mail::filed(conn, env, &row, &agency, &reporter_row, &route, &deadline)?;
    Ok(Filed { id: super::stored_id(&row.id)?, replayed: false })
}

/// The timeline's first event: what was filed, under which policy, due when,
/// and to whom it went.
fn filing_event(row: &RequestRow, route: &Route) -> NewEvent {
    let routed_to = match route {
        Route::Spokespeople(ids) => json!(ids),
        Route::Department => json!("department"),
    };
    NewEvent {
        kind: "file".into(),
        body: Some(row.body.clone()),
        data: json!({
            "agency_id": row.agency_id,
            "kind": row.kind.as_str(),
            "subject": row.subject,
            "policy_version": row.policy_version,
            "due_at": row.due_at.map(super::utc),
            "routed_to": routed_to,
        }),
        internal: false,
    }
}

/// Records the filing's idempotency key; a twin that got there first is a
/// conflict the caller retries into a replay.
fn remember_key(
    conn: &mut DbConn,
    reporter: &Principal,
    key: &str,
    hash: &str,
    request_id: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<()> {
    let idem = IdempotencyRow {
        user_id: reporter.user.id.clone(),
        idem_key: key.to_string(),
        body_hash: hash.to_string(),
        request_id: request_id.to_string(),
        created_at: now.naive_utc(),
    };
    // A savepoint, so a concurrent twin's insert can fail without aborting us.
    db::savepoint(conn, |c| requests::insert_idempotency(c, &idem))
        .map_err(|e| if db::is_unique_violation(&e) { AppError::Conflict(IDEMPOTENCY_RACE.into()) } else { e.into() })
}

/// Numbers the request in its province's yearly series (`TNG-2026-000042`)
/// and makes it findable by that number.
fn give_reference(
    conn: &mut DbConn,
    row: &mut RequestRow,
    j: &Jurisdiction,
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<()> {
    let year = now.with_timezone(&vietnam()).year();
    let n = requests::next_reference_number(conn, &j.id, year)?;
    row.reference = format!("{}-{year}-{n:06}", j.code);
    row.search_text = fold(&format!("{} {} {}", row.reference, row.subject, row.body));
    Ok(())
}

/// Where a request for this agency goes at `now`: to its spokespeople whose
/// terms hold at that instant; to the Department when it has none, or when it
/// has been deactivated.
pub fn route_for(conn: &mut DbConn, agency_id: &str, now: chrono::DateTime<chrono::Utc>) -> AppResult<Route> {
    if !agencies::by_id(conn, agency_id)?.is_some_and(|a| a.active) {
        return Ok(Route::Department);
    }
    let assignments: Vec<routing::Assignment> = users::assignments_of_agency(conn, agency_id)?
        .into_iter()
        .map(|(a, _)| routing::Assignment {
            user_id: a.user_id,
            primary: a.is_primary,
            valid_from: super::utc(a.valid_from),
            valid_to: a.valid_to.map(super::utc),
        })
        .collect();
    Ok(routing::route(&assignments, now))
}
