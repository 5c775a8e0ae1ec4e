-- The reporting service's command side: authoritative, never dropped by a
-- rebuild. Each review (评审) of a monthly report as decided, written in the
-- transaction that writes its report_reviewed event to the outbox.
CREATE TABLE report_reviews (
    review_id   text PRIMARY KEY,
    period      text    NOT NULL,
    part        text    NOT NULL,
    company     text,
    reviewer    text    NOT NULL,
    reviewed_on date    NOT NULL,
    capa_needed boolean NOT NULL,
    reason      text    NOT NULL,
    recorded_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX report_reviews_period ON report_reviews (period);
