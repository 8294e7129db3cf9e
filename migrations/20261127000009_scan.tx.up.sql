-- Handheld transfers: operation types that accept more than the demand,
-- package numbers, and the lookups a scan needs.

-- "Allow extra": a scan may do more than a move's demand (the demand grows
-- to what was done when the transfer is validated).
ALTER TABLE picking_types ADD COLUMN allow_extra boolean NOT NULL DEFAULT false;

-- Package names PACK0000001: numbers need not be gapless, so a plain
-- sequence (no row lock shared by every packer) is enough.
CREATE SEQUENCE stock_package_seq;

-- Which transfer carries a package, what was packed where, where a lot is.
CREATE INDEX stock_move_lines_package_idx ON stock_move_lines (package_id) WHERE package_id IS NOT NULL;
CREATE INDEX stock_move_lines_result_package_idx ON stock_move_lines (result_package_id) WHERE result_package_id IS NOT NULL;
CREATE INDEX stock_quants_package_idx ON stock_quants (package_id) WHERE package_id IS NOT NULL;
CREATE INDEX stock_quants_lot_idx ON stock_quants (lot_id) WHERE lot_id IS NOT NULL;
