//! The cockpit's own log file: the client's warnings (a stream whose access
//! ended) and retries (a read against a server that is down) land in the
//! file the subscriber writes, not on the terminal.

use ledgerdeck_client::{ApiClient, ClientConfig, ConnectionState, StreamItem};
use ledgerdeck_tui::state;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tracing_subscriber::util::SubscriberInitExt;

/// A server that answers every request `401` with no body.
async fn refusing_server() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let mut buf = [0u8; 4096];
            let _ = socket.read(&mut buf).await;
            let _ =
                socket.write_all(b"HTTP/1.1 401 Unauthorized\r\ncontent-length: 0\r\nconnection: close\r\n\r\n").await;
        }
    });
    url
}

/// A port nothing listens on.
fn down_server() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    url
}

#[tokio::test]
async fn client_warnings_and_retries_land_in_the_log_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state").join("ledgerdeck.log");
    // Thread-local, and the test's runtime runs the client's tasks on this thread.
    let _guard = state::file_subscriber(&path, state::DEFAULT_FILTER).unwrap().set_default();

    let client = ApiClient::new(ClientConfig::new(refusing_server().await).with_token("ldk_a_b")).unwrap();
    let mut events = client.events(None);
    let ended = tokio::time::timeout(Duration::from_secs(10), async {
        while let Some(item) = events.next().await {
            if let StreamItem::State(ConnectionState::AccessEnded { .. }) = item {
                return true;
            }
        }
        false
    });
    assert!(ended.await.expect("the stream ends"), "a 401 ends the stream's access");

    let down = ApiClient::new(ClientConfig::new(down_server()).with_token("ldk_a_b")).unwrap();
    assert!(down.overview().await.is_err(), "nothing answers");

    let text = std::fs::read_to_string(&path).expect("the log file was written");
    let warning = text.lines().find(|l| l.contains("access ended")).unwrap_or_else(|| panic!("no warning in {text}"));
    assert!(warning.contains("WARN"), "{warning}");
    assert!(text.contains("read failed; retrying"), "the client's retries are logged too: {text}");
    assert!(!text.contains('\x1b'), "plain text, no colours: {text:?}");
}

#[test]
fn the_log_file_defaults_to_the_state_dir() {
    let default = state::default_log_file();
    assert!(default.ends_with("ledgerdeck.log"), "{}", default.display());
    assert_eq!(default.parent(), Some(state::state_dir().as_path()));
}
