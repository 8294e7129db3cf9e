// Package handlers is Orderflow's web layer: Echo handlers that parse a
// request, call one models operation and render a templ view.
package handlers

import (
	"log/slog"
	"orderflow/models"
	"orderflow/views/shop"
	"sync/atomic"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/labstack/echo/v4"
	"github.com/uptrace/bun"
)

// Config is what the web layer needs to know about its environment.
type Config struct {
	Production bool // stricter cookies, HSTS, no demo hints
	TrustProxy bool // take the client address from X-Forwarded-For
	BodyLimit  string
	PublicURL  string         // base URL for links in mails and provider callbacks; empty: where the server listens (see ServesAt)
	Outbox     *models.Outbox // where mail is queued: sent through SMTP, or kept in the back office when nil
}

// baseURL is where this server is reached from outside: PUBLIC_URL, else
// (development) the address it listens on. Never the request's Host header:
// anyone may send any Host, and this address goes into customers' mail and
// is where the test card provider posts its signed webhooks.
func (h *Handler) baseURL() string {
	if h.cfg.PublicURL != "" {
		return h.cfg.PublicURL
	}
	if u, ok := h.listenURL.Load().(string); ok {
		return u
	}
	return "http://localhost"
}

// ServesAt tells the handler the address it listens on (http://host:port),
// its base URL when no PUBLIC_URL is configured.
func (h *Handler) ServesAt(url string) { h.listenURL.Store(url) }

// customerMail is how operations mail a customer about their order: to the
// app's outbox, with the order page's link (views/shop.OrderURL, with its
// access token) on the public base URL.
func (h *Handler) customerMail() models.CustomerMail {
	base := h.baseURL()
	return models.CustomerMail{Box: h.cfg.Outbox, PortalURL: func(o *models.SaleOrder) string { return base + shop.OrderURL(o) }}
}

// Handler holds the dependencies every handler uses.
type Handler struct {
	cfg       Config
	db        *bun.DB
	sessions  *scs.SessionManager
	log       *slog.Logger
	routes    []RouteInfo
	refs      *models.RefCache // company, carriers, providers and taxes, kept current by a query hook
	listenURL atomic.Value     // string: see ServesAt
}

// New builds the Echo server with every route and middleware.
func New(cfg Config, db *bun.DB, sessions *scs.SessionManager, log *slog.Logger) (*echo.Echo, *Handler) {
	if cfg.BodyLimit == "" {
		cfg.BodyLimit = "10M"
	}
	h := &Handler{cfg: cfg, db: db, sessions: sessions, log: log, refs: models.NewRefCache(db)}
	e := echo.New()
	e.HideBanner = true
	e.HidePort = true
	e.HTTPErrorHandler = h.handleError
	if cfg.TrustProxy {
		e.IPExtractor = echo.ExtractIPFromXFFHeader()
	} else {
		e.IPExtractor = echo.ExtractIPDirect()
	}
	e.Server.ReadHeaderTimeout = 10 * time.Second
	e.Server.ReadTimeout = time.Minute
	e.Server.WriteTimeout = time.Minute
	e.Server.IdleTimeout = 2 * time.Minute
	h.registerRoutes(e)
	return e, h
}

// Routes lists every application route with who may use it.
func (h *Handler) Routes() []RouteInfo { return h.routes }
