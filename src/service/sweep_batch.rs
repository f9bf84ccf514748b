//! The sweep of a claimed batch as a whole: everything the plans need is read
//! in a few queries for the whole batch, each request is planned in memory by
//! the same rules as one at a time (`domain::sweep`), and the batch is written
//! with one multi-row statement per kind of row. The caller runs it in a
//! savepoint of the claiming transaction, so the steps recorded and everything
//! they cause commit together or not at all; when the batch fails it is undone
//! and the requests are taken one at a time (`sweeper::process`), which skips
//! only a request that fails on its own.

use std::collections::{HashMap, HashSet};

use serde_json::json;

use super::Env;
use super::error::{AppError, AppResult};
use super::next_check::{inputs, next_check_of};
use super::requests::mail;
use super::stat_facts::facts_for;
use super::sweep_report::SweepReport;
use super::timeline::{self, GENESIS};
use crate::db::models::{Agency, EscalationRow, EventRow, Jurisdiction, OutboxRow, RequestRow};
use crate::db::stats::NewFact;
use crate::db::sweep_batch::{self as batch, NewState};
use crate::db::{DbConn, outbox};
use crate::domain::request::{NewEvent, Status};
use crate::domain::sweep::{self, Step};
use crate::mail::Recipient;
use crate::mail::notice::{ByLocale, RequestEvent};

/// One request of the batch on its way through.
struct Work {
    row: RequestRow,
    expected_version: i32,
    esc: Option<EscalationRow>,
    done: HashSet<String>,
    steps: Vec<Step>,
}

/// Sweeps the requests `ids` (claimed by the caller) as one batch.
pub fn run(conn: &mut DbConn, env: Env<'_>, ids: &[String]) -> AppResult<SweepReport> {
    let now = env.now.naive_utc();
    let rows = batch::requests_of(conn, ids)?;
    let mut agency_ids: Vec<String> = rows.iter().map(|r| r.agency_id.clone()).collect();
    agency_ids.sort_unstable();
    agency_ids.dedup();
    let places = batch::places_of(conn, &agency_ids)?;
    let row_ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    let mut open: HashMap<String, EscalationRow> = HashMap::new();
    for e in batch::escalations_of(conn, &row_ids)? {
        if e.status.is_open() {
            open.entry(e.request_id.clone()).or_insert(e);
        }
    }
    let mut done: HashMap<String, HashSet<String>> = HashMap::new();
    for (request_id, step) in batch::steps_of(conn, &row_ids)? {
        done.entry(request_id).or_default().insert(step);
    }

    let mut work = Vec::with_capacity(rows.len());
    for row in rows {
        let (agency, j) = place(&places, &row)?;
        let esc = open.remove(&row.id);
        let done = done.remove(&row.id).unwrap_or_default();
        let (view, rule) = inputs(env, &row, agency, j, esc.as_ref());
        let steps = sweep::plan(&view, &rule, &env.rules.calendar, &done, env.now).steps;
        work.push(Work { expected_version: row.version, row, esc, done, steps });
    }

    // The steps first: one another sweeper took is skipped with all it causes.
    let wanted: Vec<(String, String)> =
        work.iter().flat_map(|w| w.steps.iter().map(|s| (w.row.id.clone(), s.key()))).collect();
    let recorded: HashSet<(String, String)> = batch::record_steps(conn, &wanted, now)?.into_iter().collect();
    let taken = |w: &Work, s: &Step| recorded.contains(&(w.row.id.clone(), s.key()));

    // The timelines, only of requests that get an event now.
    let writing: Vec<String> = work
        .iter()
        .filter(|w| w.steps.iter().any(|s| !matches!(s, Step::SkippedReminder { .. }) && taken(w, s)))
        .map(|w| w.row.id.clone())
        .collect();
    let mut timelines: HashMap<String, Vec<EventRow>> = HashMap::new();
    for e in batch::events_of(conn, &writing)? {
        timelines.entry(e.request_id.clone()).or_default().push(e);
    }
    let mut reporter_ids: Vec<String> = work.iter().map(|w| w.row.reporter_id.clone()).collect();
    reporter_ids.sort_unstable();
    reporter_ids.dedup();
    let mut who = Recipients { reporters: batch::users_of(conn, &reporter_ids)?, ..Recipients::default() };

    let mut out = Output::default();
    let mut report = SweepReport::default();
    for w in &mut work {
        let (agency, j) = place(&places, &w.row)?;
        let mut timeline = timelines.remove(&w.row.id).unwrap_or_default();
        for step in w.steps.clone() {
            if !recorded.contains(&(w.row.id.clone(), step.key())) {
                continue; // Another sweeper took this step.
            }
            w.done.insert(step.key());
            take(conn, env, &mut who, &mut out, &mut report, w, &mut timeline, agency, &step)?;
        }
        let (view, rule) = inputs(env, &w.row, agency, j, w.esc.as_ref());
        w.row.next_check_at = next_check_of(env, &view, &rule, &w.done);
        // Past steps are recorded, so the next check is in the future (or none).
        if w.row.next_check_at.is_some_and(|t| t <= now) {
            w.row.next_check_at = None;
        }
        w.row.updated_at = now;
    }

    batch::insert_events(conn, &out.events)?;
    batch::insert_escalations(conn, &out.escalations)?;
    outbox::insert_many(conn, &out.mails)?;
    // The facts' monthly counts are rows several sweepers update: taken in one
    // order by all, they are waited for, never deadlocked on; and taken last
    // but one, so that they are held only until the batch commits.
    out.facts.sort_by(|a, b| fact_order(a).cmp(&fact_order(b)));
    batch::insert_facts(conn, &out.facts)?;
    let states: Vec<NewState<'_>> = work
        .iter()
        .map(|w| NewState {
            id: &w.row.id,
            expected_version: w.expected_version,
            status: w.row.status.as_str(),
            last_seq: w.row.last_seq,
            next_check_at: w.row.next_check_at,
            updated_at: w.row.updated_at,
        })
        .collect();
    let written = batch::update_states(conn, &states)?;
    if written != states.len() {
        return Err(AppError::Conflict(format!(
            "{} of {} requests changed during the sweep",
            states.len() - written,
            states.len()
        )));
    }
    Ok(report)
}

/// The order in which facts are written: that of the monthly counts they add to (on PostgreSQL a
/// count is spread over slots, the request's slot last in its key). PostgreSQL's trigger on facts
/// (migration 000016) takes the count rows of one statement in this same order, bytewise.
fn fact_order(f: &NewFact) -> (&str, &str, i32, &str, &str, &str, i32, i32, i16) {
    (
        &f.jurisdiction_id,
        &f.agency_id,
        f.day / 100,
        f.kind.as_str(),
        &f.detail,
        f.timeliness.as_str(),
        f.working_days,
        f.hours,
        crate::db::count_slot(&f.request_id),
    )
}

fn place<'p>(
    places: &'p HashMap<String, (Agency, Jurisdiction)>,
    row: &RequestRow,
) -> AppResult<(&'p Agency, &'p Jurisdiction)> {
    places
        .get(&row.agency_id)
        .map(|(a, j)| (a, j))
        .ok_or_else(|| anyhow::anyhow!("agency of {} missing", row.id).into())
}

/// Takes one recorded step of a request in memory: what `sweeper::process`
/// writes for it, collected in `out`.
#[allow(clippy::too_many_arguments)]
fn take(
    conn: &mut DbConn,
    env: Env<'_>,
    who: &mut Recipients,
    out: &mut Output,
    report: &mut SweepReport,
    w: &mut Work,
    timeline: &mut Vec<EventRow>,
    agency: &Agency,
    step: &Step,
) -> AppResult<()> {
    let system = |kind: &str, data: serde_json::Value, internal: bool| NewEvent {
        kind: kind.into(),
        body: None,
        data,
        internal,
    };
    match step {
        Step::SkippedReminder { .. } => {}
        Step::Reminder { hours_before, due_at } => {
            let event = system("reminder_sent", json!({"hours_before": hours_before, "due_at": due_at}), true);
            out.append(conn, env, &mut w.row, timeline, &event)?;
            let mut to = who.spokespeople(conn, env, &w.row.agency_id)?;
            if to.is_empty() {
                to = who.department(conn, &w.row.jurisdiction_id)?;
            }
            let left = ByLocale::each(|tr| tr.due_hint(&env.rules.calendar, *due_at, env.now));
            out.mails.extend(mail::rows_for(
                conn,
                env,
                &w.row,
                agency,
                &to,
                RequestEvent::Reminder { due: *due_at, left },
            )?);
            report.reminders += 1;
        }
        Step::Overdue { due_at } => {
            out.append(conn, env, &mut w.row, timeline, &system("overdue", json!({"due_at": due_at}), false))?;
            if w.esc.is_none() {
                // As `escalations::open`: the row, its event, the Department's mail.
                let (esc, event) = super::escalations::opened(env, &w.row, "overdue");
                out.append(conn, env, &mut w.row, timeline, &event)?;
                let to = who.department(conn, &w.row.jurisdiction_id)?;
                let reporter = who.reporters.get(&w.row.reporter_id).map(|u| u.full_name.clone()).unwrap_or_default();
                out.mails.extend(mail::rows_for(
                    conn,
                    env,
                    &w.row,
                    agency,
                    &to,
                    RequestEvent::Escalated { reason: "overdue".into(), reporter },
                )?);
                out.escalations.push(esc.clone());
                w.esc = Some(esc);
            }
            let to: Vec<Recipient> = who.reporters.get(&w.row.reporter_id).map(mail::to_user).into_iter().collect();
            out.mails.extend(mail::rows_for(conn, env, &w.row, agency, &to, RequestEvent::Overdue { due: *due_at })?);
            report.overdue += 1;
        }
        Step::ReviewOverdue { escalation_id } => {
            let event = system("escalation_review_overdue", json!({"escalation_id": escalation_id}), true);
            out.append(conn, env, &mut w.row, timeline, &event)?;
            let to = who.department(conn, &w.row.jurisdiction_id)?;
            out.mails.extend(mail::rows_for(conn, env, &w.row, agency, &to, RequestEvent::ReviewOverdue)?);
            report.review_overdue += 1;
        }
        Step::Close => {
            out.append(conn, env, &mut w.row, timeline, &system("close", json!({}), false))?;
            w.row.status = Status::Closed;
            report.closed += 1;
        }
    }
    Ok(())
}

/// Who gets the mails, looked up once per agency, province and batch.
#[derive(Default)]
struct Recipients {
    reporters: HashMap<String, crate::db::models::User>,
    spokespeople: HashMap<String, Vec<Recipient>>,
    departments: HashMap<String, Vec<Recipient>>,
}

impl Recipients {
    fn spokespeople(&mut self, conn: &mut DbConn, env: Env<'_>, agency_id: &str) -> AppResult<Vec<Recipient>> {
        if let Some(r) = self.spokespeople.get(agency_id) {
            return Ok(r.clone());
        }
        let r = mail::spokespeople(conn, env, agency_id)?;
        self.spokespeople.insert(agency_id.to_string(), r.clone());
        Ok(r)
    }

    fn department(&mut self, conn: &mut DbConn, jurisdiction_id: &str) -> AppResult<Vec<Recipient>> {
        if let Some(r) = self.departments.get(jurisdiction_id) {
            return Ok(r.clone());
        }
        let r = mail::department(conn, jurisdiction_id)?;
        self.departments.insert(jurisdiction_id.to_string(), r.clone());
        Ok(r)
    }
}

/// The rows the batch writes.
#[derive(Default)]
struct Output {
    events: Vec<EventRow>,
    escalations: Vec<EscalationRow>,
    facts: Vec<NewFact>,
    mails: Vec<OutboxRow>,
}

impl Output {
    /// As `timeline::append`: the next event of the chain, with its facts.
    fn append(
        &mut self,
        conn: &mut DbConn,
        env: Env<'_>,
        row: &mut RequestRow,
        timeline: &mut Vec<EventRow>,
        event: &NewEvent,
    ) -> AppResult<()> {
        let prev_hash = match (row.last_seq, timeline.last()) {
            (0, _) | (_, None) => GENESIS.to_string(),
            (_, Some(last)) => last.hash.clone(),
        };
        let e = timeline::next_event(row, prev_hash, env.now.naive_utc(), None, "system", event);
        let earlier: Vec<EventRow> = timeline.iter().filter(|t| t.seq < e.seq).cloned().collect();
        let place = (row.agency_id.as_str(), row.jurisdiction_id.as_str());
        self.facts.extend(facts_for(conn, env, &row.id, place, &e, &earlier, row.due_at)?);
        timeline.push(e.clone());
        self.events.push(e);
        Ok(())
    }
}
