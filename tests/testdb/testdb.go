// Package testdb gives each test its own freshly migrated PostgreSQL
// database, cloned from a template that is migrated once per schema version.
// It uses TEST_DATABASE_URL when set, else the project-local test cluster.
package testdb

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/uptrace/bun"

	"orderflow/cmd/orderflow/devdb"
	"orderflow/migrations"
	"orderflow/models"
)

var (
	setupOnce sync.Once
	serverURL string
	template  string
	setupErr  error
)

// URL returns the URL of the test PostgreSQL server (its maintenance database).
func URL(tb testing.TB) string {
	tb.Helper()
	setupOnce.Do(setup)
	if setupErr != nil {
		tb.Fatalf("testdb: %v", setupErr)
	}
	return serverURL
}

// New creates an empty database with every migration applied, for this test
// only; it is dropped when the test ends.
func New(tb testing.TB) *bun.DB {
	tb.Helper()
	dsn := NewURL(tb)
	db, err := models.Open(context.Background(), dsn, 20)
	if err != nil {
		tb.Fatalf("testdb: open: %v", err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

// NewSeeded is New with the demo data already loaded (see NewSeededURL).
func NewSeeded(tb testing.TB) *bun.DB {
	tb.Helper()
	db, err := models.Open(context.Background(), NewSeededURL(tb), 20)
	if err != nil {
		tb.Fatalf("testdb: open: %v", err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

// NewURL is New, returning the new database's URL instead of a handle.
func NewURL(tb testing.TB) string {
	tb.Helper()
	URL(tb)
	return create(tb, template)
}

// NewSeededURL is NewURL for a database that also holds the demo data
// (company, demo users, catalog, stock), cloned from a template seeded once
// per test binary — far faster than seeding in every test.
func NewSeededURL(tb testing.TB) string {
	tb.Helper()
	URL(tb)
	seededOnce.Do(func() { seededErr = ensureSeededTemplate() })
	if seededErr != nil {
		tb.Fatalf("testdb: seeded template: %v", seededErr)
	}
	return create(tb, seededTemplate)
}

var (
	seededOnce     sync.Once
	seededTemplate string
	seededErr      error
)

// ensureSeededTemplate clones the migrated template and seeds it. Its name
// carries a hash of the test binary, so a change to the seed code makes a
// new one.
func ensureSeededTemplate() error {
	ctx := context.Background()
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	b, err := os.ReadFile(exe)
	if err != nil {
		return err
	}
	sum := sha256.Sum256(b)
	seededTemplate = template + "_s" + hex.EncodeToString(sum[:])[:8]
	conn, err := pgx.Connect(ctx, serverURL)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock(727002)"); err != nil {
		return err
	}
	defer conn.Exec(ctx, "SELECT pg_advisory_unlock(727002)") //nolint:errcheck
	var exists bool
	if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", seededTemplate).Scan(&exists); err != nil || exists {
		return err
	}
	building := seededTemplate + "_build"
	if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+building+" WITH (FORCE)"); err != nil {
		return err
	}
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+building+" TEMPLATE "+template+strategy); err != nil {
		return err
	}
	db, err := models.Open(ctx, withDatabase(serverURL, building), 4)
	if err != nil {
		return err
	}
	err = models.Seed(ctx, db, models.SeedOptions{CompanyName: "Test Shop", CurrencyCode: "EUR", DemoUsers: true})
	db.Close()
	if err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	_, err = conn.Exec(ctx, "ALTER DATABASE "+building+" RENAME TO "+seededTemplate)
	return err
}

// NewEmpty creates a database without any migration (for migration tests).
func NewEmpty(tb testing.TB) string {
	tb.Helper()
	URL(tb)
	return create(tb, "template0")
}

func create(tb testing.TB, from string) string {
	tb.Helper()
	ctx := context.Background()
	name := "of_t_" + randomHex(6)
	err := adminExec(ctx, fmt.Sprintf("CREATE DATABASE %s TEMPLATE %s%s", name, from, strategy))
	if err != nil {
		tb.Fatalf("testdb: create database: %v", err)
	}
	tb.Cleanup(func() {
		if err := adminExec(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			tb.Logf("testdb: drop %s: %v", name, err)
		}
	})
	return withDatabase(serverURL, name)
}

// strategy makes CREATE DATABASE copy files (fast with fsync off) on
// PostgreSQL 15+, instead of WAL-logging every block.
var strategy string

func setup() {
	ctx := context.Background()
	serverURL = os.Getenv("TEST_DATABASE_URL")
	if serverURL == "" {
		serverURL, setupErr = devdb.Ensure(ctx, devdb.Options{Dir: projectDataDir(), Test: true})
		if setupErr != nil {
			return
		}
	}
	conn, err := pgx.Connect(ctx, serverURL)
	if err != nil {
		setupErr = fmt.Errorf("connect to %s: %w", redact(serverURL), err)
		return
	}
	defer conn.Close(ctx)
	var version int
	if err := conn.QueryRow(ctx, "SELECT current_setting('server_version_num')::int").Scan(&version); err != nil {
		setupErr = err
		return
	}
	if version >= 150000 {
		strategy = " STRATEGY FILE_COPY"
	}
	template = "of_tpl_" + schemaHash()
	setupErr = ensureTemplate(ctx, conn)
}

// ensureTemplate creates the migrated template database unless another test
// process already did; an advisory lock keeps parallel packages in line.
func ensureTemplate(ctx context.Context, conn *pgx.Conn) error {
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock(727002)"); err != nil {
		return err
	}
	defer conn.Exec(ctx, "SELECT pg_advisory_unlock(727002)") //nolint:errcheck
	var exists bool
	if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", template).Scan(&exists); err != nil {
		return err
	}
	if exists {
		return nil
	}
	building := template + "_build"
	if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+building+" WITH (FORCE)"); err != nil {
		return err
	}
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+building+" TEMPLATE template0"); err != nil {
		return err
	}
	db, err := models.Open(ctx, withDatabase(serverURL, building), 4)
	if err != nil {
		return err
	}
	_, err = models.Migrate(ctx, db)
	db.Close()
	if err != nil {
		return fmt.Errorf("migrate template: %w", err)
	}
	if _, err := conn.Exec(ctx, "ALTER DATABASE "+building+" RENAME TO "+template); err != nil {
		return err
	}
	// Templates of older schemas are no longer needed; the newest few are
	// kept, as another checkout's test run may be using one right now.
	rows, err := conn.Query(ctx, `SELECT datname FROM pg_database WHERE datname LIKE 'of\_tpl\_%' AND datname <> $1
		ORDER BY oid DESC OFFSET 16`, template)
	if err != nil {
		return err
	}
	old, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return err
	}
	for _, name := range old {
		_, _ = conn.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
	}
	return nil
}

func adminExec(ctx context.Context, sql string) error {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, serverURL)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, sql)
	return err
}

// schemaHash changes whenever a migration file does.
func schemaHash() string {
	h := sha256.New()
	err := fs.WalkDir(migrations.FS, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := migrations.FS.ReadFile(path)
		if err != nil {
			return err
		}
		fmt.Fprintf(h, "%s\x00%d\x00", path, len(b))
		h.Write(b)
		return nil
	})
	if err != nil {
		panic(err)
	}
	return hex.EncodeToString(h.Sum(nil))[:12]
}

func withDatabase(dsn, name string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		panic(err)
	}
	u.Path = "/" + name
	return u.String()
}

func redact(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Redacted()
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// projectDataDir is the repository's .data directory, found from this file.
func projectDataDir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", ".data")
}
