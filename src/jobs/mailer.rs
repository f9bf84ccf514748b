//! The mailer: drains the outbox. It polls (so rows written by another process,
//! a CLI command or another instance are sent too) and can be woken early by the
//! process that just wrote a row. Each row is claimed with a lease before
//! sending, so two instances never send the same row at the same moment;
//! failures are retried with exponential backoff and recorded.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::TimeDelta;
use futures_util::StreamExt;
use tokio::sync::Notify;

use super::supervisor::{JobHealth, guarded_tick};
use crate::clock::SharedClock;
use crate::config::Config;
use crate::db::Pool;
use crate::db::models::OutboxRow;
use crate::db::outbox::{self, Attempt};
use crate::mail::transport::Transport;

/// Attempts after which a transient failure is still retried, but no more
/// often than `MAX_BACKOFF`.
const MAX_BACKOFF: Duration = Duration::from_secs(3600);
/// How long a claim protects a row being sent.
const LEASE: Duration = Duration::from_secs(300);
const BATCH: i64 = 50;

/// What the SMTP server said to one mail.
type SendResult = Result<String, crate::mail::transport::SendError>;

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

    /// Sends what is due now; returns how many rows it attempted. A pass
    /// costs the database two statements to claim its rows and one
    /// transaction to record how each went, however many it sends.
    pub async fn drain_once(&self) -> anyhow::Result<usize> {
        let now = self.clock.now();
        let pool = self.pool.clone();
        let lease_until = now + TimeDelta::from_std(LEASE)?;
        let (claimed, held) = tokio::task::spawn_blocking(move || -> anyhow::Result<_> {
            let mut conn = pool.get()?;
            let rows = outbox::claim_due(&mut conn, now.naive_utc(), lease_until.naive_utc(), BATCH)?;
            let mut emails: Vec<String> = rows.iter().map(|r| r.to_email.to_lowercase()).collect();
            emails.sort_unstable();
            emails.dedup();
            // Mail to an address whose mail came back is held, not sent
            // into the void again; staff see the address as bouncing.
            let bounced: HashMap<String, String> = crate::db::inbound::bounces_of(&mut conn, &emails)?
                .into_iter()
                .map(|b| (b.email, b.diagnostic))
                .collect();
            let (mut send, mut held) = (Vec::with_capacity(rows.len()), Vec::new());
            for row in rows {
                match bounced.get(&row.to_email.to_lowercase()) {
                    Some(diagnostic) => {
                        held.push((row.id, format!("held: mail to this address bounced ({diagnostic})")))
                    }
                    None => send.push(row),
                }
            }
            Ok((send, held))
        })
        .await??;
        let attempted = claimed.len() + held.len();
        // Side by side, since each SMTP exchange mostly waits on the network;
        // but one person's mails in the order they were written.
        let mut by_recipient: Vec<Vec<OutboxRow>> = Vec::new();
        for row in claimed {
            match by_recipient.iter_mut().find(|g| g[0].to_email == row.to_email) {
                Some(g) => g.push(row),
                None => by_recipient.push(vec![row]),
            }
        }
        let sent: Vec<Vec<(OutboxRow, SendResult)>> = futures_util::stream::iter(by_recipient)
            .map(|rows| async move {
                let mut out = Vec::with_capacity(rows.len());
                for row in rows {
                    let result = self.send(&row).await;
                    out.push((row, result));
                }
                out
            })
            .buffer_unordered(self.config.mail_connections.max(1))
            .collect()
            .await;
        if sent.is_empty() && held.is_empty() {
            return Ok(attempted);
        }
        self.record(sent.into_iter().flatten().collect(), held).await?;
        Ok(attempted)
    }

    /// How often a pass is expected to finish: the poll interval, but never
    /// less than an SMTP exchange may take before it times out.
    pub fn tick_interval(config: &Config) -> Duration {
        config.mail_poll.max(Duration::from_secs(20))
    }

    /// Sends one claimed row.
    async fn send(&self, row: &OutboxRow) -> SendResult {
        let result = self.transport.send(row, &self.config.mail_from).await;
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
        result
    }

    /// Records how a pass went, in one transaction. A mail sent but not yet
    /// recorded (the process stopped in between) is still leased, and is sent
    /// again once the lease runs out: mail goes at least once.
    async fn record(&self, sent: Vec<(OutboxRow, SendResult)>, held: Vec<(String, String)>) -> anyhow::Result<()> {
        let at = self.clock.now();
        let pool = self.pool.clone();
        let base = self.config.mail_retry_base;
        tokio::task::spawn_blocking(move || -> anyhow::Result<()> {
            let mut conn = pool.get()?;
            let attempts: Vec<(&str, Attempt<'_>)> = sent
                .iter()
                .map(|(row, result)| {
                    let attempt = match result {
                        Ok(reply) => Attempt::Sent { reply },
                        Err(e) => Attempt::Failed {
                            error: &e.message,
                            retry_at: (!e.permanent).then(|| {
                                (at + TimeDelta::from_std(backoff(base, row.attempts)).unwrap_or(TimeDelta::hours(1)))
                                    .naive_utc()
                            }),
                        },
                    };
                    (row.id.as_str(), attempt)
                })
                .chain(held.iter().map(|(id, why)| (id.as_str(), Attempt::Failed { error: why, retry_at: None })))
                .collect();
            crate::db::write(&mut conn, |conn| outbox::record_attempts(conn, at.naive_utc(), &attempts))?;
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
