//! The administration pages without JavaScript: agencies (edit, terms, import
//! with preview and confirmation), jurisdictions, the outbox and the audit log.

use reqwest::StatusCode;

use crate::both;
use crate::helpers::{Backend, PageSession};
use crate::requests::world;

const PW: &str = "một-mật-khẩu-dài-42";
const HEADER: &str = "jurisdiction,code,name,name_en,level,parent_code,email\n";

/// The value of the hidden field `name` on a page, unescaped.
fn hidden(page: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = page.find(&marker).unwrap_or_else(|| panic!("no {name} on the page")) + marker.len();
    let raw = &page[start..start + page[start..].find('"').unwrap()];
    raw.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#34;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&amp;", "&")
}

async fn upload(s: &PageSession, csv: &str) -> (StatusCode, String) {
    let csrf = s.csrf("/admin/agencies/import").await;
    let form = reqwest::multipart::Form::new()
        .text("csrf", csrf)
        .part("file", reqwest::multipart::Part::bytes(csv.as_bytes().to_vec()).file_name("danh-ba.csv"));
    let r = s.client.post(s.url("/admin/agencies/import")).multipart(form).send().await.unwrap();
    (r.status(), r.text().await.unwrap())
}

async fn staff_keep_agencies_and_import_through_the_pages(backend: Backend) {
    let w = world(backend).await;
    let app = &w.app;
    let staff = app.page_login("staff@tng.test", PW).await;
    let (status, home) = staff.text("/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(home.contains("href=\"/admin/agencies\"") && home.contains("href=\"/admin/audit\""));
    let (status, list) = staff.text("/admin/agencies").await;
    assert_eq!(status, StatusCode::OK);
    assert!(list.contains(&format!("/admin/agencies/{}", w.syt_id)), "{list}");

    // Edit and deactivate from the agency's page.
    let path = format!("/admin/agencies/{}", w.syt_id);
    let csrf = staff.csrf(&path).await;
    let r = staff
        .post_form(
            &path,
            &[
                ("csrf", &csrf),
                ("name", "Sở Y tế tỉnh Thái Nguyên"),
                ("name_en", "Department of Health"),
                ("level", "department"),
                ("email", "syt@tng.test"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, page) = staff.text(&path).await;
    assert!(
        page.contains("Sở Y tế tỉnh Thái Nguyên") && page.contains("Ngừng hoạt động"),
        "deactivated: no `active` box sent"
    );
    let r = staff.post_form(&path, &[("csrf", &csrf), ("name", ""), ("level", "department")]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = r.text().await.unwrap();
    assert!(page.contains("class=\"error-summary\"") && page.contains("Tên: "), "{page}");

    // A deputy from a date typed in the date field.
    let r = staff
        .post_form(
            &format!("{path}/terms"),
            &[("csrf", &csrf), ("email", "syt2@tng.test"), ("valid_from", "2099-01-01")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, page) = staff.text(&path).await;
    assert!(page.contains("từ 01/01/2099 00:00"), "{page}");
    let r = staff
        .post_form(&format!("{path}/terms"), &[("csrf", &csrf), ("email", "syt2@tng.test"), ("valid_from", "mai")])
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);

    // Import: a bad line is named and nothing changes; a good file is previewed, then confirmed.
    let before = staff.text("/admin/agencies").await.1;
    let bad = format!("{HEADER}TNG,STC,Sở Tài chính,,department,,\nTNG,SXD,,,department,,\n");
    let (status, page) = upload(&staff, &bad).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("Dòng 3"), "{page}");
    assert!(!page.contains("/admin/agencies/import/confirm"));
    assert_eq!(staff.text("/admin/agencies").await.1, before);
    let good =
        format!("{HEADER}TNG,STC,\"Sở Tài chính \"\"mới\"\"\",,department,,\r\nTNG,SYT,Sở Y tế,,department,,\r\n");
    let (status, page) = upload(&staff, &good).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("Mới: 1 · Thay đổi: 1 · Giữ nguyên: 0"), "{page}");
    let (content, hash) = (hidden(&page, "content"), hidden(&page, "hash"));
    let csrf = hidden(&page, "csrf");
    let forged = content.replace("mới", "giả");
    let r = staff
        .post_form("/admin/agencies/import/confirm", &[("csrf", &csrf), ("content", &forged), ("hash", &hash)])
        .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let r = staff
        .post_form("/admin/agencies/import/confirm", &[("csrf", &csrf), ("content", &content), ("hash", &hash)])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, list) = staff.text("/admin/agencies").await;
    assert!(list.contains("Sở Tài chính &quot;mới&quot;") || list.contains("Sở Tài chính &#34;mới&#34;"), "{list}");
    let r = staff.client.get(staff.url("/admin/agencies/export.csv")).send().await.unwrap();
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    assert!(r.text().await.unwrap().starts_with(HEADER));

    // The audit log shows the changes readably; the outbox and jurisdictions are the administrators'.
    let (status, log) = staff.text("/admin/audit").await;
    assert_eq!(status, StatusCode::OK);
    assert!(log.contains("Ngừng hoạt động cơ quan") && log.contains("Sở Y tế → Sở Y tế tỉnh Thái Nguyên"), "{log}");
    assert_eq!(staff.text("/admin/outbox").await.0, StatusCode::NOT_FOUND);
    assert_eq!(staff.text("/admin/jurisdictions").await.0, StatusCode::NOT_FOUND);
    let reporter = app.page_login("pv@tuoitre.test", PW).await;
    for p in ["/admin/agencies", &path, "/admin/audit", "/admin/agencies/import"] {
        assert_eq!(reporter.text(p).await.0, StatusCode::NOT_FOUND, "{p}");
    }
}
both!(staff_keep_agencies_and_import_through_the_pages);

async fn administrators_edit_a_province_and_read_the_outbox(backend: Backend) {
    let w = world(backend).await;
    let admin = w.app.page_login("admin@tiepcan.test", PW).await;
    let (status, page) = admin.text("/admin/jurisdictions").await;
    assert_eq!(status, StatusCode::OK);
    let action = {
        let start = page.find("action=\"/admin/jurisdictions/").unwrap() + "action=\"".len();
        page[start..start + page[start..].find('"').unwrap()].to_string()
    };
    let csrf = hidden(&page, "csrf");
    let form = [
        ("csrf", csrf.as_str()),
        ("name", "Thái Nguyên mới"),
        ("department_name", "Sở VHTTDL"),
        ("department_email", "bc@tng.test"),
        ("office_hours", "07:00-11:00, 13:30-17:00"),
    ];
    assert_eq!(admin.post_form(&action, &form).await.status(), StatusCode::SEE_OTHER);
    let (_, page) = admin.text("/admin/jurisdictions").await;
    assert!(page.contains("Thái Nguyên mới") && page.contains("07:00-11:00, 13:30-17:00"), "{page}");
    let bad = [
        ("csrf", csrf.as_str()),
        ("name", "X"),
        ("department_name", "Y"),
        ("department_email", "bc@tng.test"),
        ("office_hours", "17:00-07:00"),
    ];
    assert_eq!(admin.post_form(&action, &bad).await.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let (status, page) = admin.text("/admin/outbox").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Đã gửi"), "{page}");
    let (_, log) = admin.text("/admin/audit").await;
    assert!(log.contains("Sửa thông tin tỉnh") && log.contains("Thái Nguyên → Thái Nguyên mới"), "{log}");
}
both!(administrators_edit_a_province_and_read_the_outbox);
