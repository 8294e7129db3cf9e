package models

import (
	"context"
	"fmt"

	"github.com/shopspring/decimal"
	"github.com/uptrace/bun"
)

// SeedSales creates the demo shipping methods and promotion codes, once.
func SeedSales(ctx context.Context, db bun.IDB) error {
	if has, err := db.NewSelect().Model((*Carrier)(nil)).Exists(ctx); err != nil || has {
		return err
	}
	var vat *int64
	var id int64
	if err := db.NewRaw("SELECT id FROM taxes WHERE name = ? LIMIT 1", vat21).Scan(ctx, &id); err == nil {
		vat = &id
	}
	d := decimal.RequireFromString
	free := d("75")
	carriers := []*Carrier{
		{Name: "Standard delivery", Description: "2-3 working days. Free from €75.", Kind: CarrierFixed, FixedPrice: d("4.95"), FreeOver: &free,
			CountryCodes: []string{}, TaxID: vat, TrackingURL: "https://tracking.example.com/parcel/{ref}", Sequence: 1, Active: true},
		{Name: "Express courier", Description: "Next working day, priced by weight.", Kind: CarrierRules,
			CountryCodes: []string{"BE", "NL", "LU", "FR", "DE"}, TaxID: vat, TrackingURL: "https://express.example.com/track?code={ref}", Sequence: 2, Active: true,
			Rules: []*CarrierRule{
				{Sequence: 1, Variable: RuleWeight, Operator: "<=", MaxValue: d("2"), BasePrice: d("9.90"), Factor: RuleWeight},
				{Sequence: 2, Variable: RuleWeight, Operator: "<=", MaxValue: d("20"), BasePrice: d("9.90"), PerUnitPrice: d("1.50"), Factor: RuleWeight},
			}},
		{Name: "Pick up in store", Description: "Collect your order at our Antwerp shop.", Kind: CarrierFixed,
			CountryCodes: []string{"BE"}, Sequence: 3, Active: true},
	}
	for _, c := range carriers {
		if _, err := db.NewInsert().Model(c).Exec(ctx); err != nil {
			return fmt.Errorf("models: seed carrier: %w", err)
		}
		for _, r := range c.Rules {
			r.CarrierID = c.ID
			if _, err := db.NewInsert().Model(r).Exec(ctx); err != nil {
				return fmt.Errorf("models: seed carrier rule: %w", err)
			}
		}
	}
	limit := 100
	coupons := []*Coupon{
		{Code: "WELCOME10", Name: "Welcome: 10% off", Kind: CouponPercent, Amount: d("10"), Active: true},
		{Code: "SAVE5", Name: "€5 off from €30", Kind: CouponFixed, Amount: d("5"), MinAmount: d("30"), UsageLimit: &limit, Active: true},
	}
	for _, c := range coupons {
		if _, err := db.NewInsert().Model(c).Exec(ctx); err != nil {
			return fmt.Errorf("models: seed coupon: %w", err)
		}
	}
	return nil
}
