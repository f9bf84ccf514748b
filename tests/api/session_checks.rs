//! The session check of a page or an API call shares the call's one trip to
//! the blocking pool: a session that is missing, garbage, revoked or expired
//! still gets the usual answers (the login page, 401 in the API's error
//! shape, the not-found page for another role), and a signed-in page or API
//! call costs one blocking call, not two.

use reqwest::StatusCode;
use serde_json::json;

use crate::both;
use crate::helpers::{Backend, Options, PageSession, TestApp, body};
use crate::requests::world_with;

const PW: &str = "một-mật-khẩu-dài-42";

fn location(r: &reqwest::Response) -> String {
    r.headers()["location"].to_str().unwrap().to_string()
}

/// The answers a visitor without a live session gets, on pages and in the API.
async fn assert_turned_away(page: &PageSession, api: &reqwest::Client, base: &str, token: &str, request: &str) {
    for (path, next) in [
        ("/requests", "%2Frequests".to_string()),
        ("/requests?status=closed", "%2Frequests%3Fstatus%3Dclosed".to_string()),
        (request, request.replace('/', "%2F")),
        ("/account", "%2Faccount".to_string()),
        ("/escalations", "%2Fescalations".to_string()),
    ] {
        let r = page.client.get(page.url(path)).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{path}");
        assert_eq!(location(&r), format!("/login?next={next}"), "{path}");
    }
    // The visitor's pages still show them signed out.
    let (status, home) = page.text("/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(!home.contains("action=\"/logout\""), "not signed in any more");
    for path in ["/api/v1/requests", &format!("/api/v1{request}"), "/api/v1/me", "/api/v1/policy"] {
        let r = api.get(format!("{base}{path}")).bearer_auth(token).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "{path}");
        let b = body(r).await;
        assert_eq!(b["error"]["code"], "unauthenticated", "{path}");
        assert_eq!(
            b["error"]["message"], "sign in with POST /api/v1/sessions and send Authorization: Bearer <token>",
            "{path}"
        );
    }
}

async fn dead_sessions_get_the_same_answers(backend: Backend) {
    let clock = tiepcan::clock::ManualClock::new(chrono::Utc::now());
    let w = world_with(backend, Options { clock: std::sync::Arc::new(clock.clone()), ..Options::default() }).await;
    let app = &w.app;
    let r = app
        .post(
            "/api/v1/requests",
            &json!({"agency_id": w.syt_id, "kind": "information", "subject": "Số ca sốt xuất huyết", "body": "Xin số liệu."}),
            Some(&w.reporter),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let request = format!("/requests/{}", body(r).await["id"].as_str().unwrap());

    // Live: the pages and the API answer.
    let page = app.page_login("pv@tuoitre.test", PW).await;
    let token = app.login("pv@tuoitre.test", PW).await;
    for path in ["/requests", &request as &str, "/account"] {
        assert_eq!(page.text(path).await.0, StatusCode::OK, "{path}");
    }
    assert_eq!(app.get(&format!("/api/v1{request}"), Some(&token)).await.status(), StatusCode::OK);
    // Another role's page is not found, as for a page that does not exist.
    for path in ["/escalations", "/admin/calendar/2026", "/admin/users"] {
        let (status, text) = page.text(path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert!(text.contains("<html"), "{path}: a page");
    }

    // Garbage credentials.
    let garbage = PageSession {
        client: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .default_headers(
                [(reqwest::header::COOKIE, "tiepcan_session=not-a-session".parse().unwrap())].into_iter().collect(),
            )
            .build()
            .unwrap(),
        base: app.base.clone(),
    };
    assert_turned_away(&garbage, &app.api, &app.base, "not-a-token", &request).await;

    // The CSRF token of the page session, for a form posted after it ends.
    let csrf = page.csrf(&request).await;

    // Revoked: signing out everywhere ends the page session and the token.
    let r = app.api.delete(app.url("/api/v1/sessions")).bearer_auth(&token).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert_turned_away(&page, &app.api, &app.base, &token, &request).await;
    // A form posted with the dead session (and its CSRF token) goes to the login page.
    let r = page
        .post_form(&format!("{request}/actions"), &[("csrf", csrf.as_str()), ("action", "comment"), ("body", "x")])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/login");

    // Expired: a session past its lifetime, in both forms.
    let page = app.page_login("pv@tuoitre.test", PW).await;
    let token = app.login("pv@tuoitre.test", PW).await;
    assert_eq!(page.text("/requests").await.0, StatusCode::OK);
    clock.advance(chrono::Duration::hours(24 * 14) + chrono::Duration::minutes(1));
    assert_turned_away(&page, &app.api, &app.base, &token, &request).await;
}
both!(dead_sessions_get_the_same_answers);

/// What a page or an API call costs in trips to the blocking pool.
async fn blocking_calls_of(app: &crate::helpers::TestApp, f: impl std::future::Future<Output = StatusCode>) -> u64 {
    let before = app.state.blocking_calls.get();
    assert_eq!(f.await, StatusCode::OK);
    app.state.blocking_calls.get() - before
}

/// A form's fields, as posted.
type Form<'a> = Vec<(&'a str, &'a str)>;

/// What a request costs in trips to the blocking pool, answered with `status`.
async fn calls_answering(
    app: &crate::helpers::TestApp,
    status: StatusCode,
    r: impl std::future::Future<Output = reqwest::Response>,
) -> u64 {
    let before = app.state.blocking_calls.get();
    let r = r.await;
    let (got, text) = (r.status(), r.text().await.unwrap());
    assert_eq!(got, status, "{text}");
    app.state.blocking_calls.get() - before
}

async fn a_signed_in_page_is_one_blocking_call(backend: Backend) {
    let w = world_with(backend, Options::default()).await;
    let app = &w.app;
    let r = app
        .post(
            "/api/v1/requests",
            &json!({"agency_id": w.syt_id, "kind": "information", "subject": "Số ca sốt xuất huyết", "body": "Xin số liệu."}),
            Some(&w.reporter),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let id = body(r).await["id"].as_str().unwrap().to_string();
    let page = app.page_login("syt1@tng.test", PW).await;
    for path in ["/requests", "/requests?status=bogus", &format!("/requests/{id}") as &str] {
        let n = blocking_calls_of(app, async { page.client.get(page.url(path)).send().await.unwrap().status() }).await;
        assert_eq!(n, 1, "{path}: the session check and the page's work share one blocking call");
    }
    for path in ["/api/v1/requests".to_string(), format!("/api/v1/requests/{id}")] {
        let n = blocking_calls_of(app, async { app.get(&path, Some(&w.syt1)).await.status() }).await;
        assert_eq!(n, 1, "{path}");
    }
    // The metric is exposed.
    let text = app.get("/metrics", None).await.text().await.unwrap();
    assert!(text.contains("tiepcan_blocking_calls_total "), "{text}");
}
both!(a_signed_in_page_is_one_blocking_call);

/// Form posts (done, or refused and shown again with their fields' errors),
/// their pages, and the API calls that used to check the session in a call
/// of their own: one blocking call each. A password form checks the password
/// on the hashing pool between reading its hash and the write, so it costs
/// two (the page's refusal reads the page in the second; the API's refusal
/// has nothing more to do, and neither has a form refused before the
/// password is looked at).
async fn forms_and_their_pages_are_one_blocking_call(backend: Backend) {
    use StatusCode as S;
    let w = world_with(backend, Options::default()).await;
    let app = &w.app;
    let admin = app.page_login("admin@tiepcan.test", PW).await;
    let staff = app.page_login("staff@tng.test", PW).await;
    let reporter = app.page_login("pv@tuoitre.test", PW).await;
    let (a, s, r) = (admin.csrf("/").await, staff.csrf("/").await, reporter.csrf("/").await);
    let (a, s, r) = (a.as_str(), s.as_str(), r.as_str());
    let syt1 = body(app.get("/api/v1/me", Some(&w.syt1)).await).await["id"].as_str().unwrap().to_string();
    let agency = format!("/admin/agencies/{}", w.syt_id);

    // Pages that read besides the session.
    for (who, path) in [
        (&admin, "/admin/agencies".to_string()),
        (&admin, format!("/admin/users/{syt1}")),
        (&admin, "/admin/users/new".into()),
        (&admin, "/admin/jurisdictions".into()),
        (&admin, "/admin/calendar/2026".into()),
        (&admin, "/admin/agencies/import".into()),
        (&staff, agency.clone()),
        (&staff, "/escalations".into()),
        (&staff, "/stats".into()),
        (&reporter, "/requests/new?agency_q=y".into()),
        (&reporter, "/agencies".into()),
        (&reporter, "/account".into()),
    ] {
        let n = blocking_calls_of(app, async { who.client.get(who.url(&path)).send().await.unwrap().status() }).await;
        assert_eq!(n, 1, "GET {path}");
    }

    // Forms, done and refused.
    let new_agency = |name: &'static str| {
        [("csrf", a), ("jurisdiction", "TNG"), ("code", "SXD"), ("name", name), ("level", "department")]
    };
    let holidays = [("csrf", a), ("holidays", "30/02/2026 Không có"), ("working_days", ""), ("source", "x")];
    let invite = [
        ("csrf", a),
        ("email", "syt1@tng.test"),
        ("full_name", "Trần Văn Hải"),
        ("role", "spokesperson"),
        ("agency_ids", w.syt_id.as_str()),
        ("locale", "vi"),
    ];
    let terms = format!("{agency}/terms");
    let deactivate = format!("/admin/users/{syt1}/deactivate");
    let profile = |name: &'static str| [("csrf", r), ("full_name", name), ("outlet", "Báo Tuổi Trẻ"), ("locale", "vi")];
    let preview = [("csrf", r), ("op", "preview"), ("agency_id", w.syt_id.as_str()), ("kind", "information")];
    let forms: Vec<(&PageSession, &str, Form, StatusCode)> = vec![
        (&admin, "/admin/agencies", new_agency("Sở Xây dựng").to_vec(), S::SEE_OTHER),
        (&admin, "/admin/agencies", new_agency("").to_vec(), S::UNPROCESSABLE_ENTITY),
        (&admin, "/admin/calendar/2026", holidays.to_vec(), S::UNPROCESSABLE_ENTITY),
        (&admin, "/admin/users/new", invite.to_vec(), S::UNPROCESSABLE_ENTITY),
        (&admin, &deactivate, vec![("csrf", a)], S::SEE_OTHER),
        (&admin, "/admin/scoreboards/TNG", vec![("csrf", a), ("public", "1")], S::SEE_OTHER),
        (&staff, &agency, vec![("csrf", s), ("name", ""), ("level", "department")], S::UNPROCESSABLE_ENTITY),
        (&staff, &terms, vec![("csrf", s), ("email", "syt2@tng.test"), ("valid_from", "mai")], S::UNPROCESSABLE_ENTITY),
        (&reporter, "/account/profile", profile("Lê\tBình").to_vec(), S::UNPROCESSABLE_ENTITY),
        (&reporter, "/account/profile", profile("Lê Bình").to_vec(), S::SEE_OTHER),
        (&reporter, "/requests/new", preview.to_vec(), S::OK),
        (&reporter, "/verify-email/resend", vec![("csrf", r)], S::SEE_OTHER),
    ];
    for (who, path, form, status) in forms {
        let n = calls_answering(app, status, who.post_form(path, &form)).await;
        assert_eq!(n, 1, "POST {path} answering {status}");
    }
    // The public scoreboard, for a visitor signed in.
    assert_eq!(blocking_calls_of(app, async { reporter.text("/scoreboard/TNG").await.0 }).await, 1);

    // The API calls that checked the caller first.
    for path in ["/api/v1/policy", "/api/v1/calendar/2026"] {
        assert_eq!(
            blocking_calls_of(app, async { app.get(path, Some(&w.reporter)).await.status() }).await,
            1,
            "{path}"
        );
    }
    let empty = json!({});
    let resend = app.post("/api/v1/verify-email/resend", &empty, Some(&w.reporter));
    assert_eq!(calls_answering(app, S::ACCEPTED, resend).await, 1, "resend");

    // Password forms: the password is checked on the hashing pool between two calls.
    const NEW_PW: &str = "một-mật-khẩu-mới-dài-43";
    let wrong = json!({"new_email": "moi@tuoitre.test", "password": "không-phải-mật-khẩu"});
    let refused = app.post("/api/v1/me/email", &wrong, Some(&w.sgd));
    assert_eq!(calls_answering(app, S::UNPROCESSABLE_ENTITY, refused).await, 1, "nothing to write");
    let change = json!({"current_password": PW, "new_password": NEW_PW});
    assert_eq!(calls_answering(app, S::NO_CONTENT, app.post("/api/v1/me/password", &change, Some(&w.sgd))).await, 2);
    let email = [("csrf", r), ("new_email", "moi@tuoitre.test"), ("password", "không-phải-mật-khẩu")];
    assert_eq!(calls_answering(app, S::UNPROCESSABLE_ENTITY, reporter.post_form("/account/email", &email)).await, 2);
    let mismatch = [("csrf", r), ("current_password", PW), ("new_password", NEW_PW), ("new_password_confirm", "x")];
    let refused = reporter.post_form("/account/password", &mismatch);
    assert_eq!(calls_answering(app, S::UNPROCESSABLE_ENTITY, refused).await, 1, "refused before the password");
    let change = [("csrf", r), ("current_password", PW), ("new_password", NEW_PW), ("new_password_confirm", NEW_PW)];
    assert_eq!(calls_answering(app, S::SEE_OTHER, reporter.post_form("/account/password", &change)).await, 2);
    app.page_login("pv@tuoitre.test", NEW_PW).await;
}
both!(forms_and_their_pages_are_one_blocking_call);

/// With the limits counted in the database (several instances), the count of
/// a limit keyed by the account shares the call that checks the caller.
async fn limits_kept_in_the_database_share_the_call(backend: Backend) {
    let env = [("TIEPCAN_SHARED_LIMITS".to_string(), "database".to_string())].into_iter().collect();
    let w = world_with(backend, Options { env, ..Options::default() }).await;
    let app = &w.app;
    let empty = json!({});
    let resend = app.post("/api/v1/verify-email/resend", &empty, Some(&w.reporter));
    assert_eq!(calls_answering(app, StatusCode::ACCEPTED, resend).await, 1);
    let reporter = app.page_login("pv@tuoitre.test", PW).await;
    let csrf = reporter.csrf("/").await;
    let form = [("csrf", csrf.as_str())];
    let resend = reporter.post_form("/verify-email/resend", &form);
    assert_eq!(calls_answering(app, StatusCode::SEE_OTHER, resend).await, 1);
    let wrong = json!({"current_password": "không-phải-mật-khẩu", "new_password": "một-mật-khẩu-mới-dài-43"});
    let change = app.post("/api/v1/me/password", &wrong, Some(&w.sgd));
    assert_eq!(calls_answering(app, StatusCode::UNPROCESSABLE_ENTITY, change).await, 1);
}
both!(limits_kept_in_the_database_share_the_call);

/// The links that set a password, and the directory's upload: the password is
/// hashed (or the file read from the network) between two blocking calls; a
/// form refused before that costs one.
async fn links_that_set_a_password_cost_two_blocking_calls(backend: Backend) {
    use StatusCode as S;
    let app = TestApp::spawn(backend).await;
    let admin = app.admin().await;
    app.seed_directory(&admin).await;
    app.create_user("pv@tuoitre.test", "reporter", vec![], None).await;
    let invite =
        json!({"email": "canbo@tng.test", "full_name": "Hoàng Thị Lan", "role": "staff", "jurisdiction": "TNG"});
    assert_eq!(app.post("/api/v1/users", &invite, Some(&admin)).await.status(), S::CREATED);
    let link = app.smtp.wait_for("canbo@tng.test", 1).await[0].link_path("http://tiepcan.test/accept-invite?token=");
    let invited = link.split("token=").nth(1).unwrap().to_string();
    let visitor = PageSession { client: app.browser.clone(), base: app.base.clone() };
    let csrf = visitor.csrf("/login").await;
    let c = csrf.as_str();

    let accept = |pw: &'static str, again: &'static str| {
        vec![("csrf", c), ("token", invited.as_str()), ("password", pw), ("password_confirm", again)]
    };
    for (form, status, n) in [
        (accept(PW, "khác"), S::UNPROCESSABLE_ENTITY, 1),
        (accept("password123", "password123"), S::UNPROCESSABLE_ENTITY, 1),
        (accept(PW, PW), S::SEE_OTHER, 2),
    ] {
        assert_eq!(calls_answering(&app, status, visitor.post_form("/accept-invite", &form)).await, n);
    }

    // The new staff member is signed in now: another visitor asks for a reset link.
    let client = reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build();
    let visitor = PageSession { client: client.unwrap(), base: app.base.clone() };
    let csrf = visitor.csrf("/forgot-password").await;
    let c = csrf.as_str();
    let asked = visitor.post_form("/forgot-password", &[("csrf", c), ("email", "pv@tuoitre.test")]).await;
    assert_eq!(asked.status(), S::OK);
    let link = app.smtp.wait_for("pv@tuoitre.test", 1).await[0].link_path("http://tiepcan.test/reset-password?token=");
    let token = link.split("token=").nth(1).unwrap().to_string();
    let reset = |pw: &'static str, again: &'static str| {
        vec![("csrf", c), ("token", token.as_str()), ("password", pw), ("password_confirm", again)]
    };
    for (form, status, n) in [(reset(PW, "khác"), S::UNPROCESSABLE_ENTITY, 1), (reset(PW, PW), S::SEE_OTHER, 2)] {
        assert_eq!(calls_answering(&app, status, visitor.post_form("/reset-password", &form)).await, n);
    }

    let admin = app.page_login("admin@tiepcan.test", PW).await;
    let csrf = admin.csrf("/admin/agencies/import").await;
    let csv = "jurisdiction,code,name,name_en,level,parent_code,email\nTNG,STC,Sở Tài chính,,department,,\n";
    let form = reqwest::multipart::Form::new()
        .text("csrf", csrf)
        .part("file", reqwest::multipart::Part::bytes(csv.as_bytes().to_vec()).file_name("danh-ba.csv"));
    let upload = async { admin.client.post(admin.url("/admin/agencies/import")).multipart(form).send().await.unwrap() };
    assert_eq!(calls_answering(&app, S::OK, upload).await, 2, "the file is read between");
}
both!(links_that_set_a_password_cost_two_blocking_calls);
