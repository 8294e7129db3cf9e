package models

import (
	"context"
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

// PlaceOrder turns the shopper's cart into an order waiting for payment
// (state sent, numbered S00042) and starts a payment transaction with the
// chosen provider. It is idempotent: placing an order again (a double
// click, a retry, the back button) returns the same order and its open
// transaction; after a declined payment it starts a new transaction.
// Nothing here talks to a payment provider, and no stock is locked.
func PlaceOrder(ctx context.Context, db *bun.DB, orderID int64, providerCode string, actorID int64) (*Placement, error) {
	co, err := GetCompany(ctx, db)
	if err != nil {
		return nil, err
	}
	out := &Placement{}
	ctx, later := withReserveLater(ctx)
	err = runStockTx(ctx, db, func(ctx context.Context, tx bun.Tx) error {
		later.ids = nil
		o, err := lockOrder(ctx, tx, orderID)
		if err != nil {
			return err
		}
		out.Order = o
		switch {
		case o.State == OrderCancel:
			return Errorf(ECONFLICT, "%s was cancelled.", o.Number())
		case o.PlacedAt != nil || o.State != OrderDraft:
			if o.PaymentStatus == PaymentPaid {
				return nil
			}
			open, err := openTransaction(ctx, tx, o.ID)
			if err != nil || open != nil {
				out.Transaction = open
				return err
			}
		}
		provider, err := enabledProvider(ctx, tx, providerCode)
		if err != nil {
			return err
		}
		if o.PlacedAt == nil {
			if err := checkPlaceable(ctx, tx, co, o); err != nil {
				return err
			}
			if err := assignOrderName(ctx, tx, o); err != nil {
				return err
			}
			now := time.Now()
			o.State, o.PlacedAt, o.DateOrder = OrderSent, &now, now
			if _, err := tx.NewUpdate().Model(o).Column("name", "state", "placed_at", "date_order").Set("updated_at = now()").WherePK().Exec(ctx); err != nil {
				return fmt.Errorf("models: place order: %w", err)
			}
			if err := useCoupon(ctx, tx, o); err != nil {
				return err
			}
			if err := RecordHistory(ctx, tx, "sale_order", o.ID, actorID, "Order placed on the website."); err != nil {
				return err
			}
		}
		t, err := startTransaction(ctx, tx, o, provider, actorID)
		if err != nil {
			return err
		}
		out.Transaction = t
		if t.State != TxDraft && t.State != TxPending || paymentMethods[provider.Code].ConfirmOnStart() {
			return afterPayment(ctx, tx, co, o, actorID)
		}
		return nil
	})
	if err != nil {
		return nil, wrapErr(err, "place order")
	}
	reserveConfirmed(ctx, db, later, actorID)
	if t := out.Transaction; t != nil && t.State == TxDraft {
		out.PayURL = paymentMethods[t.Provider.Code].PayURL(t)
	}
	return out, nil
}

// checkPlaceable refreshes a cart's prices and checks it can be ordered.
func checkPlaceable(ctx context.Context, tx bun.IDB, co *Company, o *SaleOrder) error {
	notices, err := recomputeOrder(ctx, tx, co, o)
	if err != nil {
		return err
	}
	if len(notices) > 0 {
		return Errorf(ECONFLICT, "%s", notices[0])
	}
	if len(o.ProductLines()) == 0 {
		return Errorf(ECONFLICT, "Your cart is empty.")
	}
	if o.InvoicePartnerID == nil || o.ShippingPartnerID == nil {
		return Errorf(ECONFLICT, "Enter your address before placing the order.")
	}
	needsShipping, err := orderNeedsShipping(ctx, tx, o.ID)
	if err != nil {
		return err
	}
	if needsShipping && o.CarrierID == nil {
		return Errorf(ECONFLICT, "Choose a shipping method before placing the order.")
	}
	return nil
}
