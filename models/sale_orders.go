package models

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/uptrace/bun"
)

// GetOrder returns an order with its lines, or ENOTFOUND.
func GetOrder(ctx context.Context, db bun.IDB, id int64) (*SaleOrder, error) {
	o, err := queryOrderWithLines(ctx, db, "id = $1", id)
	if err != nil {
		return nil, notFound(err, "The order")
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

// orderWithLines is an order and its lines read in one statement: the lines
// come as one JSON array of arrays (columns in columnsOf order).
type orderWithLines struct {
	SaleOrder `bun:",extend"`

	LinesJSON []byte `bun:"lines_json,scanonly"`
}

// queryOrderWithLines reads the first order matching where (a condition
// on sale_orders with $n placeholders; it may end with ORDER BY/LIMIT) with
// its lines, in one round trip; sql.ErrNoRows when none. It does not lock:
// a locking read must read the lines after the lock (lockOrder, then
// loadOrderLines), or it could miss lines written by the transaction it
// waited for.
func queryOrderWithLines(ctx context.Context, db bun.IDB, where string, args ...any) (*SaleOrder, error) {
	var row orderWithLines
	if err := queryPreparedOne(ctx, db, orderWithLinesSelect(db)+" FROM sale_orders so WHERE "+where, args, &row); err != nil {
		return nil, err
	}
	return row.order(db)
}

// orderWithLinesSelect selects an order (sale_orders AS so) and its lines
// as lines_json.
func orderWithLinesSelect(db bun.IDB) string {
	return "SELECT " + columnsOf[SaleOrder](db, "so") + ", (SELECT coalesce(json_agg(json_build_array(" + columnsOf[SaleOrderLine](db, "sol") +
		") ORDER BY sol.sequence, sol.id), '[]') FROM sale_order_lines sol WHERE sol.order_id = so.id) AS lines_json"
}

// order returns the order with its decoded lines.
func (r *orderWithLines) order(db bun.IDB) (*SaleOrder, error) {
	lines, err := decodeRows[SaleOrderLine](db, r.LinesJSON)
	if err != nil {
		return nil, fmt.Errorf("models: order lines: %w", err)
	}
	o := &r.SaleOrder
	o.Lines = lines
	return o, nil
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
// At least five digits: S99999 is followed by S100000 (lpad alone would
// cut it to S10000, a number already taken).
const orderNumberSQL = "(SELECT 'S' || lpad(n::text, greatest(5, length(n::text)), '0') FROM nextval('sale_order_number_seq') AS n)"

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
// and linked to the order lines; the customer of a website order gets the
// order confirmation by mail (see CustomerMail). Confirming a confirmed
// order changes nothing.
func ConfirmOrder(ctx context.Context, db *bun.DB, mail CustomerMail, orderID, actorID int64) (*SaleOrder, error) {
	co, err := GetCompany(ctx, db)
	if err != nil {
		return nil, err
	}
	var out *SaleOrder
	err = runConfirmingTx(ctx, db, func(ctx context.Context, tx bun.Tx) error {
		o, err := lockOrder(ctx, tx, orderID)
		if err != nil {
			return err
		}
		out = o
		return confirmOrderTx(ctx, tx, co, mail, o, actorID)
	})
	return out, wrapErr(err, "confirm order")
}

// reservations collects the first transfers of the orders a transaction
// confirms, to reserve them at the end of that transaction (or, deferred,
// once it has committed).
type reservations struct {
	ids      []int64
	moves    []*moveToReserve // the transfers' moves, as inserted
	deferred bool
}

type reserveLaterKey struct{}

func reserveLater(ctx context.Context) *reservations {
	r, _ := ctx.Value(reserveLaterKey{}).(*reservations)
	return r
}

// reserveError is a failure to reserve a confirmed order's delivery.
type reserveError struct{ err error }

func (e *reserveError) Error() string { return e.err.Error() }
func (e *reserveError) Unwrap() error { return e.err }

// runConfirmingTx runs fn in a stock transaction (retried on deadlocks and
// serialization failures) and reserves the deliveries of the orders fn
// confirms last in the same transaction, so that the quants stay locked
// only until its commit and a web order pays one commit, not two. The
// history fn records is written in one statement at its end. Should
// reserving fail (after the retries of deadlocks and serialization
// failures), fn runs again without reserving and the
// deliveries are reserved after the commit, each in its own transaction;
// a failure there leaves the delivery waiting for the scheduled
// availability check. The order is confirmed either way. Mail fn queued
// (the order confirmation) wakes its outbox once the commit is done.
func runConfirmingTx(ctx context.Context, db *bun.DB, fn func(ctx context.Context, tx bun.Tx) error) error {
	r := new(reservations)
	ctx = context.WithValue(ctx, reserveLaterKey{}, r)
	ctx, history := collectHistory(ctx)
	ctx, wake := withMailWake(ctx)
	run := func() error {
		return runStockTx(ctx, db, func(ctx context.Context, tx bun.Tx) error {
			r.ids, r.moves, wake.box = nil, nil, nil
			history.start()
			err := fn(ctx, tx)
			if err == nil {
				err = history.flush(ctx, tx)
			}
			history.open = false
			if err != nil || r.deferred {
				return err
			}
			if len(r.moves) == 0 {
				return nil
			}
			if _, err := reserveNewMoves(ctx, tx, r.moves); err != nil {
				return &reserveError{err}
			}
			return nil
		})
	}
	err := run()
	if rerr := (*reserveError)(nil); errors.As(err, &rerr) { // not even retries helped
		slog.Default().Error("reserve a confirmed order's delivery; confirming without reserving", "error", err)
		r.deferred = true
		err = run()
	}
	if err != nil {
		return err
	}
	wake.box.Queued()
	if !r.deferred {
		return nil
	}
	for _, id := range r.ids {
		if err := runStockTx(ctx, db, func(ctx context.Context, tx bun.Tx) error {
			_, err := reservePickingMoves(ctx, tx, id)
			return err
		}); err != nil {
			slog.Default().Error("reserve a confirmed order's delivery", "picking_id", id, "error", err)
		}
	}
	return nil
}

// confirmOrderTx confirms the locked order o in tx (see ConfirmOrder).
func confirmOrderTx(ctx context.Context, tx bun.Tx, co *Company, mail CustomerMail, o *SaleOrder, actorID int64) error {
	switch o.State {
	case OrderSale:
		return nil
	case OrderCancel:
		return Errorf(ECONFLICT, "%s is cancelled and cannot be confirmed.", o.Number())
	}
	if o.IsCart() {
		return Errorf(ECONFLICT, "A cart is confirmed by its checkout.")
	}
	send, err := mail.sends(o)
	if err != nil {
		return err
	}
	variants, err := loadOrderLinesForStock(ctx, tx, o, send)
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
		if _, err := CreateDeliveryChainTx(ctx, tx, ProcurementInput{WarehouseID: *o.WarehouseID, PartnerID: partner, Origin: *o.Name,
			ScheduledDate: now, Lines: demand, SaleOrderID: &o.ID, CarrierID: o.CarrierID, reserve: reserveLater(ctx),
			variants: variants, history: &history}, actorID); err != nil {
			return err
		}
		o.DeliveryStatus = DeliveryPending
	}
	if err := updatePrepared(ctx, tx, o, "updated_at = now()",
		[]string{"name", "state", "confirmed_at", "warehouse_id", "delivery_status", "amount_paid", "payment_status"}, ""); err != nil {
		return fmt.Errorf("models: confirm order: %w", err)
	}
	if err := RecordHistories(ctx, tx, append(history, historyEntry("sale_order", o.ID, actorID, "Order confirmed."))); err != nil {
		return err
	}
	return mailOrderConfirmation(ctx, tx, co, mail, o, actorID)
}

// orderLineStock is an order line with its product's type and tracking.
type orderLineStock struct {
	SaleOrderLine `bun:",extend"`

	ProductType   string  `bun:"product_type,scanonly"`
	Tracking      string  `bun:"tracking,scanonly"`
	CustomerName  *string `bun:"customer_name,scanonly"`
	CustomerEmail *string `bun:"customer_email,scanonly"`
}

// loadOrderLinesForStock loads the order's lines and, in the same query,
// the type and tracking of their products, and the customer's name and
// email when withCustomer is set (for the confirmation mail).
func loadOrderLinesForStock(ctx context.Context, db bun.IDB, o *SaleOrder, withCustomer bool) (map[int64]variantStockInfo, error) {
	var rows []orderLineStock
	var customerID *int64 // nil: the customer columns are NULL
	if withCustomer {
		customerID = o.PartnerID
	}
	err := queryPrepared(ctx, db, "SELECT "+columnsOf[SaleOrderLine](db, "sol")+`, coalesce(t.type, '') AS product_type, coalesce(t.tracking, '') AS tracking,
		`+customerSQL(2)+`
		FROM sale_order_lines AS sol LEFT JOIN product_variants AS v ON v.id = sol.variant_id
		LEFT JOIN product_templates AS t ON t.id = v.template_id
		WHERE sol.order_id = $1 ORDER BY sol.sequence, sol.id`, []any{o.ID, customerID}, &rows)
	if err != nil {
		return nil, fmt.Errorf("models: load order lines: %w", err)
	}
	if len(rows) > 0 {
		o.setCustomer(rows[0].CustomerName, rows[0].CustomerEmail)
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
// cancelled and the promotion code's use is given back. A paid order may be
// cancelled too, as in Odoo: what was paid stays recorded, and the history
// says to refund it (Orderflow does not refund through providers yet). The
// customer of a website order is mailed (see CustomerMail).
func CancelOrder(ctx context.Context, db *bun.DB, mail CustomerMail, orderID, actorID int64) (*SaleOrder, error) {
	return cancelOrder(ctx, db, mail, orderID, actorID, nil, "Order cancelled.")
}

// Longest reason a customer may give for declining a quotation.
const maxDeclineReason = 1000

// DeclineQuotation is the customer declining a quotation a sales rep sent
// them (Odoo's portal "Decline"): it is cancelled, and its history keeps
// the reason given (optional) for the rep. Only a sent quotation still
// open can be declined (ECONFLICT otherwise).
func DeclineQuotation(ctx context.Context, db *bun.DB, orderID int64, reason string) (*SaleOrder, error) {
	reason = strings.TrimSpace(reason)
	if utf8.RuneCountInString(reason) > maxDeclineReason {
		return nil, &Error{Code: EINVALID, Message: fmt.Sprintf("Your reason is too long: use at most %d characters.", maxDeclineReason),
			Fields: map[string]string{"reason": fmt.Sprintf("Use at most %d characters.", maxDeclineReason)}}
	}
	note := "Quotation declined by the customer."
	if reason != "" {
		note = "Quotation declined by the customer: " + reason
	}
	return cancelOrder(ctx, db, NoCustomerMail, orderID, 0, func(o *SaleOrder) error {
		if o.Origin != OriginOffice || o.State != OrderSent {
			return Errorf(ECONFLICT, "%s is not a quotation waiting for your answer.", o.Number())
		}
		return nil
	}, note)
}

// cancelOrder is CancelOrder with a check of the locked order first (nil:
// none) and the history note to write.
func cancelOrder(ctx context.Context, db *bun.DB, mail CustomerMail, orderID, actorID int64, check func(*SaleOrder) error, note string) (*SaleOrder, error) {
	var out *SaleOrder
	ctx, wake := withMailWake(ctx)
	err := runStockTx(ctx, db, func(ctx context.Context, tx bun.Tx) error {
		o, err := lockOrder(ctx, tx, orderID)
		if err != nil {
			return err
		}
		out = o
		if o.State == OrderCancel {
			return nil
		}
		if check != nil {
			if err := check(o); err != nil {
				return err
			}
		}
		if o.IsCart() {
			return Errorf(ECONFLICT, "A cart belongs to its shopper: it is not cancelled here, and expires by itself when left.")
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
		if err := loadPaymentStatus(ctx, tx, o); err != nil { // without the payments just cancelled
			return err
		}
		now := time.Now()
		o.State, o.CancelledAt, o.DeliveryStatus = OrderCancel, &now, DeliveryNone
		if _, err := tx.NewUpdate().Model(o).Column("state", "cancelled_at", "delivery_status", "payment_status", "amount_paid").
			Set("updated_at = now()").WherePK().Exec(ctx); err != nil {
			return err
		}
		co, err := GetCompany(ctx, tx)
		if err != nil {
			return err
		}
		if o.AmountPaid.IsPositive() {
			note += fmt.Sprintf(" The customer paid %s: refund it through the payment provider.", co.Currency().Format(o.AmountPaid))
		}
		if err := RecordHistory(ctx, tx, "sale_order", o.ID, actorID, note); err != nil {
			return err
		}
		return mailOrderCancelled(ctx, tx, co, mail, o, actorID)
	})
	if err == nil {
		wake.box.Queued()
	}
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
