package handlers

import (
	"context"
	"database/sql"
	"net/http"
	"time"

	"github.com/alexedwards/scs/postgresstore"
	"github.com/alexedwards/scs/v2"
	"github.com/labstack/echo/v4"
)

// NewSessions returns a session manager storing sessions in PostgreSQL, so
// that several app servers share them. cleanup is how often expired sessions
// are deleted (0: never, for tests); call the store's StopCleanup on shutdown.
func NewSessions(db *sql.DB, secureCookie bool, cleanup time.Duration) (*scs.SessionManager, *postgresstore.PostgresStore) {
	store := postgresstore.NewWithCleanupInterval(db, cleanup)
	s := scs.New()
	s.Store = store
	s.Codec = sessionCodec{}
	s.Lifetime = 30 * 24 * time.Hour
	// No scs IdleTimeout: with it every request rewrites the session row (an
	// UPSERT and a commit per page). The idle limit is kept by keepAlive
	// instead, which writes at most once per sessionTouchEvery.
	s.Cookie.Name = "orderflow_session"
	s.Cookie.HttpOnly = true
	s.Cookie.SameSite = http.SameSiteLaxMode
	s.Cookie.Secure = secureCookie
	s.Cookie.Persist = true
	return s, store
}

// Sessions end after sessionIdleLimit without a request; activity is noted
// in the session at most once per sessionTouchEvery.
const (
	sessionIdleLimit  = 7 * 24 * time.Hour
	sessionTouchEvery = time.Hour
	sessionSeenAt     = "seen_at"
)

// putSession stores v under key in the request's session. A session's
// first value also notes the activity, so that the next request does not
// write the session again only to note it.
func (h *Handler) putSession(ctx context.Context, key string, v any) {
	if h.sessions.GetInt64(ctx, sessionSeenAt) == 0 {
		h.sessions.Put(ctx, sessionSeenAt, time.Now().Unix())
	}
	h.sessions.Put(ctx, key, v)
}

// keepAlive ends sessions idle for longer than sessionIdleLimit and notes
// the activity of the others, without writing the session on every request.
// An empty session (a guest with no cart) is left alone, so that it is never
// stored.
func (h *Handler) keepAlive(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		ctx := c.Request().Context()
		now := time.Now()
		seen := h.sessions.GetInt64(ctx, sessionSeenAt)
		switch {
		case seen != 0 && now.Sub(time.Unix(seen, 0)) > sessionIdleLimit:
			if err := h.sessions.Destroy(ctx); err != nil {
				return err
			}
		case seen == 0 && len(h.sessions.Keys(ctx)) == 0:
		case now.Sub(time.Unix(seen, 0)) > sessionTouchEvery:
			h.sessions.Put(ctx, sessionSeenAt, now.Unix())
		}
		return next(c)
	}
}
