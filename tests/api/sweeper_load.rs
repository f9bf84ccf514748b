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

/// The real `tiepcan sweep` of one pass over the world's database, as of the
/// instant every filed request is overdue.
fn sweep_command(w: &World) -> std::process::Command {
    let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_tiepcan"));
    c.env_clear().env("DATABASE_URL", &w.app.db_url).env("TIEPCAN_DATA_DIR", &w.app.state.config.data_dir).args([
        "sweep",
        "--once",
        "--now",
        "2026-03-20T00:00:00Z",
    ]);
    c
}

/// A sweep process run to its end, which must succeed.
async fn sweep_to_the_end(w: &World) {
    let mut command = sweep_command(w);
    let out = tokio::task::spawn_blocking(move || command.output().unwrap()).await.unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
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
    // More than two claimed batches (`sweeper::BATCH`), so that one can commit
    // and the next be cut off.
    let n = 2 * sweeper::BATCH as usize + 100;
    file_many(&w, n).await;
    // Start a sweeper process and kill it (SIGKILL) as soon as its first batch
    // has committed: the rest of its work is cut off mid-way.
    let mut child = sweep_command(&w)
        .env("RUST_LOG", "error")
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
    eprintln!("killed sweeper ({killed}) had escalated {partial} of {n}");
    assert!(partial < n as i64, "the sweeper finished before it could be killed; nothing was tested");
    // Nothing half-done: every escalation has its overdue event and its mail.
    assert_eq!(partial, count(&mut conn, "SELECT count(*) AS n FROM request_events WHERE kind = 'overdue'"));
    assert_eq!(
        partial,
        count(
            &mut conn,
            "SELECT count(*) AS n FROM outbox WHERE to_email = 'baochi@tng.test' AND kind = 'escalation_opened'"
        )
    );
    sweep_to_the_end(&w).await;
    assert_eq!(count(&mut conn, "SELECT count(*) AS n FROM escalations WHERE reason = 'overdue'"), n as i64);
    assert_eq!(count(&mut conn, "SELECT count(*) AS n FROM request_events WHERE kind = 'overdue'"), n as i64);
    assert_eq!(
        count(
            &mut conn,
            "SELECT count(*) AS n FROM outbox WHERE to_email = 'baochi@tng.test' AND kind = 'escalation_opened'"
        ),
        n as i64
    );
}

/// The rows of every table a sweep writes, and the requests' versions.
fn table_sizes(conn: &mut tiepcan::db::DbConn) -> Vec<i64> {
    let mut sizes: Vec<i64> = ["sweep_steps", "request_events", "escalations", "stat_facts", "outbox"]
        .iter()
        .map(|t| count(conn, &format!("SELECT count(*) AS n FROM {t}")))
        .collect();
    sizes.push(count(conn, "SELECT sum(version)::bigint AS n FROM requests"));
    sizes
}

/// The backend of another connection caught inside the sweep's batch: it has
/// written steps, events, escalations and mails (it holds their tables' write
/// locks) and waits to write the batch's statistics facts. Returns its process id.
fn sweeper_inside_a_batch(conn: &mut tiepcan::db::DbConn, locker: i32) -> Option<i32> {
    #[derive(diesel::QueryableByName)]
    struct Pid {
        #[diesel(sql_type = diesel::sql_types::Integer)]
        pid: i32,
    }
    let sql = format!(
        "SELECT a.pid FROM pg_stat_activity a \
         WHERE a.pid NOT IN (pg_backend_pid(), {locker}) AND a.query LIKE 'INSERT INTO stat_facts (%' \
         AND EXISTS (SELECT 1 FROM pg_locks l WHERE l.pid = a.pid AND NOT l.granted \
                     AND l.relation = 'stat_facts'::regclass) \
         AND (SELECT count(*) FROM pg_locks l WHERE l.pid = a.pid AND l.granted AND l.mode = 'RowExclusiveLock' \
              AND l.relation IN ('sweep_steps'::regclass, 'request_events'::regclass, \
                                 'escalations'::regclass, 'outbox'::regclass)) = 4"
    );
    diesel::sql_query(sql).load::<Pid>(conn).unwrap().first().map(|p| p.pid)
}

/// A sweeper process killed (SIGKILL) inside a batch, after the batch wrote its
/// steps, events, escalations and mails but before it committed: none of that
/// batch is left, and the next sweep does every step exactly once. To stop it
/// there, the test holds a lock on the statistics facts that the batch's
/// insert of facts waits for, and kills the process once PostgreSQL shows it
/// waiting there with the batch's other rows written.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sweeper_killed_inside_a_batch_leaves_nothing_of_it() {
    use diesel::Connection;
    let Some(w) = pg_world().await else { return };
    file_many(&w, 120).await;
    let mut locker = diesel::PgConnection::establish(&w.app.db_url).unwrap();
    diesel::sql_query("BEGIN").execute(&mut locker).unwrap();
    diesel::sql_query("LOCK TABLE stat_facts IN SHARE MODE").execute(&mut locker).unwrap();
    #[derive(diesel::QueryableByName)]
    struct Pid {
        #[diesel(sql_type = diesel::sql_types::Integer)]
        pid: i32,
    }
    let locker_pid = diesel::sql_query("SELECT pg_backend_pid() AS pid").load::<Pid>(&mut locker).unwrap()[0].pid;
    let mut conn = w.app.pool.get().unwrap();
    let before = table_sizes(&mut conn);
    let mut child = sweep_command(&w)
        .env("RUST_LOG", "error")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut inside = None;
    for _ in 0..6000 {
        inside = sweeper_inside_a_batch(&mut conn, locker_pid);
        if inside.is_some() || child.try_wait().unwrap().is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let backend = inside.expect("the sweeper never waited inside a batch");
    child.kill().unwrap();
    child.wait().unwrap();
    // Let the orphaned backend go on: with its client gone it never commits.
    diesel::sql_query("ROLLBACK").execute(&mut locker).unwrap();
    let gone = format!("SELECT count(*) AS n FROM pg_stat_activity WHERE pid = {backend}");
    for _ in 0..6000 {
        if count(&mut conn, &gone) == 0 {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(count(&mut conn, &gone), 0, "the killed sweeper's backend is still there");
    assert_eq!(table_sizes(&mut conn), before, "the killed batch left rows");

    sweep_to_the_end(&w).await;
    // Every request: one escalation, one overdue event, one escalation event,
    // its overdue step, the Department's mail and the reporter's.
    let per_request = |sql: &str| format!("SELECT count(*) AS n FROM requests r WHERE ({sql}) <> 1");
    let mut conn = w.app.pool.get().unwrap();
    for sql in [
        "SELECT count(*) FROM escalations e WHERE e.request_id = r.id AND e.reason = 'overdue'",
        "SELECT count(*) FROM request_events e WHERE e.request_id = r.id AND e.kind = 'overdue'",
        "SELECT count(*) FROM request_events e WHERE e.request_id = r.id AND e.kind = 'escalation_opened'",
        "SELECT count(*) FROM sweep_steps s WHERE s.request_id = r.id AND s.step LIKE 'overdue:%'",
        "SELECT count(*) FROM stat_facts f WHERE f.request_id = r.id AND f.kind = 'overdue'",
    ] {
        assert_eq!(count(&mut conn, &per_request(sql)), 0, "{sql}");
    }
    assert_eq!(count(&mut conn, "SELECT count(*) AS n FROM requests"), 120);
    for (to, kind) in [("baochi@tng.test", "escalation_opened"), ("pv@tuoitre.test", "overdue")] {
        let sql = format!("SELECT count(*) AS n FROM outbox WHERE to_email = '{to}' AND kind = '{kind}'");
        assert_eq!(count(&mut conn, &sql), 120, "{to} {kind}");
    }
    let (checked, broken) = tiepcan::service::timeline::verify(&mut conn, None).unwrap();
    assert_eq!((checked, broken.len()), (120, 0), "{broken:?}");
}

/// A sweep's batch writes its facts in the order of the count rows they add to, slot included: the
/// slot computed in Rust must be the one PostgreSQL's `count_slot` gives, or two batches could take
/// the same rows in opposite orders.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_count_slot_of_a_request_is_the_same_in_rust_and_in_postgresql() {
    let Some(w) = pg_world().await else { return };
    let mut conn = w.app.pool.get().unwrap();
    #[derive(diesel::QueryableByName)]
    struct Slot {
        #[diesel(sql_type = diesel::sql_types::SmallInt)]
        slot: i16,
    }
    let mut seen = std::collections::HashSet::new();
    for i in 0..200 {
        let id = if i % 2 == 0 { tiepcan::db::new_id() } else { format!("ma-{i}-Đà Nẵng") };
        let sql: Slot = diesel::sql_query("SELECT count_slot($1) AS slot")
            .bind::<diesel::sql_types::Text, _>(&id)
            .get_result(&mut **conn)
            .unwrap();
        assert_eq!(tiepcan::db::count_slot(&id), sql.slot, "{id}");
        seen.insert(sql.slot);
    }
    assert_eq!(seen.len(), 16, "200 ids reach every slot");
}
