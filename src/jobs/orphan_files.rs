//! Removes, every `TIEPCAN_ORPHAN_SWEEP_INTERVAL_MS`, the stored files that no
//! attachment names once they are older than `TIEPCAN_ORPHAN_GRACE_SECONDS`
//! (see `service::orphan_files`), and the partial uploads a crash left in this
//! instance's spool.

use std::sync::Arc;
use std::time::Duration;

use crate::config::Config;
use crate::db::Pool;
use crate::service::orphan_files::{OrphanReport, remove_orphans};
use crate::service::{attachments, storage::Storage};

use super::supervisor::{JobHealth, guarded_tick};

/// Spool files older than this belong to no upload still arriving.
const STALE_SPOOL: Duration = Duration::from_secs(3600);

pub struct OrphanFiles {
    pub storage: Storage,
    pub pool: Pool,
    pub config: Arc<Config>,
}

impl OrphanFiles {
    /// Runs until the task is dropped; each pass is one tick of `health`.
    pub async fn run(&self, health: &JobHealth) {
        let mut tick = tokio::time::interval(self.config.orphan_interval);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if let Some(report) = guarded_tick(health, self.pass()).await
                && report.removed > 0
            {
                tracing::info!(?report, "orphan files removed");
            }
        }
    }

    async fn pass(&self) -> anyhow::Result<OrphanReport> {
        let config = self.config.clone();
        tokio::task::spawn_blocking(move || attachments::remove_stale_incoming(&config, STALE_SPOOL)).await??;
        // The store dates its files by the wall clock, so the cut-off does too.
        let grace = chrono::Duration::from_std(self.config.orphan_grace)?;
        remove_orphans(&self.storage, &self.pool, chrono::Utc::now() - grace).await
    }
}
