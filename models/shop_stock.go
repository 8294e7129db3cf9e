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

// shopStock is the free stock (on hand - reserved) of products in the
// website's warehouse.
type shopStock struct {
	variantFree  map[int64]decimal.Decimal // per variant
	templateFree map[int64]decimal.Decimal // per product, its variants' positive free stock summed
	storable     map[int64]bool            // per product
}

// shopFreeStock reads the free stock of the active variants of the given
// products in the website's warehouse, in one query.
func shopFreeStock(ctx context.Context, db bun.IDB, co *Company, templateIDs []int64) (shopStock, error) {
	st := shopStock{map[int64]decimal.Decimal{}, map[int64]decimal.Decimal{}, map[int64]bool{}}
	if len(templateIDs) == 0 {
		return st, nil
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
	err := queryPrepared(ctx, db, `
		WITH locs AS (
			SELECT l.id FROM stock_locations l JOIN warehouses w ON w.id = $1
			JOIN stock_locations v ON v.id = w.view_location_id
			WHERE l.usage = 'internal' AND (l.id = v.id OR starts_with(l.complete_name, v.complete_name || '/'))
		)
		SELECT pv.template_id, pv.id AS variant_id, t.type = 'storable' AS storable,
			coalesce(sum(q.quantity - q.reserved_quantity), 0) AS free
		FROM product_variants pv JOIN product_templates t ON t.id = pv.template_id
		LEFT JOIN stock_quants q ON q.variant_id = pv.id AND q.location_id IN (SELECT id FROM locs)
		WHERE pv.template_id = ANY($2) AND pv.active
		GROUP BY pv.template_id, pv.id, t.type`, []any{warehouseID, templateIDs}, &rows)
	if err != nil {
		return st, fmt.Errorf("models: shop stock: %w", err)
	}
	for _, r := range rows {
		st.variantFree[r.VariantID] = r.Free
		st.templateFree[r.TemplateID] = st.templateFree[r.TemplateID].Add(decimal.Max(r.Free, decimal.Zero))
		st.storable[r.TemplateID] = r.Storable
	}
	return st, nil
}

// shopStockCards sets the availability of listing cards: the free stock of
// all their variants together, in the website's warehouse.
func shopStockCards(ctx context.Context, db bun.IDB, co *Company, cards []ShopCard) error {
	ids := make([]int64, len(cards))
	for i, c := range cards {
		ids[i] = c.ID
	}
	st, err := shopFreeStock(ctx, db, co, ids)
	if err != nil {
		return err
	}
	for i := range cards {
		cards[i].Stock = stockLevel(st.storable[cards[i].ID], st.templateFree[cards[i].ID], co.SellBeyondStock)
	}
	return nil
}
