//! The request lifecycle over the API, with the mails it causes.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::both;
use crate::helpers::{Backend, TestApp, body};

pub struct World {
    pub app: TestApp,
    pub reporter: String,
    pub syt1: String,
    pub syt2: String,
    pub sgd: String,
    pub staff: String,
    pub syt_id: String,
    pub sgd_id: String,
    pub skhcn_id: String,
}

/// TNG with Sở Y tế (a primary and a deputy spokesperson), Sở GD&ĐT (one),
/// Sở KH&CN (none), Department staff, and a verified reporter.
pub async fn world(backend: Backend) -> World {
    world_with(backend, crate::helpers::Options::default()).await
}

pub async fn world_with(backend: Backend, opts: crate::helpers::Options) -> World {
    let app = TestApp::spawn_with(backend, opts).await;
    let admin = app.admin().await;
    app.seed_directory(&admin).await;
    let syt_id = app.agency_id("SYT", &admin).await;
    let sgd_id = app.agency_id("SGDDT", &admin).await;
    let skhcn_id = app.agency_id("SKHCN", &admin).await;
    let mut tokens = Vec::new();
    for (email, role, agencies, j) in [
        ("pv@tuoitre.test", "reporter", vec![], None),
        ("syt1@tng.test", "spokesperson", vec![syt_id.clone()], None),
        ("syt2@tng.test", "spokesperson", vec![syt_id.clone()], None),
        ("sgd@tng.test", "spokesperson", vec![sgd_id.clone()], None),
        ("staff@tng.test", "staff", vec![], Some("TNG")),
    ] {
        let pw = app.create_user(email, role, agencies, j).await;
        tokens.push(app.login(email, &pw).await);
    }
    let mut t = tokens.into_iter();
    World {
        reporter: t.next().unwrap(),
        syt1: t.next().unwrap(),
        syt2: t.next().unwrap(),
        sgd: t.next().unwrap(),
        staff: t.next().unwrap(),
        app,
        syt_id,
        sgd_id,
        skhcn_id,
    }
}

impl World {
    pub async fn file(&self, agency_id: &str, kind: &str, subject: &str) -> Value {
        let r = self
            .app
            .post(
                "/api/v1/requests",
                &json!({"agency_id": agency_id, "kind": kind, "subject": subject, "body": "Đề nghị cung cấp số liệu về dịch sốt xuất huyết năm 2026."}),
                Some(&self.reporter),
            )
            .await;
        assert_eq!(r.status(), StatusCode::CREATED);
        body(r).await
    }

    pub async fn act(&self, token: &str, id: &str, action: Value) -> reqwest::Response {
        self.app.post(&format!("/api/v1/requests/{id}/actions"), &action, Some(token)).await
    }

    pub async fn get(&self, token: &str, id: &str) -> reqwest::Response {
        self.app.get(&format!("/api/v1/requests/{id}"), Some(token)).await
    }
}

fn kinds(r: &Value) -> Vec<String> {
    r["events"].as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap().to_string()).collect()
}

async fn whole_story_from_filing_to_answer(backend: Backend) {
    let w = world(backend).await;
    let r = w.file(&w.syt_id, "information", "Số ca sốt xuất huyết").await;
    let id = r["id"].as_str().unwrap().to_string();
    let reference = r["reference"].as_str().unwrap().to_string();
    assert!(reference.starts_with("TNG-20") && reference.ends_with("-000001"), "{reference}");
    assert_eq!(r["status"], "awaiting_response");
    assert_eq!(r["overdue"], false);
    assert_eq!(r["agency"]["name"], "Sở Y tế");
    assert!(r["due_at"].is_string(), "{r}");
    assert_eq!(r["deadline"]["due_at"], r["due_at"]);
    assert!(!r["deadline"]["steps"].as_array().unwrap().is_empty());
    assert_eq!(kinds(&r), vec!["file"]);

    // Receipt to the reporter, the request to both spokespeople of the agency.
    let receipt = &w.app.smtp.wait_for("pv@tuoitre.test", 1).await[0];
    assert_eq!(receipt.subject(), format!("[{reference}] Đã nhận yêu cầu của bạn"));
    assert!(receipt.text().contains("Hạn trả lời:"), "{}", receipt.text());
    assert!(receipt.text().contains(&format!("http://tiepcan.test/requests/{id}")));
    for sp in ["syt1@tng.test", "syt2@tng.test"] {
        let m = &w.app.smtp.wait_for(sp, 1).await[0];
        assert_eq!(m.subject(), format!("[{reference}] Yêu cầu cung cấp thông tin mới: Số ca sốt xuất huyết"));
        assert!(m.text().contains("dịch sốt xuất huyết"));
    }
    assert!(w.app.smtp.to("sgd@tng.test").is_empty());

    // The inbox has it on top.
    let inbox = body(w.app.get("/api/v1/requests", Some(&w.syt1)).await).await;
    assert_eq!(inbox["total"], 1);
    assert_eq!(inbox["items"][0]["id"], id.as_str());

    let r = body(w.act(&w.syt1, &id, json!({"action": "acknowledge"})).await).await;
    assert_eq!(kinds(&r), vec!["file", "acknowledge"]);
    let r = w.act(&w.syt1, &id, json!({"action": "acknowledge"})).await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert_eq!(body(r).await["error"]["code"], "invalid_transition");

    let r =
        w.act(&w.syt2, &id, json!({"action": "reply", "body": "Năm 2026 có 1.234 ca.", "outcome": "granted"})).await;
    assert_eq!(r.status(), StatusCode::OK);
    let r = body(r).await;
    assert_eq!(r["status"], "answered");
    assert_eq!(r["outcome"], "granted");
    assert_eq!(kinds(&r), vec!["file", "acknowledge", "reply"]);
    assert_eq!(r["events"][2]["actor"]["full_name"], "Người dùng spokesperson");
    assert!(r["allowed_actions"].as_array().unwrap().iter().any(|a| a == "comment"));

    let mails = w.app.smtp.wait_for("pv@tuoitre.test", 3).await;
    assert_eq!(mails[1].subject(), format!("[{reference}] Cơ quan đã tiếp nhận yêu cầu"));
    assert_eq!(mails[2].subject(), format!("[{reference}] Cơ quan đã trả lời yêu cầu của bạn"));
    assert!(mails[2].text().contains("Năm 2026 có 1.234 ca."));
    assert!(mails[2].text().contains("cung cấp đầy đủ"));

    // The reporter sees the whole timeline; the answer cannot be answered twice.
    let seen = body(w.get(&w.reporter, &id).await).await;
    assert_eq!(kinds(&seen), vec!["file", "acknowledge", "reply"]);
    let r = w.act(&w.syt1, &id, json!({"action": "reply", "body": "again", "outcome": "granted"})).await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
}
both!(whole_story_from_filing_to_answer);

async fn clarification_round(backend: Backend) {
    let w = world(backend).await;
    let id = w.file(&w.syt_id, "information", "Kinh phí mua sắm").await["id"].as_str().unwrap().to_string();
    let r = w.act(&w.syt1, &id, json!({"action": "request_clarification"})).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body(r).await["error"]["fields"]["question"], "is required");
    let r = body(w.act(&w.syt1, &id, json!({"action": "request_clarification", "question": "Năm nào?"})).await).await;
    assert_eq!(r["status"], "awaiting_clarification");
    assert_eq!(r["overdue"], false);
    let mails = w.app.smtp.wait_for("pv@tuoitre.test", 2).await;
    assert!(mails[1].subject().ends_with("Cơ quan đề nghị làm rõ yêu cầu"));
    assert!(mails[1].text().contains("Năm nào?"));
    // Only the reporter clarifies.
    let r = w.act(&w.syt1, &id, json!({"action": "clarify", "body": "x"})).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = body(w.act(&w.reporter, &id, json!({"action": "clarify", "body": "Năm 2025."})).await).await;
    assert_eq!(r["status"], "awaiting_response");
    assert!(r["due_at"].is_string());
    let m = w.app.smtp.wait_for("syt1@tng.test", 2).await;
    assert!(m[1].subject().ends_with("Phóng viên đã làm rõ yêu cầu"));
    assert!(m[1].text().contains("Năm 2025."));
}
both!(clarification_round);

async fn refusal_with_a_policy_ground_then_a_complaint(backend: Backend) {
    let w = world(backend).await;
    let id = w.file(&w.syt_id, "information", "Hồ sơ thanh tra").await["id"].as_str().unwrap().to_string();
    let r = w.act(&w.syt1, &id, json!({"action": "refuse", "ground": "BECAUSE_I_SAY_SO", "reasons": "x"})).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body(r).await["error"]["fields"]["ground"], "is not a refusal ground of the policy");
    let r = w
        .act(
            &w.syt1,
            &id,
            json!({"action": "refuse", "ground": "PL38_2C", "reasons": "Đang thanh tra, chưa có kết luận."}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let r = body(r).await;
    assert_eq!(r["status"], "refused");
    assert_eq!(r["refusal_ground"], "PL38_2C");
    let mails = w.app.smtp.wait_for("pv@tuoitre.test", 2).await;
    assert!(mails[1].subject().ends_with("Cơ quan từ chối cung cấp thông tin"));
    assert!(mails[1].text().contains("PL38_2C"));
    assert!(mails[1].text().contains("Đang thanh tra"));

    // The reporter complains: an escalation to the Department.
    let r = body(w.act(&w.reporter, &id, json!({"action": "complain", "reason": "Không có căn cứ."})).await).await;
    assert_eq!(r["escalation"]["reason"], "complaint");
    assert_eq!(r["escalation"]["status"], "open");
    assert_eq!(kinds(&r), vec!["file", "refuse", "complain", "escalation_opened"]);
    let dept = &w.app.smtp.wait_for("baochi@tng.test", 1).await[0];
    assert!(dept.subject().ends_with("Phóng viên khiếu nại"));
    w.app.smtp.wait_for("staff@tng.test", 1).await;
    let r = w.act(&w.reporter, &id, json!({"action": "complain", "reason": "again"})).await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
}
both!(refusal_with_a_policy_ground_then_a_complaint);

async fn transfer_moves_access(backend: Backend) {
    let w = world(backend).await;
    let id = w.file(&w.syt_id, "information", "Tuyển sinh lớp 10").await["id"].as_str().unwrap().to_string();
    assert_eq!(w.get(&w.sgd, &id).await.status(), StatusCode::NOT_FOUND);
    let r = w
        .act(
            &w.syt1,
            &id,
            json!({"action": "transfer", "agency_id": "00000000-0000-7000-8000-000000000000", "reason": "x"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = w
        .act(
            &w.syt1,
            &id,
            json!({"action": "transfer", "agency_id": w.sgd_id, "reason": "Thuộc thẩm quyền Sở Giáo dục."}),
        )
        .await;
    // The transfer committed: 200, with only what the old spokesperson may still know.
    assert_eq!(r.status(), StatusCode::OK);
    let gone = body(r).await;
    assert_eq!(gone["id"], id.as_str());
    assert_eq!(gone["status"], "awaiting_response");
    assert_eq!(gone["agency"]["id"], w.sgd_id.as_str());
    assert_eq!(gone["viewer"], "outsider");
    assert!(gone.get("subject").is_none() && gone.get("events").is_none(), "{gone}");
    assert_eq!(w.get(&w.syt1, &id).await.status(), StatusCode::NOT_FOUND);
    let r = body(w.get(&w.sgd, &id).await).await;
    assert_eq!(r["agency"]["name"], "Sở Giáo dục và Đào tạo");
    assert_eq!(r["status"], "awaiting_response");
    assert_eq!(body(w.app.get("/api/v1/requests", Some(&w.syt1)).await).await["total"], 0);
    let m = w.app.smtp.wait_for("sgd@tng.test", 1).await;
    assert!(m[0].subject().contains("Yêu cầu cung cấp thông tin mới"));
    let mails = w.app.smtp.wait_for("pv@tuoitre.test", 2).await;
    assert!(mails[1].subject().contains("Sở Giáo dục và Đào tạo"));
    assert_eq!(w.act(&w.sgd, &id, json!({"action": "acknowledge"})).await.status(), StatusCode::OK);
}
both!(transfer_moves_access);

async fn withdraw_stops_everything(backend: Backend) {
    let w = world(backend).await;
    let id = w.file(&w.syt_id, "event", "Cháy chợ").await["id"].as_str().unwrap().to_string();
    let r = body(w.act(&w.reporter, &id, json!({"action": "withdraw"})).await).await;
    assert_eq!(r["status"], "withdrawn");
    assert!(r["allowed_actions"].as_array().unwrap().is_empty());
    let m = w.app.smtp.wait_for("syt1@tng.test", 2).await;
    assert!(m[1].subject().ends_with("Phóng viên đã rút yêu cầu"));
    assert_eq!(
        w.act(&w.syt1, &id, json!({"action": "reply", "body": "x", "outcome": "granted"})).await.status(),
        StatusCode::CONFLICT
    );
    assert_eq!(w.act(&w.reporter, &id, json!({"action": "withdraw"})).await.status(), StatusCode::CONFLICT);
}
both!(withdraw_stops_everything);

async fn agency_without_spokesperson_goes_to_the_department(backend: Backend) {
    let w = world(backend).await;
    let r = w.file(&w.skhcn_id, "information", "Đề tài khoa học").await;
    let id = r["id"].as_str().unwrap();
    assert_eq!(r["escalation"]["reason"], "unroutable");
    assert_eq!(kinds(&r), vec!["file", "escalation_opened"]);
    let dept = &w.app.smtp.wait_for("baochi@tng.test", 1).await[0];
    assert!(dept.subject().ends_with("Yêu cầu tới cơ quan chưa có người phát ngôn"), "{}", dept.subject());
    assert_eq!(dept.to, vec!["baochi@tng.test"]);
    w.app.smtp.wait_for("staff@tng.test", 1).await;
    let seen = body(w.get(&w.staff, id).await).await;
    assert_eq!(seen["viewer"], "department");
    let list = body(w.app.get("/api/v1/requests", Some(&w.staff)).await).await;
    assert_eq!(list["total"], 1);
}
both!(agency_without_spokesperson_goes_to_the_department);

async fn scoping_hides_what_is_not_yours(backend: Backend) {
    let w = world(backend).await;
    let id = w.file(&w.syt_id, "information", "Bí mật đề tài").await["id"].as_str().unwrap().to_string();
    let pw = w.app.create_user("other@vnexpress.test", "reporter", vec![], None).await;
    let other = w.app.login("other@vnexpress.test", &pw).await;
    for token in [&other, &w.sgd] {
        assert_eq!(w.get(token, &id).await.status(), StatusCode::NOT_FOUND);
        let r = w.act(token, &id, json!({"action": "comment", "body": "x"})).await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
        assert_eq!(body(w.app.get("/api/v1/requests", Some(token)).await).await["total"], 0);
        let r = w
            .app
            .get(&format!("/api/v1/requests/{id}/attachments/00000000-0000-7000-8000-000000000000"), Some(token))
            .await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
    }
    // Visible but not yours to do: 403.
    let r = w.act(&w.reporter, &id, json!({"action": "reply", "body": "x", "outcome": "granted"})).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(body(r).await["error"]["code"], "forbidden");
    // Internal notes are for the agency and the Department only.
    w.act(&w.syt1, &id, json!({"action": "comment", "body": "Chỉ nội bộ"})).await;
    let staff_view = body(w.get(&w.staff, &id).await).await;
    assert!(kinds(&staff_view).contains(&"comment".to_string()));
    let reporter_view = body(w.get(&w.reporter, &id).await).await;
    assert!(!kinds(&reporter_view).contains(&"comment".to_string()));
    assert!(!reporter_view.to_string().contains("Chỉ nội bộ"));
    // Unknown ids and garbage are 404, unknown actions 422.
    for garbage in ["not-a-uuid", "%27%20OR%201=1", "0193f2a4-7c1e-7b3a-9d4e"] {
        let r = w.get(&w.reporter, garbage).await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{garbage}");
        assert_eq!(body(r).await["error"]["code"], "not_found", "{garbage}");
    }
    // An id is parsed once, into its one spelling: in capitals it is the same id.
    let r = w.get(&w.reporter, &id.to_uppercase()).await;
    assert_eq!(body(r).await["id"], id.as_str());
    let r = w.act(&w.syt1, &id, json!({"action": "teleport"})).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
}
both!(scoping_hides_what_is_not_yours);

async fn idempotency_key_creates_one_request(backend: Backend) {
    let w = world(backend).await;
    let payload = json!({"agency_id": w.syt_id, "kind": "information", "subject": "Một lần", "body": "Nội dung"});
    let send = |p: Value| {
        w.app
            .api
            .post(w.app.url("/api/v1/requests"))
            .bearer_auth(&w.reporter)
            .header("Idempotency-Key", "key-42")
            .json(&p)
            .send()
    };
    let (a, b) = tokio::join!(send(payload.clone()), send(payload.clone()));
    let (a, b) = (body(a.unwrap()).await, body(b.unwrap()).await);
    assert_eq!(a["id"], b["id"]);
    let c = body(send(payload.clone()).await.unwrap()).await;
    assert_eq!(a["id"], c["id"]);
    assert_eq!(body(w.app.get("/api/v1/requests", Some(&w.reporter)).await).await["total"], 1);
    let mut changed = payload.clone();
    changed["subject"] = json!("Khác");
    let r = send(changed).await.unwrap();
    assert_eq!(r.status(), StatusCode::CONFLICT);
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(w.app.smtp.to("pv@tuoitre.test").len(), 1, "one receipt");
}
both!(idempotency_key_creates_one_request);

async fn concurrent_actions_have_one_winner(backend: Backend) {
    let w = world(backend).await;
    let id = w.file(&w.syt_id, "information", "Ai nhanh hơn").await["id"].as_str().unwrap().to_string();
    let reply = |t: &str, text: &str| {
        w.app
            .api
            .post(w.app.url(&format!("/api/v1/requests/{id}/actions")))
            .bearer_auth(t.to_string())
            .json(&json!({"action": "reply", "body": text, "outcome": "granted"}))
            .send()
    };
    let (a, b) = tokio::join!(reply(&w.syt1, "Trả lời A"), reply(&w.syt2, "Trả lời B"));
    let mut statuses = vec![a.unwrap().status().as_u16(), b.unwrap().status().as_u16()];
    statuses.sort();
    assert_eq!(statuses, vec![200, 409]);
    let r = body(w.get(&w.reporter, &id).await).await;
    assert_eq!(kinds(&r).iter().filter(|k| *k == "reply").count(), 1);
}
both!(concurrent_actions_have_one_winner);

async fn reference_numbers_are_unique_under_load(backend: Backend) {
    let w = world(backend).await;
    let futs = (0..8).map(|i| {
        w.app
            .api
            .post(w.app.url("/api/v1/requests"))
            .bearer_auth(&w.reporter)
            .json(
                &json!({"agency_id": w.syt_id, "kind": "information", "subject": format!("Câu hỏi {i}"), "body": "x"}),
            )
            .send()
    });
    let mut refs = Vec::new();
    for r in futures_util::future::join_all(futs).await {
        let r = r.unwrap();
        assert_eq!(r.status(), StatusCode::CREATED);
        refs.push(body(r).await["reference"].as_str().unwrap().to_string());
    }
    refs.sort();
    let numbers: Vec<String> = refs.iter().map(|r| r.rsplit('-').next().unwrap().to_string()).collect();
    assert_eq!(numbers, (1..=8).map(|n| format!("{n:06}")).collect::<Vec<_>>());
}
both!(reference_numbers_are_unique_under_load);

async fn a_tampered_event_is_found(backend: Backend) {
    let w = world(backend).await;
    let r = w.file(&w.syt_id, "information", "Sổ sách").await;
    let (id, reference) = (r["id"].as_str().unwrap().to_string(), r["reference"].as_str().unwrap().to_string());
    w.act(&w.syt1, &id, json!({"action": "reply", "body": "Bản gốc", "outcome": "granted"})).await;
    let pool = w.app.pool.clone();
    let (ok, broken) = tokio::task::spawn_blocking(move || {
        use diesel::RunQueryDsl;
        let mut conn = pool.get().unwrap();
        let before = tiepcan::service::timeline::verify(&mut conn, None).unwrap();
        diesel::sql_query(format!(
            "UPDATE request_events SET body = 'Bản đã sửa' WHERE request_id = '{id}' AND seq = 2"
        ))
        .execute(&mut **conn)
        .unwrap();
        (before, tiepcan::service::timeline::verify(&mut conn, Some(&reference)).unwrap())
    })
    .await
    .unwrap();
    assert!(ok.1.is_empty());
    assert_eq!(broken.1.len(), 1);
    assert_eq!(broken.1[0].seq, 2);
}
both!(a_tampered_event_is_found);

async fn unverified_reporters_cannot_file(backend: Backend) {
    let w = world(backend).await;
    w.app.register("new@x.test", "ngày-mai-trời-nắng-7").await;
    let t = w.app.login("new@x.test", "ngày-mai-trời-nắng-7").await;
    let r = w
        .app
        .post(
            "/api/v1/requests",
            &json!({"agency_id": w.syt_id, "kind": "information", "subject": "s", "body": "b"}),
            Some(&t),
        )
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(body(r).await["error"]["message"].as_str().unwrap().contains("confirm your email"));
    // Spokespeople do not file.
    let r = w
        .app
        .post(
            "/api/v1/requests",
            &json!({"agency_id": w.syt_id, "kind": "information", "subject": "s", "body": "b"}),
            Some(&w.syt1),
        )
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = w.app.post("/api/v1/requests", &json!({"agency_id": "nope", "kind": "gossip"}), Some(&w.reporter)).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let f = body(r).await["error"]["fields"].clone();
    assert!(f["agency_id"].is_string() && f["kind"].is_string() && f["subject"].is_string() && f["body"].is_string());
}
both!(unverified_reporters_cannot_file);

async fn attachments_upload_and_download(backend: Backend) {
    let w = world(backend).await;
    let id = w.file(&w.syt_id, "information", "Báo cáo").await["id"].as_str().unwrap().to_string();
    let upload = |token: &str, name: &str, bytes: Vec<u8>| {
        let part = reqwest::multipart::Part::bytes(bytes).file_name(name.to_string());
        let form = reqwest::multipart::Form::new().part("file", part);
        w.app
            .api
            .post(w.app.url(&format!("/api/v1/requests/{id}/attachments")))
            .bearer_auth(token.to_string())
            .multipart(form)
            .send()
    };
    let pdf = b"%PDF-1.7\n1 0 obj << >> endobj\ntrailer\n%%EOF\n".to_vec();
    let r = upload(&w.syt1, "Báo cáo số liệu.pdf", pdf.clone()).await.unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let a = body(r).await;
    assert_eq!(a["content_type"], "application/pdf");
    let url = a["url"].as_str().unwrap().to_string();
    let r = w.app.get(&url, Some(&w.reporter)).await;
    assert_eq!(r.status(), StatusCode::OK);
    let cd = r.headers()["content-disposition"].to_str().unwrap().to_string();
    assert!(cd.starts_with("attachment;") && cd.contains("filename*=UTF-8''B%C3%A1o"), "{cd}");
    assert_eq!(r.bytes().await.unwrap().to_vec(), pdf);
    // An executable named .pdf is refused; so is anything for an outsider.
    let r = upload(&w.syt1, "virus.pdf", b"MZ\x90\x00\x03\x00\x00\x00".to_vec()).await.unwrap();
    assert_eq!(r.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(body(r).await["error"]["code"], "unsupported_media_type");
    assert_eq!(w.app.get(&url, Some(&w.sgd)).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(upload(&w.sgd, "a.pdf", pdf.clone()).await.unwrap().status(), StatusCode::NOT_FOUND);
    let detail = body(w.get(&w.reporter, &id).await).await;
    assert_eq!(detail["attachments"][0]["filename"], "Báo cáo số liệu.pdf");
    assert!(kinds(&detail).contains(&"attachment_added".to_string()));
    // Bigger than the limit (20 MB by default): 413.
    let r = upload(&w.reporter, "big.txt", vec![b'a'; 21 * 1024 * 1024]).await.unwrap();
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
}
both!(attachments_upload_and_download);

async fn english_reporters_get_english_mail(backend: Backend) {
    let w = world(backend).await;
    let r = w
        .app
        .post("/api/v1/reporters", &json!({"email": "jo@afp.test", "password": "ngày-mai-trời-nắng-7", "full_name": "Jo", "outlet": "AFP", "locale": "en"}), None)
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let link = w.app.smtp.wait_for("jo@afp.test", 1).await[0].link_path("http://tiepcan.test/verify-email?token=");
    w.app.get(&format!("/api/v1/verify-email?token={}", link.split("token=").nth(1).unwrap()), None).await;
    let t = w.app.login("jo@afp.test", "ngày-mai-trời-nắng-7").await;
    let r = w
        .app
        .post(
            "/api/v1/requests",
            &json!({"agency_id": w.syt_id, "kind": "information", "subject": "Dengue", "body": "Numbers?"}),
            Some(&t),
        )
        .await;
    let r = body(r).await;
    let m = w.app.smtp.wait_for("jo@afp.test", 2).await;
    assert_eq!(m[1].subject(), format!("[{}] Your request was received", r["reference"].as_str().unwrap()));
    assert!(m[1].text().contains("Department of Health"));
}
both!(english_reporters_get_english_mail);

/// The list totals come from per-agency counts kept by the database; they must
/// agree with counting the rows (a search term forces a real count) after
/// filings, a transfer, a clarification and a withdrawal, and the order puts
/// running clocks first, paused ones next, finished ones last.
async fn list_totals_and_order_follow_every_change(backend: Backend) {
    let w = world(backend).await;
    let mut ids = Vec::new();
    for subject in ["Một", "Hai", "Ba"] {
        ids.push(w.file(&w.syt_id, "information", subject).await["id"].as_str().unwrap().to_string());
    }
    w.file(&w.sgd_id, "information", "Bốn").await;
    let total = |token: String, query: &'static str| {
        let app = &w.app;
        async move { body(app.get(&format!("/api/v1/requests{query}"), Some(&token)).await).await["total"].clone() }
    };
    assert_eq!(total(w.syt1.clone(), "").await, 3);
    assert_eq!(total(w.staff.clone(), "").await, 4);
    let r = json!({"action": "transfer", "agency_id": w.sgd_id, "reason": "Thuộc Sở Giáo dục."});
    assert_eq!(w.act(&w.syt1, &ids[0], r).await.status(), StatusCode::OK);
    let q = json!({"action": "request_clarification", "question": "Giai đoạn nào?"});
    assert_eq!(w.act(&w.syt1, &ids[1], q).await.status(), StatusCode::OK);
    assert_eq!(w.act(&w.reporter, &ids[2], json!({"action": "withdraw"})).await.status(), StatusCode::OK);
    for (token, query, expected) in [
        (&w.syt1, "", 2),
        (&w.syt1, "?q=tng", 2),
        (&w.syt1, "?status=awaiting_clarification", 1),
        (&w.syt1, "?status=withdrawn", 1),
        (&w.syt1, "?status=awaiting_response", 0),
        (&w.sgd, "", 2),
        (&w.sgd, "?status=awaiting_response", 2),
        (&w.staff, "", 4),
        (&w.staff, "?q=tng", 4),
        (&w.staff, &format!("?agency_id={}", w.sgd_id), 2),
        (&w.reporter, "", 4),
    ] {
        let got = body(w.app.get(&format!("/api/v1/requests{query}"), Some(token)).await).await["total"].clone();
        assert_eq!(got, expected, "total for {query:?}");
    }
    let list = body(w.app.get("/api/v1/requests", Some(&w.reporter)).await).await;
    let statuses: Vec<&str> = list["items"].as_array().unwrap().iter().map(|r| r["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, ["awaiting_response", "awaiting_response", "awaiting_clarification", "withdrawn"]);
}
both!(list_totals_and_order_follow_every_change);
