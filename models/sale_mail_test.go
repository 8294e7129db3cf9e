package models_test

import (
	"strconv"
	"strings"
	"testing"

	"orderflow/models"
)

// keptMail mails customers with no mail server configured: the mail is
// kept for the back office.
var keptMail = models.CustomerMail{PortalURL: portalURL}

func portalURL(o *models.SaleOrder) string {
	return "https://shop.example/shop/orders/" + strconv.FormatInt(o.ID, 10) + "?token=" + o.AccessToken
}

// mailsTo returns the mail queued about an order, oldest first.
func (e *saleEnv) mailsTo(orderID int64) []models.MailMessage {
	e.t.Helper()
	var out []models.MailMessage
	if err := e.db.NewSelect().Model(&out).Where("res_model = 'sale_order' AND res_id = ?", orderID).Order("id").Scan(e.ctx); err != nil {
		e.t.Fatal(err)
	}
	return out
}

func (e *saleEnv) companyName() string {
	e.t.Helper()
	co, err := models.GetCompany(e.ctx, e.db)
	if err != nil {
		e.t.Fatal(err)
	}
	return co.Name
}

func (e *saleEnv) historyHas(orderID int64, text string) bool {
	e.t.Helper()
	h, err := models.History(e.ctx, e.db, "sale_order", orderID)
	if err != nil {
		e.t.Fatal(err)
	}
	for _, l := range h {
		if strings.Contains(l.Body, text) {
			return true
		}
	}
	return false
}

func woken(box *models.Outbox) bool {
	select {
	case <-box.Wake():
		return true
	default:
		return false
	}
}

func TestPaidWebOrderMailsTheConfirmationOnce(t *testing.T) {
	e := newSaleEnv(t, 1)
	v := e.product("Mug", models.TrackingNone)
	e.count(v, *e.wh.StockLocationID, 10, "")
	box := models.NewOutbox(true)
	mail := models.CustomerMail{Box: box, PortalURL: portalURL}
	pl := e.checkoutMailed(mail, models.ProviderTestCard, map[int64]int{v: 3})
	o := pl.Order
	if got := e.mailsTo(o.ID); len(got) != 0 || woken(box) {
		t.Fatalf("%d mails when placing with the card, want none until it is paid", len(got))
	}
	pay := func(amount int64) (*models.PaymentTransaction, error) {
		return models.SetTransactionState(e.ctx, e.db, mail, pl.Transaction.Reference,
			models.TransactionUpdate{State: models.TxDone, Amount: dd(amount), CurrencyCode: "EUR"}, 0)
	}

	// A refused payment confirms nothing and mails nothing.
	if _, err := pay(34); models.ErrorCode(err) != models.ECONFLICT {
		t.Fatalf("wrong amount: %v", err)
	}
	if got := e.mailsTo(o.ID); len(got) != 0 || woken(box) {
		t.Fatalf("%d mails after a refused payment", len(got))
	}

	if _, err := pay(35); err != nil {
		t.Fatal(err)
	}
	got := e.mailsTo(o.ID)
	if len(got) != 1 {
		t.Fatalf("%d mails after the payment, want 1", len(got))
	}
	m := got[0]
	if m.To != "ada@example.com" || m.Subject != "Your order "+o.Number()+" from "+e.companyName() || m.State != models.MailOutgoing || m.CreatedBy != nil {
		t.Fatalf("mail to %q subject %q state %s by %v", m.To, m.Subject, m.State, m.CreatedBy)
	}
	for _, want := range []string{"Hello Ada Shopper,", o.Number(), "3 × Mug — €30.00", "Shipping: Post — €5.00", "Total: €35.00",
		"Payment: paid", portalURL(o)} {
		if !strings.Contains(m.Body, want) {
			t.Errorf("body lacks %q:\n%s", want, m.Body)
		}
	}
	if !woken(box) {
		t.Error("the outbox was not woken after the confirmation")
	}
	if !e.historyHas(o.ID, "Order confirmation sent by email to ada@example.com.") {
		t.Error("the history does not say the confirmation was mailed")
	}

	// The same news again (a replayed webhook) confirms nothing again.
	if _, err := pay(35); err != nil {
		t.Fatal(err)
	}
	if got := e.mailsTo(o.ID); len(got) != 1 || woken(box) {
		t.Fatalf("%d mails after the news came twice, want 1", len(got))
	}
}

// A confirmation that fails is rolled back with its mail: the mail is
// queued in the confirming transaction, so when it cannot be stored the
// payment is not recorded either (the provider retries the webhook).
func TestConfirmationMailIsPartOfTheConfirmation(t *testing.T) {
	e := newSaleEnv(t, 1)
	v := e.product("Mug", models.TrackingNone)
	e.count(v, *e.wh.StockLocationID, 10, "")
	pl := e.checkout(models.ProviderTestCard, map[int64]int{v: 1})
	if _, err := e.db.ExecContext(e.ctx, `
		CREATE FUNCTION refuse_mail() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN RAISE EXCEPTION 'mail refused for the test'; END $$;
		CREATE TRIGGER refuse_mail BEFORE INSERT ON mail_messages FOR EACH ROW EXECUTE FUNCTION refuse_mail();`); err != nil {
		t.Fatal(err)
	}
	_, err := models.SetTransactionState(e.ctx, e.db, keptMail, pl.Transaction.Reference,
		models.TransactionUpdate{State: models.TxDone, Amount: pl.Transaction.Amount, CurrencyCode: "EUR"}, 0)
	if err == nil {
		t.Fatal("the payment was recorded although its confirmation mail could not be queued")
	}
	if o := e.order(pl.Order.ID); o.State != models.OrderSent || o.PaymentStatus != models.PaymentNotPaid {
		t.Fatalf("order %s / %s after a failed confirmation, want sent / not paid", o.State, o.PaymentStatus)
	}
	if n := e.countRows("stock_pickings", "sale_order_id = ?", pl.Order.ID); n != 0 {
		t.Fatalf("%d deliveries after a failed confirmation", n)
	}
}

func TestWireOrderMailsInstructionsThenConfirmation(t *testing.T) {
	e := newSaleEnv(t, 1)
	v := e.product("Mug", models.TrackingNone)
	e.count(v, *e.wh.StockLocationID, 10, "")
	pl := e.checkoutMailed(keptMail, models.ProviderWire, map[int64]int{v: 2})
	o := pl.Order
	got := e.mailsTo(o.ID)
	if len(got) != 1 {
		t.Fatalf("%d mails after placing with a wire transfer, want 1", len(got))
	}
	m := got[0]
	if m.To != "ada@example.com" || m.Subject != "Your order "+o.Number()+": waiting for your payment" || m.State != models.MailKept {
		t.Fatalf("mail to %q subject %q state %s", m.To, m.Subject, m.State)
	}
	for _, want := range []string{"2 × Mug — €20.00", "Total: €25.00", "Please transfer €25.00 with the reference " + o.Number(),
		"IBAN BE71 0961 2345 6769", portalURL(o)} {
		if !strings.Contains(m.Body, want) {
			t.Errorf("body lacks %q:\n%s", want, m.Body)
		}
	}
	if !e.historyHas(o.ID, "Payment instructions sent by email to ada@example.com.") {
		t.Error("the history does not say the instructions were mailed")
	}
	// Placing again (a double submit) mails nothing more.
	if _, err := models.PlaceOrder(e.ctx, e.db, keptMail, o.ID, models.PlaceInput{Provider: models.ProviderWire}, 0); err != nil {
		t.Fatal(err)
	}
	if got := e.mailsTo(o.ID); len(got) != 1 {
		t.Fatalf("%d mails after placing twice, want 1", len(got))
	}

	// The money arrives: the back office marks it received, which confirms.
	if _, err := models.MarkPaymentReceived(e.ctx, e.db, keptMail, o.ID, pl.Transaction.Reference, 0); err != nil {
		t.Fatal(err)
	}
	got = e.mailsTo(o.ID)
	if len(got) != 2 || got[1].Subject != "Your order "+o.Number()+" from "+e.companyName() || !strings.Contains(got[1].Body, "Payment: paid") {
		t.Fatalf("mails after the payment: %+v", got)
	}
}

func TestCashOnDeliveryMailsTheConfirmationWhenPlaced(t *testing.T) {
	e := newSaleEnv(t, 1)
	v := e.product("Mug", models.TrackingNone)
	e.count(v, *e.wh.StockLocationID, 10, "")
	pl := e.checkoutMailed(keptMail, models.ProviderCOD, map[int64]int{v: 1})
	if pl.Order.State != models.OrderSale {
		t.Fatalf("cash on delivery order is %s, want sale", pl.Order.State)
	}
	got := e.mailsTo(pl.Order.ID)
	if len(got) != 1 || got[0].Subject != "Your order "+pl.Order.Number()+" from "+e.companyName() ||
		!strings.Contains(got[0].Body, "Payment: €15.00 to pay") {
		t.Fatalf("mails after placing with cash on delivery: %+v", got)
	}
}

// Orders typed in the back office are not website orders: confirming one
// mails nobody (the sales rep sends the quotation when they choose).
func TestOfficeOrderConfirmationMailsNobody(t *testing.T) {
	e := newSaleEnv(t, 1)
	v := e.product("Chair", models.TrackingNone)
	e.count(v, *e.wh.StockLocationID, 10, "")
	o := e.quotation(e.officeCustomer("Bob", "bob@example.com"), map[int64]string{v: "1"})
	if _, err := models.ConfirmOrder(e.ctx, e.db, keptMail, o.ID, 0); err != nil {
		t.Fatal(err)
	}
	if got := e.mailsTo(o.ID); len(got) != 0 {
		t.Fatalf("%d mails for an office order, want none", len(got))
	}
}

// A caller that gives no portal link, without choosing NoCustomerMail,
// confirms nothing: a website order's customer would silently get no mail.
func TestConfirmingWithoutCustomerMailIsRefused(t *testing.T) {
	e := newSaleEnv(t, 1)
	v := e.product("Mug", models.TrackingNone)
	e.count(v, *e.wh.StockLocationID, 10, "")
	pl := e.checkoutMailed(models.NoCustomerMail, models.ProviderTestCard, map[int64]int{v: 1})
	paid := models.TransactionUpdate{State: models.TxDone, Amount: pl.Transaction.Amount, CurrencyCode: "EUR"}
	if _, err := models.SetTransactionState(e.ctx, e.db, models.CustomerMail{}, pl.Transaction.Reference, paid, 0); err == nil {
		t.Fatal("a payment confirmed a website order with no way to mail its customer")
	}
	o, err := models.GetOrder(e.ctx, e.db, pl.Order.ID)
	if err != nil {
		t.Fatal(err)
	}
	if o.State == models.OrderSale {
		t.Fatal("the order was confirmed although the call failed")
	}
	if _, err := models.SetTransactionState(e.ctx, e.db, keptMail, pl.Transaction.Reference, paid, 0); err != nil {
		t.Fatal(err)
	}
	if got := e.mailsTo(pl.Order.ID); len(got) != 1 {
		t.Fatalf("%d mails after the payment, want the confirmation", len(got))
	}
}
