-- Document numbers come in two kinds:
--   gapless (invoices, later): the sequences row is locked by the transaction
--     that takes a number until it ends, so a rollback gives the number back;
--     every other transaction taking a number of that code waits meanwhile.
--   fast (transfers, like Odoo's stock sequences): the numbers come from a
--     PostgreSQL sequence; nextval never waits and is not rolled back, so an
--     aborted transaction leaves a gap. next_number is then unused.
ALTER TABLE sequences
    ADD COLUMN gapless boolean NOT NULL DEFAULT true,
    ADD COLUMN pg_sequence text UNIQUE,
    ADD CONSTRAINT sequences_kind CHECK (gapless = (pg_sequence IS NULL));

-- Transfer numbers become fast, each continuing from its current number. The
-- PostgreSQL sequences belong to the column: dropping it drops them.
DO $$
DECLARE
    r record;
    seq text;
BEGIN
    FOR r IN SELECT code, next_number FROM sequences WHERE code LIKE 'picking.%' ORDER BY code LOOP
        seq := left('seq_' || regexp_replace(lower(r.code), '[^a-z0-9]+', '_', 'g'), 50) || '_' || left(md5(r.code), 6);
        EXECUTE format('CREATE SEQUENCE %I START %s OWNED BY sequences.pg_sequence', seq, r.next_number);
        UPDATE sequences SET gapless = false, pg_sequence = seq WHERE code = r.code;
    END LOOP;
END $$;

-- next_sequence_name takes the next number of a sequence code and formats
-- it: 'WH/OUT/00017'. Usable inside an INSERT, so a document is named when
-- it is created.
CREATE FUNCTION next_sequence_name(p_code text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    v_prefix  text;
    v_padding integer;
    v_seq     text;
    v_number  bigint;
BEGIN
    SELECT prefix, padding, pg_sequence INTO v_prefix, v_padding, v_seq FROM sequences WHERE code = p_code;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'sequence % does not exist', p_code USING ERRCODE = 'no_data_found';
    END IF;
    IF v_seq IS NULL THEN
        UPDATE sequences SET next_number = next_number + 1 WHERE code = p_code
            RETURNING prefix, padding, next_number - 1 INTO v_prefix, v_padding, v_number;
    ELSE
        v_number := nextval(v_seq::regclass);
    END IF;
    RETURN v_prefix || lpad(v_number::text, greatest(v_padding, length(v_number::text)), '0');
END $$;
