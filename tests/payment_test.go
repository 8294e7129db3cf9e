package tests

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"orderflow/models"
	"orderflow/tests/testapp"
	"orderflow/views/shop"
)

// payEnv is a running app with a placed test card order of two units of a
// stocked product.
type payEnv struct {
	t       *testing.T
	app     *testapp.App
	variant int64
	order   *models.SaleOrder
	tx      *models.PaymentTransaction
	secret  string
}

func newPayEnv(t *testing.T) *payEnv {
	t.Helper()
	app := testapp.Start(t)
	e := &payEnv{t: t, app: app, variant: stockedVariant(t, app)}
	e.order, e.tx = placeTestCardOrder(t, app, e.variant)
	p, err := models.GetPaymentProvider(t.Context(), app.DB, models.ProviderTestCard)
	if err != nil {
		t.Fatal(err)
	}
	e.secret = p.WebhookSecret
	return e
}

// stockedVariant is a published storable variant with at least 5 free units.
func stockedVariant(t *testing.T, app *testapp.App) int64 {
	t.Helper()
	var id int64
	err := app.DB.NewRaw(`SELECT v.id FROM product_variants v
		JOIN product_templates pt ON pt.id = v.template_id
		JOIN stock_quants q ON q.variant_id = v.id
		JOIN stock_locations l ON l.id = q.location_id AND l.usage = 'internal'
		WHERE pt.published AND pt.active AND v.active AND pt.type = 'storable' AND pt.tracking = 'none'
		GROUP BY v.id HAVING sum(q.quantity - q.reserved_quantity) >= 5 ORDER BY v.id LIMIT 1`).Scan(t.Context(), &id)
	if err != nil {
		t.Fatalf("a stocked variant: %v", err)
	}
	return id
}

// placeTestCardOrder puts two units of variant in a guest cart and places
// it with the test card, as the checkout does.
func placeTestCardOrder(t *testing.T, app *testapp.App, variant int64) (*models.SaleOrder, *models.PaymentTransaction) {
	t.Helper()
	ctx, db := t.Context(), app.DB
	cart, err := models.AddToCart(ctx, db, models.CartOwner{}, variant, "2")
	if err != nil {
		t.Fatalf("add to cart: %v", err)
	}
	owner := models.CartOwner{CartID: cart.Order.ID}
	addr := models.AddressInput{Name: "Ada Shopper", Email: "ada@example.com", Street: "1 Main Street", City: "Ghent", Zip: "9000", CountryCode: "BE"}
	if _, err := models.SetCheckoutAddresses(ctx, db, owner, models.CheckoutAddresses{Billing: addr}); err != nil {
		t.Fatalf("addresses: %v", err)
	}
	var carrierID int64
	if err := db.NewRaw("SELECT id FROM carriers WHERE name = 'Standard delivery'").Scan(ctx, &carrierID); err != nil {
		t.Fatal(err)
	}
	if _, err := models.SetOrderCarrier(ctx, db, owner.CartID, carrierID); err != nil {
		t.Fatalf("carrier: %v", err)
	}
	pl, err := models.PlaceOrder(ctx, db, models.NoCustomerMail, owner.CartID, models.PlaceInput{Provider: models.ProviderTestCard}, 0)
	if err != nil {
		t.Fatalf("place: %v", err)
	}
	if pl.PayURL != "/pay/test/"+models.TestCardSessionID(pl.Transaction) || !strings.HasPrefix(pl.PayURL, "/pay/test/"+pl.Transaction.Reference+".") {
		t.Fatalf("pay URL %q", pl.PayURL)
	}
	return pl.Order, pl.Transaction
}

// samplePaymentReference is an open test card payment, for the role matrix.
func samplePaymentReference(t *testing.T, app *testapp.App) string {
	t.Helper()
	_, tx := placeTestCardOrder(t, app, stockedVariant(t, app))
	return models.TestCardSessionID(tx)
}

func (e *payEnv) reload() (*models.SaleOrder, *models.PaymentTransaction) {
	e.t.Helper()
	o, err := models.GetOrder(e.t.Context(), e.app.DB, e.order.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	tx, err := models.GetTransaction(e.t.Context(), e.app.DB, e.tx.Reference)
	if err != nil {
		e.t.Fatal(err)
	}
	return o, tx
}

func (e *payEnv) reserved() decimal.Decimal {
	e.t.Helper()
	var d decimal.Decimal
	if err := e.app.DB.NewRaw("SELECT coalesce(sum(reserved_quantity), 0) FROM stock_quants WHERE variant_id = ?", e.variant).Scan(e.t.Context(), &d); err != nil {
		e.t.Fatal(err)
	}
	return d
}

func (e *payEnv) count(query string, args ...any) int {
	e.t.Helper()
	var n int
	if err := e.app.DB.NewRaw(query, args...).Scan(e.t.Context(), &n); err != nil {
		e.t.Fatal(err)
	}
	return n
}

func (e *payEnv) payURL() string { return "/pay/test/" + models.TestCardSessionID(e.tx) }

func validCard(number string) url.Values {
	return url.Values{"card_number": {number}, "expiry": {time.Now().AddDate(2, 0, 0).Format("01/06")}, "cvc": {"123"}, "card_name": {"Ada Shopper"}}
}

// assertConfirmed checks the order is confirmed and paid, with a delivery
// holding the reserved units.
func (e *payEnv) assertConfirmed(reservedBefore decimal.Decimal) {
	e.t.Helper()
	o, tx := e.reload()
	if o.State != models.OrderSale || o.PaymentStatus != models.PaymentPaid || tx.State != models.TxDone {
		e.t.Fatalf("order %s / %s, transaction %s; want sale / paid, done", o.State, o.PaymentStatus, tx.State)
	}
	if got := e.count("SELECT count(*) FROM stock_pickings WHERE sale_order_id = ? AND state = 'assigned'", o.ID); got != 1 {
		e.t.Fatalf("%d ready deliveries, want 1", got)
	}
	if got := e.reserved().Sub(reservedBefore); !got.Equal(decimal.NewFromInt(2)) {
		e.t.Fatalf("reserved %s more, want 2", got)
	}
}

func TestPayTestCardSuccess(t *testing.T) {
	e := newPayEnv(t)
	before := e.reserved()
	c := e.app.Client(t)

	r := c.Get(e.payURL())
	if r.StatusCode != http.StatusOK {
		t.Fatalf("hosted page: %d", r.StatusCode)
	}
	for _, want := range []string{`data-testid="pay-form"`, "Orderflow <strong>Test Payments</strong>", "no real money", "Test Shop",
		*e.order.Name, "Pay €" + e.order.AmountTotal.StringFixed(2), "4242 4242 4242 4242", "4000 0000 0000 0002", "4000 0000 0000 3220",
		"Cancel and return to the shop"} {
		if !strings.Contains(r.Body, want) {
			t.Errorf("hosted page lacks %q", want)
		}
	}

	// Bad input: 422 with a message per field, nothing sent.
	r = c.PostForm(e.payURL(), url.Values{"card_number": {"4242 4242 4242 4241"}, "expiry": {"01/20"}, "cvc": {"1"}, "card_name": {""}})
	if r.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("bad card: %d", r.StatusCode)
	}
	for _, f := range []string{"card_number", "expiry", "cvc", "card_name"} {
		if !strings.Contains(r.Body, `data-testid="error-`+f+`"`) {
			t.Errorf("no message for %s", f)
		}
	}
	if strings.Contains(r.Body, `value="1"`) {
		t.Error("the CVC is echoed back")
	}
	if n := e.count("SELECT count(*) FROM webhook_events"); n != 0 {
		t.Fatalf("%d webhooks after a refused form", n)
	}
	if _, tx := e.reload(); tx.State != models.TxDraft {
		t.Fatalf("transaction %s after a refused form", tx.State)
	}

	r = c.PostForm(e.payURL(), validCard("4242 4242 4242 4242"))
	if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != shop.OrderURL(e.order) {
		t.Fatalf("pay: %d -> %q, want 303 to %s", r.StatusCode, r.Header.Get("Location"), shop.OrderURL(e.order))
	}
	e.assertConfirmed(before)
	if _, tx := e.reload(); tx.CardLast4 != "4242" || !strings.HasPrefix(tx.ProviderReference, "tc_") {
		t.Fatalf("transaction card %q provider ref %q", tx.CardLast4, tx.ProviderReference)
	}
	if n := e.count("SELECT count(*) FROM webhook_events WHERE status = 'processed' AND event_id LIKE 'evt_%'"); n != 1 {
		t.Fatalf("%d processed webhooks, want 1", n)
	}

	// A paid transaction cannot be paid again.
	r = c.Get(e.payURL())
	if r.StatusCode != http.StatusOK || strings.Contains(r.Body, `data-testid="pay-form"`) || !strings.Contains(r.Body, "Payment complete") ||
		!strings.Contains(r.Body, `href="`+strings.ReplaceAll(shop.OrderURL(e.order), "&", "&amp;")+`"`) {
		t.Fatalf("hosted page of a paid transaction: %d\n%s", r.StatusCode, r.Body)
	}
	r = c.PostForm(e.payURL(), validCard("4242424242424242"))
	if r.StatusCode != http.StatusConflict || strings.Contains(r.Body, `data-testid="pay-form"`) {
		t.Fatalf("paying twice: %d", r.StatusCode)
	}
	if n := e.count("SELECT count(*) FROM webhook_events"); n != 1 {
		t.Fatalf("%d webhooks after paying twice, want 1", n)
	}
	if r := c.Get("/pay/test/S99999-1"); r.StatusCode != http.StatusNotFound {
		t.Fatalf("unknown reference: %d", r.StatusCode)
	}
	// The page is addressed by a signed id: a guessed reference, or a
	// forged signature, opens (and cancels) nothing.
	for _, id := range []string{e.tx.Reference, e.tx.Reference + ".0123456789abcdef0123456789abcdef"} {
		if r := c.Get("/pay/test/" + id); r.StatusCode != http.StatusNotFound {
			t.Errorf("payment page %s: %d, want 404", id, r.StatusCode)
		}
		if r := c.PostForm("/pay/test/"+id+"/cancel", url.Values{}); r.StatusCode != http.StatusNotFound {
			t.Errorf("cancel through %s: %d, want 404", id, r.StatusCode)
		}
	}
}

func TestPayTestCardDeclined(t *testing.T) {
	e := newPayEnv(t)
	c := e.app.Client(t)
	r := c.PostForm(e.payURL(), validCard("4000 0000 0000 0002"))
	if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != shop.OrderURL(e.order) {
		t.Fatalf("declined: %d -> %q", r.StatusCode, r.Header.Get("Location"))
	}
	o, tx := e.reload()
	if o.State != models.OrderSent || o.PaymentStatus != models.PaymentNotPaid || tx.State != models.TxError || !strings.Contains(tx.StateMessage, "declined") {
		t.Fatalf("after a decline: order %s / %s, transaction %s %q", o.State, o.PaymentStatus, tx.State, tx.StateMessage)
	}
	if n := e.count("SELECT count(*) FROM stock_pickings WHERE sale_order_id = ?", o.ID); n != 0 {
		t.Fatalf("%d deliveries for a declined order", n)
	}
	// The order page (built by the checkout work) tells the truth.
	if r := c.Get(shop.OrderURL(e.order)); r.StatusCode != http.StatusOK {
		t.Errorf("order page after a decline: %d", r.StatusCode)
	} else {
		doc := ooDoc(t, r)
		status := doc.Find(`[data-testid=payment-status]`)
		if status.Length() != 1 || status.AttrOr("data-status", "") != "declined" || !strings.Contains(status.Text(), "Payment declined") {
			t.Errorf("order page payment status: %d element(s), data-status %q, text %q; want declined saying Payment declined",
				status.Length(), status.AttrOr("data-status", ""), strings.TrimSpace(status.Text()))
		}
		if doc.Find(`[data-testid=retry-form]`).Length() != 1 {
			t.Errorf("the order page offers no retry form after a decline")
		}
	}
	r = c.Get(e.payURL())
	if !strings.Contains(r.Body, "Payment declined") || strings.Contains(r.Body, `data-testid="pay-form"`) {
		t.Fatalf("hosted page after a decline offers to pay:\n%s", r.Body)
	}

	// Another valid number is declined as unsupported; placing again starts
	// a new transaction.
	e.placeAgain()
	r = c.PostForm(e.payURL(), validCard("5555 5555 5555 4444"))
	if _, tx := e.reload(); r.StatusCode != http.StatusSeeOther || tx.State != models.TxError || !strings.Contains(tx.StateMessage, "not supported in test mode") {
		t.Fatalf("unsupported card: %d, %s %q", r.StatusCode, tx.State, tx.StateMessage)
	}
}

// placeAgain places the same order again after a failed payment: a new
// transaction for it.
func (e *payEnv) placeAgain() {
	e.t.Helper()
	pl, err := models.PlaceOrder(e.t.Context(), e.app.DB, models.NoCustomerMail, e.order.ID, models.PlaceInput{Provider: models.ProviderTestCard}, 0)
	if err != nil {
		e.t.Fatal(err)
	}
	if pl.Transaction.Reference == e.tx.Reference {
		e.t.Fatalf("placing again reuses %s", e.tx.Reference)
	}
	e.tx = pl.Transaction
}

func TestPayTestCard3DSecure(t *testing.T) {
	e := newPayEnv(t)
	before := e.reserved()
	c := e.app.Client(t)
	r := c.PostForm(e.payURL(), validCard("4000000000003220"))
	loc := r.Header.Get("Location")
	if r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, e.payURL()+"/3ds?challenge=") {
		t.Fatalf("3-D Secure card: %d -> %q", r.StatusCode, loc)
	}
	if o, tx := e.reload(); tx.State != models.TxPending || o.State != models.OrderSent || o.PaymentStatus != models.PaymentPending {
		t.Fatalf("waiting for 3-D Secure: transaction %s, order %s / %s", tx.State, o.State, o.PaymentStatus)
	}
	r = c.Get(loc)
	if r.StatusCode != http.StatusOK || !strings.Contains(r.Body, "Complete authentication") || !strings.Contains(r.Body, "Fail authentication") ||
		!strings.Contains(r.Body, `data-testid="pay-3ds-card">3220<`) {
		t.Fatalf("challenge page: %d\n%s", r.StatusCode, r.Body)
	}
	// A forged challenge is refused.
	u, _ := url.Parse(loc)
	challenge := u.Query().Get("challenge")
	r = c.PostForm(e.payURL()+"/3ds", url.Values{"challenge": {challenge + "x"}, "result": {"complete"}})
	if r.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("forged challenge: %d", r.StatusCode)
	}
	if r := c.Get(e.payURL() + "/3ds"); r.StatusCode != http.StatusOK || !strings.Contains(r.Body, `data-testid="pay-challenge-invalid"`) {
		t.Fatalf("challenge page without a challenge: %d", r.StatusCode)
	}
	r = c.PostForm(e.payURL()+"/3ds", url.Values{"challenge": {challenge}, "result": {"complete"}})
	if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != shop.OrderURL(e.order) {
		t.Fatalf("complete: %d -> %q", r.StatusCode, r.Header.Get("Location"))
	}
	e.assertConfirmed(before)
	if _, tx := e.reload(); tx.CardLast4 != "3220" {
		t.Fatalf("card %q", tx.CardLast4)
	}
	// The challenge cannot be answered again.
	r = c.PostForm(e.payURL()+"/3ds", url.Values{"challenge": {challenge}, "result": {"fail"}})
	if r.StatusCode != http.StatusConflict {
		t.Fatalf("second answer to the challenge: %d", r.StatusCode)
	}
}

func TestPayTestCard3DSecureFailAndCancel(t *testing.T) {
	e := newPayEnv(t)
	c := e.app.Client(t)
	r := c.PostForm(e.payURL(), validCard("4000000000003220"))
	u, _ := url.Parse(r.Header.Get("Location"))
	r = c.PostForm(e.payURL()+"/3ds", url.Values{"challenge": {u.Query().Get("challenge")}, "result": {"fail"}})
	if o, tx := e.reload(); r.StatusCode != http.StatusSeeOther || tx.State != models.TxError || o.State != models.OrderSent {
		t.Fatalf("failed authentication: %d, transaction %s, order %s", r.StatusCode, tx.State, o.State)
	}

	e.placeAgain()
	r = c.PostForm(e.payURL()+"/cancel", nil)
	if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != shop.OrderURL(e.order) {
		t.Fatalf("cancel: %d -> %q", r.StatusCode, r.Header.Get("Location"))
	}
	if o, tx := e.reload(); tx.State != models.TxCancel || o.State != models.OrderSent {
		t.Fatalf("cancelled: transaction %s, order %s", tx.State, o.State)
	}
	if r := c.Get(e.payURL()); !strings.Contains(r.Body, "Payment cancelled") || strings.Contains(r.Body, `data-testid="pay-form"`) {
		t.Fatalf("hosted page after cancel:\n%s", r.Body)
	}
}

// postWebhook sends a webhook the way the provider does.
func (e *payEnv) postWebhook(body []byte, header string) (int, string) {
	e.t.Helper()
	req, err := http.NewRequest(http.MethodPost, e.app.URL+"/webhooks/test-card", bytes.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(models.WebhookSignatureHeader, header)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Error(err)
		return 0, ""
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func (e *payEnv) event(id, amount string) []byte {
	e.t.Helper()
	b, err := json.Marshal(models.TestCardEvent{ID: id, Type: models.EventPaymentSucceeded, Reference: e.tx.Reference, Amount: amount,
		Currency: "EUR", ProviderReference: "tc_test", CardLast4: "4242", Created: time.Now().Unix()})
	if err != nil {
		e.t.Fatal(err)
	}
	return b
}

func (e *payEnv) logged(eventID string) []string {
	e.t.Helper()
	var out []string
	if err := e.app.DB.NewRaw("SELECT status FROM webhook_events WHERE event_id = ? ORDER BY id", eventID).Scan(e.t.Context(), &out); err != nil {
		e.t.Fatal(err)
	}
	return out
}

func TestTestCardWebhookRefusals(t *testing.T) {
	e := newPayEnv(t)
	before := e.reserved()
	now := time.Now()
	total := e.tx.Amount.StringFixed(2)
	notConfirmed := func(what string) {
		t.Helper()
		if o, tx := e.reload(); o.State != models.OrderSent || tx.State != models.TxDraft {
			t.Fatalf("after %s: order %s, transaction %s", what, o.State, tx.State)
		}
	}

	body := e.event("evt_badsig", total)
	if st, _ := e.postWebhook(body, models.WebhookSignature("wrong-secret", now.Unix(), body)); st != http.StatusBadRequest {
		t.Fatalf("bad signature: %d", st)
	}
	notConfirmed("a bad signature")
	body = e.event("evt_old", total)
	if st, _ := e.postWebhook(body, models.WebhookSignature(e.secret, now.Add(-6*time.Minute).Unix(), body)); st != http.StatusBadRequest {
		t.Fatalf("old timestamp: %d", st)
	}
	notConfirmed("an old timestamp")
	if st, _ := e.postWebhook([]byte("{not json"), models.WebhookSignature(e.secret, now.Unix(), []byte("{not json"))); st != http.StatusBadRequest {
		t.Fatalf("bad JSON: %d", st)
	}
	if st, _ := e.postWebhook(body, "garbage"); st != http.StatusBadRequest {
		t.Fatalf("malformed header: %d", st)
	}
	body = e.event("evt_cheap", "0.01")
	if st, resp := e.postWebhook(body, models.WebhookSignature(e.secret, now.Unix(), body)); st != http.StatusConflict || !strings.Contains(resp, "not confirmed") {
		t.Fatalf("wrong amount: %d %s", st, resp)
	}
	notConfirmed("a wrong amount")

	// The right event confirms; its replay changes nothing and says so.
	body = e.event("evt_good", total)
	header := models.WebhookSignature(e.secret, now.Unix(), body)
	if st, resp := e.postWebhook(body, header); st != http.StatusOK || !strings.Contains(resp, `"processed"`) {
		t.Fatalf("good event: %d %s", st, resp)
	}
	e.assertConfirmed(before)
	if st, resp := e.postWebhook(body, header); st != http.StatusOK || !strings.Contains(resp, `"duplicate"`) {
		t.Fatalf("replay: %d %s", st, resp)
	}
	e.assertConfirmed(before)

	for id, want := range map[string]string{"evt_badsig": "rejected", "evt_old": "rejected rejected", "evt_cheap": "rejected", "evt_good": "processed duplicate"} {
		if got := strings.Join(e.logged(id), " "); got != want {
			t.Errorf("log of %s: %q, want %q", id, got, want)
		}
	}
	if n := e.count("SELECT count(*) FROM webhook_events WHERE remote_addr = '127.0.0.1' AND payload <> ''"); n != 7 {
		t.Errorf("%d webhooks logged with address and payload, want 7", n)
	}
	if n := e.count("SELECT count(*) FROM history_entries WHERE res_model = 'sale_order' AND res_id = ? AND body LIKE '%received%'", e.order.ID); n != 1 {
		t.Errorf("%d payment received entries in the history, want 1", n)
	}
}

func TestTestCardWebhookConcurrentDeliveries(t *testing.T) {
	e := newPayEnv(t)
	before := e.reserved()
	body := e.event("evt_twice", e.tx.Amount.StringFixed(2))
	header := models.WebhookSignature(e.secret, time.Now().Unix(), body)
	const n = 6
	var wg sync.WaitGroup
	codes := make([]int, n)
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			codes[i], _ = e.postWebhook(body, header)
		}()
	}
	close(start)
	wg.Wait()
	for i, c := range codes {
		if c != http.StatusOK {
			t.Errorf("delivery %d: %d", i, c)
		}
	}
	e.assertConfirmed(before)
	log := e.logged("evt_twice")
	processed := 0
	for _, s := range log {
		if s == "processed" {
			processed++
		} else if s != "duplicate" {
			t.Errorf("logged %s", s)
		}
	}
	if processed != 1 || len(log) != n {
		t.Fatalf("log %v: want one processed among %d", log, n)
	}
	if got := e.count("SELECT count(*) FROM history_entries WHERE res_model = 'sale_order' AND res_id = ? AND body LIKE '%received%'", e.order.ID); got != 1 {
		t.Fatalf("%d payment received entries in the history, want 1", got)
	}
}
