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
	"orderflow/views/shop"
)

// ssProduct is a published storable product with qty units in the shop's
// warehouse; it returns its variant.
func ssProduct(t *testing.T, a *testapp.App, name string, qty int64) int64 {
	t.Helper()
	ctx := context.Background()
	tmpl := &models.ProductTemplate{Name: name, Type: models.ProductStorable, Tracking: models.TrackingNone,
		InvoicePolicy: models.InvoiceOrdered, ListPrice: decimal.NewFromInt(20), Active: true, Published: true}
	if _, err := a.DB.NewInsert().Model(tmpl).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	v := &models.ProductVariant{TemplateID: tmpl.ID, SKU: strings.ToUpper(strings.ReplaceAll(name, " ", "-")), Active: true}
	if _, err := a.DB.NewInsert().Model(v).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	co, err := models.GetCompany(ctx, a.DB)
	if err != nil {
		t.Fatal(err)
	}
	wh, err := models.GetWarehouse(ctx, a.DB, *co.WebsiteWarehouseID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := models.ApplyInventoryCount(ctx, a.DB, models.CountInput{LocationID: *wh.StockLocationID,
		Lines: []models.CountLine{{VariantID: v.ID, Counted: decimal.NewFromInt(qty)}}}, 0); err != nil {
		t.Fatal(err)
	}
	return v.ID
}

// Stock another shopper bought between this shopper's cart and their
// payment is told to them before they pay (the delivery & payment page
// says what ships at once and what later), and after (the order page says
// some items wait for stock); the order is still taken.
func TestShopperIsToldOfStockSoldMeanwhile(t *testing.T) {
	a := testapp.Start(t)
	v := ssProduct(t, a, "Last Lamp", 3)
	c := a.Client(t)
	addToCart(t, c, v, "3")
	if r := c.PostForm("/checkout", checkoutAddress()); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("address: %d", r.StatusCode)
	}
	if got := ooDoc(t, c.Get("/checkout/payment")).Find(`[data-testid=stock-warnings]`).Length(); got != 0 {
		t.Fatal("a stock warning with all 3 units free")
	}

	// Another shopper buys 2 with cash on delivery: confirmed, reserved.
	other := a.Client(t)
	addToCart(t, other, v, "2")
	toPayment(t, a, other)
	ca, _ := standardCarrier(t, a)
	r := other.PostForm("/checkout/place", url.Values{"carrier_id": {itoa(ca.ID)}, "provider": {models.ProviderCOD}})
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("the other shopper's order: %d", r.StatusCode)
	}
	if ooDoc(t, other.Get(r.Header.Get("Location"))).Find(`[data-testid=order-waiting-stock]`).Length() != 0 {
		t.Fatal("an order with all its stock reserved says items wait for stock")
	}

	doc := ooDoc(t, c.Get("/checkout/payment"))
	want := "Only 1 of Last Lamp left in stock now: we send 1 at once and the other 2 as soon as they are back."
	if got := strings.TrimSpace(doc.Find(`[data-testid=stock-warning]`).Text()); got != want {
		t.Fatalf("stock warning %q, want %q", got, want)
	}
	r = c.PostForm("/checkout/place", url.Values{"carrier_id": {itoa(ca.ID)}, "provider": {models.ProviderTestCard}})
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("place: %d", r.StatusCode)
	}
	paid := omPay(t, a, c, r.Header.Get("Location"), models.TestCardSuccess)
	if paid.State != models.OrderSale {
		t.Fatalf("the short order is %s, want confirmed", paid.State)
	}
	page := ooDoc(t, c.Get(shop.OrderURL(paid)))
	if got := page.Find(`[data-testid=order-waiting-stock]`).Text(); !strings.Contains(got, "Some items are not in stock right now") {
		t.Fatalf("the order page does not say items wait for stock: %q", got)
	}
}
