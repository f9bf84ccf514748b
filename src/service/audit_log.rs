//! Reading the audit log: administrators read all of it, Department staff
//! their province's entries, nobody else any.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;

use super::accounts::Principal;
use super::error::{AppError, AppResult};
use super::{Env, Page, paging};
use crate::db::{DbConn, audit, users};
use crate::domain::account::Role;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AuditActor {
    pub id: String,
    pub full_name: String,
}

/// An entry as administrators and staff read it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AuditEntry {
    pub id: String,
    pub at: DateTime<Utc>,
    /// `null` for the command line.
    pub actor: Option<AuditActor>,
    pub jurisdiction_id: Option<String>,
    pub action: String,
    pub target_kind: String,
    pub target_id: String,
    #[schema(value_type = Option<Object>)]
    pub before: Option<Value>,
    #[schema(value_type = Option<Object>)]
    pub after: Option<Value>,
}

/// A page of the log, newest first: everything for an administrator, the
/// caller's province for Department staff, nothing for anyone else.
pub fn list(
    conn: &mut DbConn,
    _env: Env<'_>,
    p: &Principal,
    page: Option<i64>,
    per_page: Option<i64>,
) -> AppResult<Page<AuditEntry>> {
    let scope = match (p.role, &p.user.jurisdiction_id) {
        (Role::Admin, _) => None,
        (Role::Staff, Some(j)) => Some(j.clone()),
        _ => return Err(AppError::Forbidden("only administrators and Department staff read the audit log".into())),
    };
    let (page, per_page) = paging(page, per_page);
    let (rows, total) = audit::page(conn, scope.as_deref(), (page - 1) * per_page, per_page)?;
    let mut actor_ids: Vec<String> = rows.iter().filter_map(|r| r.actor_id.clone()).collect();
    actor_ids.sort();
    actor_ids.dedup();
    let names: HashMap<String, String> =
        users::by_ids(conn, &actor_ids)?.into_iter().map(|u| (u.id, u.full_name)).collect();
    let items = rows
        .into_iter()
        .map(|r| AuditEntry {
            actor: r
                .actor_id
                .as_ref()
                .map(|id| AuditActor { id: id.clone(), full_name: names.get(id).cloned().unwrap_or_default() }),
            id: r.id,
            at: super::requests::utc(r.at),
            jurisdiction_id: r.jurisdiction_id,
            action: r.action,
            target_kind: r.target_kind,
            target_id: r.target_id,
            // Written by `record` from JSON values: anything else is shown as text.
            before: r.before.map(|s| serde_json::from_str(&s).unwrap_or(Value::String(s))),
            after: r.after.map(|s| serde_json::from_str(&s).unwrap_or(Value::String(s))),
        })
        .collect();
    Ok(Page { items, total, page, per_page })
}
