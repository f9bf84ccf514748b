//! The Department reads its statistics through the pages: the dashboard, a sort by a column, one
//! agency's page, the print-ready report; an administrator publishes the scoreboard and a visitor
//! reads it. Every page is checked with axe and photographed, on a phone's width too.

use std::sync::Arc;

use chrono::{DateTime, Duration, TimeZone, Utc};
use serde_json::json;
use tiepcan::clock::ManualClock;

use crate::both;
use crate::helpers::{Backend, Options};
use crate::world::{PW, world_with};

/// Monday 2 March 2026, 09:00 in Vietnam.
fn monday_9am() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 2, 0, 0).unwrap()
}

async fn the_department_reads_its_statistics_and_prints_the_report(backend: Backend) {
    let clock = ManualClock::new(monday_9am());
    let w = world_with(backend, Options { clock: Arc::new(clock.clone()), ..Options::default() }).await;
    let Some(mut b) = w.browser("statistics").await else { return };
    // Six requests to Sở Y tế, one to Sở KH&CN (nobody speaks for it); four answered the next day,
    // one refused, the rest left to run late.
    let mut ids = Vec::new();
    for i in 1..=6 {
        ids.push(w.file(&w.syt_id, &format!("Yêu cầu số {i}")).await);
    }
    let unanswered = w.file(&w.skhcn_id, "Không ai trả lời").await;
    clock.advance(Duration::days(1));
    let syt = w.app.login("syt1@tng.test", PW).await;
    for id in &ids[..4] {
        let r = w
            .app
            .post(
                &format!("/api/v1/requests/{id}/actions"),
                &json!({"action": "reply", "outcome": "granted", "body": "Trả lời."}),
                Some(&syt),
            )
            .await;
        assert!(r.status().is_success());
    }
    let r = w
        .app
        .post(
            &format!("/api/v1/requests/{}/actions", ids[4]),
            &json!({"action": "refuse", "ground": "PL38_2A", "reasons": "Bí mật."}),
            Some(&syt),
        )
        .await;
    assert!(r.status().is_success());
    clock.advance(Duration::days(10));
    w.sweep().await;

    b.login("staff@tng.test", PW).await;
    b.click("nav a[href='/stats']").await;
    b.find("table.stats-table").await;
    b.wait_text("dl.figures", "Tiếp nhận").await;
    let summary = b.wait_text("p.summary-line", "7 yêu cầu").await;
    assert!(summary.contains("4 được trả lời, 1 bị từ chối"), "{summary}");
    b.find("figure.chart svg[role=img]").await;
    b.check_page("stats-dashboard").await;
    // Sort by the on-time share, then open the agency page from the table.
    b.click("th a[href*='sort=on_time']").await;
    b.find("th[aria-sort='descending'] a[href*='sort=on_time']").await;
    b.check_page("stats-dashboard-sorted").await;
    b.click(&format!("table.stats-table a[href^='/stats/agencies/{}']", w.skhcn_id)).await;
    b.wait_text("h1", "Sở Khoa học và Công nghệ").await;
    b.find(&format!("table a[href='/requests/{unanswered}']")).await;
    b.check_page("stats-agency").await;
    b.click("main a[href^='/stats?']").await;
    b.find("table.stats-table").await;
    // The print-ready report with the province, the period, the moment and the policy versions.
    b.click("main a[href^='/stats/report?']").await;
    let facts = b.wait_text("dl.report-facts", "Thái Nguyên").await;
    assert!(facts.contains("2026"), "{facts}");
    b.find("dl.report-facts code").await;
    b.check_page("stats-report").await;
    // A phone's width: the tables scroll inside their frames, the page does not.
    b.set_viewport_width(375, 800).await;
    b.goto("/stats").await;
    b.find("table.stats-table").await;
    b.check_page("stats-dashboard-phone").await;
    b.logout().await;

    // An administrator publishes the scoreboard; anyone may read it.
    b.set_viewport_width(1280, 900).await;
    b.login("admin@tiepcan.test", PW).await;
    b.goto("/stats?jurisdiction=TNG").await;
    b.find("form[action='/admin/scoreboards/TNG'] input[name=public]").await;
    b.check_page("stats-admin").await;
    b.click("form[action='/admin/scoreboards/TNG'] input[name=public]").await;
    b.click_and_wait_for_new_page("form[action='/admin/scoreboards/TNG'] button[type=submit]").await;
    b.find("main a[href='/scoreboard/TNG']").await;
    b.logout().await;
    b.goto("/scoreboard/TNG").await;
    let table = b.wait_text("table.stats-table", "Sở Y tế").await;
    assert!(!table.contains("Yêu cầu số"), "no request content on the scoreboard");
    b.check_page("scoreboard").await;
    b.finish().await;
}
both!(the_department_reads_its_statistics_and_prints_the_report);
