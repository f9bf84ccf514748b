//! Turns results.jsonl into the Markdown tables of BENCHMARKS.md.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::Path;

use serde_json::Value;

pub fn run(path: &Path) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(path)?;
    let mut by_step: HashMap<String, Value> = HashMap::new();
    let mut memory: HashMap<String, Value> = HashMap::new();
    let mut backend = String::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let v: Value = serde_json::from_str(line)?;
        backend = v["backend"].as_str().unwrap_or_default().to_string();
        let step = v["step"].as_str().unwrap_or_default().to_string();
        if step == "memory" {
            memory.insert(v["name"].as_str().unwrap_or_default().to_string(), v);
        } else if step == "statistics" {
            by_step.insert(v["name"].as_str().unwrap_or_default().to_string(), v);
        } else {
            by_step.insert(step, v);
        }
    }
    print!("{}", render(&backend, &by_step, &memory));
    Ok(())
}

fn num(v: &Value, k: &str) -> f64 {
    v[k].as_f64().unwrap_or(f64::NAN)
}

fn render(backend: &str, s: &HashMap<String, Value>, m: &HashMap<String, Value>) -> String {
    let mut o = String::new();
    let none = Value::Null;
    let get = |k: &str| s.get(k).unwrap_or(&none);
    let http = num(get("healthz"), "rps");
    let db = num(get("ceiling"), "rps");
    let _ = writeln!(o, "### {backend}\n");
    let _ = writeln!(o, "| measurement | req/s | p50 ms | p95 ms | p99 ms | errors | ratio |");
    let _ = writeln!(o, "|---|---:|---:|---:|---:|---:|---|");
    let row = |o: &mut String, label: &str, v: &Value, ratio: String| {
        let _ = writeln!(
            o,
            "| {label} | {:.0} | {:.2} | {:.2} | {:.2} | {} | {ratio} |",
            num(v, "rps"),
            num(v, "p50_ms"),
            num(v, "p95_ms"),
            num(v, "p99_ms"),
            v["errors"].as_u64().unwrap_or(0),
        );
    };
    let ratio = |x: f64, of: f64, name: &str| format!("{:.2} of {name}", x / of);
    let ceiling_label =
        format!("database ceiling: filing via the service layer, {} threads", get("ceiling")["threads"]);
    row(&mut o, "HTTP ceiling: `GET /healthz`", get("healthz"), String::new());
    row(&mut o, &ceiling_label, get("ceiling"), String::new());
    let pgbench = get("pgbench");
    let pg_ceiling = num(pgbench, "rps");
    if !pgbench.is_null() {
        let _ = writeln!(
            o,
            "| pgbench ceiling: the writes of one filing (`scripts/bench/filing.pgbench`), {} clients | {pg_ceiling:.0} |  |  |  | 0 |  |",
            pgbench["clients"]
        );
    }
    let file = num(get("file"), "rps");
    let mut file_ratio = format!("{}; {}", ratio(file, db, "database ceiling"), ratio(file, http, "HTTP ceiling"));
    if !pgbench.is_null() {
        file_ratio = format!("{}; {file_ratio}", ratio(file, pg_ceiling, "pgbench ceiling"));
    }
    row(&mut o, "filing `POST /api/v1/requests` (bearer, unique bodies)", get("file"), file_ratio);
    row(
        &mut o,
        "inbox page `GET /requests` (50 rows of the open ones)",
        get("inbox"),
        ratio(num(get("inbox"), "rps"), http, "HTTP ceiling"),
    );
    row(
        &mut o,
        "request page with a 30-event timeline",
        get("request_page"),
        ratio(num(get("request_page"), "rps"), http, "HTTP ceiling"),
    );
    if let Some(t) = pgbench["tried"].as_array() {
        let tried: Vec<String> =
            t.iter().map(|x| format!("{} clients {:.0}/s", x["clients"], x["rps"].as_f64().unwrap_or(0.0))).collect();
        let _ = writeln!(o, "\npgbench ceiling by clients: {}.", tried.join(", "));
    }
    if let Some(t) = get("ceiling")["tried"].as_array() {
        let tried: Vec<String> =
            t.iter().map(|x| format!("{} threads {:.0}/s", x["threads"], x["rps"].as_f64().unwrap_or(0.0))).collect();
        let _ = writeln!(o, "\nDatabase ceiling by concurrency: {}.", tried.join(", "));
    }
    let sw = get("sweep");
    let _ = writeln!(o, "\n| sweep | value |\n|---|---:|");
    let _ = writeln!(o, "| requests in the table | {} |", sw["table_rows"]);
    let _ = writeln!(o, "| due (overdue: event, escalation, two mails each) | {} |", sw["checked"]);
    let _ = writeln!(o, "| sweep of the due ones, seconds | {:.3} |", num(sw, "seconds"));
    let _ = writeln!(o, "| requests swept per second | {:.0} |", num(sw, "per_second"));
    let _ = writeln!(o, "| empty sweep, median of 21, ms | {:.3} |", num(sw, "empty_median_ms"));
    let _ = writeln!(o, "| empty sweep, slowest of 21, ms | {:.3} |", num(sw, "empty_max_ms"));
    statistics_table(&mut o, &get);
    let ob = get("outbox");
    let _ = writeln!(o, "\n| outbox | value |\n|---|---:|");
    let _ = writeln!(o, "| mails drained to the local SMTP server | {} |", ob["mails"]);
    let _ = writeln!(o, "| seconds | {:.2} |", num(ob, "seconds"));
    let _ = writeln!(o, "| mails per second | {:.0} |", num(ob, "per_second"));
    let _ = writeln!(o, "\n| server memory (RSS) | MB |\n|---|---:|");
    let mem = |k: &str, f: &str| m.get(k).map_or(f64::NAN, |v| num(v, f));
    let _ = writeln!(o, "| idle, after start | {:.0} |", mem("rss_idle", "mb"));
    let _ = writeln!(o, "| after the load | {:.0} |", mem("rss_after_load", "mb"));
    let _ = writeln!(o, "| peak during the load | {:.0} |", mem("rss_after_load", "peak_mb"));
    for (title, key) in [("before the sweep", "plan"), ("empty sweep", "plan_empty")] {
        if let Some(lines) = sw[key].as_array() {
            let _ = writeln!(o, "\nPlan of the sweeper's claim query, {title}:\n\n```");
            for l in lines {
                let _ = writeln!(o, "{}", l.as_str().unwrap_or_default());
            }
            let _ = writeln!(o, "```");
        }
    }
    o
}

/// The statistics' timings: a quarter, a year, a quarter with loose days.
fn statistics_table<'a>(o: &mut String, get: &impl Fn(&str) -> &'a Value) {
    let _ = writeln!(
        o,
        "\n| statistics (the facts of {} requests) | median ms | slowest ms |\n|---|---:|---:|",
        get("stats_year")["requests"]
    );
    for (title, key) in [
        ("a quarter (whole months)", "stats_quarter"),
        ("a year (whole months)", "stats_year"),
        ("a quarter with loose days at both ends", "stats_loose_quarter"),
    ] {
        let v = get(key);
        let _ = writeln!(o, "| {title} | {:.1} | {:.1} |", num(v, "median_ms"), num(v, "max_ms"));
    }
}
