//! A closed-loop load generator: `concurrency` workers, each sending its next
//! request as soon as the previous one is answered, for a fixed time; and the
//! figures it reports (throughput, p50/p99 latency).

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// What one phase of load measured.
#[derive(Debug, Clone)]
pub struct Figures {
    /// Requests that did what was asked.
    pub ok: u64,
    /// Requests that did not (each is also printed once per phase).
    pub failed: u64,
    /// Wall time of the phase.
    pub elapsed: Duration,
    /// Latency of every successful request, sorted.
    latencies: Vec<Duration>,
}

impl Figures {
    /// Successful operations per second.
    pub fn per_second(&self) -> f64 {
        self.ok as f64 / self.elapsed.as_secs_f64()
    }

    /// The `p`-th percentile latency (0 < p ≤ 100).
    pub fn percentile(&self, p: f64) -> Duration {
        if self.latencies.is_empty() {
            return Duration::ZERO;
        }
        let rank = ((p / 100.0) * self.latencies.len() as f64).ceil() as usize;
        self.latencies[rank.clamp(1, self.latencies.len()) - 1]
    }

    /// `ops/s  p50  p99` for a table row.
    pub fn row(&self) -> String {
        let mut row = format!(
            "{:>9.0} /s  p50 {:>7}  p99 {:>7}",
            self.per_second(),
            millis(self.percentile(50.0)),
            millis(self.percentile(99.0))
        );
        if self.failed > 0 {
            row.push_str(&format!("  ({} failed)", self.failed));
        }
        row
    }
}

/// `1.234 ms`.
pub fn millis(d: Duration) -> String {
    format!("{:.3}ms", d.as_secs_f64() * 1e3)
}

/// Runs `concurrency` workers for `duration`. Worker `w` calls
/// `op(w, i)` for its `i`-th request; `Ok(true)` is a success, `Ok(false)`
/// means the worker has nothing more to do, `Err` a failure.
pub async fn run<F, Fut>(concurrency: usize, duration: Duration, op: F) -> Figures
where
    F: Fn(usize, u64) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<bool, String>> + Send,
{
    let op = Arc::new(op);
    let started = Instant::now();
    let deadline = started + duration;
    let mut workers = Vec::with_capacity(concurrency);
    for w in 0..concurrency {
        let op = op.clone();
        workers.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut failures = Vec::new();
            let mut i = 0;
            while Instant::now() < deadline {
                let sent = Instant::now();
                match op(w, i).await {
                    Ok(true) => latencies.push(sent.elapsed()),
                    Ok(false) => break,
                    Err(e) => failures.push(e),
                }
                i += 1;
            }
            (latencies, failures)
        }));
    }
    let mut latencies = Vec::new();
    let mut failures = Vec::new();
    for worker in workers {
        let (l, f) = worker.await.expect("load worker");
        latencies.extend(l);
        failures.extend(f);
    }
    let elapsed = started.elapsed();
    if let Some(first) = failures.first() {
        println!("    {} failures, first: {first}", failures.len());
    }
    latencies.sort_unstable();
    Figures { ok: latencies.len() as u64, failed: failures.len() as u64, elapsed, latencies }
}

/// A small deterministic generator (xorshift), one per worker.
pub fn next(seed: &mut u64) -> u64 {
    *seed ^= *seed << 13;
    *seed ^= *seed >> 7;
    *seed ^= *seed << 17;
    *seed
}
