//! The request pages over HTTP with forms only (no JavaScript), as a browser
//! without scripts would use them.

use reqwest::StatusCode;

use crate::both;
use crate::helpers::Backend;
use crate::requests::world;

const PW: &str = "một-mật-khẩu-dài-42";

fn location(r: &reqwest::Response) -> String {
    r.headers()["location"].to_str().unwrap().to_string()
}

async fn file_answer_and_download_through_the_pages(backend: Backend) {
    let w = world(backend).await;
    let reporter = w.app.page_login("pv@tuoitre.test", PW).await;
    // Find the agency without diacritics, then preview the deadline.
    let csrf = reporter.csrf("/requests/new").await;
    let r = reporter
        .post_form(
            "/requests/new",
            &[
                ("csrf", &csrf),
                ("op", "search"),
                ("agency_q", "so y te"),
                ("kind", "information"),
                ("subject", "<script>alert(1)</script> Số ca bệnh"),
                ("body", "Xin số liệu."),
            ],
        )
        .await;
    let page = r.text().await.unwrap();
    assert!(page.contains(&format!("value=\"{}\"", w.syt_id)), "the agency is offered");
    assert!(
        page.contains("value=\"&#60;script&#62;alert(1)&#60;/script&#62; Số ca bệnh\""),
        "typed text is kept, escaped"
    );
    let form = [
        ("csrf", csrf.as_str()),
        ("agency_q", "so y te"),
        ("agency_id", w.syt_id.as_str()),
        ("kind", "information"),
        ("subject", "<script>alert(1)</script> Số ca bệnh"),
        ("body", "Xin số liệu."),
    ];
    let mut preview = form.to_vec();
    preview.push(("op", "preview"));
    let page = reporter.post_form("/requests/new", &preview).await.text().await.unwrap();
    assert!(page.contains("hạn trả lời của"), "{page}");
    assert!(page.contains("Điều 147"), "the explanation cites the Civil Code");
    let mut file = form.to_vec();
    file.push(("op", "file"));
    let r = reporter.post_form("/requests/new", &file).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let path = location(&r);
    let id = path.trim_start_matches("/requests/").to_string();
    let (_, page) = reporter.text(&path).await;
    assert!(page.contains("&#60;script&#62;alert(1)&#60;/script&#62; Số ca bệnh"));
    assert!(!page.contains("<script>alert(1)"));
    assert!(page.contains("Vì sao hạn là lúc này?"));
    assert!(page.contains("Chờ trả lời"));

    // The spokesperson finds it in the inbox and asks for a clarification.
    let sp = w.app.page_login("syt1@tng.test", PW).await;
    let (_, inbox) = sp.text("/requests").await;
    assert!(inbox.contains(&format!("/requests/{id}")));
    let csrf = sp.csrf(&path).await;
    let r = sp
        .post_form(
            &format!("{path}/actions"),
            &[("csrf", &csrf), ("action", "request_clarification"), ("question", "Số liệu năm nào?")],
        )
        .await;
    assert_eq!(location(&r), format!("{path}?done=1"));
    // An empty answer is shown next to its field.
    let r = sp
        .post_form(
            &format!("{path}/actions"),
            &[("csrf", &csrf), ("action", "refuse"), ("ground", "PL38_2A"), ("reasons", "")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("Không được để trống."));

    let csrf = reporter.csrf(&path).await;
    let r = reporter
        .post_form(&format!("{path}/actions"), &[("csrf", &csrf), ("action", "clarify"), ("body", "Năm 2025.")])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);

    // The spokesperson attaches a file and answers.
    let csrf = sp.csrf(&path).await;
    let pdf = b"%PDF-1.4\n% so lieu\n%%EOF\n".to_vec();
    let form = reqwest::multipart::Form::new()
        .text("csrf", csrf.clone())
        .part("file", reqwest::multipart::Part::bytes(pdf.clone()).file_name("so-lieu.pdf"));
    let r = sp.client.post(sp.url(&format!("{path}/attachments"))).multipart(form).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let form =
        reqwest::multipart::Form::new().part("file", reqwest::multipart::Part::bytes(pdf.clone()).file_name("x.pdf"));
    let r = sp.client.post(sp.url(&format!("{path}/attachments"))).multipart(form).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN, "an upload without the CSRF token is refused");
    let r = sp
        .post_form(
            &format!("{path}/actions"),
            &[("csrf", &csrf), ("action", "reply"), ("body", "Năm 2025 có 321 ca."), ("outcome", "partial")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);

    let (_, page) = reporter.text(&path).await;
    assert!(page.contains("Đã trả lời") && page.contains("Năm 2025 có 321 ca.") && page.contains("cung cấp một phần"));
    let start = page.find(&format!("{path}/attachments/")).unwrap();
    let link = &page[start..start + page[start..].find('"').unwrap()];
    let r = reporter.client.get(reporter.url(link)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers()["content-disposition"].to_str().unwrap().starts_with("attachment;"));
    assert_eq!(r.bytes().await.unwrap().to_vec(), pdf);
    // Another agency's spokesperson gets the not-found page.
    let other = w.app.page_login("sgd@tng.test", PW).await;
    assert_eq!(other.text(&path).await.0, StatusCode::NOT_FOUND);
    assert_eq!(other.client.get(other.url(link)).send().await.unwrap().status(), StatusCode::NOT_FOUND);
    // A path that holds no id is the same not-found page, not a bare error.
    let (status, page) = reporter.text("/requests/not-an-id").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(page.contains("<html") && page.contains("</html>"), "{page}");
}
both!(file_answer_and_download_through_the_pages);

async fn department_orders_a_response_from_its_queue(backend: Backend) {
    let w = world(backend).await;
    let r = w.file(&w.skhcn_id, "information", "Chưa có người phát ngôn").await;
    let path = format!("/requests/{}", r["id"].as_str().unwrap());
    let staff = w.app.page_login("staff@tng.test", PW).await;
    let (status, queue) = staff.text("/escalations").await;
    assert_eq!(status, StatusCode::OK);
    assert!(queue.contains(&path) && queue.contains("cơ quan chưa có người phát ngôn"));
    let (_, page) = staff.text(&path).await;
    let marker = "action=\"/escalations/";
    let start = page.find(marker).expect("escalation forms for staff") + "action=\"".len();
    let action = page[start..start + page[start..].find('"').unwrap()].to_string();
    let csrf = staff.csrf(&path).await;
    let request_id = path.trim_start_matches("/requests/");
    // A month ahead (the Department may order at most a year ahead), 17:00 in Vietnam.
    let vietnam = chrono::FixedOffset::east_opt(7 * 3600).unwrap();
    let day = (chrono::Utc::now() + chrono::Duration::days(30)).with_timezone(&vietnam).date_naive();
    let due_local = format!("{}T17:00", day.format("%Y-%m-%d"));
    let r = staff
        .post_form(
            &action,
            &[
                ("csrf", &csrf),
                ("request_id", request_id),
                ("action", "order_response"),
                ("due_local", &due_local),
                ("reason", "Trả lời trước 17 giờ."),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "{}", r.text().await.unwrap());
    let seen = crate::helpers::body(w.get(&w.reporter, request_id).await).await;
    assert_eq!(seen["due_at"], format!("{}T10:00:00Z", day.format("%Y-%m-%d")), "17:00 Vietnam time");
    // Reporters and spokespeople have no queue.
    let reporter = w.app.page_login("pv@tuoitre.test", PW).await;
    assert_eq!(reporter.text("/escalations").await.0, StatusCode::NOT_FOUND);
}
both!(department_orders_a_response_from_its_queue);

async fn administrators_edit_the_calendar_page(backend: Backend) {
    let w = world(backend).await;
    let admin = w.app.page_login("admin@tiepcan.test", PW).await;
    let (status, page) = admin.text("/admin/calendar/2026").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("2026-02-16"), "Tết 2026 is listed");
    let (_, page2028) = admin.text("/admin/calendar/2028").await;
    assert!(page2028.contains("chưa có lịch chính thức"), "an unconfirmed year says so");
    let csrf = admin.csrf("/admin/calendar/2026").await;
    let r = admin
        .post_form(
            "/admin/calendar/2026",
            &[("csrf", &csrf), ("holidays", "2026-13-40 Sai"), ("working_days", ""), ("source", "x")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = admin
        .post_form(
            "/admin/calendar/2026",
            &[
                ("csrf", &csrf),
                ("holidays", "2026-01-01 Tết Dương lịch\n2026-11-24 Ngày Văn hóa Việt Nam"),
                ("working_days", ""),
                ("source", "Thử nghiệm"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, page) = admin.text(&location(&r)).await;
    assert!(page.contains("2026-11-24 Ngày Văn hóa Việt Nam"));
    let reporter = w.app.page_login("pv@tuoitre.test", PW).await;
    assert_eq!(reporter.text("/admin/calendar/2026").await.0, StatusCode::NOT_FOUND);
}
both!(administrators_edit_the_calendar_page);

/// The options of the `<select id="{id}">` on a page, as (value, text, group).
fn select_options(page: &str, id: &str) -> Vec<(String, String, String)> {
    let start = page.find(&format!("<select id=\"{id}\"")).unwrap_or_else(|| panic!("no select #{id}"));
    let select = &page[start..start + page[start..].find("</select>").unwrap()];
    let mut out = Vec::new();
    let mut group = String::new();
    for part in select.split('<').skip(1) {
        if let Some(rest) = part.strip_prefix("optgroup label=\"") {
            group = rest[..rest.find('"').unwrap()].to_string();
        } else if let Some(rest) = part.strip_prefix("option value=\"") {
            let value = rest[..rest.find('"').unwrap()].to_string();
            let text = rest[rest.find('>').unwrap() + 1..].trim().to_string();
            out.push((value, text, group.clone()));
        }
    }
    out
}

async fn transfer_with_the_agency_picker(backend: Backend) {
    let w = world(backend).await;
    // An agency of another province: the competent agency may be elsewhere.
    let admin = {
        let pw = w.app.create_user("admin2@tiepcan.test", "admin", vec![], None).await;
        w.app.login("admin2@tiepcan.test", &pw).await
    };
    let r = w
        .app
        .post(
            "/api/v1/jurisdictions",
            &serde_json::json!({"code": "HNI", "name": "Hà Nội", "department_name": "Sở Văn hóa và Thể thao",
                                "department_email": "baochi@hni.test"}),
            Some(&admin),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let csv = "jurisdiction,code,name,name_en,level,parent_code,email\nHNI,SYT,Sở Y tế Hà Nội,,department,,\n";
    assert_eq!(w.app.import_csv(csv, &admin).await.status(), StatusCode::OK);

    let id = w.file(&w.syt_id, "information", "Tuyển sinh lớp 10").await["id"].as_str().unwrap().to_string();
    let path = format!("/requests/{id}");
    let sp = w.app.page_login("syt1@tng.test", PW).await;
    let (_, page) = sp.text(&path).await;
    assert!(page.contains("<label for=\"transfer-agency\">"), "the picker is labelled");
    let options = select_options(&page, "transfer-agency");
    let names: Vec<&str> = options.iter().map(|(_, t, _)| t.as_str()).collect();
    assert_eq!(options[0].0, "", "nothing is chosen until the spokesperson chooses: {names:?}");
    // The other agencies of the province, by level and then by name, never the
    // current one; then those of other provinces, one group each.
    assert_eq!(
        options[1..].iter().map(|(_, t, g)| (g.as_str(), t.as_str())).collect::<Vec<_>>(),
        vec![
            ("Sở, ngành", "Sở Giáo dục và Đào tạo"),
            ("Sở, ngành", "Sở Khoa học và Công nghệ (chưa có người phát ngôn, sẽ chuyển Sở)"),
            ("Khác", "Đồn Biên phòng Đồng Hỷ (chưa có người phát ngôn, sẽ chuyển Sở)"),
            ("Ngoài tỉnh — Hà Nội", "Sở Y tế Hà Nội (chưa có người phát ngôn, sẽ chuyển Sở)"),
        ]
    );
    assert!(!options.iter().any(|(v, _, _)| *v == w.syt_id));
    let sgd = options.iter().find(|(_, t, _)| t == "Sở Giáo dục và Đào tạo").unwrap().0.clone();
    assert_eq!(sgd, w.sgd_id);

    // A value not in the list (a hand-made post) is refused next to the field.
    let csrf = sp.csrf(&path).await;
    let act = format!("{path}/actions");
    let r = sp
        .post_form(
            &act,
            &[
                ("csrf", &csrf),
                ("action", "transfer"),
                ("agency_id", "00000000-0000-7000-8000-000000000000"),
                ("reason", "x"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = r.text().await.unwrap();
    assert!(page.contains("id=\"transfer-agency-error\">Không có cơ quan này."), "{page}");
    assert!(page.contains("aria-describedby=\"transfer-agency-error\""));

    // The chosen option moves the request; the spokesperson lands on the inbox with a notice.
    let r = sp
        .post_form(
            &act,
            &[
                ("csrf", &csrf),
                ("action", "transfer"),
                ("agency_id", &sgd),
                ("reason", "Thuộc thẩm quyền Sở Giáo dục."),
            ],
        )
        .await;
    assert_eq!(location(&r), "/requests?transferred=1");
    let (status, inbox) = sp.text("/requests?transferred=1").await;
    assert_eq!(status, StatusCode::OK);
    assert!(inbox.contains("Đã chuyển yêu cầu sang cơ quan được chọn."));
    assert!(!inbox.contains(&path), "the request left this inbox");
    let sgd_sp = w.app.page_login("sgd@tng.test", PW).await;
    let (status, page) = sgd_sp.text(&path).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Sở Giáo dục và Đào tạo") && page.contains("Thuộc thẩm quyền Sở Giáo dục."));
}
both!(transfer_with_the_agency_picker);

/// Pages for signed-in visitors send others to the login page and back to the
/// page they asked for (query included), whichever role the page is for; a
/// form posted without a session goes to the login page alone (its address
/// answers only posts, so there is nothing to come back to).
async fn signed_in_pages_send_visitors_to_the_login_page_and_back(backend: Backend) {
    let app = crate::helpers::TestApp::spawn(backend).await;
    let id = "0190a0a0-0000-7000-8000-000000000000";
    for (page, next) in [
        ("/requests?status=closed", "%2Frequests%3Fstatus%3Dclosed"),
        ("/requests/new?agency_q=so", "%2Frequests%2Fnew%3Fagency_q%3Dso"),
        (&format!("/requests/{id}") as &str, &format!("%2Frequests%2F{id}") as &str),
        ("/escalations?status=all", "%2Fescalations%3Fstatus%3Dall"),
        ("/admin/calendar/2026", "%2Fadmin%2Fcalendar%2F2026"),
    ] {
        let r = app.browser.get(app.url(page)).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{page}");
        assert_eq!(location(&r), format!("/login?next={next}"), "{page}");
    }
    let csrf = app.csrf("/login").await;
    let form = [("csrf", csrf.as_str()), ("action", "comment"), ("body", "x")];
    let r = app.browser.post(app.url(&format!("/requests/{id}/actions"))).form(&form).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/login");
}
both!(signed_in_pages_send_visitors_to_the_login_page_and_back);
