//! The inbound mailbox over real IMAP: Dovecot started by the test, real
//! MIME delivered into it with APPEND, fetched by the application's job.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::both;
use crate::helpers::dovecot::Dovecot;
use crate::helpers::{Backend, TestApp, body, mime};
use crate::inbound::{inbound_options, reply_address};
use crate::requests::{World, world_with};

/// Waits (at most 30 s) until `f` holds for the request as `token` sees it.
async fn until(w: &World, token: &str, id: &str, f: impl Fn(&Value) -> bool) -> Value {
    for _ in 0..300 {
        let seen = body(w.get(token, id).await).await;
        if f(&seen) {
            return seen;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the request never reached the expected state: {}", body(w.get(token, id).await).await);
}

async fn until_count(d: &Dovecot, folder: &str, n: usize) {
    for _ in 0..300 {
        if d.count(folder).await == n {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{folder} never held {n} messages (holds {})", d.count(folder).await);
}

fn count_kind(seen: &Value, kind: &str) -> usize {
    seen["events"].as_array().unwrap().iter().filter(|e| e["kind"] == kind).count()
}

async fn inbound_imap_replies_are_fetched_recorded_once_and_moved(backend: Backend) {
    let Some(dovecot) = Dovecot::start().await else { return };
    let w = world_with(backend, inbound_options(dovecot.port)).await;
    let r = w.file(&w.syt_id, "information", "Số ca sốt xuất huyết").await;
    let (id, reference) = (r["id"].as_str().unwrap(), r["reference"].as_str().unwrap());
    let q = json!({"action": "request_clarification", "question": "Giai đoạn nào?"});
    assert_eq!(w.act(&w.syt1, id, q).await.status(), StatusCode::OK);
    let to = reply_address(&w.app, "pv@tuoitre.test", reference).await;
    let reply = mime::gmail_reply("pv@tuoitre.test", &to, "imap-1@mail.gmail.com", "Sáu tháng đầu năm 2026.");
    dovecot.deliver(&reply).await;

    let seen = until(&w, &w.reporter, id, |s| s["status"] == "awaiting_response").await;
    assert_eq!(count_kind(&seen, "clarify"), 1);
    until_count(&dovecot, "Processed", 1).await;
    assert_eq!(dovecot.count("INBOX").await, 0);

    // The same message delivered again: moved, never acted on twice.
    dovecot.deliver(&reply).await;
    until_count(&dovecot, "Processed", 2).await;
    let seen = body(w.get(&w.reporter, id).await).await;
    assert_eq!(count_kind(&seen, "clarify"), 1);

    // The spokesperson's answer with a PDF, an HTML-only message, an
    // auto-reply and a bounce, all through the mailbox.
    let to_sp = reply_address(&w.app, "syt1@tng.test", reference).await;
    let pdf = b"%PDF-1.7\n1 0 obj << >> endobj\ntrailer\n%%EOF\n";
    dovecot.deliver(&mime::auto_reply("syt1@tng.test", &to_sp, "imap-ooo@x")).await;
    dovecot.deliver(&mime::bounce(&to_sp, "imap-dsn@x", "syt2@tng.test")).await;
    dovecot
        .deliver(&mime::outlook_reply_with_pdf(
            "syt1@tng.test",
            &to_sp,
            "imap-2@x",
            "Số liệu đính kèm.",
            "Số liệu.pdf",
            pdf,
        ))
        .await;
    let seen =
        until(&w, &w.reporter, id, |s| s["status"] == "answered" && !s["attachments"].as_array().unwrap().is_empty())
            .await;
    assert_eq!(seen["outcome"], "granted");
    dovecot.deliver(&mime::html_only("pv@tuoitre.test", &to, "imap-3@x", "Cảm ơn Sở Y tế.")).await;
    until(&w, &w.syt1, id, |s| count_kind(s, "mail_message") == 1).await;
    until_count(&dovecot, "Processed", 6).await;
}
both!(inbound_imap_replies_are_fetched_recorded_once_and_moved);

async fn inbound_imap_outage_only_delays(backend: Backend) {
    let port = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap().local_addr().unwrap().port();
    let w = world_with(backend, inbound_options(port)).await;
    let r = w.file(&w.syt_id, "information", "Kinh phí").await;
    let (id, reference) = (r["id"].as_str().unwrap(), r["reference"].as_str().unwrap());
    // The mailbox is down: the job fails its passes, the service answers.
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(w.app.get("/healthz", None).await.status(), StatusCode::OK);
    let Some(dovecot) = Dovecot::start_on(port).await else { return };
    let to = reply_address(&w.app, "syt1@tng.test", reference).await;
    dovecot.deliver(&mime::gmail_reply("syt1@tng.test", &to, "late-1@x", "Trả lời sau khi máy chủ thư trở lại.")).await;
    until(&w, &w.reporter, id, |s| s["status"] == "answered").await;
    let metrics = w.app.get("/metrics", None).await.text().await.unwrap();
    assert!(metrics.contains("inbound_mail"), "the job shows in /metrics");
}
both!(inbound_imap_outage_only_delays);

async fn inbound_imap_two_instances_record_each_message_once(backend: Backend) {
    let Some(dovecot) = Dovecot::start().await else { return };
    let w = world_with(backend.clone(), inbound_options(dovecot.port)).await;
    let second = TestApp::spawn_with_db_and(backend, &w.app, inbound_options(dovecot.port)).await;
    let r = w.file(&w.syt_id, "information", "Số ca").await;
    let (id, reference) = (r["id"].as_str().unwrap(), r["reference"].as_str().unwrap());
    let to = reply_address(&w.app, "pv@tuoitre.test", reference).await;
    for i in 0..8 {
        dovecot
            .deliver(&mime::gmail_reply("pv@tuoitre.test", &to, &format!("two-{i}@x"), &format!("Tin nhắn số {i}.")))
            .await;
    }
    until_count(&dovecot, "INBOX", 0).await;
    let seen = until(&w, &w.reporter, id, |s| count_kind(s, "mail_message") >= 8).await;
    assert_eq!(count_kind(&seen, "mail_message"), 8, "each message once, whichever instance took it");
    assert_eq!(dovecot.count("Processed").await, 8, "each moved once");
    drop(second);
}
both!(inbound_imap_two_instances_record_each_message_once);

/// A certificate authority of the province's own and a server certificate for `localhost` it signed:
/// (the authority's PEM, the server's certificate PEM, its key PEM).
fn private_authority() -> (String, String, String) {
    use rcgen::{BasicConstraints, CertificateParams, IsCa, KeyPair};
    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let key = KeyPair::generate().unwrap();
    let cert = CertificateParams::new(vec!["localhost".to_string()]).unwrap().signed_by(&key, &ca, &ca_key).unwrap();
    (ca.pem(), cert.pem(), key.serialize_pem())
}

/// Over implicit TLS and over STARTTLS, verified against the province's own authority
/// (`TIEPCAN_IMAP_CA_FILE`): replies are fetched and acted on as over plain IMAP.
async fn inbound_imap_over_tls_and_starttls_with_a_private_authority(backend: Backend) {
    let (ca, cert, key) = private_authority();
    let Some(dovecot) = Dovecot::start_tls(&cert, &key).await else { return };
    let dir = tempfile::tempdir().unwrap();
    let ca_file = dir.path().join("ca.pem");
    std::fs::write(&ca_file, ca).unwrap();
    for (url, what) in [
        (format!("imaps://tiepcan:secret@localhost:{}/INBOX", dovecot.tls_port.unwrap()), "tls"),
        (format!("imap://tiepcan:secret@localhost:{}/INBOX", dovecot.port), "starttls"),
    ] {
        let mut opts = inbound_options(dovecot.port);
        opts.env.insert("TIEPCAN_IMAP_URL".into(), url);
        opts.env.insert("TIEPCAN_IMAP_CA_FILE".into(), ca_file.display().to_string());
        let w = world_with(backend.clone(), opts).await;
        let r = w.file(&w.syt_id, "information", "Qua kết nối mã hóa").await;
        let (id, reference) = (r["id"].as_str().unwrap(), r["reference"].as_str().unwrap());
        let q = json!({"action": "request_clarification", "question": "Giai đoạn nào?"});
        assert_eq!(w.act(&w.syt1, id, q).await.status(), StatusCode::OK);
        let to = reply_address(&w.app, "pv@tuoitre.test", reference).await;
        let reply = mime::gmail_reply("pv@tuoitre.test", &to, &format!("{what}-1@mail.gmail.com"), "Năm 2026.");
        dovecot.deliver(&reply).await;
        let seen = until(&w, &w.reporter, id, |s| s["status"] == "awaiting_response").await;
        assert_eq!(count_kind(&seen, "clarify"), 1, "{what}");
    }
}
both!(inbound_imap_over_tls_and_starttls_with_a_private_authority);
