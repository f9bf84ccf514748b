//! Filings at once in one province and one agency: every reference is unique
//! and each filer's are increasing, the counts the inbox and the statistics
//! read stay exact, the 201 answer is the request as GET gives it, and a
//! filing that fails after taking its number leaves a gap (PostgreSQL) or
//! nothing (SQLite), and nothing else.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use diesel::RunQueryDsl;
use reqwest::StatusCode;
use serde_json::{Value, json};
use tiepcan::clock::ManualClock;
use tiepcan::db::DbConn;

use crate::both;
use crate::helpers::{Backend, Options, body};
use crate::requests::{World, world_with};

const FILERS: usize = 8;
const EACH: usize = 4;

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

async fn world(backend: Backend, clock: &ManualClock) -> World {
    let env = [("TIEPCAN_SESSION_HOURS".to_string(), "2000".to_string())].into_iter().collect();
    world_with(backend, Options { clock: Arc::new(clock.clone()), env, ..Options::default() }).await
}

async fn file(w: &World, subject: &str) -> reqwest::Response {
    let input =
        json!({"agency_id": w.syt_id, "kind": "information", "subject": subject, "body": "Đề nghị cung cấp số liệu."});
    w.app.post("/api/v1/requests", &input, Some(&w.reporter)).await
}

/// The number at the end of a reference (`TNG-2026-000042` → 42).
fn number(r: &Value) -> u32 {
    r["reference"].as_str().unwrap().rsplit('-').next().unwrap().parse().unwrap()
}

/// Runs statements on the test's database, on its own backend.
async fn exec(w: &World, pg: &'static [&'static str], sqlite: &'static [&'static str]) {
    let pool = w.app.pool.clone();
    tokio::task::spawn_blocking(move || {
        let mut pooled = pool.get().unwrap();
        let conn: &mut DbConn = &mut pooled;
        match conn {
            DbConn::Pg(c) => pg.iter().for_each(|q| {
                diesel::sql_query(*q).execute(c).unwrap();
            }),
            DbConn::Sqlite(c) => sqlite.iter().for_each(|q| {
                diesel::sql_query(*q).execute(c).unwrap();
            }),
        }
    })
    .await
    .unwrap();
}

async fn concurrent_filings_are_numbered_uniquely_and_counted_exactly(backend: Backend) {
    let clock = ManualClock::new(at("2026-03-10T02:00:00Z"));
    let w = world(backend, &clock).await;
    let filers = (0..FILERS).map(|f| {
        let w = &w;
        async move {
            let mut mine = Vec::new();
            for i in 0..EACH {
                let r = file(w, &format!("Câu hỏi {f}-{i}")).await;
                assert_eq!(r.status(), StatusCode::CREATED);
                mine.push(body(r).await);
            }
            mine
        }
    });
    let all: Vec<Vec<Value>> = futures_util::future::join_all(filers).await;

    let mut numbers = Vec::new();
    for mine in &all {
        let own: Vec<u32> = mine.iter().map(number).collect();
        assert!(own.windows(2).all(|p| p[0] < p[1]), "one filer's numbers increase: {own:?}");
        numbers.extend(own);
        // The answer to the filing is the request as GET gives it.
        for filed in mine {
            let got = body(w.get(&w.reporter, filed["id"].as_str().unwrap()).await).await;
            assert_eq!(&got, filed);
        }
    }
    numbers.sort_unstable();
    let n = (FILERS * EACH) as u32;
    // Nothing failed, so no number was lost either.
    assert_eq!(numbers, (1..=n).collect::<Vec<_>>());

    // The inbox's totals (from the counts) are exact.
    for (query, expected) in [("", n), ("?status=awaiting_response", n), ("?open=true", n), ("?status=answered", 0)] {
        let page = body(w.app.get(&format!("/api/v1/requests{query}"), Some(&w.syt1)).await).await;
        assert_eq!(page["total"], expected, "{query}");
    }
    // And after answers, in whatever slots the answered requests were counted.
    let answered: Vec<&Value> = all.iter().flatten().step_by(3).collect();
    for r in &answered {
        let res = w
            .act(&w.syt1, r["id"].as_str().unwrap(), json!({"action": "reply", "outcome": "granted", "body": "Đây."}))
            .await;
        assert_eq!(res.status(), StatusCode::OK);
    }
    let k = answered.len() as u32;
    for (query, expected) in [("", n), ("?open=true", n - k), ("?status=answered", k)] {
        let page = body(w.app.get(&format!("/api/v1/requests{query}"), Some(&w.syt1)).await).await;
        assert_eq!(page["total"], expected, "{query}");
    }

    // The statistics of the whole month (read from the monthly counts).
    clock.set(at("2026-04-02T02:00:00Z"));
    let report = body(w.app.get("/api/v1/stats/agencies?from=2026-03-01&to=2026-03-31", Some(&w.staff)).await).await;
    let syt = report["agencies"].as_array().unwrap().iter().find(|a| a["agency"]["code"] == "SYT").unwrap();
    assert_eq!((syt["received"].as_u64(), syt["answered"].as_u64()), (Some(n as u64), Some(k as u64)), "{syt}");
}
both!(concurrent_filings_are_numbered_uniquely_and_counted_exactly);

async fn a_filing_that_fails_after_numbering_leaves_a_gap_and_nothing_else(backend: Backend) {
    let clock = ManualClock::new(at("2026-03-10T02:00:00Z"));
    let w = world(backend.clone(), &clock).await;
    let pg = !matches!(backend, Backend::Sqlite);
    let first = body(file(&w, "Trước").await).await;
    assert_eq!(number(&first), 1);
    // The database refuses this one request after its number was taken.
    exec(
        &w,
        &[
            "CREATE FUNCTION refuse_boom() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'refused'; END $$ LANGUAGE plpgsql",
            "CREATE TRIGGER refuse_boom BEFORE INSERT ON requests FOR EACH ROW WHEN (NEW.subject = 'boom') \
             EXECUTE FUNCTION refuse_boom()",
        ],
        &["CREATE TRIGGER refuse_boom BEFORE INSERT ON requests WHEN NEW.subject = 'boom' \
           BEGIN SELECT RAISE(ABORT, 'refused'); END"],
    )
    .await;
    let failed = file(&w, "boom").await;
    assert_eq!(failed.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let next = body(file(&w, "Sau").await).await;
    // PostgreSQL took number 2 before the filing's transaction, so it is gone;
    // SQLite numbers inside the transaction, which gave it back.
    assert_eq!(number(&next), if pg { 3 } else { 2 });

    // Nothing else of the failed filing remains: two requests, two receipts,
    // two counted.
    let mine = body(w.app.get("/api/v1/requests", Some(&w.reporter)).await).await;
    assert_eq!(mine["total"], 2);
    let inbox = body(w.app.get("/api/v1/requests", Some(&w.syt1)).await).await;
    assert_eq!(inbox["total"], 2);
    let receipts = w.app.outbox_to("pv@tuoitre.test").await;
    assert_eq!(receipts.len(), 2, "{:?}", receipts.iter().map(|m| &m.subject).collect::<Vec<_>>());
    let pool = w.app.pool.clone();
    let (requests, facts): (i64, i64) = tokio::task::spawn_blocking(move || {
        use diesel::prelude::*;
        use tiepcan::db::schema::{requests, stat_facts};
        let mut pooled = pool.get().unwrap();
        let c: &mut DbConn = &mut pooled;
        let r = requests::table.count().get_result(c).unwrap();
        let f = stat_facts::table.count().get_result(c).unwrap();
        (r, f)
    })
    .await
    .unwrap();
    assert_eq!((requests, facts), (2, 2));
}
both!(a_filing_that_fails_after_numbering_leaves_a_gap_and_nothing_else);
