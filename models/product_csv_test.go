package models_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"strconv"
	"strings"
	"testing"

	"orderflow/models"
)

func importCSV(t *testing.T, f *prodFixture, data string) (models.ImportResult, error) {
	t.Helper()
	return models.ImportProductsCSV(context.Background(), f.db, strings.NewReader(data), 0)
}

func countRows(t *testing.T, f *prodFixture, model any) int {
	t.Helper()
	n, err := f.db.NewSelect().Model(model).Count(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return int(n)
}

func TestImportCreatesProductsWithVariants(t *testing.T) {
	f := newProdFixture(t)
	data := "name,internal_ref,category,type,list_price,taxes,published,sku,barcode,price_extra,attributes\n" +
		"Classic tee,TEE,apparel /  t-shirts,storable,19.90,VAT 20%,yes,TEE-S-RED,4006381333931,0,Size:S|Color:Red\n" +
		"Classic tee,TEE,Apparel / T-shirts,storable,19.90,VAT 20%,yes,TEE-M-RED,,1.50,size:m|color:red\n" +
		"Mug,,,consumable,8,,no,MUG-1,,,\n"
	res, err := importCSV(t, f, data)
	if err != nil {
		t.Fatalf("import: %v %+v", err, res.Errors)
	}
	if res.ProductsCreated != 2 || res.VariantsCreated != 3 || res.VariantsUpdated != 0 {
		t.Fatalf("result %+v", res)
	}
	page, _ := models.ListProducts(context.Background(), f.db, models.ProductFilter{Query: "TEE-M-RED"})
	if len(page.Products) != 1 {
		t.Fatalf("imported product not found by SKU: %+v", page)
	}
	p, _ := models.GetProduct(context.Background(), f.db, page.Products[0].ID)
	if !p.Published || p.Category == nil || len(p.Taxes) != 1 || len(p.Variants) != 2 || !p.ListPrice.Equal(dec("19.9")) {
		t.Fatalf("product %+v", p)
	}
	// A new SKU with the same reference adds a variant (and the missing
	// combinations with automatic SKUs: S/M x Red/Blue).
	res, err = importCSV(t, f, "sku,internal_ref,name,attributes\nTEE-M-BLUE,TEE,Classic tee,Size:M|Color:Blue\n")
	if err != nil {
		t.Fatalf("import: %v %+v", err, res.Errors)
	}
	p, _ = models.GetProduct(context.Background(), f.db, p.ID)
	if res.VariantsCreated != 2 || len(p.Variants) != 4 {
		t.Fatalf("result %+v, %d variants", res, len(p.Variants))
	}
}

func TestImportIsAllOrNothing(t *testing.T) {
	f := newProdFixture(t)
	if _, err := importCSV(t, f, "name,sku,list_price,barcode\nExisting,EX-1,10,\n"); err != nil {
		t.Fatal(err)
	}
	data := "name,internal_ref,category,list_price,sku,barcode,attributes\n" +
		"Good one,G1,,5,G1,,\n" +
		"Existing,,,12,EX-1,,\n" +
		"Bad,B1,Nowhere,abc,B1,4006381333932,Size:XXL\n" +
		"Dup,D1,,1,G1,,\n" +
		"Also good,A1,,7,A1,,\n"
	res, err := importCSV(t, f, data)
	if models.ErrorCode(err) != models.EINVALID {
		t.Fatalf("err=%v, want invalid", err)
	}
	want := map[string]string{
		"4 category":   "Unknown category",
		"4 list_price": "Enter a number",
		"4 barcode":    "check digit should be 1",
		"4 attributes": "Size has no value",
		"5 sku":        "also on row 2",
	}
	got := map[string]string{}
	for _, e := range res.Errors {
		got[strconv.Itoa(e.Row)+" "+e.Column] = e.Message
	}
	for k, msg := range want {
		if !strings.Contains(got[k], msg) {
			t.Errorf("error %s=%q, want %q (all: %+v)", k, got[k], msg, res.Errors)
		}
	}
	if n := countRows(t, f, (*models.ProductTemplate)(nil)); n != 1 {
		t.Fatalf("%d products after a failed import, want 1", n)
	}
	p, _ := models.ListProducts(context.Background(), f.db, models.ProductFilter{Query: "EX-1"})
	if !p.Products[0].ListPrice.Equal(dec("10")) {
		t.Fatalf("existing product changed: %s", p.Products[0].ListPrice)
	}
}

func TestExportImportRoundTrip(t *testing.T) {
	f := newProdFixture(t)
	ctx := context.Background()
	p := f.create(t, models.ProductInput{Name: "=Tee, \"quoted\"", DefaultCode: "TEE", ListPrice: "19.9", Published: true, Active: true,
		CategoryID: f.category.ID, TaxIDs: []int64{f.tax.ID}, ValueIDs: valueIDs(f.sizes, f.colors[:2])})
	f.create(t, models.ProductInput{Name: "Mug", Type: models.ProductConsumable, ListPrice: "8", Active: true})
	v := p.Variants[0]
	if err := models.UpdateVariants(ctx, f.db, p.ID, []models.VariantInput{{ID: v.ID, SKU: v.SKU, Barcode: "036000291452", PriceExtra: "-2.5", Active: true}}, 0); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := models.ExportProductsCSV(ctx, f.db, models.ProductFilter{}, &buf); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(bytes.NewReader(buf.Bytes())).ReadAll()
	if err != nil || len(recs) != 1+6+1 {
		t.Fatalf("export: %d records, %v\n%s", len(recs), err, buf.String())
	}
	if !strings.Contains(buf.String(), "'=Tee") || !strings.Contains(buf.String(), "Size:S|Color:Red") {
		t.Fatalf("export:\n%s", buf.String())
	}
	before, _ := models.History(ctx, f.db, "product", p.ID)
	res, err := models.ImportProductsCSV(ctx, f.db, bytes.NewReader(buf.Bytes()), 0)
	if err != nil {
		t.Fatalf("import of the export: %v %+v", err, res.Errors)
	}
	if res.ProductsCreated+res.ProductsUpdated+res.VariantsCreated+res.VariantsUpdated != 0 || res.Unchanged != 7 {
		t.Fatalf("round trip changed something: %+v", res)
	}
	after, _ := models.History(ctx, f.db, "product", p.ID)
	if len(after) != len(before) {
		t.Fatalf("history grew from %d to %d", len(before), len(after))
	}
	// Editing the export updates exactly what was edited.
	edited := strings.Replace(buf.String(), "036000291452", "", 1)
	res, err = models.ImportProductsCSV(ctx, f.db, strings.NewReader(edited), 0)
	if err != nil || res.VariantsUpdated != 1 || res.Unchanged != 6 {
		t.Fatalf("edited import: %+v %v", res, err)
	}
}

func TestImportRejectsBarcodeOfAnotherVariant(t *testing.T) {
	f := newProdFixture(t)
	if _, err := importCSV(t, f, "name,sku,barcode\nA,A1,4006381333931\n"); err != nil {
		t.Fatal(err)
	}
	res, err := importCSV(t, f, "name,sku,barcode\nB,B1,4006381333931\n")
	if models.ErrorCode(err) != models.EINVALID || len(res.Errors) != 1 || !strings.Contains(res.Errors[0].Message, "already belongs to variant A1") {
		t.Fatalf("%v %+v", err, res.Errors)
	}
	// Moving the barcode from A1 to B1 in one file is fine.
	if res, err := importCSV(t, f, "name,sku,barcode\nA,A1,\nB,B1,4006381333931\n"); err != nil {
		t.Fatalf("%v %+v", err, res.Errors)
	}
	res, err = importCSV(t, f, "nom,sku\nx,y\n")
	if err == nil || !strings.Contains(res.Errors[0].Message, "Unknown column") {
		t.Fatalf("unknown column: %v %+v", err, res.Errors)
	}
}
