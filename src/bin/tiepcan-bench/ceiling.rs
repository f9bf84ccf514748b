//! The database ceiling: the filing use case (checks, numbering, deadline,
//! timeline, mails, one transaction) called in a tight loop through the
//! service layer, with no HTTP, sessions or JSON in the way. Tried at several
//! concurrencies; the best is the ceiling the HTTP numbers are compared with.

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use serde_json::json;
use tiepcan::clock::{Clock, SystemClock};
use tiepcan::config::Config;
use tiepcan::db::{self, Pool};
use tiepcan::service::Env;
use tiepcan::service::accounts::{self, Principal};
use tiepcan::service::requests::file::{self, FileInput};
use tiepcan::service::rules::Rulebook;

use super::{seed, stats};

static SERIAL: AtomicU64 = AtomicU64::new(0);

pub fn run(url: &str, seed_dir: &Path, seconds: u64, max_threads: u32) -> anyhow::Result<()> {
    let config = super::config_for(url, None)?;
    let pool = db::connect(url, max_threads.max(1))?;
    let filing = Filing::read(&pool, config, seed_dir)?;
    let per = Duration::from_secs(seconds);
    let mut threads = 1;
    let mut best: Option<(u32, serde_json::Value, f64)> = None;
    let mut tried = Vec::new();
    while threads <= max_threads {
        let (samples, elapsed, errors) = at_concurrency(&pool, &filing, threads, per);
        let result = stats::summary(samples, elapsed, errors);
        let rps = result["rps"].as_f64().unwrap_or(0.0);
        println!("ceiling at {threads} threads: {result}");
        tried.push(json!({"threads": threads, "rps": rps, "p99_ms": result["p99_ms"]}));
        if best.as_ref().is_none_or(|b| rps > b.2) {
            best = Some((threads, result, rps));
        }
        threads *= 2;
    }
    if let Some((threads, mut result, _)) = best {
        result["threads"] = json!(threads);
        result["tried"] = json!(tried);
        stats::emit("db_ceiling", result);
    }
    Ok(())
}

/// What every thread files with: the seeded agency, the reporters' live sessions and the rules.
struct Filing {
    config: Config,
    rules: Rulebook,
    agency_id: String,
    reporters: Vec<Principal>,
}

impl Filing {
    /// From the seed directory: the agency in seed.env, the sessions in tokens.txt.
    fn read(pool: &Pool, config: Config, seed_dir: &Path) -> anyhow::Result<Filing> {
        let env_text = std::fs::read_to_string(seed_dir.join("seed.env"))?;
        let agency_id = env_text
            .lines()
            .find_map(|l| l.strip_prefix("FILE_AGENCY_ID="))
            .ok_or_else(|| anyhow::anyhow!("seed.env has no FILE_AGENCY_ID"))?
            .to_string();
        let mut conn = pool.get()?;
        let now = SystemClock.now();
        let rules = seed::rulebook(&mut conn, &config)?;
        let env = Env { config: &config, rules: &rules, now };
        let mut reporters: Vec<Principal> = Vec::new();
        for t in std::fs::read_to_string(seed_dir.join("tokens.txt"))?.lines() {
            if let Some(p) = accounts::authenticate(&mut conn, env, t).map_err(|e| anyhow::anyhow!("{e:?}"))? {
                reporters.push(p);
            }
        }
        anyhow::ensure!(!reporters.is_empty(), "no live reporter session in tokens.txt");
        Ok(Filing { config, rules, agency_id, reporters })
    }
}

/// `threads` threads filing for `per`: every filing's time, the time taken, and the failures.
fn at_concurrency(pool: &Pool, filing: &Filing, threads: u32, per: Duration) -> (Vec<Duration>, Duration, u64) {
    std::thread::scope(|s| {
        let started = Instant::now();
        let handles: Vec<_> =
            (0..threads).map(|t| s.spawn(move || file_until(pool, filing, t, threads, started + per))).collect();
        let mut all = Vec::new();
        let mut errors = 0;
        for h in handles {
            let (s, e) = h.join().unwrap_or_default();
            all.extend(s);
            errors += e;
        }
        (all, started.elapsed(), errors)
    })
}

/// One thread's filings until `end`, each by the next reporter in turn (thread `t` of `threads` takes
/// every `threads`-th one), so that the threads share the reporters evenly.
fn file_until(pool: &Pool, filing: &Filing, t: u32, threads: u32, end: Instant) -> (Vec<Duration>, u64) {
    let mut samples = Vec::new();
    let mut errors = 0;
    let Ok(mut conn) = pool.get() else { return (samples, 1) };
    let mut i = t as usize;
    while Instant::now() < end {
        let n = SERIAL.fetch_add(1, Ordering::Relaxed);
        let input = FileInput {
            agency_id: filing.agency_id.clone(),
            kind: "information".into(),
            subject: format!("Câu hỏi trần cơ sở dữ liệu {n}"),
            body: format!("Đề nghị cung cấp số liệu tiêm chủng của huyện, đợt {n}."),
        };
        let env = Env { config: &filing.config, rules: &filing.rules, now: SystemClock.now() };
        let at = Instant::now();
        match file::file(&mut conn, env, &filing.reporters[i % filing.reporters.len()], &input, None) {
            Ok(_) => samples.push(at.elapsed()),
            Err(_) => errors += 1,
        }
        i += threads as usize;
    }
    (samples, errors)
}
