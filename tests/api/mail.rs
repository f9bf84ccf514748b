use std::time::Duration;

use reqwest::StatusCode;

use crate::both;
use crate::helpers::{Backend, Options, SmtpSink, TestApp};

const PW: &str = "ngày-mai-trời-nắng-7";

/// A free port with nothing listening on it (yet).
async fn free_port() -> u16 {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    l.local_addr().unwrap().port()
}

async fn mail_queued_while_smtp_is_down_is_sent_once_it_is_up(backend: Backend) {
    let port = free_port().await;
    let mut opts = Options::default();
    opts.env.insert("TIEPCAN_SMTP_URL".into(), format!("smtp://127.0.0.1:{port}"));
    let app = TestApp::spawn_with(backend, opts).await;
    assert_eq!(app.register("pv@down.test", PW).await.status(), StatusCode::CREATED);

    // The mailer tries, fails, and records the failure for a retry.
    let mut failed_attempts = 0;
    for _ in 0..100 {
        let rows = app.outbox_to("pv@down.test").await;
        assert_eq!(rows.len(), 1);
        if rows[0].attempts >= 1 && rows[0].last_error.is_some() {
            failed_attempts = rows[0].attempts;
            assert_eq!(rows[0].status, "pending");
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(failed_attempts >= 1, "the mailer never recorded a failed attempt");

    // The SMTP server comes up on that port: the mail goes out, exactly once.
    let sink = SmtpSink::start(port).await;
    let got = sink.wait_for("pv@down.test", 1).await;
    assert_eq!(got[0].subject(), "Xác nhận địa chỉ thư điện tử của bạn");
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(sink.to("pv@down.test").len(), 1, "sent exactly once");
    let row = &app.outbox_to("pv@down.test").await[0];
    assert_eq!(row.status, "sent");
    assert!(row.attempts > failed_attempts);
    assert!(row.sent_at.is_some());
    assert!(row.smtp_reply.as_deref().unwrap_or_default().starts_with("250"), "{:?}", row.smtp_reply);
    assert_eq!(got[0].message_id(), row.message_id.trim_matches(['<', '>']));
}
both!(mail_queued_while_smtp_is_down_is_sent_once_it_is_up);

async fn rows_written_by_another_process_are_sent(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    // Write an outbox row the way a CLI command would: straight into the
    // database, with no wake-up signal to this process.
    let pool = app.pool.clone();
    let config = app.state.config.clone();
    tokio::task::spawn_blocking(move || {
        let mut conn = pool.get().unwrap();
        let to = tiepcan::mail::Recipient {
            email: "other@x.test".into(),
            name: Some("Người nhận".into()),
            locale: Default::default(),
            user_id: None,
        };
        let notice = tiepcan::mail::Notice::VerifyEmail {
            name: "Nội dung <b>không</b> phải HTML".into(),
            token: "t".into(),
        };
        tiepcan::mail::queue(&mut conn, &config, chrono::Utc::now(), &to, &notice).unwrap();
    })
    .await
    .unwrap();
    let mail = &app.smtp.wait_for("other@x.test", 1).await[0];
    assert_eq!(mail.subject(), "Xác nhận địa chỉ thư điện tử của bạn");
    assert!(mail.text().contains("Nội dung <b>không</b> phải HTML"));
    let html = mail.html();
    assert!(
        html.contains("Nội dung &#60;b&#62;không&#60;/b&#62; phải HTML"),
        "user text is escaped in HTML mail: {html}"
    );
    assert_eq!(mail.from, "no-reply@tiepcan.test");
}
both!(rows_written_by_another_process_are_sent);

async fn without_smtp_mail_goes_to_eml_files(backend: Backend) {
    let mut opts = Options::default();
    opts.env.insert("TIEPCAN_SMTP_URL".into(), String::new());
    let app = TestApp::spawn_with(backend, opts).await;
    app.register("files@x.test", PW).await;
    let dir = app.state.config.data_dir.join("mail");
    for _ in 0..100 {
        if let Ok(entries) = std::fs::read_dir(&dir) {
            let files: Vec<_> =
                entries.flatten().filter(|e| e.file_name().to_string_lossy().ends_with(".eml")).collect();
            if let Some(f) = files.first() {
                let raw = std::fs::read(f.path()).unwrap();
                let parsed = mail_parser::MessageParser::default().parse(&raw).unwrap();
                assert_eq!(parsed.subject(), Some("Xác nhận địa chỉ thư điện tử của bạn"));
                assert!(parsed.body_text(0).unwrap().contains("/verify-email?token="));
                assert!(parsed.body_html(0).is_some());
                return;
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no .eml file under {}", dir.display());
}
both!(without_smtp_mail_goes_to_eml_files);

/// Two instances on one database drain one outbox side by side: each claims
/// its passes in one statement, and every mail goes out once, to one of the
/// two SMTP servers, and is recorded as sent after exactly one attempt.
async fn two_mailers_send_each_mail_once(backend: Backend) {
    const MAILS: usize = 300;
    let first = TestApp::spawn(backend).await;
    let second = TestApp::spawn_beside(&first, Options::default()).await;
    let pool = first.pool.clone();
    let config = first.state.config.clone();
    // Written as another process would, in one transaction, with no wake-up:
    // both mailers find them on their next poll.
    tokio::task::spawn_blocking(move || {
        let mut conn = pool.get().unwrap();
        tiepcan::db::write(&mut conn, |conn| -> anyhow::Result<()> {
            for i in 0..MAILS {
                let to = tiepcan::mail::Recipient {
                    email: format!("m{i}@many.test"),
                    name: Some(format!("Người nhận {i}")),
                    locale: Default::default(),
                    user_id: None,
                };
                let notice =
                    tiepcan::mail::Notice::VerifyEmail { name: format!("Người nhận {i}"), token: "t".into() };
                tiepcan::mail::queue(conn, &config, chrono::Utc::now(), &to, &notice)?;
            }
            Ok(())
        })
        .unwrap();
    })
    .await
    .unwrap();

    let received = || {
        let mut all: Vec<String> =
            first.smtp.all().into_iter().chain(second.smtp.all()).flat_map(|m| m.to.clone()).collect();
        all.sort();
        all
    };
    for _ in 0..400 {
        if received().len() >= MAILS {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Long enough for a second sending of any mail to show.
    tokio::time::sleep(Duration::from_millis(800)).await;
    let all = received();
    let mut unique = all.clone();
    unique.dedup();
    assert_eq!(unique.len(), MAILS, "every mail arrived");
    assert_eq!(all.len(), MAILS, "no mail arrived twice");
    for i in [0, MAILS / 2, MAILS - 1] {
        let rows = first.outbox_to(&format!("m{i}@many.test")).await;
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].status, "sent");
        assert_eq!(rows[0].attempts, 1, "claimed once");
        assert!(rows[0].lease_until.is_none());
        assert!(rows[0].smtp_reply.as_deref().unwrap_or_default().starts_with("250"), "{:?}", rows[0].smtp_reply);
        // The link's one-time secret is not kept once the mail has gone.
        assert!(rows[0].body_text.contains("token=redacted"), "{}", rows[0].body_text);
    }
}
both!(two_mailers_send_each_mail_once);
