-- A run history as the first schema version wrote it: runs and findings, no per-user status.
PRAGMA application_id = 1397968978;
PRAGMA user_version = 1;
CREATE TABLE runs (
    id INTEGER PRIMARY KEY,
    tenant_id TEXT NOT NULL,
    tenant_name TEXT NOT NULL,
    generated_at TEXT NOT NULL,
    policy_hash TEXT NOT NULL,
    snapshot_path TEXT,
    users_total INTEGER NOT NULL,
    users_in_scope INTEGER NOT NULL,
    users_ready INTEGER NOT NULL);
CREATE INDEX runs_by_tenant ON runs (tenant_id, generated_at, id);
CREATE TABLE findings (
    run_id INTEGER NOT NULL REFERENCES runs (id),
    rule TEXT NOT NULL,
    severity TEXT NOT NULL,
    user_id TEXT,
    upn TEXT,
    field TEXT,
    value TEXT,
    message TEXT NOT NULL);
CREATE INDEX findings_by_run ON findings (run_id);
INSERT INTO runs VALUES (1, '11111111-2222-3333-4444-555555555555', 'Contoso Test', '2026-11-13T09:00:00Z',
    '0000000000000000000000000000000000000000000000000000000000000000', 'snapshots/week0.json', 8, 7, 5);
INSERT INTO findings VALUES
    (1, 'SSPR001', 'high', 'u-carol', 'carol@contoso.com', 'methods', NULL, 'Has no method usable for SSPR.'),
    (1, 'SSPR001', 'high', 'u-alice', 'alice@contoso.com', 'methods', NULL, 'Has no method usable for SSPR.'),
    (1, 'PHN001', 'medium', 'u-ivan', 'ivan@contoso.com', 'mobilePhone', '425 555 0100', 'Not in SSPR format.');
