package models_test

import (
	"context"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"orderflow/models"
	"orderflow/tests/testdb"
)

func TestTaxValidation(t *testing.T) {
	ctx := context.Background()
	db := testdb.New(t)
	ok := models.TaxInput{Name: "VAT 21%", AmountType: models.TaxPercent, Amount: "21", Active: true}
	cases := []struct {
		edit  func(*models.TaxInput)
		field string
		want  string
	}{
		{func(in *models.TaxInput) { in.Name = "  " }, "name", "Enter a name."},
		{func(in *models.TaxInput) { in.Name = strings.Repeat("x", 101) }, "name", "at most 100"},
		{func(in *models.TaxInput) { in.AmountType = "bogus" }, "amount_type", "percentage or a fixed amount"},
		{func(in *models.TaxInput) { in.Amount = "" }, "amount", "Enter the amount"},
		{func(in *models.TaxInput) { in.Amount = "21,5" }, "amount", "Enter a number"},
		{func(in *models.TaxInput) { in.Amount = "-1" }, "amount", "cannot be negative"},
		{func(in *models.TaxInput) { in.Amount = "1.23456" }, "amount", "at most 4 decimals"},
		{func(in *models.TaxInput) { in.Amount = "100.01" }, "amount", "between 0 and 100"},
		{func(in *models.TaxInput) { in.AmountType, in.Amount = models.TaxFixed, "1000000.01" }, "amount", "too large"},
	}
	for _, tc := range cases {
		in := ok
		tc.edit(&in)
		_, err := models.CreateTax(ctx, db, in, 0)
		if models.ErrorCode(err) != models.EINVALID || !strings.Contains(models.FieldErrors(err)[tc.field], tc.want) {
			t.Errorf("%+v: %v, want %q on %s", in, err, tc.want, tc.field)
		}
	}
	if n, _ := db.NewSelect().Model((*models.Tax)(nil)).Count(ctx); n != 0 {
		t.Fatalf("invalid input saved %d taxes", n)
	}

	// Fixed amounts above 100 are fine; trailing zeros beyond 4 decimals too.
	fixed, err := models.CreateTax(ctx, db, models.TaxInput{Name: "Eco fee", AmountType: models.TaxFixed, Amount: "150.250000", Active: true}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if !fixed.Amount.Equal(decimal.RequireFromString("150.25")) {
		t.Fatalf("amount %s", fixed.Amount)
	}
	if _, err := models.CreateTax(ctx, db, ok, 0); err != nil {
		t.Fatal(err)
	}
	in := ok
	in.Name = "vat 21%"
	if _, err := models.CreateTax(ctx, db, in, 0); models.FieldErrors(err)["name"] == "" {
		t.Fatalf("duplicate name: %v", err)
	}
	if _, err := models.UpdateTax(ctx, db, fixed.ID, in, 0); models.FieldErrors(err)["name"] == "" {
		t.Fatalf("rename into another tax's name: %v", err)
	}
	in.Name, in.PriceInclude = "Eco fee incl.", true
	updated, err := models.UpdateTax(ctx, db, fixed.ID, in, 0)
	if err != nil {
		t.Fatal(err)
	}
	if !updated.PriceInclude || updated.AmountType != models.TaxPercent || !updated.Amount.Equal(decimal.NewFromInt(21)) {
		t.Fatalf("update not applied: %+v", updated)
	}
}

func TestTaxDeleteDeactivatesWhenUsed(t *testing.T) {
	ctx := context.Background()
	db := testdb.New(t)
	if err := models.SeedTaxes(ctx, db); err != nil {
		t.Fatal(err)
	}
	if err := models.SeedTaxes(ctx, db); err != nil { // idempotent
		t.Fatal(err)
	}
	taxes, err := models.ListTaxes(ctx, db, false)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tx := range taxes {
		names = append(names, tx.Name)
	}
	if got, want := strings.Join(names, "|"), "VAT 21%|VAT 6%|VAT 21% incl."; got != want {
		t.Fatalf("seeded taxes %q, want %q", got, want)
	}
	used, unused := taxes[0], taxes[1]
	p := catProduct(t, db, "Tee", nil)
	if _, err := db.NewInsert().Model(&models.ProductTemplateTax{TemplateID: p.ID, TaxID: used.ID}).Exec(ctx); err != nil {
		t.Fatal(err)
	}

	deactivated, err := models.DeleteTax(ctx, db, used.ID, 0)
	if err != nil || !deactivated {
		t.Fatalf("delete used tax: deactivated=%v err=%v", deactivated, err)
	}
	got, err := models.GetTax(ctx, db, used.ID)
	if err != nil || got.Active {
		t.Fatalf("used tax after delete: %+v, %v; want kept and inactive", got, err)
	}
	if active, _ := models.ListTaxes(ctx, db, false); len(active) != 2 {
		t.Fatalf("%d active taxes, want 2", len(active))
	}
	if all, _ := models.ListTaxes(ctx, db, true); len(all) != 3 {
		t.Fatalf("%d taxes in all, want 3", len(all))
	}

	deactivated, err = models.DeleteTax(ctx, db, unused.ID, 0)
	if err != nil || deactivated {
		t.Fatalf("delete unused tax: deactivated=%v err=%v", deactivated, err)
	}
	if _, err := models.GetTax(ctx, db, unused.ID); models.ErrorCode(err) != models.ENOTFOUND {
		t.Fatalf("unused tax still there: %v", err)
	}
}

func TestPreviewTax(t *testing.T) {
	eur := models.Currency{Code: "EUR", Rounding: decimal.RequireFromString("0.01")}
	cases := []struct {
		in                     models.TaxInput
		untaxed, tax, included string
	}{
		{models.TaxInput{AmountType: models.TaxPercent, Amount: "21"}, "100", "21", "121"},
		{models.TaxInput{AmountType: models.TaxPercent, Amount: "21", PriceInclude: true}, "82.64", "17.36", "100"},
		{models.TaxInput{AmountType: models.TaxFixed, Amount: "0.30"}, "100", "0.30", "100.30"},
	}
	for _, tc := range cases {
		ex, err := models.PreviewTax(tc.in, eur)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range [][2]any{{ex.TotalExcluded, tc.untaxed}, {ex.TaxAmount, tc.tax}, {ex.TotalIncluded, tc.included}} {
			if !c[0].(decimal.Decimal).Equal(decimal.RequireFromString(c[1].(string))) {
				t.Errorf("%+v: got %s, want %s", tc.in, c[0], c[1])
			}
		}
	}
	if _, err := models.PreviewTax(models.TaxInput{AmountType: models.TaxPercent, Amount: "abc"}, eur); models.FieldErrors(err)["amount"] == "" {
		t.Fatalf("preview of a bad amount: %v", err)
	}
}
