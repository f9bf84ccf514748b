//! User administration over the API: the filtered list, staff kept to the
//! spokespeople of their own province, deactivation ending sessions at once,
//! the last administrator kept, invitations sent again, reset links instead
//! of passwords, role and agency changes; each change in the audit log.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::both;
use crate::helpers::{Backend, TestApp, body};

const PW: &str = "một-mật-khẩu-dài-42";

/// TNG seeded, a TNG spokesperson of Sở Y tế and TNG staff; the admin's token.
async fn seeded(app: &TestApp) -> (String, String) {
    let admin = app.admin().await;
    app.seed_directory(&admin).await;
    let syt = app.agency_id("SYT", &admin).await;
    app.create_user("syt@tng.test", "spokesperson", vec![syt.clone()], None).await;
    app.create_user("canbo@tng.test", "staff", vec![], Some("TNG")).await;
    (admin, syt)
}

async fn user_id(app: &TestApp, admin: &str, email: &str) -> String {
    let page = body(app.get(&format!("/api/v1/users?q={email}"), Some(admin)).await).await;
    page["items"][0]["id"].as_str().unwrap_or_else(|| panic!("no user {email}: {page}")).to_string()
}

async fn emails(app: &TestApp, token: &str, query: &str) -> Vec<String> {
    let r = app.get(&format!("/api/v1/users{query}"), Some(token)).await;
    assert_eq!(r.status(), StatusCode::OK, "{query}");
    body(r).await["items"].as_array().unwrap().iter().map(|u| u["email"].as_str().unwrap().to_string()).collect()
}

async fn post_action(app: &TestApp, token: &str, id: &str, action: &str) -> reqwest::Response {
    app.post(&format!("/api/v1/users/{id}/{action}"), &json!({}), Some(token)).await
}

async fn patch(app: &TestApp, token: &str, id: &str, change: Value) -> reqwest::Response {
    app.api.patch(app.url(&format!("/api/v1/users/{id}"))).bearer_auth(token).json(&change).send().await.unwrap()
}

async fn list_filters_by_role_agency_status_and_search(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (admin, syt) = seeded(&app).await;
    let r = app
        .post(
            "/api/v1/users",
            &json!({"email": "moi@syt.test", "full_name": "Đinh Thị Mới", "role": "spokesperson", "agency_ids": [syt]}),
            Some(&admin),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    app.create_user("pv@tuoitre.test", "reporter", vec![], None).await;

    assert_eq!(emails(&app, &admin, "?role=spokesperson").await, ["syt@tng.test", "moi@syt.test"], "by name");
    assert_eq!(emails(&app, &admin, "?status=invited").await, ["moi@syt.test"]);
    assert_eq!(emails(&app, &admin, &format!("?agency_id={syt}&status=active")).await, ["syt@tng.test"]);
    assert_eq!(emails(&app, &admin, "?q=M%E1%BB%9Bi").await, ["moi@syt.test"], "by a part of the name");
    assert_eq!(emails(&app, &admin, "?q=TUOITRE").await, ["pv@tuoitre.test"], "by the address, in any case");
    assert!(emails(&app, &admin, "?q=%25").await.is_empty(), "a wildcard is a plain character");
    let all = body(app.get("/api/v1/users?per_page=2", Some(&admin)).await).await;
    assert_eq!(all["total"], 5);
    assert_eq!(all["items"][0]["status"], "active");

    // Hostile filters are 422 naming the field, never 5xx.
    for (q, field) in [("?role=root", "role"), ("?status=sleeping", "status"), ("?agency_id=x", "agency_id")] {
        let r = app.get(&format!("/api/v1/users{q}"), Some(&admin)).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{q}");
        assert!(body(r).await["error"]["fields"][field].is_string(), "{q}");
    }
    let r = app.get("/api/v1/users?q=a%0Ab", Some(&admin)).await;
    assert_eq!(
        body(r).await["error"]["fields"]["q"],
        "may not hold line breaks, tabs or other control or text-direction characters"
    );
    let reporter = app.login("pv@tuoitre.test", PW).await;
    assert_eq!(app.get("/api/v1/users", Some(&reporter)).await.status(), StatusCode::FORBIDDEN);
}
both!(list_filters_by_role_agency_status_and_search);

async fn staff_manage_only_the_spokespeople_of_their_province(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (admin, syt) = seeded(&app).await;
    let r = app
        .post(
            "/api/v1/jurisdictions",
            &json!({"code": "HNI", "name": "Hà Nội", "department_name": "Sở VHTT Hà Nội", "department_email": "bc@hni.test"}),
            Some(&admin),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let csv = "jurisdiction,code,name,name_en,level,parent_code,email\nHNI,SYT,Sở Y tế Hà Nội,,department,,\n";
    assert_eq!(app.import_csv(csv, &admin).await.status(), StatusCode::OK);
    let r: Value = body(app.get("/api/v1/agencies?jurisdiction=HNI", Some(&admin)).await).await;
    let hni_syt = r["items"][0]["id"].as_str().unwrap().to_string();
    app.create_user("syt@hni.test", "spokesperson", vec![hni_syt.clone()], None).await;
    let staff = app.login("canbo@tng.test", PW).await;

    assert_eq!(emails(&app, &staff, "").await, ["syt@tng.test"], "only TNG's spokespeople");
    let hni_spokes = user_id(&app, &admin, "syt@hni.test").await;
    let admin_id = user_id(&app, &admin, "admin@tiepcan.test").await;
    let colleague = user_id(&app, &admin, "canbo@tng.test").await;
    for other in [&hni_spokes, &admin_id, &colleague] {
        assert_eq!(app.get(&format!("/api/v1/users/{other}"), Some(&staff)).await.status(), StatusCode::NOT_FOUND);
        assert_eq!(post_action(&app, &staff, other, "deactivate").await.status(), StatusCode::NOT_FOUND);
    }
    // Invitations and agency changes stay inside the province; roles are not theirs to change.
    let r = app
        .post(
            "/api/v1/users",
            &json!({"email": "x@hni.test", "full_name": "X", "role": "spokesperson", "agency_ids": [hni_syt]}),
            Some(&staff),
        )
        .await;
    assert_eq!(body(r).await["error"]["fields"]["agency_ids"], "names an agency outside your province");
    let mine = user_id(&app, &admin, "syt@tng.test").await;
    let r = patch(&app, &staff, &mine, json!({"agency_ids": [hni_syt]})).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = patch(&app, &staff, &mine, json!({"role": "admin"})).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body(r).await["error"]["fields"]["role"].is_string());
    let sgd = app.agency_id("SGDDT", &admin).await;
    let r = patch(&app, &staff, &mine, json!({"agency_ids": [syt, sgd]})).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(body(r).await["agency_ids"].as_array().unwrap().len(), 2);
    // And deactivating their own spokesperson works.
    assert_eq!(post_action(&app, &staff, &mine, "deactivate").await.status(), StatusCode::OK);
}
both!(staff_manage_only_the_spokespeople_of_their_province);

async fn deactivation_ends_every_session_at_once(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (admin, _) = seeded(&app).await;
    let spokes = app.login("syt@tng.test", PW).await;
    let other_device = app.login("syt@tng.test", PW).await;
    assert_eq!(app.get("/api/v1/me", Some(&spokes)).await.status(), StatusCode::OK);
    let id = user_id(&app, &admin, "syt@tng.test").await;

    let r = post_action(&app, &admin, &id, "deactivate").await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(body(r).await["status"], "deactivated");
    for t in [&spokes, &other_device] {
        assert_eq!(app.get("/api/v1/me", Some(t)).await.status(), StatusCode::UNAUTHORIZED);
    }
    let r = app.post("/api/v1/sessions", &json!({"email": "syt@tng.test", "password": PW}), None).await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let log = body(app.get("/api/v1/audit", Some(&admin)).await).await;
    let entry = &log["items"][0];
    assert_eq!(entry["action"], "user.deactivate");
    assert_eq!(entry["target_id"], id.as_str());
    assert_eq!(entry["before"]["status"], "active");
    assert_eq!(entry["after"], json!({"status": "deactivated", "sessions_ended": 2}));
    let staff = app.login("canbo@tng.test", PW).await;
    assert_eq!(app.get("/api/v1/audit", Some(&staff)).await.status(), StatusCode::OK);

    let r = post_action(&app, &admin, &id, "reactivate").await;
    assert_eq!(body(r).await["status"], "active");
    app.login("syt@tng.test", PW).await;
    let log = body(app.get("/api/v1/audit", Some(&admin)).await).await;
    assert_eq!(log["items"][0]["action"], "user.reactivate");
}
both!(deactivation_ends_every_session_at_once);

async fn the_last_active_admin_cannot_be_deactivated_or_demoted(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (admin, _) = seeded(&app).await;
    let me = user_id(&app, &admin, "admin@tiepcan.test").await;
    let r = post_action(&app, &admin, &me, "deactivate").await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert_eq!(body(r).await["error"]["code"], "last_admin");
    let r = patch(&app, &admin, &me, json!({"role": "staff", "jurisdiction": "TNG"})).await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert_eq!(body(r).await["error"]["code"], "last_admin");
    assert_eq!(app.get("/api/v1/me", Some(&admin)).await.status(), StatusCode::OK, "nothing changed");

    // An administrator invited but not yet in (no password) does not count.
    let r = app
        .post(
            "/api/v1/users",
            &json!({"email": "admin3@tiepcan.test", "full_name": "Mời", "role": "admin"}),
            Some(&admin),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    assert_eq!(body(post_action(&app, &admin, &me, "deactivate").await).await["error"]["code"], "last_admin");

    // With a second active administrator, the first may go.
    app.create_user("admin2@tiepcan.test", "admin", vec![], None).await;
    let second = app.login("admin2@tiepcan.test", PW).await;
    assert_eq!(post_action(&app, &second, &me, "deactivate").await.status(), StatusCode::OK);
    let second_id = user_id(&app, &second, "admin2@tiepcan.test").await;
    let r = post_action(&app, &second, &second_id, "deactivate").await;
    assert_eq!(body(r).await["error"]["code"], "last_admin");
}
both!(the_last_active_admin_cannot_be_deactivated_or_demoted);

async fn resending_an_invitation_replaces_its_link(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (admin, syt) = seeded(&app).await;
    let r = app
        .post(
            "/api/v1/users",
            &json!({"email": "moi@syt.test", "full_name": "Đinh Thị Mới", "role": "spokesperson", "agency_ids": [syt]}),
            Some(&admin),
        )
        .await;
    let id = body(r).await["id"].as_str().unwrap().to_string();
    let first = app.smtp.wait_for("moi@syt.test", 1).await[0].link_path("http://tiepcan.test/accept-invite?token=");
    let r = post_action(&app, &admin, &id, "resend-invite").await;
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    assert_eq!(body(r).await["status"], "invited");
    let mails = app.smtp.wait_for("moi@syt.test", 2).await;
    assert!(mails[1].text().contains("Sở Y tế"), "{}", mails[1].text());
    let second = mails[1].link_path("http://tiepcan.test/accept-invite?token=");
    assert_ne!(first, second);
    let token = |l: &str| l.split("token=").nth(1).unwrap().to_string();
    let r = app.post("/api/v1/accept-invite", &json!({"token": token(&first), "password": PW}), None).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "the first link no longer works");
    let r = app.post("/api/v1/accept-invite", &json!({"token": token(&second), "password": PW}), None).await;
    assert_eq!(r.status(), StatusCode::OK);
    let r = post_action(&app, &admin, &id, "resend-invite").await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert_eq!(body(r).await["error"]["code"], "not_invited");
    let log = body(app.get("/api/v1/audit", Some(&admin)).await).await;
    assert!(log["items"].as_array().unwrap().iter().any(|e| e["action"] == "user.invite_resend"));
}
both!(resending_an_invitation_replaces_its_link);

async fn administrators_send_a_reset_link_never_a_password(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (admin, _) = seeded(&app).await;
    let id = user_id(&app, &admin, "syt@tng.test").await;
    let r = post_action(&app, &admin, &id, "password-reset").await;
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    let mail = &app.smtp.wait_for("syt@tng.test", 1).await[0];
    assert_eq!(mail.subject(), "Đặt lại mật khẩu Tiếp cận");
    let link = mail.link_path("http://tiepcan.test/reset-password?token=");
    let token = link.split("token=").nth(1).unwrap();
    let r = app
        .post("/api/v1/password-reset/confirm", &json!({"token": token, "password": "mật-khẩu-mới-rất-dài-1"}), None)
        .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    app.login("syt@tng.test", "mật-khẩu-mới-rất-dài-1").await;
    let log = body(app.get("/api/v1/audit", Some(&admin)).await).await;
    assert_eq!(log["items"][0]["action"], "user.password_reset_sent");
    // A deactivated account is sent nothing.
    post_action(&app, &admin, &id, "deactivate").await;
    let r = post_action(&app, &admin, &id, "password-reset").await;
    assert_eq!(body(r).await["error"]["code"], "not_active");
}
both!(administrators_send_a_reset_link_never_a_password);

async fn role_and_agency_changes_move_assignments_and_are_audited(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (admin, syt) = seeded(&app).await;
    let sgd = app.agency_id("SGDDT", &admin).await;
    let id = user_id(&app, &admin, "syt@tng.test").await;
    let r = patch(&app, &admin, &id, json!({"agency_ids": [sgd]})).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(body(r).await["agency_ids"], json!([sgd]));
    let dir: Value = body(app.get("/api/v1/agencies?jurisdiction=TNG&per_page=100", Some(&admin)).await).await;
    let people = |code: &str| {
        dir["items"].as_array().unwrap().iter().find(|a| a["code"] == code).unwrap()["spokespeople"].clone()
    };
    assert_eq!(people("SYT"), json!([]), "the old assignment ended");
    assert_eq!(people("SGDDT")[0]["primary"], true, "the new one is primary where there was none");

    let r = patch(&app, &admin, &id, json!({"role": "staff", "jurisdiction": "TNG"})).await;
    assert_eq!(r.status(), StatusCode::OK);
    let v = body(r).await;
    assert_eq!(
        (v["role"].clone(), v["agency_ids"].clone(), v["jurisdiction"].clone()),
        (json!("staff"), json!([]), json!("TNG"))
    );
    let log = body(app.get("/api/v1/audit", Some(&admin)).await).await;
    let e = &log["items"][0];
    assert_eq!(e["action"], "user.update");
    assert_eq!(e["before"]["role"], "spokesperson");
    assert_eq!(e["before"]["agency_ids"], json!([sgd]));
    assert_eq!(e["after"]["role"], "staff");
    assert_eq!(log["items"][1]["before"]["agency_ids"], json!([syt]));

    for (change, field) in [
        (json!({"role": "reporter"}), "role"),
        (json!({"role": "spokesperson"}), "agency_ids"),
        (json!({"role": "staff", "jurisdiction": "XX\n"}), "jurisdiction"),
        (json!({"agency_ids": ["not-an-id"]}), "agency_ids"),
    ] {
        let r = patch(&app, &admin, &id, change.clone()).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{change}");
        assert!(body(r).await["error"]["fields"][field].is_string(), "{change}");
    }
    let r = app.api.patch(app.url(&format!("/api/v1/users/{id}"))).bearer_auth(&admin).body("{").send().await.unwrap();
    assert!(r.status().is_client_error());
}
both!(role_and_agency_changes_move_assignments_and_are_audited);

async fn a_deactivated_invitation_cannot_be_accepted(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (admin, syt) = seeded(&app).await;
    let r = app
        .post(
            "/api/v1/users",
            &json!({"email": "moi@syt.test", "full_name": "Đinh Thị Mới", "role": "spokesperson", "agency_ids": [syt]}),
            Some(&admin),
        )
        .await;
    let id = body(r).await["id"].as_str().unwrap().to_string();
    let link = app.smtp.wait_for("moi@syt.test", 1).await[0].link_path("http://tiepcan.test/accept-invite?token=");
    let token = link.split("token=").nth(1).unwrap().to_string();
    assert_eq!(post_action(&app, &admin, &id, "deactivate").await.status(), StatusCode::OK);
    let r = app.post("/api/v1/accept-invite", &json!({"token": token, "password": PW}), None).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "the mailed link ended with the account");
    // Reactivated, it is an invitation again, and a new link works.
    assert_eq!(body(post_action(&app, &admin, &id, "reactivate").await).await["status"], "invited");
    assert_eq!(post_action(&app, &admin, &id, "resend-invite").await.status(), StatusCode::ACCEPTED);
    let link = app.smtp.wait_for("moi@syt.test", 2).await[1].link_path("http://tiepcan.test/accept-invite?token=");
    let token = link.split("token=").nth(1).unwrap().to_string();
    let r = app.post("/api/v1/accept-invite", &json!({"token": token, "password": PW}), None).await;
    assert_eq!(r.status(), StatusCode::OK);
}
both!(a_deactivated_invitation_cannot_be_accepted);
