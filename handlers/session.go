package handlers

import (
	"database/sql"
	"net/http"
	"time"

	"github.com/alexedwards/scs/postgresstore"
	"github.com/alexedwards/scs/v2"
)

// NewSessions returns a session manager storing sessions in PostgreSQL, so
// that several app servers share them. cleanup is how often expired sessions
// are deleted (0: never, for tests); call the store's StopCleanup on shutdown.
func NewSessions(db *sql.DB, secureCookie bool, cleanup time.Duration) (*scs.SessionManager, *postgresstore.PostgresStore) {
	store := postgresstore.NewWithCleanupInterval(db, cleanup)
	s := scs.New()
	s.Store = store
	s.Lifetime = 30 * 24 * time.Hour
	s.IdleTimeout = 7 * 24 * time.Hour
	s.Cookie.Name = "orderflow_session"
	s.Cookie.HttpOnly = true
	s.Cookie.SameSite = http.SameSiteLaxMode
	s.Cookie.Secure = secureCookie
	s.Cookie.Persist = true
	return s, store
}
