package devdb

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// errNoBinaries is the one-line error Ensure returns when PostgreSQL is not
// installed and cannot be installed.
var errNoBinaries = errors.New("devdb: PostgreSQL server binaries not found: install them (Debian/Ubuntu: apt-get install postgresql), point PG_BIN at their directory, or set DATABASE_URL")

// pgBin is one installation of the PostgreSQL server binaries.
type pgBin struct {
	initdb, pgCtl string
	major         string // as in a cluster's PG_VERSION file: "15", "9.6"
	version       []int  // for ordering: [15 4], [9 6 24]
}

// findBinaries lists the installed server binaries, newest first: only PG_BIN
// when it is set, else Debian's /usr/lib/postgresql/*/bin and the PGDG RPMs'
// /usr/pgsql-*/bin, then initdb and pg_ctl on PATH. With install set it
// installs Debian's postgresql package when none are found and it can,
// reporting to logf (stderr when nil).
func findBinaries(ctx context.Context, logf func(string, ...any), install bool) ([]pgBin, error) {
	if dir := os.Getenv("PG_BIN"); dir != "" {
		b, err := binariesIn(ctx, filepath.Join(dir, "initdb"), filepath.Join(dir, "pg_ctl"))
		if err != nil {
			return nil, fmt.Errorf("devdb: PG_BIN=%s: %w", dir, err)
		}
		return []pgBin{b}, nil
	}
	bins := installedBinaries(ctx)
	if len(bins) == 0 && install && canInstall() {
		if err := installDebian(ctx, logf); err != nil {
			return nil, err
		}
		bins = installedBinaries(ctx)
	}
	if len(bins) == 0 {
		return nil, errNoBinaries
	}
	return bins, nil
}

func installedBinaries(ctx context.Context) []pgBin {
	var bins []pgBin
	seen := map[string]bool{}
	add := func(initdb, pgCtl string) {
		if seen[pgCtl] {
			return
		}
		seen[pgCtl] = true
		if b, err := binariesIn(ctx, initdb, pgCtl); err == nil {
			bins = append(bins, b)
		}
	}
	debian, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	pgdg, _ := filepath.Glob("/usr/pgsql-*/bin")
	for _, dir := range append(debian, pgdg...) {
		add(filepath.Join(dir, "initdb"), filepath.Join(dir, "pg_ctl"))
	}
	slices.SortStableFunc(bins, func(a, b pgBin) int { return slices.Compare(b.version, a.version) })
	// PATH comes last: on Debian it holds client wrappers only.
	initdb, err1 := exec.LookPath("initdb")
	pgCtl, err2 := exec.LookPath("pg_ctl")
	if err1 == nil && err2 == nil {
		add(initdb, pgCtl)
	}
	return bins
}

var versionRE = regexp.MustCompile(`\(PostgreSQL\) (\d+)(?:\.(\d+))?(?:\.(\d+))?`)

// binariesIn checks that initdb and pg_ctl exist and reads their version.
func binariesIn(ctx context.Context, initdb, pgCtl string) (pgBin, error) {
	for _, p := range []string{initdb, pgCtl} {
		if fi, err := os.Stat(p); err != nil || fi.IsDir() || fi.Mode()&0o111 == 0 {
			return pgBin{}, fmt.Errorf("no executable %s", p)
		}
	}
	// pg_ctl --version works as root, unlike its other commands.
	out, err := exec.CommandContext(ctx, pgCtl, "--version").Output()
	if err != nil {
		return pgBin{}, fmt.Errorf("%s --version: %w", pgCtl, err)
	}
	m := versionRE.FindStringSubmatch(string(out))
	if m == nil {
		return pgBin{}, fmt.Errorf("%s --version: unexpected output %q", pgCtl, strings.TrimSpace(string(out)))
	}
	b := pgBin{initdb: initdb, pgCtl: pgCtl, major: m[1]}
	for _, s := range m[1:] {
		if n, err := strconv.Atoi(s); err == nil {
			b.version = append(b.version, n)
		}
	}
	if b.version[0] < 10 && len(b.version) > 1 {
		b.major = m[1] + "." + m[2] // before 10 the major version had two parts
	}
	return b, nil
}

// chooseBinaries picks the binaries that match the existing cluster's
// version, or the newest for a new cluster. A test cluster made by another
// version is thrown away; a dev cluster is kept and reported.
func (c *cluster) chooseBinaries(bins []pgBin) error {
	raw, err := os.ReadFile(filepath.Join(c.data, "PG_VERSION"))
	if err != nil {
		c.bin = bins[0]
		return nil
	}
	want := strings.TrimSpace(string(raw))
	for _, b := range bins {
		if b.major == want {
			c.bin = b
			return nil
		}
	}
	if !c.test {
		return fmt.Errorf("devdb: cluster %s was made by PostgreSQL %s but only PostgreSQL %s is installed: install %s, or remove %s (its data is lost) to start over",
			c.data, want, bins[0].major, want, c.data)
	}
	c.logf("devdb: removing test cluster %s made by PostgreSQL %s (now using %s)", c.data, want, bins[0].major)
	if err := os.RemoveAll(c.data); err != nil {
		return fmt.Errorf("devdb: remove old test cluster: %w", err)
	}
	c.bin = bins[0]
	return nil
}

// findPsql finds the psql client: beside pg_ctl, else /usr/bin/psql
// (Debian's version-picking wrapper), else on PATH.
func findPsql(pgCtl string) (string, error) {
	for _, p := range []string{filepath.Join(filepath.Dir(pgCtl), "psql"), "/usr/bin/psql"} {
		if exists(p) {
			return p, nil
		}
	}
	if p, err := exec.LookPath("psql"); err == nil {
		return p, nil
	}
	return "", errors.New("devdb: psql not found: install the PostgreSQL client (Debian/Ubuntu: apt-get install postgresql-client)")
}

func canInstall() bool {
	if os.Geteuid() != 0 || !exists("/etc/debian_version") {
		return false
	}
	_, err := exec.LookPath("apt-get")
	return err == nil
}

// installDebian installs Debian's postgresql package, streaming apt-get's
// output to logf, or to stderr when logf is nil.
func installDebian(ctx context.Context, logf func(string, ...any)) error {
	if logf == nil {
		logf = func(format string, args ...any) { fmt.Fprintf(os.Stderr, format+"\n", args...) }
	}
	logf("devdb: PostgreSQL is not installed; installing it with apt-get")
	out := &lineWriter{logf: logf}
	defer out.flush()
	run := func(args ...string) error {
		cmd := exec.CommandContext(ctx, "apt-get", args...)
		cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
		cmd.Stdout, cmd.Stderr = out, out // the same writer: one pipe, no races
		return cmd.Run()
	}
	if err := run("update"); err != nil {
		// A stale or unreachable mirror need not stop the install.
		logf("devdb: apt-get update: %v (trying the install anyway)", err)
	}
	if err := run("install", "-y", "--no-install-recommends", "postgresql"); err != nil {
		return fmt.Errorf("devdb: apt-get install postgresql: %w", err)
	}
	return nil
}

// lineWriter passes whole lines of a command's output to logf.
type lineWriter struct {
	logf func(string, ...any)
	buf  []byte
}

func (w *lineWriter) Write(p []byte) (int, error) {
	w.buf = append(w.buf, p...)
	for {
		i := bytes.IndexByte(w.buf, '\n')
		if i < 0 {
			return len(p), nil
		}
		line := strings.TrimRight(string(w.buf[:i]), "\r")
		if j := strings.LastIndexByte(line, '\r'); j >= 0 {
			line = line[j+1:] // keep the last state of a progress line
		}
		if line != "" {
			w.logf("apt: %s", line)
		}
		w.buf = w.buf[i+1:]
	}
}

func (w *lineWriter) flush() {
	if len(w.buf) > 0 {
		w.logf("apt: %s", w.buf)
		w.buf = nil
	}
}
