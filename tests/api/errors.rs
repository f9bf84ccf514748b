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

async fn nul_bytes_and_odd_text_never_reach_the_database_as_errors(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.admin().await;
    app.seed_directory(&admin).await;
    let nul = "a\u{0}b";
    let cases: Vec<(&str, Value)> = vec![
        (
            "/api/v1/reporters",
            json!({"email": nul, "password": nul, "full_name": nul, "outlet": nul, "phone": nul, "press_card_no": nul, "locale": nul}),
        ),
        (
            "/api/v1/reporters",
            json!({"email": "ok@x.test", "password": "ngày-mai-trời-nắng-7", "full_name": nul, "outlet": "x"}),
        ),
        ("/api/v1/sessions", json!({"email": nul, "password": nul})),
        ("/api/v1/users", json!({"email": "u@x.test", "full_name": "U", "role": "spokesperson", "agency_ids": [nul]})),
        ("/api/v1/users", json!({"email": "u@x.test", "full_name": "U", "role": "staff", "jurisdiction": nul})),
        ("/api/v1/users", json!({"email": "u@x.test", "full_name": "U", "role": nul})),
        (
            "/api/v1/jurisdictions",
            json!({"code": nul, "name": nul, "department_name": nul, "department_email": nul, "timezone": nul}),
        ),
        (
            "/api/v1/agencies",
            json!({"jurisdiction": nul, "code": nul, "name": nul, "level": nul, "parent_code": nul, "email": nul}),
        ),
        (
            "/api/v1/agencies",
            json!({"jurisdiction": "TNG", "code": "OK", "name": "x", "level": "other", "parent_code": nul}),
        ),
        ("/api/v1/accept-invite", json!({"token": nul, "password": nul})),
    ];
    for (path, payload) in cases {
        let token = if path.contains("reporters") || path.contains("sessions") || path.contains("accept") {
            None
        } else {
            Some(admin.as_str())
        };
        let r = app.post(path, &payload, token).await;
        let status = r.status();
        assert!(status.is_client_error(), "{path} {payload}: {status}");
        assert!(body(r).await["error"]["code"].is_string());
    }
    for q in ["/api/v1/agencies?q=%00", "/api/v1/agencies?jurisdiction=%00", "/api/v1/verify-email?token=%00"] {
        let status = app.get(q, Some(&admin)).await.status();
        assert!(status.as_u16() < 500, "{q}: {status}");
    }
    let csv = "jurisdiction,code,name,name_en,level,parent_code,email\nTNG,A\u{0},x\u{0},,other,,\n";
    assert_eq!(app.import_csv(csv, &admin).await.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = app.import_csv("\u{feff}\u{0}\u{1}garbage", &admin).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = app
        .api
        .post(app.url("/api/v1/agencies/import"))
        .bearer_auth(&admin)
        .header("content-type", "text/csv")
        .body(vec![0xff, 0xfe, 0x00, 0x41])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
}
both!(nul_bytes_and_odd_text_never_reach_the_database_as_errors);
