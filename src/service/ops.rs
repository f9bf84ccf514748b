//! What operations ask of an instance: is it ready to serve, and what do its
//! counters say. The web layer renders these; only this module reaches the
//! database for them.

use crate::db::{DbConn, outbox};
use crate::health::{JobBoard, JobSnapshot};

use super::AppResult;

/// Why an instance is not ready, if it is not.
#[derive(Debug, Clone, PartialEq)]
pub struct Readiness {
    pub database: Result<(), String>,
    /// Jobs that have not finished a tick within three of their intervals.
    pub late_jobs: Vec<&'static str>,
}

impl Readiness {
    pub fn ready(&self) -> bool {
        self.database.is_ok() && self.late_jobs.is_empty()
    }
}

/// The database answers a trivial query.
pub fn ping(conn: &mut DbConn) -> AppResult<()> {
    Ok(crate::db::ping(conn)?)
}

pub fn readiness(database: Result<(), String>, jobs: &JobBoard) -> Readiness {
    Readiness { database, late_jobs: jobs.late() }
}

/// Outbox rows per status, for /metrics.
pub fn outbox_counts(conn: &mut DbConn) -> AppResult<Vec<(String, i64)>> {
    Ok(outbox::count_by_status(conn)?)
}

/// The exposition text of /metrics.
pub fn metrics_text(outbox: &[(String, i64)], jobs: &[JobSnapshot]) -> String {
    crate::metrics::render(outbox, jobs)
}
