package devdb

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// fallbackRoot holds the clusters of data dirs the postgres user cannot reach.
const fallbackRoot = "/var/lib/orderflow"

var errNoPostgresUser = errors.New("devdb: no postgres system user")

// pgUser is the system user the server runs as when this process is root
// (initdb, pg_ctl and postgres all refuse to run as root).
type pgUser struct {
	uid, gid uint32
	groups   []uint32
	home     string
}

// postgresUser looks up the postgres system user, creating it with useradd
// when create is set and it is missing.
func postgresUser(ctx context.Context, logf func(string, ...any), create bool) (*pgUser, error) {
	u, err := user.Lookup("postgres")
	if errors.As(err, new(user.UnknownUserError)) {
		if !create {
			return nil, errNoPostgresUser
		}
		if err := addPostgresUser(ctx, logf); err != nil {
			return nil, err
		}
		u, err = user.Lookup("postgres")
	}
	if err != nil {
		return nil, fmt.Errorf("devdb: look up the postgres user: %w", err)
	}
	p := &pgUser{home: u.HomeDir}
	uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
	gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
	if err := errors.Join(err1, err2); err != nil {
		return nil, fmt.Errorf("devdb: postgres user ids: %w", err)
	}
	p.uid, p.gid = uint32(uid), uint32(gid)
	gids, _ := u.GroupIds()
	for _, g := range gids {
		if n, err := strconv.ParseUint(g, 10, 32); err == nil {
			p.groups = append(p.groups, uint32(n))
		}
	}
	return p, nil
}

func addPostgresUser(ctx context.Context, logf func(string, ...any)) error {
	args := []string{"--system", "--home-dir", "/var/lib/postgresql", "--shell", "/bin/sh"}
	if _, err := user.LookupGroup("postgres"); err == nil {
		args = append(args, "--gid", "postgres")
	} else {
		args = append(args, "--user-group")
	}
	logf("devdb: creating the postgres system user to run the server (PostgreSQL refuses to run as root)")
	out, err := exec.CommandContext(ctx, "useradd", append(args, "postgres")...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("devdb: running as root needs a postgres system user and useradd failed (create one, or run as a normal user): %w: %s",
			err, strings.TrimSpace(string(out)))
	}
	return nil
}

// command prepares a server command (initdb, pg_ctl), run as the postgres
// user when u is not nil. It starts in / because initdb and postgres fail
// when they cannot read their working directory.
func (u *pgUser) command(ctx context.Context, name string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = "/"
	cmd.Env = cleanEnv()
	if u != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{
			Credential: &syscall.Credential{Uid: u.uid, Gid: u.gid, Groups: u.groups},
		}
		cmd.Env = append(cmd.Env, "HOME="+u.home, "USER=postgres", "LOGNAME=postgres")
	}
	return cmd
}

// canTraverse reports whether the user can reach dir, asking the kernel
// rather than reading mode bits so ACLs and every parent count.
func (u *pgUser) canTraverse(ctx context.Context, dir string) bool {
	return u.command(ctx, "/bin/sh", "-c", `test -d "$1" && test -x "$1"`, "sh", dir).Run() == nil
}

// chown gives path to the postgres user; it does nothing when not root.
func (u *pgUser) chown(path string) error {
	if u == nil {
		return nil
	}
	return os.Chown(path, int(u.uid), int(u.gid))
}

// cleanEnv is the environment without libpq and server variables (PGDATA,
// PGPORT, PGSSLMODE, ...) that would override what devdb asks for.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PG") {
			env = append(env, kv)
		}
	}
	return env
}

// runServer runs a server binary (as the postgres user when root) and
// returns its combined output.
func (c *cluster) runServer(ctx context.Context, name string, args ...string) (string, error) {
	out, err := c.owner.command(ctx, name, args...).CombinedOutput()
	return string(out), err
}

// locate sets c.data: Dir/pg (or pg-test), following the symlink an earlier
// fallback left there. As root, when the postgres user cannot reach that
// directory's parent, the cluster moves to fallbackDir(Dir). With create
// unset nothing is created, for Stop.
func (c *cluster) locate(ctx context.Context, create bool) error {
	link := filepath.Join(c.dir, c.name)
	c.data = link
	if target, err := os.Readlink(link); err == nil {
		if !filepath.IsAbs(target) {
			target = filepath.Join(c.dir, target)
		}
		c.data = target
	}
	if c.owner == nil {
		return nil
	}
	parent := filepath.Dir(c.data)
	if create {
		if err := os.MkdirAll(parent, 0o755); err != nil {
			return fmt.Errorf("devdb: create %s: %w", parent, err)
		}
	}
	if c.owner.canTraverse(ctx, parent) {
		return nil
	}

	home := fallbackDir(c.dir)
	c.data = filepath.Join(home, c.name)
	if !create {
		return nil
	}
	for _, d := range []string{fallbackRoot, home} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return fmt.Errorf("devdb: create %s: %w", d, err)
		}
		if err := os.Chmod(d, 0o755); err != nil { // whatever the umask
			return fmt.Errorf("devdb: chmod %s: %w", d, err)
		}
	}
	if !c.owner.canTraverse(ctx, home) {
		return fmt.Errorf("devdb: the postgres user can reach neither %s nor %s: make one traversable (chmod o+x) or run as a normal user", parent, home)
	}
	c.logf("devdb: the postgres user cannot reach %s, so the cluster lives in %s (linked from %s)", parent, c.data, link)
	_ = os.WriteFile(filepath.Join(home, "source"), []byte(c.dir+"\n"), 0o644) // for whoever browses fallbackRoot
	if _, err := os.Lstat(link); errors.Is(err, fs.ErrNotExist) {
		_ = os.Symlink(c.data, link) // a marker only: the server is always given the real path
	}
	return nil
}

// fallbackDir is where the clusters of dir live when the postgres user
// cannot reach dir.
func fallbackDir(dir string) string {
	sum := sha256.Sum256([]byte(dir))
	return filepath.Join(fallbackRoot, hex.EncodeToString(sum[:])[:12])
}

// lockFile takes an exclusive flock on path, waiting until ctx is done. The
// lock is per open file, so it also serializes goroutines of one process.
func lockFile(ctx context.Context, path string, logf func(string, ...any)) (unlock func(), err error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("devdb: open lock file: %w", err)
	}
	fd := int(f.Fd())
	for waited := false; ; waited = true {
		err := syscall.Flock(fd, syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			break
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) && !errors.Is(err, syscall.EINTR) {
			f.Close()
			return nil, fmt.Errorf("devdb: lock %s: %w", path, err)
		}
		if !waited {
			logf("devdb: waiting for another process using %s", path)
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, fmt.Errorf("devdb: lock %s: %w", path, ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
	return func() {
		_ = syscall.Flock(fd, syscall.LOCK_UN)
		f.Close()
	}, nil
}
