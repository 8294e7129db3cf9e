package tests

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"orderflow/models"
	"orderflow/tests/testapp"
)

// A shopper who logs in from the cart comes back to the cart, and is told
// when it now also holds what they had left in it earlier (the count in
// the header jumped without a word).
func TestLoginFromTheCartTellsOfTheEarlierCart(t *testing.T) {
	a := testapp.Start(t)
	items := cartItems(t, a, 2, 5)
	earlier := a.LoginAs(t, models.RoleCustomer)
	addToCart(t, earlier, items[0].VariantID, "1")

	c := a.Client(t)
	addToCart(t, c, items[1].VariantID, "1")
	login := ooDoc(t, c.Get("/cart")).Find(`[data-testid=login-link]`).AttrOr("href", "")
	if login != "/login?next=%2Fcart" {
		t.Fatalf("the cart's login link is %q", login)
	}
	form := url.Values{"email": {"customer@example.com"}, "password": {models.DemoPassword}, "next": {"/cart"}}
	r := c.PostForm("/login", form)
	if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/cart" {
		t.Fatalf("login from the cart: %d -> %q", r.StatusCode, r.Header.Get("Location"))
	}
	doc, lines := getCart(t, c)
	if len(lines) != 2 {
		t.Fatalf("%d lines after login, want both carts' products", len(lines))
	}
	if got := doc.Find(`[data-testid=flash]`).Text(); !strings.Contains(got, "what you had left in it earlier") {
		t.Errorf("no word of the earlier cart: %q", got)
	}
}
