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
