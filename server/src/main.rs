//! `ledgerdeck-server`: serve the API, manage operator tokens, apply
//! migrations, print the OpenAPI document.

use clap::{Parser, Subcommand, ValueEnum};
use ledgerdeck_server::api::ApiConfig;
use ledgerdeck_server::saga::{Providers, Saga, SagaConfig};
use ledgerdeck_server::serve::{ServeOptions, default_database_url, run};
use ledgerdeck_server::store::{self, Store};
use ledgerdeck_server::{LedgerConfig, access};
use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

mod cli;

use cli::workers::{GateArgs, SagaArgs, WebhookArgs};

#[derive(Parser)]
#[command(name = "ledgerdeck-server", version, about = "The ledgerdeck wallet core and its REST API")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Args, Clone)]
struct DatabaseArg {
    /// `sqlite:<path>` or `postgres://…` (default: a SQLite file in the user's data directory).
    #[arg(long, env = "LEDGERDECK_DATABASE_URL")]
    database: Option<String>,
}

impl DatabaseArg {
    fn url(&self) -> String {
        self.database.clone().unwrap_or_else(default_database_url)
    }
}

#[derive(Clone, Copy, ValueEnum)]
enum LogFormat {
    Text,
    Json,
}

// Parsed once at start; boxing the big variant would only add noise.
#[allow(clippy::large_enum_variant)]
#[derive(Subcommand)]
enum Command {
    /// Serves the REST API until SIGTERM or Ctrl-C, then drains and stops.
    Serve {
        /// Address to listen on.
        #[arg(long, env = "LEDGERDECK_LISTEN", default_value = "127.0.0.1:8080")]
        listen: SocketAddr,
        #[command(flatten)]
        database: DatabaseArg,
        /// How long completed idempotency keys are kept and replayed, in hours.
        #[arg(long, env = "LEDGERDECK_IDEMPOTENCY_RETENTION_HOURS", default_value_t = 24)]
        idempotency_retention_hours: u64,
        /// How long a request waits for its in-flight twin before 409, in milliseconds.
        #[arg(long, env = "LEDGERDECK_IN_FLIGHT_WAIT_MS", default_value_t = 2000)]
        in_flight_wait_ms: u64,
        /// How long a claimed idempotency key is held before a retry may take it over, in seconds.
        #[arg(long, env = "LEDGERDECK_IDEMPOTENCY_LEASE_SECS", default_value_t = 30)]
        idempotency_lease_secs: u64,
        /// How long a proposal waits for a second operator before it expires, in minutes.
        #[arg(long, env = "LEDGERDECK_APPROVAL_TTL_MINUTES", default_value_t = 24 * 60,
            value_parser = clap::value_parser!(u64).range(1..=30 * 24 * 60))]
        approval_ttl_minutes: u64,
        /// Largest request body accepted, in bytes.
        #[arg(long, env = "LEDGERDECK_BODY_LIMIT_BYTES", default_value_t = 64 * 1024)]
        body_limit_bytes: usize,
        /// Longest a request may take, in seconds.
        #[arg(long, env = "LEDGERDECK_REQUEST_TIMEOUT_SECS", default_value_t = 30)]
        request_timeout_secs: u64,
        /// Seconds between heartbeats on the event stream.
        #[arg(long, env = "LEDGERDECK_HEARTBEAT_SECS", default_value_t = 10)]
        heartbeat_secs: u64,
        /// How long changes are kept for event-stream resumption, in minutes;
        /// a client further behind is told to refetch (`reset`).
        #[arg(long, env = "LEDGERDECK_EVENTS_RETENTION_MINS", default_value_t = 60)]
        events_retention_mins: u64,
        /// Most event streams one token may hold open on this instance.
        #[arg(long, env = "LEDGERDECK_STREAMS_PER_TOKEN", default_value_t = 8)]
        streams_per_token: usize,
        /// Most records one export may have (EXPORT_TOO_LARGE past it).
        #[arg(long, env = "LEDGERDECK_EXPORT_MAX_ROWS", default_value_t = 5_000_000)]
        export_max_rows: u64,
        /// Widest `from`/`to` range of an export, in days (EXPORT_RANGE_TOO_WIDE past it).
        #[arg(long, env = "LEDGERDECK_EXPORT_MAX_DAYS", default_value_t = 366)]
        export_max_days: i64,
        /// Most exports this instance streams at once (TOO_MANY_EXPORTS past it);
        /// each holds a database connection while it streams.
        #[arg(long, env = "LEDGERDECK_EXPORTS_AT_ONCE", default_value_t = 2)]
        exports_at_once: usize,
        /// Log format.
        #[arg(long, env = "LEDGERDECK_LOG_FORMAT", value_enum, default_value = "text")]
        log_format: LogFormat,
        /// A payout provider's signing secret for its events, NAME=whsec_… (repeatable).
        #[arg(long = "provider-secret", env = "LEDGERDECK_PROVIDER_SECRETS", value_delimiter = ',')]
        provider_secrets: Vec<String>,
        #[command(flatten)]
        saga: SagaArgs,
        #[command(flatten)]
        webhooks: WebhookArgs,
        #[command(flatten)]
        gates: GateArgs,
        #[command(flatten)]
        sso: ledgerdeck_server::sso::flags::SsoArgs,
    },
    /// Runs only the payout saga worker (no HTTP) until SIGTERM or Ctrl-C.
    Worker {
        #[command(flatten)]
        database: DatabaseArg,
        #[command(flatten)]
        saga: SagaArgs,
    },
    /// Manages operator tokens.
    Token {
        #[command(subcommand)]
        action: TokenAction,
    },
    /// Applies pending migrations and exits.
    Migrate {
        #[command(flatten)]
        database: DatabaseArg,
    },
    /// Prints the OpenAPI document.
    Openapi,
}

#[derive(Subcommand)]
enum TokenAction {
    /// Makes a token and prints it once, alone on the last line.
    Create {
        /// The operator's name.
        #[arg(long)]
        name: String,
        /// viewer, operator or admin.
        #[arg(long)]
        role: String,
        /// How long it works: seconds, or with a unit (`30m`, `12h`, `90d`);
        /// left out, it never expires.
        #[arg(long)]
        expires_in: Option<String>,
        #[command(flatten)]
        database: DatabaseArg,
    },
    /// Lists tokens (never their secrets).
    List {
        #[command(flatten)]
        database: DatabaseArg,
    },
    /// Revokes every live token of an operator name, or one token by id.
    Revoke {
        /// Operator name or token id.
        name_or_id: String,
        #[command(flatten)]
        database: DatabaseArg,
    },
}

fn init_logs(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
}

/// Cancels `token` on SIGTERM or Ctrl-C.
fn cancel_on_signal(token: CancellationToken) {
    tokio::spawn(async move {
        let ctrl_c = tokio::signal::ctrl_c();
        #[cfg(unix)]
        {
            let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
                .expect("install the SIGTERM handler");
            tokio::select! {
                _ = ctrl_c => {}
                _ = term.recv() => {}
            }
        }
        #[cfg(not(unix))]
        let _ = ctrl_c.await;
        token.cancel();
    });
}

async fn open(database: &DatabaseArg) -> Result<Store, String> {
    let url = database.url();
    Store::open(&url).await.map_err(|e| format!("cannot open {url}: {e}"))
}

/// A stored time as RFC 3339, to the second.
fn when(micros: i64) -> String {
    chrono::DateTime::from_timestamp_micros(micros)
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .unwrap_or_default()
}

async fn token_command(action: TokenAction) -> Result<(), String> {
    let by = format!("cli:{}", std::env::var("USER").unwrap_or_else(|_| "unknown".into()));
    match action {
        TokenAction::Create { name, role, expires_in, database } => {
            let role = access::parse_role(&role).ok_or("--role must be viewer, operator or admin")?;
            let expires_at = match expires_in {
                Some(text) => {
                    let secs = access::parse_lifetime(&text)
                        .ok_or("--expires-in must be seconds or a number with s, m, h or d (e.g. 12h)")?;
                    Some(access::expiry_after(store::now_micros(), secs).map_err(|e| e.to_string())?)
                }
                None => None,
            };
            let store = open(&database).await?;
            let new = access::NewToken { expires_at, ..access::NewToken::named(&name, role) };
            let issued = access::issue_token(&store, &new, &by).await.map_err(|e| e.to_string());
            store.close().await;
            let (_, token) = issued?;
            let until = expires_at.map(|at| format!(", expires {}", when(at))).unwrap_or_default();
            println!("Token for {name} ({}{until}). It is shown once; store it now:", role.as_str());
            println!("{token}");
        }
        TokenAction::List { database } => {
            let store = open(&database).await?;
            let tokens = access::list_tokens(&store).await.map_err(|e| e.to_string())?;
            store.close().await;
            let now = store::now_micros();
            println!(
                "{:<14} {:<24} {:<9} {:<6} {:<26} {:<26} {:<26} state",
                "id", "name", "role", "via", "created", "expires", "last used"
            );
            for t in tokens {
                let or_dash = |at: Option<i64>| at.map(when).unwrap_or_else(|| "-".into());
                let state = match (t.revoked_at, t.is_live(now)) {
                    (Some(at), _) => format!("revoked {}", when(at)),
                    (None, false) => "expired".into(),
                    (None, true) => "live".into(),
                };
                println!(
                    "{:<14} {:<24} {:<9} {:<6} {:<26} {:<26} {:<26} {state}",
                    t.id,
                    t.name,
                    t.role.as_str(),
                    t.sign_in.as_str(),
                    when(t.created_at),
                    or_dash(t.expires_at),
                    or_dash(t.last_used_at),
                );
            }
        }
        TokenAction::Revoke { name_or_id, database } => {
            let store = open(&database).await?;
            let n = access::revoke_token(&store, &name_or_id, &by).await.map_err(|e| e.to_string())?;
            store.close().await;
            if n == 0 {
                return Err(format!("no live token named or with id {name_or_id:?}"));
            }
            println!("revoked {n} token(s)");
        }
    }
    Ok(())
}

fn fail(message: String) -> ExitCode {
    eprintln!("ledgerdeck-server: {message}");
    ExitCode::FAILURE
}

async fn run_worker(database: &DatabaseArg, providers: Providers, config: SagaConfig) -> Result<(), String> {
    let store = open(database).await?;
    let stop = CancellationToken::new();
    cancel_on_signal(stop.clone());
    let saga = Saga::new(store.clone(), providers, config);
    saga.run(stop).await;
    store.close().await;
    Ok(())
}

#[tokio::main]
async fn main() -> ExitCode {
    let outcome = match Cli::parse().command {
        Command::Serve {
            listen,
            database,
            idempotency_retention_hours,
            in_flight_wait_ms,
            idempotency_lease_secs,
            approval_ttl_minutes,
            body_limit_bytes,
            request_timeout_secs,
            heartbeat_secs,
            events_retention_mins,
            streams_per_token,
            export_max_rows,
            export_max_days,
            exports_at_once,
            log_format,
            provider_secrets,
            saga,
            webhooks,
            gates,
            sso,
        } => {
            let mut secrets = std::collections::HashMap::new();
            for pair in &provider_secrets {
                match pair.split_once('=') {
                    Some((name, secret)) if secret.starts_with("whsec_") => {
                        secrets.insert(name.to_string(), secret.to_string());
                    }
                    _ => return fail(format!("--provider-secret {pair:?} is not NAME=whsec_…")),
                }
            }
            init_logs(log_format);
            let options = ServeOptions {
                listen,
                database_url: database.url(),
                ledger: LedgerConfig {
                    idempotency_retention: Duration::from_secs(idempotency_retention_hours * 3600),
                    idempotency_lease: Duration::from_secs(idempotency_lease_secs),
                    in_flight_wait: Duration::from_millis(in_flight_wait_ms),
                    gates: gates.build(),
                    approval_ttl: Duration::from_secs(approval_ttl_minutes * 60),
                },
                api: ApiConfig {
                    body_limit: body_limit_bytes,
                    request_timeout: Duration::from_secs(request_timeout_secs),
                    heartbeat: Duration::from_secs(heartbeat_secs.max(1)),
                    events_retention: Duration::from_secs(events_retention_mins.max(1) * 60),
                    streams_per_token: streams_per_token.max(1),
                    provider_secrets: secrets,
                    export: ledgerdeck_server::queries::export::ExportConfig {
                        max_rows: export_max_rows,
                        max_days: export_max_days.max(1),
                        ..Default::default()
                    }
                    .at_once(exports_at_once),
                    ..ApiConfig::default()
                },
                saga: match saga.build() {
                    Ok(saga) => saga,
                    Err(e) => return fail(e),
                },
                delivery: match webhooks.build() {
                    Ok(delivery) => delivery,
                    Err(e) => return fail(e),
                },
                sso: match sso.config() {
                    Ok(sso) => sso,
                    Err(e) => return fail(e),
                },
            };
            let shutdown = CancellationToken::new();
            cancel_on_signal(shutdown.clone());
            run(options, shutdown).await.map_err(|e| e.to_string())
        }
        Command::Worker { database, saga } => {
            init_logs(LogFormat::Text);
            match saga.build() {
                Ok(Some((providers, config))) => run_worker(&database, providers, config).await,
                Ok(None) => Err("name at least one provider: --sandbox-provider NAME".into()),
                Err(e) => Err(e),
            }
        }
        Command::Token { action } => token_command(action).await,
        Command::Migrate { database } => open(&database).await.map(|_| println!("migrations applied")),
        Command::Openapi => match serde_json::to_string_pretty(&ledgerdeck_server::api::openapi()) {
            Ok(doc) => {
                println!("{doc}");
                Ok(())
            }
            Err(e) => Err(e.to_string()),
        },
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("ledgerdeck-server: {message}");
            ExitCode::FAILURE
        }
    }
}
