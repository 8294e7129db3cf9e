package models_test

import (
	"strings"
	"testing"

	"orderflow/models"
)

// A postal code is checked against its country's shape when the country
// has one fixed shape; other countries take any code.
func TestCheckoutPostalCodes(t *testing.T) {
	for _, tc := range []struct {
		country, zip string
		ok           bool
	}{
		{"BE", "9000", true}, {"BE", "ABC", false}, {"BE", "90000", false},
		{"NL", "1012 ab", true}, {"NL", "1012AB", true}, {"NL", "1012", false},
		{"GB", "SW1A 1AA", true}, {"GB", "m1 1ae", true}, {"GB", "12345", false},
		{"US", "94105", true}, {"US", "94105-1234", true}, {"US", "9410", false},
		{"PL", "00-950", true}, {"PT", "1000-001", true}, {"SE", "111 22", true}, {"CA", "K1A 0B1", true},
		{"FR", "69003", true}, {"FR", "6900", false}, {"LU", "L-1009", true},
		{"IE", "D02 X285", true}, {"IE", "anything", true}, // no single shape: not checked
	} {
		in := models.CheckoutAddresses{Billing: models.AddressInput{Name: "Ada Shopper", Email: "ada@example.com",
			Street: "1 Main Street", City: "Town", Zip: tc.zip, CountryCode: tc.country}}
		err := models.ValidateCheckoutAddresses(in)
		msg := models.FieldErrors(err)["billing_zip"]
		if tc.ok != (msg == "") {
			t.Errorf("%s %q: error %q, want ok %v (%v)", tc.country, tc.zip, msg, tc.ok, err)
		}
		if !tc.ok && !strings.Contains(msg, models.Countries[tc.country]) {
			t.Errorf("%s %q: message %q does not name the country", tc.country, tc.zip, msg)
		}
	}
}
