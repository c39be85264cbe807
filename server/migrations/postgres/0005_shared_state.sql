-- What replicas on one database share: the instance's secrets (on
-- PostgreSQL; a SQLite instance keeps them as files in its data directory)
-- and the per-IP call windows of the sign-in and sign-up limits.
CREATE TABLE instance_secrets (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE ip_windows (
    bucket TEXT NOT NULL,
    ip TEXT NOT NULL,
    window_start BIGINT NOT NULL,
    calls BIGINT NOT NULL,
    PRIMARY KEY (bucket, ip)
);
