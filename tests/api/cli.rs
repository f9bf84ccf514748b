//! The `tiepcan` binary itself: its commands, its configuration errors and
//! `serve --demo`, against a fresh database on each backend.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::json;

use crate::both;
use crate::helpers::{Backend, TestDb, body};
use crate::requests::world;

/// The real binary on `db`, with nothing from the test's own environment.
pub fn tiepcan(db: &TestDb) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_tiepcan"));
    c.env_clear()
        .env("DATABASE_URL", &db.url)
        .env("TIEPCAN_DATA_DIR", db.dir().join("data"))
        .env("RUST_LOG", "warn")
        .current_dir(db.dir());
    c
}

fn run(cmd: &mut Command) -> (bool, String, String) {
    let out = cmd.output().expect("run tiepcan");
    let err = format!("{}[{}]", String::from_utf8_lossy(&out.stderr), out.status);
    (out.status.success(), String::from_utf8_lossy(&out.stdout).into(), err)
}

async fn cli_commands(backend: Backend) {
    let db = TestDb::create(&backend);
    let (ok, out, err) = run(tiepcan(&db).arg("migrate"));
    assert!(ok, "{err}");
    assert!(out.contains("migrations applied"));
    let (ok, out, err) = run(tiepcan(&db).args([
        "create-jurisdiction",
        "--code",
        "TNG",
        "--name",
        "Thái Nguyên",
        "--department-name",
        "Sở Văn hóa, Thể thao và Du lịch",
        "--department-email",
        "baochi@tng.test",
    ]));
    assert!(ok, "{err}");
    assert!(out.contains("jurisdiction TNG (Thái Nguyên) created"), "{out}");

    let bad = db.dir().join("bad.csv");
    std::fs::write(&bad, "jurisdiction,code,name,name_en,level,parent_code,email\nTNG,SYT,Sở Y tế,,department,,\nXYZ,A,A,,department,,\nTNG,B,,,wrong,,\n").unwrap();
    let (ok, _, err) = run(tiepcan(&db).arg("import-agencies").arg(&bad));
    assert!(!ok);
    assert!(err.contains("bad.csv:3: jurisdiction is not a known jurisdiction"), "{err}");
    assert!(err.contains("bad.csv:4: level must be"), "{err}");
    assert!(err.contains("nothing was imported"), "{err}");

    let good = db.dir().join("good.csv");
    std::fs::write(
        &good,
        "jurisdiction,code,name,name_en,level,parent_code,email\nTNG,SYT,Sở Y tế,Department of Health,department,,\n",
    )
    .unwrap();
    let (ok, out, err) = run(tiepcan(&db).arg("import-agencies").arg(&good));
    assert!(ok, "{err}");
    assert!(out.contains("1 agencies created, 0 updated"), "{out}");

    let pw = "một-mật-khẩu-dài-42";
    let (ok, _, err) = run(tiepcan(&db).args([
        "create-user",
        "--email",
        "pn@syt.test",
        "--password",
        pw,
        "--role",
        "spokesperson",
        "--agency",
        "SYT",
        "--full-name",
        "Nguyễn Văn Minh",
    ]));
    assert!(ok, "{err}");
    let (ok, _, err) = run(tiepcan(&db).args([
        "create-user",
        "--email",
        "staff@tng.test",
        "--password",
        pw,
        "--role",
        "staff",
        "--jurisdiction",
        "TNG",
    ]));
    assert!(ok, "{err}");
    let (ok, _, err) =
        run(tiepcan(&db).args(["create-user", "--email", "x@tng.test", "--password", "123", "--role", "admin"]));
    assert!(!ok);
    assert!(err.contains("password must be at least 10 characters"), "{err}");
    let (ok, _, err) = run(tiepcan(&db).args([
        "create-user",
        "--email",
        "y@tng.test",
        "--password",
        pw,
        "--role",
        "spokesperson",
        "--agency",
        "NOPE",
    ]));
    assert!(!ok);
    assert!(err.contains("no agency with code NOPE"), "{err}");
}
both!(cli_commands);

async fn bad_configuration_stops_with_one_line(backend: Backend) {
    let db = TestDb::create(&backend);
    for (var, value) in
        [("TIEPCAN_BIND", "not-an-address"), ("TIEPCAN_SMTP_URL", "http://mail"), ("DATABASE_URL", "mysql://x")]
    {
        let (ok, _, err) = run(tiepcan(&db).env(var, value).arg("serve"));
        assert!(!ok);
        let lines: Vec<&str> = err.lines().filter(|l| !l.starts_with("[exit")).collect();
        assert_eq!(lines.len(), 1, "{err}");
        assert!(lines[0].starts_with(&format!("tiepcan: invalid {var}")), "{err}");
    }
    // A SQLite file that does not exist is refused rather than created.
    let (ok, _, err) = run(tiepcan(&db).env("DATABASE_URL", "sqlite://no/such/file.db").arg("migrate"));
    assert!(!ok);
    assert!(err.contains("does not exist"), "{err}");
}
both!(bad_configuration_stops_with_one_line);

async fn serve_demo_prints_accounts_that_work(backend: Backend) {
    let db = TestDb::create(&backend);
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let mut child = tiepcan(&db)
        .env("TIEPCAN_BIND", format!("127.0.0.1:{port}"))
        .args(["serve", "--demo"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let lines = tokio::task::spawn_blocking(move || {
        let mut lines = Vec::new();
        for line in BufReader::new(stdout).lines() {
            let line = line.unwrap();
            let done = line.starts_with("tiepcan listening");
            lines.push(line);
            if done {
                break;
            }
        }
        lines
    });
    let lines = tokio::time::timeout(Duration::from_secs(60), lines).await.expect("server started").unwrap();
    let reporter = lines.iter().find(|l| l.trim_start().starts_with("reporter")).expect("reporter account line");
    let parts: Vec<&str> = reporter.split_whitespace().collect();
    let (email, password) = (parts[1], parts[2]);
    assert_eq!(password.len(), 19, "a generated password: {reporter}");

    let client = reqwest::Client::new();
    let base = format!("http://127.0.0.1:{port}");
    let r = client
        .post(format!("{base}/api/v1/sessions"))
        .json(&json!({"email": email, "password": password}))
        .send()
        .await
        .unwrap();
    let _ = child.kill();
    assert_eq!(r.status(), StatusCode::CREATED);
    let session = body(r).await;
    assert_eq!(session["user"]["role"], "reporter");
    assert_eq!(session["user"]["email_verified"], true);

    // The passwords are new on every run, never fixed ones.
    let staff = lines.iter().find(|l| l.trim_start().starts_with("staff")).unwrap();
    assert_ne!(staff.split_whitespace().nth(2), Some(password));
    let _ = child.wait();
}
both!(serve_demo_prints_accounts_that_work);

/// `sweep --once --now T` with T a week ahead: the mails it queues are sent at
/// once by a running server (here the harness's, on the real clock, with its
/// SMTP server), not when the wall clock reaches T; each exactly once.
async fn a_sweep_ahead_of_time_mails_at_once(backend: Backend) {
    let w = world(backend).await;
    // An event: 24 hours, no grace; a week on it is long overdue.
    let r = w.file(&w.syt_id, "event", "Cháy kho hóa chất").await;
    let reference = r["reference"].as_str().unwrap().to_string();
    let ahead = chrono::Utc::now() + chrono::Duration::days(7);
    let db = w.app._db.as_ref().expect("the test's own database");
    let (ok, out, err) = run(tiepcan(db).args(["sweep", "--once", "--now", &ahead.to_rfc3339()]));
    assert!(ok, "{err}");
    assert!(out.contains("1 overdue escalation(s)"), "{out}");
    for to in ["baochi@tng.test", "staff@tng.test"] {
        let got = w.app.smtp.wait_for(to, 1).await;
        assert!(got[0].subject().starts_with(&format!("[{reference}]")), "{}", got[0].subject());
    }
    // The reporter's overdue notice goes out at once too.
    w.app.smtp.wait_for("pv@tuoitre.test", 2).await;
    tokio::time::sleep(Duration::from_millis(700)).await;
    for to in ["baochi@tng.test", "staff@tng.test"] {
        assert_eq!(w.app.smtp.to(to).len(), 1, "one escalation mail to {to}");
    }
    // The simulated instant is kept as the mail's creation time.
    let rows = w.app.outbox_to("baochi@tng.test").await;
    assert_eq!(rows[0].created_at.and_utc().timestamp(), ahead.timestamp());
}
both!(a_sweep_ahead_of_time_mails_at_once);
