package models

import (
	"context"
	"fmt"

	"github.com/uptrace/bun"
)

// SeedStock creates the main warehouse (when there is none) and, on a
// warehouse without stock, an initial inventory of the demo catalog: most
// variants in stock, a few running low, a few sold out. The quantities come
// from done moves out of the inventory adjustment location, so on hand stays
// the sum of done moves. Idempotent.
func SeedStock(ctx context.Context, db bun.IDB) error {
	wh, err := SeedWarehouse(ctx, db)
	if err != nil {
		return err
	}
	if has, err := db.NewSelect().Model((*Quant)(nil)).Exists(ctx); err != nil || has {
		return wrapErr(err, "seed stock")
	}
	loss, err := specialLocation(ctx, db, UsageInventory)
	if err != nil {
		return err
	}
	// Deterministic quantities from the variant id: 1 in 9 sold out, 1 in 9
	// with only 1-3 left, the others 8-67.
	_, err = db.NewRaw(`
		WITH v AS (
			SELECT pv.id, CASE WHEN pv.id % 9 = 0 THEN 0 WHEN pv.id % 9 = 4 THEN 1 + pv.id % 3 ELSE 8 + (pv.id * 37) % 60 END AS qty
			FROM product_variants pv JOIN product_templates t ON t.id = pv.template_id
			WHERE t.type = 'storable' AND pv.active AND t.tracking = 'none'
		), m AS (
			INSERT INTO stock_moves (variant_id, description, demand, quantity_done, location_id, location_dest_id, state, origin, date_done)
			SELECT id, 'Initial inventory', qty, qty, ?, ?, 'done', 'Initial inventory', now() FROM v WHERE qty > 0
			RETURNING id, variant_id, demand
		), l AS (
			INSERT INTO stock_move_lines (move_id, variant_id, location_id, location_dest_id, quantity_done, state)
			SELECT id, variant_id, ?, ?, demand, 'done' FROM m
		)
		INSERT INTO stock_quants (variant_id, location_id, quantity) SELECT variant_id, ?, demand FROM m`,
		loss.ID, *wh.StockLocationID, loss.ID, *wh.StockLocationID, *wh.StockLocationID).Exec(ctx)
	if err != nil {
		return fmt.Errorf("models: seed stock: %w", err)
	}
	return nil
}

// CheckAvailabilityScheduled is the periodic "check availability": it
// reserves waiting moves now that stock may have arrived. Only one app server
// runs it at a time (a transaction-level advisory lock); the others skip.
func CheckAvailabilityScheduled(ctx context.Context, db *bun.DB) error {
	return runStockTx(ctx, db, func(ctx context.Context, tx bun.Tx) error {
		var got bool
		if err := tx.NewRaw("SELECT pg_try_advisory_xact_lock(727003)").Scan(ctx, &got); err != nil || !got {
			return err
		}
		return reserveWaiting(ctx, tx, nil)
	})
}
