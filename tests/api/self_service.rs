//! An account looking after itself: changing its password (the current one
//! required), its address (only once the new one confirms), its profile
//! (through the validators), and signing out everywhere.

use reqwest::StatusCode;
use serde_json::json;

use crate::both;
use crate::helpers::{Backend, TestApp, body};

const PW: &str = "một-mật-khẩu-dài-42";
const NEW_PW: &str = "mật-khẩu-mới-rất-dài-1";

async fn change_password_needs_the_current_one_and_ends_other_sessions(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.create_user("pv@tuoitre.test", "reporter", vec![], None).await;
    let here = app.login("pv@tuoitre.test", PW).await;
    let elsewhere = app.login("pv@tuoitre.test", PW).await;
    let change = |current: &str, new: &str| json!({"current_password": current, "new_password": new});
    let r = app.post("/api/v1/me/password", &change("sai-mật-khẩu-99", NEW_PW), Some(&here)).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body(r).await["error"]["fields"]["current_password"], "is not the right password");
    let r = app.post("/api/v1/me/password", &change(PW, "short"), Some(&here)).await;
    assert!(body(r).await["error"]["fields"]["new_password"].is_string());
    let r = app.post("/api/v1/me/password", &change(PW, NEW_PW), Some(&here)).await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert_eq!(app.get("/api/v1/me", Some(&here)).await.status(), StatusCode::OK, "this session goes on");
    assert_eq!(app.get("/api/v1/me", Some(&elsewhere)).await.status(), StatusCode::UNAUTHORIZED);
    app.login("pv@tuoitre.test", NEW_PW).await;
    assert_eq!(app.post("/api/v1/me/password", &change(NEW_PW, PW), None).await.status(), StatusCode::UNAUTHORIZED);
}
both!(change_password_needs_the_current_one_and_ends_other_sessions);

async fn email_changes_only_when_the_new_address_confirms(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.create_user("pv@tuoitre.test", "reporter", vec![], None).await;
    app.create_user("taken@tuoitre.test", "reporter", vec![], None).await;
    let t = app.login("pv@tuoitre.test", PW).await;
    let r = app
        .post("/api/v1/me/email", &json!({"new_email": "Moi@ThanhNien.test", "password": "sai-mật-khẩu-99"}), Some(&t))
        .await;
    assert_eq!(body(r).await["error"]["fields"]["password"], "is not the right password");
    let r = app.post("/api/v1/me/email", &json!({"new_email": "pv@tuoitre.test", "password": PW}), Some(&t)).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = app.post("/api/v1/me/email", &json!({"new_email": "Moi@ThanhNien.test", "password": PW}), Some(&t)).await;
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    assert_eq!(body(r).await, json!({"new_email": "moi@thanhnien.test"}));

    let confirm = &app.smtp.wait_for("moi@thanhnien.test", 1).await[0];
    assert_eq!(confirm.subject(), "Xác nhận địa chỉ thư mới cho Tiếp cận");
    let notice = &app.smtp.wait_for("pv@tuoitre.test", 1).await[0];
    assert!(notice.text().contains("moi@thanhnien.test"), "{}", notice.text());
    assert_eq!(body(app.get("/api/v1/me", Some(&t)).await).await["email"], "pv@tuoitre.test", "not before the link");

    let link = confirm.link_path("http://tiepcan.test/confirm-email?token=");
    let token = link.split("token=").nth(1).unwrap();
    let r = app.post("/api/v1/confirm-email", &json!({"token": token}), None).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(body(r).await["email"], "moi@thanhnien.test");
    let r = app.post("/api/v1/confirm-email", &json!({"token": token}), None).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "once only");
    app.login("moi@thanhnien.test", PW).await;

    // A taken address gets the same answer and no link.
    let r = app.post("/api/v1/me/email", &json!({"new_email": "taken@tuoitre.test", "password": PW}), Some(&t)).await;
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    app.smtp.wait_for("moi@thanhnien.test", 2).await;
    assert!(app.outbox_to("taken@tuoitre.test").await.is_empty());
}
both!(email_changes_only_when_the_new_address_confirms);

async fn sign_out_everywhere_ends_every_session_including_this_one(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.create_user("pv@tuoitre.test", "reporter", vec![], None).await;
    app.create_user("other@tuoitre.test", "reporter", vec![], None).await;
    let here = app.login("pv@tuoitre.test", PW).await;
    let elsewhere = app.login("pv@tuoitre.test", PW).await;
    let someone_else = app.login("other@tuoitre.test", PW).await;
    let r = app.api.delete(app.url("/api/v1/sessions")).bearer_auth(&here).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    for t in [&here, &elsewhere] {
        assert_eq!(app.get("/api/v1/me", Some(t)).await.status(), StatusCode::UNAUTHORIZED);
    }
    assert_eq!(app.get("/api/v1/me", Some(&someone_else)).await.status(), StatusCode::OK);
}
both!(sign_out_everywhere_ends_every_session_including_this_one);

async fn profile_changes_go_through_the_validators(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.admin().await;
    app.create_user("pv@tuoitre.test", "reporter", vec![], None).await;
    app.create_user("canbo@tiepcan.test", "admin", vec![], None).await;
    let t = app.login("pv@tuoitre.test", PW).await;
    let patch = |token: &str, v: serde_json::Value| {
        app.api.patch(app.url("/api/v1/me")).bearer_auth(token.to_string()).json(&v).send()
    };
    let r =
        patch(&t, json!({"full_name": "Lê Văn\r\nBcc: x@y.test", "outlet": "", "phone": "gọi tôi", "locale": "fr"}))
            .await
            .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let f = body(r).await["error"]["fields"].clone();
    for field in ["full_name", "outlet", "phone", "locale"] {
        assert!(f[field].is_string(), "{field}: {f}");
    }
    let r = patch(&t, json!({"full_name": "Lê Văn Bình", "outlet": "Báo Thanh Niên", "press_card_no": "TN-9", "phone": "0912 345 678", "locale": "en"})).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let v = body(r).await;
    assert_eq!(
        (v["full_name"].as_str(), v["outlet"].as_str(), v["locale"].as_str()),
        (Some("Lê Văn Bình"), Some("Báo Thanh Niên"), Some("en"))
    );
    // Others keep the name their administrators gave and set a title.
    let admin = app.login("canbo@tiepcan.test", PW).await;
    let r = patch(&admin, json!({"full_name": "Tên khác", "title": "Chuyên viên", "phone": ""})).await.unwrap();
    let v = body(r).await;
    assert_eq!((v["full_name"].as_str(), v["title"].as_str()), (Some("Người dùng admin"), Some("Chuyên viên")));
    let r = patch(&admin, json!({"title": "a\u{202e}b"})).await.unwrap();
    assert_eq!(
        body(r).await["error"]["fields"]["title"],
        "may not hold line breaks, tabs or other control or text-direction characters"
    );
}
both!(profile_changes_go_through_the_validators);
