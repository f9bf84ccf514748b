//! A real S3-compatible server for the tests: `moto_server` (PyPI's
//! `moto[server]`, installed by .ci/run) on a free port, in a temporary
//! directory, stopped when dropped. Without it a test says so and passes,
//! unless TIEPCAN_REQUIRE_S3=1 (as in CI), where it fails.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

pub struct S3Server {
    pub port: u16,
    pub bucket: String,
    child: Option<Child>,
    _dir: tempfile::TempDir,
}

fn required() -> bool {
    std::env::var("TIEPCAN_REQUIRE_S3").is_ok_and(|v| v == "1")
}

impl S3Server {
    /// A fresh server with one empty bucket, or `None` (after saying why) where
    /// moto_server is not installed.
    pub async fn start() -> Option<S3Server> {
        let found = Command::new("moto_server").arg("--help").stdout(Stdio::null()).stderr(Stdio::null()).status();
        if !found.is_ok_and(|s| s.success()) {
            assert!(!required(), "TIEPCAN_REQUIRE_S3=1 but moto_server is missing (pip install 'moto[server]')");
            eprintln!("skipped: no moto_server (pip install 'moto[server]')");
            return None;
        }
        let dir = tempfile::tempdir().expect("tempdir");
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let child = Command::new("moto_server")
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .current_dir(dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start moto_server");
        let mut server = S3Server { port, bucket: "tiepcan-test".into(), child: Some(child), _dir: dir };
        server.wait_until_up().await;
        let r = reqwest::Client::new().put(format!("{}/{}", server.endpoint(), server.bucket)).send().await;
        assert!(r.is_ok_and(|r| r.status().is_success()), "create the test bucket");
        Some(server)
    }

    /// Readiness, not timing: waits for the first answer (a fresh Python
    /// process takes a moment to listen).
    async fn wait_until_up(&mut self) {
        let client = reqwest::Client::new();
        for _ in 0..600 {
            if client.get(self.endpoint()).send().await.is_ok() {
                return;
            }
            if let Some(Ok(Some(status))) = self.child.as_mut().map(Child::try_wait) {
                panic!("moto_server exited at start: {status}");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("moto_server did not start listening on port {}", self.port);
    }

    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The variables that point an instance at this bucket, under `prefix`.
    pub fn env(&self, prefix: &str) -> Vec<(String, String)> {
        [
            ("TIEPCAN_STORAGE_URL", format!("s3://{}/{prefix}", self.bucket)),
            ("AWS_ENDPOINT_URL", self.endpoint()),
            ("AWS_REGION", "us-east-1".into()),
            ("AWS_ACCESS_KEY_ID", "testing".into()),
            ("AWS_SECRET_ACCESS_KEY", "testing".into()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect()
    }

    /// Stops the server (the store goes down).
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        self.stop();
    }
}
