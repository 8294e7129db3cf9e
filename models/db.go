// Package models holds Orderflow's data types and the domain operations on
// them. Every operation that changes several rows owns its transaction.
package models

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"

	"github.com/jackc/pgx/v5"
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
	// Bun writes the arguments into the SQL text itself, so every statement
	// is new to pgx: preparing and caching them would cost a round trip (and
	// a deallocation) per query for nothing. The simple protocol sends each
	// query in one message.
	cfg.ConnConfig.DefaultQueryExecMode = pgx.QueryExecModeSimpleProtocol
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("models: open pool: %w", err)
	}
	// The pool keeps the idle connections; database/sql hands each one back
	// after use (no idle connections of its own), and closing it closes the pool.
	sqldb := sql.OpenDB(poolConnector{stdlib.GetPoolConnector(pool), pool})
	sqldb.SetMaxIdleConns(0)
	sqldb.SetMaxOpenConns(int(cfg.MaxConns))
	db := bun.NewDB(sqldb, pgdialect.New())
	RegisterModels(db)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("models: ping database: %w", err)
	}
	return db, nil
}

// poolConnector closes the pgx pool when the sql.DB over it is closed.
type poolConnector struct {
	driver.Connector
	pool *pgxpool.Pool
}

func (c poolConnector) Close() error {
	c.pool.Close()
	return nil
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
