//! The deadline rules over HTTP: the preview at a given instant, extensions refused once they would be
//! late or would move the Department's date, explanations that say what each rule rests on (law,
//! analogy, a rule of the service), and receipts outside office hours.

use std::sync::Arc;

use chrono::{DateTime, TimeZone, Utc};
use reqwest::StatusCode;
use serde_json::{Value, json};

use tiepcan::clock::ManualClock;
use tiepcan::service::Env;
use tiepcan::service::sweeper;

use crate::both;
use crate::helpers::{Backend, Options, TestApp, body};
use crate::requests::{World, world_with};

const PW: &str = "một-mật-khẩu-dài-42";

/// Monday 9 March 2026, 09:00 in Vietnam.
fn monday_9am() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 9, 2, 0, 0).unwrap()
}

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

async fn clocked_world(backend: Backend) -> (World, ManualClock) {
    let clock = ManualClock::new(monday_9am());
    let opts = Options { clock: Arc::new(clock.clone()), ..Options::default() };
    (world_with(backend, opts).await, clock)
}

/// One sweep of reminders and escalations as of `now`.
async fn sweep_at(app: &TestApp, now: DateTime<Utc>) {
    let (pool, config, rules) = (app.pool.clone(), app.state.config.clone(), app.state.rules.current());
    tokio::task::spawn_blocking(move || {
        let mut conn = pool.get().unwrap();
        sweeper::sweep(&mut conn, Env { config: &config, rules: &rules, now }).unwrap();
    })
    .await
    .unwrap();
}

/// `GET /api/v1/deadline-preview` with a raw query string (so a test can send `+` unencoded).
async fn preview(app: &TestApp, token: &str, query: &str) -> reqwest::Response {
    app.get(&format!("/api/v1/deadline-preview?{query}"), Some(token)).await
}

fn allowed(r: &Value) -> Vec<String> {
    r["allowed_actions"].as_array().unwrap().iter().map(|a| a.as_str().unwrap().to_string()).collect()
}

fn kinds(r: &Value) -> Vec<String> {
    r["events"].as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap().to_string()).collect()
}

async fn the_preview_answers_for_the_instant_asked(backend: Backend) {
    let (w, _clock) = clocked_world(backend).await;
    let q = |rest: &str| format!("agency_id={}&kind=information&{rest}", w.syt_id);

    // No `at`: received now (Monday 9/3 09:00): Tue, Wed, Thu.
    let now = body(preview(&w.app, &w.reporter, &q("")).await).await;
    assert_eq!(now["due_at"], "2026-03-12T17:00:00Z", "{now}");

    // "When was this due if it came in on 30/4?" 30/4 and 1/5 are holidays: Mon 4/5, Tue 5/5, Wed 6/5.
    for at in ["2026-04-30T09%3A00%3A00%2B07%3A00", "2026-04-30T09:00:00+07:00", "2026-04-30T02:00:00Z"] {
        let r = preview(&w.app, &w.reporter, &q(&format!("at={at}"))).await;
        assert_eq!(r.status(), StatusCode::OK, "{at}");
        let r = body(r).await;
        assert_eq!(r["due_at"], "2026-05-06T17:00:00Z", "{at}: {r}");
        assert_eq!(r["policy_version"], "2017-decree-09");
        assert!(r["steps"][0].as_str().unwrap().starts_with("Nhận yêu cầu lúc thứ Năm 30/04/2026 09:00"), "{r}");
    }
    // Under the pack in force then: after 1/7/2026 the Press Law 2025 pack.
    let july = body(preview(&w.app, &w.reporter, &q("at=2026-07-02T10:00:00Z")).await).await;
    assert_eq!(july["policy_version"], "2026-07-press-law-2025");
    assert!(july["policy_title"].as_str().unwrap().contains("Luật Báo chí 2025"), "{july}");

    // Bad instants are refused, naming the field.
    for bad in [
        "yesterday",
        "2026-04-30",
        "2026-04-30T09:00:00",
        "30/04/2026 09:00",
        "1999-12-31T10:00:00Z",
        "2101-01-01T00:00:00%2B07:00",
    ] {
        let r = preview(&w.app, &w.reporter, &q(&format!("at={bad}"))).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
        let e = body(r).await;
        assert_eq!(e["error"]["code"], "validation_failed", "{bad}: {e}");
        assert!(e["error"]["fields"]["at"].is_string(), "{bad}: {e}");
    }

    // The calendar as stored: an administrator's extra day off on Tue 5/5 moves the answer.
    let admin = w.app.login("admin@tiepcan.test", PW).await;
    let mut year = body(w.app.get("/api/v1/calendar/2026", Some(&admin)).await).await;
    year["holidays"].as_array_mut().unwrap().push(json!({"date": "2026-05-05", "name": "Ngày nghỉ thử nghiệm"}));
    let r = w.app.api.put(w.app.url("/api/v1/calendar/2026")).bearer_auth(&admin).json(&year).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let r = body(preview(&w.app, &w.reporter, &q("at=2026-04-30T09:00:00%2B07:00")).await).await;
    assert_eq!(r["due_at"], "2026-05-07T17:00:00Z", "{r}");
}
both!(the_preview_answers_for_the_instant_asked);

async fn explanations_say_what_each_rule_rests_on(backend: Backend) {
    let (w, _clock) = clocked_world(backend).await;
    let r = w.file(&w.syt_id, "information", "Căn cứ của thời hạn").await;
    let dl = &r["deadline"];
    let steps = dl["steps"].as_array().unwrap();
    let details = dl["step_details"].as_array().unwrap();
    assert_eq!(steps.len(), details.len(), "step_details runs beside steps");
    for (text, detail) in steps.iter().zip(details) {
        assert_eq!(&detail["text"], text);
    }
    let basis_of = |needle: &str| {
        details
            .iter()
            .find(|d| d["rules"].as_array().unwrap().iter().any(|r| r["citation"].as_str().unwrap().contains(needle)))
            .map(|d| d["basis"].as_str().unwrap().to_string())
    };
    assert_eq!(basis_of("Điều 147(3)").as_deref(), Some("law"), "{dl}");
    assert_eq!(basis_of("Điều 30(3)").as_deref(), Some("analogy"), "{dl}");
    assert!(details[0]["basis"].is_null() && details[0]["rules"].as_array().unwrap().is_empty());
    assert!(steps[2].as_str().unwrap().contains("(áp dụng tương tự Luật Tiếp cận thông tin 2016, Điều 30(3)"), "{dl}");
    // The pack by its title, on the page too, never by its file name.
    assert!(dl["policy_title"].as_str().unwrap().starts_with("Luật Báo chí 2016 và Nghị định 09/2017/NĐ-CP"), "{dl}");
    assert!(!steps[0].as_str().unwrap().contains("2017-decree-09"));
    let page = w.app.page_login("pv@tuoitre.test", PW).await;
    let (_, html) = page.text(&format!("/requests/{}", r["id"].as_str().unwrap())).await;
    assert!(html.contains("Bộ quy tắc áp dụng: Luật Báo chí 2016 và Nghị định 09/2017/NĐ-CP"), "{html}");
    assert!(!html.contains("2017-decree-09"));

    // An event's 24 hours are a rule of the service, in the API and in the receipt mail.
    let e = w.file(&w.syt_id, "event", "Sập cầu").await;
    let hours = e["deadline"]["step_details"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["text"].as_str().unwrap().starts_with("24 giờ"))
        .expect("the hours step")
        .clone();
    assert_eq!(hours["basis"], "service");
    assert_eq!(hours["rules"][1]["basis"], "law", "the counting in hours: Civil Code Art. 147");
    let mails = w.app.smtp.wait_for("pv@tuoitre.test", 2).await;
    let receipt = mails.iter().find(|m| m.subject().contains("Đã nhận") && m.text().contains("24 giờ")).expect("mail");
    assert!(receipt.text().contains("quy tắc của hệ thống, không phải quy định pháp luật"), "{}", receipt.text());
    assert!(!receipt.text().contains("phải cung cấp thông tin ban đầu"), "{}", receipt.text());

    // A refusal mail quotes the ground with its exception, cited by analogy to its point.
    let id = r["id"].as_str().unwrap();
    let refuse = json!({"action": "refuse", "ground": "LAI28_1D", "reasons": "Đã cung cấp hai lần."});
    assert_eq!(w.act(&w.syt1, id, refuse).await.status(), StatusCode::OK);
    let mails = w.app.smtp.wait_for("pv@tuoitre.test", 3).await;
    let m = mails.iter().find(|m| m.subject().contains("từ chối")).expect("the refusal mail");
    assert!(m.text().contains("trừ trường hợp người yêu cầu có lý do chính đáng"), "{}", m.text());
    assert!(m.text().contains("(áp dụng tương tự Luật Tiếp cận thông tin 2016, Điều 28(1)(d))"), "{}", m.text());
}
both!(explanations_say_what_each_rule_rests_on);

async fn an_extension_after_the_due_instant_is_refused(backend: Backend) {
    let (w, clock) = clocked_world(backend).await;
    let r = w.file(&w.syt_id, "information", "Gia hạn muộn").await;
    let id = r["id"].as_str().unwrap().to_string();
    assert_eq!(r["due_at"], "2026-03-12T17:00:00Z");
    assert!(allowed(&body(w.get(&w.syt1, &id).await).await).contains(&"extend".to_string()));

    // Friday 13/3 08:00 local: the due instant (Thursday 24:00) has passed.
    clock.set(at("2026-03-13T01:00:00Z"));
    let r = w.act(&w.syt1, &id, json!({"action": "extend", "reason": "Cần tổng hợp số liệu."})).await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let e = body(r).await;
    assert_eq!(e["error"]["code"], "extension_too_late", "{e}");
    assert!(e["error"]["message"].as_str().unwrap().contains("has passed"), "{e}");
    let seen = body(w.get(&w.syt1, &id).await).await;
    assert_eq!(seen["due_at"], "2026-03-12T17:00:00Z", "the lateness stays");
    assert_eq!(seen["overdue"], true);
    assert!(!kinds(&seen).contains(&"extend".to_string()));
    assert!(!allowed(&seen).contains(&"extend".to_string()), "not offered once it would be refused");

    // The page offers no extension form any more; a stale form gets the refusal, not a 500.
    let sp = w.app.page_login("syt1@tng.test", PW).await;
    let path = format!("/requests/{id}");
    let (_, html) = sp.text(&path).await;
    assert!(!html.contains("name=\"action\" value=\"extend\""), "{html}");
    let csrf = sp.csrf(&path).await;
    let r =
        sp.post_form(&format!("{path}/actions"), &[("csrf", &csrf), ("action", "extend"), ("reason", "Muộn.")]).await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert!(r.text().await.unwrap().contains("has passed"));
}
both!(an_extension_after_the_due_instant_is_refused);

async fn an_extension_cannot_move_the_departments_date(backend: Backend) {
    let (w, clock) = clocked_world(backend).await;
    let r = w.file(&w.syt_id, "information", "Sở ấn định hạn").await;
    let id = r["id"].as_str().unwrap().to_string();
    // Overdue plus a day's grace: escalated to the Department, which orders an answer by Fri 20/3 17:00.
    let later = at("2026-03-14T00:00:00Z");
    clock.set(later);
    sweep_at(&w.app, later).await;
    let q = body(w.app.get("/api/v1/escalations?status=open", Some(&w.staff)).await).await;
    let eid = q["items"][0]["id"].as_str().unwrap().to_string();
    let order = json!({"action": "order_response", "due_at": "2026-03-20T10:00:00Z", "reason": "Trả lời ngay."});
    let r = w.app.post(&format!("/api/v1/escalations/{eid}/actions"), &order, Some(&w.staff)).await;
    assert_eq!(r.status(), StatusCode::OK);
    let seen = body(w.get(&w.syt1, &id).await).await;
    assert_eq!(seen["due_at"], "2026-03-20T10:00:00Z");
    assert_eq!(seen["overdue"], false);
    assert!(!allowed(&seen).contains(&"extend".to_string()), "{:?}", allowed(&seen));

    let r = w.act(&w.syt1, &id, json!({"action": "extend", "reason": "Cần thêm thời gian."})).await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert_eq!(body(r).await["error"]["code"], "extension_after_order");
    let seen = body(w.get(&w.syt1, &id).await).await;
    assert_eq!(seen["due_at"], "2026-03-20T10:00:00Z", "the Department's date stands");
    let ordered = seen["deadline"]["steps"].as_array().unwrap().iter().any(|s| {
        s.as_str().unwrap().contains("cơ quan quản lý báo chí yêu cầu trả lời chậm nhất thứ Sáu 20/03/2026 17:00")
    });
    assert!(ordered, "{}", seen["deadline"]);
}
both!(an_extension_cannot_move_the_departments_date);

async fn receipts_outside_office_hours_follow_the_pack_setting(backend: Backend) {
    let (w, _clock) = clocked_world(backend.clone()).await;
    let admin = w.app.login("admin@tiepcan.test", PW).await;
    // A second province whose office closes at 17:30.
    let r = w
        .app
        .post(
            "/api/v1/jurisdictions",
            &json!({"code": "HNI", "name": "Hà Nội", "department_name": "Sở Văn hóa và Thể thao",
                    "department_email": "baochi@hni.test", "office_hours": [["08:00", "12:00"], ["13:30", "17:30"]]}),
            Some(&admin),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let csv = "jurisdiction,code,name,name_en,level,parent_code,email\nHNI,SYT,Sở Y tế Hà Nội,,department,,\n";
    assert_eq!(w.app.import_csv(csv, &admin).await.status(), StatusCode::OK);
    let hni = body(w.app.get("/api/v1/agencies?q=SYT&jurisdiction=HNI", Some(&admin)).await).await["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();

    // By default a receipt outside office hours counts from its moment, and the explanation says so.
    let friday_night = "2026-03-06T23:00:00%2B07:00";
    let q = |agency: &str, at: &str| format!("agency_id={agency}&kind=information&at={at}");
    let r = body(preview(&w.app, &w.reporter, &q(&w.syt_id, friday_night)).await).await;
    assert_eq!(r["due_at"], "2026-03-11T17:00:00Z");
    let note = r["steps"][1].as_str().unwrap();
    assert!(note.contains("ngoài giờ làm việc; thời hạn vẫn tính từ lúc nhận (quy tắc của hệ thống"), "{note}");
    assert_eq!(r["step_details"][1]["basis"], "service");

    // An operator switches the pack to "the next working day, at the opening of the office".
    let shipped = include_str!("../../policy/2017-decree-09.toml");
    let changed =
        shipped.replacen("outside_office_hours = \"as_received\"", "outside_office_hours = \"next_working_day\"", 1);
    assert_ne!(shipped, changed);
    let dir = w.app.state.config.data_dir.join("policy");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("2017-decree-09.toml"), changed).unwrap();
    let app = TestApp::spawn_with_db(backend, &w.app).await;

    // Friday 23:00 counts from Monday's opening, in each province's own hours.
    let r = body(preview(&app, &w.reporter, &q(&w.syt_id, friday_night)).await).await;
    assert_eq!(r["due_at"], "2026-03-12T17:00:00Z", "{r}");
    assert!(r["steps"][1].as_str().unwrap().contains("được tính như nhận lúc thứ Hai 09/03/2026 07:30"), "{r}");
    let r = body(preview(&app, &w.reporter, &q(&hni, friday_night)).await).await;
    assert!(r["steps"][1].as_str().unwrap().contains("được tính như nhận lúc thứ Hai 09/03/2026 08:00"), "{r}");
    // Friday 17:15: after the office closed in Thái Nguyên (17:00), not in Hà Nội (17:30).
    let friday_late = "2026-03-06T17:15:00%2B07:00";
    let tng = body(preview(&app, &w.reporter, &q(&w.syt_id, friday_late)).await).await;
    let hn = body(preview(&app, &w.reporter, &q(&hni, friday_late)).await).await;
    assert_eq!(
        (tng["due_at"].as_str(), hn["due_at"].as_str()),
        (Some("2026-03-12T17:00:00Z"), Some("2026-03-11T17:00:00Z"))
    );
    // A filed request counts the same way, from the clock of the app (Monday 09:00 is in office hours).
    let filed = body(
        app.post(
            "/api/v1/requests",
            &json!({"agency_id": w.syt_id, "kind": "information", "subject": "Trong giờ", "body": "Xin số liệu."}),
            Some(&w.reporter),
        )
        .await,
    )
    .await;
    assert_eq!(filed["due_at"], "2026-03-12T17:00:00Z", "{filed}");
}
both!(receipts_outside_office_hours_follow_the_pack_setting);
