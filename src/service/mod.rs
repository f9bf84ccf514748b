//! Use cases. Each write is one database transaction that changes the state
//! and writes the outbox rows for the mails it causes, so neither is ever lost
//! without the other. Services take a connection and an `Env` (the
//! configuration, the rule data and "now"); they never read the clock
//! themselves.

pub mod accounts;
pub mod agencies_admin;
pub mod agency_import;
pub mod attachments;
pub mod audit;
pub mod audit_log;
pub mod calendar;
pub mod demo;
pub mod demo_history;
pub mod directory;
pub mod email_change;
pub mod error;
pub mod escalations;
pub mod explain;
pub mod inbound;
pub mod installation_keys;
pub mod jurisdictions_admin;
pub mod login;
pub mod login_throttle;
pub mod new_user_checks;
pub mod next_check;
pub mod ops;
pub mod orphan_files;
pub mod outbox_admin;
pub mod password_reset;
pub mod passwords;
pub mod profile;
pub mod requests;
pub mod rule_changes;
pub mod rules;
pub mod secrets;
pub mod shared_limits;
pub mod stat_backfill;
pub mod stat_facts;
pub mod stats;
pub mod storage;
pub mod storage_blocking;
pub mod storage_migrate;
pub mod sweep_batch;
pub mod sweep_report;
pub mod sweeper;
pub mod timeline;
pub mod unverified;
pub mod users_admin;

pub use error::{AppError, AppResult};

/// What every use case needs besides the connection: the configuration, the
/// rules in force (policy packs, calendar) and the one "now" of the call.
#[derive(Clone, Copy)]
pub struct Env<'a> {
    pub config: &'a crate::config::Config,
    pub rules: &'a rules::Rulebook,
    pub now: chrono::DateTime<chrono::Utc>,
}

/// A page of a list, as API.md's list shape.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
}

/// Page numbers start at 1; `per_page` is 1..=100 (default 20).
pub fn paging(page: Option<i64>, per_page: Option<i64>) -> (i64, i64) {
    let per_page = per_page.unwrap_or(20).clamp(1, 100);
    let page = page.unwrap_or(1).clamp(1, 1_000_000);
    (page, per_page)
}
