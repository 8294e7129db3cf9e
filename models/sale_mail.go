package models

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/uptrace/bun"
)

// Mail to the customer of a website order, as Odoo's eCommerce sends it: the
// order confirmation when the order is confirmed (whatever confirmed it: the
// payment's webhook, a wire transfer marked received, cash on delivery, a
// sales rep), and the payment instructions when it waits for a wire
// transfer. Each mail is queued in the transaction that makes the change it
// reports, so a rolled-back confirmation mails nothing and a replayed
// webhook, which confirms nothing, mails nothing again.

// CustomerMail is what an operation needs to mail a customer about their
// order: the outbox the mail goes to (nil: kept for the back office, see
// QueueMail) and the full address of an order's portal page, with its
// access token (the web layer owns that address). Operations that would
// mail a website order's customer refuse the zero value, so a caller cannot
// forget the mail silently; NoCustomerMail is the explicit choice of data
// loads and tests that do not look at mail.
type CustomerMail struct {
	Box       *Outbox
	PortalURL func(*SaleOrder) string
	off       bool
}

// NoCustomerMail mails nobody.
var NoCustomerMail = CustomerMail{off: true}

// sends reports whether the operation mails the customer of o: a website
// order, with a portal link to give. It fails when the caller gave no
// portal link without choosing NoCustomerMail.
func (m CustomerMail) sends(o *SaleOrder) (bool, error) {
	if m.off || o.Origin != OriginWebsite {
		return false, nil
	}
	if m.PortalURL == nil {
		return false, errors.New("models: mail the customer: no portal link given (use NoCustomerMail to mail nobody)")
	}
	return true, nil
}

// orderCustomer is the name and email of an order's customer (its partner).
type orderCustomer struct {
	Name  string
	Email string
}

// customerSQL reads the name and email of the contact $n, for a statement
// that reads an order's lines and its customer with them.
func customerSQL(n int) string {
	return fmt.Sprintf("(SELECT name FROM contacts WHERE id = $%d) AS customer_name, (SELECT email FROM contacts WHERE id = $%[1]d) AS customer_email", n)
}

// setCustomer keeps the customer read with the order's lines (nil when the
// order has none or no lines were read).
func (o *SaleOrder) setCustomer(name, email *string) {
	if name != nil && email != nil {
		o.customer = &orderCustomer{Name: *name, Email: *email}
	}
}

// customerOf returns the order's customer: as read with its lines, or
// from the database.
func customerOf(ctx context.Context, db bun.IDB, o *SaleOrder) (*orderCustomer, error) {
	if o.customer != nil || o.PartnerID == nil {
		return o.customer, nil
	}
	c, err := GetContact(ctx, db, *o.PartnerID)
	if err != nil {
		return nil, err
	}
	o.customer = &orderCustomer{Name: c.Name, Email: c.Email}
	return o.customer, nil
}

// mailCustomer queues a mail about o to its customer in tx and notes it in
// the order's history (what: "Order confirmation"); the confirming
// transaction wakes the outbox once it has committed. A customer without a
// valid email address gets no mail and the history says so: the order goes
// on without it.
func mailCustomer(ctx context.Context, tx bun.IDB, mail CustomerMail, o *SaleOrder, actorID int64, what, subject string,
	body func(c *orderCustomer) string) error {
	c, err := customerOf(ctx, tx, o)
	if err != nil {
		return err
	}
	if c == nil || strings.TrimSpace(c.Email) == "" {
		return RecordHistory(ctx, tx, "sale_order", o.ID, actorID, what+" not sent: the customer has no email address.")
	}
	m, err := QueueMail(ctx, tx, mail.Box, MailMessage{To: c.Email, Subject: subject, Body: body(c), ResModel: "sale_order", ResID: &o.ID, CreatedBy: &actorID})
	if ErrorCode(err) == EINVALID { // refused before anything was written
		return RecordHistory(ctx, tx, "sale_order", o.ID, actorID, what+" not sent: the customer's email address "+c.Email+" is not valid.")
	}
	if err != nil {
		return err
	}
	wakeAfterCommit(ctx, mail.Box)
	return RecordHistory(ctx, tx, "sale_order", o.ID, actorID, what+" sent by email to "+m.To+".")
}

// aboutOrder readies a mail to the customer of o: whether one is sent (see
// CustomerMail.sends), the link to the order's page, and the order's lines
// for its summary (read when o has none yet).
func aboutOrder(ctx context.Context, tx bun.IDB, mail CustomerMail, o *SaleOrder) (link string, send bool, err error) {
	if send, err = mail.sends(o); !send {
		return "", false, err
	}
	if o.Lines == nil {
		if err := loadOrderLines(ctx, tx, o); err != nil {
			return "", false, err
		}
	}
	return mail.PortalURL(o), true, nil
}

// mailOrderConfirmation queues the confirmation of a website order that tx
// has just confirmed (o with its lines and payment status).
func mailOrderConfirmation(ctx context.Context, tx bun.IDB, co *Company, mail CustomerMail, o *SaleOrder, actorID int64) error {
	link, send, err := aboutOrder(ctx, tx, mail, o)
	if !send {
		return err
	}
	return mailCustomer(ctx, tx, mail, o, actorID, "Order confirmation", fmt.Sprintf("Your order %s from %s", o.Number(), co.Name),
		func(c *orderCustomer) string { return orderConfirmationMailBody(co, o, c.Name, link) })
}

// mailWireInstructions queues the payment instructions of a website order
// placed with a wire transfer t that waits for the money.
func mailWireInstructions(ctx context.Context, tx bun.IDB, co *Company, mail CustomerMail, o *SaleOrder, t *PaymentTransaction, actorID int64) error {
	link, send, err := aboutOrder(ctx, tx, mail, o)
	if !send {
		return err
	}
	return mailCustomer(ctx, tx, mail, o, actorID, "Payment instructions", fmt.Sprintf("Your order %s: waiting for your payment", o.Number()),
		func(c *orderCustomer) string { return wireInstructionsMailBody(co, o, t, c.Name, link) })
}

// orderConfirmationMailBody is the plain-text confirmation of an order.
func orderConfirmationMailBody(co *Company, o *SaleOrder, customer, link string) string {
	cur := co.Currency()
	var b strings.Builder
	fmt.Fprintf(&b, "Hello %s,\n\n", customer)
	fmt.Fprintf(&b, "Thank you for your order %s from %s. It is confirmed and we are preparing it.\n\n", o.Number(), co.Name)
	writeOrderSummary(&b, cur, o)
	switch due := o.AmountTotal.Sub(o.AmountPaid); o.PaymentStatus {
	case PaymentPaid:
		fmt.Fprintf(&b, "Payment: paid, thank you.\n")
	case PaymentAuthorized:
		fmt.Fprintf(&b, "Payment: authorized.\n")
	case PaymentPartial:
		fmt.Fprintf(&b, "Payment: %s paid, %s still to pay.\n", cur.Format(o.AmountPaid), cur.Format(due))
	default:
		fmt.Fprintf(&b, "Payment: %s to pay (your order page says how).\n", cur.Format(due))
	}
	fmt.Fprintf(&b, "\nFollow your order here:\n%s\n", link)
	fmt.Fprintf(&b, "\nKind regards,\n%s\n", co.Name)
	return b.String()
}

// wireInstructionsMailBody is the plain-text mail of an order waiting for a
// wire transfer: what the order page says about paying it.
func wireInstructionsMailBody(co *Company, o *SaleOrder, t *PaymentTransaction, customer, link string) string {
	cur := co.Currency()
	var b strings.Builder
	fmt.Fprintf(&b, "Hello %s,\n\n", customer)
	fmt.Fprintf(&b, "Thank you for your order %s from %s. It is waiting for your payment.\n\n", o.Number(), co.Name)
	writeOrderSummary(&b, cur, o)
	fmt.Fprintf(&b, "\nPlease transfer %s with the reference %s.\n", cur.Format(t.Amount), o.Number())
	if t.Provider != nil && t.Provider.Instructions != "" {
		fmt.Fprintf(&b, "\n%s\n", t.Provider.Instructions)
	}
	fmt.Fprintf(&b, "\nSee your order here:\n%s\n", link)
	fmt.Fprintf(&b, "\nKind regards,\n%s\n", co.Name)
	return b.String()
}

// mailOrderCancelled queues the notice of a website order that tx has just
// cancelled: what was ordered and, when it was paid, that it is refunded.
func mailOrderCancelled(ctx context.Context, tx bun.IDB, co *Company, mail CustomerMail, o *SaleOrder, actorID int64) error {
	link, send, err := aboutOrder(ctx, tx, mail, o)
	if !send {
		return err
	}
	return mailCustomer(ctx, tx, mail, o, actorID, "Cancellation notice", fmt.Sprintf("Your order %s is cancelled", o.Number()),
		func(c *orderCustomer) string {
			cur := co.Currency()
			var b strings.Builder
			fmt.Fprintf(&b, "Hello %s,\n\nYour order %s from %s is cancelled.\n\n", c.Name, o.Number(), co.Name)
			writeOrderSummary(&b, cur, o)
			if o.AmountPaid.IsPositive() {
				fmt.Fprintf(&b, "\nWe refund the %s you paid.\n", cur.Format(o.AmountPaid))
			}
			fmt.Fprintf(&b, "\nSee your order here:\n%s\n\nKind regards,\n%s\n", link, co.Name)
			return b.String()
		})
}

// writeOrderSummary writes the order's lines, their amounts with taxes
// (they add up to the total), and the total.
func writeOrderSummary(b *strings.Builder, cur Currency, o *SaleOrder) {
	for _, l := range o.Lines {
		amount := cur.Format(l.PriceTotal)
		switch l.Kind {
		case LineProduct:
			off := ""
			if l.Discount.IsPositive() {
				off = ", " + l.Discount.String() + "% off"
			}
			fmt.Fprintf(b, "  %s × %s%s — %s\n", l.Quantity.String(), l.Description, off, amount)
		case LineShipping:
			if l.PriceTotal.IsZero() {
				amount = "free"
			}
			fmt.Fprintf(b, "  Shipping: %s — %s\n", l.Description, amount)
		default:
			fmt.Fprintf(b, "  %s — %s\n", l.Description, amount)
		}
	}
	fmt.Fprintf(b, "\nTotal: %s, taxes of %s included\n", cur.Format(o.AmountTotal), cur.Format(o.AmountTax))
}

// mailWake is the outbox to wake once the transaction that queued mail in
// it has committed (see runConfirmingTx).
type mailWake struct{ box *Outbox }

type mailWakeKey struct{}

// withMailWake returns a context in which wakeAfterCommit notes the outbox
// of the mail queued, and where it is noted.
func withMailWake(ctx context.Context) (context.Context, *mailWake) {
	w := new(mailWake)
	return context.WithValue(ctx, mailWakeKey{}, w), w
}

// wakeAfterCommit notes that mail was queued for box in the context's
// transaction.
func wakeAfterCommit(ctx context.Context, box *Outbox) {
	if w, _ := ctx.Value(mailWakeKey{}).(*mailWake); w != nil {
		w.box = box
	}
}
