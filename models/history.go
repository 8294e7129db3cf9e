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
	e := historyEntry(resModel, resID, actorID, body)
	if _, err := execPrepared(ctx, db, "INSERT INTO history_entries (res_model, res_id, user_id, body) VALUES ($1, $2, $3, $4)",
		e.ResModel, e.ResID, e.UserID, e.Body); err != nil {
		return fmt.Errorf("models: record history of %s %d: %w", resModel, resID, err)
	}
	return nil
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
func RecordHistories(ctx context.Context, db bun.IDB, entries []HistoryEntry) error {
	if len(entries) == 0 {
		return nil
	}
	if _, err := db.NewInsert().Model(&entries).Exec(ctx); err != nil {
		return fmt.Errorf("models: record history of %s %d: %w", entries[0].ResModel, entries[0].ResID, err)
	}
	return nil
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
