//! A real IMAP server for the inbound tests: Debian's Dovecot with a
//! throw-away configuration in a temporary directory (passwd-file login,
//! maildir, plain IMAP on 127.0.0.1), started in the foreground and stopped
//! when dropped. Without Dovecot installed the tests that need it print
//! `skipped: no dovecot` and pass, unless TIEPCAN_REQUIRE_IMAP=1 (as in CI).

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use async_imap::Client;
use tokio::net::TcpStream;

pub const USER: &str = "tiepcan";
pub const PASSWORD: &str = "secret";

pub struct Dovecot {
    pub port: u16,
    /// The implicit-TLS port, when started with a certificate (the plain port then offers STARTTLS).
    pub tls_port: Option<u16>,
    child: Child,
    _dir: tempfile::TempDir,
}

impl Drop for Dovecot {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn binary() -> Option<&'static str> {
    ["/usr/sbin/dovecot", "/usr/local/sbin/dovecot"].into_iter().find(|p| Path::new(p).exists())
}

/// The uid and gid mail is stored under: ours, or Dovecot's own user when we
/// are root (Dovecot refuses uid 0 for mail).
fn mail_owner() -> (u32, u32) {
    let id = |flag: &str, user: Option<&str>| -> Option<u32> {
        let out = Command::new("id").arg(flag).args(user).output().ok()?;
        String::from_utf8_lossy(&out.stdout).trim().parse().ok()
    };
    match (id("-u", None), id("-g", None)) {
        (Some(0), _) | (None, _) => (id("-u", Some("dovecot")).unwrap_or(0), id("-g", Some("dovecot")).unwrap_or(0)),
        (Some(u), Some(g)) => (u, g),
        (Some(u), None) => (u, u),
    }
}

fn config(dir: &Path, port: u16, (uid, gid): (u32, u32), tls_port: Option<u16>) -> String {
    let d = dir.display();
    let (ssl, imaps) = match tls_port {
        Some(p) => (format!("ssl = yes\nssl_cert = <{d}/cert.pem\nssl_key = <{d}/key.pem\n"), p),
        None => ("ssl = no\n".to_string(), 0),
    };
    format!(
        "base_dir = {d}/run\nstate_dir = {d}/state\nlog_path = {d}/dovecot.log\nprotocols = imap\nlisten = 127.0.0.1\n\
         {ssl}disable_plaintext_auth = no\nfirst_valid_uid = {uid}\nfirst_valid_gid = {gid}\nauth_mechanisms = plain login\nmail_location = maildir:{d}/mail/%u\n\
         default_internal_user = dovecot\ndefault_login_user = dovenull\n\
         passdb {{\n  driver = passwd-file\n  args = {d}/passwd\n}}\n\
         userdb {{\n  driver = static\n  args = uid={uid} gid={gid} home={d}/mail/%u\n}}\n\
         service imap-login {{\n  inet_listener imap {{\n    address = 127.0.0.1\n    port = {port}\n  }}\n  inet_listener imaps {{\n    address = 127.0.0.1\n    port = {imaps}\n    ssl = yes\n  }}\n}}\n\
         service pop3-login {{\n  inet_listener pop3 {{\n    port = 0\n  }}\n}}\n\
         service submission-login {{\n  inet_listener submission {{\n    port = 0\n  }}\n}}\n"
    )
}

impl Dovecot {
    /// Starts Dovecot on a free port; None (after saying so) when it is not installed.
    pub async fn start() -> Option<Dovecot> {
        let port = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap().local_addr().unwrap().port();
        Self::start_on(port).await
    }

    /// Starts Dovecot on `port`.
    pub async fn start_on(port: u16) -> Option<Dovecot> {
        Self::start_with(port, None).await
    }

    /// Starts Dovecot with a certificate and key (PEM): STARTTLS on `port`,
    /// implicit TLS on another free port.
    pub async fn start_tls(cert_pem: &str, key_pem: &str) -> Option<Dovecot> {
        let free = || std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        Self::start_with(free(), Some((free(), cert_pem, key_pem))).await
    }

    async fn start_with(port: u16, tls: Option<(u16, &str, &str)>) -> Option<Dovecot> {
        let Some(bin) = binary() else {
            assert!(
                std::env::var("TIEPCAN_REQUIRE_IMAP").is_err(),
                "TIEPCAN_REQUIRE_IMAP is set but dovecot is missing"
            );
            eprintln!("skipped: no dovecot");
            return None;
        };
        let dir = tempfile::tempdir().unwrap();
        let owner = mail_owner();
        std::fs::create_dir_all(dir.path().join("mail")).unwrap();
        std::fs::write(dir.path().join("passwd"), format!("{USER}:{{PLAIN}}{PASSWORD}::::::\n")).unwrap();
        if let Some((_, cert, key)) = tls {
            std::fs::write(dir.path().join("cert.pem"), cert).unwrap();
            std::fs::write(dir.path().join("key.pem"), key).unwrap();
        }
        let tls_port = tls.map(|(p, _, _)| p);
        std::fs::write(dir.path().join("dovecot.conf"), config(dir.path(), port, owner, tls_port)).unwrap();
        // Dovecot's processes run as the mail owner and must reach the maildir.
        Command::new("chmod").arg("755").arg(dir.path()).status().unwrap();
        Command::new("chown").arg(format!("{}:{}", owner.0, owner.1)).arg(dir.path().join("mail")).status().unwrap();
        let child = Command::new(bin)
            .arg("-F")
            .arg("-c")
            .arg(dir.path().join("dovecot.conf"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start dovecot");
        let d = Dovecot { port, tls_port, child, _dir: dir };
        for _ in 0..200 {
            if TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
                return Some(d);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let log = std::fs::read_to_string(d._dir.path().join("dovecot.log")).unwrap_or_default();
        panic!("dovecot did not start on port {port}: {log}");
    }

    async fn session(&self) -> async_imap::Session<TcpStream> {
        let tcp = TcpStream::connect(("127.0.0.1", self.port)).await.unwrap();
        let mut client = Client::new(tcp);
        client.read_response().await.unwrap().unwrap();
        client.login(USER, PASSWORD).await.map_err(|(e, _)| e).unwrap()
    }

    /// Delivers a message into INBOX (IMAP APPEND).
    pub async fn deliver(&self, raw: &[u8]) {
        let mut s = self.session().await;
        if let Err(e) = s.append("INBOX", None, None, raw).await {
            let log = std::fs::read_to_string(self._dir.path().join("dovecot.log")).unwrap_or_default();
            panic!("APPEND failed: {e:?}\n{log}");
        }
        s.logout().await.unwrap();
    }

    /// How many messages a folder holds (0 when it does not exist).
    pub async fn count(&self, folder: &str) -> usize {
        let mut s = self.session().await;
        let n = match s.select(folder).await {
            Ok(m) => m.exists as usize,
            Err(_) => 0,
        };
        let _ = s.logout().await;
        n
    }
}
