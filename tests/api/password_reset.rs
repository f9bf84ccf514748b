//! "Forgot password" over the API: one answer for every address, a link that
//! works once and for one hour (on a test clock), every session ended after a
//! reset.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use reqwest::StatusCode;
use serde_json::json;
use tiepcan::clock::ManualClock;

use crate::both;
use crate::helpers::{Backend, Options, TestApp, body};

const PW: &str = "một-mật-khẩu-dài-42";
const NEW_PW: &str = "mật-khẩu-mới-rất-dài-1";

async fn ask(app: &TestApp, email: &str) -> reqwest::Response {
    app.post("/api/v1/password-reset", &json!({"email": email}), None).await
}

async fn reset(app: &TestApp, token: &str, password: &str) -> reqwest::Response {
    app.post("/api/v1/password-reset/confirm", &json!({"token": token, "password": password}), None).await
}

async fn mailed_token(app: &TestApp, email: &str, n: usize) -> String {
    let mails = app.smtp.wait_for(email, n).await;
    let link = mails[n - 1].link_path("http://tiepcan.test/reset-password?token=");
    link.split("token=").nth(1).unwrap().to_string()
}

async fn reset_link_works_once_and_ends_every_session(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.create_user("pv@tuoitre.test", "reporter", vec![], None).await;
    let phone = app.login("pv@tuoitre.test", PW).await;
    let laptop = app.login("pv@tuoitre.test", PW).await;
    let r = ask(&app, "PV@TuoiTre.test").await;
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    assert_eq!(body(r).await, json!({"email": "pv@tuoitre.test"}));
    let token = mailed_token(&app, "pv@tuoitre.test", 1).await;

    // The new password goes through the same rules as any other.
    let r = reset(&app, &token, "1234567890").await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body(r).await["error"]["fields"]["password"].is_string());
    assert_eq!(reset(&app, &token, NEW_PW).await.status(), StatusCode::NO_CONTENT);
    for t in [&phone, &laptop] {
        assert_eq!(app.get("/api/v1/me", Some(t)).await.status(), StatusCode::UNAUTHORIZED, "sessions ended");
    }
    let r = reset(&app, &token, "một-mật-khẩu-khác-nữa-2").await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "once only");
    assert_eq!(body(r).await["error"]["fields"]["token"], "the link is not valid or has expired");
    app.login("pv@tuoitre.test", NEW_PW).await;
    let r = app.post("/api/v1/sessions", &json!({"email": "pv@tuoitre.test", "password": PW}), None).await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "the old password is gone");
    // The stored copy of the mail no longer holds the secret once sent.
    let rows = app.sent_to("pv@tuoitre.test", 1).await;
    assert!(!rows[0].body_text.contains(&token), "{}", rows[0].body_text);
}
both!(reset_link_works_once_and_ends_every_session);

async fn reset_link_expires_after_one_hour(backend: Backend) {
    let start: DateTime<Utc> = "2026-05-04T02:00:00Z".parse().unwrap();
    let clock = ManualClock::new(start);
    let app = TestApp::spawn_with(backend, Options { clock: Arc::new(clock.clone()), ..Options::default() }).await;
    app.create_user("pv@tuoitre.test", "reporter", vec![], None).await;
    ask(&app, "pv@tuoitre.test").await;
    let late = mailed_token(&app, "pv@tuoitre.test", 1).await;
    ask(&app, "pv@tuoitre.test").await;
    let in_time = mailed_token(&app, "pv@tuoitre.test", 2).await;

    clock.advance(chrono::Duration::minutes(59));
    // The form's check and the reset agree: within the hour the link works.
    assert_eq!(reset(&app, &in_time, NEW_PW).await.status(), StatusCode::NO_CONTENT);
    clock.advance(chrono::Duration::minutes(2));
    let r = reset(&app, &late, "un-autre-mot-de-passe-3").await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body(r).await["error"]["fields"]["token"].is_string());
}
both!(reset_link_expires_after_one_hour);

async fn unknown_address_gets_the_same_answer_and_no_mail(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.create_user("pv@tuoitre.test", "reporter", vec![], None).await;
    let known = ask(&app, "pv@tuoitre.test").await;
    let unknown = ask(&app, "nobody@tuoitre.test").await;
    assert_eq!(known.status(), unknown.status());
    let (known, unknown) = (body(known).await, body(unknown).await);
    assert_eq!(
        known.as_object().unwrap().keys().collect::<Vec<_>>(),
        unknown.as_object().unwrap().keys().collect::<Vec<_>>()
    );
    app.smtp.wait_for("pv@tuoitre.test", 1).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(app.smtp.to("nobody@tuoitre.test").is_empty());
    assert!(app.outbox_to("nobody@tuoitre.test").await.is_empty());

    // The answer does not wait for the work: both come back within the same small time.
    let mut times = vec![];
    for email in ["pv@tuoitre.test", "nobody@tuoitre.test", "pv@tuoitre.test", "nobody@tuoitre.test"] {
        let t = std::time::Instant::now();
        assert_eq!(ask(&app, email).await.status(), StatusCode::ACCEPTED);
        times.push(t.elapsed());
    }
    assert!(times.iter().all(|t| *t < Duration::from_millis(500)), "{times:?}");
    // At most three links an hour reach one mailbox.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(app.outbox_to("pv@tuoitre.test").await.len(), 3);

    // A malformed address is a field error; a bad body is 4xx, never 5xx.
    let r = ask(&app, "not an address").await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = app.post("/api/v1/password-reset", &json!({"email": ["x"]}), None).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = reset(&app, "", NEW_PW).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = reset(&app, &"x".repeat(5000), NEW_PW).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
}
both!(unknown_address_gets_the_same_answer_and_no_mail);
