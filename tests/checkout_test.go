package tests

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/shopspring/decimal"

	"orderflow/models"
	"orderflow/tests/testapp"
)

// checkoutAddress is a valid billing address for the address step.
func checkoutAddress() url.Values {
	return url.Values{
		"billing_name": {"Ada Shopper"}, "billing_email": {"ada@example.com"}, "billing_phone": {"+32 470 12 34 56"},
		"billing_street": {"Veldstraat 1"}, "billing_city": {"Ghent"}, "billing_zip": {"9000"}, "billing_country_code": {"BE"},
	}
}

// standardCarrier is the demo's "Standard delivery" with its tax.
func standardCarrier(t *testing.T, app *testapp.App) (*models.Carrier, []models.Tax) {
	t.Helper()
	ctx := context.Background()
	ca := new(models.Carrier)
	if err := app.DB.NewSelect().Model(ca).Where("name = 'Standard delivery'").Scan(ctx); err != nil {
		t.Fatal(err)
	}
	var taxes []models.Tax
	if ca.TaxID != nil {
		if err := app.DB.NewSelect().Model(&taxes).Where("id = ?", *ca.TaxID).Scan(ctx); err != nil {
			t.Fatal(err)
		}
	}
	return ca, taxes
}

// toPayment takes a client with a cart through the address step to the
// delivery & payment page and chooses the standard carrier there, as the
// page's HTMX does.
func toPayment(t *testing.T, app *testapp.App, c *testapp.Client) {
	t.Helper()
	if r := c.PostForm("/checkout", checkoutAddress()); r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/checkout/payment" {
		t.Fatalf("address step: %d -> %q\n%s", r.StatusCode, r.Header.Get("Location"), r.Body)
	}
	if r := c.Get("/checkout/payment"); r.StatusCode != http.StatusOK {
		t.Fatalf("delivery & payment page: %d", r.StatusCode)
	}
	ca, _ := standardCarrier(t, app)
	if r := chooseCarrier(c, ca.ID, ""); r.StatusCode != http.StatusOK {
		t.Fatalf("choosing the shipping method: %d\n%s", r.StatusCode, r.Body)
	}
}

// chooseCarrier posts a choice of shipping method (and payment method) the
// way the delivery & payment page's HTMX does.
func chooseCarrier(c *testapp.Client, carrierID int64, provider string) *testapp.Response {
	form := url.Values{"_csrf": {c.CSRF()}, "carrier_id": {itoa(carrierID)}}
	if provider != "" {
		form.Set("provider", provider)
	}
	return c.PostRaw("/checkout/shipping", form, http.Header{"Hx-Request": {"true"}, "X-Csrf-Token": {c.CSRF()}})
}

var orderURL = regexp.MustCompile(`^/shop/orders/(\d+)\?token=([0-9a-f]+)$`)

// placedOrder reads the order a checkout redirect points at.
func placedOrder(t *testing.T, app *testapp.App, location string) *models.SaleOrder {
	t.Helper()
	m := orderURL.FindStringSubmatch(location)
	if m == nil {
		t.Fatalf("redirect to %q, want the order page", location)
	}
	id, _ := strconv.ParseInt(m[1], 10, 64)
	o, err := models.GetOrder(context.Background(), app.DB, id)
	if err != nil {
		t.Fatal(err)
	}
	if o.AccessToken != m[2] {
		t.Fatalf("order link token %q is not the order's", m[2])
	}
	return o
}

func countRows(t *testing.T, app *testapp.App, query string, args ...any) int {
	t.Helper()
	var n int
	if err := app.DB.NewRaw(query, args...).Scan(context.Background(), &n); err != nil {
		t.Fatal(err)
	}
	return n
}

// shippingFor is the standard carrier's line for products worth
// productsIncl (taxes included): free from its threshold.
func shippingFor(t *testing.T, app *testapp.App, cur models.Currency, productsIncl decimal.Decimal) models.TaxResult {
	ca, taxes := standardCarrier(t, app)
	price := ca.FixedPrice
	if ca.FreeOver != nil && productsIncl.GreaterThanOrEqual(*ca.FreeOver) {
		price = decimal.Zero
	}
	return models.ComputeTaxes(taxes, price, decimal.NewFromInt(1), cur, false)
}

func TestCheckoutGuestWireTransfer(t *testing.T) {
	app := testapp.Start(t)
	cur := company(t, app).Currency()
	items := cartItems(t, app, 1, 5)
	a := &items[0]
	c := app.Client(t)

	// Nothing to check out yet.
	r := c.Get("/checkout")
	if r.StatusCode != http.StatusOK || !strings.Contains(r.Body, `data-testid="checkout-empty"`) {
		t.Fatalf("checkout with an empty cart: %d", r.StatusCode)
	}
	addToCart(t, c, a.VariantID, "2")

	// The address cannot be skipped; the old shipping step's address leads
	// to the delivery & payment page.
	if r := c.Get("/checkout/shipping"); r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/checkout/payment" {
		t.Errorf("GET /checkout/shipping: %d -> %q, want /checkout/payment", r.StatusCode, r.Header.Get("Location"))
	}
	if r := c.Get("/checkout/payment"); r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/checkout" {
		t.Errorf("GET /checkout/payment before the address: %d -> %q, want /checkout", r.StatusCode, r.Header.Get("Location"))
	}
	r = c.Get("/checkout")
	doc, _ := cartPage(t, r.Body)
	if r.StatusCode != http.StatusOK || doc.Find("[data-testid=address-form]").Length() != 1 || doc.Find("[data-testid=checkout-step]").Length() != 3 {
		t.Fatalf("address step: %d", r.StatusCode)
	}
	if text(doc, "flash") == "" {
		t.Errorf("no message after being sent back to the address step")
	}
	if v, _ := doc.Find("select[name=billing_country_code] option[selected]").Attr("value"); v != "BE" {
		t.Errorf("default country %q, want BE", v)
	}
	if r := c.PostForm("/checkout", checkoutAddress()); r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/checkout/payment" {
		t.Fatalf("address: %d -> %q", r.StatusCode, r.Header.Get("Location"))
	}

	// One page: the address, the shipping methods with their prices (the
	// first one chosen), the payment methods, the totals with the shipping
	// line and one button.
	r = c.Get("/checkout/payment")
	doc, _ = cartPage(t, r.Body)
	if r.StatusCode != http.StatusOK || doc.Find("[data-testid=checkout-step]").Length() != 3 || text(doc, "checkout-step") != "1 Address" {
		t.Fatalf("delivery & payment page: %d, steps %q", r.StatusCode, doc.Find("[data-testid=checkout-steps]").Text())
	}
	if !strings.Contains(text(doc, "review-shipping"), "Veldstraat 1") || doc.Find(`[data-testid=review-shipping] a[href="/checkout"]`).Length() != 1 {
		t.Errorf("delivery address %q, without a link to change it", text(doc, "review-shipping"))
	}
	ca, _ := standardCarrier(t, app)
	want := expectCart(cur, map[*cartItem]int{a: 2})
	ship := shippingFor(t, app, cur, want.productsIncl)
	opt := doc.Find(`[data-testid=shipping-option][data-carrier-id="` + itoa(ca.ID) + `"]`)
	wantPrice := cur.Format(ship.TotalExcluded)
	if ship.TotalExcluded.IsZero() {
		wantPrice = "Free"
	}
	if got := strings.TrimSpace(opt.Find("[data-testid=shipping-price]").Text()); got != wantPrice {
		t.Errorf("standard delivery costs %q, want %q", got, wantPrice)
	}
	if _, checked := opt.Find("input[name=carrier_id]").Attr("checked"); !checked {
		t.Errorf("the first shipping method is not chosen")
	}
	total := want.total.Add(ship.TotalIncluded)
	if text(doc, "cart-total") != cur.Format(total) || text(doc, "cart-shipping") != wantPrice {
		t.Fatalf("total %q (shipping %q), want %s with the shipping line", text(doc, "cart-total"), text(doc, "cart-shipping"), cur.Format(total))
	}
	if doc.Find("[data-testid=provider-option]").Length() < 2 || doc.Find("[data-testid=coupon-box]").Length() != 1 {
		t.Errorf("payment methods: %d, coupon box %d", doc.Find("[data-testid=provider-option]").Length(), doc.Find("[data-testid=coupon-box]").Length())
	}
	provider, _ := doc.Find("input[name=provider][checked]").Attr("value")
	wantLabel := "Place order · " + cur.Format(total)
	if provider == models.ProviderTestCard {
		wantLabel = "Pay now · " + cur.Format(total)
	}
	if got := text(doc, "place-order"); got != wantLabel || doc.Find("[data-testid=place-order]").Length() != 1 {
		t.Errorf("button %q, want %q", got, wantLabel)
	}
	if r := c.PostForm("/checkout/place", url.Values{"carrier_id": {itoa(ca.ID)}, "provider": {"bitcoin"}}); r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `data-testid="error-provider"`) {
		t.Errorf("unknown payment method: %d", r.StatusCode)
	}
	if n := countRows(t, app, "SELECT count(*) FROM sale_orders WHERE placed_at IS NOT NULL"); n != 0 {
		t.Fatalf("%d orders placed by a refused submit", n)
	}

	// Place with wire transfer: the order waits for the money and says so.
	r = c.PostForm("/checkout/place", url.Values{"carrier_id": {itoa(ca.ID)}, "provider": {models.ProviderWire}})
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("place: %d\n%s", r.StatusCode, r.Body)
	}
	o := placedOrder(t, app, r.Header.Get("Location"))
	if !regexp.MustCompile(`^S\d{5}$`).MatchString(o.Number()) || o.State != models.OrderSent || o.PaymentStatus != models.PaymentPending {
		t.Fatalf("order %s: state %s, payment %s; want S0000x sent pending", o.Number(), o.State, o.PaymentStatus)
	}
	if !o.AmountTotal.Equal(total) {
		t.Errorf("order total %s, want %s", o.AmountTotal, total)
	}
	r = c.Get(r.Header.Get("Location"))
	doc, _ = cartPage(t, r.Body)
	if r.StatusCode != http.StatusOK || text(doc, "order-number") != o.Number() || text(doc, "order-total") != cur.Format(total) {
		t.Fatalf("order page: %d, number %q total %q", r.StatusCode, text(doc, "order-number"), text(doc, "order-total"))
	}
	if got := text(doc, "payment-status"); !strings.Contains(got, "Payment pending") || text(doc, "wire-reference") != o.Number() || text(doc, "wire-amount") != cur.Format(total) {
		t.Errorf("payment status %q, reference %q, amount %q", got, text(doc, "wire-reference"), text(doc, "wire-amount"))
	}
	if !strings.Contains(text(doc, "payment-instructions"), "IBAN") {
		t.Errorf("wire instructions %q", text(doc, "payment-instructions"))
	}
	if doc.Find("[data-polling]").Length() != 0 {
		t.Errorf("a wire transfer order polls")
	}
	if doc.Find("[data-testid=order-line]").Length() != 1 || !strings.Contains(text(doc, "order-shipping"), "Veldstraat 1") || text(doc, "order-carrier") != ca.Name {
		t.Errorf("order page lines %d, shipping %q, carrier %q", doc.Find("[data-testid=order-line]").Length(), text(doc, "order-shipping"), text(doc, "order-carrier"))
	}

	// The cart is gone; another shopper cannot open the order.
	if doc, _ := getCart(t, c); doc.Find("[data-testid=cart-empty]").Length() != 1 || text(doc, "cart-count") != "0" {
		t.Errorf("the cart is still there after placing the order")
	}
	other := app.Client(t)
	for _, path := range []string{"/shop/orders/" + itoa(o.ID), "/shop/orders/" + itoa(o.ID) + "?token=nope"} {
		if r := other.Get(path); r.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s by another shopper: %d, want 404", path, r.StatusCode)
		}
	}
}

func TestCheckoutWithCoupon(t *testing.T) {
	app := testapp.Start(t)
	cur := company(t, app).Currency()
	items := cartItems(t, app, 1, 5)
	a := &items[0]
	c := app.Client(t)
	addToCart(t, c, a.VariantID, "2")
	toPayment(t, app, c)

	if r := c.PostForm("/checkout/coupon", url.Values{"code": {"NOPE"}}); r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `data-testid="error-code"`) {
		t.Errorf("unknown code: %d", r.StatusCode)
	}
	if r := c.PostForm("/checkout/coupon", url.Values{"code": {"welcome10"}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("WELCOME10: %d\n%s", r.StatusCode, r.Body)
	}

	// 10% off the products, taxed like them; shipping on the discounted amount.
	products := models.ComputeTaxes(a.Taxes, a.Price, decimal.NewFromInt(2), cur, false)
	off := cur.Round(a.Price.Mul(decimal.NewFromInt(2)).Mul(decimal.NewFromInt(10)).Div(decimal.NewFromInt(100)))
	discount := models.ComputeTaxes(a.Taxes, off.Neg(), decimal.NewFromInt(1), cur, false)
	ship := shippingFor(t, app, cur, products.TotalIncluded.Add(discount.TotalIncluded))
	total := products.TotalIncluded.Add(discount.TotalIncluded).Add(ship.TotalIncluded)

	r := c.Get("/checkout/payment")
	doc, _ := cartPage(t, r.Body)
	if got := text(doc, "cart-discount"); got != cur.Format(off.Neg()) {
		t.Errorf("discount line %q, want %s", got, cur.Format(off.Neg()))
	}
	if !strings.Contains(text(doc, "discount-label"), "WELCOME10") {
		t.Errorf("discount label %q", text(doc, "discount-label"))
	}
	if got := text(doc, "cart-total"); got != cur.Format(total) {
		t.Errorf("total with the code %s, want %s", got, cur.Format(total))
	}
	r = c.PostForm("/checkout/place", url.Values{"provider": {models.ProviderWire}})
	o := placedOrder(t, app, r.Header.Get("Location"))
	if !o.AmountTotal.Equal(total) || o.CouponID == nil {
		t.Errorf("order total %s (coupon %v), want %s", o.AmountTotal, o.CouponID, total)
	}
	doc, _ = cartPage(t, c.Get(r.Header.Get("Location")).Body)
	if text(doc, "cart-discount") != cur.Format(off.Neg()) || text(doc, "order-total") != cur.Format(total) {
		t.Errorf("order page discount %q total %q", text(doc, "cart-discount"), text(doc, "order-total"))
	}
}

func TestCheckoutDoubleSubmitPlacesOneOrder(t *testing.T) {
	app := testapp.Start(t)
	items := cartItems(t, app, 1, 5)
	a := &items[0]

	// Two submits one after the other (the second after the cart left the
	// session): the same order, the same payment page.
	c := app.Client(t)
	addToCart(t, c, a.VariantID, "1")
	toPayment(t, app, c)
	first := c.PostForm("/checkout/place", url.Values{"provider": {models.ProviderTestCard}})
	second := c.PostForm("/checkout/place", url.Values{"provider": {models.ProviderTestCard}})
	if first.StatusCode != http.StatusSeeOther || second.StatusCode != http.StatusSeeOther {
		t.Fatalf("submits: %d, %d", first.StatusCode, second.StatusCode)
	}
	if l := first.Header.Get("Location"); !strings.HasPrefix(l, "/pay/test/") || second.Header.Get("Location") != l {
		t.Errorf("submits go to %q and %q, want the same payment page", l, second.Header.Get("Location"))
	}
	if n := countRows(t, app, "SELECT count(*) FROM sale_orders WHERE placed_at IS NOT NULL"); n != 1 {
		t.Errorf("%d orders placed, want 1", n)
	}
	if n := countRows(t, app, "SELECT count(*) FROM payment_transactions"); n != 1 {
		t.Errorf("%d payments started, want 1", n)
	}

	// Two submits at the same time from one session.
	c = app.Client(t)
	addToCart(t, c, a.VariantID, "1")
	toPayment(t, app, c)
	form := url.Values{"_csrf": {c.CSRF()}, "provider": {models.ProviderWire}}
	var wg sync.WaitGroup
	res := make([]*testapp.Response, 2)
	for i := range res {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res[i] = c.PostRaw("/checkout/place", form, nil)
		}()
	}
	wg.Wait()
	for i, r := range res {
		if r.StatusCode != http.StatusSeeOther || !orderURL.MatchString(r.Header.Get("Location")) {
			t.Errorf("concurrent submit %d: %d -> %q", i, r.StatusCode, r.Header.Get("Location"))
		}
	}
	if n := countRows(t, app, "SELECT count(*) FROM sale_orders WHERE placed_at IS NOT NULL"); n != 2 {
		t.Errorf("%d orders placed in all, want 2", n)
	}
	if n := countRows(t, app, "SELECT count(*) FROM payment_transactions"); n != 2 {
		t.Errorf("%d payments started in all, want 2", n)
	}
	// And once more after both: still the same order.
	again := c.PostForm("/checkout/place", url.Values{"provider": {models.ProviderWire}})
	if o1, o2 := placedOrder(t, app, res[0].Header.Get("Location")), placedOrder(t, app, again.Header.Get("Location")); o1.ID != o2.ID {
		t.Errorf("a later submit goes to order %d, want %d", o2.ID, o1.ID)
	}
}

func TestCheckoutAddressValidation(t *testing.T) {
	app := testapp.Start(t)
	items := cartItems(t, app, 1, 5)
	c := app.Client(t)
	addToCart(t, c, items[0].VariantID, "1")
	contacts := countRows(t, app, "SELECT count(*) FROM contacts")
	users := countRows(t, app, "SELECT count(*) FROM users")

	bad := url.Values{"billing_name": {""}, "billing_email": {"not-an-email"}, "billing_street": {""}, "billing_city": {""},
		"billing_zip": {""}, "billing_country_code": {"XX"}, "ship_elsewhere": {"1"}, "shipping_name": {"Bob"}}
	r := c.PostForm("/checkout", bad)
	if r.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("bad address: %d, want 422", r.StatusCode)
	}
	doc, _ := cartPage(t, r.Body)
	for _, f := range []string{"billing_name", "billing_email", "billing_street", "billing_city", "billing_zip", "billing_country_code", "shipping_street", "shipping_city", "shipping_zip"} {
		if text(doc, "error-"+f) == "" {
			t.Errorf("no message for %s", f)
		}
	}
	if v, _ := doc.Find("input[name=shipping_name]").Attr("value"); v != "Bob" {
		t.Errorf("the form forgot what was typed: shipping name %q", v)
	}

	// A postal code that is not one of the country's.
	form := checkoutAddress()
	form.Set("billing_zip", "ABC")
	form.Set("billing_country_code", "BE")
	r = c.PostForm("/checkout", form)
	doc, _ = cartPage(t, r.Body)
	if r.StatusCode != http.StatusUnprocessableEntity || text(doc, "error-billing_zip") != "Enter a postal code of Belgium, like 1000." {
		t.Errorf("postal code ABC in Belgium: %d, message %q", r.StatusCode, text(doc, "error-billing_zip"))
	}

	// Creating an account needs a real password; nothing is created before.
	form = checkoutAddress()
	form.Set("create_account", "1")
	form.Set("password", "short")
	r = c.PostForm("/checkout", form)
	doc, _ = cartPage(t, r.Body)
	if r.StatusCode != http.StatusUnprocessableEntity || text(doc, "error-password") == "" {
		t.Errorf("short password: %d, message %q", r.StatusCode, text(doc, "error-password"))
	}
	if n := countRows(t, app, "SELECT count(*) FROM contacts"); n != contacts {
		t.Errorf("%d contacts saved by refused forms", n-contacts)
	}
	if n := countRows(t, app, "SELECT count(*) FROM users"); n != users {
		t.Errorf("%d users created by refused forms", n-users)
	}
	if n := countRows(t, app, "SELECT count(*) FROM sale_orders WHERE invoice_partner_id IS NOT NULL"); n != 0 {
		t.Errorf("a refused address was set on the cart")
	}
	if r := c.Get("/checkout/payment"); r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/checkout" {
		t.Errorf("delivery & payment page after refused addresses: %d -> %q", r.StatusCode, r.Header.Get("Location"))
	}
}

// The address form is boosted: htmx gets the delivery & payment page in the
// response to the address itself, its address pushed to the location bar;
// refused addresses come back as the address form (422) and push nothing
// onwards.
func TestCheckoutBoostedAddressStep(t *testing.T) {
	app := testapp.Start(t)
	items := cartItems(t, app, 1, 5)
	c := app.Client(t)
	addToCart(t, c, items[0].VariantID, "1")
	boosted := func() http.Header { return http.Header{"Hx-Request": {"true"}, "Hx-Boosted": {"true"}} }

	bad := checkoutAddress()
	bad.Set("billing_email", "not-an-email")
	bad.Set("_csrf", c.CSRF())
	r := c.PostRaw("/checkout", bad, boosted())
	doc, _ := cartPage(t, r.Body)
	if r.StatusCode != http.StatusUnprocessableEntity || text(doc, "error-billing_email") == "" {
		t.Fatalf("bad address: %d, e-mail message %q", r.StatusCode, text(doc, "error-billing_email"))
	}
	if p := r.Header.Get("Hx-Push-Url"); p != "" {
		t.Errorf("a refused address pushed %q", p)
	}
	if n := countRows(t, app, "SELECT count(*) FROM sale_orders WHERE invoice_partner_id IS NOT NULL"); n != 0 {
		t.Errorf("a refused address was set on the cart")
	}

	form := checkoutAddress()
	form.Set("_csrf", c.CSRF())
	r = c.PostRaw("/checkout", form, boosted())
	if r.StatusCode != http.StatusOK || r.Header.Get("Hx-Push-Url") != "/checkout/payment" {
		t.Fatalf("address: %d, pushed %q, want 200 and /checkout/payment\n%s", r.StatusCode, r.Header.Get("Hx-Push-Url"), r.Body)
	}
	doc, _ = cartPage(t, r.Body)
	if doc.Find("[data-testid=shipping-option]").Length() == 0 || doc.Find("[data-testid=place-order]").Length() == 0 {
		t.Fatalf("the response is not the delivery & payment page:\n%s", r.Body)
	}
	if !strings.Contains(r.Body, "Veldstraat 1") {
		t.Errorf("the delivery & payment page does not show the address just entered")
	}
	if n := countRows(t, app, "SELECT count(*) FROM sale_orders WHERE invoice_partner_id IS NOT NULL"); n != 1 {
		t.Errorf("%d carts with an address, want 1", n)
	}
}

func TestCheckoutCreatesAccount(t *testing.T) {
	app := testapp.Start(t)
	items := cartItems(t, app, 1, 5)
	c := app.Client(t)
	addToCart(t, c, items[0].VariantID, "1")
	form := checkoutAddress()
	form.Set("billing_email", "new.shopper@example.com")
	form.Set("create_account", "1")
	form.Set("password", "a-good-password-1")
	form.Set("ship_elsewhere", "1")
	for k, v := range map[string]string{"name": "Ada at work", "street": "Kouter 9", "city": "Ghent", "zip": "9000", "country_code": "BE"} {
		form.Set("shipping_"+k, v)
	}
	if r := c.PostForm("/checkout", form); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("address with an account: %d\n%s", r.StatusCode, r.Body)
	}
	if r := c.Get("/my"); r.StatusCode != http.StatusOK {
		t.Fatalf("the new customer is not signed in: /my %d", r.StatusCode)
	}
	ca, _ := standardCarrier(t, app)
	r := c.PostForm("/checkout/place", url.Values{"carrier_id": {itoa(ca.ID)}, "provider": {models.ProviderCOD}})
	o := placedOrder(t, app, r.Header.Get("Location"))
	u := new(models.User)
	if err := app.DB.NewSelect().Model(u).Where("email = 'new.shopper@example.com'").Scan(context.Background()); err != nil {
		t.Fatal(err)
	}
	if o.UserID == nil || *o.UserID != u.ID || o.PartnerID == nil || u.ContactID == nil || *o.PartnerID != *u.ContactID {
		t.Fatalf("order user %v partner %v, want the new account %d / %v", o.UserID, o.PartnerID, u.ID, u.ContactID)
	}
	// Cash on delivery confirms at once; the owner opens the page without the token.
	doc, _ := cartPage(t, c.Get("/shop/orders/"+itoa(o.ID)).Body)
	if !strings.Contains(text(doc, "payment-status"), "Pay on delivery") || doc.Find("[data-testid=order-confirmed]").Length() != 1 {
		t.Errorf("COD order page: %q, confirmed %d", text(doc, "payment-status"), doc.Find("[data-testid=order-confirmed]").Length())
	}
	// Next time the saved addresses are offered.
	addToCart(t, c, items[0].VariantID, "1")
	doc, _ = cartPage(t, c.Get("/checkout").Body)
	if n := doc.Find("[data-testid=billing-choices] [data-testid=saved-address]").Length(); n != 2 {
		t.Errorf("%d saved addresses offered, want 2", n)
	}
}

func TestOrderPageTellsThePaymentTruth(t *testing.T) {
	app := testapp.Start(t)
	ctx := context.Background()
	cur := company(t, app).Currency()
	items := cartItems(t, app, 1, 5)
	c := app.Client(t)
	addToCart(t, c, items[0].VariantID, "1")
	toPayment(t, app, c)
	r := c.PostForm("/checkout/place", url.Values{"provider": {models.ProviderTestCard}})
	pay := r.Header.Get("Location")
	if !strings.HasPrefix(pay, "/pay/test/") {
		t.Fatalf("test card: redirect to %q", pay)
	}
	ref, _ := url.PathUnescape(strings.TrimPrefix(pay, "/pay/test/"))
	ref, _, _ = strings.Cut(ref, ".") // the page id is the reference and a signature
	tx, err := models.GetTransaction(ctx, app.DB, ref)
	if err != nil {
		t.Fatal(err)
	}
	o, err := models.GetOrder(ctx, app.DB, tx.OrderID)
	if err != nil {
		t.Fatal(err)
	}
	page := "/shop/orders/" + itoa(o.ID) + "?token=" + o.AccessToken

	// Card payment not finished: pending, the page polls.
	doc, _ := cartPage(t, c.Get(page).Body)
	if !strings.Contains(text(doc, "payment-status"), "Payment pending") || doc.Find("[data-polling]").Length() != 1 {
		t.Errorf("draft card payment: %q, polling %d", text(doc, "payment-status"), doc.Find("[data-polling]").Length())
	}
	poll := c.Do(http.MethodGet, page, nil, http.Header{"Hx-Request": {"true"}})
	if poll.StatusCode != http.StatusOK || strings.Contains(poll.Body, "<html") || !strings.Contains(poll.Body, `id="order-body"`) {
		t.Errorf("poll: %d", poll.StatusCode)
	}

	// Declined: told so, with a retry that starts a new payment.
	if _, err := models.SetTransactionState(ctx, app.DB, models.NoCustomerMail, ref, models.TransactionUpdate{State: models.TxError, Message: "Card declined."}, 0); err != nil {
		t.Fatal(err)
	}
	doc, _ = cartPage(t, c.Get(page).Body)
	if !strings.Contains(text(doc, "payment-status"), "Payment declined") || doc.Find("[data-testid=retry-form]").Length() != 1 || doc.Find("[data-polling]").Length() != 0 {
		t.Fatalf("declined: %q", text(doc, "payment-status"))
	}
	other := app.Client(t)
	if r := other.PostForm("/shop/orders/"+itoa(o.ID)+"/retry", url.Values{"provider": {models.ProviderTestCard}}); r.StatusCode != http.StatusNotFound {
		t.Errorf("retry without the token: %d, want 404", r.StatusCode)
	}
	r = c.PostForm("/shop/orders/"+itoa(o.ID)+"/retry", url.Values{"token": {o.AccessToken}, "provider": {models.ProviderTestCard}})
	if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") == pay || !strings.HasPrefix(r.Header.Get("Location"), "/pay/test/") {
		t.Fatalf("retry: %d -> %q", r.StatusCode, r.Header.Get("Location"))
	}
	ref2, _ := url.PathUnescape(strings.TrimPrefix(r.Header.Get("Location"), "/pay/test/"))
	ref2, _, _ = strings.Cut(ref2, ".")

	// Paid: thanks, and the order is confirmed.
	if _, err := models.SetTransactionState(ctx, app.DB, models.NoCustomerMail, ref2, models.TransactionUpdate{State: models.TxDone, Amount: o.AmountTotal, CurrencyCode: o.CurrencyCode}, 0); err != nil {
		t.Fatal(err)
	}
	doc, _ = cartPage(t, c.Get(page).Body)
	if !strings.Contains(text(doc, "payment-status"), "Paid — thank you") || text(doc, "order-status") != "Confirmed" || doc.Find("[data-testid=order-confirmed]").Length() != 1 {
		t.Errorf("paid: %q, status %q", text(doc, "payment-status"), text(doc, "order-status"))
	}
	if text(doc, "order-total") != cur.Format(o.AmountTotal) {
		t.Errorf("order total %q", text(doc, "order-total"))
	}
}

// checkoutSampleOrder places a demo order (wire transfer) through the
// models, for the role matrix: its id and access token.
func checkoutSampleOrder(t *testing.T, app *testapp.App) (int64, string) {
	t.Helper()
	ctx := context.Background()
	items := cartItems(t, app, 1, 2)
	cart, err := models.AddToCart(ctx, app.DB, models.CartOwner{}, items[0].VariantID, "1")
	if err != nil {
		t.Fatal(err)
	}
	owner := models.CartOwner{CartID: cart.Order.ID}
	addr := models.AddressInput{Name: "Role Matrix", Email: "matrix@example.com", Street: "1 Main Street", City: "Ghent", Zip: "9000", CountryCode: "BE"}
	if _, err := models.SetCheckoutAddresses(ctx, app.DB, owner, models.CheckoutAddresses{Billing: addr}); err != nil {
		t.Fatal(err)
	}
	ca, _ := standardCarrier(t, app)
	pl, err := models.PlaceOrder(ctx, app.DB, models.NoCustomerMail, cart.Order.ID, models.PlaceInput{Provider: models.ProviderWire, CarrierID: ca.ID}, 0)
	if err != nil {
		t.Fatal(err)
	}
	return pl.Order.ID, pl.Order.AccessToken
}

// Promotion codes cannot be guessed by trying them all: after ten tries in
// a row from one address, the shop asks to wait, and the code is not
// looked at (even a good one).
func TestCheckoutCouponGuessingIsSlowedDown(t *testing.T) {
	app := testapp.Start(t)
	c := app.Client(t)
	addToCart(t, c, cartItems(t, app, 1, 5)[0].VariantID, "1")
	toPayment(t, app, c)
	for i := range 10 {
		if r := c.PostForm("/checkout/coupon", url.Values{"code": {"GUESS" + itoa(int64(i))}}); r.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("guess %d: %d, want 422 (an unknown code)", i+1, r.StatusCode)
		}
	}
	r := c.PostForm("/checkout/coupon", url.Values{"code": {"WELCOME10"}})
	if r.StatusCode != http.StatusTooManyRequests || !strings.Contains(r.Body, "Too many promotion codes tried") {
		t.Fatalf("11th try: %d, want 429\n%.300s", r.StatusCode, r.Body)
	}
	if n := countRows(t, app, "SELECT count(*) FROM sale_orders WHERE coupon_id IS NOT NULL"); n != 0 {
		t.Fatalf("a code was applied while tries were refused")
	}
}

// A refused promotion code changes neither the totals nor the shopper's
// choices: the preselected shipping method stays in the summary (the page
// showed a total without it, lower than what was then charged), and the
// payment method chosen stays chosen, after a refused code as after an
// accepted one.
func TestCheckoutCodeKeepsShippingAndPaymentMethod(t *testing.T) {
	app := testapp.Start(t)
	c := app.Client(t)
	addToCart(t, c, cartItems(t, app, 1, 5)[0].VariantID, "1")
	if r := c.PostForm("/checkout", checkoutAddress()); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("address: %d", r.StatusCode)
	}
	before, _ := cartPage(t, c.Get("/checkout/payment").Body)
	total, shipping := text(before, "cart-total"), text(before, "cart-shipping")
	if total == "" || shipping == "" {
		t.Fatalf("payment page: total %q shipping %q", total, shipping)
	}
	checked := func(doc *goquery.Document) string {
		return doc.Find(`#place-form input[name=provider]:checked`).AttrOr("value", "")
	}

	r := c.PostForm("/checkout/coupon", url.Values{"code": {"NOPE"}, "provider": {models.ProviderWire}})
	doc, _ := cartPage(t, r.Body)
	if r.StatusCode != http.StatusUnprocessableEntity || text(doc, "cart-total") != total || text(doc, "cart-shipping") != shipping {
		t.Fatalf("after a refused code: %d, total %q shipping %q; before %q %q", r.StatusCode, text(doc, "cart-total"), text(doc, "cart-shipping"), total, shipping)
	}
	if got := checked(doc); got != models.ProviderWire {
		t.Errorf("payment method after a refused code: %q, want wire", got)
	}

	r = c.PostForm("/checkout/coupon", url.Values{"code": {"WELCOME10"}, "provider": {models.ProviderWire}})
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("good code: %d", r.StatusCode)
	}
	doc, _ = cartPage(t, c.Get(r.Header.Get("Location")).Body)
	if got := checked(doc); got != models.ProviderWire {
		t.Errorf("payment method after a code: %q, want wire", got)
	}
	if text(doc, "cart-shipping") != shipping || text(doc, "cart-discount") == "" {
		t.Errorf("after the code: shipping %q discount %q", text(doc, "cart-shipping"), text(doc, "cart-discount"))
	}
}
