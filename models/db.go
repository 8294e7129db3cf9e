// Package models holds Orderflow's data types and the domain operations on
// them. Every operation that changes several rows owns its transaction.
package models

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
)

// Open connects to PostgreSQL through a pgx pool of at most maxConns
// connections and returns a Bun handle over it. Close the returned DB.
func Open(ctx context.Context, dsn string, maxConns int32) (*bun.DB, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("models: parse database url: %w", err)
	}
	if maxConns > 0 {
		cfg.MaxConns = maxConns
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("models: open pool: %w", err)
	}
	sqldb := stdlib.OpenDBFromPool(pool)
	// database/sql keeps its own idle connections on top of the pool; let the
	// pool be the only limit.
	sqldb.SetMaxOpenConns(int(cfg.MaxConns))
	sqldb.SetMaxIdleConns(int(cfg.MaxConns))
	db := bun.NewDB(sqldb, pgdialect.New())
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		pool.Close()
		return nil, fmt.Errorf("models: ping database: %w", err)
	}
	return db, nil
}

// Ping reports whether the database answers.
func Ping(ctx context.Context, db *bun.DB) error {
	var one int
	if err := db.NewSelect().ColumnExpr("1").Scan(ctx, &one); err != nil {
		return fmt.Errorf("models: ping: %w", err)
	}
	return nil
}

// notFound turns sql.ErrNoRows into an ENOTFOUND error naming what was missing.
func notFound(err error, what string) error {
	if err == sql.ErrNoRows {
		return Errorf(ENOTFOUND, "%s was not found.", what)
	}
	return err
}
