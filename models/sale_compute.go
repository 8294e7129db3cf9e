package models

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"
	"github.com/uptrace/bun"
)

// ShippingBasis is what a shipping price depends on.
type ShippingBasis struct {
	Weight      decimal.Decimal // kg
	Volume      decimal.Decimal // m3
	Quantity    decimal.Decimal // units
	Price       decimal.Decimal // products, taxes included, after discounts
	CountryCode string          // the delivery address's country ("" when not known yet)
}

func (b ShippingBasis) value(variable string) decimal.Decimal {
	switch variable {
	case RuleWeight:
		return b.Weight
	case RuleVolume:
		return b.Volume
	case RuleQuantity:
		return b.Quantity
	default:
		return b.Price
	}
}

// Ships reports whether the carrier delivers to the country ("" matches
// every carrier, for a price estimate before the address is known).
func (c *Carrier) Ships(country string) bool {
	return country == "" || len(c.CountryCodes) == 0 || slices.Contains(c.CountryCodes, country)
}

// Holds reports whether the rule's condition is true for the basis.
func (r *CarrierRule) Holds(b ShippingBasis) bool {
	v := b.value(r.Variable)
	switch r.Operator {
	case "<":
		return v.LessThan(r.MaxValue)
	case "<=":
		return v.LessThanOrEqual(r.MaxValue)
	case "=":
		return v.Equal(r.MaxValue)
	case ">=":
		return v.GreaterThanOrEqual(r.MaxValue)
	default:
		return v.GreaterThan(r.MaxValue)
	}
}

// Price is the shipping price (before the carrier's tax is applied the way
// the tax says) for an order with basis b: the fixed price, or the first
// matching rule's price; free when the order reaches FreeOver. It is an
// EINVALID error when the carrier does not ship there or no rule matches.
func (c *Carrier) Price(b ShippingBasis, cur Currency) (decimal.Decimal, error) {
	if !c.Ships(b.CountryCode) {
		return decimal.Zero, Errorf(EINVALID, "%s does not deliver to this country.", c.Name)
	}
	if c.FreeOver != nil && b.Price.GreaterThanOrEqual(*c.FreeOver) {
		return decimal.Zero, nil
	}
	if c.Kind == CarrierFixed {
		return cur.Round(c.FixedPrice), nil
	}
	rules := slices.Clone(c.Rules)
	sort.SliceStable(rules, func(i, j int) bool {
		if rules[i].Sequence != rules[j].Sequence {
			return rules[i].Sequence < rules[j].Sequence
		}
		return rules[i].ID < rules[j].ID
	})
	for _, r := range rules {
		if r.Holds(b) {
			return cur.Round(r.BasePrice.Add(r.PerUnitPrice.Mul(b.value(r.Factor)))), nil
		}
	}
	return decimal.Zero, Errorf(EINVALID, "%s cannot ship this order: no price rule matches it.", c.Name)
}

// CouponProblem says why a coupon cannot be used on an order of amount
// (taxes included, before the discount) at time now; "" when it can.
func (cp *Coupon) CouponProblem(amount decimal.Decimal, now time.Time, cur Currency) string {
	switch {
	case !cp.Active:
		return "This code is no longer valid."
	case cp.ValidFrom != nil && now.Before(*cp.ValidFrom):
		return "This code is not valid yet."
	case cp.ValidUntil != nil && now.After(*cp.ValidUntil):
		return "This code has expired."
	case cp.UsageLimit != nil && cp.UsedCount >= *cp.UsageLimit:
		return "This code has been used up."
	case amount.LessThan(cp.MinAmount):
		return fmt.Sprintf("This code needs an order of at least %s.", cur.Format(cp.MinAmount))
	}
	return ""
}

// Label describes the coupon's reward: "10% off" or "€5.00 off".
func (cp *Coupon) Label(cur Currency) string {
	if cp.Kind == CouponPercent {
		return cp.Amount.String() + "% off"
	}
	return cur.Format(cp.Amount) + " off"
}

// orderPricing is what recomputing an order needs besides its lines.
type orderPricing struct {
	co       *Company
	cur      Currency
	taxes    map[int64]Tax
	carrier  *Carrier
	coupon   *Coupon
	country  string
	variants map[int64]variantPrice
}

type variantPrice struct {
	ID         int64           `bun:"id"`
	TemplateID int64           `bun:"template_id"`
	Name       string          `bun:"name"`
	Price      decimal.Decimal `bun:"price,type:numeric"`
	Weight     decimal.Decimal `bun:"weight,type:numeric"`
	Volume     decimal.Decimal `bun:"volume,type:numeric"`
	TaxIDs     []int64         `bun:"tax_ids,array"`
	Storable   bool            `bun:"storable"`
	Service    bool            `bun:"service"`
	Active     bool            `bun:"active"`
	Published  bool            `bun:"published"`
}

// variantName is the SQL for a variant's description: "Product (M, Blue)".
const variantName = `t.name || coalesce(' (' || (SELECT string_agg(av.name, ', ' ORDER BY a.sequence, a.id)
		           FROM product_variant_values vv JOIN product_attribute_values av ON av.id = vv.value_id
		           JOIN product_attributes a ON a.id = av.attribute_id WHERE vv.variant_id = v.id) || ')', '')`

// loadVariantPrices returns the selling price, weight, volume and taxes of
// variants, with their description when names is set (it costs a sub-query
// per variant; recomputing a cart does not need it). Through the request's
// reference cache the names always come along, read once per variant.
func loadVariantPrices(ctx context.Context, db bun.IDB, ids []int64, names bool) (map[int64]variantPrice, error) {
	if len(ids) == 0 {
		return map[int64]variantPrice{}, nil
	}
	return cachedByID(ctx, refVariants, ids, func(ids []int64) (map[int64]variantPrice, error) {
		_, cached := ctx.Value(refCacheKey{}).(*RefCache)
		return queryVariantPrices(ctx, db, ids, names || cached)
	})
}

func queryVariantPrices(ctx context.Context, db bun.IDB, ids []int64, names bool) (map[int64]variantPrice, error) {
	out := make(map[int64]variantPrice, len(ids))
	name := "t.name"
	if names {
		name = variantName
	}
	var rows []variantPrice
	err := queryPrepared(ctx, db, `
		SELECT v.id, v.template_id, `+name+` AS name,
		       t.list_price + v.price_extra AS price,
		       coalesce(v.weight, t.weight) AS weight, t.volume,
		       coalesce((SELECT array_agg(x.tax_id ORDER BY tx.sequence, tx.id) FROM product_template_taxes x
		           JOIN taxes tx ON tx.id = x.tax_id AND tx.active WHERE x.template_id = t.id), '{}') AS tax_ids,
		       t.type = 'storable' AS storable, t.type = 'service' AS service, v.active AND t.active AS active, t.published
		FROM product_variants v JOIN product_templates t ON t.id = v.template_id
		WHERE v.id = ANY($1)`, []any{ids}, &rows)
	if err != nil {
		return nil, fmt.Errorf("models: load variant prices: %w", err)
	}
	for _, r := range rows {
		out[r.ID] = r
	}
	return out, nil
}

// loadTaxes returns the taxes of ids (active or not), from the request's
// reference cache when there is one.
func loadTaxes(ctx context.Context, db bun.IDB, ids []int64) (map[int64]Tax, error) {
	out := map[int64]Tax{}
	if len(ids) == 0 {
		return out, nil
	}
	all, err := cachedRef(ctx, refTaxes, func() (map[int64]Tax, error) {
		var taxes []Tax
		if err := db.NewSelect().Model(&taxes).Scan(ctx); err != nil {
			return nil, fmt.Errorf("models: load taxes: %w", err)
		}
		m := make(map[int64]Tax, len(taxes))
		for _, t := range taxes {
			m[t.ID] = t
		}
		return m, nil
	})
	if err != nil {
		return nil, err
	}
	for _, id := range ids {
		if t, ok := all[id]; ok {
			out[id] = t
		}
	}
	return out, nil
}

// allCarriers returns every shipping method (archived ones too) with its
// rules, by sequence, from the request's reference cache when there is one.
// The carriers are shared: do not modify them.
func allCarriers(ctx context.Context, db bun.IDB) ([]*Carrier, error) {
	return cachedRef(ctx, refCarriers, func() ([]*Carrier, error) {
		var carriers []*Carrier
		if err := db.NewSelect().Model(&carriers).Relation("Rules").Order("ca.sequence", "ca.id").Scan(ctx); err != nil {
			return nil, fmt.Errorf("models: list carriers: %w", err)
		}
		return carriers, nil
	})
}

// getCarrier returns a copy of the shipping method id with its rules.
func getCarrier(ctx context.Context, db bun.IDB, id int64) (*Carrier, error) {
	all, err := allCarriers(ctx, db)
	if err != nil {
		return nil, err
	}
	for _, c := range all {
		if c.ID == id {
			cp := *c
			return &cp, nil
		}
	}
	return nil, Errorf(ENOTFOUND, "The shipping method was not found.")
}

// lineAmounts computes a line's untaxed, tax and total amounts.
func lineAmounts(l *SaleOrderLine, p *orderPricing) TaxResult {
	// A fixed code's discount is an amount with taxes ("€10.00 off" takes
	// 10.00 off the total): its line's price includes its taxes, whatever
	// the products' taxes say (as Odoo forces price-included taxes on a
	// fixed reward).
	fixedOff := l.Kind == LineDiscount && p.coupon != nil && p.coupon.Kind == CouponFixed
	taxes := make([]Tax, 0, len(l.TaxIDs))
	for _, id := range l.TaxIDs {
		if t, ok := p.taxes[id]; ok {
			t.PriceInclude = t.PriceInclude || fixedOff
			taxes = append(taxes, t)
		}
	}
	price := l.PriceUnit.Mul(hundred.Sub(l.Discount)).Div(hundred)
	return ComputeTaxes(taxes, price, l.Quantity, p.cur, p.co.TaxRounding == "global")
}

// recomputeOrder brings an order's amounts up to date, inside tx with the
// order row locked: a cart's product lines take the catalog's current prices
// and taxes; the discount and shipping lines are rebuilt from the coupon and
// the carrier (both are dropped, with a notice, when they no longer apply);
// line and order totals are recomputed with the company's tax rounding.
// It returns notices for the shopper.
func recomputeOrder(ctx context.Context, tx bun.IDB, co *Company, o *SaleOrder) ([]string, error) {
	return priceOrder(ctx, tx, co, o, priceSave)
}

// What priceOrder writes.
type priceMode int

const (
	priceSave      priceMode = iota // the lines and the order's totals
	priceSaveLines                  // the lines; the caller writes the order's totals with its own update
	pricePreview                    // nothing: computed in memory
)

// priceOrder is recomputeOrder, writing what mode says.
func priceOrder(ctx context.Context, tx bun.IDB, co *Company, o *SaleOrder, mode priceMode) ([]string, error) {
	var notices []string
	if !o.linesCurrent {
		if err := loadOrderLines(ctx, tx, o); err != nil {
			return nil, err
		}
	}
	p := &orderPricing{co: co, cur: co.Currency()}
	var products, oldDerived []*SaleOrderLine
	var variantIDs []int64
	oldProducts := map[int64]SaleOrderLine{}
	for _, l := range o.Lines {
		if l.Kind == LineProduct {
			products = append(products, l)
			variantIDs = append(variantIDs, *l.VariantID)
			oldProducts[l.ID] = *l
		} else {
			oldDerived = append(oldDerived, l)
		}
	}
	oldTotals := [3]decimal.Decimal{o.AmountUntaxed, o.AmountTax, o.AmountTotal}

	var err error
	if p.variants, err = loadVariantPrices(ctx, tx, variantIDs, false); err != nil {
		return nil, err
	}
	if o.IsCart() {
		for _, l := range products {
			v := p.variants[*l.VariantID]
			l.PriceUnit, l.TaxIDs = v.Price, v.TaxIDs
		}
	}
	if o.shipCountry != nil {
		p.country = *o.shipCountry
	} else if o.ShippingPartnerID != nil && o.CarrierID != nil { // the country prices the shipping
		if err := queryPreparedOne(ctx, tx, "SELECT country_code FROM contacts WHERE id = $1", []any{*o.ShippingPartnerID}, &p.country); err != nil {
			return nil, fmt.Errorf("models: shipping country: %w", err)
		}
	}
	if o.CarrierID != nil {
		if p.carrier, err = getCarrier(ctx, tx, *o.CarrierID); err != nil {
			return nil, err
		}
	}
	if o.CouponID != nil {
		p.coupon = new(Coupon)
		if err := tx.NewSelect().Model(p.coupon).Where("id = ?", *o.CouponID).Scan(ctx); err != nil {
			return nil, fmt.Errorf("models: load coupon: %w", err)
		}
	}
	taxIDs := []int64{}
	for _, l := range products {
		taxIDs = append(taxIDs, l.TaxIDs...)
	}
	if p.carrier != nil && p.carrier.TaxID != nil {
		taxIDs = append(taxIDs, *p.carrier.TaxID)
	}
	if p.taxes, err = loadTaxes(ctx, tx, taxIDs); err != nil {
		return nil, err
	}

	// Products first, then the discount they earn, then shipping on the
	// discounted amount.
	lines := products
	productsTotal := decimal.Zero
	for _, l := range products {
		productsTotal = productsTotal.Add(lineAmounts(l, p).TotalIncluded)
	}
	if p.coupon != nil {
		if msg := p.coupon.CouponProblem(productsTotal, time.Now(), p.cur); msg != "" && o.PlacedAt == nil && o.State == OrderDraft {
			notices = append(notices, fmt.Sprintf("Code %s was removed: %s", p.coupon.Code, msg))
			o.CouponID, p.coupon = nil, nil
		} else if len(products) > 0 {
			lines = append(lines, discountLines(o.ID, products, p)...)
		}
	}
	if p.carrier != nil {
		basis := ShippingBasis{CountryCode: p.country}
		for _, l := range lines {
			basis.Price = basis.Price.Add(lineAmounts(l, p).TotalIncluded)
			if l.Kind == LineProduct {
				v := p.variants[*l.VariantID]
				basis.Weight = basis.Weight.Add(v.Weight.Mul(l.Quantity))
				basis.Volume = basis.Volume.Add(v.Volume.Mul(l.Quantity))
				basis.Quantity = basis.Quantity.Add(l.Quantity)
			}
		}
		price, err := p.carrier.Price(basis, p.cur)
		switch {
		case err != nil && o.State == OrderDraft:
			notices = append(notices, ErrorMessage(err)+" Please choose another shipping method.")
			o.CarrierID, p.carrier = nil, nil
		case err != nil:
			return nil, err
		case len(products) > 0:
			sl := &SaleOrderLine{OrderID: o.ID, Sequence: 1000, Kind: LineShipping, Description: p.carrier.Name,
				Quantity: decimal.NewFromInt(1), PriceUnit: price, TaxIDs: []int64{}}
			if p.carrier.TaxID != nil {
				sl.TaxIDs = []int64{*p.carrier.TaxID}
			}
			lines = append(lines, sl)
		}
	}

	// Amounts.
	global := co.TaxRounding == "global"
	untaxed, total := decimal.Zero, decimal.Zero
	taxByID := map[int64]decimal.Decimal{}
	for _, l := range lines {
		r := lineAmounts(l, p)
		l.PriceSubtotal, l.PriceTax, l.PriceTotal = p.cur.Round(r.TotalExcluded), p.cur.Round(r.TaxAmount()), p.cur.Round(r.TotalIncluded)
		if global {
			untaxed = untaxed.Add(r.TotalExcluded)
			for _, t := range r.Taxes {
				taxByID[t.Tax.ID] = taxByID[t.Tax.ID].Add(t.Amount)
			}
		} else {
			untaxed = untaxed.Add(l.PriceSubtotal)
			total = total.Add(l.PriceTotal)
		}
	}
	if global {
		untaxed = p.cur.Round(untaxed)
		tax := decimal.Zero
		for _, a := range taxByID {
			tax = tax.Add(p.cur.Round(a))
		}
		total = untaxed.Add(tax)
	}
	o.AmountUntaxed, o.AmountTotal, o.AmountTax = untaxed, total, total.Sub(untaxed)

	if mode == pricePreview {
		o.Lines = lines
		return notices, nil
	}
	// Write what changed: product lines in one statement, derived lines
	// rebuilt, the totals.
	var changed []*SaleOrderLine
	for _, l := range products {
		if !sameLineAmounts(oldProducts[l.ID], *l) {
			changed = append(changed, l)
		}
	}
	derived := lines[len(products):]
	if !sameDerivedLines(oldDerived, derived) {
		if len(oldDerived) > 0 {
			if _, err := tx.NewDelete().Model((*SaleOrderLine)(nil)).Where("order_id = ? AND kind <> ?", o.ID, LineProduct).Exec(ctx); err != nil {
				return nil, fmt.Errorf("models: delete derived lines: %w", err)
			}
		}
		if len(derived) > 0 {
			if err := insertPrepared(ctx, tx, &derived); err != nil {
				return nil, fmt.Errorf("models: insert derived lines: %w", err)
			}
		}
	} else {
		lines = append(lines[:len(products)], oldDerived...)
	}
	o.Lines = lines
	totals := mode == priceSave && (o.stored == nil || !totalsEqual(oldTotals, o) || !sameID(o.stored.carrierID, o.CarrierID) || !sameID(o.stored.couponID, o.CouponID))
	if err := saveAmounts(ctx, tx, o, changed, totals); err != nil {
		return nil, err
	}
	if totals {
		o.remember()
	}
	return notices, nil
}

// discountLines turns the coupon into one negative line per set of taxes,
// so that the discount lowers each tax in proportion (as Odoo does).
func discountLines(orderID int64, products []*SaleOrderLine, p *orderPricing) []*SaleOrderLine {
	type group struct {
		taxIDs        []int64
		priced, total decimal.Decimal // the lines' price (as priced) and total with taxes
	}
	var groups []*group
	byKey := map[string]*group{}
	grand := decimal.Zero
	for _, l := range products {
		key := fmt.Sprint(l.TaxIDs)
		g := byKey[key]
		if g == nil {
			g = &group{taxIDs: l.TaxIDs}
			byKey[key] = g
			groups = append(groups, g)
		}
		r := lineAmounts(l, p)
		g.priced = g.priced.Add(l.PriceUnit.Mul(hundred.Sub(l.Discount)).Div(hundred).Mul(l.Quantity))
		g.total = g.total.Add(r.TotalIncluded)
		grand = grand.Add(r.TotalIncluded)
	}
	var out []*SaleOrderLine
	off := decimal.Min(p.coupon.Amount, grand) // a fixed code, with taxes: shared by the groups' totals
	left := off
	for i, g := range groups {
		var amount decimal.Decimal // a percentage: in the group's pricing convention; a fixed code: with taxes
		switch {
		case p.coupon.Kind == CouponPercent:
			amount = g.priced.Mul(p.coupon.Amount).Div(hundred)
		case grand.IsZero() || g.total.IsZero():
			continue
		case i == len(groups)-1:
			amount = left // the rounding of the other shares, so that they add up to the code's amount
		default:
			amount = p.cur.Round(off.Mul(g.total).Div(grand))
			left = left.Sub(amount)
		}
		amount = p.cur.Round(amount)
		if amount.IsZero() {
			continue
		}
		desc := fmt.Sprintf("Discount %s: %s", p.coupon.Code, p.coupon.Label(p.cur))
		if len(groups) > 1 {
			names := make([]string, 0, len(g.taxIDs))
			for _, id := range g.taxIDs {
				names = append(names, p.taxes[id].Name)
			}
			if len(names) == 0 {
				names = append(names, "no tax")
			}
			desc += " (" + strings.Join(names, ", ") + ")"
		}
		out = append(out, &SaleOrderLine{OrderID: orderID, Sequence: 900 + i, Kind: LineDiscount, Description: desc,
			Quantity: decimal.NewFromInt(1), PriceUnit: amount.Neg(), TaxIDs: g.taxIDs})
	}
	return out
}

// sameLineAmounts reports whether recomputing left a line's price, taxes
// and amounts as they were stored.
func sameLineAmounts(a, b SaleOrderLine) bool {
	return a.PriceUnit.Equal(b.PriceUnit) && slices.Equal(a.TaxIDs, b.TaxIDs) && a.PriceSubtotal.Equal(b.PriceSubtotal) &&
		a.PriceTax.Equal(b.PriceTax) && a.PriceTotal.Equal(b.PriceTotal)
}

// sameDerivedLines reports whether the recomputed discount and shipping
// lines are those stored, so that they need not be rewritten.
func sameDerivedLines(old, derived []*SaleOrderLine) bool {
	if len(old) != len(derived) {
		return false
	}
	for i, a := range old {
		b := derived[i]
		if a.Kind != b.Kind || a.Sequence != b.Sequence || a.Description != b.Description || !a.Quantity.Equal(b.Quantity) ||
			!a.Discount.Equal(b.Discount) || !sameLineAmounts(*a, *b) {
			return false
		}
	}
	return true
}

func totalsEqual(old [3]decimal.Decimal, o *SaleOrder) bool {
	return old[0].Equal(o.AmountUntaxed) && old[1].Equal(o.AmountTax) && old[2].Equal(o.AmountTotal)
}

// saveAmounts writes the prices, taxes and amounts of lines and, when
// totals is set, the order's totals, shipping method and code, in one
// prepared statement.
func saveAmounts(ctx context.Context, tx bun.IDB, o *SaleOrder, lines []*SaleOrderLine, totals bool) error {
	if len(lines) == 0 {
		if !totals {
			return nil
		}
		if err := updatePrepared(ctx, tx, o, "updated_at = now()", []string{"amount_untaxed", "amount_tax", "amount_total", "carrier_id", "coupon_id"}, ""); err != nil {
			return fmt.Errorf("models: update order totals: %w", err)
		}
		return nil
	}
	n := len(lines)
	ids, taxes := make([]int64, n), make([]string, n)
	prices, subtotals, tax, amounts := make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	for i, l := range lines {
		ids[i], prices[i], subtotals[i], tax[i], amounts[i] = l.ID, l.PriceUnit.String(), l.PriceSubtotal.String(), l.PriceTax.String(), l.PriceTotal.String()
		var b strings.Builder
		b.WriteByte('{')
		for j, id := range l.TaxIDs {
			if j > 0 {
				b.WriteByte(',')
			}
			b.WriteString(strconv.FormatInt(id, 10))
		}
		b.WriteByte('}')
		taxes[i] = b.String()
	}
	const updateLines = `UPDATE sale_order_lines l SET price_unit = d.pu::numeric, tax_ids = d.tax::bigint[],
			price_subtotal = d.sub::numeric, price_tax = d.tx::numeric, price_total = d.tot::numeric, updated_at = now()
		FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[]) AS d(id, pu, tax, sub, tx, tot)
		WHERE l.id = d.id`
	var err error
	if totals {
		_, err = execPrepared(ctx, tx, `WITH lines AS (`+updateLines+`)
			UPDATE sale_orders SET amount_untaxed = $7, amount_tax = $8, amount_total = $9, carrier_id = $10, coupon_id = $11, updated_at = now()
			WHERE id = $12`, ids, prices, taxes, subtotals, tax, amounts,
			o.AmountUntaxed, o.AmountTax, o.AmountTotal, o.CarrierID, o.CouponID, o.ID)
	} else {
		_, err = execPrepared(ctx, tx, updateLines, ids, prices, taxes, subtotals, tax, amounts)
	}
	if err != nil {
		return fmt.Errorf("models: update order amounts: %w", err)
	}
	return nil
}
