-- Second factors: the authenticator app (TOTP), backup codes, and the
-- second-factor step of a sign-in.

-- One TOTP per user. The secret is encrypted (AES-256-GCM, key in the data
-- directory); `last_step` is the last accepted 30-second step, so a code is
-- never accepted twice. `tries` counts wrong codes while enrolling.
CREATE TABLE totps (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL UNIQUE REFERENCES users(id) ON DELETE CASCADE,
    secret_enc TEXT NOT NULL,
    verified INTEGER NOT NULL DEFAULT 0,
    last_step INTEGER,
    tries INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);

-- A user's current set of backup codes, one row per code, stored as
-- HMAC-SHA-256 with a server key. A used code keeps its row with `used_at`.
CREATE TABLE backup_codes (
    id TEXT PRIMARY KEY,
    set_id TEXT NOT NULL,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    code_hash TEXT NOT NULL,
    used_at INTEGER,
    created_at INTEGER NOT NULL
);
CREATE INDEX backup_codes_user ON backup_codes(user_id, code_hash);

-- The second-factor step of a sign-in: the factors offered (JSON list),
-- the TOTP and backup-code tries spent in this sign-in, and the outcome.
ALTER TABLE sign_ins ADD COLUMN second_factors TEXT;
ALTER TABLE sign_ins ADD COLUMN second_factor_tries INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sign_ins ADD COLUMN second_factor_strategy TEXT;
ALTER TABLE sign_ins ADD COLUMN second_factor_status TEXT;
