//! The OpenAPI document as the real server serves it: every operation it
//! describes is answered by a handler (never the API's "no such endpoint"
//! nor 405), and the document is the one the code generates.

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
    // A method the document does not list on a served path stays the API's JSON 404.
    let r = app.api.request(Method::PATCH, app.url("/api/v1/requests")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert_eq!(body(r).await["error"]["code"], "not_found");
}
both!(every_documented_operation_is_served);
