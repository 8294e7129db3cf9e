package models

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
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
	CartExpiryHours      int       `bun:"cart_expiry_hours,notnull,default:720"`
	MaxLineQuantity      int       `bun:"max_line_quantity,notnull,default:1000"`
	CreatedAt            time.Time `bun:"created_at,notnull,default:current_timestamp"`
	UpdatedAt            time.Time `bun:"updated_at,notnull,default:current_timestamp"`
}

// defaultCompany stands in until the company row exists (before seeding).
var defaultCompany = Company{ID: 1, Name: "Orderflow", CurrencyCode: "EUR", CurrencyDecimals: 2, TaxRounding: "per_line", InvoicePolicy: "ordered", AutoConfirmOnPayment: true, CartExpiryHours: 720, MaxLineQuantity: 1000}

// GetCompany returns the company settings; before any are saved it returns
// sensible defaults, so that the shop can render on an empty database.
// Callers get their own copy.
func GetCompany(ctx context.Context, db bun.IDB) (*Company, error) {
	c, err := cachedRef(ctx, refCompany, func() (*Company, error) { return loadCompany(ctx, db) })
	if err != nil {
		return nil, err
	}
	cp := *c
	return &cp, nil
}

func loadCompany(ctx context.Context, db bun.IDB) (*Company, error) {
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

// CompanyInput is the editable part of the company settings.
type CompanyInput struct {
	Name                 string
	Email                string
	Phone                string
	TaxRounding          string
	InvoicePolicy        string
	PricesIncludeTax     bool
	AutoConfirmOnPayment bool
	SellBeyondStock      bool
	WebsiteWarehouseID   *int64
	CartExpiryHours      int // abandoned carts expire after this many hours without a change, 1..87600
	MaxLineQuantity      int // the most units a cart line may hold, 1..1,000,000
}

// Bounds of the cart settings (the schema checks them too).
const (
	MaxCartExpiryHours = 87600 // ten years
	MaxMaxLineQuantity = 1_000_000
)

// UpdateCompany saves the company settings (the currency is fixed once
// documents exist, so it is not editable here). It records what changed.
func UpdateCompany(ctx context.Context, db *bun.DB, in CompanyInput, actorID int64) (*Company, error) {
	p := Problems{}
	in.Name = strings.TrimSpace(in.Name)
	in.Email = strings.TrimSpace(in.Email)
	in.Phone = strings.TrimSpace(in.Phone)
	validateName(p, "name", in.Name)
	if in.Email != "" {
		validateEmail(p, "email", strings.ToLower(in.Email))
	}
	if len(in.Phone) > 50 {
		p.Add("phone", "Use at most 50 characters.")
	}
	if in.TaxRounding != "per_line" && in.TaxRounding != "global" {
		p.Add("tax_rounding", "Choose per line or global rounding.")
	}
	if in.InvoicePolicy != InvoiceOrdered && in.InvoicePolicy != InvoiceDelivered {
		p.Add("invoice_policy", "Choose ordered or delivered quantities.")
	}
	if in.CartExpiryHours < 1 || in.CartExpiryHours > MaxCartExpiryHours {
		p.Add("cart_expiry_hours", "Enter a whole number of hours from 1 to 87600 (720 is 30 days).")
	}
	if in.MaxLineQuantity < 1 || in.MaxLineQuantity > MaxMaxLineQuantity {
		p.Add("max_line_quantity", "Enter a whole number from 1 to 1000000.")
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	co := new(Company)
	err := db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if err := tx.NewSelect().Model(co).Where("id = 1").For("UPDATE").Scan(ctx); err != nil {
			return notFound(err, "The company")
		}
		if in.WebsiteWarehouseID != nil {
			if _, err := GetWarehouse(ctx, tx, *in.WebsiteWarehouseID); err != nil {
				return &Error{Code: EINVALID, Message: "Choose an existing warehouse.", Fields: map[string]string{"website_warehouse_id": "Choose an existing warehouse."}}
			}
		}
		co.Name, co.Email, co.Phone = in.Name, strings.ToLower(in.Email), in.Phone
		co.TaxRounding, co.InvoicePolicy = in.TaxRounding, in.InvoicePolicy
		co.PricesIncludeTax, co.AutoConfirmOnPayment, co.SellBeyondStock = in.PricesIncludeTax, in.AutoConfirmOnPayment, in.SellBeyondStock
		co.WebsiteWarehouseID = in.WebsiteWarehouseID
		co.CartExpiryHours, co.MaxLineQuantity = in.CartExpiryHours, in.MaxLineQuantity
		if _, err := tx.NewUpdate().Model(co).Column("name", "email", "phone", "tax_rounding", "invoice_policy", "prices_include_tax",
			"auto_confirm_on_payment", "sell_beyond_stock", "website_warehouse_id", "cart_expiry_hours", "max_line_quantity").
			Set("updated_at = now()").WherePK().Exec(ctx); err != nil {
			return err
		}
		return RecordHistory(ctx, tx, "company", 1, actorID, "Settings saved.")
	})
	if err != nil {
		return nil, wrapOp(err, "update company")
	}
	return co, nil
}
