// Package migrations holds the SQL schema of Orderflow as embedded files,
// applied in name order by bun/migrate (see models.Migrate).
package migrations

import (
	"embed"

	"github.com/uptrace/bun/migrate"
)

// FS holds the migration files.
//
//go:embed *.sql
var FS embed.FS

// Migrations is the ordered set of schema migrations.
var Migrations = migrate.NewMigrations()

func init() {
	if err := Migrations.Discover(FS); err != nil {
		panic(err)
	}
}
