//! Hostile text and stored rows: control characters are refused with a 422
//! naming the field wherever a one-line text comes in (API, pages, CLI, CSV
//! import), multi-line texts keep their line breaks and nothing else, no
//! outbox row can stop the mailer, and text people typed is never expanded as
//! a placeholder in a mail.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::both;
use crate::helpers::{Backend, TestApp, TestDb, body};
use crate::requests::world;

const PW: &str = "ngày-mai-trời-nắng-7";

async fn registration_with_a_line_break_in_a_name_is_refused(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let r = app
        .post(
            "/api/v1/reporters",
            &json!({"email": "eve@evil.test", "password": PW, "full_name": "Eve\r\nBcc: x@example.com",
                    "outlet": "Báo\tA", "press_card_no": "TT\u{202E}1234"}),
            None,
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let e = body(r).await;
    assert_eq!(e["error"]["code"], "validation_failed");
    for field in ["full_name", "outlet", "press_card_no"] {
        let msg = e["error"]["fields"][field].as_str().unwrap_or_else(|| panic!("{field} not named: {e}"));
        assert!(msg.contains("control"), "{field}: {msg}");
    }
    // Nothing was created and nothing is mailed.
    assert!(app.outbox_to("eve@evil.test").await.is_empty());
    let r = app.post("/api/v1/sessions", &json!({"email": "eve@evil.test", "password": PW}), None).await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);

    // The page form goes through the same validator and says which field.
    let csrf = app.csrf("/register").await;
    let r = app
        .browser
        .post(app.url("/register"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("email", "eve@evil.test"),
            ("password", PW),
            ("full_name", "Eve\nBcc: x@example.com"),
            ("outlet", "Báo A"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = r.text().await.unwrap();
    assert!(page.contains("ký tự điều khiển"), "the page names the problem");
    assert!(app.outbox_to("eve@evil.test").await.is_empty());
}
both!(registration_with_a_line_break_in_a_name_is_refused);

async fn one_line_fields_refuse_control_characters_and_texts_keep_line_feeds(backend: Backend) {
    let w = world(backend).await;
    let file = |subject: &str, text: &str| {
        let input = json!({"agency_id": w.syt_id, "kind": "information", "subject": subject, "body": text});
        let (app, token) = (&w.app, w.reporter.clone());
        async move { app.post("/api/v1/requests", &input, Some(&token)).await }
    };
    let field = |e: &Value, f: &str| e["error"]["fields"][f].as_str().map(str::to_string);

    let r = file("Số liệu\nBcc: x@example.com", "Nội dung").await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(field(&body(r).await, "subject").is_some());
    let r = file("Số liệu", "cột 1\tcột 2").await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(field(&body(r).await, "body").is_some());
    let r = file("Số liệu \u{2066}ẩn\u{2069}", "Nội dung").await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);

    // A browser's CR LF line breaks are kept, as LF.
    let r = file("Số liệu dịch sốt xuất huyết", "Dòng một\r\nDòng hai\rDòng ba").await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let req = body(r).await;
    assert_eq!(req["body"], "Dòng một\nDòng hai\nDòng ba");
    let id = req["id"].as_str().unwrap().to_string();

    // Actions: multi-line reasons keep LF, refuse the rest.
    let act = |a: Value| {
        let (app, path, token) = (&w.app, format!("/api/v1/requests/{id}/actions"), w.syt1.clone());
        async move { app.post(&path, &a, Some(&token)).await }
    };
    let r = act(json!({"action": "request_clarification", "question": "Kỳ nào?\u{0}"})).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(field(&body(r).await, "question").is_some());
    let r = act(json!({"action": "comment", "body": "Ghi chú\r\nnội bộ"})).await;
    assert_eq!(r.status(), StatusCode::OK);

    // A file name is a one-line text.
    let part = reqwest::multipart::Part::bytes(b"%PDF-1.7\n%%EOF\n".to_vec()).file_name("hoa-don\u{202E}fdp.exe");
    let r = w
        .app
        .api
        .post(w.app.url(&format!("/api/v1/requests/{id}/attachments")))
        .bearer_auth(&w.reporter)
        .multipart(reqwest::multipart::Form::new().part("file", part))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(field(&body(r).await, "file").is_some());

    // Invitations and the CSV import use the same rule.
    // `world` made the administrator with the harness's fixed password.
    let admin = w.app.login("admin@tiepcan.test", "một-mật-khẩu-dài-42").await;
    let r = w
        .app
        .post(
            "/api/v1/users",
            &json!({"email": "new@tng.test", "full_name": "Lê Văn B", "title": "Chánh\nvăn phòng", "role": "staff", "jurisdiction": "TNG"}),
            Some(&admin),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(field(&body(r).await, "title").is_some());
    let r = w
        .app
        .import_csv(
            "jurisdiction,code,name,name_en,level,parent_code,email\nTNG,STP,Sở\tTư pháp,Department of Justice,department,,\n",
            &admin,
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let text = body(r).await.to_string();
    assert!(text.contains("line 2") && text.contains("control"), "{text}");
}
both!(one_line_fields_refuse_control_characters_and_texts_keep_line_feeds);

async fn cli_arguments_with_control_characters_are_refused(backend: Backend) {
    let db = TestDb::create(&backend);
    let tiepcan = || crate::cli::tiepcan(&db);
    assert!(tiepcan().arg("migrate").output().unwrap().status.success());
    let out = tiepcan()
        .args(["create-jurisdiction", "--code", "TNG", "--name", "Thái\nNguyên", "--department-name", "Sở VHTTDL"])
        .args(["--department-email", "baochi@tng.test"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("name") && err.contains("control"), "{err}");
    let out = tiepcan()
        .args(["create-user", "--email", "a@tng.test", "--password", PW, "--role", "admin"])
        .args(["--full-name", "Quản trị\u{202E}viên"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("full_name") && err.contains("control"), "{err}");
}
both!(cli_arguments_with_control_characters_are_refused);

/// An outbox row as an older version might have stored it: a display name
/// with a line break, which the message builder cannot turn into a header.
fn poisoned_row(config: &tiepcan::config::Config) -> tiepcan::db::models::OutboxRow {
    let now = chrono::Utc::now().naive_utc() - chrono::Duration::seconds(5);
    let id = tiepcan::db::new_id();
    tiepcan::db::models::OutboxRow {
        message_id: format!("<{id}@{}>", config.mail_from.email.domain()),
        id,
        created_at: now,
        kind: "verify_email".into(),
        to_email: "eve@evil.test".into(),
        to_name: Some("Eve\r\nBcc: x@example.com".into()),
        locale: tiepcan::domain::account::Locale::Vi,
        subject: "Xác nhận địa chỉ".into(),
        body_text: "xin chào".into(),
        body_html: "<p>xin chào</p>".into(),
        status: "pending".into(),
        attempts: 0,
        next_attempt_at: now,
        lease_until: None,
        last_error: None,
        smtp_reply: None,
        sent_at: None,
        reply_to: None,
    }
}

async fn a_row_that_cannot_be_built_does_not_stop_the_mailer(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (pool, config) = (app.pool.clone(), app.state.config.clone());
    tokio::task::spawn_blocking(move || {
        let mut conn = pool.get().unwrap();
        tiepcan::db::outbox::insert(&mut conn, &poisoned_row(&config)).unwrap();
        for i in 0..10 {
            let to = tiepcan::mail::Recipient {
                email: format!("good{i}@x.test"),
                name: Some(format!("Người nhận {i}")),
                locale: Default::default(),
                user_id: None,
            };
            let mail = tiepcan::mail::Rendered {
                subject: format!("Thư số {i}"),
                text: "Nội dung.".into(),
                html: "<p>Nội dung.</p>".into(),
            };
            tiepcan::mail::queue_rendered(&mut conn, &config, chrono::Utc::now(), "test", &to, &mail, None).unwrap();
        }
    })
    .await
    .unwrap();
    for i in 0..10 {
        let got = app.smtp.wait_for(&format!("good{i}@x.test"), 1).await;
        assert_eq!(got[0].subject(), format!("Thư số {i}"));
    }
    let bad = &app.outbox_to("eve@evil.test").await[0];
    assert_eq!(bad.status, "failed", "given up for good, not retried");
    assert!(bad.last_error.as_deref().unwrap_or_default().contains("cannot be built"), "{:?}", bad.last_error);
    assert!(app.smtp.to("x@example.com").is_empty() && app.smtp.to("eve@evil.test").is_empty());
    let attempts = bad.attempts;
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(app.outbox_to("eve@evil.test").await[0].attempts, attempts, "never claimed again");

    // The mailer is alive and the instance is ready; /metrics shows the job.
    assert_eq!(app.get("/readyz", None).await.status(), StatusCode::OK);
    let metrics = app.get("/metrics", None).await.text().await.unwrap();
    assert!(metrics.contains("tiepcan_job_late{job=\"mailer\"} 0"), "{metrics}");
    assert!(metrics.contains("tiepcan_job_ticks_total{job=\"mailer\"}"), "{metrics}");
    assert!(metrics.contains("tiepcan_outbox_rows{status=\"failed\"} 1"), "{metrics}");
}
both!(a_row_that_cannot_be_built_does_not_stop_the_mailer);

async fn user_text_in_a_mail_is_not_expanded(backend: Backend) {
    let w = world(backend).await;
    let subject = "Hỏi về {reporter}, {outlet} và {agency}";
    let r = w
        .app
        .post(
            "/api/v1/requests",
            &json!({"agency_id": w.syt_id, "kind": "information", "subject": subject, "body": "{reference} {kind}"}),
            Some(&w.reporter),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let mail = &w.app.smtp.wait_for("syt1@tng.test", 1).await[0];
    assert!(mail.subject().ends_with(subject), "{}", mail.subject());
    let text = mail.text();
    assert!(text.contains(&format!("“{subject}”")), "{text}");
    assert!(text.contains("{reference} {kind}"), "{text}");
}
both!(user_text_in_a_mail_is_not_expanded);

/// A job that stops making progress takes the instance out of service: while
/// another session holds the lock a due request's sweep needs, the sweep cannot
/// finish, and /readyz says which job is late; it recovers once the lock is gone.
async fn a_stuck_job_makes_the_instance_not_ready(backend: Backend) {
    let start = chrono::DateTime::parse_from_rfc3339("2026-05-04T02:00:00Z").unwrap().with_timezone(&chrono::Utc);
    let clock = tiepcan::clock::ManualClock::new(start);
    let mut opts = crate::helpers::Options { clock: std::sync::Arc::new(clock.clone()), ..Default::default() };
    opts.env.insert("TIEPCAN_SWEEP_INTERVAL_MS".into(), "100".into());
    // Room for the sweep's own connections, all waiting, and for /readyz.
    opts.env.insert("TIEPCAN_DB_POOL".into(), "8".into());
    let w = crate::requests::world_with(backend, opts).await;
    w.file(&w.syt_id, "information", "Số liệu").await;
    assert_eq!(w.app.get("/readyz", None).await.status(), StatusCode::OK);

    let url = w.app.db_url.clone();
    let (locked_tx, locked_rx) = std::sync::mpsc::channel();
    let (release_tx, release_rx) = std::sync::mpsc::channel::<()>();
    let holder = std::thread::spawn(move || hold_requests_lock(&url, locked_tx, release_rx));
    locked_rx.recv().unwrap();
    // A month later the request is overdue: the sweep has work, and waits.
    clock.advance(chrono::Duration::days(30));
    let mut late = Value::Null;
    for _ in 0..100 {
        let r = w.app.get("/readyz", None).await;
        if r.status() == StatusCode::SERVICE_UNAVAILABLE {
            late = body(r).await;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let metrics = w.app.get("/metrics", None).await.text().await.unwrap();
    release_tx.send(()).unwrap();
    holder.join().unwrap();
    assert_eq!(late["late_jobs"], json!(["sweeper"]), "{late}");
    assert_eq!(late["database"], "ok");
    assert!(metrics.contains("tiepcan_job_late{job=\"sweeper\"} 1"), "{metrics}");
    let mut ready = false;
    for _ in 0..300 {
        if w.app.get("/readyz", None).await.status() == StatusCode::OK {
            ready = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(ready, "ready again once the sweep can finish");
}
both!(a_stuck_job_makes_the_instance_not_ready);

/// Holds the lock a sweep of a due request needs: on PostgreSQL the requests
/// table (the sweep skips locked rows, so a row lock would not stop it), on
/// SQLite the one write lock.
fn hold_requests_lock(url: &str, locked: std::sync::mpsc::Sender<()>, release: std::sync::mpsc::Receiver<()>) {
    use diesel::{Connection, RunQueryDsl};
    if url.starts_with("postgres") {
        let mut c = diesel::PgConnection::establish(url).unwrap();
        diesel::sql_query("BEGIN").execute(&mut c).unwrap();
        diesel::sql_query("LOCK TABLE requests IN ACCESS EXCLUSIVE MODE").execute(&mut c).unwrap();
        locked.send(()).unwrap();
        release.recv().unwrap();
        diesel::sql_query("ROLLBACK").execute(&mut c).unwrap();
    } else {
        let path = url.trim_start_matches("sqlite://").split('?').next().unwrap().to_string();
        let mut c = diesel::SqliteConnection::establish(&path).unwrap();
        diesel::sql_query("PRAGMA busy_timeout = 10000").execute(&mut c).unwrap();
        diesel::sql_query("BEGIN IMMEDIATE").execute(&mut c).unwrap();
        diesel::sql_query("UPDATE requests SET version = version").execute(&mut c).unwrap();
        locked.send(()).unwrap();
        release.recv().unwrap();
        diesel::sql_query("ROLLBACK").execute(&mut c).unwrap();
    }
}

/// `tiepcan sweep --once` does the accounts' housekeeping a serving sweep
/// does: a reporter who never confirmed is gone a week later.
async fn a_cli_sweep_removes_expired_unconfirmed_accounts(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    assert_eq!(app.register("cham@x.test", PW).await.status(), StatusCode::CREATED);
    let later = (chrono::Utc::now() + chrono::Duration::days(8)).to_rfc3339();
    let db = app._db.as_ref().unwrap();
    let out = crate::cli::tiepcan(db)
        .env("DATABASE_URL", &app.db_url)
        .args(["sweep", "--once", "--now", &later])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let pool = app.pool.clone();
    let found = tokio::task::spawn_blocking(move || {
        tiepcan::db::users::by_email(&mut pool.get().unwrap(), "cham@x.test").unwrap().is_some()
    })
    .await
    .unwrap();
    assert!(!found, "the unconfirmed account expired");
}
both!(a_cli_sweep_removes_expired_unconfirmed_accounts);
