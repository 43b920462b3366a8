//! `ledgerdeck`, the operations cockpit: `ledgerdeck [--profile NAME | --server URL]`
//! opens it; `ledgerdeck login` stores a token; `ledgerdeck logout` removes it;
//! `ledgerdeck smoke` checks a server and says plainly what is wrong;
//! `ledgerdeck keys` prints the keys in force; `ledgerdeck export KIND` writes
//! an export of the server's to a file.

use clap::{Parser, Subcommand};
use ledgerdeck_client::{ApiClient, ClientConfig};
use ledgerdeck_tui::app::{App, Session};
use ledgerdeck_tui::config::{self, Config, Profile};
use ledgerdeck_tui::credentials::{Token, TokenSource, Tokens};
use ledgerdeck_tui::fetch::ApiFetcher;
use ledgerdeck_tui::keys::{Keymap, Overrides};
use ledgerdeck_tui::login::{self, Verified};
use ledgerdeck_tui::runtime;
use ledgerdeck_tui::session_log::files::{DEFAULT_KEEP_DAYS, SessionFiles};
use ledgerdeck_tui::smoke;
use ledgerdeck_tui::state;
use ledgerdeck_tui::theme::{ColorMode, Theme};
use std::io::IsTerminal;
use std::process::ExitCode;

#[derive(Debug, Parser)]
#[command(name = "ledgerdeck", version, about = "The ledgerdeck operations cockpit")]
struct Cli {
    /// The profile to use (from the config file).
    #[arg(long, global = true, env = "LEDGERDECK_PROFILE")]
    profile: Option<String>,
    /// A server URL, without a profile or overriding the profile's.
    #[arg(long, global = true)]
    server: Option<String>,
    /// Where the cockpit's own log goes (default: `<state dir>/ledgerdeck.log`;
    /// the terminal is the cockpit's, so nothing is written to stderr).
    #[arg(long, global = true, value_name = "PATH")]
    log_file: Option<std::path::PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Ask for an API token, verify it and store it in the OS credential store;
    /// with `--sso`, sign in at the identity provider instead.
    Login(LoginArgs),
    /// Remove the profile's stored token.
    Logout,
    /// Print the keys in force: the defaults with `config.toml`'s `[keys]` applied.
    Keys,
    /// Export records (statement, transactions, holds, findings, audit,
    /// accounts) with a filter, as CSV or JSON lines, to a file or `-`.
    Export(Box<ledgerdeck_tui::export_cli::ExportArgs>),
    /// Run an embedded server with simulated traffic and open the cockpit on it.
    #[cfg(feature = "demo")]
    Demo {
        /// Makes the simulator's and the sandbox's choices reproducible.
        #[arg(long, default_value_t = 7)]
        seed: u64,
    },
    /// Check a server: probes, readiness, auth, role, event stream and clock,
    /// and what the deploy expects.
    Smoke {
        /// Seconds to wait for the first event on the stream.
        #[arg(long, default_value_t = 12)]
        wait: u64,
        /// Require this payout provider to be configured and reachable (repeatable).
        #[arg(long = "expect-provider", value_name = "NAME")]
        expect_provider: Vec<String>,
        /// Require every reconciliation gate to be green (needs a token).
        #[arg(long)]
        expect_gates_green: bool,
        /// Require at least one live payout saga worker.
        #[arg(long)]
        expect_worker: bool,
    },
}

/// `ledgerdeck login`'s flags.
#[derive(Debug, clap::Args)]
struct LoginArgs {
    /// Sign in with single sign-on (OAuth device flow): shows a URL and a
    /// code, waits, and stores the server's session token.
    #[arg(long)]
    sso: bool,
    /// The OIDC issuer URL (else the profile's `sso.issuer`).
    #[arg(long, requires = "sso")]
    sso_issuer: Option<String>,
    /// The OAuth client id (else the profile's `sso.client_id`).
    #[arg(long, requires = "sso")]
    sso_client_id: Option<String>,
    /// The OAuth client secret, if the provider wants one (Google does).
    #[arg(long, env = "LEDGERDECK_SSO_CLIENT_SECRET", hide_env_values = true)]
    sso_client_secret: Option<String>,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let path = config::config_path();
    // The keys are checked first: a config that gives a key two meanings is
    // refused before anything starts, with the line named.
    let keymap = match load_keymap(&path) {
        Ok(keymap) => keymap,
        Err(e) => return fail(&e),
    };
    #[cfg(feature = "demo")]
    if let Some(Command::Demo { seed }) = cli.command {
        if let Err(e) = log_to_file(cli.log_file.as_deref()) {
            return fail(&e);
        }
        return report(ledgerdeck_tui::demo::run(seed, keymap));
    }
    if let Some(Command::Keys) = cli.command {
        print!("{}", keymap.describe());
        return ExitCode::SUCCESS;
    }
    let config = match Config::load(&path) {
        Ok(config) => config,
        Err(e) => return fail(&e.to_string()),
    };
    let profile = match config.resolve(cli.profile.as_deref(), cli.server.as_deref(), &path, &config::current_user()) {
        Ok(profile) => profile,
        Err(e) => return fail(&e.to_string()),
    };
    let bulk = config.bulk_concurrency().unwrap_or(ledgerdeck_tui::bulk::DEFAULT_CONCURRENCY);
    let tokens = Tokens::platform();
    if let Some(Command::Smoke { wait, expect_provider, expect_gates_green, expect_worker }) = &cli.command {
        let options = smoke::Options {
            stream_wait: std::time::Duration::from_secs(*wait),
            expect: smoke::Expectations {
                providers: expect_provider.clone(),
                gates_green: *expect_gates_green,
                worker: *expect_worker,
            },
            ..smoke::Options::default()
        };
        return smoke::main(&profile, &tokens, &options);
    }
    let outcome = match cli.command {
        Some(Command::Login(args)) if args.sso => sso_login(&profile, &config, &tokens, &args),
        Some(Command::Login(_)) => {
            login::login(&profile, &tokens, |p| rpassword::prompt_password(p), verify).map_err(|e| e.to_string())
        }
        Some(Command::Logout) => login::logout(&profile, &tokens).map_err(|e| e.to_string()),
        Some(Command::Export(args)) => {
            token(&profile, &tokens).and_then(|t| ledgerdeck_tui::export_cli::run(&profile.url, &t.secret, &args))
        }
        #[cfg(feature = "demo")]
        Some(Command::Demo { .. }) => unreachable!("the demo is run before profiles are read"),
        Some(Command::Smoke { .. } | Command::Keys) => unreachable!("handled above"),
        None => {
            let keep_days = config.session_log.keep_days;
            cockpit(profile, &tokens, keymap, bulk, keep_days, cli.log_file.as_deref()).map(|()| String::new())
        }
    };
    report(outcome)
}

/// Sends the cockpit's tracing to `path` (or the default log file).
fn log_to_file(path: Option<&std::path::Path>) -> Result<(), String> {
    let path = path.map_or_else(state::default_log_file, std::path::Path::to_path_buf);
    state::init_log_file(&path).map_err(|e| format!("cannot open the log file {}: {e}", path.display()))
}

/// The session log's day files, with those past `keep_days` removed now.
fn session_files(keep_days: Option<u32>) -> SessionFiles {
    let files = SessionFiles::in_state_dir(keep_days.unwrap_or(DEFAULT_KEEP_DAYS));
    match files.purge(chrono::Utc::now().date_naive()) {
        Ok(removed) if !removed.is_empty() => tracing::info!(count = removed.len(), "removed old session logs"),
        Ok(_) => {}
        Err(e) => tracing::warn!(dir = %files.dir().display(), error = %e, "cannot remove old session logs"),
    }
    files
}

/// The keys in force: the defaults with the config file's `[keys]` applied.
fn load_keymap(path: &std::path::Path) -> Result<Keymap, String> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
    };
    let at = |line: usize| format!("{}:{line}", path.display());
    let overrides = Overrides::parse(&text).map_err(|e| format!("{}: {}", at(e.line), e.message))?;
    ledgerdeck_tui::app::keymap(&overrides).map_err(|e| match e.line {
        Some(line) => format!("{}: {}", at(line), e.message),
        None => format!("{}: {}", path.display(), e.message),
    })
}

fn report(outcome: Result<String, String>) -> ExitCode {
    match outcome {
        Ok(said) if said.is_empty() => ExitCode::SUCCESS,
        Ok(said) => {
            println!("{said}");
            ExitCode::SUCCESS
        }
        Err(e) => fail(&e),
    }
}

fn fail(message: &str) -> ExitCode {
    eprintln!("ledgerdeck: {message}");
    ExitCode::FAILURE
}

/// Checks a token against the server: a read every role may make.
fn verify(url: &str, token: &str) -> Result<Verified, String> {
    let client = api_client(url, token)?;
    let runtime = tokio::runtime::Runtime::new().map_err(|e| e.to_string())?;
    match runtime.block_on(client.commands()) {
        Ok(_) => Ok(Verified::Accepted(format!("the server at {url} accepted the token"))),
        Err(e) if e.is_transport() => Err(format!("cannot reach {url}: {e}")),
        Err(e) => Err(format!("the server at {url} refused the token: {e}")),
    }
}

fn api_client(url: &str, token: &str) -> Result<ApiClient, String> {
    ApiClient::new(ClientConfig::new(url).with_token(token)).map_err(|e| e.to_string())
}

/// `ledgerdeck login --sso`: the device flow, then the session token stored.
fn sso_login(profile: &Profile, config: &Config, tokens: &Tokens, args: &LoginArgs) -> Result<String, String> {
    use ledgerdeck_tui::sso;
    let settings = sso::settings(
        config.sso(&profile.name),
        args.sso_issuer.as_deref(),
        args.sso_client_id.as_deref(),
        args.sso_client_secret.as_deref(),
    )?;
    let runtime = tokio::runtime::Runtime::new().map_err(|e| e.to_string())?;
    let options = sso::flow::FlowOptions::default();
    runtime
        .block_on(sso::login(profile, &settings, tokens, &options, |auth| eprintln!("{}", sso::instructions(auth))))
        .map_err(|e| e.to_string())
}

/// The profile's token: environment, credential store, else asked for now.
fn token(profile: &Profile, tokens: &Tokens) -> Result<Token, String> {
    match tokens.load(&profile.name) {
        Ok(Some(token)) => return Ok(token),
        Ok(None) => eprintln!("ledgerdeck: no token stored for {}; `ledgerdeck login` stores one", profile.name),
        Err(e) => eprintln!("ledgerdeck: {e}"),
    }
    let secret = rpassword::prompt_password(format!("API token for {} (this session only): ", profile.name))
        .map_err(|e| format!("cannot read the token: {e}"))?;
    let secret = secret.trim().to_string();
    if secret.is_empty() {
        return Err("no token given".into());
    }
    Ok(Token { secret, source: TokenSource::Prompt })
}

fn cockpit(
    profile: Profile,
    tokens: &Tokens,
    keymap: Keymap,
    bulk: usize,
    keep_days: Option<u32>,
    log_file: Option<&std::path::Path>,
) -> Result<(), String> {
    if !std::io::stdout().is_terminal() {
        return Err("the cockpit needs a terminal".into());
    }
    log_to_file(log_file)?;
    let token = token(&profile, tokens)?;
    let client = api_client(&profile.url, &token.secret)?;
    let mode = ColorMode::from_env();
    let theme = Theme::builtin(&profile.theme, mode).or_else(|e| {
        eprintln!("ledgerdeck: {e}; using {}", config::DEFAULT_THEME);
        Theme::builtin(config::DEFAULT_THEME, mode)
    });
    let theme = theme.map_err(|e| e.to_string())?;
    let session = Session {
        profile: profile.name.clone(),
        operator: profile.operator.clone(),
        read_only: profile.read_only,
        production: profile.production,
        role: profile.role,
    };
    let app = App::new(session, theme, mode, chrono::Utc::now())
        .with_keymap(keymap)
        .with_role_ceiling(profile.role_ceiling)
        .with_bulk_concurrency(bulk);
    let runtime = tokio::runtime::Runtime::new().map_err(|e| e.to_string())?;
    let files = session_files(keep_days);
    runtime.block_on(runtime::run_with(app, ApiFetcher::new(client), Some(files))).map_err(|e| e.to_string())
}
