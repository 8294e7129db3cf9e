package models

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// Placement is the result of placing a shop order: the order, the payment
// transaction started for it, and where the shopper goes next.
type Placement struct {
	Order       *SaleOrder
	Transaction *PaymentTransaction
	PayURL      string // the provider's payment page; "" to show the order page
}

// PlaceInput is what the shopper submits to place an order: the payment
// provider's code and the shipping method. CarrierID 0 keeps the order's
// shipping method (chosen earlier with SetOrderCarrier).
type PlaceInput struct {
	Provider  string
	CarrierID int64
}

// PlaceOrder turns the shopper's cart into an order waiting for payment
// (state sent, numbered S00042) and starts a payment transaction with the
// chosen provider, in one transaction that locks the order row: the
// shipping method is set (with SetOrderCarrier's checks: an active method
// that delivers to the shipping address and has a price for the order),
// the amounts are recomputed once and the order is placed. It is
// idempotent: placing an order again (a double click, a retry, the back
// button) returns the same order and its open transaction, whatever
// shipping method is submitted; after a declined payment it starts a new
// transaction. A wrong provider or shipping method is EINVALID naming the
// field ("provider", "carrier_id") and changes nothing; a cart that cannot
// be ordered (empty, no address, a code used up) is ECONFLICT. Nothing here
// talks to a payment provider, and no stock is locked. The customer is
// mailed (see CustomerMail) the payment instructions of a wire transfer, or
// the order confirmation when the provider confirms on placing (cash on
// delivery).
func PlaceOrder(ctx context.Context, db *bun.DB, mail CustomerMail, orderID int64, in PlaceInput, actorID int64) (*Placement, error) {
	return placeLocked(ctx, db, mail, func(ctx context.Context, tx bun.Tx) (*SaleOrder, error) {
		return lockOrder(ctx, tx, orderID)
	}, in, actorID)
}

// ErrNoCart is PlaceCart's answer when the shopper has no open cart (it was
// placed already, by a first submit, or there never was one).
var ErrNoCart = errors.New("models: no open cart")

// PlaceCart is PlaceOrder for the owner's open cart, found and locked in
// the same transaction; ErrNoCart when there is none or it has no product
// (placing an order without products says so too).
func PlaceCart(ctx context.Context, db *bun.DB, mail CustomerMail, owner CartOwner, in PlaceInput, actorID int64) (*Placement, error) {
	return placeLocked(ctx, db, mail, func(ctx context.Context, tx bun.Tx) (*SaleOrder, error) {
		o, err := lockCart(ctx, tx, owner)
		if err == nil && o == nil {
			err = ErrNoCart
		}
		return o, err
	}, in, actorID)
}

// placeLocked places the order that lock finds and locks.
func placeLocked(ctx context.Context, db *bun.DB, mail CustomerMail, lock func(ctx context.Context, tx bun.Tx) (*SaleOrder, error), in PlaceInput, actorID int64) (*Placement, error) {
	co, err := GetCompany(ctx, db)
	if err != nil {
		return nil, err
	}
	out := &Placement{}
	err = runConfirmingTx(ctx, db, func(ctx context.Context, tx bun.Tx) error {
		o, err := lock(ctx, tx)
		if err != nil {
			return err
		}
		out.Order = o
		switch {
		case o.State == OrderCancel:
			return Errorf(ECONFLICT, "%s was cancelled.", o.Number())
		case o.acceptable() != nil:
			return o.acceptable()
		case o.PlacedAt != nil || o.State != OrderDraft:
			if o.PaymentStatus == PaymentPaid {
				return nil
			}
			open, err := openTransaction(ctx, tx, o.ID)
			if err != nil {
				return err
			}
			if open != nil && !switchesMethod(open, in.Provider) {
				out.Transaction = open
				return nil
			}
			if open != nil {
				if err := cancelUnstartedPayment(ctx, tx, o, open, in.Provider, actorID); err != nil {
					return err
				}
			}
		}
		var provider *PaymentProvider
		if o.PlacedAt == nil {
			if provider, err = prepareToPlace(ctx, tx, co, o, in); err != nil {
				return err
			}
			now := time.Now()
			o.State, o.PlacedAt, o.DateOrder = OrderSent, &now, now
			// Numbered (S00042) and its totals written in the same statement.
			if err := updatePrepared(ctx, tx, o, "name = coalesce(name, "+orderNumberSQL+"), updated_at = now()",
				[]string{"state", "placed_at", "date_order", "carrier_id", "coupon_id", "amount_untaxed", "amount_tax", "amount_total"},
				"name", &o.Name); err != nil {
				return fmt.Errorf("models: save the placed order: %w", err)
			}
			if err := useCoupon(ctx, tx, o); err != nil {
				return err
			}
			if err := RecordHistory(ctx, tx, "sale_order", o.ID, actorID, "Order placed on the website."); err != nil {
				return err
			}
		} else if provider, err = enabledProvider(ctx, tx, in.Provider); err != nil {
			return err
		}
		t, err := startTransaction(ctx, tx, o, provider, actorID)
		if err != nil {
			return err
		}
		out.Transaction = t
		if t.State != TxDraft && t.State != TxPending || paymentMethods[provider.Code].ConfirmOnStart() {
			return afterPayment(ctx, tx, co, mail, o, actorID)
		}
		if provider.Code == ProviderWire && t.State == TxPending {
			return mailWireInstructions(ctx, tx, co, mail, o, t, actorID)
		}
		return nil
	})
	if err != nil {
		return nil, wrapErr(err, "place order")
	}
	if t := out.Transaction; t != nil && t.State == TxDraft {
		out.PayURL = paymentMethods[t.Provider.Code].PayURL(t)
	}
	return out, nil
}

// switchesMethod reports whether a payment with provider replaces the open
// payment t: the shopper chose another method while t was not started (the
// card page left unpaid). The same method again (a double submit, the back
// button) gets t itself.
func switchesMethod(t *PaymentTransaction, provider string) bool {
	return t.State == TxDraft && provider != "" && t.Provider != nil && t.Provider.Code != provider
}

// cancelUnstartedPayment cancels the draft payment t of o, replaced by one
// with provider, and notes it in the order's history.
func cancelUnstartedPayment(ctx context.Context, tx bun.IDB, o *SaleOrder, t *PaymentTransaction, provider string, actorID int64) error {
	next, err := enabledProvider(ctx, tx, provider)
	if err != nil {
		return err
	}
	return cancelDraftPayments(ctx, tx, o, []PaymentTransaction{*t}, "Replaced by another payment method.", actorID, func(t PaymentTransaction) string {
		return fmt.Sprintf("Payment %s (%s) not started: the customer chose to pay with %s instead.", t.Reference, t.Provider.Name, next.Name)
	})
}

// cancelDraftPayments cancels, in one statement, those of the payments ts
// of o that are still drafts (nothing was charged), with message for the
// customer's order page, and notes each in o's history (note).
func cancelDraftPayments(ctx context.Context, tx bun.IDB, o *SaleOrder, ts []PaymentTransaction, message string, actorID int64,
	note func(PaymentTransaction) string) error {
	if len(ts) == 0 {
		return nil
	}
	ids := make([]int64, len(ts))
	entries := make([]HistoryEntry, len(ts))
	for i, t := range ts {
		ids[i] = t.ID
		entries[i] = HistoryEntry{ResModel: "sale_order", ResID: o.ID, UserID: nullableID(actorID), Body: note(t)}
	}
	if _, err := tx.NewUpdate().Model((*PaymentTransaction)(nil)).Set("state = ?, state_message = ?, updated_at = now()", TxCancel, message).
		Where("id IN (?) AND state = ?", bun.In(ids), TxDraft).Exec(ctx); err != nil {
		return fmt.Errorf("models: cancel payments of %s: %w", o.Number(), err)
	}
	return RecordHistories(ctx, tx, entries)
}

// prepareToPlace checks the provider, sets the shipping method, refreshes
// the cart's prices and checks it can be ordered, inside the transaction
// that locked the order. The provider's and the shipping method's problems
// are reported together.
func prepareToPlace(ctx context.Context, tx bun.IDB, co *Company, o *SaleOrder, in PlaceInput) (*PaymentProvider, error) {
	p := Problems{}
	provider, err := enabledProvider(ctx, tx, in.Provider)
	if err != nil {
		if ErrorCode(err) != EINVALID {
			return nil, err
		}
		for field, msg := range FieldErrors(err) {
			p.Add(field, msg)
		}
	}
	// The lines, read once under the order's lock (with the shipping
	// country, which prices the shipping), serve the checks and the pricing
	// below.
	if err := loadLinesToPlace(ctx, tx, o); err != nil {
		return nil, err
	}
	if len(o.ProductLines()) == 0 {
		return nil, ErrNoCart
	}
	if o.InvoicePartnerID == nil || o.ShippingPartnerID == nil {
		return nil, Errorf(ECONFLICT, "Enter your address before placing the order.")
	}
	needsShipping, err := orderNeedsShipping(ctx, tx, o)
	if err != nil {
		return nil, err
	}
	carrierID := in.CarrierID
	if carrierID == 0 && o.CarrierID != nil {
		carrierID = *o.CarrierID
	}
	if needsShipping && carrierID != 0 {
		// SetOrderCarrier's checks: an active method here; its country and
		// its price rules in the recompute below, which drops a method that
		// cannot ship the order.
		c, err := getCarrier(ctx, tx, carrierID)
		switch {
		case err != nil && ErrorCode(err) != ENOTFOUND:
			return nil, err
		case err != nil || !c.Active:
			p.Add("carrier_id", "Choose one of the shipping methods.")
		default:
			o.CarrierID = &c.ID
		}
	}
	hadCarrier := o.CarrierID != nil
	// Lines written here, the totals with the placing's update.
	notices, err := priceOrder(ctx, tx, co, o, priceSaveLines)
	if err != nil {
		return nil, err
	}
	// A shopper chooses a shipping method; a quotation ships as the sales
	// rep wrote it (without a method: none is charged).
	if needsShipping && o.CarrierID == nil && (o.Origin == OriginWebsite || hadCarrier) {
		msg := "Choose a shipping method."
		if hadCarrier && len(notices) > 0 {
			// The recompute dropped the carrier: its notice (the last one) says why.
			msg, notices = notices[len(notices)-1], notices[:len(notices)-1]
		}
		p.Add("carrier_id", msg)
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	if len(notices) > 0 {
		return nil, Errorf(ECONFLICT, "%s", notices[0])
	}
	if len(o.ProductLines()) == 0 {
		return nil, Errorf(ECONFLICT, "Your cart is empty.")
	}
	return provider, nil
}

// loadLinesToPlace reads the order's lines, its shipping address's country
// and its customer (for the mail after placing) in one statement; the order
// must be locked already.
func loadLinesToPlace(ctx context.Context, tx bun.IDB, o *SaleOrder) error {
	var rows []struct {
		SaleOrderLine `bun:",extend"`

		ShipCountry   *string `bun:"ship_country,scanonly"`
		CustomerName  *string `bun:"customer_name,scanonly"`
		CustomerEmail *string `bun:"customer_email,scanonly"`
	}
	err := queryPrepared(ctx, tx, "SELECT "+columnsOf[SaleOrderLine](tx, "sol")+`, (SELECT country_code FROM contacts WHERE id = $2) AS ship_country,
		`+customerSQL(3)+`
		FROM sale_order_lines sol WHERE sol.order_id = $1 ORDER BY sol.sequence, sol.id`, []any{o.ID, o.ShippingPartnerID, o.PartnerID}, &rows)
	if err != nil {
		return fmt.Errorf("models: order lines: %w", err)
	}
	o.Lines = make([]*SaleOrderLine, len(rows))
	for i := range rows {
		o.Lines[i] = &rows[i].SaleOrderLine
	}
	if len(rows) > 0 && rows[0].ShipCountry != nil {
		o.shipCountry = rows[0].ShipCountry
	}
	if len(rows) > 0 {
		o.setCustomer(rows[0].CustomerName, rows[0].CustomerEmail)
	}
	o.linesCurrent = true
	return nil
}
