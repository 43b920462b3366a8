//! The traffic simulator: pay-ins, transfers and payouts every few hundred
//! milliseconds, manual-review holds early on, and now and then a real drift
//! (a corrupted statement line) followed by a gate run.

use super::PROVIDER;
use super::seed::{Wallet, command};
use ledgerdeck_client::{ApiClient, HoldQuery};
use ledgerdeck_server::Store;
use serde_json::json;
use std::time::Duration;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

/// A small seeded xorshift generator: the same seed, the same choices.
#[derive(Debug, Clone)]
pub struct XorShift(u64);

impl XorShift {
    /// A generator from `seed` (any value, zero included).
    pub fn new(seed: u64) -> Self {
        XorShift(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    /// The next number.
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    /// A number in `0..n` (`n` > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }
}

/// When the first drift is made, and how often after.
const FIRST_DRIFT: Duration = Duration::from_secs(20);
const DRIFT_EVERY: Duration = Duration::from_secs(60);
/// Manual-review holds made by hand in the first seconds, in case the sandbox is slow.
const EARLY_REVIEWS: usize = 2;

/// Runs until `stop` is cancelled. Failures (a wallet short of money, say)
/// are part of the traffic and are not reported.
pub async fn run(client: ApiClient, store: Store, wallets: Vec<Wallet>, seed: u64, stop: CancellationToken) {
    let mut rng = XorShift::new(seed);
    let started = Instant::now();
    let mut next_drift = started + FIRST_DRIFT;
    let mut reviews = 0;
    let mut tick = 0u64;
    loop {
        let pause = Duration::from_millis(200 + rng.below(300));
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = tokio::time::sleep(pause) => {}
        }
        tick += 1;
        if reviews < EARLY_REVIEWS && tick.is_multiple_of(3) {
            reviews += early_review(&client, &wallets, &mut rng).await;
            continue;
        }
        if Instant::now() >= next_drift {
            next_drift += DRIFT_EVERY;
            drift(&client, &store, &wallets, &mut rng).await;
            continue;
        }
        let wallet = &wallets[rng.below(wallets.len() as u64) as usize];
        let scale = if wallet.currency == "NGN" { 1000 } else { 1 };
        let amount = |rng: &mut XorShift, max: u64| money((1 + rng.below(max)) * scale, rng.below(100));
        let _ = match rng.below(10) {
            0..=3 => {
                let body =
                    json!({"wallet_id": wallet.id, "amount": amount(&mut rng, 300), "provider": "card-acquirer"});
                command(&client, "post_payin", body).await
            }
            4..=6 => {
                let same: Vec<&Wallet> =
                    wallets.iter().filter(|w| w.currency == wallet.currency && w.id != wallet.id).collect();
                let to = same[rng.below(same.len() as u64) as usize];
                let body = json!({"from_wallet_id": wallet.id, "to_wallet_id": to.id, "amount": amount(&mut rng, 150)});
                command(&client, "transfer", body).await
            }
            _ => {
                let body = json!({"wallet_id": wallet.id, "amount": amount(&mut rng, 120), "provider": PROVIDER});
                command(&client, "reserve_payout", body).await
            }
        };
    }
}

fn money(units: u64, cents: u64) -> String {
    format!("{units}.{cents:02}")
}

/// Reserves a payout the sandbox will never know about and sends it to
/// manual review at once; 1 if it worked.
async fn early_review(client: &ApiClient, wallets: &[Wallet], rng: &mut XorShift) -> usize {
    let usd: Vec<&Wallet> = wallets.iter().filter(|w| w.currency == "USD").collect();
    let wallet = usd[rng.below(usd.len() as u64) as usize];
    let amount = money(40 + rng.below(200), rng.below(100));
    let body = json!({"wallet_id": wallet.id, "amount": amount, "provider": PROVIDER, "reference": "sandbox:unknown"});
    let Ok(reserved) = command(client, "reserve_payout", body).await else { return 0 };
    let Some(hold) = reserved.subject_id else { return 0 };
    let body = json!({"hold_id": hold, "reason": "provider silent past its answer window"});
    // The saga may have got there first; either way the hold is in review.
    let _ = command(client, "mark_manual_review", body).await;
    let review = HoldQuery { status: Some("manual_review".into()), ..HoldQuery::default() };
    usize::from(client.holds(&review).await.is_ok_and(|page| !page.items.is_empty()))
}

/// Corrupts one wallet's last statement line, then runs the gates so the
/// finding appears at once.
async fn drift(client: &ApiClient, store: &Store, wallets: &[Wallet], rng: &mut XorShift) {
    let wallet = &wallets[rng.below(wallets.len() as u64) as usize];
    let corrupted = sqlx::query(
        "UPDATE statement_lines SET balance_after = balance_after + 1 \
         WHERE posting_seq = (SELECT MAX(posting_seq) FROM statement_lines WHERE wallet_id = $1)",
    )
    .bind(&wallet.id)
    .execute(store.pool())
    .await;
    if corrupted.is_ok() {
        let _ = command(client, "run_gates", json!({})).await;
    }
}

#[cfg(test)]
mod tests {
    use super::XorShift;

    #[test]
    fn the_same_seed_makes_the_same_choices() {
        let draw = |seed| {
            let mut rng = XorShift::new(seed);
            (0..32).map(|_| rng.below(10)).collect::<Vec<_>>()
        };
        assert_eq!(draw(7), draw(7));
        assert_ne!(draw(7), draw(8));
        assert!(draw(0).iter().any(|&n| n != draw(0)[0]), "seed 0 still varies");
    }
}
