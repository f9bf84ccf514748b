use reqwest::StatusCode;
use serde_json::json;

use crate::both;
use crate::helpers::{Backend, TestApp, body};

const PW: &str = "ngày-mai-trời-nắng-7";

async fn register_verify_login_me(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let r = app.register("Mai.Nguyen@TuoiTre.test", PW).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let user = body(r).await;
    assert_eq!(user["email"], "mai.nguyen@tuoitre.test");
    assert_eq!(user["email_verified"], false);

    // The verification mail arrives over SMTP, in Vietnamese by default.
    let mails = app.smtp.wait_for("mai.nguyen@tuoitre.test", 1).await;
    let mail = &mails[0];
    assert_eq!(mail.subject(), "Xác nhận địa chỉ thư điện tử của bạn");
    assert!(mail.text().contains("Chào Nguyễn Thị Mai"));
    assert!(mail.html().contains("<html lang=\"vi\">"));
    assert!(mail.message_id().ends_with("@tiepcan.test"), "{}", mail.message_id());
    let link = mail.link_path("http://tiepcan.test/verify-email?token=");
    let token = link.split("token=").nth(1).unwrap();

    // Before verifying, the reporter can log in and is told how to verify.
    let t = app.login("mai.nguyen@tuoitre.test", PW).await;
    let me = body(app.get("/api/v1/me", Some(&t)).await).await;
    assert_eq!(me["email_verified"], false);
    let page = app
        .api
        .get(app.url("/"))
        .header("cookie", format!("tiepcan_session={t}"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Hãy xác nhận địa chỉ thư điện tử"), "{page}");

    let r = app.get(&format!("/api/v1/verify-email?token={token}"), None).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(body(r).await["email_verified"], true);
    // A link works once.
    let r = app.get(&format!("/api/v1/verify-email?token={token}"), None).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);

    let token = app.login("MAI.NGUYEN@tuoitre.test", PW).await;
    let me = body(app.get("/api/v1/me", Some(&token)).await).await;
    assert_eq!(me["email"], "mai.nguyen@tuoitre.test");
    assert_eq!(me["role"], "reporter");
    assert_eq!(me["email_verified"], true);
    assert_eq!(me["outlet"], "Báo Tuổi Trẻ");
    assert_eq!(me["agency_ids"], json!([]));

    // Logout revokes the token.
    let r = app.api.delete(app.url("/api/v1/sessions/current")).bearer_auth(&token).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let r = app.get("/api/v1/me", Some(&token)).await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(body(r).await["error"]["code"], "unauthenticated");
}
both!(register_verify_login_me);

async fn english_reporter_gets_english_mail(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let r = app
        .post(
            "/api/v1/reporters",
            &json!({"email": "jo@afp.test", "password": PW, "full_name": "Jo Smith", "outlet": "AFP", "locale": "en"}),
            None,
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let mail = &app.smtp.wait_for("jo@afp.test", 1).await[0];
    assert_eq!(mail.subject(), "Confirm your email address");
    assert!(mail.text().starts_with("Hello Jo Smith,"));
}
both!(english_reporter_gets_english_mail);

async fn duplicate_email_whatever_the_case_creates_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    assert_eq!(app.register("pv@vnexpress.test", PW).await.status(), StatusCode::CREATED);
    // The same answer as for a new address (so it tells nothing), but no account.
    let r = app.register("PV@VnExpress.TEST", "một-mật-khẩu-khác-9").await;
    assert_eq!(r.status(), StatusCode::CREATED);
    assert_eq!(body(r).await["email"], "pv@vnexpress.test");
    let kinds: Vec<String> = app.outbox_to("pv@vnexpress.test").await.into_iter().map(|r| r.kind).collect();
    assert_eq!(kinds, vec!["verify_email", "register_taken"], "the owner is told, nothing is confirmed");
    let r = app
        .post("/api/v1/sessions", &json!({"email": "pv@vnexpress.test", "password": "một-mật-khẩu-khác-9"}), None)
        .await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
}
both!(duplicate_email_whatever_the_case_creates_nothing);

async fn registration_validation_names_every_field(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let r = app
        .post("/api/v1/reporters", &json!({"email": "not-an-email", "password": "1234567890", "phone": "abc"}), None)
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let e = body(r).await;
    assert_eq!(e["error"]["code"], "validation_failed");
    let f = &e["error"]["fields"];
    assert_eq!(f["email"], "is not a valid email address");
    assert_eq!(f["password"], "is too common; choose another");
    assert_eq!(f["full_name"], "is required");
    assert_eq!(f["outlet"], "is required");
    assert_eq!(f["phone"], "is not a valid phone number");
    let r = app
        .post(
            "/api/v1/reporters",
            &json!({"email": "a@b.test", "password": "short", "full_name": "A", "outlet": "B"}),
            None,
        )
        .await;
    assert_eq!(body(r).await["error"]["fields"]["password"], "must be at least 10 characters");
    assert!(app.smtp.all().is_empty());
}
both!(registration_validation_names_every_field);

async fn wrong_password_401_then_429(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.register("pv@dantri.test", PW).await;
    for _ in 0..5 {
        let r =
            app.post("/api/v1/sessions", &json!({"email": "pv@dantri.test", "password": "sai-mat-khau-1"}), None).await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(body(r).await["error"]["code"], "unauthenticated");
    }
    // The account is now locked: even the right password waits.
    let r = app.post("/api/v1/sessions", &json!({"email": "pv@dantri.test", "password": PW}), None).await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(r.headers().get("retry-after").is_some());
    assert_eq!(body(r).await["error"]["code"], "rate_limited");
    // An unknown account gives the same 401 as a wrong password.
    let r = app.post("/api/v1/sessions", &json!({"email": "nobody@x.test", "password": PW}), None).await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
}
both!(wrong_password_401_then_429);

async fn login_is_rate_limited_per_ip(backend: Backend) {
    let mut opts = crate::helpers::Options::default();
    opts.env.insert("TIEPCAN_LOGIN_PER_IP_PER_MINUTE".into(), "3".into());
    let app = TestApp::spawn_with(backend, opts).await;
    let mut statuses = Vec::new();
    for i in 0..4 {
        let r = app.post("/api/v1/sessions", &json!({"email": format!("u{i}@x.test"), "password": PW}), None).await;
        statuses.push(r.status().as_u16());
    }
    assert_eq!(statuses, vec![401, 401, 401, 429]);
}
both!(login_is_rate_limited_per_ip);

async fn registration_is_rate_limited_per_ip(backend: Backend) {
    let mut opts = crate::helpers::Options::default();
    opts.env.insert("TIEPCAN_REGISTER_PER_IP_PER_HOUR".into(), "2".into());
    let app = TestApp::spawn_with(backend, opts).await;
    assert_eq!(app.register("a1@x.test", PW).await.status(), StatusCode::CREATED);
    assert_eq!(app.register("a2@x.test", PW).await.status(), StatusCode::CREATED);
    let r = app.register("a3@x.test", PW).await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(body(r).await["error"]["code"], "rate_limited");
}
both!(registration_is_rate_limited_per_ip);

async fn invitation_flow(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.admin().await;
    app.seed_directory(&admin).await;
    let syt = app.agency_id("SYT", &admin).await;

    // Department staff of TNG, invited by the administrator.
    let r = app
        .post(
            "/api/v1/users",
            &json!({"email": "canbo@tng.test", "full_name": "Hoàng Thị Lan", "role": "staff", "jurisdiction": "TNG"}),
            Some(&admin),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let staff = body(r).await;
    assert_eq!(staff["jurisdiction"], "TNG");
    let mail = &app.smtp.wait_for("canbo@tng.test", 1).await[0];
    assert_eq!(mail.subject(), "Lời mời tham gia Tiếp cận");
    assert!(mail.text().contains("Cán bộ Sở"), "{}", mail.text());
    let link = mail.link_path("http://tiepcan.test/accept-invite?token=");
    let token = link.split("token=").nth(1).unwrap().to_string();

    // Invited, not yet accepted: no login possible.
    let r = app.post("/api/v1/sessions", &json!({"email": "canbo@tng.test", "password": PW}), None).await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    // A weak password is refused and the link stays usable.
    let r = app.post("/api/v1/accept-invite", &json!({"token": token, "password": "password123"}), None).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = app.post("/api/v1/accept-invite", &json!({"token": token, "password": PW}), None).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(body(r).await["email_verified"], true);
    let r = app.post("/api/v1/accept-invite", &json!({"token": token, "password": PW}), None).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "an invitation works once");

    // Staff invite a spokesperson of their province: primary, then a deputy.
    let staff_token = app.login("canbo@tng.test", PW).await;
    let r = app
        .post("/api/v1/users", &json!({"email": "pn1@syt.test", "full_name": "Nguyễn Văn Minh", "role": "spokesperson", "agency_ids": [syt], "title": "Phó Giám đốc"}), Some(&staff_token))
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    assert_eq!(body(r).await["agency_ids"], json!([syt]));
    let r = app
        .post(
            "/api/v1/users",
            &json!({"email": "pn2@syt.test", "full_name": "Trần Thị Hà", "role": "spokesperson", "agency_ids": [syt]}),
            Some(&staff_token),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let dir = body(app.get("/api/v1/agencies?q=y%20te", Some(&admin)).await).await;
    let people = &dir["items"][0]["spokespeople"];
    assert_eq!(people.as_array().unwrap().len(), 2);
    assert_eq!(people[0]["full_name"], "Nguyễn Văn Minh");
    assert_eq!(people[0]["primary"], true);
    assert_eq!(people[1]["primary"], false);

    // Staff may not create administrators; reporters may not invite anyone.
    let r = app
        .post("/api/v1/users", &json!({"email": "x@x.test", "full_name": "X", "role": "admin"}), Some(&staff_token))
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body(r).await["error"]["fields"]["role"], "you may not create accounts with this role");
    app.register("pv@x.test", PW).await;
    let reporter = app.login("pv@x.test", PW).await;
    let r = app
        .post(
            "/api/v1/users",
            &json!({"email": "y@x.test", "full_name": "Y", "role": "staff", "jurisdiction": "TNG"}),
            Some(&reporter),
        )
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // Inviting an existing address is a conflict.
    let r = app
        .post(
            "/api/v1/users",
            &json!({"email": "PN1@syt.test", "full_name": "Z", "role": "spokesperson", "agency_ids": [syt]}),
            Some(&admin),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
}
both!(invitation_flow);
