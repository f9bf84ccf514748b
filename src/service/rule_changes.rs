//! When the policy packs change (a new file in the data directory, a new
//! release), the open deadlines they move are recomputed once, with an event
//! and a mail each, the first time an instance starts with them.

use super::Env;
use super::calendar::recompute_open;
use super::error::AppResult;
use crate::db::{self, DbConn, requests};

const POLICY_FINGERPRINT: &str = "policy_fingerprint";

/// Recomputes open deadlines if the packs differ from the last ones applied;
/// returns how many requests moved (None when nothing changed).
pub fn apply_policy_change(conn: &mut DbConn, env: Env<'_>, fingerprint: &str) -> AppResult<Option<usize>> {
    db::write(conn, |conn| {
        let last = requests::rule_state(conn, POLICY_FINGERPRINT)?;
        if last.as_deref() == Some(fingerprint) {
            return Ok(None);
        }
        // The first start of a database has nothing to move.
        let moved = if last.is_some() { recompute_open(conn, env, "policy")? } else { 0 };
        requests::set_rule_state(conn, POLICY_FINGERPRINT, fingerprint, env.now.naive_utc())?;
        Ok(Some(moved))
    })
}
