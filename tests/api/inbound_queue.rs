//! The holding queue: Department staff read held mail, the original
//! included, attach it to a request of their province or discard it.

use reqwest::StatusCode;
use serde_json::json;

use crate::both;
use crate::helpers::{Backend, body, mime};
use crate::inbound::{feed, inbound_options, reply_address};
use crate::requests::world_with;

const PW: &str = "một-mật-khẩu-dài-42";

async fn inbound_queue_api_attach_and_discard(backend: Backend) {
    let w = world_with(backend, inbound_options(1)).await;
    let r = w.file(&w.syt_id, "information", "Số ca").await;
    let (id, reference) = (r["id"].as_str().unwrap(), r["reference"].as_str().unwrap());
    let to = reply_address(&w.app, "pv@tuoitre.test", reference).await;
    // A reporter writes from another address; someone writes to no reply address.
    feed(&w.app, mime::gmail_reply("mai.khac@gmail.test", &to, "q-1@x", "Tôi gửi từ địa chỉ khác.")).await;
    feed(&w.app, mime::gmail_reply("ai.do@x.test", "no-reply@tiepcan.test", "q-2@x", "Thư lạc.")).await;

    for token in [&w.reporter, &w.syt1] {
        assert_eq!(w.app.get("/api/v1/inbound", Some(token)).await.status(), StatusCode::FORBIDDEN);
    }
    let page = body(w.app.get("/api/v1/inbound", Some(&w.staff)).await).await;
    assert_eq!(page["total"], 2, "{page}");
    let wrong = page["items"].as_array().unwrap().iter().find(|m| m["reason"] == "wrong_sender").unwrap().clone();
    let lost = page["items"].as_array().unwrap().iter().find(|m| m["reason"] == "no_token").unwrap().clone();
    assert_eq!(wrong["body_text"], "Tôi gửi từ địa chỉ khác.");
    assert_eq!(wrong["request_id"], id);
    let wid = wrong["id"].as_str().unwrap();

    let original = w.app.get(&format!("/api/v1/inbound/{wid}/original"), Some(&w.staff)).await;
    assert_eq!(original.status(), StatusCode::OK);
    assert_eq!(original.headers()["content-type"], "message/rfc822");
    assert!(String::from_utf8_lossy(&original.bytes().await.unwrap()).contains("Message-ID: <q-1@x>"));

    let r = w
        .app
        .post(&format!("/api/v1/inbound/{wid}/attach"), &json!({"request": "TNG-1999-000001"}), Some(&w.staff))
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = w.app.post(&format!("/api/v1/inbound/{wid}/attach"), &json!({"request": reference}), Some(&w.staff)).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(body(r).await["status"], "attached");
    let seen = body(w.get(&w.reporter, id).await).await;
    let m = seen["events"].as_array().unwrap().iter().find(|e| e["kind"] == "mail_message").unwrap();
    assert_eq!(m["body"], "Tôi gửi từ địa chỉ khác.");
    // Handled once.
    let r = w.app.post(&format!("/api/v1/inbound/{wid}/discard"), &json!({}), Some(&w.staff)).await;
    assert_eq!(r.status(), StatusCode::CONFLICT);

    let lid = lost["id"].as_str().unwrap();
    let r = w.app.post(&format!("/api/v1/inbound/{lid}/discard"), &json!({}), Some(&w.staff)).await;
    assert_eq!(body(r).await["status"], "discarded");
    assert_eq!(body(w.app.get("/api/v1/inbound", Some(&w.staff)).await).await["total"], 0);
    let audit = body(w.app.get("/api/v1/audit", Some(&w.staff)).await).await;
    let actions: Vec<&str> = audit["items"].as_array().unwrap().iter().filter_map(|e| e["action"].as_str()).collect();
    assert!(actions.contains(&"inbound.attach") && actions.contains(&"inbound.discard"), "{actions:?}");
}
both!(inbound_queue_api_attach_and_discard);

async fn inbound_queue_pages_for_staff(backend: Backend) {
    let w = world_with(backend, inbound_options(1)).await;
    let r = w.file(&w.syt_id, "information", "Số ca").await;
    let reference = r["reference"].as_str().unwrap();
    let to = reply_address(&w.app, "pv@tuoitre.test", reference).await;
    feed(
        &w.app,
        mime::outlook_reply_with_pdf("la@x.test", &to, "p-1@x", "Thư của người lạ.", "a.pdf", b"%PDF-1.7\n%%EOF\n"),
    )
    .await;
    let staff = w.app.page_login("staff@tng.test", PW).await;
    let (status, html) = staff.text("/admin/inbound").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Thư chờ xử lý") && html.contains("la@x.test"), "{html}");
    let start = html.find("/admin/inbound/").unwrap() + "/admin/inbound/".len();
    let mid = &html[start..start + 36];
    let (status, page) = staff.text(&format!("/admin/inbound/{mid}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Thư của người lạ.") && page.contains("Trân trọng,"));
    assert!(page.contains("From: tiepcan"), "the quoted history is shown apart: {page}");
    let csrf = staff.csrf(&format!("/admin/inbound/{mid}")).await;
    let r = staff
        .post_form(&format!("/admin/inbound/{mid}/attach"), &[("csrf", &csrf), ("request", "TNG-1999-000009")])
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = staff.post_form(&format!("/admin/inbound/{mid}/discard"), &[("csrf", &csrf)]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, html) = staff.text("/admin/inbound").await;
    assert!(html.contains("Không có thư nào chờ xử lý."));
    // Another role finds nothing here.
    let reporter = w.app.page_login("pv@tuoitre.test", PW).await;
    assert_eq!(reporter.text("/admin/inbound").await.0, StatusCode::NOT_FOUND);
}
both!(inbound_queue_pages_for_staff);

async fn inbound_bounce_holds_further_mail_and_shows_to_staff(backend: Backend) {
    let w = world_with(backend, inbound_options(1)).await;
    let r = w.file(&w.syt_id, "information", "Số ca").await;
    let to = reply_address(&w.app, "syt1@tng.test", r["reference"].as_str().unwrap()).await;
    w.app.smtp.wait_for("syt2@tng.test", 1).await;
    feed(&w.app, mime::bounce(&to, "b-1@x", "syt2@tng.test")).await;
    let second = w.file(&w.syt_id, "information", "Kinh phí").await;
    let reference = second["reference"].as_str().unwrap().to_string();
    let mut held = None;
    for _ in 0..100 {
        let rows = w.app.outbox_to("syt2@tng.test").await;
        if let Some(row) = rows.iter().find(|m| m.subject.contains(&reference) && m.status == "failed") {
            held = Some(row.clone());
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let held = held.expect("the mail to the bouncing address is held");
    assert!(held.last_error.unwrap().starts_with("held: mail to this address bounced"));
    assert_eq!(w.app.smtp.to("syt2@tng.test").len(), 1, "nothing more went to it");

    let staff = w.app.page_login("staff@tng.test", PW).await;
    let (_, html) = staff.text("/admin/inbound").await;
    assert!(html.contains("syt2@tng.test") && html.contains("550 5.1.1"), "{html}");
    let csrf = staff.csrf("/admin/inbound").await;
    let r = staff.post_form("/admin/inbound/bounces/clear", &[("csrf", &csrf), ("email", "syt2@tng.test")]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, html) = staff.text("/admin/inbound").await;
    assert!(!html.contains("syt2@tng.test"));
}
both!(inbound_bounce_holds_further_mail_and_shows_to_staff);

async fn inbound_answer_outcome_changes_once_by_the_link(backend: Backend) {
    let w = world_with(backend, inbound_options(1)).await;
    let r = w.file(&w.syt_id, "information", "Kinh phí").await;
    let (id, reference) = (r["id"].as_str().unwrap(), r["reference"].as_str().unwrap());
    let to = reply_address(&w.app, "syt1@tng.test", reference).await;
    feed(&w.app, mime::gmail_reply("syt1@tng.test", &to, "c-1@x", "Chỉ có số liệu quý I.")).await;
    let confirm = w
        .app
        .smtp
        .wait_for("syt1@tng.test", 2)
        .await
        .into_iter()
        .find(|m| m.subject().contains("đã được ghi nhận"))
        .expect("a confirmation");
    let path = confirm.link_path("/mail-answer?token=");
    assert!(confirm.parsed().reply_to().is_none(), "the confirmation is no request mail");

    let page = w.app.page_login("syt1@tng.test", PW).await;
    let (status, html) = page.text(&path).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(reference) && html.contains("cung cấp một phần"), "{html}");
    let csrf = page.csrf(&path).await;
    let token = path.split("token=").nth(1).unwrap();
    let r = page.post_form("/mail-answer", &[("csrf", &csrf), ("token", token), ("outcome", "partial")]).await;
    assert_eq!(r.status(), StatusCode::OK);
    let seen = body(w.get(&w.reporter, id).await).await;
    assert_eq!(seen["outcome"], "partial");
    assert!(seen["events"].as_array().unwrap().iter().any(|e| e["kind"] == "outcome_changed"));
    // Once only.
    let r = page.post_form("/mail-answer", &[("csrf", &csrf), ("token", token), ("outcome", "not_held")]).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert_eq!(page.text(&path).await.0, StatusCode::NOT_FOUND);
    assert_eq!(body(w.get(&w.reporter, id).await).await["outcome"], "partial");
}
both!(inbound_answer_outcome_changes_once_by_the_link);
