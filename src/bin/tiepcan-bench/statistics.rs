//! The Department's statistics at scale: the facts of `--requests` requests over two years
//! (2025–2026) in 40 agencies of the benchmark province, each request received, most answered (on
//! time or late, after 0–11 working days), some refused, withdrawn, marked overdue or escalated:
//! about 2.1 facts per request. Then the statistics of a quarter, of a year, and of a period with
//! loose days at both ends are each timed several times through the same use case the API calls.

use std::time::{Duration, Instant};

use chrono::{NaiveDate, TimeZone, Utc};
use serde_json::json;
use tiepcan::db::{self, DbConn, jurisdictions};
use tiepcan::domain::stats::period::{Grouping, Period};
use tiepcan::service::Env;
use tiepcan::service::stats::{Scope, report};

use super::{bulk, seed, stats};

const AGENCIES: u64 = 40;
const DAYS: u64 = 730;
const RUNS: usize = 7;

pub fn run(url: &str, requests: u64) -> anyhow::Result<()> {
    let config = super::config_for(url, None)?;
    let pool = db::connect(url, 2)?;
    let mut pooled = pool.get()?;
    let conn: &mut DbConn = &mut pooled;
    let rules = seed::rulebook(conn, &config)?;
    let j = jurisdictions::by_code(conn, "BEN")?.ok_or_else(|| anyhow::anyhow!("run seed first"))?;
    let started = Instant::now();
    let facts = load(conn, &j.id, requests)?;
    let load_secs = started.elapsed().as_secs_f64();
    println!("statistics: {facts} facts for {requests} requests loaded in {load_secs:.1} s");

    let now = Utc.with_ymd_and_hms(2026, 12, 31, 3, 0, 0).single().expect("a real instant");
    let env = Env { config: &config, rules: &rules, now };
    let d = |y, m, dd| NaiveDate::from_ymd_opt(y, m, dd).expect("a real date");
    for (name, period) in [
        ("stats_quarter", Period { from: d(2026, 4, 1), to: d(2026, 6, 30) }),
        ("stats_year", Period { from: d(2025, 7, 1), to: d(2026, 6, 30) }),
        ("stats_loose_quarter", Period { from: d(2026, 3, 15), to: d(2026, 6, 14) }),
    ] {
        let scope = Scope { provinces: vec![j.clone()], period, level: None, grouping: Grouping::Month };
        let mut samples = Vec::new();
        let mut received = 0;
        for _ in 0..RUNS {
            let t = Instant::now();
            let r = report(conn, env, &scope).map_err(|e| anyhow::anyhow!("{e:?}"))?;
            samples.push(t.elapsed());
            received = r.totals.figures.received;
        }
        samples.sort_unstable();
        println!(
            "{name}: {} ms median of {RUNS} ({received} requests received in the period)",
            stats::ms(samples[RUNS / 2])
        );
        stats::emit(
            name,
            json!({
                "facts": facts,
                "requests": requests,
                "received_in_period": received,
                "median_ms": stats::ms(stats::percentile(&samples, 50.0)),
                "max_ms": stats::ms(*samples.last().unwrap_or(&Duration::ZERO)),
                "load_seconds": (load_secs * 10.0).round() / 10.0,
            }),
        );
    }
    Ok(())
}

/// The agencies and their facts; returns how many facts were written.
fn load(conn: &mut DbConn, jurisdiction_id: &str, requests: u64) -> anyhow::Result<u64> {
    let pg = matches!(conn, DbConn::Pg(_));
    for a in 0..AGENCIES {
        bulk::exec(
            conn,
            &format!(
                "INSERT INTO agencies (id, jurisdiction_id, code, name, name_en, level, parent_id, email, search_text, created_at) \
                 VALUES ('bench-agency-{a}', '{jurisdiction_id}', 'CQ{a:02}', 'Cơ quan thử tải {a:02}', NULL, 'department', NULL, NULL, \
                 'cq{a:02} co quan thu tai', '2025-01-01 00:00:00')"
            ),
        )?;
    }
    // On PostgreSQL the monthly counts are rebuilt after the load rather than bumped two million
    // times in one statement (each bump of a row in one transaction walks the versions before it).
    if pg {
        bulk::exec(conn, "ALTER TABLE stat_facts DISABLE TRIGGER USER")?;
    }
    let mut facts = 0;
    const CHUNK: u64 = 100_000;
    let mut from = 0;
    while from < requests {
        let n = CHUNK.min(requests - from);
        for shape in &SHAPES {
            facts += bulk::exec(conn, &insert_sql(pg, jurisdiction_id, requests, from, n, shape))? as u64;
        }
        from += n;
    }
    if pg {
        bulk::exec(conn, "ALTER TABLE stat_facts ENABLE TRIGGER USER")?;
        bulk::exec(conn, "DELETE FROM stat_months")?;
        bulk::exec(
            conn,
            "INSERT INTO stat_months (jurisdiction_id, month, agency_id, kind, detail, timeliness, working_days, hours, \
             slot, n) \
             SELECT jurisdiction_id, day / 100, agency_id, kind, detail, timeliness, working_days, hours, \
             count_slot(request_id), count(*) FROM stat_facts GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9",
        )?;
    }
    bulk::analyze(conn)?;
    Ok(facts)
}

/// One kind of fact: which requests have it (a condition on g), its detail, verdict, working days
/// and how many days after the filing it happened (SQL over g, the request's number).
struct Shape {
    kind: &'static str,
    when: &'static str,
    detail: &'static str,
    timeliness: &'static str,
    working_days: &'static str,
    days_after: &'static str,
}

const SHAPES: [Shape; 6] = [
    Shape { kind: "received", when: "1 = 1", detail: "''", timeliness: "''", working_days: "-1", days_after: "0" },
    Shape {
        kind: "answered",
        when: "g % 10 < 7",
        detail: "CASE g % 3 WHEN 0 THEN 'granted' WHEN 1 THEN 'partial' ELSE 'not_held' END",
        timeliness: "CASE WHEN g % 12 <= 3 THEN 'on_time' ELSE 'late' END",
        working_days: "g % 12",
        days_after: "(g % 12) * 7 / 5",
    },
    Shape {
        kind: "refused",
        when: "g % 10 IN (7, 8)",
        detail: "CASE g % 4 WHEN 0 THEN 'PL38_2A' WHEN 1 THEN 'PL38_2B' WHEN 2 THEN 'LAI_6_1' ELSE 'LAI_28_1A' END",
        timeliness: "'on_time'",
        working_days: "g % 4",
        days_after: "(g % 4) * 7 / 5",
    },
    Shape {
        kind: "withdrawn",
        when: "g % 20 = 9",
        detail: "''",
        timeliness: "''",
        working_days: "-1",
        days_after: "1",
    },
    Shape {
        kind: "overdue",
        when: "g % 20 = 19",
        detail: "''",
        timeliness: "'late'",
        working_days: "-1",
        days_after: "6",
    },
    Shape {
        kind: "escalation_opened",
        when: "g % 20 = 19 OR g % 50 = 0",
        detail: "CASE WHEN g % 20 = 19 THEN 'overdue' ELSE 'complaint' END",
        timeliness: "''",
        working_days: "-1",
        days_after: "6",
    },
];

fn insert_sql(pg: bool, jurisdiction_id: &str, total: u64, from: u64, n: u64, s: &Shape) -> String {
    let offset = format!("(g * {DAYS} / {total} + {})", s.days_after);
    let (day, at, series) = if pg {
        (
            format!("CAST(to_char(DATE '2025-01-01' + CAST({offset} AS INTEGER), 'YYYYMMDD') AS INTEGER)"),
            format!("(TIMESTAMP '2025-01-01 02:00:00' + {offset} * INTERVAL '1 day')"),
            format!("generate_series({}, {}) AS s(g)", from + 1, from + n),
        )
    } else {
        (
            format!("CAST(strftime('%Y%m%d', date('2025-01-01', '+' || {offset} || ' days')) AS INTEGER)"),
            format!("datetime('2025-01-01 02:00:00', '+' || {offset} || ' days')"),
            format!(
                "(WITH RECURSIVE s(g) AS (SELECT {} UNION ALL SELECT g + 1 FROM s WHERE g < {}) SELECT g FROM s) AS s",
                from + 1,
                from + n
            ),
        )
    };
    let hours = format!(
        "CASE WHEN {wd} < 0 THEN -1 WHEN {wd} < 2 THEN {wd} * 24 + g % 24 ELSE {wd} * 24 END",
        wd = s.working_days
    );
    format!(
        "INSERT INTO stat_facts (request_id, jurisdiction_id, agency_id, at, day, kind, detail, timeliness, working_days, hours) \
         SELECT 'bench-stat-' || g, '{jurisdiction_id}', 'bench-agency-' || (g % {AGENCIES}), {at}, {day}, '{kind}', {detail}, \
         {timeliness}, {wd}, {hours} FROM {series} WHERE {when}",
        kind = s.kind,
        detail = s.detail,
        timeliness = s.timeliness,
        wd = s.working_days,
        when = s.when,
    )
}
