package tests

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"orderflow/models"
	"orderflow/tests/testapp"
	"orderflow/views/shop"
)

// omBuy takes a guest through the shop's checkout with the standard
// carrier and provider, and returns the location the placing redirects to
// (the provider's page, or the order page).
func omBuy(t *testing.T, a *testapp.App, c *testapp.Client, provider string) string {
	t.Helper()
	addToCart(t, c, cartItems(t, a, 1, 5)[0].VariantID, "2")
	toPayment(t, a, c)
	ca, _ := standardCarrier(t, a)
	r := c.PostForm("/checkout/place", url.Values{"carrier_id": {itoa(ca.ID)}, "provider": {provider}})
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("place with %s: %d\n%s", provider, r.StatusCode, r.Body)
	}
	return r.Header.Get("Location")
}

// omPay pays on the test card page with card and returns the order the
// shopper lands on.
func omPay(t *testing.T, a *testapp.App, c *testapp.Client, payURL, card string) *models.SaleOrder {
	t.Helper()
	if !strings.HasPrefix(payURL, "/pay/test/") {
		t.Fatalf("placing with the test card went to %q", payURL)
	}
	r := c.PostForm(payURL, validCard(card))
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("pay with %s: %d\n%s", card, r.StatusCode, r.Body)
	}
	return placedOrder(t, a, r.Header.Get("Location"))
}

// omMails is the mail queued about an order, oldest first.
func omMails(t *testing.T, a *testapp.App, orderID int64) []models.MailMessage {
	t.Helper()
	var out []models.MailMessage
	if err := a.DB.NewSelect().Model(&out).Where("res_model = 'sale_order' AND res_id = ?", orderID).Order("id").Scan(context.Background()); err != nil {
		t.Fatal(err)
	}
	return out
}

var portalLink = regexp.MustCompile(`https?://\S+/shop/orders/\d+\?token=[0-9a-f]+`)

// omReplayWebhook sends the order's processed payment.succeeded webhook
// again, as a provider retrying it does (signed anew, same event), and
// returns the endpoint's answer.
func omReplayWebhook(t *testing.T, a *testapp.App, o *models.SaleOrder) string {
	t.Helper()
	ctx := context.Background()
	var payload string
	if err := a.DB.NewRaw(`SELECT w.payload FROM webhook_events w JOIN payment_transactions pt ON pt.reference = w.payload::json->>'reference'
		WHERE pt.order_id = ? AND w.status = 'processed' AND w.payload::json->>'type' = ? ORDER BY w.id LIMIT 1`, o.ID, models.EventPaymentSucceeded).Scan(ctx, &payload); err != nil {
		t.Fatalf("the processed webhook: %v", err)
	}
	p, err := models.GetPaymentProvider(ctx, a.DB, models.ProviderTestCard)
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodPost, a.URL+"/webhooks/test-card", strings.NewReader(payload))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(models.WebhookSignatureHeader, models.WebhookSignature(p.WebhookSecret, time.Now().Unix(), []byte(payload)))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("replayed webhook: %d %s", resp.StatusCode, b)
	}
	return string(b)
}

// A guest's card is declined, then they pay from the order page: the
// decline mails nothing; the payment mails the order confirmation once, to
// the checkout's email, with the order's total and a link that opens the
// order without a session. The provider retrying the webhook sends nothing
// more.
func TestOrderConfirmationMailedAfterTestCardPayment(t *testing.T) {
	ctx := context.Background()
	sink := startSMTPSink(t)
	a := startMailApp(t, sink, false)
	c := a.Client(t)
	o := omPay(t, a, c, omBuy(t, a, c, models.ProviderTestCard), models.TestCardDeclined)
	if o.State != models.OrderSent {
		t.Fatalf("order %s after a declined payment, want sent", o.State)
	}
	if round, err := a.Mailer.SendDue(ctx); err != nil || round != (models.MailRound{}) {
		t.Fatalf("send due after the decline: %+v %v", round, err)
	}
	if got := omMails(t, a, o.ID); len(got) != 0 || len(sink.Mails()) != 0 {
		t.Fatalf("%d mails queued, %d arrived after a declined payment; want none", len(got), len(sink.Mails()))
	}

	r := c.PostForm("/shop/orders/"+itoa(o.ID)+"/retry", url.Values{"token": {o.AccessToken}, "provider": {models.ProviderTestCard}})
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("pay again: %d", r.StatusCode)
	}
	o = omPay(t, a, c, r.Header.Get("Location"), models.TestCardSuccess)
	if o.State != models.OrderSale {
		t.Fatalf("order %s after paying, want sale", o.State)
	}
	round, err := a.Mailer.SendDue(ctx)
	if err != nil || round != (models.MailRound{Sent: 1}) {
		t.Fatalf("send due: %+v %v", round, err)
	}
	mails := sink.Mails()
	if len(mails) != 1 {
		t.Fatalf("%d mails arrived, want 1", len(mails))
	}
	m := mails[0]
	if got, want := m.Header.Get("To"), "<"+checkoutAddress().Get("billing_email")+">"; got != want {
		t.Fatalf("To %q, want %q", got, want)
	}
	if got, want := m.Header.Get("Subject"), "Your order "+o.Number()+" from "+company(t, a).Name; got != want {
		t.Fatalf("Subject %q, want %q", got, want)
	}
	body := mailBody(t, m)
	cur := company(t, a).Currency()
	for _, want := range []string{"Hello Ada Shopper", "Total: " + cur.Format(o.AmountTotal), "Payment: paid"} {
		if !strings.Contains(body, want) {
			t.Errorf("body lacks %q:\n%s", want, body)
		}
	}
	link := portalLink.FindString(body)
	if link != a.URL+shop.OrderURL(o) {
		t.Fatalf("portal link %q, want %s:\n%s", link, a.URL+shop.OrderURL(o), body)
	}
	// The link opens the order for someone without the shop's session.
	resp, err := http.Get(link)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(page), `data-testid="order-number">`+o.Number()+`<`) {
		t.Fatalf("GET the mail's link without a session: %d", resp.StatusCode)
	}

	// The provider delivers the webhook again: processed once, mailed once.
	if got := omReplayWebhook(t, a, o); !strings.Contains(got, `"status":"`+models.WebhookDuplicate+`"`) {
		t.Fatalf("replayed webhook answered %s", got)
	}
	if round, err := a.Mailer.SendDue(ctx); err != nil || round != (models.MailRound{}) {
		t.Fatalf("send due after the replay: %+v %v", round, err)
	}
	if got := omMails(t, a, o.ID); len(got) != 1 || len(sink.Mails()) != 1 {
		t.Fatalf("%d mails queued, %d arrived after the replay; want 1", len(got), len(sink.Mails()))
	}
}

// Without a mail server the confirmation is kept and listed under
// Outgoing mail, as quotations are. A wire transfer's order gets its
// payment instructions when placed, and the confirmation once the back
// office marks the money received.
func TestOrderMailKeptWithoutSMTP(t *testing.T) {
	a := testapp.Start(t)
	if a.Outbox.Delivers() {
		t.Fatal("an outbox that delivers without SMTP_URL")
	}
	c := a.Client(t)
	paid := omPay(t, a, c, omBuy(t, a, c, models.ProviderTestCard), models.TestCardSuccess)
	got := omMails(t, a, paid.ID)
	if len(got) != 1 || got[0].State != models.MailKept || !strings.Contains(got[0].Body, a.URL+shop.OrderURL(paid)) {
		t.Fatalf("mails of the paid order: %+v", got)
	}

	w := a.Client(t)
	wire := placedOrder(t, a, omBuy(t, a, w, models.ProviderWire))
	got = omMails(t, a, wire.ID)
	if len(got) != 1 || got[0].Subject != "Your order "+wire.Number()+": waiting for your payment" ||
		!strings.Contains(got[0].Body, "with the reference "+wire.Number()) || !strings.Contains(got[0].Body, "IBAN") ||
		!strings.Contains(got[0].Body, a.URL+shop.OrderURL(wire)) {
		t.Fatalf("mails of the wire order: %+v", got)
	}
	tx, err := models.OrderTransactions(context.Background(), a.DB, wire.ID)
	if err != nil || len(tx) != 1 {
		t.Fatalf("wire transactions %v %v", tx, err)
	}
	acc := a.LoginAs(t, "sales")
	if r := acc.PostForm("/office/orders/"+itoa(wire.ID)+"/payment-received", url.Values{"reference": {tx[0].Reference}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("payment received: %d\n%s", r.StatusCode, r.Body)
	}
	got = omMails(t, a, wire.ID)
	if len(got) != 2 || got[1].Subject != "Your order "+wire.Number()+" from "+company(t, a).Name || got[1].State != models.MailKept {
		t.Fatalf("mails of the wire order once paid: %+v", got)
	}

	doc := ooDoc(t, acc.Get("/office/mail"))
	if doc.Find(`[data-testid="mail-no-smtp"]`).Length() != 1 {
		t.Fatal("the mail page does not say that no mail server is configured")
	}
	subjects := doc.Find(`[data-testid="mail-row"] [data-testid="mail-link"]`).Map(func(_ int, s *goquery.Selection) string { return strings.TrimSpace(s.Text()) })
	for _, want := range []string{"Your order " + paid.Number() + " from " + company(t, a).Name, "Your order " + wire.Number() + ": waiting for your payment"} {
		found := false
		for _, s := range subjects {
			found = found || s == want
		}
		if !found {
			t.Errorf("/office/mail does not list %q: %q", want, subjects)
		}
	}
}

// A forged Host header changes nothing the server sends out: the customer's
// mail links to the shop's own address, and the test card provider posts
// its webhook to the shop, not to the host the request named.
func TestForgedHostHeaderIsNotTrusted(t *testing.T) {
	a := testapp.Start(t)
	w := a.Client(t)
	w.Host = "evil.example"
	wire := placedOrder(t, a, omBuy(t, a, w, models.ProviderWire))
	got := omMails(t, a, wire.ID)
	if len(got) != 1 || strings.Contains(got[0].Body, "evil.example") || !strings.Contains(got[0].Body, a.URL+shop.OrderURL(wire)) {
		t.Fatalf("payment instructions after a forged Host: %+v", got)
	}

	c := a.Client(t)
	c.Host = "127.0.0.1:9"
	paid := omPay(t, a, c, omBuy(t, a, c, models.ProviderTestCard), models.TestCardSuccess)
	if paid.State != models.OrderSale || paid.PaymentStatus != models.PaymentPaid {
		t.Fatalf("order paid with a forged Host: %s, payment %s; the webhook went elsewhere", paid.State, paid.PaymentStatus)
	}
}
