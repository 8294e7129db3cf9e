DROP TABLE stock_move_lines;
DROP TABLE stock_moves;
DROP TABLE stock_pickings;
DROP TABLE stock_quants;
DROP TABLE stock_packages;
DROP TABLE stock_lots;
DROP TABLE picking_types;
ALTER TABLE companies DROP COLUMN website_warehouse_id;
ALTER TABLE warehouses DROP COLUMN view_location_id, DROP COLUMN stock_location_id,
    DROP COLUMN pack_location_id, DROP COLUMN output_location_id;
DROP TABLE stock_locations;
DROP TABLE warehouses;
DROP TABLE sequences;
