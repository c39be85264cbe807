-- A new password chosen after a reset code, kept on the sign-in until the
-- sign-in completes: for a user with a second factor the password changes
-- (and the other sessions end, when asked) only once that factor is right.
ALTER TABLE sign_ins ADD COLUMN new_password_hash TEXT;
ALTER TABLE sign_ins ADD COLUMN sign_out_others INTEGER NOT NULL DEFAULT 0;
