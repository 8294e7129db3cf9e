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
	"github.com/uptrace/bun/schema"
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

var updateStatements sync.Map // "type/columns/set" -> string

// updatePrepared writes columns of model (a pointer to a struct with a
// single primary key), with extra SET expressions set (e.g. "updated_at =
// now()"), as one prepared statement: what Bun's
// NewUpdate().Model(m).Column(...).Set(set).WherePK() does, without parsing
// and planning the statement anew on each call. returning, when set, names
// a column scanned back into dest.
func updatePrepared(ctx context.Context, db bun.IDB, model any, set string, columns []string, returning string, dest ...any) error {
	v := reflect.ValueOf(model).Elem()
	_, bdb := underlying(db)
	t := bdb.Table(v.Type())
	if len(t.PKs) != 1 {
		return fmt.Errorf("models: update %s: one primary key needed", t.Name)
	}
	key := t.TypeName + "/" + strings.Join(columns, ",") + "/" + set + "/" + returning
	args := make([]any, 0, len(columns)+1)
	for _, c := range columns {
		f, ok := t.FieldMap[c]
		if !ok {
			return fmt.Errorf("models: update %s: no column %s", t.Name, c)
		}
		args = append(args, fieldArg(f, v))
	}
	args = append(args, t.PKs[0].Value(v).Interface())
	q, ok := updateStatements.Load(key)
	if !ok {
		var b strings.Builder
		fmt.Fprintf(&b, "UPDATE %s SET ", t.SQLName)
		for i, c := range columns {
			if i > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "%s = $%d", t.FieldMap[c].SQLName, i+1)
		}
		if set != "" {
			if len(columns) > 0 {
				b.WriteString(", ")
			}
			b.WriteString(set)
		}
		fmt.Fprintf(&b, " WHERE %s = $%d", t.PKs[0].SQLName, len(columns)+1)
		if returning != "" {
			b.WriteString(" RETURNING " + returning)
		}
		q, _ = updateStatements.LoadOrStore(key, b.String())
	}
	if returning != "" {
		return queryPreparedOne(ctx, db, q.(string), args, dest...)
	}
	_, err := execPrepared(ctx, db, q.(string), args...)
	return err
}

// fieldArg is the value of field f of struct v as a statement argument:
// NULL for a zero value of a nullzero field, as Bun writes it.
func fieldArg(f *schema.Field, v reflect.Value) any {
	fv := f.Value(v)
	if f.NullZero && f.HasZeroValue(v) {
		return nil
	}
	if fv.Kind() == reflect.Pointer && fv.IsNil() {
		return nil
	}
	return fv.Interface()
}

// insertPrepared inserts model (a pointer to a struct, or to a slice of
// structs or of struct pointers) as one prepared statement, the way Bun's
// NewInsert().Model(m) does: a nil pointer, and a zero primary key or zero
// field with a SQL default or nullzero, are left to the database (DEFAULT)
// and read back.
func insertPrepared(ctx context.Context, db bun.IDB, model any) error {
	v := reflect.ValueOf(model).Elem()
	var rows []reflect.Value
	if v.Kind() == reflect.Slice {
		for i := range v.Len() {
			rows = append(rows, reflect.Indirect(v.Index(i)))
		}
	} else {
		rows = []reflect.Value{v}
	}
	if len(rows) == 0 {
		return nil
	}
	_, bdb := underlying(db)
	t := bdb.Table(rows[0].Type())
	defaulted := func(f *schema.Field, row reflect.Value) bool {
		return f.IsPtr && f.HasNilValue(row) || f.HasZeroValue(row) && (f.NullZero || f.SQLDefault != "" || f.AutoIncrement || f.Identity)
	}
	var returning []*schema.Field
	for _, f := range t.Fields {
		for _, row := range rows {
			if defaulted(f, row) {
				returning = append(returning, f)
				break
			}
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "INSERT INTO %s (", t.SQLName)
	for i, f := range t.Fields {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(string(f.SQLName))
	}
	b.WriteString(") VALUES ")
	var args []any
	for r, row := range rows {
		if r > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('(')
		for i, f := range t.Fields {
			if i > 0 {
				b.WriteString(", ")
			}
			if defaulted(f, row) {
				b.WriteString("DEFAULT")
				continue
			}
			args = append(args, fieldArg(f, row))
			fmt.Fprintf(&b, "$%d", len(args))
		}
		b.WriteByte(')')
	}
	if len(returning) == 0 {
		_, err := execPrepared(ctx, db, b.String(), args...)
		return err
	}
	b.WriteString(" RETURNING ")
	for i, f := range returning {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(string(f.SQLName))
	}
	q, _ := underlying(db)
	query := b.String()
	res, err := q.QueryContext(ctx, query, preparedArgs(args)...)
	if err == nil {
		err = scanReturning(res, rows, returning)
	}
	tellHooks(ctx, bdb, query, args, err)
	return err
}

// scanReturning scans the rows an INSERT returned, in the order of its
// VALUES, into the fields of rows.
func scanReturning(res *sql.Rows, rows []reflect.Value, fields []*schema.Field) error {
	defer res.Close()
	vals := make([]any, len(fields))
	ptrs := make([]any, len(fields))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for _, row := range rows {
		if !res.Next() {
			if err := res.Err(); err != nil {
				return err
			}
			return fmt.Errorf("models: insert returned fewer rows than inserted")
		}
		if err := res.Scan(ptrs...); err != nil {
			return err
		}
		for i, f := range fields {
			if err := f.ScanValue(row, vals[i]); err != nil {
				return fmt.Errorf("models: insert: scan %s: %w", f.Name, err)
			}
		}
	}
	return res.Close()
}
