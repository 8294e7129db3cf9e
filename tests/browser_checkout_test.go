package tests

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/shopspring/decimal"

	"orderflow/models"
	"orderflow/tests/browser"
	"orderflow/tests/testapp"
)

// The whole web order in a real browser: a guest browses the shop, adds two
// products, enters an address, chooses the shipping and payment methods on
// one page (the totals follow), pays on the test card page and sees the
// confirmation; the back office then shows the confirmed order and its
// delivery with the stock reserved.
func TestBrowserGuestCheckoutToDelivery(t *testing.T) {
	app := testapp.Start(t)
	ctx := browser.New(t, browser.Size(390, 844))

	// Two products from the listing, each added from its product page.
	browser.Navigate(t, ctx, app.URL+"/shop")
	links := browser.Run(t, ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll("a[data-testid=shop-card]")].map(a => a.href)`))
	var names []string
	for _, link := range links {
		if len(names) == 2 {
			break
		}
		browser.Navigate(t, ctx, link)
		if !browser.Run(t, ctx, chromedp.Evaluate[bool](`!document.querySelector("[data-testid=add-to-cart]").disabled`)) {
			continue // this product's first variant is sold out
		}
		names = append(names, strings.TrimSpace(browser.Text(t, ctx, `[data-testid=product-title]`)))
		browser.Do(t, ctx, chromedp.Click(chromedp.CSS(`[data-testid=add-to-cart]`), chromedp.NodeVisible))
		browser.WaitFor(t, ctx, 10*time.Second, "the added-to-cart notice", `!!document.querySelector("[data-testid=cart-added]")`)
	}
	browser.Navigate(t, ctx, app.URL+"/cart")
	if n := browser.Run(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll("[data-testid=cart-line]").length`)); n != 2 {
		t.Fatalf("%d cart lines, want 2 (%v)", n, names)
	}
	browser.Screenshot(t, ctx, "checkout-cart.png")

	// More than anyone may order: the shop says so under the line, and the
	// line keeps its quantity.
	before := browser.Text(t, ctx, `[data-testid=cart-total]`)
	browser.Do(t, ctx, chromedp.SetValue(chromedp.CSS(`[data-testid=line-qty]`), "1500"),
		chromedp.Evaluate[chromedp.Void](`document.querySelector("[data-testid=line-qty]").dispatchEvent(new Event("change", {bubbles: true}))`))
	browser.WaitFor(t, ctx, 10*time.Second, "the quantity's error", `!!document.querySelector("[data-testid=line-error]")`)
	if got := browser.Text(t, ctx, `[data-testid=line-error]`); !strings.Contains(got, "1000") {
		t.Errorf("error under the line %q, want the most one may order", got)
	}
	if got := browser.Text(t, ctx, `[data-testid=cart-total]`); got != before {
		t.Errorf("total %q after a refused quantity, want %q", got, before)
	}
	browser.Screenshot(t, ctx, "checkout-cart-too-many.png")

	// The address, then one page for delivery and payment.
	browser.ClickAndWait(t, ctx, `[data-testid=checkout-button]`)
	fields := map[string]string{"billing_name": "Grace Guest", "billing_email": "grace@example.com", "billing_street": "5 Dock Road",
		"billing_city": "Antwerp", "billing_zip": "2000"}
	for name, value := range fields {
		browser.Do(t, ctx, chromedp.SendKeys(chromedp.CSS(`input[name=`+name+`]`), value))
	}
	browser.Screenshot(t, ctx, "checkout-address.png")
	browser.ClickAndWait(t, ctx, `[data-testid=address-continue]`)
	if p := browser.Path(t, ctx); p != "/checkout/payment" {
		t.Fatalf("after the address: %s", p)
	}
	if got := browser.Text(t, ctx, `[data-testid=review-shipping] address`); !strings.Contains(got, "5 Dock Road") {
		t.Errorf("delivery address shown %q", got)
	}
	// The first shipping method is chosen and counted in the totals and on
	// the button.
	first := strings.TrimSpace(browser.Text(t, ctx, `[data-testid=shipping-option]:has(input:checked) .option-title`))
	if got := browser.Text(t, ctx, `#checkout-totals`); !strings.Contains(got, "Shipping: "+first) {
		t.Errorf("totals %q do not show the shipping of %s", got, first)
	}
	total := strings.TrimSpace(browser.Text(t, ctx, `[data-testid=cart-total]`))
	if got := browser.Text(t, ctx, `[data-testid=place-label]`); !strings.HasSuffix(got, total) {
		t.Errorf("button %q, want the total %s", got, total)
	}
	browser.Screenshot(t, ctx, "checkout-delivery-payment.png")

	// Another shipping method: the totals follow without leaving the page.
	other := strings.TrimSpace(browser.Text(t, ctx, `[data-testid=shipping-option]:has(input:not(:checked):not([disabled])) .option-title`))
	browser.Do(t, ctx, chromedp.Click(chromedp.CSS(`[data-testid=shipping-option]:has(input:not(:checked):not([disabled])) input`), chromedp.NodeVisible))
	browser.WaitFor(t, ctx, 10*time.Second, "the totals with "+other,
		fmt.Sprintf(`document.querySelector("#checkout-totals").textContent.includes(%q)`, "Shipping: "+other))
	total = strings.TrimSpace(browser.Text(t, ctx, `[data-testid=cart-total]`))
	browser.Do(t, ctx, chromedp.Click(chromedp.CSS(`input[name=provider][value=test_card]`), chromedp.NodeVisible))
	browser.WaitFor(t, ctx, 10*time.Second, "the button for the test card",
		fmt.Sprintf(`document.querySelector("[data-testid=place-label]").textContent.trim() === %q`, "Pay now · "+total))
	if p := browser.Path(t, ctx); p != "/checkout/payment" {
		t.Fatalf("choosing the methods left the page for %s", p)
	}
	browser.Screenshot(t, ctx, "checkout-review.png")
	browser.ClickAndWait(t, ctx, `[data-testid=place-order]`)
	if p := browser.Path(t, ctx); !strings.HasPrefix(p, "/pay/test/") {
		t.Fatalf("placing the order led to %s, not the payment page", p)
	}
	amount := strings.TrimSpace(browser.Text(t, ctx, `[data-testid=pay-amount]`))
	if amount != total {
		t.Errorf("the payment page asks %s, the checkout showed %s", amount, total)
	}
	browser.Do(t, ctx,
		chromedp.SendKeys(chromedp.CSS(`input[name=card_number]`), "4242 4242 4242 4242"),
		chromedp.SendKeys(chromedp.CSS(`input[name=expiry]`), "12/34"),
		chromedp.SendKeys(chromedp.CSS(`input[name=cvc]`), "123"),
		chromedp.SendKeys(chromedp.CSS(`input[name=card_name]`), "Grace Guest"),
	)
	browser.Screenshot(t, ctx, "checkout-pay.png")
	browser.ClickAndWait(t, ctx, `[data-testid=pay-submit]`)

	// The confirmation tells the truth.
	browser.WaitFor(t, ctx, 15*time.Second, "the paid status", `document.querySelector("[data-testid=payment-status]")?.dataset.status === "paid"`)
	number := strings.TrimSpace(browser.Text(t, ctx, `[data-testid=order-number]`))
	if !strings.HasPrefix(number, "S") || !browser.Exists(t, ctx, `[data-testid=order-confirmed]`) {
		t.Fatalf("order page: number %q, confirmed shown %v", number, browser.Exists(t, ctx, `[data-testid=order-confirmed]`))
	}
	browser.Screenshot(t, ctx, "checkout-confirmation.png")

	o, err := models.GetOrderByName(context.Background(), app.DB, number)
	if err != nil {
		t.Fatal(err)
	}
	co, _ := models.GetCompany(context.Background(), app.DB)
	if o.State != models.OrderSale || o.PaymentStatus != models.PaymentPaid || co.Currency().Format(o.AmountTotal) != amount {
		t.Fatalf("order %s: %s / %s / %s, want sale / paid / %s as charged", number, o.State, o.PaymentStatus, co.Currency().Format(o.AmountTotal), amount)
	}

	// The back office: the confirmed order and its delivery, stock reserved.
	office := browser.NewTab(t, ctx, browser.Size(browser.DesktopWidth, browser.DesktopHeight))
	browserLogin(t, office, app, demoLogin(t, models.RoleSales))
	browser.Navigate(t, office, fmt.Sprintf("%s/office/orders/%d", app.URL, o.ID))
	if got := browser.Text(t, office, `[data-testid=order-state]`); !strings.Contains(got, "Sales order") && !strings.Contains(got, "Confirmed") {
		t.Errorf("order state shown %q", got)
	}
	browser.Screenshot(t, office, "office-order.png")
	var pk models.Picking
	if err := app.DB.NewSelect().Model(&pk).Where("sale_order_id = ?", o.ID).Scan(context.Background()); err != nil {
		t.Fatal(err)
	}
	browser.Navigate(t, office, fmt.Sprintf("%s/office/transfers/%d", app.URL, pk.ID))
	if got := strings.TrimSpace(browser.Text(t, office, `.transfer-header [data-testid=transfer-state]`)); got != "Ready" {
		t.Errorf("delivery %s shown as %q, want Ready (stock reserved)", pk.Name, got)
	}
	browser.Screenshot(t, office, "office-delivery.png")
	var reserved decimal.Decimal
	if err := app.DB.NewRaw("SELECT coalesce(sum(reserved_quantity), 0) FROM stock_move_lines WHERE picking_id = ?", pk.ID).Scan(context.Background(), &reserved); err != nil {
		t.Fatal(err)
	}
	if !reserved.Equal(o.ProductCount()) {
		t.Errorf("reserved %s on %s, want the %s units ordered", reserved, pk.Name, o.ProductCount())
	}
}
