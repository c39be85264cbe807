-- Phone numbers (E.164) of users. A verified number reserved for the second
-- factor makes SMS codes a second factor of its user.
CREATE TABLE phone_numbers (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    phone TEXT NOT NULL,
    verified INTEGER NOT NULL DEFAULT 0,
    reserved_for_second_factor INTEGER NOT NULL DEFAULT 0,
    default_second_factor INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (user_id, phone)
);
CREATE INDEX phone_numbers_phone ON phone_numbers(phone, verified);
