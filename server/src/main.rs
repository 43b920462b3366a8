//! `ledgerdeck-server`. The HTTP API arrives with its own issue; for now the
//! binary can apply migrations to a database, which is also how an operator
//! checks that a database URL works.

use clap::{Parser, Subcommand};
use ledgerdeck_server::Store;

#[derive(Parser)]
#[command(name = "ledgerdeck-server", version, about = "The ledgerdeck wallet core")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Connects to the database and applies pending migrations.
    Migrate {
        /// `sqlite:<path>` or `postgres://…`.
        #[arg(long, env = "LEDGERDECK_DATABASE_URL")]
        database: String,
    },
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Migrate { database } => match Store::open(&database).await {
            Ok(store) => {
                store.close().await;
                println!("migrations applied");
                std::process::ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("ledgerdeck-server: cannot open {database}: {e}");
                std::process::ExitCode::FAILURE
            }
        },
    }
}
