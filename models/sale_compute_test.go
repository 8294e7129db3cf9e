package models_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/shopspring/decimal"

	"orderflow/models"
)

func ds(s string) decimal.Decimal { return decimal.RequireFromString(s) }

// pricedProduct creates a published storable product at price with taxes.
func (e *saleEnv) pricedProduct(name, price string, taxes ...*models.Tax) int64 {
	e.t.Helper()
	v := e.product(name, models.TrackingNone)
	var tmplID int64
	if err := e.db.NewRaw("UPDATE product_templates t SET list_price = ? FROM product_variants v WHERE v.id = ? AND t.id = v.template_id RETURNING t.id", ds(price), v).Scan(e.ctx, &tmplID); err != nil {
		e.t.Fatal(err)
	}
	for _, tx := range taxes {
		if _, err := e.db.NewInsert().Model(&models.ProductTemplateTax{TemplateID: tmplID, TaxID: tx.ID}).Exec(e.ctx); err != nil {
			e.t.Fatal(err)
		}
	}
	e.count(v, *e.wh.StockLocationID, 1000, "")
	return v
}

func (e *saleEnv) tax(name, amount string, included bool) *models.Tax {
	e.t.Helper()
	t, err := models.CreateTax(e.ctx, e.db, models.TaxInput{Name: name, AmountType: models.TaxPercent, Amount: amount, PriceInclude: included, Active: true}, 0)
	if err != nil {
		e.t.Fatal(err)
	}
	return t
}

func (e *saleEnv) setCompany(sql string, args ...any) {
	e.t.Helper()
	if _, err := e.db.NewRaw("UPDATE companies SET "+sql, args...).Exec(e.ctx); err != nil {
		e.t.Fatal(err)
	}
}

// cart adds the lines to a new guest cart and returns it.
func (e *saleEnv) cart(lines ...any) *models.SaleOrder {
	e.t.Helper()
	owner := models.CartOwner{}
	for i := 0; i < len(lines); i += 2 {
		c, err := models.AddToCart(e.ctx, e.db, owner, lines[i].(int64), lines[i+1].(string))
		if err != nil {
			e.t.Fatalf("add to cart: %v", err)
		}
		owner.CartID = c.Order.ID
	}
	return e.order(owner.CartID)
}

func lineOf(o *models.SaleOrder, variantID int64) *models.SaleOrderLine {
	for _, l := range o.Lines {
		if l.VariantID != nil && *l.VariantID == variantID {
			return l
		}
	}
	return nil
}

func wantAmounts(t *testing.T, what string, l *models.SaleOrderLine, subtotal, tax, total string) {
	t.Helper()
	if !l.PriceSubtotal.Equal(ds(subtotal)) || !l.PriceTax.Equal(ds(tax)) || !l.PriceTotal.Equal(ds(total)) {
		t.Errorf("%s: %s + %s = %s, want %s + %s = %s", what, l.PriceSubtotal, l.PriceTax, l.PriceTotal, subtotal, tax, total)
	}
}

// Odoo's figures: 19% excluded on 22689 and 9176 with a currency rounded to
// units gives 4311 and 1743 of tax; 12% included in 52.50 is 46.88 + 5.62.
func TestOrderTaxesMatchOdoo(t *testing.T) {
	e := newSaleEnv(t, 1)
	e.setCompany("currency_decimals = 0")
	vat19 := e.tax("VAT 19%", "19", false)
	a, b := e.pricedProduct("A", "22689", vat19), e.pricedProduct("B", "9176", vat19)
	o := e.cart(a, "1", b, "1")
	wantAmounts(t, "22689 + 19%", lineOf(o, a), "22689", "4311", "27000")
	wantAmounts(t, "9176 + 19%", lineOf(o, b), "9176", "1743", "10919")
	if !o.AmountTotal.Equal(ds("37919")) || !o.AmountTax.Equal(ds("6054")) {
		t.Errorf("order: tax %s total %s, want 6054 and 37919", o.AmountTax, o.AmountTotal)
	}

	e2 := newSaleEnv(t, 1)
	vat12 := e2.tax("VAT 12% incl", "12", true)
	c := e2.pricedProduct("C", "52.50", vat12)
	o2 := e2.cart(c, "1")
	wantAmounts(t, "52.50 incl 12%", lineOf(o2, c), "46.88", "5.62", "52.50")
}

// Rounding per line rounds each line's tax; global rounding rounds the sum.
func TestOrderTaxRoundingPerLineOrGlobal(t *testing.T) {
	e := newSaleEnv(t, 1)
	vat := e.tax("VAT 21%", "21", false)
	ids := []any{}
	for _, n := range []string{"X", "Y", "Z"} {
		ids = append(ids, e.pricedProduct(n, "1.11", vat), "1")
	}
	o := e.cart(ids...)
	if !o.AmountTax.Equal(ds("0.69")) || !o.AmountTotal.Equal(ds("4.02")) {
		t.Errorf("per line: tax %s total %s, want 0.69 (3 x 0.23) and 4.02", o.AmountTax, o.AmountTotal)
	}
	e.setCompany("tax_rounding = 'global'")
	// Any change recomputes the cart with the new setting.
	if _, err := models.SetCartQuantity(e.ctx, e.db, models.CartOwner{CartID: o.ID}, o.Lines[0].ID, "1"); err != nil {
		t.Fatal(err)
	}
	got := e.order(o.ID)
	if !got.AmountTax.Equal(ds("0.70")) || !got.AmountTotal.Equal(ds("4.03")) {
		t.Errorf("global: tax %s total %s, want 0.70 (round(3 x 0.2331)) and 4.03", got.AmountTax, got.AmountTotal)
	}
}

func TestCarrierPriceRules(t *testing.T) {
	cur := models.Currency{Code: "EUR", Rounding: ds("0.01")}
	free := ds("100")
	c := &models.Carrier{Name: "Courier", Kind: models.CarrierRules, FreeOver: &free, CountryCodes: []string{"BE", "NL"}, Rules: []*models.CarrierRule{
		{ID: 2, Sequence: 2, Variable: models.RuleWeight, Operator: "<=", MaxValue: ds("10"), BasePrice: ds("8"), PerUnitPrice: ds("0.5"), Factor: models.RuleWeight},
		{ID: 1, Sequence: 1, Variable: models.RuleWeight, Operator: "<=", MaxValue: ds("2"), BasePrice: ds("5")},
		{ID: 3, Sequence: 3, Variable: models.RuleQuantity, Operator: ">", MaxValue: ds("50"), BasePrice: ds("40")},
	}}
	cases := []struct {
		name  string
		basis models.ShippingBasis
		want  string
		err   string
	}{
		{"light: the first rule by sequence wins", models.ShippingBasis{Weight: ds("1.5"), Price: ds("20"), CountryCode: "BE"}, "5", ""},
		{"heavier: base + per kg", models.ShippingBasis{Weight: ds("6"), Price: ds("20"), CountryCode: "NL"}, "11", ""},
		{"free above the amount", models.ShippingBasis{Weight: ds("6"), Price: ds("100"), CountryCode: "BE"}, "0", ""},
		{"no rule matches", models.ShippingBasis{Weight: ds("30"), Quantity: ds("3"), Price: ds("20"), CountryCode: "BE"}, "", "no price rule"},
		{"another country", models.ShippingBasis{Weight: ds("1"), Price: ds("20"), CountryCode: "FR"}, "", "does not deliver"},
	}
	for _, tc := range cases {
		got, err := c.Price(tc.basis, cur)
		if tc.err != "" {
			if err == nil || !strings.Contains(models.ErrorMessage(err), tc.err) {
				t.Errorf("%s: %s, %v; want error %q", tc.name, got, err, tc.err)
			}
			continue
		}
		if err != nil || !got.Equal(ds(tc.want)) {
			t.Errorf("%s: %s, %v; want %s", tc.name, got, err, tc.want)
		}
	}
	fixed := &models.Carrier{Name: "Post", Kind: models.CarrierFixed, FixedPrice: ds("4.95")}
	if got, err := fixed.Price(models.ShippingBasis{CountryCode: "US"}, cur); err != nil || !got.Equal(ds("4.95")) {
		t.Errorf("fixed: %s %v", got, err)
	}
}

// The shipping line is added to the order, taxed with the carrier's tax.
func TestShippingLineOnOrder(t *testing.T) {
	e := newSaleEnv(t, 1)
	vat := e.tax("VAT 21%", "21", false)
	e.carrier.TaxID = &vat.ID
	if _, err := e.db.NewUpdate().Model(e.carrier).Column("tax_id").WherePK().Exec(e.ctx); err != nil {
		t.Fatal(err)
	}
	v := e.pricedProduct("Lamp", "100", vat)
	o := e.cart(v, "1")
	if _, err := models.SetCheckoutAddresses(e.ctx, e.db, models.CartOwner{CartID: o.ID}, models.CheckoutAddresses{Billing: testAddress}); err != nil {
		t.Fatal(err)
	}
	if _, err := models.SetOrderCarrier(e.ctx, e.db, o.ID, e.carrier.ID); err != nil {
		t.Fatal(err)
	}
	got := e.order(o.ID)
	var ship *models.SaleOrderLine
	for _, l := range got.Lines {
		if l.Kind == models.LineShipping {
			ship = l
		}
	}
	if ship == nil {
		t.Fatal("no shipping line")
	}
	wantAmounts(t, "shipping 5 + 21%", ship, "5", "1.05", "6.05")
	if !got.AmountTotal.Equal(ds("127.05")) {
		t.Errorf("total %s, want 121 + 6.05 = 127.05", got.AmountTotal)
	}
}

func (e *saleEnv) coupon(c models.Coupon) *models.Coupon {
	e.t.Helper()
	c.Active = true
	if _, err := e.db.NewInsert().Model(&c).Exec(e.ctx); err != nil {
		e.t.Fatal(err)
	}
	return &c
}

func TestCouponsDiscountEachTax(t *testing.T) {
	e := newSaleEnv(t, 1)
	vat21, vat6 := e.tax("VAT 21%", "21", false), e.tax("VAT 6%", "6", false)
	a, b := e.pricedProduct("Chair", "100", vat21), e.pricedProduct("Book", "50", vat6)
	e.coupon(models.Coupon{Code: "TEN", Name: "10%", Kind: models.CouponPercent, Amount: ds("10")})
	e.coupon(models.Coupon{Code: "BIG", Name: "big spender", Kind: models.CouponFixed, Amount: ds("20"), MinAmount: ds("500")})
	o := e.cart(a, "1", b, "1")
	// 121 + 53 = 174 before the code.
	if _, err := models.ApplyCoupon(e.ctx, e.db, o.ID, "big"); models.ErrorCode(err) != models.EINVALID || !strings.Contains(models.ErrorMessage(err), "at least") {
		t.Fatalf("code under its minimum: %v", err)
	}
	if _, err := models.ApplyCoupon(e.ctx, e.db, o.ID, "nope"); models.ErrorCode(err) != models.EINVALID {
		t.Fatalf("unknown code: %v", err)
	}
	if _, err := models.ApplyCoupon(e.ctx, e.db, o.ID, " ten "); err != nil {
		t.Fatal(err)
	}
	got := e.order(o.ID)
	var discounts []*models.SaleOrderLine
	for _, l := range got.Lines {
		if l.Kind == models.LineDiscount {
			discounts = append(discounts, l)
		}
	}
	if len(discounts) != 2 {
		t.Fatalf("%d discount lines, want one per tax", len(discounts))
	}
	// -10 at 21% and -5 at 6%: total 174 - 12.10 - 5.30 = 156.60.
	if !got.AmountTotal.Equal(ds("156.60")) || !got.AmountTax.Equal(ds("21.60")) {
		t.Errorf("with 10%%: tax %s total %s, want 21.60 and 156.60", got.AmountTax, got.AmountTotal)
	}
	// Lowering the cart below a code's minimum drops the code with a notice.
	e.coupon(models.Coupon{Code: "MIN150", Name: "min", Kind: models.CouponFixed, Amount: ds("5"), MinAmount: ds("150")})
	if _, err := models.ApplyCoupon(e.ctx, e.db, o.ID, "MIN150"); err != nil {
		t.Fatal(err)
	}
	cart, err := models.SetCartQuantity(e.ctx, e.db, models.CartOwner{CartID: o.ID}, lineOf(got, b).ID, "0")
	if err != nil {
		t.Fatal(err)
	}
	if len(cart.Notices) == 0 || cart.Order.CouponID != nil {
		t.Errorf("code kept below its minimum: notices %v", cart.Notices)
	}
}

// Two shoppers placing orders with the last use of a code: one gets it.
func TestCouponUsageLimitUnderRace(t *testing.T) {
	e := newSaleEnv(t, 1)
	v := e.pricedProduct("Pen", "10")
	limit := 1
	e.coupon(models.Coupon{Code: "ONCE", Name: "once", Kind: models.CouponFixed, Amount: ds("2"), UsageLimit: &limit})
	var carts []int64
	for range 4 {
		o := e.cart(v, "1")
		if _, err := models.ApplyCoupon(e.ctx, e.db, o.ID, "ONCE"); err != nil {
			t.Fatal(err)
		}
		if _, err := models.SetCheckoutAddresses(e.ctx, e.db, models.CartOwner{CartID: o.ID}, models.CheckoutAddresses{Billing: testAddress}); err != nil {
			t.Fatal(err)
		}
		if _, err := models.SetOrderCarrier(e.ctx, e.db, o.ID, e.carrier.ID); err != nil {
			t.Fatal(err)
		}
		carts = append(carts, o.ID)
	}
	var wg sync.WaitGroup
	errs := make([]error, len(carts))
	for i, id := range carts {
		wg.Go(func() {
			_, errs[i] = models.PlaceOrder(context.Background(), e.db, models.NoCustomerMail, id, models.PlaceInput{Provider: models.ProviderWire}, 0)
		})
	}
	wg.Wait()
	placed := 0
	for _, err := range errs {
		if err == nil {
			placed++
		} else if models.ErrorCode(err) != models.ECONFLICT {
			t.Errorf("refused with %v, want a conflict", err)
		}
	}
	if placed != 1 {
		t.Fatalf("%d orders placed with a single-use code, want 1", placed)
	}
}

func TestCartQuantities(t *testing.T) {
	e := newSaleEnv(t, 1)
	v := e.product("Vase", models.TrackingNone)
	e.count(v, *e.wh.StockLocationID, 5, "")
	for _, bad := range []string{"0", "-1", "1.5", "abc", "", "1001"} {
		_, err := models.AddToCart(e.ctx, e.db, models.CartOwner{}, v, bad)
		if models.ErrorCode(err) != models.EINVALID {
			t.Errorf("quantity %q: %v, want invalid", bad, err)
		}
	}
	var n int
	if err := e.db.NewRaw("SELECT count(*) FROM sale_orders").Scan(e.ctx, &n); err != nil || n != 0 {
		t.Fatalf("%d orders after refused adds (%v), want none", n, err)
	}
	c, err := models.AddToCart(e.ctx, e.db, models.CartOwner{}, v, "8")
	if err != nil {
		t.Fatal(err)
	}
	if l := lineOf(e.order(c.Order.ID), v); !l.Quantity.Equal(dd(5)) || len(c.Notices) == 0 {
		t.Fatalf("8 asked with 5 free: line %s, notices %v; want capped at 5 with a notice", l.Quantity, c.Notices)
	}
	if _, err := models.AddToCart(e.ctx, e.db, models.CartOwner{CartID: c.Order.ID}, v, "1"); err != nil {
		t.Fatal(err)
	}
	if l := lineOf(e.order(c.Order.ID), v); !l.Quantity.Equal(dd(5)) {
		t.Fatalf("line grew to %s past the stock", l.Quantity)
	}
	// Selling beyond stock lifts the cap.
	e.setCompany("sell_beyond_stock = true")
	if _, err := models.AddToCart(e.ctx, e.db, models.CartOwner{CartID: c.Order.ID}, v, "3"); err != nil {
		t.Fatal(err)
	}
	if l := lineOf(e.order(c.Order.ID), v); !l.Quantity.Equal(dd(8)) {
		t.Fatalf("selling beyond stock: line %s, want 8", l.Quantity)
	}
}

func TestCartMergesOnLogin(t *testing.T) {
	e := newSaleEnv(t, 1)
	a, b := e.pricedProduct("A", "3"), e.pricedProduct("B", "4")
	u, err := models.RegisterCustomer(e.ctx, e.db, models.Registration{Name: "Cy", Email: "cy@example.com", Password: "long enough password", Confirm: "long enough password"})
	if err != nil {
		t.Fatal(err)
	}
	mine, err := models.AddToCart(e.ctx, e.db, models.CartOwner{UserID: &u.ID, PartnerID: u.ContactID}, a, "1")
	if err != nil {
		t.Fatal(err)
	}
	guest := e.cart(a, "2", b, "1")
	id, err := models.MergeCartOnLogin(e.ctx, e.db, guest.ID, u)
	if err != nil {
		t.Fatal(err)
	}
	if id != mine.Order.ID {
		t.Fatalf("merged into %d, want the customer's cart %d", id, mine.Order.ID)
	}
	got := e.order(id)
	if !lineOf(got, a).Quantity.Equal(dd(3)) || !lineOf(got, b).Quantity.Equal(dd(1)) || !got.AmountTotal.Equal(ds("13")) {
		t.Fatalf("merged cart: A %s B %s total %s; want 3, 1 and 13", lineOf(got, a).Quantity, lineOf(got, b).Quantity, got.AmountTotal)
	}
	if _, err := models.GetOrder(e.ctx, e.db, guest.ID); models.ErrorCode(err) != models.ENOTFOUND {
		t.Fatalf("guest cart still there: %v", err)
	}
}

func TestOrderCancelReleasesStock(t *testing.T) {
	e := newSaleEnv(t, 2)
	v := e.product("Rug", models.TrackingNone)
	e.count(v, *e.wh.StockLocationID, 4, "")
	pl := e.checkout(models.ProviderCOD, map[int64]int{v: 3})
	o := e.order(pl.Order.ID)
	if o.State != models.OrderSale || !e.figures(v).Reserved.Equal(dd(3)) {
		t.Fatalf("cash on delivery: %s, reserved %s; want confirmed with 3 reserved", o.State, e.figures(v).Reserved)
	}
	if _, err := models.CancelOrder(e.ctx, e.db, models.NoCustomerMail, o.ID, 0); err != nil {
		t.Fatal(err)
	}
	var states []string
	if err := e.db.NewRaw("SELECT state FROM stock_pickings WHERE sale_order_id = ? ORDER BY id", o.ID).Scan(e.ctx, &states); err != nil {
		t.Fatal(err)
	}
	if len(states) != 2 || states[0] != models.StateCancel || states[1] != models.StateCancel {
		t.Fatalf("transfers after cancel: %v, want both cancelled", states)
	}
	if f := e.figures(v); !f.Reserved.IsZero() {
		t.Fatalf("reserved %s after cancel", f.Reserved)
	}
	e.assertBooks()
}

// A paid order whose stock ran out is still confirmed; its delivery shows
// the shortage instead of overselling.
func TestPaidOrderWithoutStockShowsShortage(t *testing.T) {
	e := newSaleEnv(t, 1)
	v := e.product("Last one", models.TrackingNone)
	e.count(v, *e.wh.StockLocationID, 2, "")
	first := e.checkout(models.ProviderTestCard, map[int64]int{v: 2})
	second := e.checkout(models.ProviderTestCard, map[int64]int{v: 2})
	for _, pl := range []*models.Placement{first, second} {
		if _, err := models.SetTransactionState(e.ctx, e.db, models.NoCustomerMail, pl.Transaction.Reference, models.TransactionUpdate{State: models.TxDone, Amount: pl.Transaction.Amount, CurrencyCode: "EUR"}, 0); err != nil {
			t.Fatal(err)
		}
	}
	var pk models.Picking
	if err := e.db.NewSelect().Model(&pk).Where("sale_order_id = ?", second.Order.ID).Scan(e.ctx); err != nil {
		t.Fatal(err)
	}
	if got := e.order(second.Order.ID); got.State != models.OrderSale || pk.State != models.StateConfirmed {
		t.Fatalf("second order %s, delivery %s; want confirmed with a delivery waiting for stock", got.State, pk.State)
	}
	if f := e.figures(v); !f.Reserved.Equal(dd(2)) || f.Free().IsNegative() {
		t.Fatalf("reserved %s free %s: oversold", f.Reserved, f.Free())
	}
	e.assertBooks()
}
