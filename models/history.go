package models

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/uptrace/bun"
)

// HistoryEntry is one line of a document's history: who did what, when.
type HistoryEntry struct {
	bun.BaseModel `bun:"table:history_entries,alias:h"`

	ID        int64     `bun:"id,pk,autoincrement"`
	ResModel  string    `bun:"res_model,notnull"`
	ResID     int64     `bun:"res_id,notnull"`
	UserID    *int64    `bun:"user_id"`
	Body      string    `bun:"body,notnull"`
	CreatedAt time.Time `bun:"created_at,notnull,default:current_timestamp"`

	UserName string `bun:"user_name,scanonly"`
}

// RecordHistory adds a line to the history of the document (resModel, resID);
// actorID 0 means the system did it.
func RecordHistory(ctx context.Context, db bun.IDB, resModel string, resID, actorID int64, body string) error {
	return RecordHistories(ctx, db, []HistoryEntry{historyEntry(resModel, resID, actorID, body)})
}

// historyEntry is a line for RecordHistories; actorID 0 means the system.
func historyEntry(resModel string, resID, actorID int64, body string) HistoryEntry {
	e := HistoryEntry{ResModel: resModel, ResID: resID, Body: body}
	if actorID != 0 {
		e.UserID = &actorID
	}
	return e
}

// RecordHistories adds several history lines in one statement, in order:
// an operation that changes several documents records them all at once.
// Inside a transaction that collects its history (collectHistory), the
// lines wait to be written with the others when it ends.
func RecordHistories(ctx context.Context, db bun.IDB, entries []HistoryEntry) error {
	if len(entries) == 0 {
		return nil
	}
	if b, _ := ctx.Value(historyBufferKey{}).(*historyBuffer); b != nil && b.open {
		b.entries = append(b.entries, entries...)
		return nil
	}
	models, ids, users, bodies := make([]string, len(entries)), make([]int64, len(entries)), make([]*int64, len(entries)), make([]string, len(entries))
	for i, e := range entries {
		models[i], ids[i], users[i], bodies[i] = e.ResModel, e.ResID, e.UserID, e.Body
	}
	if _, err := execPrepared(ctx, db, `INSERT INTO history_entries (res_model, res_id, user_id, body)
		SELECT m, r, u, b FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::text[]) WITH ORDINALITY AS e(m, r, u, b, n) ORDER BY n`,
		models, ids, users, bodies); err != nil {
		return fmt.Errorf("models: record history of %s %d: %w", entries[0].ResModel, entries[0].ResID, err)
	}
	return nil
}

// historyBuffer holds the history lines of a transaction until it ends.
type historyBuffer struct {
	entries []HistoryEntry
	open    bool
}

type historyBufferKey struct{}

// collectHistory makes RecordHistory calls under the returned context wait
// in a buffer while it is open; flush writes them in one statement.
func collectHistory(ctx context.Context) (context.Context, *historyBuffer) {
	b := new(historyBuffer)
	return context.WithValue(ctx, historyBufferKey{}, b), b
}

// start empties the buffer and opens it (at each attempt of a transaction).
func (b *historyBuffer) start() { b.entries, b.open = nil, true }

// flush closes the buffer and writes its lines with tx.
func (b *historyBuffer) flush(ctx context.Context, tx bun.IDB) error {
	b.open = false
	return RecordHistories(ctx, tx, b.entries)
}

// History returns the history of a document, newest first.
func History(ctx context.Context, db bun.IDB, resModel string, resID int64) ([]HistoryEntry, error) {
	var out []HistoryEntry
	err := db.NewSelect().Model(&out).
		ColumnExpr("h.*").
		ColumnExpr("coalesce(u.name, 'System') AS user_name").
		Join("LEFT JOIN users AS u ON u.id = h.user_id").
		Where("h.res_model = ? AND h.res_id = ?", resModel, resID).
		OrderExpr("h.created_at DESC, h.id DESC").
		Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("models: history of %s %d: %w", resModel, resID, err)
	}
	return out, nil
}

// isUniqueViolation reports whether err is PostgreSQL's unique_violation.
func isUniqueViolation(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "23505"
}
