//! Keeping the directory: editing agencies within one's province, spokespeople's
//! terms and routing by the instant of filing, deactivation, the import preview
//! and its confirmation, the export, jurisdictions, the outbox; each change in
//! the audit log.

use std::sync::Arc;

use chrono::{DateTime, Duration, TimeZone, Utc};
use reqwest::StatusCode;
use serde_json::{Value, json};

use tiepcan::clock::ManualClock;

use crate::both;
use crate::helpers::{Backend, Options, TestApp, body};
use crate::requests::{World, world, world_with};

const PW: &str = "một-mật-khẩu-dài-42";
const HEADER: &str = "jurisdiction,code,name,name_en,level,parent_code,email\n";

async fn admin_token(app: &TestApp) -> String {
    app.login("admin@tiepcan.test", PW).await
}

async fn put(app: &TestApp, path: &str, v: &Value, token: &str) -> reqwest::Response {
    app.api.put(app.url(path)).bearer_auth(token).json(v).send().await.unwrap()
}

async fn csv_post(app: &TestApp, path: &str, csv: &str, token: &str) -> reqwest::Response {
    app.api
        .post(app.url(path))
        .bearer_auth(token)
        .header("content-type", "text/csv")
        .body(csv.to_string())
        .send()
        .await
        .unwrap()
}

async fn actions(app: &TestApp, token: &str) -> Vec<String> {
    let v = body(app.get("/api/v1/audit?per_page=100", Some(token)).await).await;
    v["items"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap().to_string()).collect()
}

fn syt_edit(active: bool) -> Value {
    json!({"name": "Sở Y tế tỉnh Thái Nguyên", "name_en": "Department of Health", "level": "department",
           "email": "syt@tng.test", "active": active})
}

async fn staff_edit_only_their_provinces_agencies(backend: Backend) {
    let w = world(backend).await;
    let app = &w.app;
    let admin = admin_token(app).await;
    let r = app
        .post(
            "/api/v1/jurisdictions",
            &json!({"code": "HNI", "name": "Hà Nội", "department_name": "Sở VHTT Hà Nội", "department_email": "bc@hni.test"}),
            Some(&admin),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let hni_id = body(r).await["id"].as_str().unwrap().to_string();
    let r = app
        .post(
            "/api/v1/agencies",
            &json!({"jurisdiction": "HNI", "code": "SYT", "name": "Sở Y tế Hà Nội", "level": "department"}),
            Some(&admin),
        )
        .await;
    let hni_syt = body(r).await["id"].as_str().unwrap().to_string();

    // TNG's staff edit TNG's agency, with the fields checked as everywhere.
    let r = put(app, &format!("/api/v1/agencies/{}", w.syt_id), &syt_edit(true), &w.staff).await;
    assert_eq!(r.status(), StatusCode::OK);
    let d = body(r).await;
    assert_eq!(d["name"], "Sở Y tế tỉnh Thái Nguyên");
    let bad = json!({"name": "Sở\u{202e}Y tế", "level": "planet", "parent_code": "SYT"});
    let r = put(app, &format!("/api/v1/agencies/{}", w.syt_id), &bad, &w.staff).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let e = body(r).await;
    assert_eq!(e["error"]["code"], "validation_failed");
    for f in ["name", "level", "parent_code"] {
        assert!(e["error"]["fields"].get(f).is_some(), "{f}: {e}");
    }
    // Another province's agency does not exist for them; a spokesperson may not edit.
    let r = put(app, &format!("/api/v1/agencies/{hni_syt}"), &syt_edit(true), &w.staff).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert_eq!(app.get(&format!("/api/v1/agencies/{hni_syt}"), Some(&w.staff)).await.status(), StatusCode::NOT_FOUND);
    let r = put(app, &format!("/api/v1/agencies/{}", w.syt_id), &syt_edit(true), &w.syt1).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(body(r).await["error"]["code"], "forbidden");

    // Jurisdictions are the administrators' alone.
    let edit = json!({"name": "Thái Nguyên (sau sáp nhập)", "department_name": "Sở VHTTDL", "department_email": "BC@tng.test",
                      "office_hours": [["07:00", "11:00"], ["13:30", "17:00"]]});
    let r = put(app, &format!("/api/v1/jurisdictions/{hni_id}"), &edit, &w.staff).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = put(
        app,
        &format!("/api/v1/jurisdictions/{hni_id}"),
        &json!({"name": "", "department_name": "x", "department_email": "nope", "office_hours": [["11:00", "07:00"]]}),
        &admin,
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = put(app, &format!("/api/v1/jurisdictions/{hni_id}"), &edit, &admin).await;
    assert_eq!(r.status(), StatusCode::OK);
    let j = body(r).await;
    assert_eq!((j["name"].as_str(), j["code"].as_str()), (Some("Thái Nguyên (sau sáp nhập)"), Some("HNI")));
    assert_eq!(j["department_email"], "bc@tng.test");
    assert_eq!(j["office_hours"], json!([["07:00", "11:00"], ["13:30", "17:00"]]));
    let r = put(app, "/api/v1/jurisdictions/01938f6e-7c1a-7a43-9a43-2f1c0e5a9b10", &edit, &admin).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);

    let log = actions(app, &admin).await;
    assert_eq!(log[..2], ["jurisdiction.update", "agency.update"], "{log:?}");
}
both!(staff_edit_only_their_provinces_agencies);

/// Monday 9 March 2026, 09:00 in Vietnam.
fn monday_9am() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 9, 2, 0, 0).unwrap()
}

async fn file(w: &World, agency_id: &str, subject: &str) -> String {
    let r = w
        .app
        .post(
            "/api/v1/requests",
            &json!({"agency_id": agency_id, "kind": "information", "subject": subject, "body": "Đề nghị cung cấp số liệu."}),
            Some(&w.reporter),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    body(r).await["id"].as_str().unwrap().to_string()
}

async fn routed_to(w: &World, id: &str) -> Value {
    let r = body(w.app.get(&format!("/api/v1/requests/{id}"), Some(&w.staff)).await).await;
    r["events"][0]["data"]["routed_to"].clone()
}

async fn a_deputy_valid_from_tomorrow_receives_requests_filed_tomorrow_not_today(backend: Backend) {
    let clock = ManualClock::new(monday_9am());
    let w = world_with(backend, Options { clock: Arc::new(clock.clone()), ..Options::default() }).await;
    let app = &w.app;
    app.create_user("deputy@syt.test", "spokesperson", vec![w.skhcn_id.clone()], None).await;
    let deputy_id = app.with_db(|c| tiepcan::db::users::by_email(c, "deputy@syt.test").unwrap().unwrap().id).await;
    // From Tuesday 00:00 in Vietnam.
    let term = json!({"email": "deputy@syt.test", "primary": false, "valid_from": "2026-03-10T00:00:00+07:00"});
    let r = app.post(&format!("/api/v1/agencies/{}/spokespeople", w.sgd_id), &term, Some(&w.staff)).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let d = body(r).await;
    let t = d["terms"].as_array().unwrap().iter().find(|t| t["email"] == "deputy@syt.test").unwrap().clone();
    assert_eq!((t["primary"].as_bool(), t["in_force"].as_bool()), (Some(false), Some(false)));
    assert_eq!(t["valid_from"], "2026-03-09T17:00:00Z");

    let today = file(&w, &w.sgd_id, "Hôm nay").await;
    assert!(!routed_to(&w, &today).await.as_array().unwrap().contains(&json!(deputy_id)));
    clock.advance(Duration::days(1));
    let tomorrow = file(&w, &w.sgd_id, "Ngày mai").await;
    let to = routed_to(&w, &tomorrow).await;
    assert_eq!(to.as_array().unwrap().len(), 2, "{to}");
    assert_eq!(to[1], json!(deputy_id), "the primary first, then the deputy: {to}");

    // Ending the term (audited) routes without the deputy again; bad periods are refused.
    let term_id = t["id"].as_str().unwrap();
    let path = format!("/api/v1/agencies/{}/spokespeople/{term_id}", w.sgd_id);
    let end = |v: Value| app.api.patch(app.url(&path)).bearer_auth(&w.staff).json(&v).send();
    assert_eq!(
        end(json!({"valid_to": "2026-03-09T00:00:00+07:00"})).await.unwrap().status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(end(json!({"valid_to": "ngày mai"})).await.unwrap().status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(end(json!({"valid_to": "2026-03-10T12:00:00+07:00"})).await.unwrap().status(), StatusCode::OK);
    clock.advance(Duration::days(1));
    let later = file(&w, &w.sgd_id, "Ngày kia").await;
    assert_eq!(routed_to(&w, &later).await.as_array().unwrap().len(), 1);
    // A second primary overlapping the first is refused; the account must be a spokesperson's.
    let primary = json!({"email": "deputy@syt.test", "primary": true, "valid_from": "2026-03-12T00:00:00+07:00"});
    let r = app.post(&format!("/api/v1/agencies/{}/spokespeople", w.sgd_id), &primary, Some(&w.staff)).await;
    assert_eq!(body(r).await["error"]["fields"]["primary"], "overlaps another primary spokesperson's term");
    let reporter = json!({"email": "pv@tuoitre.test", "valid_from": "2026-03-12T00:00:00+07:00"});
    let r = app.post(&format!("/api/v1/agencies/{}/spokespeople", w.sgd_id), &reporter, Some(&w.staff)).await;
    assert_eq!(body(r).await["error"]["fields"]["email"], "is not a spokesperson's account");

    let log = actions(app, &admin_token(app).await).await;
    assert_eq!(log[..2], ["spokesperson.end", "spokesperson.assign"], "{log:?}");
}
both!(a_deputy_valid_from_tomorrow_receives_requests_filed_tomorrow_not_today);

async fn a_deactivated_agency_keeps_its_requests_and_routes_new_ones_to_the_department(backend: Backend) {
    let w = world(backend).await;
    let app = &w.app;
    let open = file(&w, &w.syt_id, "Trước khi giải thể").await;
    let r = put(app, &format!("/api/v1/agencies/{}", w.syt_id), &syt_edit(false), &w.staff).await;
    assert_eq!(r.status(), StatusCode::OK);
    let d = body(r).await;
    assert_eq!(d["active"], false);
    // Its page lists its open request; the search no longer offers it.
    assert_eq!(d["open_requests"]["items"][0]["id"], open.as_str());
    let s = body(app.get("/api/v1/agencies?q=so%20y%20te", Some(&w.reporter)).await).await;
    assert_eq!(s["total"], 0);
    // A request sent to it anyway goes to the Department as unroutable.
    let new = file(&w, &w.syt_id, "Sau khi giải thể").await;
    assert_eq!(routed_to(&w, &new).await, json!("department"));
    let q = body(app.get("/api/v1/escalations?status=open", Some(&w.staff)).await).await;
    let esc = q["items"].as_array().unwrap().iter().find(|e| e["request"]["id"] == new.as_str()).unwrap().clone();
    assert_eq!(esc["reason"], "unroutable");
    // The open request stays with its spokesperson.
    assert_eq!(app.get(&format!("/api/v1/requests/{open}"), Some(&w.syt1)).await.status(), StatusCode::OK);
    assert_eq!(actions(app, &admin_token(app).await).await[0], "agency.deactivate");
}
both!(a_deactivated_agency_keeps_its_requests_and_routes_new_ones_to_the_department);

async fn names_in_directory(app: &TestApp, token: &str) -> Vec<(String, String)> {
    let r = body(app.get("/api/v1/agencies?per_page=100", Some(token)).await).await;
    r["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a["code"].as_str().unwrap().into(), a["name"].as_str().unwrap().into()))
        .collect()
}

async fn the_preview_shows_new_changed_unchanged_and_bad_lines_and_changes_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.admin().await;
    app.seed_directory(&admin).await;
    let before = (names_in_directory(&app, &admin).await, actions(&app, &admin).await.len());
    let file = format!(
        "{HEADER}TNG,SYT,Sở Y tế tỉnh Thái Nguyên,Department of Health,department,,syt@tng.test\n\
         TNG,SGDDT,Sở Giáo dục và Đào tạo,Department of Education and Training,department,,\n\
         TNG,STC,Sở Tài chính,,department,,\n"
    );
    let r = csv_post(&app, "/api/v1/agencies/import/preview", &file, &admin).await;
    assert_eq!(r.status(), StatusCode::OK);
    let p = body(r).await;
    let effects: Vec<(&str, &str)> = p["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["code"].as_str().unwrap(), r["effect"].as_str().unwrap()))
        .collect();
    assert_eq!(effects, [("SYT", "changed"), ("SGDDT", "unchanged"), ("STC", "new")]);
    assert_eq!(
        p["rows"][0]["changes"],
        json!([{"field": "name", "before": "Sở Y tế", "after": "Sở Y tế tỉnh Thái Nguyên"}])
    );
    assert_eq!((p["new"].as_i64(), p["changed"].as_i64(), p["unchanged"].as_i64()), (Some(1), Some(1), Some(1)));
    assert_eq!(p["errors"], json!([]));
    assert_eq!(p["rows"][2]["line"], 4);

    let bad = format!("{file}TNG,SXD,,,department,,\nTNG,SCT,Sở Công Thương,,planet,,x@\n");
    let p = body(csv_post(&app, "/api/v1/agencies/import/preview", &bad, &admin).await).await;
    let lines: Vec<i64> = p["errors"].as_array().unwrap().iter().map(|e| e["line"].as_i64().unwrap()).collect();
    assert_eq!(lines, [5, 6]);
    assert_eq!(p["errors"][0]["fields"]["name"], "required");
    assert_eq!(p["errors"][1]["fields"]["level"], "invalid_level");
    // Previews write nothing, and are for the directory's keepers only.
    assert_eq!((names_in_directory(&app, &admin).await, actions(&app, &admin).await.len()), before);
    let pw = app.create_user("pv@tuoitre.test", "reporter", vec![], None).await;
    let reporter = app.login("pv@tuoitre.test", &pw).await;
    assert_eq!(
        csv_post(&app, "/api/v1/agencies/import/preview", &file, &reporter).await.status(),
        StatusCode::FORBIDDEN
    );
    let r = app
        .api
        .post(app.url("/api/v1/agencies/import/preview"))
        .bearer_auth(&admin)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
}
both!(the_preview_shows_new_changed_unchanged_and_bad_lines_and_changes_nothing);

async fn confirming_a_different_file_than_the_previewed_one_is_refused(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.admin().await;
    app.seed_directory(&admin).await;
    let previewed = format!("{HEADER}TNG,STC,Sở Tài chính,,department,,\n");
    let other = format!("{HEADER}TNG,STC,Sở Tài chính giả,,department,,\n");
    let hash = body(csv_post(&app, "/api/v1/agencies/import/preview", &previewed, &admin).await).await["hash"]
        .as_str()
        .unwrap()
        .to_string();
    let r = csv_post(&app, &format!("/api/v1/agencies/import?hash={hash}"), &other, &admin).await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert_eq!(body(r).await["error"]["code"], "conflict");
    assert!(!names_in_directory(&app, &admin).await.iter().any(|(c, _)| c == "STC"));
    let r = csv_post(&app, &format!("/api/v1/agencies/import?hash={hash}"), &previewed, &admin).await;
    assert_eq!(body(r).await, json!({"created": 1, "updated": 0}));
}
both!(confirming_a_different_file_than_the_previewed_one_is_refused);

async fn the_export_round_trips_through_the_import_unchanged(backend: Backend) {
    let w = world(backend).await;
    let app = &w.app;
    let admin = admin_token(app).await;
    // A parent, an agency without English name or address, a deactivated one, a comma and a quote.
    let child = format!("{HEADER}TNG,BVA,\"Bệnh viện A, \"\"Trung ương\"\"\",,other,SYT,\n");
    assert_eq!(csv_post(app, "/api/v1/agencies/import", &child, &admin).await.status(), StatusCode::OK);
    let sk = json!({"name": "Sở Khoa học và Công nghệ", "name_en": "Department of Science and Technology", "level": "department", "active": false});
    assert_eq!(put(app, &format!("/api/v1/agencies/{}", w.skhcn_id), &sk, &admin).await.status(), StatusCode::OK);
    let r = app.get("/api/v1/agencies/export", Some(&w.staff)).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    let text = r.text().await.unwrap();
    assert!(text.starts_with(HEADER), "{text}");
    assert_eq!(text.lines().count(), 6, "{text}");
    assert!(text.contains("TNG,BVA,\"Bệnh viện A, \"\"Trung ương\"\"\",,other,SYT,\n"), "{text}");
    let p = body(csv_post(app, "/api/v1/agencies/import/preview", &text, &admin).await).await;
    assert_eq!((p["new"].as_i64(), p["changed"].as_i64(), p["unchanged"].as_i64()), (Some(0), Some(0), Some(5)), "{p}");
    let before = actions(app, &admin).await.len();
    assert_eq!(
        body(csv_post(app, "/api/v1/agencies/import", &text, &admin).await).await,
        json!({"created": 0, "updated": 0})
    );
    assert_eq!(actions(app, &admin).await.len(), before);
    // Staff export only their own province.
    assert_eq!(
        app.get("/api/v1/agencies/export?jurisdiction=HNI", Some(&w.staff)).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(app.get("/api/v1/agencies/export", Some(&w.syt1)).await.status(), StatusCode::FORBIDDEN);
}
both!(the_export_round_trips_through_the_import_unchanged);

async fn send_again_hands_a_failed_mail_back_to_the_mailer_and_is_audited(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.admin().await;
    let now = app.state.clock.now().naive_utc();
    let id = tiepcan::db::new_id();
    let row = tiepcan::db::models::OutboxRow {
        id: id.clone(),
        created_at: now,
        kind: "request_filed".into(),
        to_email: "lost@tng.test".into(),
        to_name: None,
        locale: tiepcan::domain::account::Locale::Vi,
        subject: "Yêu cầu mới".into(),
        body_text: "Nội dung".into(),
        body_html: "<p>Nội dung</p>".into(),
        message_id: format!("<{id}@tiepcan.test>"),
        status: "failed".into(),
        attempts: 7,
        next_attempt_at: now,
        lease_until: None,
        last_error: Some("550 5.1.1 mailbox unavailable".into()),
        smtp_reply: None,
        sent_at: None,
        reply_to: None,
    };
    app.with_db(move |c| tiepcan::db::outbox::insert(c, &row).unwrap()).await;
    let o = body(app.get("/api/v1/outbox", Some(&admin)).await).await;
    assert_eq!(o["counts"]["failed"], 1);
    assert_eq!(o["troubled"]["items"][0]["last_error"], "550 5.1.1 mailbox unavailable");
    let pw = app.create_user("pv@tuoitre.test", "reporter", vec![], None).await;
    let staff = app.login("pv@tuoitre.test", &pw).await;
    assert_eq!(app.get("/api/v1/outbox", Some(&staff)).await.status(), StatusCode::FORBIDDEN);
    let again = format!("/api/v1/outbox/{id}/send-again");
    assert_eq!(app.post(&again, &json!({}), Some(&staff)).await.status(), StatusCode::FORBIDDEN);

    let r = app.post(&again, &json!({}), Some(&admin)).await;
    assert_eq!(r.status(), StatusCode::OK);
    let item = body(r).await;
    assert_eq!((item["status"].as_str(), item["attempts"].as_i64()), (Some("pending"), Some(0)));
    assert_eq!(app.smtp.wait_for("lost@tng.test", 1).await.len(), 1, "the mailer sends it");
    let log = body(app.get("/api/v1/audit", Some(&admin)).await).await;
    let e = &log["items"][0];
    assert_eq!((e["action"].as_str(), e["target_id"].as_str()), (Some("outbox.send_again"), Some(id.as_str())));
    assert_eq!((e["before"]["status"].as_str(), e["after"]["status"].as_str()), (Some("failed"), Some("pending")));
    // Once sent, it is not sent twice.
    for _ in 0..100 {
        if app.outbox_to("lost@tng.test").await[0].status == "sent" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(app.post(&again, &json!({}), Some(&admin)).await.status(), StatusCode::CONFLICT);
}
both!(send_again_hands_a_failed_mail_back_to_the_mailer_and_is_audited);
