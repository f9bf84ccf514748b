//! Files in the store that no attachment names. An upload stores its file
//! before the transaction that names it commits, so a failed or abandoned
//! transaction leaves a file behind; they are removed once older than a grace
//! period far longer than any upload takes. Every instance may run this: a
//! file is only removed when no row names it and the store still dates it
//! before the cut-off (an upload of the same file rewrites it, making it new).

use chrono::{DateTime, Utc};
use futures_util::StreamExt;

use super::attachments;
use super::storage::{Storage, StorageError};
use crate::db::{Pool, attachment_files::BATCH};

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct OrphanReport {
    /// Attachment files older than the cut-off that were looked at.
    pub checked: usize,
    /// Of those, the ones removed because no attachment names them.
    pub removed: usize,
}

/// Removes the files last written before `cutoff` that no attachment names.
pub async fn remove_orphans(storage: &Storage, pool: &Pool, cutoff: DateTime<Utc>) -> anyhow::Result<OrphanReport> {
    let mut report = OrphanReport::default();
    let mut listing = storage.list();
    let mut batch = Vec::with_capacity(BATCH);
    while let Some(meta) = listing.next().await {
        let meta = meta.map_err(StorageError::from)?;
        if meta.last_modified >= cutoff {
            continue;
        }
        if let Some(sha) = Storage::hash_of(&meta.location) {
            batch.push(sha);
        }
        if batch.len() == BATCH {
            remove_unreferenced(storage, pool, std::mem::take(&mut batch), cutoff, &mut report).await?;
        }
    }
    remove_unreferenced(storage, pool, batch, cutoff, &mut report).await?;
    Ok(report)
}

async fn remove_unreferenced(
    storage: &Storage,
    pool: &Pool,
    hashes: Vec<String>,
    cutoff: DateTime<Utc>,
    report: &mut OrphanReport,
) -> anyhow::Result<()> {
    if hashes.is_empty() {
        return Ok(());
    }
    report.checked += hashes.len();
    let pool = pool.clone();
    let asked = hashes.clone();
    let named = tokio::task::spawn_blocking(move || -> anyhow::Result<_> {
        let mut conn = pool.get()?;
        attachments::referenced(&mut conn, &asked).map_err(|e| anyhow::anyhow!("{e:?}"))
    })
    .await??;
    for sha in hashes.into_iter().filter(|h| !named.contains(h)) {
        // Written again since it was listed: an upload is about to name it.
        let still_old = storage.head(&sha).await?.is_some_and(|m| m.last_modified < cutoff);
        if still_old {
            storage.delete(&sha).await?;
            report.removed += 1;
        }
    }
    Ok(())
}
