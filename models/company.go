package models

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// Company is the one company running this Orderflow.
type Company struct {
	bun.BaseModel `bun:"table:companies,alias:co"`

	ID                   int       `bun:"id,pk"`
	Name                 string    `bun:"name,notnull"`
	Email                string    `bun:"email,notnull"`
	Phone                string    `bun:"phone,notnull"`
	CurrencyCode         string    `bun:"currency_code,notnull"`
	CurrencyDecimals     int       `bun:"currency_decimals,notnull"`
	TaxRounding          string    `bun:"tax_rounding,notnull"`
	InvoicePolicy        string    `bun:"invoice_policy,notnull"`
	PricesIncludeTax     bool      `bun:"prices_include_tax,notnull"`
	AutoConfirmOnPayment bool      `bun:"auto_confirm_on_payment,notnull"`
	SellBeyondStock      bool      `bun:"sell_beyond_stock,notnull"`
	WebsiteWarehouseID   *int64    `bun:"website_warehouse_id"`
	CreatedAt            time.Time `bun:"created_at,notnull,default:current_timestamp"`
	UpdatedAt            time.Time `bun:"updated_at,notnull,default:current_timestamp"`
}

// defaultCompany stands in until the company row exists (before seeding).
var defaultCompany = Company{ID: 1, Name: "Orderflow", CurrencyCode: "EUR", CurrencyDecimals: 2, TaxRounding: "per_line", InvoicePolicy: "ordered", AutoConfirmOnPayment: true}

// GetCompany returns the company settings; before any are saved it returns
// sensible defaults, so that the shop can render on an empty database.
func GetCompany(ctx context.Context, db bun.IDB) (*Company, error) {
	c := new(Company)
	err := db.NewSelect().Model(c).Where("id = 1").Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		d := defaultCompany
		return &d, nil
	}
	if err != nil {
		return nil, fmt.Errorf("models: get company: %w", err)
	}
	return c, nil
}
