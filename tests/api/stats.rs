//! The Department's statistics, checked figure by figure against a history made on a test clock:
//! filed, answered on time and late, refused, transferred, withdrawn, escalated, complained,
//! marked overdue; every figure below is worked out by hand in the comments.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use reqwest::StatusCode;
use serde_json::{Value, json};

use tiepcan::clock::{Clock, ManualClock};
use tiepcan::service::Env;
use tiepcan::service::sweeper;

use crate::both;
use crate::helpers::{Backend, Options, body};
use crate::requests::{World, world_with};

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

/// Local 09:00 of a day in March 2026 (UTC+7).
fn nine(day: u32) -> DateTime<Utc> {
    at(&format!("2026-03-{day:02}T02:00:00Z"))
}

struct Story {
    w: World,
    clock: ManualClock,
    admin: String,
    /// R1 to R7, in order.
    r: Vec<String>,
}

async fn sweep(w: &World, now: DateTime<Utc>) {
    let (pool, config, rules) = (w.app.pool.clone(), w.app.state.config.clone(), w.app.state.rules.current());
    tokio::task::spawn_blocking(move || {
        let mut conn = pool.get().unwrap();
        sweeper::sweep(&mut conn, Env { config: &config, rules: &rules, now }).unwrap()
    })
    .await
    .unwrap();
}

fn id(r: &Value) -> String {
    r["id"].as_str().unwrap().to_string()
}

async fn ok(w: &World, token: &str, id: &str, action: Value) {
    let r = w.act(token, id, action.clone()).await;
    assert_eq!(r.status(), StatusCode::OK, "{action}: {}", r.text().await.unwrap());
}

/// The history. Every request is a request for information (3 working days from the day after
/// receipt), filed Monday 09/03/2026 at 09:00, due at the end of Thursday 12/03.
async fn story(backend: Backend) -> Story {
    let clock = ManualClock::new(nine(9));
    // Sessions that outlive the story's two months.
    let env = [("TIEPCAN_SESSION_HOURS".to_string(), "2000".to_string())].into_iter().collect();
    let w = world_with(backend, Options { clock: Arc::new(clock.clone()), env, ..Options::default() }).await;
    let pw = w.app.create_user("admin2@tiepcan.test", "admin", vec![], None).await;
    let admin = w.app.login("admin2@tiepcan.test", &pw).await;
    let mut r = Vec::new();
    for (agency, subject) in [
        (&w.syt_id, "R1 trả lời đúng hạn"),
        (&w.syt_id, "R2 trả lời muộn"),
        (&w.syt_id, "R3 từ chối rồi khiếu nại"),
        (&w.syt_id, "R4 chuyển sang Sở GD&ĐT"),
        (&w.syt_id, "R5 rút lại"),
        (&w.sgd_id, "R6 không ai trả lời"),
        (&w.skhcn_id, "R7 cơ quan chưa có người phát ngôn"),
    ] {
        r.push(id(&w.file(agency, "information", subject).await));
    }
    // Tuesday 10/03: R1 answered (1 working day, 24 hours), R4 transferred, R5 withdrawn.
    clock.set(nine(10));
    ok(&w, &w.syt1, &r[0], json!({"action": "reply", "outcome": "granted", "body": "Số liệu kèm theo."})).await;
    ok(&w, &w.syt1, &r[3], json!({"action": "transfer", "agency_id": w.sgd_id, "reason": "Thuộc thẩm quyền Sở GD&ĐT"}))
        .await;
    ok(&w, &w.reporter, &r[4], json!({"action": "withdraw"})).await;
    // Wednesday 11/03: R3 refused (2 working days, 48 hours); R4 answered by Sở GD&ĐT one working
    // day after the transfer, on time by the due instant the transfer set.
    clock.set(nine(11));
    ok(&w, &w.syt1, &r[2], json!({"action": "refuse", "ground": "PL38_2A", "reasons": "Bí mật nhà nước."})).await;
    ok(&w, &w.sgd, &r[3], json!({"action": "reply", "outcome": "granted", "body": "Trả lời."})).await;
    // Thursday 12/03: the reporter complains about R3's refusal (an escalation, reason complaint).
    clock.set(nine(12));
    ok(&w, &w.reporter, &r[2], json!({"action": "complain", "reason": "Không phải bí mật."})).await;
    // Saturday 14/03 07:00: the sweep marks R2, R6 and R7 overdue (R7 was escalated at filing: no
    // second escalation) and escalates R2 and R6.
    clock.set(at("2026-03-14T00:00:00Z"));
    sweep(&w, at("2026-03-14T00:00:00Z")).await;
    // Monday 16/03: R2 answered late (5 working days, 168 hours); the verdict was the overdue mark.
    clock.set(nine(16));
    ok(&w, &w.syt1, &r[1], json!({"action": "reply", "outcome": "partial", "body": "Một phần."})).await;
    // 10:00: the Department resolves the complaint about R3.
    clock.set(at("2026-03-16T03:00:00Z"));
    let q = body(w.app.get("/api/v1/escalations?status=open", Some(&w.staff)).await).await;
    let esc = q["items"].as_array().unwrap().iter().find(|e| e["request"]["id"] == r[2].as_str()).unwrap().clone();
    let path = format!("/api/v1/escalations/{}/actions", esc["id"].as_str().unwrap());
    let res = w.app.post(&path, &json!({"action": "resolve", "resolution": "Đã trả lời lại."}), Some(&w.staff)).await;
    assert_eq!(res.status(), StatusCode::OK);
    Story { w, clock, admin, r }
}

fn agency<'a>(report: &'a Value, code: &str) -> &'a Value {
    report["agencies"].as_array().unwrap().iter().find(|a| a["agency"]["code"] == code).unwrap()
}

fn check_syt(a: &Value) {
    // Filed R1–R5; R4 left by transfer but stays received here.
    assert_eq!(
        (a["received"].as_u64(), a["filed"].as_u64(), a["transferred_in"].as_u64()),
        (Some(5), Some(5), Some(0))
    );
    assert_eq!(a["transferred_out"], 1);
    assert_eq!(a["answered"], 2, "R1 granted, R2 partial");
    assert_eq!(a["answered_by_outcome"], json!({"granted": 1, "partial": 1, "not_held": 0}));
    assert_eq!(a["refused"], 1);
    assert_eq!(a["refused_by_ground"], json!({"PL38_2A": 1}));
    assert_eq!(a["withdrawn"], 1);
    assert_eq!((a["on_time"].as_u64(), a["late"].as_u64()), (Some(2), Some(1)), "R1, R3 on time; R2 late");
    assert!((a["on_time_ratio"].as_f64().unwrap() - 2.0 / 3.0).abs() < 1e-9);
    // Wilson 95 % for 2 of 3: 0.2077 – 0.9385.
    let i = &a["on_time_interval"];
    assert!(
        (i["low"].as_f64().unwrap() - 0.2077).abs() < 1e-3 && (i["high"].as_f64().unwrap() - 0.9385).abs() < 1e-3,
        "{i}"
    );
    // Working days 1 (R1), 2 (R3), 5 (R2): median 2, 90th percentile 5; hours 24, 48, 168: median 48.
    assert_eq!((a["working_days_median"].as_u64(), a["working_days_p90"].as_u64()), (Some(2), Some(5)));
    assert_eq!(a["median_hours_to_answer"], 48);
    assert_eq!(a["escalated"], 2);
    assert_eq!(a["escalations_by_reason"], json!({"complaint": 1, "overdue": 1}));
    assert_eq!((a["escalations_resolved"].as_u64(), a["complaints"].as_u64()), (Some(1), Some(1)));
    assert_eq!(a["overdue_marked"], 1);
    assert_eq!(a["overdue_open"], 0, "R2 is answered");
    assert_eq!(a["comparable"], true);
}

fn check_others(report: &Value) {
    let sgd = agency(report, "SGDDT");
    assert_eq!(
        (sgd["received"].as_u64(), sgd["filed"].as_u64(), sgd["transferred_in"].as_u64()),
        (Some(2), Some(1), Some(1))
    );
    assert_eq!((sgd["answered"].as_u64(), sgd["on_time"].as_u64(), sgd["late"].as_u64()), (Some(1), Some(1), Some(1)));
    assert_eq!((sgd["working_days_median"].as_u64(), sgd["median_hours_to_answer"].as_u64()), (Some(1), Some(24)));
    assert_eq!((sgd["escalated"].as_u64(), sgd["overdue_open"].as_u64()), (Some(1), Some(1)), "R6");
    assert_eq!(sgd["comparable"], false, "two requests: too few to compare");
    let skhcn = agency(report, "SKHCN");
    assert_eq!(
        (skhcn["received"].as_u64(), skhcn["late"].as_u64(), skhcn["overdue_open"].as_u64()),
        (Some(1), Some(1), Some(1))
    );
    assert_eq!(skhcn["escalations_by_reason"], json!({"unroutable": 1}));
    let t = &report["totals"];
    assert_eq!((t["received"].as_u64(), t["filed"].as_u64(), t["answered"].as_u64()), (Some(8), Some(7), Some(3)));
    assert_eq!((t["on_time"].as_u64(), t["late"].as_u64(), t["escalated"].as_u64()), (Some(3), Some(3), Some(4)));
    assert_eq!(t["overdue_open"], 2, "R6 and R7");
}

async fn statistics_are_the_timeline_counted_by_hand(backend: Backend) {
    let s = story(backend).await;
    let w = &s.w;
    // March as a whole month (the monthly counts).
    let month = body(w.app.get("/api/v1/stats/agencies?from=2026-03-01&to=2026-03-31", Some(&w.staff)).await).await;
    check_syt(agency(&month, "SYT"));
    check_others(&month);
    assert_eq!(month["provinces"], json!([{"code": "TNG", "name": "Thái Nguyên"}]));
    let trend = month["totals"]["trend"].as_array().unwrap();
    assert_eq!((trend.len(), trend[0]["period"].as_str()), (1, Some("2026-03")));
    assert_eq!(trend[0]["figures"]["received"], 8);
    // The same days as loose days (the facts themselves), in Vietnamese date format.
    let days = body(w.app.get("/api/v1/stats/agencies?from=09/03/2026&to=16/03/2026", Some(&w.staff)).await).await;
    assert_eq!(agency(&days, "SYT"), agency(&month, "SYT"), "days and months agree");
    // A period that ends before the answers: only the filings and what followed by then.
    let early = body(w.app.get("/api/v1/stats/agencies?from=2026-03-01&to=2026-03-09", Some(&w.staff)).await).await;
    let syt = agency(&early, "SYT");
    assert_eq!(
        (syt["received"].as_u64(), syt["answered"].as_u64(), syt["on_time"].as_u64()),
        (Some(5), Some(0), Some(0))
    );
    // A calendar edit afterwards (11/03/2026 made a holiday) does not rewrite what March says:
    // R3's two working days and SGDDT's one stay as they were counted.
    let mut year = body(w.app.get("/api/v1/calendar/2026", Some(&s.admin)).await).await;
    year["holidays"].as_array_mut().unwrap().push(json!({"date": "2026-03-11", "name": "Ngày nghỉ thử nghiệm"}));
    let r = w.app.api.put(w.app.url("/api/v1/calendar/2026")).bearer_auth(&s.admin).json(&year).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let after_edit =
        body(w.app.get("/api/v1/stats/agencies?from=2026-03-01&to=2026-03-31", Some(&w.staff)).await).await;
    check_syt(agency(&after_edit, "SYT"));
    check_others(&after_edit);
    // A transfer back later does not rewrite what March says.
    s.clock.set(at("2026-04-02T02:00:00Z"));
    let t = w.act(&w.sgd, &s.r[5], json!({"action": "transfer", "agency_id": w.syt_id, "reason": "Trả lại"})).await;
    assert_eq!(t.status(), StatusCode::OK);
    let again = body(w.app.get("/api/v1/stats/agencies?from=2026-03-01&to=2026-03-31", Some(&w.staff)).await).await;
    assert_eq!(agency(&again, "SGDDT")["received"], 2);
    assert_eq!(agency(&again, "SYT")["received"], 5);
    let april = body(w.app.get("/api/v1/stats/agencies?from=2026-04-01&to=2026-04-30", Some(&w.staff)).await).await;
    assert_eq!(
        (agency(&april, "SYT")["transferred_in"].as_u64(), agency(&april, "SGDDT")["transferred_out"].as_u64()),
        (Some(1), Some(1))
    );
    // One agency's page: its figures and its overdue requests, no content.
    let one = body(
        w.app
            .get(&format!("/api/v1/stats/agencies/{}?from=2026-03-01&to=2026-03-31", w.skhcn_id), Some(&w.staff))
            .await,
    )
    .await;
    assert_eq!(one["overdue_requests"].as_array().unwrap().len(), 1);
    assert!(one["overdue_requests"][0].get("subject").is_none());
    assert_eq!(one["agency"]["code"], "SKHCN");
    // Administrators read any province, by code.
    let admin =
        body(w.app.get("/api/v1/stats/agencies?from=2026-03-01&to=2026-03-31&jurisdiction=TNG", Some(&s.admin)).await)
            .await;
    check_syt(agency(&admin, "SYT"));
}
both!(statistics_are_the_timeline_counted_by_hand);

async fn statistics_refuse_what_is_not_theirs_and_what_is_not_a_period(backend: Backend) {
    let s = story(backend).await;
    let w = &s.w;
    for token in [&w.reporter, &w.syt1] {
        assert_eq!(w.app.get("/api/v1/stats/agencies", Some(token)).await.status(), StatusCode::FORBIDDEN);
    }
    assert_eq!(w.app.get("/api/v1/stats/agencies", None).await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        w.app.get("/api/v1/stats/agencies?jurisdiction=HN", Some(&w.staff)).await.status(),
        StatusCode::FORBIDDEN
    );
    for (q, field) in [
        ("from=2026-02-30", "from"),
        ("from=2026-03-10&to=2026-03-01", "to"),
        ("from=1990-01-01&to=2026-01-01", "to"),
        ("to=%00", "to"),
        ("level=galaxy", "level"),
        ("group=week", "group"),
    ] {
        let r = w.app.get(&format!("/api/v1/stats/agencies?{q}"), Some(&w.staff)).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{q}");
        assert!(body(r).await["error"]["fields"][field].is_string(), "{q}");
    }
    let r = w.app.get("/api/v1/stats/agencies?jurisdiction=XX", Some(&s.admin)).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = w.app.get(&format!("/api/v1/stats/agencies/{}", w.syt_id), Some(&w.reporter)).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // The default period is the current quarter; grouping by quarter gives one point.
    let q = body(w.app.get("/api/v1/stats/agencies?group=quarter", Some(&w.staff)).await).await;
    assert_eq!((q["from"].as_str(), q["to"].as_str()), (Some("2026-01-01"), Some("2026-03-31")));
    assert_eq!(q["totals"]["trend"][0]["period"], "2026-Q1");
}
both!(statistics_refuse_what_is_not_theirs_and_what_is_not_a_period);

async fn the_period_report_downloads_as_a_workbook_and_as_csv(backend: Backend) {
    let s = story(backend).await;
    let w = &s.w;
    let r = w.app.get("/api/v1/stats/report?from=2026-03-01&to=2026-03-31", Some(&w.staff)).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers()["content-type"].to_str().unwrap().contains("spreadsheetml"));
    assert!(r.headers()["content-disposition"].to_str().unwrap().contains("tiepcan-tng-20260301-20260331.xlsx"));
    let bytes = r.bytes().await.unwrap();
    assert_eq!(&bytes[..2], b"PK", "an XLSX file is a zip archive");
    let r = w.app.get("/api/v1/stats/report?from=2026-03-01&to=2026-03-31&format=csv", Some(&w.staff)).await;
    assert_eq!(r.status(), StatusCode::OK);
    let text = r.text().await.unwrap();
    let mut lines = text.trim_start_matches('\u{feff}').lines();
    let head = lines.next().unwrap();
    assert!(head.starts_with("Mã,Cơ quan,Tiếp nhận"), "{head}");
    let syt = lines.find(|l| l.starts_with("SYT,")).unwrap();
    assert!(syt.starts_with("SYT,Sở Y tế,5,2,1,1,0,1,1,1,2,1,\"66,7 %\""), "{syt}");
    let r =
        w.app.get("/api/v1/stats/report?format=csv&table=grounds&from=2026-03-01&to=2026-03-31", Some(&w.staff)).await;
    assert!(r.text().await.unwrap().contains("SYT,Sở Y tế,PL38_2A,1"));
    let r = w.app.get("/api/v1/stats/report?format=pdf", Some(&w.staff)).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
}
both!(the_period_report_downloads_as_a_workbook_and_as_csv);

async fn a_public_scoreboard_is_off_until_an_administrator_publishes_it(backend: Backend) {
    let s = story(backend).await;
    let w = &s.w;
    assert_eq!(w.app.get("/api/v1/public/scoreboards/TNG", None).await.status(), StatusCode::NOT_FOUND);
    let put = |token: &str, public: bool| {
        w.app
            .api
            .put(w.app.url("/api/v1/public/scoreboards/TNG"))
            .bearer_auth(token.to_string())
            .json(&json!({"public": public}))
            .send()
    };
    assert_eq!(put(&w.staff, true).await.unwrap().status(), StatusCode::FORBIDDEN);
    assert_eq!(put(&s.admin, true).await.unwrap().status(), StatusCode::NO_CONTENT);
    let r = w.app.get("/api/v1/public/scoreboards/TNG", None).await;
    assert_eq!(r.status(), StatusCode::OK);
    let board = body(r).await;
    assert_eq!(board["agencies"][0]["code"], "SYT", "the one comparable agency first");
    assert_eq!(board["agencies"][0]["on_time"], 2);
    let text = board.to_string();
    for private in ["R1 trả lời", "pv@tuoitre.test", "Bí mật nhà nước", "subject", "reporter"] {
        assert!(!text.contains(private), "{private} in {text}");
    }
    let audit = body(w.app.get("/api/v1/audit", Some(&s.admin)).await).await;
    assert_eq!(audit["items"][0]["action"], "jurisdiction.scoreboard");
    assert_eq!(put(&s.admin, false).await.unwrap().status(), StatusCode::NO_CONTENT);
    assert_eq!(w.app.get("/api/v1/public/scoreboards/TNG", None).await.status(), StatusCode::NOT_FOUND);
}
both!(a_public_scoreboard_is_off_until_an_administrator_publishes_it);

/// Timelines written before the statistics existed are replayed at start into the same facts as
/// counting them live: the history's figures with every fact removed and rebuilt are the figures
/// it had.
async fn timelines_written_before_the_statistics_are_counted_once_at_start(backend: Backend) {
    let s = story(backend).await;
    let w = &s.w;
    let month = "/api/v1/stats/agencies?from=2026-03-01&to=2026-03-31";
    let live = body(w.app.get(month, Some(&w.staff)).await).await;
    let (pool, config, rules, now) =
        (w.app.pool.clone(), w.app.state.config.clone(), w.app.state.rules.current(), s.clock.now());
    let counted = tokio::task::spawn_blocking(move || {
        use diesel::RunQueryDsl;
        let mut pooled = pool.get().unwrap();
        let conn: &mut tiepcan::db::DbConn = &mut pooled;
        let sql: &[&str] = match conn {
            tiepcan::db::DbConn::Pg(_) => &["DROP TRIGGER stat_facts_append_only ON stat_facts"],
            tiepcan::db::DbConn::Sqlite(_) => &["DROP TRIGGER stat_facts_append_only_delete"],
        };
        for q in sql.iter().chain(&[
            "DELETE FROM stat_facts",
            "DELETE FROM stat_months",
            "DELETE FROM rule_state WHERE name = 'stat_facts_backfilled'",
        ]) {
            match &mut *conn {
                tiepcan::db::DbConn::Pg(c) => diesel::sql_query(*q).execute(c).unwrap(),
                tiepcan::db::DbConn::Sqlite(c) => diesel::sql_query(*q).execute(c).unwrap(),
            };
        }
        let env = Env { config: &config, rules: &rules, now };
        let first = tiepcan::service::stat_backfill::once(conn, env).unwrap();
        let again = tiepcan::service::stat_backfill::once(conn, env).unwrap();
        (first, again)
    })
    .await
    .unwrap();
    assert_eq!(counted, (Some(7), None), "seven timelines counted, and only once");
    let mut replayed = body(w.app.get(month, Some(&w.staff)).await).await;
    let mut live = live;
    for r in [&mut live, &mut replayed] {
        r.as_object_mut().unwrap().remove("generated_at");
    }
    assert_eq!(replayed, live);
}
both!(timelines_written_before_the_statistics_are_counted_once_at_start);
