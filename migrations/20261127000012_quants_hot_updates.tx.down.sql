ALTER TABLE stock_quants RESET (fillfactor);
DROP INDEX stock_quants_free_idx;
CREATE INDEX stock_quants_free_idx ON stock_quants (variant_id, in_date, id) WHERE quantity > reserved_quantity;
