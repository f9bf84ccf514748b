//! Requests, their timeline, reference numbers, idempotency keys, attachments
//! and escalation rows.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConn;
use super::models::{AttachmentRow, EscalationRow, EventRow, IdempotencyRow, RequestRow, SummaryRow};
use super::schema::{attachments, escalations, idempotency_keys, reference_counters, request_events, requests};
use crate::domain::escalation::EscalationStatus;
use crate::domain::text::like_escape;

/// Allocates the next number of a jurisdiction's year, inside the caller's
/// transaction. The counter row is locked by the update until commit, so two
/// filings never get the same number, and a rolled-back filing releases its
/// number only if nothing after it committed (numbers are never reused).
pub fn next_reference_number(conn: &mut DbConn, jurisdiction_id: &str, year: i32) -> QueryResult<i32> {
    for _ in 0..3 {
        let bumped: Option<i32> = diesel::update(
            reference_counters::table
                .filter(reference_counters::jurisdiction_id.eq(jurisdiction_id))
                .filter(reference_counters::year.eq(year)),
        )
        .set(reference_counters::last_value.eq(reference_counters::last_value + 1))
        .returning(reference_counters::last_value)
        .get_result(conn)
        .optional()?;
        if let Some(n) = bumped {
            return Ok(n);
        }
        // First request of the year: create the counter. A concurrent first
        // filing may win the insert; the savepoint keeps our transaction alive
        // and the loop takes the update path.
        let inserted = conn.transaction(|c| {
            diesel::insert_into(reference_counters::table)
                .values((
                    reference_counters::jurisdiction_id.eq(jurisdiction_id),
                    reference_counters::year.eq(year),
                    reference_counters::last_value.eq(1),
                ))
                .execute(c)
        });
        match inserted {
            Ok(_) => return Ok(1),
            Err(e) if super::is_unique_violation(&e) => continue,
            Err(e) => return Err(e),
        }
    }
    Err(diesel::result::Error::RollbackTransaction)
}

diesel::define_sql_function!(
    /// PostgreSQL only (migration 000015): the next number of a province's
    /// year, taken in a transaction of its own, committed without waiting for
    /// the disk.
    fn take_reference_number(jurisdiction: diesel::sql_types::Text, of_year: diesel::sql_types::Integer) -> diesel::sql_types::Integer
);

/// Takes the next number of a jurisdiction's year in a transaction of its own,
/// before the filing's, when that is possible: on PostgreSQL, outside any
/// transaction. The counter row is then locked for this one statement rather
/// than until the filing commits, so filings of a province no longer queue on
/// it; the price is that a filing that fails after this leaves a gap (numbers
/// are unique and increasing, not gapless). None on SQLite (its one writer
/// serialises filings anyway, so numbering inside the transaction costs
/// nothing and leaves no gap) or inside a transaction: the caller numbers with
/// `next_reference_number` in its own transaction instead.
pub fn reference_number_apart(conn: &mut DbConn, jurisdiction_id: &str, year: i32) -> QueryResult<Option<i32>> {
    use diesel::connection::{AnsiTransactionManager, TransactionManager};
    let DbConn::Pg(c) = conn else { return Ok(None) };
    if AnsiTransactionManager::transaction_manager_status_mut(c).transaction_depth()?.is_some() {
        return Ok(None);
    }
    diesel::select(take_reference_number(jurisdiction_id, year)).get_result(c).map(Some)
}

pub fn insert(conn: &mut DbConn, r: &RequestRow) -> QueryResult<()> {
    diesel::insert_into(requests::table).values(r).execute(conn).map(|_| ())
}

pub fn get(conn: &mut DbConn, id: &str) -> QueryResult<Option<RequestRow>> {
    requests::table.find(id).select(RequestRow::as_select()).first(conn).optional()
}

/// Reads a request to change it: on PostgreSQL the row stays locked until the
/// transaction ends, so a concurrent writer waits and then sees the new state
/// (SQLite's single writer already serialises).
pub fn get_for_update(conn: &mut DbConn, id: &str) -> QueryResult<Option<RequestRow>> {
    match conn {
        DbConn::Pg(c) => requests::table.find(id).for_update().select(RequestRow::as_select()).first(c).optional(),
        DbConn::Sqlite(_) => get(conn, id),
    }
}

pub fn by_reference(conn: &mut DbConn, reference: &str) -> QueryResult<Option<RequestRow>> {
    requests::table.filter(requests::reference.eq(reference)).select(RequestRow::as_select()).first(conn).optional()
}

pub fn all_ids(conn: &mut DbConn) -> QueryResult<Vec<String>> {
    requests::table.order(requests::id.asc()).select(requests::id).load(conn)
}

/// Writes the new state if nobody changed the request since it was read
/// (`expected_version`); false when another writer got there first.
pub fn update_state(conn: &mut DbConn, row: &RequestRow, expected_version: i32) -> QueryResult<bool> {
    let n = diesel::update(requests::table.find(&row.id).filter(requests::version.eq(expected_version)))
        .set((
            requests::agency_id.eq(&row.agency_id),
            requests::jurisdiction_id.eq(&row.jurisdiction_id),
            requests::reference.eq(&row.reference),
            requests::search_text.eq(&row.search_text),
            requests::status.eq(&row.status),
            requests::outcome.eq(&row.outcome),
            requests::refusal_ground.eq(&row.refusal_ground),
            requests::due_at.eq(row.due_at),
            requests::acknowledged_at.eq(row.acknowledged_at),
            requests::complex.eq(row.complex),
            requests::extensions.eq(row.extensions),
            requests::finished_at.eq(row.finished_at),
            requests::last_seq.eq(row.last_seq),
            requests::next_check_at.eq(row.next_check_at),
            requests::version.eq(expected_version + 1),
            requests::updated_at.eq(row.updated_at),
        ))
        .execute(conn)?;
    Ok(n == 1)
}

/// Who may see which requests, as the list queries apply it.
#[derive(Debug, Clone)]
pub enum Scope {
    Reporter(String),
    Agencies(Vec<String>),
    Jurisdiction(String),
}

#[derive(Debug, Clone, Default)]
pub struct Filters {
    pub status: Option<String>,
    /// Only requests whose clock runs (awaiting a response or a clarification).
    pub open_only: bool,
    pub overdue_at: Option<NaiveDateTime>,
    pub agency_id: Option<String>,
    pub kind: Option<String>,
    pub terms: Vec<String>,
}

/// A page of requests in scope: open ones first, then by due instant (the most
/// urgent, overdue ones, first; paused ones after), then newest. The order is
/// the stored `queue_rank, queue_due, received_at DESC, id DESC`, which the
/// scope's index holds, so a page of a large inbox reads only its own rows;
/// the id last makes it total, so paging never shows a row twice or never.
pub fn list(
    conn: &mut DbConn,
    scope: &Scope,
    f: &Filters,
    offset: i64,
    limit: i64,
) -> QueryResult<(Vec<SummaryRow>, i64)> {
    let build = || {
        let mut q = requests::table.into_boxed();
        q = match scope {
            Scope::Reporter(id) => q.filter(requests::reporter_id.eq(id.clone())),
            // One agency (the usual case) as an equality, which the index
            // serves in order; `= ANY(…)` would make PostgreSQL sort.
            Scope::Agencies(ids) if ids.len() == 1 => q.filter(requests::agency_id.eq(ids[0].clone())),
            Scope::Agencies(ids) => q.filter(requests::agency_id.eq_any(ids.clone())),
            Scope::Jurisdiction(id) => q.filter(requests::jurisdiction_id.eq(id.clone())),
        };
        if let Some(s) = &f.status {
            q = q.filter(requests::status.eq(s.clone()));
        }
        if f.open_only {
            q = q.filter(requests::status.eq_any(OPEN));
        }
        if let Some(now) = f.overdue_at {
            q = q.filter(requests::status.eq("awaiting_response")).filter(requests::due_at.lt(now));
        }
        if let Some(a) = &f.agency_id {
            q = q.filter(requests::agency_id.eq(a.clone()));
        }
        if let Some(k) = &f.kind {
            q = q.filter(requests::kind.eq(k.clone()));
        }
        for t in &f.terms {
            q = q.filter(requests::search_text.like(format!("%{}%", like_escape(t))).escape('\\'));
        }
        q
    };
    let total = match counted_total(conn, scope, f)? {
        Some(n) => n,
        None => build().count().get_result(conn)?,
    };
    let rows = build()
        .order((
            requests::queue_rank.asc(),
            requests::queue_due.asc(),
            requests::received_at.desc(),
            requests::id.desc(),
        ))
        .offset(offset)
        .limit(limit)
        .select(SummaryRow::as_select())
        .load(conn)?;
    Ok((rows, total))
}

const OPEN: [&str; 2] = ["awaiting_response", "awaiting_clarification"];

/// The total from the per-agency counts, when the filters are ones the counts
/// answer (agency and status); None when the rows must be counted.
fn counted_total(conn: &mut DbConn, scope: &Scope, f: &Filters) -> QueryResult<Option<i64>> {
    use super::schema::{agencies, request_counts};
    if !f.terms.is_empty() || f.kind.is_some() || f.overdue_at.is_some() {
        return Ok(None);
    }
    let mut in_scope: Vec<String> = match scope {
        Scope::Reporter(_) => return Ok(None),
        Scope::Agencies(ids) => ids.clone(),
        Scope::Jurisdiction(j) => {
            agencies::table.filter(agencies::jurisdiction_id.eq(j)).select(agencies::id).load(conn)?
        }
    };
    if let Some(a) = &f.agency_id {
        in_scope.retain(|id| id == a);
    }
    let mut q = request_counts::table.filter(request_counts::agency_id.eq_any(in_scope)).into_boxed();
    if let Some(s) = &f.status {
        q = q.filter(request_counts::status.eq(s.clone()));
    }
    if f.open_only {
        q = q.filter(request_counts::status.eq_any(OPEN));
    }
    // Each count is spread over slots (migration 000015): all of them add up.
    let counts: Vec<i64> = q.select(request_counts::n).load(conn)?;
    Ok(Some(counts.into_iter().sum()))
}

pub fn insert_event(conn: &mut DbConn, e: &EventRow) -> QueryResult<()> {
    diesel::insert_into(request_events::table).values(e).execute(conn).map(|_| ())
}

pub fn events_of(conn: &mut DbConn, request_id: &str) -> QueryResult<Vec<EventRow>> {
    request_events::table
        .filter(request_events::request_id.eq(request_id))
        .order(request_events::seq.asc())
        .select(EventRow::as_select())
        .load(conn)
}

pub fn last_event_hash(conn: &mut DbConn, request_id: &str) -> QueryResult<Option<String>> {
    request_events::table
        .filter(request_events::request_id.eq(request_id))
        .order(request_events::seq.desc())
        .select(request_events::hash)
        .first(conn)
        .optional()
}

pub fn idempotency(conn: &mut DbConn, user_id: &str, key: &str) -> QueryResult<Option<IdempotencyRow>> {
    idempotency_keys::table
        .filter(idempotency_keys::user_id.eq(user_id))
        .filter(idempotency_keys::idem_key.eq(key))
        .select(IdempotencyRow::as_select())
        .first(conn)
        .optional()
}

pub fn insert_idempotency(conn: &mut DbConn, row: &IdempotencyRow) -> QueryResult<()> {
    diesel::insert_into(idempotency_keys::table).values(row).execute(conn).map(|_| ())
}

pub fn insert_attachment(conn: &mut DbConn, a: &AttachmentRow) -> QueryResult<()> {
    diesel::insert_into(attachments::table).values(a).execute(conn).map(|_| ())
}

pub fn attachments_of(conn: &mut DbConn, request_id: &str) -> QueryResult<Vec<AttachmentRow>> {
    attachments::table
        .filter(attachments::request_id.eq(request_id))
        .order(attachments::created_at.asc())
        .select(AttachmentRow::as_select())
        .load(conn)
}

pub fn attachment(conn: &mut DbConn, request_id: &str, id: &str) -> QueryResult<Option<AttachmentRow>> {
    attachments::table
        .find(id)
        .filter(attachments::request_id.eq(request_id))
        .select(AttachmentRow::as_select())
        .first(conn)
        .optional()
}

pub fn insert_escalation(conn: &mut DbConn, e: &EscalationRow) -> QueryResult<()> {
    diesel::insert_into(escalations::table).values(e).execute(conn).map(|_| ())
}

/// The request's open escalation. The status is checked here rather than in
/// SQL: a bound `status = ?` matches the predicate of the partial unique index
/// `escalations_one_open` only once bound, so SQLite re-prepares such a
/// statement at every run. A request has few escalations.
pub fn open_escalation(conn: &mut DbConn, request_id: &str) -> QueryResult<Option<EscalationRow>> {
    let all = escalations::table
        .filter(escalations::request_id.eq(request_id))
        .select(EscalationRow::as_select())
        .load(conn)?;
    Ok(all.into_iter().find(|e| e.status.is_open()))
}

pub fn latest_escalation(conn: &mut DbConn, request_id: &str) -> QueryResult<Option<EscalationRow>> {
    escalations::table
        .filter(escalations::request_id.eq(request_id))
        .order(escalations::opened_at.desc())
        .select(EscalationRow::as_select())
        .first(conn)
        .optional()
}

/// Claims up to `limit` requests the sweeper must look at now. On PostgreSQL
/// the rows stay locked until the caller's transaction ends and other
/// sweepers skip them (`FOR UPDATE SKIP LOCKED`); SQLite has one writer at a
/// time, which the caller's `BEGIN IMMEDIATE` already holds. Reads only the
/// partial index on `next_check_at`.
pub fn claim_due(conn: &mut DbConn, now: NaiveDateTime, limit: i64) -> QueryResult<Vec<String>> {
    let q = requests::table
        .filter(requests::next_check_at.is_not_null())
        .filter(requests::next_check_at.le(now))
        .order(requests::next_check_at.asc())
        .limit(limit)
        .select(requests::id);
    match conn {
        DbConn::Pg(c) => q.for_update().skip_locked().load(c),
        DbConn::Sqlite(c) => q.load(c),
    }
}

/// Puts off a request's next check, without reading the row.
pub fn defer_check(conn: &mut DbConn, request_id: &str, until: NaiveDateTime) -> QueryResult<()> {
    diesel::update(requests::table.find(request_id)).set(requests::next_check_at.eq(until)).execute(conn)?;
    Ok(())
}

pub fn steps_done(conn: &mut DbConn, request_id: &str) -> QueryResult<Vec<String>> {
    use super::schema::sweep_steps;
    sweep_steps::table.filter(sweep_steps::request_id.eq(request_id)).select(sweep_steps::step).load(conn)
}

/// Records a step; false when it was already recorded (by another sweeper).
/// `ON CONFLICT DO NOTHING` leaves the caller's transaction intact without a
/// savepoint.
pub fn record_step(conn: &mut DbConn, request_id: &str, step: &str, at: NaiveDateTime) -> QueryResult<bool> {
    use super::schema::sweep_steps;
    let q = diesel::insert_into(sweep_steps::table)
        .values((sweep_steps::request_id.eq(request_id), sweep_steps::step.eq(step), sweep_steps::done_at.eq(at)))
        .on_conflict_do_nothing();
    let n = match conn {
        DbConn::Pg(c) => q.execute(c)?,
        DbConn::Sqlite(c) => q.execute(c)?,
    };
    Ok(n == 1)
}

pub fn set_next_check(conn: &mut DbConn, id: &str, at: Option<NaiveDateTime>) -> QueryResult<()> {
    diesel::update(requests::table.find(id)).set(requests::next_check_at.eq(at)).execute(conn).map(|_| ())
}

/// Open requests (their clock may run), for recomputing deadlines after a
/// calendar or policy change.
pub fn open_ids(conn: &mut DbConn) -> QueryResult<Vec<String>> {
    requests::table
        .filter(requests::status.eq_any(["awaiting_response", "awaiting_clarification"]))
        .order(requests::id.asc())
        .select(requests::id)
        .load(conn)
}

pub fn set_escalation_due(conn: &mut DbConn, id: &str, due: Option<NaiveDateTime>) -> QueryResult<()> {
    diesel::update(escalations::table.find(id)).set(escalations::due_at.eq(due)).execute(conn).map(|_| ())
}

pub fn calendar_years(conn: &mut DbConn) -> QueryResult<Vec<(i32, String)>> {
    use super::schema::calendar_years;
    calendar_years::table
        .order(calendar_years::year.asc())
        .select((calendar_years::year, calendar_years::data))
        .load(conn)
}

/// Stores an administrator's version of a year (replacing an earlier one).
pub fn save_calendar_year(conn: &mut DbConn, year: i32, data: &str, at: NaiveDateTime, by: &str) -> QueryResult<()> {
    use super::schema::calendar_years;
    let n = diesel::update(calendar_years::table.find(year))
        .set((calendar_years::data.eq(data), calendar_years::updated_at.eq(at), calendar_years::updated_by.eq(by)))
        .execute(conn)?;
    if n == 0 {
        diesel::insert_into(calendar_years::table)
            .values((
                calendar_years::year.eq(year),
                calendar_years::data.eq(data),
                calendar_years::updated_at.eq(at),
                calendar_years::updated_by.eq(by),
            ))
            .execute(conn)?;
    }
    Ok(())
}

pub fn escalation(conn: &mut DbConn, id: &str) -> QueryResult<Option<EscalationRow>> {
    escalations::table.find(id).select(EscalationRow::as_select()).first(conn).optional()
}

pub fn update_escalation(conn: &mut DbConn, e: &EscalationRow) -> QueryResult<()> {
    diesel::update(escalations::table.find(&e.id))
        .set((
            escalations::status.eq(&e.status),
            escalations::due_at.eq(e.due_at),
            escalations::assigned_to.eq(&e.assigned_to),
            escalations::closed_at.eq(e.closed_at),
            escalations::resolution.eq(&e.resolution),
        ))
        .execute(conn)
        .map(|_| ())
}

/// A jurisdiction's escalations with their requests: open ones first, then by
/// the Department's review deadline, newest first, and by id, so that paging is
/// stable. The index `escalations_queue` holds that order. Only escalations of
/// requests now in the jurisdiction: the request's place decides who sees them
/// (a transfer to another province moves them, see `move_escalations`).
pub fn escalations_of(
    conn: &mut DbConn,
    jurisdiction_id: &str,
    status: Option<EscalationStatus>,
    offset: i64,
    limit: i64,
) -> QueryResult<(Vec<(EscalationRow, RequestRow)>, i64)> {
    let build = || {
        let mut q = escalations::table
            .inner_join(requests::table)
            .filter(escalations::jurisdiction_id.eq(jurisdiction_id.to_string()))
            .filter(requests::jurisdiction_id.eq(jurisdiction_id.to_string()))
            .into_boxed();
        if let Some(s) = status {
            // The rank that goes with the status, so the index's prefix is an
            // equality and the page is read in order.
            q = q.filter(escalations::queue_rank.eq(i16::from(!s.is_open()))).filter(escalations::status.eq(s));
        }
        q
    };
    let total = build().count().get_result(conn)?;
    let rows = build()
        .order((
            escalations::queue_rank.asc(),
            escalations::due_at.asc(),
            escalations::opened_at.desc(),
            escalations::id.desc(),
        ))
        .offset(offset)
        .limit(limit)
        .select((EscalationRow::as_select(), RequestRow::as_select()))
        .load(conn)?;
    Ok((rows, total))
}

/// One escalation with its request.
pub fn escalation_with_request(conn: &mut DbConn, id: &str) -> QueryResult<Option<(EscalationRow, RequestRow)>> {
    escalations::table
        .inner_join(requests::table)
        .filter(escalations::id.eq(id))
        .select((EscalationRow::as_select(), RequestRow::as_select()))
        .first(conn)
        .optional()
}

/// Gives every escalation of a request, open or closed, to the jurisdiction the
/// request has moved to; returns how many moved.
pub fn move_escalations(conn: &mut DbConn, request_id: &str, jurisdiction_id: &str) -> QueryResult<usize> {
    diesel::update(escalations::table.filter(escalations::request_id.eq(request_id)))
        .set(escalations::jurisdiction_id.eq(jurisdiction_id))
        .execute(conn)
}

/// Forgets a recorded sweeper step, so that it can be taken again (an
/// escalation's review reminder, once a new Department has it to review).
pub fn forget_step(conn: &mut DbConn, request_id: &str, step: &str) -> QueryResult<()> {
    use super::schema::sweep_steps;
    diesel::delete(sweep_steps::table.filter(sweep_steps::request_id.eq(request_id)).filter(sweep_steps::step.eq(step)))
        .execute(conn)
        .map(|_| ())
}

pub fn rule_state(conn: &mut DbConn, name: &str) -> QueryResult<Option<String>> {
    use super::schema::rule_state;
    rule_state::table.find(name).select(rule_state::value).first(conn).optional()
}

pub fn set_rule_state(conn: &mut DbConn, name: &str, value: &str, at: NaiveDateTime) -> QueryResult<()> {
    use super::schema::rule_state;
    let n = diesel::update(rule_state::table.find(name))
        .set((rule_state::value.eq(value), rule_state::updated_at.eq(at)))
        .execute(conn)?;
    if n == 0 {
        diesel::insert_into(rule_state::table)
            .values((rule_state::name.eq(name), rule_state::value.eq(value), rule_state::updated_at.eq(at)))
            .execute(conn)?;
    }
    Ok(())
}
