// Package devdb runs a project-local PostgreSQL cluster for development and
// tests, so that `make run` and `make test` need nothing installed by hand.
//
// The dev cluster lives in <Dir>/pg and the throwaway test cluster in
// <Dir>/pg-test. Beside each cluster directory sit its superuser password
// (pg.password), its server log (pg.log) and, in Dir, the lock file that
// serializes concurrent callers (pg.lock). A cluster listens on 127.0.0.1 only,
// on a port picked when it is created, and has no Unix socket.
//
// PostgreSQL refuses to run as root, so when the process is root the server
// runs as the postgres system user. If that user cannot reach Dir (a checkout
// in a private temporary directory, say), the cluster lives in
// /var/lib/orderflow/<hash of Dir>/ instead and <Dir>/pg is a symlink to it.
package devdb

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

const (
	superuser = "orderflow" // the cluster's superuser
	database  = "orderflow" // the database Ensure creates
)

// Options selects which cluster.
type Options struct {
	// Dir is the project data directory, e.g. "<repo>/.data". It is created if missing.
	Dir string
	// Test selects the throwaway test cluster in Dir/pg-test: fsync,
	// synchronous_commit and full_page_writes off, max_connections=300.
	// Otherwise the dev cluster in Dir/pg keeps durable defaults and
	// max_connections=100.
	Test bool
	// Logf receives progress lines; it may be nil.
	Logf func(format string, args ...any)
}

// Ensure starts the selected cluster, or reuses it when it is already running,
// creating it first when it does not exist, and makes sure it has a database
// named "orderflow". It returns that database's DSN:
//
//	postgres://orderflow:PASSWORD@127.0.0.1:PORT/orderflow?sslmode=disable
//
// When no PostgreSQL server binaries are found and the process is root on
// Debian or Ubuntu, Ensure installs the postgresql package with apt-get.
// Concurrent calls, from this process or others, are serialized.
func Ensure(ctx context.Context, o Options) (dsn string, err error) {
	c, err := newCluster(o)
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(c.dir, 0o755); err != nil {
		return "", fmt.Errorf("devdb: create data dir: %w", err)
	}
	unlock, err := lockFile(ctx, c.lockPath(), c.logf)
	if err != nil {
		return "", err
	}
	defer unlock()

	bins, err := findBinaries(ctx, o.Logf, true)
	if err != nil {
		return "", err
	}
	if os.Geteuid() == 0 {
		if c.owner, err = postgresUser(ctx, c.logf, true); err != nil {
			return "", err
		}
	}
	if err := c.locate(ctx, true); err != nil {
		return "", err
	}
	if err := c.chooseBinaries(bins); err != nil {
		return "", err
	}
	if err := c.initialize(ctx); err != nil {
		return "", err
	}
	port, err := c.start(ctx)
	if err != nil {
		return "", err
	}
	password, err := c.password()
	if err != nil {
		return "", err
	}
	if err := c.createDatabase(ctx, port, password); err != nil {
		return "", err
	}
	u := url.URL{
		Scheme:   "postgres",
		User:     url.UserPassword(superuser, password),
		Host:     "127.0.0.1:" + strconv.Itoa(port),
		Path:     "/" + database,
		RawQuery: "sslmode=disable",
	}
	return u.String(), nil
}

// Stop stops the selected cluster with a fast shutdown (open sessions are
// disconnected). It does nothing when the cluster does not exist or is not
// running.
func Stop(ctx context.Context, o Options) error {
	c, err := newCluster(o)
	if err != nil {
		return err
	}
	if _, err := os.Stat(c.dir); errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	unlock, err := lockFile(ctx, c.lockPath(), c.logf)
	if err != nil {
		return err
	}
	defer unlock()

	if os.Geteuid() == 0 {
		c.owner, err = postgresUser(ctx, c.logf, false)
		if errors.Is(err, errNoPostgresUser) {
			return nil // no cluster can be running as root without it
		}
		if err != nil {
			return err
		}
	}
	if err := c.locate(ctx, false); err != nil {
		return err
	}
	if !exists(filepath.Join(c.data, "PG_VERSION")) {
		return nil
	}
	bins, err := findBinaries(ctx, o.Logf, false)
	if err != nil {
		return err
	}
	if err := c.chooseBinaries(bins); err != nil {
		c.bin = bins[0] // stopping only signals the postmaster
	}
	running, err := c.running(ctx)
	if err != nil || !running {
		return err
	}
	c.logf("devdb: stopping cluster %s", c.data)
	if out, err := c.runServer(ctx, c.bin.pgCtl, "-D", c.data, "-m", "fast", "-w", "-t", "60", "stop"); err != nil {
		return fmt.Errorf("devdb: stop cluster: %w\n%s", err, strings.TrimSpace(out))
	}
	return nil
}

// cluster is one PostgreSQL data directory and what is needed to run it.
type cluster struct {
	dir   string // absolute Options.Dir
	name  string // "pg" or "pg-test"
	test  bool
	logf  func(format string, args ...any)
	data  string  // data directory, set by locate
	owner *pgUser // the postgres system user when running as root, else nil
	bin   pgBin   // server binaries, set by chooseBinaries
}

func newCluster(o Options) (*cluster, error) {
	if o.Dir == "" {
		return nil, errors.New("devdb: Options.Dir is empty")
	}
	dir, err := filepath.Abs(o.Dir)
	if err != nil {
		return nil, fmt.Errorf("devdb: data dir: %w", err)
	}
	c := &cluster{dir: dir, name: "pg", test: o.Test, logf: o.Logf}
	if o.Test {
		c.name = "pg-test"
	}
	if c.logf == nil {
		c.logf = func(string, ...any) {}
	}
	return c, nil
}

func (c *cluster) lockPath() string     { return filepath.Join(c.dir, c.name+".lock") }
func (c *cluster) passwordPath() string { return c.data + ".password" }
func (c *cluster) logPath() string      { return c.data + ".log" }

// password reads the superuser password stored beside the cluster.
func (c *cluster) password() (string, error) {
	b, err := os.ReadFile(c.passwordPath())
	if err != nil {
		return "", fmt.Errorf("devdb: read password (remove %s to recreate the cluster): %w", c.data, err)
	}
	return strings.TrimSpace(string(b)), nil
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
