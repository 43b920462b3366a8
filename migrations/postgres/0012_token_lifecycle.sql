-- Tokens as a managed resource: an optional expiry (an expired token is
-- refused like a revoked one), when each was last used, and how its holder
-- signed in: 'token' (made by an admin through the API, the cockpit or the
-- server CLI) or 'sso' (a session token issued for a verified email after a
-- single sign-on, bound to that email, which is re-checked on every request).
ALTER TABLE api_tokens ADD COLUMN expires_at BIGINT;
ALTER TABLE api_tokens ADD COLUMN last_used_at BIGINT;
ALTER TABLE api_tokens ADD COLUMN sign_in TEXT NOT NULL DEFAULT 'token' CHECK (sign_in IN ('token', 'sso'));
ALTER TABLE api_tokens ADD COLUMN email TEXT;
