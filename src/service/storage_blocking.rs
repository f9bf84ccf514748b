//! The attachment store from blocking code: the pipeline of received mail runs
//! on the blocking pool inside a database transaction, with no application
//! state at hand, and stores a reply's files and its original from there.

use futures_util::stream::StreamExt;

use super::error::{AppError, AppResult};
use super::storage::{Storage, StorageError};
use crate::config::Config;

/// The store of a configuration, opened once per process and store (the
/// pipeline of received mail, which has no application state at hand).
fn shared(config: &Config) -> AppResult<Storage> {
    use std::collections::HashMap;
    use std::sync::Mutex;
    static OPEN: Mutex<Option<HashMap<String, Storage>>> = Mutex::new(None);
    let key = config.storage.to_string();
    let mut open = OPEN.lock().unwrap_or_else(|e| e.into_inner());
    let stores = open.get_or_insert_with(HashMap::new);
    if let Some(s) = stores.get(&key) {
        return Ok(s.clone());
    }
    let s = Storage::from_config(config).map_err(AppError::Internal)?;
    stores.insert(key, s.clone());
    Ok(s)
}

/// Runs a store operation from a blocking thread of the runtime (or, outside
/// any runtime, on a small one of its own).
fn block_on<T>(f: impl std::future::Future<Output = T>) -> AppResult<T> {
    match tokio::runtime::Handle::try_current() {
        Ok(handle) => Ok(tokio::task::block_in_place(|| handle.block_on(f))),
        Err(_) => {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(anyhow::Error::from)?;
            Ok(rt.block_on(f))
        }
    }
}

/// [`Storage::put_file`] from blocking code; a store that is down is 503.
pub fn put_file_blocking(config: &Config, local: &std::path::Path, sha256: &str) -> AppResult<()> {
    let store = shared(config)?;
    block_on(async { store.put_file(local, sha256).await })?.map_err(AppError::from)
}

/// The bytes of a stored file from blocking code, at most `max`.
pub fn read_blocking(config: &Config, sha256: &str, max: usize) -> AppResult<Vec<u8>> {
    let store = shared(config)?;
    block_on(async {
        let mut stream = store.get(sha256).await?;
        let mut out = Vec::new();
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(StorageError::from)?;
            let room = max.saturating_sub(out.len());
            out.extend_from_slice(&chunk[..chunk.len().min(room)]);
            if out.len() >= max {
                break;
            }
        }
        Ok::<_, StorageError>(out)
    })?
    .map_err(AppError::from)
}
