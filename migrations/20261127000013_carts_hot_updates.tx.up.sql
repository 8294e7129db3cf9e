-- Every change to a cart (a line added, its totals recomputed) and a
-- payment's status on an order set sale_orders.updated_at, which the
-- abandoned-cart index keyed on: none of those updates could be HOT, and
-- each wrote a new entry into all six indexes of the table (5,444 of 29,230
-- updates were HOT after a load run). Open carts are found through the same
-- partial index keyed on id instead (the expiry and the back office's list
-- filter and sort the open carts by updated_at: the carts of the last
-- expiry period, not the orders), and the table's pages keep room for the
-- updated rows.
DROP INDEX sale_orders_abandoned_idx;
CREATE INDEX sale_orders_open_cart_idx ON sale_orders (id) WHERE state = 'draft' AND origin = 'website' AND placed_at IS NULL;
ALTER TABLE sale_orders SET (fillfactor = 85);
