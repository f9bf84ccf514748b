//! `tiepcan storage migrate --to s3://…`: copies the attachment files of a
//! local directory into another store. Idempotent and resumable: a file the
//! target already has at the same size is left alone, so running it again
//! after an interruption copies only what is missing. The source is never
//! changed.

use futures_util::StreamExt;

use super::storage::{Storage, StorageError};
use crate::config::StorageUrl;

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct MigrateReport {
    /// Files copied now.
    pub copied: usize,
    /// Files the target already had.
    pub already_there: usize,
    /// Files in the directory that are no attachment (left where they are).
    pub ignored: usize,
    /// Bytes copied now.
    pub bytes: u64,
}

/// Copies every attachment file under `dir` into `to`, telling `progress`
/// about each one copied.
pub async fn copy_local_files(
    dir: &std::path::Path,
    to: &Storage,
    mut progress: impl FnMut(&str, u64),
) -> Result<MigrateReport, StorageError> {
    let from = Storage::open(&StorageUrl::File(dir.to_path_buf()), &[])
        .map_err(|e| StorageError::Unavailable(format!("{e:#}")))?;
    let mut report = MigrateReport::default();
    let mut listing = from.list();
    while let Some(meta) = listing.next().await {
        let meta = meta?;
        let Some(sha) = Storage::hash_of(&meta.location) else {
            report.ignored += 1;
            continue;
        };
        if to.head(&sha).await?.is_some_and(|there| there.size == meta.size) {
            report.already_there += 1;
            continue;
        }
        let local = dir.join(&sha[0..2]).join(&sha[2..4]).join(&sha);
        to.put_file(&local, &sha).await?;
        report.copied += 1;
        report.bytes += meta.size;
        progress(&sha, meta.size);
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn copies_what_is_missing_and_nothing_twice() {
        let dir = tempfile::tempdir().unwrap();
        let (src, dst) = (dir.path().join("src"), dir.path().join("dst"));
        let sha = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
        std::fs::create_dir_all(src.join("9f/86")).unwrap();
        std::fs::write(src.join("9f/86").join(sha), b"test").unwrap();
        std::fs::create_dir_all(src.join(".incoming")).unwrap();
        std::fs::write(src.join(".incoming/partial"), b"half").unwrap();
        let to = Storage::open(&StorageUrl::File(dst.clone()), &[]).unwrap();
        let first = copy_local_files(&src, &to, |_, _| {}).await.unwrap();
        assert_eq!((first.copied, first.already_there, first.ignored, first.bytes), (1, 0, 1, 4));
        assert_eq!(std::fs::read(dst.join("9f/86").join(sha)).unwrap(), b"test");
        let again = copy_local_files(&src, &to, |_, _| {}).await.unwrap();
        assert_eq!((again.copied, again.already_there), (0, 1));
    }
}
