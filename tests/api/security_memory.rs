//! Memory under hostile load: password hashing goes through one bound (a few
//! at once, a short queue, 503 past it), and uploads are checked before their
//! body is read and bounded as it streams.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::both;
use crate::helpers::{Backend, Options, PageSession, TestApp, body};
use crate::requests::{World, world, world_with};

const PW: &str = "một-mật-khẩu-dài-42";
const BOUNDARY: &str = "tiepcan-test-boundary";

fn options(env: &[(&str, &str)]) -> Options {
    let env: HashMap<String, String> = env.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    Options { env, ..Options::default() }
}

/// One hash at a time, one more waiting; logins not rate-limited per address.
fn tiny_hashing_queue() -> Options {
    options(&[
        ("TIEPCAN_HASH_CONCURRENCY", "1"),
        ("TIEPCAN_HASH_QUEUE", "1"),
        ("TIEPCAN_LOGIN_PER_IP_PER_MINUTE", "10000"),
    ])
}

/// A 503 in the API's error shape, with `Retry-After`.
async fn assert_busy(r: reqwest::Response, what: &str) {
    assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE, "{what}");
    let retry: u64 = r.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!(retry >= 1, "{what}");
    assert_eq!(body(r).await["error"]["code"], "busy", "{what}");
}

/// A page session whose cookies can be copied onto a hand-written request.
async fn page_login(app: &TestApp, email: &str, password: &str) -> (PageSession, String) {
    let jar = Arc::new(reqwest::cookie::Jar::default());
    let client = reqwest::Client::builder()
        .cookie_provider(jar.clone())
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let s = PageSession { client, base: app.base.clone() };
    let csrf = s.csrf("/login").await;
    let r = s.post_form("/login", &[("csrf", &csrf), ("email", email), ("password", password)]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "page login of {email}");
    let url: reqwest::Url = app.base.parse().unwrap();
    use reqwest::cookie::CookieStore;
    let cookie = jar.cookies(&url).unwrap().to_str().unwrap().to_string();
    (s, cookie)
}

/// Sends `head` (and `body_start`, if any) on a fresh connection and waits up
/// to `wait` for the whole response: `None` if none came, i.e. the server is
/// still reading the body.
async fn raw(app: &TestApp, head: &str, body_start: &[u8], wait: Duration) -> Option<(u16, String)> {
    let mut s = tokio::net::TcpStream::connect(app.base.trim_start_matches("http://")).await.unwrap();
    s.write_all(head.as_bytes()).await.unwrap();
    // The server may answer and stop reading before all of this is sent.
    let _ = s.write_all(body_start).await;
    let mut got = Vec::new();
    let read = async {
        let mut buf = [0u8; 16 * 1024];
        loop {
            if let Some(end) = got.windows(4).position(|w| w == b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&got[..end]).to_ascii_lowercase();
                let len = head
                    .lines()
                    .find_map(|l| l.strip_prefix("content-length:"))
                    .and_then(|v| v.trim().parse::<usize>().ok())
                    .unwrap_or(0);
                if got.len() >= end + 4 + len {
                    break;
                }
            }
            match s.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => got.extend_from_slice(&buf[..n]),
            }
        }
    };
    tokio::time::timeout(wait, read).await.ok()?;
    let text = String::from_utf8_lossy(&got).into_owned();
    let status = text.split(' ').nth(1).and_then(|s| s.parse().ok())?;
    Some((status, text))
}

fn upload_head(path: &str, auth: &str, length: Option<usize>) -> String {
    let length = match length {
        Some(n) => format!("Content-Length: {n}\r\n"),
        None => "Transfer-Encoding: chunked\r\n".into(),
    };
    format!(
        "POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{auth}\r\n\
         Content-Type: multipart/form-data; boundary={BOUNDARY}\r\n{length}\r\n"
    )
}

/// A file part's opening, as a browser sends it.
fn file_part_start(filename: &str) -> String {
    format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\n\
         Content-Type: application/pdf\r\n\r\n"
    )
}

fn chunk(data: &[u8]) -> Vec<u8> {
    let mut c = format!("{:x}\r\n", data.len()).into_bytes();
    c.extend_from_slice(data);
    c.extend_from_slice(b"\r\n");
    c
}

async fn attachments_of(w: &World, id: &str) -> Vec<Value> {
    body(w.get(&w.reporter, id).await).await["attachments"].as_array().cloned().unwrap_or_default()
}

/// Nothing half-received is left behind in the store.
fn incoming_is_empty(w: &World) {
    let dir = w.app.state.config.data_dir.join("attachments").join(".incoming");
    let left: Vec<_> = std::fs::read_dir(&dir).map(|d| d.flatten().map(|e| e.path()).collect()).unwrap_or_default();
    assert!(left.is_empty(), "left in {}: {left:?}", dir.display());
}

async fn upload_to_a_request_out_of_scope_is_404_before_the_body(backend: Backend) {
    let w = world(backend).await;
    let id = w.file(&w.syt_id, "information", "Số liệu").await["id"].as_str().unwrap().to_string();
    let path = format!("/api/v1/requests/{id}/attachments");
    let start = file_part_start("a.pdf");
    // Another agency's spokesperson announces 10 MB and sends only the start:
    // the answer comes at once, without waiting for the rest.
    let head = upload_head(&path, &format!("Authorization: Bearer {}", w.sgd), Some(10_000_000));
    let (status, text) =
        raw(&w.app, &head, start.as_bytes(), Duration::from_secs(10)).await.expect("answered before the body");
    assert_eq!(status, 404, "{text}");
    assert!(text.contains("\"not_found\""), "{text}");
    // The agency's own spokesperson is waited for: the server reads the body.
    let head = upload_head(&path, &format!("Authorization: Bearer {}", w.syt1), Some(10_000_000));
    assert_eq!(raw(&w.app, &head, start.as_bytes(), Duration::from_secs(1)).await, None);

    // The page upload: the other agency's spokesperson gets the not-found page
    // before the body; the agency's spokesperson is waited for.
    let page = format!("/requests/{id}/attachments");
    let (_, outsider) = page_login(&w.app, "sgd@tng.test", PW).await;
    let head = upload_head(&page, &format!("Cookie: {outsider}"), Some(10_000_000));
    let (status, text) =
        raw(&w.app, &head, start.as_bytes(), Duration::from_secs(10)).await.expect("answered before the body");
    assert_eq!(status, 404, "{text}");
    assert!(text.contains("text/html"), "{text}");
    let (_, insider) = page_login(&w.app, "syt1@tng.test", PW).await;
    let head = upload_head(&page, &format!("Cookie: {insider}"), Some(10_000_000));
    assert_eq!(raw(&w.app, &head, start.as_bytes(), Duration::from_secs(1)).await, None);

    assert!(attachments_of(&w, &id).await.is_empty());
}
both!(upload_to_a_request_out_of_scope_is_404_before_the_body);

async fn upload_over_the_overall_cap_is_413(backend: Backend) {
    // Files of at most 100 kB: a body may be 100 kB plus 64 KiB for the fields.
    let w = world_with(backend, options(&[("TIEPCAN_MAX_UPLOAD_BYTES", "100000")])).await;
    let id = w.file(&w.syt_id, "information", "Số liệu").await["id"].as_str().unwrap().to_string();
    let path = format!("/api/v1/requests/{id}/attachments");
    let auth = format!("Authorization: Bearer {}", w.syt1);

    // A Content-Length above the cap is refused before the body.
    let head = upload_head(&path, &auth, Some(100_000 + 64 * 1024 + 1));
    let (status, text) = raw(&w.app, &head, b"", Duration::from_secs(10)).await.expect("answered before the body");
    assert_eq!(status, 413, "{text}");
    assert!(text.contains("\"too_large\""), "{text}");

    // Without a length (chunked), the count is kept as the body streams: here
    // a part header that never ends.
    let head = upload_head(&path, &auth, None);
    let mut streamed =
        chunk(format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"x\"\r\nX-Pad: ").as_bytes());
    for _ in 0..40 {
        streamed.extend(chunk(&[b'a'; 8 * 1024]));
    }
    let (status, text) = raw(&w.app, &head, &streamed, Duration::from_secs(10)).await.expect("an answer");
    assert_eq!(status, 413, "{text}");
    assert!(text.contains("\"too_large\""), "{text}");

    // A file of the largest size with the form fields next to it fits; one
    // byte more does not.
    let send = |bytes: Vec<u8>| {
        let form = Form::new().text("note", "x".repeat(900)).part("file", Part::bytes(bytes).file_name("so-lieu.txt"));
        w.app.api.post(w.app.url(&path)).bearer_auth(&w.syt1).multipart(form).send()
    };
    let r = send(vec![b'a'; 100_000]).await.unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    assert_eq!(body(r).await["size"], 100_000);
    let r = send(vec![b'a'; 100_001]).await.unwrap();
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(body(r).await["error"]["code"], "too_large");

    // The page upload: the same cap, answered with the request's page.
    let (_, cookie) = page_login(&w.app, "syt1@tng.test", PW).await;
    let head = upload_head(&format!("/requests/{id}/attachments"), &format!("Cookie: {cookie}"), Some(1_000_000));
    let (status, text) = raw(&w.app, &head, b"", Duration::from_secs(10)).await.expect("answered before the body");
    assert_eq!(status, 413, "{text}");
    assert!(text.contains("text/html"), "{text}");

    assert_eq!(attachments_of(&w, &id).await.len(), 1);
    incoming_is_empty(&w);
}
both!(upload_over_the_overall_cap_is_413);

async fn upload_with_too_many_fields_is_refused(backend: Backend) {
    let w = world(backend).await;
    let id = w.file(&w.syt_id, "information", "Số liệu").await["id"].as_str().unwrap().to_string();
    let pdf = b"%PDF-1.7\n1 0 obj << >> endobj\ntrailer\n%%EOF\n".to_vec();
    let with_fields =
        |n: usize, size: usize| (0..n).fold(Form::new(), |f, i| f.text(format!("f{i}"), "v".repeat(size)));
    let path = format!("/api/v1/requests/{id}/attachments");
    let send = |form: Form| w.app.api.post(w.app.url(&path)).bearer_auth(&w.syt1).multipart(form).send();

    // Many small fields: refused once past the sixteenth part.
    let form = with_fields(40, 10).part("file", Part::bytes(pdf.clone()).file_name("a.pdf"));
    let r = send(form).await.unwrap();
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let e = body(r).await;
    assert_eq!(e["error"]["code"], "too_large");
    assert!(e["error"]["message"].as_str().unwrap().contains("16 parts"), "{e}");
    // A large text field: refused as well.
    let form = with_fields(1, 60 * 1024).part("file", Part::bytes(pdf.clone()).file_name("a.pdf"));
    let r = send(form).await.unwrap();
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(body(r).await["error"]["code"], "too_large");
    // A part header that never ends (here 1 MiB, under the body's cap of
    // 20 MiB): refused, it is not kept in memory as it grows.
    let head = upload_head(&path, &format!("Authorization: Bearer {}", w.syt1), None);
    let mut streamed =
        chunk(format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"x\"\r\nX-Pad: ").as_bytes());
    for _ in 0..128 {
        streamed.extend(chunk(&[b'a'; 8 * 1024]));
    }
    let (status, text) = raw(&w.app, &head, &streamed, Duration::from_secs(10)).await.expect("an answer");
    assert_eq!(status, 413, "{text}");
    // A few small fields are fine.
    let form = with_fields(3, 100).part("file", Part::bytes(pdf.clone()).file_name("a.pdf"));
    assert_eq!(send(form).await.unwrap().status(), StatusCode::CREATED);

    // The page upload: refused on the request's page, nothing attached.
    let (s, _) = page_login(&w.app, "syt1@tng.test", PW).await;
    let page = format!("/requests/{id}");
    let csrf = s.csrf(&page).await;
    let form = with_fields(40, 10).text("csrf", csrf).part("file", Part::bytes(pdf.clone()).file_name("b.pdf"));
    let r = s.client.post(s.url(&format!("{page}/attachments"))).multipart(form).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert!(r.text().await.unwrap().contains("16"));

    assert_eq!(attachments_of(&w, &id).await.len(), 1);
    incoming_is_empty(&w);
}
both!(upload_with_too_many_fields_is_refused);

/// With the hashing slot and the queue taken, every path that hashes or
/// checks a password answers 503 busy with `Retry-After` at once — the API's
/// login (known and unknown accounts), registration and accepted invitation,
/// the login page and the CLI's account creation — and works again once the
/// gate is free.
async fn every_password_hash_goes_through_the_bound(backend: Backend) {
    let app = TestApp::spawn_with(backend, tiny_hashing_queue()).await;
    let admin = app.admin().await;
    app.seed_directory(&admin).await;
    let pw = app.create_user("pv@tuoitre.test", "reporter", vec![], None).await;
    let r = app
        .post(
            "/api/v1/users",
            &json!({"email": "canbo@tng.test", "full_name": "Hoàng Thị Lan", "role": "staff", "jurisdiction": "TNG"}),
            Some(&admin),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let link = app.smtp.wait_for("canbo@tng.test", 1).await[0].link_path("http://tiepcan.test/accept-invite?token=");
    let token = link.split("token=").nth(1).unwrap().to_string();
    let page = PageSession { client: app.browser.clone(), base: app.base.clone() };
    let csrf = page.csrf("/login").await;

    let hasher = app.state.hasher.clone();
    let held = (hasher.admit().unwrap(), hasher.admit().unwrap());
    let login = json!({"email": "pv@tuoitre.test", "password": pw});
    assert_busy(app.post("/api/v1/sessions", &login, None).await, "login").await;
    let unknown = json!({"email": "nobody@tuoitre.test", "password": pw});
    assert_busy(app.post("/api/v1/sessions", &unknown, None).await, "login of an unknown account").await;
    assert_busy(app.register("moi@tuoitre.test", PW).await, "registration").await;
    let accept = json!({"token": token, "password": PW});
    assert_busy(app.post("/api/v1/accept-invite", &accept, None).await, "accepting an invitation").await;
    let r = page.post_form("/login", &[("csrf", &csrf), ("email", "pv@tuoitre.test"), ("password", &pw)]).await;
    assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(r.headers().contains_key("retry-after"));
    assert!(r.text().await.unwrap().contains("Máy chủ đang bận"));
    let (pool, now, h) = (app.pool.clone(), app.state.clock.now(), hasher.clone());
    let created = tokio::task::spawn_blocking(move || {
        let input = tiepcan::service::accounts::NewUser {
            email: "cli@tng.test".into(),
            full_name: "Từ dòng lệnh".into(),
            role: "admin".into(),
            ..Default::default()
        };
        tiepcan::service::accounts::create_with_password(&mut pool.get().unwrap(), &h, now, &input, PW).map(|_| ())
    })
    .await
    .unwrap();
    assert!(matches!(created, Err(tiepcan::service::AppError::Busy { .. })));

    // Nothing was spent: the same steps succeed once the gate is free.
    drop(held);
    app.login("pv@tuoitre.test", &pw).await;
    assert_eq!(app.post("/api/v1/accept-invite", &accept, None).await.status(), StatusCode::OK);
    assert_eq!(app.register("moi@tuoitre.test", PW).await.status(), StatusCode::CREATED);
    let r = page.post_form("/login", &[("csrf", &csrf), ("email", "pv@tuoitre.test"), ("password", &pw)]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(hasher.load(), (0, 0));
}
both!(every_password_hash_goes_through_the_bound);

/// Many logins at once with one hashing slot and one place in the queue: each
/// one succeeds (201; 401 for an unknown account) or is told to come back
/// (503 busy with `Retry-After`), none hangs or fails otherwise, and the
/// hashing memory is given back afterwards.
async fn concurrent_logins_succeed_or_get_503_when_the_queue_is_tiny(backend: Backend) {
    let app = TestApp::spawn_with(backend, tiny_hashing_queue()).await;
    let pw = app.create_user("pv@tuoitre.test", "reporter", vec![], None).await;
    let attempts = (0..32).map(|i| {
        let known = i % 4 != 3;
        let email = if known { "pv@tuoitre.test" } else { "nobody@tuoitre.test" };
        let r = app.api.post(app.url("/api/v1/sessions")).json(&json!({"email": email, "password": pw})).send();
        async move {
            let r = tokio::time::timeout(Duration::from_secs(60), r).await.expect("no login hangs").unwrap();
            (known, r)
        }
    });
    let (mut ok, mut busy) = (0, 0);
    for (known, r) in futures_util::future::join_all(attempts).await {
        match r.status() {
            StatusCode::CREATED if known => ok += 1,
            StatusCode::UNAUTHORIZED if !known => {}
            StatusCode::SERVICE_UNAVAILABLE => {
                busy += 1;
                assert_busy(r, "a login past the queue").await;
            }
            other => panic!("known {known}: {other} {}", r.text().await.unwrap()),
        }
    }
    assert!(ok >= 1 && busy >= 1, "{ok} logged in, {busy} told to come back");
    assert_eq!(app.state.hasher.load(), (0, 0));
    assert_eq!(app.state.hasher.mapped_bytes(), 0, "the hashing memory is given back");
    app.login("pv@tuoitre.test", &pw).await;
}
both!(concurrent_logins_succeed_or_get_503_when_the_queue_is_tiny);
