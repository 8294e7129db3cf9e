package models

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/url"
	"strings"

	"github.com/shopspring/decimal"
	"github.com/uptrace/bun"
)

// PaymentMethod is what Orderflow needs to know of a payment provider to
// start a payment: the state a new transaction takes, whether the order is
// confirmed without waiting for the money (cash on delivery), and the page
// the shopper pays on ("" to show the order page). What the provider says
// afterwards reaches SetTransactionState (by webhook, or from the back
// office for a wire transfer).
type PaymentMethod interface {
	StartState() string
	ConfirmOnStart() bool
	PayURL(t *PaymentTransaction) string
}

// testCardMethod behaves like a hosted-payment provider: the shopper pays on
// its page and it reports the result with a signed webhook (see
// payment_testcard.go).
type testCardMethod struct{}

func (testCardMethod) StartState() string   { return TxDraft }
func (testCardMethod) ConfirmOnStart() bool { return false }
func (testCardMethod) PayURL(t *PaymentTransaction) string {
	return "/pay/test/" + url.PathEscape(TestCardSessionID(t))
}

// wireMethod waits for the money; the back office marks it received.
type wireMethod struct{}

func (wireMethod) StartState() string                { return TxPending }
func (wireMethod) ConfirmOnStart() bool              { return false }
func (wireMethod) PayURL(*PaymentTransaction) string { return "" }

// codMethod ships first: the courier collects the money.
type codMethod struct{}

func (codMethod) StartState() string                { return TxPending }
func (codMethod) ConfirmOnStart() bool              { return true }
func (codMethod) PayURL(*PaymentTransaction) string { return "" }

// paymentMethods are the built-in providers, by code.
var paymentMethods = map[string]PaymentMethod{
	ProviderTestCard: testCardMethod{},
	ProviderWire:     wireMethod{},
	ProviderCOD:      codMethod{},
}

// ListPaymentProviders returns the providers, enabled ones only when asked.
func ListPaymentProviders(ctx context.Context, db bun.IDB, enabledOnly bool) ([]PaymentProvider, error) {
	all, err := allPaymentProviders(ctx, db)
	if err != nil {
		return nil, err
	}
	out := make([]PaymentProvider, 0, len(all))
	for _, p := range all {
		if !enabledOnly || p.State == "enabled" {
			out = append(out, p)
		}
	}
	return out, nil
}

// allPaymentProviders returns every provider by sequence, from the request's
// reference cache when there is one. The slice is shared: copy before changing.
func allPaymentProviders(ctx context.Context, db bun.IDB) ([]PaymentProvider, error) {
	return cachedRef(ctx, refProviders, func() ([]PaymentProvider, error) {
		var out []PaymentProvider
		if err := db.NewSelect().Model(&out).Order("sequence", "id").Scan(ctx); err != nil {
			return nil, fmt.Errorf("models: list payment providers: %w", err)
		}
		return out, nil
	})
}

// attachProviders sets the provider of each transaction, from the
// reference cache when there is one.
func attachProviders(ctx context.Context, db bun.IDB, txs ...*PaymentTransaction) error {
	all, err := allPaymentProviders(ctx, db)
	if err != nil {
		return err
	}
	for _, t := range txs {
		for i := range all {
			if all[i].ID == t.ProviderID {
				p := all[i]
				t.Provider = &p
			}
		}
		if t.Provider == nil {
			return fmt.Errorf("models: payment %s: provider %d missing", t.Reference, t.ProviderID)
		}
	}
	return nil
}

// GetPaymentProvider returns the provider with code, or ENOTFOUND.
func GetPaymentProvider(ctx context.Context, db bun.IDB, code string) (*PaymentProvider, error) {
	all, err := allPaymentProviders(ctx, db)
	if err != nil {
		return nil, err
	}
	for _, p := range all {
		if p.Code == code {
			cp := p
			return &cp, nil
		}
	}
	return nil, Errorf(ENOTFOUND, "The payment method was not found.")
}

func enabledProvider(ctx context.Context, db bun.IDB, code string) (*PaymentProvider, error) {
	p, err := GetPaymentProvider(ctx, db, code)
	if err != nil || p.State != "enabled" {
		return nil, &Error{Code: EINVALID, Message: "Choose a payment method.", Fields: map[string]string{"provider": "Choose a payment method."}}
	}
	return p, nil
}

// openTransaction returns the order's latest transaction that is still
// going (draft, pending, authorized) or done, nil when there is none.
func openTransaction(ctx context.Context, db bun.IDB, orderID int64) (*PaymentTransaction, error) {
	t := new(PaymentTransaction)
	err := queryPreparedOne(ctx, db, "SELECT "+columnsOf[PaymentTransaction](db, "")+` FROM payment_transactions
		WHERE order_id = $1 AND state IN ('draft', 'pending', 'authorized', 'done') ORDER BY id DESC LIMIT 1`, []any{orderID}, t)
	if err == nil {
		err = attachProviders(ctx, db, t)
	}
	if isNoRows(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("models: open transaction: %w", err)
	}
	return t, nil
}

// startTransaction creates the order's next transaction for what is left
// to pay: S00042-1, S00042-2...
func startTransaction(ctx context.Context, tx bun.IDB, o *SaleOrder, p *PaymentProvider, actorID int64) (*PaymentTransaction, error) {
	amount := o.AmountTotal.Sub(o.AmountPaid)
	if !amount.IsPositive() {
		return nil, Errorf(ECONFLICT, "%s has nothing left to pay.", o.Number())
	}
	t := &PaymentTransaction{OrderID: o.ID, ProviderID: p.ID, Amount: amount,
		CurrencyCode: o.CurrencyCode, State: paymentMethods[p.Code].StartState(), Provider: p}
	if actorID != 0 {
		t.CreatedBy = &actorID
	}
	// The reference is the order's number and the transaction's rank
	// (S00042-2 for the second attempt); the order row is locked.
	if err := queryPreparedOne(ctx, tx, `INSERT INTO payment_transactions (reference, order_id, provider_id, amount, currency_code, state, created_by,
			provider_reference, state_message, card_last4)
		VALUES ($1::text || '-' || (SELECT count(*) + 1 FROM payment_transactions WHERE order_id = $2), $2, $3, $4, $5, $6, $7, '', '', '')
		RETURNING id, reference, created_at, updated_at`, []any{o.Number(), o.ID, p.ID, amount, t.CurrencyCode, t.State, t.CreatedBy},
		&t.ID, &t.Reference, &t.CreatedAt, &t.UpdatedAt); err != nil {
		return nil, fmt.Errorf("models: start transaction: %w", err)
	}
	if t.State == TxPending {
		if err := refreshPaymentStatus(ctx, tx, o); err != nil {
			return nil, err
		}
	}
	return t, RecordHistory(ctx, tx, "sale_order", o.ID, actorID, fmt.Sprintf("Payment %s started with %s.", t.Reference, p.Name))
}

// GetTransaction returns a transaction by reference with its provider.
func GetTransaction(ctx context.Context, db bun.IDB, reference string) (*PaymentTransaction, error) {
	t := new(PaymentTransaction)
	err := queryPreparedOne(ctx, db, "SELECT "+columnsOf[PaymentTransaction](db, "")+" FROM payment_transactions WHERE reference = $1", []any{reference}, t)
	if err != nil {
		return nil, notFound(err, "The payment")
	}
	return t, attachProviders(ctx, db, t)
}

// decodeTransactions decodes transactions aggregated as JSON (see
// decodeRows) and attaches their providers.
func decodeTransactions(ctx context.Context, db bun.IDB, data []byte) ([]*PaymentTransaction, error) {
	txs, err := decodeRows[PaymentTransaction](db, data)
	if err != nil {
		return nil, fmt.Errorf("models: payment transactions: %w", err)
	}
	return txs, attachProviders(ctx, db, txs...)
}

// OrderTransactions lists an order's transactions, newest first.
func OrderTransactions(ctx context.Context, db bun.IDB, orderID int64) ([]PaymentTransaction, error) {
	var out []PaymentTransaction
	err := queryPrepared(ctx, db, "SELECT "+columnsOf[PaymentTransaction](db, "")+" FROM payment_transactions WHERE order_id = $1 ORDER BY id DESC", []any{orderID}, &out)
	if err != nil {
		return nil, fmt.Errorf("models: order transactions: %w", err)
	}
	for i := range out {
		if err := attachProviders(ctx, db, &out[i]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// TransactionUpdate is news about a transaction from its provider (or from
// the back office for a wire transfer received).
type TransactionUpdate struct {
	State             string
	Amount            decimal.Decimal // what the provider says was paid
	CurrencyCode      string
	ProviderReference string
	Message           string
	CardLast4         string
}

// transitions says which states a transaction may move to from each state;
// done, cancel and error are final.
var transitions = map[string][]string{
	TxDraft:      {TxPending, TxAuthorized, TxDone, TxCancel, TxError},
	TxPending:    {TxAuthorized, TxDone, TxCancel, TxError},
	TxAuthorized: {TxDone, TxCancel},
}

// SetTransactionState applies a provider's news to a transaction and its
// order. Repeating the same news changes nothing. An amount or currency
// that differs from the transaction's is refused (ECONFLICT) and confirms
// nothing. A done (or authorized) payment covering the order's total
// confirms it when the company confirms on payment (mailing the customer
// the confirmation, see CustomerMail); a partial payment never does. It
// returns the transaction as it now is.
func SetTransactionState(ctx context.Context, db *bun.DB, mail CustomerMail, reference string, up TransactionUpdate, actorID int64) (*PaymentTransaction, error) {
	return setTransactionState(ctx, db, mail, reference, up, actorID, "", nil)
}

// orderAndTransaction is an order with one of its payment transactions as
// a JSON array of its columns.
type orderAndTransaction struct {
	SaleOrder `bun:",extend"`

	TxJSON []byte `bun:"tx_json,scanonly"`
}

// lockOrderAndTransaction locks and reads the payment transaction
// reference and its order in one statement, the order first (as placing
// and confirming lock it), or returns ENOTFOUND. Both rows come locked, in
// their latest versions.
func lockOrderAndTransaction(ctx context.Context, tx bun.IDB, reference string) (*SaleOrder, *PaymentTransaction, error) {
	var row orderAndTransaction
	if err := queryPreparedOne(ctx, tx, "SELECT "+columnsOf[SaleOrder](tx, "so")+", json_build_array("+columnsOf[PaymentTransaction](tx, "pt")+
		") AS tx_json FROM sale_orders so JOIN payment_transactions pt ON pt.order_id = so.id WHERE pt.reference = $1 FOR UPDATE OF so, pt",
		[]any{reference}, &row); err != nil {
		return nil, nil, notFound(err, "The payment")
	}
	txs, err := decodeRows[PaymentTransaction](tx, append(append([]byte("["), row.TxJSON...), ']'))
	if err != nil {
		return nil, nil, fmt.Errorf("models: payment transaction: %w", err)
	}
	return &row.SaleOrder, txs[0], nil
}

// setTransactionState is SetTransactionState for a provider: when provider
// is set, a transaction of another provider is not found; also, when set,
// runs in the same transaction once the change is made (a webhook records
// that it was processed with the change it made, or not at all).
func setTransactionState(ctx context.Context, db *bun.DB, mail CustomerMail, reference string, up TransactionUpdate, actorID int64,
	provider string, also func(ctx context.Context, tx bun.Tx, t *PaymentTransaction) error) (*PaymentTransaction, error) {
	co, err := GetCompany(ctx, db)
	if err != nil {
		return nil, err
	}
	var out *PaymentTransaction
	err = runConfirmingTx(ctx, db, func(ctx context.Context, tx bun.Tx) error {
		o, t, err := lockOrderAndTransaction(ctx, tx, reference)
		if err != nil {
			return err
		}
		if err := attachProviders(ctx, tx, t); err != nil {
			return err
		}
		out = t
		if provider != "" && t.Provider.Code != provider {
			return Errorf(ENOTFOUND, "Payment %s is not a %s payment.", reference, provider)
		}
		if t.State == up.State {
			return nil
		}
		allowed := false
		for _, s := range transitions[t.State] {
			allowed = allowed || s == up.State
		}
		if !allowed {
			return Errorf(ECONFLICT, "Payment %s is %s and cannot become %s.", t.Reference, t.State, up.State)
		}
		if (up.State == TxDone || up.State == TxAuthorized) && (!up.Amount.Equal(t.Amount) || up.CurrencyCode != t.CurrencyCode) {
			return Errorf(ECONFLICT, "Payment %s: %s %s was reported for %s %s; the order is not confirmed.",
				t.Reference, up.Amount, up.CurrencyCode, t.Amount, t.CurrencyCode)
		}
		t.State, t.StateMessage = up.State, up.Message
		if up.ProviderReference != "" {
			t.ProviderReference = up.ProviderReference
		}
		if up.CardLast4 != "" {
			t.CardLast4 = up.CardLast4
		}
		// The order's payment sums come back from the same statement.
		var paid, authorized decimal.Decimal
		var pending bool
		if err := queryPreparedOne(ctx, tx, `WITH up AS (
				UPDATE payment_transactions SET state = $1, state_message = $2, provider_reference = $3, card_last4 = $4, updated_at = now()
				WHERE id = $5 RETURNING order_id, amount, state)
			SELECT `+paymentSumsSQL+`
			FROM (SELECT amount, state FROM up
				UNION ALL SELECT amount, state FROM payment_transactions WHERE order_id = (SELECT order_id FROM up) AND id <> $5) AS s`,
			[]any{t.State, t.StateMessage, t.ProviderReference, t.CardLast4, t.ID}, &paid, &authorized, &pending); err != nil {
			return fmt.Errorf("models: update transaction: %w", err)
		}
		setPaymentStatus(o, paid, authorized, pending)
		cur := co.Currency()
		msg := map[string]string{TxDone: "received", TxAuthorized: "authorized", TxPending: "pending", TxCancel: "cancelled", TxError: "failed"}[up.State]
		body := fmt.Sprintf("Payment %s of %s %s (%s).", t.Reference, cur.Format(t.Amount), msg, t.Provider.Name)
		if up.Message != "" {
			body += " " + up.Message
		}
		if err := RecordHistory(ctx, tx, "sale_order", o.ID, actorID, body); err != nil {
			return err
		}
		if err := afterPaymentStatus(ctx, tx, co, mail, o, actorID); err != nil {
			return err
		}
		if also != nil {
			return also(ctx, tx, t)
		}
		return nil
	})
	return out, wrapErr(err, "update payment")
}

// afterPayment refreshes the order's payment status and confirms it when it
// is covered (or when its provider confirms on start, cash on delivery).
func afterPayment(ctx context.Context, tx bun.Tx, co *Company, mail CustomerMail, o *SaleOrder, actorID int64) error {
	if err := loadPaymentStatus(ctx, tx, o); err != nil {
		return err
	}
	return afterPaymentStatus(ctx, tx, co, mail, o, actorID)
}

// afterPaymentStatus is afterPayment once the order's payment status is
// set from its transactions.
func afterPaymentStatus(ctx context.Context, tx bun.Tx, co *Company, mail CustomerMail, o *SaleOrder, actorID int64) error {
	confirm := false
	if o.State == OrderDraft || o.State == OrderSent {
		if (o.PaymentStatus == PaymentPaid || o.PaymentStatus == PaymentAuthorized) && co.AutoConfirmOnPayment {
			confirm = true
		} else {
			// Cash on delivery: the goods leave before the money arrives.
			cod, err := tx.NewSelect().TableExpr("payment_transactions AS t").Join("JOIN payment_providers p ON p.id = t.provider_id").
				Where("t.order_id = ? AND t.state = 'pending' AND p.code = ?", o.ID, ProviderCOD).Exists(ctx)
			if err != nil {
				return err
			}
			confirm = cod
		}
	}
	if confirm {
		return confirmOrderTx(ctx, tx, co, mail, o, actorID) // saves the payment status with the confirmation
	}
	return savePaymentStatus(ctx, tx, o)
}

// refreshPaymentStatus recomputes amount_paid and payment_status from the
// order's transactions.
func refreshPaymentStatus(ctx context.Context, tx bun.IDB, o *SaleOrder) error {
	if err := loadPaymentStatus(ctx, tx, o); err != nil {
		return err
	}
	return savePaymentStatus(ctx, tx, o)
}

// loadPaymentStatus sets the order's amount paid and payment status from
// its transactions, without saving them.
func loadPaymentStatus(ctx context.Context, tx bun.IDB, o *SaleOrder) error {
	var paid, authorized decimal.Decimal
	var pending bool
	err := queryPreparedOne(ctx, tx, `SELECT `+paymentSumsSQL+` FROM payment_transactions WHERE order_id = $1`, []any{o.ID}, &paid, &authorized, &pending)
	if err != nil {
		return fmt.Errorf("models: payment status: %w", err)
	}
	setPaymentStatus(o, paid, authorized, pending)
	return nil
}

// paymentSumsSQL sums transactions (amount, state) for setPaymentStatus:
// done, authorized, and whether one is pending.
const paymentSumsSQL = `coalesce(sum(amount) FILTER (WHERE state = 'done'), 0), coalesce(sum(amount) FILTER (WHERE state = 'authorized'), 0),
	bool_or(state = 'pending') IS TRUE`

// setPaymentStatus sets the order's amount paid and payment status from
// the sums of its transactions: done, authorized, and whether one is
// pending.
func setPaymentStatus(o *SaleOrder, paid, authorized decimal.Decimal, pending bool) {
	o.AmountPaid = paid
	switch {
	case paid.GreaterThanOrEqual(o.AmountTotal) && o.AmountTotal.IsPositive():
		o.PaymentStatus = PaymentPaid
	case paid.Add(authorized).GreaterThanOrEqual(o.AmountTotal) && authorized.IsPositive():
		o.PaymentStatus = PaymentAuthorized
	case paid.IsPositive():
		o.PaymentStatus = PaymentPartial
	case pending:
		o.PaymentStatus = PaymentPending
	default:
		o.PaymentStatus = PaymentNotPaid
	}
}

// savePaymentStatus writes the order's amount paid and payment status.
func savePaymentStatus(ctx context.Context, tx bun.IDB, o *SaleOrder) error {
	return updatePrepared(ctx, tx, o, "updated_at = now()", []string{"amount_paid", "payment_status"}, "")
}

// TestCardSessionID is the id of a test card payment page, as a hosted
// provider gives its checkout sessions: the transaction reference and a
// signature with the provider's secret, so that nobody can open (or
// cancel) a payment by guessing its reference. t needs its Provider.
func TestCardSessionID(t *PaymentTransaction) string {
	return t.Reference + "." + testCardSessionSig(t.Provider.WebhookSecret, t.Reference)
}

func testCardSessionSig(secret, reference string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte("payment-page:" + reference))
	return hex.EncodeToString(m.Sum(nil))[:32]
}

// TestCardReference checks a payment page id and returns the transaction
// reference it stands for; ENOTFOUND when it is not one we gave out.
func TestCardReference(ctx context.Context, db bun.IDB, sessionID string) (string, error) {
	i := strings.LastIndexByte(sessionID, '.')
	if i <= 0 {
		return "", Errorf(ENOTFOUND, "The payment was not found.")
	}
	ref, sig := sessionID[:i], sessionID[i+1:]
	// Only the test card provider signs page ids, with its secret: a
	// reference of another provider's payment, or a guess, does not match.
	p, err := GetPaymentProvider(ctx, db, ProviderTestCard)
	if err != nil || !hmac.Equal([]byte(sig), []byte(testCardSessionSig(p.WebhookSecret, ref))) {
		return "", Errorf(ENOTFOUND, "The payment was not found.")
	}
	return ref, nil
}
