//! A broken or hostile server that never ends a line, or an event, cannot
//! grow the client's memory: a plain TCP server speaks HTTP/1.1 and
//! `text/event-stream` and streams 100 MB from one small buffer; the client
//! yields `StreamTooLarge`, hangs up, and reconnects, while its peak memory
//! stays far below what was sent.

mod common;

use common::config;
use ledgerdeck_client::{ApiClient, ClientError, ConnectionState, StreamItem, StreamPart};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// What the hostile server sends.
const HOSTILE_BYTES: u64 = 100 * 1000 * 1000;
/// The most the client's peak memory may grow while it is sent.
const GROWTH_LIMIT: u64 = 32 << 20;
/// The memory tests measure the whole process: one at a time.
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

const HEAD: &[u8] = b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ncache-control: no-cache\r\n\r\n";

/// Serves `/v1/events`: the first connection gets `prefix`, then `unit`
/// repeated until [`HOSTILE_BYTES`] are sent or the client hangs up (the
/// body ends with the connection, so no length is needed); later ones get
/// one small event and stay open. Returns the base URL and how many body
/// bytes the first connection got out.
async fn hostile_server(prefix: &'static [u8], unit: Vec<u8>) -> (String, Arc<AtomicU64>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("address"));
    let sent = Arc::new(AtomicU64::new(0));
    let counter = sent.clone();
    tokio::spawn(async move {
        let chunk: Vec<u8> = unit.iter().copied().cycle().take(64 << 10).collect();
        for n in 0.. {
            let Ok((mut socket, _)) = listener.accept().await else { return };
            read_head(&mut socket).await;
            if socket.write_all(HEAD).await.is_err() {
                continue;
            }
            if n > 0 {
                let _ = socket.write_all(b"id: ok-1\nevent: heartbeat\ndata: {}\n\n").await;
                tokio::spawn(async move {
                    let _keep_open = socket;
                    std::future::pending::<()>().await;
                });
                continue;
            }
            let mut total = 0u64;
            if socket.write_all(prefix).await.is_ok() {
                while total < HOSTILE_BYTES && socket.write_all(&chunk).await.is_ok() {
                    total += chunk.len() as u64;
                    counter.store(total, Ordering::SeqCst);
                }
            }
        }
    });
    (base, sent)
}

/// Reads a request's head (a GET has no body).
async fn read_head(socket: &mut tokio::net::TcpStream) {
    let mut head = Vec::new();
    let mut buffer = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        match socket.read(&mut buffer).await {
            Ok(0) | Err(_) => return,
            Ok(n) => head.extend_from_slice(&buffer[..n]),
        }
    }
}

/// The process's peak resident memory in bytes (`VmHWM`), after resetting
/// the peak to the current size where the kernel allows it, so that the
/// peak of what follows is what the next reading shows.
fn reset_peak() -> u64 {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    peak()
}

fn peak() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).expect("VmHWM");
    let kib: u64 = line.split_whitespace().nth(1).and_then(|v| v.parse().ok()).expect("a number");
    kib * 1024
}

/// Follows the hostile server until the stream fails; returns the error,
/// checks it reconnects, and reports the memory peak's growth and the
/// bytes the server got out.
async fn oversized(prefix: &'static [u8], unit: &[u8]) -> (ClientError, u64, u64) {
    let (base, sent) = hostile_server(prefix, unit.to_vec()).await;
    let client = ApiClient::new(config(&base)).expect("client");
    let before = reset_peak();
    let mut events = client.events(None);
    let error = loop {
        let item = tokio::time::timeout(Duration::from_secs(60), events.next()).await.expect("an item").expect("alive");
        match item {
            StreamItem::State(ConnectionState::Reconnecting { error, .. }) => break error,
            StreamItem::State(_) => {}
            StreamItem::Event(event) => panic!("no event was complete: {event:?}"),
        }
    };
    let growth = peak().saturating_sub(before);
    let restarted = tokio::time::timeout(Duration::from_secs(5), events.next()).await.expect("reconnects");
    assert_eq!(restarted, Some(StreamItem::State(ConnectionState::Live)), "the stream restarts");
    let Some(StreamItem::Event(event)) = events.next().await else { panic!("the next connection's event") };
    assert_eq!(event.id.as_deref(), Some("ok-1"));
    (error, growth, sent.load(Ordering::SeqCst))
}

/// A 100 MB line without a newline is `StreamTooLarge` for a line at the
/// 1 MiB default, the client hangs up long before the end, and its peak
/// memory grows by far less than was sent.
#[tokio::test]
async fn a_100_mb_line_is_an_error_and_memory_stays_bounded() {
    let _one_at_a_time = SERIAL.lock().await;
    let (error, growth, sent) = oversized(b"data: ", b"x").await;
    println!("endless line: peak memory grew {growth} bytes; the server got {sent} bytes out");
    assert!(growth < GROWTH_LIMIT, "peak memory grew by {growth} bytes");
    assert_eq!(error, ClientError::StreamTooLarge { what: StreamPart::Line, limit: 1 << 20 });
    assert_eq!(error.to_string(), "the event stream sent a line over the limit of 1 MiB");
    assert!(sent < HOSTILE_BYTES, "the client read all {sent} bytes instead of hanging up");
}

/// An event made of many short `data:` lines, never ended by a blank line,
/// is `StreamTooLarge` for an event at the 4 MiB default, with memory
/// bounded the same way.
#[tokio::test]
async fn an_event_of_many_small_data_lines_is_an_error_and_memory_stays_bounded() {
    let _one_at_a_time = SERIAL.lock().await;
    let line = format!("data: {}\n", "y".repeat(1018));
    let (error, growth, sent) = oversized(b"event: hold.changed\n", line.as_bytes()).await;
    println!("endless event: peak memory grew {growth} bytes; the server got {sent} bytes out");
    assert!(growth < GROWTH_LIMIT, "peak memory grew by {growth} bytes");
    assert_eq!(error, ClientError::StreamTooLarge { what: StreamPart::Event, limit: 4 << 20 });
    assert!(sent < HOSTILE_BYTES, "the client read all {sent} bytes instead of hanging up");
}
