package models

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"
	"github.com/uptrace/bun"
)

// Quotations typed in the back office by a sales rep for a phone customer,
// and sending them by mail with the customer's portal link.
//
// Prices on quotations: the shop never trusts a posted price (a cart's lines
// always take the catalog's), but the back office is trusted staff: a sales
// rep may give a customer another unit price or a discount on a quotation.
// The form starts from the catalog price; recomputeOrder keeps the line
// prices of orders that are not carts and recomputes every amount from them.

// QuotationInput is a quotation as a sales rep types it. Amounts are never
// taken from here: they are recomputed from the lines with the model's
// pricing.
type QuotationInput struct {
	PartnerID    int64        // an existing customer (a contact); 0 with NewCustomer
	NewCustomer  bool         // create the customer from Customer
	Customer     AddressInput // the new customer: name and email required, the address optional
	Lines        []QuotationLineInput
	CarrierID    int64  // 0: no shipping method
	ValidityDate string // YYYY-MM-DD, or "" for none
	Note         string
}

// QuotationLineInput is one product line as typed.
type QuotationLineInput struct {
	VariantID int64
	Quantity  string
	Discount  string // percent; "" is 0
	PriceUnit string // "" takes the catalog price
}

// Quotation form limits.
const (
	maxQuotationLines    = 200
	maxQuotationNote     = 4000
	maxQuotationDecimals = 4 // the scale of the quantity, price and discount columns
)

var (
	maxQuotationQuantity = decimal.NewFromInt(1_000_000)
	maxQuotationPrice    = decimal.NewFromInt(1_000_000_000)
)

// AddProduct adds one unit of a variant to the input: a new line (at the
// catalog price), or one more on the line that already has it.
func (in *QuotationInput) AddProduct(variantID int64) {
	for i, l := range in.Lines {
		if l.VariantID == variantID {
			if q, err := parseFormDecimal(l.Quantity); err == nil {
				in.Lines[i].Quantity = q.Add(decimal.NewFromInt(1)).String()
			}
			return
		}
	}
	in.Lines = append(in.Lines, QuotationLineInput{VariantID: variantID, Quantity: "1", Discount: "0"})
}

// LineField is the form field name of a line's value: "lines.2.quantity".
func LineField(i int, name string) string { return "lines." + strconv.Itoa(i) + "." + name }

// parseFormDecimal reads a number typed in a form ("12", "12.5", "12,5").
func parseFormDecimal(s string) (decimal.Decimal, error) {
	s = strings.ReplaceAll(strings.TrimSpace(s), ",", ".")
	if s == "" || strings.ContainsAny(s, "eE") {
		return decimal.Zero, errors.New("not a number")
	}
	return decimal.NewFromString(s)
}

func tooManyDecimals(d decimal.Decimal) bool { return !d.Equal(d.Truncate(maxQuotationDecimals)) }

// quotationLine is a line after parsing.
type quotationLine struct {
	variantID int64
	quantity  decimal.Decimal
	discount  decimal.Decimal
	price     *decimal.Decimal // nil: the catalog price
}

// parsedQuotation is a valid QuotationInput.
type parsedQuotation struct {
	in       QuotationInput
	lines    []quotationLine
	validity *time.Time
	variants map[int64]variantPrice
}

// parseQuotation checks the input and the rows it names (customer,
// products, shipping method). All problems come back at once, keyed by form
// field: partner_id, customer_*, lines, lines.N.quantity / discount /
// price_unit / variant_id, carrier_id, validity_date, note.
func parseQuotation(ctx context.Context, db bun.IDB, in QuotationInput, current *SaleOrder) (*parsedQuotation, error) {
	p := Problems{}
	out := &parsedQuotation{in: in}
	out.in.Note = strings.TrimSpace(in.Note)
	switch {
	case in.NewCustomer:
		c := &out.in.Customer
		c.normalize()
		validateName(p, "customer_name", c.Name)
		validateEmail(p, "customer_email", c.Email)
		if len(c.Phone) > 50 {
			p.Add("customer_phone", "Use at most 50 characters.")
		}
		if c.Street != "" || c.City != "" || c.Zip != "" {
			c.validate(p, "customer_", true)
		} else if c.CountryCode != "" {
			if _, ok := Countries[c.CountryCode]; !ok {
				p.Add("customer_country_code", "Choose a country.")
			}
		}
		if _, bad := p["customer_email"]; !bad {
			exists, err := db.NewSelect().Model((*Contact)(nil)).Where("lower(email) = ? AND kind = ? AND parent_id IS NULL", c.Email, ContactPerson).Exists(ctx)
			if err != nil {
				return nil, fmt.Errorf("models: customer email: %w", err)
			}
			if exists {
				p.Add("customer_email", "A customer with this email already exists: search for them above instead.")
			}
		}
	case in.PartnerID == 0:
		p.Add("partner_id", "Choose the customer, or enter a new one.")
	default:
		c, err := GetContact(ctx, db, in.PartnerID)
		if ErrorCode(err) == ENOTFOUND || err == nil && c.Kind != ContactPerson {
			p.Add("partner_id", "Choose one of the customers found.")
		} else if err != nil {
			return nil, err
		}
	}

	if len(in.Lines) == 0 {
		p.Add("lines", "Add at least one product.")
	} else if len(in.Lines) > maxQuotationLines {
		p.Add("lines", fmt.Sprintf("A quotation has at most %d lines.", maxQuotationLines))
	}
	ids := make([]int64, 0, len(in.Lines))
	for _, l := range in.Lines {
		ids = append(ids, l.VariantID)
	}
	var err error
	if out.variants, err = loadVariantPrices(ctx, db, ids, true); err != nil {
		return nil, err
	}
	seen := map[int64]int{}
	for i, l := range in.Lines {
		ql := quotationLine{variantID: l.VariantID}
		v, ok := out.variants[l.VariantID]
		switch {
		case !ok:
			p.Add(LineField(i, "variant_id"), "This product does not exist.")
		case !v.Active:
			p.Add(LineField(i, "variant_id"), v.Name+" is archived and can no longer be sold.")
		}
		if first, dup := seen[l.VariantID]; dup {
			p.Add(LineField(i, "variant_id"), fmt.Sprintf("This product is already on line %d: change the quantity there.", first+1))
		}
		seen[l.VariantID] = i
		q, err := parseFormDecimal(l.Quantity)
		switch {
		case err != nil:
			p.Add(LineField(i, "quantity"), "Enter the quantity as a number.")
		case !q.IsPositive():
			p.Add(LineField(i, "quantity"), "The quantity must be more than 0.")
		case tooManyDecimals(q):
			p.Add(LineField(i, "quantity"), "Use at most 4 decimals.")
		case q.GreaterThan(maxQuotationQuantity):
			p.Add(LineField(i, "quantity"), "The quantity is too large.")
		}
		ql.quantity = q
		if strings.TrimSpace(l.Discount) != "" {
			dsc, err := parseFormDecimal(l.Discount)
			switch {
			case err != nil:
				p.Add(LineField(i, "discount"), "Enter the discount as a number.")
			case dsc.IsNegative() || dsc.GreaterThan(hundred):
				p.Add(LineField(i, "discount"), "The discount is a percentage from 0 to 100.")
			case tooManyDecimals(dsc):
				p.Add(LineField(i, "discount"), "Use at most 4 decimals.")
			}
			ql.discount = dsc
		}
		if strings.TrimSpace(l.PriceUnit) != "" {
			pr, err := parseFormDecimal(l.PriceUnit)
			switch {
			case err != nil:
				p.Add(LineField(i, "price_unit"), "Enter the unit price as a number.")
			case pr.IsNegative():
				p.Add(LineField(i, "price_unit"), "The unit price cannot be negative.")
			case tooManyDecimals(pr):
				p.Add(LineField(i, "price_unit"), "Use at most 4 decimals.")
			case pr.GreaterThan(maxQuotationPrice):
				p.Add(LineField(i, "price_unit"), "The unit price is too large.")
			}
			ql.price = &pr
		}
		out.lines = append(out.lines, ql)
	}

	if in.CarrierID != 0 {
		ok, err := db.NewSelect().Model((*Carrier)(nil)).Where("id = ? AND active", in.CarrierID).Exists(ctx)
		if err != nil {
			return nil, fmt.Errorf("models: quotation carrier: %w", err)
		}
		if !ok {
			p.Add("carrier_id", "Choose one of the shipping methods.")
		}
	}
	if s := strings.TrimSpace(in.ValidityDate); s != "" {
		d, err := time.Parse(time.DateOnly, s)
		unchanged := current != nil && current.ValidityDate != nil && current.ValidityDate.Format(time.DateOnly) == s
		switch {
		case err != nil:
			p.Add("validity_date", "Enter the date as YYYY-MM-DD.")
		case !unchanged && d.Before(today()):
			p.Add("validity_date", "The validity date cannot be in the past.")
		default:
			out.validity = &d
		}
	}
	if len(out.in.Note) > maxQuotationNote {
		p.Add("note", fmt.Sprintf("Use at most %d characters.", maxQuotationNote))
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

func today() time.Time {
	y, m, d := time.Now().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// writeQuotation creates (o == nil) or rewrites a quotation from q inside
// tx and recomputes its amounts. A shipping method that cannot ship the
// order is an EINVALID problem on carrier_id. A preview takes no number.
func writeQuotation(ctx context.Context, tx bun.Tx, co *Company, o *SaleOrder, q *parsedQuotation, actorID int64, preview bool) (*SaleOrder, error) {
	partnerID := q.in.PartnerID
	if q.in.NewCustomer {
		c := q.in.Customer.contact(ContactPerson, nil)
		if _, err := tx.NewInsert().Model(c).Returning("id").Exec(ctx); err != nil {
			return nil, fmt.Errorf("models: create customer: %w", err)
		}
		partnerID = c.ID
		if !preview {
			if err := RecordHistory(ctx, tx, "contact", c.ID, actorID, "Customer created from a quotation."); err != nil {
				return nil, err
			}
		}
	}
	var carrierID *int64
	if q.in.CarrierID != 0 {
		carrierID = &q.in.CarrierID
	}
	if o == nil {
		wh, err := shopWarehouseID(ctx, tx, co)
		if err != nil {
			return nil, err
		}
		o = &SaleOrder{State: OrderDraft, Origin: OriginOffice, WarehouseID: wh, CurrencyCode: co.CurrencyCode,
			PaymentStatus: PaymentNotPaid, DeliveryStatus: DeliveryNone, AccessToken: newAccessToken(), DateOrder: time.Now()}
		if actorID != 0 {
			o.SalespersonID = &actorID
		}
		if !preview {
			if err := assignOrderName(ctx, tx, o); err != nil {
				return nil, err
			}
		}
	}
	o.PartnerID, o.InvoicePartnerID, o.ShippingPartnerID = &partnerID, &partnerID, &partnerID
	o.CarrierID, o.ValidityDate, o.Note = carrierID, q.validity, q.in.Note
	if o.ID == 0 {
		if _, err := tx.NewInsert().Model(o).Returning("id, created_at, updated_at").Exec(ctx); err != nil {
			return nil, fmt.Errorf("models: create quotation: %w", err)
		}
	} else {
		if _, err := tx.NewUpdate().Model(o).Column("partner_id", "invoice_partner_id", "shipping_partner_id", "carrier_id", "validity_date", "note").
			Set("updated_at = now()").WherePK().Exec(ctx); err != nil {
			return nil, fmt.Errorf("models: update quotation: %w", err)
		}
		if _, err := tx.NewDelete().Model((*SaleOrderLine)(nil)).Where("order_id = ?", o.ID).Exec(ctx); err != nil {
			return nil, fmt.Errorf("models: replace quotation lines: %w", err)
		}
	}
	lines := make([]*SaleOrderLine, len(q.lines))
	for i, l := range q.lines {
		v := q.variants[l.variantID]
		price := v.Price
		if l.price != nil {
			price = *l.price
		}
		lines[i] = &SaleOrderLine{OrderID: o.ID, Sequence: 10 * (i + 1), Kind: LineProduct, VariantID: &l.variantID,
			Description: v.Name, Quantity: l.quantity, PriceUnit: price, Discount: l.discount, TaxIDs: v.TaxIDs}
		if lines[i].TaxIDs == nil {
			lines[i].TaxIDs = []int64{}
		}
	}
	if _, err := tx.NewInsert().Model(&lines).Exec(ctx); err != nil {
		return nil, fmt.Errorf("models: insert quotation lines: %w", err)
	}
	notices, err := recomputeOrder(ctx, tx, co, o)
	if ErrorCode(err) == EINVALID && len(FieldErrors(err)) == 0 {
		msg := ErrorMessage(err) + " Choose another shipping method."
		return nil, &Error{Code: EINVALID, Message: msg, Fields: map[string]string{"carrier_id": msg}}
	}
	if err != nil {
		return nil, err
	}
	if len(notices) > 0 {
		return nil, &Error{Code: EINVALID, Message: notices[0], Fields: map[string]string{"carrier_id": notices[0]}}
	}
	return o, nil
}

// CreateQuotation creates a quotation typed by a sales rep (origin office,
// state draft, numbered S00042), creating the customer when asked. Unit
// prices default to the catalog's and may be changed (trusted staff); every
// amount is recomputed with the model's pricing. Invalid input returns
// EINVALID with a problem per field and saves nothing.
func CreateQuotation(ctx context.Context, db *bun.DB, in QuotationInput, actorID int64) (*SaleOrder, error) {
	co, err := GetCompany(ctx, db)
	if err != nil {
		return nil, err
	}
	q, err := parseQuotation(ctx, db, in, nil)
	if err != nil {
		return nil, err
	}
	var out *SaleOrder
	err = db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		o, err := writeQuotation(ctx, tx, co, nil, q, actorID, false)
		if err != nil {
			return err
		}
		out = o
		return RecordHistory(ctx, tx, "sale_order", o.ID, actorID, fmt.Sprintf("Quotation created: %s, total %s.",
			plural(len(o.ProductLines()), "product"), co.Currency().Format(o.AmountTotal)))
	})
	if err != nil {
		return nil, wrapOp(err, "create quotation")
	}
	return out, nil
}

// UpdateQuotation replaces the customer, lines, shipping method, validity
// and note of a quotation typed in the back office, while it is a draft or
// sent (ECONFLICT otherwise). The order row is locked while it changes.
// Invalid input returns EINVALID per field and changes nothing.
func UpdateQuotation(ctx context.Context, db *bun.DB, id int64, in QuotationInput, actorID int64) (*SaleOrder, error) {
	co, err := GetCompany(ctx, db)
	if err != nil {
		return nil, err
	}
	current, err := GetOrder(ctx, db, id)
	if err != nil {
		return nil, err
	}
	if !quotationEditable(current) {
		return nil, notEditable(current)
	}
	q, err := parseQuotation(ctx, db, in, current)
	if err != nil {
		return nil, err
	}
	var out *SaleOrder
	err = db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		o, err := lockOrder(ctx, tx, id)
		if err != nil {
			return err
		}
		if !quotationEditable(o) {
			return notEditable(o)
		}
		if err := stopQuotationPayments(ctx, tx, co, o, actorID); err != nil {
			return err
		}
		if o, err = writeQuotation(ctx, tx, co, o, q, actorID, false); err != nil {
			return err
		}
		out = o
		return RecordHistory(ctx, tx, "sale_order", o.ID, actorID, fmt.Sprintf("Quotation updated: %s, total %s.",
			plural(len(o.ProductLines()), "product"), co.Currency().Format(o.AmountTotal)))
	})
	if err != nil {
		return nil, wrapOp(err, "update quotation")
	}
	return out, nil
}

// stopQuotationPayments makes way for a change to a quotation the customer
// may have started to pay, in tx with the quotation locked. A payment
// under way (pending, authorized or done: the customer was told its amount,
// the money may be on its way) refuses the change. A payment the customer
// has not finished (draft: the card page is open) is cancelled, so that it
// can no longer charge the old total; the customer accepts the new one.
func stopQuotationPayments(ctx context.Context, tx bun.IDB, co *Company, o *SaleOrder, actorID int64) error {
	var open []PaymentTransaction
	if err := tx.NewSelect().Model(&open).Where("order_id = ? AND state IN (?)", o.ID,
		bun.In([]string{TxDraft, TxPending, TxAuthorized, TxDone})).Order("id").Scan(ctx); err != nil {
		return fmt.Errorf("models: payments of the quotation: %w", err)
	}
	for _, t := range open {
		if t.State != TxDraft {
			return Errorf(ECONFLICT, "The customer's payment %s of %s is %s: %s can no longer be changed. Cancel it and make a new quotation if it must change.",
				t.Reference, co.Currency().Format(t.Amount), map[string]string{TxPending: "pending", TxAuthorized: "authorized", TxDone: "paid"}[t.State], o.Number())
		}
	}
	return cancelDraftPayments(ctx, tx, o, open, "The quotation changed: accept its new total.", actorID, func(t PaymentTransaction) string {
		return fmt.Sprintf("Payment %s of %s cancelled: the quotation changed before the customer paid.", t.Reference, co.Currency().Format(t.Amount))
	})
}

func notEditable(o *SaleOrder) error {
	if o.Origin != OriginOffice {
		return Errorf(ECONFLICT, "%s is a web order: its lines can no longer be changed here.", o.Number())
	}
	return Errorf(ECONFLICT, "%s is %s: it can no longer be edited.", o.Number(), map[string]string{OrderSale: "confirmed", OrderCancel: "cancelled"}[o.State])
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return strconv.Itoa(n) + " " + what + "s"
}

// SaleVariantOption is a product variant a sales rep can put on a quotation.
type SaleVariantOption struct {
	ID       int64           `bun:"id"`
	SKU      string          `bun:"sku"`
	Barcode  string          `bun:"barcode"`
	Name     string          `bun:"name"`
	Price    decimal.Decimal `bun:"price,type:numeric"`
	Storable bool            `bun:"storable"`
	Active   bool            `bun:"active"`
	Taxes    string          `bun:"taxes"` // "VAT 21%, ..."
	Free     decimal.Decimal `bun:"-"`     // free stock in the shop's warehouse
}

// saleVariantOptions returns variants by id, or the active ones matching
// search (name, SKU or barcode), with their free stock.
func saleVariantOptions(ctx context.Context, db bun.IDB, co *Company, ids []int64, search string, limit int) ([]SaleVariantOption, error) {
	var out []SaleVariantOption
	q := db.NewSelect().TableExpr("product_variants AS v").
		ColumnExpr("v.id, v.sku, coalesce(v.barcode, '') AS barcode, t.list_price + v.price_extra AS price").
		ColumnExpr("t.name || coalesce(' (' || vals.label || ')', '') AS name, t.type = 'storable' AS storable, v.active AND t.active AS active").
		ColumnExpr(`coalesce((SELECT string_agg(tx.name, ', ' ORDER BY tx.sequence, tx.id) FROM product_template_taxes x
			JOIN taxes tx ON tx.id = x.tax_id WHERE x.template_id = t.id), '') AS taxes`).
		Join("JOIN product_templates AS t ON t.id = v.template_id").
		Join("LEFT JOIN LATERAL (" + variantLabelSQL + ") vals ON true")
	if ids != nil {
		q = q.Where("v.id = ANY(?)", pgArray(ids))
	} else {
		like := likePattern(search)
		q = q.Where("v.active AND t.active").
			Where("(t.name ILIKE ? OR v.sku ILIKE ? OR v.barcode = ? OR vals.label ILIKE ?)", like, like, strings.TrimSpace(search), like).
			OrderExpr("t.name, v.sku").Limit(int64(limit))
	}
	if err := q.Scan(ctx, &out); err != nil {
		return nil, fmt.Errorf("models: sale variants: %w", err)
	}
	wh, err := shopWarehouseID(ctx, db, co)
	if err != nil || wh == nil || len(out) == 0 {
		return out, err
	}
	vids := make([]int64, len(out))
	for i, v := range out {
		vids[i] = v.ID
	}
	figs, err := Availability(ctx, db, *wh, vids)
	if err != nil {
		return nil, err
	}
	for i := range out {
		out[i].Free = figs[out[i].ID].Free()
	}
	return out, nil
}

// SearchSaleVariants finds active variants by name, SKU or barcode for the
// quotation form's product picker (at most limit).
func SearchSaleVariants(ctx context.Context, db bun.IDB, search string, limit int) ([]SaleVariantOption, error) {
	if strings.TrimSpace(search) == "" {
		return nil, nil
	}
	co, err := GetCompany(ctx, db)
	if err != nil {
		return nil, err
	}
	return saleVariantOptions(ctx, db, co, nil, search, limit)
}

// CustomerOption is a customer the quotation form's picker found, with
// what tells namesakes apart: their address and their orders.
type CustomerOption struct {
	Contact     `bun:",extend"`
	Orders      int        `bun:"orders,scanonly"`
	LastOrderAt *time.Time `bun:"last_order_at,scanonly"`
}

// CustomerOptions is one page of the picker: at most the limit asked, and
// whether more matched.
type CustomerOptions struct {
	Found []CustomerOption
	More  bool
}

// SearchCustomers finds customers (contacts, not their saved addresses) by
// name, email or phone, with their order count and last order: each guest
// checkout makes a contact, so one person may be found several times.
func SearchCustomers(ctx context.Context, db bun.IDB, search string, limit int) (CustomerOptions, error) {
	s := strings.TrimSpace(search)
	if s == "" {
		return CustomerOptions{}, nil
	}
	var out []CustomerOption
	like := likePattern(s)
	// The orders are counted for the contacts shown only (a namesake found
	// 100,000 times must not be counted 100,000 times): the newest first,
	// then those who ordered before the others.
	err := db.NewRaw(`WITH found AS (
			SELECT c.* FROM contacts c WHERE c.kind = ? AND c.parent_id IS NULL AND (c.name ILIKE ? OR c.email ILIKE ? OR c.phone ILIKE ?)
			ORDER BY c.name, c.id DESC LIMIT ?)
		SELECT found.*, s.orders, s.last_order_at FROM found
		CROSS JOIN LATERAL (SELECT count(*) AS orders, max(so.date_order) AS last_order_at FROM sale_orders so
			WHERE so.partner_id = found.id AND so.state IN ('sent', 'sale')) s
		ORDER BY found.name, s.last_order_at DESC NULLS LAST, found.id DESC`, ContactPerson, like, like, like, limit+1).Scan(ctx, &out)
	if err != nil {
		return CustomerOptions{}, fmt.Errorf("models: search customers: %w", err)
	}
	if len(out) > limit {
		return CustomerOptions{Found: out[:limit], More: true}, nil
	}
	return CustomerOptions{Found: out}, nil
}

// QuotationSearch is what the pickers of the quotation form look for when
// the form is shown again without JavaScript.
type QuotationSearch struct {
	Customer string
	Product  string
}

// QuotationForm is everything the quotation form shows.
type QuotationForm struct {
	Order     *SaleOrder // the quotation edited; nil for a new one
	Input     QuotationInput
	Variants  map[int64]SaleVariantOption // the products of the lines
	Partner   *Contact                    // the chosen customer
	Carriers  []Carrier
	Customers CustomerOptions     // customer picker results
	Products  []SaleVariantOption // product picker results
	Preview   *SaleOrder          // the amounts the quotation would have; nil while the input has problems
	Problems  map[string]string   // why there is no preview
}

// QuotationFormFor prepares the quotation form: for a new quotation
// (orderID 0) or one being edited (ECONFLICT once it is confirmed or
// cancelled). With in nil it starts from the saved quotation (or an empty
// one valid for 30 days); otherwise it shows in, with the catalog price
// filled into lines without a price and the amounts it would have
// (computed in a transaction that is rolled back).
func QuotationFormFor(ctx context.Context, db *bun.DB, orderID int64, in *QuotationInput, search QuotationSearch) (*QuotationForm, error) {
	co, err := GetCompany(ctx, db)
	if err != nil {
		return nil, err
	}
	f := &QuotationForm{}
	if orderID != 0 {
		if f.Order, err = GetOrder(ctx, db, orderID); err != nil {
			return nil, err
		}
		if !quotationEditable(f.Order) {
			return nil, notEditable(f.Order)
		}
	}
	switch {
	case in != nil:
		f.Input = *in
	case f.Order != nil:
		f.Input = quotationInputOf(f.Order)
	default:
		f.Input = QuotationInput{ValidityDate: today().AddDate(0, 0, 30).Format(time.DateOnly)}
	}
	ids := make([]int64, 0, len(f.Input.Lines))
	for _, l := range f.Input.Lines {
		ids = append(ids, l.VariantID)
	}
	f.Variants = map[int64]SaleVariantOption{}
	if len(ids) > 0 {
		vs, err := saleVariantOptions(ctx, db, co, ids, "", 0)
		if err != nil {
			return nil, err
		}
		for _, v := range vs {
			f.Variants[v.ID] = v
		}
	}
	f.Input.Lines = append([]QuotationLineInput(nil), f.Input.Lines...)
	for i, l := range f.Input.Lines {
		if v, ok := f.Variants[l.VariantID]; ok && strings.TrimSpace(l.PriceUnit) == "" {
			f.Input.Lines[i].PriceUnit = formPrice(v.Price)
		}
	}
	if f.Input.PartnerID != 0 && !f.Input.NewCustomer {
		if c, err := GetContact(ctx, db, f.Input.PartnerID); err == nil {
			f.Partner = c
		}
	}
	if err := db.NewSelect().Model(&f.Carriers).Where("active").Order("sequence", "id").Scan(ctx); err != nil {
		return nil, fmt.Errorf("models: quotation carriers: %w", err)
	}
	if f.Customers, err = SearchCustomers(ctx, db, search.Customer, 8); err != nil {
		return nil, err
	}
	if search.Product != "" {
		if f.Products, err = saleVariantOptions(ctx, db, co, nil, search.Product, 8); err != nil {
			return nil, err
		}
	}
	if len(f.Input.Lines) > 0 {
		f.Preview, err = previewQuotation(ctx, db, co, f.Order, f.Input)
		if ErrorCode(err) == EINVALID {
			f.Problems, f.Preview, err = FieldErrors(err), nil, nil
		}
		if err != nil {
			return nil, err
		}
	}
	return f, nil
}

var errPreviewDone = errors.New("quotation preview: roll back")

// previewQuotation computes the amounts a quotation would have, writing it
// in a transaction that is always rolled back.
func previewQuotation(ctx context.Context, db *bun.DB, co *Company, current *SaleOrder, in QuotationInput) (*SaleOrder, error) {
	q, err := parseQuotation(ctx, db, in, current)
	if err != nil {
		return nil, err
	}
	var out *SaleOrder
	err = db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		o, err := writeQuotation(ctx, tx, co, nil, q, 0, true)
		if err != nil {
			return err
		}
		out = o
		return errPreviewDone
	})
	if errors.Is(err, errPreviewDone) {
		return out, nil
	}
	return nil, wrapOp(err, "preview quotation")
}

// quotationInputOf is the form input of a saved quotation.
func quotationInputOf(o *SaleOrder) QuotationInput {
	in := QuotationInput{Note: o.Note}
	if o.PartnerID != nil {
		in.PartnerID = *o.PartnerID
	}
	if o.CarrierID != nil {
		in.CarrierID = *o.CarrierID
	}
	if o.ValidityDate != nil {
		in.ValidityDate = o.ValidityDate.Format(time.DateOnly)
	}
	for _, l := range o.ProductLines() {
		in.Lines = append(in.Lines, QuotationLineInput{VariantID: *l.VariantID, Quantity: l.Quantity.String(),
			Discount: l.Discount.String(), PriceUnit: formPrice(l.PriceUnit)})
	}
	return in
}

// formPrice writes a unit price for a form: two decimals, more when it has them.
func formPrice(d decimal.Decimal) string {
	if d.Equal(d.Round(2)) {
		return d.StringFixed(2)
	}
	return d.String()
}

// --- Sending, payments ------------------------------------------------------

// SendQuotation mails a quotation to its customer with the link to see it
// online (portalURL gives the full address of an order's page: the web
// layer owns that address) and marks it sent. The mail goes to box (see
// QueueMail: "outgoing" for the SMTP sender, or "kept" when box is nil).
// Sending again sends another mail. It returns the mail; ECONFLICT when the
// order is not a quotation typed in the back office or the customer has no
// email address.
func SendQuotation(ctx context.Context, db *bun.DB, box *Outbox, orderID int64, portalURL func(*SaleOrder) string, actorID int64) (*MailMessage, error) {
	co, err := GetCompany(ctx, db)
	if err != nil {
		return nil, err
	}
	var mail *MailMessage
	err = db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		o, err := lockOrder(ctx, tx, orderID)
		if err != nil {
			return err
		}
		if !quotationEditable(o) {
			if o.Origin != OriginOffice {
				return Errorf(ECONFLICT, "%s is a web order: the customer already has its link.", o.Number())
			}
			return Errorf(ECONFLICT, "%s is no longer a quotation.", o.Number())
		}
		if err := tx.NewSelect().Model(&o.Lines).Where("order_id = ?", o.ID).Order("sequence", "id").Scan(ctx); err != nil {
			return err
		}
		if len(o.ProductLines()) == 0 {
			return Errorf(ECONFLICT, "Add a product to %s before sending it.", o.Number())
		}
		if o.PartnerID == nil {
			return Errorf(ECONFLICT, "Choose the customer of %s before sending it.", o.Number())
		}
		customer, err := GetContact(ctx, tx, *o.PartnerID)
		if err != nil {
			return err
		}
		if customer.Email == "" {
			return Errorf(ECONFLICT, "%s has no email address: add one to send the quotation.", customer.Name)
		}
		var sender string
		if actorID != 0 {
			_ = tx.NewRaw("SELECT name FROM users WHERE id = ?", actorID).Scan(ctx, &sender)
		}
		mail, err = QueueMail(ctx, tx, box, MailMessage{To: customer.Email, Subject: fmt.Sprintf("Quotation %s from %s", o.Number(), co.Name),
			Body: quotationMailBody(co, o, customer, sender, portalURL(o)), ResModel: "sale_order", ResID: &o.ID, CreatedBy: &actorID})
		if err != nil {
			return err
		}
		if o.State == OrderDraft {
			o.State = OrderSent
			if _, err := tx.NewUpdate().Model(o).Column("state").Set("updated_at = now()").WherePK().Exec(ctx); err != nil {
				return fmt.Errorf("models: mark quotation sent: %w", err)
			}
		}
		return RecordHistory(ctx, tx, "sale_order", o.ID, actorID, "Quotation sent by email to "+customer.Email+".")
	})
	if err != nil {
		return nil, wrapOp(err, "send quotation")
	}
	box.Queued()
	return mail, nil
}

// quotationMailBody is the plain-text mail that carries a quotation.
func quotationMailBody(co *Company, o *SaleOrder, customer *Contact, sender, link string) string {
	cur := co.Currency()
	var b strings.Builder
	fmt.Fprintf(&b, "Hello %s,\n\n", customer.Name)
	fmt.Fprintf(&b, "Here is your quotation %s from %s.\n\n", o.Number(), co.Name)
	writeOrderSummary(&b, cur, o)
	if o.ValidityDate != nil {
		fmt.Fprintf(&b, "Valid until: %s\n", o.ValidityDate.Format("2 January 2006"))
	}
	fmt.Fprintf(&b, "\nSee it online and accept it here:\n%s\n", link)
	if o.Note != "" {
		fmt.Fprintf(&b, "\n%s\n", o.Note)
	}
	b.WriteString("\nKind regards,\n")
	if sender != "" {
		b.WriteString(sender + "\n")
	}
	b.WriteString(co.Name + "\n")
	return b.String()
}
