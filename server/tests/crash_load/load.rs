//! The load generator of the crash test: workers sending money-moving
//! commands with idempotency keys, and retrying any request without a definite
//! answer with the same key and body until it gets one.

use ledgerdeck_client::CommandResult;
use serde_json::{Value, json};
use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// A small deterministic generator (splitmix64), so a failing run can be
/// repeated from its printed seed.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// Cents as a decimal string, e.g. 1234 → "12.34".
pub fn decimal(cents: i64) -> String {
    format!("{}.{:02}", cents / 100, cents % 100)
}

/// One command as sent: its key and body never change across retries.
#[derive(Debug, Clone)]
pub struct Op {
    pub key: String,
    pub command: &'static str,
    pub body: Value,
    /// The amount it moves, in cents (0 where the hold decides).
    pub cents: i64,
}

impl Op {
    fn new(command: &'static str, body: Value, cents: i64) -> Op {
        Op { key: uuid::Uuid::now_v7().to_string(), command, body, cents }
    }
}

/// One answer to one request.
#[derive(Debug)]
pub enum Answer {
    /// 2xx with its result.
    Acked(CommandResult),
    /// A definite refusal (4xx problem other than in-progress) with its code.
    Refused(u16, String),
    /// No definite answer; `sent` says whether the request may have reached
    /// the server and been cut off (false: the connection was refused, or the
    /// server said to come back later).
    Unknown { why: String, sent: bool, server_error: bool, retry_in: Duration },
}

impl Answer {
    fn unknown(why: String, sent: bool, server_error: bool, retry_in: Duration) -> Answer {
        Answer::Unknown { why, sent, server_error, retry_in }
    }
}

/// The final, definite outcome of an op.
#[derive(Debug)]
pub enum Outcome {
    Acked(CommandResult),
    Refused,
}

#[derive(Debug)]
pub struct Done {
    pub op: Op,
    pub outcome: Outcome,
}

/// The server the workers talk to.
pub struct Api {
    pub http: reqwest::Client,
    pub base: String,
    pub token: String,
}

impl Api {
    /// Sends `op` once.
    pub async fn send(&self, op: &Op) -> Answer {
        let response = self
            .http
            .post(format!("{}/v1/commands/{}", self.base, op.command))
            .bearer_auth(&self.token)
            .header("Idempotency-Key", &op.key)
            .json(&op.body)
            .send()
            .await;
        let response = match response {
            Ok(r) => r,
            Err(e) => return Answer::unknown(format!("{e:?}"), !e.is_connect(), false, DOWN_RETRY),
        };
        let status = response.status().as_u16();
        let body = match response.bytes().await {
            Ok(b) => b,
            Err(e) => return Answer::unknown(format!("{status}, body cut: {e}"), true, false, DOWN_RETRY),
        };
        if (200..300).contains(&status) {
            return match serde_json::from_slice(&body) {
                Ok(result) => Answer::Acked(result),
                Err(e) => Answer::unknown(format!("{status}, unreadable: {e}"), true, false, DOWN_RETRY),
            };
        }
        let problem: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
        let code = problem["code"].as_str().unwrap_or("").to_string();
        let why = format!("{status} {}", String::from_utf8_lossy(&body));
        match status {
            // The key's first request died with its process: its lease lapses
            // within a second, then a retry takes the key over.
            409 if code == "IDEMPOTENCY_IN_PROGRESS" => Answer::unknown(why, false, false, IN_PROGRESS_RETRY),
            503 => Answer::unknown(why, false, false, DOWN_RETRY),
            500.. => Answer::unknown(why, true, true, DOWN_RETRY),
            _ => Answer::Refused(status, code),
        }
    }
}

/// Counters of one worker (or all).
#[derive(Debug, Default)]
pub struct Stats {
    pub refused: usize,
    /// Requests that may have reached the server and got no answer.
    pub cut_off: usize,
    /// 409 `IDEMPOTENCY_IN_PROGRESS` answers: a key claimed by a killed process.
    pub in_progress: usize,
    /// Attempts after the first, of any op.
    pub retries: usize,
    /// Ops whose first attempt had no definite answer and that got one later.
    pub resolved_after_unknown: usize,
    /// Of those, the ones whose first answer was a replay: the command had
    /// executed, and its answer was lost with the process.
    pub lost_answers: usize,
    /// 5xx other than 503 (a bug): command, key, answer.
    pub server_errors: Vec<String>,
    /// Refusals other than insufficient funds, or a fresh key answered as a replay.
    pub unexpected: Vec<String>,
}

impl Stats {
    pub fn add(&mut self, other: &Stats) {
        self.refused += other.refused;
        self.cut_off += other.cut_off;
        self.in_progress += other.in_progress;
        self.retries += other.retries;
        self.resolved_after_unknown += other.resolved_after_unknown;
        self.lost_answers += other.lost_answers;
        self.server_errors.extend(other.server_errors.iter().cloned());
        self.unexpected.extend(other.unexpected.iter().cloned());
    }
}

pub struct WorkerReport {
    pub done: Vec<Done>,
    pub stats: Stats,
}

/// An op waiting for a retry.
struct Pending {
    op: Op,
    due: Instant,
    attempts: usize,
}

/// Pause before retrying an op whose request got no answer (the server is
/// likely down); the worker pauses as long before its next request.
const DOWN_RETRY: Duration = Duration::from_millis(25);
/// Pause before retrying an op whose key is still in progress; the worker
/// sends new ops meanwhile.
const IN_PROGRESS_RETRY: Duration = Duration::from_millis(200);
/// A worker starts no new op while this many wait for a retry.
const MAX_PENDING: usize = 4;
/// How long a worker may take to settle its pending ops once the kills are over.
const DRAIN_LIMIT: Duration = Duration::from_secs(90);

pub struct Worker {
    id: usize,
    rng: Rng,
    api: Arc<Api>,
    wallets: Arc<Vec<String>>,
    in_flight: Arc<AtomicUsize>,
    pending: VecDeque<Pending>,
    /// Hold follow-ups (review, then settle or release), sent before new ops.
    follow_ups: VecDeque<Op>,
    report: WorkerReport,
}

impl Worker {
    pub fn new(id: usize, seed: u64, api: Arc<Api>, wallets: Arc<Vec<String>>, in_flight: Arc<AtomicUsize>) -> Worker {
        Worker {
            id,
            rng: Rng::new(seed),
            api,
            wallets,
            in_flight,
            pending: VecDeque::new(),
            follow_ups: VecDeque::new(),
            report: WorkerReport { done: Vec::new(), stats: Stats::default() },
        }
    }

    /// Sends ops until `stop`, then retries its unanswered ops until each has
    /// a definite answer.
    pub async fn run(mut self, stop: Arc<AtomicBool>) -> WorkerReport {
        while !stop.load(Ordering::SeqCst) {
            let now = Instant::now();
            let next = match self.pending.front() {
                Some(p) if p.due <= now => self.pending.pop_front().unwrap(),
                Some(p) if self.pending.len() >= MAX_PENDING => {
                    tokio::time::sleep(p.due - now).await;
                    continue;
                }
                _ => {
                    let op = match self.follow_ups.pop_front() {
                        Some(op) => op,
                        None => self.new_op(),
                    };
                    Pending { op, due: now, attempts: 0 }
                }
            };
            self.attempt(next).await;
        }
        let deadline = Instant::now() + DRAIN_LIMIT;
        while let Some(p) = self.pending.pop_front() {
            assert!(
                Instant::now() < deadline,
                "worker {}: {} key {} still has no definite answer after {} attempts",
                self.id,
                p.op.command,
                p.op.key,
                p.attempts
            );
            tokio::time::sleep_until(p.due.into()).await;
            self.attempt(p).await;
        }
        self.report
    }

    fn new_op(&mut self) -> Op {
        let n = self.wallets.len() as u64;
        let from = self.rng.below(n) as usize;
        let cents = 1 + self.rng.below(5_000) as i64;
        let amount = decimal(cents);
        if self.rng.below(10) < 6 {
            let to = (from + 1 + self.rng.below(n - 1) as usize) % n as usize;
            let body = json!({"from_wallet_id": self.wallets[from], "to_wallet_id": self.wallets[to],
                              "amount": amount, "reference": format!("crash-w{}", self.id)});
            Op::new("transfer", body, cents)
        } else {
            let body = json!({"wallet_id": self.wallets[from], "amount": amount, "provider": "sandbox"});
            Op::new("reserve_payout", body, cents)
        }
    }

    async fn attempt(&mut self, mut p: Pending) {
        if p.attempts > 0 {
            self.report.stats.retries += 1;
        }
        p.attempts += 1;
        self.in_flight.fetch_add(1, Ordering::SeqCst);
        let answer = self.api.send(&p.op).await;
        self.in_flight.fetch_sub(1, Ordering::SeqCst);
        let stats = &mut self.report.stats;
        let outcome = match answer {
            Answer::Unknown { why, sent, server_error, retry_in } => {
                if sent {
                    stats.cut_off += 1;
                }
                if retry_in == IN_PROGRESS_RETRY {
                    stats.in_progress += 1;
                }
                if server_error {
                    stats.server_errors.push(format!("{} key {}: {why}", p.op.command, p.op.key));
                }
                p.due = Instant::now() + retry_in;
                self.pending.push_back(p);
                if retry_in == DOWN_RETRY {
                    tokio::time::sleep(DOWN_RETRY).await;
                }
                return;
            }
            Answer::Acked(result) => {
                if p.attempts > 1 {
                    stats.resolved_after_unknown += 1;
                    stats.lost_answers += usize::from(result.replayed);
                } else if result.replayed {
                    stats.unexpected.push(format!("fresh {} key {} replayed: {result:?}", p.op.command, p.op.key));
                }
                self.follow_up(&p.op, &result);
                Outcome::Acked(result)
            }
            Answer::Refused(status, code) => {
                stats.refused += 1;
                if p.attempts > 1 {
                    stats.resolved_after_unknown += 1;
                }
                let may_refuse = matches!(p.op.command, "transfer" | "reserve_payout");
                if !(may_refuse && status == 422 && code == "INSUFFICIENT_FUNDS") {
                    stats.unexpected.push(format!("{} key {} refused {status} {code}", p.op.command, p.op.key));
                }
                Outcome::Refused
            }
        };
        self.report.done.push(Done { op: p.op, outcome });
    }

    /// After a reservation, half the holds go to review; each reviewed hold
    /// is settled or released. The others stay reserved (young, so no gate
    /// calls them stuck).
    fn follow_up(&mut self, op: &Op, result: &CommandResult) {
        let reason = format!("crash-w{}", self.id);
        match op.command {
            "reserve_payout" if self.rng.below(2) == 0 => {
                let hold = result.subject_id.clone().expect("hold id");
                let body = json!({"hold_id": hold, "reason": reason});
                self.follow_ups.push_back(Op::new("mark_manual_review", body, 0));
            }
            "mark_manual_review" => {
                let command = if self.rng.below(2) == 0 { "settle_hold" } else { "release_hold" };
                let body = json!({"hold_id": op.body["hold_id"], "reason": reason});
                self.follow_ups.push_back(Op::new(command, body, 0));
            }
            _ => {}
        }
    }
}
