-- Delivery of outgoing mail through SMTP (SMTP_URL): each failed try is
-- counted and the next one waits (backoff); after the last try the mail is
-- "error". The partial index is the sender's queue: due outgoing mail.
ALTER TABLE mail_messages
    ADD COLUMN attempts        int         NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    ADD COLUMN next_attempt_at timestamptz NOT NULL DEFAULT now();

CREATE INDEX mail_messages_due_idx ON mail_messages (next_attempt_at, id) WHERE state = 'outgoing';
