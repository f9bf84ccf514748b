//! Inputs the contract fuzzer draws and PostgreSQL is strictest about: a NUL
//! byte (PostgreSQL text cannot hold one) in every text an operation takes,
//! in bodies, queries and paths. Each answers a 4xx in API.md's error shape
//! (or, for a search, an empty page), never a 5xx, on both databases.
//! `errors.rs` covers the account and directory bodies; this covers the
//! rest of the document: requests, actions, escalations, the calendar,
//! queries and paths.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::both;
use crate::helpers::{Backend, body};
use crate::requests::world;

async fn nul_bytes_anywhere_never_answer_5xx(backend: Backend) {
    let w = world(backend).await;
    let app = &w.app;
    // `world` created the administrator with the harness's password.
    let admin = app.login("admin@tiepcan.test", "một-mật-khẩu-dài-42").await;
    let filed = app
        .post(
            "/api/v1/requests",
            &json!({"agency_id": w.syt_id, "kind": "information", "subject": "Số liệu kiểm thử",
                    "body": "Đề nghị cung cấp số liệu kiểm thử."}),
            Some(&w.reporter),
        )
        .await;
    assert_eq!(filed.status(), StatusCode::CREATED);
    let id = body(filed).await["id"].as_str().unwrap().to_string();
    let actions = format!("/api/v1/requests/{id}/actions");
    let nul = "a\u{0}b";
    let cases: Vec<(Method, String, Option<Value>, &str)> = vec![
        (Method::POST, "/api/v1/sessions".into(), Some(json!({"email": nul, "password": nul})), ""),
        (Method::POST, "/api/v1/accept-invite".into(), Some(json!({"token": nul, "password": nul})), ""),
        (
            Method::POST,
            "/api/v1/reporters".into(),
            Some(json!({"email": "r\u{0}@x.vn", "password": "một-mật-khẩu-dài-42", "full_name": nul,
                        "outlet": nul, "locale": nul})),
            "",
        ),
        (Method::GET, "/api/v1/verify-email?token=%00".into(), None, ""),
        (Method::GET, "/api/v1/agencies?q=%00&jurisdiction=%00".into(), None, &admin),
        (Method::GET, "/api/v1/requests?q=%00&status=%00&agency_id=%00&kind=%00&overdue=%00".into(), None, &admin),
        (Method::GET, "/api/v1/requests/%00".into(), None, &admin),
        (Method::GET, format!("/api/v1/requests/{id}/attachments/%00"), None, &w.reporter),
        (Method::GET, "/api/v1/escalations?status=%00".into(), None, &w.staff),
        (
            Method::POST,
            "/api/v1/escalations/%00/actions".into(),
            Some(json!({"action": "note", "body": nul})),
            &w.staff,
        ),
        (Method::GET, "/api/v1/deadline-preview?agency_id=%00&kind=%00&at=%00".into(), None, &admin),
        (
            Method::POST,
            "/api/v1/requests".into(),
            Some(json!({"agency_id": nul, "kind": nul, "subject": nul, "body": nul})),
            &w.reporter,
        ),
        (
            Method::POST,
            "/api/v1/users".into(),
            Some(json!({"email": "x\u{0}@y.vn", "full_name": nul, "role": nul, "jurisdiction": nul,
                        "agency_ids": [nul], "title": nul, "phone": nul})),
            &admin,
        ),
        (
            Method::POST,
            "/api/v1/agencies".into(),
            Some(json!({"jurisdiction": nul, "code": nul, "name": nul, "level": nul, "parent_code": nul,
                        "email": nul, "name_en": nul})),
            &admin,
        ),
        (
            Method::POST,
            "/api/v1/jurisdictions".into(),
            Some(json!({"code": nul, "name": nul, "department_name": nul, "department_email": nul,
                        "timezone": nul, "office_hours": [[nul, nul]]})),
            &admin,
        ),
        (
            Method::PUT,
            "/api/v1/calendar/2030".into(),
            Some(json!({"holidays": [{"date": nul, "name": nul}], "working_days": [], "source": nul})),
            &admin,
        ),
        (Method::POST, actions.clone(), Some(json!({"action": nul})), &w.syt1),
        (Method::POST, actions.clone(), Some(json!({"action": "comment", "body": nul})), &w.syt1),
        (Method::POST, actions.clone(), Some(json!({"action": "transfer", "agency_id": nul, "reason": nul})), &w.syt1),
        (Method::POST, actions.clone(), Some(json!({"action": "refuse", "ground": nul, "reasons": nul})), &w.syt1),
        (Method::POST, actions.clone(), Some(json!({"action": "reply", "body": nul, "outcome": nul})), &w.syt1),
        (Method::POST, actions, Some(json!({"action": "clarify", "body": nul})), &w.reporter),
    ];
    for (method, path, json_body, token) in cases {
        let mut req = app.api.request(method.clone(), app.url(&path));
        if !token.is_empty() {
            req = req.bearer_auth(token);
        }
        if let Some(b) = &json_body {
            req = req.json(b);
        }
        let r = req.send().await.unwrap();
        let status = r.status();
        assert!(!status.is_server_error(), "{method} {path}: {status}");
        let answer = body(r).await;
        if !status.is_success() {
            assert!(answer["error"]["code"].is_string(), "{method} {path}: {answer}");
        }
    }
}
both!(nul_bytes_anywhere_never_answer_5xx);
