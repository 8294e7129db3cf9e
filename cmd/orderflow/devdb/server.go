package devdb

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
)

// start starts the cluster unless it is already running and returns the port
// it listens on. A port taken by another program since the last run is
// replaced by a free one.
func (c *cluster) start(ctx context.Context) (int, error) {
	running, err := c.running(ctx)
	if err != nil {
		return 0, err
	}
	if running {
		return c.runningPort()
	}
	port, err := c.confPort()
	if err != nil {
		return 0, err
	}
	if err := c.prepareLog(); err != nil {
		return 0, err
	}
	for attempt := 1; ; attempt++ {
		if !portFree(port) {
			taken := port
			if port, err = freePort(); err != nil {
				return 0, err
			}
			c.logf("devdb: port %d is taken by another program; moving the cluster to port %d", taken, port)
		}
		// Rewritten every time so settings follow this code.
		if err := c.writeConf(port); err != nil {
			return 0, err
		}
		c.logf("devdb: starting PostgreSQL %s on 127.0.0.1:%d (data %s, log %s)", c.bin.major, port, c.data, c.logPath())
		out, err := c.runServer(ctx, c.bin.pgCtl, "-D", c.data, "-l", c.logPath(), "-w", "-t", "60", "start")
		if err == nil {
			return port, nil
		}
		// Someone may have taken the port between our check and the bind.
		if attempt < 3 && !portFree(port) {
			if up, _ := c.running(ctx); !up {
				continue
			}
		}
		return 0, fmt.Errorf("devdb: start cluster: %w\n%s\n--- last lines of %s ---\n%s",
			err, strings.TrimSpace(out), c.logPath(), tail(c.logPath(), 20))
	}
}

// running asks pg_ctl whether the cluster's postmaster is alive.
func (c *cluster) running(ctx context.Context) (bool, error) {
	out, err := c.runServer(ctx, c.bin.pgCtl, "-D", c.data, "status")
	if err == nil {
		return true, nil
	}
	// 3: no server running; 4: no accessible data directory.
	if ee := (*exec.ExitError)(nil); errors.As(err, &ee) && (ee.ExitCode() == 3 || ee.ExitCode() == 4) {
		return false, nil
	}
	return false, fmt.Errorf("devdb: cluster status: %w\n%s", err, strings.TrimSpace(out))
}

// runningPort reads the running server's port from postmaster.pid (line 4).
func (c *cluster) runningPort() (int, error) {
	b, err := os.ReadFile(filepath.Join(c.data, "postmaster.pid"))
	if err != nil {
		return 0, fmt.Errorf("devdb: read running port: %w", err)
	}
	lines := strings.Split(string(b), "\n")
	if len(lines) < 4 {
		return 0, fmt.Errorf("devdb: read running port: short postmaster.pid")
	}
	port, err := strconv.Atoi(strings.TrimSpace(lines[3]))
	if err != nil {
		return 0, fmt.Errorf("devdb: read running port: %w", err)
	}
	return port, nil
}

// prepareLog creates the server log so the postgres user can append to it
// from a directory it may not write to.
func (c *cluster) prepareLog() error {
	f, err := os.OpenFile(c.logPath(), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err == nil {
		err = errors.Join(f.Close(), c.owner.chown(c.logPath()))
	}
	if err != nil {
		return fmt.Errorf("devdb: server log: %w", err)
	}
	return nil
}

// tail returns the last n lines of a file, for error messages.
func tail(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return "(" + err.Error() + ")"
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// createDatabase creates the orderflow database when it is missing.
func (c *cluster) createDatabase(ctx context.Context, port int, password string) error {
	out, err := c.psql(ctx, port, password, "SELECT 1 FROM pg_database WHERE datname = '"+database+"'")
	if err != nil {
		return fmt.Errorf("devdb: look for database %s: %w", database, err)
	}
	if strings.TrimSpace(out) == "1" {
		return nil
	}
	c.logf("devdb: creating database %s", database)
	if _, err := c.psql(ctx, port, password, "CREATE DATABASE "+database); err != nil {
		return fmt.Errorf("devdb: create database %s: %w", database, err)
	}
	return nil
}

// psql runs one SQL command in the postgres database over TCP and returns
// its unaligned, tuples-only output.
func (c *cluster) psql(ctx context.Context, port int, password, sql string) (string, error) {
	bin, err := findPsql(c.bin.pgCtl)
	if err != nil {
		return "", err
	}
	conninfo := fmt.Sprintf("host=127.0.0.1 port=%d user=%s dbname=postgres sslmode=disable connect_timeout=10", port, superuser)
	cmd := exec.CommandContext(ctx, bin, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-tA", "-d", conninfo, "-c", sql)
	cmd.Env = append(cleanEnv(), "PGPASSWORD="+password)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("%w: %s", err, strings.TrimSpace(stderr.String()))
	}
	return string(out), nil
}
