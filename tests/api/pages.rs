//! The HTML pages over HTTP (the browser suite drives them in Chromium).

use reqwest::StatusCode;

use crate::both;
use crate::helpers::{Backend, TestApp};

const PW: &str = "ngày-mai-trời-nắng-7";

async fn register_verify_login_logout_through_the_pages(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let csrf = app.csrf("/register").await;
    let form = [
        ("csrf", csrf.as_str()),
        ("email", "web@x.test"),
        ("password", PW),
        ("full_name", "<script>alert(1)</script> Lê"),
        ("outlet", "Báo Nhân Dân"),
        ("press_card_no", ""),
        ("phone", ""),
        ("locale", "vi"),
    ];
    let r = app.browser.post(app.url("/register")).form(&form).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    assert!(r.text().await.unwrap().contains("Kiểm tra hộp thư của bạn"));

    let mail = &app.smtp.wait_for("web@x.test", 1).await[0];
    let path = mail.link_path("http://tiepcan.test/verify-email").replace("http://tiepcan.test", "");
    let page = app.browser.get(app.url(&path)).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Đã xác nhận địa chỉ thư"), "{page}");

    let csrf = app.csrf("/login").await;
    let r = app
        .browser
        .post(app.url("/login"))
        .form(&[("csrf", csrf.as_str()), ("email", "web@x.test"), ("password", PW)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let cookie = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|c| c.starts_with("tiepcan_session="));
    let cookie = cookie.expect("session cookie");
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"), "{cookie}");

    // User text is escaped: the name shows as text, never as a script.
    let home = app.browser.get(app.url("/")).send().await.unwrap().text().await.unwrap();
    assert!(
        home.contains("&#60;script&#62;alert(1)&#60;/script&#62; Lê")
            || home.contains("&lt;script&gt;alert(1)&lt;/script&gt; Lê"),
        "{home}"
    );
    assert!(!home.contains("<script>alert(1)"));

    let csrf = app.csrf("/").await;
    let r = app.browser.post(app.url("/logout")).form(&[("csrf", csrf.as_str())]).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let home = app.browser.get(app.url("/")).send().await.unwrap().text().await.unwrap();
    assert!(home.contains("href=\"/login\""));
}
both!(register_verify_login_logout_through_the_pages);

async fn forms_without_the_csrf_token_are_refused(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.csrf("/register").await; // the browser holds a CSRF cookie...
    let form = [("email", "x@x.test"), ("password", PW), ("full_name", "X"), ("outlet", "Y")];
    // ...but the form does not carry the token, as a cross-site form could not.
    let r = app.browser.post(app.url("/register")).form(&form).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = app
        .browser
        .post(app.url("/login"))
        .form(&[("csrf", "wrong-token-wrong-token-x"), ("email", "x@x.test"), ("password", PW)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // No cookie at all (a fresh client).
    let r = app.api.post(app.url("/register")).form(&form).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(app.outbox_to("x@x.test").await.is_empty(), "nothing was created");
}
both!(forms_without_the_csrf_token_are_refused);

async fn form_errors_are_shown_next_to_their_fields(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let csrf = app.csrf("/register").await;
    let r = app
        .browser
        .post(app.url("/register"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("email", "bad"),
            ("password", "123"),
            ("full_name", ""),
            ("outlet", "Báo X"),
            ("locale", "vi"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = r.text().await.unwrap();
    assert!(page.contains("Địa chỉ thư điện tử không hợp lệ."));
    assert!(page.contains("Mật khẩu cần ít nhất 10 ký tự."));
    assert!(page.contains("id=\"email-error\""));
    assert!(page.contains("value=\"Báo X\""), "typed values are kept");
    let csrf = app.csrf("/login").await;
    let r = app
        .browser
        .post(app.url("/login"))
        .form(&[("csrf", csrf.as_str()), ("email", "nobody@x.test"), ("password", PW)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert!(r.text().await.unwrap().contains("Sai địa chỉ thư hoặc mật khẩu."));
}
both!(form_errors_are_shown_next_to_their_fields);

async fn directory_page_and_language_switch(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.admin().await;
    app.seed_directory(&admin).await;
    let page = app.browser.get(app.url("/agencies?q=so+y+te")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("<h2>Sở Y tế</h2>"));
    assert!(!page.contains("Sở Giáo dục"));
    assert!(page.contains("<html lang=\"vi\">"));
    // The switch keeps the page.
    let r = app.browser.get(app.url("/lang?to=en&next=%2Fagencies%3Fq%3Dso%2By%2Bte")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()["location"], "/agencies?q=so+y+te");
    let page = app.browser.get(app.url("/agencies?q=so+y+te")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("<html lang=\"en\">"));
    assert!(page.contains("Agency directory"));
    let page = app.browser.get(app.url("/agencies?q=khong+co+dau+nao")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("No agency found"));
    // Open redirects are refused.
    let r = app.browser.get(app.url("/lang?to=vi&next=//evil.test")).send().await.unwrap();
    assert_eq!(r.headers()["location"], "/");
    // Unknown pages are a page, not JSON.
    let r = app.browser.get(app.url("/no-such-page")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert!(r.text().await.unwrap().contains("Không tìm thấy trang"), "the switch back to Vietnamese holds");
    // Security headers.
    let r = app.browser.get(app.url("/")).send().await.unwrap();
    let csp = r.headers()["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("frame-ancestors 'none'") && csp.contains("script-src 'self'"));
    assert_eq!(r.headers()["x-content-type-options"], "nosniff");
}
both!(directory_page_and_language_switch);

async fn accept_invitation_through_the_page(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.admin().await;
    app.seed_directory(&admin).await;
    let syt = app.agency_id("SYT", &admin).await;
    let r = app
        .post("/api/v1/users", &serde_json::json!({"email": "pn@syt.test", "full_name": "Nguyễn Văn Minh", "role": "spokesperson", "agency_ids": [syt]}), Some(&admin))
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let mail = &app.smtp.wait_for("pn@syt.test", 1).await[0];
    let path = mail.link_path("http://tiepcan.test/accept-invite").replace("http://tiepcan.test", "");
    let token = path.split("token=").nth(1).unwrap().to_string();
    let page = app.browser.get(app.url(&path)).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("pn@syt.test"));
    let csrf = app.csrf(&path).await;
    let r = app
        .browser
        .post(app.url("/accept-invite"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("token", token.as_str()),
            ("password", PW),
            ("password_confirm", "khác-hẳn-mật-khẩu-1"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("Hai mật khẩu không khớp."));
    let r = app
        .browser
        .post(app.url("/accept-invite"))
        .form(&[("csrf", csrf.as_str()), ("token", token.as_str()), ("password", PW), ("password_confirm", PW)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let home = app.browser.get(app.url("/")).send().await.unwrap().text().await.unwrap();
    assert!(home.contains("Nguyễn Văn Minh") && home.contains("Người phát ngôn"), "{home}");
    let page = app.browser.get(app.url(&path)).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Lời mời không dùng được"));
}
both!(accept_invitation_through_the_page);
