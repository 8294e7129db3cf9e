package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"orderflow/cmd/orderflow/app"
	"orderflow/cmd/orderflow/devdb"
	"orderflow/models"
)

func openDB(ctx context.Context, cfg app.Config, log *slog.Logger) (*app.App, error) {
	cfg.MigrateOnStart = false
	return app.Open(ctx, cfg, log)
}

func migrate(ctx context.Context, cfg app.Config, log *slog.Logger, args []string) error {
	if len(args) != 1 {
		return fmt.Errorf("usage: orderflow migrate up|down|status")
	}
	a, err := openDB(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer a.Close()
	switch args[0] {
	case "up":
		applied, err := models.Migrate(ctx, a.DB)
		if err != nil {
			return err
		}
		fmt.Printf("applied %d migration(s) %v\n", len(applied), applied)
	case "down":
		reverted, err := models.Rollback(ctx, a.DB)
		if err != nil {
			return err
		}
		fmt.Printf("reverted %d migration(s) %v\n", len(reverted), reverted)
	case "status":
		ms, err := models.Migrations(ctx, a.DB)
		if err != nil {
			return err
		}
		for _, m := range ms {
			state := "pending"
			if m.Applied {
				state = "applied"
			}
			fmt.Printf("%-8s %s\n", state, m.Name)
		}
	default:
		return fmt.Errorf("usage: orderflow migrate up|down|status")
	}
	return nil
}

// seed creates the company and the demo data; with --products N it also
// generates N more products (for benchmarks and load tests).
func seed(ctx context.Context, cfg app.Config, log *slog.Logger, args []string) error {
	fs := flag.NewFlagSet("seed", flag.ContinueOnError)
	products := fs.Int("products", 0, "also generate this many products (for benchmarks)")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("usage: orderflow seed [--products N]")
	}
	a, err := openDB(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer a.Close()
	if err := a.Seed(ctx); err != nil {
		return err
	}
	fmt.Println("seeded")
	if *products > 0 {
		start := time.Now()
		if err := models.SeedLargeCatalog(ctx, a.DB, *products); err != nil {
			return err
		}
		fmt.Printf("generated %d products in %v\n", *products, time.Since(start).Round(time.Millisecond))
	}
	return nil
}

func db(ctx context.Context, cfg app.Config, log *slog.Logger, args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("usage: orderflow db url|stop [--test]")
	}
	o := devdb.Options{Dir: cfg.DataDir, Logf: func(f string, a ...any) { fmt.Fprintf(os.Stderr, f+"\n", a...) }}
	if len(args) > 1 && args[1] == "--test" {
		o.Test = true
	}
	switch args[0] {
	case "url":
		dsn, err := devdb.Ensure(ctx, o)
		if err != nil {
			return err
		}
		fmt.Println(dsn)
		return nil
	case "stop":
		return devdb.Stop(ctx, o)
	}
	return fmt.Errorf("usage: orderflow db url|stop [--test]")
}

func printWelcome(w io.Writer, cfg app.Config, base string) {
	fmt.Fprintf(w, "\nOrderflow is running at %s\n\n", base)
	fmt.Fprintf(w, "  storefront       %s/\n", base)
	fmt.Fprintf(w, "  back office      %s/office\n", base)
	fmt.Fprintf(w, "  handheld (scan)  %s/scan\n", base)
	fmt.Fprintf(w, "  customer portal  %s/my\n\n", base)
	if cfg.Production() {
		return
	}
	fmt.Fprintf(w, "Demo logins (password %q):\n", models.DemoPassword)
	for _, d := range models.DemoLogins {
		fmt.Fprintf(w, "  %-11s %s\n", d.Role, d.Email)
	}
	fmt.Fprintln(w, "\nPress Ctrl+C to stop.")
}
