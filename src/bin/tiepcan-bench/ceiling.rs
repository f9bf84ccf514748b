//! The database ceiling: the filing use case (checks, numbering, deadline,
//! timeline, mails, one transaction) called in a tight loop through the
//! service layer, with no HTTP, sessions or JSON in the way. Tried at several
//! concurrencies; the best is the ceiling the HTTP numbers are compared with.

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use serde_json::json;
use tiepcan::clock::{Clock, SystemClock};
use tiepcan::db;
use tiepcan::service::Env;
use tiepcan::service::accounts::{self, Principal};
use tiepcan::service::requests::file::{self, FileInput};

use super::{seed, stats};

static SERIAL: AtomicU64 = AtomicU64::new(0);

pub fn run(url: &str, seed_dir: &Path, seconds: u64, max_threads: u32) -> anyhow::Result<()> {
    let config = super::config_for(url, None)?;
    let pool = db::connect(url, max_threads.max(1))?;
    let env_text = std::fs::read_to_string(seed_dir.join("seed.env"))?;
    let agency_id = env_text
        .lines()
        .find_map(|l| l.strip_prefix("FILE_AGENCY_ID="))
        .ok_or_else(|| anyhow::anyhow!("seed.env has no FILE_AGENCY_ID"))?
        .to_string();
    let (reporters, rules) = {
        let mut conn = pool.get()?;
        let now = SystemClock.now();
        let rules = seed::rulebook(&mut conn, &config)?;
        let env = Env { config: &config, rules: &rules, now };
        let mut ps: Vec<Principal> = Vec::new();
        for t in std::fs::read_to_string(seed_dir.join("tokens.txt"))?.lines() {
            if let Some(p) = accounts::authenticate(&mut conn, env, t).map_err(|e| anyhow::anyhow!("{e:?}"))? {
                ps.push(p);
            }
        }
        (ps, rules)
    };
    anyhow::ensure!(!reporters.is_empty(), "no live reporter session in tokens.txt");

    let mut threads = 1;
    let mut best: Option<(u32, serde_json::Value, f64)> = None;
    let mut tried = Vec::new();
    while threads <= max_threads {
        let per = Duration::from_secs(seconds);
        let (samples, elapsed, errors) = std::thread::scope(|s| {
            let started = Instant::now();
            let handles: Vec<_> = (0..threads)
                .map(|t| {
                    let (pool, config, rules, reporters, agency_id) = (&pool, &config, &rules, &reporters, &agency_id);
                    s.spawn(move || -> (Vec<Duration>, u64) {
                        let mut samples = Vec::new();
                        let mut errors = 0;
                        let Ok(mut conn) = pool.get() else { return (samples, 1) };
                        let mut i = t as usize;
                        while started.elapsed() < per {
                            let n = SERIAL.fetch_add(1, Ordering::Relaxed);
                            let input = FileInput {
                                agency_id: agency_id.clone(),
                                kind: "information".into(),
                                subject: format!("Câu hỏi trần cơ sở dữ liệu {n}"),
                                body: format!("Đề nghị cung cấp số liệu tiêm chủng của huyện, đợt {n}."),
                            };
                            let env = Env { config, rules, now: SystemClock.now() };
                            let at = Instant::now();
                            match file::file(&mut conn, env, &reporters[i % reporters.len()], &input, None) {
                                Ok(_) => samples.push(at.elapsed()),
                                Err(_) => errors += 1,
                            }
                            i += threads as usize;
                        }
                        (samples, errors)
                    })
                })
                .collect();
            let mut all = Vec::new();
            let mut errors = 0;
            for h in handles {
                let (s, e) = h.join().unwrap_or_default();
                all.extend(s);
                errors += e;
            }
            (all, started.elapsed(), errors)
        });
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
