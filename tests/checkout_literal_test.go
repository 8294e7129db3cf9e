package tests

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"github.com/shopspring/decimal"

	"orderflow/models"
	"orderflow/tests/testapp"
)

// literalProduct creates a published storable product at price with one
// tax, with 20 units in the shop's warehouse.
func literalProduct(t *testing.T, app *testapp.App, name, price string, tax *models.Tax) int64 {
	t.Helper()
	ctx := context.Background()
	tmpl := &models.ProductTemplate{Name: name, Type: models.ProductStorable, Tracking: models.TrackingNone,
		InvoicePolicy: models.InvoiceOrdered, ListPrice: decimal.RequireFromString(price), Active: true, Published: true}
	if _, err := app.DB.NewInsert().Model(tmpl).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := app.DB.NewInsert().Model(&models.ProductTemplateTax{TemplateID: tmpl.ID, TaxID: tax.ID}).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	v := &models.ProductVariant{TemplateID: tmpl.ID, SKU: "LIT-" + itoa(tmpl.ID), Active: true}
	if _, err := app.DB.NewInsert().Model(v).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	co := company(t, app)
	wh, err := models.GetWarehouse(ctx, app.DB, *co.WebsiteWarehouseID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := models.ApplyInventoryCount(ctx, app.DB, models.CountInput{LocationID: *wh.StockLocationID,
		Lines: []models.CountLine{{VariantID: v.ID, Counted: decimal.NewFromInt(20)}}}, 0); err != nil {
		t.Fatal(err)
	}
	return v.ID
}

// A cart with a price that includes its tax and one that excludes it shows,
// and the placed order charges, the amounts worked out by hand (not by the
// tax code under test): 12% included in 52.50 is 46.88 + 5.62 (Odoo's
// figure); 2 x 7.30 with 21% on top is 14.60 + 3.07; the demo's Standard
// delivery is 4.95 + 21% (1.04) under €75.
func TestCheckoutShowsLiteralAmounts(t *testing.T) {
	app := testapp.Start(t)
	ctx := context.Background()
	if co := company(t, app); co.PricesIncludeTax || co.TaxRounding != "per_line" || co.CurrencyCode != "EUR" {
		t.Fatalf("the demo company shows prices with taxes %v, rounds %s, in %s; the figures below are for prices without taxes, per line, in EUR",
			co.PricesIncludeTax, co.TaxRounding, co.CurrencyCode)
	}
	incl, err := models.CreateTax(ctx, app.DB, models.TaxInput{Name: "VAT 12% included", AmountType: models.TaxPercent, Amount: "12", PriceInclude: true, Active: true}, 0)
	if err != nil {
		t.Fatal(err)
	}
	excl, err := models.CreateTax(ctx, app.DB, models.TaxInput{Name: "VAT 21% on top", AmountType: models.TaxPercent, Amount: "21", Active: true}, 0)
	if err != nil {
		t.Fatal(err)
	}
	oil := literalProduct(t, app, "Olive oil tin", "52.50", incl)
	soap := literalProduct(t, app, "Olive soap", "7.30", excl)

	c := app.Client(t)
	for v, q := range map[int64]string{oil: "1", soap: "2"} {
		if r := addToCart(t, c, v, q); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("add %d: %d", v, r.StatusCode)
		}
	}
	doc, lines := getCart(t, c)
	// The shop shows prices without taxes.
	for _, tc := range []struct {
		what string
		got  shownLine
		want shownLine
	}{
		{"olive oil", lines[oil], shownLine{Qty: "1", Unit: "€46.88", Total: "€46.88"}},
		{"soap", lines[soap], shownLine{Qty: "2", Unit: "€7.30", Total: "€14.60"}},
	} {
		if tc.got.Qty != tc.want.Qty || tc.got.Unit != tc.want.Unit || tc.got.Total != tc.want.Total {
			t.Errorf("cart line %s: %s x %s = %s, want %s x %s = %s", tc.what, tc.got.Qty, tc.got.Unit, tc.got.Total, tc.want.Qty, tc.want.Unit, tc.want.Total)
		}
	}
	for id, want := range map[string]string{"cart-subtotal": "€61.48", "cart-untaxed": "€61.48", "cart-tax": "€8.69", "cart-total": "€70.17"} {
		if got := text(doc, id); got != want {
			t.Errorf("cart page %s: %q, want %q", id, got, want)
		}
	}

	toPayment(t, app, c)
	r := c.Get("/checkout/payment")
	if r.StatusCode != http.StatusOK {
		t.Fatalf("delivery & payment page: %d", r.StatusCode)
	}
	doc, _ = cartPage(t, r.Body)
	// 61.48 + 4.95 = 66.43; 8.69 + 1.04 = 9.73; 70.17 + 5.99 = 76.16.
	for id, want := range map[string]string{"cart-subtotal": "€61.48", "cart-shipping": "€4.95", "cart-untaxed": "€66.43", "cart-tax": "€9.73", "cart-total": "€76.16"} {
		if got := text(doc, id); got != want {
			t.Errorf("delivery & payment page %s: %q, want %q", id, got, want)
		}
	}

	ca, _ := standardCarrier(t, app)
	r = c.PostForm("/checkout/place", url.Values{"carrier_id": {itoa(ca.ID)}, "provider": {models.ProviderWire}})
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("place: %d\n%s", r.StatusCode, r.Body)
	}
	o := placedOrder(t, app, r.Header.Get("Location"))
	d := decimal.RequireFromString
	if !o.AmountUntaxed.Equal(d("66.43")) || !o.AmountTax.Equal(d("9.73")) || !o.AmountTotal.Equal(d("76.16")) {
		t.Errorf("placed order: %s + %s = %s, want 66.43 + 9.73 = 76.16", o.AmountUntaxed, o.AmountTax, o.AmountTotal)
	}
	if n := countRows(t, app, "SELECT count(*) FROM payment_transactions WHERE order_id = ? AND amount = 76.16", o.ID); n != 1 {
		t.Errorf("%d transactions of 76.16 for the order, want 1", n)
	}
}
