package tests

import (
	"context"
	"net/http"
	"net/url"
	"testing"
	"time"

	"orderflow/models"
	"orderflow/tests/testapp"
)

// BenchmarkShop measures the storefront over HTTP (the real program: routing,
// sessions, queries, rendering) on a catalog of 10,000 generated products
// besides the demo catalog. Run it with
//
//	go test ./tests/ -run '^$' -bench BenchmarkShop -benchtime 3s
//
// and record the figures in docs/PERFORMANCE.md. `go test ./...` skips it.
func BenchmarkShop(b *testing.B) {
	app := testapp.Start(b)
	start := time.Now()
	if err := models.SeedLargeCatalog(context.Background(), app.DB, 10000); err != nil {
		b.Fatal(err)
	}
	b.Logf("seeded 10,000 products in %v", time.Since(start))
	apparel := shopID(b, app.DB, "SELECT id FROM product_categories WHERE name = 'Apparel'")
	size := shopID(b, app.DB, "SELECT v.id FROM product_attribute_values v JOIN product_attributes a ON a.id = v.attribute_id WHERE a.name = 'Size' AND v.name = 'M'")
	product := shopID(b, app.DB, "SELECT id FROM product_templates WHERE name = 'Classic Organic T-shirt'")

	for _, bc := range []struct{ name, path string }{
		{"listing", "/shop"},
		{"listing_page_100_by_price", "/shop?sort=price_asc&page=100"},
		{"listing_category", "/shop/category/" + itoa(apparel)},
		{"listing_filtered", "/shop?value=" + itoa(size) + "&min=20&max=120"},
		{"listing_htmx_fragment", "/shop?page=2"},
		{"search", "/shop?q=hoodie"},
		{"search_two_words", "/shop?q=" + url.QueryEscape("oak lamp")},
		{"search_prefix", "/shop?q=hoo"},
		{"search_typo", "/shop?q=hoodei"},
		{"search_no_result", "/shop?q=zzqxv"},
		{"product_page", "/shop/product/" + itoa(product)},
		{"home", "/"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			c := app.Client(b)
			var header http.Header
			if bc.name == "listing_htmx_fragment" {
				header = http.Header{"Hx-Request": {"true"}}
			}
			if r := c.Do(http.MethodGet, bc.path, nil, header); r.StatusCode != http.StatusOK {
				b.Fatalf("%s: %d", bc.path, r.StatusCode)
			}
			b.ResetTimer()
			for b.Loop() {
				c.Do(http.MethodGet, bc.path, nil, header)
			}
		})
	}
}
