//! What each background job of this instance has done: finished ticks,
//! failures, restarts and the time of the last tick. The jobs write these
//! records (`jobs::supervisor`); readiness and /metrics read them. Kept below
//! both, so that neither has to reach up into the jobs.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// A job is late when it has not finished a tick within this many intervals.
pub const LATE_AFTER_INTERVALS: u32 = 3;

/// What one job has done, shared by the job, its supervisor and the readers.
#[derive(Debug)]
pub struct JobHealth {
    pub name: &'static str,
    interval: Duration,
    born: Instant,
    /// Milliseconds after `born` of the last finished tick (0: none yet, the
    /// job is judged from its start).
    last_tick_ms: AtomicU64,
    /// Wall-clock time of the last finished tick, for /metrics (0: none).
    last_tick_unix: AtomicI64,
    ticks: AtomicU64,
    failures: AtomicU64,
    restarts: AtomicU64,
}

/// A job's record at one moment.
#[derive(Debug, Clone, PartialEq)]
pub struct JobSnapshot {
    pub name: &'static str,
    pub ticks: u64,
    pub failures: u64,
    pub restarts: u64,
    /// Unix seconds of the last finished tick, if any.
    pub last_tick_unix: Option<i64>,
    pub late: bool,
}

impl JobHealth {
    /// `interval`: how often the job is expected to finish a tick.
    pub fn new(name: &'static str, interval: Duration) -> Arc<JobHealth> {
        Arc::new(JobHealth {
            name,
            interval,
            born: Instant::now(),
            last_tick_ms: AtomicU64::new(0),
            last_tick_unix: AtomicI64::new(0),
            ticks: AtomicU64::new(0),
            failures: AtomicU64::new(0),
            restarts: AtomicU64::new(0),
        })
    }

    /// Records a finished tick; a failed one still counts as progress (the
    /// job is alive and will try again), and as a failure.
    pub fn tick(&self, ok: bool) {
        let ms = self.born.elapsed().as_millis().min(u128::from(u64::MAX)) as u64;
        self.last_tick_ms.store(ms.max(1), Ordering::Relaxed);
        self.last_tick_unix.store(chrono::Utc::now().timestamp(), Ordering::Relaxed);
        self.ticks.fetch_add(1, Ordering::Relaxed);
        if !ok {
            self.failures.fetch_add(1, Ordering::Relaxed);
        }
    }

    pub(crate) fn restarted(&self) {
        self.restarts.fetch_add(1, Ordering::Relaxed);
    }

    /// True when no tick finished within `LATE_AFTER_INTERVALS` intervals.
    pub fn late(&self) -> bool {
        let since = Duration::from_millis(self.last_tick_ms.load(Ordering::Relaxed));
        self.born.elapsed().saturating_sub(since) > self.interval * LATE_AFTER_INTERVALS
    }

    pub fn snapshot(&self) -> JobSnapshot {
        let unix = self.last_tick_unix.load(Ordering::Relaxed);
        JobSnapshot {
            name: self.name,
            ticks: self.ticks.load(Ordering::Relaxed),
            failures: self.failures.load(Ordering::Relaxed),
            restarts: self.restarts.load(Ordering::Relaxed),
            last_tick_unix: (unix > 0).then_some(unix),
            late: self.late(),
        }
    }
}

/// The jobs of this instance, as readiness and /metrics see them.
#[derive(Debug, Default)]
pub struct JobBoard {
    jobs: Vec<Arc<JobHealth>>,
}

impl JobBoard {
    pub fn new(jobs: Vec<Arc<JobHealth>>) -> JobBoard {
        JobBoard { jobs }
    }

    pub fn snapshots(&self) -> Vec<JobSnapshot> {
        self.jobs.iter().map(|j| j.snapshot()).collect()
    }

    /// The names of the jobs that are late.
    pub fn late(&self) -> Vec<&'static str> {
        self.jobs.iter().filter(|j| j.late()).map(|j| j.name).collect()
    }
}
