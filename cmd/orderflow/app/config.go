// Package app wires Orderflow together: configuration from the environment,
// the database, the web server and its lifecycle. cmd/orderflow's main and
// the end-to-end tests both start the program through it.
package app

import (
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
)

// Config is read from environment variables (see README "Configuration").
type Config struct {
	DatabaseURL    string // DATABASE_URL; empty: the project-local cluster under DataDir
	Port           string // PORT (8080)
	Host           string // HOST (all interfaces)
	Env            string // ORDERFLOW_ENV: development | production
	DataDir        string // ORDERFLOW_DATA_DIR (.data)
	MaxConns       int32  // DB_MAX_CONNS (20)
	LogLevel       slog.Level
	LogFormat      string // LOG_FORMAT: text | json
	TrustProxy     bool   // TRUST_PROXY: take client addresses from X-Forwarded-For
	MigrateOnStart bool   // MIGRATE_ON_START (true)
	CompanyName    string // ORDERFLOW_COMPANY: name given to the company when it is first created
	Currency       string // ORDERFLOW_CURRENCY: EUR | USD ...
	PprofAddr      string // PPROF_ADDR: serve net/http/pprof there (e.g. 127.0.0.1:6060), for profiling load tests
	PublicURL      string // PUBLIC_URL: where shoppers and payment providers reach the shop; empty (development only): where the server listens
	SMTPURL        string // SMTP_URL: smtp://user:password@host:587 (STARTTLS) or smtps://host:465; empty: mail is kept in the back office
	SMTPFrom       string // SMTP_FROM: the sender address, required with SMTP_URL

	// MailSenderOff starts no background mail sender even with SMTP_URL
	// (tests: they send the due mail with App.Mailer.SendDue).
	MailSenderOff bool
}

// Production reports whether this is a production deployment.
func (c Config) Production() bool { return c.Env == "production" }

// ConfigFromEnv reads the configuration, with defaults, and checks it.
func ConfigFromEnv() (Config, error) {
	c := Config{
		DatabaseURL:    os.Getenv("DATABASE_URL"),
		Port:           envOr("PORT", "8080"),
		Host:           os.Getenv("HOST"),
		Env:            envOr("ORDERFLOW_ENV", "development"),
		DataDir:        envOr("ORDERFLOW_DATA_DIR", ".data"),
		LogFormat:      envOr("LOG_FORMAT", "text"),
		CompanyName:    envOr("ORDERFLOW_COMPANY", "Orderflow Demo Shop"),
		Currency:       strings.ToUpper(envOr("ORDERFLOW_CURRENCY", "EUR")),
		MigrateOnStart: true,
		PublicURL:      strings.TrimRight(os.Getenv("PUBLIC_URL"), "/"),
		PprofAddr:      os.Getenv("PPROF_ADDR"),
		SMTPURL:        strings.TrimSpace(os.Getenv("SMTP_URL")),
		SMTPFrom:       strings.TrimSpace(os.Getenv("SMTP_FROM")),
	}
	var problems []string
	if c.Env != "development" && c.Env != "production" {
		problems = append(problems, "ORDERFLOW_ENV must be development or production")
	}
	if c.Production() && c.DatabaseURL == "" {
		problems = append(problems, "DATABASE_URL is required in production")
	}
	if p, err := strconv.Atoi(c.Port); err != nil || p < 1 || p > 65535 {
		problems = append(problems, "PORT must be a port number")
	}
	n, err := strconv.Atoi(envOr("DB_MAX_CONNS", "20"))
	if err != nil || n < 2 || n > 1000 {
		problems = append(problems, "DB_MAX_CONNS must be a number from 2 to 1000")
	}
	c.MaxConns = int32(n)
	if err := c.LogLevel.UnmarshalText([]byte(envOr("LOG_LEVEL", "info"))); err != nil {
		problems = append(problems, "LOG_LEVEL must be debug, info, warn or error")
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		problems = append(problems, "LOG_FORMAT must be text or json")
	}
	if c.TrustProxy, err = envBool("TRUST_PROXY", false); err != nil {
		problems = append(problems, err.Error())
	}
	if c.MigrateOnStart, err = envBool("MIGRATE_ON_START", true); err != nil {
		problems = append(problems, err.Error())
	}
	if c.Production() && c.PublicURL == "" {
		problems = append(problems, "PUBLIC_URL is required in production (the shop's address, for links in mail and payment webhooks)")
	}
	if c.PublicURL != "" && !strings.HasPrefix(c.PublicURL, "http://") && !strings.HasPrefix(c.PublicURL, "https://") {
		problems = append(problems, "PUBLIC_URL must start with http:// or https://")
	}
	if len(c.Currency) != 3 {
		problems = append(problems, "ORDERFLOW_CURRENCY must be a 3-letter ISO code")
	}
	if c.SMTPURL != "" {
		_, p := parseSMTP(c.SMTPURL, c.SMTPFrom)
		problems = append(problems, p...)
	}
	if len(problems) > 0 {
		return c, fmt.Errorf("configuration: %s", strings.Join(problems, "; "))
	}
	return c, nil
}

// Logger returns the structured logger the configuration asks for.
func (c Config) Logger() *slog.Logger {
	opts := &slog.HandlerOptions{Level: c.LogLevel}
	if c.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(os.Stderr, opts))
	}
	return slog.New(slog.NewTextHandler(os.Stderr, opts))
}

func envOr(key, def string) string {
	if v := strings.TrimSpace(os.Getenv(key)); v != "" {
		return v
	}
	return def
}

func envBool(key string, def bool) (bool, error) {
	v := os.Getenv(key)
	if v == "" {
		return def, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return def, fmt.Errorf("%s must be true or false", key)
	}
	return b, nil
}
