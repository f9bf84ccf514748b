//! A headless Chromium driven over WebDriver: chromedriver on a free port,
//! one browser session per test with a fresh profile, and the page helpers
//! the scenarios share (waiting, typing with key actions, axe-core, the
//! horizontal-scroll check, screenshots).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::elements::Element;
use fantoccini::key::Key;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};

use crate::helpers::Backend;

/// Debian's paths; TIEPCAN_CHROMIUM and TIEPCAN_CHROMEDRIVER override them.
fn program(var: &str, default: &str) -> String {
    std::env::var(var).ok().filter(|s| !s.is_empty()).unwrap_or_else(|| default.to_string())
}
/// How long to wait for an element or a page before failing.
const PATIENCE: Duration = Duration::from_secs(20);

/// chromedriver and the browsers it started; killed (as a process group) on drop.
struct DriverProcess {
    child: Child,
}

impl Drop for DriverProcess {
    fn drop(&mut self) {
        // chromedriver runs in a process group of its own with the Chromium
        // processes it launched: end that group, then reap chromedriver.
        let _ = Command::new("kill").args(["-KILL", "--", &format!("-{}", self.child.id())]).status();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub struct Browser {
    pub client: Client,
    /// Where the app under test listens, e.g. http://127.0.0.1:1234.
    pub base: String,
    scenario: String,
    shots: usize,
    axe: String,
    _driver: DriverProcess,
    _profile: tempfile::TempDir,
}

/// Whether a missing browser fails the run (CI) or skips the test.
fn browser_required() -> bool {
    std::env::var("TIEPCAN_REQUIRE_BROWSER").is_ok_and(|v| v == "1")
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn browser_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser")
}

impl Browser {
    /// Starts chromedriver and a headless Chromium for scenario `name` on
    /// `backend`, for the app at `base`. Without Chromium: `None` after one
    /// "skipped: no chromium" line, or a failure under TIEPCAN_REQUIRE_BROWSER=1.
    pub async fn start(name: &str, backend: &Backend, base: &str) -> Option<Browser> {
        let chromium = program("TIEPCAN_CHROMIUM", "/usr/bin/chromium");
        let chromedriver = program("TIEPCAN_CHROMEDRIVER", "/usr/bin/chromedriver");
        if !Path::new(&chromium).exists() || !Path::new(&chromedriver).exists() {
            assert!(
                !browser_required(),
                "TIEPCAN_REQUIRE_BROWSER=1 but {chromium} or {chromedriver} is missing \
                 (apt-get install -y chromium chromium-driver)"
            );
            println!("skipped: no chromium");
            return None;
        }
        let axe_path = browser_dir().join("node_modules/axe-core/axe.min.js");
        let axe = std::fs::read_to_string(&axe_path).unwrap_or_else(|e| {
            panic!("{}: {e} (run `npm ci` in tests/browser)", axe_path.display());
        });

        let port = free_port();
        let child = std::os::unix::process::CommandExt::process_group(
            Command::new(&chromedriver).arg(format!("--port={port}")).stdout(Stdio::null()).stderr(Stdio::null()),
            0,
        )
        .spawn()
        .expect("start chromedriver");
        let driver = DriverProcess { child };
        let webdriver = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + PATIENCE;
        while tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_err() {
            assert!(Instant::now() < deadline, "chromedriver did not listen on port {port}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }

        let profile = tempfile::tempdir().expect("profile dir");
        let args = vec![
            "--headless=new".to_string(),
            "--no-sandbox".into(),
            "--disable-gpu".into(),
            "--disable-dev-shm-usage".into(),
            "--disable-quic".into(),
            "--no-first-run".into(),
            "--disable-background-networking".into(),
            "--disable-component-update".into(),
            "--disable-sync".into(),
            "--window-size=1280,900".into(),
            format!("--user-data-dir={}", profile.path().display()),
        ];
        let mut caps = serde_json::Map::new();
        caps.insert("browserName".into(), json!("chrome"));
        caps.insert("goog:chromeOptions".into(), json!({"binary": chromium, "args": args}));
        let mut builder = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new());
        builder.capabilities(caps);
        let client = builder.connect(&webdriver).await.expect("a WebDriver session in Chromium");

        let backend = match backend {
            Backend::Sqlite => "sqlite",
            Backend::Postgres(_) => "postgres",
        };
        Some(Browser {
            client,
            base: base.to_string(),
            scenario: format!("{name}-{backend}"),
            shots: 0,
            axe,
            _driver: driver,
            _profile: profile,
        })
    }

    /// Ends the WebDriver session (the browser closes); the driver goes on drop.
    pub async fn finish(self) {
        let Browser { client, _driver, _profile, .. } = self;
        let _ = client.close().await;
    }

    pub async fn goto(&self, path: &str) {
        self.client.goto(&format!("{}{}", self.base, path)).await.unwrap();
    }

    /// The current path with its query, e.g. `/requests/…?done=1`.
    pub async fn path(&self) -> String {
        let u = self.client.current_url().await.unwrap();
        match u.query() {
            Some(q) => format!("{}?{q}", u.path()),
            None => u.path().to_string(),
        }
    }

    /// Waits until the current path satisfies `ok`.
    pub async fn wait_path(&self, what: &str, ok: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let p = self.path().await;
            if ok(&p) {
                return p;
            }
            assert!(Instant::now() < deadline, "waited for {what}; still on {p}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub async fn find(&self, css: &str) -> Element {
        self.client
            .wait()
            .at_most(PATIENCE)
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{}: no element {css}: {e}", self.scenario))
    }

    /// Waits until the element `css` exists and its text contains `needle`;
    /// returns that text.
    pub async fn wait_text(&self, css: &str, needle: &str) -> String {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let mut seen = String::new();
            if let Ok(els) = self.client.find_all(Locator::Css(css)).await {
                for el in els {
                    if let Ok(t) = el.text().await {
                        if t.contains(needle) {
                            return t;
                        }
                        seen.push_str(&t);
                        seen.push('\n');
                    }
                }
            }
            if Instant::now() >= deadline {
                let path = self.path().await;
                panic!("on {path}: no {css} containing {needle:?}; texts seen:\n{seen}");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub async fn fill(&self, css: &str, text: &str) {
        let el = self.find(css).await;
        el.clear().await.unwrap();
        el.send_keys(text).await.unwrap();
    }

    pub async fn click(&self, css: &str) {
        let el = self.find(css).await;
        el.click().await.unwrap_or_else(|e| panic!("click {css}: {e}"));
    }

    /// Clicks `css` and waits until the browser has left the current document
    /// (its root element is gone), for a form that answers with a new page.
    pub async fn click_and_wait_for_new_page(&self, css: &str) {
        let root = self.client.find(Locator::Css("html")).await.unwrap();
        self.click(css).await;
        let deadline = Instant::now() + PATIENCE;
        while root.tag_name().await.is_ok() {
            assert!(Instant::now() < deadline, "{}: clicking {css} did not load a new page", self.scenario);
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Opens a `<details>` whose summary is inside `css` (a click on the
    /// summary, as a person would) unless it is open already.
    pub async fn open_details(&self, css: &str) {
        let details = self.find(css).await;
        if details.attr("open").await.unwrap().is_none() {
            details.find(Locator::Css("summary")).await.unwrap().click().await.unwrap();
        }
    }

    pub async fn script(&self, js: &str, args: Vec<Value>) -> Value {
        self.client.execute(js, args).await.unwrap_or_else(|e| panic!("script failed: {e}\n{js}"))
    }

    /// Presses `key` (down and up) on whatever has the focus.
    pub async fn press(&self, key: Key) {
        self.keys(&[char::from(key)]).await;
    }

    /// Types `text` on whatever has the focus, one key action per character.
    pub async fn type_text(&self, text: &str) {
        self.keys(&text.chars().collect::<Vec<_>>()).await;
    }

    async fn keys(&self, chars: &[char]) {
        let mut actions = KeyActions::new("keyboard".into());
        for &c in chars {
            actions = actions.then(KeyAction::Down { value: c }).then(KeyAction::Up { value: c });
        }
        self.client.perform_actions(actions).await.unwrap();
    }

    /// A short description of the focused element: `tag#id[name=value]->href`.
    pub async fn focused(&self) -> String {
        self.script(
            "const e = document.activeElement; if (!e) return '';\
             return e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + \
             (e.name ? '[' + e.name + '=' + (e.value || '') + ']' : '') + \
             (e.getAttribute('href') ? '->' + e.getAttribute('href') : '');",
            vec![],
        )
        .await
        .as_str()
        .unwrap_or_default()
        .to_string()
    }

    /// Presses Tab until the focused element's description satisfies `ok`
    /// (at most 60 times); returns it.
    pub async fn tab_to(&self, what: &str, ok: impl Fn(&str) -> bool) -> String {
        let mut seen = Vec::new();
        for _ in 0..60 {
            self.press(Key::Tab).await;
            let f = self.focused().await;
            if ok(&f) {
                return f;
            }
            seen.push(f);
        }
        panic!("Tab never reached {what}; focus went through {seen:?}");
    }

    /// The response headers of GET `path`, fetched by the page with its cookies
    /// (names in lower case).
    pub async fn headers_of(&self, path: &str) -> Value {
        self.script(
            "return fetch(arguments[0], {credentials: 'same-origin'}).then(r => {\
               const h = {status: r.status}; r.headers.forEach((v, k) => { h[k] = v; }); return h; });",
            vec![path.into()],
        )
        .await
    }

    /// The focused element shows where the focus is (an outline or a ring).
    pub async fn assert_focus_visible(&self) {
        let style = self
            .script(
                "const s = getComputedStyle(document.activeElement);\
                 return {outline: s.outlineStyle, width: s.outlineWidth, shadow: s.boxShadow,\
                         visible: document.activeElement.matches(':focus-visible')};",
                vec![],
            )
            .await;
        let ring = (style["outline"] != "none" && style["width"] != "0px") || style["shadow"] != "none";
        assert!(style["visible"] == true && ring, "the focus on {} is not visible: {style}", self.focused().await);
    }

    /// Sets the window so that the page is `width` CSS pixels wide.
    pub async fn set_viewport_width(&self, width: u32, height: u32) {
        self.client.set_window_size(width, height).await.unwrap();
        // The outer window includes no chrome in headless mode, but check and correct.
        let inner = self.script("return window.innerWidth;", vec![]).await.as_u64().unwrap() as u32;
        if inner != width {
            self.client.set_window_size(width + (width.saturating_sub(inner)), height).await.unwrap();
        }
        let inner = self.script("return window.innerWidth;", vec![]).await.as_u64().unwrap();
        assert_eq!(inner, u64::from(width), "the viewport could not be made {width} px wide");
    }

    /// What every visited page must pass: it is fully loaded, axe-core finds no
    /// serious or critical violation, nothing scrolls sideways. Then a
    /// screenshot named `name` is saved under target/screenshots/.
    pub async fn check_page(&mut self, name: &str) {
        let deadline = Instant::now() + PATIENCE;
        while self.script("return document.readyState;", vec![]).await != "complete" {
            assert!(Instant::now() < deadline, "page {name} did not finish loading");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let path = self.path().await;
        let lang = self.script("return document.documentElement.lang;", vec![]).await;
        assert!(lang == "vi" || lang == "en", "{path}: <html lang> is {lang}");

        // The CSP forbids inline script and style: none may be on the page.
        let inline =
            self.script("return document.querySelectorAll('script:not([src]), [style]').length;", vec![]).await;
        assert_eq!(inline, 0, "{path}: inline script or style, which the CSP would block");

        self.save_screenshot(name).await;
        let (scroll, client) = self.widths().await;
        assert!(scroll <= client, "{path}: scrolls sideways ({scroll} px of content in {client} px)");
        self.axe(&path).await;
    }

    async fn widths(&self) -> (u64, u64) {
        let w = self
            .script("return [document.documentElement.scrollWidth, document.documentElement.clientWidth];", vec![])
            .await;
        (w[0].as_u64().unwrap(), w[1].as_u64().unwrap())
    }

    async fn save_screenshot(&mut self, name: &str) {
        self.shots += 1;
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
        std::fs::create_dir_all(&dir).unwrap();
        // The whole page, not only the viewport: make the window as tall as the
        // document (at most 6000 px), take the picture, restore the window.
        let (width, height) = self.client.get_window_size().await.unwrap();
        let inner = self.script("return window.innerHeight;", vec![]).await.as_u64().unwrap();
        let full = self.script("return document.documentElement.scrollHeight;", vec![]).await.as_u64().unwrap();
        let tall = full > inner;
        if tall {
            let h = (height + full - inner).min(6000);
            self.client.set_window_size(width as u32, h as u32).await.unwrap();
        }
        let png = self.client.screenshot().await.unwrap();
        if tall {
            self.client.set_window_size(width as u32, height as u32).await.unwrap();
        }
        let file = dir.join(format!("{}-{:02}-{name}.png", self.scenario, self.shots));
        std::fs::write(&file, png).unwrap();
    }

    /// Runs axe-core on the page; fails on serious and critical violations,
    /// listing each with the elements it concerns.
    /// Every axe-core violation on the current page, as
    /// `{id, impact, help, nodes: ["selector — summary", …]}`.
    pub async fn axe_violations(&self) -> Vec<Value> {
        let loaded = self.script("return typeof window.axe !== 'undefined';", vec![]).await;
        if loaded != Value::Bool(true) {
            self.script(&format!("{}\n;return true;", self.axe), vec![]).await;
        }
        let violations = self
            .script(
                "return window.axe.run(document, {resultTypes: ['violations']}).then(r => r.violations\
                   .map(v => ({id: v.id, impact: v.impact, help: v.help,\
                     nodes: v.nodes.map(n => n.target.join(' ') + ' — ' + n.failureSummary)})));",
                vec![],
            )
            .await;
        violations.as_array().expect("axe results").clone()
    }

    async fn axe(&self, path: &str) {
        let violations = self.axe_violations().await;
        let (list, lesser): (Vec<&Value>, Vec<&Value>) =
            violations.iter().partition(|v| v["impact"] == "serious" || v["impact"] == "critical");
        // Moderate and minor findings do not fail the run; they are listed (see --no-capture).
        for v in lesser {
            println!(
                "axe on {path}: [{}] {}: {} ({} element(s))",
                v["impact"],
                v["id"],
                v["help"],
                v["nodes"].as_array().map_or(0, Vec::len)
            );
        }
        if !list.is_empty() {
            let mut report = format!("axe-core: {} serious or critical violation(s) on {path}:\n", list.len());
            for v in list {
                report.push_str(&format!("- [{}] {}: {}\n", v["impact"], v["id"], v["help"]));
                for n in v["nodes"].as_array().unwrap() {
                    report.push_str(&format!("    {}\n", n.as_str().unwrap_or_default().replace('\n', " ")));
                }
            }
            panic!("{report}");
        }
    }
}
