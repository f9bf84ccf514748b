//! The session check of a page or an API call shares the call's one trip to
//! the blocking pool: a session that is missing, garbage, revoked or expired
//! still gets the usual answers (the login page, 401 in the API's error
//! shape, the not-found page for another role), and a signed-in page or API
//! call costs one blocking call, not two.

use reqwest::StatusCode;
use serde_json::json;

use crate::both;
use crate::helpers::{Backend, Options, PageSession, body};
use crate::requests::world_with;

const PW: &str = "một-mật-khẩu-dài-42";

fn location(r: &reqwest::Response) -> String {
    r.headers()["location"].to_str().unwrap().to_string()
}

/// The answers a visitor without a live session gets, on pages and in the API.
async fn assert_turned_away(page: &PageSession, api: &reqwest::Client, base: &str, token: &str, request: &str) {
    for (path, next) in [
        ("/requests", "%2Frequests".to_string()),
        ("/requests?status=closed", "%2Frequests%3Fstatus%3Dclosed".to_string()),
        (request, request.replace('/', "%2F")),
        ("/account", "%2Faccount".to_string()),
        ("/escalations", "%2Fescalations".to_string()),
    ] {
        let r = page.client.get(page.url(path)).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{path}");
        assert_eq!(location(&r), format!("/login?next={next}"), "{path}");
    }
    // The visitor's pages still show them signed out.
    let (status, home) = page.text("/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(!home.contains("action=\"/logout\""), "not signed in any more");
    for path in ["/api/v1/requests", &format!("/api/v1{request}"), "/api/v1/me", "/api/v1/policy"] {
        let r = api.get(format!("{base}{path}")).bearer_auth(token).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "{path}");
        let b = body(r).await;
        assert_eq!(b["error"]["code"], "unauthenticated", "{path}");
        assert_eq!(
            b["error"]["message"], "sign in with POST /api/v1/sessions and send Authorization: Bearer <token>",
            "{path}"
        );
    }
}

async fn dead_sessions_get_the_same_answers(backend: Backend) {
    let clock = tiepcan::clock::ManualClock::new(chrono::Utc::now());
    let w = world_with(backend, Options { clock: std::sync::Arc::new(clock.clone()), ..Options::default() }).await;
    let app = &w.app;
    let r = app
        .post(
            "/api/v1/requests",
            &json!({"agency_id": w.syt_id, "kind": "information", "subject": "Số ca sốt xuất huyết", "body": "Xin số liệu."}),
            Some(&w.reporter),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let request = format!("/requests/{}", body(r).await["id"].as_str().unwrap());

    // Live: the pages and the API answer.
    let page = app.page_login("pv@tuoitre.test", PW).await;
    let token = app.login("pv@tuoitre.test", PW).await;
    for path in ["/requests", &request as &str, "/account"] {
        assert_eq!(page.text(path).await.0, StatusCode::OK, "{path}");
    }
    assert_eq!(app.get(&format!("/api/v1{request}"), Some(&token)).await.status(), StatusCode::OK);
    // Another role's page is not found, as for a page that does not exist.
    for path in ["/escalations", "/admin/calendar/2026", "/admin/users"] {
        let (status, text) = page.text(path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert!(text.contains("<html"), "{path}: a page");
    }

    // Garbage credentials.
    let garbage = PageSession {
        client: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .default_headers(
                [(reqwest::header::COOKIE, "tiepcan_session=not-a-session".parse().unwrap())].into_iter().collect(),
            )
            .build()
            .unwrap(),
        base: app.base.clone(),
    };
    assert_turned_away(&garbage, &app.api, &app.base, "not-a-token", &request).await;

    // The CSRF token of the page session, for a form posted after it ends.
    let csrf = page.csrf(&request).await;

    // Revoked: signing out everywhere ends the page session and the token.
    let r = app.api.delete(app.url("/api/v1/sessions")).bearer_auth(&token).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert_turned_away(&page, &app.api, &app.base, &token, &request).await;
    // A form posted with the dead session (and its CSRF token) goes to the login page.
    let r = page
        .post_form(&format!("{request}/actions"), &[("csrf", csrf.as_str()), ("action", "comment"), ("body", "x")])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/login");

    // Expired: a session past its lifetime, in both forms.
    let page = app.page_login("pv@tuoitre.test", PW).await;
    let token = app.login("pv@tuoitre.test", PW).await;
    assert_eq!(page.text("/requests").await.0, StatusCode::OK);
    clock.advance(chrono::Duration::hours(24 * 14) + chrono::Duration::minutes(1));
    assert_turned_away(&page, &app.api, &app.base, &token, &request).await;
}
both!(dead_sessions_get_the_same_answers);

/// What a page or an API call costs in trips to the blocking pool.
async fn blocking_calls_of(app: &crate::helpers::TestApp, f: impl std::future::Future<Output = StatusCode>) -> u64 {
    let before = app.state.blocking_calls.get();
    assert_eq!(f.await, StatusCode::OK);
    app.state.blocking_calls.get() - before
}

async fn a_signed_in_page_is_one_blocking_call(backend: Backend) {
    let w = world_with(backend, Options::default()).await;
    let app = &w.app;
    let r = app
        .post(
            "/api/v1/requests",
            &json!({"agency_id": w.syt_id, "kind": "information", "subject": "Số ca sốt xuất huyết", "body": "Xin số liệu."}),
            Some(&w.reporter),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let id = body(r).await["id"].as_str().unwrap().to_string();
    let page = app.page_login("syt1@tng.test", PW).await;
    for path in ["/requests", "/requests?status=bogus", &format!("/requests/{id}") as &str] {
        let n = blocking_calls_of(app, async { page.client.get(page.url(path)).send().await.unwrap().status() }).await;
        assert_eq!(n, 1, "{path}: the session check and the page's work share one blocking call");
    }
    for path in ["/api/v1/requests".to_string(), format!("/api/v1/requests/{id}")] {
        let n = blocking_calls_of(app, async { app.get(&path, Some(&w.syt1)).await.status() }).await;
        assert_eq!(n, 1, "{path}");
    }
    // The metric is exposed.
    let text = app.get("/metrics", None).await.text().await.unwrap();
    assert!(text.contains("tiepcan_blocking_calls_total "), "{text}");
}
both!(a_signed_in_page_is_one_blocking_call);
