//! The directory's keepers at work, through the pages only: naming a deputy
//! from tomorrow, and an import with a bad line.

use std::sync::Arc;

use chrono::{DateTime, Duration, TimeZone, Utc};
use tiepcan::clock::ManualClock;

use crate::both;
use crate::helpers::{Backend, Options};
use crate::world::{PW, world, world_with};

/// Monday 9 March 2026, 09:00 in Vietnam.
fn monday_9am() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 9, 2, 0, 0).unwrap()
}

/// Staff name sgd@tng.test deputy of Sở KH&CN from tomorrow: a request filed
/// today does not reach them, one filed tomorrow (on the test clock) does.
async fn a_deputy_valid_from_tomorrow_receives_a_request_filed_tomorrow(backend: Backend) {
    let clock = ManualClock::new(monday_9am());
    let w = world_with(backend, Options { clock: Arc::new(clock.clone()), ..Options::default() }).await;
    let Some(mut b) = w.browser("deputy_from_tomorrow").await else { return };
    b.login("staff@tng.test", PW).await;
    b.click("main a[href='/admin/agencies']").await;
    b.find("ul.agencies").await;
    b.check_page("agencies").await;
    b.click(&format!("ul.agencies a[href='/admin/agencies/{}']", w.skhcn_id)).await;
    b.find("#term-email").await;
    b.check_page("agency").await;
    b.fill("#term-email", "sgd@tng.test").await;
    // A date field's typing order depends on the browser's locale: set its value as the picker would.
    b.script("document.querySelector('#term-from').value = '2026-03-10';", vec![]).await;
    b.click_and_wait_for_new_page("form.add-term button[type=submit]").await;
    b.wait_text("p.notice[role=status]", "Đã lưu").await;
    b.wait_text("ul.terms", "từ 10/03/2026 00:00").await;
    b.check_page("agency-term-added").await;
    b.logout().await;

    let mails_before = w.app.smtp.to("sgd@tng.test").len();
    w.file(&w.skhcn_id, "Hôm nay: chưa có người phát ngôn").await;
    clock.advance(Duration::days(1));
    let tomorrow = w.file(&w.skhcn_id, "Ngày mai: có người phát ngôn").await;
    let mails = w.app.smtp.wait_for("sgd@tng.test", mails_before + 1).await;
    assert_eq!(mails.len(), mails_before + 1, "only the request filed tomorrow is mailed to the deputy");
    assert!(mails.last().unwrap().text().contains("Ngày mai"), "{}", mails.last().unwrap().text());

    b.login("sgd@tng.test", PW).await;
    b.click("nav a[href='/requests']").await;
    b.find(&format!("ul.requests a[href='/requests/{tomorrow}']")).await;
    b.check_page("deputy-inbox").await;
    b.finish().await;
}
both!(a_deputy_valid_from_tomorrow_receives_a_request_filed_tomorrow);

/// An import whose third line is bad: the preview names the line, offers no
/// confirmation, and the directory is as before.
async fn a_csv_import_with_one_bad_line_changes_nothing_and_names_the_line(backend: Backend) {
    let w = world(backend).await;
    let Some(mut b) = w.browser("import_bad_line").await else { return };
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("danh-ba.csv");
    std::fs::write(
        &file,
        "jurisdiction,code,name,name_en,level,parent_code,email\n\
         TNG,STC,Sở Tài chính,Department of Finance,department,,stc@tng.test\n\
         TNG,SXD,,,department,,\n",
    )
    .unwrap();
    b.login("staff@tng.test", PW).await;
    b.click("main a[href='/admin/agencies']").await;
    b.find("ul.agencies").await;
    b.click("main a[href='/admin/agencies/import']").await;
    b.find("#file").await;
    b.check_page("import").await;
    b.find("#file").await.send_keys(&file.display().to_string()).await.unwrap();
    b.click_and_wait_for_new_page("form.upload button[type=submit]").await;
    let bad = b.wait_text(".bad-lines[role=alert]", "Dòng 3").await;
    assert!(!bad.contains("Dòng 2"), "{bad}");
    assert!(
        b.client.find(fantoccini::Locator::Css("form[action='/admin/agencies/import/confirm']")).await.is_err(),
        "a file with a bad line cannot be confirmed"
    );
    b.check_page("import-bad-line").await;
    b.goto("/admin/agencies").await;
    let list = b.find("ul.agencies").await.text().await.unwrap();
    assert!(!list.contains("Sở Tài chính"), "nothing was imported: {list}");
    b.finish().await;
}
both!(a_csv_import_with_one_bad_line_changes_nothing_and_names_the_line);
