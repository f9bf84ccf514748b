//! Deadlines at work: the sweep's reminders and escalations, calendar edits,
//! and the Department's flow, on a clock the test sets.

use std::sync::Arc;

use chrono::{DateTime, TimeZone, Utc};
use reqwest::StatusCode;
use serde_json::json;

use tiepcan::clock::ManualClock;
use tiepcan::service::Env;
use tiepcan::service::sweeper::{self, SweepReport};

use crate::both;
use crate::helpers::{Backend, Options, TestApp, body};
use crate::requests::{World, world_with};

/// Monday 9 March 2026, 09:00 in Vietnam.
fn monday_9am() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 9, 2, 0, 0).unwrap()
}

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

/// Moves the app's clock to `now` (so its mailer sends what the sweep queues)
/// and sweeps as of then.
async fn sweep_to(w: &World, clock: &ManualClock, now: DateTime<Utc>) -> SweepReport {
    clock.set(now);
    sweep_at(&w.app, now).await
}

async fn sweep_at(app: &TestApp, now: DateTime<Utc>) -> SweepReport {
    let (pool, config, rules) = (app.pool.clone(), app.state.config.clone(), app.state.rules.current());
    tokio::task::spawn_blocking(move || {
        let mut conn = pool.get().unwrap();
        sweeper::sweep(&mut conn, Env { config: &config, rules: &rules, now }).unwrap()
    })
    .await
    .unwrap()
}

async fn clocked_world(backend: Backend) -> (World, ManualClock) {
    let clock = ManualClock::new(monday_9am());
    let opts = Options { clock: Arc::new(clock.clone()), ..Options::default() };
    (world_with(backend, opts).await, clock)
}

async fn sweep_past_due_escalates_exactly_once(backend: Backend) {
    let (w, clock) = clocked_world(backend.clone()).await;
    let r = w.file(&w.syt_id, "information", "Quá hạn").await;
    let id = r["id"].as_str().unwrap().to_string();
    // Three working days from Tuesday: due Thursday 12/3 at 24:00 local.
    assert_eq!(r["due_at"], "2026-03-12T17:00:00Z");

    // Before due plus the grace: nothing overdue.
    let early = sweep_at(&w.app, at("2026-03-13T16:59:00Z")).await;
    assert_eq!(early.overdue, 0);
    let report = sweep_to(&w, &clock, at("2026-03-14T00:00:00Z")).await;
    assert_eq!(report.overdue, 1, "{report:?}");
    let seen = body(w.get(&w.reporter, &id).await).await;
    assert_eq!(seen["overdue"], true);
    assert_eq!(seen["escalation"]["reason"], "overdue");
    let kinds: Vec<&str> = seen["events"].as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert!(kinds.ends_with(&["overdue", "escalation_opened"]), "{kinds:?}");
    let dept = w.app.smtp.wait_for("baochi@tng.test", 1).await;
    assert!(dept[0].subject().ends_with("Yêu cầu quá hạn chưa được trả lời"));
    w.app.smtp.wait_for("staff@tng.test", 1).await;
    let mails = w.app.smtp.wait_for("pv@tuoitre.test", 2).await;
    assert!(mails[1].subject().ends_with("Yêu cầu của bạn đã quá hạn"), "{}", mails[1].subject());

    // A second sweep, and a restarted instance on the same database, repeat nothing.
    assert_eq!(sweep_at(&w.app, at("2026-03-14T00:01:00Z")).await.overdue, 0);
    let restarted = TestApp::spawn_with_db(backend, &w.app).await;
    assert_eq!(sweep_at(&restarted, at("2026-03-15T00:00:00Z")).await.overdue, 0);
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let opened = w.app.outbox_to("baochi@tng.test").await.into_iter().filter(|m| m.kind == "escalation_opened").count();
    assert_eq!(opened, 1, "one escalation mail to the Department");
    // A complaint while an escalation is open is refused: it is already there.
    let r = w.act(&w.reporter, &id, json!({"action": "complain", "reason": "x"})).await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
}
both!(sweep_past_due_escalates_exactly_once);

async fn reminders_wait_for_office_hours(backend: Backend) {
    let (w, clock) = clocked_world(backend).await;
    w.file(&w.syt_id, "information", "Nhắc hạn").await;
    // 24 hours before the due instant is Thursday 00:00 local: not office hours.
    assert_eq!(sweep_to(&w, &clock, at("2026-03-11T20:00:00Z")).await.reminders, 0);
    // Thursday 08:00 local: the office is open.
    assert_eq!(sweep_to(&w, &clock, at("2026-03-12T01:00:00Z")).await.reminders, 1);
    assert_eq!(sweep_to(&w, &clock, at("2026-03-12T02:00:00Z")).await.reminders, 0);
    for sp in ["syt1@tng.test", "syt2@tng.test"] {
        let m = w.app.smtp.wait_for(sp, 2).await;
        assert!(m[1].subject().contains("Nhắc hạn: trả lời yêu cầu đến hết ngày 12/03/2026"), "{}", m[1].subject());
    }
}
both!(reminders_wait_for_office_hours);

async fn event_reminders_run_on_the_clock(backend: Backend) {
    let (w, _clock) = clocked_world(backend).await;
    let r = w.file(&w.syt_id, "event", "Sập cầu").await;
    assert_eq!(r["due_at"], "2026-03-10T02:00:00Z");
    // 6 hours before: 03:00 local at night, sent all the same for an event.
    assert_eq!(sweep_at(&w.app, at("2026-03-09T20:00:00Z")).await.reminders, 1);
    assert_eq!(sweep_at(&w.app, at("2026-03-10T02:00:01Z")).await.overdue, 1);
}
both!(event_reminders_run_on_the_clock);

async fn editing_the_calendar_moves_open_deadlines(backend: Backend) {
    let (w, _clock) = clocked_world(backend).await;
    let admin = w.app.login("admin@tiepcan.test", "một-mật-khẩu-dài-42").await;
    let r = w.file(&w.syt_id, "information", "Lịch thay đổi").await;
    let id = r["id"].as_str().unwrap().to_string();
    assert_eq!(r["due_at"], "2026-03-12T17:00:00Z");
    let mut year = body(w.app.get("/api/v1/calendar/2026", Some(&admin)).await).await;
    assert_eq!(year["confirmed"], true);
    year["holidays"].as_array_mut().unwrap().push(json!({"date": "2026-03-11", "name": "Ngày nghỉ thử nghiệm"}));
    // Only administrators edit; bad data is refused with its fields.
    let r = w.app.api.put(w.app.url("/api/v1/calendar/2026")).bearer_auth(&w.staff).json(&year).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let bad = json!({"holidays": [{"date": "2027-01-01", "name": "x"}], "working_days": [{"date": "2026-03-11", "name": "Wednesday"}]});
    let r = w.app.api.put(w.app.url("/api/v1/calendar/2026")).bearer_auth(&admin).json(&bad).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let f = body(r).await["error"]["fields"].clone();
    assert!(f["holidays[0]"].is_string() && f["working_days[0]"].is_string(), "{f}");

    let r = w.app.api.put(w.app.url("/api/v1/calendar/2026")).bearer_auth(&admin).json(&year).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(body(r).await["requests_moved"], 1);
    let seen = body(w.get(&w.reporter, &id).await).await;
    assert_eq!(seen["due_at"], "2026-03-13T17:00:00Z");
    let last = seen["events"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["kind"], "deadline_changed");
    assert_eq!(last["data"]["from"], "2026-03-12T17:00:00Z");
    let mails = w.app.smtp.wait_for("pv@tuoitre.test", 2).await;
    assert!(mails[1].subject().ends_with("Hạn trả lời đã thay đổi"));
    w.app.smtp.wait_for("syt1@tng.test", 2).await;
    let again = body(w.app.get("/api/v1/calendar/2026", Some(&admin)).await).await;
    assert!(again["holidays"].as_array().unwrap().iter().any(|h| h["date"] == "2026-03-11"));
}
both!(editing_the_calendar_moves_open_deadlines);

async fn the_department_works_its_queue(backend: Backend) {
    let (w, clock) = clocked_world(backend).await;
    let r = w.file(&w.skhcn_id, "information", "Không ai trả lời").await;
    let id = r["id"].as_str().unwrap().to_string();
    let q = body(w.app.get("/api/v1/escalations?status=open", Some(&w.staff)).await).await;
    assert_eq!(q["total"], 1);
    let esc = q["items"][0].clone();
    assert_eq!(esc["reason"], "unroutable");
    assert_eq!(esc["request"]["id"], id.as_str());
    let eid = esc["id"].as_str().unwrap().to_string();
    assert!(esc["due_at"].is_string(), "the Department's own review deadline");
    // Others may not see the queue.
    assert_eq!(w.app.get("/api/v1/escalations", Some(&w.reporter)).await.status(), StatusCode::FORBIDDEN);
    let me = body(w.app.get("/api/v1/me", Some(&w.staff)).await).await;
    let path = format!("/api/v1/escalations/{eid}/actions");
    let act = |a: serde_json::Value| w.app.api.post(w.app.url(&path)).bearer_auth(w.staff.clone()).json(&a).send();
    let r = act(json!({"action": "assign", "user_id": me["id"]})).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(body(r).await["assigned_to"], me["id"]);
    assert_eq!(act(json!({"action": "note", "body": "Gọi điện cho Sở KH&CN"})).await.unwrap().status(), StatusCode::OK);
    let r = act(json!({"action": "order_response", "due_at": "2026-03-01T00:00:00Z", "reason": "x"})).await.unwrap();
    assert_eq!(body(r).await["error"]["fields"]["due_at"], "must be in the future");
    let r = act(json!({"action": "order_response", "due_at": "2026-03-16T10:00:00Z", "reason": "Đề nghị trả lời trước thứ Hai."})).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let seen = body(w.get(&w.reporter, &id).await).await;
    assert_eq!(seen["due_at"], "2026-03-16T10:00:00Z");
    assert_eq!(seen["deadline"]["due_at"], "2026-03-16T10:00:00Z");
    assert_eq!(seen["status"], "awaiting_response");
    let kinds: Vec<&str> = seen["events"].as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert!(kinds.contains(&"escalation_order_response") && !kinds.contains(&"escalation_note"), "{kinds:?}");
    let m = w.app.smtp.wait_for("pv@tuoitre.test", 2).await;
    assert!(m[1].subject().contains("Sở yêu cầu cơ quan trả lời chậm nhất 16/03/2026 17:00"), "{}", m[1].subject());
    clock.set(at("2026-03-10T03:00:00Z"));
    let r = act(json!({"action": "resolve", "resolution": "Đã có câu trả lời qua điện thoại."})).await.unwrap();
    assert_eq!(body(r).await["status"], "resolved");
    let r = act(json!({"action": "dismiss", "reason": "x"})).await.unwrap();
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let r = act(json!({"action": "fly"})).await.unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body(w.app.get("/api/v1/escalations?status=open", Some(&w.staff)).await).await["total"], 0);
}
both!(the_department_works_its_queue);

async fn a_changed_policy_pack_moves_open_deadlines_at_start(backend: Backend) {
    let (w, _clock) = clocked_world(backend.clone()).await;
    let r = w.file(&w.syt_id, "information", "Quy định mới").await;
    let id = r["id"].as_str().unwrap().to_string();
    assert_eq!(r["due_at"], "2026-03-12T17:00:00Z");
    assert_eq!(r["deadline"]["policy_version"], "2017-decree-09");
    // An operator overrides the pack from the data directory: 5 working days instead of 3.
    let shipped = include_str!("../../policy/2017-decree-09.toml");
    let changed = shipped.replacen("limit = 3\nunit = \"working_days\"", "limit = 5\nunit = \"working_days\"", 1);
    assert_ne!(shipped, changed);
    let dir = w.app.state.config.data_dir.join("policy");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("2017-decree-09.toml"), changed).unwrap();
    // The next start applies it once: the deadline moves, with an event and a mail.
    let restarted = TestApp::spawn_with_db(backend.clone(), &w.app).await;
    let seen = body(restarted.get(&format!("/api/v1/requests/{id}"), Some(&w.reporter)).await).await;
    assert_eq!(seen["due_at"], "2026-03-16T17:00:00Z", "two more working days, over the weekend");
    let kinds: Vec<&str> = seen["events"].as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds.iter().filter(|k| **k == "deadline_changed").count(), 1);
    let again = TestApp::spawn_with_db(backend, &w.app).await;
    let seen = body(again.get(&format!("/api/v1/requests/{id}"), Some(&w.reporter)).await).await;
    let kinds: Vec<&str> = seen["events"].as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds.iter().filter(|k| **k == "deadline_changed").count(), 1, "applied once");
}
both!(a_changed_policy_pack_moves_open_deadlines_at_start);

/// A stored status this version does not know (a hand edit, a newer version's
/// row) is an error where the row is read, never some other status: the
/// request's page says so with the error shape, and the sweep skips that one
/// request, puts it off, and still handles the others.
async fn a_row_of_unknown_status_is_an_error_not_a_default(backend: Backend) {
    use diesel::RunQueryDsl;
    let (w, clock) = clocked_world(backend).await;
    let bad = w.file(&w.syt_id, "information", "Trạng thái lạ").await["id"].as_str().unwrap().to_string();
    let good = w.file(&w.syt_id, "information", "Bình thường").await["id"].as_str().unwrap().to_string();
    let id = bad.clone();
    w.app
        .with_db(move |c| {
            diesel::sql_query(format!("UPDATE requests SET status = 'on_hold' WHERE id = '{id}'")).execute(c).unwrap()
        })
        .await;

    let r = w.get(&w.reporter, &bad).await;
    assert_eq!(r.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(body(r).await["error"]["code"], "internal");
    assert_eq!(w.get(&w.reporter, &good).await.status(), StatusCode::OK);

    let report = sweep_to(&w, &clock, at("2026-03-14T00:00:00Z")).await;
    assert_eq!((report.overdue, report.skipped), (1, 1), "{report:?}");
    let id = bad.clone();
    let next: Option<chrono::NaiveDateTime> = w
        .app
        .with_db(move |c| {
            use diesel::prelude::*;
            use tiepcan::db::schema::requests;
            requests::table.find(id).select(requests::next_check_at).first(c).unwrap()
        })
        .await;
    assert_eq!(next, Some(at("2026-03-14T01:00:00Z").naive_utc()), "put off by an hour");
    // The next sweep within the hour does not meet it again.
    assert_eq!(sweep_at(&w.app, at("2026-03-14T00:30:00Z")).await.skipped, 0);
}
both!(a_row_of_unknown_status_is_an_error_not_a_default);

/// One request of a batch fails where the batch writes (a stray event already
/// holds the place its overdue event needs): the batch as a whole is undone and
/// taken one request at a time, so the others are escalated in full, that one
/// is put off with nothing of it written, and every timeline still verifies.
async fn a_failing_request_in_a_batch_is_put_off_and_the_rest_commits(backend: Backend) {
    use diesel::RunQueryDsl;
    let (w, clock) = clocked_world(backend).await;
    let mut ids = Vec::new();
    for i in 0..5 {
        ids.push(w.file(&w.syt_id, "information", &format!("Lô {i}")).await["id"].as_str().unwrap().to_string());
    }
    let bad = ids[2].clone();
    let id = bad.clone();
    w.app
        .with_db(move |c| {
            diesel::sql_query(format!(
                "INSERT INTO request_events (id, request_id, seq, at, actor_id, actor_role, kind, body, data, \
                 internal, prev_hash, hash) SELECT 'stray', id, last_seq + 1, updated_at, NULL, 'system', 'note', \
                 NULL, '{{}}', true, 'x', 'x' FROM requests WHERE id = '{id}'"
            ))
            .execute(c)
            .unwrap()
        })
        .await;

    let report = sweep_to(&w, &clock, at("2026-03-14T00:00:00Z")).await;
    assert_eq!((report.checked, report.overdue, report.skipped), (5, 4, 1), "{report:?}");
    let counts = |sql: String| {
        w.app.with_db(move |c| {
            #[derive(diesel::QueryableByName)]
            struct N {
                #[diesel(sql_type = diesel::sql_types::BigInt)]
                n: i64,
            }
            diesel::sql_query(sql).load::<N>(c).unwrap()[0].n
        })
    };
    for id in &ids {
        let expect = i64::from(*id != bad);
        let of = |what: &str| format!("SELECT count(*) AS n FROM {what} AND request_id = '{id}'");
        assert_eq!(counts(of("escalations WHERE reason = 'overdue'")).await, expect);
        assert_eq!(counts(of("request_events WHERE kind = 'overdue'")).await, expect);
        assert_eq!(counts(of("request_events WHERE kind = 'escalation_opened'")).await, expect);
        assert_eq!(counts(of("sweep_steps WHERE step LIKE 'overdue:%'")).await, expect);
        assert_eq!(counts(of("stat_facts WHERE kind = 'overdue'")).await, expect);
    }
    let overdue_mails = "SELECT count(*) AS n FROM outbox WHERE kind = 'overdue' AND to_email = 'pv@tuoitre.test'";
    assert_eq!(counts(overdue_mails.into()).await, 4);
    let dept_mails =
        "SELECT count(*) AS n FROM outbox WHERE kind = 'escalation_opened' AND to_email = 'baochi@tng.test'";
    assert_eq!(counts(dept_mails.into()).await, 4);
    let next = counts(format!(
        "SELECT count(*) AS n FROM requests WHERE id = '{bad}' AND next_check_at = '2026-03-14 01:00:00'"
    ));
    assert_eq!(next.await, 1, "put off by an hour");
    // The good timelines verify; the bad one is broken only by the stray row.
    let (checked, broken) = w.app.with_db(|c| tiepcan::service::timeline::verify(c, None).unwrap()).await;
    assert_eq!(checked, 5);
    let broken_refs: Vec<String> = broken.iter().map(|b| b.reference.clone()).collect();
    assert_eq!(broken.len(), 1, "{broken_refs:?}");
    // A second sweep repeats nothing for the four.
    assert_eq!(sweep_at(&w.app, at("2026-03-14T00:30:00Z")).await.overdue, 0);
}
both!(a_failing_request_in_a_batch_is_put_off_and_the_rest_commits);

/// What the sweep writes for a request, without the random ids: its events,
/// its statistics' facts and its mails, sorted.
fn written_by_sweep(c: &mut tiepcan::db::DbConn, subjects: &[&str]) -> Vec<String> {
    use diesel::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct Line {
        #[diesel(sql_type = diesel::sql_types::Text)]
        line: String,
    }
    let list = subjects.iter().map(|s| format!("'{s}'")).collect::<Vec<_>>().join(", ");
    let of = format!("SELECT id FROM requests WHERE subject IN ({list})");
    let mut out = Vec::new();
    for sql in [
        format!(
            "SELECT r.subject || '|' || e.seq || '|' || e.kind || '|' || e.actor_role || '|' || \
             CASE WHEN e.internal THEN 'i' ELSE 'p' END || '|' || e.at AS line \
             FROM request_events e JOIN requests r ON r.id = e.request_id WHERE r.id IN ({of})"
        ),
        format!(
            "SELECT r.subject || '|' || f.kind || '|' || f.detail || '|' || f.timeliness || '|' || f.working_days \
             || '|' || f.hours || '|' || f.day || '|' || f.at || '|' || \
             CASE WHEN f.agency_id = r.agency_id AND f.jurisdiction_id = r.jurisdiction_id THEN 'here' ELSE 'elsewhere' END AS line \
             FROM stat_facts f JOIN requests r ON r.id = f.request_id WHERE r.id IN ({of})"
        ),
        format!(
            "SELECT r.subject || '|' || o.kind || '|' || o.to_email || '|' || o.locale AS line \
             FROM outbox o JOIN requests r ON o.subject LIKE '%' || r.reference || '%' WHERE r.id IN ({of})"
        ),
        format!(
            "SELECT r.subject || '|' || s.step AS line FROM sweep_steps s JOIN requests r ON r.id = s.request_id \
             WHERE r.id IN ({of})"
        ),
        format!(
            "SELECT subject || '|' || status || '|' || last_seq || '|' || COALESCE(CAST(next_check_at AS TEXT), '-') \
             || '|' || version AS line FROM requests WHERE id IN ({of})"
        ),
    ] {
        out.extend(diesel::sql_query(sql).load::<Line>(c).unwrap().into_iter().map(|l| l.line));
    }
    out.sort();
    out
}

/// The batch writes exactly what the sweep of one request at a time writes:
/// the same events, statistics' facts, mails, steps and states. One world's
/// batch fails (a stray event of a fourth request), so its three other
/// requests are swept one at a time; the other world's batch goes through.
async fn a_batch_writes_what_one_at_a_time_writes(backend: Backend) {
    use diesel::RunQueryDsl;
    let subjects = ["Một", "Hai", "Ba"];
    let mut written = Vec::new();
    for with_bad in [true, false] {
        let (w, clock) = clocked_world(backend.clone()).await;
        for s in subjects {
            w.file(&w.syt_id, "information", s).await;
        }
        if with_bad {
            let bad = w.file(&w.syt_id, "information", "Hỏng").await["id"].as_str().unwrap().to_string();
            w.app
                .with_db(move |c| {
                    diesel::sql_query(format!(
                        "INSERT INTO request_events (id, request_id, seq, at, actor_id, actor_role, kind, body, \
                         data, internal, prev_hash, hash) SELECT 'stray', id, last_seq + 1, updated_at, NULL, \
                         'system', 'note', NULL, '{{}}', true, 'x', 'x' FROM requests WHERE id = '{bad}'"
                    ))
                    .execute(c)
                    .unwrap()
                })
                .await;
        }
        let report = sweep_to(&w, &clock, at("2026-03-14T00:00:00Z")).await;
        assert_eq!((report.overdue, report.skipped), (3, usize::from(with_bad)), "{report:?}");
        written.push(w.app.with_db(move |c| written_by_sweep(c, &subjects)).await);
    }
    for seen in ["|overdue|", "|escalation_opened|baochi@tng.test|", "|overdue|pv@tuoitre.test|", "overdue:"] {
        assert!(written[0].iter().any(|l| l.contains(seen)), "{seen} in {:?}", written[0]);
    }
    assert_eq!(written[0], written[1]);
}
both!(a_batch_writes_what_one_at_a_time_writes);
