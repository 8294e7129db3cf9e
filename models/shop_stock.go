package models

import (
	"context"
	"fmt"

	"github.com/shopspring/decimal"
	"github.com/uptrace/bun"
)

// Stock statuses shoppers see.
const (
	StockIn        = "in_stock"
	StockLow       = "low"       // only a few left
	StockOut       = "out"       // none free (orders wait unless the shop sells beyond stock)
	StockUntracked = "untracked" // services and consumables: always available
)

// LowStockThreshold is the free quantity at or below which the shop says
// "only N left".
var LowStockThreshold = decimal.NewFromInt(5)

// StockLevel is what the shop says about availability.
type StockLevel struct {
	Status string
	Free   decimal.Decimal
	// Orderable is false when nothing is free and the company does not sell
	// beyond stock.
	Orderable bool
}

func stockLevel(storable bool, free decimal.Decimal, sellBeyond bool) StockLevel {
	switch {
	case !storable:
		return StockLevel{Status: StockUntracked, Orderable: true}
	case !free.IsPositive():
		return StockLevel{Status: StockOut, Free: decimal.Zero, Orderable: sellBeyond}
	case free.LessThanOrEqual(LowStockThreshold):
		return StockLevel{Status: StockLow, Free: free, Orderable: true}
	}
	return StockLevel{Status: StockIn, Free: free, Orderable: true}
}

// shopFreeStock returns the free quantity (on hand - reserved) of each
// variant of the given products in the website's warehouse, and whether the
// product is stored, in one query.
func shopFreeStock(ctx context.Context, db bun.IDB, co *Company, templateIDs []int64) (map[int64]decimal.Decimal, map[int64]bool, error) {
	free, storable := map[int64]decimal.Decimal{}, map[int64]bool{}
	if len(templateIDs) == 0 {
		return free, storable, nil
	}
	var rows []struct {
		TemplateID int64           `bun:"template_id"`
		VariantID  int64           `bun:"variant_id"`
		Storable   bool            `bun:"storable"`
		Free       decimal.Decimal `bun:"free,type:numeric"`
	}
	warehouseID := int64(0)
	if co.WebsiteWarehouseID != nil {
		warehouseID = *co.WebsiteWarehouseID
	}
	err := db.NewRaw(`
		WITH locs AS (
			SELECT l.id FROM stock_locations l JOIN warehouses w ON w.id = ?
			JOIN stock_locations v ON v.id = w.view_location_id
			WHERE l.usage = 'internal' AND (l.id = v.id OR starts_with(l.complete_name, v.complete_name || '/'))
		)
		SELECT pv.template_id, pv.id AS variant_id, t.type = 'storable' AS storable,
			coalesce(sum(q.quantity - q.reserved_quantity), 0) AS free
		FROM product_variants pv JOIN product_templates t ON t.id = pv.template_id
		LEFT JOIN stock_quants q ON q.variant_id = pv.id AND q.location_id IN (SELECT id FROM locs)
		WHERE pv.template_id IN (?) AND pv.active
		GROUP BY pv.template_id, pv.id, t.type`, warehouseID, bun.In(templateIDs)).Scan(ctx, &rows)
	if err != nil {
		return nil, nil, fmt.Errorf("models: shop stock: %w", err)
	}
	for _, r := range rows {
		free[r.VariantID] = r.Free
		storable[r.TemplateID] = r.Storable
	}
	return free, storable, nil
}

// shopStockCards sets the availability of listing cards: the free stock of
// all their variants together, in the website's warehouse.
func shopStockCards(ctx context.Context, db bun.IDB, co *Company, cards []ShopCard) error {
	ids := make([]int64, len(cards))
	for i, c := range cards {
		ids[i] = c.ID
	}
	free, storable, err := shopFreeStock(ctx, db, co, ids)
	if err != nil {
		return err
	}
	total := map[int64]decimal.Decimal{}
	var variantTemplate []struct {
		ID         int64 `bun:"id"`
		TemplateID int64 `bun:"template_id"`
	}
	if len(ids) > 0 {
		if err := db.NewRaw("SELECT id, template_id FROM product_variants WHERE template_id IN (?) AND active", bun.In(ids)).Scan(ctx, &variantTemplate); err != nil {
			return fmt.Errorf("models: shop stock: %w", err)
		}
	}
	for _, vt := range variantTemplate {
		total[vt.TemplateID] = total[vt.TemplateID].Add(decimal.Max(free[vt.ID], decimal.Zero))
	}
	for i := range cards {
		cards[i].Stock = stockLevel(storable[cards[i].ID], total[cards[i].ID], co.SellBeyondStock)
	}
	return nil
}
