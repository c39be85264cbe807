-- The whole state of an instance (PostgreSQL). Timestamps are epoch
-- milliseconds, as on SQLite; `rowid` stands for SQLite's implicit row id
-- where the store orders by insertion.

CREATE TABLE settings (
    id BIGINT PRIMARY KEY CHECK (id = 1),
    json TEXT NOT NULL
);

CREATE TABLE clients (
    id TEXT PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    last_active_session_id TEXT,
    sign_in_id TEXT,
    sign_up_id TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE users (
    id TEXT PRIMARY KEY,
    password_hash TEXT,
    password_compromised BOOLEAN NOT NULL DEFAULT FALSE,
    first_name TEXT,
    last_name TEXT,
    failed_attempts BIGINT NOT NULL DEFAULT 0,
    locked_until BIGINT,
    last_sign_in_at BIGINT,
    create_organization_enabled BOOLEAN NOT NULL DEFAULT TRUE,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE email_addresses (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    email TEXT NOT NULL UNIQUE,
    verified BOOLEAN NOT NULL,
    is_primary BOOLEAN NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX email_addresses_user ON email_addresses(user_id);

CREATE TABLE sessions (
    id TEXT PRIMARY KEY,
    client_id TEXT NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    status TEXT NOT NULL,
    active_organization_id TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    last_active_at BIGINT NOT NULL,
    expire_at BIGINT NOT NULL,
    abandon_at BIGINT NOT NULL
);
CREATE INDEX sessions_client ON sessions(client_id);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE sign_ins (
    id TEXT PRIMARY KEY,
    client_id TEXT NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
    identifier TEXT,
    user_id TEXT,
    status TEXT NOT NULL,
    first_factor_strategy TEXT,
    first_factor_status TEXT,
    created_session_id TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    abandon_at BIGINT NOT NULL
);

CREATE TABLE sign_ups (
    id TEXT PRIMARY KEY,
    client_id TEXT NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
    email TEXT,
    password_hash TEXT,
    first_name TEXT,
    last_name TEXT,
    email_verified BOOLEAN NOT NULL DEFAULT FALSE,
    status TEXT NOT NULL,
    created_user_id TEXT,
    created_session_id TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    abandon_at BIGINT NOT NULL
);

CREATE TABLE verification_codes (
    rowid BIGSERIAL,
    id TEXT PRIMARY KEY,
    subject TEXT NOT NULL,
    destination TEXT NOT NULL,
    code_hash TEXT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    status TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX verification_codes_subject ON verification_codes(subject, status);
CREATE INDEX verification_codes_destination ON verification_codes(destination, created_at);

CREATE TABLE outbox (
    rowid BIGSERIAL,
    id TEXT PRIMARY KEY,
    channel TEXT NOT NULL,
    recipient TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    code TEXT,
    created_at BIGINT NOT NULL
);

CREATE TABLE organizations (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    slug TEXT NOT NULL UNIQUE,
    created_by TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE memberships (
    id TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    role TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (organization_id, user_id)
);
CREATE INDEX memberships_user ON memberships(user_id);

CREATE TABLE invitations (
    id TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    email TEXT NOT NULL,
    role TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX invitations_email ON invitations(email, status);
