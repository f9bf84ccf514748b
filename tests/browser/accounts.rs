//! The scenarios of user administration and of accounts helping themselves,
//! through the pages only.

use crate::both;
use crate::helpers::Backend;
use crate::world::{PW, world};

const NEW_PW: &str = "mật-khẩu-mới-rất-dài-1";

/// An administrator invites a spokesperson for Sở KH&CN, who accepts from the
/// mailed link and lands in the inbox.
async fn admin_invites_a_spokesperson_who_accepts_and_lands_in_the_inbox(backend: Backend) {
    let w = world(backend).await;
    let Some(mut b) = w.browser("admin_invites_a_spokesperson").await else { return };
    b.login("admin@tiepcan.test", PW).await;
    b.check_page("admin-home").await;
    b.click("nav a[href='/admin/users']").await;
    b.find("ul.users").await;
    b.check_page("users").await;
    b.click("main a[href='/admin/users/new']").await;
    b.find("#full_name").await;
    b.check_page("invite").await;
    b.fill("#email", "phatngon@skhcn.test").await;
    b.fill("#full_name", "Vũ Thị Khoa").await;
    b.fill("#title", "Chánh Văn phòng Sở").await;
    b.click(&format!("input[name=agency_ids][value='{}']", w.skhcn_id)).await;
    b.click("main form[action='/admin/users/new'] button[type=submit]").await;
    b.wait_text("p.notice[role=status]", "Đã gửi lời mời").await;
    b.wait_text("dl.facts", "Sở Khoa học và Công nghệ").await;
    b.wait_text("dl.facts", "Đã mời, chưa nhận").await;
    b.check_page("invited").await;
    b.logout().await;

    let mail = &w.app.smtp.wait_for("phatngon@skhcn.test", 1).await[0];
    let link = mail.link_path("http://tiepcan.test/accept-invite").replace("http://tiepcan.test", "");
    b.goto(&link).await;
    b.find("#password_confirm").await;
    b.check_page("accept-invite").await;
    b.fill("#password", NEW_PW).await;
    b.fill("#password_confirm", NEW_PW).await;
    b.click("main form[action='/accept-invite'] button[type=submit]").await;
    b.wait_path("the inbox", |p| p == "/requests").await;
    b.find("nav a[href='/requests']").await;
    b.wait_text("header.site", "Vũ Thị Khoa").await;
    b.check_page("inbox").await;
    b.finish().await;
}
both!(admin_invites_a_spokesperson_who_accepts_and_lands_in_the_inbox);

/// A reporter who forgot the password asks for a link from the login page,
/// chooses a new password from the mail, signs in, and finds the account page.
async fn reporter_who_forgot_the_password_gets_back_in(backend: Backend) {
    let w = world(backend).await;
    let Some(mut b) = w.browser("reporter_forgot_password").await else { return };
    b.goto("/").await;
    b.click("a[href='/login']").await;
    b.click("main a[href='/forgot-password']").await;
    b.find("#email").await;
    b.check_page("forgot").await;
    b.fill("#email", "pv@tuoitre.test").await;
    b.click("main form[action='/forgot-password'] button[type=submit]").await;
    b.wait_text("main h1", "Kiểm tra hộp thư của bạn").await;
    b.check_page("forgot-sent").await;

    let mail = &w.app.smtp.wait_for("pv@tuoitre.test", 1).await[0];
    assert_eq!(mail.subject(), "Đặt lại mật khẩu Tiếp cận");
    let link = mail.link_path("http://tiepcan.test/reset-password").replace("http://tiepcan.test", "");
    b.goto(&link).await;
    b.find("#password_confirm").await;
    b.check_page("reset").await;
    b.fill("#password", NEW_PW).await;
    b.fill("#password_confirm", NEW_PW).await;
    b.click("main form[action='/reset-password'] button[type=submit]").await;
    b.wait_path("the login page", |p| p.starts_with("/login")).await;
    b.wait_text("p.notice[role=status]", "Đã đổi mật khẩu").await;
    b.check_page("reset-done").await;
    // The world's API session of this reporter ended with the reset.
    assert_eq!(w.app.get("/api/v1/me", Some(&w.reporter)).await.status(), reqwest::StatusCode::UNAUTHORIZED);
    b.login("pv@tuoitre.test", NEW_PW).await;
    b.click("nav a[href='/account']").await;
    b.find("#outlet").await;
    b.check_page("account").await;
    b.finish().await;
}
both!(reporter_who_forgot_the_password_gets_back_in);

/// Department staff find their province's spokesperson on a phone-sized
/// screen and deactivate the account; its sessions end at once.
async fn staff_deactivates_a_spokesperson_whose_session_ends(backend: Backend) {
    let w = world(backend).await;
    let Some(mut b) = w.browser("staff_deactivates_a_spokesperson").await else { return };
    let api_session = w.app.login("syt1@tng.test", PW).await;
    let page_session = w.app.page_login("syt1@tng.test", PW).await;
    assert_eq!(page_session.text("/requests").await.0, reqwest::StatusCode::OK);

    b.set_viewport_width(375, 800).await;
    b.login("staff@tng.test", PW).await;
    b.click("nav a[href='/admin/users']").await;
    b.find("ul.users").await;
    b.check_page("users-phone").await;
    b.fill("#q", "syt1").await;
    b.click("main form[action='/admin/users'] button[type=submit]").await;
    b.wait_text("p.muted[role=status]", "1 tài khoản").await;
    b.click("ul.users li:first-child h2 a").await;
    b.wait_text("dl.facts", "syt1@tng.test").await;
    b.check_page("spokesperson").await;
    b.click_and_wait_for_new_page("form[action$='/deactivate'] button").await;
    b.wait_text("p.notice[role=status]", "Đã khóa tài khoản").await;
    b.wait_text("dl.facts", "Đã khóa").await;
    b.check_page("deactivated").await;

    assert_eq!(w.app.get("/api/v1/me", Some(&api_session)).await.status(), reqwest::StatusCode::UNAUTHORIZED);
    let (status, _) = page_session.text("/requests").await;
    assert_eq!(status, reqwest::StatusCode::SEE_OTHER, "the page session is back at the login");
    b.finish().await;
}
both!(staff_deactivates_a_spokesperson_whose_session_ends);
