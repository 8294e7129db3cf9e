package models_test

import (
	"context"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/uptrace/bun"

	"orderflow/models"
	"orderflow/tests/testdb"
)

var ssEUR = models.Currency{Code: "EUR", Rounding: decimal.New(1, -2)}

func ssDec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

// mustCarrier creates a shipping method through CreateCarrier and reloads it.
func mustCarrier(t *testing.T, db *bun.DB, in models.CarrierInput) *models.Carrier {
	t.Helper()
	created, err := models.CreateCarrier(context.Background(), db, in, 0)
	if err != nil {
		t.Fatalf("create carrier: %v", err)
	}
	c, err := models.GetCarrierWithRules(context.Background(), db, created.ID)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func carrierPrice(t *testing.T, c *models.Carrier, b models.ShippingBasis) string {
	t.Helper()
	p, err := c.Price(b, ssEUR)
	if err != nil {
		return "error: " + models.ErrorMessage(err)
	}
	return p.StringFixed(2)
}

func TestCarrierValidation(t *testing.T) {
	ctx := context.Background()
	db := testdb.New(t)
	rule := models.CarrierRuleInput{Variable: models.RuleWeight, Operator: "<=", MaxValue: "2", BasePrice: "5", Factor: models.RuleWeight}
	ok := models.CarrierInput{Name: "Courier", Kind: models.CarrierRules, Active: true, Rules: []models.CarrierRuleInput{rule}}
	cases := []struct {
		edit  func(*models.CarrierInput)
		field string
		want  string
	}{
		{func(in *models.CarrierInput) { in.Name = " " }, "name", "Enter a name."},
		{func(in *models.CarrierInput) { in.Name = strings.Repeat("x", 101) }, "name", "at most 100"},
		{func(in *models.CarrierInput) { in.Kind = "magic" }, "kind", "fixed price or price rules"},
		{func(in *models.CarrierInput) { in.Kind, in.FixedPrice = models.CarrierFixed, "-1" }, "fixed_price", "Cannot be negative."},
		{func(in *models.CarrierInput) { in.Kind, in.FixedPrice = models.CarrierFixed, "1.23456" }, "fixed_price", "at most 4 decimals"},
		{func(in *models.CarrierInput) { in.Kind, in.FixedPrice = models.CarrierFixed, "5000000" }, "fixed_price", "too large"},
		{func(in *models.CarrierInput) { in.Kind, in.FixedPrice = models.CarrierFixed, "4,95" }, "fixed_price", "Enter a number"},
		{func(in *models.CarrierInput) { in.FreeOver = "-75" }, "free_over", "Cannot be negative."},
		{func(in *models.CarrierInput) { in.CountryCodes = []string{"BE", "XX"} }, "country_codes", "from the list"},
		{func(in *models.CarrierInput) { in.TaxID = -1 }, "tax_id", "from the list"},
		{func(in *models.CarrierInput) { in.TrackingURL = "https://track.example.com/parcel" }, "tracking_url", "{ref}"},
		{func(in *models.CarrierInput) { in.TrackingURL = "javascript:alert(1)//{ref}" }, "tracking_url", "https://"},
		{func(in *models.CarrierInput) { in.TrackingURL = "ftp://track.example.com/{ref}" }, "tracking_url", "https://"},
		{func(in *models.CarrierInput) { in.Sequence = "first" }, "sequence", "whole number"},
		{func(in *models.CarrierInput) { in.Rules = nil }, "rules", "at least one price rule"},
		{func(in *models.CarrierInput) {
			in.Rules = []models.CarrierRuleInput{{Variable: "weight", Operator: "<="}}
		}, "rules", "at least one price rule"},
		{func(in *models.CarrierInput) {
			in.Rules = []models.CarrierRuleInput{rule, {Variable: "colour", Operator: "<", MaxValue: "1"}}
		}, "rules.1.variable", "Choose weight"},
		{func(in *models.CarrierInput) {
			in.Rules = []models.CarrierRuleInput{{Variable: "weight", Operator: "!=", MaxValue: "1"}}
		}, "rules.0.operator", "comparison"},
		{func(in *models.CarrierInput) {
			in.Rules = []models.CarrierRuleInput{{Variable: "weight", Operator: "<", BasePrice: "3"}}
		}, "rules.0.max_value", "Enter the value"},
		{func(in *models.CarrierInput) {
			in.Rules = []models.CarrierRuleInput{rule, {Variable: "weight", Operator: "<", MaxValue: "1", BasePrice: "-2"}}
		}, "rules.1.base_price", "Cannot be negative."},
		{func(in *models.CarrierInput) {
			in.Rules = []models.CarrierRuleInput{{Variable: "weight", Operator: "<", MaxValue: "1", PerUnitPrice: "0.00001"}}
		}, "rules.0.per_unit_price", "at most 4 decimals"},
		{func(in *models.CarrierInput) {
			in.Rules = []models.CarrierRuleInput{{Variable: "weight", Operator: "<", MaxValue: "1", Factor: "distance"}}
		}, "rules.0.factor", "multiplies"},
	}
	for _, tc := range cases {
		in := ok
		in.Rules = append([]models.CarrierRuleInput(nil), ok.Rules...)
		tc.edit(&in)
		_, err := models.CreateCarrier(ctx, db, in, 0)
		if models.ErrorCode(err) != models.EINVALID {
			t.Errorf("%s: err %v, want EINVALID", tc.field, err)
			continue
		}
		if got := models.FieldErrors(err)[tc.field]; !strings.Contains(got, tc.want) {
			t.Errorf("%s: problem %q, want it to mention %q (all: %v)", tc.field, got, tc.want, models.FieldErrors(err))
		}
	}
	// A tax that does not exist is caught inside the transaction.
	in := ok
	in.TaxID = 999999
	if _, err := models.CreateCarrier(ctx, db, in, 0); models.FieldErrors(err)["tax_id"] == "" {
		t.Errorf("unknown tax: %v", err)
	}
	if n, _ := db.NewSelect().Model((*models.Carrier)(nil)).Count(ctx); n != 0 {
		t.Fatalf("%d carriers saved from invalid input", n)
	}
	if n, _ := db.NewSelect().Model((*models.CarrierRule)(nil)).Count(ctx); n != 0 {
		t.Fatalf("%d rules saved from invalid input", n)
	}
}

func TestCarrierFixedPriceFreeOverAndCountries(t *testing.T) {
	db := testdb.New(t)
	c := mustCarrier(t, db, models.CarrierInput{Name: " Standard   delivery ", Kind: models.CarrierFixed, FixedPrice: "4.95", FreeOver: "75",
		CountryCodes: []string{"nl", "BE", "BE"}, TrackingURL: "https://track.example.com/parcel/{ref}", Active: true})
	if c.Name != "Standard delivery" || strings.Join(c.CountryCodes, ",") != "BE,NL" || c.Sequence != 10 {
		t.Fatalf("saved %q countries %v sequence %d", c.Name, c.CountryCodes, c.Sequence)
	}
	for _, tc := range []struct {
		basis models.ShippingBasis
		want  string
	}{
		{models.ShippingBasis{Price: ssDec("20"), Weight: ssDec("50"), CountryCode: "BE"}, "4.95"},
		{models.ShippingBasis{Price: ssDec("74.99"), CountryCode: "NL"}, "4.95"},
		{models.ShippingBasis{Price: ssDec("75"), CountryCode: "BE"}, "0.00"}, // free from exactly 75
		{models.ShippingBasis{Price: ssDec("300"), CountryCode: ""}, "0.00"},  // country not known yet
		{models.ShippingBasis{Price: ssDec("20"), CountryCode: "FR"}, "error: Standard delivery does not deliver to this country."},
		{models.ShippingBasis{Price: ssDec("500"), CountryCode: "FR"}, "error: Standard delivery does not deliver to this country."},
	} {
		if got := carrierPrice(t, c, tc.basis); got != tc.want {
			t.Errorf("price for %+v = %s, want %s", tc.basis, got, tc.want)
		}
	}
	// Everywhere when no country is ticked; a fixed carrier keeps no rules.
	c2 := mustCarrier(t, db, models.CarrierInput{Name: "Pick-up", Kind: models.CarrierFixed, Active: true,
		Rules: []models.CarrierRuleInput{{Variable: "weight", Operator: "<", MaxValue: "1", BasePrice: "3"}}})
	if got := carrierPrice(t, c2, models.ShippingBasis{CountryCode: "JP"}); got != "0.00" || len(c2.Rules) != 0 {
		t.Fatalf("pick-up price %s with %d rules, want 0.00 and none", got, len(c2.Rules))
	}
}

func TestCarrierRulesFirstMatchWins(t *testing.T) {
	db := testdb.New(t)
	c := mustCarrier(t, db, models.CarrierInput{Name: "Express", Kind: models.CarrierRules, FreeOver: "500", Active: true,
		Rules: []models.CarrierRuleInput{
			{Variable: models.RuleWeight, Operator: "<=", MaxValue: "2", BasePrice: "9.90", Factor: models.RuleWeight},
			{}, // an empty row is ignored
			{Variable: models.RuleWeight, Operator: "<=", MaxValue: "20", BasePrice: "9.90", PerUnitPrice: "1.50", Factor: models.RuleWeight},
			{Variable: models.RuleWeight, Operator: ">=", MaxValue: "0", BasePrice: "99"}, // would match everything, but comes last
		}})
	if len(c.Rules) != 3 || c.Rules[0].Sequence >= c.Rules[1].Sequence || c.Rules[2].Factor != models.RuleWeight {
		t.Fatalf("rules saved: %+v", c.Rules)
	}
	for _, tc := range []struct {
		weight, price, want string
	}{
		{"0.5", "10", "9.90"},
		{"2", "10", "9.90"},          // boundary of the first rule
		{"2.1", "10", "13.05"},       // 9.90 + 1.50 × 2.1 = 13.05
		{"10", "10", "24.90"},        // 9.90 + 15
		{"25", "10", "99.00"},        // only the catch-all holds
		{"25", "500", "0.00"},        // free above 500, whatever the rules say
		{"0.333", "10", "9.90"},      // rounding of the first rule: none needed
		{"3.333", "10", "14.90"},     // 9.90 + 4.9995 = 14.8995 -> 14.90
		{"20.0001", "10", "99.00"},   // just past the second rule
		{"1.9999", "499.99", "9.90"}, // just below free
	} {
		got := carrierPrice(t, c, models.ShippingBasis{Weight: ssDec(tc.weight), Price: ssDec(tc.price)})
		if got != tc.want {
			t.Errorf("weight %s amount %s: %s, want %s", tc.weight, tc.price, got, tc.want)
		}
	}

	// Quantity, volume and order amount bands; no catch-all: an error when none matches.
	q := mustCarrier(t, db, models.CarrierInput{Name: "Bulk", Kind: models.CarrierRules, Active: true,
		Rules: []models.CarrierRuleInput{
			{Variable: models.RuleVolume, Operator: ">", MaxValue: "1", BasePrice: "50"},
			{Variable: models.RuleQuantity, Operator: "<", MaxValue: "10", BasePrice: "2", PerUnitPrice: "0.5", Factor: models.RuleQuantity},
			{Variable: models.RulePrice, Operator: ">=", MaxValue: "100", BasePrice: "1", PerUnitPrice: "0.01", Factor: models.RulePrice},
		}})
	for _, tc := range []struct {
		basis models.ShippingBasis
		want  string
	}{
		{models.ShippingBasis{Volume: ssDec("1.5"), Quantity: ssDec("1")}, "50.00"},
		{models.ShippingBasis{Volume: ssDec("1"), Quantity: ssDec("4")}, "4.00"},
		{models.ShippingBasis{Quantity: ssDec("12"), Price: ssDec("250")}, "3.50"},
		{models.ShippingBasis{Quantity: ssDec("12"), Price: ssDec("99.99")}, "error: Bulk cannot ship this order: no price rule matches it."},
	} {
		if got := carrierPrice(t, q, tc.basis); got != tc.want {
			t.Errorf("bulk %+v: %s, want %s", tc.basis, got, tc.want)
		}
	}
}

func TestUpdateCarrierReplacesRules(t *testing.T) {
	ctx := context.Background()
	db := testdb.New(t)
	in := models.CarrierInput{Name: "Courier", Kind: models.CarrierRules, Active: true, Rules: []models.CarrierRuleInput{
		{Variable: "weight", Operator: "<=", MaxValue: "5", BasePrice: "7"},
		{Variable: "weight", Operator: ">", MaxValue: "5", BasePrice: "12"},
	}}
	c := mustCarrier(t, db, in)
	oldIDs := []int64{c.Rules[0].ID, c.Rules[1].ID}

	// An invalid update changes nothing.
	bad := in
	bad.Rules = []models.CarrierRuleInput{{Variable: "weight", Operator: "<=", MaxValue: "oops", BasePrice: "1"}}
	if _, err := models.UpdateCarrier(ctx, db, c.ID, bad, 0); models.FieldErrors(err)["rules.0.max_value"] == "" {
		t.Fatalf("bad update: %v", err)
	}
	// Swap the order: the heavier rule first now wins for every weight above 5 only.
	in.Rules = []models.CarrierRuleInput{in.Rules[1], {Variable: "weight", Operator: ">=", MaxValue: "0", BasePrice: "3"}}
	in.CountryCodes = []string{"FR"}
	if _, err := models.UpdateCarrier(ctx, db, c.ID, in, 0); err != nil {
		t.Fatal(err)
	}
	c, _ = models.GetCarrierWithRules(ctx, db, c.ID)
	if len(c.Rules) != 2 || c.Rules[0].ID == oldIDs[0] || c.Rules[0].ID == oldIDs[1] {
		t.Fatalf("rules not replaced: %+v", c.Rules)
	}
	if got := carrierPrice(t, c, models.ShippingBasis{Weight: ssDec("2"), CountryCode: "FR"}); got != "3.00" {
		t.Fatalf("after update weight 2: %s, want 3.00", got)
	}
	if got := carrierPrice(t, c, models.ShippingBasis{Weight: ssDec("8"), CountryCode: "FR"}); got != "12.00" {
		t.Fatalf("after update weight 8: %s, want 12.00", got)
	}
	if n, _ := db.NewSelect().Model((*models.CarrierRule)(nil)).Where("id IN (?)", bun.In(oldIDs)).Count(ctx); n != 0 {
		t.Fatalf("%d old rules left", n)
	}
	// Switching to a fixed price drops the rules.
	in.Kind, in.FixedPrice = models.CarrierFixed, "6"
	if _, err := models.UpdateCarrier(ctx, db, c.ID, in, 0); err != nil {
		t.Fatal(err)
	}
	c, _ = models.GetCarrierWithRules(ctx, db, c.ID)
	if len(c.Rules) != 0 || carrierPrice(t, c, models.ShippingBasis{Weight: ssDec("8")}) != "6.00" {
		t.Fatalf("fixed now: %d rules, price %s", len(c.Rules), carrierPrice(t, c, models.ShippingBasis{}))
	}
	// Saving the same values again records nothing.
	if _, err := models.UpdateCarrier(ctx, db, c.ID, in, 0); err != nil {
		t.Fatal(err)
	}
	h, err := models.History(ctx, db, "carrier", c.ID)
	if err != nil || len(h) != 3 || !strings.Contains(h[0].Body, "pricing rules:") || !strings.Contains(h[1].Body, "countries \"everywhere\" → \"FR\"") {
		t.Fatalf("history %+v %v", h, err)
	}
}

func TestArchiveCarrier(t *testing.T) {
	ctx := context.Background()
	db := testdb.New(t)
	a := mustCarrier(t, db, models.CarrierInput{Name: "A", Kind: models.CarrierFixed, Sequence: "2", Active: true})
	mustCarrier(t, db, models.CarrierInput{Name: "B", Kind: models.CarrierFixed, Sequence: "1", Active: true})
	if _, err := models.SetCarrierActive(ctx, db, a.ID, false, 0); err != nil {
		t.Fatal(err)
	}
	list, err := models.ListCarriers(ctx, db, false)
	if err != nil || len(list) != 1 || list[0].Name != "B" {
		t.Fatalf("active carriers %+v %v", list, err)
	}
	all, _ := models.ListCarriers(ctx, db, true)
	if len(all) != 2 || all[1].Name != "A" || all[1].Active {
		t.Fatalf("all carriers %+v", all)
	}
	if _, err := models.SetCarrierActive(ctx, db, 999999, true, 0); models.ErrorCode(err) != models.ENOTFOUND {
		t.Fatalf("unknown carrier: %v", err)
	}
	h, _ := models.History(ctx, db, "carrier", a.ID)
	if len(h) != 2 || h[0].Body != "Shipping method archived." {
		t.Fatalf("history %+v", h)
	}
}

func TestPreviewCarrierPrice(t *testing.T) {
	in := models.CarrierInput{Name: "Express", Kind: models.CarrierRules, CountryCodes: []string{"BE"}, FreeOver: "100", Rules: []models.CarrierRuleInput{
		{Variable: "weight", Operator: "<=", MaxValue: "2", BasePrice: "9.90"},
		{},
		{Variable: "weight", Operator: "<=", MaxValue: "20", BasePrice: "9.90", PerUnitPrice: "1.50"},
	}}
	r, err := models.PreviewCarrierPrice(in, models.ShippingPreviewInput{Weight: "4", Amount: "50", CountryCode: "be"}, ssEUR)
	if err != nil || r.Price.StringFixed(2) != "15.90" || r.Index != 3 || r.Free {
		t.Fatalf("preview %+v %v, want 15.90 by rule 3", r, err)
	}
	if r, err := models.PreviewCarrierPrice(in, models.ShippingPreviewInput{Weight: "4", Amount: "100", CountryCode: "BE"}, ssEUR); err != nil || !r.Free || !r.Price.IsZero() {
		t.Fatalf("free preview %+v %v", r, err)
	}
	if _, err := models.PreviewCarrierPrice(in, models.ShippingPreviewInput{Weight: "40", CountryCode: "BE"}, ssEUR); !strings.Contains(models.ErrorMessage(err), "no price rule matches") {
		t.Fatalf("too heavy: %v", err)
	}
	if _, err := models.PreviewCarrierPrice(in, models.ShippingPreviewInput{Weight: "1", CountryCode: "FR"}, ssEUR); !strings.Contains(models.ErrorMessage(err), "does not deliver") {
		t.Fatalf("France: %v", err)
	}
	if _, err := models.PreviewCarrierPrice(in, models.ShippingPreviewInput{Weight: "-1"}, ssEUR); models.FieldErrors(err)["preview_weight"] == "" {
		t.Fatalf("negative weight: %v", err)
	}
}
