-- Password reset: a token is revoked when a newer request replaces it or when the password
-- changes. Each user has at most one outstanding (unused, unrevoked) token, so a new request
-- always invalidates the older ones, even when two requests race.
ALTER TABLE password_reset_tokens ADD COLUMN revoked_at timestamptz;

CREATE UNIQUE INDEX password_reset_tokens_one_outstanding ON password_reset_tokens (user_id)
    WHERE used_at IS NULL AND revoked_at IS NULL;

-- Every new outbox message sends NOTIFY latchkey_outbox with the message id (never its
-- content), so that the operator's mailer can LISTEN instead of polling. The notification
-- is delivered when the inserting transaction commits.
CREATE FUNCTION latchkey_outbox_notify() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('latchkey_outbox', NEW.id::text);
    RETURN NEW;
END;
$$;

CREATE TRIGGER outbox_notify AFTER INSERT ON outbox
    FOR EACH ROW EXECUTE FUNCTION latchkey_outbox_notify();
