//! The audit log of administrative changes: who changed what, when, from what
//! to what. Every administrative use case records its change here in its own
//! transaction, so a change and its entry commit together or not at all.
//! Reading it is `audit_log`.

use serde_json::Value;

use super::Env;
use super::error::AppResult;
use crate::db::models::AuditRow;
use crate::db::{self, DbConn, audit};

/// One change, as a use case describes it.
#[derive(Debug, Clone)]
pub struct Change<'a> {
    /// What was done, `thing.verb`: `user.invite`, `agency.update`, ...
    pub action: &'static str,
    /// What it was done to: `user`, `agency`, `jurisdiction`, `calendar`, ...
    pub target_kind: &'static str,
    pub target_id: &'a str,
    /// The province the change concerns; `None` for the whole installation.
    pub jurisdiction_id: Option<&'a str>,
    /// The fields as they were (`None` when the thing is new).
    pub before: Option<Value>,
    /// The fields as they are now (`None` when the thing is gone).
    pub after: Option<Value>,
}

/// Writes the entry; call it inside the change's own transaction. `actor_id`
/// is the account that made the change, `None` for the command line.
pub fn record(conn: &mut DbConn, env: Env<'_>, actor_id: Option<&str>, c: Change<'_>) -> AppResult<()> {
    let row = AuditRow {
        id: db::new_id(),
        at: env.now.naive_utc(),
        actor_id: actor_id.map(str::to_string),
        jurisdiction_id: c.jurisdiction_id.map(str::to_string),
        action: c.action.to_string(),
        target_kind: c.target_kind.to_string(),
        target_id: c.target_id.to_string(),
        before: c.before.map(|v| v.to_string()),
        after: c.after.map(|v| v.to_string()),
    };
    audit::insert(conn, &row)?;
    Ok(())
}
