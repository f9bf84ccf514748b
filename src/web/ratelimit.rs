//! Per-IP rate limits for login, registration and password resets, and per
//! account for re-sent verification mails. By default with the `governor`
//! crate (GCRA, keyed, lock-free), held per instance; with
//! `TIEPCAN_SHARED_LIMITS=database` counted in the database
//! (`service::shared_limits`) so that they hold across instances. The
//! throttling of failed logins per address and client
//! (`service::login_throttle`) lives in the database either way.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::config::{Config, LimitsStore};
use crate::service::shared_limits::{self, Limit};
use crate::service::{AppError, Env};
use crate::web::AppState;

pub struct Limits {
    pub login_by_ip: DefaultKeyedRateLimiter<IpAddr>,
    pub register_by_ip: DefaultKeyedRateLimiter<IpAddr>,
    /// Re-sending verification mail, per account.
    pub resend_by_user: DefaultKeyedRateLimiter<String>,
    /// "Forgot password" requests, per client address (at the registration rate).
    pub reset_by_ip: DefaultKeyedRateLimiter<IpAddr>,
}

fn nz(n: u32) -> NonZeroU32 {
    NonZeroU32::new(n.max(1)).unwrap_or(NonZeroU32::MIN)
}

impl Limits {
    pub fn new(config: &Config) -> Limits {
        let login = Quota::per_minute(nz(config.login_per_ip_per_minute));
        let register = Quota::with_period(Duration::from_secs(3600) / config.register_per_ip_per_hour.max(1))
            .unwrap_or(Quota::per_hour(nz(1)))
            .allow_burst(nz(config.register_per_ip_per_hour.min(10)));
        Limits {
            login_by_ip: RateLimiter::keyed(login),
            register_by_ip: RateLimiter::keyed(register),
            reset_by_ip: RateLimiter::keyed(register),
            resend_by_user: RateLimiter::keyed(Quota::per_hour(nz(5)).allow_burst(nz(3))),
        }
    }

    /// Forgets keys that are back to full capacity, so memory stays bounded.
    pub fn shrink(&self) {
        self.login_by_ip.retain_recent();
        self.register_by_ip.retain_recent();
        self.resend_by_user.retain_recent();
        self.reset_by_ip.retain_recent();
    }
}

/// Consumes one unit for `key`, or answers 429 with the wait.
fn check<K: std::hash::Hash + Eq + Clone>(limiter: &DefaultKeyedRateLimiter<K>, key: &K) -> Result<(), AppError> {
    limiter.check_key(key).map_err(|not_until| {
        let wait = not_until.wait_time_from(DefaultClock::default().now());
        AppError::RateLimited { retry_after_secs: wait.as_secs().max(1) }
    })
}

/// Counts one attempt of `subject` against `limit`, where the configuration
/// keeps the counts.
async fn hit<K>(state: &AppState, limit: Limit, local: &DefaultKeyedRateLimiter<K>, key: K) -> Result<(), AppError>
where
    K: std::hash::Hash + Eq + Clone + ToString,
{
    match state.config.limits_store {
        LimitsStore::Instance => check(local, &key),
        LimitsStore::Database => {
            let subject = key.to_string();
            state.db(move |conn, env| shared_limits::hit(conn, env.config, env.now, limit, &subject)).await
        }
    }
}

/// A login or password check from the request's client.
pub async fn login(state: &AppState, req: &actix_web::HttpRequest) -> Result<(), AppError> {
    hit(state, Limit::Login, &state.limits.login_by_ip, client_ip(req, &state.config)).await
}

/// A registration from the request's client.
pub async fn register(state: &AppState, req: &actix_web::HttpRequest) -> Result<(), AppError> {
    hit(state, Limit::Register, &state.limits.register_by_ip, client_ip(req, &state.config)).await
}

/// A "forgot password" request from the request's client.
pub async fn reset(state: &AppState, req: &actix_web::HttpRequest) -> Result<(), AppError> {
    hit(state, Limit::Reset, &state.limits.reset_by_ip, client_ip(req, &state.config)).await
}

/// Limits counted inside a blocking call that goes on to do the work, before
/// it: for a limit keyed by the account, which is known only once that call
/// has checked the caller, and so that the count is no trip to the blocking
/// pool of its own. Where the configuration keeps the counts in the
/// database, `shared` counts on that call's connection (`shared_limits::hit`).
impl Limits {
    fn hit_in<K>(
        env: Env<'_>,
        limit: Limit,
        local: &DefaultKeyedRateLimiter<K>,
        key: K,
        shared: impl FnOnce(Limit, &str) -> Result<(), AppError>,
    ) -> Result<(), AppError>
    where
        K: std::hash::Hash + Eq + Clone + ToString,
    {
        match env.config.limits_store {
            LimitsStore::Instance => check(local, &key),
            LimitsStore::Database => shared(limit, &key.to_string()),
        }
    }

    /// A password check (as `login` counts it) from the client `client` (`client_ip`).
    pub fn login_in(
        &self,
        env: Env<'_>,
        client: IpAddr,
        shared: impl FnOnce(Limit, &str) -> Result<(), AppError>,
    ) -> Result<(), AppError> {
        Self::hit_in(env, Limit::Login, &self.login_by_ip, client, shared)
    }

    /// A verification mail re-sent for the account `user_id`.
    pub fn resend_in(
        &self,
        env: Env<'_>,
        user_id: &str,
        shared: impl FnOnce(Limit, &str) -> Result<(), AppError>,
    ) -> Result<(), AppError> {
        Self::hit_in(env, Limit::Resend, &self.resend_by_user, user_id.to_string(), shared)
    }
}

/// The client address. The TCP peer, unless the peer is one of the
/// configured trusted proxies: then `X-Forwarded-For` is read from the right
/// (each proxy appends the address it got the request from), skipping trusted
/// proxies, and the first other address is the client. Anything left of it
/// was written by the client and is never believed. Without trusted proxies
/// the header is ignored, so a client cannot choose its own address.
pub fn client_ip(req: &actix_web::HttpRequest, config: &Config) -> IpAddr {
    let peer = req.peer_addr().map(|a| a.ip()).unwrap_or(IpAddr::from([127, 0, 0, 1]));
    let forwarded = req.headers().get_all("x-forwarded-for").filter_map(|v| v.to_str().ok());
    client_from(peer, forwarded, &config.trusted_proxies)
}

fn client_from<'a>(peer: IpAddr, forwarded: impl Iterator<Item = &'a str>, trusted: &[ipnet::IpNet]) -> IpAddr {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(&peer) {
        return peer;
    }
    let hops: Vec<&str> = forwarded.flat_map(|v| v.split(',')).map(str::trim).collect();
    let mut client = peer;
    for hop in hops.iter().rev() {
        // A garbled entry: the last address known for sure stands.
        let Ok(ip) = hop.parse::<IpAddr>() else { break };
        client = ip;
        if !is_trusted(&ip) {
            break;
        }
    }
    client
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn forwarded_addresses_count_only_behind_trusted_proxies() {
        let proxies: Vec<ipnet::IpNet> = vec!["10.0.0.0/8".parse().unwrap(), "127.0.0.1/32".parse().unwrap()];
        let from = |peer: &str, xff: &[&str]| client_from(ip(peer), xff.iter().copied(), &proxies);
        assert_eq!(from("203.0.113.9", &["198.51.100.1"]), ip("203.0.113.9"), "an untrusted peer is the client");
        assert_eq!(from("10.0.0.2", &["198.51.100.1"]), ip("198.51.100.1"));
        assert_eq!(from("10.0.0.2", &["1.2.3.4, 198.51.100.1, 10.0.0.7"]), ip("198.51.100.1"), "what the client wrote");
        assert_eq!(from("10.0.0.2", &["1.2.3.4", "198.51.100.1"]), ip("198.51.100.1"), "headers in order");
        assert_eq!(from("10.0.0.2", &[]), ip("10.0.0.2"), "no header: the proxy itself");
        assert_eq!(from("10.0.0.2", &["junk, 10.0.0.9"]), ip("10.0.0.9"), "garbage stops the walk");
        assert_eq!(from("127.0.0.1", &["2001:db8::1"]), ip("2001:db8::1"));
        assert_eq!(client_from(ip("10.0.0.2"), ["198.51.100.1"].into_iter(), &[]), ip("10.0.0.2"), "none trusted");
    }
}
