-- Signing keys made by rotation. The newest key not retired signs; a
-- retired key stays in the JWKS until every token it signed has expired
-- (its `retired_at` plus the token lifetime and a margin for clock skew).
-- The key the instance started with (signing_key.pem, or the shared
-- `signing_key` secret) is written here, retired, at the first rotation.
CREATE TABLE signing_keys (
    kid TEXT PRIMARY KEY,
    pem TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    retired_at BIGINT
);
