package models

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/shopspring/decimal"
	"github.com/uptrace/bun"
)

// Limits of product fields.
const (
	maxProductName        = 200
	maxProductRef         = 64
	maxProductDescription = 20000
	// MaxProductVariants bounds the cartesian product of a product's values.
	MaxProductVariants = 500
)

var (
	maxProductPrice  = decimal.NewFromInt(1_000_000_000)
	maxProductWeight = decimal.NewFromInt(1_000_000)
	maxProductVolume = decimal.NewFromInt(1_000_000) // m3
)

// ProductTypes, TrackingModes and InvoicePolicies list the allowed values in
// the order forms show them.
var (
	ProductTypes    = []string{ProductStorable, ProductConsumable, ProductService}
	TrackingModes   = []string{TrackingNone, TrackingLot, TrackingSerial}
	InvoicePolicies = []string{InvoiceOrdered, InvoiceDelivered}
)

// ProductTypeLabel names a product type, tracking mode or invoicing policy
// as people say it.
func ProductTypeLabel(t string) string {
	switch t {
	case ProductStorable:
		return "Storable product"
	case ProductConsumable:
		return "Consumable"
	case ProductService:
		return "Service"
	case TrackingNone:
		return "No tracking"
	case TrackingLot:
		return "By lots"
	case TrackingSerial:
		return "By unique serial number"
	case InvoiceOrdered:
		return "Ordered quantities"
	case InvoiceDelivered:
		return "Delivered quantities"
	}
	return t
}

// ProductFilter narrows ListProducts (and the CSV export).
type ProductFilter struct {
	Query      string // name, internal reference, SKU or barcode
	CategoryID int64  // 0: any
	Type       string // "": any
	Published  string // "", "yes", "no"
	Active     string // "": active only, "inactive": archived only, "all"
	Sort       string // "name" (default), "price", "price_desc", "newest"
	Page       int    // 1-based
	PerPage    int
}

// ProductSorts lists the sort keys of the product list with their labels.
var ProductSorts = [][2]string{{"name", "Name"}, {"price", "Price: low to high"}, {"price_desc", "Price: high to low"}, {"newest", "Newest"}}

// ProductPage is one page of products.
type ProductPage struct {
	Products      []ProductTemplate // with Category
	VariantCounts map[int64]int     // active variants per product id
	Covers        map[int64]int64   // cover image id per product id, when it has images
	Total         int
	Page          int
	PerPage       int
}

// Pages is the number of pages.
func (p ProductPage) Pages() int {
	if p.PerPage == 0 {
		return 1
	}
	return max(1, (p.Total+p.PerPage-1)/p.PerPage)
}

func likePattern(s string) string {
	return "%" + strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(strings.ToLower(s)) + "%"
}

// productQuery applies the filter and the sort order of f to q (over pt).
func productQuery(q *bun.SelectQuery, f ProductFilter) *bun.SelectQuery {
	if s := strings.TrimSpace(f.Query); s != "" {
		like := likePattern(s)
		q = q.Where("(lower(pt.name) LIKE ? OR lower(pt.default_code) LIKE ? OR EXISTS (SELECT 1 FROM product_variants v WHERE v.template_id = pt.id AND (lower(v.sku) LIKE ? OR v.barcode = ?)))",
			like, like, like, s)
	}
	if f.CategoryID > 0 {
		// The category and the categories under it.
		q = q.Where(`pt.category_id IN (WITH RECURSIVE sub AS (
			SELECT id FROM product_categories WHERE id = ?
			UNION ALL SELECT c.id FROM product_categories c JOIN sub ON c.parent_id = sub.id)
			SELECT id FROM sub)`, f.CategoryID)
	}
	if slices.Contains(ProductTypes, f.Type) {
		q = q.Where("pt.type = ?", f.Type)
	}
	switch f.Published {
	case "yes":
		q = q.Where("pt.published")
	case "no":
		q = q.Where("NOT pt.published")
	}
	switch f.Active {
	case "all":
	case "inactive":
		q = q.Where("NOT pt.active")
	default:
		q = q.Where("pt.active")
	}
	switch f.Sort {
	case "price":
		q = q.OrderExpr("pt.list_price, lower(pt.name), pt.id")
	case "price_desc":
		q = q.OrderExpr("pt.list_price DESC, lower(pt.name), pt.id")
	case "newest":
		q = q.OrderExpr("pt.created_at DESC, pt.id DESC")
	default:
		q = q.OrderExpr("lower(pt.name), pt.id")
	}
	return q
}

// ListProducts returns one page of the product templates matching f, with
// their category and the number of active variants of each.
func ListProducts(ctx context.Context, db bun.IDB, f ProductFilter) (ProductPage, error) {
	if f.PerPage <= 0 || f.PerPage > 200 {
		f.PerPage = 50
	}
	if f.Page < 1 {
		f.Page = 1
	}
	var products []ProductTemplate
	q := productQuery(db.NewSelect().Model(&products).Relation("Category"), f)
	total, err := q.Limit(int64(f.PerPage)).Offset(int64((f.Page - 1) * f.PerPage)).ScanAndCount(ctx)
	if err != nil {
		return ProductPage{}, fmt.Errorf("models: list products: %w", err)
	}
	counts, covers := map[int64]int{}, map[int64]int64{}
	if len(products) > 0 {
		ids := make([]int64, len(products))
		for i, p := range products {
			ids[i] = p.ID
		}
		var rows []struct {
			TemplateID int64 `bun:"template_id"`
			N          int   `bun:"n"`
		}
		err := db.NewSelect().TableExpr("product_variants").ColumnExpr("template_id, count(*) AS n").
			Where("template_id IN (?) AND active", bun.In(ids)).GroupExpr("template_id").Scan(ctx, &rows)
		if err != nil {
			return ProductPage{}, fmt.Errorf("models: count variants: %w", err)
		}
		for _, r := range rows {
			counts[r.TemplateID] = r.N
		}
		if covers, err = CoverImageIDs(ctx, db, ids); err != nil {
			return ProductPage{}, err
		}
	}
	return ProductPage{Products: products, VariantCounts: counts, Covers: covers, Total: int(total), Page: f.Page, PerPage: f.PerPage}, nil
}

// GetProduct returns the product template with id, its category, taxes and
// every variant (active first) with its attribute values, or ENOTFOUND.
func GetProduct(ctx context.Context, db bun.IDB, id int64) (*ProductTemplate, error) {
	p := new(ProductTemplate)
	err := db.NewSelect().Model(p).
		Relation("Category").
		Relation("Taxes", func(q *bun.SelectQuery) *bun.SelectQuery { return q.OrderExpr("tx.sequence, tx.id") }).
		Relation("Variants", func(q *bun.SelectQuery) *bun.SelectQuery { return q.OrderExpr("pv.active DESC, pv.id") }).
		Relation("Variants.Values", func(q *bun.SelectQuery) *bun.SelectQuery {
			return q.Join("JOIN product_attributes AS pa ON pa.id = pav.attribute_id").OrderExpr("pa.sequence, pa.id, pav.sequence, pav.id")
		}).
		Where("pt.id = ?", id).Scan(ctx)
	if err != nil {
		return nil, notFound(err, "The product")
	}
	return p, nil
}

// ProductAttributeLine is one attribute of a product with the values the
// product comes in (Odoo's attribute line).
type ProductAttributeLine struct {
	Attribute Attribute
	Values    []AttributeValue
}

// ProductTemplateValues returns the attribute values a product comes in,
// grouped by attribute, in the attributes' and values' order.
func ProductTemplateValues(ctx context.Context, db bun.IDB, templateID int64) ([]ProductAttributeLine, error) {
	var values []AttributeValue
	err := db.NewSelect().Model(&values).
		Join("JOIN product_template_attribute_values AS ptav ON ptav.value_id = pav.id").
		Join("JOIN product_attributes AS pa ON pa.id = pav.attribute_id").
		Where("ptav.template_id = ?", templateID).
		OrderExpr("pa.sequence, pa.id, pav.sequence, pav.id").Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("models: values of product %d: %w", templateID, err)
	}
	return groupValues(ctx, db, values)
}

// groupValues groups values (already in attribute order) under their attributes.
func groupValues(ctx context.Context, db bun.IDB, values []AttributeValue) ([]ProductAttributeLine, error) {
	if len(values) == 0 {
		return nil, nil
	}
	var attrIDs []int64
	for _, v := range values {
		if !slices.Contains(attrIDs, v.AttributeID) {
			attrIDs = append(attrIDs, v.AttributeID)
		}
	}
	var attrs []Attribute
	if err := db.NewSelect().Model(&attrs).Where("id IN (?)", bun.In(attrIDs)).Scan(ctx); err != nil {
		return nil, fmt.Errorf("models: load attributes: %w", err)
	}
	byID := map[int64]Attribute{}
	for _, a := range attrs {
		byID[a.ID] = a
	}
	var lines []ProductAttributeLine
	for _, v := range values {
		if n := len(lines); n > 0 && lines[n-1].Attribute.ID == v.AttributeID {
			lines[n-1].Values = append(lines[n-1].Values, v)
			continue
		}
		lines = append(lines, ProductAttributeLine{Attribute: byID[v.AttributeID], Values: []AttributeValue{v}})
	}
	return lines, nil
}

// ProductOptions is what the product form offers to choose from.
type ProductOptions struct {
	Categories []Category  // by complete name
	Taxes      []Tax       // active taxes, and inactive ones the product still carries
	Attributes []Attribute // with Values
}

// ProductFormOptions loads the categories, taxes and attributes the product
// form offers; the taxes of product templateID (0 for a new product) are
// included even when no longer active.
func ProductFormOptions(ctx context.Context, db bun.IDB, templateID int64) (ProductOptions, error) {
	var o ProductOptions
	if err := db.NewSelect().Model(&o.Categories).OrderExpr("lower(pc.complete_name), pc.id").Scan(ctx); err != nil {
		return o, fmt.Errorf("models: product form categories: %w", err)
	}
	if err := db.NewSelect().Model(&o.Taxes).
		Where("tx.active OR tx.id IN (SELECT tax_id FROM product_template_taxes WHERE template_id = ?)", templateID).
		OrderExpr("tx.sequence, tx.id").Scan(ctx); err != nil {
		return o, fmt.Errorf("models: product form taxes: %w", err)
	}
	if err := db.NewSelect().Model(&o.Attributes).
		Relation("Values", func(q *bun.SelectQuery) *bun.SelectQuery { return q.OrderExpr("pav.sequence, pav.id") }).
		OrderExpr("pa.sequence, pa.id").Scan(ctx); err != nil {
		return o, fmt.Errorf("models: product form attributes: %w", err)
	}
	return o, nil
}

// ProductInput is the input of CreateProduct and UpdateProduct. Amounts are
// the text as typed ("12.50"; empty is zero) so that a bad one is reported
// against its field.
type ProductInput struct {
	Name          string
	DefaultCode   string // internal reference
	Description   string // Markdown
	CategoryID    int64  // 0: none; negative: unreadable choice
	Type          string
	Tracking      string
	InvoicePolicy string
	ListPrice     string
	Cost          string
	Weight        string
	Volume        string // m3, for volume-based shipping rules
	TaxIDs        []int64
	ValueIDs      []int64 // attribute values the product comes in
	Published     bool
	Featured      bool
	Active        bool
}

// productFields is a validated ProductInput.
type productFields struct {
	name, ref, description       string
	categoryID                   *int64
	typ, tracking, invoicePolicy string
	listPrice, cost, weight      decimal.Decimal
	volume                       decimal.Decimal
	published, featured, active  bool
	taxIDs, valueIDs             []int64
}

// parseDecimalField reads an amount typed in field: empty is zero; it must
// not be negative (unless allowNeg), have at most places decimals and stay
// below limit in size.
func parseDecimalField(p Problems, field, s string, places int32, limit decimal.Decimal, allowNeg bool) decimal.Decimal {
	s = strings.TrimSpace(s)
	if s == "" {
		return decimal.Zero
	}
	d, err := decimal.NewFromString(s)
	switch {
	case err != nil || strings.ContainsAny(s, "eE"):
		p.Add(field, "Enter a number, like 12.50.")
	case d.IsNegative() && !allowNeg:
		p.Add(field, "Cannot be negative.")
	case !d.Equal(d.Truncate(places)):
		p.Add(field, fmt.Sprintf("Use at most %d decimals.", places))
	case d.Abs().GreaterThanOrEqual(limit):
		p.Add(field, "This is too large.")
	default:
		return d
	}
	return decimal.Zero
}

// validateProduct checks in; problems are keyed by the form's field names.
func validateProduct(p Problems, in ProductInput) productFields {
	f := productFields{
		name: strings.TrimSpace(in.Name), ref: strings.TrimSpace(in.DefaultCode),
		description: strings.TrimSpace(strings.ReplaceAll(in.Description, "\r\n", "\n")),
		typ:         in.Type, tracking: in.Tracking, invoicePolicy: in.InvoicePolicy,
		published: in.Published, featured: in.Featured, active: in.Active,
	}
	switch {
	case f.name == "":
		p.Add("name", "Enter the product's name.")
	case len(f.name) > maxProductName:
		p.Add("name", fmt.Sprintf("Use at most %d characters.", maxProductName))
	}
	switch {
	case len(f.ref) > maxProductRef:
		p.Add("default_code", fmt.Sprintf("Use at most %d characters.", maxProductRef))
	case strings.ContainsAny(f.ref, "\t\r\n"):
		p.Add("default_code", "Use a single line.")
	}
	if len(f.description) > maxProductDescription {
		p.Add("description", fmt.Sprintf("Use at most %d characters.", maxProductDescription))
	}
	switch {
	case in.CategoryID > 0:
		id := in.CategoryID
		f.categoryID = &id
	case in.CategoryID < 0:
		p.Add("category_id", "Choose a category from the list.")
	}
	if f.typ == "" {
		f.typ = ProductStorable
	}
	if f.tracking == "" {
		f.tracking = TrackingNone
	}
	if f.invoicePolicy == "" {
		f.invoicePolicy = InvoiceOrdered
	}
	if !slices.Contains(ProductTypes, f.typ) {
		p.Add("type", "Choose storable, consumable or service.")
	}
	if !slices.Contains(TrackingModes, f.tracking) {
		p.Add("tracking", "Choose no tracking, lots or serial numbers.")
	}
	if f.typ == ProductService {
		f.tracking = TrackingNone // a service is never in stock, so never tracked
	}
	if !slices.Contains(InvoicePolicies, f.invoicePolicy) {
		p.Add("invoice_policy", "Choose ordered or delivered quantities.")
	}
	f.listPrice = parseDecimalField(p, "list_price", in.ListPrice, 4, maxProductPrice, false)
	f.cost = parseDecimalField(p, "cost", in.Cost, 4, maxProductPrice, false)
	f.weight = parseDecimalField(p, "weight", in.Weight, 3, maxProductWeight, false)
	f.volume = parseDecimalField(p, "volume", in.Volume, 4, maxProductVolume, false)
	f.taxIDs = uniqueIDs(in.TaxIDs)
	f.valueIDs = uniqueIDs(in.ValueIDs)
	return f
}

func uniqueIDs(ids []int64) []int64 {
	out := []int64{}
	for _, id := range ids {
		if id > 0 && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	slices.Sort(out)
	return out
}

// checkProductRefs verifies, inside tx, that the category, taxes and values
// chosen exist; problems go to p.
func checkProductRefs(ctx context.Context, tx bun.IDB, p Problems, f productFields, templateID int64) error {
	if f.categoryID != nil {
		ok, err := tx.NewSelect().Model((*Category)(nil)).Where("id = ?", *f.categoryID).Exists(ctx)
		if err != nil {
			return err
		}
		if !ok {
			p.Add("category_id", "This category no longer exists. Choose another one.")
		}
	}
	if len(f.taxIDs) > 0 {
		n, err := tx.NewSelect().Model((*Tax)(nil)).
			Where("id IN (?) AND (active OR id IN (SELECT tax_id FROM product_template_taxes WHERE template_id = ?))", bun.In(f.taxIDs), templateID).Count(ctx)
		if err != nil {
			return err
		}
		if int(n) != len(f.taxIDs) {
			p.Add("tax_ids", "Choose active taxes from the list.")
		}
	}
	if len(f.valueIDs) > 0 {
		n, err := tx.NewSelect().Model((*AttributeValue)(nil)).Where("id IN (?)", bun.In(f.valueIDs)).Count(ctx)
		if err != nil {
			return err
		}
		if int(n) != len(f.valueIDs) {
			p.Add("value_ids", "Some of these attribute values no longer exist. Reload the page and choose again.")
		}
	}
	return nil
}

// CreateProduct creates a product template with its taxes, attribute values
// and variants (one per combination of the values; exactly one without
// attributes), all in one transaction. It returns EINVALID with problems keyed
// by the form's field names.
func CreateProduct(ctx context.Context, db *bun.DB, in ProductInput, actorID int64) (*ProductTemplate, error) {
	p := Problems{}
	f := validateProduct(p, in)
	if err := p.Err(); err != nil {
		return nil, err
	}
	pt := &ProductTemplate{}
	err := db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if err := checkProductRefs(ctx, tx, p, f, 0); err != nil {
			return err
		}
		if err := p.Err(); err != nil {
			return err
		}
		f.apply(pt)
		if _, err := tx.NewInsert().Model(pt).Returning("id, created_at, updated_at").Exec(ctx); err != nil {
			return err
		}
		if err := setProductTaxes(ctx, tx, pt.ID, f.taxIDs); err != nil {
			return err
		}
		res, err := syncVariants(ctx, tx, pt, f.valueIDs)
		if err != nil {
			return err
		}
		if err := RefreshProductSearch(ctx, tx, pt.ID); err != nil {
			return err
		}
		return RecordHistory(ctx, tx, "product", pt.ID, actorID, fmt.Sprintf("Product created with %d variant(s).", res.created))
	})
	if err != nil {
		return nil, wrapOp(skuConflict(err), "create product")
	}
	return pt, nil
}

func (f productFields) apply(pt *ProductTemplate) {
	pt.Name, pt.DefaultCode, pt.Description = f.name, f.ref, f.description
	pt.DescriptionHTML = RenderMarkdown(f.description)
	pt.CategoryID = f.categoryID
	pt.Type, pt.Tracking, pt.InvoicePolicy = f.typ, f.tracking, f.invoicePolicy
	pt.ListPrice, pt.Cost, pt.Weight, pt.Volume = f.listPrice, f.cost, f.weight, f.volume
	pt.Published, pt.Featured, pt.Active = f.published, f.featured, f.active
}

// setProductTaxes replaces the default sales taxes of a product.
func setProductTaxes(ctx context.Context, tx bun.IDB, templateID int64, taxIDs []int64) error {
	if _, err := tx.NewDelete().Model((*ProductTemplateTax)(nil)).Where("template_id = ?", templateID).Exec(ctx); err != nil {
		return err
	}
	if len(taxIDs) == 0 {
		return nil
	}
	rows := make([]ProductTemplateTax, len(taxIDs))
	for i, id := range taxIDs {
		rows[i] = ProductTemplateTax{TemplateID: templateID, TaxID: id}
	}
	_, err := tx.NewInsert().Model(&rows).Exec(ctx)
	return err
}

func productTaxIDs(ctx context.Context, tx bun.IDB, templateID int64) ([]int64, error) {
	var ids []int64
	err := tx.NewSelect().Model((*ProductTemplateTax)(nil)).Column("tax_id").Where("template_id = ?", templateID).OrderExpr("tax_id").Scan(ctx, &ids)
	return uniqueIDs(ids), err
}

// UpdateProduct saves a product template, its taxes and the attribute values
// it comes in: variants are created for new combinations and deactivated
// (never deleted) for combinations no longer offered. It locks the template
// row; it returns ENOTFOUND or EINVALID with problems keyed by field name.
func UpdateProduct(ctx context.Context, db *bun.DB, id int64, in ProductInput, actorID int64) (*ProductTemplate, error) {
	p := Problems{}
	f := validateProduct(p, in)
	if err := p.Err(); err != nil {
		return nil, err
	}
	var pt ProductTemplate
	err := db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if err := tx.NewSelect().Model(&pt).Where("id = ?", id).For("UPDATE").Scan(ctx); err != nil {
			return notFound(err, "The product")
		}
		if err := checkProductRefs(ctx, tx, p, f, id); err != nil {
			return err
		}
		if err := p.Err(); err != nil {
			return err
		}
		old := pt
		f.apply(&pt)
		changes := productChanges(old, pt)
		oldTaxes, err := productTaxIDs(ctx, tx, id)
		if err != nil {
			return err
		}
		if !slices.Equal(oldTaxes, f.taxIDs) {
			changes = append(changes, "sales taxes")
			if err := setProductTaxes(ctx, tx, id, f.taxIDs); err != nil {
				return err
			}
		}
		res, err := syncVariants(ctx, tx, &pt, f.valueIDs)
		if err != nil {
			return err
		}
		changes = append(changes, res.describe()...)
		if len(changes) == 0 {
			return nil
		}
		pt.UpdatedAt = time.Now()
		if _, err := tx.NewUpdate().Model(&pt).ExcludeColumn("id", "created_at").WherePK().Exec(ctx); err != nil {
			return err
		}
		if err := RefreshProductSearch(ctx, tx, id); err != nil {
			return err
		}
		return RecordHistory(ctx, tx, "product", id, actorID, "Product updated: "+strings.Join(changes, "; ")+".")
	})
	if err != nil {
		return nil, wrapOp(skuConflict(err), "update product")
	}
	return &pt, nil
}

// productChanges describes what differs between two versions of a template.
func productChanges(a, b ProductTemplate) []string {
	var out []string
	str := func(label, x, y string) {
		if x != y {
			out = append(out, fmt.Sprintf("%s %q → %q", label, x, y))
		}
	}
	dec := func(label string, x, y decimal.Decimal) {
		if !x.Equal(y) {
			out = append(out, fmt.Sprintf("%s %s → %s", label, x.String(), y.String()))
		}
	}
	flag := func(label string, x, y bool) {
		if x != y {
			out = append(out, fmt.Sprintf("%s %s", label, map[bool]string{true: "on", false: "off"}[y]))
		}
	}
	str("name", a.Name, b.Name)
	str("internal reference", a.DefaultCode, b.DefaultCode)
	if a.Description != b.Description {
		out = append(out, "description")
	}
	if (a.CategoryID == nil) != (b.CategoryID == nil) || (a.CategoryID != nil && *a.CategoryID != *b.CategoryID) {
		out = append(out, "category")
	}
	str("type", a.Type, b.Type)
	str("tracking", a.Tracking, b.Tracking)
	str("invoicing policy", a.InvoicePolicy, b.InvoicePolicy)
	dec("list price", a.ListPrice, b.ListPrice)
	dec("cost", a.Cost, b.Cost)
	dec("weight", a.Weight, b.Weight)
	dec("volume", a.Volume, b.Volume)
	flag("published", a.Published, b.Published)
	flag("featured", a.Featured, b.Featured)
	flag("active", a.Active, b.Active)
	return out
}

// skuConflict turns a unique violation (another request took an automatic
// SKU between our check and our insert) into ECONFLICT.
func skuConflict(err error) error {
	if isUniqueViolation(err) {
		return &Error{Code: ECONFLICT, Message: "Another change took one of these SKUs meanwhile. Please save again.", Err: err}
	}
	return err
}
