//! `ledgerdeck smoke`: checks a server from the outside, in the order a
//! newcomer would debug it (it answers, it is ready, it knows the token, the
//! token's role can read, the event stream flows, the clocks agree), and
//! says plainly what is wrong and what to do about it. Expectations
//! (`--expect-provider`, `--expect-gates-green`, `--expect-worker`) add
//! required checks of what a deploy needs.

mod expect;

pub use expect::Expectations;

use crate::config::Profile;
use crate::credentials::Tokens;
use chrono::{DateTime, Utc};
use ledgerdeck_client::{ApiClient, ClientConfig, ClientError, ComponentState, ConnectionState, StreamItem};
use std::fmt::Write as _;
use std::process::ExitCode;
use std::time::{Duration, Instant};

/// How far the server's clock may be from this machine's.
pub const CLOCK_TOLERANCE: Duration = Duration::from_secs(30);

/// How one check came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// It passed.
    Pass,
    /// It failed.
    Fail,
    /// It could not run because an earlier check failed.
    Skip,
}

/// One check and what it found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    /// A short name: `livez`, `readyz`, `auth`, `role`, `events`, `worker`,
    /// `provider`, `gates`, `clock`.
    pub name: &'static str,
    /// How it came out.
    pub outcome: Outcome,
    /// What was found, and on failure what to do.
    pub detail: String,
}

/// Every check made, in order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// The checks.
    pub checks: Vec<Check>,
}

impl Report {
    /// Whether every check passed (a skipped one does not).
    pub fn passed(&self) -> bool {
        !self.checks.is_empty() && self.checks.iter().all(|c| c.outcome == Outcome::Pass)
    }

    /// The check called `name`, if it was made.
    pub fn check(&self, name: &str) -> Option<&Check> {
        self.checks.iter().find(|c| c.name == name)
    }

    /// One line per check, then a summary line.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let width = self.checks.iter().map(|c| c.name.len() + 1).max().unwrap_or(0).max(7);
        for check in &self.checks {
            let mark = match check.outcome {
                Outcome::Pass => "✓",
                Outcome::Fail => "✗",
                Outcome::Skip => "-",
            };
            let _ = writeln!(out, "{mark} {:<width$}{}", check.name, check.detail);
        }
        let failed = self.checks.iter().filter(|c| c.outcome != Outcome::Pass).count();
        if failed == 0 {
            out.push_str("all checks passed\n");
        } else {
            let _ = writeln!(out, "{failed} of {} checks did not pass", self.checks.len());
        }
        out
    }

    fn push(&mut self, name: &'static str, outcome: Outcome, detail: impl Into<String>) {
        self.checks.push(Check { name, outcome, detail: detail.into() });
    }
}

/// What the checks may wait for.
#[derive(Debug, Clone)]
pub struct Options {
    /// How long to wait for the first event on the stream (the server sends
    /// a heartbeat every 10 s by default).
    pub stream_wait: Duration,
    /// The deadline of each request.
    pub request_timeout: Duration,
    /// Whether to compare the server's clock with this machine's.
    pub check_clock: bool,
    /// What the deploy expects beyond the basic checks.
    pub expect: Expectations,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            stream_wait: Duration::from_secs(12),
            request_timeout: Duration::from_secs(5),
            check_clock: true,
            expect: Expectations::default(),
        }
    }
}

fn client(url: &str, token: Option<&str>, options: &Options) -> Result<ApiClient, ClientError> {
    let mut config = ClientConfig::new(url);
    config.token = token.map(str::to_string);
    config.request_timeout = options.request_timeout;
    config.connect_timeout = options.request_timeout.min(Duration::from_secs(3));
    // A smoke check reports what it sees: no retries hiding a flaky answer.
    config.get_attempts = 1;
    config.stream_backoff = Duration::from_millis(200);
    config.stream_backoff_max = Duration::from_secs(1);
    ApiClient::new(config)
}

/// The advice for a refused token.
fn token_advice() -> &'static str {
    "make one with `ledgerdeck-server token create --name NAME --role operator --database <the server's database>`, \
     then set LEDGERDECK_TOKEN or run `ledgerdeck login`"
}

/// Runs every check against the server at `url`, with `token` if there is one.
pub async fn run(url: &str, token: Option<&str>, options: &Options) -> Report {
    let mut report = Report::default();
    let anonymous = match client(url, None, options) {
        Ok(client) => client,
        Err(e) => {
            report.push(
                "livez",
                Outcome::Fail,
                format!("{url} is not a server URL ({e}): use e.g. http://127.0.0.1:8080"),
            );
            return report;
        }
    };

    // 1. Something answers.
    match anonymous.livez().await {
        Ok(()) => report.push("livez", Outcome::Pass, format!("the server answers at {url}")),
        Err(e) if e.is_transport() => {
            report.push(
                "livez",
                Outcome::Fail,
                format!("nothing answers at {url}: is the server running? wrong port? ({e})"),
            );
            return report;
        }
        Err(e) => {
            report.push(
                "livez",
                Outcome::Fail,
                format!("something answers at {url} but not as a ledgerdeck server: {e}; is this the right URL?"),
            );
            return report;
        }
    }

    // 2. Ready for money.
    match anonymous.readyz().await {
        Ok(()) => report.push("readyz", Outcome::Pass, "the server is ready (database reachable and migrated)"),
        Err(e) => {
            let why = match anonymous.healthz().await {
                Ok(health) => {
                    let down: Vec<String> = health
                        .components
                        .iter()
                        .filter(|c| c.state != ComponentState::Ok)
                        .map(|c| {
                            let state = if c.state == ComponentState::Down { "down" } else { "degraded" };
                            format!("{} is {state} ({})", c.name, c.detail)
                        })
                        .collect();
                    if down.is_empty() { e.to_string() } else { down.join("; ") }
                }
                Err(health) => format!("{e}; /healthz: {health}"),
            };
            report.push(
                "readyz",
                Outcome::Fail,
                format!("the server is not ready: {why}; check its database and its log (it may be draining)"),
            );
        }
    }

    // 3. Authentication: refused without the token, accepted with it.
    let commands = match token {
        None => {
            report.push(
                "auth",
                Outcome::Fail,
                "no token: set LEDGERDECK_TOKEN or run `ledgerdeck login` (a token comes from \
                 `ledgerdeck-server token create`)",
            );
            None
        }
        Some(token) => match anonymous.commands().await {
            Ok(_) => {
                report.push(
                    "auth",
                    Outcome::Fail,
                    "the server answers /v1/commands without a token: it must refuse with 401; \
                     is something in front of it answering?",
                );
                None
            }
            Err(e) if e.status() != Some(401) => {
                report.push(
                    "auth",
                    Outcome::Fail,
                    format!("a request without a token should be refused with 401, got: {e}"),
                );
                None
            }
            Err(_) => match client(url, Some(token), options) {
                Err(e) => {
                    report.push("auth", Outcome::Fail, format!("the token cannot be sent ({e}): {}", token_advice()));
                    None
                }
                Ok(authed) => {
                    let answer = authed.commands().await;
                    match &answer {
                        Err(e) if e.status() == Some(401) => {
                            report.push("auth", Outcome::Fail, format!("the token is refused: {}", token_advice()));
                            None
                        }
                        Err(e) if e.status() != Some(403) => {
                            report.push("auth", Outcome::Fail, format!("the request with the token failed: {e}"));
                            None
                        }
                        _ => {
                            report.push("auth", Outcome::Pass, "refused without a token (401), accepted with it");
                            Some((authed, answer))
                        }
                    }
                }
            },
        },
    };

    // 4. The token's role can read; 5. the event stream flows.
    let authed = match commands {
        None => {
            report.push("role", Outcome::Skip, "skipped: needs an accepted token");
            report.push("events", Outcome::Skip, "skipped: needs an accepted token");
            None
        }
        Some((authed, answer)) => {
            match answer {
                Ok(list) => report.push(
                    "role",
                    Outcome::Pass,
                    format!("GET /v1/commands works ({} commands offered)", list.len()),
                ),
                Err(e) => report.push(
                    "role",
                    Outcome::Fail,
                    format!("the token's role may not read ({e}): make a token with the viewer role or higher"),
                ),
            }
            let (outcome, detail) = first_event(&authed, options.stream_wait).await;
            report.push("events", outcome, detail);
            Some(authed)
        }
    };

    // 6. What the deploy expects.
    expect::check(&options.expect, &anonymous, authed.as_ref(), &mut report).await;

    // 7. The clocks agree.
    if options.check_clock {
        let (outcome, detail) = clock(url, options).await;
        report.push("clock", outcome, detail);
    }
    report
}

/// Waits for the first event on the stream.
async fn first_event(client: &ApiClient, wait: Duration) -> (Outcome, String) {
    let mut subscription = client.events(None);
    let started = Instant::now();
    let deadline = tokio::time::Instant::now() + wait;
    let mut last_error: Option<ClientError> = None;
    loop {
        match tokio::time::timeout_at(deadline, subscription.next()).await {
            Ok(Some(StreamItem::Event(event))) if event.kind == ledgerdeck_client::events::ACCESS_REVOKED => {}
            Ok(Some(StreamItem::State(ConnectionState::AccessEnded { reason }))) => {
                return (
                    Outcome::Fail,
                    format!(
                        "the server ended the event stream's access ({reason}): the token was revoked or has \
                         expired; {}",
                        token_advice()
                    ),
                );
            }
            Ok(Some(StreamItem::Event(event))) => {
                return (
                    Outcome::Pass,
                    format!(
                        "the stream is live: a {} event arrived after {} ms",
                        event.kind,
                        started.elapsed().as_millis()
                    ),
                );
            }
            Ok(Some(StreamItem::State(ConnectionState::Reconnecting { error, .. }))) => last_error = Some(error),
            Ok(Some(StreamItem::State(_))) => {}
            Ok(None) => return (Outcome::Fail, "the event stream stopped unexpectedly".into()),
            Err(_) => {
                let detail = match last_error {
                    Some(e) => format!("cannot follow GET /v1/events: {e}"),
                    None => format!(
                        "no event within {} s on GET /v1/events: is a proxy buffering text/event-stream? \
                         (the server sends a heartbeat every 10 s by default)",
                        wait.as_secs()
                    ),
                };
                return (Outcome::Fail, detail);
            }
        }
    }
}

/// Compares the server's `Date` header with this machine's clock.
async fn clock(url: &str, options: &Options) -> (Outcome, String) {
    let http = match reqwest::Client::builder()
        .timeout(options.request_timeout)
        .redirect(reqwest::redirect::Policy::none())
        .build()
    {
        Ok(http) => http,
        Err(e) => return (Outcome::Fail, format!("cannot build an HTTP client: {e}")),
    };
    let livez = format!("{}/livez", url.trim().trim_end_matches('/'));
    let answer = match http.get(&livez).send().await {
        Ok(answer) => answer,
        Err(e) => return (Outcome::Fail, format!("cannot read the server's clock: {e}")),
    };
    let local = Utc::now();
    let Some(date) = answer.headers().get(reqwest::header::DATE).and_then(|d| d.to_str().ok()) else {
        return (Outcome::Fail, "the server sent no Date header; cannot compare clocks".into());
    };
    let Ok(server) = DateTime::parse_from_rfc2822(date) else {
        return (Outcome::Fail, format!("the server's Date header {date:?} cannot be read"));
    };
    let skew = server.with_timezone(&Utc) - local;
    let seconds = skew.num_seconds();
    if seconds.unsigned_abs() <= CLOCK_TOLERANCE.as_secs() {
        (Outcome::Pass, format!("the server's clock is within {} s of this machine's", CLOCK_TOLERANCE.as_secs()))
    } else {
        let way = if seconds > 0 { "ahead of" } else { "behind" };
        (
            Outcome::Fail,
            format!(
                "the server's clock is {} s {way} this machine's: sync both with NTP \
                 (webhook signatures and timestamps depend on it)",
                seconds.unsigned_abs()
            ),
        )
    }
}

/// `ledgerdeck smoke`: the profile's server and token, every check printed,
/// exit code 0 when all pass and 1 otherwise.
pub fn main(profile: &Profile, tokens: &Tokens, options: &Options) -> ExitCode {
    let token = match tokens.load(&profile.name) {
        Ok(token) => token.map(|t| t.secret),
        Err(e) => {
            eprintln!("ledgerdeck: {e}");
            None
        }
    };
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("ledgerdeck: cannot start: {e}");
            return ExitCode::FAILURE;
        }
    };
    println!("smoke-checking {}", profile.url);
    let report = runtime.block_on(run(&profile.url, token.as_deref(), options));
    print!("{}", report.render());
    if report.passed() { ExitCode::SUCCESS } else { ExitCode::FAILURE }
}
