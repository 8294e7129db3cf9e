ALTER TABLE sale_orders RESET (fillfactor);
DROP INDEX sale_orders_open_cart_idx;
CREATE INDEX sale_orders_abandoned_idx ON sale_orders (updated_at) WHERE state = 'draft' AND origin = 'website' AND placed_at IS NULL;
