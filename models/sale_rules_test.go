package models_test

import (
	"testing"

	"orderflow/models"
)

// report tells the order's transaction what the provider says happened to
// the payment, for the amount given.
func (e *saleEnv) report(pl *models.Placement, state, amount string) {
	e.t.Helper()
	if _, err := models.SetTransactionState(e.ctx, e.db, models.NoCustomerMail, pl.Transaction.Reference,
		models.TransactionUpdate{State: state, Amount: ds(amount), CurrencyCode: "EUR"}, 0); err != nil {
		e.t.Fatalf("report %s %s: %v", state, amount, err)
	}
}

// deliveries counts the order's transfers.
func (e *saleEnv) deliveries(orderID int64) int {
	e.t.Helper()
	var n int
	if err := e.db.NewRaw("SELECT count(*) FROM stock_pickings WHERE sale_order_id = ?", orderID).Scan(e.ctx, &n); err != nil {
		e.t.Fatal(err)
	}
	return n
}

// Without auto-confirm, a paid order waits for a salesperson: it is paid
// but not confirmed, and nothing is reserved or sent.
func TestPaidOrderWaitsWhenAutoConfirmIsOff(t *testing.T) {
	e := newSaleEnv(t, 1)
	e.setCompany("auto_confirm_on_payment = false")
	v := e.product("Mug", models.TrackingNone)
	e.count(v, *e.wh.StockLocationID, 10, "")
	pl := e.checkout(models.ProviderTestCard, map[int64]int{v: 3})
	// 3 x 10 + 5 shipping.
	e.report(pl, models.TxDone, "35")
	got := e.order(pl.Order.ID)
	if got.State != models.OrderSent || got.PaymentStatus != models.PaymentPaid || !got.AmountPaid.Equal(ds("35")) {
		t.Fatalf("paid with auto-confirm off: %s / %s / paid %s, want sent / paid / 35", got.State, got.PaymentStatus, got.AmountPaid)
	}
	if n := e.deliveries(got.ID); n != 0 {
		t.Fatalf("%d deliveries for an order nobody confirmed, want none", n)
	}
	if f := e.figures(v); !f.Reserved.IsZero() {
		t.Fatalf("reserved %s for an unconfirmed order, want 0", f.Reserved)
	}
}

// With auto-confirm, a card payment the provider has authorized (not yet
// captured) for the whole total confirms the order and reserves its stock.
func TestAuthorizedPaymentConfirmsOrder(t *testing.T) {
	e := newSaleEnv(t, 1)
	v := e.product("Mug", models.TrackingNone)
	e.count(v, *e.wh.StockLocationID, 10, "")
	pl := e.checkout(models.ProviderTestCard, map[int64]int{v: 3})
	e.report(pl, models.TxAuthorized, "35")
	got := e.order(pl.Order.ID)
	if got.State != models.OrderSale || got.PaymentStatus != models.PaymentAuthorized || !got.AmountPaid.IsZero() {
		t.Fatalf("authorized: %s / %s / paid %s, want sale / authorized / 0", got.State, got.PaymentStatus, got.AmountPaid)
	}
	var moves []struct {
		State    string `bun:"state"`
		Demand   string `bun:"demand"`
		Reserved string `bun:"reserved"`
	}
	if err := e.db.NewRaw(`SELECT m.state, m.demand::text AS demand, coalesce((SELECT sum(ml.reserved_quantity) FROM stock_move_lines ml
			WHERE ml.move_id = m.id AND ml.state = 'open'), 0)::text AS reserved
		FROM stock_moves m JOIN stock_pickings p ON p.id = m.picking_id WHERE p.sale_order_id = ? AND m.variant_id = ?`, got.ID, v).Scan(e.ctx, &moves); err != nil {
		t.Fatal(err)
	}
	if len(moves) != 1 || !ds(moves[0].Demand).Equal(dd(3)) || !ds(moves[0].Reserved).Equal(dd(3)) || moves[0].State != models.StateAssigned {
		t.Fatalf("delivery moves %+v, want one assigned move of 3 with 3 reserved", moves)
	}
	if f := e.figures(v); !f.Reserved.Equal(dd(3)) {
		t.Fatalf("reserved %s, want 3", f.Reserved)
	}
	e.assertBooks()
}

// A payment that covers only part of the total (the order's total went up
// after the payment started) never confirms, even with auto-confirm on.
func TestPartialPaymentDoesNotConfirm(t *testing.T) {
	e := newSaleEnv(t, 1)
	v := e.product("Mug", models.TrackingNone)
	e.count(v, *e.wh.StockLocationID, 10, "")
	pl := e.checkout(models.ProviderTestCard, map[int64]int{v: 3})
	if !pl.Transaction.Amount.Equal(ds("35")) {
		t.Fatalf("transaction of %s, want 35", pl.Transaction.Amount)
	}
	if _, err := e.db.NewRaw("UPDATE sale_orders SET amount_total = 40 WHERE id = ?", pl.Order.ID).Exec(e.ctx); err != nil {
		t.Fatal(err)
	}
	e.report(pl, models.TxDone, "35")
	got := e.order(pl.Order.ID)
	if got.State != models.OrderSent || got.PaymentStatus != models.PaymentPartial || !got.AmountPaid.Equal(ds("35")) {
		t.Fatalf("35 paid of 40: %s / %s / paid %s, want sent / partial / 35", got.State, got.PaymentStatus, got.AmountPaid)
	}
	if n := e.deliveries(got.ID); n != 0 {
		t.Fatalf("%d deliveries for a partly paid order, want none", n)
	}
	if f := e.figures(v); !f.Reserved.IsZero() {
		t.Fatalf("reserved %s for a partly paid order, want 0", f.Reserved)
	}
}

// weighingProduct is pricedProduct weighing kg a unit (set on the template,
// which the variant follows).
func (e *saleEnv) weighingProduct(name, price, kg string) int64 {
	e.t.Helper()
	v := e.pricedProduct(name, price)
	if _, err := e.db.NewRaw("UPDATE product_templates t SET weight = ? FROM product_variants v WHERE v.id = ? AND t.id = v.template_id", ds(kg), v).Exec(e.ctx); err != nil {
		e.t.Fatal(err)
	}
	return v
}

func shippingLine(o *models.SaleOrder) *models.SaleOrderLine {
	for _, l := range o.Lines {
		if l.Kind == models.LineShipping {
			return l
		}
	}
	return nil
}

// A carrier priced by weight bands charges a real order by the band its
// weight (unit weight x quantity) falls in: the first matching band wins.
// When the cart grows past every band the carrier is dropped with a notice.
func TestRuleCarrierPricesOrderByWeight(t *testing.T) {
	e := newSaleEnv(t, 1)
	vat := e.tax("VAT 21%", "21", false)
	courier, err := models.CreateCarrier(e.ctx, e.db, models.CarrierInput{Name: "Courier", Kind: models.CarrierRules, TaxID: vat.ID, Active: true,
		Rules: []models.CarrierRuleInput{
			{Variable: models.RuleWeight, Operator: "<=", MaxValue: "2", BasePrice: "4.50"},
			{Variable: models.RuleWeight, Operator: "<=", MaxValue: "6", BasePrice: "7", PerUnitPrice: "0.50", Factor: models.RuleWeight},
			{Variable: models.RuleWeight, Operator: "<=", MaxValue: "10", BasePrice: "15"},
		}}, 0)
	if err != nil {
		t.Fatal(err)
	}
	v := e.weighingProduct("Kettlebell", "20", "2")
	o := e.cart(v, "3")
	owner := models.CartOwner{CartID: o.ID}
	if _, err := models.SetCheckoutAddresses(e.ctx, e.db, owner, models.CheckoutAddresses{Billing: testAddress}); err != nil {
		t.Fatal(err)
	}
	if _, err := models.SetOrderCarrier(e.ctx, e.db, o.ID, courier.ID); err != nil {
		t.Fatal(err)
	}
	got := e.order(o.ID)
	ship := shippingLine(got)
	if ship == nil {
		t.Fatal("no shipping line")
	}
	// 3 x 2 kg = 6 kg: the second band, 7 + 0.50 x 6 = 10, plus 21%.
	wantAmounts(t, "6 kg by the courier", ship, "10", "2.10", "12.10")
	if ship.Description != "Courier" || !got.AmountTotal.Equal(ds("72.10")) || !got.AmountTax.Equal(ds("2.10")) {
		t.Errorf("order: shipping %q, tax %s, total %s; want Courier, 2.10 and 60 + 12.10 = 72.10", ship.Description, got.AmountTax, got.AmountTotal)
	}

	// 6 x 2 kg = 12 kg: no band takes it.
	cart, err := models.SetCartQuantity(e.ctx, e.db, owner, lineOf(got, v).ID, "6")
	if err != nil {
		t.Fatal(err)
	}
	want := "Courier cannot ship this order: no price rule matches it. Please choose another shipping method."
	if len(cart.Notices) != 1 || cart.Notices[0] != want {
		t.Fatalf("12 kg: notices %q, want %q", cart.Notices, want)
	}
	got = e.order(o.ID)
	if got.CarrierID != nil || shippingLine(got) != nil || !got.AmountTotal.Equal(ds("120")) {
		t.Fatalf("12 kg: carrier %v, shipping line %v, total %s; want no carrier, no shipping and 6 x 20 = 120", got.CarrierID, shippingLine(got), got.AmountTotal)
	}
	if _, err := models.SetOrderCarrier(e.ctx, e.db, o.ID, courier.ID); models.ErrorCode(err) != models.EINVALID ||
		models.ErrorMessage(err) != "Courier cannot ship this order: no price rule matches it." {
		t.Fatalf("choosing the courier for 12 kg: %v, want refused with its reason", err)
	}
}

func discountLines(o *models.SaleOrder) []*models.SaleOrderLine {
	var out []*models.SaleOrderLine
	for _, l := range o.Lines {
		if l.Kind == models.LineDiscount {
			out = append(out, l)
		}
	}
	return out
}

// A fixed code takes exactly its amount, taxes included, off the products:
// the discount line carries the products' tax, included in its price, so
// the tax drops in proportion.
func TestFixedCouponOnOrder(t *testing.T) {
	e := newSaleEnv(t, 1)
	vat := e.tax("VAT 21%", "21", false)
	v := e.pricedProduct("Lamp", "100", vat)
	e.coupon(models.Coupon{Code: "TENOFF", Name: "10 off", Kind: models.CouponFixed, Amount: ds("10")})
	o := e.cart(v, "1")
	owner := models.CartOwner{CartID: o.ID}
	if _, err := models.ApplyCoupon(e.ctx, e.db, o.ID, "TENOFF"); err != nil {
		t.Fatal(err)
	}
	got := e.order(o.ID)
	disc := discountLines(got)
	if len(disc) != 1 {
		t.Fatalf("%d discount lines, want 1", len(disc))
	}
	// The line's price includes its tax: 10.00 = 8.26 untaxed + 1.74 of
	// tax, so the code takes exactly 10.00 off (a price of 8.26 with 21% on
	// top would take 9.99).
	wantAmounts(t, "code TENOFF", disc[0], "-8.26", "-1.74", "-10")
	if disc[0].Description != "Discount TENOFF: €10.00 off" {
		t.Errorf("discount line %q", disc[0].Description)
	}
	if !got.AmountUntaxed.Equal(ds("91.74")) || !got.AmountTax.Equal(ds("19.26")) || !got.AmountTotal.Equal(ds("111")) {
		t.Errorf("with TENOFF: %s + %s = %s, want 91.74 + 19.26 = 111.00", got.AmountUntaxed, got.AmountTax, got.AmountTotal)
	}
	if _, err := models.SetCheckoutAddresses(e.ctx, e.db, owner, models.CheckoutAddresses{Billing: testAddress}); err != nil {
		t.Fatal(err)
	}
	pl, err := models.PlaceOrder(e.ctx, e.db, models.NoCustomerMail, o.ID, models.PlaceInput{Provider: models.ProviderWire, CarrierID: e.carrier.ID}, 0)
	if err != nil {
		t.Fatal(err)
	}
	// Shipping (5, untaxed) is charged on top.
	if placed := e.order(pl.Order.ID); !placed.AmountTax.Equal(ds("19.26")) || !placed.AmountTotal.Equal(ds("116")) || !pl.Transaction.Amount.Equal(ds("116")) {
		t.Errorf("placed: tax %s total %s to pay %s, want 19.26, 116.00 and 116.00", placed.AmountTax, placed.AmountTotal, pl.Transaction.Amount)
	}
}

// A fixed code worth more than the cart brings the products to zero, never
// below: only the shipping is left to pay.
func TestFixedCouponLargerThanCart(t *testing.T) {
	e := newSaleEnv(t, 1)
	vat := e.tax("VAT 21%", "21", false)
	v := e.pricedProduct("Lamp", "100", vat)
	e.coupon(models.Coupon{Code: "GIFT200", Name: "gift card", Kind: models.CouponFixed, Amount: ds("200")})
	o := e.cart(v, "1")
	if _, err := models.ApplyCoupon(e.ctx, e.db, o.ID, "GIFT200"); err != nil {
		t.Fatal(err)
	}
	got := e.order(o.ID)
	lines := discountLines(got)
	if len(lines) != 1 {
		t.Fatalf("%d discount lines, want 1", len(lines))
	}
	wantAmounts(t, "200 off a 121 cart", lines[0], "-100", "-21", "-121")
	if !got.AmountUntaxed.IsZero() || !got.AmountTax.IsZero() || !got.AmountTotal.IsZero() {
		t.Errorf("cart with GIFT200: %s + %s = %s, want 0 + 0 = 0", got.AmountUntaxed, got.AmountTax, got.AmountTotal)
	}
	if _, err := models.SetCheckoutAddresses(e.ctx, e.db, models.CartOwner{CartID: o.ID}, models.CheckoutAddresses{Billing: testAddress}); err != nil {
		t.Fatal(err)
	}
	if _, err := models.SetOrderCarrier(e.ctx, e.db, o.ID, e.carrier.ID); err != nil {
		t.Fatal(err)
	}
	got = e.order(o.ID)
	if !got.AmountTax.IsZero() || !got.AmountTotal.Equal(ds("5")) {
		t.Errorf("with shipping: tax %s total %s, want 0 and 5 (the shipping only)", got.AmountTax, got.AmountTotal)
	}
}

// placeWithCode places a one-line order (wire transfer) with code applied.
func (e *saleEnv) placeWithCode(v int64, code string) *models.SaleOrder {
	e.t.Helper()
	o := e.cart(v, "1")
	if _, err := models.ApplyCoupon(e.ctx, e.db, o.ID, code); err != nil {
		e.t.Fatalf("apply %s: %v", code, err)
	}
	if _, err := models.SetCheckoutAddresses(e.ctx, e.db, models.CartOwner{CartID: o.ID}, models.CheckoutAddresses{Billing: testAddress}); err != nil {
		e.t.Fatal(err)
	}
	pl, err := models.PlaceOrder(e.ctx, e.db, models.NoCustomerMail, o.ID, models.PlaceInput{Provider: models.ProviderWire, CarrierID: e.carrier.ID}, 0)
	if err != nil {
		e.t.Fatalf("place with %s: %v", code, err)
	}
	return e.order(pl.Order.ID)
}

func (e *saleEnv) usedCount(couponID int64) int {
	e.t.Helper()
	var n int
	if err := e.db.NewRaw("SELECT used_count FROM coupons WHERE id = ?", couponID).Scan(e.ctx, &n); err != nil {
		e.t.Fatal(err)
	}
	return n
}

// Placing an order counts a use of its code; cancelling it gives the use
// back, so a single-use code can be used again.
func TestCouponUseGivenBackOnCancel(t *testing.T) {
	e := newSaleEnv(t, 1)
	v := e.pricedProduct("Pen", "10")
	limit := 1
	cp := e.coupon(models.Coupon{Code: "ONCE", Name: "once", Kind: models.CouponFixed, Amount: ds("2"), UsageLimit: &limit})
	first := e.placeWithCode(v, "ONCE")
	// 10 - 2 + 5 shipping.
	if !first.AmountTotal.Equal(ds("13")) || first.CouponID == nil || *first.CouponID != cp.ID {
		t.Fatalf("order with ONCE: total %s code %v, want 13 with the code", first.AmountTotal, first.CouponID)
	}
	if n := e.usedCount(cp.ID); n != 1 {
		t.Fatalf("used %d times after one order, want 1", n)
	}
	other := e.cart(v, "1")
	if _, err := models.ApplyCoupon(e.ctx, e.db, other.ID, "ONCE"); models.ErrorMessage(err) != "This code has been used up." {
		t.Fatalf("single-use code a second time: %v, want used up", err)
	}
	if _, err := models.CancelOrder(e.ctx, e.db, models.NoCustomerMail, first.ID, 0); err != nil {
		t.Fatal(err)
	}
	if n := e.usedCount(cp.ID); n != 0 {
		t.Fatalf("used %d times after the order was cancelled, want 0", n)
	}
	second := e.placeWithCode(v, "ONCE")
	if !second.AmountTotal.Equal(ds("13")) || e.usedCount(cp.ID) != 1 {
		t.Fatalf("again after the cancel: total %s used %d, want 13 and 1", second.AmountTotal, e.usedCount(cp.ID))
	}
}

// A fixed code shared between products of two taxes still takes exactly
// its amount off: the shares' rounding goes to the last one.
func TestFixedCouponSharedBetweenTaxes(t *testing.T) {
	e := newSaleEnv(t, 1)
	vat21, vat6 := e.tax("VAT 21%", "21", false), e.tax("VAT 6%", "6", false)
	a, b := e.pricedProduct("Chair", "100", vat21), e.pricedProduct("Book", "50", vat6)
	e.coupon(models.Coupon{Code: "SEVEN", Name: "7 off", Kind: models.CouponFixed, Amount: ds("7")})
	o := e.cart(a, "1", b, "1")
	before := e.order(o.ID).AmountTotal // 121 + 53 = 174
	if _, err := models.ApplyCoupon(e.ctx, e.db, o.ID, "SEVEN"); err != nil {
		t.Fatal(err)
	}
	got := e.order(o.ID)
	if len(discountLines(got)) != 2 || !got.AmountTotal.Equal(before.Sub(ds("7"))) {
		t.Fatalf("%d discount lines, total %s, want two and %s - 7", len(discountLines(got)), got.AmountTotal, before)
	}
	if !before.Equal(ds("174")) || !got.AmountTotal.Equal(ds("167")) {
		t.Fatalf("totals %s before the code and %s after, want 174 and 167", before, got.AmountTotal)
	}
}
