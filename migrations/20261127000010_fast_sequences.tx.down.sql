DROP FUNCTION next_sequence_name(text);
-- Gapless again: each code continues after the last number handed out.
UPDATE sequences s SET next_number = coalesce(ps.last_value + 1, ps.start_value)
    FROM pg_sequences ps
    WHERE ps.schemaname = current_schema() AND ps.sequencename = s.pg_sequence;
ALTER TABLE sequences DROP CONSTRAINT sequences_kind, DROP COLUMN gapless, DROP COLUMN pg_sequence;
