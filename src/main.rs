//! The `tiepcan` command: serve (the default), migrate, create-jurisdiction,
//! import-agencies, create-user, storage migrate. Every command reads the
//! same configuration.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use clap::{Parser, Subcommand};

use tiepcan::clock::{Clock, SystemClock};
use tiepcan::config::Config;
use tiepcan::db;
use tiepcan::domain::account::Locale;
use tiepcan::i18n::Tr;
use tiepcan::service::accounts::{self, NewUser};
use tiepcan::service::directory::{self, ImportOutcome, NewJurisdiction};
use tiepcan::service::passwords::Hasher;
use tiepcan::service::{AppError, Env, demo};

#[derive(Parser)]
#[command(
    name = "tiepcan",
    version,
    about = "Information requests from the press to state agencies, with legal deadlines"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the web pages and the API (the default).
    Serve {
        /// Load the demo province into an empty database first and print its accounts.
        #[arg(long)]
        demo: bool,
    },
    /// Apply pending database migrations and exit.
    Migrate,
    /// Create a jurisdiction (a province and its press-management Department).
    CreateJurisdiction {
        #[arg(long)]
        code: String,
        #[arg(long)]
        name: String,
        #[arg(long)]
        department_name: String,
        #[arg(long)]
        department_email: String,
        #[arg(long, default_value = "Asia/Ho_Chi_Minh")]
        timezone: String,
    },
    /// Import agencies from a CSV file (jurisdiction,code,name,name_en,level,parent_code,email).
    ImportAgencies { file: PathBuf },
    /// Run one sweep (reminders, overdue escalations, closing) and exit.
    Sweep {
        /// Required: this command runs one sweep only.
        #[arg(long)]
        once: bool,
        /// Sweep as of this instant (RFC 3339), e.g. 2026-05-04T17:00:00Z; default now.
        #[arg(long)]
        now: Option<String>,
    },
    /// Check the hash chain of every request's timeline (or one) and report the first broken link.
    VerifyTimeline {
        /// A request reference such as TNG-2026-000042.
        #[arg(long = "request")]
        reference: Option<String>,
    },
    /// The attachment store.
    Storage {
        #[command(subcommand)]
        command: StorageCommand,
    },
    /// Create an account with a password (verified at once).
    CreateUser {
        #[arg(long)]
        email: String,
        #[arg(long)]
        password: String,
        #[arg(long, value_parser = ["admin", "staff", "spokesperson", "reporter"])]
        role: String,
        /// Agency code (repeatable); a spokesperson becomes primary where the agency has none.
        #[arg(long = "agency")]
        agencies: Vec<String>,
        /// Jurisdiction code: staff belong to it; it also qualifies --agency codes.
        #[arg(long)]
        jurisdiction: Option<String>,
        #[arg(long)]
        full_name: Option<String>,
        #[arg(long)]
        title: Option<String>,
    },
}

#[derive(Subcommand)]
enum StorageCommand {
    /// Copy the attachment files of the local directory (the data directory's
    /// attachments/, or a file:// TIEPCAN_STORAGE_URL) into another store. Safe
    /// to run again: files already there are skipped, so an interrupted run resumes.
    Migrate {
        /// The target, e.g. s3://bucket/prefix (endpoint and credentials from the AWS_* variables).
        #[arg(long)]
        to: String,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let config = match Config::load() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("tiepcan: {e}");
            return ExitCode::from(2);
        }
    };
    tiepcan::init_logging(&config.log, std::io::stderr);
    let result = match cli.command.unwrap_or(Command::Serve { demo: false }) {
        Command::Serve { demo } => serve(config, demo),
        Command::Migrate => db::connect_one(&config.database_url).map(|_| {
            println!("migrations applied to {}", db::describe(&config.database_url));
        }),
        Command::Storage { command: StorageCommand::Migrate { to } } => migrate_storage(&config, &to),
        other => one_shot(&config, other),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("tiepcan: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn serve(config: Config, with_demo: bool) -> anyhow::Result<()> {
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    rt.block_on(async move {
        let clock: tiepcan::clock::SharedClock = Arc::new(SystemClock);
        let pool = {
            let (url, size) = (config.database_url.clone(), config.db_pool_size);
            tokio::task::spawn_blocking(move || db::connect(&url, size)).await??
        };
        if with_demo {
            let pool = pool.clone();
            let now = clock.now();
            let hasher = Hasher::from_config(&config);
            let config = config.clone();
            let loaded = tokio::task::spawn_blocking(move || -> anyhow::Result<_> {
                let mut conn = pool.get()?;
                let rules = rulebook(&mut conn, &config)?;
                let env = tiepcan::service::Env { config: &config, rules: &rules, now };
                demo::load(&mut conn, env, &hasher).map_err(describe)
            })
            .await??;
            match loaded {
                Some(accounts) => {
                    println!("Demo province Thái Nguyên (TNG) loaded. Accounts (passwords generated now, shown once):");
                    for a in accounts {
                        println!("  {:<13} {:<40} {}  — {} ({})", a.role, a.email, a.password, a.full_name, a.note);
                    }
                }
                None => println!("The database already holds data; demo not loaded."),
            }
        }
        let app = tiepcan::Application::build_with_pool(Arc::new(config.clone()), clock, pool).await?;
        println!(
            "tiepcan listening on http://{} ({}; attachments in {}; mail {})",
            config.bind,
            db::describe(&config.database_url),
            config.storage,
            match &config.smtp {
                Some(s) => format!("via SMTP {}:{}", s.host, s.port),
                None => format!("to files in {}", config.data_dir.join("mail").display()),
            }
        );
        app.run_until_stopped().await?;
        Ok(())
    })
}

/// `tiepcan storage migrate --to URL`: copies the local attachment files into the store at `URL`.
fn migrate_storage(config: &Config, to: &str) -> anyhow::Result<()> {
    use tiepcan::config::StorageUrl;
    use tiepcan::service::storage::Storage;
    let StorageUrl::File(from) = &config.storage else {
        anyhow::bail!("TIEPCAN_STORAGE_URL is {}: the files to copy must be in a local directory", config.storage);
    };
    let target_url = StorageUrl::parse(to).map_err(|m| anyhow::anyhow!("--to {to}: {m}"))?;
    if target_url == config.storage {
        anyhow::bail!("--to {to} is where the files already are");
    }
    let options: Vec<(String, String)> = config.s3_options.iter().map(|(k, v)| (k.clone(), v.0.clone())).collect();
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let report = rt.block_on(async {
        let target = Storage::open(&target_url, &options)?;
        tiepcan::service::storage_migrate::copy_local_files(from, &target, |sha, size| {
            println!("copied {sha} ({size} bytes)");
        })
        .await
        .map_err(|e| anyhow::anyhow!("{e}; run the same command again to resume"))
    })?;
    println!(
        "{} file(s) copied ({} bytes), {} already in {target_url}, {} other file(s) in {} left alone",
        report.copied,
        report.bytes,
        report.already_there,
        report.ignored,
        from.display()
    );
    println!("set TIEPCAN_STORAGE_URL={target_url} and restart every instance to serve attachments from there");
    Ok(())
}

/// Error text for the terminal: field errors spelled out in English.
fn describe(e: AppError) -> anyhow::Error {
    match e {
        AppError::Validation(fields) => {
            let tr = Tr::new(Locale::En);
            let parts: Vec<String> = fields
                .0
                .iter()
                .map(|(k, v)| format!("{k} {}", tr.get(&format!("field_error.{v}")).unwrap_or(v)))
                .collect();
            anyhow::anyhow!("{}", parts.join("; "))
        }
        AppError::Internal(inner) => inner,
        other => anyhow::anyhow!("{other}"),
    }
}

/// The commands that do one thing on the database and exit.
fn one_shot(config: &Config, command: Command) -> anyhow::Result<()> {
    let mut conn = db::connect_one(&config.database_url)?;
    let now = SystemClock.now();
    let rules = rulebook(&mut conn, config)?;
    let env = tiepcan::service::Env { config, rules: &rules, now };
    match command {
        Command::CreateJurisdiction { code, name, department_name, department_email, timezone } => {
            let input = NewJurisdiction {
                code,
                name,
                department_name,
                department_email,
                timezone: Some(timezone),
                office_hours: None,
            };
            create_jurisdiction(&mut conn, env, &input)
        }
        Command::ImportAgencies { file } => import_agencies(&mut conn, env, &file),
        Command::CreateUser { email, password, role, agencies, jurisdiction, full_name, title } => {
            let agency_ids = resolve_agencies(&mut conn, &agencies, jurisdiction.as_deref())?;
            let input = NewUser {
                full_name: full_name.unwrap_or_else(|| email.split('@').next().unwrap_or_default().to_string()),
                email,
                role: role.clone(),
                agency_ids,
                jurisdiction: if role == "staff" { jurisdiction } else { None },
                title,
                locale: None,
                phone: None,
            };
            create_user(&mut conn, config, now, &input, &password)
        }
        Command::Sweep { once, now: at } => {
            if !once {
                anyhow::bail!("use `tiepcan sweep --once`; `tiepcan serve` sweeps every minute");
            }
            sweep_once(&mut conn, env, at.as_deref())
        }
        Command::VerifyTimeline { reference } => verify_timeline(&mut conn, reference.as_deref()),
        Command::Serve { .. } | Command::Migrate | Command::Storage { .. } => unreachable!("handled in main"),
    }
}

/// The rules in force (policy packs from the data directory, the calendar
/// from the database), for commands that run use cases.
fn rulebook(conn: &mut db::DbConn, config: &Config) -> anyhow::Result<tiepcan::service::rules::Rulebook> {
    let (policies, _) = tiepcan::service::rules::load_policies(&config.data_dir)?;
    tiepcan::service::rules::Rulebook::load_with(conn, std::sync::Arc::new(policies)).map_err(describe)
}

fn create_jurisdiction(conn: &mut db::DbConn, env: Env<'_>, input: &NewJurisdiction) -> anyhow::Result<()> {
    let j = directory::create_jurisdiction(conn, env, input).map_err(describe)?;
    println!(
        "jurisdiction {} ({}) created; escalations go to {} <{}>",
        j.code, j.name, j.department_name, j.department_email
    );
    Ok(())
}

/// Imports all the file or nothing; a rejected file is reported line by line, as `file:line: problem`.
fn import_agencies(conn: &mut db::DbConn, env: Env<'_>, file: &Path) -> anyhow::Result<()> {
    let data = std::fs::read(file).map_err(|e| anyhow::anyhow!("cannot read {}: {e}", file.display()))?;
    match directory::import_agencies(conn, env, None, &data).map_err(describe)? {
        ImportOutcome::Done(s) => println!("{} agencies created, {} updated", s.created, s.updated),
        ImportOutcome::Rejected(errors) => {
            let tr = Tr::new(Locale::En);
            for e in &errors {
                for (field, code) in &e.problems.0 {
                    eprintln!(
                        "{}:{}: {field} {}",
                        file.display(),
                        e.line,
                        tr.get(&format!("field_error.{code}")).unwrap_or(code)
                    );
                }
            }
            anyhow::bail!("{} line(s) are not valid; nothing was imported", errors.len());
        }
    }
    Ok(())
}

fn create_user(
    conn: &mut db::DbConn,
    config: &Config,
    now: DateTime<Utc>,
    input: &NewUser,
    password: &str,
) -> anyhow::Result<()> {
    let user =
        accounts::create_with_password(conn, &Hasher::from_config(config), now, input, password).map_err(describe)?;
    println!("{} {} created (id {})", input.role, user.email, user.id);
    Ok(())
}

/// One sweep as of `at` (RFC 3339; default now), as a serving instance would run it.
fn sweep_once(conn: &mut db::DbConn, env: Env<'_>, at: Option<&str>) -> anyhow::Result<()> {
    let now = match at {
        None => env.now,
        Some(s) => chrono::DateTime::parse_from_rfc3339(s)
            .map_err(|e| anyhow::anyhow!("--now {s:?} is not an RFC 3339 instant: {e}"))?
            .with_timezone(&chrono::Utc),
    };
    let (config, env) = (env.config, Env { now, ..env });
    let r = tiepcan::service::sweeper::sweep(conn, env).map_err(describe)?;
    // What a serving instance's sweep also does: expired unconfirmed accounts, stale login throttles.
    tiepcan::service::unverified::housekeeping(conn, config, now);
    println!(
        "sweep as of {}: {} request(s) checked, {} reminder(s), {} overdue escalation(s), {} review reminder(s), {} closed, {} skipped (see the log)",
        now.to_rfc3339(),
        r.checked,
        r.reminders,
        r.overdue,
        r.review_overdue,
        r.closed,
        r.skipped
    );
    println!("mails are in the outbox; a running `tiepcan serve` sends them");
    Ok(())
}

fn verify_timeline(conn: &mut db::DbConn, reference: Option<&str>) -> anyhow::Result<()> {
    let (checked, broken) = tiepcan::service::timeline::verify(conn, reference).map_err(describe)?;
    if broken.is_empty() {
        println!("{checked} timeline(s) verified: every link holds");
        return Ok(());
    }
    for b in &broken {
        eprintln!("{}: broken at event {}: {}", b.reference, b.seq, b.problem);
    }
    anyhow::bail!("{} of {checked} timeline(s) are broken", broken.len())
}

/// Agency codes to ids. A code may be written `TNG/SYT`; a bare code is looked
/// up in --jurisdiction, or in the only jurisdiction that has it.
fn resolve_agencies(
    conn: &mut db::DbConn,
    codes: &[String],
    jurisdiction: Option<&str>,
) -> anyhow::Result<Vec<String>> {
    let mut ids = Vec::new();
    let all = db::jurisdictions::all(conn)?;
    for raw in codes {
        let (jcode, code) = match raw.split_once('/') {
            Some((j, c)) => (Some(j.to_ascii_uppercase()), c.to_ascii_uppercase()),
            None => (jurisdiction.map(str::to_ascii_uppercase), raw.to_ascii_uppercase()),
        };
        let mut found = Vec::new();
        for j in all.iter().filter(|j| jcode.as_ref().is_none_or(|c| c == &j.code)) {
            if let Some(a) = db::agencies::by_code(conn, &j.id, &code)? {
                found.push(a.id);
            }
        }
        match found.len() {
            1 => ids.push(found.remove(0)),
            0 => anyhow::bail!("no agency with code {raw}"),
            _ => anyhow::bail!("agency code {raw} exists in several jurisdictions; write it as JURISDICTION/{code}"),
        }
    }
    Ok(ids)
}
