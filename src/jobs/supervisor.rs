//! Background jobs that cannot die quietly. Each job reports every tick it
//! finishes (and whether it failed); a supervisor restarts a job whose task
//! ends or panics, with a growing pause; readiness and /metrics read the same
//! records, so a job that stops making progress takes the instance out of
//! service instead of leaving it answering 200 while no mail goes out.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::FutureExt;
use tokio::task::JoinHandle;

pub use crate::health::{JobBoard, JobHealth, JobSnapshot};

/// The first pause before a restart; doubles up to `MAX_RESTART_PAUSE`.
const FIRST_RESTART_PAUSE: Duration = Duration::from_secs(1);
const MAX_RESTART_PAUSE: Duration = Duration::from_secs(60);

/// Runs one tick of a job, turning a panic inside it into a failed tick: the
/// last line of defence, so that a bug met by one tick never ends the job.
pub async fn guarded_tick<T, F>(health: &JobHealth, tick: F) -> Option<T>
where
    F: Future<Output = anyhow::Result<T>>,
{
    match AssertUnwindSafe(tick).catch_unwind().await {
        Ok(Ok(value)) => {
            health.tick(true);
            Some(value)
        }
        Ok(Err(e)) => {
            tracing::error!(job = health.name, error = %format!("{e:#}"), "job tick failed");
            health.tick(false);
            None
        }
        Err(panic) => {
            tracing::error!(job = health.name, panic = %panic_text(panic.as_ref()), "job tick panicked");
            health.tick(false);
            None
        }
    }
}

fn panic_text(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(no message)".into())
}

/// Spawns `run` and starts it again whenever it ends or panics, after a pause
/// that doubles (1 s up to a minute) and starts over once a run has lasted
/// longer than the longest pause.
pub fn supervise<F, Fut>(health: Arc<JobHealth>, run: F) -> JoinHandle<()>
where
    F: Fn() -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    tokio::spawn(async move {
        let mut pause = FIRST_RESTART_PAUSE;
        loop {
            let started = Instant::now();
            let task = tokio::spawn(run());
            // Stopping the supervisor (shutdown, a test) stops the job with it.
            let _stop_with_me = AbortOnDrop(task.abort_handle());
            let outcome = task.await;
            match outcome {
                Ok(()) => tracing::error!(job = health.name, "job stopped; restarting it"),
                Err(e) if e.is_panic() => {
                    tracing::error!(job = health.name, panic = %panic_text(e.into_panic().as_ref()), "job panicked; restarting it")
                }
                // Cancelled: the instance is shutting down.
                Err(_) => return,
            }
            health.restarted();
            if started.elapsed() > MAX_RESTART_PAUSE {
                pause = FIRST_RESTART_PAUSE;
            }
            tokio::time::sleep(pause).await;
            pause = (pause * 2).min(MAX_RESTART_PAUSE);
        }
    })
}

struct AbortOnDrop(tokio::task::AbortHandle);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[tokio::test]
    async fn a_panicking_tick_is_a_failure_and_the_job_goes_on() {
        let h = JobHealth::new("t", Duration::from_secs(60));
        let r: Option<()> = guarded_tick(&h, async { panic!("boom") }).await;
        assert_eq!(r, None);
        let r = guarded_tick(&h, async { Ok(7) }).await;
        assert_eq!(r, Some(7));
        let s = h.snapshot();
        assert_eq!((s.ticks, s.failures, s.late), (2, 1, false));
        assert!(s.last_tick_unix.is_some());
    }

    #[tokio::test(start_paused = true)]
    async fn a_job_that_dies_is_restarted() {
        let h = JobHealth::new("t", Duration::from_secs(60));
        let runs = Arc::new(AtomicUsize::new(0));
        let r = runs.clone();
        let handle = supervise(h.clone(), move || {
            let r = r.clone();
            async move {
                if r.fetch_add(1, Ordering::SeqCst) < 2 {
                    panic!("dies");
                }
                std::future::pending::<()>().await
            }
        });
        tokio::time::sleep(Duration::from_secs(10)).await;
        assert_eq!(runs.load(Ordering::SeqCst), 3);
        assert_eq!(h.snapshot().restarts, 2);
        handle.abort();
    }

    #[test]
    fn a_job_without_ticks_is_late_after_three_intervals() {
        let h = JobHealth::new("t", Duration::from_millis(10));
        assert!(!h.late());
        std::thread::sleep(Duration::from_millis(40));
        assert!(h.late());
        h.tick(true);
        assert!(!h.late());
        let board = JobBoard::new(vec![h]);
        assert!(board.late().is_empty());
    }
}
