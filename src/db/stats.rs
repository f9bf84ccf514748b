//! The statistics' facts (appended with the timeline events they come from) and the counts read back:
//! by month from `stat_months`, which a trigger keeps in the writing transaction (each count spread over
//! slots, see migration 000015), and by day from the
//! facts for the edges of a period that cover part of a month.

use chrono::NaiveDateTime;
use diesel::dsl::count_star;
use diesel::prelude::*;

use super::DbConn;
use super::schema::{jurisdictions, requests, stat_facts, stat_months};
use crate::domain::stats::figures::Count;
use crate::domain::stats::{FactKind, Timeliness};

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = stat_facts)]
// Every column given, none left to its DEFAULT: diesel then keeps the insert
// prepared instead of preparing it again at each fact.
#[diesel(treat_none_as_default_value = false)]
pub struct NewFact {
    pub request_id: String,
    pub jurisdiction_id: String,
    pub agency_id: String,
    pub at: NaiveDateTime,
    pub day: i32,
    pub kind: FactKind,
    pub detail: String,
    pub timeliness: Timeliness,
    pub working_days: i32,
    pub hours: i32,
}

/// One statement per fact: an event gives one or two, and diesel's multi-row insert is not
/// available over the backend-generic connection.
pub fn insert(conn: &mut DbConn, facts: &[NewFact]) -> QueryResult<()> {
    for fact in facts {
        diesel::insert_into(stat_facts::table).values(fact).execute(conn)?;
    }
    Ok(())
}

type Shape = (String, FactKind, String, Timeliness, i32, i32);
/// (month or day, the shape, the count) as read.
type CountRow = (i32, String, FactKind, String, Timeliness, i32, i32, i64);

/// Counts of whole months `first..=last` (yyyymm) in the provinces given.
pub fn by_month(conn: &mut DbConn, provinces: &[String], first: i32, last: i32) -> QueryResult<Vec<Count>> {
    // A count is spread over slots (so that concurrent writers of one agency
    // do not queue on one row): their sum is the count.
    let rows: Vec<CountRow> = stat_months::table
        .filter(stat_months::jurisdiction_id.eq_any(provinces))
        .filter(stat_months::month.between(first, last))
        .group_by((
            stat_months::month,
            stat_months::agency_id,
            stat_months::kind,
            stat_months::detail,
            stat_months::timeliness,
            stat_months::working_days,
            stat_months::hours,
        ))
        .select((
            stat_months::month,
            stat_months::agency_id,
            stat_months::kind,
            stat_months::detail,
            stat_months::timeliness,
            stat_months::working_days,
            stat_months::hours,
            diesel::dsl::sql::<diesel::sql_types::BigInt>("CAST(SUM(stat_months.n) AS BIGINT)"),
        ))
        .load(conn)?;
    Ok(rows.into_iter().map(|(month, a, k, d, t, w, h, n)| count(month, (a, k, d, t, w, h), n)).collect())
}

/// Counts of the days `first..=last` (yyyymmdd) in the provinces given, grouped like the monthly
/// counts (one row per day and shape; read from the covering index).
pub fn by_day(conn: &mut DbConn, provinces: &[String], first: i32, last: i32) -> QueryResult<Vec<Count>> {
    let rows: Vec<CountRow> = stat_facts::table
        .filter(stat_facts::jurisdiction_id.eq_any(provinces))
        .filter(stat_facts::day.between(first, last))
        .group_by((
            stat_facts::day,
            stat_facts::agency_id,
            stat_facts::kind,
            stat_facts::detail,
            stat_facts::timeliness,
            stat_facts::working_days,
            stat_facts::hours,
        ))
        .select((
            stat_facts::day,
            stat_facts::agency_id,
            stat_facts::kind,
            stat_facts::detail,
            stat_facts::timeliness,
            stat_facts::working_days,
            stat_facts::hours,
            count_star(),
        ))
        .load(conn)?;
    Ok(rows.into_iter().map(|(day, a, k, d, t, w, h, n)| count(day / 100, (a, k, d, t, w, h), n)).collect())
}

fn count(month: i32, (agency_id, kind, detail, timeliness, working_days, hours): Shape, n: i64) -> Count {
    Count { agency_id, month, kind, detail, timeliness, working_days, hours, n }
}

/// Open requests past their due instant now, per agency (read from the province's queue index:
/// running clock, due before `now`).
pub fn overdue_now(conn: &mut DbConn, provinces: &[String], now: NaiveDateTime) -> QueryResult<Vec<(String, i64)>> {
    requests::table
        .filter(requests::jurisdiction_id.eq_any(provinces))
        .filter(requests::queue_rank.eq(0))
        .filter(requests::queue_due.lt(now))
        .group_by(requests::agency_id)
        .select((requests::agency_id, count_star()))
        .load(conn)
}

/// Whether a request already has facts (the timeline was counted when written).
pub fn has_facts(conn: &mut DbConn, request_id: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(stat_facts::table.filter(stat_facts::request_id.eq(request_id))))
        .get_result(conn)
}

pub fn set_scoreboard(conn: &mut DbConn, jurisdiction_id: &str, public: bool) -> QueryResult<usize> {
    diesel::update(jurisdictions::table.find(jurisdiction_id))
        .set(jurisdictions::scoreboard_public.eq(public))
        .execute(conn)
}

pub fn scoreboard_public(conn: &mut DbConn, jurisdiction_id: &str) -> QueryResult<bool> {
    jurisdictions::table
        .find(jurisdiction_id)
        .select(jurisdictions::scoreboard_public)
        .first(conn)
        .optional()
        .map(|o| o.unwrap_or(false))
}

/// One open request past its due instant.
#[derive(Debug, Clone, Queryable)]
pub struct OverdueRow {
    pub id: String,
    pub reference: String,
    pub kind: crate::domain::kind::RequestKind,
    pub received_at: NaiveDateTime,
    pub due_at: Option<NaiveDateTime>,
}

/// An agency's open requests past their due instant, the longest overdue first (read from the
/// agency's queue index).
pub fn overdue_of_agency(
    conn: &mut DbConn,
    agency_id: &str,
    now: NaiveDateTime,
    limit: i64,
) -> QueryResult<Vec<OverdueRow>> {
    requests::table
        .filter(requests::agency_id.eq(agency_id))
        .filter(requests::queue_rank.eq(0))
        .filter(requests::queue_due.lt(now))
        .order((requests::queue_due.asc(), requests::id.asc()))
        .limit(limit)
        .select((requests::id, requests::reference, requests::kind, requests::received_at, requests::queue_due))
        .load(conn)
}

/// Requests whose timeline has events but no facts (written before the statistics existed).
pub fn requests_without_facts(conn: &mut DbConn) -> QueryResult<Vec<String>> {
    use super::schema::request_events;
    request_events::table
        .filter(diesel::dsl::not(diesel::dsl::exists(
            stat_facts::table.filter(stat_facts::request_id.eq(request_events::request_id)),
        )))
        .select(request_events::request_id)
        .distinct()
        .load(conn)
}
