package models

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/uptrace/bun"
)

// GetOrder returns an order with its lines, or ENOTFOUND.
func GetOrder(ctx context.Context, db bun.IDB, id int64) (*SaleOrder, error) {
	o := new(SaleOrder)
	err := queryPreparedOne(ctx, db, "SELECT "+columnsOf[SaleOrder](db, "")+" FROM sale_orders WHERE id = $1", []any{id}, o)
	if err != nil {
		return nil, notFound(err, "The order")
	}
	if err := loadOrderLines(ctx, db, o); err != nil {
		return nil, err
	}
	return o, nil
}

// loadOrderLines reads an order's lines, in their order.
func loadOrderLines(ctx context.Context, db bun.IDB, o *SaleOrder) error {
	o.Lines = []*SaleOrderLine{}
	err := queryPrepared(ctx, db, "SELECT "+columnsOf[SaleOrderLine](db, "")+" FROM sale_order_lines WHERE order_id = $1 ORDER BY sequence, id",
		[]any{o.ID}, &o.Lines)
	if err != nil {
		return fmt.Errorf("models: order lines: %w", err)
	}
	return nil
}

// GetOrderByName returns the order numbered name (S00042), or ENOTFOUND.
func GetOrderByName(ctx context.Context, db bun.IDB, name string) (*SaleOrder, error) {
	var id int64
	if err := db.NewRaw("SELECT id FROM sale_orders WHERE name = ?", name).Scan(ctx, &id); err != nil {
		return nil, notFound(err, "The order")
	}
	return GetOrder(ctx, db, id)
}

// orderNumberSQL takes the next order number: S00042.
const orderNumberSQL = "'S' || lpad(nextval('sale_order_number_seq')::text, 5, '0')"

func assignOrderName(ctx context.Context, tx bun.IDB, o *SaleOrder) error {
	if o.Name != nil {
		return nil
	}
	var name string
	if err := tx.NewRaw("SELECT "+orderNumberSQL).Scan(ctx, &name); err != nil {
		return fmt.Errorf("models: order number: %w", err)
	}
	o.Name = &name
	return nil
}

// orderNeedsShipping reports whether an order has goods (not only
// services): from its lines when they are loaded (the product types come
// through the reference cache), else from the database.
func orderNeedsShipping(ctx context.Context, db bun.IDB, o *SaleOrder) (bool, error) {
	if o.Lines != nil {
		var ids []int64
		for _, l := range o.ProductLines() {
			ids = append(ids, *l.VariantID)
		}
		vs, err := loadVariantPrices(ctx, db, ids, false)
		if err != nil {
			return false, err
		}
		for _, v := range vs {
			if !v.Service {
				return true, nil
			}
		}
		return false, nil
	}
	var ok bool
	err := queryPreparedOne(ctx, db, `SELECT EXISTS (SELECT FROM sale_order_lines AS l JOIN product_variants v ON v.id = l.variant_id
		JOIN product_templates t ON t.id = v.template_id WHERE l.order_id = $1 AND t.type <> 'service')`, []any{o.ID}, &ok)
	if err != nil {
		return false, fmt.Errorf("models: order needs shipping: %w", err)
	}
	return ok, nil
}

// useCoupon counts one use of the order's code; the table's CHECK refuses a
// use beyond the limit even when shoppers race for the last one.
func useCoupon(ctx context.Context, tx bun.IDB, o *SaleOrder) error {
	if o.CouponID == nil {
		return nil
	}
	_, err := tx.NewRaw("UPDATE coupons SET used_count = used_count + 1 WHERE id = ?", *o.CouponID).Exec(ctx)
	if isCheckViolation(err, "coupons_usage_within") {
		return Errorf(ECONFLICT, "The code on this order has just been used up. Remove it to continue.")
	}
	return err
}

func releaseCoupon(ctx context.Context, tx bun.IDB, o *SaleOrder) error {
	if o.CouponID == nil || o.PlacedAt == nil && o.ConfirmedAt == nil {
		return nil
	}
	_, err := tx.NewRaw("UPDATE coupons SET used_count = greatest(used_count - 1, 0) WHERE id = ?", *o.CouponID).Exec(ctx)
	return err
}

// ConfirmOrder confirms a quotation or a placed order (state sale): stock is
// reserved in the order's warehouse and its delivery transfers are created
// and linked to the order lines. Confirming a confirmed order changes
// nothing.
func ConfirmOrder(ctx context.Context, db *bun.DB, orderID, actorID int64) (*SaleOrder, error) {
	co, err := GetCompany(ctx, db)
	if err != nil {
		return nil, err
	}
	var out *SaleOrder
	ctx, later := withReserveLater(ctx)
	err = runStockTx(ctx, db, func(ctx context.Context, tx bun.Tx) error {
		later.ids = nil
		o, err := lockOrder(ctx, tx, orderID)
		if err != nil {
			return err
		}
		out = o
		return confirmOrderTx(ctx, tx, co, o, actorID)
	})
	if err == nil {
		reserveConfirmed(ctx, db, later, actorID)
	}
	return out, wrapErr(err, "confirm order")
}

// reservations collects the first transfers of the orders a transaction
// confirms, to reserve them once it has committed.
type reservations struct{ ids []int64 }

type reserveLaterKey struct{}

func withReserveLater(ctx context.Context) (context.Context, *reservations) {
	r := new(reservations)
	return context.WithValue(ctx, reserveLaterKey{}, r), r
}

func reserveLater(ctx context.Context) *reservations {
	r, _ := ctx.Value(reserveLaterKey{}).(*reservations)
	return r
}

// reserveConfirmed reserves the transfers confirmed orders created, each in
// its own short transaction. A failure leaves the transfer waiting: the
// scheduled check availability reserves it later, and the order stays
// confirmed either way.
func reserveConfirmed(ctx context.Context, db *bun.DB, r *reservations, actorID int64) {
	for _, id := range r.ids {
		if err := runStockTx(ctx, db, func(ctx context.Context, tx bun.Tx) error {
			_, err := reservePickingMoves(ctx, tx, id)
			return err
		}); err != nil {
			slog.Default().Error("reserve a confirmed order's delivery", "picking_id", id, "error", err)
		}
	}
}

func confirmOrderTx(ctx context.Context, tx bun.Tx, co *Company, o *SaleOrder, actorID int64) error {
	switch o.State {
	case OrderSale:
		return nil
	case OrderCancel:
		return Errorf(ECONFLICT, "%s is cancelled and cannot be confirmed.", o.Number())
	}
	if o.IsCart() {
		return Errorf(ECONFLICT, "A cart is confirmed by its checkout.")
	}
	variants, err := loadOrderLinesForStock(ctx, tx, o)
	if err != nil {
		return err
	}
	if len(o.ProductLines()) == 0 {
		return Errorf(EINVALID, "Add at least one product before confirming %s.", o.Number())
	}
	if o.PartnerID == nil {
		return Errorf(EINVALID, "Choose the customer before confirming %s.", o.Number())
	}
	if err := assignOrderName(ctx, tx, o); err != nil {
		return err
	}
	if o.PlacedAt == nil && o.ConfirmedAt == nil {
		if err := useCoupon(ctx, tx, o); err != nil {
			return err
		}
	}
	if o.WarehouseID == nil {
		wh, err := shopWarehouseID(ctx, tx, co)
		if err != nil {
			return err
		}
		o.WarehouseID = wh
	}
	now := time.Now()
	o.State, o.ConfirmedAt = OrderSale, &now
	var demand []DemandLine
	needsShipping := false
	for _, l := range o.ProductLines() {
		demand = append(demand, DemandLine{VariantID: *l.VariantID, Quantity: l.Quantity, Description: l.Description, SaleLineID: &l.ID})
		if vi, ok := variants[*l.VariantID]; ok && vi.Type != ProductService {
			needsShipping = true
		}
	}
	var history []HistoryEntry // the transfers', recorded with the order's
	if needsShipping {
		if o.WarehouseID == nil {
			return Errorf(ECONFLICT, "Create a warehouse before confirming orders.")
		}
		partner := o.ShippingPartnerID
		if partner == nil {
			partner = o.PartnerID
		}
		pending := reserveLater(ctx)
		pickings, err := CreateDeliveryChainTx(ctx, tx, ProcurementInput{WarehouseID: *o.WarehouseID, PartnerID: partner, Origin: *o.Name,
			ScheduledDate: now, Lines: demand, SaleOrderID: &o.ID, CarrierID: o.CarrierID, DeferReservation: pending != nil,
			variants: variants, history: &history}, actorID)
		if err != nil {
			return err
		}
		if pending != nil && len(pickings) > 0 {
			pending.ids = append(pending.ids, pickings[0].ID)
		}
		o.DeliveryStatus = DeliveryPending
	}
	if _, err := tx.NewUpdate().Model(o).Column("name", "state", "confirmed_at", "warehouse_id", "delivery_status", "amount_paid", "payment_status").
		Set("updated_at = now()").WherePK().Exec(ctx); err != nil {
		return fmt.Errorf("models: confirm order: %w", err)
	}
	return RecordHistories(ctx, tx, append(history, historyEntry("sale_order", o.ID, actorID, "Order confirmed.")))
}

// orderLineStock is an order line with its product's type and tracking.
type orderLineStock struct {
	SaleOrderLine `bun:",extend"`

	ProductType string `bun:"product_type,scanonly"`
	Tracking    string `bun:"tracking,scanonly"`
}

// loadOrderLinesForStock loads the order's lines and, in the same query,
// the type and tracking of their products.
func loadOrderLinesForStock(ctx context.Context, db bun.IDB, o *SaleOrder) (map[int64]variantStockInfo, error) {
	var rows []orderLineStock
	err := queryPrepared(ctx, db, "SELECT "+columnsOf[SaleOrderLine](db, "sol")+`, coalesce(t.type, '') AS product_type, coalesce(t.tracking, '') AS tracking
		FROM sale_order_lines AS sol LEFT JOIN product_variants AS v ON v.id = sol.variant_id
		LEFT JOIN product_templates AS t ON t.id = v.template_id
		WHERE sol.order_id = $1 ORDER BY sol.sequence, sol.id`, []any{o.ID}, &rows)
	if err != nil {
		return nil, fmt.Errorf("models: load order lines: %w", err)
	}
	o.Lines = make([]*SaleOrderLine, len(rows))
	info := map[int64]variantStockInfo{}
	for i := range rows {
		l := &rows[i]
		o.Lines[i] = &l.SaleOrderLine
		if l.VariantID != nil && l.ProductType != "" {
			info[*l.VariantID] = variantStockInfo{VariantID: *l.VariantID, Type: l.ProductType, Tracking: l.Tracking}
		}
	}
	return info, nil
}

// CancelOrder cancels an order that has not shipped: its transfers are
// cancelled (releasing the reserved stock), open payment transactions are
// cancelled and the promotion code's use is given back.
func CancelOrder(ctx context.Context, db *bun.DB, orderID, actorID int64) (*SaleOrder, error) {
	var out *SaleOrder
	err := runStockTx(ctx, db, func(ctx context.Context, tx bun.Tx) error {
		o, err := lockOrder(ctx, tx, orderID)
		if err != nil {
			return err
		}
		out = o
		if o.State == OrderCancel {
			return nil
		}
		var pickings []Picking
		if err := tx.NewSelect().Model(&pickings).Where("sale_order_id = ?", o.ID).Order("id").Scan(ctx); err != nil {
			return err
		}
		for _, pk := range pickings {
			if pk.State == StateDone {
				return Errorf(ECONFLICT, "%s has a done transfer (%s): it cannot be cancelled. Use a return instead.", o.Number(), pk.Name)
			}
		}
		if o.PaymentStatus == PaymentPaid || o.AmountPaid.IsPositive() {
			return Errorf(ECONFLICT, "%s is paid: refund the payment before cancelling it.", o.Number())
		}
		for _, pk := range pickings {
			if err := cancelPickingTx(ctx, tx, pk.ID, actorID); err != nil {
				return err
			}
		}
		if _, err := tx.NewRaw(`UPDATE payment_transactions SET state = 'cancel', state_message = 'Order cancelled.', updated_at = now()
			WHERE order_id = ? AND state IN ('draft', 'pending', 'authorized')`, o.ID).Exec(ctx); err != nil {
			return err
		}
		if err := releaseCoupon(ctx, tx, o); err != nil {
			return err
		}
		now := time.Now()
		o.State, o.CancelledAt, o.DeliveryStatus = OrderCancel, &now, DeliveryNone
		if _, err := tx.NewUpdate().Model(o).Column("state", "cancelled_at", "delivery_status").Set("updated_at = now()").WherePK().Exec(ctx); err != nil {
			return err
		}
		return RecordHistory(ctx, tx, "sale_order", o.ID, actorID, "Order cancelled.")
	})
	return out, wrapErr(err, "cancel order")
}

// UpdateOrderDeliveries brings the delivered quantities and the delivery
// status of the orders linked to transfers up to date. Only moves that
// reached a customer location count, so in a pick + pack + ship chain only
// the last step delivers. Validation calls it in its transaction.
func UpdateOrderDeliveries(ctx context.Context, tx bun.IDB, pickingIDs []int64) error {
	if len(pickingIDs) == 0 {
		return nil
	}
	var orderIDs []int64
	if err := tx.NewRaw("SELECT DISTINCT sale_order_id FROM stock_pickings WHERE id IN (?) AND sale_order_id IS NOT NULL", bun.In(pickingIDs)).Scan(ctx, &orderIDs); err != nil {
		return fmt.Errorf("models: orders of transfers: %w", err)
	}
	if len(orderIDs) == 0 {
		return nil
	}
	_, err := tx.NewRaw(`
		UPDATE sale_order_lines l SET qty_delivered = d.qty, updated_at = now()
		FROM (SELECT l.id, coalesce(sum(m.quantity_done) FILTER (WHERE m.state = 'done' AND dl.usage = 'customer'), 0)
		             - coalesce(sum(m.quantity_done) FILTER (WHERE m.state = 'done' AND sl.usage = 'customer'), 0) AS qty
		      FROM sale_order_lines l
		      LEFT JOIN stock_moves m ON m.sale_line_id = l.id
		      LEFT JOIN stock_locations dl ON dl.id = m.location_dest_id
		      LEFT JOIN stock_locations sl ON sl.id = m.location_id
		      WHERE l.order_id IN (?) AND l.kind = 'product'
		      GROUP BY l.id) d
		WHERE l.id = d.id AND l.qty_delivered IS DISTINCT FROM d.qty`, bun.In(orderIDs)).Exec(ctx)
	if err != nil {
		return fmt.Errorf("models: delivered quantities: %w", err)
	}
	_, err = tx.NewRaw(`
		UPDATE sale_orders o SET delivery_status = s.status, updated_at = now()
		FROM (SELECT o.id,
		        CASE WHEN NOT EXISTS (SELECT 1 FROM stock_pickings p WHERE p.sale_order_id = o.id AND p.state <> 'cancel') THEN 'none'
		             WHEN NOT EXISTS (SELECT 1 FROM stock_pickings p WHERE p.sale_order_id = o.id AND p.state NOT IN ('done', 'cancel')) THEN 'full'
		             WHEN EXISTS (SELECT 1 FROM sale_order_lines l WHERE l.order_id = o.id AND l.qty_delivered > 0) THEN 'partial'
		             ELSE 'pending' END AS status
		      FROM sale_orders o WHERE o.id IN (?)) s
		WHERE o.id = s.id AND o.delivery_status <> s.status`, bun.In(orderIDs)).Exec(ctx)
	if err != nil {
		return fmt.Errorf("models: delivery status: %w", err)
	}
	return nil
}
