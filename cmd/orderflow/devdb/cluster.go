package devdb

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
)

// confName is the settings file devdb owns inside the data directory. It is
// included at the end of postgresql.conf and rewritten before every start,
// so local overrides belong in ALTER SYSTEM (postgresql.auto.conf).
const confName = "orderflow.conf"

// complete reports whether initialize finished for this cluster: the
// settings file is written last.
func (c *cluster) complete() bool {
	return exists(filepath.Join(c.data, "PG_VERSION")) && exists(filepath.Join(c.data, confName))
}

// initialize creates the cluster with initdb unless it already exists.
func (c *cluster) initialize(ctx context.Context) error {
	if c.complete() {
		return nil
	}
	if _, err := os.Lstat(c.data); err == nil {
		c.logf("devdb: removing the incomplete cluster %s", c.data)
		if err := os.RemoveAll(c.data); err != nil {
			return fmt.Errorf("devdb: remove incomplete cluster: %w", err)
		}
	}
	c.logf("devdb: creating a PostgreSQL %s cluster in %s", c.bin.major, c.data)

	password, err := newPassword()
	if err != nil {
		return err
	}
	if c.owner != nil { // initdb, running as postgres, cannot create it in a root-owned dir
		if err := os.Mkdir(c.data, 0o700); err != nil {
			return fmt.Errorf("devdb: create cluster dir: %w", err)
		}
		if err := c.owner.chown(c.data); err != nil {
			return fmt.Errorf("devdb: chown cluster dir: %w", err)
		}
	}
	pwfile, err := c.tempPasswordFile(password)
	if err != nil {
		return err
	}
	defer os.Remove(pwfile)

	args := []string{
		"-D", c.data,
		"-U", superuser,
		"--pwfile=" + pwfile,
		"--auth=scram-sha-256",
		"-E", "UTF8",
		// C collation: byte order, fast and stable across libc upgrades.
		"--locale=C",
	}
	if ctype := utf8Ctype(ctx); ctype != "" {
		args = append(args, "--lc-ctype="+ctype) // so lower() and ILIKE know non-ASCII letters
	}
	if c.test {
		args = append(args, "--no-sync")
	}
	if out, err := c.runServer(ctx, c.bin.initdb, args...); err != nil {
		return fmt.Errorf("devdb: initdb: %w\n%s", err, strings.TrimSpace(out))
	}
	if err := os.WriteFile(c.passwordPath(), []byte(password+"\n"), 0o600); err != nil {
		return fmt.Errorf("devdb: write password file: %w", err)
	}
	if err := c.appendInclude(); err != nil {
		return err
	}
	port, err := freePort()
	if err != nil {
		return err
	}
	return c.writeConf(port)
}

func newPassword() (string, error) {
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("devdb: generate password: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil // URL-safe: no escaping in DSNs
}

// tempPasswordFile writes the password for initdb --pwfile beside the
// cluster, a place the postgres user can reach.
func (c *cluster) tempPasswordFile(password string) (string, error) {
	f, err := os.CreateTemp(filepath.Dir(c.data), "."+c.name+"-initdb-*")
	if err != nil {
		return "", fmt.Errorf("devdb: write initdb password file: %w", err)
	}
	_, err = f.WriteString(password + "\n")
	err = errors.Join(err, f.Close(), c.owner.chown(f.Name()))
	if err != nil {
		os.Remove(f.Name())
		return "", fmt.Errorf("devdb: write initdb password file: %w", err)
	}
	return f.Name(), nil
}

// utf8Ctype returns the name of the C.UTF-8 locale when the system has one.
func utf8Ctype(ctx context.Context) string {
	out, err := exec.CommandContext(ctx, "locale", "-a").Output()
	if err != nil {
		return ""
	}
	for _, name := range strings.Fields(string(out)) {
		if n := strings.ToLower(name); n == "c.utf8" || n == "c.utf-8" {
			return name
		}
	}
	return ""
}

func (c *cluster) appendInclude() error {
	f, err := os.OpenFile(filepath.Join(c.data, "postgresql.conf"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return fmt.Errorf("devdb: include %s: %w", confName, err)
	}
	_, err = fmt.Fprintf(f, "\n# Settings managed by orderflow's devdb.\ninclude '%s'\n", confName)
	if err = errors.Join(err, f.Close()); err != nil {
		return fmt.Errorf("devdb: include %s: %w", confName, err)
	}
	return nil
}

// writeConf writes the settings devdb owns, with the given port.
func (c *cluster) writeConf(port int) error {
	var b strings.Builder
	b.WriteString("# Written by orderflow's devdb before each start; use ALTER SYSTEM for local changes.\n")
	b.WriteString("listen_addresses = '127.0.0.1'\n")
	fmt.Fprintf(&b, "port = %d\n", port)
	b.WriteString("unix_socket_directories = ''\n")
	b.WriteString("password_encryption = 'scram-sha-256'\n")
	if c.test {
		// Throwaway data: trade crash safety for speed.
		b.WriteString("max_connections = 300\n")
		b.WriteString("fsync = off\n")
		b.WriteString("synchronous_commit = off\n")
		b.WriteString("full_page_writes = off\n")
	} else {
		b.WriteString("max_connections = 100\n")
	}
	path := filepath.Join(c.data, confName)
	err := os.WriteFile(path, []byte(b.String()), 0o600)
	if err == nil {
		err = c.owner.chown(path)
	}
	if err != nil {
		return fmt.Errorf("devdb: write %s: %w", confName, err)
	}
	return nil
}

// confPort reads the port from devdb's settings file.
func (c *cluster) confPort() (int, error) {
	f, err := os.Open(filepath.Join(c.data, confName))
	if err != nil {
		return 0, fmt.Errorf("devdb: read port: %w", err)
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		k, v, ok := strings.Cut(s.Text(), "=")
		if ok && strings.TrimSpace(k) == "port" {
			return strconv.Atoi(strings.TrimSpace(v))
		}
	}
	return 0, fmt.Errorf("devdb: no port in %s", f.Name())
}

// freePort asks the kernel for a free port on 127.0.0.1.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("devdb: pick a port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func portFree(port int) bool {
	l, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(port))
	if err != nil {
		return false
	}
	l.Close()
	return true
}
