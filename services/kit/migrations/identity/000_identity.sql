-- API keys (issue "Who may do what"): shared by every service's edge, kept in
-- the kit's own schema `<prefix>identity`, not in any service's. A key is
-- shown once when created; only its SHA-256 is stored.
CREATE TABLE IF NOT EXISTS api_keys (
    key_id      text        PRIMARY KEY,
    key_hash    bytea       NOT NULL UNIQUE,
    owner       text        NOT NULL,
    role        text        NOT NULL,
    scopes      text[]      NOT NULL,
    -- a department handler acts for one department; a store for its stores
    department  text,
    store_ids   text[]      NOT NULL DEFAULT '{}',
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz,
    revoked_at  timestamptz
);
