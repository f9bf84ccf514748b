//! Several instances, one truth: attachments in a shared S3-compatible store
//! (a real moto server started here), the orphan-file cleanup, moving local
//! files into a bucket, and rate limits shared through the database.

use std::collections::HashMap;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::both;
use crate::helpers::s3::S3Server;
use crate::helpers::{Backend, Options, TestApp, body};
use crate::requests::{World, world_with};

fn options(env: Vec<(String, String)>) -> Options {
    Options { env: env.into_iter().collect::<HashMap<_, _>>(), ..Options::default() }
}

async fn upload(app: &TestApp, token: &str, id: &str, name: &str, bytes: Vec<u8>) -> reqwest::Response {
    let part = reqwest::multipart::Part::bytes(bytes).file_name(name.to_string());
    let form = reqwest::multipart::Form::new().part("file", part);
    app.api
        .post(app.url(&format!("/api/v1/requests/{id}/attachments")))
        .bearer_auth(token)
        .multipart(form)
        .send()
        .await
        .unwrap()
}

/// A PDF of `len` bytes whose content varies along it.
fn pdf(len: usize) -> Vec<u8> {
    let mut bytes = b"%PDF-1.7\n".to_vec();
    bytes.extend((0..len.saturating_sub(bytes.len())).map(|i| (i * 7 % 251) as u8));
    bytes
}

async fn attachments_of(w: &World, id: &str) -> Vec<Value> {
    body(w.get(&w.reporter, id).await).await["attachments"].as_array().cloned().unwrap_or_default()
}

/// Files under a directory, however deep.
fn files_under(dir: &std::path::Path) -> usize {
    std::fs::read_dir(dir).map_or(0, |entries| {
        entries.flatten().map(|e| if e.path().is_dir() { files_under(&e.path()) } else { 1 }).sum()
    })
}

async fn a_file_uploaded_through_one_instance_downloads_through_the_other(backend: Backend) {
    let Some(s3) = S3Server::start().await else { return };
    let w = world_with(backend, options(s3.env("files"))).await;
    let other = TestApp::spawn_beside(&w.app, options(s3.env("files"))).await;
    let id = w.file(&w.syt_id, "information", "Báo cáo").await["id"].as_str().unwrap().to_string();
    // Larger than one part of a multipart upload (5 MiB), so it goes in several.
    let data = pdf(11 * 1024 * 1024 + 17);
    let r = upload(&w.app, &w.syt1, &id, "số liệu.pdf", data.clone()).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let url = body(r).await["url"].as_str().unwrap().to_string();
    let r = other.get(&url, Some(&w.reporter)).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.bytes().await.unwrap() == data, "byte for byte through the other instance");
    // Neither instance keeps the file on its own disk.
    for app in [&w.app, &other] {
        assert_eq!(files_under(&app.state.config.data_dir.join("attachments")), 0);
    }
}
both!(a_file_uploaded_through_one_instance_downloads_through_the_other);

/// Uploads `data` over a raw connection, calling `meanwhile` once half of the
/// body is sent: the status and the JSON answer.
async fn upload_while(app: &TestApp, token: &str, id: &str, data: &[u8], meanwhile: impl FnOnce()) -> (u16, Value) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    const B: &str = "tiepcan-s3-boundary";
    let mut body = format!(
        "--{B}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"second.pdf\"\r\n\
         Content-Type: application/pdf\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(data);
    body.extend_from_slice(format!("\r\n--{B}--\r\n").as_bytes());
    let head = format!(
        "POST /api/v1/requests/{id}/attachments HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: multipart/form-data; boundary={B}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let mut s = tokio::net::TcpStream::connect(app.base.trim_start_matches("http://")).await.unwrap();
    s.write_all(head.as_bytes()).await.unwrap();
    let half = body.len() / 2;
    s.write_all(&body[..half]).await.unwrap();
    s.flush().await.unwrap();
    meanwhile();
    s.write_all(&body[half..]).await.unwrap();
    let mut answer = Vec::new();
    s.read_to_end(&mut answer).await.unwrap();
    let text = String::from_utf8_lossy(&answer).into_owned();
    let status = text.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let json = text.split_once("\r\n\r\n").and_then(|(_, b)| serde_json::from_str(b).ok()).unwrap_or(Value::Null);
    (status, json)
}

async fn a_store_that_is_down_gives_503_and_records_nothing(backend: Backend) {
    let Some(mut s3) = S3Server::start().await else { return };
    let w = world_with(backend, options(s3.env(""))).await;
    let id = w.file(&w.syt_id, "information", "Báo cáo").await["id"].as_str().unwrap().to_string();
    let r = upload(&w.app, &w.syt1, &id, "first.pdf", pdf(1000)).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let url = body(r).await["url"].as_str().unwrap().to_string();
    // The store goes down while the upload is under way.
    let (status, e) = upload_while(&w.app, &w.syt1, &id, &pdf(3 * 1024 * 1024), || s3.stop()).await;
    assert_eq!(status, 503, "{e}");
    assert_eq!(e["error"]["code"], "storage_unavailable", "{e}");
    let r = upload(&w.app, &w.syt1, &id, "third.pdf", pdf(2000)).await;
    assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE, "and while it is down");
    assert!(r.headers()["retry-after"].to_str().unwrap().parse::<u64>().unwrap() >= 1);
    let r = w.app.get(&url, Some(&w.reporter)).await;
    assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE, "a download too");
    assert_eq!(body(r).await["error"]["code"], "storage_unavailable");
    // No row, no event names the file that was not stored; the spool is empty.
    let names: Vec<Value> = attachments_of(&w, &id).await.iter().map(|a| a["filename"].clone()).collect();
    assert_eq!(names, vec![json!("first.pdf")]);
    let detail = body(w.get(&w.reporter, &id).await).await;
    let added = detail["events"].as_array().unwrap().iter().filter(|e| e["kind"] == "attachment_added").count();
    assert_eq!(added, 1, "{detail}");
    assert_eq!(files_under(&w.app.state.config.data_dir.join("attachments")), 0);
}
both!(a_store_that_is_down_gives_503_and_records_nothing);

async fn files_no_attachment_names_are_removed_after_the_grace_period(backend: Backend) {
    let w = world_with(backend, Options::default()).await;
    let id = w.file(&w.syt_id, "information", "Báo cáo").await["id"].as_str().unwrap().to_string();
    let kept = pdf(3000);
    let r = upload(&w.app, &w.syt1, &id, "kept.pdf", kept.clone()).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let url = body(r).await["url"].as_str().unwrap().to_string();
    // A file stored by an upload whose transaction never committed.
    let (storage, pool) = (&w.app.state.storage, &w.app.pool);
    let orphan = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
    let local = w.app.state.config.data_dir.join("orphan");
    std::fs::write(&local, b"test").unwrap();
    storage.put_file(&local, orphan).await.unwrap();
    use tiepcan::service::orphan_files::remove_orphans;
    let young = remove_orphans(storage, pool, chrono::Utc::now() - chrono::Duration::hours(1)).await.unwrap();
    assert_eq!((young.checked, young.removed), (0, 0), "within the grace period nothing is touched");
    let cutoff = chrono::Utc::now() + chrono::Duration::minutes(1);
    let old = remove_orphans(storage, pool, cutoff).await.unwrap();
    assert_eq!((old.checked, old.removed), (2, 1));
    assert!(storage.head(orphan).await.unwrap().is_none());
    let r = w.app.get(&url, Some(&w.reporter)).await;
    assert!(r.bytes().await.unwrap() == kept, "the named file stays");
    // The job is supervised like the others.
    let metrics = w.app.get("/metrics", None).await.text().await.unwrap();
    assert!(metrics.contains("tiepcan_job_late{job=\"orphan_files\"} 0"), "{metrics}");
}
both!(files_no_attachment_names_are_removed_after_the_grace_period);

async fn storage_migrate_copies_local_files_into_the_bucket(backend: Backend) {
    let Some(s3) = S3Server::start().await else { return };
    let w = world_with(backend, Options::default()).await;
    let id = w.file(&w.syt_id, "information", "Báo cáo").await["id"].as_str().unwrap().to_string();
    let data = pdf(6 * 1024 * 1024);
    let r = upload(&w.app, &w.syt1, &id, "cũ.pdf", data.clone()).await;
    let url = body(r).await["url"].as_str().unwrap().to_string();
    // The binary, on the first instance's database and data directory.
    let run = || {
        let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_tiepcan"));
        c.env_clear()
            .env("RUST_LOG", "warn")
            .env("DATABASE_URL", &w.app.db_url)
            .env("TIEPCAN_DATA_DIR", &w.app.state.config.data_dir)
            .current_dir(w.app.state.config.data_dir.parent().unwrap());
        for (k, v) in s3.env("moved") {
            c.env(k, v);
        }
        c.env_remove("TIEPCAN_STORAGE_URL").args(["storage", "migrate", "--to", &format!("s3://{}/moved", s3.bucket)]);
        let out = c.output().unwrap();
        let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        assert!(out.status.success(), "{stdout}{stderr}");
        stdout.into_owned()
    };
    let first = run();
    assert!(first.contains("1 file(s) copied") && first.contains("0 already in"), "{first}");
    let again = run();
    assert!(again.contains("0 file(s) copied") && again.contains("1 already in"), "{again}");
    // An instance on the bucket serves the moved file.
    let other = TestApp::spawn_beside(&w.app, options(s3.env("moved"))).await;
    let r = other.get(&url, Some(&w.reporter)).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.bytes().await.unwrap() == data);
}
both!(storage_migrate_copies_local_files_into_the_bucket);

async fn login(app: &TestApp, forwarded_for: Option<&str>) -> StatusCode {
    let mut r = app.api.post(app.url("/api/v1/sessions")).json(&json!({"email": "x@y.test", "password": "wrong"}));
    if let Some(ip) = forwarded_for {
        r = r.header("X-Forwarded-For", ip);
    }
    r.send().await.unwrap().status()
}

async fn login_limits_hold_across_instances_when_shared(backend: Backend) {
    let env = |shared: bool, trusted: &str| {
        let mut env = vec![
            ("TIEPCAN_LOGIN_PER_IP_PER_MINUTE".to_string(), "3".to_string()),
            ("TIEPCAN_FAILED_LOGINS_BEFORE_LOCKOUT".into(), "1000".into()),
            ("TIEPCAN_TRUSTED_PROXIES".into(), trusted.into()),
        ];
        if shared {
            env.push(("TIEPCAN_SHARED_LIMITS".into(), "database".into()));
        }
        options(env)
    };
    let a = TestApp::spawn_with(backend, env(true, "127.0.0.1")).await;
    let b = TestApp::spawn_beside(&a, env(true, "127.0.0.1")).await;
    // One client behind the proxy, its attempts spread over both instances.
    let client = Some("203.0.113.7");
    assert_eq!(login(&a, client).await, StatusCode::UNAUTHORIZED);
    assert_eq!(login(&b, client).await, StatusCode::UNAUTHORIZED);
    assert_eq!(login(&a, client).await, StatusCode::UNAUTHORIZED);
    assert_eq!(login(&b, client).await, StatusCode::TOO_MANY_REQUESTS, "the fourth, wherever it lands");
    assert_eq!(login(&a, Some("203.0.113.8")).await, StatusCode::UNAUTHORIZED, "another client is not held");
    // An instance that trusts no proxy ignores the header: the client cannot
    // pick the address it is counted under.
    let c = TestApp::spawn_beside(&a, env(true, "")).await;
    for _ in 0..3 {
        assert_eq!(login(&c, Some("198.51.100.1")).await, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(login(&c, Some("198.51.100.2")).await, StatusCode::TOO_MANY_REQUESTS, "counted as its peer");
    // Each instance alone (the default): the same four attempts pass.
    let d = TestApp::spawn_beside(&a, env(false, "127.0.0.1")).await;
    let e = TestApp::spawn_beside(&a, env(false, "127.0.0.1")).await;
    let other = Some("203.0.113.9");
    for app in [&d, &e, &d, &e] {
        assert_eq!(login(app, other).await, StatusCode::UNAUTHORIZED);
    }
}
both!(login_limits_hold_across_instances_when_shared);
