//! Replies by mail: reply addresses on notifications, and what each kind of
//! received message becomes (fed as real MIME through the use case the IMAP
//! job calls).

use reqwest::StatusCode;
use serde_json::json;

use tiepcan::service::inbound::receive::{Receipt, receive};

use crate::both;
use crate::helpers::{Backend, Options, body, mime};
use crate::requests::world_with;

/// Options that switch inbound mail on, with the mailbox at `imap_port`.
pub fn inbound_options(imap_port: u16) -> Options {
    let mut opts = Options::default();
    opts.env.insert("TIEPCAN_IMAP_URL".into(), format!("imap://tiepcan:secret@127.0.0.1:{imap_port}/INBOX?tls=none"));
    opts.env.insert("TIEPCAN_INBOUND_ADDRESS".into(), "reply@tiepcan.test".into());
    opts.env.insert("TIEPCAN_IMAP_POLL_MS".into(), "200".into());
    opts
}

/// The token of a reply address of ours.
pub fn token_of(reply_to: &str) -> &str {
    let token = reply_to.strip_prefix("reply+").and_then(|r| r.strip_suffix("@tiepcan.test")).unwrap();
    assert_eq!(token.len(), 32, "{reply_to}");
    assert!(token.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()), "{reply_to}");
    token
}

async fn inbound_notifications_carry_a_reply_address_per_request_and_recipient(backend: Backend) {
    let w = world_with(backend, inbound_options(1)).await;
    let first = w.file(&w.syt_id, "information", "Số ca sốt xuất huyết").await;
    let second = w.file(&w.syt_id, "information", "Kinh phí phòng dịch").await;
    let id = first["id"].as_str().unwrap();
    let r = w.act(&w.syt1, id, json!({"action": "acknowledge"})).await;
    assert_eq!(r.status(), StatusCode::OK);

    let to_reporter = w.app.outbox_to("pv@tuoitre.test").await;
    let about = |rows: &[tiepcan::db::models::OutboxRow], reference: &str| -> Vec<String> {
        rows.iter()
            .filter(|m| m.subject.contains(reference))
            .map(|m| m.reply_to.clone().expect("a reply address"))
            .collect()
    };
    let (ref1, ref2) = (first["reference"].as_str().unwrap(), second["reference"].as_str().unwrap());
    let reporter_first = about(&to_reporter, ref1);
    assert_eq!(reporter_first.len(), 2, "receipt and acknowledgement");
    assert_eq!(reporter_first[0], reporter_first[1], "one address per request and recipient");
    let reporter_second = about(&to_reporter, ref2);
    assert_ne!(token_of(&reporter_first[0]), token_of(&reporter_second[0]), "another request, another address");
    let spokesperson_first = about(&w.app.outbox_to("syt1@tng.test").await, ref1);
    assert_ne!(spokesperson_first[0], reporter_first[0], "another recipient, another address");

    // The mail as sent carries it as Reply-To; the sender stays the service.
    let sent = w.app.smtp.wait_for("syt1@tng.test", 2).await;
    let mail = sent.iter().find(|m| m.subject().contains(ref1)).unwrap();
    let parsed = mail.parsed();
    let reply_to = parsed.reply_to().and_then(|a| a.first()).and_then(|a| a.address()).unwrap().to_string();
    assert_eq!(reply_to, spokesperson_first[0]);
    assert!(parsed.from().unwrap().first().unwrap().address().unwrap().starts_with("no-reply@"));
    assert!(mail.text().contains("Bạn có thể trả lời thư này"), "the footer invites a reply");
}
both!(inbound_notifications_carry_a_reply_address_per_request_and_recipient);

async fn inbound_off_means_no_reply_address(backend: Backend) {
    let w = world_with(backend, Options::default()).await;
    w.file(&w.syt_id, "information", "Số ca sốt xuất huyết").await;
    for row in w.app.outbox_to("pv@tuoitre.test").await {
        assert_eq!(row.reply_to, None);
    }
}
both!(inbound_off_means_no_reply_address);

/// Feeds a raw message to the pipeline the IMAP job uses.
pub async fn feed(app: &crate::helpers::TestApp, raw: Vec<u8>) -> Receipt {
    app.state.db(move |conn, env| receive(conn, env, &raw, None)).await.expect("receive never fails on bad mail")
}

/// The reply address of the latest mail to `email` about the request `reference`.
pub async fn reply_address(app: &crate::helpers::TestApp, email: &str, reference: &str) -> String {
    let rows = app.outbox_to(email).await;
    rows.iter().rev().find(|m| m.subject.contains(reference)).and_then(|m| m.reply_to.clone()).expect("a reply address")
}

fn status_of(r: &Receipt) -> (&str, Option<&str>) {
    match r {
        Receipt::Recorded { status, reason, .. } => (status.as_str(), reason.as_deref()),
        Receipt::Duplicate => ("duplicate", None),
    }
}

async fn inbound_clarification_by_gmail_reply_once(backend: Backend) {
    let w = world_with(backend, inbound_options(1)).await;
    let r = w.file(&w.syt_id, "information", "Số ca sốt xuất huyết").await;
    let (id, reference) = (r["id"].as_str().unwrap(), r["reference"].as_str().unwrap());
    let q = json!({"action": "request_clarification", "question": "Xin nói rõ giai đoạn nào?"});
    assert_eq!(w.act(&w.syt1, id, q).await.status(), StatusCode::OK);
    let to = reply_address(&w.app, "pv@tuoitre.test", reference).await;

    let raw = mime::gmail_reply(
        "Nguyễn Thị Mai <pv@tuoitre.test>",
        &to,
        "gm-1@mail.gmail.com",
        "Giai đoạn từ tháng 1 đến tháng 6 năm 2026, theo từng huyện.",
    );
    let got = feed(&w.app, raw.clone()).await;
    assert_eq!(status_of(&got), ("acted", None));
    let seen = body(w.get(&w.reporter, id).await).await;
    assert_eq!(seen["status"], "awaiting_response");
    let clarify = seen["events"].as_array().unwrap().iter().find(|e| e["kind"] == "clarify").expect("a clarification");
    assert_eq!(
        clarify["body"], "Giai đoạn từ tháng 1 đến tháng 6 năm 2026, theo từng huyện.",
        "quoted history left out"
    );

    // The same message again (fetched twice): recorded once, acted on once.
    assert_eq!(feed(&w.app, raw).await, Receipt::Duplicate);
    let seen = body(w.get(&w.reporter, id).await).await;
    assert_eq!(seen["events"].as_array().unwrap().iter().filter(|e| e["kind"] == "clarify").count(), 1);
}
both!(inbound_clarification_by_gmail_reply_once);

async fn inbound_answer_by_outlook_reply_with_attachment(backend: Backend) {
    let w = world_with(backend, inbound_options(1)).await;
    let r = w.file(&w.syt_id, "information", "Kinh phí phòng dịch").await;
    let (id, reference) = (r["id"].as_str().unwrap(), r["reference"].as_str().unwrap());
    let to = reply_address(&w.app, "syt1@tng.test", reference).await;
    let pdf = b"%PDF-1.7\n1 0 obj << >> endobj\ntrailer\n%%EOF\n";
    let raw = mime::outlook_reply_with_pdf(
        "syt1@tng.test",
        &to,
        "ol-1@tng.test",
        "Sở Y tế xin gửi số liệu kinh phí.",
        "Kinh phí 2026.pdf",
        pdf,
    );
    let got = feed(&w.app, raw).await;
    assert_eq!(status_of(&got), ("acted", None));
    let seen = body(w.get(&w.reporter, id).await).await;
    assert_eq!(seen["status"], "answered");
    assert_eq!(seen["outcome"], "granted");
    let reply = seen["events"].as_array().unwrap().iter().find(|e| e["kind"] == "reply").unwrap();
    assert_eq!(reply["body"], "Sở Y tế xin gửi số liệu kinh phí.\n\nTrân trọng,");
    assert_eq!(seen["attachments"][0]["filename"], "Kinh phí 2026.pdf");
    assert_eq!(seen["attachments"][0]["content_type"], "application/pdf");
}
both!(inbound_answer_by_outlook_reply_with_attachment);

async fn inbound_other_replies_are_timeline_messages(backend: Backend) {
    let w = world_with(backend, inbound_options(1)).await;
    let r = w.file(&w.syt_id, "information", "Số ca").await;
    let (id, reference) = (r["id"].as_str().unwrap(), r["reference"].as_str().unwrap());
    let to = reply_address(&w.app, "pv@tuoitre.test", reference).await;
    let got = feed(&w.app, mime::html_only("pv@tuoitre.test", &to, "h-1@x.test", "Tôi cần gấp trước thứ Hai.")).await;
    assert_eq!(status_of(&got), ("message", None));
    for token in [&w.reporter, &w.syt1] {
        let seen = body(w.get(token, id).await).await;
        assert_eq!(seen["status"], "awaiting_response");
        let m = seen["events"].as_array().unwrap().iter().find(|e| e["kind"] == "mail_message").expect("seen by both");
        assert_eq!(m["body"], "Tôi cần gấp trước thứ Hai.");
    }
    // The other side is told, with a reply address of its own.
    let told = w.app.smtp.wait_for("syt1@tng.test", 2).await;
    let mail = told.iter().find(|m| m.subject() == format!("[{reference}] Tin nhắn về yêu cầu")).expect("a mail");
    assert!(mail.text().contains("Tôi cần gấp trước thứ Hai."));
    assert!(mail.parsed().reply_to().is_some());
}
both!(inbound_other_replies_are_timeline_messages);

async fn inbound_auto_replies_and_bounces_never_act(backend: Backend) {
    let w = world_with(backend, inbound_options(1)).await;
    let r = w.file(&w.syt_id, "information", "Số ca").await;
    let (id, reference) = (r["id"].as_str().unwrap(), r["reference"].as_str().unwrap());
    let to = reply_address(&w.app, "syt1@tng.test", reference).await;
    assert_eq!(status_of(&feed(&w.app, mime::auto_reply("syt1@tng.test", &to, "ooo-1@x.test")).await).0, "auto_reply");
    let got = feed(&w.app, mime::bounce(&to, "dsn-1@x.test", "syt2@tng.test")).await;
    assert_eq!(status_of(&got), ("bounce", Some("syt2@tng.test")));
    let seen = body(w.get(&w.syt1, id).await).await;
    assert_eq!(seen["status"], "awaiting_response");
    assert_eq!(seen["events"].as_array().unwrap().len(), 1, "nothing on the timeline");
    let bounce = w
        .app
        .state
        .db(|conn, _| Ok(tiepcan::db::inbound::bounce_of(conn, "syt2@tng.test")?))
        .await
        .unwrap()
        .expect("the address is marked as bouncing");
    assert!(bounce.diagnostic.contains("550"), "{bounce:?}");
}
both!(inbound_auto_replies_and_bounces_never_act);

async fn inbound_bad_input_is_held_never_acted_on(backend: Backend) {
    let w = world_with(backend, inbound_options(1)).await;
    let r = w.file(&w.syt_id, "information", "Số ca").await;
    let (id, reference) = (r["id"].as_str().unwrap(), r["reference"].as_str().unwrap());
    let reporter_to = reply_address(&w.app, "pv@tuoitre.test", reference).await;
    let forged = "reply+0123456789abcdef0123456789abcdef@tiepcan.test";
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (mime::gmail_reply("pv@tuoitre.test", forged, "f-1@x", "Giả mạo"), "unknown_token"),
        (mime::gmail_reply("syt1@tng.test", &reporter_to, "f-2@x", "Người khác"), "wrong_sender"),
        (mime::gmail_reply("pv@tuoitre.test", "no-reply@tiepcan.test", "f-3@x", "Không mã"), "no_token"),
        (b"\x00\x01\x02 not a mail \xff\xfe".to_vec(), "unparseable"),
        (mime::with_attachments("pv@tuoitre.test", &reporter_to, "f-4@x", 500), "too_many_attachments"),
    ];
    for (raw, reason) in cases {
        let got = feed(&w.app, raw).await;
        assert_eq!(status_of(&got), ("held", Some(reason)));
    }
    // 30 MB: held unparsed, with its sender and subject from the header.
    let mut big = mime::gmail_reply("pv@tuoitre.test", &reporter_to, "big-1@x", "Tệp lớn");
    big.extend(std::iter::repeat_n(b'a', 30 * 1024 * 1024));
    let got = feed(&w.app, big).await;
    assert_eq!(status_of(&got), ("held", Some("too_large")));
    let seen = body(w.get(&w.syt1, id).await).await;
    assert_eq!(seen["events"].as_array().unwrap().len(), 1, "nothing acted on");
    // A withdrawn request takes no more mail.
    assert_eq!(w.act(&w.reporter, id, json!({"action": "withdraw"})).await.status(), StatusCode::OK);
    let got = feed(&w.app, mime::gmail_reply("pv@tuoitre.test", &reporter_to, "late-2@x", "Sau khi rút")).await;
    assert_eq!(status_of(&got), ("held", Some("refused: the request is withdrawn")));
}
both!(inbound_bad_input_is_held_never_acted_on);
