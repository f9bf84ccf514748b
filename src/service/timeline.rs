//! The timeline: append-only events, each carrying the SHA-256 of its content
//! and of the event before it, so that an edited or deleted event is found.

use serde::Serialize;
use sha2::{Digest, Sha256};

use super::Env;
use super::error::AppResult;
use crate::db::models::{EventRow, RequestRow};
use crate::db::{self, DbConn, requests};
use crate::domain::request::NewEvent;

/// The hash of the first event's predecessor.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// SHA-256 over the previous hash and every stored field of the event, in a
/// fixed order with explicit lengths (so no two different events can produce
/// the same input).
pub fn event_hash(e: &EventRow) -> String {
    let mut h = Sha256::new();
    let at = e.at.format("%Y-%m-%dT%H:%M:%S%.6f").to_string();
    let seq = e.seq.to_string();
    let internal = if e.internal { "1" } else { "0" };
    for part in [
        e.prev_hash.as_str(),
        e.request_id.as_str(),
        seq.as_str(),
        at.as_str(),
        e.actor_id.as_deref().unwrap_or("-"),
        e.actor_role.as_str(),
        e.kind.as_str(),
        e.body.as_deref().unwrap_or("-"),
        e.data.as_str(),
        internal,
    ] {
        h.update((part.len() as u64).to_be_bytes());
        h.update(part.as_bytes());
    }
    hex::encode(h.finalize())
}

/// Appends an event to the request's timeline inside the caller's transaction,
/// with the statistics' facts it gives (the due instant in force is the
/// request's before this call), and advances `request.last_seq`.
pub fn append(
    conn: &mut DbConn,
    env: Env<'_>,
    request: &mut RequestRow,
    actor_id: Option<&str>,
    actor_role: &str,
    event: &NewEvent,
) -> AppResult<EventRow> {
    // The first event of a request needs no look-up: last_seq moves with every
    // event, in the same transaction.
    let prev_hash = if request.last_seq == 0 {
        GENESIS.to_string()
    } else {
        requests::last_event_hash(conn, &request.id)?.unwrap_or_else(|| GENESIS.to_string())
    };
    let row = next_event(request, prev_hash, env.now.naive_utc(), actor_id, actor_role, event);
    write(conn, env, request, &row)?;
    Ok(row)
}

/// A request's first event, built before the request is written, so that the
/// request goes in once with `last_seq` 1 (`write` stores the event after it).
pub fn first_event(
    env: Env<'_>,
    request: &RequestRow,
    actor_id: Option<&str>,
    actor_role: &str,
    event: &NewEvent,
) -> EventRow {
    let mut fresh = request.clone();
    fresh.last_seq = 0;
    next_event(&mut fresh, GENESIS.to_string(), env.now.naive_utc(), actor_id, actor_role, event)
}

/// The event that follows `request`'s last one (whose hash is `prev_hash`), hashed; advances
/// `request.last_seq`. The sweep's batches chain several events in memory with it.
pub fn next_event(
    request: &mut RequestRow,
    prev_hash: String,
    at: chrono::NaiveDateTime,
    actor_id: Option<&str>,
    actor_role: &str,
    event: &NewEvent,
) -> EventRow {
    let mut row = EventRow {
        id: db::new_id(),
        request_id: request.id.clone(),
        seq: request.last_seq + 1,
        at,
        actor_id: actor_id.map(str::to_string),
        actor_role: actor_role.to_string(),
        kind: event.kind.clone(),
        body: event.body.clone(),
        data: event.data.to_string(),
        internal: event.internal,
        prev_hash,
        hash: String::new(),
    };
    row.hash = event_hash(&row);
    request.last_seq = row.seq;
    row
}

/// Stores an event built for `request` (whose `last_seq` is already the
/// event's) with the statistics' facts it gives, the due instant in force
/// being the request's.
pub fn write(conn: &mut DbConn, env: Env<'_>, request: &RequestRow, event: &EventRow) -> AppResult<()> {
    requests::insert_event(conn, event)?;
    super::stat_facts::record(conn, env, request, event, request.due_at)
}

/// The first broken link of one timeline, if any.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BrokenLink {
    pub reference: String,
    pub seq: i32,
    pub problem: String,
}

/// Checks a chain: sequence numbers 1, 2, 3…, each event's prev_hash equal to
/// the hash before it, each hash equal to the hash of its content.
pub fn check_chain(reference: &str, events: &[EventRow]) -> Option<BrokenLink> {
    let mut prev = GENESIS.to_string();
    for (i, e) in events.iter().enumerate() {
        let expected_seq = i as i32 + 1;
        let broken = |problem: String| Some(BrokenLink { reference: reference.to_string(), seq: e.seq, problem });
        if e.seq != expected_seq {
            return broken(format!("event {expected_seq} is missing"));
        }
        if e.prev_hash != prev {
            return broken("does not follow the event before it".into());
        }
        if event_hash(e) != e.hash {
            return broken("its content was changed after it was written".into());
        }
        prev = e.hash.clone();
    }
    None
}

/// Verifies one request's timeline (by reference) or all of them.
pub fn verify(conn: &mut DbConn, reference: Option<&str>) -> AppResult<(usize, Vec<BrokenLink>)> {
    let ids = match reference {
        Some(r) => match requests::by_reference(conn, r)? {
            Some(req) => vec![req.id],
            None => return Err(super::AppError::NotFound(format!("no request {r}"))),
        },
        None => requests::all_ids(conn)?,
    };
    let mut broken = Vec::new();
    for id in &ids {
        let Some(req) = requests::get(conn, id)? else { continue };
        let events = requests::events_of(conn, id)?;
        let mut found = check_chain(&req.reference, &events);
        if found.is_none() && events.last().map(|e| e.seq) != Some(req.last_seq) {
            found = Some(BrokenLink {
                reference: req.reference.clone(),
                seq: req.last_seq,
                problem: "the last event is missing".into(),
            });
        }
        broken.extend(found);
    }
    Ok((ids.len(), broken))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(n: i32) -> Vec<EventRow> {
        let mut out: Vec<EventRow> = Vec::new();
        for seq in 1..=n {
            let mut e = EventRow {
                id: format!("e{seq}"),
                request_id: "r".into(),
                seq,
                at: chrono::NaiveDate::from_ymd_opt(2026, 1, 5).unwrap().and_hms_micro_opt(3, 0, 0, 123456).unwrap(),
                actor_id: Some("u".into()),
                actor_role: "reporter".into(),
                kind: "file".into(),
                body: Some(format!("nội dung {seq}")),
                data: "{}".into(),
                internal: false,
                prev_hash: out.last().map_or(GENESIS.to_string(), |p| p.hash.clone()),
                hash: String::new(),
            };
            e.hash = event_hash(&e);
            out.push(e);
        }
        out
    }

    fn request(last_seq: i32) -> RequestRow {
        use crate::domain::kind::RequestKind;
        use crate::domain::request::Status;
        let at = chrono::NaiveDate::from_ymd_opt(2026, 3, 9).unwrap().and_hms_opt(2, 0, 0).unwrap();
        RequestRow {
            id: "r".into(),
            reference: "TNG-2026-000001".into(),
            jurisdiction_id: "j".into(),
            agency_id: "a".into(),
            reporter_id: "u".into(),
            kind: RequestKind::Information,
            subject: "s".into(),
            body: "b".into(),
            status: Status::AwaitingResponse,
            outcome: None,
            refusal_ground: None,
            policy_version: "p".into(),
            received_at: at,
            due_at: None,
            acknowledged_at: None,
            complex: false,
            extensions: 0,
            finished_at: None,
            last_seq,
            next_check_at: None,
            version: 1,
            updated_at: at,
            search_text: String::new(),
        }
    }

    proptest::proptest! {
        /// Events chained in memory one after another, from an empty timeline or
        /// after an existing one, verify, and the request's last event number follows.
        #[test]
        fn events_chained_in_memory_verify(existing in 0i32..4, more in 1usize..6, internal in proptest::bool::ANY) {
            let mut events = chain(existing);
            let mut r = request(existing);
            for i in 0..more {
                let prev = events.last().map_or(GENESIS.to_string(), |e| e.hash.clone());
                let at = chrono::NaiveDate::from_ymd_opt(2026, 3, 14).unwrap().and_hms_opt(0, 0, 0).unwrap();
                let new = NewEvent { kind: format!("k{i}"), body: None, data: serde_json::json!({"i": i}), internal };
                events.push(next_event(&mut r, prev, at, None, "system", &new));
            }
            proptest::prop_assert_eq!(check_chain("R", &events), None);
            proptest::prop_assert_eq!(r.last_seq, existing + more as i32);
        }
    }

    #[test]
    fn an_intact_chain_verifies() {
        assert_eq!(check_chain("TNG-2026-000001", &chain(5)), None);
    }

    #[test]
    fn an_edited_body_is_found_at_its_event() {
        let mut c = chain(5);
        c[2].body = Some("sửa lén".into());
        let b = check_chain("R", &c).unwrap();
        assert_eq!(b.seq, 3);
    }

    #[test]
    fn a_deleted_event_is_found() {
        let mut c = chain(5);
        c.remove(1);
        assert_eq!(check_chain("R", &c).unwrap().seq, 3);
    }

    #[test]
    fn a_rehashed_forgery_breaks_the_next_link() {
        let mut c = chain(4);
        c[1].body = Some("forged".into());
        c[1].hash = event_hash(&c[1]);
        assert_eq!(check_chain("R", &c).unwrap().seq, 3);
    }
}
