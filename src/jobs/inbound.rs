//! Fetches replies from the inbound IMAP mailbox: every message in it is
//! recorded (`service::inbound::receive`) and, only once its transaction has
//! committed, moved to the processed folder. A message fetched twice, or by
//! two instances, is recorded once (the database refuses the second); an
//! IMAP outage leaves the mail where it is until the next pass. IDLE where the
//! server offers it, polling otherwise; each pass is a tick of the job's
//! health, so outages show in readiness and /metrics.

use std::sync::Arc;
use std::time::Duration;

use anyhow::anyhow;
use futures_util::TryStreamExt;
use tokio::sync::Notify;

use crate::clock::SharedClock;
use crate::config::{Config, InboundSettings};
use crate::db::Pool;
use crate::mail::imap::{self, Connected, ImapSession};
use crate::service::Env;
use crate::service::inbound::receive::{Receipt, receive, receive_oversized};
use crate::service::rules::RulesCell;

use super::supervisor::{JobHealth, guarded_tick};

/// Messages taken in one pass (the rest wait for the next, at once).
const PER_PASS: usize = 50;

pub struct InboundJob {
    pub pool: Pool,
    pub config: Arc<Config>,
    pub clock: SharedClock,
    pub rules: Arc<RulesCell>,
    pub mail_wake: Arc<Notify>,
    /// Messages found recorded already, and since when: another instance
    /// that recorded one moves it; only one still here after two polls (its
    /// recorder stopped before moving it) is moved from here.
    pub duplicates: std::sync::Mutex<std::collections::HashMap<u32, std::time::Instant>>,
}

/// What one pass did.
#[derive(Debug, Default)]
pub struct PassReport {
    pub recorded: usize,
    pub duplicates: usize,
    pub failed: usize,
}

impl InboundJob {
    fn settings(&self) -> &InboundSettings {
        self.config.inbound.as_ref().expect("the inbound job runs only with inbound settings")
    }

    /// The interval readiness expects a tick within (a pass at least this often).
    pub fn tick_interval(settings: &InboundSettings) -> Duration {
        settings.poll
    }

    /// Runs until the task is dropped: connect, then passes separated by IDLE
    /// or a pause; any error ends the session and a new one starts after a pause.
    pub async fn run(&self, health: &JobHealth) {
        let poll = self.settings().poll;
        loop {
            if let Some(mut c) = guarded_tick(health, self.open()).await {
                while let Some(report) = guarded_tick(health, self.pass(&mut c)).await {
                    if report.recorded > 0 {
                        tracing::info!(?report, "inbound mail");
                        self.mail_wake.notify_one();
                    }
                    if report.recorded + report.duplicates < PER_PASS {
                        match Self::wait(c, poll).await {
                            Ok(next) => c = next,
                            Err(e) => {
                                tracing::warn!(error = %format!("{e:#}"), "inbound mailbox connection lost");
                                break;
                            }
                        }
                    }
                }
            }
            tokio::time::sleep(poll.min(Duration::from_secs(30))).await;
        }
    }

    async fn open(&self) -> anyhow::Result<Connected> {
        let s = self.settings();
        let mut c = imap::connect(&s.imap).await?;
        // The processed folder may exist already; any other problem shows when moving.
        let _ = c.session.create(&s.processed_folder).await;
        Ok(c)
    }

    /// Waits for new mail: IDLE (at most `poll`) or a pause and a NOOP.
    async fn wait(c: Connected, poll: Duration) -> anyhow::Result<Connected> {
        let Connected { session, idle, moves } = c;
        let session = if idle {
            let mut handle = session.idle();
            handle.init().await?;
            let (wait, _stop) = handle.wait_with_timeout(poll);
            wait.await?;
            tokio::time::timeout(imap::TIMEOUT, handle.done()).await.map_err(|_| anyhow!("IDLE did not end"))??
        } else {
            tokio::time::sleep(poll).await;
            let mut session = session;
            tokio::time::timeout(imap::TIMEOUT, session.noop()).await.map_err(|_| anyhow!("NOOP timed out"))??;
            session
        };
        Ok(Connected { session, idle, moves })
    }

    /// Takes the messages in the mailbox, oldest first.
    async fn pass(&self, c: &mut Connected) -> anyhow::Result<PassReport> {
        while c.session.unsolicited_responses.try_recv().is_ok() {}
        let limit = imap::TIMEOUT * 4;
        let mut uids: Vec<u32> = tokio::time::timeout(limit, c.session.uid_search("ALL"))
            .await
            .map_err(|_| anyhow!("SEARCH timed out"))??
            .into_iter()
            .collect();
        uids.sort_unstable();
        let mut report = PassReport::default();
        let mut last_error = None;
        for uid in uids.into_iter().take(PER_PASS) {
            match tokio::time::timeout(limit, self.take(c, uid)).await {
                Ok(Ok(Receipt::Duplicate)) => report.duplicates += 1,
                Ok(Ok(Receipt::Recorded { .. })) => report.recorded += 1,
                Ok(Err(e)) => {
                    report.failed += 1;
                    last_error = Some(e);
                }
                Err(_) => return Err(anyhow!("fetching message {uid} timed out")),
            }
        }
        match last_error {
            // Recorded messages are kept; the failed one stays in the mailbox for the next pass.
            Some(e) => Err(e.context(format!("{} of the messages could not be recorded", report.failed))),
            None => Ok(report),
        }
    }

    /// Fetches, records and then moves one message.
    async fn take(&self, c: &mut Connected, uid: u32) -> anyhow::Result<Receipt> {
        let max = self.settings().max_bytes;
        let (size, _) = fetch_one(&mut c.session, uid, "(UID RFC822.SIZE)").await?;
        let oversized = size.is_some_and(|s| s as usize > max);
        let query = if oversized { "(UID BODY.PEEK[HEADER])" } else { "(UID BODY.PEEK[])" };
        let (_, bytes) = fetch_one(&mut c.session, uid, query).await?;
        let bytes = bytes.ok_or_else(|| anyhow!("message {uid} came without its bytes"))?;
        let receipt = self.record(bytes, oversized, uid).await?;
        // Only now, with the row committed, does the message leave the inbox.
        if receipt != Receipt::Duplicate || self.duplicate_left_behind(uid) {
            self.move_out(c, uid).await;
        }
        Ok(receipt)
    }

    /// Whether a message recorded by someone else has waited long enough
    /// for its recorder to move it (two polls) and should be moved from here.
    fn duplicate_left_behind(&self, uid: u32) -> bool {
        let mut seen = self.duplicates.lock().unwrap_or_else(|p| p.into_inner());
        let since = *seen.entry(uid).or_insert_with(std::time::Instant::now);
        let stale = since.elapsed() > self.settings().poll * 2;
        if stale {
            seen.remove(&uid);
        }
        seen.retain(|_, t| t.elapsed() < std::time::Duration::from_secs(24 * 3600));
        stale
    }

    async fn record(&self, bytes: Vec<u8>, oversized: bool, uid: u32) -> anyhow::Result<Receipt> {
        let (pool, config, rules, now) =
            (self.pool.clone(), self.config.clone(), self.rules.current(), self.clock.now());
        tokio::task::spawn_blocking(move || {
            let mut conn = pool.get()?;
            let env = Env { config: &config, rules: &rules, now };
            let uid = Some(i64::from(uid));
            let r = if oversized {
                receive_oversized(&mut conn, env, &bytes, uid)
            } else {
                receive(&mut conn, env, &bytes, uid)
            };
            r.map_err(|e| anyhow!("{e:?}"))
        })
        .await?
    }

    /// Moves a recorded message to the processed folder. A failure is only
    /// logged: the message is fetched again, found recorded, and moved then.
    async fn move_out(&self, c: &mut Connected, uid: u32) {
        let folder = &self.settings().processed_folder;
        let set = uid.to_string();
        let moved = if c.moves {
            c.session.uid_mv(&set, folder).await
        } else {
            copy_and_delete(&mut c.session, &set, folder).await
        };
        if let Err(e) = moved {
            tracing::warn!(uid, error = %e, "inbound message recorded but not moved; it will be moved on the next pass");
        }
    }
}

/// MOVE for servers without it: COPY, flag deleted, EXPUNGE.
async fn copy_and_delete(session: &mut ImapSession, set: &str, folder: &str) -> async_imap::error::Result<()> {
    session.uid_copy(set, folder).await?;
    session.uid_store(set, "+FLAGS.SILENT (\\Deleted)").await?.try_collect::<Vec<_>>().await?;
    session.expunge().await?.try_collect::<Vec<_>>().await?;
    Ok(())
}

/// One FETCH of one UID: the size (if asked) and the body (if asked).
async fn fetch_one(session: &mut ImapSession, uid: u32, query: &str) -> anyhow::Result<(Option<u32>, Option<Vec<u8>>)> {
    let stream = session.uid_fetch(uid.to_string(), query).await?;
    let fetches: Vec<_> = stream.try_collect().await?;
    let f = fetches.iter().find(|f| f.uid == Some(uid)).ok_or_else(|| anyhow!("message {uid} is gone"))?;
    Ok((f.size, f.body().or_else(|| f.header()).map(<[u8]>::to_vec)))
}
