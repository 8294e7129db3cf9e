package tests

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/uptrace/bun"

	"orderflow/models"
	"orderflow/tests/testapp"
)

// shopDoc parses a storefront page and fails the test unless it answered want.
func shopDoc(t *testing.T, c *testapp.Client, path string, want int) (*goquery.Document, *testapp.Response) {
	t.Helper()
	r := c.Get(path)
	if r.StatusCode != want {
		t.Fatalf("GET %s: %d, want %d; body:\n%.2000s", path, r.StatusCode, want, r.Body)
	}
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(r.Body))
	if err != nil {
		t.Fatal(err)
	}
	return doc, r
}

func shopID(t testing.TB, db bun.IDB, query string, args ...any) int64 {
	t.Helper()
	var id int64
	if err := db.NewRaw(query, args...).Scan(context.Background(), &id); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return id
}

func texts(doc *goquery.Document, css string) []string {
	var out []string
	doc.Find(css).Each(func(_ int, s *goquery.Selection) { out = append(out, strings.TrimSpace(s.Text())) })
	return out
}

func TestShopListingFiltersAndPages(t *testing.T) {
	app := testapp.Start(t)
	c := app.Client(t)
	db := app.DB
	visible := shopID(t, db, "SELECT count(*) FROM product_templates WHERE published AND active")

	doc, _ := shopDoc(t, c, "/shop", http.StatusOK)
	if got, want := doc.Find("[data-testid=result-count]").Text(), itoa(visible)+" products"; got != want {
		t.Errorf("result count %q, want %q", got, want)
	}
	if n := doc.Find("[data-testid=shop-card]").Length(); n != models.ShopPerPage {
		t.Errorf("%d cards on page 1, want %d", n, models.ShopPerPage)
	}
	if doc.Find("[data-testid=page-next]").Length() != 1 {
		t.Errorf("no link to page 2")
	}
	if desc, _ := doc.Find(`meta[name=description]`).Attr("content"); desc == "" {
		t.Errorf("no meta description")
	}
	doc.Find("[data-testid=shop-card] img").Each(func(_ int, s *goquery.Selection) {
		if alt, _ := s.Attr("alt"); alt == "" {
			t.Errorf("a product picture has no alt text")
		}
	})

	// Page 2 through HTMX: only the listing's body comes back.
	r := c.Do(http.MethodGet, "/shop?page=2", nil, http.Header{"Hx-Request": {"true"}})
	if r.StatusCode != http.StatusOK || strings.Contains(r.Body, "<html") || !strings.Contains(r.Body, `id="shop-listing"`) {
		t.Errorf("HTMX page 2: %d, full page %v", r.StatusCode, strings.Contains(r.Body, "<html"))
	}
	if !strings.Contains(r.Body, "Page 2 of 2") {
		t.Errorf("HTMX page 2 does not say Page 2 of 2")
	}

	// A category with its sub-categories, with breadcrumbs.
	apparel := shopID(t, db, "SELECT id FROM product_categories WHERE name = 'Apparel'")
	doc, _ = shopDoc(t, c, "/shop/category/"+itoa(apparel)+"-apparel", http.StatusOK)
	if got := doc.Find("[data-testid=listing-title]").Text(); got != "Apparel" {
		t.Errorf("category title %q", got)
	}
	if got := strings.Join(texts(doc, "[data-testid=breadcrumbs] li"), " / "); got != "Home / Shop / Apparel" {
		t.Errorf("breadcrumbs %q", got)
	}
	if got := doc.Find("[data-testid=result-count]").Text(); got != "11 products" {
		t.Errorf("Apparel: %q, want 11 products", got)
	}

	// Attribute values: AND across attributes, as checkboxes of the filter form.
	red := shopID(t, db, "SELECT v.id FROM product_attribute_values v JOIN product_attributes a ON a.id = v.attribute_id WHERE a.name = 'Color' AND v.name = 'Red'")
	small := shopID(t, db, "SELECT v.id FROM product_attribute_values v JOIN product_attributes a ON a.id = v.attribute_id WHERE a.name = 'Size' AND v.name = 'S'")
	doc, _ = shopDoc(t, c, "/shop?value="+itoa(red)+"&value="+itoa(small), http.StatusOK)
	if got := texts(doc, "[data-testid=product-name]"); len(got) != 2 {
		t.Errorf("Red + S: %v, want 2 products", got)
	}
	if doc.Find(`input[name=value][value="`+itoa(red)+`"][checked]`).Length() != 1 {
		t.Errorf("the Red checkbox is not checked")
	}

	// Price range and sorting.
	doc, _ = shopDoc(t, c, "/shop?min=100&sort=price_desc", http.StatusOK)
	if got := texts(doc, "[data-testid=product-name]"); len(got) != 3 || got[0] != "Two-person Dome Tent" {
		t.Errorf("from 100, dearest first: %v", got)
	}
	if got := texts(doc, "[data-testid=product-price]"); len(got) != 3 || got[0] != "€189.00" {
		t.Errorf("prices %v", got)
	}
	if v, _ := doc.Find("[data-testid=price-min]").Attr("value"); v != "100" {
		t.Errorf("min price field %q", v)
	}
	// Nonsense parameters are ignored, not errors.
	shopDoc(t, c, "/shop?min=abc&max=-5&sort=drop&page=-3&value=x", http.StatusOK)
	shopDoc(t, c, "/shop/category/999999", http.StatusNotFound)
	shopDoc(t, c, "/shop/category/abc", http.StatusNotFound)
}

func TestShopSearchFromHeader(t *testing.T) {
	app := testapp.Start(t)
	c := app.Client(t)

	doc, _ := shopDoc(t, c, "/search?q=hoodie", http.StatusOK)
	if got := doc.Find("[data-testid=result-count]").Text(); got != "5 products" {
		t.Errorf("hoodie: %q", got)
	}
	if got := doc.Find("[data-testid=product-name] mark").First().Text(); got != "Hoodie" {
		t.Errorf("highlighted %q, want Hoodie", got)
	}

	doc, _ = shopDoc(t, c, "/shop?q=tshrit", http.StatusOK)
	if doc.Find("[data-testid=fuzzy-note]").Length() != 1 || !strings.Contains(doc.Find("[data-testid=shop-grid]").Text(), "Classic Organic T-shirt") {
		t.Errorf("tshrit: no close match for the T-shirt: %v", texts(doc, "[data-testid=product-name]"))
	}

	doc, _ = shopDoc(t, c, "/shop?q=zzqxv", http.StatusOK)
	if doc.Find("[data-testid=search-empty]").Length() != 1 || doc.Find("[data-testid=suggestion]").Length() == 0 {
		t.Errorf("an empty search says nothing matched and suggests something")
	}
}

func TestShopEscapesSearchAndProductData(t *testing.T) {
	app := testapp.Start(t)
	c := app.Client(t)
	ctx := context.Background()

	const evil = `<script>alert("x")</script>`
	r := c.Get("/shop?q=" + url.QueryEscape(evil+" mug"))
	if r.StatusCode != http.StatusOK || strings.Contains(r.Body, evil) || !strings.Contains(r.Body, "&lt;script&gt;") {
		t.Fatalf("search term not escaped (%d)", r.StatusCode)
	}

	p, err := models.CreateProduct(ctx, app.DB, models.ProductInput{
		Name: evil + " Mug", DefaultCode: "EVIL", ListPrice: "5", Published: true, Active: true,
		Description: "Nice <script>alert(1)</script> mug <img src=x onerror=alert(2)> [link](javascript:alert(3))",
	}, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/shop?q=mug", "/shop", "/shop/product/" + itoa(p.ID)} {
		r := c.Get(path)
		if r.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d", path, r.StatusCode)
		}
		for _, bad := range []string{"<script>alert", "<img src=x", `href="javascript:`} {
			if strings.Contains(r.Body, bad) {
				t.Errorf("%s contains %q", path, bad)
			}
		}
	}
	doc, _ := shopDoc(t, c, "/shop/product/"+itoa(p.ID), http.StatusOK)
	if got := doc.Find("[data-testid=product-title]").Text(); got != evil+" Mug" {
		t.Errorf("title shown as %q", got)
	}
}

func TestShopProductPage(t *testing.T) {
	app := testapp.Start(t)
	c := app.Client(t)
	db := app.DB
	id := shopID(t, db, "SELECT id FROM product_templates WHERE name = 'Classic Organic T-shirt'")
	m := shopID(t, db, "SELECT v.id FROM product_attribute_values v JOIN product_attributes a ON a.id = v.attribute_id WHERE a.name = 'Size' AND v.name = 'M'")
	red := shopID(t, db, "SELECT v.id FROM product_attribute_values v JOIN product_attributes a ON a.id = v.attribute_id WHERE a.name = 'Color' AND v.name = 'Red'")
	path := "/shop/product/" + itoa(id) + "-classic-organic-t-shirt"

	doc, _ := shopDoc(t, c, path, http.StatusOK)
	if got := doc.Find("title").Text(); !strings.HasPrefix(got, "Classic Organic T-shirt") {
		t.Errorf("title %q", got)
	}
	if desc, _ := doc.Find(`meta[name=description]`).Attr("content"); !strings.Contains(desc, "crew-neck") {
		t.Errorf("meta description %q", desc)
	}
	if got := doc.Find("[data-testid=variant-sku]").Text(); strings.TrimSpace(got) != "TSH-CLASSIC-S-WHI" {
		t.Errorf("default SKU %q", got)
	}
	if got := doc.Find("[data-testid=variant-price]").Text(); got != "€19.90" {
		t.Errorf("price %q", got)
	}
	if got := doc.Find("[data-testid=tax-note]").Text(); got != "excl. VAT" {
		t.Errorf("tax note %q", got)
	}
	if n := doc.Find("[data-testid=variant-row]").Length(); n != 9 {
		t.Errorf("comparison table has %d rows, want 9", n)
	}
	if doc.Find("[data-testid=shop-description] strong").Length() == 0 {
		t.Errorf("the Markdown description is not rendered")
	}
	if alt, _ := doc.Find("[data-testid=gallery-image]").Attr("alt"); alt == "" {
		t.Errorf("gallery image without alt text")
	}
	white := shopID(t, db, "SELECT id FROM product_variants WHERE sku = 'TSH-CLASSIC-S-WHI'")
	if got, _ := doc.Find("[data-testid=add-to-cart-form] input[name=variant_id]").Attr("value"); got != itoa(white) {
		t.Errorf("add to cart posts variant %q, want the selected %d", got, white)
	}

	// The picker asks for M + Red through HTMX: only the buy box returns.
	q := "?value-1=" + itoa(m) + "&value-2=" + itoa(red)
	r := c.Do(http.MethodGet, path+q, nil, http.Header{"Hx-Request": {"true"}})
	if r.StatusCode != http.StatusOK || strings.Contains(r.Body, "<html") {
		t.Fatalf("HTMX picker: %d", r.StatusCode)
	}
	frag, _ := goquery.NewDocumentFromReader(strings.NewReader(r.Body))
	if got := strings.TrimSpace(frag.Find("[data-testid=variant-sku]").Text()); got != "TSH-CLASSIC-M-RED" {
		t.Errorf("M + Red: SKU %q", got)
	}

	// With prices shown tax included, the price and the note follow.
	if _, err := db.NewUpdate().Model((*models.Company)(nil)).Set("prices_include_tax = true").Where("id = 1").Exec(t.Context()); err != nil {
		t.Fatal(err)
	}
	doc, _ = shopDoc(t, c, path+q, http.StatusOK)
	if got := doc.Find("[data-testid=variant-price]").Text(); got != "€24.08" {
		t.Errorf("price incl. VAT %q, want €24.08", got)
	}
	if got := doc.Find("[data-testid=tax-note]").Text(); got != "incl. VAT" {
		t.Errorf("tax note %q", got)
	}

	// A combination that no longer exists is reported, and its option marked.
	if _, err := db.NewUpdate().Model((*models.ProductVariant)(nil)).Set("active = false").Where("sku = 'TSH-CLASSIC-M-RED'").Exec(t.Context()); err != nil {
		t.Fatal(err)
	}
	doc, _ = shopDoc(t, c, path+q, http.StatusOK)
	if got := doc.Find("[data-testid=variant-availability]").Text(); !strings.Contains(got, "Not available in this combination") {
		t.Errorf("availability %q", got)
	}
	if doc.Find(`[data-testid=picker-option][data-value-id="`+itoa(red)+`"].unavailable`).Length() != 1 {
		t.Errorf("Red is not marked unavailable with M")
	}
}

func TestShopHidesUnpublishedProducts(t *testing.T) {
	app := testapp.Start(t)
	c := app.Client(t)
	for _, name := range []string{"Smart Mug Prototype", "Canvas Tote Bag"} {
		id := shopID(t, app.DB, "SELECT id FROM product_templates WHERE name = ?", name)
		shopDoc(t, c, "/shop/product/"+itoa(id), http.StatusNotFound)
		doc, _ := shopDoc(t, c, "/shop?q="+url.QueryEscape(name), http.StatusOK)
		if got := texts(doc, "[data-testid=product-name]"); strings.Contains(strings.Join(got, "|"), name) {
			t.Errorf("%q found by the search", name)
		}
	}
	shopDoc(t, c, "/shop/product/999999", http.StatusNotFound)
	shopDoc(t, c, "/shop/product/not-a-number", http.StatusNotFound)

	// Publishing it makes it visible on the next request.
	id := shopID(t, app.DB, "SELECT id FROM product_templates WHERE name = 'Smart Mug Prototype'")
	if _, err := app.DB.NewUpdate().Model((*models.ProductTemplate)(nil)).Set("published = true").Where("id = ?", id).Exec(t.Context()); err != nil {
		t.Fatal(err)
	}
	shopDoc(t, c, "/shop/product/"+itoa(id), http.StatusOK)
}

func TestShopHome(t *testing.T) {
	app := testapp.Start(t)
	doc, _ := shopDoc(t, app.Client(t), "/", http.StatusOK)
	if n := doc.Find("[data-testid=home-category]").Length(); n != 4 {
		t.Errorf("%d top categories on the home page, want 4", n)
	}
	if n := doc.Find("[data-testid=featured-products] [data-testid=shop-card]").Length(); n == 0 {
		t.Errorf("no featured products")
	}
}

// shopSampleID runs a query for the role matrix's sample of a storefront
// route (the demo catalog is seeded in every test app).
func shopSampleID(t *testing.T, app *testapp.App, query string) int64 {
	t.Helper()
	return shopID(t, app.DB, query)
}
