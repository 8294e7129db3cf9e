package models

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/shopspring/decimal"
	"github.com/uptrace/bun"
)

const maxTaxName = 100

// maxFixedTax is the largest fixed tax per unit we accept: anything above is
// a typing mistake rather than a tax.
var maxFixedTax = decimal.NewFromInt(1_000_000)

// TaxInput is a tax as typed in the back office; Amount is the text typed
// ("21", "0.30") and is parsed exactly.
type TaxInput struct {
	Name         string
	AmountType   string // TaxPercent | TaxFixed
	Amount       string
	PriceInclude bool
	Active       bool
}

// parseTax validates in and returns the tax it describes (without id).
func parseTax(in TaxInput) (Tax, error) {
	p := Problems{}
	t := Tax{Name: strings.Join(strings.Fields(in.Name), " "), AmountType: in.AmountType, PriceInclude: in.PriceInclude, Active: in.Active, Sequence: 10}
	switch {
	case t.Name == "":
		p.Add("name", "Enter a name.")
	case utf8.RuneCountInString(t.Name) > maxTaxName:
		p.Add("name", fmt.Sprintf("Use at most %d characters.", maxTaxName))
	}
	if t.AmountType != TaxPercent && t.AmountType != TaxFixed {
		p.Add("amount_type", "Choose a percentage or a fixed amount.")
	}
	raw := strings.TrimSpace(in.Amount)
	amount, err := decimal.NewFromString(raw)
	switch {
	case raw == "":
		p.Add("amount", "Enter the amount of the tax.")
	case err != nil:
		p.Add("amount", "Enter a number, like 21 or 0.30 (with a dot for decimals).")
	case amount.IsNegative():
		p.Add("amount", "The amount cannot be negative.")
	case amount.Exponent() < -4 && !amount.Equal(amount.Round(4)):
		p.Add("amount", "Use at most 4 decimals.")
	case t.AmountType == TaxPercent && amount.GreaterThan(hundred):
		p.Add("amount", "A percentage is between 0 and 100.")
	case t.AmountType == TaxFixed && amount.GreaterThan(maxFixedTax):
		p.Add("amount", "The amount is too large.")
	}
	t.Amount = amount
	return t, p.Err()
}

// ListTaxes returns the taxes by sequence and name; inactive ones only when
// includeInactive is set.
func ListTaxes(ctx context.Context, db bun.IDB, includeInactive bool) ([]Tax, error) {
	var out []Tax
	q := db.NewSelect().Model(&out).OrderExpr("tx.sequence, lower(tx.name), tx.id")
	if !includeInactive {
		q = q.Where("tx.active")
	}
	if err := q.Scan(ctx); err != nil {
		return nil, fmt.Errorf("models: list taxes: %w", err)
	}
	return out, nil
}

// TaxProductCounts returns, for each tax used by products, how many
// products carry it as a default sales tax.
func TaxProductCounts(ctx context.Context, db bun.IDB) (map[int64]int, error) {
	var rows []struct {
		TaxID int64 `bun:"tax_id"`
		N     int   `bun:"n"`
	}
	if err := db.NewSelect().TableExpr("product_template_taxes").ColumnExpr("tax_id, count(*) AS n").GroupExpr("tax_id").Scan(ctx, &rows); err != nil {
		return nil, fmt.Errorf("models: tax product counts: %w", err)
	}
	out := make(map[int64]int, len(rows))
	for _, r := range rows {
		out[r.TaxID] = r.N
	}
	return out, nil
}

// GetTax returns the tax with id, or ENOTFOUND.
func GetTax(ctx context.Context, db bun.IDB, id int64) (*Tax, error) {
	t := new(Tax)
	if err := db.NewSelect().Model(t).Where("id = ?", id).Scan(ctx); err != nil {
		return nil, notFound(err, "The tax")
	}
	return t, nil
}

func taxNameTaken() error {
	msg := "There is already a tax with this name."
	return &Error{Code: EINVALID, Message: msg, Fields: map[string]string{"name": msg}}
}

// CreateTax creates a tax. It returns EINVALID with field problems (name
// missing or taken, unknown type, amount not a number, negative, more than
// 4 decimals, a percentage above 100).
func CreateTax(ctx context.Context, db *bun.DB, in TaxInput, actorID int64) (*Tax, error) {
	t, err := parseTax(in)
	if err != nil {
		return nil, err
	}
	err = db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if taken, err := tx.NewSelect().Model((*Tax)(nil)).Where("lower(name) = lower(?)", t.Name).Exists(ctx); err != nil {
			return err
		} else if taken {
			return taxNameTaken()
		}
		if _, err := tx.NewInsert().Model(&t).Returning("*").Exec(ctx); err != nil {
			if isUniqueViolation(err) {
				return taxNameTaken()
			}
			return err
		}
		return RecordHistory(ctx, tx, "tax", t.ID, actorID, "Tax created: "+DescribeTax(t)+".")
	})
	if err != nil {
		return nil, wrapOp(err, "create tax")
	}
	return &t, nil
}

// UpdateTax changes a tax; the same validation as CreateTax applies. It
// locks the tax row. Documents already made keep the amounts they computed.
func UpdateTax(ctx context.Context, db *bun.DB, id int64, in TaxInput, actorID int64) (*Tax, error) {
	next, err := parseTax(in)
	if err != nil {
		return nil, err
	}
	var t Tax
	err = db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if err := tx.NewSelect().Model(&t).Where("id = ?", id).For("UPDATE").Scan(ctx); err != nil {
			return notFound(err, "The tax")
		}
		if taken, err := tx.NewSelect().Model((*Tax)(nil)).Where("lower(name) = lower(?) AND id <> ?", next.Name, id).Exists(ctx); err != nil {
			return err
		} else if taken {
			return taxNameTaken()
		}
		before := DescribeTax(t)
		wasActive := t.Active
		t.Name, t.AmountType, t.Amount, t.PriceInclude, t.Active = next.Name, next.AmountType, next.Amount, next.PriceInclude, next.Active
		after := DescribeTax(t)
		var changes []string
		if before != after {
			changes = append(changes, before+" → "+after)
		}
		if wasActive != t.Active {
			changes = append(changes, map[bool]string{true: "reactivated", false: "deactivated"}[t.Active])
		}
		if len(changes) == 0 {
			return nil
		}
		t.UpdatedAt = time.Now()
		if _, err := tx.NewUpdate().Model(&t).Column("name", "amount_type", "amount", "price_include", "active", "updated_at").WherePK().Exec(ctx); err != nil {
			if isUniqueViolation(err) {
				return taxNameTaken()
			}
			return err
		}
		return RecordHistory(ctx, tx, "tax", t.ID, actorID, "Tax "+strings.Join(changes, "; ")+".")
	})
	if err != nil {
		return nil, wrapOp(err, "update tax")
	}
	return &t, nil
}

// DeleteTax deletes a tax that no product uses. A tax that products use
// (or that documents refer to) is deactivated instead, so that it is no
// longer offered but what used it stays intact; deactivated reports that.
func DeleteTax(ctx context.Context, db *bun.DB, id int64, actorID int64) (deactivated bool, err error) {
	err = db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		var t Tax
		if err := tx.NewSelect().Model(&t).Where("id = ?", id).For("UPDATE").Scan(ctx); err != nil {
			return notFound(err, "The tax")
		}
		used, err := tx.NewSelect().TableExpr("product_template_taxes").Where("tax_id = ?", id).Exists(ctx)
		if err != nil {
			return err
		}
		if !used {
			// Other documents (order lines, invoices) may refer to the tax
			// too: try the delete in a savepoint and fall back to deactivating.
			err := tx.RunInTx(ctx, nil, func(ctx context.Context, sp bun.Tx) error {
				_, err := sp.NewDelete().Model(&t).WherePK().Exec(ctx)
				return err
			})
			switch {
			case err == nil:
				return RecordHistory(ctx, tx, "tax", t.ID, actorID, "Tax “"+t.Name+"” deleted.")
			case !isCategoryFKViolation(err):
				return err
			}
		}
		deactivated = true
		if !t.Active {
			return nil
		}
		if _, err := tx.NewUpdate().Model(&t).Set("active = false, updated_at = now()").WherePK().Exec(ctx); err != nil {
			return err
		}
		return RecordHistory(ctx, tx, "tax", t.ID, actorID, "Tax deactivated instead of deleted: it is in use.")
	})
	if err != nil {
		return false, wrapOp(err, "delete tax")
	}
	return deactivated, nil
}

// DescribeTax writes a tax as people read it: "21% excluded", "€0.30 fixed, included".
func DescribeTax(t Tax) string {
	amount := t.Amount.String()
	var s string
	if t.AmountType == TaxFixed {
		s = amount + " fixed per unit"
	} else {
		s = amount + "%"
	}
	if t.PriceInclude {
		return s + ", included in the price"
	}
	return s + ", added to the price"
}

// TaxExamplePrice is the product price the tax form's example uses.
var TaxExamplePrice = decimal.NewFromInt(100)

// TaxExample is what a tax does to a sample price, for the tax form.
type TaxExample struct {
	Price         decimal.Decimal // the price typed on the product
	PriceInclude  bool
	TotalExcluded decimal.Decimal
	TaxAmount     decimal.Decimal
	TotalIncluded decimal.Decimal
}

// PreviewTax validates in and computes, with ComputeTaxes, what the tax
// makes of a product priced 100 in the company currency. It returns the
// same EINVALID problems as CreateTax (the name is not required here).
func PreviewTax(in TaxInput, cur Currency) (TaxExample, error) {
	if strings.TrimSpace(in.Name) == "" {
		in.Name = "Preview"
	}
	t, err := parseTax(in)
	if err != nil {
		return TaxExample{}, err
	}
	price := TaxExamplePrice
	r := ComputeTaxes([]Tax{t}, price, decimal.NewFromInt(1), cur, false)
	return TaxExample{Price: price, PriceInclude: t.PriceInclude, TotalExcluded: r.TotalExcluded, TaxAmount: r.TaxAmount(), TotalIncluded: r.TotalIncluded}, nil
}

// SeedTaxes creates the demo taxes when missing: VAT 21% and VAT 6% added
// to prices, and VAT 21% incl. included in them. It is idempotent (taxes
// are matched by name) and leaves existing taxes as they are.
func SeedTaxes(ctx context.Context, db bun.IDB) error {
	taxes := []Tax{
		{Name: "VAT 21%", AmountType: TaxPercent, Amount: decimal.NewFromInt(21), Active: true, Sequence: 10},
		{Name: "VAT 6%", AmountType: TaxPercent, Amount: decimal.NewFromInt(6), Active: true, Sequence: 20},
		{Name: "VAT 21% incl.", AmountType: TaxPercent, Amount: decimal.NewFromInt(21), PriceInclude: true, Active: true, Sequence: 30},
	}
	for i := range taxes {
		if _, err := db.NewInsert().Model(&taxes[i]).On("CONFLICT ((lower(name))) DO NOTHING").Exec(ctx); err != nil {
			return fmt.Errorf("models: seed taxes: %w", err)
		}
	}
	return nil
}
