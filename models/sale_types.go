package models

import (
	"time"

	"github.com/shopspring/decimal"
	"github.com/uptrace/bun"
)

// Sales order states.
const (
	OrderDraft  = "draft" // a cart or a quotation
	OrderSent   = "sent"  // quotation sent, or a web order placed and waiting for payment
	OrderSale   = "sale"  // confirmed
	OrderCancel = "cancel"
)

// Order origins.
const (
	OriginWebsite = "website"
	OriginOffice  = "office"
)

// Order line kinds.
const (
	LineProduct  = "product"
	LineShipping = "shipping"
	LineDiscount = "discount"
)

// Order payment statuses.
const (
	PaymentNotPaid    = "not_paid"
	PaymentPending    = "pending"
	PaymentAuthorized = "authorized"
	PaymentPartial    = "partial"
	PaymentPaid       = "paid"
)

// Order delivery statuses.
const (
	DeliveryNone    = "none" // nothing to deliver yet (not confirmed, or services only)
	DeliveryPending = "pending"
	DeliveryPartial = "partial"
	DeliveryFull    = "full"
)

// Contact kinds: a customer's saved addresses are child contacts.
const (
	ContactPerson   = "contact"
	ContactInvoice  = "invoice"
	ContactDelivery = "delivery"
)

// SaleOrder is a quotation, a shop cart (draft, origin website, not placed)
// or a confirmed sales order.
type SaleOrder struct {
	bun.BaseModel `bun:"table:sale_orders,alias:so"`

	ID                int64           `bun:"id,pk,autoincrement"`
	Name              *string         `bun:"name"` // S00042; nil for a cart not yet placed
	State             string          `bun:"state,notnull"`
	Origin            string          `bun:"origin,notnull"`
	PartnerID         *int64          `bun:"partner_id"`
	InvoicePartnerID  *int64          `bun:"invoice_partner_id"`
	ShippingPartnerID *int64          `bun:"shipping_partner_id"`
	UserID            *int64          `bun:"user_id"`
	SalespersonID     *int64          `bun:"salesperson_id"`
	WarehouseID       *int64          `bun:"warehouse_id"`
	CarrierID         *int64          `bun:"carrier_id"`
	CouponID          *int64          `bun:"coupon_id"`
	CurrencyCode      string          `bun:"currency_code,notnull"`
	AmountUntaxed     decimal.Decimal `bun:"amount_untaxed,type:numeric,notnull"`
	AmountTax         decimal.Decimal `bun:"amount_tax,type:numeric,notnull"`
	AmountTotal       decimal.Decimal `bun:"amount_total,type:numeric,notnull"`
	AmountPaid        decimal.Decimal `bun:"amount_paid,type:numeric,notnull"`
	PaymentStatus     string          `bun:"payment_status,notnull"`
	DeliveryStatus    string          `bun:"delivery_status,notnull"`
	AccessToken       string          `bun:"access_token,notnull"`
	Note              string          `bun:"note,notnull"`
	ClientOrderRef    string          `bun:"client_order_ref,notnull"`
	DateOrder         time.Time       `bun:"date_order,notnull,default:current_timestamp"`
	ValidityDate      *time.Time      `bun:"validity_date,type:date"`
	PlacedAt          *time.Time      `bun:"placed_at"`
	ConfirmedAt       *time.Time      `bun:"confirmed_at"`
	CancelledAt       *time.Time      `bun:"cancelled_at"`
	CreatedAt         time.Time       `bun:"created_at,notnull,default:current_timestamp"`
	UpdatedAt         time.Time       `bun:"updated_at,notnull,default:current_timestamp"`

	Lines []*SaleOrderLine `bun:"rel:has-many,join:id=order_id"`

	// stored is the shipping method and code as read by lockOrder or
	// lockCart, so that recomputing writes the order only when they or the
	// totals changed; nil when unknown (then it always writes).
	stored *storedChoices `bun:"-"`
	// linesCurrent says that Lines were read after the order was locked (or
	// in the same read), so that pricing need not read them again.
	linesCurrent bool `bun:"-"`
	// shipCountry is the shipping address's country when the caller knows
	// it already (nil: pricing reads it).
	shipCountry *string `bun:"-"`
	// customer is the customer's name and email when read with the lines
	// (nil: unknown; see customerOf).
	customer *orderCustomer `bun:"-"`
}

// Number is the order's number, or "Cart" before a cart is placed.
func (o *SaleOrder) Number() string {
	if o.Name == nil {
		return "Cart"
	}
	return *o.Name
}

// IsCart reports whether the order is a shop cart the shopper still edits.
func (o *SaleOrder) IsCart() bool {
	return o.State == OrderDraft && o.Origin == OriginWebsite && o.PlacedAt == nil
}

// IsQuotation reports whether o is a quotation a sales rep writes or has
// sent: not an order until the customer accepts it (by paying) or the rep
// confirms it.
func (o *SaleOrder) IsQuotation() bool {
	return o.Origin == OriginOffice && (o.State == OrderDraft || o.State == OrderSent)
}

// ShownToCustomer reports whether the customer may see o at all: not a
// cart (the shopper's own, in the shop) nor a quotation the sales rep has
// not sent yet.
func (o *SaleOrder) ShownToCustomer() bool {
	return !o.IsCart() && !(o.Origin == OriginOffice && o.State == OrderDraft)
}

// Expired reports whether o is a quotation whose validity date has passed:
// the customer can no longer accept it.
func (o *SaleOrder) Expired() bool {
	return o.IsQuotation() && o.ValidityDate != nil && o.ValidityDate.Before(today())
}

// acceptable refuses a quotation the customer may not accept (pay): not
// sent yet, or expired.
func (o *SaleOrder) acceptable() error {
	switch {
	case o.Origin == OriginOffice && o.State == OrderDraft:
		return Errorf(ECONFLICT, "%s has not been sent to you yet.", o.Number())
	case o.Expired():
		return Errorf(ECONFLICT, "This quotation expired on %s. Ask us for a new one.", o.ValidityDate.Format("2 January 2006"))
	}
	return nil
}

// AwaitsPayment reports whether o is a placed order that waits for its
// payment: not confirmed, not cancelled, nothing paid or authorized.
func (o *SaleOrder) AwaitsPayment() bool {
	return o.PlacedAt != nil && o.State == OrderSent &&
		(o.PaymentStatus == PaymentNotPaid || o.PaymentStatus == PaymentPending)
}

// OwnedBy reports whether u may see o without its access token: the
// customer who placed it, or the one it is billed to (a quotation a sales
// rep made for their contact).
func (o *SaleOrder) OwnedBy(u *User) bool {
	return u != nil && (o.UserID != nil && *o.UserID == u.ID ||
		u.ContactID != nil && o.PartnerID != nil && *o.PartnerID == *u.ContactID)
}

// ProductLines returns the lines that sell products.
func (o *SaleOrder) ProductLines() []*SaleOrderLine {
	var out []*SaleOrderLine
	for _, l := range o.Lines {
		if l.Kind == LineProduct {
			out = append(out, l)
		}
	}
	return out
}

// ProductCount is the number of units in the order's product lines.
func (o *SaleOrder) ProductCount() decimal.Decimal {
	n := decimal.Zero
	for _, l := range o.ProductLines() {
		n = n.Add(l.Quantity)
	}
	return n
}

// SaleOrderLine is one line of an order: a product, the shipping, or a
// promotion discount.
type SaleOrderLine struct {
	bun.BaseModel `bun:"table:sale_order_lines,alias:sol"`

	ID            int64           `bun:"id,pk,autoincrement"`
	OrderID       int64           `bun:"order_id,notnull"`
	Sequence      int             `bun:"sequence,notnull"`
	Kind          string          `bun:"kind,notnull"`
	VariantID     *int64          `bun:"variant_id"`
	Description   string          `bun:"description,notnull"`
	Quantity      decimal.Decimal `bun:"quantity,type:numeric,notnull"`
	PriceUnit     decimal.Decimal `bun:"price_unit,type:numeric,notnull"`
	Discount      decimal.Decimal `bun:"discount,type:numeric,notnull"` // percent
	TaxIDs        []int64         `bun:"tax_ids,array,notnull"`
	PriceSubtotal decimal.Decimal `bun:"price_subtotal,type:numeric,notnull"`
	PriceTax      decimal.Decimal `bun:"price_tax,type:numeric,notnull"`
	PriceTotal    decimal.Decimal `bun:"price_total,type:numeric,notnull"`
	QtyDelivered  decimal.Decimal `bun:"qty_delivered,type:numeric,notnull"`
	QtyInvoiced   decimal.Decimal `bun:"qty_invoiced,type:numeric,notnull"`
	CreatedAt     time.Time       `bun:"created_at,notnull,default:current_timestamp"`
	UpdatedAt     time.Time       `bun:"updated_at,notnull,default:current_timestamp"`
}

// Carrier kinds.
const (
	CarrierFixed = "fixed"
	CarrierRules = "rules"
)

// Carrier is a shipping method.
type Carrier struct {
	bun.BaseModel `bun:"table:carriers,alias:ca"`

	ID           int64            `bun:"id,pk,autoincrement"`
	Name         string           `bun:"name,notnull"`
	Description  string           `bun:"description,notnull"`
	Kind         string           `bun:"kind,notnull"`
	FixedPrice   decimal.Decimal  `bun:"fixed_price,type:numeric,notnull"`
	FreeOver     *decimal.Decimal `bun:"free_over,type:numeric"`
	CountryCodes []string         `bun:"country_codes,array,notnull"`
	TaxID        *int64           `bun:"tax_id"`
	TrackingURL  string           `bun:"tracking_url,notnull"`
	Sequence     int              `bun:"sequence,notnull"`
	Active       bool             `bun:"active,notnull"`
	CreatedAt    time.Time        `bun:"created_at,notnull,default:current_timestamp"`
	UpdatedAt    time.Time        `bun:"updated_at,notnull,default:current_timestamp"`

	Rules []*CarrierRule `bun:"rel:has-many,join:id=carrier_id"`
}

// Rule variables: what a rule's condition and per-unit price look at.
const (
	RuleWeight   = "weight"
	RuleVolume   = "volume"
	RuleQuantity = "quantity"
	RulePrice    = "price"
)

// CarrierRule is one price rule of a rules-based carrier: when
// variable operator max_value holds, the price is
// base_price + per_unit_price * factor.
type CarrierRule struct {
	bun.BaseModel `bun:"table:carrier_rules,alias:cr"`

	ID           int64           `bun:"id,pk,autoincrement"`
	CarrierID    int64           `bun:"carrier_id,notnull"`
	Sequence     int             `bun:"sequence,notnull"`
	Variable     string          `bun:"variable,notnull"`
	Operator     string          `bun:"operator,notnull"`
	MaxValue     decimal.Decimal `bun:"max_value,type:numeric,notnull"`
	BasePrice    decimal.Decimal `bun:"base_price,type:numeric,notnull"`
	PerUnitPrice decimal.Decimal `bun:"per_unit_price,type:numeric,notnull"`
	Factor       string          `bun:"factor,notnull"`
}

// Coupon kinds.
const (
	CouponPercent = "percent"
	CouponFixed   = "fixed"
)

// Coupon is a promotion code a shopper types at checkout.
type Coupon struct {
	bun.BaseModel `bun:"table:coupons,alias:cp"`

	ID         int64           `bun:"id,pk,autoincrement"`
	Code       string          `bun:"code,notnull"`
	Name       string          `bun:"name,notnull"`
	Kind       string          `bun:"kind,notnull"`
	Amount     decimal.Decimal `bun:"amount,type:numeric,notnull"`
	MinAmount  decimal.Decimal `bun:"min_amount,type:numeric,notnull"`
	ValidFrom  *time.Time      `bun:"valid_from"`
	ValidUntil *time.Time      `bun:"valid_until"`
	UsageLimit *int            `bun:"usage_limit"`
	UsedCount  int             `bun:"used_count,notnull"`
	Active     bool            `bun:"active,notnull"`
	CreatedAt  time.Time       `bun:"created_at,notnull,default:current_timestamp"`
	UpdatedAt  time.Time       `bun:"updated_at,notnull,default:current_timestamp"`
}

// Payment provider codes.
const (
	ProviderTestCard = "test_card"
	ProviderWire     = "wire"
	ProviderCOD      = "cod"
)

// PaymentProvider is a way to pay, as configured in the back office.
type PaymentProvider struct {
	bun.BaseModel `bun:"table:payment_providers,alias:pp"`

	ID            int64     `bun:"id,pk,autoincrement"`
	Code          string    `bun:"code,notnull"`
	Name          string    `bun:"name,notnull"`
	State         string    `bun:"state,notnull"` // enabled | disabled
	Instructions  string    `bun:"instructions,notnull"`
	WebhookSecret string    `bun:"webhook_secret,notnull"`
	Sequence      int       `bun:"sequence,notnull"`
	UpdatedAt     time.Time `bun:"updated_at,notnull,default:current_timestamp"`
}

// Payment transaction states.
const (
	TxDraft      = "draft"
	TxPending    = "pending"
	TxAuthorized = "authorized"
	TxDone       = "done"
	TxCancel     = "cancel"
	TxError      = "error"
)

// PaymentTransaction is one attempt to pay an order through a provider.
type PaymentTransaction struct {
	bun.BaseModel `bun:"table:payment_transactions,alias:ptx"`

	ID                int64           `bun:"id,pk,autoincrement"`
	Reference         string          `bun:"reference,notnull"`
	OrderID           int64           `bun:"order_id,notnull"`
	ProviderID        int64           `bun:"provider_id,notnull"`
	Amount            decimal.Decimal `bun:"amount,type:numeric,notnull"`
	CurrencyCode      string          `bun:"currency_code,notnull"`
	State             string          `bun:"state,notnull"`
	ProviderReference string          `bun:"provider_reference,notnull"`
	StateMessage      string          `bun:"state_message,notnull"`
	CardLast4         string          `bun:"card_last4,notnull"`
	CreatedBy         *int64          `bun:"created_by"`
	CreatedAt         time.Time       `bun:"created_at,notnull,default:current_timestamp"`
	UpdatedAt         time.Time       `bun:"updated_at,notnull,default:current_timestamp"`

	Provider *PaymentProvider `bun:"rel:belongs-to,join:provider_id=id"`
}

// WebhookEvent is the log of one webhook received.
type WebhookEvent struct {
	bun.BaseModel `bun:"table:webhook_events,alias:we"`

	ID           int64     `bun:"id,pk,autoincrement"`
	ProviderCode string    `bun:"provider_code,notnull"`
	EventID      string    `bun:"event_id,notnull"`
	Status       string    `bun:"status,notnull"` // processed | duplicate | rejected | failed
	Message      string    `bun:"message,notnull"`
	RemoteAddr   string    `bun:"remote_addr,notnull"`
	Payload      string    `bun:"payload,notnull"`
	ReceivedAt   time.Time `bun:"received_at,notnull,default:current_timestamp"`
}

// MailMessage is an outgoing email, kept in the database.
type MailMessage struct {
	bun.BaseModel `bun:"table:mail_messages,alias:mm"`

	ID        int64      `bun:"id,pk,autoincrement"`
	To        string     `bun:"to_address,notnull"`
	Subject   string     `bun:"subject,notnull"`
	Body      string     `bun:"body,notnull"`
	ResModel  string     `bun:"res_model,notnull"`
	ResID     *int64     `bun:"res_id"`
	State     string     `bun:"state,notnull"`
	Error     string     `bun:"error,notnull"`
	CreatedBy *int64     `bun:"created_by"`
	CreatedAt time.Time  `bun:"created_at,notnull,default:current_timestamp"`
	SentAt    *time.Time `bun:"sent_at"`
	// Delivery through SMTP: tries so far, and when the sender may try next.
	Attempts      int       `bun:"attempts,notnull"`
	NextAttemptAt time.Time `bun:"next_attempt_at,nullzero,notnull,default:current_timestamp"`
}

type storedChoices struct{ carrierID, couponID *int64 }

// remember notes the order's shipping method and code as stored.
func (o *SaleOrder) remember() {
	o.stored = &storedChoices{carrierID: o.CarrierID, couponID: o.CouponID}
}

// UnitCount is the number of product units in the order (the header's cart
// count); 0 for a nil order.
func (o *SaleOrder) UnitCount() int {
	if o == nil {
		return 0
	}
	n := 0
	for _, l := range o.ProductLines() {
		n += int(l.Quantity.IntPart())
	}
	return n
}
