package tests

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"orderflow/models"
	"orderflow/tests/testapp"
)

// The delivery & payment page: shipping and payment methods on one page,
// placed with one POST that carries both.

// addCarrier adds a fixed-price shipping method taxed like the standard
// one, delivering to countries (all when empty).
func addCarrier(t *testing.T, app *testapp.App, name, price string, countries []string, active bool) *models.Carrier {
	t.Helper()
	std, _ := standardCarrier(t, app)
	if countries == nil {
		countries = []string{}
	}
	ca := &models.Carrier{Name: name, Kind: models.CarrierFixed, FixedPrice: decimal.RequireFromString(price), CountryCodes: countries,
		TaxID: std.TaxID, Sequence: 9, Active: true}
	ctx := context.Background()
	if _, err := app.DB.NewInsert().Model(ca).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	if !active {
		if _, err := app.DB.NewRaw("UPDATE carriers SET active = false WHERE id = ?", ca.ID).Exec(ctx); err != nil {
			t.Fatal(err)
		}
	}
	return ca
}

// cartOrder is the client's cart as stored, with its lines.
func cartOrder(t *testing.T, app *testapp.App) *models.SaleOrder {
	t.Helper()
	o := new(models.SaleOrder)
	if err := app.DB.NewSelect().Model(o).Relation("Lines").Where("so.placed_at IS NULL AND so.origin = 'website'").
		OrderExpr("so.id DESC").Limit(1).Scan(context.Background()); err != nil {
		t.Fatal(err)
	}
	return o
}

func TestCheckoutPlacesWithTheCarrierInOnePost(t *testing.T) {
	app := testapp.Start(t)
	cur := company(t, app).Currency()
	a := &cartItems(t, app, 1, 5)[0]
	courier := addCarrier(t, app, "Test courier", "7.00", nil, true)
	_, taxes := standardCarrier(t, app)
	want := expectCart(cur, map[*cartItem]int{a: 1})
	ship := models.ComputeTaxes(taxes, decimal.RequireFromString("7.00"), decimal.NewFromInt(1), cur, false)

	// The page chose the first method; the shopper takes another one and,
	// without JavaScript, the choice only arrives with the button's POST.
	c := app.Client(t)
	addToCart(t, c, a.VariantID, "1")
	if r := c.PostForm("/checkout", checkoutAddress()); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("address: %d", r.StatusCode)
	}
	doc, _ := cartPage(t, c.Get("/checkout/payment").Body)
	if doc.Find(`[data-testid=shipping-option][data-carrier-id="`+itoa(courier.ID)+`"]`).Length() != 1 {
		t.Fatalf("the new shipping method is not offered")
	}
	r := c.PostForm("/checkout/place", url.Values{"carrier_id": {itoa(courier.ID)}, "provider": {models.ProviderWire}})
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("place: %d\n%s", r.StatusCode, r.Body)
	}
	o := placedOrder(t, app, r.Header.Get("Location"))
	if o.CarrierID == nil || *o.CarrierID != courier.ID {
		t.Fatalf("order carrier %v, want %d", o.CarrierID, courier.ID)
	}
	var lines []models.SaleOrderLine
	if err := app.DB.NewSelect().Model(&lines).Where("order_id = ? AND kind = ?", o.ID, models.LineShipping).Scan(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(lines) != 1 || lines[0].Description != courier.Name || !lines[0].PriceSubtotal.Equal(ship.TotalExcluded) || !lines[0].PriceTotal.Equal(ship.TotalIncluded) {
		t.Fatalf("shipping lines %+v, want one %s line of %s (%s with taxes)", lines, courier.Name, ship.TotalExcluded, ship.TotalIncluded)
	}
	total, untaxed := want.total.Add(ship.TotalIncluded), want.untaxed.Add(ship.TotalExcluded)
	if !o.AmountTotal.Equal(total) || !o.AmountUntaxed.Equal(untaxed) || !o.AmountTax.Equal(total.Sub(untaxed)) {
		t.Fatalf("order amounts %s / %s / %s, want %s / %s / %s", o.AmountUntaxed, o.AmountTax, o.AmountTotal, untaxed, total.Sub(untaxed), total)
	}
	if n := countRows(t, app, "SELECT count(*) FROM payment_transactions WHERE order_id = ? AND amount = ?", o.ID, total); n != 1 {
		t.Errorf("%d payments of %s started, want 1", n, total)
	}
	doc, _ = cartPage(t, c.Get(r.Header.Get("Location")).Body)
	if text(doc, "order-carrier") != courier.Name || text(doc, "order-total") != cur.Format(total) {
		t.Errorf("order page carrier %q total %q, want %s %s", text(doc, "order-carrier"), text(doc, "order-total"), courier.Name, cur.Format(total))
	}

	// A shopper who never opened the page (the cart has no shipping method
	// yet) places with one POST too.
	c = app.Client(t)
	addToCart(t, c, a.VariantID, "1")
	c.PostForm("/checkout", checkoutAddress())
	if o := cartOrder(t, app); o.CarrierID != nil {
		t.Fatalf("the cart has carrier %d before the page was shown", *o.CarrierID)
	}
	r = c.PostForm("/checkout/place", url.Values{"carrier_id": {itoa(courier.ID)}, "provider": {models.ProviderTestCard}})
	if r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/pay/test/") {
		t.Fatalf("place with the test card: %d -> %q", r.StatusCode, r.Header.Get("Location"))
	}
	if n := countRows(t, app, "SELECT count(*) FROM sale_orders WHERE placed_at IS NOT NULL AND carrier_id = ? AND amount_total = ?", courier.ID, total); n != 2 {
		t.Errorf("%d orders placed with %s for %s, want 2", n, courier.Name, total)
	}

	// A free method leaves the totals as they were: it is recorded all the same.
	free := addCarrier(t, app, "Free pickup", "0", nil, true)
	c = app.Client(t)
	addToCart(t, c, a.VariantID, "1")
	c.PostForm("/checkout", checkoutAddress())
	r = c.PostForm("/checkout/place", url.Values{"carrier_id": {itoa(free.ID)}, "provider": {models.ProviderWire}})
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("place with a free method: %d", r.StatusCode)
	}
	if o := placedOrder(t, app, r.Header.Get("Location")); o.CarrierID == nil || *o.CarrierID != free.ID || !o.AmountTotal.Equal(want.total) {
		t.Errorf("order with a free method: carrier %v total %s, want %d %s", o.CarrierID, o.AmountTotal, free.ID, want.total)
	}
}

func TestCheckoutPlaceRefusesAMissingOrWrongCarrier(t *testing.T) {
	app := testapp.Start(t)
	a := &cartItems(t, app, 1, 5)[0]
	dutch := addCarrier(t, app, "Dutch post", "3.00", []string{"NL"}, true)
	archived := addCarrier(t, app, "Old courier", "3.00", nil, false)
	c := app.Client(t)
	addToCart(t, c, a.VariantID, "1")
	if r := c.PostForm("/checkout", checkoutAddress()); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("address: %d", r.StatusCode)
	}
	before := cartOrder(t, app)
	unchanged := func(what string) {
		t.Helper()
		o := cartOrder(t, app)
		if o.ID != before.ID || o.State != models.OrderDraft || o.Name != nil || o.CarrierID != nil || !o.AmountTotal.Equal(before.AmountTotal) || len(o.Lines) != len(before.Lines) {
			t.Errorf("%s changed the cart: state %s name %v carrier %v total %s lines %d; was total %s lines %d",
				what, o.State, o.Name, o.CarrierID, o.AmountTotal, len(o.Lines), before.AmountTotal, len(before.Lines))
		}
		if n := countRows(t, app, "SELECT count(*) FROM payment_transactions"); n != 0 {
			t.Errorf("%s started %d payments", what, n)
		}
	}
	for _, tc := range []struct {
		name, carrier, provider, message string
	}{
		{"no shipping method", "", models.ProviderWire, "Choose a shipping method."},
		{"an unknown shipping method", "999999", models.ProviderWire, "Choose one of the shipping methods."},
		{"an archived shipping method", itoa(archived.ID), models.ProviderWire, "Choose one of the shipping methods."},
		{"a method that does not deliver there", itoa(dutch.ID), models.ProviderWire, "Dutch post does not deliver to this country."},
		{"a wrong method and a wrong provider", "999999", "bitcoin", "Choose one of the shipping methods."},
	} {
		form := url.Values{"provider": {tc.provider}}
		if tc.carrier != "" {
			form.Set("carrier_id", tc.carrier)
		}
		r := c.PostForm("/checkout/place", form)
		doc, _ := cartPage(t, r.Body)
		if r.StatusCode != http.StatusUnprocessableEntity || !strings.HasPrefix(text(doc, "error-carrier_id"), tc.message) {
			t.Errorf("%s: %d, carrier problem %q, want 422 %q", tc.name, r.StatusCode, text(doc, "error-carrier_id"), tc.message)
		}
		if tc.provider == "bitcoin" && text(doc, "error-provider") == "" {
			t.Errorf("%s: no problem shown for the provider", tc.name)
		}
		if doc.Find("[data-testid=place-form]").Length() != 1 {
			t.Errorf("%s: the page is not shown again", tc.name)
		}
		unchanged(tc.name)
	}
	if n := countRows(t, app, "SELECT count(*) FROM sale_orders WHERE placed_at IS NOT NULL"); n != 0 {
		t.Fatalf("%d orders placed by refused submits", n)
	}
	std, _ := standardCarrier(t, app)
	if r := c.PostForm("/checkout/place", url.Values{"carrier_id": {itoa(std.ID)}, "provider": {models.ProviderWire}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("place after the refusals: %d", r.StatusCode)
	}
}

func TestCheckoutCarrierChangeThroughHTMX(t *testing.T) {
	app := testapp.Start(t)
	cur := company(t, app).Currency()
	a := &cartItems(t, app, 1, 5)[0]
	courier := addCarrier(t, app, "Test courier", "7.00", nil, true)
	_, taxes := standardCarrier(t, app)
	want := expectCart(cur, map[*cartItem]int{a: 1})
	c := app.Client(t)
	addToCart(t, c, a.VariantID, "1")
	toPayment(t, app, c)
	before := cartOrder(t, app)

	// Another method: the totals and the button's text come back, without
	// the page around them.
	r := chooseCarrier(c, courier.ID, models.ProviderWire)
	ship := models.ComputeTaxes(taxes, decimal.RequireFromString("7.00"), decimal.NewFromInt(1), cur, false)
	total := want.total.Add(ship.TotalIncluded)
	doc, _ := cartPage(t, r.Body)
	if r.StatusCode != http.StatusOK || strings.Contains(r.Body, "<html") || doc.Find("#checkout-totals").Length() != 1 {
		t.Fatalf("HTMX carrier change: %d, fragment %v\n%s", r.StatusCode, !strings.Contains(r.Body, "<html"), r.Body)
	}
	if text(doc, "cart-total") != cur.Format(total) || text(doc, "cart-shipping") != cur.Format(ship.TotalExcluded) {
		t.Errorf("totals after the change: shipping %q total %q, want %s and %s", text(doc, "cart-shipping"), text(doc, "cart-total"), cur.Format(ship.TotalExcluded), cur.Format(total))
	}
	label := doc.Find("[data-testid=place-label]")
	if oob, _ := label.Attr("hx-swap-oob"); oob != "true" || strings.TrimSpace(label.Text()) != "Place order · "+cur.Format(total) {
		t.Errorf("button text %q (oob %q), want %q", strings.TrimSpace(label.Text()), oob, "Place order · "+cur.Format(total))
	}
	if oob, _ := doc.Find("#carrier-error").Attr("hx-swap-oob"); oob != "true" || text(doc, "error-carrier_id") != "" {
		t.Errorf("carrier problem area: oob %q, text %q", oob, text(doc, "error-carrier_id"))
	}
	if o := cartOrder(t, app); o.CarrierID == nil || *o.CarrierID != courier.ID || !o.AmountTotal.Equal(total) {
		t.Errorf("cart carrier %v total %s, want %d %s", o.CarrierID, o.AmountTotal, courier.ID, total)
	}

	// The payment method only changes the button's word.
	r = chooseCarrier(c, courier.ID, models.ProviderTestCard)
	doc, _ = cartPage(t, r.Body)
	if r.StatusCode != http.StatusOK || text(doc, "place-label") != "Pay now · "+cur.Format(total) {
		t.Errorf("test card chosen: %d, button %q", r.StatusCode, text(doc, "place-label"))
	}

	// A method that cannot be chosen: its problem, the totals unchanged.
	r = chooseCarrier(c, 999999, models.ProviderWire)
	doc, _ = cartPage(t, r.Body)
	if r.StatusCode != http.StatusUnprocessableEntity || strings.Contains(r.Body, "<html") || text(doc, "error-carrier_id") == "" || text(doc, "cart-total") != cur.Format(total) {
		t.Errorf("unknown carrier through HTMX: %d, problem %q, total %q", r.StatusCode, text(doc, "error-carrier_id"), text(doc, "cart-total"))
	}
	if o := cartOrder(t, app); o.CarrierID == nil || *o.CarrierID != courier.ID {
		t.Errorf("a refused change moved the cart to carrier %v", o.CarrierID)
	}

	// Without JavaScript the same post leads back to the page.
	form := url.Values{"carrier_id": {itoa(*before.CarrierID)}}
	if r := c.PostForm("/checkout/shipping", form); r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/checkout/payment" {
		t.Errorf("plain shipping post: %d -> %q", r.StatusCode, r.Header.Get("Location"))
	}
	doc, _ = cartPage(t, c.Get("/checkout/payment").Body)
	if text(doc, "cart-total") != cur.Format(before.AmountTotal) {
		t.Errorf("total back on the first method %q, want %s", text(doc, "cart-total"), cur.Format(before.AmountTotal))
	}
}
