package tests

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/chromedp/chromedp"

	"orderflow/models"
	"orderflow/tests/browser"
	"orderflow/tests/testapp"
	"orderflow/views/shop"
)

// ooVariant is a storable demo variant with at least min free units.
func ooVariant(t *testing.T, app *testapp.App, min int) (id int64, sku string) {
	t.Helper()
	err := app.DB.NewRaw(`SELECT v.id, v.sku FROM product_variants v JOIN product_templates pt ON pt.id = v.template_id
		JOIN stock_quants q ON q.variant_id = v.id JOIN stock_locations l ON l.id = q.location_id AND l.usage = 'internal'
		WHERE pt.type = 'storable' AND v.active AND pt.active
		GROUP BY v.id, v.sku HAVING sum(q.quantity - q.reserved_quantity) >= ? ORDER BY v.id LIMIT 1`, min).Scan(context.Background(), &id, &sku)
	if err != nil {
		t.Fatalf("a demo variant with %d free units: %v", min, err)
	}
	return id, sku
}

// ooCustomer creates a customer contact.
func ooCustomer(t *testing.T, app *testapp.App, name, email string) int64 {
	t.Helper()
	c := &models.Contact{Name: name, Email: email, Street: "5 Market Square", City: "Bruges", Zip: "8000", CountryCode: "BE"}
	if _, err := app.DB.NewInsert().Model(c).Exec(context.Background()); err != nil {
		t.Fatal(err)
	}
	return c.ID
}

// ooQuotation creates an office quotation for a new customer.
func ooQuotation(t *testing.T, app *testapp.App, customer string, qty string) *models.SaleOrder {
	t.Helper()
	v, _ := ooVariant(t, app, 1)
	email := strings.ToLower(strings.ReplaceAll(customer, " ", ".")) + "@example.com"
	o, err := models.CreateQuotation(context.Background(), app.DB, models.QuotationInput{PartnerID: ooCustomer(t, app, customer, email),
		Lines: []models.QuotationLineInput{{VariantID: v, Quantity: qty}}}, 0)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// ooSampleOrder is a quotation for the role matrix's order routes.
func ooSampleOrder(t *testing.T, app *testapp.App) int64 {
	t.Helper()
	return ooQuotation(t, app, "Matrix Customer", "1").ID
}

// ooSampleMail is a quotation mail for the role matrix's mail routes.
func ooSampleMail(t *testing.T, app *testapp.App) int64 {
	t.Helper()
	o := ooQuotation(t, app, "Mail Customer", "1")
	m, err := models.SendQuotation(context.Background(), app.DB, app.Outbox, o.ID, func(*models.SaleOrder) string { return app.URL + "/" }, 0)
	if err != nil {
		t.Fatal(err)
	}
	return m.ID
}

// ooWebOrder places a web order paid by wire transfer (waiting for it).
func ooWebOrder(t *testing.T, app *testapp.App, name string, qty string) *models.Placement {
	t.Helper()
	ctx := context.Background()
	v, _ := ooVariant(t, app, 5)
	cart, err := models.AddToCart(ctx, app.DB, models.CartOwner{}, v, qty)
	if err != nil {
		t.Fatal(err)
	}
	owner := models.CartOwner{CartID: cart.Order.ID}
	email := strings.ToLower(strings.ReplaceAll(name, " ", ".")) + "@example.com"
	if _, err := models.SetCheckoutAddresses(ctx, app.DB, owner, models.CheckoutAddresses{Billing: models.AddressInput{
		Name: name, Email: email, Street: "1 Veldstraat", City: "Ghent", Zip: "9000", CountryCode: "BE"}}); err != nil {
		t.Fatal(err)
	}
	ca := new(models.Carrier)
	if err := app.DB.NewSelect().Model(ca).Where("name = 'Standard delivery'").Scan(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := models.SetOrderCarrier(ctx, app.DB, owner.CartID, ca.ID); err != nil {
		t.Fatal(err)
	}
	pl, err := models.PlaceOrder(ctx, app.DB, models.NoCustomerMail, owner.CartID, models.PlaceInput{Provider: models.ProviderWire}, 0)
	if err != nil {
		t.Fatal(err)
	}
	return pl
}

func ooDoc(t *testing.T, r *testapp.Response) *goquery.Document {
	t.Helper()
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(r.Body))
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// ooNumbers are the order numbers listed on a list page.
func ooNumbers(t *testing.T, c *testapp.Client, path string) []string {
	t.Helper()
	r := c.Get(path)
	if r.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d", path, r.StatusCode)
	}
	var out []string
	ooDoc(t, r).Find(`[data-testid=order-row]`).Each(func(_ int, s *goquery.Selection) {
		out = append(out, s.AttrOr("data-number", ""))
	})
	return out
}

func ooSame(t *testing.T, what string, got []string, want ...string) {
	t.Helper()
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("%s: %v, want %v", what, got, want)
	}
}

func ooCount(t *testing.T, app *testapp.App, query string, args ...any) int {
	t.Helper()
	var n int
	if err := app.DB.NewRaw(query, args...).Scan(context.Background(), &n); err != nil {
		t.Fatal(err)
	}
	return n
}

func ooExpectRedirect(t *testing.T, what string, r *testapp.Response, to string) {
	t.Helper()
	if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != to {
		t.Fatalf("%s: %d -> %q, want 303 to %s\n%s", what, r.StatusCode, r.Header.Get("Location"), to, r.Body)
	}
}

func TestOfficeOrderListFilters(t *testing.T) {
	app := testapp.Start(t)
	ctx := context.Background()
	quote := ooQuotation(t, app, "Lisa List", "2")
	confirmed := ooQuotation(t, app, "Conrad Confirmed", "1")
	if _, err := models.ConfirmOrder(ctx, app.DB, models.NoCustomerMail, confirmed.ID, 0); err != nil {
		t.Fatal(err)
	}
	web := ooWebOrder(t, app, "Wanda Web", "1")
	cart, err := models.AddToCart(ctx, app.DB, models.CartOwner{}, ooFirstVariant(t, app), "1")
	if err != nil {
		t.Fatal(err)
	}
	q, c1, w := *quote.Name, *confirmed.Name, *web.Order.Name
	sales := app.LoginAs(t, models.RoleSales)

	ooSame(t, "all orders", ooNumbers(t, sales, "/office/orders"), w, c1, q)
	ooSame(t, "quotations", ooNumbers(t, sales, "/office/quotations"), w, q)
	ooSame(t, "confirmed", ooNumbers(t, sales, "/office/orders?state=sale"), c1)
	ooSame(t, "customer", ooNumbers(t, sales, "/office/orders?customer=lisa"), q)
	ooSame(t, "customer email", ooNumbers(t, sales, "/office/orders?customer="+url.QueryEscape("wanda.web@")), w)
	ooSame(t, "website", ooNumbers(t, sales, "/office/orders?origin=website"), w)
	ooSame(t, "office quotations", ooNumbers(t, sales, "/office/quotations?origin=office"), q)
	ooSame(t, "payment pending", ooNumbers(t, sales, "/office/orders?payment=pending"), w)
	ooSame(t, "to deliver", ooNumbers(t, sales, "/office/orders?delivery=pending"), c1)
	ooSame(t, "number", ooNumbers(t, sales, "/office/orders?q="+c1), c1)
	ooSame(t, "future dates", ooNumbers(t, sales, "/office/orders?from=2999-01-01"))
	ooSame(t, "bad dates are ignored", ooNumbers(t, sales, "/office/orders?from=yesterday&state=draft"), q)

	// The state tabs count under the other filters; the row shows its badges.
	r := sales.Get("/office/orders?origin=office")
	doc := ooDoc(t, r)
	if got := strings.TrimSpace(doc.Find(`[data-testid=tab-sale] [data-testid=tab-count]`).Text()); got != "1" {
		t.Errorf("confirmed tab count %q, want 1", got)
	}
	if got := strings.TrimSpace(doc.Find(`[data-testid=tab-all] [data-testid=tab-count]`).Text()); got != "2" {
		t.Errorf("all tab count %q, want 2", got)
	}
	row := doc.Find(`[data-testid=order-row][data-number="` + c1 + `"]`)
	if row.Find(`[data-testid=order-state]`).AttrOr("data-state", "") != models.OrderSale ||
		row.Find(`[data-testid=delivery-status]`).AttrOr("data-status", "") != models.DeliveryPending ||
		row.Find(`[data-testid=payment-status]`).AttrOr("data-status", "") != models.PaymentNotPaid {
		t.Errorf("confirmed row badges: %s", row.Text())
	}
	// An HTMX filter request gets the page (the form selects the rows), with the address kept.
	hx := sales.Do(http.MethodGet, "/office/orders?customer=conrad", nil, http.Header{"Hx-Request": {"true"}})
	if hx.StatusCode != http.StatusOK || !strings.Contains(hx.Body, `id="order-rows"`) || !strings.Contains(hx.Body, c1) || strings.Contains(hx.Body, ">"+q+"<") {
		t.Errorf("HTMX filter: %d", hx.StatusCode)
	}

	// Abandoned carts: the guest cart with its items and the expiry setting.
	r = sales.Get("/office/carts")
	doc = ooDoc(t, r)
	if r.StatusCode != http.StatusOK || doc.Find(`[data-testid=cart-row]`).Length() != 1 ||
		strings.TrimSpace(doc.Find(`[data-testid=cart-customer]`).Text()) != "Guest" ||
		strings.TrimSpace(doc.Find(`[data-testid=cart-items]`).Text()) != "1" {
		t.Fatalf("carts page: %d\n%s", r.StatusCode, doc.Find(`[data-testid=carts-table]`).Text())
	}
	if !strings.Contains(doc.Find(`[data-testid=cart-expiry]`).Text(), "Carts expire after 30 days (720 hours) without activity") {
		t.Errorf("expiry notice: %q", doc.Find(`[data-testid=cart-expiry]`).Text())
	}
	r = sales.Get("/office/orders/" + itoa(cart.Order.ID))
	doc = ooDoc(t, r)
	if r.StatusCode != http.StatusOK || doc.Find(`[data-testid=cart-notice]`).Length() != 1 || doc.Find(`[data-testid=order-actions]`).Length() != 0 {
		t.Fatalf("cart detail: %d, actions %d", r.StatusCode, doc.Find(`[data-testid=order-actions]`).Length())
	}
}

func ooFirstVariant(t *testing.T, app *testapp.App) int64 {
	id, _ := ooVariant(t, app, 1)
	return id
}

func TestOfficeOrderDetailAndWireReceived(t *testing.T) {
	app := testapp.Start(t)
	_, sku := ooVariant(t, app, 5)
	pl := ooWebOrder(t, app, "Wanda Web", "2")
	sales := app.LoginAs(t, models.RoleSales)
	path := "/office/orders/" + itoa(pl.Order.ID)

	doc := ooDoc(t, sales.Get(path))
	if got := doc.Find(`[data-testid=order-number]`).Text(); got != *pl.Order.Name {
		t.Fatalf("number %q", got)
	}
	line := doc.Find(`[data-testid=order-line][data-kind=product]`)
	if line.AttrOr("data-sku", "") != sku || strings.TrimSpace(line.Find(`[data-testid=line-qty]`).Text()) != "2" {
		t.Errorf("product line: %s", line.Text())
	}
	if doc.Find(`[data-testid=order-line][data-kind=shipping]`).Length() != 1 {
		t.Errorf("no shipping line")
	}
	if got := doc.Find(`[data-testid=amount-total]`).Text(); !strings.HasPrefix(got, "€") || !strings.Contains(got, pl.Order.AmountTotal.StringFixed(2)) {
		t.Errorf("total %q, want %s", got, pl.Order.AmountTotal.StringFixed(2))
	}
	pay := doc.Find(`[data-testid=payment-row][data-reference="` + pl.Transaction.Reference + `"]`)
	if pay.Length() != 1 || pay.Find(`[data-testid=mark-received]`).Length() != 1 || !strings.Contains(pay.Text(), "Wire transfer") {
		t.Fatalf("payment row: %s", pay.Text())
	}
	if doc.Find(`[data-testid=transfer-row]`).Length() != 0 || !strings.Contains(doc.Find(`[data-testid=history]`).Text(), "Order placed on the website.") {
		t.Errorf("before payment: transfers %d, history %q", doc.Find(`[data-testid=transfer-row]`).Length(), doc.Find(`[data-testid=history]`).Text())
	}
	if doc.Find(`[data-testid=action-send]`).Length() != 0 || doc.Find(`[data-testid=action-edit]`).Length() != 0 {
		t.Errorf("a web order offers to edit or send it as a quotation")
	}

	// Another order's payment reference is refused with a message.
	other := ooWebOrder(t, app, "Otto Other", "1")
	r := sales.PostForm(path+"/payment-received", url.Values{"reference": {other.Transaction.Reference}})
	ooExpectRedirect(t, "another order's payment", r, path)
	if got := ooDoc(t, sales.Get(path)).Find(`[data-testid=flash]`).Text(); !strings.Contains(got, "Choose one of the order's payments") {
		t.Errorf("flash %q", got)
	}

	r = sales.PostForm(path+"/payment-received", url.Values{"reference": {pl.Transaction.Reference}})
	ooExpectRedirect(t, "mark received", r, path)
	doc = ooDoc(t, sales.Get(path))
	if got := doc.Find(`[data-testid=flash]`).Text(); !strings.Contains(got, "marked as received") {
		t.Errorf("flash %q", got)
	}
	if doc.Find(`[data-testid=order-state]`).First().AttrOr("data-state", "") != models.OrderSale ||
		doc.Find(`[data-testid=order-info] [data-testid=payment-status]`).AttrOr("data-status", "") != models.PaymentPaid {
		t.Fatalf("after the wire arrived: %s", doc.Find(`[data-testid=order-info]`).Text())
	}
	tr := doc.Find(`[data-testid=transfer-row]`)
	if tr.Length() != 1 || !strings.HasPrefix(tr.AttrOr("data-name", ""), "WH/OUT/") || strings.TrimSpace(tr.Find(`[data-testid=transfer-reserved]`).Text()) != "2 / 2" {
		t.Fatalf("transfer row: %q", tr.Text())
	}
	if href := tr.Find(`[data-testid=order-transfer-link]`).AttrOr("href", ""); !strings.HasPrefix(href, "/office/transfers/") || sales.Get(href).StatusCode != http.StatusOK {
		t.Errorf("transfer link %q", href)
	}
	hist := doc.Find(`[data-testid=history]`).Text()
	for _, want := range []string{"received", "Order confirmed.", "Sam Sales"} {
		if !strings.Contains(hist, want) {
			t.Errorf("history lacks %q: %s", want, hist)
		}
	}
	if doc.Find(`[data-testid=mark-received]`).Length() != 0 || doc.Find(`[data-testid=shortage-warning]`).Length() != 0 {
		t.Errorf("after payment: mark button or shortage still shown")
	}
	// A paid order that has not shipped can be cancelled; the panel and the
	// history say the payment is to be refunded.
	if got := ooDoc(t, sales.Get(path+"?confirm=cancel")).Find(`[data-testid=cancel-refund]`).Text(); !strings.Contains(got, "Cancelling does not refund it") {
		t.Errorf("cancel panel of a paid order: %q", got)
	}
	ooExpectRedirect(t, "cancel a paid order", sales.PostForm(path+"/cancel", nil), path)
	doc = ooDoc(t, sales.Get(path))
	if doc.Find(`[data-testid=order-state]`).First().AttrOr("data-state", "") != models.OrderCancel {
		t.Errorf("the paid order was not cancelled: %s", doc.Find(`[data-testid=flash]`).Text())
	}
	if hist := doc.Find(`[data-testid=history]`).Text(); !strings.Contains(hist, "refund it through the payment provider") {
		t.Errorf("history lacks the refund note: %s", hist)
	}
	// The customer is told, with the refund.
	mails := omMails(t, app, pl.Order.ID)
	if last := mails[len(mails)-1]; last.Subject != "Your order "+pl.Order.Number()+" is cancelled" ||
		!strings.Contains(last.Body, "We refund the €"+pl.Order.AmountTotal.StringFixed(2)+" you paid.") || !strings.Contains(last.Body, app.URL+shop.OrderURL(pl.Order)) {
		t.Errorf("cancellation mail %q:\n%s", last.Subject, last.Body)
	}
	customer := ooDoc(t, app.Client(t).Get(shop.OrderURL(pl.Order)))
	if got := customer.Find(`[data-testid=cancel-refund]`).Text(); got != "This order was cancelled. We refund the €"+pl.Order.AmountTotal.StringFixed(2)+" you paid." {
		t.Errorf("the customer's page of the cancelled paid order: %q", got)
	}
	if r := sales.Get("/office/orders/999999"); r.StatusCode != http.StatusNotFound {
		t.Errorf("unknown order: %d", r.StatusCode)
	}
}

func TestOfficeOrderShowsShortage(t *testing.T) {
	app := testapp.Start(t)
	ctx := context.Background()
	v, _ := ooVariant(t, app, 1)
	var free int64
	if err := app.DB.NewRaw(`SELECT floor(sum(q.quantity - q.reserved_quantity))::bigint FROM stock_quants q JOIN stock_locations l ON l.id = q.location_id
		WHERE l.usage = 'internal' AND q.variant_id = ?`, v).Scan(ctx, &free); err != nil {
		t.Fatal(err)
	}
	o, err := models.CreateQuotation(ctx, app.DB, models.QuotationInput{PartnerID: ooCustomer(t, app, "Big Buyer", "big@example.com"),
		Lines: []models.QuotationLineInput{{VariantID: v, Quantity: itoa(free + 5)}}}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := models.ConfirmOrder(ctx, app.DB, models.NoCustomerMail, o.ID, 0); err != nil {
		t.Fatal(err)
	}
	sales := app.LoginAs(t, models.RoleSales)
	doc := ooDoc(t, sales.Get("/office/orders/"+itoa(o.ID)))
	want := "Only " + itoa(free) + " of " + itoa(free+5) + " reserved — stock ran out."
	if got := doc.Find(`[data-testid=shortage-warning]`).Text(); !strings.Contains(got, want) {
		t.Fatalf("shortage warning %q, want %q", got, want)
	}
	if n := ooDoc(t, sales.Get("/office/orders?delivery=shortage")).Find(`[data-testid=order-row] [data-testid=shortage-badge]`).Length(); n != 1 {
		t.Errorf("shortage filter lists %d orders with the badge, want 1", n)
	}
}

func TestOfficeQuotationFormRefusesBadInput(t *testing.T) {
	app := testapp.Start(t)
	v, _ := ooVariant(t, app, 1)
	sales := app.LoginAs(t, models.RoleSales)
	if r := sales.Get("/office/quotations/new"); r.StatusCode != http.StatusOK || !strings.Contains(r.Body, `data-testid="quotation-form"`) {
		t.Fatalf("new form: %d", r.StatusCode)
	}
	before := ooCount(t, app, "SELECT count(*) FROM sale_orders")
	contacts := ooCount(t, app, "SELECT count(*) FROM contacts")

	r := sales.PostForm("/office/quotations", url.Values{"action": {"save"}, "partner_id": {"new"}, "customer_name": {"Pat Phone"},
		"customer_email": {"not-an-email"}, "lines.0.variant_id": {itoa(v)}, "lines.0.quantity": {"0"}, "lines.0.discount": {"150"},
		"lines.0.price_unit": {"-3"}, "validity_date": {"2001-01-01"}})
	if r.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("bad quotation: %d, want 422", r.StatusCode)
	}
	doc := ooDoc(t, r)
	for field, want := range map[string]string{
		"customer_email":     "valid email",
		"lines.0.quantity":   "more than 0",
		"lines.0.discount":   "from 0 to 100",
		"lines.0.price_unit": "cannot be negative",
		"validity_date":      "in the past",
	} {
		if got := doc.Find(`[data-testid="error-` + field + `"]`).Text(); !strings.Contains(got, want) {
			t.Errorf("%s: %q, want %q", field, got, want)
		}
	}
	// What was typed stays in the form.
	if doc.Find(`input[name="lines.0.quantity"]`).AttrOr("value", "") != "0" || doc.Find(`input[name=customer_name]`).AttrOr("value", "") != "Pat Phone" {
		t.Errorf("the form lost what was typed")
	}

	r = sales.PostForm("/office/quotations", url.Values{"action": {"save"}})
	doc = ooDoc(t, r)
	if r.StatusCode != http.StatusUnprocessableEntity || doc.Find(`[data-testid=error-partner_id]`).Length() != 1 || doc.Find(`[data-testid=error-lines]`).Length() != 1 {
		t.Fatalf("empty quotation: %d", r.StatusCode)
	}
	r = sales.PostForm("/office/quotations", url.Values{"action": {"save"}, "partner_id": {itoa(ooCustomer(t, app, "Q", "q@example.com"))},
		"lines.0.variant_id": {itoa(v)}, "lines.0.quantity": {"1.23456"}})
	if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(ooDoc(t, r).Find(`[data-testid="error-lines.0.quantity"]`).Text(), "4 decimals") {
		t.Fatalf("five decimals: %d", r.StatusCode)
	}
	if n := ooCount(t, app, "SELECT count(*) FROM sale_orders"); n != before {
		t.Fatalf("orders %d -> %d after refused quotations", before, n)
	}
	if n := ooCount(t, app, "SELECT count(*) FROM contacts"); n != contacts+1 { // only "Q", made by the test
		t.Fatalf("contacts %d -> %d after refused quotations", contacts, n)
	}
}

var ooMailLink = regexp.MustCompile(`/shop/orders/(\d+)\?token=([0-9a-f]+)`)

// A phone customer's quotation from start to end through the pages: pick
// products, create, send, confirm, then cancel.
func TestOfficeQuotationCreateSendConfirmCancel(t *testing.T) {
	app := testapp.Start(t)
	v, sku := ooVariant(t, app, 3)
	sales := app.LoginAs(t, models.RoleSales)
	base := url.Values{"partner_id": {"new"}, "customer_name": {"Pat Phone"}, "customer_email": {"pat@example.com"},
		"customer_phone": {"+32 9 876 54 32"}, "customer_street": {"2 Korenmarkt"}, "customer_city": {"Ghent"},
		"customer_zip": {"9000"}, "customer_country_code": {"BE"}, "validity_date": {"2099-06-30"}, "note": {"Call before delivery."}}
	form := func(extra url.Values) url.Values {
		f := url.Values{}
		for k, vs := range base {
			f[k] = vs
		}
		for k, vs := range extra {
			f[k] = vs
		}
		return f
	}

	// The product picker finds the variant by SKU (HTMX suggestions).
	r := sales.Get("/office/quotations/products?product_q=" + url.QueryEscape(sku))
	if r.StatusCode != http.StatusOK || !strings.Contains(r.Body, `name="add_variant" value="`+itoa(v)+`"`) {
		t.Fatalf("product picker: %d\n%s", r.StatusCode, r.Body)
	}
	r = sales.Get("/office/quotations/customers?customer_q=carla")
	if r.StatusCode != http.StatusOK || !strings.Contains(r.Body, "Carla Customer") {
		t.Fatalf("customer picker: %d\n%s", r.StatusCode, r.Body)
	}
	// Picking it adds a line at the catalog price; nothing is saved yet.
	before := ooCount(t, app, "SELECT count(*) FROM sale_orders")
	r = sales.PostForm("/office/quotations", form(url.Values{"add_variant": {itoa(v)}}))
	doc := ooDoc(t, r)
	if r.StatusCode != http.StatusOK || doc.Find(`[data-testid=quo-line]`).Length() != 1 || doc.Find(`input[name="lines.0.quantity"]`).AttrOr("value", "") != "1" {
		t.Fatalf("add a product: %d\n%s", r.StatusCode, doc.Find(`[data-testid=quo-lines]`).Text())
	}
	catalogPrice := doc.Find(`input[name="lines.0.price_unit"]`).AttrOr("value", "")
	if catalogPrice == "" || doc.Find(`[data-testid=quo-total]`).Length() != 1 {
		t.Fatalf("price %q, totals shown %d", catalogPrice, doc.Find(`[data-testid=quo-total]`).Length())
	}
	if n := ooCount(t, app, "SELECT count(*) FROM sale_orders"); n != before {
		t.Fatalf("adding a line saved an order")
	}
	// Removing it empties the lines again.
	r = sales.PostForm("/office/quotations", form(url.Values{"lines.0.variant_id": {itoa(v)}, "lines.0.quantity": {"1"}, "remove_line": {"0"}}))
	if r.StatusCode != http.StatusOK || ooDoc(t, r).Find(`[data-testid=quo-line]`).Length() != 0 {
		t.Fatalf("remove a line: %d", r.StatusCode)
	}

	// Create: 3 units at 10.00 with 10% off, no shipping method.
	r = sales.PostForm("/office/quotations", form(url.Values{"action": {"save"}, "lines.0.variant_id": {itoa(v)},
		"lines.0.quantity": {"3"}, "lines.0.price_unit": {"10"}, "lines.0.discount": {"10"}}))
	if r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/office/orders/") {
		t.Fatalf("create: %d -> %q\n%s", r.StatusCode, r.Header.Get("Location"), r.Body)
	}
	path := r.Header.Get("Location")
	doc = ooDoc(t, sales.Get(path))
	number := doc.Find(`[data-testid=order-number]`).Text()
	if !strings.HasPrefix(number, "S") || doc.Find(`[data-testid=order-state]`).First().AttrOr("data-state", "") != models.OrderDraft {
		t.Fatalf("created %q state %s", number, doc.Find(`[data-testid=order-state]`).First().AttrOr("data-state", ""))
	}
	line := doc.Find(`[data-testid=order-line][data-kind=product]`)
	if got := strings.TrimSpace(line.Find(`[data-testid=line-price]`).Text()); got != "€10.00" || strings.TrimSpace(line.Find(`[data-testid=line-discount]`).Text()) != "10" {
		t.Errorf("line price %q discount %q", got, line.Find(`[data-testid=line-discount]`).Text())
	}
	o, err := models.GetOrderByName(context.Background(), app.DB, number)
	if err != nil {
		t.Fatal(err)
	}
	if l := o.Lines[0]; l.PriceUnit.String() != "10" || l.Discount.String() != "10" || !o.AmountTotal.Equal(o.AmountUntaxed.Add(o.AmountTax)) {
		t.Errorf("line %s -%s%%, amounts %s + %s = %s", l.PriceUnit, l.Discount, o.AmountUntaxed, o.AmountTax, o.AmountTotal)
	}
	if got := doc.Find(`[data-testid=amount-total]`).Text(); !strings.Contains(got, o.AmountTotal.StringFixed(2)) {
		t.Errorf("total shown %q, saved %s", got, o.AmountTotal)
	}
	if doc.Find(`[data-testid=customer-name]`).Text() != "Pat Phone" || strings.TrimSpace(doc.Find(`[data-testid=salesperson]`).Text()) != "Sam Sales" {
		t.Errorf("customer %q salesperson %q", doc.Find(`[data-testid=customer-name]`).Text(), doc.Find(`[data-testid=salesperson]`).Text())
	}

	// Edit: the form shows the saved lines; a bad edit changes nothing.
	edit := "/office/quotations/" + itoa(o.ID)
	doc = ooDoc(t, sales.Get(edit+"/edit"))
	if doc.Find(`input[name="lines.0.quantity"]`).AttrOr("value", "") != "3" || doc.Find(`[data-testid=chosen-customer]`).Length() != 1 {
		t.Fatalf("edit form")
	}
	r = sales.PostForm(edit, url.Values{"action": {"save"}, "partner_id": {itoa(*o.PartnerID)}, "lines.0.variant_id": {itoa(v)}, "lines.0.quantity": {"abc"}})
	if r.StatusCode != http.StatusUnprocessableEntity || ooDoc(t, r).Find(`[data-testid="error-lines.0.quantity"]`).Length() != 1 {
		t.Fatalf("bad edit: %d", r.StatusCode)
	}
	if got, _ := models.GetOrder(context.Background(), app.DB, o.ID); !got.AmountTotal.Equal(o.AmountTotal) {
		t.Fatalf("a refused edit changed the total")
	}

	// Send: the quotation mail with its link, kept in the outgoing mail.
	ooExpectRedirect(t, "send", sales.PostForm(path+"/send", nil), path)
	doc = ooDoc(t, sales.Get(path))
	if doc.Find(`[data-testid=order-state]`).First().AttrOr("data-state", "") != models.OrderSent || doc.Find(`[data-testid=order-mail-link]`).Length() != 1 {
		t.Fatalf("after send: %s", doc.Find(`[data-testid=flash]`).Text())
	}
	mails := ooDoc(t, sales.Get("/office/mail"))
	link := mails.Find(`[data-testid=mail-row] [data-testid=mail-link]`)
	if link.Length() != 1 || link.Text() != "Quotation "+number+" from Test Shop" {
		t.Fatalf("mail list: %q", link.Text())
	}
	mail := ooDoc(t, sales.Get(link.AttrOr("href", "")))
	body := mail.Find(`[data-testid=mail-body]`).Text()
	m := ooMailLink.FindStringSubmatch(body)
	if mail.Find(`[data-testid=mail-to]`).Text() != "pat@example.com" || m == nil || m[1] != itoa(o.ID) || m[2] != o.AccessToken {
		t.Fatalf("mail to %q body:\n%s", mail.Find(`[data-testid=mail-to]`).Text(), body)
	}
	if !strings.HasPrefix(body, "Hello Pat Phone") || !strings.Contains(body, "Total: €"+o.AmountTotal.StringFixed(2)+", taxes of €"+o.AmountTax.StringFixed(2)+" included") ||
		!strings.Contains(body, "3 × "+o.Lines[0].Description+", 10% off — €"+o.Lines[0].PriceTotal.StringFixed(2)) || !strings.Contains(body, app.URL+"/shop/orders/") {
		t.Errorf("mail body:\n%s", body)
	}
	// The link opens the quotation for the customer, without logging in: a
	// quotation (not an order already placed), valid until its date, with the
	// rep's note, the line's discount, and paying as the way to accept it.
	r = app.Client(t).Get(m[0])
	if r.StatusCode != http.StatusOK || !strings.Contains(r.Body, number) {
		t.Errorf("the mailed link %s: %d", m[0], r.StatusCode)
	}
	page := ooDoc(t, r)
	for id, want := range map[string]string{"order-status": "Quotation", "order-date": "Valid until 30 June 2099",
		"order-note": "Call before delivery.", "line-discount": "10% off", "retry-payment": "Accept & pay"} {
		if got := strings.TrimSpace(page.Find(`[data-testid=` + id + `]`).Text()); !strings.Contains(got, want) {
			t.Errorf("the customer's quotation page: %s %q, want %q", id, got, want)
		}
	}

	// Confirm: the delivery with its reserved stock, linked to the order.
	ooExpectRedirect(t, "confirm", sales.PostForm(path+"/confirm", nil), path)
	doc = ooDoc(t, sales.Get(path))
	if doc.Find(`[data-testid=order-state]`).First().AttrOr("data-state", "") != models.OrderSale {
		t.Fatalf("after confirm: %s", doc.Find(`[data-testid=flash]`).Text())
	}
	tr := doc.Find(`[data-testid=transfer-row]`)
	if tr.Length() != 1 || strings.TrimSpace(tr.Find(`[data-testid=transfer-reserved]`).Text()) != "3 / 3" {
		t.Fatalf("transfer after confirm: %q", tr.Text())
	}
	if doc.Find(`[data-testid=action-edit]`).Length() != 0 || doc.Find(`[data-testid=action-send]`).Length() != 0 {
		t.Errorf("a confirmed order offers edit or send")
	}
	if r := sales.Get(edit + "/edit"); r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != path {
		t.Errorf("edit a confirmed order: %d -> %q", r.StatusCode, r.Header.Get("Location"))
	}

	// Cancel (after the confirmation panel): transfers cancelled, stock released.
	if ooDoc(t, sales.Get(path+"?confirm=cancel")).Find(`[data-testid=cancel-confirm]`).Length() != 1 {
		t.Fatal("no cancel confirmation")
	}
	ooExpectRedirect(t, "cancel", sales.PostForm(path+"/cancel", nil), path)
	doc = ooDoc(t, sales.Get(path))
	if doc.Find(`[data-testid=order-state]`).First().AttrOr("data-state", "") != models.OrderCancel ||
		doc.Find(`[data-testid=transfer-row] [data-testid=transfer-state]`).AttrOr("data-state", "") != models.StateCancel {
		t.Fatalf("after cancel: %s", doc.Find(`[data-testid=order-transfers]`).Text())
	}
	if n := ooCount(t, app, `SELECT count(*) FROM stock_move_lines l JOIN stock_moves m ON m.id = l.move_id
		JOIN sale_order_lines sl ON sl.id = m.sale_line_id WHERE sl.order_id = ? AND l.state = 'open'`, o.ID); n != 0 {
		t.Fatalf("%d reservations left after cancelling", n)
	}
	hist := doc.Find(`[data-testid=history]`).Text()
	for _, want := range []string{"Quotation created", "Quotation sent by email to pat@example.com.", "Order confirmed.", "Order cancelled."} {
		if !strings.Contains(hist, want) {
			t.Errorf("history lacks %q", want)
		}
	}
}

func TestOfficeCancelRefusedAfterDelivery(t *testing.T) {
	app := testapp.Start(t)
	ctx := context.Background()
	o := ooQuotation(t, app, "Dora Delivered", "1")
	if _, err := models.ConfirmOrder(ctx, app.DB, models.NoCustomerMail, o.ID, 0); err != nil {
		t.Fatal(err)
	}
	var pickingID int64
	if err := app.DB.NewRaw("SELECT id FROM stock_pickings WHERE sale_order_id = ? ORDER BY id LIMIT 1", o.ID).Scan(ctx, &pickingID); err != nil {
		t.Fatal(err)
	}
	if _, err := models.ValidatePicking(ctx, app.DB, pickingID, models.ValidateInput{}, 0); err != nil {
		t.Fatal(err)
	}
	admin := app.LoginAs(t, models.RoleAdmin)
	path := "/office/orders/" + itoa(o.ID)
	ooExpectRedirect(t, "cancel", admin.PostForm(path+"/cancel", nil), path)
	doc := ooDoc(t, admin.Get(path))
	if got := doc.Find(`[data-testid=flash]`).Text(); !strings.Contains(got, "has a done transfer") || !strings.Contains(got, "Use a return instead") {
		t.Errorf("flash %q", got)
	}
	if doc.Find(`[data-testid=order-state]`).First().AttrOr("data-state", "") != models.OrderSale ||
		doc.Find(`[data-testid=order-info] [data-testid=delivery-status]`).AttrOr("data-status", "") != models.DeliveryFull {
		t.Errorf("delivered order: %s", doc.Find(`[data-testid=order-info]`).Text())
	}
	if got := strings.TrimSpace(doc.Find(`[data-testid=order-line][data-kind=product] [data-testid=line-delivered]`).Text()); got != "1" {
		t.Errorf("delivered quantity %q", got)
	}
}

// Sales and admin use the sales screens; warehouse, accountant and
// customer users are refused (the role matrix covers every route).
func TestOfficeOrderScreensByRole(t *testing.T) {
	app := testapp.Start(t)
	id := ooSampleOrder(t, app)
	for role, want := range map[string]int{models.RoleSales: 200, models.RoleAdmin: 200, models.RoleWarehouse: 403,
		models.RoleCustomer: 403, models.RoleAccountant: 403} {
		c := app.LoginAs(t, role)
		for _, path := range []string{"/office/orders", "/office/quotations", "/office/quotations/new", "/office/orders/" + itoa(id), "/office/carts", "/office/mail"} {
			if r := c.Get(path); r.StatusCode != want {
				t.Errorf("%s GET %s: %d, want %d", role, path, r.StatusCode, want)
			}
		}
		if r := c.PostForm("/office/orders/"+itoa(id)+"/confirm", nil); want == 403 && r.StatusCode != 403 {
			t.Errorf("%s POST confirm: %d, want 403", role, r.StatusCode)
		}
	}
	if o, _ := models.GetOrder(context.Background(), app.DB, id); o.State != models.OrderSale {
		t.Errorf("sales/admin confirm: state %s", o.State)
	}
}

// The sales screens in a real browser (desktop and phone): the list, an
// order with a shortage and a pending wire, and the quotation form whose
// product picker adds a line through HTMX. BROWSER_SHOTS keeps the pictures.
func TestBrowserOfficeSalesScreens(t *testing.T) {
	app := testapp.Start(t)
	ctx := context.Background()
	// Some history: a confirmed web order paid by wire, a quotation, and a
	// confirmed order asking more than the stock.
	paid := ooWebOrder(t, app, "Wanda Web", "2")
	if _, err := models.MarkPaymentReceived(ctx, app.DB, models.NoCustomerMail, paid.Order.ID, paid.Transaction.Reference, 0); err != nil {
		t.Fatal(err)
	}
	waiting := ooWebOrder(t, app, "Walter Wire", "1")
	ooQuotation(t, app, "Lisa List", "2")
	v, sku := ooVariant(t, app, 1)
	if _, err := models.AddToCart(ctx, app.DB, models.CartOwner{}, v, "1"); err != nil { // an abandoned cart
		t.Fatal(err)
	}
	var free int64
	if err := app.DB.NewRaw(`SELECT floor(sum(q.quantity - q.reserved_quantity))::bigint FROM stock_quants q JOIN stock_locations l ON l.id = q.location_id
		WHERE l.usage = 'internal' AND q.variant_id = ?`, v).Scan(ctx, &free); err != nil {
		t.Fatal(err)
	}
	big, err := models.CreateQuotation(ctx, app.DB, models.QuotationInput{PartnerID: ooCustomer(t, app, "Bruno Big", "bruno@example.com"),
		Lines: []models.QuotationLineInput{{VariantID: v, Quantity: itoa(free + 4), Discount: "5"}}, Note: "Deliver to the loading dock."}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := models.ConfirmOrder(ctx, app.DB, models.NoCustomerMail, big.ID, 0); err != nil {
		t.Fatal(err)
	}
	sales := demoLogin(t, models.RoleSales)

	first := browser.New(t)
	for _, size := range []struct {
		name          string
		width, height int
	}{{"desktop", browser.DesktopWidth, browser.DesktopHeight}, {"phone", 390, 844}} {
		t.Run(size.name, func(t *testing.T) {
			tab := browser.NewTab(t, first, browser.Size(size.width, size.height))
			browserLogin(t, tab, app, sales)

			browser.Navigate(t, tab, app.URL+"/office/orders")
			if n := browser.Run(t, tab, chromedp.Evaluate[int](`document.querySelectorAll("[data-testid=order-row]").length`)); n < 4 {
				t.Fatalf("%d orders listed, want at least 4", n)
			}
			browser.Screenshot(t, tab, "orders-"+size.name+".png")

			// Filtering swaps the rows without a page load; the address follows.
			browser.Run(t, tab, chromedp.Evaluate[bool](`window.soMarker = true`))
			browser.Do(t, tab, chromedp.SetValue(chromedp.CSS(`#of-delivery`), "shortage"),
				chromedp.Evaluate[chromedp.Void](`document.querySelector("#of-delivery").dispatchEvent(new Event("change", {bubbles: true}))`))
			browser.WaitFor(t, tab, 10*time.Second, "the shortage filter",
				`document.querySelectorAll("[data-testid=order-row]").length === 1`)
			if !browser.Run(t, tab, chromedp.Evaluate[bool](`window.soMarker === true`)) || browser.URL(t, tab).Query().Get("delivery") != "shortage" {
				t.Errorf("the filter reloaded the page or left the address: %s", browser.URL(t, tab))
			}

			browser.Navigate(t, tab, app.URL+"/office/orders/"+itoa(big.ID))
			if got := browser.Text(t, tab, `[data-testid=shortage-warning]`); !strings.Contains(got, "reserved — stock ran out") {
				t.Errorf("shortage warning %q", got)
			}
			browser.Screenshot(t, tab, "order-shortage-"+size.name+".png")
			browser.Navigate(t, tab, app.URL+"/office/orders/"+itoa(waiting.Order.ID))
			browser.Text(t, tab, `[data-testid=mark-received]`)
			browser.Screenshot(t, tab, "order-wire-"+size.name+".png")

			// A quotation for a phone customer: pick the customer and a product.
			browser.Navigate(t, tab, app.URL+"/office/quotations/new")
			browser.Do(t, tab, chromedp.Click(chromedp.CSS(`#q-customer`), chromedp.NodeVisible), browser.TypeKeys("wanda"))
			browser.WaitFor(t, tab, 10*time.Second, "the customer suggestions", `document.querySelector("[data-testid=customer-option]") !== null`)
			browser.Do(t, tab, chromedp.Click(chromedp.CSS(`[data-testid=customer-option]`), chromedp.NodeVisible))
			browser.Do(t, tab, chromedp.Click(chromedp.CSS(`#q-product`), chromedp.NodeVisible), browser.TypeKeys(sku))
			browser.WaitFor(t, tab, 10*time.Second, "the product suggestions", `document.querySelector("[data-testid=product-option]") !== null`)
			browser.Do(t, tab, chromedp.Click(chromedp.CSS(`[data-testid=product-option]`), chromedp.NodeVisible))
			browser.WaitFor(t, tab, 10*time.Second, "the new line", `document.querySelectorAll("[data-testid=quo-line]").length === 1`)
			if !browser.Exists(t, tab, `[data-testid=chosen-customer] input:checked`) || !browser.Exists(t, tab, `[data-testid=quo-total]`) {
				t.Errorf("after adding the line: the customer is not chosen or the totals are missing")
			}
			browser.Screenshot(t, tab, "quotation-form-"+size.name+".png")

			// A wrong quantity: the problem shows on its field.
			browser.Do(t, tab, chromedp.SetValue(chromedp.CSS(`input[name="lines.0.quantity"]`), "0"))
			browser.Do(t, tab, chromedp.Click(chromedp.CSS(`[data-testid=quo-save]`), chromedp.NodeVisible))
			browser.WaitFor(t, tab, 10*time.Second, "the quantity problem", `document.querySelector('[data-testid="error-lines.0.quantity"]') !== null`)
			browser.Run(t, tab, chromedp.Evaluate[bool](`window.scrollTo(0, 0); true`))
			browser.Screenshot(t, tab, "quotation-error-"+size.name+".png")
			browser.Do(t, tab, chromedp.SetValue(chromedp.CSS(`input[name="lines.0.quantity"]`), "2"))
			browser.ClickAndWait(t, tab, `[data-testid=quo-save]`)
			if p := browser.Path(t, tab); !strings.HasPrefix(p, "/office/orders/") {
				t.Fatalf("after saving the browser is on %s", p)
			}
			if got := browser.Text(t, tab, `[data-testid=flash]`); !strings.Contains(got, "created") {
				t.Errorf("flash %q", got)
			}
			browser.Screenshot(t, tab, "quotation-created-"+size.name+".png")

			// Send it: the mail is kept in the outgoing mail with the link.
			browser.ClickAndWait(t, tab, `[data-testid=action-send]`)
			if got := browser.Text(t, tab, `[data-testid=flash]`); !strings.Contains(got, "Quotation sent to wanda.web@example.com") {
				t.Errorf("flash after send %q", got)
			}
			browser.Navigate(t, tab, app.URL+"/office/mail")
			browser.Screenshot(t, tab, "mail-"+size.name+".png")
			browser.ClickAndWait(t, tab, `[data-testid=mail-link]`)
			if got := browser.Text(t, tab, `[data-testid=mail-body]`); !strings.Contains(got, "/shop/orders/") {
				t.Errorf("mail body %q", got)
			}
			browser.Screenshot(t, tab, "mail-detail-"+size.name+".png")
			browser.Navigate(t, tab, app.URL+"/office/carts")
			browser.Text(t, tab, `[data-testid=cart-row]`)
			browser.Screenshot(t, tab, "carts-"+size.name+".png")
		})
	}
}
