use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::both;
use crate::helpers::{Backend, TestApp, body};

async fn bad_input_gets_the_error_shape_and_no_5xx(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    // Malformed JSON.
    let r = app
        .api
        .post(app.url("/api/v1/reporters"))
        .header("content-type", "application/json")
        .body("{\"email\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert_eq!(body(r).await["error"]["code"], "invalid_json");
    // Well-formed JSON of the wrong shape.
    let r = app
        .api
        .post(app.url("/api/v1/reporters"))
        .header("content-type", "application/json")
        .body("[1,2]")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // Not JSON at all.
    let r =
        app.api.post(app.url("/api/v1/sessions")).header("content-type", "text/plain").body("hi").send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(body(r).await["error"]["code"], "unsupported_media_type");
    // Oversized body.
    let big = json!({"email": "a@b.test", "password": "x".repeat(400_000), "full_name": "A", "outlet": "B"});
    let r = app.post("/api/v1/reporters", &big, None).await;
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(body(r).await["error"]["code"], "too_large");
    // Unknown endpoint, bad query, bad bearer token.
    let r = app.get("/api/v1/nope", None).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert_eq!(body(r).await["error"]["code"], "not_found");
    let admin = app.admin().await;
    let r = app.get("/api/v1/agencies?page=abc", Some(&admin)).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = app.get("/api/v1/me", Some("garbage")).await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let r = app.get("/api/v1/me", Some(&"x".repeat(5000))).await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let r = app.get("/api/v1/verify-email?token=", None).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // Odd but valid values are handled, never crash.
    for q in
        ["per_page=0", "per_page=100000", "page=-5", "page=99999999", "q=%00%27%22;--", "jurisdiction=%F0%9F%92%A5"]
    {
        let r = app.get(&format!("/api/v1/agencies?{q}"), Some(&admin)).await;
        assert_eq!(r.status(), StatusCode::OK, "{q}");
    }
    // A stray field of the wrong type in the body.
    let r = app.post("/api/v1/reporters", &json!({"email": 5}), None).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = app.post("/api/v1/users", &json!({"agency_ids": "x"}), Some(&admin)).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
}
both!(bad_input_gets_the_error_shape_and_no_5xx);

async fn operations_endpoints(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    assert_eq!(body(app.get("/healthz", None).await).await, json!({"status": "ok"}));
    assert_eq!(app.get("/readyz", None).await.status(), StatusCode::OK);
    app.register("m@x.test", "ngày-mai-trời-nắng-7").await;
    app.smtp.wait_for("m@x.test", 1).await;
    let text = app.get("/metrics", None).await.text().await.unwrap();
    assert!(text.contains("tiepcan_http_responses_total{class=\"2xx\"}"), "{text}");
    assert!(text.contains("tiepcan_outbox_rows{status="), "{text}");
    let _: Value = Value::Null;
}
both!(operations_endpoints);
