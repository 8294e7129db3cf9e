package models

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"
	"github.com/uptrace/bun"
)

// Limits of a product CSV import.
const (
	MaxImportBytes  = 5 << 20
	MaxImportRows   = 10000
	maxImportErrors = 200
)

// ProductCSVColumns are the columns of the product CSV, in export order. An
// import needs sku; a column left out leaves that field as it is.
var ProductCSVColumns = []string{"name", "internal_ref", "category", "type", "list_price", "taxes", "published", "sku", "barcode", "price_extra", "attributes"}

// ExportProductsCSV writes the products matching f (every page, in the list's
// order) as CSV, one row per active variant: the product's columns repeated
// on each of its variants. Text cells that a spreadsheet would run as a
// formula are prefixed with a quote, which ImportProductsCSV removes.
func ExportProductsCSV(ctx context.Context, db bun.IDB, f ProductFilter, w io.Writer) error {
	var products []ProductTemplate
	err := productQuery(db.NewSelect().Model(&products).
		Relation("Category").
		Relation("Taxes", func(q *bun.SelectQuery) *bun.SelectQuery { return q.OrderExpr("tx.sequence, tx.id") }).
		Relation("Variants", func(q *bun.SelectQuery) *bun.SelectQuery { return q.Where("pv.active").OrderExpr("pv.id") }).
		Relation("Variants.Values", func(q *bun.SelectQuery) *bun.SelectQuery {
			return q.Join("JOIN product_attributes AS pa ON pa.id = pav.attribute_id").OrderExpr("pa.sequence, pa.id, pav.sequence, pav.id")
		}), f).Scan(ctx)
	if err != nil {
		return fmt.Errorf("models: export products: %w", err)
	}
	attrNames, err := attributeNames(ctx, db)
	if err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	if err := cw.Write(ProductCSVColumns); err != nil {
		return err
	}
	for _, p := range products {
		category := ""
		if p.Category != nil {
			category = p.Category.CompleteName
		}
		taxes := make([]string, len(p.Taxes))
		for i, t := range p.Taxes {
			taxes[i] = t.Name
		}
		for _, v := range p.Variants {
			values := make([]string, len(v.Values))
			for i, val := range v.Values {
				values[i] = attrNames[val.AttributeID] + ":" + val.Name
			}
			barcode := ""
			if v.Barcode != nil {
				barcode = *v.Barcode
			}
			rec := []string{
				csvText(p.Name), csvText(p.DefaultCode), csvText(category), p.Type, p.ListPrice.String(),
				csvText(strings.Join(taxes, "|")), yesNo(p.Published), csvText(v.SKU), csvText(barcode),
				v.PriceExtra.String(), csvText(strings.Join(values, "|")),
			}
			if err := cw.Write(rec); err != nil {
				return err
			}
		}
	}
	cw.Flush()
	return cw.Error()
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// csvText guards a text cell against spreadsheet formula injection.
func csvText(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// csvUntext undoes csvText.
func csvUntext(s string) string {
	if len(s) > 1 && s[0] == '\'' && strings.ContainsRune("=+-@\t\r", rune(s[1])) {
		return s[1:]
	}
	return s
}

func attributeNames(ctx context.Context, db bun.IDB) (map[int64]string, error) {
	var attrs []Attribute
	if err := db.NewSelect().Model(&attrs).Scan(ctx); err != nil {
		return nil, fmt.Errorf("models: attribute names: %w", err)
	}
	out := make(map[int64]string, len(attrs))
	for _, a := range attrs {
		out[a.ID] = a.Name
	}
	return out, nil
}

// ImportRowError is one problem of an imported file: the row as a
// spreadsheet numbers it (the header is row 1), the column, and the message.
type ImportRowError struct {
	Row     int
	Column  string
	Message string
}

// ImportResult says what an import did, or why it did nothing.
type ImportResult struct {
	Rows            int
	ProductsCreated int
	ProductsUpdated int
	VariantsCreated int // from rows, plus the missing combinations made with automatic SKUs
	VariantsUpdated int
	Unchanged       int // rows that changed nothing
	Errors          []ImportRowError
	MoreErrors      int // problems beyond those listed
}

// importRow is one parsed line of the file.
type importRow struct {
	line int
	cols map[string]string

	sku        string
	barcode    *string
	priceExtra decimal.Decimal
	valueIDs   []int64 // sorted
	attrIDs    []int64 // sorted
	values     string  // as written, for messages

	// product columns, parsed
	name, ref, typ string
	categoryID     *int64
	listPrice      decimal.Decimal
	taxIDs         []int64
	published      bool

	existing *ProductVariant // the variant with this SKU, if any
	group    *importGroup
}

// importGroup is the product a set of rows belongs to.
type importGroup struct {
	key      string
	template *ProductTemplate // nil: a product to create
	rows     []*importRow
	valueIDs []int64 // values the product will come in
}

// csvImport holds the state of one import.
type csvImport struct {
	has    map[string]bool // columns present
	res    ImportResult
	rows   []*importRow
	groups []*importGroup
}

func (im *csvImport) fail(row int, col, format string, args ...any) {
	if len(im.res.Errors) >= maxImportErrors {
		im.res.MoreErrors++
		return
	}
	im.res.Errors = append(im.res.Errors, ImportRowError{Row: row, Column: col, Message: fmt.Sprintf(format, args...)})
}

// ImportProductsCSV creates or updates products and variants from a CSV file
// (the columns of ProductCSVColumns; sku is required), matching variants by
// SKU. New SKUs become variants of the product with the same internal
// reference, or of a new product (rows with the same reference, or name
// when there is none, make one product whose variants are the combinations of
// their attributes; missing combinations get automatic SKUs). Every row is
// checked before anything is written, and the whole file is imported in one
// transaction: a file with any problem changes nothing and returns EINVALID
// with the problems in ImportResult.Errors.
func ImportProductsCSV(ctx context.Context, db *bun.DB, r io.Reader, actorID int64) (ImportResult, error) {
	im := &csvImport{}
	data, err := io.ReadAll(io.LimitReader(r, MaxImportBytes+1))
	if err != nil {
		return im.res, fmt.Errorf("models: read import file: %w", err)
	}
	if len(data) > MaxImportBytes {
		return im.res, Errorf(EINVALID, "The file is larger than %d MB. Split it into several files.", MaxImportBytes>>20)
	}
	if err := im.read(data); err != nil {
		return im.res, err
	}
	err = db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if err := im.check(ctx, tx); err != nil {
			return err
		}
		if len(im.res.Errors) > 0 {
			return im.invalid()
		}
		return im.apply(ctx, tx, actorID)
	})
	if err != nil {
		return im.res, wrapOp(err, "import products")
	}
	return im.res, nil
}

func (im *csvImport) invalid() error {
	slices.SortStableFunc(im.res.Errors, func(a, b ImportRowError) int { return a.Row - b.Row })
	n := len(im.res.Errors) + im.res.MoreErrors
	return Errorf(EINVALID, "The file has %d problem(s), so nothing was imported. Correct them and import it again.", n)
}

// read parses the CSV into rows of named cells.
func (im *csvImport) read(data []byte) error {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")) // spreadsheets' UTF-8 mark
	cr := csv.NewReader(bytes.NewReader(data))
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err == io.EOF {
		return Errorf(EINVALID, "The file is empty.")
	}
	if err != nil {
		return Errorf(EINVALID, "This is not a CSV file we can read: %s", csvErrMessage(err))
	}
	im.has = map[string]bool{}
	names := make([]string, len(header))
	for i, h := range header {
		h = strings.ReplaceAll(strings.ToLower(strings.TrimSpace(h)), " ", "_")
		names[i] = h
		switch {
		case h == "":
		case !slices.Contains(ProductCSVColumns, h):
			im.fail(1, h, "Unknown column %q. The columns are: %s.", header[i], strings.Join(ProductCSVColumns, ", "))
		case im.has[h]:
			im.fail(1, h, "The column %q appears twice.", h)
		}
		im.has[h] = true
	}
	if !im.has["sku"] {
		im.fail(1, "sku", "The file needs a sku column: variants are matched by SKU.")
	}
	if len(im.res.Errors) > 0 {
		return im.invalid()
	}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			line := 0
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				line = pe.StartLine
			}
			im.fail(line, "", "The file cannot be read from here on: %s.", csvErrMessage(err))
			return im.invalid()
		}
		line, _ := cr.FieldPos(0)
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue // blank line
		}
		if len(im.rows) >= MaxImportRows {
			im.fail(line, "", "The file has more than %d rows. Split it into several files.", MaxImportRows)
			return im.invalid()
		}
		row := &importRow{line: line, cols: map[string]string{}}
		for i, v := range rec {
			if i < len(names) && names[i] != "" {
				row.cols[names[i]] = strings.TrimSpace(csvUntext(strings.TrimSpace(v)))
			}
		}
		if len(rec) > len(names) {
			im.fail(line, "", "This row has %d cells, the header %d.", len(rec), len(names))
		}
		im.rows = append(im.rows, row)
	}
	im.res.Rows = len(im.rows)
	if len(im.rows) == 0 {
		return Errorf(EINVALID, "The file has a header but no rows.")
	}
	return nil
}

func csvErrMessage(err error) string {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// importLookups are the names a file may refer to.
type importLookups struct {
	categories map[string]int64           // lower complete name
	taxes      map[string]int64           // lower name (active taxes)
	attributes map[string]Attribute       // lower name
	values     map[int64]map[string]int64 // attribute id -> lower value name -> id
	attrOf     map[int64]int64            // value id -> attribute id
	attrNames  map[int64]string
	valueNames map[int64]string
}

func normalizeCategoryPath(s string) string {
	parts := strings.Split(s, "/")
	for i, p := range parts {
		parts[i] = strings.ToLower(strings.Join(strings.Fields(p), " "))
	}
	return strings.Join(parts, " / ")
}

func loadImportLookups(ctx context.Context, tx bun.IDB) (*importLookups, error) {
	l := &importLookups{categories: map[string]int64{}, taxes: map[string]int64{}, attributes: map[string]Attribute{},
		values: map[int64]map[string]int64{}, attrOf: map[int64]int64{}, attrNames: map[int64]string{}, valueNames: map[int64]string{}}
	var cats []Category
	if err := tx.NewSelect().Model(&cats).Scan(ctx); err != nil {
		return nil, err
	}
	for _, c := range cats {
		l.categories[normalizeCategoryPath(c.CompleteName)] = c.ID
	}
	var taxes []Tax
	if err := tx.NewSelect().Model(&taxes).Where("active").Scan(ctx); err != nil {
		return nil, err
	}
	for _, t := range taxes {
		l.taxes[strings.ToLower(t.Name)] = t.ID
	}
	var attrs []Attribute
	if err := tx.NewSelect().Model(&attrs).Relation("Values").Scan(ctx); err != nil {
		return nil, err
	}
	for _, a := range attrs {
		l.attributes[strings.ToLower(a.Name)] = a
		l.attrNames[a.ID] = a.Name
		l.values[a.ID] = map[string]int64{}
		for _, v := range a.Values {
			l.values[a.ID][strings.ToLower(v.Name)] = v.ID
			l.attrOf[v.ID] = a.ID
			l.valueNames[v.ID] = v.Name
		}
	}
	return l, nil
}

// parseRow reads the cells of one row; problems go to im.
func (im *csvImport) parseRow(row *importRow, l *importLookups) {
	c, line := row.cols, row.line
	row.sku = c["sku"]
	p := Problems{}
	validateSKU(p, "sku", row.sku)
	if b := c["barcode"]; b != "" {
		if err := ValidateBarcode(b); err != nil {
			p.Add("barcode", err.Error())
		}
		row.barcode = &b
	}
	row.priceExtra = parseDecimalField(p, "price_extra", c["price_extra"], 4, maxProductPrice, true)
	row.name = c["name"]
	if im.has["name"] {
		switch {
		case row.name == "":
			p.Add("name", "Enter the product's name.")
		case len(row.name) > maxProductName:
			p.Add("name", fmt.Sprintf("Use at most %d characters.", maxProductName))
		}
	}
	row.ref = c["internal_ref"]
	if len(row.ref) > maxProductRef {
		p.Add("internal_ref", fmt.Sprintf("Use at most %d characters.", maxProductRef))
	}
	if cat := c["category"]; cat != "" {
		if id, ok := l.categories[normalizeCategoryPath(cat)]; ok {
			row.categoryID = &id
		} else {
			p.Add("category", fmt.Sprintf("Unknown category %q. Use the full path, like \"Apparel / T-shirts\", of an existing category.", cat))
		}
	}
	row.typ = strings.ToLower(c["type"])
	if row.typ == "" {
		row.typ = ProductStorable
	}
	if !slices.Contains(ProductTypes, row.typ) {
		p.Add("type", "Use storable, consumable or service.")
	}
	row.listPrice = parseDecimalField(p, "list_price", c["list_price"], 4, maxProductPrice, false)
	if t := c["taxes"]; t != "" {
		for _, name := range strings.Split(t, "|") {
			name = strings.TrimSpace(name)
			if id, ok := l.taxes[strings.ToLower(name)]; ok {
				row.taxIDs = append(row.taxIDs, id)
			} else if name != "" {
				p.Add("taxes", fmt.Sprintf("Unknown or inactive tax %q (separate several taxes with |).", name))
			}
		}
		row.taxIDs = uniqueIDs(row.taxIDs)
	}
	switch strings.ToLower(c["published"]) {
	case "", "no", "false", "0", "n":
	case "yes", "true", "1", "y":
		row.published = true
	default:
		p.Add("published", "Use yes or no.")
	}
	if a := c["attributes"]; a != "" {
		row.values = a
		for _, pair := range strings.Split(a, "|") {
			attrName, valueName, ok := strings.Cut(pair, ":")
			attrName, valueName = strings.TrimSpace(attrName), strings.TrimSpace(valueName)
			attr, known := l.attributes[strings.ToLower(attrName)]
			switch {
			case !ok || attrName == "" || valueName == "":
				p.Add("attributes", fmt.Sprintf("Write attributes as Size:M|Color:Red, not %q.", pair))
			case !known:
				p.Add("attributes", fmt.Sprintf("Unknown attribute %q.", attrName))
			case l.values[attr.ID][strings.ToLower(valueName)] == 0:
				p.Add("attributes", fmt.Sprintf("%s has no value %q.", attr.Name, valueName))
			case slices.Contains(row.attrIDs, attr.ID):
				p.Add("attributes", fmt.Sprintf("%s is given twice.", attr.Name))
			default:
				row.attrIDs = append(row.attrIDs, attr.ID)
				row.valueIDs = append(row.valueIDs, l.values[attr.ID][strings.ToLower(valueName)])
			}
		}
		slices.Sort(row.attrIDs)
		slices.Sort(row.valueIDs)
	}
	for _, col := range ProductCSVColumns { // report in column order
		if msg, ok := p[col]; ok {
			im.fail(line, col, "%s", msg)
		}
	}
}

// check parses and validates every row, and groups the rows into products.
func (im *csvImport) check(ctx context.Context, tx bun.IDB) error {
	l, err := loadImportLookups(ctx, tx)
	if err != nil {
		return err
	}
	for _, row := range im.rows {
		im.parseRow(row, l)
	}
	// Duplicates inside the file.
	skuRow, barcodeRow := map[string]int{}, map[string]int{}
	var skus, barcodes []string
	for _, row := range im.rows {
		if row.sku != "" {
			if first, dup := skuRow[row.sku]; dup {
				im.fail(row.line, "sku", "SKU %s is also on row %d.", row.sku, first)
			} else {
				skuRow[row.sku] = row.line
				skus = append(skus, row.sku)
			}
		}
		if row.barcode != nil {
			if first, dup := barcodeRow[*row.barcode]; dup {
				im.fail(row.line, "barcode", "Barcode %s is also on row %d.", *row.barcode, first)
			} else {
				barcodeRow[*row.barcode] = row.line
				barcodes = append(barcodes, *row.barcode)
			}
		}
	}
	// The variants the file names, and the barcodes it would take from others.
	existing := map[string]*ProductVariant{}
	if len(skus) > 0 {
		var vs []ProductVariant
		for chunk := range slices.Chunk(skus, 1000) {
			var part []ProductVariant
			if err := tx.NewSelect().Model(&part).Where("sku IN (?)", bun.In(chunk)).Scan(ctx); err != nil {
				return err
			}
			vs = append(vs, part...)
		}
		for i := range vs {
			existing[vs[i].SKU] = &vs[i]
		}
	}
	if len(barcodes) > 0 {
		for chunk := range slices.Chunk(barcodes, 1000) {
			var holders []ProductVariant
			if err := tx.NewSelect().Model(&holders).Column("id", "sku", "barcode").Where("barcode IN (?)", bun.In(chunk)).Scan(ctx); err != nil {
				return err
			}
			for _, h := range holders {
				// A variant named in the file gets its barcode from the file,
				// so only the others keep theirs.
				if _, inFile := skuRow[h.SKU]; !inFile {
					im.fail(barcodeRow[*h.Barcode], "barcode", "Barcode %s already belongs to variant %s.", *h.Barcode, h.SKU)
				}
			}
		}
	}
	return im.group(ctx, tx, l, existing)
}

// group assigns each row to the product it creates or updates and checks
// that the rows of one product agree.
func (im *csvImport) group(ctx context.Context, tx bun.IDB, l *importLookups, existing map[string]*ProductVariant) error {
	byKey := map[string]*importGroup{}
	templates := map[int64]*ProductTemplate{}
	loadTemplate := func(id int64) (*ProductTemplate, error) {
		if t, ok := templates[id]; ok {
			return t, nil
		}
		t := new(ProductTemplate)
		if err := tx.NewSelect().Model(t).Where("id = ?", id).For("UPDATE").Scan(ctx); err != nil {
			return nil, err
		}
		templates[id] = t
		return t, nil
	}
	for _, row := range im.rows {
		if row.sku == "" {
			continue
		}
		var key string
		var tmpl *ProductTemplate
		if v := existing[row.sku]; v != nil {
			row.existing = v
			t, err := loadTemplate(v.TemplateID)
			if err != nil {
				return err
			}
			key, tmpl = "t"+strconv.FormatInt(t.ID, 10), t
		} else {
			if !im.has["name"] || row.name == "" {
				if im.has["name"] {
					continue // already reported
				}
				im.fail(row.line, "name", "SKU %s is new: add a name column to create its product.", row.sku)
				continue
			}
			if row.ref != "" {
				var ids []int64
				if err := tx.NewSelect().Model((*ProductTemplate)(nil)).Column("id").Where("default_code = ?", row.ref).Scan(ctx, &ids); err != nil {
					return err
				}
				switch len(ids) {
				case 0:
					key = "r" + strings.ToLower(row.ref)
				case 1:
					t, err := loadTemplate(ids[0])
					if err != nil {
						return err
					}
					key, tmpl = "t"+strconv.FormatInt(t.ID, 10), t
				default:
					im.fail(row.line, "internal_ref", "Several products have the internal reference %s: give the new SKU's product a unique one.", row.ref)
					continue
				}
			} else {
				key = "n" + strings.ToLower(row.name)
			}
		}
		g := byKey[key]
		if g == nil {
			g = &importGroup{key: key, template: tmpl}
			byKey[key] = g
			im.groups = append(im.groups, g)
		} else {
			im.sameProduct(g.rows[0], row)
		}
		row.group = g
		g.rows = append(g.rows, row)
	}
	for _, g := range im.groups {
		if err := im.checkGroup(ctx, tx, l, g); err != nil {
			return err
		}
	}
	return nil
}

// sameProduct reports product columns of row that differ from first's.
func (im *csvImport) sameProduct(first, row *importRow) {
	for _, col := range []string{"name", "internal_ref", "category", "type", "list_price", "taxes", "published"} {
		if !im.has[col] {
			continue
		}
		var same bool
		switch col {
		case "name":
			same = row.name == first.name
		case "internal_ref":
			same = row.ref == first.ref
		case "category":
			same = equalInt64Ptr(row.categoryID, first.categoryID)
		case "type":
			same = row.typ == first.typ
		case "list_price":
			same = row.listPrice.Equal(first.listPrice)
		case "taxes":
			same = slices.Equal(row.taxIDs, first.taxIDs)
		case "published":
			same = row.published == first.published
		}
		if !same {
			im.fail(row.line, col, "%s differs from row %d, which is a variant of the same product.", col, first.line)
		}
	}
}

func equalInt64Ptr(a, b *int64) bool {
	return (a == nil && b == nil) || (a != nil && b != nil && *a == *b)
}

// checkGroup checks the attribute values of a product's rows and works out
// the values the product will come in.
func (im *csvImport) checkGroup(ctx context.Context, tx bun.IDB, l *importLookups, g *importGroup) error {
	var oldValues []int64
	var oldVariants []ProductVariant
	if g.template != nil {
		if err := tx.NewSelect().Model((*ProductTemplateValue)(nil)).Column("value_id").Where("template_id = ?", g.template.ID).Scan(ctx, &oldValues); err != nil {
			return err
		}
		if err := tx.NewSelect().Model(&oldVariants).Where("template_id = ?", g.template.ID).Scan(ctx); err != nil {
			return err
		}
	}
	// The attributes the product varies along.
	var attrs []int64
	for _, id := range oldValues {
		if a := l.attrOf[id]; !slices.Contains(attrs, a) {
			attrs = append(attrs, a)
		}
	}
	slices.Sort(attrs)
	values := slices.Clone(oldValues)
	combos := map[string]string{} // combination -> SKU
	for _, v := range oldVariants {
		combos[v.Combination] = v.SKU
	}
	for _, row := range g.rows {
		if row.existing != nil {
			if im.has["attributes"] && combinationKey(row.valueIDs) != row.existing.Combination {
				im.fail(row.line, "attributes", "Variant %s is %s, not %q: change a variant's values in the product form.",
					row.sku, describeCombination(row.existing.Combination, l), row.values)
			}
			continue
		}
		if len(attrs) == 0 && len(g.rows) > 0 && g.template == nil && row == g.rows[0] {
			attrs = row.attrIDs // a new product varies along its first row's attributes
		}
		switch {
		case g.template != nil && len(attrs) == 0:
			im.fail(row.line, "attributes", "Product %q has no attributes, so it has only one variant (%s). Add attributes in the product form first.", g.template.Name, firstSKU(oldVariants))
			continue
		case !slices.Equal(row.attrIDs, attrs):
			im.fail(row.line, "attributes", "Give one value for each of %s, like the product's other variants.", describeAttributes(attrs, l))
			continue
		}
		key := combinationKey(row.valueIDs)
		if other, dup := combos[key]; dup {
			im.fail(row.line, "attributes", "The product already has the variant %s (SKU %s).", describeCombination(key, l), other)
			continue
		}
		combos[key] = row.sku
		for _, id := range row.valueIDs {
			if !slices.Contains(values, id) {
				values = append(values, id)
			}
		}
	}
	g.valueIDs = uniqueIDs(values)
	n := 1
	perAttr := map[int64]int{}
	for _, id := range g.valueIDs {
		perAttr[l.attrOf[id]]++
	}
	for _, c := range perAttr {
		n *= c
	}
	if n > MaxProductVariants {
		im.fail(g.rows[0].line, "attributes", "These values make %d variants; a product may have at most %d.", n, MaxProductVariants)
	}
	return nil
}

func firstSKU(vs []ProductVariant) string {
	if len(vs) == 0 {
		return ""
	}
	return vs[0].SKU
}

func describeAttributes(ids []int64, l *importLookups) string {
	if len(ids) == 0 {
		return "no attribute (leave attributes empty)"
	}
	names := make([]string, len(ids))
	for i, id := range ids {
		names[i] = l.attrNames[id]
	}
	return strings.Join(names, ", ")
}

func describeCombination(key string, l *importLookups) string {
	if key == "" {
		return "without attributes"
	}
	var parts []string
	for _, s := range strings.Split(key, ",") {
		id, _ := strconv.ParseInt(s, 10, 64)
		parts = append(parts, l.attrNames[l.attrOf[id]]+":"+l.valueNames[id])
	}
	return strings.Join(parts, "|")
}

// apply writes the checked rows.
func (im *csvImport) apply(ctx context.Context, tx bun.IDB, actorID int64) error {
	now := time.Now()
	var touched []int64
	// Existing variants whose barcode changes let go of it first, so that
	// barcodes may move between variants within the file.
	if im.has["barcode"] {
		var ids []int64
		for _, row := range im.rows {
			if row.existing != nil && !equalStrPtr(row.existing.Barcode, row.barcode) {
				ids = append(ids, row.existing.ID)
			}
		}
		if len(ids) > 0 {
			if _, err := tx.NewUpdate().Model((*ProductVariant)(nil)).Set("barcode = NULL").Where("id IN (?)", bun.In(ids)).Exec(ctx); err != nil {
				return err
			}
		}
	}
	for _, g := range im.groups {
		first := g.rows[0]
		var changes []string
		if g.template == nil {
			pt := &ProductTemplate{Name: first.name, DefaultCode: first.ref, CategoryID: first.categoryID, Type: first.typ,
				Tracking: TrackingNone, InvoicePolicy: InvoiceOrdered, ListPrice: first.listPrice, Published: first.published, Active: true}
			if _, err := tx.NewInsert().Model(pt).Returning("id, created_at, updated_at").Exec(ctx); err != nil {
				return err
			}
			if err := setProductTaxes(ctx, tx, pt.ID, first.taxIDs); err != nil {
				return err
			}
			g.template = pt
			im.res.ProductsCreated++
			changes = append(changes, "Product created by CSV import")
		} else {
			pt := g.template
			old := *pt
			if im.has["name"] {
				pt.Name = first.name
			}
			if im.has["internal_ref"] {
				pt.DefaultCode = first.ref
			}
			if im.has["category"] {
				pt.CategoryID = first.categoryID
			}
			if im.has["type"] {
				pt.Type = first.typ
				if pt.Type == ProductService {
					pt.Tracking = TrackingNone
				}
			}
			if im.has["list_price"] {
				pt.ListPrice = first.listPrice
			}
			if im.has["published"] {
				pt.Published = first.published
			}
			diff := productChanges(old, *pt)
			if im.has["taxes"] {
				cur, err := productTaxIDs(ctx, tx, pt.ID)
				if err != nil {
					return err
				}
				if !slices.Equal(cur, first.taxIDs) {
					diff = append(diff, "sales taxes")
					if err := setProductTaxes(ctx, tx, pt.ID, first.taxIDs); err != nil {
						return err
					}
				}
			}
			if len(diff) > 0 {
				pt.UpdatedAt = now
				if _, err := tx.NewUpdate().Model(pt).ExcludeColumn("id", "created_at").WherePK().Exec(ctx); err != nil {
					return err
				}
				im.res.ProductsUpdated++
				changes = append(changes, "Updated by CSV import: "+strings.Join(diff, "; "))
			}
		}
		productChanged := len(changes) > 0
		// The rows' variants: new ones first, with their own SKUs, then the
		// missing combinations through syncVariants.
		newRows := 0
		for _, row := range g.rows {
			if row.existing == nil {
				v := &ProductVariant{TemplateID: g.template.ID, SKU: row.sku, Barcode: row.barcode, PriceExtra: row.priceExtra,
					Active: true, Combination: combinationKey(row.valueIDs)}
				if _, err := tx.NewInsert().Model(v).Returning("id").Exec(ctx); err != nil {
					return err
				}
				if len(row.valueIDs) > 0 {
					links := make([]ProductVariantValue, len(row.valueIDs))
					for i, id := range row.valueIDs {
						links[i] = ProductVariantValue{VariantID: v.ID, ValueID: id}
					}
					if _, err := tx.NewInsert().Model(&links).Exec(ctx); err != nil {
						return err
					}
				}
				newRows++
				continue
			}
			v := row.existing
			var diff []string
			if im.has["barcode"] && !equalStrPtr(v.Barcode, row.barcode) {
				diff = append(diff, fmt.Sprintf("barcode %s → %s", strPtr(v.Barcode), strPtr(row.barcode)))
			}
			if im.has["price_extra"] && !v.PriceExtra.Equal(row.priceExtra) {
				diff = append(diff, fmt.Sprintf("price extra %s → %s", v.PriceExtra, row.priceExtra))
			}
			if im.has["barcode"] {
				v.Barcode = row.barcode // set back (it was cleared above when it changes)
			}
			if im.has["price_extra"] {
				v.PriceExtra = row.priceExtra
			}
			if len(diff) == 0 {
				if !productChanged {
					im.res.Unchanged++
				}
				continue
			}
			v.UpdatedAt = now
			if _, err := tx.NewUpdate().Model(v).Column("barcode", "price_extra", "updated_at").WherePK().Exec(ctx); err != nil {
				return err
			}
			im.res.VariantsUpdated++
			changes = append(changes, "Variant "+v.SKU+" updated by CSV import: "+strings.Join(diff, ", "))
		}
		if newRows > 0 {
			sync, err := syncVariants(ctx, tx, g.template, g.valueIDs)
			if err != nil {
				return err
			}
			im.res.VariantsCreated += newRows + sync.created
			changes = append(changes, fmt.Sprintf("%d variant(s) created by CSV import", newRows+sync.created))
		}
		if len(changes) > 0 {
			touched = append(touched, g.template.ID)
			if err := RecordHistory(ctx, tx, "product", g.template.ID, actorID, strings.Join(changes, ". ")+"."); err != nil {
				return err
			}
		}
	}
	if len(touched) > 0 {
		for chunk := range slices.Chunk(touched, 1000) {
			if err := RefreshProductSearch(ctx, tx, chunk...); err != nil {
				return err
			}
		}
	}
	return nil
}
