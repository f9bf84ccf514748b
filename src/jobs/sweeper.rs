//! Runs the sweep every minute in every instance. Instances never repeat each
//! other's steps (see `service::sweeper`); a failed pass is logged and retried
//! at the next tick.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Notify;

use crate::clock::SharedClock;
use crate::config::Config;
use crate::db::Pool;
use crate::service::requests::Env;
use crate::service::rules::{Rulebook, RulesCell};
use crate::service::sweeper;

pub struct Sweeper {
    pub pool: Pool,
    pub config: Arc<Config>,
    pub clock: SharedClock,
    pub rules: Arc<RulesCell>,
    pub mail_wake: Arc<Notify>,
    pub interval: Duration,
}

impl Sweeper {
    pub async fn run(self) {
        let mut tick = tokio::time::interval(self.interval);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            let (pool, config, cell, now) =
                (self.pool.clone(), self.config.clone(), self.rules.clone(), self.clock.now());
            let result = tokio::task::spawn_blocking(move || -> anyhow::Result<sweeper::SweepReport> {
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
            .await;
            match result {
                Ok(Ok(report)) => {
                    if report.checked > 0 {
                        tracing::info!(?report, "sweep");
                        self.mail_wake.notify_one();
                    }
                }
                Ok(Err(e)) => tracing::error!(error = %e, "sweep failed"),
                Err(e) => tracing::error!(error = %e, "sweep task failed"),
            }
        }
    }
}
