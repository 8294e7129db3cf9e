DROP INDEX IF EXISTS mail_messages_due_idx;

ALTER TABLE mail_messages
    DROP COLUMN IF EXISTS next_attempt_at,
    DROP COLUMN IF EXISTS attempts;
