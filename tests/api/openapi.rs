//! The OpenAPI document as the real server serves it: every operation it
//! describes is answered by a handler (never the API's "no such endpoint"
//! nor 405; another method on a known path is 405 with `Allow`), and the document is the one the code generates.

use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::both;
use crate::helpers::{Backend, TestApp, body};

/// A concrete URL path for a documented path template.
fn fill(template: &str) -> String {
    template
        .replace("{id}", "0193a0b4-1c2d-7e3f-8a9b-0c1d2e3f4a5b")
        .replace("{aid}", "0193a0b4-1c2d-7e3f-8a9b-0c1d2e3f4a5c")
        .replace("{year}", "2026")
        .replace("{code}", "TNG")
}

async fn every_documented_operation_is_served(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let r = app.get("/api/v1/openapi.json", None).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("application/json"));
    assert_eq!(r.headers()["cache-control"], "no-store");
    let doc: Value = body(r).await;
    assert_eq!(doc["openapi"], "3.1.0");
    assert_eq!(&doc, tiepcan::web::api::openapi::document_value());
    let admin = app.admin().await;
    let mut seen = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, _) in item.as_object().unwrap() {
            let m = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            // Signing out with the admin's token would sign the rest of the loop out.
            let tokens =
                if path.ends_with("/sessions/current") { vec![None] } else { vec![None, Some(admin.as_str())] };
            for token in tokens {
                let mut req = app.api.request(m.clone(), app.url(&fill(path)));
                if let Some(t) = token {
                    req = req.bearer_auth(t);
                }
                let r = req.send().await.unwrap();
                let status = r.status();
                assert_ne!(status, StatusCode::METHOD_NOT_ALLOWED, "{method} {path}");
                assert!(status.as_u16() < 500 || path == "/readyz", "{method} {path}: {status}");
                if status == StatusCode::NOT_FOUND {
                    let b: Value = body(r).await;
                    assert_ne!(b["error"]["message"], "no such endpoint", "{method} {path} is not served");
                }
                seen += 1;
            }
        }
    }
    assert!(seen >= 2 * 28, "only {seen} calls");
    // A method the document does not list on a served path: 405 with the methods it takes.
    let r = app.api.request(Method::PATCH, app.url("/api/v1/requests")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(r.headers()["allow"], "POST, GET");
    assert_eq!(body(r).await["error"]["code"], "method_not_allowed");
    let r = app
        .api
        .request(Method::DELETE, app.url("/api/v1/stats/agencies/0193a0b4-1c2d-7e3f-8a9b-0c1d2e3f4a5b"))
        .send()
        .await
        .unwrap();
    assert_eq!((r.status(), r.headers()["allow"].to_str().unwrap()), (StatusCode::METHOD_NOT_ALLOWED, "GET"));
    // An unknown path is still the API's 404.
    let r = app.api.request(Method::PATCH, app.url("/api/v1/nowhere")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}
both!(every_documented_operation_is_served);

/// `/api/docs`: the document as a page, in both languages, under the same
/// strict CSP as every page, with no script and nothing from elsewhere.
async fn the_docs_page_shows_every_operation_in_both_languages(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let r = app.browser.get(app.url("/api/docs")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    assert_eq!(r.headers()["content-security-policy"], tiepcan::web::CSP);
    let html = r.text().await.unwrap();
    assert!(html.contains("API cho tòa soạn"), "Vietnamese by default");
    assert!(html.contains("href=\"/api/v1/openapi.json\""));
    assert!(!html.contains("<script"), "no script");
    assert!(!html.contains("http://") && !html.contains("https://"), "nothing from another site");
    let doc = tiepcan::web::api::openapi::document_value();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (_, op) in item.as_object().unwrap() {
            let id = op["operationId"].as_str().unwrap();
            assert!(html.contains(&format!("id=\"{id}\"")), "{id} ({path}) is not on the page");
        }
    }
    assert!(html.contains("Yêu cầu cung cấp thông tin") && html.contains("invalid_transition"));
    assert!(html.contains("id=\"schema-RequestDetail\""));
    // English after the switch.
    let r = app.browser.get(app.url("/lang?to=en&next=/api/docs")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let html = app.browser.get(app.url("/api/docs")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("API for newsrooms") && html.contains("Requests for information"));
}
both!(the_docs_page_shows_every_operation_in_both_languages);
