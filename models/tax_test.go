package models_test

import (
	"testing"

	"github.com/shopspring/decimal"

	"orderflow/models"
)

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func pct(amount string, included bool) models.Tax {
	return models.Tax{Name: amount + "%", AmountType: models.TaxPercent, Amount: dec(amount), PriceInclude: included}
}

// The figures come from Odoo's own tax tests.
func TestComputeTaxesOdooFigures(t *testing.T) {
	one := models.Currency{Code: "XXX", Rounding: dec("1")}
	cents := models.Currency{Code: "EUR", Rounding: dec("0.01")}
	cash := models.Currency{Code: "CHF", Rounding: dec("0.05")}
	cases := []struct {
		name                  string
		tax                   models.Tax
		price                 string
		cur                   models.Currency
		untaxed, taxAmt, paid string
	}{
		{"19% excluded, rounding 1, line 1", pct("19", false), "22689", one, "22689", "4311", "27000"},
		{"19% excluded, rounding 1, line 2", pct("19", false), "9176", one, "9176", "1743", "10919"},
		{"12% included", pct("12", true), "52.50", cents, "46.88", "5.62", "52.50"},
		{"5% included, cash rounding, 5", pct("5", true), "5", cash, "4.75", "0.25", "5"},
		{"5% included, cash rounding, 10", pct("5", true), "10", cash, "9.5", "0.5", "10"},
		{"5% included, cash rounding, 50", pct("5", true), "50", cash, "47.6", "2.4", "50"},
		{"21% excluded", pct("21", false), "19.99", cents, "19.99", "4.20", "24.19"},
		{"fixed 0.30 excluded x3", models.Tax{AmountType: models.TaxFixed, Amount: dec("0.30")}, "2", cents, "6", "0.90", "6.90"},
	}
	for _, tc := range cases {
		qty := dec("1")
		if tc.name == "fixed 0.30 excluded x3" {
			qty = dec("3")
		}
		r := models.ComputeTaxes([]models.Tax{tc.tax}, dec(tc.price), qty, tc.cur, false)
		if !r.TotalExcluded.Equal(dec(tc.untaxed)) || !r.TaxAmount().Equal(dec(tc.taxAmt)) || !r.TotalIncluded.Equal(dec(tc.paid)) {
			t.Errorf("%s: untaxed %s tax %s total %s, want %s + %s = %s", tc.name, r.TotalExcluded, r.TaxAmount(), r.TotalIncluded, tc.untaxed, tc.taxAmt, tc.paid)
		}
	}
}

func TestComputeTaxesGlobalRoundingKeepsPrecision(t *testing.T) {
	cur := models.Currency{Code: "EUR", Rounding: dec("0.01")}
	r := models.ComputeTaxes([]models.Tax{pct("19", false)}, dec("0.33"), dec("1"), cur, true)
	if !r.TaxAmount().Equal(dec("0.0627")) {
		t.Fatalf("global rounding: tax %s, want the unrounded 0.0627", r.TaxAmount())
	}
}

func TestCurrencyFormat(t *testing.T) {
	cases := map[string]struct {
		cur  models.Currency
		want string
	}{
		"1234567.5":  {models.Currency{Code: "EUR", Rounding: dec("0.01")}, "€1,234,567.50"},
		"-0.004":     {models.Currency{Code: "USD", Rounding: dec("0.01")}, "$0.00"},
		"-12.345":    {models.Currency{Code: "USD", Rounding: dec("0.01")}, "-$12.35"},
		"999":        {models.Currency{Code: "SEK", Rounding: dec("1")}, "SEK 999"},
		"100.125000": {models.Currency{Code: "GBP", Rounding: dec("0.01")}, "£100.13"},
	}
	for in, tc := range cases {
		if got := tc.cur.Format(dec(in)); got != tc.want {
			t.Errorf("Format(%s %s) = %q, want %q", tc.cur.Code, in, got, tc.want)
		}
	}
}

func TestFormatQuantity(t *testing.T) {
	for in, want := range map[string]string{"1000000": "1,000,000", "992035": "992,035", "999": "999", "2.5": "2.5",
		"1234.250": "1,234.25", "-1500": "-1,500", "0": "0"} {
		if got := models.FormatQuantity(dec(in)); got != want {
			t.Errorf("FormatQuantity(%s) = %q, want %q", in, got, want)
		}
	}
}
