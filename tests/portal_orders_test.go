package tests

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"orderflow/models"
	"orderflow/tests/testapp"
)

// The portal lists the orders billed to the customer — a quotation a sales
// rep confirmed for them included — newest first, each opening its page;
// quotations still being written and other customers' orders stay out.
func TestPortalListsTheCustomersOrders(t *testing.T) {
	ctx := context.Background()
	app := testapp.Start(t)
	customer := app.LoginAs(t, models.RoleCustomer)
	var contactID int64
	if err := app.DB.NewRaw("SELECT contact_id FROM users WHERE email = 'customer@example.com'").Scan(ctx, &contactID); err != nil {
		t.Fatal(err)
	}
	v, _ := ooVariant(t, app, 2)
	quote := func(partner int64) *models.SaleOrder {
		o, err := models.CreateQuotation(ctx, app.DB, models.QuotationInput{PartnerID: partner,
			Lines: []models.QuotationLineInput{{VariantID: v, Quantity: "1"}}}, 0)
		if err != nil {
			t.Fatal(err)
		}
		return o
	}
	if got := ooDoc(t, customer.Get("/my")).Find(`[data-testid=portal-no-orders]`).Length(); got != 1 {
		t.Fatal("no 'no orders yet' before any order")
	}
	mine := quote(contactID)
	confirmed, err := models.ConfirmOrder(ctx, app.DB, models.NoCustomerMail, mine.ID, 0)
	if err != nil {
		t.Fatal(err)
	}
	quote(contactID) // a draft: not shown yet
	other := quote(ooCustomer(t, app, "Other Customer", "other@example.com"))
	if _, err := models.ConfirmOrder(ctx, app.DB, models.NoCustomerMail, other.ID, 0); err != nil {
		t.Fatal(err)
	}

	doc := ooDoc(t, customer.Get("/my"))
	rows := doc.Find(`[data-testid=portal-order]`)
	if rows.Length() != 1 {
		t.Fatalf("%d orders listed, want 1: %q", rows.Length(), rows.Text())
	}
	if got := strings.TrimSpace(rows.Find(`[data-testid=portal-order-link]`).Text()); got != confirmed.Number() {
		t.Errorf("listed %q, want %s", got, confirmed.Number())
	}
	if got := strings.TrimSpace(rows.Find(`[data-testid=portal-order-status]`).Text()); got != "Confirmed" {
		t.Errorf("status %q, want Confirmed", got)
	}
	co, err := models.GetCompany(ctx, app.DB)
	if err != nil {
		t.Fatal(err)
	}
	want := co.Currency().Format(confirmed.AmountTotal)
	if got := strings.TrimSpace(rows.Find(`.portal-order-total`).Text()); !confirmed.AmountTotal.IsPositive() || got != want {
		t.Errorf("total %q, want the order's %s", got, want)
	}
	// Its page opens for the customer, by its link or by its plain address.
	link := rows.Find(`[data-testid=portal-order-link]`).AttrOr("href", "")
	for _, u := range []string{link, "/shop/orders/" + itoa(mine.ID)} {
		if r := customer.Get(u); r.StatusCode != http.StatusOK || !strings.Contains(r.Body, confirmed.Number()) {
			t.Errorf("%s: status %d", u, r.StatusCode)
		}
	}
	// Another customer's order does not, without its token.
	if r := customer.Get("/shop/orders/" + itoa(other.ID)); r.StatusCode != http.StatusNotFound {
		t.Errorf("another customer's order: status %d, want 404", r.StatusCode)
	}
}
