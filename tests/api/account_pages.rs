//! The pages of user administration and of accounts helping themselves, over
//! HTTP: CSRF on every new form, staff kept to their province, the last
//! administrator kept, "forgot password" answering alike for every address.

use reqwest::StatusCode;
use serde_json::Value;

use crate::both;
use crate::helpers::{Backend, PageSession, TestApp, body};

const PW: &str = "một-mật-khẩu-dài-42";
const NEW_PW: &str = "mật-khẩu-mới-rất-dài-1";

async fn seeded(app: &TestApp) -> (String, String) {
    let admin = app.admin().await;
    app.seed_directory(&admin).await;
    let syt = app.agency_id("SYT", &admin).await;
    app.create_user("syt@tng.test", "spokesperson", vec![syt.clone()], None).await;
    app.create_user("canbo@tng.test", "staff", vec![], Some("TNG")).await;
    (admin, syt)
}

async fn id_of(app: &TestApp, admin: &str, email: &str) -> String {
    let v: Value = body(app.get(&format!("/api/v1/users?q={email}"), Some(admin)).await).await;
    v["items"][0]["id"].as_str().unwrap().to_string()
}

async fn every_new_form_refuses_a_wrong_csrf_token(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (admin, syt) = seeded(&app).await;
    let spokes = id_of(&app, &admin, "syt@tng.test").await;
    let s = app.page_login("admin@tiepcan.test", PW).await;
    let good = s.csrf("/account").await;
    let posts: Vec<(String, Vec<(&str, &str)>)> = vec![
        ("/forgot-password".into(), vec![("email", "syt@tng.test")]),
        ("/reset-password".into(), vec![("token", "x"), ("password", NEW_PW), ("password_confirm", NEW_PW)]),
        ("/account/profile".into(), vec![("title", "Bị đổi")]),
        (
            "/account/password".into(),
            vec![("current_password", PW), ("new_password", NEW_PW), ("new_password_confirm", NEW_PW)],
        ),
        ("/account/email".into(), vec![("new_email", "evil@x.test"), ("password", PW)]),
        ("/account/sign-out-everywhere".into(), vec![]),
        (
            "/admin/users/new".into(),
            vec![("email", "x@syt.test"), ("full_name", "X"), ("role", "spokesperson"), ("agency_ids", syt.as_str())],
        ),
        (format!("/admin/users/{spokes}/deactivate"), vec![]),
        (format!("/admin/users/{spokes}/password-reset"), vec![]),
        (format!("/admin/users/{spokes}/update"), vec![("agency_ids", syt.as_str())]),
    ];
    for (path, fields) in &posts {
        for token in ["", "forged-token"] {
            let mut form = fields.clone();
            form.push(("csrf", token));
            let r = s.post_form(path, &form).await;
            assert_eq!(r.status(), StatusCode::FORBIDDEN, "{path} with {token:?}");
        }
    }
    // Nothing happened: the spokesperson is active, nothing was mailed, the admin still signed in.
    let v: Value = body(app.get(&format!("/api/v1/users/{spokes}"), Some(&admin)).await).await;
    assert_eq!(v["status"], "active");
    assert!(app.smtp.all().is_empty());
    let (status, _) = s.text("/account").await;
    assert_eq!(status, StatusCode::OK);
    // And with the right token the same form works.
    let r = s.post_form(&format!("/admin/users/{spokes}/deactivate"), &[("csrf", good.as_str())]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
}
both!(every_new_form_refuses_a_wrong_csrf_token);

async fn invite_and_manage_through_the_pages(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (admin, syt) = seeded(&app).await;
    let sgd = app.agency_id("SGDDT", &admin).await;
    let s = app.page_login("admin@tiepcan.test", PW).await;
    let (status, home) = s.text("/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(home.contains("href=\"/admin/users\"") && home.contains("href=\"/account\""), "linked from home");
    let csrf = s.csrf("/admin/users/new").await;
    // Two agencies ticked: the form repeats the field.
    let r = s
        .post_form(
            "/admin/users/new",
            &[
                ("csrf", &csrf),
                ("email", "Moi@SYT.test"),
                ("full_name", "Đinh Thị Mới"),
                ("title", "Chánh Văn phòng"),
                ("role", "spokesperson"),
                ("agency_ids", &syt),
                ("agency_ids", &sgd),
                ("locale", "vi"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let to = r.headers()["location"].to_str().unwrap().to_string();
    assert!(to.ends_with("?done=invited"), "{to}");
    let (_, page) = s.text(&to).await;
    assert!(page.contains("Đã gửi lời mời") && page.contains("Sở Y tế") && page.contains("Sở Giáo dục"), "{page}");
    app.smtp.wait_for("moi@syt.test", 1).await;

    // Hostile input comes back as the form with its errors, never a 5xx.
    let r = s
        .post_form(
            "/admin/users/new",
            &[("csrf", &csrf), ("email", "moi@syt.test"), ("full_name", "A\u{202e}B"), ("role", "root")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let text = r.text().await.unwrap();
    assert!(text.contains("error-summary") && text.contains("Vai trò không hợp lệ"), "{text}");

    // The list filters; the last administrator's page refuses with a clear reason.
    let (_, list) = s.text("/admin/users?status=invited").await;
    assert!(list.contains("moi@syt.test") && !list.contains("syt@tng.test"), "{list}");
    let (status, _) = s.text("/admin/users?status=sleeping&q=a%0Ab").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let me = id_of(&app, &admin, "admin@tiepcan.test").await;
    let r = s.post_form(&format!("/admin/users/{me}/deactivate"), &[("csrf", &csrf)]).await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert!(r.text().await.unwrap().contains("quản trị viên cuối cùng"));
    let r = s.post_form(&format!("/admin/users/{me}/explode"), &[("csrf", &csrf)]).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}
both!(invite_and_manage_through_the_pages);

async fn staff_pages_show_only_their_provinces_spokespeople(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (admin, _) = seeded(&app).await;
    let staff = app.page_login("canbo@tng.test", PW).await;
    let (status, list) = staff.text("/admin/users").await;
    assert_eq!(status, StatusCode::OK);
    assert!(list.contains("syt@tng.test") && !list.contains("admin@tiepcan.test"), "{list}");
    let admin_id = id_of(&app, &admin, "admin@tiepcan.test").await;
    let (status, _) = staff.text(&format!("/admin/users/{admin_id}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let reporter_pw = app.create_user("pv@tuoitre.test", "reporter", vec![], None).await;
    let reporter = app.page_login("pv@tuoitre.test", &reporter_pw).await;
    assert_eq!(reporter.text("/admin/users").await.0, StatusCode::NOT_FOUND);
    assert_eq!(reporter.text("/admin/users/new").await.0, StatusCode::NOT_FOUND);
}
both!(staff_pages_show_only_their_provinces_spokespeople);

async fn forgot_password_pages_answer_alike_and_reset_once(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.create_user("pv@tuoitre.test", "reporter", vec![], None).await;
    let visitor = PageSession { client: app.browser.clone(), base: app.base.clone() };
    let (_, login) = visitor.text("/login").await;
    assert!(login.contains("href=\"/forgot-password\""));
    let csrf = visitor.csrf("/forgot-password").await;
    let answer = |email: &'static str| {
        let (v, c) = (&visitor, csrf.clone());
        async move {
            let r = v.post_form("/forgot-password", &[("csrf", c.as_str()), ("email", email)]).await;
            (r.status(), r.text().await.unwrap().replace(email, "ADDRESS").replace(&c, ""))
        }
    };
    let known = answer("pv@tuoitre.test").await;
    let unknown = answer("nobody@tuoitre.test").await;
    assert_eq!(known, unknown, "the same page for both");
    assert_eq!(known.0, StatusCode::OK);

    let mail = &app.smtp.wait_for("pv@tuoitre.test", 1).await[0];
    let path = mail.link_path("http://tiepcan.test/reset-password?token=").replace("http://tiepcan.test", "");
    let token = path.split("token=").nth(1).unwrap().to_string();
    let (status, form) = visitor.text(&path).await;
    assert_eq!(status, StatusCode::OK);
    assert!(form.contains("pv@tuoitre.test"));
    let csrf = visitor.csrf(&path).await;
    let fields = |a: &'static str, b: &'static str| {
        vec![("csrf", csrf.clone()), ("token", token.clone()), ("password", a.into()), ("password_confirm", b.into())]
    };
    let r = visitor.client.post(app.url("/reset-password")).form(&fields(NEW_PW, "khác")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = visitor.client.post(app.url("/reset-password")).form(&fields(NEW_PW, NEW_PW)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()["location"], "/login?reset=1");
    let (status, _) = visitor.text(&path).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "used once");
    app.page_login("pv@tuoitre.test", NEW_PW).await;
}
both!(forgot_password_pages_answer_alike_and_reset_once);

async fn account_page_saves_the_profile_and_signs_out_everywhere(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.create_user("pv@tuoitre.test", "reporter", vec![], None).await;
    let other = app.login("pv@tuoitre.test", PW).await;
    let s = app.page_login("pv@tuoitre.test", PW).await;
    let csrf = s.csrf("/account").await;
    let r = s
        .post_form(
            "/account/profile",
            &[("csrf", &csrf), ("full_name", "Lê\tBình"), ("outlet", "Báo A"), ("locale", "vi")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("aria-invalid=\"true\""));
    let r = s
        .post_form(
            "/account/profile",
            &[
                ("csrf", &csrf),
                ("full_name", "Lê Bình"),
                ("outlet", "Báo A"),
                ("press_card_no", "A-1"),
                ("phone", ""),
                ("locale", "en"),
            ],
        )
        .await;
    assert_eq!(r.headers()["location"], "/account?done=profile");
    let (_, page) = s.text("/account?done=profile").await;
    assert!(page.contains("Your profile is saved") && page.contains("value=\"Báo A\""), "the account's language now");
    let r = s.post_form("/account/sign-out-everywhere", &[("csrf", &csrf)]).await;
    assert_eq!(r.headers()["location"], "/login?out=all");
    assert_eq!(app.get("/api/v1/me", Some(&other)).await.status(), StatusCode::UNAUTHORIZED);
    let (status, _) = s.text("/account").await;
    assert_eq!(status, StatusCode::SEE_OTHER, "this browser too");
}
both!(account_page_saves_the_profile_and_signs_out_everywhere);
