//! The outbox drain: `--mails` queued mails (copies of a real filing notice)
//! sent by the server's own mailer to a local SMTP server, timed until the
//! outbox is empty.

use std::sync::Arc;
use std::time::Instant;

use diesel::prelude::*;
use serde_json::json;
use tiepcan::clock::{SharedClock, SystemClock};
use tiepcan::db::models::OutboxRow;
use tiepcan::db::schema::outbox;
use tiepcan::db::{self, DbConn};
use tiepcan::jobs::mailer::Mailer;
use tiepcan::mail::transport::Transport;
use tokio::sync::Notify;

use super::stats;

pub fn run(url: &str, smtp: &str, mails: u64) -> anyhow::Result<()> {
    let config = Arc::new(super::config_for(url, Some(smtp))?);
    let pool = db::connect(url, config.db_pool_size)?;
    let clock: SharedClock = Arc::new(SystemClock);
    {
        let mut conn = pool.get()?;
        queue(&mut conn, mails, clock.now().naive_utc())?;
    }
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let (sent, failed, elapsed) = rt.block_on(async {
        let mailer = Mailer {
            pool: pool.clone(),
            config: config.clone(),
            clock,
            transport: Arc::new(Transport::from_config(&config)?),
            wake: Arc::new(Notify::new()),
        };
        let started = Instant::now();
        while mailer.drain_once().await? > 0 {}
        let elapsed = started.elapsed();
        let mut conn = pool.get()?;
        let count = |status: &str, conn: &mut DbConn| -> anyhow::Result<i64> {
            Ok(outbox::table.filter(outbox::status.eq(status.to_string())).count().get_result(conn)?)
        };
        anyhow::Ok((count("sent", &mut conn)?, count("failed", &mut conn)? + count("pending", &mut conn)?, elapsed))
    })?;
    anyhow::ensure!(failed == 0, "{failed} of {mails} mails were not accepted by {smtp}");
    let rate = mails as f64 / elapsed.as_secs_f64();
    println!("outbox: {mails} mails in {:.2} s = {rate:.0} mails/s ({failed} not sent)", elapsed.as_secs_f64());
    stats::emit(
        "outbox",
        json!({"mails": mails, "seconds": (elapsed.as_secs_f64() * 100.0).round() / 100.0,
               "per_second": rate.round(), "not_sent": failed, "sent_total": sent}),
    );
    Ok(())
}

/// Marks what is pending as sent (earlier steps' mails are not part of this
/// measurement), then queues `n` copies of a real mail to distinct addresses.
fn queue(conn: &mut DbConn, n: u64, now: chrono::NaiveDateTime) -> anyhow::Result<()> {
    let template: OutboxRow = outbox::table
        .order(outbox::created_at.asc())
        .select(OutboxRow::as_select())
        .first(conn)
        .map_err(|e| anyhow::anyhow!("no mail to copy (run seed first): {e}"))?;
    db::write(conn, |conn| -> anyhow::Result<()> {
        diesel::update(outbox::table.filter(outbox::status.eq("pending")))
            .set(outbox::status.eq("sent"))
            .execute(conn)?;
        let rows: Vec<OutboxRow> = (0..n)
            .map(|i| OutboxRow {
                id: db::new_id(),
                created_at: now,
                to_email: format!("nguoinhan{i}@bao.example.vn"),
                message_id: format!("<bench-{i}-{}@tiepcan.example.vn>", db::new_id()),
                status: "pending".into(),
                attempts: 0,
                next_attempt_at: now,
                lease_until: None,
                last_error: None,
                smtp_reply: None,
                sent_at: None,
                reply_to: None,
                ..template.clone()
            })
            .collect();
        for chunk in rows.chunks(500) {
            for row in chunk {
                db::outbox::insert(conn, row)?;
            }
        }
        Ok(())
    })
}

/// Polls the outbox until nothing is pending, or fails after `seconds`.
pub fn wait_drained(url: &str, seconds: u64) -> anyhow::Result<()> {
    let mut conn = db::connect_one(url)?;
    let started = Instant::now();
    loop {
        let pending: i64 = outbox::table.filter(outbox::status.eq("pending")).count().get_result(&mut conn)?;
        if pending == 0 {
            println!("outbox drained after {:.1} s", started.elapsed().as_secs_f64());
            return Ok(());
        }
        anyhow::ensure!(started.elapsed().as_secs() < seconds, "{pending} mails still pending after {seconds} s");
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
}
