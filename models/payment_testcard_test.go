package models_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"orderflow/models"
)

func TestVerifyWebhook(t *testing.T) {
	const secret = "s3cret"
	now := time.Unix(1_800_000_000, 0)
	body := []byte(`{"id":"evt_1","type":"payment.succeeded"}`)
	good := models.WebhookSignature(secret, now.Unix(), body)
	if want := fmt.Sprintf("t=%d,v1=%s", now.Unix(), models.SignWebhook(secret, now.Unix(), body)); good != want {
		t.Fatalf("header %q, want %q", good, want)
	}
	cases := []struct {
		name   string
		header string
		body   []byte
		secret string
		want   error // nil: accepted
	}{
		{"good", good, body, secret, nil},
		{"good with spaces and a second signature", fmt.Sprintf("t=%d, v1=%s, v1=%s", now.Unix(), strings.Repeat("ab", 32), models.SignWebhook(secret, now.Unix(), body)), body, secret, nil},
		{"tampered body", good, []byte(`{"id":"evt_1","type":"payment.succeeded","x":1}`), secret, models.ErrWebhookSignature},
		{"wrong secret", good, body, "other", models.ErrWebhookSignature},
		{"no secret configured", good, body, "", models.ErrWebhookSignature},
		{"signature of another timestamp", fmt.Sprintf("t=%d,v1=%s", now.Unix()+1, models.SignWebhook(secret, now.Unix(), body)), body, secret, models.ErrWebhookSignature},
		{"old timestamp", models.WebhookSignature(secret, now.Add(-6*time.Minute).Unix(), body), body, secret, models.ErrWebhookTimestamp},
		{"future timestamp", models.WebhookSignature(secret, now.Add(6*time.Minute).Unix(), body), body, secret, models.ErrWebhookTimestamp},
		{"just inside the tolerance", models.WebhookSignature(secret, now.Add(-5*time.Minute).Unix(), body), body, secret, nil},
		{"empty header", "", body, secret, models.ErrWebhookHeader},
		{"no timestamp", "v1=" + models.SignWebhook(secret, now.Unix(), body), body, secret, models.ErrWebhookHeader},
		{"no signature", fmt.Sprintf("t=%d", now.Unix()), body, secret, models.ErrWebhookHeader},
		{"garbage", "hello", body, secret, models.ErrWebhookHeader},
		{"bad timestamp", "t=yesterday,v1=" + models.SignWebhook(secret, now.Unix(), body), body, secret, models.ErrWebhookHeader},
		{"short signature", fmt.Sprintf("t=%d,v1=abcd", now.Unix()), body, secret, models.ErrWebhookHeader},
		{"not hex", fmt.Sprintf("t=%d,v1=%s", now.Unix(), strings.Repeat("zz", 32)), body, secret, models.ErrWebhookHeader},
	}
	for _, c := range cases {
		err := models.VerifyWebhook(c.secret, c.header, c.body, now, models.WebhookTolerance)
		switch {
		case c.want == nil && err != nil:
			t.Errorf("%s: %v, want accepted", c.name, err)
		case c.want != nil && !errors.Is(err, c.want):
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		case c.want != nil && models.ErrorCode(err) != models.EINVALID:
			t.Errorf("%s: code %s, want invalid", c.name, models.ErrorCode(err))
		}
	}
}

func TestLuhn(t *testing.T) {
	for n, want := range map[string]bool{
		models.TestCardSuccess: true, models.TestCardDeclined: true, models.TestCard3DS: true,
		"5555555555554444": true, "378282246310005": true, "79927398713": true,
		"4242424242424241": false, "79927398710": false, "1234567812345678": false, "": false, "0": false, "42a2": false,
	} {
		if got := models.LuhnValid(n); got != want {
			t.Errorf("LuhnValid(%q) = %v, want %v", n, got, want)
		}
	}
}

func TestCardInputValidate(t *testing.T) {
	now := time.Date(2027, 3, 15, 12, 0, 0, 0, time.UTC)
	ok := models.CardInput{Number: "4242 4242 4242 4242", Expiry: "03/27", CVC: "123", Name: "Ada Shopper"}
	if err := ok.Validate(now); err != nil {
		t.Fatalf("valid card: %v", err)
	}
	for _, e := range []string{"3/27", "03 / 2027", "0327", "12/45"} {
		in := ok
		in.Expiry = e
		if err := in.Validate(now); err != nil {
			t.Errorf("expiry %q: %v", e, err)
		}
	}
	cases := []struct {
		field string
		edit  func(*models.CardInput)
		msg   string
	}{
		{"card_number", func(in *models.CardInput) { in.Number = "" }, "Enter the card number."},
		{"card_number", func(in *models.CardInput) { in.Number = "4242 4242 4242 4241" }, "not valid"},
		{"card_number", func(in *models.CardInput) { in.Number = "4242abcd" }, "12 to 19 digits"},
		{"expiry", func(in *models.CardInput) { in.Expiry = "02/27" }, "expired"},
		{"expiry", func(in *models.CardInput) { in.Expiry = "13/28" }, "between 01 and 12"},
		{"expiry", func(in *models.CardInput) { in.Expiry = "soon" }, "MM/YY"},
		{"cvc", func(in *models.CardInput) { in.CVC = "12" }, "3 or 4 digits"},
		{"cvc", func(in *models.CardInput) { in.CVC = "12345" }, "3 or 4 digits"},
		{"cvc", func(in *models.CardInput) { in.CVC = "12a" }, "3 or 4 digits"},
		{"card_name", func(in *models.CardInput) { in.Name = "  " }, "name on the card"},
	}
	for _, c := range cases {
		in := ok
		c.edit(&in)
		err := in.Validate(now)
		f := models.FieldErrors(err)
		if models.ErrorCode(err) != models.EINVALID || !strings.Contains(f[c.field], c.msg) || len(f) != 1 {
			t.Errorf("%+v: %v (fields %v), want %s: %q", in, err, f, c.field, c.msg)
		}
	}
}

// signedEvent is a webhook body for ev and its signature header.
func signedEvent(t *testing.T, secret string, ev models.TestCardEvent, at time.Time) ([]byte, string) {
	t.Helper()
	b, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	return b, models.WebhookSignature(secret, at.Unix(), b)
}

func TestProcessTestCardWebhook(t *testing.T) {
	e := newSaleEnv(t, 1)
	v := e.product("Mug", models.TrackingNone)
	e.count(v, *e.wh.StockLocationID, 10, "")
	pl := e.checkout(models.ProviderTestCard, map[int64]int{v: 2})
	tx := pl.Transaction
	provider, err := models.GetPaymentProvider(e.ctx, e.db, models.ProviderTestCard)
	if err != nil || len(provider.WebhookSecret) < 32 {
		t.Fatalf("provider %v secret %q", err, provider.WebhookSecret)
	}
	now := time.Now()
	ev := models.TestCardEvent{ID: "evt_a", Type: models.EventPaymentSucceeded, Reference: tx.Reference, Amount: "25.00", Currency: "EUR",
		ProviderReference: "tc_1", CardLast4: "4242", Created: now.Unix()}
	process := func(ev models.TestCardEvent, secret string, at time.Time) (string, error) {
		body, header := signedEvent(t, secret, ev, at)
		return models.ProcessTestCardWebhook(e.ctx, e.db, models.NoCustomerMail, header, body, "192.0.2.1", now)
	}

	// Wrong amount, wrong currency, wrong secret, old timestamp, unknown
	// type or reference: rejected, nothing confirmed.
	wrong := ev
	wrong.ID, wrong.Amount = "evt_wrong", "24.99"
	if st, err := process(wrong, provider.WebhookSecret, now); st != models.WebhookRejected || models.ErrorCode(err) != models.ECONFLICT {
		t.Fatalf("wrong amount: %s %v", st, err)
	}
	over := ev
	over.ID, over.Amount = "evt_over", "25.01"
	if st, err := process(over, provider.WebhookSecret, now); st != models.WebhookRejected || models.ErrorCode(err) != models.ECONFLICT {
		t.Fatalf("more than the amount: %s %v", st, err)
	}
	wrongCur := ev
	wrongCur.ID, wrongCur.Currency = "evt_cur", "USD"
	if st, err := process(wrongCur, provider.WebhookSecret, now); st != models.WebhookRejected || models.ErrorCode(err) != models.ECONFLICT {
		t.Fatalf("wrong currency: %s %v", st, err)
	}
	if st, err := process(ev, "not-the-secret", now); st != models.WebhookRejected || !errors.Is(err, models.ErrWebhookSignature) {
		t.Fatalf("bad signature: %s %v", st, err)
	}
	if st, err := process(ev, provider.WebhookSecret, now.Add(-10*time.Minute)); st != models.WebhookRejected || !errors.Is(err, models.ErrWebhookTimestamp) {
		t.Fatalf("old: %s %v", st, err)
	}
	// Anyone can post to the endpoint: of a large unsigned body, the log
	// keeps the start only.
	big := []byte(`{"id":"evt_big","padding":"` + strings.Repeat("x", 250_000) + `"}`)
	if st, err := models.ProcessTestCardWebhook(e.ctx, e.db, models.NoCustomerMail, "t=1,v1=00", big, "192.0.2.1", now); st != models.WebhookRejected || err == nil {
		t.Fatalf("large unsigned body: %s %v", st, err)
	}
	var kept string
	if err := e.db.NewRaw("SELECT payload FROM webhook_events WHERE event_id = 'evt_big'").Scan(e.ctx, &kept); err != nil {
		t.Fatal(err)
	}
	if len(kept) > 2100 || !strings.HasSuffix(kept, "(250029 bytes in all)") {
		t.Fatalf("logged %d bytes of a refused 250 KB body, ending %q", len(kept), kept[max(0, len(kept)-40):])
	}
	bad := ev
	bad.ID, bad.Type = "evt_bad", "payment.refunded"
	if st, err := process(bad, provider.WebhookSecret, now); st != models.WebhookRejected || models.ErrorCode(err) != models.EINVALID {
		t.Fatalf("unknown type: %s %v", st, err)
	}
	unknown := ev
	unknown.ID, unknown.Reference = "evt_unknown", "S99999-1"
	if st, err := process(unknown, provider.WebhookSecret, now); st != models.WebhookRejected || models.ErrorCode(err) != models.ENOTFOUND {
		t.Fatalf("unknown reference: %s %v", st, err)
	}
	if o := e.order(pl.Order.ID); o.State != models.OrderSent || o.PaymentStatus != models.PaymentNotPaid {
		t.Fatalf("after refused webhooks: %s / %s", o.State, o.PaymentStatus)
	}

	// The right event confirms; its replay is a duplicate.
	if st, err := process(ev, provider.WebhookSecret, now); st != models.WebhookProcessed || err != nil {
		t.Fatalf("good event: %s %v", st, err)
	}
	o := e.order(pl.Order.ID)
	if o.State != models.OrderSale || o.PaymentStatus != models.PaymentPaid {
		t.Fatalf("paid: %s / %s", o.State, o.PaymentStatus)
	}
	got, _ := models.GetTransaction(e.ctx, e.db, tx.Reference)
	if got.State != models.TxDone || got.CardLast4 != "4242" || got.ProviderReference != "tc_1" {
		t.Fatalf("transaction %+v", got)
	}
	if st, err := process(ev, provider.WebhookSecret, now); st != models.WebhookDuplicate || err != nil {
		t.Fatalf("replay: %s %v", st, err)
	}
	// A late failure for a paid transaction is refused.
	late := ev
	late.ID, late.Type = "evt_late", models.EventPaymentFailed
	if st, err := process(late, provider.WebhookSecret, now); st != models.WebhookRejected || models.ErrorCode(err) != models.ECONFLICT {
		t.Fatalf("late failure: %s %v", st, err)
	}

	var log []models.WebhookEvent
	if err := e.db.NewSelect().Model(&log).Order("id").Scan(e.ctx); err != nil {
		t.Fatal(err)
	}
	var statuses []string
	for _, l := range log {
		statuses = append(statuses, l.EventID+":"+l.Status)
		if l.RemoteAddr != "192.0.2.1" || l.Payload == "" || l.Message == "" {
			t.Errorf("log row %+v lacks address, payload or message", l)
		}
	}
	want := "evt_wrong:rejected evt_over:rejected evt_cur:rejected evt_a:rejected evt_a:rejected evt_big:rejected evt_bad:rejected evt_unknown:rejected evt_a:processed evt_a:duplicate evt_late:rejected"
	if got := strings.Join(statuses, " "); got != want {
		t.Fatalf("log:\n%s\nwant\n%s", got, want)
	}
}

func TestChargeTestCard(t *testing.T) {
	e := newSaleEnv(t, 1)
	v := e.product("Mug", models.TrackingNone)
	e.count(v, *e.wh.StockLocationID, 10, "")
	pl := e.checkout(models.ProviderTestCard, map[int64]int{v: 1})
	ref := pl.Transaction.Reference
	card := func(n string) models.CardInput {
		return models.CardInput{Number: n, Expiry: time.Now().AddDate(1, 0, 0).Format("01/06"), CVC: "123", Name: "Ada"}
	}
	for n, want := range map[string]string{
		models.TestCardSuccess:  models.EventPaymentSucceeded,
		models.TestCardDeclined: models.EventPaymentFailed,
		models.TestCard3DS:      models.EventPaymentPending,
		"5555555555554444":      models.EventPaymentFailed,
	} {
		ch, err := models.ChargeTestCard(e.ctx, e.db, ref, card(n))
		if err != nil || ch.Event.Type != want || ch.Event.Amount != "15.00" || ch.Event.Currency != "EUR" || ch.Event.CardLast4 != n[12:] {
			t.Fatalf("card %s: %v %+v, want %s", n, err, ch, want)
		}
		if (ch.Challenge != "") != (n == models.TestCard3DS) {
			t.Fatalf("card %s: challenge %q", n, ch.Challenge)
		}
		if n == "5555555555554444" && !strings.Contains(ch.Event.Message, "not supported in test mode") {
			t.Fatalf("other card: %q", ch.Event.Message)
		}
		if n == models.TestCard3DS {
			if _, last4, err := models.CheckTestCardChallenge(e.ctx, e.db, ref, ch.Challenge); err != nil || last4 != "3220" {
				t.Fatalf("challenge: %v %q", err, last4)
			}
			done, err := models.AuthenticateTestCard(e.ctx, e.db, ref, ch.Challenge, true)
			if err != nil || done.Event.Type != models.EventPaymentSucceeded || done.Event.ProviderReference != ch.Event.ProviderReference {
				t.Fatalf("authenticate: %v %+v", err, done)
			}
			if _, err := models.AuthenticateTestCard(e.ctx, e.db, ref, ch.Challenge+"0", true); models.ErrorCode(err) != models.EINVALID {
				t.Fatalf("tampered challenge: %v", err)
			}
		}
	}
	if _, err := models.ChargeTestCard(e.ctx, e.db, ref, models.CardInput{Number: "4242"}); models.ErrorCode(err) != models.EINVALID {
		t.Fatalf("bad form: %v", err)
	}
	if _, err := models.ChargeTestCard(e.ctx, e.db, "S99999-1", card(models.TestCardSuccess)); models.ErrorCode(err) != models.ENOTFOUND {
		t.Fatalf("unknown: %v", err)
	}
	// Nothing is written by the page itself: the webhook does that.
	if got, _ := models.GetTransaction(e.ctx, e.db, ref); got.State != models.TxDraft {
		t.Fatalf("transaction %s after charges, want draft", got.State)
	}
	if _, err := models.SetTransactionState(e.ctx, e.db, models.NoCustomerMail, ref, models.TransactionUpdate{State: models.TxDone, Amount: pl.Transaction.Amount, CurrencyCode: "EUR"}, 0); err != nil {
		t.Fatal(err)
	}
	if ch, err := models.ChargeTestCard(e.ctx, e.db, ref, card(models.TestCardSuccess)); models.ErrorCode(err) != models.ECONFLICT || ch == nil || ch.Checkout.Payable() {
		t.Fatalf("paying twice: %v", err)
	}
	// A wire transfer has no hosted page.
	wire := e.checkout(models.ProviderWire, map[int64]int{v: 1})
	if _, err := models.GetTestCardCheckout(e.ctx, e.db, wire.Transaction.Reference); models.ErrorCode(err) != models.ENOTFOUND {
		t.Fatalf("wire checkout: %v", err)
	}
}
