//! The sweep at scale: the requests table grown to `--requests` rows, all of
//! them waiting for a future check (so the sweeper's index holds every row)
//! except `--due` requests whose deadline passed an hour ago. One sweep takes
//! the due ones (overdue event, escalation, mails); an empty sweep right after
//! shows what a quiet minute costs. The query plans show the index used.

use std::time::{Duration, Instant};

use chrono::{DateTime, TimeDelta, Utc};
use diesel::prelude::*;
use serde_json::json;
use tiepcan::clock::{Clock, SystemClock};
use tiepcan::db::schema::{requests, users};
use tiepcan::db::{self, agencies, jurisdictions};
use tiepcan::domain::calendar::vietnam;
use tiepcan::domain::directory::default_office_hours;
use tiepcan::domain::sweep::next_office_moment;
use tiepcan::service::Env;
use tiepcan::service::rules::Rulebook;
use tiepcan::service::sweeper;

use super::{bulk, seed, stats};

pub fn run(url: &str, total: u64, due: u64, parallel: usize) -> anyhow::Result<()> {
    let config = super::config_for(url, None)?;
    let pool = db::connect(url, parallel as u32 + 1)?;
    let mut pooled = pool.get()?;
    let conn: &mut db::DbConn = &mut pooled;
    let rules = seed::rulebook(conn, &config)?;
    let now = sweep_instant(&rules);
    let rows = load_requests(conn, &rules, now, total, due)?;

    let claim = claim_sql(conn, now);
    let plan_before = bulk::explain(conn, &claim)?;
    println!("plan of the claim query, before the sweep:\n  {}", plan_before.join("\n  "));

    let env = Env { config: &config, rules: &rules, now };
    let started = Instant::now();
    let report = sweeper::sweep_parallel(&pool, env, parallel).map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let full = started.elapsed();
    println!("sweep: {report:?} in {:.3} s", full.as_secs_f64());
    anyhow::ensure!(
        report.overdue as u64 == due,
        "expected {due} overdue requests, the sweep found {}",
        report.overdue
    );

    let empties = empty_sweeps(conn, env);
    let plan_after = bulk::explain(conn, &claim)?;
    println!("plan of the claim query, empty sweep:\n  {}", plan_after.join("\n  "));

    stats::emit(
        "sweep",
        json!({
            "table_rows": rows,
            "due": due,
            "checked": report.checked,
            "overdue": report.overdue,
            "seconds": (full.as_secs_f64() * 1000.0).round() / 1000.0,
            "per_second": (report.checked as f64 / full.as_secs_f64()).round(),
            "empty_median_ms": stats::ms(stats::percentile(&empties, 50.0)),
            "empty_max_ms": stats::ms(*empties.last().unwrap_or(&Duration::ZERO)),
            "plan": plan_before,
            "plan_empty": plan_after,
        }),
    );
    Ok(())
}

/// The sweep runs as of tomorrow 10:00 in Vietnam, or the next office
/// moment after it: the Department is told of overdue requests only in
/// office hours, so an evening run would only postpone them.
fn sweep_instant(rules: &Rulebook) -> DateTime<Utc> {
    let tomorrow = SystemClock.now().with_timezone(&vietnam()).date_naive() + TimeDelta::days(1);
    let ten = tomorrow.and_hms_opt(10, 0, 0).unwrap_or_default() - TimeDelta::hours(7); // UTC+7 all year
    next_office_moment(ten.and_utc(), &default_office_hours(), &rules.calendar)
}

/// Grows the requests table to `total` rows, `due` of them past due at `now`; returns the rows it holds.
fn load_requests(
    conn: &mut db::DbConn,
    rules: &Rulebook,
    now: DateTime<Utc>,
    total: u64,
    due: u64,
) -> anyhow::Result<i64> {
    let j = jurisdictions::by_code(conn, "BEN")?.ok_or_else(|| anyhow::anyhow!("run seed first"))?;
    let agency = agencies::by_code(conn, &j.id, "SXD")?.ok_or_else(|| anyhow::anyhow!("run seed first"))?;
    let reporter: String =
        users::table.filter(users::email.eq("phongvien001@bao.example.vn")).select(users::id).first(conn)?;
    let existing: i64 = requests::table.count().get_result(conn)?;
    let later = total.saturating_sub(existing as u64).saturating_sub(due);
    let pack = rules.policies.in_force(now);
    let batch = |tag, count, received_at, due_at, next_check_at| bulk::Batch {
        tag,
        count,
        jurisdiction_id: &j.id,
        agency_id: &agency.id,
        reporter_id: &reporter,
        policy_version: &pack.version,
        received_at,
        due_at,
        next_check_at,
        step_secs: 1,
    };
    let load = Instant::now();
    // Ids and references stay unique when the command runs again on one database.
    let run = SystemClock.now().timestamp();
    let (later_tag, due_tag) = (format!("later{run}"), format!("due{run}"));
    // Due in the weeks ahead: the sweeper will look at them later, not now.
    let later_at = now + TimeDelta::days(3);
    bulk::insert_requests(
        conn,
        &batch(&later_tag, later, now - TimeDelta::days(2), later_at + TimeDelta::days(1), Some(later_at)),
    )?;
    // Past due by more than the policy's grace (a day for information
    // requests): the sweeper must escalate each one now. Row g is g seconds
    // later than the first, so the bases leave room for 10,000 rows and more.
    let spread = TimeDelta::seconds(due as i64);
    let due_at = now - TimeDelta::hours(25) - spread;
    let check = now - TimeDelta::minutes(10) - spread;
    bulk::insert_requests(conn, &batch(&due_tag, due, now - TimeDelta::days(20), due_at, Some(check)))?;
    bulk::analyze(conn)?;
    let rows: i64 = requests::table.count().get_result(conn)?;
    println!("table holds {rows} requests ({} s to load)", load.elapsed().as_secs());
    Ok(rows)
}

/// 21 sweeps right after the full one, each finding nothing, sorted by their time: what a quiet minute costs.
fn empty_sweeps(conn: &mut db::DbConn, env: Env) -> Vec<Duration> {
    let mut empties: Vec<Duration> = (0..21)
        .map(|_| {
            let at = Instant::now();
            let r = sweeper::sweep(conn, env);
            (at.elapsed(), r.map(|r| r.checked).unwrap_or(usize::MAX))
        })
        .inspect(|(_, checked)| assert_eq!(*checked, 0, "an empty sweep found work"))
        .map(|(d, _)| d)
        .collect();
    empties.sort_unstable();
    empties
}

/// The sweeper's claim query as SQL text, for EXPLAIN (the same predicate,
/// order and limit as `db::requests::claim_due`).
fn claim_sql(conn: &db::DbConn, now: chrono::DateTime<chrono::Utc>) -> String {
    let at = now.naive_utc().format("%Y-%m-%d %H:%M:%S%.6f");
    let lock = if matches!(conn, db::DbConn::Pg(_)) { " FOR UPDATE SKIP LOCKED" } else { "" };
    format!(
        "SELECT id FROM requests WHERE next_check_at IS NOT NULL AND next_check_at <= '{at}' \
         ORDER BY next_check_at LIMIT {}{lock}",
        sweeper::BATCH
    )
}
