package tests

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"orderflow/models"
	"orderflow/tests/testapp"
	"orderflow/views/shop"
)

// qaSend sends a quotation (its mail kept) and returns it as it now is.
func qaSend(t *testing.T, a *testapp.App, o *models.SaleOrder) *models.SaleOrder {
	t.Helper()
	ctx := context.Background()
	if _, err := models.SendQuotation(ctx, a.DB, a.Outbox, o.ID, func(*models.SaleOrder) string { return a.URL + "/" }, 0); err != nil {
		t.Fatal(err)
	}
	o, err := models.GetOrder(ctx, a.DB, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func qaOrder(t *testing.T, a *testapp.App, id int64) *models.SaleOrder {
	t.Helper()
	o, err := models.GetOrder(context.Background(), a.DB, id)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// A customer sees and accepts only a quotation the sales rep has sent and
// that is still valid: a draft is not found, an expired one says so and
// cannot be accepted (paid), as Odoo's portal refuses an expired offer.
func TestCustomerAcceptsOnlyASentValidQuotation(t *testing.T) {
	a := testapp.Start(t)
	o := ooQuotation(t, a, "Quinn Quote", "1")
	c := a.Client(t)
	accept := func(o *models.SaleOrder) *testapp.Response {
		return c.PostForm("/shop/orders/"+itoa(o.ID)+"/retry", url.Values{"token": {o.AccessToken}, "provider": {models.ProviderCOD}})
	}

	// Still a draft: the rep is writing it.
	if r := c.Get(shop.OrderURL(o)); r.StatusCode != http.StatusNotFound {
		t.Fatalf("the customer opens a draft quotation: %d", r.StatusCode)
	}
	if r := accept(o); r.StatusCode != http.StatusNotFound {
		t.Fatalf("the customer accepts a draft quotation: %d", r.StatusCode)
	}
	if got := qaOrder(t, a, o.ID); got.State != models.OrderDraft {
		t.Fatalf("a draft quotation became %s", got.State)
	}

	// Sent, then past its validity date.
	o = qaSend(t, a, o)
	if _, err := a.DB.NewRaw("UPDATE sale_orders SET validity_date = current_date - 1 WHERE id = ?", o.ID).Exec(context.Background()); err != nil {
		t.Fatal(err)
	}
	o = qaOrder(t, a, o.ID)
	page := ooDoc(t, c.Get(shop.OrderURL(o)))
	if got := page.Find(`[data-testid=payment-status]`).AttrOr("data-status", ""); got != "expired" || page.Find(`[data-testid=retry-form]`).Length() != 0 {
		t.Fatalf("expired quotation's page: status %q, accept form %d", got, page.Find(`[data-testid=retry-form]`).Length())
	}
	if got := page.Find(`[data-testid=order-date]`).Text(); !strings.Contains(got, "Expired on "+o.ValidityDate.Format("2 January 2006")) {
		t.Errorf("date line %q", got)
	}
	r := accept(o)
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("accept an expired quotation: %d", r.StatusCode)
	}
	if got := qaOrder(t, a, o.ID); got.State != models.OrderSent || countRows(t, a, "SELECT count(*) FROM payment_transactions WHERE order_id = ?", o.ID) != 0 {
		t.Fatalf("an expired quotation was accepted: %s", got.State)
	}
	if flash := ooDoc(t, c.Get(r.Header.Get("Location"))).Find(`[data-testid=flash]`).Text(); !strings.Contains(flash, "This quotation expired on") {
		t.Errorf("flash %q", flash)
	}

	// Valid until today: still accepted.
	if _, err := a.DB.NewRaw("UPDATE sale_orders SET validity_date = current_date WHERE id = ?", o.ID).Exec(context.Background()); err != nil {
		t.Fatal(err)
	}
	if r := accept(o); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("accept: %d", r.StatusCode)
	}
	if got := qaOrder(t, a, o.ID); got.State != models.OrderSale {
		t.Fatalf("a quotation valid until today, accepted with cash on delivery, is %s", got.State)
	}
}

// A quotation the customer has started to pay by card cannot charge its
// old total once the rep changes it: the unfinished payment is cancelled,
// the card page refuses the card, and the customer accepts the new total.
// Once a payment is under way (a wire transfer announced), the rep can no
// longer change the quotation.
func TestQuotationChangedWhileTheCustomerPays(t *testing.T) {
	a := testapp.Start(t)
	ctx := context.Background()
	o := qaSend(t, a, ooQuotation(t, a, "Paula Pays", "2"))
	c := a.Client(t)
	r := c.PostForm("/shop/orders/"+itoa(o.ID)+"/retry", url.Values{"token": {o.AccessToken}, "provider": {models.ProviderTestCard}})
	payURL := r.Header.Get("Location")
	if r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(payURL, "/pay/test/") {
		t.Fatalf("accept with the card: %d -> %q: %s", r.StatusCode, payURL, ooDoc(t, c.Get(payURL)).Find(`[data-testid=flash]`).Text())
	}
	oldTotal := o.AmountTotal

	// The rep lowers the price meanwhile.
	in := models.QuotationInput{PartnerID: *o.PartnerID, Lines: []models.QuotationLineInput{{VariantID: *o.Lines[0].VariantID, Quantity: "2", PriceUnit: "1"}}}
	changed, err := models.UpdateQuotation(ctx, a.DB, o.ID, in, 0)
	if err != nil {
		t.Fatal(err)
	}
	if changed.AmountTotal.Equal(oldTotal) {
		t.Fatalf("the total did not change: %s", oldTotal)
	}

	// The old payment page no longer charges the old total.
	if r := c.PostForm(payURL, validCard(models.TestCardSuccess)); r.StatusCode == http.StatusSeeOther && countRows(t, a,
		"SELECT count(*) FROM payment_transactions WHERE order_id = ? AND state = 'done'", o.ID) != 0 {
		t.Fatalf("the card was charged %s for a quotation now worth %s", oldTotal, changed.AmountTotal)
	}
	if got := qaOrder(t, a, o.ID); got.State != models.OrderSent || got.PaymentStatus != models.PaymentNotPaid {
		t.Fatalf("after paying the old page: %s / %s", got.State, got.PaymentStatus)
	}
	page := ooDoc(t, c.Get(shop.OrderURL(o)))
	if got := page.Find(`[data-testid=payment-status]`).AttrOr("data-status", ""); got != "stopped" ||
		!strings.Contains(page.Find(`[data-testid=payment-status]`).Text(), "The quotation changed") {
		t.Fatalf("the customer's page after the change: %q %q", got, page.Find(`[data-testid=payment-status]`).Text())
	}

	// Accepting again pays the new total.
	r = c.PostForm("/shop/orders/"+itoa(o.ID)+"/retry", url.Values{"token": {o.AccessToken}, "provider": {models.ProviderTestCard}})
	paid := omPay(t, a, c, r.Header.Get("Location"), models.TestCardSuccess)
	if paid.State != models.OrderSale || !paid.AmountPaid.Equal(changed.AmountTotal) {
		t.Fatalf("paid %s of %s, state %s", paid.AmountPaid, changed.AmountTotal, paid.State)
	}

	// A wire transfer announced: the quotation can no longer change.
	w := qaSend(t, a, ooQuotation(t, a, "Walter Wire", "1"))
	if r := c.PostForm("/shop/orders/"+itoa(w.ID)+"/retry", url.Values{"token": {w.AccessToken}, "provider": {models.ProviderWire}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("accept with wire: %d", r.StatusCode)
	}
	in = models.QuotationInput{PartnerID: *w.PartnerID, Lines: []models.QuotationLineInput{{VariantID: *w.Lines[0].VariantID, Quantity: "5"}}}
	_, err = models.UpdateQuotation(ctx, a.DB, w.ID, in, 0)
	if models.ErrorCode(err) != models.ECONFLICT || !strings.Contains(models.ErrorMessage(err), "is pending") {
		t.Fatalf("change a quotation with a wire transfer pending: %v", err)
	}
	if got := qaOrder(t, a, w.ID); !got.AmountTotal.Equal(w.AmountTotal) {
		t.Fatalf("the refused change saved a total of %s", got.AmountTotal)
	}
}

// A shopper who leaves the card page without paying (the Back button, to
// pay another way) finds their order from the cart and the checkout, and
// may pay it with another method: the unstarted card payment is cancelled
// and can no longer charge.
func TestLeavingTheCardPageFindsTheOrderAndPaysAnotherWay(t *testing.T) {
	a := testapp.Start(t)
	c := a.Client(t)
	payURL := omBuy(t, a, c, models.ProviderTestCard)
	if !strings.HasPrefix(payURL, "/pay/test/") {
		t.Fatalf("placed with the card: %q", payURL)
	}
	var link string
	for _, path := range []string{"/cart", "/checkout"} {
		r := c.Get(path)
		doc := ooDoc(t, r)
		link = doc.Find(`[data-testid=awaiting-order-link]`).AttrOr("href", "")
		if r.Header.Get("Cache-Control") != "no-store" || !strings.HasPrefix(link, "/shop/orders/") ||
			!strings.Contains(doc.Find(`[data-testid=awaiting-order]`).Text(), "is waiting for its payment") {
			t.Fatalf("%s after leaving the card page: cache %q, link %q", path, r.Header.Get("Cache-Control"), link)
		}
	}
	o := placedOrder(t, a, link)
	page := ooDoc(t, c.Get(link))
	if page.Find(`[data-testid=pay-other] [data-testid=retry-form]`).Length() != 1 {
		t.Fatal("the order page offers no other way to pay")
	}
	if got := page.Find(`[data-testid=pay-other] input[name=provider]:checked`).AttrOr("value", ""); got == models.ProviderTestCard || got == "" {
		t.Errorf("'Pay another way' starts with %q, the method already under way", got)
	}

	r := c.PostForm("/shop/orders/"+itoa(o.ID)+"/retry", url.Values{"token": {o.AccessToken}, "provider": {models.ProviderWire}})
	if r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/shop/orders/") {
		t.Fatalf("pay by wire instead: %d -> %q", r.StatusCode, r.Header.Get("Location"))
	}
	txs, err := models.OrderTransactions(context.Background(), a.DB, o.ID)
	if err != nil || len(txs) != 2 {
		t.Fatalf("transactions %+v %v", txs, err)
	}
	states := map[string]string{}
	for _, tx := range txs {
		states[tx.Provider.Code] = tx.State
	}
	if states[models.ProviderTestCard] != models.TxCancel || states[models.ProviderWire] != models.TxPending {
		t.Fatalf("after switching: %v", states)
	}
	if r := c.PostForm(payURL, validCard(models.TestCardSuccess)); countRows(t, a,
		"SELECT count(*) FROM payment_transactions WHERE order_id = ? AND state = 'done'", o.ID) != 0 {
		t.Fatalf("the abandoned card page still charged (%d)", r.StatusCode)
	}
	page = ooDoc(t, c.Get(shop.OrderURL(o)))
	if got := page.Find(`[data-testid=wire-reference]`).Text(); got != o.Number() {
		t.Errorf("order page after switching to wire: reference %q", got)
	}
}

// A customer may decline a quotation sent to them, with a reason the sales
// rep reads in its history (Odoo's portal "Decline"); a reason too long
// changes nothing, and a web order cannot be "declined".
func TestCustomerDeclinesAQuotation(t *testing.T) {
	a := testapp.Start(t)
	o := qaSend(t, a, ooQuotation(t, a, "Dora Decline", "1"))
	c := a.Client(t)
	if ooDoc(t, c.Get(shop.OrderURL(o))).Find(`[data-testid=decline-form]`).Length() != 1 {
		t.Fatal("the quotation's page offers no way to decline it")
	}
	decline := func(id int64, token, reason string) *testapp.Response {
		return c.PostForm("/shop/orders/"+itoa(id)+"/decline", url.Values{"token": {token}, "reason": {reason}})
	}
	if r := decline(o.ID, o.AccessToken, strings.Repeat("x", 1001)); r.StatusCode != http.StatusSeeOther || qaOrder(t, a, o.ID).State != models.OrderSent {
		t.Fatalf("a reason of 1001 characters: %d, state %s", r.StatusCode, qaOrder(t, a, o.ID).State)
	}
	if r := decline(o.ID, "wrong", "no"); r.StatusCode != http.StatusNotFound {
		t.Fatalf("declined without the token: %d", r.StatusCode)
	}
	if r := decline(o.ID, o.AccessToken, "Found it cheaper elsewhere."); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("decline: %d", r.StatusCode)
	}
	if got := qaOrder(t, a, o.ID); got.State != models.OrderCancel {
		t.Fatalf("declined quotation is %s", got.State)
	}
	page := ooDoc(t, c.Get(shop.OrderURL(o)))
	if page.Find(`[data-testid=quotation-cancelled]`).Length() != 1 || page.Find(`[data-testid=retry-form]`).Length() != 0 {
		t.Fatal("the declined quotation's page still offers to accept it")
	}
	h, err := models.History(context.Background(), a.DB, "sale_order", o.ID)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, e := range h {
		found = found || e.Body == "Quotation declined by the customer: Found it cheaper elsewhere."
	}
	if !found {
		t.Errorf("the history lacks the customer's reason: %+v", h)
	}

	web := a.Client(t)
	wire := placedOrder(t, a, omBuy(t, a, web, models.ProviderWire))
	web.PostForm("/shop/orders/"+itoa(wire.ID)+"/decline", url.Values{"token": {wire.AccessToken}})
	if got := qaOrder(t, a, wire.ID); got.State != models.OrderSent {
		t.Fatalf("a web order was declined: %s", got.State)
	}
}
