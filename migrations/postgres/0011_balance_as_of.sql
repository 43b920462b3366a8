-- Balances as of a time (GET /v1/wallets/{id}/balance): each figure is the
-- sum of one wallet account's statement lines up to a time, by effective and
-- by booked time. With the time and the amount in the index, each sum is one
-- index-only range read, however long the account's history.
CREATE INDEX statement_lines_by_account_effective ON statement_lines (account_id, effective_at, amount);
CREATE INDEX statement_lines_by_account_booked ON statement_lines (account_id, booked_at, amount);
-- A statement taken as of a time (GET /v1/exports/statement?as_of=) runs in
-- effective order: this index serves its pages as ordered range reads
-- rather than a sort of the wallet's whole history per page.
CREATE INDEX statement_lines_by_wallet_effective ON statement_lines (wallet_id, effective_at, posting_seq);
