package tests

import (
	"github.com/shopspring/decimal"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"orderflow/models"
	"orderflow/tests/browser"
	"orderflow/tests/testapp"
)

// A shopper searches from the header, filters by colour, opens the product
// and picks another size: price, SKU and picture follow through HTMX.
func TestBrowserShopSearchFilterPickVariant(t *testing.T) {
	app := testapp.Start(t)
	navy := shopID(t, app.DB, "SELECT v.id FROM product_attribute_values v JOIN product_attributes a ON a.id = v.attribute_id WHERE a.name = 'Color' AND v.name = 'Navy'")
	first := browser.New(t)

	for _, size := range []struct {
		name          string
		width, height int
	}{{"desktop", browser.DesktopWidth, browser.DesktopHeight}, {"phone", 390, 844}} {
		t.Run(size.name, func(t *testing.T) {
			ctx := browser.NewTab(t, first, browser.Size(size.width, size.height))
			browser.Navigate(t, ctx, app.URL+"/")
			browser.Screenshot(t, ctx, "shop-home-"+size.name+".png")

			// Search from the header.
			browser.Do(t, ctx, chromedp.SendKeys(chromedp.CSS(`form.search input[name=q]`), "hoodie"))
			browser.ClickAndWait(t, ctx, `form.search button[type=submit]`)
			if got := browser.Text(t, ctx, `[data-testid=result-count]`); got != "5 products" {
				t.Fatalf("search hoodie: %q, want 5 products", got)
			}
			browser.Screenshot(t, ctx, "shop-search-"+size.name+".png")

			// Filter by colour: the results change without a page load and
			// the address follows.
			if size.name == "phone" {
				browser.Do(t, ctx, chromedp.Click(chromedp.CSS(`details.filter-panel > summary`), chromedp.NodeVisible))
			}
			browser.Run(t, ctx, chromedp.Evaluate[bool](`window.shopMarker = true`))
			browser.Do(t, ctx, chromedp.Click(chromedp.CSS(`[data-testid=filter-attr-color] input[value="`+itoa(navy)+`"]`), chromedp.NodeVisible))
			browser.WaitFor(t, ctx, 10*time.Second, "the colour filter",
				`document.querySelector("[data-testid=result-count]").textContent.trim() === "1 product"`)
			if !browser.Run(t, ctx, chromedp.Evaluate[bool](`window.shopMarker === true`)) {
				t.Errorf("the filter reloaded the whole page instead of swapping the results")
			}
			if u := browser.URL(t, ctx); u.Query().Get("value") != itoa(navy) || u.Query().Get("q") != "hoodie" {
				t.Errorf("address after filtering: %s", u)
			}
			browser.Screenshot(t, ctx, "shop-filtered-"+size.name+".png")

			// Open the product.
			browser.ClickAndWait(t, ctx, `[data-testid=shop-card]`)
			if got := browser.Text(t, ctx, `[data-testid=product-title]`); got != "Everyday Zip Hoodie" {
				t.Fatalf("product page %q", got)
			}
			sku := func() string { return strings.TrimSpace(browser.Text(t, ctx, `[data-testid=variant-sku]`)) }
			if got := sku(); got != "HOD-ZIP-S-BLA" {
				t.Errorf("first SKU %q", got)
			}
			if got := browser.Text(t, ctx, `[data-testid=variant-price]`); got != "€59.00" {
				t.Errorf("first price %q", got)
			}
			image := func() string {
				return browser.Run(t, ctx, chromedp.Evaluate[string](`document.querySelector("[data-testid=gallery-image]").dataset.imageId`))
			}
			blackImage := image()

			// Pick XL (3.00 more), then Navy.
			browser.Do(t, ctx, chromedp.Click(chromedp.CSS(`[data-testid=picker-size] [data-testid=picker-option]:nth-child(4)`), chromedp.NodeVisible))
			browser.WaitFor(t, ctx, 10*time.Second, "the XL variant",
				`document.querySelector("[data-testid=variant-sku]").textContent.trim() === "HOD-ZIP-XL-BLA"`)
			if got := browser.Text(t, ctx, `[data-testid=variant-price]`); got != "€62.00" {
				t.Errorf("XL price %q, want €62.00", got)
			}
			browser.Do(t, ctx, chromedp.Click(chromedp.CSS(`[data-testid=picker-color] [data-value-id="`+itoa(navy)+`"]`), chromedp.NodeVisible))
			browser.WaitFor(t, ctx, 10*time.Second, "the navy XL variant",
				`document.querySelector("[data-testid=variant-sku]").textContent.trim() === "HOD-ZIP-XL-NAV"`)
			if got := image(); got == blackImage {
				t.Errorf("the picture did not change with the colour")
			}
			if got, want := browser.Text(t, ctx, `[data-testid=variant-availability]`), shopStockText(t, app, "HOD-ZIP-XL-NAV"); !strings.Contains(got, want) {
				t.Errorf("availability %q, want %q", got, want)
			}
			if u := browser.URL(t, ctx); len(u.Query()) != 2 {
				t.Errorf("address after picking: %s", u)
			}
			browser.Screenshot(t, ctx, "shop-product-"+size.name+".png")
		})
	}
}

// shopStockText is what the product page should say of a variant's stock:
// its free quantity in the website's warehouse, read from the database.
func shopStockText(t *testing.T, app *testapp.App, sku string) string {
	t.Helper()
	var free decimal.Decimal
	err := app.DB.NewRaw(`SELECT coalesce(sum(q.quantity - q.reserved_quantity), 0) FROM product_variants v
		LEFT JOIN stock_quants q ON q.variant_id = v.id
		LEFT JOIN stock_locations l ON l.id = q.location_id AND l.usage = 'internal'
		WHERE v.sku = ?`, sku).Scan(t.Context(), &free)
	if err != nil {
		t.Fatal(err)
	}
	switch {
	case !free.IsPositive():
		return "Out of stock"
	case free.LessThanOrEqual(models.LowStockThreshold):
		return "Only " + free.String() + " left"
	}
	return "In stock"
}
