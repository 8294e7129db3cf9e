package models

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"regexp"
	"strings"

	"github.com/uptrace/bun"
)

// Document numbers come from the sequences table, in two kinds (see the
// migration fast_sequences):
//   - fast sequences (transfers) draw from a PostgreSQL sequence: taking a
//     number never waits for another transaction, and a rollback leaves a
//     gap, as Odoo's stock sequences do;
//   - gapless sequences (a row without pg_sequence, for invoices) lock their
//     row until the taking transaction ends, so numbers have no gaps but are
//     taken one transaction at a time.
//
// The SQL function next_sequence_name(code) takes a number of either kind,
// so that an INSERT can name its document: VALUES (next_sequence_name(?), ...).

// ensureSequence creates the fast sequence code (prefix, padding) when
// missing; its numbers may have gaps.
func ensureSequence(ctx context.Context, db bun.IDB, code, prefix string, padding int) error {
	var seq []string
	err := db.NewRaw(`INSERT INTO sequences (code, prefix, padding, gapless, pg_sequence) VALUES (?, ?, ?, false, ?)
		ON CONFLICT (code) DO NOTHING RETURNING pg_sequence`, code, prefix, padding, pgSequenceName(code)).Scan(ctx, &seq)
	if err == nil && len(seq) == 1 {
		_, err = db.NewRaw("CREATE SEQUENCE ? OWNED BY sequences.pg_sequence", bun.Ident(seq[0])).Exec(ctx)
	}
	if err != nil {
		return fmt.Errorf("models: create sequence %s: %w", code, err)
	}
	return nil
}

var notSequenceChars = regexp.MustCompile(`[^a-z0-9]+`)

// pgSequenceName is the PostgreSQL sequence of a fast sequence code:
// "picking.WH.OUT" -> "seq_picking_wh_out_1f0e3d", as the migration names them.
func pgSequenceName(code string) string {
	name := "seq_" + notSequenceChars.ReplaceAllString(strings.ToLower(code), "_")
	if len(name) > 50 {
		name = name[:50]
	}
	sum := md5.Sum([]byte(code))
	return name + "_" + hex.EncodeToString(sum[:])[:6]
}

// NextSequence takes the next number of sequence code: "WH/OUT/00017". A
// gapless sequence stays locked until the caller's transaction ends (call
// it inside one, as late as possible); a fast one is never locked.
func NextSequence(ctx context.Context, tx bun.IDB, code string) (string, error) {
	var name string
	if err := tx.NewRaw("SELECT next_sequence_name(?)", code).Scan(ctx, &name); err != nil {
		return "", fmt.Errorf("models: next number of %s: %w", code, err)
	}
	return name, nil
}
