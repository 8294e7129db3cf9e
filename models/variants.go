package models

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"
	"github.com/uptrace/bun"
)

const maxSKULen = 64

// variantSync says what syncVariants did.
type variantSync struct {
	created, reactivated, deactivated int
	valuesChanged                     bool
}

func (r variantSync) describe() []string {
	var out []string
	if r.valuesChanged {
		out = append(out, "attribute values")
	}
	if r.created > 0 {
		out = append(out, fmt.Sprintf("%d variant(s) created", r.created))
	}
	if r.reactivated > 0 {
		out = append(out, fmt.Sprintf("%d variant(s) reactivated", r.reactivated))
	}
	if r.deactivated > 0 {
		out = append(out, fmt.Sprintf("%d variant(s) deactivated", r.deactivated))
	}
	return out
}

// combinationKey is the canonical form of a set of value ids: sorted, joined
// by commas ("" for none), as stored in product_variants.combination.
func combinationKey(ids []int64) string {
	s := slices.Clone(ids)
	slices.Sort(s)
	parts := make([]string, len(s))
	for i, id := range s {
		parts[i] = strconv.FormatInt(id, 10)
	}
	return strings.Join(parts, ",")
}

// syncVariants makes the product come in exactly valueIDs (which must exist)
// and its active variants be the cartesian product of those values per
// attribute (Odoo's "always create variants"): missing combinations get a new
// variant with an automatic SKU (or an old one back), combinations no longer
// offered are deactivated, never deleted. Runs inside the caller's
// transaction, with the template row locked or new.
func syncVariants(ctx context.Context, tx bun.IDB, pt *ProductTemplate, valueIDs []int64) (variantSync, error) {
	var res variantSync
	var values []AttributeValue
	if len(valueIDs) > 0 {
		err := tx.NewSelect().Model(&values).
			Join("JOIN product_attributes AS pa ON pa.id = pav.attribute_id").
			Where("pav.id IN (?)", bun.In(valueIDs)).
			OrderExpr("pa.sequence, pa.id, pav.sequence, pav.id").Scan(ctx)
		if err != nil {
			return res, err
		}
	}
	// Values grouped by attribute, in display order.
	var groups [][]AttributeValue
	for _, v := range values {
		if n := len(groups); n > 0 && groups[n-1][0].AttributeID == v.AttributeID {
			groups[n-1] = append(groups[n-1], v)
		} else {
			groups = append(groups, []AttributeValue{v})
		}
	}
	total := 1
	for _, g := range groups {
		total *= len(g)
		if total > MaxProductVariants {
			return res, &Error{Code: EINVALID, Message: "Too many variants.",
				Fields: map[string]string{"value_ids": fmt.Sprintf("These values make more than %d variants. Choose fewer values.", MaxProductVariants)}}
		}
	}
	combos := [][]AttributeValue{{}}
	for _, g := range groups {
		next := make([][]AttributeValue, 0, len(combos)*len(g))
		for _, c := range combos {
			for _, v := range g {
				next = append(next, append(slices.Clone(c), v))
			}
		}
		combos = next
	}

	// The values the product comes in.
	var oldValueIDs []int64
	if err := tx.NewSelect().Model((*ProductTemplateValue)(nil)).Column("value_id").
		Where("template_id = ?", pt.ID).OrderExpr("value_id").Scan(ctx, &oldValueIDs); err != nil {
		return res, err
	}
	newValueIDs := make([]int64, len(values))
	for i, v := range values {
		newValueIDs[i] = v.ID
	}
	slices.Sort(newValueIDs)
	if !slices.Equal(uniqueIDs(oldValueIDs), newValueIDs) {
		res.valuesChanged = true
		if _, err := tx.NewDelete().Model((*ProductTemplateValue)(nil)).Where("template_id = ?", pt.ID).Exec(ctx); err != nil {
			return res, err
		}
		if len(newValueIDs) > 0 {
			rows := make([]ProductTemplateValue, len(newValueIDs))
			for i, id := range newValueIDs {
				rows[i] = ProductTemplateValue{TemplateID: pt.ID, ValueID: id}
			}
			if _, err := tx.NewInsert().Model(&rows).Exec(ctx); err != nil {
				return res, err
			}
		}
	}

	var existing []ProductVariant
	if err := tx.NewSelect().Model(&existing).Where("template_id = ?", pt.ID).Scan(ctx); err != nil {
		return res, err
	}
	byCombo := map[string]*ProductVariant{}
	for i := range existing {
		byCombo[existing[i].Combination] = &existing[i]
	}
	wanted := map[string]bool{}
	now := time.Now()
	for _, c := range combos {
		ids := make([]int64, len(c))
		for i, v := range c {
			ids[i] = v.ID
		}
		key := combinationKey(ids)
		wanted[key] = true
		if v, ok := byCombo[key]; ok {
			if !v.Active {
				if _, err := tx.NewUpdate().Model(v).Set("active = true").Set("updated_at = ?", now).WherePK().Exec(ctx); err != nil {
					return res, err
				}
				res.reactivated++
			}
			continue
		}
		sku, err := uniqueSKU(ctx, tx, autoSKU(pt, c))
		if err != nil {
			return res, err
		}
		v := &ProductVariant{TemplateID: pt.ID, SKU: sku, Active: true, Combination: key, PriceExtra: decimal.Zero}
		if _, err := tx.NewInsert().Model(v).Returning("*").Exec(ctx); err != nil {
			return res, err
		}
		if len(ids) > 0 {
			links := make([]ProductVariantValue, len(ids))
			for i, id := range ids {
				links[i] = ProductVariantValue{VariantID: v.ID, ValueID: id}
			}
			if _, err := tx.NewInsert().Model(&links).Exec(ctx); err != nil {
				return res, err
			}
		}
		res.created++
	}
	for _, v := range existing {
		if v.Active && !wanted[v.Combination] {
			if _, err := tx.NewUpdate().Model(&v).Set("active = false").Set("updated_at = ?", now).WherePK().Exec(ctx); err != nil {
				return res, err
			}
			res.deactivated++
		}
	}
	return res, nil
}

// autoSKU proposes a SKU for a new variant: the product's internal reference
// (or P<id>) followed by its value names, upper-cased: TSHIRT-M-RED.
func autoSKU(pt *ProductTemplate, values []AttributeValue) string {
	base := pt.DefaultCode
	if base == "" {
		base = "P" + strconv.FormatInt(pt.ID, 10)
	}
	parts := []string{base}
	for _, v := range values {
		parts = append(parts, v.Name)
	}
	sku := strings.ToUpper(strings.Join(parts, "-"))
	sku = strings.Join(strings.Fields(sku), "-") // no spaces in a SKU
	if len(sku) > maxSKULen-4 {
		sku = sku[:maxSKULen-4]
	}
	return sku
}

// uniqueSKU returns sku, or sku-2, sku-3 ... the first no variant uses.
func uniqueSKU(ctx context.Context, tx bun.IDB, sku string) (string, error) {
	var taken []string
	err := tx.NewSelect().Model((*ProductVariant)(nil)).Column("sku").
		Where("sku = ? OR sku LIKE ?", sku, strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(sku)+"-%").Scan(ctx, &taken)
	if err != nil {
		return "", err
	}
	cand := sku
	for n := 2; slices.Contains(taken, cand); n++ {
		cand = sku + "-" + strconv.Itoa(n)
	}
	return cand, nil
}

// VariantInput is the edit of one variant for UpdateVariants; amounts are the
// text as typed.
type VariantInput struct {
	ID         int64
	SKU        string
	Barcode    string // empty: none
	PriceExtra string // empty: 0
	Weight     string // empty: the product's weight
	Active     bool
}

// VariantField is the form field name of a variant's field ("sku_12"): the
// key of UpdateVariants' problems.
func VariantField(field string, variantID int64) string {
	return field + "_" + strconv.FormatInt(variantID, 10)
}

// validateSKU checks a SKU typed in field.
func validateSKU(p Problems, field, sku string) {
	switch {
	case sku == "":
		p.Add(field, "Enter a SKU.")
	case len(sku) > maxSKULen:
		p.Add(field, fmt.Sprintf("Use at most %d characters.", maxSKULen))
	case strings.ContainsAny(sku, " \t\r\n"):
		p.Add(field, "A SKU has no spaces.")
	}
}

// UpdateVariants saves the SKU, barcode, price extra, weight and active flag
// of variants of product templateID, all or nothing. SKUs and barcodes must be
// unique across all products; barcodes of 8, 12 or 13 digits must carry a
// valid EAN/UPC check digit. Problems are keyed by VariantField ("sku_12").
// It locks the template row and returns ENOTFOUND or EINVALID.
func UpdateVariants(ctx context.Context, db *bun.DB, templateID int64, in []VariantInput, actorID int64) error {
	p := Problems{}
	type parsed struct {
		sku        string
		barcode    *string
		priceExtra decimal.Decimal
		weight     *decimal.Decimal
		active     bool
	}
	out := map[int64]parsed{}
	skus := map[string]int64{}
	barcodes := map[string]int64{}
	for _, v := range in {
		var r parsed
		r.sku = strings.TrimSpace(v.SKU)
		validateSKU(p, VariantField("sku", v.ID), r.sku)
		if other, dup := skus[r.sku]; dup && r.sku != "" {
			p.Add(VariantField("sku", v.ID), fmt.Sprintf("Variant %s also has this SKU.", skuOf(in, other)))
		}
		skus[r.sku] = v.ID
		if b := strings.TrimSpace(v.Barcode); b != "" {
			if err := ValidateBarcode(b); err != nil {
				p.Add(VariantField("barcode", v.ID), err.Error())
			} else if _, dup := barcodes[b]; dup {
				p.Add(VariantField("barcode", v.ID), "Another variant here has this barcode.")
			}
			barcodes[b] = v.ID
			r.barcode = &b
		}
		r.priceExtra = parseDecimalField(p, VariantField("price_extra", v.ID), v.PriceExtra, 4, maxProductPrice, true)
		if strings.TrimSpace(v.Weight) != "" {
			w := parseDecimalField(p, VariantField("weight", v.ID), v.Weight, 3, maxProductWeight, false)
			r.weight = &w
		}
		r.active = v.Active
		out[v.ID] = r
	}
	if err := p.Err(); err != nil {
		return err
	}
	if len(in) == 0 {
		return nil
	}
	err := db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		var pt ProductTemplate
		if err := tx.NewSelect().Model(&pt).Where("id = ?", templateID).For("UPDATE").Scan(ctx); err != nil {
			return notFound(err, "The product")
		}
		var variants []ProductVariant
		if err := tx.NewSelect().Model(&variants).Where("template_id = ?", templateID).OrderExpr("id").Scan(ctx); err != nil {
			return err
		}
		mine := map[int64]*ProductVariant{}
		for i := range variants {
			mine[variants[i].ID] = &variants[i]
		}
		ids := make([]int64, 0, len(in))
		for _, v := range in {
			if mine[v.ID] == nil {
				return Errorf(ENOTFOUND, "The variant was not found on this product. Reload the page.")
			}
			ids = append(ids, v.ID)
		}
		// SKUs and barcodes used by variants not being edited here.
		var clashes []ProductVariant
		err := tx.NewSelect().Model(&clashes).Column("id", "sku", "barcode").
			Where("id NOT IN (?)", bun.In(ids)).
			WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
				q = q.Where("sku IN (?)", bun.In(mapKeys(skus)))
				if len(barcodes) > 0 {
					q = q.WhereOr("barcode IN (?)", bun.In(mapKeys(barcodes)))
				}
				return q
			}).Scan(ctx)
		if err != nil {
			return err
		}
		for _, c := range clashes {
			if id, ok := skus[c.SKU]; ok {
				p.Add(VariantField("sku", id), "Another product variant already has this SKU.")
			}
			if c.Barcode != nil {
				if id, ok := barcodes[*c.Barcode]; ok {
					p.Add(VariantField("barcode", id), "Another product variant already has this barcode.")
				}
			}
		}
		offered, err := offeredCombination(ctx, tx, templateID)
		if err != nil {
			return err
		}
		for _, v := range in {
			if out[v.ID].active && !mine[v.ID].Active && !offered(mine[v.ID].Combination) {
				p.Add(VariantField("active", v.ID), "The product no longer comes in these values; choose them again in the product form to bring this variant back.")
			}
			if pt.ListPrice.Add(out[v.ID].priceExtra).IsNegative() {
				p.Add(VariantField("price_extra", v.ID), "This would make the variant's price negative.")
			}
		}
		if err := p.Err(); err != nil {
			return err
		}
		// Free the SKUs and barcodes that change first, so that two variants
		// may swap them without tripping the unique indexes halfway.
		var changed []int64
		var changes []string
		for _, id := range ids {
			r, cur := out[id], mine[id]
			if cur.SKU != r.sku || !equalStrPtr(cur.Barcode, r.barcode) {
				changed = append(changed, id)
			}
		}
		if len(changed) > 0 {
			if _, err := tx.NewUpdate().Model((*ProductVariant)(nil)).
				Set("sku = '~renaming~' || id::text, barcode = NULL").Where("id IN (?)", bun.In(changed)).Exec(ctx); err != nil {
				return err
			}
		}
		now := time.Now()
		for _, id := range ids {
			r, cur := out[id], mine[id]
			var diff []string
			if cur.SKU != r.sku {
				diff = append(diff, fmt.Sprintf("SKU %s → %s", cur.SKU, r.sku))
			}
			if !equalStrPtr(cur.Barcode, r.barcode) {
				diff = append(diff, fmt.Sprintf("barcode %s → %s", strPtr(cur.Barcode), strPtr(r.barcode)))
			}
			if !cur.PriceExtra.Equal(r.priceExtra) {
				diff = append(diff, fmt.Sprintf("price extra %s → %s", cur.PriceExtra, r.priceExtra))
			}
			if !equalDecPtr(cur.Weight, r.weight) {
				diff = append(diff, "weight")
			}
			if cur.Active != r.active {
				diff = append(diff, map[bool]string{true: "reactivated", false: "deactivated"}[r.active])
			}
			if len(diff) == 0 && !slices.Contains(changed, id) {
				continue
			}
			cur.SKU, cur.Barcode, cur.PriceExtra, cur.Weight, cur.Active, cur.UpdatedAt = r.sku, r.barcode, r.priceExtra, r.weight, r.active, now
			if _, err := tx.NewUpdate().Model(cur).Column("sku", "barcode", "price_extra", "weight", "active", "updated_at").WherePK().Exec(ctx); err != nil {
				if isUniqueViolation(err) {
					return Errorf(ECONFLICT, "Another variant took this SKU or barcode meanwhile. Please try again.")
				}
				return err
			}
			if len(diff) > 0 {
				changes = append(changes, "variant "+r.sku+": "+strings.Join(diff, ", "))
			}
		}
		if len(changes) == 0 {
			return nil
		}
		if err := RefreshProductSearch(ctx, tx, templateID); err != nil {
			return err
		}
		return RecordHistory(ctx, tx, "product", templateID, actorID, "Variants updated: "+strings.Join(changes, "; ")+".")
	})
	if err != nil {
		return wrapOp(err, "update variants")
	}
	return nil
}

func skuOf(in []VariantInput, id int64) string {
	for _, v := range in {
		if v.ID == id {
			return strings.TrimSpace(v.SKU)
		}
	}
	return ""
}

func mapKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func equalStrPtr(a, b *string) bool {
	return (a == nil && b == nil) || (a != nil && b != nil && *a == *b)
}

func equalDecPtr(a, b *decimal.Decimal) bool {
	return (a == nil && b == nil) || (a != nil && b != nil && a.Equal(*b))
}

func strPtr(s *string) string {
	if s == nil {
		return "(none)"
	}
	return *s
}

// VariantValuesLabel writes a variant's attribute values as "Size: M, Color:
// Red", with attrNames giving each attribute's name; "" for a product without
// attributes.
func VariantValuesLabel(v ProductVariant, attrNames map[int64]string) string {
	parts := make([]string, len(v.Values))
	for i, val := range v.Values {
		parts[i] = attrNames[val.AttributeID] + ": " + val.Name
	}
	return strings.Join(parts, ", ")
}

// offeredCombination returns a test of whether a combination is one the
// product currently comes in.
func offeredCombination(ctx context.Context, tx bun.IDB, templateID int64) (func(string) bool, error) {
	var values []AttributeValue
	err := tx.NewSelect().Model(&values).
		Where("pav.id IN (SELECT value_id FROM product_template_attribute_values WHERE template_id = ?)", templateID).Scan(ctx)
	if err != nil {
		return nil, err
	}
	attrs := map[int64]bool{}
	ids := map[string]bool{}
	for _, v := range values {
		attrs[v.AttributeID] = true
		ids[strconv.FormatInt(v.ID, 10)] = true
	}
	return func(combination string) bool {
		if combination == "" {
			return len(attrs) == 0
		}
		parts := strings.Split(combination, ",")
		if len(parts) != len(attrs) {
			return false
		}
		for _, id := range parts {
			if !ids[id] {
				return false
			}
		}
		return true
	}, nil
}
