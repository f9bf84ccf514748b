//! Runs the sweep every minute in every instance. Instances never repeat each
//! other's steps (see `service::sweeper`); a failed or panicking pass is logged,
//! counted, and retried at the next tick.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Notify;

use crate::clock::SharedClock;
use crate::config::Config;
use crate::db::Pool;
use crate::service::Env;
use crate::service::rules::{Rulebook, RulesCell};
use crate::service::sweeper;

use super::supervisor::{JobHealth, guarded_tick};

pub struct Sweeper {
    pub pool: Pool,
    pub config: Arc<Config>,
    pub clock: SharedClock,
    pub rules: Arc<RulesCell>,
    pub mail_wake: Arc<Notify>,
    pub interval: Duration,
}

impl Sweeper {
    /// Runs until the task is dropped; each sweep is one tick of `health`.
    pub async fn run(&self, health: &JobHealth) {
        let mut tick = tokio::time::interval(self.interval);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if let Some(report) = guarded_tick(health, self.sweep_once()).await
                && report.checked > 0
            {
                tracing::info!(?report, "sweep");
                self.mail_wake.notify_one();
            }
        }
    }

    async fn sweep_once(&self) -> anyhow::Result<sweeper::SweepReport> {
        let (pool, config, cell, now) = (self.pool.clone(), self.config.clone(), self.rules.clone(), self.clock.now());
        tokio::task::spawn_blocking(move || -> anyhow::Result<sweeper::SweepReport> {
            let mut conn = pool.get()?;
            // Follow calendar edits made in other instances.
            let fresh = Rulebook::load_with(&mut conn, cell.current().policies.clone())
                .map_err(|e| anyhow::anyhow!("{e:?}"))?;
            cell.set(fresh);
            crate::service::unverified::housekeeping(&mut conn, &config, now);
            drop(conn);
            let rules = cell.current();
            sweeper::sweep_parallel(&pool, Env { config: &config, rules: &rules, now }, sweeper::PARALLEL)
                .map_err(|e| anyhow::anyhow!("{e:?}"))
        })
        .await?
    }
}
