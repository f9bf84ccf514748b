//! Facts for timelines written before the statistics existed: each such request's events are
//! replayed in order, with the agency each event happened at (transfers say which) and the due
//! instant the deadline engine gives for the events before it. Done once per database at start,
//! under the request's row lock, so two instances starting together count a request once. The
//! calendar is today's, the one thing a replay cannot know as it was; facts written live carry
//! the calendar in force at the time.

use std::collections::HashMap;

use super::Env;
use super::error::AppResult;
use super::requests::{clock_events, utc};
use super::stat_facts::facts_for;
use crate::db::models::{Agency, EventRow, Jurisdiction};
use crate::db::{self, DbConn, agencies, requests, stats};

/// The rule_state row that says the timelines have been counted.
pub const DONE: &str = "stat_facts_backfilled";

/// Counts the timelines without facts, once per database; returns how many requests it counted,
/// or None when that was done before.
pub fn once(conn: &mut DbConn, env: Env<'_>) -> AppResult<Option<usize>> {
    if requests::rule_state(conn, DONE)?.is_some() {
        return Ok(None);
    }
    let mut counted = 0;
    for id in stats::requests_without_facts(conn)? {
        if db::write(conn, |conn| backfill_request(conn, env, &id))? {
            counted += 1;
        }
    }
    requests::set_rule_state(conn, DONE, &counted.to_string(), env.now.naive_utc())?;
    Ok(Some(counted))
}

/// Replays one request's timeline into facts, unless it has some; true when it wrote them.
pub fn backfill_request(conn: &mut DbConn, env: Env<'_>, id: &str) -> AppResult<bool> {
    let Some(row) = requests::get_for_update(conn, id)? else { return Ok(false) };
    if stats::has_facts(conn, id)? {
        return Ok(false);
    }
    let events = requests::events_of(conn, id)?;
    let data = |e: &EventRow, key: &str| -> Option<String> {
        let v: serde_json::Value = serde_json::from_str(&e.data).ok()?;
        v[key].as_str().map(str::to_string)
    };
    // Where the request was first: the agency the first transfer took it from, if any.
    let mut agency_id = events
        .iter()
        .find(|e| e.kind == "transfer")
        .and_then(|e| data(e, "from_agency_id"))
        .unwrap_or_else(|| row.agency_id.clone());
    let pack = env.rules.pack_of(&row.policy_version, utc(row.received_at));
    let mut places: HashMap<String, (Agency, Jurisdiction)> = HashMap::new();
    let mut facts = Vec::new();
    for (i, e) in events.iter().enumerate() {
        let due_before = match place_of(conn, &mut places, &agency_id)? {
            Some((a, j)) => env.rules.deadline(pack, row.kind, &j, &a, &clock_events(&events[..i])).due_at,
            None => None,
        };
        if e.kind == "transfer"
            && let Some(to) = data(e, "to_agency_id")
        {
            agency_id = to;
        }
        let Some((a, _)) = place_of(conn, &mut places, &agency_id)? else { continue };
        let place = (a.id.as_str(), a.jurisdiction_id.as_str());
        facts.extend(facts_for(conn, env, id, place, e, &events[..i], due_before.map(|d| d.naive_utc()))?);
    }
    stats::insert(conn, &facts)?;
    Ok(!facts.is_empty())
}

fn place_of(
    conn: &mut DbConn,
    known: &mut HashMap<String, (Agency, Jurisdiction)>,
    agency_id: &str,
) -> AppResult<Option<(Agency, Jurisdiction)>> {
    if let Some(p) = known.get(agency_id) {
        return Ok(Some(p.clone()));
    }
    let found = agencies::with_jurisdiction(conn, agency_id)?;
    if let Some(p) = &found {
        known.insert(agency_id.to_string(), p.clone());
    }
    Ok(found)
}
