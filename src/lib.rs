//! tiepcan: journalists' information requests to Vietnamese state agencies,
//! routed to spokespeople with legal deadlines, escalated to the provincial
//! press-management Department, every step mailed.

pub mod clock;
pub mod config;
pub mod db;
pub mod domain;
pub mod i18n;
pub mod jobs;
pub mod mail;
pub mod metrics;
pub mod service;
pub mod web;

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::{Server, ServerHandle};
use actix_web::{App, HttpServer, web as aweb};
use tokio::sync::Notify;
use tokio::task::JoinHandle;

use crate::clock::SharedClock;
use crate::config::Config;
use crate::db::Pool;
use crate::jobs::mailer::Mailer;
use crate::mail::transport::Transport;
use crate::web::AppState;

/// A built application: the HTTP server bound to its port, and the background
/// jobs of this instance. Tests build it on port 0.
pub struct Application {
    port: u16,
    server: Server,
    pub state: AppState,
    jobs: Vec<JoinHandle<()>>,
}

impl Application {
    pub async fn build(config: Config, clock: SharedClock) -> anyhow::Result<Application> {
        let config = Arc::new(config);
        let pool = {
            let (url, size) = (config.database_url.clone(), config.db_pool_size);
            tokio::task::spawn_blocking(move || db::connect(&url, size)).await??
        };
        Self::build_with_pool(config, clock, pool).await
    }

    pub async fn build_with_pool(config: Arc<Config>, clock: SharedClock, pool: Pool) -> anyhow::Result<Application> {
        let listener =
            TcpListener::bind(&config.bind).map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", config.bind))?;
        let port = listener.local_addr()?.port();
        let rules = {
            let (pool, config, now) = (pool.clone(), config.clone(), clock.now());
            tokio::task::spawn_blocking(move || -> anyhow::Result<service::rules::Rulebook> {
                let mut conn = pool.get()?;
                // Uploads a crash cut short leave their partial file behind.
                match service::attachments::remove_stale_incoming(&config, Duration::from_secs(3600)) {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(n, "removed partial uploads left by an earlier run"),
                    Err(e) => tracing::warn!(error = %e, "cannot clean the incoming uploads"),
                }
                let (policies, fingerprint) = service::rules::load_policies(&config.data_dir)?;
                let rules = service::rules::Rulebook::load_with(&mut conn, Arc::new(policies))
                    .map_err(|e| anyhow::anyhow!("{e:?}"))?;
                let env = service::requests::Env { config: &config, rules: &rules, now };
                if let Some(moved) = service::rule_changes::apply_policy_change(&mut conn, env, &fingerprint)
                    .map_err(|e| anyhow::anyhow!("{e:?}"))?
                {
                    tracing::info!(moved, "policy packs changed; open deadlines recomputed");
                }
                Ok(rules)
            })
            .await??
        };
        let state = AppState {
            pool: pool.clone(),
            config: config.clone(),
            clock: clock.clone(),
            mail_wake: Arc::new(Notify::new()),
            limits: Arc::new(web::ratelimit::Limits::new(&config)),
            rules: Arc::new(service::rules::RulesCell::new(rules)),
            hasher: service::passwords::Hasher::from_config(&config),
        };
        let app_state = state.clone();
        let server = HttpServer::new(move || {
            App::new()
                .wrap(actix_web::middleware::Compress::default())
                .wrap(
                    actix_web::middleware::DefaultHeaders::new()
                        .add(("Content-Security-Policy", web::CSP))
                        .add(("X-Content-Type-Options", "nosniff"))
                        .add(("X-Frame-Options", "DENY"))
                        .add(("Referrer-Policy", "no-referrer"))
                        .add(("Permissions-Policy", "camera=(), microphone=(), geolocation=()"))
                        .add(("Cross-Origin-Opener-Policy", "same-origin")),
                )
                .wrap(actix_web::middleware::from_fn(web::count_status))
                .wrap(actix_web::middleware::Logger::new("%r %s %Dms").exclude("/healthz"))
                .configure(web::configure(app_state.clone()))
                .default_service(aweb::to(web::not_found))
        })
        .workers(config.workers)
        .listen(listener)?
        .shutdown_timeout(10)
        .run();

        let transport = Arc::new(Transport::from_config(&config)?);
        let sweeper = jobs::sweeper::Sweeper {
            pool: pool.clone(),
            config: config.clone(),
            clock: clock.clone(),
            rules: state.rules.clone(),
            mail_wake: state.mail_wake.clone(),
            interval: config.sweep_interval,
        };
        let mailer = Mailer { pool, config: config.clone(), clock, transport, wake: state.mail_wake.clone() };
        let limits = state.limits.clone();
        let jobs = vec![
            tokio::spawn(mailer.run()),
            tokio::spawn(sweeper.run()),
            tokio::spawn(async move {
                let mut tick = tokio::time::interval(Duration::from_secs(60));
                loop {
                    tick.tick().await;
                    limits.shrink();
                }
            }),
        ];
        Ok(Application { port, server, state, jobs })
    }

    /// Handles that stop this instance's background jobs (tests stop them
    /// before dropping their database).
    pub fn job_handles(&self) -> Vec<tokio::task::AbortHandle> {
        self.jobs.iter().map(JoinHandle::abort_handle).collect()
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn handle(&self) -> ServerHandle {
        self.server.handle()
    }

    /// Serves until the server stops (Ctrl-C or SIGTERM), then stops the jobs.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let result = self.server.await;
        for j in self.jobs {
            j.abort();
        }
        result
    }
}
