//! Render benchmark: the median time to draw each view at 160×48 (ratatui's
//! TestBackend, 200 frames each), and the bytes a redraw writes to a
//! crossterm terminal when nothing changed (the runtime skips it: zero).
//!
//! Run with `cargo bench -p ledgerdeck --bench render`. Without `--bench`
//! (as `cargo test --all-targets` runs it) it draws a few frames of each,
//! so that it cannot rot, and still checks that an unchanged redraw writes
//! nothing.

#[path = "../tests/fixtures/mod.rs"]
mod fixtures;

use fixtures::press;

use ledgerdeck_tui::app::App;
use ledgerdeck_tui::data::DataMsg;
use ledgerdeck_tui::runtime;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use std::time::{Duration, Instant};

/// Frames per view: 200 under `cargo bench`, a few as a test.
fn iterations() -> usize {
    if std::env::args().any(|a| a == "--bench") { 200 } else { 5 }
}
const SIZE: (u16, u16) = (160, 48);

fn views() -> Vec<(&'static str, App)> {
    let overview = fixtures::app("terminal", false, false);
    let mut gates = fixtures::app("terminal", false, false);
    press(&mut gates, "2j\n");
    gates.on_data(DataMsg::Findings { gate: "wallet_drift".into(), page: fixtures::findings() });
    let mut outbox = fixtures::app("terminal", false, false);
    press(&mut outbox, "4");
    let mut detail = fixtures::app("terminal", false, false);
    press(&mut detail, "4j\n");
    detail.on_data(DataMsg::OutboxMessage(fixtures::message_detail()));
    let mut help = fixtures::app("ledger-paper", false, true);
    press(&mut help, "2?");
    vec![
        ("overview", overview),
        ("gates+findings", gates),
        ("outbox list", outbox),
        ("outbox detail", detail),
        ("help overlay", help),
    ]
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn main() {
    let iterations = iterations();
    println!("render at {}×{}, {iterations} frames each (median):", SIZE.0, SIZE.1);
    for (name, mut app) in views() {
        let mut terminal = Terminal::new(TestBackend::new(SIZE.0, SIZE.1)).unwrap();
        let samples = (0..iterations)
            .map(|_| {
                let start = Instant::now();
                terminal.draw(|frame| app.render(frame)).unwrap();
                start.elapsed()
            })
            .collect();
        println!("  {name:<16} {:>8.1} µs", median(samples).as_secs_f64() * 1e6);
    }

    let mut app = fixtures::app("terminal", false, false);
    let (mut terminal, recorder) = fixtures::recording_terminal(SIZE.0, SIZE.1);
    runtime::draw(&mut terminal, &mut app).unwrap();
    let first = recorder.len();
    runtime::draw(&mut terminal, &mut app).unwrap();
    let unchanged = recorder.len() - first;
    // For comparison: a forced draw of an identical frame (what skipping saves beyond the diff).
    app.dirty = true;
    runtime::draw(&mut terminal, &mut app).unwrap();
    let forced = recorder.len() - first - unchanged;
    println!("bytes to the terminal at {}×{}:", SIZE.0, SIZE.1);
    println!("  first frame                      {first:>6}");
    println!("  redraw, nothing changed           {unchanged:>6}");
    println!("  forced draw of an identical frame {forced:>6}");
    assert_eq!(unchanged, 0, "a redraw with nothing changed must write nothing");
}
