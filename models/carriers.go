package models

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/shopspring/decimal"
	"github.com/uptrace/bun"
)

const (
	maxCarrierName        = 100
	maxCarrierDescription = 500
	maxCarrierTrackingURL = 500
	// MaxCarrierRules bounds the price rules of one shipping method.
	MaxCarrierRules = 50
)

var (
	// maxShippingPrice is the largest price a shipping method may charge
	// (fixed, base or per unit): anything above is a typing mistake.
	maxShippingPrice = decimal.NewFromInt(1_000_000)
	// maxCarrierThreshold bounds "free above" and rule values.
	maxCarrierThreshold = decimal.NewFromInt(1_000_000_000)
)

// CarrierKinds, RuleVariables and RuleOperators list the allowed values in
// the order the forms offer them.
var (
	CarrierKinds  = []string{CarrierFixed, CarrierRules}
	RuleVariables = []string{RuleWeight, RuleVolume, RuleQuantity, RulePrice}
	RuleOperators = []string{"<", "<=", "=", ">=", ">"}
)

// RuleVariableLabel names a rule variable as people say it.
func RuleVariableLabel(v string) string {
	switch v {
	case RuleWeight:
		return "Weight (kg)"
	case RuleVolume:
		return "Volume (m³)"
	case RuleQuantity:
		return "Quantity (units)"
	case RulePrice:
		return "Order amount"
	}
	return v
}

// CarrierInput is a shipping method as typed in the back office: amounts
// are the text typed and are parsed exactly.
type CarrierInput struct {
	Name         string
	Description  string
	Kind         string // CarrierFixed | CarrierRules
	FixedPrice   string
	FreeOver     string // "" : never free
	CountryCodes []string
	TaxID        int64 // 0: no tax; negative: unreadable choice
	TrackingURL  string
	Sequence     string
	Active       bool
	Rules        []CarrierRuleInput // used when Kind is CarrierRules
}

// CarrierRuleInput is one row of the price rules table. A row whose value
// and prices are all empty is ignored.
type CarrierRuleInput struct {
	Variable     string
	Operator     string
	MaxValue     string
	BasePrice    string
	PerUnitPrice string
	Factor       string
}

// Blank reports whether nothing was typed in the row.
func (r CarrierRuleInput) Blank() bool {
	return strings.TrimSpace(r.MaxValue) == "" && strings.TrimSpace(r.BasePrice) == "" && strings.TrimSpace(r.PerUnitPrice) == ""
}

// CarrierRuleField is the form field name of a rule row's column, the key
// of its problem: rules.0.max_value.
func CarrierRuleField(i int, column string) string {
	return "rules." + strconv.Itoa(i) + "." + column
}

// parseCarrier validates in and returns the carrier it describes (without
// id) with its rules. Problems are keyed by the form's field names.
func parseCarrier(in CarrierInput) (*Carrier, error) {
	p := Problems{}
	c := &Carrier{
		Name:        strings.Join(strings.Fields(in.Name), " "),
		Description: strings.TrimSpace(strings.ReplaceAll(in.Description, "\r\n", "\n")),
		Kind:        in.Kind,
		TrackingURL: strings.TrimSpace(in.TrackingURL),
		Active:      in.Active,
		Sequence:    10,
		Rules:       []*CarrierRule{},
	}
	switch {
	case c.Name == "":
		p.Add("name", "Enter a name.")
	case utf8.RuneCountInString(c.Name) > maxCarrierName:
		p.Add("name", fmt.Sprintf("Use at most %d characters.", maxCarrierName))
	}
	if utf8.RuneCountInString(c.Description) > maxCarrierDescription {
		p.Add("description", fmt.Sprintf("Use at most %d characters.", maxCarrierDescription))
	}
	if !slices.Contains(CarrierKinds, c.Kind) {
		p.Add("kind", "Choose a fixed price or price rules.")
	}
	if c.Kind == CarrierFixed {
		c.FixedPrice = parseDecimalField(p, "fixed_price", in.FixedPrice, 4, maxShippingPrice, false)
	} else {
		// Not used by rules (the form hides it): keep it when it reads, else zero.
		c.FixedPrice = parseDecimalField(Problems{}, "fixed_price", in.FixedPrice, 4, maxShippingPrice, false)
	}
	if s := strings.TrimSpace(in.FreeOver); s != "" {
		before := len(p)
		v := parseDecimalField(p, "free_over", s, 4, maxCarrierThreshold, false)
		if len(p) == before {
			c.FreeOver = &v
		}
	}
	c.CountryCodes = []string{}
	for _, code := range in.CountryCodes {
		code = strings.ToUpper(strings.TrimSpace(code))
		if _, ok := Countries[code]; !ok {
			p.Add("country_codes", "Choose countries from the list.")
			continue
		}
		if !slices.Contains(c.CountryCodes, code) {
			c.CountryCodes = append(c.CountryCodes, code)
		}
	}
	slices.Sort(c.CountryCodes)
	switch {
	case in.TaxID > 0:
		id := in.TaxID
		c.TaxID = &id
	case in.TaxID < 0:
		p.Add("tax_id", "Choose a tax from the list.")
	}
	if c.TrackingURL != "" {
		if msg := trackingURLProblem(c.TrackingURL); msg != "" {
			p.Add("tracking_url", msg)
		}
	}
	if s := strings.TrimSpace(in.Sequence); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 || n > 10000 {
			p.Add("sequence", "Enter a whole number from 0 to 10000.")
		} else {
			c.Sequence = n
		}
	}
	if c.Kind == CarrierRules {
		for i, r := range in.Rules {
			if r.Blank() {
				continue
			}
			if len(c.Rules) == MaxCarrierRules {
				p.Add("rules", fmt.Sprintf("Use at most %d rules.", MaxCarrierRules))
				break
			}
			c.Rules = append(c.Rules, parseCarrierRule(p, i, r, (len(c.Rules)+1)*10))
		}
		if len(c.Rules) == 0 {
			p.Add("rules", "Add at least one price rule, or choose a fixed price.")
		}
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	return c, nil
}

func parseCarrierRule(p Problems, i int, in CarrierRuleInput, sequence int) *CarrierRule {
	r := &CarrierRule{Sequence: sequence, Variable: in.Variable, Operator: in.Operator, Factor: in.Factor}
	if !slices.Contains(RuleVariables, r.Variable) {
		p.Add(CarrierRuleField(i, "variable"), "Choose weight, volume, quantity or order amount.")
	}
	if !slices.Contains(RuleOperators, r.Operator) {
		p.Add(CarrierRuleField(i, "operator"), "Choose a comparison.")
	}
	if strings.TrimSpace(in.MaxValue) == "" {
		p.Add(CarrierRuleField(i, "max_value"), "Enter the value to compare with.")
	} else {
		r.MaxValue = parseDecimalField(p, CarrierRuleField(i, "max_value"), in.MaxValue, 4, maxCarrierThreshold, false)
	}
	r.BasePrice = parseDecimalField(p, CarrierRuleField(i, "base_price"), in.BasePrice, 4, maxShippingPrice, false)
	r.PerUnitPrice = parseDecimalField(p, CarrierRuleField(i, "per_unit_price"), in.PerUnitPrice, 4, maxShippingPrice, false)
	if r.Factor == "" {
		r.Factor = r.Variable
	}
	if !slices.Contains(RuleVariables, r.Factor) {
		p.Add(CarrierRuleField(i, "factor"), "Choose what the price per unit multiplies.")
	}
	return r
}

// trackingURLProblem says what is wrong with a tracking URL template, "" when
// nothing is.
func trackingURLProblem(s string) string {
	if utf8.RuneCountInString(s) > maxCarrierTrackingURL {
		return fmt.Sprintf("Use at most %d characters.", maxCarrierTrackingURL)
	}
	if !strings.Contains(s, "{ref}") {
		return "Put {ref} where the tracking number goes, e.g. https://track.example.com/{ref}."
	}
	u, err := url.Parse(strings.ReplaceAll(s, "{ref}", "REF"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || strings.ContainsAny(s, " \t\r\n\"<>") {
		return "Enter a web address starting with https:// (or http://)."
	}
	return ""
}

// ListCarriers returns the shipping methods by sequence and name, with their
// rules; archived ones only when includeArchived is set.
func ListCarriers(ctx context.Context, db bun.IDB, includeArchived bool) ([]Carrier, error) {
	var out []Carrier
	q := db.NewSelect().Model(&out).Relation("Rules", func(q *bun.SelectQuery) *bun.SelectQuery {
		return q.Order("cr.sequence", "cr.id")
	}).OrderExpr("ca.active DESC, ca.sequence, lower(ca.name), ca.id")
	if !includeArchived {
		q = q.Where("ca.active")
	}
	if err := q.Scan(ctx); err != nil {
		return nil, fmt.Errorf("models: list carriers: %w", err)
	}
	return out, nil
}

// GetCarrierWithRules returns a shipping method with its rules in the order
// they are tried, or ENOTFOUND.
func GetCarrierWithRules(ctx context.Context, db bun.IDB, id int64) (*Carrier, error) {
	c := new(Carrier)
	err := db.NewSelect().Model(c).Relation("Rules", func(q *bun.SelectQuery) *bun.SelectQuery {
		return q.Order("cr.sequence", "cr.id")
	}).Where("ca.id = ?", id).Scan(ctx)
	if err != nil {
		return nil, notFound(err, "The shipping method")
	}
	return c, nil
}

// checkCarrierTax verifies inside tx that the chosen tax exists and is
// active (or is the one the carrier already has).
func checkCarrierTax(ctx context.Context, tx bun.IDB, taxID *int64, current *int64) error {
	if taxID == nil {
		return nil
	}
	t := new(Tax)
	err := tx.NewSelect().Model(t).Where("id = ?", *taxID).Scan(ctx)
	if isNoRows(err) || (err == nil && !t.Active && (current == nil || *current != *taxID)) {
		msg := "Choose an active tax from the list."
		return &Error{Code: EINVALID, Message: msg, Fields: map[string]string{"tax_id": msg}}
	}
	return err
}

func insertCarrierRules(ctx context.Context, tx bun.IDB, c *Carrier) error {
	if len(c.Rules) == 0 {
		return nil
	}
	for _, r := range c.Rules {
		r.CarrierID = c.ID
	}
	_, err := tx.NewInsert().Model(&c.Rules).Exec(ctx)
	return err
}

// CreateCarrier creates a shipping method with its price rules in one
// transaction. It returns EINVALID with problems keyed by the form's field
// names (rule rows as rules.0.max_value).
func CreateCarrier(ctx context.Context, db *bun.DB, in CarrierInput, actorID int64) (*Carrier, error) {
	c, err := parseCarrier(in)
	if err != nil {
		return nil, err
	}
	err = db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if err := checkCarrierTax(ctx, tx, c.TaxID, nil); err != nil {
			return err
		}
		if _, err := tx.NewInsert().Model(c).ExcludeColumn("id", "created_at", "updated_at").Returning("id, created_at, updated_at").Exec(ctx); err != nil {
			return err
		}
		if err := insertCarrierRules(ctx, tx, c); err != nil {
			return err
		}
		return RecordHistory(ctx, tx, "carrier", c.ID, actorID, "Shipping method created: "+DescribeCarrierPricing(c, nil)+".")
	})
	if err != nil {
		return nil, wrapOp(err, "create carrier")
	}
	return c, nil
}

// UpdateCarrier saves a shipping method; its rules are replaced by the ones
// given, in the same transaction. The same validation as CreateCarrier
// applies. It locks the carrier row. Orders already priced keep their
// shipping line until they are recomputed.
func UpdateCarrier(ctx context.Context, db *bun.DB, id int64, in CarrierInput, actorID int64) (*Carrier, error) {
	next, err := parseCarrier(in)
	if err != nil {
		return nil, err
	}
	var c *Carrier
	err = db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		old := new(Carrier)
		if err := tx.NewSelect().Model(old).Where("id = ?", id).For("UPDATE").Scan(ctx); err != nil {
			return notFound(err, "The shipping method")
		}
		if err := tx.NewSelect().Model(&old.Rules).Where("carrier_id = ?", id).Order("sequence", "id").Scan(ctx); err != nil {
			return err
		}
		if err := checkCarrierTax(ctx, tx, next.TaxID, old.TaxID); err != nil {
			return err
		}
		next.ID, next.CreatedAt = old.ID, old.CreatedAt
		c = next
		changes := carrierChanges(ctx, tx, old, next)
		if len(changes) == 0 {
			c = old
			return nil
		}
		c.UpdatedAt = time.Now()
		if _, err := tx.NewUpdate().Model(c).Column("name", "description", "kind", "fixed_price", "free_over", "country_codes",
			"tax_id", "tracking_url", "sequence", "active", "updated_at").WherePK().Exec(ctx); err != nil {
			return err
		}
		if _, err := tx.NewDelete().Model((*CarrierRule)(nil)).Where("carrier_id = ?", id).Exec(ctx); err != nil {
			return err
		}
		if err := insertCarrierRules(ctx, tx, c); err != nil {
			return err
		}
		return RecordHistory(ctx, tx, "carrier", id, actorID, "Shipping method updated: "+strings.Join(changes, "; ")+".")
	})
	if err != nil {
		return nil, wrapOp(err, "update carrier")
	}
	return c, nil
}

// carrierChanges describes what differs between two versions of a carrier.
func carrierChanges(ctx context.Context, tx bun.IDB, a, b *Carrier) []string {
	var out []string
	str := func(label, x, y string) {
		if x != y {
			out = append(out, fmt.Sprintf("%s %q → %q", label, x, y))
		}
	}
	str("name", a.Name, b.Name)
	if a.Description != b.Description {
		out = append(out, "description")
	}
	if pa, pb := DescribeCarrierPricing(a, nil), DescribeCarrierPricing(b, nil); pa != pb {
		out = append(out, "pricing "+pa+" → "+pb)
	}
	if fa, fb := carrierOptionalAmount(a.FreeOver), carrierOptionalAmount(b.FreeOver); fa != fb {
		out = append(out, "free above "+fa+" → "+fb)
	}
	str("countries", carrierCountries(a.CountryCodes), carrierCountries(b.CountryCodes))
	if ta, tb := carrierTaxName(ctx, tx, a.TaxID), carrierTaxName(ctx, tx, b.TaxID); ta != tb {
		out = append(out, "tax "+ta+" → "+tb)
	}
	str("tracking URL", a.TrackingURL, b.TrackingURL)
	if a.Sequence != b.Sequence {
		out = append(out, fmt.Sprintf("sequence %d → %d", a.Sequence, b.Sequence))
	}
	if a.Active != b.Active {
		out = append(out, map[bool]string{true: "unarchived", false: "archived"}[b.Active])
	}
	return out
}

func carrierOptionalAmount(d *decimal.Decimal) string {
	if d == nil {
		return "never"
	}
	return d.String()
}

func carrierCountries(codes []string) string {
	if len(codes) == 0 {
		return "everywhere"
	}
	return strings.Join(codes, ", ")
}

func carrierTaxName(ctx context.Context, db bun.IDB, id *int64) string {
	if id == nil {
		return "none"
	}
	var name string
	if err := db.NewRaw("SELECT name FROM taxes WHERE id = ?", *id).Scan(ctx, &name); err != nil {
		return fmt.Sprintf("#%d", *id)
	}
	return name
}

// DescribeCarrierRule writes a rule as people read it:
// "weight <= 2 → 9.90 + 1.50 × weight". With a currency the prices are
// formatted in it.
func DescribeCarrierRule(r *CarrierRule, cur *Currency) string {
	money := func(d decimal.Decimal) string {
		if cur != nil {
			return cur.Format(d)
		}
		return d.String()
	}
	s := fmt.Sprintf("%s %s %s → %s", r.Variable, r.Operator, r.MaxValue.String(), money(r.BasePrice))
	if !r.PerUnitPrice.IsZero() {
		s += fmt.Sprintf(" + %s × %s", money(r.PerUnitPrice), r.Factor)
	}
	return s
}

// DescribeCarrierPricing writes how a carrier prices an order: "fixed 4.95"
// or "rules: weight <= 2 → 9.90; ...".
func DescribeCarrierPricing(c *Carrier, cur *Currency) string {
	if c.Kind == CarrierFixed {
		if cur != nil {
			return "fixed " + cur.Format(c.FixedPrice)
		}
		return "fixed " + c.FixedPrice.String()
	}
	rules := make([]string, len(c.Rules))
	for i, r := range c.Rules {
		rules[i] = DescribeCarrierRule(r, cur)
	}
	return "rules: " + strings.Join(rules, "; ")
}

// SetCarrierActive archives (active false) or unarchives a shipping method.
// An archived method is no longer offered at checkout; orders that use it
// keep it. It locks the carrier row and records the change.
func SetCarrierActive(ctx context.Context, db *bun.DB, id int64, active bool, actorID int64) (*Carrier, error) {
	c := new(Carrier)
	err := db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if err := tx.NewSelect().Model(c).Where("id = ?", id).For("UPDATE").Scan(ctx); err != nil {
			return notFound(err, "The shipping method")
		}
		if c.Active == active {
			return nil
		}
		c.Active, c.UpdatedAt = active, time.Now()
		if _, err := tx.NewUpdate().Model(c).Column("active", "updated_at").WherePK().Exec(ctx); err != nil {
			return err
		}
		return RecordHistory(ctx, tx, "carrier", id, actorID, map[bool]string{true: "Shipping method unarchived.", false: "Shipping method archived."}[active])
	})
	if err != nil {
		return nil, wrapOp(err, "set carrier active")
	}
	return c, nil
}

// ShippingPreviewInput is an example order typed on the shipping method
// form: weight, volume, quantity, amount and country.
type ShippingPreviewInput struct {
	Weight, Volume, Quantity, Amount string
	CountryCode                      string
}

// ShippingPreview is what a shipping method charges an example order.
type ShippingPreview struct {
	Price decimal.Decimal
	Basis ShippingBasis
	Free  bool         // the order reached the "free above" amount
	Rule  *CarrierRule // the rule that gave the price (rules kind)
	Index int          // its row in the form, from 1
}

// PreviewCarrierPrice computes, with Carrier.Price, what the shipping method
// described by in (saved or not) charges the example order b. It returns
// EINVALID when in or b has problems (b's are keyed preview_weight,
// preview_volume, preview_quantity, preview_amount, preview_country), and
// Carrier.Price's EINVALID when the method does not ship there or no rule
// matches.
func PreviewCarrierPrice(in CarrierInput, b ShippingPreviewInput, cur Currency) (*ShippingPreview, error) {
	if strings.TrimSpace(in.Name) == "" {
		in.Name = "This shipping method"
	}
	p := Problems{}
	basis := ShippingBasis{
		Weight:   parseDecimalField(p, "preview_weight", b.Weight, 4, maxCarrierThreshold, false),
		Volume:   parseDecimalField(p, "preview_volume", b.Volume, 4, maxCarrierThreshold, false),
		Quantity: parseDecimalField(p, "preview_quantity", b.Quantity, 4, maxCarrierThreshold, false),
		Price:    parseDecimalField(p, "preview_amount", b.Amount, 4, maxCarrierThreshold, false),
	}
	if code := strings.ToUpper(strings.TrimSpace(b.CountryCode)); code != "" {
		if _, ok := Countries[code]; !ok {
			p.Add("preview_country", "Choose a country from the list.")
		}
		basis.CountryCode = code
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	c, err := parseCarrier(in)
	if err != nil {
		return nil, err
	}
	price, err := c.Price(basis, cur)
	if err != nil {
		return nil, err
	}
	out := &ShippingPreview{Price: price, Basis: basis, Free: c.FreeOver != nil && basis.Price.GreaterThanOrEqual(*c.FreeOver)}
	if c.Kind == CarrierRules && !out.Free {
		var rows []int // the form row of each rule parsed (blank rows are skipped)
		for i, r := range in.Rules {
			if !r.Blank() {
				rows = append(rows, i)
			}
		}
		for i, r := range c.Rules {
			if r.Holds(basis) {
				out.Rule, out.Index = r, rows[i]+1
				break
			}
		}
	}
	return out, nil
}
