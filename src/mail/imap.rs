//! The IMAP connection of the inbound mailbox: plain (a local server, tests),
//! STARTTLS or TLS from the first byte, checked against the system's trusted
//! certificates, then logged in with the mailbox selected. Everything waits
//! at most `TIMEOUT`, so a server that stops answering is an error, not a hang.

use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, anyhow};
use async_imap::{Client, Session};
use rustls_platform_verifier::BuilderVerifierExt;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::rustls::ClientConfig;
use tokio_rustls::rustls::pki_types::ServerName;

use crate::config::{ImapSettings, ImapTls};

pub const TIMEOUT: Duration = Duration::from_secs(30);

/// A byte stream IMAP runs over (TCP, or TLS over TCP).
pub trait Io: AsyncRead + AsyncWrite + Unpin + Send + std::fmt::Debug {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send + std::fmt::Debug> Io for T {}

pub type ImapSession = Session<Box<dyn Io>>;

/// A logged-in session with `settings.mailbox` selected, and whether the
/// server offers IDLE and MOVE.
pub struct Connected {
    pub session: ImapSession,
    pub idle: bool,
    pub moves: bool,
}

/// TLS to the server, verified against the system's certificates, or against
/// those of `ca_file` alone when one is configured (a private authority).
async fn tls(host: &str, ca_file: Option<&std::path::Path>, tcp: TcpStream) -> anyhow::Result<Box<dyn Io>> {
    let provider = Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
    let builder = ClientConfig::builder_with_provider(provider).with_safe_default_protocol_versions()?;
    let config = match ca_file {
        None => builder.with_platform_verifier()?.with_no_client_auth(),
        Some(path) => {
            use tokio_rustls::rustls::pki_types::CertificateDer;
            use tokio_rustls::rustls::pki_types::pem::PemObject;
            let mut roots = tokio_rustls::rustls::RootCertStore::empty();
            for cert in CertificateDer::pem_file_iter(path).with_context(|| format!("read {}", path.display()))? {
                roots.add(cert.with_context(|| format!("a certificate of {}", path.display()))?)?;
            }
            builder.with_root_certificates(roots).with_no_client_auth()
        }
    };
    let name = ServerName::try_from(host.to_string()).map_err(|e| anyhow!("{host} is no server name: {e}"))?;
    let stream = TlsConnector::from(Arc::new(config)).connect(name, tcp).await?;
    Ok(Box::new(stream))
}

/// Reads the server's greeting.
async fn greeting<T: Io>(client: &mut Client<T>) -> anyhow::Result<()> {
    client.read_response().await?.ok_or_else(|| anyhow!("the IMAP server closed the connection at once"))?;
    Ok(())
}

async fn connect_inner(s: &ImapSettings) -> anyhow::Result<Connected> {
    let tcp = TcpStream::connect((s.host.as_str(), s.port))
        .await
        .with_context(|| format!("connect to {}:{}", s.host, s.port))?;
    let client: Client<Box<dyn Io>> = match s.tls {
        ImapTls::None => {
            let mut c = Client::new(Box::new(tcp) as Box<dyn Io>);
            greeting(&mut c).await?;
            c
        }
        ImapTls::Tls => {
            let mut c = Client::new(tls(&s.host, s.ca_file.as_deref(), tcp).await?);
            greeting(&mut c).await?;
            c
        }
        ImapTls::StartTls => {
            let mut plain = Client::new(tcp);
            greeting(&mut plain).await?;
            plain.run_command_and_check_ok("STARTTLS", None).await.context("STARTTLS")?;
            // No greeting after STARTTLS: the session goes on over TLS.
            Client::new(tls(&s.host, s.ca_file.as_deref(), plain.into_inner()).await?)
        }
    };
    let mut session =
        client.login(&s.username, &s.password.0).await.map_err(|(e, _)| anyhow!("IMAP login refused: {e}"))?;
    let caps = session.capabilities().await?;
    let (idle, moves) = (caps.has_str("IDLE"), caps.has_str("MOVE"));
    session.select(&s.mailbox).await.with_context(|| format!("select {}", s.mailbox))?;
    Ok(Connected { session, idle, moves })
}

/// Connects and logs in, within `TIMEOUT`.
pub async fn connect(s: &ImapSettings) -> anyhow::Result<Connected> {
    tokio::time::timeout(TIMEOUT, connect_inner(s))
        .await
        .map_err(|_| anyhow!("the IMAP server did not answer within {TIMEOUT:?}"))?
}
