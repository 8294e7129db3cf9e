package models

import "github.com/shopspring/decimal"

// Tax amount types.
const (
	TaxPercent = "percent"
	TaxFixed   = "fixed"
)

// TaxLine is one tax applied to an amount.
type TaxLine struct {
	Tax    Tax
	Base   decimal.Decimal
	Amount decimal.Decimal
}

// TaxResult is an amount split into what is taxed and the taxes on it.
type TaxResult struct {
	TotalExcluded decimal.Decimal
	TotalIncluded decimal.Decimal
	Taxes         []TaxLine
}

// TaxAmount is the sum of the taxes.
func (r TaxResult) TaxAmount() decimal.Decimal {
	sum := decimal.Zero
	for _, t := range r.Taxes {
		sum = sum.Add(t.Amount)
	}
	return sum
}

var hundred = decimal.NewFromInt(100)

// ComputeTaxes applies taxes to quantity units at priceUnit, the way Odoo
// does for taxes that do not affect each other's base:
//   - price-included taxes are taken out of the price first (fixed ones per
//     unit, then the percentages together), the untaxed amount is rounded,
//     and the last included tax absorbs the rounding so that untaxed + taxes
//     is exactly the price paid;
//   - price-excluded taxes are added on the untaxed amount.
//
// With roundGlobally the amounts are left unrounded, for the document to
// round its totals once; otherwise every amount is rounded to the currency.
func ComputeTaxes(taxes []Tax, priceUnit, quantity decimal.Decimal, cur Currency, roundGlobally bool) TaxResult {
	round := cur.Round
	if roundGlobally {
		round = func(d decimal.Decimal) decimal.Decimal { return d }
	}
	total := round(priceUnit.Mul(quantity))

	fixedIncluded, percentIncluded := decimal.Zero, decimal.Zero
	for _, t := range taxes {
		if !t.PriceInclude {
			continue
		}
		if t.AmountType == TaxFixed {
			fixedIncluded = fixedIncluded.Add(round(t.Amount.Mul(quantity)))
		} else {
			percentIncluded = percentIncluded.Add(t.Amount)
		}
	}
	base := round(total.Sub(fixedIncluded).Div(decimal.NewFromInt(1).Add(percentIncluded.Div(hundred))))

	res := TaxResult{TotalExcluded: base}
	lastPercentIncluded := -1
	included := decimal.Zero
	for _, t := range taxes {
		var amount decimal.Decimal
		if t.AmountType == TaxFixed {
			amount = round(t.Amount.Mul(quantity))
		} else {
			amount = round(base.Mul(t.Amount).Div(hundred))
		}
		if t.PriceInclude {
			included = included.Add(amount)
			if t.AmountType == TaxPercent {
				lastPercentIncluded = len(res.Taxes)
			}
		}
		res.Taxes = append(res.Taxes, TaxLine{Tax: t, Base: base, Amount: amount})
	}
	if lastPercentIncluded >= 0 {
		// Untaxed + included taxes must equal what the customer pays.
		diff := total.Sub(base).Sub(included)
		res.Taxes[lastPercentIncluded].Amount = res.Taxes[lastPercentIncluded].Amount.Add(diff)
	}
	res.TotalIncluded = base.Add(res.TaxAmount())
	return res
}
