package models_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/shopspring/decimal"

	"orderflow/models"
)

// saleEnv is a stock environment with a fixed-price carrier, for sales tests.
type saleEnv struct {
	*stockEnv
	carrier *models.Carrier
}

func newSaleEnv(t *testing.T, deliverySteps int) *saleEnv {
	e := &saleEnv{stockEnv: newStockEnv(t, deliverySteps)}
	e.carrier = &models.Carrier{Name: "Post", Kind: models.CarrierFixed, FixedPrice: dd(5), CountryCodes: []string{}, Active: true}
	if _, err := e.db.NewInsert().Model(e.carrier).Exec(e.ctx); err != nil {
		t.Fatal(err)
	}
	return e
}

var testAddress = models.AddressInput{Name: "Ada Shopper", Email: "ada@example.com", Street: "1 Main Street", City: "Ghent", Zip: "9000", CountryCode: "BE"}

// checkout fills a guest cart with the lines, enters an address and places
// the order with the carrier and the provider in one step, as the web
// checkout does.
func (e *saleEnv) checkout(provider string, lines map[int64]int) *models.Placement {
	e.t.Helper()
	return e.checkoutMailed(models.NoCustomerMail, provider, lines)
}

// checkoutMailed is checkout with the customer mailed through mail.
func (e *saleEnv) checkoutMailed(mail models.CustomerMail, provider string, lines map[int64]int) *models.Placement {
	e.t.Helper()
	owner := models.CartOwner{}
	for v, q := range lines {
		cart, err := models.AddToCart(e.ctx, e.db, owner, v, decimal.NewFromInt(int64(q)).String())
		if err != nil {
			e.t.Fatalf("add to cart: %v", err)
		}
		owner.CartID = cart.Order.ID
	}
	if _, err := models.SetCheckoutAddresses(e.ctx, e.db, owner, models.CheckoutAddresses{Billing: testAddress}); err != nil {
		e.t.Fatalf("addresses: %v", err)
	}
	pl, err := models.PlaceOrder(e.ctx, e.db, mail, owner.CartID, models.PlaceInput{Provider: provider, CarrierID: e.carrier.ID}, 0)
	if err != nil {
		e.t.Fatalf("place: %v", err)
	}
	return pl
}

func (e *saleEnv) order(id int64) *models.SaleOrder {
	e.t.Helper()
	o, err := models.GetOrder(e.ctx, e.db, id)
	if err != nil {
		e.t.Fatal(err)
	}
	return o
}

func TestPaidWebOrderIsConfirmedAndReserved(t *testing.T) {
	e := newSaleEnv(t, 1)
	v := e.product("Mug", models.TrackingNone)
	e.count(v, *e.wh.StockLocationID, 10, "")

	pl := e.checkout(models.ProviderTestCard, map[int64]int{v: 3})
	o := pl.Order
	if o.State != models.OrderSent || o.Name == nil {
		t.Fatalf("placed order: state %s name %v, want sent and numbered", o.State, o.Name)
	}
	// 3 x 10 + 5 shipping, no taxes.
	if !o.AmountTotal.Equal(dd(35)) || pl.Transaction.State != models.TxDraft || pl.PayURL == "" {
		t.Fatalf("total %s tx %s pay %q, want 35 draft with a payment page", o.AmountTotal, pl.Transaction.State, pl.PayURL)
	}
	// Placing again (double submit) returns the same transaction.
	again, err := models.PlaceOrder(e.ctx, e.db, models.NoCustomerMail, o.ID, models.PlaceInput{Provider: models.ProviderTestCard}, 0)
	if err != nil || again.Transaction.ID != pl.Transaction.ID {
		t.Fatalf("second place: %v, tx %d want %d", err, again.Transaction.ID, pl.Transaction.ID)
	}
	// A wrong amount never confirms.
	if _, err := models.SetTransactionState(e.ctx, e.db, models.NoCustomerMail, pl.Transaction.Reference, models.TransactionUpdate{State: models.TxDone, Amount: dd(34), CurrencyCode: "EUR"}, 0); models.ErrorCode(err) != models.ECONFLICT {
		t.Fatalf("wrong amount: %v, want conflict", err)
	}
	if got := e.order(o.ID); got.State != models.OrderSent {
		t.Fatalf("after a wrong amount the order is %s", got.State)
	}
	if _, err := models.SetTransactionState(e.ctx, e.db, models.NoCustomerMail, pl.Transaction.Reference, models.TransactionUpdate{State: models.TxDone, Amount: dd(35), CurrencyCode: "EUR"}, 0); err != nil {
		t.Fatal(err)
	}
	got := e.order(o.ID)
	if got.State != models.OrderSale || got.PaymentStatus != models.PaymentPaid || got.DeliveryStatus != models.DeliveryPending {
		t.Fatalf("paid order: %s / %s / %s, want sale / paid / pending", got.State, got.PaymentStatus, got.DeliveryStatus)
	}
	if f := e.figures(v); !f.Reserved.Equal(dd(3)) {
		t.Fatalf("reserved %s, want 3", f.Reserved)
	}
	var pk models.Picking
	if err := e.db.NewSelect().Model(&pk).Where("sale_order_id = ?", o.ID).Scan(e.ctx); err != nil {
		t.Fatal(err)
	}
	if pk.State != models.StateAssigned || pk.Origin != *got.Name {
		t.Fatalf("delivery %s state %s origin %s", pk.Name, pk.State, pk.Origin)
	}

	// Validating the delivery delivers the order.
	if _, err := models.ValidatePicking(e.ctx, e.db, pk.ID, models.ValidateInput{}, 0); err != nil {
		t.Fatal(err)
	}
	got = e.order(o.ID)
	if got.DeliveryStatus != models.DeliveryFull || !got.ProductLines()[0].QtyDelivered.Equal(dd(3)) {
		t.Fatalf("after validation: %s, delivered %s", got.DeliveryStatus, got.ProductLines()[0].QtyDelivered)
	}
	if _, err := models.CancelOrder(e.ctx, e.db, models.NoCustomerMail, o.ID, 0); models.ErrorCode(err) != models.ECONFLICT {
		t.Fatalf("cancel a delivered order: %v, want conflict", err)
	}
}

// A cart whose shopper is checking out is active: entering the address
// counts, so the expiry job does not delete it under the shopper.
func TestCartCheckingOutDoesNotExpire(t *testing.T) {
	e := newSaleEnv(t, 1)
	v := e.product("Mug", models.TrackingNone)
	e.count(v, *e.wh.StockLocationID, 5, "")
	cart, err := models.AddToCart(e.ctx, e.db, models.CartOwner{}, v, "1")
	if err != nil {
		t.Fatal(err)
	}
	id := cart.Order.ID
	// Idle for longer than the company's expiry (720 hours by default)...
	if _, err := e.db.NewRaw("UPDATE sale_orders SET updated_at = now() - interval '800 hours' WHERE id = ?", id).Exec(e.ctx); err != nil {
		t.Fatal(err)
	}
	// ...then the shopper enters the address.
	if _, err := models.SetCheckoutAddresses(e.ctx, e.db, models.CartOwner{CartID: id}, models.CheckoutAddresses{Billing: testAddress}); err != nil {
		t.Fatal(err)
	}
	if _, err := models.ExpireCarts(e.ctx, e.db); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := e.db.NewRaw("SELECT count(*) FROM sale_orders WHERE id = ?", id).Scan(e.ctx, &n); err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Fatal("the cart was deleted while its shopper was checking out")
	}
}

// Carts left longer than the company's expiry are deleted, and only they:
// a cart idle a little less, a placed order and a quotation stay, and no
// stock changes (carts never reserve). A sales rep cannot cancel a cart:
// it is the shopper's.
func TestExpireCartsDeletesOnlyAbandonedCarts(t *testing.T) {
	e := newSaleEnv(t, 1)
	v := e.product("Mug", models.TrackingNone)
	e.count(v, *e.wh.StockLocationID, 5, "")
	newCart := func(idle string) int64 {
		cart, err := models.AddToCart(e.ctx, e.db, models.CartOwner{}, v, "2")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.db.NewRaw("UPDATE sale_orders SET updated_at = now() - ?::interval WHERE id = ?", idle, cart.Order.ID).Exec(e.ctx); err != nil {
			t.Fatal(err)
		}
		return cart.Order.ID
	}
	co, err := models.GetCompany(e.ctx, e.db)
	if err != nil {
		t.Fatal(err)
	}
	old := newCart(fmt.Sprintf("%d hours 1 minute", co.CartExpiryHours))
	recent := newCart(fmt.Sprintf("%d hours -5 minutes", co.CartExpiryHours))
	placed := e.checkout(models.ProviderWire, map[int64]int{v: 1}).Order.ID
	if _, err := e.db.NewRaw("UPDATE sale_orders SET updated_at = now() - interval '10000 hours' WHERE id = ?", placed).Exec(e.ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := models.CancelOrder(e.ctx, e.db, models.NoCustomerMail, recent, 0); models.ErrorCode(err) != models.ECONFLICT {
		t.Fatalf("cancel a cart from the back office: %v, want conflict", err)
	}
	before := e.figures(v)

	n, err := models.ExpireCarts(e.ctx, e.db)
	if err != nil || n != 1 {
		t.Fatalf("expired %d carts (%v), want 1", n, err)
	}
	exists := func(id int64) bool {
		var c int
		if err := e.db.NewRaw("SELECT count(*) FROM sale_orders WHERE id = ?", id).Scan(e.ctx, &c); err != nil {
			t.Fatal(err)
		}
		return c == 1
	}
	if exists(old) || !exists(recent) || !exists(placed) {
		t.Fatalf("after expiry: old cart %v, recent cart %v, placed order %v", exists(old), exists(recent), exists(placed))
	}
	if got := e.figures(v); fmt.Sprint(got) != fmt.Sprint(before) {
		t.Fatalf("stock %+v after expiring carts, was %+v", got, before)
	}
	if o := e.order(recent); o.State != models.OrderDraft {
		t.Fatalf("the refused cancel left the cart %s", o.State)
	}
}

// TestOrderNumbersPastFiveDigits: after S99999 comes S100000, not a
// truncated number that is already taken.
func TestOrderNumbersPastFiveDigits(t *testing.T) {
	e := newSaleEnv(t, 1)
	mug := e.product("Mug", models.TrackingNone)
	e.count(mug, *e.wh.StockLocationID, 10, "")
	if _, err := e.db.ExecContext(e.ctx, "SELECT setval('sale_order_number_seq', 99998)"); err != nil {
		t.Fatal(err)
	}
	var names []string
	for range 3 {
		pl := e.checkout(models.ProviderWire, map[int64]int{mug: 1})
		names = append(names, *pl.Order.Name)
	}
	if want := []string{"S99999", "S100000", "S100001"}; !slices.Equal(names, want) {
		t.Fatalf("order numbers %v, want %v", names, want)
	}
}
