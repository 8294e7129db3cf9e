package models_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/uptrace/bun"

	"orderflow/models"
	"orderflow/tests/testdb"
)

// prodFixture is a small catalog: Size S/M/L, Color Red/Blue/Green, a
// category and a tax.
type prodFixture struct {
	db       *bun.DB
	sizes    []models.AttributeValue
	colors   []models.AttributeValue
	category models.Category
	tax      models.Tax
}

func newProdFixture(t *testing.T) *prodFixture {
	t.Helper()
	ctx := context.Background()
	f := &prodFixture{db: testdb.New(t)}
	mk := func(name string, seq int, values ...string) []models.AttributeValue {
		a := &models.Attribute{Name: name, Sequence: seq}
		if _, err := f.db.NewInsert().Model(a).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		out := make([]models.AttributeValue, len(values))
		for i, v := range values {
			out[i] = models.AttributeValue{AttributeID: a.ID, Name: v, Sequence: i}
		}
		if _, err := f.db.NewInsert().Model(&out).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		return out
	}
	f.sizes = mk("Size", 1, "S", "M", "L")
	f.colors = mk("Color", 2, "Red", "Blue", "Green")
	f.category = models.Category{Name: "T-shirts", CompleteName: "Apparel / T-shirts", Sequence: 1}
	if _, err := f.db.NewInsert().Model(&f.category).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	f.tax = models.Tax{Name: "VAT 20%", AmountType: "percent", Amount: decimal.NewFromInt(20), Active: true}
	if _, err := f.db.NewInsert().Model(&f.tax).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	return f
}

func valueIDs(vals ...[]models.AttributeValue) []int64 {
	var out []int64
	for _, vs := range vals {
		for _, v := range vs {
			out = append(out, v.ID)
		}
	}
	return out
}

func (f *prodFixture) create(t *testing.T, in models.ProductInput) *models.ProductTemplate {
	t.Helper()
	pt, err := models.CreateProduct(context.Background(), f.db, in, 0)
	if err != nil {
		t.Fatalf("create product: %v", err)
	}
	got, err := models.GetProduct(context.Background(), f.db, pt.ID)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func activeVariants(p *models.ProductTemplate) []models.ProductVariant {
	var out []models.ProductVariant
	for _, v := range p.Variants {
		if v.Active {
			out = append(out, v)
		}
	}
	return out
}

func TestCreateProductGeneratesCartesianVariants(t *testing.T) {
	f := newProdFixture(t)
	p := f.create(t, models.ProductInput{Name: "Classic T-shirt", DefaultCode: "tshirt", ListPrice: "19.90", Volume: "0.0125", Active: true,
		CategoryID: f.category.ID, TaxIDs: []int64{f.tax.ID}, ValueIDs: valueIDs(f.sizes, f.colors)})
	if !p.Volume.Equal(decimal.RequireFromString("0.0125")) {
		t.Fatalf("volume %s, want 0.0125 m3", p.Volume)
	}
	if got, want := len(p.Variants), 9; got != want {
		t.Fatalf("variants=%d, want %d", got, want)
	}
	skus := map[string]bool{}
	combos := map[string]bool{}
	for _, v := range p.Variants {
		if skus[v.SKU] || combos[v.Combination] {
			t.Fatalf("duplicate sku %q or combination %q", v.SKU, v.Combination)
		}
		skus[v.SKU], combos[v.Combination] = true, true
		if len(v.Values) != 2 || v.Values[0].AttributeID != f.sizes[0].AttributeID {
			t.Fatalf("variant %s values %+v, want size then color", v.SKU, v.Values)
		}
	}
	if !skus["TSHIRT-M-RED"] {
		t.Fatalf("auto SKUs %v lack TSHIRT-M-RED", skus)
	}
	if p.Category == nil || p.Category.ID != f.category.ID || len(p.Taxes) != 1 {
		t.Fatalf("category %+v taxes %+v", p.Category, p.Taxes)
	}
	lines, err := models.ProductTemplateValues(context.Background(), f.db, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(lines) != 2 || lines[0].Attribute.Name != "Size" || len(lines[1].Values) != 3 {
		t.Fatalf("attribute lines %+v", lines)
	}
	// A second product with the same reference gets SKUs made unique.
	q := f.create(t, models.ProductInput{Name: "Classic T-shirt bis", DefaultCode: "tshirt", ValueIDs: []int64{f.sizes[1].ID, f.colors[0].ID}})
	if got, want := q.Variants[0].SKU, "TSHIRT-M-RED-2"; got != want {
		t.Fatalf("sku=%q, want %q", got, want)
	}
	// The search document includes the SKUs.
	n, err := f.db.NewSelect().TableExpr("product_templates").Where("search_vector @@ to_tsquery('simple', 'tshirt-l-green')").Count(context.Background())
	if err != nil || n != 1 {
		t.Fatalf("search by sku: %d %v", n, err)
	}
}

func TestProductWithoutAttributesHasOneVariant(t *testing.T) {
	f := newProdFixture(t)
	p := f.create(t, models.ProductInput{Name: "Gift card", Type: models.ProductService, Tracking: models.TrackingSerial, Active: true})
	if len(p.Variants) != 1 || p.Variants[0].Combination != "" || p.Variants[0].SKU != fmt.Sprintf("P%d", p.ID) {
		t.Fatalf("variants %+v", p.Variants)
	}
	if p.Tracking != models.TrackingNone {
		t.Fatalf("service tracking=%q, want none", p.Tracking)
	}
	// Adding attributes replaces the single variant; removing them brings it back.
	in := models.ProductInput{Name: "Gift card", Type: models.ProductService, Active: true, ValueIDs: valueIDs(f.colors)}
	if _, err := models.UpdateProduct(context.Background(), f.db, p.ID, in, 0); err != nil {
		t.Fatal(err)
	}
	p, _ = models.GetProduct(context.Background(), f.db, p.ID)
	if got := len(activeVariants(p)); got != 3 {
		t.Fatalf("active=%d, want 3", got)
	}
	in.ValueIDs = nil
	if _, err := models.UpdateProduct(context.Background(), f.db, p.ID, in, 0); err != nil {
		t.Fatal(err)
	}
	p, _ = models.GetProduct(context.Background(), f.db, p.ID)
	if act := activeVariants(p); len(act) != 1 || act[0].Combination != "" || len(p.Variants) != 4 {
		t.Fatalf("after removing attributes: active %+v of %d", act, len(p.Variants))
	}
}

func TestRemovingValueDeactivatesVariants(t *testing.T) {
	f := newProdFixture(t)
	ctx := context.Background()
	in := models.ProductInput{Name: "Hoodie", ListPrice: "49", Active: true, ValueIDs: valueIDs(f.sizes, f.colors)}
	p := f.create(t, in)
	in.ValueIDs = valueIDs(f.sizes, f.colors[:2]) // no more Green
	if _, err := models.UpdateProduct(ctx, f.db, p.ID, in, 0); err != nil {
		t.Fatal(err)
	}
	p, _ = models.GetProduct(ctx, f.db, p.ID)
	if got, want := len(p.Variants), 9; got != want {
		t.Fatalf("variants=%d, want %d (none deleted)", got, want)
	}
	for _, v := range p.Variants {
		green := strings.HasSuffix(v.SKU, "-GREEN")
		if v.Active == green {
			t.Fatalf("variant %s active=%v", v.SKU, v.Active)
		}
	}
	// Green again: the same variants come back, no new SKUs.
	in.ValueIDs = valueIDs(f.sizes, f.colors)
	if _, err := models.UpdateProduct(ctx, f.db, p.ID, in, 0); err != nil {
		t.Fatal(err)
	}
	p, _ = models.GetProduct(ctx, f.db, p.ID)
	if len(p.Variants) != 9 || len(activeVariants(p)) != 9 {
		t.Fatalf("after re-adding green: %d variants, %d active", len(p.Variants), len(activeVariants(p)))
	}
	h, err := models.History(ctx, f.db, "product", p.ID)
	if err != nil || len(h) != 3 || !strings.Contains(h[1].Body, "3 variant(s) deactivated") {
		t.Fatalf("history %+v %v", h, err)
	}
}

func TestCreateProductValidation(t *testing.T) {
	f := newProdFixture(t)
	_, err := models.CreateProduct(context.Background(), f.db, models.ProductInput{Name: " ", ListPrice: "-1", Cost: "1.23456", Weight: "abc", Volume: "0.00001", Type: "gadget", CategoryID: 999999}, 0)
	fields := models.FieldErrors(err)
	for _, k := range []string{"name", "list_price", "cost", "weight", "volume", "type"} {
		if fields[k] == "" {
			t.Errorf("no problem for %s: %v", k, err)
		}
	}
	_, err = models.CreateProduct(context.Background(), f.db, models.ProductInput{Name: "X", CategoryID: 999999, TaxIDs: []int64{999999}}, 0)
	if fields := models.FieldErrors(err); fields["category_id"] == "" || fields["tax_ids"] == "" {
		t.Fatalf("unknown category and tax: %v", err)
	}
	if n, _ := f.db.NewSelect().Model((*models.ProductTemplate)(nil)).Count(context.Background()); n != 0 {
		t.Fatalf("%d products saved", n)
	}
}

func TestUpdateVariantsUniquenessAndBarcodes(t *testing.T) {
	f := newProdFixture(t)
	ctx := context.Background()
	a := f.create(t, models.ProductInput{Name: "Mug", DefaultCode: "MUG", Active: true})
	b := f.create(t, models.ProductInput{Name: "Cap", DefaultCode: "CAP", Active: true, ValueIDs: valueIDs(f.colors[:2])})
	va := a.Variants[0]
	if err := models.UpdateVariants(ctx, f.db, a.ID, []models.VariantInput{{ID: va.ID, SKU: "MUG", Barcode: "4006381333931", PriceExtra: "0", Active: true}}, 0); err != nil {
		t.Fatal(err)
	}
	b0, b1 := b.Variants[0], b.Variants[1]
	cases := []struct {
		name  string
		in    []models.VariantInput
		field string
		msg   string
	}{
		{"sku of another product", []models.VariantInput{{ID: b0.ID, SKU: "MUG", Active: true}, {ID: b1.ID, SKU: b1.SKU, Active: true}}, models.VariantField("sku", b0.ID), "already has this SKU"},
		{"barcode of another product", []models.VariantInput{{ID: b0.ID, SKU: b0.SKU, Barcode: "4006381333931", Active: true}}, models.VariantField("barcode", b0.ID), "already has this barcode"},
		{"duplicate in the form", []models.VariantInput{{ID: b0.ID, SKU: "X1", Active: true}, {ID: b1.ID, SKU: "X1", Active: true}}, models.VariantField("sku", b1.ID), "also has this SKU"},
		{"bad check digit", []models.VariantInput{{ID: b0.ID, SKU: b0.SKU, Barcode: "4006381333932", Active: true}}, models.VariantField("barcode", b0.ID), "check digit should be 1"},
		{"empty sku", []models.VariantInput{{ID: b1.ID, SKU: " ", Active: true}}, models.VariantField("sku", b1.ID), "Enter a SKU"},
		{"negative price", []models.VariantInput{{ID: b1.ID, SKU: b1.SKU, PriceExtra: "-5", Active: true}}, models.VariantField("price_extra", b1.ID), "negative"},
	}
	for _, c := range cases {
		err := models.UpdateVariants(ctx, f.db, b.ID, c.in, 0)
		if got := models.FieldErrors(err)[c.field]; !strings.Contains(got, c.msg) {
			t.Errorf("%s: field %s=%q (err %v), want %q", c.name, c.field, got, err, c.msg)
		}
	}
	after, _ := models.GetProduct(ctx, f.db, b.ID)
	for i, v := range after.Variants {
		if v.SKU != b.Variants[i].SKU || v.Barcode != nil || !v.PriceExtra.IsZero() {
			t.Fatalf("something was saved: %+v", v)
		}
	}
	// Swapping SKUs between two variants works; a Code128 text is accepted.
	err := models.UpdateVariants(ctx, f.db, b.ID, []models.VariantInput{
		{ID: b0.ID, SKU: b1.SKU, Barcode: "CAP/RED-01", PriceExtra: "2.5", Weight: "0.2", Active: true},
		{ID: b1.ID, SKU: b0.SKU, Barcode: "036000291452", Active: false},
	}, 0)
	if err != nil {
		t.Fatal(err)
	}
	after, _ = models.GetProduct(ctx, f.db, b.ID)
	got := map[int64]models.ProductVariant{}
	for _, v := range after.Variants {
		got[v.ID] = v
	}
	if got[b0.ID].SKU != b1.SKU || *got[b0.ID].Barcode != "CAP/RED-01" || !got[b0.ID].PriceExtra.Equal(decimal.RequireFromString("2.5")) || got[b1.ID].Active {
		t.Fatalf("after swap: %+v", got)
	}
}

func TestEANCheckDigits(t *testing.T) {
	good := []string{"4006381333931", "036000291452", "96385074", "5901234123457", "0012345678905"}
	for _, c := range good {
		if err := models.ValidateBarcode(c); err != nil {
			t.Errorf("%s: %v", c, err)
		}
	}
	if got := models.EANCheckDigit("400638133393"); got != 1 {
		t.Errorf("EAN-13 check digit=%d, want 1", got)
	}
	if got := models.EANCheckDigit("03600029145"); got != 2 {
		t.Errorf("UPC-A check digit=%d, want 2", got)
	}
	if got := models.EANCheckDigit("9638507"); got != 4 {
		t.Errorf("EAN-8 check digit=%d, want 4", got)
	}
	bad := map[string]string{
		"4006381333930":         "EAN-13: the check digit should be 1",
		"036000291453":          "UPC-A: the check digit should be 2",
		"96385075":              "EAN-8: the check digit should be 4",
		"café":                  "printable ASCII",
		strings.Repeat("A", 49): "at most 48",
	}
	for code, want := range bad {
		if err := models.ValidateBarcode(code); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", code, err, want)
		}
	}
	for code, kind := range map[string]string{"4006381333931": models.BarcodeEAN13, "036000291452": models.BarcodeUPCA, "96385074": models.BarcodeEAN8, "123456": models.BarcodeCode128, "ABC-1": models.BarcodeCode128} {
		if got := models.BarcodeKind(code); got != kind {
			t.Errorf("kind of %s=%s, want %s", code, got, kind)
		}
	}
}

func TestRenderMarkdownSanitizes(t *testing.T) {
	out := models.RenderMarkdown("# Soft **cotton**\n\n<script>alert(1)</script>\n\n<img src=x onerror=alert(1)>\n\n[link](javascript:alert(1)) [ok](https://example.com)")
	for _, bad := range []string{"<script", "onerror", "javascript:"} {
		if strings.Contains(out, bad) {
			t.Fatalf("%q kept in %s", bad, out)
		}
	}
	for _, want := range []string{"<h1>Soft <strong>cotton</strong></h1>", `href="https://example.com"`} {
		if !strings.Contains(out, want) {
			t.Fatalf("%q missing from %s", want, out)
		}
	}
}

func TestListProductsFilters(t *testing.T) {
	f := newProdFixture(t)
	ctx := context.Background()
	f.create(t, models.ProductInput{Name: "Alpha mug", ListPrice: "9", Active: true, Published: true})
	f.create(t, models.ProductInput{Name: "Beta shirt", DefaultCode: "BS", ListPrice: "29", Active: true, CategoryID: f.category.ID, ValueIDs: valueIDs(f.sizes)})
	f.create(t, models.ProductInput{Name: "Gamma old", ListPrice: "5", Active: false})
	check := func(flt models.ProductFilter, want ...string) {
		t.Helper()
		page, err := models.ListProducts(ctx, f.db, flt)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, p := range page.Products {
			got = append(got, p.Name)
		}
		if strings.Join(got, ",") != strings.Join(want, ",") || page.Total != len(want) {
			t.Fatalf("%+v: got %v (total %d), want %v", flt, got, page.Total, want)
		}
	}
	check(models.ProductFilter{}, "Alpha mug", "Beta shirt")
	check(models.ProductFilter{Sort: "price_desc"}, "Beta shirt", "Alpha mug")
	check(models.ProductFilter{Active: "all", Sort: "price"}, "Gamma old", "Alpha mug", "Beta shirt")
	check(models.ProductFilter{Query: "bs-m"}, "Beta shirt")
	check(models.ProductFilter{Published: "yes"}, "Alpha mug")
	check(models.ProductFilter{CategoryID: f.category.ID}, "Beta shirt")
	page, _ := models.ListProducts(ctx, f.db, models.ProductFilter{Query: "beta"})
	if page.VariantCounts[page.Products[0].ID] != 3 {
		t.Fatalf("variant counts %v", page.VariantCounts)
	}
}
