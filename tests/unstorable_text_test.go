package tests

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"orderflow/tests/testapp"
)

// Text the database cannot store (a NUL character, invalid UTF-8) is
// refused with a message naming the field, on every page and form, and
// saves nothing: it used to reach PostgreSQL and come back as a 500.
func TestUnstorableTextIsRefused(t *testing.T) {
	a := testapp.Start(t)
	guest := a.Client(t)
	addToCart(t, guest, cartItems(t, a, 1, 5)[0].VariantID, "1")
	contacts := countRows(t, a, "SELECT count(*) FROM contacts")
	users := countRows(t, a, "SELECT count(*) FROM users")
	sales := a.LoginAs(t, "sales")

	address := func(field, value string, extra url.Values) url.Values {
		f := checkoutAddress()
		f.Set(field, value)
		for k, v := range extra {
			f[k] = v
		}
		return f
	}
	for _, tc := range []struct {
		name  string
		do    func() *testapp.Response
		field string
	}{
		{"search", func() *testapp.Response { return guest.Get("/search?q=ab%00c") }, `"q"`},
		{"login", func() *testapp.Response {
			return guest.PostForm("/login", url.Values{"email": {"a\x00@example.com"}, "password": {"x"}})
		}, `"email"`},
		{"checkout name", func() *testapp.Response { return guest.PostForm("/checkout", address("billing_name", "Bob\x00", nil)) }, `"billing name"`},
		{"checkout city", func() *testapp.Response {
			return guest.PostForm("/checkout", address("billing_city", "Gh\xc3\x28ent", nil))
		}, `"billing city"`},
		{"checkout with an account", func() *testapp.Response {
			return guest.PostForm("/checkout", address("billing_street", "1\x00 Main", url.Values{"create_account": {"1"}, "password": {"longpassword123"}}))
		}, `"billing street"`},
		{"coupon", func() *testapp.Response { return guest.PostForm("/checkout/coupon", url.Values{"code": {"\x00"}}) }, `"code"`},
		{"office orders", func() *testapp.Response { return sales.Get("/office/orders?q=a%00") }, `"q"`},
		{"office customer picker", func() *testapp.Response { return sales.Get("/office/quotations/customers?customer_q=%FF") }, `"customer q"`},
	} {
		r := tc.do()
		if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "The field "+strings.ReplaceAll(tc.field, `"`, "&#34;")+" holds characters that cannot be saved") {
			t.Errorf("%s: %d, want 422 naming the field %s\n%.400s", tc.name, r.StatusCode, tc.field, r.Body)
		}
	}
	if n := countRows(t, a, "SELECT count(*) FROM contacts"); n != contacts {
		t.Errorf("%d contacts saved from refused forms", n-contacts)
	}
	if n := countRows(t, a, "SELECT count(*) FROM users"); n != users {
		t.Errorf("%d accounts created from refused forms", n-users)
	}
}
