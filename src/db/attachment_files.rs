//! Which stored files the attachments name (for the orphan-file cleanup).

use std::collections::HashSet;

use diesel::prelude::*;

use super::DbConn;
use super::schema::{attachments, inbound_messages};

/// Hashes asked about in one query at most (SQLite binds at most 32,766 values).
pub const BATCH: usize = 500;

/// Of `hashes`, the ones some attachment or received message (its original) names.
pub fn referenced(conn: &mut DbConn, hashes: &[String]) -> QueryResult<HashSet<String>> {
    let mut found = HashSet::new();
    for batch in hashes.chunks(BATCH) {
        let rows: Vec<String> = attachments::table
            .filter(attachments::sha256.eq_any(batch))
            .select(attachments::sha256)
            .distinct()
            .load(conn)?;
        found.extend(rows);
        let originals: Vec<String> = inbound_messages::table
            .filter(inbound_messages::raw_sha256.eq_any(batch))
            .select(inbound_messages::raw_sha256)
            .distinct()
            .load(conn)?;
        found.extend(originals);
    }
    Ok(found)
}
