//! Findings of a security review of the web layer, each attacked over HTTP on
//! the real server; other loopback addresses play other people.

use std::time::Duration;

use reqwest::{Client, StatusCode};
use serde_json::{Value, json};

use crate::both;
use crate::helpers::clients::{LogCapture, client_from};
use crate::helpers::{Backend, Options, TestApp, body};

const PW: &str = "ngày-mai-trời-nắng-7";
const OTHER_PW: &str = "một-mật-khẩu-khác-9";

fn location(r: &reqwest::Response) -> String {
    r.headers().get("location").map(|v| v.to_str().unwrap().to_string()).unwrap_or_default()
}

/// The value of the hidden field `name` in a page.
fn hidden(page: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = page.find(&marker).unwrap_or_else(|| panic!("no {name} field in {page}")) + marker.len();
    page[start..start + page[start..].find('"').unwrap()].to_string()
}

async fn page_csrf(client: &Client, app: &TestApp, path: &str) -> String {
    hidden(&client.get(app.url(path)).send().await.unwrap().text().await.unwrap(), "csrf")
}

/// Finding 3: `next` was checked for CR/LF only, so a tab made
/// `Location: /\t/evil.example` (which browsers read as `//evil.example`) and a
/// NUL or another control character made an invalid header (500).
async fn open_redirect_through_next(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.create_user("pv@x.test", "reporter", vec![], None).await;
    for next in ["/%09/evil.example", "/%5C/evil.example", "/%0D%0A/evil.example", "//evil.example", "/%00x", "/%01x"] {
        let r = app.browser.get(app.url(&format!("/lang?to=en&next={next}"))).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{next}");
        assert_eq!(location(&r), "/", "{next}");
        // The login page carries `next` to its form, which redirects after login.
        let r = app.browser.get(app.url(&format!("/login?next={next}"))).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{next}");
        assert_eq!(hidden(&r.text().await.unwrap(), "next"), "/", "{next}");
    }
    for next in ["/\t/evil.example", "/\u{0}x", "/\u{1}x", "/a/../..//evil.example"] {
        let csrf = app.csrf("/login").await;
        let form =
            [("csrf", csrf.as_str()), ("email", "pv@x.test"), ("password", "một-mật-khẩu-dài-42"), ("next", next)];
        let r = app.browser.post(app.url("/login")).form(&form).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{next:?}");
        assert_eq!(location(&r), "/", "{next:?}");
    }
    // A path of the site still works, made plain ASCII.
    let r = app.browser.get(app.url("/lang?to=vi&next=%2Fagencies%3Fq%3Ds%E1%BB%9F")).send().await.unwrap();
    assert_eq!(location(&r), "/agencies?q=s%E1%BB%9F");
}
both!(open_redirect_through_next);

/// Finding 5: the access log wrote `GET /verify-email?token=…`, and the
/// outbox kept every confirmation and invitation link for good.
async fn secret_links_in_the_access_log_and_the_outbox(backend: Backend) {
    let log = LogCapture::install();
    let app = TestApp::spawn(backend).await;
    app.register("pv@x.test", PW).await;
    let admin = app.admin().await;
    let r = app
        .post("/api/v1/users", &json!({"email": "ad@x.test", "full_name": "A", "role": "admin"}), Some(&admin))
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let verify = app.smtp.wait_for("pv@x.test", 1).await[0].link_path("http://tiepcan.test/verify-email");
    let invite = app.smtp.wait_for("ad@x.test", 1).await[0].link_path("http://tiepcan.test/accept-invite");
    let mut tokens = Vec::new();
    for link in [&verify, &invite] {
        let path = link.replace("http://tiepcan.test", "");
        tokens.push(path.split("token=").nth(1).unwrap().to_string());
        assert_eq!(app.browser.get(app.url(&path)).send().await.unwrap().status(), StatusCode::OK, "{path}");
    }
    assert_eq!(app.get(&format!("/api/v1/verify-email?token={}", tokens[0]), None).await.status().as_u16(), 422);
    log.wait_for("GET /verify-email 200").await;
    log.wait_for("GET /accept-invite 200").await;
    let text = log.wait_for("GET /api/v1/verify-email 422").await;
    for t in &tokens {
        assert!(!text.contains(t.as_str()), "a token reached the log:\n{text}");
    }
    for (to, token) in [("pv@x.test", &tokens[0]), ("ad@x.test", &tokens[1])] {
        for row in app.sent_to(to, 1).await {
            for stored in [&row.body_text, &row.body_html] {
                assert!(!stored.contains(token.as_str()), "{stored}");
                assert!(stored.contains("token=redacted"), "{stored}");
            }
        }
    }
}
both!(secret_links_in_the_access_log_and_the_outbox);

/// Finding 7, logins: five wrong passwords locked the account for everyone
/// (its owner too), and only existing accounts were ever locked, so a 429 said
/// which addresses have one.
async fn lockout_as_a_weapon_and_an_oracle(backend: Backend) {
    let app = TestApp::spawn(backend.clone()).await;
    assert_eq!(app.register("pn@x.test", PW).await.status(), StatusCode::CREATED);
    let troll = client_from([127, 0, 0, 2]);
    let attempt = |client: &Client, email: &str, password: &str| {
        let req = client.post(app.url("/api/v1/sessions")).json(&json!({"email": email, "password": password}));
        async move { req.send().await.unwrap() }
    };
    let mut answers: Vec<Vec<(u16, Value)>> = Vec::new();
    for email in ["pn@x.test", "nobody@x.test"] {
        let mut seen = Vec::new();
        for _ in 0..6 {
            let r = attempt(&troll, email, "sai-mat-khau-1").await;
            let status = r.status().as_u16();
            let mut b = body(r).await;
            b["error"]["message"] = Value::Null; // the wait varies by a second
            seen.push((status, b));
        }
        answers.push(seen);
    }
    assert_eq!(answers[0].iter().map(|(s, _)| *s).collect::<Vec<_>>(), vec![401, 401, 401, 401, 401, 429]);
    assert_eq!(answers[0], answers[1], "an address without an account is answered the same");
    // The troll's pair is locked, even with the right password...
    assert_eq!(attempt(&troll, "pn@x.test", PW).await.status(), StatusCode::TOO_MANY_REQUESTS);
    // ...but the owner, elsewhere, gets in.
    let owner = client_from([127, 0, 0, 3]);
    assert_eq!(attempt(&owner, "pn@x.test", PW).await.status(), StatusCode::CREATED);
    assert_eq!(attempt(&app.api, "PN@x.test", PW).await.status(), StatusCode::CREATED);
    // The count lives in the database: failures on two instances add up.
    let second = TestApp::spawn_with_db(backend, &app).await;
    let guesser = client_from([127, 0, 0, 4]);
    for (i, instance) in [&app, &app, &app, &second, &second, &app].into_iter().enumerate() {
        let r = guesser
            .post(instance.url("/api/v1/sessions"))
            .json(&json!({"email": "pn@x.test", "password": "sai-mat-khau-1"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), if i < 5 { 401 } else { 429 }, "attempt {i}");
    }
}
both!(lockout_as_a_weapon_and_an_oracle);

/// Finding 7, registration: a taken address answered 409 (API) or
/// "email_taken" (page). Now it answers like a new one and its owner is told.
async fn registration_tells_taken_addresses(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let new = app.register("mai@x.test", PW).await;
    assert_eq!(new.status(), StatusCode::CREATED);
    let new = body(new).await;
    let taken = app.register("MAI@x.test", OTHER_PW).await;
    assert_eq!(taken.status(), StatusCode::CREATED);
    let taken = body(taken).await;
    let keys = |v: &Value| v.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
    assert_eq!(keys(&new), keys(&taken));
    assert_eq!((&taken["email"], &taken["email_verified"]), (&new["email"], &json!(false)));
    let fake = taken["id"].as_str().unwrap().to_string();
    assert_ne!(fake, new["id"].as_str().unwrap());
    assert_eq!(uuid::Uuid::parse_str(&fake).unwrap().get_version_num(), 7, "an id like any other");
    assert!(app.with_db(move |c| tiepcan::db::users::by_id(c, &fake).unwrap()).await.is_none());
    // Nothing was created or changed; the owner hears of it, in their language.
    let mails = app.smtp.wait_for("mai@x.test", 2).await;
    assert_eq!(mails[1].subject(), "Có người vừa định đăng ký bằng địa chỉ thư của bạn");
    assert!(mails[1].text().contains("http://tiepcan.test/login"));
    assert!(!mails[1].text().contains("token="));
    let r = app.post("/api/v1/sessions", &json!({"email": "mai@x.test", "password": OTHER_PW}), None).await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    app.login("mai@x.test", PW).await;
    // The page: the same "check your mailbox" for a new and a taken address.
    app.post(
        "/api/v1/reporters",
        &json!({"email": "jo@x.test", "password": PW, "full_name": "Jo", "outlet": "AFP", "locale": "en"}),
        None,
    )
    .await;
    let mut pages = Vec::new();
    for email in ["free@x.test", "jo@x.test"] {
        let csrf = app.csrf("/register").await;
        let form =
            [("csrf", csrf.as_str()), ("email", email), ("password", OTHER_PW), ("full_name", "X"), ("outlet", "Y")];
        let r = app.browser.post(app.url("/register")).form(&form).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::CREATED, "{email}");
        pages.push(r.text().await.unwrap().replace(email, "ADDRESS"));
    }
    assert!(pages[0].contains("Kiểm tra hộp thư của bạn"));
    assert_eq!(pages[0], pages[1]);
    let mails = app.smtp.wait_for("jo@x.test", 2).await;
    assert_eq!(mails[1].subject(), "Someone tried to register with your address");
}
both!(registration_tells_taken_addresses);

/// Finding 8: each search word became a condition, and about a thousand of
/// them overflowed SQLite's expression tree (500).
async fn many_search_words(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.admin().await;
    app.seed_directory(&admin).await;
    let words = vec!["so"; 1100].join("+");
    let r = app.api.get(app.url(&format!("/agencies?q={words}"))).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK, "the directory page needs no login");
    for path in ["/api/v1/agencies", "/api/v1/requests"] {
        let r = app.get(&format!("{path}?q={words}"), Some(&admin)).await;
        assert_eq!(r.status(), StatusCode::OK, "{path}");
    }
    // The first words still count.
    let found = body(app.get("/api/v1/agencies?q=so+y+te+so+so+so+so+so+khong+co", Some(&admin)).await).await;
    assert_eq!(found["total"], 1, "{found}");
}
both!(many_search_words);

/// Finding 9: the CSRF token was a cookie echoed in the form, so a pair that
/// the client chose itself passed, and logging in kept the token.
async fn csrf_token_not_bound_to_the_session(backend: Backend) {
    let app = TestApp::spawn(backend.clone()).await;
    app.create_user("pv@x.test", "reporter", vec![], None).await;
    let forged = "chosen-by-the-attacker-0123456789";
    let register = [("csrf", forged), ("email", "x@x.test"), ("password", PW), ("full_name", "X"), ("outlet", "Y")];
    let login = [("csrf", forged), ("email", "pv@x.test"), ("password", "một-mật-khẩu-dài-42")];
    for (path, form) in [("/register", &register[..]), ("/login", &login[..])] {
        let r = app
            .api
            .post(app.url(path))
            .header("cookie", format!("tiepcan_csrf={forged}"))
            .form(form)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{path}");
    }
    assert!(app.outbox_to("x@x.test").await.is_empty());

    // Logging in replaces the token; logging out replaces it again.
    let me = client_from([127, 0, 0, 1]);
    let before = page_csrf(&me, &app, "/login").await;
    let r = me
        .post(app.url("/login"))
        .form(&[("csrf", before.as_str()), ("email", "pv@x.test"), ("password", "một-mật-khẩu-dài-42")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let signed_in = page_csrf(&me, &app, "/").await;
    assert_ne!(signed_in, before);
    assert_eq!(me.post(app.url("/logout")).form(&[("csrf", before.as_str())]).send().await.unwrap().status(), 403);
    // A token is worth nothing in another session of the same account.
    let other = app.page_login("pv@x.test", "một-mật-khẩu-dài-42").await;
    let r = other.post_form("/logout", &[("csrf", signed_in.as_str())]).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = me.post(app.url("/logout")).form(&[("csrf", signed_in.as_str())]).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let after = page_csrf(&me, &app, "/login").await;
    assert!(after != before && after != signed_in);
    for stale in [&before, &signed_in] {
        let form = [("csrf", stale.as_str()), ("email", "pv@x.test"), ("password", "một-mật-khẩu-dài-42")];
        assert_eq!(me.post(app.url("/login")).form(&form).send().await.unwrap().status(), 403);
    }
    // Without JavaScript, the page's own token still works.
    let form = [("csrf", after.as_str()), ("email", "pv@x.test"), ("password", "một-mật-khẩu-dài-42")];
    assert_eq!(me.post(app.url("/login")).form(&form).send().await.unwrap().status(), 303);
    // The key belongs to the installation: a form from one instance is good on
    // another behind the same address (cookies do not depend on the port).
    let second = TestApp::spawn_with_db(backend, &app).await;
    let token = page_csrf(&me, &app, "/").await;
    let r = me.post(second.url("/logout")).form(&[("csrf", token.as_str())]).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
}
both!(csrf_token_not_bound_to_the_session);

/// Finding 10: the composed and decomposed spellings of an address made two
/// accounts.
async fn email_addresses_not_normalised(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let composed = "nguy\u{1ec5}n@bao.example.vn";
    let decomposed = "NGUYE\u{302}\u{303}N@BAO.example.VN";
    assert_eq!(app.register(composed, PW).await.status(), StatusCode::CREATED);
    assert_eq!(app.register(decomposed, OTHER_PW).await.status(), StatusCode::CREATED);
    assert_eq!(app.with_db(|c| tiepcan::db::users::count(c).unwrap()).await, 1, "one account");
    let kinds: Vec<String> = app.outbox_to(composed).await.into_iter().map(|r| r.kind).collect();
    assert_eq!(kinds, vec!["verify_email", "register_taken"], "a confirmation, then the notice");
    let r = app.post("/api/v1/sessions", &json!({"email": decomposed, "password": OTHER_PW}), None).await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let token = app.login(decomposed, PW).await;
    assert_eq!(body(app.get("/api/v1/me", Some(&token)).await).await["email"], composed);
}
both!(email_addresses_not_normalised);

/// Also wanted: answers about the caller are not kept by browsers or proxies.
async fn api_answers_are_not_stored(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.admin().await;
    let signed_in = Some(admin.as_str());
    for (path, token) in [("/api/v1/me", signed_in), ("/api/v1/requests", signed_in), ("/api/v1/me", None)] {
        let r = app.get(path, token).await;
        assert_eq!(r.headers().get("cache-control").map(|v| v.to_str().unwrap()), Some("no-store"), "{path}");
    }
    let r = app
        .post("/api/v1/sessions", &json!({"email": "admin@tiepcan.test", "password": "một-mật-khẩu-dài-42"}), None)
        .await;
    assert_eq!(r.headers()["cache-control"], "no-store", "the answer that holds a new token");
}
both!(api_answers_are_not_stored);

/// Also wanted: with TIEPCAN_METRICS_TOKEN set, /metrics needs it.
async fn metrics_behind_a_token(backend: Backend) {
    let mut opts = Options::default();
    opts.env.insert("TIEPCAN_METRICS_TOKEN".into(), "scrape-me-0123456789".into());
    let app = TestApp::spawn_with(backend, opts).await;
    for token in [None, Some("wrong"), Some("scrape-me-012345678"), Some("scrape-me-0123456789x")] {
        let r = app.get("/metrics", token).await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "{token:?}");
        assert_eq!(body(r).await["error"]["code"], "unauthenticated");
    }
    let r = app.get("/metrics", Some("scrape-me-0123456789")).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.text().await.unwrap().contains("tiepcan_http_responses_total"));
    assert_eq!(app.get("/readyz", None).await.status(), StatusCode::OK, "the probes stay open");
    assert_eq!(app.get("/healthz", None).await.status(), StatusCode::OK);
}
both!(metrics_behind_a_token);

/// Also wanted: an address registered by someone who cannot confirm it is
/// free again after 7 days.
async fn unconfirmed_accounts_squat_addresses(backend: Backend) {
    let clock = tiepcan::clock::ManualClock::new(chrono::Utc::now());
    let opts = Options { clock: std::sync::Arc::new(clock.clone()), ..Options::default() };
    let app = TestApp::spawn_with(backend, opts).await;
    assert_eq!(app.register("owner@x.test", OTHER_PW).await.status(), StatusCode::CREATED);
    clock.advance(chrono::Duration::days(7) - chrono::Duration::minutes(1));
    app.register("owner@x.test", PW).await;
    let r = app.post("/api/v1/sessions", &json!({"email": "owner@x.test", "password": PW}), None).await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "not yet expired");
    clock.advance(chrono::Duration::minutes(2));
    let r = app.register("owner@x.test", PW).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let id = body(r).await["id"].as_str().unwrap().to_string();
    let mails = app.smtp.wait_for("owner@x.test", 3).await;
    let token = app.login("owner@x.test", PW).await;
    assert_eq!(body(app.get("/api/v1/me", Some(&token)).await).await["id"], id.as_str());
    let r = app.post("/api/v1/sessions", &json!({"email": "owner@x.test", "password": OTHER_PW}), None).await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "the squatter's account is gone");
    let link = mails[2].link_path("http://tiepcan.test/verify-email?token=").replace("http://tiepcan.test", "");
    assert_eq!(app.api.get(app.url(&link)).send().await.unwrap().status(), StatusCode::OK);
}
both!(unconfirmed_accounts_squat_addresses);

/// The same expiry, from the sweep rather than from a new registration.
async fn unconfirmed_accounts_expire_at_the_sweep(backend: Backend) {
    let clock = tiepcan::clock::ManualClock::new(chrono::Utc::now());
    let mut opts = Options { clock: std::sync::Arc::new(clock.clone()), ..Options::default() };
    opts.env.insert("TIEPCAN_SWEEP_INTERVAL_MS".into(), "100".into());
    let app = TestApp::spawn_with(backend, opts).await;
    app.register("gone@x.test", PW).await;
    app.register("kept@x.test", PW).await;
    let link = app.smtp.wait_for("kept@x.test", 1).await[0].link_path("http://tiepcan.test/verify-email?token=");
    let r = app.api.get(app.url(&link.replace("http://tiepcan.test", ""))).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    clock.advance(chrono::Duration::days(8));
    for _ in 0..100 {
        if app.with_db(|c| tiepcan::db::users::count(c).unwrap()).await == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let left = app.with_db(|c| tiepcan::db::users::by_email(c, "gone@x.test").unwrap()).await;
    assert!(left.is_none(), "the unconfirmed account was removed");
    app.login("kept@x.test", PW).await;
}
both!(unconfirmed_accounts_expire_at_the_sweep);

/// Kept: a login always starts a new session; a session id planted before
/// (session fixation) is never adopted.
async fn login_starts_a_new_session(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let pw = app.create_user("pv@x.test", "reporter", vec![], None).await;
    let planted = "planted-by-someone-else-0123456789abcdef";
    let set_cookie = |r: &reqwest::Response, name: &str| -> Option<String> {
        r.headers().get_all("set-cookie").iter().find_map(|v| {
            let v = v.to_str().unwrap();
            v.strip_prefix(&format!("{name}=")).map(|c| c.split(';').next().unwrap().to_string())
        })
    };
    // The browser holds a session cookie someone else chose, and logs in.
    let r = app.api.get(app.url("/login")).header("cookie", format!("tiepcan_session={planted}")).send().await.unwrap();
    let pre_session = set_cookie(&r, "tiepcan_csrf").unwrap();
    let csrf = hidden(&r.text().await.unwrap(), "csrf");
    let r = app
        .api
        .post(app.url("/login"))
        .header("cookie", format!("tiepcan_session={planted}; tiepcan_csrf={pre_session}"))
        .form(&[("csrf", csrf.as_str()), ("email", "pv@x.test"), ("password", pw.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let issued = set_cookie(&r, "tiepcan_session").unwrap();
    assert_ne!(issued, planted);
    assert_eq!(app.get("/api/v1/me", Some(planted)).await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(app.get("/api/v1/me", Some(&issued)).await.status(), StatusCode::OK);
    let (a, b) = (app.login("pv@x.test", &pw).await, app.login("pv@x.test", &pw).await);
    assert_ne!(a, b, "every login is a session of its own");
}
both!(login_starts_a_new_session);

/// Kept: passwords are stored as argon2id, and an unknown address costs the
/// same argon2id check (on a dummy hash), so timing does not tell which
/// addresses have accounts.
async fn unknown_addresses_cost_an_argon2id_check(backend: Backend) {
    let mut opts = Options::default();
    opts.env.insert("TIEPCAN_FAILED_LOGINS_BEFORE_LOCKOUT".into(), "1000".into());
    opts.env.insert("TIEPCAN_LOGIN_PER_IP_PER_MINUTE".into(), "1000".into());
    let app = TestApp::spawn_with(backend, opts).await;
    app.register("pv@x.test", PW).await;
    let user = app.with_db(|c| tiepcan::db::users::by_email(c, "pv@x.test").unwrap().unwrap()).await;
    assert!(user.password_hash.unwrap().starts_with("$argon2id$"));
    let mut median = Vec::new();
    for email in ["pv@x.test", "nobody@x.test"] {
        let mut times = Vec::new();
        for _ in 0..7 {
            let started = std::time::Instant::now();
            let r = app.post("/api/v1/sessions", &json!({"email": email, "password": "sai-mat-khau-1"}), None).await;
            times.push(started.elapsed());
            assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
        }
        times.sort();
        median.push(times[3]);
    }
    // Without the dummy check an unknown address answers many times faster.
    assert!(median[1] * 4 > median[0], "known {:?}, unknown {:?}", median[0], median[1]);
}
both!(unknown_addresses_cost_an_argon2id_check);

/// Kept: every form that changes something checks its CSRF token, even for a
/// signed-in visitor whose cookies the browser sends along.
async fn every_post_page_checks_csrf(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let pw = app.create_user("ad@x.test", "admin", vec![], None).await;
    let s = app.page_login("ad@x.test", &pw).await;
    let id = "0190a0a0-0000-7000-8000-000000000000";
    let forms: Vec<(String, Vec<(&str, &str)>)> = vec![
        ("/register".into(), vec![("email", "y@x.test"), ("password", PW), ("full_name", "Y"), ("outlet", "Z")]),
        ("/verify-email/resend".into(), vec![]),
        ("/login".into(), vec![("email", "ad@x.test"), ("password", pw.as_str())]),
        ("/logout".into(), vec![]),
        ("/accept-invite".into(), vec![("token", "x"), ("password", PW), ("password_confirm", PW)]),
        (format!("/escalations/{id}/actions"), vec![("action", "note"), ("body", "x")]),
        ("/admin/calendar/2026".into(), vec![("holidays", ""), ("working_days", "")]),
        ("/requests/new".into(), vec![("agency_id", id), ("kind", "information"), ("subject", "s"), ("body", "b")]),
        (format!("/requests/{id}/actions"), vec![("action", "comment"), ("body", "x")]),
    ];
    for (path, form) in &forms {
        let r = s.post_form(path, form).await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{path}");
    }
    // An upload's token travels in its body, and access to the request is
    // settled before a byte of the body is read: a request the caller cannot
    // see is not found whatever the token. The refusal of an upload without
    // the token, on a request the caller may attach to, is
    // request_pages::file_answer_and_download_through_the_pages.
    let part = reqwest::multipart::Part::bytes(b"%PDF-1.4\n".to_vec()).file_name("a.pdf");
    let upload = reqwest::multipart::Form::new().part("file", part);
    let r = s.client.post(s.url(&format!("/requests/{id}/attachments"))).multipart(upload).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND, "attachments");
    let (_, home) = s.text("/").await;
    assert!(home.contains("action=\"/logout\""), "still signed in: the logout was refused too");
}
both!(every_post_page_checks_csrf);
