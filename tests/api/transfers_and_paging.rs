//! Transfers and what follows them (a request's escalations go with it to the
//! Department of its new province; the actor that gave it away gets 200 with
//! what it may still see), the Department's order bounds, and stable paging
//! over rows that tie on every other key.

use std::collections::HashSet;
use std::sync::Arc;

use chrono::{DateTime, Duration, TimeZone, Utc};
use reqwest::StatusCode;
use serde_json::{Value, json};

use tiepcan::clock::ManualClock;
use tiepcan::service::Env;
use tiepcan::service::accounts;
use tiepcan::service::requests::file::{self, FileInput};
use tiepcan::service::sweeper;

use crate::both;
use crate::helpers::{Backend, Options, body};
use crate::requests::{World, world, world_with};

/// The password the harness gives every account it creates.
const PW: &str = "một-mật-khẩu-dài-42";

/// Hà Nội beside Thái Nguyên: its Department (an address and one staff member)
/// and its Sở Y tế with a spokesperson.
struct Hanoi {
    agency_id: String,
    spokesperson: String,
    staff: String,
    staff_password: String,
}

async fn add_hanoi(w: &World) -> Hanoi {
    let pw = w.app.create_user("admin-hni@tiepcan.test", "admin", vec![], None).await;
    let admin = w.app.login("admin-hni@tiepcan.test", &pw).await;
    let j = json!({"code": "HNI", "name": "Hà Nội", "department_name": "Sở Văn hóa và Thể thao",
                   "department_email": "baochi@hni.test"});
    assert_eq!(w.app.post("/api/v1/jurisdictions", &j, Some(&admin)).await.status(), StatusCode::CREATED);
    let csv = "jurisdiction,code,name,name_en,level,parent_code,email\nHNI,SYT,Sở Y tế Hà Nội,,department,,\n";
    assert_eq!(w.app.import_csv(csv, &admin).await.status(), StatusCode::OK);
    let found = body(w.app.get("/api/v1/agencies?q=syt&jurisdiction=HNI", Some(&admin)).await).await;
    let agency_id = found["items"][0]["id"].as_str().unwrap().to_string();
    let pw = w.app.create_user("syt@hni.test", "spokesperson", vec![agency_id.clone()], None).await;
    let spokesperson = w.app.login("syt@hni.test", &pw).await;
    let staff_password = w.app.create_user("staff@hni.test", "staff", vec![], Some("HNI")).await;
    let staff = w.app.login("staff@hni.test", &staff_password).await;
    Hanoi { agency_id, spokesperson, staff, staff_password }
}

fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

async fn esc_act(w: &World, token: &str, esc: &str, action: Value) -> reqwest::Response {
    w.app.post(&format!("/api/v1/escalations/{esc}/actions"), &action, Some(token)).await
}

/// The ids of the requests in an escalation queue's page (status `open` or all).
async fn queue_ids(w: &World, token: &str, query: &str) -> Vec<String> {
    let page = body(w.app.get(&format!("/api/v1/escalations{query}"), Some(token)).await).await;
    page["items"].as_array().unwrap().iter().map(|i| i["request"]["id"].as_str().unwrap().to_string()).collect()
}

async fn cross_province_transfer_takes_the_escalation_along(backend: Backend) {
    let w = world(backend).await;
    let hni = add_hanoi(&w).await;
    let subject = "Giá vắc-xin dịch vụ";
    let id = w.file(&w.syt_id, "information", subject).await["id"].as_str().unwrap().to_string();
    let reply = json!({"action": "reply", "body": "Xem bảng giá đính kèm.", "outcome": "partial"});
    assert_eq!(w.act(&w.syt1, &id, reply).await.status(), StatusCode::OK);
    let r = body(w.act(&w.reporter, &id, json!({"action": "complain", "reason": "Thiếu giá."})).await).await;
    let esc = r["escalation"]["id"].as_str().unwrap().to_string();
    let order = json!({"action": "order_response", "due_at": rfc3339(Utc::now() + Duration::days(5)),
                       "reason": "Đề nghị trả lời đủ."});
    assert_eq!(esc_act(&w, &w.staff, &esc, order).await.status(), StatusCode::OK);
    let me = body(w.app.get("/api/v1/me", Some(&w.staff)).await).await;
    let assign = json!({"action": "assign", "user_id": me["id"]});
    assert_eq!(esc_act(&w, &w.staff, &esc, assign).await.status(), StatusCode::OK);
    assert_eq!(queue_ids(&w, &w.staff, "?status=open").await, vec![id.clone()]);

    // The agency finds the question is Hà Nội's to answer, and transfers it there.
    let transfer = json!({"action": "transfer", "agency_id": hni.agency_id, "reason": "Thuộc thẩm quyền Hà Nội."});
    w.act(&w.syt1, &id, transfer).await; // its answer: a_committed_transfer_answers_200_…
    assert_eq!(body(w.get(&hni.spokesperson, &id).await).await["jurisdiction"], "HNI");

    // Thái Nguyên's Department no longer sees the request anywhere, nor acts on it.
    assert_eq!(w.get(&w.staff, &id).await.status(), StatusCode::NOT_FOUND);
    assert!(queue_ids(&w, &w.staff, "?status=open").await.is_empty());
    assert!(queue_ids(&w, &w.staff, "").await.is_empty(), "nor among its closed escalations");
    assert_eq!(body(w.app.get("/api/v1/requests", Some(&w.staff)).await).await["total"], 0);
    let late = json!({"action": "order_response", "due_at": rfc3339(Utc::now() + Duration::days(3)), "reason": "x"});
    for action in [late, json!({"action": "dismiss", "reason": "x"}), json!({"action": "note", "body": "x"})] {
        let r = esc_act(&w, &w.staff, &esc, action.clone()).await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{action}");
    }
    let tng = w.app.page_login("staff@tng.test", PW).await;
    let (status, page) = tng.text("/escalations?status=all").await;
    assert_eq!(status, StatusCode::OK);
    assert!(!page.contains(subject), "the subject left Thái Nguyên's queue page");

    // Hà Nội's Department has it: in its queue, unassigned, with its own review period.
    let queue = body(w.app.get("/api/v1/escalations?status=open", Some(&hni.staff)).await).await;
    assert_eq!(queue["total"], 1);
    let item = &queue["items"][0];
    assert_eq!((item["id"].as_str(), item["request"]["id"].as_str()), (Some(esc.as_str()), Some(id.as_str())));
    assert_eq!(item["reason"], "complaint");
    assert!(item["assigned_to"].is_null());
    let review_due: DateTime<Utc> = item["due_at"].as_str().unwrap().parse().unwrap();
    assert!(review_due > Utc::now(), "a review period of its own: {review_due}");
    let seen = body(w.get(&hni.staff, &id).await).await;
    assert_eq!(seen["viewer"], "department");
    assert_eq!(seen["jurisdiction"], "HNI");
    assert_eq!(seen["escalation"]["id"], esc.as_str());
    assert_eq!(seen["escalation"]["status"], "open");
    let moved = seen["events"].as_array().unwrap().iter().find(|e| e["kind"] == "escalation_transferred").unwrap();
    assert_eq!(
        (moved["data"]["from_jurisdiction"].as_str(), moved["data"]["to_jurisdiction"].as_str()),
        (Some("TNG"), Some("HNI"))
    );
    let reporter_view = body(w.get(&w.reporter, &id).await).await;
    assert!(reporter_view["events"].as_array().unwrap().iter().any(|e| e["kind"] == "escalation_transferred"));
    let hni_page = w.app.page_login("staff@hni.test", &hni.staff_password).await;
    let (_, page) = hni_page.text("/escalations").await;
    assert!(page.contains(subject), "the subject is in Hà Nội's queue page");
    let (_, page) = hni_page.text(&format!("/requests/{id}")).await;
    assert!(page.contains(&format!("/escalations/{esc}/actions")), "Hà Nội's staff get the escalation's forms");

    // And acts on it: a new order to its agency, then the matter resolved.
    let order = json!({"action": "order_response", "due_at": rfc3339(Utc::now() + Duration::days(4)),
                       "reason": "Sở Y tế Hà Nội trả lời."});
    let r = esc_act(&w, &hni.staff, &esc, order).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(body(r).await["request"]["agency"]["id"], hni.agency_id.as_str());
    let reply = json!({"action": "reply", "body": "Bảng giá đầy đủ.", "outcome": "granted"});
    assert_eq!(w.act(&hni.spokesperson, &id, reply).await.status(), StatusCode::OK);
    let r = esc_act(&w, &hni.staff, &esc, json!({"action": "resolve", "resolution": "Đã trả lời đủ."})).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(body(r).await["status"], "resolved");

    // The mails: Hà Nội's Department (its address and its staff) learns the
    // review is now its own, with the link; Thái Nguyên's learns why the request
    // left its queue, without a link it could not open.
    for to in ["baochi@hni.test", "staff@hni.test"] {
        let m = w.app.smtp.wait_for(to, 1).await;
        let moved: Vec<_> = m.iter().filter(|m| m.subject().contains("được chuyển về địa phương")).collect();
        assert_eq!(moved.len(), 1, "{to}: {:?}", m.iter().map(|m| m.subject()).collect::<Vec<_>>());
        assert!(moved[0].text().contains("Thái Nguyên") && moved[0].text().contains(&format!("/requests/{id}")));
    }
    let out = w.app.smtp.wait_for("baochi@tng.test", 2).await;
    let out: Vec<_> = out.iter().filter(|m| m.subject().contains("đã chuyển sang địa phương khác")).collect();
    assert_eq!(out.len(), 1);
    assert!(out[0].text().contains("Hà Nội") && !out[0].text().contains(&format!("/requests/{id}")));
    assert!(w.app.smtp.wait_for("syt@hni.test", 1).await[0].subject().contains("Yêu cầu cung cấp thông tin mới"));
}
both!(cross_province_transfer_takes_the_escalation_along);

/// Before transfers moved escalations, a request transferred to another
/// province left them behind. Migration 000008 gives them to the request's
/// province: reverted (with the migrations after it) and applied again over
/// such a row, it moves it.
async fn the_migration_gives_escalations_left_behind_to_their_province(backend: Backend) {
    use diesel::RunQueryDsl;
    use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};
    const PG: EmbeddedMigrations = embed_migrations!("migrations/postgres");
    const SQLITE: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
    // Later migrations are reverted first, down to this one.
    const MIGRATION_000008: &str = "20261201000008";

    let w = world(backend).await;
    let hni = add_hanoi(&w).await;
    // An agency without a spokesperson: the escalation opens at filing, in Thái Nguyên.
    let id = w.file(&w.skhcn_id, "information", "Bỏ lại phía sau").await["id"].as_str().unwrap().to_string();
    let db_url = w.app.db_url.clone();
    let (agency, request) = (hni.agency_id.clone(), id.clone());
    tokio::task::spawn_blocking(move || {
        let mut conn = tiepcan::db::connect_one(&db_url).unwrap();
        // The request moved as the old transfer moved it: the escalation stays.
        let moved = format!(
            "UPDATE requests SET agency_id = '{agency}', jurisdiction_id = \
             (SELECT jurisdiction_id FROM agencies WHERE id = '{agency}') WHERE id = '{request}'"
        );
        diesel::sql_query(moved).execute(&mut conn).unwrap();
        match &mut conn {
            tiepcan::db::DbConn::Pg(c) => {
                while c.revert_last_migration(PG).unwrap().to_string() != MIGRATION_000008 {}
                c.run_pending_migrations(PG).unwrap();
            }
            tiepcan::db::DbConn::Sqlite(c) => {
                while c.revert_last_migration(SQLITE).unwrap().to_string() != MIGRATION_000008 {}
                c.run_pending_migrations(SQLITE).unwrap();
            }
        }
    })
    .await
    .unwrap();
    assert!(queue_ids(&w, &w.staff, "").await.is_empty());
    assert_eq!(queue_ids(&w, &hni.staff, "?status=open").await, vec![id]);
}
both!(the_migration_gives_escalations_left_behind_to_their_province);

async fn order_response_refuses_a_past_or_far_date(backend: Backend) {
    let w = world(backend).await;
    // An agency without a spokesperson: the escalation opens at filing.
    let r = w.file(&w.skhcn_id, "information", "Đề tài cấp tỉnh").await;
    let esc = r["escalation"]["id"].as_str().unwrap().to_string();
    let order = |due: DateTime<Utc>| json!({"action": "order_response", "due_at": rfc3339(due), "reason": "Trả lời."});
    for (due, message) in [
        (Utc::now() - Duration::hours(1), "must be in the future"),
        (Utc::now() + Duration::days(367), "must be within a year from now"),
        (Utc::now() + Duration::days(3650), "must be within a year from now"),
    ] {
        let r = esc_act(&w, &w.staff, &esc, order(due)).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{due}");
        let e = body(r).await;
        assert_eq!(e["error"]["code"], "validation_failed");
        assert_eq!(e["error"]["fields"]["due_at"], message);
    }
    let r = esc_act(&w, &w.staff, &esc, order(Utc::now() + Duration::days(300))).await;
    assert_eq!(r.status(), StatusCode::OK);
}
both!(order_response_refuses_a_past_or_far_date);

async fn a_committed_transfer_answers_200_with_what_the_caller_still_sees(backend: Backend) {
    let w = world(backend).await;
    let hni = add_hanoi(&w).await;
    let first = w.file(&w.syt_id, "information", "Một").await;
    let id = first["id"].as_str().unwrap();
    let transfer = |agency: &str| json!({"action": "transfer", "agency_id": agency, "reason": "Không thuộc Sở Y tế."});

    // Out of the spokesperson's sight: 200 with id, reference, status, agency, and nothing more.
    let r = w.act(&w.syt1, id, transfer(&hni.agency_id)).await;
    assert_eq!(r.status(), StatusCode::OK);
    let gone = body(r).await;
    let keys: HashSet<&str> = gone.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys, HashSet::from(["id", "reference", "status", "agency", "viewer"]), "{gone}");
    assert_eq!(gone["id"], id);
    assert_eq!(gone["reference"], first["reference"]);
    assert_eq!(gone["status"], "awaiting_response");
    assert_eq!(gone["agency"]["id"], hni.agency_id.as_str());
    assert_eq!(gone["agency"]["name"], "Sở Y tế Hà Nội");
    assert_eq!(gone["viewer"], "outsider");
    // The change stands: the new agency has it, the old one does not.
    assert_eq!(w.get(&w.syt1, id).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(body(w.get(&hni.spokesperson, id).await).await["agency"]["id"], hni.agency_id.as_str());

    // A spokesperson for both agencies keeps sight of it: the whole request.
    let pw = w.app.create_user("hai-so@tng.test", "spokesperson", vec![w.syt_id.clone(), w.sgd_id.clone()], None).await;
    let two = w.app.login("hai-so@tng.test", &pw).await;
    let id = w.file(&w.syt_id, "information", "Hai").await["id"].as_str().unwrap().to_string();
    let r = w.act(&two, &id, transfer(&w.sgd_id)).await;
    assert_eq!(r.status(), StatusCode::OK);
    let seen = body(r).await;
    assert_eq!(seen["viewer"], "spokesperson");
    assert_eq!(seen["agency"]["id"], w.sgd_id.as_str());
    assert_eq!(seen["events"].as_array().unwrap().last().unwrap()["kind"], "transfer");

    // The pages: still in sight, back to the request; out of sight, to the inbox.
    let page = w.app.page_login("hai-so@tng.test", &pw).await;
    let id = w.file(&w.syt_id, "information", "Ba").await["id"].as_str().unwrap().to_string();
    let path = format!("/requests/{id}");
    let csrf = page.csrf(&path).await;
    let form = [("csrf", csrf.as_str()), ("action", "transfer"), ("agency_id", w.sgd_id.as_str()), ("reason", "x")];
    let r = page.post_form(&format!("{path}/actions"), &form).await;
    assert_eq!(r.headers()["location"], format!("{path}?done=1").as_str());
    let form =
        [("csrf", csrf.as_str()), ("action", "transfer"), ("agency_id", hni.agency_id.as_str()), ("reason", "x")];
    let r = page.post_form(&format!("{path}/actions"), &form).await;
    assert_eq!(r.headers()["location"], "/requests?transferred=1");
}
both!(a_committed_transfer_answers_200_with_what_the_caller_still_sees);

/// Files `n` information requests to each of `agencies` through the service,
/// all at one instant: they tie on every key of the inbox order but the id.
async fn file_at_one_instant(w: &World, agencies: Vec<String>, n: usize, now: DateTime<Utc>) {
    let (pool, config, rules) = (w.app.pool.clone(), w.app.state.config.clone(), w.app.state.rules.current());
    let token = w.reporter.clone();
    tokio::task::spawn_blocking(move || {
        let mut conn = pool.get().unwrap();
        let env = Env { config: &config, rules: &rules, now };
        let p = accounts::authenticate(&mut conn, env, &token).unwrap().unwrap();
        for agency in &agencies {
            for i in 0..n {
                let input = FileInput {
                    agency_id: agency.clone(),
                    kind: "information".into(),
                    subject: format!("Câu hỏi số {i}"),
                    body: "Nội dung".into(),
                };
                file::file(&mut conn, env, &p, &input, None).unwrap();
            }
        }
    })
    .await
    .unwrap();
}

/// Every page of a list asked by `per_page` (the API serves at most 100); the
/// ids in the order served.
async fn all_pages(w: &World, token: &str, path: &str, per_page: usize, id_of: fn(&Value) -> &Value) -> Vec<String> {
    let mut ids = Vec::new();
    for page in 1.. {
        let sep = if path.contains('?') { '&' } else { '?' };
        let got = body(w.app.get(&format!("{path}{sep}per_page={per_page}&page={page}"), Some(token)).await).await;
        assert_eq!(got["per_page"], per_page.min(100));
        let items = got["items"].as_array().unwrap();
        ids.extend(items.iter().map(|i| id_of(i).as_str().unwrap().to_string()));
        if items.len() < per_page.min(100) {
            assert_eq!(got["total"], ids.len(), "{path} by {per_page}");
            return ids;
        }
    }
    unreachable!()
}

fn each_once(ids: &[String], expected: usize, what: &str) {
    let distinct: HashSet<&String> = ids.iter().collect();
    assert_eq!((ids.len(), distinct.len()), (expected, expected), "{what}: every row once");
}

/// The request ids linked from a list page, in page order.
fn linked_requests(page: &str) -> Vec<String> {
    page.split("<h2><a href=\"/requests/").skip(1).map(|s| s[..s.find('"').unwrap()].to_string()).collect()
}

async fn paging_shows_500_tied_rows_each_exactly_once(backend: Backend) {
    // The app's clock stands before the filings, so its mailer leaves their
    // mails alone (they are due at the filing instant).
    let clock = ManualClock::new(Utc.with_ymd_and_hms(2026, 3, 2, 2, 0, 0).unwrap());
    let w = world_with(backend, Options { clock: Arc::new(clock), ..Options::default() }).await;
    let pw = w.app.create_user("hai-so@tng.test", "spokesperson", vec![w.syt_id.clone(), w.sgd_id.clone()], None).await;
    let two = w.app.login("hai-so@tng.test", &pw).await;
    let filed_at = Utc.with_ymd_and_hms(2026, 3, 9, 2, 0, 0).unwrap();
    file_at_one_instant(&w, vec![w.syt_id.clone(), w.sgd_id.clone()], 250, filed_at).await;
    // One sweep opens 500 escalations at one instant, with one review deadline.
    let (pool, config, rules) = (w.app.pool.clone(), w.app.state.config.clone(), w.app.state.rules.current());
    let report = tokio::task::spawn_blocking(move || {
        let now = Utc.with_ymd_and_hms(2026, 3, 20, 0, 0, 0).unwrap();
        sweeper::sweep(&mut pool.get().unwrap(), Env { config: &config, rules: &rules, now }).unwrap()
    })
    .await
    .unwrap();
    assert_eq!(report.overdue, 500);

    let request_of: fn(&Value) -> &Value = |i| &i["request"]["id"];
    let id_of: fn(&Value) -> &Value = |i| &i["id"];
    let mut last_page_escalation = String::new();
    for per_page in [7, 100, 101] {
        for query in ["/api/v1/escalations?status=open", "/api/v1/escalations"] {
            each_once(&all_pages(&w, &w.staff, query, per_page, request_of).await, 500, query);
        }
        for (token, scope, expected) in [
            (&w.staff, "province", 500),
            (&w.reporter, "reporter", 500),
            (&two, "two agencies", 500),
            (&w.syt1, "inbox", 250),
        ] {
            each_once(&all_pages(&w, token, "/api/v1/requests", per_page, id_of).await, expected, scope);
        }
        if per_page == 100 {
            let last = all_pages(&w, &w.staff, "/api/v1/escalations?status=open", 100, id_of).await;
            last_page_escalation = last[450].clone();
        }
    }

    // The pages page the same way.
    let staff = w.app.page_login("staff@tng.test", PW).await;
    let mut seen = Vec::new();
    for page in 1..=5 {
        seen.extend(linked_requests(&staff.text(&format!("/escalations?page={page}")).await.1));
    }
    each_once(&seen, 500, "the queue page");
    let (_, last) = staff.text("/escalations?page=5").await;
    assert!(last.contains("5 / 5") && last.contains("rel=\"prev\""), "the queue page has a pager");
    let mut seen = Vec::new();
    for page in 1..=10 {
        seen.extend(linked_requests(&staff.text(&format!("/requests?page={page}")).await.1));
    }
    each_once(&seen, 500, "the province's requests page");

    // An action on an escalation far down the queue answers with that escalation.
    let r = esc_act(&w, &w.staff, &last_page_escalation, json!({"action": "note", "body": "Đã xem."})).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(body(r).await["id"], last_page_escalation.as_str());
}
both!(paging_shows_500_tied_rows_each_exactly_once);
