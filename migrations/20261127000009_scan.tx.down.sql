DROP INDEX stock_quants_lot_idx;
DROP INDEX stock_quants_package_idx;
DROP INDEX stock_move_lines_result_package_idx;
DROP INDEX stock_move_lines_package_idx;
DROP SEQUENCE stock_package_seq;
ALTER TABLE picking_types DROP COLUMN allow_extra;
