package models

import (
	"strings"

	"github.com/shopspring/decimal"
)

// Currency says how amounts of money are rounded and written.
type Currency struct {
	Code     string          // ISO 4217, "EUR"
	Rounding decimal.Decimal // smallest step: 0.01, 1, 0.05 (cash rounding)
}

// CompanyCurrency is the currency of the company's books.
func (c *Company) Currency() Currency {
	return Currency{Code: c.CurrencyCode, Rounding: decimal.New(1, -int32(c.CurrencyDecimals))}
}

// Decimals is the number of decimals an amount in c is written with.
func (c Currency) Decimals() int32 {
	if c.Rounding.IsZero() {
		return 2
	}
	return max(0, -c.Rounding.Exponent())
}

// Round rounds d to the currency's step, half away from zero (as Odoo's HALF-UP).
func (c Currency) Round(d decimal.Decimal) decimal.Decimal {
	if c.Rounding.IsZero() {
		return d.Round(2)
	}
	return d.Div(c.Rounding).Round(0).Mul(c.Rounding)
}

var currencySymbols = map[string]string{"EUR": "€", "USD": "$", "GBP": "£", "JPY": "¥", "CHF": "CHF "}

// Format writes d in the currency, with thousands separators: €1,234.50.
func (c Currency) Format(d decimal.Decimal) string {
	s := c.Round(d).StringFixed(c.Decimals())
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	sym, ok := currencySymbols[c.Code]
	if !ok {
		sym = c.Code + " "
	}
	if neg {
		return "-" + sym + groupThousands(s)
	}
	return sym + groupThousands(s)
}

// FormatQuantity writes a quantity as people read it: thousands separated,
// no trailing zeros: 1,000,000 or 2.5.
func FormatQuantity(d decimal.Decimal) string {
	s := d.String()
	if neg := strings.HasPrefix(s, "-"); neg {
		return "-" + groupThousands(s[1:])
	}
	return groupThousands(s)
}

// FormatCount writes a count with its thousands separated: 247,344.
func FormatCount(n int) string { return FormatQuantity(decimal.NewFromInt(int64(n))) }

// groupThousands puts a comma between each group of three digits of an
// unsigned decimal number's integer part: "1234567.5" -> "1,234,567.5".
func groupThousands(s string) string {
	intPart, frac, hasFrac := strings.Cut(s, ".")
	var b strings.Builder
	for i, r := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if hasFrac {
		b.WriteByte('.')
		b.WriteString(frac)
	}
	return b.String()
}
