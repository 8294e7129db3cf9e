package models

import (
	"regexp"
	"strings"
)

// postcodeFormat is how a country's postal codes are written: the pattern
// they match (upper case, spaces as typed) and an example for the message.
type postcodeFormat struct {
	re      *regexp.Regexp
	example string
}

func postcode(pattern, example string) postcodeFormat {
	return postcodeFormat{regexp.MustCompile(`^(?:` + pattern + `)$`), example}
}

// postcodeFormats are the postal code formats of the countries whose codes
// have one fixed shape (the Universal Postal Union's list). A country not
// listed takes any code: refusing a real address loses a sale, so only
// shapes that have no exceptions are checked.
var postcodeFormats = map[string]postcodeFormat{
	"AT": postcode(`\d{4}`, "1010"),
	"AU": postcode(`\d{4}`, "2000"),
	"BE": postcode(`\d{4}`, "1000"),
	"BG": postcode(`\d{4}`, "1000"),
	"BR": postcode(`\d{5}-?\d{3}`, "01310-100"),
	"CA": postcode(`[A-Z]\d[A-Z] ?\d[A-Z]\d`, "K1A 0B1"),
	"CH": postcode(`\d{4}`, "8001"),
	"CY": postcode(`\d{4}`, "1010"),
	"CZ": postcode(`\d{3} ?\d{2}`, "110 00"),
	"DE": postcode(`\d{5}`, "10115"),
	"DK": postcode(`\d{4}`, "1050"),
	"EE": postcode(`\d{5}`, "10111"),
	"ES": postcode(`\d{5}`, "28001"),
	"FI": postcode(`\d{5}`, "00100"),
	"FR": postcode(`\d{5}`, "75001"),
	"GB": postcode(`[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}`, "SW1A 1AA"),
	"GR": postcode(`\d{3} ?\d{2}`, "105 57"),
	"HR": postcode(`\d{5}`, "10000"),
	"HU": postcode(`\d{4}`, "1051"),
	"IN": postcode(`\d{3} ?\d{3}`, "110001"),
	"IT": postcode(`\d{5}`, "00184"),
	"JP": postcode(`\d{3}-?\d{4}`, "100-0001"),
	"LI": postcode(`\d{4}`, "9490"),
	"LT": postcode(`(?:LT-)?\d{5}`, "01100"),
	"LU": postcode(`(?:L-)?\d{4}`, "1009"),
	"LV": postcode(`(?:LV-)?\d{4}`, "LV-1050"),
	"MC": postcode(`980\d{2}`, "98000"),
	"MX": postcode(`\d{5}`, "06000"),
	"NL": postcode(`\d{4} ?[A-Z]{2}`, "1012 AB"),
	"NO": postcode(`\d{4}`, "0150"),
	"NZ": postcode(`\d{4}`, "6011"),
	"PL": postcode(`\d{2}-?\d{3}`, "00-950"),
	"PT": postcode(`\d{4}-?\d{3}`, "1000-001"),
	"RO": postcode(`\d{6}`, "010011"),
	"SE": postcode(`\d{3} ?\d{2}`, "111 22"),
	"SI": postcode(`(?:SI-)?\d{4}`, "1000"),
	"SK": postcode(`\d{3} ?\d{2}`, "811 01"),
	"US": postcode(`\d{5}(?:-\d{4})?`, "94105"),
	"ZA": postcode(`\d{4}`, "2001"),
}

// postcodeProblem is what is wrong with zip as a postal code of country
// (an ISO code), "" when nothing is: a country without a fixed format
// takes any code.
func postcodeProblem(country, zip string) string {
	f, ok := postcodeFormats[country]
	if !ok || f.re.MatchString(strings.ToUpper(zip)) {
		return ""
	}
	return "Enter a postal code of " + Countries[country] + ", like " + f.example + "."
}
