//! The sweeper's work: reminders, overdue escalations, the Department's review
//! deadline, closing answered requests after the complaint window. Each step
//! happens once per request (a recorded key, in the same transaction as its
//! event and mails); on PostgreSQL the requests are claimed with
//! `FOR UPDATE SKIP LOCKED`, so several instances share the work. A claimed
//! batch is read, planned and written as a whole (`sweep_batch`); if that
//! fails, the batch is undone and its requests are taken one at a time, each
//! in a savepoint, so that only a request that fails on its own is put off.

use std::collections::HashSet;

use serde_json::json;

use super::Env;
use super::error::{AppError, AppResult};
use super::escalations::open as open_escalation;
use super::next_check::{inputs, next_check_of};
use super::requests::{mail, place_of};
use super::timeline;
use crate::db::{self, DbConn, Pool, requests};
use crate::domain::request::{NewEvent, Status};
use crate::domain::sweep::{self, Step};

pub use super::sweep_report::SweepReport;

/// Requests claimed and written together: large enough that a batch's
/// statements carry many rows each, small enough to hold its rendered mails in
/// memory and to redo one at a time when the batch fails.
pub const BATCH: i64 = 500;

/// When a request the sweep could not process is looked at again.
const SKIPPED_RETRY: chrono::TimeDelta = chrono::TimeDelta::hours(1);

/// Sweepers working side by side on PostgreSQL: a request's steps are mostly
/// round trips to the database, which several connections overlap.
pub const PARALLEL: usize = 4;

/// One sweep on up to `workers` connections of the pool at once. Each claims
/// its own batches (`SKIP LOCKED`), exactly as separate instances would. On
/// SQLite, which has one writer, one connection does it all.
pub fn sweep_parallel(pool: &Pool, env: Env<'_>, workers: usize) -> AppResult<SweepReport> {
    let mut first = pool.get().map_err(|e| AppError::Internal(e.into()))?;
    if matches!(**first, DbConn::Sqlite(_)) || workers <= 1 {
        return sweep(&mut first, env);
    }
    drop(first);
    let reports: Vec<AppResult<SweepReport>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                s.spawn(move || {
                    let mut conn = pool.get().map_err(|e| AppError::Internal(e.into()))?;
                    sweep(&mut conn, env)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|_| Err(AppError::Internal(anyhow::anyhow!("a sweeper panicked")))))
            .collect()
    });
    let mut total = SweepReport::default();
    for r in reports {
        total.add(&r?);
    }
    Ok(total)
}

/// One sweep as of `env.now`: every request whose next check has come.
pub fn sweep(conn: &mut DbConn, env: Env<'_>) -> AppResult<SweepReport> {
    let mut report = SweepReport::default();
    loop {
        let n = db::write(conn, |conn| -> AppResult<usize> {
            let ids = requests::claim_due(conn, env.now.naive_utc(), BATCH)?;
            if ids.is_empty() {
                return Ok(0);
            }
            // The whole batch at once, in a savepoint: its steps and all they
            // cause commit together with the claim, or none of it does.
            match db::savepoint(conn, |conn| super::sweep_batch::run(conn, env, &ids)) {
                Ok(done) => {
                    report.add(&done);
                    return Ok(ids.len());
                }
                Err(e) => {
                    tracing::warn!(error = %e, requests = ids.len(), "the sweep's batch failed; its requests are taken one at a time");
                }
            }
            for id in &ids {
                // A savepoint per request: a failure undoes only that
                // request's work and the batch goes on.
                let mut one = SweepReport::default();
                match db::savepoint(conn, |conn| process(conn, env, id, &mut one)) {
                    Ok(()) => report.add(&one),
                    Err(e) => {
                        tracing::error!(request = %id, error = %e, "sweep skipped a request; it is looked at again later");
                        requests::defer_check(conn, id, (env.now + SKIPPED_RETRY).naive_utc())?;
                        report.skipped += 1;
                    }
                }
            }
            Ok(ids.len())
        })?;
        report.checked += n;
        if (n as i64) < BATCH {
            return Ok(report);
        }
    }
}

fn process(conn: &mut DbConn, env: Env<'_>, id: &str, report: &mut SweepReport) -> AppResult<()> {
    let Some(mut row) = requests::get_for_update(conn, id)? else { return Ok(()) };
    let expected = row.version;
    let (agency, j) = place_of(conn, &row)?;
    let mut esc = requests::open_escalation(conn, id)?;
    let (view, rule) = inputs(env, &row, &agency, &j, esc.as_ref());
    let mut done: HashSet<String> = requests::steps_done(conn, id)?.into_iter().collect();
    let plan = sweep::plan(&view, &rule, &env.rules.calendar, &done, env.now);
    for step in &plan.steps {
        if !requests::record_step(conn, id, &step.key(), env.now.naive_utc())? {
            continue; // Another sweeper took this step.
        }
        done.insert(step.key());
        match step {
            Step::SkippedReminder { .. } => {}
            Step::Reminder { hours_before, due_at } => {
                let event = NewEvent {
                    kind: "reminder_sent".into(),
                    body: None,
                    data: json!({"hours_before": hours_before, "due_at": due_at}),
                    internal: true,
                };
                timeline::append(conn, env, &mut row, None, "system", &event)?;
                mail::reminder(conn, env, &row, &agency, *due_at)?;
                report.reminders += 1;
            }
            Step::Overdue { due_at } => {
                let event =
                    NewEvent { kind: "overdue".into(), body: None, data: json!({"due_at": due_at}), internal: false };
                timeline::append(conn, env, &mut row, None, "system", &event)?;
                esc = Some(open_escalation(conn, env, &mut row, "overdue", None)?);
                mail::overdue_to_reporter(conn, env, &row, &agency, *due_at)?;
                report.overdue += 1;
            }
            Step::ReviewOverdue { escalation_id } => {
                let event = NewEvent {
                    kind: "escalation_review_overdue".into(),
                    body: None,
                    data: json!({"escalation_id": escalation_id}),
                    internal: true,
                };
                timeline::append(conn, env, &mut row, None, "system", &event)?;
                mail::review_overdue(conn, env, &row, &agency)?;
                report.review_overdue += 1;
            }
            Step::Close => {
                let event = NewEvent { kind: "close".into(), body: None, data: json!({}), internal: false };
                timeline::append(conn, env, &mut row, None, "system", &event)?;
                row.status = Status::Closed;
                report.closed += 1;
            }
        }
    }
    // Everything the next check depends on is in hand: no look-up.
    let (view, rule) = inputs(env, &row, &agency, &j, esc.as_ref());
    row.next_check_at = next_check_of(env, &view, &rule, &done);
    // Past steps are recorded, so the next check is in the future (or none).
    if row.next_check_at.is_some_and(|t| t <= env.now.naive_utc()) {
        row.next_check_at = None;
    }
    row.updated_at = env.now.naive_utc();
    if !requests::update_state(conn, &row, expected)? {
        return Err(super::AppError::Conflict("request changed during the sweep".into()));
    }
    Ok(())
}
