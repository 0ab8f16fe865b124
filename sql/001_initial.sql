-- The first schema of latchkey. `latchkey migrate` runs this file inside one transaction,
-- so it contains no BEGIN or COMMIT of its own. Later changes go into new numbered files.
-- UUIDs come from gen_random_uuid(), which is built into PostgreSQL 13 and later.

-- Keeps updated_at current on every UPDATE, whichever code path changes the row.
CREATE FUNCTION latchkey_touch_updated_at() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.updated_at := now();
    RETURN NEW;
END;
$$;

-- email is stored as entered. Logins and uniqueness compare email_normalized instead
-- (trimmed, ASCII lower-case, computed by lk_email_normalize).
CREATE TABLE users (
    id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    email               text NOT NULL CHECK (length(email) BETWEEN 3 AND 254),
    email_normalized    text NOT NULL UNIQUE CHECK (length(email_normalized) BETWEEN 3 AND 254),
    password_hash       text NOT NULL,
    disabled_at         timestamptz,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    password_changed_at timestamptz NOT NULL DEFAULT now()
);

CREATE TRIGGER users_touch_updated_at BEFORE UPDATE ON users
    FOR EACH ROW EXECUTE FUNCTION latchkey_touch_updated_at();

CREATE TABLE organisations (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    slug       text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
    name       text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE memberships (
    org_id     uuid NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role       text NOT NULL CHECK (role IN ('owner', 'admin', 'member')),
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, user_id)
);

-- GET /v1/me lists the memberships of one user.
CREATE INDEX memberships_user_id ON memberships (user_id);

-- One row per refresh-token family. A session ends at expires_at (absolute lifetime) or
-- at idle_expires_at (pushed forward on each refresh), whichever comes first, or when
-- revoked_at is set.
CREATE TABLE sessions (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id         uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    client_id       text NOT NULL,
    org_id          uuid REFERENCES organisations (id) ON DELETE CASCADE,
    created_at      timestamptz NOT NULL DEFAULT now(),
    last_used_at    timestamptz NOT NULL DEFAULT now(),
    expires_at      timestamptz NOT NULL,
    idle_expires_at timestamptz NOT NULL,
    revoked_at      timestamptz,
    revoked_reason  text,
    CHECK ((revoked_at IS NULL) = (revoked_reason IS NULL))
);

CREATE INDEX sessions_user_id ON sessions (user_id);
CREATE INDEX sessions_expires_at ON sessions (expires_at);

-- Refresh tokens are stored only as the hex SHA-256 of the token. A used token keeps its
-- row so that a second use is detected as reuse. successor_sealed contains the sealed
-- successor token for a short grace window when a client retries a refresh.
CREATE TABLE refresh_tokens (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    session_id       uuid NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    token_hash       text NOT NULL UNIQUE CHECK (token_hash ~ '^[0-9a-f]{64}$'),
    parent_id        uuid REFERENCES refresh_tokens (id) ON DELETE SET NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    expires_at       timestamptz NOT NULL,
    used_at          timestamptz,
    successor_sealed text
);

CREATE INDEX refresh_tokens_session_id ON refresh_tokens (session_id);
CREATE INDEX refresh_tokens_expires_at ON refresh_tokens (expires_at);

-- Password-reset tokens, stored only as the hex SHA-256 of the token.
CREATE TABLE password_reset_tokens (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash text NOT NULL UNIQUE CHECK (token_hash ~ '^[0-9a-f]{64}$'),
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    used_at    timestamptz
);

CREATE INDEX password_reset_tokens_user_id ON password_reset_tokens (user_id);
CREATE INDEX password_reset_tokens_expires_at ON password_reset_tokens (expires_at);

-- Token-signing keys. kid is the RFC 7638 thumbprint of the public key. The private key
-- is sealed with the master key (the kid is the associated data) and is cleared when the
-- key reaches 'removed'. Pending, active and retired keys are published in the JWKS.
CREATE TABLE signing_keys (
    kid                text PRIMARY KEY CHECK (length(kid) BETWEEN 1 AND 64),
    alg                text NOT NULL CHECK (alg IN ('ES256', 'RS256')),
    state              text NOT NULL DEFAULT 'pending'
                       CHECK (state IN ('pending', 'active', 'retired', 'revoked', 'removed')),
    public_key_pem     text NOT NULL,
    private_key_sealed text,
    created_at         timestamptz NOT NULL DEFAULT now(),
    activated_at       timestamptz,
    retired_at         timestamptz,
    revoked_at         timestamptz,
    removed_at         timestamptz,
    remove_after       timestamptz,
    CHECK (state = 'removed' OR private_key_sealed IS NOT NULL),
    CHECK (state <> 'removed' OR (private_key_sealed IS NULL AND removed_at IS NOT NULL)),
    CHECK (state <> 'active' OR activated_at IS NOT NULL),
    CHECK (state <> 'retired' OR retired_at IS NOT NULL),
    CHECK (state <> 'revoked' OR revoked_at IS NOT NULL)
);

-- At most one key signs new tokens.
CREATE UNIQUE INDEX signing_keys_one_active ON signing_keys ((true)) WHERE state = 'active';
CREATE INDEX signing_keys_remove_after ON signing_keys (remove_after) WHERE state = 'retired';

-- Machine clients of the verify and introspection endpoints. id is the public client_id;
-- only a hash of the secret is stored.
CREATE TABLE service_clients (
    id          text PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 128),
    name        text NOT NULL,
    secret_hash text NOT NULL,
    scopes      text[] NOT NULL DEFAULT '{}',
    created_at  timestamptz NOT NULL DEFAULT now(),
    revoked_at  timestamptz
);

-- An append-only record of security-relevant changes: who (actor) did what (event) to
-- which object (subject). details never contains a secret.
CREATE TABLE audit_events (
    id      bigserial PRIMARY KEY,
    at      timestamptz NOT NULL DEFAULT now(),
    event   text NOT NULL,
    actor   text NOT NULL,
    subject text,
    details jsonb NOT NULL DEFAULT '{}'
);

CREATE INDEX audit_events_at ON audit_events (at);
CREATE INDEX audit_events_subject ON audit_events (subject, at);

-- Messages written in the same transaction as the change that causes them (such as
-- password-reset e-mails) and delivered afterwards. sent_at is set once delivered.
CREATE TABLE outbox (
    id         bigserial PRIMARY KEY,
    kind       text NOT NULL,
    payload    jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    sent_at    timestamptz
);

CREATE INDEX outbox_unsent ON outbox (id) WHERE sent_at IS NULL;
