package models

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/migrate"

	"orderflow/migrations"
)

// migrationLockKey is the advisory lock that serializes migrators across
// processes; bun/migrate's own lock row fails fast instead of waiting.
const migrationLockKey = 727_001

// MigrationStatus is one migration and whether it has been applied.
type MigrationStatus struct {
	Name    string
	Applied bool
}

func newMigrator(db *bun.DB) *migrate.Migrator {
	return migrate.NewMigrator(db, migrations.Migrations, migrate.WithMarkAppliedOnSuccess(true))
}

// withMigrationLock runs fn while holding both a PostgreSQL advisory lock
// (so concurrent app servers wait for each other) and bun/migrate's lock.
func withMigrationLock(ctx context.Context, db *bun.DB, fn func(m *migrate.Migrator) error) error {
	conn, err := db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("models: migrate: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock(?)", migrationLockKey); err != nil {
		return fmt.Errorf("models: migrate: take lock: %w", err)
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock(?)", migrationLockKey) //nolint:errcheck

	m := newMigrator(db)
	if err := m.Init(ctx); err != nil {
		return fmt.Errorf("models: migrate: init: %w", err)
	}
	if err := m.Lock(ctx); err != nil {
		// We hold the advisory lock, so no one else is migrating: the lock
		// row is left over from a crashed run.
		if err := m.Unlock(ctx); err != nil {
			return fmt.Errorf("models: migrate: clear stale lock: %w", err)
		}
		if err := m.Lock(ctx); err != nil {
			return fmt.Errorf("models: migrate: lock: %w", err)
		}
	}
	defer m.Unlock(context.WithoutCancel(ctx)) //nolint:errcheck
	return fn(m)
}

// Migrate applies every pending migration and returns their names.
func Migrate(ctx context.Context, db *bun.DB) ([]string, error) {
	var applied []string
	err := withMigrationLock(ctx, db, func(m *migrate.Migrator) error {
		group, err := m.Migrate(ctx)
		if err != nil {
			return fmt.Errorf("models: migrate up: %w", err)
		}
		for _, mig := range group.Migrations {
			applied = append(applied, mig.Name)
		}
		return nil
	})
	return applied, err
}

// Rollback reverts the last group of applied migrations and returns their names.
func Rollback(ctx context.Context, db *bun.DB) ([]string, error) {
	var reverted []string
	err := withMigrationLock(ctx, db, func(m *migrate.Migrator) error {
		group, err := m.Rollback(ctx)
		if err != nil {
			return fmt.Errorf("models: migrate down: %w", err)
		}
		for _, mig := range group.Migrations {
			reverted = append(reverted, mig.Name)
		}
		return nil
	})
	return reverted, err
}

// RollbackAll reverts every applied migration, newest first.
func RollbackAll(ctx context.Context, db *bun.DB) error {
	for {
		reverted, err := Rollback(ctx, db)
		if err != nil {
			return err
		}
		if len(reverted) == 0 {
			return nil
		}
	}
}

// Migrations lists every known migration with its state.
func Migrations(ctx context.Context, db *bun.DB) ([]MigrationStatus, error) {
	m := newMigrator(db)
	if err := m.Init(ctx); err != nil {
		return nil, fmt.Errorf("models: migrate: init: %w", err)
	}
	ms, err := m.MigrationsWithStatus(ctx)
	if err != nil && err != sql.ErrNoRows {
		return nil, fmt.Errorf("models: migrate status: %w", err)
	}
	out := make([]MigrationStatus, 0, len(ms))
	for _, mig := range ms {
		out = append(out, MigrationStatus{Name: mig.Name, Applied: mig.IsApplied()})
	}
	return out, nil
}
