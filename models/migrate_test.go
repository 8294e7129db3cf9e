package models_test

import (
	"context"
	"testing"

	"github.com/uptrace/bun"

	"orderflow/models"
	"orderflow/tests/testdb"
)

// Every migration applies to an empty database, reverts cleanly, and applies again.
func TestMigrationsUpDownUp(t *testing.T) {
	ctx := context.Background()
	db, err := models.Open(ctx, testdb.NewEmpty(t), 4)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()

	applied, err := models.Migrate(ctx, db)
	if err != nil {
		t.Fatalf("up: %v", err)
	}
	if len(applied) == 0 {
		t.Fatal("up applied nothing on an empty database")
	}
	assertTables(t, db, true)

	if err := models.RollbackAll(ctx, db); err != nil {
		t.Fatalf("down: %v", err)
	}
	assertTables(t, db, false)
	status, err := models.Migrations(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range status {
		if m.Applied {
			t.Errorf("migration %s still applied after rolling back everything", m.Name)
		}
	}

	again, err := models.Migrate(ctx, db)
	if err != nil {
		t.Fatalf("up again: %v", err)
	}
	if len(again) != len(applied) {
		t.Fatalf("up again applied %d migrations, want %d", len(again), len(applied))
	}
	assertTables(t, db, true)
	if more, err := models.Migrate(ctx, db); err != nil || len(more) != 0 {
		t.Fatalf("a second up applied %v (err %v), want nothing", more, err)
	}
}

func assertTables(t *testing.T, db *bun.DB, want bool) {
	t.Helper()
	for _, table := range []string{"companies", "contacts", "users", "sessions", "login_failures", "history_entries"} {
		var exists bool
		if err := db.NewRaw("SELECT to_regclass(?) IS NOT NULL", table).Scan(context.Background(), &exists); err != nil {
			t.Fatal(err)
		}
		if exists != want {
			t.Errorf("table %s exists=%v, want %v", table, exists, want)
		}
	}
}
