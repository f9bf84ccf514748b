//! Replies by mail: reply addresses on notifications, and what each kind of
//! received message becomes (fed as real MIME through the use case the IMAP
//! job calls).

use reqwest::StatusCode;
use serde_json::json;

use crate::both;
use crate::helpers::{Backend, Options};
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
