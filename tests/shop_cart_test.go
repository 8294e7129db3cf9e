package tests

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/shopspring/decimal"

	"orderflow/models"
	"orderflow/tests/testapp"
)

// cartItem is a demo product a test puts in a cart, with what the catalog
// says about it.
type cartItem struct {
	TemplateID int64
	VariantID  int64
	Name       string
	Price      decimal.Decimal // unit price, taxes excluded (as the demo shop shows prices)
	Taxes      []models.Tax
	Free       decimal.Decimal // free stock in the shop's warehouse
}

// cartItems picks n published demo products with one variant, price-excluded
// taxes and at least minFree units free, read through the shop's models.
func cartItems(t *testing.T, app *testapp.App, n int, minFree int64) []cartItem {
	t.Helper()
	ctx := context.Background()
	var ids []int64
	err := app.DB.NewRaw(`SELECT t.id FROM product_templates t WHERE t.published AND t.active AND t.type = 'storable'
		AND (SELECT count(*) FROM product_variants v WHERE v.template_id = t.id AND v.active) = 1 ORDER BY t.id`).Scan(ctx, &ids)
	if err != nil {
		t.Fatal(err)
	}
	var out []cartItem
	for _, id := range ids {
		v, err := models.ShopProduct(ctx, app.DB, id)
		if err != nil {
			t.Fatal(err)
		}
		sv := v.Variants[0]
		included := false
		for _, tx := range v.Taxes {
			included = included || tx.PriceInclude
		}
		if included || v.TaxIncluded || sv.Stock.Status != models.StockIn || sv.Stock.Free.LessThan(decimal.NewFromInt(minFree)) {
			continue
		}
		out = append(out, cartItem{TemplateID: id, VariantID: sv.ID, Name: v.Product.Name, Price: sv.Price, Taxes: v.Taxes, Free: sv.Stock.Free})
		if len(out) == n {
			return out
		}
	}
	t.Fatalf("the demo catalog has fewer than %d single-variant products with %d free", n, minFree)
	return nil
}

// cartLine is what the cart page shows for one line.
type shownLine struct {
	ID        int64
	VariantID int64
	Qty       string
	Unit      string
	Total     string
}

// cartPage reads the cart page (or an HTMX fragment of it).
func cartPage(t *testing.T, body string) (*goquery.Document, map[int64]shownLine) {
	t.Helper()
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	lines := map[int64]shownLine{}
	doc.Find("[data-testid=cart-line]").Each(func(_ int, s *goquery.Selection) {
		var l shownLine
		id, _ := s.Attr("data-line-id")
		vid, _ := s.Attr("data-variant-id")
		l.ID, _ = strconv.ParseInt(id, 10, 64)
		l.VariantID, _ = strconv.ParseInt(vid, 10, 64)
		l.Qty, _ = s.Find("[data-testid=line-qty]").Attr("value")
		l.Unit = strings.TrimSpace(s.Find("[data-testid=line-unit-price]").Text())
		l.Total = strings.TrimSpace(s.Find("[data-testid=line-total]").Text())
		lines[l.VariantID] = l
	})
	return doc, lines
}

func getCart(t *testing.T, c *testapp.Client) (*goquery.Document, map[int64]shownLine) {
	t.Helper()
	r := c.Get("/cart")
	if r.StatusCode != http.StatusOK {
		t.Fatalf("GET /cart: %d", r.StatusCode)
	}
	return cartPage(t, r.Body)
}

func text(doc *goquery.Document, testid string) string {
	return strings.TrimSpace(doc.Find("[data-testid=" + testid + "]").First().Text())
}

// expectedCart computes what the cart must show for quantities of items,
// line by line with the demo company's rounding per line.
type expectedCart struct {
	lines               map[int64]models.TaxResult
	untaxed, tax, total decimal.Decimal
	productsIncl        decimal.Decimal
}

func expectCart(cur models.Currency, qty map[*cartItem]int) expectedCart {
	e := expectedCart{lines: map[int64]models.TaxResult{}}
	for it, q := range qty {
		r := models.ComputeTaxes(it.Taxes, it.Price, decimal.NewFromInt(int64(q)), cur, false)
		e.lines[it.VariantID] = r
		e.untaxed = e.untaxed.Add(r.TotalExcluded)
		e.tax = e.tax.Add(r.TaxAmount())
		e.total = e.total.Add(r.TotalIncluded)
		e.productsIncl = e.productsIncl.Add(r.TotalIncluded)
	}
	return e
}

func company(t *testing.T, app *testapp.App) *models.Company {
	t.Helper()
	co, err := models.GetCompany(context.Background(), app.DB)
	if err != nil {
		t.Fatal(err)
	}
	return co
}

func addToCart(t *testing.T, c *testapp.Client, variantID int64, qty string) *testapp.Response {
	t.Helper()
	return c.PostForm("/cart/add", url.Values{"variant_id": {itoa(variantID)}, "quantity": {qty}})
}

func TestShopCartAddChangeRemove(t *testing.T) {
	app := testapp.Start(t)
	cur := company(t, app).Currency()
	items := cartItems(t, app, 2, 10)
	a, b := &items[0], &items[1]
	c := app.Client(t)

	doc, _ := getCart(t, c)
	if doc.Find("[data-testid=cart-empty]").Length() != 1 || text(doc, "cart-count") != "0" {
		t.Fatalf("a new shopper's cart is not empty (count %q)", text(doc, "cart-count"))
	}

	// Without JavaScript: the post leads to the cart page with a message.
	r := addToCart(t, c, a.VariantID, "2")
	if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/cart" {
		t.Fatalf("add: %d -> %q", r.StatusCode, r.Header.Get("Location"))
	}
	doc, lines := getCart(t, c)
	if !strings.Contains(text(doc, "flash"), a.Name) {
		t.Errorf("flash after adding: %q", text(doc, "flash"))
	}
	want := expectCart(cur, map[*cartItem]int{a: 2})
	if l := lines[a.VariantID]; l.Qty != "2" || l.Unit != cur.Format(a.Price) || l.Total != cur.Format(want.lines[a.VariantID].TotalExcluded) {
		t.Errorf("line A: %+v, want 2 × %s = %s", l, cur.Format(a.Price), cur.Format(want.lines[a.VariantID].TotalExcluded))
	}
	if got := text(doc, "cart-count"); got != "2" {
		t.Errorf("header count %q, want 2", got)
	}

	// From a listing card (product id), through HTMX: a notice and the
	// header count come back, not a page.
	r = c.PostRaw("/cart/add", url.Values{"_csrf": {c.CSRF()}, "product_id": {itoa(b.TemplateID)}, "quantity": {"1"}}, http.Header{"Hx-Request": {"true"}})
	if r.StatusCode != http.StatusOK || strings.Contains(r.Body, "<html") {
		t.Fatalf("HTMX add: %d, full page %v", r.StatusCode, strings.Contains(r.Body, "<html"))
	}
	frag, _ := cartPage(t, r.Body)
	if !strings.Contains(text(frag, "cart-added-message"), b.Name) {
		t.Errorf("HTMX notice %q", text(frag, "cart-added-message"))
	}
	if oob, _ := frag.Find("#cart-count").Attr("hx-swap-oob"); oob != "true" || text(frag, "cart-count") != "3" {
		t.Errorf("HTMX answer updates the header count to %q (oob %q), want 3", text(frag, "cart-count"), oob)
	}

	doc, lines = getCart(t, c)
	want = expectCart(cur, map[*cartItem]int{a: 2, b: 1})
	if got := text(doc, "cart-untaxed"); got != cur.Format(want.untaxed) {
		t.Errorf("untaxed %s, want %s", got, cur.Format(want.untaxed))
	}
	if got := text(doc, "cart-tax"); got != cur.Format(want.tax) {
		t.Errorf("taxes %s, want %s", got, cur.Format(want.tax))
	}
	if got := text(doc, "cart-total"); got != cur.Format(want.total) {
		t.Errorf("total %s, want %s", got, cur.Format(want.total))
	}
	if doc.Find("[data-testid=checkout-button]").Length() != 1 {
		t.Errorf("no checkout button")
	}

	// Change A to 3 through HTMX: the cart body comes back with new totals.
	lineA := lines[a.VariantID].ID
	r = c.PostRaw("/cart/lines/"+itoa(lineA), url.Values{"_csrf": {c.CSRF()}, "quantity": {"3"}}, http.Header{"Hx-Request": {"true"}})
	if r.StatusCode != http.StatusOK || strings.Contains(r.Body, "<html") || !strings.Contains(r.Body, `id="cart-body"`) {
		t.Fatalf("HTMX quantity: %d", r.StatusCode)
	}
	frag, lines = cartPage(t, r.Body)
	want = expectCart(cur, map[*cartItem]int{a: 3, b: 1})
	if lines[a.VariantID].Qty != "3" || text(frag, "cart-total") != cur.Format(want.total) || text(frag, "cart-count") != "4" {
		t.Errorf("after the change: qty %s total %s count %s, want 3, %s, 4", lines[a.VariantID].Qty, text(frag, "cart-total"), cur.Format(want.total), text(frag, "cart-count"))
	}

	// Remove B without JavaScript; then A: the cart is empty again.
	r = c.PostForm("/cart/lines/"+itoa(lines[b.VariantID].ID)+"/remove", nil)
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("remove: %d", r.StatusCode)
	}
	doc, lines = getCart(t, c)
	want = expectCart(cur, map[*cartItem]int{a: 3})
	if len(lines) != 1 || text(doc, "cart-total") != cur.Format(want.total) {
		t.Errorf("after removing B: %d lines, total %s, want 1 and %s", len(lines), text(doc, "cart-total"), cur.Format(want.total))
	}
	r = c.PostRaw("/cart/lines/"+itoa(lineA)+"/remove", url.Values{"_csrf": {c.CSRF()}}, http.Header{"Hx-Request": {"true"}})
	frag, _ = cartPage(t, r.Body)
	if r.StatusCode != http.StatusOK || frag.Find("[data-testid=cart-empty]").Length() != 1 || text(frag, "cart-count") != "0" {
		t.Errorf("after removing everything: %d, empty %d, count %q", r.StatusCode, frag.Find("[data-testid=cart-empty]").Length(), text(frag, "cart-count"))
	}

	// The mini-cart follows the cart.
	addToCart(t, c, b.VariantID, "2")
	r = c.Do(http.MethodGet, "/cart/mini", nil, http.Header{"Hx-Request": {"true"}})
	mini, _ := cartPage(t, r.Body)
	if r.StatusCode != http.StatusOK || mini.Find("[data-testid=mini-cart-line]").Length() != 1 {
		t.Errorf("mini-cart: %d, %d lines", r.StatusCode, mini.Find("[data-testid=mini-cart-line]").Length())
	}
}

func TestShopCartQuantityBounds(t *testing.T) {
	app := testapp.Start(t)
	co := company(t, app)
	items := cartItems(t, app, 2, 3)
	a, b := &items[0], &items[1]
	c := app.Client(t)
	if r := addToCart(t, c, a.VariantID, "2"); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("add: %d", r.StatusCode)
	}
	_, lines := getCart(t, c)
	lineA := lines[a.VariantID].ID
	tooMany := strconv.Itoa(co.MaxLineQuantity + 1)

	for _, q := range []string{"0", "-1", "1.5", "abc", "", tooMany} {
		r := addToCart(t, c, a.VariantID, q)
		if r.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("add quantity %q: %d, want 422", q, r.StatusCode)
		}
		if doc, _ := cartPage(t, r.Body); text(doc, "cart-error") == "" {
			t.Errorf("add quantity %q: no message", q)
		}
		r = c.PostRaw("/cart/add", url.Values{"_csrf": {c.CSRF()}, "variant_id": {itoa(a.VariantID)}, "quantity": {q}}, http.Header{"Hx-Request": {"true"}})
		if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `data-testid="cart-added"`) {
			t.Errorf("HTMX add quantity %q: %d", q, r.StatusCode)
		}
	}
	for _, q := range []string{"-1", "1.5", "abc", "", tooMany} {
		r := c.PostForm("/cart/lines/"+itoa(lineA), url.Values{"quantity": {q}})
		if r.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("set quantity %q: %d, want 422", q, r.StatusCode)
		}
		doc, _ := cartPage(t, r.Body)
		if text(doc, "line-error") == "" {
			t.Errorf("set quantity %q: no message on the line", q)
		}
	}
	_, lines = getCart(t, c)
	if len(lines) != 1 || lines[a.VariantID].Qty != "2" {
		t.Fatalf("after refused quantities the cart is %+v, want A × 2 only", lines)
	}

	// More than the free stock: capped, with the notice.
	want := b.Free.Add(decimal.NewFromInt(5))
	if want.GreaterThan(decimal.NewFromInt(int64(co.MaxLineQuantity))) {
		t.Fatalf("test data: %s has %s free, more than a line may hold; pick a product with less stock", b.Name, b.Free)
	}
	r := addToCart(t, c, b.VariantID, want.String())
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("add beyond stock: %d", r.StatusCode)
	}
	doc, lines := getCart(t, c)
	notice := "Only " + b.Free.String() + " of " + b.Name + " left in stock: your cart has " + b.Free.String() + "."
	if !strings.Contains(text(doc, "flash"), notice) {
		t.Errorf("flash %q, want it to say %q", text(doc, "flash"), notice)
	}
	if got := lines[b.VariantID].Qty; got != b.Free.String() {
		t.Errorf("line capped at %s, want %s", got, b.Free)
	}
	// Through HTMX the notice comes back with the answer.
	r = c.PostRaw("/cart/add", url.Values{"_csrf": {c.CSRF()}, "variant_id": {itoa(b.VariantID)}, "quantity": {"1"}}, http.Header{"Hx-Request": {"true"}})
	if frag, _ := cartPage(t, r.Body); !strings.Contains(text(frag, "cart-notice"), "left in stock") {
		t.Errorf("HTMX add beyond stock: %d, notice %q", r.StatusCode, text(frag, "cart-notice"))
	}
}

func TestShopCartIgnoresPostedPrices(t *testing.T) {
	app := testapp.Start(t)
	cur := company(t, app).Currency()
	items := cartItems(t, app, 1, 3)
	a := &items[0]
	c := app.Client(t)
	r := c.PostForm("/cart/add", url.Values{"variant_id": {itoa(a.VariantID)}, "quantity": {"2"},
		"price": {"0.01"}, "price_unit": {"0.01"}, "amount": {"0.01"}, "price_total": {"0.01"}, "discount": {"99"}})
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("add: %d", r.StatusCode)
	}
	doc, lines := getCart(t, c)
	r = c.PostForm("/cart/lines/"+itoa(lines[a.VariantID].ID), url.Values{"quantity": {"3"}, "price_unit": {"0.01"}, "amount_total": {"0.01"}})
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("update: %d", r.StatusCode)
	}
	doc, lines = getCart(t, c)
	want := expectCart(cur, map[*cartItem]int{a: 3})
	if l := lines[a.VariantID]; l.Unit != cur.Format(a.Price) || text(doc, "cart-total") != cur.Format(want.total) {
		t.Errorf("unit %s total %s, want the catalog's %s and %s", l.Unit, text(doc, "cart-total"), cur.Format(a.Price), cur.Format(want.total))
	}
	var stored []models.SaleOrderLine
	if err := app.DB.NewSelect().Model(&stored).Where("variant_id = ? AND order_id = (SELECT order_id FROM sale_order_lines WHERE id = ?)", a.VariantID, lines[a.VariantID].ID).
		Scan(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(stored) != 1 || !stored[0].Quantity.Equal(decimal.NewFromInt(3)) {
		t.Fatalf("%d stored lines of the product in the cart (%+v), want one of quantity 3", len(stored), stored)
	}
	for _, l := range stored {
		if !l.PriceUnit.Equal(a.Price) || !l.Discount.IsZero() {
			t.Errorf("stored unit price %s (discount %s), want %s", l.PriceUnit, l.Discount, a.Price)
		}
	}
}

func TestShopCartMergesOnLogin(t *testing.T) {
	app := testapp.Start(t)
	items := cartItems(t, app, 3, 5)
	a, b, both := &items[0], &items[1], &items[2]

	// The customer filled a cart earlier, on another device.
	earlier := app.LoginAs(t, models.RoleCustomer)
	addToCart(t, earlier, b.VariantID, "1")
	addToCart(t, earlier, both.VariantID, "1")

	// Now, as a guest, they add A and more of the shared product, then log in.
	c := app.Client(t)
	addToCart(t, c, a.VariantID, "2")
	addToCart(t, c, both.VariantID, "2")
	var email, password string
	for _, d := range models.DemoLogins {
		if d.Role == models.RoleCustomer {
			email, password = d.Email, d.Password
		}
	}
	c.Login(email, password)
	doc, lines := getCart(t, c)
	if len(lines) != 3 || lines[a.VariantID].Qty != "2" || lines[b.VariantID].Qty != "1" || lines[both.VariantID].Qty != "3" {
		t.Fatalf("merged cart %+v, want A × 2, B × 1 and 3 of the shared product", lines)
	}
	if got := text(doc, "cart-count"); got != "6" {
		t.Errorf("header count %q, want 6", got)
	}
	// The other device sees the same cart.
	if _, lines := getCart(t, earlier); len(lines) != 3 {
		t.Errorf("the customer's other session sees %d lines, want 3", len(lines))
	}
	var carts int
	if err := app.DB.NewRaw("SELECT count(*) FROM sale_orders WHERE state = 'draft' AND placed_at IS NULL").Scan(context.Background(), &carts); err != nil {
		t.Fatal(err)
	}
	if carts != 1 {
		t.Errorf("%d carts left, want the merged one only", carts)
	}
}
