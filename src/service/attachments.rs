//! Attachments: received into a spool file under the data directory (never
//! whole in memory), checked, stored by content hash in the attachment store
//! (`service::storage`) and only then recorded with a timeline event, so that
//! no row ever names a file the store does not have; downloadable only by
//! those who may see the request.

use std::path::{Path, PathBuf};

use serde_json::json;

use super::Env;
use super::accounts::Principal;
use super::error::{AppError, AppResult};
use super::requests::load_visible;
use super::timeline;
use crate::config::Config;
use crate::db::models::AttachmentRow;
use crate::db::{self, DbConn, requests};
use crate::domain::attachment::{Sniffer, clean_filename};
use crate::domain::id::Id;
use crate::domain::request::{NewEvent, Party, Status};

/// Where files being received are written while they arrive, on this
/// instance's disk, before they go to the store.
pub fn incoming_dir(config: &Config) -> PathBuf {
    config.data_dir.join("attachments").join(".incoming")
}

/// Removes files left under [`incoming_dir`] by uploads that a crash cut
/// short, once they are older than `age` (another instance sharing the data
/// directory may be receiving the younger ones). Returns how many went.
pub fn remove_stale_incoming(config: &Config, age: std::time::Duration) -> std::io::Result<usize> {
    let entries = match std::fs::read_dir(incoming_dir(config)) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(e),
    };
    let mut removed = 0;
    for entry in entries.flatten() {
        let old = entry.metadata().and_then(|m| m.modified()).is_ok_and(|t| t.elapsed().is_ok_and(|e| e > age));
        if old && std::fs::remove_file(entry.path()).is_ok() {
            removed += 1;
        }
    }
    Ok(removed)
}

/// A file being received under [`incoming_dir`]: removed when dropped (once
/// stored, the store has its own copy).
#[derive(Debug)]
pub struct Incoming {
    path: PathBuf,
}

impl Incoming {
    pub fn new(config: &Config) -> Incoming {
        Incoming { path: incoming_dir(config).join(uuid::Uuid::now_v7().to_string()) }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for Incoming {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// An uploaded file, complete on disk, with what was learnt while it
/// arrived: its size, SHA-256 and sniffed type.
#[derive(Debug)]
pub struct Received {
    pub incoming: Incoming,
    pub filename: String,
    pub size: u64,
    pub sha256: String,
    pub sniffed: Sniffer,
}

/// An attachment as callers see it: what to show and how to serve it.
#[derive(Debug, Clone)]
pub struct AttachmentView {
    pub id: String,
    pub request_id: String,
    pub filename: String,
    pub content_type: String,
    pub size_bytes: i64,
    /// The file's content address in the store.
    pub sha256: String,
}

impl From<AttachmentRow> for AttachmentView {
    fn from(a: AttachmentRow) -> AttachmentView {
        AttachmentView {
            id: a.id,
            request_id: a.request_id,
            filename: a.filename,
            content_type: a.content_type,
            size_bytes: a.size_bytes,
            sha256: a.sha256,
        }
    }
}

/// Whether the caller may attach files to the request now: settled before an
/// upload's body is read, and again when it is recorded.
pub fn may_attach(conn: &mut DbConn, p: &Principal, request_id: &Id) -> AppResult<()> {
    let (row, party) = load_visible(conn, p, request_id)?;
    if !matches!(party, Party::Reporter | Party::Spokesperson) {
        return Err(AppError::Forbidden("only the reporter and the agency's spokespeople attach files".into()));
    }
    let status = row.status;
    if matches!(status, Status::Withdrawn | Status::Closed) {
        return Err(AppError::InvalidTransition(format!(
            "cannot attach files to a request that is {}",
            status.as_str()
        )));
    }
    Ok(())
}

/// A received file that may be attached: its cleaned name and type.
#[derive(Debug, Clone)]
pub struct Accepted {
    pub filename: String,
    pub content_type: String,
    pub size: u64,
    pub sha256: String,
}

/// Settles whether the received file may be attached to the request, before
/// it goes to the store.
pub fn accept(conn: &mut DbConn, env: Env<'_>, p: &Principal, request_id: &Id, file: &Received) -> AppResult<Accepted> {
    may_attach(conn, p, request_id)?;
    if file.size == 0 {
        return Err(AppError::field("file", "required"));
    }
    if file.size > env.config.max_upload_bytes as u64 {
        return Err(AppError::TooLarge(format!("files may be at most {} bytes", env.config.max_upload_bytes)));
    }
    let filename = clean_filename(&file.filename).map_err(|code| AppError::field("file", code))?;
    let content_type = file.sniffed.finish(&filename).ok_or_else(|| {
        AppError::UnsupportedMediaType("only PDF, images, office documents and plain text can be attached".into())
    })?;
    Ok(Accepted { filename, content_type: content_type.into(), size: file.size, sha256: file.sha256.clone() })
}

/// Records a file already in the store as an attachment of the request, with
/// its timeline event, in one transaction. Call only once the store has the
/// file: a failure after it leaves an unreferenced file (removed later by the
/// orphan cleanup), never a row without its file.
pub fn record(
    conn: &mut DbConn,
    env: Env<'_>,
    p: &Principal,
    request_id: &Id,
    file: Accepted,
) -> AppResult<AttachmentView> {
    may_attach(conn, p, request_id)?;
    db::write(conn, |conn| record_in_tx(conn, env, p, request_id, file))
}

/// Attaches a received file inside the caller's transaction (a reply by mail
/// records its answer and its files together), with the checks of an upload.
/// The file goes to the store first: a failure after it leaves an unreferenced
/// file, never a row without its file.
pub fn attach_in_tx(
    conn: &mut DbConn,
    env: Env<'_>,
    p: &Principal,
    request_id: &Id,
    file: Received,
) -> AppResult<AttachmentView> {
    let accepted = accept(conn, env, p, request_id, &file)?;
    super::storage_blocking::put_file_blocking(env.config, file.incoming.path(), &file.sha256)?;
    record_in_tx(conn, env, p, request_id, accepted)
}

/// The attachment's row and its timeline event, for a file the store has.
fn record_in_tx(
    conn: &mut DbConn,
    env: Env<'_>,
    p: &Principal,
    request_id: &Id,
    file: Accepted,
) -> AppResult<AttachmentView> {
    let (mut row, party) = super::requests::load_for_change(conn, p, request_id)?;
    let expected = row.version;
    let a = AttachmentRow {
        id: db::new_id(),
        request_id: row.id.clone(),
        uploaded_by: p.user.id.clone(),
        filename: file.filename,
        content_type: file.content_type,
        size_bytes: file.size as i64,
        sha256: file.sha256,
        created_at: env.now.naive_utc(),
    };
    requests::insert_attachment(conn, &a)?;
    let event = NewEvent {
        kind: "attachment_added".into(),
        body: None,
        data: json!({"attachment_id": a.id, "filename": a.filename, "content_type": a.content_type, "size": a.size_bytes, "sha256": a.sha256}),
        internal: false,
    };
    timeline::append(conn, env, &mut row, Some(&p.user.id), party.role_name(), &event)?;
    row.updated_at = env.now.naive_utc();
    if !requests::update_state(conn, &row, expected)? {
        return Err(AppError::Conflict("the request was changed by someone else meanwhile; try again".into()));
    }
    Ok(a.into())
}

/// A file held in memory (an attachment of a received mail) written to the
/// incoming directory, hashed and sniffed as an upload is.
pub fn received_from_bytes(config: &Config, filename: &str, bytes: &[u8]) -> AppResult<Received> {
    let incoming = Incoming::new(config);
    std::fs::create_dir_all(incoming_dir(config)).map_err(anyhow::Error::from)?;
    std::fs::write(incoming.path(), bytes).map_err(anyhow::Error::from)?;
    let mut sniffed = Sniffer::default();
    sniffed.feed(bytes);
    let sha256 = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(bytes));
    Ok(Received { incoming, filename: filename.to_string(), size: bytes.len() as u64, sha256, sniffed })
}

/// Keeps bytes in the store by their SHA-256 (a received message's original).
pub fn store_bytes(config: &Config, bytes: &[u8]) -> AppResult<String> {
    let file = received_from_bytes(config, "message.eml", bytes)?;
    super::storage_blocking::put_file_blocking(config, file.incoming.path(), &file.sha256)?;
    Ok(file.sha256)
}

/// The bytes of a stored file, at most `max` of them (a received message's original).
pub fn read_stored(config: &Config, sha256: &str, max: usize) -> AppResult<Vec<u8>> {
    super::storage_blocking::read_blocking(config, sha256, max)
}

/// An attachment, for someone who may see the request (its bytes come from
/// the store, by `sha256`).
pub fn find(conn: &mut DbConn, p: &Principal, request_id: &Id, id: &Id) -> AppResult<AttachmentView> {
    let (row, _) = load_visible(conn, p, request_id)?;
    let a = requests::attachment(conn, &row.id, id.as_str())?.ok_or_else(AppError::not_found)?;
    Ok(a.into())
}

/// Of these hashes, the ones some attachment names.
pub fn referenced(conn: &mut DbConn, hashes: &[String]) -> AppResult<std::collections::HashSet<String>> {
    Ok(db::attachment_files::referenced(conn, hashes)?)
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, SystemTime};

    use super::*;

    #[test]
    fn stale_incoming_files_are_removed_and_fresh_ones_kept() {
        let dir = tempfile::tempdir().unwrap();
        let env = std::collections::HashMap::from([("TIEPCAN_DATA_DIR".to_string(), dir.path().display().to_string())]);
        let config = Config::from_sources(&env, None).unwrap();
        assert_eq!(remove_stale_incoming(&config, Duration::from_secs(3600)).unwrap(), 0, "no directory yet");
        std::fs::create_dir_all(incoming_dir(&config)).unwrap();
        let (old, fresh) = (Incoming::new(&config), Incoming::new(&config));
        std::fs::write(old.path(), b"cut short").unwrap();
        std::fs::write(fresh.path(), b"arriving").unwrap();
        let file = std::fs::File::options().write(true).open(old.path()).unwrap();
        file.set_modified(SystemTime::now() - Duration::from_secs(2 * 3600)).unwrap();
        assert_eq!(remove_stale_incoming(&config, Duration::from_secs(3600)).unwrap(), 1);
        assert!(!old.path().exists() && fresh.path().exists());
        drop(fresh);
        assert_eq!(std::fs::read_dir(incoming_dir(&config)).unwrap().count(), 0, "dropped unless stored");
    }
}
