package models

import (
	"context"
	"database/sql"
	"errors"
	"math/rand/v2"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
)

// runStockTx runs fn in a transaction and runs it again (up to 5 times) when
// PostgreSQL aborts it for a deadlock or a serialization failure: stock
// operations lock quants, and two of them may meet in opposite orders.
func runStockTx(ctx context.Context, db *bun.DB, fn func(ctx context.Context, tx bun.Tx) error) error {
	for attempt := 1; ; attempt++ {
		err := db.RunInTx(ctx, nil, fn)
		if err == nil || attempt == 5 || !isRetryable(err) {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Duration(rand.IntN(20*attempt)+1) * time.Millisecond):
		}
	}
}

func isRetryable(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && (pgErr.Code == "40P01" || pgErr.Code == "40001")
}

// isCheckViolation reports whether err is the violation of the named CHECK.
func isCheckViolation(err error, constraint string) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "23514" && pgErr.ConstraintName == constraint
}

func isNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }

func pgArray(ids []int64) any { return pgdialect.Array(ids) }
