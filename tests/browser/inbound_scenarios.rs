//! Mail on hold, through the pages: a reply that matches no request waits for Department staff, who
//! read it (its quoted history apart) and attach it to a request, whose timeline then shows it.

use serde_json::Value;
use tiepcan::service::inbound::receive::receive;

use crate::both;
use crate::helpers::{Backend, Options, body, mime};
use crate::world::{PW, world_with};

async fn department_staff_attach_a_held_inbound_reply_to_its_request(backend: Backend) {
    let mut opts = Options::default();
    // Inbound on (the mailbox itself is not needed: the message is fed to the job's pipeline).
    opts.env.insert("TIEPCAN_IMAP_URL".into(), "imap://tiepcan:secret@127.0.0.1:1/INBOX?tls=none".into());
    opts.env.insert("TIEPCAN_INBOUND_ADDRESS".into(), "reply@tiepcan.test".into());
    let w = world_with(backend, opts).await;
    let Some(mut b) = w.browser("inbound_queue").await else { return };
    let id = w.file(&w.syt_id, "Số liệu tiêm chủng").await;
    let request: Value = body(w.app.get(&format!("/api/v1/requests/{id}"), Some(&w.reporter)).await).await;
    let reference = request["reference"].as_str().unwrap().to_string();
    // A reply written to the bare address: no token, so it is held, not acted on.
    let raw = mime::gmail_reply(
        "pv@tuoitre.test",
        "reply@tiepcan.test",
        "held-1@mail.test",
        "Bổ sung: số liệu theo từng xã.",
    );
    w.app.state.db(move |conn, env| receive(conn, env, &raw, None)).await.unwrap();

    b.login("staff@tng.test", PW).await;
    b.click("nav a[href='/admin/inbound']").await;
    b.find("ul.troubled a[href^='/admin/inbound/']").await;
    b.check_page("inbound-queue").await;
    b.click("ul.troubled a[href^='/admin/inbound/']").await;
    b.wait_text("pre.mail-text", "Bổ sung: số liệu theo từng xã.").await;
    b.check_page("inbound-message").await;
    b.fill("#request", &reference).await;
    b.click_and_wait_for_new_page("form[action$='/attach'] button[type=submit]").await;
    b.find("p.notice[role=status]").await;
    b.check_page("inbound-attached").await;
    b.goto(&format!("/requests/{id}")).await;
    b.wait_text("main", "Bổ sung: số liệu theo từng xã.").await;
    b.check_page("inbound-on-the-timeline").await;
    b.finish().await;
}
both!(department_staff_attach_a_held_inbound_reply_to_its_request);
