//! The scenarios of the browser suite, through the pages only.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use fantoccini::Locator;
use fantoccini::key::Key;
use tiepcan::clock::ManualClock;

use crate::both;
use crate::driver::Browser;
use crate::helpers::{Backend, Options};
use crate::world::{PW, world, world_with};

const NEW_PW: &str = "ngày-mai-trời-nắng-7";

/// Is `s` a date and time as the pages show them: `dd/mm/yyyy HH:mm`?
fn is_vn_datetime(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 16
        && b[..16].iter().enumerate().all(|(i, c)| match i {
            2 | 5 => *c == b'/',
            10 => *c == b' ',
            13 => *c == b':',
            _ => c.is_ascii_digit(),
        })
}

/// Goes to `/requests` through the navigation and opens the request `path`
/// from the list.
async fn open_from_list(b: &mut Browser, path: &str) {
    b.click("nav a[href='/requests']").await;
    b.find("ul.requests").await;
    b.check_page("list").await;
    b.click(&format!("ul.requests a[href='{path}']")).await;
    b.wait_path(path, |p| p.starts_with(path)).await;
    b.find("article h1").await;
}

/// Submits the form of action `action` on the request page, opening its
/// `<details>` first, and waits for the confirmation.
async fn submit_action(b: &mut Browser, action: &str) {
    let details = format!("details:has(input[name=action][value={action}])");
    b.click_and_wait_for_new_page(&format!("{details} button[type=submit]")).await;
    b.wait_path("the confirmation", |p| p.contains("done=1")).await;
    b.find("p.notice[role=status]").await;
}

async fn open_action(b: &Browser, action: &str) {
    b.open_details(&format!("details:has(input[name=action][value={action}])")).await;
}

/// (1) and (2): a reporter registers, verifies, files after a preview; the
/// spokesperson asks a clarification, the reporter answers, the spokesperson
/// replies with an attachment, the reporter downloads it.
async fn register_file_clarify_answer_download(backend: Backend) {
    let w = world(backend).await;
    let Some(mut b) = w.browser("register_file_clarify_answer_download").await else { return };

    // Register from the home page.
    b.goto("/").await;
    b.check_page("home").await;
    b.click("nav a[href='/register']").await;
    b.find("#full_name").await;
    b.check_page("register").await;
    b.fill("#email", "mai@nhandan.test").await;
    b.fill("#password", NEW_PW).await;
    b.fill("#full_name", "Lê Thị Mai").await;
    b.fill("#outlet", "Báo Nhân Dân").await;
    b.click("main form[action='/register'] button[type=submit]").await;
    b.wait_text("main", "Kiểm tra hộp thư của bạn").await;
    b.check_page("registered").await;

    // The verification link from the captured mail.
    let mail = &w.app.smtp.wait_for("mai@nhandan.test", 1).await[0];
    let link = mail.link_path("http://tiepcan.test/verify-email").replace("http://tiepcan.test", "");
    b.goto(&link).await;
    b.wait_text("main", "Đã xác nhận địa chỉ thư").await;
    b.check_page("verified").await;

    // Log in and file after a preview.
    b.login("mai@nhandan.test", NEW_PW).await;
    b.check_page("home-reporter").await;
    // No request yet: the list says so and offers the way to file.
    b.click("nav a[href='/requests']").await;
    b.find("main p.empty").await;
    b.find("main a[href='/requests/new']").await;
    b.check_page("list-empty").await;
    b.click("nav a[href='/requests/new']").await;
    b.find("#agency_q").await;
    b.check_page("new").await;
    // Sending too early shows an error summary and the errors next to their fields.
    b.click("button[name=op][value=file]").await;
    b.wait_text(".error-summary[role=alert]", "Chưa gửi được").await;
    let summary_links = b.client.find_all(fantoccini::Locator::Css(".error-summary a[href^='#']")).await.unwrap();
    assert!(!summary_links.is_empty(), "the summary links to the fields");
    b.find("#subject[aria-invalid=true][aria-describedby=subject-error]").await;
    b.wait_text("#subject-error", "").await;
    b.check_page("new-errors").await;
    b.fill("#agency_q", "so y te").await;
    b.click("button[name=op][value=search]").await;
    let agency = format!("input[name=agency_id][value='{}']", w.syt_id);
    b.find(&agency).await.click().await.unwrap();
    b.check_page("new-agency-found").await;
    b.click("input[name=kind][value=information]").await;
    b.fill("#subject", "Số ca sốt xuất huyết năm 2026").await;
    b.fill("#body", "Đề nghị cung cấp số ca sốt xuất huyết theo từng huyện.").await;
    b.click("button[name=op][value=preview]").await;
    let preview = b.wait_text("#preview", "hạn trả lời của").await;
    let due = b.find("#preview .due-big").await.text().await.unwrap();
    assert!(is_vn_datetime(&due), "the preview shows a due date: {due:?}");
    assert!(preview.contains("Điều 147"), "the preview explains the deadline: {preview}");
    b.check_page("new-preview").await;
    b.click("button[name=op][value=file]").await;
    let path = b.wait_path("the new request's page", |p| p.starts_with("/requests/") && p != "/requests/new").await;
    let path = path.split('?').next().unwrap().to_string();
    b.wait_text("article h1", "Số ca sốt xuất huyết năm 2026").await;
    let shown = b.find("dd.due time").await.text().await.unwrap();
    assert!(is_vn_datetime(&shown), "the request page shows the due date: {shown:?}");
    b.wait_text("dd.due .hint", "còn").await;
    b.wait_text("details.why", "Vì sao hạn là lúc này?").await;
    b.wait_text("details.why ol.steps", "Điều 147").await;
    b.wait_text(".badge", "Chờ trả lời").await;
    b.check_page("request-filed").await;
    b.logout().await;

    // The spokesperson finds it at the top of the inbox and asks a clarification.
    b.login("syt1@tng.test", PW).await;
    b.click("nav a[href='/requests']").await;
    let top = b.find("ul.requests li:first-child h2 a").await;
    assert_eq!(top.attr("href").await.unwrap().as_deref(), Some(path.as_str()), "the new request is on top");
    b.check_page("inbox").await;
    top.click().await.unwrap();
    b.wait_text("article h1", "Số ca sốt xuất huyết").await;
    b.check_page("request-spokesperson").await;
    open_action(&b, "request_clarification").await;
    b.fill("#rc-question", "Số liệu đến tháng nào?").await;
    submit_action(&mut b, "request_clarification").await;
    b.wait_text(".badge", "Chờ làm rõ").await;
    b.wait_text("ol.timeline", "Số liệu đến tháng nào?").await;
    b.check_page("clarification-asked").await;
    b.logout().await;

    // The reporter answers.
    b.login("mai@nhandan.test", NEW_PW).await;
    open_from_list(&mut b, &path).await;
    b.check_page("request-reporter-clarify").await;
    open_action(&b, "clarify").await;
    b.fill("#clarify-body", "Đến hết tháng 10.").await;
    submit_action(&mut b, "clarify").await;
    b.wait_text(".badge", "Chờ trả lời").await;
    b.check_page("clarified").await;
    b.logout().await;

    // The spokesperson uploads a file and replies.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("so-lieu.pdf");
    let pdf = "%PDF-1.4\n% so lieu sot xuat huyet\n%%EOF\n";
    std::fs::write(&file, pdf).unwrap();
    b.login("syt1@tng.test", PW).await;
    open_from_list(&mut b, &path).await;
    b.find("#file").await.send_keys(&file.display().to_string()).await.unwrap();
    b.click_and_wait_for_new_page("form.upload button[type=submit]").await;
    b.wait_text("ul.files", "so-lieu.pdf").await;
    b.check_page("attached").await;
    open_action(&b, "reply").await;
    b.fill("#reply-body", "Đến hết tháng 10 có 321 ca.").await;
    b.click("input[name=outcome][value=partial]").await;
    submit_action(&mut b, "reply").await;
    b.wait_text(".badge", "Đã trả lời").await;
    b.check_page("answered").await;
    b.logout().await;

    // The reporter reads the answer and downloads the file with the browser's session.
    b.login("mai@nhandan.test", NEW_PW).await;
    open_from_list(&mut b, &path).await;
    b.wait_text("ol.timeline", "Đến hết tháng 10 có 321 ca.").await;
    b.wait_text("dl.facts", "cung cấp một phần").await;
    b.check_page("answer-read").await;
    let a = b.find("ul.files a[download]").await;
    assert_eq!(a.text().await.unwrap(), "so-lieu.pdf");
    let href = a.attr("href").await.unwrap().unwrap();
    assert!(href.starts_with(&format!("{path}/attachments/")), "{href}");
    let got = b
        .script(
            "return fetch(arguments[0], {credentials: 'same-origin'}).then(r => r.text().then(t => \
             ({status: r.status, disposition: r.headers.get('content-disposition'), body: t})));",
            vec![href.clone().into()],
        )
        .await;
    assert_eq!(got["status"], 200, "{got}");
    assert!(got["disposition"].as_str().unwrap_or_default().starts_with("attachment;"), "{got}");
    assert_eq!(got["body"], pdf);
    b.finish().await;
}
both!(register_file_clarify_answer_download);

/// (3): a refusal with a ground, the reporter's complaint, and the
/// Department's order to respond, from its escalation queue.
async fn refusal_complaint_and_order(backend: Backend) {
    let w = world(backend).await;
    let id = w.file(&w.syt_id, "Hồ sơ thanh tra bệnh viện").await;
    let path = format!("/requests/{id}");
    let Some(mut b) = w.browser("refusal_complaint_and_order").await else { return };

    b.login("syt1@tng.test", PW).await;
    open_from_list(&mut b, &path).await;
    // The transfer form offers the province's other agencies by name.
    open_action(&b, "transfer").await;
    b.wait_text("#transfer-agency optgroup", "Sở Giáo dục và Đào tạo").await;
    b.check_page("transfer-form").await;
    open_action(&b, "refuse").await;
    b.find("#refuse-ground").await.select_by_value("PL38_2C").await.unwrap();
    b.fill("#refuse-reasons", "Đang thanh tra, chưa có kết luận.").await;
    b.check_page("refuse-form").await;
    submit_action(&mut b, "refuse").await;
    b.wait_text(".badge", "Từ chối").await;
    b.wait_text("dl.facts", "PL38_2C").await;
    b.check_page("refused").await;
    b.logout().await;

    b.login("pv@tuoitre.test", PW).await;
    open_from_list(&mut b, &path).await;
    b.wait_text("dl.facts", "PL38_2C").await;
    open_action(&b, "complain").await;
    b.fill("#complain-reason", "Căn cứ từ chối không phù hợp.").await;
    submit_action(&mut b, "complain").await;
    b.wait_text(".badge.status-escalated", "").await;
    b.check_page("complained").await;
    b.logout().await;

    b.login("staff@tng.test", PW).await;
    b.click("nav a[href='/escalations']").await;
    b.wait_text("ul.requests", "Hồ sơ thanh tra bệnh viện").await;
    b.check_page("escalation-queue").await;
    b.click(&format!("ul.requests a[href='{path}']")).await;
    b.wait_text("article h1", "Hồ sơ thanh tra bệnh viện").await;
    b.check_page("request-staff").await;
    let order = "details:has(input[name=action][value=order_response])";
    b.open_details(order).await;
    // The date is typed as the pages show dates: dd/mm/yyyy HH:mm, Vietnam time
    // (a month ahead: the Department may order at most a year ahead).
    let vietnam = chrono::FixedOffset::east_opt(7 * 3600).unwrap();
    let due = format!("{} 17:00", (Utc::now() + chrono::Duration::days(30)).with_timezone(&vietnam).format("%d/%m/%Y"));
    b.fill("#esc-due", &due).await;
    b.fill("#esc-reason", "Trả lời trước 17 giờ.").await;
    b.click_and_wait_for_new_page(&format!("{order} button[type=submit]")).await;
    b.wait_path("the confirmation", |p| p.contains("done=1")).await;
    b.wait_text("dd.due", &due).await;
    b.check_page("response-ordered").await;
    b.finish().await;
}
both!(refusal_complaint_and_order);

/// (4): the language switch keeps the page, both ways.
async fn language_switch_keeps_the_page(backend: Backend) {
    let w = world(backend).await;
    let id = w.file(&w.syt_id, "Kế hoạch tiêm chủng").await;
    let path = format!("/requests/{id}");
    let Some(mut b) = w.browser("language_switch_keeps_the_page").await else { return };

    b.goto("/login").await;
    b.find("#email").await;
    b.click("a.lang").await;
    b.wait_text("main h1", "Log in").await;
    assert_eq!(b.path().await.split('?').next().unwrap(), "/login");
    assert_eq!(b.script("return document.documentElement.lang;", vec![]).await, "en");
    b.check_page("login-en").await;

    b.fill("#email", "pv@tuoitre.test").await;
    b.fill("#password", PW).await;
    b.click("main form button[type=submit]").await;
    b.find("form[action='/logout']").await;
    b.goto(&path).await;
    b.wait_text("details.why summary", "").await;
    assert_eq!(b.script("return document.documentElement.lang;", vec![]).await, "en", "English is kept");
    b.check_page("request-en").await;
    // Strict security headers on the page.
    let h = b.headers_of(&path).await;
    assert_eq!(h["status"], 200, "{h}");
    let csp = h["content-security-policy"].as_str().unwrap_or_default();
    assert!(
        csp.contains("frame-ancestors 'none'") && csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"),
        "{h}"
    );
    assert_eq!(h["x-content-type-options"], "nosniff", "{h}");
    b.click("a.lang").await;
    b.wait_text("details.why summary", "Vì sao hạn là lúc này?").await;
    assert_eq!(b.path().await.split('?').next().unwrap(), path, "the switch keeps the page");
    assert_eq!(b.script("return document.documentElement.lang;", vec![]).await, "vi");
    b.check_page("request-vi").await;
    b.click("a.lang").await;
    b.wait_text("details.why summary", "Why").await;
    assert_eq!(b.path().await.split('?').next().unwrap(), path);
    b.finish().await;
}
both!(language_switch_keeps_the_page);

/// (5): at 375 px wide, no page scrolls sideways (checked on every page by
/// `check_page`).
async fn phone_sized_viewport(backend: Backend) {
    let w = world(backend).await;
    let id = w.file(&w.skhcn_id, "Chưa có người phát ngôn").await;
    let path = format!("/requests/{id}");
    let Some(mut b) = w.browser("phone_sized_viewport").await else { return };
    b.goto("/").await;
    b.set_viewport_width(375, 812).await;
    b.goto("/").await;
    b.check_page("home").await;
    b.goto("/register").await;
    b.check_page("register").await;
    b.goto("/agencies").await;
    b.check_page("agencies").await;
    b.goto("/api/docs").await;
    b.check_page("api-docs").await;

    b.login("pv@tuoitre.test", PW).await;
    b.check_page("home-reporter").await;
    b.click("nav a[href='/requests/new']").await;
    b.fill("#agency_q", "so y te").await;
    b.click("button[name=op][value=search]").await;
    b.find(&format!("input[name=agency_id][value='{}']", w.syt_id)).await.click().await.unwrap();
    b.click("input[name=kind][value=information]").await;
    b.fill("#subject", "Danh sách cơ sở y tế tư nhân được cấp phép trong năm 2026 trên địa bàn tỉnh").await;
    b.fill("#body", "Đề nghị cung cấp danh sách.").await;
    b.click("button[name=op][value=preview]").await;
    b.wait_text("#preview", "hạn trả lời của").await;
    b.check_page("new-preview").await;
    b.click("button[name=op][value=file]").await;
    b.wait_path("the request page", |p| p.starts_with("/requests/") && p != "/requests/new").await;
    b.find("dd.due").await;
    b.check_page("request").await;
    b.click("nav a[href='/requests']").await;
    b.find("ul.requests").await;
    b.check_page("list").await;
    b.logout().await;

    b.login("staff@tng.test", PW).await;
    b.click("nav a[href='/escalations']").await;
    b.find(&format!("ul.requests a[href='{path}']")).await;
    b.check_page("escalation-queue").await;
    b.goto(&path).await;
    b.find("#esc-due").await;
    b.check_page("request-staff").await;
    b.finish().await;
}
both!(phone_sized_viewport);

/// (6): filing with the keyboard only: Tab to move, typing, Enter and Space
/// to press, all as WebDriver key actions.
async fn filing_with_the_keyboard_only(backend: Backend) {
    let w = world(backend).await;
    let Some(mut b) = w.browser("filing_with_the_keyboard_only").await else { return };
    b.goto("/login").await;
    b.find("#email").await;
    b.tab_to("the e-mail field", |f| f.starts_with("input#email")).await;
    b.type_text("pv@tuoitre.test").await;
    b.press(Key::Tab).await;
    b.type_text(PW).await;
    b.press(Key::Enter).await;
    b.find("form[action='/logout']").await;

    b.tab_to("the link to a new request", |f| f.ends_with("->/requests/new")).await;
    b.press(Key::Enter).await;
    b.find("#agency_q").await;
    b.check_page("new").await;
    b.tab_to("the agency search field", |f| f.starts_with("input#agency_q")).await;
    b.assert_focus_visible().await;
    b.type_text("so y te").await;
    b.press(Key::Enter).await;
    let agency = format!("input[name=agency_id][value='{}']", w.syt_id);
    b.find(&agency).await;
    b.tab_to("the agency choice", |f| f.starts_with("input[agency_id=")).await;
    b.press(Key::Space).await;
    let kind = b.tab_to("a kind of request", |f| f.starts_with("input[kind=")).await;
    b.press(Key::Space).await;
    b.tab_to("the subject field", |f| f.starts_with("input#subject")).await;
    b.type_text("Kế hoạch phòng chống dịch").await;
    b.tab_to("the text field", |f| f.starts_with("textarea#body")).await;
    b.type_text("Đề nghị cung cấp kế hoạch năm 2026.").await;
    b.tab_to("the preview button", |f| f == "button[op=preview]").await;
    b.assert_focus_visible().await;
    b.press(Key::Enter).await;
    b.wait_text("#preview", "hạn trả lời của").await;
    b.check_page("new-preview").await;
    let checked = b
        .script(
            "return [document.querySelector('input[name=agency_id]:checked')?.value,\
                     document.querySelector('input[name=kind]:checked')?.value];",
            vec![],
        )
        .await;
    assert_eq!(checked[0], w.syt_id.as_str(), "the agency chosen by keyboard is kept");
    assert!(kind.contains(checked[1].as_str().unwrap_or("none")), "the kind chosen by keyboard is kept: {kind}");
    b.tab_to("the file button", |f| f == "button[op=file]").await;
    b.assert_focus_visible().await;
    b.press(Key::Space).await;
    b.wait_path("the request page", |p| p.starts_with("/requests/") && p != "/requests/new").await;
    b.wait_text("article h1", "Kế hoạch phòng chống dịch").await;
    b.wait_text("div.text", "Đề nghị cung cấp kế hoạch năm 2026.").await;
    b.find("dd.due").await;
    b.check_page("request-filed").await;
    b.finish().await;
}
both!(filing_with_the_keyboard_only);

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

/// (7): a request past its due instant is marked overdue, with how late it
/// is, in the inbox, on its page, in the reporter's list and in the
/// Department's queue; on a clock the test moves.
async fn overdue_request_is_marked(backend: Backend) {
    // Monday 9 March 2026, 09:00 in Vietnam: due Thursday 12/3 at 24:00.
    let clock = ManualClock::new(at("2026-03-09T02:00:00Z"));
    let w = world_with(backend, Options { clock: Arc::new(clock.clone()), ..Options::default() }).await;
    let late = w.file(&w.syt_id, "Kết quả thanh tra an toàn thực phẩm").await;
    // Friday 13/3, 10:00: another one, due Wednesday 18/3 at 24:00.
    clock.set(at("2026-03-13T03:00:00Z"));
    let fresh = w.file(&w.syt_id, "Lịch tiêm chủng mở rộng quý II").await;
    // Saturday 14/3, 03:00: the first is 27 hours late and, past the 24-hour
    // grace, the sweep sends it to the Department.
    clock.set(at("2026-03-13T20:00:00Z"));
    w.sweep().await;
    let (late_path, fresh_path) = (format!("/requests/{late}"), format!("/requests/{fresh}"));
    let Some(mut b) = w.browser("overdue_request_is_marked").await else { return };

    // The spokesperson's inbox: the late one on top, marked, with how late it is;
    // the other counts the working days left over the weekend.
    b.login("syt1@tng.test", PW).await;
    b.click("nav a[href='/requests']").await;
    let top = b.find("ul.requests li:first-child h2 a").await;
    assert_eq!(top.attr("href").await.unwrap().as_deref(), Some(late_path.as_str()), "the late one is on top");
    let second = b.find("ul.requests li:nth-child(2) h2 a").await;
    assert_eq!(second.attr("href").await.unwrap().as_deref(), Some(fresh_path.as_str()));
    b.wait_text("ul.requests li:first-child .badge.status-overdue", "Quá hạn").await;
    b.wait_text("ul.requests li:first-child .hint.over", "quá hạn 27 giờ").await;
    b.wait_text("ul.requests li:nth-child(2) .hint", "còn 3 ngày làm việc").await;
    let marked = b.client.find_all(Locator::Css("ul.requests li:nth-child(2) .status-overdue")).await.unwrap();
    assert!(marked.is_empty(), "a request not yet due is not marked overdue");
    b.check_page("inbox-overdue").await;
    top.click().await.unwrap();
    b.wait_text("article h1", "Kết quả thanh tra an toàn thực phẩm").await;
    b.wait_text("article .badge.status-overdue", "Quá hạn").await;
    b.wait_text("article .badge.status-escalated", "quá hạn").await;
    b.wait_text("dd.due.over", "12/03/2026 24:00").await;
    b.wait_text("dd.due.over .hint", "quá hạn 27 giờ").await;
    b.check_page("request-overdue").await;
    b.logout().await;

    // The reporter sees the same in the list and may complain.
    b.login("pv@tuoitre.test", PW).await;
    b.click("nav a[href='/requests']").await;
    b.wait_text(&format!("ul.requests li:has(a[href='{late_path}']) .badge.status-overdue"), "Quá hạn").await;
    b.check_page("list-overdue").await;
    b.goto(&late_path).await;
    b.wait_text("dd.due.over .hint", "quá hạn 27 giờ").await;
    b.check_page("request-overdue-reporter").await;
    b.logout().await;

    // Two days later the hint counts days; the Department's queue has it.
    clock.set(at("2026-03-15T20:00:00Z"));
    b.login("staff@tng.test", PW).await;
    b.click("nav a[href='/escalations']").await;
    b.wait_text(&format!("ul.requests li:has(a[href='{late_path}']) .badge.status-overdue"), "Quá hạn").await;
    b.check_page("escalation-queue-overdue").await;
    b.click(&format!("ul.requests a[href='{late_path}']")).await;
    b.wait_text("dd.due.over .hint", "quá hạn 3 ngày").await;
    b.check_page("request-overdue-staff").await;
    b.finish().await;
}
both!(overdue_request_is_marked);

/// The accessibility check is live: axe-core, injected as on every page,
/// reports a control without a label and an image without a text alternative
/// that the test adds to a real page.
async fn axe_reports_a_planted_violation(backend: Backend) {
    let w = world(backend).await;
    let Some(b) = w.browser("axe_reports_a_planted_violation").await else { return };
    b.goto("/login").await;
    b.find("#email").await;
    assert!(b.axe_violations().await.is_empty(), "the login page is clean");
    b.script(
        "const m = document.querySelector('main');\
         m.insertAdjacentHTML('beforeend', '<input type=\"text\" name=\"unlabelled\"><img src=\"/static/none.png\">');",
        vec![],
    )
    .await;
    let found: Vec<String> = b
        .axe_violations()
        .await
        .iter()
        .filter(|v| v["impact"] == "critical" || v["impact"] == "serious")
        .map(|v| v["id"].as_str().unwrap().to_string())
        .collect();
    assert!(found.contains(&"label".to_string()) && found.contains(&"image-alt".to_string()), "{found:?}");
    b.finish().await;
}
both!(axe_reports_a_planted_violation);
