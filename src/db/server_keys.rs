//! Secrets of the installation, made once and shared by every instance.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConn;
use super::schema::server_keys as sk;

pub fn get(conn: &mut DbConn, name: &str) -> QueryResult<Option<String>> {
    sk::table.find(name).select(sk::value).first(conn).optional()
}

/// Stores `value` under `name` unless the name exists (another instance that
/// started at the same moment may have won: the caller reads again after a
/// unique violation).
pub fn insert(conn: &mut DbConn, name: &str, value: &str, now: NaiveDateTime) -> QueryResult<()> {
    diesel::insert_into(sk::table)
        .values((sk::name.eq(name), sk::value.eq(value), sk::created_at.eq(now)))
        .execute(conn)
        .map(|_| ())
}
