-- Indexes for refresh-token rotation, session revocation and pruning.

-- Finding a token's successor during a retry, and the ON DELETE SET NULL of parent_id
-- when a session's tokens are deleted, both look tokens up by parent.
CREATE INDEX refresh_tokens_parent_id ON refresh_tokens (parent_id);

-- The pruner clears sealed successors once the retry grace period has passed.
CREATE INDEX refresh_tokens_sealed_used_at ON refresh_tokens (used_at)
    WHERE successor_sealed IS NOT NULL;

-- A session ends at its revocation or its first deadline (least() ignores NULL); the
-- pruner deletes sessions some time after that end.
CREATE INDEX sessions_ended_at ON sessions ((least(revoked_at, expires_at, idle_expires_at)));

-- Recent revocations are published to Redis again in case a publication was lost.
CREATE INDEX sessions_revoked_at ON sessions (revoked_at) WHERE revoked_at IS NOT NULL;
