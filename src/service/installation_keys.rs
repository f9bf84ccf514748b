//! Keys of this installation: made at the first start, kept in the database,
//! and so shared by every instance (which all accept each other's sessions and
//! forms). A per-process random key would make a form from one instance fail
//! on another.

use chrono::{DateTime, Utc};
use rand::RngCore;

use super::error::{AppError, AppResult};
use crate::db::{self, DbConn, server_keys};

/// The key that binds CSRF tokens to sessions (`web::csrf`).
pub const CSRF: &str = "csrf_hmac_sha256";

/// The 32-byte key called `name`, created if the installation has none yet.
pub fn get_or_create(conn: &mut DbConn, now: DateTime<Utc>, name: &str) -> AppResult<Vec<u8>> {
    if let Some(v) = server_keys::get(conn, name)? {
        return decode(&v);
    }
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let fresh = hex::encode(bytes);
    match server_keys::insert(conn, name, &fresh, now.naive_utc()) {
        Ok(()) => Ok(bytes.to_vec()),
        // Another instance starting at the same moment stored its key first: use that one.
        Err(e) if db::is_unique_violation(&e) => decode(
            &server_keys::get(conn, name)?.ok_or_else(|| AppError::Internal(anyhow::anyhow!("key {name} vanished")))?,
        ),
        Err(e) => Err(e.into()),
    }
}

fn decode(value: &str) -> AppResult<Vec<u8>> {
    hex::decode(value)
        .ok()
        .filter(|k| k.len() >= 32)
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("the stored installation key is not 32 bytes of hex")))
}
