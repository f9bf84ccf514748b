//! SMTP delivery over our own kept-open connections, with TCP_NODELAY.
//!
//! lettre's pooled transport writes a message and its closing "\r\n.\r\n" in
//! two writes on a socket that keeps Nagle's algorithm: the second write waits
//! for the server's delayed ACK (40 ms on Linux), which held one connection
//! to about 25 mails a second. Here lettre still speaks SMTP (EHLO, STARTTLS,
//! AUTH, MAIL/RCPT/DATA) on a socket we open ourselves.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use lettre::address::Envelope;
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{AsyncSmtpConnection, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use tokio::net::TcpStream;

use super::SendError;

/// A connection unused for this long may have been closed by the server: it
/// is not reused.
const MAX_IDLE: Duration = Duration::from_secs(30);

pub struct SmtpPool {
    host: String,
    port: u16,
    starttls: bool,
    credentials: Option<Credentials>,
    hello: ClientId,
    timeout: Duration,
    keep: usize,
    idle: Mutex<Vec<(AsyncSmtpConnection, Instant)>>,
}

impl SmtpPool {
    pub fn new(host: &str, port: u16, starttls: bool, credentials: Option<Credentials>, keep: usize) -> SmtpPool {
        SmtpPool {
            host: host.to_string(),
            port,
            starttls,
            credentials,
            hello: ClientId::default(),
            timeout: Duration::from_secs(20),
            keep: keep.max(1),
            idle: Mutex::new(Vec::new()),
        }
    }

    /// Sends one message; returns the server's reply. A kept connection that
    /// turns out dead is replaced once by a fresh one.
    pub async fn send(&self, envelope: &Envelope, bytes: &[u8]) -> Result<String, SendError> {
        if let Some(conn) = self.take_idle() {
            match self.send_on(conn, envelope, bytes).await {
                Err(e) if !e.permanent => {} // Perhaps closed by the server meanwhile: try a new one.
                other => return other,
            }
        }
        let conn = self.connect().await?;
        self.send_on(conn, envelope, bytes).await
    }

    fn take_idle(&self) -> Option<AsyncSmtpConnection> {
        let mut idle = self.idle.lock().unwrap_or_else(|p| p.into_inner());
        while let Some((conn, since)) = idle.pop() {
            if since.elapsed() < MAX_IDLE {
                return Some(conn);
            }
        }
        None
    }

    async fn send_on(
        &self,
        mut conn: AsyncSmtpConnection,
        envelope: &Envelope,
        bytes: &[u8],
    ) -> Result<String, SendError> {
        let sent = tokio::time::timeout(self.timeout, conn.send(envelope, bytes)).await;
        match sent {
            Ok(Ok(resp)) => {
                if !conn.has_broken() {
                    let mut idle = self.idle.lock().unwrap_or_else(|p| p.into_inner());
                    if idle.len() < self.keep {
                        idle.push((conn, Instant::now()));
                    }
                }
                Ok(format!("{} {}", resp.code(), resp.message().collect::<Vec<_>>().join(" ")))
            }
            Ok(Err(e)) => {
                conn.abort().await;
                Err(SendError { permanent: e.is_permanent(), message: e.to_string() })
            }
            Err(_) => Err(transient(format!("no answer from {}:{} within {:?}", self.host, self.port, self.timeout))),
        }
    }

    async fn connect(&self) -> Result<AsyncSmtpConnection, SendError> {
        let tcp = tokio::time::timeout(self.timeout, TcpStream::connect((self.host.as_str(), self.port)))
            .await
            .map_err(|_| transient(format!("cannot reach {}:{} within {:?}", self.host, self.port, self.timeout)))?
            .map_err(|e| transient(format!("cannot reach {}:{}: {e}", self.host, self.port)))?;
        tcp.set_nodelay(true).map_err(|e| transient(e.to_string()))?;
        let lettre_err =
            |e: lettre::transport::smtp::Error| SendError { permanent: e.is_permanent(), message: e.to_string() };
        let mut conn =
            AsyncSmtpConnection::connect_with_transport(Box::new(tcp), &self.hello).await.map_err(lettre_err)?;
        if self.starttls {
            let params = TlsParameters::new(self.host.clone()).map_err(lettre_err)?;
            conn.starttls(params, &self.hello).await.map_err(lettre_err)?;
        }
        if let Some(c) = &self.credentials {
            conn.auth(&[Mechanism::Plain, Mechanism::Login], c).await.map_err(lettre_err)?;
        }
        Ok(conn)
    }
}

fn transient(message: String) -> SendError {
    SendError { permanent: false, message }
}
