//! The account steps that involve a password, for the API and the pages
//! alike. Each runs as read, hash, write: no database connection is held
//! while a caller waits for a hashing slot, the hash itself runs on the
//! blocking pool (never on an async worker), and a caller past the hashing
//! queue gets `Busy` at once.

use actix_web::web;

use super::AppState;
use crate::service::accounts::{self, RegisterReporter, Registered};
use crate::service::login::{self, Login};
use crate::service::{AppError, AppResult};
use crate::service::{password_reset, profile};

fn blocking_failed(e: actix_web::error::BlockingError) -> AppError {
    AppError::Internal(anyhow::anyhow!("blocking task failed: {e}"))
}

/// The PHC string of a new password.
pub async fn hash(state: &AppState, password: String) -> AppResult<String> {
    let admitted = state.hasher.admit()?;
    web::block(move || admitted.hash(&password)).await.map_err(blocking_failed)?
}

/// Whether the password matches (a dummy hash stands in for a missing one).
pub async fn verify(state: &AppState, stored: Option<String>, password: String) -> AppResult<bool> {
    let admitted = state.hasher.admit()?;
    web::block(move || admitted.verify(stored.as_deref(), &password)).await.map_err(blocking_failed)?
}

/// Checks the credentials of `email` from the client address `client` and
/// opens a session.
pub async fn login(
    state: &AppState,
    email: String,
    password: String,
    user_agent: Option<String>,
    client: String,
) -> AppResult<Login> {
    let attempt = state.db(move |conn, env| login::candidate(conn, env, &email, &client)).await?;
    let stored = attempt.stored_hash();
    let ok = verify(state, stored, password).await?;
    state.db(move |conn, env| login::finish(conn, env, attempt, ok, user_agent.as_deref())).await
}

/// Registers a reporter (and queues the verification mail); the answer is the
/// same whether the address was free or taken.
pub async fn register(state: &AppState, input: RegisterReporter) -> AppResult<Registered> {
    accounts::check_registration(&input)?;
    let input = std::sync::Arc::new(input);
    let password_hash = hash(state, input.password.clone()).await?;
    state.db(move |conn, env| accounts::register_reporter(conn, env, &input, password_hash)).await
}

/// Sets the password chosen from an invitation; the answer is the account's id.
pub async fn accept_invite(state: &AppState, token: String, password: String) -> AppResult<String> {
    let (t, p) = (token.clone(), password.clone());
    state.db(move |conn, env| accounts::check_invite(conn, env, &t, &p)).await?;
    let password_hash = hash(state, password).await?;
    state.db(move |conn, env| accounts::accept_invite(conn, env, &token, &password_hash).map(|u| u.id)).await
}

/// Checks the signed-in account's current password against its stored hash
/// (`profile::password_check_data`, read in the blocking call that checked
/// the caller): a wrong one is a field error on `field`, counted like a
/// failed login, and it goes through the hashing gate like a login.
pub async fn check_password(state: &AppState, stored: Option<String>, password: String, field: &str) -> AppResult<()> {
    if !verify(state, stored, password).await? {
        crate::metrics::LOGIN_FAILURES.inc();
        return Err(AppError::field(field, "wrong_password"));
    }
    Ok(())
}

/// The hash of the new password of the account at `email`, once the current
/// one is checked; the caller writes it (`profile::set_password`).
pub async fn new_password_hash(state: &AppState, email: &str, new: String) -> AppResult<String> {
    profile::check_new_password(&new, email)?;
    hash(state, new).await
}

/// Sets a new password from a reset link; the answer is the account's id.
pub async fn reset_password(state: &AppState, token: String, password: String) -> AppResult<String> {
    let (t, pw) = (token.clone(), password.clone());
    state.db(move |conn, env| password_reset::check(conn, env, &t, &pw)).await?;
    let hash = hash(state, password).await?;
    state.db(move |conn, env| password_reset::reset(conn, env, &token, &hash)).await
}

/// Asks for a reset link for `email`. The work happens after the answer, so
/// an address with an account and one without answer alike and as fast;
/// failures are logged, never told.
pub fn request_password_reset(state: web::Data<AppState>, email: String) {
    actix_web::rt::spawn(async move {
        match state.db(move |conn, env| password_reset::request(conn, env, &email)).await {
            Ok(()) => state.wake_mailer(),
            Err(e) => tracing::warn!(error = %e, "password-reset request failed"),
        }
    });
}
