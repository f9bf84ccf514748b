//! The migration that normalises stored addresses (2026-12-01-000005), run on a
//! database that already holds two spellings of one address, on both backends
//! (PostgreSQL when TEST_DATABASE_URL is set).

use diesel::prelude::*;
use diesel_migrations::MigrationHarness;

use super::{DbConn, PG_MIGRATIONS, SQLITE_MIGRATIONS, register_migration_functions, users};

const NORMALISING: &str = "20261201000005";
const COMPOSED: &str = "nguy\u{1ec5}n@bao.example.vn";
const DECOMPOSED: &str = "nguye\u{302}\u{303}n@bao.example.vn";

/// Applies the migrations before `NORMALISING` (`before`) or all that remain.
fn migrate(conn: &mut DbConn, before: bool) {
    macro_rules! run {
        ($c:expr, $source:expr) => {{
            for m in $c.pending_migrations($source).unwrap() {
                if before && m.name().version().to_string().as_str() >= NORMALISING {
                    break;
                }
                $c.run_migration(&*m).unwrap();
            }
        }};
    }
    match conn {
        DbConn::Pg(c) => run!(c, PG_MIGRATIONS),
        DbConn::Sqlite(c) => {
            register_migration_functions(c).unwrap();
            run!(c, SQLITE_MIGRATIONS)
        }
    }
}

fn insert(conn: &mut DbConn, id: &str, email: &str, created: &str, verified: Option<&str>) {
    let verified = verified.map(|v| format!("'{v}'")).unwrap_or("NULL".into());
    diesel::sql_query(format!(
        "INSERT INTO users (id, email, full_name, role, locale, created_at, email_verified_at) \
         VALUES ('{id}', '{email}', 'N', 'reporter', 'vi', '{created}', {verified})"
    ))
    .execute(conn)
    .unwrap();
}

fn mail(conn: &mut DbConn, id: &str, kind: &str, status: &str) {
    let body = "open http://x.test/verify-email?token=Secret_-123 now";
    diesel::sql_query(format!(
        "INSERT INTO outbox (id, created_at, kind, to_email, locale, subject, body_text, body_html, message_id, \
         status, attempts, next_attempt_at) VALUES ('{id}', '2026-01-01 00:00:00', '{kind}', 'a@x.vn', 'vi', 's', \
         '{body}', '<p>{body}</p>', '<{id}@x>', '{status}', 1, '2026-01-01 00:00:00')"
    ))
    .execute(conn)
    .unwrap();
}

fn check(conn: &mut DbConn) {
    migrate(conn, true);
    insert(conn, "a-older-unverified", DECOMPOSED, "2026-01-01 00:00:00", None);
    insert(conn, "b-verified", COMPOSED, "2026-01-02 00:00:00", Some("2026-01-03 00:00:00"));
    insert(conn, "c-alone", "tra\u{302}\u{300}n@x.example.vn", "2026-01-04 00:00:00", None);
    mail(conn, "sent-link", "verify_email", "sent");
    mail(conn, "pending-link", "verify_email", "pending");
    mail(conn, "sent-other", "request_filed", "sent");
    migrate(conn, false);

    let body = |conn: &mut DbConn, id: &str| super::outbox::get(conn, id).unwrap().body_text;
    assert_eq!(body(conn, "sent-link"), "open http://x.test/verify-email?token=redacted now");
    assert_eq!(body(conn, "pending-link"), "open http://x.test/verify-email?token=Secret_-123 now");
    assert_eq!(body(conn, "sent-other"), "open http://x.test/verify-email?token=Secret_-123 now");

    let keeper = users::by_id(conn, "b-verified").unwrap().unwrap();
    assert_eq!((keeper.email.as_str(), keeper.disabled_at), (COMPOSED, None));
    let duplicate = users::by_id(conn, "a-older-unverified").unwrap().unwrap();
    assert_eq!(duplicate.email, format!("{COMPOSED} (duplicate a-older-unverified)"));
    assert!(duplicate.disabled_at.is_some());
    assert_eq!(users::by_id(conn, "c-alone").unwrap().unwrap().email, "tr\u{1ea7}n@x.example.vn");
    assert_eq!(users::by_email(conn, COMPOSED).unwrap().unwrap().id, "b-verified");
}

#[test]
fn sqlite_addresses_are_normalised_and_duplicates_set_aside() {
    let mut conn = DbConn::Sqlite(diesel::SqliteConnection::establish(":memory:").unwrap());
    check(&mut conn);
}

#[test]
fn postgres_addresses_are_normalised_and_duplicates_set_aside() {
    let Some(base) = std::env::var("TEST_DATABASE_URL").ok().filter(|s| !s.is_empty()) else {
        eprintln!("skipped on PostgreSQL: TEST_DATABASE_URL is not set");
        return;
    };
    let name = format!("tiepcan_migration_{}", uuid::Uuid::new_v4().simple());
    let mut admin = diesel::PgConnection::establish(&base).unwrap();
    diesel::sql_query(format!("CREATE DATABASE {name}")).execute(&mut admin).unwrap();
    let mut url = url::Url::parse(&base).unwrap();
    url.set_path(&name);
    let result = std::panic::catch_unwind(|| {
        let mut conn = DbConn::Pg(diesel::PgConnection::establish(url.as_str()).unwrap());
        check(&mut conn);
        // Any other client writing a second spelling is refused by the index.
        let e = diesel::sql_query(format!(
            "INSERT INTO users (id, email, full_name, role, locale, created_at) \
             VALUES ('d', '{DECOMPOSED}', 'N', 'reporter', 'vi', '2026-01-05 00:00:00')"
        ))
        .execute(&mut conn)
        .unwrap_err();
        assert!(super::is_unique_violation(&e), "{e}");
    });
    let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&mut admin);
    if let Err(panic) = result {
        std::panic::resume_unwind(panic);
    }
}
