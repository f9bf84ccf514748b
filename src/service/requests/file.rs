//! Filing a request: checked, numbered, routed, timed, recorded and mailed
//! (on PostgreSQL numbered in a short transaction of its own first).

use chrono::Datelike;
use serde::Deserialize;
use serde_json::json;
use sha2::{Digest, Sha256};

use super::super::accounts::Principal;
use super::super::error::{AppError, AppResult};
use super::super::timeline;
use super::{Env, mail};
use crate::db::models::{Agency, Assignment, EventRow, IdempotencyRow, Jurisdiction, RequestRow, User};
use crate::db::{self, DbConn, agencies, requests, users};
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
    checked(conn, input, agencies::by_id)
}

/// The same with the agency's jurisdiction, in one query.
fn check_placed(conn: &mut DbConn, input: &FileInput) -> AppResult<Checked> {
    let ((agency, jurisdiction), kind, subject, body) = checked(conn, input, agencies::with_jurisdiction)?;
    Ok(Checked { agency, jurisdiction, kind, subject, body })
}

/// A filing's input once checked, with the agency it goes to.
struct Checked {
    agency: Agency,
    jurisdiction: Jurisdiction,
    kind: RequestKind,
    subject: String,
    body: String,
}

fn checked<A>(
    conn: &mut DbConn,
    input: &FileInput,
    find: impl FnOnce(&mut DbConn, &str) -> diesel::QueryResult<Option<A>>,
) -> AppResult<(A, RequestKind, String, String)> {
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
        let a = find(conn, id.as_str())?;
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
    /// What the filing wrote, when the caller can be answered from it without
    /// reading it back (`read::filed_detail`): a new request routed to its
    /// spokespeople. None for a replay, and for a request that went to the
    /// Department (its escalation wrote more than this holds).
    pub written: Option<Written>,
}

/// A new request as its filing wrote it.
pub struct Written {
    pub row: RequestRow,
    pub agency: Agency,
    pub jurisdiction: Jurisdiction,
    pub events: Vec<EventRow>,
}

fn body_hash(input: &FileInput) -> String {
    hex::encode(Sha256::digest(serde_json::to_vec(input).unwrap_or_default()))
}

/// Files a request for a verified reporter.
///
/// The input is checked and its agency found before anything is written, so
/// refused input takes no reference number. On PostgreSQL the number is then
/// taken in a short transaction of its own (`requests::reference_number_apart`)
/// and the request is written in a second one, once, with its final
/// reference: filings of one province no longer queue on the counter row
/// until each commits. A filing that fails after that leaves a gap in the
/// province's numbers. On SQLite the number is taken inside the filing's
/// transaction, without gaps.
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
    let checked = check_placed(conn, input)?;
    let year = env.now.with_timezone(&vietnam()).year();
    let number = requests::reference_number_apart(conn, &checked.jurisdiction.id, year)?;
    let filing = Filing { env, reporter, checked: &checked, number, year, key: key.as_deref(), hash: &hash };
    match db::write(conn, |conn| file_in_tx(conn, &filing)) {
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
            Ok(Some(Filed { id: super::stored_id(&row.request_id)?, replayed: true, written: None }))
        }
        Some(_) => Err(AppError::Conflict("this Idempotency-Key was already used with a different body".into())),
    }
}

/// Everything the filing's transaction works from.
struct Filing<'a> {
    env: Env<'a>,
    reporter: &'a Principal,
    checked: &'a Checked,
    /// The reference number when it was taken before the transaction.
    number: Option<i32>,
    year: i32,
    key: Option<&'a str>,
    hash: &'a str,
}

fn file_in_tx(conn: &mut DbConn, f: &Filing<'_>) -> AppResult<Filed> {
    let (env, reporter) = (f.env, f.reporter);
    let Checked { agency, jurisdiction: j, kind, subject, body } = f.checked;
    let now = env.now;
    let pack = env.rules.policies.in_force(now);
    let deadline = env.rules.deadline(pack, *kind, j, agency, &[ClockEvent::Received { at: now }]);
    // One read gives both the route and the recipients of its notice.
    let assignments = users::assignments_of_agency(conn, &agency.id)?;
    let route = route_with(agency, &assignments, now);
    let n = match f.number {
        Some(n) => n,
        None => requests::next_reference_number(conn, &j.id, f.year)?,
    };
    let reference = format!("{}-{}-{n:06}", j.code, f.year);
    let mut row = RequestRow {
        id: db::new_id(),
        search_text: fold(&format!("{reference} {subject} {body}")),
        reference,
        jurisdiction_id: j.id.clone(),
        agency_id: agency.id.clone(),
        reporter_id: reporter.user.id.clone(),
        kind: *kind,
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
    };
    // The request goes in once, complete: its first event, and (routed to
    // spokespeople) its next check, are known before it is written.
    let first = timeline::first_event(env, &row, Some(&reporter.user.id), "reporter", &filing_event(&row, &route));
    row.last_seq = first.seq;
    if let Route::Spokespeople(_) = route {
        row.next_check_at = crate::service::next_check::next_check_for_new(env, &row, agency, j, None);
    }
    requests::insert(conn, &row)?;
    timeline::write(conn, env, &row, &first)?;
    if let Some(k) = f.key {
        remember_key(conn, reporter, k, f.hash, &row.id, now)?;
    }
    let written = match route {
        Route::Department => {
            let esc = crate::service::escalations::open(conn, env, &mut row, "unroutable", None)?;
            row.next_check_at = crate::service::next_check::next_check_for_new(env, &row, agency, j, Some(&esc));
            requests::update_state(conn, &row, row.version)?;
            None
        }
        Route::Spokespeople(_) => Some(()),
    };
    let in_force: Vec<&User> = assignments
        .iter()
        .filter(|(a, _)| a.valid_from <= now.naive_utc() && a.valid_to.is_none_or(|to| to > now.naive_utc()))
        .map(|(_, u)| u)
        .collect();
    mail::filed(conn, env, &row, agency, &reporter.user, &route, &in_force, &deadline)?;
    let id = super::stored_id(&row.id)?;
    let written =
        written.map(|()| Written { row, agency: agency.clone(), jurisdiction: j.clone(), events: vec![first] });
    Ok(Filed { id, replayed: false, written })
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

/// Where a request for this agency goes at `now`: to its spokespeople whose
/// terms hold at that instant; to the Department when it has none, or when it
/// has been deactivated.
pub fn route_for(conn: &mut DbConn, agency_id: &str, now: chrono::DateTime<chrono::Utc>) -> AppResult<Route> {
    let Some(agency) = agencies::by_id(conn, agency_id)?.filter(|a| a.active) else {
        return Ok(Route::Department);
    };
    Ok(route_with(&agency, &users::assignments_of_agency(conn, agency_id)?, now))
}

/// `route_for` from the agency and its assignments in hand.
fn route_with(agency: &Agency, assignments: &[(Assignment, User)], now: chrono::DateTime<chrono::Utc>) -> Route {
    if !agency.active {
        return Route::Department;
    }
    let assignments: Vec<routing::Assignment> = assignments
        .iter()
        .map(|(a, _)| routing::Assignment {
            user_id: a.user_id.clone(),
            primary: a.is_primary,
            valid_from: super::utc(a.valid_from),
            valid_to: a.valid_to.map(super::utc),
        })
        .collect();
    routing::route(&assignments, now)
}
