//! What security tests need beyond the ordinary harness: clients that connect
//! from other loopback addresses (other people, as far as the server can
//! tell), the server's own log output, and waiting for the outbox.

use std::io::Write;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use reqwest::Client;

use super::TestApp;

/// A client that connects from `ip` (any of 127.0.0.0/8), keeping cookies and
/// not following redirects, like a browser on another machine.
pub fn client_from(ip: [u8; 4]) -> Client {
    Client::builder()
        .local_address(IpAddr::from(ip))
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

/// Everything the process logs, through the application's own logging set-up
/// (`tiepcan::init_logging`, as `main` uses it), into memory.
#[derive(Clone)]
pub struct LogCapture(Arc<Mutex<Vec<u8>>>);

impl Write for LogCapture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for LogCapture {
    type Writer = LogCapture;
    fn make_writer(&'a self) -> LogCapture {
        self.clone()
    }
}

impl LogCapture {
    /// Installs the capture once per test process (the first caller wins).
    pub fn install() -> LogCapture {
        static CAPTURE: OnceLock<LogCapture> = OnceLock::new();
        CAPTURE
            .get_or_init(|| {
                let capture = LogCapture(Arc::default());
                tiepcan::init_logging("info", capture.clone());
                capture
            })
            .clone()
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap_or_else(|e| e.into_inner())).into_owned()
    }

    /// Waits (up to 5 s) until the log holds `needle`: the access log line is
    /// written when the response is complete, which can be just after the
    /// client has read it.
    pub async fn wait_for(&self, needle: &str) -> String {
        for _ in 0..100 {
            let text = self.text();
            if text.contains(needle) {
                return text;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the log never showed {needle:?}:\n{}", self.text());
    }
}

impl TestApp {
    /// Waits (up to 10 s) until every outbox row to `email` is sent, and returns them.
    pub async fn sent_to(&self, email: &str, n: usize) -> Vec<tiepcan::db::models::OutboxRow> {
        for _ in 0..200 {
            let rows = self.outbox_to(email).await;
            if rows.len() >= n && rows.iter().all(|r| r.status == "sent") {
                return rows;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the outbox never sent {n} mails to {email}: {:?}", self.outbox_to(email).await);
    }

    /// Runs `f` on a pooled connection off the async workers.
    pub async fn with_db<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut tiepcan::db::DbConn) -> T + Send + 'static,
    ) -> T {
        let pool = self.pool.clone();
        tokio::task::spawn_blocking(move || f(&mut pool.get().expect("connection"))).await.expect("db task")
    }
}
