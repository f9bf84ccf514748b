//! `tiepcan-bench`: the parts of the benchmarks that HTTP load cannot do —
//! preparing a database of realistic size, the filing transaction in a tight
//! loop without HTTP (the database ceiling), the sweep over a large table and
//! the outbox drain. `scripts/bench.sh` drives it together with the release
//! server and an HTTP load generator; see BENCHMARKS.md.

mod bulk;
mod ceiling;
mod outbox;
mod report;
mod seed;
mod statistics;
mod stats;
mod sweep;

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use tiepcan::config::Config;

#[derive(Parser)]
#[command(name = "tiepcan-bench", about = "Prepares and measures tiepcan benchmarks (see BENCHMARKS.md)")]
struct Cli {
    /// The database to work on. A PostgreSQL database must have "bench" in its
    /// name: `reset` drops it.
    #[arg(long, env = "DATABASE_URL", global = true)]
    database_url: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Drops and recreates the benchmark database (a SQLite file is deleted).
    Reset,
    /// Creates a province, agencies, a spokesperson, reporters with sessions,
    /// `--open` open requests in the inbox agency and one request with a
    /// 30-event timeline; writes seed.env and tokens.txt into `--out`.
    Seed {
        #[arg(long, default_value_t = 100_000)]
        open: u64,
        #[arg(long, default_value_t = 64)]
        reporters: u32,
        #[arg(long)]
        out: PathBuf,
    },
    /// Files requests through the service layer in a tight loop (no HTTP).
    Ceiling {
        /// The directory `seed` wrote.
        #[arg(long)]
        seed: PathBuf,
        #[arg(long, default_value_t = 10)]
        seconds: u64,
        #[arg(long, default_value_t = 4)]
        threads: u32,
    },
    /// Grows the table to `--requests` and times one sweep with `--due` due
    /// requests, then an empty sweep; prints the query plans.
    Sweep {
        #[arg(long, default_value_t = 1_000_000)]
        requests: u64,
        #[arg(long, default_value_t = 10_000)]
        due: u64,
        /// Sweepers side by side on PostgreSQL (the server's own number by default).
        #[arg(long, default_value_t = tiepcan::service::sweeper::PARALLEL)]
        parallel: usize,
    },
    /// Queues `--mails` mails and times the mailer draining them to `--smtp`.
    Outbox {
        #[arg(long, default_value_t = 10_000)]
        mails: u64,
        #[arg(long)]
        smtp: String,
    },
    /// Waits until the outbox holds no pending mail (at most `--seconds`), so
    /// that one measurement does not pay for the mails of the one before.
    Drained {
        #[arg(long, default_value_t = 120)]
        seconds: u64,
    },
    /// Loads the statistics' facts of `--requests` requests over two years in 40 agencies and
    /// times the statistics of a quarter, a year and a period with loose days.
    Statistics {
        #[arg(long, default_value_t = 1_000_000)]
        requests: u64,
    },
    /// Prints the Markdown tables of a results.jsonl file.
    Report { results: PathBuf },
}

/// The configuration the server would read, for the given database (and SMTP
/// server), built from the same sources.
pub fn config_for(database_url: &str, smtp: Option<&str>) -> anyhow::Result<Config> {
    let mut env: HashMap<String, String> = std::env::vars().filter(|(k, _)| k.starts_with("TIEPCAN_")).collect();
    env.insert("DATABASE_URL".into(), database_url.into());
    if let Some(s) = smtp {
        env.insert("TIEPCAN_SMTP_URL".into(), s.into());
    }
    Config::from_sources(&env, None).map_err(|e| anyhow::anyhow!("{e}"))
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let url = cli.database_url.clone().unwrap_or_default();
    let result = match cli.command {
        Command::Report { .. } => Ok(()),
        _ if url.is_empty() => Err(anyhow::anyhow!("set DATABASE_URL or --database-url")),
        _ => Ok(()),
    }
    .and_then(|()| match cli.command {
        Command::Reset => bulk::reset(&url),
        Command::Seed { open, reporters, out } => seed::run(&url, open, reporters, &out),
        Command::Ceiling { seed, seconds, threads } => ceiling::run(&url, &seed, seconds, threads),
        Command::Sweep { requests, due, parallel } => sweep::run(&url, requests, due, parallel),
        Command::Outbox { mails, smtp } => outbox::run(&url, &smtp, mails),
        Command::Drained { seconds } => outbox::wait_drained(&url, seconds),
        Command::Statistics { requests } => statistics::run(&url, requests),
        Command::Report { results } => report::run(&results),
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("tiepcan-bench: {e:#}");
            ExitCode::FAILURE
        }
    }
}
