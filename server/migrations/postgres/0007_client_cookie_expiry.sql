-- When the browser's `__client` cookie expires: set with the cookie (its
-- Max-Age from now) each time the server sets it, so the client JSON's
-- `cookie_expires_at` is the cookie's own expiry and a client unused for
-- the whole lifetime is no longer honoured. NULL on rows older than this
-- column: their expiry is `updated_at` plus the lifetime.
ALTER TABLE clients ADD COLUMN cookie_expires_at BIGINT;
