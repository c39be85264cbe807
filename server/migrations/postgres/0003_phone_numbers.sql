-- Phone numbers (E.164) of users. A verified number reserved for the second
-- factor makes SMS codes a second factor of its user.
CREATE TABLE phone_numbers (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    phone TEXT NOT NULL,
    verified BOOLEAN NOT NULL DEFAULT FALSE,
    reserved_for_second_factor BOOLEAN NOT NULL DEFAULT FALSE,
    default_second_factor BOOLEAN NOT NULL DEFAULT FALSE,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (user_id, phone)
);
CREATE INDEX phone_numbers_phone ON phone_numbers(phone, verified);
