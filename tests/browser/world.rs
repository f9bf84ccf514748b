//! The people and agencies the scenarios start from, set up through the API
//! and the service (never through the pages under test).

use reqwest::StatusCode;
use serde_json::{Value, json};

use tiepcan::service::Env;
use tiepcan::service::sweeper::{self, SweepReport};

use crate::driver::Browser;
use crate::helpers::{Backend, Options, TestApp, body};

/// The password `TestApp::create_user` gives every account.
pub const PW: &str = "một-mật-khẩu-dài-42";

pub struct World {
    pub app: TestApp,
    pub backend: Backend,
    /// A verified reporter's bearer token (pv@tuoitre.test).
    pub reporter: String,
    pub syt_id: String,
    pub skhcn_id: String,
}

/// TNG with Sở Y tế (spokesperson syt1@tng.test), Sở GD&ĐT (sgd@tng.test),
/// Sở KH&CN (no spokesperson), Department staff (staff@tng.test), an
/// administrator and a verified reporter (pv@tuoitre.test).
pub async fn world(backend: Backend) -> World {
    world_with(backend, Options::default()).await
}

/// The same world with harness options, e.g. a clock the test sets.
pub async fn world_with(backend: Backend, opts: Options) -> World {
    let app = TestApp::spawn_with(backend.clone(), opts).await;
    let admin = app.admin().await;
    app.seed_directory(&admin).await;
    let syt_id = app.agency_id("SYT", &admin).await;
    let sgd_id = app.agency_id("SGDDT", &admin).await;
    let skhcn_id = app.agency_id("SKHCN", &admin).await;
    app.create_user("syt1@tng.test", "spokesperson", vec![syt_id.clone()], None).await;
    app.create_user("sgd@tng.test", "spokesperson", vec![sgd_id], None).await;
    app.create_user("staff@tng.test", "staff", vec![], Some("TNG")).await;
    app.create_user("pv@tuoitre.test", "reporter", vec![], None).await;
    let reporter = app.login("pv@tuoitre.test", PW).await;
    World { app, backend, reporter, syt_id, skhcn_id }
}

impl World {
    /// A browser for scenario `name`, or `None` when the test is skipped.
    pub async fn browser(&self, name: &str) -> Option<Browser> {
        Browser::start(name, &self.backend, &self.app.base).await
    }

    /// Files a request as pv@tuoitre.test through the API (world setup).
    pub async fn file(&self, agency_id: &str, subject: &str) -> String {
        let r = self
            .app
            .post(
                "/api/v1/requests",
                &json!({"agency_id": agency_id, "kind": "information", "subject": subject,
                        "body": "Đề nghị cung cấp hồ sơ thanh tra năm 2026."}),
                Some(&self.reporter),
            )
            .await;
        assert_eq!(r.status(), StatusCode::CREATED);
        let v: Value = body(r).await;
        v["id"].as_str().unwrap().to_string()
    }

    /// One sweep as of the app's clock, as its sweeper job would run it.
    pub async fn sweep(&self) -> SweepReport {
        let app = &self.app;
        let (pool, config, rules, now) =
            (app.pool.clone(), app.state.config.clone(), app.state.rules.current(), app.state.clock.now());
        let report = tokio::task::spawn_blocking(move || {
            let mut conn = pool.get().unwrap();
            sweeper::sweep(&mut conn, Env { config: &config, rules: &rules, now }).unwrap()
        })
        .await
        .unwrap();
        app.state.wake_mailer();
        report
    }
}

impl Browser {
    /// Logs in through the login page (reached from the navigation).
    pub async fn login(&mut self, email: &str, password: &str) {
        self.goto("/").await;
        self.click("a[href='/login']").await;
        self.find("#email").await;
        self.check_page("login").await;
        self.fill("#email", email).await;
        self.fill("#password", password).await;
        self.click("main form button[type=submit]").await;
        self.find("form[action='/logout']").await;
    }

    /// Logs out with the button in the navigation.
    pub async fn logout(&self) {
        self.click("form[action='/logout'] button").await;
        self.find("a[href='/login']").await;
    }
}
