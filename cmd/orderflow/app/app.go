package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	_ "net/http/pprof"
	"time"

	"github.com/alexedwards/scs/postgresstore"
	"github.com/labstack/echo/v4"
	"github.com/uptrace/bun"

	"orderflow/cmd/orderflow/devdb"
	"orderflow/handlers"
	"orderflow/models"
)

// App is one running Orderflow: database, sessions, web server and, when
// an SMTP server is configured, the mail sender.
type App struct {
	Config  Config
	Log     *slog.Logger
	DB      *bun.DB
	Echo    *echo.Echo
	Handler *handlers.Handler
	Outbox  *models.Outbox // where operations queue mail; nil: kept in the back office
	Mailer  *Mailer        // the SMTP sender; nil without SMTP_URL

	store *postgresstore.PostgresStore
}

// DatabaseURL returns the configured database, or starts the project-local
// development cluster and returns its URL.
func DatabaseURL(ctx context.Context, cfg Config, log *slog.Logger) (string, error) {
	if cfg.DatabaseURL != "" {
		return cfg.DatabaseURL, nil
	}
	return devdb.Ensure(ctx, devdb.Options{Dir: cfg.DataDir, Logf: func(f string, a ...any) { log.Info(fmt.Sprintf(f, a...)) }})
}

// Open connects to the database, migrates it when configured to, seeds the
// company (and demo users outside production), and builds the web server.
func Open(ctx context.Context, cfg Config, log *slog.Logger) (*App, error) {
	smtp, err := cfg.SMTP()
	if err != nil {
		return nil, err
	}
	dsn, err := DatabaseURL(ctx, cfg, log)
	if err != nil {
		return nil, err
	}
	db, err := models.Open(ctx, dsn, cfg.MaxConns)
	if err != nil {
		return nil, err
	}
	a := &App{Config: cfg, Log: log, DB: db}
	if cfg.MigrateOnStart {
		applied, err := models.Migrate(ctx, db)
		if err != nil {
			db.Close()
			return nil, err
		}
		if len(applied) > 0 {
			log.Info("migrated", "applied", applied)
		}
		if err := a.Seed(ctx); err != nil {
			db.Close()
			return nil, err
		}
	}
	if smtp != nil {
		a.Outbox = models.NewOutbox(true)
		a.Mailer = NewMailer(db, *smtp, a.Outbox, log)
	}
	sessions, store := handlers.NewSessions(db.DB, cfg.Production(), 5*time.Minute)
	a.store = store
	a.Echo, a.Handler = handlers.New(handlers.Config{
		Production: cfg.Production(), TrustProxy: cfg.TrustProxy, PublicURL: cfg.PublicURL, Outbox: a.Outbox,
	}, db, sessions, log)
	return a, nil
}

// Seed creates the company and, outside production, the demo users (once).
func (a *App) Seed(ctx context.Context) error {
	return models.Seed(ctx, a.DB, models.SeedOptions{
		CompanyName: a.Config.CompanyName, CurrencyCode: a.Config.Currency, DemoUsers: !a.Config.Production(),
	})
}

// Serve answers HTTP on ln until ctx ends, then shuts down gracefully:
// requests in flight get up to 15 seconds to finish. The mail sender runs
// while it serves.
func (a *App) Serve(ctx context.Context, ln net.Listener) error {
	a.Handler.ServesAt(ListenURL(ln.Addr()))
	srv := a.Echo.Server
	srv.Handler = a.Echo
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	go a.checkAvailabilityEvery(ctx, time.Minute)
	if a.Mailer != nil && !a.Config.MailSenderOff {
		a.Mailer.Start(mailPollEvery)
		defer a.Mailer.Stop()
	}
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	a.Log.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 15*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("app: shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// checkAvailabilityEvery runs the scheduled jobs until ctx ends: "check
// availability" (moves waiting for stock are reserved as soon as it is
// there) and the expiry of abandoned carts.
func (a *App) checkAvailabilityEvery(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := models.CheckAvailabilityScheduled(ctx, a.DB); err != nil && ctx.Err() == nil {
				a.Log.Error("scheduled check availability", "error", err)
			}
			if n, err := models.ExpireCarts(ctx, a.DB); err != nil && ctx.Err() == nil {
				a.Log.Error("expire carts", "error", err)
			} else if n > 0 {
				a.Log.Info("expired abandoned carts", "count", n)
			}
		}
	}
}

// mailPollEvery is how often the mail sender looks for due mail (retries;
// mail queued by another app server) besides being woken by this one.
const mailPollEvery = 5 * time.Second

// Close releases the database and stops session cleanup and the mail sender.
func (a *App) Close() error {
	if a.Mailer != nil {
		a.Mailer.Stop()
	}
	if a.store != nil {
		a.store.StopCleanup()
	}
	return a.DB.Close()
}

// ListenURL is the http:// address of a listener, with "localhost" for
// one on every interface.
func ListenURL(addr net.Addr) string {
	host, port, err := net.SplitHostPort(addr.String())
	if err != nil {
		return "http://" + addr.String()
	}
	if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port)
}

// Run opens the app, listens on HOST:PORT and serves until ctx ends.
func Run(ctx context.Context, cfg Config, log *slog.Logger, ready func(baseURL string)) error {
	a, err := Open(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer a.Close()
	ln, err := net.Listen("tcp", net.JoinHostPort(cfg.Host, cfg.Port))
	if err != nil {
		return fmt.Errorf("app: listen on port %s: %w", cfg.Port, err)
	}
	if cfg.PprofAddr != "" {
		// Profiling for load tests, on its own (local) address only.
		go func() {
			if err := http.ListenAndServe(cfg.PprofAddr, nil); err != nil {
				log.Error("pprof", "error", err)
			}
		}()
	}
	if ready != nil {
		ready(ListenURL(ln.Addr()))
	}
	return a.Serve(ctx, ln)
}
