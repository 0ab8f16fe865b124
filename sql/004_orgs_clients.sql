-- Organisations, memberships and service clients: the tables exist since 001; this adds
-- the limits the command line and the HTTP API rely on, and a change time for memberships.

-- Organisation and client names are shown in listings and audit details, so they stay
-- short, single-line text.
ALTER TABLE organisations
    ADD CONSTRAINT organisations_name_length CHECK (length(name) BETWEEN 1 AND 200),
    ADD CONSTRAINT organisations_name_single_line CHECK (name !~ '[[:cntrl:]]');

ALTER TABLE service_clients
    ADD CONSTRAINT service_clients_name_length CHECK (length(name) BETWEEN 1 AND 200),
    ADD CONSTRAINT service_clients_name_single_line CHECK (name !~ '[[:cntrl:]]'),
    ADD CONSTRAINT service_clients_has_scopes CHECK (cardinality(scopes) > 0);

-- A role change keeps the row (and created_at, the time the user joined) and moves
-- updated_at, so that listings can show both.
ALTER TABLE memberships
    ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now();

CREATE TRIGGER memberships_touch_updated_at BEFORE UPDATE ON memberships
    FOR EACH ROW EXECUTE FUNCTION latchkey_touch_updated_at();
