//! Storage: one diesel `MultiConnection` over PostgreSQL and SQLite, our own
//! r2d2 manager that picks the backend from the URL scheme (so a PostgreSQL
//! outage gives its real error at once instead of a fallback attempt), embedded
//! migrations per backend, and the only place SQL is written.

pub mod agencies;
pub mod attachment_files;
pub mod audit;
pub mod columns;
pub mod inbound;
pub mod jurisdictions;
pub mod login_throttles;
#[cfg(test)]
mod migration_tests;
pub mod models;
pub mod multi_row;
pub mod outbox;
pub mod rate_limits;
pub mod requests;
pub mod schema;
pub mod server_keys;
pub mod sessions;
pub mod stats;
pub mod sweep_batch;
pub mod tokens;
pub mod user_admin;
pub mod users;

use std::ops::{Deref, DerefMut};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use diesel::connection::{AnsiTransactionManager, TransactionManager};
use diesel::prelude::*;
use diesel::{PgConnection, SqliteConnection};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

const PG_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");
const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");

#[derive(diesel::MultiConnection)]
pub enum DbConn {
    Pg(PgConnection),
    Sqlite(SqliteConnection),
}

/// Where the database is when DATABASE_URL is not set: a SQLite file that is
/// created on first use.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/tiepcan.sqlite3";

/// The kinds of database URL we accept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DbUrl {
    Postgres(String),
    /// A SQLite file, and whether it may be created when missing.
    Sqlite {
        path: PathBuf,
        create: bool,
    },
}

impl DbUrl {
    /// `postgres://…` / `postgresql://…`; `sqlite://relative/path`,
    /// `sqlite:///absolute/path`, optionally `?mode=rwc` to allow creating the
    /// file. The default data file may always be created; any other missing file
    /// is refused so that a typo cannot start an empty database.
    pub fn parse(url: &str) -> Result<DbUrl, String> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(DbUrl::Postgres(url.to_string()));
        }
        let Some(rest) = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")) else {
            return Err(format!("\"{url}\" must start with postgres:// or sqlite://"));
        };
        let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
        if path.is_empty() {
            return Err("the sqlite URL has no file path".into());
        }
        let create = query.split('&').any(|kv| kv == "mode=rwc") || url == DEFAULT_DATABASE_URL;
        for kv in query.split('&').filter(|kv| !kv.is_empty()) {
            if kv != "mode=rwc" {
                return Err(format!("unknown sqlite option \"{kv}\" (only mode=rwc)"));
            }
        }
        Ok(DbUrl::Sqlite { path: PathBuf::from(path), create })
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ManagerError {
    #[error("{0}")]
    Connection(#[from] diesel::ConnectionError),
    #[error("{0}")]
    Query(#[from] diesel::result::Error),
    #[error("{0}")]
    Missing(String),
}

pub struct Manager {
    url: DbUrl,
}

/// A pooled connection and when it was last known to be alive.
pub struct Pooled {
    conn: DbConn,
    alive_at: Instant,
}

impl Deref for Pooled {
    type Target = DbConn;
    fn deref(&self) -> &DbConn {
        &self.conn
    }
}

impl DerefMut for Pooled {
    fn deref_mut(&mut self) -> &mut DbConn {
        &mut self.conn
    }
}

/// A connection checked out again within this time is not pinged: a ping per
/// checkout was one extra round trip on every query of a busy server. A
/// connection the database dropped (a restart) is still found within a
/// second of use.
const PING_AFTER: Duration = Duration::from_secs(1);

impl r2d2::ManageConnection for Manager {
    type Connection = Pooled;
    type Error = ManagerError;

    fn connect(&self) -> Result<Pooled, ManagerError> {
        Ok(Pooled { conn: self.open()?, alive_at: Instant::now() })
    }

    fn is_valid(&self, c: &mut Pooled) -> Result<(), ManagerError> {
        if c.alive_at.elapsed() >= PING_AFTER {
            diesel::sql_query("SELECT 1").execute(&mut c.conn)?;
            c.alive_at = Instant::now();
        }
        Ok(())
    }

    fn has_broken(&self, _conn: &mut Pooled) -> bool {
        false
    }
}

impl Manager {
    fn open(&self) -> Result<DbConn, ManagerError> {
        match &self.url {
            DbUrl::Postgres(url) => Ok(DbConn::Pg(PgConnection::establish(url)?)),
            DbUrl::Sqlite { path, create } => {
                if !*create && !path.exists() {
                    return Err(ManagerError::Missing(format!(
                        "SQLite file {} does not exist (add ?mode=rwc to the URL to create it)",
                        path.display()
                    )));
                }
                if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                    std::fs::create_dir_all(dir)
                        .map_err(|e| ManagerError::Missing(format!("cannot create {}: {e}", dir.display())))?;
                }
                let mut c = SqliteConnection::establish(&path.to_string_lossy())?;
                // busy_timeout first, so that switching to WAL waits for other writers.
                for pragma in [
                    "PRAGMA busy_timeout = 10000",
                    "PRAGMA journal_mode = WAL",
                    "PRAGMA foreign_keys = ON",
                    "PRAGMA synchronous = NORMAL",
                ] {
                    diesel::sql_query(pragma).execute(&mut c)?;
                }
                Ok(DbConn::Sqlite(c))
            }
        }
    }
}

pub type Pool = r2d2::Pool<Manager>;
pub type PooledConn = r2d2::PooledConnection<Manager>;

/// Builds the pool. The first connection is made eagerly so that a wrong URL
/// or a database that is down is reported at start-up, with its real error.
pub fn connect(database_url: &str, size: u32) -> anyhow::Result<Pool> {
    let url = DbUrl::parse(database_url).map_err(anyhow::Error::msg)?;
    let is_pg = matches!(url, DbUrl::Postgres(_));
    let manager = Manager { url };
    // Try once ourselves: r2d2 would otherwise retry silently until its timeout.
    let mut first = manager.open()?;
    run_migrations(&mut first)?;
    drop(first);
    let pool = r2d2::Pool::builder()
        .max_size(if is_pg { size } else { size.min(8) })
        .min_idle(Some(1))
        .connection_timeout(Duration::from_secs(10))
        .build(manager)?;
    Ok(pool)
}

/// One migrated connection without a pool, for one-shot commands. A pool keeps
/// background threads that may still be opening connections when the process
/// exits, and libpq's OpenSSL clean-up at exit can then crash the process.
pub fn connect_one(database_url: &str) -> anyhow::Result<DbConn> {
    let url = DbUrl::parse(database_url).map_err(anyhow::Error::msg)?;
    let mut conn = Manager { url }.open()?;
    run_migrations(&mut conn)?;
    Ok(conn)
}

/// Applies the pending migrations of the connection's backend.
pub fn run_migrations(conn: &mut DbConn) -> anyhow::Result<()> {
    let result = match conn {
        DbConn::Pg(c) => c.run_pending_migrations(PG_MIGRATIONS).map(|_| ()),
        DbConn::Sqlite(c) => {
            register_migration_functions(c).map_err(|e| anyhow::anyhow!("migration functions: {e}"))?;
            c.run_pending_migrations(SQLITE_MIGRATIONS).map(|_| ())
        }
    };
    result.map_err(|e| anyhow::anyhow!("migration failed: {e}"))
}

/// SQL functions that SQLite lacks and our SQLite migrations use:
/// `tiepcan_nfc(text)`, Unicode NFC (PostgreSQL has `normalize(text, NFC)`),
/// and `tiepcan_redact_tokens(text)`, `outbox::redact_tokens` (PostgreSQL
/// has `regexp_replace`).
fn register_migration_functions(c: &mut SqliteConnection) -> QueryResult<()> {
    use diesel::sql_types::Text;
    use unicode_normalization::UnicodeNormalization;
    c.register_sql_function::<(Text,), Text, _, _, _>("tiepcan_nfc", true, |(s,): (String,)| {
        s.nfc().collect::<String>()
    })?;
    c.register_sql_function::<(Text,), Text, _, _, _>("tiepcan_redact_tokens", true, |(s,): (String,)| {
        outbox::redact_tokens(&s)
    })
}

static SQLITE_WRITER: Mutex<()> = Mutex::new(());

thread_local! {
    static WRITING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

struct ResetOnDrop;

impl Drop for ResetOnDrop {
    fn drop(&mut self) {
        WRITING.set(false);
    }
}

/// Runs `f` in a savepoint inside the caller's transaction: an error undoes
/// only what `f` did, and the transaction can go on.
pub fn savepoint<T, E>(conn: &mut DbConn, f: impl FnOnce(&mut DbConn) -> Result<T, E>) -> Result<T, E>
where
    E: From<diesel::result::Error>,
{
    conn.transaction(f)
}

/// Runs `f` in a write transaction. On SQLite it starts with `BEGIN IMMEDIATE`,
/// taking the write lock up front: a deferred transaction that reads and then
/// writes can fail with SQLITE_BUSY instead of waiting when another writer got
/// there first.
pub fn write<T, E>(conn: &mut DbConn, f: impl FnOnce(&mut DbConn) -> Result<T, E>) -> Result<T, E>
where
    E: From<diesel::result::Error>,
{
    match conn {
        DbConn::Pg(_) => conn.transaction(f),
        DbConn::Sqlite(c) => {
            // Writers of this process queue here, in order, rather than in
            // SQLite's busy handler, which sleeps in growing steps and lets a
            // waiter oversleep the lock's release (long tails under load).
            // Other processes (the CLI) still meet the busy timeout.
            // A nested call on this thread (always a bug) fails in SQLite as
            // before instead of waiting for itself.
            let _turn = (!WRITING.get()).then(|| SQLITE_WRITER.lock().unwrap_or_else(|p| p.into_inner()));
            WRITING.set(true);
            let _done = ResetOnDrop;
            AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")?;
            match f(conn) {
                Ok(value) => {
                    <DbConn as Connection>::TransactionManager::commit_transaction(conn)?;
                    Ok(value)
                }
                Err(e) => {
                    // The original error matters more than a failed rollback.
                    let _ = <DbConn as Connection>::TransactionManager::rollback_transaction(conn);
                    Err(e)
                }
            }
        }
    }
}

/// The slot of a request's counts on PostgreSQL (`count_slot` of migration
/// 000015: the first byte of the SHA-256 of its id, 0 to 15), for a writer
/// that must take count rows in one order to avoid deadlocks.
pub fn count_slot(request_id: &str) -> i16 {
    use sha2::{Digest, Sha256};
    i16::from(Sha256::digest(request_id.as_bytes())[0] & 15)
}

/// True when the error is a unique-constraint violation (a duplicate).
pub fn is_unique_violation(e: &diesel::result::Error) -> bool {
    matches!(e, diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _))
}

/// A new primary key: UUID v7 (time-ordered, so inserts stay at the index's end).
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// Where SQLite lives for a given URL, for messages.
pub fn describe(database_url: &str) -> String {
    match DbUrl::parse(database_url) {
        Ok(DbUrl::Postgres(u)) => {
            let no_password = url::Url::parse(&u)
                .map(|mut p| {
                    let _ = p.set_password(None);
                    p.to_string()
                })
                .unwrap_or_else(|_| "postgres".into());
            format!("PostgreSQL {no_password}")
        }
        Ok(DbUrl::Sqlite { path, .. }) => format!("SQLite {}", Path::new(&path).display()),
        Err(e) => e,
    }
}

/// A trivial query: the database answers (readiness).
pub fn ping(conn: &mut DbConn) -> QueryResult<()> {
    diesel::sql_query("SELECT 1").execute(conn).map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_schemes() {
        assert!(matches!(DbUrl::parse("postgres://u@h/db"), Ok(DbUrl::Postgres(_))));
        assert_eq!(
            DbUrl::parse("sqlite:///tmp/x.db?mode=rwc").unwrap(),
            DbUrl::Sqlite { path: "/tmp/x.db".into(), create: true }
        );
        assert_eq!(
            DbUrl::parse(DEFAULT_DATABASE_URL).unwrap(),
            DbUrl::Sqlite { path: "data/tiepcan.sqlite3".into(), create: true }
        );
        assert_eq!(
            DbUrl::parse("sqlite://other.db").unwrap(),
            DbUrl::Sqlite { path: "other.db".into(), create: false }
        );
        assert!(DbUrl::parse("/tmp/x.db").is_err());
        assert!(DbUrl::parse("mysql://x").is_err());
        assert!(DbUrl::parse("sqlite://x.db?cache=shared").is_err());
    }

    #[test]
    fn count_slots_are_the_databases() {
        // Values PostgreSQL's count_slot gives for these ids.
        assert_eq!(count_slot("01a24244-35e7-704f-a55c-dcc5f1e8f1e4"), 13);
        assert_eq!(count_slot("bench-inbox-1"), 13);
        assert_eq!(count_slot("phóng"), 14);
    }

    #[test]
    fn missing_sqlite_file_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}/nope.db", dir.path().display());
        let e = connect(&url, 1).err().unwrap().to_string();
        assert!(e.contains("does not exist"), "{e}");
    }
}
