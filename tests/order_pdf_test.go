package tests

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"orderflow/models"
	"orderflow/tests/testapp"
)

// opQuotation creates an office quotation of n lines of demo variants,
// the first at 10% off; the product lines are renamed "Numbered article 1"
// to "Numbered article n" so that each can be found in the printed text.
func opQuotation(t *testing.T, app *testapp.App, customer string, n int) *models.SaleOrder {
	t.Helper()
	ctx := context.Background()
	var variants []int64
	if err := app.DB.NewRaw(`SELECT v.id FROM product_variants v JOIN product_templates pt ON pt.id = v.template_id
		WHERE v.active AND pt.active ORDER BY v.id LIMIT ?`, n).Scan(ctx, &variants); err != nil || len(variants) < n {
		t.Fatalf("%d sellable demo variants (%v), want %d", len(variants), err, n)
	}
	lines := []models.QuotationLineInput{{VariantID: variants[0], Quantity: "3", PriceUnit: "10", Discount: "10"}}
	for _, v := range variants[1:] {
		lines = append(lines, models.QuotationLineInput{VariantID: v, Quantity: "1"})
	}
	email := strings.ToLower(strings.ReplaceAll(customer, " ", ".")) + "@example.com"
	o, err := models.CreateQuotation(ctx, app.DB, models.QuotationInput{PartnerID: ooCustomer(t, app, customer, email),
		Lines: lines, ValidityDate: "2099-06-30", Note: "Prices valid for the quantities above — délivery within two weeks of your order."}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := app.DB.NewRaw(`UPDATE sale_order_lines l SET description = 'Numbered article ' || x.n
		FROM (SELECT id, row_number() OVER (ORDER BY sequence, id) AS n FROM sale_order_lines WHERE order_id = ? AND kind = 'product') x
		WHERE l.id = x.id`, o.ID).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	return qaOrder(t, app, o.ID)
}

// orderPDF fetches a printed order and checks it is an inline PDF named
// after the order number.
func orderPDF(t *testing.T, c *testapp.Client, path string, o *models.SaleOrder) string {
	t.Helper()
	body := docPDF(t, c, path, o.Number()+".pdf")
	r := c.Get(path)
	if got, want := r.Header.Get("Cache-Control"), "private, no-store"; got != want {
		t.Errorf("GET %s: Cache-Control %q, want %q", path, got, want)
	}
	return body
}

// The back office prints a sent quotation with its customer, lines,
// discount and the total in the company currency; the order page links it.
// Warehouse users may not print it.
func TestOrderPDFOffice(t *testing.T) {
	app := testapp.Start(t)
	o := qaSend(t, app, opQuotation(t, app, "Paula Printer", 1))
	sales := app.LoginAs(t, models.RoleSales)
	path := "/office/orders/" + itoa(o.ID) + "/order.pdf"
	text := pdfText(t, orderPDF(t, sales, path, o))
	co, err := models.GetCompany(context.Background(), app.DB)
	if err != nil {
		t.Fatal(err)
	}
	wantText(t, "office quotation", text, "Quotation "+o.Number(), "Paula Printer", "Numbered article 1", "10", "2099-06-30",
		co.Currency().Format(o.AmountTotal), "délivery within two weeks")
	if strings.Contains(text, "Cancelled") {
		t.Errorf("a sent quotation printed as cancelled:\n%s", text)
	}
	if got := ooDoc(t, sales.Get("/office/orders/"+itoa(o.ID))).Find(`[data-testid=action-pdf]`).AttrOr("href", ""); got != path {
		t.Errorf("PDF button links %q, want %q", got, path)
	}
	if r := app.LoginAs(t, models.RoleWarehouse).Get(path); r.StatusCode != http.StatusForbidden {
		t.Errorf("warehouse on the order PDF: %d, want 403", r.StatusCode)
	}
	if r := sales.Get("/office/orders/999999/order.pdf"); r.StatusCode != http.StatusNotFound {
		t.Errorf("missing order PDF: %d, want 404", r.StatusCode)
	}
}

// The customer downloads the PDF with the order's token, as the order page
// opens; without it, with a wrong one, or for a quotation not sent yet, the
// order is not found.
func TestOrderPDFCustomer(t *testing.T) {
	app := testapp.Start(t)
	draft := opQuotation(t, app, "Dana Draft", 1)
	o := qaSend(t, app, opQuotation(t, app, "Carl Customer", 1))
	c := app.Client(t)
	base := "/shop/orders/" + itoa(o.ID) + "/order.pdf"
	text := pdfText(t, orderPDF(t, c, base+"?token="+o.AccessToken, o))
	wantText(t, "customer quotation", text, "Quotation "+o.Number(), "Carl Customer", "Numbered article 1")

	page := ooDoc(t, c.Get("/shop/orders/"+itoa(o.ID)+"?token="+o.AccessToken))
	if got, want := page.Find(`[data-testid=order-pdf]`).AttrOr("href", ""), base+"?token="+o.AccessToken; got != want {
		t.Errorf("order page links %q, want %q", got, want)
	}
	for what, path := range map[string]string{
		"no token":    base,
		"wrong token": base + "?token=not-the-token",
		"draft":       "/shop/orders/" + itoa(draft.ID) + "/order.pdf?token=" + draft.AccessToken,
	} {
		if r := c.Get(path); r.StatusCode != http.StatusNotFound {
			t.Errorf("%s: GET %s: %d, want 404", what, path, r.StatusCode)
		}
	}
}

// An order of 60 lines flows onto further pages, down to its last line.
func TestOrderPDFManyLines(t *testing.T) {
	app := testapp.Start(t)
	o := opQuotation(t, app, "Lena Lines", 60)
	admin := app.LoginAs(t, models.RoleAdmin)
	text := pdfText(t, orderPDF(t, admin, "/office/orders/"+itoa(o.ID)+"/order.pdf", o))
	if pages := strings.Count(text, "\f"); pages < 2 {
		t.Errorf("60 lines on %d page(s), want more than one", pages)
	}
	wantText(t, "60 lines", text, "Numbered article 60", "page 2 of")
	if n := strings.Count(text, "Description"); n < 2 {
		t.Errorf("table header printed %d time(s), want on each page", n)
	}
}

// A cancelled order says so.
func TestOrderPDFCancelled(t *testing.T) {
	app := testapp.Start(t)
	o := opQuotation(t, app, "Cora Cancel", 1)
	if _, err := models.CancelOrder(context.Background(), app.DB, models.NoCustomerMail, o.ID, 0); err != nil {
		t.Fatal(err)
	}
	o = qaOrder(t, app, o.ID)
	text := pdfText(t, orderPDF(t, app.LoginAs(t, models.RoleSales), "/office/orders/"+itoa(o.ID)+"/order.pdf", o))
	wantText(t, "cancelled order", text, "Order "+o.Number(), "Cancelled")
}
