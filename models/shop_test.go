package models_test

import (
	"context"
	"slices"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/uptrace/bun"

	"orderflow/models"
	"orderflow/tests/testdb"
)

// shopDB is a database with the demo catalog.
func shopDB(t *testing.T) *bun.DB {
	t.Helper()
	db := testdb.New(t)
	if err := models.SeedCatalog(context.Background(), db); err != nil {
		t.Fatalf("seed catalog: %v", err)
	}
	return db
}

func templateID(t *testing.T, db bun.IDB, name string) int64 {
	t.Helper()
	var id int64
	if err := db.NewSelect().Model((*models.ProductTemplate)(nil)).Column("id").Where("name = ?", name).Scan(context.Background(), &id); err != nil {
		t.Fatalf("product %q: %v", name, err)
	}
	return id
}

func valueID(t *testing.T, db bun.IDB, attr, name string) int64 {
	t.Helper()
	var id int64
	err := db.NewSelect().TableExpr("product_attribute_values AS v").Column("v.id").
		Join("JOIN product_attributes AS a ON a.id = v.attribute_id").
		Where("a.name = ? AND v.name = ?", attr, name).Scan(context.Background(), &id)
	if err != nil {
		t.Fatalf("value %s %s: %v", attr, name, err)
	}
	return id
}

func categoryID(t *testing.T, db bun.IDB, name string) int64 {
	t.Helper()
	var id int64
	if err := db.NewSelect().Model((*models.Category)(nil)).Column("id").Where("name = ?", name).Scan(context.Background(), &id); err != nil {
		t.Fatalf("category %q: %v", name, err)
	}
	return id
}

func shopList(t *testing.T, db bun.IDB, q models.ShopQuery) models.ShopPage {
	t.Helper()
	p, err := models.ShopProducts(context.Background(), db, q)
	if err != nil {
		t.Fatalf("ShopProducts(%+v): %v", q, err)
	}
	return p
}

func cardNames(p models.ShopPage) []string {
	var names []string
	for _, c := range p.Cards {
		names = append(names, c.Name)
	}
	return names
}

func TestSeedCatalogIsIdempotentAndValid(t *testing.T) {
	db := shopDB(t)
	ctx := context.Background()
	if err := models.SeedCatalog(ctx, db); err != nil {
		t.Fatal(err)
	}
	n, err := db.NewSelect().Model((*models.ProductTemplate)(nil)).Count(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n < 40 {
		t.Fatalf("%d demo products, want 40 or more", n)
	}
	var variants []models.ProductVariant
	if err := db.NewSelect().Model(&variants).Scan(ctx); err != nil {
		t.Fatal(err)
	}
	for _, v := range variants {
		if v.Barcode == nil || models.ValidateBarcode(*v.Barcode) != nil || len(*v.Barcode) != 13 {
			t.Errorf("variant %s: barcode %v is not a valid EAN-13", v.SKU, v.Barcode)
		}
	}
	tshirt := templateID(t, db, "Classic Organic T-shirt")
	if got := countWhere(t, db, (*models.ProductVariant)(nil), "template_id = ?", tshirt); got != 9 {
		t.Errorf("the classic T-shirt has %d variants, want 3 sizes x 3 colours = 9", got)
	}
	if got := countWhere(t, db, (*models.ProductImage)(nil), "TRUE"); got < 40 {
		t.Errorf("%d product images, want one per product at least", got)
	}
}

func countWhere(t *testing.T, db bun.IDB, model any, where string, args ...any) int {
	t.Helper()
	n, err := db.NewSelect().Model(model).Where(where, args...).Count(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return int(n)
}

func TestShopProductsShowsOnlyPublishedActive(t *testing.T) {
	db := shopDB(t)
	ctx := context.Background()
	all := shopList(t, db, models.ShopQuery{PerPage: 96})
	want := countWhere(t, db, (*models.ProductTemplate)(nil), "published AND active")
	if all.Total != want || len(all.Cards) != want {
		t.Fatalf("listing shows %d (%d cards), want the %d published active products", all.Total, len(all.Cards), want)
	}
	for _, hidden := range []string{"Smart Mug Prototype", "Canvas Tote Bag", "Winter Beanie"} {
		if slices.Contains(cardNames(all), hidden) {
			t.Errorf("%q is listed", hidden)
		}
		if p := shopList(t, db, models.ShopQuery{Search: hidden}); slices.Contains(cardNames(p), hidden) {
			t.Errorf("search finds %q", hidden)
		}
	}

	// A product whose variants are all inactive disappears too.
	mug := templateID(t, db, "Camping Enamel Mug")
	if _, err := db.NewUpdate().Model((*models.ProductVariant)(nil)).Set("active = false").Where("template_id = ?", mug).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	if p := shopList(t, db, models.ShopQuery{PerPage: 96}); p.Total != want-1 || slices.Contains(cardNames(p), "Camping Enamel Mug") {
		t.Errorf("after deactivating its variants: total %d, still listed %v", p.Total, slices.Contains(cardNames(p), "Camping Enamel Mug"))
	}
	if _, err := models.ShopProduct(ctx, db, mug); models.ErrorCode(err) != models.ENOTFOUND {
		t.Errorf("product page of a product without active variants: %v, want ENOTFOUND", err)
	}
	for _, name := range []string{"Smart Mug Prototype", "Canvas Tote Bag"} {
		if _, err := models.ShopProduct(ctx, db, templateID(t, db, name)); models.ErrorCode(err) != models.ENOTFOUND {
			t.Errorf("product page of %q: %v, want ENOTFOUND", name, err)
		}
	}
}

func TestShopProductsSearch(t *testing.T) {
	db := shopDB(t)

	p := shopList(t, db, models.ShopQuery{Search: "hoodie"})
	if p.Total != 5 || p.Fuzzy {
		t.Fatalf("hoodie: %d results (fuzzy %v) %v, want the 5 hoodies", p.Total, p.Fuzzy, cardNames(p))
	}
	marked := ""
	for _, part := range p.Cards[0].NameParts {
		if part.Mark {
			marked += part.Text
		}
	}
	if marked != "Hoodie" {
		t.Errorf("marked %q in %q, want Hoodie", marked, p.Cards[0].Name)
	}

	// Prefixes, descriptions, categories and SKUs are searched too.
	for q, want := range map[string]string{
		"hood":              "Everyday Zip Hoodie",
		"fountain pens":     "Dotted A5 Notebook", // in its description
		"camping":           "Two-person Dome Tent",
		"TSH-CLASSIC-M-NAV": "Classic Organic T-shirt",
		"541234500001":      "Classic Organic T-shirt", // barcode prefix
	} {
		p := shopList(t, db, models.ShopQuery{Search: q})
		if !slices.Contains(cardNames(p), want) || p.Fuzzy {
			t.Errorf("search %q: %v (fuzzy %v), want %q among them", q, cardNames(p), p.Fuzzy, want)
		}
	}

	// Small typos still find the product, and the page says so.
	for q, want := range map[string]string{"tshrit": "Classic Organic T-shirt", "hoodei": "Everyday Zip Hoodie", "mgu": "Stoneware Coffee Mug", "skilet": "Cast Iron Skillet 26 cm"} {
		p := shopList(t, db, models.ShopQuery{Search: q})
		if !p.Fuzzy || !slices.Contains(cardNames(p), want) {
			t.Errorf("search %q: %v (fuzzy %v), want %q as a close match", q, cardNames(p), p.Fuzzy, want)
		}
	}

	// Nothing at all: an empty page with suggestions.
	p = shopList(t, db, models.ShopQuery{Search: "zzqxv"})
	if p.Total != 0 || len(p.Cards) != 0 || len(p.Suggestions) == 0 {
		t.Errorf("zzqxv: %d results, %d suggestions; want none and some suggestions", p.Total, len(p.Suggestions))
	}
	// Query syntax characters are only text.
	for _, q := range []string{`"unbalanced`, `a & | ! :* ( )`, `' OR 1=1 --`, `<script>alert(1)</script>`} {
		shopList(t, db, models.ShopQuery{Search: q})
	}
}

func TestShopProductsFiltersAndSorting(t *testing.T) {
	db := shopDB(t)

	apparel := shopList(t, db, models.ShopQuery{CategoryID: categoryID(t, db, "Apparel"), PerPage: 96})
	if apparel.Total != 11 {
		t.Errorf("Apparel (with T-shirts and Hoodies below it): %d products, want 11", apparel.Total)
	}
	if got := len(apparel.Breadcrumbs); got != 1 || apparel.Category.Name != "Apparel" {
		t.Errorf("breadcrumbs %v", apparel.Breadcrumbs)
	}
	tees := shopList(t, db, models.ShopQuery{CategoryID: categoryID(t, db, "T-shirts")})
	if tees.Total != 6 || len(tees.Breadcrumbs) != 2 {
		t.Errorf("T-shirts: %d products, breadcrumbs %d; want 6 and Apparel / T-shirts", tees.Total, len(tees.Breadcrumbs))
	}
	if _, err := models.ShopProducts(context.Background(), db, models.ShopQuery{CategoryID: 999999}); models.ErrorCode(err) != models.ENOTFOUND {
		t.Errorf("unknown category: %v, want ENOTFOUND", err)
	}

	red, navy, small := valueID(t, db, "Color", "Red"), valueID(t, db, "Color", "Navy"), valueID(t, db, "Size", "S")
	p := shopList(t, db, models.ShopQuery{ValueIDs: []int64{red}})
	if p.Total != 5 {
		t.Errorf("Red: %v, want the 5 products that come in red", cardNames(p))
	}
	// AND across attributes: a variant that is red AND small.
	p = shopList(t, db, models.ShopQuery{ValueIDs: []int64{red, small}})
	if names := cardNames(p); len(names) != 2 || !slices.Contains(names, "Classic Organic T-shirt") || !slices.Contains(names, "Heavyweight Pullover Hoodie") {
		t.Errorf("Red + S: %v", names)
	}
	// OR within one attribute.
	p = shopList(t, db, models.ShopQuery{ValueIDs: []int64{red, navy}})
	if p.Total != 6 {
		t.Errorf("Red or Navy: %d %v, want 6", p.Total, cardNames(p))
	}
	// The facet of an attribute counts as if its own filter were off.
	for _, a := range p.Attributes {
		for _, v := range a.Values {
			if v.ID == red && (!v.Selected || v.Count != 5) {
				t.Errorf("facet Red: %+v, want selected with 5", v)
			}
		}
	}

	p = shopList(t, db, models.ShopQuery{MinPrice: decimal.NewFromInt(100)})
	if p.Total != 3 {
		t.Errorf("from 100: %v, want the lamp, the tent and the sleeping bag", cardNames(p))
	}
	p = shopList(t, db, models.ShopQuery{MaxPrice: decimal.NewFromInt(13)})
	if p.Total != 3 { // gel pens 9.90, notebook 12.50, camping mug 12.00
		t.Errorf("up to 13: %v", cardNames(p))
	}
	if !p.PriceMin.Equal(decimal.RequireFromString("9.9")) || !p.PriceMax.Equal(decimal.NewFromInt(189)) {
		t.Errorf("price range %v-%v, want the whole catalog's 9.90-189", p.PriceMin, p.PriceMax)
	}

	for sort, first := range map[string]string{
		models.SortPriceAsc: "Gel Pens (pack of 10)", models.SortPriceDesc: "Two-person Dome Tent",
		models.SortName: "Bamboo Utensil Set", models.SortNewest: "Weekly Planner 2027",
	} {
		if p := shopList(t, db, models.ShopQuery{Sort: sort}); len(p.Cards) == 0 || p.Cards[0].Name != first {
			t.Errorf("sort %s: first %v, want %s", sort, cardNames(p)[:1], first)
		}
	}

	page2 := shopList(t, db, models.ShopQuery{Page: 2, PerPage: 10, Sort: models.SortName})
	page1 := shopList(t, db, models.ShopQuery{Page: 1, PerPage: 10, Sort: models.SortName})
	if len(page2.Cards) != 10 || page2.Cards[0].Name == page1.Cards[0].Name || page2.Pages() != 5 {
		t.Errorf("page 2: %d cards, %d pages", len(page2.Cards), page2.Pages())
	}
}

func setPricesIncludeTax(t *testing.T, db bun.IDB, incl bool) {
	t.Helper()
	if _, err := db.NewUpdate().Model((*models.Company)(nil)).Set("prices_include_tax = ?", incl).Where("id = 1").Exec(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func TestShopPricesShownWithOrWithoutTax(t *testing.T) {
	db := shopDB(t)
	ctx := context.Background()
	if err := models.Seed(ctx, db, models.SeedOptions{}); err != nil { // the company row
		t.Fatal(err)
	}
	tshirt := templateID(t, db, "Classic Organic T-shirt") // 19.90 + VAT 21% (excluded)
	lamp := templateID(t, db, "Brass Table Lamp")          // 129.00, made tax-included below
	var incl int64
	if err := db.NewSelect().Model((*models.Tax)(nil)).Column("id").Where("name = 'VAT 21% incl.'").Scan(ctx, &incl); err != nil {
		t.Fatal(err)
	}
	if _, err := db.NewUpdate().Model((*models.ProductTemplateTax)(nil)).Set("tax_id = ?", incl).Where("template_id = ?", lamp).Exec(ctx); err != nil {
		t.Fatal(err)
	}

	price := func(id int64, q models.ShopQuery) string {
		t.Helper()
		q.PerPage = 96
		for _, c := range shopList(t, db, q).Cards {
			if c.ID == id {
				return c.Price.StringFixed(2)
			}
		}
		return "not listed"
	}
	pagePrice := func(id int64) string {
		v, err := models.ShopProduct(ctx, db, id)
		if err != nil {
			t.Fatal(err)
		}
		return v.Variants[0].Price.StringFixed(2)
	}

	setPricesIncludeTax(t, db, false)
	if got := price(tshirt, models.ShopQuery{}); got != "19.90" {
		t.Errorf("T-shirt excl. VAT: %s, want 19.90", got)
	}
	if got := price(lamp, models.ShopQuery{}); got != "106.61" {
		t.Errorf("lamp (129.00 incl. 21%%) excl. VAT: %s, want 106.61", got)
	}
	if got := pagePrice(lamp); got != "106.61" {
		t.Errorf("lamp page excl. VAT: %s, want 106.61", got)
	}
	if got := price(tshirt, models.ShopQuery{MaxPrice: decimal.NewFromInt(20)}); got != "19.90" {
		t.Errorf("T-shirt with max 20 excl. VAT: %s", got)
	}

	setPricesIncludeTax(t, db, true)
	if got := price(tshirt, models.ShopQuery{}); got != "24.08" {
		t.Errorf("T-shirt incl. VAT: %s, want 24.08", got)
	}
	if got := pagePrice(tshirt); got != "24.08" {
		t.Errorf("T-shirt page incl. VAT: %s, want 24.08", got)
	}
	if got := price(lamp, models.ShopQuery{}); got != "129.00" {
		t.Errorf("lamp incl. VAT: %s, want 129.00", got)
	}
	// The price filter and sorting use the prices as shown.
	if got := price(tshirt, models.ShopQuery{MaxPrice: decimal.NewFromInt(20)}); got != "not listed" {
		t.Errorf("T-shirt (24.08 incl.) with max 20: %s, want not listed", got)
	}
}

func TestShopProductCombinations(t *testing.T) {
	db := shopDB(t)
	ctx := context.Background()
	id := templateID(t, db, "Classic Organic T-shirt")
	size, color := valueID(t, db, "Size", "M"), valueID(t, db, "Color", "Red")
	small, white := valueID(t, db, "Size", "S"), valueID(t, db, "Color", "White")

	v, err := models.ShopProduct(ctx, db, id)
	if err != nil {
		t.Fatal(err)
	}
	if len(v.Variants) != 9 || len(v.Attributes) != 2 || v.Attributes[0].Name != "Size" {
		t.Fatalf("%d variants, attributes %+v", len(v.Variants), v.Attributes)
	}
	if len(v.Images) < 4 {
		t.Errorf("%d images, want the cover and one per colour", len(v.Images))
	}
	ch := v.Choose([]int64{color, size})
	got := v.Resolve(ch)
	if got == nil || got.SKU != "TSH-CLASSIC-M-RED" {
		t.Fatalf("M + Red resolves to %+v, want TSH-CLASSIC-M-RED", got)
	}
	if got.ImageID == 0 || got.ImageID == v.Images[0].ID {
		t.Errorf("M + Red shows image %d, want the red picture", got.ImageID)
	}
	// Without a choice: the first variant.
	if first := v.Resolve(v.Choose(nil)); first == nil || first.SKU != "TSH-CLASSIC-S-WHI" {
		t.Errorf("default variant %+v", first)
	}
	// A partial choice is completed from a variant that has it.
	if red := v.Resolve(v.Choose([]int64{color})); red == nil || red.SKU != "TSH-CLASSIC-S-RED" {
		t.Errorf("Red alone resolves to %+v", red)
	}

	// Take M-Red out of the range: the combination no longer exists.
	if _, err := db.NewUpdate().Model((*models.ProductVariant)(nil)).Set("active = false").Where("sku = 'TSH-CLASSIC-M-RED'").Exec(ctx); err != nil {
		t.Fatal(err)
	}
	v, err = models.ShopProduct(ctx, db, id)
	if err != nil {
		t.Fatal(err)
	}
	ch = v.Choose([]int64{size, color})
	if got := v.Resolve(ch); got != nil {
		t.Errorf("M + Red resolves to %s after deactivation", got.SKU)
	}
	sizeAttr, colorAttr := v.Attributes[0].ID, v.Attributes[1].ID
	if v.Possible(models.Choice{sizeAttr: size, colorAttr: white}, colorAttr, color) {
		t.Errorf("Red is possible with M")
	}
	if !v.Possible(models.Choice{sizeAttr: small, colorAttr: white}, colorAttr, color) {
		t.Errorf("Red is not possible with S")
	}

	// Values only present on inactive variants are not offered.
	if _, err := db.NewUpdate().Model((*models.ProductVariant)(nil)).Set("active = false").Where("sku LIKE 'TSH-CLASSIC-%-RED'").Exec(ctx); err != nil {
		t.Fatal(err)
	}
	v, err = models.ShopProduct(ctx, db, id)
	if err != nil {
		t.Fatal(err)
	}
	for _, val := range v.Attributes[1].Values {
		if val.ID == color {
			t.Errorf("Red still offered after all red variants were deactivated")
		}
	}
	if len(v.Variants) != 6 {
		t.Errorf("%d variants shown, want 6", len(v.Variants))
	}
}

func TestHighlightWords(t *testing.T) {
	parts := models.HighlightWords("Zip <b>Hoodie</b> & hoods", []string{"hood"}, false)
	var marked, all string
	for _, p := range parts {
		all += p.Text
		if p.Mark {
			marked += p.Text + "|"
		}
	}
	if all != "Zip <b>Hoodie</b> & hoods" {
		t.Errorf("parts join to %q", all)
	}
	if marked != "Hoodie|hoods|" {
		t.Errorf("marked %q", marked)
	}
	fuzzy := models.HighlightWords("Classic T-shirt", []string{"tshrit"}, true)
	_ = fuzzy // typo highlighting is best effort: "T" and "shirt" are separate words
	if p := models.HighlightWords("Zip Hoodie", []string{"hoodei"}, true); len(p) != 2 || !p[1].Mark {
		t.Errorf("fuzzy hoodei on %q: %+v", "Zip Hoodie", p)
	}
}
