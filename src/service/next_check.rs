//! When the sweeper must next look at a request: its sweep plan, from the
//! request, its place, its open escalation and the steps already taken. Every
//! use case that changes a request stores the answer (`next_check_at`), so an
//! empty sweep reads only that index.

use std::collections::HashSet;

use chrono::NaiveDateTime;

use super::Env;
use super::error::AppResult;
use super::requests::{place_of, utc};
use super::rules::agency_key;
use crate::db::models::{Agency, EscalationRow, Jurisdiction, RequestRow};
use crate::db::{DbConn, requests};
use crate::domain::directory::{default_office_hours, parse_office_hours};
use crate::domain::sweep::{self, SweepRule, SweepView};

fn view_and_rule(conn: &mut DbConn, env: Env<'_>, row: &RequestRow) -> AppResult<(SweepView, SweepRule)> {
    let (agency, j) = place_of(conn, row)?;
    let esc = requests::open_escalation(conn, &row.id)?;
    Ok(inputs(env, row, &agency, &j, esc.as_ref()))
}

/// The sweep's view of a request and its rule, from what is already loaded.
pub(crate) fn inputs(
    env: Env<'_>,
    row: &RequestRow,
    agency: &Agency,
    j: &Jurisdiction,
    esc: Option<&EscalationRow>,
) -> (SweepView, SweepRule) {
    let pack = env.rules.pack_of(&row.policy_version, utc(row.received_at));
    let kind = row.kind;
    let rule = pack.rule(kind, Some(&agency_key(j, agency)));
    let office_hours = serde_json::from_str::<Vec<[String; 2]>>(&j.office_hours)
        .ok()
        .and_then(|pairs| parse_office_hours(&pairs).ok())
        .unwrap_or_else(default_office_hours);
    let view = SweepView {
        kind,
        status: row.status,
        received_at: utc(row.received_at),
        due_at: row.due_at.map(utc),
        finished_at: row.finished_at.map(utc),
        escalation_open: esc.is_some(),
        escalation_due: esc.and_then(|e| e.due_at.map(|d| (e.id.clone(), utc(d)))),
    };
    let rule = SweepRule {
        reminder_hours_before: rule.reminder_hours_before.clone(),
        escalation_grace_hours: rule.escalation_grace_hours,
        complaint_window_days: pack.complaint_window_days,
        office_hours,
    };
    (view, rule)
}

/// When the sweeper must next look at this request (None: never, until an
/// event changes it). Called by every use case that changes a request.
pub fn next_check_for(conn: &mut DbConn, env: Env<'_>, row: &RequestRow) -> AppResult<Option<NaiveDateTime>> {
    let (view, rule) = view_and_rule(conn, env, row)?;
    let done: HashSet<String> = requests::steps_done(conn, &row.id)?.into_iter().collect();
    Ok(next_check_of(env, &view, &rule, &done))
}

/// The same for a request just filed, whose place and escalation the caller
/// holds and which has no step done yet: no query needed.
pub fn next_check_for_new(
    env: Env<'_>,
    row: &RequestRow,
    agency: &Agency,
    j: &Jurisdiction,
    esc: Option<&EscalationRow>,
) -> Option<NaiveDateTime> {
    let (view, rule) = inputs(env, row, agency, j, esc);
    next_check_of(env, &view, &rule, &HashSet::new())
}

pub(crate) fn next_check_of(
    env: Env<'_>,
    view: &SweepView,
    rule: &SweepRule,
    done: &HashSet<String>,
) -> Option<NaiveDateTime> {
    let plan = sweep::plan(view, rule, &env.rules.calendar, done, env.now);
    // Steps already due are for the sweeper to take at once.
    if plan.steps.is_empty() { plan.next_check } else { Some(env.now) }.map(|t| t.naive_utc())
}
