//! Latency percentiles and the one-line JSON results that bench.sh collects.

use std::time::Duration;

use serde_json::{Value, json};

/// Percentile `p` (0–100) of sorted samples, by nearest rank.
pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

pub fn ms(d: Duration) -> f64 {
    (d.as_secs_f64() * 1e6).round() / 1e3
}

/// Prints one result line: `RESULT {json}`; bench.sh keeps these lines.
pub fn emit(name: &str, mut fields: Value) {
    if let Value::Object(m) = &mut fields {
        m.insert("name".into(), json!(name));
    }
    println!("RESULT {fields}");
}

/// Throughput and latency of a timed loop.
pub fn summary(mut samples: Vec<Duration>, elapsed: Duration, errors: u64) -> Value {
    samples.sort_unstable();
    json!({
        "requests": samples.len(),
        "seconds": (elapsed.as_secs_f64() * 100.0).round() / 100.0,
        "rps": (samples.len() as f64 / elapsed.as_secs_f64()).round(),
        "p50_ms": ms(percentile(&samples, 50.0)),
        "p95_ms": ms(percentile(&samples, 95.0)),
        "p99_ms": ms(percentile(&samples, 99.0)),
        "errors": errors,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank() {
        let s: Vec<Duration> = (1..=100).map(Duration::from_millis).collect();
        assert_eq!(percentile(&s, 50.0), Duration::from_millis(50));
        assert_eq!(percentile(&s, 99.0), Duration::from_millis(99));
        assert_eq!(percentile(&s, 100.0), Duration::from_millis(100));
        assert_eq!(percentile(&[], 50.0), Duration::ZERO);
    }
}
