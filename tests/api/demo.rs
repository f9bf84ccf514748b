//! The demo with life: `serve --demo` loads six months of requests through
//! the same use cases as the web, in every state, with sound timelines, the
//! same history for the same seed, and work waiting in every role's lists.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{TimeZone, Utc};
use diesel::prelude::*;

use tiepcan::clock::ManualClock;
use tiepcan::db::schema::{escalations, request_events, requests};
use tiepcan::service::Env;

use crate::both;
use crate::helpers::{Backend, Options, TestApp, body};

/// Loads the demo as of a fixed moment; returns the count of each status and
/// each escalation status, and the subjects in filing order.
async fn load_demo(app: &TestApp) -> (BTreeMap<String, i64>, BTreeMap<String, i64>, Vec<String>) {
    let (config, rules, hasher) = (app.state.config.clone(), app.state.rules.current(), app.state.hasher.clone());
    let now = app.state.clock.now();
    app.with_db(move |c| {
        let env = Env { config: &config, rules: &rules, now };
        let accounts = tiepcan::service::demo::load(c, env, &hasher).unwrap().expect("an empty database");
        assert_eq!(accounts.len(), 7);
        let (checked, broken) = tiepcan::service::timeline::verify(c, None).unwrap();
        assert!(
            broken.is_empty(),
            "every timeline's chain holds: {:?}",
            broken.iter().map(|b| &b.problem).collect::<Vec<_>>()
        );
        assert!(checked >= 55, "about sixty requests: {checked}");
        let count = |rows: Vec<String>| {
            rows.into_iter().fold(BTreeMap::new(), |mut m, s| {
                *m.entry(s).or_insert(0) += 1;
                m
            })
        };
        let statuses: Vec<String> = requests::table.select(requests::status).load(c).unwrap();
        let esc: Vec<String> = escalations::table.select(escalations::status).load(c).unwrap();
        // Every kind of step the stories take happened at least once.
        let kinds: Vec<String> = request_events::table.select(request_events::kind).load(c).unwrap();
        for k in [
            "file",
            "acknowledge",
            "request_clarification",
            "clarify",
            "mark_complex",
            "extend",
            "reply",
            "refuse",
            "transfer",
            "withdraw",
            "complain",
            "overdue",
            "escalation_assign",
            "escalation_order_response",
            "escalation_resolve",
            "close",
        ] {
            assert!(kinds.iter().any(|x| x == k), "a {k} event: {:?}", count(kinds.clone()));
        }
        let subjects: Vec<String> =
            requests::table.order((requests::received_at, requests::id)).select(requests::subject).load(c).unwrap();
        (count(statuses), count(esc), subjects)
    })
    .await
}

async fn the_demo_has_months_of_requests_in_every_state(backend: Backend) {
    let moment = Utc.with_ymd_and_hms(2026, 12, 4, 3, 0, 0).unwrap();
    let opts = || Options { clock: Arc::new(ManualClock::new(moment)), ..Options::default() };
    let app = TestApp::spawn_with(backend.clone(), opts()).await;
    let (statuses, escalations, subjects) = load_demo(&app).await;
    for s in ["awaiting_response", "awaiting_clarification", "answered", "refused", "withdrawn", "closed"] {
        assert!(statuses.get(s).copied().unwrap_or(0) > 0, "some requests are {s}: {statuses:?}");
    }
    for s in ["open", "resolved"] {
        assert!(escalations.get(s).copied().unwrap_or(0) > 0, "some escalations are {s}: {escalations:?}");
    }

    // The same seed, the same moment: the same history.
    let again = TestApp::spawn_with(backend, opts()).await;
    let (statuses2, escalations2, subjects2) = load_demo(&again).await;
    assert_eq!((statuses2, escalations2, subjects2), (statuses, escalations, subjects));

    // Work waits in every role's lists on first look.
    let hasher = app.state.hasher.clone();
    let hash = tokio::task::spawn_blocking(move || hasher.hash("một-mật-khẩu-dài-42").unwrap()).await.unwrap();
    for email in
        ["phatngon.syt@thainguyen.example.vn", "canbo.so@thainguyen.example.vn", "phongvien@baothainguyen.example.vn"]
    {
        let hash = hash.clone();
        // The demo's passwords are printed once; the test sets a known one.
        app.with_db(move |c| {
            use tiepcan::db::schema::users;
            diesel::update(users::table.filter(users::email.eq(email)))
                .set(users::password_hash.eq(Some(hash)))
                .execute(c)
                .unwrap()
        })
        .await;
    }
    let spokes = app.login("phatngon.syt@thainguyen.example.vn", "một-mật-khẩu-dài-42").await;
    let inbox = body(app.get("/api/v1/requests?open=true", Some(&spokes)).await).await;
    assert!(inbox["total"].as_i64().unwrap() > 0, "the health department's inbox has open requests");
    let staff = app.login("canbo.so@thainguyen.example.vn", "một-mật-khẩu-dài-42").await;
    let queue = body(app.get("/api/v1/escalations?status=open", Some(&staff)).await).await;
    assert!(queue["total"].as_i64().unwrap() > 0, "the Department's queue has open escalations");
    let reporter = app.login("phongvien@baothainguyen.example.vn", "một-mật-khẩu-dài-42").await;
    let mine = body(app.get("/api/v1/requests?per_page=100", Some(&reporter)).await).await;
    assert!(mine["total"].as_i64().unwrap() >= 55, "the reporter sees every request filed");
}
both!(the_demo_has_months_of_requests_in_every_state);
