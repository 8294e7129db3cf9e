package models

import (
	"context"
	"fmt"

	"github.com/uptrace/bun"
)

// CustomerOrders are the orders of a customer's portal: those billed to
// their contact that they were shown (placed in the shop, or sent as a
// quotation), newest first, at most limit. Carts and quotations still
// being written in the back office are left out.
func CustomerOrders(ctx context.Context, db bun.IDB, contactID int64, limit int) ([]*SaleOrder, error) {
	var out []*SaleOrder
	err := db.NewSelect().Model(&out).
		Where("so.partner_id = ?", contactID).Where("so.state <> ?", OrderDraft).
		OrderExpr("so.date_order DESC, so.id DESC").Limit(int64(limit)).Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("models: customer orders: %w", err)
	}
	return out, nil
}
