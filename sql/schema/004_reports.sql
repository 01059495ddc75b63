-- Reports and their delivery: every rendered report is archived with the fingerprint of its
-- inputs (so it can be rendered again and shown identical), and every e-mail delivery is keyed
-- so that a report version is sent once; each attempt and its outcome is logged.

CREATE TABLE IF NOT EXISTS report_archive (
    archive_id        TEXT PRIMARY KEY,          -- <plan>/<period>/<lang>/v<version>
    plan_id           TEXT NOT NULL,
    period            TEXT NOT NULL,             -- YYYY-MM | YYYY-Qn | YYYY
    kind              TEXT NOT NULL,             -- monthly | quarterly | annual
    lang              TEXT NOT NULL,             -- zh | en
    as_of             DATE NOT NULL,             -- month end the mart rows were evaluated at
    version           INTEGER NOT NULL,          -- 1, 2, ... : a new version when the inputs change
    fingerprint       TEXT NOT NULL,             -- sha256 of the canonical inputs (all of them)
    mart_rows_sha256  TEXT NOT NULL,             -- sha256 of the canonicalised mart_progress rows used
    inputs_json       TEXT NOT NULL,             -- the canonical inputs themselves (re-render source)
    generated_at      TIMESTAMP NOT NULL,        -- printed in the report; reused when re-rendered
    archive_dir       TEXT NOT NULL,
    html_sha256       TEXT NOT NULL,
    pdf_sha256        TEXT NOT NULL,
    xlsx_sha256       TEXT NOT NULL,
    created_at        TIMESTAMP NOT NULL,
    UNIQUE (plan_id, period, lang, version),
    UNIQUE (plan_id, period, lang, fingerprint)
);

CREATE TABLE IF NOT EXISTS report_deliveries (
    delivery_id       TEXT PRIMARY KEY,          -- <archive_id>#<send_no>
    archive_id        TEXT NOT NULL,
    plan_id           TEXT NOT NULL,
    period            TEXT NOT NULL,
    lang              TEXT NOT NULL,
    version           INTEGER NOT NULL,
    send_no           INTEGER NOT NULL,          -- 0 the first sending, 1.. explicit resends
    recipients        TEXT NOT NULL,             -- JSON {"to": [...], "cc": [...]}
    status            TEXT NOT NULL,             -- pending | sending | sent | failed | superseded
    transport         TEXT,                      -- smtp | outbox
    attempts          INTEGER NOT NULL,
    last_error        TEXT,
    message_id        TEXT,
    created_at        TIMESTAMP NOT NULL,
    updated_at        TIMESTAMP NOT NULL,
    sent_at           TIMESTAMP,
    UNIQUE (plan_id, period, lang, version, send_no)
);

CREATE TABLE IF NOT EXISTS report_delivery_attempts (
    delivery_id       TEXT NOT NULL,
    attempt_no        INTEGER NOT NULL,
    transport         TEXT NOT NULL,
    started_at        TIMESTAMP NOT NULL,
    finished_at       TIMESTAMP,
    outcome           TEXT NOT NULL,             -- started | sent | failed
    detail            TEXT,
    PRIMARY KEY (delivery_id, attempt_no)
);
