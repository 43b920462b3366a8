//! The fault test, on SQLite and PostgreSQL: 2,000 events are produced
//! while a receiver fails 30 % of requests (500) at random and hangs past
//! the timeout on 5 %. At the end every delivery is delivered or dead with
//! its attempts recorded, none is lost, no request had a bad signature, and
//! the receiver's de-duplicated 2xx webhook-ids are exactly the deliveries
//! marked delivered.

#[macro_use]
mod common;
mod webhook_receiver;

use ledgerdeck_server::delivery::{Delivery, DeliveryConfig};
use ledgerdeck_server::{Backend, Ledger};
use std::collections::BTreeSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;
use webhook_receiver::{Answer, Receiver};

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const EVENTS: usize = 2_000;
const SCHEDULE_MS: [u64; 6] = [0, 10, 20, 40, 80, 160];

async fn count(ledger: &Ledger, sql: &'static str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(ledger.store().pool()).await.unwrap()
}

async fn endpoint(ledger: &Ledger, url: &str, event_types: &str) {
    let body = serde_json::json!({"url": url, "event_types": event_types, "secret": SECRET});
    common::run(ledger, &common::admin(), "create_webhook_endpoint", body).await.unwrap();
}

/// One fault test at a time: both at once on two cores can stall a 2xx past
/// the timeout, which the receiver counts and the worker does not.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

async fn two_thousand_events_through_a_faulty_receiver(ledger: Ledger) {
    let _alone = ONE_AT_A_TIME.lock().await;
    let started = Instant::now();
    let seed = AtomicU64::new(0x9e37_79b9_7f4a_7c15 ^ u64::from(std::process::id()));
    let receiver = Receiver::start(
        SECRET,
        Duration::from_millis(900),
        Box::new(move |_, _| {
            // xorshift: 30 % 500, 5 % hang, else 200.
            let mut x = seed.load(Ordering::SeqCst);
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            seed.store(x, Ordering::SeqCst);
            match x % 100 {
                0..=29 => Answer::Status(500),
                30..=34 => Answer::Hang,
                _ => Answer::Status(200),
            }
        }),
    )
    .await;
    endpoint(&ledger, &receiver.url, "fault.*").await;
    endpoint(&ledger, &receiver.url, "fault.even").await;

    // Workers run while the events are produced.
    let stop = CancellationToken::new();
    let workers = if ledger.store().backend() == Backend::Postgres { 3 } else { 2 };
    let mut tasks = Vec::new();
    for n in 0..workers {
        let worker = Delivery::new(
            ledger.store().clone(),
            DeliveryConfig {
                worker_id: format!("fault-{n}"),
                batch: 100,
                lease: Duration::from_secs(10),
                poll: Duration::from_millis(5),
                request_timeout: Duration::from_millis(300),
                schedule: SCHEDULE_MS.iter().map(|&ms| Duration::from_millis(ms)).collect(),
            },
        );
        let stop = stop.clone();
        tasks.push(tokio::spawn(async move { worker.run(stop).await }));
    }
    for chunk in 0..EVENTS / 100 {
        let mut tx = ledger.store().begin_write().await.unwrap();
        for i in chunk * 100..(chunk + 1) * 100 {
            let kind = if i % 2 == 0 { "fault.even" } else { "fault.odd" };
            let payload = serde_json::json!({"type": kind, "data": {"n": i}});
            let now = ledgerdeck_server::store::now_micros();
            ledgerdeck_server::outbox::enqueue(&mut tx, kind, &format!("subject-{i}"), &payload, now).await.unwrap();
        }
        tx.commit().await.unwrap();
    }
    let produced = Instant::now();

    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        let open = count(
            &ledger,
            "SELECT CAST((SELECT COUNT(*) FROM webhook_deliveries WHERE status = 'pending') + \
             (SELECT COUNT(*) FROM outbox_messages WHERE status = 'pending') AS BIGINT)",
        )
        .await;
        if open == 0 {
            break;
        }
        assert!(Instant::now() < deadline, "{open} still open after 90 s");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    stop.cancel();
    for task in tasks {
        task.await.unwrap();
    }

    let errors: Vec<(Option<String>, Option<i32>, i64)> = sqlx::query_as(
        "SELECT error, http_status, CAST(COUNT(*) AS BIGINT) FROM webhook_attempts GROUP BY error, http_status",
    )
    .fetch_all(ledger.store().pool())
    .await
    .unwrap();
    eprintln!("attempt outcomes ({:?}): {errors:?}", ledger.store().backend());
    // None lost: every fault.* event to the first endpoint, the even ones to the second too.
    let messages =
        count(&ledger, "SELECT CAST(COUNT(*) AS BIGINT) FROM outbox_messages WHERE event_type LIKE 'fault.%'").await;
    assert_eq!(messages, EVENTS as i64);
    let expected = (EVENTS + EVENTS / 2) as i64;
    let total =
        count(&ledger, "SELECT CAST(COUNT(*) AS BIGINT) FROM webhook_deliveries WHERE event_type LIKE 'fault.%'").await;
    assert_eq!(total, expected, "one delivery per message and matching endpoint");
    let finished =
        count(&ledger, "SELECT CAST(COUNT(*) AS BIGINT) FROM webhook_deliveries WHERE status IN ('delivered', 'dead')")
            .await;
    assert_eq!(finished, expected);
    // Attempts recorded: each delivery's count matches its log; dead ones used the whole schedule.
    let mismatched = count(
        &ledger,
        "SELECT CAST(COUNT(*) AS BIGINT) FROM webhook_deliveries d WHERE d.attempts <> \
         (SELECT COUNT(*) FROM webhook_attempts a WHERE a.delivery_id = d.id) OR d.attempts < 1",
    )
    .await;
    assert_eq!(mismatched, 0);
    let short_dead = count(
        &ledger,
        "SELECT CAST(COUNT(*) AS BIGINT) FROM webhook_deliveries WHERE status = 'dead' AND attempts <> 6",
    )
    .await;
    assert_eq!(short_dead, 0);
    let delivered_without_2xx = count(
        &ledger,
        "SELECT CAST(COUNT(*) AS BIGINT) FROM webhook_deliveries d WHERE d.status = 'delivered' AND NOT EXISTS \
         (SELECT 1 FROM webhook_attempts a WHERE a.delivery_id = d.id AND a.http_status BETWEEN 200 AND 299)",
    )
    .await;
    assert_eq!(delivered_without_2xx, 0);
    assert_eq!(receiver.bad_signatures(), 0, "no request with a bad signature");

    let delivered: BTreeSet<String> =
        sqlx::query_scalar("SELECT id FROM webhook_deliveries WHERE status = 'delivered'")
            .fetch_all(ledger.store().pool())
            .await
            .unwrap()
            .into_iter()
            .collect();
    let acknowledged = receiver.acknowledged();
    // Every delivery marked delivered reached the receiver, signed, with a 2xx:
    // for those delivered, the receiver's de-duplicated count is the same.
    let acknowledged_and_delivered = acknowledged.intersection(&delivered).count();
    assert_eq!(acknowledged_and_delivered, delivered.len(), "the receiver's de-duplicated count");
    // Delivery is at least once: a 2xx that reaches the worker after its
    // timeout counts as a failed attempt. Any id the receiver acknowledged
    // beyond the delivered ones must be exactly that case — a delivery that
    // ended dead with a recorded timeout — never a lost one.
    for late in acknowledged.difference(&delivered) {
        let (status, timeouts): (String, i64) = sqlx::query_as(
            "SELECT d.status, CAST((SELECT COUNT(*) FROM webhook_attempts a WHERE a.delivery_id = d.id \
             AND a.error IS NOT NULL) AS BIGINT) FROM webhook_deliveries d WHERE d.id = $1",
        )
        .bind(late)
        .fetch_one(ledger.store().pool())
        .await
        .expect("the acknowledged id is a recorded delivery");
        assert!(status == "dead" && timeouts > 0, "{late} acknowledged late but is {status} with {timeouts} timeouts");
    }

    let seen = receiver.seen();
    let attempts = count(&ledger, "SELECT CAST(COUNT(*) AS BIGINT) FROM webhook_attempts").await;
    let hung = seen.iter().filter(|s| s.answer == Answer::Hang).count();
    let failed = seen.iter().filter(|s| s.answer == Answer::Status(500)).count();
    eprintln!(
        "fault test ({:?}, {workers} workers): {EVENTS} events, {total} deliveries: {} delivered, {} dead; \
         {attempts} attempts recorded, receiver saw {} requests ({failed} answered 500, {hung} hung), \
         {} distinct ids acknowledged, 0 bad signatures; produced in {:.1} s, all settled in {:.1} s",
        ledger.store().backend(),
        delivered.len(),
        total - delivered.len() as i64,
        seen.len(),
        acknowledged.len(),
        (produced - started).as_secs_f64(),
        started.elapsed().as_secs_f64(),
    );
}

on_both_databases!(two_thousand_events_through_a_faulty_receiver);
