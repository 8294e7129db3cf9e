package devdb

import (
	"context"
	"errors"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// skipWithoutPostgres skips when PostgreSQL is missing and Ensure could not
// install it either.
func skipWithoutPostgres(t *testing.T) {
	t.Helper()
	if _, err := findBinaries(context.Background(), nil, false); errors.Is(err, errNoBinaries) && !canInstall() {
		t.Skip("PostgreSQL server binaries not found and not installable here (not root on Debian/Ubuntu); set PG_BIN to run this test")
	}
}

func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// mustEnsure calls Ensure and fails the test on error.
func mustEnsure(t *testing.T, o Options) string {
	t.Helper()
	dsn, err := Ensure(testContext(t), o)
	if err != nil {
		t.Fatalf("Ensure: %v", err)
	}
	return dsn
}

// query runs sql through psql with the DSN and returns the trimmed output.
func query(t *testing.T, dsn, sql string) string {
	t.Helper()
	pgCtl := "/nonexistent/pg_ctl"
	if bins, err := findBinaries(context.Background(), nil, false); err == nil {
		pgCtl = bins[0].pgCtl
	}
	psql, err := findPsql(pgCtl)
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(psql, "-X", "-tA", "-d", dsn, "-c", sql).CombinedOutput()
	if err != nil {
		t.Fatalf("psql %q: %v\n%s", sql, err, out)
	}
	return strings.TrimSpace(string(out))
}

func checkDSN(t *testing.T, dsn string) {
	t.Helper()
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatalf("parse DSN %q: %v", dsn, err)
	}
	if u.Scheme != "postgres" || u.User.Username() != "orderflow" || u.Hostname() != "127.0.0.1" ||
		u.Path != "/orderflow" || u.Query().Get("sslmode") != "disable" {
		t.Errorf("DSN %q does not have the expected shape", dsn)
	}
	if got, want := query(t, dsn, "SELECT 1"), "1"; got != want {
		t.Fatalf("SELECT 1 = %q, want %q", got, want)
	}
}

func TestEnsureTestCluster(t *testing.T) {
	skipWithoutPostgres(t)
	// Under /tmp with 0700 parents: as root the postgres user cannot reach
	// it, which exercises the /var/lib/orderflow fallback.
	dir := t.TempDir()
	o := Options{Dir: dir, Test: true, Logf: t.Logf}
	t.Cleanup(func() {
		if err := Stop(context.Background(), o); err != nil {
			t.Errorf("Stop: %v", err)
		}
		if os.Geteuid() == 0 {
			os.RemoveAll(fallbackDir(dir))
		}
	})

	dsn := mustEnsure(t, o)
	checkDSN(t, dsn)
	for setting, want := range map[string]string{
		"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off",
		"max_connections": "300", "listen_addresses": "127.0.0.1", "server_encoding": "UTF8",
	} {
		if got := query(t, dsn, "SHOW "+setting); got != want {
			t.Errorf("%s = %q, want %q", setting, got, want)
		}
	}
	if os.Geteuid() == 0 {
		target, err := os.Readlink(filepath.Join(dir, "pg-test"))
		if err != nil || !strings.HasPrefix(target, fallbackRoot+"/") {
			t.Errorf("want %s/pg-test to link into %s, got %q, %v", dir, fallbackRoot, target, err)
		}
	}

	if got := mustEnsure(t, o); got != dsn {
		t.Errorf("second Ensure = %q, want the same DSN %q", got, dsn)
	}

	if err := Stop(testContext(t), o); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if _, err := net.DialTimeout("tcp", dsnHost(t, dsn), time.Second); err == nil {
		t.Errorf("cluster still accepts connections after Stop")
	}
	if err := Stop(testContext(t), o); err != nil {
		t.Errorf("Stop of a stopped cluster: %v", err)
	}
}

// TestEnsureProjectDir uses a world-traversable dir inside the repository,
// like <repo>/.data, where the cluster must live in place.
func TestEnsureProjectDir(t *testing.T) {
	skipWithoutPostgres(t)
	// A directory every user can traverse (t.TempDir and a CI clone may not
	// be), so that the cluster lives in it rather than in the fallback.
	dir, err := os.MkdirTemp("", "orderflow-devdbtest-")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	o := Options{Dir: dir, Test: true, Logf: t.Logf}
	t.Cleanup(func() {
		if err := Stop(context.Background(), o); err != nil {
			t.Errorf("Stop: %v", err)
		}
		os.RemoveAll(dir)
	})

	// Several test binaries start at once: all must get the same cluster.
	const callers = 4
	dsns := make([]string, callers)
	errs := make([]error, callers)
	var wg sync.WaitGroup
	for i := range callers {
		wg.Go(func() { dsns[i], errs[i] = Ensure(testContext(t), o) })
	}
	wg.Wait()
	for i := range callers {
		if errs[i] != nil {
			t.Fatalf("concurrent Ensure %d: %v", i, errs[i])
		}
		if dsns[i] != dsns[0] {
			t.Errorf("concurrent Ensure %d = %q, want %q", i, dsns[i], dsns[0])
		}
	}
	dsn := dsns[0]
	checkDSN(t, dsn)

	fi, err := os.Lstat(filepath.Join(dir, "pg-test"))
	if err != nil || !fi.IsDir() {
		t.Fatalf("want the cluster in %s/pg-test, got %v, %v", dir, fi, err)
	}
	if fi, err := os.Stat(filepath.Join(dir, "pg-test.password")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("password file: %v, %v; want mode 0600", fi, err)
	}

	// A stopped cluster whose port was taken moves to a free one.
	if err := Stop(testContext(t), o); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	l, err := net.Listen("tcp", dsnHost(t, dsn))
	if err != nil {
		t.Fatalf("take the cluster's port: %v", err)
	}
	defer l.Close()
	moved := mustEnsure(t, o)
	if moved == dsn {
		t.Fatalf("Ensure reused taken port: %q", moved)
	}
	checkDSN(t, moved)
}

func dsnHost(t *testing.T, dsn string) string {
	t.Helper()
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	return u.Host
}

func TestStopWithoutCluster(t *testing.T) {
	if err := Stop(context.Background(), Options{Dir: filepath.Join(t.TempDir(), "missing")}); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if err := Stop(context.Background(), Options{Dir: t.TempDir()}); err != nil {
		t.Fatalf("Stop: %v", err)
	}
}
