//! Per-IP rate limits for login and registration, with the `governor` crate
//! (GCRA, keyed, lock-free). They hold per instance; the throttling of failed
//! logins per address and client (`service::login_throttle`) lives in the
//! database and so holds across instances.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::config::Config;
use crate::service::AppError;

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
pub fn check<K: std::hash::Hash + Eq + Clone>(limiter: &DefaultKeyedRateLimiter<K>, key: &K) -> Result<(), AppError> {
    limiter.check_key(key).map_err(|not_until| {
        let wait = not_until.wait_time_from(DefaultClock::default().now());
        AppError::RateLimited { retry_after_secs: wait.as_secs().max(1) }
    })
}

/// The client address: the TCP peer. (Behind a reverse proxy every client
/// would share the proxy's address; deployments there should rate-limit at the
/// proxy.)
pub fn client_ip(req: &actix_web::HttpRequest) -> IpAddr {
    req.peer_addr().map(|a| a.ip()).unwrap_or(IpAddr::from([127, 0, 0, 1]))
}
