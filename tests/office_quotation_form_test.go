package tests

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"orderflow/models"
	"orderflow/tests/testapp"
)

// "Update totals" on a quotation with bad lines says what is wrong, field by
// field, and saves nothing; picking a product on a form still being filled
// does not scold.
func TestOfficeQuotationUpdateTotalsNamesTheProblems(t *testing.T) {
	app := testapp.Start(t)
	v, _ := ooVariant(t, app, 1)
	sales := app.LoginAs(t, models.RoleSales)
	orders := ooCount(t, app, "SELECT count(*) FROM sale_orders")

	picked := ooDoc(t, sales.PostForm("/office/quotations", url.Values{"add_variant": {itoa(v)}}))
	if n := picked.Find(`.field-error, [data-testid=form-error]`).Length(); n != 0 {
		t.Fatalf("picking the first product shows %d errors: %q", n, picked.Find(`.field-error`).Text())
	}

	r := sales.PostForm("/office/quotations", url.Values{"action": {"refresh"}, "partner_id": {"new"},
		"customer_name": {"Pat Phone"}, "customer_email": {"pat@example.com"}, "customer_country_code": {"BE"},
		"lines.0.variant_id": {itoa(v)}, "lines.0.quantity": {"-2"}, "lines.0.price_unit": {"10"}, "lines.0.discount": {"150"}})
	if r.StatusCode != http.StatusOK {
		t.Fatalf("update totals: status %d", r.StatusCode)
	}
	doc := ooDoc(t, r)
	errs := doc.Find(`.field-error`).Text()
	for _, want := range []string{"The quantity must be more than 0.", "The discount is a percentage from 0 to 100."} {
		if !strings.Contains(errs, want) {
			t.Errorf("errors shown %q, want %q", errs, want)
		}
	}
	if doc.Find(`[data-testid=quo-no-totals]`).Length() != 1 {
		t.Error("totals shown for invalid lines")
	}
	if n := ooCount(t, app, "SELECT count(*) FROM sale_orders"); n != orders {
		t.Fatalf("%d orders after Update totals, want %d: nothing is saved", n, orders)
	}
}

// An order's page highlights the list it belongs to in the navigation: a
// quotation's is Quotations, a confirmed order's Orders.
func TestOfficeOrderPageHighlightsItsList(t *testing.T) {
	app := testapp.Start(t)
	sales := app.LoginAs(t, models.RoleSales)
	o := ooQuotation(t, app, "Nav Customer", "1")
	page := "/office/orders/" + itoa(o.ID)
	active := func() string {
		t.Helper()
		return strings.TrimSpace(ooDoc(t, sales.Get(page)).Find(`nav a.active`).Text())
	}
	if got := active(); got != "Quotations" {
		t.Fatalf("a quotation's page highlights %q, want Quotations", got)
	}
	if r := sales.PostForm(page+"/confirm", nil); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("confirm: status %d", r.StatusCode)
	}
	if got := active(); got != "Orders" {
		t.Fatalf("a confirmed order's page highlights %q, want Orders", got)
	}
}
