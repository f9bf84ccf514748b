//! The test harness: the real application on a random port, a fresh database
//! per test (SQLite always; PostgreSQL when TEST_DATABASE_URL is set), and a
//! real SMTP server capturing mail.

pub mod clients;
pub mod dovecot;
pub mod mime;
pub mod s3;
pub mod smtp;

use std::collections::HashMap;
use std::sync::Arc;

use diesel::{Connection, PgConnection, RunQueryDsl};
use reqwest::{Client, Response, StatusCode};
use serde_json::{Value, json};

use tiepcan::Application;
use tiepcan::clock::{SharedClock, SystemClock};
use tiepcan::config::Config;
use tiepcan::db::{self, Pool};
use tiepcan::service::accounts::{self, NewUser};
use tiepcan::web::AppState;

pub use smtp::SmtpSink;

/// Runs one test body on SQLite and, when TEST_DATABASE_URL is set, on
/// PostgreSQL: `both!(name);` expects `async fn name(backend: Backend)`.
#[macro_export]
macro_rules! both {
    ($name:ident) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name($crate::helpers::Backend::Sqlite).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                match $crate::helpers::Backend::postgres() {
                    Some(b) => super::$name(b).await,
                    None => eprintln!("skipped on PostgreSQL: TEST_DATABASE_URL is not set"),
                }
            }
        }
    };
}

#[derive(Debug, Clone)]
pub enum Backend {
    Sqlite,
    Postgres(String),
}

impl Backend {
    pub fn postgres() -> Option<Backend> {
        std::env::var("TEST_DATABASE_URL").ok().filter(|s| !s.is_empty()).map(Backend::Postgres)
    }
}

/// A database that exists for one test and is dropped after it.
pub struct TestDb {
    pub url: String,
    admin_url: Option<String>,
    name: String,
    _dir: tempfile::TempDir,
}

impl TestDb {
    pub fn create(backend: &Backend) -> TestDb {
        let dir = tempfile::tempdir().expect("tempdir");
        match backend {
            Backend::Sqlite => {
                let url = format!("sqlite://{}/test.sqlite3?mode=rwc", dir.path().display());
                TestDb { url, admin_url: None, name: String::new(), _dir: dir }
            }
            Backend::Postgres(base) => {
                let name = format!("tiepcan_test_{}", uuid::Uuid::new_v4().simple());
                let mut conn = PgConnection::establish(base).expect("connect to TEST_DATABASE_URL");
                diesel::sql_query(format!("CREATE DATABASE {name}")).execute(&mut conn).expect("create test database");
                let mut url = url::Url::parse(base).expect("TEST_DATABASE_URL is a URL");
                url.set_path(&name);
                TestDb { url: url.to_string(), admin_url: Some(base.clone()), name, _dir: dir }
            }
        }
    }

    pub fn dir(&self) -> &std::path::Path {
        self._dir.path()
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some(admin) = &self.admin_url
            && let Ok(mut conn) = PgConnection::establish(admin)
        {
            let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name)).execute(&mut conn);
        }
    }
}

pub struct TestApp {
    pub base: String,
    /// A client without cookies, for the API.
    pub api: Client,
    /// A browser-like client: keeps cookies, does not follow redirects.
    pub browser: Client,
    pub smtp: SmtpSink,
    pub state: AppState,
    pub pool: Pool,
    jobs: Vec<tokio::task::AbortHandle>,
    server: actix_web::dev::ServerHandle,
    /// Kept for its lifetime: dropping it removes the database.
    pub _db: Option<TestDb>,
    /// An instance's own data directory, when it has one apart from the database's.
    pub _dir: Option<tempfile::TempDir>,
    pub db_url: String,
}

pub struct Options {
    pub env: HashMap<String, String>,
    pub smtp: Option<SmtpSink>,
    pub clock: SharedClock,
}

impl Default for Options {
    fn default() -> Self {
        Options { env: HashMap::new(), smtp: None, clock: Arc::new(SystemClock) }
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        // Stop the mailer before the database goes, or its next poll would wait
        // for a connection to a database that no longer exists.
        for j in &self.jobs {
            j.abort();
        }
        drop(self.server.stop(false));
    }
}

impl TestApp {
    pub async fn spawn(backend: Backend) -> TestApp {
        Self::spawn_with(backend, Options::default()).await
    }

    pub async fn spawn_with(backend: Backend, opts: Options) -> TestApp {
        let db = TestDb::create(&backend);
        let (url, dir) = (db.url.clone(), db.dir().to_path_buf());
        Self::spawn_on(url, dir, Some(db), opts).await
    }

    /// A second instance on the database of `other` (a restart, or another
    /// process sharing it).
    pub async fn spawn_with_db(backend: Backend, other: &TestApp) -> TestApp {
        Self::spawn_with_db_and(backend, other, Options::default()).await
    }

    /// The same, with more settings (`opts.clock` is replaced by `other`'s).
    pub async fn spawn_with_db_and(_backend: Backend, other: &TestApp, opts: Options) -> TestApp {
        let dir = other.state.config.data_dir.parent().unwrap().to_path_buf();
        let opts = Options { clock: other.state.clock.clone(), ..opts };
        Self::spawn_on(other.db_url.clone(), dir, None, opts).await
    }

    /// Another instance on the database of `other`, as on another machine: a
    /// data directory of its own (nothing on disk shared), with `opts`.
    pub async fn spawn_beside(other: &TestApp, opts: Options) -> TestApp {
        let dir = tempfile::tempdir().expect("tempdir");
        let opts = Options { clock: other.state.clock.clone(), ..opts };
        let mut app = Self::spawn_on(other.db_url.clone(), dir.path().to_path_buf(), None, opts).await;
        app._dir = Some(dir);
        app
    }

    async fn spawn_on(db_url: String, dir: std::path::PathBuf, db: Option<TestDb>, opts: Options) -> TestApp {
        let smtp = match opts.smtp {
            Some(s) => s,
            None => SmtpSink::start(0).await,
        };
        let mut env: HashMap<String, String> = [
            ("TIEPCAN_BIND", "127.0.0.1:0".to_string()),
            ("DATABASE_URL", db_url.clone()),
            ("TIEPCAN_BASE_URL", "http://tiepcan.test".into()),
            ("TIEPCAN_DATA_DIR", dir.join("data").display().to_string()),
            ("TIEPCAN_SMTP_URL", format!("smtp://127.0.0.1:{}", smtp.port)),
            ("TIEPCAN_MAIL_FROM", "Tiếp cận <no-reply@tiepcan.test>".into()),
            ("TIEPCAN_MAIL_POLL_MS", "100".into()),
            ("TIEPCAN_MAIL_RETRY_MS", "200".into()),
            ("TIEPCAN_WORKERS", "1".into()),
            ("TIEPCAN_DB_POOL", "4".into()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        env.extend(opts.env);
        let config = Config::from_sources(&env, None).expect("test config");
        let app = Application::build(config, opts.clock).await.expect("build app");
        let port = app.port();
        let state = app.state.clone();
        let pool = state.pool.clone();
        let (jobs, server) = (app.job_handles(), app.handle());
        tokio::spawn(app.run_until_stopped());
        let base = format!("http://127.0.0.1:{port}");
        let api = Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        let browser = Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap();
        TestApp { base, api, browser, smtp, state, pool, jobs, server, _db: db, _dir: None, db_url }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub async fn post(&self, path: &str, body: &Value, token: Option<&str>) -> Response {
        let mut r = self.api.post(self.url(path)).json(body);
        if let Some(t) = token {
            r = r.bearer_auth(t);
        }
        r.send().await.expect("request")
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Response {
        let mut r = self.api.get(self.url(path));
        if let Some(t) = token {
            r = r.bearer_auth(t);
        }
        r.send().await.expect("request")
    }

    pub async fn register(&self, email: &str, password: &str) -> Response {
        self.post(
            "/api/v1/reporters",
            &json!({"email": email, "password": password, "full_name": "Nguyễn Thị Mai", "outlet": "Báo Tuổi Trẻ", "press_card_no": "TT-1234", "phone": "0912 345 678"}),
            None,
        )
        .await
    }

    /// Logs in through the API and returns the bearer token.
    pub async fn login(&self, email: &str, password: &str) -> String {
        let r = self.post("/api/v1/sessions", &json!({"email": email, "password": password}), None).await;
        assert_eq!(r.status(), StatusCode::CREATED, "login of {email}");
        r.json::<Value>().await.unwrap()["token"].as_str().unwrap().to_string()
    }

    /// Creates an account directly through the service (as the CLI does).
    pub async fn create_user(
        &self,
        email: &str,
        role: &str,
        agency_ids: Vec<String>,
        jurisdiction: Option<&str>,
    ) -> String {
        let pool = self.pool.clone();
        let input = NewUser {
            email: email.into(),
            full_name: format!("Người dùng {role}"),
            role: role.into(),
            agency_ids,
            jurisdiction: jurisdiction.map(Into::into),
            ..Default::default()
        };
        let password = "một-mật-khẩu-dài-42".to_string();
        let pw = password.clone();
        let now = self.state.clock.now();
        let hasher = self.state.hasher.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = pool.get().unwrap();
            accounts::create_with_password(&mut conn, &hasher, now, &input, &pw).expect("create user");
        })
        .await
        .unwrap();
        password
    }

    /// An administrator's bearer token.
    pub async fn admin(&self) -> String {
        let pw = self.create_user("admin@tiepcan.test", "admin", vec![], None).await;
        self.login("admin@tiepcan.test", &pw).await
    }

    /// Creates jurisdiction TNG and a few agencies through the API.
    pub async fn seed_directory(&self, admin: &str) {
        let r = self
            .post(
                "/api/v1/jurisdictions",
                &json!({"code": "TNG", "name": "Thái Nguyên", "department_name": "Sở Văn hóa, Thể thao và Du lịch", "department_email": "baochi@tng.test"}),
                Some(admin),
            )
            .await;
        assert_eq!(r.status(), StatusCode::CREATED);
        let csv = "jurisdiction,code,name,name_en,level,parent_code,email\n\
                   TNG,SYT,Sở Y tế,Department of Health,department,,syt@tng.test\n\
                   TNG,SGDDT,Sở Giáo dục và Đào tạo,Department of Education and Training,department,,\n\
                   TNG,SKHCN,Sở Khoa học và Công nghệ,Department of Science and Technology,department,,\n\
                   TNG,DBP,Đồn Biên phòng Đồng Hỷ,Dong Hy Border Post,other,,\n";
        let r = self.import_csv(csv, admin).await;
        assert_eq!(r.status(), StatusCode::OK);
    }

    pub async fn import_csv(&self, csv: &str, token: &str) -> Response {
        self.api
            .post(self.url("/api/v1/agencies/import"))
            .bearer_auth(token)
            .header("content-type", "text/csv; charset=utf-8")
            .body(csv.to_string())
            .send()
            .await
            .unwrap()
    }

    /// The id of agency `code` in TNG.
    pub async fn agency_id(&self, code: &str, token: &str) -> String {
        let r: Value =
            self.get(&format!("/api/v1/agencies?q={code}&jurisdiction=TNG"), Some(token)).await.json().await.unwrap();
        r["items"].as_array().unwrap().iter().find(|a| a["code"] == code).unwrap_or_else(|| panic!("agency {code}"))["id"]
            .as_str()
            .unwrap()
            .to_string()
    }

    /// Fetches a page with the browser client and returns its CSRF token.
    pub async fn csrf(&self, path: &str) -> String {
        let body = self.browser.get(self.url(path)).send().await.unwrap().text().await.unwrap();
        let marker = "name=\"csrf\" value=\"";
        let start = body.find(marker).unwrap_or_else(|| panic!("no csrf field on {path}")) + marker.len();
        body[start..start + body[start..].find('"').unwrap()].to_string()
    }

    /// Outbox rows (all statuses) to one address.
    pub async fn outbox_to(&self, email: &str) -> Vec<tiepcan::db::models::OutboxRow> {
        let pool = self.pool.clone();
        let email = email.to_string();
        tokio::task::spawn_blocking(move || db::outbox::to_address(&mut pool.get().unwrap(), &email).unwrap())
            .await
            .unwrap()
    }
}

/// Reads a JSON body, failing the test with the text when it is not JSON.
pub async fn body(r: Response) -> Value {
    let status = r.status();
    let text = r.text().await.unwrap();
    serde_json::from_str(&text).unwrap_or_else(|_| panic!("{status}: not JSON: {text}"))
}

/// A browser-like session: cookies kept, redirects not followed.
pub struct PageSession {
    pub client: Client,
    pub base: String,
}

impl PageSession {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub async fn text(&self, path: &str) -> (StatusCode, String) {
        let r = self.client.get(self.url(path)).send().await.unwrap();
        (r.status(), r.text().await.unwrap())
    }

    /// The CSRF token of the page at `path`.
    pub async fn csrf(&self, path: &str) -> String {
        let (_, body) = self.text(path).await;
        let marker = "name=\"csrf\" value=\"";
        let start = body.find(marker).unwrap_or_else(|| panic!("no csrf field on {path}: {body}")) + marker.len();
        body[start..start + body[start..].find('"').unwrap()].to_string()
    }

    pub async fn post_form(&self, path: &str, form: &[(&str, &str)]) -> Response {
        self.client.post(self.url(path)).form(form).send().await.unwrap()
    }
}

impl TestApp {
    /// Logs in through the login page.
    pub async fn page_login(&self, email: &str, password: &str) -> PageSession {
        let client = Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap();
        let s = PageSession { client, base: self.base.clone() };
        let csrf = s.csrf("/login").await;
        let r = s.post_form("/login", &[("csrf", &csrf), ("email", email), ("password", password)]).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "page login of {email}");
        s
    }
}
