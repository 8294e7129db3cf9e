package models

import (
	"context"
	"fmt"
	"strings"

	"github.com/uptrace/bun"
)

// ensureSequence creates the sequence code (prefix, padding) when missing.
func ensureSequence(ctx context.Context, db bun.IDB, code, prefix string, padding int) error {
	_, err := db.NewRaw("INSERT INTO sequences (code, prefix, padding) VALUES (?, ?, ?) ON CONFLICT (code) DO NOTHING", code, prefix, padding).Exec(ctx)
	if err != nil {
		return fmt.Errorf("models: create sequence %s: %w", code, err)
	}
	return nil
}

// NextSequence takes the next number of sequence code: "WH/OUT/00017". The
// sequence row stays locked until the caller's transaction ends, so numbers
// have no gaps (a rollback returns the number). Call it inside a transaction,
// as late as possible, to keep that lock short.
func NextSequence(ctx context.Context, tx bun.IDB, code string) (string, error) {
	var prefix string
	var padding int
	var number int64
	err := tx.NewRaw(`UPDATE sequences SET next_number = next_number + 1 WHERE code = ?
		RETURNING prefix, padding, next_number - 1`, code).Scan(ctx, &prefix, &padding, &number)
	if err != nil {
		return "", fmt.Errorf("models: next number of %s: %w", code, err)
	}
	n := fmt.Sprint(number)
	if len(n) < padding {
		n = strings.Repeat("0", padding-len(n)) + n
	}
	return prefix + n, nil
}
