package models

import (
	"context"
	"fmt"

	"github.com/uptrace/bun"
)

// DemoLogin is a demo account created by Seed.
type DemoLogin struct {
	Role     string
	Email    string
	Password string
}

// DemoPassword is the password of every demo account.
const DemoPassword = "orderflow-demo"

// DemoLogins are the demo accounts, one per role.
var DemoLogins = []DemoLogin{
	{RoleAdmin, "admin@example.com", DemoPassword},
	{RoleSales, "sales@example.com", DemoPassword},
	{RoleAccountant, "accountant@example.com", DemoPassword},
	{RoleWarehouse, "warehouse@example.com", DemoPassword},
	{RoleCustomer, "customer@example.com", DemoPassword},
}

var demoNames = map[string]string{
	RoleAdmin:      "Ada Admin",
	RoleSales:      "Sam Sales",
	RoleAccountant: "Alex Accountant",
	RoleWarehouse:  "Wes Warehouse",
	RoleCustomer:   "Carla Customer",
}

// SeedOptions controls Seed.
type SeedOptions struct {
	CompanyName  string // default "Orderflow Demo Shop"
	CurrencyCode string // default EUR
	DemoUsers    bool   // create the demo accounts (never in production)
}

// Seed creates the company (when missing) and, with DemoUsers, one demo user
// per role on a database that has no users yet. It is idempotent: rows that
// exist are left as they are. With DemoUsers it also loads the demo
// catalog (SeedCatalog) into a database without products.
func Seed(ctx context.Context, db *bun.DB, o SeedOptions) error {
	if o.CompanyName == "" {
		o.CompanyName = "Orderflow Demo Shop"
	}
	if o.CurrencyCode == "" {
		o.CurrencyCode = "EUR"
	}
	err := db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		co := &Company{ID: 1, Name: o.CompanyName, Email: "shop@example.com", CurrencyCode: o.CurrencyCode,
			CurrencyDecimals: 2, TaxRounding: "per_line", InvoicePolicy: "ordered", AutoConfirmOnPayment: true}
		if _, err := tx.NewInsert().Model(co).On("CONFLICT (id) DO NOTHING").Exec(ctx); err != nil {
			return fmt.Errorf("models: seed company: %w", err)
		}
		if !o.DemoUsers {
			return nil
		}
		// Demo users are created once, on a database without users: after
		// that they are the admin's to change or deactivate.
		if exists, err := tx.NewSelect().Model((*User)(nil)).Exists(ctx); err != nil {
			return fmt.Errorf("models: seed users: %w", err)
		} else if exists {
			return nil
		}
		for _, d := range DemoLogins {
			if err := seedUser(ctx, tx, d); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil || !o.DemoUsers {
		return err
	}
	if err := SeedCatalog(ctx, db); err != nil {
		return err
	}
	if err := SeedStock(ctx, db); err != nil {
		return err
	}
	return SeedSales(ctx, db)
}

func seedUser(ctx context.Context, tx bun.Tx, d DemoLogin) error {
	hash, err := hashPassword(d.Password)
	if err != nil {
		return err
	}
	u := &User{Name: demoNames[d.Role], Email: d.Email, PasswordHash: hash, Roles: []string{d.Role}, Active: true, SessionVersion: 1}
	if d.Role == RoleCustomer {
		c := &Contact{Name: u.Name, Email: u.Email, Street: "12 Harbour Street", City: "Antwerp", Zip: "2000", CountryCode: "BE"}
		if _, err := tx.NewInsert().Model(c).Returning("id").Exec(ctx); err != nil {
			return fmt.Errorf("models: seed contact: %w", err)
		}
		u.ContactID = &c.ID
	}
	if _, err := tx.NewInsert().Model(u).Returning("id").Exec(ctx); err != nil {
		return fmt.Errorf("models: seed user %s: %w", d.Email, err)
	}
	return RecordHistory(ctx, tx, "user", u.ID, 0, "Demo user created by seed.")
}
