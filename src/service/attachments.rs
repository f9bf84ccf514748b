//! Attachments: stored once under the data directory by content hash, recorded
//! with a timeline event, downloadable only by those who may see the request.

use std::path::PathBuf;

use serde_json::json;
use sha2::{Digest, Sha256};

use super::accounts::Principal;
use super::error::{AppError, AppResult};
use super::requests::{Env, load_visible};
use super::timeline;
use crate::config::Config;
use crate::db::models::AttachmentRow;
use crate::db::{self, DbConn, requests};
use crate::domain::attachment::{clean_filename, sniff};
use crate::domain::request::{NewEvent, Party, Status};

/// Where a file with this hash lives: data/attachments/ab/cd/abcd….
pub fn path_of(config: &Config, sha256: &str) -> PathBuf {
    config.data_dir.join("attachments").join(&sha256[0..2]).join(&sha256[2..4]).join(sha256)
}

/// Writes the bytes to their content address (atomically; a file that is
/// already there is the same file).
fn store(config: &Config, sha256: &str, bytes: &[u8]) -> AppResult<()> {
    let path = path_of(config, sha256);
    if path.exists() {
        return Ok(());
    }
    let dir = path.parent().ok_or_else(|| anyhow::anyhow!("no parent"))?;
    std::fs::create_dir_all(dir).map_err(anyhow::Error::from)?;
    let tmp = dir.join(format!(".{sha256}.{}", uuid::Uuid::now_v7()));
    std::fs::write(&tmp, bytes).map_err(anyhow::Error::from)?;
    std::fs::rename(&tmp, &path).map_err(anyhow::Error::from)?;
    Ok(())
}

/// Attaches a file to a request the caller takes part in.
pub fn attach(
    conn: &mut DbConn,
    env: Env<'_>,
    p: &Principal,
    request_id: &str,
    filename: &str,
    bytes: &[u8],
) -> AppResult<AttachmentRow> {
    let (row, party) = load_visible(conn, p, request_id)?;
    if !matches!(party, Party::Reporter | Party::Spokesperson) {
        return Err(AppError::Forbidden("only the reporter and the agency's spokespeople attach files".into()));
    }
    let status = Status::parse(&row.status).unwrap_or(Status::Closed);
    if matches!(status, Status::Withdrawn | Status::Closed) {
        return Err(AppError::InvalidTransition(format!(
            "cannot attach files to a request that is {}",
            status.as_str()
        )));
    }
    if bytes.is_empty() {
        return Err(AppError::field("file", "required"));
    }
    if bytes.len() > env.config.max_upload_bytes {
        return Err(AppError::TooLarge(format!("files may be at most {} bytes", env.config.max_upload_bytes)));
    }
    let filename = clean_filename(filename).map_err(|code| AppError::field("file", code))?;
    let content_type = sniff(bytes, &filename).ok_or_else(|| {
        AppError::UnsupportedMediaType("only PDF, images, office documents and plain text can be attached".into())
    })?;
    let sha256 = hex::encode(Sha256::digest(bytes));
    // The file first: a crash after it leaves an unreferenced file, never a
    // row without its file.
    store(env.config, &sha256, bytes)?;
    db::write(conn, |conn| -> AppResult<AttachmentRow> {
        let (mut row, _) = super::requests::load_for_change(conn, p, request_id)?;
        let expected = row.version;
        let a = AttachmentRow {
            id: db::new_id(),
            request_id: row.id.clone(),
            uploaded_by: p.user.id.clone(),
            filename: filename.clone(),
            content_type: content_type.into(),
            size_bytes: bytes.len() as i64,
            sha256: sha256.clone(),
            created_at: env.now.naive_utc(),
        };
        requests::insert_attachment(conn, &a)?;
        let event = NewEvent {
            kind: "attachment_added".into(),
            body: None,
            data: json!({"attachment_id": a.id, "filename": a.filename, "content_type": a.content_type, "size": a.size_bytes, "sha256": a.sha256}),
            internal: false,
        };
        timeline::append(conn, &mut row, Some(&p.user.id), party.role_name(), &event, env.now)?;
        row.updated_at = env.now.naive_utc();
        if !requests::update_state(conn, &row, expected)? {
            return Err(AppError::Conflict("the request was changed by someone else meanwhile; try again".into()));
        }
        Ok(a)
    })
}

/// An attachment and its bytes, for someone who may see the request.
pub fn download(
    conn: &mut DbConn,
    config: &Config,
    p: &Principal,
    request_id: &str,
    id: &str,
) -> AppResult<(AttachmentRow, Vec<u8>)> {
    let (row, _) = load_visible(conn, p, request_id)?;
    if uuid::Uuid::parse_str(id).is_err() {
        return Err(AppError::not_found());
    }
    let a = requests::attachment(conn, &row.id, id)?.ok_or_else(AppError::not_found)?;
    let bytes =
        std::fs::read(path_of(config, &a.sha256)).map_err(|e| anyhow::anyhow!("attachment file {}: {e}", a.sha256))?;
    Ok((a, bytes))
}
