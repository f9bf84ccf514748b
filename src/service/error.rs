//! The one error type of the use cases. The web layer maps each variant to a
//! status code and API.md's error shape; nothing here knows about HTTP.

use crate::domain::validation::FieldErrors;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("some fields are not valid")]
    Validation(FieldErrors),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    InvalidTransition(String),
    /// A rule refuses the action now (409), with a code of its own (e.g. `extension_too_late`).
    #[error("{message}")]
    Refused { code: &'static str, message: String },
    #[error("{0}")]
    Unauthenticated(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("too many attempts; try again in {retry_after_secs} seconds")]
    RateLimited { retry_after_secs: u64 },
    /// Too much work of one kind is already waiting (password hashing): the
    /// caller should come back shortly rather than queue without end.
    #[error("the server is busy; try again in {retry_after_secs} seconds")]
    Busy { retry_after_secs: u64 },
    /// The file store cannot be reached: nothing was recorded, the caller
    /// may send the same file again later.
    #[error("the file store cannot be reached; try again in {retry_after_secs} seconds")]
    StorageUnavailable { retry_after_secs: u64 },
    #[error("{0}")]
    InvalidJson(String),
    #[error("{0}")]
    TooLarge(String),
    #[error("{0}")]
    UnsupportedMediaType(String),
    #[error("internal error")]
    Internal(#[from] anyhow::Error),
}

impl AppError {
    pub fn not_found() -> Self {
        AppError::NotFound("not found".into())
    }

    pub fn field(field: &str, message: impl Into<String>) -> Self {
        let mut f = FieldErrors::new();
        f.add(field, message);
        AppError::Validation(f)
    }
}

impl From<FieldErrors> for AppError {
    fn from(f: FieldErrors) -> Self {
        AppError::Validation(f)
    }
}

impl From<diesel::result::Error> for AppError {
    fn from(e: diesel::result::Error) -> Self {
        // A unique index refusing a row means two changes raced: the loser is
        // told to retry, like any other conflict, rather than seeing a 500.
        if crate::db::is_unique_violation(&e) {
            return AppError::Conflict("a concurrent change got there first; reload and try again".into());
        }
        AppError::Internal(e.into())
    }
}

/// Seconds a client is told to wait when the file store is down.
const STORAGE_RETRY_AFTER_SECS: u64 = 30;

impl From<super::storage::StorageError> for AppError {
    fn from(e: super::storage::StorageError) -> Self {
        // Why goes to the log; the client learns only that it may retry.
        tracing::error!(error = %e, "file store");
        AppError::StorageUnavailable { retry_after_secs: STORAGE_RETRY_AFTER_SECS }
    }
}

impl From<r2d2::Error> for AppError {
    fn from(e: r2d2::Error) -> Self {
        AppError::Internal(anyhow::anyhow!("database pool: {e}"))
    }
}

pub type AppResult<T> = Result<T, AppError>;
