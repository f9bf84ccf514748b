//! Fast set-up of large tables: one INSERT … SELECT over a generated series
//! per batch, instead of a million round trips. Only for benchmark data.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use tiepcan::db::{DbConn, DbUrl};

/// Drops and recreates the benchmark database, or deletes the SQLite file.
pub fn reset(url: &str) -> anyhow::Result<()> {
    match DbUrl::parse(url).map_err(anyhow::Error::msg)? {
        DbUrl::Postgres(u) => {
            let mut parsed = url::Url::parse(&u)?;
            let name = parsed.path().trim_start_matches('/').to_string();
            anyhow::ensure!(
                name.contains("bench") && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'),
                "refusing to drop \"{name}\": a benchmark database needs \"bench\" in its name"
            );
            parsed.set_path("/postgres");
            let mut c = diesel::PgConnection::establish(parsed.as_str())?;
            diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&mut c)?;
            diesel::sql_query(format!("CREATE DATABASE {name}")).execute(&mut c)?;
        }
        DbUrl::Sqlite { path, .. } => {
            for suffix in ["", "-wal", "-shm"] {
                let p = format!("{}{suffix}", path.display());
                match std::fs::remove_file(&p) {
                    Ok(()) => {}
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                    Err(e) => anyhow::bail!("cannot delete {p}: {e}"),
                }
            }
        }
    }
    Ok(())
}

/// What the generated requests look like. Instants are offsets from `base`
/// growing by `step_secs` per row, so rows differ in their due order.
pub struct Batch<'a> {
    /// Makes ids and references unique across batches.
    pub tag: &'a str,
    pub count: u64,
    pub jurisdiction_id: &'a str,
    pub agency_id: &'a str,
    pub reporter_id: &'a str,
    pub policy_version: &'a str,
    pub received_at: DateTime<Utc>,
    pub due_at: DateTime<Utc>,
    /// None: never checked by the sweeper.
    pub next_check_at: Option<DateTime<Utc>>,
    pub step_secs: i64,
}

/// Inserts the batch in chunks; returns how many rows were written.
///
/// On PostgreSQL the per-agency count triggers are off during the load and
/// the counts are recomputed after it: one statement bumping the same count
/// row 50,000 times leaves a chain of row versions that every later bump
/// walks (minutes for a million rows), which a filing, one row per
/// transaction, never meets.
pub fn insert_requests(conn: &mut DbConn, b: &Batch<'_>) -> anyhow::Result<u64> {
    const CHUNK: u64 = 50_000;
    let pg = matches!(conn, DbConn::Pg(_));
    if pg {
        exec(conn, "ALTER TABLE requests DISABLE TRIGGER USER")?;
    }
    let mut done = 0;
    while done < b.count {
        let n = CHUNK.min(b.count - done);
        let sql = insert_sql(conn, b, done, n);
        exec(conn, &sql)?;
        done += n;
    }
    if pg {
        exec(conn, "ALTER TABLE requests ENABLE TRIGGER USER")?;
        exec(conn, "DELETE FROM request_counts")?;
        exec(
            conn,
            "INSERT INTO request_counts (agency_id, status, slot, n) \
             SELECT agency_id, status, count_slot(id), count(*) FROM requests GROUP BY 1, 2, 3",
        )?;
    }
    Ok(done)
}

fn insert_sql(conn: &DbConn, b: &Batch<'_>, from: u64, n: u64) -> String {
    let pg = matches!(conn, DbConn::Pg(_));
    let fmt = |t: DateTime<Utc>| t.naive_utc().format("%Y-%m-%d %H:%M:%S").to_string();
    // An instant `base + g * step` seconds, in each backend's own arithmetic.
    let at = |t: DateTime<Utc>| {
        if pg {
            format!("(TIMESTAMP '{}' + g * INTERVAL '{} second')", fmt(t), b.step_secs)
        } else {
            format!("datetime('{}', '+' || (g * {}) || ' seconds')", fmt(t), b.step_secs)
        }
    };
    let next_check = b.next_check_at.map_or("NULL".to_string(), at);
    let series = if pg {
        format!("generate_series({}, {}) AS s(g)", from + 1, from + n)
    } else {
        format!(
            "(WITH RECURSIVE s(g) AS (SELECT {} UNION ALL SELECT g + 1 FROM s WHERE g < {}) SELECT g FROM s) AS s",
            from + 1,
            from + n
        )
    };
    let tag = b.tag;
    format!(
        "INSERT INTO requests (id, reference, jurisdiction_id, agency_id, reporter_id, kind, subject, body, status, \
         outcome, refusal_ground, policy_version, received_at, due_at, acknowledged_at, complex, extensions, \
         finished_at, last_seq, next_check_at, version, updated_at, search_text) \
         SELECT 'bench-{tag}-' || g, 'BEN-{tag}-' || g, '{j}', '{a}', '{r}', 'information', \
         'Đề nghị cung cấp thông tin số ' || g, \
         'Đề nghị Sở cung cấp số liệu về dự án đầu tư công số ' || g || ' trên địa bàn tỉnh.', \
         'awaiting_response', NULL, NULL, '{p}', {received}, {due}, NULL, false, 0, NULL, 0, {next_check}, 1, \
         {received}, 'ben-{tag}-' || g || ' de nghi cung cap thong tin' FROM {series}",
        j = b.jurisdiction_id,
        a = b.agency_id,
        r = b.reporter_id,
        p = b.policy_version,
        received = at(b.received_at),
        due = at(b.due_at),
    )
}

/// Refreshes PostgreSQL's statistics after a bulk load, as autovacuum would
/// shortly after. SQLite is left as the server leaves it, without statistics:
/// with them (STAT4), statements whose plan may depend on a bound value are
/// prepared again at every run, which costs more than it saves here.
pub fn analyze(conn: &mut DbConn) -> anyhow::Result<()> {
    match conn {
        DbConn::Pg(_) => exec(conn, "ANALYZE").map(|_| ()),
        DbConn::Sqlite(_) => Ok(()),
    }
}

/// Runs one statement on the connection's own backend.
pub fn exec(conn: &mut DbConn, sql: &str) -> anyhow::Result<usize> {
    Ok(match conn {
        DbConn::Pg(c) => diesel::sql_query(sql).execute(c)?,
        DbConn::Sqlite(c) => diesel::sql_query(sql).execute(c)?,
    })
}

/// The query plan of a statement, one line per row, on either backend.
pub fn explain(conn: &mut DbConn, sql: &str) -> anyhow::Result<Vec<String>> {
    #[derive(QueryableByName)]
    struct PgLine {
        #[diesel(sql_type = diesel::sql_types::Text, column_name = "QUERY PLAN")]
        line: String,
    }
    #[derive(QueryableByName)]
    struct SqliteLine {
        #[diesel(sql_type = diesel::sql_types::Text)]
        detail: String,
    }
    Ok(match conn {
        DbConn::Pg(c) => diesel::sql_query(format!("EXPLAIN (ANALYZE, BUFFERS) {sql}"))
            .load::<PgLine>(c)?
            .into_iter()
            .map(|l| l.line)
            .collect(),
        DbConn::Sqlite(c) => diesel::sql_query(format!("EXPLAIN QUERY PLAN {sql}"))
            .load::<SqliteLine>(c)?
            .into_iter()
            .map(|l| l.detail)
            .collect(),
    })
}
