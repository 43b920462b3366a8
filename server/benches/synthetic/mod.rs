//! A synthetic ledger written straight into the database with bulk inserts:
//! wallets, balanced transactions, postings, statement lines and payout holds
//! (with their history), as consistent as if the commands had written them.
//! For benches only; it expects a freshly migrated, empty store.

use ledgerdeck_server::store::{Backend, Store, WriteTx, now_micros};
use sqlx::any::AnyArguments;
use sqlx::{Any, AssertSqlSafe};
use std::collections::VecDeque;
use std::error::Error;

/// What [`build`] wrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Summary {
    /// Postings, exactly as many as asked for.
    pub postings: u64,
    /// Ledger transactions (two legs each, three for pay-ins with a fee).
    pub transactions: u64,
    /// Wallets (two accounts each).
    pub wallets: u64,
    /// Payout holds, open or ended.
    pub holds: u64,
    /// Holds still open (reserved, submitted or manual_review).
    pub open_holds: u64,
    /// Statement lines (one per posting to a wallet account).
    pub statement_lines: u64,
}

type Query = sqlx::query::Query<'static, Any, AnyArguments>;

const CURRENCIES: [&str; 2] = ["USD", "EUR"];
/// The system accounts used, per currency, in this order.
const SYSTEM: [&str; 3] = ["payin_clearing", "payout_clearing", "fees"];
const PAYIN_CLEARING: usize = 0;
const PAYOUT_CLEARING: usize = 1;
const FEES: usize = 2;
const PROVIDER: &str = "sandbox";
const ACTOR: &str = "saga:synthetic";
const DAY_MICROS: i64 = 86_400_000_000;
/// Rows per INSERT, kept under both databases' bind-parameter limits.
const MAX_ROWS: usize = 2_000;
const MAX_BINDS: usize = 30_000;

struct Wallet {
    id: String,
    merchant_id: String,
    currency: usize,
}

struct Account {
    id: String,
    kind: &'static str,
    currency: usize,
    wallet: Option<usize>,
    balance: i64,
}

struct Txn {
    id: String,
    kind: &'static str,
    reference: String,
    description: String,
    hold: Option<usize>,
    at: i64,
}

/// A posting; its seq is its index + 1.
struct Posting {
    txn: usize,
    account: usize,
    amount: i64,
    balance_after: i64,
}

/// A payout hold; its reference is `PO-<index>`.
struct Hold {
    id: String,
    wallet: usize,
    amount: i64,
    status: &'static str,
    reserve_txn: usize,
    final_txn: Option<usize>,
}

/// The ledger generated in memory, with running balances. Wallet `w` owns
/// accounts `2w` (available) and `2w + 1` (reserved); system accounts follow.
#[derive(Default)]
struct Ledger {
    rng: u64,
    ids: u64,
    now: i64,
    /// Microseconds between postings: the history spans the 30 days to now.
    step: i64,
    target: usize,
    wallets: Vec<Wallet>,
    by_currency: [Vec<usize>; 2],
    accounts: Vec<Account>,
    txns: Vec<Txn>,
    postings: Vec<Posting>,
    /// Postings to wallet accounts, each a statement line.
    lines: Vec<usize>,
    holds: Vec<Hold>,
    open: VecDeque<usize>,
}

/// Builds a ledger of exactly `postings` postings (not 1) on an empty store,
/// in one write transaction. On PostgreSQL it then runs `ANALYZE`, as
/// autovacuum would after such a load.
pub async fn build(store: &Store, postings: u64) -> Result<Summary, Box<dyn Error>> {
    if postings == 1 {
        return Err("a balanced ledger cannot have exactly one posting".into());
    }
    let ledger = Ledger::generate(usize::try_from(postings)?, now_micros());
    let backend = store.backend();
    let mut tx = store.begin_write().await?;
    let sql = "SELECT CAST((SELECT COUNT(*) FROM postings) + (SELECT COUNT(*) FROM wallets) AS BIGINT)";
    if sqlx::query_scalar::<_, i64>(sql).fetch_one(&mut *tx).await? != 0 {
        return Err("the synthetic ledger needs an empty store".into());
    }
    // SQLite: a roomy page cache for the load (the default 2 MB spills dirty
    // pages over and over), put back before the connection returns to the pool.
    let mut cache_size = 0i64;
    if backend == Backend::Sqlite {
        cache_size = sqlx::query_scalar("PRAGMA cache_size").fetch_one(&mut *tx).await?;
        sqlx::query("PRAGMA cache_size = -1000000").execute(&mut *tx).await?;
    }
    ledger.write(&mut tx, backend).await?;
    if backend == Backend::Sqlite {
        sqlx::query(AssertSqlSafe(format!("PRAGMA cache_size = {cache_size}"))).execute(&mut *tx).await?;
    }
    tx.commit().await?;
    if backend == Backend::Postgres {
        sqlx::query("ANALYZE").execute(store.pool()).await?;
    }
    Ok(ledger.summary())
}

impl Ledger {
    /// Generates `max(target / 100, 10)` wallets (a quarter in EUR), then
    /// transactions until `target` postings: pay-ins, transfers and payout
    /// reservations at random, and the oldest open hold settled or released
    /// whenever more than 1% of `target` are open.
    fn generate(target: usize, now: i64) -> Ledger {
        let n_wallets = (target / 100).max(10);
        let step = (30 * DAY_MICROS / target.max(1) as i64).max(1);
        let mut l = Ledger { rng: 0x5eed_1ed6_e4de_c001, now, step, target, ..Ledger::default() };
        for w in 0..n_wallets {
            let (id, currency) = (l.id(now - 31 * DAY_MICROS), usize::from(w % 4 == 3));
            for (suffix, kind) in [("available", "wallet_available"), ("reserved", "wallet_reserved")] {
                let id = format!("{id}:{suffix}");
                l.accounts.push(Account { id, kind, currency, wallet: Some(w), balance: 0 });
            }
            l.by_currency[currency].push(w);
            l.wallets.push(Wallet { id, merchant_id: format!("merchant-{:05}", w / 3), currency });
        }
        for (currency, code) in CURRENCIES.iter().enumerate() {
            for kind in SYSTEM {
                l.accounts.push(Account { id: format!("sys:{code}:{kind}"), kind, currency, wallet: None, balance: 0 });
            }
        }
        while l.target - l.postings.len() >= 2 {
            l.step();
        }
        // Open holds end up in every open status, all touched just now.
        for i in 0..l.open.len() {
            let status = ["reserved", "submitted", "manual_review"][[0, 0, 1, 1, 2][l.below(5) as usize]];
            let h = l.open[i];
            l.holds[h].status = status;
        }
        l
    }

    fn step(&mut self) {
        let remaining = self.target - self.postings.len();
        if remaining == 3 {
            return self.payin(true);
        }
        if self.open.len() > (self.target / 100).max(1) {
            return self.finish();
        }
        match self.below(100) {
            0..25 if self.reserve() => {}
            25..60 => {
                let fee = remaining >= 5 && self.below(5) == 0;
                self.payin(fee);
            }
            60.. if self.transfer() => {}
            _ => self.payin(false),
        }
    }

    /// A pay-in from the provider's clearing account, less a 1% fee if `fee`.
    fn payin(&mut self, fee: bool) {
        let w = self.pick_wallet();
        let currency = self.wallets[w].currency;
        let amount = 1_000 + self.below(500_000) as i64;
        let mut legs = vec![(self.system(currency, PAYIN_CLEARING), -amount)];
        if fee {
            let fee = (amount / 100).max(1);
            legs.extend([(2 * w, amount - fee), (self.system(currency, FEES), fee)]);
        } else {
            legs.push((2 * w, amount));
        }
        let reference = format!("PI-{}", self.txns.len());
        self.post("payin", reference, format!("Pay-in via {PROVIDER}"), None, legs);
    }

    /// A transfer out of a funded wallet to another in its currency.
    fn transfer(&mut self) -> bool {
        let from = self.pick_wallet();
        let (balance, currency) = (self.accounts[2 * from].balance, self.wallets[from].currency);
        let n = self.by_currency[currency].len();
        if balance == 0 || n < 2 {
            return false;
        }
        let k = self.below(n as u64 - 1) as usize;
        let peers = &self.by_currency[currency];
        let to = if peers[k] == from { peers[n - 1] } else { peers[k] };
        let amount = 1 + self.below(balance as u64 / 2 + 1) as i64;
        let description = format!("Transfer from {} to {}", self.wallets[from].id, self.wallets[to].id);
        let reference = format!("TR-{}", self.txns.len());
        self.post("transfer", reference, description, None, vec![(2 * from, -amount), (2 * to, amount)]);
        true
    }

    /// Reserves part of a funded wallet's available balance for a payout.
    fn reserve(&mut self) -> bool {
        let w = self.pick_wallet();
        let balance = self.accounts[2 * w].balance;
        if balance == 0 {
            return false;
        }
        let amount = 1 + self.below(balance.min(250_000) as u64) as i64;
        let (h, id) = (self.holds.len(), self.id(self.at()));
        let description = format!("Payout PO-{h} reserved via {PROVIDER}");
        let legs = vec![(2 * w, -amount), (2 * w + 1, amount)];
        let reserve_txn = self.post("payout_reserve", format!("PO-{h}"), description, Some(h), legs);
        self.holds.push(Hold { id, wallet: w, amount, status: "reserved", reserve_txn, final_txn: None });
        self.open.push_back(h);
        true
    }

    /// Settles (85%) or releases the oldest open hold.
    fn finish(&mut self) {
        let h = self.open.pop_front().expect("an open hold");
        let (w, amount) = (self.holds[h].wallet, self.holds[h].amount);
        let (kind, status, to) = if self.below(100) >= 15 {
            ("payout_settle", "settled", self.system(self.wallets[w].currency, PAYOUT_CLEARING))
        } else {
            ("payout_release", "released", 2 * w)
        };
        let description = format!("Payout PO-{h} {status}: {}", reason(status).unwrap_or_default());
        let legs = vec![(2 * w + 1, -amount), (to, amount)];
        let txn = self.post(kind, format!("PO-{h}"), description, Some(h), legs);
        (self.holds[h].status, self.holds[h].final_txn) = (status, Some(txn));
    }

    /// Appends a transaction and its postings in account-id order (as the
    /// ledger writes them), keeping running balances.
    fn post(
        &mut self,
        kind: &'static str,
        reference: String,
        description: String,
        hold: Option<usize>,
        mut legs: Vec<(usize, i64)>,
    ) -> usize {
        let (txn, at) = (self.txns.len(), self.at());
        let id = self.id(at);
        legs.sort_by(|a, b| self.accounts[a.0].id.cmp(&self.accounts[b.0].id));
        for (account, amount) in legs {
            let acc = &mut self.accounts[account];
            acc.balance += amount;
            if acc.wallet.is_some() {
                assert!(acc.balance >= 0, "wallet account {} overdrawn", acc.id);
                self.lines.push(self.postings.len());
            }
            self.postings.push(Posting { txn, account, amount, balance_after: acc.balance });
        }
        self.txns.push(Txn { id, kind, reference, description, hold, at });
        txn
    }

    fn system(&self, currency: usize, which: usize) -> usize {
        2 * self.wallets.len() + currency * SYSTEM.len() + which
    }

    /// The time of the next posting: postings are spread evenly up to now.
    fn at(&self) -> i64 {
        self.now - (self.target - self.postings.len()) as i64 * self.step
    }

    /// A UUIDv7-shaped id for time `at`; ids sort in the order generated.
    fn id(&mut self, at: i64) -> String {
        self.ids += 1;
        let ms = (at / 1_000) as u128;
        uuid::Uuid::from_u128(ms << 80 | 0x7 << 76 | 0b10 << 62 | u128::from(self.ids)).to_string()
    }

    /// A wallet, skewed towards the first ones: a few busy, a long quiet tail.
    fn pick_wallet(&mut self) -> usize {
        let u = (self.next() >> 11) as f64 / (1u64 << 53) as f64;
        ((u * u * self.wallets.len() as f64) as usize).min(self.wallets.len() - 1)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    /// splitmix64: deterministic and dependency-free.
    fn next(&mut self) -> u64 {
        self.rng = self.rng.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.rng;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// When a hold was created and last changed (open holds: just now).
    fn hold_times(&self, h: &Hold) -> (i64, i64) {
        (self.txns[h.reserve_txn].at, h.final_txn.map_or(self.now, |t| self.txns[t].at))
    }

    fn summary(&self) -> Summary {
        let count = |n: usize| n as u64;
        Summary {
            postings: count(self.postings.len()),
            transactions: count(self.txns.len()),
            wallets: count(self.wallets.len()),
            holds: count(self.holds.len()),
            open_holds: count(self.open.len()),
            statement_lines: count(self.lines.len()),
        }
    }

    /// Writes everything on `tx`, parents before children.
    async fn write(&self, tx: &mut WriteTx, b: Backend) -> Result<(), sqlx::Error> {
        let created = self.now - 31 * DAY_MICROS;
        let head = "INSERT INTO wallets (id, merchant_id, currency, label, created_at)";
        insert_rows(tx, b, head, 5, self.wallets.len(), |q, i| {
            let w = &self.wallets[i];
            q.bind(&w.id).bind(&w.merchant_id).bind(CURRENCIES[w.currency]).bind(format!("Wallet {i}")).bind(created)
        })
        .await?;
        // Wallet accounts go in with their final balances; system ones exist.
        let head = "INSERT INTO accounts (id, kind, currency, wallet_id, balance, allow_negative, created_at)";
        insert_rows(tx, b, head, 7, 2 * self.wallets.len(), |q, i| {
            let (a, w) = (&self.accounts[i], &self.wallets[i / 2]);
            let q = q.bind(&a.id).bind(a.kind).bind(CURRENCIES[a.currency]).bind(&w.id);
            q.bind(a.balance).bind(false).bind(created)
        })
        .await?;
        let head = "INSERT INTO ledger_transactions (id, kind, reference, description, hold_id, booked_at, \
                    effective_at)";
        insert_rows(tx, b, head, 7, self.txns.len(), |q, i| {
            let (t, hold) = (&self.txns[i], self.txns[i].hold.map(|h| self.holds[h].id.as_str()));
            q.bind(&t.id).bind(t.kind).bind(&t.reference).bind(&t.description).bind(hold).bind(t.at).bind(t.at)
        })
        .await?;
        // Explicit seqs, so statement lines can name them before reading back.
        let head = match b {
            Backend::Sqlite => "INSERT INTO postings (seq, transaction_id, account_id, currency, amount)",
            Backend::Postgres => {
                "INSERT INTO postings (seq, transaction_id, account_id, currency, amount) OVERRIDING SYSTEM VALUE"
            }
        };
        insert_rows(tx, b, head, 5, self.postings.len(), |q, i| {
            let (p, a) = (&self.postings[i], &self.accounts[self.postings[i].account]);
            q.bind(i as i64 + 1).bind(&self.txns[p.txn].id).bind(&a.id).bind(CURRENCIES[a.currency]).bind(p.amount)
        })
        .await?;
        let head = "INSERT INTO statement_lines (posting_seq, wallet_id, account_id, transaction_id, amount, \
                    balance_after, description, booked_at, effective_at)";
        insert_rows(tx, b, head, 9, self.lines.len(), |q, i| {
            let seq = self.lines[i];
            let (p, a) = (&self.postings[seq], &self.accounts[self.postings[seq].account]);
            let (t, w) = (&self.txns[p.txn], &self.wallets[a.wallet.expect("a wallet account")]);
            let q = q.bind(seq as i64 + 1).bind(&w.id).bind(&a.id).bind(&t.id).bind(p.amount).bind(p.balance_after);
            q.bind(&t.description).bind(t.at).bind(t.at)
        })
        .await?;
        let head = "INSERT INTO holds (id, wallet_id, merchant_id, currency, amount, provider, reference, status, \
                    reserve_txn_id, final_txn_id, provider_reference, reason, created_at, updated_at, attempts, \
                    next_attempt_at)";
        insert_rows(tx, b, head, 16, self.holds.len(), |q, i| {
            let (h, w) = (&self.holds[i], &self.wallets[self.holds[i].wallet]);
            let (created_at, updated_at) = self.hold_times(h);
            let final_txn = h.final_txn.map(|t| self.txns[t].id.as_str());
            let provider_reference = (h.status != "reserved").then(|| format!("sbx-{i}"));
            let (attempts, next_attempt_at) = match h.status {
                "reserved" => (0i32, self.now),
                "submitted" => (1, self.now + 60_000_000),
                _ => (1, 0i64),
            };
            let q = q.bind(&h.id).bind(&w.id).bind(&w.merchant_id).bind(CURRENCIES[w.currency]).bind(h.amount);
            let q = q.bind(PROVIDER).bind(format!("PO-{i}")).bind(h.status).bind(&self.txns[h.reserve_txn].id);
            let q = q.bind(final_txn).bind(provider_reference).bind(reason(h.status));
            q.bind(created_at).bind(updated_at).bind(attempts).bind(next_attempt_at)
        })
        .await?;
        let history = self.history();
        let head = "INSERT INTO hold_history (hold_id, from_status, to_status, actor, detail, at)";
        insert_rows(tx, b, head, 6, history.len(), |q, i| {
            let (h, from, to, at) = history[i];
            q.bind(&self.holds[h].id).bind(from).bind(to).bind(ACTOR).bind(reason(to)).bind(at)
        })
        .await?;
        for a in &self.accounts[2 * self.wallets.len()..] {
            let update = sqlx::query("UPDATE accounts SET balance = $1 WHERE id = $2");
            update.bind(a.balance).bind(&a.id).execute(&mut **tx).await?;
        }
        if b == Backend::Postgres && !self.postings.is_empty() {
            let setval = sqlx::query("SELECT setval(pg_get_serial_sequence('postings', 'seq'), $1)");
            setval.bind(self.postings.len() as i64).execute(&mut **tx).await?;
        }
        Ok(())
    }

    /// Each hold's state changes: reserved; then submitted, unless still
    /// reserved; then its current status, if it moved on from submitted.
    fn history(&self) -> Vec<(usize, Option<&'static str>, &'static str, i64)> {
        let mut rows = Vec::with_capacity(self.holds.len() * 3);
        for (i, h) in self.holds.iter().enumerate() {
            let (created_at, updated_at) = self.hold_times(h);
            rows.push((i, None, "reserved", created_at));
            match h.status {
                "reserved" => {}
                "submitted" => rows.push((i, Some("reserved"), "submitted", updated_at)),
                status => {
                    rows.push((i, Some("reserved"), "submitted", created_at + (updated_at - created_at) / 2));
                    rows.push((i, Some("submitted"), status, updated_at));
                }
            }
        }
        rows
    }
}

/// Inserts `n` rows with multi-row `INSERT … VALUES` statements; `bind`
/// binds row `i`'s `cols` values in column order.
async fn insert_rows(
    tx: &mut WriteTx,
    backend: Backend,
    head: &str,
    cols: usize,
    n: usize,
    bind: impl Fn(Query, usize) -> Query,
) -> Result<(), sqlx::Error> {
    let per = (MAX_BINDS / cols).min(MAX_ROWS);
    let full = values_sql(backend, head, cols, per);
    for first in (0..n).step_by(per) {
        let rows = per.min(n - first);
        let sql = if rows == per { full.clone() } else { values_sql(backend, head, cols, rows) };
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for i in first..first + rows {
            query = bind(query, i);
        }
        query.execute(&mut **tx).await?;
    }
    Ok(())
}

/// `head VALUES ($1, …), (…)` for `rows` rows of `cols` columns. SQLite gets
/// anonymous `?` instead: it finds a numbered parameter's name by a linear
/// scan, which makes binding thousands of `$N` quadratic.
fn values_sql(backend: Backend, head: &str, cols: usize, rows: usize) -> String {
    let placeholder = |n: usize| match backend {
        Backend::Sqlite => "?".to_string(),
        Backend::Postgres => format!("${n}"),
    };
    let tuples: Vec<String> = (0..rows)
        .map(|r| format!("({})", (1..=cols).map(|c| placeholder(r * cols + c)).collect::<Vec<_>>().join(", ")))
        .collect();
    format!("{head} VALUES {}", tuples.join(", "))
}

/// Why a hold is in `status`, as its row and history say.
fn reason(status: &str) -> Option<&'static str> {
    match status {
        "settled" => Some("provider paid"),
        "released" => Some("provider rejected the payout"),
        "manual_review" => Some("provider status unknown after requeries"),
        _ => None,
    }
}
