package models

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/shopspring/decimal"
	"github.com/uptrace/bun"
)

// The sales back office: order and quotation lists, the order page,
// marking a wire transfer received, and the abandoned carts. Quotations
// typed by a sales rep, and sending them, are in sale_quotations.go.

// Order list views.
const (
	OrderViewOrders     = "orders"     // every order but the shop carts
	OrderViewQuotations = "quotations" // draft and sent: quotations, web orders waiting for payment
)

// OrderStates, OrderPaymentStatuses and OrderDeliveryStatuses are the values
// the order filters offer, in the order screens list them. The delivery
// filter also offers "shortage": a delivery waiting for stock.
var (
	OrderStates           = []string{OrderDraft, OrderSent, OrderSale, OrderCancel}
	OrderPaymentStatuses  = []string{PaymentNotPaid, PaymentPending, PaymentAuthorized, PaymentPartial, PaymentPaid}
	OrderDeliveryStatuses = []string{DeliveryNone, DeliveryPending, DeliveryPartial, DeliveryFull, "shortage"}
)

// OrderFilter narrows ListOrders.
type OrderFilter struct {
	View           string // OrderViewOrders (default) or OrderViewQuotations
	State          string // one of OrderStates, or "" for all
	PaymentStatus  string // one of OrderPaymentStatuses, or ""
	DeliveryStatus string // one of OrderDeliveryStatuses, or ""
	DateFrom       string // YYYY-MM-DD, order date on or after; an unreadable date is ignored
	DateTo         string // YYYY-MM-DD, order date on or before
	Customer       string // matches the customer's name or email
	Origin         string // OriginWebsite, OriginOffice or ""
	Query          string // matches the number or the customer's reference
	Page           int    // 1-based
	PerPage        int
}

// OrderRow is one order in a list.
type OrderRow struct {
	bun.BaseModel `bun:"table:sale_orders,alias:so"`

	ID             int64           `bun:"id"`
	Name           *string         `bun:"name"`
	State          string          `bun:"state"`
	Origin         string          `bun:"origin"`
	DateOrder      time.Time       `bun:"date_order"`
	PlacedAt       *time.Time      `bun:"placed_at"`
	CustomerName   string          `bun:"customer_name"`
	CustomerEmail  string          `bun:"customer_email"`
	AmountTotal    decimal.Decimal `bun:"amount_total,type:numeric"`
	PaymentStatus  string          `bun:"payment_status"`
	DeliveryStatus string          `bun:"delivery_status"`
	Shortage       bool            `bun:"shortage"` // a delivery waits for stock that ran out
}

// Number is the order's number, or "Cart".
func (r OrderRow) Number() string {
	if r.Name == nil {
		return "Cart"
	}
	return *r.Name
}

// OrderPage is one page of orders with the number of orders in each state
// (under the same filters, the state aside).
type OrderPage struct {
	Rows        []OrderRow
	Total       int
	Page        int
	PerPage     int
	StateCounts map[string]int
	AllCount    int // all states
}

// Pages is the number of pages.
func (p OrderPage) Pages() int {
	if p.PerPage == 0 {
		return 1
	}
	return max(1, (p.Total+p.PerPage-1)/p.PerPage)
}

// shortageSQL is true when one of the order's transfers waits for stock
// that is not there: waiting for availability, or only partly reserved. A
// later step waiting for the step before it is not a shortage.
const shortageSQL = `EXISTS (SELECT 1 FROM stock_pickings sh WHERE sh.sale_order_id = so.id
	AND (sh.state IN ('confirmed', 'partially_available') OR (sh.state = 'assigned' AND sh.partially_available)))`

// notCartSQL leaves out the shop carts: website orders never placed (in
// draft, or cancelled before carts could no longer be cancelled).
const notCartSQL = `NOT (so.origin = 'website' AND so.placed_at IS NULL)`

func orderListWhere(q *bun.SelectQuery, f OrderFilter, withState bool) *bun.SelectQuery {
	q = q.Where(notCartSQL)
	if f.View == OrderViewQuotations {
		q = q.Where("so.state IN ('draft', 'sent')")
	}
	if withState && slices.Contains(OrderStates, f.State) {
		q = q.Where("so.state = ?", f.State)
	}
	if slices.Contains(OrderPaymentStatuses, f.PaymentStatus) {
		q = q.Where("so.payment_status = ?", f.PaymentStatus)
	}
	switch {
	case f.DeliveryStatus == "shortage":
		q = q.Where(shortageSQL)
	case slices.Contains(OrderDeliveryStatuses, f.DeliveryStatus):
		q = q.Where("so.delivery_status = ?", f.DeliveryStatus)
	}
	if f.Origin == OriginWebsite || f.Origin == OriginOffice {
		q = q.Where("so.origin = ?", f.Origin)
	}
	if d, err := time.Parse(time.DateOnly, strings.TrimSpace(f.DateFrom)); err == nil {
		q = q.Where("so.date_order >= ?::date", d.Format(time.DateOnly))
	}
	if d, err := time.Parse(time.DateOnly, strings.TrimSpace(f.DateTo)); err == nil {
		q = q.Where("so.date_order < ?::date + 1", d.Format(time.DateOnly))
	}
	if s := strings.TrimSpace(f.Customer); s != "" {
		like := likePattern(s)
		q = q.Where("(c.name ILIKE ? OR c.email ILIKE ?)", like, like)
	}
	if s := strings.TrimSpace(f.Query); s != "" {
		like := likePattern(s)
		q = q.Where("(so.name ILIKE ? OR so.client_order_ref ILIKE ?)", like, like)
	}
	return q
}

// ListOrders returns a page of orders (newest first) matching f, with the
// count of orders per state. Shop carts are never listed here (see
// ListAbandonedCarts).
func ListOrders(ctx context.Context, db bun.IDB, f OrderFilter) (OrderPage, error) {
	if f.PerPage <= 0 || f.PerPage > 200 {
		f.PerPage = 50
	}
	if f.Page < 1 {
		f.Page = 1
	}
	var rows []OrderRow
	q := db.NewSelect().Model(&rows).
		ColumnExpr("so.id, so.name, so.state, so.origin, so.date_order, so.placed_at, so.amount_total, so.payment_status, so.delivery_status").
		ColumnExpr("coalesce(c.name, '') AS customer_name, coalesce(c.email, '') AS customer_email").
		ColumnExpr(shortageSQL + " AS shortage").
		Join("LEFT JOIN contacts AS c ON c.id = so.partner_id")
	q = orderListWhere(q, f, true).OrderExpr("so.date_order DESC, so.id DESC").
		Limit(int64(f.PerPage)).Offset(int64((f.Page - 1) * f.PerPage))
	total, err := q.ScanAndCount(ctx)
	if err != nil {
		return OrderPage{}, fmt.Errorf("models: list orders: %w", err)
	}
	var counts []struct {
		State string `bun:"state"`
		Count int    `bun:"count"`
	}
	cq := db.NewSelect().TableExpr("sale_orders AS so").ColumnExpr("so.state, count(*) AS count").
		Join("LEFT JOIN contacts AS c ON c.id = so.partner_id")
	if err := orderListWhere(cq, f, false).GroupExpr("so.state").Scan(ctx, &counts); err != nil {
		return OrderPage{}, fmt.Errorf("models: count orders: %w", err)
	}
	out := OrderPage{Rows: rows, Total: int(total), Page: f.Page, PerPage: f.PerPage, StateCounts: map[string]int{}}
	for _, c := range counts {
		out.StateCounts[c.State] = c.Count
		out.AllCount += c.Count
	}
	return out, nil
}

// OrderLineView is an order line with what the order page shows besides it.
type OrderLineView struct {
	*SaleOrderLine
	SKU      string
	TaxNames []string
}

// OrderTransfer is a transfer of an order with its quantities.
type OrderTransfer struct {
	ID                 int64           `bun:"id"`
	Name               string          `bun:"name"`
	Kind               string          `bun:"kind"`
	TypeName           string          `bun:"type_name"`
	State              string          `bun:"state"`
	PartiallyAvailable bool            `bun:"partially_available"`
	ScheduledDate      time.Time       `bun:"scheduled_date"`
	DateDone           *time.Time      `bun:"date_done"`
	TrackingRef        string          `bun:"carrier_tracking_ref"`
	Demand             decimal.Decimal `bun:"demand,type:numeric"`
	Reserved           decimal.Decimal `bun:"reserved,type:numeric"`
	Done               decimal.Decimal `bun:"done,type:numeric"`
}

// Shortage reports whether the transfer waits for stock that is not there
// (a later step waiting for the step before it is not a shortage).
func (t OrderTransfer) Shortage() bool {
	return t.State == StateConfirmed || t.State == StatePartiallyAvailable || t.State == StateAssigned && t.PartiallyAvailable
}

// ShortageMessage says how much of the transfer could be reserved.
func (t OrderTransfer) ShortageMessage() string {
	return fmt.Sprintf("Only %s of %s reserved — stock ran out.", t.Reserved.String(), t.Demand.String())
}

// OrderDetail is everything the back-office order page shows.
type OrderDetail struct {
	Order           *SaleOrder
	Lines           []OrderLineView
	Customer        *Contact // nil for a guest cart
	InvoiceAddress  *Contact
	ShippingAddress *Contact
	SalespersonName string
	CarrierName     string
	CouponCode      string
	WarehouseName   string
	Transactions    []PaymentTransaction
	Transfers       []OrderTransfer
	Mails           []MailRow
	History         []HistoryEntry
	CartExpiresAt   *time.Time // for a shop cart: when it expires without activity
}

// IsCart reports whether the order is a shop cart (shown read-only).
func (d *OrderDetail) IsCart() bool { return d.Order.IsCart() }

// CanConfirm reports whether a sales rep may confirm the order.
func (d *OrderDetail) CanConfirm() bool {
	return !d.IsCart() && (d.Order.State == OrderDraft || d.Order.State == OrderSent)
}

// CanCancel reports whether the cancel action is offered: not for an order
// with a done transfer (CancelOrder refuses it too).
func (d *OrderDetail) CanCancel() bool {
	if d.IsCart() || d.Order.State == OrderCancel {
		return false
	}
	for _, t := range d.Transfers {
		if t.State == StateDone {
			return false
		}
	}
	return true
}

// CanEdit reports whether the order is a quotation the sales rep may edit.
func (d *OrderDetail) CanEdit() bool { return quotationEditable(d.Order) }

// CanSend reports whether the quotation may be sent (again) by mail.
func (d *OrderDetail) CanSend() bool { return quotationEditable(d.Order) }

// CanMarkReceived reports whether t waits for money the shop receives
// itself: a wire transfer, or cash the courier collected on delivery.
func (d *OrderDetail) CanMarkReceived(t PaymentTransaction) bool {
	return t.State == TxPending && t.Provider != nil && receivedByHand(t.Provider.Code) && d.Order.State != OrderCancel
}

// receivedByHand reports whether the back office marks payments of the
// provider code received: no provider tells Orderflow of them.
func receivedByHand(code string) bool { return code == ProviderWire || code == ProviderCOD }

// Shortages are the order's transfers that wait for stock that ran out.
func (d *OrderDetail) Shortages() []OrderTransfer {
	var out []OrderTransfer
	for _, t := range d.Transfers {
		if t.Shortage() {
			out = append(out, t)
		}
	}
	return out
}

func quotationEditable(o *SaleOrder) bool {
	return o.Origin == OriginOffice && (o.State == OrderDraft || o.State == OrderSent)
}

// GetOrderDetail returns an order with its lines, customer and addresses,
// payments, transfers (with what they could reserve), mails and history,
// or ENOTFOUND.
func GetOrderDetail(ctx context.Context, db bun.IDB, id int64) (*OrderDetail, error) {
	o, err := GetOrder(ctx, db, id)
	if err != nil {
		return nil, err
	}
	d := &OrderDetail{Order: o}
	contact := func(id *int64) (*Contact, error) {
		if id == nil {
			return nil, nil
		}
		return GetContact(ctx, db, *id)
	}
	if d.Customer, err = contact(o.PartnerID); err != nil {
		return nil, err
	}
	if d.InvoiceAddress, err = contact(o.InvoicePartnerID); err != nil {
		return nil, err
	}
	if d.ShippingAddress, err = contact(o.ShippingPartnerID); err != nil {
		return nil, err
	}
	err = db.NewRaw(`SELECT coalesce((SELECT name FROM users WHERE id = ?), ''), coalesce((SELECT name FROM carriers WHERE id = ?), ''),
			coalesce((SELECT code FROM coupons WHERE id = ?), ''), coalesce((SELECT name FROM warehouses WHERE id = ?), '')`,
		o.SalespersonID, o.CarrierID, o.CouponID, o.WarehouseID).Scan(ctx, &d.SalespersonName, &d.CarrierName, &d.CouponCode, &d.WarehouseName)
	if err != nil {
		return nil, fmt.Errorf("models: order names: %w", err)
	}
	if d.Lines, err = orderLineViews(ctx, db, o.Lines); err != nil {
		return nil, err
	}
	if d.Transactions, err = OrderTransactions(ctx, db, id); err != nil {
		return nil, err
	}
	err = db.NewRaw(`SELECT sp.id, sp.name, pty.kind, pty.name AS type_name, sp.state, sp.partially_available, sp.scheduled_date,
			sp.date_done, sp.carrier_tracking_ref, coalesce(m.demand, 0) AS demand, coalesce(m.done, 0) AS done, coalesce(r.reserved, 0) AS reserved
		FROM stock_pickings sp
		JOIN picking_types pty ON pty.id = sp.picking_type_id
		LEFT JOIN (SELECT picking_id, sum(demand) AS demand, sum(quantity_done) AS done FROM stock_moves
			WHERE state <> 'cancel' GROUP BY picking_id) m ON m.picking_id = sp.id
		LEFT JOIN (SELECT picking_id, sum(reserved_quantity) AS reserved FROM stock_move_lines
			WHERE state = 'open' GROUP BY picking_id) r ON r.picking_id = sp.id
		WHERE sp.sale_order_id = ? ORDER BY sp.id`, id).Scan(ctx, &d.Transfers)
	if err != nil {
		return nil, fmt.Errorf("models: order transfers: %w", err)
	}
	if err := mailRowQuery(db, &d.Mails).Where("mm.res_model = 'sale_order' AND mm.res_id = ?", id).
		OrderExpr("mm.created_at DESC, mm.id DESC").Scan(ctx); err != nil {
		return nil, fmt.Errorf("models: order mails: %w", err)
	}
	if d.History, err = History(ctx, db, "sale_order", id); err != nil {
		return nil, err
	}
	if o.IsCart() {
		co, err := GetCompany(ctx, db)
		if err != nil {
			return nil, err
		}
		at := o.UpdatedAt.Add(time.Duration(co.CartExpiryHours) * time.Hour)
		d.CartExpiresAt = &at
	}
	return d, nil
}

// orderLineViews adds the SKU and the tax names to order lines.
func orderLineViews(ctx context.Context, db bun.IDB, lines []*SaleOrderLine) ([]OrderLineView, error) {
	var variantIDs, taxIDs []int64
	for _, l := range lines {
		if l.VariantID != nil {
			variantIDs = append(variantIDs, *l.VariantID)
		}
		taxIDs = append(taxIDs, l.TaxIDs...)
	}
	skus := map[int64]string{}
	if len(variantIDs) > 0 {
		var rows []struct {
			ID  int64  `bun:"id"`
			SKU string `bun:"sku"`
		}
		if err := db.NewRaw("SELECT id, sku FROM product_variants WHERE id = ANY(?)", pgArray(variantIDs)).Scan(ctx, &rows); err != nil {
			return nil, fmt.Errorf("models: line skus: %w", err)
		}
		for _, r := range rows {
			skus[r.ID] = r.SKU
		}
	}
	taxes, err := loadTaxes(ctx, db, taxIDs)
	if err != nil {
		return nil, err
	}
	out := make([]OrderLineView, len(lines))
	for i, l := range lines {
		out[i] = OrderLineView{SaleOrderLine: l}
		if l.VariantID != nil {
			out[i].SKU = skus[*l.VariantID]
		}
		for _, id := range l.TaxIDs {
			if t, ok := taxes[id]; ok {
				out[i].TaxNames = append(out[i].TaxNames, t.Name)
			}
		}
	}
	return out, nil
}

// MarkPaymentReceived records that the money of a pending wire transfer or
// cash-on-delivery payment of the order arrived: the transaction becomes
// done for its full amount (see SetTransactionState), and the order is
// confirmed when the company confirms on payment (and its customer mailed,
// see CustomerMail; a cash-on-delivery order is confirmed already).
// ECONFLICT when the transaction is not such a payment of this order.
func MarkPaymentReceived(ctx context.Context, db *bun.DB, mail CustomerMail, orderID int64, reference string, actorID int64) (*PaymentTransaction, error) {
	t, err := GetTransaction(ctx, db, strings.TrimSpace(reference))
	if ErrorCode(err) == ENOTFOUND || err == nil && t.OrderID != orderID {
		return nil, Errorf(ECONFLICT, "Choose one of the order's payments.")
	}
	if err != nil {
		return nil, err
	}
	if !receivedByHand(t.Provider.Code) || t.State != TxPending {
		return nil, Errorf(ECONFLICT, "Payment %s is not a wire transfer or cash on delivery waiting for the money.", t.Reference)
	}
	return SetTransactionState(ctx, db, mail, t.Reference, TransactionUpdate{State: TxDone, Amount: t.Amount, CurrencyCode: t.CurrencyCode,
		Message: "Marked as received in the back office."}, actorID)
}

// --- Abandoned carts ---------------------------------------------------------

// CartRow is a shop cart in the back office's list.
type CartRow struct {
	ID           int64           `bun:"id"`
	UpdatedAt    time.Time       `bun:"updated_at"` // the last activity
	CreatedAt    time.Time       `bun:"created_at"`
	CustomerName string          `bun:"customer_name"` // "" for a guest
	Email        string          `bun:"email"`
	Items        decimal.Decimal `bun:"items,type:numeric"`
	Lines        int             `bun:"lines"`
	AmountTotal  decimal.Decimal `bun:"amount_total,type:numeric"`
	ExpiresAt    time.Time       `bun:"expires_at"`
}

// CartPage is one page of carts and the expiry setting.
type CartPage struct {
	Rows        []CartRow
	Total       int
	Page        int
	PerPage     int
	ExpiryHours int
}

// Pages is the number of pages.
func (p CartPage) Pages() int {
	if p.PerPage == 0 {
		return 1
	}
	return max(1, (p.Total+p.PerPage-1)/p.PerPage)
}

// ListAbandonedCarts returns the shop carts never placed, the most
// recently touched first, with their customer (when known), number of
// items, total and when they expire.
func ListAbandonedCarts(ctx context.Context, db bun.IDB, page, perPage int) (CartPage, error) {
	co, err := GetCompany(ctx, db)
	if err != nil {
		return CartPage{}, err
	}
	if perPage <= 0 || perPage > 200 {
		perPage = 50
	}
	page = max(page, 1)
	out := CartPage{Page: page, PerPage: perPage, ExpiryHours: co.CartExpiryHours}
	where := "so.state = 'draft' AND so.origin = 'website' AND so.placed_at IS NULL"
	if err := db.NewRaw("SELECT count(*) FROM sale_orders so WHERE "+where).Scan(ctx, &out.Total); err != nil {
		return CartPage{}, fmt.Errorf("models: count carts: %w", err)
	}
	err = db.NewRaw(`SELECT so.id, so.updated_at, so.created_at, so.amount_total,
			coalesce(c.name, u.name, '') AS customer_name, coalesce(nullif(c.email, ''), u.email, '') AS email,
			coalesce(l.items, 0) AS items, coalesce(l.lines, 0) AS lines,
			so.updated_at + make_interval(hours => ?) AS expires_at
		FROM sale_orders so
		LEFT JOIN contacts c ON c.id = so.partner_id
		LEFT JOIN users u ON u.id = so.user_id
		LEFT JOIN (SELECT order_id, sum(quantity) AS items, count(*) AS lines FROM sale_order_lines
			WHERE kind = 'product' GROUP BY order_id) l ON l.order_id = so.id
		WHERE `+where+`
		ORDER BY so.updated_at DESC, so.id DESC LIMIT ? OFFSET ?`, co.CartExpiryHours, perPage, (page-1)*perPage).Scan(ctx, &out.Rows)
	if err != nil {
		return CartPage{}, fmt.Errorf("models: list carts: %w", err)
	}
	return out, nil
}
