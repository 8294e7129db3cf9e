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
	// The hot statements that are prepared (models/prepared.go) look rows
	// up by key: one generic plan serves every call, so none is planned
	// again (by default PostgreSQL plans the first five calls afresh, and
	// keeps doing so when its estimates favour it).
	if cfg.ConnConfig.RuntimeParams == nil {
		cfg.ConnConfig.RuntimeParams = map[string]string{}
	}
	cfg.ConnConfig.RuntimeParams["plan_cache_mode"] = "force_generic_plan"
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

// poolConnector closes the pgx pool when the sql.DB over it is closed, and
// hands out connections that prepare the statements sent with arguments.
type poolConnector struct {
	driver.Connector
	pool *pgxpool.Pool
}

func (c poolConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	if sc, ok := conn.(*stdlib.Conn); ok {
		return preparingConn{sc}, nil
	}
	return conn, nil
}

// preparingConn sends the statements that come with arguments ($1, $2...:
// the session store, models/prepared.go) as cached prepared statements,
// parsed and planned once per connection. Bun's statements come without
// (it writes the values into the text), each text new: they keep the
// simple protocol.
type preparingConn struct{ *stdlib.Conn }

func (c preparingConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	return c.Conn.QueryContext(ctx, query, withPrepare(args))
}

func (c preparingConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	return c.Conn.ExecContext(ctx, query, withPrepare(args))
}

func withPrepare(args []driver.NamedValue) []driver.NamedValue {
	if len(args) == 0 {
		return args
	}
	if _, ok := args[0].Value.(pgx.QueryExecMode); ok {
		return args
	}
	out := make([]driver.NamedValue, 0, len(args)+1)
	out = append(out, driver.NamedValue{Ordinal: 1, Value: pgx.QueryExecModeCacheStatement})
	for _, a := range args {
		a.Ordinal++
		out = append(out, a)
	}
	return out
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
