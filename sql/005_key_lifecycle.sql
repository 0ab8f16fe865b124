-- Signing-key life cycle: scheduled activation and the wiping of revoked keys.

-- `latchkey keys rotate` and the automatic rotation publish a new key first and activate
-- it at activate_after, once every verifier that caches the JWKS has fetched it. Only a
-- pending key has a scheduled activation.
ALTER TABLE signing_keys ADD COLUMN activate_after timestamptz;
ALTER TABLE signing_keys ADD CONSTRAINT signing_keys_schedule_only_pending
    CHECK (state = 'pending' OR activate_after IS NULL);

-- A revoked key is treated as compromised, so its sealed private key is wiped at once,
-- as it is for a removed key. 001_initial.sql required it for every state but 'removed'
-- in the constraint that PostgreSQL named signing_keys_check.
ALTER TABLE signing_keys DROP CONSTRAINT signing_keys_check;
UPDATE signing_keys SET private_key_sealed = NULL WHERE state = 'revoked';
ALTER TABLE signing_keys ADD CONSTRAINT signing_keys_private_key_kept
    CHECK (state IN ('removed', 'revoked') OR private_key_sealed IS NOT NULL);
ALTER TABLE signing_keys ADD CONSTRAINT signing_keys_revoked_wiped
    CHECK (state <> 'revoked' OR private_key_sealed IS NULL);

-- The key rotator of every instance looks for due activations.
CREATE INDEX signing_keys_activate_after ON signing_keys (activate_after) WHERE state = 'pending';
