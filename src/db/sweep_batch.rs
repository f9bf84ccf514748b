//! The sweep's reads and writes for a whole claimed batch of requests: each a
//! constant number of statements however many requests the batch holds (cut
//! into chunks only to stay under the bind-value limits).

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConn;
use super::models::{Agency, EscalationRow, EventRow, Jurisdiction, RequestRow, User};
use super::multi_row::{self, Bind};
use super::schema::{agencies, escalations, jurisdictions, request_events, requests, sweep_steps, users};
use super::stats::NewFact;

/// Ids per `IN (…)` list.
const IDS_PER_QUERY: usize = 5_000;

/// The requests of `ids` (those that still exist).
pub fn requests_of(conn: &mut DbConn, ids: &[String]) -> QueryResult<Vec<RequestRow>> {
    let mut out = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(IDS_PER_QUERY) {
        out.extend(requests::table.filter(requests::id.eq_any(chunk)).select(RequestRow::as_select()).load(conn)?);
    }
    Ok(out)
}

/// Agencies with their jurisdictions, by agency id.
pub fn places_of(conn: &mut DbConn, agency_ids: &[String]) -> QueryResult<HashMap<String, (Agency, Jurisdiction)>> {
    let mut out = HashMap::new();
    for chunk in agency_ids.chunks(IDS_PER_QUERY) {
        let rows: Vec<(Agency, Jurisdiction)> = agencies::table
            .inner_join(jurisdictions::table)
            .filter(agencies::id.eq_any(chunk))
            .select((Agency::as_select(), Jurisdiction::as_select()))
            .load(conn)?;
        out.extend(rows.into_iter().map(|(a, j)| (a.id.clone(), (a, j))));
    }
    Ok(out)
}

/// Every escalation of the requests, open or not (the caller keeps the open
/// one: see `requests::open_escalation` for why the status is not in SQL).
pub fn escalations_of(conn: &mut DbConn, request_ids: &[String]) -> QueryResult<Vec<EscalationRow>> {
    let mut out = Vec::new();
    for chunk in request_ids.chunks(IDS_PER_QUERY) {
        out.extend(
            escalations::table
                .filter(escalations::request_id.eq_any(chunk))
                .select(EscalationRow::as_select())
                .load(conn)?,
        );
    }
    Ok(out)
}

/// The steps already taken, as (request id, step).
pub fn steps_of(conn: &mut DbConn, request_ids: &[String]) -> QueryResult<Vec<(String, String)>> {
    let mut out = Vec::new();
    for chunk in request_ids.chunks(IDS_PER_QUERY) {
        out.extend(
            sweep_steps::table
                .filter(sweep_steps::request_id.eq_any(chunk))
                .select((sweep_steps::request_id, sweep_steps::step))
                .load::<(String, String)>(conn)?,
        );
    }
    Ok(out)
}

/// The timelines of the requests, each oldest first.
pub fn events_of(conn: &mut DbConn, request_ids: &[String]) -> QueryResult<Vec<EventRow>> {
    let mut out = Vec::new();
    for chunk in request_ids.chunks(IDS_PER_QUERY) {
        out.extend(
            request_events::table
                .filter(request_events::request_id.eq_any(chunk))
                .order((request_events::request_id.asc(), request_events::seq.asc()))
                .select(EventRow::as_select())
                .load(conn)?,
        );
    }
    Ok(out)
}

/// Users by id.
pub fn users_of(conn: &mut DbConn, ids: &[String]) -> QueryResult<HashMap<String, User>> {
    let mut out = HashMap::new();
    for chunk in ids.chunks(IDS_PER_QUERY) {
        let rows: Vec<User> = users::table.filter(users::id.eq_any(chunk)).select(User::as_select()).load(conn)?;
        out.extend(rows.into_iter().map(|u| (u.id.clone(), u)));
    }
    Ok(out)
}

#[derive(QueryableByName)]
struct Recorded {
    #[diesel(sql_type = diesel::sql_types::Text)]
    request_id: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    step: String,
}

/// Records the steps `(request id, step)`; returns those recorded now (a step
/// already recorded, by another sweeper, is left out).
pub fn record_steps(
    conn: &mut DbConn,
    steps: &[(String, String)],
    at: NaiveDateTime,
) -> QueryResult<Vec<(String, String)>> {
    let rows: Vec<Recorded> = multi_row::insert_returning(
        conn,
        "sweep_steps",
        &["request_id", "step", "done_at"],
        steps,
        "ON CONFLICT DO NOTHING RETURNING request_id, step",
        |(r, s)| vec![Bind::Text(r), Bind::Text(s), Bind::At(at)],
    )?;
    Ok(rows.into_iter().map(|r| (r.request_id, r.step)).collect())
}

pub fn insert_events(conn: &mut DbConn, events: &[EventRow]) -> QueryResult<usize> {
    multi_row::insert(
        conn,
        "request_events",
        &[
            "id",
            "request_id",
            "seq",
            "at",
            "actor_id",
            "actor_role",
            "kind",
            "body",
            "data",
            "internal",
            "prev_hash",
            "hash",
        ],
        events,
        "",
        |e| {
            vec![
                Bind::Text(&e.id),
                Bind::Text(&e.request_id),
                Bind::Int(e.seq),
                Bind::At(e.at),
                Bind::OptText(e.actor_id.as_deref()),
                Bind::Text(&e.actor_role),
                Bind::Text(&e.kind),
                Bind::OptText(e.body.as_deref()),
                Bind::Text(&e.data),
                Bind::Bool(e.internal),
                Bind::Text(&e.prev_hash),
                Bind::Text(&e.hash),
            ]
        },
    )
}

pub fn insert_escalations(conn: &mut DbConn, rows: &[EscalationRow]) -> QueryResult<usize> {
    multi_row::insert(
        conn,
        "escalations",
        &[
            "id",
            "request_id",
            "jurisdiction_id",
            "reason",
            "status",
            "opened_at",
            "due_at",
            "assigned_to",
            "closed_at",
            "resolution",
        ],
        rows,
        "",
        |e| {
            vec![
                Bind::Text(&e.id),
                Bind::Text(&e.request_id),
                Bind::Text(&e.jurisdiction_id),
                Bind::Text(&e.reason),
                Bind::Text(e.status.as_str()),
                Bind::At(e.opened_at),
                Bind::OptAt(e.due_at),
                Bind::OptText(e.assigned_to.as_deref()),
                Bind::OptAt(e.closed_at),
                Bind::OptText(e.resolution.as_deref()),
            ]
        },
    )
}

pub fn insert_facts(conn: &mut DbConn, facts: &[NewFact]) -> QueryResult<usize> {
    multi_row::insert(
        conn,
        "stat_facts",
        &[
            "request_id",
            "jurisdiction_id",
            "agency_id",
            "at",
            "day",
            "kind",
            "detail",
            "timeliness",
            "working_days",
            "hours",
        ],
        facts,
        "",
        |f| {
            vec![
                Bind::Text(&f.request_id),
                Bind::Text(&f.jurisdiction_id),
                Bind::Text(&f.agency_id),
                Bind::At(f.at),
                Bind::Int(f.day),
                Bind::Text(f.kind.as_str()),
                Bind::Text(&f.detail),
                Bind::Text(f.timeliness.as_str()),
                Bind::Int(f.working_days),
                Bind::Int(f.hours),
            ]
        },
    )
}

/// What the sweep changes of a request.
#[derive(Debug, Clone)]
pub struct NewState<'a> {
    pub id: &'a str,
    /// The version read; the row is written only if it still has it.
    pub expected_version: i32,
    pub status: &'a str,
    pub last_seq: i32,
    pub next_check_at: Option<NaiveDateTime>,
    pub updated_at: NaiveDateTime,
}

/// Writes the new states in one statement per chunk (`UPDATE … FROM (VALUES …)`,
/// PostgreSQL and SQLite ≥ 3.33); a row whose version moved is left alone.
/// Returns how many rows were written.
pub fn update_states(conn: &mut DbConn, states: &[NewState<'_>]) -> QueryResult<usize> {
    let rows: Vec<Vec<Bind<'_>>> = states
        .iter()
        .map(|s| {
            vec![
                Bind::Text(s.id),
                Bind::Int(s.expected_version),
                Bind::Text(s.status),
                Bind::Int(s.last_seq),
                Bind::OptAt(s.next_check_at),
                Bind::At(s.updated_at),
            ]
        })
        .collect();
    multi_row::execute_rows(conn, &rows, 6, |v| {
        format!(
            "UPDATE requests SET status = v.column3, last_seq = v.column4, next_check_at = v.column5, \
             updated_at = v.column6, version = requests.version + 1 \
             FROM {v} WHERE requests.id = v.column1 AND requests.version = v.column2"
        )
    })
}
