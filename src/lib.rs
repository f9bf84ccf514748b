//! tiepcan: journalists' information requests to Vietnamese state agencies,
//! routed to spokespeople with legal deadlines, escalated to the provincial
//! press-management Department, every step mailed.

pub mod clock;
pub mod config;
pub mod db;
pub mod domain;
pub mod health;
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
use chrono::{DateTime, Utc};
use tokio::sync::Notify;
use tokio::task::JoinHandle;

use crate::clock::SharedClock;
use crate::config::Config;
use crate::db::Pool;
use crate::jobs::mailer::Mailer;
use crate::jobs::supervisor::{JobBoard, JobHealth, guarded_tick, supervise};
use crate::mail::transport::Transport;
use crate::web::AppState;

/// How often the rate limiters forget addresses that are back to full capacity.
const LIMITS_CLEANUP: Duration = Duration::from_secs(60);

/// Sends the log (ours through `tracing`, the libraries' through `log`, such as
/// the access log) to `writer`, filtered by `filter` (`RUST_LOG` syntax).
pub fn init_logging<W>(filter: &str, writer: W)
where
    W: for<'w> tracing_subscriber::fmt::MakeWriter<'w> + Send + Sync + 'static,
{
    let filter =
        tracing_subscriber::EnvFilter::try_new(filter).unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_writer(writer).try_init();
}

/// The access log: method, path, status and time. Never the query string:
/// links in mails carry one-time tokens there (`/verify-email?token=…`), and a
/// log is read by more people, and kept longer, than the secrets it would hold.
fn access_log() -> actix_web::middleware::Logger {
    actix_web::middleware::Logger::new("%{request}xi %s %Dms")
        .custom_request_replace("request", |req| format!("{} {}", req.method(), req.path()))
        .exclude("/healthz")
}

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
            tokio::task::spawn_blocking(move || prepare_rules(&pool, &config, now)).await??
        };
        let health = JobHealths::new(&config);
        let csrf_key = {
            let (pool, now) = (pool.clone(), clock.now());
            tokio::task::spawn_blocking(move || -> anyhow::Result<Vec<u8>> {
                let mut conn = pool.get()?;
                service::installation_keys::get_or_create(&mut conn, now, service::installation_keys::CSRF)
                    .map_err(|e| anyhow::anyhow!("{e:?}"))
            })
            .await??
        };
        if let Some(warning) = shared_storage_warning(&config) {
            tracing::warn!("{warning}");
        }
        let storage = service::storage::Storage::from_config(&config)?;
        let state = AppState {
            jobs: Arc::new(health.board()),
            pool,
            config: config.clone(),
            clock,
            mail_wake: Arc::new(Notify::new()),
            limits: Arc::new(web::ratelimit::Limits::new(&config)),
            rules: Arc::new(service::rules::RulesCell::new(rules)),
            csrf_key: Arc::new(web::csrf::CsrfKey::new(&csrf_key)),
            hasher: service::passwords::Hasher::from_config(&config),
            storage,
            blocking_calls: Default::default(),
        };
        let server = http_server(state.clone(), listener)?;
        let jobs = start_jobs(&state, health)?;
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

/// What to say at start when instances sharing a PostgreSQL database would not
/// share their attachments (each would keep them on its own disk).
pub fn shared_storage_warning(config: &Config) -> Option<String> {
    let pg = matches!(db::DbUrl::parse(&config.database_url), Ok(db::DbUrl::Postgres(_)));
    (pg && !config.storage.is_shared()).then(|| {
        format!(
            "attachments are stored in {}, on this machine only: several instances on this PostgreSQL database \
             need shared storage (TIEPCAN_STORAGE_URL=s3://bucket/prefix)",
            config.storage
        )
    })
}

/// The start-up work on the database before serving: the rulebook of the policy packs on disk, with the
/// open deadlines recomputed when the packs changed since the last start.
fn prepare_rules(pool: &Pool, config: &Arc<Config>, now: DateTime<Utc>) -> anyhow::Result<service::rules::Rulebook> {
    let mut conn = pool.get()?;
    // Uploads a crash cut short leave their partial file behind.
    match service::attachments::remove_stale_incoming(config, Duration::from_secs(3600)) {
        Ok(0) => {}
        Ok(n) => tracing::info!(n, "removed partial uploads left by an earlier run"),
        Err(e) => tracing::warn!(error = %e, "cannot clean the incoming uploads"),
    }
    let (policies, fingerprint) = service::rules::load_policies(&config.data_dir)?;
    let rules =
        service::rules::Rulebook::load_with(&mut conn, Arc::new(policies)).map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let env = service::Env { config, rules: &rules, now };
    if let Some(moved) = service::rule_changes::apply_policy_change(&mut conn, env, &fingerprint)
        .map_err(|e| anyhow::anyhow!("{e:?}"))?
    {
        tracing::info!(moved, "policy packs changed; open deadlines recomputed");
    }
    // Timelines written before the statistics existed are counted once.
    if let Some(n) = service::stat_backfill::once(&mut conn, env).map_err(|e| anyhow::anyhow!("{e:?}"))? {
        tracing::info!(requests = n, "statistics: earlier timelines counted");
    }
    Ok(rules)
}

/// The HTTP server with the headers every answer carries, listening on `listener`.
fn http_server(state: AppState, listener: TcpListener) -> std::io::Result<Server> {
    let workers = state.config.workers;
    Ok(HttpServer::new(move || {
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
            .wrap(access_log())
            .configure(web::configure(state.clone()))
            .default_service(aweb::to(web::not_found))
    })
    // Without TCP_NODELAY (actix leaves the system's default, Nagle on) a response written in more
    // than one piece waits for the client's delayed ACK: about 40 ms per page on Linux.
    .tcp_nodelay(true)
    .workers(workers)
    .listen(listener)?
    .shutdown_timeout(10)
    .run())
}

/// The health records of this instance's background jobs: made before the state, whose job board reads
/// them, and handed to the jobs, which write them.
struct JobHealths {
    mail: Arc<JobHealth>,
    sweep: Arc<JobHealth>,
    limits: Arc<JobHealth>,
    orphans: Arc<JobHealth>,
    /// Only when inbound mail is configured.
    inbound: Option<Arc<JobHealth>>,
}

impl JobHealths {
    fn new(config: &Config) -> JobHealths {
        JobHealths {
            mail: JobHealth::new("mailer", Mailer::tick_interval(config)),
            sweep: JobHealth::new("sweeper", config.sweep_interval),
            limits: JobHealth::new("rate_limit_cleanup", LIMITS_CLEANUP),
            orphans: JobHealth::new("orphan_files", config.orphan_interval),
            inbound: config
                .inbound
                .as_ref()
                .map(|s| JobHealth::new("inbound_mail", jobs::inbound::InboundJob::tick_interval(s))),
        }
    }

    fn board(&self) -> JobBoard {
        let mut jobs = vec![self.mail.clone(), self.sweep.clone(), self.limits.clone(), self.orphans.clone()];
        jobs.extend(self.inbound.clone());
        JobBoard::new(jobs)
    }
}

/// Starts the mailer, the sweeper and the rate limiters' cleanup, each restarted by its supervisor.
fn start_jobs(state: &AppState, health: JobHealths) -> anyhow::Result<Vec<JoinHandle<()>>> {
    let config = &state.config;
    let transport = Arc::new(Transport::from_config(config)?);
    let sweeper = Arc::new(jobs::sweeper::Sweeper {
        pool: state.pool.clone(),
        config: config.clone(),
        clock: state.clock.clone(),
        rules: state.rules.clone(),
        mail_wake: state.mail_wake.clone(),
        interval: config.sweep_interval,
    });
    let mailer = Arc::new(Mailer {
        pool: state.pool.clone(),
        config: config.clone(),
        clock: state.clock.clone(),
        transport,
        wake: state.mail_wake.clone(),
    });
    let limits = state.limits.clone();
    let (pool, clock) = (state.pool.clone(), state.clock.clone());
    let shared_limits = config.limits_store == config::LimitsStore::Database;
    let orphans = Arc::new(jobs::orphan_files::OrphanFiles {
        storage: state.storage.clone(),
        pool: state.pool.clone(),
        config: config.clone(),
    });
    let JobHealths {
        mail: mail_health,
        sweep: sweep_health,
        limits: limits_health,
        orphans: orphans_health,
        inbound: inbound_health,
    } = health;
    let mut handles = start_inbound(state, inbound_health);
    handles.extend([
        supervise(mail_health.clone(), move || {
            let (mailer, health) = (mailer.clone(), mail_health.clone());
            async move { mailer.run(&health).await }
        }),
        supervise(sweep_health.clone(), move || {
            let (sweeper, health) = (sweeper.clone(), sweep_health.clone());
            async move { sweeper.run(&health).await }
        }),
        supervise(limits_health.clone(), move || {
            let (limits, health) = (limits.clone(), limits_health.clone());
            let (pool, clock) = (pool.clone(), clock.clone());
            async move {
                let mut tick = tokio::time::interval(LIMITS_CLEANUP);
                loop {
                    tick.tick().await;
                    guarded_tick(&health, async {
                        limits.shrink();
                        if !shared_limits {
                            return Ok(());
                        }
                        // The shared windows in the database.
                        let (pool, now) = (pool.clone(), clock.now());
                        tokio::task::spawn_blocking(move || -> anyhow::Result<()> {
                            service::shared_limits::forget_stale(&mut *pool.get()?, now)
                                .map(|_| ())
                                .map_err(|e| anyhow::anyhow!("{e:?}"))
                        })
                        .await?
                    })
                    .await;
                }
            }
        }),
        supervise(orphans_health.clone(), move || {
            let (orphans, health) = (orphans.clone(), orphans_health.clone());
            async move { orphans.run(&health).await }
        }),
    ]);
    Ok(handles)
}

/// The inbound mailbox's job, when inbound mail is configured.
fn start_inbound(state: &AppState, health: Option<Arc<JobHealth>>) -> Vec<JoinHandle<()>> {
    let (Some(health), Some(_)) = (health, state.config.inbound.as_ref()) else { return vec![] };
    let job = Arc::new(jobs::inbound::InboundJob {
        pool: state.pool.clone(),
        config: state.config.clone(),
        clock: state.clock.clone(),
        rules: state.rules.clone(),
        mail_wake: state.mail_wake.clone(),
        duplicates: Default::default(),
    });
    vec![supervise(health.clone(), move || {
        let (job, health) = (job.clone(), health.clone());
        async move { job.run(&health).await }
    })]
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    #[test]
    fn postgres_with_local_files_is_told_to_share_storage() {
        let config = |pairs: &[(&str, &str)]| {
            let env: HashMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
            Config::from_sources(&env, None).unwrap()
        };
        let pg = ("DATABASE_URL", "postgres://u@db.example.vn/tiepcan");
        let warning = shared_storage_warning(&config(&[pg])).expect("a warning");
        assert!(warning.contains("file://data/attachments") && warning.contains("shared storage"), "{warning}");
        assert_eq!(shared_storage_warning(&config(&[pg, ("TIEPCAN_STORAGE_URL", "s3://b/p")])), None);
        assert_eq!(shared_storage_warning(&config(&[])), None, "SQLite is one instance anyway");
    }
}
