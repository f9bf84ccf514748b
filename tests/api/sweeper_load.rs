//! PostgreSQL: several sweepers at once, and a sweeper killed mid-way, over
//! hundreds of overdue requests: every step exactly once.

use std::sync::{Arc, Barrier};
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use diesel::RunQueryDsl;

use tiepcan::clock::ManualClock;
use tiepcan::service::Env;
use tiepcan::service::accounts;
use tiepcan::service::requests::file::{self, FileInput};
use tiepcan::service::sweeper;

use crate::helpers::{Backend, Options};
use crate::requests::{World, world_with};

fn monday_9am() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 9, 2, 0, 0).unwrap()
}

/// Files `n` information requests (due Thursday 12/3) through the service.
async fn file_many(w: &World, n: usize) {
    let (pool, config, rules) = (w.app.pool.clone(), w.app.state.config.clone(), w.app.state.rules.current());
    let (token, agency) = (w.reporter.clone(), w.syt_id.clone());
    tokio::task::spawn_blocking(move || {
        let mut conn = pool.get().unwrap();
        let now = monday_9am();
        let env = Env { config: &config, rules: &rules, now };
        let p = accounts::authenticate(&mut conn, env, &token).unwrap().unwrap();
        for i in 0..n {
            let input = FileInput {
                agency_id: agency.clone(),
                kind: "information".into(),
                subject: format!("Yêu cầu {i}"),
                body: "Nội dung".into(),
            };
            file::file(&mut conn, env, &p, &input, None).unwrap();
        }
    })
    .await
    .unwrap();
}

fn count(conn: &mut tiepcan::db::DbConn, sql: &str) -> i64 {
    #[derive(diesel::QueryableByName)]
    struct N {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    diesel::sql_query(sql).load::<N>(conn).unwrap()[0].n
}

async fn pg_world() -> Option<World> {
    let Some(pg) = Backend::postgres() else {
        eprintln!("skipped: TEST_DATABASE_URL is not set (this test is for PostgreSQL)");
        return None;
    };
    let clock = ManualClock::new(monday_9am());
    Some(world_with(pg, Options { clock: Arc::new(clock), ..Options::default() }).await)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_sweepers_escalate_500_overdue_requests_exactly_once() {
    let Some(w) = pg_world().await else { return };
    file_many(&w, 500).await;
    let now = Utc.with_ymd_and_hms(2026, 3, 20, 0, 0, 0).unwrap();
    let barrier = Arc::new(Barrier::new(2));
    let handles: Vec<_> = (0..2)
        .map(|_| {
            let (pool, config, rules, barrier) =
                (w.app.pool.clone(), w.app.state.config.clone(), w.app.state.rules.current(), barrier.clone());
            std::thread::spawn(move || {
                let mut conn = pool.get().unwrap();
                barrier.wait();
                sweeper::sweep(&mut conn, Env { config: &config, rules: &rules, now }).unwrap()
            })
        })
        .collect();
    let reports: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    assert_eq!(reports.iter().map(|r| r.overdue).sum::<usize>(), 500, "{reports:?}");
    let mut conn = w.app.pool.get().unwrap();
    assert_eq!(count(&mut conn, "SELECT count(*) AS n FROM escalations WHERE reason = 'overdue'"), 500);
    assert_eq!(
        count(
            &mut conn,
            "SELECT count(*) AS n FROM outbox WHERE to_email = 'baochi@tng.test' AND kind = 'escalation_opened'"
        ),
        500
    );
    assert_eq!(count(&mut conn, "SELECT count(*) AS n FROM request_events WHERE kind = 'overdue'"), 500);
    // Both did some of the work (the lock skipping shared it), and a third sweep finds nothing.
    let again =
        sweeper::sweep(&mut conn, Env { config: &w.app.state.config, rules: &w.app.state.rules.current(), now })
            .unwrap();
    assert_eq!(again.overdue, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sweeper_killed_midway_loses_and_repeats_nothing() {
    let Some(w) = pg_world().await else { return };
    file_many(&w, 300).await;
    // Start a sweeper process and kill it (SIGKILL) as soon as its first batch
    // has committed: the rest of its work is cut off mid-way.
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_tiepcan"))
        .env_clear()
        .env("DATABASE_URL", &w.app.db_url)
        .env("TIEPCAN_DATA_DIR", &w.app.state.config.data_dir)
        .env("RUST_LOG", "error")
        .args(["sweep", "--once", "--now", "2026-03-20T00:00:00Z"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut conn = w.app.pool.get().unwrap();
    for _ in 0..2000 {
        if count(&mut conn, "SELECT count(*) AS n FROM escalations WHERE reason = 'overdue'") > 0
            || child.try_wait().unwrap().is_some()
        {
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let _ = child.kill();
    let killed = child.wait().unwrap();
    let partial = count(&mut conn, "SELECT count(*) AS n FROM escalations WHERE reason = 'overdue'");
    eprintln!("killed sweeper ({killed}) had escalated {partial} of 300");
    assert!(partial < 300, "the sweeper finished before it could be killed; nothing was tested");
    // Nothing half-done: every escalation has its overdue event and its mail.
    assert_eq!(partial, count(&mut conn, "SELECT count(*) AS n FROM request_events WHERE kind = 'overdue'"));
    assert_eq!(
        partial,
        count(
            &mut conn,
            "SELECT count(*) AS n FROM outbox WHERE to_email = 'baochi@tng.test' AND kind = 'escalation_opened'"
        )
    );
    let db_url = w.app.db_url.clone();
    let data_dir = w.app.state.config.data_dir.clone();
    let status = tokio::task::spawn_blocking(move || {
        std::process::Command::new(env!("CARGO_BIN_EXE_tiepcan"))
            .env_clear()
            .env("DATABASE_URL", db_url)
            .env("TIEPCAN_DATA_DIR", data_dir)
            .args(["sweep", "--once", "--now", "2026-03-20T00:00:00Z"])
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert!(status.status.success(), "{}", String::from_utf8_lossy(&status.stderr));
    assert_eq!(count(&mut conn, "SELECT count(*) AS n FROM escalations WHERE reason = 'overdue'"), 300);
    assert_eq!(count(&mut conn, "SELECT count(*) AS n FROM request_events WHERE kind = 'overdue'"), 300);
    assert_eq!(
        count(
            &mut conn,
            "SELECT count(*) AS n FROM outbox WHERE to_email = 'baochi@tng.test' AND kind = 'escalation_opened'"
        ),
        300
    );
}
