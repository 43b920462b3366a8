-- The statement line a wallet_drift finding is about (the posting whose
-- line is broken, or the last line when the closing balance is off), so a
-- client can open the statement there. Other findings have none.
ALTER TABLE gate_findings ADD COLUMN posting_seq BIGINT;
