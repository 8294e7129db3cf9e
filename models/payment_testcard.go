package models

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/shopspring/decimal"
	"github.com/uptrace/bun"
)

// The test card provider behaves like a hosted-payment provider that
// happens to be served by Orderflow: the shopper pays on its page
// (/pay/test/<reference>), and it tells Orderflow the result the way a real
// provider would, with a server-to-server webhook signed with HMAC-SHA256.
// The webhook is the only way the page's outcome reaches the transaction.

// Test card numbers shown on the hosted page.
const (
	TestCardSuccess  = "4242424242424242" // the payment succeeds
	TestCardDeclined = "4000000000000002" // the bank declines
	TestCard3DS      = "4000000000003220" // 3-D Secure authentication first
)

// Webhook event types sent by the test card provider.
const (
	EventPaymentSucceeded = "payment.succeeded"
	EventPaymentFailed    = "payment.failed"
	EventPaymentPending   = "payment.pending"
	EventPaymentCanceled  = "payment.canceled"
)

// eventStates maps an event type to the transaction state it reports.
var eventStates = map[string]string{
	EventPaymentSucceeded: TxDone,
	EventPaymentFailed:    TxError,
	EventPaymentPending:   TxPending,
	EventPaymentCanceled:  TxCancel,
}

// WebhookTolerance is how far a webhook's timestamp may be from our clock.
const WebhookTolerance = 5 * time.Minute

// WebhookSignatureHeader is the header carrying a webhook's signature.
const WebhookSignatureHeader = "Orderflow-Signature"

// Webhook log statuses.
const (
	WebhookProcessed = "processed"
	WebhookDuplicate = "duplicate"
	WebhookRejected  = "rejected"
	WebhookFailed    = "failed"
)

// Causes of a refused webhook; the EINVALID errors VerifyWebhook returns
// wrap them (errors.Is).
var (
	ErrWebhookHeader    = errors.New("malformed signature header")
	ErrWebhookSignature = errors.New("signature mismatch")
	ErrWebhookTimestamp = errors.New("timestamp outside the tolerance")
)

// TestCardEvent is the JSON body of a test card provider webhook.
type TestCardEvent struct {
	ID                string `json:"id"`
	Type              string `json:"type"`
	Reference         string `json:"reference"`
	Amount            string `json:"amount"` // decimal string, "35.00"
	Currency          string `json:"currency"`
	ProviderReference string `json:"provider_reference"`
	CardLast4         string `json:"card_last4"`
	Message           string `json:"message"`
	Created           int64  `json:"created"` // unix seconds
}

// SignWebhook returns the hex HMAC-SHA256 of "<ts>.<body>" with secret.
func SignWebhook(secret string, ts int64, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(strconv.FormatInt(ts, 10)))
	m.Write([]byte{'.'})
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

// WebhookSignature is the value of the Orderflow-Signature header for body
// sent at ts: "t=<unix>,v1=<hex>".
func WebhookSignature(secret string, ts int64, body []byte) string {
	return fmt.Sprintf("t=%d,v1=%s", ts, SignWebhook(secret, ts, body))
}

// VerifyWebhook checks a signature header against body: one of its v1
// signatures must be the HMAC of "<t>.<body>" with secret (compared in
// constant time) and t must be within tolerance of now, either way, so that
// a captured request cannot be replayed later. It returns an EINVALID error
// wrapping ErrWebhookHeader, ErrWebhookSignature or ErrWebhookTimestamp.
func VerifyWebhook(secret, header string, body []byte, now time.Time, tolerance time.Duration) error {
	refuse := func(cause error, msg string) error {
		return &Error{Code: EINVALID, Message: msg, Err: cause}
	}
	if secret == "" {
		return refuse(ErrWebhookSignature, "No webhook secret is configured for this provider.")
	}
	var ts int64
	var sigs [][]byte
	haveTS := false
	for _, part := range strings.Split(header, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return refuse(ErrWebhookHeader, "The signature header is malformed.")
		}
		switch k {
		case "t":
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || haveTS {
				return refuse(ErrWebhookHeader, "The signature header has a bad timestamp.")
			}
			ts, haveTS = n, true
		case "v1":
			b, err := hex.DecodeString(v)
			if err != nil || len(b) != sha256.Size {
				return refuse(ErrWebhookHeader, "The signature header has a bad signature.")
			}
			sigs = append(sigs, b)
		}
	}
	if !haveTS || len(sigs) == 0 {
		return refuse(ErrWebhookHeader, "The signature header needs t= and v1=.")
	}
	want, _ := hex.DecodeString(SignWebhook(secret, ts, body))
	match := false
	for _, s := range sigs {
		match = hmac.Equal(s, want) || match
	}
	if !match {
		return refuse(ErrWebhookSignature, "The signature does not match.")
	}
	if d := now.Sub(time.Unix(ts, 0)); d > tolerance || d < -tolerance {
		return refuse(ErrWebhookTimestamp, fmt.Sprintf("The timestamp is %s away from our clock (tolerance %s).", d.Round(time.Second), tolerance))
	}
	return nil
}

// ProcessTestCardWebhook verifies and applies one webhook of the test card
// provider, and logs it in webhook_events whatever happens. It returns the
// status logged:
//   - processed: the event was applied with SetTransactionState (a done
//     payment for the full amount confirms the order, and mail tells its
//     customer);
//   - duplicate: an event with this id was processed already; nothing
//     changes (nil error, so the provider stops retrying);
//   - rejected: bad signature, timestamp outside WebhookTolerance, bad JSON
//     (EINVALID), a reference that is no test card payment (ENOTFOUND), or
//     news the transaction refuses — an amount or currency that differs, a
//     final state — (ECONFLICT); nothing is confirmed;
//   - failed: an internal error; the provider should retry.
//
// SetTransactionState owns its transaction, so the state change comes
// first and the 'processed' row second: the change is idempotent and made
// under the order's row lock, and the partial unique index on
// (provider_code, event_id) WHERE status = 'processed' lets only one of two
// concurrent deliveries of an event log 'processed'; the other logs
// 'duplicate'. A crash between the two leaves the change without its log
// line, and the provider's retry then finds nothing left to change.
func ProcessTestCardWebhook(ctx context.Context, db *bun.DB, mail CustomerMail, header string, body []byte, remoteAddr string, now time.Time) (string, error) {
	log := &WebhookEvent{ProviderCode: ProviderTestCard, RemoteAddr: remoteAddr, Payload: printablePayload(body)}
	finish := func(status string, err error) (string, error) {
		log.Status = status
		if status == WebhookRejected && len(log.Payload) > rejectedPayloadKept {
			// Anyone can post here: an unsigned body is kept in part only.
			log.Payload = clipUTF8(log.Payload, rejectedPayloadKept) + fmt.Sprintf("… (%d bytes in all)", len(body))
		}
		if err != nil && log.Message == "" {
			log.Message = ErrorMessage(err)
			if ErrorCode(err) == EINTERNAL {
				log.Message = err.Error()
			}
		}
		if lerr := logWebhook(ctx, db, log); lerr != nil {
			return WebhookFailed, errors.Join(err, lerr)
		}
		return status, err
	}

	provider, err := GetPaymentProvider(ctx, db, ProviderTestCard)
	if err != nil {
		return finish(WebhookFailed, fmt.Errorf("models: webhook provider: %w", err))
	}
	var ev TestCardEvent
	_ = json.Unmarshal(body, &ev) // for the log only until the signature is checked
	log.EventID = clipUTF8(ev.ID, 200)
	if err := VerifyWebhook(provider.WebhookSecret, header, body, now, WebhookTolerance); err != nil {
		return finish(WebhookRejected, err)
	}
	up, err := parseTestCardEvent(body, &ev)
	log.EventID = clipUTF8(ev.ID, 200)
	if err != nil {
		return finish(WebhookRejected, err)
	}
	// A replayed event finds its transaction in that state already (or in a
	// later one), and its "processed" log row exists: the unique index on
	// it turns the replay into a duplicate below, without a look-up first.
	logged := false
	t, err := setTransactionState(ctx, db, mail, ev.Reference, up, 0, ProviderTestCard, func(ctx context.Context, tx bun.Tx, t *PaymentTransaction) error {
		log.Status, log.Message = WebhookProcessed, fmt.Sprintf("%s: payment %s is %s.", ev.Type, t.Reference, t.State)
		logged = true
		return logWebhook(ctx, tx, log)
	})
	if err != nil {
		log.ID = 0
		if logged && isUniqueViolation(err) {
			log.Message = "Event " + ev.ID + " was processed by a concurrent delivery; nothing changed."
			return finish(WebhookDuplicate, nil)
		}
		log.Message = ""
		if code := ErrorCode(err); code == EINTERNAL {
			return finish(WebhookFailed, err)
		}
		// A concurrent delivery of this event may have moved the
		// transaction on; then this one is a duplicate, not a refusal.
		if seen, serr := webhookProcessed(ctx, db, ev.ID); serr == nil && seen {
			log.Message = "Event " + ev.ID + " was processed already; nothing changed."
			return finish(WebhookDuplicate, nil)
		}
		return finish(WebhookRejected, err)
	}
	if !logged { // the transaction was in that state already: nothing to do
		log.Status, log.Message = WebhookProcessed, fmt.Sprintf("%s: payment %s is %s.", ev.Type, t.Reference, t.State)
		if err := logWebhook(ctx, db, log); err != nil {
			if !isUniqueViolation(err) {
				return WebhookFailed, err
			}
			log.ID, log.Message = 0, "Event "+ev.ID+" was processed already; nothing changed."
			return finish(WebhookDuplicate, nil)
		}
	}
	return WebhookProcessed, nil
}

// parseTestCardEvent checks the event's shape and turns it into the news
// for its transaction.
func parseTestCardEvent(body []byte, ev *TestCardEvent) (TransactionUpdate, error) {
	*ev = TestCardEvent{}
	if err := json.Unmarshal(body, ev); err != nil {
		return TransactionUpdate{}, Errorf(EINVALID, "The body is not a JSON event: %v", err)
	}
	var problems []string
	if ev.ID == "" || len(ev.ID) > 200 {
		problems = append(problems, "the event id is missing or too long")
	}
	state, ok := eventStates[ev.Type]
	if !ok {
		problems = append(problems, fmt.Sprintf("unknown event type %q", ev.Type))
	}
	if ev.Reference == "" {
		problems = append(problems, "the reference is missing")
	}
	amount, err := decimal.NewFromString(ev.Amount)
	if err != nil || amount.IsNegative() {
		problems = append(problems, "the amount is not a decimal number")
	}
	if !currencyCode.MatchString(ev.Currency) {
		problems = append(problems, "the currency is not a three-letter code")
	}
	if len(ev.CardLast4) > 4 || len(ev.ProviderReference) > 200 || len(ev.Message) > 1000 {
		problems = append(problems, "a field is too long")
	}
	if len(problems) > 0 {
		return TransactionUpdate{}, Errorf(EINVALID, "The event is not valid: %s.", strings.Join(problems, "; "))
	}
	return TransactionUpdate{State: state, Amount: amount, CurrencyCode: ev.Currency, ProviderReference: ev.ProviderReference,
		Message: ev.Message, CardLast4: ev.CardLast4}, nil
}

var currencyCode = regexp.MustCompile(`^[A-Z]{3}$`)

// webhookProcessed reports whether the test card event id was processed.
func webhookProcessed(ctx context.Context, db bun.IDB, eventID string) (bool, error) {
	var ok bool
	err := queryPreparedOne(ctx, db, `SELECT EXISTS (SELECT FROM webhook_events
		WHERE provider_code = $1 AND event_id = $2 AND status = 'processed')`, []any{ProviderTestCard, eventID}, &ok)
	if err != nil {
		return false, fmt.Errorf("models: webhook seen: %w", err)
	}
	return ok, nil
}

func logWebhook(ctx context.Context, db bun.IDB, e *WebhookEvent) error {
	e.Message = clipUTF8(e.Message, 1000)
	if err := insertPrepared(ctx, db, e); err != nil {
		return fmt.Errorf("models: log webhook: %w", err)
	}
	return nil
}

// rejectedPayloadKept is how much of a refused webhook's body the log keeps.
const rejectedPayloadKept = 2048

// printablePayload is the body as text PostgreSQL accepts (valid UTF-8, no NUL).
func printablePayload(body []byte) string {
	s := strings.ToValidUTF8(string(body), "\uFFFD")
	return strings.ReplaceAll(s, "\x00", "\uFFFD")
}

func clipUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// ---- The hosted payment page ----

// TestCardCheckout is what the hosted payment page shows: the transaction,
// its order and the merchant.
type TestCardCheckout struct {
	Transaction *PaymentTransaction
	Order       *SaleOrder
	Merchant    string
	Currency    Currency
}

// Payable reports whether the page still takes a card: the transaction is
// draft, or pending (a 3-D Secure check not finished).
func (c *TestCardCheckout) Payable() bool {
	s := c.Transaction.State
	return s == TxDraft || s == TxPending
}

// AmountLabel is the amount to pay, written in its currency: €35.00.
func (c *TestCardCheckout) AmountLabel() string { return c.Currency.Format(c.Transaction.Amount) }

// GetTestCardCheckout loads the hosted page of the test card transaction
// reference. Another provider's transaction is ENOTFOUND, like an unknown one.
func GetTestCardCheckout(ctx context.Context, db bun.IDB, reference string) (*TestCardCheckout, error) {
	// The transaction, its order and the order's lines in one statement.
	var row struct {
		orderWithLines `bun:",extend"`

		TxJSON []byte `bun:"tx_json,scanonly"`
	}
	err := queryPreparedOne(ctx, db, orderWithLinesSelect(db)+", json_build_array(json_build_array("+columnsOf[PaymentTransaction](db, "t")+
		")) AS tx_json FROM payment_transactions t JOIN sale_orders so ON so.id = t.order_id WHERE t.reference = $1", []any{reference}, &row)
	if err != nil {
		return nil, notFound(err, "The payment")
	}
	txs, err := decodeTransactions(ctx, db, row.TxJSON)
	if err != nil {
		return nil, err
	}
	t := txs[0]
	if t.Provider == nil || t.Provider.Code != ProviderTestCard {
		return nil, Errorf(ENOTFOUND, "The payment was not found.")
	}
	o, err := row.order(db)
	if err != nil {
		return nil, err
	}
	co, err := GetCompany(ctx, db)
	if err != nil {
		return nil, err
	}
	cur := co.Currency()
	cur.Code = t.CurrencyCode
	return &TestCardCheckout{Transaction: t, Order: o, Merchant: co.Name, Currency: cur}, nil
}

// CardInput is what the shopper types on the hosted page.
type CardInput struct {
	Number string // card_number
	Expiry string // expiry, MM/YY
	CVC    string // cvc
	Name   string // card_name
}

// Digits is the card number without spaces and dashes.
func (in CardInput) Digits() string {
	return strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' {
			return -1
		}
		return r
	}, strings.TrimSpace(in.Number))
}

var expiryPattern = regexp.MustCompile(`^(\d{1,2})\s*/?\s*(\d{2}|\d{4})$`)

// Validate checks the card form: a Luhn-valid number of 12 to 19 digits,
// an expiry MM/YY not before now's month, a CVC of 3 or 4 digits and a
// name. It returns EINVALID with a message per field.
func (in CardInput) Validate(now time.Time) error {
	p := Problems{}
	switch n := in.Digits(); {
	case n == "":
		p.Add("card_number", "Enter the card number.")
	case strings.Trim(n, "0123456789") != "" || len(n) < 12 || len(n) > 19:
		p.Add("card_number", "A card number has 12 to 19 digits.")
	case !LuhnValid(n):
		p.Add("card_number", "This card number is not valid. Check the digits.")
	}
	if m := expiryPattern.FindStringSubmatch(strings.TrimSpace(in.Expiry)); m == nil {
		p.Add("expiry", "Enter the expiry date as MM/YY.")
	} else {
		month, _ := strconv.Atoi(m[1])
		year, _ := strconv.Atoi(m[2])
		if year < 100 {
			year += 2000
		}
		switch {
		case month < 1 || month > 12:
			p.Add("expiry", "The month must be between 01 and 12.")
		case year*12+month < now.Year()*12+int(now.Month()):
			p.Add("expiry", "This card has expired.")
		case year > now.Year()+20:
			p.Add("expiry", "This expiry date is too far in the future.")
		}
	}
	if cvc := strings.TrimSpace(in.CVC); len(cvc) < 3 || len(cvc) > 4 || strings.Trim(cvc, "0123456789") != "" {
		p.Add("cvc", "The security code is the 3 or 4 digits on the back of the card.")
	}
	if name := strings.TrimSpace(in.Name); name == "" {
		p.Add("card_name", "Enter the name on the card.")
	} else if utf8.RuneCountInString(name) > 100 {
		p.Add("card_name", "Use at most 100 characters.")
	}
	return p.Err()
}

// LuhnValid reports whether digits passes the Luhn (mod 10) check that
// every card number carries.
func LuhnValid(digits string) bool {
	if len(digits) < 2 {
		return false
	}
	sum := 0
	double := false
	for i := len(digits) - 1; i >= 0; i-- {
		d := int(digits[i] - '0')
		if d < 0 || d > 9 {
			return false
		}
		if double {
			if d *= 2; d > 9 {
				d -= 9
			}
		}
		sum += d
		double = !double
	}
	return sum%10 == 0
}

// TestCardCharge is the outcome of an action on the hosted page: the event
// the provider reports to Orderflow (nil when there is nothing to report)
// and, for a card that needs it, the 3-D Secure challenge to complete.
type TestCardCharge struct {
	Checkout  *TestCardCheckout
	Event     *TestCardEvent
	Challenge string
	secret    string
}

// ChargeTestCard pays the test card transaction reference with the card
// typed on the hosted page. Nothing is written: the result is the event the
// provider then sends to the webhook. 4242 4242 4242 4242 succeeds,
// 4000 0000 0000 0002 is declined, 4000 0000 0000 3220 asks for 3-D Secure
// (a pending event and a challenge), any other valid number is declined as
// not supported in test mode. Errors: ENOTFOUND (no such test card
// payment), ECONFLICT (the payment is no longer open), EINVALID (the form);
// with the last two the charge still carries the checkout, for the page.
func ChargeTestCard(ctx context.Context, db bun.IDB, reference string, in CardInput) (*TestCardCharge, error) {
	ch, err := openTestCardCharge(ctx, db, reference)
	if err != nil {
		return ch, err
	}
	if err := in.Validate(time.Now()); err != nil {
		return ch, err
	}
	digits := in.Digits()
	last4 := digits[len(digits)-4:]
	pref := "tc_" + testCardRandomHex(12)
	switch digits {
	case TestCardSuccess:
		ch.Event = ch.event(EventPaymentSucceeded, pref, last4, "")
	case TestCardDeclined:
		ch.Event = ch.event(EventPaymentFailed, pref, last4, "Your card was declined.")
	case TestCard3DS:
		ch.Event = ch.event(EventPaymentPending, pref, last4, "Waiting for 3-D Secure authentication.")
		ch.Challenge = signChallenge(ch.secret, challenge{Reference: reference, ProviderReference: pref, Last4: last4,
			Expires: time.Now().Add(15 * time.Minute).Unix()})
	default:
		ch.Event = ch.event(EventPaymentFailed, pref, last4, "Your card was declined: card not supported in test mode.")
	}
	return ch, nil
}

// CheckTestCardChallenge returns the hosted page and the card of a 3-D
// Secure challenge; EINVALID when the challenge is not this payment's or
// has expired, ECONFLICT when the payment is no longer open (both with the
// checkout in the charge), ENOTFOUND for an unknown payment.
func CheckTestCardChallenge(ctx context.Context, db bun.IDB, reference, token string) (*TestCardCharge, string, error) {
	ch, err := openTestCardCharge(ctx, db, reference)
	if err != nil {
		return ch, "", err
	}
	c, ok := readChallenge(ch.secret, token)
	if !ok || c.Reference != reference || time.Now().Unix() > c.Expires {
		return ch, "", Errorf(EINVALID, "This authentication request is not valid or has expired. Go back and pay again.")
	}
	ch.Challenge = token
	return ch, c.Last4, nil
}

// AuthenticateTestCard completes (approve) or fails a 3-D Secure challenge
// and returns the succeeded or failed event to send. Errors as
// CheckTestCardChallenge.
func AuthenticateTestCard(ctx context.Context, db bun.IDB, reference, token string, approve bool) (*TestCardCharge, error) {
	ch, _, err := CheckTestCardChallenge(ctx, db, reference, token)
	if err != nil {
		return ch, err
	}
	c, _ := readChallenge(ch.secret, token)
	if approve {
		ch.Event = ch.event(EventPaymentSucceeded, c.ProviderReference, c.Last4, "3-D Secure authentication completed.")
	} else {
		ch.Event = ch.event(EventPaymentFailed, c.ProviderReference, c.Last4, "3-D Secure authentication failed.")
	}
	ch.Challenge = ""
	return ch, nil
}

// CancelTestCard is the shopper leaving the hosted page: an open payment
// gets a canceled event; a closed one nothing (Event nil). ENOTFOUND for
// an unknown payment.
func CancelTestCard(ctx context.Context, db bun.IDB, reference string) (*TestCardCharge, error) {
	ch, err := openTestCardCharge(ctx, db, reference)
	if ErrorCode(err) == ECONFLICT {
		return ch, nil
	}
	if err != nil {
		return nil, err
	}
	ch.Event = ch.event(EventPaymentCanceled, ch.Checkout.Transaction.ProviderReference, ch.Checkout.Transaction.CardLast4, "Cancelled on the payment page.")
	return ch, nil
}

// openTestCardCharge loads the checkout; ECONFLICT (with the checkout) when
// the payment is no longer open.
func openTestCardCharge(ctx context.Context, db bun.IDB, reference string) (*TestCardCharge, error) {
	co, err := GetTestCardCheckout(ctx, db, reference)
	if err != nil {
		return nil, err
	}
	ch := &TestCardCharge{Checkout: co, secret: co.Transaction.Provider.WebhookSecret}
	if !co.Payable() {
		return ch, Errorf(ECONFLICT, "Payment %s is %s already.", reference, TestCardStateLabel(co.Transaction.State))
	}
	return ch, nil
}

// TestCardStateLabel is a transaction state as the hosted page says it.
func TestCardStateLabel(state string) string {
	switch state {
	case TxDone:
		return "paid"
	case TxAuthorized:
		return "authorized"
	case TxCancel:
		return "cancelled"
	case TxError:
		return "declined"
	case TxPending:
		return "waiting for authentication"
	}
	return "not paid"
}

func (ch *TestCardCharge) event(typ, providerRef, last4, msg string) *TestCardEvent {
	t := ch.Checkout.Transaction
	amount := t.Amount.String()
	if d := ch.Checkout.Currency.Decimals(); t.Amount.Equal(t.Amount.Round(d)) {
		amount = t.Amount.StringFixed(d)
	}
	return &TestCardEvent{ID: "evt_" + testCardRandomHex(24), Type: typ, Reference: t.Reference, Amount: amount, Currency: t.CurrencyCode,
		ProviderReference: providerRef, CardLast4: last4, Message: msg, Created: time.Now().Unix()}
}

// Notify sends the charge's event to url (the webhook endpoint), signed
// now. See DeliverTestCardEvent.
func (ch *TestCardCharge) Notify(ctx context.Context, client *http.Client, url string) error {
	if ch.Event == nil {
		return nil
	}
	return DeliverTestCardEvent(ctx, client, url, ch.secret, *ch.Event, time.Now())
}

// WebhookDeliveryError is a webhook the receiver answered with an error.
type WebhookDeliveryError struct {
	Status int
	Body   string
}

func (e *WebhookDeliveryError) Error() string {
	return fmt.Sprintf("models: webhook answered %d: %s", e.Status, e.Body)
}

// Retryable reports whether sending again may help (the receiver failed,
// or throttled us); a 4xx refusal is final.
func (e *WebhookDeliveryError) Retryable() bool {
	return e.Status >= 500 || e.Status == http.StatusTooManyRequests
}

// DeliverTestCardEvent posts ev as JSON to url with the Orderflow-Signature
// header for secret and now. It returns nil for a 2xx answer, a
// *WebhookDeliveryError for another answer, or the transport error.
func DeliverTestCardEvent(ctx context.Context, client *http.Client, url, secret string, ev TestCardEvent, now time.Time) error {
	body, err := json.Marshal(ev)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("models: webhook request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Orderflow-Test-Payments/1.0")
	req.Header.Set(WebhookSignatureHeader, WebhookSignature(secret, now.Unix(), body))
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("models: deliver webhook %s: %w", ev.ID, err)
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
	if resp.StatusCode/100 != 2 {
		return &WebhookDeliveryError{Status: resp.StatusCode, Body: strings.TrimSpace(string(msg))}
	}
	return nil
}

// challenge is the state of a 3-D Secure check, carried signed in the URL
// like a real provider's session, so that it needs no table.
type challenge struct {
	Reference         string `json:"r"`
	ProviderReference string `json:"p"`
	Last4             string `json:"l"`
	Expires           int64  `json:"e"`
}

func signChallenge(secret string, c challenge) string {
	b, _ := json.Marshal(c)
	payload := base64.RawURLEncoding.EncodeToString(b)
	return payload + "." + challengeMAC(secret, payload)
}

func readChallenge(secret, token string) (challenge, bool) {
	var c challenge
	payload, mac, ok := strings.Cut(token, ".")
	if !ok || secret == "" || !hmac.Equal([]byte(mac), []byte(challengeMAC(secret, payload))) {
		return c, false
	}
	b, err := base64.RawURLEncoding.DecodeString(payload)
	if err != nil || json.Unmarshal(b, &c) != nil {
		return c, false
	}
	return c, true
}

func challengeMAC(secret, payload string) string {
	m := hmac.New(sha256.New, []byte("3ds:"+secret))
	m.Write([]byte(payload))
	return hex.EncodeToString(m.Sum(nil))
}

func testCardRandomHex(n int) string {
	b := make([]byte, n/2)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
