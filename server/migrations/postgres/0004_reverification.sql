-- When each session last proved a first and a second factor (ms), for
-- reverification and `factor_verification_age`.
ALTER TABLE sessions ADD COLUMN first_factor_verified_at BIGINT;
ALTER TABLE sessions ADD COLUMN second_factor_verified_at BIGINT;
UPDATE sessions SET first_factor_verified_at = created_at;
