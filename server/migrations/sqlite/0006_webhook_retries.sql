-- Webhook messages whose retries were still to come when a server stopped
-- (written down at SIGTERM, the body sealed with the MFA key since it
-- carries a code); the next server to start takes them over.
CREATE TABLE webhook_retries (
    id TEXT PRIMARY KEY,
    channel TEXT NOT NULL,
    url TEXT NOT NULL,
    signature TEXT NOT NULL,
    sealed_body TEXT NOT NULL,
    tries INTEGER NOT NULL,
    created_at INTEGER NOT NULL
);
