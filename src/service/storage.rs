//! Where attachment files live: one object store behind one API, a directory
//! (`file://`, the default) or an S3-compatible bucket (`s3://bucket/prefix`)
//! that every instance shares. Files are addressed by their SHA-256
//! (`ab/cd/abcd…`), written and read as streams in bounded pieces, and never
//! held whole in memory.

use std::sync::{Arc, Once};
use std::time::Duration;

use bytes::Bytes;
use futures_util::stream::{BoxStream, StreamExt};
use object_store::aws::{AmazonS3Builder, AmazonS3ConfigKey};
use object_store::local::LocalFileSystem;
use object_store::path::Path as Key;
use object_store::{ClientOptions, ObjectMeta, ObjectStore, ObjectStoreExt, RetryConfig, WriteMultipart};
use tokio::io::AsyncReadExt;

use crate::config::{Config, StorageUrl};

/// Bytes sent in one part of a multipart upload to S3: its smallest part but
/// the last, so the least memory a part can take there.
const S3_PART_BYTES: usize = 5 * 1024 * 1024;
/// Bytes written at once to a local file: parts there may be of any size.
const LOCAL_PART_BYTES: usize = 256 * 1024;
/// Parts of one upload in flight at once: with the part being filled, an
/// upload holds at most two parts in memory (10 MiB to S3, 512 KiB locally).
const PARTS_IN_FLIGHT: usize = 1;
/// Bytes read from the local spool at a time.
const READ_BYTES: usize = 256 * 1024;
/// Uploads to S3 sent at once by this instance (each holds up to two 5 MiB
/// parts): a burst of uploads waits here with its file spooled on disk, so
/// the memory they take stays about 40 MiB however many arrive together.
const S3_UPLOADS_AT_ONCE: usize = 4;
/// Local writes at once: their parts are small, so the bound is loose.
const LOCAL_UPLOADS_AT_ONCE: usize = 64;

/// A store that cannot be reached, or refused an operation.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("no file {0} in the store")]
    Missing(String),
    #[error("the file store failed: {0}")]
    Unavailable(String),
}

impl From<object_store::Error> for StorageError {
    fn from(e: object_store::Error) -> Self {
        match e {
            object_store::Error::NotFound { path, .. } => StorageError::Missing(path),
            other => StorageError::Unavailable(other.to_string()),
        }
    }
}

impl From<std::io::Error> for StorageError {
    fn from(e: std::io::Error) -> Self {
        StorageError::Unavailable(format!("reading the received file: {e}"))
    }
}

/// The attachment store of this installation.
#[derive(Debug, Clone)]
pub struct Storage {
    store: Arc<dyn ObjectStore>,
    url: StorageUrl,
    part_bytes: usize,
    /// Turns to send a file to the store (see `S3_UPLOADS_AT_ONCE`).
    uploads: Arc<tokio::sync::Semaphore>,
}

/// Signs and encrypts S3 requests with ring; installed once per process
/// (another part of the process may have installed it already).
fn install_crypto_provider() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

impl Storage {
    /// The store named by the configuration.
    pub fn from_config(config: &Config) -> anyhow::Result<Storage> {
        let options: Vec<(String, String)> = config.s3_options.iter().map(|(k, v)| (k.clone(), v.0.clone())).collect();
        Storage::open(&config.storage, &options)
    }

    /// The store at `url`; `options` are `aws_*` settings (lower-case names of
    /// the AWS variables) for an S3 store.
    pub fn open(url: &StorageUrl, options: &[(String, String)]) -> anyhow::Result<Storage> {
        let store: Arc<dyn ObjectStore> = match url {
            StorageUrl::File(dir) => {
                std::fs::create_dir_all(dir)
                    .map_err(|e| anyhow::anyhow!("cannot create the attachment directory {}: {e}", dir.display()))?;
                Arc::new(LocalFileSystem::new_with_prefix(dir)?)
            }
            StorageUrl::S3 { bucket, prefix } => {
                install_crypto_provider();
                // A store that is down should answer an upload within seconds
                // (503), not after minutes of retries.
                let retry =
                    RetryConfig { max_retries: 2, retry_timeout: Duration::from_secs(10), ..Default::default() };
                let mut client = ClientOptions::new()
                    .with_connect_timeout(Duration::from_secs(5))
                    .with_timeout(Duration::from_secs(60));
                // An endpoint given as http:// (a store on the same network) is meant.
                let endpoint = options.iter().find(|(k, _)| k == "aws_endpoint_url" || k == "aws_endpoint");
                if endpoint.is_some_and(|(_, v)| v.starts_with("http://")) {
                    client = client.with_allow_http(true);
                }
                let mut b =
                    AmazonS3Builder::new().with_bucket_name(bucket).with_retry(retry).with_client_options(client);
                for (k, v) in options {
                    if let Ok(key) = k.parse::<AmazonS3ConfigKey>() {
                        b = b.with_config(key, v);
                    }
                }
                let s3 = b.build()?;
                if prefix.is_empty() {
                    Arc::new(s3)
                } else {
                    Arc::new(object_store::prefix::PrefixStore::new(s3, prefix.as_str()))
                }
            }
        };
        let (part_bytes, at_once) = if url.is_shared() {
            (S3_PART_BYTES, S3_UPLOADS_AT_ONCE)
        } else {
            (LOCAL_PART_BYTES, LOCAL_UPLOADS_AT_ONCE)
        };
        Ok(Storage { store, url: url.clone(), part_bytes, uploads: Arc::new(tokio::sync::Semaphore::new(at_once)) })
    }

    pub fn url(&self) -> &StorageUrl {
        &self.url
    }

    /// The key of a file with this hash: `ab/cd/abcd…`.
    fn key(sha256: &str) -> Key {
        Key::from_iter([&sha256[0..2], &sha256[2..4], sha256])
    }

    /// The hash a key names, if it is an attachment's key.
    pub fn hash_of(key: &Key) -> Option<String> {
        let parts: Vec<_> = key.parts().collect();
        let [a, b, sha] = parts.as_slice() else { return None };
        let sha = sha.as_ref();
        let is_hash = sha.len() == 64 && sha.bytes().all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(&c));
        (is_hash && a.as_ref() == &sha[0..2] && b.as_ref() == &sha[2..4]).then(|| sha.to_string())
    }

    /// Stores the local file `local`, whose SHA-256 is `sha256`, streaming it
    /// in parts. Always written, even when a file of that hash is there: the
    /// write makes it fresh, so the orphan cleanup cannot take it from under
    /// a row about to name it.
    pub async fn put_file(&self, local: &std::path::Path, sha256: &str) -> Result<(), StorageError> {
        // Never closed, so acquiring only waits.
        let _turn = self.uploads.acquire().await.ok();
        let mut file = tokio::fs::File::open(local).await?;
        let upload = self.store.put_multipart(&Self::key(sha256)).await?;
        let mut writer = WriteMultipart::new_with_chunk_size(upload, self.part_bytes);
        let mut buf = vec![0u8; READ_BYTES];
        let sent: Result<(), StorageError> = async {
            loop {
                let n = file.read(&mut buf).await?;
                if n == 0 {
                    return Ok(());
                }
                writer.wait_for_capacity(PARTS_IN_FLIGHT).await?;
                writer.write(&buf[..n]);
            }
        }
        .await;
        match sent {
            Ok(()) => writer.finish().await.map(|_| ()).map_err(StorageError::from),
            Err(e) => {
                let _ = writer.abort().await;
                Err(e)
            }
        }
    }

    /// The bytes of the file with this hash, as a stream.
    pub async fn get(
        &self,
        sha256: &str,
    ) -> Result<BoxStream<'static, Result<Bytes, object_store::Error>>, StorageError> {
        Ok(self.store.get(&Self::key(sha256)).await?.into_stream())
    }

    /// What the store knows of the file with this hash, if it has it.
    pub async fn head(&self, sha256: &str) -> Result<Option<ObjectMeta>, StorageError> {
        match self.store.head(&Self::key(sha256)).await {
            Ok(meta) => Ok(Some(meta)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// Removes the file with this hash (a missing file is no error).
    pub async fn delete(&self, sha256: &str) -> Result<(), StorageError> {
        match self.store.delete(&Self::key(sha256)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    /// Every object in the store, attachments or not (callers keep the ones
    /// [`Storage::hash_of`] names).
    pub fn list(&self) -> BoxStream<'static, Result<ObjectMeta, object_store::Error>> {
        self.store.list(None).boxed()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHA: &str = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

    #[test]
    fn keys_are_content_addresses_and_nothing_else_counts() {
        let key = Storage::key(SHA);
        assert_eq!(key.as_ref(), format!("9f/86/{SHA}"));
        assert_eq!(Storage::hash_of(&key).as_deref(), Some(SHA));
        for other in [".incoming/0190", "9f/86/short", &format!("aa/86/{SHA}"), &format!("x/9f/86/{SHA}")] {
            assert_eq!(Storage::hash_of(&Key::from(other)), None, "{other}");
        }
    }

    #[tokio::test]
    async fn a_local_store_keeps_and_gives_back_a_file_in_parts() {
        let dir = tempfile::tempdir().unwrap();
        let store = Storage::open(&StorageUrl::File(dir.path().join("files")), &[]).unwrap();
        let data: Vec<u8> = (0..(S3_PART_BYTES + 123)).map(|i| (i % 251) as u8).collect();
        let local = dir.path().join("upload");
        std::fs::write(&local, &data).unwrap();
        store.put_file(&local, SHA).await.unwrap();
        assert!(dir.path().join("files/9f/86").join(SHA).is_file(), "the layout of data/attachments is kept");
        let mut got = Vec::new();
        let mut stream = store.get(SHA).await.unwrap();
        while let Some(chunk) = stream.next().await {
            got.extend_from_slice(&chunk.unwrap());
        }
        assert!(got == data);
        assert_eq!(store.head(SHA).await.unwrap().map(|m| m.size), Some(data.len() as u64));
        store.delete(SHA).await.unwrap();
        store.delete(SHA).await.unwrap();
        assert!(store.head(SHA).await.unwrap().is_none());
        assert!(matches!(store.get(SHA).await, Err(StorageError::Missing(_))));
    }
}
