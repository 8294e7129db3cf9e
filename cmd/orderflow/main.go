// Command orderflow runs Orderflow: the web server (serve, the default),
// schema migrations, demo data, and the project-local development database.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"orderflow/cmd/orderflow/app"
)

const usage = `usage: orderflow [command]

commands:
  serve                 run the web server (default)
  migrate up|down|status
                        apply all pending migrations, revert the last one, or list them
  seed                  create the company and, outside production, the demo users (idempotent)
  seed --products N     also generate N products (benchmarks, load tests)
  db url [--test]       start the project-local PostgreSQL cluster if needed and print its URL
  db stop [--test]      stop the project-local cluster
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:])
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "orderflow:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string) error {
	cmd := "serve"
	if len(args) > 0 {
		cmd, args = args[0], args[1:]
	}
	cfg, err := app.ConfigFromEnv()
	if err != nil {
		return err
	}
	log := cfg.Logger()
	switch cmd {
	case "serve":
		return app.Run(ctx, cfg, log, func(base string) { printWelcome(os.Stdout, cfg, base) })
	case "migrate":
		return migrate(ctx, cfg, log, args)
	case "seed":
		return seed(ctx, cfg, log, args)
	case "db":
		return db(ctx, cfg, log, args)
	case "help", "-h", "--help":
		fmt.Print(usage)
		return nil
	}
	return fmt.Errorf("unknown command %q\n%s", cmd, usage)
}
