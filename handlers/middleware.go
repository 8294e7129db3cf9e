package handlers

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"orderflow/models"
)

// contentSecurityPolicy allows our own files only: no inline script, no
// third-party hosts, no framing.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; " +
	"media-src 'self' blob:; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"

// useStandard installs what every request goes through: recover, request id,
// request log, secure headers, body limit and compression.
func (h *Handler) useStandard(e *echo.Echo) {
	e.Pre(middleware.RemoveTrailingSlashWithConfig(middleware.TrailingSlashConfig{RedirectCode: http.StatusMovedPermanently}))
	e.Use(middleware.RecoverWithConfig(middleware.RecoverConfig{
		LogErrorFunc: func(c echo.Context, err error, stack []byte) error {
			h.log.Error("panic", "request_id", requestID(c), "error", err, "stack", string(stack))
			return err
		},
	}))
	e.Use(middleware.RequestID())
	e.Use(func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			r := c.Request()
			c.SetRequest(r.WithContext(models.WithRefCache(r.Context(), h.refs)))
			return next(c)
		}
	})
	e.Use(middleware.RequestLoggerWithConfig(middleware.RequestLoggerConfig{
		LogStatus: true, LogURI: true, LogMethod: true, LogLatency: true, LogRequestID: true, LogRemoteIP: true,
		HandleError: true,
		LogValuesFunc: func(c echo.Context, v middleware.RequestLoggerValues) error {
			level := slog.LevelInfo
			if v.Status >= 500 {
				level = slog.LevelError
			}
			attrs := []slog.Attr{
				slog.String("request_id", v.RequestID), slog.String("method", v.Method), slog.String("uri", v.URI),
				slog.Int("status", v.Status), slog.Duration("latency", v.Latency), slog.String("ip", v.RemoteIP),
			}
			if u := currentUser(c); u != nil {
				attrs = append(attrs, slog.Int64("user_id", u.ID))
			}
			h.log.LogAttrs(c.Request().Context(), level, "request", attrs...)
			return nil
		},
	}))
	secure := middleware.SecureConfig{
		XSSProtection:         "0", // legacy filter off; the CSP does the work
		ContentTypeNosniff:    "nosniff",
		XFrameOptions:         "DENY",
		ContentSecurityPolicy: contentSecurityPolicy,
		ReferrerPolicy:        "strict-origin-when-cross-origin",
	}
	if h.cfg.Production {
		secure.HSTSMaxAge = 31536000
	}
	e.Use(middleware.SecureWithConfig(secure))
	e.Use(middleware.BodyLimit(h.cfg.BodyLimit))
	e.Use(middleware.GzipWithConfig(middleware.GzipConfig{Level: 1, MinLength: 1024, // level 1: a fraction of the CPU of 5, pages still shrink ~4x
		// Images are compressed already; PDFs are mostly so.
		Skipper: func(c echo.Context) bool { return strings.HasPrefix(c.Request().URL.Path, "/images/") },
	}))
}

// dynamic is the middleware of every page and form: the session, CSRF
// protection, and the signed-in user.
func (h *Handler) dynamic() []echo.MiddlewareFunc {
	return []echo.MiddlewareFunc{
		echo.WrapMiddleware(h.sessions.LoadAndSave),
		func(next echo.HandlerFunc) echo.HandlerFunc {
			return func(c echo.Context) error { c.Set(ctxHasSession, true); return next(c) }
		},
		middleware.CSRFWithConfig(middleware.CSRFConfig{
			TokenLookup:    "header:X-CSRF-Token,form:_csrf",
			CookieName:     "orderflow_csrf",
			CookiePath:     "/",
			CookieHTTPOnly: true,
			CookieSecure:   h.cfg.Production,
			CookieSameSite: http.SameSiteLaxMode,
			CookieMaxAge:   30 * 24 * 3600,
			ErrorHandler: func(err error, c echo.Context) error {
				return models.Errorf(models.EFORBIDDEN, "This form has expired or did not come from this site. Reload the page and try again.")
			},
		}),
		h.keepAlive,
		h.authenticate,
		storableText,
	}
}

// storableText refuses (EINVALID, nothing done) a request whose query or
// form holds text the database cannot store: invalid UTF-8, or a NUL
// character. The message names the field.
func storableText(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		bad := unstorableField(c.QueryParams())
		if bad == "" && c.Request().Method != http.MethodGet && c.Request().Method != http.MethodHead {
			if form, err := c.FormParams(); err == nil {
				bad = unstorableField(form)
			}
		}
		if bad != "" {
			return models.Errorf(models.EINVALID, "The field %q holds characters that cannot be saved (invalid text or a NUL character). Please type it again.",
				strings.NewReplacer("_", " ", ".", " ").Replace(bad))
		}
		return next(c)
	}
}

// unstorableField is the first field (by name) of values whose name or a
// value is not valid UTF-8 or holds a NUL character, or "".
func unstorableField(values url.Values) string {
	bad := func(s string) bool { return !utf8.ValidString(s) || strings.IndexByte(s, 0) >= 0 }
	var first string
	for name, vs := range values {
		if bad(name) || slices.ContainsFunc(vs, bad) {
			if !utf8.ValidString(name) {
				name = strings.ToValidUTF8(name, "?")
			}
			name = strings.ReplaceAll(name, "\x00", "?")
			if first == "" || name < first {
				first = name
			}
		}
	}
	return first
}

const (
	sessionUserID      = "user_id"
	sessionUserVersion = "user_version"
	ctxUser            = "user"
	ctxHasSession      = "has_session"
)

// authenticate puts the session's user, if any, in the context. A session
// whose user was deactivated or changed password is ended.
func (h *Handler) authenticate(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		ctx := c.Request().Context()
		id := h.sessions.GetInt64(ctx, sessionUserID)
		if id == 0 {
			return next(c)
		}
		u, err := models.UserForSession(ctx, h.db, id, h.sessions.GetInt(ctx, sessionUserVersion))
		switch {
		case models.ErrorCode(err) == models.EUNAUTHORIZED:
			if err := h.endSession(ctx); err != nil {
				return err
			}
			h.flash(c, "warning", models.ErrorMessage(err))
		case err != nil:
			return err
		default:
			c.Set(ctxUser, u)
		}
		return next(c)
	}
}

// requireAccess refuses guests (EUNAUTHORIZED: sent to the login page) and
// users without one of the roles (EFORBIDDEN).
func (h *Handler) requireAccess(a Access) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			u := currentUser(c)
			if u == nil {
				return models.Errorf(models.EUNAUTHORIZED, "Please log in to continue.")
			}
			if len(a.Roles) > 0 && !u.HasRole(a.Roles...) {
				labels := make([]string, len(a.Roles))
				for i, r := range a.Roles {
					labels[i] = models.RoleLabel(r)
				}
				return models.Errorf(models.EFORBIDDEN, "This area is for %s users. You are logged in as %s.", strings.Join(labels, " or "), u.Email)
			}
			return next(c)
		}
	}
}

// currentUser is the signed-in user, or nil for a guest.
func currentUser(c echo.Context) *models.User {
	u, _ := c.Get(ctxUser).(*models.User)
	return u
}

func requestID(c echo.Context) string {
	return c.Response().Header().Get(echo.HeaderXRequestID)
}

// logIn starts a fresh session (new token: no fixation) for u.
func (h *Handler) logIn(ctx context.Context, u *models.User) error {
	if err := h.sessions.RenewToken(ctx); err != nil {
		return err
	}
	h.putSession(ctx, sessionUserID, u.ID)
	h.putSession(ctx, sessionUserVersion, u.SessionVersion)
	return nil
}

// endSession forgets everything in the session and gives it a new token.
func (h *Handler) endSession(ctx context.Context) error {
	if err := h.sessions.RenewToken(ctx); err != nil {
		return err
	}
	return h.sessions.Clear(ctx)
}
