package models

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/uptrace/bun"
)

// The statements a web order runs most often go to PostgreSQL as
// server-side prepared statements: each connection parses and plans them
// once (pgx keeps them by SQL text) instead of on every call. Bun writes
// the arguments into the SQL text, so its own statements are new text each
// time and are parsed and planned afresh; on the order path planning cost
// more than executing (measured with pg_stat_statements.track_planning, see
// docs/PERFORMANCE.md).
//
// These statements use $1, $2... placeholders with the values as arguments
// (slices go as PostgreSQL arrays). Bun does not see them: the hooks added
// with AddQueryHook are told about them instead.

// sqlQuerier is what *sql.DB, *sql.Tx and *sql.Conn have in common.
type sqlQuerier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// underlying returns the database/sql handle under a Bun handle, and the
// Bun database that scans rows into models.
func underlying(db bun.IDB) (sqlQuerier, *bun.DB) {
	switch d := db.(type) {
	case *bun.DB:
		return d.DB, d
	case bun.Tx:
		return d.Tx, d.NewSelect().DB()
	case *bun.Tx:
		return d.Tx, d.NewSelect().DB()
	case bun.Conn:
		return d.Conn, d.NewSelect().DB()
	}
	panic(fmt.Sprintf("models: no database/sql handle under %T", db))
}

func preparedArgs(args []any) []any {
	return append([]any{pgx.QueryExecModeCacheStatement}, args...)
}

var preparedHooks sync.Map // *bun.DB -> []bun.QueryHook

// AddQueryHook adds hook to db's Bun query hooks and tells it about the
// prepared statements too.
func AddQueryHook(db *bun.DB, hook bun.QueryHook) {
	db.AddQueryHook(hook)
	for {
		old, _ := preparedHooks.Load(db)
		hooks, _ := old.([]bun.QueryHook)
		next := append(hooks[:len(hooks):len(hooks)], hook)
		if old == nil {
			if _, loaded := preparedHooks.LoadOrStore(db, next); !loaded {
				return
			}
		} else if preparedHooks.CompareAndSwap(db, old, next) {
			return
		}
	}
}

// tellHooks reports a prepared statement to db's hooks once it has run.
func tellHooks(ctx context.Context, db *bun.DB, query string, args []any, err error) {
	hooks, ok := preparedHooks.Load(db)
	if !ok {
		return
	}
	ev := &bun.QueryEvent{DB: db, Query: query, QueryArgs: args, StartTime: time.Now(), Err: err}
	for _, h := range hooks.([]bun.QueryHook) {
		h.AfterQuery(h.BeforeQuery(ctx, ev), ev)
	}
}

// queryPrepared scans all rows of query into dest (a slice of models, or
// pointers to scalars), like Bun's Scan.
func queryPrepared(ctx context.Context, db bun.IDB, query string, args []any, dest ...any) error {
	q, bdb := underlying(db)
	rows, err := q.QueryContext(ctx, query, preparedArgs(args)...)
	if err == nil {
		err = bdb.ScanRows(ctx, rows, dest...)
	}
	tellHooks(ctx, bdb, query, args, err)
	return err
}

// queryPreparedOne scans the first row of query into dest (a model, or
// pointers to scalars); sql.ErrNoRows when there is none.
func queryPreparedOne(ctx context.Context, db bun.IDB, query string, args []any, dest ...any) (err error) {
	q, bdb := underlying(db)
	defer func() { tellHooks(ctx, bdb, query, args, err) }()
	rows, err := q.QueryContext(ctx, query, preparedArgs(args)...)
	if err != nil {
		return err
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return err
		}
		return sql.ErrNoRows
	}
	if err := bdb.ScanRow(ctx, rows, dest...); err != nil {
		return err
	}
	return rows.Close()
}

// execPrepared runs a statement that returns no rows.
func execPrepared(ctx context.Context, db bun.IDB, query string, args ...any) (sql.Result, error) {
	q, bdb := underlying(db)
	res, err := q.ExecContext(ctx, query, preparedArgs(args)...)
	tellHooks(ctx, bdb, query, args, err)
	return res, err
}

var columnLists sync.Map // reflect.Type -> string

// columnsOf is the column list of model type T for a SELECT ("id", "name",
// ...), prefixed with alias when set; the same text every time, so that the
// statement is prepared once.
func columnsOf[T any](db bun.IDB, alias string) string {
	typ := reflect.TypeFor[T]()
	key := typ.String() + "/" + alias
	if s, ok := columnLists.Load(key); ok {
		return s.(string)
	}
	_, bdb := underlying(db)
	var cols []string
	for _, f := range bdb.Table(typ).Fields {
		c := string(f.SQLName)
		if alias != "" {
			c = alias + "." + c
		}
		cols = append(cols, c)
	}
	s := strings.Join(cols, ", ")
	columnLists.Store(key, s)
	return s
}

// decodeRows decodes rows that PostgreSQL aggregated as a JSON array of
// arrays (json_agg(json_build_array(columns...)), the columns in
// columnsOf[T] order) into models, so that a parent and its children come
// in one round trip. Each value is decoded by its field's type (numbers
// into decimals exactly, timestamps, arrays, NULL into nil pointers).
func decodeRows[T any](db bun.IDB, data []byte) ([]*T, error) {
	var rows [][]json.RawMessage
	if err := json.Unmarshal(data, &rows); err != nil {
		return nil, err
	}
	_, bdb := underlying(db)
	fields := bdb.Table(reflect.TypeFor[T]()).Fields
	out := make([]*T, len(rows))
	for i, r := range rows {
		if len(r) != len(fields) {
			return nil, fmt.Errorf("row %d has %d values for %d columns", i, len(r), len(fields))
		}
		m := new(T)
		v := reflect.ValueOf(m).Elem()
		for j, f := range fields {
			if string(r[j]) == "null" {
				continue
			}
			if err := json.Unmarshal(r[j], f.Value(v).Addr().Interface()); err != nil {
				return nil, fmt.Errorf("column %s: %w", f.Name, err)
			}
		}
		out[i] = m
	}
	return out, nil
}
