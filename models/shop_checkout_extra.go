package models

import (
	"context"
	"fmt"

	"github.com/uptrace/bun"
)

// What the storefront's cart, checkout and order pages read besides the
// sales operations: the header's cart count, the only variant of a product
// added from a listing card, a check of the checkout addresses before an
// account is created, and the order status page.

// CartCount is the number of units in the shopper's open cart (0 when there
// is none), in one query, for the header of every shop page. It finds the
// cart as GetCart does.
func CartCount(ctx context.Context, db bun.IDB, owner CartOwner) (int, error) {
	if owner.CartID == 0 && owner.UserID == nil {
		return 0, nil
	}
	var userID int64
	if owner.UserID != nil {
		userID = *owner.UserID
	}
	var n int
	err := queryPreparedOne(ctx, db, `
		SELECT coalesce(sum(l.quantity), 0)::int FROM sale_order_lines l
		WHERE l.kind = 'product' AND l.order_id = (
			SELECT o.id FROM sale_orders o
			WHERE o.state = 'draft' AND o.origin = 'website' AND o.placed_at IS NULL
			  AND ((o.id = $1 AND (o.user_id IS NULL OR o.user_id = $2)) OR ($2 <> 0 AND o.user_id = $2))
			ORDER BY o.id = $1 DESC, o.id DESC LIMIT 1)`,
		[]any{owner.CartID, userID}, &n)
	if err != nil {
		return 0, fmt.Errorf("models: cart count: %w", err)
	}
	return n, nil
}

// ShopSingleVariant returns the one active variant of a published product,
// for the "add to cart" button of a listing card. A product with options
// to choose answers EINVALID (the shopper picks them on the product page);
// a hidden or missing product answers EINVALID too.
func ShopSingleVariant(ctx context.Context, db bun.IDB, templateID int64) (int64, error) {
	var ids []int64
	err := db.NewRaw(`
		SELECT v.id FROM product_variants v JOIN product_templates t ON t.id = v.template_id
		WHERE t.id = ? AND t.published AND t.active AND v.active ORDER BY v.id LIMIT 2`, templateID).Scan(ctx, &ids)
	if err != nil && !isNoRows(err) {
		return 0, fmt.Errorf("models: product variant: %w", err)
	}
	switch len(ids) {
	case 0:
		return 0, &Error{Code: EINVALID, Message: "This product is not available.", Fields: map[string]string{"variant_id": "Choose a product from the shop."}}
	case 1:
		return ids[0], nil
	}
	return 0, &Error{Code: EINVALID, Message: "Choose the options of this product on its page.", Fields: map[string]string{"variant_id": "Choose the options first."}}
}

// ValidateCheckoutAddresses checks the typed addresses of the first
// checkout step as SetCheckoutAddresses does, without saving anything, so
// that an account is only created at checkout for a valid address.
func ValidateCheckoutAddresses(in CheckoutAddresses) error {
	p := Problems{}
	if in.BillingID == 0 {
		in.Billing.normalize()
		in.Billing.validate(p, "billing_", true)
	}
	if in.ShipElsewhere && in.ShippingID == 0 {
		in.Shipping.normalize()
		in.Shipping.validate(p, "shipping_", false)
	}
	return p.Err()
}

// OrderNeedsShipping reports whether an order has goods to ship (not only
// services), so that checkout can skip the shipping step.
func OrderNeedsShipping(ctx context.Context, db bun.IDB, o *SaleOrder) (bool, error) {
	return orderNeedsShipping(ctx, db, o)
}

// PayURL is the provider's page where the shopper pays a transaction that
// waits for them (a test card payment in draft), else "".
func (t *PaymentTransaction) PayURL() string {
	if t == nil || t.State != TxDraft || t.Provider == nil {
		return ""
	}
	return paymentMethods[t.Provider.Code].PayURL(t)
}

// ShopOrderView is what the order status page shows: the order with its
// lines, its addresses and shipping method, its payments (newest first)
// and the payment methods a declined payment may be retried with.
type ShopOrderView struct {
	Order        *SaleOrder
	Billing      *Contact // nil when not set
	Shipping     *Contact
	Carrier      *Carrier
	Transactions []PaymentTransaction
	Providers    []PaymentProvider // enabled ones
	Currency     Currency
	TaxIncluded  bool // the shop shows prices with taxes
	// WaitingForStock: a confirmed order some of whose goods are not in
	// stock yet (bought by others between cart and payment); its delivery
	// waits for them.
	WaitingForStock bool
}

// Latest is the order's newest payment transaction, nil when none.
func (v *ShopOrderView) Latest() *PaymentTransaction {
	if len(v.Transactions) == 0 {
		return nil
	}
	return &v.Transactions[0]
}

// ShopOrder returns the order status page of an order, or ENOTFOUND. It
// does not check who asks: the caller checks the access token or the owner.
func ShopOrder(ctx context.Context, db bun.IDB, id int64) (*ShopOrderView, error) {
	// The order, its lines, addresses and payments in one statement.
	var row struct {
		orderWithLines `bun:",extend"`

		ContactsJSON    []byte `bun:"contacts_json,scanonly"`
		TxJSON          []byte `bun:"tx_json,scanonly"`
		WaitingForStock bool   `bun:"waiting_for_stock,scanonly"`
	}
	err := queryPreparedOne(ctx, db, orderWithLinesSelect(db)+
		", (SELECT coalesce(json_agg(json_build_array("+columnsOf[Contact](db, "c")+")), '[]') FROM contacts c"+
		" WHERE c.id IN (so.invoice_partner_id, so.shipping_partner_id)) AS contacts_json"+
		", (SELECT coalesce(json_agg(json_build_array("+columnsOf[PaymentTransaction](db, "t")+") ORDER BY t.id DESC), '[]')"+
		" FROM payment_transactions t WHERE t.order_id = so.id) AS tx_json"+
		", so.state = 'sale' AND EXISTS (SELECT 1 FROM sale_order_lines l JOIN stock_moves m ON m.sale_line_id = l.id"+
		" WHERE l.order_id = so.id AND m.procure_method = 'make_to_stock' AND m.state IN ('confirmed', 'partially_available')) AS waiting_for_stock"+
		" FROM sale_orders so WHERE so.id = $1", []any{id}, &row)
	if err != nil {
		return nil, notFound(err, "The order")
	}
	o, err := row.order(db)
	if err != nil {
		return nil, err
	}
	contacts, err := decodeRows[Contact](db, row.ContactsJSON)
	if err != nil {
		return nil, fmt.Errorf("models: order addresses: %w", err)
	}
	txs, err := decodeTransactions(ctx, db, row.TxJSON)
	if err != nil {
		return nil, err
	}
	co, err := GetCompany(ctx, db)
	if err != nil {
		return nil, err
	}
	v := &ShopOrderView{Order: o, Currency: co.Currency(), TaxIncluded: co.PricesIncludeTax, Transactions: make([]PaymentTransaction, len(txs)),
		WaitingForStock: row.WaitingForStock}
	for i, t := range txs {
		v.Transactions[i] = *t
	}
	for _, c := range contacts {
		if o.InvoicePartnerID != nil && c.ID == *o.InvoicePartnerID {
			v.Billing = c
		}
		if o.ShippingPartnerID != nil && c.ID == *o.ShippingPartnerID {
			v.Shipping = c
		}
	}
	if o.CarrierID != nil {
		if v.Carrier, err = getCarrier(ctx, db, *o.CarrierID); err != nil {
			return nil, err
		}
	}
	if v.Providers, err = ListPaymentProviders(ctx, db, true); err != nil {
		return nil, err
	}
	return v, nil
}
