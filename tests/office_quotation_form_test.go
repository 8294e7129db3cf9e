package tests

import (
	"context"
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

// Each guest checkout makes a contact, so the customer picker finds one
// person several times: each is shown with their street and orders, the
// one who ordered first, and the picker says when more matched than shown.
func TestOfficeCustomerPickerTellsNamesakesApart(t *testing.T) {
	app := testapp.Start(t)
	var ids []int64
	for range 9 {
		ids = append(ids, ooCustomer(t, app, "Jane Namesake", "jane.namesake@example.com"))
	}
	q := ooQuotation(t, app, "Other Person", "1")
	if _, err := app.DB.NewRaw("UPDATE sale_orders SET partner_id = ?, state = 'sent' WHERE id = ?", ids[0], q.ID).Exec(context.Background()); err != nil {
		t.Fatal(err)
	}
	sales := app.LoginAs(t, models.RoleSales)
	doc := ooDoc(t, sales.Get("/office/quotations/customers?customer_q=jane.namesake"))
	opts := doc.Find(`[data-testid=customer-option]`)
	if opts.Length() != 8 || doc.Find(`[data-testid=customer-more]`).Length() != 1 {
		t.Fatalf("%d options shown, more notice %d; want 8 and the notice", opts.Length(), doc.Find(`[data-testid=customer-more]`).Length())
	}
	first := opts.First()
	if first.Find(`input`).AttrOr("value", "") != itoa(ids[0]) || !strings.HasPrefix(first.Find(`[data-testid=customer-orders]`).Text(), "1 order, ") {
		t.Errorf("first option: id %s, %q; want the one who ordered", first.Find(`input`).AttrOr("value", ""), first.Find(`[data-testid=customer-orders]`).Text())
	}
	if got := opts.Eq(1).Find(`[data-testid=customer-orders]`).Text(); got != "No orders yet" {
		t.Errorf("second option: %q", got)
	}
	if !strings.Contains(first.Text(), "5 Market Square, Bruges") {
		t.Errorf("the option does not show the street: %q", first.Text())
	}
}
