//! The mailer: drains the outbox. It polls (so rows written by another process,
//! a CLI command or another instance are sent too) and can be woken early by the
//! process that just wrote a row. Each row is claimed with a lease before
//! sending, so two instances never send the same row at the same moment;
//! failures are retried with exponential backoff and recorded.

use std::sync::Arc;
use std::time::Duration;

use chrono::TimeDelta;
use futures_util::StreamExt;
use tokio::sync::Notify;

use super::supervisor::{JobHealth, guarded_tick};
use crate::clock::SharedClock;
use crate::config::Config;
use crate::db::models::OutboxRow;
use crate::db::{Pool, outbox};
use crate::mail::transport::Transport;

/// Attempts after which a transient failure is still retried, but no more
/// often than `MAX_BACKOFF`.
const MAX_BACKOFF: Duration = Duration::from_secs(3600);
/// How long a claim protects a row being sent.
const LEASE: Duration = Duration::from_secs(300);
const BATCH: i64 = 50;

pub struct Mailer {
    pub pool: Pool,
    pub config: Arc<Config>,
    pub clock: SharedClock,
    pub transport: Arc<Transport>,
    pub wake: Arc<Notify>,
}

/// Delay before attempt `attempts + 1`: base × 2^(attempts-1), capped.
pub fn backoff(base: Duration, attempts: i32) -> Duration {
    let exp = attempts.clamp(1, 20) as u32 - 1;
    base.saturating_mul(2u32.saturating_pow(exp)).min(MAX_BACKOFF)
}

impl Mailer {
    /// Runs until the task is dropped; each pass is one tick of `health`.
    pub async fn run(&self, health: &JobHealth) {
        loop {
            if let Some(n) = guarded_tick(health, self.drain_once()).await
                && n as i64 >= BATCH
            {
                continue;
            }
            tokio::select! {
                _ = self.wake.notified() => {}
                _ = tokio::time::sleep(self.config.mail_poll) => {}
            }
        }
    }

    /// Sends what is due now; returns how many rows it attempted.
    pub async fn drain_once(&self) -> anyhow::Result<usize> {
        let now = self.clock.now();
        let pool = self.pool.clone();
        let lease_until = now + TimeDelta::from_std(LEASE)?;
        let claimed: Vec<_> = tokio::task::spawn_blocking(move || -> anyhow::Result<Vec<_>> {
            let mut conn = pool.get()?;
            let mut rows = Vec::new();
            for id in outbox::due_ids(&mut conn, now.naive_utc(), BATCH)? {
                if outbox::claim(&mut conn, &id, now.naive_utc(), lease_until.naive_utc())? {
                    let row = outbox::get(&mut conn, &id)?;
                    // Mail to an address whose mail came back is held, not sent
                    // into the void again; staff see the address as bouncing.
                    match crate::db::inbound::bounce_of(&mut conn, &row.to_email.to_lowercase())? {
                        Some(b) => {
                            let why = format!("held: mail to this address bounced ({})", b.diagnostic);
                            outbox::mark_failed(&mut conn, &id, &why, None)?;
                        }
                        None => rows.push(row),
                    }
                }
            }
            Ok(rows)
        })
        .await??;
        let attempted = claimed.len();
        // Side by side, since each SMTP exchange mostly waits on the network;
        // but one person's mails in the order they were written.
        let mut by_recipient: Vec<Vec<OutboxRow>> = Vec::new();
        for row in claimed {
            match by_recipient.iter_mut().find(|g| g[0].to_email == row.to_email) {
                Some(g) => g.push(row),
                None => by_recipient.push(vec![row]),
            }
        }
        let outcomes: Vec<anyhow::Result<()>> = futures_util::stream::iter(by_recipient)
            .map(|rows| async move {
                for row in rows {
                    self.deliver(row).await?;
                }
                Ok(())
            })
            .buffer_unordered(self.config.mail_connections.max(1))
            .collect()
            .await;
        for outcome in outcomes {
            outcome?;
        }
        Ok(attempted)
    }

    /// How often a pass is expected to finish: the poll interval, but never
    /// less than an SMTP exchange may take before it times out.
    pub fn tick_interval(config: &Config) -> Duration {
        config.mail_poll.max(Duration::from_secs(20))
    }

    /// Sends one claimed row and records the outcome.
    async fn deliver(&self, row: OutboxRow) -> anyhow::Result<()> {
        let result = self.transport.send(&row, &self.config.mail_from).await;
        let at = self.clock.now();
        let pool = self.pool.clone();
        let base = self.config.mail_retry_base;
        let id = row.id.clone();
        match &result {
            Ok(_) => {
                crate::metrics::MAILS_SENT.inc();
                tracing::info!(outbox_id = %row.id, kind = %row.kind, "mail sent");
            }
            Err(e) => {
                crate::metrics::MAIL_FAILURES.inc();
                tracing::warn!(outbox_id = %row.id, attempts = row.attempts, permanent = e.permanent, error = %e.message, "mail not sent");
            }
        }
        tokio::task::spawn_blocking(move || -> anyhow::Result<()> {
            let mut conn = pool.get()?;
            match result {
                Ok(reply) => outbox::mark_sent(&mut conn, &id, at.naive_utc(), &reply)?,
                Err(e) => {
                    let retry = (!e.permanent)
                        .then(|| at + TimeDelta::from_std(backoff(base, row.attempts)).unwrap_or(TimeDelta::hours(1)));
                    outbox::mark_failed(&mut conn, &id, &e.message, retry.map(|t| t.naive_utc()))?;
                }
            }
            Ok(())
        })
        .await?
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_caps() {
        let base = Duration::from_secs(30);
        assert_eq!(backoff(base, 1), Duration::from_secs(30));
        assert_eq!(backoff(base, 2), Duration::from_secs(60));
        assert_eq!(backoff(base, 4), Duration::from_secs(240));
        assert_eq!(backoff(base, 30), MAX_BACKOFF);
    }
}
