package models

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/shopspring/decimal"
	"github.com/uptrace/bun"
)

// Limits of one label print run.
const (
	MaxLabelCopies   = 100
	maxLabelProducts = 500
	MaxLabels        = 5000
)

// Label is what is printed on the barcode label of one product variant.
type Label struct {
	Name      string // the product's name
	Variant   string // its attribute values, "M, Blue"; "" for a product without variants
	Price     string // list price + price extra, in the company currency
	SKU       string
	Code      string // what the barcode encodes
	Symbology string // BarcodeEAN13, BarcodeEAN8 or BarcodeCode128
}

// LabelCode says how a variant's code is printed: a valid EAN-13 or EAN-8 as
// such, a valid UPC-A as the EAN-13 with a leading zero (the same symbol),
// any other barcode as Code128, and the SKU as Code128 when there is no
// barcode.
func LabelCode(barcode *string, sku string) (code, symbology string) {
	if barcode == nil || *barcode == "" {
		return sku, BarcodeCode128
	}
	b := *barcode
	if ValidateBarcode(b) != nil {
		return b, BarcodeCode128
	}
	switch BarcodeKind(b) {
	case BarcodeEAN13:
		return b, BarcodeEAN13
	case BarcodeUPCA:
		return "0" + b, BarcodeEAN13
	case BarcodeEAN8:
		return b, BarcodeEAN8
	}
	return b, BarcodeCode128
}

// labelRow is a product with one of its active variants (nil SKU: none).
type labelRow struct {
	TemplateID int64           `bun:"template_id"`
	Name       string          `bun:"name"`
	ListPrice  decimal.Decimal `bun:"list_price"`
	SKU        *string         `bun:"sku"`
	Barcode    *string         `bun:"barcode"`
	PriceExtra decimal.Decimal `bun:"price_extra"`
	Values     *string         `bun:"variant_values"`
}

// ProductLabels returns one label per active variant of the given products,
// in the order the products were given, each repeated copies times. It
// returns EINVALID when no product is given, copies is outside 1..100, or the
// run would exceed MaxLabels or has nothing to print (field "ids" or
// "quantity"), and ENOTFOUND when a product does not exist.
func ProductLabels(ctx context.Context, db bun.IDB, templateIDs []int64, copies int) ([]Label, error) {
	ids := make([]int64, 0, len(templateIDs))
	for _, id := range templateIDs {
		if !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	p := Problems{}
	switch {
	case len(ids) == 0:
		p.Add("ids", "Choose at least one product.")
	case len(ids) > maxLabelProducts:
		p.Add("ids", fmt.Sprintf("Print labels for at most %d products at once.", maxLabelProducts))
	}
	if copies < 1 || copies > MaxLabelCopies {
		p.Add("quantity", fmt.Sprintf("Print between 1 and %d labels per variant.", MaxLabelCopies))
	}
	if err := p.Err(); err != nil {
		return nil, err
	}

	var rows []labelRow
	err := db.NewSelect().TableExpr("product_templates AS pt").
		ColumnExpr("pt.id AS template_id, pt.name, pt.list_price").
		ColumnExpr("pv.sku, pv.barcode, coalesce(pv.price_extra, 0) AS price_extra").
		ColumnExpr(`(SELECT string_agg(av.name, ', ' ORDER BY a.sequence, a.id)
			FROM product_variant_values vv
			JOIN product_attribute_values av ON av.id = vv.value_id
			JOIN product_attributes a ON a.id = av.attribute_id
			WHERE vv.variant_id = pv.id) AS variant_values`).
		Join("LEFT JOIN product_variants AS pv ON pv.template_id = pt.id AND pv.active").
		Where("pt.id IN (?)", bun.In(ids)).
		OrderExpr("pt.id, pv.combination, pv.id").
		Scan(ctx, &rows)
	if err != nil {
		return nil, fmt.Errorf("models: product labels: %w", err)
	}
	found := map[int64]bool{}
	for _, r := range rows {
		found[r.TemplateID] = true
	}
	for _, id := range ids {
		if !found[id] {
			return nil, Errorf(ENOTFOUND, "The product %d was not found.", id)
		}
	}
	co, err := GetCompany(ctx, db)
	if err != nil {
		return nil, err
	}
	cur := co.Currency()

	// Products in the order given, their variants in combination order.
	slices.SortStableFunc(rows, func(a, b labelRow) int {
		return slices.Index(ids, a.TemplateID) - slices.Index(ids, b.TemplateID)
	})
	var out []Label
	for _, r := range rows {
		if r.SKU == nil {
			continue // a product without active variants
		}
		l := Label{Name: r.Name, SKU: *r.SKU, Price: cur.Format(r.ListPrice.Add(r.PriceExtra))}
		if r.Values != nil {
			l.Variant = *r.Values
		}
		l.Code, l.Symbology = LabelCode(r.Barcode, *r.SKU)
		if len(out)+copies > MaxLabels {
			return nil, Problems{"quantity": fmt.Sprintf("That is more than %d labels; print fewer products or copies at once.", MaxLabels)}.Err()
		}
		for range copies {
			out = append(out, l)
		}
	}
	if len(out) == 0 {
		return nil, Problems{"ids": "These products have no active variants to label."}.Err()
	}
	return out, nil
}

// LabelProduct is a product offered on the label printing page.
type LabelProduct struct {
	ID          int64  `bun:"id"`
	Name        string `bun:"name"`
	DefaultCode string `bun:"default_code"`
	Variants    int    `bun:"variants"`
}

// ListLabelProducts returns up to 200 active products with active variants
// whose name or internal reference contains q, by name.
func ListLabelProducts(ctx context.Context, db bun.IDB, q string) ([]LabelProduct, error) {
	var out []LabelProduct
	sel := db.NewSelect().TableExpr("product_templates AS pt").
		ColumnExpr("pt.id, pt.name, pt.default_code").
		ColumnExpr("(SELECT count(*) FROM product_variants pv WHERE pv.template_id = pt.id AND pv.active) AS variants").
		Where("pt.active").
		Where("EXISTS (SELECT 1 FROM product_variants pv WHERE pv.template_id = pt.id AND pv.active)").
		OrderExpr("lower(pt.name), pt.id").Limit(200)
	if q = strings.TrimSpace(q); q != "" {
		like := "%" + strings.NewReplacer(`\`, `\\`, "%", `\%`, "_", `\_`).Replace(strings.ToLower(q)) + "%"
		sel = sel.Where("(lower(pt.name) LIKE ? OR lower(pt.default_code) LIKE ?)", like, like)
	}
	if err := sel.Scan(ctx, &out); err != nil {
		return nil, fmt.Errorf("models: label products: %w", err)
	}
	return out, nil
}
